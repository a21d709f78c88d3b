/*
 * fetch.h: HTTP(S) transfers for the poller, on one libcurl multi handle.
 *
 * The only file that includes curl.h is fetch.c.  The caller queues
 * requests with fetch_add() and drives everything with fetch_run(),
 * which never blocks longer than its timeout and calls the done callback
 * once per finished request, with a fetch_result the callback then owns.
 *
 * The fetcher enforces: at most `concurrency` transfers at once and at
 * most `per_host` per host (others wait in its own queue, so timeouts
 * start when a transfer really starts); http and https only, on every
 * redirect hop; no proxy from the environment, only the configured one;
 * addresses that are not public (see fetch_address_refused) refused at
 * connect time, on every hop, unless allowed; at most CAP_REDIRECTS
 * redirects; decoded bodies capped at max_body_bytes and each response's
 * headers at CAP_HEADER_BYTES; conditional GET with the validators
 * given; connect/total/low-speed timeouts.
 *
 * Details the caller may rely on:
 *  - "Host" for the per-host limit is the first URL's host name and port
 *    (lowercase); a transfer keeps its slot across redirects.  Requests
 *    to one host start in the order they were added; when a transfer
 *    ends, its host's next request starts first, on the same connection.
 *  - Redirects (301/302/303/307/308 with a Location) are followed by the
 *    fetcher itself, at most CAP_REDIRECTS; the If-None-Match/
 *    If-Modified-Since and extra headers go to every hop, except
 *    Authorization and Cookie, which never go to another host:port.  A
 *    303, and a 301/302 answering a POST, turn the request into a GET.
 *  - The address check is skipped when a proxy is configured: the proxy
 *    resolves the names, and the operator chose it.
 *  - Time limits: connect_timeout_ms per connection, total_timeout_ms
 *    for the whole request including redirects, both counted from when
 *    the transfer starts (not when it was queued).
 *  - A fetcher belongs to one thread.  Several fetchers in several
 *    threads are fine (libcurl 7.88 initialises itself thread-safely;
 *    fetch_new/fetch_free take and drop a curl_global_init reference).
 */
#ifndef CRIER_FETCH_H
#define CRIER_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Zero (or NULL) in any field means its default. */
struct fetch_config {
	unsigned concurrency;           /* total transfers at once (default 16) */
	unsigned per_host;              /* transfers per host at once (default 2) */
	size_t max_body_bytes;          /* decoded body cap (default 16 MiB) */
	long connect_timeout_ms;        /* default 10 s */
	long total_timeout_ms;          /* default 60 s */
	long low_speed_bytes;           /* abort below this many bytes/s ... */
	long low_speed_time_s;          /* ... for this long (default 100 B/s for 30 s) */
	bool allow_private_addresses;
	const char *const *allow_private_hosts; /* "host" or "host:port", NULL-terminated; may be NULL */
	const char *proxy;              /* explicit proxy URL; NULL or "" for none */
	const char *user_agent;         /* NULL: "crier/VERSION (+URL)" */
	const char *accept_encoding;    /* NULL: every encoding libcurl decodes
	                                 * (gzip, deflate, br, zstd); "identity": none */
};

enum fetch_method { FETCH_GET = 0, FETCH_POST };

struct fetch_request {
	enum fetch_method method;
	const char *url;
	const char *etag;               /* sent as If-None-Match, or NULL */
	const char *last_modified;      /* sent as If-Modified-Since, or NULL */
	const char *content_type;       /* POST only */
	const char *body;               /* POST only; copied */
	size_t body_len;
	const char *const *headers;     /* extra "Name: value" lines, NULL-terminated; copied */
	int64_t id;                     /* the caller's id (a feed id), handed back */
	void *user;                     /* handed back */
};

/*
 * The outcome of one request.  error != NULL means the transfer failed
 * (DNS, connect, refused address, TLS, timeout, too many redirects, a
 * non-http(s) redirect, body or headers over their caps): body is then
 * empty, and status is whatever the last response said (0 if none).
 * An HTTP error status (4xx/5xx) is not a transfer error: error is NULL
 * and the caller reads status; 304 comes back as status 304 with an
 * empty body.  body.data is never NULL.
 */
