/*
 * store_local.c: the publishing half of the store: teams, people,
 * tokens, sessions, local posts, media and the outbox (store.h,
 * "publishing").  Secrets never reach this file in clear: passwords
 * arrive as argon2id strings, tokens and session ids as SHA-256 hashes.
 */
#include "store.h"
#include "store_int.h"
#include "log.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum local_stmt {
	L_TEAM_FIND, L_TEAM_SLUG, L_TEAMS,
	L_USER_ADD, L_USER_BY_NAME, L_USER_BY_ID, L_USER_PASSWORD, L_USER_LOGIN, L_USERS,
	L_TOKEN_ADD, L_TOKEN_FIND, L_TOKEN_TOUCH, L_TOKEN_REVOKE, L_TOKENS,
	L_SESSION_ADD, L_SESSION_FIND, L_SESSION_DELETE, L_SESSION_EXPIRE, L_SESSION_END,
	L_LOCAL_GET, L_LOCAL_FIND, L_POST_STATUS, L_LOCAL_LIST, L_LOCAL_TAGS,
	L_MEDIA_ADD, L_MEDIA_GET,
	L_OUTBOX_ADD, L_OUTBOX_DUE, L_OUTBOX_DONE, L_OUTBOX_FAILED, L_OUTBOX_LIST,
	L_COUNT
};

_Static_assert(L_COUNT <= STORE_LOCAL_STMTS, "raise STORE_LOCAL_STMTS");

#define USER_COLUMNS "u.id, u.name, u.team_id, t.slug, u.admin, u.password_hash "
#define USER_FROM "FROM users u LEFT JOIN teams t ON t.id = u.team_id "
#define TOKEN_COLUMNS "k.id, k.team_id, t.slug, k.name, k.scopes, k.created_at, k.last_used_at, k.revoked_at "

