/*
 * trigger.h - wake up the queue manager
 *
 * SYNOPSIS
 *	int ff_trigger(struct ff_spool *sp, const char *service, const char *req, size_t len);
 *	int ff_trigger_qmgr(struct ff_spool *sp, char request);
 *
 * DESCRIPTION
 *	ff_trigger() sends req to public/<service> the way Postfix's
 *	mail_trigger() does: to a UNIX socket the bytes plus one NUL, to a
 *	FIFO the bytes alone (opened non-blocking; refusing symlinks and
 *	multiply-linked FIFOs). Connect and write are bounded by
 *	trigger_timeout; once a socket trigger has timed out (a queue
 *	manager that does not accept, its backlog full), later ones of the
 *	same spool handle do not wait at all until one gets through again,
 *	so that a refresh of many logfiles or a long-lived server waits for
 *	a stuck queue manager once, not once per trigger.
 *	ff_trigger_qmgr() sends one request byte to
 *	public/$queue_service_name: 'F' (forget dead sites, before an ETRN
 *	moves mail) or 'I' (scan incoming, after).
 *
 * DIAGNOSTICS
 *	A trigger is advice: the first failure is logged as a warning (a
 *	FIFO without reader only with -v), later ones of the same process
 *	only as debug lines, summed up by ff_spool_close(); the call
 *	returns -1 and callers carry on. It never blocks past the time-out.
 */
#ifndef FF_TRIGGER_H
#define FF_TRIGGER_H

#include "util/api.h"

#include <stddef.h>

struct ff_spool;

#define FF_QMGR_FLUSH_DEAD	'F'
#define FF_QMGR_SCAN_INCOMING	'I'

FF_API int ff_trigger(struct ff_spool *, const char *, const char *, size_t);
FF_API int ff_trigger_qmgr(struct ff_spool *, char);

#endif
