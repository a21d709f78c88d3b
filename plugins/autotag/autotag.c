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
 * Per post, each field the rules need is walked once, word by word,
 * in place: each word, lowercased as it is hashed, is looked up in a
 * hash table of the keywords' first words, and a multi-word keyword
 * then compares the words that follow.  So the cost grows with the
 * text, not with the number of rules.  Keywords with punctuation in
 * them ("c++", "gov.uk") are found with strstr in a folded copy
 * (lowercase, whitespace collapsed) instead.
 */
#include <crier/plugin.h>

#include <stdbool.h>
#include <stdint.h>
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

/* A keyword of the word index: its rule and its first word's length. */
struct entry {
	const char *text;               /* the rule's folded keyword */
	size_t len, first_len;
	size_t rule;
	size_t next;                    /* the next entry in its slot's chain, or NONE */
};

#define NONE ((size_t)-1)

struct autotag {
	const struct crier_host *host;
	struct rule *rules;
	size_t n_rules;
	unsigned fields_used;           /* union of the rules' masks */
	/* the word index: slot (first word's hash) -> chain of entries */
	struct entry *entries;
	size_t n_entries;
	size_t *slots;
	size_t mask;                    /* slots - 1 (a power of two minus one) */
	/* keywords with characters other than word bytes and spaces: strstr */
	struct entry *odd;
	size_t n_odd;
	/* byte classes, for the word walk */
	unsigned char lower[256];       /* ASCII lowercase */
	bool word[256];                 /* is_word_byte() */
	bool space[256];                /* is_space() */
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

