/*
 * fetchtool.c: fetches URLs through crier's real fetcher (daemon/fetch.c)
 * and prints one JSON object per result, in the order they finish, so
 * the integration tests (tests/integration/fetch_*.py) and benchmarks
 * can drive the fetcher from outside.  A test tool, never installed.
 *
 *   fetchtool [options] URL...
 *
 * Each line: {"id", "url", "status", "error", "final_url",
 * "permanent_url", "redirects", "etag", "last_modified", "content_type",
 * "retry_after", "body_len", "body_sha256", "elapsed_ms"} where id is the
 * URL's position on the command line (0-based) and absent strings are
 * null.  --summary prints one more object on stderr: count, wall time
 * and peak RSS.
 */
#include "fetch.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

struct tool {
	struct fetch_config cfg;
	struct fetch_request req;
	const char *allow_hosts[64];
	size_t n_allow;
	const char *headers[64];
	struct buf post_file;
	size_t n_headers;
	bool print_body;
	long abandon_after_ms;          /* 0: run until every request is done */
	bool quiet;
	size_t n_done, n_errors;
	uint64_t body_bytes;
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: fetchtool [options] URL...\n"
	    "  --allow-private         connect to private/loopback addresses\n"
	    "  --allow-host H          allow_private_hosts entry (\"host\" or \"host:port\"; repeatable)\n"
	    "  --max-bytes N           decoded body cap (default 16M)\n"
	    "  --concurrency N         transfers at once (default 16)\n"
	    "  --per-host N            transfers per host at once (default 2)\n"
	    "  --timeout-ms N          total timeout per request (default 60000)\n"
	    "  --connect-timeout-ms N  connect timeout (default 10000)\n"
	    "  --low-speed B:S         abort below B bytes/s for S seconds\n"
	    "  --etag E                send If-None-Match: E\n"
	    "  --last-modified LM      send If-Modified-Since: LM\n"
	    "  --post DATA             POST DATA instead of GET\n"
	    "  --post-file FILE        POST the contents of FILE instead of GET\n"
	    "  --content-type T        Content-Type of the POST body\n"
	    "  --header 'N: V'         an extra request header (repeatable)\n"
	    "  --proxy URL             use this proxy\n"
	    "  --accept-encoding E     Accept-Encoding (default: all libcurl decodes)\n"
	    "  --urls-from FILE        read more URLs from FILE, one a line\n"
	    "  --print-body            add \"body\" (as text) to each object\n"
	    "  --abandon-after-ms N    stop after N ms and free the fetcher with\n"
	    "                          transfers still running (shutdown path)\n"
	    "  --quiet                 print no objects (with --summary: benchmarks)\n"
	    "  --summary               print a summary object on stderr\n");
}

static void
json_field(struct buf *out, const char *name, const char *value)
{
	struct buf clean = BUF_INIT;

	buf_printf(out, ",\"%s\":", name);
	if (value == NULL) {
		buf_puts(out, "null");
		return;
	}
	util_utf8_repair(&clean, value, strlen(value));
	util_json_string(out, buf_str(&clean));
	buf_free(&clean);
}

static void
on_done(struct fetch_result *r, void *arg)
{
	struct tool *tool = arg;
	struct buf out = BUF_INIT;
	char sha[65];

	tool->n_done++;
	tool->n_errors += r->error != NULL;
	tool->body_bytes += r->body.len;
	if (tool->quiet)
		goto done;
	util_sha256_hex(r->body.data, r->body.len, sha);
	buf_printf(&out, "{\"id\":%lld", (long long)r->id);
	json_field(&out, "url", r->url);
	buf_printf(&out, ",\"status\":%ld", r->status);
	json_field(&out, "error", r->error);
	json_field(&out, "final_url", r->final_url);
	json_field(&out, "permanent_url", r->permanent_url);
	buf_printf(&out, ",\"redirects\":%d", r->redirects);
	json_field(&out, "etag", r->etag);
	json_field(&out, "last_modified", r->last_modified);
	json_field(&out, "content_type", r->content_type);
	buf_printf(&out, ",\"retry_after\":%lld,\"body_len\":%zu",
	    (long long)r->retry_after, r->body.len);
	json_field(&out, "body_sha256", sha);
	buf_printf(&out, ",\"elapsed_ms\":%ld", r->elapsed_ms);
	if (tool->print_body)
		json_field(&out, "body", buf_str(&r->body));
	buf_puts(&out, "}\n");
	fwrite(out.data, 1, out.len, stdout);
	fflush(stdout);
done:
	buf_free(&out);
	fetch_result_free(r);
}

