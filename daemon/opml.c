/*
 * opml.c: OPML import and export (see opml.h), with libxml2's tree API.
 */
#include "opml.h"
#include "sanitize.h"
#include "util.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OPML_MAX_DEPTH 32

struct walk {
	opml_feed_fn fn;
	void *arg;
	int count;
	int stop;
	const char *folders[OPML_MAX_DEPTH];
	int depth;
};

static char *
attr(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s;

	if (v == NULL)
		return NULL;
	s = xstrdup((const char *)v);
	xmlFree(v);
	if (*s == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

/* Appends label[0..n) to the comma-separated tags unless it is there. */
static void
add_tag(struct buf *tags, const char *label, size_t n)
{
	const char *p = buf_str(tags);
	size_t len;

	for (; *p; p += len + (p[len] == ',')) {
		len = strcspn(p, ",");
		if (len == n && strncasecmp(p, label, n) == 0)
			return;
	}
	buf_printf(tags, "%s%.*s", tags->len ? "," : "", (int)n, label);
}

/* category="/a/b,/c" -> tags a, b, c */
static void
add_categories(struct buf *tags, const char *category)
{
	const char *p = category;
	size_t n;

	while (*p) {
		while (*p == '/' || *p == ',' || *p == ' ')
			p++;
		n = strcspn(p, "/,");
		if (n > 0)
			add_tag(tags, p, n);
		p += n;
	}
}

static void walk_children(struct walk *w, xmlNode *parent);

static void
visit_outline(struct walk *w, xmlNode *n)
{
	struct opml_feed f;
	struct buf tags = BUF_INIT;
	char *url = attr(n, "xmlUrl"), *text, *html, *cat;
	int i;

	text = attr(n, "text");
	if (text == NULL)
		text = attr(n, "title");
	if (url == NULL) {
		/* a folder: its children get its name as a tag */
		if (w->depth < OPML_MAX_DEPTH) {
			w->folders[w->depth++] = text;
			walk_children(w, n);
			w->depth--;
		}
		free(text);
		return;
	}
	html = attr(n, "htmlUrl");
	cat = attr(n, "category");
	for (i = 0; i < w->depth; i++) {
		if (w->folders[i] != NULL)
			add_tag(&tags, w->folders[i], strlen(w->folders[i]));
	}
	if (cat != NULL)
		add_categories(&tags, cat);
	f.url = url;
	f.title = text;
	f.html_url = html;
	f.tags = tags.len ? buf_str(&tags) : NULL;
	w->count++;
	if (w->fn(&f, w->arg) != 0)
		w->stop = 1;
	free(url);
	free(text);
	free(html);
	free(cat);
	buf_free(&tags);
}

static void
walk_children(struct walk *w, xmlNode *parent)
{
	xmlNode *n;

	for (n = parent->children; n != NULL && !w->stop; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && strcasecmp((const char *)n->name, "outline") == 0)
			visit_outline(w, n);
	}
}

int
opml_read(const char *data, size_t len, opml_feed_fn fn, void *arg, char **err)
{
	struct walk w;
	xmlDoc *doc;
	xmlNode *root, *n;

	*err = NULL;
	if (memmem(data, len, "<!ENTITY", 8) != NULL) {
		*err = xstrdup("the OPML document declares entities; refusing to read it");
		return -1;
	}
	doc = xmlReadMemory(data, (int)len, "opml.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		const xmlError *e = xmlGetLastError();
		struct buf b = BUF_INIT;
		buf_printf(&b, "not well-formed XML%s%s", e && e->message ? ": " : "",
		    e && e->message ? e->message : "");
		while (b.len > 0 && b.data[b.len - 1] == '\n')
			b.data[--b.len] = '\0';
		*err = buf_steal(&b);
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcasecmp((const char *)root->name, "opml") != 0) {
		*err = xstrdup("not an OPML document (the root element is not <opml>)");
		xmlFreeDoc(doc);
		return -1;
	}
	memset(&w, 0, sizeof(w));
	w.fn = fn;
	w.arg = arg;
	for (n = root->children; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && strcasecmp((const char *)n->name, "body") == 0)
			walk_children(&w, n);
	}
	xmlFreeDoc(doc);
	return w.count;
}

/* ---------------------------------------------------------------- writing */

static void
put_attr(struct buf *out, const char *name, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	buf_printf(out, " %s=\"", name);
	html_escape(out, value, strlen(value));
	buf_putc(out, '"');
}

static void
first_tag(const char *tags, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	if (tags == NULL)
		return;
	len = strcspn(tags, ",");
	if (len >= n)
		len = n - 1;
	memcpy(out, tags, len);
	out[len] = '\0';
}

static void
put_feed(struct buf *out, const struct opml_feed *f, const char *indent)
{
	struct buf cat = BUF_INIT;
	const char *p;
	size_t len;

	for (p = f->tags; p != NULL && *p; p += len + (p[len] == ',')) {
		len = strcspn(p, ",");
		if (len > 0)
			buf_printf(&cat, "%s/%.*s", cat.len ? "," : "", (int)len, p);
	}
	buf_printf(out, "%s<outline type=\"rss\"", indent);
	put_attr(out, "text", f->title != NULL ? f->title : f->url);
	put_attr(out, "title", f->title);
	put_attr(out, "xmlUrl", f->url);
	put_attr(out, "htmlUrl", f->html_url);
	put_attr(out, "category", buf_str(&cat));
	buf_puts(out, "/>\n");
	buf_free(&cat);
}

static int
by_first_tag(const void *a, const void *b)
{
	const struct opml_feed *fa = *(const struct opml_feed *const *)a;
	const struct opml_feed *fb = *(const struct opml_feed *const *)b;
	char ta[256], tb[256];
	int c;

	first_tag(fa->tags, ta, sizeof(ta));
	first_tag(fb->tags, tb, sizeof(tb));
	c = strcasecmp(ta, tb);
	return c != 0 ? c : strcmp(fa->url, fb->url);
}

void
opml_write(struct buf *out, const char *title, const struct opml_feed *feeds, size_t n,
    int64_t now)
{
	const struct opml_feed **sorted = xcalloc(n, sizeof(*sorted));
	char date[40], tag[256], open[256] = "";
	size_t i;

	for (i = 0; i < n; i++)
		sorted[i] = &feeds[i];
	qsort(sorted, n, sizeof(*sorted), by_first_tag);
	util_http_date(now, date);
	buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head>\n");
	buf_puts(out, "  <title>");
	html_escape(out, title, strlen(title));
	buf_printf(out, "</title>\n  <dateCreated>%s</dateCreated>\n"
	    "  <docs>http://opml.org/spec2.opml</docs>\n</head>\n<body>\n", date);
	for (i = 0; i < n; i++) {
		first_tag(sorted[i]->tags, tag, sizeof(tag));
		if (strcasecmp(tag, open) != 0) {
			if (open[0] != '\0')
				buf_puts(out, "  </outline>\n");
			if (tag[0] != '\0') {
				buf_puts(out, "  <outline");
				put_attr(out, "text", tag);
				buf_puts(out, ">\n");
			}
			memcpy(open, tag, sizeof(open));
		}
		put_feed(out, sorted[i], open[0] != '\0' ? "    " : "  ");
	}
	if (open[0] != '\0')
		buf_puts(out, "  </outline>\n");
	buf_puts(out, "</body>\n</opml>\n");
	free(sorted);
}
