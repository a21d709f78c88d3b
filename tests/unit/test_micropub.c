/*
 * test_micropub.c: unit tests for daemon/micropub.c, the pure half of
 * the Micropub endpoint.
 *
 * Table-driven.  Expected JSON is written with single quotes for
 * readability (turned into double quotes before parsing; no case uses a
 * single quote in its data).  Decoded requests are compared as one JSON
 * summary: {type, action, url, token, properties, commands, files}.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "buf.h"
#include "markdown.h"
#include "micropub.h"
#include "pipeline.h"

/* JSON from a single-quoted literal. */
static json_t *
jq(const char *text)
{
	char *copy = strdup(text), *p;
	json_error_t err;
	json_t *v;

	for (p = copy; *p; p++) {
		if (*p == '\'')
			*p = '"';
	}
	v = json_loads(copy, JSON_DECODE_ANY, &err);
	if (v == NULL)
		fail_msg("bad expected JSON %s: %s", text, err.text);
	free(copy);
	return v;
}

static void
assert_json(const json_t *got, const char *want_text, const char *what)
{
	json_t *want = jq(want_text);

	if (!json_equal((json_t *)(uintptr_t)got, want)) {
		char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		char *w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		print_error("%s\n  got:  %s\n  want: %s\n", what, g ? g : "NULL", w);
		free(g);
		free(w);
		fail();
	}
	json_decref(want);
}

static const char *const action_names[] = { "create", "update", "delete", "undelete" };

/* Bytes as a JSON string, one code point per byte (U+0000..U+00FF). */
static json_t *
bytes_json(const char *data, size_t len)
{
	struct buf b = BUF_INIT;
	json_t *v;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c < 0x80) {
			buf_putc(&b, (char)c);
		} else {
			buf_putc(&b, (char)(0xc0 | (c >> 6)));
			buf_putc(&b, (char)(0x80 | (c & 0x3f)));
		}
	}
	v = json_stringn(buf_str(&b), b.len);
	buf_free(&b);
	return v;
}

/* One JSON object that says everything a decoded request holds. */
static json_t *
summary(const struct micropub_request *rq)
{
	json_t *s = json_object(), *files = json_array();
	size_t i;

	json_object_set_new(s, "type", json_string(rq->type));
	json_object_set_new(s, "action", json_string(action_names[rq->action]));
	if (rq->url != NULL)
		json_object_set_new(s, "url", json_string(rq->url));
	if (rq->access_token != NULL)
		json_object_set_new(s, "token", json_string(rq->access_token));
	if (json_object_size(rq->properties) > 0)
		json_object_set(s, "properties", rq->properties);
	if (json_object_size(rq->commands) > 0)
		json_object_set(s, "commands", rq->commands);
	if (rq->replace != NULL)
		json_object_set(s, "replace", rq->replace);
	if (rq->add != NULL)
		json_object_set(s, "add", rq->add);
	if (rq->remove != NULL)
		json_object_set(s, "delete", rq->remove);
	for (i = 0; i < rq->n_files; i++)
		json_array_append_new(files, json_pack("{s:s, s:s, s:s*, s:o}", "property",
		    rq->files[i].property, "filename", rq->files[i].filename, "type",
		    rq->files[i].content_type, "data", bytes_json(rq->files[i].data, rq->files[i].len)));
	if (rq->n_files > 0)
		json_object_set(s, "files", files);
	json_decref(files);
	return s;
}

#define FORM "application/x-www-form-urlencoded; charset=utf-8"
#define JSONT "application/json"
#define MP "multipart/form-data; boundary=XyZ"

struct decode_case {
	const char *content_type;
	const char *body;
	const char *want;       /* summary JSON, or NULL when it must fail */
	unsigned status;        /* when it fails */
	const char *error_has;  /* part of the description */
};

