/*
 * buf.h: growable byte strings with a cap, slices, and arenas.
 *
 * struct buf is an explicit string: data, length, capacity and a cap.
 * data is always NUL-terminated (when not NULL), so it can be handed to
 * C string functions; it may also hold NUL bytes when used for binary
 * data.  A buf that would grow past its cap refuses with -1 and stays
 * as it was: oversized input is an ordinary error.  Out of memory is
 * fatal (log_fatal).
 *
 * struct arena hands out many small allocations that are all freed at
 * once; parsed feeds and posts keep their strings in one.
 */
#ifndef CRIER_BUF_H
#define CRIER_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;     /* NUL-terminated, or NULL while empty and never grown */
	size_t len;     /* bytes used, not counting the NUL */
	size_t cap;     /* bytes allocated */
	size_t max;     /* most bytes len may reach; 0 means no cap */
};

#define BUF_INIT { NULL, 0, 0, 0 }

/* A borrowed view into someone else's bytes; not NUL-terminated. */
struct slice {
	const char *ptr;
	size_t len;
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);           /* frees data; the buf may be reused */
void buf_reset(struct buf *b);          /* len = 0, keeps the allocation */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* The string, never NULL ("" while empty). */
const char *buf_str(const struct buf *b);
/* Hands the data to the caller (free() it) and resets b; never NULL. */
char *buf_steal(struct buf *b);

/* slices */
struct slice slice_from(const char *s);
bool slice_eq(struct slice a, const char *s);
bool slice_eq_nocase(struct slice a, const char *s);
struct slice slice_trim(struct slice s);

/* Arenas: bump allocation in chunks; everything is freed by arena_free. */
struct arena;
struct arena *arena_new(void);
void arena_free(struct arena *a);       /* arena_free(NULL) does nothing */
void *arena_alloc(struct arena *a, size_t n);    /* zeroed, 16-byte aligned */
char *arena_strdup(struct arena *a, const char *s);     /* NULL stays NULL */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
size_t arena_used(const struct arena *a);

/* Growable array of pointers kept in an arena (for lists of items, tags). */
struct ptrvec {
	void **v;
	size_t n, cap;
};
void ptrvec_push(struct arena *a, struct ptrvec *pv, void *p);

#endif
