/*
 * http_digest.c: digests on the web.
 *
 *   GET  /digests                  published digests, by week (digests.mustache)
 *   GET  /digests.atom .rss .json  one entry per published digest, its HTML as content
 *   GET  /digest/SLUG              a published digest (digest.mustache)
 *   GET  /digests/unsubscribe?list=&email=&token=   are you sure? (a button)
 *   POST the same                  leave the list (RFC 8058 one-click, or the button)
 *
 * Curating, for people signed in (the web editor's sessions; every form
 * carries the session's CSRF token; no JavaScript):
 *
 *   GET  /digests/new              start a digest; every digest with its status
 *   POST /digests/new              make the draft ─▶ /digest/SLUG/edit
 *   GET  /digest/SLUG/edit         details, the posts in order (note, up, down,
 *                                  remove), find this week's posts (search, tag,
 *                                  source, team) to add, the email's text, publish,
 *                                  schedule, send
 *   POST /digest/SLUG/edit         action=details|add|note|up|down|remove|publish|
 *                                  schedule|unpublish|send, then back (303)
 *   GET  /digest/SLUG/preview      the email's HTML part exactly as it is sent
 *                                  (?part=text: the text part)
 *
 * Reads use the thread's read-only store; every change goes through
 * digest.c (the one writer).  Drafts never appear on public pages or
 * feeds.  Curation pages are private (never cached).
 */
#include "http_int.h"
#include "http_feeds.h"
#include "auth.h"
#include "config.h"
#include "crier.h"
#include "digest.h"
#include "log.h"
#include "store.h"
#include "template.h"
#include "urlform.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE_MAX_AGE 60
#define ARCHIVE_LIMIT 500
#define FEED_ENTRIES 20
#define FIND_LIMIT 50
#define FORM_MAX_FIELDS 32

/* The email preview may use its own inline styles and nothing else. */
static const char preview_csp[] =
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox";

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static char *
absolute(const struct request *rq, const char *path)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s%s", rq->c->cfg->base_url, path[0] == '/' ? path + 1 : path);
	return buf_steal(&b);
}

static bool
get_or_head(const struct request *rq)
{
	return strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;
}

static void
method_not_allowed(struct request *rq, struct reply *rp, const char *allow)
{
	http_reader_error(rq, rp, 405, "This address does not answer that method.");
	rp->allow = allow;
	rp->route = ROUTE_DIGEST;
}

/* Adds page.feeds (the digest feeds) to a context. */
static void
add_feeds(struct request *rq, json_t *ctx)
{
	static const char *const exts[] = { "atom", "rss", "json" };
	json_t *feeds = json_object();
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < NELEM(exts); i++) {
		buf_reset(&b);
		buf_printf(&b, "%sdigests.%s", rq->c->cfg->base_url, exts[i]);
		json_object_set_new(feeds, exts[i], json_string(buf_str(&b)));
	}
	json_object_set_new(json_object_get(ctx, "page"), "feeds", feeds);
	buf_free(&b);
}

/* A digest's context from the store (items read with it); NULL on a database error. */
static json_t *
digest_ctx(struct request *rq, const struct digest *d)
{
	json_t *items = store_digest_items(rq->store, d->id), *ctx;

	if (items == NULL)
		return NULL;
	ctx = digest_render_context(rq->c->cfg, d, items);
	json_decref(items);
	return ctx;
}

/* ---------------------------------------------------------------- the archive and its feeds */

/* { iso, human ("16 October 2026") } of a UTC time. */
static json_t *
time_pair(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char iso[32], human[48];

	gmtime_r(&tt, &tm);
	util_rfc3339(t, iso);
	strftime(human, sizeof(human), "%-d %B %Y", &tm);
	return json_pack("{s:s, s:s}", "iso", iso, "human", human);
}

/* Groups published digests by ISO week, newest first. */
static json_t *
group_by_week(json_t *list)
{
	json_t *weeks = json_array(), *index = json_object(), *d, *w, *entry;
	struct buf b = BUF_INIT, label = BUF_INIT;
	json_int_t n;
	size_t i;

	json_array_foreach(list, i, d) {
		const char *week = jstr(d, "week");
		w = json_object_get(index, week);
		if (w == NULL) {
			w = digest_render_week(week);
			json_object_set_new(w, "digests", json_array());
			json_array_append_new(weeks, w);
			json_object_set(index, week, w);
		}
		buf_reset(&b);
		buf_printf(&b, "/digest/%s", jstr(d, "slug"));
		n = json_integer_value(json_object_get(d, "item_count"));
		buf_reset(&label);
		buf_printf(&label, "%lld post%s", (long long)n, n == 1 ? "" : "s");
		entry = json_pack("{s:s, s:s, s:O, s:s, s:O?}", "title", jstr(d, "title"), "href", buf_str(&b),
		    "item_count", json_object_get(d, "item_count"), "count_label", buf_str(&label),
		    "intro_html", json_object_get(d, "intro_html"));
		json_object_set_new(entry, "published",
		    time_pair(json_integer_value(json_object_get(d, "published_at"))));
		json_array_append_new(json_object_get(w, "digests"), entry);
	}
	json_decref(index);
	buf_free(&b);
	buf_free(&label);
	return weeks;
}

