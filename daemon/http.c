/*
 * http.c: libmicrohttpd behind http.h; the only file that includes
 * microhttpd.h.
 *
 * One request goes: limits and method checks ─▶ page cache lookup (keyed
 * by path and query, valid while the store's generation is unchanged) ─▶
 * on a miss, the route handler fills a struct reply (http_reader.c) ─▶
 * the reply becomes a cached, shareable MHD response with its gzip twin
 * and validators ─▶ conditional requests are answered 304 from the same
 * entry.  Every response carries the security headers.
 *
 * Threads: MHD's internal pool (epoll); each worker lazily opens its own
 * read-only store connection.  A reaper thread enforces a total deadline
 * per request, which libmicrohttpd 0.9.75 lacks (its timeout is for
 * inactivity only, so a client dripping one byte a second would stay).
 */
#include "http.h"
#include "http_int.h"
#include "config.h"
#include "crier.h"
#include "date.h"
#include "log.h"
#include "store.h"
#include "template.h"
#include "util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define CACHE_BUCKETS 1024
#define CACHE_MAX_ENTRIES 2048
#define CACHE_KEY_MAX 512
#define STATIC_MAX_BYTES (4u * 1024 * 1024)
#define GZIP_MIN_BYTES 512

const char *const http_route_names[ROUTE_COUNT] = {
	[ROUTE_RIVER] = "river", [ROUTE_FEED] = "feed", [ROUTE_WEEK] = "week",
	[ROUTE_TAG] = "tag", [ROUTE_SOURCE] = "source", [ROUTE_TEAM] = "team",
	[ROUTE_POST] = "post", [ROUTE_SEARCH] = "search", [ROUTE_SOURCES] = "sources",
	[ROUTE_OPML] = "opml", [ROUTE_STATIC] = "static", [ROUTE_HEALTHZ] = "healthz",
	[ROUTE_METRICS] = "metrics", [ROUTE_MICROPUB] = "micropub", [ROUTE_MEDIA] = "media",
	[ROUTE_WRITE] = "write", [ROUTE_DIGEST] = "digest", [ROUTE_OTHER] = "other",
};

/* Paths whose POSTs carry a body, and the most they may send.  0: the
 * config's max_media_bytes (the media endpoint, and /micropub, whose
 * multipart creates may carry photos; http_micropub.c holds its form and
 * JSON bodies to 1 MiB itself). */
static const struct body_route body_routes[] = {
	{ "/micropub/media", 0 },
	{ "/micropub", 0 },                 /* multipart creates may carry photos: max_media_bytes */
	{ "/write", 2 * 1024 * 1024 },     /* 512 KiB of Markdown, percent-encoded */
	{ "/login", 16 * 1024 },
	{ "/logout", 16 * 1024 },
	{ "/digests", 1024 * 1024 },
	{ "/digest/", 1024 * 1024 },
};

/* Security headers on every response (no inline script; images and media
 * from anywhere over https; nothing may frame us). */
static const char csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "media-src 'self' https:; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'";

/* Duration histogram buckets, seconds. */
static const double buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0 };
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

/* One cached page: shareable MHD responses for each representation. */
struct entry {
	struct entry *next;
	uint64_t hash;
	char *key;
	uint64_t gen;
	unsigned status;
	struct MHD_Response *plain, *gzip;      /* gzip is NULL when not worth it */
	struct MHD_Response *plain_304, *gzip_304;
	char etag[24], etag_gz[28];
	int64_t last_modified;
	enum route route;
};

/* What the server remembers about one request while it arrives. */
struct req_state {
	bool started;           /* the handler has seen the headers */
	bool bad_uri;           /* refused before routing */
	bool reading;           /* a body is being collected */
	bool too_large;         /* it went over its cap */
	struct buf body;
};

/* A connection being tracked for the total deadline. */
struct tracked {
	struct tracked *prev, *next;
	int fd;
	_Atomic int64_t started_ms;   /* start of the current request */
};

/* A worker thread's read-only store connection. */
struct reader_conn {
	struct reader_conn *next;
	struct store *store;
	int64_t data_version;
};

struct http {
	struct crier *c;
	struct MHD_Daemon *daemon;
	unsigned port;
	struct templates *templates;
	char *static_dirs[3];
	char static_prefix[32];
	char *db_path;

	_Atomic uint64_t gen;                   /* page cache generation */
	pthread_rwlock_t cache_lock;
	struct entry *buckets[CACHE_BUCKETS];
	size_t n_entries;

	pthread_mutex_t conns_lock;
	struct reader_conn *readers;            /* every connection opened, for cleanup */
	struct tracked tracked;                 /* list head */

	pthread_t reaper;
	_Atomic bool stopping;
	pthread_mutex_t reaper_lock;
	pthread_cond_t reaper_cond;

	/* metrics */
	_Atomic uint64_t requests[ROUTE_COUNT][6];      /* by status class 1xx..5xx; [0] other */
	_Atomic uint64_t duration_us_sum[ROUTE_COUNT];
	_Atomic uint64_t duration_bucket[ROUTE_COUNT][NBUCKETS + 1];
	_Atomic uint64_t cache_hits, cache_misses, not_modified, deadline_cuts;
};

static pthread_key_t reader_key;
static pthread_once_t reader_key_once = PTHREAD_ONCE_INIT;

static void
make_reader_key(void)
{
	pthread_key_create(&reader_key, NULL);
}

/* ---------------------------------------------------------------- store per thread */

