/*
 * example.c: a plugin that uses every hook point, as the living
 * documentation of <crier/plugin.h>.  Read it next to the header.
 *
 *   [plugin example]
 *   path = example.so
 *   trace = /var/log/crier/example.trace   ; one line per hook call
 *   tag = seen-by-example                  ; post_filter adds it to every post
 *   drop_title = casino                    ; post_filter drops posts whose title has it
 *   fail_title = broken                    ; post_filter edits then fails (edits undone)
 *   greeting = Hello from a plugin         ; render: {{plugins.example.greeting}}
 *   reject_word = lorem                    ; micropub: refuse posts whose content has it
 *
 * Every key is optional.  It may be loaded by several sections
 * (CRIER_PLUGIN_MULTI), each with its own keys and state: that is how
 * the tests show hook order.  State is one struct per instance; the
 * counters are atomic because render and micropub run in web threads
 * while the poller runs the rest.
 */
#include <crier/plugin.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The keys this plugin knows; anything else is a config error. */
static const char *const known_keys[] = {
	"drop_title", "fail_title", "greeting", "path", "reject_word", "tag", "trace",
};

struct example {
	const struct crier_host *host;
	int trace_fd;                   /* -1: no trace */
	const char *tag;                /* the host's strings: valid until fini */
	const char *drop_title;
	const char *fail_title;
	const char *greeting;
	const char *reject_word;
	_Atomic unsigned long calls[CRIER_HOOK_COUNT];
};

/* One line to the trace file: a single write(), so lines from several
 * threads (and several instances sharing the file) never interleave. */
