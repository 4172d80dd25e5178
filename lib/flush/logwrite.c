/*
 * logwrite.c - change a fast flush logfile so that no crash loses a line
 * (see logwrite.h)
 *
 * Why these rules are enough. Writers are ours and Postfix's. Postfix's
 * add opens the log by name, waits for its lock and appends, never
 * checking that the file is still the log; it does not read what is
 * there. So:
 *
 * 1. The log's inode is never replaced. A rewrite that renamed a new file
 *    over it would strand every adder already waiting on the old file's
 *    lock: it would append to a file no one reads. Every change is made in
 *    place, under the lock.
 *
 * 2. At every instant a process can die, the log is empty or ends with a
 *    newline. A write can stop part-way (SIGKILL between two pages the
 *    kernel copies, a power cut between two blocks); had it left a piece
 *    of a line at the end, the next add of any implementation would join
 *    it and its queue ID would be lost. An append therefore writes its
 *    last byte, a newline, first (the file grows, with a hole before it),
 *    and then the lines in front of it: a cut leaves a line of some new
 *    bytes and NULs, which no reader takes for a queue ID, and the
 *    newline after it. Nothing acknowledged is in that line: the add had
 *    not returned.
 *
 * 3. A rewrite keeps a subset of the lines (compaction; the IDs a send
 *    could not move), so writing them over the start of the log could
 *    break, in both its copies, a line that moved. Before the log is
 *    touched the kept lines are in the side record NAME.keep, synced,
 *    its directory entry synced. The log then gets its new last newline
 *    (synced), is cut to the new size, gets the lines, is synced; only
 *    then is the record removed. A crash at any point leaves either the
 *    untouched log, or the record with every kept line. The next process
 *    that takes the exclusive lock to send, compact or refresh appends the
 *    record's lines to the log before anything else: a line twice, or a
 *    line of a message since delivered, is harmless (sends and compaction
 *    drop them); a line missing would not be. Postfix's programs skip the
 *    record (its name is not a queue ID); until we replay it, a send by
 *    Postfix misses those IDs, and their mail waits for its next retry.
 *
 * What a power cut may take (nothing is lost to a process crash):
 * appends are not synced, as Postfix's flush does not sync them: the last
 * adds before a power cut can be missing, and their mail is retried on
 * its schedule instead of at the next ETRN. A send's truncation is not
 * synced after its moves either (its moved mail may come back to
 * deferred/ with the log empty: the same). A rewrite never leaves fewer
 * durable lines than the log had before it.
 */
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flush/logwrite.h"
#include "postfix/qid.h"
#include "util/sfile.h"

#define KEEP_LEN	(sizeof(FF_KEEP_SUFFIX) - 1)
#define RECORD_MAX	(FF_QID_MAX + KEEP_LEN + 1)
#define REPLAY_BUF	65536

static char newline[] = "\n";

size_t
ff_log_record_base(const char *name, size_t len)
{
	if (len <= KEEP_LEN || memcmp(name + len - KEEP_LEN, FF_KEEP_SUFFIX, KEEP_LEN) != 0 ||
	    !ff_qid_ok(name, len - KEEP_LEN))
		return 0;
	return len - KEEP_LEN;
}

/* record_name - NAME.keep, or -1 when it does not fit */
static int
record_name(const char *name, char rec[RECORD_MAX])
{
	int n = snprintf(rec, RECORD_MAX, "%s%s", name, FF_KEEP_SUFFIX);

	return n < 0 || (size_t)n >= RECORD_MAX ? -1 : 0;
}

