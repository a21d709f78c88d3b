/*
 * http_micropub.c: the W3C Micropub endpoint (/micropub), its media
 * endpoint (/micropub/media), and the media served back
 * (/media/ID-HASH.EXT).
 *
 *   POST body ─▶ micropub_decode() (micropub.c: form, multipart, JSON)
 *     ─▶ token (Authorization: Bearer, or access_token in the body;
 *        looked up by its SHA-256, last use recorded) ─▶ scope, team
 *     ─▶ pipeline_publish() / pipeline_set_status() (the one writer)
 *     ─▶ 201 + Location, 204, or {"error", "error_description"}
 *   GET ?q=config|source|syndicate-to|category ─▶ JSON
 *
 * Errors: 401 unauthorized (no or bad token), 401 insufficient_scope,
 * 403 forbidden (another team's post), 400 invalid_request, 413 and 415
 * for oversized or unsupported bodies.  Nothing is stored before a
 * request has been checked whole, and the token never reaches a post.
 */
#include "http_int.h"
#include "auth.h"
#include "config.h"
#include "crier.h"
#include "log.h"
#include "micropub.h"
#include "plugin.h"
#include "pipeline.h"
#include "store.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MEDIA_MAX_AGE (365 * 24 * 3600)
#define MEDIA_HASH_CHARS 16
#define CATEGORY_POSTS 500
#define MAX_SOURCE_PROPERTIES 32
#define TOKEN_MAX_CHARS 256

/* The image types served back, with their static Content-Type strings. */
static const struct { const char *type, *ext; } image_types[] = {
	{ "image/gif", "gif" }, { "image/jpeg", "jpg" }, { "image/png", "png" },
	{ "image/webp", "webp" },
};

/* ---------------------------------------------------------------- replies */

static void
reply_json(struct reply *rp, unsigned status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);

	buf_free(&rp->body);
	buf_puts(&rp->body, text);
	buf_putc(&rp->body, '\n');
	free(text);
	json_decref(body);
	rp->status = status;
	rp->content_type = "application/json";
	rp->private = true;
}

static void
reply_error(struct request *rq, struct reply *rp, const struct micropub_error *e)
{
	struct buf challenge = BUF_INIT;

	reply_json(rp, e->status, json_pack("{s:s, s:s}", "error", e->error,
	    "error_description", e->description));
	if (e->status == 401) {
		buf_printf(&challenge, "Bearer realm=\"crier\", error=\"%s\"",
		    strcmp(e->error, "insufficient_scope") == 0 ? "insufficient_scope" : "invalid_token");
		http_reply_header(rp, "WWW-Authenticate", buf_str(&challenge));
		buf_free(&challenge);
	}
	log_info("micropub request refused", "path=%s status=%u error=%s description=%s", rq->path,
	    e->status, e->error, log_quote(e->description));
}

/* 201 Created (Location) or 204 No Content, without a body to cache. */
static void
reply_done(struct reply *rp, unsigned status, const char *location)
{
	rp->status = status;
	rp->private = true;
	if (location != NULL) {
		rp->location = xstrdup(location);
		reply_json(rp, status, json_pack("{s:s}", "url", location));
	}
}

/* ---------------------------------------------------------------- tokens */

/* The token of "Authorization: Bearer TOKEN", into out; false when there is none. */
static bool
bearer_token(const struct request *rq, char *out, size_t n)
{
	const char *h = http_header(rq, "Authorization");
	size_t len;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	for (h += 7; *h == ' '; h++)
		;
	len = strcspn(h, " \t");
	if (len == 0 || len >= n || h[len] != '\0')
		return false;
	memcpy(out, h, len);
	out[len] = '\0';
	return true;
}

/*
 * Finds the request's token (header, or body_token from the body; both
 * must agree) and records its use.  0 with *tok filled (token_clear()
 * it), or -1 with err.
 */
static int
authenticate(struct request *rq, const char *body_token, struct token *tok,
    struct micropub_error *err)
{
	char header[TOKEN_MAX_CHARS + 1], hash[65];
	const char *secret = NULL;
	int rc;