static const struct decode_case decode_cases[] = {
	/* micropub.rocks 100, 101, 102, 103, 104, 105, 107 (form-encoded) */
	{ FORM, "h=entry&content=Micropub+test+of+creating+a+basic+h-entry",
	  "{'type':'h-entry','action':'create','properties':{'content':['Micropub test of creating a basic h-entry']}}", 0, NULL },
	{ FORM, "h=entry&content=two&category[]=test1&category[]=test2",
	  "{'type':'h-entry','action':'create','properties':{'content':['two'],'category':['test1','test2']}}", 0, NULL },
	{ FORM, "h=entry&content=x&category%5B0%5D=test1&category%5B1%5D=test2",
	  "{'type':'h-entry','action':'create','properties':{'content':['x'],'category':['test1','test2']}}", 0, NULL },
	{ FORM, "h=entry&content[html]=%3Cp%3EThis+post+has+%3Cb%3Ebold%3C%2Fb%3E%3C%2Fp%3E",
	  "{'type':'h-entry','action':'create','properties':{'content':[{'html':'<p>This post has <b>bold</b></p>'}]}}", 0, NULL },
	{ FORM, "h=entry&content=p&photo=https%3A%2F%2Fmicropub.rocks%2Fmedia%2Fsunset.jpg",
	  "{'type':'h-entry','action':'create','properties':{'content':['p'],'photo':['https://micropub.rocks/media/sunset.jpg']}}", 0, NULL },
	{ FORM, "h=entry&content=p&photo[value]=https%3A%2F%2Fa.example%2Fs.jpg&photo[alt]=Photo+of+a+sunset",
	  "{'type':'h-entry','action':'create','properties':{'content':['p'],'photo':[{'value':'https://a.example/s.jpg','alt':'Photo of a sunset'}]}}", 0, NULL },
	{ FORM, "h=entry&content=one&category=test1",
	  "{'type':'h-entry','action':'create','properties':{'content':['one'],'category':['test1']}}", 0, NULL },
	/* h is optional; mp-* are commands; access_token is taken out; unknown properties kept */
	{ FORM, "content=hi&mp-slug=my-post&mp-photo-alt[]=a&access_token=crier_T&x-mood=happy",
	  "{'type':'h-entry','action':'create','token':'crier_T','properties':{'content':['hi'],'x-mood':['happy']},"
	  "'commands':{'mp-slug':['my-post'],'mp-photo-alt':['a']}}", 0, NULL },
	{ FORM, "h=entry&content=caf%C3%A9+%26+%3D+%2B&&=ignored&name",
	  "{'type':'h-entry','action':'create','properties':{'content':['café & = +'],'name':['']}}", 0, NULL },
	{ FORM, "content=100%+sure%zz",
	  "{'type':'h-entry','action':'create','properties':{'content':['100% sure%zz']}}", 0, NULL },
	{ FORM, "h=event&name=Meetup",
	  "{'type':'h-event','action':'create','properties':{'name':['Meetup']}}", 0, NULL },
	/* 500, 502: delete and undelete, form-encoded */
	{ FORM, "action=delete&url=https%3A%2F%2Fx.example%2Fpost%2F1",
	  "{'type':'h-entry','action':'delete','url':'https://x.example/post/1'}", 0, NULL },
	{ FORM, "action=undelete&url=https%3A%2F%2Fx.example%2Fpost%2F1",
	  "{'type':'h-entry','action':'undelete','url':'https://x.example/post/1'}", 0, NULL },
	/* JSON: 200, 201, 202, 204 (nested object kept), 205, 206 */
	{ JSONT, "{\"type\":[\"h-entry\"],\"properties\":{\"content\":[\"json\"],\"category\":[\"a\",\"b\"]}}",
	  "{'type':'h-entry','action':'create','properties':{'content':['json'],'category':['a','b']}}", 0, NULL },
	{ JSONT, "{\"type\":[\"h-entry\"],\"properties\":{\"content\":[{\"html\":\"<b>x</b>\"}]}}",
	  "{'type':'h-entry','action':'create','properties':{'content':[{'html':'<b>x</b>'}]}}", 0, NULL },
	{ JSONT, "{\"type\":[\"h-entry\"],\"properties\":{\"summary\":[\"Weighed 70.64 kg\"],\"x-weight\":[{\"type\":[\"h-measure\"],"
	  "\"properties\":{\"num\":[\"70.64\"],\"unit\":[\"kg\"]}}]}}",
	  "{'type':'h-entry','action':'create','properties':{'summary':['Weighed 70.64 kg'],'x-weight':[{'type':['h-measure'],"
	  "'properties':{'num':['70.64'],'unit':['kg']}}]}}", 0, NULL },
	{ JSONT, "{\"type\":[\"h-entry\"],\"properties\":{\"photo\":[{\"value\":\"https://a/s.jpg\",\"alt\":\"Sunset\"}],"
	  "\"mp-slug\":[\"s\"],\"access_token\":[\"no\"]}}",
	  "{'type':'h-entry','action':'create','properties':{'photo':[{'value':'https://a/s.jpg','alt':'Sunset'}]},"
	  "'commands':{'mp-slug':['s']}}", 0, NULL },
	{ JSONT, "{\"properties\":{\"content\":[\"no type\"]}}",
	  "{'type':'h-entry','action':'create','properties':{'content':['no type']}}", 0, NULL },
	/* 400-404, 501, 503: JSON actions */
	{ JSONT, "{\"action\":\"update\",\"url\":\"u\",\"replace\":{\"content\":[\"new\"]}}",
	  "{'type':'h-entry','action':'update','url':'u','replace':{'content':['new']}}", 0, NULL },
	{ JSONT, "{\"action\":\"update\",\"url\":\"u\",\"add\":{\"category\":[\"t2\"]},\"delete\":[\"category\"]}",
	  "{'type':'h-entry','action':'update','url':'u','add':{'category':['t2']},'delete':['category']}", 0, NULL },
	{ JSONT, "{\"action\":\"update\",\"url\":\"u\",\"delete\":{\"category\":[\"t2\"]}}",
	  "{'type':'h-entry','action':'update','url':'u','delete':{'category':['t2']}}", 0, NULL },
	{ JSONT, "{\"action\":\"delete\",\"url\":\"u\"}", "{'type':'h-entry','action':'delete','url':'u'}", 0, NULL },
	{ JSONT, "{\"action\":\"undelete\",\"url\":\"u\"}", "{'type':'h-entry','action':'undelete','url':'u'}", 0, NULL },
	{ "Application/JSON ; charset=utf-8", "{\"properties\":{}}", "{'type':'h-entry','action':'create'}", 0, NULL },

	/* failures */
	{ JSONT, "{\"action\":\"update\",\"url\":\"u\",\"replace\":\"This is not a valid update request.\"}", NULL, 400, "replace must be" },
	{ JSONT, "{\"action\":\"update\",\"url\":\"u\",\"replace\":{\"content\":\"not an array\"}}", NULL, 400, "replace must be" },
	{ JSONT, "{\"action\":\"update\",\"url\":\"u\",\"add\":[\"x\"]}", NULL, 400, "add must be" },
	{ JSONT, "{\"action\":\"update\",\"url\":\"u\",\"delete\":[1]}", NULL, 400, "delete must" },
	{ JSONT, "{\"action\":\"update\",\"url\":\"u\"}", NULL, 400, "needs replace, add or delete" },
	{ JSONT, "{\"action\":\"update\",\"replace\":{}}", NULL, 400, "needs the post's url" },
	{ JSONT, "{\"action\":\"publish\",\"url\":\"u\"}", NULL, 400, "unknown action" },
	{ JSONT, "{\"action\":5}", NULL, 400, "action must be a string" },
	{ JSONT, "{\"type\":[\"h-entry\"],\"properties\":{\"content\":\"flat\"}}", NULL, 400, "must be an array" },
	{ JSONT, "{\"type\":\"h-entry\",\"properties\":{}}", NULL, 400, "type must be an array" },
	{ JSONT, "{\"type\":[\"h-entry\"]}", NULL, 400, "needs a properties object" },
	{ JSONT, "{\"type\":[\"h-entry\"],\"properties\":{\"content\":[\"x\"]}", NULL, 400, "malformed" },
	{ JSONT, "[1,2]", NULL, 400, "must be an object" },
	{ JSONT, "", NULL, 400, "malformed" },
	{ JSONT, "{\"properties\":{\"content\":[\"\\u0000\"]}}", NULL, 400, "malformed" },
	{ FORM, "action=update&url=u&replace[content]=x", NULL, 400, "updates are sent as JSON" },
	{ FORM, "action=delete", NULL, 400, "needs the post's url" },
	{ FORM, "access_token=a&access_token=b&content=x", NULL, 400, "two different access tokens" },
	{ FORM, "content=%FF%FE", NULL, 400, "not UTF-8" },
	{ FORM, "content=a%00b", NULL, 400, "not UTF-8" },
	{ "text/plain", "content=x", NULL, 415, "application/x-www-form-urlencoded" },
	{ NULL, "content=x", NULL, 415, "multipart/form-data" },
	{ "multipart/form-data", "--XyZ\r\n", NULL, 400, "boundary" },
	{ "multipart/form-data; boundary=", "x", NULL, 400, "boundary" },
	{ MP, "no boundary in here", NULL, 400, "does not contain its boundary" },
	{ MP, "--XyZ\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\nhello", NULL, 400, "no closing boundary" },
	{ MP, "--XyZ\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n", NULL, 400, "with a name" },
	{ MP, "--XyZ\r\nContent-Disposition: form-data; name=\"content\"\r\nhello\r\n--XyZ--", NULL, 400, "do not end" },
	{ MP, "--XyZ\r\nContent-Disposition: form-data; name=\"c\"\r\nhello\r\n\r\nx\r\n--XyZ--", NULL, 400, "no colon" },
	{ MP, "--XyZ junk", NULL, 400, "not followed by CRLF" },
};

