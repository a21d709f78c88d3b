/*
 * markdown.c: md4c's HTML renderer and front matter (see markdown.h).
 */
#include "markdown.h"
#include "util.h"

#include <md4c-html.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void
collect(const MD_CHAR *text, MD_SIZE size, void *userdata)
{
	buf_append(userdata, text, size);
}

/*
 * md4c draws task list items as disabled checkboxes, which the sanitizer
 * drops with every other form control: "[x] done" and "[ ] todo" would
 * read the same.  They become ballot box characters instead.
 */
static const struct { const char *html, *text; } task_boxes[] = {
	{ "<input type=\"checkbox\" class=\"task-list-item-checkbox\" disabled checked>", "\u2611 " },
	{ "<input type=\"checkbox\" class=\"task-list-item-checkbox\" disabled>", "\u2610 " },
};

/* Appends html[0..len) to out with task boxes replaced. */
static void
append_tasks_as_text(struct buf *out, const char *html, size_t len)
{
	static const char marker[] = "<input type=\"checkbox\" class=\"task-list-item-checkbox\"";
	const char *p = html, *end = html + len, *hit;
	size_t i, n;

	for (;;) {
		hit = memmem(p, (size_t)(end - p), marker, sizeof(marker) - 1);
		if (hit == NULL)
			break;
		buf_append(out, p, (size_t)(hit - p));
		p = hit + sizeof(marker) - 1;   /* not a box md4c drew: copied as it is */
		for (i = 0; i < NELEM(task_boxes); i++) {
			n = strlen(task_boxes[i].html);
			if ((size_t)(end - hit) >= n && memcmp(hit, task_boxes[i].html, n) == 0) {
				p = hit + n;
				break;
			}
		}
		if (i < NELEM(task_boxes))
			buf_puts(out, task_boxes[i].text);
		else
			buf_append(out, hit, sizeof(marker) - 1);
	}
	buf_append(out, p, (size_t)(end - p));
}

int
markdown_to_html(struct buf *out, const char *md, size_t len)
{
	struct buf html = BUF_INIT;
	int rc;

	if (len > MARKDOWN_MAX_BYTES)
		return -1;
	/* the permissive autolinks are GitHub's; raw HTML is allowed here and
	 * cleaned by the sanitizer afterwards */
	rc = md_html(md, (MD_SIZE)len, collect, &html, MD_DIALECT_GITHUB, 0) == 0 ? 0 : -1;
	if (rc == 0)
		append_tasks_as_text(out, buf_str(&html), html.len);
	buf_free(&html);
	return rc;
}

static char *
trimmed(const char *s, size_t n)
{
	struct slice sl = slice_trim((struct slice){ s, n });

	/* "quoted values" lose their quotes */
	if (sl.len >= 2 && ((sl.ptr[0] == '"' && sl.ptr[sl.len - 1] == '"') ||
	    (sl.ptr[0] == '\'' && sl.ptr[sl.len - 1] == '\''))) {
		sl.ptr++;
		sl.len -= 2;
	}
	return xstrndup(sl.ptr, sl.len);
}

/* One "key: value" line of the block. */
static void
front_matter_line(struct front_matter *fm, const char *line, size_t n)
{
	const char *colon = memchr(line, ':', n);
	char *key, *value;

	if (colon == NULL)
		return;
	key = trimmed(line, (size_t)(colon - line));
	value = trimmed(colon + 1, n - (size_t)(colon + 1 - line));
	if (strcasecmp(key, "title") == 0) {
		free(fm->title);
		fm->title = value;
		value = NULL;
	} else if (strcasecmp(key, "tags") == 0 || strcasecmp(key, "categories") == 0) {
		/* "a, b" or "[a, b]" */
		size_t vl = strlen(value);
		if (vl >= 2 && value[0] == '[' && value[vl - 1] == ']') {
			memmove(value, value + 1, vl - 2);
			value[vl - 2] = '\0';
		}
		free(fm->tags);
		fm->tags = value;
		value = NULL;
	} else if (strcasecmp(key, "date") == 0) {
		free(fm->date);
		fm->date = value;
		value = NULL;
	} else if (strcasecmp(key, "slug") == 0) {
		free(fm->slug);
		fm->slug = value;
		value = NULL;
	} else if (strcasecmp(key, "draft") == 0) {
		fm->draft = util_parse_bool(value) == 1;
	}
	free(key);
	free(value);
}

void
front_matter_parse(const char *text, size_t len, struct front_matter *fm)
{
	const char *p = text, *end = text + len, *nl;

	memset(fm, 0, sizeof(*fm));
	fm->body = text;
	fm->body_len = len;
	if (len < 4 || strncmp(text, "---", 3) != 0 || (text[3] != '\n' && text[3] != '\r'))
		return;
	p = (const char *)memchr(text, '\n', len) + 1;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 3 && strncmp(p, "---", 3) == 0) {
			fm->body = nl != NULL ? nl + 1 : end;
			fm->body_len = (size_t)(end - fm->body);
			return;
		}
		front_matter_line(fm, p, n);
		p = nl != NULL ? nl + 1 : end;
	}
	fm->error = xstrdup("the front matter block that starts with --- is never closed with ---");
}

void
front_matter_clear(struct front_matter *fm)
{
	free(fm->title);
	free(fm->tags);
	free(fm->date);
	free(fm->slug);
	free(fm->error);
	memset(fm, 0, sizeof(*fm));
}
