/*
 * main.c: the crier command line.  Finds -c FILE wherever it stands
 * (before or after the subcommand), then runs one subcommand from the
 * table below.  Each subcommand lives in a cmd_*.c file and prints its
 * own --help.
 */
#include "autoconfig.h"
#include "cmd.h"
#include "config.h"
#include "crier.h"
#include "log.h"
#include "util.h"

#include <libxml/parser.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct command {
	const char *name;
	int (*run)(struct crier *c, int argc, char **argv);
	const char *summary;
};

/* Shown in this order by --help. */
static const struct command commands[] = {
	{ "serve", cmd_serve, "run the poller and the web server (foreground)" },
	{ "fetch", cmd_fetch, "poll every due feed once (--all: every feed)" },
	{ "feeds", cmd_feeds, "add, list or remove feeds" },
	{ "opml", cmd_opml, "import or export the subscription list as OPML 2.0" },
	{ "post", cmd_post, "publish a Markdown file as a team's post" },
	{ "team", cmd_team, "add or list teams" },
	{ "user", cmd_user, "add people who write on the web, or reset a password" },
	{ "token", cmd_token, "make, list or revoke Micropub tokens" },
	{ "digest", cmd_digest, "curate, publish and email digests; run the weekly schedule" },
	{ "parse", cmd_parse, "parse feed files and print JSON Feed 1.1 (one object per file)" },
	{ "check-config", cmd_check_config, "report every problem in the config, then exit" },
};

static void
usage(FILE *out)
{
	size_t i;

	fprintf(out,
	    "usage: crier [-c FILE] COMMAND [ARGS...]\n"
	    "\n"
	    "crier polls RSS, Atom and JSON Feed sources, stores and tags their posts,\n"
	    "and serves them as one reader.\n"
	    "\n"
	    "Commands:\n");
	for (i = 0; i < NELEM(commands); i++)
		fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
	    "\n"
	    "Options:\n"
	    "  -c, --config FILE  the config file (default: $CRIER_CONFIG, else %s)\n"
	    "  -h, --help         this help; `crier COMMAND --help` for a command's own\n"
	    "  -V, --version      print the version\n"
	    "\n"
	    "See README.md or %s for the full manual.\n",
	    CRIER_SYSCONFDIR "/crier.conf", CRIER_URL);
}

int
main(int argc, char **argv)
{
	struct crier c;
	const struct command *cmd = NULL;
	char **args;
	int nargs = 0, i, rc;
	size_t k;

	memset(&c, 0, sizeof(c));
	{
		/* recursive: a parse worker holds it around a feed's filter
		 * and store (pipeline.c), which take it again */
		pthread_mutexattr_t attr;
		pthread_mutexattr_init(&attr);
		pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&c.write_lock, &attr);
		pthread_mutexattr_destroy(&attr);
	}
	c.config_path = config_default_path();
	args = xcalloc((size_t)argc + 1, sizeof(*args));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "crier: %s needs a file name\n", argv[i]);
				free(args);
				return 2;
			}
			c.config_path = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			c.config_path = argv[i] + 9;
		} else if (cmd == NULL && (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)) {
			usage(stdout);
			free(args);
			return 0;
		} else if (cmd == NULL && (strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0)) {
			printf("crier %s\n", PACKAGE_VERSION);
			free(args);
			return 0;
		} else if (cmd == NULL && argv[i][0] == '-') {
			fprintf(stderr, "crier: unknown option %s (try crier --help)\n", argv[i]);
			free(args);
			return 2;
		} else if (cmd == NULL) {
			for (k = 0; k < NELEM(commands); k++) {
				if (strcmp(argv[i], commands[k].name) == 0)
					cmd = &commands[k];
			}
			if (cmd == NULL) {
				fprintf(stderr, "crier: unknown command \"%s\" (try crier --help)\n", argv[i]);
				free(args);
				return 2;
			}
			args[nargs++] = argv[i];
		} else {
			args[nargs++] = argv[i];
		}
	}
	if (cmd == NULL) {
		usage(stderr);
		free(args);
		return 2;
	}
	if (sodium_init() < 0)
		log_fatal("libsodium failed to initialise");
	xmlInitParser();
	rc = cmd->run(&c, nargs, args);
	cmd_close(&c);
	xmlCleanupParser();
	free(args);
	return rc;
}
