/*
 * plugin.c: loads plugins (the only file with dlfcn.h), runs them at the
 * hook points, and is the host they call back through (see plugin.h and
 * include/crier/plugin.h).
 *
 * A loaded plugin is a struct crier_self: its section's keys (copied),
 * the dlopen handle, its descriptor and the state its init() returned.
 * A set holds them in config order, plus, per hook, the ones that use
 * it.  Runners take the set's read lock; a reload builds a new set and
 * swaps it in under the write lock, then unloads the old one.
 *
 * The loader reads the descriptor's `abi` before anything else, and
 * every refusal is one message that says why and what to do.  Plugins
 * reach the daemon only through the host table below: views of feeds,
 * posts, Micropub requests, pages and digests, whose daemon-side structs
 * they never see.  http_post() only queues in memory; pipeline.c writes
 * the queue to the store's outbox (plugin_flush) once the hook is done,
 * so a plugin never waits for the database or the network.
 */
#include "plugin.h"
#include "autoconfig.h"
#include "config.h"
#include "log.h"
#include "sanitize.h"
#include "store.h"
#include "util.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PLUGIN_POST_MAX_BYTES   (1024u * 1024)  /* one queued http_post body */
#define PLUGIN_PENDING_MAX      10000           /* http_posts waiting to be written */
#define PLUGIN_RENDER_KEY_MAX   64

/* One loaded plugin: the ABI's opaque struct crier_self. */
struct crier_self {
	struct plugins *ps;
	uint64_t serial;                /* tells queued posts apart after the struct is gone */
	char *name;                     /* [plugin NAME] */
	char *render_name;              /* NAME with '-' as '_', for {{plugins.NAME.KEY}} */
	char *path;                     /* the file dlopen()ed */
	char *file;                     /* the config file, for messages */
	int line;                       /* of the section header */
	struct config_kv *kv;           /* the section's keys, copied */
	size_t n_kv;
	void *dl;
	const struct crier_plugin *desc;
	void *state;
	struct config *errors_to;       /* during load: check-config's error list, or NULL */
	bool reported;                  /* config_error() was called during init */
};

/* The plugins loaded from one config, in config order. */
struct plugin_set {
	struct crier_self **all;
	size_t n;
	struct crier_self **by_hook[CRIER_HOOK_COUNT];
	size_t n_hook[CRIER_HOOK_COUNT];
};

/* A queued http_post. */
struct pending_post {
	uint64_t from;                  /* the plugin's serial */
	char *url;
	char *content_type;
	char *headers;                  /* "Name: value" lines, or NULL */
	char *purpose;                  /* "plugin NAME" */
	struct buf body;
	struct pending_post *next;
};

struct plugins {
	struct crier *c;
	pthread_rwlock_t lock;          /* guards set: runners read, reload writes */
	struct plugin_set *set;
	_Atomic size_t hook_users[CRIER_HOOK_COUNT];  /* for plugin_has() without the lock */
	pthread_mutex_t pending_lock;   /* guards the queue and next_serial */
	struct pending_post *pending, **pending_tail;
	size_t n_pending;
	uint64_t next_serial;
};

static const char *const hook_names[CRIER_HOOK_COUNT] = {
	[CRIER_HOOK_FEED_FETCHED] = "feed_fetched",
	[CRIER_HOOK_POST_FILTER] = "post_filter",
	[CRIER_HOOK_POST_STORED] = "post_stored",
	[CRIER_HOOK_POST_PUBLISHED] = "post_published",
	[CRIER_HOOK_MICROPUB] = "micropub",
	[CRIER_HOOK_RENDER] = "render",
	[CRIER_HOOK_DIGEST_PUBLISHED] = "digest_published",
};

/* The views (opaque to plugins). struct crier_feed and struct crier_digest are in plugin.h. */
struct crier_post {
	struct post *p;
	struct arena *a;                /* where edits go; NULL: read-only */
	const char *change;
	const char *permalink;          /* a local post's URL (p->url is NULL for those) */
	const char *base_url;           /* for sanitizing content a plugin sets */
	struct buf authors;             /* CRIER_POST_AUTHOR, built when asked */
	bool authors_built;
	struct buf text;                /* CRIER_POST_CONTENT_TEXT of HTML content, built when asked */
	bool text_built;
};

struct crier_micropub {
	const char *action;
	const char *url;
	json_t *props;
	char *reason;                   /* the first rejection's reason (malloc'd) */
};

struct crier_render {
	const char *template;
	const char *path;
	json_t *ctx;
	const struct crier_self *current;
};

static const struct crier_host host_table;

/* ---------------------------------------------------------------- the host: the plugin itself */

static const char *
host_name(const struct crier_self *self)
{
	return self->name;
}

static void
host_log(const struct crier_self *self, enum crier_log_level level, const char *message,
    const char *kvfmt, ...)
{
	struct buf kv = BUF_INIT;
	enum log_level lv;
	va_list ap;
	size_t i;

	lv = level <= CRIER_LOG_DEBUG ? LOG_DEBUG : level == CRIER_LOG_INFO ? LOG_INFO :
	    level == CRIER_LOG_WARN ? LOG_WARN : LOG_ERROR;
	if (lv < log_get_level())
		return;
	if (kvfmt != NULL) {
		va_start(ap, kvfmt);
		buf_vprintf(&kv, kvfmt, ap);
		va_end(ap);
	}
	/* one line whatever the plugin wrote */
	for (i = 0; i < kv.len; i++) {
		if ((unsigned char)kv.data[i] < ' ')
			kv.data[i] = ' ';
	}
	log_msg(lv, message != NULL ? message : "", "plugin=%s%s%s", log_quote(self->name),
	    kv.len ? " " : "", buf_str(&kv));
	buf_free(&kv);
}

