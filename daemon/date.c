/*
 * date.c: feed dates to UTC Unix seconds (see date.h).
 *
 * Two readers, tried in turn on the trimmed string:
 *
 *   iso_read()  W3C-DTF / RFC 3339 / ISO 8601: "2003-12-31T10:14:55Z",
 *               "2004-04-06T23:05:43.25-05:00", "2003-12-31", "2003-12",
 *               "2003", the basic form "20031231T101455Z", and the usual
 *               slips: a space instead of 'T', no zone (taken as UTC),
 *               "+0500" or "+05" offsets, a named zone after a space.
 *   rfc_read()  RFC 822 / 1123 / 850 and asctime, word by word: an
 *               optional weekday, day and month in either order, a year
 *               of 2 or 4 digits before or after the time, then a zone
 *               (named, military letter, "+hhmm", "+hh:mm", "GMT+1").
 *
 * Both fill a struct when; when_to_unix() checks the ranges (the day
 * must exist in that month) and converts with a days-from-civil
 * calculation, so no libc time zone state is involved.  Anything left
 * over that is not a parenthesised comment makes the date unparseable.
 */
#include "date.h"
#include "util.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct when {
	int year, month, day;           /* month 1-12 */
	int hour, minute, second;
	int offset_s;                   /* local time minus UTC, seconds */
};

/*
 * Named zones, sorted for bsearch (upper case): RFC 822's own names, its
 * military letters with the signs RFC 822 gives (A-M negative, N-Y
 * positive, J unused; RFC 1123 doubts them, but feeds that use them
 * follow the letter of RFC 822), and abbreviations common in real feeds
 * (IST is India's: it is the one seen in feeds).
 */
static const struct zone {
	const char *name;
	int offset_min;
} zones[] = {
	{ "A", -60 }, { "ACDT", 630 }, { "ACST", 570 }, { "ADT", -180 },
	{ "AEDT", 660 }, { "AEST", 600 }, { "AKDT", -480 }, { "AKST", -540 },
	{ "AST", -240 }, { "AWST", 480 }, { "B", -120 }, { "BST", 60 },
	{ "C", -180 }, { "CDT", -300 }, { "CEST", 120 }, { "CET", 60 },
	{ "CST", -360 }, { "D", -240 }, { "E", -300 }, { "EDT", -240 },
	{ "EEST", 180 }, { "EET", 120 }, { "EST", -300 }, { "ETC", 0 },
	{ "F", -360 }, { "G", -420 }, { "GMT", 0 }, { "H", -480 },
	{ "HKT", 480 }, { "HST", -600 }, { "I", -540 }, { "IST", 330 },
	{ "JST", 540 }, { "K", -600 }, { "KST", 540 }, { "L", -660 },
	{ "M", -720 }, { "MDT", -360 }, { "MEST", 120 }, { "MET", 60 },
	{ "MSK", 180 }, { "MST", -420 }, { "N", 60 }, { "NZDT", 780 },
	{ "NZST", 720 }, { "O", 120 }, { "P", 180 }, { "PDT", -420 },
	{ "PST", -480 }, { "Q", 240 }, { "R", 300 }, { "S", 360 },
	{ "SGT", 480 }, { "T", 420 }, { "U", 480 }, { "UT", 0 },
	{ "UTC", 0 }, { "V", 540 }, { "W", 600 }, { "WEST", 60 },
	{ "WET", 0 }, { "X", 660 }, { "Y", 720 }, { "Z", 0 },
};

/* Month and weekday names: a word matches when it is a prefix of at
 * least three letters of the full name ("Sep", "Sept", "September"). */
static const char *const months[] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};
static const char *const weekdays[] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
};

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static const char *
skip_space(const char *p)
{
	while (is_space(*p))
		p++;
	return p;
}

/* Reads exactly n digits; NULL when they are not there. */
static const char *
read_digits(const char *p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return NULL;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return p + n;
}

/* Reads 1 to max digits; NULL when there is none; *ndigits gets the count. */
static const char *
read_number(const char *p, int max, int *out, int *ndigits)
{
	int v = 0, n = 0;

	while (is_digit(p[n]) && n < max) {
		v = v * 10 + (p[n] - '0');
		n++;
	}
	if (n == 0 || is_digit(p[n]))
		return NULL;
	*out = v;
	*ndigits = n;
	return p + n;
}

static int
zone_cmp(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct zone *)elem)->name);
}

