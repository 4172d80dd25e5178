/*
 * refresh.c - refresh, purge and compact fast flush logfiles (see refresh.h)
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flush/flush.h"
#include "flush/logadd.h"
#include "flush/logread.h"
#include "flush/logwrite.h"
#include "flush/logscan.h"
#include "util/map.h"
#include "util/msg.h"
#include "flush/refresh.h"
#include "util/sfile.h"

struct refresh_ctx {
	struct ff_spool *sp;
	unsigned flags;
	ff_refresh_cb *cb;
	void *arg;
	struct ff_refresh_totals *t;
	time_t now;
	long max_age;		/* fast_flush_refresh_time; 0: refresh all */
	long purge_time;	/* fast_flush_purge_time */
};

static const char *const action_names[] = {
	[FF_R_KEPT] = "kept",
	[FF_R_REFRESHED] = "refreshed",
	[FF_R_PURGED] = "purged",
	[FF_R_COMPACTED] = "compacted",
	[FF_R_FAILED] = "failed",
	[FF_R_RECOVERED] = "recovered",
};

const char *
ff_refresh_action_name(enum ff_refresh_action a)
{
	return (unsigned)a < sizeof(action_names) / sizeof(action_names[0]) ?
	    action_names[a] : "?";
}

/* open_quietly - read without touching atime (the refresh clock) if we may */
static int
open_log(int dirfd, const char *name, int flags, struct stat *st, const char *what,
    struct ff_err *e)
{
	int fd = ff_open_at(dirfd, name, flags | O_NOATIME, 0, st, what, e);

	if (fd < 0 && errno == EPERM)
		fd = ff_open_at(dirfd, name, flags, 0, st, what, e);
	return fd;
}

/*
 * salvage - someone opened the log between our lease and the unlink: the
 * file is gone from flush/, and what they write goes into it. Let them
 * in, wait until nobody but us has it open (our write lease is granted
 * again), and add what they wrote to the log under its name.
 */
static void
salvage(struct refresh_ctx *x, int fd, const char *name, const char *what)
{
	char buf[8192];
	struct ff_err e = { .status = FF_OK };
	long waited = 0, step = 1;
	ssize_t n;
	size_t len = 0;

	(void)fcntl(fd, F_SETLEASE, F_UNLCK);
	(void)flock(fd, LOCK_UN);
	while (fcntl(fd, F_SETLEASE, F_WRLCK) < 0) {
		if (errno != EAGAIN || waited >= ff_spool_lock_timeout_ms(x->sp)) {
			ff_msg_warn("%s: still open by another process after it was purged; "
			    "what it adds is not in flush/", what);
			return;
		}
		(void)poll(NULL, 0, (int)step);
		waited += step;
		step = step < 64 ? step * 2 : step;
	}
	(void)fcntl(fd, F_SETLEASE, F_UNLCK);
	while ((n = pread(fd, buf + len, sizeof(buf) - len, (off_t)len)) > 0)
		len += (size_t)n;
	while (len > 0 && buf[len - 1] != '\n')
		len--;		/* only whole lines */
	if (len > 0 && ff_add_log(x->sp, name, buf, len, &e) < 0)
		ff_msg_warn("%s: what was added while it was purged: %s", what, e.msg);
}

/*
 * purge_one - delete an empty logfile, if it still is empty, still ours,
 * and nobody else has it open. Postfix's add opens the log, waits for its
 * lock and writes, whatever became of the name: deleting a log that an
 * adder holds open loses its ID. A write lease (F_SETLEASE) is granted
 * only when no other process has the file open; while we hold it, an
 * open of the file breaks it, which we see after the unlink (salvage()).
 * What remains: an open(2) that found the name before the unlink and gets
 * to the file only after the lease is gone, a window inside one system
 * call. Without leases (a file system that has none) nothing is deleted.
 */
