/*
 * fuzz_micropub.c: libFuzzer target for daemon/micropub.c, the Micropub
 * request decoder (form-encoded, multipart and JSON bodies).
 *
 * The first byte picks the Content-Type (form, JSON, or multipart with
 * boundary "XyZ"); the rest is the body, as libFuzzer gives it (no NUL
 * after it, so reads past the end are caught).  A decoded create goes
 * on through micropub_entry(); an update is applied to a small stored
 * post.  Refusals are ordinary outcomes; any sanitizer report or crash
 * is a bug.  Built by `make fuzz`; run:
 *
 *   tests/fuzz/fuzz_micropub -max_total_time=600 -timeout=10 CORPUS_DIR
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "micropub.h"
#include "pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {
		"application/x-www-form-urlencoded", "application/json",
		"multipart/form-data; boundary=XyZ",
	};
	struct micropub_request rq;
	struct micropub_error err;
	struct publish_request pr;
	struct arena *a;
	json_t *props, *cmds;

	if (size == 0)
		return 0;
	if (micropub_decode(types[data[0] % 3], (const char *)data + 1, size - 1, &rq, &err) == -1)
		return 0;
	a = arena_new();
	memset(&pr, 0, sizeof(pr));
	if (rq.action == MICROPUB_CREATE) {
		micropub_entry(rq.properties, rq.commands, true, a, &pr, &err);
	} else if (rq.action == MICROPUB_UPDATE) {
		props = json_pack("{s:[s], s:[s, s]}", "content", "c", "category", "a", "b");
		cmds = json_object();
		if (micropub_update_apply(props, cmds, &rq, &err) == 0)
			micropub_entry(props, cmds, true, a, &pr, &err);
		json_decref(props);
		json_decref(cmds);
	}
	arena_free(a);
	micropub_request_clear(&rq);
	return 0;
}
