/*
 * digest.h: curated digests: curating, publishing, rendering, emailing,
 * and the weekly schedule that drafts them.
 *
 *   curate (CLI, web) ─▶ store (digests, digest_items)
 *   publish ─▶ store ─▶ [digest_published] ─▶ WebSub ping (outbox)
 *           ─▶ queue the email (one row per recipient)
 *   deliver ─▶ render (digest_render.c) ─▶ mail_write ─▶ fetch_mail_send (SMTP)
 *   schedule (`crier serve` once a minute, `crier digest tick`) ─▶ a draft
 *           per [digest NAME] section and week ─▶ (auto_publish) publish
 *
 * Like pipeline.c for posts, digest.c is the one writer of digests:
 * every change takes c->write_lock around c->store, so it may be called
 * from any thread (the CLI, web handlers, the poller).  Delivering email
 * blocks while it talks to the SMTP server, so web handlers only queue;
 * `crier serve` delivers on its next tick, the CLI at once.
 *
 * Functions that can fail for a reason a person should read return -1
 * (or 1 where they say so) with *err set to a sentence (malloc'd; free it).
 * Weeks are ISO 8601 weeks in the server's local time zone (TZ).
 */
#ifndef CRIER_DIGEST_H
#define CRIER_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "store.h"

struct crier;
struct config;
struct config_section;
struct templates;

#define DIGEST_TITLE_MAX 200            /* bytes of a title */
#define DIGEST_NOTE_MAX (16u * 1024)    /* bytes of an intro or a note (Markdown) */
#define DIGEST_MAX_ITEMS 200            /* posts in one digest */
#define DIGEST_RECIPIENTS_MAX 100000    /* addresses in one section's list */

/* ---------------------------------------------------------------- weeks */

/* The ISO week ("2026-W42") of t in local time. */
void digest_week_of(int64_t t, char out[16]);
/* Is s an ISO week ("2026-W42", week 53 only in years that have one)? */
bool digest_week_valid(const char *s);
/* Local Monday 00:00 of an ISO week, Unix seconds; -1 when s is not a week. */
int64_t digest_week_start(const char *week);

/* ---------------------------------------------------------------- curating */

/* A digest or its slug: "12" or "weeknotes-2026-w42".  0 (out filled), 1 none, -1. */
int digest_lookup(struct crier *c, const char *ref, struct digest *out);

struct digest_draft {
	const char *title;              /* required */
	const char *slug;               /* or NULL: from the title (made unique) */
	const char *week;               /* or NULL: this week */
	const char *intro;              /* Markdown, or NULL */
	const char *section;            /* the [digest NAME] it is sent with, or NULL */
};

/* Makes a draft.  0 and *id_out, or -1. */
int digest_create(struct crier *c, const struct digest_draft *d, int64_t *id_out, char **err);

/* Changes a digest's fields; NULL leaves one as it is ("" removes an
 * intro or a section).  0 or -1. */
int digest_edit(struct crier *c, int64_t id, const struct digest_draft *changes, char **err);

/* Adds a post (at the end), or changes its note when it is there.  0 or -1. */
int digest_add(struct crier *c, int64_t id, int64_t post_id, const char *note, char **err);
/* Takes a post out.  0 or -1. */
int digest_remove(struct crier *c, int64_t id, int64_t post_id, char **err);
/* Moves a post to position (1 is first).  0 or -1. */
int digest_move(struct crier *c, int64_t id, int64_t post_id, int position, char **err);

/* ---------------------------------------------------------------- publishing */

/*
 * Publishes a digest now: its page and feed entry appear, the WebSub hub
 * is told about the digest feeds, digest_published runs, and with send
 * its email is queued (see digest_queue).  Publishing again keeps the
 * first publication date.  0, or -1.
 */
int digest_publish(struct crier *c, int64_t id, bool send, char **err);

/* Publishes it by itself at `at` (the next tick after it); with send it
 * emails itself then.  0, or -1 (a time in the past, say). */
int digest_schedule(struct crier *c, int64_t id, int64_t at, bool send, char **err);

/* Back to draft: off the pages and feeds (the email, once sent, is not
 * unsent).  0 or -1. */
int digest_unpublish(struct crier *c, int64_t id, char **err);

/* ---------------------------------------------------------------- email */

/*
 * The recipients of section: its `to` addresses and its `to_file` lines
 * (blank lines and # comments skipped), in that order, duplicates
 * dropped (without case), invalid addresses logged and skipped.  A
 * NULL-terminated array (free with digest_recipients_free), or NULL with
 * *err.
 */
