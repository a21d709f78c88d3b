/*
 * parse_xml.c: XML feeds (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, CDF) into a
 * struct raw_feed, with libxml2's SAX2 parser (see parse.h).
 *
 * One pass, no tree.  Every element start is looked up in a sorted table
 * of (namespace group, local name) -> what it means; the answer depends
 * on where it stands (the scope: feed, item, Atom person, or a part we
 * skip such as <image> or <source>).  A text-valued element starts a
 * *capture*: characters go into one buffer until its end tag; child
 * elements inside a capture are inline markup and are serialized as HTML
 * into the same buffer (the text so far is escaped at the first child).
 * At the end tag the value is offered to its field with a rank; the best
 * rank wins (first one among equals, or the last one for dates).
 *
 * Safety (libxml2 2.9.14 has no XXE switch and no amplification limits,
 * and expands internal entities through SAX even without NOENT):
 *   - options are RECOVER | NONET | IGNORE_ENC, never NOENT, DTDLOAD,
 *     XINCLUDE or HUGE; no resolveEntity or externalSubset callback, so
 *     nothing is ever fetched or read from disk;
 *   - entityDecl keeps only internal general entities whose value is
 *     literal text (no '&', '%' or '<'), at most CAP_ENTITY_DECLS of at
 *     most CAP_ENTITY_VALUE_BYTES; an internal parameter entity, a value
 *     with references in it, or one over those caps stops the parser
 *     (bozo); external general entities are never defined (a reference
 *     stays literal text, bozo); an external parameter entity (a DTD
 *     module such as xhtml-lat1.ent) becomes an empty internal one, so
 *     its reference reads nothing and a valid document stays valid;
 *   - getEntity counts every expansion against CAP_ENTITY_EXPANSION and
 *     stops the parser past it;
 *   - depth is bounded by libxml2 (256 without HUGE) and CAP_XML_DEPTH,
 *     one field by CAP_FIELD_BYTES, items by CAP_ITEMS_PER_FEED.
 * Undeclared entities (&nbsp; in RSS) decode as HTML named references
 * (unknown names stay literal) and make the feed bozo.  A bare '&' makes
 * libxml2 drop text, so when one is reported the document is read again
 * with such ampersands escaped (parse_prep_ampersands).  Large CDATA
 * sections and long runs of character data are lifted out before libxml2
 * sees them (parse_prep_lift) and handed back by position in on_cdata().
 * Lifting character data assumes a well-formed document: when libxml2
 * reports any error in a read that lifted some, or a lifted run would
 * not fit its capture whole, the document is read again without.
 */
#include "caps.h"
#include "entities.h"
#include "log.h"
#include "parse.h"
#include "sanitize.h"
#include "url.h"
#include "util.h"

#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------- tables */

/* Namespaces are compared as groups: RSS's many namespaces are one. */
enum group {
	G_NONE,         /* no namespace, RSS 0.9x/1.0/2.0 ones, an unknown default one */
	G_ATOM,         /* Atom 1.0 and 0.3 */
	G_CONTENT, G_DC, G_DCTERMS, G_ITUNES, G_MEDIA, G_RDF, G_XHTML,
	G_OTHER,        /* any other prefixed namespace: ignored */
};

/* What a namespace says about the format, beyond its group. */
enum mark { MARK_NONE, MARK_ATOM03, MARK_ATOM10, MARK_RSS090, MARK_RSS10 };

/* Sorted by URI, case-insensitively (bsearch). */
static const struct ns {
	const char *uri;
	enum group group;
	enum mark mark;
} namespaces[] = {
	{ "http://backend.userland.com/rss", G_NONE, MARK_NONE },
	{ "http://backend.userland.com/rss2", G_NONE, MARK_NONE },
	{ "http://blogs.law.harvard.edu/tech/rss", G_NONE, MARK_NONE },
	{ "http://my.netscape.com/rdf/simple/0.9/", G_NONE, MARK_RSS090 },
	{ "http://purl.org/atom/ns#", G_ATOM, MARK_ATOM03 },
	{ "http://purl.org/dc/elements/1.1/", G_DC, MARK_NONE },
	{ "http://purl.org/dc/terms/", G_DCTERMS, MARK_NONE },
	{ "http://purl.org/rss/1.0/", G_NONE, MARK_RSS10 },
	{ "http://purl.org/rss/1.0/modules/content/", G_CONTENT, MARK_NONE },
	{ "http://search.yahoo.com/mrss", G_MEDIA, MARK_NONE },
	{ "http://search.yahoo.com/mrss/", G_MEDIA, MARK_NONE },
	{ "http://www.itunes.com/dtds/podcast-1.0.dtd", G_ITUNES, MARK_NONE },
	{ "http://www.w3.org/1999/02/22-rdf-syntax-ns#", G_RDF, MARK_NONE },
	{ "http://www.w3.org/1999/xhtml", G_XHTML, MARK_NONE },
	{ "http://www.w3.org/2005/atom", G_ATOM, MARK_ATOM10 },
};

/* Undeclared prefixes (a bozo feed) are read by their usual meaning. Sorted. */
static const struct prefix {
	const char *prefix;
	enum group group;
} prefixes[] = {
	{ "atom", G_ATOM }, { "content", G_CONTENT }, { "dc", G_DC },
	{ "dcterms", G_DCTERMS }, { "itunes", G_ITUNES }, { "media", G_MEDIA },
	{ "rdf", G_RDF }, { "xhtml", G_XHTML },
};

enum kind {
	K_RSS,          /* <rss version=...>: the format */
	K_RDF,          /* <rdf:RDF> */
	K_FEED,         /* Atom <feed>: feed scope */
	K_CHANNEL,      /* RSS/RDF <channel>, CDF <CHANNEL>: feed scope */
	K_ITEM,         /* <item>, <entry>, CDF <ITEM>: item scope */
	K_SKIP,         /* <image>, <textInput>, <source>, <contributor>: not ours */
	K_TEXT,         /* a value: capture it into `field` */
	K_LINK,         /* RSS link text, or an Atom link's href/rel/type */
	K_GUID,         /* RSS guid: the id, and the link when a permalink */
	K_AUTHOR,       /* Atom person (in Atom documents), else RSS author text */
	K_CATEGORY,     /* RSS category text, or Atom category/@term */
	K_ITUNES_CATEGORY, /* itunes:category/@text */
};

enum field {
	F_NONE, F_TITLE, F_SUMMARY, F_CONTENT, F_ID, F_LINK, F_SELF, F_GUID,
	F_PUBLISHED, F_UPDATED, F_TAG, F_TAGS_CSV, F_AUTHOR_TEXT,
	F_NAME, F_EMAIL, F_URI,
};

/* How a value is typed when it has no type attribute (README 1.2). */
enum deftype {
	D_PLAIN,        /* not a text construct: ids, links, dates, names */
	D_HTML,         /* RSS-style text construct, HTML unless typed */
	D_TITLE,        /* RSS-style title: HTML if it looks like HTML */
};

#define FL_FEED_ONLY    0x01    /* ignored inside items */
#define FL_ITEM_ONLY    0x02    /* ignored at feed level */
#define FL_LAST_WINS    0x04    /* a later value replaces an equal-ranked one */

/*
 * What elements mean, sorted by (group, name); names compare
 * case-insensitively (CDF is upper case, iTunes feeds use any case).
 * rank: lower wins when several elements fill one field (README 1.3's
 * "in order of preference").
 */
