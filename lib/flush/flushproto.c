/*
 * flushproto.c - request kinds and status codes of the flush protocol
 * (see flushproto.h)
 */
#include <string.h>

#include "flush/flushproto.h"

static const struct {
	const char *name;
	unsigned kind;
} wire_requests[] = {
	{ FF_FLUSH_R_ADD, FF_REQ_ADD },
	{ FF_FLUSH_R_SEND_SITE, FF_REQ_SEND },
	{ FF_FLUSH_R_SEND_FILE, FF_REQ_SEND_FILE },
	{ FF_FLUSH_R_REFRESH, FF_REQ_REFRESH },
	{ FF_FLUSH_R_WAKEUP, FF_REQ_REFRESH },
	{ FF_FLUSH_R_PURGE, FF_REQ_PURGE },
};

unsigned
ff_flush_wire_request(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(wire_requests) / sizeof(wire_requests[0]); i++)
		if (len == strlen(wire_requests[i].name) &&
		    memcmp(name, wire_requests[i].name, len) == 0)
			return wire_requests[i].kind;
	return 0;
}

int
ff_flush_wire_status(enum ff_status st, unsigned long failed)
{
	switch (st) {
	case FF_OK:
	case FF_NOTHING:
		return FF_FLUSH_OK;
	case FF_BAD:
	case FF_USAGE:
		return FF_FLUSH_BAD;
	case FF_DENY:
	case FF_BADSITE:
		return FF_FLUSH_DENY;
	default:
		/* Postfix only warns when single moves fail; the request succeeded */
		return failed > 0 ? FF_FLUSH_OK : FF_FLUSH_FAIL;
	}
}

enum ff_status
ff_flush_status_of(int wire)
{
	switch (wire) {
	case FF_FLUSH_OK:
		return FF_OK;
	case FF_FLUSH_BAD:
		return FF_BAD;
	case FF_FLUSH_DENY:
		return FF_DENY;
	default:
		return FF_TEMP;
	}
}
