/*
 * http_reader.c: the reader's pages and feeds.
 *
 *   route (path ─▶ handler) ─▶ store read API (posts as JSON) ─▶ context
 *   (themes/README.md is its contract) ─▶ [render] ─▶ template, or
 *   ─▶ http_feeds (Atom/RSS/JSON Feed) for the same list
 *
 * Every list page is also a feed: the same path with .atom, .rss or
 * .json appended.  Handlers fill a struct reply; http.c caches it.
 */
#include "autoconfig.h"
#include "http_int.h"
#include "http_feeds.h"
#include "config.h"
#include "crier.h"
#include "log.h"
#include "opml.h"
#include "plugin.h"
#include "store.h"
#include "template.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE_MAX_AGE 60
#define WEEK_MAX_POSTS 500

enum format { FMT_HTML, FMT_ATOM, FMT_RSS, FMT_JSON };

static const char *const format_types[] = {
	[FMT_HTML] = "text/html; charset=utf-8",
	[FMT_ATOM] = "application/atom+xml; charset=utf-8",
	[FMT_RSS] = "application/rss+xml; charset=utf-8",
	[FMT_JSON] = "application/feed+json; charset=utf-8",
};

/* A list page being built: what it shows and how to name it. */
struct list_page {
	const char *template;       /* "river", "tag", ... */
	enum route route;
	char *title;                /* page and feed title (malloc'd) */
	char *path;                 /* the HTML page's path, e.g. "/tag/weeknotes" (malloc'd) */
	char *feed_path;            /* path before the extension: "/feed" for the river */
	json_t *posts;              /* owned */
	json_t *extra;              /* page keys (tag, source, ...), owned */
	bool paginate;
};

/* ---------------------------------------------------------------- small helpers */

static const char *const month_names[] = { "January", "February", "March", "April", "May",
	"June", "July", "August", "September", "October", "November", "December" };

