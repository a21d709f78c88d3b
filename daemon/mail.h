/*
 * mail.h: writing Internet messages (RFC 5322) with MIME (RFC 2045-2047)
 * for the digest email.
 *
 *   digest ─▶ render (HTML part, text part) ─▶ mail_write ─▶ fetch_mail_send (SMTP)
 *
 * Pure functions: no I/O.  What mail_write() makes is 7-bit and safe to
 * hand to any SMTP server: CRLF line ends, no line over 78 characters
 * (headers folded, bodies quoted-printable with soft breaks at 76),
 * non-ASCII header text as RFC 2047 encoded-words (UTF-8, base64), and
 * no CR or LF from a value ever reaches a header (they become spaces),
 * so a title cannot add headers.
 */
#ifndef CRIER_MAIL_H
#define CRIER_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MAIL_ADDRESS_MAX 254            /* RFC 5321's limit on a path */

/* One message to one recipient.  Strings are borrowed; NULL leaves a header out. */
struct mail_message {
	const char *from;               /* "Display Name <addr>" or "addr" */
	const char *to;                 /* one address */
	const char *subject;            /* UTF-8 text */
	const char *message_id;         /* "<unique@domain>" */
	int64_t date;                   /* Unix seconds (written in UTC) */
	const char *list_id;            /* "Title <name.example.org>" (RFC 2919) */
	const char *list_unsubscribe;   /* "<https://...>, <mailto:...>" (RFC 2369) */
	bool one_click;                 /* List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058) */
	const char *text;               /* the text/plain part, UTF-8, any line ends */
	const char *html;               /* the text/html part, UTF-8 */
};

/*
 * Appends the whole message to out: headers, then a multipart/alternative
 * body with the text part first and the HTML part last (the one clients
 * prefer), both quoted-printable UTF-8.
 */
void mail_write(struct buf *out, const struct mail_message *m);

/*
 * Quoted-printable (RFC 2045 6.7) of s[0..len): line ends (LF or CRLF)
 * become CRLF, encoded lines are at most 76 characters, trailing spaces
 * and tabs are encoded, and so are a '.' starting a line and the 'F' of
 * a line starting "From " (for mail paths that mangle either).
 */
void mail_qp_encode(struct buf *out, const char *s, size_t len);

/*
 * Appends "Name: value" CRLF, folded at spaces so lines stay within 78
 * characters where the words allow.  A value with non-ASCII bytes (or
 * "=?") is written as encoded-words; controls become spaces.
 */
void mail_header(struct buf *out, const char *name, const char *value);

/* "Fri, 16 Oct 2026 12:00:00 +0000" */
void mail_date(int64_t t, char out[40]);

/* "<32 random hex digits@domain>" */
void mail_message_id(struct buf *out, const char *domain);

/*
 * Splits "Display Name <local@domain>" or "local@domain" into its parts
 * (display may come back empty).  true when addr is an address crier
 * will send to: local@domain, printable ASCII without spaces, quotes,
 * angle brackets, commas or semicolons, at most MAIL_ADDRESS_MAX bytes,
 * with a dot-free-or-dotted domain that does not start or end with '.'.
 */
bool mail_address_parse(const char *s, struct buf *display, struct buf *addr);
bool mail_address_valid(const char *addr);

/* The domain of an address (after the last '@'), or "localhost". */
const char *mail_address_domain(const char *addr);

#endif