static const char *const local_sql[L_COUNT] = {
	[L_TEAM_FIND] = "SELECT id FROM teams WHERE slug = ?1",
	[L_TEAM_SLUG] = "SELECT slug FROM teams WHERE id = ?1",
	[L_TEAMS] = "SELECT t.slug, coalesce(t.name, t.slug), t.description, "
	    "(SELECT count(*) FROM posts p WHERE p.team_id = t.id AND p.status = 'published') "
	    "FROM teams t ORDER BY t.slug",
	[L_USER_ADD] = "INSERT INTO users (name, team_id, admin, password_hash, created_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO NOTHING",
	[L_USER_BY_NAME] = "SELECT " USER_COLUMNS USER_FROM "WHERE u.name = ?1",
	[L_USER_BY_ID] = "SELECT " USER_COLUMNS USER_FROM "WHERE u.id = ?1",
	[L_USER_PASSWORD] = "UPDATE users SET password_hash = ?2 WHERE id = ?1",
	[L_USER_LOGIN] = "UPDATE users SET last_login_at = ?2 WHERE id = ?1",
	[L_USERS] = "SELECT u.name, t.slug, u.admin, u.created_at, u.last_login_at " USER_FROM
	    "ORDER BY u.name",
	[L_TOKEN_ADD] = "INSERT INTO tokens (team_id, name, scopes, hash, created_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[L_TOKEN_FIND] = "SELECT " TOKEN_COLUMNS "FROM tokens k JOIN teams t ON t.id = k.team_id "
	    "WHERE k.hash = ?1 AND k.revoked_at = 0",
	[L_TOKEN_TOUCH] = "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1",
	[L_TOKEN_REVOKE] = "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at = 0",
	[L_TOKENS] = "SELECT " TOKEN_COLUMNS "FROM tokens k JOIN teams t ON t.id = k.team_id ORDER BY k.id",
	[L_SESSION_ADD] = "INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[L_SESSION_FIND] = "SELECT user_id, csrf, expires_at FROM sessions WHERE hash = ?1 AND expires_at > ?2",
	[L_SESSION_DELETE] = "DELETE FROM sessions WHERE hash = ?1",
	[L_SESSION_EXPIRE] = "DELETE FROM sessions WHERE expires_at <= ?1",
	[L_SESSION_END] = "DELETE FROM sessions WHERE user_id = ?1",
	[L_LOCAL_GET] = "SELECT id, coalesce(team_id, 0), guid, slug, title, markdown, properties, status, "
	    "published_at, updated_at FROM posts WHERE id = ?1 AND kind = 'local'",
	[L_LOCAL_FIND] = "SELECT id FROM posts WHERE feed_id IS NULL AND guid = ?1",
	[L_POST_STATUS] = "UPDATE posts SET status = ?2, updated_at = ?3 WHERE id = ?1 AND kind = 'local'",
	[L_LOCAL_LIST] = "SELECT p.id, p.title, p.slug, p.status, p.published_at, p.updated_at, p.markdown "
	    "FROM posts p WHERE p.kind = 'local' AND p.team_id = ?1 AND p.status != 'deleted' "
	    "ORDER BY p.updated_at DESC, p.id DESC LIMIT ?2",
	[L_LOCAL_TAGS] = "SELECT t.label FROM post_tags pt JOIN tags t ON t.id = pt.tag_id "
	    "WHERE pt.post_id = ?1 AND pt.origin = 'manual' ORDER BY pt.tag_id",
	[L_MEDIA_ADD] = "INSERT INTO media (team_id, sha256, content_type, size, data, created_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[L_MEDIA_GET] = "SELECT content_type, data FROM media WHERE id = ?1",
	[L_OUTBOX_ADD] = "INSERT INTO outbox (url, content_type, body, headers, purpose, created_at, "
	    "next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
	[L_OUTBOX_DUE] = "SELECT id, url, content_type, headers, purpose, body, attempts FROM outbox "
	    "WHERE done_at = 0 AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2",
	[L_OUTBOX_DONE] = "UPDATE outbox SET done_at = ?2, attempts = attempts + 1, last_error = NULL "
	    "WHERE id = ?1",
	[L_OUTBOX_FAILED] = "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, "
	    "next_attempt_at = ?3, done_at = CASE WHEN ?4 THEN -1 ELSE 0 END WHERE id = ?1",
	[L_OUTBOX_LIST] = "SELECT id, url, purpose, attempts, coalesce(last_error, ''), done_at, "
	    "next_attempt_at FROM outbox ORDER BY id DESC LIMIT ?1",
};

static sqlite3_stmt *
lstmt(struct store *s, enum local_stmt which)
{
	if (s->local_stmt[which] == NULL &&
	    sqlite3_prepare_v3(s->db, local_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
	    &s->local_stmt[which], NULL) != SQLITE_OK) {
		store_db_error(s, local_sql[which]);
		return NULL;
	}
	return s->local_stmt[which];
}

/* Runs an UPDATE whose parameters are a row id (?1) and one integer (?2). */
static int
update_id_int(struct store *s, enum local_stmt which, int64_t id, int64_t value)
{
	sqlite3_stmt *st = lstmt(s, which);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, value);
	return store_step_done(s, st, local_sql[which]);
}

/* ---------------------------------------------------------------- teams */

int
store_team_find(struct store *s, const char *slug, int64_t *id_out)
{
	sqlite3_stmt *st = lstmt(s, L_TEAM_FIND);
	int rc;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, slug);
	rc = store_step_row(s, st, "team find");
	if (rc != 0)
		return rc;
	*id_out = sqlite3_column_int64(st, 0);
	store_done(st);
	return 0;
}

int
store_team_slug(struct store *s, int64_t id, struct buf *out)
{
	sqlite3_stmt *st = lstmt(s, L_TEAM_SLUG);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = store_step_row(s, st, "team slug");
	if (rc != 0)
		return rc;
	buf_reset(out);
	buf_puts(out, (const char *)sqlite3_column_text(st, 0));
	store_done(st);
	return 0;
}

