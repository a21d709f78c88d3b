/*
 * micropub.c: Micropub requests decoded into one microformats2 shape,
 * and that shape turned into a publish request (see micropub.h).
 *
 * Sits between http_micropub.c (which has the body, the token and the
 * store) and pipeline_publish().  No I/O and no globals: every input is
 * untrusted and every failure is a struct micropub_error.
 */
#include "micropub.h"
#include "caps.h"
#include "markdown.h"
#include "pipeline.h"
#include "url.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const char *const micropub_scopes[4] = { "create", "update", "delete", "media" };

int
micropub_fail(struct micropub_error *err, unsigned status, const char *error, const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	err->error = error;
	va_start(ap, fmt);
	vsnprintf(err->description, sizeof(err->description), fmt, ap);
	va_end(ap);
	return -1;
}

#define BAD(err, ...) micropub_fail((err), 400, "invalid_request", __VA_ARGS__)

void
micropub_request_clear(struct micropub_request *rq)
{
	json_decref(rq->properties);
	json_decref(rq->commands);
	json_decref(rq->replace);
	json_decref(rq->add);
	json_decref(rq->remove);
	arena_free(rq->arena);
	memset(rq, 0, sizeof(*rq));
}

/* ---------------------------------------------------------------- fields */

/* Appends value to the array obj[name], making it when missing. */
static void
append_value(json_t *obj, const char *name, json_t *value)
{
	json_t *arr = json_object_get(obj, name);

	if (!json_is_array(arr)) {
		arr = json_array();
		json_object_set_new(obj, name, arr);
	}
	json_array_append_new(arr, value);
}

/*
 * "name[key]=value": sets key in the last object of obj[name] when it
 * does not have one yet, else starts a new object.  This is how
 * content[html] and photo[value] + photo[alt] arrive in forms.
 */
static void
set_member(json_t *obj, const char *name, const char *key, json_t *value)
{
	json_t *arr = json_object_get(obj, name), *last;

	last = json_is_array(arr) ? json_array_get(arr, json_array_size(arr) - 1) : NULL;
	if (json_is_object(last) && json_object_get(last, key) == NULL) {
		json_object_set_new(last, key, value);
		return;
	}
	append_value(obj, name, json_pack("{s:o}", key, value));
}

static bool
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return true;
}

/*
 * Splits a form name into its base and what the brackets hold:
 * "category[]" and "category[3]" give key NULL (append), "content[html]"
 * gives key "html"; names with other brackets are taken literally.
 */
static void
split_name(struct arena *a, const char *name, const char **base, const char **key)
{
	const char *open = strchr(name, '['), *close;
	size_t n = strlen(name);

	*base = name;
	*key = NULL;
	if (open == NULL || open == name || name[n - 1] != ']')
		return;
	close = name + n - 1;
	if (memchr(open + 1, '[', (size_t)(close - open - 1)) != NULL ||
	    memchr(open + 1, ']', (size_t)(close - open - 1)) != NULL)
		return;
	*base = arena_strndup(a, name, (size_t)(open - name));
	if (close > open + 1 && !all_digits(open + 1, (size_t)(close - open - 1)))
		*key = arena_strndup(a, open + 1, (size_t)(close - open - 1));
}

static int
set_action(struct micropub_request *rq, const char *value, struct micropub_error *err)
{
	static const struct { const char *name; enum micropub_action action; } actions[] = {
		{ "create", MICROPUB_CREATE }, { "delete", MICROPUB_DELETE },
		{ "undelete", MICROPUB_UNDELETE }, { "update", MICROPUB_UPDATE },
	};
	size_t i;

	for (i = 0; i < NELEM(actions); i++) {
		if (strcmp(value, actions[i].name) == 0) {
			rq->action = actions[i].action;
			return 0;
		}
	}
	return BAD(err, "unknown action \"%.40s\" (this endpoint knows update, delete and undelete)",
	    value);
}

static int
set_token(struct micropub_request *rq, const char *value, struct micropub_error *err)
{
	if (rq->access_token != NULL && strcmp(rq->access_token, value) != 0)
		return BAD(err, "the body holds two different access tokens");
	rq->access_token = arena_strdup(rq->arena, value);
	return 0;
}

