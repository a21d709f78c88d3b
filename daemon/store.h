/*
 * store.h: the SQLite store (one file, data_dir/crier.db).
 *
 * store.c is the only file that includes sqlite3.h.  The schema and its
 * numbered migrations are in store_schema.c; they run at start, each in a
 * transaction.  The database is in WAL mode: one writer connection (the
 * pipeline's) and any number of read-only connections (one per web
 * worker thread), so readers never wait for the poller.
 *
 * This header has two halves.  The write half is for pipeline.c and the
 * CLI commands that change subscriptions; the read half is for everyone.
 * Every function returns 0 on success and -1 on failure (logged here,
 * where the SQLite error is known), unless it says otherwise.
 */
#ifndef CRIER_STORE_H
#define CRIER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "crier.h"

struct store;

enum store_mode { STORE_WRITER, STORE_READER };

/*
 * Opens (creating data_dir/crier.db if needed, for a writer) and, for a
 * writer, migrates.  NULL on failure with *err set (free it).
 */
struct store *store_open(const char *path, enum store_mode mode, char **err);
void store_close(struct store *s);             /* NULL does nothing */

/* The schema version this build migrates to, and the file's current one. */
int store_schema_latest(void);
int store_schema_version(struct store *s);

/*
 * A number that changes whenever any connection commits a change to the
 * file (SQLite's data_version plus this connection's own writes), so a
 * reader can tell whether cached pages are stale.
 */
int64_t store_generation(struct store *s);

/*
 * Groups several writes of the caller into one transaction (store_commit
 * rolls back on failure).  The functions that write on their own do not
 * nest: call only the single-statement ones (outbox, status) inside.
 */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

/* ---------------------------------------------------------------- feeds */

enum feed_origin { FEED_RUNTIME = 0, FEED_CONFIG };

/* One row of feeds, as read.  Strings are owned by the struct: feed_clear(). */
struct feed {
	int64_t id;
	char *url;
	char *name;             /* configured name, or NULL */
	char *title;            /* the feed's own title, or NULL */
	char *site_url;
	char *etag;
	char *last_modified;
	char *body_hash;        /* SHA-256 of the last body parsed */
	char *tags;             /* comma-separated labels from config/OPML/CLI */
	char *team;             /* team slug, or NULL */
	int64_t team_id;        /* 0 when none */
	char *last_error;       /* plain words, or NULL */
	int64_t interval;       /* seconds; 0: poll_interval */
	int64_t next_fetch_at;
	int64_t last_fetch_at;
	int64_t last_success_at;
	int64_t failing_since;  /* 0 when the last fetch succeeded */
	int64_t error_count;
	int64_t last_status;    /* HTTP status, 0 for a transfer error or never */
	int64_t post_count;
	int64_t created_at;
	bool gone;              /* answered 410: not polled again */
	bool active;            /* false: removed from the config, posts kept */
	enum feed_origin origin;
};

void feed_clear(struct feed *f);
/* The name to show: name, else title, else url. */
const char *feed_display_name(const struct feed *f);

/* Creates or updates a team; *id_out gets its id. */
int store_team_upsert(struct store *s, const char *slug, const char *name,
    const char *description, int64_t *id_out);

/*
 * Adds a feed at runtime (CLI, OPML).  Returns 0 and *id_out, 1 when a
 * feed with that URL already exists (*id_out is its id), -1 on error.
 * tags is comma-separated or NULL; team a slug or NULL.
 */
int store_feed_add(struct store *s, const char *url, const char *name,
    const char *tags, const char *team, int64_t *id_out);

/*
 * Makes the config's feeds the store's config feeds: upserts each (name,
 * tags, team, interval; origin config, active), and deactivates config
 * feeds no longer listed (their posts are kept).  One transaction.
 */
struct config;
int store_sync_config(struct store *s, const struct config *cfg);

/* Deletes a feed and its posts: 0 done, 1 refused (a feed of the config
 * file: remove it there), 2 no such feed, -1 error. */
int store_feed_remove(struct store *s, int64_t id);

/* Finds a feed by id or URL. 0 and *out filled, 1 when not found, -1. */
int store_feed_get(struct store *s, int64_t id, struct feed *out);
int store_feed_find(struct store *s, const char *url, struct feed *out);

typedef int (*store_feed_fn)(const struct feed *f, void *arg);

/* Calls fn for every feed (ordered by id); stops early when fn returns non-zero. */
int store_feeds_each(struct store *s, store_feed_fn fn, void *arg);

/* Calls fn for each active, not gone feed with next_fetch_at <= now (all of them when all). */
int store_feeds_due(struct store *s, int64_t now, bool all, store_feed_fn fn, void *arg);

