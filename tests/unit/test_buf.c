/* test_buf.c: struct buf caps, arenas, and the util helpers they lean on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "util.h"

static void
test_buf_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "12345678"), 0);
	assert_int_equal(buf_putc(&b, '9'), -1);        /* over the cap: refused */
	assert_string_equal(buf_str(&b), "12345678");   /* and unchanged */
	assert_int_equal(buf_printf(&b, "%d", 1), -1);
	buf_reset(&b);
	assert_int_equal(buf_printf(&b, "%s-%d", "ab", 42), 0);
	assert_string_equal(buf_str(&b), "ab-42");
	buf_free(&b);
	assert_string_equal(buf_str(&b), "");
}

static void
test_arena(void **state)
{
	struct arena *a = arena_new();
	struct ptrvec pv = { 0 };
	char *big;
	int i;

	(void)state;
	for (i = 0; i < 10000; i++)
		ptrvec_push(a, &pv, arena_printf(a, "item %d", i));
	assert_int_equal(pv.n, 10000);
	assert_string_equal(pv.v[9999], "item 9999");
	big = arena_alloc(a, 1 << 20);              /* larger than a chunk */
	memset(big, 'x', 1 << 20);
	assert_string_equal(arena_strndup(a, "hello world", 5), "hello");
	assert_null(arena_strdup(a, NULL));
	assert_string_equal(pv.v[0], "item 0");     /* earlier data intact */
	arena_free(a);
	arena_free(NULL);
}

static void
test_slugify(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "Open Data!", "open-data" },
		{ "  weeknotes  ", "weeknotes" },
		{ "Week 47 -- notes", "week-47-notes" },
		{ "Café société", "café-société" },
		{ "C++/C#", "c-c" },
		{ "!!!", "" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		util_slugify(&b, cases[i].in, 64);
		assert_string_equal(buf_str(&b), cases[i].out);
	}
	util_slugify(&b, "abcdefghij", 4);
	assert_string_equal(buf_str(&b), "abcd");
	buf_free(&b);
}

static void
test_durations_sizes(void **state)
{
	(void)state;
	assert_int_equal(util_parse_duration("30m"), 1800);
	assert_int_equal(util_parse_duration("2h"), 7200);
	assert_int_equal(util_parse_duration("90"), 90);
	assert_int_equal(util_parse_duration("1d"), 86400);
	assert_int_equal(util_parse_duration("5x"), -1);
	assert_int_equal(util_parse_duration("-1m"), -1);
	assert_int_equal(util_parse_size("16M"), 16 * 1024 * 1024);
	assert_int_equal(util_parse_size("512k"), 512 * 1024);
	assert_int_equal(util_parse_size("1GiB"), 1024LL * 1024 * 1024);
	assert_int_equal(util_parse_size("12q"), -1);
	assert_int_equal(util_parse_bool("Yes"), 1);
	assert_int_equal(util_parse_bool("off"), 0);
	assert_int_equal(util_parse_bool("maybe"), -1);
}

static void
test_utf8_and_json(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	util_utf8_repair(&b, "ok \xC3\xA9 bad \xFF\xC3 end", 17);
	assert_string_equal(buf_str(&b), "ok \xC3\xA9 bad \xEF\xBF\xBD\xEF\xBF\xBD end");
	assert_true(util_utf8_valid("h\xC3\xA9llo", 6));
	assert_false(util_utf8_valid("\xED\xA0\x80", 3));      /* a surrogate */
	assert_false(util_utf8_valid("\xC0\xAF", 2));          /* overlong */
	buf_reset(&b);
	util_json_string(&b, "a\"b\\c\n\x01");
	assert_string_equal(buf_str(&b), "\"a\\\"b\\\\c\\n\\u0001\"");
	buf_free(&b);
}

static void
test_times(void **state)
{
	char out[40];

	(void)state;
	util_rfc3339(1700000000, out);
	assert_string_equal(out, "2023-11-14T22:13:20Z");
	util_http_date(1700000000, out);
	assert_string_equal(out, "Tue, 14 Nov 2023 22:13:20 GMT");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_slugify),
		cmocka_unit_test(test_durations_sizes),
		cmocka_unit_test(test_utf8_and_json),
		cmocka_unit_test(test_times),
	};
	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
