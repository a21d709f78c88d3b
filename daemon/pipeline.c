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
#include "date.h"
#include "fetch.h"
#include "log.h"
#include "markdown.h"
#include "parse.h"
#include "plugin.h"
#include "sanitize.h"
#include "sched.h"
#include "store.h"
#include "tag.h"
#include "url.h"
#include "util.h"

#include <dirent.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OUTBOX_BATCH 16
#define PARSE_JOBS_MAX 8        /* bodies waiting for or in the parse workers, at most */
#define PARSE_WORKERS 2         /* one parses while the other stores */
#define OUTBOX_MAX_ATTEMPTS 10

/* What the pipeline remembers about a transfer while it runs. */
enum flight_kind { FLIGHT_FEED, FLIGHT_OUTBOX };

struct in_flight {
	struct in_flight *prev, *next;  /* every flight, so pipeline_free can free them */
	enum flight_kind kind;
	int64_t id;                     /* feed id, or outbox id */
	int64_t attempts;               /* outbox: tries so far */
	char *url;
	char *display_name;
	char *tags;
	char *body_hash;
	int64_t interval;
	int64_t error_count;
	int64_t team_id;
};

/* How a fetch ended: for the counts and the feed_fetched hook. */
struct fetch_outcome {
	struct buf error;               /* why it failed; empty on success */
	const char *moved_to;           /* the permanent redirect's target, when stored */
	bool failed;
	bool gone;
	bool unchanged;
	size_t new_posts, updated_posts;
};

/*
 * A feed body on its way through a parse worker: the worker hashes,
 * parses and tags it, then (under the write lock) filters and stores it
 * (CPU and database work, off the pipeline thread, so transfers keep
 * flowing while feeds are stored); the pipeline's own thread then counts
 * and announces it.
 */
struct job {
	struct job *next;
	struct in_flight *fl;
	struct fetch_result *r;
	int64_t now;
	char body_hash[65];
	bool unchanged;                 /* the same body as last time: not parsed */
	bool stored;                    /* its posts were saved: announce them */
	struct feed_doc *doc;           /* parsed and tagged, unless unchanged */
	struct crier_feed feed;         /* the feed as plugins saw it */
	struct fetch_outcome out;
};

struct job_queue {
	struct job *head, *tail;
};

