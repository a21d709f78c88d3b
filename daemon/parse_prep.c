/*
 * parse_prep.c: passes over an XML document's text before libxml2 reads
 * it (see parse.h).  Both work on UTF-8 and know just enough XML to skip
 * comments, processing instructions and CDATA sections.
 *
 * parse_prep_ampersands: libxml2 drops the text around a bare '&'
 * ("a=1&b=2" becomes "a=1=2"), so a document that has one is read again
 * with every '&' that starts no reference written "&amp;".
 *
 * parse_prep_lift_cdata: libxml2 2.9 reads CDATA sections a character at
 * a time (a fifth of the time of a typical feed went there), while
 * finding "]]>" with memchr is cheap.  So large sections whose characters
 * are all XML Chars are lifted out: libxml2 reads an empty section in
 * their place, and the reader hands over the content, found by the
 * position where the empty section ends.  Sections with CR (line ends to
 * normalise), control characters or U+FFFE/U+FFFF are left to libxml2,
 * which then reports them as it should, and so is every document with a
 * DOCTYPE (its entities could hold CDATA).
 */
#include "parse.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The first occurrence of needle in hay[0..len), or NULL. */
static const char *
find(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	const char *p = hay, *end = hay + len;

	while ((size_t)(end - p) >= n) {
		p = memchr(p, needle[0], (size_t)(end - p) - n + 1);
		if (p == NULL)
			return NULL;
		if (memcmp(p, needle, n) == 0)
			return p;
		p++;
	}
	return NULL;
}

/*
 * At p ('<'): the end of the CDATA section, comment or processing
 * instruction starting there (the end of the text when unterminated),
 * or NULL when p starts none of them.
 */
static const char *
skip_unparsed(const char *p, const char *end)
{
	static const struct {
		const char *open, *close;
	} kinds[] = {
		{ "<![CDATA[", "]]>" }, { "<!--", "-->" }, { "<?", "?>" },
	};
	size_t i, n, rest = (size_t)(end - p);
	const char *close;

	for (i = 0; i < NELEM(kinds); i++) {
		n = strlen(kinds[i].open);
		if (rest < n || memcmp(p, kinds[i].open, n) != 0)
			continue;
		close = find(p + n, rest - n, kinds[i].close);
		return close != NULL ? close + strlen(kinds[i].close) : end;
	}
	return NULL;
}

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '_' || c == '-' || c == '.' || c == ':' || (unsigned char)c >= 0x80;
}

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* At p ('&'): the end of the reference (past ';') starting there, or NULL.
 * A reference is &name; &#digits; or &#xhex; (XML has no "&#X"). */
static const char *
reference_end(const char *p, const char *end)
{
	const char *q = p + 1, *start;

	if (q < end && *q == '#') {
		q++;
		if (q < end && *q == 'x') {
			q++;
			for (start = q; q < end && is_hex(*q); q++)
				;
		} else {
			for (start = q; q < end && *q >= '0' && *q <= '9'; q++)
				;
		}
	} else {
		for (start = q; q < end && is_name_char(*q); q++)
			;
	}
	return q < end && q > start && *q == ';' ? q + 1 : NULL;
}

size_t
parse_prep_ampersands(struct buf *out, const char *doc, size_t len)
{
	const char *p = doc, *end = doc + len, *q, *next;
	size_t fixed = 0;

	while (p < end) {
		for (q = p; q < end && *q != '&' && *q != '<'; q++)
			;
		buf_append(out, p, (size_t)(q - p));
		if (q >= end)
			break;
		next = *q == '<' ? skip_unparsed(q, end) : reference_end(q, end);
		if (next == NULL && *q == '&') {
			buf_puts(out, "&amp;");
			fixed++;
			p = q + 1;
			continue;
		}
		if (next == NULL)
			next = q + 1;   /* an ordinary tag: copied as it is */
		buf_append(out, q, (size_t)(next - q));
		p = next;
	}
	return fixed;
}

#define LIFT_MIN_BYTES 256

/* Are all of s[0..len) XML Chars other than CR? (valid UTF-8 is given) */
static bool
cdata_chars_ok(const char *s, size_t len)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	uint64_t w, x;

	while (i < len) {
		if (i + 8 <= len) {
			memcpy(&w, p + i, 8);
			x = w ^ (ones * 0xEF);
			if (((((w - ones * 0x20) & ~w) | ((x - ones) & ~x)) & high) == 0) {
				i += 8;
				continue;
			}
		}
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n')
			return false;
		if (p[i] == 0xEF && i + 2 < len && p[i + 1] == 0xBF && (p[i + 2] == 0xBE ||
		    p[i + 2] == 0xBF))
			return false;   /* U+FFFE, U+FFFF */
		i++;
	}
	return true;
}

static void
lift_push(struct parse_lift *lf, size_t end, const char *text, size_t len)
{
	if (lf->n == lf->cap) {
		lf->cap = lf->cap ? lf->cap * 2 : 64;
		lf->v = xrealloc(lf->v, lf->cap * sizeof(*lf->v));
	}
	lf->v[lf->n].end = end;
	lf->v[lf->n].text = text;
	lf->v[lf->n].len = len;
	lf->n++;
}

void
parse_prep_lift_cdata(struct parse_lift *lf, const char *doc, size_t len)
{
	const char *p = doc, *end = doc + len, *lt, *close, *copied = doc, *text;
	size_t rest, n;

	memset(lf, 0, sizeof(*lf));
	buf_init(&lf->doc, 0);
	while ((lt = memchr(p, '<', (size_t)(end - p))) != NULL) {
		rest = (size_t)(end - lt);
		if (rest >= 4 && memcmp(lt, "<!--", 4) == 0) {
			close = find(lt + 4, rest - 4, "-->");
		} else if (rest >= 2 && lt[1] == '?') {
			close = find(lt + 2, rest - 2, "?>");
		} else if (rest >= 9 && memcmp(lt, "<!DOCTYPE", 9) == 0) {
			lf->n = 0;
			return;
		} else if (rest >= 9 && memcmp(lt, "<![CDATA[", 9) == 0) {
			text = lt + 9;
			close = find(text, rest - 9, "]]>");
			n = close != NULL ? (size_t)(close - text) : 0;
			if (n >= LIFT_MIN_BYTES && cdata_chars_ok(text, n)) {
				buf_append(&lf->doc, copied, (size_t)(text - copied));
				copied = close;
				lift_push(lf, lf->doc.len + 3, text, n);
			}
		} else {
			p = lt + 1;
			continue;
		}
		if (close == NULL)
			break;
		p = close + 1;
	}
	if (lf->n > 0)
		buf_append(&lf->doc, copied, (size_t)(end - copied));
}

void
parse_prep_lift_free(struct parse_lift *lf)
{
	free(lf->v);
	lf->v = NULL;
	lf->n = lf->cap = 0;
	buf_free(&lf->doc);
}
