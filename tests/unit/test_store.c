/* test_store.c: the SQLite store on real files: migrations, feeds,
 * posts (insert, update in place, unchanged), tags, search, and that a
 * failed feed write leaves nothing behind. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "config.h"
#include "store.h"
#include "util.h"

static char dir[] = "/tmp/crier-test-store-XXXXXX";
static char path[256];

/* the numbered migrations (store_schema.c), to build an older store */
extern const char *const store_migrations[];

/* Removes an SQLite file with its WAL and shared-memory files. */
static void
unlink_db(const char *file)
{
	char side[320];

	unlink(file);
	snprintf(side, sizeof(side), "%.300s-wal", file);
	unlink(side);
	snprintf(side, sizeof(side), "%.300s-shm", file);
	unlink(side);
}

/* A new store; a search index file left from the last test is noticed
 * and rebuilt (test_search_file checks that). */
static struct store *
open_fresh(void)
{
	char *err = NULL;
	struct store *s;

	unlink_db(path);
	s = store_open(path, STORE_WRITER, &err);
	if (s == NULL)
		fail_msg("store_open: %s", err);
	return s;
}

static char *
query(struct store *s, const char *sql)
{
	struct buf b = BUF_INIT;

	assert_int_equal(store_query_text(s, sql, &b), 0);
	return buf_steal(&b);
}

static void
assert_query(struct store *s, const char *sql, const char *want)
{
	char *got = query(s, sql);

	if (strcmp(got, want) != 0)
		fail_msg("%s\n got: [%s]\nwant: [%s]", sql, got, want);
	free(got);
}

/* How many posts a search shows (checked candidates). */
static int
search_hits(struct store *s, const char *q)
{
	const char *message;
	json_t *list = store_search(s, q, 50, 0, &message);
	int n = (int)json_array_size(list);

	json_decref(list);
	return n;
}

/* FTS5's own check of the index file (the store attaches it read-only). */
static void
search_integrity(const char *store_path)
{
	char file[300], *msg = NULL;
	sqlite3 *db;

	snprintf(file, sizeof(file), "%.*s-search.db", (int)strlen(store_path) - 3, store_path);
	assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
	if (sqlite3_exec(db, "INSERT INTO posts_fts(posts_fts) VALUES ('integrity-check')", NULL,
	    NULL, &msg) != SQLITE_OK)
		fail_msg("integrity-check: %s", msg);
	sqlite3_close(db);
}

/* content as the sanitizer would store it: escaped, in a paragraph */
static const char *
html_para(struct arena *a, const char *text)
{
	struct buf b = BUF_INIT;
	const char *p, *out;

	buf_puts(&b, "<p>");
	for (p = text; *p; p++) {
		if (*p == '&')
			buf_puts(&b, "&amp;");
		else if (*p == '<')
			buf_puts(&b, "&lt;");
		else if (*p == '>')
			buf_puts(&b, "&gt;");
		else
			buf_putc(&b, *p);
	}
	buf_puts(&b, "</p>");
	out = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return out;
}

static struct post *
mkpost(struct arena *a, const char *guid, const char *title, const char *content, int64_t published)
{
	struct post *p = arena_alloc(a, sizeof(*p));

	p->guid = arena_strdup(a, guid);
	p->url = arena_printf(a, "https://example.org/%s", guid);
	p->title = arena_strdup(a, title);
	p->content_html = html_para(a, content);
	p->search_text = arena_strdup(a, content);
	p->published_at = published;
	p->fetched_at = published + 60;
	util_sha256_hex(content, strlen(content), p->content_hash);
	return p;
}

static void
test_migrations(void **state)
{
	struct store *s = open_fresh();
	char *err = NULL;

	(void)state;
	assert_int_equal(store_schema_version(s), store_schema_latest());
	assert_int_equal(store_check(s), 0);
	assert_query(s, "PRAGMA journal_mode", "wal\n");
	store_close(s);
	/* reopening does not migrate again */
	s = store_open(path, STORE_WRITER, &err);
	assert_non_null(s);
	{
		char want[16];
		snprintf(want, sizeof(want), "%d\n", store_schema_latest());
		assert_query(s, "SELECT count(*) FROM schema_version", want);
	}
	store_close(s);
	/* a read-only connection refuses writes */
	s = store_open(path, STORE_READER, &err);
	assert_non_null(s);
	assert_int_equal(store_feed_add(s, "https://x.example/", NULL, NULL, NULL, NULL), -1);
	store_close(s);
}