	memset(tok, 0, sizeof(*tok));
	if (bearer_token(rq, header, sizeof(header)))
		secret = header;
	if (secret != NULL && body_token != NULL && strcmp(secret, body_token) != 0)
		return micropub_fail(err, 400, "invalid_request",
		    "the Authorization header and access_token hold different tokens");
	if (secret == NULL)
		secret = body_token;
	if (secret == NULL)
		return micropub_fail(err, 401, "unauthorized",
		    "no access token: send Authorization: Bearer TOKEN");
	auth_secret_hash(secret, hash);
	rc = store_token_find(rq->store, hash, tok);
	if (rc == -1)
		return micropub_fail(err, 500, "server_error", "the database could not be read");
	if (rc == 1)
		return micropub_fail(err, 401, "unauthorized",
		    "the access token is not valid (unknown or revoked)");
	if (tok->last_used_at != rq->now) {
		pthread_mutex_lock(&rq->c->write_lock);
		store_token_touch(rq->c->store, tok->id, rq->now);
		pthread_mutex_unlock(&rq->c->write_lock);
	}
	return 0;
}

static int
need_scope(const struct token *tok, const char *scope, struct micropub_error *err)
{
	if (micropub_has_scope(tok->scopes, scope))
		return 0;
	return micropub_fail(err, 401, "insufficient_scope",
	    "this token's scopes (%s) do not include %s", tok->scopes, scope);
}

/* ---------------------------------------------------------------- posts */

/*
 * The team's local post a URL names, into lp.  0, or -1 with err: 400
 * when the URL is not a post of this site or there is no such post, 403
 * when it belongs to another team.
 */
static int
find_post(struct request *rq, const struct token *tok, const char *url, struct local_post *lp,
    struct micropub_error *err)
{
	int64_t id;
	int rc;

	memset(lp, 0, sizeof(*lp));
	if (!micropub_post_id(rq->c->cfg->base_url, url, &id))
		return micropub_fail(err, 400, "invalid_request", "%.100s is not a post of this site", url);
	rc = store_local_get(rq->store, id, lp);
	if (rc == -1)
		return micropub_fail(err, 500, "server_error", "the database could not be read");
	if (rc == 1)
		return micropub_fail(err, 400, "invalid_request", "there is no post at %.100s", url);
	if (lp->team_id != tok->team_id) {
		local_post_clear(lp);
		return micropub_fail(err, 403, "forbidden", "that post belongs to another team");
	}
	return 0;
}

/* Properties for a post published without Micropub (web form, CLI). */
static json_t *
synthesized_properties(struct request *rq, const struct local_post *lp)
{
	json_t *props = json_object(), *post, *tags, *tag, *cats = json_array();
	struct buf slugs = BUF_INIT;
	char when[32];
	bool missing;
	size_t i;

	post = store_post_get(rq->store, lp->id, &missing);
	if (lp->title != NULL)
		json_object_set_new(props, "name", json_pack("[s]", lp->title));
	if (lp->markdown != NULL)
		json_object_set_new(props, "content", json_pack("[s]", lp->markdown));
	else if (post != NULL && json_string_value(json_object_get(post, "content_html")) != NULL)
		json_object_set_new(props, "content", json_pack("[{s:O}]", "html",
		    json_object_get(post, "content_html")));
	tags = json_object_get(post, "tags");
	json_array_foreach(tags, i, tag)
		json_array_append(cats, json_object_get(tag, "label"));
	if (post == NULL && store_post_tags(rq->store, lp->id, &slugs) == 0 && slugs.len > 0) {
		char *copy = xstrdup(buf_str(&slugs)), *tok, *save = NULL;
		for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
			json_array_append_new(cats, json_string(tok));
		free(copy);
	}
	if (json_array_size(cats) > 0)
		json_object_set(props, "category", cats);
	util_rfc3339(lp->published_at, when);
	json_object_set_new(props, "published", json_pack("[s]", when));
	if (lp->status == POST_DRAFT)
		json_object_set_new(props, "post-status", json_pack("[s]", "draft"));
	json_decref(cats);
	json_decref(post);
	buf_free(&slugs);
	return props;
}

