/*
 * opml.h: OPML 2.0 subscription lists in and out.
 *
 * Reading: every <outline> with an xmlUrl is a feed; the text (or title)
 * of the outlines it is nested in, and the components of its OPML 2.0
 * `category` attribute ("/council,/digital"), become its tags.  Documents
 * that declare entities are refused (no entity tricks through OPML).
 *
 * Writing: one <outline type="rss"> per feed, nested in an outline named
 * after its first tag, with all of its tags in `category`.
 */
#ifndef CRIER_OPML_H
#define CRIER_OPML_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct opml_feed {
	const char *url;        /* xmlUrl */
	const char *title;      /* text or title; may be NULL */
	const char *html_url;   /* htmlUrl; may be NULL */
	const char *tags;       /* comma-separated labels; may be NULL */
};

typedef int (*opml_feed_fn)(const struct opml_feed *f, void *arg);

/*
 * Calls fn for each feed in the document; stops when fn returns non-zero.
 * Returns the number of feeds seen, or -1 with *err set (free it) when
 * the document is not OPML or not well-formed.
 */
int opml_read(const char *data, size_t len, opml_feed_fn fn, void *arg, char **err);

/* Writes an OPML 2.0 document with the n feeds to out. */
void opml_write(struct buf *out, const char *title, const struct opml_feed *feeds, size_t n,
    int64_t now);

#endif
