/* test_mail.c: the digest email's message format: quoted-printable
 * (table of exact encodings, then round trips of awkward text with every
 * line checked), headers (folding, encoded-words that never split a
 * character, no header injection), addresses, and whole messages (7-bit,
 * CRLF only, short lines, the MIME structure and List-* headers). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "mail.h"
#include "util.h"

/* Every line of s ends in CRLF, has no bare CR or LF, is 7-bit and at most max long. */
static void
assert_lines(const char *s, size_t max)
{
	const char *p = s, *crlf;
	size_t n;

	while (*p) {
		crlf = strstr(p, "\r\n");
		if (crlf == NULL)
			fail_msg("no CRLF after: [%s]", p);
		n = (size_t)(crlf - p);
		if (n > max)
			fail_msg("line of %zu > %zu: [%.*s]", n, max, (int)n, p);
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '\r' || p[i] == '\n' || (unsigned char)p[i] >= 0x80)
				fail_msg("bad byte 0x%02x in [%.*s]", (unsigned char)p[i], (int)n, p);
		}
		p = crlf + 2;
	}
}

static int
hexval(char c)
{
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c - '0';
}

/* Decodes quoted-printable with CRLF hard breaks back to LF text. */
static char *
qp_decode(const char *s)
{
	struct buf b = BUF_INIT;

	while (*s) {
		if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
			s += 3;
		} else if (s[0] == '=') {
			buf_putc(&b, (char)(hexval(s[1]) * 16 + hexval(s[2])));
			s += 3;
		} else if (s[0] == '\r' && s[1] == '\n') {
			buf_putc(&b, '\n');
			s += 2;
		} else {
			buf_putc(&b, *s++);
		}
	}
	return buf_steal(&b);
}

static void
test_qp_table(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "", "" },
		{ "plain words", "plain words" },
		{ "a=b", "a=3Db" },
		{ "line one\nline two\n", "line one\r\nline two\r\n" },
		{ "crlf\r\nkept\r\n", "crlf\r\nkept\r\n" },
		{ "trailing space \nand tab\t\n", "trailing space=20\r\nand tab=09\r\n" },
		{ "trailing at end ", "trailing at end=20" },
		{ ".starts with a dot\n. and another", "=2Estarts with a dot\r\n=2E and another" },
		{ "From the desk\nFromage", "=46rom the desk\r\nFromage" },
		{ "caf\xc3\xa9 \xe2\x80\x94 ok", "caf=C3=A9 =E2=80=94 ok" },
		{ "nul\x01" "ctl", "nul=01ctl" },
		/* 76 characters: a soft break after 75 */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\na" },
		/* an =XX is never split across a soft break */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaa=\r\n=C3=A9" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		buf_reset(&b);
		mail_qp_encode(&b, cases[i].in, strlen(cases[i].in));
		if (strcmp(buf_str(&b), cases[i].want) != 0)
			fail_msg("case %zu: got [%s] want [%s]", i, buf_str(&b), cases[i].want);
	}
	buf_free(&b);
}

static void
test_qp_round_trip(void **state)
{
	static const char *const texts[] = {
		"Weeknotes 42\n\nWe shipped the form. It works with a screen reader.\n",
		"   indented\n\ttabbed \t \nend",
		"=?UTF-8?B?not-a-word?= == = =\n",
		"\xe2\x80\x9c" "Quoted\xe2\x80\x9d \xf0\x9f\x8e\x89 \xc3\xa9\xc3\xa8 "
		"\xe2\x80\x94 long enough to wrap several times over the seventy-six column limit "
		"of quoted-printable lines, with accents \xc3\xa0 and emoji \xf0\x9f\x98\x80 in the middle.\n",
		"<p style=\"margin:0 0 16px\">An HTML line that is much longer than seventy-six "
		"characters, as email HTML always is, with <a href=\"https://example.org/a?b=c&amp;d=e\">"
		"a link</a>.</p>\n",
	};
	struct buf b = BUF_INIT, in = BUF_INIT;
	char *back;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(texts); i++) {
		buf_reset(&b);
		mail_qp_encode(&b, texts[i], strlen(texts[i]));
		buf_puts(&b, "\r\n");
		assert_lines(buf_str(&b), 76);
		b.len -= 2;
		b.data[b.len] = '\0';
		back = qp_decode(buf_str(&b));
		assert_string_equal(back, texts[i]);
		free(back);
	}
	/* a long random line */
	for (i = 0; i < 3000; i++)
		buf_putc(&in, (char)(" aZ=.\t\xc3\xa9~"[randombytes_uniform(10)]));
	buf_reset(&b);
	mail_qp_encode(&b, buf_str(&in), in.len);
	buf_puts(&b, "\r\n");
	assert_lines(buf_str(&b), 76);
	b.len -= 2;
	b.data[b.len] = '\0';
	back = qp_decode(buf_str(&b));
	assert_string_equal(back, buf_str(&in));
	free(back);
	buf_free(&in);
	buf_free(&b);
}

