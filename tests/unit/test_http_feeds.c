/*
 * test_http_feeds.c: the Atom, RSS and JSON Feed writers.  Each document
 * is read back with a real parser (libxml2 with namespaces, jansson) and
 * checked element by element; hostile input must still give well-formed
 * documents whose text reads back as the input's text; golden documents
 * under tests/fixtures/feeds_out/ pin the whole output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "autoconfig.h"
#include "http_feeds.h"
#include "util.h"

#define ATOM_NS "http://www.w3.org/2005/Atom"
#define DC_NS "http://purl.org/dc/elements/1.1/"

/* The document's own rel="self" links (an Atom entry's <source> has one too). */
#define SELF_LINKS "//a:link[@rel='self'][not(ancestor::a:source)]"

static const struct feed_meta meta = {
	.title = "Crier: everything",
	.subtitle = "All posts from the sector",
	.self_url = "https://notes.example.org/feed.atom",
	.alternate_url = "https://notes.example.org/",
	.base_url = "https://notes.example.org/",
	.hub_url = NULL,
	.site_name = "Example notes",
	.updated = 0,
};

/*
 * Three posts: a polled one with everything, a local team post with a
 * derived slug and only a summary, and a bare one (no title, url, tags,
 * content or times but fetched_at).
 */
static const char posts_json[] =
    "[{\"id\": 42, \"guid\": \"g42\", \"url\": \"https://blog.example.gov.uk/2026/11/week-47\","
    "  \"title\": \"Week notes 47: Fish & chips <b>\", \"author\": \"Ann Lee, Bo Chan\","
    "  \"authors\": [{\"name\": \"Ann Lee\", \"url\": \"https://ann.example/\", \"email\": \"ann@example.org\"},"
    "               {\"name\": \"Bo Chan\"}],"
    "  \"content_html\": \"<p>Hello <a href=\\\"https://x.example/?a=1&amp;b=2\\\">there</a></p>\","
    "  \"summary\": \"Hello there\", \"summary_html\": \"<p>Hello</p>\","
    "  \"published_at\": 1795000000, \"updated_at\": 1795003600, \"fetched_at\": 1795007200,"
    "  \"week\": \"2026-W46\", \"slug\": \"week-notes-47\", \"local\": false,"
    "  \"source\": {\"id\": 3, \"name\": \"Digital blog\", \"url\": \"https://blog.example.gov.uk/feed\","
    "              \"site_url\": \"https://blog.example.gov.uk/\"},"
    "  \"tags\": [{\"slug\": \"weeknotes\", \"label\": \"Weeknotes\"}, {\"slug\": \"open-data\", \"label\": \"Open data\"}]},"
    " {\"id\": 41, \"title\": \"Caf\\u00e9 update\", \"summary\": \"Plain <text> only\","
    "  \"published_at\": 1794900000, \"updated_at\": 0, \"local\": true,"
    "  \"team\": {\"slug\": \"platform\", \"name\": \"Platform team\"}, \"tags\": []},"
    " {\"id\": 40, \"fetched_at\": 1794800000}]";

static json_t *
load_posts(void)
{
	json_error_t err;
	json_t *posts = json_loads(posts_json, 0, &err);

	if (posts == NULL)
		fail_msg("posts_json:%d: %s", err.line, err.text);
	return posts;
}

/* ---------------------------------------------------------------- XML helpers */

/* Parses out as XML (no recovery, namespaces checked); fails the test if it is not well-formed. */
static xmlDoc *
parse_xml(const struct buf *out)
{
	xmlParserCtxt *ctxt = xmlNewParserCtxt();
	xmlDoc *doc;

	assert_non_null(ctxt);
	doc = xmlCtxtReadMemory(ctxt, buf_str(out), (int)out->len, "feed.xml", NULL,
	    XML_PARSE_NONET);
	if (doc == NULL || !ctxt->wellFormed || !ctxt->nsWellFormed) {
		fprintf(stderr, "%.*s\n", out->len > 4000 ? 4000 : (int)out->len, buf_str(out));
		fail_msg("not well-formed XML (%zu bytes)", out->len);
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

static xmlXPathObject *
xpath(xmlDoc *doc, const char *expr)
{
	xmlXPathContext *ctx = xmlXPathNewContext(doc);
	xmlXPathObject *o;

	xmlXPathRegisterNs(ctx, (const xmlChar *)"a", (const xmlChar *)ATOM_NS);
	xmlXPathRegisterNs(ctx, (const xmlChar *)"dc", (const xmlChar *)DC_NS);
	o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	xmlXPathFreeContext(ctx);
	if (o == NULL)
		fail_msg("bad XPath %s", expr);
	return o;
}

static int
xcount(xmlDoc *doc, const char *expr)
{
	char wrapped[512];
	xmlXPathObject *o;
	int n;

	snprintf(wrapped, sizeof(wrapped), "count(%s)", expr);
	o = xpath(doc, wrapped);
	n = (int)o->floatval;
	xmlXPathFreeObject(o);
	return n;
}

/* The string value of expr (the first node's text), as a malloc'd string. */
static char *
xstring(xmlDoc *doc, const char *expr)
{
	char wrapped[512];
	xmlXPathObject *o;
	char *s;

	snprintf(wrapped, sizeof(wrapped), "string(%s)", expr);
	o = xpath(doc, wrapped);
	s = xstrdup((const char *)o->stringval);
	xmlXPathFreeObject(o);
	return s;
}

#define assert_xcount(doc, expr, n) do { \
	int got_ = xcount((doc), (expr)); \
	if (got_ != (n)) \
		fail_msg("count(%s) = %d, want %d", (expr), got_, (n)); \
} while (0)

#define assert_xstring(doc, expr, want) do { \
	char *got_ = xstring((doc), (expr)); \
	if (strcmp(got_, (want)) != 0) \
		fail_msg("%s\n got: [%s]\nwant: [%s]", (expr), got_, (want)); \
	free(got_); \
} while (0)

