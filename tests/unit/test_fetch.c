/*
 * test_fetch.c: unit tests for daemon/fetch.c that need no server:
 * Retry-After parsing, the refused address ranges, the User-Agent, URL
 * checks in fetch_add, and the queues (many hosts, all refused at
 * connect time, so nothing leaves the machine).  Transfers against a
 * real server are in tests/integration/fetch_*.py.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "autoconfig.h"
#include "fetch.h"
#include "util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define NOW 1795428000          /* 2026-11-23T10:00:00Z */

static const struct {
	const char *value;
	int64_t want;
} retry_cases[] = {
	{ "120", 120 },
	{ "  120 ", 120 },
	{ "0", 0 },
	{ "", 0 },
	{ "soon", 0 },
	{ "-5", 0 },
	{ "12x", 0 },
	{ "99999999999999999999999", 365LL * 86400 },
	{ "Mon, 23 Nov 2026 10:10:00 GMT", 600 },       /* IMF-fixdate */
	{ "Monday, 23-Nov-26 10:10:00 GMT", 600 },      /* RFC 850 */
	{ "Mon Nov 23 10:10:00 2026", 600 },            /* asctime */
	{ "Mon, 23 Nov 2026 09:00:00 GMT", 0 },         /* in the past */
	{ "Mon, 23 Nov 2026 10:00:00 GMT", 0 },         /* now */
	{ "Wed, 23 Nov 2050 10:00:00 GMT", 365LL * 86400 },
};

static void
test_retry_after(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(retry_cases); i++) {
		int64_t got = fetch_parse_retry_after(retry_cases[i].value, NOW);

		if (got != retry_cases[i].want)
			fail_msg("Retry-After %s: got %lld, want %lld",
			    retry_cases[i].value, (long long)got,
			    (long long)retry_cases[i].want);
	}
	assert_int_equal(fetch_parse_retry_after(NULL, NOW), 0);
}

/* Address, and the start of the range description (NULL: public). */
static const struct {
	const char *addr;
	const char *why;
} address_cases[] = {
	{ "0.0.0.0", "unspecified" },
	{ "0.1.2.3", "unspecified" },
	{ "10.0.0.1", "private 10." },
	{ "10.255.255.255", "private 10." },
	{ "11.0.0.1", NULL },
	{ "100.63.255.255", NULL },
	{ "100.64.0.1", "CGNAT" },
	{ "100.127.255.255", "CGNAT" },
	{ "100.128.0.0", NULL },
	{ "127.0.0.1", "loopback" },
	{ "127.255.0.9", "loopback" },
	{ "169.254.169.254", "link-local" },
	{ "172.15.255.255", NULL },
	{ "172.16.0.1", "private 172.16" },
	{ "172.31.255.255", "private 172.16" },
	{ "172.32.0.0", NULL },
	{ "192.0.0.8", "IETF" },
	{ "192.0.2.1", "documentation" },
	{ "192.168.1.1", "private 192.168" },
	{ "198.18.0.1", "benchmarking" },
	{ "198.19.255.255", "benchmarking" },
	{ "198.20.0.0", NULL },
	{ "203.0.113.7", "documentation" },
	{ "224.0.0.1", "multicast" },
	{ "239.255.255.250", "multicast" },
	{ "240.0.0.1", "reserved" },
	{ "255.255.255.255", "reserved or broadcast" },
	{ "1.1.1.1", NULL },
	{ "8.8.8.8", NULL },
	{ "93.184.216.34", NULL },
	{ "::", "unspecified" },
	{ "::1", "loopback" },
	{ "::2", "unspecified" },               /* ::0.0.0.2, in 0.0.0.0/8 */
	{ "::808:808", NULL },                  /* ::8.8.8.8 */
	{ "::ffff:127.0.0.1", "loopback" },
	{ "::ffff:10.1.2.3", "private 10." },
	{ "::ffff:8.8.8.8", NULL },
	{ "::127.0.0.1", "loopback" },          /* IPv4-compatible */
	{ "::192.168.0.1", "private 192.168" },
	{ "64:ff9b::7f00:1", "loopback" },      /* NAT64 of 127.0.0.1 */
	{ "64:ff9b::808:808", NULL },
	{ "64:ff9b:1::1", "local NAT64" },
	{ "100::1", "discard" },
	{ "2001:db8::1", "documentation" },
	{ "2001::1", "Teredo" },
	{ "2002:7f00:1::1", "loopback" },       /* 6to4 of 127.0.0.1 */
	{ "2002:808:808::1", NULL },
	{ "fc00::1", "unique-local" },
	{ "fd12:3456::1", "unique-local" },
	{ "fe80::1", "link-local" },
	{ "febf::1", "link-local" },
	{ "fec0::1", "site-local" },
	{ "ff02::1", "multicast" },
	{ "2606:4700::1111", NULL },
	{ "2a00:1450:4009:81f::200e", NULL },
};

