/*
 * cmd_post.c: `crier user add|passwd|list` (the people who write on the
 * web) and `crier post FILE.md` (publish a Markdown file as a team's
 * weeknote).
 *
 * Passwords are read without echo from a terminal, or as one line of
 * stdin (scripts, tests); only their argon2id hash reaches the store, and
 * neither the password nor the hash is ever printed or logged.  Posts go
 * through compose (the same rules as the web form) and pipeline_publish
 * (the one way into the store).
 */
#include "auth.h"
#include "cmd.h"
#include "compose.h"
#include "config.h"
#include "crier.h"
#include "log.h"
#include "markdown.h"
#include "pipeline.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PASSWORD_MIN_CHARS 10
#define PASSWORD_MAX_BYTES 512
#define USER_NAME_MAX 64
#define POST_FILE_MAX (MARKDOWN_MAX_BYTES + 64 * 1024)   /* the text plus its front matter */

static const char user_help[] =
    "usage: crier user add NAME --team SLUG [--admin] [--password-stdin]\n"
    "       crier user passwd NAME [--password-stdin]\n"
    "       crier user list [--json]\n"
    "\n"
    "add     adds a person who can log in at /write and write their team's\n"
    "        weeknotes; --admin may write for every team (--team is then optional)\n"
    "passwd  sets a new password (and logs the person out everywhere)\n"
    "list    shows everyone: name, team, admin, last login\n"
    "\n"
    "The password is asked for twice without echo on a terminal; otherwise\n"
    "(or with --password-stdin) it is the first line of stdin.  At least 10\n"
    "characters.  Only an argon2id hash of it is stored.\n"
    "NAME: 1 to 64 letters, digits and . _ @ + -\n";

static const char post_help[] =
    "usage: crier post FILE.md|- [--team SLUG] [--draft]\n"
    "\n"
    "Publishes a Markdown file (- reads stdin) as a weeknote of the team\n"
    "(--team may be left out when there is only one team) and prints its\n"
    "permalink.  An optional front matter block at the top sets the title,\n"
    "tags, date and draft state:\n"
    "\n"
    "  ---\n"
    "  title: Weeknotes 47\n"
    "  tags: weeknotes, forms\n"
    "  date: 2026-11-20\n"
    "  draft: false\n"
    "  ---\n"
    "\n"
    "Without a title there, a first line \"# Heading\" is the title.  A draft\n"
    "(draft: true or --draft) is saved but not shown anywhere until it is\n"
    "published from /write.\n";

static bool
is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/* ---------------------------------------------------------------- passwords */

static void
password_free(char *p)
{
	if (p != NULL) {
		sodium_memzero(p, strlen(p));
		free(p);
	}
}

/*
 * Reads a new password (twice on a terminal, unless from_stdin) and
 * hashes it into hash.  0, or -1 after saying why on stderr.
 */
static int
new_password_hash(const char *cmd, bool from_stdin, char hash[AUTH_HASH_MAX])
{
	bool twice = !from_stdin && isatty(STDIN_FILENO) == 1;
	char *pw = auth_read_password("New password: "), *again = NULL;
	int rc = -1;

	if (pw == NULL) {
		fprintf(stderr, "crier %s: no password given (an empty line, or nothing on stdin)\n", cmd);
		goto done;
	}
	if (strlen(pw) > PASSWORD_MAX_BYTES || util_utf8_chars(pw) < PASSWORD_MIN_CHARS ||
	    !util_utf8_valid(pw, strlen(pw))) {
		fprintf(stderr, "crier %s: the password must be %d to %d characters of UTF-8 text\n",
		    cmd, PASSWORD_MIN_CHARS, PASSWORD_MAX_BYTES);
		goto done;
	}
	if (twice) {
		again = auth_read_password("The same password again: ");
		if (again == NULL || !auth_equal(pw, again)) {
			fprintf(stderr, "crier %s: the two passwords differ; nothing changed\n", cmd);
			goto done;
		}
	}
	if (auth_password_hash(pw, hash) == -1) {
		fprintf(stderr, "crier %s: the password could not be hashed (out of memory?)\n", cmd);
		goto done;
	}
	rc = 0;
done:
	password_free(pw);
	password_free(again);
	return rc;
}

/* ---------------------------------------------------------------- crier user */

static bool
valid_user_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > USER_NAME_MAX)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@+-") == n;
}

/* Options shared by add and passwd. */
struct user_args {
	const char *name;
	const char *team;
	bool admin;
	bool password_stdin;
	bool json;
};