/* Decodes a header's encoded-words (and unfolds) for checking. */
static char *
header_text(const char *h)
{
	struct buf b = BUF_INIT;
	const char *p = strchr(h, ':') + 2, *end;
	unsigned char bin[256];
	size_t n;

	while (*p) {
		if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
			end = strstr(p + 10, "?=");
			assert_non_null(end);
			assert_int_equal(sodium_base642bin(bin, sizeof(bin), p + 10, (size_t)(end - p - 10),
			    NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
			/* each word is whole UTF-8 on its own */
			assert_true(util_utf8_valid((const char *)bin, n));
			buf_append(&b, bin, n);
			p = end + 2;
		} else if (strncmp(p, "\r\n ", 3) == 0) {
			p += 3;
			if (strncmp(p, "=?", 2) != 0)
				buf_putc(&b, ' ');
		} else if (strncmp(p, "\r\n", 2) == 0) {
			p += 2;
		} else {
			buf_putc(&b, *p++);
		}
	}
	return buf_steal(&b);
}

static void
test_headers(void **state)
{
	static const struct { const char *value, *want_raw, *want_text; } cases[] = {
		{ "Weeknotes digest, week 42", "Subject: Weeknotes digest, week 42\r\n", NULL },
		{ "Evil\r\nBcc: everyone@example.org", "Subject: Evil  Bcc: everyone@example.org\r\n", NULL },
		{ "Caf\xc3\xa9 notes", "Subject: =?UTF-8?B?Q2Fmw6kgbm90ZXM=?=\r\n", "Caf\xc3\xa9 notes" },
		{ "Looks =?encoded?= but is not", NULL, "Looks =?encoded?= but is not" },
		{ "\xe2\x80\x9c" "Digest\xe2\x80\x9d \xe2\x80\x94 a long subject with curly quotes and dashes "
		  "that needs several encoded-words \xf0\x9f\x8e\x89\xf0\x9f\x8e\x89\xf0\x9f\x8e\x89", NULL,
		  "\xe2\x80\x9c" "Digest\xe2\x80\x9d \xe2\x80\x94 a long subject with curly quotes and dashes "
		  "that needs several encoded-words \xf0\x9f\x8e\x89\xf0\x9f\x8e\x89\xf0\x9f\x8e\x89" },
		{ "A plain subject that goes on and on well past the seventy-eight column line limit",
		  "Subject: A plain subject that goes on and on well past the seventy-eight\r\n"
		  " column line limit\r\n", NULL },
	};
	struct buf b = BUF_INIT;
	char *text;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		buf_reset(&b);
		mail_header(&b, "Subject", cases[i].value);
		assert_lines(buf_str(&b), 78);
		if (cases[i].want_raw != NULL && strcmp(buf_str(&b), cases[i].want_raw) != 0)
			fail_msg("case %zu: got [%s] want [%s]", i, buf_str(&b), cases[i].want_raw);
		if (cases[i].want_text != NULL) {
			text = header_text(buf_str(&b));
			assert_string_equal(text, cases[i].want_text);
			free(text);
		}
	}
	buf_free(&b);
}

static void
test_addresses(void **state)
{
	static const struct { const char *in, *display, *addr; bool ok; } cases[] = {
		{ "news@example.org", "", "news@example.org", true },
		{ "  news@example.org ", "", "news@example.org", true },
		{ "Council news <news@example.org>", "Council news", "news@example.org", true },
		{ "\"Smith, Jo\" <jo@example.org>", "Smith, Jo", "jo@example.org", true },
		{ "jo@example", "", "jo@example", true },
		{ "no-at-sign", "", "no-at-sign", false },
		{ "@example.org", "", "@example.org", false },
		{ "jo@", "", "jo@", false },
		{ "jo@@example.org", "", "jo@@example.org", false },
		{ "jo smith@example.org", "", "jo smith@example.org", false },
		{ "jo@example.org>", "", "jo@example.org>", false },
		{ "Jo <jo@example.org> extra", "", "", false },
		{ "jo@.example.org", "", "jo@.example.org", false },
		{ "jo@example..org", "", "jo@example..org", false },
		{ "j\xc3\xb6@example.org", "", "j\xc3\xb6@example.org", false },
		{ "a,b@example.org", "", "a,b@example.org", false },
	};
	struct buf display = BUF_INIT, addr = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		bool ok = mail_address_parse(cases[i].in, &display, &addr);
		if (ok != cases[i].ok)
			fail_msg("case %zu [%s]: got %d", i, cases[i].in, ok);
		if (ok) {
			assert_string_equal(buf_str(&display), cases[i].display);
			assert_string_equal(buf_str(&addr), cases[i].addr);
		}
	}
	assert_string_equal(mail_address_domain("a@b.example"), "b.example");
	assert_string_equal(mail_address_domain("nothing"), "localhost");
	buf_free(&display);
	buf_free(&addr);
}

