/*
 * url.h: resolving references against a base, and checking schemes.
 *
 * Built on libxml2's URI functions (RFC 3986 reference resolution); no
 * hand-written resolver.  IRIs are kept as characters: non-ASCII bytes
 * are percent-encoded for resolution and decoded again afterwards.
 */
#ifndef CRIER_URL_H
#define CRIER_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * Appends ref resolved against base (either may be NULL or "") to out.
 * Surrounding whitespace of ref is trimmed.  With no base, ref is
 * appended as it is.  Returns 0, or -1 when ref cannot be resolved (then
 * out holds the trimmed ref).
 */
int url_resolve(struct buf *out, const char *base, const char *ref);

/*
 * A base prepared for resolving many references against it: the base is
 * escaped for libxml2 once, and the buffers are reused.  The base string
 * is borrowed and must outlive the url_base.  url_base_free() frees what
 * url_base_init() and the calls allocated.
 */
struct url_base {
	const char *url;        /* the base; NULL when there is none */
	bool escaped_ok;        /* escaped holds url escaped */
	struct buf escaped;
	struct buf ref;         /* a reference with its dot segments removed */
	struct buf esc_ref;     /* a reference escaped */
};

void url_base_init(struct url_base *b, const char *base);
void url_base_free(struct url_base *b);

/*
 * url_resolve() for ref[0..len) (not NUL-terminated; it must not hold a
 * NUL) against b: the same result, the same return value.
 */
int url_base_resolve(struct url_base *b, struct buf *out, const char *ref, size_t len);

/* The scheme of an absolute URL, lowercased, into out[0..n); false if none. */
bool url_scheme(const char *url, char *out, size_t n);

/*
 * The same for url[0..len) (not NUL-terminated).  out may be NULL to
 * only ask whether there is a scheme; false also when it does not fit.
 */
bool url_scheme_n(const char *url, size_t len, char *out, size_t n);

/* Is url absolute http(s)? */
bool url_is_http(const char *url);

#endif
