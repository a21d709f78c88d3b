/*
 * url.c: resolving URL references against a base (see url.h).
 *
 * The resolution itself is libxml2's (xmlBuildURI, RFC 3986 section 5.2);
 * this file only prepares its input and tidies its output:
 *
 *  - libxml2 2.9.14 refuses bytes a URI may not hold (non-ASCII, spaces,
 *    controls, "<>\^`{|}"), so those are percent-encoded first.
 *  - libxml2 unescapes a path while parsing it and escapes it again when
 *    writing it out, which would turn an original "%2F" into "/".  So
 *    every original '%' is sent as "%25"; libxml2 writes it back as
 *    "%25", which unescape_ours() turns into '%' again.  The escapes
 *    this file introduced for non-ASCII bytes are decoded back too, so
 *    IRIs stay characters (http://www.詹姆斯.com/feed) while escapes
 *    that were in the input stay exactly as they were.
 *  - xmlBuildURI copies an absolute-path reference ("/../g") without
 *    removing its dot segments; xmlNormalizeURIPath does that first.
 *
 * Scheme checks (url_scheme, url_is_http) are plain string tests.
 */
#include "url.h"
#include "util.h"

#include <string.h>

#include <libxml/uri.h>
#include <libxml/xmlmemory.h>

#include "caps.h"
#include "entities.h"

static const char hexdigits[] = "0123456789ABCDEF";

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* Bytes libxml2's URI parser refuses; they are sent percent-encoded. */
static bool
needs_escape(unsigned char c)
{
	switch (c) {
	case '"': case '<': case '>': case '\\': case '^': case '`':
	case '{': case '|': case '}':
		return true;
	default:
		return c <= 0x20 || c >= 0x7F;
	}
}

/*
 * Appends s[0..len) to out in the form libxml2 accepts: every '%' as
 * "%25", refused bytes as %XX.
 */
static int
escape_for_libxml(struct buf *out, const char *s, size_t len)
{
	unsigned char c;
	char esc[3];
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c != '%' && !needs_escape(c))
			continue;
		esc[0] = '%';
		esc[1] = hexdigits[c >> 4];
		esc[2] = hexdigits[c & 15];
		if (buf_append(out, s + run, i - run) == -1 ||
		    buf_append(out, esc, 3) == -1)
			return -1;
		run = i + 1;
	}
	return buf_append(out, s + run, len - run);
}

static bool
is_escape(const char *s)
{
	return s[0] == '%' && is_hex(s[1]) && is_hex(s[2]);
}

static bool
is_high_escape(const char *s)
{
	return is_escape(s) && util_hex_value(s[1]) >= 8;
}

/*
 * Undoes escape_for_libxml() on libxml2's result s: "%25" was an original
 * '%' and becomes one again; a run of "%80".."%FF" escapes was a run of
 * non-ASCII bytes and becomes those bytes again where they are valid
 * UTF-8.  libxml2 writes every '%' it holds as "%25", so no other "%25"
 * and no other high escape can appear.
 */
static int
unescape_ours(struct buf *out, const char *s)
{
	unsigned char bytes[64];
	size_t i = 0, run, nb, k, seq;
	const char *pct;

	while (s[i] != '\0') {
		pct = strchr(s + i, '%');
		if (pct == NULL)
			return buf_puts(out, s + i);
		if (buf_append(out, s + i, (size_t)(pct - (s + i))) == -1)
			return -1;
		i = (size_t)(pct - s);
		if (s[i + 1] == '2' && s[i + 2] == '5') {
			if (buf_putc(out, '%') == -1)
				return -1;
			i += 3;
			continue;
		}
		if (!is_high_escape(s + i)) {
			if (buf_putc(out, s[i]) == -1)
				return -1;
			i++;
			continue;
		}
		run = i;
		for (nb = 0; nb < sizeof(bytes) && is_high_escape(s + i); i += 3)
			bytes[nb++] = (unsigned char)(util_hex_value(s[i + 1]) * 16 +
			    util_hex_value(s[i + 2]));
		for (k = 0; k < nb; k += seq) {
			seq = entity_utf8_seq((const char *)bytes + k, nb - k);
			if (seq == 0) {
				seq = 1;
				if (buf_append(out, s + run + 3 * k, 3) == -1)
					return -1;
			} else if (buf_append(out, bytes + k, seq) == -1)
				return -1;
		}
	}
	return 0;
}

