/*
 * date.h: feed dates to UTC Unix seconds.
 *
 * RFC 822/1123 (with named zones: UT, GMT, EST, EDT, CST, CDT, MST, MDT,
 * PST, PDT, military letters, and the common non-standard ones such as
 * BST, CET), RFC 3339 / ISO 8601 / W3C-DTF (with or without seconds,
 * fractions, offsets; date-only), and the common malformed forms seen in
 * the wild (missing weekday, two-digit years, "Sept", lowercase months,
 * a missing zone taken as UTC, extra spaces).  Written by hand: curl's
 * curl_getdate is HTTP-only and lives in fetch.c.
 */
#ifndef CRIER_DATE_H
#define CRIER_DATE_H

#include <stdbool.h>
#include <stdint.h>

/* Parses s; true and *out (UTC seconds) on success, false if unparseable. */
bool date_parse(const char *s, int64_t *out);

#endif
