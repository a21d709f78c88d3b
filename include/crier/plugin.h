/*
 * crier/plugin.h: the whole plugin ABI of crier, and the only header a
 * plugin includes.
 *
 * A plugin is a shared object that exports exactly one symbol:
 *
 *     CRIER_PLUGIN_EXPORT const struct crier_plugin crier_plugin = {
 *             .abi = CRIER_PLUGIN_ABI,
 *             .name = "hello",
 *             .version = "1.0",
 *             .init = hello_init,
 *             .fini = hello_fini,
 *             .hooks = { [CRIER_HOOK_POST_FILTER] = hello_filter },
 *     };
 *
 * crier loads it for each [plugin NAME] section of its config (`path =
 * hello.so`; relative paths are under `plugin_dir`), reads `abi` before
 * anything else and refuses the plugin unless it equals this header's
 * CRIER_PLUGIN_ABI.  Then it calls init() once, hooks any number of
 * times, and fini() once before dlclose().  Build one out of tree with
 *
 *     cc -shared -fPIC $(pkg-config --cflags crier-plugin) -o hello.so hello.c
 *
 * The daemon's own symbols are not visible to plugins: everything a
 * plugin may do goes through the struct crier_host table handed to
 * init().  Plugins see feeds, posts, Micropub requests, pages and digests
 * only through opaque views and the host's accessor functions, so the
 * daemon's structs can change without breaking plugins.
 *
 * Memory never crosses the boundary to be freed on the other side:
 * strings the host returns are borrowed (valid until the hook returns,
 * unless a function says otherwise); strings a plugin hands the host are
 * copied by it.
 *
 * Versioning: any change to this file that is not a comment changes
 * CRIER_PLUGIN_ABI.  `abi` stays the first member of struct crier_plugin
 * in every version, so a plugin built for another ABI is recognised and
 * refused without reading anything else.
 *
 * Threads: post_filter, post_stored and feed_fetched run in the poller
 * thread; render and micropub run in web worker threads, several at
 * once; post_filter and post_published of local posts run in whichever
 * thread publishes.  A plugin with mutable state guards it (atomics or
 * a mutex).  Hooks must not block for long: filter hooks hold up the
 * post they decide on, and observe hooks the whole pipeline.  Slow work
 * (HTTP, mail) goes through host->http_post(), which only queues.
 */
#ifndef CRIER_PLUGIN_H
#define CRIER_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI this header describes.  The loader compares it with the
 * plugin's crier_plugin.abi before calling or reading anything else. */
#define CRIER_PLUGIN_ABI 1

/* Marks the descriptor as the one exported symbol (plugins may build
 * with -fvisibility=hidden; crier's own build does). */
#define CRIER_PLUGIN_EXPORT __attribute__((visibility("default")))

/*
 * Hook points, in the order a polled post meets them (DESIGN.md, "Hook
 * points").  Filter hooks decide (their return value matters); observe
 * hooks only watch (CRIER_DROP means nothing to them).
 */
enum crier_hook {
	CRIER_HOOK_FEED_FETCHED = 0,    /* observe: a feed's fetch finished (ok, unchanged or failed);
	                                   ev->feed */
	CRIER_HOOK_POST_FILTER,         /* filter: a post, polled or published, after sanitize and the
	                                   tag rules, before it is stored; ev->post (writable), and
	                                   ev->feed for polled posts.  CRIER_DROP: not stored */
	CRIER_HOOK_POST_STORED,         /* observe: a polled post was stored new or changed; ev->post,
	                                   ev->feed */
	CRIER_HOOK_POST_PUBLISHED,      /* observe: a local post was published, updated, deleted or
	                                   restored (drafts never); ev->post */
	CRIER_HOOK_MICROPUB,            /* filter: a Micropub request was decoded; ev->micropub
	                                   (writable).  CRIER_DROP: the client gets 400 with the reason
	                                   given to host->micropub_reject() */
	CRIER_HOOK_RENDER,              /* filter: a page is about to be rendered; ev->render.  Values
	                                   set with host->render_set() reach the template (and are
	                                   cached with the page until the store changes) */
	CRIER_HOOK_DIGEST_PUBLISHED,    /* observe: a digest was published; ev->digest */
	CRIER_HOOK_COUNT
};

/*
 * What a hook returns.
 *   CRIER_OK (0)    go on.
 *   CRIER_DROP (>0) post_filter: discard the post; micropub: reject the
 *                   request.  Other hooks: the same as CRIER_OK.
 *   < 0             an error: crier logs it with the plugin's name and
 *                   goes on as if the plugin had not run; edits the hook
 *                   made to the post are undone.  Nothing is lost.
 */