	free(at->entries);
	free(at->slots);
	free(at->odd);
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

#define HASH_INIT 1469598103934665603ULL
#define HASH_STEP(h, c) (((h) ^ (unsigned char)(c)) * 1099511628211ULL)

/* FNV-1a of a folded word. */
static uint64_t
word_hash(const char *p, size_t n)
{
	uint64_t h = HASH_INIT;

	while (n-- > 0)
		h = HASH_STEP(h, *p++);
	return h;
}

/* Word bytes and single spaces only: the word index can find it. */
static bool
is_plain(const char *kw)
{
	for (; *kw; kw++) {
		if (!is_word_byte((unsigned char)*kw) && *kw != ' ')
			return false;
	}
	return true;
}

/* Builds the word index over every rule's keywords.  0 or -1 (out of memory). */
static int
build_index(struct autotag *at)
{
	size_t i, k, n = 0, slots = 16;
	struct entry *e;

	for (i = 0; i < at->n_rules; i++)
		n += at->rules[i].n_keywords;
	while (slots < 2 * n)
		slots *= 2;
	at->entries = calloc(n + 1, sizeof(*at->entries));
	at->odd = calloc(n + 1, sizeof(*at->odd));
	at->slots = malloc(slots * sizeof(*at->slots));
	if (at->entries == NULL || at->odd == NULL || at->slots == NULL)
		return -1;
	at->mask = slots - 1;
	for (i = 0; i < slots; i++)
		at->slots[i] = NONE;
	for (i = 0; i < 256; i++) {
		at->lower[i] = (unsigned char)(i >= 'A' && i <= 'Z' ? i + ('a' - 'A') : i);
		at->word[i] = is_word_byte((unsigned char)i);
		at->space[i] = is_space((unsigned char)i);
	}
	for (i = 0; i < at->n_rules; i++) {
		for (k = 0; k < at->rules[i].n_keywords; k++) {
			const char *kw = at->rules[i].keywords[k];
			bool plain = is_plain(kw);
			e = plain ? &at->entries[at->n_entries] : &at->odd[at->n_odd++];
			e->text = kw;
			e->len = strlen(kw);
			e->first_len = strcspn(kw, " ");
			e->rule = i;
			e->next = NONE;
			if (plain) {
				size_t slot = word_hash(kw, e->first_len) & at->mask;
				e->next = at->slots[slot];
				at->slots[slot] = at->n_entries++;
			}
		}
	}
	return 0;
}

static int
autotag_init(const struct crier_self *self, const struct crier_host *host, void **state)
{
	struct autotag *at = calloc(1, sizeof(*at));

	if (at == NULL)
		return -1;
	at->host = host;
	if (read_rules(at, self) == -1 || build_index(at) == -1) {
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

/* What one post's scan has found so far. */
struct scan {
	bool *matched;                  /* per rule */
	size_t n_matched;
};

static void
mark(const struct autotag *at, struct scan *sc, size_t rule, unsigned field_bit)
{
	if (!sc->matched[rule] && (at->rules[rule].field_mask & field_bit)) {
		sc->matched[rule] = true;
		sc->n_matched++;
	}
}

/*
 * Does raw text at p (just after a first word that matched) go on with
 * the rest of keyword e ("screen reader": " reader"), any run of
 * whitespace matching its one space, then end at a word boundary?
 */
static bool
rest_matches(const struct autotag *at, const unsigned char *p, const struct entry *e)
{
	const unsigned char *k = (const unsigned char *)e->text + e->first_len;
	const unsigned char *end = (const unsigned char *)e->text + e->len;

	while (k < end) {
		if (*k == ' ') {
			if (!at->space[*p])
				return false;
			while (at->space[*p])
				p++;
			k++;
		} else if (at->lower[*p] == *k) {
			p++;
			k++;
		} else {
			return false;   /* the NUL at the end of the text stops here too */
		}
	}
	return !at->word[*p];
}

/* Walks raw text word by word, marking the rules whose keywords start there. */
static void
scan_words(const struct autotag *at, const char *text, unsigned field_bit, struct scan *sc)
{
	const unsigned char *p = (const unsigned char *)text, *start;
	const struct entry *e;
	uint64_t h;
	size_t len, i, j;

	while (*p != '\0' && sc->n_matched < at->n_rules) {
		if (!at->word[*p]) {
			p++;
			continue;
		}
		start = p;
		h = HASH_INIT;
		while (at->word[*p]) {
			h = HASH_STEP(h, at->lower[*p]);
			p++;
		}
		len = (size_t)(p - start);
		for (i = at->slots[h & at->mask]; i != NONE; i = e->next) {
			e = &at->entries[i];
			if (e->first_len != len || sc->matched[e->rule])
				continue;
			for (j = 0; j < len && at->lower[start[j]] == (unsigned char)e->text[j]; j++)
				;
			if (j == len && (e->len == len || rest_matches(at, p, e)))
				mark(at, sc, e->rule, field_bit);
		}
	}
}

static void
scan_odd(const struct autotag *at, const char *text, unsigned field_bit, struct scan *sc)
{
	size_t i;

	for (i = 0; i < at->n_odd; i++) {
		const struct entry *e = &at->odd[i];
		if (!sc->matched[e->rule] && (at->rules[e->rule].field_mask & field_bit) &&
		    has_word(text, e->text, e->len))
			mark(at, sc, e->rule, field_bit);
	}
}

static int
autotag_filter(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	struct autotag *at = state;
	const struct crier_host *h = at->host;
	struct scan sc = { NULL, 0 };
	char *folded = NULL;
	const char *raw;
	size_t cap = 0, i;
	int f, rc = CRIER_OK;

	(void)self;
	sc.matched = calloc(at->n_rules, sizeof(*sc.matched));
	if (sc.matched == NULL)
		return CRIER_ERROR;
	for (f = 0; f < F_COUNT && sc.n_matched < at->n_rules; f++) {
		if (!(at->fields_used & (1u << f)))
			continue;
		raw = h->post_text(ev->post, fields[f].post_field);
		if (raw == NULL || *raw == '\0')
			continue;
		scan_words(at, raw, 1u << f, &sc);
		if (at->n_odd == 0)
			continue;
		if (fold(raw, &folded, &cap) == -1) {
			rc = CRIER_ERROR;
			break;
		}
		scan_odd(at, folded, 1u << f, &sc);
	}
	for (i = 0; rc == CRIER_OK && i < at->n_rules; i++) {
		if (sc.matched[i] && h->post_add_tag(ev->post, at->rules[i].label) == -1)
			rc = CRIER_ERROR;
	}
	free(folded);
	free(sc.matched);
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
