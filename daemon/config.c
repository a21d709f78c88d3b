/*
 * config.c: reads crier.conf with inih (see config.h).
 *
 * inih splits lines into section, key and value; this file knows what
 * the keys mean.  The [crier] keys are a table (below) searched by name;
 * each has a type, a default and where it goes in struct config.  inih
 * reads through our own line reader so every error carries its line
 * number, and so a section with no keys (a bare [feed URL]) still counts.
 */
#include "config.h"
#include "caps.h"
#include "log.h"
#include "mail.h"
#include "url.h"
#include "util.h"

#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <regex.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifndef CRIER_SYSCONFDIR
#define CRIER_SYSCONFDIR "/etc/crier"
#endif
#ifndef CRIER_DATADIR
#define CRIER_DATADIR "/usr/share/crier"
#endif
#ifndef CRIER_LOCALSTATEDIR
#define CRIER_LOCALSTATEDIR "/var/lib/crier"
#endif
#ifndef CRIER_PLUGINDIR
#define CRIER_PLUGINDIR "/usr/lib/crier"
#endif

enum key_type {
	K_STRING,       /* char * */
	K_PATH,         /* char *, relative to the config file's directory */
	K_URL,          /* char *, absolute http(s) URL */
	K_DURATION,     /* int64_t seconds: "30m", "2h", "45s", "1d" */
	K_SIZE,         /* int64_t bytes: "16M", "512k" */
	K_COUNT,        /* int64_t, 1 or more */
	K_BOOL,         /* bool */
	K_LIST,         /* char ** NULL-terminated, comma-separated */
	K_LEVEL,        /* char *, a log level name */
	K_SMTP,         /* char *, smtp:// or smtps:// URL */
	K_MAILBOX,      /* char *, "Name <addr>" or "addr" */
	K_UNSUBSCRIBE,  /* char *, mailto: or http(s) URL */
};

struct key_desc {
	const char *name;
	enum key_type type;
	size_t offset;
	const char *def;        /* default, parsed like a value; NULL: none */
	int64_t min, max;       /* for numbers */
};

#define OFF(f) offsetof(struct config, f)

/* [crier] keys.  Sorted by name: searched with bsearch. */
static const struct key_desc crier_keys[] = {
	{ "allow_private_addresses", K_BOOL, OFF(allow_private_addresses), "false", 0, 0 },
	{ "allow_private_hosts", K_LIST, OFF(allow_private_hosts), "", 0, 0 },
	{ "base_url", K_URL, OFF(base_url), NULL, 0, 0 },
	{ "connect_timeout", K_DURATION, OFF(connect_timeout), "10s", 1, 600 },
	{ "data_dir", K_PATH, OFF(data_dir), CRIER_LOCALSTATEDIR, 0, 0 },
	{ "fetch_concurrency", K_COUNT, OFF(fetch_concurrency), "16", 1, 1024 },
	{ "fetch_per_host", K_COUNT, OFF(fetch_per_host), "2", 1, 64 },
	{ "fetch_timeout", K_DURATION, OFF(fetch_timeout), "60s", 1, 3600 },
	{ "http_threads", K_COUNT, OFF(http_threads), "4", 1, 256 },
	{ "idle_timeout", K_DURATION, OFF(idle_timeout), "15s", 1, 3600 },
	{ "lang", K_STRING, OFF(lang), "en", 0, 0 },
	{ "list_unsubscribe", K_UNSUBSCRIBE, OFF(list_unsubscribe), NULL, 0, 0 },
	{ "listen", K_STRING, OFF(listen), "127.0.0.1:8080", 0, 0 },
	{ "log_level", K_LEVEL, OFF(log_level), "info", 0, 0 },
	{ "mail_from", K_MAILBOX, OFF(mail_from), NULL, 0, 0 },
	{ "max_backoff", K_DURATION, OFF(max_backoff), "24h", 60, 30 * 86400 },
	{ "max_connections", K_COUNT, OFF(max_connections), "1024", 1, 100000 },
	{ "max_connections_per_ip", K_COUNT, OFF(max_connections_per_ip), "64", 1, 100000 },
	{ "max_feed_bytes", K_SIZE, OFF(max_feed_bytes), "16M", 1024, 1024LL * 1024 * 1024 },
	{ "max_media_bytes", K_SIZE, OFF(max_media_bytes), "10M", 1024, 1024LL * 1024 * 1024 },
	{ "page_size", K_COUNT, OFF(page_size), "20", 1, 200 },
	{ "plugin_dir", K_PATH, OFF(plugin_dir), CRIER_PLUGINDIR, 0, 0 },
	{ "poll_interval", K_DURATION, OFF(poll_interval), "30m", 60, 7 * 86400 },
	{ "proxy", K_STRING, OFF(proxy), NULL, 0, 0 },
	{ "request_timeout", K_DURATION, OFF(request_timeout), "30s", 1, 3600 },
	{ "site_description", K_STRING, OFF(site_description),
	  "Weeknotes and sector blogs, in one place.", 0, 0 },
	{ "site_title", K_STRING, OFF(site_title), "crier", 0, 0 },
	{ "smtp_password", K_STRING, OFF(smtp_password), NULL, 0, 0 },
	{ "smtp_starttls", K_BOOL, OFF(smtp_starttls), "true", 0, 0 },
	{ "smtp_timeout", K_DURATION, OFF(smtp_timeout), "60s", 1, 600 },
	{ "smtp_url", K_SMTP, OFF(smtp_url), NULL, 0, 0 },
	{ "smtp_user", K_STRING, OFF(smtp_user), NULL, 0, 0 },
	{ "theme", K_STRING, OFF(theme), "default", 0, 0 },
	{ "themes_dir", K_PATH, OFF(themes_dir), CRIER_DATADIR "/themes", 0, 0 },
	{ "trusted_proxies", K_LIST, OFF(trusted_proxies), "", 0, 0 },
	{ "websub_hub", K_URL, OFF(websub_hub), NULL, 0, 0 },
	{ "week_tag", K_STRING, OFF(week_tag), "weeknotes", 0, 0 },
};

