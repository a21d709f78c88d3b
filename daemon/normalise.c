/*
 * normalise.c: struct raw_feed (values as the document had them) in,
 * struct feed_doc (posts) out; see parse.h.  This is where a value gets
 * its final form:
 *
 *   text fields    plain text: HTML-typed ones through html_to_text(),
 *                  text-typed ones through text_collapse() (README 1.4)
 *   HTML fields    sanitize_html() against the value's base; a text-typed
 *                  summary is escaped instead
 *   URLs           trimmed and resolved against the value's base
 *   dates          date_parse(), clamped to opt->now
 *   authors        "Name (email)" forms split; equal ones merged
 *   identity       id/guid, else the link, else "sha256:" of title+content
 *   content_hash   SHA-256 of what a reader sees
 *
 * Before any of that, a value gets the two repairs of README 1.9: UTF-8
 * that was decoded as Latin-1 somewhere upstream is decoded again, and
 * C1 controls (U+0080-U+009F) are read as the windows-1252 characters
 * their authors meant.
 */
#include "date.h"
#include "parse.h"
#include "sanitize.h"
#include "url.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

struct norm {
	struct arena *a;
	bool utf8_source;
	bool skip_hash;
	int64_t now;
	struct buf fixed;       /* a repaired value */
	struct buf out;         /* a result being built */
};

/* windows-1252 for 0x80-0x9F; 0 where it has no character. */
static const uint16_t cp1252[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

static void
put_utf8(struct buf *b, uint32_t cp)
{
	char u[3];

	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		buf_append(b, u, 2);
	} else {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		buf_append(b, u, 3);
	}
}

/* Index of the first non-ASCII byte of s[i..len), or len.  Eight at a time. */
static size_t
ascii_end(const char *s, size_t i, size_t len)
{
	uint64_t w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		if ((w & 0x8080808080808080ULL) != 0)
			break;
	}
	while (i < len && (unsigned char)s[i] < 0x80)
		i++;
	return i;
}

/*
 * Double-encoded UTF-8: every character is U+0000-U+00FF, and those as
 * bytes are valid UTF-8 with at least one multi-byte sequence.  Then
 * out gets the bytes; returns false (out untouched) otherwise.  s[0..first)
 * is known to be ASCII.
 */
static bool
undo_double_encoding(struct buf *out, const char *s, size_t len, size_t first)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, start = out->len;
	unsigned char b;
	int pending = 0;        /* continuation bytes still expected */
	bool multi = false;

	/* one pass that gives up at the first sign of ordinary text;
	 * s[0..first) is ASCII, and so are the runs skipped between characters */
	for (i = first; i < len; i++) {
		if (p[i] < 0x80) {
			if (pending > 0)
				return false;
			i = ascii_end(s, i, len) - 1;
			continue;
		}
		if (p[i] < 0xC2 || p[i] > 0xC3 || i + 1 >= len)
			return false;   /* a character above U+00FF, or a stray byte */
		b = (unsigned char)(((p[i] & 0x03) << 6) | (p[i + 1] & 0x3F));
		i++;
		if (pending > 0) {
			if (b < 0x80 || b > 0xBF)
				return false;
			pending--;
		} else if (b >= 0xC2 && b <= 0xF4) {
			pending = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : 1;
			multi = true;
		} else {
			return false;   /* Latin-1 text, not UTF-8 bytes */
		}
	}
	if (!multi || pending > 0)
		return false;
	for (i = 0; i < len; i++) {
		if (p[i] < 0x80) {
			buf_putc(out, (char)p[i]);
		} else {
			buf_putc(out, (char)(((p[i] & 0x03) << 6) | (p[i + 1] & 0x3F)));
			i++;
		}
	}
	if (!util_utf8_valid(out->data + start, out->len - start)) {
		out->len = start;
		out->data[start] = '\0';
		return false;
	}
	return true;
}

/* Does s hold a C1 control (UTF-8 C2 80 - C2 9F)? */
static bool
has_c1(const char *s, size_t len)
{
	const char *p = s, *end = s + len;

	while ((p = memchr(p, 0xC2, (size_t)(end - p))) != NULL) {
		if (p + 1 < end && (unsigned char)p[1] >= 0x80 && (unsigned char)p[1] <= 0x9F)
			return true;
		p++;
	}
	return false;
}

