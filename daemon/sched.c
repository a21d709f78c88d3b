/*
 * sched.c: poll intervals and backoff (see sched.h).
 */
#include "sched.h"

int64_t
sched_after_success(int64_t now, int64_t interval)
{
	return now + interval;
}

int64_t
sched_after_failure(int64_t now, int64_t interval, int64_t error_count,
    int64_t retry_after, int64_t max_backoff)
{
	int64_t delay = interval;
	int64_t n;

	for (n = 1; n < error_count && delay < max_backoff; n++)
		delay *= 2;
	if (delay > max_backoff)
		delay = max_backoff;
	if (retry_after > max_backoff)
		retry_after = max_backoff;
	if (retry_after > delay)
		delay = retry_after;
	return now + delay;
}