static json_t *
team_row(sqlite3_stmt *st)
{
	return json_pack("{s:o, s:o, s:o, s:I}", "slug", store_col_json_text(st, 0),
	    "name", store_col_json_text(st, 1), "description", store_col_json_text(st, 2),
	    "post_count", (json_int_t)sqlite3_column_int64(st, 3));
}

json_t *
store_teams(struct store *s)
{
	sqlite3_stmt *st = lstmt(s, L_TEAMS);

	if (st == NULL)
		return NULL;
	return store_collect(s, st, team_row, "teams");
}

/* ---------------------------------------------------------------- users */

void
user_clear(struct user *u)
{
	free(u->name);
	free(u->team_slug);
	if (u->password_hash != NULL)
		memset(u->password_hash, 0, strlen(u->password_hash));
	free(u->password_hash);
	memset(u, 0, sizeof(*u));
}

int
store_user_add(struct store *s, const char *name, int64_t team_id, bool admin,
    const char *password_hash, int64_t *id_out)
{
	sqlite3_stmt *st = lstmt(s, L_USER_ADD);
	int rc;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, name);
	if (team_id > 0)
		sqlite3_bind_int64(st, 2, team_id);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int(st, 3, admin);
	store_bind_text(st, 4, password_hash);
	sqlite3_bind_int64(st, 5, util_now());
	rc = sqlite3_step(st);
	store_done(st);
	if (rc != SQLITE_DONE) {
		store_db_error(s, "user add");
		return -1;
	}
	if (sqlite3_changes(s->db) == 0)
		return 1;
	s->own_writes++;
	if (id_out != NULL)
		*id_out = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static int
user_lookup(struct store *s, enum local_stmt which, const char *name, int64_t id, struct user *out)
{
	sqlite3_stmt *st = lstmt(s, which);
	int rc;

	if (st == NULL)
		return -1;
	if (name != NULL)
		store_bind_text(st, 1, name);
	else
		sqlite3_bind_int64(st, 1, id);
	rc = store_step_row(s, st, "user lookup");
	if (rc != 0)
		return rc;
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	out->name = store_col_dup(st, 1);
	out->team_id = sqlite3_column_int64(st, 2);
	out->team_slug = store_col_dup(st, 3);
	out->admin = sqlite3_column_int(st, 4) != 0;
	out->password_hash = store_col_dup(st, 5);
	store_done(st);
	return 0;
}

int
store_user_find(struct store *s, const char *name, struct user *out)
{
	return user_lookup(s, L_USER_BY_NAME, name, 0, out);
}

int
store_user_get(struct store *s, int64_t id, struct user *out)
{
	return user_lookup(s, L_USER_BY_ID, NULL, id, out);
}

int
store_user_set_password(struct store *s, int64_t id, const char *password_hash)
{
	sqlite3_stmt *st = lstmt(s, L_USER_PASSWORD);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, password_hash);
	return store_step_done(s, st, "user password");
}

int
store_user_logged_in(struct store *s, int64_t id, int64_t now)
{
	return update_id_int(s, L_USER_LOGIN, id, now);
}

/* ---------------------------------------------------------------- tokens */

void
token_clear(struct token *t)
{
	free(t->team_slug);
	free(t->name);
	free(t->scopes);
	memset(t, 0, sizeof(*t));
}

int
store_token_add(struct store *s, int64_t team_id, const char *name, const char *scopes,
    const char *hash, int64_t *id_out)
{
	sqlite3_stmt *st = lstmt(s, L_TOKEN_ADD);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, team_id);
	store_bind_text(st, 2, name);
	store_bind_text(st, 3, scopes);
	store_bind_text(st, 4, hash);
	sqlite3_bind_int64(st, 5, util_now());
	if (store_step_done(s, st, "token add") == -1)
		return -1;
	if (id_out != NULL)
		*id_out = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static void
token_from_row(sqlite3_stmt *st, struct token *t)
{
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, 0);
	t->team_id = sqlite3_column_int64(st, 1);
	t->team_slug = store_col_dup(st, 2);
	t->name = store_col_dup(st, 3);
	t->scopes = store_col_dup(st, 4);
	t->created_at = sqlite3_column_int64(st, 5);
	t->last_used_at = sqlite3_column_int64(st, 6);
	t->revoked_at = sqlite3_column_int64(st, 7);
}