static void
test_feeds(void **state)
{
	struct store *s = open_fresh();
	struct feed f;
	int64_t id, id2;

	(void)state;
	assert_int_equal(store_feed_add(s, "https://a.example/feed", "A", "x,y", NULL, &id), 0);
	assert_int_equal(store_feed_add(s, "https://a.example/feed", NULL, NULL, NULL, &id2), 1);
	assert_int_equal(id, id2);
	assert_int_equal(store_feed_get(s, id, &f), 0);
	assert_string_equal(f.url, "https://a.example/feed");
	assert_string_equal(feed_display_name(&f), "A");
	assert_string_equal(f.tags, "x,y");
	assert_true(f.active);
	assert_int_equal(f.origin, FEED_RUNTIME);
	feed_clear(&f);
	assert_int_equal(store_feed_get(s, 999, &f), 1);
	assert_int_equal(store_feed_remove(s, 999), 2);
	assert_int_equal(store_feed_remove(s, id), 0);
	assert_int_equal(store_feed_get(s, id, &f), 1);
	store_close(s);
}

static void
test_config_sync(void **state)
{
	struct store *s = open_fresh();
	struct config *cfg = config_defaults();
	struct config_feed cf[2];
	struct feed f;
	char *t1[] = { "council", NULL };

	(void)state;
	memset(cf, 0, sizeof(cf));
	cf[0].url = "https://one.example/feed";
	cf[0].name = "One";
	cf[0].tags = t1;
	cf[0].n_tags = 1;
	cf[1].url = "https://two.example/feed";
	cfg->feeds = cf;
	cfg->n_feeds = 2;
	assert_int_equal(store_sync_config(s, cfg), 0);
	assert_query(s, "SELECT url, name, tags, origin, active FROM feeds ORDER BY id",
	    "https://one.example/feed\tOne\tcouncil\tconfig\t1\n"
	    "https://two.example/feed\t\t\tconfig\t1\n");
	/* a config feed cannot be removed from the CLI */
	assert_int_equal(store_feed_find(s, "https://one.example/feed", &f), 0);
	assert_int_equal(store_feed_remove(s, f.id), 1);
	feed_clear(&f);
	/* dropped from the config: kept, inactive, not due */
	cfg->n_feeds = 1;
	assert_int_equal(store_sync_config(s, cfg), 0);
	assert_query(s, "SELECT url, active FROM feeds ORDER BY id",
	    "https://one.example/feed\t1\nhttps://two.example/feed\t0\n");
	/* and back again */
	cfg->n_feeds = 2;
	assert_int_equal(store_sync_config(s, cfg), 0);
	assert_query(s, "SELECT count(*) FROM feeds WHERE active", "2\n");
	cfg->feeds = NULL;
	cfg->n_feeds = 0;
	config_free(cfg);
	store_close(s);
}

