/*
 * urlform.c: form-urlencoded bodies to name/value pairs (see urlform.h).
 */
#include "urlform.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * Decodes s[0..n) ('+' and %XX) and repairs its UTF-8 into a new string;
 * *len_out gets its length.  NULL when it holds a NUL byte.
 */
static char *
decode(const char *s, size_t n, size_t *len_out)
{
	struct buf raw = BUF_INIT, out = BUF_INIT;
	size_t i;

	buf_reserve(&raw, n);
	for (i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '+') {
			ch = ' ';
		} else if (ch == '%' && i + 2 < n && util_hex_value(s[i + 1]) >= 0 &&
		    util_hex_value(s[i + 2]) >= 0) {
			ch = (char)(util_hex_value(s[i + 1]) << 4 | util_hex_value(s[i + 2]));
			i += 2;
		}
		if (ch == '\0') {
			buf_free(&raw);
			return NULL;
		}
		buf_putc(&raw, ch);
	}
	util_utf8_repair(&out, buf_str(&raw), raw.len);
	buf_free(&raw);
	*len_out = out.len;
	return buf_steal(&out);
}

int
urlform_parse(const char *body, size_t len, size_t max_fields, struct urlform *out,
    const char **err)
{
	const char *p = body, *end = body + len, *amp, *eq;
	size_t cap = 0, name_len, value_len;
	struct urlform_field *f;

	memset(out, 0, sizeof(*out));
	*err = NULL;
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		if (amp == p) {
			p++;
			continue;
		}
		if (out->n == max_fields) {
			*err = "the form has too many fields";
			return -1;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 8;
			out->fields = xrealloc(out->fields, cap * sizeof(*out->fields));
		}
		eq = memchr(p, '=', (size_t)(amp - p));
		f = &out->fields[out->n];
		f->name = decode(p, (size_t)((eq != NULL ? eq : amp) - p), &name_len);
		f->value = eq != NULL ? decode(eq + 1, (size_t)(amp - eq - 1), &value_len) :
		    decode("", 0, &value_len);
		f->value_len = value_len;
		out->n++;
		if (f->name == NULL || f->value == NULL) {
			*err = "a form field holds a NUL byte";
			return -1;
		}
		p = amp + 1;
	}
	return 0;
}

const char *
urlform_get(const struct urlform *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (f->fields[i].name != NULL && strcmp(f->fields[i].name, name) == 0)
			return f->fields[i].value;
	}
	return NULL;
}

void
urlform_free(struct urlform *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->fields[i].name);
		free(f->fields[i].value);
	}
	free(f->fields);
	memset(f, 0, sizeof(*f));
}
