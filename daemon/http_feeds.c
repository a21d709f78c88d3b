/*
 * http_feeds.c: the Atom 1.0, RSS 2.0 and JSON Feed 1.1 writers behind
 * every list the reader serves (see http_feeds.h for the field mapping).
 *
 * Each writer makes one pass over the posts, appending straight into the
 * output buf: no DOM.  All text, in every format, goes through
 * text_put(), which repairs invalid UTF-8, drops what XML 1.0 forbids
 * and escapes for XML or JSON, copying unchanged runs whole, so a hostile
 * title can never break the document.
 */
#include "http_feeds.h"
#include "autoconfig.h"
#include "sanitize.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define ATOM_NS "http://www.w3.org/2005/Atom"
#define DC_NS "http://purl.org/dc/elements/1.1/"
#define JSONFEED_VERSION "https://jsonfeed.org/version/1.1"

/* ---------------------------------------------------------------- post fields */

/* A non-empty string member of o, or NULL. */
static const char *
field(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && *s != '\0' ? s : NULL;
}

static int64_t
field_time(const json_t *o, const char *key)
{
	json_int_t t = json_integer_value(json_object_get(o, key));

	return t > 0 ? (int64_t)t : 0;
}

/* When the post last changed: updated_at, else published_at, else fetched_at. */
static int64_t
post_updated(const json_t *post)
{
	int64_t t = field_time(post, "updated_at");

	if (t == 0)
		t = field_time(post, "published_at");
	if (t == 0)
		t = field_time(post, "fetched_at");
	return t;
}

/* The document's update time: m->updated, the newest post, or now. */
static int64_t
feed_updated(const struct feed_meta *m, const json_t *posts)
{
	const json_t *post;
	int64_t newest = 0, t;
	size_t i;

	if (m->updated > 0)
		return m->updated;
	json_array_foreach(posts, i, post) {
		t = json_is_object(post) ? post_updated(post) : 0;
		if (t > newest)
			newest = t;
	}
	return newest > 0 ? newest : util_now();
}

/* Does the slug byte c need no percent-encoding (RFC 3986 unreserved)? */
static bool
slug_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

void
http_feeds_permalink(struct buf *out, const json_t *post)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf derived = BUF_INIT;
	const unsigned char *p;
	const char *slug = field(post, "slug"), *own = field(post, "permalink_path");

	if (own != NULL) {
		/* an entry that is not a post (a digest) says where it lives */
		for (p = (const unsigned char *)own; *p; p++) {
			if (slug_plain(*p) || *p == '/') {
				buf_putc(out, (char)*p);
			} else {
				char esc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
				buf_append(out, esc, 3);
			}
		}
		return;
	}
	buf_printf(out, "post/%lld", (long long)json_integer_value(json_object_get(post, "id")));
	if (slug == NULL && util_slugify(&derived, field(post, "title"), HTTP_FEEDS_SLUG_MAX))
		slug = buf_str(&derived);
	if (slug != NULL) {
		buf_putc(out, '-');
		for (p = (const unsigned char *)slug; *p; p++) {
			if (slug_plain(*p)) {
				buf_putc(out, (char)*p);
			} else {
				char esc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
				buf_append(out, esc, 3);
			}
		}
	}
	buf_free(&derived);
}

/* Appends base_url, with its final '/' supplied when missing. */
static void
base_url(struct buf *out, const struct feed_meta *m)
{
	const char *base = m->base_url != NULL ? m->base_url : "";
	size_t n = strlen(base);

	buf_puts(out, base);
	if (n == 0 || base[n - 1] != '/')
		buf_putc(out, '/');
}

/* The absolute permalink: base_url + "post/ID-SLUG". */
static void
permalink_abs(struct buf *out, const struct feed_meta *m, const json_t *post)
{
	base_url(out, m);
	http_feeds_permalink(out, post);
}

/*
 * The people of a post: calls fn(arg, who) for each author with a name,
 * URL or email (the "authors" array, else the "author" string as a name).
 */
struct person {
	const char *name, *url, *email;
};
typedef void (*person_fn)(void *arg, const struct person *who);