static void
test_posts(void **state)
{
	struct store *s = open_fresh();
	struct arena *a = arena_new();
	struct feed_update u;
	struct save_stats st;
	struct post *posts[3];
	int64_t id;
	struct buf tags = BUF_INIT;

	(void)state;
	assert_int_equal(store_feed_add(s, "https://a.example/feed", NULL, NULL, NULL, &id), 0);
	posts[0] = mkpost(a, "p1", "Weeknotes 1", "first body about gardens", 1700000000);
	posts[1] = mkpost(a, "p2", "Second", "second body about rivers", 1700604800);
	post_add_tag(a, posts[0], "Weeknotes", TAG_RULE);
	post_add_tag(a, posts[0], "Open Data", TAG_FEED);
	memset(&u, 0, sizeof(u));
	u.feed_id = id;
	u.fetched_at = 1700100000;
	u.next_fetch_at = 1700101800;
	u.status = 200;
	u.success = true;
	u.set_validators = true;
	u.etag = "\"v1\"";
	u.title = "Feed A";
	assert_int_equal(store_feed_commit(s, &u, posts, 2, &st), 0);
	assert_int_equal(st.new_posts, 2);
	assert_int_equal(store_index_pending(s), 2);
	assert_query(s, "SELECT title, etag, last_status, error_count FROM feeds",
	    "Feed A\t\"v1\"\t200\t0\n");
	assert_query(s, "SELECT guid, title, week FROM posts ORDER BY id",
	    "p1\tWeeknotes 1\t2023-W46\np2\tSecond\t2023-W47\n");
	assert_int_equal(store_post_tags(s, posts[0]->id, &tags), 0);
	assert_string_equal(buf_str(&tags), "open-data,weeknotes");
	/* the same again: nothing changes */
	assert_int_equal(store_feed_commit(s, &u, posts, 2, &st), 0);
	assert_int_equal(st.unchanged_posts, 2);
	assert_int_equal(st.new_posts + st.updated_posts, 0);
	/* p2 changes: updated in place, never duplicated; search follows */
	posts[1] = mkpost(a, "p2", "Second, revised", "second body about mountains", 1700604800);
	posts[2] = mkpost(a, "p3", "Third", "third", 1700172800);
	assert_int_equal(store_feed_commit(s, &u, posts, 3, &st), 0);
	assert_int_equal(st.updated_posts, 1);
	assert_int_equal(st.new_posts, 1);
	assert_int_equal(st.unchanged_posts, 1);
	assert_query(s, "SELECT count(*) FROM posts", "3\n");
	assert_query(s, "SELECT title FROM posts WHERE guid = 'p2'", "Second, revised\n");
	/* the index follows when the indexer runs: p2's change and p3 wait */
	assert_query(s, "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'third'", "0\n");
	assert_query(s, "SELECT rowid FROM posts_fts WHERE posts_fts MATCH 'rivers'", "2\n");
	assert_int_equal(store_index_pending(s), 2);
	assert_query(s, "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'third'", "1\n");
	assert_query(s, "SELECT rowid FROM posts_fts WHERE posts_fts MATCH 'mountains'",
	    "2\n");
	/* the word p2 lost stays in the contentless index: a search checks its
	 * candidates against their current text */
	assert_query(s, "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'rivers'", "1\n");
	assert_int_equal(search_hits(s, "rivers"), 0);
	assert_int_equal(search_hits(s, "mountains"), 1);
	/* the index holds the text of the HTML, not its markup */
	assert_query(s, "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'p'", "0\n");
	search_integrity(path);
	buf_free(&tags);
	arena_free(a);
	store_close(s);
}

/*
 * The WAL is checkpointed by the store's own thread: after more than
 * 32 MB of posts the database file itself has grown (only a checkpoint
 * copies pages into it), while the writer never checkpointed (its
 * automatic checkpoints are off).
 */
static void
test_checkpoint_thread(void **state)
{
	struct store *s = open_fresh();
	struct arena *a = arena_new();
	struct post *posts[20];
	char guid[32], *body = malloc(100001);
	struct stat st;
	int batch, i, waited;

	(void)state;
	memset(body, 'w', 100000);
	body[100000] = '\0';
	for (batch = 0; batch < 20; batch++) {
		for (i = 0; i < 20; i++) {
			snprintf(guid, sizeof(guid), "big-%d-%d", batch, i);
			body[0] = (char)('a' + i);
			body[1] = (char)('a' + batch);
			posts[i] = mkpost(a, guid, guid, body, 1700000000 + batch * 100 + i);
		}
		assert_int_equal(store_feed_commit(s, NULL, posts, 20, NULL), 0);
	}
	/* 400 posts of 100 KB: 40 MB of WAL, past the 32 MB mark */
	for (waited = 0; waited < 100; waited++) {
		assert_int_equal(stat(path, &st), 0);
		if (st.st_size > 32 * 1024 * 1024)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
	}
	if (st.st_size <= 32 * 1024 * 1024)
		fail_msg("crier.db is %lld bytes after 40 MB of posts: no checkpoint ran",
		    (long long)st.st_size);
	free(body);
	arena_free(a);
	store_close(s);
}

static void
test_failure_is_atomic(void **state)
{
	struct store *s = open_fresh();
	struct arena *a = arena_new();
	struct feed_update u;
	struct post *posts[2];
	int64_t id;

	(void)state;
	assert_int_equal(store_feed_add(s, "https://a.example/feed", NULL, NULL, NULL, &id), 0);
	posts[0] = mkpost(a, "ok", "fine", "fine", 1700000000);
	posts[1] = mkpost(a, "bad", "broken", "broken", 1700000000);
	posts[1]->guid = NULL;          /* violates NOT NULL mid-feed */
	memset(&u, 0, sizeof(u));
	u.feed_id = id;
	u.fetched_at = 1700100000;
	u.status = 200;
	u.success = true;
	u.set_validators = true;
	u.etag = "\"new\"";
	assert_int_equal(store_feed_commit(s, &u, posts, 2, NULL), -1);
	assert_query(s, "SELECT count(*) FROM posts", "0\n");
	assert_query(s, "SELECT coalesce(etag, '-'), last_fetch_at FROM feeds", "-\t0\n");
	arena_free(a);
	store_close(s);
}