static void
test_address_refused(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(address_cases); i++) {
		unsigned char a[16];
		int family = strchr(address_cases[i].addr, ':') ? AF_INET6 : AF_INET;
		const char *got, *want = address_cases[i].why;

		assert_int_equal(inet_pton(family, address_cases[i].addr, a), 1);
		got = fetch_address_refused(family, a);
		if ((got == NULL) != (want == NULL) ||
		    (want != NULL && strncmp(got, want, strlen(want)) != 0))
			fail_msg("%s: got %s, want %s", address_cases[i].addr,
			    got ? got : "(public)", want ? want : "(public)");
	}
	assert_non_null(fetch_address_refused(AF_UNIX, "x"));
}

static void
test_user_agent(void **state)
{
	(void)state;
	assert_string_equal(fetch_user_agent(),
	    "crier/" PACKAGE_VERSION " (+https://github.com/crier-dev/crier)");
}

static const struct {
	const char *url;
	int want;
} add_cases[] = {
	{ "http://example.org/feed.xml", 0 },
	{ "https://example.org/feed.xml", 0 },
	{ "HTTPS://Example.ORG:8443/feed?x=1", 0 },
	{ "http://[2001:db8::1]/feed", 0 },
	{ "ftp://example.org/feed.xml", -1 },
	{ "file:///etc/passwd", -1 },
	{ "gopher://example.org/", -1 },
	{ "javascript:alert(1)", -1 },
	{ "example.org/feed.xml", -1 },
	{ "http://", -1 },
	{ "", -1 },
};

static void
test_add_checks_urls(void **state)
{
	struct fetch_config cfg = { 0 };
	struct fetcher *f = fetch_new(&cfg);
	size_t i, ok = 0;
	struct buf longurl = BUF_INIT;

	(void)state;
	for (i = 0; i < NELEM(add_cases); i++) {
		struct fetch_request req = { .url = add_cases[i].url };
		int got = fetch_add(f, &req);

		if (got != add_cases[i].want)
			fail_msg("fetch_add(%s): got %d, want %d", add_cases[i].url,
			    got, add_cases[i].want);
		ok += got == 0;
	}
	buf_puts(&longurl, "http://example.org/");
	while (longurl.len <= 8192)
		buf_puts(&longurl, "aaaaaaaaaaaaaaaa");
	assert_int_equal(fetch_add(f, &(struct fetch_request){ .url = longurl.data }), -1);
	assert_int_equal(fetch_add(f, &(struct fetch_request){ .url = NULL }), -1);
	assert_int_equal(fetch_pending(f), ok);
	buf_free(&longurl);
	fetch_free(f);          /* queued requests are freed, never run */
}

struct tally {
	size_t done, refused;
	int64_t id_sum;
	bool added_more;
	struct fetcher *f;
};

static void
count_result(struct fetch_result *r, void *arg)
{
	struct tally *t = arg;

	t->done++;
	t->id_sum += r->id;
	if (r->error != NULL && strstr(r->error, "private or loopback address") != NULL)
		t->refused++;
	assert_non_null(r->body.data);
	assert_int_equal(r->body.len, 0);
	assert_int_equal(r->status, 0);
	/* done may queue more work */
	if (!t->added_more) {
		struct fetch_request req = { .url = "http://127.9.9.9:1/late", .id = 100000 };

		t->added_more = true;
		assert_int_equal(fetch_add(t->f, &req), 0);
	}
	fetch_result_free(r);
}

/*
 * 1,000 requests over 250 hosts (the host table grows and shrinks), all
 * refused at connect time: every one comes back exactly once.
 */
static void
test_queue_many_hosts(void **state)
{
	struct fetch_config cfg = { .concurrency = 8, .per_host = 2 };
	struct fetcher *f = fetch_new(&cfg);
	struct tally t = { .f = f };
	int64_t want_sum = 100000;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		char url[64];
		struct fetch_request req = { .url = url, .id = i };

		snprintf(url, sizeof(url), "http://127.0.%d.%d:1/feed", i % 250 / 100,
		    i % 250 % 100 + 1);
		assert_int_equal(fetch_add(f, &req), 0);
		want_sum += i;
	}
	assert_int_equal(fetch_pending(f), 1000);
	while (fetch_run(f, 1000, count_result, &t) > 0)
		;
	assert_int_equal(t.done, 1001);
	assert_int_equal(t.refused, 1001);
	assert_int_equal(t.id_sum, want_sum);
	assert_int_equal(fetch_pending(f), 0);
	assert_int_equal(fetch_run(f, 0, count_result, &t), 0);
	fetch_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_address_refused),
		cmocka_unit_test(test_user_agent),
		cmocka_unit_test(test_add_checks_urls),
		cmocka_unit_test(test_queue_many_hosts),
	};
	return cmocka_run_group_tests_name("fetch", tests, NULL, NULL);
}
