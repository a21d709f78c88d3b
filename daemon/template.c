/*
 * template.c: Mustache templates for themes (see template.h).
 *
 * Each template is compiled once into a flat array of instructions: text,
 * interpolations, and sections whose bodies are the instructions up to
 * their `end` index.  Standalone-line whitespace is settled at compile
 * time, so rendering is one loop over the array that appends to a buf:
 * no allocation, no re-parsing, and no state outside the caller's stack,
 * which makes a compiled set safe to render from many threads.  Partials
 * and parents are resolved by name once the whole set is loaded, so a
 * theme's partial overrides the default one everywhere.
 *
 * Rendering keeps three chains on the C stack: the context frames
 * (innermost first), the indentation of standalone partials (prepended
 * to each line of the partial's own text, as the spec asks), and the
 * layers of parent tags whose blocks override blocks further in.
 */
#include "template.h"
#include "caps.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NPOS SIZE_MAX
#define DELIM_MAX 16            /* bytes in a set delimiter */
#define SCAN_DEPTH_MAX 16       /* directory levels below a theme dir */
#define EXT ".mustache"

enum op {
	OP_TEXT,        /* str/len verbatim */
	OP_INDENT,      /* the current indentation (a tag begins a line) */
	OP_VAR,         /* name, HTML-escaped */
	OP_RAW,         /* name, as it is */
	OP_SECTION,     /* body once per item, or once if truthy */
	OP_INVERTED,    /* body once if falsey */
	OP_PARTIAL,     /* target with the current context */
	OP_BLOCK,       /* body unless a parent layer overrides str */
	OP_PARENT,      /* target, with the blocks of the body as overrides */
};

/* A dotted name split into parts; no parts is the implicit iterator ".". */
struct name {
	const struct slice *parts;
	size_t nparts;
};

struct tmpl;

struct instr {
	enum op op;
	bool line_start;        /* OP_TEXT: starts a line of the source */
	bool standalone;        /* OP_PARTIAL, OP_PARENT: alone on its line */
	size_t end;             /* index of the next instruction after this one
	                         * and its body */
	const char *str;        /* OP_TEXT: bytes; tags: the name as written
	                         * (NUL-terminated) */
	size_t len;
	struct slice indent;    /* standalone OP_PARTIAL, OP_PARENT */
	struct name name;       /* OP_VAR, OP_RAW, OP_SECTION, OP_INVERTED */
	const struct tmpl *target;      /* OP_PARTIAL, OP_PARENT; NULL: missing */
};

struct tmpl {
	const char *name;
	struct instr *code;
	size_t n;
};

struct templates {
	struct arena *arena;    /* everything, including this struct */
	struct tmpl *v;         /* sorted by name */
	size_t n;
};

static void __attribute__((format(printf, 2, 3)))
set_err(char **err, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	*err = buf_steal(&b);
}

/* ================================================================ compiler */

struct compiler {
	struct arena *arena;
	const char *label;      /* file or template name, for messages */
	const char *src;        /* the arena's copy of the source */
	size_t len;
	struct instr *code;     /* grown with xrealloc, moved to the arena */
	size_t n, cap;
	char otag[DELIM_MAX], ctag[DELIM_MAX];
	size_t olen, clen;
	size_t open[CAP_TEMPLATE_DEPTH];        /* open sections, by index */
	size_t open_pos[CAP_TEMPLATE_DEPTH];    /* ... and where in src */
	size_t nopen;
	size_t line_start;      /* where the line of the next tag begins */
	bool tag_on_line;       /* a tag came before it on that line */
	size_t blank_to;        /* the line counts as blank up to here */
	size_t lone_parent;     /* 1 + index of a parent tag opened alone
	                         * on this line so far, or 0 */
	char **err;
};

/* One tag as scanned: its type character (0 for a plain variable), where
 * it sits in the source, and its trimmed content. */
struct tag {
	char type;
	size_t start, end;
	struct slice body;
};

static size_t
line_of(const struct compiler *c, size_t pos)
{
	size_t i, line = 1;

	for (i = 0; i < pos && i < c->len; i++)
		if (c->src[i] == '\n')
			line++;
	return line;
}