static int
purge_one(struct refresh_ctx *x, int dirfd, const char *name, struct ff_err *e)
{
	char what[FF_QID_MAX + 16];
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	struct stat st, now;
	int fd, rc = 0, lease;

	if (x->flags & FF_SEND_DRYRUN)
		return 1;
	snprintf(what, sizeof(what), "flush/%s", name);
	if ((fd = open_log(dirfd, name, O_RDONLY, &st, what, e)) < 0)
		return errno == ENOENT ? 0 : -1;
	/* an adder holding the lock may be about to write: wait for it */
	if (ff_lock(fd, LOCK_EX, ff_spool_lock_timeout_ms(x->sp), what, e) < 0) {
		close(fd);
		return -1;
	}
	if (fstat(fd, &st) < 0 || st.st_size != 0 || st.st_nlink != 1 ||
	    fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) < 0 ||
	    now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
		close(fd);
		return 0;
	}
	/* a lease break is signalled with SIGIO, whose default is to exit */
	sigaction(SIGIO, &ign, &old);
	if (fcntl(fd, F_SETLEASE, F_WRLCK) < 0) {
		if (errno != EAGAIN)	/* EAGAIN: someone has it open; keep it */
			ff_msg_warn("%s: cannot tell whether another process has it open (%s); "
			    "not purged", what, strerror(errno));
	} else if (fcntl(fd, F_GETLEASE) != F_WRLCK) {
		(void)fcntl(fd, F_SETLEASE, F_UNLCK);	/* someone is opening it: keep it */
	} else if (unlinkat(dirfd, name, 0) < 0) {
		rc = ff_err_sys(e, errno, "remove %s", what);
		(void)fcntl(fd, F_SETLEASE, F_UNLCK);
	} else {
		rc = 1;
		lease = fcntl(fd, F_GETLEASE);
		if (lease != F_WRLCK)
			salvage(x, fd, name, what);
		else
			(void)fcntl(fd, F_SETLEASE, F_UNLCK);
	}
	sigaction(SIGIO, &old, NULL);
	close(fd);
	return rc;
}

/*
 * remember_stale - note an ID without a queue file. At most STALE_MEMO
 * are kept (then they are forgotten, and a stale ID met again costs one
 * more lookup), so a log full of such IDs costs bounded memory, whatever
 * its size.
 */
#define STALE_MEMO	65536

static void
remember_stale(struct ff_map *stale, const char *id, size_t len)
{
	if (ff_map_put(stale, id, len, NULL) >= 0)
		return;
	ff_map_free(stale);
	if (ff_map_init(stale, STALE_MEMO) == 0)
		(void)ff_map_put(stale, id, len, NULL);
}

/*
 * compact_one - keep one line per queue ID that still has a queue file.
 * Memory: the IDs kept (at most one per queued message) and STALE_MEMO
 * stale ones, not the whole log.
 */
