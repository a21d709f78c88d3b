/*
 * feedtool.c: runs the feed writers (daemon/http_feeds.c) on a JSON
 * document from stdin, for the integration tests and for timing.
 *
 *   feedtool [--time N] atom|rss|json < {"meta": {...}, "posts": [...]}
 *
 * meta holds the members of struct feed_meta (title, subtitle, self_url,
 * alternate_url, base_url, hub_url, site_name: strings; updated: Unix
 * seconds); posts is a list in the shape store_posts() returns.  The
 * document goes to stdout.  With --time N the document is also written
 * N more times, and the CPU time per document (against jansson dumping
 * the same posts, as a peer) goes to stderr.
 */
#include "http_feeds.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: feedtool [--time N] atom|rss|json < {\"meta\": {...}, \"posts\": [...]}\n";

static void
meta_from_json(struct feed_meta *m, const json_t *meta)
{
	memset(m, 0, sizeof(*m));
	m->title = json_string_value(json_object_get(meta, "title"));
	m->subtitle = json_string_value(json_object_get(meta, "subtitle"));
	m->self_url = json_string_value(json_object_get(meta, "self_url"));
	m->alternate_url = json_string_value(json_object_get(meta, "alternate_url"));
	m->base_url = json_string_value(json_object_get(meta, "base_url"));
	m->hub_url = json_string_value(json_object_get(meta, "hub_url"));
	m->site_name = json_string_value(json_object_get(meta, "site_name"));
	m->updated = json_integer_value(json_object_get(meta, "updated"));
}

static double
cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
dump_to_buf(const char *data, size_t len, void *arg)
{
	return buf_append(arg, data, len);
}

/*
 * Writes the document n more times and, as a peer doing comparable work
 * on the same data in the same run, dumps the input posts with jansson
 * n times; prints CPU time per 100 KB of output for both, and the ratio.
 */
static void
time_writes(const struct http_feeds_format *f, const struct feed_meta *m, const json_t *posts,
    long n)
{
	struct buf out = BUF_INIT, peer = BUF_INIT;
	double start, ours, theirs;
	long i;

	start = cpu_seconds();
	for (i = 0; i < n; i++) {
		buf_reset(&out);
		f->write(&out, m, posts);
	}
	ours = (cpu_seconds() - start) / (double)n;
	start = cpu_seconds();
	for (i = 0; i < n; i++) {
		buf_reset(&peer);
		json_dump_callback(posts, dump_to_buf, &peer, JSON_COMPACT);
	}
	theirs = (cpu_seconds() - start) / (double)n;
	fprintf(stderr, "feedtool: %s: %zu bytes in %.0f us CPU (%.0f us per 100 KB); "
	    "peer json_dumps(posts): %zu bytes in %.0f us (%.0f us per 100 KB); ratio %.2f\n",
	    f->ext, out.len, ours * 1e6, ours * 1e6 * 102400.0 / (double)out.len,
	    peer.len, theirs * 1e6, theirs * 1e6 * 102400.0 / (double)peer.len,
	    (ours / (double)out.len) / (theirs / (double)peer.len));
	buf_free(&out);
	buf_free(&peer);
}

int
main(int argc, char **argv)
{
	const struct http_feeds_format *f;
	struct feed_meta m;
	struct buf in = BUF_INIT, out = BUF_INIT;
	json_t *doc = NULL;
	json_error_t err;
	long repeat = 0;
	int rc = 2;

	if (argc == 4 && strcmp(argv[1], "--time") == 0) {
		repeat = strtol(argv[2], NULL, 10);
		argv += 2;
		argc -= 2;
	}
	f = argc == 2 ? http_feeds_format(argv[1]) : NULL;
	if (f == NULL || repeat < 0) {
		fputs(usage, stderr);
		return 2;
	}
	if (util_read_file("-", &in, 256u * 1024 * 1024) != 0) {
		perror("feedtool: stdin");
		goto done;
	}
	doc = json_loadb(buf_str(&in), in.len, 0, &err);
	if (doc == NULL) {
		fprintf(stderr, "feedtool: stdin:%d: %s\n", err.line, err.text);
		goto done;
	}
	if (!json_is_array(json_object_get(doc, "posts"))) {
		fputs("feedtool: stdin: no \"posts\" list\n", stderr);
		goto done;
	}
	meta_from_json(&m, json_object_get(doc, "meta"));
	f->write(&out, &m, json_object_get(doc, "posts"));
	if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
		perror("feedtool: stdout");
		goto done;
	}
	if (repeat > 0)
		time_writes(f, &m, json_object_get(doc, "posts"), repeat);
	rc = 0;
done:
	json_decref(doc);
	buf_free(&in);
	buf_free(&out);
	return rc;
}
