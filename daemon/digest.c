/*
 * digest.c: the whole life of a digest in one place (see digest.h):
 *
 *   curate ─▶ store ─▶ publish ─▶ WebSub (outbox) ─▶ [digest_published]
 *                              └▶ queue ─▶ deliver ─▶ render ─▶ mail_write ─▶ SMTP
 *   tick (once a minute) ─▶ each [digest NAME]'s weekly draft ─▶ (auto_publish)
 *
 * Read this file with pipeline.c: the same single writer (c->write_lock
 * around c->store), the same outbox for WebSub pings.  Stages never call
 * each other; this file hands each one what it needs: store_digest.c
 * keeps the rows, digest_render.c draws them, mail.c writes messages and
 * fetch.c speaks SMTP.
 */
#include "digest.h"
#include "config.h"
#include "crier.h"
#include "fetch.h"
#include "log.h"
#include "mail.h"
#include "markdown.h"
#include "plugin.h"
#include "sanitize.h"
#include "store.h"
#include "template.h"
#include "util.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SLUG_MAX 80
#define DEFAULT_TITLE "Digest for week {{week}}, {{year}}"
#define DEFAULT_MAX_POSTS 30
#define RETRY_FIRST_S 60
#define RETRY_MAX_S 3600

static int
fail(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets *err to a sentence and returns -1. */
static int
fail(char **err, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	*err = buf_steal(&b);
	return -1;
}

/* ---------------------------------------------------------------- weeks */

void
digest_week_of(int64_t t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	strftime(out, 16, "%G-W%V", &tm);
}

/* The calendar date of an ISO week's Monday (tm_year, tm_mon, tm_mday); false if no such week. */
static bool
week_monday(const char *week, struct tm *out)
{
	struct tm tm;
	char check[16];
	int year, num, n = 0;
	time_t t;

	if (strlen(week) != 8 || sscanf(week, "%4d-W%2d%n", &year, &num, &n) != 2 || n != 8 ||
	    year < 1971 || year > 9999 || num < 1 || num > 53)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mday = 4;                 /* 4 January is always in week 1 */
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	t -= (time_t)((tm.tm_wday + 6) % 7) * 86400;
	t += (time_t)(num - 1) * 7 * 86400;
	gmtime_r(&t, out);
	strftime(check, sizeof(check), "%G-W%V", out);
	return strcmp(check, week) == 0;        /* week 53 of a year with 52 is not */
}

bool
digest_week_valid(const char *s)
{
	struct tm tm;

	return week_monday(s, &tm);
}

/* Local midnight of a calendar date, days later (DST-safe). */
static int64_t
local_midnight(const struct tm *date, int days)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = date->tm_year;
	tm.tm_mon = date->tm_mon;
	tm.tm_mday = date->tm_mday + days;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

int64_t
digest_week_start(const char *week)
{
	struct tm monday;

	if (!week_monday(week, &monday))
		return -1;
	return local_midnight(&monday, 0);
}

/* ---------------------------------------------------------------- small helpers */

/* Latin-1 letters U+00C0..U+00FF as ASCII, for slugs ("café" -> "cafe"); "" drops one. */
static const char *const latin1_ascii[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "ss",
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",
};

/* An ASCII slug ([a-z0-9-], at most SLUG_MAX) of text; false when nothing is left. */
static bool
make_slug(const char *text, struct buf *out)
{
	struct buf raw = BUF_INIT, ascii = BUF_INIT;
	const unsigned char *u;
	const char *p;

	buf_reset(out);
	/* accented Latin letters keep their base letter; other non-ASCII goes */
	for (u = (const unsigned char *)text; *u; u++) {
		if ((u[0] == 0xc3) && u[1] >= 0x80 && u[1] <= 0xbf) {
			buf_puts(&ascii, latin1_ascii[u[1] - 0x80]);
			u++;
		} else {
			buf_putc(&ascii, (char)*u);
		}
	}
	util_slugify(&raw, buf_str(&ascii), SLUG_MAX * 4);
	for (p = buf_str(&raw); *p && out->len < SLUG_MAX; p++) {
		if ((unsigned char)*p >= 0x80)
			continue;
		if (*p == '-' && (out->len == 0 || out->data[out->len - 1] == '-'))
			continue;
		buf_putc(out, *p);
	}
	buf_free(&ascii);
	while (out->len > 0 && out->data[out->len - 1] == '-')
		out->data[--out->len] = '\0';
	buf_free(&raw);
	return out->len > 0;
}

static bool
slug_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= SLUG_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n &&
	    s[0] != '-' && s[n - 1] != '-';
}

/* Has every <img> of sanitized HTML a non-empty alt? (The email and the page need it.) */
static bool
images_described(const char *html)
{
	const char *p, *end, *alt;

	for (p = strstr(html, "<img"); p != NULL; p = strstr(end, "<img")) {
		end = strchr(p, '>');
		alt = strstr(p, " alt=\"");
		if (end == NULL || alt == NULL || alt > end || alt[6] == '"')
			return false;
	}
	return true;
}

/* Markdown (an intro or a note) to sanitized HTML; "" for NULL or blank. 0 or -1. */
static int
note_html(const struct crier *c, const char *md, struct buf *out, char **err)
{
	struct buf html = BUF_INIT;

	buf_reset(out);
	if (md == NULL || slice_trim(slice_from(md)).len == 0)
		return 0;
	if (strlen(md) > DIGEST_NOTE_MAX)
		return fail(err, "that text is longer than %u KiB", DIGEST_NOTE_MAX / 1024);
	if (markdown_to_html(&html, md, strlen(md)) == -1) {
		buf_free(&html);
		return fail(err, "the Markdown could not be rendered");
	}
	sanitize_html(out, buf_str(&html), html.len, c->cfg->base_url);
	buf_free(&html);
	if (!images_described(buf_str(out))) {
		buf_reset(out);
		return fail(err, "every image needs a description of what it shows, like "
		    "![A queue at the library](https://example.org/queue.jpg)");
	}
	return 0;
}