static const char *
host_quote(const char *value)
{
	return log_quote(value);
}

static const char *
host_config_get(const struct crier_self *self, const char *key)
{
	size_t i;

	if (key == NULL)
		return NULL;
	for (i = 0; i < self->n_kv; i++) {
		if (strcmp(self->kv[i].key, key) == 0)
			return self->kv[i].value;
	}
	return NULL;
}

static const char *
host_config_key(const struct crier_self *self, size_t i, const char **value)
{
	if (i >= self->n_kv) {
		if (value != NULL)
			*value = NULL;
		return NULL;
	}
	if (value != NULL)
		*value = self->kv[i].value;
	return self->kv[i].key;
}

/* A problem in the config, for check-config or the log: "FILE:LINE: [plugin NAME] ...". */
static void
report(const struct crier_self *self, int line, const char *message)
{
	struct buf b = BUF_INIT;

	if (self->errors_to != NULL) {
		config_error(self->errors_to, line, "[plugin %s] %s", self->name, message);
		return;
	}
	buf_printf(&b, "%s:%d: [plugin %s] %s", self->file, line, self->name, message);
	log_error("plugin config problem", "plugin=%s error=%s", log_quote(self->name),
	    log_quote(buf_str(&b)));
	buf_free(&b);
}

static void
host_config_error(const struct crier_self *self, const char *key, const char *message)
{
	struct crier_self *me = (struct crier_self *)(uintptr_t)self;
	struct buf b = BUF_INIT;
	int line = self->line;
	size_t i;

	for (i = 0; key != NULL && i < self->n_kv; i++) {
		if (strcmp(self->kv[i].key, key) == 0)
			line = self->kv[i].line;
	}
	if (key != NULL)
		buf_printf(&b, "%s: %s", key, message != NULL ? message : "bad value");
	else
		buf_puts(&b, message != NULL ? message : "bad configuration");
	report(self, line, buf_str(&b));
	me->reported = true;
	buf_free(&b);
}

static int64_t
host_now(void)
{
	return util_now();
}

static bool
is_http_url(const char *url)
{
	return url != NULL && (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0);
}