static json_t *
time_object(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char iso[32], human[48], date[40];

	util_rfc3339(t, iso);
	gmtime_r(&tt, &tm);
	snprintf(human, sizeof(human), "%d %s %d", tm.tm_mday, month_names[tm.tm_mon % 12],
	    tm.tm_year + 1900);
	snprintf(date, sizeof(date), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return json_pack("{s:s, s:s, s:s}", "iso", iso, "human", human, "date", date);
}

/* "5 minutes ago", "in 2 hours", "never" */
static void
relative(int64_t t, int64_t now, char *out, size_t n)
{
	int64_t d = t > now ? t - now : now - t;
	long long v;
	const char *unit;

	if (t <= 0) {
		snprintf(out, n, "never");
		return;
	}
	if (d < 60) {
		snprintf(out, n, t > now ? "in under a minute" : "just now");
		return;
	}
	if (d < 3600) {
		v = (long long)(d / 60);
		unit = "minute";
	} else if (d < 2 * 86400) {
		v = (long long)(d / 3600);
		unit = "hour";
	} else {
		v = (long long)(d / 86400);
		unit = "day";
	}
	if (t > now)
		snprintf(out, n, "in %lld %s%s", v, unit, v == 1 ? "" : "s");
	else
		snprintf(out, n, "%lld %s%s ago", v, unit, v == 1 ? "" : "s");
}

static char *
absolute(const struct request *rq, const char *path)
{
	struct buf b = BUF_INIT;

	/* base_url ends in '/', paths start with one */
	buf_printf(&b, "%s%s", rq->c->cfg->base_url, path[0] == '/' ? path + 1 : path);
	return buf_steal(&b);
}

static int64_t
jint(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool
parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		return false;
	*out = v;
	return true;
}

/* ---------------------------------------------------------------- posts */

/* Adds what templates need to each post: permalink, dates, hrefs. */
static void
decorate_post(json_t *post, int64_t now)
{
	struct buf b = BUF_INIT;
	json_t *tags = json_object_get(post, "tags"), *tag, *src, *team;
	int64_t published = jint(post, "published_at"), updated = jint(post, "updated_at");
	const char *title = jstr(post, "title");
	size_t i;

	(void)now;
	buf_putc(&b, '/');
	http_feeds_permalink(&b, post);
	json_object_set_new(post, "permalink", json_string(buf_str(&b)));
	/* where the attribution line points: the original post, else ours */
	json_object_set_new(post, "original_url", json_string(jstr(post, "url") != NULL ?
	    jstr(post, "url") : buf_str(&b)));
	json_object_set_new(post, "published", time_object(published));
	if (updated > published + 3600)
		json_object_set_new(post, "updated", time_object(updated));
	json_object_set_new(post, "has_tags", json_boolean(json_array_size(tags) > 0));
	json_object_set_new(post, "has_content", json_boolean(jstr(post, "content_html") != NULL &&
	    *jstr(post, "content_html") != '\0'));
	src = json_object_get(post, "source");
	if (src != NULL) {
		buf_reset(&b);
		buf_printf(&b, "/source/%lld", (long long)jint(src, "id"));
		json_object_set_new(src, "href", json_string(buf_str(&b)));
		json_object_set(src, "feed_url", json_object_get(src, "url"));
	}
	team = json_object_get(post, "team");
	if (team != NULL) {
		buf_reset(&b);
		buf_printf(&b, "/team/%s", jstr(team, "slug"));
		json_object_set_new(team, "href", json_string(buf_str(&b)));
	}
	json_array_foreach(tags, i, tag) {
		buf_reset(&b);
		buf_printf(&b, "/tag/%s", jstr(tag, "slug"));
		json_object_set_new(tag, "href", json_string(buf_str(&b)));
	}
	if (title == NULL || *title == '\0') {
		/* never an empty link text: name the source and the date */
		const char *who = src != NULL ? jstr(src, "name") : team != NULL ? jstr(team, "name") : NULL;
		buf_reset(&b);
		buf_printf(&b, "Post from %s, %s", who != NULL ? who : "an unnamed source",
		    jstr(json_object_get(post, "published"), "human"));
		json_object_set_new(post, "title", json_string(buf_str(&b)));
	}
	buf_free(&b);
}

static void
decorate_posts(json_t *posts, int64_t now)
{
	json_t *p;
	size_t i;

	json_array_foreach(posts, i, p)
		decorate_post(p, now);
}

/* Newest change among the posts (for Last-Modified). */
static int64_t
newest_change(const json_t *posts)
{
	const json_t *p;
	int64_t t = 0, v;
	size_t i;

	json_array_foreach(posts, i, p) {
		v = jint(p, "updated_at");
		if (jint(p, "fetched_at") > v)
			v = jint(p, "fetched_at");
		if (v > t)
			t = v;
	}
	return t;
}

/* ---------------------------------------------------------------- context */

static json_t *
common_context(struct request *rq, const char *title, const char *path, const char *kind,
    const char *feed_path)
{
	static const struct { const char *label, *href, *kind; } nav[] = {
		{ "Latest", "/", "river" }, { "This week", "/week", "week" },
		{ "Sources", "/sources", "sources" }, { "Search", "/search", "search" },
	};
	const struct config *cfg = rq->c->cfg;
	json_t *ctx, *site, *page, *navs;
	char *url;
	size_t i;

	site = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "lang", cfg->lang, "title", cfg->site_title,
	    "description", cfg->site_description, "base_url", cfg->base_url,
	    "static", http_static_prefix(rq->http), "version", PACKAGE_VERSION,
	    "generator", "crier " PACKAGE_VERSION);
	url = absolute(rq, path);
	page = json_pack("{s:s, s:s, s:s, s:s}", "title", title, "path", path, "url", url,
	    "kind", kind);
	free(url);
	if (feed_path != NULL) {
		struct buf b = BUF_INIT;
		json_t *feeds = json_object();
		static const char *const exts[] = { "atom", "rss", "json" };
		for (i = 0; i < NELEM(exts); i++) {
			buf_reset(&b);
			buf_printf(&b, "%s.%s", feed_path, exts[i]);
			url = absolute(rq, buf_str(&b));
			json_object_set_new(feeds, exts[i], json_string(url));
			free(url);
		}
		buf_free(&b);
		json_object_set_new(page, "feeds", feeds);
	}
	navs = json_array();
	for (i = 0; i < NELEM(nav); i++)
		json_array_append_new(navs, json_pack("{s:s, s:s, s:b}", "label", nav[i].label,
		    "href", nav[i].href, "current", strcmp(nav[i].kind, kind) == 0));
	ctx = json_object();
	json_object_set_new(ctx, "site", site);
	json_object_set_new(ctx, "page", page);
	json_object_set_new(ctx, "nav", navs);
	return ctx;
}

/* Clears the "current" mark of the nav entry with this href. */
static void
unmark_nav(json_t *ctx, const char *href)
{
	json_t *item;
	size_t i;

	json_array_foreach(json_object_get(ctx, "nav"), i, item) {
		if (strcmp(jstr(item, "href"), href) == 0)
			json_object_set_new(item, "current", json_false());
	}
}

/*
 * Discovery links, in the page (page.links) and its Link header: WebSub's
 * hub and self on every page when websub_hub is set, and the Micropub
 * endpoint on team pages.
 */
static void
add_discovery(struct request *rq, struct reply *rp, json_t *ctx)
{
	const struct config *cfg = rq->c->cfg;
	json_t *page = json_object_get(ctx, "page"), *links;
	const char *kind = json_string_value(json_object_get(page, "kind"));
	const char *self = json_string_value(json_object_get(page, "url"));
	struct buf link = BUF_INIT, micropub = BUF_INIT;

	if (kind == NULL || self == NULL || strcmp(kind, "error") == 0)
		return;
	links = json_object_get(page, "links");
	if (!json_is_array(links)) {
		links = json_array();
		json_object_set_new(page, "links", links);
	}
	if (cfg->websub_hub != NULL) {
		json_array_append_new(links, json_pack("{s:s, s:s}", "rel", "hub", "href", cfg->websub_hub));
		json_array_append_new(links, json_pack("{s:s, s:s}", "rel", "self", "href", self));
		buf_printf(&link, "<%s>; rel=\"hub\", <%s>; rel=\"self\"", cfg->websub_hub, self);
	}
	if (strcmp(kind, "team") == 0) {
		buf_printf(&micropub, "%smicropub", cfg->base_url);
		json_array_append_new(links, json_pack("{s:s, s:s}", "rel", "micropub", "href",
		    buf_str(&micropub)));
		buf_printf(&link, "%s<%s>; rel=\"micropub\"", link.len ? ", " : "", buf_str(&micropub));
	}
	if (link.len > 0) {
		free(rp->link);
		rp->link = buf_steal(&link);
	}
	buf_free(&link);
	buf_free(&micropub);
}

