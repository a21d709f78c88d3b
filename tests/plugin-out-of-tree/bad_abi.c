/*
 * bad_abi.c: a plugin built for the next ABI.  crier must refuse it
 * after reading `abi` alone: its init would leave a marker file (the
 * MARKER macro, set by the test) if it were ever called.
 */
#include <crier/plugin.h>

#include <fcntl.h>
#include <unistd.h>

static int
bad_init(const struct crier_self *self, const struct crier_host *host, void **state)
{
	int fd = open(MARKER, O_WRONLY | O_CREAT, 0644);

	(void)self;
	(void)host;
	(void)state;
	if (fd >= 0)
		close(fd);
	return 0;
}

CRIER_PLUGIN_EXPORT const struct crier_plugin crier_plugin = {
	.abi = CRIER_PLUGIN_ABI + 1,
	.name = "from-the-future",
	.version = "9.0",
	.init = bad_init,
};