struct pipeline {
	struct crier *c;
	struct fetcher *fetcher;
	struct pipeline_stats stats;
	struct in_flight flights;       /* list head of every flight */
	pthread_t workers[PARSE_WORKERS];
	pthread_mutex_t jobs_lock;
	pthread_cond_t jobs_ready;      /* the worker waits for todo */
	pthread_cond_t jobs_done;       /* the pipeline waits for done */
	struct job_queue todo, done;
	size_t jobs;                    /* queued, being parsed or parsed but not committed */
	bool quit;
	size_t unindexed;               /* posts stored since the indexer was last woken */
	/* the search indexer (store_search.c) on its own thread: woken after
	 * commits, and once a second for other processes' posts */
	pthread_t indexer;
	pthread_mutex_t index_lock;
	pthread_cond_t index_wake;
	bool index_kick, index_quit;
	int64_t index_done;             /* queue position indexed (under index_lock) */
	int64_t index_pruned;           /* queue position pruned (pipeline thread) */
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

static void *parse_worker(void *arg);
static struct job *job_pop(struct job_queue *q);
static void job_free(struct job *j);
static void in_flight_free(struct in_flight *f);
static void *index_worker(void *arg);

struct pipeline *
pipeline_new(struct crier *c)
{
	const struct config *cfg = c->cfg;
	struct pipeline *p = xcalloc(1, sizeof(*p));
	struct fetch_config fc;
	size_t i;

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
	p->flights.next = p->flights.prev = &p->flights;
	pthread_mutex_init(&p->jobs_lock, NULL);
	pthread_cond_init(&p->jobs_ready, NULL);
	pthread_cond_init(&p->jobs_done, NULL);
	for (i = 0; i < PARSE_WORKERS; i++) {
		if (pthread_create(&p->workers[i], NULL, parse_worker, p) != 0)
			log_fatal("cannot start a parse worker thread");
	}
	pthread_mutex_init(&p->index_lock, NULL);
	pthread_cond_init(&p->index_wake, NULL);
	if (pthread_create(&p->indexer, NULL, index_worker, p) != 0)
		log_fatal("cannot start the search indexer thread");
	return p;
}

/* ---------------------------------------------------------------- search indexer */

/* Indexes everything queued; false when the index cannot be written. */
static bool
index_all(struct pipeline *p, struct store_indexer *ix)
{
	int n;

	do {
		n = store_indexer_run(ix, STORE_INDEX_BATCH);
		pthread_mutex_lock(&p->index_lock);
		p->index_done = store_indexer_done(ix);
		pthread_mutex_unlock(&p->index_lock);
	} while (n > 0);
	return n == 0;
}

/*
 * The indexer thread: its own connections to the store (read) and the
 * index file (write), so indexing runs while the pipeline thread stores
 * the next feeds.  When told to quit it first indexes what is queued, so
 * `crier fetch` leaves a complete index behind.
 */
static void *
index_worker(void *arg)
{
	struct pipeline *p = arg;
	struct store_indexer *ix;
	struct timespec until;
	char *err = NULL;
	bool quit = false;

	ix = store_indexer_open(store_path(p->c->store), &err);
	if (ix == NULL) {
		log_error("search indexer cannot start: new posts are not searchable",
		    "error=%s", log_quote(err));
		free(err);
		return NULL;
	}
	while (!quit) {
		if (!index_all(p, ix))
			log_error("search indexer failed; it tries again in a second", "done=%lld",
			    (long long)store_indexer_done(ix));
		pthread_mutex_lock(&p->index_lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		while (!p->index_kick && !p->index_quit &&
		    pthread_cond_timedwait(&p->index_wake, &p->index_lock, &until) == 0)
			;
		p->index_kick = false;
		quit = p->index_quit;
		pthread_mutex_unlock(&p->index_lock);
	}
	index_all(p, ix);
	store_indexer_close(ix);
	return NULL;
}

static void
index_wake(struct pipeline *p, bool quit)
{
	pthread_mutex_lock(&p->index_lock);
	p->index_kick = true;
	p->index_quit |= quit;
	pthread_cond_signal(&p->index_wake);
	pthread_mutex_unlock(&p->index_lock);
}

/* The pipeline thread forgets queue entries the indexer is done with. */
static void
index_prune(struct pipeline *p, int64_t min_gain)
{
	int64_t done;

	pthread_mutex_lock(&p->index_lock);
	done = p->index_done;
	pthread_mutex_unlock(&p->index_lock);
	if (done - p->index_pruned < min_gain || done <= p->index_pruned)
		return;
	pthread_mutex_lock(&p->c->write_lock);
	if (store_search_queue_prune(p->c->store, done) == 0)
		p->index_pruned = done;
	pthread_mutex_unlock(&p->c->write_lock);
}

void
pipeline_free(struct pipeline *p)
{
	struct job *j;
	size_t i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->jobs_lock);
	p->quit = true;
	pthread_cond_broadcast(&p->jobs_ready);
	pthread_mutex_unlock(&p->jobs_lock);
	for (i = 0; i < PARSE_WORKERS; i++)
		pthread_join(p->workers[i], NULL);
	index_wake(p, true);
	pthread_join(p->indexer, NULL);
	index_prune(p, 1);
	pthread_mutex_destroy(&p->index_lock);
	pthread_cond_destroy(&p->index_wake);
	/* jobs not committed (the daemon is stopping): their feeds are fetched again */
	while ((j = job_pop(&p->todo)) != NULL || (j = job_pop(&p->done)) != NULL) {
		fetch_result_free(j->r);
		job_free(j);
	}
	fetch_free(p->fetcher);
	while (p->flights.next != &p->flights)
		in_flight_free(p->flights.next);
	pthread_mutex_destroy(&p->jobs_lock);
	pthread_cond_destroy(&p->jobs_ready);
	pthread_cond_destroy(&p->jobs_done);
	free(p->busy);
	free(p);
}

const struct pipeline_stats *
pipeline_stats(const struct pipeline *p)
{
	return &p->stats;
}

static struct in_flight *
in_flight_new(struct pipeline *p, enum flight_kind kind)
{
	struct in_flight *f = xcalloc(1, sizeof(*f));

	f->kind = kind;
	f->next = p->flights.next;
	f->prev = &p->flights;
	p->flights.next->prev = f;
	p->flights.next = f;
	return f;
}

static void
in_flight_free(struct in_flight *f)
{
	f->prev->next = f->next;
	f->next->prev = f->prev;
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
	fl = in_flight_new(p, FLIGHT_FEED);
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
	int rc;

	/* the writer connection is shared with the publishers (HTTP threads) */
	pthread_mutex_lock(&p->c->write_lock);
	rc = store_feeds_due(p->c->store, util_now(), all || feed_id != 0, queue_feed, &q);
	pthread_mutex_unlock(&p->c->write_lock);
	return rc == -1 ? -1 : q.queued;
}


/* ---------------------------------------------------------------- stages */

/* What plugins queued with http_post, into the outbox (after their hooks). */
static void
flush_plugin_posts(struct crier *c)
{
	if (c->plugins == NULL)
		return;
	pthread_mutex_lock(&c->write_lock);
	plugin_flush(c->plugins, c->store);
	pthread_mutex_unlock(&c->write_lock);
}

/* Every write of the daemon goes through here: one writer, one lock. */
static int
commit(struct crier *c, const struct feed_update *u, struct post *const *posts, size_t n,
    struct save_stats *st)
{
	int rc;

	pthread_mutex_lock(&c->write_lock);
	rc = store_feed_commit(c->store, u, posts, n, st);
	pthread_mutex_unlock(&c->write_lock);
	return rc;
}

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
	bool need_text = tag_rules_read_content(p->c->rules);
	size_t i;