static void
archive_page(struct request *rq, struct reply *rp)
{
	json_t *list = store_digests(rq->store, true, ARCHIVE_LIMIT), *ctx, *weeks;

	if (list == NULL) {
		http_reader_error(rq, rp, 500, "The database could not be read.");
		return;
	}
	weeks = group_by_week(list);
	ctx = http_reader_context(rq, "Digests", "/digests", "digests");
	add_feeds(rq, ctx);
	json_object_set_new(ctx, "has_weeks", json_boolean(json_array_size(weeks) > 0));
	json_object_set_new(ctx, "weeks", weeks);
	rp->cacheable = true;
	rp->max_age = PAGE_MAX_AGE;
	rp->route = ROUTE_DIGEST;
	rp->last_modified = store_last_change(rq->store);
	http_reader_render(rq, rp, "digests", ctx);
	json_decref(ctx);
	json_decref(list);
}

/* One feed entry per published digest: the post shape http_feeds writes. */
static json_t *
feed_entries(struct request *rq, json_t *list, int64_t *newest)
{
	json_t *entries = json_array(), *d, *ctx;
	struct digest dg;
	struct buf html = BUF_INIT, path = BUF_INIT;
	char *err = NULL;
	size_t i;

	*newest = 0;
	json_array_foreach(list, i, d) {
		if (i >= FEED_ENTRIES)
			break;
		if (store_digest_get(rq->store, json_integer_value(json_object_get(d, "id")), &dg) != 0)
			continue;
		ctx = digest_ctx(rq, &dg);
		buf_reset(&html);
		if (ctx == NULL || digest_render_body(rq->templates, ctx, &html, &err) == -1) {
			log_error("digest feed entry not rendered", "slug=%s error=%s", dg.slug, log_quote(err));
			free(err);
			err = NULL;
		}
		buf_reset(&path);
		buf_printf(&path, "digest/%s", dg.slug);
		json_array_append_new(entries, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
		    "id", (json_int_t)dg.id, "title", dg.title, "url", jstr(ctx, "url"),
		    "permalink_path", buf_str(&path), "content_html", buf_str(&html),
		    "published_at", (json_int_t)dg.published_at, "updated_at", (json_int_t)dg.updated_at,
		    "fetched_at", (json_int_t)dg.updated_at));
		if (dg.updated_at > *newest)
			*newest = dg.updated_at;
		json_decref(ctx);
		digest_clear(&dg);
	}
	buf_free(&html);
	buf_free(&path);
	return entries;
}

static void
archive_feed(struct request *rq, struct reply *rp, const struct http_feeds_format *fmt)
{
	const struct config *cfg = rq->c->cfg;
	json_t *list = store_digests(rq->store, true, FEED_ENTRIES), *entries;
	struct feed_meta m;
	struct buf self = BUF_INIT;
	char *alt;

	if (list == NULL) {
		http_reader_error(rq, rp, 500, "The database could not be read.");
		return;
	}
	memset(&m, 0, sizeof(m));
	entries = feed_entries(rq, list, &m.updated);
	buf_printf(&self, "%sdigests.%s", cfg->base_url, fmt->ext);
	alt = absolute(rq, "/digests");
	m.title = "Digests";
	m.subtitle = cfg->site_description;
	m.self_url = buf_str(&self);
	m.alternate_url = alt;
	m.base_url = cfg->base_url;
	m.hub_url = cfg->websub_hub;
	m.site_name = cfg->site_title;
	buf_init(&rp->body, 0);
	fmt->write(&rp->body, &m, entries);
	rp->status = 200;
	rp->content_type = strcmp(fmt->ext, "atom") == 0 ? "application/atom+xml; charset=utf-8" :
	    strcmp(fmt->ext, "rss") == 0 ? "application/rss+xml; charset=utf-8" :
	    "application/feed+json; charset=utf-8";
	rp->cacheable = true;
	rp->max_age = PAGE_MAX_AGE;
	rp->route = ROUTE_DIGEST;
	rp->last_modified = m.updated;
	free(alt);
	buf_free(&self);
	json_decref(entries);
	json_decref(list);
}

