/*
 * autotag.c: keyword lists to tags, in post_filter.
 *
 *   [plugin autotag]
 *   path = autotag.so
 *   fields = title, summary, content          ; where to look (the default)
 *   tag.accessibility = wcag, screen reader, a11y
 *   tag.open-data = dataset, datasets, open data
 *   fields.open-data = title                  ; this tag looks at titles only
 *
 * A post gets tag LABEL when any of its keywords appears in one of the
 * fields as a whole word (or words): case-insensitively for ASCII
 * letters, with any run of spaces in the text matching one space in the
 * keyword.  "a11y" matches "A11Y tips" but not "a11yness"; "screen
 * reader" matches "Screen  Reader" across a line break.  Fields: title,
 * summary, content (the plain text of the content) and author.
 *
 * Per post, each field the rules need is folded once (lowercase,
 * whitespace collapsed) and every keyword is searched in it with
 * strstr; the cost is a few microseconds per post for a few dozen
 * keywords.
 */
#include <crier/plugin.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum field { F_TITLE, F_SUMMARY, F_CONTENT, F_AUTHOR, F_COUNT };

/* Field names in config, and the post field each reads. */
static const struct {
	const char *name;
	enum crier_post_field post_field;
} fields[F_COUNT] = {
	[F_TITLE] = { "title", CRIER_POST_TITLE },
	[F_SUMMARY] = { "summary", CRIER_POST_SUMMARY },
	[F_CONTENT] = { "content", CRIER_POST_CONTENT_TEXT },
	[F_AUTHOR] = { "author", CRIER_POST_AUTHOR },
};

#define DEFAULT_FIELDS ((1u << F_TITLE) | (1u << F_SUMMARY) | (1u << F_CONTENT))

struct rule {
	char *label;                    /* the tag, as written after "tag." */
	char **keywords;                /* folded: lowercase, single spaces */
	size_t n_keywords;
	unsigned field_mask;            /* 1 << enum field */
};

struct autotag {
	const struct crier_host *host;
	struct rule *rules;
	size_t n_rules;
	unsigned fields_used;           /* union of the rules' masks */
};

/* A folded copy of one post field, made once per post. */
struct folded {
	char *text;
	size_t cap;
	bool ready;
};

static bool
is_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '_' || c >= 0x80;      /* UTF-8 letters belong to the word */
}

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Folds s into out (grown as needed): ASCII lowercase, whitespace runs
 * as one space, trimmed.  Returns 0, or -1 when out of memory. */
static int
fold(const char *s, char **out, size_t *cap)
{
	size_t n = strlen(s), o = 0;
	const unsigned char *p;
	bool space = false;

	if (n + 1 > *cap) {
		char *grown = realloc(*out, n + 1);
		if (grown == NULL)
			return -1;
		*out = grown;
		*cap = n + 1;
	}
	for (p = (const unsigned char *)s; *p; p++) {
		if (is_space(*p)) {
			space = o > 0;
			continue;
		}
		if (space)
			(*out)[o++] = ' ';
		space = false;
		(*out)[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + ('a' - 'A') : *p);
	}
	(*out)[o] = '\0';
	return 0;
}

/* Does keyword kw occur in text as a whole word?  Ends of kw that are
 * not word characters ("c++") need no boundary. */
static bool
has_word(const char *text, const char *kw, size_t kw_len)
{
	const char *at = text;
	bool need_start = is_word_byte((unsigned char)kw[0]);
	bool need_end = is_word_byte((unsigned char)kw[kw_len - 1]);

	while ((at = strstr(at, kw)) != NULL) {
		bool start_ok = !need_start || at == text || !is_word_byte((unsigned char)at[-1]);
		bool end_ok = !need_end || !is_word_byte((unsigned char)at[kw_len]);
		if (start_ok && end_ok)
			return true;
		at++;
	}
	return false;
}

/* ---------------------------------------------------------------- config */

static void
rules_free(struct autotag *at)
{
	size_t i, k;

	for (i = 0; i < at->n_rules; i++) {
		for (k = 0; k < at->rules[i].n_keywords; k++)
			free(at->rules[i].keywords[k]);
		free(at->rules[i].keywords);
		free(at->rules[i].label);
	}
	free(at->rules);
	free(at);
}

/* "title, content" to a mask; 0 (and a config error) when a name is unknown. */
static unsigned
parse_fields(const struct crier_self *self, const struct crier_host *host, const char *key,
    const char *value)
{
	unsigned mask = 0;
	const char *p = value;
	size_t len, f;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		len = strcspn(p, ", \t");
		if (len == 0)
			break;
		for (f = 0; f < F_COUNT; f++) {
			if (strlen(fields[f].name) == len && strncmp(p, fields[f].name, len) == 0)
				break;
		}
		if (f == F_COUNT) {
			host->config_error(self, key, "unknown field (known: title, summary, content, author)");
			return 0;
		}
		mask |= 1u << f;
		p += len;
	}
	if (mask == 0)
		host->config_error(self, key, "names no field (title, summary, content, author)");
	return mask;
}

