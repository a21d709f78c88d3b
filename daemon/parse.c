/*
 * parse.c: the parser's front door (see parse.h).  Decodes the bytes to
 * UTF-8 (parse_charset.c), tells JSON Feed from XML by the first
 * character, hands the text to the matching reader (parse_xml.c,
 * parse_json.c), then to normalise.c.  Every string of the result lives
 * in the feed_doc's arena.
 */
#include "parse.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

const char *
feed_format_name(enum feed_format f)
{
	static const char *const names[] = {
		[FORMAT_UNKNOWN] = NULL, [FORMAT_RSS20] = "rss20", [FORMAT_RSS10] = "rss10",
		[FORMAT_RSS09X] = "rss09x", [FORMAT_ATOM10] = "atom10", [FORMAT_ATOM03] = "atom03",
		[FORMAT_JSONFEED] = "jsonfeed", [FORMAT_CDF] = NULL,
	};
	return (size_t)f < NELEM(names) ? names[f] : NULL;
}

void
feed_doc_free(struct feed_doc *doc)
{
	if (doc == NULL)
		return;
	arena_free(doc->arena);
}

void
parse_set_bozo(struct raw_feed *rf, struct arena *a, const char *reason)
{
	rf->bozo = true;
	if (rf->bozo_reason == NULL && reason != NULL)
		rf->bozo_reason = arena_strdup(a, reason);
}

/* Does the UTF-8 text start (after white space) with a JSON object? */
static bool
looks_like_json(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i < len && s[i] == '{';
}

struct feed_doc *
parse_feed(const char *data, size_t len, const struct parse_options *opt)
{
	static const struct parse_options none;
	struct arena *a = arena_new();
	struct feed_doc *doc = arena_alloc(a, sizeof(*doc));
	struct raw_feed rf;
	struct buf converted;
	const char *text;
	size_t text_len;

	if (opt == NULL)
		opt = &none;
	doc->arena = a;
	memset(&rf, 0, sizeof(rf));
	buf_init(&converted, 0);
	text = parse_charset_decode(&rf, a, data, len, opt->http_charset, &converted, &text_len);
	if (looks_like_json(text, text_len))
		parse_json_read(&rf, a, text, text_len, opt->base_url);
	else
		parse_xml_read(&rf, a, text, text_len, opt->base_url);
	normalise_feed(doc, &rf, opt);
	buf_free(&converted);
	return doc;
}