static void
digest_page(struct request *rq, struct reply *rp, const char *slug)
{
	struct digest d;
	json_t *ctx, *dctx;
	int rc = store_digest_find(rq->store, slug, &d);

	if (rc == 0 && d.status != DIGEST_PUBLISHED) {
		digest_clear(&d);
		rc = 1;         /* drafts are not there for readers */
	}
	if (rc != 0) {
		http_reader_error(rq, rp, rc == 1 ? 404 : 500, rc == 1 ? "There is no such digest." :
		    "The database could not be read.");
		return;
	}
	dctx = digest_ctx(rq, &d);
	if (dctx == NULL) {
		digest_clear(&d);
		http_reader_error(rq, rp, 500, "The database could not be read.");
		return;
	}
	ctx = http_reader_context(rq, d.title, jstr(dctx, "href"), "digest");
	add_feeds(rq, ctx);
	json_object_set_new(ctx, "digest", dctx);
	rp->cacheable = true;
	rp->max_age = PAGE_MAX_AGE;
	rp->route = ROUTE_DIGEST;
	rp->last_modified = d.updated_at;
	http_reader_render(rq, rp, "digest", ctx);
	json_decref(ctx);
	digest_clear(&d);
}

/* ---------------------------------------------------------------- unsubscribe */

static void
unsubscribe(struct request *rq, struct reply *rp)
{
	const char *list = http_query(rq, "list"), *email = http_query(rq, "email");
	const char *token = http_query(rq, "token");
	bool post = strcmp(rq->method, "POST") == 0;
	struct buf action = BUF_INIT;
	json_t *ctx;
	int rc = 0;

	if (!post && !get_or_head(rq)) {
		method_not_allowed(rq, rp, "GET, HEAD, POST");
		return;
	}
	if (list == NULL || email == NULL || token == NULL || strlen(token) != 32) {
		http_reader_error(rq, rp, 400, "This unsubscribe link is not complete; use the one in the "
		    "email.");
		rp->route = ROUTE_DIGEST;
		return;
	}
	if (post) {
		rc = digest_unsubscribe(rq->c, list, email, token);
		if (rc != 0) {
			http_reader_error(rq, rp, rc == 1 ? 400 : 500, rc == 1 ? "This unsubscribe link is "
			    "not valid; use the one in the email." : "The database could not be written.");
			rp->route = ROUTE_DIGEST;
			return;
		}
	}
	buf_puts(&action, "/digests/unsubscribe?list=");
	util_percent_encode(&action, list);
	buf_puts(&action, "&email=");
	util_percent_encode(&action, email);
	buf_printf(&action, "&token=%s", token);
	ctx = http_reader_context(rq, post ? "You have left the list" : "Leave the list",
	    "/digests/unsubscribe", "digests");
	json_object_set_new(json_object_get(ctx, "page"), "noindex", json_true());
	json_object_set_new(ctx, "unsubscribe", json_pack("{s:s, s:s, s:s, s:b}", "list", list,
	    "email", email, "action", buf_str(&action), "done", post));
	rp->private = true;
	rp->route = ROUTE_DIGEST;
	http_reader_render(rq, rp, "digest-unsubscribe", ctx);
	json_decref(ctx);
	buf_free(&action);
}

/* ---------------------------------------------------------------- curating: helpers */

/* The person signed in. */
struct editor {
	struct user user;
	struct session session;
};

static void
editor_clear(struct editor *e)
{
	user_clear(&e->user);
	session_clear(&e->session);
}

static void
redirect(struct reply *rp, const char *location)
{
	rp->status = 303;
	rp->location = xstrdup(location);
	rp->content_type = "text/plain; charset=utf-8";
	rp->private = true;
	rp->route = ROUTE_DIGEST;
}

/* A private page of the curation: the common context, who is signed in. */
static json_t *
page_context(struct request *rq, const char *title, const struct editor *e)
{
	json_t *ctx = http_reader_context(rq, title, rq->path, "digests");

	json_object_set_new(json_object_get(ctx, "page"), "noindex", json_true());
	json_object_set_new(ctx, "writer", json_pack("{s:s, s:s?, s:b, s:s}", "name", e->user.name,
	    "team", e->user.team_slug, "is_admin", e->user.admin, "csrf", e->session.csrf));
	return ctx;
}

static void
finish(struct request *rq, struct reply *rp, const char *template, json_t *ctx, unsigned status)
{
	rp->status = status;
	http_reader_render(rq, rp, template, ctx);
	json_decref(ctx);
	rp->private = true;
	rp->cacheable = false;
	rp->route = ROUTE_DIGEST;
}

static void
curate_error(struct request *rq, struct reply *rp, unsigned status, const char *title,
    const char *message)
{
	json_t *ctx = http_reader_context(rq, title, rq->path, "error");

	json_object_set_new(json_object_get(ctx, "page"), "noindex", json_true());
	json_object_set_new(ctx, "error", json_pack("{s:i, s:s, s:s}", "status", (int)status,
	    "title", title, "message", message));
	finish(rq, rp, "error", ctx, status);
}