/*
 * Appends ref[0..len) to out; an absolute-path reference ("/a/../b?q")
 * gets its dot segments removed by libxml2's xmlNormalizeURIPath.
 */
static int
prepare_ref(struct buf *out, const char *ref, size_t len)
{
	size_t plen;

	if (buf_append(out, ref, len) == -1)
		return -1;
	if (len == 0 || ref[0] != '/' || (len > 1 && ref[1] == '/'))
		return 0;
	plen = strcspn(out->data, "?#");
	out->data[plen] = '\0';
	xmlNormalizeURIPath(out->data);
	out->len = strlen(out->data);
	if (out->len == 0 && buf_putc(out, '/') == -1)
		return -1;
	return buf_append(out, ref + plen, len - plen);
}

/*
 * The escaped reference and the escaped base must fit in ESCAPED_MAX
 * bytes together (with a NUL between them, as when they shared one
 * buffer): longer ones are refused as garbage.
 */
#define ESCAPED_MAX     (6 * CAP_URL_BYTES + 1)

void
url_base_init(struct url_base *b, const char *base)
{
	b->url = base != NULL && base[0] != '\0' ? base : NULL;
	b->escaped_ok = false;
	buf_init(&b->escaped, 0);
	buf_init(&b->ref, CAP_URL_BYTES);
	buf_init(&b->esc_ref, ESCAPED_MAX);
}

void
url_base_free(struct url_base *b)
{
	buf_free(&b->escaped);
	buf_free(&b->ref);
	buf_free(&b->esc_ref);
}

/* Escapes the trimmed reference r for libxml2 into b->esc_ref; -1 when too long. */
static int
escape_ref(struct url_base *b, struct slice r)
{
	buf_reset(&b->ref);
	buf_reset(&b->esc_ref);
	if (r.len > 0 && r.ptr[0] == '/') {
		if (prepare_ref(&b->ref, r.ptr, r.len) == -1)
			return -1;
		r = (struct slice){ b->ref.data, b->ref.len };
	}
	if (!b->escaped_ok) {
		buf_reset(&b->escaped);
		escape_for_libxml(&b->escaped, b->url, strlen(b->url));
		b->escaped_ok = true;
	}
	if (escape_for_libxml(&b->esc_ref, r.ptr, r.len) == -1 ||
	    b->esc_ref.len + 1 + b->escaped.len > ESCAPED_MAX)
		return -1;
	return 0;
}

int
url_base_resolve(struct url_base *b, struct buf *out, const char *ref, size_t len)
{
	struct slice r = slice_trim((struct slice){ ref, len });
	xmlChar *res = NULL;
	int rc = -1;

	if (b->url == NULL || url_scheme_n(r.ptr, r.len, NULL, 0))
		return buf_append(out, r.ptr, r.len);
	if (escape_ref(b, r) == -1)
		goto done;
	res = xmlBuildURI((const xmlChar *)buf_str(&b->esc_ref),
	    (const xmlChar *)buf_str(&b->escaped));
	if (res == NULL)
		goto done;
	rc = unescape_ours(out, (const char *)res);
done:
	if (res == NULL)
		buf_append(out, r.ptr, r.len);
	xmlFree(res);
	return rc;
}

int
url_resolve(struct buf *out, const char *base, const char *ref)
{
	struct url_base b;
	int rc;

	if (ref == NULL)
		ref = "";
	url_base_init(&b, base);
	rc = url_base_resolve(&b, out, ref, strlen(ref));
	url_base_free(&b);
	return rc;
}

bool
url_scheme_n(const char *url, size_t len, char *out, size_t n)
{
	size_t i;
	char c;

	if (len == 0 || !((url[0] >= 'a' && url[0] <= 'z') ||
	    (url[0] >= 'A' && url[0] <= 'Z')))
		return false;
	for (i = 1; i < len; i++) {
		c = url[i];
		if (c == ':')
			break;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))
			return false;
	}
	if (i == len)
		return false;
	if (out == NULL)
		return true;
	if (i >= n)
		return false;
	for (n = 0; n < i; n++) {
		c = url[n];
		out[n] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[i] = '\0';
	return true;
}

bool
url_scheme(const char *url, char *out, size_t n)
{
	return url != NULL && url_scheme_n(url, strlen(url), out, n);
}

bool
url_is_http(const char *url)
{
	char scheme[8];

	if (!url_scheme(url, scheme, sizeof(scheme)))
		return false;
	return strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0;
}
