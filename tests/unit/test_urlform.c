/*
 * test_urlform.c: urlform_parse() against a table of bodies and the
 * fields they hold, written out as "name=value|name=value" with the
 * decoded bytes, and a table of bodies it must refuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "urlform.h"
#include "util.h"

struct good_case {
	const char *body;
	const char *want;       /* fields joined: name=value|name=value */
};

static const struct good_case good[] = {
	{ "", "" },
	{ "a=1", "a=1" },
	{ "a=1&b=2", "a=1|b=2" },
	{ "a=1&&b=2&", "a=1|b=2" },                     /* empty pairs skipped */
	{ "a", "a=" },                                  /* no '=': empty value */
	{ "a=", "a=" },
	{ "=x", "=x" },                                 /* empty name kept */
	{ "a=b=c", "a=b=c" },                           /* split on the first '=' */
	{ "t=Week+47%3A+forms", "t=Week 47: forms" },
	{ "t=a%2Bb", "t=a+b" },                         /* %2B is a plus, + a space */
	{ "t=100%", "t=100%" },                         /* a lone % stays */
	{ "t=%zz%4", "t=%zz%4" },                       /* so do bad escapes */
	{ "t=%4a%4A", "t=JJ" },                         /* either case of hex */
	{ "t=%C3%A9t%C3%A9", "t=\xC3\xA9t\xC3\xA9" },   /* UTF-8 kept */
	{ "t=%FF", "t=\xEF\xBF\xBD" },                  /* invalid UTF-8 repaired */
	{ "md=line1%0D%0Aline2", "md=line1\r\nline2" },
	{ "a%20b=c", "a b=c" },                         /* names are decoded too */
	{ "a=1&a=2", "a=1|a=2" },                       /* repeats kept in order */
};

static void
joined(const struct urlform *f, struct buf *out)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		buf_printf(out, "%s%s=%s", i ? "|" : "", f->fields[i].name, f->fields[i].value);
}

static void
test_good(void **state)
{
	struct urlform f;
	struct buf b = BUF_INIT;
	const char *err;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(good); i++) {
		int rc = urlform_parse(good[i].body, strlen(good[i].body), 100, &f, &err);
		if (rc != 0)
			fail_msg("%s: refused (%s)", good[i].body, err);
		buf_reset(&b);
		joined(&f, &b);
		if (strcmp(buf_str(&b), good[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", good[i].body, buf_str(&b), good[i].want);
		urlform_free(&f);
	}
	buf_free(&b);
}

static void
test_bad(void **state)
{
	static const char *const bad[] = { "a=%00", "%00=1", "a=1&b=x%00y" };
	struct urlform f;
	const char *err;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		if (urlform_parse(bad[i], strlen(bad[i]), 100, &f, &err) != -1)
			fail_msg("%s: accepted", bad[i]);
		assert_non_null(err);
		urlform_free(&f);
	}
	assert_int_equal(urlform_parse("a=1&b=2&c=3", 11, 2, &f, &err), -1);
	assert_string_equal(err, "the form has too many fields");
	urlform_free(&f);
	assert_int_equal(urlform_parse("a=1&b=2", 7, 2, &f, &err), 0);
	urlform_free(&f);
}

static void
test_get(void **state)
{
	struct urlform f;
	const char *err;

	(void)state;
	assert_int_equal(urlform_parse("a=1&b=&a=2", 10, 10, &f, &err), 0);
	assert_string_equal(urlform_get(&f, "a"), "1");
	assert_string_equal(urlform_get(&f, "b"), "");
	assert_null(urlform_get(&f, "c"));
	assert_null(urlform_get(&f, "A"));
	urlform_free(&f);
	urlform_free(&f);       /* twice is harmless */
}

/* The body's bytes are not NUL-terminated at len: only len is read. */
static void
test_length(void **state)
{
	struct urlform f;
	const char *err;

	(void)state;
	assert_int_equal(urlform_parse("a=12&b=3", 3, 10, &f, &err), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(urlform_get(&f, "a"), "1");
	assert_int_equal(f.fields[0].value_len, 1);
	urlform_free(&f);
	assert_int_equal(urlform_parse("a=%4", 4, 10, &f, &err), 0);
	assert_string_equal(urlform_get(&f, "a"), "%4");
	urlform_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_length),
	};
	return cmocka_run_group_tests_name("urlform", tests, NULL, NULL);
}