/*
 * This thread's read-only connection; also notices when any writer has
 * committed since this thread last looked, and then bumps the cache
 * generation (SQLite's data_version differs per connection, so the
 * generation itself lives here).
 */
static struct store *
thread_store(struct http *h)
{
	struct reader_conn *rc = pthread_getspecific(reader_key);
	char *err = NULL;
	int64_t v;

	if (rc == NULL) {
		struct store *s = store_open(h->db_path, STORE_READER, &err);
		if (s == NULL) {
			log_error("cannot open the database for reading", "error=%s", log_quote(err));
			free(err);
			return NULL;
		}
		rc = xcalloc(1, sizeof(*rc));
		rc->store = s;
		rc->data_version = store_generation(s);
		pthread_mutex_lock(&h->conns_lock);
		rc->next = h->readers;
		h->readers = rc;
		pthread_mutex_unlock(&h->conns_lock);
		pthread_setspecific(reader_key, rc);
		return s;
	}
	v = store_generation(rc->store);
	if (v != rc->data_version) {
		rc->data_version = v;
		atomic_fetch_add(&h->gen, 1);
	}
	return rc->store;
}

/* ---------------------------------------------------------------- helpers */

const char *
http_query(const struct request *rq, const char *name)
{
	return MHD_lookup_connection_value((struct MHD_Connection *)rq->conn,
	    MHD_GET_ARGUMENT_KIND, name);
}

struct query_values {
	const char *name;
	const char **out;
	size_t max, n;
};

static enum MHD_Result
collect_value(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct query_values *q = cls;

	(void)kind;
	if (key != NULL && value != NULL && strcmp(key, q->name) == 0 && q->n < q->max)
		q->out[q->n++] = value;
	return MHD_YES;
}

size_t
http_query_values(const struct request *rq, const char *name, const char **out, size_t max)
{
	struct query_values q = { name, out, max, 0 };

	MHD_get_connection_values((struct MHD_Connection *)rq->conn, MHD_GET_ARGUMENT_KIND,
	    collect_value, &q);
	return q.n;
}

const char *
http_header(const struct request *rq, const char *name)
{
	return MHD_lookup_connection_value((struct MHD_Connection *)rq->conn, MHD_HEADER_KIND, name);
}

const char *
http_cookie(const struct request *rq, const char *name)
{
	return MHD_lookup_connection_value((struct MHD_Connection *)rq->conn, MHD_COOKIE_KIND, name);
}

static bool
is_trusted_proxy(const struct config *cfg, const char *addr)
{
	char **p;

	for (p = cfg->trusted_proxies; p != NULL && *p != NULL; p++) {
		if (strcmp(*p, addr) == 0)
			return true;
	}
	return false;
}

void
http_client_addr(const struct request *rq, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
	    (struct MHD_Connection *)rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *xff;
	char peer[INET6_ADDRSTRLEN] = "unknown";

	if (ci != NULL && ci->client_addr != NULL) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, peer, sizeof(peer));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, peer, sizeof(peer));
	}
	snprintf(out, n, "%s", peer);
	if (!is_trusted_proxy(rq->c->cfg, peer))
		return;
	xff = http_header(rq, "X-Forwarded-For");
	if (xff == NULL)
		return;
	/* walk from the right: the first address that is not a trusted proxy is the client */
	{
		char copy[1024], *tok, *save = NULL, *last_untrusted = NULL;
		char *parts[64];
		int k = 0;
		snprintf(copy, sizeof(copy), "%s", xff);
		for (tok = strtok_r(copy, ", ", &save); tok != NULL && k < 64; tok = strtok_r(NULL, ", ", &save))
			parts[k++] = tok;
		while (k-- > 0) {
			if (!is_trusted_proxy(rq->c->cfg, parts[k])) {
				last_untrusted = parts[k];
				break;
			}
		}
		if (last_untrusted != NULL)
			snprintf(out, n, "%s", last_untrusted);
	}
}

void
http_reply_header(struct reply *rp, const char *name, const char *value)
{
	buf_printf(&rp->headers, "%s: %s\n", name, value);
}

/* Adds rp's extra header lines to a response. */
static void
add_extra_headers(struct MHD_Response *r, const struct reply *rp)
{
	const char *p = buf_str(&rp->headers), *colon, *nl;
	char name[128], value[4096];

	while (*p) {
		colon = strchr(p, ':');
		nl = strchr(p, '\n');
		if (colon == NULL || nl == NULL || colon > nl)
			break;
		snprintf(name, sizeof(name), "%.*s", (int)(colon - p), p);
		snprintf(value, sizeof(value), "%.*s", (int)(nl - colon - 2), colon + 2);
		MHD_add_response_header(r, name, value);
		p = nl + 1;
	}
}

const char *const *
http_static_dirs(const struct http *h)
{
	return (const char *const *)h->static_dirs;
}

const char *
http_static_prefix(const struct http *h)
{
	return h->static_prefix;
}

static void
add_common_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "strict-origin-when-cross-origin");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
}

static bool
accepts_gzip(struct MHD_Connection *conn)
{
	const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
	const char *p;

	if (ae == NULL)
		return false;
	for (p = strcasestr(ae, "gzip"); p != NULL; p = strcasestr(p + 4, "gzip")) {
		const char *q = p + 4;
		while (*q == ' ')
			q++;
		if (*q == ';') {
			/* "gzip;q=0" refuses it */
			const char *qv = strstr(q, "q=");
			if (qv != NULL && strtod(qv + 2, NULL) == 0.0)
				return false;
		}
		return true;
	}
	return false;
}

