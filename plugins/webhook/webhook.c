/*
 * webhook.c: POSTs JSON to a URL when a post is stored or published, or
 * a digest goes out, in the shape a chat service expects.
 *
 *   [plugin team-chat]
 *   path = webhook.so
 *   url = https://hooks.slack.com/services/T000/B000/XXXX
 *   format = slack                 ; json (default), slack, teams, matrix or custom
 *   secret = a-long-random-string  ; signs the body: X-Crier-Signature-256: sha256=HEX
 *   events = post_stored, post_published, digest_published   ; the default
 *   updates = false                ; post_stored: new posts only (default true)
 *   tags = weeknotes, accessibility ; only posts with one of these tags (default: all)
 *   header.Authorization = Bearer xyz   ; any extra request header
 *
 * format = custom takes the body from `template = ...` or `template_file =
 * PATH`: JSON text with {{name}} placeholders, each replaced by its
 * value escaped for a JSON string ({{name|slack}} escapes & < > for
 * Slack first, {{name|html}} escapes HTML).  Names: event, change,
 * headline, title, url, summary, author, feed, feed_url, tags, id,
 * guid, published, items.  The template is checked at start by filling
 * it with sample values: it must be JSON.
 *
 * The request is never sent from the hook: host->http_post() queues it
 * in the daemon's outbox and the poller delivers it with its own
 * fetcher, retrying with backoff.  So a slow or dead chat service never
 * holds up the pipeline.  The plugin may be loaded once per URL
 * (CRIER_PLUGIN_MULTI).
 */
#include <crier/plugin.h>

#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define TEMPLATE_MAX_BYTES (64 * 1024)
#define SUMMARY_MAX_BYTES 280
#define EXTRA_HEADERS_MAX 16

enum format { FMT_JSON, FMT_SLACK, FMT_TEAMS, FMT_MATRIX, FMT_CUSTOM };

/* Built-in bodies: what each chat service's incoming webhook accepts. */
static const struct {
	const char *name;
	const char *template;           /* NULL: the JSON document built in code */
} formats[] = {
	[FMT_JSON] = { "json", NULL },
	/* Slack incoming webhooks: mrkdwn text, <url|label> links */
	[FMT_SLACK] = { "slack",
	    "{\"text\": \"{{headline|slack}}: <{{url|slack}}|{{title|slack}}>\","
	    " \"unfurl_links\": false}" },
	/* Microsoft Teams incoming webhooks (connector MessageCard) */
	[FMT_TEAMS] = { "teams",
	    "{\"@type\": \"MessageCard\", \"@context\": \"https://schema.org/extensions\","
	    " \"summary\": \"{{headline}}\", \"themeColor\": \"1d70b8\", \"title\": \"{{title}}\","
	    " \"text\": \"{{headline}}. {{summary}}\", \"potentialAction\": [{\"@type\": \"OpenUri\","
	    " \"name\": \"Read it\", \"targets\": [{\"os\": \"default\", \"uri\": \"{{url}}\"}]}]}" },
	/* Matrix through a generic-webhook bridge (matrix-hookshot): text, html, username */
	[FMT_MATRIX] = { "matrix",
	    "{\"text\": \"{{headline}}: {{title}} {{url}}\", \"html\": \"{{headline|html}}: "
	    "<a href=\\\"{{url|html}}\\\">{{title|html}}</a>\", \"username\": \"crier\"}" },
	[FMT_CUSTOM] = { "custom", NULL },
};

/* Placeholder names, and sample values to check a template with. */
static const struct {
	const char *name;
	const char *sample;
} placeholders[] = {
	{ "author", "A. Writer" }, { "change", "new" }, { "event", "post_stored" },
	{ "feed", "Team blog" }, { "feed_url", "https://example.org/feed" },
	{ "guid", "tag:example.org,2026:1" }, { "headline", "New post in Team blog" },
	{ "id", "42" }, { "items", "0" }, { "published", "2026-11-23T10:00:00Z" },
	{ "summary", "A \"quoted\" <summary> & more" }, { "tags", "weeknotes, open-data" },
	{ "title", "Weeknotes <7>" }, { "url", "https://example.org/post/1" },
};
#define N_PLACEHOLDERS (sizeof(placeholders) / sizeof(placeholders[0]))

