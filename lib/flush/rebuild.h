/*
 * rebuild.h - make the fast flush logfiles list exactly the deferred mail
 *
 * SYNOPSIS
 *	#include "flush/rebuild.h"
 *
 *	int ff_rebuild(struct ff_spool *sp, char *const *sites, size_t nsites,
 *	    unsigned flags, ff_rebuild_cb *cb, void *arg,
 *	    struct ff_rebuild_totals *t, struct ff_err *e);
 *
 * DESCRIPTION
 *	ff_rebuild() reads every queue file in deferred/ (qfile.h) and, for
 *	every recipient not yet delivered, picks the logfile that Postfix's
 *	delivery agent would have added the queue ID to when it deferred
 *	that recipient (qdest.h), eligibility decided as fflush-add decides
 *	it: on the canonical (A-label) name. Postfix's flush matches
 *	fast_flush_domains against the domain as the delivery agent gives
 *	it (UTF-8 for SMTPUTF8 mail), so where the list names only one form
 *	of an IDNA domain the two can differ (see the README's differences).
 *	Address probes (trace_flags) are left out: Postfix does not log
 *	them. Then, for each such logfile and
 *	each existing one, under the log's exclusive lock and after putting
 *	back what a crashed rewrite left:
 *
 *	kept	a line whose ID is deferred for this log, or whose queue file
 *		the scan cannot speak for (it appeared, moved or changed
 *		since it was read: a racing add or delivery; or it is in
 *		incoming/, active/, hold/): such an ID is never dropped;
 *	dropped	a repeated line, a line that is no queue ID, an ID whose
 *		queue file is gone, and an ID whose deferred queue file is
 *		exactly as the scan read it (same inode, size, mtime, ctime)
 *		and has no recipient for this log;
 *	added	an ID deferred for this log that the log did not list.
 *
 *	A log that drops lines is rewritten in place (ff_log_replace()); one
 *	that only gains IDs is appended to. Logs are created as fflush-add
 *	creates them, and their access time (the refresh clock) is kept.
 *	With nsites > 0 only the logs of those sites are touched.
 *	FF_SEND_DRYRUN reads (under shared locks) and reports, changing
 *	nothing.
 *
 *	cb(arg, logname, added, dropped, kept, err) is called once per log
 *	(err non-NULL when the log failed; the others go on). t sums up.
 *	A queue file that is not a complete queue file (hostile, truncated,
 *	still being written, a symlink or a FIFO) is skipped with a
 *	warning and counted in t->skipped; mail that moves away during the
 *	scan is not counted.
 *
 *	Memory: the IDs of the deferred queue (about 100 bytes per message
 *	and per eligible destination), one log's kept lines at a time.
 *
 * DIAGNOSTICS
 *	-1 when the scan itself failed (deferred/ unreadable, a
 *	fast_flush_domains table failing, no memory): nothing was written.
 *	Otherwise 0, and t->worst says how the logs fared.
 */
#ifndef FF_REBUILD_H
#define FF_REBUILD_H

#include <stddef.h>

#include "util/api.h"
#include "postfix/spool.h"
#include "util/status.h"

struct ff_rebuild_totals {
	unsigned long files;		/* deferred queue files read */
	unsigned long skipped;		/* ... refused (not complete queue files) */
	unsigned long probes;		/* address probes left out */
	unsigned long recipients;	/* not yet delivered */
	unsigned long eligible;		/* ... with a logfile */
	unsigned long logs, changed, errors;
	unsigned long added, dropped, kept;
	enum ff_status worst;
};

typedef void ff_rebuild_cb(void *, const char *, unsigned long, unsigned long,
    unsigned long, const struct ff_err *);

FF_API int ff_rebuild(struct ff_spool *, char *const *, size_t, unsigned, ff_rebuild_cb *, void *,
    struct ff_rebuild_totals *, struct ff_err *);

#endif