static bool
has_line_break(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

static void
pending_free(struct pending_post *pp)
{
	free(pp->url);
	free(pp->content_type);
	free(pp->headers);
	free(pp->purpose);
	buf_free(&pp->body);
	free(pp);
}

static int
host_http_post(const struct crier_self *self, const char *url, const char *content_type,
    const void *body, size_t len, const char *const *headers)
{
	struct plugins *ps = self->ps;
	struct pending_post *pp;
	struct buf h = BUF_INIT;
	size_t i;

	if (!is_http_url(url) || has_line_break(url) || len > PLUGIN_POST_MAX_BYTES ||
	    (len > 0 && body == NULL) || (content_type != NULL && has_line_break(content_type))) {
		host_log(self, CRIER_LOG_WARN, "http_post refused: not an http(s) URL, or the body is "
		    "over 1 MiB", "url=%s bytes=%zu", log_quote(url), len);
		return -1;
	}
	for (i = 0; headers != NULL && headers[i] != NULL; i++) {
		if (has_line_break(headers[i]) || strchr(headers[i], ':') == NULL) {
			host_log(self, CRIER_LOG_WARN, "http_post refused: a header is not one "
			    "\"Name: value\" line", "header=%s", log_quote(headers[i]));
			buf_free(&h);
			return -1;
		}
		buf_printf(&h, "%s%s", h.len ? "\n" : "", headers[i]);
	}
	pp = xcalloc(1, sizeof(*pp));
	pp->from = self->serial;
	pp->url = xstrdup(url);
	pp->content_type = xstrdup(content_type != NULL ? content_type : "application/octet-stream");
	pp->headers = h.len ? buf_steal(&h) : NULL;
	buf_free(&h);
	buf_puts(&pp->body, "");        /* data is never NULL, even for an empty body */
	if (len > 0)
		buf_append(&pp->body, body, len);
	buf_printf(&h, "plugin %s", self->name);
	pp->purpose = buf_steal(&h);
	pthread_mutex_lock(&ps->pending_lock);
	if (ps->n_pending >= PLUGIN_PENDING_MAX) {
		pthread_mutex_unlock(&ps->pending_lock);
		pending_free(pp);
		host_log(self, CRIER_LOG_WARN, "http_post refused: too many queued", "queued=%d",
		    PLUGIN_PENDING_MAX);
		return -1;
	}
	*ps->pending_tail = pp;
	ps->pending_tail = &pp->next;
	ps->n_pending++;
	pthread_mutex_unlock(&ps->pending_lock);
	return 0;
}

/* ---------------------------------------------------------------- the host: feeds */

static const char *
feed_owner_key(const struct crier_feed *f, enum crier_feed_field field)
{
	const struct config *cfg = f->cfg;
	size_t i;

	if (cfg == NULL || f->url == NULL)
		return NULL;
	for (i = 0; i < cfg->n_feeds; i++) {
		if (strcmp(cfg->feeds[i].url, f->url) == 0)
			return field == CRIER_FEED_OWNER_WEBHOOK ? cfg->feeds[i].owner_webhook :
			    cfg->feeds[i].owner_email;
	}
	return NULL;
}

static const char *
host_feed_text(const struct crier_feed *f, enum crier_feed_field field)
{
	if (f == NULL)
		return NULL;
	switch (field) {
	case CRIER_FEED_URL:
		return f->url;
	case CRIER_FEED_NAME:
		return f->name != NULL ? f->name : f->url;
	case CRIER_FEED_OWNER_WEBHOOK:
	case CRIER_FEED_OWNER_EMAIL:
		return feed_owner_key(f, field);
	case CRIER_FEED_ERROR:
		return f->error;
	case CRIER_FEED_MOVED_TO:
		return f->moved_to;
	default:
		return NULL;
	}
}

static int64_t
host_feed_number(const struct crier_feed *f, enum crier_feed_field field)
{
	if (f == NULL)
		return 0;
	switch (field) {
	case CRIER_FEED_ID:
		return f->id;
	case CRIER_FEED_STATUS:
		return f->status;
	case CRIER_FEED_ERROR_COUNT:
		return f->error_count;
	case CRIER_FEED_PREVIOUS_ERROR_COUNT:
		return f->previous_error_count;
	case CRIER_FEED_GONE:
		return f->gone;
	case CRIER_FEED_UNCHANGED:
		return f->unchanged;
	default:
		return 0;
	}
}

/* ---------------------------------------------------------------- the host: posts */

static const char *
post_authors(struct crier_post *v)
{
	size_t i;

	if (!v->authors_built) {
		v->authors_built = true;
		for (i = 0; i < v->p->n_authors; i++) {
			const char *name = v->p->authors[i].name;
			if (name != NULL && *name != '\0')
				buf_printf(&v->authors, "%s%s", v->authors.len ? ", " : "", name);
		}
	}
	return v->authors.len ? buf_str(&v->authors) : NULL;
}

/* The plain text of the content: the pipeline computes it only when a
 * tag rule reads content, so it is built here when a plugin asks. */
static const char *
post_text(struct crier_post *v)
{
	const struct post *p = v->p;

	if (p->search_text != NULL || p->content_html == NULL)
		return p->search_text != NULL ? p->search_text : p->content_text;
	if (!v->text_built) {
		html_to_text(&v->text, p->content_html, strlen(p->content_html));
		v->text_built = true;
	}
	return buf_str(&v->text);
}

static const char *
host_post_text(const struct crier_post *post, enum crier_post_field field)
{
	static const char *const kinds[] = { [POST_FEED] = "feed", [POST_LOCAL] = "local" };
	static const char *const statuses[] = {
		[POST_PUBLISHED] = "published", [POST_DRAFT] = "draft", [POST_DELETED] = "deleted",
	};
	struct crier_post *v = (struct crier_post *)(uintptr_t)post;
	const struct post *p;

	if (v == NULL)
		return NULL;
	p = v->p;
	switch (field) {
	case CRIER_POST_GUID:
		return p->guid;
	case CRIER_POST_URL:
		return p->url != NULL ? p->url : v->permalink;
	case CRIER_POST_TITLE:
		return p->title;
	case CRIER_POST_SUMMARY:
		return p->summary;
	case CRIER_POST_CONTENT_HTML:
		return p->content_html;
	case CRIER_POST_CONTENT_TEXT:
		return post_text(v);
	case CRIER_POST_AUTHOR:
		return post_authors(v);
	case CRIER_POST_SLUG:
		return p->slug;
	case CRIER_POST_KIND:
		return kinds[p->kind];
	case CRIER_POST_STATUS:
		return statuses[p->status];
	case CRIER_POST_CHANGE:
		return v->change;
	default:
		return NULL;
	}
}

static int64_t
host_post_number(const struct crier_post *post, enum crier_post_field field)
{
	if (post == NULL)
		return 0;
	switch (field) {
	case CRIER_POST_ID:
		return post->p->id;
	case CRIER_POST_FEED_ID:
		return post->p->feed_id;
	case CRIER_POST_TEAM_ID:
		return post->p->team_id;
	case CRIER_POST_PUBLISHED_AT:
		return post->p->published_at;
	case CRIER_POST_UPDATED_AT:
		return post->p->updated_at;
	default:
		return 0;
	}
}

/* Plain text as the parser would store it: whitespace collapsed, UTF-8 repaired. */
static const char *
plain_text(struct arena *a, const char *value)
{
	struct buf b = BUF_INIT;
	const char *out;

	if (value == NULL)
		return NULL;
	text_collapse(&b, value, strlen(value));
	out = b.len ? arena_strndup(a, buf_str(&b), b.len) : NULL;
	buf_free(&b);
	return out;
}

static int
set_content(struct crier_post *v, const char *html)
{
	struct buf clean = BUF_INIT, text = BUF_INIT;
	struct post *p = v->p;

	if (html == NULL) {
		p->content_html = NULL;
		p->search_text = NULL;
		return 0;
	}
	sanitize_html(&clean, html, strlen(html), p->url != NULL ? p->url : v->base_url);
	html_to_text(&text, buf_str(&clean), clean.len);
	p->content_html = clean.len ? arena_strndup(v->a, buf_str(&clean), clean.len) : NULL;
	p->search_text = arena_strndup(v->a, buf_str(&text), text.len);
	buf_free(&clean);
	buf_free(&text);
	return 0;
}

static int
host_post_set_text(struct crier_post *v, enum crier_post_field field, const char *value)
{
	if (v == NULL || v->a == NULL)
		return -1;
	switch (field) {
	case CRIER_POST_URL:
		if (!is_http_url(value) || has_line_break(value))
			return -1;
		v->p->url = arena_strdup(v->a, value);
		return 0;
	case CRIER_POST_TITLE:
		v->p->title = plain_text(v->a, value);
		return 0;
	case CRIER_POST_SUMMARY:
		v->p->summary = plain_text(v->a, value);
		v->p->summary_html = NULL;      /* the HTML summary would contradict it */
		return 0;
	case CRIER_POST_CONTENT_HTML:
		return set_content(v, value);
	default:
		return -1;
	}
}

static size_t
host_post_tag_count(const struct crier_post *v)
{
	return v != NULL ? v->p->n_tags : 0;
}

static const char *
host_post_tag(const struct crier_post *v, size_t i)
{
	return v != NULL && i < v->p->n_tags ? v->p->tags[i].label : NULL;
}

static int
host_post_add_tag(struct crier_post *v, const char *label)
{
	const char *clean;

	if (v == NULL || v->a == NULL || label == NULL)
		return -1;
	clean = plain_text(v->a, label);
	if (clean != NULL)
		post_add_tag(v->a, v->p, clean, TAG_PLUGIN);
	return 0;
}

/* A new array without the removed tags: the old one may still be a
 * snapshot the runner restores when the plugin fails. */
static int
host_post_remove_tag(struct crier_post *v, const char *label)
{
	struct post *p;
	struct post_tag *kept;
	size_t i, n = 0, cap;

	if (v == NULL || v->a == NULL || label == NULL)
		return -1;
	p = v->p;
	cap = p->n_tags + 1;
	kept = arena_alloc(v->a, cap * sizeof(*kept));
	for (i = 0; i < p->n_tags; i++) {
		if (strcasecmp(p->tags[i].label, label) != 0)
			kept[n++] = p->tags[i];
	}
	p->tags = kept;
	p->n_tags = n;
	p->cap_tags = cap;
	return 0;
}

/* ---------------------------------------------------------------- the host: micropub */

static const char *
host_micropub_text(const struct crier_micropub *mp, enum crier_micropub_field field)
{
	if (mp == NULL)
		return NULL;
	switch (field) {
	case CRIER_MICROPUB_ACTION:
		return mp->action;
	case CRIER_MICROPUB_URL:
		return mp->url;
	case CRIER_MICROPUB_TYPE:
		return mp->action != NULL && strcmp(mp->action, "create") == 0 ? "h-entry" : NULL;
	default:
		return NULL;
	}
}

static size_t
host_micropub_count(const struct crier_micropub *mp, const char *name)
{
	json_t *v;

	if (mp == NULL || mp->props == NULL || name == NULL)
		return 0;
	v = json_object_get(mp->props, name);
	return json_is_array(v) ? json_array_size(v) : 0;
}

static const char *
host_micropub_value(const struct crier_micropub *mp, const char *name, size_t i)
{
	json_t *v;

	if (host_micropub_count(mp, name) <= i)
		return NULL;
	v = json_array_get(json_object_get(mp->props, name), i);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_object(v)) {
		json_t *inner = json_object_get(v, "html");
		if (!json_is_string(inner))
			inner = json_object_get(v, "value");
		return json_string_value(inner);
	}
	return NULL;
}