static int __attribute__((format(printf, 3, 4)))
syntax_error(struct compiler *c, size_t pos, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	buf_printf(&b, "%s:%zu: ", c->label, line_of(c, pos));
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	*c->err = buf_steal(&b);
	return -1;
}

/* Where needle first occurs in s[from, len), or NPOS. */
static size_t
find(const char *s, size_t len, size_t from, const char *needle, size_t nlen)
{
	const char *p;

	while (from + nlen <= len) {
		p = memchr(s + from, needle[0], len - from - nlen + 1);
		if (p == NULL)
			return NPOS;
		if (memcmp(p, needle, nlen) == 0)
			return (size_t)(p - s);
		from = (size_t)(p - s) + 1;
	}
	return NPOS;
}

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool
is_space(char ch)
{
	return is_blank(ch) || ch == '\n' || ch == '\r' || ch == '\f' ||
	    ch == '\v';
}

static bool
has_space(struct slice s)
{
	size_t i;

	for (i = 0; i < s.len; i++)
		if (is_space(s.ptr[i]))
			return true;
	return false;
}

static struct instr *
emit(struct compiler *c, enum op op)
{
	struct instr *in;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->code = xrealloc(c->code, c->cap * sizeof(*c->code));
	}
	in = &c->code[c->n++];
	memset(in, 0, sizeof(*in));
	in->op = op;
	in->end = c->n;
	return in;
}

static void
emit_text(struct compiler *c, size_t from, size_t to)
{
	struct instr *in;

	if (to <= from)
		return;
	in = emit(c, OP_TEXT);
	in->str = c->src + from;
	in->len = to - from;
	in->line_start = from == 0 || c->src[from - 1] == '\n';
}

/* After the text src[from, to): where the line of a tag at `to` began. */
static void
note_newlines(struct compiler *c, size_t from, size_t to)
{
	size_t i;

	for (i = to; i > from; i--) {
		if (c->src[i - 1] == '\n') {
			c->line_start = i;
			c->tag_on_line = false;
			c->lone_parent = 0;
			return;
		}
	}
}

/*
 * The closing delimiter of a tag starting at p, where `need` ('}' or '=',
 * or 0) must come just before it: tag->body and tag->end.  -1 if absent.
 */
static int
find_close(struct compiler *c, size_t p, char need, struct tag *tag)
{
	size_t q = p;

	for (;;) {
		q = find(c->src, c->len, q, c->ctag, c->clen);
		if (q == NPOS)
			return syntax_error(c, tag->start, "unclosed tag");
		if (need == 0)
			break;
		if (q > p && c->src[q - 1] == need) {
			q--;
			break;
		}
		q++;
	}
	tag->body.ptr = c->src + p;
	tag->body.len = q - p;
	tag->body = slice_trim(tag->body);
	tag->end = q + (need != 0) + c->clen;
	return 0;
}

static int
scan_tag(struct compiler *c, size_t t, struct tag *tag)
{
	size_t p = t + c->olen;
	char need = 0;

	tag->start = t;
	tag->type = 0;
	if (p < c->len && strchr("#^/>!=&{<$", c->src[p]) != NULL &&
	    c->src[p] != '\0') {
		tag->type = c->src[p++];
		if (tag->type == '{')
			need = '}';
		else if (tag->type == '=')
			need = '=';
	}
	if (find_close(c, p, need, tag) == -1)
		return -1;
	if (tag->type == '!' || tag->type == '=')
		return 0;
	if (tag->body.len == 0)
		return syntax_error(c, t, "empty tag");
	if (has_space(tag->body))
		return syntax_error(c, t, "bad name '%.*s'",
		    (int)tag->body.len, tag->body.ptr);
	return 0;
}

static bool
can_stand_alone(char type)
{
	return type != 0 && strchr("#^/>!=<$", type) != NULL;
}

/* Is everything after p up to the end of its line blank?  *next is where
 * the next line starts (or the end). */
