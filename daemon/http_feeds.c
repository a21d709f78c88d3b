/* http_feeds.c: STUB; the feed writers replace it. */
#include "http_feeds.h"
void http_feeds_atom(struct buf *out, const struct feed_meta *m, const json_t *posts) { (void)out; (void)m; (void)posts; }
void http_feeds_rss(struct buf *out, const struct feed_meta *m, const json_t *posts) { (void)out; (void)m; (void)posts; }
void http_feeds_json(struct buf *out, const struct feed_meta *m, const json_t *posts) { (void)out; (void)m; (void)posts; }
void http_feeds_permalink(struct buf *out, const json_t *post) { (void)out; (void)post; }
