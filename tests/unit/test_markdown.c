/*
 * test_markdown.c: front_matter_parse() against a table of files and
 * the fields they hold, and markdown_to_html() for each GitHub flag
 * (tables, strikethrough, task lists, autolinks), raw HTML (passed on
 * for the sanitizer) and the size cap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "markdown.h"
#include "util.h"

struct fm_case {
	const char *name;
	const char *in;
	const char *title, *tags, *date, *slug;     /* NULL: absent */
	bool draft;
	const char *body;                           /* the text after the block */
	bool error;
};

static const struct fm_case fm_cases[] = {
	{ "none", "# Hello\n\nText\n", NULL, NULL, NULL, NULL, false, "# Hello\n\nText\n", false },
	{ "empty file", "", NULL, NULL, NULL, NULL, false, "", false },
	{ "all keys",
	  "---\ntitle: Weeknotes 47\ntags: weeknotes, forms\ndate: 2026-11-20\nslug: wn-47\ndraft: true\n---\nBody\n",
	  "Weeknotes 47", "weeknotes, forms", "2026-11-20", "wn-47", true, "Body\n", false },
	{ "CRLF", "---\r\ntitle: Windows\r\n---\r\nBody\r\n",
	  "Windows", NULL, NULL, NULL, false, "Body\r\n", false },
	{ "quotes", "---\ntitle: \"Week 47: forms\"\ntags: 'a, b'\n---\n",
	  "Week 47: forms", "a, b", NULL, NULL, false, "", false },
	{ "list of tags", "---\ntags: [weeknotes, research]\n---\nx",
	  NULL, "weeknotes, research", NULL, NULL, false, "x", false },
	{ "categories is tags", "---\ncategories: a\n---\n", NULL, "a", NULL, NULL, false, "", false },
	{ "keys any case, spaces", "---\n  Title :   Spaced out  \nDRAFT: yes\n---\n",
	  "Spaced out", NULL, NULL, NULL, true, "", false },
	{ "colon in value", "---\ntitle: Alpha: the sequel\n---\n",
	  "Alpha: the sequel", NULL, NULL, NULL, false, "", false },
	{ "draft false", "---\ndraft: false\n---\n", NULL, NULL, NULL, NULL, false, "", false },
	{ "draft nonsense", "---\ndraft: maybe\n---\n", NULL, NULL, NULL, NULL, false, "", false },
	{ "unknown keys and junk lines", "---\nlayout: post\njust words\ntitle: T\n---\n",
	  "T", NULL, NULL, NULL, false, "", false },
	{ "empty block", "---\n---\nBody", NULL, NULL, NULL, NULL, false, "Body", false },
	{ "closed at the end", "---\ntitle: T\n---", "T", NULL, NULL, NULL, false, "", false },
	{ "later key wins", "---\ntitle: One\ntitle: Two\n---\n", "Two", NULL, NULL, NULL, false, "", false },
	{ "not at the start", "\n---\ntitle: T\n---\n", NULL, NULL, NULL, NULL, false,
	  "\n---\ntitle: T\n---\n", false },
	{ "four dashes is a rule", "----\ntitle: T\n----\n", NULL, NULL, NULL, NULL, false,
	  "----\ntitle: T\n----\n", false },
	{ "never closed", "---\ntitle: T\nBody without an end\n", "T", NULL, NULL, NULL, false,
	  "---\ntitle: T\nBody without an end\n", true },
};

static void
check_field(const char *name, const char *what, const char *got, const char *want)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: %s is \"%s\", want \"%s\"", name, what, got ? got : "(null)",
		    want ? want : "(null)");
}

static void
test_front_matter(void **state)
{
	struct front_matter fm;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(fm_cases); i++) {
		const struct fm_case *c = &fm_cases[i];
		front_matter_parse(c->in, strlen(c->in), &fm);
		check_field(c->name, "title", fm.title, c->title);
		check_field(c->name, "tags", fm.tags, c->tags);
		check_field(c->name, "date", fm.date, c->date);
		check_field(c->name, "slug", fm.slug, c->slug);
		if (fm.draft != c->draft)
			fail_msg("%s: draft is %d", c->name, fm.draft);
		if (fm.body_len != strlen(c->body) || memcmp(fm.body, c->body, fm.body_len) != 0)
			fail_msg("%s: body is \"%.*s\"", c->name, (int)fm.body_len, fm.body);
		if ((fm.error != NULL) != c->error)
			fail_msg("%s: error is %s", c->name, fm.error ? fm.error : "(none)");
		front_matter_clear(&fm);
	}
}

