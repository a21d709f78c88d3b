/*
 * feedhealth.c: tells a feed's owner when the feed starts failing,
 * recovers, moves permanently or is gone, from the feed_fetched hook.
 *
 *   [feed https://team.example/blog/feed]
 *   owner_webhook = https://chat.example/hooks/team-channel
 *   owner_email = web-team@example.gov.uk
 *
 *   [plugin feedhealth]
 *   path = feedhealth.so
 *   after = 3                      ; failures in a row before "failing" (default 3)
 *   format = text                  ; json (default) or text: {"text": "..."} for chat
 *   webhook = https://chat.example/hooks/ops     ; feeds with no owner go here (optional)
 *   email_webhook = https://mail-api.example/send ; how owner_email is reached (optional)
 *
 * Transitions, each told once:
 *   feed_failing    the failures in a row reach `after`
 *   feed_recovered  a success after the owner was told it was failing
 *   feed_moved      a permanent redirect (301/308 all the way) moved the feed
 *   feed_gone       it answered 410 Gone and is no longer polled
 *
 * A feed's owner_webhook gets the message as JSON:
 *   {"event": "feed_failing", "text": "...",
 *    "feed": {"id", "name", "url", "status", "error", "error_count", "moved_to"}}
 * or {"text": "..."} with format = text (Slack, Matrix bridges and Teams
 * connectors all take that).  owner_email is reached through
 * email_webhook, an HTTP mail API that gets {"to", "subject", "text"}:
 * crier has no SMTP client yet (the digest work adds one, through
 * libcurl); until then, without email_webhook, the message is only
 * logged.  Everything goes out through host->http_post(), so delivery
 * is retried with backoff and never holds up the poller.
 */
#include <crier/plugin.h>

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOVES_REMEMBERED 1024

struct feedhealth {
	const struct crier_host *host;
	int64_t after;
	bool text_format;
	const char *webhook;            /* for feeds without an owner, or NULL */
	const char *email_webhook;      /* HTTP mail API, or NULL */
	/* moves already told (feed id, target hash): a feed whose new URL the
	 * store cannot take keeps redirecting, and its owner is told once */
	pthread_mutex_t lock;
	struct { int64_t feed; uint64_t target; } moves[MOVES_REMEMBERED];
	size_t n_moves, next_move;
};

enum transition { T_NONE, T_FAILING, T_RECOVERED, T_MOVED, T_GONE };

static const char *const event_names[] = {
	[T_NONE] = NULL,
	[T_FAILING] = "feed_failing",
	[T_RECOVERED] = "feed_recovered",
	[T_MOVED] = "feed_moved",
	[T_GONE] = "feed_gone",
};

static bool
is_http_url(const char *s)
{
	return s != NULL && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0);
}

/* ---------------------------------------------------------------- init / fini */

static const char *const known_keys[] = {
	"after", "email_webhook", "format", "path", "webhook",
};

static int
check_keys(const struct crier_self *self, const struct crier_host *h)
{
	const char *key, *value;
	size_t i, k;

	for (i = 0; (key = h->config_key(self, i, &value)) != NULL; i++) {
		for (k = 0; k < sizeof(known_keys) / sizeof(known_keys[0]); k++) {
			if (strcmp(key, known_keys[k]) == 0)
				break;
		}
		if (k == sizeof(known_keys) / sizeof(known_keys[0])) {
			h->config_error(self, key, "unknown key (known: after, format, webhook, email_webhook; "
			    "owners are set per feed with owner_webhook and owner_email)");
			return -1;
		}
	}
	return 0;
}

static int
read_options(struct feedhealth *fh, const struct crier_self *self)
{
	const struct crier_host *h = fh->host;
	const char *v;
	char *end;

	fh->after = 3;
	v = h->config_get(self, "after");
	if (v != NULL) {
		fh->after = strtoll(v, &end, 10);
		if (end == v || *end != '\0' || fh->after < 1 || fh->after > 1000) {
			h->config_error(self, "after", "expected a number of failures in a row, 1 to 1000");
			return -1;
		}
	}
	v = h->config_get(self, "format");
	if (v != NULL && strcmp(v, "json") != 0 && strcmp(v, "text") != 0) {
		h->config_error(self, "format", "expected json (the default) or text");
		return -1;
	}
	fh->text_format = v != NULL && strcmp(v, "text") == 0;
	fh->webhook = h->config_get(self, "webhook");
	if (fh->webhook != NULL && !is_http_url(fh->webhook)) {
		h->config_error(self, "webhook", "must be an http:// or https:// URL");
		return -1;
	}
	fh->email_webhook = h->config_get(self, "email_webhook");
	if (fh->email_webhook != NULL && !is_http_url(fh->email_webhook)) {
		h->config_error(self, "email_webhook", "must be an http:// or https:// URL");
		return -1;
	}
	return 0;
}

