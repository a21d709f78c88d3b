/*
 * store_search.c: the search index, in its own SQLite file.
 *
 * The index is the costliest part of storing a post: tokenizing every
 * word of it and merging the FTS5 segments.  Kept in the store's file it
 * held the write lock for all of that, with a plain-text copy of every
 * post to index and to make snippets from (posts.text, 36% of the bytes
 * written).  Here it lives in a second file beside the store, crier.db ->
 * crier-search.db, written on connections of its own while the store's
 * writer goes on:
 *
 *   - triggers in the store (migration 5) append the id of every post
 *     inserted, changed or deleted to search_queue;
 *   - an indexer reads the queue and the posts on a read-only connection
 *     to the store and writes the index on a second connection: each
 *     batch is one transaction there, which also records the last queue
 *     position indexed (progress.done_seq), so a crash loses nothing and
 *     two indexers never index the same change twice;
 *   - every store connection attaches the index file read-only as schema
 *     "search", so queries name posts_fts as before.  A read-only
 *     attachment takes no lock in a write transaction: the store's
 *     writer and the indexer never wait for each other.
 *
 * The index is contentless (it keeps no text): the text indexed is
 * html_to_text(content_html), else the summary, and a changed post is
 * indexed again under the same rowid, which supersedes its entry for
 * every word it still has.  Words it lost stay behind, so a search's
 * candidates are checked against their current text before they are
 * shown (store_search_verify(), which also makes the snippets), and a
 * deleted post drops out of the join with posts.  The file is derived
 * data: when it is missing, or was made for another store, the writer
 * creates it afresh and queues every post again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sanitize.h"
#include "store_int.h"
#include "util.h"

#define SEARCH_SCHEMA_VERSION 1

static const char search_schema[] =
	"CREATE TABLE IF NOT EXISTS progress (key TEXT PRIMARY KEY, value INTEGER NOT NULL) "
	"WITHOUT ROWID;\n"
	"CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts USING fts5(\n"
	"  title, text, author,\n"
	"  content='', columnsize=0, tokenize='unicode61 remove_diacritics 2'\n"
	");\n"
	"INSERT INTO posts_fts(posts_fts) VALUES ('delete-all');\n"
	/* bulk indexing merges segments less eagerly: 29% less CPU to index
	 * the bench corpus, searches unchanged (measured in bench/) */
	"INSERT INTO posts_fts(posts_fts, rank) VALUES ('automerge', 16);\n"
	"INSERT INTO posts_fts(posts_fts, rank) VALUES ('crisismerge', 64);\n";

enum {
	X_BEGIN, X_COMMIT, X_ROLLBACK, X_DONE, X_INSERT, X_MARK,
	X_COUNT
};

static const char *const ix_sql[X_COUNT] = {
	[X_BEGIN] = "BEGIN IMMEDIATE",
	[X_COMMIT] = "COMMIT",
	[X_ROLLBACK] = "ROLLBACK",
	[X_DONE] = "SELECT value FROM progress WHERE key = 'done_seq'",
	[X_INSERT] = "INSERT INTO posts_fts (rowid, title, text, author) VALUES (?1, ?2, ?3, ?4)",
	[X_MARK] = "UPDATE progress SET value = ?1 WHERE key = 'done_seq'",
};

static const char queue_sql[] =
	"SELECT q.seq, q.post_id, p.id, p.title, p.author, p.content_html, p.summary "
	"FROM search_queue q LEFT JOIN posts p ON p.id = q.post_id "
	"WHERE q.seq > ?1 ORDER BY q.seq LIMIT ?2";

struct store_indexer {
	sqlite3 *rd;            /* the store, read-only */
	sqlite3 *wr;            /* the index file */
	sqlite3_stmt *queue;
	sqlite3_stmt *st[X_COUNT];
	int64_t done;
	struct buf text;
};

/* crier.db -> crier-search.db; any other name gets -search.db appended. */
static char *
search_path(const char *store_path)
{
	size_t n = strlen(store_path);
	struct buf b = BUF_INIT;

	if (n > 3 && strcmp(store_path + n - 3, ".db") == 0)
		n -= 3;
	buf_append(&b, store_path, n);
	buf_puts(&b, "-search.db");
	return buf_steal(&b);
}