/* Adds one name=value pair of a form or a multipart text part (value
 * need not be NUL-terminated). */
static int
add_field(struct micropub_request *rq, const char *name, const char *data, size_t len,
    struct micropub_error *err)
{
	const char *base, *key, *value;
	json_t *v;

	if (memchr(data, '\0', len) != NULL || !util_utf8_valid(data, len))
		return BAD(err, "the value of \"%.40s\" is not UTF-8 text", name);
	if (!util_utf8_valid(name, strlen(name)))
		return BAD(err, "a field name is not UTF-8 text");
	value = arena_strndup(rq->arena, data, len);
	split_name(rq->arena, name, &base, &key);
	if (key == NULL && strcmp(base, "access_token") == 0)
		return set_token(rq, value, err);
	if (key == NULL && strcmp(base, "h") == 0) {
		rq->type = arena_printf(rq->arena, "h-%s", value);
		return 0;
	}
	if (key == NULL && strcmp(base, "action") == 0)
		return set_action(rq, value, err);
	if (key == NULL && strcmp(base, "url") == 0) {
		rq->url = arena_strdup(rq->arena, value);
		return 0;
	}
	v = json_stringn(value, len);
	if (strncmp(base, "mp-", 3) == 0)
		append_value(rq->commands, base, v);
	else if (key != NULL)
		set_member(rq->properties, base, key, v);
	else
		append_value(rq->properties, base, v);
	return 0;
}

/* ---------------------------------------------------------------- form-encoded */

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes one form component ('+' is a space; a '%' not followed by two
 * hex digits stays as it is). */
static void
form_unescape(struct buf *out, const char *s, size_t n)
{
	size_t i;

	buf_reset(out);
	buf_reserve(out, n);
	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			buf_putc(out, ' ');
		} else if (s[i] == '%' && i + 2 < n && hex_value(s[i + 1]) >= 0 &&
		    hex_value(s[i + 2]) >= 0) {
			buf_putc(out, (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
			i += 2;
		} else {
			buf_putc(out, s[i]);
		}
	}
}

static int
decode_form(const char *body, size_t len, struct micropub_request *rq, struct micropub_error *err)
{
	struct buf name = BUF_INIT, value = BUF_INIT;
	const char *p = body, *end = body + len, *amp, *eq;
	size_t fields = 0;
	int rc = 0;

	while (p < end && rc == 0) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL)
			eq = amp;
		if (eq > p) {
			if (++fields > MICROPUB_MAX_FIELDS) {
				rc = BAD(err, "the form has more than %u fields", MICROPUB_MAX_FIELDS);
				break;
			}
			form_unescape(&name, p, (size_t)(eq - p));
			form_unescape(&value, eq < amp ? eq + 1 : amp, eq < amp ? (size_t)(amp - eq - 1) : 0);
			if (memchr(buf_str(&name), '\0', name.len) != NULL)
				rc = BAD(err, "a field name holds a NUL byte");
			else
				rc = add_field(rq, buf_str(&name), buf_str(&value), value.len, err);
		}
		p = amp + 1;
	}
	buf_free(&name);
	buf_free(&value);
	return rc;
}

/* ---------------------------------------------------------------- multipart */

/* RFC 2046 bchars, less the space (which may not end a boundary anyway). */
static bool
is_bchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    strchr("'()+_,-./:=? ", c) != NULL;
}

/*
 * The value of parameter `param` in a header value such as
 * `form-data; name="x"` or `multipart/form-data; boundary=y`, unquoted
 * into out.  Parameter names are case-insensitive; quoted strings may
 * hold backslash escapes.  false when absent, empty or too long.
 */
