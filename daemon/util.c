/*
 * util.c: allocation, time, hashing, slugs and files (see util.h).
 */
#include "util.h"
#include "log.h"

#include <ctype.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		log_fatal("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		log_fatal("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		log_fatal("out of memory (%zu bytes)", n);
	return q;
}

char *
xstrdup(const char *s)
{
	return s == NULL ? NULL : xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	if (s == NULL)
		return NULL;
	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* ---------------------------------------------------------------- time */

/* CRIER_FAKE_NOW is read once: tests set it before a process starts,
 * and util_now() is on every hot path (each request, post and fetch). */
static int64_t fake_now;
static pthread_once_t fake_now_once = PTHREAD_ONCE_INIT;

static void
read_fake_now(void)
{
	const char *fake = getenv("CRIER_FAKE_NOW");

	if (fake != NULL && *fake != '\0')
		fake_now = strtoll(fake, NULL, 10);
}

int64_t
util_now(void)
{
	pthread_once(&fake_now_once, read_fake_now);
	return fake_now != 0 ? fake_now : (int64_t)time(NULL);
}

int64_t
util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
util_rfc3339(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL) {
		snprintf(out, 32, "1970-01-01T00:00:00Z");
		return;
	}
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
util_http_date(int64_t t, char out[40])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	/* locale-independent, unlike strftime's %a/%b */
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---------------------------------------------------------------- hashing */

void
util_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

void
util_digest_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), data, len, NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

uint64_t
util_fnv1a(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* ---------------------------------------------------------------- slugs */

bool
util_slugify(struct buf *out, const char *label, size_t max_len)
{
	const unsigned char *p;
	bool dash = false;

	buf_reset(out);
	if (label == NULL)
		return false;
	for (p = (const unsigned char *)label; *p; p++) {
		if (isalnum(*p) || *p >= 0x80) {
			if (dash && out->len > 0 && out->len < max_len)
				buf_putc(out, '-');
			dash = false;
			if (out->len >= max_len)
				break;
			buf_putc(out, *p < 0x80 ? (char)tolower(*p) : (char)*p);
		} else {
			dash = true;
		}
	}
	/* never end inside a UTF-8 sequence cut by max_len */
	while (out->len > 0 && ((unsigned char)out->data[out->len - 1] & 0xC0) == 0xC0)
		out->data[--out->len] = '\0';
	while (out->len > 0 && out->data[out->len - 1] == '-')
		out->data[--out->len] = '\0';
	return out->len > 0;
}

/* ---------------------------------------------------------------- files */

int
util_read_file(const char *path, struct buf *out, size_t max)
{
	char chunk[65536];
	ssize_t n;
	int fd, saved;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (out->len + (size_t)n > max) {
			errno = EFBIG;
			goto fail;
		}
		if (buf_append(out, chunk, (size_t)n) == -1) {
			errno = EFBIG;
			goto fail;
		}
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if (out->data == NULL)
		buf_reserve(out, 0);
	return 0;
fail:
	saved = errno;
	if (fd != STDIN_FILENO)
		close(fd);
	errno = saved;
	return -1;
}

/* ---------------------------------------------------------------- values */

int64_t
util_parse_duration(const char *s)
{
	char *end;
	long long v;
	int64_t mult = 1;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	if (*end == '\0' || strcmp(end, "s") == 0)
		mult = 1;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mult = 60;
	else if (strcmp(end, "h") == 0)
		mult = 3600;
	else if (strcmp(end, "d") == 0)
		mult = 86400;
	else if (strcmp(end, "ms") == 0)
		return v / 1000;
	else
		return -1;
	if (v > INT64_MAX / mult)
		return -1;
	return v * mult;
}

int64_t
util_parse_size(const char *s)
{
	char *end;
	long long v;
	int64_t mult = 1;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	switch (tolower((unsigned char)*end)) {
	case '\0': mult = 1; break;
	case 'k': mult = 1024; break;
	case 'm': mult = 1024 * 1024; break;
	case 'g': mult = 1024LL * 1024 * 1024; break;
	default: return -1;
	}
	if (*end != '\0') {
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'b' || *end == 'B')
			end++;
		if (*end != '\0')
			return -1;
	}
	if (v > INT64_MAX / mult)
		return -1;
	return v * mult;
}

