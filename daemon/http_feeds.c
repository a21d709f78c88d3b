/*
 * http_feeds.c: the Atom 1.0, RSS 2.0 and JSON Feed 1.1 writers behind
 * every list the reader serves (see http_feeds.h for the field mapping).
 *
 * The XML writers make one pass over the posts, appending escaped text
 * straight into the output buf: no DOM.  All text, in every format, goes
 * through text_put(), which repairs invalid UTF-8, drops what XML 1.0
 * forbids and (for XML) escapes, copying unchanged runs whole, so a
 * hostile title can never break the document.  The JSON writer builds a
 * jansson object (escaping is jansson's) and dumps it into the buf.
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
	const char *slug = field(post, "slug");

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
 * or as it is (for JSON, which jansson escapes).  All three drop what
 * XML 1.0 forbids, so every format carries the same text.
 */
enum text_mode { TEXT_XML, TEXT_XML_ATTR, TEXT_PLAIN };

/*
 * What a byte asks for.  Most ask for nothing (T_KEEP), so runs of them
 * are copied whole.  T_DROP: a C0 control XML 1.0 forbids.  T_REF: a
 * reference in XML.  T_REF_IN_ATTR: tab and LF, references only in
 * attributes, where a parser would turn them into spaces (CR is T_REF
 * so that line-end handling keeps it).  T_EF: may start U+FFFE/U+FFFF.
 */
enum { T_KEEP = 0, T_DROP, T_REF, T_REF_IN_ATTR, T_EF };

static const unsigned char text_action[256] = {
	[0x00 ... 0x08] = T_DROP, ['\t'] = T_REF_IN_ATTR, ['\n'] = T_REF_IN_ATTR,
	[0x0B ... 0x0C] = T_DROP, ['\r'] = T_REF, [0x0E ... 0x1F] = T_DROP,
	['"'] = T_REF, ['&'] = T_REF, ['\''] = T_REF, ['<'] = T_REF, ['>'] = T_REF,
	[0xEF] = T_EF,
};

struct text_ref {
	const char *s;
	size_t len;
};

static const struct text_ref xml_refs[0x80] = {
	['\t'] = { "&#9;", 4 }, ['\n'] = { "&#10;", 5 }, ['\r'] = { "&#13;", 5 },
	['"'] = { "&quot;", 6 }, ['&'] = { "&amp;", 5 }, ['\''] = { "&#39;", 5 },
	['<'] = { "&lt;", 4 }, ['>'] = { "&gt;", 4 },
};

/*
 * For the byte at p[0..n) that is not T_KEEP: how many bytes to replace
 * (0: keep it after all) and with what (*ref, NULL: nothing).
 */
static size_t
text_replace(const unsigned char *p, size_t n, enum text_mode mode, const struct text_ref **ref)
{
	*ref = NULL;
	switch (text_action[p[0]]) {
	case T_DROP:
		return 1;
	case T_EF:
		return n >= 3 && p[1] == 0xBF && p[2] >= 0xBE ? 3 : 0;
	case T_REF_IN_ATTR:
		if (mode != TEXT_XML_ATTR)
			return 0;
		*ref = &xml_refs[p[0]];
		return 1;
	case T_REF:
		if (mode == TEXT_PLAIN)
			return 0;
		*ref = &xml_refs[p[0]];
		return 1;
	default:
		return 0;
	}
}

