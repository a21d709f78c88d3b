/*
 * fetch.c: HTTP(S) transfers on one libcurl multi handle (see fetch.h).
 *
 * Requests wait in per-host FIFO queues; hosts with a waiting request
 * and a free per-host slot sit in a round-robin "ready" list, so starting
 * the next transfer is O(1) however many requests are queued.  A
 * transfer gets its easy handle only when it starts, and the multi
 * handle's connection cache keeps connections alive between transfers.
 *
 * Redirects are followed here, not by libcurl: each hop is one perform
 * of the same easy handle, so every hop's status, scheme and host is
 * seen (permanent_url, http/https only, the per-hop private-address
 * allowance), and the total timeout spans all hops.  Addresses are
 * checked in the open-socket callback, which sees the address libcurl
 * actually connects to, so neither DNS rebinding nor a redirect can
 * reach a private network.
 *
 * This is the only file that includes curl.h.
 */
#include "autoconfig.h"

#include "fetch.h"
#include "caps.h"
#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define FETCH_DEFAULT_CONCURRENCY       16
#define FETCH_DEFAULT_PER_HOST          2
#define FETCH_DEFAULT_CONNECT_MS        10000L
#define FETCH_DEFAULT_TOTAL_MS          60000L
#define FETCH_DEFAULT_LOW_SPEED_BYTES   100L
#define FETCH_DEFAULT_LOW_SPEED_S       30L
#define FETCH_RETRY_AFTER_MAX_S         (365LL * 86400)

/* Sent with GET requests unless the caller gave its own Accept. */
#define FETCH_ACCEPT "Accept: application/rss+xml, application/atom+xml, " \
	"application/feed+json, application/json;q=0.9, application/xml;q=0.9, " \
	"text/xml;q=0.9, */*;q=0.8"

/* One "host" or "host:port" entry of allow_private_hosts. */
struct allow_host {
	char *host;             /* lowercase, no IPv6 brackets */
	long port;              /* 0: any port */
};

/* A host's queue of waiting transfers and its count of running ones. */
struct host {
	char *key;              /* "host:port", lowercase */
	unsigned active;
	struct transfer *queue_head, *queue_tail;
	struct host *ready_next;
	bool in_ready;
	struct host *hash_next;
};

struct transfer {
	struct fetcher *f;
	struct host *host;
	struct transfer *next;          /* in the host's queue */
	CURL *easy;                     /* only while started */
	struct curl_slist *headers;     /* the current hop's request headers */
	struct fetch_result *res;       /* handed to done() at the end */

	/* the request, copied */
	enum fetch_method method;       /* of the current hop: POST may turn GET */
	char *etag, *last_modified, *content_type;
	char *post_body;
	size_t post_len;
	char **extra_headers;           /* NULL-terminated, or NULL */
	char *origin;                   /* "host:port" of the first URL */

	/* the hop in progress */
	char *hop_url;
	char *hop_host;                 /* for messages */
	bool hop_private_ok;
	bool all_permanent;             /* every hop so far was 301/308 */
	long hop_status;                /* from the last status line seen */
	size_t hop_header_bytes;
	size_t hop_body_bytes;          /* decoded, counting redirect bodies too */
	char refused_addr[INET6_ADDRSTRLEN];
	int64_t started_ms;
	char errbuf[CURL_ERROR_SIZE];
};

struct fetcher {
	struct fetch_config cfg;        /* strings point into the copies below */
	char *proxy, *user_agent, *accept_encoding;
	struct allow_host *allow;
	size_t n_allow;
	CURLM *multi;

	struct host **hosts;            /* hash table of hosts, chained */
	size_t hosts_size, n_hosts;
	struct host *ready_head, *ready_tail;

	size_t queued;                  /* waiting in host queues */
	size_t active;                  /* started, not yet finished */
	struct transfer **running;      /* the started ones, for fetch_free */
	size_t running_cap;
};

/* ------------------------------------------------------------ addresses */

/*
 * Address ranges refused unless allowed.  Searched in order, first match
 * wins.  IPv6 entries with v4_at >= 0 embed an IPv4 address at that byte
 * offset, which is then judged by the IPv4 table instead.
 */
struct net4 {
	uint32_t net;
	unsigned bits;
	const char *what;
};

static const struct net4 refused4[] = {
	{ 0x00000000, 8,  "unspecified 0.0.0.0/8" },
	{ 0x0a000000, 8,  "private 10.0.0.0/8" },
	{ 0x64400000, 10, "CGNAT 100.64.0.0/10" },
	{ 0x7f000000, 8,  "loopback 127.0.0.0/8" },
	{ 0xa9fe0000, 16, "link-local 169.254.0.0/16" },
	{ 0xac100000, 12, "private 172.16.0.0/12" },
	{ 0xc0000000, 24, "IETF protocol assignments 192.0.0.0/24" },
	{ 0xc0000200, 24, "documentation 192.0.2.0/24" },
	{ 0xc0a80000, 16, "private 192.168.0.0/16" },
	{ 0xc6120000, 15, "benchmarking 198.18.0.0/15" },
	{ 0xc6336400, 24, "documentation 198.51.100.0/24" },
	{ 0xcb007100, 24, "documentation 203.0.113.0/24" },
	{ 0xe0000000, 4,  "multicast 224.0.0.0/4" },
	{ 0xf0000000, 4,  "reserved or broadcast 240.0.0.0/4" },
};

struct net6 {
	unsigned char net[16];
	unsigned bits;
	int v4_at;
	const char *what;
};

static const struct net6 refused6[] = {
	{ { 0 }, 128, -1, "unspecified ::" },
	{ { [15] = 1 }, 128, -1, "loopback ::1" },
	{ { [10] = 0xff, [11] = 0xff }, 96, 12, "IPv4-mapped ::ffff:0:0/96" },
	{ { 0 }, 96, 12, "IPv4-compatible ::/96" },
	{ { 0x00, 0x64, 0xff, 0x9b, [5] = 1 }, 48, -1, "local NAT64 64:ff9b:1::/48" },
	{ { 0x00, 0x64, 0xff, 0x9b }, 96, 12, "NAT64 64:ff9b::/96" },
	{ { 0x01 }, 64, -1, "discard 100::/64" },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, -1, "documentation 2001:db8::/32" },
	{ { 0x20, 0x01 }, 32, -1, "Teredo 2001::/32" },
	{ { 0x20, 0x02 }, 16, 2, "6to4 2002::/16" },
	{ { 0xfc }, 7, -1, "unique-local fc00::/7" },
	{ { 0xfe, 0x80 }, 10, -1, "link-local fe80::/10" },
	{ { 0xfe, 0xc0 }, 10, -1, "site-local fec0::/10" },
	{ { 0xff }, 8, -1, "multicast ff00::/8" },
};