static void
test_failure_counts(void **state)
{
	struct store *s = open_fresh();
	struct feed_update u;
	int64_t id;

	(void)state;
	assert_int_equal(store_feed_add(s, "https://a.example/feed", NULL, NULL, NULL, &id), 0);
	memset(&u, 0, sizeof(u));
	u.feed_id = id;
	u.status = 500;
	u.error = "HTTP 500 Internal Server Error";
	u.fetched_at = 1000;
	assert_int_equal(store_feed_commit(s, &u, NULL, 0, NULL), 0);
	u.fetched_at = 2000;
	assert_int_equal(store_feed_commit(s, &u, NULL, 0, NULL), 0);
	assert_query(s, "SELECT error_count, failing_since, last_error FROM feeds",
	    "2\t1000\tHTTP 500 Internal Server Error\n");
	u.success = true;
	u.error = NULL;
	u.status = 304;
	u.fetched_at = 3000;
	assert_int_equal(store_feed_commit(s, &u, NULL, 0, NULL), 0);
	assert_query(s, "SELECT error_count, failing_since, last_success_at, coalesce(last_error, '-') FROM feeds",
	    "0\t0\t3000\t-\n");
	u.success = false;
	u.gone = true;
	u.status = 410;
	assert_int_equal(store_feed_commit(s, &u, NULL, 0, NULL), 0);
	assert_query(s, "SELECT gone FROM feeds", "1\n");
	assert_int_equal(store_next_due(s), INT64_MAX);     /* gone feeds are never due */
	store_close(s);
}


/* Fills a store with 3 feeds' posts across two weeks, a team and tags. */
static void
fill(struct store *s, struct arena *a)
{
	struct feed_update u;
	struct post *posts[30];
	int64_t feed_ids[3], team_id;
	int i, n = 0;

	assert_int_equal(store_team_upsert(s, "web", "Web team", "We build the web", &team_id), 0);
	for (i = 0; i < 3; i++) {
		char url[64];
		snprintf(url, sizeof(url), "https://f%d.example/feed", i);
		assert_int_equal(store_feed_add(s, url, i == 0 ? "Feed Zero" : NULL, NULL,
		    i == 2 ? "web" : NULL, &feed_ids[i]), 0);
	}
	memset(&u, 0, sizeof(u));
	u.success = true;
	u.status = 200;
	for (i = 0; i < 3; i++) {
		int k;
		n = 0;
		for (k = 0; k < 10; k++) {
			char guid[32], title[64], body[128];
			snprintf(guid, sizeof(guid), "f%d-%d", i, k);
			snprintf(title, sizeof(title), "%s %d from feed %d",
			    k % 3 == 0 ? "Weeknotes" : "Post", k, i);
			snprintf(body, sizeof(body), "body %d of feed %d about %s", k, i,
			    k % 2 ? "gardens" : "rivers & <lakes>");
			/* 2023-11-13 (Monday, W46) + k half-days + i minutes */
			posts[n] = mkpost(a, guid, title, body, 1699833600 + k * 43200 + i * 60);
			if (k % 3 == 0)
				post_add_tag(a, posts[n], "weeknotes", TAG_RULE);
			if (i == 2)
				posts[n]->team_id = team_id;
			n++;
		}
		u.feed_id = feed_ids[i];
		u.fetched_at = 1700500000;
		assert_int_equal(store_feed_commit(s, &u, posts, (size_t)n, NULL), 0);
	}
	assert_int_equal(store_index_pending(s), 30);
	assert_int_equal(store_index_pending(s), 0);
}

