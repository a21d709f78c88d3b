/*
 * test_url.c: unit tests for daemon/url.c.
 *
 * Table-driven: the reference resolution examples of RFC 3986 section
 * 5.4 (normal and abnormal), then the quirks the feed corpus needs
 * (IRIs kept as characters, surrounding whitespace, empty references,
 * original percent-escapes preserved), the same through one url_base
 * kept for many references, then the scheme helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "url.h"

struct resolve_case {
	const char *base;
	const char *ref;
	const char *want;
	int rc;
};

#define RFC_BASE "http://a/b/c/d;p?q"

/* RFC 3986 5.4.1 (normal) and 5.4.2 (abnormal) examples. */
static const struct resolve_case rfc3986[] = {
	{ RFC_BASE, "g:h", "g:h", 0 },
	{ RFC_BASE, "g", "http://a/b/c/g", 0 },
	{ RFC_BASE, "./g", "http://a/b/c/g", 0 },
	{ RFC_BASE, "g/", "http://a/b/c/g/", 0 },
	{ RFC_BASE, "/g", "http://a/g", 0 },
	{ RFC_BASE, "//g", "http://g", 0 },
	{ RFC_BASE, "?y", "http://a/b/c/d;p?y", 0 },
	{ RFC_BASE, "g?y", "http://a/b/c/g?y", 0 },
	{ RFC_BASE, "#s", "http://a/b/c/d;p?q#s", 0 },
	{ RFC_BASE, "g#s", "http://a/b/c/g#s", 0 },
	{ RFC_BASE, "g?y#s", "http://a/b/c/g?y#s", 0 },
	{ RFC_BASE, ";x", "http://a/b/c/;x", 0 },
	{ RFC_BASE, "g;x", "http://a/b/c/g;x", 0 },
	{ RFC_BASE, "g;x?y#s", "http://a/b/c/g;x?y#s", 0 },
	{ RFC_BASE, "", "http://a/b/c/d;p?q", 0 },
	{ RFC_BASE, ".", "http://a/b/c/", 0 },
	{ RFC_BASE, "./", "http://a/b/c/", 0 },
	{ RFC_BASE, "..", "http://a/b/", 0 },
	{ RFC_BASE, "../", "http://a/b/", 0 },
	{ RFC_BASE, "../g", "http://a/b/g", 0 },
	{ RFC_BASE, "../..", "http://a/", 0 },
	{ RFC_BASE, "../../", "http://a/", 0 },
	{ RFC_BASE, "../../g", "http://a/g", 0 },
	/* 5.4.2 */
	{ RFC_BASE, "../../../g", "http://a/g", 0 },
	{ RFC_BASE, "../../../../g", "http://a/g", 0 },
	{ RFC_BASE, "/./g", "http://a/g", 0 },
	{ RFC_BASE, "/../g", "http://a/g", 0 },
	{ RFC_BASE, "g.", "http://a/b/c/g.", 0 },
	{ RFC_BASE, ".g", "http://a/b/c/.g", 0 },
	{ RFC_BASE, "g..", "http://a/b/c/g..", 0 },
	{ RFC_BASE, "..g", "http://a/b/c/..g", 0 },
	{ RFC_BASE, "./../g", "http://a/b/g", 0 },
	{ RFC_BASE, "./g/.", "http://a/b/c/g/", 0 },
	{ RFC_BASE, "g/./h", "http://a/b/c/g/h", 0 },
	{ RFC_BASE, "g/../h", "http://a/b/c/h", 0 },
	{ RFC_BASE, "g;x=1/./y", "http://a/b/c/g;x=1/y", 0 },
	{ RFC_BASE, "g;x=1/../y", "http://a/b/c/y", 0 },
	{ RFC_BASE, "g?y/./x", "http://a/b/c/g?y/./x", 0 },
	{ RFC_BASE, "g?y/../x", "http://a/b/c/g?y/../x", 0 },
	{ RFC_BASE, "g#s/./x", "http://a/b/c/g#s/./x", 0 },
	{ RFC_BASE, "g#s/../x", "http://a/b/c/g#s/../x", 0 },
	{ RFC_BASE, "http:g", "http:g", 0 },
};