int
store_token_find(struct store *s, const char *hash, struct token *out)
{
	sqlite3_stmt *st = lstmt(s, L_TOKEN_FIND);
	int rc;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, hash);
	rc = store_step_row(s, st, "token find");
	if (rc != 0)
		return rc;
	token_from_row(st, out);
	store_done(st);
	return 0;
}

int
store_token_touch(struct store *s, int64_t id, int64_t now)
{
	return update_id_int(s, L_TOKEN_TOUCH, id, now);
}

int
store_token_revoke(struct store *s, int64_t id, int64_t now)
{
	if (update_id_int(s, L_TOKEN_REVOKE, id, now) == -1)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 0 : 1;
}

json_t *
store_tokens(struct store *s)
{
	sqlite3_stmt *st = lstmt(s, L_TOKENS);
	json_t *list;
	struct token t;
	int rc;

	if (st == NULL)
		return NULL;
	list = json_array();
	for (rc = sqlite3_step(st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		token_from_row(st, &t);
		json_array_append_new(list, json_pack("{s:I, s:s, s:s?, s:s, s:I, s:I, s:I}",
		    "id", (json_int_t)t.id, "team", t.team_slug, "name", t.name, "scopes", t.scopes,
		    "created_at", (json_int_t)t.created_at, "last_used_at", (json_int_t)t.last_used_at,
		    "revoked_at", (json_int_t)t.revoked_at));
		token_clear(&t);
	}
	store_done(st);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return NULL;
	}
	return list;
}

static json_t *
user_row(sqlite3_stmt *st)
{
	return json_pack("{s:o, s:o, s:b, s:I, s:I}", "name", store_col_json_text(st, 0),
	    "team", store_col_json_text(st, 1), "admin", sqlite3_column_int(st, 2) != 0,
	    "created_at", (json_int_t)sqlite3_column_int64(st, 3),
	    "last_login_at", (json_int_t)sqlite3_column_int64(st, 4));
}

json_t *
store_users(struct store *s)
{
	sqlite3_stmt *st = lstmt(s, L_USERS);

	if (st == NULL)
		return NULL;
	return store_collect(s, st, user_row, "users");
}

/* ---------------------------------------------------------------- sessions */

void
session_clear(struct session *se)
{
	free(se->csrf);
	memset(se, 0, sizeof(*se));
}

int
store_session_add(struct store *s, const char *hash, int64_t user_id, const char *csrf,
    int64_t now, int64_t expires_at)
{
	sqlite3_stmt *st = lstmt(s, L_SESSION_EXPIRE);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	if (store_step_done(s, st, "session expire") == -1)
		return -1;
	st = lstmt(s, L_SESSION_ADD);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, user_id);
	store_bind_text(st, 3, csrf);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, expires_at);
	return store_step_done(s, st, "session add");
}

int
store_session_find(struct store *s, const char *hash, int64_t now, struct session *out)
{
	sqlite3_stmt *st = lstmt(s, L_SESSION_FIND);
	int rc;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, now);
	rc = store_step_row(s, st, "session find");
	if (rc != 0)
		return rc;
	out->user_id = sqlite3_column_int64(st, 0);
	out->csrf = store_col_dup(st, 1);
	out->expires_at = sqlite3_column_int64(st, 2);
	store_done(st);
	return 0;
}

int
store_session_delete(struct store *s, const char *hash)
{
	sqlite3_stmt *st = lstmt(s, L_SESSION_DELETE);

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, hash);
	return store_step_done(s, st, "session delete");
}

int
store_sessions_end(struct store *s, int64_t user_id)
{
	sqlite3_stmt *st = lstmt(s, L_SESSION_END);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	return store_step_done(s, st, "sessions end");
}

/* ---------------------------------------------------------------- local posts */

void
local_post_clear(struct local_post *lp)
{
	free(lp->guid);
	free(lp->slug);
	free(lp->title);
	free(lp->markdown);
	free(lp->properties);
	memset(lp, 0, sizeof(*lp));
}

