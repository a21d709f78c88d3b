/*
 * init_fails.c: a plugin whose init reports a config problem, queues an
 * HTTP POST and then fails.  crier must refuse it cleanly: the problem
 * and the refusal logged, the POST dropped, fini never called (it would
 * leave the MARKER file), the library closed.
 */
#include <crier/plugin.h>

#include <fcntl.h>
#include <unistd.h>

static int
fails_init(const struct crier_self *self, const struct crier_host *host, void **state)
{
	(void)state;
	host->http_post(self, "http://127.0.0.1:9/never", "text/plain", "x", 1, 0);
	host->config_error(self, "token", "is missing (token = the API token)");
	return -1;
}

static void
fails_fini(const struct crier_self *self, void *state)
{
	int fd = open(MARKER, O_WRONLY | O_CREAT, 0644);

	(void)self;
	(void)state;
	if (fd >= 0)
		close(fd);
}

CRIER_PLUGIN_EXPORT const struct crier_plugin crier_plugin = {
	.abi = CRIER_PLUGIN_ABI,
	.name = "init-fails",
	.version = "0.1",
	.init = fails_init,
	.fini = fails_fini,
};
