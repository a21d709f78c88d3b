/*
 * parse_charset.c: which encoding a feed is in, and turning it into
 * UTF-8 before any parser sees it (see parse.h).
 *
 * The order (conformance README 1.9, RFC 7303 for the HTTP charset):
 * a byte-order mark; else the first four bytes of "<?xml" in UTF-16/32;
 * else the HTTP charset; else the XML declaration's encoding; else
 * UTF-8.  A declared "utf-16" (or "utf16", "u16", ...) takes the byte
 * order actually found.  When the chosen encoding is unknown to iconv or
 * the bytes do not decode, the document is bozo and the fallbacks are
 * tried in turn: UTF-8, windows-1252 (which refuses its five undefined
 * bytes), ISO-8859-2 (which takes anything).
 *
 * The XML readers are then told to ignore the declaration
 * (XML_PARSE_IGNORE_ENC): the text they get is always UTF-8.
 */
#include "parse.h"
#include "util.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

/* Encoding families whose byte order the first bytes can tell. */
enum family { FAM_NONE, FAM_UTF8, FAM_UTF16, FAM_UTF32 };

/* Declared names meaning "UTF-16/32, byte order from the BOM or the data". */
static const struct alias {
	const char *name;
	enum family fam;
} unordered[] = {
	{ "u16", FAM_UTF16 }, { "u32", FAM_UTF32 }, { "ucs-2", FAM_UTF16 },
	{ "ucs-4", FAM_UTF32 }, { "utf-16", FAM_UTF16 }, { "utf-32", FAM_UTF32 },
	{ "utf16", FAM_UTF16 }, { "utf32", FAM_UTF32 }, { "utf_16", FAM_UTF16 },
	{ "utf_32", FAM_UTF32 },
};

/* What the first bytes say: an encoding and how many BOM bytes to skip. */
struct sniff {
	const char *encoding;   /* "utf-16le", ... or NULL */
	enum family fam;
	size_t bom_len;
};

static struct sniff
sniff_bytes(const unsigned char *p, size_t len)
{
	static const struct {
		unsigned char bytes[4];
		size_t n, bom_len;
		const char *encoding;
		enum family fam;
	} marks[] = {
		/* longest first: FF FE 00 00 is UTF-32LE, not UTF-16LE */
		{ { 0x00, 0x00, 0xFE, 0xFF }, 4, 4, "utf-32be", FAM_UTF32 },
		{ { 0xFF, 0xFE, 0x00, 0x00 }, 4, 4, "utf-32le", FAM_UTF32 },
		{ { 0xEF, 0xBB, 0xBF, 0x00 }, 3, 3, "utf-8", FAM_UTF8 },
		{ { 0xFE, 0xFF, 0x00, 0x00 }, 2, 2, "utf-16be", FAM_UTF16 },
		{ { 0xFF, 0xFE, 0x00, 0x00 }, 2, 2, "utf-16le", FAM_UTF16 },
		{ { 0x00, 0x00, 0x00, 0x3C }, 4, 0, "utf-32be", FAM_UTF32 },
		{ { 0x3C, 0x00, 0x00, 0x00 }, 4, 0, "utf-32le", FAM_UTF32 },
		{ { 0x00, 0x3C, 0x00, 0x3F }, 4, 0, "utf-16be", FAM_UTF16 },
		{ { 0x3C, 0x00, 0x3F, 0x00 }, 4, 0, "utf-16le", FAM_UTF16 },
	};
	struct sniff s = { NULL, FAM_NONE, 0 };
	size_t i;

	for (i = 0; i < NELEM(marks); i++) {
		if (len >= marks[i].n && memcmp(p, marks[i].bytes, marks[i].n) == 0) {
			s.encoding = marks[i].encoding;
			s.fam = marks[i].fam;
			s.bom_len = marks[i].bom_len;
			break;
		}
	}
	return s;
}

/*
 * The encoding="..." of an XML declaration in ASCII-compatible bytes,
 * copied into out[0..n); false when there is none.
 */
static bool
declared_encoding(const char *p, size_t len, char *out, size_t n)
{
	const char *end, *q, *v;
	char quote;
	size_t k;

	if (len < 6 || memcmp(p, "<?xml", 5) != 0)
		return false;
	end = memchr(p, '>', len < 512 ? len : 512);
	if (end == NULL)
		return false;
	for (q = p + 5; q + 8 < end; q++) {
		if (memcmp(q, "encoding", 8) != 0)
			continue;
		q += 8;
		while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
			q++;
		if (q >= end || *q != '=')
			return false;
		q++;
		while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
			q++;
		if (q >= end || (*q != '"' && *q != '\''))
			return false;
		quote = *q++;
		v = q;
		while (q < end && *q != quote)
			q++;
		k = (size_t)(q - v);
		if (q >= end || k == 0 || k >= n)
			return false;
		for (n = 0; n < k; n++)
			out[n] = (char)((v[n] >= 'A' && v[n] <= 'Z') ? v[n] + 32 : v[n]);
		out[k] = '\0';
		return true;
	}
	return false;
}

