/*
 * cmd_digest.c: `crier digest`: curating, publishing and sending digests
 * from the command line, and one run of the weekly schedule (`tick`).
 * Every change goes through digest.c, as the web's do.
 */
#include "cmd.h"
#include "config.h"
#include "crier.h"
#include "digest.h"
#include "log.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char digest_help[] =
    "usage: crier digest new TITLE [--week W] [--slug S] [--intro TEXT] [--section NAME]\n"
    "       crier digest edit DIGEST [--title T] [--slug S] [--week W] [--intro TEXT]\n"
    "                                [--section NAME]\n"
    "       crier digest add DIGEST POST_ID [--note TEXT]\n"
    "       crier digest rm DIGEST POST_ID\n"
    "       crier digest move DIGEST POST_ID POSITION\n"
    "       crier digest list [--json]\n"
    "       crier digest show DIGEST [--json | --html | --text | --email] [--to ADDRESS]\n"
    "       crier digest publish DIGEST [--send] [--force] [--at \"YYYY-MM-DD HH:MM\"]\n"
    "       crier digest unpublish DIGEST\n"
    "       crier digest send DIGEST [--force]\n"
    "       crier digest tick\n"
    "\n"
    "DIGEST is a digest's number or its slug.  Weeks are ISO weeks (2026-W42);\n"
    "times are local (TZ).\n"
    "\n"
    "new        starts a draft for a week (default: this week); --section names the\n"
    "           [digest NAME] section whose recipients get its email\n"
    "edit       changes its title, slug, week, introduction (Markdown) or section\n"
    "add        adds a published post at the end, or changes its note (Markdown)\n"
    "rm         takes a post out; move puts one at POSITION (1 is first)\n"
    "list       every digest: number, status, week, posts, slug, title\n"
    "show       a digest and its posts; --html, --text or --email print exactly what\n"
    "           a recipient gets (--to: that recipient)\n"
    "publish    puts it on /digests and in the digest feeds now (--at: later);\n"
    "           --send emails it too\n"
    "send       emails a published digest to its section's recipients, and says\n"
    "           how it went (exit 1 if any failed); a second send is refused\n"
    "           unless --force; failed recipients are tried again\n"
    "tick       runs the weekly schedule once, now (crier serve runs it every minute)\n";

static bool
is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/* Options and positional arguments of one subcommand. */
struct args {
	const char *pos[4];
	int n_pos;
	const char *title, *slug, *week, *intro, *section, *note, *at, *to;
	bool json, html, text, email, send, force;
};

/* Parses argv[2..]; -1 after printing why (usage). */
static int
parse_args(int argc, char **argv, struct args *a)
{
	static const struct { const char *name; size_t offset; } valued[] = {
		{ "--at", offsetof(struct args, at) }, { "--intro", offsetof(struct args, intro) },
		{ "--note", offsetof(struct args, note) }, { "--section", offsetof(struct args, section) },
		{ "--slug", offsetof(struct args, slug) }, { "--title", offsetof(struct args, title) },
		{ "--to", offsetof(struct args, to) }, { "--week", offsetof(struct args, week) },
	};
	static const struct { const char *name; size_t offset; } flags[] = {
		{ "--email", offsetof(struct args, email) }, { "--force", offsetof(struct args, force) },
		{ "--html", offsetof(struct args, html) }, { "--json", offsetof(struct args, json) },
		{ "--send", offsetof(struct args, send) }, { "--text", offsetof(struct args, text) },
	};
	size_t k;
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 2; i < argc; i++) {
		bool known = false;
		for (k = 0; k < NELEM(valued) && !known; k++) {
			if (strcmp(argv[i], valued[k].name) != 0)
				continue;
			if (i + 1 >= argc) {
				fprintf(stderr, "crier digest: %s needs a value\n", argv[i]);
				return -1;
			}
			*(const char **)((char *)a + valued[k].offset) = argv[++i];
			known = true;
		}
		for (k = 0; k < NELEM(flags) && !known; k++) {
			if (strcmp(argv[i], flags[k].name) == 0) {
				*(bool *)((char *)a + flags[k].offset) = true;
				known = true;
			}
		}
		if (known)
			continue;
		if ((argv[i][0] == '-' && argv[i][1] != '\0') || a->n_pos >= (int)NELEM(a->pos)) {
			fprintf(stderr, "crier digest %s: unexpected argument \"%s\"\n", argv[1], argv[i]);
			return -1;
		}
		a->pos[a->n_pos++] = argv[i];
	}
	return 0;
}