static int
host_micropub_set(struct crier_micropub *mp, const char *name, const char *value)
{
	json_t *s;

	if (mp == NULL || mp->props == NULL || name == NULL || *name == '\0')
		return -1;
	if (value == NULL) {
		json_object_del(mp->props, name);
		return 0;
	}
	s = json_string(value);
	if (s == NULL)
		return -1;      /* not UTF-8 */
	return json_object_set_new(mp->props, name, json_pack("[o]", s)) == 0 ? 0 : -1;
}

static void
host_micropub_reject(struct crier_micropub *mp, const char *reason)
{
	if (mp == NULL || mp->reason != NULL)
		return;
	mp->reason = xstrdup(reason != NULL && *reason != '\0' ? reason : "a plugin refused the request");
}

/* ---------------------------------------------------------------- the host: render */

static const char *
host_render_text(const struct crier_render *r, enum crier_render_field field)
{
	if (r == NULL)
		return NULL;
	if (field == CRIER_RENDER_TEMPLATE)
		return r->template;
	if (field == CRIER_RENDER_PATH)
		return r->path;
	return NULL;
}

static bool
valid_render_key(const char *key)
{
	size_t n = 0;

	if (key == NULL || *key == '\0')
		return false;
	for (; *key; key++, n++) {
		if (!((*key >= 'a' && *key <= 'z') || (*key >= 'A' && *key <= 'Z') ||
		    (*key >= '0' && *key <= '9') || *key == '_'))
			return false;
	}
	return n <= PLUGIN_RENDER_KEY_MAX;
}

