/*
 * logadd.c - append queue IDs to fast flush logfiles (see logadd.h)
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flush/logadd.h"
#include "flush/logwrite.h"
#include "postfix/policy.h"
#include "util/map.h"
#include "util/msg.h"
#include "postfix/qid.h"
#include "util/sfile.h"
#include "postfix/site.h"

#define REOPEN_TRIES	10	/* purged under us this often: give up */

/*
 * append_locked - the lines at the end of the locked log (logwrite.c's
 * rule). Reading the last byte must not count as reading the log: the
 * atime says when the log was last sent, and refresh goes by it
 * (Postfix's add never reads). The log is open with O_NOATIME when we
 * own it, as we do after the privilege switch; otherwise the old atime is
 * put back.
 */
static int
append_locked(int fd, const struct stat *st, int noatime, const char *buf, size_t len,
    const char *what, struct ff_err *e)
{
	off_t size = st->st_size;
	int rc = ff_log_append(fd, &size, buf, len, what, e);

	if (!noatime && st->st_size > 0) {
		struct timespec ts[2] = { st->st_atim, { .tv_nsec = UTIME_OMIT } };

		(void)futimens(fd, ts);
	}
	return rc;
}

int
ff_log_open_locked(struct ff_spool *sp, int dirfd, const char *logname, int create,
    int *noatime, struct stat *st, const char *what, struct ff_err *e)
{
	int fd, flags = O_RDWR | (create ? O_CREAT : 0);

	for (int tries = 0;; tries++) {
		/* no O_APPEND: ff_log_append writes at offsets, under the lock */
		fd = ff_open_at(dirfd, logname, flags | *noatime, 0600, st, what, e);
		if (fd < 0 && errno == EPERM && *noatime) {
			/* O_NOATIME is for the file's owner only */
			*noatime = 0;
			ff_err_clear(e);
			fd = ff_open_at(dirfd, logname, flags, 0600, st, what, e);
		}
		if (fd < 0)
			return -1;
		if (ff_lock(fd, LOCK_EX, ff_spool_lock_timeout_ms(sp), what, e) < 0) {
			close(fd);
			return -1;
		}
		if (fstat(fd, st) < 0) {
			ff_err_sys(e, errno, "fstat %s", what);
			close(fd);
			return -1;
		}
		if (st->st_nlink > 0)
			return fd;
		/* a refresh purged the empty log while we waited: start over */
		close(fd);
		if (tries >= REOPEN_TRIES)
			return ff_err_set(e, FF_TEMP, "%s keeps disappearing", what);
	}
}

int
ff_add_log(struct ff_spool *sp, const char *logname, const char *buf, size_t len,
    struct ff_err *e)
{
	char what[FF_QID_MAX + 16];
	struct ff_dirref dir;
	struct stat st;
	size_t nlen = strlen(logname);
	int fd, rc, noatime = O_NOATIME;

	if (!ff_qid_ok(logname, nlen))
		return ff_err_set(e, FF_BAD, "bad fast flush log name");
	if (len == 0)
		return 0;
	snprintf(what, sizeof(what), "flush/%s", logname);
	if (ff_spool_dir(sp, FF_Q_FLUSH, logname, nlen, 1, &dir, e) < 0)
		return -1;
	for (int tries = 0;; tries++) {
		if ((fd = ff_log_open_locked(sp, dir.fd, logname, 1, &noatime, &st, what, e)) < 0) {
			rc = -1;
			break;
		}
		rc = append_locked(fd, &st, noatime != 0, buf, len, what, e);
		/*
		 * Postfix's purge removes an empty log without taking its lock
		 * (stat, then unlink): if it did so while we wrote, write again,
		 * to the log that is there now. What stays is its own window
		 * between its stat and its unlink.
		 */
		if (rc == 0 && fstat(fd, &st) == 0 && st.st_nlink == 0 && tries < REOPEN_TRIES) {
			close(fd);
			continue;
		}
		if (close(fd) < 0 && rc == 0)
			rc = ff_err_sys(e, errno, "close %s", what);
		break;
	}
	ff_dirref_release(&dir);
	return rc;
}

int
ff_add(struct ff_spool *sp, const char *site, char *const *ids, size_t n, char *logname,
    struct ff_err *e)
{
	char *buf, *p, quoted[128];
	size_t total = 0, len;
	int rc;

	for (size_t i = 0; i < n; i++) {
		len = strlen(ids[i]);
		if (!ff_qid_ok(ids[i], len))
			return ff_err_set(e, FF_BAD, "invalid queue ID \"%s\"",
			    ff_msg_safe(ids[i], len, quoted, sizeof(quoted)));
		total += len + 1;
	}
	if (ff_spool_policy(sp, site, logname, e) < 0)
		return -1;
	if ((buf = p = malloc(total + 1)) == NULL)
		return ff_err_sys(e, ENOMEM, "add");
	for (size_t i = 0; i < n; i++) {
		len = strlen(ids[i]);
		memcpy(p, ids[i], len);
		p[len] = '\n';
		p += len + 1;
	}
	rc = ff_add_log(sp, logname, buf, total, e);
	free(buf);
	return rc;
}

/* batches */

struct site_memo {
	enum ff_status status;
	struct ff_err err;
	size_t log;		/* index into logs, when OK */
};

struct log_buf {
	char *site;		/* first site seen for this log, for messages */
	char *buf;
	size_t len, cap;
	unsigned long count;
};

