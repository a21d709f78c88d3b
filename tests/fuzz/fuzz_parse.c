/*
 * fuzz_parse.c: libFuzzer target for parse_feed() and everything under it
 * (charset decoding, the XML and JSON readers, normalise, and the
 * sanitizer, entity, URL and date code they call).
 *
 * Build and run from the top of the source tree:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Idaemon tests/fuzz/fuzz_parse.c \
 *     daemon/{parse,parse_charset,parse_prep,parse_xml,parse_json,normalise,date,sanitize,entities,url,buf,log,util,tag}.c \
 *     $(pkg-config --cflags --libs libxml-2.0 jansson libsodium) -o fuzz_parse
 *   ./fuzz_parse -max_total_time=600 -max_len=65536 -timeout=10 -rss_limit_mb=2048 CORPUS_DIR
 * (seed CORPUS_DIR with ../shared/conformance/feedparser/cases/ and a few
 * generated feeds; tests/fuzz/fuzz.mk builds it too, with `make fuzz`).
 *
 * The first input byte picks the options: a base URL or none, an HTTP
 * charset or none, a clock for clamping or none.  For every input:
 *  - parse_feed() returns a document (never NULL) with an encoding;
 *  - every string in it is valid UTF-8 without NUL bytes;
 *  - plain-text fields are collapsed (no leading, trailing or double
 *    ASCII white space, no tabs or newlines);
 *  - every post has an identity and a content hash of 64 hex digits;
 *  - dates lie within years 1-9999 and, with a clock, not after it.
 * Hangs and blow-ups show as libFuzzer timeouts and RSS limits.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <sodium.h>

#include "parse.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_utf8(const char *s)
{
	if (s != NULL && !util_utf8_valid(s, strlen(s)))
		abort();
}

/* Plain text: valid, and already collapsed. */
static void
check_text(const char *s)
{
	size_t n, i;

	if (s == NULL)
		return;
	check_utf8(s);
	n = strlen(s);
	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
		abort();
	for (i = 0; i < n; i++) {
		if (s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f' ||
		    (s[i] == ' ' && s[i + 1] == ' '))
			abort();
	}
}

static void
check_authors(const struct author *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		check_text(a[i].name);
		check_utf8(a[i].email);
		check_utf8(a[i].url);
	}
}

static void
check_date(int64_t t, int64_t now)
{
	if (t < -62135683200LL || t > 253402387200LL)
		abort();
	if (now != 0 && t > now)
		abort();
}

static void
check_post(const struct post *p, int64_t now)
{
	size_t i;

	if (p == NULL || p->guid == NULL || *p->guid == '\0')
		abort();
	check_utf8(p->guid);
	check_utf8(p->url);
	check_text(p->title);
	check_text(p->summary);
	check_utf8(p->summary_html);
	check_utf8(p->content_html);
	check_utf8(p->content_text);
	check_date(p->published_at, now);
	check_date(p->updated_at, now);
	check_authors(p->authors, p->n_authors);
	for (i = 0; i < p->n_tags; i++)
		check_text(p->tags[i].label);
	if (strlen(p->content_hash) != 64 || strspn(p->content_hash, "0123456789abcdef") != 64)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	xmlInitParser();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const bases[] = { NULL, "http://example.com/dir/feed.xml", "" };
	static const char *const charsets[] = { NULL, "iso-8859-1", "utf-16", "bogus" };
	struct parse_options opt;
	struct feed_doc *d;
	size_t i;

	if (size == 0)
		return 0;
	memset(&opt, 0, sizeof(opt));
	opt.base_url = bases[data[0] % 3];
	opt.http_charset = (data[0] & 0x10) ? charsets[(data[0] >> 2) % 4] : NULL;
	opt.now = (data[0] & 0x80) ? 1700000000 : 0;
	d = parse_feed((const char *)data + 1, size - 1, &opt);
	if (d == NULL || d->encoding == NULL)
		abort();
	check_text(d->title);
	check_text(d->description);
	check_utf8(d->description_html);
	check_utf8(d->home_page_url);
	check_utf8(d->feed_url);
	check_utf8(d->bozo_reason);
	check_authors(d->authors, d->n_authors);
	for (i = 0; i < d->n_items; i++)
		check_post(d->items[i], opt.now);
	feed_doc_free(d);
	return 0;
}