static const struct element {
	enum group group;
	const char *name;
	enum kind kind;
	enum field field;
	signed char rank;
	unsigned char flags;
	enum deftype deftype;
} elements[] = {
	{ G_NONE, "abstract", K_TEXT, F_SUMMARY, 2, 0, D_HTML },
	{ G_NONE, "author", K_AUTHOR, F_AUTHOR_TEXT, 0, 0, D_PLAIN },
	{ G_NONE, "body", K_TEXT, F_CONTENT, 1, FL_ITEM_ONLY, D_HTML },
	{ G_NONE, "category", K_CATEGORY, F_TAG, 0, FL_ITEM_ONLY, D_PLAIN },
	{ G_NONE, "channel", K_CHANNEL, F_NONE, 0, 0, D_PLAIN },
	{ G_NONE, "content", K_TEXT, F_CONTENT, 1, FL_ITEM_ONLY, D_HTML },
	{ G_NONE, "contributor", K_SKIP, F_NONE, 0, 0, D_PLAIN },
	{ G_NONE, "description", K_TEXT, F_SUMMARY, 0, 0, D_HTML },
	{ G_NONE, "email", K_TEXT, F_EMAIL, 0, 0, D_PLAIN },
	{ G_NONE, "entry", K_ITEM, F_NONE, 0, 0, D_PLAIN },
	{ G_NONE, "feed", K_FEED, F_NONE, 0, 0, D_PLAIN },
	{ G_NONE, "fullitem", K_TEXT, F_CONTENT, 1, FL_ITEM_ONLY, D_HTML },
	{ G_NONE, "guid", K_GUID, F_GUID, 0, FL_ITEM_ONLY, D_PLAIN },
	{ G_NONE, "homepage", K_TEXT, F_URI, 0, 0, D_PLAIN },
	{ G_NONE, "id", K_TEXT, F_ID, 0, FL_ITEM_ONLY, D_PLAIN },
	{ G_NONE, "image", K_SKIP, F_NONE, 0, 0, D_PLAIN },
	{ G_NONE, "issued", K_TEXT, F_PUBLISHED, 0, FL_ITEM_ONLY | FL_LAST_WINS, D_PLAIN },
	{ G_NONE, "item", K_ITEM, F_NONE, 0, 0, D_PLAIN },
	{ G_NONE, "link", K_LINK, F_LINK, 0, 0, D_PLAIN },
	{ G_NONE, "managingEditor", K_TEXT, F_AUTHOR_TEXT, 0, FL_FEED_ONLY, D_PLAIN },
	{ G_NONE, "modified", K_TEXT, F_UPDATED, 0, FL_ITEM_ONLY | FL_LAST_WINS, D_PLAIN },
	{ G_NONE, "name", K_TEXT, F_NAME, 0, 0, D_PLAIN },
	{ G_NONE, "pubDate", K_TEXT, F_PUBLISHED, 0, FL_ITEM_ONLY | FL_LAST_WINS, D_PLAIN },
	{ G_NONE, "published", K_TEXT, F_PUBLISHED, 0, FL_ITEM_ONLY | FL_LAST_WINS, D_PLAIN },
	{ G_NONE, "rss", K_RSS, F_NONE, 0, 0, D_PLAIN },
	{ G_NONE, "source", K_SKIP, F_NONE, 0, 0, D_PLAIN },
	{ G_NONE, "subtitle", K_TEXT, F_SUMMARY, 0, FL_FEED_ONLY, D_HTML },
	{ G_NONE, "summary", K_TEXT, F_SUMMARY, 0, 0, D_HTML },
	{ G_NONE, "tagline", K_TEXT, F_SUMMARY, 0, FL_FEED_ONLY, D_HTML },
	{ G_NONE, "tags", K_TEXT, F_TAGS_CSV, 0, FL_ITEM_ONLY, D_PLAIN },
	{ G_NONE, "textInput", K_SKIP, F_NONE, 0, 0, D_PLAIN },
	{ G_NONE, "title", K_TEXT, F_TITLE, 0, 0, D_TITLE },
	{ G_NONE, "updated", K_TEXT, F_UPDATED, 0, FL_ITEM_ONLY | FL_LAST_WINS, D_PLAIN },
	{ G_NONE, "uri", K_TEXT, F_URI, 0, 0, D_PLAIN },
	{ G_NONE, "url", K_TEXT, F_URI, 0, 0, D_PLAIN },

	{ G_ATOM, "author", K_AUTHOR, F_AUTHOR_TEXT, 0, 0, D_PLAIN },
	{ G_ATOM, "category", K_CATEGORY, F_TAG, 0, FL_ITEM_ONLY, D_PLAIN },
	{ G_ATOM, "content", K_TEXT, F_CONTENT, 1, FL_ITEM_ONLY, D_HTML },
	{ G_ATOM, "contributor", K_SKIP, F_NONE, 0, 0, D_PLAIN },
	{ G_ATOM, "email", K_TEXT, F_EMAIL, 0, 0, D_PLAIN },
	{ G_ATOM, "entry", K_ITEM, F_NONE, 0, 0, D_PLAIN },
	{ G_ATOM, "feed", K_FEED, F_NONE, 0, 0, D_PLAIN },
	{ G_ATOM, "homepage", K_TEXT, F_URI, 0, 0, D_PLAIN },
	{ G_ATOM, "id", K_TEXT, F_ID, 0, FL_ITEM_ONLY, D_PLAIN },
	{ G_ATOM, "image", K_SKIP, F_NONE, 0, 0, D_PLAIN },
	{ G_ATOM, "issued", K_TEXT, F_PUBLISHED, 0, FL_ITEM_ONLY | FL_LAST_WINS, D_PLAIN },
	{ G_ATOM, "link", K_LINK, F_LINK, 0, 0, D_PLAIN },
	{ G_ATOM, "modified", K_TEXT, F_UPDATED, 0, FL_ITEM_ONLY | FL_LAST_WINS, D_PLAIN },
	{ G_ATOM, "name", K_TEXT, F_NAME, 0, 0, D_PLAIN },
	{ G_ATOM, "published", K_TEXT, F_PUBLISHED, 0, FL_ITEM_ONLY | FL_LAST_WINS, D_PLAIN },
	{ G_ATOM, "source", K_SKIP, F_NONE, 0, 0, D_PLAIN },
	{ G_ATOM, "subtitle", K_TEXT, F_SUMMARY, 0, FL_FEED_ONLY, D_HTML },
	{ G_ATOM, "summary", K_TEXT, F_SUMMARY, 0, 0, D_HTML },
	{ G_ATOM, "tagline", K_TEXT, F_SUMMARY, 0, FL_FEED_ONLY, D_HTML },
	{ G_ATOM, "textInput", K_SKIP, F_NONE, 0, 0, D_PLAIN },
	{ G_ATOM, "title", K_TEXT, F_TITLE, 0, 0, D_TITLE },
	{ G_ATOM, "updated", K_TEXT, F_UPDATED, 0, FL_ITEM_ONLY | FL_LAST_WINS, D_PLAIN },
	{ G_ATOM, "uri", K_TEXT, F_URI, 0, 0, D_PLAIN },
	{ G_ATOM, "url", K_TEXT, F_URI, 0, 0, D_PLAIN },

	{ G_CONTENT, "encoded", K_TEXT, F_CONTENT, 0, FL_ITEM_ONLY, D_HTML },

	{ G_DC, "author", K_TEXT, F_AUTHOR_TEXT, 0, 0, D_PLAIN },
	{ G_DC, "creator", K_TEXT, F_AUTHOR_TEXT, 0, 0, D_PLAIN },
	{ G_DC, "date", K_TEXT, F_UPDATED, 0, FL_ITEM_ONLY | FL_LAST_WINS, D_PLAIN },
	{ G_DC, "description", K_TEXT, F_SUMMARY, 1, 0, D_HTML },
	{ G_DC, "subject", K_TEXT, F_TAG, 0, FL_ITEM_ONLY, D_PLAIN },
	{ G_DC, "title", K_TEXT, F_TITLE, 1, 0, D_TITLE },

	{ G_DCTERMS, "issued", K_TEXT, F_PUBLISHED, 0, FL_ITEM_ONLY | FL_LAST_WINS, D_PLAIN },
	{ G_DCTERMS, "modified", K_TEXT, F_UPDATED, 0, FL_ITEM_ONLY | FL_LAST_WINS, D_PLAIN },

	{ G_ITUNES, "author", K_TEXT, F_AUTHOR_TEXT, 0, 0, D_PLAIN },
	{ G_ITUNES, "category", K_ITUNES_CATEGORY, F_TAG, 0, FL_ITEM_ONLY, D_PLAIN },
	{ G_ITUNES, "subtitle", K_TEXT, F_SUMMARY, 4, FL_FEED_ONLY, D_HTML },
	{ G_ITUNES, "summary", K_TEXT, F_SUMMARY, 3, 0, D_HTML },

	{ G_MEDIA, "category", K_TEXT, F_TAG, 0, FL_ITEM_ONLY, D_PLAIN },
	{ G_MEDIA, "description", K_TEXT, F_SUMMARY, 5, 0, D_HTML },
	{ G_MEDIA, "title", K_TEXT, F_TITLE, 2, 0, D_TITLE },

	{ G_RDF, "RDF", K_RDF, F_NONE, 0, 0, D_PLAIN },

	{ G_XHTML, "body", K_TEXT, F_CONTENT, 1, FL_ITEM_ONLY, D_HTML },
};