enum { EV_STORED = 1, EV_PUBLISHED = 2, EV_DIGEST = 4 };

struct webhook {
	const struct crier_host *host;
	const char *url;
	const char *secret;             /* or NULL: unsigned */
	const char *content_type;
	enum format format;
	char *template;                 /* slack/teams/matrix/custom body (malloc'd) */
	unsigned events;
	bool updates;
	char **only_tags;               /* NULL-terminated, or NULL: every post */
	char *extra[EXTRA_HEADERS_MAX + 1];     /* header.NAME keys as "Name: value" (malloc'd) */
	size_t n_extra;
};

/* ---------------------------------------------------------------- strings */

struct str {
	char *data;
	size_t len, cap;
	bool oom;
};

static void
str_add(struct str *s, const char *p, size_t n)
{
	if (s->oom)
		return;
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 256;
		char *grown;
		while (cap < s->len + n + 1)
			cap *= 2;
		grown = realloc(s->data, cap);
		if (grown == NULL) {
			s->oom = true;
			return;
		}
		s->data = grown;
		s->cap = cap;
	}
	memcpy(s->data + s->len, p, n);
	s->len += n;
	s->data[s->len] = '\0';
}

static void
str_puts(struct str *s, const char *p)
{
	str_add(s, p, strlen(p));
}

/* s as the inside of a JSON string literal. */
static void
str_json(struct str *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	char esc[8];

	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			str_add(out, esc, 2);
		} else if (*p == '\n') {
			str_add(out, "\\n", 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			str_add(out, esc, 6);
		} else {
			str_add(out, (const char *)p, 1);
		}
	}
}

/* Slack's three: & < > (mrkdwn control characters). */
static void
str_slack(struct str *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			str_puts(out, "&amp;");
		else if (*s == '<')
			str_puts(out, "&lt;");
		else if (*s == '>')
			str_puts(out, "&gt;");
		else
			str_add(out, s, 1);
	}
}

static void
str_html(struct str *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '"')
			str_puts(out, "&quot;");
		else if (*s == '\'')
			str_puts(out, "&#39;");
		else if (*s == '&')
			str_puts(out, "&amp;");
		else if (*s == '<')
			str_puts(out, "&lt;");
		else if (*s == '>')
			str_puts(out, "&gt;");
		else
			str_add(out, s, 1);
	}
}

/* ---------------------------------------------------------------- templates */

struct vars {
	const char *value[N_PLACEHOLDERS];
};

static int
placeholder_index(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < N_PLACEHOLDERS; i++) {
		if (strlen(placeholders[i].name) == len && strncmp(placeholders[i].name, name, len) == 0)
			return (int)i;
	}
	return -1;
}

static void
set_var(struct vars *v, const char *name, const char *value)
{
	int i = placeholder_index(name, strlen(name));

	if (i >= 0)
		v->value[i] = value;
}

/*
 * Fills template t into out.  A placeholder is {{name}} or
 * {{name|slack}} / {{name|html}}; its value is escaped for a JSON
 * string.  Returns 0, or -1 with *bad pointing at an unknown one.
 */
static int
fill(const char *t, const struct vars *v, struct str *out, const char **bad)
{
	const char *open, *close, *bar;
	struct str tmp = { 0 };
	int i, rc = 0;

	while ((open = strstr(t, "{{")) != NULL) {
		str_add(out, t, (size_t)(open - t));
		close = strstr(open + 2, "}}");
		if (close == NULL)
			break;
		bar = memchr(open + 2, '|', (size_t)(close - open - 2));
		i = placeholder_index(open + 2, (size_t)((bar != NULL ? bar : close) - open - 2));
		if (i < 0 || (bar != NULL && !(close - bar - 1 == 5 && strncmp(bar + 1, "slack", 5) == 0) &&
		    !(close - bar - 1 == 4 && strncmp(bar + 1, "html", 4) == 0))) {
			*bad = open;
			rc = -1;
			break;
		}
		tmp.len = 0;
		str_add(&tmp, "", 0);
		if (bar == NULL)
			str_puts(&tmp, v->value[i] != NULL ? v->value[i] : "");
		else if (bar[1] == 's')
			str_slack(&tmp, v->value[i] != NULL ? v->value[i] : "");
		else
			str_html(&tmp, v->value[i] != NULL ? v->value[i] : "");
		if (tmp.data != NULL)
			str_json(out, tmp.data);
		t = close + 2;
	}
	if (rc == 0)
		str_puts(out, t);
	free(tmp.data);
	return rc;
}

