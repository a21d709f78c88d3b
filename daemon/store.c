/*
 * store.c: SQLite behind store.h; the only file that includes sqlite3.h.
 *
 * Statements are prepared once per connection, from the table below,
 * and reset after each use.  Writes happen in explicit transactions; a
 * feed's fetch record and all its posts are one transaction, so a crash
 * mid-feed leaves either all of it or none.
 */
#include "store.h"
#include "sanitize.h"
#include "store_int.h"
#include "config.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

extern const char *const store_migrations[];
extern const int store_migrations_count;

/* Prepared statements, by name.  Their SQL is in stmt_sql[] below. */
enum stmt {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_DATA_VERSION,
	S_FEED_INSERT, S_FEED_BY_ID, S_FEED_BY_URL, S_FEEDS_ALL, S_FEEDS_DUE, S_FEEDS_DUE_ALL,
	S_NEXT_DUE, S_FEED_DELETE, S_FEED_FETCHED, S_FEED_URL,
	S_FEED_CONFIG_UPSERT, S_FEEDS_CONFIG_DEACTIVATE,
	S_TEAM_UPSERT, S_TEAM_ID,
	S_POST_FIND, S_POST_INSERT, S_POST_UPDATE,
	S_TAG_INSERT, S_TAG_ID, S_POST_TAG_INSERT, S_POST_TAGS_CLEAR, S_POST_TAGS,
	S_COUNT
};

#define FEED_COLUMNS \
	"f.id, f.url, f.name, f.title, f.site_url, f.etag, f.last_modified, f.body_hash, " \
	"f.tags, t.slug, f.last_error, f.interval, f.next_fetch_at, f.last_fetch_at, " \
	"f.last_success_at, f.failing_since, f.error_count, f.last_status, " \
	"(SELECT count(*) FROM posts p WHERE p.feed_id = f.id), f.created_at, f.gone, " \
	"f.active, f.origin, f.team_id "
#define FEED_FROM " FROM feeds f LEFT JOIN teams t ON t.id = f.team_id "

