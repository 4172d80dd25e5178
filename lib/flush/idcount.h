/*
 * idcount.h - count the distinct queue IDs of a stream in bounded memory
 *
 * SYNOPSIS
 *	int ff_idcount_init(struct ff_idcount *c, size_t max_held);
 *	int ff_idcount_add(struct ff_idcount *c, const char *id, size_t len);
 *	int ff_idcount_walk(struct ff_idcount *c, ff_idcount_cb *cb, void *arg);
 *	void ff_idcount_free(struct ff_idcount *c);
 *
 * DESCRIPTION
 *	ff_idcount_add() counts one occurrence of id (at most FF_QID_MAX
 *	bytes, no NUL). At most max_held distinct IDs are held in memory
 *	(0: FF_IDCOUNT_HELD); when that many are, they are written out,
 *	sorted, as one run to an unlinked temporary file (tmpfile(3), so
 *	$TMPDIR) and memory starts afresh.
 *
 *	ff_idcount_walk() calls cb(arg, id, len, count) once per distinct
 *	ID with how often it was added: in order of first appearance when
 *	nothing was written out (c->spilled == 0), else in byte order of
 *	the IDs, merging the runs. A callback that returns -1 stops the
 *	walk, which then returns -1.
 *
 *	Memory: max_held IDs (about 60 bytes each with the table) plus
 *	4 KiB per run written; the temporary file takes about len + 9
 *	bytes per distinct ID of each run.
 *
 * DIAGNOSTICS
 *	-1 with errno: out of memory, or the temporary file failed.
 */
#ifndef FF_IDCOUNT_H
#define FF_IDCOUNT_H

#include <stdio.h>
#include <sys/types.h>

#include "util/api.h"
#include "util/map.h"

#define FF_IDCOUNT_HELD	(256 * 1024)

typedef int ff_idcount_cb(void *, const char *, size_t, unsigned long);

struct ff_idcount {
	struct ff_map held;	/* id -> count, as a pointer-sized integer */
	size_t max_held;
	FILE *tmp;		/* the runs, one after the other */
	off_t *run_end;		/* where each run ends */
	size_t nruns;
	int spilled;
};

FF_API int ff_idcount_init(struct ff_idcount *, size_t);
FF_API int ff_idcount_add(struct ff_idcount *, const char *, size_t);
FF_API int ff_idcount_walk(struct ff_idcount *, ff_idcount_cb *, void *);
FF_API void ff_idcount_free(struct ff_idcount *);

#endif
