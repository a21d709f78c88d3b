/*
 * http.c: libmicrohttpd behind http.h.  For now it answers /healthz; the
 * reader's routes arrive with the reader.
 */
#include "http.h"
#include "config.h"
#include "crier.h"
#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct http {
	struct crier *c;
	struct MHD_Daemon *daemon;
	unsigned port;
};

static enum MHD_Result
send_text(struct MHD_Connection *conn, unsigned status, const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)(uintptr_t)body,
	    MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_size, void **req_cls)
{
	(void)cls;
	(void)version;
	(void)upload_data;
	if (*req_cls == NULL) {
		*req_cls = conn;        /* first call: headers only */
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0;       /* no bodies accepted yet */
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "405 method not allowed\n");
	if (strcmp(url, "/healthz") == 0)
		return send_text(conn, MHD_HTTP_OK, "ok\n");
	return send_text(conn, MHD_HTTP_NOT_FOUND, "404 not found\n");
}

/* "host:port" or "[v6]:port" or ":port" into a sockaddr. */
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

struct http *
http_start(struct crier *c, char **err)
{
	struct http *h = xcalloc(1, sizeof(*h));
	struct sockaddr_storage ss;
	socklen_t len;
	const union MHD_DaemonInfo *info;
	struct buf msg = BUF_INIT;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

	*err = NULL;
	h->c = c;
	if (parse_listen(c->cfg->listen, &ss, &len) == -1) {
		buf_printf(&msg, "listen = %s: expected HOST:PORT", c->cfg->listen);
		goto fail;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)2,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_END);
	if (h->daemon == NULL) {
		buf_printf(&msg, "cannot listen on %s (in use, or not an address of this machine?)",
		    c->cfg->listen);
		goto fail;
	}
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info != NULL ? info->port : 0;
	return h;
fail:
	*err = buf_steal(&msg);
	free(h);
	return NULL;
}

void
http_stop(struct http *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->daemon);
	free(h);
}

unsigned
http_port(const struct http *h)
{
	return h->port;
}
