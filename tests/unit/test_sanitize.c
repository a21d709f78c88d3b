/*
 * test_sanitize.c: unit tests for daemon/sanitize.c and daemon/entities.c.
 *
 * Golden fixtures first: tests/fixtures/sanitize/<case>.html is
 * sanitized against the base FIXTURE_BASE and must give <case>.expect
 * (plus one newline); the output must also be well-formed (checked by a
 * small tag balancer here) and sanitizing it again must not change it.
 * Set CRIER_UPDATE_FIXTURES=1 to rewrite the .expect files after a
 * deliberate change, then read the diff.
 *
 * Then tables: single sanitizer cases (no base, tokenizer corners, the
 * README 1.5 comment rules), plain text (README 1.4), "looks like HTML"
 * (README 1.2), whitespace collapsing, character references, escaping,
 * and the caps (output size, nesting depth, huge input).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "caps.h"
#include "entities.h"
#include "sanitize.h"
#include "util.h"

#define FIXTURE_BASE "http://example.org/blog/post.html"

/* ---------------------------------------------------------------- helpers */

static const char *
srcdir(void)
{
	const char *s = getenv("CRIER_SRCDIR");

	return s != NULL && *s != '\0' ? s : ".";
}

static void
read_fixture(const char *name, const char *ext, struct buf *out)
{
	struct buf path = BUF_INIT;

	buf_printf(&path, "%s/tests/fixtures/sanitize/%s.%s", srcdir(), name, ext);
	if (util_read_file(buf_str(&path), out, 1024 * 1024) == -1)
		fail_msg("cannot read %s", buf_str(&path));
	buf_free(&path);
}

static void
write_fixture(const char *name, const char *ext, const struct buf *data)
{
	struct buf path = BUF_INIT;
	FILE *f;

	buf_printf(&path, "%s/tests/fixtures/sanitize/%s.%s", srcdir(), name, ext);
	f = fopen(buf_str(&path), "wb");
	assert_non_null(f);
	fwrite(buf_str(data), 1, data->len, f);
	fputc('\n', f);
	fclose(f);
	buf_free(&path);
}

static char *
sanitize_str(const char *html, const char *base)
{
	struct buf out = BUF_INIT;

	assert_int_equal(sanitize_html(&out, html, strlen(html), base), 0);
	return buf_steal(&out);
}

static const char *const void_names[] = { "br", "col", "hr", "img", "source", "wbr" };

static bool
is_void(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NELEM(void_names); i++)
		if (strlen(void_names[i]) == len && memcmp(void_names[i], name, len) == 0)
			return true;
	return false;
}

/*
 * Is html well-formed as the sanitizer promises: every '<' starts a tag
 * (text has '<' escaped), attribute values are double-quoted, every
 * non-void start tag is closed in order, nothing is left open?
 */
static bool
well_formed(const char *html, size_t len)
{
	const char *stack[CAP_HTML_DEPTH + 1];
	size_t stack_len[CAP_HTML_DEPTH + 1];
	size_t depth = 0, i = 0, n;
	bool end;

	while (i < len) {
		if (html[i] == '>')
			return false;
		if (html[i] != '<') {
			i++;
			continue;
		}
		end = i + 1 < len && html[i + 1] == '/';
		i += end ? 2 : 1;
		for (n = 0; i + n < len && html[i + n] >= 'a' && html[i + n] <= 'z'; n++)
			;
		for (; i + n < len && html[i + n] >= '1' && html[i + n] <= '6'; n++)
			;
		if (n == 0)
			return false;
		if (end) {
			if (depth == 0 || stack_len[depth - 1] != n ||
			    memcmp(stack[depth - 1], html + i, n) != 0)
				return false;
			depth--;
		} else if (!is_void(html + i, n)) {
			if (depth > CAP_HTML_DEPTH)
				return false;
			stack[depth] = html + i;
			stack_len[depth++] = n;
		}
		i += n;
		/* attributes: name="value" with no raw '<', '>' or '"' inside */
		while (i < len && html[i] != '>') {
			if (html[i] == '<')
				return false;
			if (html[i] == '"') {
				for (i++; i < len && html[i] != '"'; i++)
					if (html[i] == '<' || html[i] == '>')
						return false;
			}
			i++;
		}
		if (i >= len)
			return false;
		i++;
	}
	return depth == 0;
}

/* ---------------------------------------------------------------- fixtures */

