/*
 * compose.c: a weeknote's fields, their rules, and the publish_request
 * they make (see compose.h).  The web form and `crier post` both come
 * through here, so both say the same things about the same mistakes.
 */
#include "compose.h"
#include "date.h"
#include "markdown.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DATE_SLACK_S 86400      /* "today" somewhere east of UTC */

const char *const compose_field_names[COMPOSE_NFIELDS] = {
	[COMPOSE_TITLE] = "title", [COMPOSE_TAGS] = "tags", [COMPOSE_DATE] = "date",
	[COMPOSE_MARKDOWN] = "markdown",
};

void
compose_init(struct compose *c, const char *title, const char *tags_text, const char *date_text,
    const char *markdown, bool draft)
{
	struct slice t;

	memset(c, 0, sizeof(*c));
	t = slice_trim(slice_from(title != NULL ? title : ""));
	c->title = xstrndup(t.ptr, t.len);
	c->tags_text = xstrdup(tags_text != NULL ? tags_text : "");
	t = slice_trim(slice_from(date_text != NULL ? date_text : ""));
	c->date_text = xstrndup(t.ptr, t.len);
	c->markdown = xstrdup(markdown != NULL ? markdown : "");
	c->draft = draft;
}

static void
free_tags(struct compose *c)
{
	while (c->n_tags > 0)
		free(c->tags[--c->n_tags]);
	free(c->tags);
	c->tags = NULL;
}

void
compose_clear(struct compose *c)
{
	free(c->title);
	free(c->tags_text);
	free(c->date_text);
	free(c->markdown);
	free_tags(c);
	memset(c, 0, sizeof(*c));
}

/* "# Heading" as the first line: its text, and where the rest starts. */
static bool
first_heading(const char *text, size_t len, struct slice *title, const char **rest)
{
	const char *nl = memchr(text, '\n', len);
	size_t n = nl != NULL ? (size_t)(nl - text) : len;

	if (n < 3 || text[0] != '#' || text[1] != ' ')
		return false;
	*title = slice_trim((struct slice){ text + 2, n - 2 });
	/* a closing sequence of #s is not part of the heading */
	while (title->len > 0 && title->ptr[title->len - 1] == '#')
		title->len--;
	*title = slice_trim(*title);
	*rest = nl != NULL ? nl + 1 : text + len;
	return title->len > 0;
}

int
compose_from_file(struct compose *c, const char *text, size_t len, const char **err)
{
	struct front_matter fm;
	struct slice heading;
	const char *body, *rest;
	size_t body_len;
	char *md;

	*err = NULL;
	memset(c, 0, sizeof(*c));
	if (!util_utf8_valid(text, len) || memchr(text, '\0', len) != NULL) {
		*err = "the file is not UTF-8 text";
		compose_init(c, NULL, NULL, NULL, NULL, false);
		return -1;
	}
	front_matter_parse(text, len, &fm);
	if (fm.error != NULL) {
		*err = "the front matter block that starts with --- is never closed with ---";
		front_matter_clear(&fm);
		compose_init(c, NULL, NULL, NULL, NULL, false);
		return -1;
	}
	body = fm.body;
	body_len = fm.body_len;
	/* blank lines after the front matter are not part of the weeknote */
	while (body_len > 0 && (*body == '\n' || *body == '\r')) {
		body++;
		body_len--;
	}
	if (fm.title == NULL && first_heading(body, body_len, &heading, &rest)) {
		fm.title = xstrndup(heading.ptr, heading.len);
		body_len -= (size_t)(rest - body);
		body = rest;
	}
	md = xstrndup(body, body_len);
	compose_init(c, fm.title, fm.tags, fm.date, md, fm.draft);
	free(md);
	front_matter_clear(&fm);
	return 0;
}

static bool
has_tag(const struct compose *c, const char *tag)
{
	size_t i;

	for (i = 0; i < c->n_tags; i++) {
		if (strcasecmp(c->tags[i], tag) == 0)
			return true;
	}
	return false;
}

/* Adds one tag unless it is there already; a static sentence when it breaks a rule. */
static const char *
add_tag(struct compose *c, struct slice t, struct buf *slug)
{
	char *tag;

	if (t.len > COMPOSE_TAG_MAX_BYTES)
		return "Each tag must be 64 characters or fewer";
	tag = xstrndup(t.ptr, t.len);
	if (!util_slugify(slug, tag, COMPOSE_TAG_MAX_BYTES)) {
		free(tag);
		return "Each tag needs at least one letter or digit";
	}
	if (has_tag(c, tag)) {
		free(tag);      /* said twice: once is enough */
		return NULL;
	}
	if (c->n_tags == COMPOSE_TAGS_MAX) {
		free(tag);
		return "Use 20 tags or fewer";
	}
	c->tags = xrealloc(c->tags, (c->n_tags + 1) * sizeof(*c->tags));
	c->tags[c->n_tags++] = tag;
	return NULL;
}

/* Splits tags_text into tags; a static sentence when a rule fails. */
static const char *
check_tags(struct compose *c)
{
	struct buf slug = BUF_INIT;
	const char *p = c->tags_text, *end, *error = NULL;
	struct slice t;

	free_tags(c);
	if (strlen(c->tags_text) > COMPOSE_TAGS_TEXT_MAX)
		return "The tags must be 1000 characters or fewer";
	while (*p != '\0' && error == NULL) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		t = slice_trim((struct slice){ p, (size_t)(end - p) });
		if (t.len > 0)
			error = add_tag(c, t, &slug);
		p = *end == ',' ? end + 1 : end;
	}
	buf_free(&slug);
	return error;
}

static const char *
check_date(struct compose *c, int64_t now)
{
	c->published_at = 0;
	if (c->date_text[0] == '\0')
		return NULL;
	if (strlen(c->date_text) > COMPOSE_DATE_TEXT_MAX || !date_parse(c->date_text, &c->published_at)) {
		c->published_at = 0;
		return "The date must be a real date, like 2026-11-20";
	}
	if (!c->draft && c->published_at > now + DATE_SLACK_S)
		return "The date must be today or earlier (save a draft to publish later)";
	return NULL;
}

/* Is there anything but white space? */
static bool
has_text(const char *s)
{
	for (; *s; s++) {
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return true;
	}
	return false;
}

int
compose_check(struct compose *c, int64_t now)
{
	int i, n = 0;

	memset(c->errors, 0, sizeof(c->errors));
	if (c->title[0] == '\0')
		c->errors[COMPOSE_TITLE] = "The weeknote needs a title";
	else if (util_utf8_chars(c->title) > COMPOSE_TITLE_MAX)
		c->errors[COMPOSE_TITLE] = "The title must be 300 characters or fewer";
	c->errors[COMPOSE_TAGS] = check_tags(c);
	c->errors[COMPOSE_DATE] = check_date(c, now);
	if (strlen(c->markdown) > MARKDOWN_MAX_BYTES)
		c->errors[COMPOSE_MARKDOWN] = "The text must be 512 KiB or smaller";
	else if (!c->draft && !has_text(c->markdown))
		c->errors[COMPOSE_MARKDOWN] = "The weeknote needs some text before it is published";
	for (i = 0; i < COMPOSE_NFIELDS; i++)
		n += c->errors[i] != NULL;
	return n;
}

void
compose_request(const struct compose *c, struct publish_request *rq)
{
	rq->title = c->title;
	rq->content = c->markdown;
	rq->content_kind = CONTENT_MARKDOWN;
	rq->categories = (const char *const *)c->tags;
	rq->n_categories = c->n_tags;
	rq->published_at = c->published_at;
	rq->draft = c->draft;
}
