/*
 * urlform.h: application/x-www-form-urlencoded bodies (HTML forms), as
 * the WHATWG URL standard's "urlencoded parser" reads them: pairs split
 * on '&', name and value on the first '=', '+' is a space, %XX is a byte
 * (a '%' not followed by two hex digits stays as it is), and the bytes
 * are UTF-8 (invalid sequences become U+FFFD).  Used by the web editor
 * (http_write.c).
 *
 * Unlike the standard, a NUL byte (%00) in a name or value is refused:
 * every value here ends up as a C string, which would silently cut it.
 */
#ifndef CRIER_URLFORM_H
#define CRIER_URLFORM_H

#include <stddef.h>

struct urlform_field {
	char *name;
	char *value;
	size_t value_len;
};

/* A parsed form: fields in the order sent; names may repeat. */
struct urlform {
	struct urlform_field *fields;
	size_t n;
};

/*
 * Parses body[0..len) into out (which the caller frees with urlform_free
 * whatever the result).  Returns 0, or -1 with *err set to a static
 * sentence when a field holds a NUL byte or there are more than
 * max_fields fields.
 */
int urlform_parse(const char *body, size_t len, size_t max_fields, struct urlform *out,
    const char **err);

/* The first value sent for name (borrowed from f), or NULL. */
const char *urlform_get(const struct urlform *f, const char *name);

void urlform_free(struct urlform *f);

#endif
