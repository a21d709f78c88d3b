/*
 * http_write.c: the web editor.  People added with `crier user add` log
 * in and write their team's weeknotes in Markdown:
 *
 *   GET  /login               the form          POST /login   name + password ─▶ session
 *   GET  /write               the team's posts and drafts
 *   GET  /write/new           a new weeknote    POST: preview | draft | publish
 *   GET  /write/ID            edit one          POST: preview | draft | publish
 *   GET  /write/ID/delete     are you sure?     POST: delete
 *   POST /logout
 *
 * Everything works without JavaScript: a preview is the same form again
 * with the sanitized HTML under it.  Saving goes through compose (the
 * rules `crier post` shares) and pipeline_publish (the one way into the
 * store).
 *
 * Security: the session cookie holds a random id (the store keeps only
 * its SHA-256), HttpOnly, SameSite=Lax, Secure when base_url is https.
 * Every form carries a CSRF token: the session's, or for the login form
 * a random one that must match a short-lived cookie (double submit).
 * Failed logins are counted per client address and per name (ratelimit):
 * after LOGIN_MAX_FAILURES within LOGIN_WINDOW_S the answer is 429 with
 * Retry-After.  An unknown name costs the same argon2id check as a wrong
 * password and gets the same answer.  Pages are private (never cached).
 */
#include "http_int.h"
#include "auth.h"
#include "compose.h"
#include "config.h"
#include "crier.h"
#include "log.h"
#include "markdown.h"
#include "pipeline.h"
#include "ratelimit.h"
#include "sanitize.h"
#include "store.h"
#include "urlform.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SESSION_COOKIE "crier_session"
#define LOGIN_COOKIE "crier_login"
#define SESSION_TTL_S (7 * 86400)
#define LOGIN_TOKEN_TTL_S 3600
#define LOGIN_MAX_FAILURES 5
#define LOGIN_WINDOW_S (15 * 60)
#define LOGIN_LIMIT_SLOTS 4096
#define LOGIN_FIELD_MAX 1024            /* bytes of a name or password */
#define FORM_MAX_FIELDS 32
#define LIST_LIMIT 200
#define AUTO_DATE_SLACK_S 5             /* a draft's date that is its save time was not given */

/*
 * State that lives as long as the process: the login limiter, and a
 * hash to check passwords against when the name is unknown (so a wrong
 * name takes as long as a wrong password).  Made on the first login.
 */
static pthread_once_t login_once = PTHREAD_ONCE_INIT;
static struct ratelimit *login_limits;
static char unknown_user_hash[AUTH_HASH_MAX];

static void
login_init(void)
{
	char pw[AUTH_SECRET_CHARS + 1], hash[65];

	login_limits = ratelimit_new(LOGIN_LIMIT_SLOTS, LOGIN_MAX_FAILURES, LOGIN_WINDOW_S);
	auth_secret_new("", pw, sizeof(pw), hash);
	if (auth_password_hash(pw, unknown_user_hash) == -1)
		log_fatal("could not make a password hash (out of memory?)");
}

/* The person logged in, and their session. */
struct writer {
	struct user user;
	struct session session;
};

static void
writer_clear(struct writer *w)
{
	user_clear(&w->user);
	session_clear(&w->session);
}

/* ---------------------------------------------------------------- small helpers */

static bool
secure_cookies(const struct request *rq)
{
	return strncmp(rq->c->cfg->base_url, "https:", 6) == 0;
}

/* Adds a Set-Cookie header; max_age 0 removes the cookie. */
static void
set_cookie(struct request *rq, struct reply *rp, const char *name, const char *value,
    const char *path, const char *same_site, int64_t max_age)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s=%s; Path=%s; Max-Age=%lld; HttpOnly; SameSite=%s%s", name, value, path,
	    (long long)max_age, same_site, secure_cookies(rq) ? "; Secure" : "");
	http_reply_header(rp, "Set-Cookie", buf_str(&b));
	buf_free(&b);
}

/* A 303 to location (after a POST, or to the login page). */
static void
redirect(struct reply *rp, const char *location)
{
	rp->status = 303;
	rp->location = xstrdup(location);
	rp->content_type = "text/plain; charset=utf-8";
	rp->private = true;
	rp->route = ROUTE_WRITE;
}

/* "23 November 2026" */
static void
human_day(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, n, "%-d %B %Y", &tm);
}

