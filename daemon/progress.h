/*
 * progress.h: a one-line progress bar for long CLI work, on a terminal.
 *
 *   [#########.............]  412/1000 feeds  8,231 new  3 errors  2.1s
 *
 * When the stream is not a terminal nothing is drawn; the command prints
 * its one-line summary at the end either way.
 */
#ifndef CRIER_PROGRESS_H
#define CRIER_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct progress;

/* A bar on out when out is a terminal and enabled; otherwise a no-op one. */
struct progress *progress_new(FILE *out, const char *unit, bool enabled);
void progress_update(struct progress *p, size_t done, size_t total, size_t new_posts,
    size_t errors);
/* Clears the bar line. */
void progress_finish(struct progress *p);
void progress_free(struct progress *p);

#endif
