/* test_digest.c: the digest module's pure parts, table-driven: schedule
 * values, ISO weeks (valid ones, week 53, local Mondays across the end
 * of BST in Europe/London), week labels across months and years, the
 * recipients of a section (to and to_file: comments, blanks, duplicates
 * without case, bad lines), unsubscribe tokens and URLs, and the email's
 * plain-text part against a golden file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "digest.h"
#include "util.h"

static void
test_schedules(void **state)
{
	static const struct { const char *in; int ok, wday, hour, minute; } cases[] = {
		{ "fri 12:00", 1, 5, 12, 0 },
		{ "Friday 9:30", 1, 5, 9, 30 },
		{ "  mon 00:00  ", 1, 1, 0, 0 },
		{ "SUN 23:59", 1, 7, 23, 59 },
		{ "tue 7:05", 1, 2, 7, 5 },
		{ "fr 12:00", 0, 0, 0, 0 },
		{ "fri", 0, 0, 0, 0 },
		{ "fri 24:00", 0, 0, 0, 0 },
		{ "fri 12:60", 0, 0, 0, 0 },
		{ "fri 12:00 extra", 0, 0, 0, 0 },
		{ "someday 12:00", 0, 0, 0, 0 },
		{ "fridays 12:00", 0, 0, 0, 0 },
		{ "", 0, 0, 0, 0 },
	};
	int wday, hour, minute;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		wday = hour = minute = -1;
		if (config_digest_schedule(cases[i].in, &wday, &hour, &minute) != (bool)cases[i].ok)
			fail_msg("case %zu \"%s\": got %d", i, cases[i].in, !cases[i].ok);
		if (cases[i].ok && (wday != cases[i].wday || hour != cases[i].hour || minute != cases[i].minute))
			fail_msg("case %zu \"%s\": got %d %d:%d", i, cases[i].in, wday, hour, minute);
	}
}

static void
test_weeks(void **state)
{
	static const struct { const char *week; int valid; const char *monday_utc; } cases[] = {
		/* Europe/London: BST (+1) until 25 October 2026, then GMT */
		{ "2026-W42", 1, "2026-10-11T23:00:00Z" },
		{ "2026-W43", 1, "2026-10-18T23:00:00Z" },
		{ "2026-W44", 1, "2026-10-26T00:00:00Z" },
		{ "2026-W53", 1, "2026-12-28T00:00:00Z" },
		{ "2027-W01", 1, "2027-01-04T00:00:00Z" },
		{ "2027-W53", 0, NULL },
		{ "2026-W00", 0, NULL },
		{ "2026-W54", 0, NULL },
		{ "2026-42", 0, NULL },
		{ "2026-W4", 0, NULL },
		{ "2026-W420", 0, NULL },
		{ "", 0, NULL },
	};
	char iso[32], week[16];
	int64_t start;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		assert_int_equal(digest_week_valid(cases[i].week), cases[i].valid);
		start = digest_week_start(cases[i].week);
		if (!cases[i].valid) {
			assert_int_equal(start, -1);
			continue;
		}
		util_rfc3339(start, iso);
		if (strcmp(iso, cases[i].monday_utc) != 0)
			fail_msg("%s starts at %s, want %s", cases[i].week, iso, cases[i].monday_utc);
		/* a second before its start is the week before; its start is this week */
		digest_week_of(start, week);
		assert_string_equal(week, cases[i].week);
		digest_week_of(start - 1, week);
		assert_string_not_equal(week, cases[i].week);
	}
	/* Sunday 25 October 2026 23:30 BST-then-GMT is still week 43 in London */
	digest_week_of(1792452600, week);
	assert_string_equal(week, "2026-W43");
}

static void
test_week_labels(void **state)
{
	static const struct { const char *week, *label, *range; } cases[] = {
		{ "2026-W42", "Week 42, 2026", "12 to 18 October 2026" },
		{ "2026-W44", "Week 44, 2026", "26 October to 1 November 2026" },
		{ "2026-W53", "Week 53, 2026", "28 December 2026 to 3 January 2027" },
		{ "2027-W01", "Week 1, 2027", "4 to 10 January 2027" },
	};
	json_t *w;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		w = digest_render_week(cases[i].week);
		assert_string_equal(json_string_value(json_object_get(w, "id")), cases[i].week);
		assert_string_equal(json_string_value(json_object_get(w, "label")), cases[i].label);
		assert_string_equal(json_string_value(json_object_get(w, "range")), cases[i].range);
		json_decref(w);
	}
}

static char list_path[] = "/tmp/crier-test-digest-list-XXXXXX";

static void
test_recipients(void **state)
{
	struct config_kv kv[2] = {
		{ "to", "Ann@Example.org, bob@example.org,, not an address", 1 },
		{ "to_file", list_path, 2 },
	};
	struct config_section sec = { "weekly", kv, 2, 1 };
	char **list, *err = NULL;
	size_t n;
	int fd;
	static const char file[] = "# the weekly list\n\nann@example.org\ncara@example.org\r\n"
	    "   dan@example.org   \nbroken@\nBOB@EXAMPLE.ORG\n";

	(void)state;
	fd = mkstemp(list_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, file, sizeof(file) - 1), (ssize_t)(sizeof(file) - 1));
	close(fd);
	list = digest_recipients(&sec, &n, &err);
	assert_non_null(list);
	assert_int_equal(n, 4);
	assert_string_equal(list[0], "Ann@Example.org");
	assert_string_equal(list[1], "bob@example.org");
	assert_string_equal(list[2], "cara@example.org");
	assert_string_equal(list[3], "dan@example.org");
	assert_null(list[4]);
	digest_recipients_free(list);
	unlink(list_path);
	list = digest_recipients(&sec, &n, &err);
	assert_null(list);
	assert_non_null(strstr(err, "cannot read the list"));
	free(err);
}