static bool
header_param(const char *value, size_t len, const char *param, char *out, size_t n)
{
	const char *p = value, *end = value + len;
	size_t plen = strlen(param), k;
	bool quoted;

	/* skip the main value */
	while (p < end && *p != ';')
		p++;
	while (p < end) {
		p++;                                    /* the ';' */
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		quoted = false;
		k = 0;
		if ((size_t)(end - p) > plen && strncasecmp(p, param, plen) == 0 && p[plen] == '=') {
			p += plen + 1;
			if (p < end && *p == '"') {
				quoted = true;
				p++;
			}
			while (p < end && (quoted ? *p != '"' : (*p != ';' && *p != ' ' && *p != '\t'))) {
				if (quoted && *p == '\\' && p + 1 < end)
					p++;
				if (k + 1 >= n)
					return false;
				out[k++] = *p++;
			}
			if (quoted && (p >= end || *p != '"'))
				return false;
			out[k] = '\0';
			return k > 0;
		}
		/* skip this parameter, quotes included */
		while (p < end && *p != ';') {
			if (*p == '"') {
				for (p++; p < end && *p != '"'; p++) {
					if (*p == '\\' && p + 1 < end)
						p++;
				}
			}
			if (p < end)
				p++;
		}
	}
	return false;
}

bool
micropub_boundary(const char *content_type, char *out, size_t n)
{
	size_t i, len;

	if (content_type == NULL || n < 71)
		return false;
	if (!header_param(content_type, strlen(content_type), "boundary", out, 71))
		return false;
	len = strlen(out);
	for (i = 0; i < len; i++) {
		if (!is_bchar(out[i]))
			return false;
	}
	return out[len - 1] != ' ';
}

/* Parses one part's header block [h, h+len): Content-Disposition and Content-Type. */
static int
part_headers(const char *h, size_t len, struct arena *a, struct multipart_part *part,
    const char **why)
{
	const char *p = h, *end = h + len, *eol, *colon, *v;
	char param[1024];
	bool form_data = false;

	while (p < end) {
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (eol == NULL)
			eol = end;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon == NULL) {
			*why = "a part header line has no colon";
			return -1;
		}
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		if ((size_t)(colon - p) == 19 && strncasecmp(p, "Content-Disposition", 19) == 0) {
			form_data = (size_t)(eol - v) >= 9 && strncasecmp(v, "form-data", 9) == 0;
			if (header_param(v, (size_t)(eol - v), "name", param, sizeof(param)))
				part->name = arena_strdup(a, param);
			if (header_param(v, (size_t)(eol - v), "filename", param, sizeof(param)))
				part->filename = arena_strdup(a, param);
			else if (memmem(v, (size_t)(eol - v), "filename=\"\"", 11) != NULL)
				part->filename = "";
		} else if ((size_t)(colon - p) == 12 && strncasecmp(p, "Content-Type", 12) == 0) {
			part->content_type = arena_strndup(a, v, (size_t)(eol - v));
		}
		p = eol + 2;
	}
	if (!form_data || part->name == NULL) {
		*why = "a part has no Content-Disposition: form-data with a name";
		return -1;
	}
	return 0;
}

/*
 * Reads the part that starts at *pos (just after a boundary), into part;
 * moves *pos past the next boundary.  1 at the closing boundary, 0 for a
 * part, -1 with *why.
 */
static int
next_part(const char **pos, const char *end, const char *delim, size_t dlen, struct arena *a,
    struct multipart_part *part, const char **why)
{
	const char *p = *pos, *data, *next, *hend;

	if (end - p >= 2 && p[0] == '-' && p[1] == '-')
		return 1;                               /* the closing boundary */
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
		*why = "a boundary line is not followed by CRLF (or the body is cut short)";
		return -1;
	}
	p += 2;
	memset(part, 0, sizeof(*part));
	if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
		hend = p;                               /* no headers at all */
		data = p + 2;
	} else {
		hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (hend == NULL || (size_t)(hend - p) > MICROPUB_MAX_PART_HEADER) {
			*why = "a part's headers do not end (or are too long)";
			return -1;
		}
		data = hend + 4;
	}
	if (part_headers(p, (size_t)(hend - p), a, part, why) == -1)
		return -1;
	next = memmem(data, (size_t)(end - data), delim, dlen);
	if (next == NULL) {
		*why = "the body has no closing boundary";
		return -1;
	}
	part->data = data;
	part->len = (size_t)(next - data);
	*pos = next + dlen;
	return 0;
}

int
micropub_multipart_parse(const char *body, size_t len, const char *boundary, struct arena *a,
    struct multipart_part **parts, size_t *n, const char **why)
{
	const char *end = body + len, *pos;
	struct multipart_part *list = NULL, part;
	size_t dlen, count = 0;
	char delim[80];
	int rc;