/* A post's properties: as stored by Micropub, else made from the post. */
static json_t *
post_properties(struct request *rq, const struct local_post *lp)
{
	json_t *props = lp->properties != NULL ? json_loads(lp->properties, 0, NULL) : NULL;

	if (json_is_object(props))
		return props;
	json_decref(props);
	return synthesized_properties(rq, lp);
}

/* ---------------------------------------------------------------- media */

static const char *
static_image_type(const char *type, const char **ext)
{
	size_t i;

	for (i = 0; i < NELEM(image_types); i++) {
		if (strcmp(image_types[i].type, type) == 0) {
			*ext = image_types[i].ext;
			return image_types[i].type;
		}
	}
	return NULL;
}

/* Checks that a file part is an image we keep; its type and extension. */
static int
check_image(const struct micropub_file *f, const char **type, const char **ext,
    struct micropub_error *err)
{
	*type = micropub_image_type(f->data, f->len, ext);
	if (*type == NULL)
		return micropub_fail(err, 415, "invalid_request",
		    "%.60s is not a JPEG, PNG, GIF or WebP image", f->filename);
	return 0;
}

/* Stores an image for team_id; its absolute URL (malloc'd) in *url. */
static int
store_image(struct request *rq, int64_t team_id, const struct micropub_file *f, char **url,
    struct micropub_error *err)
{
	struct buf b = BUF_INIT;
	const char *type, *ext;
	char sha[65];
	int64_t id;
	int rc;

	if (check_image(f, &type, &ext, err) == -1)
		return -1;
	util_sha256_hex(f->data, f->len, sha);
	pthread_mutex_lock(&rq->c->write_lock);
	rc = store_media_add(rq->c->store, team_id, sha, type, f->data, f->len, rq->now, &id);
	pthread_mutex_unlock(&rq->c->write_lock);
	if (rc == -1)
		return micropub_fail(err, 500, "server_error", "the file could not be saved");
	buf_printf(&b, "%smedia/%lld-%.*s.%s", rq->c->cfg->base_url, (long long)id,
	    MEDIA_HASH_CHARS, sha, ext);
	*url = buf_steal(&b);
	log_info("media stored", "id=%lld type=%s bytes=%zu", (long long)id, type, f->len);
	return 0;
}

/* POST /micropub/media: one multipart part named "file". */
static void
media_endpoint(struct request *rq, struct reply *rp)
{
	const char *ct = http_header(rq, "Content-Type");
	struct micropub_request mr;
	struct micropub_error err;
	struct token tok;
	const struct micropub_file *file = NULL;
	char *url = NULL;
	bool decoded;
	size_t i;

	memset(&err, 0, sizeof(err));
	memset(&tok, 0, sizeof(tok));
	decoded = micropub_decode(ct, rq->body, rq->body_len, &mr, &err) == 0;
	if (authenticate(rq, decoded ? mr.access_token : NULL, &tok, &err) == -1 ||
	    need_scope(&tok, "media", &err) == -1)
		goto fail;
	if (!decoded)
		goto fail;
	if (ct == NULL || strncasecmp(ct, "multipart/form-data", 19) != 0) {
		micropub_fail(&err, 415, "invalid_request", "send the file as multipart/form-data");
		goto fail;
	}
	for (i = 0; i < mr.n_files; i++) {
		if (strcmp(mr.files[i].property, "file") == 0 && file == NULL)
			file = &mr.files[i];
		else
			break;
	}
	if (file == NULL || i != mr.n_files) {
		micropub_fail(&err, 400, "invalid_request", "send exactly one file part, named \"file\"");
		goto fail;
	}
	if (store_image(rq, tok.team_id, file, &url, &err) == -1)
		goto fail;
	reply_done(rp, 201, url);
	free(url);
	token_clear(&tok);
	if (decoded)
		micropub_request_clear(&mr);
	return;
fail:
	reply_error(rq, rp, &err);
	token_clear(&tok);
	if (decoded)
		micropub_request_clear(&mr);
}

