/*
 * progress.c: the terminal progress bar (see progress.h).
 */
#include "progress.h"
#include "util.h"

#include <stdlib.h>
#include <unistd.h>

struct progress {
	FILE *out;
	const char *unit;
	bool on;
	int64_t started_ms;
	int64_t drawn_ms;
};

struct progress *
progress_new(FILE *out, const char *unit, bool enabled)
{
	struct progress *p = xcalloc(1, sizeof(*p));

	p->out = out;
	p->unit = unit;
	p->on = enabled && util_isatty(fileno(out));
	p->started_ms = util_now_ms();
	return p;
}

void
progress_update(struct progress *p, size_t done, size_t total, size_t new_posts, size_t errors)
{
	enum { WIDTH = 24 };
	char bar[WIDTH + 1];
	int64_t now = util_now_ms();
	size_t i, fill;

	if (!p->on || (now - p->drawn_ms < 100 && done < total))
		return;
	p->drawn_ms = now;
	fill = total ? done * WIDTH / total : 0;
	for (i = 0; i < WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[WIDTH] = '\0';
	fprintf(p->out, "\r[%s] %5zu/%zu %s  %zu new  %zu error%s  %.1fs\033[K", bar, done,
	    total, p->unit, new_posts, errors, errors == 1 ? "" : "s",
	    (double)(now - p->started_ms) / 1000.0);
	fflush(p->out);
}

void
progress_finish(struct progress *p)
{
	if (p->on) {
		fprintf(p->out, "\r\033[K");
		fflush(p->out);
	}
}

void
progress_free(struct progress *p)
{
	free(p);
}
