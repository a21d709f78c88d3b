/*
 * store_int.h: what store.c and store_read.c share; private to the store
 * family (the only files that include sqlite3.h).
 */
#ifndef CRIER_STORE_INT_H
#define CRIER_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

/* Prepared statements cached per connection: store.c's write statements
 * and store_read.c's read statements, each indexed by its own enum. */
#define STORE_WRITE_STMTS 48
#define STORE_READ_STMTS 48
#define STORE_LOCAL_STMTS 64

#define STORE_TAG_CACHE 1024

struct tag_slot {
	char *slug;
	int64_t id;
};

struct store {
	sqlite3 *db;
	enum store_mode mode;
	sqlite3_stmt *stmt[STORE_WRITE_STMTS];
	sqlite3_stmt *read_stmt[STORE_READ_STMTS];
	sqlite3_stmt *local_stmt[STORE_LOCAL_STMTS];  /* store_local.c */
	struct tag_slot tag_cache[STORE_TAG_CACHE];   /* writer: tag slug -> id */
	int64_t own_writes;     /* bumped on each commit of this connection */
};

void store_db_error(struct store *s, const char *what);
void store_done(sqlite3_stmt *st);             /* reset + clear bindings */
void store_bind_text(sqlite3_stmt *st, int i, const char *v);   /* NULL binds NULL */
char *store_col_dup(sqlite3_stmt *st, int i);                    /* malloc'd copy, NULL for NULL */

#endif