/* ---------------------------------------------------------------- Atom */

static void
test_atom_structure(void **state)
{
	struct buf out = BUF_INIT;
	json_t *posts = load_posts();
	xmlDoc *doc;

	(void)state;
	http_feeds_atom(&out, &meta, posts);
	doc = parse_xml(&out);
	assert_xcount(doc, "/a:feed", 1);
	assert_xstring(doc, "/a:feed/a:id", "https://notes.example.org/feed.atom");
	assert_xstring(doc, "/a:feed/a:title", "Crier: everything");
	assert_xstring(doc, "/a:feed/a:title/@type", "text");
	assert_xstring(doc, "/a:feed/a:subtitle", "All posts from the sector");
	/* the newest change among the posts: post 42's updated_at */
	assert_xstring(doc, "/a:feed/a:updated", "2026-11-18T12:06:40Z");
	assert_xcount(doc, SELF_LINKS, 1);
	assert_xstring(doc, "/a:feed/a:link[@rel='self']/@href", "https://notes.example.org/feed.atom");
	assert_xstring(doc, "/a:feed/a:link[@rel='self']/@type", "application/atom+xml");
	assert_xstring(doc, "/a:feed/a:link[@rel='alternate']/@href", "https://notes.example.org/");
	assert_xstring(doc, "/a:feed/a:link[@rel='alternate']/@type", "text/html");
	assert_xcount(doc, "//a:link[@rel='hub']", 0);
	assert_xstring(doc, "/a:feed/a:author/a:name", "Example notes");
	assert_xstring(doc, "/a:feed/a:generator", "crier");
	assert_xstring(doc, "/a:feed/a:generator/@version", PACKAGE_VERSION);
	assert_xcount(doc, "/a:feed/a:entry", 3);

	/* the full entry */
	assert_xstring(doc, "/a:feed/a:entry[1]/a:id", "https://notes.example.org/post/42-week-notes-47");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:title", "Week notes 47: Fish & chips <b>");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:title/@type", "text");
	assert_xcount(doc, "/a:feed/a:entry[1]/a:link", 1);
	assert_xstring(doc, "/a:feed/a:entry[1]/a:link[@rel='alternate']/@href",
	    "https://blog.example.gov.uk/2026/11/week-47");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:published", "2026-11-18T11:06:40Z");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:updated", "2026-11-18T12:06:40Z");
	assert_xcount(doc, "/a:feed/a:entry[1]/a:author", 2);
	assert_xstring(doc, "/a:feed/a:entry[1]/a:author[1]/a:name", "Ann Lee");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:author[1]/a:uri", "https://ann.example/");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:author[1]/a:email", "ann@example.org");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:author[2]/a:name", "Bo Chan");
	assert_xcount(doc, "/a:feed/a:entry[1]/a:author[2]/a:uri", 0);
	assert_xcount(doc, "/a:feed/a:entry[1]/a:category", 2);
	assert_xstring(doc, "/a:feed/a:entry[1]/a:category[2]/@term", "open-data");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:category[2]/@label", "Open data");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:category[2]/@scheme", "https://notes.example.org/tag/");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:content/@type", "html");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:content",
	    "<p>Hello <a href=\"https://x.example/?a=1&amp;b=2\">there</a></p>");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:summary/@type", "html");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:summary", "<p>Hello</p>");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:source/a:title", "Digital blog");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:source/a:id", "https://blog.example.gov.uk/feed");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:source/a:link[@rel='self']/@href",
	    "https://blog.example.gov.uk/feed");
	assert_xstring(doc, "/a:feed/a:entry[1]/a:source/a:link[@rel='alternate']/@href",
	    "https://blog.example.gov.uk/");

	/* local post: derived slug, permalink as link, text summary, no source */
	assert_xstring(doc, "/a:feed/a:entry[2]/a:id", "https://notes.example.org/post/41-caf%C3%A9-update");
	assert_xstring(doc, "/a:feed/a:entry[2]/a:link/@href", "https://notes.example.org/post/41-caf%C3%A9-update");
	assert_xstring(doc, "/a:feed/a:entry[2]/a:title", "Caf\xC3\xA9 update");
	assert_xstring(doc, "/a:feed/a:entry[2]/a:updated", "2026-11-17T07:20:00Z");
	assert_xstring(doc, "/a:feed/a:entry[2]/a:summary/@type", "text");
	assert_xstring(doc, "/a:feed/a:entry[2]/a:summary", "Plain <text> only");
	assert_xcount(doc, "/a:feed/a:entry[2]/a:content", 0);
	assert_xcount(doc, "/a:feed/a:entry[2]/a:source", 0);
	assert_xcount(doc, "/a:feed/a:entry[2]/a:author", 0);
	assert_xcount(doc, "/a:feed/a:entry[2]/a:category", 0);

	/* bare post: an empty title (RFC 4287 requires one), no published, updated from fetched_at */
	assert_xstring(doc, "/a:feed/a:entry[3]/a:id", "https://notes.example.org/post/40");
	assert_xcount(doc, "/a:feed/a:entry[3]/a:title", 1);
	assert_xstring(doc, "/a:feed/a:entry[3]/a:title", "");
	assert_xcount(doc, "/a:feed/a:entry[3]/a:published", 0);
	assert_xstring(doc, "/a:feed/a:entry[3]/a:updated", "2026-11-16T03:33:20Z");
	assert_xcount(doc, "/a:feed/a:entry[3]/a:summary", 0);
	xmlFreeDoc(doc);
	json_decref(posts);
	buf_free(&out);
}

