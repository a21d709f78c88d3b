/*
 * pipeline.c: fetch ─▶ parse ─▶ tag ─▶ store, for polled feeds.
 *
 * Read this file first: it is the whole flow of crier in one place.
 * pipeline_queue_due() asks the store which feeds are due and hands them
 * to the fetcher; pipeline_run() drives the fetcher, and on_fetched()
 * takes each result through the stages and commits it, feed record and
 * posts together, in one transaction.
 */
#include "pipeline.h"
#include "config.h"
#include "crier.h"
#include "fetch.h"
#include "log.h"
#include "parse.h"
#include "sanitize.h"
#include "sched.h"
#include "store.h"
#include "tag.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* What the pipeline remembers about a feed while it is being fetched. */
struct in_flight {
	int64_t id;
	char *url;
	char *display_name;
	char *tags;
	char *body_hash;
	int64_t interval;
	int64_t error_count;
	int64_t team_id;
};

struct pipeline {
	struct crier *c;
	struct fetcher *fetcher;
	struct pipeline_stats stats;
	/* ids in flight: open addressing, 0 = empty slot, grown at half full */
	int64_t *busy;
	size_t busy_cap, busy_n;
};

/* ---------------------------------------------------------------- in-flight set */

static size_t
busy_slot(const struct pipeline *p, int64_t id)
{
	size_t i = (size_t)util_fnv1a(&id, sizeof(id)) & (p->busy_cap - 1);

	while (p->busy[i] != 0 && p->busy[i] != id)
		i = (i + 1) & (p->busy_cap - 1);
	return i;
}

static bool
busy_has(const struct pipeline *p, int64_t id)
{
	return p->busy[busy_slot(p, id)] == id;
}

static void
busy_add(struct pipeline *p, int64_t id)
{
	size_t i, old_cap = p->busy_cap;
	int64_t *old = p->busy;

	if ((p->busy_n + 1) * 2 > p->busy_cap) {
		p->busy_cap *= 2;
		p->busy = xcalloc(p->busy_cap, sizeof(*p->busy));
		p->busy_n = 0;
		for (i = 0; i < old_cap; i++) {
			if (old[i] != 0) {
				p->busy[busy_slot(p, old[i])] = old[i];
				p->busy_n++;
			}
		}
		free(old);
	}
	p->busy[busy_slot(p, id)] = id;
	p->busy_n++;
}

static void
busy_remove(struct pipeline *p, int64_t id)
{
	size_t i = busy_slot(p, id), j;

	if (p->busy[i] != id)
		return;
	p->busy[i] = 0;
	p->busy_n--;
	/* re-place the rest of the cluster so lookups stay correct */
	for (j = (i + 1) & (p->busy_cap - 1); p->busy[j] != 0; j = (j + 1) & (p->busy_cap - 1)) {
		int64_t moved = p->busy[j];
		p->busy[j] = 0;
		p->busy[busy_slot(p, moved)] = moved;
	}
}

/* ---------------------------------------------------------------- setup */

struct pipeline *
pipeline_new(struct crier *c)
{
	const struct config *cfg = c->cfg;
	struct pipeline *p = xcalloc(1, sizeof(*p));
	struct fetch_config fc;

	memset(&fc, 0, sizeof(fc));
	fc.concurrency = (unsigned)cfg->fetch_concurrency;
	fc.per_host = (unsigned)cfg->fetch_per_host;
	fc.max_body_bytes = (size_t)cfg->max_feed_bytes;
	fc.connect_timeout_ms = (long)cfg->connect_timeout * 1000;
	fc.total_timeout_ms = (long)cfg->fetch_timeout * 1000;
	fc.low_speed_bytes = 100;
	fc.low_speed_time_s = 30;
	fc.allow_private_addresses = cfg->allow_private_addresses;
	fc.allow_private_hosts = (const char *const *)cfg->allow_private_hosts;
	fc.proxy = cfg->proxy;
	p->c = c;
	p->fetcher = fetch_new(&fc);
	p->busy_cap = 64;
	p->busy = xcalloc(p->busy_cap, sizeof(*p->busy));
	return p;
}

void
pipeline_free(struct pipeline *p)
{
	if (p == NULL)
		return;
	fetch_free(p->fetcher);
	free(p->busy);
	free(p);
}

const struct pipeline_stats *
pipeline_stats(const struct pipeline *p)
{
	return &p->stats;
}

static void
in_flight_free(struct in_flight *f)
{
	free(f->url);
	free(f->display_name);
	free(f->tags);
	free(f->body_hash);
	free(f);
}

/* ---------------------------------------------------------------- queueing */

struct queue_ctx {
	struct pipeline *p;
	int64_t only_id;
	int queued;
};