static enum post_status
status_from_text(const char *t)
{
	if (t != NULL && strcmp(t, "draft") == 0)
		return POST_DRAFT;
	if (t != NULL && strcmp(t, "deleted") == 0)
		return POST_DELETED;
	return POST_PUBLISHED;
}

int
store_local_get(struct store *s, int64_t id, struct local_post *out)
{
	sqlite3_stmt *st = lstmt(s, L_LOCAL_GET);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = store_step_row(s, st, "local post");
	if (rc != 0)
		return rc;
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	out->team_id = sqlite3_column_int64(st, 1);
	out->guid = store_col_dup(st, 2);
	out->slug = store_col_dup(st, 3);
	out->title = store_col_dup(st, 4);
	out->markdown = store_col_dup(st, 5);
	out->properties = store_col_dup(st, 6);
	out->status = status_from_text((const char *)sqlite3_column_text(st, 7));
	out->published_at = sqlite3_column_int64(st, 8);
	out->updated_at = sqlite3_column_int64(st, 9);
	store_done(st);
	return 0;
}

int
store_local_find(struct store *s, const char *guid, int64_t *id_out)
{
	sqlite3_stmt *st = lstmt(s, L_LOCAL_FIND);
	int rc;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, guid);
	rc = store_step_row(s, st, "local find");
	if (rc != 0)
		return rc;
	*id_out = sqlite3_column_int64(st, 0);
	store_done(st);
	return 0;
}

int
store_local_save(struct store *s, struct post *p)
{
	/* the same path as polled posts: insert or update by (no feed, guid) */
	p->kind = POST_LOCAL;
	return store_feed_commit(s, NULL, &p, 1, NULL);
}

int
store_post_set_status(struct store *s, int64_t id, enum post_status status, int64_t now)
{
	static const char *const names[] = {
		[POST_PUBLISHED] = "published", [POST_DRAFT] = "draft", [POST_DELETED] = "deleted",
	};
	sqlite3_stmt *st = lstmt(s, L_POST_STATUS);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, names[status]);
	sqlite3_bind_int64(st, 3, now);
	if (store_step_done(s, st, "post status") == -1)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 0 : 1;
}

static json_t *
local_post_row(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:o, s:o, s:o, s:I, s:I, s:o}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0), "title", store_col_json_text(st, 1),
	    "slug", store_col_json_text(st, 2), "status", store_col_json_text(st, 3),
	    "published_at", (json_int_t)sqlite3_column_int64(st, 4),
	    "updated_at", (json_int_t)sqlite3_column_int64(st, 5), "markdown", store_col_json_text(st, 6));
}

json_t *
store_local_posts(struct store *s, int64_t team_id, int limit)
{
	sqlite3_stmt *st = lstmt(s, L_LOCAL_LIST);

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, team_id);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : 100);
	return store_collect(s, st, local_post_row, "local posts");
}

int
store_local_tags(struct store *s, int64_t post_id, struct buf *out)
{
	sqlite3_stmt *st = lstmt(s, L_LOCAL_TAGS);
	int rc, n = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post_id);
	for (rc = sqlite3_step(st); rc == SQLITE_ROW; rc = sqlite3_step(st))
		buf_printf(out, "%s%s", n++ ? ", " : "", (const char *)sqlite3_column_text(st, 0));
	store_done(st);
	if (rc != SQLITE_DONE) {
		store_db_error(s, "local tags");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- media */

int
store_media_add(struct store *s, int64_t team_id, const char *sha256, const char *content_type,
    const void *data, size_t len, int64_t now, int64_t *id_out)
{
	sqlite3_stmt *st = lstmt(s, L_MEDIA_ADD);

	if (st == NULL)
		return -1;
	if (team_id > 0)
		sqlite3_bind_int64(st, 1, team_id);
	else
		sqlite3_bind_null(st, 1);
	store_bind_text(st, 2, sha256);
	store_bind_text(st, 3, content_type);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)len);
	sqlite3_bind_blob64(st, 5, data, len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	if (store_step_done(s, st, "media add") == -1)
		return -1;
	*id_out = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_media_get(struct store *s, int64_t id, struct buf *data, char *content_type, size_t n)
{
	sqlite3_stmt *st = lstmt(s, L_MEDIA_GET);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = store_step_row(s, st, "media get");
	if (rc != 0)
		return rc;
	snprintf(content_type, n, "%s", (const char *)sqlite3_column_text(st, 0));
	buf_append(data, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1));
	store_done(st);
	return 0;
}

