/*
 * http_feeds.h: writing Atom 1.0, RSS 2.0 and JSON Feed 1.1 documents
 * from a list of posts (the jansson list shape in store.h).
 *
 * Pure functions: no I/O, no store access; http.c caches what they write.
 * Every document carries exactly one rel="self" link (and rel="hub" when
 * a WebSub hub is configured), absolute URLs throughout, and entries
 * that attribute the original source.
 */
#ifndef CRIER_HTTP_FEEDS_H
#define CRIER_HTTP_FEEDS_H

#include <jansson.h>
#include <stdint.h>

#include "buf.h"

struct feed_meta {
	const char *title;          /* the document's title (plain text) */
	const char *subtitle;       /* or NULL */
	const char *self_url;       /* absolute URL of this document */
	const char *alternate_url;  /* absolute URL of the HTML page it mirrors */
	const char *base_url;       /* the site, ending in '/': permalinks are base_url + "post/ID-SLUG" */
	const char *hub_url;        /* WebSub hub, or NULL */
	const char *site_name;      /* author of last resort (Atom requires one) */
	int64_t updated;            /* newest change in the list, Unix seconds (0: now unknown; use newest post) */
};

void http_feeds_atom(struct buf *out, const struct feed_meta *m, const json_t *posts);
void http_feeds_rss(struct buf *out, const struct feed_meta *m, const json_t *posts);
void http_feeds_json(struct buf *out, const struct feed_meta *m, const json_t *posts);

/* The permalink path of a post object: "post/ID-SLUG" (no leading '/'). */
void http_feeds_permalink(struct buf *out, const json_t *post);

#endif