/* Parses argv[2..]; 0 or 2 (usage error, said on stderr). */
static int
user_options(const char *sub, int argc, char **argv, struct user_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--team") == 0 && i + 1 < argc && strcmp(sub, "add") == 0)
			a->team = argv[++i];
		else if (strcmp(argv[i], "--admin") == 0 && strcmp(sub, "add") == 0)
			a->admin = true;
		else if (strcmp(argv[i], "--password-stdin") == 0 && strcmp(sub, "list") != 0)
			a->password_stdin = true;
		else if (strcmp(argv[i], "--json") == 0 && strcmp(sub, "list") == 0)
			a->json = true;
		else if (argv[i][0] != '-' && a->name == NULL && strcmp(sub, "list") != 0)
			a->name = argv[i];
		else {
			fprintf(stderr, "crier user %s: unexpected argument \"%s\"\n", sub, argv[i]);
			return 2;
		}
	}
	if (strcmp(sub, "list") != 0 && a->name == NULL) {
		fprintf(stderr, "crier user %s: whose? (a NAME)\n", sub);
		return 2;
	}
	return 0;
}

static int
user_add(struct crier *c, const struct user_args *a)
{
	char hash[AUTH_HASH_MAX];
	struct user existing;
	int64_t team_id = 0, id;
	int rc;

	if (!valid_user_name(a->name)) {
		fprintf(stderr, "crier user add: \"%s\" is not a valid name (1 to 64 letters, digits "
		    "and . _ @ + -)\n", a->name);
		return 2;
	}
	if (a->team == NULL && !a->admin) {
		fprintf(stderr, "crier user add: which team does %s write for? (--team SLUG)\n", a->name);
		return 2;
	}
	if (cmd_open(c, 1) == -1)
		return 1;
	if (a->team != NULL) {
		rc = store_team_find(c->store, a->team, &team_id);
		if (rc != 0) {
			if (rc == 1)
				fprintf(stderr, "crier user add: there is no team \"%s\" (add a [team %s] "
				    "section, or crier team add)\n", a->team, a->team);
			return 1;
		}
	}
	memset(&existing, 0, sizeof(existing));
	rc = store_user_find(c->store, a->name, &existing);
	user_clear(&existing);
	if (rc == 0)
		fprintf(stderr, "crier user add: %s exists already (crier user passwd %s sets a new "
		    "password)\n", a->name, a->name);
	if (rc != 1)
		return 1;
	if (new_password_hash("user add", a->password_stdin, hash) == -1)
		return 1;
	rc = store_user_add(c->store, a->name, team_id, a->admin, hash, &id);
	sodium_memzero(hash, sizeof(hash));
	if (rc == 1) {
		fprintf(stderr, "crier user add: %s exists already (crier user passwd %s sets a new "
		    "password)\n", a->name, a->name);
		return 1;
	}
	if (rc == -1)
		return 1;
	log_info("user added", "user=%s team=%s admin=%s", log_quote(a->name),
	    a->team != NULL ? log_quote(a->team) : "-", a->admin ? "true" : "false");
	printf("added %s%s%s%s\n", a->name, a->team != NULL ? " to team " : "",
	    a->team != NULL ? a->team : "", a->admin ? " (admin)" : "");
	return 0;
}

static int
user_passwd(struct crier *c, const struct user_args *a)
{
	char hash[AUTH_HASH_MAX];
	struct user u;
	bool ok;
	int rc;

	if (cmd_open(c, 1) == -1)
		return 1;
	rc = store_user_find(c->store, a->name, &u);
	if (rc != 0) {
		if (rc == 1)
			fprintf(stderr, "crier user passwd: there is no user \"%s\" (crier user list)\n",
			    a->name);
		return 1;
	}
	if (new_password_hash("user passwd", a->password_stdin, hash) == -1) {
		user_clear(&u);
		return 1;
	}
	ok = store_user_set_password(c->store, u.id, hash) == 0 &&
	    store_sessions_end(c->store, u.id) == 0;
	sodium_memzero(hash, sizeof(hash));
	if (ok) {
		log_info("password changed", "user=%s", log_quote(a->name));
		printf("new password set for %s (logged out everywhere)\n", a->name);
	}
	user_clear(&u);
	return ok ? 0 : 1;
}

static void
print_time(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0) {
		snprintf(out, n, "never");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M UTC", &tm);
}

static int
user_list(struct crier *c, const struct user_args *a)
{
	json_t *users, *u;
	char when[32];
	size_t i;

	if (cmd_open(c, 1) == -1)
		return 1;
	users = store_users(c->store);
	if (users == NULL)
		return 1;
	if (a->json) {
		char *text = json_dumps(users, JSON_INDENT(2));
		puts(text);
		free(text);
	} else if (json_array_size(users) == 0) {
		puts("no users yet (crier user add NAME --team SLUG)");
	} else {
		printf("%-24s %-16s %-6s %s\n", "NAME", "TEAM", "ADMIN", "LAST LOGIN");
		json_array_foreach(users, i, u) {
			const char *team = json_string_value(json_object_get(u, "team"));
			print_time(json_integer_value(json_object_get(u, "last_login_at")), when, sizeof(when));
			printf("%-24s %-16s %-6s %s\n", json_string_value(json_object_get(u, "name")),
			    team != NULL ? team : "-",
			    json_is_true(json_object_get(u, "admin")) ? "yes" : "no", when);
		}
	}
	json_decref(users);
	return 0;
}