/* Multipart cases (micropub.rocks 300, 301, and Micro.blog's shape). */
static const struct decode_case multipart_cases[] = {
	{ MP, "preamble\r\n--XyZ\r\n"
	  "Content-Disposition: form-data; name=\"h\"\r\n\r\nentry\r\n"
	  "--XyZ\r\n"
	  "Content-Disposition: form-data; name=\"content\"\r\n\r\nNice sunset tonight\r\n"
	  "--XyZ\r\n"
	  "Content-Disposition: form-data; name=\"photo\"; filename=\"sunset.jpg\"\r\n"
	  "Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0\r\nz\r\n"
	  "--XyZ--\r\nepilogue",
	  "{'type':'h-entry','action':'create','properties':{'content':['Nice sunset tonight']},"
	  "'files':[{'property':'photo','filename':'sunset.jpg','type':'image/jpeg','data':'\\u00ff\\u00d8\\u00ff\\u00e0\\r\\nz'}]}", 0, NULL },
	{ MP, "--XyZ\r\n"
	  "content-disposition: FORM-DATA; NAME=content\r\n\r\ntwo\r\n"
	  "--XyZ\r\n"
	  "Content-Disposition: form-data; name=\"photo[]\"; filename=\"a.jpg\"\r\n\r\nA\r\n"
	  "--XyZ\r\n"
	  "Content-Disposition: form-data; name=\"photo[]\"; filename=\"b \\\"q\\\".jpg\"\r\n\r\nB\r\n"
	  "--XyZ\r\n"
	  "Content-Disposition: form-data; name=\"mp-photo-alt[]\"\r\n\r\nfirst\r\n"
	  "--XyZ\r\n"
	  "Content-Disposition: form-data; name=\"empty\"; filename=\"\"\r\n\r\n\r\n"
	  "--XyZ\r\n"
	  "Content-Disposition: form-data; name=\"access_token\"\r\n\r\ncrier_M\r\n"
	  "--XyZ--",
	  "{'type':'h-entry','action':'create','token':'crier_M','properties':{'content':['two']},"
	  "'commands':{'mp-photo-alt':['first']},"
	  "'files':[{'property':'photo','filename':'a.jpg','data':'A'},{'property':'photo','filename':'b \\u0022q\\u0022.jpg','data':'B'}]}", 0, NULL },
	{ "multipart/form-data; boundary=\"a b:c\"", "--a b:c\r\n"
	  "Content-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\n\r\n\x89PNG\r\n--a b:c--",
	  "{'type':'h-entry','action':'create','files':[{'property':'file','filename':'x.png','data':'\\u0089PNG'}]}", 0, NULL },
	{ MP, "--XyZ--", "{'type':'h-entry','action':'create'}", 0, NULL },
};