static int
queue_feed(const struct feed *f, void *arg)
{
	struct queue_ctx *q = arg;
	struct pipeline *p = q->p;
	struct fetch_request req;
	struct in_flight *fl;

	if ((q->only_id != 0 && f->id != q->only_id) || busy_has(p, f->id))
		return 0;
	fl = xcalloc(1, sizeof(*fl));
	fl->id = f->id;
	fl->url = xstrdup(f->url);
	fl->display_name = xstrdup(feed_display_name(f));
	fl->tags = xstrdup(f->tags);
	fl->body_hash = xstrdup(f->body_hash);
	fl->interval = f->interval > 0 ? f->interval : p->c->cfg->poll_interval;
	fl->error_count = f->error_count;
	fl->team_id = f->team_id;
	memset(&req, 0, sizeof(req));
	req.method = FETCH_GET;
	req.url = f->url;
	req.etag = f->etag;
	req.last_modified = f->last_modified;
	req.id = f->id;
	req.user = fl;
	if (fetch_add(p->fetcher, &req) == -1) {
		log_warn("feed not queued: not an http(s) URL", "feed=%lld url=%s",
		    (long long)f->id, log_quote(f->url));
		in_flight_free(fl);
		return 0;
	}
	busy_add(p, f->id);
	p->stats.queued++;
	q->queued++;
	return 0;
}

int
pipeline_queue_due(struct pipeline *p, bool all, int64_t feed_id)
{
	struct queue_ctx q = { p, feed_id, 0 };

	if (store_feeds_due(p->c->store, util_now(), all || feed_id != 0, queue_feed, &q) == -1)
		return -1;
	return q.queued;
}

/* ---------------------------------------------------------------- stages */