static bool
prefix_match(const unsigned char *a, const unsigned char *net, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, net, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (net[whole] & mask);
}

static const char *
refused_v4(const unsigned char *a)
{
	uint32_t ip = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	    (uint32_t)a[2] << 8 | a[3];
	size_t i;

	for (i = 0; i < NELEM(refused4); i++) {
		uint32_t mask = 0xffffffffu << (32 - refused4[i].bits);

		if ((ip & mask) == refused4[i].net)
			return refused4[i].what;
	}
	return NULL;
}

static const char *
refused_v6(const unsigned char *a)
{
	size_t i;

	for (i = 0; i < NELEM(refused6); i++) {
		if (!prefix_match(a, refused6[i].net, refused6[i].bits))
			continue;
		if (refused6[i].v4_at >= 0)
			return refused_v4(a + refused6[i].v4_at);
		return refused6[i].what;
	}
	return NULL;
}

const char *
fetch_address_refused(int family, const void *addr)
{
	if (family == AF_INET)
		return refused_v4(addr);
	if (family == AF_INET6)
		return refused_v6(addr);
	return "not an IP address";
}

/* -------------------------------------------------------- allowed hosts */

/* A lowercase copy of n bytes of s (host names compare without case). */
static char *
lower_dup(const char *s, size_t n)
{
	char *copy = xstrndup(s, n);
	size_t i;

	for (i = 0; copy[i] != '\0'; i++)
		if (copy[i] >= 'A' && copy[i] <= 'Z')
			copy[i] = (char)(copy[i] - 'A' + 'a');
	return copy;
}

/* "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 address. */
static void
allow_parse(struct allow_host *ah, const char *entry)
{
	const char *colon = strrchr(entry, ':');
	const char *end = entry + strlen(entry);

	ah->port = 0;
	if (entry[0] == '[') {
		const char *close = strchr(entry, ']');

		if (close != NULL && close[1] == ':')
			ah->port = strtol(close + 2, NULL, 10);
		end = close != NULL ? close : end;
		entry++;
	} else if (colon != NULL && strchr(entry, ':') == colon) {
		ah->port = strtol(colon + 1, NULL, 10);
		end = colon;
	}
	ah->host = lower_dup(entry, (size_t)(end - entry));
}

static bool
allow_match(const struct fetcher *f, const char *host, long port)
{
	size_t i;

	for (i = 0; i < f->n_allow; i++) {
		if (strcasecmp(f->allow[i].host, host) != 0)
			continue;
		if (f->allow[i].port == 0 || f->allow[i].port == port)
			return true;
	}
	return false;
}

/* -------------------------------------------------------------- URLs */

/*
 * Splits an http(s) URL into lowercase host (no brackets) and port
 * (the scheme's default when absent).  0, or -1 if the URL is not a
 * valid http or https URL.
 */
static int
url_host_port(const char *url, char **host_out, long *port_out)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = -1;
	size_t n;

	if (u == NULL)
		log_fatal("out of memory (curl_url)");
	if (strlen(url) > CAP_URL_BYTES)
		goto done;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto done;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
		goto done;
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto done;
	n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
		*host_out = lower_dup(host + 1, n - 2);
	else
		*host_out = lower_dup(host, n);
	*port_out = strtol(port, NULL, 10);
	rc = 0;
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* The scheme of an absolute URL ("ftp"), or NULL; free() it. */
static char *
url_scheme(const char *url)
{
	size_t n = strspn(url, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

	if (n == 0 || url[n] != ':')
		return NULL;
	return xstrndup(url, n);
}

static char *
host_key(const char *host, long port)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s:%ld", host, port);
	return buf_steal(&b);
}

/* ------------------------------------------------------------ hosts */

static struct host **
host_slot(struct fetcher *f, const char *key)
{
	struct host **hp;

	hp = &f->hosts[util_fnv1a(key, strlen(key)) & (f->hosts_size - 1)];
	while (*hp != NULL && strcmp((*hp)->key, key) != 0)
		hp = &(*hp)->hash_next;
	return hp;
}

static void
hosts_grow(struct fetcher *f)
{
	struct host **old = f->hosts;
	size_t old_size = f->hosts_size, i;

	f->hosts_size *= 2;
	f->hosts = xcalloc(f->hosts_size, sizeof(*f->hosts));
	for (i = 0; i < old_size; i++) {
		while (old[i] != NULL) {
			struct host *h = old[i];
			struct host **hp;

			old[i] = h->hash_next;
			hp = &f->hosts[util_fnv1a(h->key, strlen(h->key)) &
			    (f->hosts_size - 1)];
			h->hash_next = *hp;
			*hp = h;
		}
	}
	free(old);
}

static struct host *
host_get(struct fetcher *f, const char *key)
{
	struct host **hp = host_slot(f, key);

	if (*hp != NULL)
		return *hp;
	*hp = xcalloc(1, sizeof(**hp));
	(*hp)->key = xstrdup(key);
	f->n_hosts++;
	if (f->n_hosts > f->hosts_size) {
		struct host *h = *hp;

		hosts_grow(f);
		return h;
	}
	return *hp;
}

/* Forgets a host with nothing queued or running. */
static void
host_drop(struct fetcher *f, struct host *h)
{
	struct host **hp = host_slot(f, h->key);

	*hp = h->hash_next;
	f->n_hosts--;
	free(h->key);
	free(h);
}

static void
ready_push(struct fetcher *f, struct host *h)
{
	if (h->in_ready)
		return;
	h->in_ready = true;
	h->ready_next = NULL;
	if (f->ready_tail != NULL)
		f->ready_tail->ready_next = h;
	else
		f->ready_head = h;
	f->ready_tail = h;
}

static void
ready_push_front(struct fetcher *f, struct host *h)
{
	if (h->in_ready)
		return;
	h->in_ready = true;
	h->ready_next = f->ready_head;
	f->ready_head = h;
	if (f->ready_tail == NULL)
		f->ready_tail = h;
}