static void
post_authors(const json_t *post, person_fn fn, void *arg)
{
	const json_t *authors = json_object_get(post, "authors"), *a;
	struct person who = { NULL, NULL, NULL };
	size_t i, seen = 0;

	json_array_foreach(authors, i, a) {
		who.name = field(a, "name");
		who.url = field(a, "url");
		who.email = field(a, "email");
		if (who.name == NULL && who.url == NULL && who.email == NULL)
			continue;
		fn(arg, &who);
		seen++;
	}
	who.name = field(post, "author");
	who.url = who.email = NULL;
	if (seen == 0 && who.name != NULL)
		fn(arg, &who);
}

/* ---------------------------------------------------------------- text */

/*
 * How text is written: as XML character data, as an XML attribute value,
 * or inside a JSON string.  All three drop what XML 1.0 forbids, so every
 * format carries the same text.
 */
enum text_mode { TEXT_XML, TEXT_XML_ATTR, TEXT_JSON, TEXT_MODES };

/*
 * Bytes that may need more than copying: C0 controls (dropped, but for
 * tab, LF and CR), 0xEF (may start U+FFFE/U+FFFF, dropped too) and those
 * some mode writes as a reference.  Runs of all other bytes are copied
 * whole.
 */
static const bool text_special[256] = {
	[0x00 ... 0x1F] = true,
	['"'] = true, ['&'] = true, ['\''] = true, ['<'] = true, ['>'] = true, ['\\'] = true,
	[0xEF] = true,
};

struct text_ref {
	const char *s;          /* NULL: the byte is written as it is */
	size_t len;
};

/*
 * The references per mode.  In XML attributes tab and LF are references
 * too, or a parser would turn them into spaces; CR always is, so that
 * line-end handling keeps it.
 */
static const struct text_ref text_refs[TEXT_MODES][0x80] = {
	[TEXT_XML] = {
		['\r'] = { "&#13;", 5 }, ['"'] = { "&quot;", 6 }, ['&'] = { "&amp;", 5 },
		['\''] = { "&#39;", 5 }, ['<'] = { "&lt;", 4 }, ['>'] = { "&gt;", 4 },
	},
	[TEXT_XML_ATTR] = {
		['\t'] = { "&#9;", 4 }, ['\n'] = { "&#10;", 5 },
		['\r'] = { "&#13;", 5 }, ['"'] = { "&quot;", 6 }, ['&'] = { "&amp;", 5 },
		['\''] = { "&#39;", 5 }, ['<'] = { "&lt;", 4 }, ['>'] = { "&gt;", 4 },
	},
	[TEXT_JSON] = {
		['\t'] = { "\\t", 2 }, ['\n'] = { "\\n", 2 }, ['\r'] = { "\\r", 2 },
		['"'] = { "\\\"", 2 }, ['\\'] = { "\\\\", 2 },
	},
};

static const struct text_ref text_drop = { "", 0 };

/*
 * For the special byte at p[0..n): how many bytes to replace (0: keep it
 * after all) and with what.
 */
static size_t
text_replace(const unsigned char *p, size_t n, enum text_mode mode, const struct text_ref **ref)
{
	*ref = &text_drop;
	if (p[0] == 0xEF)
		return n >= 3 && p[1] == 0xBF && p[2] >= 0xBE ? 3 : 0;
	if (p[0] < 0x20 && p[0] != '\t' && p[0] != '\n' && p[0] != '\r')
		return 1;
	*ref = &text_refs[mode][p[0]];
	return (*ref)->s != NULL ? 1 : 0;
}

/* Appends valid UTF-8 s[0..len) in mode, copying unchanged runs whole. */
static void
text_escape(struct buf *out, const char *s, size_t len, enum text_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	const struct text_ref *ref;
	size_t i = 0, run = 0, width;

	for (;;) {
		while (i < len && !text_special[p[i]])
			i++;
		if (i >= len)
			break;
		width = text_replace(p + i, len - i, mode, &ref);
		if (width == 0) {
			i++;
			continue;
		}
		buf_append(out, s + run, i - run);
		buf_append(out, ref->s, ref->len);
		i += width;
		run = i;
	}
	buf_append(out, s + run, len - run);
}

/* Appends s (any bytes; NULL is "") in mode, with invalid UTF-8 repaired. */
static void
text_put(struct buf *out, const char *s, enum text_mode mode)
{
	struct buf fixed = BUF_INIT;
	size_t len;

	if (s == NULL)
		return;
	len = strlen(s);
	if (util_utf8_valid(s, len)) {
		text_escape(out, s, len, mode);
		return;
	}
	util_utf8_repair(&fixed, s, len);
	text_escape(out, buf_str(&fixed), fixed.len, mode);
	buf_free(&fixed);
}

