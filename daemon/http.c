/* http.c: STUB (skeleton). */
#include "http.h"
