/*
 * template_bench.c: how long a realistic reader page takes to render.
 *
 * The page: a layout, a 50-post section rendered through a partial, each
 * post with a dozen fields (some escaped, a tag list, a 3 KB HTML body
 * through {{{ }}}).  The peer in the same run is the same page written by
 * hand with buf_append and a table escaper: the floor a template engine
 * could reach.  Prints microseconds per render for both and their ratio,
 * after checking that both produce the same bytes (best batch of ten,
 * interleaved, as the machine is shared).  Never part of make
 * check.  Build and run from the source tree:
 *
 *   cc -O2 -Idaemon bench/template_bench.c daemon/template.c daemon/buf.c \
 *      daemon/log.c daemon/util.c \
 *      $(pkg-config --cflags --libs jansson libsodium) -o /tmp/template_bench
 *   /tmp/template_bench [renders]
 */
#include "template.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POSTS 50
#define BATCHES 10

static const char page_src[] =
	"<!doctype html>\n"
	"<html lang=\"en\">\n"
	"<head><title>{{site.title}}</title></head>\n"
	"<body>\n"
	"<main>\n"
	"  <h1>{{page.heading}}</h1>\n"
	"  {{#posts}}\n"
	"  {{> post}}\n"
	"  {{/posts}}\n"
	"</main>\n"
	"</body>\n"
	"</html>\n";

static const char post_src[] =
	"<article id=\"post-{{id}}\">\n"
	"  <h2><a href=\"{{url}}\">{{title}}</a></h2>\n"
	"  <p class=\"meta\">{{author}} in <a href=\"{{feed_url}}\">{{feed_title}}</a>,\n"
	"    <time datetime=\"{{published}}\">{{published_label}}</time>\n"
	"    {{#updated}}(updated {{updated}}){{/updated}}</p>\n"
	"  <ul class=\"tags\">{{#tags}}<li><a href=\"/tag/{{slug}}\">{{label}}</a></li>{{/tags}}</ul>\n"
	"  <p class=\"summary\">{{summary}}</p>\n"
	"  <div class=\"content\">{{{content_html}}}</div>\n"
	"  <a href=\"/post/{{id}}-{{slug}}\">Permalink</a> · week {{week}}\n"
	"</article>\n";

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static json_t *
make_body(int i)
{
	struct buf b = BUF_INIT;
	json_t *s;

	while (b.len < 3000)
		buf_printf(&b, "<p>Paragraph %zu of post %d: we shipped the "
		    "<em>thing</em> &amp; wrote it up.</p>\n", b.len / 80, i);
	s = json_stringn(b.data, b.len);
	buf_free(&b);
	return s;
}

static json_t *
make_context(void)
{
	json_t *posts = json_array();
	char s[128];
	int i;

	for (i = 0; i < POSTS; i++) {
		json_t *p = json_object(), *tags = json_array();

		json_object_set_new(p, "id", json_integer(1000 + i));
		snprintf(s, sizeof(s), "https://blog%d.example.gov.uk/2026/11/week-%d?a=1&b=2", i % 7, i);
		json_object_set_new(p, "url", json_string(s));
		snprintf(s, sizeof(s), "Weeknotes #%d: \"shipping\" <fast> & safe", i);
		json_object_set_new(p, "title", json_string(s));
		json_object_set_new(p, "author", json_string("Ann O'Neil"));
		json_object_set_new(p, "feed_title", json_string("Digital & Data blog"));
		json_object_set_new(p, "feed_url", json_string("https://blog.example.gov.uk/"));
		json_object_set_new(p, "published", json_string("2026-11-23T10:00:00Z"));
		json_object_set_new(p, "published_label", json_string("23 November 2026"));
		json_object_set_new(p, "updated", i % 3 ? json_string("") : json_string("24 November"));
		json_object_set_new(p, "summary", json_string("What we did this week, what we learned, and what is next for the team."));
		json_object_set_new(p, "slug", json_string("weeknotes-shipping-fast-safe"));
		json_object_set_new(p, "week", json_string("2026-W48"));
		json_array_append_new(tags, json_pack("{s:s,s:s}", "slug", "weeknotes", "label", "Weeknotes"));
		json_array_append_new(tags, json_pack("{s:s,s:s}", "slug", "data", "label", "Data & AI"));
		json_array_append_new(tags, json_pack("{s:s,s:s}", "slug", "council", "label", "Council"));
		json_object_set_new(p, "tags", tags);
		json_object_set_new(p, "content_html", make_body(i));
		json_array_append_new(posts, p);
	}
	return json_pack("{s:{s:s},s:{s:s},s:o}",
	    "site", "title", "Sector notes <beta>",
	    "page", "heading", "This week",
	    "posts", posts);
}

/* ---------------------------------------------------------------- peer */

static void
esc(struct buf *b, const json_t *v)
{
	const char *s = json_string_value(v), *e;
	size_t n = json_string_length(v), i, start = 0;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: continue;
		}
		buf_append(b, s + start, i - start);
		buf_puts(b, e);
		start = i + 1;
	}
	buf_append(b, s + start, n - start);
}