static int
host_render_set(struct crier_render *r, const char *key, const char *value)
{
	json_t *all, *mine, *s;

	if (r == NULL || r->ctx == NULL || !valid_render_key(key) || value == NULL)
		return -1;
	s = json_string(value);
	if (s == NULL)
		return -1;
	all = json_object_get(r->ctx, "plugins");
	if (!json_is_object(all)) {
		all = json_object();
		json_object_set_new(r->ctx, "plugins", all);
	}
	mine = json_object_get(all, r->current->render_name);
	if (!json_is_object(mine)) {
		mine = json_object();
		json_object_set_new(all, r->current->render_name, mine);
	}
	return json_object_set_new(mine, key, s) == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- the host: digests */

static const char *
host_digest_text(const struct crier_digest *d, enum crier_digest_field field)
{
	if (d == NULL)
		return NULL;
	switch (field) {
	case CRIER_DIGEST_SLUG:
		return d->slug;
	case CRIER_DIGEST_TITLE:
		return d->title;
	case CRIER_DIGEST_URL:
		return d->url;
	case CRIER_DIGEST_SUMMARY:
		return d->summary;
	default:
		return NULL;
	}
}

static size_t
host_digest_item_count(const struct crier_digest *d)
{
	return d != NULL ? d->n_items : 0;
}

static const char *
host_digest_item_text(const struct crier_digest *d, size_t i, enum crier_digest_item_field field)
{
	if (d == NULL || i >= d->n_items)
		return NULL;
	switch (field) {
	case CRIER_DIGEST_ITEM_TITLE:
		return d->items[i].title;
	case CRIER_DIGEST_ITEM_URL:
		return d->items[i].url;
	case CRIER_DIGEST_ITEM_NOTE:
		return d->items[i].note;
	default:
		return NULL;
	}
}

static const struct crier_host host_table = {
	.abi = CRIER_PLUGIN_ABI,
	.crier_version = PACKAGE_VERSION,
	.name = host_name,
	.log = host_log,
	.quote = host_quote,
	.config_get = host_config_get,
	.config_key = host_config_key,
	.config_error = host_config_error,
	.now = host_now,
	.http_post = host_http_post,
	.feed_text = host_feed_text,
	.feed_number = host_feed_number,
	.post_text = host_post_text,
	.post_number = host_post_number,
	.post_set_text = host_post_set_text,
	.post_tag_count = host_post_tag_count,
	.post_tag = host_post_tag,
	.post_add_tag = host_post_add_tag,
	.post_remove_tag = host_post_remove_tag,
	.micropub_text = host_micropub_text,
	.micropub_count = host_micropub_count,
	.micropub_value = host_micropub_value,
	.micropub_set = host_micropub_set,
	.micropub_reject = host_micropub_reject,
	.render_text = host_render_text,
	.render_set = host_render_set,
	.digest_text = host_digest_text,
	.digest_item_count = host_digest_item_count,
	.digest_item_text = host_digest_item_text,
};

/* ---------------------------------------------------------------- the queue */

/* Drops what a plugin queued (its init failed). */
static void
pending_discard(struct plugins *ps, uint64_t from)
{
	struct pending_post **pp, *dead;

	pthread_mutex_lock(&ps->pending_lock);
	pp = &ps->pending;
	while (*pp != NULL) {
		if ((*pp)->from != from) {
			pp = &(*pp)->next;
			continue;
		}
		dead = *pp;
		*pp = dead->next;
		pending_free(dead);
		ps->n_pending--;
	}
	ps->pending_tail = pp;
	pthread_mutex_unlock(&ps->pending_lock);
}

void
plugin_flush(struct plugins *ps, struct store *store)
{
	struct pending_post *list, *next;
	int64_t now = util_now();

	if (ps == NULL || store == NULL)
		return;
	pthread_mutex_lock(&ps->pending_lock);
	list = ps->pending;
	ps->pending = NULL;
	ps->pending_tail = &ps->pending;
	ps->n_pending = 0;
	pthread_mutex_unlock(&ps->pending_lock);
	for (; list != NULL; list = next) {
		next = list->next;
		if (store_outbox_add(store, list->url, list->content_type, list->body.data,
		    list->body.len, list->headers, list->purpose, now) == -1)
			log_error("could not queue a plugin's HTTP POST", "purpose=%s url=%s",
			    log_quote(list->purpose), log_quote(list->url));
		pending_free(list);
	}
}

/* ---------------------------------------------------------------- loading */

static void
self_free(struct crier_self *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_kv; i++) {
		free(s->kv[i].key);
		free(s->kv[i].value);
	}
	free(s->kv);
	free(s->name);
	free(s->render_name);
	free(s->path);
	free(s->file);
	free(s);
}

/* Logs or records one refusal, then unloads what was loaded. */
static void
refuse(struct crier_self *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
refuse(struct crier_self *s, const char *fmt, ...)
{
	struct buf why = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&why, fmt, ap);
	va_end(ap);
	if (s->errors_to != NULL) {
		config_error(s->errors_to, s->line, "[plugin %s] %s", s->name, buf_str(&why));
	} else {
		struct buf line = BUF_INIT;
		buf_printf(&line, "%s:%d: [plugin %s] %s", s->file, s->line, s->name, buf_str(&why));
		log_error("plugin refused", "plugin=%s error=%s", log_quote(s->name),
		    log_quote(buf_str(&line)));
		buf_free(&line);
	}
	buf_free(&why);
	if (s->dl != NULL)
		dlclose(s->dl);
	self_free(s);
}

static struct crier_self *
self_new(struct plugins *ps, const struct config *cfg, const struct config_section *sec,
    struct config *errors_to)
{
	struct crier_self *s = xcalloc(1, sizeof(*s));
	const char *path = config_section_get(sec, "path");
	struct buf b = BUF_INIT;
	size_t i;