static const char *const fixtures[] = {
	"attributes",
	"blog_post",
	"bytes",
	"comments_and_declarations",
	"dropped_and_unwrapped",
	"entities",
	"script_tricks",
	"structure",
	"xss_event_handlers",
	"xss_javascript_urls",
	"xss_svg_math",
};

static void
test_fixtures(void **state)
{
	struct buf in = BUF_INIT, want = BUF_INIT, got = BUF_INIT, again = BUF_INIT;
	bool update = getenv("CRIER_UPDATE_FIXTURES") != NULL;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(fixtures); i++) {
		buf_reset(&in);
		buf_reset(&got);
		buf_reset(&again);
		read_fixture(fixtures[i], "html", &in);
		assert_int_equal(sanitize_html(&got, in.data, in.len, FIXTURE_BASE), 0);
		if (update)
			write_fixture(fixtures[i], "expect", &got);
		buf_reset(&want);
		read_fixture(fixtures[i], "expect", &want);
		buf_putc(&got, '\n');
		if (strcmp(buf_str(&got), buf_str(&want)) != 0)
			fail_msg("fixture %s:\n--- got\n%s--- want\n%s", fixtures[i],
			    buf_str(&got), buf_str(&want));
		got.data[--got.len] = '\0';
		if (!well_formed(got.data, got.len))
			fail_msg("fixture %s: output is not well-formed", fixtures[i]);
		assert_int_equal(sanitize_html(&again, got.data, got.len, FIXTURE_BASE), 0);
		if (strcmp(buf_str(&again), buf_str(&got)) != 0)
			fail_msg("fixture %s: not idempotent:\n%s", fixtures[i], buf_str(&again));
	}
	buf_free(&in);
	buf_free(&want);
	buf_free(&got);
	buf_free(&again);
}

/* ---------------------------------------------------------------- tables */

struct html_case {
	const char *in;
	const char *base;       /* NULL: none */
	const char *want;
};

