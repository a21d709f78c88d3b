/*
 * cmd_token.c: `crier team add|list` and `crier token new|list|revoke`,
 * the commands that let a team publish through Micropub.
 *
 * A token is printed once, when it is made; the store keeps only its
 * SHA-256 (auth.h), so a lost token is revoked and replaced, never
 * recovered.  Scopes say what a token may do: create, update, delete
 * (and undelete), media (upload to the media endpoint).
 */
#include "cmd.h"
#include "auth.h"
#include "config.h"
#include "crier.h"
#include "micropub.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEAM_SLUG_MAX 64

static const char team_help[] =
    "usage: crier team add SLUG [--name NAME] [--description TEXT]\n"
    "       crier team list [--json]\n"
    "\n"
    "add   makes a team that can publish (posts at /team/SLUG and its feeds);\n"
    "      SLUG is lowercase letters, digits and dashes.  Teams can also be\n"
    "      [team SLUG] sections of the config file.\n"
    "list  shows every team with its number of published posts\n";

static const char token_help[] =
    "usage: crier token new --team SLUG --scope SCOPES [--name NAME]\n"
    "       crier token list [--json]\n"
    "       crier token revoke ID\n"
    "\n"
    "new     makes a Micropub bearer token for a team and prints it once (only\n"
    "        its hash is kept).  SCOPES is a comma-separated list of create,\n"
    "        update, delete (delete and undelete) and media (uploads).\n"
    "list    shows every token: id, team, name, scopes, when it was made, last\n"
    "        used and revoked\n"
    "revoke  stops a token from working at once\n";

static bool
is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/* Reads "--opt VALUE" at argv[*i] into *out; true when it matched. */
static bool
option(int argc, char **argv, int *i, const char *name, const char **out, bool *missing)
{
	if (strcmp(argv[*i], name) != 0)
		return false;
	if (*i + 1 >= argc) {
		*missing = true;
		return true;
	}
	*out = argv[++*i];
	return true;
}

