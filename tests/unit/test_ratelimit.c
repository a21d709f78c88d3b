/*
 * test_ratelimit.c: the login limiter: a key is locked out after N
 * failures within the window, until the window (from the first failure)
 * ends; clearing forgets; a full table reuses the oldest slot; keys are
 * compared whole.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ratelimit.h"
#include "util.h"

#define T0 1800000000LL

static void
test_lockout(void **state)
{
	struct ratelimit *rl = ratelimit_new(16, 5, 900);
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		ratelimit_fail(rl, "addr:192.0.2.1", T0 + i);
		assert_int_equal(ratelimit_wait(rl, "addr:192.0.2.1", T0 + i), 0);
	}
	ratelimit_fail(rl, "addr:192.0.2.1", T0 + 60);
	/* locked until 900 s after the first failure */
	assert_int_equal(ratelimit_wait(rl, "addr:192.0.2.1", T0 + 60), 840);
	assert_int_equal(ratelimit_wait(rl, "addr:192.0.2.1", T0 + 899), 1);
	assert_int_equal(ratelimit_wait(rl, "addr:192.0.2.1", T0 + 900), 0);
	/* other keys are not affected */
	assert_int_equal(ratelimit_wait(rl, "addr:192.0.2.2", T0 + 60), 0);
	assert_int_equal(ratelimit_wait(rl, "addr:192.0.2.", T0 + 60), 0);
	/* after the window a failure starts a new count */
	ratelimit_fail(rl, "addr:192.0.2.1", T0 + 901);
	assert_int_equal(ratelimit_wait(rl, "addr:192.0.2.1", T0 + 901), 0);
	ratelimit_free(rl);
}

static void
test_clear(void **state)
{
	struct ratelimit *rl = ratelimit_new(4, 2, 900);

	(void)state;
	ratelimit_fail(rl, "user:ana", T0);
	ratelimit_fail(rl, "user:ana", T0);
	assert_true(ratelimit_wait(rl, "user:ana", T0) > 0);
	ratelimit_clear(rl, "user:ana");
	assert_int_equal(ratelimit_wait(rl, "user:ana", T0), 0);
	ratelimit_fail(rl, "", T0);     /* an empty key counts nothing */
	ratelimit_fail(rl, "", T0);
	assert_int_equal(ratelimit_wait(rl, "", T0), 0);
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

/* A full table reuses the slot whose window started first. */
static void
test_full(void **state)
{
	struct ratelimit *rl = ratelimit_new(3, 1, 900);
	char key[32];
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ratelimit_fail(rl, key, T0 + i);
	}
	assert_true(ratelimit_wait(rl, "k0", T0 + 10) > 0);
	ratelimit_fail(rl, "k3", T0 + 10);      /* evicts k0 */
	assert_int_equal(ratelimit_wait(rl, "k0", T0 + 10), 0);
	assert_true(ratelimit_wait(rl, "k1", T0 + 10) > 0);
	assert_true(ratelimit_wait(rl, "k3", T0 + 10) > 0);
	ratelimit_free(rl);
}

/* Long keys are cut at RATELIMIT_KEY_MAX: the same prefix is the same key. */
static void
test_long_keys(void **state)
{
	struct ratelimit *rl = ratelimit_new(4, 1, 900);
	char a[300], b[300];

	(void)state;
	memset(a, 'x', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	b[sizeof(b) - 2] = 'y';
	ratelimit_fail(rl, a, T0);
	assert_true(ratelimit_wait(rl, b, T0) > 0);
	ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lockout),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_long_keys),
	};
	return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