static struct host *
ready_pop(struct fetcher *f)
{
	struct host *h = f->ready_head;

	f->ready_head = h->ready_next;
	if (f->ready_head == NULL)
		f->ready_tail = NULL;
	h->in_ready = false;
	return h;
}

/*
 * A transfer of h finished: h goes first in the ready list if it has
 * work waiting, so its next transfer reuses the connection just freed
 * (before the connection cache evicts it); a host with nothing left is
 * forgotten.
 */
static void
host_released(struct fetcher *f, struct host *h)
{
	if (h->queue_head != NULL)
		ready_push_front(f, h);
	else if (h->active == 0 && !h->in_ready)
		host_drop(f, h);
}

/* ---------------------------------------------------------- transfers */

static void
strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static char **
strv_copy(const char *const *v)
{
	size_t n = 0, i;
	char **copy;

	if (v == NULL)
		return NULL;
	while (v[n] != NULL)
		n++;
	copy = xcalloc(n + 1, sizeof(*copy));
	for (i = 0; i < n; i++)
		copy[i] = xstrdup(v[i]);
	return copy;
}

static void
transfer_free(struct transfer *t)
{
	if (t == NULL)
		return;
	if (t->easy != NULL)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->headers);
	fetch_result_free(t->res);
	free(t->etag);
	free(t->last_modified);
	free(t->content_type);
	free(t->post_body);
	strv_free(t->extra_headers);
	free(t->origin);
	free(t->hop_url);
	free(t->hop_host);
	free(t);
}

static void
transfer_fail(struct transfer *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sets the result's error (the first reason wins). */
static void
transfer_fail(struct transfer *t, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (t->res->error != NULL)
		return;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	t->res->error = buf_steal(&b);
}

/* "16 MiB", "64 KiB" or "1000 bytes". */
static void
format_size(char *out, size_t outlen, size_t n)
{
	if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
		snprintf(out, outlen, "%zu MiB", n / (1024 * 1024));
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(out, outlen, "%zu KiB", n / 1024);
	else
		snprintf(out, outlen, "%zu bytes", n);
}

/* "2 s" or "1.5 s". */
static void
format_seconds(char *out, size_t outlen, long ms)
{
	if (ms % 1000 == 0)
		snprintf(out, outlen, "%ld s", ms / 1000);
	else
		snprintf(out, outlen, "%.1f s", (double)ms / 1000.0);
}

static bool
is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 ||
	    status == 307 || status == 308;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;
	size_t max = t->f->cfg.max_body_bytes;

	t->hop_body_bytes += len;
	if (t->hop_body_bytes > max) {
		char sz[32];

		format_size(sz, sizeof(sz), max);
		transfer_fail(t, "response body larger than %s (max_feed_bytes)", sz);
		return 0;
	}
	if (is_redirect(t->hop_status))
		return len;             /* a redirect's body is not kept */
	if (buf_append(&t->res->body, data, len) == -1) {
		transfer_fail(t, "response body could not be stored");
		return 0;
	}
	return len;
}

/* At the end of a 2xx response's headers: room for the announced body. */
static void
reserve_body(struct transfer *t)
{
	curl_off_t length = -1;

	if (t->hop_status < 200 || t->hop_status > 299)
		return;
	if (curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
	    &length) != CURLE_OK || length <= 0)
		return;
	if ((uint64_t)length <= t->f->cfg.max_body_bytes)
		(void)buf_reserve(&t->res->body, (size_t)length);
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;

	if (len > 5 && memcmp(data, "HTTP/", 5) == 0) {
		const char *sp = memchr(data, ' ', len);

		/* a new response: a 1xx, a proxy's, or the real one */
		t->hop_header_bytes = 0;
		t->hop_status = sp != NULL ? strtol(sp + 1, NULL, 10) : 0;
	}
	t->hop_header_bytes += len;
	if (t->hop_header_bytes > CAP_HEADER_BYTES) {
		char sz[32];

		format_size(sz, sizeof(sz), CAP_HEADER_BYTES);
		transfer_fail(t, "response headers larger than %s", sz);
		return 0;
	}
	if ((len == 2 && data[0] == '\r') || (len == 1 && data[0] == '\n'))
		reserve_body(t);
	return len;
}

static curl_socket_t
on_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *sa)
{
	struct transfer *t = arg;
	const void *ip = NULL;
	curl_socket_t fd;

	(void)purpose;
	if (sa->family == AF_INET)
		ip = &((const struct sockaddr_in *)(const void *)&sa->addr)->sin_addr;
	else if (sa->family == AF_INET6)
		ip = &((const struct sockaddr_in6 *)(const void *)&sa->addr)->sin6_addr;
	if (!t->hop_private_ok && fetch_address_refused(sa->family, ip) != NULL) {
		if (ip == NULL || inet_ntop(sa->family, ip, t->refused_addr,
		    sizeof(t->refused_addr)) == NULL)
			snprintf(t->refused_addr, sizeof(t->refused_addr), "?");
		return CURL_SOCKET_BAD;
	}
	fd = socket(sa->family, sa->socktype | SOCK_CLOEXEC, sa->protocol);
	return fd < 0 ? CURL_SOCKET_BAD : fd;
}

/* An option libcurl refuses is a bug or a libcurl built without it. */
static void
setopt_check(CURLoption opt, CURLcode rc)
{
	if (rc != CURLE_OK)
		log_fatal("curl_easy_setopt(%d): %s", (int)opt, curl_easy_strerror(rc));
}

#define SET(t, opt, val) setopt_check((opt), curl_easy_setopt((t)->easy, (opt), (val)))

