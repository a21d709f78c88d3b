/*
 * cmd_parse.c: `crier parse [--base URL] FILE...|-`.
 *
 * Parses each file with parse_feed() and prints one JSON object per
 * file, one per line, in JSON Feed 1.1 shape plus a "_crier" object
 * (format, bozo, encoding, description_html; per item summary_html): the
 * test contract of conformance/feedparser/README.md section 1.  Fields
 * without a value are left out.  Needs no config file.
 *
 * Exit status: 0 when every file was read, even when one is not a feed
 * or not well-formed (that is "bozo" in the output); 1 when a file could
 * not be read; 2 on usage errors.
 *
 * The JSON is written by hand into one buffer per document (jansson
 * would build a tree of every post first), then to stdout in one write.
 *
 * Several files are parsed by up to PARSE_THREADS threads (one per core)
 * and printed in the order given: a thread takes the next file, at most
 * PARSE_AHEAD files ahead of the one being printed, so memory stays
 * bounded whatever the number of files.
 */
#include "caps.h"
#include "cmd.h"
#include "log.h"
#include "parse.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PARSE_THREADS 4         /* at most; no more than the cores */
#define PARSE_AHEAD 16          /* files parsed but not yet printed, at most */

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: crier parse [--base URL] FILE...\n"
	    "\n"
	    "Parses RSS 0.9x/1.0/2.0, Atom 0.3/1.0, CDF and JSON Feed documents and\n"
	    "prints one JSON Feed 1.1 object per file, one per line, with a \"_crier\"\n"
	    "object (format, bozo, encoding).  FILE \"-\" reads standard input.\n"
	    "\n"
	    "Options:\n"
	    "  --base URL   resolve relative URLs against URL (the document's address)\n"
	    "  -h, --help   this help\n"
	    "\n"
	    "Exit status: 0 when every file was read (ill-formed feeds are reported\n"
	    "with \"bozo\": true), 1 when a file could not be read, 2 on usage errors.\n");
}

/* ,"key":"value" (the comma unless first); nothing when value is NULL. */
static void
put_str(struct buf *b, bool *first, const char *key, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	if (!*first)
		buf_putc(b, ',');
	*first = false;
	util_json_string(b, key);
	buf_putc(b, ':');
	util_json_string(b, value);
}

static void
put_key(struct buf *b, bool *first, const char *key)
{
	if (!*first)
		buf_putc(b, ',');
	*first = false;
	util_json_string(b, key);
	buf_putc(b, ':');
}

static void
put_date(struct buf *b, bool *first, const char *key, int64_t t)
{
	char when[32];

	if (t == 0)
		return;
	util_rfc3339(t, when);
	put_str(b, first, key, when);
}