/* HTML void elements: serialized as <br />, never closed. Sorted. */
static const char *const void_elements[] = {
	"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
	"meta", "param", "source", "track", "wbr",
};

/* Attributes whose value is a URL, resolved when an inline element has
 * a base of its own (a nested xml:base). Sorted. */
static const char *const url_attributes[] = {
	"action", "background", "cite", "codebase", "data", "href", "longdesc",
	"poster", "src", "usemap",
};

/* ---------------------------------------------------------------- state */

enum scope {
	S_DOC,          /* outside channel/feed: items may start here (RDF) */
	S_FEED,         /* children of channel/feed */
	S_ITEM,         /* children of an item/entry */
	S_PERSON,       /* children of an Atom author */
	S_SKIP,         /* inside something we ignore */
};

/* What to do when an element ends. */
enum close {
	C_NONE,
	C_ITEM,         /* the item is complete */
	C_PERSON,       /* the Atom person is complete */
	C_CAPTURE,      /* the value is complete: offer it */
	C_INLINE,       /* inline markup: write the end tag */
	C_INLINE_QUIET, /* inline markup without an end tag (void, dropped <div>) */
};

struct frame {
	const char *base;       /* base URI in effect here, or NULL */
	bool from_xml_base;
	enum scope scope;       /* of this element's children */
	enum close close;
};

/* An RSS guid is the link when isPermaLink says "true", or says nothing
 * and the guid is an absolute http(s) URL (so "12345" never becomes a
 * relative link). */
enum permalink { PERMALINK_NO, PERMALINK_IF_URL, PERMALINK_YES };

/* The value being read. */
struct capture {
	bool active;
	bool markup;            /* a child element was seen: text holds HTML */
	bool base64;            /* decode the text at the end */
	bool drop_div;          /* Atom 1.0 type="xhtml": skip the wrapping div */
	bool escaped_html;      /* type="html": the text is the markup */
	bool typepad_div;       /* type="html" wrapped in an XHTML div anyway: skipped */
	bool auto_type;         /* RSS title: HTML if it looks like HTML */
	enum permalink permalink;       /* RSS guid: may it stand in for the link? */
	enum raw_type type;
	enum field field;
	unsigned char flags;
	int rank;
	int depth;              /* stack depth of the capturing element */
	enum scope scope;       /* where the capturing element stands */
	const char *base;
	bool from_xml_base;
	struct buf text;
};

/*
 * What the tables said about a name met in this read, found again by
 * the name's address: libxml2 interns names in the document's
 * dictionary, so most are met many times at one address.  The name is
 * compared as well, so an address that came to hold another name is no
 * hit.  Cleared at the start of every read (the dictionary goes with
 * the parser).
 */
#define MEMO_BITS       6
#define MEMO_NAME_LEN   16

struct name_memo {
	const xmlChar *name;            /* NULL: empty */
	char copy[MEMO_NAME_LEN];       /* the name, NUL-terminated */
	int group;                      /* element_lookup()'s group; -1: is it void? */
	const struct element *el;
	bool is_void;
};

struct reader {
	xmlParserCtxtPtr ctxt;
	struct arena *arena;
	struct raw_feed *rf;
	struct entry *entry;            /* the item being read, or NULL */
	struct raw_author *person;      /* the Atom person being read, or NULL */
	bool atom;                      /* root is an Atom <feed> (or <entry>) */
	bool rdf;                       /* root is <rdf:RDF> */
	bool stopped;                   /* we stopped the parser */
	bool amp_error;                 /* libxml2 reported a bare '&' */
	int depth;                      /* open elements; stack[0] is the document */
	int overflow;                   /* elements deeper than CAP_XML_DEPTH */
	struct frame stack[CAP_XML_DEPTH + 1];
	struct capture cap;
	struct buf scratch;
	/* entities */
	xmlDocPtr entity_doc;           /* holds the entities we define */
	size_t n_entity_decls;
	size_t entity_bytes;            /* expanded so far */
	/* CDATA sections and character data taken out before parsing (parse_prep_lift) */
	const struct parse_lifted *lifted;
	size_t n_lifted;
	bool lifted_text;               /* this read lifted character data */
	bool lift_unsafe;               /* ...and a run would not have fitted whole */
	bool clean;                     /* the read met no error at all */
	unsigned n_errors;              /* errors libxml2 reported */
	/* one-entry cache of the last namespace URI seen (dict-interned) */
	const xmlChar *last_uri;
	const struct ns *last_ns;
	struct name_memo memo[1u << MEMO_BITS];
};

/* ---------------------------------------------------------------- small helpers */

static int
ns_cmp(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct ns *)elem)->uri);
}

static int
prefix_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct prefix *)elem)->prefix);
}

struct element_key {
	enum group group;
	const char *name;
};

static int
element_cmp(const void *key, const void *elem)
{
	const struct element_key *k = key;
	const struct element *e = elem;

	if (k->group != e->group)
		return k->group < e->group ? -1 : 1;
	return strcasecmp(k->name, e->name);
}

static int
string_cmp(const void *key, const void *elem)
{
	return strcasecmp(key, *(const char *const *)elem);
}

static bool
in_list(const char *const *list, size_t n, const char *name)
{
	return bsearch(name, list, n, sizeof(list[0]), string_cmp) != NULL;
}

static const struct ns *
ns_lookup(struct reader *r, const xmlChar *uri)
{
	if (uri != r->last_uri) {
		r->last_uri = uri;
		r->last_ns = bsearch(uri, namespaces, NELEM(namespaces), sizeof(namespaces[0]),
		    ns_cmp);
	}
	return r->last_ns;
}

/* The group of an element or attribute name with this prefix and URI. */
static enum group
group_of(struct reader *r, const xmlChar *prefix, const xmlChar *uri, enum mark *mark)
{
	const struct ns *ns;
	const struct prefix *p;

	*mark = MARK_NONE;
	if (uri == NULL || *uri == '\0') {
		if (prefix == NULL)
			return G_NONE;
		p = bsearch(prefix, prefixes, NELEM(prefixes), sizeof(prefixes[0]), prefix_cmp);
		return p != NULL ? p->group : G_OTHER;
	}
	ns = ns_lookup(r, uri);
	if (ns != NULL) {
		*mark = ns->mark;
		return ns->group;
	}
	return prefix == NULL ? G_NONE : G_OTHER;
}

static const struct element *
element_lookup(enum group group, const xmlChar *name)
{
	struct element_key k = { group, (const char *)name };

	if (group == G_OTHER)
		return NULL;
	return bsearch(&k, elements, NELEM(elements), sizeof(elements[0]), element_cmp);
}

/*
 * The memo slot for (name, group): *hit says whether it holds the answer;
 * NULL when the name is too long to be kept.
 */
