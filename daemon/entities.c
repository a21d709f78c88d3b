/*
 * entities.c: HTML character references (see entities.h).
 *
 * The named references are HTML 4's 252 plus &apos;, in a table sorted
 * by name (byte order) and searched with bsearch.  Numeric references
 * follow the HTML5 rules browsers apply: a missing ';' is tolerated,
 * 0x80-0x9F are read as windows-1252, NUL, surrogates and values past
 * U+10FFFF become U+FFFD.  The sanitizer, the text extractor and the
 * parser (HTML entities in not-well-formed RSS) all decode through
 * entity_ref(), so they agree on what a reference is.
 */
#include "entities.h"
#include "util.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#define ENTITY_NAME_MAX 8       /* longest name in the table ("thetasym") */

struct entity {
	char name[ENTITY_NAME_MAX];     /* NUL-padded, not NUL-terminated */
	uint32_t cp;
};

/* Sorted by name in byte order (strcmp): keep it sorted. */
static const struct entity entities[] = {
	{ "AElig", 0x00C6 }, { "Aacute", 0x00C1 }, { "Acirc", 0x00C2 },
	{ "Agrave", 0x00C0 }, { "Alpha", 0x0391 }, { "Aring", 0x00C5 },
	{ "Atilde", 0x00C3 }, { "Auml", 0x00C4 }, { "Beta", 0x0392 },
	{ "Ccedil", 0x00C7 }, { "Chi", 0x03A7 }, { "Dagger", 0x2021 },
	{ "Delta", 0x0394 }, { "ETH", 0x00D0 }, { "Eacute", 0x00C9 },
	{ "Ecirc", 0x00CA }, { "Egrave", 0x00C8 }, { "Epsilon", 0x0395 },
	{ "Eta", 0x0397 }, { "Euml", 0x00CB }, { "Gamma", 0x0393 },
	{ "Iacute", 0x00CD }, { "Icirc", 0x00CE }, { "Igrave", 0x00CC },
	{ "Iota", 0x0399 }, { "Iuml", 0x00CF }, { "Kappa", 0x039A },
	{ "Lambda", 0x039B }, { "Mu", 0x039C }, { "Ntilde", 0x00D1 },
	{ "Nu", 0x039D }, { "OElig", 0x0152 }, { "Oacute", 0x00D3 },
	{ "Ocirc", 0x00D4 }, { "Ograve", 0x00D2 }, { "Omega", 0x03A9 },
	{ "Omicron", 0x039F }, { "Oslash", 0x00D8 }, { "Otilde", 0x00D5 },
	{ "Ouml", 0x00D6 }, { "Phi", 0x03A6 }, { "Pi", 0x03A0 },
	{ "Prime", 0x2033 }, { "Psi", 0x03A8 }, { "Rho", 0x03A1 },
	{ "Scaron", 0x0160 }, { "Sigma", 0x03A3 }, { "THORN", 0x00DE },
	{ "Tau", 0x03A4 }, { "Theta", 0x0398 }, { "Uacute", 0x00DA },
	{ "Ucirc", 0x00DB }, { "Ugrave", 0x00D9 }, { "Upsilon", 0x03A5 },
	{ "Uuml", 0x00DC }, { "Xi", 0x039E }, { "Yacute", 0x00DD },
	{ "Yuml", 0x0178 }, { "Zeta", 0x0396 }, { "aacute", 0x00E1 },
	{ "acirc", 0x00E2 }, { "acute", 0x00B4 }, { "aelig", 0x00E6 },
	{ "agrave", 0x00E0 }, { "alefsym", 0x2135 }, { "alpha", 0x03B1 },
	{ "amp", 0x0026 }, { "and", 0x2227 }, { "ang", 0x2220 },
	{ "apos", 0x0027 }, { "aring", 0x00E5 }, { "asymp", 0x2248 },
	{ "atilde", 0x00E3 }, { "auml", 0x00E4 }, { "bdquo", 0x201E },
	{ "beta", 0x03B2 }, { "brvbar", 0x00A6 }, { "bull", 0x2022 },
	{ "cap", 0x2229 }, { "ccedil", 0x00E7 }, { "cedil", 0x00B8 },
	{ "cent", 0x00A2 }, { "chi", 0x03C7 }, { "circ", 0x02C6 },
	{ "clubs", 0x2663 }, { "cong", 0x2245 }, { "copy", 0x00A9 },
	{ "crarr", 0x21B5 }, { "cup", 0x222A }, { "curren", 0x00A4 },
	{ "dArr", 0x21D3 }, { "dagger", 0x2020 }, { "darr", 0x2193 },
	{ "deg", 0x00B0 }, { "delta", 0x03B4 }, { "diams", 0x2666 },
	{ "divide", 0x00F7 }, { "eacute", 0x00E9 }, { "ecirc", 0x00EA },
	{ "egrave", 0x00E8 }, { "empty", 0x2205 }, { "emsp", 0x2003 },
	{ "ensp", 0x2002 }, { "epsilon", 0x03B5 }, { "equiv", 0x2261 },
	{ "eta", 0x03B7 }, { "eth", 0x00F0 }, { "euml", 0x00EB },
	{ "euro", 0x20AC }, { "exist", 0x2203 }, { "fnof", 0x0192 },
	{ "forall", 0x2200 }, { "frac12", 0x00BD }, { "frac14", 0x00BC },
	{ "frac34", 0x00BE }, { "frasl", 0x2044 }, { "gamma", 0x03B3 },
	{ "ge", 0x2265 }, { "gt", 0x003E }, { "hArr", 0x21D4 },
	{ "harr", 0x2194 }, { "hearts", 0x2665 }, { "hellip", 0x2026 },
	{ "iacute", 0x00ED }, { "icirc", 0x00EE }, { "iexcl", 0x00A1 },
	{ "igrave", 0x00EC }, { "image", 0x2111 }, { "infin", 0x221E },
	{ "int", 0x222B }, { "iota", 0x03B9 }, { "iquest", 0x00BF },
	{ "isin", 0x2208 }, { "iuml", 0x00EF }, { "kappa", 0x03BA },
	{ "lArr", 0x21D0 }, { "lambda", 0x03BB }, { "lang", 0x2329 },
	{ "laquo", 0x00AB }, { "larr", 0x2190 }, { "lceil", 0x2308 },
	{ "ldquo", 0x201C }, { "le", 0x2264 }, { "lfloor", 0x230A },
	{ "lowast", 0x2217 }, { "loz", 0x25CA }, { "lrm", 0x200E },
	{ "lsaquo", 0x2039 }, { "lsquo", 0x2018 }, { "lt", 0x003C },
	{ "macr", 0x00AF }, { "mdash", 0x2014 }, { "micro", 0x00B5 },
	{ "middot", 0x00B7 }, { "minus", 0x2212 }, { "mu", 0x03BC },
	{ "nabla", 0x2207 }, { "nbsp", 0x00A0 }, { "ndash", 0x2013 },
	{ "ne", 0x2260 }, { "ni", 0x220B }, { "not", 0x00AC },
	{ "notin", 0x2209 }, { "nsub", 0x2284 }, { "ntilde", 0x00F1 },
	{ "nu", 0x03BD }, { "oacute", 0x00F3 }, { "ocirc", 0x00F4 },
	{ "oelig", 0x0153 }, { "ograve", 0x00F2 }, { "oline", 0x203E },
	{ "omega", 0x03C9 }, { "omicron", 0x03BF }, { "oplus", 0x2295 },
	{ "or", 0x2228 }, { "ordf", 0x00AA }, { "ordm", 0x00BA },
	{ "oslash", 0x00F8 }, { "otilde", 0x00F5 }, { "otimes", 0x2297 },
	{ "ouml", 0x00F6 }, { "para", 0x00B6 }, { "part", 0x2202 },
	{ "permil", 0x2030 }, { "perp", 0x22A5 }, { "phi", 0x03C6 },
	{ "pi", 0x03C0 }, { "piv", 0x03D6 }, { "plusmn", 0x00B1 },
	{ "pound", 0x00A3 }, { "prime", 0x2032 }, { "prod", 0x220F },
	{ "prop", 0x221D }, { "psi", 0x03C8 }, { "quot", 0x0022 },
	{ "rArr", 0x21D2 }, { "radic", 0x221A }, { "rang", 0x232A },
	{ "raquo", 0x00BB }, { "rarr", 0x2192 }, { "rceil", 0x2309 },
	{ "rdquo", 0x201D }, { "real", 0x211C }, { "reg", 0x00AE },
	{ "rfloor", 0x230B }, { "rho", 0x03C1 }, { "rlm", 0x200F },
	{ "rsaquo", 0x203A }, { "rsquo", 0x2019 }, { "sbquo", 0x201A },
	{ "scaron", 0x0161 }, { "sdot", 0x22C5 }, { "sect", 0x00A7 },
	{ "shy", 0x00AD }, { "sigma", 0x03C3 }, { "sigmaf", 0x03C2 },
	{ "sim", 0x223C }, { "spades", 0x2660 }, { "sub", 0x2282 },
	{ "sube", 0x2286 }, { "sum", 0x2211 }, { "sup", 0x2283 },
	{ "sup1", 0x00B9 }, { "sup2", 0x00B2 }, { "sup3", 0x00B3 },
	{ "supe", 0x2287 }, { "szlig", 0x00DF }, { "tau", 0x03C4 },
	{ "there4", 0x2234 }, { "theta", 0x03B8 }, { "thetasym", 0x03D1 },
	{ "thinsp", 0x2009 }, { "thorn", 0x00FE }, { "tilde", 0x02DC },
	{ "times", 0x00D7 }, { "trade", 0x2122 }, { "uArr", 0x21D1 },
	{ "uacute", 0x00FA }, { "uarr", 0x2191 }, { "ucirc", 0x00FB },
	{ "ugrave", 0x00F9 }, { "uml", 0x00A8 }, { "upsih", 0x03D2 },
	{ "upsilon", 0x03C5 }, { "uuml", 0x00FC }, { "weierp", 0x2118 },
	{ "xi", 0x03BE }, { "yacute", 0x00FD }, { "yen", 0x00A5 },
	{ "yuml", 0x00FF }, { "zeta", 0x03B6 }, { "zwj", 0x200D },
	{ "zwnj", 0x200C },
};