	for (i = 0; i < doc->n_items; i++) {
		struct post *post = doc->items[i];
		if (need_text && post->content_html != NULL && post->search_text == NULL) {
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
    const char *error, bool gone, struct fetch_outcome *out)
{
	struct feed_update u;
	int64_t now = util_now();

	buf_puts(&out->error, error);
	out->gone = gone;

	memset(&u, 0, sizeof(u));
	u.feed_id = fl->id;
	u.fetched_at = now;
	u.status = r->status;
	u.error = error;
	u.gone = gone;
	u.next_fetch_at = sched_after_failure(now, fl->interval, fl->error_count + 1,
	    r->retry_after, p->c->cfg->max_backoff);
	if (commit(p->c, &u, NULL, 0, NULL) == -1)
		log_error("could not record a failed fetch", "feed=%lld", (long long)fl->id);
	out->failed = true;
	log_warn(gone ? "feed gone" : "feed failed",
	    "feed=%lld url=%s status=%ld error=%s next_fetch_in=%llds", (long long)fl->id,
	    log_quote(fl->url), r->status, log_quote(error), (long long)(u.next_fetch_at - now));
}

/* The feed as plugins see it while its posts go through. */
static void
feed_view(struct crier_feed *v, const struct in_flight *fl, const struct fetch_result *r)
{
	memset(v, 0, sizeof(*v));
	v->id = fl->id;
	v->url = fl->url;
	v->name = fl->display_name;
	v->status = r->status;
	v->moved_to = r->permanent_url;
	v->previous_error_count = fl->error_count;
}

/* [post_filter] hook point: plugins may edit each post, or drop it. */
static void
filter_posts(struct pipeline *p, struct feed_doc *doc, struct crier_feed *feed)
{
	size_t i, kept = 0;

	if (!plugin_has(p->c->plugins, CRIER_HOOK_POST_FILTER))
		return;
	for (i = 0; i < doc->n_items; i++) {
		if (plugin_run_post_filter(p->c->plugins, feed, doc->items[i], doc->arena) == 0)
			doc->items[kept++] = doc->items[i];
	}
	doc->n_items = kept;
}

/* [post_stored] hook point: the posts the commit added or changed. */
static void
announce_stored(struct pipeline *p, const struct feed_doc *doc, struct crier_feed *feed)
{
	size_t i;

	if (!plugin_has(p->c->plugins, CRIER_HOOK_POST_STORED))
		return;
	for (i = 0; i < doc->n_items; i++) {
		const struct post *post = doc->items[i];
		if (post->change != POST_UNCHANGED)
			plugin_run_post_stored(p->c->plugins, feed, post,
			    post->change == POST_NEW ? "new" : "updated");
	}
	flush_plugin_posts(p->c);
}

/* The worker's half of a 2xx body: hash, parse, tag.  No store access. */
static void
parse_job(struct pipeline *p, struct job *j)
{
	struct parse_options opt;
	const struct fetch_result *r = j->r;
	const struct in_flight *fl = j->fl;
	char charset[64];
	size_t i;

	util_digest_hex(r->body.data, r->body.len, j->body_hash);
	if (fl->body_hash != NULL && strcmp(fl->body_hash, j->body_hash) == 0) {
		j->unchanged = true;    /* the server ignored our validators; nothing changed */
		return;
	}
	memset(&opt, 0, sizeof(opt));
	opt.base_url = r->final_url != NULL ? r->final_url : fl->url;
	opt.http_charset = content_type_charset(r->content_type, charset, sizeof(charset));
	opt.now = j->now;
	j->doc = parse_feed(buf_str(&r->body), r->body.len, &opt);
	for (i = 0; i < j->doc->n_items; i++) {
		j->doc->items[i]->fetched_at = j->now;
		j->doc->items[i]->feed_id = fl->id;
		j->doc->items[i]->team_id = fl->team_id;
	}
	tag_posts(p, j->doc, fl);
}

/*
 * A parse worker's second half: filter, store.  Runs under the write lock,
 * so the post_filter plugins and the store see one feed at a time, as
 * with publishing.  Counting and announcing are left to the pipeline
 * thread (count_outcome, commit_done).
 */
static void
store_job(struct pipeline *p, struct job *j)
{
	const struct in_flight *fl = j->fl;
	const struct fetch_result *r = j->r;
	struct fetch_outcome *out = &j->out;
	struct feed_doc *doc = j->doc;
	struct feed_update u;
	struct save_stats st;

	memset(&u, 0, sizeof(u));
	u.feed_id = fl->id;
	u.fetched_at = j->now;
	u.status = r->status;
	u.success = true;
	u.next_fetch_at = sched_after_success(j->now, fl->interval);
	u.set_validators = true;
	u.etag = r->etag;
	u.last_modified = r->last_modified;
	u.new_url = r->permanent_url;
	if (j->unchanged) {
		commit(p->c, &u, NULL, 0, NULL);
		out->unchanged = true;
		out->moved_to = r->permanent_url;
		return;
	}
	if (doc->format == FORMAT_UNKNOWN && doc->n_items == 0) {
		struct buf msg = BUF_INIT;
		buf_printf(&msg, "not a feed: the response (%s) is not RSS, Atom or JSON Feed",
		    r->content_type != NULL ? r->content_type : "no content type");
		record_failure(p, fl, r, buf_str(&msg), false, out);
		buf_free(&msg);
		return;
	}
	if (doc->bozo)
		log_info("feed is not well-formed; recovered what could be read",
		    "feed=%lld url=%s reason=%s", (long long)fl->id, log_quote(fl->url),
		    log_quote(doc->bozo_reason));
	feed_view(&j->feed, fl, r);
	filter_posts(p, doc, &j->feed);
	u.body_hash = j->body_hash;
	u.title = doc->title;
	u.site_url = doc->home_page_url;
	if (commit(p->c, &u, doc->items, doc->n_items, &st) == -1) {
		record_failure(p, fl, r, "could not save the posts (database error; see the log)", false,
		    out);
		return;
	}
	j->stored = true;
	out->moved_to = r->permanent_url;
	out->new_posts = st.new_posts;
	out->updated_posts = st.updated_posts;
	if (st.new_posts + st.updated_posts > 0 || r->permanent_url != NULL)
		log_info("feed fetched", "feed=%lld url=%s items=%zu new=%zu updated=%zu%s%s",
		    (long long)fl->id, log_quote(fl->url), doc->n_items, st.new_posts,
		    st.updated_posts, r->permanent_url ? " moved_to=" : "",
		    r->permanent_url ? log_quote(r->permanent_url) : "");
}

/* The counts of a finished fetch (the pipeline thread's own). */
static void
count_outcome(struct pipeline *p, const struct fetch_outcome *out)
{
	if (out->failed) {
		p->stats.failed++;
		p->c->stats.fetches_failed++;
		return;
	}
	p->stats.ok++;
	if (out->unchanged) {
		p->stats.unchanged++;
		p->c->stats.fetches_unchanged++;
		return;
	}
	p->stats.new_posts += out->new_posts;
	p->stats.updated_posts += out->updated_posts;
	p->unindexed += out->new_posts + out->updated_posts;
	p->c->stats.fetches_ok++;
	p->c->stats.posts_new += out->new_posts;
	p->c->stats.posts_updated += out->updated_posts;
}

/* [feed_fetched] hook point: once the fetch's outcome is recorded, so
 * plugins see what the sources page will show (a body that is not a
 * feed is a failure too). */
static void
announce_fetched(struct pipeline *p, const struct in_flight *fl, const struct fetch_result *r,
    const struct fetch_outcome *out)
{
	struct crier_feed f;

	if (!plugin_has(p->c->plugins, CRIER_HOOK_FEED_FETCHED))
		return;
	feed_view(&f, fl, r);
	f.error = out->error.len ? buf_str(&out->error) : NULL;
	f.moved_to = out->moved_to;
	f.error_count = f.error != NULL ? fl->error_count + 1 : 0;
	f.gone = out->gone;
	f.unchanged = out->unchanged;
	plugin_run_feed_fetched(p->c->plugins, &f);
	flush_plugin_posts(p->c);
}

static void on_outbox_result(struct pipeline *p, struct in_flight *fl, struct fetch_result *r);

/* A feed's fetch is over (its outcome recorded): hooks, counts, cleanup. */
static void
finish_feed(struct pipeline *p, struct in_flight *fl, struct fetch_result *r, struct fetch_outcome *out)
{
	count_outcome(p, out);
	announce_fetched(p, fl, r, out);
	buf_free(&out->error);
	p->stats.done++;
	busy_remove(p, fl->id);
	in_flight_free(fl);
	fetch_result_free(r);
}

static void
job_push(struct job_queue *q, struct job *j)
{
	j->next = NULL;
	if (q->tail != NULL)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
}

static struct job *
job_pop(struct job_queue *q)
{
	struct job *j = q->head;

	if (j != NULL) {
		q->head = j->next;
		if (q->head == NULL)
			q->tail = NULL;
	}
	return j;
}

/* A parse worker: takes bodies from todo, parses and stores them, hands
 * them back in done. */
static void *
parse_worker(void *arg)
{
	struct pipeline *p = arg;
	struct job *j;

	pthread_mutex_lock(&p->jobs_lock);
	for (;;) {
		while (!p->quit && p->todo.head == NULL)
			pthread_cond_wait(&p->jobs_ready, &p->jobs_lock);
		if (p->quit)
			break;
		j = job_pop(&p->todo);
		pthread_mutex_unlock(&p->jobs_lock);
		parse_job(p, j);
		pthread_mutex_lock(&p->c->write_lock);
		store_job(p, j);
		pthread_mutex_unlock(&p->c->write_lock);
		pthread_mutex_lock(&p->jobs_lock);
		job_push(&p->done, j);
		pthread_cond_signal(&p->jobs_done);
	}
	pthread_mutex_unlock(&p->jobs_lock);
	return NULL;
}

static void
job_free(struct job *j)
{
	buf_free(&j->out.error);
	feed_doc_free(j->doc);
	free(j);
}

/*
 * Commits the jobs the worker has finished.  With wait_for_room, first
 * waits until fewer than PARSE_JOBS_MAX are outstanding: that is the
 * back pressure that keeps bodies from piling up in memory while curl
 * delivers them faster than they can be parsed.
 */
static void
commit_done(struct pipeline *p, bool wait_for_room)
{
	struct job_queue done;
	struct job *j;

	pthread_mutex_lock(&p->jobs_lock);
	while (wait_for_room && p->jobs >= PARSE_JOBS_MAX && p->done.head == NULL)
		pthread_cond_wait(&p->jobs_done, &p->jobs_lock);
	done = p->done;
	p->done.head = p->done.tail = NULL;
	pthread_mutex_unlock(&p->jobs_lock);
	while ((j = job_pop(&done)) != NULL) {
		if (j->stored)
			announce_stored(p, j->doc, &j->feed);
		finish_feed(p, j->fl, j->r, &j->out);
		job_free(j);
		pthread_mutex_lock(&p->jobs_lock);
		p->jobs--;
		pthread_mutex_unlock(&p->jobs_lock);
	}
}

static void
queue_job(struct pipeline *p, struct in_flight *fl, struct fetch_result *r)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->fl = fl;
	j->r = r;
	j->now = util_now();
	commit_done(p, true);
	pthread_mutex_lock(&p->jobs_lock);
	job_push(&p->todo, j);
	p->jobs++;
	pthread_cond_signal(&p->jobs_ready);
	pthread_mutex_unlock(&p->jobs_lock);
}

static void
on_fetched(struct fetch_result *r, void *arg)
{
	struct pipeline *p = arg;
	struct in_flight *fl = r->user;
	struct buf msg = BUF_INIT;
	struct fetch_outcome out;

	if (fl->kind == FLIGHT_OUTBOX) {
		on_outbox_result(p, fl, r);
		busy_remove(p, -fl->id);
		in_flight_free(fl);
		fetch_result_free(r);
		return;
	}
	memset(&out, 0, sizeof(out));
	if (r->error != NULL) {
		record_failure(p, fl, r, r->error, false, &out);
	} else if (r->status == 304) {
		struct feed_update u;
		memset(&u, 0, sizeof(u));
		u.feed_id = fl->id;
		u.fetched_at = util_now();
		u.status = 304;
		u.success = true;
		u.next_fetch_at = sched_after_success(u.fetched_at, fl->interval);
		commit(p->c, &u, NULL, 0, NULL);
		out.unchanged = true;
	} else if (r->status == 410) {
		record_failure(p, fl, r, "HTTP 410 Gone: the publisher removed this feed; it is no "
		    "longer polled", true, &out);
	} else if (r->status >= 200 && r->status < 300) {
		queue_job(p, fl, r);    /* finished later, in commit_done */
		buf_free(&msg);
		return;
	} else {
		buf_printf(&msg, "HTTP %ld %s", r->status, status_reason(r->status));
		if (r->retry_after > 0)
			buf_printf(&msg, " (Retry-After: %llds)", (long long)r->retry_after);
		record_failure(p, fl, r, buf_str(&msg), false, &out);
	}
	finish_feed(p, fl, r, &out);
	buf_free(&msg);
}

/* Wakes the indexer after commits; forgets indexed queue entries now and then. */
static void
index_if_due(struct pipeline *p)
{
	if (p->unindexed > 0) {
		index_wake(p, false);
		p->unindexed = 0;
	}
	index_prune(p, 10000);
}

size_t
pipeline_run(struct pipeline *p, int timeout_ms)
{
	size_t pending, jobs;

	commit_done(p, false);
	pending = fetch_run(p->fetcher, timeout_ms, on_fetched, p);
	commit_done(p, false);
	pthread_mutex_lock(&p->jobs_lock);
	/* nothing left to fetch: wait for the worker instead of spinning (only
	 * while nothing is done, so a signal sent before we got here is not missed) */
	while (pending == 0 && p->jobs > 0 && p->done.head == NULL)
		pthread_cond_wait(&p->jobs_done, &p->jobs_lock);
	pthread_mutex_unlock(&p->jobs_lock);
	commit_done(p, false);
	pthread_mutex_lock(&p->jobs_lock);
	jobs = p->jobs;
	pthread_mutex_unlock(&p->jobs_lock);
	index_if_due(p);
	return pending + jobs;
}

/* ---------------------------------------------------------------- outbox */

struct outbox_ctx {
	struct pipeline *p;
};

static int
queue_outbox_item(struct outbox_item *it, void *arg)
{
	struct outbox_ctx *o = arg;
	struct pipeline *p = o->p;
	struct fetch_request req;
	struct in_flight *fl;
	char *headers[16];
	size_t nh = 0;
	char *copy = NULL, *line, *save = NULL;

	if (busy_has(p, -it->id))
		return 0;
	memset(&req, 0, sizeof(req));
	if (it->headers != NULL) {
		copy = xstrdup(it->headers);
		for (line = strtok_r(copy, "\n", &save); line != NULL && nh + 1 < NELEM(headers);
		    line = strtok_r(NULL, "\n", &save))
			headers[nh++] = line;
	}
	headers[nh] = NULL;
	fl = in_flight_new(p, FLIGHT_OUTBOX);
	fl->id = it->id;
	fl->attempts = it->attempts;
	fl->url = xstrdup(it->url);
	fl->display_name = xstrdup(it->purpose);
	req.method = FETCH_POST;
	req.url = it->url;
	req.content_type = it->content_type;
	req.body = it->body.data;
	req.body_len = it->body.len;
	req.headers = (const char *const *)headers;
	req.user = fl;
	req.id = it->id;
	if (fetch_add(p->fetcher, &req) == -1) {
		pthread_mutex_lock(&p->c->write_lock);
		store_outbox_failed(p->c->store, it->id, "not an http(s) URL", 0, true);
		pthread_mutex_unlock(&p->c->write_lock);
		in_flight_free(fl);
	} else {
		busy_add(p, -it->id);
	}
	free(copy);
	return 0;
}

void
pipeline_queue_outbox(struct pipeline *p)
{
	struct outbox_ctx o = { p };

	pthread_mutex_lock(&p->c->write_lock);
	plugin_flush(p->c->plugins, p->c->store);      /* what render and micropub hooks queued */
	store_outbox_due(p->c->store, util_now(), OUTBOX_BATCH, queue_outbox_item, &o);
	pthread_mutex_unlock(&p->c->write_lock);
}

static void
on_outbox_result(struct pipeline *p, struct in_flight *fl, struct fetch_result *r)
{
	struct buf msg = BUF_INIT;
	int64_t now = util_now(), delay;
	bool give_up;

	pthread_mutex_lock(&p->c->write_lock);
	if (r->error == NULL && r->status >= 200 && r->status < 300) {
		store_outbox_done(p->c->store, fl->id, now);
		pthread_mutex_unlock(&p->c->write_lock);
		log_info("delivered", "purpose=%s url=%s status=%ld", log_quote(fl->display_name),
		    log_quote(fl->url), r->status);
		return;
	}
	if (r->error != NULL)
		buf_puts(&msg, r->error);
	else
		buf_printf(&msg, "HTTP %ld %s", r->status, status_reason(r->status));
	/* 1, 2, 4 ... minutes, at most an hour; ten tries, then it stays in the
	 * outbox with its error for an operator to see */
	delay = 60;
	for (int64_t i = 0; i < fl->attempts && delay < 3600; i++)
		delay *= 2;
	if (delay > 3600)
		delay = 3600;
	give_up = fl->attempts + 1 >= OUTBOX_MAX_ATTEMPTS;
	store_outbox_failed(p->c->store, fl->id, buf_str(&msg), now + delay, give_up);
	pthread_mutex_unlock(&p->c->write_lock);
	log_msg(give_up ? LOG_ERROR : LOG_WARN, give_up ? "delivery given up" : "delivery failed; will retry",
	    "purpose=%s url=%s error=%s attempt=%lld", log_quote(fl->display_name), log_quote(fl->url),
	    log_quote(buf_str(&msg)), (long long)(fl->attempts + 1));
	buf_free(&msg);
}

/* ---------------------------------------------------------------- publishing */

char *
pipeline_permalink(const struct crier *c, int64_t id, const char *slug)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%spost/%lld", c->cfg->base_url, (long long)id);
	if (slug != NULL && *slug != '\0')
		buf_printf(&b, "-%s", slug);
	return buf_steal(&b);
}

