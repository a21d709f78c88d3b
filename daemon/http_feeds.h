/*
 * http_feeds.h: writing Atom 1.0, RSS 2.0 and JSON Feed 1.1 documents
 * from a list of posts (the jansson list shape in store.h).
 *
 * Pure functions: no I/O, no store access; http.c caches what they write.
 * Every document carries exactly one rel="self" link (and rel="hub" when
 * a WebSub hub is configured), absolute URLs throughout, and entries
 * that attribute the original source.
 *
 * Any input gives a well-formed document: text is escaped, invalid
 * UTF-8 is repaired (U+FFFD) and characters XML 1.0 forbids (C0 controls
 * other than tab, LF and CR; U+FFFE, U+FFFF) are dropped, in JSON Feed
 * too, so the three formats carry the same text.  Missing or empty
 * fields are left out, never written as empty elements or nulls (only
 * the titles a format requires are written empty).  Posts that are not
 * objects are skipped.  Each writer makes one pass over the posts straight
 * into out (no DOM).
 *
 * Mapping of a post object to the three formats:
 *
 *   post field           Atom 1.0                 RSS 2.0             JSON Feed 1.1
 *   base_url+permalink   id                       guid isPermaLink    id
 *   url, else permalink  link rel=alternate       link                url
 *   title                title type=text          title (6)           title
 *   published_at         published                pubDate (1)         date_published
 *   updated_at (1)       updated                  -                   date_modified
 *   authors, else author author{name,uri,email}   dc:creator (6)      authors[{name,url}] (2)
 *   tags                 category term=slug       category (label)    tags (labels)
 *                          label=label scheme=base_url+"tag/"
 *   content_html         content type=html        description         content_html
 *   summary_html         summary type=html (3)    description (4)     content_html (4)
 *   summary              summary type=text (4)    description (4,5)   summary; content_text (4)
 *   source               source{id,title,links}   source url=         _crier.source{name,
 *                                                                       feed_url,home_page_url}
 *
 *   (1) falling back to updated_at/published_at, then fetched_at
 *   (2) an author with only an email gets url "mailto:EMAIL"; Atom, which
 *       requires a name, leaves out an author without one
 *   (3) only when there is content as well
 *   (4) when there is no content (and, for Atom's HTML summary, no text summary)
 *   (5) HTML-escaped, since description is HTML
 *   (6) RSS 2.0 does not say whether these are text or HTML, and readers
 *       (crier parse, feedparser) take text that looks like HTML
 *       (html_looks_like_html()) as HTML: such text is HTML-escaped
 *       first, so they read back the text; other text is written as is.
 *
 * Times are RFC 3339 UTC ("2026-11-23T10:00:00Z"), RSS's RFC 822 with
 * "GMT".  The feed-level Atom author is site_name (else the title), and
 * the generator is crier with PACKAGE_VERSION.
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

/*
 * Each writer appends a whole document to out (give it an uncapped buf:
 * a buf that reaches its cap gets a truncated document).  m and posts
 * are borrowed; posts is a JSON array of post objects (anything else
 * counts as an empty list).  When m->updated is 0 the newest post's
 * update time is used, and for an empty list the current time.
 */
void http_feeds_atom(struct buf *out, const struct feed_meta *m, const json_t *posts);
void http_feeds_rss(struct buf *out, const struct feed_meta *m, const json_t *posts);
void http_feeds_json(struct buf *out, const struct feed_meta *m, const json_t *posts);

/*
 * The permalink path of a post object: "post/ID-SLUG" (no leading '/').
 * SLUG is the post's "slug", else util_slugify() of its title (at most
 * HTTP_FEEDS_SLUG_MAX bytes); without either it is just "post/ID".
 * Bytes outside [A-Za-z0-9._~-] in SLUG are percent-encoded, so the
 * result is always a plain ASCII URI path.  An object that is not a post
 * (a digest) carries its own "permalink_path" ("digest/SLUG", encoded the
 * same way), which is used instead.  Appends to out.
 */
#define HTTP_FEEDS_SLUG_MAX 64
void http_feeds_permalink(struct buf *out, const json_t *post);

/* The formats by the extension of their URL path ("/tag/x.atom"). */
struct http_feeds_format {
	const char *ext;            /* "atom", "json", "rss" */
	const char *content_type;   /* without parameters: the documents are UTF-8 */
	void (*write)(struct buf *out, const struct feed_meta *m, const json_t *posts);
};

/* The format for ext (without the dot), or NULL when there is none. */
const struct http_feeds_format *http_feeds_format(const char *ext);

#endif