static void
run_decode_cases(const struct decode_case *cases, size_t n)
{
	struct micropub_request rq;
	struct micropub_error err;
	char what[64];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct decode_case *c = &cases[i];
		int rc;

		memset(&err, 0, sizeof(err));
		rc = micropub_decode(c->content_type, c->body, strlen(c->body), &rq, &err);
		snprintf(what, sizeof(what), "case %zu", i);
		if (c->want != NULL) {
			json_t *s;
			if (rc != 0)
				print_error("%s: %s\n", what, err.description);
			assert_int_equal(rc, 0);
			s = summary(&rq);
			assert_json(s, c->want, what);
			json_decref(s);
			micropub_request_clear(&rq);
		} else {
			if (rc != -1 || err.status != c->status || strstr(err.description, c->error_has) == NULL)
				print_error("%s: rc %d status %u: %s\n", what, rc, err.status, err.description);
			assert_int_equal(rc, -1);
			assert_int_equal(err.status, c->status);
			assert_non_null(strstr(err.description, c->error_has));
			assert_null(rq.properties);
		}
	}
}

static void
test_decode(void **state)
{
	(void)state;
	run_decode_cases(decode_cases, sizeof(decode_cases) / sizeof(decode_cases[0]));
}

static void
test_multipart(void **state)
{
	(void)state;
	run_decode_cases(multipart_cases, sizeof(multipart_cases) / sizeof(multipart_cases[0]));
}

/* Bodies over the text cap are refused as 413 (form and JSON), multipart is not. */
static void
test_text_cap(void **state)
{
	size_t n = MICROPUB_TEXT_BODY_BYTES + 1;
	char *body = malloc(n);
	struct micropub_request rq;
	struct micropub_error err;

	(void)state;
	memset(body, 'a', n);
	memcpy(body, "content=", 8);
	assert_int_equal(micropub_decode(FORM, body, n, &rq, &err), -1);
	assert_int_equal(err.status, 413);
	assert_int_equal(micropub_decode(JSONT, body, n, &rq, &err), -1);
	assert_int_equal(err.status, 413);
	assert_int_equal(micropub_decode(FORM, body, n - 1, &rq, &err), 0);
	micropub_request_clear(&rq);
	free(body);
}

/* Every prefix of a valid multipart body fails cleanly (no read past the end). */
static void
test_multipart_truncated(void **state)
{
	const char *body = multipart_cases[1].body;
	size_t len = strlen(body), i;
	struct micropub_request rq;
	struct micropub_error err;

	(void)state;
	for (i = 0; i < len - 2; i++) {
		char *copy = malloc(i + 1);
		memcpy(copy, body, i);
		assert_int_equal(micropub_decode(MP, copy, i, &rq, &err), -1);
		assert_int_equal(err.status, 400);
		free(copy);
	}
}