/* Offset in seconds of the named zone word[0..len); false if unknown. */
static bool
zone_lookup(const char *word, size_t len, int *offset_s)
{
	char name[8];
	const struct zone *z;

	if (len == 0 || len >= sizeof(name))
		return false;
	memcpy(name, word, len);
	name[len] = '\0';
	z = bsearch(name, zones, NELEM(zones), sizeof(zones[0]), zone_cmp);
	if (z == NULL)
		return false;
	*offset_s = z->offset_min * 60;
	return true;
}

/* Index of the name word[0..len) abbreviates in names[n], or -1. */
static int
name_index(const char *const *names, size_t n, const char *word, size_t len)
{
	size_t i;

	if (len < 3)
		return -1;
	for (i = 0; i < n; i++) {
		if (len <= strlen(names[i]) && strncasecmp(word, names[i], len) == 0)
			return (int)i;
	}
	return -1;
}

static size_t
word_len(const char *p)
{
	size_t n = 0;

	while (is_alpha(p[n]))
		n++;
	return n;
}

/*
 * A numeric offset after its sign: "hh", "hhmm", "hh:mm", "h".
 * Returns the end, or NULL.
 */
static const char *
read_offset(const char *p, int sign, int *offset_s)
{
	int h, m = 0, n;

	p = read_number(p, 4, &h, &n);
	if (p == NULL)
		return NULL;
	if (n == 4) {
		m = h % 100;
		h /= 100;
	} else if (n == 3) {
		return NULL;
	} else if (*p == ':') {
		p = read_digits(p + 1, 2, &m);
		if (p == NULL)
			return NULL;
	}
	if (h > 23 || m > 59)
		return NULL;
	*offset_s = sign * (h * 3600 + m * 60);
	return p;
}

/*
 * A zone: "Z", "+05:00", "-0800", "GMT", "EST", "UTC+1", "GMT-05:00".
 * Returns the end, or NULL when p holds no zone.
 */
static const char *
read_zone(const char *p, int *offset_s)
{
	size_t n;
	int extra;

	if (*p == '+' || *p == '-')
		return read_offset(p + 1, *p == '+' ? 1 : -1, offset_s);
	n = word_len(p);
	if (n == 0 || !zone_lookup(p, n, offset_s))
		return NULL;
	p += n;
	if (*offset_s == 0 && n >= 2 && (*p == '+' || *p == '-')) {
		/* "GMT+01:00", "UTC-5": an offset from UTC spelled out */
		const char *q = read_offset(p + 1, *p == '+' ? 1 : -1, &extra);
		if (q != NULL) {
			*offset_s = extra;
			p = q;
		}
	}
	return p;
}

/* After a date: nothing but spaces and parenthesised comments. */
static bool
at_end(const char *p)
{
	for (;;) {
		p = skip_space(p);
		if (*p == '\0')
			return true;
		if (*p != '(')
			return false;
		while (*p != '\0' && *p != ')')
			p++;
		if (*p == ')')
			p++;
	}
}

/* "HH:MM[:SS[.frac]]"; returns the end or NULL.  Basic "HHMMSS" with basic. */
static const char *
read_time(const char *p, struct when *w, bool basic)
{
	const char *q;

	if (basic) {
		q = read_digits(p, 2, &w->hour);
		if (q == NULL)
			return NULL;
		p = q;
		if (read_digits(p, 2, &w->minute) == NULL)
			return p;
		p += 2;
		if (read_digits(p, 2, &w->second) != NULL)
			p += 2;
	} else {
		int n;

		p = read_number(p, 2, &w->hour, &n);
		if (p == NULL || *p != ':')
			return NULL;
		p = read_digits(p + 1, 2, &w->minute);
		if (p == NULL)
			return NULL;
		if (*p == ':') {
			p = read_digits(p + 1, 2, &w->second);
			if (p == NULL)
				return NULL;
		}
	}
	if (*p == '.' || *p == ',') {
		if (!is_digit(p[1]))
			return NULL;
		p++;
		while (is_digit(*p))
			p++;
	}
	return p;
}

/* ---------------------------------------------------------------- ISO 8601 */