/* Signed in?  0 (e filled), else the answer is in rp. */
static int
signed_in(struct request *rq, struct reply *rp, struct editor *e, bool post)
{
	int rc = http_write_session(rq, &e->user, &e->session);

	if (rc == 0)
		return 0;
	if (rc == -1)
		curate_error(rq, rp, 500, "Something went wrong", "The database could not be read.");
	else if (!post)
		redirect(rp, "/login");
	else
		curate_error(rq, rp, 403, "You are signed out", "Nothing was changed because you are "
		    "not signed in (or your session ended). Sign in at /login, then try again.");
	return -1;
}

/* The POSTed form, its CSRF token checked; 0, else the answer is in rp. */
static int
read_form(struct request *rq, struct reply *rp, const struct editor *e, struct urlform *form)
{
	const char *why;

	memset(form, 0, sizeof(*form));
	if (rq->body == NULL || urlform_parse(rq->body, rq->body_len, FORM_MAX_FIELDS, form, &why) == -1 ||
	    !auth_equal(urlform_get(form, "csrf"), e->session.csrf)) {
		curate_error(rq, rp, 403, "This form has expired", "Nothing was changed: the form had "
		    "expired or came from another site. Go back, reload the page and try again.");
		return -1;
	}
	return 0;
}

static const char *
field(const struct urlform *f, const char *name)
{
	const char *v = urlform_get(f, name);

	return v != NULL ? v : "";
}

/* Text from a textarea: CRLF line ends become LF. */
static char *
unix_lines(const char *s)
{
	char *out = xstrdup(s), *w = out;

	for (; *s; s++) {
		if (s[0] == '\r' && s[1] == '\n')
			continue;
		*w++ = *s;
	}
	*w = '\0';
	return out;
}

static bool
parse_id(const char *s, int64_t *id)
{
	char *end;

	if (s == NULL || *s < '1' || *s > '9')
		return false;
	errno = 0;
	*id = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* "2026-10-16T12:00[:SS]" (a datetime-local field, server local time) to Unix seconds; -1 if bad. */
static int64_t
parse_local_time(const char *s)
{
	struct tm tm;
	int n = 0, k = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
	    &tm.tm_min, &n) != 5)
		return -1;
	if (s[n] == ':' && sscanf(s + n, ":%2d%n", &tm.tm_sec, &k) == 1)
		n += k;
	if (s[n] != '\0' || tm.tm_sec > 59)
		return -1;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* The sections (recipients lists) to pick from, current marked. */
static json_t *
section_options(const struct config *cfg, const char *current)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < cfg->n_digests; i++)
		json_array_append_new(list, json_pack("{s:s, s:b}", "name", cfg->digests[i].name,
		    "selected", current != NULL && strcmp(current, cfg->digests[i].name) == 0));
	return list;
}

/* ---------------------------------------------------------------- /digests/new */

static void
new_page(struct request *rq, struct reply *rp, const struct editor *e, const char *error,
    const struct urlform *form, unsigned status)
{
	json_t *ctx = page_context(rq, error != NULL ? "Error: Start a digest" : "Start a digest", e);
	json_t *list = store_digests(rq->store, false, 200), *d, *errors = json_array();
	struct buf b = BUF_INIT;
	char week[16];
	size_t i;

	digest_week_of(rq->now, week);
	json_array_foreach(list, i, d) {
		buf_reset(&b);
		buf_printf(&b, "/digest/%s/edit", jstr(d, "slug"));
		json_object_set_new(d, "edit_href", json_string(buf_str(&b)));
		json_object_set_new(d, "is_published", json_boolean(strcmp(jstr(d, "status"), "published") == 0));
	}
	if (error != NULL)
		json_array_append_new(errors, json_pack("{s:s, s:s}", "href", "#title", "message", error));
	json_object_set_new(ctx, "form", json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:o, s:s?}",
	    "action", "/digests/new", "csrf", e->session.csrf,
	    "title", form != NULL ? field(form, "title") : "",
	    "week", form != NULL && *field(form, "week") ? field(form, "week") : week,
	    "sections", section_options(rq->c->cfg, form != NULL ? field(form, "section") : NULL),
	    "has_errors", error != NULL, "errors", errors, "error", error));
	json_object_set_new(ctx, "has_digests", json_boolean(json_array_size(list) > 0));
	json_object_set_new(ctx, "digests", list != NULL ? list : json_array());
	buf_free(&b);
	finish(rq, rp, "digest-new", ctx, status);
}