_Static_assert(S_COUNT <= STORE_WRITE_STMTS, "raise STORE_WRITE_STMTS");

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_DATA_VERSION] = "PRAGMA data_version",
	[S_FEED_INSERT] =
	    "INSERT INTO feeds (url, name, tags, team_id, created_at, next_fetch_at) "
	    "VALUES (?1, ?2, ?3, (SELECT id FROM teams WHERE slug = ?4), ?5, 0) "
	    "ON CONFLICT (url) DO NOTHING",
	[S_FEED_BY_ID] = "SELECT " FEED_COLUMNS FEED_FROM "WHERE f.id = ?1",
	[S_FEED_BY_URL] = "SELECT " FEED_COLUMNS FEED_FROM "WHERE f.url = ?1",
	[S_FEEDS_ALL] = "SELECT " FEED_COLUMNS FEED_FROM "ORDER BY f.id",
	/* post_count is not needed to poll; skip the subquery's cost */
	[S_FEEDS_DUE] =
	    "SELECT f.id, f.url, f.name, f.title, f.site_url, f.etag, f.last_modified, f.body_hash, "
	    "f.tags, t.slug, f.last_error, f.interval, f.next_fetch_at, f.last_fetch_at, "
	    "f.last_success_at, f.failing_since, f.error_count, f.last_status, 0, f.created_at, "
	    "f.gone, f.active, f.origin, f.team_id" FEED_FROM
	    "WHERE f.active AND NOT f.gone AND f.next_fetch_at <= ?1 ORDER BY f.next_fetch_at, f.id",
	[S_FEEDS_DUE_ALL] =
	    "SELECT f.id, f.url, f.name, f.title, f.site_url, f.etag, f.last_modified, f.body_hash, "
	    "f.tags, t.slug, f.last_error, f.interval, f.next_fetch_at, f.last_fetch_at, "
	    "f.last_success_at, f.failing_since, f.error_count, f.last_status, 0, f.created_at, "
	    "f.gone, f.active, f.origin, f.team_id" FEED_FROM
	    "WHERE f.active AND NOT f.gone ORDER BY f.id",
	[S_NEXT_DUE] = "SELECT min(next_fetch_at) FROM feeds WHERE active AND NOT gone",
	[S_FEED_DELETE] = "DELETE FROM feeds WHERE id = ?1",
	[S_FEED_FETCHED] =
	    "UPDATE feeds SET last_fetch_at = ?2, next_fetch_at = ?3, last_status = ?4, "
	    "last_error = ?5, "
	    "error_count = CASE WHEN ?6 THEN 0 ELSE error_count + 1 END, "
	    "failing_since = CASE WHEN ?6 THEN 0 WHEN failing_since = 0 THEN ?2 ELSE failing_since END, "
	    "last_success_at = CASE WHEN ?6 THEN ?2 ELSE last_success_at END, "
	    "gone = ?7, "
	    "etag = CASE WHEN ?8 THEN ?9 ELSE etag END, "
	    "last_modified = CASE WHEN ?8 THEN ?10 ELSE last_modified END, "
	    "body_hash = coalesce(?11, body_hash), "
	    "title = coalesce(?12, title), site_url = coalesce(?13, site_url) "
	    "WHERE id = ?1",
	[S_FEED_URL] = "UPDATE OR IGNORE feeds SET url = ?2 WHERE id = ?1",
	[S_FEED_CONFIG_UPSERT] =
	    "INSERT INTO feeds (url, name, tags, team_id, interval, origin, active, created_at) "
	    "VALUES (?1, ?2, ?3, (SELECT id FROM teams WHERE slug = ?4), ?5, 'config', 1, ?6) "
	    "ON CONFLICT (url) DO UPDATE SET name = excluded.name, tags = excluded.tags, "
	    "team_id = excluded.team_id, interval = excluded.interval, origin = 'config', "
	    "active = 1, gone = CASE WHEN feeds.active THEN feeds.gone ELSE 0 END",
	[S_FEEDS_CONFIG_DEACTIVATE] =
	    "UPDATE feeds SET active = 0 WHERE origin = 'config' AND active "
	    "AND url NOT IN (SELECT value FROM json_each(?1))",
	[S_TEAM_UPSERT] =
	    "INSERT INTO teams (slug, name, description, created_at) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (slug) DO UPDATE SET name = excluded.name, description = excluded.description",
	[S_TEAM_ID] = "SELECT id FROM teams WHERE slug = ?1",
	[S_POST_FIND] = "SELECT id, content_hash FROM posts WHERE feed_id IS ?1 AND guid = ?2",
	[S_POST_INSERT] =
	    "INSERT INTO posts (feed_id, team_id, guid, url, title, author, authors, content_html, "
	    "summary, summary_html, published_at, updated_at, fetched_at, week, "
	    "content_hash, kind, status, slug, markdown, properties) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
	    "?17, ?18, ?19, ?20, ?22)",
	[S_POST_UPDATE] =
	    "UPDATE posts SET url = ?4, title = ?5, author = ?6, authors = ?7, content_html = ?8, "
	    "summary = ?10, summary_html = ?11, published_at = ?12, updated_at = ?13, "
	    "week = ?15, content_hash = ?16, status = ?18, slug = ?19, markdown = ?20, "
	    "properties = coalesce(?22, properties) WHERE id = ?21",
	[S_TAG_INSERT] = "INSERT INTO tags (slug, label) VALUES (?1, ?2) ON CONFLICT (slug) DO NOTHING",
	[S_TAG_ID] = "SELECT id FROM tags WHERE slug = ?1",
	[S_POST_TAG_INSERT] =
	    "INSERT INTO post_tags (post_id, tag_id, origin) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT DO NOTHING",
	[S_POST_TAGS_CLEAR] =
	    "DELETE FROM post_tags WHERE post_id = ?1 AND (?2 OR origin IN ('feed', 'rule', 'plugin'))",
	[S_POST_TAGS] =
	    "SELECT t.slug FROM post_tags pt JOIN tags t ON t.id = pt.tag_id "
	    "WHERE pt.post_id = ?1 ORDER BY t.slug",
};

/* ---------------------------------------------------------------- basics */

void
store_db_error(struct store *s, const char *what)
{
	log_error("database error", "what=%s error=%s", log_quote(what),
	    log_quote(sqlite3_errmsg(s->db)));
}

static sqlite3_stmt *
stmt(struct store *s, enum stmt which)
{
	if (s->stmt[which] == NULL &&
	    sqlite3_prepare_v3(s->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
	    &s->stmt[which], NULL) != SQLITE_OK) {
		store_db_error(s, stmt_sql[which]);
		return NULL;
	}
	return s->stmt[which];
}

void
store_done(sqlite3_stmt *st)
{
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

void
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

char *
store_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t == NULL ? NULL : xstrdup((const char *)t);
}

json_t *
store_col_json_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? json_string((const char *)t) : json_null();
}

json_t *
store_collect(struct store *s, sqlite3_stmt *st, json_t *(*row)(sqlite3_stmt *st), const char *what)
{
	json_t *list = json_array();
	int rc;

	for (rc = sqlite3_step(st); rc == SQLITE_ROW; rc = sqlite3_step(st))
		json_array_append_new(list, row(st));
	store_done(st);
	if (rc != SQLITE_DONE) {
		store_db_error(s, what);
		json_decref(list);
		return NULL;
	}
	return list;
}

int
store_step_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	store_done(st);
	if (rc != SQLITE_DONE) {
		store_db_error(s, what);
		return -1;
	}
	s->own_writes++;
	return 0;
}