/* The earliest next_fetch_at among active feeds, or INT64_MAX when none. */
int64_t store_next_due(struct store *s);

/* What a fetch changed about a feed (all in one transaction with its posts). */
struct feed_update {
	int64_t feed_id;
	int64_t fetched_at;
	int64_t next_fetch_at;
	int64_t status;             /* HTTP status, 0 for a transfer error */
	const char *error;          /* NULL on success */
	bool success;               /* resets error_count and failing_since */
	bool gone;                  /* 410 */
	const char *new_url;        /* a permanent redirect's target, or NULL */
	const char *etag;           /* new validators (NULL keeps the old ones on 304) */
	const char *last_modified;
	bool set_validators;        /* write etag/last_modified (even NULL) */
	const char *body_hash;      /* or NULL to keep */
	const char *title;          /* the feed's own title/link when parsed, or NULL */
	const char *site_url;
};

struct save_stats {
	size_t new_posts;
	size_t updated_posts;
	size_t unchanged_posts;
};

/*
 * Records a fetch and saves its posts (n may be 0) in one transaction:
 * new guids are inserted, a changed content_hash updates the row in
 * place (never a duplicate), equal ones are left alone.  Tags and the
 * FTS index follow.  Each post's id and change (new, updated,
 * unchanged) are set.  stats may be NULL.
 */
int store_feed_commit(struct store *s, const struct feed_update *u,
    struct post *const *posts, size_t n, struct save_stats *stats);

/*
 * The search index (store_search.c) lives in its own SQLite file beside
 * the store (crier.db -> crier-search.db).  Every change to a post is
 * queued in the store by triggers; an indexer reads the queue and the
 * posts (the text comes from content_html, or the summary) and brings
 * the index up to date on its own connections, so indexing never holds
 * the store's write lock.  Any number of indexers may run, in threads
 * or processes: each batch is one transaction on the index file, which
 * records how far the queue has been indexed.
 *
 * store_indexer_open() opens an indexer for the store at store_path
 * (whose writer has created the index file); NULL with *err (malloc'd)
 * when it cannot.  store_indexer_run() indexes at most max queued
 * changes in one transaction and returns how many, 0 when the index is
 * up to date, or -1 (logged).  An indexer belongs to one thread at a time.
 */
struct store_indexer;
#define STORE_INDEX_BATCH 2000
struct store_indexer *store_indexer_open(const char *store_path, char **err);
int store_indexer_run(struct store_indexer *ix, size_t max);
/* The last queue position indexed (as far as this indexer knows). */
int64_t store_indexer_done(const struct store_indexer *ix);
void store_indexer_close(struct store_indexer *ix);

/*
 * Brings the search index up to date on the calling thread (an indexer
 * of s's own, opened on first use).  Returns how many changes were
 * indexed, or -1.  The pipeline calls it after each publish; the
 * background indexer (pipeline.c) does the rest.
 */
int store_index_pending(struct store *s);

/* The file s was opened on (owned by s). */
const char *store_path(const struct store *s);

/* Forgets queued changes up to `done` (store_indexer_done()): 0 or -1. */
int store_search_queue_prune(struct store *s, int64_t done);

/* ---------------------------------------------------------------- posts */

/* Counts for /metrics, status pages and tests. */
struct store_counts {
	int64_t feeds, feeds_failing, feeds_gone, feeds_inactive;
	int64_t posts, tags;
};
int store_counts(struct store *s, struct store_counts *out);

/* Tag slugs of a post, comma-separated into out (for tests and the CLI). */
int store_post_tags(struct store *s, int64_t post_id, struct buf *out);

/* ---------------------------------------------------------------- read half */

/*
 * Reading for pages and feeds.  Lists come back as jansson arrays of
 * post objects (the caller owns the json_t and json_decref()s it):
 *
 *   { "id", "guid", "url", "title", "author", "authors": [{name,url,email}],
 *     "content_html", "summary", "summary_html", "published_at", "updated_at",
 *     "fetched_at" (Unix seconds), "week", "slug", "local" (bool),
 *     "source": { "id", "name", "url", "site_url" }     (polled posts)
 *     "team":   { "slug", "name" }                        (team posts)
 *     "tags":   [ { "slug", "label" } ] }
 *
 * Only published posts are ever returned.  Lists are newest first,
 * ordered by (published_at, id); `before_*` is a keyset cursor.
 */
enum post_list { LIST_RIVER, LIST_TAG, LIST_SOURCE, LIST_TEAM, LIST_WEEK };