#define CRIER_OK    0
#define CRIER_DROP  1
#define CRIER_ERROR (-1)

/* crier_plugin.flags */
#define CRIER_PLUGIN_MULTI 0x1u         /* may be loaded by several [plugin NAME] sections,
                                           each with its own keys and state (without it a
                                           second load is refused as a duplicate) */

enum crier_log_level {
	CRIER_LOG_DEBUG = 0,
	CRIER_LOG_INFO,
	CRIER_LOG_WARN,
	CRIER_LOG_ERROR,
};

/* Opaque: the daemon's handle for one loaded plugin (one [plugin NAME]). */
struct crier_self;
/* Opaque views, valid only during the hook call they are handed to. */
struct crier_feed;
struct crier_post;
struct crier_micropub;
struct crier_render;
struct crier_digest;

/*
 * A feed, read with host->feed_text() (text: NULL when absent) and
 * host->feed_number() (numbers: 0 when absent).  In feed_fetched every
 * field is set; in post_filter and post_stored the fetch fields (status
 * onwards) describe the fetch that brought the post.
 */
enum crier_feed_field {
	CRIER_FEED_URL = 0,             /* text: the URL fetched (the one in the config or added) */
	CRIER_FEED_NAME,                /* text: the configured name, else the feed's title, else URL */
	CRIER_FEED_OWNER_WEBHOOK,       /* text: [feed] owner_webhook, or NULL */
	CRIER_FEED_OWNER_EMAIL,         /* text: [feed] owner_email, or NULL */
	CRIER_FEED_ERROR,               /* text: why this fetch failed, as the sources page shows it
	                                   ("HTTP 500 Internal Server Error"); NULL on success */
	CRIER_FEED_MOVED_TO,            /* text: the new URL when this fetch followed a permanent
	                                   redirect (301/308 all the way); the feed now lives there */
	CRIER_FEED_ID,                  /* number: the feed's id (stable; /source/ID) */
	CRIER_FEED_STATUS,              /* number: HTTP status of this fetch; 0: no response */
	CRIER_FEED_ERROR_COUNT,         /* number: failed fetches in a row, this one included;
	                                   0 after a success */
	CRIER_FEED_PREVIOUS_ERROR_COUNT,/* number: the same count before this fetch */
	CRIER_FEED_GONE,                /* number: 1 when the feed answered 410 and is retired */
	CRIER_FEED_UNCHANGED,           /* number: 1 for a 304 or a body seen before */
	CRIER_FEED_FIELD_COUNT
};

/*
 * A post, read with host->post_text() / host->post_number().  In
 * post_filter the fields marked "settable" can be changed with
 * host->post_set_text(); elsewhere posts are read-only.
 */
enum crier_post_field {
	CRIER_POST_GUID = 0,            /* text: its identity within its feed (or team) */
	CRIER_POST_URL,                 /* text, settable: absolute http(s) permalink */
	CRIER_POST_TITLE,               /* text, settable: plain text */
	CRIER_POST_SUMMARY,             /* text, settable: plain text */
	CRIER_POST_CONTENT_HTML,        /* text, settable: sanitized HTML (what a plugin sets is
	                                   sanitized again, and CONTENT_TEXT follows it) */
	CRIER_POST_CONTENT_TEXT,        /* text: the plain text of the content (for matching) */
	CRIER_POST_AUTHOR,              /* text: the authors' names, ", "-separated */
	CRIER_POST_SLUG,                /* text: a local post's URL slug, or NULL */
	CRIER_POST_KIND,                /* text: "feed" (polled) or "local" (published here) */
	CRIER_POST_STATUS,              /* text: "published", "draft" or "deleted" */
	CRIER_POST_CHANGE,              /* text: post_stored: "new" or "updated"; post_published:
	                                   "published", "updated", "unpublished" (back to draft),
	                                   "deleted" or "restored"; post_filter: NULL */
	CRIER_POST_ID,                  /* number: the store's id; 0 in post_filter of a new post */
	CRIER_POST_FEED_ID,             /* number: its feed, 0 for local posts */
	CRIER_POST_TEAM_ID,             /* number: its team, 0 when none */
	CRIER_POST_PUBLISHED_AT,        /* number: Unix seconds, UTC; 0 when unknown */
	CRIER_POST_UPDATED_AT,          /* number: Unix seconds, UTC; 0 when unknown */
	CRIER_POST_FIELD_COUNT
};

