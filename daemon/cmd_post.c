/* cmd_post.c: STUB; `crier user` and `crier post` replace it. */
#include "cmd.h"
#include <stdio.h>
int cmd_user(struct crier *c, int argc, char **argv) { (void)c; (void)argc; (void)argv; fputs("usage: crier user (not implemented yet)\n", stdout); return 0; }
int cmd_post(struct crier *c, int argc, char **argv) { (void)c; (void)argc; (void)argv; fputs("usage: crier post (not implemented yet)\n", stdout); return 0; }