static long
number(const char *s, const char *what)
{
	int64_t v = util_parse_size(s);

	if (v < 0) {
		fprintf(stderr, "fetchtool: bad %s: %s\n", what, s);
		exit(2);
	}
	return (long)v;
}

static int
add_url(struct fetcher *f, struct tool *tool, const char *url, int64_t id)
{
	tool->req.url = url;
	tool->req.id = id;
	if (fetch_add(f, &tool->req) == -1) {
		fprintf(stderr, "fetchtool: not an http(s) URL: %s\n", url);
		return -1;
	}
	return 0;
}

/* Adds every URL of file (one a line) with ids from *id on. */
static int
add_urls_from(struct fetcher *f, struct tool *tool, const char *path, int64_t *id)
{
	struct buf text = BUF_INIT;
	char *line, *save = NULL;
	int rc = 0;

	if (util_read_file(path, &text, 64u * 1024 * 1024) == -1) {
		fprintf(stderr, "fetchtool: cannot read %s\n", path);
		return -1;
	}
	for (line = strtok_r(text.data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (*line == '\0' || *line == '#')
			continue;
		if (add_url(f, tool, line, (*id)++) == -1)
			rc = -1;
	}
	buf_free(&text);
	return rc;
}

enum {
	OPT_ALLOW_PRIVATE = 256, OPT_ALLOW_HOST, OPT_MAX_BYTES, OPT_CONCURRENCY,
	OPT_PER_HOST, OPT_TIMEOUT, OPT_CONNECT_TIMEOUT, OPT_LOW_SPEED, OPT_ETAG,
	OPT_LAST_MODIFIED, OPT_POST, OPT_POST_FILE, OPT_CONTENT_TYPE, OPT_HEADER, OPT_PROXY,
	OPT_URLS_FROM, OPT_ACCEPT_ENCODING, OPT_PRINT_BODY, OPT_ABANDON, OPT_QUIET, OPT_SUMMARY, OPT_HELP
};

static const struct option options[] = {
	{ "allow-private", no_argument, NULL, OPT_ALLOW_PRIVATE },
	{ "allow-host", required_argument, NULL, OPT_ALLOW_HOST },
	{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
	{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
	{ "per-host", required_argument, NULL, OPT_PER_HOST },
	{ "timeout-ms", required_argument, NULL, OPT_TIMEOUT },
	{ "connect-timeout-ms", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "low-speed", required_argument, NULL, OPT_LOW_SPEED },
	{ "etag", required_argument, NULL, OPT_ETAG },
	{ "last-modified", required_argument, NULL, OPT_LAST_MODIFIED },
	{ "post", required_argument, NULL, OPT_POST },
	{ "post-file", required_argument, NULL, OPT_POST_FILE },
	{ "content-type", required_argument, NULL, OPT_CONTENT_TYPE },
	{ "header", required_argument, NULL, OPT_HEADER },
	{ "proxy", required_argument, NULL, OPT_PROXY },
	{ "urls-from", required_argument, NULL, OPT_URLS_FROM },
	{ "accept-encoding", required_argument, NULL, OPT_ACCEPT_ENCODING },
	{ "print-body", no_argument, NULL, OPT_PRINT_BODY },
	{ "abandon-after-ms", required_argument, NULL, OPT_ABANDON },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* Applies one option; -1 on a usage error. */
static int
apply_option(struct tool *tool, int opt, const char *val, const char **urls_from,
    bool *summary)
{
	switch (opt) {
	case OPT_ALLOW_PRIVATE: tool->cfg.allow_private_addresses = true; break;
	case OPT_ALLOW_HOST:
		if (tool->n_allow + 1 >= NELEM(tool->allow_hosts))
			return -1;
		tool->allow_hosts[tool->n_allow++] = val;
		break;
	case OPT_MAX_BYTES: tool->cfg.max_body_bytes = (size_t)number(val, "size"); break;
	case OPT_CONCURRENCY: tool->cfg.concurrency = (unsigned)number(val, "count"); break;
	case OPT_PER_HOST: tool->cfg.per_host = (unsigned)number(val, "count"); break;
	case OPT_TIMEOUT: tool->cfg.total_timeout_ms = number(val, "timeout"); break;
	case OPT_CONNECT_TIMEOUT: tool->cfg.connect_timeout_ms = number(val, "timeout"); break;
	case OPT_LOW_SPEED:
		if (sscanf(val, "%ld:%ld", &tool->cfg.low_speed_bytes,
		    &tool->cfg.low_speed_time_s) != 2)
			return -1;
		break;
	case OPT_ETAG: tool->req.etag = val; break;
	case OPT_LAST_MODIFIED: tool->req.last_modified = val; break;
	case OPT_POST:
		tool->req.method = FETCH_POST;
		tool->req.body = val;
		tool->req.body_len = strlen(val);
		break;
	case OPT_POST_FILE:
		if (util_read_file(val, &tool->post_file, 256u * 1024 * 1024) == -1) {
			fprintf(stderr, "fetchtool: cannot read %s\n", val);
			exit(2);
		}
		tool->req.method = FETCH_POST;
		tool->req.body = buf_str(&tool->post_file);
		tool->req.body_len = tool->post_file.len;
		break;
	case OPT_CONTENT_TYPE: tool->req.content_type = val; break;
	case OPT_HEADER:
		if (tool->n_headers + 1 >= NELEM(tool->headers))
			return -1;
		tool->headers[tool->n_headers++] = val;
		break;
	case OPT_PROXY: tool->cfg.proxy = val; break;
	case OPT_URLS_FROM: *urls_from = val; break;
	case OPT_ACCEPT_ENCODING: tool->cfg.accept_encoding = val; break;
	case OPT_PRINT_BODY: tool->print_body = true; break;
	case OPT_ABANDON: tool->abandon_after_ms = number(val, "time"); break;
	case OPT_QUIET: tool->quiet = true; break;
	case OPT_SUMMARY: *summary = true; break;
	default: return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct tool tool;
	struct fetcher *f;
	const char *urls_from = NULL;
	bool summary = false;
	struct rusage ru;
	int64_t start_ms, id = 0;
	int opt, i, rc = 0;

	memset(&tool, 0, sizeof(tool));
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'h' || opt == OPT_HELP) {
			usage(stdout);
			return 0;
		}
		if (apply_option(&tool, opt, optarg, &urls_from, &summary) == -1) {
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc && urls_from == NULL) {
		usage(stderr);
		return 2;
	}
	tool.cfg.allow_private_hosts = tool.allow_hosts;
	tool.req.headers = tool.headers;

	start_ms = util_now_ms();
	f = fetch_new(&tool.cfg);
	for (i = optind; i < argc; i++)
		if (add_url(f, &tool, argv[i], id++) == -1)
			rc = 2;
	if (urls_from != NULL && add_urls_from(f, &tool, urls_from, &id) == -1)
		rc = 2;
	if (tool.abandon_after_ms > 0) {
		size_t left = fetch_run(f, (int)tool.abandon_after_ms, on_done, &tool);

		fprintf(stderr, "{\"abandoned\":%zu}\n", left);
	} else {
		while (fetch_run(f, 1000, on_done, &tool) > 0)
			;
	}
	fetch_free(f);
	buf_free(&tool.post_file);

	if (summary) {
		getrusage(RUSAGE_SELF, &ru);
		fprintf(stderr, "{\"count\":%zu,\"errors\":%zu,\"body_bytes\":%llu,"
		    "\"wall_ms\":%lld,\"max_rss_kb\":%ld}\n", tool.n_done,
		    tool.n_errors, (unsigned long long)tool.body_bytes,
		    (long long)(util_now_ms() - start_ms), ru.ru_maxrss);
	}
	return rc;
}