	*parts = NULL;
	*n = 0;
	dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	if (dlen >= sizeof(delim) || dlen <= 4) {
		*why = "the boundary is not valid";
		return -1;
	}
	/* the first boundary line starts the body or follows a preamble line */
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0) {
		pos = body + dlen - 2;
	} else {
		pos = memmem(body, len, delim, dlen);
		if (pos == NULL) {
			*why = "the body does not contain its boundary";
			return -1;
		}
		pos += dlen;
	}
	for (;;) {
		rc = next_part(&pos, end, delim, dlen, a, &part, why);
		if (rc != 0)
			break;
		if (count == MICROPUB_MAX_FIELDS) {
			*why = "the body has too many parts";
			rc = -1;
			break;
		}
		list = xrealloc(list, (count + 1) * sizeof(*list));
		list[count++] = part;
	}
	if (rc == 1) {
		*parts = arena_alloc(a, (count + 1) * sizeof(**parts));
		if (count > 0)
			memcpy(*parts, list, count * sizeof(*list));
		*n = count;
	}
	free(list);
	return rc == 1 ? 0 : -1;
}

static int
decode_multipart(const char *content_type, const char *body, size_t len,
    struct micropub_request *rq, struct micropub_error *err)
{
	struct multipart_part *parts;
	const char *why, *base, *key;
	char boundary[80];
	size_t n, i, nf = 0;

	if (!micropub_boundary(content_type, boundary, sizeof(boundary)))
		return BAD(err, "a multipart/form-data body needs a valid boundary parameter");
	if (micropub_multipart_parse(body, len, boundary, rq->arena, &parts, &n, &why) == -1)
		return BAD(err, "the multipart body is malformed: %s", why);
	rq->files = arena_alloc(rq->arena, (n + 1) * sizeof(*rq->files));
	for (i = 0; i < n; i++) {
		if (parts[i].filename == NULL) {
			if (add_field(rq, parts[i].name, parts[i].data, parts[i].len, err) == -1)
				return -1;
			continue;
		}
		if (parts[i].filename[0] == '\0' && parts[i].len == 0)
			continue;                       /* an empty file input */
		split_name(rq->arena, parts[i].name, &base, &key);
		rq->files[nf].property = key == NULL ? base : parts[i].name;
		rq->files[nf].filename = parts[i].filename;
		rq->files[nf].content_type = parts[i].content_type;
		rq->files[nf].data = parts[i].data;
		rq->files[nf].len = parts[i].len;
		nf++;
	}
	rq->n_files = nf;
	return 0;
}

/* ---------------------------------------------------------------- JSON */

/* Is every member of obj an array (as Micropub's JSON requires)? */
static const char *
non_array_member(const json_t *obj)
{
	const char *k;
	const json_t *v;

	json_object_foreach((json_t *)(uintptr_t)obj, k, v) {
		if (!json_is_array(v))
			return k;
	}
	return NULL;
}

static int
json_update_ops(const json_t *root, struct micropub_request *rq, struct micropub_error *err)
{
	json_t *replace = json_object_get(root, "replace"), *add = json_object_get(root, "add");
	json_t *del = json_object_get(root, "delete"), *v;
	size_t i;

	if (replace == NULL && add == NULL && del == NULL)
		return BAD(err, "an update needs replace, add or delete");
	if (replace != NULL && (!json_is_object(replace) || non_array_member(replace) != NULL))
		return BAD(err, "replace must be an object whose values are arrays");
	if (add != NULL && (!json_is_object(add) || non_array_member(add) != NULL))
		return BAD(err, "add must be an object whose values are arrays");
	if (del != NULL && json_is_array(del)) {
		json_array_foreach(del, i, v) {
			if (!json_is_string(v))
				return BAD(err, "delete must list property names, or be an object of arrays");
		}
	} else if (del != NULL && (!json_is_object(del) || non_array_member(del) != NULL)) {
		return BAD(err, "delete must list property names, or be an object of arrays");
	}
	rq->replace = json_incref(replace);
	rq->add = json_incref(add);
	rq->remove = json_incref(del);
	return 0;
}