int
store_step_row(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 0;
	store_done(st);
	if (rc == SQLITE_DONE)
		return 1;
	store_db_error(s, what);
	return -1;
}

/* Runs a statement that returns no rows. */
static int
exec_stmt(struct store *s, enum stmt which)
{
	sqlite3_stmt *st = stmt(s, which);
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	store_done(st);
	if (rc != SQLITE_DONE) {
		store_db_error(s, stmt_sql[which]);
		return -1;
	}
	return 0;
}

static int
exec_sql(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("database error", "sql=%s error=%s", log_quote(sql), log_quote(msg));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
begin(struct store *s)
{
	return exec_stmt(s, S_BEGIN);
}

static void rollback(struct store *s);

static int
commit(struct store *s)
{
	if (exec_stmt(s, S_COMMIT) == -1) {
		rollback(s);
		return -1;
	}
	s->own_writes++;
	return 0;
}

static void tag_cache_clear(struct store *s);
static void rollback(struct store *s);

int
store_begin(struct store *s)
{
	return begin(s);
}

int
store_commit(struct store *s)
{
	return commit(s);
}

void
store_rollback(struct store *s)
{
	rollback(s);
}

static void
rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		exec_stmt(s, S_ROLLBACK);
	tag_cache_clear(s);     /* a tag inserted in the undone transaction is gone */
}

/* ---------------------------------------------------------------- open */

static int
migrate(struct store *s, char **err)
{
	int version = store_schema_version(s), i;
	char *msg = NULL;
	struct buf b = BUF_INIT;

	if (version > store_migrations_count) {
		buf_printf(&b, "the database is at schema version %d, newer than this crier "
		    "knows (%d): upgrade crier", version, store_migrations_count);
		*err = buf_steal(&b);
		return -1;
	}
	for (i = version; i < store_migrations_count; i++) {
		buf_reset(&b);
		buf_printf(&b, "BEGIN IMMEDIATE;\n%s\n"
		    "INSERT INTO schema_version (version, applied_at) VALUES (%d, %lld);\nCOMMIT;",
		    store_migrations[i], i + 1, (long long)util_now());
		if (sqlite3_exec(s->db, buf_str(&b), NULL, NULL, &msg) != SQLITE_OK) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			buf_reset(&b);
			buf_printf(&b, "migration %d failed: %s", i + 1, msg ? msg : "?");
			sqlite3_free(msg);
			*err = buf_steal(&b);
			return -1;
		}
		log_info("database migrated", "version=%d", i + 1);
	}
	buf_free(&b);
	return 0;
}

static int
mkdir_p(const char *dir)
{
	char *copy = xstrdup(dir), *p;
	int rc = 0;

	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0750) == -1 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	if (mkdir(copy, 0750) == -1 && errno != EEXIST)
		rc = -1;
	free(copy);
	return rc;
}

/*
 * Once per process, before SQLite starts: its memory statistics off.
 * With them on (the default) every allocation SQLite makes takes a
 * process-wide mutex, which the writer, the indexer and the readers all
 * contend for; crier never reads the statistics.  If SQLite was already
 * started by someone else this does nothing (SQLITE_MISUSE, ignored).
 */
