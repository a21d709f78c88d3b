/* sched.c: STUB (skeleton). */
#include "sched.h"