static const struct html_case html_cases[] = {
	/* without a base, relative URLs stay relative; href="" stays "" */
	{ "<a href=\"/x\">x</a>", NULL,
	  "<a href=\"/x\" rel=\"nofollow noopener noreferrer ugc\">x</a>" },
	{ "<a href=\"\">x</a>", NULL,
	  "<a href=\"\" rel=\"nofollow noopener noreferrer ugc\">x</a>" },
	{ "<a href=\"\">x</a>", "http://example.com/feed",
	  "<a href=\"http://example.com/feed\" rel=\"nofollow noopener noreferrer ugc\">x</a>" },
	{ "<img src=\" relative/uri \">", "http://example.com/a/b",
	  "<img src=\"http://example.com/a/relative/uri\" loading=\"lazy\">" },
	{ "<a href=\"javascript:alert(1)\">x</a>", NULL, "<a>x</a>" },
	/* a base with a bad scheme cannot smuggle one in */
	{ "<a href=\"x\">x</a>", "javascript:alert(1)//", "<a>x</a>" },
	{ "<a href=\"http://ok/\">x</a>", "javascript:alert(1)//",
	  "<a href=\"http://ok/\" rel=\"nofollow noopener noreferrer ugc\">x</a>" },
	/* IRIs stay characters */
	{ "<a href=\"feed\">x</a>", "http://www.\xe8\xa9\xb9\xe5\xa7\x86\xe6\x96\xaf.com/",
	  "<a href=\"http://www.\xe8\xa9\xb9\xe5\xa7\x86\xe6\x96\xaf.com/feed\" "
	  "rel=\"nofollow noopener noreferrer ugc\">x</a>" },
	/* README 1.5: comments */
	{ "a<!-->b", NULL, "ab" },
	{ "a<!-->b-->c", NULL, "ac" },
	{ "a<!--->b", NULL, "ab" },
	{ "a<!---->b", NULL, "ab" },
	{ "a<!--><script>alert(1)</script>b", NULL, "ab" },
	{ "a<!-- x >b", NULL, "ab" },
	{ "a<!-- x", NULL, "a" },
	{ "sa<!-- -- nonwhitespace >fe<script>alert(1);</script>", NULL, "safe" },
	{ "a<!-- --!><img src=x onerror=alert(1)> -->b", NULL, "ab" },
	/* README 1.5: other declarations and processing instructions */
	{ "<!DOCTYPE ~", NULL, "&lt;!DOCTYPE ~" },
	{ "a<!DOCTYPE html>b", NULL, "ab" },
	{ "a<![CDATA[<b>x</b>]]>b", NULL, "a&lt;![CDATA[<b>x</b>]]&gt;b" },
	{ "a<?pi x?>b<?unterminated", NULL, "ab" },
	/* README 1.5: what is not a tag is text */
	{ "1 < 2", NULL, "1 &lt; 2" },
	{ "a <> b", NULL, "a &lt;&gt; b" },
	{ "a </> b", NULL, "a &lt;/&gt; b" },
	{ "a </ b> c", NULL, "a &lt;/ b&gt; c" },
	{ "a<3 b", NULL, "a&lt;3 b" },
	/* a tag cut off by the end of the input is dropped */
	{ "a<b title=\"x", NULL, "a" },
	{ "a<b", NULL, "a" },
	{ "a</b", NULL, "a" },
	/* script and style: raw text; end tag with optional whitespace */
	{ "a<script>x</script\n\n>b", NULL, "ab" },
	{ "a<script>x< /script>y</script>b", NULL, "ab" },
	{ "a<ScRiPt>x</sCrIpT>b", NULL, "ab" },
	{ "a<style>p{}</style >b", NULL, "ab" },
	{ "a<script>x", NULL, "a" },
	{ "a<script/>b", NULL, "ab" },
	{ "a</script>b", NULL, "ab" },
	/* the other dropped elements: to their matching end tag, nesting counted */
	{ "a<noscript>x<noscript>y</noscript>z</noscript>b", NULL, "ab" },
	{ "a<object>x<iframe>y</iframe>z</object>b", NULL, "ab" },
	{ "a<object>x<object>y</object>b", NULL, "axb" },
	{ "a<form>x", NULL, "ax" },
	{ "a<select/>b", NULL, "ab" },
	{ "a<input>b<meta>c<link>d", NULL, "abcd" },
	/* kept elements */
	{ "<P>x</P>", NULL, "<p>x</p>" },
	{ "<b>x", NULL, "<b>x</b>" },
	{ "</b>x", NULL, "x" },
	{ "<div/>x", NULL, "<div></div>x" },
	{ "<br/><br /><BR>", NULL, "<br><br><br>" },
	{ "<b><i>x</b>y</i>", NULL, "<b><i>x</i></b>y" },
	{ "<a name=\"top\" id=\"t\" class=\"c\" style=\"x\" target=\"_blank\">x</a>", NULL,
	  "<a>x</a>" },
	{ "<img src=\"a.png\"/>", NULL, "<img src=\"a.png\" loading=\"lazy\">" },
	/* attribute values: decoded once, escaped again */
	{ "<span title=\"&amp;lt;\">x</span>", NULL, "<span title=\"&amp;lt;\">x</span>" },
	{ "<span title='\"'>x</span>", NULL, "<span title=\"&quot;\">x</span>" },
	{ "<span title=a&amp;b>x</span>", NULL, "<span title=\"a&amp;b\">x</span>" },
	/* srcset: candidates checked one by one, descriptors must be w/x/h */
	{ "<img srcset=\"a.png 1x, \x15 javascript:alert(1) 2x, b.png 480w\">", NULL,
	  "<img srcset=\"a.png 1x, b.png 480w\" loading=\"lazy\">" },
	{ "<img srcset=\"a.png 1x onerror, b.png 1.5x 100h, c.png,, d.png,e.png  2x\">", NULL,
	  "<img srcset=\"b.png 1.5x 100h, c.png, d.png,e.png 2x\" loading=\"lazy\">" },
	{ "<img srcset=\"a.png (x, y) 1x, b.png 2x\">", NULL,
	  "<img srcset=\"b.png 2x\" loading=\"lazy\">" },
	{ "<img srcset=\" , ,\">", NULL, "<img loading=\"lazy\">" },
	/* (fuzzer) what cleaning leaves must still read back as one URL */
	{ "<img srcset=\"(,,\x0f, b.png 2x\">", NULL,
	  "<img srcset=\"b.png 2x\" loading=\"lazy\">" },
	{ "<img srcset=\"a\x01,b 1x\">", NULL,
	  "<img srcset=\"a,b 1x\" loading=\"lazy\">" },
	/* text */
	{ "&lt;script&gt;alert(1)&lt;/script&gt;", NULL,
	  "&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ "&#60;b&#62;", NULL, "&lt;b&gt;" },
	{ "", NULL, "" },
};

static void
test_html_table(void **state)
{
	size_t i;
	char *got;

	(void)state;
	for (i = 0; i < NELEM(html_cases); i++) {
		got = sanitize_str(html_cases[i].in, html_cases[i].base);
		if (strcmp(got, html_cases[i].want) != 0)
			fail_msg("case %zu: %s\n got: %s\nwant: %s", i,
			    html_cases[i].in, got, html_cases[i].want);
		assert_true(well_formed(got, strlen(got)));
		free(got);
	}
}

/* XSS vectors: none of these may leave anything executable behind. */
static const char *const xss_vectors[] = {
	"<script>alert(1)</script>",
	"<img src=x onerror=alert(1)>",
	"<svg onload=alert(1)>",
	"<svg><script>alert(1)</script></svg>",
	"<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
	"<a href=\"javascript:alert(1)\">x</a>",
	"<a href=\"&#106;avascript:alert(1)\">x</a>",
	"<a href=\"java&#x09;script:alert(1)\">x</a>",
	"<a href=\"jav&#x0A;ascript:alert(1)\">x</a>",
	"<a href=\"JAVASCRIPT:alert(1)\">x</a>",
	"<a href=\"\x01 javascript:alert(1)\">x</a>",
	"<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
	"<a href=\"vbscript:msgbox(1)\">x</a>",
	"<iframe src=\"javascript:alert(1)\"></iframe>",
	"<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
	"<object data=\"javascript:alert(1)\"></object>",
	"<embed src=\"javascript:alert(1)\">",
	"<form action=\"javascript:alert(1)\"><button>x</button></form>",
	"<body onload=alert(1)>",
	"<div style=\"background:url(javascript:alert(1))\">x</div>",
	"<style>@import 'javascript:alert(1)';</style>",
	"<scr<script>ipt>alert(1)</script>",
	"<<script>script>alert(1)</script>",
	"<!--><script>alert(1)</script>",
	"<!-- --!><script>alert(1)</script>",
	"<![CDATA[<script>alert(1)</script>]]>",
	"<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
	"<base href=\"javascript:alert(1)//\"><a href=x>x</a>",
	"<link rel=import href=\"javascript:alert(1)\">",
	"<img src=`javascript:alert(1)`>",
	"<img \"\"\"><script>alert(1)</script>\">",
	"<img src=\"x\"onerror=\"alert(1)\">",
	"<video><source onerror=\"alert(1)\" src=x></video>",
	"<details open ontoggle=alert(1)>",
	"<a href=\"  javascript:alert(1)\" title=\"\" onmouseover=alert(1)>x</a>",
	"<img srcset=\"javascript:alert(1) 1x, x 2x\">",
	"<xmp><script>alert(1)</script></xmp>",
	"<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
	"<template><script>alert(1)</script></template>",
	"<textarea><script>alert(1)</script></textarea>",
	"<title><script>alert(1)</script></title>",
	"<a href=\"java\0script:alert(1)\">x</a>",
};

static bool
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i, k;

	for (i = 0; hay[i] != '\0'; i++) {
		for (k = 0; k < n && hay[i + k] != '\0'; k++) {
			char c = hay[i + k];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != needle[k])
				break;
		}
		if (k == n)
			return true;
	}
	return false;
}

