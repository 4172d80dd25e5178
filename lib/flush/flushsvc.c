/*
 * flushsvc.c - the fast flush operations of a server (see flushsvc.h)
 */
#include <stdint.h>
#include <string.h>

#include "flush/logadd.h"
#include "flush/flushsvc.h"

enum ff_status
ff_flush_request(struct ff_spool *sp, unsigned req, const char *site, const char *id,
    struct ff_flush_outcome *o)
{
	char *ids[1];

	memset(o, 0, sizeof(*o));
	switch (req) {
	case FF_REQ_ADD:
		ids[0] = (char *)(uintptr_t)id;
		if (ff_add(sp, site, ids, 1, o->log, &o->err) < 0)
			return o->err.status;
		return FF_OK;
	case FF_REQ_SEND:
		if (ff_send_site(sp, site, 0, &o->c, NULL, NULL, o->log, &o->err) < 0)
			return o->err.status;
		return ff_send_status(&o->c);
	case FF_REQ_SEND_FILE:
		if (ff_send_file(sp, id, 0, &o->c, NULL, NULL, &o->err) < 0)
			return o->err.status;
		return ff_send_status(&o->c);
	case FF_REQ_REFRESH:
	case FF_REQ_PURGE:
		if (ff_refresh(sp, req == FF_REQ_PURGE ? FF_REFRESH_PURGE : 0, NULL, NULL, &o->t,
		    &o->err) < 0)
			return o->err.status;
		if (o->t.errors)
			return o->t.worst;
		return o->t.refreshed + o->t.purged > 0 ? FF_OK : FF_NOTHING;
	}
	ff_err_set(&o->err, FF_SOFTWARE, "unknown request");
	return FF_SOFTWARE;
}
