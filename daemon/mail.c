/*
 * mail.c: Internet messages with MIME for the digest email (see mail.h).
 *
 * Written from RFC 5322 (message format, folding), RFC 2045 (quoted-
 * printable), RFC 2046 (multipart/alternative), RFC 2047 (encoded-words),
 * RFC 2369/2919 (List-* headers) and RFC 8058 (one-click unsubscribe).
 * Sending is fetch.c's business (fetch_mail_send); nothing here does I/O.
 */
#include "mail.h"
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define QP_LINE_MAX 76          /* RFC 2045: encoded lines, soft break included */
#define HEADER_LINE_MAX 78      /* RFC 5322's "should" */
#define EW_BYTES_MAX 45         /* UTF-8 bytes per encoded-word: 60 base64 chars, 72 with =?UTF-8?B??= */

static const char hex_upper[] = "0123456789ABCDEF";

/* ---------------------------------------------------------------- quoted-printable */

struct qp {
	struct buf *out;
	size_t col;             /* characters on the current encoded line */
};

/* Appends one encoded unit (a character or =XX), breaking softly first when it would not fit. */
static void
qp_put(struct qp *q, const char *unit, size_t n)
{
	if (q->col + n > QP_LINE_MAX - 1) {
		buf_puts(q->out, "=\r\n");
		q->col = 0;
	}
	buf_append(q->out, unit, n);
	q->col += n;
}

static void
qp_put_hex(struct qp *q, unsigned char c)
{
	char unit[3] = { '=', hex_upper[c >> 4], hex_upper[c & 15] };

	qp_put(q, unit, 3);
}

/* One line (without its line end) encoded, then CRLF when hard_break. */
static void
qp_line(struct qp *q, const unsigned char *s, size_t len, bool hard_break)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];
		bool at_start = q->col == 0 && i == 0;
		bool last = i + 1 == len;
		if ((c == '.' && at_start) || (c == 'F' && at_start && len >= 5 &&
		    memcmp(s, "From ", 5) == 0))
			qp_put_hex(q, c);
		else if ((c == ' ' || c == '\t') && last)
			qp_put_hex(q, c);       /* trailing white space would be lost */
		else if ((c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t')
			qp_put(q, (const char *)&c, 1);
		else
			qp_put_hex(q, c);
	}
	if (hard_break) {
		buf_puts(q->out, "\r\n");
		q->col = 0;
	}
}

void
mail_qp_encode(struct buf *out, const char *s, size_t len)
{
	struct qp q = { out, 0 };
	const char *p = s, *end = s + len, *nl;
	size_t n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		qp_line(&q, (const unsigned char *)p, n, nl != NULL);
		p = nl != NULL ? nl + 1 : end;
	}
}

/* ---------------------------------------------------------------- headers */

static bool
needs_encoding(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80)
			return true;
	}
	return strstr(s, "=?") != NULL;
}

/* s with controls as spaces, invalid UTF-8 repaired, runs of spaces kept. */
static void
clean_value(struct buf *out, const char *s)
{
	struct buf repaired = BUF_INIT;
	const char *p;

	util_utf8_repair(&repaired, s, strlen(s));
	for (p = buf_str(&repaired); *p; p++)
		buf_putc(out, (unsigned char)*p < 32 || *p == 127 ? ' ' : *p);
	buf_free(&repaired);
}

/* Length of the UTF-8 sequence starting with byte c (1 for anything odd). */
static size_t
utf8_len(unsigned char c)
{
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	if (c >= 0xc0)
		return 2;
	return 1;
}

/*
 * Appends s as encoded-words (each at most 75 characters) separated by
 * CRLF SP, never splitting a UTF-8 character; col is the column the first
 * one starts at.
 */
static void
encoded_words(struct buf *out, const char *s, size_t col)
{
	char b64[128];
	size_t len = strlen(s), i = 0, n, step, room;
	long fit;

	while (i < len) {
		/* whole base64 quads that fit on this line after "=?UTF-8?B?" and "?=" */
		fit = ((long)HEADER_LINE_MAX - (long)col - 12) / 4 * 3;
		room = fit < 0 ? 0 : fit > EW_BYTES_MAX ? EW_BYTES_MAX : (size_t)fit;
		n = 0;
		while (i + n < len) {
			step = utf8_len((unsigned char)s[i + n]);
			if (step > len - i - n)
				step = len - i - n;
			if (n + step > room)
				break;
			n += step;
		}
		if (n == 0 && col > 1) {
			buf_puts(out, "\r\n ");
			col = 1;
			continue;
		}
		if (n == 0)
			n = 1;          /* cannot happen with room >= 45 at column 1 */
		sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)s + i, n,
		    sodium_base64_VARIANT_ORIGINAL);
		buf_printf(out, "=?UTF-8?B?%s?=", b64);
		col += 12 + strlen(b64);
		i += n;
		if (i < len) {
			buf_puts(out, "\r\n ");
			col = 1;
		}
	}
}

/* Appends ASCII value folded at spaces after col characters. */
static void
folded_ascii(struct buf *out, const char *value, size_t col)
{
	const char *p = value, *space;
	size_t word;

	while (*p) {
		space = strchr(p + 1, ' ');
		word = space != NULL ? (size_t)(space - p) : strlen(p);
		if (col + word > HEADER_LINE_MAX && col > 1 && *p == ' ') {
			buf_puts(out, "\r\n");
			col = 0;
		}
		buf_append(out, p, word);
		col += word;
		p += word;
	}
}