struct post_query {
	enum post_list list;
	const char *key;            /* tag slug, team slug or week ("2026-W47") */
	int64_t id;                 /* source (feed) id */
	const char *week_tag;       /* LIST_WEEK: posts with this tag, plus team posts */
	int64_t before_time;        /* keyset cursor: only posts older than */
	int64_t before_id;          /* (before_time, before_id); 0: from the newest */
	int limit;
};

/* A list of posts, NULL on a database error. */
json_t *store_posts(struct store *s, const struct post_query *q);

/* One published post, or NULL (*missing set when it just does not exist). */
json_t *store_post_get(struct store *s, int64_t id, bool *missing);

/*
 * Full-text search over titles, content and authors, newest first
 * (posts with ids below before_id when it is not 0: the next page).
 * Any text is accepted: FTS5 syntax is tried first, then the words as
 * plain terms.  Each result also has "snippet_html" (escaped text with
 * <mark>).  NULL when the query has no searchable words (*message says
 * so) or on a database error.
 */
json_t *store_search(struct store *s, const char *query, int limit, int64_t before_id,
    const char **message);

/* Every feed with its status: an array of objects (see feeds list --json). */
json_t *store_sources(struct store *s);
/* One source, tag or team as an object; NULL when there is none. */
json_t *store_source_get(struct store *s, int64_t id);
json_t *store_tag_get(struct store *s, const char *slug);
json_t *store_team_get(struct store *s, const char *slug);
/* Teams and sources that have published posts with week_tag (or are
 * teams) but none in week: [{ "name", "kind": "team"|"source", "slug"|"id" }]. */
json_t *store_week_quiet(struct store *s, const char *week, const char *week_tag);
/* The newest change (fetch or post update) in the store, Unix seconds. */
int64_t store_last_change(struct store *s);

/* ---------------------------------------------------------------- publishing (store_local.c) */

/* Teams: config teams are synced at start; `crier team add` adds others. */
int store_team_find(struct store *s, const char *slug, int64_t *id_out);  /* 0, 1 none, -1 */
int store_team_slug(struct store *s, int64_t id, struct buf *out);        /* 0, 1 none, -1 */
json_t *store_teams(struct store *s);   /* [{slug, name, description, post_count}] */

struct user {
	int64_t id;
	char *name;
	int64_t team_id;        /* 0: none */
	char *team_slug;
	bool admin;
	char *password_hash;    /* argon2id, libsodium's string form */
};
void user_clear(struct user *u);
/* 0 added, 1 the name is taken, -1 error. */
int store_user_add(struct store *s, const char *name, int64_t team_id, bool admin,
    const char *password_hash, int64_t *id_out);
int store_user_find(struct store *s, const char *name, struct user *out);   /* 0, 1, -1 */
int store_user_get(struct store *s, int64_t id, struct user *out);          /* 0, 1, -1 */
int store_user_set_password(struct store *s, int64_t id, const char *password_hash);
int store_user_logged_in(struct store *s, int64_t id, int64_t now);
/* Every user: [{name, team (slug or null), admin, created_at, last_login_at}], by name. */
json_t *store_users(struct store *s);

struct token {
	int64_t id;
	int64_t team_id;
	char *team_slug;
	char *name;
	char *scopes;           /* space-separated: create update delete media */
	int64_t created_at, last_used_at, revoked_at;
};
void token_clear(struct token *t);
int store_token_add(struct store *s, int64_t team_id, const char *name, const char *scopes,
    const char *hash, int64_t *id_out);
/* Finds an unrevoked token by the SHA-256 of its secret: 0, 1 none, -1. */
int store_token_find(struct store *s, const char *hash, struct token *out);
int store_token_touch(struct store *s, int64_t id, int64_t now);
int store_token_revoke(struct store *s, int64_t id, int64_t now);          /* 0, 1 none, -1 */
json_t *store_tokens(struct store *s);  /* [{id, team, name, scopes, created_at, last_used_at, revoked_at}] */

struct session {
	int64_t user_id;
	char *csrf;
	int64_t expires_at;
};
void session_clear(struct session *se);
int store_session_add(struct store *s, const char *hash, int64_t user_id, const char *csrf,
    int64_t now, int64_t expires_at);
int store_session_find(struct store *s, const char *hash, int64_t now, struct session *out);
int store_session_delete(struct store *s, const char *hash);
/* Ends every session of a user (after a password change). */
int store_sessions_end(struct store *s, int64_t user_id);

