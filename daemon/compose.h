/*
 * compose.h: a weeknote as its writer hands it over (the web form's
 * fields, or a Markdown file with front matter for `crier post`),
 * checked by one set of rules and turned into a publish_request.
 *
 *   web form / file ─▶ struct compose ─▶ compose_check (rules, per field)
 *   ─▶ compose_request ─▶ pipeline_publish
 *
 * The rules: a title (at most COMPOSE_TITLE_MAX characters), Markdown of
 * at most MARKDOWN_MAX_BYTES (and some text unless it is a draft), at
 * most COMPOSE_TAGS_MAX comma-separated tags of at most
 * COMPOSE_TAG_MAX_BYTES each, and an optional date that is a date and
 * not in the future (a day of slack for time zones).
 */
#ifndef CRIER_COMPOSE_H
#define CRIER_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"

#define COMPOSE_TITLE_MAX 300           /* characters */
#define COMPOSE_TAGS_MAX 20
#define COMPOSE_TAG_MAX_BYTES 64
#define COMPOSE_TAGS_TEXT_MAX 1000      /* bytes of the tags field */
#define COMPOSE_DATE_TEXT_MAX 64

enum compose_field { COMPOSE_TITLE, COMPOSE_TAGS, COMPOSE_DATE, COMPOSE_MARKDOWN, COMPOSE_NFIELDS };

/* Field names as forms and messages use them ("title", ...). */
extern const char *const compose_field_names[COMPOSE_NFIELDS];

struct compose {
	/* as written (malloc'd, never NULL after compose_init) */
	char *title;
	char *tags_text;            /* comma-separated */
	char *date_text;            /* "" when none */
	char *markdown;
	bool draft;

	/* filled by compose_check */
	char **tags;                /* trimmed, non-empty, no duplicates */
	size_t n_tags;
	int64_t published_at;       /* 0 when no date was given */
	const char *errors[COMPOSE_NFIELDS];    /* static sentences; NULL when fine */
};

/* Copies each string (NULL counts as ""). */
void compose_init(struct compose *c, const char *title, const char *tags_text,
    const char *date_text, const char *markdown, bool draft);
void compose_clear(struct compose *c);

/*
 * Fills a compose from a Markdown file: front matter (title, tags, date,
 * draft) and the text after it.  With no title in the front matter, a
 * first line "# Heading" is the title and is taken out of the text.
 * Returns 0, or -1 with *err (a static sentence) when the front matter
 * is malformed or the file is not UTF-8.
 */
int compose_from_file(struct compose *c, const char *text, size_t len, const char **err);

/* Applies the rules at time now; returns the number of fields in error. */
int compose_check(struct compose *c, int64_t now);

/*
 * Points rq's title, content, categories, published_at and draft at c
 * (borrowed: c must outlive rq).  Other fields are left as they are.
 */
void compose_request(const struct compose *c, struct publish_request *rq);

#endif
