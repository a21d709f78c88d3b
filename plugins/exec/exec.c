/*
 * exec.c: runs a command for each event, with the event as JSON on its
 * standard input (Planet Venus-style filters, in any language).
 *
 *   [plugin notify-script]
 *   path = exec.so
 *   command = /usr/local/bin/on-new-post --verbose   ; run by /bin/sh -c
 *   events = post_stored, post_published             ; observe mode (the default)
 *   timeout = 30s
 *
 *   [plugin venus-filter]
 *   path = exec.so
 *   mode = filter                                    ; a post_filter: edits or drops
 *   command = python3 /etc/crier/filters/strip_ads.py
 *   timeout = 5s
 *
 * The event document (both modes):
 *   {"event": "post_filter", "change": null,
 *    "post": {"id", "guid", "url", "title", "summary", "content_html", "author",
 *             "kind", "status", "tags": [...], "published_at", "updated_at"},
 *    "feed": {"id", "name", "url", "status", "error", "error_count", "moved_to"}}
 * ("feed" for polled posts and feed_fetched; digest_published has
 * "digest": {"slug", "title", "url", "summary", "items": [{title, url, note}]}).
 * The command also gets CRIER_EVENT and CRIER_PLUGIN in its environment.
 *
 * Filter mode waits for the command (at most `timeout`, default 5s) and
 * reads what it prints: nothing or {} keeps the post as it is;
 * {"drop": true} drops it; {"title", "summary", "content_html", "url"}
 * replace those fields (content is sanitized again) and {"add_tags":
 * [...], "remove_tags": [...]} change its tags.  A command that fails,
 * crashes, times out (it is killed, with its process group) or prints
 * something else is logged, with the first line of its stderr, and the
 * post goes on unchanged.
 *
 * Observe mode never waits: the event is written to an unlinked temp
 * file that becomes the command's stdin, the command starts in its own
 * process group, and the plugin reaps it later (on later events and at
 * fini), killing it once it outlives `timeout` (default 30s) and
 * logging a non-zero exit.  At most `max_running` (default 8) run at
 * once; beyond that an event is skipped with a warning rather than
 * holding up the pipeline.
 */
#include <crier/plugin.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define OUTPUT_MAX_BYTES (1024 * 1024)  /* what a filter may print */
#define STDERR_KEEP_BYTES 2048          /* kept for the log */
#define RUNNING_MAX_CAP 256

enum { EV_FEED_FETCHED = 1, EV_POST_STORED = 2, EV_POST_PUBLISHED = 4, EV_DIGEST = 8 };

static const struct {
	const char *name;
	unsigned bit;
	enum crier_hook hook;
} event_names[] = {
	{ "feed_fetched", EV_FEED_FETCHED, CRIER_HOOK_FEED_FETCHED },
	{ "post_stored", EV_POST_STORED, CRIER_HOOK_POST_STORED },
	{ "post_published", EV_POST_PUBLISHED, CRIER_HOOK_POST_PUBLISHED },
	{ "digest_published", EV_DIGEST, CRIER_HOOK_DIGEST_PUBLISHED },
};
#define N_EVENTS (sizeof(event_names) / sizeof(event_names[0]))

struct child {
	pid_t pid;
	int64_t started_ms;
	bool killed;
};