static void
test_xss_vectors(void **state)
{
	static const char *const bad[] = {
		"<script", "<svg", "<math", "<iframe", "<object", "<embed", "<form",
		"<meta", "<base", "<link", "<style", "<body", "javascript:",
		"vbscript:", "data:", "onerror", "onload", "ontoggle",
		"onmouseover", "srcdoc", "style=", "action=",
	};
	size_t i, k;
	char *got;

	(void)state;
	for (i = 0; i < NELEM(xss_vectors); i++) {
		got = sanitize_str(xss_vectors[i], "http://example.com/");
		for (k = 0; k < NELEM(bad); k++)
			if (contains_nocase(got, bad[k]))
				fail_msg("vector %zu: %s\nleft %s in: %s", i,
				    xss_vectors[i], bad[k], got);
		assert_true(well_formed(got, strlen(got)));
		free(got);
	}
}

struct text_case {
	const char *in;
	const char *want;
};

static const struct text_case text_cases[] = {
	/* README 1.4 */
	{ "<div>Example <b>Atom</b></div>", "Example Atom" },
	{ "History of the &lt;blink&gt; tag", "History of the <blink> tag" },
	{ "safe<script>alert(1)</script> description", "safe description" },
	{ "sa<!-- -- nonwhitespace >fe<script>alert(1);</script>", "safe" },
	{ "safe<!--", "safe" },
	{ "&lt;!DOCTYPE ~", "<!DOCTYPE ~" },
	{ "<!DOCTYPE ~", "<!DOCTYPE ~" },
	{ "a<style>p { x }</style>b", "ab" },
	{ "  lots \t of\n\r\fspace  ", "lots of space" },
	{ "&#32;x&#9;&#10;y&#32;", "x y" },
	{ "a&nbsp;b", "a\xc2\xa0" "b" },
	{ "&doesnotexist; &amp; &copy; &apos;", "&doesnotexist; & \xc2\xa9 '" },
	{ "&#150;&#x92;", "\xe2\x80\x93\xe2\x80\x99" },
	/* a space at <br> and block boundaries, none inside inline markup */
	{ "<p>one</p><p>two</p>", "one two" },
	{ "a<br>b", "a b" },
	{ "<li>a</li><li>b</li>", "a b" },
	{ "a<b>b</b>c", "abc" },
	{ "<p> </p><p>x</p>", "x" },
	/* the sanitizer's policy: dropped elements take their text along */
	{ "a<noscript>b</noscript>c", "ac" },
	{ "a<object>b", "ab" },
	{ "a<iframe>b</iframe>c", "abc" },     /* corpus: text kept */
	{ "<title>t</title>x", "tx" },
	/* literal characters stay */
	{ "1 < 2 & 3 > 2", "1 < 2 & 3 > 2" },
	{ "bad \xff byte", "bad \xef\xbf\xbd byte" },
	{ "", "" },
};

