/*
 * parse.h: feed documents in, struct feed_doc out.
 *
 * parse_feed() sniffs the format (XML: RSS 0.9x/1.0/2.0, Atom 0.3/1.0,
 * CDF; JSON Feed), decodes the encoding, reads the document with
 * libxml2 (parse_xml.c) or jansson (parse_json.c) into raw entries, and
 * normalises them (normalise.c: plain-text titles, UTC dates, absolute
 * URLs, sanitized HTML, identities) into the feed_doc's posts.
 *
 *   bytes ─▶ parse_charset_decode ─▶ UTF-8 ─▶ parse_xml_read (parse_prep) / parse_json_read
 *         ─▶ struct raw_feed (entries) ─▶ normalise_feed ─▶ struct feed_doc (posts)
 *
 * It never fails on bad input: a document that is not well-formed is
 * recovered as far as possible and flagged bozo.  Untrusted XML is read
 * safely: no network, no external entities, a small budget for internal
 * ones, bounded depth (caps.h).
 */
#ifndef CRIER_PARSE_H
#define CRIER_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crier.h"

struct parse_options {
	const char *base_url;       /* the document's URL (feed URL), or NULL */
	const char *http_charset;   /* charset from Content-Type, or NULL */
	int64_t now;                /* clamp future dates to this; 0: no clamping */
	bool skip_content_hash;     /* leave post->content_hash empty: for callers that
	                             * never read it (crier parse); SHA-256 of every
	                             * post's content is a sixth of the parse time */
};

/*
 * Parses data[0..len).  Returns a new feed_doc (free with feed_doc_free),
 * never NULL: on hopeless input it has no items and bozo set.  data is
 * only read; opt may be NULL.
 */
struct feed_doc *parse_feed(const char *data, size_t len, const struct parse_options *opt);

/* ====================================================================
 * The parser family's own types: shared by parse.c, parse_charset.c,
 * parse_prep.c, parse_xml.c, parse_json.c and normalise.c, and by
 * nothing else.
 *
 * A reader (XML or JSON) turns a document into a struct raw_feed: every
 * value exactly as the document had it once its syntax is undone
 * (character references and CDATA decoded, base64 decoded, inline XHTML
 * serialized), with a note of how to read it.  normalise.c alone decides
 * what a value becomes in a struct post.
 *
 * struct raw: one value.
 *   s, len   the characters, UTF-8, NUL-terminated, in the feed's arena;
 *            s == NULL means "the document did not have it".
 *   type     RAW_TEXT: s is literal text (markup-looking characters in
 *            it are characters); RAW_HTML: s is an HTML fragment.
 *            Decided with the rules of conformance README 1.2.
 *   base     the base URI in effect where the value stood (xml:base,
 *            else the document URL), absolute; NULL when there is none,
 *            or for values that are never resolved (RSS guid).
 *   from_xml_base  base came from an xml:base attribute (it then beats
 *            the item link as the base of relative URLs in content).
 *   rank     which source element filled it (lower wins; see the element
 *            table in parse_xml.c); readers use it while reading only.
 *
 * struct entry: one item (RSS/RDF <item>, Atom <entry>, CDF <ITEM>, a
 * JSON Feed item).
 *   id         Atom id, RSS guid, rdf:about, JSON id (first source wins)
 *   link       the item's permalink (RSS/RDF link, Atom alternate link,
 *              CDF HREF, JSON url)
 *   guid_link  an RSS guid that may stand in for a missing link
 *              (isPermaLink not "false")
 *   title, summary, content   text constructs with their type
 *   published, updated        date strings as written
 *   authors    struct raw_author *, in document order
 *   tags       struct raw * (RAW_TEXT), in document order
 *
 * struct raw_author: name, email and url as written.  `combined` marks
 * an RSS-style one-string person ("me@example.com (Name)", "Name
 * <me@example.com>") that normalise splits.
 * ==================================================================== */

enum raw_type { RAW_TEXT = 0, RAW_HTML };

struct raw {
	const char *s;
	size_t len;
	enum raw_type type;
	const char *base;
	bool from_xml_base;
	int rank;
};

struct raw_author {
	struct raw name, email, url;
	bool combined;
};

