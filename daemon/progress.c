/* progress.c: STUB (skeleton). */
#include "progress.h"