#define F(o, k) json_object_get((o), (k))

static void
by_hand(struct buf *b, const json_t *ctx)
{
	const json_t *posts = F(ctx, "posts"), *p, *t;
	size_t i, j;

	buf_puts(b, "<!doctype html>\n<html lang=\"en\">\n<head><title>");
	esc(b, F(F(ctx, "site"), "title"));
	buf_puts(b, "</title></head>\n<body>\n<main>\n  <h1>");
	esc(b, F(F(ctx, "page"), "heading"));
	buf_puts(b, "</h1>\n");
	json_array_foreach(posts, i, p) {
		buf_printf(b, "  <article id=\"post-%lld\">\n    <h2><a href=\"",
		    (long long)json_integer_value(F(p, "id")));
		esc(b, F(p, "url"));
		buf_puts(b, "\">");
		esc(b, F(p, "title"));
		buf_puts(b, "</a></h2>\n    <p class=\"meta\">");
		esc(b, F(p, "author"));
		buf_puts(b, " in <a href=\"");
		esc(b, F(p, "feed_url"));
		buf_puts(b, "\">");
		esc(b, F(p, "feed_title"));
		buf_puts(b, "</a>,\n      <time datetime=\"");
		esc(b, F(p, "published"));
		buf_puts(b, "\">");
		esc(b, F(p, "published_label"));
		buf_puts(b, "</time>\n      ");
		if (json_string_length(F(p, "updated")) > 0) {
			buf_puts(b, "(updated ");
			esc(b, F(p, "updated"));
			buf_puts(b, ")");
		}
		buf_puts(b, "</p>\n    <ul class=\"tags\">");
		json_array_foreach(F(p, "tags"), j, t) {
			buf_puts(b, "<li><a href=\"/tag/");
			esc(b, F(t, "slug"));
			buf_puts(b, "\">");
			esc(b, F(t, "label"));
			buf_puts(b, "</a></li>");
		}
		buf_puts(b, "</ul>\n    <p class=\"summary\">");
		esc(b, F(p, "summary"));
		buf_puts(b, "</p>\n    <div class=\"content\">");
		buf_append(b, json_string_value(F(p, "content_html")),
		    json_string_length(F(p, "content_html")));
		buf_printf(b, "</div>\n    <a href=\"/post/%lld-",
		    (long long)json_integer_value(F(p, "id")));
		esc(b, F(p, "slug"));
		buf_puts(b, "\">Permalink</a> · week ");
		esc(b, F(p, "week"));
		buf_puts(b, "\n  </article>\n");
	}
	buf_puts(b, "</main>\n</body>\n</html>\n");
}

int
main(int argc, char **argv)
{
	const char *names[] = { "page", "partials/post" };
	const char *sources[] = { page_src, post_src };
	int renders = argc > 1 ? atoi(argv[1]) : 1000, i, b;
	struct buf out = BUF_INIT, peer = BUF_INIT;
	struct templates *t;
	json_t *ctx = make_context();
	double t0, t1, compile_us, cold_us, tmpl_us, hand_us;
	char *err = NULL;

	t0 = now_us();
	t = templates_from_strings(names, sources, 2, &err);
	compile_us = now_us() - t0;
	if (t == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	t0 = now_us();
	if (template_render(t, "page", ctx, &out, &err) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	cold_us = now_us() - t0;
	by_hand(&peer, ctx);
	if (out.len != peer.len || memcmp(out.data, peer.data, out.len) != 0) {
		fprintf(stderr, "template and hand-written pages differ\n");
		fwrite(out.data, 1, out.len, stdout);
		return 1;
	}

	/* interleaved batches, best of each: the machine is shared */
	tmpl_us = hand_us = 1e300;
	for (b = 0; b < BATCHES; b++) {
		t0 = now_us();
		for (i = 0; i < renders / BATCHES; i++) {
			buf_reset(&out);
			template_render(t, "page", ctx, &out, &err);
		}
		t1 = (now_us() - t0) / (renders / BATCHES);
		tmpl_us = t1 < tmpl_us ? t1 : tmpl_us;
		t0 = now_us();
		for (i = 0; i < renders / BATCHES; i++) {
			buf_reset(&peer);
			by_hand(&peer, ctx);
		}
		t1 = (now_us() - t0) / (renders / BATCHES);
		hand_us = t1 < hand_us ? t1 : hand_us;
	}

	printf("page: %zu bytes, %d posts, %d renders\n", out.len, POSTS,
	    renders);
	printf("compile both templates: %.1f us; first (cold) render: %.1f us\n",
	    compile_us, cold_us);
	printf("template: %8.1f us/render  (%.2f us/KB)\n", tmpl_us,
	    tmpl_us / (out.len / 1024.0));
	printf("by hand:  %8.1f us/render  (%.2f us/KB)\n", hand_us,
	    hand_us / (out.len / 1024.0));
	printf("ratio template/by hand: %.2f\n", tmpl_us / hand_us);
	buf_free(&out);
	buf_free(&peer);
	templates_free(t);
	json_decref(ctx);
	return 0;
}
