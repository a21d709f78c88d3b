/* http_micropub.c: STUB; the Micropub endpoint replaces it. */
#include "http_int.h"
bool
http_micropub_route(struct request *rq, struct reply *rp)
{
	(void)rq;
	(void)rp;
	return false;
}