/* A title collapsed to one line; false (and *err) when empty or too long. */
static bool
clean_title(const char *title, struct buf *out, char **err)
{
	buf_reset(out);
	if (title != NULL)
		text_collapse(out, title, strlen(title));
	if (out->len == 0) {
		fail(err, "a digest needs a title");
		return false;
	}
	if (out->len > DIGEST_TITLE_MAX) {
		fail(err, "the title is longer than %d bytes", DIGEST_TITLE_MAX);
		return false;
	}
	return true;
}

static const struct config_section *
find_section(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < cfg->n_digests; i++) {
		if (strcmp(cfg->digests[i].name, name) == 0)
			return &cfg->digests[i];
	}
	return NULL;
}

static bool
all_digits(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789") == strlen(s) && strlen(s) < 19;
}

/* ---------------------------------------------------------------- curating */

int
digest_lookup(struct crier *c, const char *ref, struct digest *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&c->write_lock);
	if (all_digits(ref))
		rc = store_digest_get(c->store, strtoll(ref, NULL, 10), out);
	else
		rc = store_digest_find(c->store, ref, out);
	pthread_mutex_unlock(&c->write_lock);
	return rc;
}

/* Gets digest id into d under the lock (held by the caller). 0, or -1 with *err. */
static int
load(struct crier *c, int64_t id, struct digest *d, char **err)
{
	int rc = store_digest_get(c->store, id, d);

	if (rc == 1)
		return fail(err, "there is no digest %lld", (long long)id);
	if (rc == -1)
		return fail(err, "the database could not be read (see the log)");
	return 0;
}

int
digest_create(struct crier *c, const struct digest_draft *dr, int64_t *id_out, char **err)
{
	struct buf title = BUF_INIT, slug = BUF_INIT, intro = BUF_INIT;
	struct digest d;
	char week[16];
	int rc = -1;

	*err = NULL;
	memset(&d, 0, sizeof(d));
	if (!clean_title(dr->title, &title, err))
		goto done;
	if (dr->slug != NULL && !slug_ok(dr->slug)) {
		fail(err, "a slug is lowercase letters, digits and single dashes (at most %d), like "
		    "\"weeknotes-42\"", SLUG_MAX);
		goto done;
	}
	if (dr->week != NULL && !digest_week_valid(dr->week)) {
		fail(err, "\"%s\" is not an ISO week (like 2026-W42)", dr->week);
		goto done;
	}
	if (dr->section != NULL && find_section(c->cfg, dr->section) == NULL) {
		fail(err, "there is no [digest %s] section in the config", dr->section);
		goto done;
	}
	if (note_html(c, dr->intro, &intro, err) == -1)
		goto done;
	if (dr->slug != NULL)
		buf_puts(&slug, dr->slug);
	else if (!make_slug(buf_str(&title), &slug))
		buf_puts(&slug, "digest");
	digest_week_of(util_now(), week);
	d.slug = buf_steal(&slug);
	d.title = buf_steal(&title);
	d.intro = dr->intro != NULL && intro.len > 0 ? xstrdup(dr->intro) : NULL;
	d.intro_html = intro.len > 0 ? buf_steal(&intro) : NULL;
	d.week = xstrdup(dr->week != NULL ? dr->week : week);
	d.section = xstrdup(dr->section);
	d.created_at = util_now();
	pthread_mutex_lock(&c->write_lock);
	rc = store_digest_add(c->store, &d, dr->slug == NULL, NULL, 0, id_out);
	pthread_mutex_unlock(&c->write_lock);
	if (rc == 1)
		fail(err, "the slug \"%s\" belongs to another digest", d.slug);
	else if (rc == -1)
		fail(err, "the digest could not be saved (database error; see the log)");
	else
		log_info("digest created", "id=%lld slug=%s week=%s", (long long)*id_out, d.slug, d.week);
	rc = rc == 0 ? 0 : -1;
done:
	digest_clear(&d);
	buf_free(&title);
	buf_free(&slug);
	buf_free(&intro);
	return rc;
}

/* Applies the changes asked for to d (everything validated); 0 or -1. */
static int
apply_changes(struct crier *c, struct digest *d, const struct digest_draft *ch, char **err)
{
	struct buf b = BUF_INIT;

	if (ch->title != NULL) {
		if (!clean_title(ch->title, &b, err))
			goto fail;
		free(d->title);
		d->title = buf_steal(&b);
	}
	if (ch->slug != NULL) {
		if (!slug_ok(ch->slug)) {
			fail(err, "a slug is lowercase letters, digits and single dashes, like \"weeknotes-42\"");
			goto fail;
		}
		free(d->slug);
		d->slug = xstrdup(ch->slug);
	}
	if (ch->week != NULL) {
		if (!digest_week_valid(ch->week)) {
			fail(err, "\"%s\" is not an ISO week (like 2026-W42)", ch->week);
			goto fail;
		}
		free(d->week);
		d->week = xstrdup(ch->week);
	}
	if (ch->section != NULL) {
		if (*ch->section != '\0' && find_section(c->cfg, ch->section) == NULL) {
			fail(err, "there is no [digest %s] section in the config", ch->section);
			goto fail;
		}
		free(d->section);
		d->section = *ch->section != '\0' ? xstrdup(ch->section) : NULL;
	}
	if (ch->intro != NULL) {
		if (note_html(c, ch->intro, &b, err) == -1)
			goto fail;
		free(d->intro);
		free(d->intro_html);
		d->intro = b.len > 0 ? xstrdup(ch->intro) : NULL;
		d->intro_html = b.len > 0 ? buf_steal(&b) : NULL;
	}
	buf_free(&b);
	return 0;
fail:
	buf_free(&b);
	return -1;
}

int
digest_edit(struct crier *c, int64_t id, const struct digest_draft *changes, char **err)
{
	struct digest d;
	int rc;

	*err = NULL;
	memset(&d, 0, sizeof(d));
	pthread_mutex_lock(&c->write_lock);
	rc = load(c, id, &d, err);
	if (rc == 0)
		rc = apply_changes(c, &d, changes, err);
	if (rc == 0) {
		d.updated_at = util_now();
		rc = store_digest_save(c->store, &d);
		if (rc == 1)
			rc = fail(err, "the slug \"%s\" belongs to another digest", d.slug);
		else if (rc == -1)
			fail(err, "the digest could not be saved (database error; see the log)");
	}
	pthread_mutex_unlock(&c->write_lock);
	digest_clear(&d);
	return rc;
}