static int
exec_db(sqlite3 *db, const char *sql, struct buf *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	buf_printf(err, "%s", msg != NULL ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

static sqlite3 *
open_db(const char *path, int flags, struct buf *err)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		buf_printf(err, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	sqlite3_extended_result_codes(db, 1);
	return db;
}

static int64_t
query_int(sqlite3 *db, const char *sql, int64_t dflt)
{
	sqlite3_stmt *st;
	int64_t v = dflt;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return dflt;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * A new, half-made or foreign index file (the store was replaced beside
 * it): the schema, an empty index, and every post queued again.  The
 * progress mark is set below the re-queued posts first and the file is
 * marked complete last, so a crash in between only means doing it again.
 */
static int
search_create(struct store *s, sqlite3 *ix, int64_t store_id, struct buf *err)
{
	int64_t max = query_int(s->db, "SELECT coalesce(max(seq), 0) FROM search_queue", 0);
	char sql[200];

	if (exec_db(ix, "PRAGMA user_version = 0", err) == -1 ||
	    exec_db(ix, search_schema, err) == -1)
		return -1;
	snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO progress (key, value) "
	    "VALUES ('done_seq', %lld), ('store_id', %lld)", (long long)max, (long long)store_id);
	if (exec_db(ix, sql, err) == -1)
		return -1;
	if (exec_db(s->db, "BEGIN IMMEDIATE; "
	    "INSERT INTO search_queue (post_id) SELECT id FROM posts ORDER BY id; COMMIT", err) == -1) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SEARCH_SCHEMA_VERSION);
	return exec_db(ix, sql, err);
}

int
store_search_prepare(struct store *s, char **err)
{
	char *path = search_path(s->path);
	struct buf b = BUF_INIT;
	int64_t store_id;
	sqlite3 *ix;
	int v, rc = -1;

	ix = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &b);
	if (ix == NULL)
		goto out;
	if (exec_db(ix, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", &b) == -1)
		goto out;
	v = (int)query_int(ix, "PRAGMA user_version", -1);
	if (v > SEARCH_SCHEMA_VERSION) {
		buf_printf(&b, "the search index is at version %d, newer than this crier "
		    "knows (%d): upgrade crier", v, SEARCH_SCHEMA_VERSION);
		goto out;
	}
	store_id = query_int(s->db, "SELECT value FROM meta WHERE key = 'store_id'", 0);
	if (v < SEARCH_SCHEMA_VERSION ||
	    query_int(ix, "SELECT value FROM progress WHERE key = 'store_id'", -1) != store_id) {
		if (search_create(s, ix, store_id, &b) == -1)
			goto out;
		log_info("search index created; every post is queued for indexing", "path=%s",
		    log_quote(path));
	}
	rc = 0;
out:
	if (rc == -1) {
		struct buf m = BUF_INIT;
		buf_printf(&m, "search index %s: %s", path, buf_str(&b));
		*err = buf_steal(&m);
	}
	sqlite3_close(ix);
	buf_free(&b);
	free(path);
	return rc;
}

/* A path as an SQLite URI path: the characters URIs give a meaning escaped. */
static void
uri_path(struct buf *b, const char *path)
{
	const char *p;

	for (p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			buf_printf(b, "%%%02X", (unsigned char)*p);
		else
			buf_putc(b, *p);
	}
}

void
store_search_attach(struct store *s)
{
	char *path = search_path(s->path), *sql, *msg = NULL;
	struct buf uri = BUF_INIT;

	buf_puts(&uri, "file:");
	uri_path(&uri, path);
	buf_puts(&uri, "?mode=ro");
	sql = sqlite3_mprintf("ATTACH DATABASE %Q AS search", buf_str(&uri));
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_warn("search is unavailable: cannot read the search index", "path=%s error=%s",
		    log_quote(path), log_quote(msg));
		sqlite3_free(msg);
	}
	sqlite3_free(sql);
	buf_free(&uri);
	free(path);
}

/* ---------------------------------------------------------------- indexer */

struct store_indexer *
store_indexer_open(const char *store_path, char **err)
{
	struct store_indexer *ix = xcalloc(1, sizeof(*ix));
	char *path = search_path(store_path);
	struct buf b = BUF_INIT;
	int i;

	ix->rd = open_db(store_path, SQLITE_OPEN_READONLY, &b);
	if (ix->rd == NULL)
		goto fail;
	ix->wr = open_db(path, SQLITE_OPEN_READWRITE, &b);
	if (ix->wr == NULL)
		goto fail;
	/* a bigger page cache than SQLite's 2 MB default: the FTS5 segments
	 * of a bulk load stay in memory instead of being read back */
	if (exec_db(ix->wr, "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 8192; "
	    "PRAGMA cache_size = -16384", &b) == -1)
		goto fail;
	if (sqlite3_prepare_v3(ix->rd, queue_sql, -1, SQLITE_PREPARE_PERSISTENT, &ix->queue,
	    NULL) != SQLITE_OK) {
		buf_printf(&b, "%s", sqlite3_errmsg(ix->rd));
		goto fail;
	}
	for (i = 0; i < X_COUNT; i++) {
		if (sqlite3_prepare_v3(ix->wr, ix_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &ix->st[i],
		    NULL) != SQLITE_OK) {
			buf_printf(&b, "%s", sqlite3_errmsg(ix->wr));
			goto fail;
		}
	}
	free(path);
	return ix;
fail:
	buf_printf(&b, " (%s)", path);
	*err = buf_steal(&b);
	free(path);
	store_indexer_close(ix);
	return NULL;
}

void
store_indexer_close(struct store_indexer *ix)
{
	int i;

	if (ix == NULL)
		return;
	sqlite3_finalize(ix->queue);
	for (i = 0; i < X_COUNT; i++)
		sqlite3_finalize(ix->st[i]);
	sqlite3_close(ix->rd);
	sqlite3_close(ix->wr);
	buf_free(&ix->text);
	free(ix);
}

int64_t
store_indexer_done(const struct store_indexer *ix)
{
	return ix->done;
}

static int
ix_step(struct store_indexer *ix, int which)
{
	sqlite3_stmt *st = ix->st[which];
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	log_error("search index error", "sql=%s error=%s", log_quote(ix_sql[which]),
	    log_quote(sqlite3_errmsg(ix->wr)));
	return -1;
}

/* The post in the queue row's columns 2..6, indexed afresh. */
static int
index_post(struct store_indexer *ix, sqlite3_stmt *q)
{
	const char *html = (const char *)sqlite3_column_text(q, 5);
	sqlite3_stmt *st = ix->st[X_INSERT];
	int n;

	buf_reset(&ix->text);
	if (html != NULL) {
		n = sqlite3_column_bytes(q, 5);
		html_to_text(&ix->text, html, (size_t)n);
	} else if (sqlite3_column_type(q, 6) != SQLITE_NULL) {
		buf_append(&ix->text, sqlite3_column_text(q, 6), (size_t)sqlite3_column_bytes(q, 6));
	}
	sqlite3_bind_int64(st, 1, sqlite3_column_int64(q, 2));
	sqlite3_bind_value(st, 2, sqlite3_column_value(q, 3));
	sqlite3_bind_text(st, 3, buf_str(&ix->text), (int)ix->text.len, SQLITE_STATIC);
	sqlite3_bind_value(st, 4, sqlite3_column_value(q, 4));
	return ix_step(ix, X_INSERT);
}

int
store_indexer_run(struct store_indexer *ix, size_t max)
{
	sqlite3_stmt *q = ix->queue;
	int64_t last;
	int rc, n = 0;

	if (ix_step(ix, X_BEGIN) == -1)
		return -1;
	if (sqlite3_step(ix->st[X_DONE]) == SQLITE_ROW)
		ix->done = sqlite3_column_int64(ix->st[X_DONE], 0);
	sqlite3_reset(ix->st[X_DONE]);
	last = ix->done;
	sqlite3_bind_int64(q, 1, ix->done);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)max);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		last = sqlite3_column_int64(q, 0);
		if (sqlite3_column_type(q, 2) != SQLITE_NULL && index_post(ix, q) == -1)
			goto fail;
		n++;
	}
	if (rc != SQLITE_DONE) {
		log_error("search index: cannot read the queue", "error=%s",
		    log_quote(sqlite3_errmsg(ix->rd)));
		goto fail;
	}
	sqlite3_reset(q);
	if (n == 0) {
		ix_step(ix, X_ROLLBACK);
		return 0;
	}
	sqlite3_bind_int64(ix->st[X_MARK], 1, last);
	if (ix_step(ix, X_MARK) == -1 || ix_step(ix, X_COMMIT) == -1)
		goto fail_rolled;
	ix->done = last;
	return n;
