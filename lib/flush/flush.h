/*
 * flush.h - deliver what a fast flush logfile lists (ETRN), or one message
 *
 * SYNOPSIS
 *	int ff_send_site(struct ff_spool *sp, const char *site, unsigned flags,
 *	    struct ff_counts *c, ff_id_cb *cb, void *arg, char *logname, struct ff_err *e);
 *	int ff_send_log(struct ff_spool *sp, const char *logname, unsigned flags,
 *	    struct ff_counts *c, ff_id_cb *cb, void *arg, struct ff_err *e);
 *	int ff_send_file(struct ff_spool *sp, const char *id, unsigned flags,
 *	    struct ff_counts *c, ff_id_cb *cb, void *arg, struct ff_err *e);
 *	int ff_locate(struct ff_spool *sp, const char *id, size_t len);
 *	enum ff_status ff_send_status(const struct ff_counts *c);
 *	const char *ff_where_name(enum ff_where w);
 *
 * DESCRIPTION
 *	ff_send_site() checks the site against fast_flush_domains, maps it
 *	to its logfile (logname receives the name, FF_QID_MAX + 1 bytes)
 *	and calls ff_send_log().
 *
 *	ff_send_log() locks flush/<logname> exclusively, sends the 'F'
 *	trigger (not with FF_SEND_REFRESH), and for every queue ID listed
 *	sets the queue file's times to now and moves it from deferred/ to
 *	incoming/ (already in incoming: times only; in neither: gone).
 *	Lines that are not queue IDs are skipped with a warning; repeated
 *	IDs are handled once (up to FF_DEDUP_MAX distinct IDs; past that,
 *	repeats are tolerated). When the log had lines it is truncated
 *	after the IDs are handled, except that IDs whose move failed are
 *	written back; then its times are set to now (the noatime
 *	workaround) and, if it had lines, the 'I' trigger is sent. A
 *	missing logfile sets c->nolog and is not an error.
 *
 *	ff_send_file() is Postfix's send_file: the same move for one
 *	queue ID, but only when the file is complete (owner mode exactly
 *	0700); the group-read "unthrottle" bit is set on the open file
 *	with fchmod() before the move, and 'I' is sent when the file was
 *	found and ready.
 *
 *	FF_SEND_DRYRUN changes nothing: no moves, no truncation, no time
 *	updates, no triggers; the counts say what would happen. cb, when
 *	not NULL, is called once for each distinct line, in log order
 *	(FF_W_BAD for a line that is no queue ID), with where it went;
 *	repeats are counted in c->dups, not passed to cb.
 *
 *	ff_locate() returns the queue (FF_Q_*) that holds a queue file
 *	now, -1 when it is in none of deferred, incoming, active, hold,
 *	corrupt, or FF_LOCATE_UNKNOWN when a lookup failed for another
 *	reason than "no such file" (a directory it cannot read): the
 *	message may be there, so it is not gone.
 *
 *	ff_send_status() is the outcome of a send that succeeded: FF_OK
 *	when something was delivered or is on its way (moved, or already
 *	in incoming/), FF_NOTHING (ETRN's "nothing waiting") otherwise.
 *
 * DIAGNOSTICS
 *	0 on success (even when some IDs were gone), -1 with the error
 *	set: policy (FF_DENY, FF_FAIL, FF_BADSITE), bad ID (FF_BAD),
 *	unsafe logfile, lock time-out or I/O error. When some moves fail
 *	the log keeps those IDs, c->failed counts them and the call
 *	returns -1 with the first failure.
 */
#ifndef FF_FLUSH_H
#define FF_FLUSH_H

#include <stddef.h>

#include "util/api.h"
#include "postfix/spool.h"
#include "util/status.h"

#define FF_DEDUP_MAX	100000

#define FF_SEND_DRYRUN	(1u << 0)
#define FF_SEND_REFRESH	(1u << 1)

enum ff_where {
	FF_W_MOVED,	/* deferred -> incoming */
	FF_W_INCOMING,	/* already in incoming */
	FF_W_GONE,	/* in neither */
	FF_W_NOTREADY,	/* send_file: not mode 0700 */
	FF_W_FAILED,	/* could not be moved; kept in the log */
	FF_W_BAD,	/* not a queue ID */
	FF_W_DUP,	/* listed before */
};

struct ff_counts {
	unsigned long lines, bad, dups;
	unsigned long moved, incoming, gone, notready, failed;
	int nolog;	/* no logfile */
};

typedef void ff_id_cb(void *, const char *, size_t, enum ff_where);

FF_API int ff_send_site(struct ff_spool *, const char *, unsigned, struct ff_counts *, ff_id_cb *,
    void *, char *, struct ff_err *);
FF_API int ff_send_log(struct ff_spool *, const char *, unsigned, struct ff_counts *, ff_id_cb *,
    void *, struct ff_err *);
FF_API int ff_send_file(struct ff_spool *, const char *, unsigned, struct ff_counts *, ff_id_cb *,
    void *, struct ff_err *);
FF_API enum ff_status ff_send_status(const struct ff_counts *);
#define FF_LOCATE_UNKNOWN	(-2)

FF_API int ff_locate(struct ff_spool *, const char *, size_t);
FF_API const char *ff_where_name(enum ff_where);

#endif