/* GET /media/ID-HASH.EXT: the bytes, with their exact type, cacheable for a year. */
static void
serve_media(struct request *rq, struct reply *rp, const char *name)
{
	char *end, type[64], sha[65];
	const char *hash, *dot, *ext = NULL, *static_type = NULL;
	long long id = strtoll(name, &end, 10);
	int rc = 1;

	rp->route = ROUTE_MEDIA;
	hash = end + 1;
	dot = strchr(name, '.');
	if (id > 0 && *end == '-' && dot == hash + MEDIA_HASH_CHARS) {
		rc = store_media_get(rq->store, id, &rp->body, type, sizeof(type));
		if (rc == 0)
			static_type = static_image_type(type, &ext);
		if (rc == 0 && static_type != NULL) {
			util_sha256_hex(rp->body.data, rp->body.len, sha);
			if (strncmp(sha, hash, MEDIA_HASH_CHARS) != 0 || strcmp(dot + 1, ext) != 0)
				rc = 1;
		} else if (rc == 0) {
			rc = 1;
		}
	}
	if (rc != 0) {
		buf_free(&rp->body);
		http_reader_error(rq, rp, rc == -1 ? 500 : 404, rc == -1 ?
		    "The database could not be read." : "There is no such file.");
		rp->route = ROUTE_MEDIA;
		return;
	}
	rp->status = 200;
	rp->content_type = static_type;
	rp->max_age = MEDIA_MAX_AGE;
}

/* ---------------------------------------------------------------- create */

/* Checks files of a create: photos only, images only. */
static int
check_files(const struct micropub_request *mr, struct micropub_error *err)
{
	const char *type, *ext;
	size_t i;

	for (i = 0; i < mr->n_files; i++) {
		if (strcmp(mr->files[i].property, "photo") != 0)
			return micropub_fail(err, 400, "invalid_request",
			    "file part \"%.40s\": only photo files are accepted", mr->files[i].property);
		if (check_image(&mr->files[i], &type, &ext, err) == -1)
			return -1;
	}
	return 0;
}

/* The photo property of props, made empty when missing. */
static json_t *
photo_list(json_t *props)
{
	json_t *arr = json_object_get(props, "photo");

	if (!json_is_array(arr)) {
		arr = json_array();
		json_object_set_new(props, "photo", arr);
	}
	return arr;
}

/*
 * Fills pr from the properties (in arena a), checking everything first;
 * then stores any photo files and adds their URLs to the photo property.
 */
static int
prepare_create(struct request *rq, const struct token *tok, struct micropub_request *mr,
    struct arena *a, struct publish_request *pr, struct micropub_error *err)
{
	json_t *trial;
	char *url;
	size_t i;

	if (strcmp(mr->type, "h-entry") != 0)
		return micropub_fail(err, 400, "invalid_request",
		    "only h-entry posts are supported (not %.40s)", mr->type);
	if (check_files(mr, err) == -1)
		return -1;
	/* a dry run with stand-in photo URLs: nothing is stored unless it all holds */
	trial = json_deep_copy(mr->properties);
	for (i = 0; i < mr->n_files; i++)
		json_array_append_new(photo_list(trial), json_string("https://upload.invalid/photo"));
	memset(pr, 0, sizeof(*pr));
	if (micropub_entry(trial, mr->commands, true, a, pr, err) == -1) {
		json_decref(trial);
		return -1;
	}
	json_decref(trial);
	for (i = 0; i < mr->n_files; i++) {
		if (store_image(rq, tok->team_id, &mr->files[i], &url, err) == -1)
			return -1;
		json_array_append_new(photo_list(mr->properties), json_string(url));
		free(url);
	}
	memset(pr, 0, sizeof(*pr));
	return micropub_entry(mr->properties, mr->commands, true, a, pr, err);
}