struct exec {
	const struct crier_host *host;
	char *command;                  /* a copy: posix_spawn wants char * */
	bool filter;
	unsigned events;
	int64_t timeout_ms;
	size_t max_running;
	pthread_mutex_t lock;           /* guards running (observe hooks come from several threads) */
	struct child *running;
	size_t n_running;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "5s", "500ms", "2m", "10" (seconds) to milliseconds; -1 when bad. */
static int64_t
parse_timeout(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || v < 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return v * 1000;
	if (strcmp(end, "ms") == 0)
		return v;
	if (strcmp(end, "m") == 0)
		return v * 60000;
	return -1;
}

/* ---------------------------------------------------------------- the event document */

static void
set_time(json_t *obj, const char *key, int64_t t)
{
	char out[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL) {
		json_object_set_new(obj, key, json_null());
		return;
	}
	strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(obj, key, json_string(out));
}

/* A string member, or null (json_string refuses invalid UTF-8: null then too). */
static void
set_text(json_t *obj, const char *key, const char *value)
{
	json_t *v = value != NULL ? json_string(value) : NULL;

	json_object_set_new(obj, key, v != NULL ? v : json_null());
}

static json_t *
post_object(const struct crier_host *h, const struct crier_post *p)
{
	static const struct { const char *key; enum crier_post_field field; } texts[] = {
		{ "guid", CRIER_POST_GUID }, { "url", CRIER_POST_URL }, { "title", CRIER_POST_TITLE },
		{ "summary", CRIER_POST_SUMMARY }, { "content_html", CRIER_POST_CONTENT_HTML },
		{ "author", CRIER_POST_AUTHOR }, { "kind", CRIER_POST_KIND },
		{ "status", CRIER_POST_STATUS },
	};
	json_t *o = json_object(), *tags = json_array();
	size_t i;

	json_object_set_new(o, "id", json_integer(h->post_number(p, CRIER_POST_ID)));
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		set_text(o, texts[i].key, h->post_text(p, texts[i].field));
	for (i = 0; i < h->post_tag_count(p); i++)
		json_array_append_new(tags, json_string(h->post_tag(p, i)));
	json_object_set_new(o, "tags", tags);
	set_time(o, "published_at", h->post_number(p, CRIER_POST_PUBLISHED_AT));
	set_time(o, "updated_at", h->post_number(p, CRIER_POST_UPDATED_AT));
	return o;
}

static json_t *
feed_object(const struct crier_host *h, const struct crier_feed *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(h->feed_number(f, CRIER_FEED_ID)));
	set_text(o, "name", h->feed_text(f, CRIER_FEED_NAME));
	set_text(o, "url", h->feed_text(f, CRIER_FEED_URL));
	json_object_set_new(o, "status", json_integer(h->feed_number(f, CRIER_FEED_STATUS)));
	set_text(o, "error", h->feed_text(f, CRIER_FEED_ERROR));
	json_object_set_new(o, "error_count", json_integer(h->feed_number(f, CRIER_FEED_ERROR_COUNT)));
	set_text(o, "moved_to", h->feed_text(f, CRIER_FEED_MOVED_TO));
	return o;
}

static json_t *
digest_object(const struct crier_host *h, const struct crier_digest *d)
{
	json_t *o = json_object(), *items = json_array(), *it;
	size_t i;

	set_text(o, "slug", h->digest_text(d, CRIER_DIGEST_SLUG));
	set_text(o, "title", h->digest_text(d, CRIER_DIGEST_TITLE));
	set_text(o, "url", h->digest_text(d, CRIER_DIGEST_URL));
	set_text(o, "summary", h->digest_text(d, CRIER_DIGEST_SUMMARY));
	for (i = 0; i < h->digest_item_count(d); i++) {
		it = json_object();
		set_text(it, "title", h->digest_item_text(d, i, CRIER_DIGEST_ITEM_TITLE));
		set_text(it, "url", h->digest_item_text(d, i, CRIER_DIGEST_ITEM_URL));
		set_text(it, "note", h->digest_item_text(d, i, CRIER_DIGEST_ITEM_NOTE));
		json_array_append_new(items, it);
	}
	json_object_set_new(o, "items", items);
	return o;
}

static const char *
hook_name(enum crier_hook hook)
{
	size_t i;

	if (hook == CRIER_HOOK_POST_FILTER)
		return "post_filter";
	for (i = 0; i < N_EVENTS; i++) {
		if (event_names[i].hook == hook)
			return event_names[i].name;
	}
	return "unknown";
}

/* The event as JSON text (malloc'd), or NULL. */
static char *
event_json(const struct crier_host *h, const struct crier_event *ev)
{
	json_t *doc = json_object();
	char *text;

	json_object_set_new(doc, "event", json_string(hook_name(ev->hook)));
	if (ev->post != NULL) {
		set_text(doc, "change", h->post_text(ev->post, CRIER_POST_CHANGE));
		json_object_set_new(doc, "post", post_object(h, ev->post));
	}
	if (ev->feed != NULL)
		json_object_set_new(doc, "feed", feed_object(h, ev->feed));
	if (ev->digest != NULL)
		json_object_set_new(doc, "digest", digest_object(h, ev->digest));
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return text;
}

/* ---------------------------------------------------------------- running the command */

