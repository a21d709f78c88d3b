/*
 * store_digest.c: digests in the store (store.h, "digests"): the digests
 * themselves, their ordered items, the posts an editor may pick from,
 * the per-recipient email record, and one-click unsubscribes.
 *
 * Writes come from digest.c only (the one writer, under c->write_lock);
 * a change that touches several rows (a new digest with its posts, a
 * reorder, queueing a send) is one transaction, so another process
 * (`crier digest` while `crier serve` runs) never sees half of it.  The
 * reads work on read-only connections too.
 */
#include "store.h"
#include "store_int.h"
#include "log.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum digest_stmt {
	D_INSERT, D_BY_ID, D_BY_SLUG, D_SLUG_USED, D_SCHEDULE_WEEK, D_SAVE, D_LIST, D_LIST_PUBLISHED,
	D_DUE, D_TOUCH,
	D_ITEM_POSITION, D_ITEM_LAST, D_ITEM_INSERT, D_ITEM_NOTE, D_ITEM_DELETE, D_ITEM_SHIFT,
	D_ITEM_SET_POSITION, D_ITEM_COUNT, D_ITEMS, D_POST_PUBLISHED,
	D_CANDIDATES, D_CANDIDATES_SEARCH,
	D_QUEUE, D_REQUEUE, D_DUE_SENDS, D_DUE_SENDS_ALL, D_SEND_DONE, D_SEND_COUNTS, D_SENDS,
	D_UNSUBSCRIBE, D_UNSUBSCRIBED, D_KEY,
	D_COUNT
};

_Static_assert(D_COUNT <= STORE_DIGEST_STMTS, "raise STORE_DIGEST_STMTS");

#define DIGEST_COLUMNS \
	"d.id, d.slug, d.title, d.intro, d.intro_html, d.week, d.section, d.status, d.origin, " \
	"d.send_on_publish, d.scheduled_at, d.published_at, d.created_at, d.updated_at, " \
	"(SELECT count(*) FROM digest_items i JOIN posts p ON p.id = i.post_id " \
	"  WHERE i.digest_id = d.id AND p.status = 'published') "
#define CANDIDATE_WHERE \
	"WHERE p.status = 'published' AND p.published_at >= ?1 AND p.published_at < ?2 " \
	"AND (?3 IS NULL OR " TAGGED("?3") ") AND (?4 = 0 OR p.feed_id = ?4) " \
	"AND (?5 IS NULL OR t.slug = ?5) "