static bool
compressible(const char *ct)
{
	return strncmp(ct, "text/", 5) == 0 || strstr(ct, "json") != NULL ||
	    strstr(ct, "xml") != NULL || strstr(ct, "javascript") != NULL ||
	    strstr(ct, "svg") != NULL;
}

/* gzip of data into out; -1 on a zlib failure. */
static int
gzip_bytes(const char *data, size_t len, struct buf *out)
{
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	buf_reserve(out, deflateBound(&z, len) + 32);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out->data;
	z.avail_out = (uInt)(out->cap - 1);
	rc = deflate(&z, Z_FINISH);
	out->len = z.total_out;
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}

/* A response owning a copy of body. */
static struct MHD_Response *
response_copy(const char *body, size_t len)
{
	return MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
}

static void
add_cache_headers(struct MHD_Response *r, const struct reply *rp, const char *etag, bool vary)
{
	char date[40], cc[64];

	if (etag != NULL)
		MHD_add_response_header(r, "ETag", etag);
	if (rp->last_modified > 0) {
		util_http_date(rp->last_modified, date);
		MHD_add_response_header(r, "Last-Modified", date);
	}
	if (rp->max_age > 0) {
		snprintf(cc, sizeof(cc), "public, max-age=%d", rp->max_age);
		MHD_add_response_header(r, "Cache-Control", cc);
	} else {
		MHD_add_response_header(r, "Cache-Control", "no-cache");
	}
	if (vary)
		MHD_add_response_header(r, "Vary", "Accept-Encoding");
}

/* Builds the shareable responses for a reply: plain, gzip and their 304s. */
static struct entry *
entry_from_reply(const struct reply *rp)
{
	struct entry *e = xcalloc(1, sizeof(*e));
	struct buf gz = BUF_INIT;
	bool zip = rp->body.len >= GZIP_MIN_BYTES && compressible(rp->content_type);
	uint64_t hash = util_fnv1a(rp->body.data, rp->body.len);

	e->status = rp->status;
	e->route = rp->route;
	e->last_modified = rp->last_modified;
	snprintf(e->etag, sizeof(e->etag), "\"%016llx\"", (unsigned long long)hash);
	snprintf(e->etag_gz, sizeof(e->etag_gz), "\"%016llx-gz\"", (unsigned long long)hash);
	e->plain = response_copy(buf_str(&rp->body), rp->body.len);
	MHD_add_response_header(e->plain, "Content-Type", rp->content_type);
	add_cache_headers(e->plain, rp, e->etag, zip);
	add_common_headers(e->plain);
	if (rp->link != NULL)
		MHD_add_response_header(e->plain, "Link", rp->link);
	e->plain_304 = response_copy("", 0);
	add_cache_headers(e->plain_304, rp, e->etag, zip);
	add_common_headers(e->plain_304);
	if (zip && gzip_bytes(buf_str(&rp->body), rp->body.len, &gz) == 0) {
		e->gzip = response_copy(gz.data, gz.len);
		MHD_add_response_header(e->gzip, "Content-Type", rp->content_type);
		MHD_add_response_header(e->gzip, "Content-Encoding", "gzip");
		add_cache_headers(e->gzip, rp, e->etag_gz, true);
		add_common_headers(e->gzip);
		if (rp->link != NULL)
			MHD_add_response_header(e->gzip, "Link", rp->link);
		e->gzip_304 = response_copy("", 0);
		add_cache_headers(e->gzip_304, rp, e->etag_gz, true);
		add_common_headers(e->gzip_304);
	}
	buf_free(&gz);
	return e;
}

static void
entry_free(struct entry *e)
{
	if (e == NULL)
		return;
	MHD_destroy_response(e->plain);
	MHD_destroy_response(e->plain_304);
	if (e->gzip != NULL) {
		MHD_destroy_response(e->gzip);
		MHD_destroy_response(e->gzip_304);
	}
	free(e->key);
	free(e);
}

/* Does If-None-Match (a list of entity tags, or *) match etag? */
static bool
etag_matches(const char *inm, const char *etag)
{
	const char *p = inm;
	size_t n = strlen(etag);

	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0)
			return true;
		while (*p && *p != ',')
			p++;
	}
	return false;
}

static bool
not_modified(struct MHD_Connection *conn, const char *etag, int64_t last_modified)
{
	const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
	const char *ims;
	int64_t t;

	if (inm != NULL)
		return etag_matches(inm, etag);
	ims = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-Modified-Since");
	if (ims == NULL || last_modified <= 0)
		return false;
	return date_parse(ims, &t) && last_modified <= t;
}

/* Queues the right representation of e: 304 or 200, gzip or not. */
static enum MHD_Result
queue_entry(struct http *h, struct MHD_Connection *conn, const struct entry *e)
{
	bool zip = e->gzip != NULL && accepts_gzip(conn);
	const char *etag = zip ? e->etag_gz : e->etag;

	if (e->status == MHD_HTTP_OK && not_modified(conn, etag, e->last_modified)) {
		atomic_fetch_add(&h->not_modified, 1);
		return MHD_queue_response(conn, MHD_HTTP_NOT_MODIFIED, zip ? e->gzip_304 : e->plain_304);
	}
	return MHD_queue_response(conn, e->status, zip ? e->gzip : e->plain);
}

/* ---------------------------------------------------------------- page cache */

static enum MHD_Result
collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct buf *b = cls;

	(void)kind;
	buf_printf(b, "%c%s=%s", b->len && strchr(buf_str(b), '?') ? '&' : '?', key,
	    value ? value : "");
	return MHD_YES;
}