/* "2026-11-23", as <input type="date"> wants it */
static void
iso_day(int64_t t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

static bool
parse_id(const char *s, size_t n, int64_t *id)
{
	char num[24];
	char *end;

	if (n == 0 || n >= sizeof(num) || s[0] < '1' || s[0] > '9')
		return false;
	memcpy(num, s, n);
	num[n] = '\0';
	errno = 0;
	*id = strtoll(num, &end, 10);
	return errno == 0 && *end == '\0';
}

/* The request's form, or -1 when it cannot be read. */
static int
read_form(const struct request *rq, struct urlform *form)
{
	const char *err;

	if (rq->body == NULL) {
		memset(form, 0, sizeof(*form));
		return -1;
	}
	return urlform_parse(rq->body, rq->body_len, FORM_MAX_FIELDS, form, &err);
}

/* A field's value, never NULL. */
static const char *
field(const struct urlform *form, const char *name)
{
	const char *v = urlform_get(form, name);

	return v != NULL ? v : "";
}

/* Markdown from a textarea: CRLF line ends become LF. */
static char *
unix_lines(const char *s)
{
	char *out = xstrdup(s), *w = out;

	for (; *s; s++) {
		if (s[0] == '\r' && s[1] == '\n')
			continue;
		*w++ = *s;
	}
	*w = '\0';
	return out;
}

/* ---------------------------------------------------------------- pages */

/* The common context plus what every editor page shows (who, and a logout form). */
static json_t *
page_context(struct request *rq, const char *title, const char *kind, const struct writer *w)
{
	json_t *ctx = http_reader_context(rq, title, rq->path, kind);

	json_object_set_new(json_object_get(ctx, "page"), "noindex", json_true());
	if (w != NULL)
		json_object_set_new(ctx, "writer", json_pack("{s:s, s:s?, s:b, s:s}", "name", w->user.name,
		    "team", w->user.team_slug, "is_admin", w->user.admin, "csrf", w->session.csrf));
	return ctx;
}

static void
finish(struct request *rq, struct reply *rp, const char *template, json_t *ctx, unsigned status)
{
	rp->status = status;
	http_reader_render(rq, rp, template, ctx);
	json_decref(ctx);
	rp->private = true;
	rp->cacheable = false;
	rp->route = ROUTE_WRITE;
}

static void
write_error(struct request *rq, struct reply *rp, unsigned status, const char *title,
    const char *message)
{
	json_t *ctx = page_context(rq, title, "error", NULL);

	json_object_set_new(ctx, "error", json_pack("{s:i, s:s, s:s}", "status", (int)status,
	    "title", title, "message", message));
	finish(rq, rp, "error", ctx, status);
}

static void
forbidden_form(struct request *rq, struct reply *rp)
{
	write_error(rq, rp, 403, "This form has expired",
	    "Nothing was changed: the form had expired or came from another site. "
	    "Go back, reload the page and try again.");
}

/* ---------------------------------------------------------------- sessions */

/* The person whose session cookie came with rq: 0 (fills w), 1 none, -1 database error. */
static int
current_writer(struct request *rq, struct writer *w)
{
	const char *sid = http_cookie(rq, SESSION_COOKIE);
	char hash[65];
	int rc;

	memset(w, 0, sizeof(*w));
	if (sid == NULL || strlen(sid) > AUTH_SECRET_CHARS)
		return 1;
	auth_secret_hash(sid, hash);
	rc = store_session_find(rq->store, hash, rq->now, &w->session);
	if (rc == 0)
		rc = store_user_get(rq->store, w->session.user_id, &w->user);
	if (rc != 0)
		writer_clear(w);
	return rc;
}

int
http_write_session(struct request *rq, struct user *u, struct session *se)
{
	struct writer w;
	int rc = current_writer(rq, &w);

	if (rc == 0) {
		*u = w.user;            /* handed over: the caller clears them */
		*se = w.session;
	}
	return rc;
}

/* Is the form's CSRF token the session's? */
static bool
csrf_ok(const struct writer *w, const struct urlform *form)
{
	return auth_equal(urlform_get(form, "csrf"), w->session.csrf);
}

/* Starts a session for user: stores it and sets the cookie.  0 or -1. */
static int
start_session(struct request *rq, struct reply *rp, const struct user *u)
{
	char sid[AUTH_SECRET_CHARS + 1], sid_hash[65], csrf[AUTH_SECRET_CHARS + 1], unused[65];
	struct crier *c = rq->c;
	int rc;

	auth_secret_new("", sid, sizeof(sid), sid_hash);
	auth_secret_new("", csrf, sizeof(csrf), unused);
	pthread_mutex_lock(&c->write_lock);
	rc = store_session_add(c->store, sid_hash, u->id, csrf, rq->now, rq->now + SESSION_TTL_S);
	if (rc == 0)
		store_user_logged_in(c->store, u->id, rq->now);
	pthread_mutex_unlock(&c->write_lock);
	if (rc == 0)
		set_cookie(rq, rp, SESSION_COOKIE, sid, "/", "Lax", SESSION_TTL_S);
	return rc;
}

/* Answers a request that needs a session and has none. */
static void
not_logged_in(struct request *rq, struct reply *rp, bool post)
{
	if (!post) {
		redirect(rp, "/login");
		return;
	}
	write_error(rq, rp, 403, "You are signed out",
	    "Nothing was changed because you are not signed in (or your session ended). "
	    "Sign in at /login, then go back and send the form again.");
}

/* ---------------------------------------------------------------- login and logout */

struct login_form {
	const char *name;
	const char *name_error;
	const char *password_error;
	const char *message;        /* about the whole form (wrong password, too many tries) */
	bool signed_out;
};

/* The login page with a fresh login token. */
static void
login_page(struct request *rq, struct reply *rp, const struct login_form *lf, unsigned status)
{
	char token[AUTH_SECRET_CHARS + 1], unused[65];
	const char *old = http_cookie(rq, LOGIN_COOKIE);
	bool has_errors = lf->name_error != NULL || lf->password_error != NULL || lf->message != NULL;
	json_t *ctx, *errors = json_array();

	/* keep a token the browser already holds, so two open tabs both work */
	if (old != NULL && strlen(old) == 43 && strspn(old, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == 43)
		snprintf(token, sizeof(token), "%s", old);
	else
		auth_secret_new("", token, sizeof(token), unused);
	if (lf->message != NULL)
		json_array_append_new(errors, json_pack("{s:s, s:s}", "href", "#name", "message", lf->message));
	if (lf->name_error != NULL)
		json_array_append_new(errors, json_pack("{s:s, s:s}", "href", "#name", "message", lf->name_error));
	if (lf->password_error != NULL)
		json_array_append_new(errors, json_pack("{s:s, s:s}", "href", "#password",
		    "message", lf->password_error));
	ctx = page_context(rq, has_errors ? "Error: Sign in" : "Sign in", "login", NULL);
	json_object_set_new(ctx, "login", json_pack("{s:s, s:s, s:s?, s:s?, s:b, s:o, s:b}",
	    "csrf", token, "name", lf->name != NULL ? lf->name : "", "name_error", lf->name_error,
	    "password_error", lf->password_error, "has_errors", has_errors, "errors", errors,
	    "signed_out", lf->signed_out));
	set_cookie(rq, rp, LOGIN_COOKIE, token, "/login", "Strict", LOGIN_TOKEN_TTL_S);
	finish(rq, rp, "login", ctx, status);
}

static void
login_get(struct request *rq, struct reply *rp)
{
	struct login_form lf = { 0 };
	struct writer w;

	if (current_writer(rq, &w) == 0) {
		writer_clear(&w);
		redirect(rp, "/write");
		return;
	}
	lf.signed_out = http_query(rq, "signed-out") != NULL;
	login_page(rq, rp, &lf, 200);
}

/* Seconds until addr or name may try again (0: now). */
static int64_t
login_wait(const char *addr_key, const char *name_key, int64_t now)
{
	int64_t a = ratelimit_wait(login_limits, addr_key, now);
	int64_t n = ratelimit_wait(login_limits, name_key, now);

	return a > n ? a : n;
}

static void
too_many_tries(struct request *rq, struct reply *rp, struct login_form *lf, int64_t wait)
{
	char retry[24], message[160];
	long long minutes = (long long)((wait + 59) / 60);

	snprintf(retry, sizeof(retry), "%lld", (long long)wait);
	snprintf(message, sizeof(message), "Too many failed sign-ins. Try again in %lld minute%s.",
	    minutes, minutes == 1 ? "" : "s");
	lf->message = message;
	http_reply_header(rp, "Retry-After", retry);
	login_page(rq, rp, lf, 429);
}

/* Checks name and password; true when they match a user (filled into u). */
static bool
check_password(struct request *rq, const char *name, const char *password, struct user *u)
{
	int found;

	memset(u, 0, sizeof(*u));
	found = store_user_find(rq->store, name, u);
	if (found != 0) {
		/* the same work as a real check, so timing does not tell */
		(void)auth_password_verify(password, unknown_user_hash);
		return false;
	}
	if (auth_password_verify(password, u->password_hash))
		return true;
	user_clear(u);
	return false;
}

static void
login_post(struct request *rq, struct reply *rp)
{
	struct login_form lf = { 0 };
	struct urlform form;
	struct user u;
	struct buf addr_key = BUF_INIT, name_key = BUF_INIT;
	char addr[64];
	const char *name, *password;
	int64_t wait;

	pthread_once(&login_once, login_init);
	if (read_form(rq, &form) == -1 ||
	    !auth_equal(urlform_get(&form, "csrf"), http_cookie(rq, LOGIN_COOKIE))) {
		lf.message = "The form had expired. Sign in again.";
		login_page(rq, rp, &lf, 403);
		goto done;
	}
	name = field(&form, "name");
	password = field(&form, "password");
	lf.name = name;
	if (*name == '\0' || strlen(name) > LOGIN_FIELD_MAX)
		lf.name_error = "Enter your name";
	if (*password == '\0' || strlen(password) > LOGIN_FIELD_MAX)
		lf.password_error = "Enter your password";
	if (lf.name_error != NULL || lf.password_error != NULL) {
		login_page(rq, rp, &lf, 422);
		goto done;
	}
	http_client_addr(rq, addr, sizeof(addr));
	buf_printf(&addr_key, "addr:%s", addr);
	buf_printf(&name_key, "user:%s", name);
	wait = login_wait(buf_str(&addr_key), buf_str(&name_key), rq->now);
	if (wait > 0) {
		log_warn("login refused: too many failures", "addr=%s", log_quote(addr));
		too_many_tries(rq, rp, &lf, wait);
		goto done;
	}
	if (!check_password(rq, name, password, &u)) {
		ratelimit_fail(login_limits, buf_str(&addr_key), rq->now);
		ratelimit_fail(login_limits, buf_str(&name_key), rq->now);
		log_warn("login failed", "addr=%s", log_quote(addr));
		lf.message = "The name or password is not right";
		login_page(rq, rp, &lf, 422);
		goto done;
	}
	ratelimit_clear(login_limits, buf_str(&addr_key));
	ratelimit_clear(login_limits, buf_str(&name_key));
	if (start_session(rq, rp, &u) == -1) {
		write_error(rq, rp, 500, "Something went wrong", "The session could not be saved.");
	} else {
		log_info("logged in", "user=%s addr=%s", log_quote(u.name), log_quote(addr));
		set_cookie(rq, rp, LOGIN_COOKIE, "", "/login", "Strict", 0);
		redirect(rp, "/write");
	}
	user_clear(&u);
done:
	urlform_free(&form);
	buf_free(&addr_key);
	buf_free(&name_key);
}

static void
logout_post(struct request *rq, struct reply *rp)
{
	struct urlform form;
	struct writer w;
	char hash[65];

	if (current_writer(rq, &w) != 0) {
		redirect(rp, "/login");
		return;
	}
	if (read_form(rq, &form) == -1 || !csrf_ok(&w, &form)) {
		forbidden_form(rq, rp);
	} else {
		auth_secret_hash(http_cookie(rq, SESSION_COOKIE), hash);
		pthread_mutex_lock(&rq->c->write_lock);
		store_session_delete(rq->c->store, hash);
		pthread_mutex_unlock(&rq->c->write_lock);
		log_info("logged out", "user=%s", log_quote(w.user.name));
		set_cookie(rq, rp, SESSION_COOKIE, "", "/", "Lax", 0);
		redirect(rp, "/login?signed-out=1");
	}
	urlform_free(&form);
	writer_clear(&w);
}

/* ---------------------------------------------------------------- the list */

/* Can w write for team_id? */
static bool
may_write(const struct writer *w, int64_t team_id)
{
	return w->user.admin || (team_id != 0 && w->user.team_id == team_id);
}

/* Adds what the list template needs to each of a team's posts. */
static void
decorate_list(json_t *posts)
{
	json_t *p;
	struct buf b = BUF_INIT;
	char day[48];
	size_t i;

	json_array_foreach(posts, i, p) {
		long long id = (long long)json_integer_value(json_object_get(p, "id"));
		const char *slug = json_string_value(json_object_get(p, "slug"));
		const char *title = json_string_value(json_object_get(p, "title"));
		bool draft = strcmp(json_string_value(json_object_get(p, "status")), "draft") == 0;

		if (title == NULL || *title == '\0')
			json_object_set_new(p, "title", json_string("(no title)"));
		json_object_set_new(p, "is_draft", json_boolean(draft));
		human_day(json_integer_value(json_object_get(p, "published_at")), day, sizeof(day));
		json_object_set_new(p, "date", json_string(day));
		human_day(json_integer_value(json_object_get(p, "updated_at")), day, sizeof(day));
		json_object_set_new(p, "updated", json_string(day));
		buf_reset(&b);
		buf_printf(&b, "/write/%lld", id);
		json_object_set_new(p, "edit_href", json_string(buf_str(&b)));
		buf_puts(&b, "/delete");
		json_object_set_new(p, "delete_href", json_string(buf_str(&b)));
		if (!draft) {
			buf_reset(&b);
			buf_printf(&b, "/post/%lld%s%s", id, slug != NULL ? "-" : "", slug != NULL ? slug : "");
			json_object_set_new(p, "view_href", json_string(buf_str(&b)));
		}
		json_object_del(p, "markdown");
	}
	buf_free(&b);
}

/* One team's section of the list, or NULL on a database error. */
static json_t *
team_section(struct request *rq, const json_t *team)
{
	const char *slug = json_string_value(json_object_get(team, "slug"));
	struct buf href = BUF_INIT;
	json_t *posts, *section;
	int64_t id;

	if (store_team_find(rq->store, slug, &id) != 0)
		return NULL;
	posts = store_local_posts(rq->store, id, LIST_LIMIT);
	if (posts == NULL)
		return NULL;
	decorate_list(posts);
	buf_printf(&href, "/team/%s", slug);
	section = json_pack("{s:O, s:O, s:s, s:b, s:o}", "slug", json_object_get(team, "slug"),
	    "name", json_object_get(team, "name"), "href", buf_str(&href),
	    "has_posts", json_array_size(posts) > 0, "posts", posts);
	buf_free(&href);
	return section;
}

/* The teams w writes for: every team for an admin, else their own. */
static json_t *
writer_teams(struct request *rq, const struct writer *w)
{
	json_t *all = store_teams(rq->store), *mine, *t;
	size_t i;

	if (all == NULL || w->user.admin)
		return all;
	mine = json_array();
	json_array_foreach(all, i, t) {
		const char *slug = json_string_value(json_object_get(t, "slug"));
		if (w->user.team_slug != NULL && strcmp(slug, w->user.team_slug) == 0)
			json_array_append(mine, t);
	}
	json_decref(all);
	return mine;
}

/* A notice after a redirect: ?published=ID, ?saved=ID, ?deleted=1. */
static json_t *
list_notice(struct request *rq)
{
	if (http_query(rq, "deleted") != NULL)
		return json_pack("{s:s}", "text", "The weeknote was deleted.");
	if (http_query(rq, "published") != NULL)
		return json_pack("{s:s}", "text", "The weeknote was published.");
	return NULL;
}

static void
list_page(struct request *rq, struct reply *rp, const struct writer *w)
{
	json_t *teams = writer_teams(rq, w), *sections = json_array(), *t, *s, *ctx, *notice;
	size_t i;

	if (teams == NULL) {
		json_decref(sections);
		write_error(rq, rp, 500, "Something went wrong", "The database could not be read.");
		return;
	}
	json_array_foreach(teams, i, t) {
		s = team_section(rq, t);
		if (s == NULL) {
			json_decref(teams);
			json_decref(sections);
			write_error(rq, rp, 500, "Something went wrong", "The database could not be read.");
			return;
		}
		json_array_append_new(sections, s);
	}
	json_decref(teams);
	ctx = page_context(rq, "Your weeknotes", "write", w);
	json_object_set_new(ctx, "has_teams", json_boolean(json_array_size(sections) > 0));
	json_object_set_new(ctx, "teams", sections);
	notice = list_notice(rq);
	if (notice != NULL)
		json_object_set_new(ctx, "notice", notice);
	finish(rq, rp, "write", ctx, 200);
}

/* ---------------------------------------------------------------- the editor */

/* What the editor form shows: the fields, the post it edits, and the outcome. */
struct editor {
	struct compose fields;
	struct local_post old;      /* id 0 for a new post */
	int64_t team_id;            /* the team it is (or will be) published for */
	const char *team_error;
	json_t *preview;            /* sanitized HTML of a preview, or NULL */
	const char *notice;
};

static void
editor_clear(struct editor *e)
{
	compose_clear(&e->fields);
	local_post_clear(&e->old);
	json_decref(e->preview);
}

/* The error summary and each field's error, for the template. */
static void
add_errors(json_t *form, const struct editor *e)
{
	json_t *errors = json_array();
	struct buf key = BUF_INIT, href = BUF_INIT;
	int f;

	if (e->team_error != NULL) {
		json_array_append_new(errors, json_pack("{s:s, s:s}", "href", "#team", "message", e->team_error));
		json_object_set_new(form, "team_error", json_string(e->team_error));
	}
	for (f = 0; f < COMPOSE_NFIELDS; f++) {
		if (e->fields.errors[f] == NULL)
			continue;
		buf_reset(&href);
		buf_printf(&href, "#%s", compose_field_names[f]);
		json_array_append_new(errors, json_pack("{s:s, s:s}", "href", buf_str(&href),
		    "message", e->fields.errors[f]));
		buf_reset(&key);
		buf_printf(&key, "%s_error", compose_field_names[f]);
		json_object_set_new(form, buf_str(&key), json_string(e->fields.errors[f]));
	}
	json_object_set_new(form, "has_errors", json_boolean(json_array_size(errors) > 0));
	json_object_set_new(form, "errors", errors);
	buf_free(&key);
	buf_free(&href);
}

/* The team picker (admins, new posts), or the team's name. */
static void
add_team(struct request *rq, json_t *form, const struct editor *e, const struct writer *w)
{
	json_t *teams = store_teams(rq->store), *t;
	struct buf slug = BUF_INIT;
	size_t i;

	if (teams == NULL)
		return;
	if (e->team_id != 0)
		store_team_slug(rq->store, e->team_id, &slug);
	json_array_foreach(teams, i, t) {
		bool selected = strcmp(json_string_value(json_object_get(t, "slug")), buf_str(&slug)) == 0;
		json_object_set_new(t, "selected", json_boolean(selected));
		if (selected)
			json_object_set(form, "team_name", json_object_get(t, "name"));
	}
	json_object_set_new(form, "choose_team", json_boolean(e->old.id == 0 && w->user.admin));
	if (e->old.id == 0 && w->user.admin)
		json_object_set(form, "teams", teams);
	json_decref(teams);
	buf_free(&slug);
}

static void
editor_page(struct request *rq, struct reply *rp, const struct editor *e, const struct writer *w,
    unsigned status)
{
	struct buf b = BUF_INIT, title = BUF_INIT;
	bool published = e->old.id != 0 && e->old.status == POST_PUBLISHED;
	json_t *form, *ctx;

	if (e->old.id != 0)
		buf_printf(&b, "/write/%lld", (long long)e->old.id);
	else
		buf_puts(&b, "/write/new");
	form = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "action", buf_str(&b),
	    "csrf", w->session.csrf, "title", e->fields.title, "tags", e->fields.tags_text,
	    "date", e->fields.date_text, "markdown", e->fields.markdown,
	    "is_new", e->old.id == 0, "is_published", published);
	if (e->old.id != 0) {
		buf_puts(&b, "/delete");
		json_object_set_new(form, "delete_href", json_string(buf_str(&b)));
	}
	if (published) {
		buf_reset(&b);
		buf_printf(&b, "/post/%lld%s%s", (long long)e->old.id, e->old.slug != NULL ? "-" : "",
		    e->old.slug != NULL ? e->old.slug : "");
		json_object_set_new(form, "view_href", json_string(buf_str(&b)));
	}
	add_errors(form, e);
	add_team(rq, form, e, w);
	if (json_is_true(json_object_get(form, "has_errors")))
		buf_puts(&title, "Error: ");
	if (e->old.id == 0)
		buf_puts(&title, "New weeknote");
	else
		buf_printf(&title, "Edit “%s”", e->old.title != NULL ? e->old.title : "(no title)");
	ctx = page_context(rq, buf_str(&title), "write", w);
	json_object_set_new(ctx, "form", form);
	if (e->preview != NULL)
		json_object_set(ctx, "preview", e->preview);
	if (e->notice != NULL)
		json_object_set_new(ctx, "notice", json_pack("{s:s}", "text", e->notice));
	finish(rq, rp, "write-edit", ctx, status);
	buf_free(&b);
	buf_free(&title);
}

/*
 * Loads the post of /write/ID into e->old, checking w may edit it.
 * false after answering 404 or 403.
 */
static bool
load_post(struct request *rq, struct reply *rp, const struct writer *w, int64_t id, struct editor *e)
{
	int rc = store_local_get(rq->store, id, &e->old);

	if (rc == -1) {
		write_error(rq, rp, 500, "Something went wrong", "The database could not be read.");
		return false;
	}
	if (rc == 1 || e->old.status == POST_DELETED) {
		local_post_clear(&e->old);
		write_error(rq, rp, 404, "Page not found", "There is no such weeknote (it may have been deleted).");
		return false;
	}
	if (!may_write(w, e->old.team_id)) {
		write_error(rq, rp, 403, "Not your team's weeknote",
		    "You can only change the weeknotes of your own team.");
		return false;
	}
	e->team_id = e->old.team_id;
	return true;
}

/* Was a draft's date given, or is it just when it was last saved? */
static bool
date_was_given(const struct local_post *p)
{
	int64_t d = p->published_at - p->updated_at;

	return p->status != POST_DRAFT || d > AUTO_DATE_SLACK_S || d < -AUTO_DATE_SLACK_S;
}

static void
editor_get(struct request *rq, struct reply *rp, const struct writer *w, int64_t id)
{
	struct editor e;
	struct buf tags = BUF_INIT;
	char day[16] = "";

	memset(&e, 0, sizeof(e));
	if (id == 0) {
		e.team_id = w->user.team_id;
		/* an admin's "new weeknote for team X" link */
		if (w->user.admin && http_query(rq, "team") != NULL &&
		    store_team_find(rq->store, http_query(rq, "team"), &e.team_id) != 0)
			e.team_id = w->user.team_id;
		compose_init(&e.fields, NULL, NULL, NULL, NULL, false);
	} else {
		if (!load_post(rq, rp, w, id, &e)) {
			editor_clear(&e);
			return;
		}
		if (date_was_given(&e.old))
			iso_day(e.old.published_at, day);
		if (store_local_tags(rq->store, id, &tags) == -1) {
			editor_clear(&e);
			write_error(rq, rp, 500, "Something went wrong", "The database could not be read.");
			return;
		}
		compose_init(&e.fields, e.old.title, buf_str(&tags), day, e.old.markdown, false);
		buf_free(&tags);
	}
	if (http_query(rq, "saved") != NULL)
		e.notice = "The draft was saved.";
	editor_page(rq, rp, &e, w, 200);
	editor_clear(&e);
}

/*
 * When the post is dated: 0 lets the pipeline decide (now for a new
 * post, unchanged for an update).  An empty date dates a draft when it
 * is saved (so a draft goes out with the day it is published); the
 * post's own day leaves it unchanged; today is now; any other day is
 * its start (UTC).
 */
static int64_t
chosen_time(const struct editor *e, int64_t now)
{
	char today[16], old_day[16];

	if (e->fields.date_text[0] == '\0')
		return e->old.id != 0 && e->old.status == POST_DRAFT ? now : 0;
	if (e->old.id != 0) {
		iso_day(e->old.published_at, old_day);
		if (strcmp(e->fields.date_text, old_day) == 0)
			return 0;
	}
	iso_day(now, today);
	if (strcmp(e->fields.date_text, today) == 0)
		return now;
	return e->fields.published_at;
}

/* The team a new post is for: the writer's, or the one an admin picked. */
static void
choose_team(struct request *rq, const struct writer *w, const struct urlform *form, struct editor *e)
{
	const char *slug = field(form, "team");

	if (!w->user.admin) {
		e->team_id = w->user.team_id;
		if (e->team_id == 0)
			e->team_error = "You are not in a team yet: ask an admin to add you to one";
		return;
	}
	if (*slug == '\0' || store_team_find(rq->store, slug, &e->team_id) != 0) {
		e->team_id = 0;
		e->team_error = "Choose the team this weeknote is for";
	}
}

/* Renders e's Markdown as the preview (sanitized like any post). */
static void
make_preview(struct request *rq, struct editor *e)
{
	struct buf html = BUF_INIT, clean = BUF_INIT;

	if (markdown_to_html(&html, e->fields.markdown, strlen(e->fields.markdown)) == 0) {
		sanitize_html(&clean, buf_str(&html), html.len, rq->c->cfg->base_url);
		e->preview = json_pack("{s:s, s:b}", "html", buf_str(&clean), "empty", clean.len == 0);
	}
	buf_free(&html);
	buf_free(&clean);
}

/* Saves e through the pipeline and answers with a redirect; false when it failed. */
static bool
save(struct request *rq, struct reply *rp, struct editor *e, const char *user_name, char **err)
{
	struct publish_request prq;
	struct publish_result res;
	struct buf where = BUF_INIT;

	memset(&prq, 0, sizeof(prq));
	prq.post_id = e->old.id;
	prq.team_id = e->team_id;
	compose_request(&e->fields, &prq);
	prq.published_at = chosen_time(e, rq->now);
	if (pipeline_publish(rq->c, &prq, &res, err) == -1)
		return false;
	log_info("weeknote saved on the web", "id=%lld user=%s status=%s", (long long)res.id,
	    log_quote(user_name), e->fields.draft ? "draft" : "published");
	if (e->fields.draft)
		buf_printf(&where, "/write/%lld?saved=1", (long long)res.id);
	else
		buf_printf(&where, "/write?published=%lld", (long long)res.id);
	redirect(rp, buf_str(&where));
	buf_free(&where);
	free(res.permalink);
	return true;
}

static void
editor_post(struct request *rq, struct reply *rp, const struct writer *w, int64_t id)
{
	struct urlform form;
	struct editor e;
	const char *action;
	char *markdown, *err = NULL;
	bool preview, draft;
	int errors;

	memset(&e, 0, sizeof(e));
	memset(&form, 0, sizeof(form));
	if (id != 0 && !load_post(rq, rp, w, id, &e))
		goto done;
	if (read_form(rq, &form) == -1 || !csrf_ok(w, &form)) {
		forbidden_form(rq, rp);
		goto done;
	}
	/* Enter in a text field sends the first button: Preview */
	action = field(&form, "action");
	preview = strcmp(action, "draft") != 0 && strcmp(action, "publish") != 0;
	draft = strcmp(action, "draft") == 0;
	markdown = unix_lines(field(&form, "markdown"));
	compose_init(&e.fields, field(&form, "title"), field(&form, "tags"), field(&form, "date"),
	    markdown, draft || preview);
	free(markdown);
	if (id == 0)
		choose_team(rq, w, &form, &e);
	errors = compose_check(&e.fields, rq->now) + (e.team_error != NULL);
	if (preview && e.fields.errors[COMPOSE_TITLE] != NULL && e.fields.title[0] == '\0') {
		e.fields.errors[COMPOSE_TITLE] = NULL;  /* a preview may come before the title */
		errors--;
	}
	if (preview) {
		if (e.fields.errors[COMPOSE_MARKDOWN] == NULL)
			make_preview(rq, &e);
		editor_page(rq, rp, &e, w, errors > 0 ? 422 : 200);
	} else if (errors > 0) {
		editor_page(rq, rp, &e, w, 422);
	} else if (!save(rq, rp, &e, w->user.name, &err)) {
		e.team_error = err;     /* shown at the top of the form */
		editor_page(rq, rp, &e, w, 500);
	}
done:
	free(err);
	urlform_free(&form);
	editor_clear(&e);
}

/* ---------------------------------------------------------------- delete */

static void
delete_get(struct request *rq, struct reply *rp, const struct writer *w, int64_t id)
{
	struct editor e;
	struct buf b = BUF_INIT;
	json_t *ctx;

	memset(&e, 0, sizeof(e));
	if (!load_post(rq, rp, w, id, &e)) {
		editor_clear(&e);
		return;
	}
	ctx = page_context(rq, "Delete this weeknote?", "write", w);
	buf_printf(&b, "/write/%lld", (long long)id);
	json_object_set_new(ctx, "post", json_pack("{s:s, s:s, s:b}", "title",
	    e.old.title != NULL ? e.old.title : "(no title)", "back_href", buf_str(&b),
	    "is_published", e.old.status == POST_PUBLISHED));
	buf_puts(&b, "/delete");
	json_object_set_new(json_object_get(ctx, "post"), "action", json_string(buf_str(&b)));
	finish(rq, rp, "write-delete", ctx, 200);
	buf_free(&b);
	editor_clear(&e);
}

static void
delete_post(struct request *rq, struct reply *rp, const struct writer *w, int64_t id)
{
	struct urlform form;
	struct editor e;

	memset(&e, 0, sizeof(e));
	memset(&form, 0, sizeof(form));
	if (!load_post(rq, rp, w, id, &e))
		goto done;
	if (read_form(rq, &form) == -1 || !csrf_ok(w, &form)) {
		forbidden_form(rq, rp);
		goto done;
	}
	if (pipeline_set_status(rq->c, id, POST_DELETED) != 0) {
		write_error(rq, rp, 500, "Something went wrong", "The weeknote could not be deleted.");
		goto done;
	}
	log_info("post deleted on the web", "id=%lld user=%s", (long long)id, log_quote(w->user.name));
	redirect(rp, "/write?deleted=1");
done:
	urlform_free(&form);
	editor_clear(&e);
}

/* ---------------------------------------------------------------- routing */

static void
list_get(struct request *rq, struct reply *rp, const struct writer *w, int64_t id)
{
	(void)id;
	list_page(rq, rp, w);
}

static void
login_get_page(struct request *rq, struct reply *rp, const struct writer *w, int64_t id)
{
	(void)w;
	(void)id;
	login_get(rq, rp);
}

static void
login_post_page(struct request *rq, struct reply *rp, const struct writer *w, int64_t id)
{
	(void)w;
	(void)id;
	login_post(rq, rp);
}

static void
logout_post_page(struct request *rq, struct reply *rp, const struct writer *w, int64_t id)
{
	(void)w;
	(void)id;
	logout_post(rq, rp);
}

enum page { PAGE_NONE, PAGE_LOGIN, PAGE_LOGOUT, PAGE_LIST, PAGE_NEW, PAGE_EDIT, PAGE_DELETE, PAGE_COUNT };

typedef void (*page_fn)(struct request *rq, struct reply *rp, const struct writer *w, int64_t id);

/* What each page answers to; `session`: a signed-in writer is needed (and passed). */
static const struct page_def {
	const char *allow;
	page_fn get, post;
	bool session;
} pages[PAGE_COUNT] = {
	[PAGE_LOGIN] = { "GET, HEAD, POST", login_get_page, login_post_page, false },
	[PAGE_LOGOUT] = { "POST", NULL, logout_post_page, false },
	[PAGE_LIST] = { "GET, HEAD", list_get, NULL, true },
	[PAGE_NEW] = { "GET, HEAD, POST", editor_get, editor_post, true },
	[PAGE_EDIT] = { "GET, HEAD, POST", editor_get, editor_post, true },
	[PAGE_DELETE] = { "GET, HEAD, POST", delete_get, delete_post, true },
};

/* Which page path is, and the post id in it. */
static enum page
find_page(const char *path, int64_t *id)
{
	const char *rest, *slash;

	*id = 0;
	if (strcmp(path, "/login") == 0)
		return PAGE_LOGIN;
	if (strcmp(path, "/logout") == 0)
		return PAGE_LOGOUT;
	if (strcmp(path, "/write") == 0)
		return PAGE_LIST;
	if (strncmp(path, "/write/", 7) != 0)
		return PAGE_NONE;
	rest = path + 7;
	if (strcmp(rest, "new") == 0)
		return PAGE_NEW;
	slash = strchr(rest, '/');
	if (!parse_id(rest, slash != NULL ? (size_t)(slash - rest) : strlen(rest), id))
		return PAGE_NONE;
	if (slash == NULL)
		return PAGE_EDIT;
	return strcmp(slash, "/delete") == 0 ? PAGE_DELETE : PAGE_NONE;
}

bool
http_write_route(struct request *rq, struct reply *rp)
{
	const struct page_def *pd;
	struct writer w;
	page_fn fn = NULL;
	int64_t id;
	enum page page = find_page(rq->path, &id);
	bool post = strcmp(rq->method, "POST") == 0;
	int rc;

	if (page == PAGE_NONE)
		return false;
	pd = &pages[page];
	if (strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0)
		fn = pd->get;
	else if (post)
		fn = pd->post;
	if (fn == NULL) {
		write_error(rq, rp, 405, "Method not allowed", "This address does not answer that method.");
		rp->allow = pd->allow;
		return true;
	}
	memset(&w, 0, sizeof(w));
	if (pd->session) {
		rc = current_writer(rq, &w);
		if (rc == -1) {
			write_error(rq, rp, 500, "Something went wrong", "The database could not be read.");
			return true;
		}
		if (rc == 1) {
			not_logged_in(rq, rp, post);
			return true;
		}
	}
	fn(rq, rp, &w, id);
	writer_clear(&w);
	return true;
}