static bool
rest_is_blank(const struct compiler *c, size_t p, size_t *next)
{
	while (p < c->len && is_blank(c->src[p]))
		p++;
	if (p == c->len) {
		*next = p;
		return true;
	}
	if (c->src[p] == '\n') {
		*next = p + 1;
		return true;
	}
	if (c->src[p] == '\r' && p + 1 < c->len && c->src[p + 1] == '\n') {
		*next = p + 2;
		return true;
	}
	return false;
}

static bool
front_is_blank(const struct compiler *c, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (!is_blank(c->src[i]))
			return false;
	return true;
}

/* Splits "a.b.c" into parts ("." alone has none). */
static int
parse_name(struct compiler *c, const struct tag *tag, struct name *nm)
{
	struct slice *parts;
	size_t i, n = 1, start = 0, k = 0;
	const char *s = tag->body.ptr;
	size_t len = tag->body.len;

	nm->parts = NULL;
	nm->nparts = 0;
	if (len == 1 && s[0] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == '.')
			n++;
	parts = arena_alloc(c->arena, n * sizeof(*parts));
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (i == start)
			return syntax_error(c, tag->start, "bad name '%.*s'",
			    (int)len, s);
		parts[k].ptr = s + start;
		parts[k].len = i - start;
		k++;
		start = i + 1;
	}
	nm->parts = parts;
	nm->nparts = n;
	return 0;
}

static int
set_delimiters(struct compiler *c, const struct tag *tag)
{
	struct slice o = tag->body, cl;
	size_t i = 0;

	while (i < o.len && !is_space(o.ptr[i]))
		i++;
	cl.ptr = o.ptr + i;
	cl.len = o.len - i;
	cl = slice_trim(cl);
	o.len = i;
	if (o.len == 0 || cl.len == 0 || o.len > DELIM_MAX ||
	    cl.len > DELIM_MAX || has_space(cl) ||
	    memchr(o.ptr, '=', o.len) != NULL ||
	    memchr(cl.ptr, '=', cl.len) != NULL)
		return syntax_error(c, tag->start, "bad delimiters '%.*s'",
		    (int)tag->body.len, tag->body.ptr);
	memcpy(c->otag, o.ptr, o.len);
	c->olen = o.len;
	memcpy(c->ctag, cl.ptr, cl.len);
	c->clen = cl.len;
	return 0;
}

static struct instr *
emit_named(struct compiler *c, enum op op, const struct tag *tag)
{
	struct instr *in = emit(c, op);

	in->str = arena_strndup(c->arena, tag->body.ptr, tag->body.len);
	in->len = tag->body.len;
	return in;
}

static int
open_section(struct compiler *c, enum op op, const struct tag *tag,
    struct instr **out)
{
	struct instr *in;

	if (c->nopen == CAP_TEMPLATE_DEPTH)
		return syntax_error(c, tag->start,
		    "sections nested deeper than %d", CAP_TEMPLATE_DEPTH);
	in = emit_named(c, op, tag);
	c->open[c->nopen] = c->n - 1;
	c->open_pos[c->nopen] = tag->start;
	c->nopen++;
	*out = in;
	return 0;
}

static int
close_section(struct compiler *c, const struct tag *tag)
{
	struct instr *in;

	if (c->nopen == 0)
		return syntax_error(c, tag->start, "close tag '%.*s' "
		    "without an open section", (int)tag->body.len,
		    tag->body.ptr);
	in = &c->code[c->open[c->nopen - 1]];
	if (in->len != tag->body.len ||
	    memcmp(in->str, tag->body.ptr, in->len) != 0)
		return syntax_error(c, tag->start, "close tag '%.*s' does "
		    "not match '%s' opened at line %zu", (int)tag->body.len,
		    tag->body.ptr, in->str,
		    line_of(c, c->open_pos[c->nopen - 1]));
	in->end = c->n;
	c->nopen--;
	return 0;
}

/*
 * "{{<parent}}{{/parent}}" alone on a line is standalone as a pair: the
 * parent's body is not output, so its open tag does not count.
 */
static bool
closes_lone_parent(const struct compiler *c, const struct tag *tag)
{
	return tag->type == '/' && c->lone_parent != 0 && c->nopen > 0 &&
	    c->open[c->nopen - 1] == c->lone_parent - 1;
}