/* windows-1252 bytes 0x80-0x9F; 0 where the byte is undefined. */
static const uint16_t cp1252[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

/*
 * Names compare as big-endian 64-bit numbers of their NUL-padded bytes:
 * the same order as strcmp, in two loads instead of a byte loop.
 */
static uint64_t
name_number(const char name[ENTITY_NAME_MAX])
{
	uint64_t x;

	memcpy(&x, name, sizeof(x));
	return be64toh(x);
}

static int
entity_cmp(const void *key, const void *elem)
{
	uint64_t k = *(const uint64_t *)key;
	uint64_t e = name_number(((const struct entity *)elem)->name);

	return (k > e) - (k < e);
}

uint32_t
entity_lookup(const char *name, size_t len)
{
	char padded[ENTITY_NAME_MAX] = { 0 };
	const struct entity *e;
	uint64_t key;

	if (len == 0 || len > ENTITY_NAME_MAX || memchr(name, '\0', len) != NULL)
		return 0;
	memcpy(padded, name, len);
	key = name_number(padded);
	e = bsearch(&key, entities, sizeof(entities) / sizeof(entities[0]),
	    sizeof(entities[0]), entity_cmp);
	return e != NULL ? e->cp : 0;
}

size_t
entity_utf8(char out[4], uint32_t cp)
{
	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		cp = 0xFFFD;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t
entity_utf8_seq(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n, i;
	uint32_t cp;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4;
	else
		return 0;
	if (n > len)
		return 0;
	cp = s[0] & (0x3F >> (n - 1));
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return n;
}

void
entity_put_utf8(struct buf *out, uint32_t cp)
{
	char tmp[4];

	buf_append(out, tmp, entity_utf8(tmp, cp));
}

/* The code point a numeric reference's value stands for. */
static uint32_t
numeric_cp(uint32_t v)
{
	if (v >= 0x80 && v <= 0x9F && cp1252[v - 0x80] != 0)
		return cp1252[v - 0x80];
	if (v == 0 || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
		return 0xFFFD;
	return v;
}

/* s[0..len) starts after "&#"; decimal or x-prefixed hexadecimal. */
static size_t
numeric_ref(const char *s, size_t len, uint32_t *cp)
{
	size_t i = 0, start;
	uint32_t v = 0;
	int base = 10, d;

	if (i < len && (s[i] == 'x' || s[i] == 'X')) {
		base = 16;
		i++;
	}
	start = i;
	for (; i < len; i++) {
		d = base == 16 ? util_hex_value(s[i]) :
		    (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
		if (d < 0)
			break;
		if (v <= 0x10FFFF)
			v = v * (uint32_t)base + (uint32_t)d;
	}
	if (i == start)
		return 0;
	if (i < len && s[i] == ';')
		i++;
	*cp = numeric_cp(v);
	return i;
}

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

size_t
entity_ref(const char *s, size_t len, uint32_t *cp)
{
	size_t i;
	uint32_t v;

	if (len < 3 || s[0] != '&')
		return 0;
	if (s[1] == '#') {
		i = numeric_ref(s + 2, len - 2, cp);
		return i == 0 ? 0 : i + 2;
	}
	if (!is_alpha(s[1]))
		return 0;
	for (i = 2; i < len && i <= ENTITY_NAME_MAX + 1 && is_alnum(s[i]); i++)
		;
	if (i >= len || s[i] != ';')
		return 0;
	v = entity_lookup(s + 1, i - 1);
	if (v == 0)
		return 0;
	*cp = v;
	return i + 1;
}

void
entity_decode(struct buf *out, const char *s, size_t len)
{
	size_t i = 0, run = 0, n;
	uint32_t cp;

	while (i < len) {
		if (s[i] != '&') {
			i++;
			continue;
		}
		n = entity_ref(s + i, len - i, &cp);
		if (n == 0) {
			i++;
			continue;
		}
		buf_append(out, s + run, i - run);
		entity_put_utf8(out, cp);
		i += n;
		run = i;
	}
	buf_append(out, s + run, len - run);
}
