/*
 * logscan.h - walk the fast flush logfiles of a spool
 *
 * SYNOPSIS
 *	int ff_logscan(struct ff_spool *sp, ff_logscan_cb *cb, void *arg, struct ff_err *e);
 *
 * DESCRIPTION
 *	Calls cb(arg, dirfd, name, st) for every logfile under flush/, in
 *	name order, with the directory descriptor that holds it and its
 *	lstat, and for every side record that a crashed rewrite left
 *	(NAME.keep: ff_log_record_base() tells them apart; logwrite.h).
 *	Other names that are not valid log names (dot files, "bad.name")
 *	are skipped, as Postfix skips them. Only when flush is listed in
 *	hash_queue_names are one-letter directories descended into; a
 *	one-letter *file* is an ordinary logfile (Postfix 3.7's scan dies
 *	on it). Entries that are not regular files are reported with a
 *	warning and skipped. A missing flush/ is an empty scan. cb
 *	returns 0 to go on, -1 to stop the scan with its error.
 */
#ifndef FF_LOGSCAN_H
#define FF_LOGSCAN_H

#include <sys/stat.h>

#include "util/api.h"
#include "postfix/spool.h"
#include "util/status.h"

typedef int ff_logscan_cb(void *, int, const char *, const struct stat *, struct ff_err *);

FF_API int ff_logscan(struct ff_spool *, ff_logscan_cb *, void *, struct ff_err *);

#endif
