/*
 * sanitize.h: untrusted HTML in, safe HTML or plain text out.
 *
 * Sits after normalise in the flow: every HTML string that came from a
 * feed or a publisher goes through sanitize_html() before it is stored
 * or shown, and every title or name goes through html_to_text().
 *
 * The tokenizer is flat (SGML-style, as conformance/feedparser/README.md
 * section 1.5 describes): no implied <html>/<body>, no reordering.  The
 * allowlist (elements, attributes, URL schemes) is the one in issue 2
 * and that README's section 1.6.  Output is serialized from tokens with
 * a stack of open elements, so it is always well-formed: every kept
 * element is closed, attributes are quoted and escaped.
 *
 * Policy details worth knowing:
 *  - A dropped element (form, object, noscript, svg, ...) takes its
 *    content up to its matching end tag; one that is never closed is
 *    removed alone and the text after it stays.  <script> and <style>
 *    are raw text: an unclosed one runs to the end.  <iframe> and <title>
 *    are unwrapped (their text stays), as the conformance corpus expects.
 *  - URL attributes (href, src, cite, poster, srcset candidates) are
 *    decoded once, stripped of controls and surrounding spaces, checked
 *    for http/https (and mailto on <a href>) before and after being made
 *    absolute; a URL that fails is left out (an <a> without href stays).
 *  - Text is escaped (& < >), attribute values double-quoted (& < > ").
 *    NUL bytes are dropped from text, invalid UTF-8 becomes U+FFFD.
 *  - Sanitizing the output again gives the same output.
 */
#ifndef CRIER_SANITIZE_H
#define CRIER_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * Appends the sanitized form of html[0..len) to out.  base_url (may be
 * NULL) resolves relative URLs in href/src/cite/poster/srcset.  Links get
 * rel="nofollow noopener noreferrer ugc", images loading="lazy".
 * Returns 0, or -1 when out's cap was reached (out then holds a
 * well-formed prefix).
 */
int sanitize_html(struct buf *out, const char *html, size_t len, const char *base_url);

/*
 * Appends the plain text of an HTML fragment (README 1.4): tags,
 * comments, script/style content dropped; character references decoded;
 * whitespace collapsed and trimmed; a space at <br> and block boundaries.
 * Uses sanitize_html()'s tokenizer and policy, so the text of elements
 * it drops with their content is dropped here too.  Stops quietly at
 * out's cap.
 */
void html_to_text(struct buf *out, const char *html, size_t len);

/*
 * Appends s with runs of ASCII whitespace collapsed to one space, trimmed
 * (no markup or references are interpreted).  NUL bytes are dropped and
 * invalid UTF-8 becomes U+FFFD, as in html_to_text().
 */
void text_collapse(struct buf *out, const char *s, size_t len);

/*
 * README 1.2 "looks like HTML" test for RSS titles without a type: s
 * contains an end tag </name> or a reference &name; / &#...;, every tag
 * name in it is an HTML element crier knows and every named reference
 * is an HTML 4 entity.
 */
bool html_looks_like_html(const char *s, size_t len);

/* Appends s HTML-escaped (& < > " '), for text put into markup. */
void html_escape(struct buf *out, const char *s, size_t len);

#endif
