/* cmd_misc.c: STUB (skeleton). */
#include "cmd.h"
#include "config.h"
#include "crier.h"
#include <stdio.h>
int cmd_check_config(struct crier *c, int argc, char **argv) { (void)c; (void)argc; (void)argv; return 1; }
int cmd_open(struct crier *c, int need_store) { (void)c; (void)need_store; return -1; }
void cmd_close(struct crier *c) { config_free(c->cfg); c->cfg = NULL; }
