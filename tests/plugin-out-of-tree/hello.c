/*
 * hello.c: the smallest useful plugin, built out of tree by
 * out_of_tree.py against the installed header:
 *
 *   cc -shared -fPIC $(pkg-config --cflags crier-plugin) -o hello.so hello.c
 *
 * It tags every post with its `tag` key (default "hello").
 */
#include <crier/plugin.h>

struct hello {
	const struct crier_host *host;
	const char *tag;
};

static struct hello the_state;  /* loaded once (no CRIER_PLUGIN_MULTI), so one state will do */

static int
hello_init(const struct crier_self *self, const struct crier_host *host, void **state)
{
	const char *tag = host->config_get(self, "tag");

	the_state.host = host;
	the_state.tag = tag != 0 ? tag : "hello";
	*state = &the_state;
	return 0;
}

static int
hello_filter(const struct crier_self *self, void *state, const struct crier_event *ev)
{
	struct hello *h = state;

	(void)self;
	return h->host->post_add_tag(ev->post, h->tag) == 0 ? CRIER_OK : CRIER_ERROR;
}

CRIER_PLUGIN_EXPORT const struct crier_plugin crier_plugin = {
	.abi = CRIER_PLUGIN_ABI,
	.name = "hello",
	.version = "0.1",
	.init = hello_init,
	.hooks = { [CRIER_HOOK_POST_FILTER] = hello_filter },
};
