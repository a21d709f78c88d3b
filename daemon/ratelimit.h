/*
 * ratelimit.h: counts failures per key (a client address, a user name)
 * in a fixed-size table, and says how long a key must wait once it has
 * failed too often within a window.  The web editor's login uses it:
 * 5 failed logins from one address, or for one name, within 15 minutes
 * lock that address or name out until 15 minutes after the first.
 *
 * The table never grows: when it is full, the slot whose window started
 * earliest is reused, so a flood of new keys costs memory once.  Keys
 * are compared whole (up to RATELIMIT_KEY_MAX bytes; longer keys are
 * cut there).  Thread-safe: one mutex around the table.  Time is passed
 * in, so tests can move it.
 */
#ifndef CRIER_RATELIMIT_H
#define CRIER_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_KEY_MAX 96

struct ratelimit;

/* A table of slots keys; a key is locked out after max_failures within window_s. */
struct ratelimit *ratelimit_new(size_t slots, unsigned max_failures, int64_t window_s);
void ratelimit_free(struct ratelimit *rl);     /* NULL does nothing */

/* Seconds key must still wait at now (0: it may try). */
int64_t ratelimit_wait(struct ratelimit *rl, const char *key, int64_t now);

/* Counts one failure for key at now. */
void ratelimit_fail(struct ratelimit *rl, const char *key, int64_t now);

/* Forgets key's failures (after a success). */
void ratelimit_clear(struct ratelimit *rl, const char *key);

#endif