	s->ps = ps;
	pthread_mutex_lock(&ps->pending_lock);
	s->serial = ++ps->next_serial;
	pthread_mutex_unlock(&ps->pending_lock);
	s->name = xstrdup(sec->name);
	s->render_name = xstrdup(sec->name);
	for (i = 0; s->render_name[i] != '\0'; i++) {
		if (s->render_name[i] == '-')
			s->render_name[i] = '_';
	}
	s->file = xstrdup(cfg->path);
	s->line = sec->line;
	s->errors_to = errors_to;
	s->kv = xcalloc(sec->n_kv + 1, sizeof(*s->kv));
	for (i = 0; i < sec->n_kv; i++) {
		s->kv[i].key = xstrdup(sec->kv[i].key);
		s->kv[i].value = xstrdup(sec->kv[i].value);
		s->kv[i].line = sec->kv[i].line;
	}
	s->n_kv = sec->n_kv;
	if (path != NULL && path[0] != '/' && cfg->plugin_dir != NULL) {
		buf_printf(&b, "%s/%s", cfg->plugin_dir, path);
		s->path = buf_steal(&b);
	} else {
		s->path = xstrdup(path != NULL ? path : "");
	}
	return s;
}

static const struct crier_self *
find_loaded(const struct plugin_set *set, const char *desc_name)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (strcmp(set->all[i]->desc->name, desc_name) == 0)
			return set->all[i];
	}
	return NULL;
}

static void
set_add(struct plugin_set *set, struct crier_self *s)
{
	int h;

	set->all = xrealloc(set->all, (set->n + 1) * sizeof(*set->all));
	set->all[set->n++] = s;
	for (h = 0; h < CRIER_HOOK_COUNT; h++) {
		if (s->desc->hooks[h] == NULL)
			continue;
		set->by_hook[h] = xrealloc(set->by_hook[h], (set->n_hook[h] + 1) * sizeof(**set->by_hook));
		set->by_hook[h][set->n_hook[h]++] = s;
	}
}

/* The hooks a plugin uses, for the log: "post_filter,render". */
static void
hook_list(const struct crier_plugin *d, struct buf *out)
{
	int h;

	for (h = 0; h < CRIER_HOOK_COUNT; h++) {
		if (d->hooks[h] != NULL)
			buf_printf(out, "%s%s", out->len ? "," : "", hook_names[h]);
	}
	if (out->len == 0)
		buf_puts(out, "none");
}

/* Loads one section into set; 0, or -1 when refused (already reported). */
static int
load_one(struct plugins *ps, struct plugin_set *set, const struct config *cfg,
    const struct config_section *sec, struct config *errors_to)
{
	struct crier_self *s = self_new(ps, cfg, sec, errors_to);
	const struct crier_self *other;
	const struct crier_plugin *d;
	struct buf hooks = BUF_INIT;
	void *state = NULL;
	int rc;

	if (s->path[0] == '\0') {
		refuse(s, "has no path; set path = NAME.so (relative to plugin_dir = %s)", cfg->plugin_dir);
		return -1;
	}
	s->dl = dlopen(s->path, RTLD_NOW | RTLD_LOCAL);
	if (s->dl == NULL) {
		refuse(s, "cannot load it: %s; check path = (relative paths are under plugin_dir = %s)",
		    dlerror(), cfg->plugin_dir);
		return -1;
	}
	d = dlsym(s->dl, "crier_plugin");
	if (d == NULL) {
		refuse(s, "%s is not a crier plugin: it exports no crier_plugin descriptor; build it "
		    "against <crier/plugin.h> (pkg-config --cflags crier-plugin)", s->path);
		return -1;
	}
	if (d->abi != CRIER_PLUGIN_ABI) {
		refuse(s, "%s was built for plugin ABI %u but this crier speaks ABI %u; rebuild it "
		    "against this crier's <crier/plugin.h> (pkg-config --cflags crier-plugin)",
		    s->path, d->abi, (unsigned)CRIER_PLUGIN_ABI);
		return -1;
	}
	if (d->name == NULL || d->name[0] == '\0') {
		refuse(s, "%s has no name in its crier_plugin descriptor; set .name", s->path);
		return -1;
	}
	other = find_loaded(set, d->name);
	if (other != NULL && !(d->flags & CRIER_PLUGIN_MULTI)) {
		refuse(s, "%s (plugin \"%s\") is already loaded by [plugin %s] at line %d and can be "
		    "loaded only once; put these keys in that section, or remove this one",
		    s->path, d->name, other->name, other->line);
		return -1;
	}
	s->desc = d;
	if (d->init != NULL) {
		rc = d->init(s, &host_table, &state);
		if (rc != 0) {
			pending_discard(ps, s->serial);
			refuse(s, "\"%s\" did not start (its init returned %d)%s; fix its keys, then "
			    "reload or restart", d->name, rc, s->reported ? ": see the problem above" : "");
			return -1;
		}
	}
	s->state = state;
	s->errors_to = NULL;
	set_add(set, s);
	hook_list(d, &hooks);
	if (errors_to == NULL)
		log_info("plugin loaded", "plugin=%s name=%s version=%s path=%s hooks=%s",
		    log_quote(s->name), log_quote(d->name), log_quote(d->version), log_quote(s->path),
		    buf_str(&hooks));
	buf_free(&hooks);
	return 0;
}