static void
create(struct request *rq, struct reply *rp, const struct token *tok, struct micropub_request *mr,
    struct micropub_error *err)
{
	struct publish_request pr;
	struct publish_result res;
	char *props = NULL, *why = NULL;

	if (need_scope(tok, "create", err) == -1 ||
	    prepare_create(rq, tok, mr, mr->arena, &pr, err) == -1) {
		reply_error(rq, rp, err);
		return;
	}
	props = json_dumps(mr->properties, JSON_COMPACT);
	pr.team_id = tok->team_id;
	pr.properties = props;
	if (pipeline_publish(rq->c, &pr, &res, &why) == -1) {
		micropub_fail(err, 500, "server_error", "%s", why);
		reply_error(rq, rp, err);
	} else {
		reply_done(rp, 201, res.permalink);
		free(res.permalink);
	}
	free(why);
	free(props);
}

/* ---------------------------------------------------------------- update, delete */

static void
update(struct request *rq, struct reply *rp, const struct token *tok, struct micropub_request *mr,
    struct micropub_error *err)
{
	struct local_post lp;
	struct publish_request pr;
	struct publish_result res;
	json_t *props = NULL, *commands = json_object();
	char *text = NULL, *why = NULL, *old_url = NULL;

	memset(&lp, 0, sizeof(lp));
	memset(&res, 0, sizeof(res));
	if (need_scope(tok, "update", err) == -1 || find_post(rq, tok, mr->url, &lp, err) == -1)
		goto fail;
	if (lp.status == POST_DELETED) {
		micropub_fail(err, 400, "invalid_request", "that post is deleted: undelete it first");
		goto fail;
	}
	props = post_properties(rq, &lp);
	memset(&pr, 0, sizeof(pr));
	if (micropub_update_apply(props, commands, mr, err) == -1 ||
	    micropub_entry(props, commands, true, mr->arena, &pr, err) == -1)
		goto fail;
	text = json_dumps(props, JSON_COMPACT);
	pr.post_id = lp.id;
	pr.team_id = lp.team_id;
	pr.properties = text;
	if (pipeline_publish(rq->c, &pr, &res, &why) == -1) {
		micropub_fail(err, 500, "server_error", "%s", why);
		goto fail;
	}
	old_url = pipeline_permalink(rq->c, lp.id, lp.slug);
	if (strcmp(old_url, res.permalink) != 0)
		reply_done(rp, 201, res.permalink);
	else
		reply_done(rp, 204, NULL);
	goto done;
fail:
	reply_error(rq, rp, err);
done:
	free(res.permalink);
	free(old_url);
	free(text);
	free(why);
	json_decref(props);
	json_decref(commands);
	local_post_clear(&lp);
}

static void
set_status(struct request *rq, struct reply *rp, const struct token *tok,
    struct micropub_request *mr, struct micropub_error *err)
{
	struct local_post lp;
	enum post_status status = POST_DELETED;
	json_t *props = NULL;

	if (need_scope(tok, "delete", err) == -1 || find_post(rq, tok, mr->url, &lp, err) == -1) {
		reply_error(rq, rp, err);
		return;
	}
	if (mr->action == MICROPUB_UNDELETE) {
		const char *wanted;
		props = post_properties(rq, &lp);
		wanted = json_string_value(json_array_get(json_object_get(props, "post-status"), 0));
		status = wanted != NULL && strcmp(wanted, "draft") == 0 ? POST_DRAFT : POST_PUBLISHED;
	}
	/* deleting a deleted post, or undeleting one that is not, changes nothing */
	if ((mr->action == MICROPUB_DELETE) != (lp.status == POST_DELETED) &&
	    pipeline_set_status(rq->c, lp.id, status) != 0) {
		micropub_fail(err, 500, "server_error", "the post could not be changed");
		reply_error(rq, rp, err);
	} else {
		reply_done(rp, 204, NULL);
	}
	json_decref(props);
	local_post_clear(&lp);
}

