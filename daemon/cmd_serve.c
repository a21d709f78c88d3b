/*
 * cmd_serve.c: `crier serve`: the daemon.  The web server runs in its
 * own threads (http.c); this thread is the poller: it asks the pipeline
 * to queue due feeds once a second and drives the fetches.  SIGHUP
 * reloads the config (after the fetches in flight finish); SIGTERM and
 * SIGINT stop it cleanly: the write in flight finishes, the database is
 * closed.
 */
#include "cmd.h"
#include "config.h"
#include "crier.h"
#include "digest.h"
#include "http.h"
#include "log.h"
#include "pipeline.h"
#include "plugin.h"
#include "store.h"
#include "tag.h"
#include "util.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char serve_help[] =
    "usage: crier [-c FILE] serve\n"
    "\n"
    "Runs crier in the foreground: polls the feeds and serves the web reader\n"
    "on the config's listen address.  Logs go to stderr, one key=value line per\n"
    "event.  SIGHUP reloads the config; SIGTERM or SIGINT stops cleanly.\n"
    "Works under systemd as Type=notify (READY=1 is sent once serving).\n";

#define DIGEST_TICK_S 5         /* how often the digest schedule and its email run */

static struct crier *signal_target;

static void
on_signal(int sig)
{
	if (signal_target == NULL)
		return;
	if (sig == SIGHUP)
		signal_target->reload = 1;
	else
		signal_target->stop = 1;
}

static void
install_signals(struct crier *c)
{
	struct sigaction sa;

	signal_target = c;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* systemd's notify protocol: one datagram to $NOTIFY_SOCKET. */
static void
sd_notify_text(const char *text)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return;
	if (sendto(fd, text, strlen(text), 0, (struct sockaddr *)&sun, len) < 0)
		log_debug("sd_notify failed", "socket=%s", log_quote(path));
	close(fd);
}

/* Lets the fetches in flight finish (or gives up when stopping). */
static void
drain(struct crier *c, struct pipeline *p)
{
	while (!c->stop && pipeline_run(p, 500) > 0)
		;
}

/* Configs replaced by a reload: web threads may still be reading the
 * one they started a request with, so they are freed only at exit. */
struct retired {
	struct config **cfgs;
	size_t n;
};

/* Re-reads the config; on any problem the old one stays. */
static struct pipeline *
reload(struct crier *c, struct pipeline *p, struct retired *old)
{
	struct config *cfg = config_load(c->config_path);
	struct tag_rules *rules;
	char *err = NULL;
	size_t i;

	c->reload = 0;
	if (cfg->n_errors > 0) {
		for (i = 0; i < cfg->n_errors; i++)
			log_error("config problem; keeping the running config", "error=%s",
			    log_quote(cfg->errors[i]));
		config_free(cfg);
		return p;
	}
	rules = tag_rules_new(cfg, &err);
	if (rules == NULL) {
		log_error("config problem; keeping the running config", "error=%s", log_quote(err));
		free(err);
		config_free(cfg);
		return p;
	}
	if (plugin_reload(c->plugins, cfg) == -1) {
		log_error("config problem; keeping the running config", "error=%s",
		    log_quote("a plugin was refused (the lines above say why)"));
		tag_rules_free(rules);
		config_free(cfg);
		return p;
	}
	drain(c, p);
	pipeline_free(p);
	tag_rules_free(c->rules);
	old->cfgs = xrealloc(old->cfgs, (old->n + 1) * sizeof(*old->cfgs));
	old->cfgs[old->n++] = c->cfg;
	c->cfg = cfg;
	c->rules = rules;
	pthread_mutex_lock(&c->write_lock);
	if (store_sync_config(c->store, cfg) == -1)
		log_error("could not record the reloaded config's feeds", "%s", "");
	pthread_mutex_unlock(&c->write_lock);
	log_info("config reloaded", "path=%s feeds=%zu rules=%zu plugins=%zu",
	    log_quote(c->config_path), cfg->n_feeds, cfg->n_rules, plugin_count(c->plugins));
	return pipeline_new(c);
}

int
cmd_serve(struct crier *c, int argc, char **argv)
{
	struct pipeline *p;
	struct retired old = { NULL, 0 };
	char *err = NULL;
	int64_t next_check = 0, next_digest = 0, now;

	if (argc > 1) {
		if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
			fputs(serve_help, stdout);
			return 0;
		}
		fprintf(stderr, "crier serve: unexpected argument \"%s\"\n%s", argv[1], serve_help);
		return 2;
	}
	if (cmd_open(c, 1) == -1)
		return 1;
	install_signals(c);
	c->http = http_start(c, &err);
	if (c->http == NULL) {
		log_error("cannot start the web server", "error=%s", log_quote(err));
		free(err);
		return 1;
	}
	log_info("crier started", "listen=%s port=%u base_url=%s feeds=%zu data_dir=%s",
	    log_quote(c->cfg->listen), http_port(c->http), log_quote(c->cfg->base_url),
	    c->cfg->n_feeds, log_quote(c->cfg->data_dir));
	sd_notify_text("READY=1");
	pipeline_seed(c);
	p = pipeline_new(c);
	while (!c->stop) {
		if (c->reload) {
			sd_notify_text("RELOADING=1");
			p = reload(c, p, &old);
			sd_notify_text("READY=1");
		}
		now = util_now();
		if (now >= next_check) {
			pipeline_queue_due(p, false, 0);
			pipeline_queue_outbox(p);
			next_check = now + 1;
		}
		if (now >= next_digest) {
			/* the weekly digest drafts, scheduled digests, their email (cheap when idle) */
			digest_tick(c, now);
			next_digest = now + DIGEST_TICK_S;
		}
		if (pipeline_run(p, 1000) == 0) {
			/* nothing in flight: sleep until the next check (a signal ends it early) */
			int64_t wait_ms = (next_check - util_now()) * 1000;
			if (wait_ms > 0)
				poll(NULL, 0, (int)(wait_ms > 1000 ? 1000 : wait_ms));
		}
	}
	sd_notify_text("STOPPING=1");
	log_info("crier stopping", "%s", "");
	pipeline_free(p);
	http_stop(c->http);
	c->http = NULL;
	while (old.n > 0)
		config_free(old.cfgs[--old.n]);
	free(old.cfgs);
	return 0;
}