/* ---------------------------------------------------------------- config */

static int
parse_format(const char *value, enum format *out)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (strcasecmp(value, formats[i].name) == 0) {
			*out = (enum format)i;
			return 0;
		}
	}
	return -1;
}

/* "a, b" into a NULL-terminated list of trimmed, non-empty items. */
static char **
split(const char *value)
{
	char **list = calloc(strlen(value) / 2 + 2, sizeof(*list));
	const char *p = value;
	size_t n = 0, len;

	if (list == NULL)
		return NULL;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		len = strcspn(p, ",");
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len > 0)
			list[n++] = strndup(p, len);
		p += strcspn(p, ",");
	}
	return list;
}

static void
list_free(char **list)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

static int
parse_events(const struct crier_self *self, const struct crier_host *h, const char *value,
    unsigned *out)
{
	char **list = split(value);
	size_t i;
	int rc = 0;

	*out = 0;
	for (i = 0; list != NULL && list[i] != NULL; i++) {
		if (strcmp(list[i], "post_stored") == 0)
			*out |= EV_STORED;
		else if (strcmp(list[i], "post_published") == 0)
			*out |= EV_PUBLISHED;
		else if (strcmp(list[i], "digest_published") == 0)
			*out |= EV_DIGEST;
		else
			rc = -1;
	}
	list_free(list);
	if (rc == -1 || *out == 0) {
		h->config_error(self, "events", "expected post_stored, post_published and/or "
		    "digest_published");
		return -1;
	}
	return 0;
}

static char *
read_template_file(const struct crier_self *self, const struct crier_host *h, const char *path)
{
	FILE *f = fopen(path, "r");
	char *data;
	size_t n;

	if (f == NULL) {
		h->config_error(self, "template_file", "cannot be read");
		return NULL;
	}
	data = malloc(TEMPLATE_MAX_BYTES + 1);
	n = data != NULL ? fread(data, 1, TEMPLATE_MAX_BYTES + 1, f) : 0;
	fclose(f);
	if (data == NULL || n > TEMPLATE_MAX_BYTES) {
		h->config_error(self, "template_file", "is larger than 64 KiB");
		free(data);
		return NULL;
	}
	data[n] = '\0';
	return data;
}

/* The body template (formats other than json), checked with sample values. */
static int
load_template(struct webhook *w, const struct crier_self *self)
{
	const struct crier_host *h = w->host;
	const char *inline_t = h->config_get(self, "template");
	const char *file = h->config_get(self, "template_file");
	const char *bad = NULL;
	struct str out = { 0 };
	struct vars sample;
	json_error_t jerr;
	json_t *doc;
	char msg[256];
	size_t i;

	if (w->format == FMT_JSON)
		return 0;
	if (w->format != FMT_CUSTOM)
		w->template = strdup(formats[w->format].template);
	else if (inline_t != NULL)
		w->template = strdup(inline_t);
	else if (file != NULL)
		w->template = read_template_file(self, h, file);
	else
		h->config_error(self, "format", "custom needs template = BODY or template_file = PATH");
	if (w->template == NULL)
		return -1;
	for (i = 0; i < N_PLACEHOLDERS; i++)
		sample.value[i] = placeholders[i].sample;
	if (fill(w->template, &sample, &out, &bad) == -1) {
		const char *end = strstr(bad, "}}");
		int shown = end != NULL && end - bad < 60 ? (int)(end - bad) + 2 : 40;
		snprintf(msg, sizeof(msg), "unknown placeholder \"%.*s\" (known: title, url, summary, "
		    "headline, author, feed, feed_url, tags, event, change, id, guid, published, items; "
		    "filters |slack, |html)", shown, bad);
		h->config_error(self, file != NULL && inline_t == NULL ? "template_file" : "template", msg);
		free(out.data);
		return -1;
	}
	if (strstr(w->content_type, "json") != NULL) {
		doc = json_loads(out.data != NULL ? out.data : "", 0, &jerr);
		if (doc == NULL) {
			snprintf(msg, sizeof(msg), "is not JSON once filled in: %s (column %d)", jerr.text,
			    jerr.column);
			h->config_error(self, file != NULL && inline_t == NULL ? "template_file" : "template", msg);
			free(out.data);
			return -1;
		}
		json_decref(doc);
	}
	free(out.data);
	return 0;
}

