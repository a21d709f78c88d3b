/* test_config.c: config files: values, defaults, and every error with its line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "util.h"

static char dir[] = "/tmp/crier-test-config-XXXXXX";

static struct config *
load(const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/crier.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return config_load(path);
}

static void
test_defaults(void **state)
{
	struct config *cfg = load("[crier]\n");

	(void)state;
	assert_int_equal(cfg->n_errors, 0);
	assert_int_equal(cfg->poll_interval, 1800);
	assert_int_equal(cfg->fetch_concurrency, 16);
	assert_int_equal(cfg->fetch_per_host, 2);
	assert_int_equal(cfg->max_feed_bytes, 16 * 1024 * 1024);
	assert_int_equal(cfg->max_backoff, 86400);
	assert_false(cfg->allow_private_addresses);
	assert_null(cfg->allow_private_hosts[0]);
	assert_null(cfg->proxy);
	assert_string_equal(cfg->listen, "127.0.0.1:8080");
	assert_string_equal(cfg->base_url, "http://127.0.0.1:8080/");
	config_free(cfg);
}

static void
test_values(void **state)
{
	struct config *cfg = load(
	    "; a comment\n"
	    "[crier]\n"
	    "data_dir = data\n"
	    "base_url = https://notes.example.gov.uk\n"
	    "poll_interval = 2h ; inline comment\n"
	    "allow_private_hosts = 127.0.0.1:8000, intranet\n"
	    "allow_private_addresses = yes\n"
	    "[team platform]\n"
	    "name = Platform team\n"
	    "[feed https://example.gov.uk/feed]\n"
	    "name = Example\n"
	    "tags = council, Open Data ,\n"
	    "team = platform\n"
	    "interval = 1h\n"
	    "[feed https://bare.example/feed]\n"
	    "[rule weeknotes]\n"
	    "title = week ?notes|week [0-9]+\n"
	    "tag = weeknotes, notes\n"
	    "[plugin webhook]\n"
	    "path = webhook.so\n"
	    "url = https://chat.example/hook\n");

	(void)state;
	assert_int_equal(cfg->n_errors, 0);
	assert_string_equal(cfg->data_dir + strlen(cfg->data_dir) - 5, "/data");
	assert_string_equal(cfg->base_url, "https://notes.example.gov.uk/");
	assert_int_equal(cfg->poll_interval, 7200);
	assert_string_equal(cfg->allow_private_hosts[0], "127.0.0.1:8000");
	assert_string_equal(cfg->allow_private_hosts[1], "intranet");
	assert_null(cfg->allow_private_hosts[2]);
	assert_true(cfg->allow_private_addresses);
	assert_int_equal(cfg->n_feeds, 2);
	assert_string_equal(cfg->feeds[0].name, "Example");
	assert_int_equal(cfg->feeds[0].n_tags, 2);
	assert_string_equal(cfg->feeds[0].tags[1], "Open Data");
	assert_string_equal(cfg->feeds[0].team, "platform");
	assert_int_equal(cfg->feeds[0].interval, 3600);
	assert_string_equal(cfg->feeds[1].url, "https://bare.example/feed");
	assert_int_equal(cfg->n_rules, 1);
	assert_string_equal(cfg->rules[0].pattern[RULE_TITLE], "week ?notes|week [0-9]+");
	assert_int_equal(cfg->rules[0].n_tags, 2);
	assert_int_equal(cfg->n_plugins, 1);
	assert_string_equal(config_section_get(&cfg->plugins[0], "url"), "https://chat.example/hook");
	config_free(cfg);
}

/* Each bad line must be reported with its own line number. */
static void
test_errors(void **state)
{
	static const struct { const char *text; const char *expect; } cases[] = {
		{ "[crier]\nbogus = 1\n", ":2: unknown key \"bogus\"" },
		{ "[crier]\npoll_interval = soon\n", ":2: poll_interval: \"soon\" is not a duration" },
		{ "[crier]\nfetch_concurrency = 0\n", ":2: fetch_concurrency = 0 is out of range" },
		{ "[crier]\nallow_private_addresses = perhaps\n", ":2: allow_private_addresses must be true or false" },
		{ "[crier]\nbase_url = notes.example\n", ":2: base_url must be an http:// or https:// URL" },
		{ "[crier]\nlog_level = loud\n", ":2: log_level must be debug" },
		{ "\n\n[feed ftp://x/]\n", ":3: [feed ftp://x/]: a feed URL must start" },
		{ "[feed https://a/]\n[feed https://a/]\n", ":2: [feed https://a/] is already defined at line 1" },
		{ "[rule r]\ntitle = (x\ntag = t\n", ":2: title: bad regular expression" },
		{ "[rule r]\ntag = t\n", ":1: [rule r] tests no field" },
		{ "[team Not A Slug]\n", ":1: [team Not A Slug]: a team name must be a slug" },
		{ "[feed https://a/]\nteam = ghost\n", ":1: team \"ghost\" has no [team ghost] section" },
		{ "[widgets]\n", ":1: unknown section [widgets]" },
		{ "key = outside\n", ":1: \"key\" is outside any section" },
		{ "[crier]\njust words\n", ":2: expected \"key = value\"" },
		{ "[crier\n", ":1: section header without ']'" },
		{ "[plugin x]\nurl = y\n", ":1: [plugin x] has no path" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		struct config *cfg = load(cases[i].text);
		size_t k;
		bool found = false;
		for (k = 0; k < cfg->n_errors; k++)
			found = found || strstr(cfg->errors[k], cases[i].expect) != NULL;
		if (!found)
			fail_msg("case %zu: want \"%s\", got \"%s\"", i, cases[i].expect,
			    cfg->n_errors ? cfg->errors[0] : "(no error)");
		config_free(cfg);
	}
}

static void
test_missing_file(void **state)
{
	struct config *cfg = config_load("/nonexistent/crier.conf");

	(void)state;
	assert_int_equal(cfg->n_errors, 1);
	assert_non_null(strstr(cfg->errors[0], "/nonexistent/crier.conf: cannot read"));
	config_free(cfg);
}

static void
test_long_line(void **state)
{
	struct buf b = BUF_INIT;
	struct config *cfg;
	int i;

	(void)state;
	buf_puts(&b, "[feed https://example.org/");
	for (i = 0; i < 300; i++)
		buf_putc(&b, 'a');
	buf_puts(&b, "]\nname = long URL\n");
	cfg = load(buf_str(&b));
	assert_int_equal(cfg->n_errors, 0);
	assert_int_equal(cfg->n_feeds, 1);
	assert_int_equal(strlen(cfg->feeds[0].url), strlen("https://example.org/") + 300);
	config_free(cfg);
	buf_free(&b);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/crier.conf", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_long_line),
	};
	return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
