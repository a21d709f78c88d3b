/*
 * store_checkpoint.c: the writer's WAL checkpoints, on a thread of their own.
 *
 * In WAL mode every page is written twice: appended to the WAL at commit,
 * then copied into the database file by a checkpoint, which also syncs
 * both files.  SQLite runs that checkpoint inside the commit that fills
 * the WAL past wal_autocheckpoint pages, under the write lock, so every
 * other writer waited for the copy and the disk.  Here the writer's
 * connection turns automatic checkpoints off and counts WAL frames in its
 * commit hook: past STORE_CHECKPOINT_FRAMES it wakes this thread, which
 * checkpoints on its own connection (PASSIVE: it never blocks the writer
 * or the readers) while writing goes on.  Should the WAL still grow past
 * STORE_CHECKPOINT_FORCE frames, the writer checkpoints itself, as SQLite
 * would, so the WAL stays bounded.
 */
#include <pthread.h>
#include <stdlib.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

#define STORE_CHECKPOINT_FRAMES 8192    /* 32 MB of 4 KiB pages */
#define STORE_CHECKPOINT_FORCE 65536    /* 256 MB */

struct store_checkpointer {
	sqlite3 *db;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool due, quit;
};

static void *
checkpoint_thread(void *arg)
{
	struct store_checkpointer *c = arg;
	int rc;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->due && !c->quit)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->quit)
			break;
		c->due = false;
		pthread_mutex_unlock(&c->lock);
		rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warn("WAL checkpoint failed; the next commit tries again", "error=%s",
			    log_quote(sqlite3_errmsg(c->db)));
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* The writer's commit hook. */
static int
on_wal_commit(void *arg, sqlite3 *db, const char *schema, int frames)
{
	struct store_checkpointer *c = arg;

	if (frames >= STORE_CHECKPOINT_FORCE) {
		sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	} else if (frames >= STORE_CHECKPOINT_FRAMES) {
		pthread_mutex_lock(&c->lock);
		if (!c->due) {
			c->due = true;
			pthread_cond_signal(&c->wake);
		}
		pthread_mutex_unlock(&c->lock);
	}
	return SQLITE_OK;
}

struct store_checkpointer *
store_checkpointer_start(sqlite3 *writer, const char *path, char **err)
{
	struct store_checkpointer *c = xcalloc(1, sizeof(*c));
	struct buf b = BUF_INIT;

	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		buf_printf(&b, "cannot open %s for checkpoints: %s", path,
		    c->db ? sqlite3_errmsg(c->db) : "out of memory");
		sqlite3_close(c->db);
		free(c);
		*err = buf_steal(&b);
		return NULL;
	}
	sqlite3_busy_timeout(c->db, 5000);
	/* a connection that has read nothing yet has not opened the WAL, and
	 * its checkpoints would do nothing */
	sqlite3_exec(c->db, "PRAGMA schema_version", NULL, NULL, NULL);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	if (pthread_create(&c->thread, NULL, checkpoint_thread, c) != 0)
		log_fatal("cannot start the checkpoint thread");
	sqlite3_wal_hook(writer, on_wal_commit, c);    /* replaces wal_autocheckpoint */
	return c;
}

void
store_checkpointer_stop(struct store_checkpointer *c, sqlite3 *writer)
{
	if (c == NULL)
		return;
	sqlite3_wal_hook(writer, NULL, NULL);
	pthread_mutex_lock(&c->lock);
	c->quit = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	sqlite3_close(c->db);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->wake);
	free(c);
}
