/*
 * micropub.h: the request-decoding half of the W3C Micropub endpoint
 * (https://www.w3.org/TR/micropub/), without any I/O.
 *
 *   POST body (form-encoded, multipart/form-data or JSON)
 *     ─▶ micropub_decode() ─▶ struct micropub_request: one microformats2
 *        shape for all three encodings ({name: [values]} properties,
 *        mp-* commands, the update operations, file parts)
 *     ─▶ micropub_update_apply() (updates: replace / add / delete on the
 *        stored properties)
 *     ─▶ micropub_entry() ─▶ struct publish_request for pipeline_publish()
 *
 * http_micropub.c does the HTTP around it: tokens, scopes, the store,
 * media, queries.  Everything here is pure so it can be unit-tested and
 * fuzzed: hostile input gives a struct micropub_error (an HTTP status,
 * an OAuth-style error code and a sentence), never a crash.
 *
 * Form-encoded and multipart names follow the Micropub conventions:
 * "category[]" and "category[0]" append to category, "content[html]"
 * and "photo[value]"/"photo[alt]" build an object value, "h=entry" is the
 * type, "access_token" is taken out (it never reaches the properties),
 * "action"/"url" name an update, delete or undelete, and "mp-*" names
 * are commands, not properties.
 */
#ifndef CRIER_MICROPUB_H
#define CRIER_MICROPUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"

struct publish_request;

/* Caps on a decoded request (caps.h holds the byte caps). */
#define MICROPUB_MAX_FIELDS      1000     /* form pairs or multipart parts */
#define MICROPUB_MAX_PART_HEADER (8u * 1024)
#define MICROPUB_MAX_PHOTOS      20
#define MICROPUB_MAX_CATEGORIES  50
#define MICROPUB_MAX_SLUG_BYTES  200
#define MICROPUB_TEXT_BODY_BYTES (1024u * 1024)   /* form and JSON bodies; multipart may carry files */

/* What went wrong with a request, ready to send as
 * {"error": error, "error_description": description}. */
struct micropub_error {
	unsigned status;                /* 400, 401, 403, 413, 415, 500 */
	const char *error;              /* "invalid_request", ... (static) */
	char description[256];
};

