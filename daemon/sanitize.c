/* sanitize.c: STUB, replaced by the sanitizer work. */
#include "sanitize.h"
int
sanitize_html(struct buf *out, const char *html, size_t len, const char *base_url)
{
	(void)base_url;
	html_escape(out, html, len);
	return 0;
}
void
html_to_text(struct buf *out, const char *html, size_t len)
{
	buf_append(out, html, len);
}
void
text_collapse(struct buf *out, const char *s, size_t len)
{
	buf_append(out, s, len);
}
bool
html_looks_like_html(const char *s, size_t len)
{
	(void)s; (void)len;
	return false;
}
void
html_escape(struct buf *out, const char *s, size_t len)
{
	size_t i;
	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': buf_puts(out, "&amp;"); break;
		case '<': buf_puts(out, "&lt;"); break;
		case '>': buf_puts(out, "&gt;"); break;
		case '"': buf_puts(out, "&quot;"); break;
		case '\'': buf_puts(out, "&#39;"); break;
		default: buf_putc(out, s[i]);
		}
	}
}