/* The parent's line turned out standalone: it indents the parent's text
 * instead of being output, so the OP_INDENT placed before it goes. */
static void
settle_lone_parent(struct compiler *c)
{
	struct instr *indent = &c->code[c->lone_parent - 2];

	c->code[c->lone_parent - 1].standalone = true;
	indent->op = OP_TEXT;
	indent->str = c->src;
	indent->len = 0;
}

static int
apply_tag(struct compiler *c, const struct tag *tag, bool standalone,
    struct slice indent)
{
	struct instr *in = NULL;

	switch (tag->type) {
	case '!':
		return 0;
	case '=':
		return set_delimiters(c, tag);
	case '/':
		return close_section(c, tag);
	case '#':
	case '^':
		if (open_section(c, tag->type == '#' ? OP_SECTION : OP_INVERTED,
		    tag, &in) == -1)
			return -1;
		return parse_name(c, tag, &in->name);
	case '$':
		return open_section(c, OP_BLOCK, tag, &in);
	case '<':
		if (open_section(c, OP_PARENT, tag, &in) == -1)
			return -1;
		break;
	case '>':
		in = emit_named(c, OP_PARTIAL, tag);
		break;
	default:
		in = emit(c, tag->type == 0 ? OP_VAR : OP_RAW);
		return parse_name(c, tag, &in->name);
	}
	in->standalone = standalone;
	in->indent = indent;
	return 0;
}

/*
 * Places the tag: a standalone tag takes its whole line (the whitespace
 * before it becomes a partial's indentation), any other tag leaves the
 * text around it alone.  *pos moves past what was consumed.
 */
static int
place_tag(struct compiler *c, const struct tag *tag, size_t *pos)
{
	struct slice indent = { c->src, 0 };
	size_t next, from = c->line_start;
	bool front, standalone;

	if (c->lone_parent != 0 && c->blank_to > from)
		from = c->blank_to;
	front = !c->tag_on_line && front_is_blank(c, from, tag->start);
	standalone = front && can_stand_alone(tag->type) &&
	    rest_is_blank(c, tag->end, &next);
	if (standalone || (front && tag->type == '<')) {
		emit_text(c, *pos, c->line_start);
		indent.ptr = c->src + from;
		indent.len = tag->start - from;
	}
	if (standalone) {
		if (closes_lone_parent(c, tag))
			settle_lone_parent(c);
		*pos = next;
		c->line_start = next;
		c->lone_parent = 0;
	} else if (front && tag->type == '<') {
		/* alone so far: maybe standalone with its close tag */
		emit(c, OP_INDENT);
		*pos = tag->end;
		c->blank_to = tag->end;
		c->lone_parent = c->n + 1;
	} else {
		emit_text(c, *pos, tag->start);
		if (tag->start == 0 || c->src[tag->start - 1] == '\n')
			emit(c, OP_INDENT);
		*pos = tag->end;
		c->tag_on_line = true;
		c->lone_parent = 0;
	}
	return apply_tag(c, tag, standalone, indent);
}

static int
compile_source(struct compiler *c)
{
	struct tag tag;
	size_t pos = 0, t;

	while (pos < c->len) {
		t = find(c->src, c->len, pos, c->otag, c->olen);
		if (t == NPOS) {
			emit_text(c, pos, c->len);
			break;
		}
		note_newlines(c, pos, t);
		if (scan_tag(c, t, &tag) == -1)
			return -1;
		if (place_tag(c, &tag, &pos) == -1)
			return -1;
	}
	if (c->nopen > 0)
		return syntax_error(c, c->open_pos[c->nopen - 1],
		    "unclosed section '%s'", c->code[c->open[c->nopen - 1]].str);
	return 0;
}

/* Compiles src[0, len) into out, with its name; the code and a copy of
 * the source live in the arena.  label names it in messages. */