/* tag.LABEL = kw, kw: one rule.  0 or -1 (reported). */
static int
add_rule(struct autotag *at, const struct crier_self *self, const char *key, const char *value,
    unsigned mask)
{
	struct rule *r;
	const char *p = value;
	char *folded = NULL;
	size_t cap = 0, len;

	if (key[4] == '\0') {
		at->host->config_error(self, key, "needs a label: tag.LABEL = keyword, keyword");
		return -1;
	}
	r = realloc(at->rules, (at->n_rules + 1) * sizeof(*at->rules));
	if (r == NULL)
		return -1;
	at->rules = r;
	r = &at->rules[at->n_rules++];
	memset(r, 0, sizeof(*r));
	r->label = strdup(key + 4);
	r->field_mask = mask;
	if (r->label == NULL)
		return -1;
	while (*p != '\0') {
		char *one;
		char **grown;
		len = strcspn(p, ",");
		one = strndup(p, len);
		if (one == NULL || fold(one, &folded, &cap) == -1) {
			free(one);
			free(folded);
			return -1;
		}
		free(one);
		p += len;
		if (*p == ',')
			p++;
		if (folded[0] == '\0')
			continue;
		grown = realloc(r->keywords, (r->n_keywords + 1) * sizeof(*r->keywords));
		if (grown == NULL) {
			free(folded);
			return -1;
		}
		r->keywords = grown;
		r->keywords[r->n_keywords++] = folded;
		folded = NULL;
		cap = 0;
	}
	free(folded);
	if (r->n_keywords == 0) {
		at->host->config_error(self, key, "has no keywords (tag.LABEL = keyword, keyword)");
		return -1;
	}
	return 0;
}

/* The fields.LABEL override for a label, or the default mask. */
static unsigned
rule_fields(const struct crier_self *self, const struct crier_host *host, const char *label,
    unsigned def)
{
	const char *key, *value;
	size_t i;

	for (i = 0; (key = host->config_key(self, i, &value)) != NULL; i++) {
		if (strncmp(key, "fields.", 7) == 0 && strcmp(key + 7, label) == 0)
			return parse_fields(self, host, key, value);
	}
	return def;
}

static int
read_rules(struct autotag *at, const struct crier_self *self)
{
	const struct crier_host *host = at->host;
	const char *key, *value, *def_value = host->config_get(self, "fields");
	unsigned def = DEFAULT_FIELDS, mask;
	size_t i;
	int bad = 0;

	if (def_value != NULL) {
		def = parse_fields(self, host, "fields", def_value);
		if (def == 0) {
			def = DEFAULT_FIELDS;   /* go on, to report the other keys' problems too */
			bad = 1;
		}
	}
	for (i = 0; (key = host->config_key(self, i, &value)) != NULL; i++) {
		if (strncmp(key, "tag.", 4) == 0) {
			mask = rule_fields(self, host, key + 4, def);
			if (mask == 0 || add_rule(at, self, key, value, mask) == -1)
				bad = 1;
			else
				at->fields_used |= mask;
		} else if (strcmp(key, "path") != 0 && strcmp(key, "fields") != 0 &&
		    strncmp(key, "fields.", 7) != 0) {
			host->config_error(self, key, "unknown key (known: fields, tag.LABEL, fields.LABEL)");
			bad = 1;
		}
	}
	if (!bad && at->n_rules == 0) {
		host->config_error(self, NULL, "no tag.LABEL = keyword, keyword keys: nothing to tag");
		bad = 1;
	}
	return bad ? -1 : 0;
}

static int
autotag_init(const struct crier_self *self, const struct crier_host *host, void **state)
{
	struct autotag *at = calloc(1, sizeof(*at));

	if (at == NULL)
		return -1;
	at->host = host;
	if (read_rules(at, self) == -1) {
		rules_free(at);
		return -1;
	}
	host->log(self, CRIER_LOG_DEBUG, "autotag ready", "rules=%zu", at->n_rules);
	*state = at;
	return 0;
}

static void
autotag_fini(const struct crier_self *self, void *state)
{
	(void)self;
	rules_free(state);
}

/* ---------------------------------------------------------------- the hook */

/* The folded text of field f of the post, made on first use; NULL when empty. */
static const char *
field_text(const struct crier_host *h, const struct crier_post *post, struct folded *fd, enum field f)
{
	const char *raw;

	if (!fd[f].ready) {
		fd[f].ready = true;
		raw = h->post_text(post, fields[f].post_field);
		if (raw == NULL || fold(raw, &fd[f].text, &fd[f].cap) == -1) {
			free(fd[f].text);
			fd[f].text = NULL;
		}
	}
	return fd[f].text != NULL && fd[f].text[0] != '\0' ? fd[f].text : NULL;
}

static bool
rule_matches(const struct crier_host *h, const struct crier_post *post, struct folded *fd,
    const struct rule *r)
{
	const char *text;
	size_t k;
	int f;

	for (f = 0; f < F_COUNT; f++) {
		if (!(r->field_mask & (1u << f)))
			continue;
		text = field_text(h, post, fd, (enum field)f);
		if (text == NULL)
			continue;
		for (k = 0; k < r->n_keywords; k++) {
			if (has_word(text, r->keywords[k], strlen(r->keywords[k])))
				return true;
		}
	}
	return false;
}

static int
autotag_filter(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	struct autotag *at = state;
	struct folded fd[F_COUNT];
	size_t i;
	int f, rc = CRIER_OK;

	(void)self;
	memset(fd, 0, sizeof(fd));
	for (i = 0; i < at->n_rules; i++) {
		if (rule_matches(at->host, ev->post, fd, &at->rules[i]) &&
		    at->host->post_add_tag(ev->post, at->rules[i].label) == -1)
			rc = CRIER_ERROR;
	}
	for (f = 0; f < F_COUNT; f++)
		free(fd[f].text);
	return rc;
}

CRIER_PLUGIN_EXPORT const struct crier_plugin crier_plugin = {
	.abi = CRIER_PLUGIN_ABI,
	.name = "autotag",
	.version = "1.0",
	.init = autotag_init,
	.fini = autotag_fini,
	.hooks = {
		[CRIER_HOOK_POST_FILTER] = autotag_filter,
	},
};
