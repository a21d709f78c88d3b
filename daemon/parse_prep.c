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
 *
 * With lift_text, long runs of character data go the same way (libxml2
 * hands a run over in pieces, one per reference and per non-ASCII
 * stretch, and escaped HTML is mostly references): a run after a tag,
 * of XML Chars other than CR, without "]]>", whose every '&' starts
 * &lt; &gt; &amp; &apos; &quot; or a character reference to an XML Char
 * (what libxml2 decodes in place, never asking for an entity).  Its
 * references are decoded here into lf->decoded.  This reading of tags
 * is right for well-formed documents only, so the reader checks that
 * libxml2 found no error at all and otherwise reads the document again
 * without lifting text (parse_xml.c).
 */
#include "entities.h"
#include "parse.h"
#include "util.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif
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

/* The characters XML allows (production [2] Char). */
static bool
is_xml_char(uint32_t cp)
{
	return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
	    (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* &lt; &gt; &amp; &apos; &quot; at p[0..rest): its length and character, or 0. */
static size_t
predefined_ref(const char *p, size_t rest, uint32_t *cp)
{
	static const struct {
		char ref[8];
		unsigned char len;
		char c;
	} predefined[] = {
		{ "&amp;", 5, '&' }, { "&apos;", 6, '\'' }, { "&gt;", 4, '>' },
		{ "&lt;", 4, '<' }, { "&quot;", 6, '"' },
	};
	size_t i;

	for (i = 0; i < NELEM(predefined); i++) {
		if (rest >= predefined[i].len && p[1] == predefined[i].ref[1] &&
		    memcmp(p, predefined[i].ref, predefined[i].len) == 0) {
			*cp = (unsigned char)predefined[i].c;
			return predefined[i].len;
		}
	}
	return 0;
}

/*
 * At p ('&'): the length of a reference libxml2 decodes in place, with
 * its character in *cp: &lt; &gt; &amp; &apos; &quot;, &#digits; or
 * &#xhex; (lower-case x, at most 7 or 6 digits) naming an XML Char.
 * 0 for anything else.
 */
static size_t
inline_ref(const char *p, const char *end, uint32_t *cp)
{
	size_t i = 2, n, rest = (size_t)(end - p), max = 7;
	unsigned base = 10;
	uint32_t v = 0;
	int d;

	if (rest < 2 || p[1] != '#')
		return predefined_ref(p, rest, cp);
	if (i < rest && p[i] == 'x') {
		base = 16;
		max = 6;
		i++;
	}
	for (n = 0; i < rest && n <= max; i++, n++) {
		d = util_hex_value(p[i]);
		if (d < 0 || (unsigned)d >= base)
			break;
		v = v * base + (unsigned)d;
	}
	if (n == 0 || n > max || i >= rest || p[i] != ';' || !is_xml_char(v))
		return 0;
	*cp = v;
	return i + 1;
}

#ifdef __SSE2__
/*
 * Bits of the sixteen bytes at p that scan_chars() must look at: controls
 * other than \t and \n, 0xEF (U+FFFE, U+FFFF start with it) and, in
 * character data, '&' and ']'.  *high gets the non-ASCII bytes.
 */
static unsigned
look_mask16(const unsigned char *p, bool text, unsigned *high)
{
	const __m128i ctl = _mm_set1_epi8(0x1F), tab = _mm_set1_epi8('\t');
	const __m128i nl = _mm_set1_epi8('\n'), ef = _mm_set1_epi8((char)0xEF);
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p), m;

	m = _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v);
	m = _mm_andnot_si128(_mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, nl)), m);
	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, ef));
	if (text)
		m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('&')),
		    _mm_cmpeq_epi8(v, _mm_set1_epi8(']'))));
	*high = (unsigned)_mm_movemask_epi8(v);
	return (unsigned)_mm_movemask_epi8(m);
}
#endif

#define SCAN_BAD        0x01    /* leave it to libxml2 */
#define SCAN_RICH       0x02    /* has '&' or non-ASCII: libxml2 reads it slowly */
#define SCAN_AMP        0x04    /* has references to decode */

/*
 * Looks at s[0..len) (valid UTF-8), a CDATA section's content or (text)
 * a run of character data: SCAN_BAD when it holds a character other
 * than the XML Chars without CR, or (text) "]]>" or a '&' that
 * inline_ref() does not take; else SCAN_RICH and SCAN_AMP as they apply.
 */
static int
scan_chars(const char *s, size_t len, bool text)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	unsigned mask, high;
	uint32_t cp;
	int found = 0;

	while (i < len) {
#ifdef __SSE2__
		if (i + 16 <= len) {
			mask = look_mask16(p + i, text, &high);
			if (high != 0)
				found |= SCAN_RICH;
			if (mask == 0) {
				i += 16;
				continue;
			}
			i += (size_t)__builtin_ctz(mask);
		}
#endif
		if (p[i] >= 0x80)
			found |= SCAN_RICH;
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n')
			return SCAN_BAD;
		if (p[i] == 0xEF && i + 2 < len && p[i + 1] == 0xBF && (p[i + 2] == 0xBE ||
		    p[i + 2] == 0xBF))
			return SCAN_BAD;        /* U+FFFE, U+FFFF */
		if (text && p[i] == ']' && i + 2 < len && p[i + 1] == ']' && p[i + 2] == '>')
			return SCAN_BAD;
		if (text && p[i] == '&') {
			k = inline_ref(s + i, s + len, &cp);
			if (k == 0)
				return SCAN_BAD;
			found |= SCAN_RICH | SCAN_AMP;
			i += k;
			continue;
		}
		i++;
	}
	return found;
}