static void
map_c1(struct buf *out, const char *s, size_t len)
{
	size_t i, run = 0;
	uint16_t cp;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] != 0xC2 || i + 1 >= len ||
		    (unsigned char)s[i + 1] < 0x80 || (unsigned char)s[i + 1] > 0x9F)
			continue;
		cp = cp1252[(unsigned char)s[i + 1] - 0x80];
		if (cp == 0)
			continue;
		buf_append(out, s + run, i - run);
		put_utf8(out, cp);
		i++;
		run = i + 1;
	}
	buf_append(out, s + run, len - run);
}

/* The value with README 1.9's repairs; points into n->fixed or at v->s. */
static struct slice
repaired(struct norm *n, const struct raw *v)
{
	struct slice s = { v->s, v->len };
	struct buf tmp;
	size_t first = ascii_end(s.ptr, 0, s.len);

	if (first == s.len)
		return s;
	buf_reset(&n->fixed);
	if (n->utf8_source && undo_double_encoding(&n->fixed, s.ptr, s.len, first)) {
		s.ptr = buf_str(&n->fixed);
		s.len = n->fixed.len;
	}
	if (has_c1(s.ptr, s.len)) {
		buf_init(&tmp, 0);
		map_c1(&tmp, s.ptr, s.len);
		buf_reset(&n->fixed);
		buf_append(&n->fixed, buf_str(&tmp), tmp.len);
		buf_free(&tmp);
		s.ptr = buf_str(&n->fixed);
		s.len = n->fixed.len;
	}
	return s;
}

/* n->out as an arena string, or NULL when empty. */
static const char *
take(struct norm *n)
{
	if (n->out.len == 0)
		return NULL;
	return arena_strndup(n->a, buf_str(&n->out), n->out.len);
}

/* Plain text of a value (README 1.1 rule 1 and 1.4). */
static const char *
text_of(struct norm *n, const struct raw *v)
{
	struct slice s;

	if (v->s == NULL)
		return NULL;
	s = repaired(n, v);
	buf_reset(&n->out);
	if (v->type == RAW_HTML)
		html_to_text(&n->out, s.ptr, s.len);
	else
		text_collapse(&n->out, s.ptr, s.len);
	return take(n);
}

/* Sanitized HTML of a value; a text-typed one is escaped. */
static const char *
html_of(struct norm *n, const struct raw *v, const char *base)
{
	struct slice s;

	if (v->s == NULL)
		return NULL;
	s = repaired(n, v);
	buf_reset(&n->out);
	if (v->type == RAW_HTML)
		sanitize_html(&n->out, s.ptr, s.len, base);
	else
		html_escape(&n->out, s.ptr, s.len);
	return take(n);
}

/* A URL field: trimmed, resolved against its base. */
static const char *
url_of(struct norm *n, const struct raw *v)
{
	struct slice t;
	const char *ref;

	if (v->s == NULL)
		return NULL;
	t = slice_trim((struct slice){ v->s, v->len });
	if (t.len == 0 && v->base == NULL)
		return NULL;
	ref = t.len == v->len ? v->s : arena_strndup(n->a, t.ptr, t.len);
	buf_reset(&n->out);
	url_resolve(&n->out, v->base, ref);
	return take(n);
}

static const char *
trimmed(struct norm *n, const struct raw *v)
{
	struct slice t;

	if (v->s == NULL)
		return NULL;
	t = slice_trim((struct slice){ v->s, v->len });
	return t.len > 0 ? arena_strndup(n->a, t.ptr, t.len) : NULL;
}

static int64_t
date_of(struct norm *n, const struct raw *v)
{
	int64_t t;

	if (v->s == NULL || !date_parse(v->s, &t))
		return 0;
	if (n->now != 0 && t > n->now)
		t = n->now;
	return t;
}

/* ---------------------------------------------------------------- authors */

static bool
has_at(struct slice s)
{
	return memchr(s.ptr, '@', s.len) != NULL;
}

/* "Name (me@example.com)", "me@example.com (Name)", "Name <me@example.com>":
 * true and the two parts; s is trimmed and not empty. */