/* Renders template with ctx into rp; a theme error is a 500 with a plain body. */
static void
render(struct request *rq, struct reply *rp, const char *template, json_t *ctx)
{
	char *err = NULL;

	add_discovery(rq, rp, ctx);

	/* [render] hook point: plugins add ctx.plugins.NAME.KEY values */
	plugin_run_render(rq->c->plugins, template, rq->path, ctx);
	buf_init(&rp->body, 0);
	if (template_render(rq->templates, template, ctx, &rp->body, &err) == -1) {
		log_error("template failed", "template=%s error=%s", template, log_quote(err));
		free(err);
		buf_reset(&rp->body);
		buf_puts(&rp->body, "The page could not be rendered (theme error; see the log).\n");
		rp->status = 500;
		rp->content_type = "text/plain; charset=utf-8";
		rp->cacheable = false;
		return;
	}
	if (rp->status == 0)
		rp->status = 200;
	rp->content_type = format_types[FMT_HTML];
}

void
http_reader_error(struct request *rq, struct reply *rp, unsigned status, const char *message)
{
	static const struct { unsigned status; const char *title; } titles[] = {
		{ 400, "Bad request" }, { 404, "Page not found" }, { 405, "Method not allowed" },
		{ 413, "Request too large" }, { 500, "Something went wrong" },
		{ 503, "Service unavailable" },
	};
	const char *title = "Error";
	json_t *ctx;
	size_t i;

	for (i = 0; i < NELEM(titles); i++) {
		if (titles[i].status == status)
			title = titles[i].title;
	}
	buf_free(&rp->body);
	rp->status = status;
	rp->cacheable = false;
	rp->max_age = 0;
	if (rq->templates == NULL || !templates_has(rq->templates, "error")) {
		buf_printf(&rp->body, "%u %s: %s\n", status, title, message);
		rp->content_type = "text/plain; charset=utf-8";
		return;
	}
	ctx = common_context(rq, title, rq->path, "error", NULL);
	json_object_set_new(ctx, "error", json_pack("{s:i, s:s, s:s}", "status", (int)status,
	    "title", title, "message", message));
	json_object_set_new(json_object_get(ctx, "page"), "noindex", json_true());
	render(rq, rp, "error", ctx);
	rp->status = status;
	json_decref(ctx);
}

json_t *
http_reader_context(struct request *rq, const char *title, const char *path, const char *kind)
{
	return common_context(rq, title, path, kind, NULL);
}

void
http_reader_render(struct request *rq, struct reply *rp, const char *template, json_t *ctx)
{
	render(rq, rp, template, ctx);
}

/* ---------------------------------------------------------------- lists */

static void
list_page_free(struct list_page *lp)
{
	free(lp->title);
	free(lp->path);
	free(lp->feed_path);
	json_decref(lp->posts);
	json_decref(lp->extra);
}

/* The list as Atom, RSS or JSON Feed. */
static void
send_feed(struct request *rq, struct reply *rp, struct list_page *lp, enum format fmt)
{
	static const char *const exts[] = { [FMT_ATOM] = "atom", [FMT_RSS] = "rss", [FMT_JSON] = "json" };
	const struct config *cfg = rq->c->cfg;
	struct feed_meta m;
	struct buf self = BUF_INIT;
	char *self_url, *alt_url;

	buf_printf(&self, "%s.%s", lp->feed_path, exts[fmt]);
	self_url = absolute(rq, buf_str(&self));
	alt_url = absolute(rq, lp->path);
	memset(&m, 0, sizeof(m));
	m.title = lp->title;
	m.subtitle = cfg->site_description;
	m.self_url = self_url;
	m.alternate_url = alt_url;
	m.base_url = cfg->base_url;
	m.site_name = cfg->site_title;
	m.hub_url = cfg->websub_hub;
	m.updated = newest_change(lp->posts);
	if (cfg->websub_hub != NULL) {
		struct buf link = BUF_INIT;
		buf_printf(&link, "<%s>; rel=\"hub\", <%s>; rel=\"self\"", cfg->websub_hub, self_url);
		free(rp->link);
		rp->link = buf_steal(&link);
	}
	buf_init(&rp->body, 0);
	if (fmt == FMT_ATOM)
		http_feeds_atom(&rp->body, &m, lp->posts);
	else if (fmt == FMT_RSS)
		http_feeds_rss(&rp->body, &m, lp->posts);
	else
		http_feeds_json(&rp->body, &m, lp->posts);
	rp->status = 200;
	rp->content_type = format_types[fmt];
	rp->route = ROUTE_FEED;
	free(self_url);
	free(alt_url);
	buf_free(&self);
}