static struct name_memo *
memo_slot(struct reader *r, const xmlChar *name, int group, bool *hit)
{
	struct name_memo *m;
	size_t len;

	m = &r->memo[(((uintptr_t)name >> 3) * 31 + (unsigned)group) & ((1u << MEMO_BITS) - 1)];
	*hit = m->name == name && m->group == group && strcmp(m->copy, (const char *)name) == 0;
	if (*hit)
		return m;
	len = strlen((const char *)name);
	if (len >= MEMO_NAME_LEN)
		return NULL;
	m->name = name;
	m->group = group;
	memcpy(m->copy, name, len + 1);
	return m;
}

/* element_lookup() through the memo. */
static const struct element *
element_lookup_memo(struct reader *r, enum group group, const xmlChar *name)
{
	struct name_memo *m;
	bool hit;

	m = memo_slot(r, name, (int)group, &hit);
	if (m == NULL)
		return element_lookup(group, name);
	if (!hit)
		m->el = element_lookup(group, name);
	return m->el;
}

/* Is name an HTML void element?  Through the memo. */
static bool
is_void_element(struct reader *r, const xmlChar *name)
{
	struct name_memo *m;
	bool hit;

	m = memo_slot(r, name, -1, &hit);
	if (m == NULL)
		return in_list(void_elements, NELEM(void_elements), (const char *)name);
	if (!hit)
		m->is_void = in_list(void_elements, NELEM(void_elements), (const char *)name);
	return m->is_void;
}

/* Does s contain word (ASCII, case-insensitively)? */
static bool
contains_nocase(struct slice s, const char *word)
{
	size_t n = strlen(word), i;

	for (i = 0; i + n <= s.len; i++) {
		if (strncasecmp(s.ptr + i, word, n) == 0)
			return true;
	}
	return false;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
stop(struct reader *r, const char *why)
{
	parse_set_bozo(r->rf, r->arena, why);
	if (!r->stopped) {
		r->stopped = true;
		xmlStopParser(r->ctxt);
	}
}

/* ---------------------------------------------------------------- attributes */

/*
 * SAX2 hands attributes as 5-pointer tuples: localname, prefix, URI,
 * value start, value end.  Values keep references other than the five
 * predefined ones as "&name;", and '&' itself as "&#38;".
 */
struct attr {
	const xmlChar *local, *prefix, *uri;
	const char *value;
	size_t len;
};

static struct attr
attr_at(const xmlChar **attrs, int i)
{
	struct attr a;

	a.local = attrs[i * 5];
	a.prefix = attrs[i * 5 + 1];
	a.uri = attrs[i * 5 + 2];
	a.value = (const char *)attrs[i * 5 + 3];
	a.len = (size_t)(attrs[i * 5 + 4] - attrs[i * 5 + 3]);
	return a;
}

/* The decoded value of attribute `name` (any namespace, any case), in the arena; or NULL. */
static const char *
attr_get(struct reader *r, int nb, const xmlChar **attrs, const char *name)
{
	struct attr a;
	int i;

	for (i = 0; i < nb; i++) {
		a = attr_at(attrs, i);
		if (strcasecmp((const char *)a.local, name) != 0)
			continue;
		if (memchr(a.value, '&', a.len) == NULL)
			return arena_strndup(r->arena, a.value, a.len);
		buf_reset(&r->scratch);
		entity_decode(&r->scratch, a.value, a.len);
		return arena_strndup(r->arena, buf_str(&r->scratch), r->scratch.len);
	}
	return NULL;
}

/* attr_get, trimmed and compared case-insensitively with s. */
static bool
value_is(const char *v, const char *s)
{
	struct slice sl;

	if (v == NULL)
		return false;
	sl = slice_trim(slice_from(v));
	return slice_eq_nocase(sl, s);
}

/* ---------------------------------------------------------------- offering values */

/* Copies a value into the arena as a struct raw. */
static struct raw
make_raw(struct reader *r, const char *s, size_t len, enum raw_type type, const char *base,
    bool from_xml_base, int rank)
{
	struct raw v;

	v.s = arena_strndup(r->arena, s, len);
	v.len = len;
	v.type = type;
	v.base = base;
	v.from_xml_base = from_xml_base;
	v.rank = rank;
	return v;
}

static bool
blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (!is_space(s[i]))
			return false;
	}
	return true;
}

/* Puts v into *dst when it ranks better (or equal, with last_wins). */
static void
offer(struct raw *dst, const struct raw *v, bool last_wins)
{
	if (dst->s == NULL || v->rank < dst->rank || (last_wins && v->rank <= dst->rank))
		*dst = *v;
}

static struct raw_author *
new_author(struct reader *r, enum scope scope)
{
	struct raw_author *au = arena_alloc(r->arena, sizeof(*au));

	if (scope == S_ITEM && r->entry != NULL)
		ptrvec_push(r->arena, &r->entry->authors, au);
	else
		ptrvec_push(r->arena, &r->rf->authors, au);
	return au;
}

static void
add_tag(struct reader *r, const char *s, size_t len)
{
	struct slice t = slice_trim((struct slice){ s, len });
	struct raw *v;

	if (r->entry == NULL || t.len == 0)
		return;
	v = arena_alloc(r->arena, sizeof(*v));
	*v = make_raw(r, t.ptr, t.len, RAW_TEXT, NULL, false, 0);
	ptrvec_push(r->arena, &r->entry->tags, v);
}

/* A non-standard <tags>a, b, c</tags>: one tag per comma-separated part. */
static void
add_tags_csv(struct reader *r, const char *s, size_t len)
{
	const char *end = s + len, *comma;

	while (s < end) {
		comma = memchr(s, ',', (size_t)(end - s));
		if (comma == NULL)
			comma = end;
		add_tag(r, s, (size_t)(comma - s));
		s = comma + 1;
	}
}

/* Does s[0..len) start (after white space) with http:// or https://? */
static bool
absolute_http(const char *s, size_t len)
{
	struct slice t = slice_trim((struct slice){ s, len });

	return (t.len > 7 && strncasecmp(t.ptr, "http://", 7) == 0) ||
	    (t.len > 8 && strncasecmp(t.ptr, "https://", 8) == 0);
}

/* Where a value read in `scope` goes. */
static void
deliver(struct reader *r, enum field field, enum scope scope, unsigned char flags,
    struct raw *v, enum permalink permalink)
{
	struct entry *e = scope == S_ITEM ? r->entry : NULL;
	struct raw_feed *rf = r->rf;
	bool last = (flags & FL_LAST_WINS) != 0;

	if (scope == S_ITEM && e == NULL)
		return;
	switch (field) {
	case F_TITLE:
		offer(e != NULL ? &e->title : &rf->title, v, last);
		break;
	case F_SUMMARY:
		offer(e != NULL ? &e->summary : &rf->description, v, last);
		break;
	case F_CONTENT:
		if (e != NULL)
			offer(&e->content, v, last);
		break;
	case F_ID:
		if (e != NULL)
			offer(&e->id, v, last);
		break;
	case F_GUID:
		if (e == NULL)
			break;
		if (permalink == PERMALINK_YES ||
		    (permalink == PERMALINK_IF_URL && absolute_http(v->s, v->len)))
			offer(&e->guid_link, v, false);
		v->base = NULL;         /* an RSS guid is an opaque string */
		offer(&e->id, v, false);
		break;
	case F_LINK:
		offer(e != NULL ? &e->link : &rf->home_page_url, v, last);
		break;
	case F_SELF:
		if (e == NULL)
			offer(&rf->feed_url, v, false);
		break;
	case F_PUBLISHED:
		if (e != NULL)
			offer(&e->published, v, true);
		break;
	case F_UPDATED:
		if (e != NULL)
			offer(&e->updated, v, true);
		break;
	case F_TAG:
		add_tag(r, v->s, v->len);
		break;
	case F_TAGS_CSV:
		add_tags_csv(r, v->s, v->len);
		break;
	case F_AUTHOR_TEXT: {
		struct raw_author *au = new_author(r, scope);

		au->name = *v;
		au->combined = true;
		break;
	}
	case F_NAME:
	case F_EMAIL:
	case F_URI:
		if (r->person == NULL)
			break;
		offer(field == F_NAME ? &r->person->name : field == F_EMAIL ?
		    &r->person->email : &r->person->url, v, false);
		break;
	case F_NONE:
		break;
	}
}