static bool
split_bracketed(struct slice s, struct slice *name, struct slice *email)
{
	char closer = s.ptr[s.len - 1], opener = closer == ')' ? '(' : '<';
	const char *open = s.ptr + s.len - 1;
	struct slice before, inside;

	if (closer != ')' && closer != '>')
		return false;
	while (open > s.ptr && *open != opener)
		open--;
	if (*open != opener)
		return false;
	before = slice_trim((struct slice){ s.ptr, (size_t)(open - s.ptr) });
	inside = slice_trim((struct slice){ open + 1, s.len - (size_t)(open - s.ptr) - 2 });
	if (has_at(inside) && !has_at(before)) {
		*name = before;
		*email = inside;
		return true;
	}
	if (has_at(before) && !has_at(inside) && closer == ')') {
		*name = inside;
		*email = before;
		return true;
	}
	return false;
}

/* One string holding a person: the bracketed forms, "me@example.com", or "Name". */
static void
split_person(struct slice s, struct slice *name, struct slice *email)
{
	name->len = email->len = 0;
	name->ptr = email->ptr = s.ptr;
	s = slice_trim(s);
	if (s.len == 0 || split_bracketed(s, name, email))
		return;
	if (has_at(s) && memchr(s.ptr, ' ', s.len) == NULL)
		*email = s;
	else
		*name = s;
}