struct entry {
	struct raw id, link, guid_link;
	struct raw title, summary, content;
	struct raw published, updated;
	struct ptrvec authors;          /* struct raw_author * */
	struct ptrvec tags;             /* struct raw * */
};

/* What a reader hands to normalise: the feed's own values and its entries. */
struct raw_feed {
	enum feed_format format;
	bool bozo;
	const char *bozo_reason;        /* the first problem, for logs */
	const char *encoding;           /* set by parse.c before reading */
	bool utf8_source;               /* the bytes were UTF-8 (enables the double-encoding repair) */
	struct raw title, description, home_page_url, feed_url;
	struct ptrvec authors;          /* struct raw_author * */
	struct ptrvec entries;          /* struct entry * */
};

/* Marks rf bozo, keeping the first reason (copied into a). */
void parse_set_bozo(struct raw_feed *rf, struct arena *a, const char *reason);

/*
 * parse_charset.c: decodes data[0..len) to UTF-8 (README 1.9: BOM, the
 * first bytes, HTTP charset, XML declaration, UTF-8; then the fallbacks
 * windows-1252 and ISO-8859-2).  Returns the UTF-8 text (BOM removed)
 * and its length in *out_len: a pointer into data when it already was
 * valid UTF-8, else into out, where the converted text was appended.
 * Sets rf->encoding (static or in a), rf->utf8_source, and bozo when the
 * declared encoding was unknown or wrong.
 */
const char *parse_charset_decode(struct raw_feed *rf, struct arena *a, const char *data,
    size_t len, const char *http_charset, struct buf *out, size_t *out_len);

/*
 * parse_prep.c: passes over an XML document before libxml2 reads it.
 *
 * parse_prep_ampersands() appends doc[0..len) to out with every '&' that
 * starts no reference (outside CDATA sections, comments and processing
 * instructions) written "&amp;"; returns how many it changed.
 *
 * parse_prep_lift_cdata() fills lf: lf->doc is doc with every large CDATA
 * section emptied, and lf->v (sorted by end) says where each one ends in
 * lf->doc and where its content is in doc (which must outlive lf).
 * lf->n == 0 means nothing was lifted: read doc itself.  Free with
 * parse_prep_lift_free().  parse_prep_lift() is the same, and with
 * lift_text it also replaces long runs of character data by empty CDATA
 * sections (lf->n_text of them, from_text set): their text, references
 * decoded, is in doc or in lf->decoded.  That is only right when libxml2
 * finds the document well-formed (see parse_prep.c).
 */
struct parse_lifted {
	size_t end;             /* offset just past the emptied section's "]]>" in lf->doc */
	const char *text;       /* its content, in the original document or lf->decoded */
	size_t len;
	bool from_text;         /* character data, not a CDATA section */
	size_t at;              /* (while lifting: its offset in lf->decoded) */
};

struct parse_lift {
	struct parse_lifted *v;
	size_t n, cap;
	size_t n_text;          /* entries that were character data */
	struct buf doc;
	struct buf decoded;     /* character data with references decoded */
};

size_t parse_prep_ampersands(struct buf *out, const char *doc, size_t len);
void parse_prep_lift(struct parse_lift *lf, const char *doc, size_t len, bool lift_text);
void parse_prep_lift_cdata(struct parse_lift *lf, const char *doc, size_t len);
void parse_prep_lift_free(struct parse_lift *lf);

/*
 * parse_xml.c: reads an XML feed (UTF-8, as parse_charset_decode made
 * it) into rf, all strings in a.  base_url (may be NULL) is the base of
 * the document.
 */
void parse_xml_read(struct raw_feed *rf, struct arena *a, const char *doc, size_t len,
    const char *base_url);

/* parse_json.c: reads a JSON Feed 1.0/1.1 document into rf. */
void parse_json_read(struct raw_feed *rf, struct arena *a, const char *doc, size_t len,
    const char *base_url);

/*
 * normalise.c: turns rf into doc's fields and posts (plain text, UTC
 * dates clamped to opt->now, absolute URLs, sanitized HTML, guid and
 * content_hash).  Every string goes into doc->arena.
 */
void normalise_feed(struct feed_doc *doc, const struct raw_feed *rf,
    const struct parse_options *opt);

#endif