/*
 * WebSub: tells the hub that the feeds a post appears in have changed.
 * One queued POST per feed URL (hub.mode=publish, hub.url=...); the
 * poller delivers them with retries.  Called with the write lock held.
 */
static void
ping_hub(struct crier *c, const struct post *p)
{
	static const char *const exts[] = { "atom", "rss", "json" };
	const char *hub = c->cfg->websub_hub;
	struct buf url = BUF_INIT, body = BUF_INIT, slug = BUF_INIT;
	const char *bases[64];
	char *owned[64];
	size_t nb = 0, no = 0, i, e, t;
	char week[16];
	time_t tt;
	struct tm tm;

	if (hub == NULL)
		return;
	bases[nb++] = "feed";
	if (p->team_id != 0 && store_team_slug(c->store, p->team_id, &slug) == 0) {
		buf_printf(&url, "team/%s", buf_str(&slug));
		owned[no++] = buf_steal(&url);
		bases[nb++] = owned[no - 1];
	}
	for (t = 0; t < p->n_tags && nb < 60; t++) {
		if (!util_slugify(&slug, p->tags[t].label, 64))
			continue;
		buf_printf(&url, "tag/%s", buf_str(&slug));
		owned[no++] = buf_steal(&url);
		bases[nb++] = owned[no - 1];
	}
	tt = (time_t)p->published_at;
	gmtime_r(&tt, &tm);
	strftime(week, sizeof(week), "%G-W%V", &tm);
	buf_printf(&url, "week/%s", week);
	owned[no++] = buf_steal(&url);
	bases[nb++] = owned[no - 1];
	/* one transaction for all of a post's pings: a commit each cost more than the post */
	store_begin(c->store);
	for (i = 0; i < nb; i++) {
		for (e = 0; e < NELEM(exts); e++) {
			buf_reset(&url);
			buf_reset(&body);
			buf_printf(&url, "%s%s.%s", c->cfg->base_url, bases[i], exts[e]);
			buf_puts(&body, "hub.mode=publish&hub.url=");
			util_percent_encode(&body, buf_str(&url));
			store_outbox_add(c->store, hub, "application/x-www-form-urlencoded", body.data,
			    body.len, NULL, "websub", util_now());
		}
	}
	if (store_commit(c->store) == -1)
		log_error("could not queue WebSub pings", "hub=%s", log_quote(hub));
	for (i = 0; i < no; i++)
		free(owned[i]);
	buf_free(&url);
	buf_free(&body);
	buf_free(&slug);
}