int
cmd_user(struct crier *c, int argc, char **argv)
{
	struct user_args a;
	const char *sub = argc > 1 ? argv[1] : NULL;
	int rc;

	if (sub == NULL || is_help(sub)) {
		fputs(user_help, sub == NULL ? stderr : stdout);
		return sub == NULL ? 2 : 0;
	}
	if (strcmp(sub, "add") != 0 && strcmp(sub, "passwd") != 0 && strcmp(sub, "list") != 0) {
		fprintf(stderr, "crier user: unknown subcommand \"%s\"\n%s", sub, user_help);
		return 2;
	}
	if (argc > 2 && is_help(argv[2])) {
		fputs(user_help, stdout);
		return 0;
	}
	rc = user_options(sub, argc, argv, &a);
	if (rc != 0) {
		fputs(user_help, stderr);
		return rc;
	}
	if (strcmp(sub, "add") == 0)
		return user_add(c, &a);
	if (strcmp(sub, "passwd") == 0)
		return user_passwd(c, &a);
	return user_list(c, &a);
}

/* ---------------------------------------------------------------- crier post */

/* The team to post for: the one named, or the only one.  0, or 1 after saying why. */
static int
post_team(struct crier *c, const char *slug, int64_t *team_id)
{
	json_t *teams;
	int rc;

	if (slug != NULL) {
		rc = store_team_find(c->store, slug, team_id);
		if (rc == 1)
			fprintf(stderr, "crier post: there is no team \"%s\" (add a [team %s] section)\n",
			    slug, slug);
		return rc == 0 ? 0 : 1;
	}
	teams = store_teams(c->store);
	if (teams == NULL)
		return 1;
	rc = 1;
	if (json_array_size(teams) == 1) {
		rc = store_team_find(c->store, json_string_value(json_object_get(json_array_get(teams, 0),
		    "slug")), team_id) == 0 ? 0 : 1;
	} else {
		fprintf(stderr, "crier post: which team? (--team SLUG; there are %zu teams)\n",
		    json_array_size(teams));
	}
	json_decref(teams);
	return rc;
}

/* Prints each broken rule as "FILE: field: sentence". */
static void
print_errors(const char *file, const struct compose *w)
{
	int f;

	for (f = 0; f < COMPOSE_NFIELDS; f++) {
		if (w->errors[f] == NULL)
			continue;
		fprintf(stderr, "crier post: %s: %s: %s%s\n", file, compose_field_names[f], w->errors[f],
		    f == COMPOSE_TITLE && w->title[0] == '\0' ?
		    " (a title: line in the front matter, or a first line \"# Title\")" : "");
	}
}

int
cmd_post(struct crier *c, int argc, char **argv)
{
	const char *file = NULL, *team = NULL, *err;
	struct buf text = BUF_INIT;
	struct compose w;
	struct publish_request rq;
	struct publish_result res;
	char *perr = NULL;
	bool draft = false;
	int64_t team_id;
	int i, rc = 1;

	memset(&w, 0, sizeof(w));
	for (i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			fputs(post_help, stdout);
			return 0;
		} else if (strcmp(argv[i], "--team") == 0 && i + 1 < argc) {
			team = argv[++i];
		} else if (strcmp(argv[i], "--draft") == 0) {
			draft = true;
		} else if ((argv[i][0] != '-' || strcmp(argv[i], "-") == 0) && file == NULL) {
			file = argv[i];
		} else {
			fprintf(stderr, "crier post: unexpected argument \"%s\"\n%s", argv[i], post_help);
			return 2;
		}
	}
	if (file == NULL) {
		fprintf(stderr, "crier post: which file? (FILE.md, or - for stdin)\n%s", post_help);
		return 2;
	}
	if (cmd_open(c, 1) == -1 || post_team(c, team, &team_id) != 0)
		return 1;
	if (util_read_file(file, &text, POST_FILE_MAX) == -1) {
		fprintf(stderr, "crier post: %s: %s\n", file, errno == EFBIG ?
		    "larger than a weeknote may be (512 KiB of text)" : strerror(errno));
		goto done;
	}
	if (compose_from_file(&w, buf_str(&text), text.len, &err) == -1) {
		fprintf(stderr, "crier post: %s: %s\n", file, err);
		goto done;
	}
	w.draft = w.draft || draft;
	if (compose_check(&w, util_now()) > 0) {
		print_errors(file, &w);
		goto done;
	}
	memset(&rq, 0, sizeof(rq));
	rq.team_id = team_id;
	compose_request(&w, &rq);
	if (pipeline_publish(c, &rq, &res, &perr) == -1) {
		fprintf(stderr, "crier post: %s: %s\n", file, perr);
		free(perr);
		goto done;
	}
	puts(res.permalink);
	if (w.draft)
		fprintf(stderr, "crier post: saved as a draft: it shows nowhere until it is published "
		    "at /write\n");
	free(res.permalink);
	rc = 0;
done:
	compose_clear(&w);
	buf_free(&text);
	return rc;
}
