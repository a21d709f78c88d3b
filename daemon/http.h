/*
 * http.h: the web server (libmicrohttpd); http.c is the only file that
 * includes microhttpd.h.  It runs its own thread pool; each worker has
 * its own read-only store connection, so readers never wait for the
 * poller.
 */
#ifndef CRIER_HTTP_H
#define CRIER_HTTP_H

struct crier;
struct http;

/* Starts serving on cfg->listen.  NULL and *err (free it) on failure. */
struct http *http_start(struct crier *c, char **err);
void http_stop(struct http *h);                 /* NULL does nothing */

/* The port actually bound (useful with listen = 127.0.0.1:0). */
unsigned http_port(const struct http *h);

#endif
