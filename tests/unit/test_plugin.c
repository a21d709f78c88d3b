/*
 * test_plugin.c: the daemon's hook runners with the real example and
 * webhook plugins (the shared objects from the build tree, loaded by
 * plugin_load): the micropub and digest_published hooks, whose call
 * sites (Micropub, digests) are other modules', plus render values,
 * post_filter edits, drops and undo, and http_post reaching a real
 * store's outbox.  CRIER_BUILDDIR (set by make check) says where the
 * plugins are.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>

#include "config.h"
#include "crier.h"
#include "plugin.h"
#include "store.h"
#include "util.h"

struct fixture {
	char dir[64];
	char trace[128];
	struct crier c;
	struct plugins *ps;
};

static char *
read_all(const char *path)
{
	struct buf b = BUF_INIT;

	if (util_read_file(path, &b, 1 << 20) == -1) {
		buf_free(&b);
		return xstrdup("");
	}
	return buf_steal(&b);
}

/* Loads plugins from a config whose [plugin] sections are `sections`. */
static void
load(struct fixture *f, const char *sections, size_t want_refused)
{
	const char *builddir = getenv("CRIER_BUILDDIR");
	struct buf text = BUF_INIT;
	char path[160];
	FILE *fp;
	size_t refused = 99;

	snprintf(path, sizeof(path), "%s/crier.conf", f->dir);
	buf_printf(&text, "[crier]\ndata_dir = %s/data\nplugin_dir = %s/plugins/.libs\n%s", f->dir,
	    builddir != NULL ? builddir : ".", sections);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(buf_str(&text), fp);
	fclose(fp);
	buf_free(&text);
	f->c.cfg = config_load(path);
	assert_int_equal(f->c.cfg->n_errors, 0);
	f->ps = plugin_load(&f->c, f->c.cfg, NULL, &refused);
	assert_int_equal(refused, want_refused);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/crier-test-plugin-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->trace, sizeof(f->trace), "%s/trace", f->dir);
	pthread_mutex_init(&f->c.write_lock, NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	plugin_free(f->ps, f->c.store);
	store_close(f->c.store);
	config_free(f->c.cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static const char example_keys[] =
    "[plugin ex]\npath = example.so\ntrace = %s\ntag = from-example\nreject_word = lorem\n"
    "greeting = Hi\ndrop_title = casino\nfail_title = broken\n";

static void
load_example(struct fixture *f)
{
	char sections[512];

	snprintf(sections, sizeof(sections), example_keys, f->trace);
	load(f, sections, 0);
	assert_int_equal(plugin_count(f->ps), 1);
	assert_true(plugin_has(f->ps, CRIER_HOOK_MICROPUB));
}

/* micropub: a request is rejected with the plugin's reason, or edited. */
static void
test_micropub(void **state)
{
	static const struct {
		const char *content;
		int verdict;
		const char *category;           /* after the hook, or NULL */
	} cases[] = {
		{ "Hello world", 0, "from-example" },
		{ "Some LOREM ipsum", 1, NULL },
		{ NULL, 0, "from-example" },
	};
	struct fixture *f = *state;
	char *trace;
	size_t i;

	load_example(f);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *props = cases[i].content != NULL ?
		    json_pack("{s:[s]}", "content", cases[i].content) : json_object();
		char *reason = (char *)"unset";
		int verdict = plugin_run_micropub(f->ps, "create", NULL, props, &reason);
		assert_int_equal(verdict, cases[i].verdict);
		if (verdict == 1) {
			assert_string_equal(reason, "the content has a word this site does not accept");
			free(reason);
		} else {
			assert_null(reason);
			assert_string_equal(json_string_value(json_array_get(json_object_get(props, "category"), 0)),
			    cases[i].category);
		}
		json_decref(props);
	}
	trace = read_all(f->trace);
	assert_non_null(strstr(trace, "ex micropub action=create\n"));
	free(trace);
}

/* micropub {"html": ...} content objects are read through their member. */
static void
test_micropub_html_content(void **state)
{
	struct fixture *f = *state;
	json_t *props = json_pack("{s:[{s:s}]}", "content", "html", "<p>lorem</p>");
	char *reason = NULL;

	load_example(f);
	assert_int_equal(plugin_run_micropub(f->ps, "update", "https://x/post/1", props, &reason), 1);
	free(reason);
	json_decref(props);
}

/* digest_published: every item reaches the plugin. */
static void
test_digest(void **state)
{
	static const struct crier_digest_item items[] = {
		{ "First pick", "https://a/1", "Read this" },
		{ "Second pick", "https://a/2", NULL },
	};
	struct crier_digest d = { "week-47", "Week 47", "https://notes/digest/week-47", "Intro", items, 2 };
	struct fixture *f = *state;
	char *trace;

	load_example(f);
	plugin_run_digest_published(f->ps, &d);
	trace = read_all(f->trace);
	assert_non_null(strstr(trace, "ex digest_published slug=week-47 items=2\n"
	    "ex digest_item 0 title=First pick note=Read this\n"
	    "ex digest_item 1 title=Second pick note=-\n"));
	free(trace);
}

/* render: values land under plugins.NAME, with '-' as '_' in NAME. */
static void
test_render(void **state)
{
	struct fixture *f = *state;
	char sections[512];
	json_t *ctx = json_object();

	snprintf(sections, sizeof(sections), "[plugin my-ex]\npath = example.so\ngreeting = Hello\n");
	load(f, sections, 0);
	plugin_run_render(f->ps, "river", "/", ctx);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(ctx, "plugins"),
	    "my_ex"), "greeting")), "Hello");
	json_decref(ctx);
}