/* fini and dlclose each plugin, last loaded first. */
static void
set_free(struct plugin_set *set)
{
	size_t i;
	int h;

	if (set == NULL)
		return;
	for (i = set->n; i-- > 0;) {
		struct crier_self *s = set->all[i];
		if (s->desc->fini != NULL)
			s->desc->fini(s, s->state);
		dlclose(s->dl);
		self_free(s);
	}
	for (h = 0; h < CRIER_HOOK_COUNT; h++)
		free(set->by_hook[h]);
	free(set->all);
	free(set);
}

static struct plugin_set *
set_load(struct plugins *ps, const struct config *cfg, struct config *errors_to, size_t *n_refused)
{
	struct plugin_set *set = xcalloc(1, sizeof(*set));
	size_t i, refused = 0;

	for (i = 0; i < cfg->n_plugins; i++) {
		if (load_one(ps, set, cfg, &cfg->plugins[i], errors_to) == -1)
			refused++;
	}
	if (n_refused != NULL)
		*n_refused = refused;
	return set;
}

static void
publish_counts(struct plugins *ps)
{
	int h;

	for (h = 0; h < CRIER_HOOK_COUNT; h++)
		ps->hook_users[h] = ps->set->n_hook[h];
}

struct plugins *
plugin_load(struct crier *c, const struct config *cfg, struct config *errors_to, size_t *n_refused)
{
	struct plugins *ps = xcalloc(1, sizeof(*ps));

	ps->c = c;
	pthread_rwlock_init(&ps->lock, NULL);
	pthread_mutex_init(&ps->pending_lock, NULL);
	ps->pending_tail = &ps->pending;
	ps->set = set_load(ps, cfg, errors_to, n_refused);
	publish_counts(ps);
	return ps;
}

int
plugin_reload(struct plugins *ps, const struct config *cfg)
{
	struct plugin_set *next, *old;
	size_t refused = 0;

	if (ps == NULL)
		return 0;
	next = set_load(ps, cfg, NULL, &refused);
	if (refused > 0) {
		log_error("plugin problem; keeping the running plugins", "refused=%zu", refused);
		for (size_t i = 0; i < next->n; i++)
			pending_discard(ps, next->all[i]->serial);     /* the trial set's queue goes too */
		set_free(next);
		return -1;
	}
	pthread_rwlock_wrlock(&ps->lock);
	old = ps->set;
	ps->set = next;
	publish_counts(ps);
	pthread_rwlock_unlock(&ps->lock);
	set_free(old);
	return 0;
}

void
plugin_free(struct plugins *ps, struct store *store)
{
	if (ps == NULL)
		return;
	set_free(ps->set);
	ps->set = NULL;
	if (store != NULL)
		plugin_flush(ps, store);
	while (ps->pending != NULL) {
		struct pending_post *next = ps->pending->next;
		pending_free(ps->pending);
		ps->pending = next;
	}
	pthread_rwlock_destroy(&ps->lock);
	pthread_mutex_destroy(&ps->pending_lock);
	free(ps);
}

size_t
plugin_count(struct plugins *ps)
{
	size_t n;

	if (ps == NULL)
		return 0;
	pthread_rwlock_rdlock(&ps->lock);
	n = ps->set->n;
	pthread_rwlock_unlock(&ps->lock);
	return n;
}

bool
plugin_has(struct plugins *ps, enum crier_hook hook)
{
	return ps != NULL && (unsigned)hook < CRIER_HOOK_COUNT && ps->hook_users[hook] > 0;
}

/* ---------------------------------------------------------------- running */

static int
call(struct crier_self *s, const struct crier_event *ev)
{
	return s->desc->hooks[ev->hook](s, s->state, ev);
}

static void
hook_failed(const struct crier_self *s, enum crier_hook h, int rc, const char *what)
{
	log_warn("plugin hook failed; going on as if it had not run", "plugin=%s hook=%s rc=%d%s%s",
	    log_quote(s->name), hook_names[h], rc, what != NULL ? " post=" : "",
	    what != NULL ? log_quote(what) : "");
}

/* Runs an observe hook's plugins in order; a failure is logged, nothing else. */
static void
run_observers(struct plugins *ps, const struct crier_event *ev, const char *what)
{
	struct plugin_set *set;
	size_t i;
	int rc;

	pthread_rwlock_rdlock(&ps->lock);
	set = ps->set;
	for (i = 0; i < set->n_hook[ev->hook]; i++) {
		rc = call(set->by_hook[ev->hook][i], ev);
		if (rc < 0)
			hook_failed(set->by_hook[ev->hook][i], ev->hook, rc, what);
	}
	pthread_rwlock_unlock(&ps->lock);
}

void
plugin_run_feed_fetched(struct plugins *ps, struct crier_feed *f)
{
	struct crier_event ev = { .hook = CRIER_HOOK_FEED_FETCHED, .feed = f };

	if (!plugin_has(ps, CRIER_HOOK_FEED_FETCHED))
		return;
	f->cfg = ps->c->cfg;
	run_observers(ps, &ev, NULL);
}

