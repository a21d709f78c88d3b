/*
 * parse.h: feed documents in, struct feed_doc out.
 *
 * parse_feed() sniffs the format (XML: RSS 0.9x/1.0/2.0, Atom 0.3/1.0,
 * CDF; JSON Feed), decodes the encoding, reads the document with
 * libxml2 (parse_xml.c) or jansson (parse_json.c) into raw entries, and
 * normalises them (normalise.c: plain-text titles, UTC dates, absolute
 * URLs, sanitized HTML, identities) into the feed_doc's posts.
 *
 * It never fails on bad input: a document that is not well-formed is
 * recovered as far as possible and flagged bozo.  Untrusted XML is read
 * safely: no network, no external entities, a small budget for internal
 * ones, bounded depth (caps.h).
 */
#ifndef CRIER_PARSE_H
#define CRIER_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "crier.h"

struct parse_options {
	const char *base_url;       /* the document's URL (feed URL), or NULL */
	const char *http_charset;   /* charset from Content-Type, or NULL */
	int64_t now;                /* clamp future dates to this; 0: no clamping */
};

/*
 * Parses data[0..len).  Returns a new feed_doc (free with feed_doc_free),
 * never NULL: on hopeless input it has no items and bozo set.
 */
struct feed_doc *parse_feed(const char *data, size_t len, const struct parse_options *opt);

#endif
