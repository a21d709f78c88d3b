/* cmd_token.c: STUB; `crier team` and `crier token` replace it. */
#include "cmd.h"
#include <stdio.h>
int cmd_team(struct crier *c, int argc, char **argv) { (void)c; (void)argc; (void)argv; fputs("usage: crier team (not implemented yet)\n", stdout); return 0; }
int cmd_token(struct crier *c, int argc, char **argv) { (void)c; (void)argc; (void)argv; fputs("usage: crier token (not implemented yet)\n", stdout); return 0; }