static void
test_text_table(void **state)
{
	struct buf out = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(text_cases); i++) {
		buf_reset(&out);
		html_to_text(&out, text_cases[i].in, strlen(text_cases[i].in));
		if (strcmp(buf_str(&out), text_cases[i].want) != 0)
			fail_msg("case %zu: %s\n got: [%s]\nwant: [%s]", i,
			    text_cases[i].in, buf_str(&out), text_cases[i].want);
	}
	/* an embedded NUL is input, not the end */
	buf_reset(&out);
	html_to_text(&out, "a\0b", 3);
	assert_string_equal(buf_str(&out), "ab");
	buf_free(&out);
}

static const struct text_case collapse_cases[] = {
	{ "  a  b  ", "a b" },
	{ "\t\r\n\fa\n\nb\t", "a b" },
	{ "<b>x</b> &amp;", "<b>x</b> &amp;" },        /* text stays literal */
	{ "a\xc2\xa0 b", "a\xc2\xa0 b" },                 /* NBSP is not whitespace */
	{ "   ", "" },
	{ "", "" },
};

static void
test_collapse(void **state)
{
	struct buf out = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(collapse_cases); i++) {
		buf_reset(&out);
		text_collapse(&out, collapse_cases[i].in, strlen(collapse_cases[i].in));
		assert_string_equal(buf_str(&out), collapse_cases[i].want);
	}
	buf_free(&out);
}

/* Reference: collapse ASCII whitespace the slow, obvious way. */
static void
slow_collapse(struct buf *out, const char *s)
{
	bool space = false;

	for (; *s != '\0'; s++) {
		if (strchr(" \t\n\r\f", *s) != NULL) {
			space = out->len > 0;
			continue;
		}
		if (space)
			buf_putc(out, ' ');
		space = false;
		buf_putc(out, *s);
	}
}

/*
 * The fast paths copy 16 bytes at a time: whitespace at every offset
 * around those blocks must still collapse exactly as the reference does.
 */
static void
test_collapse_alignment(void **state)
{
	static const char *const gaps[] = { " ", "  ", "\t", " \n ", "\r\n", "   \f" };
	struct buf in = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	size_t off, g, k;

	(void)state;
	for (off = 0; off < 40; off++) {
		for (g = 0; g < NELEM(gaps); g++) {
			buf_reset(&in);
			for (k = 0; k < off; k++)
				buf_putc(&in, (char)('a' + k % 26));
			for (k = 0; k < 6; k++) {
				buf_puts(&in, gaps[(g + k) % NELEM(gaps)]);
				buf_puts(&in, "word\xc3\xa9x");
			}
			buf_puts(&in, gaps[g]);
			buf_reset(&want);
			slow_collapse(&want, in.data);
			buf_reset(&got);
			text_collapse(&got, in.data, in.len);
			assert_string_equal(buf_str(&got), buf_str(&want));
			buf_reset(&got);
			html_to_text(&got, in.data, in.len);
			assert_string_equal(buf_str(&got), buf_str(&want));
		}
	}
	buf_free(&in);
	buf_free(&want);
	buf_free(&got);
}