static int
compile(struct arena *arena, const char *name, const char *label,
    const char *src, size_t len, struct tmpl *out, char **err)
{
	struct compiler c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.arena = arena;
	c.label = label;
	c.src = arena_strndup(arena, src, len);
	c.len = len;
	memcpy(c.otag, "{{", 2);
	memcpy(c.ctag, "}}", 2);
	c.olen = c.clen = 2;
	c.err = err;
	rc = compile_source(&c);
	if (rc == 0) {
		struct instr *code = arena_alloc(arena,
		    (c.n ? c.n : 1) * sizeof(*code));

		if (c.n > 0)
			memcpy(code, c.code, c.n * sizeof(*code));
		out->name = arena_strdup(arena, name);
		out->code = code;
		out->n = c.n;
	}
	free(c.code);
	return rc;
}

/* ================================================================ sets */

static int
cmp_tmpl(const void *a, const void *b)
{
	const struct tmpl *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static const struct tmpl *
find_tmpl(const struct templates *t, const char *name)
{
	struct tmpl key;

	if (t->n == 0)
		return NULL;
	key.name = name;
	return bsearch(&key, t->v, t->n, sizeof(*t->v), cmp_tmpl);
}

/* {{> x}} is "x", else "partials/x". */
static const struct tmpl *
find_partial(const struct templates *t, const char *name)
{
	const struct tmpl *p = find_tmpl(t, name);
	struct buf b = BUF_INIT;

	if (p != NULL)
		return p;
	buf_printf(&b, "partials/%s", name);
	p = find_tmpl(t, buf_str(&b));
	buf_free(&b);
	return p;
}

/* Resolves every partial and parent by name, once the set is complete. */
static void
link_set(struct templates *t)
{
	struct instr *in;
	size_t i, j;

	for (i = 0; i < t->n; i++) {
		for (j = 0; j < t->v[i].n; j++) {
			in = &t->v[i].code[j];
			if (in->op == OP_PARTIAL || in->op == OP_PARENT)
				in->target = find_partial(t, in->str);
		}
	}
}

static struct templates *
set_new(size_t max)
{
	struct arena *a = arena_new();
	struct templates *t = arena_alloc(a, sizeof(*t));

	t->arena = a;
	t->v = arena_alloc(a, (max ? max : 1) * sizeof(*t->v));
	t->n = 0;
	return t;
}

void
templates_free(struct templates *t)
{
	if (t != NULL)
		arena_free(t->arena);
}

int
templates_has(const struct templates *t, const char *name)
{
	return find_tmpl(t, name) != NULL;
}

/* Names in the order they win: by name, then by position (earlier wins). */
struct named {
	const char *name;
	size_t order;
	const char *path;       /* templates_load */
};

static int
cmp_named(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return (x->order > y->order) - (x->order < y->order);
}

struct templates *
templates_from_strings(const char *const *names,
    const char *const *sources, size_t n, char **err)
{
	struct templates *t = set_new(n);
	struct named *v = xcalloc(n ? n : 1, sizeof(*v));
	size_t i, k;

	for (i = 0; i < n; i++) {
		v[i].name = names[i];
		v[i].order = i;
	}
	qsort(v, n, sizeof(*v), cmp_named);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i].name, v[i - 1].name) == 0)
			continue;
		k = v[i].order;
		if (compile(t->arena, names[k], names[k], sources[k],
		    strlen(sources[k]), &t->v[t->n], err) == -1)
			goto fail;
		t->n++;
	}
	free(v);
	link_set(t);
	return t;
fail:
	free(v);
	templates_free(t);
	return NULL;
}

/* ---------------------------------------------------------------- load */

struct scan {
	struct arena *arena;    /* names and paths */
	struct named *v;
	size_t n, cap;
	char **err;
};

static void
scan_add(struct scan *s, const char *rel, size_t order, const char *path)
{
	size_t len = strlen(rel) - strlen(EXT);

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n].name = arena_strndup(s->arena, rel, len);
	s->v[s->n].path = arena_strdup(s->arena, path);
	s->v[s->n].order = order;
	s->n++;
}

static bool
is_template_file(const char *name)
{
	size_t n = strlen(name), e = strlen(EXT);

	return n > e && strcmp(name + n - e, EXT) == 0;
}

static int scan_dir(struct scan *s, const char *root, const char *rel,
    size_t order, unsigned depth);