/* Cursor "PUBLISHED-ID" from ?before=, or false when malformed. */
static bool
parse_cursor(const char *v, int64_t *time, int64_t *id)
{
	const char *dash;
	char num[24];
	size_t n;

	*time = 0;
	*id = 0;
	if (v == NULL)
		return true;
	dash = strchr(v, '-');
	if (dash == NULL)
		return false;
	n = (size_t)(dash - v);
	if (n == 0 || n >= sizeof(num))
		return false;
	memcpy(num, v, n);
	num[n] = '\0';
	return parse_int64(num, time) && parse_int64(dash + 1, id);
}

/* Renders a list page (or its feed) and frees lp. */
static void
finish_list(struct request *rq, struct reply *rp, struct list_page *lp, enum format fmt)
{
	json_t *ctx;

	rp->cacheable = true;
	rp->max_age = PAGE_MAX_AGE;
	rp->route = lp->route;
	rp->last_modified = newest_change(lp->posts);
	if (rp->last_modified == 0)
		rp->last_modified = store_last_change(rq->store);
	if (fmt != FMT_HTML) {
		send_feed(rq, rp, lp, fmt);
		list_page_free(lp);
		return;
	}
	ctx = common_context(rq, lp->title, lp->path, lp->template, lp->feed_path);
	if (lp->route == ROUTE_RIVER)
		json_object_set_new(json_object_get(ctx, "page"), "is_home", json_true());
	if (lp->paginate) {
		json_t *pag = json_object(), *last;
		size_t n = json_array_size(lp->posts);
		struct buf b = BUF_INIT;
		if (n > 0 && (int64_t)n >= rq->c->cfg->page_size) {
			last = json_array_get(lp->posts, n - 1);
			buf_printf(&b, "%s?before=%lld-%lld", lp->path, (long long)jint(last, "published_at"),
			    (long long)jint(last, "id"));
			json_object_set_new(pag, "older", json_string(buf_str(&b)));
		}
		if (http_query(rq, "before") != NULL)
			json_object_set_new(pag, "newer", json_string(lp->path));
		json_object_set_new(ctx, "pagination", pag);
		buf_free(&b);
	}
	decorate_posts(lp->posts, rq->now);
	json_object_set(ctx, "posts", lp->posts);
	if (lp->extra != NULL)
		json_object_update(ctx, lp->extra);
	if (lp->route == ROUTE_WEEK && !json_is_true(json_object_get(json_object_get(ctx, "week"), "is_current")))
		unmark_nav(ctx, "/week");       /* a past week is not "This week" */
	render(rq, rp, lp->template, ctx);
	json_decref(ctx);
	list_page_free(lp);
}

/* Runs a paginated list query; false after answering 400 for a bad cursor. */
static bool
query_list(struct request *rq, struct reply *rp, struct list_page *lp, struct post_query *q)
{
	if (!parse_cursor(http_query(rq, "before"), &q->before_time, &q->before_id)) {
		http_reader_error(rq, rp, 400, "The page link is not valid (before= should look like "
		    "1700000000-42).");
		list_page_free(lp);
		return false;
	}
	q->limit = (int)rq->c->cfg->page_size;
	lp->paginate = true;
	lp->posts = store_posts(rq->store, q);
	if (lp->posts == NULL) {
		http_reader_error(rq, rp, 500, "The database could not be read.");
		list_page_free(lp);
		return false;
	}
	return true;
}

static void
river(struct request *rq, struct reply *rp, enum format fmt)
{
	struct list_page lp = { "river", ROUTE_RIVER, NULL, NULL, NULL, NULL, NULL, false };
	struct post_query q = { .list = LIST_RIVER };

	lp.title = xstrdup(rq->c->cfg->site_title);
	lp.path = xstrdup("/");
	lp.feed_path = xstrdup("/feed");
	if (query_list(rq, rp, &lp, &q))
		finish_list(rq, rp, &lp, fmt);
}

static void
tag_page(struct request *rq, struct reply *rp, const char *slug, enum format fmt)
{
	struct list_page lp = { "tag", ROUTE_TAG, NULL, NULL, NULL, NULL, NULL, false };
	struct post_query q = { .list = LIST_TAG, .key = slug };
	struct buf b = BUF_INIT;
	json_t *tag = store_tag_get(rq->store, slug);

	if (tag == NULL) {
		http_reader_error(rq, rp, 404, "There is no such tag.");
		return;
	}
	buf_printf(&b, "Tagged “%s”", jstr(tag, "label"));
	lp.title = buf_steal(&b);
	buf_printf(&b, "/tag/%s", slug);
	lp.path = buf_steal(&b);
	lp.feed_path = xstrdup(lp.path);
	lp.extra = json_pack("{s:o}", "tag", tag);
	if (query_list(rq, rp, &lp, &q))
		finish_list(rq, rp, &lp, fmt);
}

