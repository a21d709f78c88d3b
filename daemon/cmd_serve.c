/* cmd_serve.c: STUB */
#include "cmd.h"
int cmd_serve(struct crier *c, int argc, char **argv) { (void)c; (void)argc; (void)argv; return 1; }
