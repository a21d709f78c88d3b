/*
 * store_int.h: what store.c, store_read.c, store_local.c and
 * store_digest.c share; private to the store family (the only files that
 * include sqlite3.h).
 */
#ifndef CRIER_STORE_INT_H
#define CRIER_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

/* Prepared statements cached per connection: store.c's write statements
 * and store_read.c's read statements, each indexed by its own enum. */
#define STORE_WRITE_STMTS 48
#define STORE_READ_STMTS 48
#define STORE_LOCAL_STMTS 64
#define STORE_DIGEST_STMTS 64

#define STORE_TAG_CACHE 1024

struct tag_slot {
	char *slug;
	int64_t id;
};

struct store {
	sqlite3 *db;
	enum store_mode mode;
	sqlite3_stmt *stmt[STORE_WRITE_STMTS];
	sqlite3_stmt *read_stmt[STORE_READ_STMTS];
	sqlite3_stmt *local_stmt[STORE_LOCAL_STMTS];  /* store_local.c */
	sqlite3_stmt *digest_stmt[STORE_DIGEST_STMTS];  /* store_digest.c */
	struct tag_slot tag_cache[STORE_TAG_CACHE];   /* writer: tag slug -> id */
	int64_t own_writes;     /* bumped on each commit of this connection */
	char *path;             /* the store's file */
	struct store_indexer *indexer;  /* store_index_pending()'s, opened on first use */
	struct store_checkpointer *ckpt;        /* writer: WAL checkpoints on a thread */
};

/*
 * The writer's WAL checkpoints run on a thread with its own connection
 * (store_checkpoint.c): store_checkpointer_start() turns the writer's
 * automatic checkpoints off and wakes the thread from its commit hook;
 * NULL with *err when it cannot (the caller keeps SQLite's automatic
 * ones).  store_checkpointer_stop() joins the thread and closes its
 * connection, before the writer's own close.  NULL does nothing.
 */
struct store_checkpointer;
struct store_checkpointer *store_checkpointer_start(sqlite3 *writer, const char *path, char **err);
void store_checkpointer_stop(struct store_checkpointer *c, sqlite3 *writer);

void store_db_error(struct store *s, const char *what);
void store_done(sqlite3_stmt *st);             /* reset + clear bindings */
void store_bind_text(sqlite3_stmt *st, int i, const char *v);   /* NULL binds NULL */
char *store_col_dup(sqlite3_stmt *st, int i);                    /* malloc'd copy, NULL for NULL */
json_t *store_col_json_text(sqlite3_stmt *st, int i);             /* a string, or JSON null */
/* Steps st to the end, one array element per row made by row(st), and
 * store_done()s it: the array, or NULL on a database error (logged as
 * `what`). */
json_t *store_collect(struct store *s, sqlite3_stmt *st, json_t *(*row)(sqlite3_stmt *st),
    const char *what);
/* Steps a statement that returns nothing: 0, or -1 (logged as `what`). */
int store_step_done(struct store *s, sqlite3_stmt *st, const char *what);
/* Steps a one-row lookup: 0 with the row current (the caller store_done()s),
 * 1 when there is no row, -1 on an error (logged). */
int store_step_row(struct store *s, sqlite3_stmt *st, const char *what);

/*
 * The search index file (store_search.c).  store_search_prepare() runs
 * in the writer's store_open(): it creates the index file when missing
 * and then queues every post for indexing.  store_search_attach() makes
 * the index readable on any connection as schema "search" (read-only: a
 * write transaction on the store never locks the index, so the indexer
 * and the store's writer do not wait for each other); posts_fts then
 * names search.posts_fts.  Failing to attach is logged: searches then
 * fail with a clear error and everything else works.
 */
int store_search_prepare(struct store *s, char **err);
void store_search_attach(struct store *s);

/*
 * The index is contentless: it finds candidate posts by their words but
 * keeps no copy of their text, and words a post lost in a change stay
 * in it (FTS5 cannot take a contentless row out without its old text).
 * store_search_verify() checks a page of candidates (posts as
 * store_read_post() makes them) against their current text in a small
 * FTS5 table of the connection's own (same tokenizer, same query): a post
 * that no longer matches is taken out of list, the others get
 * "snippet_html" from FTS5's snippet().  0, or -1 on a database error.
 */
int store_search_verify(struct store *s, const char *match, json_t *list);

/*
 * The post row of the read half (store_read.c), for other lists of posts
 * (store_digest.c): select POST_COLUMNS with POST_FROM, then hand each
 * row to store_read_post(), which returns a post object in the store.h
 * shape (the caller owns it).  Extra columns go after column
 * POST_COLUMN_COUNT - 1.  TAGGED(param) is a WHERE term: the post has
 * the tag whose slug is param.
 */
#define POST_COLUMNS \
	"p.id, p.guid, p.url, p.title, p.author, p.authors, p.content_html, p.summary, " \
	"p.summary_html, p.published_at, p.updated_at, p.fetched_at, p.week, p.slug, p.kind, " \
	"f.id, coalesce(f.name, f.title, f.url), f.url, f.site_url, t.slug, coalesce(t.name, t.slug), " \
	"(SELECT json_group_array(json_object('slug', g.slug, 'label', g.label)) " \
	"  FROM post_tags pt JOIN tags g ON g.id = pt.tag_id WHERE pt.post_id = p.id) "
#define POST_FROM \
	" FROM posts p LEFT JOIN feeds f ON f.id = p.feed_id LEFT JOIN teams t ON t.id = p.team_id "
/* newest first, keyset cursor in ?1 (time) and ?2 (id), limit in ?3 */
#define POST_PAGE \
	" AND (p.published_at < ?1 OR (p.published_at = ?1 AND p.id < ?2)) " \
	"ORDER BY p.published_at DESC, p.id DESC LIMIT ?3"
#define TAGGED(param) \
	"p.id IN (SELECT pt.post_id FROM post_tags pt JOIN tags g ON g.id = pt.tag_id " \
	"WHERE g.slug = " param ")"

#define POST_COLUMN_COUNT 22
json_t *store_read_post(sqlite3_stmt *st);

/* The words of a search as quoted FTS5 terms ("a" "b"), for a query
 * that is not valid FTS5 syntax. */
void store_read_fts_terms(const char *query, struct buf *out);

#endif