/* post_filter: tags added, a drop, a failure's edits undone. */
static void
test_post_filter(void **state)
{
	static const struct {
		const char *title;
		int verdict;
		const char *title_after;
		size_t n_tags;
	} cases[] = {
		{ "Plain", 0, "Plain", 2 },
		{ "Casino royale", 1, "Casino royale", 1 },
		{ "Broken post", 0, "Broken post", 1 },        /* the plugin failed: unchanged */
	};
	struct fixture *f = *state;
	size_t i;

	load_example(f);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena *a = arena_new();
		struct post p;
		memset(&p, 0, sizeof(p));
		p.guid = "g";
		p.title = cases[i].title;
		post_add_tag(a, &p, "Feed tag", TAG_FEED);
		assert_int_equal(plugin_run_post_filter(f->ps, NULL, &p, a), cases[i].verdict);
		assert_string_equal(p.title, cases[i].title_after);
		assert_int_equal(p.n_tags, cases[i].n_tags);
		if (cases[i].n_tags == 2) {
			assert_string_equal(p.tags[1].label, "from-example");
			assert_int_equal(p.tags[1].origin, TAG_PLUGIN);
		}
		arena_free(a);
	}
}

/* webhook on digest_published: the POST is queued, signed, and reaches the outbox. */
static void
test_webhook_outbox(void **state)
{
	static const struct crier_digest_item items[] = { { "Pick", "https://a/1", "Good" } };
	struct crier_digest d = { "w1", "Week 1", "https://notes/digest/w1", NULL, items, 1 };
	struct fixture *f = *state;
	struct buf out = BUF_INIT, want = BUF_INIT, path = BUF_INIT;
	const char *body = "{\"event\":\"digest_published\",\"digest\":{\"slug\":\"w1\",\"title\":\"Week 1\","
	    "\"url\":\"https://notes/digest/w1\",\"summary\":null,\"items\":[{\"title\":\"Pick\","
	    "\"url\":\"https://a/1\",\"note\":\"Good\"}]}}";
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char hex[2 * sizeof(mac) + 1];
	char *err = NULL;

	load(f, "[plugin hook]\npath = webhook.so\nurl = https://chat.example/hook\n"
	    "secret = 0123456789abcdef0123\n", 0);
	buf_printf(&path, "%s/data/crier.db", f->dir);
	f->c.store = store_open(buf_str(&path), STORE_WRITER, &err);
	assert_non_null(f->c.store);
	plugin_run_digest_published(f->ps, &d);
	plugin_flush(f->ps, f->c.store);
	assert_int_equal(store_query_text(f->c.store, "SELECT url, purpose, headers, body FROM outbox", &out), 0);
	/* HMAC-SHA256 keyed with the whole secret (any length) */
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)"0123456789abcdef0123", 20);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	buf_printf(&want, "https://chat.example/hook\tplugin hook\tX-Crier-Event: digest_published\n"
	    "X-Crier-Signature-256: sha256=%s\t%s\n", hex, body);
	assert_string_equal(buf_str(&out), buf_str(&want));
	buf_free(&out);
	buf_free(&want);
	buf_free(&path);
}

/* A refused plugin is counted and leaves nothing loaded. */
static void
test_refused(void **state)
{
	struct fixture *f = *state;

	load(f, "[plugin a]\npath = autotag.so\n[plugin b]\npath = missing.so\n", 2);
	assert_int_equal(plugin_count(f->ps), 0);
	assert_false(plugin_has(f->ps, CRIER_HOOK_POST_FILTER));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_micropub, setup, teardown),
		cmocka_unit_test_setup_teardown(test_micropub_html_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_webhook_outbox, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