/* Options that stay the same on every hop. */
static void
transfer_setup(struct transfer *t)
{
	const struct fetch_config *cfg = &t->f->cfg;

	t->easy = curl_easy_init();
	if (t->easy == NULL)
		log_fatal("out of memory (curl_easy_init)");
	SET(t, CURLOPT_PRIVATE, t);
	SET(t, CURLOPT_NOSIGNAL, 1L);
	SET(t, CURLOPT_ERRORBUFFER, t->errbuf);
	SET(t, CURLOPT_PROTOCOLS_STR, "http,https");
	SET(t, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(t, CURLOPT_FOLLOWLOCATION, 0L);
	SET(t, CURLOPT_ACCEPT_ENCODING, cfg->accept_encoding);
	SET(t, CURLOPT_USERAGENT, cfg->user_agent);
	SET(t, CURLOPT_PROXY, cfg->proxy != NULL ? cfg->proxy : "");
	SET(t, CURLOPT_NOPROXY, "");
	SET(t, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
	SET(t, CURLOPT_LOW_SPEED_LIMIT, cfg->low_speed_bytes);
	SET(t, CURLOPT_LOW_SPEED_TIME, cfg->low_speed_time_s);
	SET(t, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cfg->max_body_bytes);
	SET(t, CURLOPT_WRITEFUNCTION, on_body);
	SET(t, CURLOPT_WRITEDATA, t);
	SET(t, CURLOPT_HEADERFUNCTION, on_header);
	SET(t, CURLOPT_HEADERDATA, t);
	SET(t, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
	SET(t, CURLOPT_OPENSOCKETDATA, t);
}

static bool
header_named(const char *line, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(line, name, n) == 0 && line[n] == ':';
}

static bool
headers_have(char *const *v, const char *name)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		if (header_named(v[i], name))
			return true;
	return false;
}

static void
headers_add(struct transfer *t, const char *name, const char *value)
{
	struct buf b = BUF_INIT;
	struct curl_slist *l;

	/* a stored validator must not smuggle in more header lines */
	if (value != NULL && strpbrk(value, "\r\n") != NULL)
		return;
	if (value != NULL)
		buf_printf(&b, "%s: %s", name, value);
	else
		buf_printf(&b, "%s", name);
	l = curl_slist_append(t->headers, buf_str(&b));
	if (l == NULL)
		log_fatal("out of memory (curl_slist_append)");
	t->headers = l;
	buf_free(&b);
}

/* The request headers for the hop to t->hop_url, whose host key is key. */
static void
hop_headers(struct transfer *t, const char *key)
{
	bool same_origin = strcmp(key, t->origin) == 0;
	size_t i;

	curl_slist_free_all(t->headers);
	t->headers = NULL;
	if (t->method == FETCH_GET) {
		if (t->etag != NULL)
			headers_add(t, "If-None-Match", t->etag);
		if (t->last_modified != NULL)
			headers_add(t, "If-Modified-Since", t->last_modified);
		if (!headers_have(t->extra_headers, "Accept"))
			headers_add(t, FETCH_ACCEPT, NULL);
	} else {
		headers_add(t, "Content-Type", t->content_type != NULL ?
		    t->content_type : "application/octet-stream");
		headers_add(t, "Expect:", NULL);
	}
	for (i = 0; t->extra_headers != NULL && t->extra_headers[i] != NULL; i++) {
		const char *h = t->extra_headers[i];

		/* credentials do not follow a redirect to another host */
		if (!same_origin && (header_named(h, "Authorization") ||
		    header_named(h, "Cookie")))
			continue;
		headers_add(t, h, NULL);
	}
}

/*
 * Points the easy handle at t->hop_url and adds it to the multi.
 * 0, or -1 with t->res->error set.
 */
static int
hop_start(struct transfer *t)
{
	struct fetcher *f = t->f;
	long port = 0, left_ms;
	char *host = NULL, *key = NULL;
	int rc = -1;

	if (url_host_port(t->hop_url, &host, &port) == -1) {
		transfer_fail(t, "invalid http(s) URL");
		goto done;
	}
	left_ms = f->cfg.total_timeout_ms - (long)(util_now_ms() - t->started_ms);
	if (left_ms <= 0) {
		char secs[32];

		format_seconds(secs, sizeof(secs), f->cfg.total_timeout_ms);
		transfer_fail(t, "timed out after %s (total timeout)", secs);
		goto done;
	}
	key = host_key(host, port);
	free(t->hop_host);
	t->hop_host = host;
	host = NULL;
	t->hop_private_ok = f->cfg.allow_private_addresses ||
	    f->cfg.proxy != NULL || allow_match(f, t->hop_host, port);
	t->hop_status = 0;
	t->hop_header_bytes = 0;
	t->hop_body_bytes = 0;
	t->refused_addr[0] = '\0';
	t->errbuf[0] = '\0';
	buf_reset(&t->res->body);
	hop_headers(t, key);

	SET(t, CURLOPT_URL, t->hop_url);
	SET(t, CURLOPT_HTTPHEADER, t->headers);
	SET(t, CURLOPT_TIMEOUT_MS, left_ms);
	if (t->method == FETCH_POST) {
		SET(t, CURLOPT_POSTFIELDS, t->post_body);
		SET(t, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)t->post_len);
	} else {
		SET(t, CURLOPT_HTTPGET, 1L);
	}
	if (curl_multi_add_handle(f->multi, t->easy) != CURLM_OK) {
		transfer_fail(t, "could not start the transfer (curl_multi_add_handle)");
		goto done;
	}
	rc = 0;
done:
	free(host);
	free(key);
	return rc;
}

static void
running_add(struct fetcher *f, struct transfer *t)
{
	if (f->active == f->running_cap) {
		f->running_cap = f->running_cap ? f->running_cap * 2 : 16;
		f->running = xrealloc(f->running, f->running_cap * sizeof(*f->running));
	}
	f->running[f->active++] = t;
}

static void
running_remove(struct fetcher *f, struct transfer *t)
{
	size_t i;

	/* at most `concurrency` entries: a short scan */
	for (i = 0; i < f->active; i++) {
		if (f->running[i] == t) {
			f->running[i] = f->running[--f->active];
			return;
		}
	}
}

/* ------------------------------------------------------- finishing */

/* Known errno values of a failed connect, in words. */
static const struct {
	int err;
	const char *text;
} connect_errors[] = {
	{ ECONNREFUSED, "connection refused" },
	{ ECONNRESET, "connection reset" },
	{ EHOSTUNREACH, "host unreachable" },
	{ ENETUNREACH, "network unreachable" },
	{ ETIMEDOUT, "connection timed out" },
};

/* libcurl results that need no more than a fixed sentence (sorted by code). */
static const struct {
	CURLcode code;
	const char *text;
} curl_errors[] = {
	{ CURLE_UNSUPPORTED_PROTOCOL, "unsupported protocol (only http and https are fetched)" },
	{ CURLE_URL_MALFORMAT, "malformed URL" },
	{ CURLE_COULDNT_RESOLVE_PROXY, "could not resolve the proxy host" },
	{ CURLE_WEIRD_SERVER_REPLY, "the server's reply is not valid HTTP" },
	{ CURLE_HTTP2, "HTTP/2 protocol error" },
	{ CURLE_PARTIAL_FILE, "the connection closed before the whole body arrived" },
	{ CURLE_TOO_MANY_REDIRECTS, "too many redirects" },
	{ CURLE_GOT_NOTHING, "empty reply from server" },
	{ CURLE_SEND_ERROR, "error sending the request" },
	{ CURLE_RECV_ERROR, "error receiving the response" },
	{ CURLE_BAD_CONTENT_ENCODING, "the body could not be decoded (bad Content-Encoding)" },
	{ CURLE_HTTP2_STREAM, "HTTP/2 stream error" },
	{ CURLE_HTTP3, "HTTP/3 error" },
};

static bool
is_tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
		return true;
	default:
		return false;
	}
}

