/*
 * config.h: crier.conf, an INI file read with inih.
 *
 * config_load() always returns a config: every problem found is recorded
 * as "file:line: message" in cfg->errors and the rest is still read, so
 * `crier check-config` can list them all at once.  Callers refuse to
 * start while cfg->n_errors > 0.  Keys, their types and defaults are in
 * the table at the top of config.c; README.md and
 * config/crier.conf.example document each one.
 */
#ifndef CRIER_CONFIG_H
#define CRIER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config_kv {
	char *key;
	char *value;
	int line;
};

struct config_feed {
	char *url;
	char *name;                     /* or NULL: the feed's own title */
	char **tags;                    /* labels, n_tags of them */
	size_t n_tags;
	char *team;                     /* team slug, or NULL */
	int64_t interval;               /* seconds; 0: poll_interval */
	char *owner_webhook;            /* who to tell when it fails or moves (plugins), or NULL */
	char *owner_email;              /* the same, by mail, or NULL */
	int line;
};

struct config_team {
	char *slug;
	char *name;
	char *description;
	char *seed;                     /* a folder of Markdown weeknotes published once, or NULL */
	int line;
};

/* The fields a tag rule can look at. */
enum rule_field { RULE_TITLE, RULE_CONTENT, RULE_AUTHOR, RULE_FEED, RULE_NFIELDS };

struct config_rule {
	char *name;
	char *pattern[RULE_NFIELDS];    /* POSIX ERE, case-insensitive; NULL = field not tested */
	char **tags;
	size_t n_tags;
	int line;
};

/* [plugin NAME] and [digest NAME]: a name and the section's own keys. */
struct config_section {
	char *name;
	struct config_kv *kv;
	size_t n_kv;
	int line;
};

struct config {
	char *path;                     /* the file read */
	char *dir;                      /* its directory: relative paths resolve here */

	/* [crier] */
	char *data_dir;
	char *listen;
	char *base_url;
	char *theme;
	char *themes_dir;
	char *plugin_dir;
	char *log_level;
	int64_t poll_interval;          /* seconds */
	int64_t max_backoff;            /* seconds */
	int64_t fetch_concurrency;
	int64_t fetch_per_host;
	int64_t max_feed_bytes;
	int64_t connect_timeout;        /* seconds */
	int64_t fetch_timeout;          /* seconds */
	bool allow_private_addresses;
	char **allow_private_hosts;     /* NULL-terminated */
	char *proxy;                    /* or NULL */

	/* the web server */
	int64_t http_threads;
	int64_t max_connections;
	int64_t max_connections_per_ip;
	int64_t request_timeout;        /* seconds for a whole request, however slow the client */
	int64_t idle_timeout;           /* seconds a connection may stay silent */
	char **trusted_proxies;         /* NULL-terminated addresses; X-Forwarded-For is believed from these */
	int64_t page_size;
	char *site_title;
	char *lang;                     /* the pages' language (BCP 47), for <html lang> */
	char *site_description;
	char *week_tag;                 /* the tag /week pages collect (with every team post) */

	/* publishing */
	int64_t max_media_bytes;
	char *websub_hub;               /* WebSub hub pinged on publish, or NULL */

	/* digest email */
	char *smtp_url;                 /* smtp://host[:port] or smtps://..., or NULL: no email */
	char *smtp_user;                /* AUTH, or NULL */
	char *smtp_password;
	bool smtp_starttls;             /* smtp://: STARTTLS required */
	int64_t smtp_timeout;           /* seconds per message */
	char *mail_from;                /* "Name <addr>" or "addr" */
	char *list_unsubscribe;         /* another way to leave (mailto: or https:), or NULL */

	struct config_feed *feeds;
	size_t n_feeds;
	struct config_team *teams;
	size_t n_teams;
	struct config_rule *rules;
	size_t n_rules;
	struct config_section *plugins;
	size_t n_plugins;
	struct config_section *digests;
	size_t n_digests;

	char **errors;                  /* "file:line: message", in line order */
	int *error_lines;
	size_t n_errors;
};

/*
 * Reads path.  Never NULL.  A missing or unreadable file is an error in
 * cfg->errors ("path: cannot read: ...").
 */
struct config *config_load(const char *path);

/* The built-in defaults alone (no file), for commands that need none. */
struct config *config_defaults(void);

void config_free(struct config *cfg);

/* Appends a "file:line: message" error to cfg. */
void config_error(struct config *cfg, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The database path: data_dir/crier.db (malloc'd). */
char *config_db_path(const struct config *cfg);

/* Value of key in a section's own keys, or NULL. */
const char *config_section_get(const struct config_section *s, const char *key);

/*
 * [digest NAME] keys (checked when the file is read; unknown ones are
 * errors):
 *   schedule = fri 12:00       make a draft each week then (local time, TZ)
 *   tag = weeknotes            ... from the week's posts with this tag
 *   search = accessibility     ... and/or matching this search
 *   week = current|previous    the week it covers (default current)
 *   max_posts = 30             at most this many posts (1 to 200)
 *   title = Weeknotes, week {{week}}    ({{week}}, {{year}}, {{week_id}}, {{range}})
 *   intro = Markdown text      its introduction
 *   auto_publish = false       publish (and send, with recipients) by itself
 *   to = a@example.org, b@example.org   recipients
 *   to_file = subscribers.txt  one address per line (# comments); the
 *                              value is made absolute when read
 * A schedule "DAY HH:MM": DAY is mon..sun (or the full name), ISO
 * weekday 1 (Monday) to 7.  true and *wday, *hour, *minute when valid.
 */
bool config_digest_schedule(const char *value, int *wday, int *hour, int *minute);

/* The default config path: $CRIER_CONFIG, else SYSCONFDIR/crier.conf. */
const char *config_default_path(void);

#endif