/* Finds DIGEST; prints why not. */
static int
find(struct crier *c, const char *ref, struct digest *d)
{
	int rc = digest_lookup(c, ref, d);

	if (rc == 1)
		fprintf(stderr, "crier digest: no digest \"%s\" (crier digest list shows them)\n", ref);
	return rc;
}

static bool
post_id(const char *s, int64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out <= 0) {
		fprintf(stderr, "crier digest: \"%s\" is not a post number\n", s);
		return false;
	}
	return true;
}

/* Prints err (and frees it); returns 1. */
static int
failed(char *err)
{
	fprintf(stderr, "crier digest: %s\n", err != NULL ? err : "failed (see the log)");
	free(err);
	return 1;
}

static int
cmd_new(struct crier *c, const struct args *a)
{
	struct digest_draft dr;
	struct digest d;
	char *err = NULL, ref[24];
	int64_t id;

	if (a->n_pos != 1) {
		fprintf(stderr, "crier digest new: give it a TITLE (in quotes)\n");
		return 2;
	}
	memset(&dr, 0, sizeof(dr));
	dr.title = a->pos[0];
	dr.slug = a->slug;
	dr.week = a->week;
	dr.intro = a->intro;
	dr.section = a->section;
	if (digest_create(c, &dr, &id, &err) == -1)
		return failed(err);
	snprintf(ref, sizeof(ref), "%lld", (long long)id);
	if (digest_lookup(c, ref, &d) != 0)
		return 1;
	printf("created digest #%lld %s (draft, %s)\n", (long long)id, d.slug, d.week);
	digest_clear(&d);
	return 0;
}

static int
cmd_edit(struct crier *c, const struct args *a)
{
	struct digest_draft ch;
	struct digest d;
	char *err = NULL;
	int rc;

	if (a->n_pos != 1)
		return 2;
	if (find(c, a->pos[0], &d) != 0)
		return 1;
	memset(&ch, 0, sizeof(ch));
	ch.title = a->title;
	ch.slug = a->slug;
	ch.week = a->week;
	ch.intro = a->intro;
	ch.section = a->section;
	rc = digest_edit(c, d.id, &ch, &err);
	digest_clear(&d);
	return rc == 0 ? 0 : failed(err);
}

/* add, rm and move: DIGEST POST_ID [POSITION] */
static int
cmd_item(struct crier *c, const char *what, const struct args *a)
{
	struct digest d;
	char *err = NULL, *end;
	int64_t post;
	long position = 0;
	int rc, want = strcmp(what, "move") == 0 ? 3 : 2;

	if (a->n_pos != want) {
		fprintf(stderr, "crier digest %s: needs DIGEST POST_ID%s\n", what, want == 3 ? " POSITION" : "");
		return 2;
	}
	if (!post_id(a->pos[1], &post))
		return 2;
	if (want == 3) {
		position = strtol(a->pos[2], &end, 10);
		if (*end != '\0' || position < 1 || position > DIGEST_MAX_ITEMS) {
			fprintf(stderr, "crier digest move: POSITION is a number from 1\n");
			return 2;
		}
	}
	if (find(c, a->pos[0], &d) != 0)
		return 1;
	if (strcmp(what, "add") == 0)
		rc = digest_add(c, d.id, post, a->note, &err);
	else if (strcmp(what, "rm") == 0)
		rc = digest_remove(c, d.id, post, &err);
	else
		rc = digest_move(c, d.id, post, (int)position, &err);
	digest_clear(&d);
	return rc == 0 ? 0 : failed(err);
}

static int
cmd_list(struct crier *c, const struct args *a)
{
	json_t *list, *d;
	size_t i;

	pthread_mutex_lock(&c->write_lock);
	list = store_digests(c->store, false, 0);
	pthread_mutex_unlock(&c->write_lock);
	if (list == NULL)
		return 1;
	if (a->json) {
		char *s = json_dumps(list, JSON_INDENT(2));
		printf("%s\n", s);
		free(s);
	} else {
		json_array_foreach(list, i, d)
			printf("%-5lld %-10s %-9s %3lld  %s  %s\n",
			    (long long)json_integer_value(json_object_get(d, "id")),
			    json_string_value(json_object_get(d, "status")),
			    json_string_value(json_object_get(d, "week")),
			    (long long)json_integer_value(json_object_get(d, "item_count")),
			    json_string_value(json_object_get(d, "slug")),
			    json_string_value(json_object_get(d, "title")));
		if (json_array_size(list) == 0)
			printf("no digests yet (crier digest new TITLE starts one)\n");
	}
	json_decref(list);
	return 0;
}