static void
xml_text(struct buf *out, const char *s)
{
	text_put(out, s, TEXT_XML);
}

/* Appends indent + "<name" (attributes and '>' follow). */
static void
xml_open(struct buf *out, const char *indent, const char *name)
{
	buf_puts(out, indent);
	buf_putc(out, '<');
	buf_puts(out, name);
}

/* Appends "</name>\n". */
static void
xml_close(struct buf *out, const char *name)
{
	buf_append(out, "</", 2);
	buf_puts(out, name);
	buf_append(out, ">\n", 2);
}

/* Appends ` name="value"`. */
static void
xml_attr(struct buf *out, const char *name, const char *value)
{
	buf_putc(out, ' ');
	buf_puts(out, name);
	buf_append(out, "=\"", 2);
	text_put(out, value, TEXT_XML_ATTR);
	buf_putc(out, '"');
}

/* Appends `<name>text</name>\n` after indent, or nothing when text is NULL or "". */
static void
xml_elem(struct buf *out, const char *indent, const char *name, const char *text)
{
	if (text == NULL || *text == '\0')
		return;
	xml_open(out, indent, name);
	buf_putc(out, '>');
	xml_text(out, text);
	xml_close(out, name);
}

/*
 * Appends `<name type="type">text</name>\n`; when text is NULL or "",
 * an empty element if required, else nothing.
 */
static void
xml_typed(struct buf *out, const char *indent, const char *name, const char *type,
    const char *text, bool required)
{
	if ((text == NULL || *text == '\0') && !required)
		return;
	xml_open(out, indent, name);
	xml_attr(out, "type", type);
	buf_putc(out, '>');
	xml_text(out, text);
	xml_close(out, name);
}

/* Appends `<link rel=".." [type=".."] href=".."/>` (name: "atom:link" in RSS),
 * or nothing when href is NULL or "". */
static void
xml_link(struct buf *out, const char *indent, const char *name, const char *rel,
    const char *type, const char *href)
{
	if (href == NULL || *href == '\0')
		return;
	xml_open(out, indent, name);
	xml_attr(out, "rel", rel);
	if (type != NULL)
		xml_attr(out, "type", type);
	xml_attr(out, "href", href);
	buf_append(out, "/>\n", 3);
}

/* Appends `<name>DATE</name>\n` with t as RFC 3339 (Atom) or RFC 822 (RSS). */
static void
xml_date(struct buf *out, const char *indent, const char *name, int64_t t, bool rfc822)
{
	char date[40];

	if (rfc822)
		util_http_date(t, date);
	else
		util_rfc3339(t, date);
	xml_open(out, indent, name);
	buf_putc(out, '>');
	buf_puts(out, date);
	xml_close(out, name);
}

/* ---------------------------------------------------------------- Atom 1.0 */

static void
atom_person(void *arg, const struct person *who)
{
	struct buf *out = arg;

	/* atom:author requires a name */
	if (who->name == NULL)
		return;
	buf_puts(out, "    <author>\n");
	xml_elem(out, "      ", "name", who->name);
	xml_elem(out, "      ", "uri", who->url);
	xml_elem(out, "      ", "email", who->email);
	buf_puts(out, "    </author>\n");
}

/* Each tag as a category; the scheme is the site's tag pages, base_url + "tag/". */
static void
atom_categories(struct buf *out, const char *scheme, const json_t *post)
{
	const json_t *tag;
	const char *term, *label;
	size_t i;

	json_array_foreach(json_object_get(post, "tags"), i, tag) {
		label = field(tag, "label");
		term = field(tag, "slug");
		if (term == NULL)
			term = label;
		if (term == NULL)
			continue;
		buf_puts(out, "    <category");
		xml_attr(out, "term", term);
		xml_attr(out, "scheme", scheme);
		if (label != NULL)
			xml_attr(out, "label", label);
		buf_puts(out, "/>\n");
	}
}