/* pwritev_all - the whole vector at off, retrying short writes and EINTR */
static int
pwritev_all(int fd, struct iovec *iov, int n, off_t off)
{
	ssize_t w;

	while (n > 0) {
		if (iov->iov_len == 0) {
			iov++, n--;
			continue;
		}
		if ((w = pwritev(fd, iov, n, off)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		off += w;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++, n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* newline_at - one newline at off: a single byte, which no crash can tear */
static int
newline_at(int fd, off_t off)
{
	ssize_t w;

	do
		w = pwrite(fd, newline, 1, off);
	while (w < 0 && errno == EINTR);
	if (w == 0)
		errno = ENOSPC;
	return w == 1 ? 0 : -1;
}

int
ff_log_append(int fd, off_t *size, const char *buf, size_t len, const char *what,
    struct ff_err *e)
{
	struct iovec iov[2];
	char last = '\n';
	size_t lead;
	int n = 0, saved;

	if (len == 0)
		return 0;
	if (buf[len - 1] != '\n')
		return ff_err_set(e, FF_SOFTWARE, "append to %s: not a whole line", what);
	if (*size > 0 && pread(fd, &last, 1, *size - 1) != 1)
		last = '\n';
	lead = last != '\n';
	if (lead) {
		iov[n].iov_base = newline;
		iov[n++].iov_len = 1;
	}
	iov[n].iov_base = (void *)(uintptr_t)buf;	/* pwritev does not write to it */
	iov[n++].iov_len = len - 1;
	if (newline_at(fd, *size + (off_t)(lead + len) - 1) < 0 ||
	    pwritev_all(fd, iov, n, *size) < 0) {
		saved = errno;
		if (ftruncate(fd, *size) < 0)
			return ff_err_sys(e, saved, "append to %s (and cannot cut it back: %s)",
			    what, strerror(errno));
		return ff_err_sys(e, saved, "append to %s", what);
	}
	*size += (off_t)(lead + len);
	return 0;
}

/* write_record - NAME.keep with the lines, synced, and its name synced */
static int
write_record(int dirfd, const char *rec, const char *keep, size_t len, const char *what,
    struct ff_err *e)
{
	int fd, saved;

	fd = ff_open_at(dirfd, rec, O_WRONLY | O_CREAT | O_EXCL, 0600, NULL, what, e);
	if (fd < 0)
		return -1;
	if (ff_write_all(fd, keep, len) < 0 || fdatasync(fd) < 0) {
		saved = errno;
		close(fd);
		(void)unlinkat(dirfd, rec, 0);
		return ff_err_sys(e, saved, "write %s%s", what, FF_KEEP_SUFFIX);
	}
	if (close(fd) < 0 || fsync(dirfd) < 0) {
		saved = errno;
		(void)unlinkat(dirfd, rec, 0);
		return ff_err_sys(e, saved, "write %s%s", what, FF_KEEP_SUFFIX);
	}
	return 0;
}

int
ff_log_replace(int dirfd, const char *name, int fd, const char *keep, size_t len,
    const char *what, struct ff_err *e)
{
	char rec[RECORD_MAX];
	struct iovec iov;
	struct stat st;

	if (len == 0) {
		if (ftruncate(fd, 0) < 0)
			return ff_err_sys(e, errno, "truncate %s", what);
		return 0;
	}
	if (keep[len - 1] != '\n')
		return ff_err_set(e, FF_SOFTWARE, "rewrite %s: not a whole line", what);
	if (record_name(name, rec) < 0)
		return ff_err_set(e, FF_BAD, "%s: name too long for its record", what);
	if (fstat(fd, &st) < 0)
		return ff_err_sys(e, errno, "fstat %s", what);
	if (write_record(dirfd, rec, keep, len, what, e) < 0)
		return -1;
	/* from here on a failure leaves the record, and the next lock holder replays it */
	iov.iov_base = (void *)(uintptr_t)keep;
	iov.iov_len = len - 1;
	if (newline_at(fd, (off_t)len - 1) < 0 || fdatasync(fd) < 0 ||
	    (st.st_size > (off_t)len && ftruncate(fd, (off_t)len) < 0) ||
	    pwritev_all(fd, &iov, 1, 0) < 0 || fdatasync(fd) < 0)
		return ff_err_sys(e, errno, "rewrite %s (its lines are kept in %s%s)", what,
		    what, FF_KEEP_SUFFIX);
	if (unlinkat(dirfd, rec, 0) < 0)
		return ff_err_sys(e, errno, "remove %s%s", what, FF_KEEP_SUFFIX);
	return 0;
}

/* replay - append the queue-ID lines of the record to the log */
static int
replay(int rfd, int fd, unsigned long *ids, const char *what, struct ff_err *e)
{
	char *in = malloc(REPLAY_BUF), *out = malloc(REPLAY_BUF), *p;
	size_t have = 0, olen = 0, start, n;
	off_t size;
	struct stat st;
	ssize_t r;
	int skip = 0, rc = -1;

	if (in == NULL || out == NULL) {
		ff_err_sys(e, ENOMEM, "%s", what);
		goto done;
	}
	if (fstat(fd, &st) < 0) {
		ff_err_sys(e, errno, "fstat %s", what);
		goto done;
	}
	size = st.st_size;
	for (;;) {
		if ((r = read(rfd, in + have, REPLAY_BUF - have)) < 0) {
			if (errno == EINTR)
				continue;
			ff_err_sys(e, errno, "read %s%s", what, FF_KEEP_SUFFIX);
			goto done;
		}
		if (r == 0)
			break;		/* a last piece without newline: not written whole */
		have += (size_t)r;
		for (start = 0; (p = memchr(in + start, '\n', have - start)) != NULL;
		    start += n + 1) {
			n = (size_t)(p - (in + start));
			if (skip || !ff_qid_ok(in + start, n)) {
				skip = 0;
				continue;
			}
			if (olen + n + 1 > REPLAY_BUF) {
				if (ff_log_append(fd, &size, out, olen, what, e) < 0)
					goto done;
				olen = 0;
			}
			memcpy(out + olen, in + start, n + 1);
			olen += n + 1;
			(*ids)++;
		}
		/* a line longer than the buffer is no queue ID: drop it */
		if (start == 0 && have == REPLAY_BUF) {
			skip = 1;
			start = have;
		}
		memmove(in, in + start, have - start);
		have -= start;
	}
	if (ff_log_append(fd, &size, out, olen, what, e) < 0)
		goto done;
	rc = 0;
done:
	free(in);
	free(out);
	return rc;
}

int
ff_log_recover(int dirfd, const char *name, int fd, unsigned long *ids, const char *what,
    struct ff_err *e)
{
	char rec[RECORD_MAX];
	int rfd;

	*ids = 0;
	if (record_name(name, rec) < 0)
		return 0;		/* no record can have this name */
	if ((rfd = ff_open_at(dirfd, rec, O_RDONLY, 0, NULL, what, e)) < 0) {
		if (errno != ENOENT)
			return -1;
		if (e != NULL)
			ff_err_clear(e);
		return 0;
	}
	if (replay(rfd, fd, ids, what, e) < 0) {
		close(rfd);
		return -1;
	}
	close(rfd);
	if (fdatasync(fd) < 0)
		return ff_err_sys(e, errno, "sync %s", what);
	if (unlinkat(dirfd, rec, 0) < 0)
		return ff_err_sys(e, errno, "remove %s%s", what, FF_KEEP_SUFFIX);
	return 1;
}

int
ff_log_line(char **buf, size_t *len, size_t *cap, const char *id, size_t n)
{
	char *nb;

	if (*len + n + 1 > *cap) {
		size_t ncap = *cap ? *cap * 2 : 4096;

		while (ncap < *len + n + 1)
			ncap *= 2;
		if ((nb = realloc(*buf, ncap)) == NULL)
			return -1;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, id, n);
	(*buf)[*len + n] = '\n';
	*len += n + 1;
	return 0;
}