/* A local post as the publishing code needs it to update one. */
struct local_post {
	int64_t id;
	int64_t team_id;
	char *guid;
	char *slug;
	char *title;
	char *markdown;
	char *properties;       /* JSON, or NULL */
	enum post_status status;
	int64_t published_at;
	int64_t updated_at;
};
void local_post_clear(struct local_post *lp);
int store_local_get(struct store *s, int64_t id, struct local_post *out);   /* 0, 1, -1 */
/* The id of the local post with this guid: 0, 1 none, -1. */
int store_local_find(struct store *s, const char *guid, int64_t *id_out);
/* Saves a local post (insert when p->id is 0, else update) with its tags. */
int store_local_save(struct store *s, struct post *p);
/* Marks a post deleted or published again. 0, 1 none, -1. */
int store_post_set_status(struct store *s, int64_t id, enum post_status status, int64_t now);
/* A team's local posts, drafts included, newest first: the post list shape
 * plus "status" and "markdown". */
json_t *store_local_posts(struct store *s, int64_t team_id, int limit);
/* The labels of the tags the publisher gave a post (not those rules or
 * plugins added), ", "-separated into out: what an editor shows. */
int store_local_tags(struct store *s, int64_t post_id, struct buf *out);

int store_media_add(struct store *s, int64_t team_id, const char *sha256, const char *content_type,
    const void *data, size_t len, int64_t now, int64_t *id_out);
/* The bytes and type of a media item: 0, 1 none, -1. */
int store_media_get(struct store *s, int64_t id, struct buf *data, char *content_type, size_t n);

/* The outbox: HTTP POSTs the daemon delivers with retries (WebSub pings, webhooks). */
int store_outbox_add(struct store *s, const char *url, const char *content_type,
    const void *body, size_t len, const char *headers, const char *purpose, int64_t now);
struct outbox_item {
	int64_t id;
	char *url;
	char *content_type;
	char *headers;          /* "Name: value" lines, or NULL */
	char *purpose;
	struct buf body;
	int64_t attempts;
};
void outbox_item_clear(struct outbox_item *it);
typedef int (*store_outbox_fn)(struct outbox_item *it, void *arg);
int store_outbox_due(struct store *s, int64_t now, int limit, store_outbox_fn fn, void *arg);
int store_outbox_done(struct store *s, int64_t id, int64_t now);
int store_outbox_failed(struct store *s, int64_t id, const char *error, int64_t next_attempt_at,
    bool give_up);
json_t *store_outbox_list(struct store *s, int limit);

/* ---------------------------------------------------------------- digests (store_digest.c) */

/*
 * A digest: a title, an introduction, an ordered list of posts with an
 * editor's note each, an ISO week and a status.  digest.c is the only
 * writer (under c->write_lock, like pipeline.c); pages read them with the
 * read-only calls below, which, like the rest of the read half, only ever
 * return published posts inside a digest.
 */
enum digest_status { DIGEST_DRAFT = 0, DIGEST_SCHEDULED, DIGEST_PUBLISHED };

/* "draft", "scheduled", "published" */
const char *digest_status_name(enum digest_status st);

/* One digest, as read.  Strings are owned by the struct: digest_clear(). */
struct digest {
	int64_t id;
	char *slug;             /* /digest/SLUG: a-z, 0-9 and '-' */
	char *title;
	char *intro;            /* Markdown, or NULL */
	char *intro_html;       /* its sanitized HTML, or NULL */
	char *week;             /* ISO 8601 week, "2026-W42" */
	char *section;          /* the [digest NAME] it belongs to (recipients), or NULL */
	enum digest_status status;
	bool from_schedule;     /* made by its section's weekly schedule */
	bool send_on_publish;   /* a scheduled digest emails itself when it publishes */
	int64_t scheduled_at;   /* when a scheduled digest publishes itself; else 0 */
	int64_t published_at;   /* 0 until first published */
	int64_t created_at;
	int64_t updated_at;     /* any change to it or its items */
	int64_t item_count;     /* (read only) its published posts */
};
void digest_clear(struct digest *d);

/*
 * Adds d (id, item_count ignored) and its first posts, in that order
 * without notes, in one transaction.  When d->slug is taken and
 * slug_may_vary, "-2", "-3" ... is tried (d->slug is then replaced,
 * malloc'd).  A digest from the schedule is made once per (section,
 * week): if that one exists, nothing is added.  Posts that are not
 * published are skipped.  Returns 0 (added, *id_out), 1 the slug is
 * taken, 2 the schedule's digest for that week exists (*id_out is its
 * id), or -1.
 */
int store_digest_add(struct store *s, struct digest *d, bool slug_may_vary,
    const int64_t *post_ids, size_t n_posts, int64_t *id_out);

int store_digest_get(struct store *s, int64_t id, struct digest *out);        /* 0, 1 none, -1 */
int store_digest_find(struct store *s, const char *slug, struct digest *out); /* 0, 1 none, -1 */

