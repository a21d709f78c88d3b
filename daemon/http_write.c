/* http_write.c: STUB; the web editor replaces it. */
#include "http_int.h"
bool
http_write_route(struct request *rq, struct reply *rp)
{
	(void)rq;
	(void)rp;
	return false;
}