static const char *const digest_sql[D_COUNT] = {
	/* D_INSERT and D_SAVE number their parameters alike (bind_digest) */
	[D_INSERT] = "INSERT INTO digests (title, slug, intro, intro_html, week, status, "
	    "scheduled_at, published_at, send_on_publish, updated_at, section, origin, created_at) "
	    "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?14, ?12, ?13, ?14)",
	[D_BY_ID] = "SELECT " DIGEST_COLUMNS "FROM digests d WHERE d.id = ?1",
	[D_BY_SLUG] = "SELECT " DIGEST_COLUMNS "FROM digests d WHERE d.slug = ?1",
	[D_SLUG_USED] = "SELECT 1 FROM digests WHERE slug = ?1 AND id != ?2",
	[D_SCHEDULE_WEEK] = "SELECT id FROM digests WHERE origin = 'schedule' AND section = ?1 "
	    "AND week = ?2",
	[D_SAVE] = "UPDATE digests SET title = ?2, slug = ?3, intro = ?4, intro_html = ?5, week = ?6, "
	    "status = ?7, scheduled_at = ?8, published_at = ?9, send_on_publish = ?10, "
	    "updated_at = ?11, section = ?12 WHERE id = ?1",
	[D_LIST] = "SELECT " DIGEST_COLUMNS "FROM digests d "
	    "ORDER BY CASE WHEN d.published_at > 0 THEN d.published_at ELSE d.created_at END DESC, "
	    "d.id DESC LIMIT ?1",
	[D_LIST_PUBLISHED] = "SELECT " DIGEST_COLUMNS "FROM digests d WHERE d.status = 'published' "
	    "ORDER BY d.published_at DESC, d.id DESC LIMIT ?1",
	[D_DUE] = "SELECT id FROM digests WHERE status = 'scheduled' AND scheduled_at <= ?1 "
	    "ORDER BY scheduled_at, id",
	[D_TOUCH] = "UPDATE digests SET updated_at = ?2 WHERE id = ?1",
	[D_ITEM_POSITION] = "SELECT position FROM digest_items WHERE digest_id = ?1 AND post_id = ?2",
	[D_ITEM_LAST] = "SELECT coalesce(max(position), 0) FROM digest_items WHERE digest_id = ?1",
	[D_ITEM_INSERT] = "INSERT INTO digest_items (digest_id, post_id, position, note, note_html) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[D_ITEM_NOTE] = "UPDATE digest_items SET note = ?3, note_html = ?4 "
	    "WHERE digest_id = ?1 AND post_id = ?2",
	[D_ITEM_DELETE] = "DELETE FROM digest_items WHERE digest_id = ?1 AND post_id = ?2",
	/* positions in [?2, ?3] move by ?4 (+1 or -1) */
	[D_ITEM_SHIFT] = "UPDATE digest_items SET position = position + ?4 "
	    "WHERE digest_id = ?1 AND position >= ?2 AND position <= ?3",
	[D_ITEM_SET_POSITION] = "UPDATE digest_items SET position = ?3 "
	    "WHERE digest_id = ?1 AND post_id = ?2",
	[D_ITEM_COUNT] = "SELECT count(*) FROM digest_items WHERE digest_id = ?1",
	[D_ITEMS] = "SELECT " POST_COLUMNS ", i.position, i.note, i.note_html" POST_FROM
	    "JOIN digest_items i ON i.post_id = p.id "
	    "WHERE i.digest_id = ?1 AND p.status = 'published' ORDER BY i.position",
	[D_POST_PUBLISHED] = "SELECT 1 FROM posts WHERE id = ?1 AND status = 'published'",
	[D_CANDIDATES] = "SELECT " POST_COLUMNS POST_FROM CANDIDATE_WHERE
	    "ORDER BY p.published_at DESC, p.id DESC LIMIT ?7",
	[D_CANDIDATES_SEARCH] = "SELECT " POST_COLUMNS POST_FROM CANDIDATE_WHERE
	    "AND p.id IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?6) "
	    "ORDER BY p.published_at DESC, p.id DESC LIMIT ?7",
	[D_QUEUE] = "INSERT INTO digest_sends (digest_id, recipient, next_attempt_at) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (digest_id, recipient) DO NOTHING",
	/* a pending row keeps its count and error but is due now */
	[D_REQUEUE] = "UPDATE digest_sends SET next_attempt_at = ?3, "
	    "attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END, "
	    "last_error = CASE WHEN status = 'pending' THEN last_error ELSE NULL END, "
	    "status = 'pending' WHERE digest_id = ?1 AND recipient = ?2 AND (status != 'sent' OR ?4)",
	[D_DUE_SENDS] = "SELECT digest_id, recipient, attempts FROM digest_sends "
	    "WHERE status = 'pending' AND next_attempt_at <= ?2 AND digest_id = ?1 "
	    "ORDER BY next_attempt_at, recipient LIMIT ?3",
	[D_DUE_SENDS_ALL] = "SELECT digest_id, recipient, attempts FROM digest_sends "
	    "WHERE status = 'pending' AND next_attempt_at <= ?2 AND ?1 = 0 "
	    "ORDER BY next_attempt_at, digest_id, recipient LIMIT ?3",
	[D_SEND_DONE] = "UPDATE digest_sends SET status = ?3, last_error = ?4, message_id = "
	    "coalesce(?5, message_id), next_attempt_at = ?6, attempts = attempts + 1, "
	    "sent_at = CASE WHEN ?3 = 'sent' THEN ?7 ELSE sent_at END "
	    "WHERE digest_id = ?1 AND recipient = ?2",
	[D_SEND_COUNTS] = "SELECT count(*), coalesce(sum(status = 'pending'), 0), "
	    "coalesce(sum(status = 'sent'), 0), coalesce(sum(status = 'failed'), 0), "
	    "coalesce(max(sent_at), 0) FROM digest_sends WHERE digest_id = ?1",
	[D_SENDS] = "SELECT recipient, status, attempts, last_error, sent_at, next_attempt_at "
	    "FROM digest_sends WHERE digest_id = ?1 ORDER BY recipient",
	[D_UNSUBSCRIBE] = "INSERT INTO digest_unsubscribes (section, address, created_at) "
	    "VALUES (?1, lower(?2), ?3) ON CONFLICT DO NOTHING",
	[D_UNSUBSCRIBED] = "SELECT 1 FROM digest_unsubscribes WHERE section = ?1 AND address = lower(?2)",
	[D_KEY] = "SELECT secret FROM digest_keys WHERE name = 'unsubscribe'",
};