/* content type=html, plus the feed's own HTML summary; or a text summary. */
static void
atom_content(struct buf *out, const json_t *post)
{
	const char *content = field(post, "content_html");
	const char *summary_html = field(post, "summary_html");
	const char *summary = field(post, "summary");

	if (content != NULL) {
		xml_typed(out, "    ", "summary", "html", summary_html, false);
		xml_typed(out, "    ", "content", "html", content, false);
	} else if (summary != NULL) {
		xml_typed(out, "    ", "summary", "text", summary, false);
	} else {
		xml_typed(out, "    ", "summary", "html", summary_html, false);
	}
}

/* RFC 4287 4.2.11: the feed an aggregated entry came from. */
static void
atom_source(struct buf *out, const json_t *post)
{
	const json_t *src = json_object_get(post, "source");
	const char *name = field(src, "name"), *url = field(src, "url");
	const char *site = field(src, "site_url");

	if (name == NULL && url == NULL && site == NULL)
		return;
	buf_puts(out, "    <source>\n");
	xml_elem(out, "      ", "id", url);
	xml_typed(out, "      ", "title", "text", name, false);
	xml_link(out, "      ", "link", "self", NULL, url);
	xml_link(out, "      ", "link", "alternate", "text/html", site);
	buf_puts(out, "    </source>\n");
}

/* What every entry of one Atom document shares. */
struct atom_doc {
	const struct feed_meta *m;
	int64_t updated;        /* the feed's: entries without any time get it */
	struct buf scheme;      /* the categories' scheme */
	struct buf link;        /* the current entry's permalink */
};

static void
atom_entry(struct buf *out, struct atom_doc *doc, const json_t *post)
{
	const char *url = field(post, "url"), *link;
	int64_t published = field_time(post, "published_at"), updated = post_updated(post);

	buf_reset(&doc->link);
	permalink_abs(&doc->link, doc->m, post);
	link = buf_str(&doc->link);
	buf_puts(out, "  <entry>\n");
	xml_elem(out, "    ", "id", link);
	xml_typed(out, "    ", "title", "text", field(post, "title"), true);
	xml_link(out, "    ", "link", "alternate", "text/html", url != NULL ? url : link);
	if (published > 0)
		xml_date(out, "    ", "published", published, false);
	xml_date(out, "    ", "updated", updated > 0 ? updated : doc->updated, false);
	post_authors(post, atom_person, out);
	atom_categories(out, buf_str(&doc->scheme), post);
	atom_content(out, post);
	atom_source(out, post);
	buf_puts(out, "  </entry>\n");
}

/* The feed's own elements, before the entries. */
static void
atom_head(struct buf *out, const struct feed_meta *m, int64_t updated)
{
	const char *author = m->site_name != NULL && *m->site_name ? m->site_name : m->title;

	buf_puts(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"" ATOM_NS "\">\n");
	xml_elem(out, "  ", "id", m->self_url);
	xml_typed(out, "  ", "title", "text", m->title, true);
	xml_typed(out, "  ", "subtitle", "text", m->subtitle, false);
	xml_date(out, "  ", "updated", updated, false);
	xml_link(out, "  ", "link", "self", "application/atom+xml", m->self_url);
	xml_link(out, "  ", "link", "alternate", "text/html", m->alternate_url);
	xml_link(out, "  ", "link", "hub", NULL, m->hub_url);
	buf_puts(out, "  <author>\n");
	xml_elem(out, "    ", "name", author != NULL && *author ? author : "crier");
	xml_elem(out, "    ", "uri", m->base_url);
	buf_puts(out, "  </author>\n"
	    "  <generator version=\"" PACKAGE_VERSION "\">crier</generator>\n");
}

void
http_feeds_atom(struct buf *out, const struct feed_meta *m, const json_t *posts)
{
	struct atom_doc doc = { m, feed_updated(m, posts), BUF_INIT, BUF_INIT };
	const json_t *post;
	size_t i;

	base_url(&doc.scheme, m);
	buf_puts(&doc.scheme, "tag/");
	atom_head(out, m, doc.updated);
	json_array_foreach(posts, i, post) {
		if (json_is_object(post))
			atom_entry(out, &doc, post);
	}
	buf_puts(out, "</feed>\n");
	buf_free(&doc.scheme);
	buf_free(&doc.link);
}

/* ---------------------------------------------------------------- RSS 2.0 */

/*
 * Appends <name>text</name> for text RSS 2.0 leaves ambiguous (titles,
 * the channel description, names).  Readers, crier parse and feedparser among
 * them, take such text as HTML when it looks like HTML ("</b>", "&amp;"),
 * so text that would is HTML-escaped first and they get the text back;
 * other text is written as it is, for readers that take it as text.
 * Nothing when text is NULL or "", unless required.
 */
