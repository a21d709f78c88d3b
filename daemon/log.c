/*
 * log.c: key=value lines on stderr (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;

static const char *const level_names[] = {
	[LOG_DEBUG] = "debug",
	[LOG_INFO] = "info",
	[LOG_WARN] = "warn",
	[LOG_ERROR] = "error",
};

void
log_set_level(enum log_level level)
{
	min_level = level;
}

enum log_level
log_get_level(void)
{
	return min_level;
}

int
log_level_from_name(const char *name, enum log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

#define QUOTE_RING 8
#define QUOTE_MAX 512

const char *
log_quote(const char *value)
{
	static _Thread_local char ring[QUOTE_RING][QUOTE_MAX];
	static _Thread_local unsigned next;
	char *out = ring[next++ % QUOTE_RING];
	size_t o = 0;
	const unsigned char *p;
	int needs = 0;

	if (value == NULL)
		return "\"\"";
	if (*value == '\0')
		return "\"\"";
	for (p = (const unsigned char *)value; *p; p++) {
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f) {
			needs = 1;
			break;
		}
	}
	if (!needs) {
		snprintf(out, QUOTE_MAX, "%s", value);
		return out;
	}
	out[o++] = '"';
	for (p = (const unsigned char *)value; *p && o < QUOTE_MAX - 8; p++) {
		if (*p == '"' || *p == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*p;
		} else if (*p == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (*p < ' ' || *p == 0x7f) {
			o += (size_t)snprintf(out + o, QUOTE_MAX - o, "\\x%02x", *p);
		} else {
			out[o++] = (char)*p;
		}
	}
	if (*p)
		o += (size_t)snprintf(out + o, QUOTE_MAX - o, "...");
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

static void
emit(enum log_level level, const char *msg, const char *kvfmt, va_list ap)
{
	char line[4096];
	size_t n = 0;
	time_t now = time(NULL);
	struct tm tm;
	int w;

	gmtime_r(&now, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ", &tm);
	w = snprintf(line + n, sizeof(line) - n, " level=%s msg=%s",
	    level_names[level], log_quote(msg));
	if (w > 0)
		n += (size_t)w < sizeof(line) - n ? (size_t)w : sizeof(line) - n - 1;
	if (kvfmt != NULL && *kvfmt != '\0' && n < sizeof(line) - 2) {
		line[n++] = ' ';
		w = vsnprintf(line + n, sizeof(line) - n, kvfmt, ap);
		if (w > 0)
			n += (size_t)w < sizeof(line) - n ? (size_t)w : sizeof(line) - n - 1;
		else
			n--;    /* nothing after all: drop the space */
	}
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* one write: lines from different threads never interleave */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

void
log_msg(enum log_level level, const char *msg, const char *kvfmt, ...)
{
	va_list ap;

	if (level < min_level)
		return;
	va_start(ap, kvfmt);
	emit(level, msg, kvfmt, ap);
	va_end(ap);
}

void
log_fatal(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(LOG_ERROR, msg, "%s", "fatal=1");
	exit(1);
}