static void
error_connect(struct transfer *t, struct buf *msg)
{
	long os_errno = 0;
	size_t i;

	(void)curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_errno);
	for (i = 0; i < NELEM(connect_errors); i++) {
		if (connect_errors[i].err == os_errno) {
			buf_printf(msg, "could not connect to %s: %s", t->hop_host,
			    connect_errors[i].text);
			return;
		}
	}
	buf_printf(msg, "could not connect to %s: %s", t->hop_host,
	    t->errbuf[0] != '\0' ? t->errbuf : "connection failed");
}

/*
 * Which limit ran out.  The low-speed check and a DNS timeout say so in
 * libcurl's message; otherwise the total timeout ran out if libcurl says
 * "Operation timed out" or that much time has passed since the transfer
 * started, and else it was the connect timeout.
 */
static void
error_timeout(struct transfer *t, struct buf *msg)
{
	const struct fetch_config *cfg = &t->f->cfg;
	int64_t elapsed_ms = util_now_ms() - t->started_ms;
	char secs[32];

	if (strncmp(t->errbuf, "Operation too slow", 18) == 0) {
		buf_printf(msg, "transfer too slow: under %ld bytes/s for %ld s",
		    cfg->low_speed_bytes, cfg->low_speed_time_s);
	} else if (elapsed_ms + 100 >= cfg->total_timeout_ms ||
	    strncmp(t->errbuf, "Operation timed out", 19) == 0) {
		/* libcurl's clock may run a little ahead of ours: allow for it */
		format_seconds(secs, sizeof(secs), cfg->total_timeout_ms);
		buf_printf(msg, "timed out after %s (total timeout)", secs);
	} else if (strncmp(t->errbuf, "Resolving timed out", 19) == 0) {
		format_seconds(secs, sizeof(secs), cfg->connect_timeout_ms);
		buf_printf(msg, "DNS lookup of %s timed out after %s",
		    t->hop_host, secs);
	} else {
		format_seconds(secs, sizeof(secs), cfg->connect_timeout_ms);
		buf_printf(msg, "connection to %s timed out after %s",
		    t->hop_host, secs);
	}
}

/* A clear message for a transfer libcurl ended with rc. */
static char *
error_message(struct transfer *t, CURLcode rc)
{
	struct buf msg = BUF_INIT;
	size_t i;

	if (t->refused_addr[0] != '\0' && rc == CURLE_COULDNT_CONNECT) {
		buf_printf(&msg, "refused to connect to %s: private or loopback "
		    "address (set allow_private_addresses or allow_private_hosts)",
		    t->refused_addr);
	} else if (rc == CURLE_COULDNT_RESOLVE_HOST) {
		buf_printf(&msg, "could not resolve host %s (DNS lookup failed)",
		    t->hop_host);
	} else if (rc == CURLE_COULDNT_CONNECT) {
		error_connect(t, &msg);
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		error_timeout(t, &msg);
	} else if (rc == CURLE_FILESIZE_EXCEEDED) {
		char sz[32];

		format_size(sz, sizeof(sz), t->f->cfg.max_body_bytes);
		buf_printf(&msg, "response body larger than %s (max_feed_bytes)", sz);
	} else if (is_tls_error(rc)) {
		buf_printf(&msg, "TLS error with %s: %s", t->hop_host,
		    t->errbuf[0] != '\0' ? t->errbuf : curl_easy_strerror(rc));
	} else {
		for (i = 0; i < NELEM(curl_errors); i++)
			if (curl_errors[i].code == rc)
				break;
		buf_puts(&msg, i < NELEM(curl_errors) ? curl_errors[i].text :
		    t->errbuf[0] != '\0' ? t->errbuf : curl_easy_strerror(rc));
	}
	return buf_steal(&msg);
}