static void
sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct store *
store_open(const char *path, enum store_mode mode, char **err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	struct store *s = xcalloc(1, sizeof(*s));
	struct buf b = BUF_INIT;
	char *msg = NULL;
	int flags;

	pthread_once(&once, sqlite_setup);
	*err = NULL;
	s->mode = mode;
	s->path = xstrdup(path);
	if (mode == STORE_WRITER) {
		char *dir = xstrdup(path), *slash = strrchr(dir, '/');
		if (slash != NULL && slash != dir) {
			*slash = '\0';
			if (mkdir_p(dir) == -1) {
				buf_printf(&b, "cannot create %s: %s", dir, strerror(errno));
				free(dir);
				goto fail;
			}
		}
		free(dir);
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	} else {
		flags = SQLITE_OPEN_READONLY;
	}
	flags |= SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;   /* one connection per thread */
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		buf_printf(&b, "cannot open %s: %s", path,
		    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	sqlite3_extended_result_codes(s->db, 1);
	if (mode == STORE_WRITER) {
		/* checkpoints sync the disk: every 32 MB of WAL rather than SQLite's
		 * default 4 MB cuts a cold fetch of the 1,000-feed bench corpus from
		 * 340 fdatasync calls (3.9 s here) to a tenth of that */
		if (exec_sql(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
		    "PRAGMA wal_autocheckpoint = 8192; "
		    "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; "
		    "CREATE TABLE IF NOT EXISTS schema_version ("
		    "version INTEGER NOT NULL, applied_at INTEGER NOT NULL)") == -1) {
			buf_printf(&b, "cannot set up %s: %s", path, sqlite3_errmsg(s->db));
			goto fail;
		}
		if (migrate(s, err) == -1)
			goto fail_err;
		if (store_search_prepare(s, err) == -1)
			goto fail_err;
		s->ckpt = store_checkpointer_start(s->db, path, &msg);
		if (s->ckpt == NULL) {
			log_warn("checkpoints stay on the writer's thread", "error=%s", log_quote(msg));
			free(msg);
		}
	} else {
		/* read-only by its open flags; temp tables (store_search_verify) stay writable */
		exec_sql(s, "PRAGMA temp_store = MEMORY");
	}
	store_search_attach(s);
	return s;
fail:
	*err = buf_steal(&b);
fail_err:
	buf_free(&b);
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	for (i = 0; i < STORE_READ_STMTS; i++)
		sqlite3_finalize(s->read_stmt[i]);
	for (i = 0; i < STORE_LOCAL_STMTS; i++)
		sqlite3_finalize(s->local_stmt[i]);
	for (i = 0; i < STORE_DIGEST_STMTS; i++)
		sqlite3_finalize(s->digest_stmt[i]);
	tag_cache_clear(s);
	store_indexer_close(s->indexer);
	store_checkpointer_stop(s->ckpt, s->db);
	if (s->db != NULL) {
		if (s->mode == STORE_WRITER)
			sqlite3_exec(s->db, "PRAGMA optimize", NULL, NULL, NULL);
		sqlite3_close(s->db);
	}
	free(s->path);
	free(s);
}

int
store_schema_latest(void)
{
	return store_migrations_count;
}

int
store_schema_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT max(version) FROM schema_version", -1, &st,
	    NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int64_t
store_generation(struct store *s)
{
	sqlite3_stmt *st = stmt(s, S_DATA_VERSION);
	int64_t v = 0;

	/* PRAGMA data_version looks at the file each time; the file-control
	 * variant only moves when this connection starts a read */
	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	store_done(st);
	return (v << 32) + s->own_writes;
}

/* ---------------------------------------------------------------- feeds */

void
feed_clear(struct feed *f)
{
	free(f->url);
	free(f->name);
	free(f->title);
	free(f->site_url);
	free(f->etag);
	free(f->last_modified);
	free(f->body_hash);
	free(f->tags);
	free(f->team);
	free(f->last_error);
	memset(f, 0, sizeof(*f));
}

const char *
feed_display_name(const struct feed *f)
{
	if (f->name != NULL && *f->name)
		return f->name;
	if (f->title != NULL && *f->title)
		return f->title;
	return f->url;
}

/* Fills f from a row of FEED_COLUMNS. */
static void
feed_from_row(sqlite3_stmt *st, struct feed *f)
{
	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	f->url = store_col_dup(st, 1);
	f->name = store_col_dup(st, 2);
	f->title = store_col_dup(st, 3);
	f->site_url = store_col_dup(st, 4);
	f->etag = store_col_dup(st, 5);
	f->last_modified = store_col_dup(st, 6);
	f->body_hash = store_col_dup(st, 7);
	f->tags = store_col_dup(st, 8);
	f->team = store_col_dup(st, 9);
	f->last_error = store_col_dup(st, 10);
	f->interval = sqlite3_column_int64(st, 11);
	f->next_fetch_at = sqlite3_column_int64(st, 12);
	f->last_fetch_at = sqlite3_column_int64(st, 13);
	f->last_success_at = sqlite3_column_int64(st, 14);
	f->failing_since = sqlite3_column_int64(st, 15);
	f->error_count = sqlite3_column_int64(st, 16);
	f->last_status = sqlite3_column_int64(st, 17);
	f->post_count = sqlite3_column_int64(st, 18);
	f->created_at = sqlite3_column_int64(st, 19);
	f->gone = sqlite3_column_int(st, 20) != 0;
	f->active = sqlite3_column_int(st, 21) != 0;
	f->origin = strcmp((const char *)sqlite3_column_text(st, 22), "config") == 0 ?
	    FEED_CONFIG : FEED_RUNTIME;
	f->team_id = sqlite3_column_int64(st, 23);
}

int
store_team_upsert(struct store *s, const char *slug, const char *name,
    const char *description, int64_t *id_out)
{
	sqlite3_stmt *st = stmt(s, S_TEAM_UPSERT);
	int rc;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, slug);
	store_bind_text(st, 2, name);
	store_bind_text(st, 3, description);
	sqlite3_bind_int64(st, 4, util_now());
	rc = sqlite3_step(st);
	store_done(st);
	if (rc != SQLITE_DONE) {
		store_db_error(s, "team upsert");
		return -1;
	}
	if (id_out != NULL) {
		st = stmt(s, S_TEAM_ID);
		store_bind_text(st, 1, slug);
		*id_out = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		store_done(st);
	}
	s->own_writes++;
	return 0;
}

