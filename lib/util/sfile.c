/*
 * sfile.c - symlink-safe opens, bounded locks, plain service names (see sfile.h)
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/sfile.h"

int
ff_open_at(int dirfd, const char *name, int flags, mode_t mode, struct stat *st,
    const char *what, struct ff_err *e)
{
	struct stat tmp;
	int fd, saved;

	if (st == NULL)
		st = &tmp;
	/*
	 * O_NONBLOCK makes an open that meets a lease fail with EWOULDBLOCK
	 * instead of waiting: a purge holds one on an empty log for a moment
	 * (refresh.c). Retry, briefly.
	 */
	for (long waited = 0, step = 1;; waited += step, step = step < 16 ? step * 2 : step) {
		fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode);
		if (fd >= 0 || errno != EWOULDBLOCK || waited >= FF_LEASE_WAIT_MS)
			break;
		(void)poll(NULL, 0, (int)step);
	}
	if (fd < 0) {
		saved = errno;
		if (saved == ELOOP) {
			ff_err_set(e, FF_SYSERR, "%s: is a symbolic link; refusing to follow it",
			    what);
			errno = saved;
			return -1;
		}
		/* a FIFO without reader, a socket, a device: say what it is */
		if (saved != ENOENT && fstatat(dirfd, name, &tmp, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISREG(tmp.st_mode)) {
			ff_err_set(e, FF_SYSERR, "%s: is not a regular file; refusing to use it",
			    what);
			errno = saved;
			return -1;
		}
		return ff_err_sys(e, saved, "open %s", what);
	}
	if (fstat(fd, st) < 0) {
		saved = errno;
		close(fd);
		return ff_err_sys(e, saved, "fstat %s", what);
	}
	if (!S_ISREG(st->st_mode) || st->st_nlink > 1) {
		close(fd);
		ff_err_set(e, FF_SYSERR, "%s: %s; refusing to use it", what,
		    S_ISREG(st->st_mode) ? "has more than one hard link" : "is not a regular file");
		errno = EPERM;
		return -1;
	}
	return fd;
}

int
ff_lock(int fd, int op, long timeout_ms, const char *what, struct ff_err *e)
{
	struct timespec start, now, nap = { 0, 500000 };	/* 0.5 ms, doubling */
	long waited;

	if (flock(fd, op | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK && errno != EINTR)
		return ff_err_sys(e, errno, "lock %s", what);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		nanosleep(&nap, NULL);
		if (flock(fd, op | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return ff_err_sys(e, errno, "lock %s", what);
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000;
		if (waited >= timeout_ms)
			return ff_err_set(e, FF_TEMP, "lock %s: timed out after %ld ms",
			    what, waited);
		if (nap.tv_nsec < 50000000)
			nap.tv_nsec *= 2;	/* at most 100 ms between tries */
	}
}

int
ff_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
ff_service_name_ok(const char *name)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-.";
	size_t len = strlen(name);

	return len > 0 && len <= FF_SERVICE_NAME_MAX && name[0] != '.' && name[0] != '-' &&
	    strspn(name, ok) == len;
}

int
ff_service_check(const char *what, const char *name, struct ff_err *e)
{
	if (ff_service_name_ok(name))
		return 0;
	return ff_err_set(e, FF_CONFIG, "bad %s: \"%.100s\" (not a plain service name: "
	    "1 to %d letters, digits, '_', '-', '.', not starting with '.' or '-')", what,
	    name, FF_SERVICE_NAME_MAX);
}