static int
feedhealth_init(const struct crier_self *self, const struct crier_host *host, void **state)
{
	struct feedhealth *fh;

	if (check_keys(self, host) == -1)
		return -1;
	fh = calloc(1, sizeof(*fh));
	if (fh == NULL)
		return -1;
	fh->host = host;
	if (read_options(fh, self) == -1) {
		free(fh);
		return -1;
	}
	pthread_mutex_init(&fh->lock, NULL);
	*state = fh;
	return 0;
}

static void
feedhealth_fini(const struct crier_self *self, void *state)
{
	struct feedhealth *fh = state;

	(void)self;
	pthread_mutex_destroy(&fh->lock);
	free(fh);
}

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* True the first time this feed is seen moving to this target. */
static bool
first_move(struct feedhealth *fh, int64_t feed, const char *target)
{
	uint64_t h = fnv1a(target);
	bool first = true;
	size_t i;

	pthread_mutex_lock(&fh->lock);
	for (i = 0; i < fh->n_moves && first; i++)
		first = !(fh->moves[i].feed == feed && fh->moves[i].target == h);
	if (first) {
		fh->moves[fh->next_move].feed = feed;
		fh->moves[fh->next_move].target = h;
		fh->next_move = (fh->next_move + 1) % MOVES_REMEMBERED;
		if (fh->n_moves < MOVES_REMEMBERED)
			fh->n_moves++;
	}
	pthread_mutex_unlock(&fh->lock);
	return first;
}

/* ---------------------------------------------------------------- the hook */

static enum transition
transition_of(const struct feedhealth *fh, const struct crier_feed *f)
{
	const struct crier_host *h = fh->host;
	int64_t now = h->feed_number(f, CRIER_FEED_ERROR_COUNT);
	int64_t before = h->feed_number(f, CRIER_FEED_PREVIOUS_ERROR_COUNT);

	if (h->feed_number(f, CRIER_FEED_GONE))
		return T_GONE;
	if (h->feed_text(f, CRIER_FEED_MOVED_TO) != NULL)
		return T_MOVED;
	if (now == fh->after && before < fh->after)
		return T_FAILING;
	if (now == 0 && before >= fh->after)
		return T_RECOVERED;
	return T_NONE;
}

/* The sentence an owner reads. */
static void
message(const struct crier_host *h, const struct crier_feed *f, enum transition t, char *out, size_t n)
{
	const char *name = h->feed_text(f, CRIER_FEED_NAME);
	const char *url = h->feed_text(f, CRIER_FEED_URL);
	const char *error = h->feed_text(f, CRIER_FEED_ERROR);

	switch (t) {
	case T_FAILING:
		snprintf(out, n, "The feed \"%s\" (%s) has failed %lld times in a row: %s. crier keeps "
		    "trying, less often; please check the feed.", name, url,
		    (long long)h->feed_number(f, CRIER_FEED_ERROR_COUNT), error != NULL ? error : "unknown error");
		break;
	case T_RECOVERED:
		snprintf(out, n, "The feed \"%s\" (%s) works again, after %lld failed fetches.", name, url,
		    (long long)h->feed_number(f, CRIER_FEED_PREVIOUS_ERROR_COUNT));
		break;
	case T_MOVED:
		snprintf(out, n, "The feed \"%s\" moved permanently from %s to %s; crier follows it there. "
		    "Please update links to it (and crier's config, if it is listed there).", name, url,
		    h->feed_text(f, CRIER_FEED_MOVED_TO));
		break;
	case T_GONE:
		snprintf(out, n, "The feed \"%s\" (%s) answered 410 Gone: crier no longer polls it. If it "
		    "lives somewhere else now, please tell crier's operator.", name, url);
		break;
	default:
		out[0] = '\0';
	}
}