/* One directory entry below root: rel is its path below root. */
static int
scan_entry(struct scan *s, const char *root, const char *rel, size_t order,
    unsigned depth)
{
	struct buf path = BUF_INIT;
	struct stat st;
	int rc = 0;

	buf_printf(&path, "%s/%s", root, rel);
	if (stat(buf_str(&path), &st) == -1) {
		set_err(s->err, "%s: %s", buf_str(&path), strerror(errno));
		rc = -1;
	} else if (S_ISDIR(st.st_mode)) {
		rc = scan_dir(s, root, rel, order, depth + 1);
	} else if (S_ISREG(st.st_mode) && is_template_file(rel)) {
		scan_add(s, rel, order, buf_str(&path));
	}
	buf_free(&path);
	return rc;
}

static int
scan_dir(struct scan *s, const char *root, const char *rel, size_t order,
    unsigned depth)
{
	struct buf path = BUF_INIT, sub = BUF_INIT;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (rel[0] != '\0')
		buf_printf(&path, "%s/%s", root, rel);
	else
		buf_puts(&path, root);
	if (depth > SCAN_DEPTH_MAX) {
		set_err(s->err, "%s: directories nested too deeply",
		    buf_str(&path));
		buf_free(&path);
		return -1;
	}
	d = opendir(buf_str(&path));
	if (d == NULL) {
		set_err(s->err, "%s: %s", buf_str(&path), strerror(errno));
		buf_free(&path);
		return -1;
	}
	for (;;) {
		de = readdir(d);
		if (de == NULL || rc == -1)
			break;
		if (de->d_name[0] == '.')
			continue;
		buf_reset(&sub);
		if (rel[0] != '\0')
			buf_printf(&sub, "%s/", rel);
		buf_puts(&sub, de->d_name);
		rc = scan_entry(s, root, buf_str(&sub), order, depth);
	}
	closedir(d);
	buf_free(&path);
	buf_free(&sub);
	return rc;
}

static void
scan_free(struct scan *s)
{
	arena_free(s->arena);
	free(s->v);
}

static int
load_file(struct templates *t, const struct named *f, char **err)
{
	struct buf text = BUF_INIT;
	int rc;

	if (util_read_file(f->path, &text, CAP_TEMPLATE_BYTES) == -1) {
		set_err(err, "%s: %s", f->path, errno == EFBIG ?
		    "template too large" : strerror(errno));
		buf_free(&text);
		return -1;
	}
	rc = compile(t->arena, f->name, f->path, buf_str(&text), text.len,
	    &t->v[t->n], err);
	if (rc == 0)
		t->n++;
	buf_free(&text);
	return rc;
}

struct templates *
templates_load(const char *const *dirs, char **err)
{
	struct scan s = { arena_new(), NULL, 0, 0, err };
	struct templates *t = NULL;
	size_t i;

	for (i = 0; dirs[i] != NULL; i++)
		if (scan_dir(&s, dirs[i], "", i, 0) == -1)
			goto fail;
	if (s.n > 0)
		qsort(s.v, s.n, sizeof(*s.v), cmp_named);
	t = set_new(s.n);
	for (i = 0; i < s.n; i++) {
		if (i > 0 && strcmp(s.v[i].name, s.v[i - 1].name) == 0)
			continue;
		if (load_file(t, &s.v[i], err) == -1)
			goto fail;
	}
	scan_free(&s);
	link_set(t);
	return t;
fail:
	scan_free(&s);
	templates_free(t);
	return NULL;
}

/* ================================================================ render */

struct frame {
	const json_t *value;
	const struct frame *up;
};

struct indent {
	struct slice ws;
	const struct indent *outer;
};

/* A parent tag being rendered: the blocks directly in its body override
 * blocks of the same name; outer layers win over inner ones. */
struct layer {
	const struct instr *code;
	size_t parent;
	const struct layer *outer;
};

struct render {
	struct buf *out;
	const struct indent *indent;
	const struct layer *layers;
	size_t steps;
	const char *error;
};

static int run(struct render *r, const struct instr *code, size_t from,
    size_t to, const struct frame *ctx, unsigned depth);

static int
fail(struct render *r, const char *why)
{
	if (r->error == NULL)
		r->error = why;
	return -1;
}