static void
test_message(void **state)
{
	struct mail_message m;
	struct buf b = BUF_INIT, id = BUF_INIT;
	char date[40], *boundary, *p, *text;
	const char *ct;

	(void)state;
	mail_date(1792152000, date);
	assert_string_equal(date, "Fri, 16 Oct 2026 12:00:00 +0000");
	mail_message_id(&id, "example.org");
	assert_int_equal(id.len, 1 + 32 + 1 + 11 + 1);
	assert_true(strncmp(buf_str(&id) + 33, "@example.org>", 13) == 0);
	memset(&m, 0, sizeof(m));
	m.from = "Caf\xc3\xa9 digest <digest@example.org>";
	m.to = "reader@example.net";
	m.subject = "Week 42: caf\xc3\xa9s and parks";
	m.message_id = buf_str(&id);
	m.date = 1792152000;
	m.list_id = "Weekly digest <weekly.example.org>";
	m.list_unsubscribe = "<https://example.org/digests/unsubscribe?s=weekly&a=reader%40example.net&t=abc>, "
	    "<mailto:leave@example.org>";
	m.one_click = true;
	m.text = "Week 42\n\n1. A post\n   https://example.org/a\n";
	m.html = "<!doctype html><html lang=\"en\"><body><h1>Week 42</h1><p>caf\xc3\xa9</p></body></html>";
	mail_write(&b, &m);
	/* header lines within 998 (a URL cannot be folded), body lines within 76 */
	assert_lines(buf_str(&b), 998);
	p = strstr(buf_str(&b), "\r\n\r\n");
	assert_non_null(p);
	assert_lines(p + 4, 76);
	/* the headers, in order, and the MIME structure */
	assert_true(strncmp(buf_str(&b), "From: =?UTF-8?B?", 16) == 0);
	text = header_text(buf_str(&b));
	assert_non_null(strstr(text, "Caf\xc3\xa9 digest"));
	free(text);
	assert_non_null(strstr(buf_str(&b), "?= <digest@example.org>\r\nTo: <reader@example.net>\r\n"));
	assert_non_null(strstr(buf_str(&b), "\r\nDate: Fri, 16 Oct 2026 12:00:00 +0000\r\n"));
	assert_non_null(strstr(buf_str(&b), "\r\nList-Id: Weekly digest <weekly.example.org>\r\n"));
	assert_non_null(strstr(buf_str(&b), "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
	assert_non_null(strstr(buf_str(&b), "\r\nMIME-Version: 1.0\r\n"));
	ct = strstr(buf_str(&b), "Content-Type: multipart/alternative;\r\n boundary=\"=_crier_");
	assert_non_null(ct);
	boundary = xstrndup(ct + 49, 32);
	assert_int_equal(strlen(boundary), 32);
	p = strstr(buf_str(&b), boundary);
	{
		struct buf want = BUF_INIT;
		buf_printf(&want, "\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\nWeek 42\r\n\r\n1. A post\r\n"
		    "   https://example.org/a\r\n--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", boundary, boundary);
		assert_non_null(strstr(buf_str(&b), buf_str(&want)));
		buf_reset(&want);
		buf_printf(&want, "html>\r\n--%s--\r\n", boundary);
		assert_non_null(strstr(buf_str(&b), buf_str(&want)));
		buf_free(&want);
	}
	p = strstr(buf_str(&b), "<!doctype");
	assert_non_null(p);
	text = qp_decode(p);
	assert_non_null(strstr(text, "<html lang=\"en\"><body><h1>Week 42</h1><p>caf\xc3\xa9</p></body></html>\n--"));
	free(text);
	/* without one-click, no List-Unsubscribe-Post */
	buf_reset(&b);
	m.one_click = false;
	mail_write(&b, &m);
	assert_null(strstr(buf_str(&b), "List-Unsubscribe-Post"));
	free(boundary);
	buf_free(&b);
	buf_free(&id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qp_table),
		cmocka_unit_test(test_qp_round_trip),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_message),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