/* The post's HTML: Markdown rendered, or HTML as given, or text escaped;
 * then any photos.  Not yet sanitized. */
static int
raw_html(const struct publish_request *rq, struct buf *html, char **err)
{
	size_t i, len = rq->content != NULL ? strlen(rq->content) : 0;

	if (len > MARKDOWN_MAX_BYTES) {
		*err = xstrdup("the content is larger than 512 KiB");
		return -1;
	}
	if (rq->content != NULL) {
		switch (rq->content_kind) {
		case CONTENT_MARKDOWN:
			if (markdown_to_html(html, rq->content, len) == -1) {
				*err = xstrdup("the Markdown could not be rendered");
				return -1;
			}
			break;
		case CONTENT_HTML:
			buf_append(html, rq->content, len);
			break;
		case CONTENT_TEXT:
			buf_puts(html, "<p>");
			html_escape(html, rq->content, len);
			buf_puts(html, "</p>");
			break;
		}
	}
	for (i = 0; i < rq->n_photos; i++) {
		const char *alt = rq->photo_alts != NULL && rq->photo_alts[i] != NULL ? rq->photo_alts[i] : "";
		buf_puts(html, "<figure><img src=\"");
		html_escape(html, rq->photos[i], strlen(rq->photos[i]));
		buf_puts(html, "\" alt=\"");
		html_escape(html, alt, strlen(alt));
		buf_puts(html, "\"></figure>");
	}
	return 0;
}

