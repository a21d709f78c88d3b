/* cmd_feeds.c: STUB (skeleton). */
#include "cmd.h"
int cmd_feeds(struct crier *c, int argc, char **argv) { (void)c; (void)argc; (void)argv; return 1; }
int cmd_opml(struct crier *c, int argc, char **argv) { (void)c; (void)argc; (void)argv; return 1; }