/* ---------------------------------------------------------------- capture */

/* Appends an attribute value for a double-quoted HTML attribute. '&' is
 * kept: libxml2 already wrote every '&' as the start of a reference. */
static void
escape_attr(struct buf *out, const char *s, size_t len)
{
	const char *end = s + len, *run = s;

	for (; s < end; s++) {
		const char *rep;

		switch (*s) {
		case '"': rep = "&quot;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		default: continue;
		}
		buf_append(out, run, (size_t)(s - run));
		buf_puts(out, rep);
		run = s + 1;
	}
	buf_append(out, run, (size_t)(s - run));
}

/* The type attribute rules of README 1.2, for a text construct. */
static void
capture_type(struct reader *r, struct capture *c, const struct element *el, enum group group,
    int nb, const xmlChar **attrs)
{
	const char *type = attr_get(r, nb, attrs, "type");
	const char *mode = attr_get(r, nb, attrs, "mode");
	bool atom = group == G_ATOM || (group == G_NONE && r->atom);
	struct slice t;

	c->type = RAW_HTML;
	if (value_is(mode, "base64"))
		c->base64 = true;
	if (type != NULL && *type != '\0') {
		t = slice_trim(slice_from(type));
		if (slice_eq_nocase(t, "text") || slice_eq_nocase(t, "text/plain")) {
			c->type = RAW_TEXT;
		} else if (contains_nocase(t, "html") || contains_nocase(t, "xml")) {
			c->type = RAW_HTML;
			c->drop_div = slice_eq_nocase(t, "xhtml");
			c->escaped_html = slice_eq_nocase(t, "html") || slice_eq_nocase(t, "text/html");
		} else {
			c->type = RAW_TEXT;
			if (atom)
				c->base64 = true;
		}
		return;
	}
	if (value_is(mode, "escaped") || value_is(mode, "xml"))
		c->type = RAW_HTML;
	else if (atom)
		c->type = RAW_TEXT;
	else if (el->deftype == D_TITLE)
		c->auto_type = true;
}

static void
capture_start(struct reader *r, const struct frame *f, const struct element *el,
    enum group group, enum field field, enum scope scope, int nb, const xmlChar **attrs)
{
	struct capture *c = &r->cap;

	c->active = true;
	c->markup = false;
	c->base64 = false;
	c->drop_div = false;
	c->escaped_html = false;
	c->typepad_div = false;
	c->auto_type = false;
	c->permalink = PERMALINK_NO;
	c->type = RAW_TEXT;
	c->field = field;
	c->flags = el->flags;
	c->rank = el->rank;
	c->depth = r->depth;
	c->scope = scope;
	c->base = f->base;
	c->from_xml_base = f->from_xml_base;
	buf_reset(&c->text);
	if (el->deftype != D_PLAIN)
		capture_type(r, c, el, group, nb, attrs);
	else if (field == F_AUTHOR_TEXT || field == F_NAME)
		c->auto_type = true;
}

/* Standard base64 with white space ignored; -1 on anything else. */
static int
base64_decode(struct buf *out, const char *s, size_t len)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned int acc = 0;
	int bits = 0;
	size_t i;
	const char *p;

	for (i = 0; i < len; i++) {
		if (is_space(s[i]))
			continue;
		if (s[i] == '=')
			break;
		p = memchr(alphabet, s[i], 64);
		if (p == NULL || s[i] == '\0')
			return -1;
		acc = (acc << 6) | (unsigned int)(p - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_putc(out, (char)((acc >> bits) & 0xFF));
		}
	}
	return 0;
}

static void
capture_end(struct reader *r)
{
	struct capture *c = &r->cap;
	const char *s = buf_str(&c->text);
	size_t len = c->text.len;
	enum raw_type type = c->type;
	struct raw v;

	c->active = false;
	if (c->base64 && !c->markup) {
		buf_reset(&r->scratch);
		if (base64_decode(&r->scratch, s, len) == 0 &&
		    memchr(buf_str(&r->scratch), '\0', r->scratch.len) == NULL &&
		    util_utf8_valid(buf_str(&r->scratch), r->scratch.len)) {
			s = buf_str(&r->scratch);
			len = r->scratch.len;
		}
	}
	if (blank(s, len))
		return;         /* an empty element is no value (an empty href="" is) */
	if (c->markup)
		type = RAW_HTML;
	else if (c->auto_type)
		type = html_looks_like_html(s, len) ? RAW_HTML : RAW_TEXT;
	v = make_raw(r, s, len, type, c->base, c->from_xml_base, c->rank);
	deliver(r, c->field, c->scope, c->flags, &v, c->permalink);
}

/* The first child element of a capture: what was read is text, escape it. */
static void
capture_to_markup(struct reader *r)
{
	struct capture *c = &r->cap;
	struct buf tmp;

	buf_reset(&r->scratch);
	html_escape(&r->scratch, buf_str(&c->text), c->text.len);
	tmp = c->text;
	c->text = r->scratch;
	r->scratch = tmp;
	c->text.max = CAP_FIELD_BYTES;  /* the caps stay with their roles */
	r->scratch.max = 0;
	c->markup = true;
}

/* A child element inside a capture: serialize its start tag as HTML. */
static void
inline_start(struct reader *r, struct frame *f, const xmlChar *local, int nb,
    const xmlChar **attrs)
{
	struct capture *c = &r->cap;
	struct attr a;
	int i;

	if (!c->markup && c->escaped_html && !c->typepad_div && r->depth == c->depth + 1 &&
	    strcasecmp((const char *)local, "div") == 0 && blank(buf_str(&c->text), c->text.len)) {
		/* TypePad: <content type="html"><div xmlns=XHTML>escaped HTML</div> */
		c->typepad_div = true;
		f->close = C_INLINE_QUIET;
		return;
	}
	if (!c->markup)
		capture_to_markup(r);
	if (c->drop_div && r->depth == c->depth + 1 && strcasecmp((const char *)local, "div") == 0) {
		c->drop_div = false;
		f->close = C_INLINE_QUIET;
		return;
	}
	buf_putc(&c->text, '<');
	buf_puts(&c->text, (const char *)local);
	for (i = 0; i < nb; i++) {
		a = attr_at(attrs, i);
		if (a.uri != NULL && strcmp((const char *)a.uri, (const char *)XML_XML_NAMESPACE) == 0)
			continue;       /* xml:base, xml:lang: not HTML */
		buf_putc(&c->text, ' ');
		if (a.prefix != NULL) {
			buf_puts(&c->text, (const char *)a.prefix);
			buf_putc(&c->text, ':');
		}
		buf_puts(&c->text, (const char *)a.local);
		buf_puts(&c->text, "=\"");
		if (f->base != c->base && f->base != NULL &&
		    in_list(url_attributes, NELEM(url_attributes), (const char *)a.local)) {
			char *ref = arena_strndup(r->arena, a.value, a.len);

			buf_reset(&r->scratch);
			url_resolve(&r->scratch, f->base, ref);
			escape_attr(&c->text, buf_str(&r->scratch), r->scratch.len);
		} else {
			escape_attr(&c->text, a.value, a.len);
		}
		buf_putc(&c->text, '"');
	}
	if (is_void_element(r, local)) {
		buf_puts(&c->text, " />");
		f->close = C_INLINE_QUIET;
	} else {
		buf_putc(&c->text, '>');
		f->close = C_INLINE;
	}
}

