/*
 * pipeline.h: the one file that wires the stages together.
 *
 *   sched (due feeds) ─▶ fetch ─▶ [feed_fetched] ─▶ parse + normalise +
 *   sanitize ─▶ tag ─▶ [post_filter] ─▶ store ─▶ [post_stored]
 *
 * Every write to the store goes through here (a stage never calls
 * another).  A pipeline owns a fetcher and uses the context's writer
 * store; it runs in one thread (the poller in `crier serve`, the main
 * thread in `crier fetch`).
 */
#ifndef CRIER_PIPELINE_H
#define CRIER_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crier.h"

struct crier;
struct pipeline;

struct pipeline_stats {
	size_t queued;          /* feeds handed to the fetcher so far */
	size_t done;            /* feeds finished (any outcome) */
	size_t ok;              /* fetched and stored, or unchanged */
	size_t unchanged;       /* 304, or the same body as last time */
	size_t failed;
	size_t new_posts;
	size_t updated_posts;
};

struct pipeline *pipeline_new(struct crier *c);
void pipeline_free(struct pipeline *p);        /* NULL does nothing */

/*
 * Queues the feeds that are due now (every active feed when all; only
 * feed_id when it is not 0), skipping those already in flight.  Returns
 * how many were queued, or -1.
 */
int pipeline_queue_due(struct pipeline *p, bool all, int64_t feed_id);

/*
 * Runs fetches for at most timeout_ms and processes each finished one
 * (parse, tag, store).  Returns the number still queued or in flight.
 */
size_t pipeline_run(struct pipeline *p, int timeout_ms);

const struct pipeline_stats *pipeline_stats(const struct pipeline *p);

/*
 * Sends the outbox's due POSTs (WebSub pings, webhooks) through the
 * pipeline's fetcher; results are handled by pipeline_run().
 */
void pipeline_queue_outbox(struct pipeline *p);

/* ---------------------------------------------------------------- publishing */

/*
 *   publish (Micropub / web form / CLI) ─▶ markdown ─▶ normalise ─▶
 *   sanitize ─▶ tag ─▶ [post_filter] ─▶ store ─▶ [post_published] ─▶ WebSub
 *
 * The same stages as polled posts, and the same writer.  These may be
 * called from any thread: they take c->write_lock around the store.
 */
enum content_kind { CONTENT_MARKDOWN = 0, CONTENT_HTML, CONTENT_TEXT };

struct publish_request {
	int64_t post_id;                /* 0: a new post; else the local post it replaces */
	int64_t team_id;                /* the publishing team (new posts) */
	const char *guid;               /* a stable identity for imports (seeds), or NULL */
	const char *title;              /* may be NULL (a note) */
	const char *content;            /* as content_kind says; may be NULL */
	enum content_kind content_kind;
	const char *summary;            /* plain text, or NULL */
	const char *slug;               /* wanted URL slug (mp-slug), or NULL */
	const char *const *categories;
	size_t n_categories;
	const char *const *photos;      /* image URLs */
	const char *const *photo_alts;  /* alt text for each (entries may be NULL) */
	size_t n_photos;
	int64_t published_at;           /* 0: now (a new post) or unchanged (an update) */
	bool draft;
	const char *author;             /* a display name, or NULL */
	const char *properties;         /* the Micropub properties as JSON, for q=source */
};

struct publish_result {
	int64_t id;
	char *permalink;                /* absolute URL (malloc'd; free it) */
	bool changed;                   /* false when an update changed nothing */
};

/*
 * Publishes or updates a local post.  Returns 0 and fills out, or -1 with
 * *err set (malloc'd, a sentence for the client) and nothing stored.
 */
int pipeline_publish(struct crier *c, const struct publish_request *rq, struct publish_result *out,
    char **err);

/* Deletes (POST_DELETED) or undeletes (POST_PUBLISHED) a local post; pings WebSub.
 * 0, 1 no such post, -1 error. */
int pipeline_set_status(struct crier *c, int64_t post_id, enum post_status status);

/* The absolute permalink of a post: base_url + "post/ID-SLUG" (malloc'd). */
char *pipeline_permalink(const struct crier *c, int64_t id, const char *slug);

/* Publishes each team's seed folder (config `seed =`) once: files already
 * published are skipped.  Returns the number of posts published. */
int pipeline_seed(struct crier *c);

#endif