/* ---------------------------------------------------------------- RSS */

static void
test_rss_structure(void **state)
{
	struct buf out = BUF_INIT;
	json_t *posts = load_posts();
	xmlDoc *doc;

	(void)state;
	http_feeds_rss(&out, &meta, posts);
	doc = parse_xml(&out);
	assert_xstring(doc, "/rss/@version", "2.0");
	assert_xstring(doc, "/rss/channel/title", "Crier: everything");
	assert_xstring(doc, "/rss/channel/link", "https://notes.example.org/");
	assert_xstring(doc, "/rss/channel/description", "All posts from the sector");
	assert_xcount(doc, SELF_LINKS, 1);
	assert_xcount(doc, "//link[@rel='self']", 0);
	assert_xstring(doc, "/rss/channel/a:link[@rel='self']/@href", "https://notes.example.org/feed.atom");
	assert_xstring(doc, "/rss/channel/a:link[@rel='self']/@type", "application/rss+xml");
	assert_xcount(doc, "//a:link[@rel='hub']", 0);
	assert_xstring(doc, "/rss/channel/lastBuildDate", "Wed, 18 Nov 2026 12:06:40 GMT");
	assert_xstring(doc, "/rss/channel/generator", "crier " PACKAGE_VERSION);
	assert_xcount(doc, "/rss/channel/item", 3);

	assert_xstring(doc, "/rss/channel/item[1]/title", "Week notes 47: Fish & chips <b>");
	assert_xstring(doc, "/rss/channel/item[1]/link", "https://blog.example.gov.uk/2026/11/week-47");
	assert_xstring(doc, "/rss/channel/item[1]/guid", "https://notes.example.org/post/42-week-notes-47");
	assert_xstring(doc, "/rss/channel/item[1]/guid/@isPermaLink", "true");
	assert_xstring(doc, "/rss/channel/item[1]/pubDate", "Wed, 18 Nov 2026 11:06:40 GMT");
	assert_xcount(doc, "/rss/channel/item[1]/dc:creator", 2);
	assert_xstring(doc, "/rss/channel/item[1]/dc:creator[2]", "Bo Chan");
	assert_xcount(doc, "/rss/channel/item[1]/category", 2);
	assert_xstring(doc, "/rss/channel/item[1]/category[1]", "Weeknotes");
	assert_xstring(doc, "/rss/channel/item[1]/description",
	    "<p>Hello <a href=\"https://x.example/?a=1&amp;b=2\">there</a></p>");
	assert_xstring(doc, "/rss/channel/item[1]/source", "Digital blog");
	assert_xstring(doc, "/rss/channel/item[1]/source/@url", "https://blog.example.gov.uk/feed");

	/* no content: the text summary, HTML-escaped, is the description */
	assert_xstring(doc, "/rss/channel/item[2]/description", "Plain &lt;text&gt; only");
	assert_xstring(doc, "/rss/channel/item[2]/link", "https://notes.example.org/post/41-caf%C3%A9-update");
	assert_xcount(doc, "/rss/channel/item[2]/source", 0);
	assert_xcount(doc, "/rss/channel/item[2]/dc:creator", 0);

	/* bare: no title element at all, a date from fetched_at */
	assert_xcount(doc, "/rss/channel/item[3]/title", 0);
	assert_xcount(doc, "/rss/channel/item[3]/description", 0);
	assert_xstring(doc, "/rss/channel/item[3]/link", "https://notes.example.org/post/40");
	assert_xstring(doc, "/rss/channel/item[3]/pubDate", "Mon, 16 Nov 2026 03:33:20 GMT");
	xmlFreeDoc(doc);
	json_decref(posts);
	buf_free(&out);
}