static void
trace(const struct crier_self *self, struct example *ex, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
trace(const struct crier_self *self, struct example *ex, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n, m;

	if (ex->trace_fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s ", ex->host->name(self));
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += (size_t)m < sizeof(line) - (size_t)n - 1 ? m : (int)(sizeof(line) - (size_t)n - 2);
	line[n++] = '\n';
	if (write(ex->trace_fd, line, (size_t)n) < 0)
		ex->host->log(self, CRIER_LOG_WARN, "trace write failed", "error=%s",
		    ex->host->quote(strerror(errno)));
}

static const char *
or_dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

/* ---------------------------------------------------------------- init / fini */

static int
check_keys(const struct crier_self *self, const struct crier_host *host)
{
	const char *key, *value;
	size_t i, k;
	int bad = 0;

	for (i = 0; (key = host->config_key(self, i, &value)) != NULL; i++) {
		for (k = 0; k < sizeof(known_keys) / sizeof(known_keys[0]); k++) {
			if (strcmp(key, known_keys[k]) == 0)
				break;
		}
		if (k == sizeof(known_keys) / sizeof(known_keys[0])) {
			host->config_error(self, key, "unknown key (known: trace, tag, drop_title, "
			    "fail_title, greeting, reject_word)");
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

static int
example_init(const struct crier_self *self, const struct crier_host *host, void **state)
{
	struct example *ex;
	const char *trace_path = host->config_get(self, "trace");

	if (check_keys(self, host) == -1)
		return -1;
	ex = calloc(1, sizeof(*ex));
	if (ex == NULL)
		return -1;
	ex->host = host;
	ex->trace_fd = -1;
	if (trace_path != NULL) {
		ex->trace_fd = open(trace_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (ex->trace_fd < 0) {
			host->config_error(self, "trace", strerror(errno));
			free(ex);               /* a failed init frees what it made */
			return -1;
		}
	}
	ex->tag = host->config_get(self, "tag");
	ex->drop_title = host->config_get(self, "drop_title");
	ex->fail_title = host->config_get(self, "fail_title");
	ex->greeting = host->config_get(self, "greeting");
	ex->reject_word = host->config_get(self, "reject_word");
	host->log(self, CRIER_LOG_DEBUG, "example plugin ready", "trace=%s tag=%s",
	    host->quote(trace_path), host->quote(ex->tag));
	trace(self, ex, "init");
	*state = ex;
	return 0;
}

static void
example_fini(const struct crier_self *self, void *state)
{
	struct example *ex = state;

	trace(self, ex, "fini");
	ex->host->log(self, CRIER_LOG_DEBUG, "example plugin stopping",
	    "feeds=%lu filtered=%lu stored=%lu published=%lu pages=%lu",
	    ex->calls[CRIER_HOOK_FEED_FETCHED], ex->calls[CRIER_HOOK_POST_FILTER],
	    ex->calls[CRIER_HOOK_POST_STORED], ex->calls[CRIER_HOOK_POST_PUBLISHED],
	    ex->calls[CRIER_HOOK_RENDER]);
	if (ex->trace_fd >= 0)
		close(ex->trace_fd);
	free(ex);
}

/* ---------------------------------------------------------------- hooks */

/* observe: every finished fetch, failed or not. */
static int
on_feed_fetched(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	struct example *ex = state;
	const struct crier_host *h = ex->host;

	ex->calls[ev->hook]++;
	trace(self, ex, "feed_fetched feed=%" PRId64 " status=%" PRId64 " errors=%" PRId64
	    " unchanged=%" PRId64 " error=%s", h->feed_number(ev->feed, CRIER_FEED_ID),
	    h->feed_number(ev->feed, CRIER_FEED_STATUS),
	    h->feed_number(ev->feed, CRIER_FEED_ERROR_COUNT),
	    h->feed_number(ev->feed, CRIER_FEED_UNCHANGED),
	    or_dash(h->feed_text(ev->feed, CRIER_FEED_ERROR)));
	return CRIER_OK;
}

/* The post's tags as "a,b,c" into out. */
static void
tag_list(const struct crier_host *h, const struct crier_post *p, char *out, size_t n)
{
	size_t i, used = 0;
	int w;

	out[0] = '\0';
	for (i = 0; i < h->post_tag_count(p) && used < n; i++) {
		w = snprintf(out + used, n - used, "%s%s", i ? "," : "", h->post_tag(p, i));
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* filter: may edit the post, add tags, or drop it. */
static int
on_post_filter(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	struct example *ex = state;
	const struct crier_host *h = ex->host;
	const char *title = h->post_text(ev->post, CRIER_POST_TITLE);
	char tags[512];

	ex->calls[ev->hook]++;
	tag_list(h, ev->post, tags, sizeof(tags));
	trace(self, ex, "post_filter guid=%s kind=%s tags=%s", or_dash(h->post_text(ev->post,
	    CRIER_POST_GUID)), h->post_text(ev->post, CRIER_POST_KIND), or_dash(tags));
	if (ex->drop_title != NULL && title != NULL && strcasestr(title, ex->drop_title) != NULL) {
		h->log(self, CRIER_LOG_INFO, "post dropped", "title=%s", h->quote(title));
		return CRIER_DROP;
	}
	if (ex->fail_title != NULL && title != NULL && strcasestr(title, ex->fail_title) != NULL) {
		/* an edit and then a failure: crier undoes the edit */
		h->post_set_text(ev->post, CRIER_POST_TITLE, "edited by a failing plugin");
		h->post_add_tag(ev->post, "failed-plugin");
		return CRIER_ERROR;
	}
	if (ex->tag != NULL)
		h->post_add_tag(ev->post, ex->tag);
	return CRIER_OK;
}

/* observe: a polled post that was stored new or changed. */
static int
on_post_stored(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	struct example *ex = state;
	const struct crier_host *h = ex->host;

	ex->calls[ev->hook]++;
	trace(self, ex, "post_stored guid=%s change=%s id=%" PRId64 " feed=%s",
	    or_dash(h->post_text(ev->post, CRIER_POST_GUID)), h->post_text(ev->post, CRIER_POST_CHANGE),
	    h->post_number(ev->post, CRIER_POST_ID), or_dash(h->feed_text(ev->feed, CRIER_FEED_NAME)));
	return CRIER_OK;
}

/* observe: a local post published, updated, unpublished, deleted or restored. */
static int
on_post_published(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	struct example *ex = state;
	const struct crier_host *h = ex->host;

	ex->calls[ev->hook]++;
	trace(self, ex, "post_published guid=%s change=%s url=%s",
	    or_dash(h->post_text(ev->post, CRIER_POST_GUID)), h->post_text(ev->post, CRIER_POST_CHANGE),
	    or_dash(h->post_text(ev->post, CRIER_POST_URL)));
	return CRIER_OK;
}

/* filter: a Micropub request; reject it, or edit its properties. */
static int
on_micropub(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	struct example *ex = state;
	const struct crier_host *h = ex->host;
	const char *content = h->micropub_value(ev->micropub, "content", 0);

	ex->calls[ev->hook]++;
	trace(self, ex, "micropub action=%s", or_dash(h->micropub_text(ev->micropub,
	    CRIER_MICROPUB_ACTION)));
	if (ex->reject_word != NULL && content != NULL && strcasestr(content, ex->reject_word) != NULL) {
		h->micropub_reject(ev->micropub, "the content has a word this site does not accept");
		return CRIER_DROP;
	}
	if (ex->tag != NULL && h->micropub_count(ev->micropub, "category") == 0)
		h->micropub_set(ev->micropub, "category", ex->tag);
	return CRIER_OK;
}

/* filter: add values for the template ({{plugins.NAME.greeting}}). */
static int
on_render(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	struct example *ex = state;
	const struct crier_host *h = ex->host;

	ex->calls[ev->hook]++;
	trace(self, ex, "render template=%s path=%s", h->render_text(ev->render, CRIER_RENDER_TEMPLATE),
	    h->render_text(ev->render, CRIER_RENDER_PATH));
	if (ex->greeting != NULL)
		h->render_set(ev->render, "greeting", ex->greeting);
	return CRIER_OK;
}

/* observe: a digest went out. */
static int
on_digest_published(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	struct example *ex = state;
	const struct crier_host *h = ex->host;
	size_t i, n = h->digest_item_count(ev->digest);

	ex->calls[ev->hook]++;
	trace(self, ex, "digest_published slug=%s items=%zu", or_dash(h->digest_text(ev->digest,
	    CRIER_DIGEST_SLUG)), n);
	for (i = 0; i < n; i++)
		trace(self, ex, "digest_item %zu title=%s note=%s", i,
		    or_dash(h->digest_item_text(ev->digest, i, CRIER_DIGEST_ITEM_TITLE)),
		    or_dash(h->digest_item_text(ev->digest, i, CRIER_DIGEST_ITEM_NOTE)));
	return CRIER_OK;
}

CRIER_PLUGIN_EXPORT const struct crier_plugin crier_plugin = {
	.abi = CRIER_PLUGIN_ABI,
	.name = "example",
	.version = "1.0",
	.flags = CRIER_PLUGIN_MULTI,
	.init = example_init,
	.fini = example_fini,
	.hooks = {
		[CRIER_HOOK_FEED_FETCHED] = on_feed_fetched,
		[CRIER_HOOK_POST_FILTER] = on_post_filter,
		[CRIER_HOOK_POST_STORED] = on_post_stored,
		[CRIER_HOOK_POST_PUBLISHED] = on_post_published,
		[CRIER_HOOK_MICROPUB] = on_micropub,
		[CRIER_HOOK_RENDER] = on_render,
		[CRIER_HOOK_DIGEST_PUBLISHED] = on_digest_published,
	},
};
