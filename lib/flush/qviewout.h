/*
 * qviewout.h - print the deferred queue per destination (qview.h)
 *
 * SYNOPSIS
 *	#include "flush/qviewout.h"
 *
 *	void ff_qview_print(FILE *fp, const struct ff_qview *v, unsigned how);
 *
 * DESCRIPTION
 *	ff_qview_print() writes what ff_qview_scan() collected, as
 *	fflush-list(1) documents it:
 *
 *	0		an aligned table with a header line, one row per
 *			destination (times as ages: "3h12m");
 *	FF_QOUT_JSON	one JSON object per destination and line, with
 *			postqueue -j's key names where the meaning is the
 *			same ("queue_name", "message_size", times in seconds
 *			since the epoch);
 *	FF_QOUT_AGES	also the messages per qshape age bucket (a column
 *			each, or the "ages" object);
 *	FF_QOUT_IDS	instead, one row (or object, shaped like postqueue
 *			-j's) per message of each destination, with the
 *			recipients that go there (needs FF_QVIEW_IDS);
 *	FF_QOUT_QUIET	rows only: no header, no summary or final line.
 *
 *	The text form ends with a line counting the queue files and
 *	directories skipped, when there were any (JSON leaves that to the
 *	caller: standard output stays one object per line).
 *	Errors on fp are left to the caller (ferror()).
 */
#ifndef FF_QVIEWOUT_H
#define FF_QVIEWOUT_H

#include <stdio.h>

#include "util/api.h"
#include "flush/qview.h"

#define FF_QOUT_JSON	0x1
#define FF_QOUT_AGES	0x2
#define FF_QOUT_IDS	0x4
#define FF_QOUT_QUIET	0x8

FF_API void ff_qview_print(FILE *, const struct ff_qview *, unsigned);

#endif
