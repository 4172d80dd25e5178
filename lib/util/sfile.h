/*
 * sfile.h - symlink-safe opens, bounded locks, plain service names
 *
 * SYNOPSIS
 *	int ff_open_at(int dirfd, const char *name, int flags, mode_t mode,
 *	    struct stat *st, const char *what, struct ff_err *e);
 *	int ff_lock(int fd, int op, long timeout_ms, const char *what, struct ff_err *e);
 *	int ff_write_all(int fd, const void *buf, size_t len);
 *	int ff_service_name_ok(const char *name);
 *	int ff_service_check(const char *what, const char *name, struct ff_err *e);
 *
 * DESCRIPTION
 *	ff_open_at() opens name relative to dirfd with O_NOFOLLOW,
 *	O_CLOEXEC and O_NONBLOCK (a planted FIFO cannot hang us), then
 *	insists on a regular file with exactly one link, so that a
 *	symlink or hard link planted in the spool is refused, never
 *	followed. st receives the file's status. what names the file in
 *	messages. An open that meets a lease (a purge holds one on an empty
 *	log for a moment) is retried for up to FF_LEASE_WAIT_MS.
 *
 *	ff_lock() takes a flock(2) lock (LOCK_EX or LOCK_SH), waiting at
 *	most timeout_ms (retrying with back-off), and fails with FF_TEMP
 *	on time-out. Locks are compatible with Postfix's own on Linux.
 *
 *	ff_write_all() writes everything, retrying short writes and
 *	EINTR; -1 with errno on failure.
 *
 *	ff_service_name_ok() is the one rule for a service name that
 *	becomes a file name in public/ or private/ (the socket, the FIFO,
 *	the cache server's NAME.lock): 1 for a plain name of 1 to
 *	FF_SERVICE_NAME_MAX bytes of letters, digits, '_', '-' and '.'
 *	that does not start with '.' or '-' (so never ".", ".." or a
 *	path), else 0. ff_service_check() applies it for a parameter or
 *	option named what: 0, or -1 with FF_CONFIG and a message.
 *
 * DIAGNOSTICS
 *	-1 with the error set: a system error, or FF_SYSERR for an unsafe
 *	file. errno is ENOENT when the file does not exist.
 */
#ifndef FF_SFILE_H
#define FF_SFILE_H

#include <sys/stat.h>
#include <sys/types.h>

#include "util/api.h"
#include "util/status.h"

FF_API int ff_open_at(int, const char *, int, mode_t, struct stat *, const char *, struct ff_err *);
FF_API int ff_lock(int, int, long, const char *, struct ff_err *);
FF_API int ff_write_all(int, const void *, size_t);
FF_API int ff_service_name_ok(const char *);
FF_API int ff_service_check(const char *, const char *, struct ff_err *);

#define FF_SERVICE_NAME_MAX	64
#define FF_LEASE_WAIT_MS	1000

#endif
