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

#endif
