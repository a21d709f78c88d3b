/*
 * store_read.c: the read half of store.h: post lists, single posts,
 * search, sources, tags and teams, as jansson values for the web reader
 * and the feeds it serves.  Runs on read-only connections (one per web
 * thread); never writes.
 */
#include "store.h"
#include "store_int.h"
#include "log.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum read_stmt {
	R_RIVER, R_TAG, R_SOURCE, R_TEAM, R_WEEK, R_POST, R_SEARCH,
	R_SOURCES, R_SOURCE_GET, R_TAG_GET, R_TEAM_GET, R_WEEK_QUIET, R_LAST_CHANGE,
	R_COUNT
};

_Static_assert(R_COUNT <= STORE_READ_STMTS, "raise STORE_READ_STMTS");

#define SOURCE_COLUMNS \
	"f.id, coalesce(f.name, f.title, f.url), f.url, f.site_url, f.last_status, f.last_error, " \
	"f.last_fetch_at, f.next_fetch_at, f.error_count, f.failing_since, f.gone, f.active, " \
	"(SELECT count(*) FROM posts p WHERE p.feed_id = f.id AND p.status = 'published'), f.tags "

static const char *const read_sql[R_COUNT] = {
	[R_RIVER] = "SELECT " POST_COLUMNS POST_FROM "WHERE p.status = 'published'" POST_PAGE,
	[R_TAG] = "SELECT " POST_COLUMNS POST_FROM "WHERE p.status = 'published' AND "
	    TAGGED("?4") POST_PAGE,
	[R_SOURCE] = "SELECT " POST_COLUMNS POST_FROM "WHERE p.status = 'published' AND "
	    "p.feed_id = ?4" POST_PAGE,
	[R_TEAM] = "SELECT " POST_COLUMNS POST_FROM "WHERE p.status = 'published' AND "
	    "t.slug = ?4" POST_PAGE,
	[R_WEEK] = "SELECT " POST_COLUMNS POST_FROM "WHERE p.status = 'published' AND "
	    "p.week = ?4 AND (p.kind = 'local' OR p.team_id IS NOT NULL OR " TAGGED("?5") ")"
	    POST_PAGE,
	[R_POST] = "SELECT " POST_COLUMNS POST_FROM "WHERE p.status = 'published' AND p.id = ?1",
	/* candidates: store_search_verify() checks them and makes the snippets */
	[R_SEARCH] = "SELECT " POST_COLUMNS
	    "FROM posts_fts JOIN posts p ON p.id = posts_fts.rowid "
	    "LEFT JOIN feeds f ON f.id = p.feed_id LEFT JOIN teams t ON t.id = p.team_id "
	    "WHERE posts_fts MATCH ?1 AND posts_fts.rowid < ?3 AND p.status = 'published' "
	    "ORDER BY posts_fts.rowid DESC LIMIT ?2",
	[R_SOURCES] = "SELECT " SOURCE_COLUMNS "FROM feeds f "
	    "ORDER BY f.gone, NOT f.active, coalesce(f.name, f.title, f.url) COLLATE NOCASE",
	[R_SOURCE_GET] = "SELECT " SOURCE_COLUMNS "FROM feeds f WHERE f.id = ?1",
	[R_TAG_GET] = "SELECT g.slug, g.label, (SELECT count(*) FROM post_tags pt JOIN posts p "
	    "ON p.id = pt.post_id WHERE pt.tag_id = g.id AND p.status = 'published') "
	    "FROM tags g WHERE g.slug = ?1",
	[R_TEAM_GET] = "SELECT t.slug, coalesce(t.name, t.slug), t.description, "
	    "(SELECT count(*) FROM posts p WHERE p.team_id = t.id AND p.status = 'published') "
	    "FROM teams t WHERE t.slug = ?1",
	[R_WEEK_QUIET] =
	    "SELECT 'team', t.slug, coalesce(t.name, t.slug) FROM teams t "
	    "WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.team_id = t.id AND p.week = ?1 "
	    "  AND p.status = 'published') "
	    "UNION ALL "
	    "SELECT 'source', f.id, coalesce(f.name, f.title, f.url) FROM feeds f "
	    "WHERE f.active AND NOT f.gone AND f.team_id IS NULL "
	    "AND EXISTS (SELECT 1 FROM posts p WHERE p.feed_id = f.id AND " TAGGED("?2") ") "
	    "AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.feed_id = f.id AND p.week = ?1 "
	    "  AND p.status = 'published' AND " TAGGED("?2") ") "
	    "ORDER BY 3 COLLATE NOCASE",
	[R_LAST_CHANGE] = "SELECT max(coalesce((SELECT max(fetched_at) FROM posts), 0), "
	    "coalesce((SELECT max(updated_at) FROM posts WHERE kind = 'local'), 0), "
	    "coalesce((SELECT max(last_fetch_at) FROM feeds), 0))",
};

static sqlite3_stmt *
rstmt(struct store *s, enum read_stmt which)
{
	if (s->read_stmt[which] == NULL &&
	    sqlite3_prepare_v3(s->db, read_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
	    &s->read_stmt[which], NULL) != SQLITE_OK) {
		store_db_error(s, read_sql[which]);
		return NULL;
	}
	return s->read_stmt[which];
}