static int
feed_lookup(struct store *s, enum stmt which, int64_t id, const char *url, struct feed *out)
{
	sqlite3_stmt *st = stmt(s, which);
	int rc;

	if (st == NULL)
		return -1;
	if (url != NULL)
		store_bind_text(st, 1, url);
	else
		sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		feed_from_row(st, out);
	store_done(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	store_db_error(s, "feed lookup");
	return -1;
}

int
store_feed_get(struct store *s, int64_t id, struct feed *out)
{
	return feed_lookup(s, S_FEED_BY_ID, id, NULL, out);
}

int
store_feed_find(struct store *s, const char *url, struct feed *out)
{
	return feed_lookup(s, S_FEED_BY_URL, 0, url, out);
}

int
store_feed_add(struct store *s, const char *url, const char *name, const char *tags,
    const char *team, int64_t *id_out)
{
	sqlite3_stmt *st = stmt(s, S_FEED_INSERT);
	struct feed f;
	int rc, changed;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, url);
	store_bind_text(st, 2, name);
	store_bind_text(st, 3, tags);
	store_bind_text(st, 4, team);
	sqlite3_bind_int64(st, 5, util_now());
	rc = sqlite3_step(st);
	changed = sqlite3_changes(s->db);
	store_done(st);
	if (rc != SQLITE_DONE) {
		store_db_error(s, "feed insert");
		return -1;
	}
	s->own_writes++;
	if (store_feed_find(s, url, &f) != 0)
		return -1;
	if (id_out != NULL)
		*id_out = f.id;
	feed_clear(&f);
	return changed ? 0 : 1;
}

static void
json_list_append(struct buf *b, const char *s, bool first)
{
	if (!first)
		buf_putc(b, ',');
	util_json_string(b, s);
}

int
store_sync_config(struct store *s, const struct config *cfg)
{
	struct buf urls = BUF_INIT, tags = BUF_INIT;
	sqlite3_stmt *st;
	size_t i, j;
	int rc;

	if (begin(s) == -1)
		return -1;
	for (i = 0; i < cfg->n_teams; i++) {
		if (store_team_upsert(s, cfg->teams[i].slug, cfg->teams[i].name,
		    cfg->teams[i].description, NULL) == -1)
			goto fail;
	}
	buf_putc(&urls, '[');
	for (i = 0; i < cfg->n_feeds; i++) {
		const struct config_feed *cf = &cfg->feeds[i];
		buf_reset(&tags);
		for (j = 0; j < cf->n_tags; j++)
			buf_printf(&tags, "%s%s", j ? "," : "", cf->tags[j]);
		st = stmt(s, S_FEED_CONFIG_UPSERT);
		if (st == NULL)
			goto fail;
		store_bind_text(st, 1, cf->url);
		store_bind_text(st, 2, cf->name);
		store_bind_text(st, 3, tags.len ? buf_str(&tags) : NULL);
		store_bind_text(st, 4, cf->team);
		sqlite3_bind_int64(st, 5, cf->interval);
		sqlite3_bind_int64(st, 6, util_now());
		rc = sqlite3_step(st);
		store_done(st);
		if (rc != SQLITE_DONE) {
			store_db_error(s, "config feed upsert");
			goto fail;
		}
		json_list_append(&urls, cf->url, i == 0);
	}
	buf_putc(&urls, ']');
	st = stmt(s, S_FEEDS_CONFIG_DEACTIVATE);
	if (st == NULL)
		goto fail;
	store_bind_text(st, 1, buf_str(&urls));
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE && sqlite3_changes(s->db) > 0)
		log_info("feeds removed from the config are no longer polled (posts kept)",
		    "feeds=%d", sqlite3_changes(s->db));
	store_done(st);
	if (rc != SQLITE_DONE) {
		store_db_error(s, "config feed deactivate");
		goto fail;
	}
	buf_free(&urls);
	buf_free(&tags);
	return commit(s);
fail:
	rollback(s);
	buf_free(&urls);
	buf_free(&tags);
	return -1;
}

int
store_feed_remove(struct store *s, int64_t id)
{
	struct feed f;
	sqlite3_stmt *st;
	int rc;

	rc = store_feed_get(s, id, &f);
	if (rc != 0)
		return rc == 1 ? 2 : -1;
	if (f.origin == FEED_CONFIG && f.active) {
		feed_clear(&f);
		return 1;
	}
	feed_clear(&f);
	if (begin(s) == -1)
		return -1;
	st = stmt(s, S_FEED_DELETE);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	store_done(st);
	if (rc != SQLITE_DONE) {
		store_db_error(s, "feed delete");
		rollback(s);
		return -1;
	}
	return commit(s);
}