/* Are all of s[0..len) XML Chars other than CR? (valid UTF-8 is given) */
static bool
cdata_chars_ok(const char *s, size_t len)
{
	return scan_chars(s, len, false) != SCAN_BAD;
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
	lf->v[lf->n].from_text = false;
	lf->v[lf->n].at = 0;
	lf->n++;
}

/*
 * Appends s[0..len) to out with its references decoded (inline_ref()
 * takes them all; none is shorter than the UTF-8 it stands for).
 */
static void
text_decode(struct buf *out, const char *s, size_t len)
{
	const char *p = s, *end = s + len, *amp;
	uint32_t cp;
	size_t k;
	char *w;

	buf_reserve(out, len);
	w = out->data + out->len;
	while ((amp = memchr(p, '&', (size_t)(end - p))) != NULL) {
		memcpy(w, p, (size_t)(amp - p));
		w += amp - p;
		k = inline_ref(amp, end, &cp);
		p = amp + k;
		w += entity_utf8(w, cp);
	}
	memcpy(w, p, (size_t)(end - p));
	w += end - p;
	*w = '\0';
	out->len = (size_t)(w - out->data);
}

/*
 * At lt ('<' of a start or end tag): just past its '>', quoted attribute
 * values skipped; NULL when there is none.
 */
static const char *
tag_end(const char *lt, const char *end)
{
	static const bool stop[256] = { ['>'] = true, ['"'] = true, ['\''] = true };
	const char *q;

	for (q = lt + 1; q < end; q++) {
		if (!stop[(unsigned char)*q])
			continue;
		if (*q == '>')
			return q + 1;
		if (*q == '"' || *q == '\'') {
			q = memchr(q + 1, *q, (size_t)(end - q - 1));
			if (q == NULL)
				return NULL;
		}
	}
	return NULL;
}

/*
 * The character data text[0..len) (up to the next '<') becomes an empty
 * CDATA section in lf->doc when it qualifies and libxml2 would read it
 * slowly; *copied moves past it then.
 */
static void
lift_text(struct parse_lift *lf, const char **copied, const char *text, size_t len)
{
	int found;

	if (len < LIFT_MIN_BYTES)
		return;
	found = scan_chars(text, len, true);
	if (found == SCAN_BAD || !(found & SCAN_RICH))
		return;         /* plain ASCII libxml2 reads quickly itself */
	buf_append(&lf->doc, *copied, (size_t)(text - *copied));
	buf_append(&lf->doc, "<![CDATA[]]>", 12);
	*copied = text + len;
	lift_push(lf, lf->doc.len, text, len);
	lf->v[lf->n - 1].from_text = true;
	lf->n_text++;
	if (found & SCAN_AMP) {
		lf->v[lf->n - 1].at = lf->decoded.len;
		lf->v[lf->n - 1].text = NULL;
		text_decode(&lf->decoded, text, len);
		lf->v[lf->n - 1].len = lf->decoded.len - lf->v[lf->n - 1].at;
	}
}

void
parse_prep_lift(struct parse_lift *lf, const char *doc, size_t len, bool text)
{
	const char *p = doc, *end = doc + len, *lt, *close, *copied = doc, *data, *next;
	size_t rest, n, i;

	memset(lf, 0, sizeof(*lf));
	buf_init(&lf->doc, 0);
	buf_init(&lf->decoded, 0);
	while ((lt = memchr(p, '<', (size_t)(end - p))) != NULL) {
		rest = (size_t)(end - lt);
		if (rest >= 4 && memcmp(lt, "<!--", 4) == 0) {
			close = find(lt + 4, rest - 4, "-->");
		} else if (rest >= 2 && lt[1] == '?') {
			close = find(lt + 2, rest - 2, "?>");
		} else if (rest >= 9 && memcmp(lt, "<!DOCTYPE", 9) == 0) {
			lf->n = lf->n_text = 0;
			return;
		} else if (rest >= 9 && memcmp(lt, "<![CDATA[", 9) == 0) {
			data = lt + 9;
			close = find(data, rest - 9, "]]>");
			n = close != NULL ? (size_t)(close - data) : 0;
			if (n >= LIFT_MIN_BYTES && cdata_chars_ok(data, n)) {
				buf_append(&lf->doc, copied, (size_t)(data - copied));
				copied = close;
				lift_push(lf, lf->doc.len + 3, data, n);
			}
		} else if (text && (close = tag_end(lt, end)) != NULL) {
			next = memchr(close, '<', (size_t)(end - close));
			if (next == NULL)
				break;
			lift_text(lf, &copied, close, (size_t)(next - close));
			p = next;
			continue;
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
	for (i = 0; i < lf->n; i++) {
		if (lf->v[i].from_text && lf->v[i].text == NULL)
			lf->v[i].text = buf_str(&lf->decoded) + lf->v[i].at;
	}
}

void
parse_prep_lift_cdata(struct parse_lift *lf, const char *doc, size_t len)
{
	parse_prep_lift(lf, doc, len, false);
}

void
parse_prep_lift_free(struct parse_lift *lf)
{
	free(lf->v);
	lf->v = NULL;
	lf->n = lf->cap = lf->n_text = 0;
	buf_free(&lf->doc);
	buf_free(&lf->decoded);
}