static int64_t
json_int(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void
test_read_lists(void **state)
{
	struct store *s = open_fresh();
	struct arena *a = arena_new();
	struct post_query q;
	json_t *list, *post, *last;
	bool missing;
	int64_t total = 0;

	(void)state;
	fill(s, a);
	memset(&q, 0, sizeof(q));
	q.list = LIST_RIVER;
	q.limit = 7;
	/* keyset pagination walks all 30 posts, newest first, no repeats */
	for (;;) {
		size_t i;
		list = store_posts(s, &q);
		assert_non_null(list);
		if (json_array_size(list) == 0) {
			json_decref(list);
			break;
		}
		for (i = 0; i + 1 < json_array_size(list); i++)
			assert_true(json_int(json_array_get(list, i), "published_at") >=
			    json_int(json_array_get(list, i + 1), "published_at"));
		total += (int64_t)json_array_size(list);
		last = json_array_get(list, json_array_size(list) - 1);
		q.before_time = json_int(last, "published_at");
		q.before_id = json_int(last, "id");
		json_decref(list);
	}
	assert_int_equal(total, 30);

	memset(&q, 0, sizeof(q));
	q.list = LIST_TAG;
	q.key = "weeknotes";
	list = store_posts(s, &q);
	assert_int_equal(json_array_size(list), 12);            /* k = 0,3,6,9 in 3 feeds */
	post = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(post, "tags"), 0), "slug")), "weeknotes");
	json_decref(list);

	q.list = LIST_SOURCE;
	q.id = 1;
	list = store_posts(s, &q);
	assert_int_equal(json_array_size(list), 10);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(list, 0), "source"), "name")), "Feed Zero");
	json_decref(list);

	q.list = LIST_TEAM;
	q.key = "web";
	list = store_posts(s, &q);
	assert_int_equal(json_array_size(list), 10);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(list, 0), "team"), "name")), "Web team");
	json_decref(list);

	/* week 46: weeknotes-tagged posts and every team post of that week */
	q.list = LIST_WEEK;
	q.key = "2023-W46";
	q.week_tag = "weeknotes";
	list = store_posts(s, &q);
	assert_int_equal(json_array_size(list), 8 + 10);        /* feeds 0,1: k=0,3,6,9; team: all 10 */
	json_decref(list);
	/* feed 1 has weeknotes but none in W47: it is quiet there; the team too */
	list = store_week_quiet(s, "2023-W47", "weeknotes");
	assert_int_equal(json_array_size(list), 3);
	json_decref(list);
	list = store_week_quiet(s, "2023-W46", "weeknotes");
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);

	post = store_post_get(s, 5, &missing);
	assert_non_null(post);
	assert_int_equal(json_int(post, "id"), 5);
	json_decref(post);
	assert_null(store_post_get(s, 9999, &missing));
	assert_true(missing);

	post = store_tag_get(s, "weeknotes");
	assert_int_equal(json_int(post, "post_count"), 12);
	json_decref(post);
	assert_null(store_tag_get(s, "nope"));
	post = store_team_get(s, "web");
	assert_string_equal(json_string_value(json_object_get(post, "description")), "We build the web");
	json_decref(post);
	list = store_sources(s);
	assert_int_equal(json_array_size(list), 3);
	json_decref(list);
	assert_int_equal(store_last_change(s), 1700500000);
	arena_free(a);
	store_close(s);
}

static void
test_search(void **state)
{
	static const struct { const char *q; int results; bool message; } cases[] = {
		{ "gardens", 15, false },
		{ "rivers", 15, false },
		{ "lakes", 15, false },
		{ "weeknotes", 12, false },
		{ "gardens OR rivers", 30, false },
		{ "\"feed 1\"", 10, false },
		{ "feed (", 30, false },               /* bad FTS syntax: words instead */
		{ "\"unbalanced", 0, false },
		{ "nothing-matches-this", 0, false },
		{ "***", 0, true },
		{ "", 0, true },
		{ "'; DROP TABLE posts; --", 0, false },
	};
	struct store *s = open_fresh();
	struct arena *a = arena_new();
	const char *message;
	json_t *list;
	size_t i;

	(void)state;
	fill(s, a);
	for (i = 0; i < NELEM(cases); i++) {
		list = store_search(s, cases[i].q, 50, 0, &message);
		if ((int)json_array_size(list) != cases[i].results || (message != NULL) != cases[i].message)
			fail_msg("search \"%s\": %zu results (want %d), message %s", cases[i].q,
			    json_array_size(list), cases[i].results, message ? message : "none");
		json_decref(list);
	}
	list = store_search(s, "lakes", 1, 0, &message);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "snippet_html")),
	    "body 8 of feed 2 about rivers &amp; &lt;<mark>lakes</mark>&gt;");
	json_decref(list);
	assert_query(s, "SELECT count(*) FROM posts", "30\n");
	arena_free(a);
	store_close(s);
}

/* How many posts a search shows, from a reader's connection. */
static void
search_count(const char *q, int want)
{
	char *err = NULL;
	struct store *s = store_open(path, STORE_READER, &err);

	if (s == NULL)
		fail_msg("store_open: %s", err);
	assert_int_equal(search_hits(s, q), want);
	store_close(s);
}

/*
 * The search index file: an older store (schema 4, index inside) moves
 * its posts to it; a deleted index file, or one left beside a new store,
 * is rebuilt from the posts; readers see it, attached.
 */