/* [micropub] hook point: true when a plugin refused the request (err says why). */
static bool
plugin_refused(struct request *rq, struct micropub_request *mr, struct micropub_error *err)
{
	static const char *const actions[] = {
		[MICROPUB_CREATE] = "create", [MICROPUB_UPDATE] = "update",
		[MICROPUB_DELETE] = "delete", [MICROPUB_UNDELETE] = "undelete",
	};
	json_t *props = mr->action == MICROPUB_CREATE ? mr->properties :
	    mr->replace != NULL ? mr->replace : mr->add;
	char *reason = NULL;

	if (plugin_run_micropub(rq->c->plugins, actions[mr->action], mr->url, props, &reason) != 1)
		return false;
	micropub_fail(err, 400, "invalid_request", "%s", reason != NULL ? reason : "refused by a plugin");
	free(reason);
	return true;
}

/* POST /micropub */
static void
post_endpoint(struct request *rq, struct reply *rp)
{
	struct micropub_request mr;
	struct micropub_error err, decode_err;
	struct token tok;
	bool decoded;

	memset(&err, 0, sizeof(err));
	memset(&decode_err, 0, sizeof(decode_err));
	decoded = micropub_decode(http_header(rq, "Content-Type"), rq->body, rq->body_len, &mr,
	    &decode_err) == 0;
	/* who is asking comes first: an unauthenticated client learns nothing of its body;
	 * then the [micropub] hook point (plugins may edit the request or refuse it) */
	if (authenticate(rq, decoded ? mr.access_token : NULL, &tok, &err) == -1) {
		reply_error(rq, rp, &err);
	} else if (!decoded) {
		reply_error(rq, rp, &decode_err);
	} else if (plugin_refused(rq, &mr, &err)) {
		reply_error(rq, rp, &err);
	} else if (mr.action == MICROPUB_CREATE) {
		create(rq, rp, &tok, &mr, &err);
	} else if (mr.action == MICROPUB_UPDATE) {
		update(rq, rp, &tok, &mr, &err);
	} else {
		set_status(rq, rp, &tok, &mr, &err);
	}
	token_clear(&tok);
	if (decoded)
		micropub_request_clear(&mr);
}

/* ---------------------------------------------------------------- queries */

static json_t *
config_object(const struct request *rq)
{
	struct buf media = BUF_INIT;
	json_t *o;

	buf_printf(&media, "%smicropub/media", rq->c->cfg->base_url);
	o = json_pack("{s:s, s:[], s:[ssss], s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}",
	    "media-endpoint", buf_str(&media), "syndicate-to",
	    "q", "config", "source", "syndicate-to", "category",
	    "post-types", "type", "note", "name", "Note", "type", "article", "name", "Weeknote",
	    "type", "photo", "name", "Photo");
	buf_free(&media);
	return o;
}

static int
query_source(struct request *rq, const struct token *tok, json_t **out, struct micropub_error *err)
{
	const char *url = http_query(rq, "url"), *wanted[MAX_SOURCE_PROPERTIES];
	struct local_post lp;
	json_t *props, *some;
	size_t n, i;

	if (url == NULL)
		return micropub_fail(err, 400, "invalid_request", "q=source needs the post's url");
	if (find_post(rq, tok, url, &lp, err) == -1)
		return -1;
	props = post_properties(rq, &lp);
	local_post_clear(&lp);
	n = http_query_values(rq, "properties[]", wanted, NELEM(wanted));
	if (n == 0)
		n = http_query_values(rq, "properties", wanted, NELEM(wanted));
	if (n == 0) {
		*out = json_pack("{s:[s], s:o}", "type", "h-entry", "properties", props);
		return 0;
	}
	some = json_object();
	for (i = 0; i < n; i++) {
		json_t *v = json_object_get(props, wanted[i]);
		if (v != NULL)
			json_object_set(some, wanted[i], v);
	}
	json_decref(props);
	*out = json_pack("{s:o}", "properties", some);
	return 0;
}