int
plugin_run_post_filter(struct plugins *ps, struct crier_feed *feed, struct post *p, struct arena *a)
{
	struct crier_post view;
	struct crier_event ev = { .hook = CRIER_HOOK_POST_FILTER, .feed = feed };
	struct plugin_set *set;
	struct post saved;
	size_t i;
	int rc, verdict = 0;

	if (!plugin_has(ps, CRIER_HOOK_POST_FILTER))
		return 0;
	if (feed != NULL)
		feed->cfg = ps->c->cfg;
	memset(&view, 0, sizeof(view));
	view.p = p;
	view.a = a;
	view.base_url = feed != NULL ? feed->url : ps->c->cfg->base_url;
	ev.post = &view;
	pthread_rwlock_rdlock(&ps->lock);
	set = ps->set;
	for (i = 0; i < set->n_hook[CRIER_HOOK_POST_FILTER] && verdict == 0; i++) {
		struct crier_self *s = set->by_hook[CRIER_HOOK_POST_FILTER][i];
		saved = *p;
		rc = call(s, &ev);
		if (rc < 0) {
			*p = saved;     /* the post goes on as it was */
			hook_failed(s, CRIER_HOOK_POST_FILTER, rc, p->guid);
		} else if (rc > 0) {
			log_debug("post dropped by a plugin", "plugin=%s post=%s", log_quote(s->name),
			    log_quote(p->guid));
			verdict = 1;
		}
		/* a rebuilt author list would be stale after an edit */
		buf_free(&view.authors);
		view.authors_built = false;
		buf_free(&view.text);
		view.text_built = false;
	}
	pthread_rwlock_unlock(&ps->lock);
	return verdict;
}

static void
run_post_observers(struct plugins *ps, enum crier_hook hook, struct crier_feed *feed,
    const struct post *p, const char *change, const char *permalink)
{
	struct crier_post view;
	struct crier_event ev = { .hook = hook, .feed = feed };

	if (!plugin_has(ps, hook))
		return;
	if (feed != NULL)
		feed->cfg = ps->c->cfg;
	memset(&view, 0, sizeof(view));
	view.p = (struct post *)(uintptr_t)p;      /* read-only: view.a is NULL */
	view.change = change;
	view.permalink = permalink;
	ev.post = &view;
	run_observers(ps, &ev, p->guid);
	buf_free(&view.authors);
	buf_free(&view.text);
}

void
plugin_run_post_stored(struct plugins *ps, struct crier_feed *feed, const struct post *p,
    const char *change)
{
	run_post_observers(ps, CRIER_HOOK_POST_STORED, feed, p, change, NULL);
}

void
plugin_run_post_published(struct plugins *ps, const struct post *p, const char *change,
    const char *permalink)
{
	run_post_observers(ps, CRIER_HOOK_POST_PUBLISHED, NULL, p, change, permalink);
}

int
plugin_run_micropub(struct plugins *ps, const char *action, const char *url, json_t *properties,
    char **reason)
{
	struct crier_micropub mp = { action, url, properties, NULL };
	struct crier_event ev = { .hook = CRIER_HOOK_MICROPUB, .micropub = &mp };
	struct plugin_set *set;
	json_t *saved;
	size_t i;
	int rc, verdict = 0;

	*reason = NULL;
	if (!plugin_has(ps, CRIER_HOOK_MICROPUB))
		return 0;
	pthread_rwlock_rdlock(&ps->lock);
	set = ps->set;
	for (i = 0; i < set->n_hook[CRIER_HOOK_MICROPUB] && verdict == 0; i++) {
		struct crier_self *s = set->by_hook[CRIER_HOOK_MICROPUB][i];
		saved = properties != NULL ? json_deep_copy(properties) : NULL;
		rc = call(s, &ev);
		if (rc < 0 && properties != NULL) {
			json_object_clear(properties);  /* undo its edits */
			json_object_update(properties, saved);
			hook_failed(s, CRIER_HOOK_MICROPUB, rc, NULL);
			free(mp.reason);
			mp.reason = NULL;
		} else if (rc > 0) {
			verdict = 1;
			if (mp.reason == NULL)
				mp.reason = xstrdup("a plugin refused the request");
			log_info("micropub request rejected by a plugin", "plugin=%s reason=%s",
			    log_quote(s->name), log_quote(mp.reason));
		}
		json_decref(saved);
	}
	pthread_rwlock_unlock(&ps->lock);
	if (verdict == 1)
		*reason = mp.reason;
	else
		free(mp.reason);
	return verdict;
}

void
plugin_run_render(struct plugins *ps, const char *template, const char *path, json_t *ctx)
{
	struct crier_render r = { template, path, ctx, NULL };
	struct crier_event ev = { .hook = CRIER_HOOK_RENDER, .render = &r };
	struct plugin_set *set;
	size_t i;
	int rc;

	if (!plugin_has(ps, CRIER_HOOK_RENDER) || ctx == NULL)
		return;
	pthread_rwlock_rdlock(&ps->lock);
	set = ps->set;
	for (i = 0; i < set->n_hook[CRIER_HOOK_RENDER]; i++) {
		r.current = set->by_hook[CRIER_HOOK_RENDER][i];
		rc = call(set->by_hook[CRIER_HOOK_RENDER][i], &ev);
		if (rc < 0)
			hook_failed(r.current, CRIER_HOOK_RENDER, rc, NULL);
	}
	pthread_rwlock_unlock(&ps->lock);
}

void
plugin_run_digest_published(struct plugins *ps, const struct crier_digest *d)
{
	struct crier_event ev = { .hook = CRIER_HOOK_DIGEST_PUBLISHED };

	if (!plugin_has(ps, CRIER_HOOK_DIGEST_PUBLISHED))
		return;
	ev.digest = (struct crier_digest *)(uintptr_t)d;
	run_observers(ps, &ev, NULL);
	if (ps->c->store != NULL) {
		pthread_mutex_lock(&ps->c->write_lock);
		plugin_flush(ps, ps->c->store);
		pthread_mutex_unlock(&ps->c->write_lock);
	}
}