/* Length of the UTF-8 sequence a lead byte announces (0: not a lead byte). */
static size_t
utf8_lead_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 0;
}

/* Is p[0..len) valid UTF-8?  ASCII is skipped eight bytes at a time. */
static bool
utf8_valid_fast(const char *p, size_t len)
{
	size_t i = 0, k;
	uint64_t w;

	while (i < len) {
		while (i + 8 <= len) {
			memcpy(&w, p + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		if ((unsigned char)p[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_lead_len((unsigned char)p[i]);
		if (k == 0 || k > len - i || !util_utf8_valid(p + i, k))
			return false;
		i += k;
	}
	return true;
}

/*
 * Converts data[0..len) from `from` to UTF-8, appending to out.
 * Returns 0, or -1 when iconv does not know `from` or the bytes do not
 * decode (out is then left as it was).
 */
static int
convert(const char *from, const char *data, size_t len, struct buf *out)
{
	iconv_t cd;
	char *in = (char *)(uintptr_t)data;     /* iconv's prototype lacks const */
	size_t inleft = len, outleft, start = out->len, rc;
	char *op;

	cd = iconv_open("UTF-8", from);
	if (cd == (iconv_t)-1)
		return -1;
	for (;;) {
		if (buf_reserve(out, inleft + inleft / 2 + 64) == -1)
			goto fail;
		op = out->data + out->len;
		outleft = out->cap - out->len - 1;
		rc = iconv(cd, &in, &inleft, &op, &outleft);
		out->len = (size_t)(op - out->data);
		out->data[out->len] = '\0';
		if (rc != (size_t)-1)
			break;
		if (errno != E2BIG)
			goto fail;
	}
	iconv_close(cd);
	return 0;
fail:
	iconv_close(cd);
	out->len = start;
	if (out->data != NULL)
		out->data[start] = '\0';
	return -1;
}

/* Decodes with `encoding`; "utf-8" is validated, not converted. */
static int
decode_as(const char *encoding, const char *data, size_t len, struct buf *out)
{
	if (strcasecmp(encoding, "utf-8") == 0 || strcasecmp(encoding, "utf8") == 0) {
		if (!utf8_valid_fast(data, len))
			return -1;
		return buf_append(out, data, len);
	}
	return convert(encoding, data, len, out);
}

static const struct alias *
find_unordered(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(unordered); i++) {
		if (strcmp(name, unordered[i].name) == 0)
			return &unordered[i];
	}
	return NULL;
}

const char *
parse_charset_decode(struct raw_feed *rf, struct arena *a, const char *data, size_t len,
    const char *http_charset, struct buf *out, size_t *out_len)
{
	static const char *const fallbacks[] = { "utf-8", "windows-1252", "iso-8859-2" };
	struct sniff s = sniff_bytes((const unsigned char *)data, len);
	char declared[64];
	const char *encoding = s.encoding;
	const struct alias *al;
	size_t i;

	data += s.bom_len;
	len -= s.bom_len;
	if (encoding == NULL && http_charset != NULL && *http_charset != '\0' &&
	    strlen(http_charset) < sizeof(declared)) {
		for (i = 0; http_charset[i] != '\0'; i++)
			declared[i] = (char)((http_charset[i] >= 'A' && http_charset[i] <= 'Z') ?
			    http_charset[i] + 32 : http_charset[i]);
		declared[i] = '\0';
		encoding = declared;
	} else if (encoding == NULL && declared_encoding(data, len, declared, sizeof(declared))) {
		encoding = declared;
	}
	if (encoding == declared) {
		al = find_unordered(declared);
		if (al != NULL) {
			/* "utf-16" without a byte order in ASCII-looking bytes: a lie */
			parse_set_bozo(rf, a, "declared UTF-16/32 but the bytes are not");
			encoding = "utf-8";
		} else {
			encoding = arena_strdup(a, declared);
		}
	}
	if (encoding == NULL)
		encoding = "utf-8";
	rf->utf8_source = strcmp(encoding, "utf-8") == 0 || strcmp(encoding, "utf8") == 0;
	if (rf->utf8_source && utf8_valid_fast(data, len)) {
		rf->encoding = encoding;
		*out_len = len;
		return data;    /* the common case: read in place, no copy */
	}
	if (!rf->utf8_source && decode_as(encoding, data, len, out) == 0) {
		rf->encoding = encoding;
		*out_len = out->len;
		return buf_str(out);
	}
	parse_set_bozo(rf, a, "document is not in its declared encoding");
	rf->utf8_source = false;
	for (i = 0; i < NELEM(fallbacks); i++) {
		if (decode_as(fallbacks[i], data, len, out) == 0) {
			rf->encoding = fallbacks[i];
			rf->utf8_source = i == 0;
			*out_len = out->len;
			return buf_str(out);
		}
	}
	/* ISO-8859-2 takes every byte; only a broken iconv gets here */
	util_utf8_repair(out, data, len);
	rf->encoding = "utf-8";
	*out_len = out->len;
	return buf_str(out);
}