/* ---------------------------------------------------------------- element starts */

static void
start_rss(struct reader *r, int nb, const xmlChar **attrs)
{
	const char *v = attr_get(r, nb, attrs, "version");
	struct slice s;

	if (v == NULL)
		return;
	s = slice_trim(slice_from(v));
	if (s.len >= 1 && s.ptr[0] == '2')
		r->rf->format = FORMAT_RSS20;
	else if (s.len >= 3 && memcmp(s.ptr, "0.9", 3) == 0)
		r->rf->format = FORMAT_RSS09X;
}

static void
mark_format(struct reader *r, enum mark mark)
{
	if (!r->rdf || r->rf->format != FORMAT_UNKNOWN)
		return;
	if (mark == MARK_RSS090)
		r->rf->format = FORMAT_RSS09X;
	else if (mark == MARK_RSS10)
		r->rf->format = FORMAT_RSS10;
}

static void
start_feed(struct reader *r, struct frame *f, enum mark mark, int nb, const xmlChar **attrs)
{
	const char *version;

	r->atom = true;
	if (r->rf->format == FORMAT_UNKNOWN) {
		if (mark == MARK_ATOM10) {
			r->rf->format = FORMAT_ATOM10;
		} else if (mark == MARK_ATOM03) {
			r->rf->format = FORMAT_ATOM03;
		} else {
			version = attr_get(r, nb, attrs, "version");
			if (value_is(version, "0.3"))
				r->rf->format = FORMAT_ATOM03;
		}
	}
	f->scope = S_FEED;
}

static void
start_channel(struct reader *r, struct frame *f, enum mark mark, int nb, const xmlChar **attrs)
{
	const char *href;
	struct raw v;

	if (r->depth == 1 && r->rf->format == FORMAT_UNKNOWN)
		r->rf->format = FORMAT_CDF;
	mark_format(r, mark);
	f->scope = S_FEED;
	href = attr_get(r, nb, attrs, "href");
	if (href != NULL) {
		v = make_raw(r, href, strlen(href), RAW_TEXT, f->base, f->from_xml_base, 0);
		offer(&r->rf->home_page_url, &v, false);
	}
}

static void
start_item(struct reader *r, struct frame *f, enum mark mark, int nb, const xmlChar **attrs)
{
	struct entry *e;
	const char *v;
	struct raw raw;

	if (r->rf->entries.n >= CAP_ITEMS_PER_FEED) {
		stop(r, "too many items");
		return;
	}
	if (r->depth == 1)
		r->atom = mark == MARK_ATOM10 || mark == MARK_ATOM03;
	mark_format(r, mark);
	e = arena_alloc(r->arena, sizeof(*e));
	ptrvec_push(r->arena, &r->rf->entries, e);
	r->entry = e;
	f->scope = S_ITEM;
	f->close = C_ITEM;
	if (nb == 0)
		return;
	v = attr_get(r, nb, attrs, "about");            /* RDF */
	if (v != NULL) {
		raw = make_raw(r, v, strlen(v), RAW_TEXT, NULL, false, 2);
		offer(&e->id, &raw, false);
	}
	v = attr_get(r, nb, attrs, "href");             /* CDF */
	if (v != NULL) {
		raw = make_raw(r, v, strlen(v), RAW_TEXT, f->base, f->from_xml_base, 0);
		offer(&e->link, &raw, false);
	}
	v = attr_get(r, nb, attrs, "lastmod");          /* CDF */
	if (v != NULL) {
		raw = make_raw(r, v, strlen(v), RAW_TEXT, NULL, false, 0);
		offer(&e->updated, &raw, true);
	}
}

/* rel="alternate" (or none) with an HTML type (or none) is the link. */
static void
start_link(struct reader *r, struct frame *f, const struct element *el, enum group group,
    enum scope scope, int nb, const xmlChar **attrs)
{
	const char *href = attr_get(r, nb, attrs, "href");
	const char *rel = attr_get(r, nb, attrs, "rel");
	const char *type = attr_get(r, nb, attrs, "type");
	bool atom_style = href != NULL || rel != NULL || group == G_ATOM;
	enum field field = F_LINK;
	int rank = 0;
	struct raw v;

	if (atom_style) {
		if (value_is(rel, "self")) {
			field = F_SELF;
		} else if (rel != NULL && !value_is(rel, "alternate") && !value_is(rel, "")) {
			return;         /* enclosure, related, via...: never the link */
		} else if (type != NULL && !value_is(type, "text/html") &&
		    !value_is(type, "application/xhtml+xml") && !value_is(type, "")) {
			rank = 1;       /* an alternate in another format: a last resort */
		}
	}
	if (href != NULL) {
		v = make_raw(r, href, strlen(href), RAW_TEXT, f->base, f->from_xml_base, rank);
		deliver(r, field, scope, 0, &v, PERMALINK_NO);
		return;
	}
	capture_start(r, f, el, group, field, scope, nb, attrs);
	r->cap.rank = rank;
	f->close = C_CAPTURE;
}

static void
start_author(struct reader *r, struct frame *f, const struct element *el, enum group group,
    enum scope scope, int nb, const xmlChar **attrs)
{
	if (group == G_ATOM || r->atom) {
		r->person = new_author(r, scope);
		f->scope = S_PERSON;
		f->close = C_PERSON;
		return;
	}
	capture_start(r, f, el, group, F_AUTHOR_TEXT, scope, nb, attrs);
	f->close = C_CAPTURE;
}

static void
start_category(struct reader *r, struct frame *f, const struct element *el, enum group group,
    enum scope scope, int nb, const xmlChar **attrs)
{
	const char *term = attr_get(r, nb, attrs, el->kind == K_ITUNES_CATEGORY ? "text" : "term");

	if (term != NULL) {
		add_tag(r, term, strlen(term));
		return;
	}
	if (el->kind == K_ITUNES_CATEGORY)
		return;
	capture_start(r, f, el, group, F_TAG, scope, nb, attrs);
	f->close = C_CAPTURE;
}

/* Is a value of this element wanted in this scope? */
static bool
wanted(const struct element *el, enum scope scope)
{
	bool person_field = el->field == F_NAME || el->field == F_EMAIL || el->field == F_URI;

	if (person_field)
		return scope == S_PERSON;
	if (scope == S_FEED)
		return (el->flags & FL_ITEM_ONLY) == 0;
	if (scope == S_ITEM)
		return (el->flags & FL_FEED_ONLY) == 0;
	return false;
}

static void
dispatch(struct reader *r, struct frame *f, const struct element *el, enum group group,
    enum mark mark, enum scope scope, int nb, const xmlChar **attrs)
{
	switch (el->kind) {
	case K_RSS:
		start_rss(r, nb, attrs);
		break;
	case K_RDF:
		if (r->depth == 1)
			r->rdf = true;
		break;      /* its namespace declarations are read by on_start */
	case K_FEED:
		if (scope == S_DOC)
			start_feed(r, f, mark, nb, attrs);
		break;
	case K_CHANNEL:
		if (scope == S_DOC)
			start_channel(r, f, mark, nb, attrs);
		break;
	case K_ITEM:
		if (scope == S_DOC || scope == S_FEED)
			start_item(r, f, mark, nb, attrs);
		break;
	case K_SKIP:
		if (scope != S_DOC)
			f->scope = S_SKIP;
		break;
	case K_TEXT:
	case K_GUID:
		if (!wanted(el, scope))
			break;
		capture_start(r, f, el, group, el->field, scope, nb, attrs);
		if (el->kind == K_GUID) {
			const char *pl = attr_get(r, nb, attrs, "isPermaLink");

			r->cap.permalink = pl == NULL ? PERMALINK_IF_URL :
			    value_is(pl, "false") ? PERMALINK_NO : PERMALINK_YES;
		}
		f->close = C_CAPTURE;
		break;
	case K_LINK:
		if (scope == S_FEED || scope == S_ITEM)
			start_link(r, f, el, group, scope, nb, attrs);
		break;
	case K_AUTHOR:
		if (scope == S_FEED || scope == S_ITEM)
			start_author(r, f, el, group, scope, nb, attrs);
		break;
	case K_CATEGORY:
	case K_ITUNES_CATEGORY:
		if (scope == S_ITEM)
			start_category(r, f, el, group, scope, nb, attrs);
		break;
	}
}