static int
put(struct render *r, const char *s, size_t n)
{
	if (buf_append(r->out, s, n) == -1)
		return fail(r, "output too large");
	return 0;
}

/* The characters that {{x}} escapes, and what they become. */
static const char *const html_escape[256] = {
	['"'] = "&quot;",
	['&'] = "&amp;",
	['\''] = "&#39;",
	['<'] = "&lt;",
	['>'] = "&gt;",
};

static int
put_escaped(struct render *r, const char *s, size_t n)
{
	size_t i = 0, run_start = 0;
	const char *e;

	while (i < n) {
		e = html_escape[(unsigned char)s[i]];
		if (e == NULL) {
			i++;
			continue;
		}
		if (put(r, s + run_start, i - run_start) == -1 ||
		    put(r, e, strlen(e)) == -1)
			return -1;
		run_start = ++i;
	}
	return put(r, s + run_start, n - run_start);
}

static int
put_indent(struct render *r, const struct indent *ind)
{
	if (ind == NULL)
		return 0;
	if (put_indent(r, ind->outer) == -1)
		return -1;
	return put(r, ind->ws.ptr, ind->ws.len);
}

/* Text, with the indentation after each newline that does not end it. */
static int
put_text(struct render *r, const struct instr *in)
{
	const char *s = in->str, *nl;
	size_t n = in->len, k;

	if (r->indent == NULL)
		return put(r, s, n);
	if (in->line_start && put_indent(r, r->indent) == -1)
		return -1;
	for (;;) {
		nl = memchr(s, '\n', n);
		if (nl == NULL || nl == s + n - 1)
			return put(r, s, n);
		k = (size_t)(nl - s) + 1;
		if (put(r, s, k) == -1 || put_indent(r, r->indent) == -1)
			return -1;
		s += k;
		n -= k;
	}
}

/* Reals print as short as they read back ("1.21", "2", "1e+100"). */
static int
format_real(double d, char *out, size_t size)
{
	int prec, n = 0;

	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(out, size, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			break;
	}
	return n;
}

static int
put_value(struct render *r, const json_t *v, bool escape)
{
	char num[40];
	int n;

	if (v == NULL)
		return 0;
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (escape)
			return put_escaped(r, json_string_value(v),
			    json_string_length(v));
		return put(r, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return put(r, num, (size_t)n);
	case JSON_REAL:
		n = format_real(json_real_value(v), num, sizeof(num));
		return put(r, num, (size_t)n);
	case JSON_TRUE:
		return put(r, "true", 4);
	case JSON_FALSE:
		return put(r, "false", 5);
	default:
		return 0;       /* null, objects and arrays print nothing */
	}
}

/*
 * The first part is looked up from the innermost context outwards; the
 * rest only in what the part before found.  NULL when missing.
 */
static const json_t *
lookup(const struct frame *ctx, const struct name *nm)
{
	const json_t *v = NULL;
	const struct slice *p = nm->parts;
	size_t i;

	if (nm->nparts == 0)
		return ctx != NULL ? ctx->value : NULL;
	for (; ctx != NULL && v == NULL; ctx = ctx->up)
		if (json_is_object(ctx->value))
			v = json_object_getn(ctx->value, p[0].ptr, p[0].len);
	for (i = 1; i < nm->nparts && v != NULL; i++)
		v = json_is_object(v) ?
		    json_object_getn(v, p[i].ptr, p[i].len) : NULL;
	return v;
}

/* JavaScript's truthiness, with empty objects falsey too. */
static bool
truthy(const json_t *v)
{
	if (v == NULL)
		return false;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return json_object_size(v) > 0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_TRUE:
		return true;
	default:
		return false;
	}
}

static int
run_section(struct render *r, const struct instr *code, size_t at,
    const struct frame *ctx, unsigned depth)
{
	const json_t *v = lookup(ctx, &code[at].name);
	struct frame f = { v, ctx };
	size_t i, n;

	if (!truthy(v))
		return 0;
	if (!json_is_array(v))
		return run(r, code, at + 1, code[at].end, &f, depth + 1);
	n = json_array_size(v);
	for (i = 0; i < n; i++) {
		f.value = json_array_get(v, i);
		if (run(r, code, at + 1, code[at].end, &f, depth + 1) == -1)
			return -1;
	}
	return 0;
}