/* path + query, or false when too long to be worth caching. */
static bool
cache_key(struct MHD_Connection *conn, const char *path, struct buf *key)
{
	buf_init(key, CACHE_KEY_MAX);
	if (buf_puts(key, path) == -1)
		return false;
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, key);
	return key->len < CACHE_KEY_MAX;
}

static struct entry **
cache_slot(struct http *h, const char *key, uint64_t hash)
{
	struct entry **pe = &h->buckets[hash % CACHE_BUCKETS];

	while (*pe != NULL && ((*pe)->hash != hash || strcmp((*pe)->key, key) != 0))
		pe = &(*pe)->next;
	return pe;
}

/* Answers from the cache when it holds a current entry; true if it did. */
static bool
cache_answer(struct http *h, struct MHD_Connection *conn, const char *key, uint64_t gen,
    enum MHD_Result *rc, enum route *route)
{
	uint64_t hash = util_fnv1a(key, strlen(key));
	struct entry *e;
	bool hit = false;

	pthread_rwlock_rdlock(&h->cache_lock);
	e = *cache_slot(h, key, hash);
	if (e != NULL && e->gen == gen) {
		*rc = queue_entry(h, conn, e);
		*route = e->route;
		hit = true;
	}
	pthread_rwlock_unlock(&h->cache_lock);
	return hit;
}

static void
cache_evict_all(struct http *h)
{
	size_t i;

	for (i = 0; i < CACHE_BUCKETS; i++) {
		struct entry *e = h->buckets[i], *next;
		for (; e != NULL; e = next) {
			next = e->next;
			entry_free(e);
		}
		h->buckets[i] = NULL;
	}
	h->n_entries = 0;
}

/* Stores e under key (replacing an older entry); the cache owns e. */
static void
cache_put(struct http *h, const char *key, struct entry *e)
{
	uint64_t hash = util_fnv1a(key, strlen(key));
	struct entry **pe;

	e->hash = hash;
	e->key = xstrdup(key);
	pthread_rwlock_wrlock(&h->cache_lock);
	pe = cache_slot(h, key, hash);
	if (*pe != NULL) {
		struct entry *old = *pe;
		e->next = old->next;
		*pe = e;
		entry_free(old);
	} else {
		if (h->n_entries >= CACHE_MAX_ENTRIES)
			cache_evict_all(h);     /* rare: bounded memory beats clever eviction */
		pe = &h->buckets[hash % CACHE_BUCKETS];
		e->next = *pe;
		*pe = e;
		h->n_entries++;
	}
	pthread_rwlock_unlock(&h->cache_lock);
}

/* ---------------------------------------------------------------- static files */

static const struct { const char *ext; const char *type; } mime_types[] = {
	/* sorted by extension */
	{ "css", "text/css; charset=utf-8" }, { "gif", "image/gif" },
	{ "ico", "image/x-icon" }, { "jpeg", "image/jpeg" }, { "jpg", "image/jpeg" },
	{ "js", "text/javascript; charset=utf-8" }, { "json", "application/json" },
	{ "png", "image/png" }, { "svg", "image/svg+xml" }, { "txt", "text/plain; charset=utf-8" },
	{ "webp", "image/webp" }, { "woff", "font/woff" }, { "woff2", "font/woff2" },
};

static int
mime_cmp(const void *key, const void *m)
{
	return strcasecmp(key, *(const char *const *)m);
}

static const char *
mime_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	const char *const *m;

	if (dot == NULL)
		return NULL;
	m = bsearch(dot + 1, mime_types, NELEM(mime_types), sizeof(mime_types[0]), mime_cmp);
	return m != NULL ? m[1] : NULL;
}

/* A safe relative file name: no empty, "." or ".." segments, no backslash or control bytes. */
static bool
safe_relative(const char *p)
{
	const char *seg = p;

	if (*p == '\0' || *p == '/')
		return false;
	for (; ; p++) {
		if (*p == '/' || *p == '\0') {
			size_t n = (size_t)(p - seg);
			if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
				return false;
			if (*p == '\0')
				return true;
			seg = p + 1;
		} else if ((unsigned char)*p < 0x20 || *p == '\\' || *p == 0x7f || *p == '%') {
			return false;
		}
	}
}

/* /static/VERSION/FILE: from the theme's static folder, else the default's. */
static bool
serve_static(struct http *h, const char *path, struct reply *rp)
{
	const char *rel = path + strlen("/static/"), *slash;
	struct buf file = BUF_INIT;
	const char *type;
	struct stat st;
	size_t i;
	int fd;

	/* the version segment lets URLs change when files do; any value is accepted */
	slash = strchr(rel, '/');
	if (slash != NULL && strncmp(rel, "v-", 2) == 0)
		rel = slash + 1;
	type = mime_type(rel);
	if (!safe_relative(rel) || type == NULL)
		return false;
	for (i = 0; h->static_dirs[i] != NULL; i++) {
		buf_reset(&file);
		buf_printf(&file, "%s/%s", h->static_dirs[i], rel);
		fd = open(buf_str(&file), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1)
			continue;
		if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX_BYTES) {
			close(fd);
			continue;
		}
		close(fd);
		buf_reset(&rp->body);
		if (util_read_file(buf_str(&file), &rp->body, STATIC_MAX_BYTES) == -1)
			continue;
		rp->status = 200;
		rp->content_type = type;
		rp->max_age = 31536000;
		rp->cacheable = true;
		rp->last_modified = st.st_mtime;
		buf_free(&file);
		return true;
	}
	buf_free(&file);
	return false;
}