static int
feeds_loop(struct store *s, sqlite3_stmt *st, store_feed_fn fn, void *arg)
{
	struct feed f;
	int rc = SQLITE_DONE, stop = 0;

	while (!stop) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		feed_from_row(st, &f);
		stop = fn(&f, arg);
		feed_clear(&f);
	}
	if (!stop && rc != SQLITE_DONE) {
		store_db_error(s, "feeds");
		store_done(st);
		return -1;
	}
	store_done(st);
	return 0;
}

int
store_feeds_each(struct store *s, store_feed_fn fn, void *arg)
{
	sqlite3_stmt *st = stmt(s, S_FEEDS_ALL);

	return st == NULL ? -1 : feeds_loop(s, st, fn, arg);
}

int
store_feeds_due(struct store *s, int64_t now, bool all, store_feed_fn fn, void *arg)
{
	sqlite3_stmt *st = stmt(s, all ? S_FEEDS_DUE_ALL : S_FEEDS_DUE);

	if (st == NULL)
		return -1;
	if (!all)
		sqlite3_bind_int64(st, 1, now);
	return feeds_loop(s, st, fn, arg);
}

int64_t
store_next_due(struct store *s)
{
	sqlite3_stmt *st = stmt(s, S_NEXT_DUE);
	int64_t t = INT64_MAX;

	if (st == NULL)
		return t;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		t = sqlite3_column_int64(st, 0);
	store_done(st);
	return t;
}

/* ---------------------------------------------------------------- posts */

/* ISO 8601 week of t (UTC) as "2026-W47". */
static void
iso_week(int64_t t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 16, "%G-W%V", &tm);
}

/* Authors as display text ("A, B") and as JSON for the feeds. */
static void
authors_text(const struct post *p, struct buf *names, struct buf *json)
{
	size_t i;

	buf_reset(names);
	buf_reset(json);
	if (p->n_authors == 0)
		return;
	buf_putc(json, '[');
	for (i = 0; i < p->n_authors; i++) {
		const struct author *a = &p->authors[i];
		if (a->name != NULL && *a->name)
			buf_printf(names, "%s%s", names->len ? ", " : "", a->name);
		buf_puts(json, i ? ",{" : "{");
		buf_puts(json, "\"name\":");
		util_json_string(json, a->name);
		if (a->url != NULL) {
			buf_puts(json, ",\"url\":");
			util_json_string(json, a->url);
		}
		if (a->email != NULL) {
			buf_puts(json, ",\"email\":");
			util_json_string(json, a->email);
		}
		buf_putc(json, '}');
	}
	buf_putc(json, ']');
}

static void
tag_cache_clear(struct store *s)
{
	size_t i;

	for (i = 0; i < STORE_TAG_CACHE; i++) {
		free(s->tag_cache[i].slug);
		s->tag_cache[i].slug = NULL;
	}
}

/* The tag id cache: slug -> id, direct-mapped; a miss asks the database. */
static int64_t
tag_cached(const struct store *s, const char *slug, size_t *slot)
{
	uint64_t h = util_fnv1a(slug, strlen(slug));
	const struct tag_slot *t;

	*slot = (size_t)(h % STORE_TAG_CACHE);
	t = &s->tag_cache[*slot];
	return t->slug != NULL && strcmp(t->slug, slug) == 0 ? t->id : 0;
}

static int64_t
tag_id(struct store *s, const char *label, struct buf *slug)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	size_t slot;
	int rc;

	if (!util_slugify(slug, label, 64))
		return 0;
	id = tag_cached(s, buf_str(slug), &slot);
	if (id != 0)
		return id;
	st = stmt(s, S_TAG_INSERT);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, buf_str(slug));
	store_bind_text(st, 2, label);
	rc = sqlite3_step(st);
	store_done(st);
	if (rc != SQLITE_DONE)
		return -1;
	st = stmt(s, S_TAG_ID);
	store_bind_text(st, 1, buf_str(slug));
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	store_done(st);
	if (id > 0) {
		/* ids of tags never change, but a rolled-back insert may not last:
		 * only ids read back from the database are kept */
		free(s->tag_cache[slot].slug);
		s->tag_cache[slot].slug = xstrdup(buf_str(slug));
		s->tag_cache[slot].id = id;
	}
	return id;
}

