/*
 * sched.h: when a feed is fetched next.
 *
 * After a success: now + interval.  After the n-th failure in a row:
 * now + interval * 2^(n-1), capped at max_backoff (24 h by default), and
 * never sooner than a Retry-After the server sent (itself capped at
 * max_backoff, so a hostile header cannot park a feed for years).
 */
#ifndef CRIER_SCHED_H
#define CRIER_SCHED_H

#include <stdint.h>

int64_t sched_after_success(int64_t now, int64_t interval);
int64_t sched_after_failure(int64_t now, int64_t interval, int64_t error_count,
    int64_t retry_after, int64_t max_backoff);

#endif