static int
json_action(const json_t *root, struct micropub_request *rq, struct micropub_error *err)
{
	const json_t *action = json_object_get(root, "action"), *url = json_object_get(root, "url");

	if (!json_is_string(action))
		return BAD(err, "action must be a string");
	if (set_action(rq, json_string_value(action), err) == -1)
		return -1;
	if (rq->action == MICROPUB_CREATE)
		return BAD(err, "a JSON create has no action: send type and properties");
	if (!json_is_string(url) || *json_string_value(url) == '\0')
		return BAD(err, "%s needs the post's url", json_string_value(action));
	rq->url = arena_strdup(rq->arena, json_string_value(url));
	return rq->action == MICROPUB_UPDATE ? json_update_ops(root, rq, err) : 0;
}

static int
json_create(const json_t *root, struct micropub_request *rq, struct micropub_error *err)
{
	const json_t *type = json_object_get(root, "type"), *props = json_object_get(root, "properties");
	const char *k;
	json_t *v;

	if (type != NULL) {
		if (!json_is_array(type) || !json_is_string(json_array_get(type, 0)))
			return BAD(err, "type must be an array such as [\"h-entry\"]");
		rq->type = arena_strdup(rq->arena, json_string_value(json_array_get(type, 0)));
	}
	if (!json_is_object(props))
		return BAD(err, "a JSON create needs a properties object");
	json_object_foreach((json_t *)(uintptr_t)props, k, v) {
		if (!json_is_array(v))
			return BAD(err, "property \"%.40s\" must be an array of values", k);
		if (strcmp(k, "access_token") == 0)
			continue;                       /* never kept with the post */
		json_object_set(strncmp(k, "mp-", 3) == 0 ? rq->commands : rq->properties, k, v);
	}
	return 0;
}

static int
decode_json(const char *body, size_t len, struct micropub_request *rq, struct micropub_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(body, len, 0, &jerr);
	int rc;

	if (root == NULL)
		return BAD(err, "the JSON body is malformed: %s (line %d, column %d)", jerr.text,
		    jerr.line, jerr.column);
	if (!json_is_object(root))
		rc = BAD(err, "the JSON body must be an object");
	else if (json_object_get(root, "action") != NULL)
		rc = json_action(root, rq, err);
	else
		rc = json_create(root, rq, err);
	json_decref(root);
	return rc;
}

/* ---------------------------------------------------------------- decode */

