/*
 * parse_json.c: JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1)
 * into a struct raw_feed, with jansson (see parse.h).
 *
 * JSON Feed already says what each value is: title, summary and
 * description are plain text, content_html is HTML and content_text is
 * text.  1.0's single "author" object and 1.1's "authors" array are both
 * read.  A document that is not a JSON object, or whose version is not a
 * JSON Feed one, is bozo; whatever could be read is kept.
 */
#include "caps.h"
#include "parse.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

struct jreader {
	struct raw_feed *rf;
	struct arena *a;
	const char *base;
};

/* A string member as a struct raw; absent when missing, not a string, or empty. */
static struct raw
member(struct jreader *j, json_t *obj, const char *key, enum raw_type type)
{
	json_t *v = json_object_get(obj, key);
	struct raw r;
	const char *s;

	memset(&r, 0, sizeof(r));
	if (!json_is_string(v))
		return r;
	s = json_string_value(v);
	if (*s == '\0')
		return r;
	r.len = strlen(s);
	r.s = arena_strndup(j->a, s, r.len);
	r.type = type;
	r.base = j->base;
	return r;
}

static void
read_author(struct jreader *j, json_t *obj, struct ptrvec *list)
{
	struct raw_author *au;

	if (!json_is_object(obj))
		return;
	au = arena_alloc(j->a, sizeof(*au));
	au->name = member(j, obj, "name", RAW_TEXT);
	au->url = member(j, obj, "url", RAW_TEXT);
	if (au->name.s == NULL && au->url.s == NULL)
		return;
	ptrvec_push(j->a, list, au);
}

/* "authors" (1.1), else "author" (1.0). */
static void
read_authors(struct jreader *j, json_t *obj, struct ptrvec *list)
{
	json_t *authors = json_object_get(obj, "authors");
	json_t *au;
	size_t i;

	if (json_is_array(authors)) {
		json_array_foreach(authors, i, au)
			read_author(j, au, list);
		return;
	}
	read_author(j, json_object_get(obj, "author"), list);
}

static void
read_item(struct jreader *j, json_t *item)
{
	struct entry *e;
	json_t *id, *tags, *tag;
	size_t i;
	char num[32];

	if (!json_is_object(item))
		return;
	e = arena_alloc(j->a, sizeof(*e));
	id = json_object_get(item, "id");
	if (json_is_integer(id)) {
		/* 1.0 allowed numbers; they are strings in 1.1 */
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(id));
		e->id.s = arena_strdup(j->a, num);
		e->id.len = strlen(num);
	} else {
		e->id = member(j, item, "id", RAW_TEXT);
		e->id.base = NULL;
	}
	e->link = member(j, item, "url", RAW_TEXT);
	e->title = member(j, item, "title", RAW_TEXT);
	e->summary = member(j, item, "summary", RAW_TEXT);
	e->content = member(j, item, "content_html", RAW_HTML);
	if (e->content.s == NULL)
		e->content = member(j, item, "content_text", RAW_TEXT);
	e->published = member(j, item, "date_published", RAW_TEXT);
	e->updated = member(j, item, "date_modified", RAW_TEXT);
	read_authors(j, item, &e->authors);
	tags = json_object_get(item, "tags");
	if (json_is_array(tags)) {
		json_array_foreach(tags, i, tag) {
			struct raw *t;

			if (!json_is_string(tag) || *json_string_value(tag) == '\0')
				continue;
			t = arena_alloc(j->a, sizeof(*t));
			t->s = arena_strdup(j->a, json_string_value(tag));
			t->len = strlen(t->s);
			t->type = RAW_TEXT;
			ptrvec_push(j->a, &e->tags, t);
		}
	}
	ptrvec_push(j->a, &j->rf->entries, e);
}

void
parse_json_read(struct raw_feed *rf, struct arena *a, const char *doc, size_t len,
    const char *base_url)
{
	struct jreader j = { rf, a, base_url != NULL && *base_url != '\0' ? base_url : NULL };
	json_error_t err;
	json_t *root, *version, *items, *item;
	size_t i;

	root = json_loadb(doc, len, 0, &err);
	if (!json_is_object(root)) {
		parse_set_bozo(rf, a, root == NULL ? err.text : "JSON document is not an object");
		json_decref(root);
		return;
	}
	rf->format = FORMAT_JSONFEED;
	version = json_object_get(root, "version");
	if (!json_is_string(version) ||
	    strncmp(json_string_value(version), "https://jsonfeed.org/version/", 29) != 0)
		parse_set_bozo(rf, a, "not a JSON Feed version");
	rf->title = member(&j, root, "title", RAW_TEXT);
	rf->description = member(&j, root, "description", RAW_TEXT);
	rf->home_page_url = member(&j, root, "home_page_url", RAW_TEXT);
	rf->feed_url = member(&j, root, "feed_url", RAW_TEXT);
	read_authors(&j, root, &rf->authors);
	items = json_object_get(root, "items");
	if (json_is_array(items)) {
		json_array_foreach(items, i, item) {
			if (i >= CAP_ITEMS_PER_FEED) {
				parse_set_bozo(rf, a, "too many items");
				break;
			}
			read_item(&j, item);
		}
	}
	json_decref(root);
}