/* A short hash of the static files' names, sizes and times: the URL version. */
static void
static_version(struct http *h)
{
	uint64_t hash = 1469598103934665603ULL;
	size_t i;

	for (i = 0; h->static_dirs[i] != NULL; i++) {
		DIR *d = opendir(h->static_dirs[i]);
		struct dirent *de;
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			struct stat st;
			char p[4096];
			snprintf(p, sizeof(p), "%s/%s", h->static_dirs[i], de->d_name);
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
				hash ^= util_fnv1a(de->d_name, strlen(de->d_name));
				hash = hash * 1099511628211ULL + (uint64_t)st.st_size * 31 + (uint64_t)st.st_mtime;
			}
		}
		closedir(d);
	}
	snprintf(h->static_prefix, sizeof(h->static_prefix), "/static/v-%08llx",
	    (unsigned long long)(hash & 0xffffffffULL));
}

/* ---------------------------------------------------------------- metrics */

static void
count_request(struct http *h, enum route route, unsigned status, int64_t started_us)
{
	struct timespec ts;
	int64_t now_us;
	double secs;
	size_t b;
	unsigned cls = status / 100;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	secs = (double)(now_us - started_us) / 1e6;
	atomic_fetch_add(&h->requests[route][cls <= 5 ? cls : 0], 1);
	atomic_fetch_add(&h->duration_us_sum[route], (uint64_t)(now_us - started_us));
	for (b = 0; b < NBUCKETS && secs > buckets[b]; b++)
		;
	atomic_fetch_add(&h->duration_bucket[route][b], 1);
}

static void
metrics(struct http *h, struct store *s, struct reply *rp)
{
	static const char *const classes[] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
	struct store_counts sc;
	struct buf *b = &rp->body;
	const struct crier_stats *st = &h->c->stats;
	size_t r, k;

	rp->status = 200;
	rp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	rp->route = ROUTE_METRICS;
	if (s != NULL && store_counts(s, &sc) == 0) {
		buf_puts(b, "# HELP crier_feeds Feeds by state.\n# TYPE crier_feeds gauge\n");
		buf_printf(b, "crier_feeds{state=\"ok\"} %lld\n",
		    (long long)(sc.feeds - sc.feeds_failing - sc.feeds_gone));
		buf_printf(b, "crier_feeds{state=\"failing\"} %lld\n", (long long)sc.feeds_failing);
		buf_printf(b, "crier_feeds{state=\"gone\"} %lld\n", (long long)sc.feeds_gone);
		buf_printf(b, "crier_feeds{state=\"inactive\"} %lld\n", (long long)sc.feeds_inactive);
		buf_puts(b, "# HELP crier_posts Published posts.\n# TYPE crier_posts gauge\n");
		buf_printf(b, "crier_posts %lld\n", (long long)sc.posts);
		buf_puts(b, "# HELP crier_tags Tags.\n# TYPE crier_tags gauge\n");
		buf_printf(b, "crier_tags %lld\n", (long long)sc.tags);
	}
	buf_puts(b, "# HELP crier_fetches_total Feed fetches by outcome.\n# TYPE crier_fetches_total counter\n");
	buf_printf(b, "crier_fetches_total{outcome=\"ok\"} %llu\n", (unsigned long long)atomic_load(&st->fetches_ok));
	buf_printf(b, "crier_fetches_total{outcome=\"unchanged\"} %llu\n", (unsigned long long)atomic_load(&st->fetches_unchanged));
	buf_printf(b, "crier_fetches_total{outcome=\"error\"} %llu\n", (unsigned long long)atomic_load(&st->fetches_failed));
	buf_puts(b, "# HELP crier_posts_stored_total Posts stored by the poller.\n# TYPE crier_posts_stored_total counter\n");
	buf_printf(b, "crier_posts_stored_total{change=\"new\"} %llu\n", (unsigned long long)atomic_load(&st->posts_new));
	buf_printf(b, "crier_posts_stored_total{change=\"updated\"} %llu\n", (unsigned long long)atomic_load(&st->posts_updated));
	buf_puts(b, "# HELP crier_http_requests_total HTTP requests by route and status class.\n"
	    "# TYPE crier_http_requests_total counter\n");
	for (r = 0; r < ROUTE_COUNT; r++) {
		for (k = 0; k < 6; k++) {
			uint64_t v = atomic_load(&h->requests[r][k]);
			if (v != 0)
				buf_printf(b, "crier_http_requests_total{route=\"%s\",code=\"%s\"} %llu\n",
				    http_route_names[r], classes[k], (unsigned long long)v);
		}
	}
	buf_puts(b, "# HELP crier_http_request_duration_seconds Time to answer, by route.\n"
	    "# TYPE crier_http_request_duration_seconds histogram\n");
	for (r = 0; r < ROUTE_COUNT; r++) {
		uint64_t cum = 0, count = 0;
		for (k = 0; k <= NBUCKETS; k++)
			count += atomic_load(&h->duration_bucket[r][k]);
		if (count == 0)
			continue;
		for (k = 0; k < NBUCKETS; k++) {
			cum += atomic_load(&h->duration_bucket[r][k]);
			buf_printf(b, "crier_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
			    http_route_names[r], buckets[k], (unsigned long long)cum);
		}
		buf_printf(b, "crier_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
		    http_route_names[r], (unsigned long long)count);
		buf_printf(b, "crier_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
		    http_route_names[r], (double)atomic_load(&h->duration_us_sum[r]) / 1e6);
		buf_printf(b, "crier_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
		    http_route_names[r], (unsigned long long)count);
	}
	buf_puts(b, "# HELP crier_http_cache_total Page cache lookups.\n# TYPE crier_http_cache_total counter\n");
	buf_printf(b, "crier_http_cache_total{result=\"hit\"} %llu\n", (unsigned long long)atomic_load(&h->cache_hits));
	buf_printf(b, "crier_http_cache_total{result=\"miss\"} %llu\n", (unsigned long long)atomic_load(&h->cache_misses));
	buf_printf(b, "crier_http_not_modified_total %llu\n", (unsigned long long)atomic_load(&h->not_modified));
	buf_printf(b, "crier_http_deadline_cuts_total %llu\n", (unsigned long long)atomic_load(&h->deadline_cuts));
}