/* Fills err and returns -1, for `return micropub_fail(err, 400, ...)`. */
int micropub_fail(struct micropub_error *err, unsigned status, const char *error,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

enum micropub_action {
	MICROPUB_CREATE = 0,
	MICROPUB_UPDATE,
	MICROPUB_DELETE,
	MICROPUB_UNDELETE,
};

/* One multipart part that carried a file (it had a filename). */
struct micropub_file {
	const char *property;           /* the part's name without "[]": "photo", "file" */
	const char *filename;
	const char *content_type;       /* as the client said, or NULL */
	const char *data;               /* borrowed from the request body */
	size_t len;
};

/*
 * A decoded request.  Strings live in `arena`; the json_t values are
 * owned (micropub_request_clear() releases everything).  `data` of the
 * files points into the body given to micropub_decode(), which must
 * outlive the request.
 */
struct micropub_request {
	struct arena *arena;
	enum micropub_action action;
	const char *type;               /* "h-entry" (the default), "h-event", ... */
	const char *url;                /* update/delete/undelete: the post's URL */
	const char *access_token;       /* from the body, or NULL */
	json_t *properties;             /* create: {name: [value, ...]} */
	json_t *commands;               /* create: {"mp-slug": [...], ...} */
	json_t *replace;                /* update: {name: [values]} or NULL */
	json_t *add;                    /* update: {name: [values]} or NULL */
	json_t *remove;                 /* update "delete": [names] or {name: [values]}, or NULL */
	struct micropub_file *files;
	size_t n_files;
};

void micropub_request_clear(struct micropub_request *rq);

/*
 * Decodes a POST body by its Content-Type (application/x-www-form-
 * urlencoded, multipart/form-data or application/json; parameters such
 * as charset are allowed).  0 and *out filled, or -1 with err set (415
 * for other types, 413 for a form or JSON body over
 * MICROPUB_TEXT_BODY_BYTES, else 400) and *out cleared.
 */
int micropub_decode(const char *content_type, const char *body, size_t len,
    struct micropub_request *out, struct micropub_error *err);

/* One part of a multipart/form-data body (strings in the parser's arena). */
struct multipart_part {
	const char *name;
	const char *filename;           /* NULL for a plain field */
	const char *content_type;       /* NULL when the part has none */
	const char *data;               /* borrowed from the body */
	size_t len;
};

/*
 * The boundary parameter of a multipart Content-Type, into out (at most
 * 70 characters, RFC 2046).  false when there is none or it is invalid.
 */
bool micropub_boundary(const char *content_type, char *out, size_t n);

/*
 * Splits a multipart/form-data body (RFC 7578; CRLF line ends) into
 * parts, allocated in a.  0 with *parts and *n set, or -1 with *why set
 * to a static sentence (no first boundary, a part without a name or
 * headers, no closing boundary, too many parts).
 */
int micropub_multipart_parse(const char *body, size_t len, const char *boundary, struct arena *a,
    struct multipart_part **parts, size_t *n, const char **why);

/*
 * Applies an update's replace, add and delete to properties (a JSON
 * object of arrays, changed in place).  mp-* names in replace/add go to
 * commands instead.  0, or -1 with err (invalid shapes).
 */
int micropub_update_apply(json_t *properties, json_t *commands, const struct micropub_request *rq,
    struct micropub_error *err);

/*
 * What pipeline_publish() needs from an h-entry's properties and
 * commands: name, content (a string is Markdown, {"html"} HTML,
 * {"value"} text), summary, category, published, photo (URLs or
 * {value, alt}, with mp-photo-alt filling missing alts), post-status and
 * mp-slug.  Strings are copied into a; other properties are left for
 * q=source.  0, or -1 with err: an invalid date, a photo that is not an
 * http(s) URL, a bad slug, post-status other than published/draft, too
 * many photos or categories, content over MARKDOWN_MAX_BYTES (413), or
 * nothing to publish when require_content is set.  Only the fields
 * above are written to out; the caller zeroes it first.
 */
int micropub_entry(const json_t *properties, const json_t *commands, bool require_content,
    struct arena *a, struct publish_request *out, struct micropub_error *err);

/*
 * An ISO 8601 / RFC 3339 date-time as Micropub's published takes it:
 * YYYY-MM-DD, then 'T' or ' ' and HH:MM[:SS[.frac]], then Z, ±hh:mm,
 * ±hhmm, ±hh or nothing (UTC).  A date alone is midnight UTC.  Every
 * field is range-checked (no 30 February).  true and *out (UTC seconds).
 */
bool micropub_parse_date(const char *s, int64_t *out);

/* mp-slug: no '/', '\\', "..", control characters, at most
 * MICROPUB_MAX_SLUG_BYTES, and something left after util_slugify(). */
bool micropub_slug_ok(const char *slug);

/*
 * Sniffs an image by its magic bytes: JPEG, PNG, GIF or WebP.  The
 * static MIME type ("image/jpeg", ...) and extension ("jpg", ...), or
 * NULL when it is none of them.
 */
const char *micropub_image_type(const void *data, size_t len, const char **ext);

/*
 * The id of a post from its URL: base_url + "post/ID" or "post/ID-SLUG"
 * (also accepted: the path alone, "/post/ID-SLUG"; a query or fragment
 * is ignored).  false for any other URL.
 */
bool micropub_post_id(const char *base_url, const char *url, int64_t *id);

/* The scope names tokens carry, in order: create, update, delete, media. */
extern const char *const micropub_scopes[4];

/* Does a space-separated scope list hold scope? */
bool micropub_has_scope(const char *scopes, const char *scope);

#endif
