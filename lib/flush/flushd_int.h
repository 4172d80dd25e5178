/*
 * flushd_int.h - the one-request server's handle (not installed; see flushd.h)
 *
 * DESCRIPTION
 *	struct ff_flushd, shared by flushd.c (the requests) and
 *	flushdset.c (new, copy, free, the setters and the getters).
 */
#ifndef FF_FLUSHD_INT_H
#define FF_FLUSHD_INT_H

#include <stddef.h>

#include "flush/flushd.h"
#include "flush/flushsvc.h"
#include "postfix/qid.h"
#include "util/status.h"

struct ff_flushd {
	/* settings */
	int mode;
	long timeout_ms;
	long first_ms;		/* for the first byte; 0: timeout_ms */
	int domain;		/* the connection's socket family; 0: ask */
	/* called once, after an immediate greeting, before the request is
	   read: returns the spool to use (NULL: failed, d->out.err says why) */
	ff_flushd_prepare_cb *prepare;
	void *prepare_ctx;
	size_t max_string, max_request;
	unsigned allow;
	/* outcome */
	int proto;
	char request[32];		/* printable */
	char site[256];			/* printable, shortened */
	char queue_id[FF_QID_MAX + 1];
	enum ff_status st;
	int wire;
	struct ff_flush_outcome out;	/* the logfile, counts, totals, error */
};

#endif