int
digest_add(struct crier *c, int64_t id, int64_t post_id, const char *note, char **err)
{
	struct buf html = BUF_INIT;
	struct digest d;
	int rc;

	*err = NULL;
	memset(&d, 0, sizeof(d));
	if (note_html(c, note, &html, err) == -1) {
		buf_free(&html);
		return -1;
	}
	pthread_mutex_lock(&c->write_lock);
	rc = load(c, id, &d, err);
	if (rc == 0 && d.item_count >= DIGEST_MAX_ITEMS)
		rc = fail(err, "a digest holds at most %d posts", DIGEST_MAX_ITEMS);
	if (rc == 0) {
		rc = store_digest_item_put(c->store, id, post_id, html.len > 0 ? note : NULL,
		    html.len > 0 ? buf_str(&html) : NULL, util_now());
		if (rc == 1)
			rc = fail(err, "there is no published post %lld", (long long)post_id);
		else if (rc == -1)
			fail(err, "the post could not be added (database error; see the log)");
	}
	pthread_mutex_unlock(&c->write_lock);
	digest_clear(&d);
	buf_free(&html);
	return rc;
}

int
digest_remove(struct crier *c, int64_t id, int64_t post_id, char **err)
{
	int rc;

	*err = NULL;
	pthread_mutex_lock(&c->write_lock);
	rc = store_digest_item_remove(c->store, id, post_id, util_now());
	pthread_mutex_unlock(&c->write_lock);
	if (rc == 1)
		return fail(err, "post %lld is not in that digest", (long long)post_id);
	if (rc == -1)
		return fail(err, "the post could not be removed (database error; see the log)");
	return 0;
}

int
digest_move(struct crier *c, int64_t id, int64_t post_id, int position, char **err)
{
	int rc;

	*err = NULL;
	pthread_mutex_lock(&c->write_lock);
	rc = store_digest_item_move(c->store, id, post_id, position, util_now());
	pthread_mutex_unlock(&c->write_lock);
	if (rc == 1)
		return fail(err, "post %lld is not in that digest", (long long)post_id);
	if (rc == -1)
		return fail(err, "the post could not be moved (database error; see the log)");
	return 0;
}

/* ---------------------------------------------------------------- publishing */

/*
 * WebSub: tells the hub the digest feeds changed.  One queued POST per
 * feed; the poller delivers them with retries.  The lock is held.
 */
static void
ping_hub(struct crier *c)
{
	static const char *const exts[] = { "atom", "rss", "json" };
	struct buf url = BUF_INIT, body = BUF_INIT;
	size_t i;

	if (c->cfg->websub_hub == NULL)
		return;
	for (i = 0; i < NELEM(exts); i++) {
		buf_reset(&url);
		buf_reset(&body);
		buf_printf(&url, "%sdigests.%s", c->cfg->base_url, exts[i]);
		buf_puts(&body, "hub.mode=publish&hub.url=");
		util_percent_encode(&body, buf_str(&url));
		store_outbox_add(c->store, c->cfg->websub_hub, "application/x-www-form-urlencoded",
		    body.data, body.len, NULL, "websub", util_now());
	}
	buf_free(&url);
	buf_free(&body);
}

/* Makes d published (the lock is held).  0 or -1. */
static int
set_published(struct crier *c, struct digest *d, char **err)
{
	int64_t now = util_now();

	d->status = DIGEST_PUBLISHED;
	if (d->published_at == 0)
		d->published_at = now;
	d->scheduled_at = 0;
	d->send_on_publish = false;
	d->updated_at = now;
	if (store_digest_save(c->store, d) != 0)
		return fail(err, "the digest could not be saved (database error; see the log)");
	ping_hub(c);
	return 0;
}

/*
 * [digest_published] hook point: plugins see the digest (its URL, title, intro as
 * text, and each post's title, link and note as text), outside the lock;
 * what they queue with http_post goes to the outbox afterwards.
 */
static void
run_published_hook(struct crier *c, const struct digest *d)
{
	struct crier_digest cd;
	struct crier_digest_item *items;
	struct buf summary = BUF_INIT, *notes;
	json_t *posts, *ctx, *it;
	size_t i, n;

	if (!plugin_has(c->plugins, CRIER_HOOK_DIGEST_PUBLISHED))
		return;
	pthread_mutex_lock(&c->write_lock);
	posts = store_digest_items(c->store, d->id);
	pthread_mutex_unlock(&c->write_lock);
	if (posts == NULL)
		return;
	ctx = digest_render_context(c->cfg, d, posts);
	n = json_array_size(json_object_get(ctx, "items"));
	items = xcalloc(n + 1, sizeof(*items));
	notes = xcalloc(n + 1, sizeof(*notes));
	json_array_foreach(json_object_get(ctx, "items"), i, it) {
		const char *note = json_string_value(json_object_get(it, "note_html"));
		items[i].title = json_string_value(json_object_get(it, "title"));
		items[i].url = json_string_value(json_object_get(it, "link"));
		if (note != NULL && *note != '\0') {
			html_to_text(&notes[i], note, strlen(note));
			items[i].note = buf_str(&notes[i]);
		}
	}
	if (d->intro_html != NULL)
		html_to_text(&summary, d->intro_html, strlen(d->intro_html));
	memset(&cd, 0, sizeof(cd));
	cd.slug = d->slug;
	cd.title = d->title;
	cd.url = json_string_value(json_object_get(ctx, "url"));
	cd.summary = summary.len > 0 ? buf_str(&summary) : NULL;
	cd.items = items;
	cd.n_items = n;
	plugin_run_digest_published(c->plugins, &cd);
	pthread_mutex_lock(&c->write_lock);
	plugin_flush(c->plugins, c->store);
	pthread_mutex_unlock(&c->write_lock);
	for (i = 0; i < n; i++)
		buf_free(&notes[i]);
	free(notes);
	free(items);
	buf_free(&summary);
	json_decref(ctx);
	json_decref(posts);
}