/*
 * A partial (or a parent's template) with the current context: standalone
 * ones indent every line of their own text by the whitespace before the
 * tag, inline ones are not indented at all.
 */
static int
run_included(struct render *r, const struct instr *in,
    const struct frame *ctx, unsigned depth)
{
	const struct indent *saved = r->indent;
	struct indent ind = { in->indent, r->indent };
	int rc;

	if (!in->standalone && in->indent.len > 0 &&
	    put(r, in->indent.ptr, in->indent.len) == -1)
		return -1;
	if (in->target == NULL)
		return 0;
	if (!in->standalone)
		r->indent = NULL;
	else if (in->indent.len > 0)
		r->indent = &ind;
	rc = run(r, in->target->code, 0, in->target->n, ctx, depth + 1);
	r->indent = saved;
	return rc;
}

static int
run_parent(struct render *r, const struct instr *code, size_t at,
    const struct frame *ctx, unsigned depth)
{
	const struct layer *saved = r->layers;
	struct layer l = { code, at, r->layers };
	int rc;

	r->layers = &l;
	rc = run_included(r, &code[at], ctx, depth);
	r->layers = saved;
	return rc;
}

/* The block named name directly in the body of the parent at code[at]. */
static size_t
find_block(const struct instr *code, size_t at, const char *name)
{
	size_t i;

	for (i = at + 1; i < code[at].end; i = code[i].end)
		if (code[i].op == OP_BLOCK && strcmp(code[i].str, name) == 0)
			return i;
	return NPOS;
}

static int
run_block(struct render *r, const struct instr *code, size_t at,
    const struct frame *ctx, unsigned depth)
{
	const struct instr *use = code;
	const struct layer *l;
	size_t i, b = at;

	for (l = r->layers; l != NULL; l = l->outer) {
		i = find_block(l->code, l->parent, code[at].str);
		if (i != NPOS) {
			use = l->code;
			b = i;
		}
	}
	return run(r, use, b + 1, use[b].end, ctx, depth + 1);
}

static int
run(struct render *r, const struct instr *code, size_t from, size_t to,
    const struct frame *ctx, unsigned depth)
{
	const struct instr *in;
	size_t i;
	int rc = 0;

	if (depth >= CAP_TEMPLATE_DEPTH)
		return fail(r, "templates nested too deeply (recursive partial?)");
	for (i = from; i < to && rc == 0; i = in->end) {
		in = &code[i];
		if (++r->steps > CAP_TEMPLATE_STEPS)
			return fail(r, "too much work for one page");
		switch (in->op) {
		case OP_TEXT:
			rc = put_text(r, in);
			break;
		case OP_INDENT:
			rc = put_indent(r, r->indent);
			break;
		case OP_VAR:
		case OP_RAW:
			rc = put_value(r, lookup(ctx, &in->name),
			    in->op == OP_VAR);
			break;
		case OP_SECTION:
			rc = run_section(r, code, i, ctx, depth);
			break;
		case OP_INVERTED:
			if (!truthy(lookup(ctx, &in->name)))
				rc = run(r, code, i + 1, in->end, ctx,
				    depth + 1);
			break;
		case OP_PARTIAL:
			rc = run_included(r, in, ctx, depth);
			break;
		case OP_BLOCK:
			rc = run_block(r, code, i, ctx, depth);
			break;
		case OP_PARENT:
			rc = run_parent(r, code, i, ctx, depth);
			break;
		}
	}
	return rc;
}

int
template_render(const struct templates *t, const char *name,
    const json_t *ctx, struct buf *out, char **err)
{
	const struct tmpl *tm = find_tmpl(t, name);
	struct render r = { out, NULL, NULL, 0, NULL };
	struct frame root = { ctx, NULL };

	if (tm == NULL) {
		set_err(err, "no template '%s'", name);
		return -1;
	}
	if (run(&r, tm->code, 0, tm->n, ctx != NULL ? &root : NULL, 0) == -1) {
		set_err(err, "template '%s': %s", name, r.error);
		return -1;
	}
	return 0;
}
