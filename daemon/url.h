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