/* Saves d's title, slug, intro, intro_html, week, section, status,
 * scheduled_at, published_at, send_on_publish and updated_at.  0, 1 the
 * slug belongs to another digest, -1. */
int store_digest_save(struct store *s, const struct digest *d);

/*
 * Digests as a JSON array, newest first (published_at, else created_at):
 *   [{ id, slug, title, week, status, section, from_schedule, item_count,
 *      intro_html, published_at, updated_at, created_at, scheduled_at }]
 * published_only for pages and feeds: drafts never appear there.
 */
json_t *store_digests(struct store *s, bool published_only, int limit);

/* Ids (a JSON array) of scheduled digests whose time has come. */
json_t *store_digests_due(struct store *s, int64_t now);

/* Adds a published post at the end of a digest, or, when it is in it
 * already, replaces its note (NULL: none).  0, 1 no such published post, -1. */
int store_digest_item_put(struct store *s, int64_t digest_id, int64_t post_id,
    const char *note, const char *note_html, int64_t now);
/* Takes a post out of a digest.  0, 1 it was not in it, -1. */
int store_digest_item_remove(struct store *s, int64_t digest_id, int64_t post_id, int64_t now);
/* Moves a post to position (1 is first; past the end is last).  0, 1 not in it, -1. */
int store_digest_item_move(struct store *s, int64_t digest_id, int64_t post_id, int position,
    int64_t now);
/* A digest's published posts in order: the post list shape plus
 * "position" (1, 2, ...), "note" (Markdown) and "note_html". */
json_t *store_digest_items(struct store *s, int64_t digest_id);

/* Posts an editor (or the schedule) may pick from: every condition set
 * must hold; newest first. */
struct digest_filter {
	int64_t from, to;       /* published_at in [from, to) */
	const char *tag;        /* a tag slug, or NULL */
	const char *search;     /* full-text search (FTS5, else plain words), or NULL */
	int64_t source_id;      /* a feed id, or 0 */
	const char *team;       /* a team slug, or NULL */
	int limit;
};
json_t *store_digest_candidates(struct store *s, const struct digest_filter *f);

/*
 * Email, one row per (digest, recipient): pending (to send, at
 * next_attempt_at), sent, or failed (given up; the error says why).
 */
enum digest_send_status { SEND_PENDING = 0, SEND_SENT, SEND_FAILED };

/* The schedule's digest of (section, week): 0 and *id_out, 1 none, -1. */
int store_digest_scheduled(struct store *s, const char *section, const char *week, int64_t *id_out);

/*
 * Queues a digest for n recipients in one transaction: an address
 * without a row gets a pending one, a failed one is pending again, a
 * pending one is due now, and with force a sent one is pending again
 * too.  Addresses are kept as given; rows of other addresses are left
 * alone.
 */
int store_digest_queue(struct store *s, int64_t digest_id, const char *const *recipients,
    size_t n, bool force, int64_t now);
/* Pending sends due at now, oldest first: [{ digest_id, recipient, attempts }];
 * digest_id 0: of every digest. */
json_t *store_digest_sends_due(struct store *s, int64_t digest_id, int64_t now, int limit);
/* Records one attempt's outcome: sent (with its Message-ID), pending again
 * at next_attempt_at, or failed; error says why (NULL when sent). */
int store_digest_send_done(struct store *s, int64_t digest_id, const char *recipient,
    enum digest_send_status status, const char *error, const char *message_id,
    int64_t next_attempt_at, int64_t now);

struct digest_send_counts {
	int64_t total, pending, sent, failed;
	int64_t last_sent_at;   /* 0: never */
};
int store_digest_send_counts(struct store *s, int64_t digest_id, struct digest_send_counts *out);
/* [{ recipient, status, attempts, last_error, sent_at, next_attempt_at }], by address */
json_t *store_digest_sends(struct store *s, int64_t digest_id);

/* One-click unsubscribes, per section; addresses compared without case. */
int store_digest_unsubscribe(struct store *s, const char *section, const char *address, int64_t now);
int store_digest_unsubscribed(struct store *s, const char *section, const char *address); /* 1 yes, 0 no, -1 */
/* The database's secret that signs unsubscribe links (made by the migration). */
int store_digest_key(struct store *s, unsigned char out[32]);

/* ---------------------------------------------------------------- raw */

/* For tests and tools: runs SQL and appends each row's columns, tab-
 * separated, one row per line, to out. */
int store_query_text(struct store *s, const char *sql, struct buf *out);

/* Runs an integrity check; 0 when "ok". */
int store_check(struct store *s);

#endif