/* header.NAME = value keys, plus the fixed ones; 0 or -1. */
static int
load_headers(struct webhook *w, const struct crier_self *self)
{
	const struct crier_host *h = w->host;
	const char *key, *value;
	size_t i, n = 0;
	char line[1024];

	for (i = 0; (key = h->config_key(self, i, &value)) != NULL; i++) {
		if (strncmp(key, "header.", 7) != 0)
			continue;
		if (key[7] == '\0' || strpbrk(key + 7, ": \t") != NULL || n >= EXTRA_HEADERS_MAX ||
		    (size_t)snprintf(line, sizeof(line), "%s: %s", key + 7, value) >= sizeof(line)) {
			h->config_error(self, key, "expected header.NAME = value (at most 16, 1 KiB each)");
			return -1;
		}
		w->extra[n++] = strdup(line);
	}
	w->n_extra = n;
	return 0;
}

static void
webhook_free(struct webhook *w)
{
	size_t i;

	for (i = 0; i < w->n_extra; i++)
		free(w->extra[i]);
	list_free(w->only_tags);
	free(w->template);
	free(w);
}

static const char *const known_keys[] = {
	"content_type", "events", "format", "path", "secret", "tags", "template", "template_file",
	"updates", "url",
};

static int
check_keys(const struct crier_self *self, const struct crier_host *h)
{
	const char *key, *value;
	size_t i, k;
	int rc = 0;

	for (i = 0; (key = h->config_key(self, i, &value)) != NULL; i++) {
		for (k = 0; k < sizeof(known_keys) / sizeof(known_keys[0]); k++) {
			if (strcmp(key, known_keys[k]) == 0)
				break;
		}
		if (k == sizeof(known_keys) / sizeof(known_keys[0]) && strncmp(key, "header.", 7) != 0) {
			h->config_error(self, key, "unknown key (known: url, format, template, template_file, "
			    "secret, events, updates, tags, content_type, header.NAME)");
			rc = -1;
		}
	}
	return rc;
}

static int
read_options(struct webhook *w, const struct crier_self *self)
{
	const struct crier_host *h = w->host;
	const char *v;

	w->url = h->config_get(self, "url");
	if (w->url == NULL || (strncmp(w->url, "http://", 7) != 0 && strncmp(w->url, "https://", 8) != 0)) {
		h->config_error(self, w->url == NULL ? NULL : "url",
		    "needs url = the webhook's http:// or https:// address");
		return -1;
	}
	w->secret = h->config_get(self, "secret");
	if (w->secret != NULL && strlen(w->secret) < 16) {
		h->config_error(self, "secret", "is too short to sign with (16 characters at least)");
		return -1;
	}
	v = h->config_get(self, "content_type");
	w->content_type = v != NULL ? v : "application/json";
	v = h->config_get(self, "format");
	if (v != NULL && parse_format(v, &w->format) == -1) {
		h->config_error(self, "format", "expected json, slack, teams, matrix or custom");
		return -1;
	}
	w->events = EV_STORED | EV_PUBLISHED | EV_DIGEST;
	v = h->config_get(self, "events");
	if (v != NULL && parse_events(self, h, v, &w->events) == -1)
		return -1;
	v = h->config_get(self, "updates");
	w->updates = v == NULL || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
	    strcmp(v, "1") == 0;
	v = h->config_get(self, "tags");
	if (v != NULL)
		w->only_tags = split(v);
	return 0;
}

