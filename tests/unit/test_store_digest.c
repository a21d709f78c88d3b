/* test_store_digest.c: digests in the store, on real files: adding
 * (slugs that vary, once per scheduled week), items (add, note, move,
 * remove, positions stay 1..n), what pages may see (drafts never; only
 * published posts), candidates (range, tag, source, team, search, bad
 * FTS syntax), the email record (queue, retry, refuse, force, counts)
 * and unsubscribes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "store.h"
#include "util.h"

static char dir[] = "/tmp/crier-test-store-digest-XXXXXX";
static char path[256];

#define T0 1791763200   /* Monday 2026-10-12 00:00 UTC (2026-W42) */

static struct store *
open_fresh(void)
{
	char *err = NULL;
	struct store *s;
	char other[300];

	unlink(path);
	snprintf(other, sizeof(other), "%s-wal", path);
	unlink(other);
	snprintf(other, sizeof(other), "%s-shm", path);
	unlink(other);
	s = store_open(path, STORE_WRITER, &err);
	if (s == NULL)
		fail_msg("store_open: %s", err);
	return s;
}

static void
assert_query(struct store *s, const char *sql, const char *want)
{
	struct buf b = BUF_INIT;

	assert_int_equal(store_query_text(s, sql, &b), 0);
	if (strcmp(buf_str(&b), want) != 0)
		fail_msg("%s\n got: [%s]\nwant: [%s]", sql, buf_str(&b), want);
	buf_free(&b);
}

/* Two feeds and a team post: posts 1..6 (see the table in the body). */
static void
fill(struct store *s)
{
	static const struct { int feed; const char *guid, *title, *body, *tag; int64_t at; } rows[] = {
		{ 1, "a1", "Weeknotes 42 from A", "gardens and parks", "weeknotes", T0 + 3600 },
		{ 1, "a2", "Roads update", "potholes everywhere", NULL, T0 + 2 * 86400 },
		{ 2, "b1", "Weeknotes from B", "rivers and canals", "weeknotes", T0 + 4 * 86400 },
		{ 2, "b2", "Last week", "old news about gardens", "weeknotes", T0 - 86400 },
		{ 2, "b3", "Next week", "future gardens", NULL, T0 + 8 * 86400 },
	};
	struct arena *a = arena_new();
	struct feed_update u;
	struct post *p;
	int64_t feed[3], team;
	size_t i;

	assert_int_equal(store_team_upsert(s, "web", "Web team", NULL, &team), 0);
	assert_int_equal(store_feed_add(s, "https://a.example/feed", "A", NULL, NULL, &feed[1]), 0);
	assert_int_equal(store_feed_add(s, "https://b.example/feed", "B", NULL, "web", &feed[2]), 0);
	for (i = 0; i < NELEM(rows); i++) {
		p = arena_alloc(a, sizeof(*p));
		p->guid = rows[i].guid;
		p->url = arena_printf(a, "https://example.org/%s", rows[i].guid);
		p->title = rows[i].title;
		p->content_html = arena_printf(a, "<p>%s</p>", rows[i].body);
		p->search_text = rows[i].body;
		p->published_at = rows[i].at;
		p->fetched_at = rows[i].at;
		p->team_id = rows[i].feed == 2 ? team : 0;
		util_sha256_hex(rows[i].guid, strlen(rows[i].guid), p->content_hash);
		if (rows[i].tag != NULL)
			post_add_tag(a, p, rows[i].tag, TAG_RULE);
		memset(&u, 0, sizeof(u));
		u.feed_id = feed[rows[i].feed];
		u.fetched_at = rows[i].at;
		u.success = true;
		assert_int_equal(store_feed_commit(s, &u, &p, 1, NULL), 0);
		assert_int_equal(p->id, (int64_t)i + 1);
	}
	assert_int_equal(store_index_pending(s), 5);
	arena_free(a);
}