static void
rss_text(struct buf *out, const char *indent, const char *name, const char *text, bool required)
{
	struct buf html = BUF_INIT;
	size_t len = text != NULL ? strlen(text) : 0;

	if (len == 0 && !required)
		return;
	xml_open(out, indent, name);
	buf_putc(out, '>');
	if (len > 0 && html_looks_like_html(text, len)) {
		html_escape(&html, text, len);
		xml_text(out, buf_str(&html));
	} else {
		xml_text(out, text);
	}
	xml_close(out, name);
	buf_free(&html);
}

static void
rss_person(void *arg, const struct person *who)
{
	rss_text(arg, "      ", "dc:creator", who->name != NULL ? who->name : who->email, false);
}

static void
rss_categories(struct buf *out, const json_t *post)
{
	const json_t *tag;
	const char *label;
	size_t i;

	json_array_foreach(json_object_get(post, "tags"), i, tag) {
		label = field(tag, "label");
		xml_elem(out, "      ", "category", label != NULL ? label : field(tag, "slug"));
	}
}

/* description is HTML: the content, else the HTML summary, else the text one. */
static void
rss_description(struct buf *out, const json_t *post, struct buf *tmp)
{
	const char *html = field(post, "content_html");
	const char *summary = field(post, "summary");

	if (html == NULL)
		html = field(post, "summary_html");
	if (html == NULL && summary != NULL) {
		buf_reset(tmp);
		text_put(tmp, summary, TEXT_XML);
		html = buf_str(tmp);
	}
	xml_elem(out, "      ", "description", html);
}

static void
rss_source(struct buf *out, const json_t *post)
{
	const json_t *src = json_object_get(post, "source");
	const char *name = field(src, "name"), *url = field(src, "url");

	/* RSS 2.0 requires the url attribute */
	if (url == NULL)
		return;
	buf_puts(out, "      <source");
	xml_attr(out, "url", url);
	buf_putc(out, '>');
	xml_text(out, name != NULL ? name : url);
	buf_puts(out, "</source>\n");
}

static void
rss_item(struct buf *out, const struct feed_meta *m, const json_t *post, struct buf *tmp)
{
	const char *url = field(post, "url");
	int64_t published = field_time(post, "published_at");

	buf_reset(tmp);
	permalink_abs(tmp, m, post);
	buf_puts(out, "    <item>\n");
	rss_text(out, "      ", "title", field(post, "title"), false);
	xml_elem(out, "      ", "link", url != NULL ? url : buf_str(tmp));
	buf_puts(out, "      <guid isPermaLink=\"true\">");
	xml_text(out, buf_str(tmp));
	buf_puts(out, "</guid>\n");
	if (published == 0)
		published = post_updated(post);
	if (published > 0)
		xml_date(out, "      ", "pubDate", published, true);
	post_authors(post, rss_person, out);
	rss_categories(out, post);
	rss_description(out, post, tmp);
	rss_source(out, post);
	buf_puts(out, "    </item>\n");
}

void
http_feeds_rss(struct buf *out, const struct feed_meta *m, const json_t *posts)
{
	struct buf tmp = BUF_INIT;
	const json_t *post;
	const char *description = m->subtitle != NULL && *m->subtitle ? m->subtitle : m->title;
	size_t i;

	buf_puts(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<rss version=\"2.0\" xmlns:atom=\"" ATOM_NS "\" xmlns:dc=\"" DC_NS "\">\n"
	    "  <channel>\n");
	rss_text(out, "    ", "title", m->title, true);
	xml_elem(out, "    ", "link", m->alternate_url != NULL ? m->alternate_url : m->base_url);
	rss_text(out, "    ", "description", description, true);
	xml_link(out, "    ", "atom:link", "self", "application/rss+xml", m->self_url);
	if (m->hub_url != NULL && *m->hub_url != '\0')
		xml_link(out, "    ", "atom:link", "hub", NULL, m->hub_url);
	xml_date(out, "    ", "lastBuildDate", feed_updated(m, posts), true);
	buf_puts(out, "    <generator>crier " PACKAGE_VERSION "</generator>\n");
	json_array_foreach(posts, i, post) {
		if (json_is_object(post))
			rss_item(out, m, post, &tmp);
	}
	buf_puts(out, "  </channel>\n</rss>\n");
	buf_free(&tmp);
}

