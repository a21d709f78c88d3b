/* parse_xml.c: STUB, replaced by the parser work. */
#include "parse.h"