/* What feeds need beyond the RFC. */
static const struct resolve_case quirks[] = {
	/* no base: the trimmed reference as it is */
	{ NULL, "g", "g", 0 },
	{ "", "/g", "/g", 0 },
	{ NULL, "", "", 0 },
	{ NULL, "  http://example.com/  ", "http://example.com/", 0 },
	/* href="" resolves to the base itself */
	{ "http://example.com/feed/", "", "http://example.com/feed/", 0 },
	{ "http://example.com/feed/", " \t\n", "http://example.com/feed/", 0 },
	/* surrounding whitespace is trimmed */
	{ "http://example.com/", " /relative/uri ", "http://example.com/relative/uri", 0 },
	{ "http://example.com/a/", "\n\tb\r\n", "http://example.com/a/b", 0 },
	/* IRIs stay characters, in the base and in the reference */
	{ "http://www.\xe8\xa9\xb9\xe5\xa7\x86\xe6\x96\xaf.com/", "feed",
	  "http://www.\xe8\xa9\xb9\xe5\xa7\x86\xe6\x96\xaf.com/feed", 0 },
	{ "http://example.com/blog/", "caf\xc3\xa9/ni\xc3\xb1o?q=\xe2\x82\xac#\xc3\xa9",
	  "http://example.com/blog/caf\xc3\xa9/ni\xc3\xb1o?q=\xe2\x82\xac#\xc3\xa9", 0 },
	/* escapes that were in the input are kept exactly */
	{ "http://example.com/a/", "b%2Fc%41", "http://example.com/a/b%2Fc%41", 0 },
	{ "http://example.com/a%2Fb/c", "d", "http://example.com/a%2Fb/d", 0 },
	{ "http://example.com/", "%E8%A9%B9", "http://example.com/%E8%A9%B9", 0 },
	{ "http://example.com/", "a?x=1%262&y=%20", "http://example.com/a?x=1%262&y=%20", 0 },
	/* inner spaces and other refused bytes are escaped */
	{ "http://example.com/", "a b", "http://example.com/a%20b", 0 },
	{ "http://example.com/", "a|b{c}", "http://example.com/a%7Cb%7Bc%7D", 0 },
	/* absolute references are returned as they are */
	{ "http://example.com/", "HTTPS://Example.COM/x/../y", "HTTPS://Example.COM/x/../y", 0 },
	{ "http://example.com/", "mailto:a@example.com", "mailto:a@example.com", 0 },
	{ "http://example.com/", "javascript:alert(1)", "javascript:alert(1)", 0 },
	/* relative references against other bases */
	{ "http://example.com", "b", "http://example.com/b", 0 },
	{ "http://example.com/x/y", "//cdn.example.net/i.png", "http://cdn.example.net/i.png", 0 },
	{ "https://example.com/x/y", "/..", "https://example.com/", 0 },
	{ "http://example.com/x/", "/a/./b/../c?d/../e", "http://example.com/a/c?d/../e", 0 },
	/* a reference libxml2 cannot parse: -1 and the trimmed reference */
	{ "http://example.com/", " a#b#c ", "a#b#c", -1 },
};

static void
run_resolve(const struct resolve_case *c, size_t n)
{
	struct buf out = BUF_INIT;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		buf_reset(&out);
		rc = url_resolve(&out, c[i].base, c[i].ref);
		if (strcmp(buf_str(&out), c[i].want) != 0 || rc != c[i].rc)
			print_error("case %zu: base=%s ref=\"%s\": got \"%s\" (%d), want \"%s\" (%d)\n",
			    i, c[i].base ? c[i].base : "(null)", c[i].ref,
			    buf_str(&out), rc, c[i].want, c[i].rc);
		assert_string_equal(buf_str(&out), c[i].want);
		assert_int_equal(rc, c[i].rc);
	}
	buf_free(&out);
}

static void
test_rfc3986(void **state)
{
	(void)state;
	run_resolve(rfc3986, sizeof(rfc3986) / sizeof(rfc3986[0]));
}

static void
test_quirks(void **state)
{
	(void)state;
	run_resolve(quirks, sizeof(quirks) / sizeof(quirks[0]));
}

static void
test_resolve_appends(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	buf_puts(&out, "x=");
	assert_int_equal(url_resolve(&out, "http://a/b", "c"), 0);
	assert_string_equal(buf_str(&out), "x=http://a/c");
	buf_free(&out);
}

static void
test_resolve_null_ref(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(url_resolve(&out, "http://a/b", NULL), 0);
	assert_string_equal(buf_str(&out), "http://a/b");
	buf_free(&out);
}

static void
test_resolve_capped(void **state)
{
	struct buf out;

	(void)state;
	buf_init(&out, 10);
	assert_int_equal(url_resolve(&out, "http://example.com/", "long/path"), -1);
	buf_free(&out);
}

/*
 * One url_base for many references (what the sanitizer does): every case
 * of both tables, each resolved twice through a base kept across cases,
 * gives what url_resolve() gives.
 */
