/* cmd_parse.c: `crier parse`.  STUB, replaced by the parser work. */
#include "cmd.h"
#include <stdio.h>
int
cmd_parse(struct crier *c, int argc, char **argv)
{
	(void)c; (void)argc; (void)argv;
	fprintf(stderr, "crier parse: not implemented yet\n");
	return 1;
}
