/*
 * sfile.h - symlink-safe opens and bounded locks
 *
 * SYNOPSIS
 *	int ff_open_at(int dirfd, const char *name, int flags, mode_t mode,
 *	    struct stat *st, const char *what, struct ff_err *e);
 *	int ff_lock(int fd, int op, long timeout_ms, const char *what, struct ff_err *e);
 *	int ff_write_all(int fd, const void *buf, size_t len);
 *
 * DESCRIPTION
 *	ff_open_at() opens name relative to dirfd with O_NOFOLLOW,
 *	O_CLOEXEC and O_NONBLOCK (a planted FIFO cannot hang us), then
 *	insists on a regular file with exactly one link, so that a
 *	symlink or hard link planted in the spool is refused, never
 *	followed. st receives the file's status. what names the file in
 *	messages.
 *
 *	ff_lock() takes a flock(2) lock (LOCK_EX or LOCK_SH), waiting at
 *	most timeout_ms (retrying with back-off), and fails with FF_TEMP
 *	on time-out. Locks are compatible with Postfix's own on Linux.
 *
 *	ff_write_all() writes everything, retrying short writes and
 *	EINTR; -1 with errno on failure.
 *
 * DIAGNOSTICS
 *	-1 with the error set: a system error, or FF_SYSERR for an unsafe
 *	file. errno is ENOENT when the file does not exist.
 */
#ifndef FF_SFILE_H
#define FF_SFILE_H

#include <sys/stat.h>
#include <sys/types.h>

#include "status.h"

int ff_open_at(int, const char *, int, mode_t, struct stat *, const char *, struct ff_err *);
int ff_lock(int, int, long, const char *, struct ff_err *);
int ff_write_all(int, const void *, size_t);

#endif