/* Does content_type name type (ignoring case and parameters)? */
static bool
media_type_is(const char *content_type, const char *type)
{
	size_t n = strlen(type);

	while (*content_type == ' ')
		content_type++;
	return strncasecmp(content_type, type, n) == 0 &&
	    (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

int
micropub_decode(const char *content_type, const char *body, size_t len,
    struct micropub_request *out, struct micropub_error *err)
{
	bool form, multipart, json;
	int rc;

	memset(out, 0, sizeof(*out));
	out->arena = arena_new();
	out->properties = json_object();
	out->commands = json_object();
	if (content_type == NULL)
		content_type = "";
	form = media_type_is(content_type, "application/x-www-form-urlencoded");
	multipart = media_type_is(content_type, "multipart/form-data");
	json = media_type_is(content_type, "application/json");
	if (!form && !multipart && !json) {
		rc = micropub_fail(err, 415, "invalid_request", "send application/x-www-form-urlencoded, "
		    "multipart/form-data or application/json (not \"%.60s\")", content_type);
	} else if (!multipart && len > MICROPUB_TEXT_BODY_BYTES) {
		rc = micropub_fail(err, 413, "invalid_request", "a %s body may be at most %u KiB",
		    form ? "form" : "JSON", MICROPUB_TEXT_BODY_BYTES / 1024);
	} else if (form) {
		rc = decode_form(body, len, out, err);
	} else if (multipart) {
		rc = decode_multipart(content_type, body, len, out, err);
	} else {
		rc = decode_json(body, len, out, err);
	}
	if (rc == 0 && out->type == NULL)
		out->type = "h-entry";
	if (rc == 0 && out->action == MICROPUB_UPDATE && out->replace == NULL && out->add == NULL &&
	    out->remove == NULL)
		rc = BAD(err, "updates are sent as JSON (replace, add or delete)");
	if (rc == 0 && out->action != MICROPUB_CREATE && (out->url == NULL || *out->url == '\0'))
		rc = BAD(err, "this action needs the post's url");
	if (rc == -1)
		micropub_request_clear(out);
	return rc;
}

/* ---------------------------------------------------------------- updates */

/* Removes from arr every value equal to one in values. */
static void
remove_values(json_t *arr, const json_t *values)
{
	const json_t *v;
	size_t i, j;

	json_array_foreach(values, j, v) {
		for (i = json_array_size(arr); i > 0; i--) {
			if (json_equal(json_array_get(arr, i - 1), (json_t *)(uintptr_t)v))
				json_array_remove(arr, i - 1);
		}
	}
}

static json_t *
target(json_t *properties, json_t *commands, const char *name)
{
	return strncmp(name, "mp-", 3) == 0 ? commands : properties;
}

int
micropub_update_apply(json_t *properties, json_t *commands, const struct micropub_request *rq,
    struct micropub_error *err)
{
	const char *k;
	json_t *v, *have, *item;
	size_t i;

	if (!json_is_object(properties) || !json_is_object(commands))
		return micropub_fail(err, 500, "server_error", "the stored properties are not an object");
	json_object_foreach(rq->replace, k, v) {
		if (strcmp(k, "access_token") != 0)
			json_object_set_new(target(properties, commands, k), k, json_deep_copy(v));
	}
	json_object_foreach(rq->add, k, v) {
		if (strcmp(k, "access_token") == 0)
			continue;
		have = json_object_get(target(properties, commands, k), k);
		if (!json_is_array(have)) {
			json_object_set_new(target(properties, commands, k), k, json_deep_copy(v));
			continue;
		}
		json_array_foreach(v, i, item)
			json_array_append_new(have, json_deep_copy(item));
	}
	if (json_is_array(rq->remove)) {
		json_array_foreach(rq->remove, i, v) {
			json_object_del(properties, json_string_value(v));
			json_object_del(commands, json_string_value(v));
		}
	} else {
		json_object_foreach(rq->remove, k, v) {
			have = json_object_get(target(properties, commands, k), k);
			if (!json_is_array(have))
				continue;
			remove_values(have, v);
			if (json_array_size(have) == 0)
				json_object_del(target(properties, commands, k), k);
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- the entry */

/* The first value of a property as a string: a string, or an object's "value". */
static const char *
first_text(const json_t *obj, const char *name)
{
	const json_t *v = json_array_get(json_object_get(obj, name), 0);

	if (json_is_object(v))
		v = json_object_get(v, "value");
	return json_string_value(v);
}

/* A photo URL must be an absolute http(s) URL of sane length without spaces. */
static bool
photo_url_ok(const char *url)
{
	const char *p;

	if (strlen(url) > CAP_URL_BYTES || !url_is_http(url))
		return false;
	p = strstr(url, "://");
	if (p == NULL || p[3] == '\0' || p[3] == '/')
		return false;
	for (p = url; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	}
	return true;
}

static int
entry_content(const json_t *props, struct arena *a, struct publish_request *out,
    struct micropub_error *err)
{
	const json_t *v = json_array_get(json_object_get(props, "content"), 0);
	const char *text = NULL;

	if (v == NULL)
		return 0;
	if (json_is_string(v)) {
		text = json_string_value(v);
		out->content_kind = CONTENT_MARKDOWN;
	} else if (json_is_object(v) && json_is_string(json_object_get(v, "html"))) {
		text = json_string_value(json_object_get(v, "html"));
		out->content_kind = CONTENT_HTML;
	} else if (json_is_object(v) && json_is_string(json_object_get(v, "value"))) {
		text = json_string_value(json_object_get(v, "value"));
		out->content_kind = CONTENT_TEXT;
	} else {
		return BAD(err, "content must be a string, {\"html\": ...} or {\"value\": ...}");
	}
	if (strlen(text) > MARKDOWN_MAX_BYTES)
		return micropub_fail(err, 413, "invalid_request", "content may be at most %u KiB",
		    MARKDOWN_MAX_BYTES / 1024);
	out->content = arena_strdup(a, text);
	return 0;
}

static int
entry_categories(const json_t *props, struct arena *a, struct publish_request *out,
    struct micropub_error *err)
{
	const json_t *list = json_object_get(props, "category"), *v;
	const char **cats;
	size_t i, n = 0;

	if (json_array_size(list) > MICROPUB_MAX_CATEGORIES)
		return BAD(err, "a post may have at most %u categories", MICROPUB_MAX_CATEGORIES);
	cats = arena_alloc(a, (json_array_size(list) + 1) * sizeof(*cats));
	json_array_foreach(list, i, v) {
		struct slice s;
		if (!json_is_string(v))
			continue;       /* person tags (h-card objects) are kept for q=source only */
		s = slice_trim(slice_from(json_string_value(v)));
		if (s.len == 0)
			continue;
		if (s.len > 200)
			return BAD(err, "a category may be at most 200 bytes");
		cats[n++] = arena_strndup(a, s.ptr, s.len);
	}
	out->categories = cats;
	out->n_categories = n;
	return 0;
}

static int
entry_photos(const json_t *props, const json_t *commands, struct arena *a,
    struct publish_request *out, struct micropub_error *err)
{
	const json_t *list = json_object_get(props, "photo"), *alts = json_object_get(commands, "mp-photo-alt");
	const json_t *v;
	const char **urls, **alt;
	size_t i, n = 0, next_alt = 0;

	if (json_array_size(list) > MICROPUB_MAX_PHOTOS)
		return BAD(err, "a post may have at most %u photos", MICROPUB_MAX_PHOTOS);
	urls = arena_alloc(a, (json_array_size(list) + 1) * sizeof(*urls));
	alt = arena_alloc(a, (json_array_size(list) + 1) * sizeof(*alt));
	json_array_foreach(list, i, v) {
		const char *url = json_is_object(v) ? json_string_value(json_object_get(v, "value")) :
		    json_string_value(v);
		const char *text = json_is_object(v) ? json_string_value(json_object_get(v, "alt")) : NULL;
		if (url == NULL)
			return BAD(err, "photo must be a URL or {\"value\": URL, \"alt\": text}");
		if (!photo_url_ok(url))
			return BAD(err, "photo \"%.80s\" is not an absolute http(s) URL", url);
		if (text == NULL && next_alt < json_array_size(alts))
			text = json_string_value(json_array_get(alts, next_alt++));
		urls[n] = arena_strdup(a, url);
		alt[n] = arena_strdup(a, text);
		n++;
	}
	out->photos = urls;
	out->photo_alts = alt;
	out->n_photos = n;
	return 0;
}

int
micropub_entry(const json_t *properties, const json_t *commands, bool require_content,
    struct arena *a, struct publish_request *out, struct micropub_error *err)
{
	const char *name = first_text(properties, "name"), *summary = first_text(properties, "summary");
	const char *published = first_text(properties, "published");
	const char *status = first_text(properties, "post-status"), *slug = first_text(commands, "mp-slug");

	if (entry_content(properties, a, out, err) == -1 ||
	    entry_categories(properties, a, out, err) == -1 ||
	    entry_photos(properties, commands, a, out, err) == -1)
		return -1;
	if (json_object_get(properties, "published") != NULL &&
	    (published == NULL || !micropub_parse_date(published, &out->published_at)))
		return BAD(err, "published is not a date-time (use 2026-11-23T10:00:00Z or +01:00)");
	if (status != NULL && strcmp(status, "draft") != 0 && strcmp(status, "published") != 0)
		return BAD(err, "post-status must be published or draft");
	out->draft = status != NULL && strcmp(status, "draft") == 0;
	if (slug != NULL && !micropub_slug_ok(slug))
		return BAD(err, "mp-slug may hold letters, digits and dashes, not paths");
	if ((name != NULL && strlen(name) > 4096) || (summary != NULL && strlen(summary) > 65536))
		return micropub_fail(err, 413, "invalid_request", "name or summary is too long");
	out->title = arena_strdup(a, name);
	out->summary = arena_strdup(a, summary);
	out->slug = arena_strdup(a, slug);
	if (require_content && (out->title == NULL || *out->title == '\0') &&
	    (out->content == NULL || *out->content == '\0') &&
	    (out->summary == NULL || *out->summary == '\0') && out->n_photos == 0)
		return BAD(err, "nothing to publish: send content, name, summary or photo");
	return 0;
}

/* ---------------------------------------------------------------- small parsers */

/* Reads exactly n digits at *p into *v; advances. */
static bool
digits(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

static int
days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* The zone at p ("Z", "+hh:mm", "+hhmm", "+hh", or ""): seconds east of UTC. */
static bool
parse_zone(const char *p, int *offset)
{
	int sign, hh, mm = 0;

	*offset = 0;
	if (*p == '\0' || ((*p == 'Z' || *p == 'z') && p[1] == '\0'))
		return true;
	if (*p != '+' && *p != '-')
		return false;
	sign = *p++ == '-' ? -1 : 1;
	if (!digits(&p, 2, &hh))
		return false;
	if (*p == ':')
		p++;
	if (*p != '\0' && !digits(&p, 2, &mm))
		return false;
	if (*p != '\0' || hh > 23 || mm > 59)
		return false;
	*offset = sign * (hh * 3600 + mm * 60);
	return true;
}

bool
micropub_parse_date(const char *s, int64_t *out)
{
	const char *p = s;
	int year, month, day, hour = 0, min = 0, sec = 0, offset;
	struct tm tm;

	if (!digits(&p, 4, &year) || *p++ != '-' || !digits(&p, 2, &month) || *p++ != '-' ||
	    !digits(&p, 2, &day))
		return false;
	if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
		return false;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!digits(&p, 2, &hour) || *p++ != ':' || !digits(&p, 2, &min))
			return false;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &sec))
				return false;
			if (*p == '.' || *p == ',') {
				p++;
				if (*p < '0' || *p > '9')
					return false;
				while (*p >= '0' && *p <= '9')
					p++;
			}
		}
		if (hour > 23 || min > 59 || sec > 60)
			return false;
	}
	if (!parse_zone(p, &offset))
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm) - offset;
	return true;
}