/* ---------------------------------------------------------------- requests */

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
reply_free(struct reply *rp)
{
	buf_free(&rp->body);
	buf_free(&rp->headers);
	free(rp->location);
	free(rp->link);
}

/* Queues an uncached reply (errors, redirects, no-cache pages). */
static enum MHD_Result
queue_reply(struct MHD_Connection *conn, const struct reply *rp)
{
	struct MHD_Response *r = response_copy(buf_str(&rp->body), rp->body.len);
	enum MHD_Result rc;

	if (rp->content_type != NULL)
		MHD_add_response_header(r, "Content-Type", rp->content_type);
	if (rp->location != NULL)
		MHD_add_response_header(r, "Location", rp->location);
	if (rp->link != NULL)
		MHD_add_response_header(r, "Link", rp->link);
	if (rp->allow != NULL)
		MHD_add_response_header(r, "Allow", rp->allow);
	add_extra_headers(r, rp);
	if (rp->private)
		MHD_add_response_header(r, "Cache-Control", "private, no-store");
	else
		add_cache_headers(r, rp, NULL, false);
	add_common_headers(r);
	if (rp->private && rp->csp != NULL) {
		MHD_del_response_header(r, "Content-Security-Policy", csp);
		MHD_add_response_header(r, "Content-Security-Policy", rp->csp);
	}
	rc = MHD_queue_response(conn, rp->status, r);
	MHD_destroy_response(r);
	return rc;
}

static bool
valid_utf8_path(const char *path)
{
	return util_utf8_valid(path, strlen(path)) && strchr(path, '\0') == path + strlen(path);
}

static enum MHD_Result
handle(struct http *h, struct MHD_Connection *conn, const char *url, const char *method,
    const struct buf *body)
{
	struct request rq;
	struct reply rp;
	struct buf key = BUF_INIT;
	enum MHD_Result rc;
	enum route route = ROUTE_OTHER;
	int64_t started = now_us();
	uint64_t gen;
	bool keyed, get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;

	memset(&rq, 0, sizeof(rq));
	memset(&rp, 0, sizeof(rp));
	rq.http = h;
	rq.c = h->c;
	rq.templates = h->templates;
	rq.method = method;
	rq.path = url;
	rq.conn = conn;
	rq.now = util_now();
	rq.store = thread_store(h);
	if (body != NULL && body->data != NULL) {
		rq.body = body->data;
		rq.body_len = body->len;
	}
	gen = atomic_load(&h->gen);

	if (get && strcmp(url, "/healthz") == 0) {
		rp.status = rq.store != NULL ? 200 : 503;
		rp.content_type = "text/plain; charset=utf-8";
		buf_puts(&rp.body, rq.store != NULL ? "ok\n" : "database unavailable\n");
		rp.route = ROUTE_HEALTHZ;
		goto send;
	}
	if (get && strcmp(url, "/metrics") == 0) {
		metrics(h, rq.store, &rp);
		goto send;
	}
	if (!valid_utf8_path(url) || url[0] != '/') {
		http_reader_error(&rq, &rp, 400, "The address is not valid.");
		goto send;
	}
	keyed = get && cache_key(conn, url, &key);
	if (keyed && cache_answer(h, conn, buf_str(&key), gen, &rc, &route)) {
		atomic_fetch_add(&h->cache_hits, 1);
		count_request(h, route, MHD_HTTP_OK, started);
		buf_free(&key);
		return rc;
	}
	atomic_fetch_add(&h->cache_misses, 1);
	if (rq.store == NULL) {
		http_reader_error(&rq, &rp, 503, "The database is not available right now.");
		goto send;
	}
	if (get && strncmp(url, "/static/", 8) == 0) {
		if (!serve_static(h, url, &rp))
			http_reader_error(&rq, &rp, 404, "There is no such file.");
		rp.route = ROUTE_STATIC;
	} else if (!http_micropub_route(&rq, &rp) && !http_write_route(&rq, &rp) &&
	    !http_digest_route(&rq, &rp) && !http_reader_route(&rq, &rp)) {
		http_reader_error(&rq, &rp, 404, "There is no page at this address.");
	}
	if (rp.cacheable && keyed && rp.status == 200) {
		struct entry *e = entry_from_reply(&rp);
		e->gen = gen;
		rc = queue_entry(h, conn, e);
		cache_put(h, buf_str(&key), e);
		count_request(h, rp.route, rp.status, started);
		buf_free(&key);
		reply_free(&rp);
		return rc;
	}
send:
	if (rp.status == 200 && get && !rp.private && rp.headers.len == 0) {
		/* uncached but still conditional-capable */
		struct entry *e = entry_from_reply(&rp);
		rc = queue_entry(h, conn, e);
		entry_free(e);
	} else {
		rc = queue_reply(conn, &rp);
	}
	count_request(h, rp.route, rp.status, started);
	buf_free(&key);
	reply_free(&rp);
	return rc;
}