static int
post_json(const struct crier_self *self, const struct crier_host *h, const char *url, json_t *doc)
{
	char *body = json_dumps(doc, JSON_COMPACT);
	int rc;

	if (body == NULL)
		return -1;
	rc = h->http_post(self, url, "application/json", body, strlen(body), NULL);
	free(body);
	return rc;
}

static json_t *
owner_document(const struct feedhealth *fh, const struct crier_feed *f, enum transition t,
    const char *text)
{
	const struct crier_host *h = fh->host;

	if (fh->text_format)
		return json_pack("{s:s}", "text", text);
	return json_pack("{s:s, s:s, s:{s:I, s:s?, s:s?, s:I, s:s?, s:I, s:s?}}",
	    "event", event_names[t], "text", text, "feed",
	    "id", (json_int_t)h->feed_number(f, CRIER_FEED_ID),
	    "name", h->feed_text(f, CRIER_FEED_NAME),
	    "url", h->feed_text(f, CRIER_FEED_URL),
	    "status", (json_int_t)h->feed_number(f, CRIER_FEED_STATUS),
	    "error", h->feed_text(f, CRIER_FEED_ERROR),
	    "error_count", (json_int_t)h->feed_number(f, CRIER_FEED_ERROR_COUNT),
	    "moved_to", h->feed_text(f, CRIER_FEED_MOVED_TO));
}

static int
tell(const struct crier_self *self, const struct feedhealth *fh, const struct crier_feed *f,
    enum transition t, const char *text)
{
	const struct crier_host *h = fh->host;
	const char *hook = h->feed_text(f, CRIER_FEED_OWNER_WEBHOOK);
	const char *email = h->feed_text(f, CRIER_FEED_OWNER_EMAIL);
	char subject[256];
	json_t *doc;
	int rc = 0, told = 0;

	if (hook == NULL && email == NULL)
		hook = fh->webhook;
	if (hook != NULL) {
		doc = owner_document(fh, f, t, text);
		rc |= doc != NULL ? post_json(self, h, hook, doc) : -1;
		json_decref(doc);
		told++;
	}
	if (email != NULL && fh->email_webhook != NULL) {
		snprintf(subject, sizeof(subject), "crier: %s (%s)", event_names[t] + 5,
		    h->feed_text(f, CRIER_FEED_NAME));
		doc = json_pack("{s:s, s:s, s:s}", "to", email, "subject", subject, "text", text);
		rc |= doc != NULL ? post_json(self, h, fh->email_webhook, doc) : -1;
		json_decref(doc);
		told++;
	} else if (email != NULL) {
		h->log(self, CRIER_LOG_INFO, "owner_email not mailed: set email_webhook (crier has no SMTP "
		    "client yet)", "feed=%lld to=%s", (long long)h->feed_number(f, CRIER_FEED_ID),
		    h->quote(email));
	}
	h->log(self, CRIER_LOG_INFO, "feed health changed", "event=%s feed=%lld url=%s told=%d",
	    event_names[t], (long long)h->feed_number(f, CRIER_FEED_ID),
	    h->quote(h->feed_text(f, CRIER_FEED_URL)), told);
	return rc == 0 ? CRIER_OK : CRIER_ERROR;
}

static int
on_feed_fetched(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	struct feedhealth *fh = state;
	enum transition t = transition_of(fh, ev->feed);
	char text[2048];

	if (t == T_NONE)
		return CRIER_OK;
	if (t == T_MOVED && !first_move(fh, fh->host->feed_number(ev->feed, CRIER_FEED_ID),
	    fh->host->feed_text(ev->feed, CRIER_FEED_MOVED_TO)))
		return CRIER_OK;
	message(fh->host, ev->feed, t, text, sizeof(text));
	return tell(self, fh, ev->feed, t, text);
}

CRIER_PLUGIN_EXPORT const struct crier_plugin crier_plugin = {
	.abi = CRIER_PLUGIN_ABI,
	.name = "feedhealth",
	.version = "1.0",
	.init = feedhealth_init,
	.fini = feedhealth_fini,
	.hooks = {
		[CRIER_HOOK_FEED_FETCHED] = on_feed_fetched,
	},
};