/* ---------------------------------------------------------------- JSON Feed */

static json_t *
parse_json(const struct buf *out)
{
	json_error_t err;
	json_t *doc = json_loadb(buf_str(out), out->len, 0, &err);

	if (doc == NULL)
		fail_msg("not JSON: %d: %s", err.line, err.text);
	return doc;
}

/* Fails on any null anywhere in v. */
static void
assert_no_nulls(json_t *v, const char *where)
{
	const char *key;
	json_t *x;
	size_t i;

	if (json_is_null(v))
		fail_msg("null at %s", where);
	json_object_foreach(v, key, x)
		assert_no_nulls(x, key);
	json_array_foreach(v, i, x)
		assert_no_nulls(x, where);
}

static void
assert_jstring(const json_t *doc, const char *path, const char *want)
{
	json_t *v = json_object_get(doc, path);
	const char *got = json_string_value(v);

	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s\n got: [%s]\nwant: [%s]", path, got ? got : "(none)", want);
}

/* As assert_jstring, but an empty want also accepts a missing member. */
static void
assert_jtext(const json_t *doc, const char *key, const char *want)
{
	if (*want == '\0' && json_object_get(doc, key) == NULL)
		return;
	assert_jstring(doc, key, want);
}

static void
test_json_structure(void **state)
{
	struct buf out = BUF_INIT;
	json_t *posts = load_posts(), *doc, *items, *item, *src;

	(void)state;
	http_feeds_json(&out, &meta, posts);
	doc = parse_json(&out);
	assert_no_nulls(doc, "top");
	assert_jstring(doc, "version", "https://jsonfeed.org/version/1.1");
	assert_jstring(doc, "title", "Crier: everything");
	assert_jstring(doc, "home_page_url", "https://notes.example.org/");
	assert_jstring(doc, "feed_url", "https://notes.example.org/feed.atom");
	assert_jstring(doc, "description", "All posts from the sector");
	assert_null(json_object_get(doc, "hubs"));
	assert_jstring(json_array_get(json_object_get(doc, "authors"), 0), "name", "Example notes");
	items = json_object_get(doc, "items");
	assert_int_equal(json_array_size(items), 3);

	item = json_array_get(items, 0);
	assert_jstring(item, "id", "https://notes.example.org/post/42-week-notes-47");
	assert_jstring(item, "url", "https://blog.example.gov.uk/2026/11/week-47");
	assert_null(json_object_get(item, "external_url"));
	assert_jstring(item, "title", "Week notes 47: Fish & chips <b>");
	assert_jstring(item, "content_html", "<p>Hello <a href=\"https://x.example/?a=1&amp;b=2\">there</a></p>");
	assert_null(json_object_get(item, "content_text"));
	assert_jstring(item, "summary", "Hello there");
	assert_jstring(item, "date_published", "2026-11-18T11:06:40Z");
	assert_jstring(item, "date_modified", "2026-11-18T12:06:40Z");
	assert_int_equal(json_array_size(json_object_get(item, "authors")), 2);
	assert_jstring(json_array_get(json_object_get(item, "authors"), 0), "name", "Ann Lee");
	assert_jstring(json_array_get(json_object_get(item, "authors"), 0), "url", "https://ann.example/");
	assert_null(json_object_get(json_array_get(json_object_get(item, "authors"), 1), "url"));
	assert_string_equal(json_string_value(json_array_get(json_object_get(item, "tags"), 1)), "Open data");
	src = json_object_get(json_object_get(item, "_crier"), "source");
	assert_jstring(src, "name", "Digital blog");
	assert_jstring(src, "feed_url", "https://blog.example.gov.uk/feed");
	assert_jstring(src, "home_page_url", "https://blog.example.gov.uk/");

	item = json_array_get(items, 1);
	assert_jstring(item, "url", "https://notes.example.org/post/41-caf%C3%A9-update");
	assert_jstring(item, "content_text", "Plain <text> only");
	assert_null(json_object_get(item, "content_html"));
	assert_null(json_object_get(item, "tags"));
	assert_null(json_object_get(item, "authors"));
	assert_null(json_object_get(item, "_crier"));

	/* bare: content_text is required, even empty; no title, no date_published */
	item = json_array_get(items, 2);
	assert_jstring(item, "content_text", "");
	assert_null(json_object_get(item, "title"));
	assert_null(json_object_get(item, "date_published"));
	assert_jstring(item, "date_modified", "2026-11-16T03:33:20Z");
	json_decref(doc);
	json_decref(posts);
	buf_free(&out);
}