/* Fills a local post from a request (everything in arena a). */
static int
build_post(struct crier *c, const struct publish_request *rq, const struct local_post *old,
    struct arena *a, struct post *p, char **err)
{
	struct buf html = BUF_INIT, clean = BUF_INIT, text = BUF_INIT, slug = BUF_INIT, h = BUF_INIT;
	char guid[64];
	unsigned char raw[16];
	char hash[65];
	size_t i;
	int64_t now = util_now();

	if (raw_html(rq, &html, err) == -1)
		goto fail;
	sanitize_html(&clean, buf_str(&html), html.len, c->cfg->base_url);
	html_to_text(&text, buf_str(&clean), clean.len);
	memset(p, 0, sizeof(*p));
	p->kind = POST_LOCAL;
	p->status = rq->draft ? POST_DRAFT : POST_PUBLISHED;
	p->team_id = old != NULL ? old->team_id : rq->team_id;
	if (rq->title != NULL && *rq->title != '\0') {
		struct buf t = BUF_INIT;
		text_collapse(&t, rq->title, strlen(rq->title));
		p->title = arena_strdup(a, buf_str(&t));
		buf_free(&t);
	}
	p->content_html = clean.len ? arena_strdup(a, buf_str(&clean)) : NULL;
	p->search_text = arena_strdup(a, buf_str(&text));
	p->summary = rq->summary != NULL ? arena_strdup(a, rq->summary) : NULL;
	p->markdown = rq->content_kind == CONTENT_MARKDOWN ? arena_strdup(a, rq->content) : NULL;
	p->properties = arena_strdup(a, rq->properties);
	if (rq->author != NULL) {
		p->authors = arena_alloc(a, sizeof(*p->authors));
		p->authors[0].name = arena_strdup(a, rq->author);
		p->n_authors = 1;
	}
	/* identity: kept on update; a given one for imports; else a new UUID */
	if (old != NULL) {
		p->guid = arena_strdup(a, old->guid);
		p->id = old->id;
	} else if (rq->guid != NULL) {
		p->guid = arena_strdup(a, rq->guid);
	} else {
		randombytes_buf(raw, sizeof(raw));
		raw[6] = (unsigned char)((raw[6] & 0x0f) | 0x40);
		raw[8] = (unsigned char)((raw[8] & 0x3f) | 0x80);
		snprintf(guid, sizeof(guid), "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		    "%02x%02x%02x%02x%02x%02x", raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6],
		    raw[7], raw[8], raw[9], raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]);
		p->guid = arena_strdup(a, guid);
	}
	/* the slug: asked for (made safe), kept, from the title, or none */
	if (rq->slug != NULL && util_slugify(&slug, rq->slug, 60))
		p->slug = arena_strdup(a, buf_str(&slug));
	else if (old != NULL && old->slug != NULL)
		p->slug = arena_strdup(a, old->slug);
	else if (p->title != NULL && util_slugify(&slug, p->title, 60))
		p->slug = arena_strdup(a, buf_str(&slug));
	p->published_at = rq->published_at != 0 ? rq->published_at :
	    old != NULL && old->published_at != 0 ? old->published_at : now;
	if (p->published_at > now && p->status == POST_PUBLISHED)
		p->published_at = now;
	p->updated_at = now;
	p->fetched_at = now;
	for (i = 0; i < rq->n_categories; i++)
		post_add_tag(a, p, rq->categories[i], TAG_MANUAL);
	tag_apply_rules(c->rules, a, p, NULL, NULL);
	/* what makes a visible change (the status too: a draft published is a change) */
	buf_printf(&h, "%s\x1f%s\x1f%s\x1f%d\x1f%s\x1f%lld\x1f%s", p->title ? p->title : "",
	    p->content_html ? p->content_html : "", p->summary ? p->summary : "", (int)p->status,
	    p->slug ? p->slug : "", (long long)p->published_at, p->properties ? p->properties : "");
	for (i = 0; i < p->n_tags; i++)
		buf_printf(&h, "\x1f%s", p->tags[i].label);
	util_digest_hex(h.data, h.len, hash);
	memcpy(p->content_hash, hash, sizeof(p->content_hash));
	buf_free(&html);
	buf_free(&clean);
	buf_free(&text);
	buf_free(&slug);
	buf_free(&h);
	return 0;