/* The labels of the team's categories, optionally filtered (q=category&filter=). */
static int
query_category(struct request *rq, const struct token *tok, json_t **out,
    struct micropub_error *err)
{
	struct post_query q;
	const char *filter = http_query(rq, "filter");
	json_t *posts, *post, *tag, *seen = json_object(), *list = json_array();
	size_t i, j;

	memset(&q, 0, sizeof(q));
	q.list = LIST_TEAM;
	q.key = tok->team_slug;
	q.limit = CATEGORY_POSTS;
	posts = store_posts(rq->store, &q);
	if (posts == NULL) {
		json_decref(seen);
		json_decref(list);
		return micropub_fail(err, 500, "server_error", "the database could not be read");
	}
	json_array_foreach(posts, i, post) {
		json_array_foreach(json_object_get(post, "tags"), j, tag) {
			const char *label = json_string_value(json_object_get(tag, "label"));
			if (label == NULL || json_object_get(seen, label) != NULL)
				continue;
			if (filter != NULL && *filter != '\0' && strcasestr(label, filter) == NULL)
				continue;
			json_object_set_new(seen, label, json_true());
			json_array_append_new(list, json_string(label));
		}
	}
	json_decref(posts);
	json_decref(seen);
	*out = json_pack("{s:o}", "categories", list);
	return 0;
}

/* GET /micropub?q=... */
static void
query_endpoint(struct request *rq, struct reply *rp)
{
	const char *q = http_query(rq, "q");
	struct micropub_error err;
	struct token tok;
	json_t *out = NULL;
	int rc = 0;

	memset(&err, 0, sizeof(err));
	if (authenticate(rq, NULL, &tok, &err) == -1) {
		reply_error(rq, rp, &err);
		return;
	}
	if (q == NULL)
		rc = micropub_fail(&err, 400, "invalid_request",
		    "ask a query: q=config, q=source, q=syndicate-to or q=category");
	else if (strcmp(q, "config") == 0)
		out = config_object(rq);
	else if (strcmp(q, "syndicate-to") == 0)
		out = json_pack("{s:[]}", "syndicate-to");
	else if (strcmp(q, "source") == 0)
		rc = query_source(rq, &tok, &out, &err);
	else if (strcmp(q, "category") == 0)
		rc = query_category(rq, &tok, &out, &err);
	else
		rc = micropub_fail(&err, 400, "invalid_request", "unknown query q=%.40s", q);
	if (rc == -1)
		reply_error(rq, rp, &err);
	else
		reply_json(rp, 200, out);
	token_clear(&tok);
}

/* ---------------------------------------------------------------- routing */

static bool
is_get(const struct request *rq)
{
	return strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;
}

static void
not_allowed(struct reply *rp, const char *allow)
{
	struct micropub_error err;

	micropub_fail(&err, 405, "invalid_request", "this address answers %s", allow);
	reply_json(rp, 405, json_pack("{s:s, s:s}", "error", err.error, "error_description",
	    err.description));
	rp->allow = allow;
}

bool
http_micropub_route(struct request *rq, struct reply *rp)
{
	bool post = strcmp(rq->method, "POST") == 0;

	if (strcmp(rq->path, "/micropub") == 0) {
		rp->route = ROUTE_MICROPUB;
		if (post)
			post_endpoint(rq, rp);
		else if (is_get(rq))
			query_endpoint(rq, rp);
		else
			not_allowed(rp, "GET, HEAD, POST");
		return true;
	}
	if (strcmp(rq->path, "/micropub/media") == 0) {
		rp->route = ROUTE_MEDIA;
		if (post)
			media_endpoint(rq, rp);
		else
			not_allowed(rp, "POST");
		return true;
	}
	if (strncmp(rq->path, "/media/", 7) == 0 && rq->path[7] != '\0') {
		if (is_get(rq))
			serve_media(rq, rp, rq->path + 7);
		else
			not_allowed(rp, "GET, HEAD");
		rp->route = ROUTE_MEDIA;
		return true;
	}
	return false;
}