/* ---------------------------------------------------------------- JSON Feed 1.1 */

/*
 * A JSON writer straight into the buf, laid out as jansson's
 * json_dumps(JSON_INDENT(1)) would.  Members that come out empty (a
 * string with nothing left after cleaning, an object or array with no
 * members) are taken back with jf_undo(), so there are never empty
 * optional members, and never nulls.
 */
struct jf_out {
	struct buf *out;
	int depth;
	bool first;             /* nothing written yet in the open object or array */
};

/* Where jf_undo() goes back to. */
struct jf_mark {
	size_t len;
	bool first;
};

static struct jf_mark
jf_here(const struct jf_out *j)
{
	struct jf_mark mk = { j->out->len, j->first };

	return mk;
}

static void
jf_undo(struct jf_out *j, struct jf_mark mk)
{
	j->out->len = mk.len;
	if (j->out->data != NULL)
		j->out->data[mk.len] = '\0';
	j->first = mk.first;
}

/* Starts a member (key != NULL) or an element: separator, newline, indent. */
static void
jf_member(struct jf_out *j, const char *key)
{
	int i;

	if (!j->first)
		buf_putc(j->out, ',');
	j->first = false;
	buf_putc(j->out, '\n');
	for (i = 0; i < j->depth; i++)
		buf_putc(j->out, ' ');
	if (key != NULL) {
		buf_putc(j->out, '"');
		buf_puts(j->out, key);
		buf_append(j->out, "\": ", 3);
	}
}

static void
jf_open(struct jf_out *j, const char *key, char bracket)
{
	jf_member(j, key);
	buf_putc(j->out, bracket);
	j->depth++;
	j->first = true;
}

/* Closes the object or array; false (and nothing written) when it was empty. */
static bool
jf_close(struct jf_out *j, char bracket)
{
	bool empty = j->first;
	int i;

	j->depth--;
	if (!empty) {
		buf_putc(j->out, '\n');
		for (i = 0; i < j->depth; i++)
			buf_putc(j->out, ' ');
	}
	buf_putc(j->out, bracket);
	j->first = false;
	return !empty;
}

/* Opens an optional object or array: jf_close_optional() takes it back if empty. */
static struct jf_mark
jf_open_optional(struct jf_out *j, const char *key, char bracket)
{
	struct jf_mark mk = jf_here(j);

	jf_open(j, key, bracket);
	return mk;
}

static void
jf_close_optional(struct jf_out *j, char bracket, struct jf_mark mk)
{
	if (!jf_close(j, bracket))
		jf_undo(j, mk);
}

/* Writes "key": "s" (or the element "s" when key is NULL), cleaned as the
 * XML formats clean text; nothing when nothing is left, unless required. */
static void
jf_string(struct jf_out *j, const char *key, const char *s, bool required)
{
	struct jf_mark mk = jf_here(j);
	size_t start;

	jf_member(j, key);
	buf_putc(j->out, '"');
	start = j->out->len;
	text_put(j->out, s, TEXT_JSON);
	if (j->out->len == start && !required) {
		jf_undo(j, mk);
		return;
	}
	buf_putc(j->out, '"');
}

static void
jf_date(struct jf_out *j, const char *key, int64_t t)
{
	char date[32];

	if (t <= 0)
		return;
	util_rfc3339(t, date);
	jf_string(j, key, date, false);
}

/* JSON Feed authors have a name and/or a url: an email becomes a mailto: url. */
static void
jf_person(void *arg, const struct person *who)
{
	struct jf_out *j = arg;
	struct buf mailto = BUF_INIT;
	struct jf_mark mk = jf_open_optional(j, NULL, '{');

	jf_string(j, "name", who->name, false);
	if (who->url != NULL) {
		jf_string(j, "url", who->url, false);
	} else if (who->email != NULL) {
		buf_printf(&mailto, "mailto:%s", who->email);
		jf_string(j, "url", buf_str(&mailto), false);
	}
	jf_close_optional(j, '}', mk);
	buf_free(&mailto);
}