static int
webhook_init(const struct crier_self *self, const struct crier_host *host, void **state)
{
	struct webhook *w;

	if (sodium_init() < 0)
		return -1;
	if (check_keys(self, host) == -1)
		return -1;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -1;
	w->host = host;
	if (read_options(w, self) == -1 || load_template(w, self) == -1 || load_headers(w, self) == -1) {
		webhook_free(w);
		return -1;
	}
	*state = w;
	return 0;
}

static void
webhook_fini(const struct crier_self *self, void *state)
{
	(void)self;
	webhook_free(state);
}

/* ---------------------------------------------------------------- sending */

static void
hex_hmac(const char *secret, const char *body, size_t len, char out[2 * crypto_auth_hmacsha256_BYTES + 1])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, 2 * crypto_auth_hmacsha256_BYTES + 1, mac, sizeof(mac));
}

/* Queues body with the event, signature and extra headers (hooks may
 * run in several threads at once: nothing here writes to w). */
static int
send_body(const struct webhook *w, const struct crier_self *self, const char *event,
    const char *body, size_t len)
{
	char sig[2 * crypto_auth_hmacsha256_BYTES + 1], sig_line[128], event_line[64];
	const char *headers[EXTRA_HEADERS_MAX + 3];
	size_t i, n = 0;
	int rc;

	for (i = 0; i < w->n_extra; i++)
		headers[n++] = w->extra[i];
	snprintf(event_line, sizeof(event_line), "X-Crier-Event: %s", event);
	headers[n++] = event_line;
	if (w->secret != NULL) {
		hex_hmac(w->secret, body, len, sig);
		snprintf(sig_line, sizeof(sig_line), "X-Crier-Signature-256: sha256=%s", sig);
		headers[n++] = sig_line;
	}
	headers[n] = NULL;
	rc = w->host->http_post(self, w->url, w->content_type, body, len, headers);
	if (rc == 0)
		w->host->log(self, CRIER_LOG_DEBUG, "webhook queued", "event=%s bytes=%zu", event, len);
	return rc == 0 ? CRIER_OK : CRIER_ERROR;
}

static void
rfc3339(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	out[0] = '\0';
	if (t != 0 && gmtime_r(&tt, &tm) != NULL)
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The first SUMMARY_MAX_BYTES of s, cut at a UTF-8 boundary, with "…". */
static void
shorten(const char *s, char *out, size_t n)
{
	size_t len = strlen(s);

	if (len <= SUMMARY_MAX_BYTES || n < SUMMARY_MAX_BYTES + 4) {
		snprintf(out, n, "%s", s);
		return;
	}
	len = SUMMARY_MAX_BYTES;
	while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	memcpy(out, s, len);
	memcpy(out + len, "\xe2\x80\xa6", 4);
}

static bool
wanted_tags(const struct webhook *w, const struct crier_post *p)
{
	size_t i, t;

	if (w->only_tags == NULL)
		return true;
	for (t = 0; t < w->host->post_tag_count(p); t++) {
		for (i = 0; w->only_tags[i] != NULL; i++) {
			if (strcasecmp(w->host->post_tag(p, t), w->only_tags[i]) == 0)
				return true;
		}
	}
	return false;
}

/* The format=json document for a post event. */
static char *
post_json(const struct webhook *w, const struct crier_event *ev, const char *event)
{
	const struct crier_host *h = w->host;
	json_t *doc, *post, *tags, *feed;
	char when[32];
	size_t i;
	char *text;

	tags = json_array();
	for (i = 0; i < h->post_tag_count(ev->post); i++)
		json_array_append_new(tags, json_string(h->post_tag(ev->post, i)));
	rfc3339(h->post_number(ev->post, CRIER_POST_PUBLISHED_AT), when);
	post = json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:o, s:s?}",
	    "id", (json_int_t)h->post_number(ev->post, CRIER_POST_ID),
	    "guid", h->post_text(ev->post, CRIER_POST_GUID),
	    "url", h->post_text(ev->post, CRIER_POST_URL),
	    "title", h->post_text(ev->post, CRIER_POST_TITLE),
	    "summary", h->post_text(ev->post, CRIER_POST_SUMMARY),
	    "author", h->post_text(ev->post, CRIER_POST_AUTHOR),
	    "kind", h->post_text(ev->post, CRIER_POST_KIND),
	    "tags", tags,
	    "published_at", when[0] ? when : NULL);
	if (post == NULL)
		return NULL;
	if (ev->feed != NULL) {
		feed = json_pack("{s:I, s:s?, s:s?}", "id", (json_int_t)h->feed_number(ev->feed, CRIER_FEED_ID),
		    "name", h->feed_text(ev->feed, CRIER_FEED_NAME), "url", h->feed_text(ev->feed, CRIER_FEED_URL));
		json_object_set_new(post, "feed", feed);
	}
	doc = json_pack("{s:s, s:s?, s:o}", "event", event,
	    "change", h->post_text(ev->post, CRIER_POST_CHANGE), "post", post);
	text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	return text;
}

