/*
 * ratelimit.c: failure counts per key in a fixed table (see ratelimit.h).
 *
 * A slot holds a key, how many failures it has had, and when the first
 * of them happened; the window runs from there.  Lookups scan the table
 * (logins are rare and each costs an argon2id hash, so a few thousand
 * comparisons are noise), which also finds the slot to reuse.
 */
#include "ratelimit.h"
#include "util.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	char key[RATELIMIT_KEY_MAX + 1];    /* "" when free */
	unsigned failures;
	int64_t window_start;
};

struct ratelimit {
	pthread_mutex_t lock;
	struct slot *slots;
	size_t n;
	unsigned max_failures;
	int64_t window_s;
};

struct ratelimit *
ratelimit_new(size_t slots, unsigned max_failures, int64_t window_s)
{
	struct ratelimit *rl = xcalloc(1, sizeof(*rl));

	pthread_mutex_init(&rl->lock, NULL);
	rl->n = slots > 0 ? slots : 1;
	rl->slots = xcalloc(rl->n, sizeof(*rl->slots));
	rl->max_failures = max_failures;
	rl->window_s = window_s;
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl->slots);
	free(rl);
}

static bool
live(const struct ratelimit *rl, const struct slot *s, int64_t now)
{
	return s->key[0] != '\0' && now - s->window_start < rl->window_s;
}

/* key cut to the length slots keep */
static void
slot_key(const char *key, char out[RATELIMIT_KEY_MAX + 1])
{
	snprintf(out, RATELIMIT_KEY_MAX + 1, "%s", key);
}

/* The live slot of key, or NULL.  Called with the lock held. */
static struct slot *
find(struct ratelimit *rl, const char *key, int64_t now)
{
	size_t i;

	for (i = 0; i < rl->n; i++) {
		if (live(rl, &rl->slots[i], now) && strcmp(rl->slots[i].key, key) == 0)
			return &rl->slots[i];
	}
	return NULL;
}

/* A free or expired slot, else the one whose window started first. */
static struct slot *
victim(struct ratelimit *rl, int64_t now)
{
	struct slot *oldest = &rl->slots[0];
	size_t i;

	for (i = 0; i < rl->n; i++) {
		if (!live(rl, &rl->slots[i], now))
			return &rl->slots[i];
		if (rl->slots[i].window_start < oldest->window_start)
			oldest = &rl->slots[i];
	}
	return oldest;
}

int64_t
ratelimit_wait(struct ratelimit *rl, const char *key, int64_t now)
{
	char k[RATELIMIT_KEY_MAX + 1];
	struct slot *s;
	int64_t wait = 0;

	slot_key(key, k);
	pthread_mutex_lock(&rl->lock);
	s = find(rl, k, now);
	if (s != NULL && s->failures >= rl->max_failures)
		wait = s->window_start + rl->window_s - now;
	pthread_mutex_unlock(&rl->lock);
	return wait;
}

void
ratelimit_fail(struct ratelimit *rl, const char *key, int64_t now)
{
	char k[RATELIMIT_KEY_MAX + 1];
	struct slot *s;

	if (key[0] == '\0')
		return;
	slot_key(key, k);
	pthread_mutex_lock(&rl->lock);
	s = find(rl, k, now);
	if (s == NULL) {
		s = victim(rl, now);
		memcpy(s->key, k, sizeof(s->key));
		s->failures = 0;
		s->window_start = now;
	}
	s->failures++;
	pthread_mutex_unlock(&rl->lock);
}

void
ratelimit_clear(struct ratelimit *rl, const char *key)
{
	char k[RATELIMIT_KEY_MAX + 1];
	size_t i;

	slot_key(key, k);
	pthread_mutex_lock(&rl->lock);
	for (i = 0; i < rl->n; i++) {
		if (strcmp(rl->slots[i].key, k) == 0)
			memset(&rl->slots[i], 0, sizeof(rl->slots[i]));
	}
	pthread_mutex_unlock(&rl->lock);
}