static void
new_post(struct request *rq, struct reply *rp, const struct editor *e)
{
	struct urlform form;
	struct digest_draft dr;
	struct digest d;
	struct buf b = BUF_INIT;
	char *err = NULL, *intro;
	int64_t id;

	if (read_form(rq, rp, e, &form) == -1) {
		urlform_free(&form);
		return;
	}
	memset(&dr, 0, sizeof(dr));
	intro = unix_lines(field(&form, "intro"));
	dr.title = field(&form, "title");
	dr.week = *field(&form, "week") ? field(&form, "week") : NULL;
	dr.section = *field(&form, "section") ? field(&form, "section") : NULL;
	dr.intro = *intro ? intro : NULL;
	if (digest_create(rq->c, &dr, &id, &err) == -1) {
		new_page(rq, rp, e, err, &form, 400);
	} else if (store_digest_get(rq->store, id, &d) == 0) {
		log_info("digest started on the web", "id=%lld by=%s", (long long)id, log_quote(e->user.name));
		buf_printf(&b, "/digest/%s/edit?done=created", d.slug);
		redirect(rp, buf_str(&b));
		digest_clear(&d);
	} else {
		curate_error(rq, rp, 500, "Something went wrong", "The database could not be read.");
	}
	free(err);
	free(intro);
	buf_free(&b);
	urlform_free(&form);
}

/* ---------------------------------------------------------------- /digest/SLUG/edit */

static const struct { const char *key, *text; } notices[] = {
	{ "added", "The post was added to the digest." },
	{ "created", "The digest was started. Add posts to it below." },
	{ "details", "The details were saved." },
	{ "moved", "The post was moved." },
	{ "note", "The note was saved." },
	{ "published", "The digest was published." },
	{ "queued", "The digest was published and its email is on its way." },
	{ "removed", "The post was taken out of the digest." },
	{ "scheduled", "The digest is scheduled." },
	{ "sending", "The email is on its way." },
	{ "unpublished", "The digest is a draft again." },
};

/* Local midnight of the Monday after an ISO week. */
static int64_t
week_end(const char *week)
{
	char next[16];

	digest_week_of(digest_week_start(week) + 8 * 86400, next);
	return digest_week_start(next);
}

/* What the "find posts" form asked for, and what it found. */
static json_t *
find_section(struct request *rq, const struct digest *d, const json_t *items)
{
	const char *week = http_query(rq, "week"), *q = http_query(rq, "q");
	const char *tag = http_query(rq, "tag"), *team = http_query(rq, "team");
	const char *source = http_query(rq, "source");
	struct digest_filter f;
	json_t *find, *results = NULL, *r, *it, *sources, *teams, *s;
	int64_t source_id = 0;
	char label[32];
	size_t i, j;

	if (week == NULL || !digest_week_valid(week))
		week = d->week;
	if (source != NULL && *source != '\0')
		parse_id(source, &source_id);
	memset(&f, 0, sizeof(f));
	f.from = digest_week_start(week);
	f.to = week_end(week);
	f.search = q != NULL && *q ? q : NULL;
	f.tag = tag != NULL && *tag ? tag : NULL;
	f.team = team != NULL && *team ? team : NULL;
	f.source_id = source_id;
	f.limit = FIND_LIMIT;
	results = store_digest_candidates(rq->store, &f);
	if (results == NULL)
		results = json_array();
	r = digest_render_items(rq->c->cfg, results);
	json_decref(results);
	json_array_foreach(r, i, it) {
		bool in = false;
		const json_t *item;
		json_array_foreach(items, j, item)
			in = in || json_integer_value(json_object_get(item, "id")) ==
			    json_integer_value(json_object_get(it, "id"));
		json_object_set_new(it, "in_digest", json_boolean(in));
	}
	sources = store_sources(rq->store);
	json_array_foreach(sources, i, s)
		json_object_set_new(s, "selected", json_boolean(json_integer_value(json_object_get(s, "id")) ==
		    source_id));
	teams = store_teams(rq->store);
	json_array_foreach(teams, i, s)
		json_object_set_new(s, "selected", json_boolean(team != NULL &&
		    strcmp(jstr(s, "slug"), team) == 0));
	snprintf(label, sizeof(label), "%zu post%s", json_array_size(r), json_array_size(r) == 1 ? "" : "s");
	find = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:I, s:s}", "week", week, "q", q ? q : "",
	    "tag", tag ? tag : "", "sources", sources ? sources : json_array(),
	    "teams", teams ? teams : json_array(), "results", r, "has_results", json_array_size(r) > 0,
	    "count", (json_int_t)json_array_size(r), "count_label", label);
	return find;
}

/* How many people the digest's email would go to (0 without a section). */
static size_t
recipient_count(const struct config *cfg, const char *section)
{
	size_t i, n = 0;
	char **list, *err = NULL;

	for (i = 0; section != NULL && i < cfg->n_digests; i++) {
		if (strcmp(cfg->digests[i].name, section) != 0)
			continue;
		list = digest_recipients(&cfg->digests[i], &n, &err);
		digest_recipients_free(list);
		free(err);
	}
	return n;
}