static int
on_post(const struct crier_self *self, void *state, const struct crier_event *ev, const char *event)
{
	struct webhook *w = state;
	const struct crier_host *h = w->host;
	const char *change = h->post_text(ev->post, CRIER_POST_CHANGE);
	const char *title = h->post_text(ev->post, CRIER_POST_TITLE);
	const char *summary = h->post_text(ev->post, CRIER_POST_SUMMARY);
	const char *feed = ev->feed != NULL ? h->feed_text(ev->feed, CRIER_FEED_NAME) : NULL;
	char headline[512], when[32], id[32], short_summary[SUMMARY_MAX_BYTES + 8], tags[512];
	struct str body = { 0 };
	struct vars v;
	const char *bad;
	size_t i, used = 0;
	char *json;
	int rc;

	if (change != NULL && strcmp(change, "updated") == 0 && !w->updates)
		return CRIER_OK;
	if (!wanted_tags(w, ev->post))
		return CRIER_OK;
	if (w->format == FMT_JSON) {
		json = post_json(w, ev, event);
		if (json == NULL)
			return CRIER_ERROR;
		rc = send_body(w, self, event, json, strlen(json));
		free(json);
		return rc;
	}
	if (summary == NULL)
		summary = h->post_text(ev->post, CRIER_POST_CONTENT_TEXT);
	shorten(summary != NULL ? summary : "", short_summary, sizeof(short_summary));
	if (feed != NULL)
		snprintf(headline, sizeof(headline), "%s post in %s", change != NULL &&
		    strcmp(change, "updated") == 0 ? "Updated" : "New", feed);
	else
		snprintf(headline, sizeof(headline), "Post %s", change != NULL ? change : "published");
	tags[0] = '\0';
	for (i = 0; i < h->post_tag_count(ev->post) && used < sizeof(tags); i++) {
		int wr = snprintf(tags + used, sizeof(tags) - used, "%s%s", i ? ", " : "", h->post_tag(ev->post, i));
		if (wr < 0)
			break;
		used += (size_t)wr;
	}
	rfc3339(h->post_number(ev->post, CRIER_POST_PUBLISHED_AT), when);
	snprintf(id, sizeof(id), "%lld", (long long)h->post_number(ev->post, CRIER_POST_ID));
	memset(&v, 0, sizeof(v));
	set_var(&v, "event", event);
	set_var(&v, "change", change);
	set_var(&v, "headline", headline);
	set_var(&v, "title", title != NULL ? title : "(untitled)");
	set_var(&v, "url", h->post_text(ev->post, CRIER_POST_URL));
	set_var(&v, "summary", short_summary);
	set_var(&v, "author", h->post_text(ev->post, CRIER_POST_AUTHOR));
	set_var(&v, "feed", feed);
	set_var(&v, "feed_url", ev->feed != NULL ? h->feed_text(ev->feed, CRIER_FEED_URL) : NULL);
	set_var(&v, "tags", tags);
	set_var(&v, "id", id);
	set_var(&v, "guid", h->post_text(ev->post, CRIER_POST_GUID));
	set_var(&v, "published", when);
	set_var(&v, "items", "0");
	rc = fill(w->template, &v, &body, &bad) == 0 && !body.oom ?
	    send_body(w, self, event, body.data, body.len) : CRIER_ERROR;
	free(body.data);
	return rc;
}

