/* parse_json.c: STUB, replaced by the parser work. */
#include "parse.h"