static const char *
status_reason(long status)
{
	static const struct { long code; const char *text; } reasons[] = {
		{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
		{ 408, "Request Timeout" }, { 410, "Gone" }, { 429, "Too Many Requests" },
		{ 451, "Unavailable For Legal Reasons" }, { 500, "Internal Server Error" },
		{ 501, "Not Implemented" }, { 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
	};
	size_t i;

	for (i = 0; i < NELEM(reasons); i++) {
		if (reasons[i].code == status)
			return reasons[i].text;
	}
	return status >= 500 ? "server error" : status >= 400 ? "client error" : "unexpected status";
}

/* The charset parameter of a Content-Type, into out; NULL when none. */
static const char *
content_type_charset(const char *ct, char *out, size_t n)
{
	const char *p;
	size_t i = 0;

	if (ct == NULL)
		return NULL;
	p = strcasestr(ct, "charset=");
	if (p == NULL)
		return NULL;
	p += 8;
	if (*p == '"')
		p++;
	while (*p && *p != '"' && *p != ';' && *p != ' ' && i + 1 < n)
		out[i++] = *p++;
	out[i] = '\0';
	return i > 0 ? out : NULL;
}

/* Tag stage: the feed's configured tags, then the rules. */
static void
tag_posts(struct pipeline *p, struct feed_doc *doc, const struct in_flight *fl)
{
	struct buf text = BUF_INIT;
	size_t i;

	for (i = 0; i < doc->n_items; i++) {
		struct post *post = doc->items[i];
		if (post->content_html != NULL && post->search_text == NULL) {
			buf_reset(&text);
			html_to_text(&text, post->content_html, strlen(post->content_html));
			post->search_text = arena_strndup(doc->arena, buf_str(&text), text.len);
		}
		if (fl->tags != NULL)
			tag_add_list(doc->arena, post, fl->tags, TAG_FEED);
		tag_apply_rules(p->c->rules, doc->arena, post, fl->display_name, fl->url);
	}
	buf_free(&text);
}

static void
record_failure(struct pipeline *p, const struct in_flight *fl, const struct fetch_result *r,
    const char *error, bool gone)
{
	struct feed_update u;
	int64_t now = util_now();

	memset(&u, 0, sizeof(u));
	u.feed_id = fl->id;
	u.fetched_at = now;
	u.status = r->status;
	u.error = error;
	u.gone = gone;
	u.next_fetch_at = sched_after_failure(now, fl->interval, fl->error_count + 1,
	    r->retry_after, p->c->cfg->max_backoff);
	if (store_feed_commit(p->c->store, &u, NULL, 0, NULL) == -1)
		log_error("could not record a failed fetch", "feed=%lld", (long long)fl->id);
	p->stats.failed++;
	p->c->stats.fetches_failed++;
	log_warn(gone ? "feed gone" : "feed failed",
	    "feed=%lld url=%s status=%ld error=%s next_fetch_in=%llds", (long long)fl->id,
	    log_quote(fl->url), r->status, log_quote(error), (long long)(u.next_fetch_at - now));
}

/* A 2xx body: parse, tag, store. */
static void
process_body(struct pipeline *p, const struct in_flight *fl, const struct fetch_result *r)
{
	struct parse_options opt;
	struct feed_update u;
	struct save_stats st;
	struct feed_doc *doc;
	char body_hash[65], charset[64];
	int64_t now = util_now();
	size_t i;

	memset(&u, 0, sizeof(u));
	u.feed_id = fl->id;
	u.fetched_at = now;
	u.status = r->status;
	u.success = true;
	u.next_fetch_at = sched_after_success(now, fl->interval);
	u.set_validators = true;
	u.etag = r->etag;
	u.last_modified = r->last_modified;
	u.new_url = r->permanent_url;
	util_sha256_hex(r->body.data, r->body.len, body_hash);
	if (fl->body_hash != NULL && strcmp(fl->body_hash, body_hash) == 0) {
		/* the server ignored our validators, but nothing changed */
		store_feed_commit(p->c->store, &u, NULL, 0, NULL);
		p->stats.ok++;
		p->stats.unchanged++;
		p->c->stats.fetches_unchanged++;
		return;
	}
	memset(&opt, 0, sizeof(opt));
	opt.base_url = r->final_url != NULL ? r->final_url : fl->url;
	opt.http_charset = content_type_charset(r->content_type, charset, sizeof(charset));
	opt.now = now;
	doc = parse_feed(buf_str(&r->body), r->body.len, &opt);
	if (doc->format == FORMAT_UNKNOWN && doc->n_items == 0) {
		struct buf msg = BUF_INIT;
		buf_printf(&msg, "not a feed: the response (%s) is not RSS, Atom or JSON Feed",
		    r->content_type != NULL ? r->content_type : "no content type");
		record_failure(p, fl, r, buf_str(&msg), false);
		buf_free(&msg);
		feed_doc_free(doc);
		return;
	}
	if (doc->bozo)
		log_info("feed is not well-formed; recovered what could be read",
		    "feed=%lld url=%s reason=%s", (long long)fl->id, log_quote(fl->url),
		    log_quote(doc->bozo_reason));
	for (i = 0; i < doc->n_items; i++) {
		doc->items[i]->fetched_at = now;
		doc->items[i]->team_id = fl->team_id;
	}
	tag_posts(p, doc, fl);
	u.body_hash = body_hash;
	u.title = doc->title;
	u.site_url = doc->home_page_url;
	if (store_feed_commit(p->c->store, &u, doc->items, doc->n_items, &st) == -1) {
		record_failure(p, fl, r, "could not save the posts (database error; see the log)", false);
		feed_doc_free(doc);
		return;
	}
	p->stats.ok++;
	p->stats.new_posts += st.new_posts;
	p->stats.updated_posts += st.updated_posts;
	p->c->stats.fetches_ok++;
	p->c->stats.posts_new += st.new_posts;
	p->c->stats.posts_updated += st.updated_posts;
	if (st.new_posts + st.updated_posts > 0 || r->permanent_url != NULL)
		log_info("feed fetched", "feed=%lld url=%s items=%zu new=%zu updated=%zu%s%s",
		    (long long)fl->id, log_quote(fl->url), doc->n_items, st.new_posts,
		    st.updated_posts, r->permanent_url ? " moved_to=" : "",
		    r->permanent_url ? log_quote(r->permanent_url) : "");
	feed_doc_free(doc);
}

static void
on_fetched(struct fetch_result *r, void *arg)
{
	struct pipeline *p = arg;
	struct in_flight *fl = r->user;
	struct buf msg = BUF_INIT;

	/* [feed_fetched] hook point */
	if (r->error != NULL) {
		record_failure(p, fl, r, r->error, false);
	} else if (r->status == 304) {
		struct feed_update u;
		memset(&u, 0, sizeof(u));
		u.feed_id = fl->id;
		u.fetched_at = util_now();
		u.status = 304;
		u.success = true;
		u.next_fetch_at = sched_after_success(u.fetched_at, fl->interval);
		store_feed_commit(p->c->store, &u, NULL, 0, NULL);
		p->stats.ok++;
		p->stats.unchanged++;
		p->c->stats.fetches_unchanged++;
	} else if (r->status == 410) {
		record_failure(p, fl, r, "HTTP 410 Gone: the publisher removed this feed; it is no "
		    "longer polled", true);
	} else if (r->status >= 200 && r->status < 300) {
		process_body(p, fl, r);
	} else {
		buf_printf(&msg, "HTTP %ld %s", r->status, status_reason(r->status));
		if (r->retry_after > 0)
			buf_printf(&msg, " (Retry-After: %llds)", (long long)r->retry_after);
		record_failure(p, fl, r, buf_str(&msg), false);
	}
	p->stats.done++;
	busy_remove(p, fl->id);
	in_flight_free(fl);
	buf_free(&msg);
	fetch_result_free(r);
}

size_t
pipeline_run(struct pipeline *p, int timeout_ms)
{
	return fetch_run(p->fetcher, timeout_ms, on_fetched, p);
}
