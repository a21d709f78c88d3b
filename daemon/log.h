/*
 * log.h: one line per event on stderr, in key=value form.
 *
 *   2026-11-23T10:00:00Z level=warn msg="feed failed" feed=12 url=... error="..."
 *
 * log_* take a message and then optional key=value text already formatted
 * by the caller with LOG_KV-style printf arguments:
 *
 *   log_warn("feed failed", "feed=%lld url=%s error=%s", id, q(url), q(err));
 *
 * Values that may hold spaces or quotes must go through log_quote() (q()
 * in the examples), which returns a thread-local buffer good until the
 * next few calls.  Lines are written with one write(2), so threads never
 * interleave within a line.  log_fatal() logs and exits(1): start-up
 * failures and out-of-memory only.
 */
#ifndef CRIER_LOG_H
#define CRIER_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
int log_level_from_name(const char *name, enum log_level *out);   /* 0 or -1 */
enum log_level log_get_level(void);

void log_msg(enum log_level level, const char *msg, const char *kvfmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_debug(msg, ...) log_msg(LOG_DEBUG, (msg), __VA_ARGS__)
#define log_info(msg, ...)  log_msg(LOG_INFO, (msg), __VA_ARGS__)
#define log_warn(msg, ...)  log_msg(LOG_WARN, (msg), __VA_ARGS__)
#define log_error(msg, ...) log_msg(LOG_ERROR, (msg), __VA_ARGS__)

_Noreturn void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "value" quoted for a log line when needed (spaces, quotes, =, controls);
 * the result lives in a small thread-local ring of buffers. */
const char *log_quote(const char *value);

#endif