static void
set_text(json_t *o, const char *key, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	if (t != NULL)
		json_object_set_new(o, key, json_string((const char *)t));
}

static void
set_json(json_t *o, const char *key, sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	json_t *v;

	if (t == NULL)
		return;
	v = json_loads(t, JSON_DISABLE_EOF_CHECK, NULL);
	if (v != NULL)
		json_object_set_new(o, key, v);
}

static json_t *
post_from_row(sqlite3_stmt *st)
{
	json_t *o = json_object(), *src, *team;

	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	set_text(o, "guid", st, 1);
	set_text(o, "url", st, 2);
	set_text(o, "title", st, 3);
	set_text(o, "author", st, 4);
	set_json(o, "authors", st, 5);
	set_text(o, "content_html", st, 6);
	set_text(o, "summary", st, 7);
	set_text(o, "summary_html", st, 8);
	json_object_set_new(o, "published_at", json_integer(sqlite3_column_int64(st, 9)));
	json_object_set_new(o, "updated_at", json_integer(sqlite3_column_int64(st, 10)));
	json_object_set_new(o, "fetched_at", json_integer(sqlite3_column_int64(st, 11)));
	set_text(o, "week", st, 12);
	set_text(o, "slug", st, 13);
	json_object_set_new(o, "local", json_boolean(strcmp((const char *)sqlite3_column_text(st, 14),
	    "local") == 0));
	if (sqlite3_column_type(st, 15) != SQLITE_NULL) {
		src = json_object();
		json_object_set_new(src, "id", json_integer(sqlite3_column_int64(st, 15)));
		set_text(src, "name", st, 16);
		set_text(src, "url", st, 17);
		set_text(src, "site_url", st, 18);
		json_object_set_new(o, "source", src);
	}
	if (sqlite3_column_type(st, 19) != SQLITE_NULL) {
		team = json_object();
		set_text(team, "slug", st, 19);
		set_text(team, "name", st, 20);
		json_object_set_new(o, "team", team);
	}
	set_json(o, "tags", st, 21);
	return o;
}

json_t *
store_read_post(sqlite3_stmt *st)
{
	return post_from_row(st);
}

json_t *
store_posts(struct store *s, const struct post_query *q)
{
	static const enum read_stmt which[] = {
		[LIST_RIVER] = R_RIVER, [LIST_TAG] = R_TAG, [LIST_SOURCE] = R_SOURCE,
		[LIST_TEAM] = R_TEAM, [LIST_WEEK] = R_WEEK,
	};
	sqlite3_stmt *st = rstmt(s, which[q->list]);

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, q->before_time > 0 ? q->before_time : INT64_MAX);
	sqlite3_bind_int64(st, 2, q->before_time > 0 ? q->before_id : INT64_MAX);
	sqlite3_bind_int(st, 3, q->limit > 0 ? q->limit : 20);
	switch (q->list) {
	case LIST_SOURCE:
		sqlite3_bind_int64(st, 4, q->id);
		break;
	case LIST_WEEK:
		store_bind_text(st, 4, q->key);
		store_bind_text(st, 5, q->week_tag != NULL ? q->week_tag : "weeknotes");
		break;
	case LIST_TAG:
	case LIST_TEAM:
		store_bind_text(st, 4, q->key);
		break;
	default:
		break;
	}
	return store_collect(s, st, post_from_row, "post list");
}

json_t *
store_post_get(struct store *s, int64_t id, bool *missing)
{
	sqlite3_stmt *st = rstmt(s, R_POST);
	json_t *list, *post = NULL;

	*missing = false;
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	list = store_collect(s, st, post_from_row, "post list");
	if (list == NULL)
		return NULL;
	if (json_array_size(list) == 0)
		*missing = true;
	else
		post = json_incref(json_array_get(list, 0));
	json_decref(list);
	return post;
}

/* ---------------------------------------------------------------- search */

/* The words of a query, each quoted as an FTS5 string: "a" "b". */
static void
plain_terms(const char *query, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)query;
	bool in_word = false;

	for (; *p; p++) {
		bool word = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || *p >= 0x80 || *p == '_';
		if (word && !in_word)
			buf_puts(out, out->len ? " \"" : "\"");
		else if (!word && in_word)
			buf_putc(out, '"');
		if (word)
			buf_putc(out, (char)*p);
		in_word = word;
	}
	if (in_word)
		buf_putc(out, '"');
}

void
store_read_fts_terms(const char *query, struct buf *out)
{
	plain_terms(query, out);
}

static json_t *
search_once(struct store *s, const char *match, int limit, int64_t before_id, bool *syntax_error)
{
	sqlite3_stmt *st = rstmt(s, R_SEARCH);
	json_t *list;
	int rc;

	*syntax_error = false;
	if (st == NULL)
		return NULL;
	store_bind_text(st, 1, match);
	sqlite3_bind_int(st, 2, limit);
	sqlite3_bind_int64(st, 3, before_id > 0 ? before_id : INT64_MAX);
	/* an FTS5 syntax error surfaces at the first step */
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_done(st);
		*syntax_error = true;
		return NULL;
	}
	sqlite3_reset(st);
	list = store_collect(s, st, post_from_row, "post list");
	if (list != NULL && store_search_verify(s, match, list) == -1) {
		json_decref(list);
		return NULL;
	}
	return list;
}