static void
new_digest(struct digest *d, const char *slug, const char *week)
{
	memset(d, 0, sizeof(*d));
	d->slug = xstrdup(slug);
	d->title = xstrdup("Weekly digest");
	d->week = xstrdup(week);
	d->created_at = T0;
}

/* The ids of a post list, "1,2,3". */
static char *
ids(json_t *list)
{
	struct buf b = BUF_INIT;
	json_t *p;
	size_t i;

	assert_non_null(list);
	json_array_foreach(list, i, p)
		buf_printf(&b, "%s%lld", i ? "," : "", (long long)json_integer_value(json_object_get(p, "id")));
	json_decref(list);
	return buf_steal(&b);
}

static void
assert_ids(json_t *list, const char *want)
{
	char *got = ids(list);

	if (strcmp(got, want) != 0)
		fail_msg("got [%s], want [%s]", got, want);
	free(got);
}

static void
test_add_and_slugs(void **state)
{
	struct store *s = open_fresh();
	struct digest d, got;
	int64_t posts[] = { 3, 1, 99 }, id, id2;

	(void)state;
	assert_int_equal(store_schema_version(s), store_schema_latest());
	fill(s);
	new_digest(&d, "weekly", "2026-W42");
	assert_int_equal(store_digest_add(s, &d, false, posts, NELEM(posts), &id), 0);
	assert_string_equal(d.slug, "weekly");
	digest_clear(&d);
	/* the same slug again: refused, or varied */
	new_digest(&d, "weekly", "2026-W42");
	assert_int_equal(store_digest_add(s, &d, false, NULL, 0, &id2), 1);
	assert_int_equal(store_digest_add(s, &d, true, NULL, 0, &id2), 0);
	assert_string_equal(d.slug, "weekly-2");
	digest_clear(&d);
	new_digest(&d, "weekly", "2026-W42");
	assert_int_equal(store_digest_add(s, &d, true, NULL, 0, &id2), 0);
	assert_string_equal(d.slug, "weekly-3");
	digest_clear(&d);
	/* the unknown post 99 was skipped; the order is as given */
	assert_int_equal(store_digest_get(s, id, &got), 0);
	assert_int_equal(got.item_count, 2);
	assert_int_equal(got.status, DIGEST_DRAFT);
	assert_false(got.from_schedule);
	assert_null(got.section);
	digest_clear(&got);
	assert_ids(store_digest_items(s, id), "3,1");
	assert_int_equal(store_digest_find(s, "weekly-2", &got), 0);
	assert_int_equal(got.id, id2 - 1);
	digest_clear(&got);
	assert_int_equal(store_digest_find(s, "nope", &got), 1);
	assert_int_equal(store_digest_get(s, 999, &got), 1);
	store_close(s);
}

static void
test_schedule_once_per_week(void **state)
{
	struct store *s = open_fresh();
	struct digest d;
	int64_t id, again;

	(void)state;
	new_digest(&d, "weeknotes-2026-w42", "2026-W42");
	d.from_schedule = true;
	d.section = xstrdup("weeknotes");
	assert_int_equal(store_digest_add(s, &d, true, NULL, 0, &id), 0);
	assert_int_equal(store_digest_add(s, &d, true, NULL, 0, &again), 2);
	assert_int_equal(again, id);
	assert_int_equal(store_digest_scheduled(s, "weeknotes", "2026-W42", &again), 0);
	assert_int_equal(again, id);
	assert_int_equal(store_digest_scheduled(s, "weeknotes", "2026-W43", &again), 1);
	/* another section, or another week, is another digest */
	free(d.section);
	d.section = xstrdup("leaders");
	assert_int_equal(store_digest_add(s, &d, true, NULL, 0, &again), 0);
	assert_string_equal(d.slug, "weeknotes-2026-w42-2");
	free(d.week);
	d.week = xstrdup("2026-W43");
	assert_int_equal(store_digest_add(s, &d, true, NULL, 0, &again), 0);
	/* a hand-made digest for the same section and week is no obstacle */
	d.from_schedule = false;
	free(d.week);
	d.week = xstrdup("2026-W42");
	assert_int_equal(store_digest_add(s, &d, true, NULL, 0, &again), 0);
	digest_clear(&d);
	assert_query(s, "SELECT section, week, origin FROM digests ORDER BY id",
	    "weeknotes\t2026-W42\tschedule\nleaders\t2026-W42\tschedule\n"
	    "leaders\t2026-W43\tschedule\nleaders\t2026-W42\tmanual\n");
	/* the database itself refuses a second scheduled row */
	{
		struct buf b = BUF_INIT;
		assert_int_equal(store_query_text(s, "INSERT INTO digests (slug, title, week, section, origin, "
		    "created_at, updated_at) VALUES ('x', 'x', '2026-W42', 'weeknotes', 'schedule', 0, 0)", &b), -1);
		buf_free(&b);
	}
	store_close(s);
}