static int
save_tags(struct store *s, const struct post *p, bool replace)
{
	static const char *const origins[] = {
		[TAG_FEED] = "feed", [TAG_RULE] = "rule", [TAG_PLUGIN] = "plugin",
		[TAG_MANUAL] = "manual",
	};
	struct buf slug = BUF_INIT;
	sqlite3_stmt *st;
	int64_t id;
	size_t i;
	int rc = 0;

	if (replace) {
		/* a local post's own categories are replaced too; an editor's tags on
		 * a polled post outlive the feed's */
		st = stmt(s, S_POST_TAGS_CLEAR);
		sqlite3_bind_int64(st, 1, p->id);
		sqlite3_bind_int(st, 2, p->kind == POST_LOCAL);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -1;
		store_done(st);
	}
	for (i = 0; rc == 0 && i < p->n_tags; i++) {
		id = tag_id(s, p->tags[i].label, &slug);
		if (id < 0) {
			rc = -1;
			break;
		}
		if (id == 0)
			continue;       /* a label with nothing sluggable in it */
		st = stmt(s, S_POST_TAG_INSERT);
		sqlite3_bind_int64(st, 1, p->id);
		sqlite3_bind_int64(st, 2, id);
		store_bind_text(st, 3, origins[p->tags[i].origin]);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -1;
		store_done(st);
	}
	buf_free(&slug);
	if (rc == -1)
		store_db_error(s, "post tags");
	return rc;
}

/*
 * Text-typed content (a JSON Feed content_text, an Atom type="text") is
 * stored as HTML, escaped, a paragraph per blank-line-separated block, so
 * the reader shows it and the search indexer (which reads content_html)
 * finds it.
 */
static void
text_html(struct buf *out, const char *text)
{
	const char *p = text, *end;
	size_t n;

	while (*p != '\0') {
		while (*p == '\n' || *p == '\r')
			p++;
		end = strstr(p, "\n\n");
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n > 0) {
			buf_puts(out, "<p>");
			html_escape(out, p, n);
			buf_puts(out, "</p>");
		}
		p += n;
	}
}

static int
save_post(struct store *s, int64_t feed_id, struct post *p, struct save_stats *stats,
    struct buf *names, struct buf *json)
{
	static const char *const statuses[] = {
		[POST_PUBLISHED] = "published", [POST_DRAFT] = "draft", [POST_DELETED] = "deleted",
	};
	sqlite3_stmt *st;
	struct buf text = BUF_INIT;
	int64_t existing = 0, published, updated;
	char week[16];
	bool same = false;
	int rc;

	st = stmt(s, S_POST_FIND);
	if (st == NULL)
		return -1;
	if (feed_id != 0)
		sqlite3_bind_int64(st, 1, feed_id);
	else
		sqlite3_bind_null(st, 1);
	store_bind_text(st, 2, p->guid);
	if (sqlite3_step(st) == SQLITE_ROW) {
		existing = sqlite3_column_int64(st, 0);
		same = strcmp((const char *)sqlite3_column_text(st, 1), p->content_hash) == 0;
	}
	store_done(st);
	if (existing != 0 && same) {
		p->id = existing;
		p->change = POST_UNCHANGED;
		if (stats != NULL)
			stats->unchanged_posts++;
		return 0;
	}
	published = p->published_at ? p->published_at : (p->updated_at ? p->updated_at : p->fetched_at);
	updated = p->updated_at ? p->updated_at : published;
	iso_week(published, week);
	authors_text(p, names, json);
	st = stmt(s, existing ? S_POST_UPDATE : S_POST_INSERT);
	if (st == NULL)
		return -1;
	if (feed_id != 0)
		sqlite3_bind_int64(st, 1, feed_id);
	else
		sqlite3_bind_null(st, 1);
	if (p->team_id != 0)
		sqlite3_bind_int64(st, 2, p->team_id);
	else
		sqlite3_bind_null(st, 2);
	store_bind_text(st, 3, p->guid);
	store_bind_text(st, 4, p->url);
	store_bind_text(st, 5, p->title);
	store_bind_text(st, 6, names->len ? buf_str(names) : NULL);
	store_bind_text(st, 7, json->len ? buf_str(json) : NULL);
	if (p->content_html == NULL && p->content_text != NULL)
		text_html(&text, p->content_text);
	store_bind_text(st, 8, p->content_html != NULL ? p->content_html :
	    text.len ? buf_str(&text) : NULL);
	store_bind_text(st, 10, p->summary);
	store_bind_text(st, 11, p->summary_html);
	sqlite3_bind_int64(st, 12, published);
	sqlite3_bind_int64(st, 13, updated);
	sqlite3_bind_int64(st, 14, p->fetched_at);
	store_bind_text(st, 15, week);
	store_bind_text(st, 16, p->content_hash);
	store_bind_text(st, 17, p->kind == POST_LOCAL ? "local" : "feed");
	store_bind_text(st, 18, statuses[p->status]);
	store_bind_text(st, 19, p->slug);
	store_bind_text(st, 20, p->markdown);
	store_bind_text(st, 22, p->properties);
	if (existing)
		sqlite3_bind_int64(st, 21, existing);
	rc = sqlite3_step(st);
	store_done(st);
	buf_free(&text);
	if (rc != SQLITE_DONE) {
		store_db_error(s, existing ? "post update" : "post insert");
		return -1;
	}
	p->id = existing ? existing : sqlite3_last_insert_rowid(s->db);
	p->change = existing ? POST_UPDATED : POST_NEW;
	if (stats != NULL) {
		if (existing)
			stats->updated_posts++;
		else
			stats->new_posts++;
	}
	return save_tags(s, p, existing != 0);
}