json_t *
store_search(struct store *s, const char *query, int limit, int64_t before_id, const char **message)
{
	struct buf terms = BUF_INIT;
	json_t *list;
	bool bad;

	*message = NULL;
	plain_terms(query, &terms);
	if (terms.len == 0) {
		*message = "Type a word or two to search for.";
		buf_free(&terms);
		return NULL;
	}
	list = search_once(s, query, limit, before_id, &bad);
	if (bad) {
		/* not FTS5 syntax: search for the words themselves */
		list = search_once(s, buf_str(&terms), limit, before_id, &bad);
		if (bad)
			*message = "That search could not be understood; try plain words.";
	}
	buf_free(&terms);
	return list;
}

/* ---------------------------------------------------------------- sources, tags, teams */

static json_t *
source_from_row(sqlite3_stmt *st)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	set_text(o, "name", st, 1);
	set_text(o, "url", st, 2);
	set_text(o, "site_url", st, 3);
	json_object_set_new(o, "last_status", json_integer(sqlite3_column_int64(st, 4)));
	set_text(o, "last_error", st, 5);
	json_object_set_new(o, "last_fetch_at", json_integer(sqlite3_column_int64(st, 6)));
	json_object_set_new(o, "next_fetch_at", json_integer(sqlite3_column_int64(st, 7)));
	json_object_set_new(o, "error_count", json_integer(sqlite3_column_int64(st, 8)));
	json_object_set_new(o, "failing_since", json_integer(sqlite3_column_int64(st, 9)));
	json_object_set_new(o, "gone", json_boolean(sqlite3_column_int(st, 10)));
	json_object_set_new(o, "active", json_boolean(sqlite3_column_int(st, 11)));
	json_object_set_new(o, "post_count", json_integer(sqlite3_column_int64(st, 12)));
	set_text(o, "tags", st, 13);
	return o;
}

json_t *
store_sources(struct store *s)
{
	sqlite3_stmt *st = rstmt(s, R_SOURCES);

	if (st == NULL)
		return NULL;
	return store_collect(s, st, source_from_row, "sources");
}

json_t *
store_source_get(struct store *s, int64_t id)
{
	sqlite3_stmt *st = rstmt(s, R_SOURCE_GET);
	json_t *o = NULL;

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = source_from_row(st);
	store_done(st);
	return o;
}

json_t *
store_tag_get(struct store *s, const char *slug)
{
	sqlite3_stmt *st = rstmt(s, R_TAG_GET);
	json_t *o = NULL;

	if (st == NULL)
		return NULL;
	store_bind_text(st, 1, slug);
	if (sqlite3_step(st) == SQLITE_ROW) {
		o = json_object();
		set_text(o, "slug", st, 0);
		set_text(o, "label", st, 1);
		json_object_set_new(o, "post_count", json_integer(sqlite3_column_int64(st, 2)));
	}
	store_done(st);
	return o;
}

json_t *
store_team_get(struct store *s, const char *slug)
{
	sqlite3_stmt *st = rstmt(s, R_TEAM_GET);
	json_t *o = NULL;

	if (st == NULL)
		return NULL;
	store_bind_text(st, 1, slug);
	if (sqlite3_step(st) == SQLITE_ROW) {
		o = json_object();
		set_text(o, "slug", st, 0);
		set_text(o, "name", st, 1);
		set_text(o, "description", st, 2);
		json_object_set_new(o, "post_count", json_integer(sqlite3_column_int64(st, 3)));
	}
	store_done(st);
	return o;
}

json_t *
store_week_quiet(struct store *s, const char *week, const char *week_tag)
{
	sqlite3_stmt *st = rstmt(s, R_WEEK_QUIET);
	json_t *list, *o;
	int rc;

	if (st == NULL)
		return NULL;
	store_bind_text(st, 1, week);
	store_bind_text(st, 2, week_tag != NULL ? week_tag : "weeknotes");
	list = json_array();
	for (rc = sqlite3_step(st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		bool team = strcmp((const char *)sqlite3_column_text(st, 0), "team") == 0;
		o = json_object();
		json_object_set_new(o, "kind", json_string(team ? "team" : "source"));
		if (team)
			set_text(o, "slug", st, 1);
		else
			json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 1)));
		set_text(o, "name", st, 2);
		json_array_append_new(list, o);
	}
	store_done(st);
	if (rc != SQLITE_DONE) {
		store_db_error(s, "week quiet");
		json_decref(list);
		return NULL;
	}
	return list;
}

int64_t
store_last_change(struct store *s)
{
	sqlite3_stmt *st = rstmt(s, R_LAST_CHANGE);
	int64_t t = 0;

	if (st == NULL)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		t = sqlite3_column_int64(st, 0);
	store_done(st);
	return t;
}