struct ff_batch {
	struct ff_spool *sp;
	struct ff_map sites;	/* site -> struct site_memo * */
	struct ff_map logs;	/* log name -> index + 1 */
	struct log_buf *lb;
	size_t nlogs, cap;
	size_t pending;		/* IDs not yet committed */
};

struct ff_batch *
ff_batch_new(struct ff_spool *sp)
{
	struct ff_batch *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->sp = sp;
	if (ff_map_init(&b->sites, 0) < 0 || ff_map_init(&b->logs, 0) < 0) {
		ff_batch_free(b);
		return NULL;
	}
	return b;
}

size_t
ff_batch_pending(const struct ff_batch *b)
{
	return b->pending;
}

size_t
ff_batch_sites(const struct ff_batch *b)
{
	return b->sites.count;
}

/* forget - drop what the batch remembers of sites and logfiles (all written) */
static int
forget(struct ff_batch *b)
{
	for (size_t i = 0; i < b->sites.count; i++)
		free(b->sites.ent[i].value);
	for (size_t i = 0; i < b->nlogs; i++) {
		free(b->lb[i].site);
		free(b->lb[i].buf);
	}
	free(b->lb);
	b->lb = NULL;
	b->nlogs = b->cap = 0;
	ff_map_free(&b->sites);
	ff_map_free(&b->logs);
	return ff_map_init(&b->sites, 0) < 0 || ff_map_init(&b->logs, 0) < 0 ? -1 : 0;
}

/* memo_site - policy and log name, once per distinct site */
static struct site_memo *
memo_site(struct ff_batch *b, const char *site, struct ff_err *e)
{
	char logname[FF_QID_MAX + 1];
	struct site_memo *m;
	struct log_buf *nl;
	void **slot, **lslot;
	int r;

	if ((r = ff_map_put(&b->sites, site, strlen(site), &slot)) < 0) {
		ff_err_sys(e, ENOMEM, "batch");
		return NULL;
	}
	if (r == 0)
		return *slot;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		ff_err_sys(e, ENOMEM, "batch");
		return NULL;
	}
	*slot = m;
	if (ff_spool_policy(b->sp, site, logname, &m->err) < 0) {
		m->status = m->err.status;
		return m;
	}
	if ((r = ff_map_put(&b->logs, logname, strlen(logname), &lslot)) < 0) {
		m->status = FF_TEMP;
		ff_err_sys(&m->err, ENOMEM, "batch");
		return m;
	}
	if (r == 1) {
		if (b->nlogs == b->cap) {
			size_t ncap = b->cap ? b->cap * 2 : 16;
			if ((nl = reallocarray(b->lb, ncap, sizeof(*nl))) == NULL) {
				ff_err_sys(e, ENOMEM, "batch");
				return NULL;
			}
			b->lb = nl;
			b->cap = ncap;
		}
		memset(&b->lb[b->nlogs], 0, sizeof(b->lb[0]));
		if ((b->lb[b->nlogs].site = strdup(site)) == NULL) {
			ff_err_sys(e, ENOMEM, "batch");
			return NULL;
		}
		*lslot = (void *)(b->nlogs + 1);
		b->nlogs++;
	}
	m->log = (size_t)*lslot - 1;
	return m;
}

int
ff_batch_add(struct ff_batch *b, const char *site, const char *id, size_t idlen,
    struct ff_err *e)
{
	struct site_memo *m;
	struct log_buf *l;
	char quoted[128], *nb;

	if (!ff_qid_ok(id, idlen))
		return ff_err_set(e, FF_BAD, "invalid queue ID \"%s\"",
		    ff_msg_safe(id, idlen, quoted, sizeof(quoted)));
	if ((m = memo_site(b, site, e)) == NULL)
		return -1;
	if (m->status != FF_OK) {
		if (e != NULL)
			*e = m->err;
		return -1;
	}
	l = &b->lb[m->log];
	if (l->len + idlen + 1 > l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 256;
		while (ncap < l->len + idlen + 1)
			ncap *= 2;
		if ((nb = realloc(l->buf, ncap)) == NULL)
			return ff_err_sys(e, ENOMEM, "batch");
		l->buf = nb;
		l->cap = ncap;
	}
	memcpy(l->buf + l->len, id, idlen);
	l->buf[l->len + idlen] = '\n';
	l->len += idlen + 1;
	l->count++;
	b->pending++;
	return 0;
}

enum ff_status
ff_batch_commit(struct ff_batch *b, ff_batch_cb *cb, void *arg)
{
	enum ff_status worst = FF_OK;
	struct ff_err e;

	for (size_t i = 0; i < b->nlogs; i++) {
		struct log_buf *l = &b->lb[i];
		const char *name = b->logs.ent[i].key;

		if (l->count == 0)
			continue;
		ff_err_clear(&e);
		if (ff_add_log(b->sp, name, l->buf, l->len, &e) < 0)
			worst = ff_status_worse(worst, e.status);
		if (cb != NULL)
			cb(arg, name, l->site, l->count, e.status, &e);
		l->len = 0;
		l->count = 0;
	}
	b->pending = 0;
	if (b->sites.count >= FF_BATCH_SITES_MAX && forget(b) < 0)
		worst = ff_status_worse(worst, FF_TEMP);
	return worst;
}

void
ff_batch_free(struct ff_batch *b)
{
	if (b == NULL)
		return;
	forget(b);
	ff_map_free(&b->sites);
	ff_map_free(&b->logs);
	free(b);
}