/* A 400 for requests refused before routing. */
static enum MHD_Result
bad_request(struct http *h, struct MHD_Connection *conn, const char *why)
{
	struct request rq;
	struct reply rp;
	enum MHD_Result rc;

	memset(&rq, 0, sizeof(rq));
	memset(&rp, 0, sizeof(rp));
	rq.http = h;
	rq.c = h->c;
	rq.templates = h->templates;
	rq.method = "GET";
	rq.path = "/";
	rq.conn = conn;
	rq.now = util_now();
	http_reader_error(&rq, &rp, 400, why);
	rc = queue_reply(conn, &rp);
	count_request(h, ROUTE_OTHER, 400, now_us());
	reply_free(&rp);
	return rc;
}

/* The state of a request refused for its target alone (no allocation:
 * libmicrohttpd may drop a request without calling the handler). */
static struct req_state bad_uri_state = { .started = true, .bad_uri = true };

/*
 * Called with the raw request target before libmicrohttpd decodes it:
 * the one place an encoded NUL (%00), which would silently cut the
 * decoded path short, can be seen.  What it returns becomes *req_cls.
 */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls;
	(void)conn;
	if (strstr(uri, "%00") != NULL)
		return &bad_uri_state;
	return NULL;
}

/* The body cap for a POST to url, or 0 when that path takes no body. */
static size_t
body_cap(const struct http *h, const char *url)
{
	size_t i, n;

	for (i = 0; i < NELEM(body_routes); i++) {
		n = strlen(body_routes[i].prefix);
		if (strncmp(url, body_routes[i].prefix, n) == 0)
			return body_routes[i].max_bytes != 0 ? body_routes[i].max_bytes :
			    (size_t)h->c->cfg->max_media_bytes;
	}
	return 0;
}

static enum MHD_Result
too_large(struct http *h, struct MHD_Connection *conn)
{
	struct request rq;
	struct reply rp;
	enum MHD_Result rc;

	memset(&rq, 0, sizeof(rq));
	memset(&rp, 0, sizeof(rp));
	rp.status = 413;
	rp.content_type = "application/json";
	buf_puts(&rp.body, "{\"error\":\"invalid_request\",\"error_description\":"
	    "\"The request body is larger than this endpoint accepts.\"}\n");
	rc = queue_reply(conn, &rp);
	count_request(h, ROUTE_OTHER, 413, now_us());
	reply_free(&rp);
	return rc;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_size, void **req_cls)
{
	struct http *h = cls;
	struct req_state *rs = *req_cls;

	(void)version;
	if (rs == &bad_uri_state) {
		*upload_size = 0;
		return bad_request(h, conn, "The address contains a NUL character.");
	}
	if (rs == NULL) {
		rs = xcalloc(1, sizeof(*rs));
		*req_cls = rs;
	}
	if (!rs->started) {
		/* first call: headers only; decide whether a body will be read */
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		size_t cap = strcmp(method, "POST") == 0 ? body_cap(h, url) : 0;
		rs->started = true;
		if (cap > 0) {
			rs->reading = true;
			buf_init(&rs->body, cap);
			if (cl != NULL && strtoull(cl, NULL, 10) > cap) {
				rs->too_large = true;
				return too_large(h, conn);      /* refused before reading it */
			}
		}
		return MHD_YES;
	}
	if (*upload_size != 0) {
		if (rs->reading && !rs->too_large &&
		    buf_append(&rs->body, upload_data, *upload_size) == -1)
			rs->too_large = true;
		*upload_size = 0;       /* other bodies are read and dropped */
		return MHD_YES;
	}
	if (rs->too_large)
		return too_large(h, conn);
	if (rs->reading && rs->body.data == NULL)
		buf_reserve(&rs->body, 0);      /* an empty body is still a body */
	return handle(h, conn, url, method, rs->reading ? &rs->body : NULL);
}

/* ---------------------------------------------------------------- deadlines */

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct http *h = cls;
	struct tracked *t;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		t = xcalloc(1, sizeof(*t));
		t->fd = ci != NULL ? ci->connect_fd : -1;
		atomic_store(&t->started_ms, util_now_ms());
		pthread_mutex_lock(&h->conns_lock);
		t->next = h->tracked.next;
		t->prev = &h->tracked;
		h->tracked.next->prev = t;
		h->tracked.next = t;
		pthread_mutex_unlock(&h->conns_lock);
		*socket_context = t;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context != NULL) {
		t = *socket_context;
		pthread_mutex_lock(&h->conns_lock);
		t->prev->next = t->next;
		t->next->prev = t->prev;
		pthread_mutex_unlock(&h->conns_lock);
		free(t);
		*socket_context = NULL;
	}
}

/* A request finished: the next one on this connection gets a fresh deadline. */
static void
on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	const union MHD_ConnectionInfo *ci;
	struct tracked *t;

	(void)cls;
	(void)toe;
	if (*req_cls != NULL && *req_cls != &bad_uri_state) {
		struct req_state *rs = *req_cls;
		buf_free(&rs->body);
		free(rs);
	}
	*req_cls = NULL;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci != NULL && ci->socket_context != NULL) {
		t = ci->socket_context;
		atomic_store(&t->started_ms, util_now_ms());
	}
}