/* A Micropub request: host->micropub_text(). */
enum crier_micropub_field {
	CRIER_MICROPUB_ACTION = 0,      /* "create", "update" or "delete" */
	CRIER_MICROPUB_URL,             /* the post's URL (update, delete), else NULL */
	CRIER_MICROPUB_TYPE,            /* "h-entry" (create), else NULL */
	CRIER_MICROPUB_FIELD_COUNT
};

/* A page about to be rendered: host->render_text(). */
enum crier_render_field {
	CRIER_RENDER_TEMPLATE = 0,      /* the template's name: "river", "post", "tag", "error"... */
	CRIER_RENDER_PATH,              /* the request path: "/tag/weeknotes" */
	CRIER_RENDER_FIELD_COUNT
};

/* A published digest: host->digest_text() and host->digest_item_text(). */
enum crier_digest_field {
	CRIER_DIGEST_SLUG = 0,          /* text: its slug (/digest/SLUG) */
	CRIER_DIGEST_TITLE,             /* text */
	CRIER_DIGEST_URL,               /* text: its absolute URL */
	CRIER_DIGEST_SUMMARY,           /* text: the editor's introduction (plain text), or NULL */
	CRIER_DIGEST_FIELD_COUNT
};

enum crier_digest_item_field {
	CRIER_DIGEST_ITEM_TITLE = 0,    /* text: the post's title */
	CRIER_DIGEST_ITEM_URL,          /* text: the post's permalink */
	CRIER_DIGEST_ITEM_NOTE,         /* text: the editor's line about it, or NULL */
	CRIER_DIGEST_ITEM_FIELD_COUNT
};

/*
 * What a hook is handed.  Only the views its hook uses are set; the
 * others are NULL (see enum crier_hook).
 */
struct crier_event {
	enum crier_hook hook;
	struct crier_feed *feed;
	struct crier_post *post;
	struct crier_micropub *micropub;
	struct crier_render *render;
	struct crier_digest *digest;
};

/*
 * A hook: self is this plugin's handle (for the host functions), state
 * what its init() stored.  Returns CRIER_OK, CRIER_DROP or < 0 (above).
 */
typedef int (*crier_hook_fn)(const struct crier_self *self, void *state,
    const struct crier_event *ev);

/*
 * The host: the only way a plugin reaches the daemon.  Handed to init();
 * the table and its functions stay valid until fini() returns.  Every
 * function may be called from any hook and from init/fini, in any
 * thread, unless it says otherwise.
 */
struct crier_host {
	unsigned abi;                   /* CRIER_PLUGIN_ABI of the running crier */
	const char *crier_version;      /* "0.1.0" */

	/* ---- the plugin itself */

	/* Its [plugin NAME] name (not the descriptor's name). */
	const char *(*name)(const struct crier_self *self);

	/*
	 * One log line, "level=... msg=MESSAGE plugin=NAME KV": kvfmt is a
	 * printf format for key=value pairs ("post=%s n=%d"); values with
	 * spaces or quotes go through quote().  Lines below the configured
	 * log level cost nothing.
	 */
	void (*log)(const struct crier_self *self, enum crier_log_level level, const char *message,
	    const char *kvfmt, ...) __attribute__((format(printf, 4, 5)));
	/* value quoted for a log line when needed; good until a few more calls in this thread */
	const char *(*quote)(const char *value);

	/* The value of one of its section's keys ("path" included), or NULL. */
	const char *(*config_get)(const struct crier_self *self, const char *key);
	/* Its i-th key, in file order, with *value set; NULL past the last. */
	const char *(*config_key)(const struct crier_self *self, size_t i, const char **value);
	/*
	 * Reports a problem with one of its keys (key may be NULL for the
	 * section) as "FILE:LINE: [plugin NAME] KEY: MESSAGE".  Use it from
	 * init() and then return non-zero: `crier check-config` lists these.
	 */
	void (*config_error)(const struct crier_self *self, const char *key, const char *message);

	/* The time, Unix seconds UTC (tests may fix it with CRIER_FAKE_NOW). */
	int64_t (*now)(void);

	/*
	 * Queues an HTTP POST that the daemon's own fetcher delivers (`crier
	 * serve`), with its limits, proxy and address checks, retrying with
	 * backoff (1, 2, 4 ... minutes, at most an hour, ten tries).  Never
	 * blocks on the network: the request is written to the outbox in the
	 * database right after the hook returns.  headers: NULL-terminated
	 * "Name: value" strings, or NULL.  Everything is copied.  0, or -1
	 * when the URL is not http(s) or the body is larger than 1 MiB.
	 */
	int (*http_post)(const struct crier_self *self, const char *url, const char *content_type,
	    const void *body, size_t len, const char *const *headers);

