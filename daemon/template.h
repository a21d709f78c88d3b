/*
 * template.h: Mustache templates (themes).
 *
 * A hand-written renderer for the Mustache spec (interpolation, sections,
 * inverted sections, partials, comments, set delimiters; the official
 * spec tests in shared/conformance/mustache pass).  The data model is
 * jansson's json_t: objects, arrays, strings, numbers, booleans, null.
 * {{x}} is HTML-escaped; {{{x}}} and {{& x}} are not (for sanitized HTML).
 *
 * Templates are compiled once (templates_load / template_compile) and
 * then rendered from many threads at once: a compiled set is read-only.
 */
#ifndef CRIER_TEMPLATE_H
#define CRIER_TEMPLATE_H

#include <jansson.h>

#include "buf.h"

struct templates;

/*
 * Loads every *.mustache file below each directory of dirs (NULL-
 * terminated), earlier directories winning: {theme_dir, default_dir}
 * makes a theme override any template or partial and fall back to the
 * default.  A template's name is its path below its directory without
 * ".mustache" ("river", "partials/header").  A partial {{> header}}
 * is looked up as "header", then "partials/header".
 * Returns NULL and sets *err (free it) on a syntax error or I/O error,
 * naming the file and line.
 */
struct templates *templates_load(const char *const *dirs, char **err);

/*
 * A set built from strings: names[i] -> sources[i], n of them (for tests
 * and the spec runner).  NULL and *err on a syntax error.
 */
struct templates *templates_from_strings(const char *const *names,
    const char *const *sources, size_t n, char **err);

void templates_free(struct templates *t);

/* Is there a template of this name? */
int templates_has(const struct templates *t, const char *name);

/*
 * Renders template name with ctx into out.  0, or -1 with *err set (free
 * it) when there is no such template or out's cap was reached.  Missing
 * partials render as empty strings (the spec).  Recursion is bounded.
 */
int template_render(const struct templates *t, const char *name,
    const json_t *ctx, struct buf *out, char **err);

#endif
