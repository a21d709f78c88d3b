/*
 * sanitize_bench.c: throughput of sanitize_html() and html_to_text(),
 * and a filter for checking the sanitizer against other tools.  Never
 * part of make check.
 *
 *   sanitize_bench bench FRAGMENTS [ROUNDS]
 *       FRAGMENTS holds HTML fragments separated by NUL bytes (make one
 *       from a generated corpus with bench/html_fragments.py).  Times
 *       sanitize_html (with a base URL) and html_to_text over all of
 *       them, next to a peer in the same run: libxml2's HTML parser
 *       (htmlReadMemory, which builds a tree and serializes nothing),
 *       and prints MB/s (of input, per CPU second) and the ratio.
 *
 *   sanitize_bench filter
 *       Reads records "MODE\0BASE\0INPUT\0" from stdin and writes
 *       "OUTPUT\0" for each: MODE h = sanitize_html, t = html_to_text,
 *       c = text_collapse, l = html_looks_like_html ("1" / "0").
 *
 * Build (from the top of the source tree):
 *   cc -O2 -Idaemon bench/sanitize_bench.c daemon/sanitize.c \
 *     daemon/entities.c daemon/url.c daemon/buf.c daemon/log.c daemon/util.c \
 *     $(pkg-config --cflags --libs libxml-2.0 libsodium) -o sanitize_bench
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/HTMLparser.h>

#include "buf.h"
#include "sanitize.h"
#include "util.h"

/* CPU time of this process: the machine is shared, wall time is noise. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
read_all(FILE *f, struct buf *b)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(b, chunk, n) == -1)
			return -1;
	return ferror(f) ? -1 : 0;
}

static int
filter(void)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	const char *p, *end, *mode, *base, *html;
	size_t hlen;

	if (read_all(stdin, &in) == -1)
		return 1;
	p = buf_str(&in);
	end = p + in.len;
	while (p < end) {
		mode = p;
		base = mode + strlen(mode) + 1;
		html = base + strlen(base) + 1;
		if (html >= end)
			break;
		hlen = strlen(html);
		buf_reset(&out);
		switch (mode[0]) {
		case 'h':
			sanitize_html(&out, html, hlen, base[0] ? base : NULL);
			break;
		case 't':
			html_to_text(&out, html, hlen);
			break;
		case 'c':
			text_collapse(&out, html, hlen);
			break;
		default:
			buf_puts(&out, html_looks_like_html(html, hlen) ? "1" : "0");
		}
		fwrite(buf_str(&out), 1, out.len + 1, stdout);
		p = html + hlen + 1;
	}
	buf_free(&in);
	buf_free(&out);
	return 0;
}

static void
report(const char *what, size_t bytes, double secs, double peer_secs)
{
	printf("%-28s %8.1f MB/s  (%.3f s)", what, (double)bytes / secs / 1e6, secs);
	if (peer_secs > 0)
		printf("  %.2fx libxml2", peer_secs / secs);
	printf("\n");
}

static int
bench(const char *path, int rounds)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	const char *p, *end;
	size_t total = 0, nfrag = 0, outbytes = 0, len;
	double t0, t_san, t_text, t_peer;
	FILE *f;
	int r;

	f = fopen(path, "rb");
	if (f == NULL || read_all(f, &in) == -1) {
		perror(path);
		return 1;
	}
	fclose(f);
	end = in.data + in.len;
	for (p = in.data; p < end; p += strlen(p) + 1) {
		total += strlen(p);
		nfrag++;
	}

	t0 = now_s();
	for (r = 0; r < rounds; r++)
		for (p = in.data; p < end; p += len + 1) {
			len = strlen(p);
			htmlDocPtr doc = htmlReadMemory(p, (int)len, NULL, "UTF-8",
			    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
			    HTML_PARSE_NONET | HTML_PARSE_NOIMPLIED);
			xmlFreeDoc(doc);
		}
	t_peer = now_s() - t0;

	t0 = now_s();
	for (r = 0; r < rounds; r++)
		for (p = in.data; p < end; p += len + 1) {
			len = strlen(p);
			buf_reset(&out);
			sanitize_html(&out, p, len, "http://example.com/blog/post/");
			outbytes += out.len;
		}
	t_san = now_s() - t0;

	t0 = now_s();
	for (r = 0; r < rounds; r++)
		for (p = in.data; p < end; p += len + 1) {
			len = strlen(p);
			buf_reset(&out);
			html_to_text(&out, p, len);
		}
	t_text = now_s() - t0;

	printf("%zu fragments, %.1f MB, %d rounds; sanitized output %.1f%% of input\n",
	    nfrag, (double)total / 1e6, rounds,
	    100.0 * (double)outbytes / (double)(total * (size_t)rounds));
	report("htmlReadMemory (peer)", total * (size_t)rounds, t_peer, 0);
	report("sanitize_html", total * (size_t)rounds, t_san, t_peer);
	report("html_to_text", total * (size_t)rounds, t_text, t_peer);
	buf_free(&in);
	buf_free(&out);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "filter") == 0)
		return filter();
	if (argc >= 3 && strcmp(argv[1], "bench") == 0)
		return bench(argv[2], argc >= 4 ? atoi(argv[3]) : 5);
	fprintf(stderr, "usage: sanitize_bench bench FRAGMENTS [ROUNDS] | filter\n");
	return 2;
}