static void
test_unsubscribe_links(void **state)
{
	unsigned char key[32], other[32];
	char a[33], b[33], c[33];
	struct buf url = BUF_INIT;
	struct config *cfg = config_defaults();

	(void)state;
	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	digest_render_token(key, "weekly", "Ann@Example.org", a);
	digest_render_token(key, "weekly", "ann@example.org", b);
	assert_string_equal(a, b);             /* addresses without case */
	assert_int_equal(strlen(a), 32);
	digest_render_token(key, "monthly", "ann@example.org", c);
	assert_string_not_equal(a, c);         /* another list */
	digest_render_token(other, "weekly", "ann@example.org", c);
	assert_string_not_equal(a, c);         /* another key */
	digest_render_token(key, "weekly", "ann@example.net", c);
	assert_string_not_equal(a, c);
	digest_render_unsubscribe_url(cfg, key, "weekly", "a+b@example.org", &url);
	digest_render_token(key, "weekly", "a+b@example.org", c);
	{
		char want[200];
		snprintf(want, sizeof(want), "http://127.0.0.1:8080/digests/unsubscribe?list=weekly&"
		    "email=a%%2Bb%%40example.org&token=%s", c);
		assert_string_equal(buf_str(&url), want);
	}
	buf_free(&url);
	config_free(cfg);
}

/* A digest context by hand: what store_digest_items() would give. */
static json_t *
items_fixture(void)
{
	return json_pack("[{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:{s:I, s:s}},"
	    " {s:I, s:s, s:s, s:I, s:s, s:n, s:n, s:{s:s, s:s}}]",
	    "id", (json_int_t)7, "title", "Weeknotes 42: forms", "url", "https://sector.example/w42",
	    "content_html", "<p>We rebuilt the <strong>permit</strong> form and tested it with six residents "
	    "over two weeks, in the library and at home, with screen readers and without; what we learned "
	    "about the address field alone would fill a post, so it will: next week.</p><script>x()</script>",
	    "published_at", (json_int_t)1792058400, "note", "Read *this*.",
	    "note_html", "<p>Read <em>this</em>, then <a href=\"https://sector.example/forms\">the forms guide</a>."
	    "</p><ul><li>one</li><li>two</li></ul>",
	    "source", "id", (json_int_t)1, "name", "Sector weeknotes",
	    "id", (json_int_t)9, "title", "", "summary", "A summary only.", "published_at",
	    (json_int_t)1791979200, "slug", "untitled", "note", "note_html",
	    "team", "slug", "comms", "name", "Comms team");
}

static void
test_text_part(void **state)
{
	struct config *cfg = config_defaults();
	struct digest d;
	struct buf out = BUF_INIT, want = BUF_INIT;
	json_t *items = items_fixture(), *ctx;
	char path[512];

	(void)state;
	memset(&d, 0, sizeof(d));
	d.id = 3;
	d.slug = "week-42";
	d.title = "Week 42: the forms digest, with a title long enough to wrap at seventy-two columns";
	d.week = "2026-W42";
	d.intro_html = "<p>Hello <strong>all</strong>.</p>\n<p>Second paragraph, with "
	    "<a href=\"https://example.org/a\">a link</a> and https://example.org/b as text.</p>";
	d.status = DIGEST_PUBLISHED;
	d.published_at = 1792152000;
	d.updated_at = 1792152000;
	ctx = digest_render_context(cfg, &d, items);
	digest_render_text(cfg, ctx, "http://127.0.0.1:8080/digests/unsubscribe?list=x&email=y&token=z", &out);
	snprintf(path, sizeof(path), "%s/tests/fixtures/digest/text-part.expect",
	    getenv("CRIER_SRCDIR") != NULL ? getenv("CRIER_SRCDIR") : ".");
	if (getenv("CRIER_UPDATE_GOLDEN") != NULL) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fwrite(out.data, 1, out.len, f);
		fclose(f);
	}
	assert_int_equal(util_read_file(path, &want, 1 << 20), 0);
	if (strcmp(buf_str(&out), buf_str(&want)) != 0)
		fail_msg("text part differs from %s:\n%s", path, buf_str(&out));
	/* the context: absolute links, a title for the untitled post, no markup from the feed */
	assert_string_equal(json_string_value(json_object_get(ctx, "url")), "http://127.0.0.1:8080/digest/week-42");
	assert_string_equal(json_string_value(json_object_get(ctx, "href")), "/digest/week-42");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(ctx, "items"), 1),
	    "title")), "Post from Comms team, 14 October 2026");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(ctx, "items"), 1),
	    "link")), "http://127.0.0.1:8080/post/9-untitled");
	assert_null(strstr(buf_str(&out), "x()"));
	json_decref(ctx);
	json_decref(items);
	buf_free(&out);
	buf_free(&want);
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedules),
		cmocka_unit_test(test_weeks),
		cmocka_unit_test(test_week_labels),
		cmocka_unit_test(test_recipients),
		cmocka_unit_test(test_unsubscribe_links),
		cmocka_unit_test(test_text_part),
	};

	setenv("TZ", "Europe/London", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
