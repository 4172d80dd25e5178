/*
 * refresh.h - refresh, purge and compact fast flush logfiles (cron's job)
 *
 * SYNOPSIS
 *	int ff_refresh(struct ff_spool *sp, unsigned flags, ff_refresh_cb *cb, void *arg,
 *	    struct ff_refresh_totals *t, struct ff_err *e);
 *	const char *ff_refresh_action_name(enum ff_refresh_action a);
 *
 * DESCRIPTION
 *	Scans flush/ (see logscan.h). An empty logfile whose mtime is more
 *	than fast_flush_purge_time ago is deleted, under its lock and only
 *	if it is still empty and still the same file. A non-empty logfile
 *	whose atime (its "last read", kept by every send) is more than
 *	fast_flush_refresh_time ago is sent as in ff_send_log() with
 *	FF_SEND_REFRESH: moves and the 'I' trigger, no 'F'.
 *
 *	FF_REFRESH_PURGE refreshes every non-empty logfile not read in
 *	this very second (Postfix's "purge" request); empty ones are still
 *	only deleted when old. FF_REFRESH_COMPACT also rewrites the
 *	remaining non-empty logfiles in place, under the lock, keeping one
 *	line per queue ID whose queue file still exists (deferred,
 *	incoming, active, hold, corrupt). FF_SEND_DRYRUN reports without
 *	changing anything.
 *
 *	cb(arg, logname, action, counts, err) is called for every logfile
 *	with what was done; t receives totals.
 *
 * DIAGNOSTICS
 *	Failures on one logfile are reported through cb and counted in
 *	t->errors; the scan goes on. -1 only when flush/ cannot be read.
 */
#ifndef FF_REFRESH_H
#define FF_REFRESH_H

#include "util/api.h"
#include "flush/flush.h"
#include "postfix/spool.h"
#include "util/status.h"

#define FF_REFRESH_PURGE	(1u << 8)
#define FF_REFRESH_COMPACT	(1u << 9)

enum ff_refresh_action {
	FF_R_KEPT,		/* young enough: left alone */
	FF_R_REFRESHED,		/* its mail was moved to incoming */
	FF_R_PURGED,		/* empty and old: deleted */
	FF_R_COMPACTED,		/* stale and repeated IDs dropped */
	FF_R_FAILED,		/* an error; see the error */
	FF_R_RECOVERED,		/* a crashed rewrite's lines put back */
};

struct ff_refresh_totals {
	unsigned long logs, kept, refreshed, purged, compacted, errors;
	unsigned long recovered;	/* logs a crashed rewrite's record went back into */
	unsigned long dropped;	/* lines removed by compaction */
	struct ff_counts c;	/* summed over refreshed logs */
	enum ff_status worst;
};

typedef void ff_refresh_cb(void *, const char *, enum ff_refresh_action,
    const struct ff_counts *, unsigned long, const struct ff_err *);

FF_API int ff_refresh(struct ff_spool *, unsigned, ff_refresh_cb *, void *,
    struct ff_refresh_totals *, struct ff_err *);
FF_API const char *ff_refresh_action_name(enum ff_refresh_action);

#endif