static int
compact_one(struct refresh_ctx *x, int dirfd, const char *name, unsigned long *dropped,
    unsigned long *replayed, struct ff_err *e)
{
	char what[FF_QID_MAX + 16], *out = NULL;
	struct ff_logread *rd = NULL;
	struct ff_map seen = { 0 }, stale = { 0 };
	const char *id;
	size_t len, olen = 0, ocap = 0;
	int fd, ok, r, rc = -1, dryrun = (x->flags & FF_SEND_DRYRUN) != 0;

	*dropped = 0;
	snprintf(what, sizeof(what), "flush/%s", name);
	if ((fd = open_log(dirfd, name, dryrun ? O_RDONLY : O_RDWR, NULL, what, e)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (ff_lock(fd, dryrun ? LOCK_SH : LOCK_EX, ff_spool_lock_timeout_ms(x->sp), what, e) < 0 ||
	    (!dryrun && ff_log_recover(dirfd, name, fd, replayed, what, e) < 0))
		goto out;
	if ((rd = malloc(sizeof(*rd))) == NULL || ff_map_init(&seen, 0) < 0 ||
	    ff_map_init(&stale, STALE_MEMO) < 0) {
		ff_err_sys(e, ENOMEM, "%s", what);
		goto out;
	}
	ff_logread_init(rd, fd);
	while ((r = ff_logread_next(rd, &id, &len, &ok)) == 1) {
		if (!ok || ff_map_has(&seen, id, len) || ff_map_has(&stale, id, len)) {
			(*dropped)++;
			continue;
		}
		if (ff_locate(x->sp, id, len) == -1) {
			remember_stale(&stale, id, len);
			(*dropped)++;
			continue;
		}
		if (ff_map_put(&seen, id, len, NULL) < 0) {
			ff_err_sys(e, ENOMEM, "%s", what);
			goto out;
		}
		if (ff_log_line(&out, &olen, &ocap, id, len) < 0) {
			ff_err_sys(e, ENOMEM, "%s", what);
			goto out;
		}
	}
	if (r < 0) {
		ff_err_sys(e, errno, "read %s", what);
		goto out;
	}
	/* in place, crash-safe: logwrite.c */
	if (*dropped > 0 && !dryrun && ff_log_replace(dirfd, name, fd, out, olen, what, e) < 0)
		goto out;
	rc = 0;
out:
	free(out);
	free(rd);
	ff_map_free(&seen);
	ff_map_free(&stale);
	close(fd);
	return rc;
}

static void
report(struct refresh_ctx *x, const char *name, enum ff_refresh_action a,
    const struct ff_counts *c, unsigned long dropped, const struct ff_err *e)
{
	struct ff_refresh_totals *t = x->t;

	switch (a) {
	case FF_R_KEPT: t->kept++; break;
	case FF_R_REFRESHED: t->refreshed++; break;
	case FF_R_PURGED: t->purged++; break;
	case FF_R_COMPACTED: t->compacted++; break;
	case FF_R_RECOVERED: t->recovered++; break;
	case FF_R_FAILED:
		t->errors++;
		t->worst = ff_status_worse(t->worst, e->status);
		ff_msg_error("%s", e->msg);
		break;
	}
	if (c != NULL) {
		t->c.lines += c->lines;
		t->c.bad += c->bad;
		t->c.dups += c->dups;
		t->c.moved += c->moved;
		t->c.incoming += c->incoming;
		t->c.gone += c->gone;
		t->c.failed += c->failed;
	}
	t->dropped += dropped;
	if (x->cb != NULL)
		x->cb(x->arg, name, a, c, dropped, e);
}

/*
 * recover_one - a record a crashed rewrite left: its lines go back into
 * the log (created again if a purge took it since)
 */
static int
recover_one(struct refresh_ctx *x, int dirfd, const char *record)
{
	char name[FF_QID_MAX + 1], what[FF_QID_MAX + 16];
	struct ff_err e = { .status = FF_OK };
	unsigned long ids = 0;
	size_t len = ff_log_record_base(record, strlen(record));
	int fd, r = -1;

	if (x->flags & FF_SEND_DRYRUN || len > FF_QID_MAX)
		return 0;
	memcpy(name, record, len);
	name[len] = 0;
	snprintf(what, sizeof(what), "flush/%s", name);
	if ((fd = ff_open_at(dirfd, name, O_RDWR | O_CREAT, 0600, NULL, what, &e)) >= 0) {
		if (ff_lock(fd, LOCK_EX, ff_spool_lock_timeout_ms(x->sp), what, &e) == 0)
			r = ff_log_recover(dirfd, name, fd, &ids, what, &e);
		close(fd);
	}
	if (r < 0)
		report(x, name, FF_R_FAILED, NULL, 0, &e);
	else if (r > 0)
		report(x, name, FF_R_RECOVERED, NULL, ids, &e);
	return 0;
}

static int
refresh_one(void *arg, int dirfd, const char *name, const struct stat *st, struct ff_err *unused)
{
	struct refresh_ctx *x = arg;
	struct ff_counts c = { 0 };
	struct ff_err e = { .status = FF_OK };
	unsigned long dropped = 0, replayed = 0;
	int r;

	if (ff_log_record_base(name, strlen(name)) > 0)
		return recover_one(x, dirfd, name);
	x->t->logs++;
	if (st->st_size == 0) {
		if (st->st_mtime + x->purge_time >= x->now) {
			report(x, name, FF_R_KEPT, NULL, 0, &e);
		} else if ((r = purge_one(x, dirfd, name, &e)) < 0) {
			report(x, name, FF_R_FAILED, NULL, 0, &e);
		} else {
			report(x, name, r ? FF_R_PURGED : FF_R_KEPT, NULL, 0, &e);
		}
	} else if (st->st_atime + x->max_age < x->now) {
		unsigned flags = FF_SEND_REFRESH | (x->flags & FF_SEND_DRYRUN);
		if (ff_send_log(x->sp, name, flags, &c, NULL, NULL, &e) < 0)
			report(x, name, FF_R_FAILED, &c, 0, &e);
		else
			report(x, name, FF_R_REFRESHED, &c, 0, &e);
	} else if (x->flags & FF_REFRESH_COMPACT) {
		r = compact_one(x, dirfd, name, &dropped, &replayed, &e);
		if (replayed > 0)
			report(x, name, FF_R_RECOVERED, NULL, replayed, &e);
		if (r < 0)
			report(x, name, FF_R_FAILED, NULL, 0, &e);
		else
			report(x, name, dropped ? FF_R_COMPACTED : FF_R_KEPT, NULL, dropped, &e);
	} else {
		report(x, name, FF_R_KEPT, NULL, 0, &e);
	}
	return 0;
}

int
ff_refresh(struct ff_spool *sp, unsigned flags, ff_refresh_cb *cb, void *arg,
    struct ff_refresh_totals *t, struct ff_err *e)
{
	struct refresh_ctx x = {
		.sp = sp, .flags = flags, .cb = cb, .arg = arg, .t = t,
		.now = time(NULL),
	};
	struct ff_conf *conf = ff_spool_conf(sp);

	memset(t, 0, sizeof(*t));
	if (ff_conf_time(conf, "fast_flush_refresh_time", &x.max_age, e) < 0 ||
	    ff_conf_time(conf, "fast_flush_purge_time", &x.purge_time, e) < 0)
		return -1;
	if (flags & FF_REFRESH_PURGE)
		x.max_age = 0;
	return ff_logscan(sp, refresh_one, &x, e);
}