int
util_parse_bool(const char *s)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < NELEM(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* ---------------------------------------------------------------- UTF-8 */

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		if (p[0] == 0xE0 && p[1] < 0xA0)
			return 0;       /* overlong */
		if (p[0] == 0xED && p[1] >= 0xA0)
			return 0;       /* surrogates */
		return 3;
	}
	if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
		    (p[3] & 0xC0) != 0x80)
			return 0;
		if (p[0] == 0xF0 && p[1] < 0x90)
			return 0;
		if (p[0] == 0xF4 && p[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

bool
util_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq(p + i, len - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

void
util_utf8_repair(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k, start;

	while (i < len) {
		start = i;
		while (i < len && p[i] < 0x80 && p[i] != 0)
			i++;
		if (i > start)
			buf_append(out, s + start, i - start);
		if (i >= len)
			break;
		if (p[i] == 0) {        /* NUL never survives into text */
			i++;
			continue;
		}
		k = utf8_seq(p + i, len - i);
		if (k == 0) {
			buf_append(out, "\xEF\xBF\xBD", 3);
			i++;
		} else {
			buf_append(out, s + i, k);
			i += k;
		}
	}
}

int
util_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
util_percent_encode(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			buf_putc(out, (char)*p);
		} else {
			buf_putc(out, '%');
			buf_putc(out, hex[*p >> 4]);
			buf_putc(out, hex[*p & 15]);
		}
	}
}

size_t
util_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	}
	return n;
}

/*
 * Which bytes of w (little-endian) need escaping in JSON: < 0x20, '"' or
 * '\\'.  The lowest set 0x80 bit marks the first one exactly.
 */
static uint64_t
json_escape_mask(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');

	return (((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high;
}

/*
 * Copies the leading bytes of p[0..n) that need no escaping to w and
 * returns how many there were.  w must have room for n bytes: whole
 * blocks are stored before they are looked at.
 */
static size_t
json_copy_plain(char *w, const unsigned char *p, size_t n)
{
	size_t i = 0;
	uint64_t x, mask;
#ifdef __SSE2__
	const __m128i quot = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x1F);
	__m128i v, m;
	unsigned bits;

	for (; i + 16 <= n; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		_mm_storeu_si128((__m128i *)(void *)(w + i), v);
		/* min(v, 0x1F) == v: the unsigned bytes below 0x20 */
		m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quot),
		    _mm_cmpeq_epi8(v, bslash)), _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v));
		bits = (unsigned)_mm_movemask_epi8(m);
		if (bits != 0)
			return i + (size_t)__builtin_ctz(bits);
	}
#endif
	for (; i + 8 <= n; i += 8) {
		memcpy(&x, p + i, 8);
		memcpy(w + i, &x, 8);
		mask = json_escape_mask(x);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (mask != 0)
			return i + (size_t)__builtin_ctzll(mask) / 8;
#else
		if (mask != 0)
			break;
#endif
	}
	for (; i < n && p[i] >= 0x20 && p[i] != '"' && p[i] != '\\'; i++)
		w[i] = (char)p[i];
	return i;
}

/* Writes the escape of c (one that needs one) at w; returns its length. */
static size_t
json_escape(char *w, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	w[0] = '\\';
	switch (c) {
	case '"': w[1] = '"'; return 2;
	case '\\': w[1] = '\\'; return 2;
	case '\n': w[1] = 'n'; return 2;
	case '\r': w[1] = 'r'; return 2;
	case '\t': w[1] = 't'; return 2;
	default:
		memcpy(w + 1, "u00", 3);
		w[4] = hex[c >> 4];
		w[5] = hex[c & 15];
		return 6;
	}
}

/*
 * Every byte takes at most six in the output, so room for 6 * len + 2 is
 * reserved once and the string written in place; a capped buf without
 * that much room gets the bytes one escape at a time, as far as they go.
 */
void
util_json_string(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)p), i = 0, n;
	char *w, esc[6];

	if (len <= (SIZE_MAX - 2) / 6 && buf_reserve(out, 6 * len + 2) == 0) {
		w = out->data + out->len;
		*w++ = '"';
		while (i < len) {
			n = json_copy_plain(w, p + i, len - i);
			w += n;
			i += n;
			if (i < len)
				w += json_escape(w, p[i++]);
		}
		*w++ = '"';
		*w = '\0';
		out->len = (size_t)(w - out->data);
		return;
	}
	buf_putc(out, '"');
	while (i < len) {
		for (n = i; n < len && p[n] >= 0x20 && p[n] != '"' && p[n] != '\\'; n++)
			;
		buf_append(out, p + i, n - i);
		if (n < len)
			buf_append(out, esc, json_escape(esc, p[n++]));
		i = n;
	}
	buf_putc(out, '"');
}

bool
util_isatty(int fd)
{
	return isatty(fd) == 1;
}