int
digest_publish(struct crier *c, int64_t id, bool send, char **err)
{
	struct digest d;
	bool was_published = false;
	size_t queued = 0;
	int rc;

	*err = NULL;
	memset(&d, 0, sizeof(d));
	pthread_mutex_lock(&c->write_lock);
	rc = load(c, id, &d, err);
	if (rc == 0) {
		was_published = d.status == DIGEST_PUBLISHED;
		if (!was_published)
			rc = set_published(c, &d, err);
	}
	pthread_mutex_unlock(&c->write_lock);
	if (rc == 0 && !was_published) {
		log_info("digest published", "id=%lld slug=%s posts=%lld", (long long)d.id, d.slug,
		    (long long)d.item_count);
		run_published_hook(c, &d);
	}
	if (rc == 0 && send)
		rc = digest_queue(c, id, false, &queued, err);
	digest_clear(&d);
	return rc;
}

int
digest_schedule(struct crier *c, int64_t id, int64_t at, bool send, char **err)
{
	struct digest d;
	int rc;

	*err = NULL;
	memset(&d, 0, sizeof(d));
	if (at <= util_now())
		return fail(err, "that time has passed; publish it now instead");
	pthread_mutex_lock(&c->write_lock);
	rc = load(c, id, &d, err);
	if (rc == 0 && d.status == DIGEST_PUBLISHED)
		rc = fail(err, "it is published already");
	if (rc == 0 && send && find_section(c->cfg, d.section) == NULL)
		rc = fail(err, "it has no [digest NAME] section to send to (crier digest edit --section)");
	if (rc == 0) {
		d.status = DIGEST_SCHEDULED;
		d.scheduled_at = at;
		d.send_on_publish = send;
		d.updated_at = util_now();
		if (store_digest_save(c->store, &d) != 0)
			rc = fail(err, "the digest could not be saved (database error; see the log)");
	}
	pthread_mutex_unlock(&c->write_lock);
	if (rc == 0)
		log_info("digest scheduled", "id=%lld slug=%s at=%lld send=%s", (long long)d.id, d.slug,
		    (long long)at, send ? "yes" : "no");
	digest_clear(&d);
	return rc;
}

int
digest_unpublish(struct crier *c, int64_t id, char **err)
{
	struct digest d;
	int rc;

	*err = NULL;
	memset(&d, 0, sizeof(d));
	pthread_mutex_lock(&c->write_lock);
	rc = load(c, id, &d, err);
	if (rc == 0) {
		bool was_published = d.status == DIGEST_PUBLISHED;
		d.status = DIGEST_DRAFT;
		d.scheduled_at = 0;
		d.send_on_publish = false;
		d.updated_at = util_now();
		if (store_digest_save(c->store, &d) != 0)
			rc = fail(err, "the digest could not be saved (database error; see the log)");
		else if (was_published)
			ping_hub(c);
	}
	pthread_mutex_unlock(&c->write_lock);
	digest_clear(&d);
	return rc;
}

/* ---------------------------------------------------------------- recipients */

void
digest_recipients_free(char **list)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

struct recipients {
	char **list;
	size_t n, cap;
};

/* Adds one address unless it is there already (without case) or not an address. */
static void
recipients_add(struct recipients *r, struct slice s, const char *where)
{
	char *addr;
	size_t i;

	s = slice_trim(s);
	if (s.len == 0 || s.ptr[0] == '#')
		return;
	addr = xstrndup(s.ptr, s.len);
	if (!mail_address_valid(addr)) {
		log_warn("not an email address; skipped", "where=%s address=%s", log_quote(where),
		    log_quote(addr));
		free(addr);
		return;
	}
	for (i = 0; i < r->n; i++) {
		if (strcasecmp(r->list[i], addr) == 0) {
			free(addr);
			return;
		}
	}
	if (r->n + 1 >= r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->list = xrealloc(r->list, r->cap * sizeof(*r->list));
	}
	r->list[r->n++] = addr;
	r->list[r->n] = NULL;
}

char **
digest_recipients(const struct config_section *section, size_t *n_out, char **err)
{
	struct recipients r = { NULL, 0, 0 };
	const char *to = config_section_get(section, "to"), *file = config_section_get(section, "to_file");
	const char *p, *end;
	struct buf data = BUF_INIT;

	*err = NULL;
	for (p = to; p != NULL && *p; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ",");
		recipients_add(&r, (struct slice){ p, (size_t)(end - p) }, "to");
	}
	if (file != NULL) {
		if (util_read_file(file, &data, 64u * 1024 * 1024) == -1) {
			fail(err, "cannot read the list %s: %s", file, strerror(errno));
			buf_free(&data);
			digest_recipients_free(r.list);
			return NULL;
		}
		for (p = buf_str(&data); *p && r.n < DIGEST_RECIPIENTS_MAX; p = *end ? end + 1 : end) {
			end = p + strcspn(p, "\n");
			recipients_add(&r, (struct slice){ p, (size_t)(end - p) }, file);
		}
		buf_free(&data);
	}
	if (r.list == NULL)
		r.list = xcalloc(1, sizeof(*r.list));
	*n_out = r.n;
	return r.list;
}

/* The recipients of a digest's section, without those who left (the lock is held). */
static char **
current_recipients(struct crier *c, const struct digest *d, size_t *n, char **err)
{
	const struct config_section *sec = find_section(c->cfg, d->section);
	char **list;
	size_t i, kept = 0;

	if (sec == NULL) {
		fail(err, d->section == NULL ? "this digest is not part of a [digest NAME] section, so it "
		    "has no recipients (crier digest edit DIGEST --section NAME)" :
		    "its section [digest %s] is no longer in the config", d->section);
		return NULL;
	}
	list = digest_recipients(sec, n, err);
	if (list == NULL)
		return NULL;
	for (i = 0; i < *n; i++) {
		if (store_digest_unsubscribed(c->store, d->section, list[i]) == 1)
			free(list[i]);
		else
			list[kept++] = list[i];
	}
	list[kept] = NULL;
	*n = kept;
	return list;
}