static void
test_items(void **state)
{
	struct store *s = open_fresh();
	struct digest d;
	int64_t id;
	json_t *items;

	(void)state;
	fill(s);
	new_digest(&d, "w", "2026-W42");
	assert_int_equal(store_digest_add(s, &d, false, NULL, 0, &id), 0);
	digest_clear(&d);
	assert_int_equal(store_digest_item_put(s, id, 1, "Good *one*", "<p>Good <em>one</em></p>", T0 + 10), 0);
	assert_int_equal(store_digest_item_put(s, id, 2, NULL, NULL, T0 + 11), 0);
	assert_int_equal(store_digest_item_put(s, id, 3, NULL, NULL, T0 + 12), 0);
	assert_int_equal(store_digest_item_put(s, id, 4, NULL, NULL, T0 + 13), 0);
	assert_int_equal(store_digest_item_put(s, id, 77, NULL, NULL, T0), 1);
	/* putting one again changes its note, not its place */
	assert_int_equal(store_digest_item_put(s, id, 2, "Roads", "<p>Roads</p>", T0 + 14), 0);
	assert_ids(store_digest_items(s, id), "1,2,3,4");
	assert_int_equal(store_digest_item_move(s, id, 4, 1, T0 + 20), 0);
	assert_ids(store_digest_items(s, id), "4,1,2,3");
	assert_int_equal(store_digest_item_move(s, id, 4, 3, T0 + 21), 0);
	assert_ids(store_digest_items(s, id), "1,2,4,3");
	assert_int_equal(store_digest_item_move(s, id, 1, 99, T0 + 22), 0);
	assert_ids(store_digest_items(s, id), "2,4,3,1");
	assert_int_equal(store_digest_item_move(s, id, 2, 0, T0 + 23), 0);
	assert_ids(store_digest_items(s, id), "2,4,3,1");
	assert_int_equal(store_digest_item_move(s, id, 5, 1, T0 + 24), 1);
	assert_int_equal(store_digest_item_remove(s, id, 4, T0 + 25), 0);
	assert_int_equal(store_digest_item_remove(s, id, 4, T0 + 26), 1);
	assert_query(s, "SELECT post_id, position FROM digest_items ORDER BY position",
	    "2\t1\n3\t2\n1\t3\n");
	items = store_digest_items(s, id);
	assert_int_equal(json_array_size(items), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "note")), "Roads");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 2), "note_html")),
	    "<p>Good <em>one</em></p>");
	assert_true(json_is_null(json_object_get(json_array_get(items, 1), "note")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 2), "position")), 3);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(items, 2),
	    "source"), "name")), "A");
	json_decref(items);
	assert_query(s, "SELECT updated_at FROM digests", "1791763225\n");
	/* a post deleted later drops out of what is shown */
	assert_query(s, "UPDATE posts SET status = 'deleted' WHERE id = 3", "");
	assert_ids(store_digest_items(s, id), "2,1");
	store_close(s);
}