static const char *const status_names[] = {
	[DIGEST_DRAFT] = "draft", [DIGEST_SCHEDULED] = "scheduled", [DIGEST_PUBLISHED] = "published",
};

static const char *const send_status_names[] = {
	[SEND_PENDING] = "pending", [SEND_SENT] = "sent", [SEND_FAILED] = "failed",
};

static sqlite3_stmt *
dstmt(struct store *s, enum digest_stmt which)
{
	if (s->digest_stmt[which] == NULL &&
	    sqlite3_prepare_v3(s->db, digest_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
	    &s->digest_stmt[which], NULL) != SQLITE_OK) {
		store_db_error(s, digest_sql[which]);
		return NULL;
	}
	return s->digest_stmt[which];
}

/* A one-column integer lookup: 0 and *out, 1 no row, -1. */
static int
lookup_int(struct store *s, sqlite3_stmt *st, const char *what, int64_t *out)
{
	int rc = store_step_row(s, st, what);

	if (rc != 0)
		return rc;
	*out = sqlite3_column_int64(st, 0);
	store_done(st);
	return 0;
}

/* ---------------------------------------------------------------- digests */

const char *
digest_status_name(enum digest_status st)
{
	return (size_t)st < NELEM(status_names) ? status_names[st] : "draft";
}

static enum digest_status
status_from_text(const char *t)
{
	size_t i;

	for (i = 0; t != NULL && i < NELEM(status_names); i++) {
		if (strcmp(t, status_names[i]) == 0)
			return (enum digest_status)i;
	}
	return DIGEST_DRAFT;
}

void
digest_clear(struct digest *d)
{
	free(d->slug);
	free(d->title);
	free(d->intro);
	free(d->intro_html);
	free(d->week);
	free(d->section);
	memset(d, 0, sizeof(*d));
}

/* Fills d from a row of DIGEST_COLUMNS. */
static void
digest_from_row(sqlite3_stmt *st, struct digest *d)
{
	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(st, 0);
	d->slug = store_col_dup(st, 1);
	d->title = store_col_dup(st, 2);
	d->intro = store_col_dup(st, 3);
	d->intro_html = store_col_dup(st, 4);
	d->week = store_col_dup(st, 5);
	d->section = store_col_dup(st, 6);
	d->status = status_from_text((const char *)sqlite3_column_text(st, 7));
	d->from_schedule = strcmp((const char *)sqlite3_column_text(st, 8), "schedule") == 0;
	d->send_on_publish = sqlite3_column_int(st, 9) != 0;
	d->scheduled_at = sqlite3_column_int64(st, 10);
	d->published_at = sqlite3_column_int64(st, 11);
	d->created_at = sqlite3_column_int64(st, 12);
	d->updated_at = sqlite3_column_int64(st, 13);
	d->item_count = sqlite3_column_int64(st, 14);
}