	/* ---- feeds */
	const char *(*feed_text)(const struct crier_feed *feed, enum crier_feed_field field);
	int64_t (*feed_number)(const struct crier_feed *feed, enum crier_feed_field field);

	/* ---- posts */
	const char *(*post_text)(const struct crier_post *post, enum crier_post_field field);
	int64_t (*post_number)(const struct crier_post *post, enum crier_post_field field);
	/*
	 * Sets a settable field (post_filter only); value is copied; NULL
	 * clears it (not the URL).  0, or -1 when the field cannot be set
	 * here or the value is unfit (a URL that is not absolute http(s),
	 * invalid UTF-8 is repaired, not refused).
	 */
	int (*post_set_text)(struct crier_post *post, enum crier_post_field field, const char *value);
	/* Its tags, as labels ("Open Data"). */
	size_t (*post_tag_count)(const struct crier_post *post);
	const char *(*post_tag)(const struct crier_post *post, size_t i);
	/* post_filter only: adds a tag (origin "plugin") unless one with the
	 * same label is there, case-insensitively; removes every tag whose
	 * label equals label, case-insensitively.  0, or -1 outside post_filter. */
	int (*post_add_tag)(struct crier_post *post, const char *label);
	int (*post_remove_tag)(struct crier_post *post, const char *label);

	/* ---- micropub (the micropub hook) */
	const char *(*micropub_text)(const struct crier_micropub *mp, enum crier_micropub_field field);
	/* How many values property name has (0 when absent), and the i-th as
	 * text: strings as they are; {"html": ...} or {"value": ...} objects
	 * (content) as that member; anything else NULL. */
	size_t (*micropub_count)(const struct crier_micropub *mp, const char *name);
	const char *(*micropub_value)(const struct crier_micropub *mp, const char *name, size_t i);
	/* Replaces property name with the one string value (NULL removes it). 0 or -1. */
	int (*micropub_set)(struct crier_micropub *mp, const char *name, const char *value);
	/* Says why the request is rejected (one sentence for the client);
	 * then return CRIER_DROP.  The first reason given wins. */
	void (*micropub_reject)(struct crier_micropub *mp, const char *reason);

	/* ---- render (the render hook) */
	const char *(*render_text)(const struct crier_render *r, enum crier_render_field field);
	/*
	 * Sets {{plugins.NAME.KEY}} for the template (NAME: the plugin's
	 * [plugin NAME], with '-' as '_'), a string that {{...}} escapes.
	 * key: letters, digits and '_', at most 64.  0 or -1.
	 */
	int (*render_set)(struct crier_render *r, const char *key, const char *value);

	/* ---- digests (digest_published) */
	const char *(*digest_text)(const struct crier_digest *d, enum crier_digest_field field);
	size_t (*digest_item_count)(const struct crier_digest *d);
	const char *(*digest_item_text)(const struct crier_digest *d, size_t i,
	    enum crier_digest_item_field field);
};

/*
 * The one symbol a plugin exports, named crier_plugin.
 */
struct crier_plugin {
	unsigned abi;                   /* CRIER_PLUGIN_ABI: always first, checked first */
	const char *name;               /* what it is, for logs and duplicate checks: "autotag" */
	const char *version;            /* its own version: "1.0" */
	unsigned flags;                 /* CRIER_PLUGIN_MULTI, or 0 */

	/*
	 * Called once after loading, before any hook.  Reads and checks its
	 * keys (host->config_get, host->config_error), allocates its state
	 * and stores it in *state (NULL is fine).  Returns 0; anything else
	 * refuses the plugin: init must free what it allocated first, crier
	 * then drops whatever the plugin queued and dlclose()s it without
	 * calling fini.  host stays valid until fini returns.  May be NULL.
	 * Must not start work: `crier check-config` calls init and fini too.
	 */
	int (*init)(const struct crier_self *self, const struct crier_host *host, void **state);

	/* Called once before dlclose (after the last hook); frees state. May be NULL. */
	void (*fini)(const struct crier_self *self, void *state);

	/* One function per hook point it uses, indexed by enum crier_hook; NULL: not used. */
	crier_hook_fn hooks[CRIER_HOOK_COUNT];
};

/* Every plugin defines this (with CRIER_PLUGIN_EXPORT). */
CRIER_PLUGIN_EXPORT extern const struct crier_plugin crier_plugin;

#ifdef __cplusplus
}
#endif

#endif
