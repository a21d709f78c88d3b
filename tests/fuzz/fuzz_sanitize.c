/*
 * fuzz_sanitize.c: libFuzzer target for daemon/sanitize.c (and the
 * entities and URL code it calls).
 *
 * Build and run from the top of the source tree:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Idaemon \
 *     tests/fuzz/fuzz_sanitize.c daemon/sanitize.c daemon/entities.c \
 *     daemon/url.c daemon/buf.c daemon/log.c daemon/util.c \
 *     $(pkg-config --cflags --libs libxml-2.0 libsodium) -o fuzz_sanitize
 *   ./fuzz_sanitize -max_total_time=600 -max_len=8192 CORPUS_DIR
 *
 * The first input byte picks the options (base URL or none, a small
 * output cap or none); the rest is the HTML.  For every input:
 *  - the output is well-formed and inside the policy: every tag is a
 *    kept element with allowed attributes, values double-quoted with no
 *    raw < > " inside, every non-void element closed in order, text has
 *    no raw < or >, URL attributes are relative or http(s)/mailto;
 *  - sanitizing the output again gives the same output (idempotence);
 *  - with a cap, the output stays within it and is still well-formed;
 *  - html_to_text's result is already collapsed (text_collapse leaves
 *    it alone), and html_looks_like_html does not crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "caps.h"
#include "sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kept[] = {
	"a", "abbr", "audio", "b", "bdi", "bdo", "blockquote", "br", "caption",
	"cite", "code", "col", "colgroup", "dd", "del", "details", "dfn", "div",
	"dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
	"h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p",
	"picture", "pre", "q", "rp", "rt", "ruby", "s", "samp", "small",
	"source", "span", "strong", "sub", "summary", "sup", "table", "tbody",
	"td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "video",
	"wbr",
};
static const char *const voids[] = { "br", "col", "hr", "img", "source", "wbr" };
static const char *const attrs[] = {
	"alt", "cite", "colspan", "controls", "datetime", "dir", "height", "href",
	"lang", "loading", "open", "poster", "rel", "rowspan", "scope", "sizes",
	"src", "srcset", "start", "title", "type", "value", "width",
};
static const char *const url_attrs[] = { "cite", "href", "poster", "src" };

static bool
in_list(const char *const *list, size_t n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
			return true;
	return false;
}

#define IN(list, s, len) in_list(list, sizeof(list) / sizeof(list[0]), s, len)

static void
check_url(const char *v, size_t len)
{
	size_t i;

	if (len == 0 || !((v[0] >= 'a' && v[0] <= 'z') || (v[0] >= 'A' && v[0] <= 'Z')))
		return;
	for (i = 0; i < len && v[i] != ':'; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		    (v[i] >= '0' && v[i] <= '9') || v[i] == '+' || v[i] == '-' || v[i] == '.'))
			return;         /* no scheme: relative */
	if (i == len)
		return;
	if ((i == 4 && strncasecmp(v, "http", 4) == 0) ||
	    (i == 5 && strncasecmp(v, "https", 5) == 0) ||
	    (i == 6 && strncasecmp(v, "mailto", 6) == 0))
		return;
	abort();
}

/* Attributes of a start tag at s[*i..len), up to its '>'. */
static void
check_attrs(const char *s, size_t len, size_t *i)
{
	size_t name, nlen, val;

	for (;;) {
		if (*i >= len)
			abort();
		if (s[*i] == '>')
			return;
		if (s[(*i)++] != ' ')
			abort();
		for (name = *i; *i < len && s[*i] >= 'a' && s[*i] <= 'z'; (*i)++)
			;
		nlen = *i - name;
		if (nlen == 0 || !IN(attrs, s + name, nlen))
			abort();
		if (*i + 1 >= len || s[*i] != '=' || s[*i + 1] != '"')
			abort();
		*i += 2;
		for (val = *i; *i < len && s[*i] != '"'; (*i)++)
			if (s[*i] == '<' || s[*i] == '>')
				abort();
		if (*i >= len)
			abort();
		if (IN(url_attrs, s + name, nlen))
			check_url(s + val, *i - val);
		(*i)++;
	}
}

static void
check_output(const char *s, size_t len)
{
	const char *stack[CAP_HTML_DEPTH];
	size_t stack_len[CAP_HTML_DEPTH];
	size_t depth = 0, i = 0, name, n;
	bool end;

	while (i < len) {
		if (s[i] == '>')
			abort();
		if (s[i] != '<') {
			i++;
			continue;
		}
		end = i + 1 < len && s[i + 1] == '/';
		i += end ? 2 : 1;
		for (name = i; i < len && ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '1' && s[i] <= '6')); i++)
			;
		n = i - name;
		if (n == 0 || !IN(kept, s + name, n))
			abort();
		if (end) {
			if (depth == 0 || stack_len[depth - 1] != n ||
			    memcmp(stack[depth - 1], s + name, n) != 0 || i >= len || s[i] != '>')
				abort();
			depth--;
		} else {
			check_attrs(s, len, &i);
			if (!IN(voids, s + name, n)) {
				if (depth == CAP_HTML_DEPTH)
					abort();
				stack[depth] = s + name;
				stack_len[depth++] = n;
			}
		}
		i++;
	}
	if (depth != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT, again = BUF_INIT, capped, text = BUF_INIT, col = BUF_INIT;
	const char *html, *base;
	size_t len, cap;
	unsigned opt;

	if (size == 0)
		return 0;
	opt = data[0];
	html = (const char *)data + 1;
	len = size - 1;
	base = (opt & 1) ? "http://example.com/a/b?q#f" : NULL;

	if (sanitize_html(&out, html, len, base) != 0)
		abort();
	check_output(buf_str(&out), out.len);
	if (sanitize_html(&again, buf_str(&out), out.len, base) != 0)
		abort();
	if (again.len != out.len || memcmp(buf_str(&again), buf_str(&out), out.len) != 0)
		abort();

	cap = (opt >> 1) * 4;
	if (cap > 0) {
		buf_init(&capped, cap);
		sanitize_html(&capped, html, len, base);
		if (capped.len > cap)
			abort();
		check_output(buf_str(&capped), capped.len);
		buf_free(&capped);
	}

	html_to_text(&text, html, len);
	text_collapse(&col, buf_str(&text), text.len);
	if (col.len != text.len || memcmp(buf_str(&col), buf_str(&text), text.len) != 0)
		abort();
	(void)html_looks_like_html(html, len);

	buf_free(&out);
	buf_free(&again);
	buf_free(&text);
	buf_free(&col);
	return 0;
}
