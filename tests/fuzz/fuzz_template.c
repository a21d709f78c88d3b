/*
 * fuzz_template.c: libFuzzer target for daemon/template.c.
 *
 * The input is split at its first NUL byte into a template "t" and a
 * partial "p" (so {{> p}} and {{< p}} reach a second compiled template,
 * and "t" can include itself).  Both are compiled; when that succeeds,
 * "t" is rendered with a fixed context holding every JSON type, dangerous
 * characters, nested lists and objects, into a buf capped at 1 MB.
 * Syntax errors, depth, work and output caps are ordinary outcomes; any
 * sanitizer report or crash is a bug.  Build from the source tree:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Idaemon \
 *     tests/fuzz/fuzz_template.c daemon/template.c daemon/buf.c \
 *     daemon/log.c daemon/util.c \
 *     $(pkg-config --cflags --libs jansson libsodium) -o /tmp/fuzz_template
 *   /tmp/fuzz_template -max_total_time=600 -timeout=10 CORPUS_DIR
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "util.h"

static const char context_json[] =
	"{\"s\": \"<a href='x'>&amp;\\\"</a>\", \"e\": \"\", \"n\": 42,"
	" \"r\": 1.21, \"z\": 0, \"t\": true, \"f\": false, \"nul\": null,"
	" \"o\": {\"s\": \"inner\", \"o\": {\"s\": \"deeper\"}, \"l\": [1, 2]},"
	" \"eo\": {}, \"l\": [\"a\", \"b\", {\"s\": \"c\", \"l\": [[1], [2, 3]]}],"
	" \"el\": [], \"a.b\": \"dotted key\", \"self\": {\"self\": {\"n\": 1}}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *ctx;
	const char *names[] = { "t", "p" };
	const char *sources[2];
	char *text = xmalloc(size + 2), *err = NULL;
	struct templates *t;
	struct buf out;
	size_t split;

	if (ctx == NULL)
		ctx = json_loads(context_json, 0, NULL);
	/* "t" NUL "p" NUL: a second NUL ends p */
	memcpy(text, data, size);
	text[size] = '\0';
	text[size + 1] = '\0';
	split = strlen(text);
	sources[0] = text;
	sources[1] = split < size ? text + split + 1 : "";
	t = templates_from_strings(names, sources, 2, &err);
	if (t != NULL) {
		buf_init(&out, 1024 * 1024);
		if (template_render(t, "t", ctx, &out, &err) == -1 &&
		    (err == NULL || err[0] == '\0'))
			abort();        /* a failure always says why */
		buf_free(&out);
	} else if (err == NULL || strchr(err, ':') == NULL) {
		abort();        /* a syntax error always says where */
	}
	free(err);
	templates_free(t);
	free(text);
	return 0;
}