static void
source_page(struct request *rq, struct reply *rp, const char *arg, enum format fmt)
{
	struct list_page lp = { "source", ROUTE_SOURCE, NULL, NULL, NULL, NULL, NULL, false };
	struct post_query q = { .list = LIST_SOURCE };
	struct buf b = BUF_INIT;
	json_t *src = NULL;

	if (parse_int64(arg, &q.id))
		src = store_source_get(rq->store, q.id);
	if (src == NULL) {
		http_reader_error(rq, rp, 404, "There is no such source.");
		return;
	}
	lp.title = xstrdup(jstr(src, "name"));
	buf_printf(&b, "/source/%lld", (long long)q.id);
	lp.path = buf_steal(&b);
	lp.feed_path = xstrdup(lp.path);
	lp.extra = json_pack("{s:o}", "source", src);
	if (query_list(rq, rp, &lp, &q))
		finish_list(rq, rp, &lp, fmt);
}

static void
team_page(struct request *rq, struct reply *rp, const char *slug, enum format fmt)
{
	struct list_page lp = { "team", ROUTE_TEAM, NULL, NULL, NULL, NULL, NULL, false };
	struct post_query q = { .list = LIST_TEAM, .key = slug };
	struct buf b = BUF_INIT;
	json_t *team = store_team_get(rq->store, slug);

	if (team == NULL) {
		http_reader_error(rq, rp, 404, "There is no such team.");
		return;
	}
	lp.title = xstrdup(jstr(team, "name"));
	buf_printf(&b, "/team/%s", slug);
	lp.path = buf_steal(&b);
	lp.feed_path = xstrdup(lp.path);
	lp.extra = json_pack("{s:o}", "team", team);
	if (query_list(rq, rp, &lp, &q))
		finish_list(rq, rp, &lp, fmt);
}

/* ---------------------------------------------------------------- weeks */

/* Monday 00:00 UTC of ISO week `week` of `year`, or -1 when there is no such week. */
static int64_t
week_monday(int year, int week)
{
	struct tm tm;
	time_t jan4;
	int64_t monday1;
	char check[16];
	time_t t;
	struct tm out;

	if (year < 1971 || year > 9999 || week < 1 || week > 53)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = 0;
	tm.tm_mday = 4;
	jan4 = timegm(&tm);
	gmtime_r(&jan4, &tm);
	/* tm_wday: 0 Sunday; ISO: Monday 1 .. Sunday 7 */
	monday1 = (int64_t)jan4 - (int64_t)(((tm.tm_wday + 6) % 7)) * 86400;
	t = (time_t)(monday1 + (int64_t)(week - 1) * 7 * 86400);
	gmtime_r(&t, &out);
	strftime(check, sizeof(check), "%G-W%V", &out);
	{
		char want[16];
		snprintf(want, sizeof(want), "%04d-W%02d", year, week);
		if (strcmp(check, want) != 0)
			return -1;      /* week 53 of a year that has 52 */
	}
	return (int64_t)t;
}

static void
week_id(int64_t t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 16, "%G-W%V", &tm);
}

static bool
parse_week(const char *s, int64_t *monday)
{
	int year, week, n = 0;

	if (strlen(s) != 8 || sscanf(s, "%4d-W%2d%n", &year, &week, &n) != 2 || n != 8)
		return false;
	*monday = week_monday(year, week);
	return *monday >= 0;
}

/* Groups a week's posts by team (or source when there is none). */
static json_t *
group_posts(json_t *posts)
{
	json_t *groups = json_array(), *index = json_object(), *p, *g;
	size_t i;

	json_array_foreach(posts, i, p) {
		json_t *team = json_object_get(p, "team"), *src = json_object_get(p, "source");
		const json_t *owner = team != NULL ? team : src;
		const char *key, *name, *href;
		if (owner == NULL)
			continue;
		key = team != NULL ? jstr(team, "href") : jstr(src, "href");
		name = jstr(owner, "name");
		href = jstr(owner, "href");
		g = json_object_get(index, key);
		if (g == NULL) {
			g = json_pack("{s:s, s:s, s:[]}", "name", name ? name : "", "href", href ? href : "",
			    "posts");
			json_array_append_new(groups, g);
			json_object_set(index, key, g);
		}
		json_array_append(json_object_get(g, "posts"), p);
	}
	json_decref(index);
	return groups;
}