static json_t *
digest_json(sqlite3_stmt *st)
{
	struct digest d;
	json_t *o;

	digest_from_row(st, &d);
	o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:b, s:I, s:s?, s:I, s:I, s:I, s:I}",
	    "id", (json_int_t)d.id, "slug", d.slug, "title", d.title, "week", d.week,
	    "status", digest_status_name(d.status), "section", d.section, "from_schedule",
	    d.from_schedule, "item_count", (json_int_t)d.item_count, "intro_html", d.intro_html,
	    "published_at", (json_int_t)d.published_at, "updated_at", (json_int_t)d.updated_at,
	    "created_at", (json_int_t)d.created_at, "scheduled_at", (json_int_t)d.scheduled_at);
	digest_clear(&d);
	return o;
}

static int
digest_lookup(struct store *s, enum digest_stmt which, const char *slug, int64_t id,
    struct digest *out)
{
	sqlite3_stmt *st = dstmt(s, which);
	int rc;

	if (st == NULL)
		return -1;
	if (slug != NULL)
		store_bind_text(st, 1, slug);
	else
		sqlite3_bind_int64(st, 1, id);
	rc = store_step_row(s, st, "digest get");
	if (rc != 0)
		return rc;
	digest_from_row(st, out);
	store_done(st);
	return 0;
}

int
store_digest_get(struct store *s, int64_t id, struct digest *out)
{
	return digest_lookup(s, D_BY_ID, NULL, id, out);
}

int
store_digest_find(struct store *s, const char *slug, struct digest *out)
{
	return digest_lookup(s, D_BY_SLUG, slug, 0, out);
}

/* Is slug used by a digest other than id?  1 yes, 0 no, -1. */
static int
slug_used(struct store *s, const char *slug, int64_t id)
{
	sqlite3_stmt *st = dstmt(s, D_SLUG_USED);
	int rc;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, slug);
	sqlite3_bind_int64(st, 2, id);
	rc = store_step_row(s, st, "digest slug");
	if (rc == 0)
		store_done(st);
	return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

/* Finds a free slug for a new digest (replacing d->slug when it varies):
 * 0, 1 taken and may not vary, -1. */
static int
free_slug(struct store *s, struct digest *d, bool may_vary)
{
	struct buf b = BUF_INIT;
	int used, n;

	used = slug_used(s, d->slug, 0);
	if (used != 1)
		return used;
	if (!may_vary)
		return 1;
	for (n = 2; used == 1; n++) {
		buf_reset(&b);
		buf_printf(&b, "%s-%d", d->slug, n);
		used = slug_used(s, buf_str(&b), 0);
	}
	if (used == 0) {
		free(d->slug);
		d->slug = buf_steal(&b);
	}
	buf_free(&b);
	return used;
}

static int
post_published(struct store *s, int64_t post_id)
{
	sqlite3_stmt *st = dstmt(s, D_POST_PUBLISHED);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post_id);
	rc = store_step_row(s, st, "post published");
	if (rc == 0)
		store_done(st);
	return rc;
}

static int
item_insert(struct store *s, int64_t digest_id, int64_t post_id, int64_t position,
    const char *note, const char *note_html)
{
	sqlite3_stmt *st = dstmt(s, D_ITEM_INSERT);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, digest_id);
	sqlite3_bind_int64(st, 2, post_id);
	sqlite3_bind_int64(st, 3, position);
	store_bind_text(st, 4, note);
	store_bind_text(st, 5, note_html);
	return store_step_done(s, st, "digest item insert");
}

/* Binds a digest's fields for D_INSERT or D_SAVE (one numbering). */
static void
bind_digest(sqlite3_stmt *st, const struct digest *d)
{
	sqlite3_bind_int64(st, 1, d->id);
	store_bind_text(st, 2, d->title);
	store_bind_text(st, 3, d->slug);
	store_bind_text(st, 4, d->intro);
	store_bind_text(st, 5, d->intro_html);
	store_bind_text(st, 6, d->week);
	store_bind_text(st, 7, digest_status_name(d->status));
	sqlite3_bind_int64(st, 8, d->scheduled_at);
	sqlite3_bind_int64(st, 9, d->published_at);
	sqlite3_bind_int(st, 10, d->send_on_publish);
	sqlite3_bind_int64(st, 11, d->updated_at);
	store_bind_text(st, 12, d->section);
}