static void
jf_tags(struct jf_out *j, const json_t *post)
{
	const json_t *tag;
	const char *label;
	struct jf_mark mk = jf_open_optional(j, "tags", '[');
	size_t i;

	json_array_foreach(json_object_get(post, "tags"), i, tag) {
		label = field(tag, "label");
		jf_string(j, NULL, label != NULL ? label : field(tag, "slug"), false);
	}
	jf_close_optional(j, ']', mk);
}

/* _crier: {source: {name, feed_url, home_page_url}} for polled posts. */
static void
jf_extension(struct jf_out *j, const json_t *post)
{
	const json_t *src = json_object_get(post, "source");
	struct jf_mark ext = jf_open_optional(j, "_crier", '{');
	struct jf_mark source = jf_open_optional(j, "source", '{');

	jf_string(j, "name", field(src, "name"), false);
	jf_string(j, "feed_url", field(src, "url"), false);
	jf_string(j, "home_page_url", field(src, "site_url"), false);
	jf_close_optional(j, '}', source);
	jf_close_optional(j, '}', ext);
}

/* content_html, else the HTML summary as content, else content_text (required). */
static void
jf_content(struct jf_out *j, const json_t *post)
{
	const char *html = field(post, "content_html"), *summary = field(post, "summary");

	if (html == NULL)
		html = field(post, "summary_html");
	if (html != NULL)
		jf_string(j, "content_html", html, true);
	else
		jf_string(j, "content_text", summary, true);
	jf_string(j, "summary", summary, false);
}

static void
jf_item(struct jf_out *j, const struct feed_meta *m, const json_t *post, struct buf *link)
{
	struct jf_mark authors;
	const char *url = field(post, "url");

	buf_reset(link);
	permalink_abs(link, m, post);
	jf_open(j, NULL, '{');
	jf_string(j, "id", buf_str(link), true);
	jf_string(j, "url", url != NULL ? url : buf_str(link), false);
	jf_string(j, "title", field(post, "title"), false);
	jf_content(j, post);
	jf_date(j, "date_published", field_time(post, "published_at"));
	jf_date(j, "date_modified", post_updated(post));
	authors = jf_open_optional(j, "authors", '[');
	post_authors(post, jf_person, j);
	jf_close_optional(j, ']', authors);
	jf_tags(j, post);
	jf_extension(j, post);
	jf_close(j, '}');
}

static void
jf_head(struct jf_out *j, const struct feed_meta *m)
{
	struct person site = { m->site_name, m->base_url, NULL };
	struct jf_mark mk;

	jf_string(j, "version", JSONFEED_VERSION, true);
	jf_string(j, "title", m->title, true);
	jf_string(j, "home_page_url", m->alternate_url, false);
	jf_string(j, "feed_url", m->self_url, false);
	jf_string(j, "description", m->subtitle, false);
	if (m->hub_url != NULL && *m->hub_url != '\0') {
		jf_open(j, "hubs", '[');
		jf_open(j, NULL, '{');
		jf_string(j, "type", "WebSub", true);
		jf_string(j, "url", m->hub_url, true);
		jf_close(j, '}');
		jf_close(j, ']');
	}
	mk = jf_open_optional(j, "authors", '[');
	jf_person(j, &site);
	jf_close_optional(j, ']', mk);
}

void
http_feeds_json(struct buf *out, const struct feed_meta *m, const json_t *posts)
{
	struct jf_out j = { out, 1, true };
	struct buf link = BUF_INIT;
	const json_t *post;
	size_t i;

	buf_putc(out, '{');
	jf_head(&j, m);
	jf_open(&j, "items", '[');
	json_array_foreach(posts, i, post) {
		if (json_is_object(post))
			jf_item(&j, m, post, &link);
	}
	jf_close(&j, ']');
	jf_close(&j, '}');
	buf_putc(out, '\n');
	buf_free(&link);
}

/* ---------------------------------------------------------------- formats */

/* Sorted by ext (bsearch). */
static const struct http_feeds_format formats[] = {
	{ "atom", "application/atom+xml", http_feeds_atom },
	{ "json", "application/feed+json", http_feeds_json },
	{ "rss", "application/rss+xml", http_feeds_rss },
};

static int
format_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct http_feeds_format *)elem)->ext);
}

const struct http_feeds_format *
http_feeds_format(const char *ext)
{
	if (ext == NULL)
		return NULL;
	return bsearch(ext, formats, NELEM(formats), sizeof(formats[0]), format_cmp);
}
