/*
 * cmd_feeds.c: `crier feeds add|list|rm` and `crier opml import|export`,
 * the commands that manage subscriptions.
 */
#include "cmd.h"
#include "config.h"
#include "crier.h"
#include "opml.h"
#include "store.h"
#include "url.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char feeds_help[] =
    "usage: crier feeds add URL [--name NAME] [--tag TAG]... [--team SLUG]\n"
    "       crier feeds list [--json]\n"
    "       crier feeds rm ID|URL\n"
    "\n"
    "add   subscribes to a feed (fetched at the next poll; `crier fetch` fetches now)\n"
    "list  shows every feed: title, URL, last HTTP status, last error, next fetch,\n"
    "      post count (--json: the same as a JSON array)\n"
    "rm    unsubscribes and deletes the feed's posts (feeds defined in the config\n"
    "      file are removed there instead)\n";

static bool
is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static int
feeds_add(struct crier *c, int argc, char **argv)
{
	struct buf tags = BUF_INIT;
	const char *url = NULL, *name = NULL, *team = NULL;
	int64_t id;
	int i, rc;

	for (i = 2; i < argc; i++) {
		if ((strcmp(argv[i], "--name") == 0 || strcmp(argv[i], "--tag") == 0 ||
		    strcmp(argv[i], "--team") == 0) && i + 1 >= argc) {
			fprintf(stderr, "crier feeds add: %s needs a value\n", argv[i]);
			goto usage;
		}
		if (strcmp(argv[i], "--name") == 0)
			name = argv[++i];
		else if (strcmp(argv[i], "--tag") == 0)
			buf_printf(&tags, "%s%s", tags.len ? "," : "", argv[++i]);
		else if (strcmp(argv[i], "--team") == 0)
			team = argv[++i];
		else if (argv[i][0] == '-' || url != NULL) {
			fprintf(stderr, "crier feeds add: unexpected argument \"%s\"\n", argv[i]);
			goto usage;
		} else
			url = argv[i];
	}
	if (url == NULL) {
		fprintf(stderr, "crier feeds add: which URL?\n");
		goto usage;
	}
	if (!url_is_http(url)) {
		fprintf(stderr, "crier feeds add: \"%s\" is not an http:// or https:// URL\n", url);
		buf_free(&tags);
		return 1;
	}
	if (cmd_open(c, 1) == -1) {
		buf_free(&tags);
		return 1;
	}
	if (team != NULL) {
		size_t k;
		bool known = false;
		for (k = 0; k < c->cfg->n_teams; k++)
			known = known || strcmp(c->cfg->teams[k].slug, team) == 0;
		if (!known) {
			fprintf(stderr, "crier feeds add: no team \"%s\" (add a [team %s] section)\n",
			    team, team);
			buf_free(&tags);
			return 1;
		}
	}
	rc = store_feed_add(c->store, url, name, tags.len ? buf_str(&tags) : NULL, team, &id);
	buf_free(&tags);
	if (rc == -1)
		return 1;
	if (rc == 1) {
		fprintf(stderr, "crier feeds add: already subscribed to %s (feed #%lld)\n", url,
		    (long long)id);
		return 1;
	}
	printf("added feed #%lld %s\n", (long long)id, url);
	return 0;
usage:
	buf_free(&tags);
	fputs(feeds_help, stderr);
	return 2;
}

/* "in 29m", "2h ago", "never" */
static void
relative_time(int64_t t, int64_t now, char *out, size_t n)
{
	int64_t d = t > now ? t - now : now - t;
	long long v = (long long)d;
	const char *unit = "s";

	if (t == 0) {
		snprintf(out, n, "never");
		return;
	}
	if (d >= 86400 * 2) {
		v = (long long)(d / 86400);
		unit = "d";
	} else if (d >= 3600) {
		v = (long long)(d / 3600);
		unit = "h";
	} else if (d >= 60) {
		v = (long long)(d / 60);
		unit = "m";
	}
	if (t > now)
		snprintf(out, n, "in %lld%s", v, unit);
	else
		snprintf(out, n, "%lld%s ago", v, unit);
}

struct list_ctx {
	json_t *json;           /* NULL: human output */
	int64_t now;
	size_t n;
};

static json_t *
json_str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
json_time(int64_t t)
{
	char rfc[32];

	if (t == 0)
		return json_null();
	util_rfc3339(t, rfc);
	return json_string(rfc);
}