/* The value of a response header of the last response, copied, or NULL. */
static char *
response_header(struct transfer *t, const char *name)
{
	struct curl_header *h = NULL;

	if (curl_easy_header(t->easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return NULL;
	return xstrdup(h->value);
}

/*
 * The final response arrived: fills in t->res from it.
 */
static void
result_fill(struct transfer *t)
{
	struct fetch_result *r = t->res;
	char *ct = NULL;

	r->final_url = xstrdup(t->hop_url);
	if (r->redirects > 0 && t->all_permanent)
		r->permanent_url = xstrdup(t->hop_url);
	r->etag = response_header(t, "ETag");
	r->last_modified = response_header(t, "Last-Modified");
	if (curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK &&
	    ct != NULL)
		r->content_type = xstrdup(ct);
	if (r->status == 429 || r->status == 503) {
		char *ra = response_header(t, "Retry-After");

		if (ra != NULL)
			r->retry_after = fetch_parse_retry_after(ra, util_now());
		free(ra);
	}
}

static bool
url_is_http(const char *url)
{
	char *host = NULL;
	long port = 0;
	int rc = url_host_port(url, &host, &port);

	free(host);
	return rc == 0;
}

/*
 * The response of this hop is a redirect to next (libcurl's absolute
 * form of location; NULL when it could not make one): points t at the
 * next hop.  0 to go on (the hop is started), or -1 with the error set.
 */
static int
redirect_follow(struct transfer *t, long status, const char *next,
    const char *location)
{
	const char *target = next != NULL ? next : location;
	char *scheme = url_scheme(target);
	int rc = -1;

	if (t->res->redirects >= CAP_REDIRECTS) {
		transfer_fail(t, "too many redirects (more than %d)", CAP_REDIRECTS);
		goto done;
	}
	if (scheme != NULL && strcasecmp(scheme, "http") != 0 &&
	    strcasecmp(scheme, "https") != 0) {
		transfer_fail(t, "redirect to a non-http(s) URL refused: %.200s", target);
		goto done;
	}
	if (next == NULL || !url_is_http(next)) {
		transfer_fail(t, "redirect to an invalid URL: %.200s", target);
		goto done;
	}
	t->res->redirects++;
	if (status != 301 && status != 308)
		t->all_permanent = false;
	/* as browsers do: 303 always, 301 and 302 after a POST, turn into GET */
	if (status == 301 || status == 302 || status == 303)
		t->method = FETCH_GET;
	free(t->hop_url);
	t->hop_url = xstrdup(next);
	rc = hop_start(t);
done:
	free(scheme);
	return rc;
}

/* Gives the finished transfer's slot back to its host and the fetcher. */
static void
transfer_release(struct fetcher *f, struct transfer *t)
{
	struct host *h = t->host;

	running_remove(f, t);
	h->active--;
	host_released(f, h);
	t->host = NULL;
}

/* Hands t's result to done() and frees t. */
static void
transfer_finish(struct transfer *t, fetch_done_fn done, void *arg)
{
	struct fetcher *f = t->f;
	struct fetch_result *r = t->res;

	transfer_release(f, t);
	r->elapsed_ms = (long)(util_now_ms() - t->started_ms);
	if (r->final_url == NULL)
		r->final_url = xstrdup(t->hop_url);
	if (r->error != NULL)
		buf_free(&r->body);
	(void)buf_reserve(&r->body, 0);         /* data never NULL */
	t->res = NULL;
	transfer_free(t);
	done(r, arg);
}

/*
 * libcurl finished one hop of t with rc: follows a redirect, or hands
 * the result to done().
 */
static void
hop_done(struct transfer *t, CURLcode rc, fetch_done_fn done, void *arg)
{
	long status = 0;
	char *next = NULL, *location = NULL;

	curl_multi_remove_handle(t->f->multi, t->easy);
	(void)curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	t->res->status = status;
	if (rc != CURLE_OK) {
		if (t->res->error == NULL)
			t->res->error = error_message(t, rc);
		goto finish;
	}
	if (is_redirect(status)) {
		(void)curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_URL, &next);
		location = response_header(t, "Location");
	}
	if (location != NULL) {
		int followed = redirect_follow(t, status, next, location);

		free(location);
		if (followed == 0)
			return;
	} else {
		/* not a redirect, or a 3xx without Location: a final answer */
		result_fill(t);
	}
finish:
	transfer_finish(t, done, arg);
}

static void
transfer_start(struct fetcher *f, struct transfer *t, fetch_done_fn done, void *arg)
{
	running_add(f, t);
	t->started_ms = util_now_ms();
	transfer_setup(t);
	if (hop_start(t) == -1)
		transfer_finish(t, done, arg);
}

/* Starts queued transfers while there are free slots. */
static void
start_some(struct fetcher *f, fetch_done_fn done, void *arg)
{
	while (f->active < f->cfg.concurrency && f->ready_head != NULL) {
		struct host *h = ready_pop(f);
		struct transfer *t = h->queue_head;

		h->queue_head = t->next;
		if (h->queue_head == NULL)
			h->queue_tail = NULL;
		t->next = NULL;
		f->queued--;
		h->active++;
		if (h->queue_head != NULL && h->active < f->cfg.per_host)
			ready_push(f, h);
		transfer_start(f, t, done, arg);
	}
}

/* Handles every hop libcurl finished; the number handled. */
static size_t
collect_finished(struct fetcher *f, fetch_done_fn done, void *arg)
{
	CURLMsg *m;
	int left;
	size_t n = 0;

	for (;;) {
		struct transfer *t = NULL;
		CURLcode rc;
		CURL *easy;

		m = curl_multi_info_read(f->multi, &left);
		if (m == NULL)
			break;
		if (m->msg != CURLMSG_DONE)
			continue;
		easy = m->easy_handle;
		rc = m->data.result;
		(void)curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)(void *)&t);
		hop_done(t, rc, done, arg);
		n++;
	}
	return n;
}

/* ------------------------------------------------------------ public */

void
fetch_result_free(struct fetch_result *r)
{
	if (r == NULL)
		return;
	free(r->url);
	free(r->error);
	free(r->final_url);
	free(r->permanent_url);
	free(r->etag);
	free(r->last_modified);
	free(r->content_type);
	buf_free(&r->body);
	free(r);
}

struct fetcher *
fetch_new(const struct fetch_config *cfg)
{
	struct fetcher *f = xcalloc(1, sizeof(*f));
	size_t n = 0;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		log_fatal("curl_global_init failed");
	f->cfg = *cfg;
	if (f->cfg.concurrency == 0)
		f->cfg.concurrency = FETCH_DEFAULT_CONCURRENCY;
	if (f->cfg.per_host == 0)
		f->cfg.per_host = FETCH_DEFAULT_PER_HOST;
	if (f->cfg.max_body_bytes == 0)
		f->cfg.max_body_bytes = CAP_FEED_BYTES_DEFAULT;
	if (f->cfg.connect_timeout_ms <= 0)
		f->cfg.connect_timeout_ms = FETCH_DEFAULT_CONNECT_MS;
	if (f->cfg.total_timeout_ms <= 0)
		f->cfg.total_timeout_ms = FETCH_DEFAULT_TOTAL_MS;
	if (f->cfg.low_speed_bytes <= 0)
		f->cfg.low_speed_bytes = FETCH_DEFAULT_LOW_SPEED_BYTES;
	if (f->cfg.low_speed_time_s <= 0)
		f->cfg.low_speed_time_s = FETCH_DEFAULT_LOW_SPEED_S;
	/* "" is no proxy too */
	f->proxy = cfg->proxy != NULL && cfg->proxy[0] != '\0' ? xstrdup(cfg->proxy) : NULL;
	f->user_agent = xstrdup(cfg->user_agent != NULL ? cfg->user_agent :
	    fetch_user_agent());
	f->accept_encoding = xstrdup(cfg->accept_encoding != NULL ?
	    cfg->accept_encoding : "");
	f->cfg.accept_encoding = f->accept_encoding;
	f->cfg.proxy = f->proxy;
	f->cfg.user_agent = f->user_agent;
	while (cfg->allow_private_hosts != NULL && cfg->allow_private_hosts[n] != NULL)
		n++;
	f->allow = xcalloc(n + 1, sizeof(*f->allow));
	for (f->n_allow = 0; f->n_allow < n; f->n_allow++)
		allow_parse(&f->allow[f->n_allow], cfg->allow_private_hosts[f->n_allow]);
	f->cfg.allow_private_hosts = NULL;

	f->hosts_size = 64;
	f->hosts = xcalloc(f->hosts_size, sizeof(*f->hosts));
	f->multi = curl_multi_init();
	if (f->multi == NULL)
		log_fatal("out of memory (curl_multi_init)");
	/*
	 * Idle connections kept for reuse.  A host's next transfer starts
	 * as soon as its last one ends (host_released), so few are needed;
	 * many would only hold file descriptors.
	 */
	curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS,
	    (long)(f->cfg.concurrency < 8 ? 16 : f->cfg.concurrency * 2));
	return f;
}

