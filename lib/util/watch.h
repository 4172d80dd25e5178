/*
 * watch.h - notice when files that were read have changed since
 *
 * SYNOPSIS
 *	int ff_watch_add(struct ff_watch *w, const char *path, int fd);
 *	int ff_watch_merge(struct ff_watch *w, const struct ff_watch *from);
 *	int ff_watch_changed(const struct ff_watch *w);
 *	void ff_watch_free(struct ff_watch *w);
 *
 * DESCRIPTION
 *	A struct ff_watch (zero-initialised) lists files with what they
 *	were when they were read: device, inode, size, modification and
 *	change time, or "missing". ff_watch_add() records a file: with fd
 *	>= 0 the open file (fstat), else path (stat); a path added again
 *	is recorded afresh. Record a file before reading it: a change
 *	while it is read then shows as a change afterwards.
 *
 *	ff_watch_merge() appends copies of from's records as they are
 *	(what a table built from other tables read through them).
 *
 *	ff_watch_changed() is 1 when any file differs from its record now
 *	(created, removed, renamed over, rewritten, touched), else 0. It
 *	costs one stat(2) per file.
 *
 * DIAGNOSTICS
 *	ff_watch_add() and ff_watch_merge() return -1 when memory runs
 *	out.
 */
#ifndef FF_WATCH_H
#define FF_WATCH_H

#include "util/api.h"

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

struct ff_watch_file {
	char *path;
	int exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
};

struct ff_watch {
	struct ff_watch_file *f;
	size_t n;
};

FF_API int ff_watch_add(struct ff_watch *, const char *, int);
FF_API int ff_watch_merge(struct ff_watch *, const struct ff_watch *);
FF_API int ff_watch_changed(const struct ff_watch *);
FF_API void ff_watch_free(struct ff_watch *);

#endif