/* ---------------------------------------------------------------- outbox */

int
store_outbox_add(struct store *s, const char *url, const char *content_type, const void *body,
    size_t len, const char *headers, const char *purpose, int64_t now)
{
	sqlite3_stmt *st = lstmt(s, L_OUTBOX_ADD);

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, url);
	store_bind_text(st, 2, content_type);
	sqlite3_bind_blob64(st, 3, body, len, SQLITE_STATIC);
	store_bind_text(st, 4, headers);
	store_bind_text(st, 5, purpose);
	sqlite3_bind_int64(st, 6, now);
	return store_step_done(s, st, "outbox add");
}

void
outbox_item_clear(struct outbox_item *it)
{
	free(it->url);
	free(it->content_type);
	free(it->headers);
	free(it->purpose);
	buf_free(&it->body);
	memset(it, 0, sizeof(*it));
}

int
store_outbox_due(struct store *s, int64_t now, int limit, store_outbox_fn fn, void *arg)
{
	sqlite3_stmt *st = lstmt(s, L_OUTBOX_DUE);
	struct outbox_item *items;
	int rc, n = 0, i;

	if (st == NULL)
		return -1;
	items = xcalloc((size_t)limit, sizeof(*items));
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, limit);
	/* collect first, so fn may write to the store */
	for (rc = sqlite3_step(st); rc == SQLITE_ROW && n < limit; rc = sqlite3_step(st)) {
		struct outbox_item *it = &items[n++];
		it->id = sqlite3_column_int64(st, 0);
		it->url = store_col_dup(st, 1);
		it->content_type = store_col_dup(st, 2);
		it->headers = store_col_dup(st, 3);
		it->purpose = store_col_dup(st, 4);
		buf_append(&it->body, sqlite3_column_blob(st, 5), (size_t)sqlite3_column_bytes(st, 5));
		it->attempts = sqlite3_column_int64(st, 6);
	}
	store_done(st);
	for (i = 0; i < n; i++) {
		fn(&items[i], arg);
		outbox_item_clear(&items[i]);
	}
	free(items);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? n : -1;
}

int
store_outbox_done(struct store *s, int64_t id, int64_t now)
{
	return update_id_int(s, L_OUTBOX_DONE, id, now);
}

int
store_outbox_failed(struct store *s, int64_t id, const char *error, int64_t next_attempt_at,
    bool give_up)
{
	sqlite3_stmt *st = lstmt(s, L_OUTBOX_FAILED);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, error);
	sqlite3_bind_int64(st, 3, next_attempt_at);
	sqlite3_bind_int(st, 4, give_up);
	return store_step_done(s, st, "outbox failed");
}

static json_t *
outbox_row(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:o, s:o, s:I, s:o, s:I, s:I}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0), "url", store_col_json_text(st, 1),
	    "purpose", store_col_json_text(st, 2), "attempts", (json_int_t)sqlite3_column_int64(st, 3),
	    "last_error", store_col_json_text(st, 4), "done_at", (json_int_t)sqlite3_column_int64(st, 5),
	    "next_attempt_at", (json_int_t)sqlite3_column_int64(st, 6));
}

json_t *
store_outbox_list(struct store *s, int limit)
{
	sqlite3_stmt *st = lstmt(s, L_OUTBOX_LIST);

	if (st == NULL)
		return NULL;
	sqlite3_bind_int(st, 1, limit);
	return store_collect(s, st, outbox_row, "outbox");
}
