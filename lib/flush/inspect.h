/*
 * inspect.h - what the fast flush logfiles hold, for admins
 *
 * SYNOPSIS
 *	int ff_list_logs(struct ff_spool *sp, int brief, ff_list_cb *cb, void *arg,
 *	    struct ff_err *e);
 *	int ff_show_log(struct ff_spool *sp, const char *logname, ff_show_cb *cb, void *arg,
 *	    struct ff_loginfo *info, struct ff_err *e);
 *
 * DESCRIPTION
 *	ff_list_logs() calls cb(arg, info) for every logfile (see
 *	logscan.h) with its name, size, times, number of lines (entries),
 *	distinct queue IDs (unique), distinct IDs whose queue file is in
 *	no queue any more (stale) and lines that are not queue IDs (bad).
 *	With brief, logfiles are not opened: only name, size and times are
 *	filled in (info->counted = 0), which stays fast on huge spools.
 *
 *	ff_show_log() calls cb(arg, id, count, queue) for each distinct
 *	queue ID of one logfile, in order of first appearance (in byte
 *	order when it has more than FF_IDCOUNT_HELD: see idcount.h), with how
 *	often it is listed and the queue (FF_Q_*) that holds its file now
 *	(-1: gone), and fills info. It returns 0 and sets info->exists = 0
 *	when there is no such logfile.
 *
 *	Both read under a shared lock and, where the caller owns the
 *	files, without updating atime, so looking never resets the
 *	refresh clock.
 */
#ifndef FF_INSPECT_H
#define FF_INSPECT_H

#include <sys/types.h>
#include <time.h>

#include "util/api.h"
#include "postfix/qid.h"
#include "postfix/spool.h"
#include "util/status.h"

struct ff_loginfo {
	char name[FF_QID_MAX + 1];
	int exists;
	int counted;	/* entries, unique, stale, bad are filled in */
	unsigned long entries, unique, stale, bad;
	off_t size;
	struct timespec mtime, atime;
};

typedef void ff_list_cb(void *, const struct ff_loginfo *);
typedef void ff_show_cb(void *, const char *, unsigned long, int);

FF_API int ff_list_logs(struct ff_spool *, int, ff_list_cb *, void *, struct ff_err *);
FF_API int ff_show_log(struct ff_spool *, const char *, ff_show_cb *, void *, struct ff_loginfo *,
    struct ff_err *);

#endif
