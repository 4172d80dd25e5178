/*
 * qscan.h - walk the queue files of one Postfix queue directory
 *
 * SYNOPSIS
 *	#include "postfix/qscan.h"
 *
 *	typedef int ff_qscan_cb(void *arg, int dirfd, const char *id,
 *	    size_t len, struct ff_err *e);
 *	int ff_qscan(struct ff_spool *sp, int queue, ff_qscan_cb *cb,
 *	    void *arg, struct ff_err *e);
 *
 * DESCRIPTION
 *	ff_qscan() calls cb once for every name in the queue directory
 *	(FF_Q_DEFERRED, ...) that is a valid queue ID, with a descriptor of
 *	the directory that holds it. Like Postfix's own queue scan it finds
 *	files both at the top and in the one-character hash subdirectories,
 *	whatever hash_queue_names says now (the setting may have changed
 *	since the files were queued), down to FF_HASH_MAX_DEPTH levels.
 *	Directories are opened with O_NOFOLLOW: a symlink is never entered.
 *	The callback decides what a name is (it opens the file itself).
 *	Before a directory's descriptor is closed, cb is called once more
 *	with id NULL and len 0: whatever the callback kept of that
 *	descriptor must be done then (the number is reused afterwards).
 *
 *	A callback result < 0 stops the walk with that result; e is then
 *	the callback's. A subdirectory that cannot be read is skipped with a
 *	warning and counted in *unreadable when the caller wants it (NULL:
 *	not counted); the queue directory itself failing is an error.
 *	Memory: one directory stream per level.
 */
#ifndef FF_QSCAN_H
#define FF_QSCAN_H

#include <stddef.h>

#include "util/api.h"
#include "postfix/spool.h"
#include "util/status.h"

typedef int ff_qscan_cb(void *, int, const char *, size_t, struct ff_err *);

FF_API int ff_qscan(struct ff_spool *, int, ff_qscan_cb *, void *, unsigned long *, struct ff_err *);

#endif