/* Only len bytes are read: a block cut short is never closed. */
static void
test_front_matter_length(void **state)
{
	static const char text[] = "---\ntitle: T\n---\nBody";
	struct front_matter fm;
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(text) - 1; n++) {
		char *copy = xstrndup(text, n);
		front_matter_parse(copy, n, &fm);
		assert_true(fm.body >= copy && fm.body + fm.body_len <= copy + n);
		front_matter_clear(&fm);
		free(copy);
	}
}

struct md_case {
	const char *name;
	const char *in;
	const char *want;       /* a substring of the HTML */
};

static const struct md_case md_cases[] = {
	{ "paragraph", "Hello *world*", "<p>Hello <em>world</em></p>" },
	{ "table", "| a | b |\n|---|---|\n| 1 | 2 |\n", "<table>\n<thead>\n<tr>\n<th>a</th>" },
	{ "table cell", "| a | b |\n|---|---|\n| 1 | 2 |\n", "<td>2</td>" },
	{ "strikethrough", "~~old~~ new", "<del>old</del> new" },
	{ "task done", "- [x] ship it\n", "<li class=\"task-list-item\">\u2611 ship it</li>" },
	{ "task to do", "- [ ] test it\n", "<li class=\"task-list-item\">\u2610 test it</li>" },
	{ "autolink www", "see www.example.com now", "<a href=\"http://www.example.com\">www.example.com</a>" },
	{ "autolink url", "see https://www.gov.uk/x.", "<a href=\"https://www.gov.uk/x\">https://www.gov.uk/x</a>." },
	{ "autolink email", "mail team@example.gov.uk", "<a href=\"mailto:team@example.gov.uk\">" },
	{ "raw HTML passes (the sanitizer cleans it)", "<script>x</script>", "<script>x</script>" },
	{ "heading", "# Weeknotes", "<h1>Weeknotes</h1>" },
	{ "code", "```\na < b\n```", "<pre><code>a &lt; b\n</code></pre>" },
	{ "a lookalike box is left alone",
	  "<input type=\"checkbox\" class=\"task-list-item-checkbox\" data-x>",
	  "<input type=\"checkbox\" class=\"task-list-item-checkbox\" data-x>" },
};

static void
test_markdown(void **state)
{
	struct buf out = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(md_cases); i++) {
		buf_reset(&out);
		buf_puts(&out, "[kept]");
		if (markdown_to_html(&out, md_cases[i].in, strlen(md_cases[i].in)) != 0)
			fail_msg("%s: failed", md_cases[i].name);
		if (strncmp(buf_str(&out), "[kept]", 6) != 0)
			fail_msg("%s: did not append", md_cases[i].name);
		if (strstr(buf_str(&out), md_cases[i].want) == NULL)
			fail_msg("%s: got %s", md_cases[i].name, buf_str(&out));
	}
	buf_free(&out);
}

static void
test_markdown_cap(void **state)
{
	struct buf out = BUF_INIT;
	char *big = xmalloc(MARKDOWN_MAX_BYTES + 1);

	(void)state;
	memset(big, 'a', MARKDOWN_MAX_BYTES + 1);
	assert_int_equal(markdown_to_html(&out, big, MARKDOWN_MAX_BYTES + 1), -1);
	assert_int_equal(out.len, 0);
	assert_int_equal(markdown_to_html(&out, big, MARKDOWN_MAX_BYTES), 0);
	assert_true(out.len > MARKDOWN_MAX_BYTES);
	free(big);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_front_matter),
		cmocka_unit_test(test_front_matter_length),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_markdown_cap),
	};
	return cmocka_run_group_tests_name("markdown", tests, NULL, NULL);
}