void
fetch_free(struct fetcher *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->active; i++) {
		curl_multi_remove_handle(f->multi, f->running[i]->easy);
		transfer_free(f->running[i]);
	}
	for (i = 0; i < f->hosts_size; i++) {
		while (f->hosts[i] != NULL) {
			struct host *h = f->hosts[i];

			f->hosts[i] = h->hash_next;
			while (h->queue_head != NULL) {
				struct transfer *t = h->queue_head;

				h->queue_head = t->next;
				transfer_free(t);
			}
			free(h->key);
			free(h);
		}
	}
	curl_multi_cleanup(f->multi);
	for (i = 0; i < f->n_allow; i++)
		free(f->allow[i].host);
	free(f->allow);
	free(f->hosts);
	free(f->running);
	free(f->proxy);
	free(f->user_agent);
	free(f->accept_encoding);
	free(f);
	curl_global_cleanup();
}

int
fetch_add(struct fetcher *f, const struct fetch_request *req)
{
	struct transfer *t;
	struct host *h;
	char *host = NULL;
	long port = 0;

	if (req->url == NULL || url_host_port(req->url, &host, &port) == -1)
		return -1;
	t = xcalloc(1, sizeof(*t));
	t->f = f;
	t->method = req->method;
	t->etag = xstrdup(req->etag);
	t->last_modified = xstrdup(req->last_modified);
	t->content_type = xstrdup(req->content_type);
	if (req->method == FETCH_POST) {
		t->post_body = xmalloc(req->body_len + 1);
		if (req->body_len > 0)
			memcpy(t->post_body, req->body, req->body_len);
		t->post_body[req->body_len] = '\0';
		t->post_len = req->body_len;
	}
	t->extra_headers = strv_copy(req->headers);
	t->origin = host_key(host, port);
	t->hop_url = xstrdup(req->url);
	t->all_permanent = true;
	t->res = xcalloc(1, sizeof(*t->res));
	t->res->id = req->id;
	t->res->user = req->user;
	t->res->url = xstrdup(req->url);
	buf_init(&t->res->body, f->cfg.max_body_bytes);
	free(host);

	h = host_get(f, t->origin);
	t->host = h;
	if (h->queue_tail != NULL)
		h->queue_tail->next = t;
	else
		h->queue_head = t;
	h->queue_tail = t;
	f->queued++;
	if (h->active < f->cfg.per_host)
		ready_push(f, h);
	return 0;
}

size_t
fetch_run(struct fetcher *f, int timeout_ms, fetch_done_fn done, void *arg)
{
	int64_t deadline = util_now_ms() + timeout_ms;

	for (;;) {
		int running = 0;
		int64_t left;
		size_t finished;

		start_some(f, done, arg);
		if (f->active > 0)
			curl_multi_perform(f->multi, &running);
		finished = collect_finished(f, done, arg);
		if (fetch_pending(f) == 0)
			break;
		if (finished > 0)
			continue;       /* start the next ones at once */
		left = timeout_ms < 0 ? 1000 : deadline - util_now_ms();
		if (left <= 0)
			break;
		curl_multi_poll(f->multi, NULL, 0, (int)left, NULL);
	}
	return fetch_pending(f);
}

size_t
fetch_pending(const struct fetcher *f)
{
	return f->queued + f->active;
}

int64_t
fetch_parse_retry_after(const char *value, int64_t now)
{
	struct slice s = slice_trim(slice_from(value != NULL ? value : ""));
	int64_t secs = 0;
	size_t i;
	time_t when;

	if (s.len == 0)
		return 0;
	if (strspn(s.ptr, "0123456789") >= s.len) {
		for (i = 0; i < s.len; i++) {
			secs = secs * 10 + (s.ptr[i] - '0');
			if (secs > FETCH_RETRY_AFTER_MAX_S)
				return FETCH_RETRY_AFTER_MAX_S;
		}
		return secs;
	}
	when = curl_getdate(value, NULL);
	if (when == (time_t)-1 || (int64_t)when <= now)
		return 0;
	secs = (int64_t)when - now;
	return secs > FETCH_RETRY_AFTER_MAX_S ? FETCH_RETRY_AFTER_MAX_S : secs;
}

const char *
fetch_user_agent(void)
{
	return PACKAGE_NAME "/" PACKAGE_VERSION " (+" PACKAGE_URL ")";
}

/* ---------------------------------------------------------------- mail (SMTP) */

#define FETCH_MAIL_DEFAULT_MS 60000L
#define FETCH_MAIL_CONNECT_MS 10000L

struct fetch_mailer {
	CURL *easy;
	char *url, *user, *password, *from;
	bool starttls;
	long timeout_ms;
	char last_reply[256];           /* the server's first refusal (4xx/5xx) of a message */
	char errbuf[CURL_ERROR_SIZE];
};

struct mail_upload {
	const char *p;
	size_t left;
};