fail:
	sqlite3_reset(q);
fail_rolled:
	if (!sqlite3_get_autocommit(ix->wr))
		ix_step(ix, X_ROLLBACK);
	return -1;
}

/* ---------------------------------------------------------------- queue */

int
store_search_queue_prune(struct store *s, int64_t done)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "DELETE FROM search_queue WHERE seq <= ?1", -1, &st,
	    NULL) != SQLITE_OK) {
		store_db_error(s, "search queue");
		return -1;
	}
	sqlite3_bind_int64(st, 1, done);
	if (store_begin(s) == -1) {
		sqlite3_finalize(st);
		return -1;
	}
	rc = store_step_done(s, st, "search queue");
	sqlite3_finalize(st);
	if (rc == -1) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s);
}

/* ---------------------------------------------------------------- checking candidates */

static const char check_create[] =
	"CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_check USING fts5(\n"
	"  title, text, author, tokenize='unicode61 remove_diacritics 2')";

/* FTS5's snippet, plain text with \1 and \2 around matches, as HTML. */
static void
snippet_html(struct buf *out, const char *t)
{
	const char *p;

	buf_reset(out);
	for (p = t != NULL ? t : ""; *p; p++) {
		if (*p == '\1')
			buf_puts(out, "<mark>");
		else if (*p == '\2')
			buf_puts(out, "</mark>");
		else
			html_escape(out, p, 1);
	}
}

