/*
 * tag.c: tags from config, categories and rules (see tag.h).
 */
#include "tag.h"
#include "config.h"
#include "util.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct rule {
	char *name;
	regex_t re[RULE_NFIELDS];
	bool has[RULE_NFIELDS];
	char **tags;
	size_t n_tags;
};

struct tag_rules {
	struct rule *rules;
	size_t n;
};

void
post_add_tag(struct arena *a, struct post *p, const char *label, enum tag_origin origin)
{
	struct post_tag *nt;
	size_t i, ncap;

	if (label == NULL || *label == '\0')
		return;
	for (i = 0; i < p->n_tags; i++) {
		if (strcasecmp(p->tags[i].label, label) == 0)
			return;
	}
	if (p->n_tags == p->cap_tags) {
		ncap = p->cap_tags ? p->cap_tags * 2 : 4;
		nt = arena_alloc(a, ncap * sizeof(*nt));
		if (p->n_tags > 0)
			memcpy(nt, p->tags, p->n_tags * sizeof(*nt));
		p->tags = nt;
		p->cap_tags = ncap;
	}
	p->tags[p->n_tags].label = arena_strdup(a, label);
	p->tags[p->n_tags].origin = origin;
	p->n_tags++;
}

void
tag_add_list(struct arena *a, struct post *p, const char *csv, enum tag_origin origin)
{
	const char *s = csv, *end;
	struct slice sl;
	char *label;

	while (s != NULL && *s != '\0') {
		end = strchr(s, ',');
		sl.ptr = s;
		sl.len = end != NULL ? (size_t)(end - s) : strlen(s);
		sl = slice_trim(sl);
		if (sl.len > 0) {
			label = arena_strndup(a, sl.ptr, sl.len);
			post_add_tag(a, p, label, origin);
		}
		s = end != NULL ? end + 1 : NULL;
	}
}

void
tag_rules_free(struct tag_rules *r)
{
	size_t i, f;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		for (f = 0; f < RULE_NFIELDS; f++) {
			if (r->rules[i].has[f])
				regfree(&r->rules[i].re[f]);
		}
		free(r->rules[i].name);
	}
	free(r->rules);
	free(r);
}

struct tag_rules *
tag_rules_new(const struct config *cfg, char **err)
{
	struct tag_rules *r = xcalloc(1, sizeof(*r));
	struct buf msg = BUF_INIT;
	char ebuf[256];
	size_t i, f;
	int rc;

	*err = NULL;
	r->rules = xcalloc(cfg->n_rules, sizeof(*r->rules));
	for (i = 0; i < cfg->n_rules; i++) {
		struct rule *ru = &r->rules[r->n++];
		ru->name = xstrdup(cfg->rules[i].name);
		ru->tags = cfg->rules[i].tags;  /* borrowed from cfg, which outlives us */
		ru->n_tags = cfg->rules[i].n_tags;
		for (f = 0; f < RULE_NFIELDS; f++) {
			if (cfg->rules[i].pattern[f] == NULL)
				continue;
			rc = regcomp(&ru->re[f], cfg->rules[i].pattern[f],
			    REG_EXTENDED | REG_ICASE | REG_NOSUB);
			if (rc != 0) {
				regerror(rc, &ru->re[f], ebuf, sizeof(ebuf));
				buf_printf(&msg, "[rule %s]: %s", ru->name, ebuf);
				*err = buf_steal(&msg);
				tag_rules_free(r);
				return NULL;
			}
			ru->has[f] = true;
		}
	}
	return r;
}

size_t
tag_rules_count(const struct tag_rules *r)
{
	return r != NULL ? r->n : 0;
}

static bool
field_matches(const regex_t *re, const char *a, const char *b)
{
	if (a != NULL && regexec(re, a, 0, NULL, 0) == 0)
		return true;
	return b != NULL && regexec(re, b, 0, NULL, 0) == 0;
}

static bool
authors_match(const regex_t *re, const struct post *p)
{
	size_t i;

	for (i = 0; i < p->n_authors; i++) {
		if (field_matches(re, p->authors[i].name, NULL))
			return true;
	}
	return false;
}

static bool
rule_matches(const struct rule *ru, const struct post *p, const char *feed_name,
    const char *feed_url)
{
	const char *content = p->search_text ? p->search_text :
	    p->content_text ? p->content_text : p->summary;

	if (ru->has[RULE_TITLE] && !field_matches(&ru->re[RULE_TITLE], p->title, NULL))
		return false;
	if (ru->has[RULE_CONTENT] && !field_matches(&ru->re[RULE_CONTENT], content, NULL))
		return false;
	if (ru->has[RULE_AUTHOR] && !authors_match(&ru->re[RULE_AUTHOR], p))
		return false;
	if (ru->has[RULE_FEED] && !field_matches(&ru->re[RULE_FEED], feed_name, feed_url))
		return false;
	return true;
}

bool
tag_rules_read_content(const struct tag_rules *r)
{
	size_t i;

	for (i = 0; r != NULL && i < r->n; i++) {
		if (r->rules[i].has[RULE_CONTENT])
			return true;
	}
	return false;
}

int
tag_apply_rules(const struct tag_rules *r, struct arena *a, struct post *p,
    const char *feed_name, const char *feed_url)
{
	size_t i, t;
	int matched = 0;

	if (r == NULL)
		return 0;
	for (i = 0; i < r->n; i++) {
		if (!rule_matches(&r->rules[i], p, feed_name, feed_url))
			continue;
		matched++;
		for (t = 0; t < r->rules[i].n_tags; t++)
			post_add_tag(a, p, r->rules[i].tags[t], TAG_RULE);
	}
	return matched;
}