/* An unlinked temp file holding text, positioned at its start; -1 on error. */
static int
stdin_file(const char *text)
{
	char path[] = "/tmp/crier-exec-XXXXXX";
	const char *tmp = getenv("TMPDIR");
	char buf[4096];
	size_t len = strlen(text), off = 0;
	ssize_t w;
	int fd;

	if (tmp != NULL && strlen(tmp) + sizeof("/crier-exec-XXXXXX") < sizeof(buf)) {
		snprintf(buf, sizeof(buf), "%s/crier-exec-XXXXXX", tmp);
		fd = mkostemp(buf, O_CLOEXEC);
		if (fd >= 0)
			unlink(buf);
	} else {
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0)
			unlink(path);
	}
	if (fd < 0)
		return -1;
	while (off < len) {
		w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* environ plus CRIER_EVENT and CRIER_PLUGIN (the extra strings are the caller's). */
static char **
child_env(char *event_var, char *plugin_var)
{
	size_t n = 0, i;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = calloc(n + 3, sizeof(*env));
	if (env == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		env[i] = environ[i];
	env[n++] = event_var;
	env[n++] = plugin_var;
	return env;
}

/*
 * Starts /bin/sh -c command in its own process group with stdin from
 * in_fd; stdout and stderr go to out_fd/err_fd (or /dev/null when -1).
 * 0 and *pid, or -1.
 */
static int
spawn(const struct crier_self *self, struct exec *x, const char *event, int in_fd, int out_fd,
    int err_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char event_var[64], plugin_var[256];
	char sh[] = "sh", dash_c[] = "-c";
	char *argv[] = { sh, dash_c, x->command, NULL };
	char **env;
	int rc;

	snprintf(event_var, sizeof(event_var), "CRIER_EVENT=%s", event);
	snprintf(plugin_var, sizeof(plugin_var), "CRIER_PLUGIN=%s", x->host->name(self));
	env = child_env(event_var, plugin_var);
	if (env == NULL)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (err_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	else
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	rc = posix_spawn(pid, "/bin/sh", &fa, &attr, argv, env);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	if (rc != 0) {
		x->host->log(self, CRIER_LOG_WARN, "command could not start", "command=%s error=%s",
		    x->host->quote(x->command), x->host->quote(strerror(rc)));
		return -1;
	}
	return 0;
}

/* "exit 3", "killed by signal 11", "timed out after 5000ms" into out. */
static void
describe_status(int status, bool timed_out, int64_t timeout_ms, char *out, size_t n)
{
	if (timed_out)
		snprintf(out, n, "timed out after %lldms (killed)", (long long)timeout_ms);
	else if (WIFEXITED(status))
		snprintf(out, n, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, n, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, n, "status %d", status);
}

struct capture {
	char *data;
	size_t len, cap, max;
	bool over;
};

static void
capture_add(struct capture *c, const char *p, size_t n)
{
	if (c->len + n > c->max) {
		c->over = true;
		n = c->max > c->len ? c->max - c->len : 0;
	}
	if (n == 0)
		return;
	if (c->len + n + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 1024;
		char *grown;
		while (cap < c->len + n + 1)
			cap *= 2;
		grown = realloc(c->data, cap);
		if (grown == NULL) {
			c->over = true;
			return;
		}
		c->data = grown;
		c->cap = cap;
	}
	memcpy(c->data + c->len, p, n);
	c->len += n;
	c->data[c->len] = '\0';
}

/* Reads the child's stdout and stderr until both close or the deadline;
 * returns false on timeout. */
static bool
collect(int out_fd, int err_fd, int64_t deadline_ms, struct capture *out, struct capture *err)
{
	struct pollfd pfd[2] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 } };
	char buf[8192];
	ssize_t r;
	int open_fds = 2, i, left;

	while (open_fds > 0) {
		left = (int)(deadline_ms - now_ms());
		if (left <= 0)
			return false;
		if (poll(pfd, 2, left) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			r = read(pfd[i].fd, buf, sizeof(buf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				pfd[i].fd = -1;
				open_fds--;
				continue;
			}
			capture_add(i == 0 ? out : err, buf, (size_t)r);
		}
	}
	return true;
}

/* Waits for pid until deadline; kills its group at the deadline. */
static int
wait_child(pid_t pid, int64_t deadline_ms, bool *timed_out)
{
	int status = 0;

	*timed_out = false;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() >= deadline_ms) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			*timed_out = true;
			break;
		}
		poll(NULL, 0, 1);
	}
	return status;
}