struct fetch_result {
	int64_t id;
	void *user;
	char *url;                      /* the URL requested */
	long status;                    /* HTTP status of the final response; 0 if none */
	char *error;                    /* NULL on a transfer that completed; else a clear message */
	char *final_url;                /* after redirects */
	char *permanent_url;            /* set only when every redirect hop was 301/308 */
	int redirects;
	char *etag;                     /* response validators, or NULL */
	char *last_modified;
	char *content_type;             /* e.g. "application/rss+xml; charset=utf-8", or NULL */
	int64_t retry_after;            /* seconds from Retry-After (429/503), else 0 */
	struct buf body;                /* decoded body (NUL-terminated) */
	long elapsed_ms;
};

void fetch_result_free(struct fetch_result *r);    /* NULL does nothing */

struct fetcher;

typedef void (*fetch_done_fn)(struct fetch_result *r, void *arg);

/* A fetcher with cfg copied; never NULL (out of memory is fatal). */
struct fetcher *fetch_new(const struct fetch_config *cfg);
void fetch_free(struct fetcher *f);

/* Queues a request (everything copied). 0, or -1 for a URL that is not http(s). */
int fetch_add(struct fetcher *f, const struct fetch_request *req);

/*
 * Runs transfers for at most timeout_ms (a negative timeout_ms: until
 * none is left), calling done(result, arg) for each finished one (done
 * owns result and frees it with fetch_result_free).  done may call
 * fetch_add, never fetch_run or fetch_free.  Returns the number of
 * requests still queued or in flight; returns at once when none are.
 */
size_t fetch_run(struct fetcher *f, int timeout_ms, fetch_done_fn done, void *arg);

/* Requests queued or in flight. */
size_t fetch_pending(const struct fetcher *f);

/*
 * Parses an HTTP Retry-After value: delta-seconds, or an HTTP date
 * (relative to now, Unix seconds).  Seconds to wait, at most one year;
 * 0 for a date in the past or a value that is neither.
 */
int64_t fetch_parse_retry_after(const char *value, int64_t now);

/* The default User-Agent: "crier/VERSION (+URL)". */
const char *fetch_user_agent(void);

/*
 * Why the fetcher refuses to connect to an address by default: a short
 * description of its range ("loopback 127.0.0.0/8", "unique-local
 * fc00::/7"), or NULL for a public address.  family is AF_INET (addr: 4
 * bytes, network order) or AF_INET6 (16 bytes); IPv4-mapped,
 * -compatible, NAT64 and 6to4 IPv6 addresses are judged by the IPv4
 * address inside.  Any other family is refused.
 */
const char *fetch_address_refused(int family, const void *addr);

/* ---------------------------------------------------------------- mail (SMTP) */

/*
 * Sending email through one SMTP server (the digest email): smtp://, with
 * STARTTLS required when starttls is set, or smtps:// (TLS from the
 * start); AUTH when user is set.  A mailer keeps its connection open
 * between messages (libcurl reuses it), so a digest to a thousand people
 * is one connection and one login.  A mailer belongs to one thread and
 * blocks while it sends.  No address checks apply: the operator chose
 * the server.
 */
struct fetch_mail_config {
	const char *url;                /* smtp://host[:port] or smtps://host[:port] */
	const char *user;               /* or NULL: no AUTH */
	const char *password;
	bool starttls;                  /* smtp:// only: refuse to send without STARTTLS */
	const char *from;               /* the envelope sender, an address */
	long timeout_ms;                /* per message, connecting included (default 60 s) */
};

enum fetch_mail_outcome {
	FETCH_MAIL_SENT = 0,
	FETCH_MAIL_RETRY,               /* may work later: connection, TLS, login, 4xx, timeout */
	FETCH_MAIL_REJECTED,            /* refused for good (5xx to the recipient or the message) */
};

struct fetch_mailer;

/* A mailer with cfg copied; never NULL.  Connects on the first send. */
struct fetch_mailer *fetch_mail_new(const struct fetch_mail_config *cfg);
void fetch_mail_free(struct fetch_mailer *m);  /* NULL does nothing; says QUIT */

/*
 * Sends msg[0..len) (a whole message with CRLF line ends, as mail_write()
 * makes it; libcurl does the SMTP dot-stuffing) to one recipient.
 * Unless the outcome is FETCH_MAIL_SENT, *err is a sentence with the
 * server's last answer (malloc'd; free it).
 */
enum fetch_mail_outcome fetch_mail_send(struct fetch_mailer *m, const char *rcpt,
    const char *msg, size_t len, char **err);

#endif