/* Section kinds. */
enum section_kind { SEC_NONE, SEC_CRIER, SEC_FEED, SEC_TEAM, SEC_RULE, SEC_PLUGIN, SEC_DIGEST, SEC_BAD };

struct reader {
	struct config *cfg;
	const char *data;
	size_t len, pos;
	int line;
	enum section_kind kind;
	void *current;          /* the feed/team/rule/section being read */
};

void
config_error(struct config *cfg, int line, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (line > 0)
		buf_printf(&b, "%s:%d: ", cfg->path, line);
	else
		buf_printf(&b, "%s: ", cfg->path);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	cfg->errors = xrealloc(cfg->errors, (cfg->n_errors + 1) * sizeof(*cfg->errors));
	cfg->error_lines = xrealloc(cfg->error_lines, (cfg->n_errors + 1) * sizeof(int));
	cfg->error_lines[cfg->n_errors] = line;
	cfg->errors[cfg->n_errors++] = buf_steal(&b);
}

static int
key_cmp(const void *k, const void *d)
{
	return strcmp(k, ((const struct key_desc *)d)->name);
}

static char **
split_list(const char *value, size_t *n_out)
{
	char **list = NULL;
	size_t n = 0;
	const char *p = value, *end;
	struct slice s;

	while (p != NULL && *p != '\0') {
		end = strchr(p, ',');
		s.ptr = p;
		s.len = end ? (size_t)(end - p) : strlen(p);
		s = slice_trim(s);
		if (s.len > 0) {
			list = xrealloc(list, (n + 2) * sizeof(*list));
			list[n++] = xstrndup(s.ptr, s.len);
			list[n] = NULL;
		}
		p = end ? end + 1 : NULL;
	}
	if (list == NULL)
		list = xcalloc(1, sizeof(*list));
	if (n_out != NULL)
		*n_out = n;
	return list;
}