/* The first line of the child's stderr, for the log. */
static const char *
first_line(struct capture *err)
{
	char *nl;

	if (err->data == NULL)
		return "";
	nl = strchr(err->data, '\n');
	if (nl != NULL)
		*nl = '\0';
	return err->data;
}

/*
 * Runs the filter command on the event; *out gets what it printed.
 * 0, or -1 (logged) when it could not run, failed or timed out.
 */
static int
run_filter(const struct crier_self *self, struct exec *x, const char *event, const char *input,
    struct capture *out)
{
	struct capture err = { NULL, 0, 0, STDERR_KEEP_BYTES, false };
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 }, in_fd, status, rc = -1;
	int64_t deadline = now_ms() + x->timeout_ms;
	bool finished, timed_out;
	char what[96];
	pid_t pid;

	in_fd = stdin_file(input);
	if (in_fd < 0 || pipe2(out_pipe, O_CLOEXEC) == -1 || pipe2(err_pipe, O_CLOEXEC) == -1)
		goto done;
	if (spawn(self, x, event, in_fd, out_pipe[1], err_pipe[1], &pid) == -1)
		goto done;
	close(out_pipe[1]);
	close(err_pipe[1]);
	out_pipe[1] = err_pipe[1] = -1;
	finished = collect(out_pipe[0], err_pipe[0], deadline, out, &err);
	status = wait_child(pid, finished ? deadline : 0, &timed_out);
	if (!timed_out && !out->over && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = 0;
		goto done;
	}
	describe_status(status, timed_out, x->timeout_ms, what, sizeof(what));
	x->host->log(self, CRIER_LOG_WARN, "filter command failed; the post goes on unchanged",
	    "command=%s result=%s%s stderr=%s", x->host->quote(x->command), x->host->quote(what),
	    out->over ? " output=too_large" : "", x->host->quote(first_line(&err)));
done:
	if (in_fd >= 0)
		close(in_fd);
	for (int i = 0; i < 2; i++) {
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
	}
	free(err.data);
	return rc;
}

/* ---------------------------------------------------------------- filter mode */

static int
apply_tags(const struct crier_host *h, struct crier_post *p, json_t *list, bool add)
{
	size_t i;
	json_t *v;

	if (list == NULL)
		return 0;
	if (!json_is_array(list))
		return -1;
	json_array_foreach(list, i, v) {
		if (!json_is_string(v))
			return -1;
		if ((add ? h->post_add_tag(p, json_string_value(v)) :
		    h->post_remove_tag(p, json_string_value(v))) == -1)
			return -1;
	}
	return 0;
}

/* Applies the command's answer; CRIER_OK, CRIER_DROP or CRIER_ERROR. */
static int
apply_answer(const struct crier_self *self, const struct crier_host *h, struct crier_post *p,
    const char *answer)
{
	static const struct { const char *key; enum crier_post_field field; } settable[] = {
		{ "title", CRIER_POST_TITLE }, { "summary", CRIER_POST_SUMMARY },
		{ "content_html", CRIER_POST_CONTENT_HTML }, { "url", CRIER_POST_URL },
	};
	json_error_t jerr;
	json_t *doc, *v;
	size_t i;
	int rc = CRIER_OK;

	while (*answer == ' ' || *answer == '\n' || *answer == '\t' || *answer == '\r')
		answer++;
	if (*answer == '\0')
		return CRIER_OK;
	doc = json_loads(answer, 0, &jerr);
	if (!json_is_object(doc)) {
		h->log(self, CRIER_LOG_WARN, "filter command printed something that is not a JSON object; "
		    "the post goes on unchanged", "error=%s", h->quote(doc == NULL ? jerr.text : "not an object"));
		json_decref(doc);
		return CRIER_ERROR;
	}
	if (json_is_true(json_object_get(doc, "drop"))) {
		json_decref(doc);
		return CRIER_DROP;
	}
	for (i = 0; i < sizeof(settable) / sizeof(settable[0]) && rc == CRIER_OK; i++) {
		v = json_object_get(doc, settable[i].key);
		if (v == NULL)
			continue;
		if ((!json_is_string(v) && !json_is_null(v)) ||
		    h->post_set_text(p, settable[i].field, json_string_value(v)) == -1)
			rc = CRIER_ERROR;
	}
	if (rc == CRIER_OK && (apply_tags(h, p, json_object_get(doc, "remove_tags"), false) == -1 ||
	    apply_tags(h, p, json_object_get(doc, "add_tags"), true) == -1))
		rc = CRIER_ERROR;
	if (rc == CRIER_ERROR)
		h->log(self, CRIER_LOG_WARN, "filter command's answer could not be applied; the post goes on "
		    "unchanged", "hint=%s", h->quote("fields are strings (url absolute http/https), "
		    "add_tags/remove_tags arrays of strings"));
	json_decref(doc);
	return rc;
}