static void
test_published_only(void **state)
{
	struct store *s = open_fresh();
	struct digest d;
	int64_t a, b;
	json_t *list;

	(void)state;
	new_digest(&d, "draft", "2026-W42");
	assert_int_equal(store_digest_add(s, &d, false, NULL, 0, &a), 0);
	digest_clear(&d);
	new_digest(&d, "live", "2026-W41");
	assert_int_equal(store_digest_add(s, &d, false, NULL, 0, &b), 0);
	d.id = b;
	d.status = DIGEST_PUBLISHED;
	d.published_at = T0 + 100;
	d.updated_at = T0 + 100;
	assert_int_equal(store_digest_save(s, &d), 0);
	/* a slug another digest has */
	free(d.slug);
	d.slug = xstrdup("draft");
	assert_int_equal(store_digest_save(s, &d), 1);
	digest_clear(&d);
	list = store_digests(s, true, 10);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "slug")), "live");
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "status")), "published");
	json_decref(list);
	list = store_digests(s, false, 10);
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);
	/* scheduled: due only once its time has come */
	assert_int_equal(store_digest_get(s, a, &d), 0);
	d.status = DIGEST_SCHEDULED;
	d.scheduled_at = T0 + 500;
	assert_int_equal(store_digest_save(s, &d), 0);
	digest_clear(&d);
	list = store_digests_due(s, T0 + 499);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	list = store_digests_due(s, T0 + 500);
	assert_int_equal(json_array_size(list), 1);
	assert_int_equal(json_integer_value(json_array_get(list, 0)), a);
	json_decref(list);
	store_close(s);
}

static void
test_candidates(void **state)
{
	struct store *s = open_fresh();
	struct digest_filter f;

	(void)state;
	fill(s);
	memset(&f, 0, sizeof(f));
	f.from = T0;
	f.to = T0 + 7 * 86400;
	assert_ids(store_digest_candidates(s, &f), "3,2,1");
	f.tag = "weeknotes";
	assert_ids(store_digest_candidates(s, &f), "3,1");
	f.source_id = 1;
	assert_ids(store_digest_candidates(s, &f), "1");
	f.source_id = 0;
	f.team = "web";
	assert_ids(store_digest_candidates(s, &f), "3");
	f.tag = NULL;
	f.team = NULL;
	f.search = "gardens";
	assert_ids(store_digest_candidates(s, &f), "1");
	f.search = "gardens OR rivers";
	assert_ids(store_digest_candidates(s, &f), "3,1");
	f.search = "\"unbalanced AND (";     /* not FTS5: searched as plain words */
	assert_ids(store_digest_candidates(s, &f), "");
	f.search = "rivers (";
	assert_ids(store_digest_candidates(s, &f), "3");
	f.search = "!!!";
	assert_ids(store_digest_candidates(s, &f), "");
	f.search = NULL;
	f.from = 0;
	f.to = 0;
	f.limit = 2;
	assert_ids(store_digest_candidates(s, &f), "5,3");
	store_close(s);
}

