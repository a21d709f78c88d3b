/*
 * http_int.h: what http.c shares with the route handlers
 * (http_reader.c and friends).  Handlers never see microhttpd.h: they get
 * a struct request (what was asked) and fill a struct reply (what to
 * answer); http.c does caching, conditional requests, compression and
 * headers.
 */
#ifndef CRIER_HTTP_INT_H
#define CRIER_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"

struct crier;
struct http;
struct store;
struct templates;

/* Routes, for metrics (a label each) and for handlers to say what they are. */
enum route {
	ROUTE_RIVER, ROUTE_FEED, ROUTE_WEEK, ROUTE_TAG, ROUTE_SOURCE, ROUTE_TEAM, ROUTE_POST,
	ROUTE_SEARCH, ROUTE_SOURCES, ROUTE_OPML, ROUTE_STATIC, ROUTE_HEALTHZ, ROUTE_METRICS,
	ROUTE_MICROPUB, ROUTE_MEDIA, ROUTE_WRITE, ROUTE_DIGEST, ROUTE_OTHER, ROUTE_COUNT
};

extern const char *const http_route_names[ROUTE_COUNT];

struct request {
	struct http *http;
	struct crier *c;
	struct store *store;        /* this thread's read-only connection */
	const struct templates *templates;
	const char *method;         /* "GET", "HEAD", ... */
	const char *path;           /* decoded path, always starting with '/' */
	void *conn;                 /* the server's connection (opaque to handlers) */
	int64_t now;
	const char *body;           /* a POST's body (NUL-terminated; may hold NULs), or NULL */
	size_t body_len;
};

/* A query parameter's value, or NULL. */
const char *http_query(const struct request *rq, const char *name);

/* Every value of a repeated query parameter ("properties[]=a&properties[]=b"),
 * in order, at most max of them into out (borrowed); returns how many. */
size_t http_query_values(const struct request *rq, const char *name, const char **out, size_t max);

/* A request header's value, or NULL. */
const char *http_header(const struct request *rq, const char *name);

/* A cookie's value, or NULL. */
const char *http_cookie(const struct request *rq, const char *name);

/*
 * The client's address as text: the peer, or, when the peer is one of
 * trusted_proxies, the last address in X-Forwarded-For that is not.
 */
void http_client_addr(const struct request *rq, char *out, size_t n);

struct reply {
	unsigned status;
	const char *content_type;   /* a static string */
	struct buf body;
	int64_t last_modified;      /* Unix seconds; 0: none */
	int max_age;                /* Cache-Control max-age; 0: "no-cache" */
	bool cacheable;             /* keep it in the page cache until the store changes */
	char *location;             /* Location header (redirects), malloc'd */
	char *link;                 /* Link header value, malloc'd, or NULL */
	enum route route;
	const char *allow;          /* Allow header for 405, a static string */
	struct buf headers;         /* more response headers, "Name: value\n" lines */
	bool private;               /* per-user page: Cache-Control: private, no-store */
	const char *csp;            /* a private page's own Content-Security-Policy (a static
	                               string), replacing the default; NULL: the default */
};

/* Adds a response header line to rp. */
void http_reply_header(struct reply *rp, const char *name, const char *value);

/*
 * Routers, tried in this order: each fills rp for rq and returns true, or
 * returns false when the path is not one of its own (http.c answers 404
 * when none takes it).
 */
bool http_micropub_route(struct request *rq, struct reply *rp);    /* http_micropub.c */
bool http_write_route(struct request *rq, struct reply *rp);       /* http_write.c */
bool http_digest_route(struct request *rq, struct reply *rp);      /* http_digest.c */
bool http_reader_route(struct request *rq, struct reply *rp);      /* http_reader.c */

/*
 * Paths that accept a request body, and how large: everything else is
 * answered without reading one.  In http.c.
 */
struct body_route {
	const char *prefix;
	size_t max_bytes;
};

/* Renders the theme's error page for status into rp (in http_reader.c). */
void http_reader_error(struct request *rq, struct reply *rp, unsigned status,
    const char *message);

/*
 * For other page handlers (http_write.c): the common template context
 * (site, page, nav; see themes/README.md) as a new object the caller
 * owns, and rendering a template with it into rp (200 unless rp->status
 * is set; a theme error becomes a plain 500).  In http_reader.c.
 */
json_t *http_reader_context(struct request *rq, const char *title, const char *path,
    const char *kind);
void http_reader_render(struct request *rq, struct reply *rp, const char *template, json_t *ctx);

/*
 * For other handlers that need a signed-in person (http_digest.c): the
 * user and session whose cookie came with rq.  0 (both filled; the
 * caller clears them with user_clear and session_clear), 1 not signed
 * in, -1 database error.  Forms send the session's csrf back in a field
 * named "csrf" (check it with auth_equal).  In http_write.c.
 */
struct user;
struct session;
int http_write_session(struct request *rq, struct user *u, struct session *se);

/* The theme's static folders: {theme/static, default/static} (for http.c). */
const char *const *http_static_dirs(const struct http *h);

/* "/static/VERSION" prefix templates use, set at start from the files' hash. */
const char *http_static_prefix(const struct http *h);

#endif
