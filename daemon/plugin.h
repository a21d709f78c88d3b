/*
 * plugin.h: the daemon's side of the plugin ABI (include/crier/plugin.h):
 * loading the [plugin NAME] sections, running each hook point's plugins
 * in config order, and the struct crier_host table plugins call back
 * through.  plugin.c is the only file that includes dlfcn.h.
 *
 * Where each hook runs (the call sites):
 *   feed_fetched      pipeline.c on_fetched(), once the fetch's outcome is recorded
 *   post_filter       pipeline.c process_body() (polled) and pipeline_publish() (local)
 *   post_stored       pipeline.c process_body(), after the commit, new and changed posts
 *   post_published    pipeline.c pipeline_publish() and pipeline_set_status()
 *   micropub          http_micropub.c, after a request is decoded (plugin_run_micropub)
 *   render            http_reader.c render(), before the template
 *   digest_published  the digest code, after a digest is published (plugin_run_digest_published)
 *
 * One struct plugins lives as long as the process (c->plugins); a
 * reload swaps the set of loaded plugins inside it under a lock, so web
 * threads running render hooks never see a plugin being unloaded.
 * Every runner takes NULL for "no plugins" and then costs one compare.
 */
#ifndef CRIER_PLUGIN_DAEMON_H
#define CRIER_PLUGIN_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <crier/plugin.h>

#include "crier.h"

struct config;
struct store;
struct plugins;

/*
 * The daemon fills this to show a feed to plugins (the opaque struct
 * crier_feed of the ABI).  Strings are borrowed for the hook call.
 */
struct crier_feed {
	int64_t id;
	const char *url;
	const char *name;
	const char *error;              /* NULL on success */
	const char *moved_to;           /* or NULL */
	long status;
	int64_t error_count;
	int64_t previous_error_count;
	bool gone;
	bool unchanged;
	const struct config *cfg;       /* for the [feed] owner keys; set by the runner */
};

/* A published digest as plugins see it (struct crier_digest), for the
 * digest code to fill; strings borrowed for the call. */
struct crier_digest_item {
	const char *title;
	const char *url;
	const char *note;               /* or NULL */
};

struct crier_digest {
	const char *slug;
	const char *title;
	const char *url;
	const char *summary;            /* or NULL */
	const struct crier_digest_item *items;
	size_t n_items;
};

/*
 * Loads every [plugin NAME] section of cfg, in order: dlopen (path
 * relative to cfg->plugin_dir), ABI check, duplicate check, init.  Each
 * plugin refused is one "FILE:LINE: [plugin NAME] why; what to do"
 * message: appended to errors_to with config_error() when errors_to is
 * not NULL (`crier check-config`), else logged as an error.  The others
 * stay loaded.  Never NULL; *n_refused (may be NULL) gets the count.
 * c is kept (for c->cfg and the store); cfg is only read during the call.
 */
struct plugins *plugin_load(struct crier *c, const struct config *cfg, struct config *errors_to,
    size_t *n_refused);

/*
 * Loads cfg's plugins as a new set and, when none was refused, swaps it
 * in and unloads the old one (fini, dlclose).  When any was refused the
 * refusals are logged, the new set is unloaded and the old one stays:
 * returns -1.  Call from the thread that runs the pipeline.
 */
int plugin_reload(struct plugins *ps, const struct config *cfg);

/*
 * Calls every plugin's fini, writes what they queued with http_post to
 * store (when not NULL; the caller holds the write lock or is the only
 * thread), dlclose()s them and frees ps.  NULL does nothing.
 */
void plugin_free(struct plugins *ps, struct store *store);

/* How many plugins are loaded; whether any uses hook. */
size_t plugin_count(struct plugins *ps);
bool plugin_has(struct plugins *ps, enum crier_hook hook);

/*
 * Writes the HTTP POSTs plugins queued (host->http_post) to the store's
 * outbox.  The caller holds c->write_lock.
 */
void plugin_flush(struct plugins *ps, struct store *store);

/* ---------------------------------------------------------------- runners */

/* feed_fetched: f describes the finished fetch. */
void plugin_run_feed_fetched(struct plugins *ps, struct crier_feed *f);

/*
 * post_filter: runs each plugin on p (strings edited into arena a).
 * feed is the polled post's feed, NULL for local posts.  Returns 0 to
 * store p (perhaps edited), 1 when a plugin dropped it.  A plugin that
 * fails has its edits undone.
 */
int plugin_run_post_filter(struct plugins *ps, struct crier_feed *feed, struct post *p,
    struct arena *a);

/* post_stored: a polled post stored; change is "new" or "updated". */
void plugin_run_post_stored(struct plugins *ps, struct crier_feed *feed, const struct post *p,
    const char *change);

/* post_published: a local post; change is "published", "updated", "unpublished",
 * "deleted" or "restored"; permalink its absolute URL. */
void plugin_run_post_published(struct plugins *ps, const struct post *p, const char *change,
    const char *permalink);

/*
 * micropub: a decoded request.  action "create", "update" or "delete";
 * url the post's URL (update, delete) or NULL; properties the Micropub
 * JSON form's properties the request sets (create: "properties"; update:
 * "replace"), an object of arrays, which plugins may edit in place
 * (borrowed: it stays the caller's).  Returns 0 to go on, or 1 when a
 * plugin rejected the request: *reason is then a sentence for the
 * client (malloc'd; free it) and the caller answers 400
 * invalid_request with it.  What plugins queue with http_post goes to
 * the outbox at the poller's next round (within a second under serve).
 */
int plugin_run_micropub(struct plugins *ps, const char *action, const char *url,
    json_t *properties, char **reason);

/* render: before template renders ctx for path; plugins add ctx.plugins.NAME.KEY.
 * (The page is cached with those values until the store changes.) */
void plugin_run_render(struct plugins *ps, const char *template, const char *path, json_t *ctx);

/*
 * digest_published: after a digest is published (committed).  Writes
 * what the plugins queued to the outbox itself, so call it without
 * c->write_lock held.
 */
void plugin_run_digest_published(struct plugins *ps, const struct crier_digest *d);

#endif