static void
test_search_file(void **state)
{
	char search[300], version[64], *err = NULL, *msg = NULL;
	struct store *s;
	sqlite3 *db;
	int i;

	(void)state;
	snprintf(search, sizeof(search), "%s/sub/crier-search.db", dir);
	/* a schema-4 store with two posts in its own index */
	s = open_fresh();
	store_close(s);
	unlink_db(path);
	unlink_db(search);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE schema_version (version INTEGER NOT NULL, "
	    "applied_at INTEGER NOT NULL)", NULL, NULL, NULL), SQLITE_OK);
	for (i = 0; i < 4; i++) {
		if (sqlite3_exec(db, store_migrations[i], NULL, NULL, &msg) != SQLITE_OK)
			fail_msg("migration %d: %s", i + 1, msg);
		snprintf(version, sizeof(version), "INSERT INTO schema_version VALUES (%d, 0)", i + 1);
		assert_int_equal(sqlite3_exec(db, version, NULL, NULL, NULL), SQLITE_OK);
	}
	assert_int_equal(sqlite3_exec(db,
	    "INSERT INTO posts (guid, title, content_html, text, published_at, updated_at, "
	    "fetched_at, week, content_hash) VALUES "
	    "('a', 'Otters', '<p>by the river</p>', 'by the river', 1, 1, 1, '1970-W01', 'x'), "
	    "('b', 'Badgers', NULL, 'in the wood', 2, 2, 2, '1970-W01', 'y');"
	    "INSERT INTO posts_fts(rowid, title, text, author) SELECT id, title, text, author FROM posts;"
	    "UPDATE meta SET value = 2 WHERE key = 'fts_upto'", NULL, NULL, &msg), SQLITE_OK);
	sqlite3_close(db);
	s = store_open(path, STORE_WRITER, &err);
	if (s == NULL)
		fail_msg("store_open: %s", err);
	assert_query(s, "SELECT count(*) FROM posts WHERE text IS NOT NULL", "0\n");
	assert_int_equal(store_index_pending(s), 2);
	search_count("river", 1);
	search_count("otters", 1);
	search_count("wood", 0);         /* text-only content: only the summary is indexed */
	/* a change is indexed again, a deleted post leaves the index */
	assert_query(s, "UPDATE posts SET content_html = '<p>by the sea</p>' WHERE guid = 'a'", "");
	assert_query(s, "DELETE FROM posts WHERE guid = 'b'", "");
	assert_int_equal(store_index_pending(s), 2);
	search_count("river", 0);
	search_count("sea", 1);
	search_count("badgers", 0);
	/* text-typed content (a JSON Feed content_text) is stored as escaped
	 * paragraphs, so it is shown and found */
	{
		struct arena *a = arena_new();
		struct post *p = mkpost(a, "c", "Voles", "", 3);
		p->content_html = NULL;
		p->search_text = NULL;
		p->content_text = "Voles & <stoats>\n\nby the hedge";
		assert_int_equal(store_feed_commit(s, NULL, &p, 1, NULL), 0);
		assert_query(s, "SELECT content_html FROM posts WHERE guid = 'c'",
		    "<p>Voles &amp; &lt;stoats&gt;</p><p>by the hedge</p>\n");
		assert_int_equal(store_index_pending(s), 1);
		search_count("hedge", 1);
		search_count("stoats", 1);
		arena_free(a);
	}
	store_close(s);
	/* the index file deleted: rebuilt when the store opens */
	unlink_db(search);
	s = store_open(path, STORE_WRITER, &err);
	assert_non_null(s);
	search_count("sea", 0);
	assert_int_equal(store_index_pending(s), 2);
	search_count("sea", 1);
	search_count("hedge", 1);
	store_close(s);
	/* a new store beside the old index file: the old posts are not found */
	s = open_fresh();
	assert_int_equal(store_index_pending(s), 0);
	search_count("sea", 0);
	store_close(s);
	search_integrity(path);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/sub/crier.db", dir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrations),
		cmocka_unit_test(test_feeds),
		cmocka_unit_test(test_config_sync),
		cmocka_unit_test(test_posts),
		cmocka_unit_test(test_failure_is_atomic),
		cmocka_unit_test(test_checkpoint_thread),
		cmocka_unit_test(test_failure_counts),
		cmocka_unit_test(test_read_lists),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_search_file),
	};
	return cmocka_run_group_tests_name("store", tests, setup, teardown);
}