static void
free_list(char **list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

static char *
resolve_path(const struct config *cfg, const char *value)
{
	struct buf b = BUF_INIT;

	if (value[0] == '/' || cfg->dir == NULL)
		return xstrdup(value);
	buf_printf(&b, "%s/%s", cfg->dir, value);
	return buf_steal(&b);
}

/* The email keys' values; false after reporting why one is wrong. */
static bool
mail_value_ok(struct config *cfg, const struct key_desc *k, const char *value, int line)
{
	struct buf display = BUF_INIT, addr = BUF_INIT;
	bool ok;

	switch (k->type) {
	case K_SMTP:
		ok = strncmp(value, "smtp://", 7) == 0 || strncmp(value, "smtps://", 8) == 0;
		if (!ok)
			config_error(cfg, line, "%s must start with smtp:// or smtps://, not \"%s\"", k->name,
			    value);
		return ok;
	case K_MAILBOX:
		ok = mail_address_parse(value, &display, &addr);
		buf_free(&display);
		buf_free(&addr);
		if (!ok)
			config_error(cfg, line, "%s: \"%s\" is not an address like \"Digest "
			    "<digest@example.org>\"", k->name, value);
		return ok;
	default:
		ok = strncmp(value, "mailto:", 7) == 0 || url_is_http(value);
		if (!ok)
			config_error(cfg, line, "%s must be a mailto: or https:// URL, not \"%s\"", k->name,
			    value);
		return ok;
	}
}

/* Sets one [crier] key; line 0 means a built-in default. */
static void
set_key(struct config *cfg, const struct key_desc *k, const char *value, int line)
{
	char *base = (char *)cfg + k->offset;
	int64_t v;
	int bv;
	enum log_level lv;

	switch (k->type) {
	case K_SMTP:
	case K_MAILBOX:
	case K_UNSUBSCRIBE:
		if (!mail_value_ok(cfg, k, value, line))
			return;
		free(*(char **)base);
		*(char **)base = xstrdup(value);
		return;
	case K_STRING:
	case K_PATH:
	case K_URL:
	case K_LEVEL:
		if (k->type == K_URL && !(strncmp(value, "http://", 7) == 0 ||
		    strncmp(value, "https://", 8) == 0)) {
			config_error(cfg, line, "%s must be an http:// or https:// URL, not \"%s\"",
			    k->name, value);
			return;
		}
		if (k->type == K_LEVEL && log_level_from_name(value, &lv) == -1) {
			config_error(cfg, line, "%s must be debug, info, warn or error, not \"%s\"",
			    k->name, value);
			return;
		}
		free(*(char **)base);
		*(char **)base = k->type == K_PATH ? resolve_path(cfg, value) : xstrdup(value);
		return;
	case K_DURATION:
		v = util_parse_duration(value);
		if (v < 0) {
			config_error(cfg, line, "%s: \"%s\" is not a duration (like 45s, 30m, 2h, 1d)",
			    k->name, value);
			return;
		}
		break;
	case K_SIZE:
		v = util_parse_size(value);
		if (v < 0) {
			config_error(cfg, line, "%s: \"%s\" is not a size (like 512k, 16M, 1G)",
			    k->name, value);
			return;
		}
		break;
	case K_COUNT: {
		char *end;
		errno = 0;
		v = strtoll(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0') {
			config_error(cfg, line, "%s: \"%s\" is not a whole number", k->name, value);
			return;
		}
		break;
	}
	case K_BOOL:
		bv = util_parse_bool(value);
		if (bv < 0) {
			config_error(cfg, line, "%s must be true or false, not \"%s\"", k->name, value);
			return;
		}
		*(bool *)base = bv == 1;
		return;
	case K_LIST:
		free_list(*(char ***)base);
		*(char ***)base = split_list(value, NULL);
		return;
	default:
		return;
	}
	if (k->max > 0 && (v < k->min || v > k->max)) {
		config_error(cfg, line, "%s = %s is out of range (%lld to %lld%s)", k->name, value,
		    (long long)k->min, (long long)k->max,
		    k->type == K_DURATION ? " seconds" : k->type == K_SIZE ? " bytes" : "");
		return;
	}
	*(int64_t *)base = v;
}

static void
apply_defaults(struct config *cfg)
{
	size_t i;

	for (i = 0; i < NELEM(crier_keys); i++) {
		if (crier_keys[i].def != NULL)
			set_key(cfg, &crier_keys[i], crier_keys[i].def, 0);
	}
}

/* ---------------------------------------------------------------- sections */

static enum section_kind
section_kind(const char *section, const char **arg)
{
	static const struct { const char *word; enum section_kind kind; } kinds[] = {
		{ "feed", SEC_FEED }, { "team", SEC_TEAM }, { "rule", SEC_RULE },
		{ "plugin", SEC_PLUGIN }, { "digest", SEC_DIGEST },
	};
	size_t i, n;

	*arg = NULL;
	if (strcmp(section, "crier") == 0)
		return SEC_CRIER;
	for (i = 0; i < NELEM(kinds); i++) {
		n = strlen(kinds[i].word);
		if (strncmp(section, kinds[i].word, n) == 0 && section[n] == ' ') {
			*arg = section + n + 1;
			while (**arg == ' ')
				(*arg)++;
			return **arg ? kinds[i].kind : SEC_BAD;
		}
	}
	return SEC_BAD;
}

static bool
valid_slug(const char *s)
{
	const char *p;

	if (*s == '\0' || strlen(s) > 64)
		return false;
	for (p = s; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	}
	return true;
}

static void
begin_section(struct reader *r, const char *section)
{
	struct config *cfg = r->cfg;
	const char *arg;
	size_t i;

	r->kind = section_kind(section, &arg);
	r->current = NULL;
	switch (r->kind) {
	case SEC_CRIER:
		return;
	case SEC_FEED: {
		struct config_feed *f;
		if (!(strncmp(arg, "http://", 7) == 0 || strncmp(arg, "https://", 8) == 0)) {
			config_error(cfg, r->line, "[feed %s]: a feed URL must start with http:// or https://", arg);
			r->kind = SEC_BAD;
			return;
		}
		for (i = 0; i < cfg->n_feeds; i++) {
			if (strcmp(cfg->feeds[i].url, arg) == 0) {
				config_error(cfg, r->line, "[feed %s] is already defined at line %d",
				    arg, cfg->feeds[i].line);
				r->kind = SEC_BAD;
				return;
			}
		}
		if (cfg->n_feeds >= CAP_CONFIG_FEEDS) {
			config_error(cfg, r->line, "too many feeds (at most %d)", CAP_CONFIG_FEEDS);
			r->kind = SEC_BAD;
			return;
		}
		cfg->feeds = xrealloc(cfg->feeds, (cfg->n_feeds + 1) * sizeof(*cfg->feeds));
		f = &cfg->feeds[cfg->n_feeds++];
		memset(f, 0, sizeof(*f));
		f->url = xstrdup(arg);
		f->line = r->line;
		r->current = f;
		return;
	}
	case SEC_TEAM: {
		struct config_team *t;
		if (!valid_slug(arg)) {
			config_error(cfg, r->line, "[team %s]: a team name must be a slug (a-z, 0-9, - and _)", arg);
			r->kind = SEC_BAD;
			return;
		}
		for (i = 0; i < cfg->n_teams; i++) {
			if (strcmp(cfg->teams[i].slug, arg) == 0) {
				config_error(cfg, r->line, "[team %s] is already defined at line %d",
				    arg, cfg->teams[i].line);
				r->kind = SEC_BAD;
				return;
			}
		}
		cfg->teams = xrealloc(cfg->teams, (cfg->n_teams + 1) * sizeof(*cfg->teams));
		t = &cfg->teams[cfg->n_teams++];
		memset(t, 0, sizeof(*t));
		t->slug = xstrdup(arg);
		t->line = r->line;
		r->current = t;
		return;
	}
	case SEC_RULE: {
		struct config_rule *ru;
		cfg->rules = xrealloc(cfg->rules, (cfg->n_rules + 1) * sizeof(*cfg->rules));
		ru = &cfg->rules[cfg->n_rules++];
		memset(ru, 0, sizeof(*ru));
		ru->name = xstrdup(arg);
		ru->line = r->line;
		r->current = ru;
		return;
	}
	case SEC_PLUGIN:
	case SEC_DIGEST: {
		struct config_section **list = r->kind == SEC_PLUGIN ? &cfg->plugins : &cfg->digests;
		size_t *n = r->kind == SEC_PLUGIN ? &cfg->n_plugins : &cfg->n_digests;
		struct config_section *s;
		if (r->kind == SEC_DIGEST && !valid_slug(arg)) {
			config_error(cfg, r->line, "[digest %s]: a digest name must be a slug (a-z, 0-9, - and _)",
			    arg);
			r->kind = SEC_BAD;
			return;
		}
		for (i = 0; i < *n; i++) {
			if (strcmp((*list)[i].name, arg) == 0) {
				config_error(cfg, r->line, "[%s %s] is already defined at line %d",
				    r->kind == SEC_PLUGIN ? "plugin" : "digest", arg, (*list)[i].line);
				r->kind = SEC_BAD;
				return;
			}
		}
		*list = xrealloc(*list, (*n + 1) * sizeof(**list));
		s = &(*list)[(*n)++];
		memset(s, 0, sizeof(*s));
		s->name = xstrdup(arg);
		s->line = r->line;
		r->current = s;
		return;
	}
	default:
		config_error(cfg, r->line, "unknown section [%s] (expected [crier], [feed URL], "
		    "[team NAME], [rule NAME], [plugin NAME] or [digest NAME])", section);
		r->kind = SEC_BAD;
		return;
	}
}

static void
feed_key(struct reader *r, struct config_feed *f, const char *name, const char *value)
{
	struct config *cfg = r->cfg;

	if (strcmp(name, "name") == 0) {
		free(f->name);
		f->name = xstrdup(value);
	} else if (strcmp(name, "tags") == 0 || strcmp(name, "tag") == 0) {
		size_t i;
		for (i = 0; i < f->n_tags; i++)
			free(f->tags[i]);
		free(f->tags);
		f->tags = split_list(value, &f->n_tags);
	} else if (strcmp(name, "team") == 0) {
		free(f->team);
		f->team = xstrdup(value);
	} else if (strcmp(name, "interval") == 0) {
		f->interval = util_parse_duration(value);
		if (f->interval < 60) {
			config_error(cfg, r->line, "interval: \"%s\" is not a duration of at least 60s", value);
			f->interval = 0;
		}
	} else if (strcmp(name, "owner_webhook") == 0) {
		if (!(strncmp(value, "http://", 7) == 0 || strncmp(value, "https://", 8) == 0)) {
			config_error(cfg, r->line, "owner_webhook must be an http:// or https:// URL, not \"%s\"",
			    value);
			return;
		}
		free(f->owner_webhook);
		f->owner_webhook = xstrdup(value);
	} else if (strcmp(name, "owner_email") == 0) {
		if (strchr(value, '@') == NULL || strpbrk(value, " \t<>,;") != NULL) {
			config_error(cfg, r->line, "owner_email must be one address like name@example.org, "
			    "not \"%s\"", value);
			return;
		}
		free(f->owner_email);
		f->owner_email = xstrdup(value);
	} else {
		config_error(cfg, r->line, "unknown key \"%s\" in [feed] (known: name, tags, team, interval, "
		    "owner_webhook, owner_email)", name);
	}
}

static void
team_key(struct reader *r, struct config_team *t, const char *name, const char *value)
{
	char **dst = NULL;

	if (strcmp(name, "name") == 0)
		dst = &t->name;
	else if (strcmp(name, "description") == 0)
		dst = &t->description;
	else if (strcmp(name, "seed") == 0) {
		free(t->seed);
		t->seed = resolve_path(r->cfg, value);
		return;
	}
	if (dst == NULL) {
		config_error(r->cfg, r->line, "unknown key \"%s\" in [team] (known: name, description, seed)", name);
		return;
	}
	free(*dst);
	*dst = xstrdup(value);
}

static void
rule_key(struct reader *r, struct config_rule *ru, const char *name, const char *value)
{
	static const char *const fields[RULE_NFIELDS] = {
		[RULE_TITLE] = "title", [RULE_CONTENT] = "content",
		[RULE_AUTHOR] = "author", [RULE_FEED] = "feed",
	};
	regex_t re;
	char msg[256];
	size_t i;
	int rc;

	if (strcmp(name, "tag") == 0 || strcmp(name, "tags") == 0) {
		for (i = 0; i < ru->n_tags; i++)
			free(ru->tags[i]);
		free(ru->tags);
		ru->tags = split_list(value, &ru->n_tags);
		return;
	}
	for (i = 0; i < RULE_NFIELDS; i++) {
		if (strcmp(name, fields[i]) == 0)
			break;
	}
	if (i == RULE_NFIELDS) {
		config_error(r->cfg, r->line, "unknown key \"%s\" in [rule] (known: title, content, "
		    "author, feed, tag)", name);
		return;
	}
	rc = regcomp(&re, value, REG_EXTENDED | REG_ICASE | REG_NOSUB);
	if (rc != 0) {
		regerror(rc, &re, msg, sizeof(msg));
		config_error(r->cfg, r->line, "%s: bad regular expression \"%s\": %s", name, value, msg);
		return;
	}
	regfree(&re);
	free(ru->pattern[i]);
	ru->pattern[i] = xstrdup(value);
}

static void
section_key(struct config_section *s, const char *name, const char *value, int line)
{
	size_t i;

	for (i = 0; i < s->n_kv; i++) {
		if (strcmp(s->kv[i].key, name) == 0) {
			free(s->kv[i].value);
			s->kv[i].value = xstrdup(value);
			s->kv[i].line = line;
			return;
		}
	}
	s->kv = xrealloc(s->kv, (s->n_kv + 1) * sizeof(*s->kv));
	s->kv[s->n_kv].key = xstrdup(name);
	s->kv[s->n_kv].value = xstrdup(value);
	s->kv[s->n_kv].line = line;
	s->n_kv++;
}

/* ---------------------------------------------------------------- [digest NAME] */

bool
config_digest_schedule(const char *value, int *wday, int *hour, int *minute)
{
	static const char *const days[] = { "monday", "tuesday", "wednesday", "thursday", "friday",
		"saturday", "sunday" };
	char day[16];
	int h, m, n = 0;
	size_t i, len;

	if (sscanf(value, " %15[A-Za-z] %d:%d %n", day, &h, &m, &n) != 3 || value[n] != '\0')
		return false;
	len = strlen(day);
	for (i = 0; i < NELEM(days); i++) {
		if (len >= 3 && strncasecmp(day, days[i], len) == 0 && (len == 3 || len == strlen(days[i])))
			break;
	}
	if (i == NELEM(days) || h < 0 || h > 23 || m < 0 || m > 59)
		return false;
	*wday = (int)i + 1;
	*hour = h;
	*minute = m;
	return true;
}

enum digest_key_kind { DK_TEXT, DK_BOOL, DK_COUNT, DK_SCHEDULE, DK_WEEK, DK_ADDRESSES, DK_FILE };

/* [digest NAME] keys.  Sorted by name: searched with bsearch. */
static const struct digest_key {
	const char *name;
	enum digest_key_kind kind;
} digest_keys[] = {
	{ "auto_publish", DK_BOOL },
	{ "intro", DK_TEXT },
	{ "max_posts", DK_COUNT },
	{ "schedule", DK_SCHEDULE },
	{ "search", DK_TEXT },
	{ "tag", DK_TEXT },
	{ "title", DK_TEXT },
	{ "to", DK_ADDRESSES },
	{ "to_file", DK_FILE },
	{ "week", DK_WEEK },
};

static int
digest_key_cmp(const void *k, const void *d)
{
	return strcmp(k, ((const struct digest_key *)d)->name);
}

/* Checks one [digest] value; false after reporting why it is wrong. */
static bool
digest_value_ok(struct reader *r, const struct digest_key *k, const char *value)
{
	struct config *cfg = r->cfg;
	char **list;
	size_t i, n;
	int a, b, c;
	bool ok = true;
	char *end;
	long v;

	switch (k->kind) {
	case DK_BOOL:
		if (util_parse_bool(value) < 0) {
			config_error(cfg, r->line, "%s must be true or false, not \"%s\"", k->name, value);
			return false;
		}
		return true;
	case DK_COUNT:
		v = strtol(value, &end, 10);
		if (end == value || *end != '\0' || v < 1 || v > 200) {
			config_error(cfg, r->line, "%s must be a whole number from 1 to 200, not \"%s\"",
			    k->name, value);
			return false;
		}
		return true;
	case DK_SCHEDULE:
		if (!config_digest_schedule(value, &a, &b, &c)) {
			config_error(cfg, r->line, "schedule: \"%s\" is not a day and a time like \"fri 12:00\"",
			    value);
			return false;
		}
		return true;
	case DK_WEEK:
		if (strcmp(value, "current") != 0 && strcmp(value, "previous") != 0) {
			config_error(cfg, r->line, "week must be current or previous, not \"%s\"", value);
			return false;
		}
		return true;
	case DK_ADDRESSES:
		list = split_list(value, &n);
		for (i = 0; i < n; i++) {
			if (!mail_address_valid(list[i])) {
				config_error(cfg, r->line, "to: \"%s\" is not an email address", list[i]);
				ok = false;
			}
		}
		free_list(list);
		return ok;
	default:
		return true;
	}
}

static void
digest_key(struct reader *r, struct config_section *s, const char *name, const char *value)
{
	const struct digest_key *k = bsearch(name, digest_keys, NELEM(digest_keys),
	    sizeof(digest_keys[0]), digest_key_cmp);
	char *path;

	if (k == NULL) {
		config_error(r->cfg, r->line, "unknown key \"%s\" in [digest] (known: auto_publish, intro, "
		    "max_posts, schedule, search, tag, title, to, to_file, week)", name);
		return;
	}
	if (!digest_value_ok(r, k, value))
		return;
	if (k->kind != DK_FILE) {
		section_key(s, name, value, r->line);
		return;
	}
	path = resolve_path(r->cfg, value);
	if (access(path, R_OK) == -1)
		config_error(r->cfg, r->line, "to_file: cannot read %s: %s", path, strerror(errno));
	else
		section_key(s, name, path, r->line);
	free(path);
}

static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;
	const struct key_desc *k;

	(void)section;
	switch (r->kind) {
	case SEC_NONE:
		config_error(r->cfg, r->line, "\"%s\" is outside any section (put it under [crier])", name);
		break;
	case SEC_CRIER:
		k = bsearch(name, crier_keys, NELEM(crier_keys), sizeof(crier_keys[0]), key_cmp);
		if (k == NULL)
			config_error(r->cfg, r->line, "unknown key \"%s\" in [crier]", name);
		else
			set_key(r->cfg, k, value, r->line);
		break;
	case SEC_FEED:
		feed_key(r, r->current, name, value);
		break;
	case SEC_TEAM:
		team_key(r, r->current, name, value);
		break;
	case SEC_RULE:
		rule_key(r, r->current, name, value);
		break;
	case SEC_PLUGIN:
		section_key(r->current, name, value, r->line);
		break;
	case SEC_DIGEST:
		digest_key(r, r->current, name, value);
		break;
	case SEC_BAD:
		break;          /* already reported at the section line */
	}
	return 1;
}