fail:
	buf_free(&html);
	buf_free(&clean);
	buf_free(&text);
	buf_free(&slug);
	buf_free(&h);
	return -1;
}

/* [post_published] hook point: after the write lock is released, so
 * plugins never hold up other publishers. */
static void
announce_published(struct crier *c, const struct post *p, const char *change, const char *permalink)
{
	if (!plugin_has(c->plugins, CRIER_HOOK_POST_PUBLISHED))
		return;
	plugin_run_post_published(c->plugins, p, change, permalink);
	flush_plugin_posts(c);
}

/* What a publish did, for post_published; NULL when nothing public changed. */
static const char *
publish_change(const struct post *p, const struct local_post *old)
{
	bool was_public = old != NULL && old->status == POST_PUBLISHED;

	if (p->status == POST_PUBLISHED)
		return was_public ? "updated" : "published";
	return was_public ? "unpublished" : NULL;
}

int
pipeline_publish(struct crier *c, const struct publish_request *rq, struct publish_result *out,
    char **err)
{
	struct local_post old;
	struct arena *a = arena_new();
	struct post p;
	const char *change = NULL;
	bool have_old = false;
	int rc = -1;

	*err = NULL;
	memset(out, 0, sizeof(out[0]));
	memset(&old, 0, sizeof(old));
	memset(&p, 0, sizeof(p));
	pthread_mutex_lock(&c->write_lock);
	if (rq->post_id != 0) {
		int found = store_local_get(c->store, rq->post_id, &old);
		if (found != 0) {
			*err = xstrdup(found == 1 ? "there is no such post" : "the database could not be read");
			goto done;
		}
		have_old = true;
	}
	if (build_post(c, rq, have_old ? &old : NULL, a, &p, err) == -1)
		goto done;
	/* [post_filter] hook point: plugins may edit the post or drop it */
	if (plugin_run_post_filter(c->plugins, NULL, &p, a) == 1) {
		*err = xstrdup("a plugin declined the post (the server log says which)");
		goto done;
	}
	if (store_local_save(c->store, &p) == -1) {
		*err = xstrdup("the post could not be saved (database error; see the log)");
		goto done;
	}
	store_index_pending(c->store);
	out->id = p.id;
	out->permalink = pipeline_permalink(c, p.id, p.slug);
	out->changed = true;
	change = publish_change(&p, have_old ? &old : NULL);
	if (change != NULL)
		ping_hub(c, &p);
	rc = 0;
	log_info(have_old ? "post updated" : "post published", "id=%lld status=%s url=%s",
	    (long long)p.id, p.status == POST_DRAFT ? "draft" : "published", log_quote(out->permalink));
done:
	pthread_mutex_unlock(&c->write_lock);
	if (rc == 0 && change != NULL)
		announce_published(c, &p, change, out->permalink);
	local_post_clear(&old);
	arena_free(a);
	return rc;
}