static bool
iso_read(const char *p, struct when *w)
{
	bool basic = false;

	p = read_digits(p, 4, &w->year);
	if (p == NULL)
		return false;
	w->month = 1;
	w->day = 1;
	if (*p == '-') {
		p = read_digits(p + 1, 2, &w->month);
		if (p == NULL)
			return false;
		if (*p == '-') {
			p = read_digits(p + 1, 2, &w->day);
			if (p == NULL)
				return false;
		}
	} else if (is_digit(*p)) {
		p = read_digits(p, 2, &w->month);
		if (p == NULL || (p = read_digits(p, 2, &w->day)) == NULL)
			return false;
		basic = true;
	}
	if (*p == 'T' || *p == 't' || (*p == ' ' && is_digit(p[1]))) {
		p = read_time(p + 1, w, basic && p[0] != ' ');
		if (p == NULL)
			return false;
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			p = read_zone(p, &w->offset_s);
			if (p == NULL)
				return false;
		} else {
			const char *q = skip_space(p);

			if (is_alpha(*q) || *q == '+' || *q == '-') {
				q = read_zone(q, &w->offset_s);
				if (q == NULL)
					return false;
				p = q;
			}
		}
	}
	return at_end(p);
}

/* ---------------------------------------------------------------- RFC 822 */

/*
 * Word by word: [weekday[,]] then day, month, year and time in any of
 * the orders real feeds use, then an optional zone.  Separators between
 * the date parts may be spaces, '-', '/', ',' or '.'.
 */
static bool
rfc_read(const char *p, struct when *w)
{
	int day = -1, month = -1, year = -1, n, v;
	bool have_time = false, have_zone = false;
	size_t len;

	for (;;) {
		while (is_space(*p) || *p == ',' || *p == '/' || *p == '.' ||
		    (*p == '-' && !(have_time && !have_zone)))
			p++;
		if (*p == '\0' || *p == '(')
			break;
		if (is_alpha(*p)) {
			len = word_len(p);
			if (month < 0 && name_index(months, NELEM(months), p, len) >= 0) {
				month = name_index(months, NELEM(months), p, len) + 1;
			} else if (day < 0 && month < 0 && year < 0 &&
			    name_index(weekdays, NELEM(weekdays), p, len) >= 0) {
				;       /* a leading weekday says nothing we need */
			} else if (!have_zone && (have_time || year >= 0)) {
				const char *q = read_zone(p, &w->offset_s);
				if (q == NULL)
					return false;
				have_zone = true;
				p = q;
				continue;
			} else {
				return false;
			}
			p += len;
			continue;
		}
		if ((*p == '+' || *p == '-') && !have_zone) {
			p = read_zone(p, &w->offset_s);
			if (p == NULL)
				return false;
			have_zone = true;
			continue;
		}
		if (!is_digit(*p))
			return false;
		if (!have_time && is_digit(p[0]) && (p[1] == ':' || (is_digit(p[1]) && p[2] == ':'))) {
			p = read_time(p, w, false);
			if (p == NULL)
				return false;
			have_time = true;
			continue;
		}
		p = read_number(p, 4, &v, &n);
		if (p == NULL)
			return false;
		if (day < 0 && n <= 2 && year < 0) {
			day = v;
		} else if (year < 0 && (n == 4 || n == 2) && day >= 0) {
			year = n == 2 ? (v < 50 ? 2000 + v : 1900 + v) : v;
		} else if (year < 0 && n == 4) {
			year = v;       /* "2004 Jan 01" style */
		} else if (day < 0 && n <= 2) {
			day = v;
		} else {
			return false;
		}
	}
	if (day < 0 || month < 0 || year < 0)
		return false;
	w->day = day;
	w->month = month;
	w->year = year;
	return at_end(p);
}

/* ---------------------------------------------------------------- conversion */

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool
when_to_unix(const struct when *w, int64_t *out)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int dim;
	int second = w->second;

	if (w->year < 1 || w->year > 9999 || w->month < 1 || w->month > 12)
		return false;
	dim = mdays[w->month - 1] + (w->month == 2 && leap(w->year));
	if (w->day < 1 || w->day > dim)
		return false;
	if (w->hour > 24 || w->minute > 59 || second > 60)
		return false;
	if (w->hour == 24 && (w->minute != 0 || second != 0))
		return false;
	if (second == 60)
		second = 59;    /* a leap second is stored as the second before */
	*out = days_from_civil(w->year, w->month, w->day) * 86400 +
	    (int64_t)w->hour * 3600 + w->minute * 60 + second - w->offset_s;
	return true;
}

bool
date_parse(const char *s, int64_t *out)
{
	struct when w;

	*out = 0;
	if (s == NULL)
		return false;
	s = skip_space(s);
	memset(&w, 0, sizeof(w));
	if (iso_read(s, &w))
		return when_to_unix(&w, out);
	memset(&w, 0, sizeof(w));
	if (rfc_read(s, &w))
		return when_to_unix(&w, out);
	return false;
}
