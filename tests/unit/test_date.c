/*
 * test_date.c: date_parse() against a table of inputs and the UTC
 * seconds they mean (computed independently with Python's
 * calendar.timegm), and a table of inputs it must refuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "date.h"
#include "util.h"

struct good_case {
	const char *in;
	int64_t want;
};

static const struct good_case good[] = {
	{ "Thu, 01 Jan 2004 19:48:21 GMT", 1072986501LL },
	{ "Sat, 28 Sep 2002 21:00:02 GMT", 1033246802LL },
	{ "Fri, 25 Dec 2009 03:30:22 +0000", 1261711822LL },
	{ "Mon, 06 Sep 2010 00:01:00 +0200", 1283724060LL },
	{ "Mon, 06 Sep 2010 00:01:00 -0730", 1283758260LL },
	{ "Mon, 06 Sep 2010 00:01:00 -07:30", 1283758260LL },
	{ "Tue, 10 Jun 2003 04:00:00 UT", 1055217600LL },
	{ "Tue, 10 Jun 2003 04:00:00 UTC", 1055217600LL },
	{ "Tue, 10 Jun 2003 04:00:00 Z", 1055217600LL },
	{ "Tue, 10 Jun 2003 04:00:00 EST", 1055235600LL },
	{ "Tue, 10 Jun 2003 04:00:00 EDT", 1055232000LL },
	{ "Tue, 10 Jun 2003 04:00:00 CST", 1055239200LL },
	{ "Tue, 10 Jun 2003 04:00:00 CDT", 1055235600LL },
	{ "Tue, 10 Jun 2003 04:00:00 MST", 1055242800LL },
	{ "Tue, 10 Jun 2003 04:00:00 MDT", 1055239200LL },
	{ "Tue, 10 Jun 2003 04:00:00 PST", 1055246400LL },
	{ "Tue, 10 Jun 2003 04:00:00 PDT", 1055242800LL },
	{ "Tue, 10 Jun 2003 04:00:00 pdt", 1055242800LL },
	{ "Tue, 10 Jun 2003 04:00:00 BST", 1055214000LL },
	{ "Tue, 10 Jun 2003 04:00:00 CET", 1055214000LL },
	{ "Tue, 10 Jun 2003 04:00:00 CEST", 1055210400LL },
	{ "Tue, 10 Jun 2003 04:00:00 A", 1055221200LL },
	{ "Tue, 10 Jun 2003 04:00:00 N", 1055214000LL },
	{ "Tue, 10 Jun 2003 04:00:00 Y", 1055174400LL },
	{ "Tue, 10 Jun 2003 04:00:00 GMT+01:00", 1055214000LL },
	{ "Tue, 10 Jun 2003 04:00:00 UTC-5", 1055235600LL },
	{ "Tue, 10 Jun 2003 04:00:00 +0000 (UTC)", 1055217600LL },
	{ "10 Jun 2003 04:00:00 GMT", 1055217600LL },
	{ "Tue, 3 Jun 2003 04:00:00 GMT", 1054612800LL },
	{ "Tue,03 Jun 2003 04:00:00 GMT", 1054612800LL },
	{ "Tue, 10 Jun 03 04:00:00 GMT", 1055217600LL },
	{ "Tue, 10 Jun 99 04:00:00 GMT", 928987200LL },
	{ "Tue, 10 June 2003 04:00:00 GMT", 1055217600LL },
	{ "Wed, 10 Sept 2003 04:00:00 GMT", 1063166400LL },
	{ "Wednesday, 10 September 2003 04:00:00 GMT", 1063166400LL },
	{ "tue, 10 jun 2003 04:00:00 gmt", 1055217600LL },
	{ "Tue, 10 Jun 2003 04:00 GMT", 1055217600LL },
	{ "Tue, 10 Jun 2003 04:00:00", 1055217600LL },
	{ "Tue,  10  Jun  2003  04:00:00  GMT ", 1055217600LL },
	{ "  Tue, 10 Jun 2003 04:00:00 GMT\n", 1055217600LL },
	{ "Tue, 10 Jun 2003 4:00:00 GMT", 1055217600LL },
	{ "Tue, 10 Jun 2003", 1055203200LL },
	{ "Jun 10, 2003", 1055203200LL },
	{ "Tuesday, 10-Jun-03 04:00:00 GMT", 1055217600LL },
	{ "Sun Nov  6 08:49:37 1994", 784111777LL },
	{ "Thu, 29 Feb 2024 12:00:00 GMT", 1709208000LL },
	{ "Tue, 10 Jun 2003 04:00:00.123 GMT", 1055217600LL },
	{ "Tue, 10 Jun 2003 23:59:60 GMT", 1055289599LL },
	{ "2003-12-31T10:14:55Z", 1072865695LL },
	{ "2003-12-31T10:14:55z", 1072865695LL },
	{ "2004-04-06T23:05:43-05:00", 1081310743LL },
	{ "2004-04-06T23:05:43+05:30", 1081272943LL },
	{ "2004-04-06T23:05:43.123456+01:00", 1081289143LL },
	{ "2004-04-06T23:05:43,5Z", 1081292743LL },
	{ "2004-04-06T23:05Z", 1081292700LL },
	{ "2004-04-06T23:05:43", 1081292743LL },
	{ "2004-04-06 23:05:43", 1081292743LL },
	{ "2004-04-06 23:05:43 GMT", 1081292743LL },
	{ "2004-04-06 23:05:43 +0200", 1081285543LL },
	{ "2004-04-06T23:05:43+0200", 1081285543LL },
	{ "2004-04-06T23:05:43+02", 1081285543LL },
	{ "2004-04-06T23:05:43 EST", 1081310743LL },
	{ "2004-04-06", 1081209600LL },
	{ "2004-04", 1080777600LL },
	{ "2004", 1072915200LL },
	{ "20040406T230543Z", 1081292743LL },
	{ "20040406", 1081209600LL },
	{ "2004-04-06T24:00:00Z", 1081296000LL },
	{ "1969-12-31T23:59:59Z", -1LL },
	{ "1970-01-01T00:00:00Z", 0LL },
	{ "2038-01-19T03:14:08Z", 2147483648LL },
	{ "2000-02-29T00:00:00Z", 951782400LL },
};
static const char *const bad[] = {
	"",
	"   ",
	"garbage",
	"not a date at all",
	"2003-13-01",
	"2003-02-30T00:00:00Z",
	"1900-02-29",
	"Thu, 32 Jan 2004 19:48:21 GMT",
	"Thu, 01 Foo 2004 19:48:21 GMT",
	"Thu, 01 Jan 2004 25:48:21 GMT",
	"Thu, 01 Jan 2004 19:60:21 GMT",
	"2004-04-06T23:05:43+25:00",
	"2004-04-06T23:05:43 XYZ",
	"2004-04-06Tfoo",
	"01/02/2004",
	"12:00:00",
	"Jan 2004",
	"Thu, 01 Jan 2004 19:48:21 GMT trailing",
	"2004-04-06T24:00:01Z",
	"-1",
	"99999-01-01",
	"2004-4-6",
	"Thu 01 Jan",
	"0000-01-01T00:00:00Z",
};

static void
test_good(void **state)
{
	size_t i;
	int64_t got;

	(void)state;
	for (i = 0; i < NELEM(good); i++) {
		bool ok = date_parse(good[i].in, &got);

		if (!ok || got != good[i].want)
			fail_msg("\"%s\": want %lld, got %s %lld", good[i].in,
			    (long long)good[i].want, ok ? "true" : "false", (long long)got);
	}
}

static void
test_bad(void **state)
{
	size_t i;
	int64_t got;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		if (date_parse(bad[i], &got))
			fail_msg("\"%s\" should not parse, got %lld", bad[i], (long long)got);
		assert_int_equal(got, 0);
	}
}

static void
test_null(void **state)
{
	int64_t got = 42;

	(void)state;
	assert_false(date_parse(NULL, &got));
	assert_int_equal(got, 0);
}

/* Every input prefix of a valid date must be handled without reading
 * past its end (ASan watches); the answers themselves don't matter. */
static void
test_prefixes(void **state)
{
	size_t i, n;
	int64_t got;

	(void)state;
	for (i = 0; i < NELEM(good); i++) {
		for (n = 0; good[i].in[n] != '\0'; n++) {
			char *copy = xstrndup(good[i].in, n);

			(void)date_parse(copy, &got);
			free(copy);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_prefixes),
	};
	return cmocka_run_group_tests_name("date", tests, NULL, NULL);
}