char **digest_recipients(const struct config_section *section, size_t *n_out, char **err);
void digest_recipients_free(char **list);

/*
 * Queues a published digest's email for its section's recipients (minus
 * those who unsubscribed): everyone without a row, and again those whose
 * send failed.  When every recipient has it already, returns 1 (refused,
 * *err says when it went) unless force, which sends to everyone again.
 * 0 with *queued (how many are now waiting), 1, or -1.
 */
int digest_queue(struct crier *c, int64_t id, bool force, size_t *queued, char **err);

struct digest_delivery {
	size_t sent;
	size_t retry;                   /* failed for now; tried again later */
	size_t failed;                  /* given up: rejected, or too many tries */
	size_t skipped;                 /* unsubscribed since it was queued */
};

/*
 * Sends what is due (of one digest, or of every one when id is 0) over
 * one SMTP connection.  A recipient that fails for now is tried again
 * after 1, 2, 4 ... minutes (at most an hour), DIGEST_SEND_ATTEMPTS times
 * in all; one the server rejects for good (5xx) is failed at once.  Every
 * outcome is recorded and logged.  0 (see *out), or -1 when nothing could
 * be tried (no SMTP server configured, the theme could not render).
 */
#define DIGEST_SEND_ATTEMPTS 10
int digest_deliver(struct crier *c, int64_t id, struct digest_delivery *out, char **err);

/*
 * What one recipient gets, for previews (`crier digest show`): the whole
 * message, or its HTML or text part, appended to out.  Works for drafts
 * too.  0, or -1 with *err.
 */
enum digest_part { DIGEST_PART_MESSAGE = 0, DIGEST_PART_HTML, DIGEST_PART_TEXT };
int digest_message(struct crier *c, int64_t id, const char *rcpt, enum digest_part part,
    struct buf *out, char **err);

/*
 * Records a one-click unsubscribe, after checking its token.  0, 1 the
 * token is wrong, -1.
 */
int digest_unsubscribe(struct crier *c, const char *section, const char *address,
    const char *token);

/* ---------------------------------------------------------------- the schedule */

/*
 * One run of the schedule at now: for each [digest NAME] with a schedule
 * whose time this week has come, makes that week's draft unless it
 * exists (exactly one per section and week, whatever restarts or
 * repeated ticks happen), publishing it at once with auto_publish; then
 * publishes scheduled digests that are due, and delivers email that is
 * due.  Returns the number of drafts made.
 */
int digest_tick(struct crier *c, int64_t now);

/* ---------------------------------------------------------------- rendering (digest_render.c) */

/*
 * The template context of a digest (themes/README.md, "digest"): its
 * fields, week, intro, and items with their posts, links absolute.
 * items is store_digest_items()'s list (borrowed).  The caller owns the
 * result.
 */
json_t *digest_render_context(const struct config *cfg, const struct digest *d, const json_t *items);

/* The items of the context for any list of posts (the store.h shape):
 * [{ id, position, is_first, is_last, title, link, permalink, source_name,
 *    author, published, excerpt, has_excerpt, note, note_html, has_note }]. */
json_t *digest_render_items(const struct config *cfg, const json_t *posts);

/* { id, label "Week 42, 2026", range "12 to 18 October 2026" } of an ISO week. */
json_t *digest_render_week(const char *week);

/* The theme (cfg->theme over default) for rendering outside the web server. */
struct templates *digest_render_templates(const struct config *cfg, char **err);

/*
 * The email's two parts for one digest context and one recipient's
 * unsubscribe_url (NULL: none, as in a preview without a list).  The
 * HTML part is the theme's digest-email template with { site, digest,
 * email: { unsubscribe_url } }.  0, or -1 with *err when it fails.
 */
int digest_render_email_html(const struct templates *t, const struct config *cfg, const json_t *ctx,
    const char *unsubscribe_url, struct buf *out, char **err);
void digest_render_text(const struct config *cfg, const json_t *ctx, const char *unsubscribe_url,
    struct buf *out);

/* The HTML a digest's feed entry carries (the digest-body partial). */
int digest_render_body(const struct templates *t, const json_t *ctx, struct buf *out, char **err);

/*
 * The signed one-click unsubscribe link for address on section's list:
 * base_url + "digests/unsubscribe?list=...&email=...&token=...".
 * digest_render_token() is its 32-hex-digit token (key: store_digest_key).
 */
void digest_render_token(const unsigned char key[32], const char *section, const char *address,
    char out[33]);
void digest_render_unsubscribe_url(const struct config *cfg, const unsigned char key[32],
    const char *section, const char *address, struct buf *out);

#endif