static size_t
on_mail_read(char *out, size_t size, size_t n, void *arg)
{
	struct mail_upload *u = arg;
	size_t k = size * n < u->left ? size * n : u->left;

	memcpy(out, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

/* Keeps the server's first refusal of a message (libcurl reports replies as incoming headers). */
static int
on_mail_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *arg)
{
	struct fetch_mailer *m = arg;
	size_t n = size;

	(void)easy;
	/* the first 4xx/5xx answer of a message says why; what follows (221 Bye) does not */
	if (type != CURLINFO_HEADER_IN || m->last_reply[0] != '\0' || size == 0 ||
	    (data[0] != '4' && data[0] != '5'))
		return 0;
	while (n > 0 && (data[n - 1] == '\r' || data[n - 1] == '\n'))
		n--;
	if (n >= sizeof(m->last_reply))
		n = sizeof(m->last_reply) - 1;
	memcpy(m->last_reply, data, n);
	m->last_reply[n] = '\0';
	return 0;
}

struct fetch_mailer *
fetch_mail_new(const struct fetch_mail_config *cfg)
{
	struct fetch_mailer *m = xcalloc(1, sizeof(*m));

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		log_fatal("curl_global_init failed");
	m->url = xstrdup(cfg->url);
	m->user = xstrdup(cfg->user);
	m->password = xstrdup(cfg->password);
	m->from = xstrdup(cfg->from);
	m->starttls = cfg->starttls;
	m->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : FETCH_MAIL_DEFAULT_MS;
	return m;
}

void
fetch_mail_free(struct fetch_mailer *m)
{
	if (m == NULL)
		return;
	if (m->easy != NULL)
		curl_easy_cleanup(m->easy);     /* QUIT on the open connection */
	free(m->url);
	free(m->user);
	if (m->password != NULL)
		memset(m->password, 0, strlen(m->password));
	free(m->password);
	free(m->from);
	free(m);
	curl_global_cleanup();
}

/* The handle and what stays the same for every message. */
static void
mail_setup(struct fetch_mailer *m)
{
	struct buf from = BUF_INIT;

	m->easy = curl_easy_init();
	if (m->easy == NULL)
		log_fatal("curl_easy_init failed (out of memory)");
	buf_printf(&from, "<%s>", m->from != NULL ? m->from : "");
	setopt_check(CURLOPT_URL, curl_easy_setopt(m->easy, CURLOPT_URL, m->url));
	setopt_check(CURLOPT_PROTOCOLS_STR, curl_easy_setopt(m->easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps"));
	setopt_check(CURLOPT_MAIL_FROM, curl_easy_setopt(m->easy, CURLOPT_MAIL_FROM, buf_str(&from)));
	setopt_check(CURLOPT_UPLOAD, curl_easy_setopt(m->easy, CURLOPT_UPLOAD, 1L));
	setopt_check(CURLOPT_READFUNCTION, curl_easy_setopt(m->easy, CURLOPT_READFUNCTION, on_mail_read));
	setopt_check(CURLOPT_NOSIGNAL, curl_easy_setopt(m->easy, CURLOPT_NOSIGNAL, 1L));
	setopt_check(CURLOPT_CONNECTTIMEOUT_MS, curl_easy_setopt(m->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    m->timeout_ms < FETCH_MAIL_CONNECT_MS ? m->timeout_ms : FETCH_MAIL_CONNECT_MS));
	setopt_check(CURLOPT_TIMEOUT_MS, curl_easy_setopt(m->easy, CURLOPT_TIMEOUT_MS, m->timeout_ms));
	setopt_check(CURLOPT_ERRORBUFFER, curl_easy_setopt(m->easy, CURLOPT_ERRORBUFFER, m->errbuf));
	setopt_check(CURLOPT_DEBUGFUNCTION, curl_easy_setopt(m->easy, CURLOPT_DEBUGFUNCTION, on_mail_debug));
	setopt_check(CURLOPT_DEBUGDATA, curl_easy_setopt(m->easy, CURLOPT_DEBUGDATA, m));
	setopt_check(CURLOPT_VERBOSE, curl_easy_setopt(m->easy, CURLOPT_VERBOSE, 1L));
	if (strncmp(m->url, "smtp:", 5) == 0)
		setopt_check(CURLOPT_USE_SSL, curl_easy_setopt(m->easy, CURLOPT_USE_SSL,
		    (long)(m->starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE)));
	if (m->user != NULL) {
		setopt_check(CURLOPT_USERNAME, curl_easy_setopt(m->easy, CURLOPT_USERNAME, m->user));
		setopt_check(CURLOPT_PASSWORD, curl_easy_setopt(m->easy, CURLOPT_PASSWORD,
		    m->password != NULL ? m->password : ""));
	}
	buf_free(&from);
}

/* What one failed transfer means for this recipient. */
static enum fetch_mail_outcome
mail_outcome(const struct fetch_mailer *m, CURLcode rc, long code)
{
	if (rc == CURLE_LOGIN_DENIED || rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_USE_SSL_FAILED ||
	    rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
		return FETCH_MAIL_RETRY;
	/* a refused sender is the config's problem, not this recipient's */
	if (strncmp(m->errbuf, "MAIL failed", 11) == 0)
		return FETCH_MAIL_RETRY;
	return code >= 500 && code < 600 ? FETCH_MAIL_REJECTED : FETCH_MAIL_RETRY;
}

enum fetch_mail_outcome
fetch_mail_send(struct fetch_mailer *m, const char *rcpt, const char *msg, size_t len, char **err)
{
	struct curl_slist *to;
	struct mail_upload up = { msg, len };
	struct buf addr = BUF_INIT, text = BUF_INIT;
	enum fetch_mail_outcome outcome;
	CURLcode rc;
	long code = 0;

	*err = NULL;
	if (m->easy == NULL)
		mail_setup(m);
	buf_printf(&addr, "<%s>", rcpt);
	to = curl_slist_append(NULL, buf_str(&addr));
	if (to == NULL)
		log_fatal("out of memory");
	m->errbuf[0] = '\0';
	m->last_reply[0] = '\0';
	setopt_check(CURLOPT_MAIL_RCPT, curl_easy_setopt(m->easy, CURLOPT_MAIL_RCPT, to));
	setopt_check(CURLOPT_READDATA, curl_easy_setopt(m->easy, CURLOPT_READDATA, &up));
	setopt_check(CURLOPT_INFILESIZE_LARGE, curl_easy_setopt(m->easy, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)len));
	rc = curl_easy_perform(m->easy);
	curl_easy_getinfo(m->easy, CURLINFO_RESPONSE_CODE, &code);
	setopt_check(CURLOPT_MAIL_RCPT, curl_easy_setopt(m->easy, CURLOPT_MAIL_RCPT, NULL));
	curl_slist_free_all(to);
	buf_free(&addr);
	if (rc == CURLE_OK)
		return FETCH_MAIL_SENT;
	outcome = mail_outcome(m, rc, code);
	buf_puts(&text, m->errbuf[0] != '\0' ? m->errbuf : curl_easy_strerror(rc));
	if (m->last_reply[0] != '\0' && code >= 400)
		buf_printf(&text, " (the server said: %s)", m->last_reply);
	*err = buf_steal(&text);
	return outcome;
}