/* The same for escaping: special bytes at every offset of the blocks. */
static void
test_escape_alignment(void **state)
{
	struct buf in = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	size_t off, k;

	(void)state;
	for (off = 0; off < 40; off++) {
		buf_reset(&in);
		buf_reset(&want);
		buf_puts(&in, "<span title=\"");
		buf_puts(&want, "<span title=\"");
		for (k = 0; k < off; k++) {
			buf_putc(&in, 'x');
			buf_putc(&want, 'x');
		}
		buf_puts(&in, "a&amp;b<c>d&quot;e\xc3\xa9\xff\">");
		buf_puts(&want, "a&amp;b&lt;c&gt;d&quot;e\xc3\xa9\xef\xbf\xbd\">");
		for (k = 0; k < off; k++) {
			buf_putc(&in, 'y');
			buf_putc(&want, 'y');
		}
		buf_puts(&in, "a&amp;b>c\"d\xe2\x80\x99" "e\xc3" "f</span>");
		buf_puts(&want, "a&amp;b&gt;c\"d\xe2\x80\x99" "e\xef\xbf\xbd" "f</span>");
		buf_reset(&got);
		assert_int_equal(sanitize_html(&got, in.data, in.len, NULL), 0);
		assert_string_equal(buf_str(&got), buf_str(&want));
	}
	buf_free(&in);
	buf_free(&want);
	buf_free(&got);
}

struct looks_case {
	const char *in;
	bool html;
};

static const struct looks_case looks_cases[] = {
	{ "Example <b>Atom</b>", true },
	{ "Example &amp; friends", true },
	{ "Caf&#233;", true },
	{ "Caf&#xE9;", true },
	{ "<p>x</P>", true },
	{ "1 < 2", false },                     /* no end tag, no reference */
	{ "<b>bold</b> <blah>x</blah>", false },        /* unknown element */
	{ "x &bogus; y</b>", false },           /* unknown entity */
	{ "A <b>start tag only", false },
	{ "plain text", false },
	{ "", false },
	{ "AT&T", false },
	{ "<br>", false },
	{ "a<br>b&nbsp;c", true },
	{ "</3>", false },
};

static void
test_looks_like_html(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(looks_cases); i++) {
		if (html_looks_like_html(looks_cases[i].in, strlen(looks_cases[i].in)) !=
		    looks_cases[i].html)
			fail_msg("case %zu: %s", i, looks_cases[i].in);
	}
}

static const struct text_case entity_cases[] = {
	{ "&amp;&lt;&gt;&quot;&apos;", "&<>\"'" },
	{ "&nbsp;&copy;&AElig;&thetasym;&euro;&rsquo;", "\xc2\xa0\xc2\xa9\xc3\x86\xcf\x91\xe2\x82\xac\xe2\x80\x99" },
	{ "&#65;&#x42;&#X43;&#0067", "ABCC" },
	{ "&#128;&#x9F;&#129;", "\xe2\x82\xac\xc5\xb8\xc2\x81" },
	{ "&#0;&#xD800;&#x110000;&#4294967296;", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "&bogus; &AMP; &amp &# &#x; & ;", "&bogus; &AMP; &amp &# &#x; & ;" },
	{ "&#x1F600;", "\xf0\x9f\x98\x80" },
	{ "a&amp;b&c", "a&b&c" },
	{ "&", "&" },
	{ "", "" },
};

static void
test_entities(void **state)
{
	struct buf out = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(entity_cases); i++) {
		buf_reset(&out);
		entity_decode(&out, entity_cases[i].in, strlen(entity_cases[i].in));
		if (strcmp(buf_str(&out), entity_cases[i].want) != 0)
			fail_msg("case %zu: %s -> %s", i, entity_cases[i].in, buf_str(&out));
	}
	assert_int_equal(entity_lookup("amp", 3), '&');
	assert_int_equal(entity_lookup("apos", 4), '\'');
	assert_int_equal(entity_lookup("AElig", 5), 0xC6);
	assert_int_equal(entity_lookup("aelig", 5), 0xE6);
	assert_int_equal(entity_lookup("zwnj", 4), 0x200C);
	assert_int_equal(entity_lookup("thetasym", 8), 0x3D1);
	assert_int_equal(entity_lookup("ampx", 3), '&');        /* length counts */
	assert_int_equal(entity_lookup("colon", 5), 0);         /* HTML5 only */
	assert_int_equal(entity_lookup("", 0), 0);
	assert_int_equal(entity_lookup("thetasymx", 9), 0);
	buf_free(&out);
}