static void
put_authors(struct buf *b, bool *first, const struct author *authors, size_t n)
{
	size_t i;
	bool f;

	if (n == 0)
		return;
	put_key(b, first, "authors");
	buf_putc(b, '[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		buf_putc(b, '{');
		f = true;
		put_str(b, &f, "name", authors[i].name);
		put_str(b, &f, "url", authors[i].url);
		put_str(b, &f, "email", authors[i].email);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

static void
put_item(struct buf *b, const struct post *p)
{
	bool first = true, f;
	size_t i;

	buf_putc(b, '{');
	put_str(b, &first, "id", p->guid);
	put_str(b, &first, "url", p->url);
	put_str(b, &first, "title", p->title);
	put_str(b, &first, "summary", p->summary);
	put_str(b, &first, "content_html", p->content_html);
	put_str(b, &first, "content_text", p->content_text);
	put_date(b, &first, "date_published", p->published_at);
	put_date(b, &first, "date_modified", p->updated_at);
	put_authors(b, &first, p->authors, p->n_authors);
	if (p->n_tags > 0) {
		put_key(b, &first, "tags");
		buf_putc(b, '[');
		for (i = 0; i < p->n_tags; i++) {
			if (i > 0)
				buf_putc(b, ',');
			util_json_string(b, p->tags[i].label);
		}
		buf_putc(b, ']');
	}
	if (p->summary_html != NULL) {
		put_key(b, &first, "_crier");
		buf_putc(b, '{');
		f = true;
		put_str(b, &f, "summary_html", p->summary_html);
		buf_putc(b, '}');
	}
	buf_putc(b, '}');
}

static void
put_doc(struct buf *b, const struct feed_doc *doc)
{
	bool first = true, f = true;
	size_t i;

	buf_putc(b, '{');
	put_str(b, &first, "version", "https://jsonfeed.org/version/1.1");
	put_str(b, &first, "title", doc->title);
	put_str(b, &first, "home_page_url", doc->home_page_url);
	put_str(b, &first, "feed_url", doc->feed_url);
	put_str(b, &first, "description", doc->description);
	put_authors(b, &first, doc->authors, doc->n_authors);
	put_key(b, &first, "items");
	buf_putc(b, '[');
	for (i = 0; i < doc->n_items; i++) {
		if (i > 0)
			buf_putc(b, ',');
		put_item(b, doc->items[i]);
	}
	buf_putc(b, ']');
	put_key(b, &first, "_crier");
	buf_putc(b, '{');
	put_str(b, &f, "format", feed_format_name(doc->format));
	put_key(b, &f, "bozo");
	buf_puts(b, doc->bozo ? "true" : "false");
	put_str(b, &f, "encoding", doc->encoding);
	put_str(b, &f, "bozo_reason", doc->bozo_reason);
	put_str(b, &f, "description_html", doc->description_html);
	buf_puts(b, "}}\n");
}

/*
 * Parses one file into out (its JSON line); -1 with err set when it
 * cannot be read.
 */
static int
parse_one(const char *path, const struct parse_options *opt, struct buf *data, struct buf *out,
    struct buf *err)
{
	struct feed_doc *doc;

	buf_reset(data);
	buf_reset(out);
	if (util_read_file(path, data, CAP_FILE_BYTES) == -1) {
		buf_printf(err, "crier parse: %s: %s\n", strcmp(path, "-") == 0 ? "stdin" : path,
		    errno == EFBIG ? "file too large" : strerror(errno));
		return -1;
	}
	doc = parse_feed(buf_str(data), data->len, opt);
	put_doc(out, doc);
	feed_doc_free(doc);
	return 0;
}

/* One file's result, waiting to be printed. */
struct parsed {
	struct buf out, err;
	bool ready;
};

struct parse_run {
	const struct parse_options *opt;
	const char **files;
	size_t n;
	size_t next;                    /* the next file a thread takes */
	size_t printed;                 /* files printed so far */
	struct parsed slot[PARSE_AHEAD];        /* file i is in slot[i % PARSE_AHEAD] */
	pthread_mutex_t lock;
	pthread_cond_t changed;
};

static void *
parse_thread(void *arg)
{
	struct parse_run *run = arg;
	struct buf data = BUF_INIT, out = BUF_INIT, err = BUF_INIT, tmp;
	struct parsed *slot;
	size_t i;

	pthread_mutex_lock(&run->lock);
	for (;;) {
		while (run->next < run->n && run->next >= run->printed + PARSE_AHEAD)
			pthread_cond_wait(&run->changed, &run->lock);
		if (run->next >= run->n)
			break;
		i = run->next++;
		pthread_mutex_unlock(&run->lock);
		buf_reset(&err);
		parse_one(run->files[i], run->opt, &data, &out, &err);
		pthread_mutex_lock(&run->lock);
		slot = &run->slot[i % PARSE_AHEAD];
		/* hand the buffers over, take the slot's empty ones */
		tmp = slot->out;
		slot->out = out;
		out = tmp;
		tmp = slot->err;
		slot->err = err;
		err = tmp;
		slot->ready = true;
		pthread_cond_broadcast(&run->changed);
	}
	pthread_mutex_unlock(&run->lock);
	buf_free(&data);
	buf_free(&out);
	buf_free(&err);
	return NULL;
}

/* Prints each file's result in order as the threads finish them; 0, or 1
 * when a file could not be read or stdout could not be written. */
static int
print_in_order(struct parse_run *run)
{
	struct parsed *slot;
	size_t i;
	int rc = 0;

	for (i = 0; i < run->n; i++) {
		slot = &run->slot[i % PARSE_AHEAD];
		pthread_mutex_lock(&run->lock);
		while (!slot->ready)
			pthread_cond_wait(&run->changed, &run->lock);
		pthread_mutex_unlock(&run->lock);
		if (slot->err.len > 0) {
			fputs(buf_str(&slot->err), stderr);
			rc = 1;
		} else if (fwrite(slot->out.data, 1, slot->out.len, stdout) != slot->out.len) {
			rc = 1;
		}
		pthread_mutex_lock(&run->lock);
		slot->ready = false;
		run->printed++;
		pthread_cond_broadcast(&run->changed);
		pthread_mutex_unlock(&run->lock);
	}
	return rc;
}

/* One file after the other on this thread (one file, one core, or no threads). */
static int
parse_in_turn(const char **files, size_t n, const struct parse_options *opt)
{
	struct buf data = BUF_INIT, out = BUF_INIT, err = BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		buf_reset(&err);
		if (parse_one(files[i], opt, &data, &out, &err) == -1) {
			fputs(buf_str(&err), stderr);
			rc = 1;
		} else if (fwrite(out.data, 1, out.len, stdout) != out.len) {
			rc = 1;
		}
	}
	buf_free(&data);
	buf_free(&out);
	buf_free(&err);
	return rc;
}

static int
parse_files(const char **files, size_t n, const struct parse_options *opt)
{
	struct parse_run *run;
	pthread_t threads[PARSE_THREADS];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nthreads = cores > 0 ? (size_t)cores : 1, i, started = 0;
	int rc;

	if (nthreads > PARSE_THREADS)
		nthreads = PARSE_THREADS;
	if (nthreads > n)
		nthreads = n;
	if (nthreads < 2)
		return parse_in_turn(files, n, opt);
	run = xcalloc(1, sizeof(*run));
	run->opt = opt;
	run->files = files;
	run->n = n;
	pthread_mutex_init(&run->lock, NULL);
	pthread_cond_init(&run->changed, NULL);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&threads[started], NULL, parse_thread, run) == 0)
			started++;
	}
	if (started == 0) {
		log_warn("no thread for crier parse; parsing one file at a time", "files=%zu", n);
		rc = parse_in_turn(files, n, opt);
	} else {
		rc = print_in_order(run);
	}
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	for (i = 0; i < PARSE_AHEAD; i++) {
		buf_free(&run->slot[i].out);
		buf_free(&run->slot[i].err);
	}
	pthread_mutex_destroy(&run->lock);
	pthread_cond_destroy(&run->changed);
	free(run);
	return rc;
}

