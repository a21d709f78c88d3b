/* opml.c: STUB (skeleton). */
#include "opml.h"
