/* url.c: STUB, replaced by the sanitizer work. */
#include "url.h"
#include <string.h>
int
url_resolve(struct buf *out, const char *base, const char *ref)
{
	(void)base;
	buf_puts(out, ref ? ref : "");
	return 0;
}
bool
url_scheme(const char *url, char *out, size_t n)
{
	(void)url; (void)out; (void)n;
	return false;
}
bool
url_is_http(const char *url)
{
	return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}
