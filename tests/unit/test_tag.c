/* test_tag.c: tag rules and tag lists. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "tag.h"
#include "util.h"

static struct config *
config_from(const char *text)
{
	char path[] = "/tmp/crier-test-tag-XXXXXX";
	int fd = mkstemp(path);
	struct config *cfg;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cfg = config_load(path);
	unlink(path);
	assert_int_equal(cfg->n_errors, 0);
	return cfg;
}

static bool
has_tag(const struct post *p, const char *label, enum tag_origin origin)
{
	size_t i;

	for (i = 0; i < p->n_tags; i++) {
		if (strcmp(p->tags[i].label, label) == 0 && p->tags[i].origin == origin)
			return true;
	}
	return false;
}

static void
test_rules(void **state)
{
	static const struct {
		const char *title, *text, *author, *feed;
		bool weeknotes, a11y, gds_only;
	} cases[] = {
		{ "Weeknotes 47", NULL, NULL, "Blog", true, false, false },
		{ "Week notes: sprint 3", NULL, NULL, "Blog", true, false, false },
		{ "WEEK 12", NULL, NULL, "Blog", true, false, false },
		{ "Notes on a week", NULL, NULL, "Blog", false, false, false },
		{ "Design update", "We tested with a screen reader", NULL, "Blog", false, true, false },
		{ "WCAG 2.2 is out", "nothing", NULL, "Blog", false, false, false },
		{ "Anything", "meeting wcag criteria", "Sam", "GDS blog", false, true, true },
		{ "Anything", NULL, "Sam", "Other blog", false, false, false },
	};
	struct config *cfg = config_from(
	    "[rule weeknotes]\ntitle = week ?notes|week [0-9]+\ntag = weeknotes\n"
	    "[rule a11y]\ncontent = accessibility|wcag|screen reader\ntag = accessibility\n"
	    "[rule gds-sam]\nauthor = ^sam$\nfeed = gds\ntag = gds, people\n");
	struct tag_rules *rules;
	char *err = NULL;
	size_t i;

	(void)state;
	rules = tag_rules_new(cfg, &err);
	assert_non_null(rules);
	assert_int_equal(tag_rules_count(rules), 3);
	for (i = 0; i < NELEM(cases); i++) {
		struct arena *a = arena_new();
		struct post p;
		struct author au = { cases[i].author, NULL, NULL };
		memset(&p, 0, sizeof(p));
		p.title = cases[i].title;
		p.search_text = cases[i].text;
		if (cases[i].author != NULL) {
			p.authors = &au;
			p.n_authors = 1;
		}
		tag_apply_rules(rules, a, &p, cases[i].feed, "https://example.org/feed");
		if (has_tag(&p, "weeknotes", TAG_RULE) != cases[i].weeknotes ||
		    has_tag(&p, "accessibility", TAG_RULE) != cases[i].a11y ||
		    has_tag(&p, "gds", TAG_RULE) != cases[i].gds_only ||
		    has_tag(&p, "people", TAG_RULE) != cases[i].gds_only)
			fail_msg("case %zu (%s): wrong tags", i, cases[i].title);
		arena_free(a);
	}
	tag_rules_free(rules);
	config_free(cfg);
}

static void
test_tag_list(void **state)
{
	struct arena *a = arena_new();
	struct post p;

	(void)state;
	memset(&p, 0, sizeof(p));
	post_add_tag(a, &p, "Council", TAG_FEED);
	tag_add_list(a, &p, " council , Open Data,, digital ", TAG_FEED);
	post_add_tag(a, &p, "", TAG_RULE);
	assert_int_equal(p.n_tags, 3);          /* "council" duplicates "Council" */
	assert_string_equal(p.tags[0].label, "Council");
	assert_string_equal(p.tags[1].label, "Open Data");
	assert_string_equal(p.tags[2].label, "digital");
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_tag_list),
	};
	return cmocka_run_group_tests_name("tag", tests, NULL, NULL);
}
