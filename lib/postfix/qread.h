/*
 * qread.h - read every queue file of a queue directory, on several threads
 *
 * SYNOPSIS
 *	#include "postfix/qread.h"
 *
 *	typedef int ff_qread_cb(void *arg, const char *id, size_t len,
 *	    int rc, struct ff_qfile *q, const struct stat *st,
 *	    const struct ff_err *qe, struct ff_err *e);
 *	int ff_qread(struct ff_spool *sp, int queue, unsigned threads,
 *	    ff_qread_cb *cb, void *arg, unsigned long *unreadable,
 *	    struct ff_err *e);
 *
 * DESCRIPTION
 *	ff_qread() walks the queue directory as ff_qscan() does and loads
 *	every queue file it names with ff_qfile_load(). The loads of one
 *	directory go in batches of up to FF_QREAD_BATCH names to up to
 *	"threads" threads (0: one per online CPU, at most FF_QREAD_THREADS;
 *	1: none started); reading the files is what a scan spends its time
 *	on, in the kernel, and it runs in parallel. The threads only open,
 *	stat, read and close; every result goes to cb on the calling thread,
 *	in the order the directory listed the names, so the callback needs
 *	no locking and may write messages.
 *
 *	cb gets the queue ID and ff_qfile_load()'s result rc: 1 with q (the
 *	file's recipients; the callback may keep them with ff_qfile_take())
 *	and st (the file when it was opened), 0 when the file was gone, -1
 *	with qe saying why it could not be read. A callback result < 0
 *	stops the walk with that result and the callback's e.
 *
 *	Memory: one reader per thread and the results of one batch.
 *	Errors as ff_qscan(); a thread that cannot be started leaves its
 *	share to the others (at worst the calling thread reads it all).
 */
#ifndef FF_QREAD_H
#define FF_QREAD_H

#include <sys/stat.h>
#include <stddef.h>

#include "util/api.h"
#include "postfix/qfile.h"
#include "postfix/spool.h"
#include "util/status.h"

#define FF_QREAD_BATCH		1024	/* names read in parallel at a time */
#define FF_QREAD_THREADS	8	/* most threads that read */

typedef int ff_qread_cb(void *, const char *, size_t, int, struct ff_qfile *,
    const struct stat *, const struct ff_err *, struct ff_err *);

FF_API int ff_qread(struct ff_spool *, int, unsigned, ff_qread_cb *, void *, unsigned long *,
    struct ff_err *);

#endif