/* ---------------------------------------------------------------- SAX callbacks */

/* <rdf:RDF xmlns="http://my.netscape.com/rdf/simple/0.9/">: the root's
 * declarations tell the RSS version even when there is no channel. */
static void
rdf_namespaces(struct reader *r, int nb, const xmlChar **decls)
{
	const struct ns *ns;
	int i;

	for (i = 0; i < nb; i++) {
		if (decls[i * 2 + 1] == NULL)
			continue;
		ns = ns_lookup(r, decls[i * 2 + 1]);
		if (ns != NULL)
			mark_format(r, ns->mark);
	}
}

/* An xml:base on this element: the new base, resolved against the parent's. */
static void
frame_base(struct reader *r, struct frame *f, int nb, const xmlChar **attrs)
{
	struct attr a;
	int i;

	for (i = 0; i < nb; i++) {
		a = attr_at(attrs, i);
		if (a.uri == NULL || strcmp((const char *)a.local, "base") != 0 ||
		    strcmp((const char *)a.uri, (const char *)XML_XML_NAMESPACE) != 0)
			continue;
		buf_reset(&r->scratch);
		url_resolve(&r->scratch, f->base, arena_strndup(r->arena, a.value, a.len));
		f->base = arena_strndup(r->arena, buf_str(&r->scratch), r->scratch.len);
		f->from_xml_base = true;
		return;
	}
}

static void
on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
    int nb_namespaces, const xmlChar **namespaces_, int nb_attributes, int nb_defaulted,
    const xmlChar **attrs)
{
	struct reader *r = ctx;
	struct frame *parent, *f;
	const struct element *el;
	enum group group;
	enum mark mark;

	(void)nb_defaulted;
	if (r->stopped)
		return;
	if (r->depth >= CAP_XML_DEPTH || r->overflow > 0) {
		r->overflow++;
		return;
	}
	parent = &r->stack[r->depth];
	f = &r->stack[++r->depth];
	f->base = parent->base;
	f->from_xml_base = parent->from_xml_base;
	f->scope = parent->scope;
	f->close = C_NONE;
	if (nb_attributes > 0)
		frame_base(r, f, nb_attributes, attrs);
	if (r->cap.active) {
		inline_start(r, f, local, nb_attributes, attrs);
		return;
	}
	if (parent->scope == S_SKIP)
		return;
	group = group_of(r, prefix, uri, &mark);
	el = element_lookup_memo(r, group, local);
	if (el == NULL)
		return;
	dispatch(r, f, el, group, mark, parent->scope, nb_attributes, attrs);
	if (el->kind == K_RDF && r->rdf)
		rdf_namespaces(r, nb_namespaces, namespaces_);
}

/* Closes the innermost open element; local is NULL when the document
 * ended before its end tag. */
static void
close_frame(struct reader *r, const xmlChar *local)
{
	struct frame *f = &r->stack[r->depth];

	switch (f->close) {
	case C_NONE:
	case C_INLINE_QUIET:
		break;
	case C_ITEM:
		r->entry = NULL;
		break;
	case C_PERSON:
		r->person = NULL;
		break;
	case C_CAPTURE:
		capture_end(r);
		break;
	case C_INLINE:
		if (local != NULL) {
			buf_puts(&r->cap.text, "</");
			buf_puts(&r->cap.text, (const char *)local);
			buf_putc(&r->cap.text, '>');
		}
		break;
	}
	r->depth--;
}

static void
on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	struct reader *r = ctx;

	(void)prefix;
	(void)uri;
	if (r->stopped)
		return;         /* on_start pushes nothing either; the final flush closes */
	if (r->overflow > 0) {
		r->overflow--;
		return;
	}
	if (r->depth > 0)
		close_frame(r, local);
}

static void
on_characters(void *ctx, const xmlChar *ch, int len)
{
	struct reader *r = ctx;
	struct capture *c = &r->cap;

	if (!c->active || r->overflow > 0 || len <= 0)
		return;
	/* past CAP_FIELD_BYTES appends are refused: the value is cut short */
	if (c->markup)
		html_escape(&c->text, (const char *)ch, (size_t)len);
	else
		(void)buf_append(&c->text, ch, (size_t)len);
}

static int
lifted_cmp(const void *key, const void *elem)
{
	size_t at = *(const size_t *)key, end = ((const struct parse_lifted *)elem)->end;

	return at < end ? -1 : at > end;
}

/* An empty CDATA section may be one parse_prep_lift() lifted: its
 * position says which.  A lifted run of character data arrives in one
 * piece where libxml2 would have sent several; that is the same unless
 * the capture's cap cuts it, so then the read does not count. */
static void
on_cdata(void *ctx, const xmlChar *ch, int len)
{
	struct reader *r = ctx;
	xmlParserInputPtr in = r->ctxt != NULL ? r->ctxt->input : NULL;
	const struct parse_lifted *l;
	size_t at;

	if (len == 0 && r->n_lifted > 0 && in != NULL && in->cur >= in->base) {
		at = (size_t)in->consumed + (size_t)(in->cur - in->base);
		l = bsearch(&at, r->lifted, r->n_lifted, sizeof(*l), lifted_cmp);
		if (l != NULL) {
			ch = (const xmlChar *)l->text;
			len = (int)l->len;
			if (l->from_text && r->cap.active &&
			    6 * l->len > CAP_FIELD_BYTES - r->cap.text.len)
				r->lift_unsafe = true;
		}
	}
	on_characters(ctx, ch, len);
}

/* ---------------------------------------------------------------- entities */

static xmlDocPtr
entity_doc(struct reader *r)
{
	if (r->entity_doc == NULL) {
		r->entity_doc = xmlNewDoc(BAD_CAST "1.0");
		if (r->entity_doc == NULL ||
		    xmlCreateIntSubset(r->entity_doc, BAD_CAST "entities", NULL, NULL) == NULL)
			log_fatal("out of memory");
	}
	return r->entity_doc;
}

static void
on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
    const xmlChar *system_id, xmlChar *content)
{
	struct reader *r = ctx;
	size_t len;

	(void)public_id;
	(void)system_id;
	if (r->stopped)
		return;
	switch (type) {
	case XML_INTERNAL_GENERAL_ENTITY:
		break;
	case XML_INTERNAL_PARAMETER_ENTITY:
		stop(r, "parameter entity declared in the document");
		return;
	case XML_EXTERNAL_PARAMETER_ENTITY:
		/* never read: a reference to it expands to nothing */
		if (r->n_entity_decls++ < CAP_ENTITY_DECLS &&
		    xmlGetParameterEntity(entity_doc(r), name) == NULL)
			xmlAddDocEntity(entity_doc(r), name, XML_INTERNAL_PARAMETER_ENTITY, NULL,
			    NULL, BAD_CAST "");
		return;
	default:
		return;         /* external general entities are never defined, never read */
	}
	len = content != NULL ? strlen((const char *)content) : 0;
	if (r->n_entity_decls >= CAP_ENTITY_DECLS || len > CAP_ENTITY_VALUE_BYTES) {
		stop(r, "too many or too large entity declarations");
		return;
	}
	if (content != NULL && strpbrk((const char *)content, "&%") != NULL) {
		stop(r, "entity value with references");
		return;
	}
	if (content != NULL && strchr((const char *)content, '<') != NULL)
		return;         /* markup in an entity: not literal text, leave undefined */
	r->n_entity_decls++;
	if (xmlGetDocEntity(entity_doc(r), name) == NULL)
		xmlAddDocEntity(entity_doc(r), name, XML_INTERNAL_GENERAL_ENTITY, NULL, NULL,
		    content != NULL ? content : BAD_CAST "");
}