int
digest_queue(struct crier *c, int64_t id, bool force, size_t *queued, char **err)
{
	struct digest_send_counts counts;
	struct digest d;
	char **to = NULL, when[32];
	size_t n = 0;
	int rc;

	*err = NULL;
	*queued = 0;
	memset(&d, 0, sizeof(d));
	pthread_mutex_lock(&c->write_lock);
	rc = load(c, id, &d, err);
	if (rc == 0 && d.status != DIGEST_PUBLISHED)
		rc = fail(err, "it is not published yet (crier digest publish --send sends it as it publishes)");
	if (rc == 0) {
		to = current_recipients(c, &d, &n, err);
		if (to == NULL)
			rc = -1;
		else if (n == 0)
			rc = fail(err, "[digest %s] has no recipients (to = or to_file =)", d.section);
	}
	if (rc == 0 && (c->cfg->smtp_url == NULL || c->cfg->mail_from == NULL))
		rc = fail(err, "there is no %s in [crier] to send email with",
		    c->cfg->smtp_url == NULL ? "smtp_url" : "mail_from");
	if (rc == 0 && store_digest_queue(c->store, id, (const char *const *)to, n, force,
	    util_now()) == -1)
		rc = fail(err, "the email could not be queued (database error; see the log)");
	if (rc == 0 && store_digest_send_counts(c->store, id, &counts) == -1)
		rc = fail(err, "the database could not be read (see the log)");
	pthread_mutex_unlock(&c->write_lock);
	if (rc == 0 && counts.pending == 0) {
		util_rfc3339(counts.last_sent_at, when);
		fail(err, "it went to all %zu recipients already (last at %s); --force sends it again", n,
		    when);
		rc = 1;
	} else if (rc == 0) {
		*queued = (size_t)counts.pending;
		log_info("digest email queued", "id=%lld slug=%s recipients=%zu waiting=%lld force=%s",
		    (long long)id, d.slug, n, (long long)counts.pending, force ? "yes" : "no");
	}
	digest_recipients_free(to);
	digest_clear(&d);
	return rc;
}

/* ---------------------------------------------------------------- delivering */

/* One digest, ready to be sent to each of its recipients. */
struct outgoing {
	int64_t id;                     /* 0: none loaded */
	bool sendable;                  /* published, rendered */
	struct digest d;
	json_t *ctx;
	char *list_id;
	char *from;                     /* the From header */
	char *from_addr;                /* its address, for Message-IDs */
};

static void
outgoing_clear(struct outgoing *o)
{
	digest_clear(&o->d);
	json_decref(o->ctx);
	free(o->list_id);
	free(o->from);
	free(o->from_addr);
	memset(o, 0, sizeof(*o));
}

/* The host of base_url, for List-Id. */
static void
base_host(const char *base_url, struct buf *out)
{
	const char *p = strstr(base_url, "://");

	p = p != NULL ? p + 3 : base_url;
	buf_append(out, p, strcspn(p, "/:"));
}

static void
list_id(const char *site, const char *section, const char *host, struct buf *out)
{
	const char *p;

	for (p = site; *p && (unsigned char)*p >= 32 && (unsigned char)*p < 127; p++)
		;
	if (*p == '\0') {
		buf_putc(out, '"');
		for (p = site; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(out, '\\');
			buf_putc(out, *p);
		}
		buf_printf(out, ": %s digest\" ", section);
	}
	buf_printf(out, "<%s.digests.%s>", section, host);
}

/* Loads and renders digest id for sending (o is cleared first). */
static void
outgoing_load(struct crier *c, struct outgoing *o, int64_t id)
{
	struct buf b = BUF_INIT, display = BUF_INIT, addr = BUF_INIT;
	json_t *items;
	char *err = NULL;

	outgoing_clear(o);
	o->id = id;
	pthread_mutex_lock(&c->write_lock);
	if (load(c, id, &o->d, &err) == 0) {
		items = store_digest_items(c->store, id);
		if (items != NULL)
			o->ctx = digest_render_context(c->cfg, &o->d, items);
		json_decref(items);
	}
	pthread_mutex_unlock(&c->write_lock);
	free(err);
	o->sendable = o->ctx != NULL && o->d.status == DIGEST_PUBLISHED && o->d.section != NULL;
	/* List-Id (RFC 2919): "SITE: SECTION digest" <SECTION.digests.HOST>; the
	 * phrase is left out when it is not plain ASCII (it cannot be encoded there) */
	base_host(c->cfg->base_url, &b);
	list_id(c->cfg->site_title, o->d.section != NULL ? o->d.section : "digest", buf_str(&b), &display);
	o->list_id = buf_steal(&display);
	/* From: the configured address, named after the site when it has no name */
	mail_address_parse(c->cfg->mail_from != NULL ? c->cfg->mail_from : "digest@localhost",
	    &display, &addr);
	buf_reset(&b);
	if (display.len > 0 && c->cfg->mail_from != NULL)
		buf_puts(&b, c->cfg->mail_from);
	else
		buf_printf(&b, "%s <%s>", c->cfg->site_title, buf_str(&addr));
	o->from = buf_steal(&b);
	o->from_addr = buf_steal(&addr);
	buf_free(&display);
	buf_free(&addr);
}

/* One message (or one part of it) for one recipient, appended to msg; 0 or
 * -1 (*err: the theme failed). */
static int
build_message(struct crier *c, const struct outgoing *o, const struct templates *t,
    const unsigned char key[32], const char *rcpt, enum digest_part part, struct buf *msg,
    struct buf *message_id, char **err)
{
	struct buf html = BUF_INIT, text = BUF_INIT, unsub = BUF_INIT, header = BUF_INIT;
	const char *url = NULL;
	struct mail_message m;
	int rc;

	if (o->d.section != NULL) {
		digest_render_unsubscribe_url(c->cfg, key, o->d.section, rcpt, &unsub);
		url = buf_str(&unsub);
		buf_printf(&header, "<%s>", url);
	}
	if (c->cfg->list_unsubscribe != NULL)
		buf_printf(&header, "%s<%s>", header.len > 0 ? ", " : "", c->cfg->list_unsubscribe);
	rc = digest_render_email_html(t, c->cfg, o->ctx, url, &html, err);
	if (rc == 0 && part == DIGEST_PART_HTML) {
		buf_append(msg, html.data, html.len);
	} else if (rc == 0 && part == DIGEST_PART_TEXT) {
		digest_render_text(c->cfg, o->ctx, url, msg);
	} else if (rc == 0) {
		digest_render_text(c->cfg, o->ctx, url, &text);
		buf_reset(message_id);
		mail_message_id(message_id, mail_address_domain(o->from_addr));
		memset(&m, 0, sizeof(m));
		m.from = o->from;
		m.to = rcpt;
		m.subject = o->d.title;
		m.message_id = buf_str(message_id);
		m.date = util_now();
		m.list_id = o->list_id;
		m.list_unsubscribe = header.len > 0 ? buf_str(&header) : NULL;
		m.one_click = url != NULL;
		m.text = buf_str(&text);
		m.html = buf_str(&html);
		mail_write(msg, &m);
	}
	buf_free(&html);
	buf_free(&text);
	buf_free(&unsub);
	buf_free(&header);
	return rc;
}