static int
on_post_stored(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	struct webhook *w = state;

	return (w->events & EV_STORED) ? on_post(self, state, ev, "post_stored") : CRIER_OK;
}

static int
on_post_published(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	struct webhook *w = state;

	return (w->events & EV_PUBLISHED) ? on_post(self, state, ev, "post_published") : CRIER_OK;
}

static char *
digest_json(const struct webhook *w, const struct crier_digest *d)
{
	const struct crier_host *h = w->host;
	json_t *items = json_array(), *doc;
	size_t i;
	char *text;

	for (i = 0; i < h->digest_item_count(d); i++)
		json_array_append_new(items, json_pack("{s:s?, s:s?, s:s?}",
		    "title", h->digest_item_text(d, i, CRIER_DIGEST_ITEM_TITLE),
		    "url", h->digest_item_text(d, i, CRIER_DIGEST_ITEM_URL),
		    "note", h->digest_item_text(d, i, CRIER_DIGEST_ITEM_NOTE)));
	doc = json_pack("{s:s, s:{s:s?, s:s?, s:s?, s:s?, s:o}}", "event", "digest_published",
	    "digest", "slug", h->digest_text(d, CRIER_DIGEST_SLUG),
	    "title", h->digest_text(d, CRIER_DIGEST_TITLE), "url", h->digest_text(d, CRIER_DIGEST_URL),
	    "summary", h->digest_text(d, CRIER_DIGEST_SUMMARY), "items", items);
	text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	return text;
}

static int
on_digest_published(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	struct webhook *w = state;
	const struct crier_host *h = w->host;
	char headline[512], items[32], short_summary[SUMMARY_MAX_BYTES + 8];
	const char *title = h->digest_text(ev->digest, CRIER_DIGEST_TITLE);
	const char *summary = h->digest_text(ev->digest, CRIER_DIGEST_SUMMARY);
	struct str body = { 0 };
	struct vars v;
	const char *bad;
	char *json;
	int rc;

	if (!(w->events & EV_DIGEST))
		return CRIER_OK;
	if (w->format == FMT_JSON) {
		json = digest_json(w, ev->digest);
		if (json == NULL)
			return CRIER_ERROR;
		rc = send_body(w, self, "digest_published", json, strlen(json));
		free(json);
		return rc;
	}
	snprintf(items, sizeof(items), "%zu", h->digest_item_count(ev->digest));
	snprintf(headline, sizeof(headline), "New digest (%s posts)", items);
	shorten(summary != NULL ? summary : "", short_summary, sizeof(short_summary));
	memset(&v, 0, sizeof(v));
	set_var(&v, "event", "digest_published");
	set_var(&v, "change", "published");
	set_var(&v, "headline", headline);
	set_var(&v, "title", title != NULL ? title : "(untitled digest)");
	set_var(&v, "url", h->digest_text(ev->digest, CRIER_DIGEST_URL));
	set_var(&v, "summary", short_summary);
	set_var(&v, "guid", h->digest_text(ev->digest, CRIER_DIGEST_SLUG));
	set_var(&v, "items", items);
	rc = fill(w->template, &v, &body, &bad) == 0 && !body.oom ?
	    send_body(w, self, "digest_published", body.data, body.len) : CRIER_ERROR;
	free(body.data);
	return rc;
}

CRIER_PLUGIN_EXPORT const struct crier_plugin crier_plugin = {
	.abi = CRIER_PLUGIN_ABI,
	.name = "webhook",
	.version = "1.0",
	.flags = CRIER_PLUGIN_MULTI,
	.init = webhook_init,
	.fini = webhook_fini,
	.hooks = {
		[CRIER_HOOK_POST_STORED] = on_post_stored,
		[CRIER_HOOK_POST_PUBLISHED] = on_post_published,
		[CRIER_HOOK_DIGEST_PUBLISHED] = on_digest_published,
	},
};