static int
insert_digest(struct store *s, const struct digest *d)
{
	sqlite3_stmt *st = dstmt(s, D_INSERT);

	if (st == NULL)
		return -1;
	bind_digest(st, d);
	store_bind_text(st, 13, d->from_schedule ? "schedule" : "manual");
	sqlite3_bind_int64(st, 14, d->created_at);
	return store_step_done(s, st, "digest insert");
}

int
store_digest_add(struct store *s, struct digest *d, bool slug_may_vary,
    const int64_t *post_ids, size_t n_posts, int64_t *id_out)
{
	sqlite3_stmt *st;
	int64_t id, position = 0;
	size_t i;
	int rc;

	if (store_begin(s) == -1)
		return -1;
	if (d->from_schedule) {
		st = dstmt(s, D_SCHEDULE_WEEK);
		if (st == NULL)
			goto fail;
		store_bind_text(st, 1, d->section);
		store_bind_text(st, 2, d->week);
		rc = lookup_int(s, st, "digest schedule week", id_out);
		if (rc == -1)
			goto fail;
		if (rc == 0) {
			store_rollback(s);
			return 2;
		}
	}
	rc = free_slug(s, d, slug_may_vary);
	if (rc != 0) {
		store_rollback(s);
		return rc;
	}
	if (insert_digest(s, d) == -1)
		goto fail;
	id = sqlite3_last_insert_rowid(s->db);
	for (i = 0; i < n_posts; i++) {
		rc = post_published(s, post_ids[i]);
		if (rc == -1)
			goto fail;
		if (rc == 1)
			continue;
		if (item_insert(s, id, post_ids[i], ++position, NULL, NULL) == -1)
			goto fail;
	}
	if (store_commit(s) == -1)
		return -1;
	*id_out = id;
	return 0;
fail:
	store_rollback(s);
	return -1;
}

int
store_digest_save(struct store *s, const struct digest *d)
{
	sqlite3_stmt *st;
	int used = slug_used(s, d->slug, d->id);

	if (used != 0)
		return used;
	st = dstmt(s, D_SAVE);
	if (st == NULL)
		return -1;
	bind_digest(st, d);
	return store_step_done(s, st, "digest save");
}

json_t *
store_digests(struct store *s, bool published_only, int limit)
{
	sqlite3_stmt *st = dstmt(s, published_only ? D_LIST_PUBLISHED : D_LIST);

	if (st == NULL)
		return NULL;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : 1000);
	return store_collect(s, st, digest_json, "digest list");
}

static json_t *
digest_id_row(sqlite3_stmt *st)
{
	return json_integer(sqlite3_column_int64(st, 0));
}

json_t *
store_digests_due(struct store *s, int64_t now)
{
	sqlite3_stmt *st = dstmt(s, D_DUE);

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, now);
	return store_collect(s, st, digest_id_row, "digests due");
}

/* ---------------------------------------------------------------- items */

static int
touch(struct store *s, int64_t digest_id, int64_t now)
{
	sqlite3_stmt *st = dstmt(s, D_TOUCH);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, digest_id);
	sqlite3_bind_int64(st, 2, now);
	return store_step_done(s, st, "digest touch");
}

/* The position of post in digest: 0 and *out, 1 not in it, -1. */
static int
item_position(struct store *s, int64_t digest_id, int64_t post_id, int64_t *out)
{
	sqlite3_stmt *st = dstmt(s, D_ITEM_POSITION);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, digest_id);
	sqlite3_bind_int64(st, 2, post_id);
	return lookup_int(s, st, "digest item position", out);
}

static int
digest_int(struct store *s, enum digest_stmt which, int64_t digest_id, int64_t *out)
{
	sqlite3_stmt *st = dstmt(s, which);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, digest_id);
	return lookup_int(s, st, digest_sql[which], out);
}