/* Cuts connections whose current request has run past request_timeout. */
static void *
reaper(void *arg)
{
	struct http *h = arg;
	int64_t limit_ms = h->c->cfg->request_timeout * 1000;
	struct timespec ts;
	struct tracked *t;

	pthread_mutex_lock(&h->reaper_lock);
	while (!atomic_load(&h->stopping)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&h->reaper_cond, &h->reaper_lock, &ts);
		pthread_mutex_lock(&h->conns_lock);
		for (t = h->tracked.next; t != &h->tracked; t = t->next) {
			if (t->fd >= 0 && util_now_ms() - atomic_load(&t->started_ms) > limit_ms) {
				/* the server sees the socket close and cleans up */
				shutdown(t->fd, SHUT_RDWR);
				atomic_store(&t->started_ms, INT64_MAX / 2);
				atomic_fetch_add(&h->deadline_cuts, 1);
			}
		}
		pthread_mutex_unlock(&h->conns_lock);
	}
	pthread_mutex_unlock(&h->reaper_lock);
	return NULL;
}

/* ---------------------------------------------------------------- start/stop */

/* "host:port", "[v6]:port" or ":port" into a sockaddr. */
static int
parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *colon = strrchr(listen, ':'), *h = listen;
	size_t hl;

	if (colon == NULL)
		return -1;
	hl = (size_t)(colon - listen);
	if (hl > 0 && listen[0] == '[' && listen[hl - 1] == ']') {
		h = listen + 1;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (getaddrinfo(hl ? host : NULL, colon + 1, &hints, &res) != 0 || res == NULL)
		return -1;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("http server", "detail=%s", log_quote(msg));
}

static int
load_theme(struct http *h, struct buf *msg)
{
	const struct config *cfg = h->c->cfg;
	char *dirs[3] = { NULL, NULL, NULL };
	char *err = NULL;
	struct buf b = BUF_INIT;
	int n = 0;

	if (strcmp(cfg->theme, "default") != 0) {
		buf_printf(&b, "%s/%s", cfg->themes_dir, cfg->theme);
		dirs[n++] = buf_steal(&b);
	}
	buf_printf(&b, "%s/default", cfg->themes_dir);
	dirs[n++] = buf_steal(&b);
	h->templates = templates_load((const char *const *)dirs, &err);
	for (n = 0; dirs[n] != NULL; n++) {
		buf_printf(&b, "%s/static", dirs[n]);
		h->static_dirs[n] = buf_steal(&b);
		free(dirs[n]);
	}
	if (h->templates == NULL) {
		buf_printf(msg, "cannot load the theme: %s", err);
		free(err);
		return -1;
	}
	static_version(h);
	return 0;
}

struct http *
http_start(struct crier *c, char **err)
{
	struct http *h = xcalloc(1, sizeof(*h));
	const struct config *cfg = c->cfg;
	struct sockaddr_storage ss;
	socklen_t len;
	const union MHD_DaemonInfo *info;
	struct buf msg = BUF_INIT;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
	    MHD_USE_TURBO;
	bool behind_proxy = cfg->trusted_proxies != NULL && cfg->trusted_proxies[0] != NULL;

	*err = NULL;
	pthread_once(&reader_key_once, make_reader_key);
	h->c = c;
	h->db_path = config_db_path(cfg);
	h->tracked.next = h->tracked.prev = &h->tracked;
	pthread_rwlock_init(&h->cache_lock, NULL);
	pthread_mutex_init(&h->conns_lock, NULL);
	pthread_mutex_init(&h->reaper_lock, NULL);
	pthread_cond_init(&h->reaper_cond, NULL);
	atomic_store(&h->gen, 1);
	if (load_theme(h, &msg) == -1)
		goto fail;
	if (parse_listen(cfg->listen, &ss, &len) == -1) {
		buf_printf(&msg, "listen = %s: expected HOST:PORT", cfg->listen);
		goto fail;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->http_threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->idle_timeout,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
	    /* behind a trusted proxy every client shares its address */
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, behind_proxy ? 0u : (unsigned)cfg->max_connections_per_ip,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
	    MHD_OPTION_END);
	if (h->daemon == NULL) {
		buf_printf(&msg, "cannot listen on %s (in use, or not an address of this machine?)",
		    cfg->listen);
		goto fail;
	}
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info != NULL ? info->port : 0;
	if (pthread_create(&h->reaper, NULL, reaper, h) != 0)
		log_fatal("cannot start a thread");
	return h;
fail:
	*err = buf_steal(&msg);
	templates_free(h->templates);
	free(h->static_dirs[0]);
	free(h->static_dirs[1]);
	free(h->db_path);
	free(h);
	return NULL;
}

void
http_stop(struct http *h)
{
	struct reader_conn *rc, *next;

	if (h == NULL)
		return;
	pthread_mutex_lock(&h->reaper_lock);
	atomic_store(&h->stopping, true);
	pthread_cond_signal(&h->reaper_cond);
	pthread_mutex_unlock(&h->reaper_lock);
	pthread_join(h->reaper, NULL);
	MHD_stop_daemon(h->daemon);
	for (rc = h->readers; rc != NULL; rc = next) {
		next = rc->next;
		store_close(rc->store);
		free(rc);
	}
	cache_evict_all(h);
	templates_free(h->templates);
	free(h->static_dirs[0]);
	free(h->static_dirs[1]);
	free(h->db_path);
	pthread_rwlock_destroy(&h->cache_lock);
	pthread_mutex_destroy(&h->conns_lock);
	pthread_mutex_destroy(&h->reaper_lock);
	pthread_cond_destroy(&h->reaper_cond);
	free(h);
}

unsigned
http_port(const struct http *h)
{
	return h->port;
}