static bool
same_string(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
same_author(const struct author *a, const struct author *b)
{
	return same_string(a->name, b->name) && same_string(a->email, b->email) &&
	    same_string(a->url, b->url);
}

/* Fills *out from a raw person; false when nothing is left. */
static bool
author_of(struct norm *n, const struct raw_author *ra, bool keep_email, struct author *out)
{
	struct slice name, email;
	struct raw part;

	memset(out, 0, sizeof(*out));
	if (ra->combined && ra->name.s != NULL) {
		const char *whole = text_of(n, &ra->name);

		if (whole == NULL)
			return false;
		split_person(slice_from(whole), &name, &email);
		if (name.len > 0)
			out->name = arena_strndup(n->a, name.ptr, name.len);
		if (email.len > 0)
			out->email = arena_strndup(n->a, email.ptr, email.len);
	} else {
		out->name = text_of(n, &ra->name);
		if (ra->email.s != NULL) {
			part = ra->email;
			part.type = RAW_TEXT;
			out->email = text_of(n, &part);
		}
		out->url = url_of(n, &ra->url);
	}
	if (!keep_email)
		out->email = NULL;
	return out->name != NULL || out->email != NULL || out->url != NULL;
}

/* The authors of a feed or an item, equal ones merged. */
static void
authors_of(struct norm *n, const struct ptrvec *raw, bool keep_email,
    struct author **list, size_t *count)
{
	struct author *v, one;
	size_t i, j, k = 0;

	*list = NULL;
	*count = 0;
	if (raw->n == 0)
		return;
	v = arena_alloc(n->a, raw->n * sizeof(*v));
	for (i = 0; i < raw->n; i++) {
		if (!author_of(n, raw->v[i], keep_email, &one))
			continue;
		for (j = 0; j < k && !same_author(&v[j], &one); j++)
			;
		if (j == k)
			v[k++] = one;
	}
	*list = k > 0 ? v : NULL;
	*count = k;
}

/* ---------------------------------------------------------------- items */

/* Base for relative URLs in content: xml:base, else the item link, else the document. */
static const char *
content_base(const struct raw *v, const char *item_url)
{
	if (v->from_xml_base || item_url == NULL || !url_is_http(item_url))
		return v->base;
	return item_url;
}

static void
hash_field(struct buf *b, const char *s)
{
	if (s != NULL)
		buf_puts(b, s);
	buf_putc(b, '\0');
}

/* content_hash: what a reader sees, fields separated by NULs. */
static void
post_hash(struct norm *n, struct post *p)
{
	char num[32];
	size_t i;

	buf_reset(&n->out);
	hash_field(&n->out, p->title);
	hash_field(&n->out, p->url);
	hash_field(&n->out, p->content_html != NULL ? p->content_html : p->content_text);
	hash_field(&n->out, p->summary);
	for (i = 0; i < p->n_authors; i++) {
		hash_field(&n->out, p->authors[i].name);
		hash_field(&n->out, p->authors[i].email);
		hash_field(&n->out, p->authors[i].url);
	}
	snprintf(num, sizeof(num), "%lld/%lld", (long long)p->published_at,
	    (long long)p->updated_at);
	hash_field(&n->out, num);
	util_digest_hex(n->out.data, n->out.len, p->content_hash);
}

static const char *
fallback_guid(struct norm *n, const struct post *p)
{
	char hex[65];

	buf_reset(&n->out);
	hash_field(&n->out, p->title);
	hash_field(&n->out, p->content_html != NULL ? p->content_html : p->content_text);
	util_sha256_hex(n->out.data, n->out.len, hex);
	return arena_printf(n->a, "sha256:%s", hex);
}

static void
content_of(struct norm *n, const struct entry *e, struct post *p)
{
	const struct raw *src = e->content.s != NULL ? &e->content : &e->summary;
	const char *base = content_base(src, p->url);

	if (src->s == NULL)
		return;
	if (src->type == RAW_TEXT) {
		struct slice s = repaired(n, src);

		s = slice_trim(s);
		p->content_text = s.len > 0 ? arena_strndup(n->a, s.ptr, s.len) : NULL;
		return;
	}
	if (src == &e->summary && p->summary_html != NULL)
		p->content_html = p->summary_html;      /* sanitized once, used twice */
	else
		p->content_html = html_of(n, src, base);
}

static struct post *
post_of(struct norm *n, const struct entry *e)
{
	struct post *p = arena_alloc(n->a, sizeof(*p));
	size_t i;

	p->url = url_of(n, &e->link);
	if (p->url == NULL)
		p->url = url_of(n, &e->guid_link);
	p->title = text_of(n, &e->title);
	if (e->summary.s != NULL) {
		p->summary = text_of(n, &e->summary);
		p->summary_html = html_of(n, &e->summary, content_base(&e->summary, p->url));
	}
	content_of(n, e, p);
	p->published_at = date_of(n, &e->published);
	p->updated_at = date_of(n, &e->updated);
	authors_of(n, &e->authors, true, &p->authors, &p->n_authors);
	for (i = 0; i < e->tags.n; i++) {
		const struct raw *t = e->tags.v[i];
		const char *label = text_of(n, t);

		if (label != NULL)
			post_add_tag(n->a, p, label, TAG_FEED);
	}
	p->guid = e->id.base != NULL ? url_of(n, &e->id) : trimmed(n, &e->id);
	if (p->guid == NULL)
		p->guid = p->url;
	if (p->guid == NULL)
		p->guid = fallback_guid(n, p);
	if (!n->skip_hash)
		post_hash(n, p);
	p->kind = POST_FEED;
	p->status = POST_PUBLISHED;
	return p;
}

void
normalise_feed(struct feed_doc *doc, const struct raw_feed *rf, const struct parse_options *opt)
{
	struct norm n;
	size_t i;

	memset(&n, 0, sizeof(n));
	n.a = doc->arena;
	n.utf8_source = rf->utf8_source;
	n.now = opt->now;
	n.skip_hash = opt->skip_content_hash;
	buf_init(&n.fixed, 0);
	buf_init(&n.out, 0);

	doc->format = rf->format;
	doc->bozo = rf->bozo;
	doc->bozo_reason = rf->bozo_reason;
	doc->encoding = rf->encoding != NULL ? rf->encoding : "utf-8";
	doc->title = text_of(&n, &rf->title);
	doc->description = text_of(&n, &rf->description);
	doc->description_html = html_of(&n, &rf->description, rf->description.base);
	doc->home_page_url = url_of(&n, &rf->home_page_url);
	doc->feed_url = url_of(&n, &rf->feed_url);
	authors_of(&n, &rf->authors, false, &doc->authors, &doc->n_authors);
	if (rf->entries.n > 0) {
		doc->items = arena_alloc(n.a, rf->entries.n * sizeof(*doc->items));
		for (i = 0; i < rf->entries.n; i++)
			doc->items[i] = post_of(&n, rf->entries.v[i]);
		doc->n_items = rf->entries.n;
	}
	buf_free(&n.fixed);
	buf_free(&n.out);
}