static void
test_base_reuse(void **state)
{
	const struct resolve_case *tables[] = { rfc3986, quirks };
	size_t sizes[] = { sizeof(rfc3986) / sizeof(rfc3986[0]), sizeof(quirks) / sizeof(quirks[0]) };
	struct url_base b;
	struct buf out = BUF_INIT;
	const char *base = NULL;
	size_t t, i, k;
	int rc;

	(void)state;
	url_base_init(&b, NULL);
	for (t = 0; t < 2; t++) {
		for (i = 0; i < sizes[t]; i++) {
			const struct resolve_case *c = &tables[t][i];

			if (i == 0 || base != c->base) {
				url_base_free(&b);
				url_base_init(&b, c->base);
				base = c->base;
			}
			for (k = 0; k < 2; k++) {
				buf_reset(&out);
				rc = url_base_resolve(&b, &out, c->ref, strlen(c->ref));
				if (strcmp(buf_str(&out), c->want) != 0 || rc != c->rc)
					print_error("table %zu case %zu pass %zu: got \"%s\" (%d)\n",
					    t, i, k, buf_str(&out), rc);
				assert_string_equal(buf_str(&out), c->want);
				assert_int_equal(rc, c->rc);
			}
		}
	}
	url_base_free(&b);
	buf_free(&out);
}

/* The reference is taken by length: what follows it is not read. */
static void
test_base_length(void **state)
{
	struct url_base b;
	struct buf out = BUF_INIT;

	(void)state;
	url_base_init(&b, "http://a/b/c");
	assert_int_equal(url_base_resolve(&b, &out, "d/e?f#g", 3), 0);
	assert_string_equal(buf_str(&out), "http://a/b/d/e");
	buf_reset(&out);
	assert_int_equal(url_base_resolve(&b, &out, "/x/../y  ", 7), 0);
	assert_string_equal(buf_str(&out), "http://a/y");
	url_base_free(&b);
	buf_free(&out);
}

/*
 * The escaped reference and the escaped base together stay within
 * 6 * CAP_URL_BYTES + 1 bytes; past that the reference is refused.
 * Every '%' is sent as "%25": 3 bytes each.
 */
static void
test_base_escaped_limit(void **state)
{
	struct buf base = BUF_INIT, ref = BUF_INIT, out = BUF_INIT;
	size_t i, room = 6 * 8192 + 1;

	(void)state;
	buf_puts(&base, "http://a/");
	for (i = 0; i < 8000; i++)
		buf_putc(&base, '%');
	/* escaped base: 9 + 24000 bytes; the NUL between them: 1 */
	for (i = 0; 3 * (i + 1) + 1 + 9 + 24000 <= room; i++)
		buf_putc(&ref, '%');
	assert_int_equal(url_resolve(&out, base.data, ref.data), 0);
	buf_reset(&out);
	buf_putc(&ref, '%');
	assert_int_equal(url_resolve(&out, base.data, ref.data), -1);
	assert_string_equal(buf_str(&out), ref.data);
	buf_free(&base);
	buf_free(&ref);
	buf_free(&out);
}

struct scheme_case {
	const char *url;
	const char *scheme;     /* NULL: none */
	bool http;
};

static const struct scheme_case schemes[] = {
	{ "http://a/", "http", true },
	{ "HTTPS://a/", "https", true },
	{ "hTtP://a/", "http", true },
	{ "mailto:a@b", "mailto", false },
	{ "JavaScript:alert(1)", "javascript", false },
	{ "view-source+x.y:z", "view-source+x.y", false },
	{ "//a/b", NULL, false },
	{ "/a:b", NULL, false },
	{ "a/b:c", NULL, false },
	{ "1http://a", NULL, false },
	{ " http://a", NULL, false },
	{ "http", NULL, false },
	{ "", NULL, false },
	{ "verylongschemename:x", NULL, false },        /* does not fit out[16] */
};

static void
test_scheme(void **state)
{
	char out[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		bool got = url_scheme(schemes[i].url, out, sizeof(out));

		if (got != (schemes[i].scheme != NULL))
			print_error("case %zu: %s\n", i, schemes[i].url);
		assert_int_equal(got, schemes[i].scheme != NULL);
		if (got)
			assert_string_equal(out, schemes[i].scheme);
		assert_int_equal(url_is_http(schemes[i].url), schemes[i].http);
	}
	assert_false(url_scheme(NULL, out, sizeof(out)));
	assert_true(url_scheme_n("ftp://x", 7, NULL, 0));
	assert_false(url_scheme_n("ftp://x", 3, NULL, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3986),
		cmocka_unit_test(test_quirks),
		cmocka_unit_test(test_resolve_appends),
		cmocka_unit_test(test_resolve_null_ref),
		cmocka_unit_test(test_resolve_capped),
		cmocka_unit_test(test_base_reuse),
		cmocka_unit_test(test_base_length),
		cmocka_unit_test(test_base_escaped_limit),
		cmocka_unit_test(test_scheme),
	};
	return cmocka_run_group_tests_name("url", tests, NULL, NULL);
}