/*
 * inih's line reader: hands inih one line at a time, counts lines, opens
 * sections itself (so an empty section counts) and reports lines inih
 * would reject, each with its own line number.
 */
static char *
read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	size_t start, end, n;
	struct slice s;

	if (r->pos >= r->len)
		return NULL;
	start = r->pos;
	while (r->pos < r->len && r->data[r->pos] != '\n')
		r->pos++;
	end = r->pos;
	if (r->pos < r->len)
		r->pos++;
	r->line++;
	n = end - start;
	s = slice_trim((struct slice){ r->data + start, n });
	if (n + 2 > (size_t)num) {
		config_error(r->cfg, r->line, "line too long (at most %d bytes)", CAP_CONFIG_LINE);
		str[0] = '\0';
		return str;
	}
	memcpy(str, r->data + start, n);
	str[n] = '\0';
	if (s.len == 0 || s.ptr[0] == ';' || s.ptr[0] == '#')
		return str;
	if (s.ptr[0] == '[') {
		const char *close = memchr(s.ptr, ']', s.len);
		if (close == NULL) {
			config_error(r->cfg, r->line, "section header without ']'");
			r->kind = SEC_BAD;
			str[0] = '\0';
			return str;
		}
		struct slice name = slice_trim((struct slice){ s.ptr + 1, (size_t)(close - s.ptr - 1) });
		char *sec = xstrndup(name.ptr, name.len);
		begin_section(r, sec);
		free(sec);
		return str;
	}
	if (memchr(s.ptr, '=', s.len) == NULL && memchr(s.ptr, ':', s.len) == NULL) {
		config_error(r->cfg, r->line, "expected \"key = value\", a [section] or a comment");
		str[0] = '\0';
	}
	return str;
}

