/*
 * store_schema.c: the database schema, as numbered migrations.
 *
 * Migration N takes a file at schema_version N-1 to N.  They run at start
 * in store_open(), each inside its own transaction, in order; a file
 * from a newer crier (a version above the last one here) is refused.
 * Never edit a migration that has shipped: add the next one.
 *
 * Times are UTC Unix seconds.  Text is UTF-8.  Since migration 5 the
 * search index is not in this file: triggers queue every change to a
 * post in search_queue, and store_search.c keeps the index in its own
 * file beside this one (crier.db -> crier-search.db).  posts.text is
 * no longer written.
 */
#include "store.h"

const char *const store_migrations[] = {
	/* 1: feeds, teams, posts, tags, full-text search */
	"CREATE TABLE teams (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  slug TEXT NOT NULL UNIQUE,\n"
	"  name TEXT,\n"
	"  description TEXT,\n"
	"  created_at INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE feeds (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  url TEXT NOT NULL UNIQUE,\n"
	"  name TEXT,\n"
	"  title TEXT,\n"
	"  site_url TEXT,\n"
	"  etag TEXT,\n"
	"  last_modified TEXT,\n"
	"  body_hash TEXT,\n"
	"  tags TEXT,\n"
	"  team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,\n"
	"  interval INTEGER NOT NULL DEFAULT 0,\n"
	"  next_fetch_at INTEGER NOT NULL DEFAULT 0,\n"
	"  last_fetch_at INTEGER NOT NULL DEFAULT 0,\n"
	"  last_success_at INTEGER NOT NULL DEFAULT 0,\n"
	"  failing_since INTEGER NOT NULL DEFAULT 0,\n"
	"  error_count INTEGER NOT NULL DEFAULT 0,\n"
	"  last_error TEXT,\n"
	"  last_status INTEGER NOT NULL DEFAULT 0,\n"
	"  gone INTEGER NOT NULL DEFAULT 0,\n"
	"  active INTEGER NOT NULL DEFAULT 1,\n"
	"  origin TEXT NOT NULL DEFAULT 'runtime' CHECK (origin IN ('config', 'runtime')),\n"
	"  created_at INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX feeds_due ON feeds(next_fetch_at) WHERE active AND NOT gone;\n"
	"CREATE TABLE posts (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  feed_id INTEGER REFERENCES feeds(id) ON DELETE CASCADE,\n"
	"  team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,\n"
	"  guid TEXT NOT NULL,\n"
	"  url TEXT,\n"
	"  title TEXT,\n"
	"  author TEXT,\n"
	"  authors TEXT,\n"
	"  content_html TEXT,\n"
	"  text TEXT,\n"
	"  summary TEXT,\n"
	"  summary_html TEXT,\n"
	"  published_at INTEGER NOT NULL,\n"
	"  updated_at INTEGER NOT NULL,\n"
	"  fetched_at INTEGER NOT NULL,\n"
	"  week TEXT NOT NULL,\n"
	"  content_hash TEXT NOT NULL,\n"
	"  kind TEXT NOT NULL DEFAULT 'feed' CHECK (kind IN ('feed', 'local')),\n"
	"  status TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'draft', 'deleted')),\n"
	"  slug TEXT,\n"
	"  markdown TEXT\n"
	");\n"
	"CREATE UNIQUE INDEX posts_feed_guid ON posts(feed_id, guid);\n"
	"CREATE INDEX posts_river ON posts(published_at DESC, id DESC) WHERE status = 'published';\n"
	"CREATE INDEX posts_feed_river ON posts(feed_id, published_at DESC, id DESC);\n"
	"CREATE INDEX posts_team_river ON posts(team_id, published_at DESC, id DESC) WHERE team_id IS NOT NULL;\n"
	"CREATE INDEX posts_week ON posts(week, published_at DESC);\n"
	"CREATE TABLE tags (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  slug TEXT NOT NULL UNIQUE,\n"
	"  label TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE post_tags (\n"
	"  post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,\n"
	"  tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,\n"
	"  origin TEXT NOT NULL CHECK (origin IN ('feed', 'rule', 'plugin', 'manual')),\n"
	"  PRIMARY KEY (post_id, tag_id)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX post_tags_tag ON post_tags(tag_id, post_id);\n"
	"CREATE VIRTUAL TABLE posts_fts USING fts5(\n"
	"  title, text, author,\n"
	"  content='posts', content_rowid='id',\n"
	"  tokenize='unicode61 remove_diacritics 2'\n"
	");\n"
	"CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN\n"
	"  INSERT INTO posts_fts(rowid, title, text, author)\n"
	"    VALUES (new.id, new.title, new.text, new.author);\n"
	"END;\n"
	"CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN\n"
	"  INSERT INTO posts_fts(posts_fts, rowid, title, text, author)\n"
	"    VALUES ('delete', old.id, old.title, old.text, old.author);\n"
	"END;\n"
	"CREATE TRIGGER posts_fts_update AFTER UPDATE OF title, text, author ON posts BEGIN\n"
	"  INSERT INTO posts_fts(posts_fts, rowid, title, text, author)\n"
	"    VALUES ('delete', old.id, old.title, old.text, old.author);\n"
	"  INSERT INTO posts_fts(rowid, title, text, author)\n"
	"    VALUES (new.id, new.title, new.text, new.author);\n"
	"END;\n",

	/* 2: publishing: people, tokens, sessions, media, Micropub source, the outbox */
	"ALTER TABLE posts ADD COLUMN properties TEXT;\n"
	"ALTER TABLE teams ADD COLUMN origin TEXT NOT NULL DEFAULT 'config';\n"
	"CREATE INDEX posts_local ON posts(team_id, status, updated_at DESC) WHERE kind = 'local';\n"
	"CREATE TABLE users (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL UNIQUE,\n"
	"  team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,\n"
	"  admin INTEGER NOT NULL DEFAULT 0,\n"
	"  password_hash TEXT NOT NULL,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  last_login_at INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE TABLE tokens (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,\n"
	"  name TEXT,\n"
	"  scopes TEXT NOT NULL,\n"
	"  hash TEXT NOT NULL UNIQUE,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  last_used_at INTEGER NOT NULL DEFAULT 0,\n"
	"  revoked_at INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE TABLE sessions (\n"
	"  hash TEXT PRIMARY KEY,\n"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
	"  csrf TEXT NOT NULL,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  expires_at INTEGER NOT NULL\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE media (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,\n"
	"  sha256 TEXT NOT NULL,\n"
	"  content_type TEXT NOT NULL,\n"
	"  size INTEGER NOT NULL,\n"
	"  data BLOB NOT NULL,\n"
	"  created_at INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE outbox (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  url TEXT NOT NULL,\n"
	"  content_type TEXT NOT NULL,\n"
	"  body BLOB NOT NULL,\n"
	"  headers TEXT,\n"
	"  purpose TEXT NOT NULL,\n"
	"  attempts INTEGER NOT NULL DEFAULT 0,\n"
	"  next_attempt_at INTEGER NOT NULL DEFAULT 0,\n"
	"  last_error TEXT,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  done_at INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE done_at = 0;\n",

	/*
	 * 3: the search index is filled in bulk (store_index_pending) instead of
	 * row by row: one INSERT ... SELECT for a round of feeds costs a third
	 * of per-row trigger inserts.  fts_upto is the highest post id indexed;
	 * the update and delete triggers touch only rows at or below it (telling
	 * FTS5 to delete a row it never indexed would corrupt the index).
	 */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;\n"
	"INSERT INTO meta (key, value) VALUES ('fts_upto', coalesce((SELECT max(id) FROM posts), 0));\n"
	"DROP TRIGGER posts_fts_insert;\n"
	"DROP TRIGGER posts_fts_delete;\n"
	"DROP TRIGGER posts_fts_update;\n"
	"CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts\n"
	"WHEN old.id <= (SELECT value FROM meta WHERE key = 'fts_upto') BEGIN\n"
	"  INSERT INTO posts_fts(posts_fts, rowid, title, text, author)\n"
	"    VALUES ('delete', old.id, old.title, old.text, old.author);\n"
	"END;\n"
	"CREATE TRIGGER posts_fts_update AFTER UPDATE OF title, text, author ON posts\n"
	"WHEN old.id <= (SELECT value FROM meta WHERE key = 'fts_upto') BEGIN\n"
	"  INSERT INTO posts_fts(posts_fts, rowid, title, text, author)\n"
	"    VALUES ('delete', old.id, old.title, old.text, old.author);\n"
	"  INSERT INTO posts_fts(rowid, title, text, author)\n"
	"    VALUES (new.id, new.title, new.text, new.author);\n"
	"END;\n",

	/*
	 * 4: digests.  A digest is a curated, ordered list of posts with an
	 * editor's note each.  digest_sends keeps one row per recipient of its
	 * email, so a failed send is retried and reported and a second send
	 * can be refused.  A weekly [digest NAME] section makes at most one
	 * draft per week: the partial unique index holds that even when two
	 * processes tick at once.  digest_unsubscribes holds the people who
	 * left a section's list (one-click unsubscribe), digest_keys the
	 * secret their unsubscribe links are signed with.
	 */
	"CREATE TABLE digests (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  slug TEXT NOT NULL UNIQUE,\n"
	"  title TEXT NOT NULL,\n"
	"  intro TEXT,\n"
	"  intro_html TEXT,\n"
	"  week TEXT NOT NULL,\n"
	"  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'published')),\n"
	"  scheduled_at INTEGER NOT NULL DEFAULT 0,\n"
	"  published_at INTEGER NOT NULL DEFAULT 0,\n"
	"  send_on_publish INTEGER NOT NULL DEFAULT 0,\n"
	"  section TEXT,\n"
	"  origin TEXT NOT NULL DEFAULT 'manual' CHECK (origin IN ('manual', 'schedule')),\n"
	"  created_at INTEGER NOT NULL,\n"
	"  updated_at INTEGER NOT NULL\n"
	");\n"
	"CREATE UNIQUE INDEX digests_schedule_week ON digests(section, week) WHERE origin = 'schedule';\n"
	"CREATE INDEX digests_published ON digests(published_at DESC, id DESC) WHERE status = 'published';\n"
	"CREATE INDEX digests_due ON digests(scheduled_at) WHERE status = 'scheduled';\n"
	"CREATE TABLE digest_items (\n"
	"  digest_id INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,\n"
	"  post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,\n"
	"  position INTEGER NOT NULL,\n"
	"  note TEXT,\n"
	"  note_html TEXT,\n"
	"  PRIMARY KEY (digest_id, post_id)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX digest_items_order ON digest_items(digest_id, position);\n"
	"CREATE INDEX digest_items_post ON digest_items(post_id);\n"
	"CREATE TABLE digest_sends (\n"
	"  digest_id INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,\n"
	"  recipient TEXT NOT NULL,\n"
	"  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),\n"
	"  attempts INTEGER NOT NULL DEFAULT 0,\n"
	"  last_error TEXT,\n"
	"  next_attempt_at INTEGER NOT NULL DEFAULT 0,\n"
	"  sent_at INTEGER NOT NULL DEFAULT 0,\n"
	"  message_id TEXT,\n"
	"  PRIMARY KEY (digest_id, recipient)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX digest_sends_due ON digest_sends(next_attempt_at) WHERE status = 'pending';\n"
	"CREATE TABLE digest_unsubscribes (\n"
	"  section TEXT NOT NULL,\n"
	"  address TEXT NOT NULL,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  PRIMARY KEY (section, address)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE digest_keys (name TEXT PRIMARY KEY, secret BLOB NOT NULL) WITHOUT ROWID;\n"
	"INSERT INTO digest_keys (name, secret) VALUES ('unsubscribe', randomblob(32));\n",

	/*
	 * 5: the search index moves to its own file (store_search.c), so that
	 * indexing, the costliest part of storing a post, runs on its own
	 * connection and thread instead of holding this file's write lock:
	 * a cold fetch of the bench corpus spent 40% of the writer's time in
	 * the index and in posts.text (36% of the bytes written), which is
	 * dropped.  Triggers queue each change; the indexer reads the queue
	 * and the posts (it takes the text from content_html) and records how
	 * far it got in the index file.  A new index file re-queues every
	 * post (store_search.c), so this migration queues nothing.
	 */
	"DROP TRIGGER posts_fts_delete;\n"
	"DROP TRIGGER posts_fts_update;\n"
	"DROP TABLE posts_fts;\n"
	"DELETE FROM meta WHERE key = 'fts_upto';\n"
	/* the index file records which store it indexes (store_search.c) */
	"INSERT INTO meta (key, value) VALUES ('store_id', abs(random()));\n"
	"UPDATE posts SET text = NULL WHERE text IS NOT NULL;\n"
	"CREATE TABLE search_queue (\n"
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  post_id INTEGER NOT NULL\n"
	");\n"
	"CREATE TRIGGER search_queue_insert AFTER INSERT ON posts BEGIN\n"
	"  INSERT INTO search_queue (post_id) VALUES (new.id);\n"
	"END;\n"
	"CREATE TRIGGER search_queue_update AFTER UPDATE OF title, author, content_html, summary ON posts BEGIN\n"
	"  INSERT INTO search_queue (post_id) VALUES (new.id);\n"
	"END;\n"
	"CREATE TRIGGER search_queue_delete AFTER DELETE ON posts BEGIN\n"
	"  INSERT INTO search_queue (post_id) VALUES (old.id);\n"
	"END;\n",
};

const int store_migrations_count = (int)(sizeof(store_migrations) / sizeof(store_migrations[0]));
