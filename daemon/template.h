/*
 * template.h: Mustache templates (themes).
 *
 * A hand-written renderer for the Mustache spec (interpolation, sections,
 * inverted sections, partials, comments, set delimiters; the official
 * spec tests in shared/conformance/mustache pass).  The data model is
 * jansson's json_t: objects, arrays, strings, numbers, booleans, null.
 * {{x}} is HTML-escaped; {{{x}}} and {{& x}} are not (for sanitized HTML).
 *
 * Templates are compiled once (templates_load / templates_from_strings)
 * and then rendered from many threads at once: a compiled set is
 * read-only, and rendering allocates nothing but the output.
 *
 * Values: strings as they are (escaped by {{x}}: & < > " ' become
 * entities), integers in decimal, reals in their shortest round-trip form
 * ("1.21", "2", "1e+100"), true/false as "true"/"false"; null, missing
 * names, objects and arrays print nothing.
 * Sections: false, null, 0, 0.0, "", [] and {} are falsey (JavaScript's
 * rule, plus the empty object); an array renders its body once per item,
 * any other truthy value renders it once with the value pushed as the
 * context ({{.}}).  Lambdas do not exist (JSON has no code).
 * Inheritance ({{< parent}} with {{$ block}} overrides) works, but blocks
 * are not re-indented (the spec's optional "reindentation" cases).
 * Limits (caps.h): CAP_TEMPLATE_BYTES per file, CAP_TEMPLATE_DEPTH for
 * nested sections and partials (so a partial that includes itself fails
 * instead of overflowing the stack), CAP_TEMPLATE_STEPS instructions per
 * render, and the output buf's own max.
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
 * Files and directories starting with "." are skipped.  Every directory
 * must exist.  Returns NULL and sets *err (free it) on a syntax error
 * ("themes/x/river.mustache:12: unclosed section 'posts'") or an I/O
 * error.
 */
struct templates *templates_load(const char *const *dirs, char **err);

/*
 * A set built from strings: names[i] -> sources[i], n of them (for tests
 * and the spec runner); the first of duplicate names wins.  The strings
 * are copied.  NULL and *err ("name:line: ...") on a syntax error.
 */
struct templates *templates_from_strings(const char *const *names,
    const char *const *sources, size_t n, char **err);

void templates_free(struct templates *t);

/* Is there a template of this name? */
int templates_has(const struct templates *t, const char *name);

/*
 * Renders template name with ctx (borrowed, may be NULL) appending to out.
 * 0, or -1 with *err set (free it) when there is no such template, out's
 * cap was reached, or a depth or work cap was hit; out then holds what was
 * rendered so far.  Missing partials render as empty strings (the spec).
 */
int template_render(const struct templates *t, const char *name,
    const json_t *ctx, struct buf *out, char **err);

#endif