/* [digest] sections that need a schedule or the email keys. */
static void
validate_digests(struct config *cfg)
{
	const struct config_section *d;
	size_t i;

	for (i = 0; i < cfg->n_digests; i++) {
		d = &cfg->digests[i];
		if (config_section_get(d, "auto_publish") != NULL &&
		    util_parse_bool(config_section_get(d, "auto_publish")) == 1 &&
		    config_section_get(d, "schedule") == NULL)
			config_error(cfg, d->line, "[digest %s] has auto_publish but no schedule "
			    "(schedule = fri 12:00)", d->name);
		if ((config_section_get(d, "to") != NULL || config_section_get(d, "to_file") != NULL) &&
		    (cfg->smtp_url == NULL || cfg->mail_from == NULL))
			config_error(cfg, d->line, "[digest %s] has recipients but [crier] has no %s "
			    "to send with", d->name, cfg->smtp_url == NULL ? "smtp_url" : "mail_from");
	}
}

static void
validate(struct config *cfg)
{
	size_t i, j;
	bool found;

	for (i = 0; i < cfg->n_rules; i++) {
		bool any = false;
		for (j = 0; j < RULE_NFIELDS; j++)
			any = any || cfg->rules[i].pattern[j] != NULL;
		if (!any)
			config_error(cfg, cfg->rules[i].line, "[rule %s] tests no field (set title, content, author or feed)",
			    cfg->rules[i].name);
		if (cfg->rules[i].n_tags == 0)
			config_error(cfg, cfg->rules[i].line, "[rule %s] has no tag (set tag = NAME)",
			    cfg->rules[i].name);
	}
	for (i = 0; i < cfg->n_feeds; i++) {
		if (cfg->feeds[i].team == NULL)
			continue;
		found = false;
		for (j = 0; j < cfg->n_teams; j++)
			found = found || strcmp(cfg->teams[j].slug, cfg->feeds[i].team) == 0;
		if (!found)
			config_error(cfg, cfg->feeds[i].line, "team \"%s\" has no [team %s] section",
			    cfg->feeds[i].team, cfg->feeds[i].team);
	}
	for (i = 0; i < cfg->n_plugins; i++) {
		if (config_section_get(&cfg->plugins[i], "path") == NULL)
			config_error(cfg, cfg->plugins[i].line, "[plugin %s] has no path (path = NAME.so)",
			    cfg->plugins[i].name);
	}
	validate_digests(cfg);
	if (cfg->base_url == NULL) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "http://%s/", cfg->listen);
		cfg->base_url = buf_steal(&b);
	} else if (cfg->base_url[strlen(cfg->base_url) - 1] != '/') {
		struct buf b = BUF_INIT;
		buf_printf(&b, "%s/", cfg->base_url);
		free(cfg->base_url);
		cfg->base_url = buf_steal(&b);
	}
}