static void
week_page(struct request *rq, struct reply *rp, const char *arg, enum format fmt)
{
	struct list_page lp = { "week", ROUTE_WEEK, NULL, NULL, NULL, NULL, NULL, false };
	struct post_query q = { .list = LIST_WEEK };
	char this_week[16], id[16], prev[16], next[16], label[64], range[96];
	struct buf b = BUF_INIT;
	json_t *week, *quiet, *qp;
	int64_t monday;
	time_t t;
	struct tm mon, sun;
	size_t i;

	week_id(rq->now, this_week);
	if (arg == NULL) {
		/* /week: the current week, wherever that is now */
		buf_printf(&b, "/week/%s", this_week);
		rp->status = 302;
		rp->location = buf_steal(&b);
		rp->route = ROUTE_WEEK;
		return;
	}
	if (!parse_week(arg, &monday)) {
		http_reader_error(rq, rp, 404, "There is no such week (weeks look like 2026-W47).");
		return;
	}
	week_id(monday, id);
	week_id(monday - 7 * 86400, prev);
	week_id(monday + 7 * 86400, next);
	t = (time_t)monday;
	gmtime_r(&t, &mon);
	t = (time_t)(monday + 6 * 86400);
	gmtime_r(&t, &sun);
	snprintf(label, sizeof(label), "Week %d, %d", atoi(id + 6), atoi(id));
	if (mon.tm_mon == sun.tm_mon)
		snprintf(range, sizeof(range), "%d to %d %s %d", mon.tm_mday, sun.tm_mday,
		    month_names[sun.tm_mon], sun.tm_year + 1900);
	else
		snprintf(range, sizeof(range), "%d %s to %d %s %d", mon.tm_mday,
		    month_names[mon.tm_mon], sun.tm_mday, month_names[sun.tm_mon], sun.tm_year + 1900);
	q.key = id;
	q.week_tag = rq->c->cfg->week_tag;
	q.limit = WEEK_MAX_POSTS;
	lp.posts = store_posts(rq->store, &q);
	quiet = store_week_quiet(rq->store, id, rq->c->cfg->week_tag);
	if (lp.posts == NULL || quiet == NULL) {
		json_decref(quiet);
		http_reader_error(rq, rp, 500, "The database could not be read.");
		list_page_free(&lp);
		return;
	}
	json_array_foreach(quiet, i, qp) {
		buf_reset(&b);
		if (strcmp(jstr(qp, "kind"), "team") == 0)
			buf_printf(&b, "/team/%s", jstr(qp, "slug"));
		else
			buf_printf(&b, "/source/%lld", (long long)jint(qp, "id"));
		json_object_set_new(qp, "href", json_string(buf_str(&b)));
	}
	buf_reset(&b);
	buf_printf(&b, "Weeknotes: %s", label);
	lp.title = buf_steal(&b);
	buf_printf(&b, "/week/%s", id);
	lp.path = buf_steal(&b);
	lp.feed_path = xstrdup(lp.path);
	week = json_pack("{s:s, s:s, s:s, s:b}", "id", id, "label", label, "range", range,
	    "is_current", strcmp(id, this_week) == 0);
	buf_printf(&b, "/week/%s", prev);
	json_object_set_new(week, "prev_href", json_string(buf_str(&b)));
	if (strcmp(id, this_week) < 0) {
		buf_reset(&b);
		buf_printf(&b, "/week/%s", next);
		json_object_set_new(week, "next_href", json_string(buf_str(&b)));
	}
	buf_free(&b);
	if (fmt == FMT_HTML) {
		decorate_posts(lp.posts, rq->now);
		lp.extra = json_pack("{s:o, s:o, s:b, s:o}", "week", week, "groups", group_posts(lp.posts),
		    "has_quiet", json_array_size(quiet) > 0, "quiet", quiet);
	} else {
		json_decref(week);
		json_decref(quiet);
	}
	finish_list(rq, rp, &lp, fmt);
}

/* ---------------------------------------------------------------- single pages */

static void
post_page(struct request *rq, struct reply *rp, const char *arg)
{
	struct buf b = BUF_INIT;
	json_t *post, *ctx;
	int64_t id;
	char num[24];
	const char *dash = strchr(arg, '-');
	size_t n = dash != NULL ? (size_t)(dash - arg) : strlen(arg);
	bool missing;

	if (n == 0 || n >= sizeof(num)) {
		http_reader_error(rq, rp, 404, "There is no such post.");
		return;
	}
	memcpy(num, arg, n);
	num[n] = '\0';
	if (!parse_int64(num, &id)) {
		http_reader_error(rq, rp, 404, "There is no such post.");
		return;
	}
	post = store_post_get(rq->store, id, &missing);
	if (post == NULL) {
		http_reader_error(rq, rp, missing ? 404 : 500, missing ? "There is no such post." :
		    "The database could not be read.");
		return;
	}
	decorate_post(post, rq->now);
	if (strcmp(jstr(post, "permalink") + 6, arg) != 0) {
		/* /post/ID or an old slug: send readers to the canonical address */
		rp->status = 301;
		rp->location = xstrdup(jstr(post, "permalink"));
		rp->route = ROUTE_POST;
		json_decref(post);
		return;
	}
	ctx = common_context(rq, jstr(post, "title"), jstr(post, "permalink"), "post", NULL);
	json_object_set_new(ctx, "post", post);
	rp->cacheable = true;
	rp->max_age = PAGE_MAX_AGE;
	rp->route = ROUTE_POST;
	rp->last_modified = jint(post, "updated_at") > jint(post, "fetched_at") ?
	    jint(post, "updated_at") : jint(post, "fetched_at");
	render(rq, rp, "post", ctx);
	json_decref(ctx);
	buf_free(&b);
}