int
cmd_parse(struct crier *c, int argc, char **argv)
{
	struct parse_options opt;
	const char **files;
	size_t n = 0;
	int i, rc, nfiles = 0;
	bool options_done = false;

	(void)c;
	memset(&opt, 0, sizeof(opt));
	opt.skip_content_hash = true;   /* not part of the output */
	for (i = 1; i < argc; i++) {
		if (options_done || argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
			nfiles++;
		} else if (strcmp(argv[i], "--") == 0) {
			options_done = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--base") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "crier parse: --base needs a URL\n");
				return 2;
			}
			opt.base_url = argv[++i];
		} else if (strncmp(argv[i], "--base=", 7) == 0) {
			opt.base_url = argv[i] + 7;
		} else {
			fprintf(stderr, "crier parse: unknown option %s (try crier parse --help)\n",
			    argv[i]);
			return 2;
		}
	}
	if (nfiles == 0) {
		usage(stderr);
		return 2;
	}
	files = xcalloc((size_t)nfiles, sizeof(*files));
	options_done = false;
	for (i = 1; i < argc; i++) {
		if (!options_done && strcmp(argv[i], "--") == 0) {
			options_done = true;
			continue;
		}
		if (!options_done && argv[i][0] == '-' && strcmp(argv[i], "-") != 0) {
			if (strcmp(argv[i], "--base") == 0)
				i++;
			continue;
		}
		files[n++] = argv[i];
	}
	rc = parse_files(files, n, &opt);
	free(files);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "crier parse: writing output: %s\n", strerror(errno));
		rc = 1;
	}
	return rc;
}