/* Seconds before try number attempts + 1: 1, 2, 4 ... minutes, at most an hour. */
static int64_t
retry_delay(int64_t attempts)
{
	int64_t d = RETRY_FIRST_S;

	while (attempts-- > 1 && d < RETRY_MAX_S)
		d *= 2;
	return d < RETRY_MAX_S ? d : RETRY_MAX_S;
}

/* Records one attempt and logs it. */
static void
record(struct crier *c, const struct outgoing *o, const char *rcpt, int64_t attempts,
    enum fetch_mail_outcome outcome, const char *error, const char *message_id,
    struct digest_delivery *out)
{
	enum digest_send_status st = SEND_SENT;
	int64_t now = util_now(), next = 0;

	if (outcome == FETCH_MAIL_RETRY && attempts + 1 < DIGEST_SEND_ATTEMPTS) {
		st = SEND_PENDING;
		next = now + retry_delay(attempts + 1);
		out->retry++;
	} else if (outcome != FETCH_MAIL_SENT) {
		st = SEND_FAILED;
		out->failed++;
	} else {
		out->sent++;
	}
	pthread_mutex_lock(&c->write_lock);
	if (store_digest_send_done(c->store, o->id, rcpt, st, error, message_id, next, now) == -1)
		log_error("could not record a digest email", "id=%lld to=%s", (long long)o->id,
		    log_quote(rcpt));
	pthread_mutex_unlock(&c->write_lock);
	if (st == SEND_SENT)
		log_debug("digest email sent", "id=%lld to=%s message_id=%s", (long long)o->id,
		    log_quote(rcpt), log_quote(message_id));
	else
		log_msg(st == SEND_FAILED ? LOG_ERROR : LOG_WARN, st == SEND_FAILED ?
		    "digest email failed; given up" : "digest email failed; will retry",
		    "id=%lld to=%s attempt=%lld error=%s", (long long)o->id, log_quote(rcpt),
		    (long long)(attempts + 1), log_quote(error));
}

/* Marks a due send as not to be sent (unsubscribed, or the digest was unpublished). */
static void
skip(struct crier *c, int64_t id, const char *rcpt, const char *why, struct digest_delivery *out)
{
	pthread_mutex_lock(&c->write_lock);
	store_digest_send_done(c->store, id, rcpt, SEND_FAILED, why, NULL, 0, util_now());
	pthread_mutex_unlock(&c->write_lock);
	out->skipped++;
	log_info("digest email not sent", "id=%lld to=%s reason=%s", (long long)id, log_quote(rcpt),
	    log_quote(why));
}

/* The due sends, and what delivering them needs; false (and *err) when nothing can be sent. */
static bool
delivery_setup(struct crier *c, int64_t id, json_t **due, unsigned char key[32],
    struct templates **t, char **err)
{
	int rc;

	pthread_mutex_lock(&c->write_lock);
	*due = store_digest_sends_due(c->store, id, util_now(), 0);
	rc = store_digest_key(c->store, key);
	pthread_mutex_unlock(&c->write_lock);
	if (*due == NULL || rc == -1) {
		fail(err, "the database could not be read (see the log)");
		return false;
	}
	if (json_array_size(*due) == 0)
		return true;
	if (c->cfg->smtp_url == NULL || c->cfg->mail_from == NULL) {
		fail(err, "email is waiting but there is no %s in [crier] to send it with",
		    c->cfg->smtp_url == NULL ? "smtp_url" : "mail_from");
		return false;
	}
	*t = digest_render_templates(c->cfg, err);
	return *t != NULL;
}

int
digest_deliver(struct crier *c, int64_t id, struct digest_delivery *out, char **err)
{
	struct fetch_mail_config mc;
	struct fetch_mailer *mailer = NULL;
	struct templates *t = NULL;
	struct outgoing o;
	struct buf msg = BUF_INIT, message_id = BUF_INIT, addr = BUF_INIT, display = BUF_INIT;
	unsigned char key[32];
	json_t *due = NULL, *row;
	enum fetch_mail_outcome outcome;
	char *send_err;
	size_t i;
	int rc = -1, left;

	*err = NULL;
	memset(out, 0, sizeof(*out));
	memset(&o, 0, sizeof(o));
	if (!delivery_setup(c, id, &due, key, &t, err))
		goto done;
	rc = 0;
	if (json_array_size(due) == 0)
		goto done;
	mail_address_parse(c->cfg->mail_from, &display, &addr);
	memset(&mc, 0, sizeof(mc));
	mc.url = c->cfg->smtp_url;
	mc.user = c->cfg->smtp_user;
	mc.password = c->cfg->smtp_password;
	mc.starttls = c->cfg->smtp_starttls;
	mc.from = buf_str(&addr);
	mc.timeout_ms = (long)c->cfg->smtp_timeout * 1000;
	mailer = fetch_mail_new(&mc);
	json_array_foreach(due, i, row) {
		const char *rcpt = json_string_value(json_object_get(row, "recipient"));
		int64_t did = json_integer_value(json_object_get(row, "digest_id"));
		int64_t attempts = json_integer_value(json_object_get(row, "attempts"));
		if (did != o.id)
			outgoing_load(c, &o, did);
		if (!o.sendable) {
			skip(c, did, rcpt, "the digest is not published", out);
			continue;
		}
		pthread_mutex_lock(&c->write_lock);
		left = store_digest_unsubscribed(c->store, o.d.section, rcpt);
		pthread_mutex_unlock(&c->write_lock);
		if (left == 1) {
			skip(c, did, rcpt, "unsubscribed", out);
			continue;
		}
		buf_reset(&msg);
		if (build_message(c, &o, t, key, rcpt, DIGEST_PART_MESSAGE, &msg, &message_id, err) == -1) {
			rc = -1;
			break;
		}
		outcome = fetch_mail_send(mailer, rcpt, msg.data, msg.len, &send_err);
		record(c, &o, rcpt, attempts, outcome, send_err, buf_str(&message_id), out);
		free(send_err);
	}
	if (out->sent + out->retry + out->failed + out->skipped > 0)
		log_info("digest email delivered", "sent=%zu retry=%zu failed=%zu skipped=%zu",
		    out->sent, out->retry, out->failed, out->skipped);
done:
	fetch_mail_free(mailer);
	templates_free(t);
	outgoing_clear(&o);
	json_decref(due);
	buf_free(&msg);
	buf_free(&message_id);
	buf_free(&addr);
	buf_free(&display);
	sodium_memzero(key, sizeof(key));
	return rc;
}