static void
search_page(struct request *rq, struct reply *rp)
{
	const char *q = http_query(rq, "q"), *message = NULL, *before = http_query(rq, "before");
	json_t *ctx, *results = NULL;
	int64_t before_id = 0;

	ctx = common_context(rq, "Search", "/search", "search", NULL);
	json_object_set_new(json_object_get(ctx, "page"), "noindex", json_true());
	if (q == NULL || *q == '\0') {
		message = "Search every post by title, text or author.";
	} else if (strlen(q) > 256) {
		message = "That search is too long; try a few words.";
	} else {
		if (before != NULL && !parse_int64(before, &before_id))
			before_id = 0;
		/* snippets cost ~0.1 ms each: a page of them, then "older results" */
		results = store_search(rq->store, q, (int)rq->c->cfg->page_size, before_id, &message);
		if (results != NULL && json_array_size(results) == 0)
			message = before_id ? "No older results." :
			    "Nothing matches that search. Try fewer or different words.";
	}
	if (results != NULL && (int64_t)json_array_size(results) >= rq->c->cfg->page_size) {
		struct buf b = BUF_INIT;
		json_t *last = json_array_get(results, json_array_size(results) - 1);
		buf_puts(&b, "/search?q=");
		util_percent_encode(&b, q);
		buf_printf(&b, "&before=%lld", (long long)jint(last, "id"));
		json_object_set_new(ctx, "pagination", json_pack("{s:s}", "older", buf_str(&b)));
		buf_free(&b);
	}
	if (results != NULL) {
		decorate_posts(results, rq->now);
		json_object_set_new(ctx, "count", json_integer((json_int_t)json_array_size(results)));
		json_object_set_new(ctx, "has_results", json_boolean(json_array_size(results) > 0));
		json_object_set_new(ctx, "results", results);
	}
	if (q != NULL)
		json_object_set_new(ctx, "query", json_string(q));
	if (message != NULL)
		json_object_set_new(ctx, "message", json_string(message));
	rp->cacheable = true;
	rp->max_age = PAGE_MAX_AGE;
	rp->route = ROUTE_SEARCH;
	render(rq, rp, "search", ctx);
	json_decref(ctx);
}

/* Plain words for an HTTP status on the sources page. */
static const char *
status_words(int64_t status, const json_t *src)
{
	if (jint(src, "last_fetch_at") == 0)
		return "not fetched yet";
	if (json_is_true(json_object_get(src, "gone")))
		return "gone (the publisher removed it)";
	if (status == 200)
		return "OK";
	if (status == 304)
		return "OK (unchanged)";
	if (status == 0)
		return "could not connect";
	return "error";
}

static void
sources_page(struct request *rq, struct reply *rp)
{
	json_t *ctx, *sources = store_sources(rq->store), *s;
	int64_t failing = 0, gone = 0, posts = 0;
	struct buf b = BUF_INIT;
	char rel[64];
	size_t i;

	if (sources == NULL) {
		http_reader_error(rq, rp, 500, "The database could not be read.");
		return;
	}
	json_array_foreach(sources, i, s) {
		int64_t since = jint(s, "failing_since");
		buf_reset(&b);
		buf_printf(&b, "/source/%lld", (long long)jint(s, "id"));
		json_object_set_new(s, "href", json_string(buf_str(&b)));
		relative(jint(s, "last_fetch_at"), rq->now, rel, sizeof(rel));
		json_object_set_new(s, "last_fetch", json_string(rel));
		relative(jint(s, "next_fetch_at"), rq->now, rel, sizeof(rel));
		json_object_set_new(s, "next_fetch", json_string(jint(s, "next_fetch_at") <= rq->now ?
		    "due now" : rel));
		json_object_set_new(s, "status_words", json_string(status_words(jint(s, "last_status"), s)));
		json_object_set_new(s, "failing", json_boolean(since != 0));
		json_object_set_new(s, "inactive", json_boolean(!json_is_true(json_object_get(s, "active"))));
		if (since != 0) {
			relative(since, rq->now, rel, sizeof(rel));
			json_object_set_new(s, "failing_since", json_string(rel));
			failing++;
		} else {
			json_object_del(s, "failing_since");
		}
		if (json_is_true(json_object_get(s, "gone")))
			gone++;
		posts += jint(s, "post_count");
	}
	buf_free(&b);
	ctx = common_context(rq, "Sources", "/sources", "sources", NULL);
	json_object_set_new(ctx, "has_sources", json_boolean(json_array_size(sources) > 0));
	json_object_set_new(ctx, "sources", sources);
	json_object_set_new(ctx, "counts", json_pack("{s:I, s:I, s:I, s:I}",
	    "feeds", (json_int_t)json_array_size(sources), "failing", (json_int_t)failing,
	    "gone", (json_int_t)gone, "posts", (json_int_t)posts));
	rp->cacheable = true;
	rp->max_age = PAGE_MAX_AGE;
	rp->route = ROUTE_SOURCES;
	rp->last_modified = store_last_change(rq->store);
	render(rq, rp, "sources", ctx);
	json_decref(ctx);
}