/* The digest as JSON: its fields, its posts and its email record. */
static json_t *
show_json(struct crier *c, const struct digest *d)
{
	json_t *items, *sends, *o;

	pthread_mutex_lock(&c->write_lock);
	items = store_digest_items(c->store, d->id);
	sends = store_digest_sends(c->store, d->id);
	pthread_mutex_unlock(&c->write_lock);
	o = digest_render_context(c->cfg, d, items);
	json_object_set_new(o, "posts", items != NULL ? items : json_array());
	json_object_set_new(o, "sends", sends != NULL ? sends : json_array());
	return o;
}

static void
show_human(const json_t *o)
{
	const json_t *it, *s;
	struct buf line = BUF_INIT;
	size_t i, failed_n = 0;

	printf("%s\n", json_string_value(json_object_get(o, "title")));
	printf("  %s, %s: %s\n", json_string_value(json_object_get(o, "status")),
	    json_string_value(json_object_get(json_object_get(o, "week"), "label")),
	    json_string_value(json_object_get(o, "url")));
	json_array_foreach(json_object_get(o, "items"), i, it) {
		printf("%3zu. #%lld %s\n", i + 1, (long long)json_integer_value(json_object_get(it, "id")),
		    json_string_value(json_object_get(it, "title")));
		if (json_string_value(json_object_get(it, "note")) != NULL)
			printf("     note: %s\n", json_string_value(json_object_get(it, "note")));
	}
	json_array_foreach(json_object_get(o, "sends"), i, s) {
		if (strcmp(json_string_value(json_object_get(s, "status")), "sent") == 0)
			continue;
		failed_n++;
		buf_reset(&line);
		buf_printf(&line, "  email to %s: %s after %lld tries", json_string_value(json_object_get(s,
		    "recipient")), json_string_value(json_object_get(s, "status")),
		    (long long)json_integer_value(json_object_get(s, "attempts")));
		if (json_string_value(json_object_get(s, "last_error")) != NULL)
			buf_printf(&line, ": %s", json_string_value(json_object_get(s, "last_error")));
		printf("%s\n", buf_str(&line));
	}
	if (json_array_size(json_object_get(o, "sends")) > 0)
		printf("  email: %zu sent, %zu not (yet)\n", json_array_size(json_object_get(o, "sends")) -
		    failed_n, failed_n);
	buf_free(&line);
}

static int
cmd_show(struct crier *c, const struct args *a)
{
	struct digest d;
	struct buf out = BUF_INIT;
	char *err = NULL;
	json_t *o;
	int rc = 0;

	if (a->n_pos != 1)
		return 2;
	if (find(c, a->pos[0], &d) != 0)
		return 1;
	if (a->html || a->text || a->email) {
		rc = digest_message(c, d.id, a->to != NULL ? a->to : "recipient@example.org",
		    a->html ? DIGEST_PART_HTML : a->text ? DIGEST_PART_TEXT : DIGEST_PART_MESSAGE, &out, &err);
		if (rc == 0)
			fwrite(out.data, 1, out.len, stdout);
		else
			rc = failed(err);
	} else {
		o = show_json(c, &d);
		if (a->json) {
			char *s = json_dumps(o, JSON_INDENT(2));
			printf("%s\n", s);
			free(s);
		} else {
			show_human(o);
		}
		json_decref(o);
	}
	buf_free(&out);
	digest_clear(&d);
	return rc;
}

/* Sends what is waiting for digest id and says how it went: 0 all sent, 1 otherwise. */
static int
deliver(struct crier *c, int64_t id)
{
	struct digest_delivery dl;
	struct digest_send_counts n;
	char *err = NULL;

	if (digest_deliver(c, id, &dl, &err) == -1)
		return failed(err);
	pthread_mutex_lock(&c->write_lock);
	store_digest_send_counts(c->store, id, &n);
	pthread_mutex_unlock(&c->write_lock);
	printf("email: %zu sent now, %zu to try again later, %zu failed, %zu skipped "
	    "(%lld of %lld recipients have it)\n", dl.sent, dl.retry, dl.failed, dl.skipped,
	    (long long)n.sent, (long long)n.total);
	if (n.pending + n.failed > 0)
		fprintf(stderr, "crier digest: %lld recipient%s did not get it yet "
		    "(crier digest show shows why)\n", (long long)(n.pending + n.failed),
		    n.pending + n.failed == 1 ? "" : "s");
	return n.pending + n.failed > 0 ? 1 : 0;
}

