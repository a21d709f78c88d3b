/*
 * fuzz_date.c: libFuzzer target for daemon/date.c.
 *
 * Build and run from the top of the source tree:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Idaemon \
 *     tests/fuzz/fuzz_date.c daemon/date.c daemon/util.c daemon/buf.c daemon/log.c \
 *     $(pkg-config --cflags --libs libsodium) -o fuzz_date
 *   ./fuzz_date -max_total_time=600 -max_len=64 CORPUS_DIR
 *
 * For every input (as a C string): date_parse() does not crash or read
 * past the end; when it says false the result is 0; when it says true
 * the time lies in years 1-9999 (give or take a day of zone offset), and
 * for years 1970-9999 the RFC 3339 form of it parses back to the same
 * second.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "util.h"

#define YEAR1_UNIX    (-62135596800LL)        /* 0001-01-01T00:00:00Z */
#define YEAR10000_UNIX 253402300800LL         /* 10000-01-01T00:00:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), again[32];
	int64_t t, t2;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!date_parse(s, &t)) {
		if (t != 0)
			abort();
		free(s);
		return 0;
	}
	if (t < YEAR1_UNIX - 86400 || t > YEAR10000_UNIX + 86400)
		abort();
	if (t >= 0 && t < YEAR10000_UNIX) {
		util_rfc3339(t, again);
		if (!date_parse(again, &t2) || t2 != t)
			abort();
	}
	free(s);
	return 0;
}