static void
opml_page(struct request *rq, struct reply *rp)
{
	json_t *sources = store_sources(rq->store), *s;
	struct opml_feed *feeds;
	size_t i, n = 0;

	if (sources == NULL) {
		http_reader_error(rq, rp, 500, "The database could not be read.");
		return;
	}
	feeds = xcalloc(json_array_size(sources) + 1, sizeof(*feeds));
	json_array_foreach(sources, i, s) {
		if (json_is_true(json_object_get(s, "gone")) || !json_is_true(json_object_get(s, "active")))
			continue;
		feeds[n].url = jstr(s, "url");
		feeds[n].title = jstr(s, "name");
		feeds[n].html_url = jstr(s, "site_url");
		feeds[n].tags = jstr(s, "tags");
		n++;
	}
	buf_init(&rp->body, 0);
	opml_write(&rp->body, rq->c->cfg->site_title, feeds, n, rq->now);
	free(feeds);
	json_decref(sources);
	rp->status = 200;
	rp->content_type = "text/x-opml; charset=utf-8";
	rp->cacheable = true;
	rp->max_age = PAGE_MAX_AGE;
	rp->route = ROUTE_OPML;
	rp->last_modified = store_last_change(rq->store);
}

/* ---------------------------------------------------------------- routing */

/* Strips .atom/.rss/.json from path into base; the format it named. */
static enum format
split_format(const char *path, char *base, size_t n)
{
	static const struct { const char *ext; enum format fmt; } exts[] = {
		{ ".atom", FMT_ATOM }, { ".rss", FMT_RSS }, { ".json", FMT_JSON },
	};
	size_t len = strlen(path), i, el;

	snprintf(base, n, "%s", path);
	for (i = 0; i < NELEM(exts); i++) {
		el = strlen(exts[i].ext);
		if (len > el && len - el < n && strcmp(path + len - el, exts[i].ext) == 0) {
			base[len - el] = '\0';
			return exts[i].fmt;
		}
	}
	return FMT_HTML;
}

/* Handlers of list pages take the part after their prefix and a format. */
typedef void (*list_fn)(struct request *rq, struct reply *rp, const char *arg, enum format fmt);

static void
river_route(struct request *rq, struct reply *rp, const char *arg, enum format fmt)
{
	(void)arg;
	river(rq, rp, fmt);
}

static void
week_index_route(struct request *rq, struct reply *rp, const char *arg, enum format fmt)
{
	(void)arg;
	week_page(rq, rp, NULL, fmt);
}

static void
post_route(struct request *rq, struct reply *rp, const char *arg, enum format fmt)
{
	(void)fmt;
	post_page(rq, rp, arg);
}

static void
search_route(struct request *rq, struct reply *rp, const char *arg, enum format fmt)
{
	(void)arg;
	(void)fmt;
	search_page(rq, rp);
}

static void
sources_route(struct request *rq, struct reply *rp, const char *arg, enum format fmt)
{
	(void)arg;
	(void)fmt;
	sources_page(rq, rp);
}

static void
opml_route(struct request *rq, struct reply *rp, const char *arg, enum format fmt)
{
	(void)arg;
	(void)fmt;
	opml_page(rq, rp);
}

/*
 * The routes.  `path` is matched against the path with any .atom/.rss/
 * .json removed: exactly, or as a prefix followed by one non-empty
 * segment (the handler's arg).  `formats` says which forms exist.
 */
enum { HTML_ONLY = 1, FEEDS_ONLY = 2, BOTH = 3 };

static const struct route_def {
	const char *path;
	bool prefix;
	int formats;
	list_fn fn;
} routes[] = {
	{ "/", false, HTML_ONLY, river_route },
	{ "/feed", false, FEEDS_ONLY, river_route },
	{ "/opml", false, HTML_ONLY, opml_route },
	{ "/post/", true, HTML_ONLY, post_route },
	{ "/search", false, HTML_ONLY, search_route },
	{ "/source/", true, BOTH, source_page },
	{ "/sources", false, HTML_ONLY, sources_route },
	{ "/tag/", true, BOTH, tag_page },
	{ "/team/", true, BOTH, team_page },
	{ "/week", false, HTML_ONLY, week_index_route },
	{ "/week/", true, BOTH, week_page },
};

/* The handler's arg when path matches r, else NULL ("" for exact routes). */
static const char *
match(const struct route_def *r, const char *path)
{
	size_t n = strlen(r->path);

	if (!r->prefix)
		return strcmp(path, r->path) == 0 ? path + n : NULL;
	if (strncmp(path, r->path, n) != 0 || path[n] == '\0' || strchr(path + n, '/') != NULL)
		return NULL;
	return path + n;
}

bool
http_reader_route(struct request *rq, struct reply *rp)
{
	char base[512];
	const char *arg;
	enum format fmt;
	size_t i;

	if (strlen(rq->path) >= sizeof(base))
		return false;
	fmt = split_format(rq->path, base, sizeof(base));
	for (i = 0; i < NELEM(routes); i++) {
		int want = fmt == FMT_HTML ? HTML_ONLY : FEEDS_ONLY;
		if ((routes[i].formats & want) == 0)
			continue;
		arg = match(&routes[i], base);
		if (arg == NULL)
			continue;
		if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
			http_reader_error(rq, rp, 405, "This address only answers GET and HEAD.");
			rp->allow = "GET, HEAD";
			return true;
		}
		routes[i].fn(rq, rp, arg, fmt);
		return true;
	}
	return false;
}