/* Appends valid UTF-8 s[0..len) in mode, copying unchanged runs whole. */
static void
text_escape(struct buf *out, const char *s, size_t len, enum text_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	const struct text_ref *ref;
	size_t i = 0, run = 0, width;

	for (;;) {
		while (i < len && text_action[p[i]] == T_KEEP)
			i++;
		if (i >= len)
			break;
		width = text_replace(p + i, len - i, mode, &ref);
		if (width == 0) {
			i++;
			continue;
		}
		buf_append(out, s + run, i - run);
		if (ref != NULL)
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
 * A JSON string of s, cleaned as the XML formats clean it; NULL when
 * nothing is left, unless empty is allowed.
 */
static json_t *
json_text(const char *s, bool allow_empty)
{
	struct buf clean = BUF_INIT;
	json_t *v = NULL;

	text_put(&clean, s, TEXT_PLAIN);
	if (clean.len > 0 || allow_empty)
		v = json_stringn_nocheck(buf_str(&clean), clean.len);
	buf_free(&clean);
	return v;
}

/* Sets o[key] to the string s, unless nothing is left of it. */
static void
json_set_text(json_t *o, const char *key, const char *s)
{
	json_t *v = json_text(s, false);

	if (v != NULL)
		json_object_set_new(o, key, v);
}

static void
json_set_date(json_t *o, const char *key, int64_t t)
{
	char date[32];

	if (t <= 0)
		return;
	util_rfc3339(t, date);
	json_object_set_new(o, key, json_string(date));
}

/* Adds o[key] = v when v has members or elements; drops v otherwise. */
static void
json_set_nonempty(json_t *o, const char *key, json_t *v)
{
	if (json_object_size(v) > 0 || json_array_size(v) > 0)
		json_object_set_new(o, key, v);
	else
		json_decref(v);
}

/* JSON Feed authors have a name and/or a url: an email becomes a mailto: url. */
static void
json_person(void *arg, const struct person *who)
{
	json_t *list = arg, *author = json_object();
	struct buf mailto = BUF_INIT;

	json_set_text(author, "name", who->name);
	json_set_text(author, "url", who->url);
	if (json_object_get(author, "url") == NULL && who->email != NULL) {
		buf_printf(&mailto, "mailto:%s", who->email);
		json_set_text(author, "url", buf_str(&mailto));
	}
	if (json_object_size(author) > 0)
		json_array_append_new(list, author);
	else
		json_decref(author);
	buf_free(&mailto);
}

static json_t *
json_post_tags(const json_t *post)
{
	const json_t *tag;
	json_t *list = json_array(), *v;
	const char *label;
	size_t i;

	json_array_foreach(json_object_get(post, "tags"), i, tag) {
		label = field(tag, "label");
		if (label == NULL)
			label = field(tag, "slug");
		v = json_text(label, false);
		if (v != NULL)
			json_array_append_new(list, v);
	}
	return list;
}

/* _crier: {source: {name, feed_url, home_page_url}} for polled posts. */
static json_t *
json_post_extension(const json_t *post)
{
	const json_t *src = json_object_get(post, "source");
	json_t *ext = json_object(), *source = json_object();

	json_set_text(source, "name", field(src, "name"));
	json_set_text(source, "feed_url", field(src, "url"));
	json_set_text(source, "home_page_url", field(src, "site_url"));
	json_set_nonempty(ext, "source", source);
	return ext;
}

/* content_html, else the HTML summary as content, else content_text. */
static void
json_post_content(json_t *item, const json_t *post)
{
	const char *html = field(post, "content_html"), *summary = field(post, "summary");

	if (html == NULL)
		html = field(post, "summary_html");
	if (html != NULL)
		json_object_set_new(item, "content_html", json_text(html, true));
	else
		json_object_set_new(item, "content_text", json_text(summary != NULL ? summary : "", true));
	json_set_text(item, "summary", summary);
}

static json_t *
json_item(const struct feed_meta *m, const json_t *post, struct buf *link)
{
	json_t *item = json_object(), *authors;
	const char *url = field(post, "url");
	int64_t updated = post_updated(post);

	buf_reset(link);
	permalink_abs(link, m, post);
	json_set_text(item, "id", buf_str(link));
	json_set_text(item, "url", url != NULL ? url : buf_str(link));
	json_set_text(item, "title", field(post, "title"));
	json_post_content(item, post);
	json_set_date(item, "date_published", field_time(post, "published_at"));
	json_set_date(item, "date_modified", updated);
	authors = json_array();
	post_authors(post, json_person, authors);
	json_set_nonempty(item, "authors", authors);
	json_set_nonempty(item, "tags", json_post_tags(post));
	json_set_nonempty(item, "_crier", json_post_extension(post));
	return item;
}

static json_t *
json_feed_top(const struct feed_meta *m)
{
	json_t *feed = json_object(), *hub, *author;

	json_object_set_new(feed, "version", json_string(JSONFEED_VERSION));
	json_object_set_new(feed, "title", json_text(m->title != NULL ? m->title : "", true));
	json_set_text(feed, "home_page_url", m->alternate_url);
	json_set_text(feed, "feed_url", m->self_url);
	json_set_text(feed, "description", m->subtitle);
	if (m->hub_url != NULL && *m->hub_url != '\0') {
		hub = json_object();
		json_object_set_new(hub, "type", json_string("WebSub"));
		json_set_text(hub, "url", m->hub_url);
		json_object_set_new(feed, "hubs", json_pack("[o]", hub));
	}
	author = json_object();
	json_set_text(author, "name", m->site_name);
	json_set_text(author, "url", m->base_url);
	if (json_object_size(author) > 0)
		json_object_set_new(feed, "authors", json_pack("[o]", author));
	else
		json_decref(author);
	return feed;
}

static int
json_to_buf(const char *data, size_t len, void *arg)
{
	return buf_append(arg, data, len);
}

void
http_feeds_json(struct buf *out, const struct feed_meta *m, const json_t *posts)
{
	struct buf link = BUF_INIT;
	json_t *feed = json_feed_top(m), *items = json_array();
	const json_t *post;
	size_t i;

	json_array_foreach(posts, i, post) {
		if (json_is_object(post))
			json_array_append_new(items, json_item(m, post, &link));
	}
	json_object_set_new(feed, "items", items);
	json_dump_callback(feed, json_to_buf, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	buf_putc(out, '\n');
	json_decref(feed);
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