/* An entity the document never declared: an HTML name, else kept literally. */
static xmlEntityPtr
define_undeclared(struct reader *r, const xmlChar *name)
{
	size_t n = strlen((const char *)name);
	uint32_t cp = entity_lookup((const char *)name, n);

	parse_set_bozo(r->rf, r->arena, "undefined entity");
	buf_reset(&r->scratch);
	if (cp != 0) {
		entity_put_utf8(&r->scratch, cp);
	} else {
		buf_puts(&r->scratch, "&#38;");
		buf_append(&r->scratch, name, n);
		buf_putc(&r->scratch, ';');
	}
	return xmlAddDocEntity(entity_doc(r), name, XML_INTERNAL_GENERAL_ENTITY, NULL, NULL,
	    (const xmlChar *)buf_str(&r->scratch));
}

static xmlEntityPtr
on_get_entity(void *ctx, const xmlChar *name)
{
	struct reader *r = ctx;
	xmlEntityPtr ent = NULL;

	if (r->stopped)
		return NULL;
	if (r->entity_doc != NULL)
		ent = xmlGetDocEntity(r->entity_doc, name);
	if (ent == NULL) {
		if (r->ctxt->inSubset != 0)
			return NULL;
		ent = define_undeclared(r, name);
	}
	if (ent == NULL)
		return NULL;
	r->entity_bytes += (size_t)(ent->length > 0 ? ent->length : 0) + 1;
	if (r->entity_bytes > CAP_ENTITY_EXPANSION) {
		stop(r, "entity expansion over budget");
		return NULL;
	}
	return ent;
}

/* Only the empty stand-ins of external parameter entities exist. */
static xmlEntityPtr
on_get_parameter_entity(void *ctx, const xmlChar *name)
{
	struct reader *r = ctx;

	if (r->stopped || r->entity_doc == NULL)
		return NULL;
	return xmlGetParameterEntity(r->entity_doc, name);
}

static void
on_error(void *ctx, xmlErrorPtr err)
{
	struct reader *r = ctx;

	if (err == NULL || err->level < XML_ERR_ERROR)
		return;
	r->n_errors++;
	switch (err->code) {
	case XML_ERR_NAME_REQUIRED:             /* "& " */
	case XML_ERR_ENTITYREF_SEMICOL_MISSING: /* "&a=1" */
	case XML_ERR_INVALID_HEX_CHARREF:       /* "&#X41;", "&#xZZ;" */
	case XML_ERR_INVALID_DEC_CHARREF:       /* "&#1a;" */
	case XML_ERR_INVALID_CHARREF:
		r->amp_error = true;
		break;
	default:
		break;
	}
	if (r->rf->bozo_reason == NULL && err->message != NULL) {
		/* the first line only: libxml2 may quote 50 bytes of the
		 * document after it, cut in the middle of a character */
		struct slice m = slice_trim(slice_from(err->message));
		const char *nl = memchr(m.ptr, '\n', m.len);

		if (nl != NULL)
			m.len = (size_t)(nl - m.ptr);
		buf_reset(&r->scratch);
		util_utf8_repair(&r->scratch, m.ptr, m.len);
		r->rf->bozo_reason = arena_strndup(r->arena, buf_str(&r->scratch), r->scratch.len);
	}
	r->rf->bozo = true;
}

/* ---------------------------------------------------------------- the read */

static const xmlSAXHandler sax_handler = {
	.initialized = XML_SAX2_MAGIC,
	.startElementNs = on_start,
	.endElementNs = on_end,
	.characters = on_characters,
	.cdataBlock = on_cdata,
	.entityDecl = on_entity_decl,
	.getEntity = on_get_entity,
	.getParameterEntity = on_get_parameter_entity,
	.serror = on_error,
};

/* One pass of libxml2 over doc; fills r->rf. */
static void
read_once(struct reader *r, const char *doc, size_t len, bool lift_text)
{
	xmlParserCtxtPtr ctxt;
	struct parse_lift lf;

	memset(r->memo, 0, sizeof(r->memo));
	parse_prep_lift(&lf, doc, len, lift_text);
	r->lifted_text = lf.n_text > 0;
	if (lf.n > 0) {
		r->lifted = lf.v;
		r->n_lifted = lf.n;
		doc = buf_str(&lf.doc);
		len = lf.doc.len;
	}
	ctxt = xmlCreateMemoryParserCtxt(doc, (int)len);
	if (ctxt == NULL) {
		parse_set_bozo(r->rf, r->arena, "cannot start the XML parser");
		goto done;
	}
	memcpy(ctxt->sax, &sax_handler, sizeof(sax_handler));
	ctxt->userData = r;
	xmlCtxtUseOptions(ctxt, XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_IGNORE_ENC |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	r->ctxt = ctxt;
	xmlParseDocument(ctxt);
	if (!ctxt->wellFormed)
		parse_set_bozo(r->rf, r->arena, "not well-formed");
	if (!ctxt->nsWellFormed)
		parse_set_bozo(r->rf, r->arena, "namespace error");
	r->clean = ctxt->wellFormed && ctxt->nsWellFormed && r->n_errors == 0 &&
	    !r->stopped && !r->lift_unsafe;
	while (r->depth > 0)
		close_frame(r, NULL);
	if (r->rdf && r->rf->format == FORMAT_UNKNOWN)
		r->rf->format = FORMAT_RSS10;
	if (ctxt->myDoc != NULL)       /* libxml2's own SAX1-compat record of entity declarations */
		xmlFreeDoc(ctxt->myDoc);
	ctxt->myDoc = NULL;
	xmlFreeParserCtxt(ctxt);
	r->ctxt = NULL;
done:
	r->lifted = NULL;
	r->n_lifted = 0;
	parse_prep_lift_free(&lf);
}

static void
reader_init(struct reader *r, struct raw_feed *rf, struct arena *a, const char *base_url)
{
	memset(r, 0, sizeof(*r));
	r->rf = rf;
	r->arena = a;
	r->stack[0].base = base_url != NULL && *base_url != '\0' ? base_url : NULL;
	r->stack[0].scope = S_DOC;
	buf_init(&r->cap.text, CAP_FIELD_BYTES);
	buf_init(&r->scratch, 0);
}

static void
reader_reset(struct reader *r)
{
	buf_free(&r->cap.text);
	buf_free(&r->scratch);
	if (r->entity_doc != NULL)
		xmlFreeDoc(r->entity_doc);
	r->entity_doc = NULL;
}

void
parse_xml_read(struct raw_feed *rf, struct arena *a, const char *doc, size_t len,
    const char *base_url)
{
	struct raw_feed saved = *rf;
	struct reader *r;
	struct buf fixed;

	if (len == 0 || len > INT_MAX) {
		parse_set_bozo(rf, a, len == 0 ? "empty document" : "document too large");
		return;
	}
	r = xmalloc(sizeof(*r));
	reader_init(r, rf, a, base_url);
	read_once(r, doc, len, true);
	if (r->lifted_text && !r->clean) {
		/* read again as libxml2 alone reads it (see parse_prep_lift) */
		reader_reset(r);
		*rf = saved;
		reader_init(r, rf, a, base_url);
		read_once(r, doc, len, false);
	}
	if (r->amp_error && !r->stopped) {
		buf_init(&fixed, 0);
		if (parse_prep_ampersands(&fixed, doc, len) > 0) {
			/* read again from scratch; the first pass's strings stay in the arena */
			reader_reset(r);
			*rf = saved;
			reader_init(r, rf, a, base_url);
			read_once(r, buf_str(&fixed), fixed.len, false);
			parse_set_bozo(rf, a, "bare '&' in the document");
		}
		buf_free(&fixed);
	}
	reader_reset(r);
	free(r);
}
