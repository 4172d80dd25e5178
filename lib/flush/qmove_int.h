/*
 * qmove_int.h - one queue file from deferred/ to incoming/
 *
 * SYNOPSIS
 *	enum ff_where ff_qmove(struct ff_spool *sp, const char *id,
 *	    const struct timespec ts[2], int dryrun, int ready_check,
 *	    struct ff_err *e);
 *
 * DESCRIPTION
 *	ff_qmove() is what ff_send_log() does for each queue ID of a
 *	logfile and ff_send_file() for its one: find the queue file in
 *	deferred/, else incoming/, set its times to ts (dryrun: only look),
 *	and move it from deferred/ to incoming/. With ready_check (Postfix's
 *	send_file) only a complete file (owner mode exactly 0700) moves,
 *	after the group-read "unthrottle" bit is set on the open file.
 *	It returns where the file went: FF_W_MOVED, FF_W_INCOMING (there
 *	already, or another flush moved it first), FF_W_GONE (in neither,
 *	or delivered meanwhile), FF_W_NOTREADY, or FF_W_FAILED with e set.
 *
 *	Not installed: flush.c's helper.
 */
#ifndef FF_QMOVE_INT_H
#define FF_QMOVE_INT_H

#include <time.h>

#include "flush/flush.h"

enum ff_where ff_qmove(struct ff_spool *, const char *, const struct timespec[2], int, int,
    struct ff_err *);

#endif
