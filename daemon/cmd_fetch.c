/* cmd_fetch.c: STUB */
#include "cmd.h"
int cmd_fetch(struct crier *c, int argc, char **argv) { (void)c; (void)argc; (void)argv; return 1; }