struct boundary_case {
	const char *content_type;
	const char *want;       /* NULL: none */
};

static const struct boundary_case boundaries[] = {
	{ "multipart/form-data; boundary=abc", "abc" },
	{ "multipart/form-data;boundary=\"with space\"", "with space" },
	{ "multipart/form-data; charset=utf-8; BOUNDARY=x-1", "x-1" },
	{ "multipart/form-data; name=\"boundary=no\"; boundary=yes", "yes" },
	{ "multipart/form-data; boundary=\"\"", NULL },
	{ "multipart/form-data; boundary=a@b", NULL },
	{ "multipart/form-data; boundary=\"ends \"", NULL },
	{ "multipart/form-data; boundary=0123456789012345678901234567890123456789012345678901234567890123456789", "0123456789012345678901234567890123456789012345678901234567890123456789" },
	{ "multipart/form-data; boundary=01234567890123456789012345678901234567890123456789012345678901234567890", NULL },
	{ "multipart/form-data", NULL },
	{ "multipart/form-data; xboundary=a", NULL },
};

static void
test_boundary(void **state)
{
	char out[80];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(boundaries) / sizeof(boundaries[0]); i++) {
		bool got = micropub_boundary(boundaries[i].content_type, out, sizeof(out));
		if (got != (boundaries[i].want != NULL))
			print_error("case %zu: %s\n", i, boundaries[i].content_type);
		assert_int_equal(got, boundaries[i].want != NULL);
		if (got)
			assert_string_equal(out, boundaries[i].want);
	}
	assert_false(micropub_boundary(NULL, out, sizeof(out)));
}

struct update_case {
	const char *before;
	const char *update;     /* the JSON request body */
	const char *after;      /* properties; NULL: the update is refused */
	const char *commands;   /* commands after, or NULL for {} */
};

static const struct update_case updates[] = {
	/* 400: replace */
	{ "{'content':['old']}", "{'action':'update','url':'u','replace':{'content':['new']}}",
	  "{'content':['new']}", NULL },
	/* 401, 402: add to an existing property, and a new one */
	{ "{'content':['c'],'category':['test1']}", "{'action':'update','url':'u','add':{'category':['test2']}}",
	  "{'content':['c'],'category':['test1','test2']}", NULL },
	{ "{'content':['c']}", "{'action':'update','url':'u','add':{'category':['test1']}}",
	  "{'content':['c'],'category':['test1']}", NULL },
	/* 403: delete a value; 404: delete the property */
	{ "{'content':['c'],'category':['test1','test2']}", "{'action':'update','url':'u','delete':{'category':['test2']}}",
	  "{'content':['c'],'category':['test1']}", NULL },
	{ "{'content':['c'],'category':['test1','test2']}", "{'action':'update','url':'u','delete':['category']}",
	  "{'content':['c']}", NULL },
	{ "{'content':['c'],'category':['a']}", "{'action':'update','url':'u','delete':{'category':['a'],'nothing':['x']}}",
	  "{'content':['c']}", NULL },
	/* all three at once, in the order replace, add, delete; mp-* go to commands */
	{ "{'name':['n'],'category':['a','b']}",
	  "{'action':'update','url':'u','replace':{'name':['m'],'mp-slug':['s']},'add':{'category':['c']},"
	  "'delete':{'category':['a']}}",
	  "{'name':['m'],'category':['b','c']}", "{'mp-slug':['s']}" },
	{ "{'content':['c']}", "{'action':'update','url':'u','replace':{'access_token':['t']}}",
	  "{'content':['c']}", NULL },
};

static void
test_update_apply(void **state)
{
	struct micropub_request rq;
	struct micropub_error err;
	char what[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(updates) / sizeof(updates[0]); i++) {
		json_t *props = jq(updates[i].before), *cmds = json_object(), *body = jq(updates[i].update);
		char *text = json_dumps(body, 0);
		assert_int_equal(micropub_decode(JSONT, text, strlen(text), &rq, &err), 0);
		assert_int_equal(micropub_update_apply(props, cmds, &rq, &err), 0);
		snprintf(what, sizeof(what), "update %zu", i);
		assert_json(props, updates[i].after, what);
		assert_json(cmds, updates[i].commands != NULL ? updates[i].commands : "{}", what);
		micropub_request_clear(&rq);
		free(text);
		json_decref(body);
		json_decref(props);
		json_decref(cmds);
	}
}

/* The update's values are copied, not shared: adding twice does not grow the request. */
static void
test_update_copies(void **state)
{
	const char *body = "{\"action\":\"update\",\"url\":\"u\",\"replace\":{\"category\":[\"a\"]},\"add\":{\"category\":[\"b\"]}}";
	struct micropub_request rq;
	struct micropub_error err;
	json_t *props = json_object(), *cmds = json_object();

	(void)state;
	assert_int_equal(micropub_decode(JSONT, body, strlen(body), &rq, &err), 0);
	assert_int_equal(micropub_update_apply(props, cmds, &rq, &err), 0);
	assert_json(props, "{'category':['a','b']}", "props");
	assert_json(rq.replace, "{'category':['a']}", "replace untouched");
	micropub_request_clear(&rq);
	json_decref(props);
	json_decref(cmds);
}