/* Errors in line order (a stable insertion sort: lists are short). */
static void
sort_errors(struct config *cfg)
{
	size_t i, j;

	for (i = 1; i < cfg->n_errors; i++) {
		char *e = cfg->errors[i];
		int line = cfg->error_lines[i];
		for (j = i; j > 0 && cfg->error_lines[j - 1] > line; j--) {
			cfg->errors[j] = cfg->errors[j - 1];
			cfg->error_lines[j] = cfg->error_lines[j - 1];
		}
		cfg->errors[j] = e;
		cfg->error_lines[j] = line;
	}
}

static struct config *
config_new(const char *path)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	char *copy;

	cfg->path = xstrdup(path);
	copy = xstrdup(path);
	cfg->dir = xstrdup(dirname(copy));
	free(copy);
	apply_defaults(cfg);
	return cfg;
}

struct config *
config_defaults(void)
{
	struct config *cfg = config_new("(defaults)");

	free(cfg->dir);
	cfg->dir = NULL;
	validate(cfg);
	return cfg;
}

struct config *
config_load(const char *path)
{
	struct config *cfg = config_new(path);
	struct buf data = BUF_INIT;
	struct reader r;

	if (util_read_file(path, &data, 4 * 1024 * 1024) == -1) {
		config_error(cfg, 0, "cannot read: %s", strerror(errno));
		buf_free(&data);
		validate(cfg);
		return cfg;
	}
	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	r.data = buf_str(&data);
	r.len = data.len;
	r.kind = SEC_NONE;
	ini_allow_multiline = false;    /* an indented line is a key of its own */
	ini_use_stack = false;
	ini_max_line = CAP_CONFIG_LINE;
	ini_initial_alloc = CAP_CONFIG_LINE;
	ini_allow_realloc = false;
	ini_stop_on_first_error = false;
	ini_parse_stream(read_line, &r, on_key, &r);
	buf_free(&data);
	validate(cfg);
	sort_errors(cfg);
	return cfg;
}

