/*
 * tag.h: the tag stage.  Sits after sanitize and before the post_filter
 * hook: a post gets its feed's configured tags, its own categories
 * (already on it from the parser, origin TAG_FEED) and the tags of every
 * [rule NAME] that matches it.
 *
 * A rule tests one or more fields with POSIX extended regular
 * expressions, case-insensitively; when it names several fields, all of
 * them must match.  Fields: title, content (the plain text of the
 * content, or the summary), author (all author names), feed (the feed's
 * display name and its URL).
 */
#ifndef CRIER_TAG_H
#define CRIER_TAG_H

#include "crier.h"

struct config;
struct tag_rules;

/* Compiles cfg's rules.  NULL and *err (free it) when one does not compile. */
struct tag_rules *tag_rules_new(const struct config *cfg, char **err);
void tag_rules_free(struct tag_rules *r);          /* NULL does nothing */
size_t tag_rules_count(const struct tag_rules *r);
/* Whether any rule reads a post's content (its plain text must be ready). */
bool tag_rules_read_content(const struct tag_rules *r);

/*
 * Adds the tags of every matching rule to p (origin TAG_RULE), labels
 * copied into a.  feed_name and feed_url may be NULL (local posts).
 * Returns how many rules matched.
 */
int tag_apply_rules(const struct tag_rules *r, struct arena *a, struct post *p,
    const char *feed_name, const char *feed_url);

/* Adds each label of a comma-separated list to p. */
void tag_add_list(struct arena *a, struct post *p, const char *csv, enum tag_origin origin);

#endif