/* ---------------------------------------------------------------- links */

/* Exactly one rel="self" in every format; a hub only when one is set. */
static void
test_self_and_hub(void **state)
{
	struct feed_meta m = meta;
	struct buf out = BUF_INIT;
	json_t *posts = load_posts(), *doc;
	xmlDoc *xml;
	int with_hub;

	(void)state;
	for (with_hub = 0; with_hub <= 1; with_hub++) {
		m.hub_url = with_hub ? "https://hub.example/websub?x=1&y=2" : "";
		buf_reset(&out);
		http_feeds_atom(&out, &m, posts);
		xml = parse_xml(&out);
		assert_xcount(xml, SELF_LINKS, 1);
		assert_xcount(xml, "//a:link[@rel='hub']", with_hub);
		if (with_hub)
			assert_xstring(xml, "/a:feed/a:link[@rel='hub']/@href", m.hub_url);
		xmlFreeDoc(xml);

		buf_reset(&out);
		http_feeds_rss(&out, &m, posts);
		xml = parse_xml(&out);
		assert_xcount(xml, SELF_LINKS, 1);
		assert_xcount(xml, "//a:link[@rel='hub']", with_hub);
		if (with_hub)
			assert_xstring(xml, "/rss/channel/a:link[@rel='hub']/@href", m.hub_url);
		xmlFreeDoc(xml);

		buf_reset(&out);
		http_feeds_json(&out, &m, posts);
		doc = parse_json(&out);
		assert_int_equal(json_array_size(json_object_get(doc, "hubs")), with_hub);
		if (with_hub) {
			assert_jstring(json_array_get(json_object_get(doc, "hubs"), 0), "type", "WebSub");
			assert_jstring(json_array_get(json_object_get(doc, "hubs"), 0), "url", m.hub_url);
		}
		json_decref(doc);
	}
	json_decref(posts);
	buf_free(&out);
}

/* ---------------------------------------------------------------- permalinks */

static const struct {
	const char *post;       /* JSON */
	const char *want;
} permalinks[] = {
	{ "{\"id\": 7, \"slug\": \"week-notes-47\", \"title\": \"Other\"}", "post/7-week-notes-47" },
	{ "{\"id\": 7, \"title\": \"Week notes 47!\"}", "post/7-week-notes-47" },
	{ "{\"id\": 7, \"slug\": \"\", \"title\": \"  Hello,  World  \"}", "post/7-hello-world" },
	{ "{\"id\": 7, \"title\": \"!!! ???\"}", "post/7" },
	{ "{\"id\": 7, \"title\": \"\"}", "post/7" },
	{ "{\"id\": 7}", "post/7" },
	{ "{\"id\": 123456789012, \"slug\": \"x\"}", "post/123456789012-x" },
	{ "{\"id\": 7, \"title\": \"Caf\\u00e9 ol\\u00e9\"}", "post/7-caf%C3%A9-ol%C3%A9" },
	{ "{\"id\": 7, \"slug\": \"a/b?c#d e%\"}", "post/7-a%2Fb%3Fc%23d%20e%25" },
	{ "{\"id\": 7, \"slug\": \"Keep.This_~\"}", "post/7-Keep.This_~" },
	{ "{\"id\": 7, \"title\": \"<script>alert(1)</script>\"}", "post/7-script-alert-1-script" },
	{ "{\"id\": 7, \"title\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbb\"}",
	  "post/7-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
};

static void
test_permalink(void **state)
{
	struct buf out = BUF_INIT;
	json_error_t err;
	json_t *post;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(permalinks); i++) {
		post = json_loads(permalinks[i].post, 0, &err);
		assert_non_null(post);
		buf_reset(&out);
		buf_puts(&out, "x:");   /* appends, never resets */
		http_feeds_permalink(&out, post);
		if (strncmp(buf_str(&out), "x:", 2) != 0 || strcmp(buf_str(&out) + 2, permalinks[i].want) != 0)
			fail_msg("%s\n got: [%s]\nwant: [x:%s]", permalinks[i].post, buf_str(&out),
			    permalinks[i].want);
		json_decref(post);
	}
	buf_free(&out);
}

/* base_url without its final '/' still gives base + "/post/..." */
static void
test_permalink_base_without_slash(void **state)
{
	struct feed_meta m = meta;
	struct buf out = BUF_INIT;
	json_t *posts = json_pack("[{s:i, s:s}]", "id", 5, "slug", "s");
	xmlDoc *doc;

	(void)state;
	m.base_url = "https://notes.example.org/crier";
	http_feeds_atom(&out, &m, posts);
	doc = parse_xml(&out);
	assert_xstring(doc, "/a:feed/a:entry/a:id", "https://notes.example.org/crier/post/5-s");
	xmlFreeDoc(doc);
	json_decref(posts);
	buf_free(&out);
}

