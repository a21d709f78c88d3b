/*
 * crier.h: the values that move between pipeline stages, and the one
 * context every module is handed.
 *
 * Data moves one way (see DESIGN.md):
 *
 *   fetch ──fetch_result──▶ parse ──entry──▶ normalise ──post──▶ sanitize
 *         ──▶ tag ──▶ [post_filter] ──▶ store ──▶ [post_stored]
 *
 * struct fetch_result is in fetch.h; struct entry (raw strings as parsed)
 * is private to the parser (parse.h).  What leaves the parser is a
 * struct feed_doc holding struct posts: plain-text titles, UTC times,
 * absolute URLs, sanitized HTML.  A feed_doc and every string and post in
 * it live in one arena, freed with feed_doc_free(); a post never outlives
 * its arena.  Posts published locally (Micropub, CLI) are built the same
 * way, in an arena of their own.
 */
#ifndef CRIER_H
#define CRIER_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CRIER_URL "https://github.com/crier-dev/crier"

enum feed_format {
	FORMAT_UNKNOWN = 0,
	FORMAT_RSS20,           /* "rss20": <rss version="2.0|2.01|2.1"> */
	FORMAT_RSS10,           /* "rss10": RDF with the RSS 1.0 namespace */
	FORMAT_RSS09X,          /* "rss09x": RSS 0.90-0.94 */
	FORMAT_ATOM10,          /* "atom10" */
	FORMAT_ATOM03,          /* "atom03" */
	FORMAT_JSONFEED,        /* "jsonfeed": JSON Feed 1.0/1.1 */
	FORMAT_CDF,             /* Channel Definition Format (no contract name) */
};

/* The contract name of a format ("rss20", ...), or NULL when it has none. */
const char *feed_format_name(enum feed_format f);

struct author {
	const char *name;       /* plain text, or NULL */
	const char *email;      /* or NULL */
	const char *url;        /* absolute, or NULL */
};

/* Where a tag came from; kept in post_tags.origin. */
enum tag_origin {
	TAG_FEED = 0,           /* the item's categories, or the feed's config/OPML tags */
	TAG_RULE,               /* a [rule NAME] section */
	TAG_PLUGIN,             /* a post_filter plugin */
	TAG_MANUAL,             /* an editor or the publisher */
};

struct post_tag {
	const char *label;      /* as written ("Open Data"); the store keeps its slug too */
	enum tag_origin origin;
};

enum post_kind { POST_FEED = 0, POST_LOCAL };
/* What the store did with a post (set by store_feed_commit). */
enum post_change { POST_UNCHANGED = 0, POST_NEW, POST_UPDATED };
enum post_status { POST_PUBLISHED = 0, POST_DRAFT, POST_DELETED };

/*
 * One post, normalised.  Every string is borrowed from an arena (the
 * feed_doc's for polled posts) or NULL when absent.
 */
struct post {
	/* as the feed says, normalised */
	const char *guid;           /* identity: id/guid, else url, else "sha256:" of title+content */
	const char *url;            /* absolute permalink */
	const char *title;          /* plain text */
	const char *summary;        /* plain text of the summary/description */
	const char *summary_html;   /* sanitized HTML of the summary/description */
	const char *content_html;   /* sanitized HTML of the best content */
	const char *content_text;   /* the best content when it was text-typed */
	const char *search_text;    /* plain text of the content, for tag rules and search
	                               (filled by the pipeline, not the parser) */
	int64_t published_at;       /* UTC seconds; 0 when unknown */
	int64_t updated_at;         /* UTC seconds; 0 when unknown */
	struct author *authors;
	size_t n_authors;
	struct post_tag *tags;      /* grown with post_add_tag() */
	size_t n_tags, cap_tags;

	/* filled in on the way to the store */
	int64_t id;                 /* the store's row id; 0 until stored */
	int64_t feed_id;            /* 0 for local posts */
	int64_t team_id;            /* 0 unless the post belongs to a team */
	enum post_kind kind;
	enum post_status status;
	const char *slug;           /* URL slug, from the title */
	const char *markdown;       /* source of a local post */
	const char *properties;     /* a local post's Micropub properties as JSON (q=source) */
	int64_t fetched_at;         /* when crier first saw it */
	char content_hash[65];      /* SHA-256 hex of what makes a change visible */
	enum post_change change;    /* set by the store: new, updated or unchanged */
};

/* Adds a tag (label copied into arena a) unless an equal label is there. */
void post_add_tag(struct arena *a, struct post *p, const char *label, enum tag_origin origin);

/* What the parser returns: one feed document and its posts. */
struct feed_doc {
	struct arena *arena;        /* owns every string and post below */
	enum feed_format format;
	bool bozo;                  /* not well-formed, or wrong/unknown encoding */
	const char *bozo_reason;    /* first problem found, for logs; or NULL */
	const char *encoding;       /* what the document was decoded with */
	const char *title;          /* plain text */
	const char *description;    /* plain text */
	const char *description_html; /* sanitized */
	const char *home_page_url;
	const char *feed_url;       /* rel="self" */
	struct author *authors;
	size_t n_authors;
	struct post **items;
	size_t n_items;
};

void feed_doc_free(struct feed_doc *doc);   /* NULL does nothing */

struct config;
struct store;
struct fetcher;
struct tag_rules;
struct plugins;
struct http;
struct templates;

/* Counters the poller bumps and /metrics reads (any thread). */
struct crier_stats {
	_Atomic unsigned long long fetches_ok;
	_Atomic unsigned long long fetches_unchanged;
	_Atomic unsigned long long fetches_failed;
	_Atomic unsigned long long posts_new;
	_Atomic unsigned long long posts_updated;
};

/*
 * The one context.  main() builds it; every module gets it (or the part
 * it needs) explicitly.  No module keeps its own global copy.
 */
struct crier {
	struct config *cfg;
	const char *config_path;
	struct store *store;            /* the writer connection (pipeline only) */
	struct tag_rules *rules;
	struct plugins *plugins;
	struct http *http;
	struct crier_stats stats;
	pthread_mutex_t write_lock;     /* held around every use of `store` (poller and publishers) */
	volatile sig_atomic_t stop;     /* SIGTERM/SIGINT */
	volatile sig_atomic_t reload;   /* SIGHUP */
};

#endif