void
mail_header(struct buf *out, const char *name, const char *value)
{
	struct buf clean = BUF_INIT;
	size_t col = strlen(name) + 2;

	clean_value(&clean, value);
	buf_printf(out, "%s: ", name);
	if (needs_encoding(buf_str(&clean)))
		encoded_words(out, buf_str(&clean), col);
	else
		folded_ascii(out, buf_str(&clean), col);
	buf_puts(out, "\r\n");
	buf_free(&clean);
}

/* An RFC 5322 phrase for a display name: atoms as they are, else quoted, else encoded. */
static void
display_phrase(struct buf *out, const char *name, size_t col)
{
	struct buf clean = BUF_INIT;
	const char *p;

	clean_value(&clean, name);
	if (needs_encoding(buf_str(&clean))) {
		encoded_words(out, buf_str(&clean), col);
	} else if (strpbrk(buf_str(&clean), "()<>[]:;@\\,.\"") == NULL) {
		buf_puts(out, buf_str(&clean));
	} else {
		buf_putc(out, '"');
		for (p = buf_str(&clean); *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(out, '\\');
			buf_putc(out, *p);
		}
		buf_putc(out, '"');
	}
	buf_free(&clean);
}

/* "From: Display <addr>" with the display name made safe. */
static void
address_header(struct buf *out, const char *name, const char *mailbox)
{
	struct buf display = BUF_INIT, addr = BUF_INIT;
	size_t start, line;

	mail_address_parse(mailbox, &display, &addr);
	start = out->len;
	buf_printf(out, "%s: ", name);
	if (display.len > 0) {
		display_phrase(out, buf_str(&display), strlen(name) + 2);
		line = out->len - start;
		if (memchr(out->data + start, '\n', line) != NULL ||
		    line + addr.len + 3 > HEADER_LINE_MAX)
			buf_puts(out, "\r\n ");
		else
			buf_putc(out, ' ');
	}
	buf_printf(out, "<%s>\r\n", buf_str(&addr));
	buf_free(&display);
	buf_free(&addr);
}

void
mail_date(int64_t t, char out[40])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
	    months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void
mail_message_id(struct buf *out, const char *domain)
{
	unsigned char raw[16];
	char hex[33];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	buf_printf(out, "<%s@%s>", hex, domain);
}

/* ---------------------------------------------------------------- addresses */

bool
mail_address_valid(const char *addr)
{
	const char *at = strrchr(addr, '@'), *p;
	size_t len = strlen(addr);

	if (at == NULL || at == addr || at[1] == '\0' || len > MAIL_ADDRESS_MAX)
		return false;
	for (p = addr; *p; p++) {
		if (*p <= ' ' || *p >= 127 || strchr("\"<>(),;:\\[]", *p) != NULL)
			return false;
		if (*p == '@' && p != at)
			return false;
	}
	if (at[1] == '.' || addr[len - 1] == '.' || strstr(at, "..") != NULL)
		return false;
	return true;
}

bool
mail_address_parse(const char *s, struct buf *display, struct buf *addr)
{
	const char *open = strrchr(s, '<'), *close;
	struct slice name;

	buf_reset(display);
	buf_reset(addr);
	if (open == NULL) {
		struct slice all = slice_trim(slice_from(s));
		buf_append(addr, all.ptr, all.len);
		return mail_address_valid(buf_str(addr));
	}
	close = strchr(open, '>');
	if (close == NULL || slice_trim(slice_from(close + 1)).len != 0)
		return false;
	buf_append(addr, open + 1, (size_t)(close - open - 1));
	name = slice_trim((struct slice){ s, (size_t)(open - s) });
	if (name.len >= 2 && name.ptr[0] == '"' && name.ptr[name.len - 1] == '"') {
		name.ptr++;
		name.len -= 2;
	}
	buf_append(display, name.ptr, name.len);
	return mail_address_valid(buf_str(addr));
}

const char *
mail_address_domain(const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

	return at != NULL && at[1] != '\0' ? at + 1 : "localhost";
}

/* ---------------------------------------------------------------- the message */

static void
part(struct buf *out, const char *boundary, const char *type, const char *body)
{
	buf_printf(out, "--%s\r\n", boundary);
	buf_printf(out, "Content-Type: %s; charset=utf-8\r\n", type);
	buf_puts(out, "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	mail_qp_encode(out, body, strlen(body));
	if (out->len >= 2 && memcmp(out->data + out->len - 2, "\r\n", 2) != 0)
		buf_puts(out, "\r\n");
}

void
mail_write(struct buf *out, const struct mail_message *m)
{
	unsigned char raw[12];
	char boundary[64], hex[25], date[40];

	/* "=_" never occurs in quoted-printable text, so the boundary cannot either */
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	snprintf(boundary, sizeof(boundary), "=_crier_%s", hex);
	mail_date(m->date, date);
	address_header(out, "From", m->from);
	address_header(out, "To", m->to);
	if (m->subject != NULL)
		mail_header(out, "Subject", m->subject);
	mail_header(out, "Date", date);
	if (m->message_id != NULL)
		mail_header(out, "Message-ID", m->message_id);
	if (m->list_id != NULL)
		mail_header(out, "List-Id", m->list_id);
	if (m->list_unsubscribe != NULL)
		mail_header(out, "List-Unsubscribe", m->list_unsubscribe);
	if (m->list_unsubscribe != NULL && m->one_click)
		mail_header(out, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
	mail_header(out, "MIME-Version", "1.0");
	buf_printf(out, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n", boundary);
	buf_puts(out, "This is a message in MIME format: a plain-text part and an HTML part.\r\n\r\n");
	part(out, boundary, "text/plain", m->text != NULL ? m->text : "");
	part(out, boundary, "text/html", m->html != NULL ? m->html : "");
	buf_printf(out, "--%s--\r\n", boundary);
}