/* ---------------------------------------------------------------- empty lists */

static void
test_empty_list(void **state)
{
	struct feed_meta m = meta;
	struct buf out = BUF_INIT;
	json_t *posts = json_array(), *doc;
	xmlDoc *xml;

	(void)state;
	m.updated = 1795000000;
	http_feeds_atom(&out, &m, posts);
	xml = parse_xml(&out);
	assert_xcount(xml, "/a:feed/a:entry", 0);
	assert_xstring(xml, "/a:feed/a:updated", "2026-11-18T11:06:40Z");
	xmlFreeDoc(xml);

	buf_reset(&out);
	http_feeds_rss(&out, &m, posts);
	xml = parse_xml(&out);
	assert_xcount(xml, "/rss/channel", 1);
	assert_xcount(xml, "/rss/channel/item", 0);
	xmlFreeDoc(xml);

	buf_reset(&out);
	http_feeds_json(&out, &m, posts);
	doc = parse_json(&out);
	assert_true(json_is_array(json_object_get(doc, "items")));
	assert_int_equal(json_array_size(json_object_get(doc, "items")), 0);
	json_decref(doc);

	/* not an array, and no meta strings at all: still documents */
	memset(&m, 0, sizeof(m));
	buf_reset(&out);
	http_feeds_atom(&out, &m, NULL);
	xmlFreeDoc(parse_xml(&out));
	assert_non_null(strstr(buf_str(&out), "<name>crier</name>"));
	buf_reset(&out);
	http_feeds_rss(&out, &m, posts);
	xmlFreeDoc(parse_xml(&out));
	buf_reset(&out);
	http_feeds_json(&out, &m, NULL);
	doc = parse_json(&out);
	assert_no_nulls(doc, "top");
	json_decref(doc);
	json_decref(posts);
	buf_free(&out);
}

/* ---------------------------------------------------------------- hostile input */

/*
 * Text as raw bytes and what a parser must read back from every format:
 * the characters XML 1.0 forbids dropped (JSON too, so the formats agree),
 * invalid UTF-8 replaced with U+FFFD (one per bad byte).
 */
static const struct {
	const char *raw;
	const char *want;
	const char *rss_title;  /* RSS titles and names, when it differs: text that looks
				 * like HTML is HTML-escaped */
} hostile[] = {
	{ "<script>alert('x')</script>", "<script>alert('x')</script>",
	  "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" },
	{ "a]]>b<![CDATA[c]]>", "a]]>b<![CDATA[c]]>", NULL },
	{ "&amp; &lt; & \"q\" 'a' <!-- c --> <?pi?>", "&amp; &lt; & \"q\" 'a' <!-- c --> <?pi?>",
	  "&amp;amp; &amp;lt; &amp; &quot;q&quot; &#39;a&#39; &lt;!-- c --&gt; &lt;?pi?&gt;" },
	{ "<b>bold</b> &copy; <unknown>x</unknown>", "<b>bold</b> &copy; <unknown>x</unknown>", NULL },
	{ "bell\x07 esc\x1b tab\t lf\n cr\r crlf\r\n del\x7f c1\xC2\x85",
	  "bell esc tab\t lf\n cr\r crlf\r\n del\x7f c1\xC2\x85", NULL },
	{ "\x01\x02\x03", "", NULL },
	{ "caf\xe9 \xff\xfe \xc3", "caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD", NULL },
	{ "surrogate \xed\xa0\x80 overlong \xc0\xaf",
	  "surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD overlong \xEF\xBF\xBD\xEF\xBF\xBD", NULL },
	{ "non\xEF\xBF\xBE" "char\xEF\xBF\xBF end\xEF\xBF", "nonchar end\xEF\xBF\xBD\xEF\xBF\xBD", NULL },
	{ "emoji \xF0\x9F\x93\xB0 ok \xEF\xBF\xBD \xEF\xBF\xBC", "emoji \xF0\x9F\x93\xB0 ok \xEF\xBF\xBD \xEF\xBF\xBC", NULL },
};

/* A post whose every text field is s (built without jansson's UTF-8 check). */
static json_t *
hostile_post(const char *s)
{
	json_t *post = json_object(), *a = json_object(), *tag = json_object(), *src = json_object();
	static const char *const fields[] = { "title", "url", "author", "content_html",
		"summary", "summary_html", "slug" };
	size_t i;

	json_object_set_new(post, "id", json_integer(1));
	for (i = 0; i < NELEM(fields); i++)
		json_object_set_new(post, fields[i], json_string_nocheck(s));
	json_object_set_new(a, "name", json_string_nocheck(s));
	json_object_set_new(a, "url", json_string_nocheck(s));
	json_object_set_new(a, "email", json_string_nocheck(s));
	json_object_set_new(post, "authors", json_pack("[o]", a));
	json_object_set_new(tag, "slug", json_string_nocheck(s));
	json_object_set_new(tag, "label", json_string_nocheck(s));
	json_object_set_new(post, "tags", json_pack("[o]", tag));
	json_object_set_new(src, "name", json_string_nocheck(s));
	json_object_set_new(src, "url", json_string_nocheck(s));
	json_object_set_new(src, "site_url", json_string_nocheck(s));
	json_object_set_new(post, "source", src);
	json_object_set_new(post, "published_at", json_integer(1795000000));
	return post;
}