struct entry_case {
	const char *properties;
	const char *commands;
	/* expected: a summary of the publish request, or NULL with status + message */
	const char *want;
	unsigned status;
	const char *error_has;
};

static const struct entry_case entries[] = {
	{ "{'content':['Hello **md**'],'name':['Title'],'category':['a',' b ','',{'type':['h-card']}]}", "{}",
	  "{'title':'Title','content':'Hello **md**','kind':'markdown','categories':['a','b'],'draft':false}", 0, NULL },
	{ "{'content':[{'html':'<b>x</b>'}],'post-status':['draft'],'published':['2026-11-23T10:00:00+01:00']}", "{'mp-slug':['my-slug']}",
	  "{'content':'<b>x</b>','kind':'html','draft':true,'published':1795424400,'slug':'my-slug'}", 0, NULL },
	{ "{'content':[{'value':'plain <text>'}],'summary':['s']}", "{}",
	  "{'content':'plain <text>','kind':'text','summary':'s','draft':false}", 0, NULL },
	{ "{'photo':['https://a.example/1.jpg',{'value':'https://a.example/2.jpg','alt':'Two'},'https://a.example/3.jpg']}",
	  "{'mp-photo-alt':['One','Three']}",
	  "{'photos':[['https://a.example/1.jpg','One'],['https://a.example/2.jpg','Two'],['https://a.example/3.jpg','Three']],'draft':false}", 0, NULL },
	{ "{'summary':['Weighed 70.64 kg'],'x-weight':[{'type':['h-measure']}]}", "{}",
	  "{'summary':'Weighed 70.64 kg','draft':false}", 0, NULL },
	{ "{'content':['x'],'post-status':['published']}", "{}", "{'content':'x','kind':'markdown','draft':false}", 0, NULL },

	{ "{'content':['x'],'published':['yesterday']}", "{}", NULL, 400, "published is not a date" },
	{ "{'content':['x'],'published':[5]}", "{}", NULL, 400, "published is not a date" },
	{ "{'content':['x'],'published':['2026-02-30T10:00:00Z']}", "{}", NULL, 400, "published" },
	{ "{'content':['x'],'post-status':['secret']}", "{}", NULL, 400, "post-status" },
	{ "{'content':['x']}", "{'mp-slug':['../../etc/passwd']}", NULL, 400, "mp-slug" },
	{ "{'content':['x']}", "{'mp-slug':['!!!']}", NULL, 400, "mp-slug" },
	{ "{'photo':['javascript:alert(1)']}", "{}", NULL, 400, "not an absolute http(s) URL" },
	{ "{'photo':['/relative.jpg']}", "{}", NULL, 400, "not an absolute http(s) URL" },
	{ "{'photo':['https://a.example/has space.jpg']}", "{}", NULL, 400, "not an absolute http(s) URL" },
	{ "{'photo':[{'alt':'no value'}]}", "{}", NULL, 400, "photo must be" },
	{ "{'content':[5]}", "{}", NULL, 400, "content must be" },
	{ "{'x-other':['y']}", "{}", NULL, 400, "nothing to publish" },
	{ "{'content':[''],'name':['']}", "{}", NULL, 400, "nothing to publish" },
};

static json_t *
request_summary(const struct publish_request *pr)
{
	static const char *const kinds[] = { "markdown", "html", "text" };
	json_t *s = json_object();
	size_t i;

	if (pr->title != NULL)
		json_object_set_new(s, "title", json_string(pr->title));
	if (pr->content != NULL) {
		json_object_set_new(s, "content", json_string(pr->content));
		json_object_set_new(s, "kind", json_string(kinds[pr->content_kind]));
	}
	if (pr->summary != NULL)
		json_object_set_new(s, "summary", json_string(pr->summary));
	if (pr->slug != NULL)
		json_object_set_new(s, "slug", json_string(pr->slug));
	if (pr->published_at != 0)
		json_object_set_new(s, "published", json_integer(pr->published_at));
	if (pr->n_categories > 0) {
		json_t *c = json_array();
		for (i = 0; i < pr->n_categories; i++)
			json_array_append_new(c, json_string(pr->categories[i]));
		json_object_set_new(s, "categories", c);
	}
	if (pr->n_photos > 0) {
		json_t *p = json_array();
		for (i = 0; i < pr->n_photos; i++)
			json_array_append_new(p, json_pack("[s, s?]", pr->photos[i], pr->photo_alts[i]));
		json_object_set_new(s, "photos", p);
	}
	json_object_set_new(s, "draft", json_boolean(pr->draft));
	return s;
}