static void
test_sends(void **state)
{
	struct store *s = open_fresh();
	struct digest d;
	struct digest_send_counts n;
	const char *to[] = { "a@example.org", "b@example.org", "c@example.org" };
	int64_t id;
	json_t *due;

	(void)state;
	new_digest(&d, "w", "2026-W42");
	assert_int_equal(store_digest_add(s, &d, false, NULL, 0, &id), 0);
	digest_clear(&d);
	assert_int_equal(store_digest_send_counts(s, id, &n), 0);
	assert_int_equal(n.total, 0);
	assert_int_equal(store_digest_queue(s, id, to, 3, false, T0), 0);
	due = store_digest_sends_due(s, id, T0, 0);
	assert_int_equal(json_array_size(due), 3);
	json_decref(due);
	assert_int_equal(store_digest_send_done(s, id, "a@example.org", SEND_SENT, NULL, "<m1@x>", 0, T0 + 1), 0);
	assert_int_equal(store_digest_send_done(s, id, "b@example.org", SEND_PENDING, "451 later", NULL,
	    T0 + 60, T0 + 1), 0);
	assert_int_equal(store_digest_send_done(s, id, "c@example.org", SEND_FAILED, "550 no such user",
	    NULL, 0, T0 + 1), 0);
	/* b waits for its retry time; the any-digest form sees it too */
	due = store_digest_sends_due(s, id, T0 + 59, 0);
	assert_int_equal(json_array_size(due), 0);
	json_decref(due);
	due = store_digest_sends_due(s, 0, T0 + 60, 0);
	assert_int_equal(json_array_size(due), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(due, 0), "recipient")),
	    "b@example.org");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(due, 0), "attempts")), 1);
	json_decref(due);
	assert_int_equal(store_digest_send_counts(s, id, &n), 0);
	assert_int_equal(n.total, 3);
	assert_int_equal(n.sent, 1);
	assert_int_equal(n.pending, 1);
	assert_int_equal(n.failed, 1);
	assert_int_equal(n.last_sent_at, T0 + 1);
	/* queueing again: the failed one is pending again, the waiting one due now, the sent one stays */
	assert_int_equal(store_digest_queue(s, id, to, 3, false, T0 + 2), 0);
	assert_query(s, "SELECT recipient, status, attempts, coalesce(last_error, '-'), next_attempt_at "
	    "FROM digest_sends ORDER BY recipient",
	    "a@example.org\tsent\t1\t-\t0\nb@example.org\tpending\t1\t451 later\t1791763202\n"
	    "c@example.org\tpending\t0\t-\t1791763202\n");
	/* forced: the ones asked for again, even when sent */
	assert_int_equal(store_digest_send_done(s, id, "b@example.org", SEND_SENT, NULL, "<m2@x>", 0, T0 + 3), 0);
	assert_int_equal(store_digest_queue(s, id, to, 1, true, T0 + 3), 0);
	assert_query(s, "SELECT recipient, status FROM digest_sends ORDER BY recipient",
	    "a@example.org\tpending\nb@example.org\tsent\nc@example.org\tpending\n");
	assert_int_equal(store_digest_queue(s, id, to, 3, true, T0 + 4), 0);
	assert_query(s, "SELECT count(*) FROM digest_sends WHERE status = 'pending' AND next_attempt_at = "
	    "1791763204", "3\n");
	assert_int_equal(store_digest_scheduled(s, NULL, "2026-W42", &id), 1);
	due = store_digest_sends(s, id);
	assert_int_equal(json_array_size(due), 3);
	json_decref(due);
	store_close(s);
}

static void
test_unsubscribes(void **state)
{
	struct store *s = open_fresh();
	unsigned char key[32], zero[32];

	(void)state;
	assert_int_equal(store_digest_unsubscribed(s, "weekly", "Ann@Example.org"), 0);
	assert_int_equal(store_digest_unsubscribe(s, "weekly", "Ann@Example.org", T0), 0);
	assert_int_equal(store_digest_unsubscribe(s, "weekly", "ann@example.org", T0), 0);
	assert_int_equal(store_digest_unsubscribed(s, "weekly", "ANN@example.ORG"), 1);
	assert_int_equal(store_digest_unsubscribed(s, "other", "ann@example.org"), 0);
	assert_query(s, "SELECT count(*) FROM digest_unsubscribes", "1\n");
	memset(zero, 0, sizeof(zero));
	assert_int_equal(store_digest_key(s, key), 0);
	assert_memory_not_equal(key, zero, sizeof(key));
	store_close(s);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/crier.db", dir);
	return 0;
}

static int
teardown(void **state)
{
	char other[300];

	(void)state;
	unlink(path);
	snprintf(other, sizeof(other), "%s-wal", path);
	unlink(other);
	snprintf(other, sizeof(other), "%s-shm", path);
	unlink(other);
	rmdir(dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_slugs),
		cmocka_unit_test(test_schedule_once_per_week),
		cmocka_unit_test(test_items),
		cmocka_unit_test(test_published_only),
		cmocka_unit_test(test_candidates),
		cmocka_unit_test(test_sends),
		cmocka_unit_test(test_unsubscribes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