/* Moves positions [from, to] of a digest by delta. */
static int
shift(struct store *s, int64_t digest_id, int64_t from, int64_t to, int delta)
{
	sqlite3_stmt *st = dstmt(s, D_ITEM_SHIFT);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, digest_id);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	sqlite3_bind_int(st, 4, delta);
	return store_step_done(s, st, "digest item shift");
}

int
store_digest_item_put(struct store *s, int64_t digest_id, int64_t post_id,
    const char *note, const char *note_html, int64_t now)
{
	sqlite3_stmt *st;
	int64_t position, last;
	int rc;

	if (store_begin(s) == -1)
		return -1;
	rc = post_published(s, post_id);
	if (rc != 0)
		goto out;
	rc = item_position(s, digest_id, post_id, &position);
	if (rc == -1)
		goto out;
	if (rc == 0) {
		st = dstmt(s, D_ITEM_NOTE);
		if (st == NULL) {
			rc = -1;
			goto out;
		}
		sqlite3_bind_int64(st, 1, digest_id);
		sqlite3_bind_int64(st, 2, post_id);
		store_bind_text(st, 3, note);
		store_bind_text(st, 4, note_html);
		rc = store_step_done(s, st, "digest item note");
	} else {
		rc = digest_int(s, D_ITEM_LAST, digest_id, &last);
		if (rc == 0)
			rc = item_insert(s, digest_id, post_id, last + 1, note, note_html);
	}
	if (rc == 0)
		rc = touch(s, digest_id, now);
out:
	if (rc != 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s);
}

int
store_digest_item_remove(struct store *s, int64_t digest_id, int64_t post_id, int64_t now)
{
	sqlite3_stmt *st;
	int64_t position;
	int rc;

	if (store_begin(s) == -1)
		return -1;
	rc = item_position(s, digest_id, post_id, &position);
	if (rc != 0)
		goto out;
	st = dstmt(s, D_ITEM_DELETE);
	if (st == NULL) {
		rc = -1;
		goto out;
	}
	sqlite3_bind_int64(st, 1, digest_id);
	sqlite3_bind_int64(st, 2, post_id);
	rc = store_step_done(s, st, "digest item delete");
	if (rc == 0)
		rc = shift(s, digest_id, position + 1, INT64_MAX, -1);
	if (rc == 0)
		rc = touch(s, digest_id, now);
out:
	if (rc != 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s);
}

int
store_digest_item_move(struct store *s, int64_t digest_id, int64_t post_id, int position,
    int64_t now)
{
	sqlite3_stmt *st;
	int64_t from, count, to;
	int rc;

	if (store_begin(s) == -1)
		return -1;
	rc = item_position(s, digest_id, post_id, &from);
	if (rc == 0)
		rc = digest_int(s, D_ITEM_COUNT, digest_id, &count);
	if (rc != 0)
		goto out;
	to = position < 1 ? 1 : position > count ? count : position;
	if (to < from)
		rc = shift(s, digest_id, to, from - 1, 1);
	else if (to > from)
		rc = shift(s, digest_id, from + 1, to, -1);
	if (rc == 0 && to != from) {
		st = dstmt(s, D_ITEM_SET_POSITION);
		if (st == NULL) {
			rc = -1;
			goto out;
		}
		sqlite3_bind_int64(st, 1, digest_id);
		sqlite3_bind_int64(st, 2, post_id);
		sqlite3_bind_int64(st, 3, to);
		rc = store_step_done(s, st, "digest item move");
		if (rc == 0)
			rc = touch(s, digest_id, now);
	}
out:
	if (rc != 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s);
}

/* Steps st to the end collecting post rows, with extra columns added by
 * extra (may be NULL); NULL on a database error. */