static int
list_one(const struct feed *f, void *arg)
{
	struct list_ctx *l = arg;
	char next[32], since[32];

	l->n++;
	if (l->json != NULL) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(f->id));
		json_object_set_new(o, "url", json_string(f->url));
		json_object_set_new(o, "title", json_string(feed_display_name(f)));
		json_object_set_new(o, "site_url", json_str_or_null(f->site_url));
		json_object_set_new(o, "tags", json_str_or_null(f->tags));
		json_object_set_new(o, "team", json_str_or_null(f->team));
		json_object_set_new(o, "last_status", json_integer(f->last_status));
		json_object_set_new(o, "last_error", json_str_or_null(f->last_error));
		json_object_set_new(o, "error_count", json_integer(f->error_count));
		json_object_set_new(o, "next_fetch_at", json_time(f->next_fetch_at));
		json_object_set_new(o, "last_fetch_at", json_time(f->last_fetch_at));
		json_object_set_new(o, "failing_since", json_time(f->failing_since));
		json_object_set_new(o, "post_count", json_integer(f->post_count));
		json_object_set_new(o, "gone", json_boolean(f->gone));
		json_object_set_new(o, "active", json_boolean(f->active));
		json_object_set_new(o, "origin", json_string(f->origin == FEED_CONFIG ? "config" : "runtime"));
		json_array_append_new(l->json, o);
		return 0;
	}
	relative_time(f->next_fetch_at, l->now, next, sizeof(next));
	printf("#%lld %s\n    %s\n", (long long)f->id, feed_display_name(f), f->url);
	printf("    status %s%lld · %lld post%s · ",
	    f->last_fetch_at == 0 ? "(not fetched yet) " : "", (long long)f->last_status,
	    (long long)f->post_count, f->post_count == 1 ? "" : "s");
	if (f->gone)
		printf("gone (410): not polled");
	else if (!f->active)
		printf("removed from the config: not polled");
	else
		printf("next fetch %s", f->next_fetch_at <= l->now ? "now" : next);
	if (f->tags != NULL)
		printf(" · tags: %s", f->tags);
	if (f->team != NULL)
		printf(" · team: %s", f->team);
	putchar('\n');
	if (f->failing_since != 0) {
		relative_time(f->failing_since, l->now, since, sizeof(since));
		printf("    failing since %s (%lld error%s in a row)\n", since,
		    (long long)f->error_count, f->error_count == 1 ? "" : "s");
	}
	if (f->last_error != NULL)
		printf("    last error: %s\n", f->last_error);
	return 0;
}

static int
feeds_list(struct crier *c, int argc, char **argv)
{
	struct list_ctx l = { NULL, util_now(), 0 };
	int i;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			l.json = json_array();
		} else {
			fprintf(stderr, "crier feeds list: unexpected argument \"%s\"\n%s", argv[i],
			    feeds_help);
			json_decref(l.json);
			return 2;
		}
	}
	if (cmd_open(c, 1) == -1) {
		json_decref(l.json);
		return 1;
	}
	if (store_feeds_each(c->store, list_one, &l) == -1) {
		json_decref(l.json);
		return 1;
	}
	if (l.json != NULL) {
		json_dumpf(l.json, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		putchar('\n');
		json_decref(l.json);
	} else if (l.n == 0) {
		printf("no feeds yet: add one with `crier feeds add URL` or `crier opml import FILE`\n");
	}
	return 0;
}

/* Resolves "12" or a URL to a feed id; 0 when not found. */
static int64_t
feed_id_of(struct crier *c, const char *arg)
{
	struct feed f;
	char *end;
	long long id;

	errno = 0;
	id = strtoll(arg, &end, 10);
	if (errno == 0 && end != arg && *end == '\0')
		return id;
	if (store_feed_find(c->store, arg, &f) != 0)
		return 0;
	id = f.id;
	feed_clear(&f);
	return id;
}

static int
feeds_rm(struct crier *c, int argc, char **argv)
{
	int64_t id;
	int rc;

	if (argc != 3) {
		fputs(feeds_help, stderr);
		return 2;
	}
	if (cmd_open(c, 1) == -1)
		return 1;
	id = feed_id_of(c, argv[2]);
	rc = id > 0 ? store_feed_remove(c->store, id) : 2;
	switch (rc) {
	case 0:
		printf("removed feed #%lld and its posts\n", (long long)id);
		return 0;
	case 1:
		fprintf(stderr, "crier feeds rm: feed #%lld is defined in %s; remove its [feed] "
		    "section there\n", (long long)id, c->cfg->path);
		return 1;
	case 2:
		fprintf(stderr, "crier feeds rm: no feed \"%s\" (see crier feeds list)\n", argv[2]);
		return 1;
	default:
		return 1;
	}
}

