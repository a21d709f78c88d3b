/*
 * caps.h: every limit crier puts on untrusted input, in one place.
 *
 * Oversized input is an ordinary error (the caller logs it and moves on);
 * only running out of memory is fatal.  When you add a buffer that holds
 * data from outside, give it a cap here and name the unit.
 */
#ifndef CRIER_CAPS_H
#define CRIER_CAPS_H

/* fetch: a feed body, counted after decoding (gzip/deflate/br) */
#define CAP_FEED_BYTES_DEFAULT   (16u * 1024 * 1024)
#define CAP_HEADER_BYTES         (64u * 1024)     /* one response's headers */
#define CAP_REDIRECTS            5
#define CAP_URL_BYTES            8192

/* parse */
#define CAP_XML_DEPTH            256              /* element nesting */
#define CAP_ITEMS_PER_FEED       200000
#define CAP_ENTITY_DECLS         64               /* internal general entities kept */
#define CAP_ENTITY_VALUE_BYTES   4096             /* one entity's literal value */
#define CAP_ENTITY_EXPANSION     (1024u * 1024)   /* all expansions of one document */
#define CAP_FIELD_BYTES          (4u * 1024 * 1024) /* one text field of one item */

/* sanitize */
#define CAP_HTML_DEPTH           128              /* open elements kept; deeper ones are unwrapped */

/* config */
#define CAP_CONFIG_LINE          4096
#define CAP_CONFIG_FEEDS         100000

/* templates (themes): files are trusted-ish, contexts hold feed data */
#define CAP_TEMPLATE_BYTES       (1024u * 1024)   /* one *.mustache file */
#define CAP_TEMPLATE_DEPTH       64               /* sections + partials nested */
#define CAP_TEMPLATE_STEPS       (8u * 1024 * 1024) /* instructions run by one render */

/* CLI and files read whole */
#define CAP_FILE_BYTES           (64u * 1024 * 1024)

#endif
