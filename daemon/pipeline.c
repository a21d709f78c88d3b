/* pipeline.c: STUB (skeleton). */
#include "pipeline.h"