int
cmd_feeds(struct crier *c, int argc, char **argv)
{
	if (argc < 2 || is_help(argv[1])) {
		fputs(feeds_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (argc > 2 && is_help(argv[2])) {
		fputs(feeds_help, stdout);
		return 0;
	}
	if (strcmp(argv[1], "add") == 0)
		return feeds_add(c, argc, argv);
	if (strcmp(argv[1], "list") == 0 || strcmp(argv[1], "ls") == 0)
		return feeds_list(c, argc, argv);
	if (strcmp(argv[1], "rm") == 0 || strcmp(argv[1], "remove") == 0)
		return feeds_rm(c, argc, argv);
	fprintf(stderr, "crier feeds: unknown action \"%s\"\n%s", argv[1], feeds_help);
	return 2;
}

/* ---------------------------------------------------------------- OPML */

static const char opml_help[] =
    "usage: crier opml import FILE|-\n"
    "       crier opml export [-o FILE]\n"
    "\n"
    "import  subscribes to every feed in an OPML file; the outlines a feed is\n"
    "        nested in, and its category attribute, become its tags\n"
    "export  writes the subscription list as OPML 2.0 (stdout unless -o FILE)\n";

struct import_ctx {
	struct crier *c;
	size_t added, existing, skipped;
};

static int
import_one(const struct opml_feed *f, void *arg)
{
	struct import_ctx *im = arg;
	int64_t id;
	int rc;

	if (!url_is_http(f->url)) {
		fprintf(stderr, "crier opml import: skipping \"%s\": not an http(s) URL\n", f->url);
		im->skipped++;
		return 0;
	}
	rc = store_feed_add(im->c->store, f->url, f->title, f->tags, NULL, &id);
	if (rc == 0)
		im->added++;
	else if (rc == 1)
		im->existing++;
	else
		return 1;
	return 0;
}

static int
opml_import(struct crier *c, const char *path)
{
	struct import_ctx im = { c, 0, 0, 0 };
	struct buf data = BUF_INIT;
	char *err = NULL;
	int n;

	if (util_read_file(path, &data, 16 * 1024 * 1024) == -1) {
		fprintf(stderr, "crier opml import: cannot read %s: %s\n", path,
		    errno == EFBIG ? "larger than 16 MiB" : strerror(errno));
		buf_free(&data);
		return 1;
	}
	if (cmd_open(c, 1) == -1) {
		buf_free(&data);
		return 1;
	}
	n = opml_read(buf_str(&data), data.len, import_one, &im, &err);
	buf_free(&data);
	if (n < 0) {
		fprintf(stderr, "crier opml import: %s: %s\n", path, err);
		free(err);
		return 1;
	}
	printf("imported %zu feed%s from %s (%zu already subscribed, %zu skipped)\n", im.added,
	    im.added == 1 ? "" : "s", path, im.existing, im.skipped);
	return 0;
}

struct export_ctx {
	struct arena *arena;    /* owns the strings the feeds point to */
	struct opml_feed *feeds;
	size_t n, cap;
};

static int
export_one(const struct feed *f, void *arg)
{
	struct export_ctx *ex = arg;
	struct opml_feed *o;

	if (!f->active || f->gone)
		return 0;
	if (ex->n == ex->cap) {
		ex->cap = ex->cap ? ex->cap * 2 : 64;
		ex->feeds = xrealloc(ex->feeds, ex->cap * sizeof(*ex->feeds));
	}
	o = &ex->feeds[ex->n++];
	o->url = arena_strdup(ex->arena, f->url);
	o->title = arena_strdup(ex->arena, feed_display_name(f));
	o->html_url = arena_strdup(ex->arena, f->site_url);
	o->tags = arena_strdup(ex->arena, f->tags);
	return 0;
}

static int
opml_export(struct crier *c, const char *out_path)
{
	struct export_ctx ex = { NULL, NULL, 0, 0 };
	struct buf out = BUF_INIT;
	FILE *fp = stdout;
	int rc = 0;

	if (cmd_open(c, 1) == -1)
		return 1;
	ex.arena = arena_new();
	if (store_feeds_each(c->store, export_one, &ex) == -1) {
		arena_free(ex.arena);
		free(ex.feeds);
		return 1;
	}
	opml_write(&out, "crier subscriptions", ex.feeds, ex.n, util_now());
	if (out_path != NULL) {
		fp = fopen(out_path, "w");
		if (fp == NULL) {
			fprintf(stderr, "crier opml export: cannot write %s: %s\n", out_path, strerror(errno));
			rc = 1;
		}
	}
	if (fp != NULL) {
		fwrite(out.data, 1, out.len, fp);
		if (fp != stdout && fclose(fp) != 0)
			rc = 1;
	}
	free(ex.feeds);
	arena_free(ex.arena);
	buf_free(&out);
	return rc;
}

int
cmd_opml(struct crier *c, int argc, char **argv)
{
	if (argc < 2 || is_help(argv[1]) || (argc > 2 && is_help(argv[2]))) {
		fputs(opml_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "import") == 0 && argc == 3)
		return opml_import(c, argv[2]);
	if (strcmp(argv[1], "export") == 0 && argc == 2)
		return opml_export(c, NULL);
	if (strcmp(argv[1], "export") == 0 && argc == 4 && strcmp(argv[2], "-o") == 0)
		return opml_export(c, argv[3]);
	fputs(opml_help, stderr);
	return 2;
}
