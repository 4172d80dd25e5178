/*
 * flushsvc.h - the fast flush operations, as a server's request runs them
 *
 * SYNOPSIS
 *	#include "flush/flushsvc.h"
 *
 *	enum ff_status ff_flush_request(struct ff_spool *sp, unsigned req,
 *	    const char *site, const char *id, struct ff_flush_outcome *o);
 *
 * DESCRIPTION
 *	ff_flush_request() runs one request (FF_REQ_*, flushproto.h) on
 *	the spool, whichever protocol carried it: add the queue ID id to the
 *	site's logfile, send the site's logfile, send one queue file, or
 *	refresh (FF_REQ_PURGE: purge) the logfiles. It returns the
 *	outcome: FF_OK, FF_NOTHING when there was nothing to do (nothing
 *	waiting for a send, no logfile refreshed or purged), or the failure,
 *	which o->err describes. o->log (the site's logfile), o->c (a send's
 *	counts) and o->t (a refresh's totals) say what was done; o is
 *	cleared first.
 *
 *	Who may ask for what, and a spool that could not be opened, are
 *	the server's business: sp is never NULL here.
 */
#ifndef FF_FLUSHSVC_H
#define FF_FLUSHSVC_H

#include "util/api.h"
#include "flush/flush.h"
#include "flush/flushproto.h"
#include "postfix/qid.h"
#include "flush/refresh.h"
#include "postfix/spool.h"
#include "util/status.h"

struct ff_flush_outcome {
	char log[FF_QID_MAX + 1];	/* the site's logfile */
	struct ff_counts c;
	struct ff_refresh_totals t;
	struct ff_err err;
};

FF_API enum ff_status ff_flush_request(struct ff_spool *, unsigned, const char *, const char *,
    struct ff_flush_outcome *);

#endif
