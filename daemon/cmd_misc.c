/*
 * cmd_misc.c: what every command shares (opening the config, the store
 * and the plugins) and `crier check-config`.
 */
#include "cmd.h"
#include "config.h"
#include "crier.h"
#include "log.h"
#include "plugin.h"
#include "store.h"
#include "tag.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints the config's problems to stderr; 0 when there are none. */
static int
report_config(const struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_errors; i++)
		fprintf(stderr, "%s\n", cfg->errors[i]);
	return cfg->n_errors ? -1 : 0;
}

static void
set_log_level(const struct config *cfg)
{
	const char *env = getenv("CRIER_LOG_LEVEL");
	enum log_level level = LOG_INFO;

	if (env != NULL && log_level_from_name(env, &level) == 0) {
		log_set_level(level);
		return;
	}
	if (log_level_from_name(cfg->log_level, &level) == 0)
		log_set_level(level);
}

int
cmd_open(struct crier *c, int need_store)
{
	char *err = NULL, *path;

	if (c->cfg == NULL) {
		c->cfg = config_load(c->config_path);
		if (report_config(c->cfg) == -1) {
			fprintf(stderr, "crier: %zu problem%s in %s (crier check-config lists them)\n",
			    c->cfg->n_errors, c->cfg->n_errors == 1 ? "" : "s", c->config_path);
			return -1;
		}
		set_log_level(c->cfg);
	}
	if (c->rules == NULL) {
		c->rules = tag_rules_new(c->cfg, &err);
		if (c->rules == NULL) {
			fprintf(stderr, "crier: %s\n", err);
			free(err);
			return -1;
		}
	}
	if (need_store && c->store == NULL) {
		path = config_db_path(c->cfg);
		c->store = store_open(path, STORE_WRITER, &err);
		if (c->store == NULL) {
			fprintf(stderr, "crier: %s\n", err);
			free(err);
			free(path);
			return -1;
		}
		free(path);
		if (store_sync_config(c->store, c->cfg) == -1) {
			fprintf(stderr, "crier: could not record the config's feeds and teams in the database\n");
			return -1;
		}
	}
	/* commands that write run the plugins; one that is refused is logged
	 * (why, and what to do) and the rest run without it */
	if (need_store && c->plugins == NULL)
		c->plugins = plugin_load(c, c->cfg, NULL, NULL);
	return 0;
}

void
cmd_close(struct crier *c)
{
	plugin_free(c->plugins, c->store);     /* what their fini queued still reaches the outbox */
	c->plugins = NULL;
	store_close(c->store);
	c->store = NULL;
	tag_rules_free(c->rules);
	c->rules = NULL;
	config_free(c->cfg);
	c->cfg = NULL;
}

static const char check_config_help[] =
    "usage: crier [-c FILE] check-config\n"
    "\n"
    "Reads the config file and reports every problem as FILE:LINE: message,\n"
    "without starting anything.  Plugins are loaded and started (init) to check\n"
    "them and their keys, then unloaded.  Exits 0 when the config is fine, 1\n"
    "otherwise.\n";

int
cmd_check_config(struct crier *c, int argc, char **argv)
{
	struct tag_rules *rules;
	struct plugins *plugins;
	char *err = NULL;
	size_t refused = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(check_config_help, stdout);
			return 0;
		}
		fprintf(stderr, "crier check-config: unexpected argument \"%s\"\n%s", argv[i],
		    check_config_help);
		return 2;
	}
	c->cfg = config_load(c->config_path);
	if (report_config(c->cfg) == -1) {
		fprintf(stderr, "%s: %zu problem%s\n", c->config_path, c->cfg->n_errors,
		    c->cfg->n_errors == 1 ? "" : "s");
		return 1;
	}
	rules = tag_rules_new(c->cfg, &err);
	if (rules == NULL) {
		fprintf(stderr, "%s: %s\n", c->config_path, err);
		free(err);
		return 1;
	}
	tag_rules_free(rules);
	plugins = plugin_load(c, c->cfg, c->cfg, &refused);
	plugin_free(plugins, NULL);
	if (refused > 0) {
		report_config(c->cfg);
		fprintf(stderr, "%s: %zu plugin%s refused\n", c->config_path, refused,
		    refused == 1 ? "" : "s");
		return 1;
	}
	printf("%s: OK (%zu feeds, %zu teams, %zu rules, %zu plugins)\n", c->config_path,
	    c->cfg->n_feeds, c->cfg->n_teams, c->cfg->n_rules, c->cfg->n_plugins);
	return 0;
}