static int
step_feed_update(struct store *s, const struct feed_update *u)
{
	sqlite3_stmt *st = stmt(s, S_FEED_FETCHED);
	int rc;

	/* one UPDATE for everything a fetch learnt; the URL apart, because a
	 * move onto a URL another feed has is ignored, not an error */
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, u->feed_id);
	sqlite3_bind_int64(st, 2, u->fetched_at);
	sqlite3_bind_int64(st, 3, u->next_fetch_at);
	sqlite3_bind_int64(st, 4, u->status);
	store_bind_text(st, 5, u->error);
	sqlite3_bind_int(st, 6, u->success);
	sqlite3_bind_int(st, 7, u->gone);
	sqlite3_bind_int(st, 8, u->set_validators);
	store_bind_text(st, 9, u->etag);
	store_bind_text(st, 10, u->last_modified);
	store_bind_text(st, 11, u->body_hash);
	store_bind_text(st, 12, u->title);
	store_bind_text(st, 13, u->site_url);
	rc = sqlite3_step(st);
	store_done(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (u->new_url != NULL) {
		st = stmt(s, S_FEED_URL);
		sqlite3_bind_int64(st, 1, u->feed_id);
		store_bind_text(st, 2, u->new_url);
		rc = sqlite3_step(st);
		store_done(st);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

int
store_feed_commit(struct store *s, const struct feed_update *u, struct post *const *posts,
    size_t n, struct save_stats *stats)
{
	struct buf names = BUF_INIT, json = BUF_INIT;
	size_t i;

	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	if (begin(s) == -1)
		return -1;
	if (u != NULL && step_feed_update(s, u) == -1) {
		store_db_error(s, "feed update");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if (save_post(s, u != NULL ? u->feed_id : 0, posts[i], stats, &names, &json) == -1)
			goto fail;
	}
	buf_free(&names);
	buf_free(&json);
	return commit(s);
fail:
	buf_free(&names);
	buf_free(&json);
	rollback(s);
	return -1;
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

int
store_index_pending(struct store *s)
{
	char *err = NULL;
	int n, total = 0;

	if (s->indexer == NULL) {
		s->indexer = store_indexer_open(s->path, &err);
		if (s->indexer == NULL) {
			log_error("cannot open the search index", "error=%s", log_quote(err));
			free(err);
			return -1;
		}
	}
	do {
		n = store_indexer_run(s->indexer, STORE_INDEX_BATCH);
		total += n;
	} while (n > 0);
	return n == -1 ? -1 : total;
}

/* ---------------------------------------------------------------- counts */

static int64_t
count(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_db_error(s, sql);
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
store_counts(struct store *s, struct store_counts *out)
{
	out->feeds = count(s, "SELECT count(*) FROM feeds WHERE active");
	out->feeds_failing = count(s, "SELECT count(*) FROM feeds WHERE active AND error_count > 0");
	out->feeds_gone = count(s, "SELECT count(*) FROM feeds WHERE gone");
	out->feeds_inactive = count(s, "SELECT count(*) FROM feeds WHERE NOT active");
	out->posts = count(s, "SELECT count(*) FROM posts WHERE status = 'published'");
	out->tags = count(s, "SELECT count(*) FROM tags");
	return out->feeds < 0 || out->posts < 0 ? -1 : 0;
}

int
store_post_tags(struct store *s, int64_t post_id, struct buf *out)
{
	sqlite3_stmt *st = stmt(s, S_POST_TAGS);
	bool first = true;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_printf(out, "%s%s", first ? "" : ",", sqlite3_column_text(st, 0));
		first = false;
	}
	store_done(st);
	return 0;
}

int
store_query_text(struct store *s, const char *sql, struct buf *out)
{
	sqlite3_stmt *st;
	int rc, i, n;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_db_error(s, sql);
		return -1;
	}
	n = sqlite3_column_count(st);
	for (rc = sqlite3_step(st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		for (i = 0; i < n; i++) {
			const unsigned char *t = sqlite3_column_text(st, i);
			buf_printf(out, "%s%s", i ? "\t" : "", t ? (const char *)t : "");
		}
		buf_putc(out, '\n');
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_check(struct store *s)
{
	struct buf b = BUF_INIT;
	int rc = store_query_text(s, "PRAGMA integrity_check", &b);

	if (rc == 0 && strcmp(buf_str(&b), "ok\n") != 0)
		rc = -1;
	buf_free(&b);
	return rc;
}