int
digest_message(struct crier *c, int64_t id, const char *rcpt, enum digest_part part,
    struct buf *out, char **err)
{
	struct templates *t;
	struct outgoing o;
	struct buf message_id = BUF_INIT;
	unsigned char key[32];
	int rc;

	*err = NULL;
	memset(&o, 0, sizeof(o));
	t = digest_render_templates(c->cfg, err);
	if (t == NULL)
		return -1;
	pthread_mutex_lock(&c->write_lock);
	rc = store_digest_key(c->store, key);
	pthread_mutex_unlock(&c->write_lock);
	outgoing_load(c, &o, id);
	if (rc == -1 || o.ctx == NULL)
		rc = fail(err, "there is no digest %lld, or the database could not be read", (long long)id);
	else
		rc = build_message(c, &o, t, key, rcpt, part, out, &message_id, err);
	outgoing_clear(&o);
	templates_free(t);
	buf_free(&message_id);
	sodium_memzero(key, sizeof(key));
	return rc;
}

int
digest_unsubscribe(struct crier *c, const char *section, const char *address, const char *token)
{
	unsigned char key[32];
	char want[33];
	int rc;

	if (token == NULL || strlen(token) != 32 || !mail_address_valid(address))
		return 1;
	pthread_mutex_lock(&c->write_lock);
	rc = store_digest_key(c->store, key);
	if (rc == 0) {
		digest_render_token(key, section, address, want);
		if (sodium_memcmp(want, token, 32) != 0)
			rc = 1;
		else
			rc = store_digest_unsubscribe(c->store, section, address, util_now());
	}
	pthread_mutex_unlock(&c->write_lock);
	sodium_memzero(key, sizeof(key));
	if (rc == 0)
		log_info("unsubscribed from a digest", "list=%s to=%s", log_quote(section), log_quote(address));
	return rc;
}

/* ---------------------------------------------------------------- the schedule */