static json_t *
collect(struct store *s, sqlite3_stmt *st, void (*extra)(json_t *post, sqlite3_stmt *st),
    const char *what)
{
	json_t *list = json_array(), *post;
	int rc;

	for (rc = sqlite3_step(st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		post = store_read_post(st);
		if (extra != NULL)
			extra(post, st);
		json_array_append_new(list, post);
	}
	store_done(st);
	if (rc != SQLITE_DONE) {
		store_db_error(s, what);
		json_decref(list);
		return NULL;
	}
	return list;
}

static void
item_columns(json_t *post, sqlite3_stmt *st)
{
	json_object_set_new(post, "position", json_integer(sqlite3_column_int64(st, POST_COLUMN_COUNT)));
	json_object_set_new(post, "note", store_col_json_text(st, POST_COLUMN_COUNT + 1));
	json_object_set_new(post, "note_html", store_col_json_text(st, POST_COLUMN_COUNT + 2));
}

json_t *
store_digest_items(struct store *s, int64_t digest_id)
{
	sqlite3_stmt *st = dstmt(s, D_ITEMS);

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, digest_id);
	return collect(s, st, item_columns, "digest items");
}

/* ---------------------------------------------------------------- candidates */

static json_t *
candidates_once(struct store *s, const struct digest_filter *f, const char *match, bool *bad)
{
	sqlite3_stmt *st = dstmt(s, match != NULL ? D_CANDIDATES_SEARCH : D_CANDIDATES);
	int rc;

	*bad = false;
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, f->from);
	sqlite3_bind_int64(st, 2, f->to > 0 ? f->to : INT64_MAX);
	store_bind_text(st, 3, f->tag);
	sqlite3_bind_int64(st, 4, f->source_id);
	store_bind_text(st, 5, f->team);
	store_bind_text(st, 6, match);
	sqlite3_bind_int(st, 7, f->limit > 0 ? f->limit : 100);
	if (match != NULL) {
		/* an FTS5 syntax error surfaces at the first step */
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			store_done(st);
			*bad = true;
			return NULL;
		}
		sqlite3_reset(st);
	}
	return collect(s, st, NULL, "digest candidates");
}

json_t *
store_digest_candidates(struct store *s, const struct digest_filter *f)
{
	struct buf terms = BUF_INIT;
	json_t *list;
	bool bad;

	if (f->search == NULL || *f->search == '\0')
		return candidates_once(s, f, NULL, &bad);
	list = candidates_once(s, f, f->search, &bad);
	if (bad) {
		/* not FTS5 syntax: the words themselves, else nothing matches */
		store_read_fts_terms(f->search, &terms);
		if (terms.len > 0)
			list = candidates_once(s, f, buf_str(&terms), &bad);
		if (list == NULL && bad)
			list = json_array();
	}
	buf_free(&terms);
	return list;
}

/* ---------------------------------------------------------------- sending */

int
store_digest_queue(struct store *s, int64_t digest_id, const char *const *recipients,
    size_t n, bool force, int64_t now)
{
	sqlite3_stmt *add = dstmt(s, D_QUEUE), *again = dstmt(s, D_REQUEUE);
	size_t i;

	if (add == NULL || again == NULL || store_begin(s) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(add, 1, digest_id);
		store_bind_text(add, 2, recipients[i]);
		sqlite3_bind_int64(add, 3, now);
		if (store_step_done(s, add, "digest queue") == -1)
			goto fail;
		sqlite3_bind_int64(again, 1, digest_id);
		store_bind_text(again, 2, recipients[i]);
		sqlite3_bind_int64(again, 3, now);
		sqlite3_bind_int(again, 4, force);
		if (store_step_done(s, again, "digest requeue") == -1)
			goto fail;
	}
	return store_commit(s);
fail:
	store_rollback(s);
	return -1;
}

int
store_digest_scheduled(struct store *s, const char *section, const char *week, int64_t *id_out)
{
	sqlite3_stmt *st = dstmt(s, D_SCHEDULE_WEEK);

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, section);
	store_bind_text(st, 2, week);
	return lookup_int(s, st, "digest schedule week", id_out);
}