static const char *
field(const json_t *post, const char *key)
{
	return json_string_value(json_object_get(post, key));
}

/* Fills the check table with the posts' current text. */
static int
check_fill(struct store *s, sqlite3_stmt *ins, const json_t *list, struct buf *text)
{
	const char *html, *summary;
	json_t *post;
	size_t i;
	int rc;

	json_array_foreach(list, i, post) {
		html = field(post, "content_html");
		summary = field(post, "summary");
		buf_reset(text);
		if (html != NULL)
			html_to_text(text, html, strlen(html));
		else if (summary != NULL)
			buf_puts(text, summary);
		sqlite3_bind_int64(ins, 1, json_integer_value(json_object_get(post, "id")));
		store_bind_text(ins, 2, field(post, "title"));
		sqlite3_bind_text(ins, 3, buf_str(text), (int)text->len, SQLITE_STATIC);
		store_bind_text(ins, 4, field(post, "author"));
		rc = sqlite3_step(ins);
		store_done(ins);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

int
store_search_verify(struct store *s, const char *match, json_t *list)
{
	sqlite3_stmt *ins = NULL, *sel = NULL;
	json_t *snippets = json_object(), *post;
	struct buf text = BUF_INIT;
	char key[24];
	size_t i;
	int rc = -1;

	if (json_array_size(list) == 0) {
		json_decref(snippets);
		return 0;
	}
	if (sqlite3_exec(s->db, check_create, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, "DELETE FROM temp.search_check", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO temp.search_check (rowid, title, text, author) "
	    "VALUES (?1, ?2, ?3, ?4)", -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT rowid, snippet(search_check, 1, char(1), char(2), "
	    "'…', 24) FROM temp.search_check WHERE search_check MATCH ?1", -1, &sel,
	    NULL) != SQLITE_OK)
		goto out;
	if (check_fill(s, ins, list, &text) == -1)
		goto out;
	store_bind_text(sel, 1, match);
	while (sqlite3_step(sel) == SQLITE_ROW) {
		snprintf(key, sizeof(key), "%lld", (long long)sqlite3_column_int64(sel, 0));
		snippet_html(&text, (const char *)sqlite3_column_text(sel, 1));
		json_object_set_new(snippets, key, json_string(buf_str(&text)));
	}
	/* keep the posts that still match, in their order */
	for (i = json_array_size(list); i-- > 0;) {
		post = json_array_get(list, i);
		snprintf(key, sizeof(key), "%lld",
		    (long long)json_integer_value(json_object_get(post, "id")));
		if (json_object_get(snippets, key) == NULL)
			json_array_remove(list, i);
		else
			json_object_set(post, "snippet_html", json_object_get(snippets, key));
	}
	rc = 0;
out:
	if (rc == -1)
		store_db_error(s, "search check");
	sqlite3_finalize(ins);
	sqlite3_finalize(sel);
	sqlite3_exec(s->db, "DELETE FROM temp.search_check", NULL, NULL, NULL);
	json_decref(snippets);
	buf_free(&text);
	return rc;
}