static int
on_post_filter(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	struct exec *x = state;
	struct capture out = { NULL, 0, 0, OUTPUT_MAX_BYTES, false };
	char *input;
	int rc;

	if (!x->filter)
		return CRIER_OK;
	input = event_json(x->host, ev);
	if (input == NULL)
		return CRIER_ERROR;
	rc = run_filter(self, x, "post_filter", input, &out);
	free(input);
	if (rc == 0)
		rc = apply_answer(self, x->host, ev->post, out.data != NULL ? out.data : "");
	else
		rc = CRIER_ERROR;
	free(out.data);
	return rc;
}

/* ---------------------------------------------------------------- observe mode */

/* Reaps finished children and kills overdue ones; with x->lock held. */
static void
reap(const struct crier_self *self, struct exec *x)
{
	char what[96];
	size_t i = 0;
	int status;
	pid_t r;

	while (i < x->n_running) {
		struct child *ch = &x->running[i];
		bool overdue = now_ms() - ch->started_ms >= x->timeout_ms;
		if (overdue && !ch->killed) {
			kill(-ch->pid, SIGKILL);
			ch->killed = true;
		}
		r = waitpid(ch->pid, &status, ch->killed ? 0 : WNOHANG);
		if (r == 0) {
			i++;
			continue;
		}
		if (r > 0 && (ch->killed || !WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
			describe_status(status, ch->killed, x->timeout_ms, what, sizeof(what));
			x->host->log(self, CRIER_LOG_WARN, "command failed", "command=%s result=%s",
			    x->host->quote(x->command), x->host->quote(what));
		}
		x->running[i] = x->running[--x->n_running];
	}
}

static int
observe(const struct crier_self *self, struct exec *x, const struct crier_event *ev, unsigned bit)
{
	const char *event = hook_name(ev->hook);
	char *input;
	pid_t pid;
	int fd, rc = CRIER_ERROR;

	if (!(x->events & bit) || x->filter)
		return CRIER_OK;
	input = event_json(x->host, ev);
	fd = input != NULL ? stdin_file(input) : -1;
	free(input);
	if (fd < 0)
		return CRIER_ERROR;
	pthread_mutex_lock(&x->lock);
	reap(self, x);
	if (x->n_running >= x->max_running) {
		x->host->log(self, CRIER_LOG_WARN, "too many commands still running; event skipped",
		    "event=%s running=%zu", event, x->n_running);
	} else if (spawn(self, x, event, fd, -1, -1, &pid) == 0) {
		x->running[x->n_running].pid = pid;
		x->running[x->n_running].started_ms = now_ms();
		x->running[x->n_running].killed = false;
		x->n_running++;
		rc = CRIER_OK;
	}
	pthread_mutex_unlock(&x->lock);
	close(fd);
	return rc;
}

static int
on_feed_fetched(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	return observe(self, state, ev, EV_FEED_FETCHED);
}

static int
on_post_stored(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	return observe(self, state, ev, EV_POST_STORED);
}

static int
on_post_published(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	return observe(self, state, ev, EV_POST_PUBLISHED);
}

static int
on_digest_published(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	return observe(self, state, ev, EV_DIGEST);
}

/* ---------------------------------------------------------------- init / fini */

static int
parse_events(const struct crier_self *self, const struct crier_host *h, const char *value,
    unsigned *out)
{
	const char *p = value;
	size_t len, i;

	*out = 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		len = strcspn(p, ", \t");
		if (len == 0)
			break;
		for (i = 0; i < N_EVENTS; i++) {
			if (strlen(event_names[i].name) == len && strncmp(p, event_names[i].name, len) == 0)
				break;
		}
		if (i == N_EVENTS) {
			h->config_error(self, "events", "expected feed_fetched, post_stored, post_published "
			    "and/or digest_published");
			return -1;
		}
		*out |= event_names[i].bit;
		p += len;
	}
	return 0;
}