bool
micropub_slug_ok(const char *slug)
{
	struct buf b = BUF_INIT;
	const unsigned char *p;
	bool ok;

	if (strlen(slug) > MICROPUB_MAX_SLUG_BYTES || strchr(slug, '/') != NULL ||
	    strchr(slug, '\\') != NULL || strstr(slug, "..") != NULL)
		return false;
	for (p = (const unsigned char *)slug; *p; p++) {
		if (*p < ' ' || *p == 0x7f)
			return false;
	}
	ok = util_slugify(&b, slug, 60);
	buf_free(&b);
	return ok;
}

const char *
micropub_image_type(const void *data, size_t len, const char **ext)
{
	const unsigned char *d = data;

	*ext = NULL;
	if (len >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff) {
		*ext = "jpg";
		return "image/jpeg";
	}
	if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) {
		*ext = "png";
		return "image/png";
	}
	if (len >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0)) {
		*ext = "gif";
		return "image/gif";
	}
	if (len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0) {
		*ext = "webp";
		return "image/webp";
	}
	return NULL;
}

bool
micropub_post_id(const char *base_url, const char *url, int64_t *id)
{
	const char *rest = NULL, *base_path = strstr(base_url, "://"), *p;
	size_t n = strlen(base_url);
	int64_t v = 0;

	base_path = base_path != NULL ? strchr(base_path + 3, '/') : NULL;
	if (strncmp(url, base_url, n) == 0)
		rest = url + n;
	else if (base_path != NULL && strncmp(url, base_path, strlen(base_path)) == 0)
		rest = url + strlen(base_path);
	if (rest == NULL || strncmp(rest, "post/", 5) != 0)
		return false;
	p = rest + 5;
	if (*p < '1' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return false;
		v = v * 10 + (*p - '0');
	}
	if (*p == '-') {
		for (p++; *p && *p != '?' && *p != '#'; p++) {
			if (*p == '/')
				return false;
		}
	}
	if (*p != '\0' && *p != '?' && *p != '#')
		return false;
	*id = v;
	return true;
}

bool
micropub_has_scope(const char *scopes, const char *scope)
{
	size_t n = strlen(scope);
	const char *p = scopes;

	while (p != NULL && *p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncmp(p, scope, n) == 0 && (p[n] == '\0' || p[n] == ' ' || p[n] == ','))
			return true;
		p += strcspn(p, " ,");
	}
	return false;
}