static bool
valid_slug(const char *slug)
{
	size_t i, n = strlen(slug);

	if (n == 0 || n > TEAM_SLUG_MAX || slug[0] == '-' || slug[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++) {
		char ch = slug[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			return false;
	}
	return true;
}

static json_t *
json_time(int64_t t)
{
	char rfc[32];

	if (t == 0)
		return json_null();
	util_rfc3339(t, rfc);
	return json_string(rfc);
}

/* ---------------------------------------------------------------- team */

static int
team_add(struct crier *c, int argc, char **argv)
{
	const char *slug = NULL, *name = NULL, *description = NULL;
	bool missing = false;
	int64_t id;
	int i;

	for (i = 2; i < argc; i++) {
		if (option(argc, argv, &i, "--name", &name, &missing) ||
		    option(argc, argv, &i, "--description", &description, &missing))
			continue;
		if (argv[i][0] == '-' || slug != NULL) {
			fprintf(stderr, "crier team add: unexpected argument \"%s\"\n", argv[i]);
			goto usage;
		}
		slug = argv[i];
	}
	if (missing) {
		fprintf(stderr, "crier team add: %s needs a value\n", argv[argc - 1]);
		goto usage;
	}
	if (slug == NULL || !valid_slug(slug)) {
		fprintf(stderr, "crier team add: %s%s%s\n", slug == NULL ? "which team? give a SLUG" :
		    "\"", slug == NULL ? "" : slug, slug == NULL ? "" :
		    "\" is not a slug (lowercase letters, digits and dashes, at most 64)");
		goto usage;
	}
	if (cmd_open(c, 1) == -1)
		return 1;
	if (store_team_find(c->store, slug, &id) == 0) {
		fprintf(stderr, "crier team add: team \"%s\" exists already (#%lld)\n", slug,
		    (long long)id);
		return 1;
	}
	if (store_team_upsert(c->store, slug, name, description, &id) == -1)
		return 1;
	printf("added team %s (#%lld): /team/%s\n", slug, (long long)id, slug);
	return 0;
usage:
	fputs(team_help, stderr);
	return 2;
}

static int
team_list(struct crier *c, int argc, char **argv)
{
	bool as_json = argc > 2 && strcmp(argv[2], "--json") == 0;
	json_t *teams, *t;
	size_t i;

	if (argc > (as_json ? 3 : 2)) {
		fprintf(stderr, "crier team list: unexpected argument \"%s\"\n", argv[argc - 1]);
		fputs(team_help, stderr);
		return 2;
	}
	if (cmd_open(c, 1) == -1)
		return 1;
	teams = store_teams(c->store);
	if (teams == NULL)
		return 1;
	if (as_json) {
		char *text = json_dumps(teams, JSON_INDENT(2));
		puts(text);
		free(text);
	} else if (json_array_size(teams) == 0) {
		puts("no teams yet (crier team add SLUG, or a [team SLUG] section in the config)");
	} else {
		json_array_foreach(teams, i, t) {
			json_int_t n = json_integer_value(json_object_get(t, "post_count"));
			printf("%s  %s  %lld post%s\n", json_string_value(json_object_get(t, "slug")),
			    json_string_value(json_object_get(t, "name")), (long long)n, n == 1 ? "" : "s");
		}
	}
	json_decref(teams);
	return 0;
}

int
cmd_team(struct crier *c, int argc, char **argv)
{
	if (argc < 2 || is_help(argv[1])) {
		fputs(team_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (argc > 2 && is_help(argv[2])) {
		fputs(team_help, stdout);
		return 0;
	}
	if (strcmp(argv[1], "add") == 0)
		return team_add(c, argc, argv);
	if (strcmp(argv[1], "list") == 0)
		return team_list(c, argc, argv);
	fprintf(stderr, "crier team: unknown subcommand \"%s\"\n%s", argv[1], team_help);
	return 2;
}

/* ---------------------------------------------------------------- token */

/*
 * "create,update" (commas or spaces) into the stored form "create update",
 * in the canonical order; false with the bad word in *bad.
 */
static bool
parse_scopes(const char *list, struct buf *out, const char **bad)
{
	static char word[64];
	bool want[NELEM(micropub_scopes)] = { false };
	const char *p = list;
	size_t i, n;
	bool known;

	while (*p) {
		p += strspn(p, ", ");
		n = strcspn(p, ", ");
		if (n == 0)
			break;
		known = false;
		for (i = 0; i < NELEM(micropub_scopes); i++) {
			if (strlen(micropub_scopes[i]) == n && strncmp(p, micropub_scopes[i], n) == 0) {
				want[i] = true;
				known = true;
			}
		}
		if (!known) {
			snprintf(word, sizeof(word), "%.*s", (int)(n < 60 ? n : 60), p);
			*bad = word;
			return false;
		}
		p += n;
	}
	for (i = 0; i < NELEM(micropub_scopes); i++) {
		if (want[i])
			buf_printf(out, "%s%s", out->len ? " " : "", micropub_scopes[i]);
	}
	*bad = "";
	return out->len > 0;
}

static int
token_new(struct crier *c, int argc, char **argv)
{
	const char *team = NULL, *scope = NULL, *name = NULL, *bad;
	char secret[AUTH_SECRET_CHARS + 1], hash[65];
	struct buf scopes = BUF_INIT;
	bool missing = false;
	int64_t team_id, id;
	int i, rc = 2;

	for (i = 2; i < argc; i++) {
		if (option(argc, argv, &i, "--team", &team, &missing) ||
		    option(argc, argv, &i, "--scope", &scope, &missing) ||
		    option(argc, argv, &i, "--name", &name, &missing))
			continue;
		fprintf(stderr, "crier token new: unexpected argument \"%s\"\n", argv[i]);
		goto usage;
	}
	if (missing) {
		fprintf(stderr, "crier token new: %s needs a value\n", argv[argc - 1]);
		goto usage;
	}
	if (team == NULL || scope == NULL) {
		fprintf(stderr, "crier token new: %s\n", team == NULL ? "which team? (--team SLUG)" :
		    "which scopes? (--scope create,update,delete,media)");
		goto usage;
	}
	if (!parse_scopes(scope, &scopes, &bad)) {
		fprintf(stderr, "crier token new: unknown scope \"%s\" (scopes are create, update, "
		    "delete and media)\n", bad);
		goto usage;
	}
	rc = 1;
	if (cmd_open(c, 1) == -1)
		goto done;
	if (store_team_find(c->store, team, &team_id) != 0) {
		fprintf(stderr, "crier token new: no team \"%s\" (crier team add %s)\n", team, team);
		goto done;
	}
	auth_secret_new("crier_", secret, sizeof(secret), hash);
	if (store_token_add(c->store, team_id, name, buf_str(&scopes), hash, &id) == -1)
		goto done;
	printf("%s\n", secret);
	fprintf(stderr, "token #%lld for team %s (scopes: %s). This is the only time it is shown: "
	    "keep it somewhere safe.\n", (long long)id, team, buf_str(&scopes));
	rc = 0;
done:
	sodium_memzero(secret, sizeof(secret));
	buf_free(&scopes);
	return rc;
usage:
	fputs(token_help, stderr);
	buf_free(&scopes);
	return 2;
}

static int
token_list(struct crier *c, int argc, char **argv)
{
	bool as_json = argc > 2 && strcmp(argv[2], "--json") == 0;
	json_t *tokens, *t, *out;
	char made[32], used[32], revoked[32];
	size_t i;

	if (argc > (as_json ? 3 : 2)) {
		fprintf(stderr, "crier token list: unexpected argument \"%s\"\n", argv[argc - 1]);
		fputs(token_help, stderr);
		return 2;
	}
	if (cmd_open(c, 1) == -1)
		return 1;
	tokens = store_tokens(c->store);
	if (tokens == NULL)
		return 1;
	out = json_array();
	if (!as_json)
		printf("%-4s %-16s %-20s %-28s %-20s %-20s %s\n", "ID", "TEAM", "NAME", "SCOPES",
		    "CREATED", "LAST USED", "REVOKED");
	json_array_foreach(tokens, i, t) {
		int64_t created = json_integer_value(json_object_get(t, "created_at"));
		int64_t last = json_integer_value(json_object_get(t, "last_used_at"));
		int64_t rev = json_integer_value(json_object_get(t, "revoked_at"));
		const char *name = json_string_value(json_object_get(t, "name"));
		json_array_append_new(out, json_pack("{s:O, s:O, s:s?, s:O, s:o, s:o, s:o, s:b}",
		    "id", json_object_get(t, "id"), "team", json_object_get(t, "team"), "name", name,
		    "scopes", json_object_get(t, "scopes"), "created_at", json_time(created),
		    "last_used_at", json_time(last), "revoked_at", json_time(rev), "revoked", rev != 0));
		util_rfc3339(created, made);
		if (last != 0)
			util_rfc3339(last, used);
		if (rev != 0)
			util_rfc3339(rev, revoked);
		if (!as_json)
			printf("%-4lld %-16s %-20s %-28s %-20s %-20s %s\n",
			    (long long)json_integer_value(json_object_get(t, "id")),
			    json_string_value(json_object_get(t, "team")), name != NULL ? name : "-",
			    json_string_value(json_object_get(t, "scopes")), made,
			    last != 0 ? used : "never", rev != 0 ? revoked : "-");
	}
	if (as_json) {
		char *text = json_dumps(out, JSON_INDENT(2));
		puts(text);
		free(text);
	}
	json_decref(out);
	json_decref(tokens);
	return 0;
}

static int
token_revoke(struct crier *c, int argc, char **argv)
{
	char *end;
	long long id;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "crier token revoke: which token? give its ID (crier token list)\n");
		fputs(token_help, stderr);
		return 2;
	}
	errno = 0;
	id = strtoll(argv[2], &end, 10);
	if (errno != 0 || *end != '\0' || id <= 0) {
		fprintf(stderr, "crier token revoke: \"%s\" is not a token ID\n", argv[2]);
		return 2;
	}
	if (cmd_open(c, 1) == -1)
		return 1;
	rc = store_token_revoke(c->store, id, util_now());
	if (rc == -1)
		return 1;
	if (rc == 1) {
		fprintf(stderr, "crier token revoke: no token #%lld (or it is revoked already)\n", id);
		return 1;
	}
	printf("revoked token #%lld\n", id);
	return 0;
}

int
cmd_token(struct crier *c, int argc, char **argv)
{
	if (argc < 2 || is_help(argv[1])) {
		fputs(token_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (argc > 2 && is_help(argv[2])) {
		fputs(token_help, stdout);
		return 0;
	}
	if (strcmp(argv[1], "new") == 0)
		return token_new(c, argc, argv);
	if (strcmp(argv[1], "list") == 0)
		return token_list(c, argc, argv);
	if (strcmp(argv[1], "revoke") == 0)
		return token_revoke(c, argc, argv);
	fprintf(stderr, "crier token: unknown subcommand \"%s\"\n%s", argv[1], token_help);
	return 2;
}
