/*
 * test_compose.c: the rules a weeknote must meet (the web form and
 * `crier post` share them), as a table of fields and the field that
 * should be in error; tag splitting; and Markdown files with front
 * matter or a first "# heading".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "compose.h"
#include "markdown.h"
#include "util.h"

#define NOW 1795435200LL        /* 2026-11-23T12:00:00Z */

struct rule_case {
	const char *name;
	const char *title, *tags, *date, *markdown;
	bool draft;
	int bad;                /* the field in error, or -1 */
};

static const struct rule_case rules[] = {
	{ "fine", "Weeknotes 47", "weeknotes, forms", "2026-11-20", "Text", false, -1 },
	{ "no title", "", "", "", "Text", false, COMPOSE_TITLE },
	{ "blank title", "   ", "", "", "Text", false, COMPOSE_TITLE },
	{ "no text", "T", "", "", " \n\t", false, COMPOSE_MARKDOWN },
	{ "a draft may be empty", "T", "", "", "", true, -1 },
	{ "not a date", "T", "", "next week", "Text", false, COMPOSE_DATE },
	{ "no such day", "T", "", "2026-02-30", "Text", false, COMPOSE_DATE },
	{ "a future date", "T", "", "2026-12-25", "Text", false, COMPOSE_DATE },
	{ "a future draft", "T", "", "2026-12-25", "Text", true, -1 },
	{ "tomorrow is slack", "T", "", "2026-11-24", "Text", false, -1 },
	{ "date and time", "T", "", "2026-11-20T16:30:00Z", "Text", false, -1 },
	{ "tag too long", "T", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", "Text", false,
	  COMPOSE_TAGS },
	{ "tag of punctuation", "T", "ok, !!!", "", "Text", false, COMPOSE_TAGS },
	{ "21 tags", "T", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u", "", "Text", false, COMPOSE_TAGS },
	{ "20 tags and repeats", "T", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,A,a", "", "Text", false, -1 },
};

static void
test_rules(void **state)
{
	struct compose c;
	size_t i;
	int f;

	(void)state;
	for (i = 0; i < NELEM(rules); i++) {
		const struct rule_case *r = &rules[i];
		compose_init(&c, r->title, r->tags, r->date, r->markdown, r->draft);
		int n = compose_check(&c, NOW);
		for (f = 0; f < COMPOSE_NFIELDS; f++) {
			if ((c.errors[f] != NULL) != (f == r->bad))
				fail_msg("%s: %s is %s", r->name, compose_field_names[f],
				    c.errors[f] ? c.errors[f] : "fine");
		}
		assert_int_equal(n, r->bad >= 0 ? 1 : 0);
		compose_clear(&c);
	}
}

static void
test_lengths(void **state)
{
	struct compose c;
	char title[2 * 301 + 1], *md;
	size_t i;

	(void)state;
	/* 300 characters of two bytes each are fine; 301 are not */
	for (i = 0; i < 300; i++)
		memcpy(title + 2 * i, "\xC3\xA9", 2);
	title[600] = '\0';
	compose_init(&c, title, "", "", "x", false);
	assert_int_equal(compose_check(&c, NOW), 0);
	compose_clear(&c);
	memcpy(title + 600, "\xC3\xA9", 3);
	compose_init(&c, title, "", "", "x", false);
	assert_int_equal(compose_check(&c, NOW), 1);
	assert_non_null(c.errors[COMPOSE_TITLE]);
	compose_clear(&c);

	md = xmalloc(MARKDOWN_MAX_BYTES + 2);
	memset(md, 'a', MARKDOWN_MAX_BYTES + 1);
	md[MARKDOWN_MAX_BYTES + 1] = '\0';
	compose_init(&c, "T", "", "", md, false);
	assert_int_equal(compose_check(&c, NOW), 1);
	assert_string_equal(c.errors[COMPOSE_MARKDOWN], "The text must be 512 KiB or smaller");
	compose_clear(&c);
	md[MARKDOWN_MAX_BYTES] = '\0';
	compose_init(&c, "T", "", "", md, false);
	assert_int_equal(compose_check(&c, NOW), 0);
	compose_clear(&c);
	free(md);
}

static void
test_tags_and_request(void **state)
{
	struct compose c;
	struct publish_request rq;

	(void)state;
	compose_init(&c, "  Weeknotes 47 ", " weeknotes ,, Open Data,weeknotes , user research", "2026-11-20",
	    "Text", false);
	assert_int_equal(compose_check(&c, NOW), 0);
	assert_string_equal(c.title, "Weeknotes 47");
	assert_int_equal(c.n_tags, 3);
	assert_string_equal(c.tags[0], "weeknotes");
	assert_string_equal(c.tags[1], "Open Data");
	assert_string_equal(c.tags[2], "user research");
	assert_int_equal(c.published_at, 1795132800LL);     /* 2026-11-20T00:00:00Z */
	memset(&rq, 0, sizeof(rq));
	rq.team_id = 7;
	compose_request(&c, &rq);
	assert_string_equal(rq.title, "Weeknotes 47");
	assert_string_equal(rq.content, "Text");
	assert_int_equal(rq.content_kind, CONTENT_MARKDOWN);
	assert_int_equal(rq.n_categories, 3);
	assert_int_equal(rq.published_at, c.published_at);
	assert_false(rq.draft);
	assert_int_equal(rq.team_id, 7);
	/* checking again starts again */
	assert_int_equal(compose_check(&c, NOW), 0);
	assert_int_equal(c.n_tags, 3);
	compose_clear(&c);
}

struct file_case {
	const char *name;
	const char *in;
	const char *title, *tags, *date, *markdown;
	bool draft;
};

static const struct file_case files[] = {
	{ "front matter", "---\ntitle: WN 47\ntags: a, b\ndate: 2026-11-20\ndraft: true\n---\n\nBody\n",
	  "WN 47", "a, b", "2026-11-20", "Body\n", true },
	{ "heading as title", "# Weeknotes 47\n\nBody\n", "Weeknotes 47", "", "", "\nBody\n", false },
	{ "closed heading", "# Weeknotes 47 ##\nBody", "Weeknotes 47", "", "", "Body", false },
	{ "front matter title wins", "---\ntitle: FM\n---\n# Heading\nBody",
	  "FM", "", "", "# Heading\nBody", false },
	{ "heading after front matter", "---\ntags: x\n---\n\n# Heading\nBody",
	  "Heading", "x", "", "Body", false },
	{ "a level-2 heading is text", "## Not a title\nBody", "", "", "", "## Not a title\nBody", false },
	{ "no title at all", "Just text", "", "", "", "Just text", false },
};

static void
test_files(void **state)
{
	struct compose c;
	const char *err;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(files); i++) {
		const struct file_case *f = &files[i];
		if (compose_from_file(&c, f->in, strlen(f->in), &err) != 0)
			fail_msg("%s: %s", f->name, err);
		if (strcmp(c.title, f->title) != 0 || strcmp(c.tags_text, f->tags) != 0 ||
		    strcmp(c.date_text, f->date) != 0 || strcmp(c.markdown, f->markdown) != 0 ||
		    c.draft != f->draft)
			fail_msg("%s: got title=\"%s\" tags=\"%s\" date=\"%s\" markdown=\"%s\" draft=%d",
			    f->name, c.title, c.tags_text, c.date_text, c.markdown, c.draft);
		compose_clear(&c);
	}
}

static void
test_bad_files(void **state)
{
	static const char *const bad[] = { "---\ntitle: never closed\n", "caf\xC3", "nul\0byte" };
	static const size_t lens[] = { 25, 4, 8 };
	struct compose c;
	const char *err;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		assert_int_equal(compose_from_file(&c, bad[i], lens[i], &err), -1);
		assert_non_null(err);
		compose_clear(&c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_tags_and_request),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_bad_files),
	};
	return cmocka_run_group_tests_name("compose", tests, NULL, NULL);
}