/* This week's moment for a "DAY HH:MM" schedule, in local time, as Unix seconds. */
static int64_t
scheduled_moment(int64_t now, int wday, int hour, int minute)
{
	time_t tt = (time_t)now;
	struct tm tm;

	localtime_r(&tt, &tm);
	tm.tm_mday += (wday - 1) - (tm.tm_wday + 6) % 7;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* Replaces {{week}}, {{year}}, {{week_id}} and {{range}} in a title template. */
static void
title_from(const char *template, const char *week, struct buf *out)
{
	json_t *w = digest_render_week(week);
	char num[8], year[8];
	const char *p = template;

	snprintf(year, sizeof(year), "%.4s", week);
	snprintf(num, sizeof(num), "%d", atoi(week + 6));
	while (*p) {
		if (strncmp(p, "{{week}}", 8) == 0) {
			buf_puts(out, num);
			p += 8;
		} else if (strncmp(p, "{{year}}", 8) == 0) {
			buf_puts(out, year);
			p += 8;
		} else if (strncmp(p, "{{week_id}}", 11) == 0) {
			buf_puts(out, week);
			p += 11;
		} else if (strncmp(p, "{{range}}", 9) == 0) {
			buf_puts(out, json_string_value(json_object_get(w, "range")));
			p += 9;
		} else {
			buf_putc(out, *p++);
		}
	}
	json_decref(w);
}

static int
by_time(const void *a, const void *b)
{
	int64_t x = json_integer_value(json_object_get(*(json_t *const *)a, "published_at"));
	int64_t y = json_integer_value(json_object_get(*(json_t *const *)b, "published_at"));

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * The posts a section's draft starts with: the week's posts with its tag
 * and those matching its search (either), the newest max_posts of them,
 * oldest first.  Fills ids (malloc'd).  The lock is held.
 */
static size_t
pick_posts(struct crier *c, const struct config_section *sec, int64_t from, int64_t to,
    int64_t **ids)
{
	const char *tag = config_section_get(sec, "tag"), *search = config_section_get(sec, "search");
	const char *max = config_section_get(sec, "max_posts");
	struct digest_filter f;
	struct buf slug = BUF_INIT;
	json_t *all = json_array(), *seen = json_object(), *list, *p;
	json_t **sorted;
	size_t i, n, limit = max != NULL ? (size_t)atoi(max) : DEFAULT_MAX_POSTS;
	char key[24];
	int pass;

	for (pass = 0; pass < 2; pass++) {
		memset(&f, 0, sizeof(f));
		f.from = from;
		f.to = to;
		f.limit = (int)limit;
		if (pass == 0 && (tag == NULL || !util_slugify(&slug, tag, 64)))
			continue;
		if (pass == 1 && search == NULL)
			continue;
		if (pass == 0)
			f.tag = buf_str(&slug);
		else
			f.search = search;
		list = store_digest_candidates(c->store, &f);
		json_array_foreach(list, i, p) {
			snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(json_object_get(p, "id")));
			if (json_object_get(seen, key) == NULL) {
				json_object_set_new(seen, key, json_true());
				json_array_append(all, p);
			}
		}
		json_decref(list);
	}
	/* the newest `limit`, then oldest first */
	n = json_array_size(all);
	sorted = xcalloc(n + 1, sizeof(*sorted));
	for (i = 0; i < n; i++)
		sorted[i] = json_array_get(all, i);
	qsort(sorted, n, sizeof(*sorted), by_time);
	i = n > limit ? n - limit : 0;
	*ids = xcalloc(n - i + 1, sizeof(**ids));
	for (n = 0; i < json_array_size(all); i++, n++)
		(*ids)[n] = json_integer_value(json_object_get(sorted[i], "id"));
	free(sorted);
	json_decref(all);
	json_decref(seen);
	buf_free(&slug);
	return n;
}

/* The week a section's draft covers at now, and its [from, to). */
static void
covered_week(const struct config_section *sec, int64_t now, char week[16], int64_t *from,
    int64_t *to)
{
	const char *which = config_section_get(sec, "week");
	struct tm monday;

	digest_week_of(now, week);
	if (which != NULL && strcmp(which, "previous") == 0)
		digest_week_of(digest_week_start(week) - 43200, week);
	week_monday(week, &monday);
	*from = local_midnight(&monday, 0);
	*to = local_midnight(&monday, 7);
}

/* Makes the section's draft for the week when due; its id when made (and
 * *n_posts), 0 when not, -1. */
static int64_t
draft_for(struct crier *c, const struct config_section *sec, int64_t now, size_t *n_posts)
{
	const char *intro = config_section_get(sec, "intro"), *tmpl = config_section_get(sec, "title");
	struct buf title = BUF_INIT, slug = BUF_INIT, html = BUF_INIT;
	struct digest d;
	int64_t from, to, id = 0, *ids = NULL;
	int wday, hour, minute, rc;
	char week[16], *err = NULL;
	size_t n = 0;

	if (!config_digest_schedule(config_section_get(sec, "schedule"), &wday, &hour, &minute) ||
	    now < scheduled_moment(now, wday, hour, minute))
		return 0;
	covered_week(sec, now, week, &from, &to);
	pthread_mutex_lock(&c->write_lock);
	rc = store_digest_scheduled(c->store, sec->name, week, &id);
	if (rc == 1) {
		store_index_pending(c->store);
		n = pick_posts(c, sec, from, to, &ids);
	}
	pthread_mutex_unlock(&c->write_lock);
	if (rc != 1)
		return rc == 0 ? 0 : -1;
	title_from(tmpl != NULL ? tmpl : DEFAULT_TITLE, week, &title);
	buf_printf(&html, "%s-%.4s-w%s", sec->name, week, week + 6);
	make_slug(buf_str(&html), &slug);
	if (note_html(c, intro, &html, &err) == -1) {
		log_warn("digest intro not used", "section=%s error=%s", sec->name, log_quote(err));
		free(err);
		buf_reset(&html);
	}
	memset(&d, 0, sizeof(d));
	d.title = buf_steal(&title);
	d.slug = buf_steal(&slug);
	d.week = xstrdup(week);
	d.section = xstrdup(sec->name);
	d.intro = html.len > 0 ? xstrdup(intro) : NULL;
	d.intro_html = html.len > 0 ? buf_steal(&html) : NULL;
	d.from_schedule = true;
	d.created_at = now;
	pthread_mutex_lock(&c->write_lock);
	rc = store_digest_add(c->store, &d, true, ids, n, &id);
	pthread_mutex_unlock(&c->write_lock);
	if (rc == 0)
		log_info("digest drafted", "section=%s week=%s id=%lld slug=%s posts=%zu", sec->name, week,
		    (long long)id, d.slug, n);
	*n_posts = n;
	digest_clear(&d);
	buf_free(&html);
	free(ids);
	return rc == 0 ? id : rc == 2 ? 0 : -1;
}

/* auto_publish: publishes the new draft (unless it found no posts), and
 * sends it when the section has recipients. */
static void
auto_publish(struct crier *c, const struct config_section *sec, int64_t id, size_t n_posts)
{
	const char *ap = config_section_get(sec, "auto_publish");
	bool send = config_section_get(sec, "to") != NULL || config_section_get(sec, "to_file") != NULL;
	char *err = NULL;

	if (ap == NULL || util_parse_bool(ap) != 1)
		return;
	if (n_posts == 0) {
		log_warn("digest not published by itself: it found no posts", "section=%s id=%lld",
		    sec->name, (long long)id);
		return;
	}
	if (digest_publish(c, id, send, &err) != 0) {
		log_error("digest not published", "section=%s id=%lld error=%s", sec->name, (long long)id,
		    log_quote(err));
		free(err);
	}
}

/* Scheduled digests whose time has come. */
static void
publish_due(struct crier *c, int64_t now)
{
	struct digest d;
	json_t *due, *v;
	char *err = NULL;
	size_t i;

	pthread_mutex_lock(&c->write_lock);
	due = store_digests_due(c->store, now);
	pthread_mutex_unlock(&c->write_lock);
	json_array_foreach(due, i, v) {
		int64_t id = json_integer_value(v);
		int found;
		pthread_mutex_lock(&c->write_lock);
		found = store_digest_get(c->store, id, &d);
		pthread_mutex_unlock(&c->write_lock);
		if (found != 0)
			continue;
		if (digest_publish(c, id, d.send_on_publish, &err) != 0) {
			log_error("scheduled digest not published", "id=%lld error=%s", (long long)id,
			    log_quote(err));
			free(err);
			err = NULL;
		}
		digest_clear(&d);
	}
	json_decref(due);
}

int
digest_tick(struct crier *c, int64_t now)
{
	struct digest_delivery dl;
	char *err = NULL;
	int64_t id;
	size_t i, n_posts;
	int made = 0;

	for (i = 0; i < c->cfg->n_digests; i++) {
		const struct config_section *sec = &c->cfg->digests[i];
		if (config_section_get(sec, "schedule") == NULL)
			continue;
		id = draft_for(c, sec, now, &n_posts);
		if (id <= 0)
			continue;
		made++;
		auto_publish(c, sec, id, n_posts);
	}
	publish_due(c, now);
	if (digest_deliver(c, 0, &dl, &err) == -1) {
		log_error("digest email not delivered", "error=%s", log_quote(err));
		free(err);
	}
	return made;
}