/* The edit form's values: as sent (after an error) or as stored. */
static json_t *
edit_form(struct request *rq, const struct editor *e, const struct digest *d, const json_t *dctx,
    const struct urlform *form, const char *error)
{
	const struct config *cfg = rq->c->cfg;
	struct digest_send_counts sends;
	struct buf b = BUF_INIT, text = BUF_INIT;
	json_t *edit, *errors = json_array();
	const char *done = http_query(rq, "done");
	size_t i, recipients = recipient_count(cfg, d->section);
	char at[32];
	time_t next = (time_t)(rq->now + 3600 - rq->now % 3600);
	struct tm tm;

	localtime_r(&next, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M", &tm);
	store_digest_send_counts(rq->store, d->id, &sends);
	digest_render_text(cfg, dctx, NULL, &text);
	buf_printf(&b, "/digest/%s", d->slug);
	if (error != NULL)
		json_array_append_new(errors, json_pack("{s:s, s:s}", "href", "#digest-error", "message", error));
	edit = json_pack("{s:s+, s:s, s:s+, s:s+, s:s, s:s, s:s, s:s, s:o, s:I, s:b, s:s, s:b, s:o, s:s?,"
	    " s:{s:I, s:I, s:I, s:I}, s:b, s:s}",
	    "action", buf_str(&b), "/edit", "csrf", e->session.csrf,
	    "preview_href", buf_str(&b), "/preview", "text_href", buf_str(&b), "/preview?part=text",
	    "title", form != NULL ? field(form, "title") : d->title,
	    "slug", form != NULL ? field(form, "slug") : d->slug,
	    "week", form != NULL ? field(form, "week") : d->week,
	    "intro", form != NULL ? field(form, "intro") : d->intro != NULL ? d->intro : "",
	    "sections", section_options(cfg, form != NULL ? field(form, "section") : d->section),
	    "recipients", (json_int_t)recipients, "has_recipients", recipients > 0,
	    "schedule_at", at, "has_errors", error != NULL, "errors", errors, "error", error,
	    "sends", "total", (json_int_t)sends.total, "sent", (json_int_t)sends.sent,
	    "pending", (json_int_t)sends.pending, "failed", (json_int_t)sends.failed,
	    "has_sends", sends.total > 0, "text", buf_str(&text));
	if (d->status == DIGEST_PUBLISHED)
		json_object_set_new(edit, "public_href", json_string(buf_str(&b)));
	for (i = 0; done != NULL && i < NELEM(notices); i++) {
		if (strcmp(done, notices[i].key) == 0)
			json_object_set_new(edit, "notice", json_string(notices[i].text));
	}
	buf_free(&b);
	buf_free(&text);
	return edit;
}

static void
edit_page(struct request *rq, struct reply *rp, const struct editor *e, const struct digest *d,
    const struct urlform *form, const char *error, unsigned status)
{
	json_t *ctx, *dctx = digest_ctx(rq, d), *find;
	struct buf title = BUF_INIT;

	if (dctx == NULL) {
		curate_error(rq, rp, 500, "Something went wrong", "The database could not be read.");
		return;
	}
	buf_printf(&title, "%sEdit digest: %s", error != NULL ? "Error: " : "", d->title);
	ctx = page_context(rq, buf_str(&title), e);
	find = find_section(rq, d, json_object_get(dctx, "items"));
	json_object_set_new(ctx, "edit", edit_form(rq, e, d, dctx, form, error));
	json_object_set_new(ctx, "find", find);
	json_object_set_new(ctx, "digest", dctx);
	finish(rq, rp, "digest-edit", ctx, status);
	buf_free(&title);
}

/* The position of post in the digest (1-based), or 0. */
static int
position_of(struct request *rq, int64_t digest_id, int64_t post_id)
{
	json_t *items = store_digest_items(rq->store, digest_id), *it;
	size_t i;
	int pos = 0;

	json_array_foreach(items, i, it) {
		if (json_integer_value(json_object_get(it, "id")) == post_id)
			pos = (int)i + 1;
	}
	json_decref(items);
	return pos;
}

/* Back to the edit page after an action, keeping the find form's query. */
static void
back(struct reply *rp, const char *slug, const char *done, const struct urlform *form,
    int64_t anchor)
{
	static const char *const keep[] = { "q", "tag", "week", "source", "team" };
	struct buf b = BUF_INIT;
	const char *v;
	size_t i;

	buf_printf(&b, "/digest/%s/edit?done=%s", slug, done);
	for (i = 0; i < NELEM(keep); i++) {
		char name[16];
		snprintf(name, sizeof(name), "find_%s", keep[i]);
		v = urlform_get(form, name);
		if (v == NULL || *v == '\0')
			continue;
		buf_printf(&b, "&%s=", keep[i]);
		util_percent_encode(&b, v);
	}
	if (anchor != 0)
		buf_printf(&b, "#item-%lld", (long long)anchor);
	redirect(rp, buf_str(&b));
	buf_free(&b);
}

/* Runs one action of the edit form; what to say after (a notices[] key), or NULL and *err. */
static const char *
run_action(struct request *rq, const struct digest *d, const struct urlform *form, char **slug,
    char **err)
{
	const char *action = field(form, "action");
	bool send = strcmp(field(form, "send"), "1") == 0;
	struct digest_draft ch;
	char *intro;
	int64_t post = 0, at;
	size_t queued;
	int rc, pos;

	*err = NULL;
	if (strcmp(action, "details") == 0) {
		memset(&ch, 0, sizeof(ch));
		intro = unix_lines(field(form, "intro"));
		ch.title = field(form, "title");
		ch.slug = field(form, "slug");
		ch.week = field(form, "week");
		ch.intro = intro;
		ch.section = field(form, "section");
		rc = digest_edit(rq->c, d->id, &ch, err);
		free(intro);
		if (rc == 0) {
			free(*slug);
			*slug = xstrdup(ch.slug);
		}
		return rc == 0 ? "details" : NULL;
	}
	if (strcmp(action, "publish") == 0) {
		rc = digest_publish(rq->c, d->id, send, err);
		return rc == 0 ? (send ? "queued" : "published") : NULL;
	}
	if (strcmp(action, "schedule") == 0) {
		at = parse_local_time(field(form, "at"));
		if (at < 0) {
			*err = xstrdup("Enter the date and time to publish it, like 2026-11-27T12:00.");
			return NULL;
		}
		return digest_schedule(rq->c, d->id, at, send, err) == 0 ? "scheduled" : NULL;
	}
	if (strcmp(action, "unpublish") == 0)
		return digest_unpublish(rq->c, d->id, err) == 0 ? "unpublished" : NULL;
	if (strcmp(action, "send") == 0) {
		rc = digest_queue(rq->c, d->id, strcmp(field(form, "force"), "1") == 0, &queued, err);
		return rc == 0 ? "sending" : NULL;
	}
	if (!parse_id(field(form, "post"), &post)) {
		*err = xstrdup("That form did not say which post.");
		return NULL;
	}
	if (strcmp(action, "add") == 0 || strcmp(action, "note") == 0) {
		intro = unix_lines(field(form, "note"));
		rc = digest_add(rq->c, d->id, post, intro, err);
		free(intro);
		return rc == 0 ? action[0] == 'a' ? "added" : "note" : NULL;
	}
	if (strcmp(action, "remove") == 0)
		return digest_remove(rq->c, d->id, post, err) == 0 ? "removed" : NULL;
	if (strcmp(action, "up") == 0 || strcmp(action, "down") == 0) {
		pos = position_of(rq, d->id, post);
		pos += strcmp(action, "up") == 0 ? -1 : 1;
		return digest_move(rq->c, d->id, post, pos < 1 ? 1 : pos, err) == 0 ? "moved" : NULL;
	}
	*err = xstrdup("That form asked for something this page does not do.");
	return NULL;
}

static void
edit_post(struct request *rq, struct reply *rp, const struct editor *e, struct digest *d)
{
	struct urlform form;
	struct digest fresh;
	const char *done;
	char *err = NULL, *slug = xstrdup(d->slug);
	int64_t post = 0;

	if (read_form(rq, rp, e, &form) == -1) {
		urlform_free(&form);
		free(slug);
		return;
	}
	done = run_action(rq, d, &form, &slug, &err);
	if (done != NULL) {
		log_info("digest changed on the web", "id=%lld action=%s by=%s", (long long)d->id,
		    field(&form, "action"), log_quote(e->user.name));
		parse_id(field(&form, "post"), &post);
		back(rp, slug, done, &form, strcmp(done, "removed") == 0 ? 0 : post);
	} else if (store_digest_get(rq->store, d->id, &fresh) == 0) {
		edit_page(rq, rp, e, &fresh, strcmp(field(&form, "action"), "details") == 0 ? &form : NULL,
		    err != NULL ? err : "That did not work.", 400);
		digest_clear(&fresh);
	} else {
		curate_error(rq, rp, 500, "Something went wrong", "The database could not be read.");
	}
	free(err);
	free(slug);
	urlform_free(&form);
}

/* The email exactly as it goes out, for a made-up recipient. */
static void
preview(struct request *rq, struct reply *rp, const struct digest *d)
{
	static const char sample[] = "recipient@example.org";
	unsigned char key[32];
	struct buf url = BUF_INIT;
	json_t *dctx = digest_ctx(rq, d);
	char *err = NULL;
	bool text = http_query(rq, "part") != NULL && strcmp(http_query(rq, "part"), "text") == 0;

	if (dctx == NULL || store_digest_key(rq->store, key) == -1) {
		json_decref(dctx);
		curate_error(rq, rp, 500, "Something went wrong", "The database could not be read.");
		return;
	}
	if (d->section != NULL)
		digest_render_unsubscribe_url(rq->c->cfg, key, d->section, sample, &url);
	buf_init(&rp->body, 0);
	if (text) {
		digest_render_text(rq->c->cfg, dctx, d->section != NULL ? buf_str(&url) : NULL, &rp->body);
		rp->content_type = "text/plain; charset=utf-8";
	} else if (digest_render_email_html(rq->templates, rq->c->cfg, dctx, d->section != NULL ?
	    buf_str(&url) : NULL, &rp->body, &err) == -1) {
		log_error("digest email preview failed", "slug=%s error=%s", d->slug, log_quote(err));
		free(err);
		json_decref(dctx);
		buf_free(&url);
		curate_error(rq, rp, 500, "Something went wrong", "The email could not be rendered "
		    "(theme error; see the log).");
		return;
	} else {
		rp->content_type = "text/html; charset=utf-8";
		rp->csp = preview_csp;
	}
	rp->status = 200;
	rp->private = true;
	rp->route = ROUTE_DIGEST;
	json_decref(dctx);
	buf_free(&url);
}

/* /digests/new and /digest/SLUG/edit|preview: signed-in pages. */
static void
curate(struct request *rq, struct reply *rp, const char *slug, const char *what)
{
	bool post = strcmp(rq->method, "POST") == 0;
	struct editor e;
	struct digest d;
	int rc;

	if (!post && !get_or_head(rq)) {
		method_not_allowed(rq, rp, "GET, HEAD, POST");
		return;
	}
	memset(&e, 0, sizeof(e));
	if (signed_in(rq, rp, &e, post) == -1)
		return;
	if (slug == NULL) {
		if (post)
			new_post(rq, rp, &e);
		else
			new_page(rq, rp, &e, NULL, NULL, 200);
		editor_clear(&e);
		return;
	}
	rc = store_digest_find(rq->store, slug, &d);
	if (rc != 0) {
		curate_error(rq, rp, rc == 1 ? 404 : 500, rc == 1 ? "Page not found" : "Something went wrong",
		    rc == 1 ? "There is no such digest." : "The database could not be read.");
	} else if (strcmp(what, "preview") == 0 && !post) {
		preview(rq, rp, &d);
	} else if (strcmp(what, "preview") == 0) {
		method_not_allowed(rq, rp, "GET, HEAD");
	} else if (post) {
		edit_post(rq, rp, &e, &d);
	} else {
		edit_page(rq, rp, &e, &d, NULL, NULL, 200);
	}
	if (rc == 0)
		digest_clear(&d);
	editor_clear(&e);
}

/* ---------------------------------------------------------------- routing */

bool
http_digest_route(struct request *rq, struct reply *rp)
{
	const char *path = rq->path, *rest, *slash;
	const struct http_feeds_format *fmt;
	char slug[128];
	size_t n;

	if (strcmp(path, "/digests/new") == 0) {
		curate(rq, rp, NULL, "new");
		return true;
	}
	if (strcmp(path, "/digests/unsubscribe") == 0) {
		unsubscribe(rq, rp);
		return true;
	}
	if (strcmp(path, "/digests") == 0 || strncmp(path, "/digests.", 9) == 0) {
		fmt = path[8] == '.' ? http_feeds_format(path + 9) : NULL;
		if (path[8] == '.' && fmt == NULL)
			return false;
		if (!get_or_head(rq))
			method_not_allowed(rq, rp, "GET, HEAD");
		else if (fmt != NULL)
			archive_feed(rq, rp, fmt);
		else
			archive_page(rq, rp);
		return true;
	}
	if (strncmp(path, "/digest/", 8) != 0 || path[8] == '\0')
		return false;
	rest = path + 8;
	slash = strchr(rest, '/');
	n = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	if (n == 0 || n >= sizeof(slug))
		return false;
	memcpy(slug, rest, n);
	slug[n] = '\0';
	if (slash == NULL) {
		if (!get_or_head(rq))
			method_not_allowed(rq, rp, "GET, HEAD");
		else
			digest_page(rq, rp, slug);
		return true;
	}
	if (strcmp(slash, "/edit") == 0 || strcmp(slash, "/preview") == 0) {
		curate(rq, rp, slug, slash + 1);
		return true;
	}
	return false;
}
