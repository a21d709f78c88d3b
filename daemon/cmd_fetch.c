/*
 * cmd_fetch.c: `crier fetch`: poll every due feed once and exit.
 */
#include "cmd.h"
#include "config.h"
#include "crier.h"
#include "log.h"
#include "pipeline.h"
#include "progress.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char fetch_help[] =
    "usage: crier fetch [--all] [--feed ID|URL] [--quiet]\n"
    "\n"
    "Polls every feed that is due once, stores what is new, and exits.\n"
    "On a terminal a progress bar shows feeds done, new posts and errors;\n"
    "otherwise (and at the end) one summary line is printed.\n"
    "\n"
    "  --all          poll every active feed, due or not\n"
    "  --feed ID|URL  poll only this feed, due or not\n"
    "  --quiet        print nothing but errors\n";

struct failures {
	int64_t since;
	size_t shown;
};

static int
print_failure(const struct feed *f, void *arg)
{
	struct failures *fl = arg;

	if (f->last_fetch_at < fl->since || f->last_error == NULL)
		return 0;
	if (fl->shown++ == 0)
		fprintf(stderr, "failed:\n");
	fprintf(stderr, "  #%lld %s: %s\n", (long long)f->id, f->url, f->last_error);
	return 0;
}

int
cmd_fetch(struct crier *c, int argc, char **argv)
{
	struct pipeline *p;
	struct progress *bar;
	const struct pipeline_stats *st;
	struct failures fl;
	const char *only = NULL;
	bool all = false, quiet = false;
	int64_t feed_id = 0, started_ms;
	int i, queued;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(fetch_help, stdout);
			return 0;
		} else if (strcmp(argv[i], "--all") == 0) {
			all = true;
		} else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
			quiet = true;
		} else if (strcmp(argv[i], "--feed") == 0 && i + 1 < argc) {
			only = argv[++i];
		} else {
			fprintf(stderr, "crier fetch: unexpected argument \"%s\"\n%s", argv[i], fetch_help);
			return 2;
		}
	}
	if (cmd_open(c, 1) == -1)
		return 1;
	if (only != NULL) {
		struct feed f;
		char *end;
		errno = 0;
		feed_id = strtoll(only, &end, 10);
		if (errno != 0 || end == only || *end != '\0') {
			feed_id = 0;
			if (store_feed_find(c->store, only, &f) == 0) {
				feed_id = f.id;
				feed_clear(&f);
			}
		}
		if (feed_id <= 0) {
			fprintf(stderr, "crier fetch: no feed \"%s\" (see crier feeds list)\n", only);
			return 1;
		}
	}
	/* on a terminal the bar shows progress; keep log lines from breaking it */
	if (!quiet && util_isatty(2) && getenv("CRIER_LOG_LEVEL") == NULL)
		log_set_level(LOG_ERROR);
	started_ms = util_now_ms();
	fl.since = util_now();
	fl.shown = 0;
	p = pipeline_new(c);
	queued = pipeline_queue_due(p, all, feed_id);
	if (queued < 0) {
		pipeline_free(p);
		return 1;
	}
	bar = progress_new(stderr, "feeds", !quiet);
	st = pipeline_stats(p);
	while (pipeline_run(p, 100) > 0)
		progress_update(bar, st->done, (size_t)queued, st->new_posts, st->failed);
	progress_update(bar, st->done, (size_t)queued, st->new_posts, st->failed);
	progress_finish(bar);
	progress_free(bar);
	if (!quiet) {
		if (queued == 0)
			printf("no feeds due (crier fetch --all polls them anyway)\n");
		else
			printf("fetched %zu feed%s in %.1fs: %zu ok (%zu unchanged), %zu failed; "
			    "%zu new post%s, %zu updated\n", st->done, st->done == 1 ? "" : "s",
			    (double)(util_now_ms() - started_ms) / 1000.0, st->ok, st->unchanged,
			    st->failed, st->new_posts, st->new_posts == 1 ? "" : "s", st->updated_posts);
	}
	if (st->failed > 0)
		store_feeds_each(c->store, print_failure, &fl);
	pipeline_free(p);
	return 0;
}