static void
test_hostile(void **state)
{
	struct feed_meta m;
	struct buf out = BUF_INIT;
	json_t *posts, *doc, *item;
	const char *rss_title;
	xmlDoc *xml;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(hostile); i++) {
		m = meta;
		m.title = m.subtitle = m.site_name = hostile[i].raw;
		m.hub_url = hostile[i].raw;
		posts = json_pack("[o]", hostile_post(hostile[i].raw));

		buf_reset(&out);
		http_feeds_atom(&out, &m, posts);
		xml = parse_xml(&out);
		assert_xstring(xml, "/a:feed/a:title", hostile[i].want);
		assert_xstring(xml, "/a:feed/a:link[@rel='hub']/@href", hostile[i].want);
		assert_xstring(xml, "/a:feed/a:entry/a:title", hostile[i].want);
		assert_xstring(xml, "/a:feed/a:entry/a:content", hostile[i].want);
		assert_xstring(xml, "/a:feed/a:entry/a:author/a:name", hostile[i].want);
		assert_xstring(xml, "/a:feed/a:entry/a:category/@label", hostile[i].want);
		assert_xstring(xml, "/a:feed/a:entry/a:source/a:title", hostile[i].want);
		assert_xcount(xml, SELF_LINKS, 1);
		xmlFreeDoc(xml);

		buf_reset(&out);
		http_feeds_rss(&out, &m, posts);
		xml = parse_xml(&out);
		rss_title = hostile[i].rss_title != NULL ? hostile[i].rss_title : hostile[i].want;
		assert_xstring(xml, "/rss/channel/title", rss_title);
		assert_xstring(xml, "/rss/channel/description", rss_title);
		assert_xstring(xml, "/rss/channel/item/title", rss_title);
		assert_xstring(xml, "/rss/channel/item/description", hostile[i].want);
		assert_xstring(xml, "/rss/channel/item/dc:creator", rss_title);
		assert_xstring(xml, "/rss/channel/item/source/@url", hostile[i].want);
		xmlFreeDoc(xml);

		buf_reset(&out);
		http_feeds_json(&out, &m, posts);
		doc = parse_json(&out);
		assert_no_nulls(doc, "top");
		assert_jstring(doc, "title", hostile[i].want);
		item = json_array_get(json_object_get(doc, "items"), 0);
		assert_jtext(item, "title", hostile[i].want);
		assert_jstring(item, "content_html", hostile[i].want);
		assert_jtext(json_object_get(json_object_get(item, "_crier"), "source"), "name",
		    hostile[i].want);
		json_decref(doc);
		json_decref(posts);
	}
	buf_free(&out);
}