static void
section_free(struct config_section *s)
{
	size_t i;

	for (i = 0; i < s->n_kv; i++) {
		free(s->kv[i].key);
		free(s->kv[i].value);
	}
	free(s->kv);
	free(s->name);
}

void
config_free(struct config *cfg)
{
	size_t i, j;

	if (cfg == NULL)
		return;
	for (i = 0; i < NELEM(crier_keys); i++) {
		char *base = (char *)cfg + crier_keys[i].offset;
		switch (crier_keys[i].type) {
		case K_STRING: case K_PATH: case K_URL: case K_LEVEL:
		case K_SMTP: case K_MAILBOX: case K_UNSUBSCRIBE:
			free(*(char **)base);
			break;
		case K_LIST:
			free_list(*(char ***)base);
			break;
		default:
			break;
		}
	}
	for (i = 0; i < cfg->n_feeds; i++) {
		free(cfg->feeds[i].url);
		free(cfg->feeds[i].name);
		free(cfg->feeds[i].team);
		free(cfg->feeds[i].owner_webhook);
		free(cfg->feeds[i].owner_email);
		for (j = 0; j < cfg->feeds[i].n_tags; j++)
			free(cfg->feeds[i].tags[j]);
		free(cfg->feeds[i].tags);
	}
	free(cfg->feeds);
	for (i = 0; i < cfg->n_teams; i++) {
		free(cfg->teams[i].slug);
		free(cfg->teams[i].name);
		free(cfg->teams[i].description);
		free(cfg->teams[i].seed);
	}
	free(cfg->teams);
	for (i = 0; i < cfg->n_rules; i++) {
		free(cfg->rules[i].name);
		for (j = 0; j < RULE_NFIELDS; j++)
			free(cfg->rules[i].pattern[j]);
		for (j = 0; j < cfg->rules[i].n_tags; j++)
			free(cfg->rules[i].tags[j]);
		free(cfg->rules[i].tags);
	}
	free(cfg->rules);
	for (i = 0; i < cfg->n_plugins; i++)
		section_free(&cfg->plugins[i]);
	free(cfg->plugins);
	for (i = 0; i < cfg->n_digests; i++)
		section_free(&cfg->digests[i]);
	free(cfg->digests);
	for (i = 0; i < cfg->n_errors; i++)
		free(cfg->errors[i]);
	free(cfg->errors);
	free(cfg->error_lines);
	free(cfg->path);
	free(cfg->dir);
	free(cfg);
}

char *
config_db_path(const struct config *cfg)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s/crier.db", cfg->data_dir);
	return buf_steal(&b);
}

const char *
config_section_get(const struct config_section *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n_kv; i++) {
		if (strcmp(s->kv[i].key, key) == 0)
			return s->kv[i].value;
	}
	return NULL;
}

const char *
config_default_path(void)
{
	const char *env = getenv("CRIER_CONFIG");

	if (env != NULL && *env != '\0')
		return env;
	return CRIER_SYSCONFDIR "/crier.conf";
}