static void
test_entry(void **state)
{
	struct micropub_error err;
	char what[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		struct arena *a = arena_new();
		struct publish_request pr;
		json_t *props = jq(entries[i].properties), *cmds = jq(entries[i].commands);
		int rc;

		memset(&pr, 0, sizeof(pr));
		memset(&err, 0, sizeof(err));
		rc = micropub_entry(props, cmds, true, a, &pr, &err);
		snprintf(what, sizeof(what), "entry %zu", i);
		if (entries[i].want != NULL) {
			json_t *s;
			if (rc != 0)
				print_error("%s: %s\n", what, err.description);
			assert_int_equal(rc, 0);
			s = request_summary(&pr);
			assert_json(s, entries[i].want, what);
			json_decref(s);
		} else {
			if (rc != -1 || strstr(err.description, entries[i].error_has) == NULL)
				print_error("%s: rc %d: %s\n", what, rc, err.description);
			assert_int_equal(rc, -1);
			assert_int_equal(err.status, entries[i].status);
			assert_non_null(strstr(err.description, entries[i].error_has));
		}
		json_decref(props);
		json_decref(cmds);
		arena_free(a);
	}
}

/* Limits: content over the Markdown cap is 413; too many photos or categories 400. */
static void
test_entry_limits(void **state)
{
	struct micropub_error err;
	struct publish_request pr;
	struct arena *a = arena_new();
	size_t n = MARKDOWN_MAX_BYTES + 1, i;
	char *big = malloc(n + 1);
	json_t *props, *cats = json_array(), *photos = json_array();

	(void)state;
	memset(big, 'a', n);
	big[n] = '\0';
	props = json_pack("{s:[s]}", "content", big);
	memset(&pr, 0, sizeof(pr));
	assert_int_equal(micropub_entry(props, NULL, true, a, &pr, &err), -1);
	assert_int_equal(err.status, 413);
	json_decref(props);
	for (i = 0; i <= MICROPUB_MAX_CATEGORIES; i++)
		json_array_append_new(cats, json_string("c"));
	for (i = 0; i <= MICROPUB_MAX_PHOTOS; i++)
		json_array_append_new(photos, json_string("https://a.example/p.jpg"));
	props = json_pack("{s:[s], s:o}", "content", "x", "category", cats);
	assert_int_equal(micropub_entry(props, NULL, true, a, &pr, &err), -1);
	assert_int_equal(err.status, 400);
	json_decref(props);
	props = json_pack("{s:[s], s:o}", "content", "x", "photo", photos);
	assert_int_equal(micropub_entry(props, NULL, true, a, &pr, &err), -1);
	assert_int_equal(err.status, 400);
	json_decref(props);
	free(big);
	arena_free(a);
}

struct date_case {
	const char *text;
	int64_t want;           /* -1: refused */
};

static const struct date_case dates[] = {
	{ "2026-11-23T10:00:00Z", 1795428000 },
	{ "2026-11-23T10:00:00z", 1795428000 },
	{ "2026-11-23T10:00:00+01:00", 1795424400 },
	{ "2026-11-23T10:00:00+0100", 1795424400 },
	{ "2026-11-23T10:00:00+01", 1795424400 },
	{ "2026-11-23T10:00:00-05:30", 1795447800 },
	{ "2026-11-23T10:00:00.123456Z", 1795428000 },
	{ "2026-11-23T10:00Z", 1795428000 },
	{ "2026-11-23 10:00:00", 1795428000 },
	{ "2026-11-23", 1795392000 },
	{ "2024-02-29T00:00:00Z", 1709164800 },
	{ "2026-02-29T00:00:00Z", -1 },
	{ "2026-13-01T00:00:00Z", -1 },
	{ "2026-11-23T24:00:00Z", -1 },
	{ "2026-11-23T10:60:00Z", -1 },
	{ "2026-11-23T10:00:00+25:00", -1 },
	{ "2026-11-23T10:00:00 +01:00", -1 },
	{ "2026-11-23T10:00:00+1", -1 },
	{ "2026-11-23T10:00:00.Z", -1 },
	{ "2026-11-23T10", -1 },
	{ "23 Nov 2026", -1 },
	{ "1969-12-31", -1 },
	{ "", -1 },
	{ "2026-11-23T10:00:00Zjunk", -1 },
};

static void
test_dates(void **state)
{
	size_t i;
	int64_t t;

	(void)state;
	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		bool ok = micropub_parse_date(dates[i].text, &t);
		if (ok != (dates[i].want != -1) || (ok && t != dates[i].want))
			print_error("date %s: ok %d t %lld\n", dates[i].text, ok, (long long)t);
		assert_int_equal(ok, dates[i].want != -1);
		if (ok)
			assert_int_equal(t, dates[i].want);
	}
}

