/*
 * tear_shim.c - build/tests/tools/tear.so, an LD_PRELOAD shim that kills
 * its process in the middle of a write, as SIGKILL between two pages the
 * kernel copies (or a power cut between two blocks) does
 *
 *	LD_PRELOAD=.../tear.so FF_TEAR_AT=N CMD
 *
 * Counts the write(2), writev(2), pwrite(2) and pwritev(2) calls to
 * regular files; the Nth writes only part of its bytes and then the
 * process kills itself with SIGKILL: the first half (at least one byte,
 * when it has more than one), or with FF_TEAR_KEEP=K the first K bytes,
 * with FF_TEAR_KEEP=-K all but the last K (at least one, at most all but
 * one). Writes to pipes, sockets and terminals (replies, output)
 * are not counted. FF_TEAR_COUNT=FILE instead lets every write through
 * and appends "N LENGTH" to FILE for each counted call, so a test knows
 * which N reach a write, and how long it is.
 */
#include <sys/stat.h>
#include <sys/uio.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long calls;

static void *real(const char *);

/* tear - 0 to let the call through, else how many bytes to write before dying */
static size_t
tear(int fd, size_t total)
{
	const char *at = getenv("FF_TEAR_AT"), *count = getenv("FF_TEAR_COUNT"), *keep;
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	calls++;
	if (count != NULL) {
		int cfd = open(count, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		char buf[64];
		int n = snprintf(buf, sizeof(buf), "%ld %zu\n", calls, total);

		if (cfd >= 0) {
			ssize_t (*w)(int, const void *, size_t) = real("write");

			if (w(cfd, buf, (size_t)n) < 0)
				abort();
			close(cfd);
		}
		return 0;
	}
	if (at == NULL || atol(at) != calls)
		return 0;
	if (total <= 1)
		return total;
	if ((keep = getenv("FF_TEAR_KEEP")) != NULL) {
		long k = atol(keep);
		size_t part = k < 0 ? total - (size_t)-k : (size_t)k;

		if (k < 0 && (size_t)-k >= total)
			part = 1;
		return part < 1 ? 1 : part >= total ? total - 1 : part;
	}
	return total / 2;
}

static void *
real(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL)
		abort();
	return f;
}

static void
die(void)
{
	kill(getpid(), SIGKILL);
	for (;;)
		pause();
}

static size_t
iov_total(const struct iovec *iov, int n)
{
	size_t t = 0;

	for (int i = 0; i < n; i++)
		t += iov[i].iov_len;
	return t;
}

/* cut - the first part of the vector, part bytes long, in a buffer */
static char *
cut(const struct iovec *iov, int n, size_t part)
{
	char *buf = malloc(part ? part : 1), *p = buf;

	for (int i = 0; buf != NULL && i < n && part > 0; i++) {
		size_t k = iov[i].iov_len < part ? iov[i].iov_len : part;

		memcpy(p, iov[i].iov_base, k);
		p += k;
		part -= k;
	}
	return buf;
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	ssize_t (*w)(int, const void *, size_t) = real("write");
	size_t part = tear(fd, len);

	if (part == 0)
		return w(fd, buf, len);
	w(fd, buf, part);
	die();
	return -1;
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t (*w)(int, const void *, size_t, off_t) = real("pwrite64");
	size_t part = tear(fd, len);

	if (part == 0)
		return w(fd, buf, len, off);
	w(fd, buf, part, off);
	die();
	return -1;
}

ssize_t pwrite64(int, const void *, size_t, off_t) __attribute__((alias("pwrite")));

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	ssize_t (*w)(int, const struct iovec *, int) = real("writev");
	ssize_t (*w1)(int, const void *, size_t) = real("write");
	size_t part = tear(fd, iov_total(iov, n));
	char *b;

	if (part == 0)
		return w(fd, iov, n);
	if ((b = cut(iov, n, part)) != NULL)
		w1(fd, b, part);
	die();
	return -1;
}

ssize_t
pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	ssize_t (*w)(int, const struct iovec *, int, off_t) = real("pwritev64");
	ssize_t (*w1)(int, const void *, size_t, off_t) = real("pwrite64");
	size_t part = tear(fd, iov_total(iov, n));
	char *b;

	if (part == 0)
		return w(fd, iov, n, off);
	if ((b = cut(iov, n, part)) != NULL)
		w1(fd, b, part, off);
	die();
	return -1;
}

ssize_t pwritev64(int, const struct iovec *, int, off_t) __attribute__((alias("pwritev")));
