/*
 * markdown.h: GitHub-flavoured Markdown to HTML with md4c (tables,
 * strikethrough, task lists, autolinks), and the front matter of
 * Markdown files published with `crier post`.
 *
 * The HTML it makes is not trusted: the publishing pipeline sanitizes
 * it like any feed's content.
 */
#ifndef CRIER_MARKDOWN_H
#define CRIER_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MARKDOWN_MAX_BYTES (512u * 1024)    /* larger sources are refused */

/* Appends the HTML of md[0..len) to out.  0, or -1 when it is too large.
 * Task list boxes come out as the characters U+2611 (done) and U+2610
 * (to do) rather than form controls, which the sanitizer would drop. */
int markdown_to_html(struct buf *out, const char *md, size_t len);

/*
 * Front matter: an optional block at the very start of a file,
 *
 *   ---
 *   title: Weeknotes 47
 *   tags: weeknotes, forms
 *   date: 2026-11-20
 *   draft: false
 *   ---
 *
 * Values are copied into the arena-free struct below (malloc'd; free
 * with front_matter_clear).  `body` points into the text after it.
 */
struct front_matter {
	char *title;
	char *tags;             /* comma-separated */
	char *date;             /* as written */
	char *slug;
	bool draft;
	const char *body;
	size_t body_len;
	char *error;            /* set when the block is malformed */
};

void front_matter_parse(const char *text, size_t len, struct front_matter *fm);
void front_matter_clear(struct front_matter *fm);

#endif
