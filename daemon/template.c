/* template.c: STUB, replaced by the Mustache work. */
#include "template.h"
#include "util.h"
struct templates *
templates_load(const char *const *dirs, char **err)
{
	(void)dirs;
	*err = xstrdup("templates: not implemented");
	return NULL;
}
struct templates *
templates_from_strings(const char *const *names, const char *const *sources, size_t n, char **err)
{
	(void)names; (void)sources; (void)n;
	*err = xstrdup("templates: not implemented");
	return NULL;
}
void
templates_free(struct templates *t)
{
	(void)t;
}
int
templates_has(const struct templates *t, const char *name)
{
	(void)t; (void)name;
	return 0;
}
int
template_render(const struct templates *t, const char *name, const json_t *ctx, struct buf *out, char **err)
{
	(void)t; (void)name; (void)ctx; (void)out;
	*err = xstrdup("templates: not implemented");
	return -1;
}