/* "2026-10-16 12:00" or "2026-10-16T12:00", local time; -1 when not. */
static int64_t
local_time(const char *s)
{
	struct tm tm;
	int n = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d%*1[ T]%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &n) != 5 || s[n] != '\0')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static int
cmd_publish(struct crier *c, const struct args *a)
{
	struct digest d;
	char *err = NULL;
	size_t queued;
	int64_t at;
	int rc;

	if (a->n_pos != 1)
		return 2;
	if (find(c, a->pos[0], &d) != 0)
		return 1;
	if (a->at != NULL) {
		at = local_time(a->at);
		if (at < 0) {
			fprintf(stderr, "crier digest publish: --at wants \"YYYY-MM-DD HH:MM\"\n");
			digest_clear(&d);
			return 2;
		}
		rc = digest_schedule(c, d.id, at, a->send, &err);
		if (rc == 0)
			printf("scheduled %s for %s%s\n", d.slug, a->at, a->send ? " (with its email)" : "");
		digest_clear(&d);
		return rc == 0 ? 0 : failed(err);
	}
	rc = digest_publish(c, d.id, false, &err);
	if (rc == 0)
		printf("published %sdigest/%s\n", c->cfg->base_url, d.slug);
	if (rc == 0 && a->send) {
		rc = digest_queue(c, d.id, a->force, &queued, &err);
		if (rc == 0)
			rc = deliver(c, d.id);
		else
			rc = failed(err);
	} else if (rc != 0) {
		rc = failed(err);
	}
	digest_clear(&d);
	return rc;
}

static int
cmd_unpublish(struct crier *c, const struct args *a)
{
	struct digest d;
	char *err = NULL;
	int rc;

	if (a->n_pos != 1)
		return 2;
	if (find(c, a->pos[0], &d) != 0)
		return 1;
	rc = digest_unpublish(c, d.id, &err);
	digest_clear(&d);
	return rc == 0 ? 0 : failed(err);
}

static int
cmd_send(struct crier *c, const struct args *a)
{
	struct digest d;
	char *err = NULL;
	size_t queued;
	int rc;

	if (a->n_pos != 1)
		return 2;
	if (find(c, a->pos[0], &d) != 0)
		return 1;
	rc = digest_queue(c, d.id, a->force, &queued, &err);
	if (rc == 0)
		rc = deliver(c, d.id);
	else
		rc = failed(err);
	digest_clear(&d);
	return rc;
}

static int
cmd_tick(struct crier *c)
{
	int made = digest_tick(c, util_now());

	printf("%d draft%s made\n", made, made == 1 ? "" : "s");
	return 0;
}

int
cmd_digest(struct crier *c, int argc, char **argv)
{
	struct args a;
	int rc;

	if (argc < 2 || is_help(argv[1])) {
		fputs(digest_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (argc > 2 && is_help(argv[2])) {
		fputs(digest_help, stdout);
		return 0;
	}
	if (parse_args(argc, argv, &a) == -1) {
		fputs(digest_help, stderr);
		return 2;
	}
	if (cmd_open(c, 1) == -1)
		return 1;
	if (strcmp(argv[1], "new") == 0)
		rc = cmd_new(c, &a);
	else if (strcmp(argv[1], "edit") == 0)
		rc = cmd_edit(c, &a);
	else if (strcmp(argv[1], "add") == 0 || strcmp(argv[1], "rm") == 0 || strcmp(argv[1], "move") == 0)
		rc = cmd_item(c, argv[1], &a);
	else if (strcmp(argv[1], "list") == 0)
		rc = cmd_list(c, &a);
	else if (strcmp(argv[1], "show") == 0)
		rc = cmd_show(c, &a);
	else if (strcmp(argv[1], "publish") == 0)
		rc = cmd_publish(c, &a);
	else if (strcmp(argv[1], "unpublish") == 0)
		rc = cmd_unpublish(c, &a);
	else if (strcmp(argv[1], "send") == 0)
		rc = cmd_send(c, &a);
	else if (strcmp(argv[1], "tick") == 0)
		rc = cmd_tick(c);
	else {
		fprintf(stderr, "crier digest: unknown subcommand \"%s\"\n", argv[1]);
		rc = 2;
	}
	if (rc == 2)
		fputs(digest_help, stderr);
	return rc;
}
