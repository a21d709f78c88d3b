/*
 * test_parse.c: parse_feed() on small inline feeds of every format:
 * field mapping, xml:base, identity fallback, content precedence, bozo
 * recovery, encodings; and the safety budget: billion laughs, parameter
 * entities, external entities (a local file, a local port), a quadratic
 * blow-up, and a 100,000-item feed, each bounded in time.
 *
 * The big and hostile documents are generated here, never committed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <libxml/parser.h>
#include <sodium.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "caps.h"
#include "parse.h"
#include "util.h"

/* ---------------------------------------------------------------- helpers */

static struct feed_doc *
parse_with(const char *data, size_t len, const char *base, int64_t now)
{
	struct parse_options opt;

	memset(&opt, 0, sizeof(opt));
	opt.base_url = base;
	opt.now = now;
	return parse_feed(data, len, &opt);
}

static struct feed_doc *
parse_str(const char *data)
{
	return parse_with(data, strlen(data), NULL, 0);
}

#define assert_str(a, b) assert_string_equal((a) != NULL ? (a) : "(null)", (b))

static bool
contains(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

/* ---------------------------------------------------------------- formats */

static void
test_rss20(void **state)
{
	static const char feed[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"\n"
	    "     xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
	    "     xmlns:atom=\"http://www.w3.org/2005/Atom\">\n"
	    "<channel>\n"
	    "  <title>Example feed</title>\n"
	    "  <link>http://example.com/</link>\n"
	    "  <description>About &lt;b&gt;things&lt;/b&gt;</description>\n"
	    "  <atom:link rel=\"self\" href=\"http://example.com/feed.xml\"/>\n"
	    "  <managingEditor>editor@example.com (The Editor)</managingEditor>\n"
	    "  <image><title>Not the title</title><link>http://example.com/img</link></image>\n"
	    "  <item>\n"
	    "    <title>First post</title>\n"
	    "    <link>http://example.com/1</link>\n"
	    "    <guid isPermaLink=\"false\">tag:example.com,2024:1</guid>\n"
	    "    <pubDate>Thu, 01 Jan 2004 19:48:21 GMT</pubDate>\n"
	    "    <dc:date>2004-01-02T00:00:00Z</dc:date>\n"
	    "    <author>me@example.com (Mark)</author>\n"
	    "    <dc:creator>Someone Else</dc:creator>\n"
	    "    <category>One</category><category>Two</category><dc:subject>Three</dc:subject>\n"
	    "    <description>The summary</description>\n"
	    "    <content:encoded><![CDATA[<p>The <b>content</b></p>]]></content:encoded>\n"
	    "  </item>\n"
	    "</channel></rss>\n";
	struct feed_doc *d = parse_str(feed);
	struct post *p;

	(void)state;
	assert_false(d->bozo);
	assert_int_equal(d->format, FORMAT_RSS20);
	assert_str(d->title, "Example feed");
	assert_str(d->home_page_url, "http://example.com/");
	assert_str(d->feed_url, "http://example.com/feed.xml");
	assert_str(d->description, "About things");
	assert_true(contains(d->description_html, "<b>things</b>"));
	assert_int_equal(d->n_authors, 1);
	assert_str(d->authors[0].name, "The Editor");
	assert_null(d->authors[0].email);       /* the feed-level email is not exposed */
	assert_int_equal(d->n_items, 1);
	p = d->items[0];
	assert_str(p->title, "First post");
	assert_str(p->url, "http://example.com/1");
	assert_str(p->guid, "tag:example.com,2024:1");
	assert_int_equal(p->published_at, 1072986501);
	assert_int_equal(p->updated_at, 1073001600);
	assert_int_equal(p->n_authors, 2);
	assert_str(p->authors[0].name, "Mark");
	assert_str(p->authors[0].email, "me@example.com");
	assert_str(p->authors[1].name, "Someone Else");
	assert_int_equal(p->n_tags, 3);
	assert_str(p->tags[0].label, "One");
	assert_str(p->tags[2].label, "Three");
	assert_str(p->summary, "The summary");
	assert_str(p->summary_html, "The summary");
	assert_true(contains(p->content_html, "<p>The <b>content</b></p>"));
	assert_null(p->content_text);
	assert_int_equal(strlen(p->content_hash), 64);
	feed_doc_free(d);
}

static void
test_rss_versions(void **state)
{
	static const struct {
		const char *doc;
		enum feed_format want;
	} cases[] = {
		{ "<rss version=\"0.91\"><channel><title>t</title></channel></rss>", FORMAT_RSS09X },
		{ "<rss version=\"0.94\"><channel><title>t</title></channel></rss>", FORMAT_RSS09X },
		{ "<rss version=\"2.01\"><channel><title>t</title></channel></rss>", FORMAT_RSS20 },
		{ "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
		  "xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"></rdf:RDF>", FORMAT_RSS09X },
		{ "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
		  "xmlns:rss=\"http://purl.org/rss/1.0/\"><rss:channel/></rdf:RDF>", FORMAT_RSS10 },
		{ "<feed xmlns=\"http://www.w3.org/2005/Atom\"/>", FORMAT_ATOM10 },
		{ "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"/>", FORMAT_ATOM03 },
		{ "{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": []}", FORMAT_JSONFEED },
		{ "<rss><channel><title>t</title></channel></rss>", FORMAT_UNKNOWN },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		struct feed_doc *d = parse_str(cases[i].doc);

		if (d->format != cases[i].want || d->bozo)
			fail_msg("case %zu: format %d (want %d), bozo %d", i, (int)d->format,
			    (int)cases[i].want, (int)d->bozo);
		feed_doc_free(d);
	}
}

static void
test_rdf(void **state)
{
	static const char feed[] =
	    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"\n"
	    "  xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
	    "<channel rdf:about=\"http://example.com/\"><title>RDF feed</title>\n"
	    "  <link>http://example.com/</link></channel>\n"
	    "<textinput><title>Search</title></textinput>\n"
	    "<item rdf:about=\"http://example.com/a\"><title>A</title>\n"
	    "  <dc:date>2004-04-06T23:05:43-05:00</dc:date><dc:subject>rdf</dc:subject></item>\n"
	    "</rdf:RDF>\n";
	struct feed_doc *d = parse_str(feed);

	(void)state;
	assert_false(d->bozo);
	assert_int_equal(d->format, FORMAT_RSS10);
	assert_str(d->title, "RDF feed");
	assert_int_equal(d->n_items, 1);
	assert_str(d->items[0]->guid, "http://example.com/a");
	assert_null(d->items[0]->url);
	assert_int_equal(d->items[0]->updated_at, 1081310743);
	assert_str(d->items[0]->tags[0].label, "rdf");
	feed_doc_free(d);
}

static void
test_atom10(void **state)
{
	static const char feed[] =
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
	    "<title type=\"text\">&lt;b&gt;literal&lt;/b&gt;</title>\n"
	    "<subtitle type=\"html\">An &lt;em&gt;HTML&lt;/em&gt; subtitle</subtitle>\n"
	    "<link rel=\"self\" href=\"http://example.com/atom\"/>\n"
	    "<link href=\"http://example.com/\"/>\n"
	    "<author><name>Feed Author</name><uri>http://example.com/me</uri></author>\n"
	    "<entry>\n"
	    "  <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>\n"
	    "  <title type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">An <b>xhtml</b> title</div></title>\n"
	    "  <link rel=\"enclosure\" href=\"http://example.com/1.mp3\"/>\n"
	    "  <link rel=\"alternate\" type=\"text/html\" href=\"http://example.com/1\"/>\n"
	    "  <published>2003-12-13T08:29:29-04:00</published>\n"
	    "  <updated>2003-12-13T18:30:02Z</updated>\n"
	    "  <author><name>One</name><email>one@example.com</email></author>\n"
	    "  <author><name>Two</name><uri>http://two.example/</uri></author>\n"
	    "  <category term=\"alpha\"/><category term=\"beta\" label=\"Beta\"/>\n"
	    "  <summary>Plain &lt;summary&gt;</summary>\n"
	    "  <content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Body <a href=\"http://x.example/\">link</a></p></div></content>\n"
	    "</entry>\n"
	    "<entry><id>e2</id><content>text content &amp; more</content></entry>\n"
	    "</feed>\n";
	struct feed_doc *d = parse_str(feed);
	struct post *p;

	(void)state;
	assert_false(d->bozo);
	assert_int_equal(d->format, FORMAT_ATOM10);
	assert_str(d->title, "<b>literal</b>");
	assert_str(d->description, "An HTML subtitle");
	assert_str(d->feed_url, "http://example.com/atom");
	assert_str(d->home_page_url, "http://example.com/");
	assert_int_equal(d->n_authors, 1);
	assert_str(d->authors[0].url, "http://example.com/me");
	assert_int_equal(d->n_items, 2);
	p = d->items[0];
	assert_str(p->guid, "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a");
	assert_str(p->title, "An xhtml title");
	assert_str(p->url, "http://example.com/1");
	assert_int_equal(p->published_at, 1071318569);
	assert_int_equal(p->updated_at, 1071340202);
	assert_int_equal(p->n_authors, 2);
	assert_str(p->authors[0].email, "one@example.com");
	assert_str(p->authors[1].url, "http://two.example/");
	assert_int_equal(p->n_tags, 2);
	assert_str(p->tags[1].label, "beta");
	assert_str(p->summary, "Plain <summary>");
	assert_true(contains(p->summary_html, "&lt;summary&gt;"));
	/* the wrapping xhtml div is dropped, the rest is kept as HTML */
	assert_true(contains(p->content_html, "<p>Body <a href=\"http://x.example/\""));
	assert_false(contains(p->content_html, "<div"));
	/* text-typed content stays text */
	assert_null(d->items[1]->content_html);
	assert_str(d->items[1]->content_text, "text content & more");
	feed_doc_free(d);
}

static void
test_atom03(void **state)
{
	static const char feed[] =
	    "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\">\n"
	    "<tagline mode=\"escaped\" type=\"text/html\">A &lt;i&gt;tagline&lt;/i&gt;</tagline>\n"
	    "<link rel=\"alternate\" type=\"text/html\" href=\"http://example.com/\"/>\n"
	    "<entry>\n"
	    "  <title mode=\"base64\">RXhhbXBsZSA8Yj5BdG9tPC9iPg==</title>\n"
	    "  <issued>2003-12-31T10:14:55Z</issued>\n"
	    "  <modified>Thu, 01 Jan 2004 19:48:21 GMT</modified>\n"
	    "  <author><name>Me</name><homepage>http://example.com/~me</homepage></author>\n"
	    "  <content type=\"application/xhtml+xml\" mode=\"xml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">Inline <b>markup</b></div></content>\n"
	    "</entry></feed>\n";
	struct feed_doc *d = parse_str(feed);
	struct post *p;

	(void)state;
	assert_false(d->bozo);
	assert_int_equal(d->format, FORMAT_ATOM03);
	assert_str(d->description, "A tagline");
	p = d->items[0];
	/* base64, then typed text/plain (Atom 0.3's default): literal */
	assert_str(p->title, "Example <b>Atom</b>");
	assert_int_equal(p->published_at, 1072865695);
	assert_int_equal(p->updated_at, 1072986501);
	assert_str(p->authors[0].url, "http://example.com/~me");
	/* Atom 0.3 inline markup keeps every element, the div too */
	assert_true(contains(p->content_html, "<div>Inline <b>markup</b></div>"));
	feed_doc_free(d);
}

static void
test_cdf(void **state)
{
	static const char feed[] =
	    "<CHANNEL HREF=\"http://example.com/\" LASTMOD=\"2004-04-06T23:05:43-05:00\">\n"
	    "<TITLE>CDF channel</TITLE><ABSTRACT>About it</ABSTRACT>\n"
	    "<ITEM HREF=\"http://example.com/item\" LASTMOD=\"2004-04-06T23:05:43-05:00\">\n"
	    "<TITLE>CDF item</TITLE><ABSTRACT>Item abstract</ABSTRACT></ITEM>\n"
	    "</CHANNEL>\n";
	struct feed_doc *d = parse_str(feed);

	(void)state;
	assert_false(d->bozo);
	assert_int_equal(d->format, FORMAT_CDF);
	assert_null(feed_format_name(d->format));
	assert_str(d->title, "CDF channel");
	assert_str(d->home_page_url, "http://example.com/");
	assert_str(d->description, "About it");
	assert_str(d->items[0]->url, "http://example.com/item");
	assert_str(d->items[0]->title, "CDF item");
	assert_str(d->items[0]->summary, "Item abstract");
	assert_int_equal(d->items[0]->updated_at, 1081310743);
	feed_doc_free(d);
}

static void
test_jsonfeed(void **state)
{
	static const char feed[] =
	    "{\"version\": \"https://jsonfeed.org/version/1.1\",\n"
	    " \"title\": \"JSON feed\", \"home_page_url\": \"https://example.org/\",\n"
	    " \"feed_url\": \"https://example.org/feed.json\", \"description\": \"About\",\n"
	    " \"authors\": [{\"name\": \"Ann\", \"url\": \"https://example.org/ann\"}],\n"
	    " \"items\": [\n"
	    "  {\"id\": \"1\", \"url\": \"https://example.org/1\", \"title\": \"One\",\n"
	    "   \"content_html\": \"<p>Hello <script>x()</script>world</p>\", \"summary\": \"Sum\",\n"
	    "   \"date_published\": \"2010-02-07T14:04:00-05:00\", \"tags\": [\"a\", \"b\"]},\n"
	    "  {\"id\": 2, \"content_text\": \"Just text\", \"author\": {\"name\": \"Old style\"}}\n"
	    " ]}\n";
	struct feed_doc *d = parse_str(feed);

	(void)state;
	assert_false(d->bozo);
	assert_int_equal(d->format, FORMAT_JSONFEED);
	assert_str(d->title, "JSON feed");
	assert_str(d->feed_url, "https://example.org/feed.json");
	assert_str(d->authors[0].name, "Ann");
	assert_int_equal(d->n_items, 2);
	assert_str(d->items[0]->guid, "1");
	assert_true(contains(d->items[0]->content_html, "<p>Hello"));
	assert_false(contains(d->items[0]->content_html, "x()"));
	assert_str(d->items[0]->summary, "Sum");
	assert_int_equal(d->items[0]->published_at, 1265569440);
	assert_int_equal(d->items[0]->n_tags, 2);
	assert_str(d->items[1]->guid, "2");
	assert_str(d->items[1]->content_text, "Just text");
	assert_str(d->items[1]->authors[0].name, "Old style");
	feed_doc_free(d);

	d = parse_str("{\"items\": 3");
	assert_true(d->bozo);
	assert_int_equal(d->n_items, 0);
	feed_doc_free(d);
}

/* ---------------------------------------------------------------- URLs, identity, content */

static void
test_xml_base(void **state)
{
	static const char feed[] =
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"http://example.org/root/\">\n"
	    "<link href=\"home\"/>\n"
	    "<entry xml:base=\"entries/\">\n"
	    "  <id>urn:x</id><link href=\"one.html\"/>\n"
	    "  <content type=\"xhtml\" xml:base=\"http://other.example/dir/\"><div xmlns=\"http://www.w3.org/1999/xhtml\">"
	    "<a href=\"a.html\">a</a> <p xml:base=\"sub/\"><a href=\"b.html\">b</a></p></div></content>\n"
	    "</entry>\n"
	    "<entry><id>urn:y</id><link href=\"/abs\"/>\n"
	    "  <content type=\"html\">&lt;img src=\"pic.png\"&gt;</content></entry>\n"
	    "</feed>\n";
	struct feed_doc *d = parse_with(feed, strlen(feed), "http://ignored.example/feed", 0);
	struct post *p;

	(void)state;
	assert_false(d->bozo);
	assert_str(d->home_page_url, "http://example.org/root/home");
	p = d->items[0];
	assert_str(p->url, "http://example.org/root/entries/one.html");
	assert_true(contains(p->content_html, "http://other.example/dir/a.html"));
	assert_true(contains(p->content_html, "http://other.example/dir/sub/b.html"));
	/* no xml:base of its own: content resolves against xml:base in scope */
	assert_true(contains(d->items[1]->content_html, "http://example.org/root/pic.png"));
	feed_doc_free(d);
}

static void
test_base_fallbacks(void **state)
{
	/* no xml:base: content resolves against the item link, then the document */
	static const char feed[] =
	    "<rss version=\"2.0\"><channel><link>/site</link>\n"
	    "<item><link>http://blog.example/post/1</link>"
	    "<description>&lt;a href=\"../2\"&gt;next&lt;/a&gt;</description></item>\n"
	    "<item><guid isPermaLink=\"true\">/p/3</guid>"
	    "<description>&lt;a href=\"x\"&gt;x&lt;/a&gt;</description></item>\n"
	    "<item><guid>12345</guid></item>\n"
	    "<item><guid> https://example.org/p/4 </guid></item>\n"
	    "</channel></rss>\n";
	struct feed_doc *d = parse_with(feed, strlen(feed), "http://feeds.example/f.xml", 0);

	(void)state;
	assert_str(d->home_page_url, "http://feeds.example/site");
	assert_true(contains(d->items[0]->content_html, "http://blog.example/2"));
	/* a permalink guid stands in for the missing link */
	assert_str(d->items[1]->url, "http://feeds.example/p/3");
	assert_str(d->items[1]->guid, "/p/3");
	assert_true(contains(d->items[1]->content_html, "http://feeds.example/p/x"));
	/* without isPermaLink a guid is the link only when it is an http(s) URL */
	assert_null(d->items[2]->url);
	assert_str(d->items[2]->guid, "12345");
	assert_str(d->items[3]->url, "https://example.org/p/4");
	feed_doc_free(d);
}

static void
test_identity(void **state)
{
	static const char feed[] =
	    "<rss version=\"2.0\"><channel>\n"
	    "<item><guid>g1</guid><link>http://example.com/1</link></item>\n"
	    "<item><link>http://example.com/2</link></item>\n"
	    "<item><title>No id</title><description>Body A</description></item>\n"
	    "<item><title>No id</title><description>Body B</description></item>\n"
	    "<item><title>No id</title><description>Body A</description></item>\n"
	    "</channel></rss>";
	struct feed_doc *d = parse_str(feed);

	(void)state;
	assert_int_equal(d->n_items, 5);
	assert_str(d->items[0]->guid, "g1");
	assert_str(d->items[1]->guid, "http://example.com/2");
	assert_true(strncmp(d->items[2]->guid, "sha256:", 7) == 0);
	assert_int_equal(strlen(d->items[2]->guid), 7 + 64);
	assert_string_not_equal(d->items[2]->guid, d->items[3]->guid);
	assert_string_equal(d->items[2]->guid, d->items[4]->guid);
	/* content_hash follows what a reader sees */
	assert_string_not_equal(d->items[2]->content_hash, d->items[3]->content_hash);
	assert_string_equal(d->items[2]->content_hash, d->items[4]->content_hash);
	feed_doc_free(d);
}

static void
test_author_forms(void **state)
{
	static const struct {
		const char *in, *name, *email;
	} cases[] = {
		{ "me@example.com (Mark Pilgrim)", "Mark Pilgrim", "me@example.com" },
		{ "Mark Pilgrim (me@example.com)", "Mark Pilgrim", "me@example.com" },
		{ "Mark Pilgrim &lt;me@example.com&gt;", "Mark Pilgrim", "me@example.com" },
		{ "  me@example.com ", NULL, "me@example.com" },
		{ "Mark Pilgrim", "Mark Pilgrim", NULL },
		{ "Mark (the author)", "Mark (the author)", NULL },
		{ "&lt;b&gt;Bold&lt;/b&gt; Name", "Bold Name", NULL },
	};
	struct buf b = BUF_INIT;
	struct feed_doc *d;
	size_t i;

	(void)state;
	buf_puts(&b, "<rss version=\"2.0\"><channel>");
	for (i = 0; i < NELEM(cases); i++)
		buf_printf(&b, "<item><guid>%zu</guid><author>%s</author></item>", i, cases[i].in);
	buf_puts(&b, "</channel></rss>");
	d = parse_with(b.data, b.len, NULL, 0);
	assert_false(d->bozo);
	assert_int_equal(d->n_items, NELEM(cases));
	for (i = 0; i < NELEM(cases); i++) {
		const struct author *a = d->items[i]->authors;

		assert_int_equal(d->items[i]->n_authors, 1);
		if (!((cases[i].name == NULL ? a->name == NULL : a->name != NULL &&
		    strcmp(a->name, cases[i].name) == 0) &&
		    (cases[i].email == NULL ? a->email == NULL : a->email != NULL &&
		    strcmp(a->email, cases[i].email) == 0)))
			fail_msg("\"%s\": name \"%s\" email \"%s\"", cases[i].in,
			    a->name ? a->name : "(null)", a->email ? a->email : "(null)");
	}
	feed_doc_free(d);
	buf_free(&b);
}

static void
test_content_precedence(void **state)
{
	static const char feed[] =
	    "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"\n"
	    " xmlns:xhtml=\"http://www.w3.org/1999/xhtml\"><channel>\n"
	    "<item><content:encoded>encoded</content:encoded><description>desc</description>"
	    "<xhtml:body><p>body</p></xhtml:body></item>\n"
	    "<item><description>only desc</description></item>\n"
	    "<item><xhtml:body><p>body</p></xhtml:body><description>desc</description></item>\n"
	    "<item><title>Title &amp; more</title><title>second</title></item>\n"
	    "</channel></rss>";
	struct feed_doc *d = parse_str(feed);

	(void)state;
	assert_str(d->items[0]->content_html, "encoded");
	assert_str(d->items[0]->summary, "desc");
	/* without content the description is the content too */
	assert_str(d->items[1]->content_html, "only desc");
	assert_str(d->items[1]->summary_html, "only desc");
	assert_true(contains(d->items[2]->content_html, "<p>body</p>"));
	assert_str(d->items[2]->summary, "desc");
	assert_str(d->items[3]->title, "Title & more");
	feed_doc_free(d);
}

static void
test_future_dates_clamped(void **state)
{
	static const char feed[] =
	    "<rss version=\"2.0\"><channel><item><guid>x</guid>"
	    "<pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate>"
	    "<dc:date xmlns:dc=\"http://purl.org/dc/elements/1.1/\">2001-01-01</dc:date>"
	    "</item></channel></rss>";
	struct feed_doc *d = parse_with(feed, strlen(feed), NULL, 1700000000);

	(void)state;
	assert_int_equal(d->items[0]->published_at, 1700000000);
	assert_int_equal(d->items[0]->updated_at, 978307200);
	feed_doc_free(d);
	d = parse_str(feed);
	assert_int_equal(d->items[0]->published_at, 4102444800LL);
	feed_doc_free(d);
}

static void
test_prep_ampersands(void **state)
{
	static const struct {
		const char *in, *want;
		size_t fixed;
	} cases[] = {
		{ "a=1&b=2", "a=1&amp;b=2", 1 },
		{ "Fish & Chips", "Fish &amp; Chips", 1 },
		{ "&amp; &lt; &#38; &#x26; &nbsp; &a.b-c:d;", "&amp; &lt; &#38; &#x26; &nbsp; &a.b-c:d;", 0 },
		{ "&#X41; &#; &#x; &; &#12a;", "&amp;#X41; &amp;#; &amp;#x; &amp;; &amp;#12a;", 5 },
		{ "<![CDATA[a & b]]> & <!-- c & d --> <?pi e & f?>",
		  "<![CDATA[a & b]]> &amp; <!-- c & d --> <?pi e & f?>", 1 },
		{ "<a href=\"?x=1&y=2\">&</a>", "<a href=\"?x=1&amp;y=2\">&amp;</a>", 2 },
		{ "<!-- unterminated & comment", "<!-- unterminated & comment", 0 },
		{ "trailing &", "trailing &amp;", 1 },
		{ "&caf\xC3\xA9;", "&caf\xC3\xA9;", 0 },
	};
	struct buf out = BUF_INIT;
	size_t i, n;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		buf_reset(&out);
		n = parse_prep_ampersands(&out, cases[i].in, strlen(cases[i].in));
		if (strcmp(buf_str(&out), cases[i].want) != 0 || n != cases[i].fixed)
			fail_msg("\"%s\": got \"%s\" (%zu fixed), want \"%s\" (%zu)", cases[i].in,
			    buf_str(&out), n, cases[i].want, cases[i].fixed);
	}
	buf_free(&out);
}

static void
test_prep_lift(void **state)
{
	struct buf big = BUF_INIT, doc = BUF_INIT;
	struct parse_lift lf;
	size_t i;

	(void)state;
	for (i = 0; i < 300; i++)
		buf_putc(&big, (char)('a' + i % 26));
	buf_printf(&doc, "<r><!-- <![CDATA[%s]]> --><a><![CDATA[%s]]></a><?p <![CDATA[%s]]>?>"
	    "<b><![CDATA[short]]></b><c><![CDATA[%s\x01]]></c><d><![CDATA[%s]]></d></r>",
	    big.data, big.data, big.data, big.data, big.data);
	parse_prep_lift_cdata(&lf, doc.data, doc.len);
	/* only <a> and <d>: not in a comment or PI, large, all XML Chars */
	assert_int_equal(lf.n, 2);
	assert_int_equal(lf.doc.len, doc.len - 2 * 300);
	for (i = 0; i < lf.n; i++) {
		assert_true(lf.v[i].end >= 12);
		assert_memory_equal(lf.doc.data + lf.v[i].end - 12, "<![CDATA[]]>", 12);
		assert_int_equal(lf.v[i].len, 300);
		assert_memory_equal(lf.v[i].text, big.data, 300);
		assert_true(lf.v[i].text > doc.data && lf.v[i].text < doc.data + doc.len);
		if (i > 0)
			assert_true(lf.v[i].end > lf.v[i - 1].end);
	}
	parse_prep_lift_free(&lf);

	/* a DOCTYPE: nothing is lifted */
	buf_reset(&doc);
	buf_printf(&doc, "<!DOCTYPE r><r><![CDATA[%s]]></r>", big.data);
	parse_prep_lift_cdata(&lf, doc.data, doc.len);
	assert_int_equal(lf.n, 0);
	parse_prep_lift_free(&lf);
	buf_free(&doc);
	buf_free(&big);
}

/*
 * Long runs of character data are lifted out too (parse_prep_lift with
 * lift_text): which runs qualify, and their decoded text.
 */
static void
test_prep_lift_text(void **state)
{
	static const char *const runs[] = {
		/* 0: references and non-ASCII: lifted, decoded */
		"&lt;p&gt;caf\xC3\xA9 &amp;amp; &quot;q&apos; &#233;&#x1F600;&#0000065;&#13;&#x10FFFF;",
		/* 1: plain ASCII: libxml2 reads it fast, left */
		"plain words and more plain words",
		/* 2..: what only libxml2 may judge, left */
		"bad &nbsp; entity", "upper &#X41; hex", "nul &#0; ref", "surrogate &#xD800;",
		"too big &#1114112;", "no semicolon &amp and", "cdata end ]]> here",
		"carriage\r\nreturn \xC3\xA9", "control \x01 \xC3\xA9", "eight digits &#00000065;",
	};
	struct buf doc = BUF_INIT, run = BUF_INIT;
	struct parse_lift lf;
	size_t i, k;

	(void)state;
	buf_puts(&doc, "<r>");
	for (i = 0; i < NELEM(runs); i++) {
		buf_reset(&run);
		for (k = 0; run.len < 300; k++)
			buf_printf(&run, "%s ", runs[i]);
		buf_printf(&doc, "<t a='x>y'>%s</t><u/>", run.data);
	}
	buf_puts(&doc, "</r>");
	parse_prep_lift(&lf, doc.data, doc.len, true);
	assert_int_equal(lf.n, 1);
	assert_int_equal(lf.n_text, 1);
	assert_true(lf.v[0].from_text);
	assert_memory_equal(lf.doc.data + lf.v[0].end - 12, "<![CDATA[]]>", 12);
	assert_memory_equal(lf.v[0].text, "<p>caf\xC3\xA9 &amp; \"q' \xC3\xA9\xF0\x9F\x98\x80" "A\r\xF4\x8F\xBF\xBF ", 32);
	parse_prep_lift_free(&lf);

	/* without lift_text, and with a DOCTYPE, nothing is lifted */
	parse_prep_lift(&lf, doc.data, doc.len, false);
	assert_int_equal(lf.n, 0);
	parse_prep_lift_free(&lf);
	buf_reset(&run);
	buf_printf(&run, "<!DOCTYPE r>%s", doc.data);
	parse_prep_lift(&lf, run.data, run.len, true);
	assert_int_equal(lf.n, 0);
	parse_prep_lift_free(&lf);
	buf_free(&doc);
	buf_free(&run);
}

/* Every field of two parsed documents is the same. */
static void
assert_same_doc(const struct feed_doc *a, const struct feed_doc *b)
{
	size_t i;

	assert_int_equal(a->bozo, b->bozo);
	assert_str(a->bozo_reason, b->bozo_reason != NULL ? b->bozo_reason : "(null)");
	assert_str(a->title, b->title != NULL ? b->title : "(null)");
	assert_str(a->description_html, b->description_html != NULL ? b->description_html : "(null)");
	assert_int_equal(a->n_items, b->n_items);
	for (i = 0; i < a->n_items; i++) {
		const struct post *p = a->items[i], *q = b->items[i];

		assert_str(p->title, q->title != NULL ? q->title : "(null)");
		assert_str(p->summary, q->summary != NULL ? q->summary : "(null)");
		assert_str(p->summary_html, q->summary_html != NULL ? q->summary_html : "(null)");
		assert_str(p->content_html, q->content_html != NULL ? q->content_html : "(null)");
		assert_str(p->content_text, q->content_text != NULL ? q->content_text : "(null)");
		assert_str(p->url, q->url != NULL ? q->url : "(null)");
	}
}

/* Appends shape to out with every '@' replaced by body. */
static void
fill(struct buf *out, const char *shape, const char *body)
{
	const char *at;

	while ((at = strchr(shape, '@')) != NULL) {
		buf_append(out, shape, (size_t)(at - shape));
		buf_puts(out, body);
		shape = at + 1;
	}
	buf_puts(out, shape);
}

/*
 * Lifted character data reads as libxml2 reads it: each document is
 * parsed as it is (runs lifted) and behind an empty DOCTYPE (nothing is
 * lifted then), and the results must be the same: for well-formed
 * documents, for ones with an error before or after a lifted run (read
 * again without lifting), and for every kind of content.
 */
static void
test_lifted_text(void **state)
{
	static const char *const bodies[] = {
		"&lt;p&gt;Caf\xC3\xA9 &amp;amp; &lt;a href=&quot;/x&quot;&gt;link&lt;/a&gt; &#8217;&#x1F600; "
		    "&lt;img src=&quot;i.png&quot;&gt; x &gt; y &apos;q&apos; &#9;tab&#13; \xE2\x80\x99",
		"\xC3\xA9t\xC3\xA9 \xC2\x85 (a C1 control) \xC3\x83\xC2\xA9 and ]] ] ]> text",
	};
	static const char *const shapes[] = {  /* '@': the body */
		/* RSS, escaped HTML */
		"<rss version=\"2.0\"><channel><title>F</title><item><title>one</title>"
		    "<link>/a</link><description>@</description></item></channel></rss>",
		/* Atom type=html and type=text */
		"<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>F</title><entry><title>one</title>"
		    "<link href=\"/a\"/><summary type=\"text\">@</summary>"
		    "<content type=\"html\">@</content></entry></feed>",
		/* Atom type=xhtml: the run is text inside markup */
		"<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>one</title>"
		    "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>@</p>"
		    "<p><b>@</b></p></div></content></entry></feed>",
		/* an error after the run: read again without lifting */
		"<rss version=\"2.0\"><channel><item><description>@</description>"
		    "<title>t</titel></item></channel></rss>",
		/* an error before it */
		"<rss version=\"2.0\"><channel><item><title>a &nbsp; b</title>"
		    "<description>@</description></item></channel></rss>",
		/* content after the root */
		"<rss version=\"2.0\"><channel><item><description>@</description></item>"
		    "</channel></rss><p>@</p>",
	};
	struct buf body = BUF_INIT, doc = BUF_INIT, typed = BUF_INIT;
	struct feed_doc *lifted, *plain;
	size_t b, s;

	(void)state;
	for (b = 0; b < NELEM(bodies); b++) {
		buf_reset(&body);
		while (body.len < 600)
			buf_puts(&body, bodies[b]);
		for (s = 0; s < NELEM(shapes); s++) {
			buf_reset(&doc);
			fill(&doc, shapes[s], body.data);
			buf_reset(&typed);
			buf_printf(&typed, "<!DOCTYPE x>%s", doc.data);
			lifted = parse_with(doc.data, doc.len, "http://example.com/", 0);
			plain = parse_with(typed.data, typed.len, "http://example.com/", 0);
			assert_same_doc(lifted, plain);
			assert_true(lifted->n_items > 0);
			feed_doc_free(lifted);
			feed_doc_free(plain);
		}
	}
	buf_free(&body);
	buf_free(&doc);
	buf_free(&typed);
}

/* util_json_string() the slow, obvious way. */
static void
json_reference(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	buf_putc(out, '"');
	for (; *p != '\0'; p++) {
		if (*p == '"')
			buf_puts(out, "\\\"");
		else if (*p == '\\')
			buf_puts(out, "\\\\");
		else if (*p == '\n')
			buf_puts(out, "\\n");
		else if (*p == '\r')
			buf_puts(out, "\\r");
		else if (*p == '\t')
			buf_puts(out, "\\t");
		else if (*p < 0x20)
			buf_printf(out, "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
		else
			buf_putc(out, (char)*p);
	}
	buf_putc(out, '"');
}

/*
 * The JSON strings of `crier parse` (util_json_string: sixteen bytes at a
 * time, written in place): every length to 70 with a byte that needs an
 * escape at every position, every byte value, and a capped buffer.
 */
static void
test_json_string(void **state)
{
	static const char specials[] = "\"\\\n\r\t\x01\x1f\x7f\x80\xff";
	char in[80], all[255];
	struct buf want = BUF_INIT, got = BUF_INIT, capped;
	size_t len, pos, k;

	(void)state;
	for (len = 0; len <= 70; len++) {
		for (pos = 0; pos <= len; pos++) {
			for (k = 0; k < len; k++)
				in[k] = (char)('A' + (k * 5) % 26);
			if (pos < len)
				in[pos] = specials[(len + pos) % (sizeof(specials) - 1)];
			in[len] = '\0';
			buf_reset(&want);
			buf_reset(&got);
			buf_puts(&want, "[");
			buf_puts(&got, "[");
			json_reference(&want, in);
			util_json_string(&got, in);
			assert_string_equal(buf_str(&got), buf_str(&want));
			buf_init(&capped, want.len + 1);        /* no room for 6 * len */
			buf_puts(&capped, "[");
			util_json_string(&capped, in);
			assert_string_equal(buf_str(&capped), buf_str(&want));
			buf_free(&capped);
		}
	}
	for (k = 1; k < 256; k++)
		all[k - 1] = (char)k;
	for (k = 0; k + 40 < 255; k += 40) {
		memcpy(in, all + k, 40);
		in[40] = '\0';
		buf_reset(&want);
		buf_reset(&got);
		json_reference(&want, in);
		util_json_string(&got, in);
		assert_string_equal(buf_str(&got), buf_str(&want));
	}
	buf_free(&want);
	buf_free(&got);
}

/* Large CDATA sections are lifted out before libxml2 reads the document
 * (parse_prep.c); what comes out must be what libxml2 would give. */
static void
test_cdata(void **state)
{
	struct buf big = BUF_INIT, doc = BUF_INIT;
	struct feed_doc *d;
	int i;

	(void)state;
	for (i = 0; i < 40; i++)
		buf_printf(&big, "<p>para %d &amp; <a href=\"/x\">link</a> \xC3\xA9</p>\n", i);
	buf_printf(&doc,
	    "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
	    "<channel><!-- <![CDATA[ not a section ]]> -->\n"
	    "<item><title>one</title><content:encoded><![CDATA[%s]]></content:encoded></item>\n"
	    "<item><title>two</title><description><![CDATA[%s]]>middle<![CDATA[%s]]></description></item>\n"
	    "<item><title>three</title><description><![CDATA[small]]></description></item>\n"
	    "<item><title>four</title><description><![CDATA[%s\r\nCRLF]]></description></item>\n"
	    "</channel></rss>", big.data, big.data, big.data, big.data);
	d = parse_with(doc.data, doc.len, "http://example.com/", 0);
	assert_false(d->bozo);
	assert_int_equal(d->n_items, 4);
	assert_true(contains(d->items[0]->content_html, "<p>para 0 &amp; <a href=\"http://example.com/x\""));
	assert_true(contains(d->items[0]->content_html, "para 39"));
	assert_true(contains(d->items[1]->summary, "para 39 & link \xC3\xA9 middle para 0"));
	assert_str(d->items[2]->summary, "small");
	assert_true(contains(d->items[3]->summary_html, "CRLF"));
	assert_false(contains(d->items[3]->summary_html, "\r"));
	feed_doc_free(d);

	/* a control character in a section: libxml2 reads it, and says bozo */
	buf_reset(&doc);
	buf_printf(&doc, "<rss version=\"2.0\"><channel><item><title>t</title><description>"
	    "<![CDATA[%s\x01]]></description></item></channel></rss>", big.data);
	d = parse_with(doc.data, doc.len, NULL, 0);
	assert_true(d->bozo);
	feed_doc_free(d);

	/* a DOCTYPE: nothing is lifted, the content is the same */
	buf_reset(&doc);
	buf_printf(&doc, "<!DOCTYPE rss><rss version=\"2.0\"><channel><item><description>"
	    "<![CDATA[%s]]></description></item></channel></rss>", big.data);
	d = parse_with(doc.data, doc.len, NULL, 0);
	assert_false(d->bozo);
	assert_true(contains(d->items[0]->summary, "para 39"));
	feed_doc_free(d);
	buf_free(&big);
	buf_free(&doc);
}

/* ---------------------------------------------------------------- bozo */

static void
test_recovery(void **state)
{
	static const char truncated[] =
	    "<rss version=\"2.0\"><channel><title>Kept</title>\n"
	    "<item><title>One</title></item>\n"
	    "<item><title>Two</title><description>cut he";
	static const char entities[] =
	    "<rss version=\"2.0\"><channel><title>a&nbsp;b &rsquo;c&rsquo; &doesnotexist;</title>"
	    "</channel></rss>";
	static const char amp[] =
	    "<rss version=\"2.0\"><channel><item><link>http://link/get?a=1&b=2</link>"
	    "<title>Fish & Chips</title></item></channel></rss>";
	static const char prefix[] =
	    "<rss version=\"2.0\"><channel><dc:creator>Undeclared</dc:creator>"
	    "<item><dc:creator>X</dc:creator></item></channel></rss>";
	struct feed_doc *d;

	(void)state;
	d = parse_str(truncated);
	assert_true(d->bozo);
	assert_str(d->title, "Kept");
	assert_int_equal(d->n_items, 2);
	assert_str(d->items[1]->title, "Two");
	assert_str(d->items[1]->summary, "cut he");
	feed_doc_free(d);

	d = parse_str(entities);
	assert_true(d->bozo);
	assert_str(d->title, "a\xC2\xA0" "b \xE2\x80\x99" "c\xE2\x80\x99 &doesnotexist;");
	feed_doc_free(d);

	d = parse_str(amp);
	assert_true(d->bozo);
	assert_str(d->items[0]->url, "http://link/get?a=1&b=2");
	assert_str(d->items[0]->title, "Fish & Chips");
	feed_doc_free(d);

	d = parse_str(prefix);
	assert_true(d->bozo);
	assert_str(d->authors[0].name, "Undeclared");
	assert_str(d->items[0]->authors[0].name, "X");
	feed_doc_free(d);
}

static void
test_hopeless_input(void **state)
{
	size_t len;
	static const char *const inputs[] = {
		"", " ", "not xml at all", "<", "<?xml version=\"1.0\"?>", "<rss", "{", "[1,2]",
		"\xFF\xFE", "\x00\x00\x00", "<!DOCTYPE x [", "<![CDATA[",
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(inputs); i++) {
		struct feed_doc *d;

		len = i == 9 ? 3 : strlen(inputs[i]);   /* 9: NULs */
		d = parse_with(inputs[i], len, NULL, 0);
		assert_non_null(d);
		assert_true(d->bozo);
		assert_int_equal(d->n_items, 0);
		assert_non_null(d->encoding);
		feed_doc_free(d);
	}
	/* opt may be NULL */
	feed_doc_free(parse_feed("<rss/>", 6, NULL));

	/* libxml2 quotes 50 bytes of the document in some messages, cutting
	 * a character in two: the reason must still be UTF-8 (found by fuzzing) */
	for (len = 0; len < 4; len++) {
		struct buf b = BUF_INIT;
		struct feed_doc *d;

		buf_puts(&b, "<!--");
		for (i = 0; i < len; i++)
			buf_putc(&b, 'x');
		for (i = 0; i < 40; i++)
			buf_puts(&b, "\xE2\x80\x99");
		d = parse_with(b.data, b.len, NULL, 0);
		assert_true(d->bozo);
		assert_non_null(d->bozo_reason);
		assert_true(util_utf8_valid(d->bozo_reason, strlen(d->bozo_reason)));
		feed_doc_free(d);
		buf_free(&b);
	}
}

/* ---------------------------------------------------------------- encodings */

static void
test_encodings(void **state)
{
	static const char latin1[] =
	    "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>"
	    "<rss version=\"2.0\"><channel><title>caf\xE9</title></channel></rss>";
	static const char invalid[] =
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	    "<rss version=\"2.0\"><channel><title>bad \xC3\x28 byte</title></channel></rss>";
	static const char c1[] =
	    "<rss version=\"2.0\"><channel><title>don\xC2\x92t</title>"
	    "<description>&#226;&#128;&#166;</description></channel></rss>";
	const char *u16 = "<?xml version=\"1.0\" encoding=\"utf-16\"?>"
	    "<rss version=\"2.0\"><channel><title>\xE2\x82\xAC uro</title></channel></rss>";
	struct buf b = BUF_INIT;
	struct feed_doc *d;
	size_t i;

	(void)state;
	d = parse_str(latin1);
	assert_false(d->bozo);
	assert_str(d->encoding, "iso-8859-1");
	assert_str(d->title, "caf\xC3\xA9");
	feed_doc_free(d);

	d = parse_str(invalid);
	assert_true(d->bozo);
	assert_true(util_utf8_valid(d->title, strlen(d->title)));
	assert_true(contains(d->title, "byte"));
	feed_doc_free(d);

	d = parse_str(c1);
	assert_false(d->bozo);
	assert_str(d->title, "don\xE2\x80\x99t");                 /* windows-1252 0x92 */
	assert_str(d->description, "\xE2\x80\xA6");               /* double-encoded U+2026 */
	feed_doc_free(d);

	/* UTF-16LE with a BOM, written out from UTF-8 by hand (BMP only) */
	buf_append(&b, "\xFF\xFE", 2);
	for (i = 0; u16[i] != '\0'; i++) {
		if ((unsigned char)u16[i] == 0xE2) {    /* the euro sign, U+20AC */
			buf_append(&b, "\xAC\x20", 2);
			i += 2;
		} else {
			buf_putc(&b, u16[i]);
			buf_putc(&b, '\0');
		}
	}
	d = parse_with(b.data, b.len, NULL, 0);
	assert_false(d->bozo);
	assert_str(d->encoding, "utf-16le");
	assert_str(d->title, "\xE2\x82\xAC uro");
	feed_doc_free(d);
	buf_free(&b);

	/* the HTTP charset beats the declaration, a byte-order mark beats both */
	{
		static const char declared_utf8[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
		    "<rss version=\"2.0\"><channel><title>caf\xE9</title></channel></rss>";
		static const char bom[] = "\xEF\xBB\xBF<rss version=\"2.0\"><channel>"
		    "<title>caf\xC3\xA9</title></channel></rss>";
		struct parse_options opt;

		memset(&opt, 0, sizeof(opt));
		opt.http_charset = "ISO-8859-1";
		d = parse_feed(declared_utf8, strlen(declared_utf8), &opt);
		assert_false(d->bozo);
		assert_str(d->title, "caf\xC3\xA9");
		feed_doc_free(d);
		d = parse_feed(bom, strlen(bom), &opt);
		assert_false(d->bozo);
		assert_str(d->encoding, "utf-8");
		assert_str(d->title, "caf\xC3\xA9");
		feed_doc_free(d);
	}

	d = parse_str("<?xml version=\"1.0\" encoding=\"bogus\"?><rss><channel><title>x</title></channel></rss>");
	assert_true(d->bozo);
	assert_str(d->title, "x");
	feed_doc_free(d);
}

/* ---------------------------------------------------------------- safety */

static void
assert_fast(int64_t start_ms, int64_t limit_ms, const char *what)
{
	int64_t took = util_now_ms() - start_ms;

	if (took > limit_ms)
		fail_msg("%s took %lld ms (limit %lld ms)", what, (long long)took, (long long)limit_ms);
}

static void
test_billion_laughs(void **state)
{
	struct buf b = BUF_INIT;
	struct feed_doc *d;
	int64_t t0;
	int i, j;

	(void)state;
	buf_puts(&b, "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY lol0 \"lol\">\n");
	for (i = 1; i <= 9; i++) {
		buf_printf(&b, "<!ENTITY lol%d \"", i);
		for (j = 0; j < 10; j++)
			buf_printf(&b, "&lol%d;", i - 1);
		buf_puts(&b, "\">\n");
	}
	buf_puts(&b, "]>\n<rss version=\"2.0\"><channel><title>&lol9;</title>"
	    "<item><title>&lol9;</title></item></channel></rss>\n");
	t0 = util_now_ms();
	d = parse_with(b.data, b.len, NULL, 0);
	assert_fast(t0, 1000, "billion laughs");
	/* an entity value with references in it stops the parser at once */
	assert_true(d->bozo);
	assert_null(d->title);
	assert_int_equal(d->n_items, 0);
	assert_true(arena_used(d->arena) < 256 * 1024);
	feed_doc_free(d);
	buf_free(&b);
}

static void
test_parameter_entities(void **state)
{
	/* legal XML: a parameter entity that declares a general one */
	static const char simple[] =
	    "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n"
	    "<!ENTITY % decl \"<!ENTITY b 'declared through a parameter entity'>\">\n"
	    "%decl;\n]>\n<rss version=\"2.0\"><channel><title>&b;</title>"
	    "<item><title>i</title></item></channel></rss>\n";
	static const char nested[] =
	    "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n"
	    "<!ENTITY % a \"<!ENTITY b 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'>\">\n"
	    "<!ENTITY % a1 \"%a;%a;%a;%a;%a;%a;%a;%a;%a;%a;%a;%a;%a;%a;%a;%a;\">\n"
	    "<!ENTITY % a2 \"%a1;%a1;%a1;%a1;%a1;%a1;%a1;%a1;%a1;%a1;%a1;%a1;%a1;\">\n"
	    "<!ENTITY % a3 \"%a2;%a2;%a2;%a2;%a2;%a2;%a2;%a2;%a2;%a2;%a2;%a2;%a2;\">\n"
	    "%a3;\n]>\n<rss version=\"2.0\"><channel><title>&b;</title></channel></rss>\n";
	struct feed_doc *d;
	int64_t t0 = util_now_ms();

	(void)state;
	/* a parameter entity declared in the document stops the parser at once */
	d = parse_str(simple);
	assert_true(d->bozo);
	assert_null(d->title);
	assert_int_equal(d->n_items, 0);
	feed_doc_free(d);

	d = parse_str(nested);
	assert_fast(t0, 1000, "parameter entities");
	assert_true(d->bozo);
	assert_false(contains(d->title, "bbbb"));
	feed_doc_free(d);
}

static void
test_quadratic_blowup(void **state)
{
	struct buf b = BUF_INIT;
	struct feed_doc *d;
	int64_t t0;
	int i;

	(void)state;
	buf_puts(&b, "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY big \"");
	for (i = 0; i < 4000; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, "\">]><rss version=\"2.0\"><channel><title>");
	for (i = 0; i < 100000; i++)
		buf_puts(&b, "&big;");
	buf_puts(&b, "</title></channel></rss>");
	t0 = util_now_ms();
	d = parse_with(b.data, b.len, NULL, 0);
	assert_fast(t0, 2000, "quadratic blow-up");
	assert_true(d->bozo);
	/* expansion stops at the budget, far below 400 MB */
	assert_true(d->title == NULL || strlen(d->title) <= CAP_ENTITY_EXPANSION);
	assert_true(arena_used(d->arena) < 8 * CAP_ENTITY_EXPANSION);
	feed_doc_free(d);
	buf_free(&b);
}

/* A listening socket on 127.0.0.1; its port in *port. */
static int
listen_local(int *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

static void
test_external_entities(void **state)
{
	struct buf b = BUF_INIT;
	struct feed_doc *d;
	int64_t t0;
	int fd, port, conn;
	size_t i;

	(void)state;
	fd = listen_local(&port);
	buf_printf(&b,
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE rss SYSTEM \"http://127.0.0.1:%d/rss.dtd\" [\n"
	    "<!ENTITY passwd SYSTEM \"file:///etc/passwd\">\n"
	    "<!ENTITY port SYSTEM \"http://127.0.0.1:%d/secret\">\n"
	    "<!ENTITY %% remote SYSTEM \"http://127.0.0.1:%d/evil.dtd\">\n"
	    "%%remote;\n"
	    "]>\n"
	    "<rss version=\"2.0\"><channel><title>t &passwd; &port;</title>\n"
	    "<item><title>i</title><description>&passwd;</description>"
	    "<link>http://example.com/&port;</link></item></channel></rss>\n",
	    port, port, port);
	t0 = util_now_ms();
	d = parse_with(b.data, b.len, NULL, 0);
	assert_fast(t0, 1000, "external entities");
	assert_true(d->bozo);
	assert_int_equal(d->n_items, 1);
	assert_str(d->items[0]->title, "i");
	assert_false(contains(d->title, "root:"));
	assert_false(contains(d->items[0]->summary, "root:"));
	assert_false(contains(d->items[0]->content_html, "root:"));
	/* nobody knocked on the port */
	conn = accept(fd, NULL, NULL);
	assert_int_equal(conn, -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	close(fd);
	for (i = 0; i < d->n_items; i++)
		assert_false(contains(d->items[i]->url, "root:"));
	feed_doc_free(d);
	buf_free(&b);
}

static void
test_declared_entities(void **state)
{
	static const char doc[] =
	    "<!DOCTYPE rss [\n  <!ENTITY id \"tag:example.com,\">\n  <!ENTITY nm \"Ann\">\n]>\n"
	    "<rss version=\"2.0\"><channel><item><guid isPermaLink='false'>&id;2006:/x</guid>"
	    "<author>&nm; (&nm;@example.com)</author></item></channel></rss>";
	struct feed_doc *d = parse_str(doc);

	(void)state;
	assert_false(d->bozo);
	assert_str(d->items[0]->guid, "tag:example.com,2006:/x");
	assert_str(d->items[0]->authors[0].name, "Ann");
	feed_doc_free(d);
}

static void
test_deep_nesting(void **state)
{
	struct buf b = BUF_INIT;
	struct feed_doc *d;
	int i;

	(void)state;
	buf_puts(&b, "<rss version=\"2.0\"><channel><item><description>");
	for (i = 0; i < 100000; i++)
		buf_puts(&b, "<b>");
	buf_puts(&b, "deep");
	for (i = 0; i < 100000; i++)
		buf_puts(&b, "</b>");
	buf_puts(&b, "</description></item></channel></rss>");
	d = parse_with(b.data, b.len, NULL, 0);
	assert_true(d->bozo);   /* libxml2 refuses depth over 256 */
	assert_int_equal(d->n_items, 1);
	feed_doc_free(d);
	buf_free(&b);
}

/* Builds an RSS feed of n items. */
static void
many_items(struct buf *b, int n)
{
	int i;

	buf_reset(b);
	buf_puts(b, "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>big</title>\n");
	for (i = 0; i < n; i++)
		buf_printf(b, "<item><title>Item %d</title><link>http://example.com/%d</link>"
		    "<pubDate>Mon, 06 Sep 2010 00:01:00 +0000</pubDate>"
		    "<description>Hello &lt;b&gt;world&lt;/b&gt; %d</description></item>\n", i, i, i);
	buf_puts(b, "</channel></rss>\n");
}

static void
test_100k_items(void **state)
{
	struct buf b = BUF_INIT;
	struct feed_doc *d;
	int64_t t0, t_small, t_big;

	(void)state;
	many_items(&b, 10000);
	t0 = util_now_ms();
	d = parse_with(b.data, b.len, NULL, 0);
	t_small = util_now_ms() - t0;
	assert_int_equal(d->n_items, 10000);
	feed_doc_free(d);

	many_items(&b, 100000);
	t0 = util_now_ms();
	d = parse_with(b.data, b.len, NULL, 0);
	t_big = util_now_ms() - t0;
	assert_false(d->bozo);
	assert_int_equal(d->n_items, 100000);
	assert_str(d->items[99999]->title, "Item 99999");
	assert_str(d->items[99999]->url, "http://example.com/99999");
	print_message("# %zu bytes of feed, %zu bytes of arena\n", b.len, arena_used(d->arena));
	/* memory stays proportional to the document */
	assert_true(arena_used(d->arena) < 8 * b.len);
	feed_doc_free(d);
	buf_free(&b);
	print_message("# 10,000 items: %lld ms; 100,000 items: %lld ms\n",
	    (long long)t_small, (long long)t_big);
	/* linear, not quadratic: 10x the items within 25x the time */
	if (t_big > 25 * t_small + 500)
		fail_msg("100,000 items took %lld ms, 10,000 took %lld ms: not linear",
		    (long long)t_big, (long long)t_small);
	/* a few seconds -O2, a few more under the sanitizers */
	if (t_big > 30000)
		fail_msg("100,000 items took %lld ms", (long long)t_big);
}

static int
setup(void **state)
{
	(void)state;
	xmlInitParser();
	return sodium_init() < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	xmlCleanupParser();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rss20),
		cmocka_unit_test(test_rss_versions),
		cmocka_unit_test(test_rdf),
		cmocka_unit_test(test_atom10),
		cmocka_unit_test(test_atom03),
		cmocka_unit_test(test_cdf),
		cmocka_unit_test(test_jsonfeed),
		cmocka_unit_test(test_xml_base),
		cmocka_unit_test(test_base_fallbacks),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_author_forms),
		cmocka_unit_test(test_content_precedence),
		cmocka_unit_test(test_future_dates_clamped),
		cmocka_unit_test(test_prep_ampersands),
		cmocka_unit_test(test_prep_lift),
		cmocka_unit_test(test_cdata),
		cmocka_unit_test(test_prep_lift_text),
		cmocka_unit_test(test_lifted_text),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_hopeless_input),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_parameter_entities),
		cmocka_unit_test(test_quadratic_blowup),
		cmocka_unit_test(test_external_entities),
		cmocka_unit_test(test_declared_entities),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_100k_items),
	};
	return cmocka_run_group_tests_name("parse", tests, setup, teardown);
}