/* Every name in the table is found: catches a table out of order. */
static void
test_entity_table_sorted(void **state)
{
	static const char *const names[] = {
		"AElig", "Aacute", "Acirc", "Agrave", "Alpha", "Aring", "Atilde",
		"Auml", "Beta", "Ccedil", "Chi", "Dagger", "Delta", "ETH", "Yuml",
		"Zeta", "aacute", "acute", "alefsym", "and", "ang", "apos", "asymp",
		"bdquo", "cap", "clubs", "crarr", "dArr", "darr", "diams", "empty",
		"equiv", "frasl", "hArr", "image", "infin", "int", "isin", "lArr",
		"lang", "laquo", "lceil", "lowast", "loz", "lrm", "macr", "minus",
		"nabla", "ne", "ni", "not", "notin", "nsub", "oline", "oplus",
		"or", "part", "permil", "perp", "piv", "prod", "prop", "rArr",
		"radic", "rang", "real", "rfloor", "rlm", "sdot", "sim", "sub",
		"sube", "sum", "sup", "sup1", "supe", "szlig", "there4", "thinsp",
		"trade", "uArr", "upsih", "weierp", "yen", "yuml", "zeta", "zwj",
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(names); i++)
		if (entity_lookup(names[i], strlen(names[i])) == 0)
			fail_msg("entity %s not found", names[i]);
}

static void
test_escape(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	html_escape(&out, "a&b<c>d\"e'f", 11);
	assert_string_equal(buf_str(&out), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
	buf_reset(&out);
	html_escape(&out, "plain", 5);
	assert_string_equal(buf_str(&out), "plain");
	buf_free(&out);
}

/* html_escape() the slow, obvious way: the reference for test_escape_lengths. */
static void
escape_reference(struct buf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': buf_puts(out, "&amp;"); break;
		case '<': buf_puts(out, "&lt;"); break;
		case '>': buf_puts(out, "&gt;"); break;
		case '"': buf_puts(out, "&quot;"); break;
		case '\'': buf_puts(out, "&#39;"); break;
		default: buf_append(out, s + i, 1);
		}
	}
}

/*
 * html_escape() copies whole blocks and looks at the last bytes as one
 * overlapping block: every length from 0 to 70, a special byte at every
 * position (and none), appended after text already in the buffer, and
 * into a capped buffer, against the reference.
 */
static void
test_escape_lengths(void **state)
{
	static const char specials[] = "&<>\"'";
	char in[80];
	struct buf want = BUF_INIT, got = BUF_INIT, capped;
	size_t len, pos, k;

	(void)state;
	for (len = 0; len <= 70; len++) {
		for (pos = 0; pos <= len; pos++) {
			for (k = 0; k < len; k++)
				in[k] = (char)('a' + (k * 7) % 26);
			if (pos < len)
				in[pos] = specials[(len + pos) % 5];
			if (len > 3 && pos + 2 < len)
				in[len - 1] = '\xc3';   /* non-ASCII is copied as it is */
			buf_reset(&want);
			buf_reset(&got);
			buf_puts(&want, "pre");
			buf_puts(&got, "pre");
			escape_reference(&want, in, len);
			html_escape(&got, in, len);
			assert_int_equal(got.len, want.len);
			assert_memory_equal(got.data, want.data, want.len);
			/* a cap that leaves no room for 6 * len: the append-per-run path */
			buf_init(&capped, want.len + 2);
			buf_puts(&capped, "pre");
			html_escape(&capped, in, len);
			assert_string_equal(buf_str(&capped), want.data);
			buf_free(&capped);
		}
	}
	buf_free(&want);
	buf_free(&got);
}

/*
 * Relative URLs met again in one call come from the memo: the same
 * answers in every place, for href (mailto allowed) and src alike, for
 * ones libxml2 refuses, and for more different URLs than the memo keeps.
 */
static void
test_url_memo(void **state)
{
	struct buf in = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	int i, round;

	(void)state;
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 80; i++) {
			buf_printf(&in, "<p><a href=\"/u%d/../v%d\">a</a><img src=\"../i%d.png\">"
			    "<a href=\"#fn%d\">f</a><a href=\" a#b#c \">bad</a>"
			    "<img src=\"/u%d/../v%d\"></p>", i % 50, i % 50, i, i % 7, i % 50, i % 50);
			buf_printf(&want, "<p><a href=\"http://example.com/v%d\" rel=\"nofollow noopener noreferrer ugc\">a</a>"
			    "<img src=\"http://example.com/x/i%d.png\" loading=\"lazy\">"
			    "<a href=\"http://example.com/x/y/z#fn%d\" rel=\"nofollow noopener noreferrer ugc\">f</a>"
			    "<a>bad</a><img src=\"http://example.com/v%d\" loading=\"lazy\"></p>",
			    i % 50, i, i % 7, i % 50);
		}
	}
	assert_int_equal(sanitize_html(&got, in.data, in.len, "http://example.com/x/y/z"), 0);
	assert_string_equal(buf_str(&got), buf_str(&want));
	buf_free(&in);
	buf_free(&want);
	buf_free(&got);
}