static json_t *
send_due_row(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:o, s:I}",
	    "digest_id", (json_int_t)sqlite3_column_int64(st, 0), "recipient", store_col_json_text(st, 1),
	    "attempts", (json_int_t)sqlite3_column_int64(st, 2));
}

json_t *
store_digest_sends_due(struct store *s, int64_t digest_id, int64_t now, int limit)
{
	sqlite3_stmt *st = dstmt(s, digest_id != 0 ? D_DUE_SENDS : D_DUE_SENDS_ALL);

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, digest_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, limit > 0 ? limit : 100000);
	return store_collect(s, st, send_due_row, "digest sends due");
}

int
store_digest_send_done(struct store *s, int64_t digest_id, const char *recipient,
    enum digest_send_status status, const char *error, const char *message_id,
    int64_t next_attempt_at, int64_t now)
{
	sqlite3_stmt *st = dstmt(s, D_SEND_DONE);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, digest_id);
	store_bind_text(st, 2, recipient);
	store_bind_text(st, 3, send_status_names[status]);
	store_bind_text(st, 4, error);
	store_bind_text(st, 5, message_id);
	sqlite3_bind_int64(st, 6, next_attempt_at);
	sqlite3_bind_int64(st, 7, now);
	return store_step_done(s, st, "digest send done");
}

int
store_digest_send_counts(struct store *s, int64_t digest_id, struct digest_send_counts *out)
{
	sqlite3_stmt *st = dstmt(s, D_SEND_COUNTS);
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, digest_id);
	rc = store_step_row(s, st, "digest send counts");
	if (rc != 0)
		return rc == 1 ? 0 : -1;
	out->total = sqlite3_column_int64(st, 0);
	out->pending = sqlite3_column_int64(st, 1);
	out->sent = sqlite3_column_int64(st, 2);
	out->failed = sqlite3_column_int64(st, 3);
	out->last_sent_at = sqlite3_column_int64(st, 4);
	store_done(st);
	return 0;
}

static json_t *
send_row(sqlite3_stmt *st)
{
	return json_pack("{s:o, s:o, s:I, s:o, s:I, s:I}",
	    "recipient", store_col_json_text(st, 0), "status", store_col_json_text(st, 1),
	    "attempts", (json_int_t)sqlite3_column_int64(st, 2), "last_error", store_col_json_text(st, 3),
	    "sent_at", (json_int_t)sqlite3_column_int64(st, 4),
	    "next_attempt_at", (json_int_t)sqlite3_column_int64(st, 5));
}

json_t *
store_digest_sends(struct store *s, int64_t digest_id)
{
	sqlite3_stmt *st = dstmt(s, D_SENDS);

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, digest_id);
	return store_collect(s, st, send_row, "digest sends");
}

/* ---------------------------------------------------------------- unsubscribes */

int
store_digest_unsubscribe(struct store *s, const char *section, const char *address, int64_t now)
{
	sqlite3_stmt *st = dstmt(s, D_UNSUBSCRIBE);

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, section);
	store_bind_text(st, 2, address);
	sqlite3_bind_int64(st, 3, now);
	return store_step_done(s, st, "digest unsubscribe");
}

int
store_digest_unsubscribed(struct store *s, const char *section, const char *address)
{
	sqlite3_stmt *st = dstmt(s, D_UNSUBSCRIBED);
	int rc;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, section);
	store_bind_text(st, 2, address);
	rc = store_step_row(s, st, "digest unsubscribed");
	if (rc == 0)
		store_done(st);
	return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

int
store_digest_key(struct store *s, unsigned char out[32])
{
	sqlite3_stmt *st = dstmt(s, D_KEY);
	int rc;

	if (st == NULL)
		return -1;
	rc = store_step_row(s, st, "digest key");
	if (rc != 0)
		return -1;
	if (sqlite3_column_bytes(st, 0) != 32) {
		store_done(st);
		return -1;
	}
	memcpy(out, sqlite3_column_blob(st, 0), 32);
	store_done(st);
	return 0;
}