/* Hostile meaning big: a 4 MiB title of markup and a 1 MiB run of controls. */
static void
test_huge_strings(void **state)
{
	const size_t n = 4u * 1024 * 1024;
	struct buf out = BUF_INIT;
	char *big = xmalloc(n + 1), *controls = xmalloc(1024 * 1024 + 2);
	json_t *posts, *doc;
	xmlDoc *xml;
	xmlParserCtxt *ctxt;
	size_t i;

	(void)state;
	for (i = 0; i < n; i++)
		big[i] = "<&>]\"'x"[i % 7];
	big[n] = '\0';
	memset(controls, '\x01', 1024 * 1024);
	controls[1024 * 1024] = 'z';
	controls[1024 * 1024 + 1] = '\0';
	posts = json_pack("[{s:i, s:s, s:s}]", "id", 9, "title", big, "content_html", controls);

	http_feeds_atom(&out, &meta, posts);
	ctxt = xmlNewParserCtxt();
	xml = xmlCtxtReadMemory(ctxt, buf_str(&out), (int)out.len, "big.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_HUGE);
	assert_non_null(xml);
	assert_true(ctxt->wellFormed);
	{
		char *title = xstring(xml, "/a:feed/a:entry/a:title");
		assert_int_equal(strlen(title), n);
		assert_memory_equal(title, big, n);
		free(title);
	}
	assert_xstring(xml, "/a:feed/a:entry/a:content", "z");
	{
		/* the slug derived from the title stays capped */
		char *id = xstring(xml, "/a:feed/a:entry/a:id");
		assert_true(strlen(id) <= strlen("https://notes.example.org/post/9-") + HTTP_FEEDS_SLUG_MAX);
		assert_true(strncmp(id, "https://notes.example.org/post/9-x-x-x", 38) == 0);
		free(id);
	}
	xmlFreeDoc(xml);
	xmlFreeParserCtxt(ctxt);

	buf_reset(&out);
	http_feeds_json(&out, &meta, posts);
	doc = parse_json(&out);
	assert_int_equal(strlen(json_string_value(json_object_get(
	    json_array_get(json_object_get(doc, "items"), 0), "title"))), n);
	json_decref(doc);
	json_decref(posts);
	free(big);
	free(controls);
	buf_free(&out);
}

/* ---------------------------------------------------------------- golden documents */

static const char *const goldens[] = { "river", "hostile" };

static void
meta_from_json(struct feed_meta *m, const json_t *o)
{
	memset(m, 0, sizeof(*m));
	m->title = json_string_value(json_object_get(o, "title"));
	m->subtitle = json_string_value(json_object_get(o, "subtitle"));
	m->self_url = json_string_value(json_object_get(o, "self_url"));
	m->alternate_url = json_string_value(json_object_get(o, "alternate_url"));
	m->base_url = json_string_value(json_object_get(o, "base_url"));
	m->hub_url = json_string_value(json_object_get(o, "hub_url"));
	m->site_name = json_string_value(json_object_get(o, "site_name"));
	m->updated = json_integer_value(json_object_get(o, "updated"));
}

/* Reads tests/fixtures/feeds_out/NAME into out. */
static void
read_fixture(const char *name, struct buf *out)
{
	const char *srcdir = getenv("CRIER_SRCDIR");
	char path[1024];

	snprintf(path, sizeof(path), "%s/tests/fixtures/feeds_out/%s", srcdir ? srcdir : "../..", name);
	if (util_read_file(path, out, 16u * 1024 * 1024) != 0)
		fail_msg("cannot read %s", path);
}

/* The expected document with "@VERSION@" standing for PACKAGE_VERSION. */
static void
expand_version(struct buf *out, const struct buf *in)
{
	const char *p = buf_str(in), *at;

	while ((at = strstr(p, "@VERSION@")) != NULL) {
		buf_append(out, p, (size_t)(at - p));
		buf_puts(out, PACKAGE_VERSION);
		p = at + strlen("@VERSION@");
	}
	buf_puts(out, p);
}

static void
test_golden(void **state)
{
	const struct http_feeds_format *f;
	struct buf in = BUF_INIT, raw = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	struct feed_meta m;
	json_t *doc;
	json_error_t err;
	char name[256];
	size_t g, k;
	static const char *const exts[] = { "atom", "rss", "json" };

	(void)state;
	for (g = 0; g < NELEM(goldens); g++) {
		snprintf(name, sizeof(name), "%s.in.json", goldens[g]);
		buf_reset(&in);
		read_fixture(name, &in);
		doc = json_loadb(buf_str(&in), in.len, 0, &err);
		if (doc == NULL)
			fail_msg("%s:%d: %s", name, err.line, err.text);
		meta_from_json(&m, json_object_get(doc, "meta"));
		for (k = 0; k < NELEM(exts); k++) {
			f = http_feeds_format(exts[k]);
			assert_non_null(f);
			snprintf(name, sizeof(name), "%s.%s", goldens[g], exts[k]);
			buf_reset(&raw);
			buf_reset(&want);
			buf_reset(&got);
			read_fixture(name, &raw);
			expand_version(&want, &raw);
			f->write(&got, &m, json_object_get(doc, "posts"));
			if (strcmp(buf_str(&got), buf_str(&want)) != 0) {
				fprintf(stderr, "# got:\n%s", buf_str(&got));
				fail_msg("%s differs from the golden document", name);
			}
		}
		json_decref(doc);
	}
	buf_free(&in);
	buf_free(&raw);
	buf_free(&want);
	buf_free(&got);
}

static void
test_formats(void **state)
{
	(void)state;
	assert_string_equal(http_feeds_format("atom")->content_type, "application/atom+xml");
	assert_string_equal(http_feeds_format("rss")->content_type, "application/rss+xml");
	assert_string_equal(http_feeds_format("json")->content_type, "application/feed+json");
	assert_ptr_equal(http_feeds_format("json")->write, http_feeds_json);
	assert_null(http_feeds_format("xml"));
	assert_null(http_feeds_format(""));
	assert_null(http_feeds_format("ATOM"));
	assert_null(http_feeds_format(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atom_structure),
		cmocka_unit_test(test_rss_structure),
		cmocka_unit_test(test_json_structure),
		cmocka_unit_test(test_self_and_hub),
		cmocka_unit_test(test_permalink),
		cmocka_unit_test(test_permalink_base_without_slash),
		cmocka_unit_test(test_empty_list),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_huge_strings),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_formats),
	};
	int rc;

	xmlInitParser();
	rc = cmocka_run_group_tests_name("http_feeds", tests, NULL, NULL);
	xmlCleanupParser();
	return rc;
}
