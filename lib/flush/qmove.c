/*
 * qmove.c - one queue file from deferred/ to incoming/, and where a queue
 * file is (see qmove_int.h and flush.h)
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "flush/flush.h"
#include "flush/qmove_int.h"
#include "util/msg.h"
#include "postfix/qid.h"
#include "util/sfile.h"

#define MODE_READY	0700	/* owner rwx: the queue file is complete */
#define MODE_UNTHROTTLE	0040	/* group read: qmgr unthrottles this message */

/* find_queue_file - deferred first, then incoming; touch it unless dry-run */
static int
find_queue_file(struct ff_spool *sp, const char *id, size_t len, const struct timespec ts[2],
    int dryrun, struct ff_dirref *ref, struct ff_err *e)
{
	static const int order[] = { FF_Q_DEFERRED, FF_Q_INCOMING };
	struct stat st;
	int rc;

	for (size_t i = 0; i < 2; i++) {
		if (ff_spool_dir(sp, order[i], id, len, 0, ref, e) < 0) {
			if (errno == ENOENT)
				continue;
			return -2;
		}
		if (dryrun)
			rc = fstatat(ref->fd, id, &st, AT_SYMLINK_NOFOLLOW);
		else
			rc = utimensat(ref->fd, id, ts, AT_SYMLINK_NOFOLLOW);
		if (rc == 0)
			return order[i];
		rc = errno;
		ff_dirref_release(ref);
		if (rc != ENOENT) {
			ff_err_sys(e, rc, "update %s/%s time stamps", ff_queue_name(order[i]), id);
			return -2;
		}
	}
	return -1;
}

/* unthrottle - send_file: only complete files; set group-read on the open file */
static enum ff_where
unthrottle(struct ff_dirref *ref, int *q, struct ff_spool *sp, const char *id, int dryrun,
    struct ff_err *e)
{
	char what[FF_QID_MAX + 32];
	struct stat st;
	int fd;

	snprintf(what, sizeof(what), "%s/%s", ff_queue_name(*q), id);
	fd = ff_open_at(ref->fd, id, dryrun ? O_RDONLY : O_RDWR, 0, &st, what, e);
	if (fd < 0 && errno == ENOENT && *q == FF_Q_DEFERRED) {
		/* someone else just moved it: look in incoming */
		ff_dirref_release(ref);
		*q = FF_Q_INCOMING;
		if (ff_spool_dir(sp, *q, id, strlen(id), 0, ref, e) < 0)
			return errno == ENOENT ? FF_W_GONE : FF_W_FAILED;
		snprintf(what, sizeof(what), "%s/%s", ff_queue_name(*q), id);
		fd = ff_open_at(ref->fd, id, dryrun ? O_RDONLY : O_RDWR, 0, &st, what, e);
	}
	if (fd < 0)
		return errno == ENOENT ? FF_W_GONE : FF_W_FAILED;
	if ((st.st_mode & MODE_READY) != MODE_READY) {
		close(fd);
		return FF_W_NOTREADY;
	}
	/* fchmod on the descriptor we checked: a path could be swapped under us */
	if (!dryrun && fchmod(fd, (st.st_mode & 07777) | MODE_UNTHROTTLE) < 0)
		ff_msg_warn("fchmod %s: %s", what, strerror(errno));
	close(fd);
	return FF_W_MOVED;
}

enum ff_where
ff_qmove(struct ff_spool *sp, const char *id, const struct timespec ts[2], int dryrun,
    int ready_check, struct ff_err *e)
{
	struct ff_dirref from, to;
	struct stat st;
	enum ff_where w;
	size_t len = strlen(id);
	int q, saved;

	q = find_queue_file(sp, id, len, ts, dryrun, &from, e);
	if (q == -1)
		return FF_W_GONE;
	if (q < 0)
		return FF_W_FAILED;
	if (ready_check && (w = unthrottle(&from, &q, sp, id, dryrun, e)) != FF_W_MOVED) {
		ff_dirref_release(&from);
		return w;
	}
	if (q == FF_Q_INCOMING || dryrun) {
		ff_dirref_release(&from);
		return q == FF_Q_INCOMING ? FF_W_INCOMING : FF_W_MOVED;
	}
	if (ff_spool_dir(sp, FF_Q_INCOMING, id, len, 1, &to, e) < 0) {
		ff_dirref_release(&from);
		return FF_W_FAILED;
	}
	w = FF_W_MOVED;
	if (renameat(from.fd, id, to.fd, id) < 0) {
		saved = errno;
		if (saved != ENOENT) {
			ff_err_sys(e, saved, "move %s from deferred to incoming", id);
			w = FF_W_FAILED;
		} else if (fstatat(to.fd, id, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			w = FF_W_INCOMING;	/* another flush moved it first */
		} else {
			w = FF_W_GONE;		/* delivered or deleted meanwhile */
		}
	}
	ff_dirref_release(&to);
	ff_dirref_release(&from);
	return w;
}

int
ff_locate(struct ff_spool *sp, const char *id, size_t len)
{
	static const int order[] = { FF_Q_DEFERRED, FF_Q_INCOMING, FF_Q_ACTIVE, FF_Q_HOLD,
		FF_Q_CORRUPT };
	struct ff_dirref ref;
	struct stat st;
	char idbuf[FF_QID_MAX + 1];
	int found, unknown = 0;

	if (!ff_qid_ok(id, len))
		return -1;
	memcpy(idbuf, id, len);
	idbuf[len] = 0;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (ff_spool_dir(sp, order[i], idbuf, len, 0, &ref, NULL) < 0) {
			unknown |= errno != ENOENT;
			continue;
		}
		found = fstatat(ref.fd, idbuf, &st, AT_SYMLINK_NOFOLLOW) == 0;
		unknown |= !found && errno != ENOENT;
		ff_dirref_release(&ref);
		if (found)
			return order[i];
	}
	/* a directory we cannot read may hold it: never call that gone */
	return unknown ? FF_LOCATE_UNKNOWN : -1;
}
