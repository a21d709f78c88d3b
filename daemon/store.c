/* store.c: STUB (skeleton). */
#include "store.h"