int
pipeline_set_status(struct crier *c, int64_t post_id, enum post_status status)
{
	struct local_post old;
	struct post p;
	char *permalink;
	int rc;

	memset(&old, 0, sizeof(old));
	memset(&p, 0, sizeof(p));
	pthread_mutex_lock(&c->write_lock);
	rc = store_local_get(c->store, post_id, &old);
	if (rc == 0)
		rc = store_post_set_status(c->store, post_id, status, util_now());
	if (rc == 0) {
		p.id = post_id;
		p.kind = POST_LOCAL;
		p.status = status;
		p.guid = old.guid;
		p.title = old.title;
		p.slug = old.slug;
		p.markdown = old.markdown;
		p.published_at = old.published_at;
		p.team_id = old.team_id;
		if (c->cfg->websub_hub != NULL) {
			/* its tag feeds change too: the tags are read back as labels */
			struct arena *a = arena_new();
			struct buf tags = BUF_INIT;
			if (store_post_tags(c->store, post_id, &tags) == 0)
				tag_add_list(a, &p, buf_str(&tags), TAG_MANUAL);
			ping_hub(c, &p);
			buf_free(&tags);
			arena_free(a);
		}
	}
	pthread_mutex_unlock(&c->write_lock);
	if (rc == 0) {
		log_info(status == POST_DELETED ? "post deleted" : "post restored", "id=%lld",
		    (long long)post_id);
		/* [post_published] hook point: drafts were never public */
		if (old.status == POST_PUBLISHED || status == POST_PUBLISHED) {
			permalink = pipeline_permalink(c, post_id, old.slug);
			announce_published(c, &p, status == POST_DELETED ? "deleted" : "restored", permalink);
			free(permalink);
		}
	}
	local_post_clear(&old);
	return rc;
}

/* ---------------------------------------------------------------- seeds */

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
is_markdown(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 3 && strcmp(d->d_name + n - 3, ".md") == 0;
}

/* Publishes one seed file unless it was published before. */
static int
seed_file(struct crier *c, int64_t team_id, const char *team, const char *path, const char *name)
{
	struct front_matter fm;
	struct publish_request rq;
	struct publish_result res;
	struct buf file = BUF_INIT, guid = BUF_INIT;
	char *err = NULL, **tags = NULL;
	size_t n_tags = 0;
	int64_t id, when = 0;
	int rc = 0;

	buf_printf(&guid, "seed:%s/%s", team, name);
	pthread_mutex_lock(&c->write_lock);
	rc = store_local_find(c->store, buf_str(&guid), &id);
	pthread_mutex_unlock(&c->write_lock);
	if (rc != 1) {
		buf_free(&guid);
		return 0;       /* published before (or unreadable): leave it */
	}
	if (util_read_file(path, &file, MARKDOWN_MAX_BYTES) == -1) {
		log_warn("seed file unreadable", "path=%s", log_quote(path));
		buf_free(&guid);
		return 0;
	}
	front_matter_parse(buf_str(&file), file.len, &fm);
	memset(&rq, 0, sizeof(rq));
	rq.team_id = team_id;
	rq.guid = buf_str(&guid);
	rq.title = fm.title;
	rq.content = xstrndup(fm.body, fm.body_len);
	rq.content_kind = CONTENT_MARKDOWN;
	rq.slug = fm.slug;
	rq.draft = fm.draft;
	if (fm.date != NULL && date_parse(fm.date, &when))
		rq.published_at = when;
	if (fm.tags != NULL) {
		char *copy = xstrdup(fm.tags), *tok, *save = NULL;
		for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
			struct slice sl = slice_trim(slice_from(tok));
			if (sl.len == 0)
				continue;
			tags = xrealloc(tags, (n_tags + 1) * sizeof(*tags));
			tags[n_tags++] = xstrndup(sl.ptr, sl.len);
		}
		free(copy);
		rq.categories = (const char *const *)tags;
		rq.n_categories = n_tags;
	}
	if (pipeline_publish(c, &rq, &res, &err) == 0) {
		rc = 1;
		free(res.permalink);
	} else {
		log_warn("seed file not published", "path=%s error=%s", log_quote(path), log_quote(err));
		free(err);
	}
	while (n_tags > 0)
		free(tags[--n_tags]);
	free(tags);
	free((void *)(uintptr_t)rq.content);
	front_matter_clear(&fm);
	buf_free(&file);
	buf_free(&guid);
	return rc;
}

int
pipeline_seed(struct crier *c)
{
	struct dirent **names;
	struct buf path = BUF_INIT;
	int64_t team_id;
	size_t t;
	int n, i, published = 0;

	for (t = 0; t < c->cfg->n_teams; t++) {
		const struct config_team *team = &c->cfg->teams[t];
		if (team->seed == NULL)
			continue;
		pthread_mutex_lock(&c->write_lock);
		n = store_team_find(c->store, team->slug, &team_id);
		pthread_mutex_unlock(&c->write_lock);
		if (n != 0)
			continue;
		n = scandir(team->seed, &names, is_markdown, by_name);
		if (n < 0) {
			log_warn("seed folder unreadable", "team=%s path=%s", team->slug, log_quote(team->seed));
			continue;
		}
		for (i = 0; i < n; i++) {
			buf_reset(&path);
			buf_printf(&path, "%s/%s", team->seed, names[i]->d_name);
			published += seed_file(c, team_id, team->slug, buf_str(&path), names[i]->d_name);
			free(names[i]);
		}
		free(names);
	}
	buf_free(&path);
	if (published > 0)
		log_info("seed posts published", "posts=%d", published);
	return published;
}
