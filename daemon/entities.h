/*
 * entities.h: HTML character references.
 */
#ifndef CRIER_ENTITIES_H
#define CRIER_ENTITIES_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Code point of the named reference name[0..len) (without '&' and ';'),
 * from HTML 4's 252 names plus &apos;; 0 when unknown.
 */
uint32_t entity_lookup(const char *name, size_t len);

/* Appends code point cp as UTF-8 (invalid ones as U+FFFD). */
void entity_put_utf8(struct buf *out, uint32_t cp);

/* Writes cp as UTF-8 into out (invalid ones as U+FFFD); returns 1-4. */
size_t entity_utf8(char out[4], uint32_t cp);

/*
 * Length (1-4) of the valid UTF-8 sequence at the start of s[0..len);
 * 0 when it is not one (overlong, surrogate, past U+10FFFF, truncated).
 */
size_t entity_utf8_seq(const char *s, size_t len);

/*
 * Decodes the one character reference at the start of s[0..len) (s[0]
 * is '&'): a known &name; or &#NNN; / &#xHH; with the rules of
 * entity_decode().  Returns the bytes it spans and sets *cp, or returns 0
 * when s does not start with a reference (the '&' is then literal).
 */
size_t entity_ref(const char *s, size_t len, uint32_t *cp);

/*
 * Appends s[0..len) with character references decoded: &name; (known
 * names only; unknown stay literal), &#NNN;, &#xHH; (a missing ';' is
 * tolerated as browsers do).  Numeric references 0x80-0x9F map through
 * windows-1252; NUL, surrogates and out-of-range values become U+FFFD.
 */
void entity_decode(struct buf *out, const char *s, size_t len);

#endif