static const char *const known_keys[] = {
	"command", "events", "max_running", "mode", "path", "timeout",
};

static int
read_options(struct exec *x, const struct crier_self *self)
{
	const struct crier_host *h = x->host;
	const char *key, *v;
	size_t i, k;

	for (i = 0; (key = h->config_key(self, i, &v)) != NULL; i++) {
		for (k = 0; k < sizeof(known_keys) / sizeof(known_keys[0]); k++) {
			if (strcmp(key, known_keys[k]) == 0)
				break;
		}
		if (k == sizeof(known_keys) / sizeof(known_keys[0])) {
			h->config_error(self, key, "unknown key (known: command, mode, events, timeout, "
			    "max_running)");
			return -1;
		}
	}
	v = h->config_get(self, "command");
	if (v == NULL || v[0] == '\0') {
		h->config_error(self, NULL, "needs command = what to run (by /bin/sh -c)");
		return -1;
	}
	x->command = strdup(v);
	if (x->command == NULL)
		return -1;
	v = h->config_get(self, "mode");
	if (v != NULL && strcmp(v, "filter") != 0 && strcmp(v, "observe") != 0) {
		h->config_error(self, "mode", "expected observe (the default) or filter");
		return -1;
	}
	x->filter = v != NULL && strcmp(v, "filter") == 0;
	x->events = EV_POST_STORED;
	v = h->config_get(self, "events");
	if (v != NULL && x->filter) {
		h->config_error(self, "events", "is for mode = observe; a filter runs on every post");
		return -1;
	}
	if (v != NULL && parse_events(self, h, v, &x->events) == -1)
		return -1;
	x->timeout_ms = x->filter ? 5000 : 30000;
	v = h->config_get(self, "timeout");
	if (v != NULL) {
		x->timeout_ms = parse_timeout(v);
		if (x->timeout_ms < 1 || x->timeout_ms > 600000) {
			h->config_error(self, "timeout", "expected a duration from 1ms to 10m (like 500ms, 5s, 2m)");
			return -1;
		}
	}
	x->max_running = 8;
	v = h->config_get(self, "max_running");
	if (v != NULL) {
		long n = strtol(v, NULL, 10);
		if (n < 1 || n > RUNNING_MAX_CAP) {
			h->config_error(self, "max_running", "expected a number from 1 to 256");
			return -1;
		}
		x->max_running = (size_t)n;
	}
	return 0;
}

static int
exec_init(const struct crier_self *self, const struct crier_host *host, void **state)
{
	struct exec *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return -1;
	x->host = host;
	if (read_options(x, self) == -1) {
		free(x->command);
		free(x);
		return -1;
	}
	x->running = calloc(x->max_running, sizeof(*x->running));
	if (x->running == NULL) {
		free(x->command);
		free(x);
		return -1;
	}
	pthread_mutex_init(&x->lock, NULL);
	*state = x;
	return 0;
}

/* Gives running commands until their deadline, then kills them. */
static void
exec_fini(const struct crier_self *self, void *state)
{
	struct exec *x = state;

	pthread_mutex_lock(&x->lock);
	while (x->n_running > 0) {
		reap(self, x);
		if (x->n_running > 0)
			poll(NULL, 0, 10);
	}
	pthread_mutex_unlock(&x->lock);
	pthread_mutex_destroy(&x->lock);
	free(x->running);
	free(x->command);
	free(x);
}

CRIER_PLUGIN_EXPORT const struct crier_plugin crier_plugin = {
	.abi = CRIER_PLUGIN_ABI,
	.name = "exec",
	.version = "1.0",
	.flags = CRIER_PLUGIN_MULTI,
	.init = exec_init,
	.fini = exec_fini,
	.hooks = {
		[CRIER_HOOK_FEED_FETCHED] = on_feed_fetched,
		[CRIER_HOOK_POST_FILTER] = on_post_filter,
		[CRIER_HOOK_POST_STORED] = on_post_stored,
		[CRIER_HOOK_POST_PUBLISHED] = on_post_published,
		[CRIER_HOOK_DIGEST_PUBLISHED] = on_digest_published,
	},
};