static void
test_slugs(void **state)
{
	static const struct { const char *slug; bool ok; } slugs[] = {
		{ "my-post", true }, { "My Post 2!", true }, { "café", true }, { "a", true },
		{ "../x", false }, { "a/b", false }, { "a\\b", false }, { "..", false },
		{ "x\ny", false }, { "---", false }, { "", false },
	};
	char long_slug[MICROPUB_MAX_SLUG_BYTES + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(slugs) / sizeof(slugs[0]); i++) {
		if (micropub_slug_ok(slugs[i].slug) != slugs[i].ok)
			print_error("slug %s\n", slugs[i].slug);
		assert_int_equal(micropub_slug_ok(slugs[i].slug), slugs[i].ok);
	}
	memset(long_slug, 'a', sizeof(long_slug) - 1);
	long_slug[sizeof(long_slug) - 1] = '\0';
	assert_false(micropub_slug_ok(long_slug));
}

static void
test_image_types(void **state)
{
	static const struct { const char *data; size_t len; const char *type, *ext; } images[] = {
		{ "\xff\xd8\xff\xe0", 4, "image/jpeg", "jpg" },
		{ "\x89PNG\r\n\x1a\n", 8, "image/png", "png" },
		{ "GIF89a", 6, "image/gif", "gif" },
		{ "GIF87a", 6, "image/gif", "gif" },
		{ "RIFF\x10\0\0\0WEBPVP8 ", 16, "image/webp", "webp" },
		{ "RIFF\x10\0\0\0WAVEfmt ", 16, NULL, NULL },
		{ "<svg xmlns=", 11, NULL, NULL },
		{ "\xff\xd8", 2, NULL, NULL },
		{ "\x89PNG\r\n", 6, NULL, NULL },
		{ "", 0, NULL, NULL },
	};
	const char *ext;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		const char *type = micropub_image_type(images[i].data, images[i].len, &ext);
		if (images[i].type == NULL) {
			assert_null(type);
			assert_null(ext);
		} else {
			assert_string_equal(type, images[i].type);
			assert_string_equal(ext, images[i].ext);
		}
	}
}

static void
test_post_ids(void **state)
{
	static const struct { const char *base, *url; int64_t id; } urls[] = {
		{ "https://n.example/", "https://n.example/post/12-weeknotes-47", 12 },
		{ "https://n.example/", "https://n.example/post/12", 12 },
		{ "https://n.example/", "https://n.example/post/12?x=1#y", 12 },
		{ "https://n.example/", "/post/7-x", 7 },
		{ "https://n.example/crier/", "/crier/post/7-x", 7 },
		{ "https://n.example/crier/", "https://n.example/crier/post/9223372036854775807", INT64_MAX },
		{ "https://n.example/crier/", "/post/7-x", -1 },
		{ "https://n.example/", "https://other.example/post/12", -1 },
		{ "https://n.example/", "https://n.example/post/", -1 },
		{ "https://n.example/", "https://n.example/post/0", -1 },
		{ "https://n.example/", "https://n.example/post/012", -1 },
		{ "https://n.example/", "https://n.example/post/12x", -1 },
		{ "https://n.example/", "https://n.example/post/12-a/b", -1 },
		{ "https://n.example/", "https://n.example/post/99999999999999999999", -1 },
		{ "https://n.example/", "https://n.example/tag/12", -1 },
		{ "https://n.example/", "", -1 },
	};
	int64_t id;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		bool ok = micropub_post_id(urls[i].base, urls[i].url, &id);
		if (ok != (urls[i].id != -1))
			print_error("url %s\n", urls[i].url);
		assert_int_equal(ok, urls[i].id != -1);
		if (ok)
			assert_int_equal(id, urls[i].id);
	}
}

static void
test_scopes(void **state)
{
	(void)state;
	assert_true(micropub_has_scope("create update", "create"));
	assert_true(micropub_has_scope("create update", "update"));
	assert_true(micropub_has_scope("create,media", "media"));
	assert_false(micropub_has_scope("create update", "delete"));
	assert_false(micropub_has_scope("created", "create"));
	assert_false(micropub_has_scope("xcreate", "create"));
	assert_false(micropub_has_scope("", "create"));
	assert_false(micropub_has_scope(NULL, "create"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_text_cap),
		cmocka_unit_test(test_multipart_truncated),
		cmocka_unit_test(test_boundary),
		cmocka_unit_test(test_update_apply),
		cmocka_unit_test(test_update_copies),
		cmocka_unit_test(test_entry),
		cmocka_unit_test(test_entry_limits),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_slugs),
		cmocka_unit_test(test_image_types),
		cmocka_unit_test(test_post_ids),
		cmocka_unit_test(test_scopes),
	};
	return cmocka_run_group_tests_name("micropub", tests, NULL, NULL);
}
