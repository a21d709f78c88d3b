/*
 * digest_render.c: what a digest looks like: its template context (the
 * page, the feed entry and the email share it), the email's HTML part
 * (the theme's digest-email template: inline CSS, one 600 px column) and
 * its plain-text part (made here, wrapped at 72 columns), and the signed
 * one-click unsubscribe links.
 *
 *   store (digest, items) ─▶ digest_render_context ─▶ template (page, feed entry, email)
 *                                                  └▶ digest_render_text (email)
 *
 * Every link in the context is absolute, since the same HTML goes into
 * feeds and email.  Post HTML is never copied in: an item shows the
 * post's title, source, date, the editor's note (sanitized when saved)
 * and a plain-text excerpt of the post, so nothing a feed sent can reach
 * a reader's mail client as markup.
 */
#include "digest.h"
#include "config.h"
#include "http_feeds.h"
#include "log.h"
#include "sanitize.h"
#include "template.h"
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXCERPT_CHARS 280       /* characters of a post's text in an item */
#define TEXT_WIDTH 72           /* columns of the plain-text part */

static const char *const month_names[] = { "January", "February", "March", "April", "May",
	"June", "July", "August", "September", "October", "November", "December" };

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int64_t
jint(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* { iso, human, date } of a UTC time, as the reader's pages have them. */
static json_t *
time_object(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char iso[32], human[48], date[40];

	util_rfc3339(t, iso);
	gmtime_r(&tt, &tm);
	snprintf(human, sizeof(human), "%d %s %d", tm.tm_mday, month_names[tm.tm_mon % 12],
	    tm.tm_year + 1900);
	snprintf(date, sizeof(date), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return json_pack("{s:s, s:s, s:s}", "iso", iso, "human", human, "date", date);
}

json_t *
digest_render_week(const char *week)
{
	struct tm tm, mon, sun;
	char label[48], range[96];
	int year = 0, num = 0;
	time_t t;

	if (sscanf(week, "%4d-W%2d", &year, &num) != 2)
		return json_pack("{s:s, s:s, s:s}", "id", week, "label", week, "range", "");
	/* the calendar: Monday of week 1 is the Monday on or before 4 January */
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mday = 4;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	t -= (time_t)((tm.tm_wday + 6) % 7) * 86400;       /* back to that Monday */
	t += (time_t)(num - 1) * 7 * 86400;
	gmtime_r(&t, &mon);
	t += 6 * 86400;
	gmtime_r(&t, &sun);
	snprintf(label, sizeof(label), "Week %d, %d", num, year);
	if (mon.tm_mon == sun.tm_mon)
		snprintf(range, sizeof(range), "%d to %d %s %d", mon.tm_mday, sun.tm_mday,
		    month_names[sun.tm_mon], sun.tm_year + 1900);
	else if (mon.tm_year == sun.tm_year)
		snprintf(range, sizeof(range), "%d %s to %d %s %d", mon.tm_mday, month_names[mon.tm_mon],
		    sun.tm_mday, month_names[sun.tm_mon], sun.tm_year + 1900);
	else
		snprintf(range, sizeof(range), "%d %s %d to %d %s %d", mon.tm_mday,
		    month_names[mon.tm_mon], mon.tm_year + 1900, sun.tm_mday, month_names[sun.tm_mon],
		    sun.tm_year + 1900);
	return json_pack("{s:s, s:s, s:s}", "id", week, "label", label, "range", range);
}

/* The first EXCERPT_CHARS characters of a post's text, cut at a word. */
static char *
excerpt(const json_t *post)
{
	const char *html = jstr(post, "content_html");
	struct buf text = BUF_INIT, out = BUF_INIT;
	const char *p, *cut = NULL;
	size_t chars = 0;

	if (html == NULL || *html == '\0')
		html = jstr(post, "summary_html");
	if (html != NULL)
		html_to_text(&text, html, strlen(html));
	else if (jstr(post, "summary") != NULL)
		text_collapse(&text, jstr(post, "summary"), strlen(jstr(post, "summary")));
	for (p = buf_str(&text); *p; p++) {
		if (((unsigned char)*p & 0xc0) == 0x80)
			continue;
		if (*p == ' ')
			cut = p;
		if (++chars > EXCERPT_CHARS)
			break;
	}
	if (*p == '\0') {
		buf_puts(&out, buf_str(&text));
	} else {
		if (cut == NULL)
			cut = p;
		buf_append(&out, buf_str(&text), (size_t)(cut - buf_str(&text)));
		while (out.len > 0 && strchr(" ,.;:", out.data[out.len - 1]) != NULL)
			out.data[--out.len] = '\0';
		buf_puts(&out, "\xe2\x80\xa6");
	}
	buf_free(&text);
	return buf_steal(&out);
}

/* One item of the context from a post of store_digest_items(). */
static json_t *
item_object(const struct config *cfg, const json_t *post, size_t i, size_t n)
{
	struct buf b = BUF_INIT;
	const json_t *src = json_object_get(post, "source"), *team = json_object_get(post, "team");
	const char *who = src != NULL ? jstr(src, "name") : team != NULL ? jstr(team, "name") : NULL;
	const char *title = jstr(post, "title"), *note_html = jstr(post, "note_html");
	json_t *it = json_object();
	char *text = excerpt(post);

	buf_puts(&b, cfg->base_url);
	http_feeds_permalink(&b, post);
	json_object_set_new(it, "id", json_integer(jint(post, "id")));
	json_object_set_new(it, "position", json_integer((json_int_t)i + 1));
	json_object_set_new(it, "is_first", json_boolean(i == 0));
	json_object_set_new(it, "is_last", json_boolean(i + 1 == n));
	json_object_set_new(it, "permalink", json_string(buf_str(&b)));
	json_object_set_new(it, "link", json_string(jstr(post, "url") != NULL ? jstr(post, "url") :
	    buf_str(&b)));
	json_object_set_new(it, "published", time_object(jint(post, "published_at")));
	if (title == NULL || *title == '\0') {
		buf_reset(&b);
		buf_printf(&b, "Post from %s, %s", who != NULL ? who : "an unnamed source",
		    jstr(json_object_get(it, "published"), "human"));
		title = buf_str(&b);
	}
	json_object_set_new(it, "title", json_string(title));
	json_object_set_new(it, "source_name", json_string(who != NULL ? who : ""));
	if (jstr(post, "author") != NULL)
		json_object_set_new(it, "author", json_string(jstr(post, "author")));
	json_object_set_new(it, "excerpt", json_string(text));
	json_object_set_new(it, "has_excerpt", json_boolean(*text != '\0'));
	json_object_set(it, "note", json_object_get(post, "note"));
	json_object_set_new(it, "note_html", json_string(note_html != NULL ? note_html : ""));
	json_object_set_new(it, "has_note", json_boolean(note_html != NULL && *note_html != '\0'));
	free(text);
	buf_free(&b);
	return it;
}

json_t *
digest_render_items(const struct config *cfg, const json_t *posts)
{
	json_t *list = json_array();
	const json_t *post;
	size_t i, n = json_array_size(posts);

	json_array_foreach(posts, i, post)
		json_array_append_new(list, item_object(cfg, post, i, n));
	return list;
}

json_t *
digest_render_context(const struct config *cfg, const struct digest *d, const json_t *items)
{
	struct buf b = BUF_INIT;
	json_t *ctx, *list = digest_render_items(cfg, items);
	size_t n = json_array_size(items);

	buf_printf(&b, "%sdigest/%s", cfg->base_url, d->slug);
	ctx = json_pack("{s:I, s:s, s:s, s:s, s:b, s:b, s:b, s:o, s:s, s:b, s:s, s:s, s:o, s:I, s:b}",
	    "id", (json_int_t)d->id, "slug", d->slug, "title", d->title,
	    "status", digest_status_name(d->status), "is_published", d->status == DIGEST_PUBLISHED,
	    "is_draft", d->status == DIGEST_DRAFT, "is_scheduled", d->status == DIGEST_SCHEDULED,
	    "week", digest_render_week(d->week), "intro_html", d->intro_html != NULL ? d->intro_html : "",
	    "has_intro", d->intro_html != NULL && *d->intro_html != '\0',
	    "url", buf_str(&b), "href", buf_str(&b) + strlen(cfg->base_url) - 1,
	    "items", list, "item_count", (json_int_t)n, "has_items", n > 0);
	if (d->intro != NULL)
		json_object_set_new(ctx, "intro", json_string(d->intro));
	if (d->section != NULL)
		json_object_set_new(ctx, "section", json_string(d->section));
	if (d->published_at > 0)
		json_object_set_new(ctx, "published", time_object(d->published_at));
	if (d->status == DIGEST_SCHEDULED)
		json_object_set_new(ctx, "scheduled", time_object(d->scheduled_at));
	json_object_set_new(ctx, "updated", time_object(d->updated_at));
	buf_free(&b);
	return ctx;
}

struct templates *
digest_render_templates(const struct config *cfg, char **err)
{
	char *dirs[3] = { NULL, NULL, NULL };
	struct buf b = BUF_INIT;
	struct templates *t;
	int n = 0;

	if (strcmp(cfg->theme, "default") != 0) {
		buf_printf(&b, "%s/%s", cfg->themes_dir, cfg->theme);
		dirs[n++] = buf_steal(&b);
	}
	buf_printf(&b, "%s/default", cfg->themes_dir);
	dirs[n++] = buf_steal(&b);
	t = templates_load((const char *const *)dirs, err);
	while (n > 0)
		free(dirs[--n]);
	return t;
}

int
digest_render_email_html(const struct templates *t, const struct config *cfg, const json_t *ctx,
    const char *unsubscribe_url, struct buf *out, char **err)
{
	json_t *email_ctx;
	int rc;

	email_ctx = json_pack("{s:{s:s, s:s, s:s, s:s}, s:O, s:{s:s?}}",
	    "site", "title", cfg->site_title, "lang", cfg->lang, "base_url", cfg->base_url,
	    "description", cfg->site_description, "digest", ctx,
	    "email", "unsubscribe_url", unsubscribe_url);
	rc = template_render(t, "digest-email", email_ctx, out, err);
	json_decref(email_ctx);
	return rc;
}

int
digest_render_body(const struct templates *t, const json_t *ctx, struct buf *out, char **err)
{
	json_t *wrap = json_pack("{s:O}", "digest", ctx);
	int rc = template_render(t, "partials/digest-body", wrap, out, err);

	json_decref(wrap);
	return rc;
}

/* ---------------------------------------------------------------- the text part */

/* Appends text wrapped at TEXT_WIDTH columns, each line after indent spaces. */
static void
wrap(struct buf *out, const char *text, int indent)
{
	const char *p = text, *word;
	size_t col = 0, wlen, wchars, i;

	while (*p) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		word = p;
		wchars = 0;
		while (*p && *p != ' ') {
			if (((unsigned char)*p & 0xc0) != 0x80)
				wchars++;
			p++;
		}
		wlen = (size_t)(p - word);
		if (col > 0 && col + 1 + wchars > TEXT_WIDTH) {
			buf_putc(out, '\n');
			col = 0;
		}
		if (col == 0) {
			for (i = 0; i < (size_t)indent; i++)
				buf_putc(out, ' ');
			col = (size_t)indent;
		} else {
			buf_putc(out, ' ');
			col++;
		}
		buf_append(out, word, wlen);
		col += wchars;
	}
	if (col > 0)
		buf_putc(out, '\n');
}

/* U+2029 PARAGRAPH and U+2028 LINE SEPARATOR: block and line ends,
 * carried through html_to_text() (which collapses every other space). */
#define PARA "\xe2\x80\xa9"
#define LINE "\xe2\x80\xa8"

/* What a tag ends: PARA, LINE, or NULL. */
static const char *
tag_break(const char *tag, size_t len)
{
	static const char *const paras[] = { "</p>", "</h1>", "</h2>", "</h3>", "</h4>", "</h5>",
		"</h6>", "</blockquote>", "</pre>", "</figure>", "</table>", "</ul>", "</ol>", "</div>",
		"<hr>" };
	static const char *const lines[] = { "</li>", "</tr>", "<br>" };
	size_t i;

	for (i = 0; i < NELEM(paras); i++) {
		if (strlen(paras[i]) == len && strncmp(tag, paras[i], len) == 0)
			return PARA;
	}
	for (i = 0; i < NELEM(lines); i++) {
		if (strlen(lines[i]) == len && strncmp(tag, lines[i], len) == 0)
			return LINE;
	}
	return NULL;
}

/* Marks up sanitized HTML for html_to_text(): block ends become PARA, list
 * items start with "- ", and a link's URL follows its text in <>. */
static void
mark_blocks(const char *html, struct buf *marked)
{
	struct buf href = BUF_INIT;
	const char *p = html, *end, *attr;
	size_t len, text_at = 0;

	while (*p) {
		end = *p == '<' ? strchr(p, '>') : NULL;
		if (end == NULL) {
			buf_putc(marked, *p++);
			continue;
		}
		len = (size_t)(end - p) + 1;
		if (strncmp(p, "</a>", 4) == 0 && href.len > 0) {
			/* the URL, unless the link's text is the URL already */
			if (marked->len - text_at != href.len ||
			    memcmp(marked->data + text_at, href.data, href.len) != 0)
				buf_printf(marked, " &lt;%s&gt;", buf_str(&href));
			buf_reset(&href);
		}
		buf_append(marked, p, len);
		if (tag_break(p, len) != NULL)
			buf_printf(marked, " %s ", tag_break(p, len));
		else if (strncmp(p, "<li>", 4) == 0)
			buf_puts(marked, "- ");
		attr = strncmp(p, "<a ", 3) == 0 ? strstr(p, " href=\"") : NULL;
		if (attr != NULL && attr < end) {
			buf_reset(&href);
			buf_append(&href, attr + 7, strcspn(attr + 7, "\""));
			text_at = marked->len;
		}
		p = end + 1;
	}
	buf_free(&href);
}

/* One paragraph of html_paragraphs(): each LINE-separated line wrapped. */
static void
paragraph_lines(struct buf *out, const char *para, int indent)
{
	struct buf line = BUF_INIT;
	const char *p, *sep;

	for (p = para; *p; p = sep != NULL ? sep + 3 : p + strlen(p)) {
		sep = strstr(p, LINE);
		buf_reset(&line);
		buf_append(&line, p, sep != NULL ? (size_t)(sep - p) : strlen(p));
		if (slice_trim(slice_from(buf_str(&line))).len > 0)
			wrap(out, buf_str(&line), indent);
	}
	buf_free(&line);
}

/* Sanitized HTML (an intro, a note) as wrapped plain-text paragraphs. */
static void
html_paragraphs(struct buf *out, const char *html, int indent)
{
	struct buf marked = BUF_INIT, text = BUF_INIT, para = BUF_INIT;
	const char *p, *sep;
	bool first = true;

	mark_blocks(html, &marked);
	html_to_text(&text, buf_str(&marked), marked.len);
	for (p = buf_str(&text); *p; p = sep != NULL ? sep + 3 : p + strlen(p)) {
		sep = strstr(p, PARA);
		buf_reset(&para);
		buf_append(&para, p, sep != NULL ? (size_t)(sep - p) : strlen(p));
		if (slice_trim(slice_from(buf_str(&para))).len == 0)
			continue;
		if (!first)
			buf_putc(out, '\n');
		paragraph_lines(out, buf_str(&para), indent);
		first = false;
	}
	buf_free(&marked);
	buf_free(&text);
	buf_free(&para);
}

void
digest_render_text(const struct config *cfg, const json_t *ctx, const char *unsubscribe_url,
    struct buf *out)
{
	const json_t *week = json_object_get(ctx, "week"), *it;
	const char *intro = jstr(ctx, "intro_html");
	struct buf line = BUF_INIT;
	size_t i;

	wrap(out, jstr(ctx, "title"), 0);
	buf_printf(out, "%s: %s\n\n", jstr(week, "label"), jstr(week, "range"));
	if (intro != NULL && *intro != '\0') {
		html_paragraphs(out, intro, 0);
		buf_putc(out, '\n');
	}
	json_array_foreach(json_object_get(ctx, "items"), i, it) {
		buf_reset(&line);
		buf_printf(&line, "%zu. %s", i + 1, jstr(it, "title"));
		wrap(out, buf_str(&line), 0);
		buf_reset(&line);
		if (*jstr(it, "source_name") != '\0')
			buf_printf(&line, "From %s, ", jstr(it, "source_name"));
		buf_printf(&line, "%s", jstr(json_object_get(it, "published"), "human"));
		wrap(out, buf_str(&line), 3);
		buf_printf(out, "   %s\n", jstr(it, "link"));
		if (json_is_true(json_object_get(it, "has_note"))) {
			buf_putc(out, '\n');
			html_paragraphs(out, jstr(it, "note_html"), 3);
		}
		if (json_is_true(json_object_get(it, "has_excerpt"))) {
			buf_putc(out, '\n');
			wrap(out, jstr(it, "excerpt"), 3);
		}
		buf_putc(out, '\n');
	}
	if (json_array_size(json_object_get(ctx, "items")) == 0)
		buf_puts(out, "No posts in this digest yet.\n\n");
	buf_puts(out, "-- \n");
	buf_printf(out, "Read this digest on the web: %s\n", jstr(ctx, "url"));
	buf_printf(out, "%s: %s\n", cfg->site_title, cfg->base_url);
	if (unsubscribe_url != NULL)
		buf_printf(out, "Unsubscribe from this digest: %s\n", unsubscribe_url);
	buf_free(&line);
}

/* ---------------------------------------------------------------- unsubscribe links */

void
digest_render_token(const unsigned char key[32], const char *section, const char *address,
    char out[33])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	struct buf msg = BUF_INIT;
	const char *p;

	/* the address without case, as unsubscribes are kept */
	buf_printf(&msg, "unsubscribe\n%s\n", section);
	for (p = address; *p; p++)
		buf_putc(&msg, (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg.data, msg.len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, 33, mac, 16);
	buf_free(&msg);
}

void
digest_render_unsubscribe_url(const struct config *cfg, const unsigned char key[32],
    const char *section, const char *address, struct buf *out)
{
	char token[33];

	digest_render_token(key, section, address, token);
	buf_printf(out, "%sdigests/unsubscribe?list=", cfg->base_url);
	util_percent_encode(out, section);
	buf_puts(out, "&email=");
	util_percent_encode(out, address);
	buf_printf(out, "&token=%s", token);
}