/* ---------------------------------------------------------------- caps */

/* Whatever the cap, the output is a well-formed prefix. */
static void
test_output_cap(void **state)
{
	static const char html[] =
	    "<div><p>Some <b>bold <i>and italic</i></b> text</p>"
	    "<ul><li><a href=\"/x\">link</a></li></ul><blockquote>q</blockquote></div>";
	struct buf full = BUF_INIT, out;
	size_t cap;
	int rc;

	(void)state;
	assert_int_equal(sanitize_html(&full, html, strlen(html), NULL), 0);
	for (cap = 1; cap <= full.len + 1; cap++) {
		buf_init(&out, cap);
		rc = sanitize_html(&out, html, strlen(html), NULL);
		assert_true(out.len <= cap);
		assert_int_equal(rc, cap >= full.len ? 0 : -1);
		if (!well_formed(buf_str(&out), out.len))
			fail_msg("cap %zu: not well-formed: %s", cap, buf_str(&out));
		buf_free(&out);
	}
	buf_free(&full);
}

/* Nesting deeper than CAP_HTML_DEPTH is unwrapped, text kept. */
static void
test_depth_cap(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	size_t i, opened = 0;
	const char *p;

	(void)state;
	for (i = 0; i < 10 * CAP_HTML_DEPTH; i++)
		buf_puts(&in, "<div>");
	buf_puts(&in, "deep");
	for (i = 0; i < 10 * CAP_HTML_DEPTH; i++)
		buf_puts(&in, "</div>");
	assert_int_equal(sanitize_html(&out, in.data, in.len, NULL), 0);
	for (p = out.data; (p = strstr(p, "<div>")) != NULL; p++)
		opened++;
	assert_int_equal(opened, CAP_HTML_DEPTH);
	assert_non_null(strstr(out.data, "deep"));
	assert_true(well_formed(out.data, out.len));

	/* unclosed: closed at the end */
	buf_reset(&in);
	buf_reset(&out);
	for (i = 0; i < 1000; i++)
		buf_puts(&in, "<b><i>");
	assert_int_equal(sanitize_html(&out, in.data, in.len, NULL), 0);
	assert_true(well_formed(out.data, out.len));
	buf_free(&in);
	buf_free(&out);
}

/* A huge attribute and huge text: linear, no crash, URL cap respected. */
static void
test_huge_input(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	size_t i;

	(void)state;
	buf_puts(&in, "<a title=\"");
	for (i = 0; i < 1000000; i++)
		buf_putc(&in, 'x');
	buf_puts(&in, "\" href=\"http://example.com/");
	for (i = 0; i < 2 * CAP_URL_BYTES; i++)
		buf_putc(&in, 'y');
	buf_puts(&in, "\">x</a>");
	assert_int_equal(sanitize_html(&out, in.data, in.len, NULL), 0);
	assert_true(out.len > 1000000);
	assert_null(strstr(out.data, "href="));         /* over CAP_URL_BYTES */
	assert_true(well_formed(out.data, out.len));

	/* many unclosed dropped elements: each one is removed alone */
	buf_reset(&in);
	buf_reset(&out);
	for (i = 0; i < 20000; i++)
		buf_puts(&in, "<object>x");
	assert_int_equal(sanitize_html(&out, in.data, in.len, NULL), 0);
	assert_true(out.len == 20000);
	buf_free(&in);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_html_table),
		cmocka_unit_test(test_xss_vectors),
		cmocka_unit_test(test_text_table),
		cmocka_unit_test(test_collapse),
		cmocka_unit_test(test_collapse_alignment),
		cmocka_unit_test(test_escape_alignment),
		cmocka_unit_test(test_looks_like_html),
		cmocka_unit_test(test_entities),
		cmocka_unit_test(test_entity_table_sorted),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_lengths),
		cmocka_unit_test(test_url_memo),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_depth_cap),
		cmocka_unit_test(test_huge_input),
	};
	return cmocka_run_group_tests_name("sanitize", tests, NULL, NULL);
}
