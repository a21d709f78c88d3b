/* fetch.c: STUB, replaced by the fetcher work. */
#include "fetch.h"
#include "util.h"
#include <stdlib.h>
void
fetch_result_free(struct fetch_result *r)
{
	if (r == NULL)
		return;
	free(r->url); free(r->error); free(r->final_url); free(r->permanent_url);
	free(r->etag); free(r->last_modified); free(r->content_type);
	buf_free(&r->body);
	free(r);
}
struct fetcher { int unused; };
struct fetcher *
fetch_new(const struct fetch_config *cfg)
{
	(void)cfg;
	return xcalloc(1, sizeof(struct fetcher));
}
void
fetch_free(struct fetcher *f)
{
	free(f);
}
int
fetch_add(struct fetcher *f, const struct fetch_request *req)
{
	(void)f; (void)req;
	return -1;
}
size_t
fetch_run(struct fetcher *f, int timeout_ms, fetch_done_fn done, void *arg)
{
	(void)f; (void)timeout_ms; (void)done; (void)arg;
	return 0;
}
size_t
fetch_pending(const struct fetcher *f)
{
	(void)f;
	return 0;
}
int64_t
fetch_parse_retry_after(const char *value, int64_t now)
{
	(void)value; (void)now;
	return 0;
}
const char *
fetch_user_agent(void)
{
	return "crier";
}
