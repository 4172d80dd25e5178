/*
 * rebuild.c - make the logfiles list exactly the deferred mail (see rebuild.h)
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flush/flush.h"
#include "flush/logadd.h"
#include "flush/logread.h"
#include "flush/logscan.h"
#include "flush/logwrite.h"
#include "util/msg.h"
#include "flush/qdest.h"
#include "postfix/qfile.h"
#include "postfix/qid.h"
#include "postfix/qread.h"
#include "flush/rebuild.h"
#include "util/sfile.h"
#include "postfix/site.h"

#define REOPEN_TRIES	10

/* what the scan saw of a queue file: the drop rule compares it with now */
struct stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
};

struct rebuild {
	struct ff_spool *sp;
	unsigned flags;
	struct ff_qdest qd;
	struct ff_map dests;	/* logname -> struct ff_map * of its deferred IDs */
	struct ff_map only;	/* the logs asked for; none: all */
	struct ff_map scanned;	/* queue ID -> stamp number + 1 */
	struct stamp *stamps;
	size_t nstamps, stampcap;
	struct ff_map logs;	/* every log to visit */
	struct ff_rebuild_totals *t;
	ff_rebuild_cb *cb;
	void *arg;
};

static int
nomem(struct ff_err *e, const char *what)
{
	return ff_err_sys(e, ENOMEM, "%s", what);
}

static int
same_stamp(const struct stamp *s, const struct stat *st)
{
	return s->dev == st->st_dev && s->ino == st->st_ino && s->size == st->st_size &&
	    s->mtim.tv_sec == st->st_mtim.tv_sec && s->mtim.tv_nsec == st->st_mtim.tv_nsec &&
	    s->ctim.tv_sec == st->st_ctim.tv_sec && s->ctim.tv_nsec == st->st_ctim.tv_nsec;
}

/* want - the ID set of a log, created on first use */
static struct ff_map *
want(struct rebuild *r, const char *logname, struct ff_err *e)
{
	void **slot;
	struct ff_map *m;

	if (ff_map_put(&r->dests, logname, strlen(logname), &slot) < 0) {
		nomem(e, "rebuild");
		return NULL;
	}
	if (*slot != NULL)
		return *slot;
	if ((m = calloc(1, sizeof(*m))) == NULL || ff_map_init(m, 0) < 0) {
		free(m);
		nomem(e, "rebuild");
		return NULL;
	}
	*slot = m;
	return m;
}

/* remember - the stamp of a queue file read */
static int
remember(struct rebuild *r, const char *id, size_t len, const struct stat *st,
    struct ff_err *e)
{
	void **slot;
	struct stamp *ns;

	if (r->nstamps == r->stampcap) {
		size_t cap = r->stampcap ? r->stampcap * 2 : 1024;

		if ((ns = reallocarray(r->stamps, cap, sizeof(*ns))) == NULL)
			return nomem(e, "rebuild");
		r->stamps = ns;
		r->stampcap = cap;
	}
	if (ff_map_put(&r->scanned, id, len, &slot) < 0)
		return nomem(e, "rebuild");
	r->stamps[r->nstamps] = (struct stamp){ st->st_dev, st->st_ino, st->st_size,
		st->st_mtim, st->st_ctim };
	*slot = (void *)(r->nstamps + 1);
	r->nstamps++;
	return 0;
}

/* scan_one - a deferred queue file: its recipients' logs get its ID */
static int
scan_one(void *arg, const char *id, size_t len, int rc, struct ff_qfile *qf,
    const struct stat *st, const struct ff_err *qe, struct ff_err *e)
{
	struct rebuild *r = arg;
	const char *rcpt, *logname;
	struct ff_map *m;
	size_t pos = 0;

	if (rc <= 0) {
		if (rc < 0) {
			ff_msg_warn("%s; skipped", qe->msg);
			r->t->skipped++;
		}
		return 0;
	}
	r->t->files++;
	if (qf->trace_flags & (FF_QTRACE_MTA_VRFY | FF_QTRACE_USR_VRFY)) {
		r->t->probes++;
		return 0;
	}
	if (remember(r, id, len, st, e) < 0)
		return -1;
	while ((rcpt = ff_qfile_rcpt(qf, &pos)) != NULL) {
		r->t->recipients++;
		if ((rc = ff_qdest_log(&r->qd, rcpt, &logname, e)) < 0)
			return -1;
		if (rc == 0)
			continue;
		r->t->eligible++;
		if (r->only.count > 0 && !ff_map_has(&r->only, logname, strlen(logname)))
			continue;
		if ((m = want(r, logname, e)) == NULL || ff_map_put(m, id, len, NULL) < 0)
			return m == NULL ? -1 : nomem(e, "rebuild");
	}
	return 0;
}

/* existing_log - a log in flush/ (or the log of a crashed rewrite's record) */
static int
existing_log(void *arg, int dirfd, const char *name, const struct stat *st, struct ff_err *e)
{
	struct rebuild *r = arg;
	size_t len = ff_log_record_base(name, strlen(name));
	int record = len > 0;
	void **slot;

	if (!record)
		len = strlen(name);
	if (r->only.count > 0 && !ff_map_has(&r->only, name, len))
		return 0;
	if (ff_map_put(&r->logs, name, len, &slot) < 0)
		return nomem(e, "rebuild");
	/* a crashed rewrite's record: its log is made again to take its lines */
	if (record)
		*slot = r;
	return 0;
}

/* stale - may this line go? Only when the scan speaks for its queue file */
static int
stale(struct rebuild *r, const char *id, size_t len)
{
	void **slot = ff_map_get(&r->scanned, id, len);
	struct ff_dirref ref;
	struct stat st;
	char idbuf[FF_QID_MAX + 1];
	int same;

	if (slot == NULL)
		return ff_locate(r->sp, id, len) == -1;	/* gone; else not ours to judge */
	memcpy(idbuf, id, len);
	idbuf[len] = 0;
	if (ff_spool_dir(r->sp, FF_Q_DEFERRED, idbuf, len, 0, &ref, NULL) < 0)
		return 0;
	same = fstatat(ref.fd, idbuf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    same_stamp(&r->stamps[(size_t)*slot - 1], &st);
	ff_dirref_release(&ref);
	return same;
}

struct outbuf {
	char *p;
	size_t len, cap;
};

struct logcount {
	unsigned long added, dropped, kept;
};

/*
 * merge - read the locked log: kept lines into out, the deferred IDs it
 * lacks into add (into out too when lines were dropped: one rewrite)
 */
static int
merge(struct rebuild *r, int fd, const struct ff_map *ids, struct outbuf *out,
    struct outbuf *add, struct logcount *c, const char *what, struct ff_err *e)
{
	struct ff_logread *rd = malloc(sizeof(*rd));
	struct ff_map seen = { 0 };
	const char *id;
	size_t len;
	int ok, n = 0, rc = -1;

	if (rd == NULL || ff_map_init(&seen, 0) < 0) {
		nomem(e, what);
		goto out;
	}
	if (fd >= 0)
		ff_logread_init(rd, fd);
	while (fd >= 0 && (n = ff_logread_next(rd, &id, &len, &ok)) == 1) {
		if (!ok || ff_map_has(&seen, id, len) ||
		    ((ids == NULL || !ff_map_has(ids, id, len)) && stale(r, id, len))) {
			c->dropped++;
			continue;
		}
		if (ff_map_put(&seen, id, len, NULL) < 0 || ff_log_line(&out->p, &out->len, &out->cap, id, len) < 0) {
			nomem(e, what);
			goto out;
		}
		c->kept++;
	}
	if (n < 0) {
		ff_err_sys(e, errno, "read %s", what);
		goto out;
	}
	/* a log that loses lines is rewritten whole: what it lacks joins the kept lines */
	if (c->dropped > 0)
		add = out;
	for (size_t i = 0; ids != NULL && i < ids->count; i++) {
		if (ff_map_has(&seen, ids->ent[i].key, ids->ent[i].len))
			continue;
		if (ff_log_line(&add->p, &add->len, &add->cap, ids->ent[i].key, ids->ent[i].len) < 0) {
			nomem(e, what);
			goto out;
		}
		c->added++;
	}
	rc = 0;
out:
	free(rd);
	ff_map_free(&seen);
	return rc;
}

/* write_log - what merge decided, in place and crash-safe (logwrite.c) */
static int
write_log(int dirfd, const char *name, int fd, struct stat *st, const struct outbuf *out,
    const struct outbuf *add, const struct logcount *c, const char *what, struct ff_err *e)
{
	off_t size = st->st_size;

	if (c->dropped > 0)
		return ff_log_replace(dirfd, name, fd, out->p, out->len, what, e);
	if (add->len > 0)
		return ff_log_append(fd, &size, add->p, add->len, what, e);
	return 0;
}

/* rebuild_log - one log, under its lock */
static int
rebuild_log(struct rebuild *r, const char *name, const struct ff_map *ids, int record,
    struct logcount *c, struct ff_err *e)
{
	char what[FF_QID_MAX + 16];
	struct outbuf out = { 0 }, add = { 0 };
	struct ff_dirref dir;
	struct stat st;
	unsigned long replayed = 0;
	size_t nlen = strlen(name);
	int fd = -1, rc = -1, noatime = O_NOATIME, dryrun = (r->flags & FF_SEND_DRYRUN) != 0;
	int create = record || (ids != NULL && ids->count > 0);

	snprintf(what, sizeof(what), "flush/%s", name);
	if (ff_spool_dir(r->sp, FF_Q_FLUSH, name, nlen, create && !dryrun, &dir, e) < 0) {
		if (errno != ENOENT || create)
			return -1;
		ff_err_clear(e);
		return 0;
	}
	for (int tries = 0;; tries++) {
		*c = (struct logcount){ 0 };
		out.len = add.len = 0;
		if (dryrun) {
			fd = ff_open_at(dir.fd, name, O_RDONLY | O_NOATIME, 0, &st, what, e);
			if (fd < 0 && errno == EPERM) {
				noatime = 0;
				ff_err_clear(e);
				fd = ff_open_at(dir.fd, name, O_RDONLY, 0, &st, what, e);
			}
			if (fd >= 0 && ff_lock(fd, LOCK_SH, ff_spool_lock_timeout_ms(r->sp), what, e) < 0)
				break;
		} else {
			fd = ff_log_open_locked(r->sp, dir.fd, name, create, &noatime, &st, what, e);
		}
		if (fd < 0) {
			if (errno == ENOENT && !create) {
				ff_err_clear(e);
				rc = 0;	/* purged since the directory was read */
			} else if (errno == ENOENT && dryrun) {
				ff_err_clear(e);
				rc = merge(r, -1, ids, &out, &add, c, what, e);
			}
			break;
		}
		if (!dryrun && ff_log_recover(dir.fd, name, fd, &replayed, what, e) < 0)
			break;
		if (merge(r, fd, ids, &out, &add, c, what, e) < 0)
			break;
		if (!dryrun && write_log(dir.fd, name, fd, &st, &out, &add, c, what, e) < 0)
			break;
		/* reading is not sending: the atime is the refresh clock */
		if (!noatime) {
			struct timespec ts[2] = { st.st_atim, { .tv_nsec = UTIME_OMIT } };

			(void)futimens(fd, ts);
		}
		/* Postfix's purge deletes an empty log without its lock: write again */
		if (!dryrun && c->added > 0 && st.st_size == 0 && fstat(fd, &st) == 0 &&
		    st.st_nlink == 0 && tries < REOPEN_TRIES) {
			close(fd);
			fd = -1;
			continue;
		}
		rc = 0;
		break;
	}
	if (fd >= 0 && close(fd) < 0 && rc == 0 && !dryrun)
		rc = ff_err_sys(e, errno, "close %s", what);
	free(out.p);
	free(add.p);
	ff_dirref_release(&dir);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* visit - every log, in name order; the others go on when one fails */
static int
visit(struct rebuild *r, struct ff_err *e)
{
	const char **names;
	struct logcount c;
	struct ff_err le;
	size_t n = r->logs.count;

	for (size_t i = 0; i < r->dests.count; i++)
		if (ff_map_put(&r->logs, r->dests.ent[i].key, r->dests.ent[i].len, NULL) < 0)
			return nomem(e, "rebuild");
	n = r->logs.count;
	if ((names = calloc(n ? n : 1, sizeof(*names))) == NULL)
		return nomem(e, "rebuild");
	for (size_t i = 0; i < n; i++)
		names[i] = r->logs.ent[i].key;
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		void **slot = ff_map_get(&r->dests, names[i], strlen(names[i]));
		const struct ff_map *ids = slot != NULL ? *slot : NULL;
		int record = *ff_map_get(&r->logs, names[i], strlen(names[i])) != NULL;

		le = (struct ff_err){ .status = FF_OK };
		r->t->logs++;
		if (rebuild_log(r, names[i], ids, record, &c, &le) < 0) {
			r->t->errors++;
			r->t->worst = ff_status_worse(r->t->worst, le.status);
			if (r->cb != NULL)
				r->cb(r->arg, names[i], 0, 0, 0, &le);
			continue;
		}
		r->t->added += c.added;
		r->t->dropped += c.dropped;
		r->t->kept += c.kept;
		r->t->changed += c.added > 0 || c.dropped > 0;
		if (r->cb != NULL)
			r->cb(r->arg, names[i], c.added, c.dropped, c.kept, NULL);
	}
	free(names);
	return 0;
}

/* only_sites - the logs of the sites asked for */
static int
only_sites(struct rebuild *r, char *const *sites, size_t nsites, struct ff_err *e)
{
	char name[FF_QID_MAX + 1];

	for (size_t i = 0; i < nsites; i++) {
		if (ff_site_to_logname(sites[i], strlen(sites[i]), name, e) < 0)
			return -1;
		if (ff_map_put(&r->only, name, strlen(name), NULL) < 0)
			return nomem(e, "rebuild");
	}
	return 0;
}

int
ff_rebuild(struct ff_spool *sp, char *const *sites, size_t nsites, unsigned flags,
    ff_rebuild_cb *cb, void *arg, struct ff_rebuild_totals *t, struct ff_err *e)
{
	struct rebuild r = { .sp = sp, .flags = flags, .cb = cb, .arg = arg, .t = t };
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (ff_qdest_init(&r.qd, sp) < 0)
		return nomem(e, "rebuild");
	if (ff_map_init(&r.dests, 0) < 0 || ff_map_init(&r.only, 0) < 0 ||
	    ff_map_init(&r.scanned, 0) < 0 || ff_map_init(&r.logs, 0) < 0) {
		nomem(e, "rebuild");
		goto out;
	}
	if (only_sites(&r, sites, nsites, e) < 0)
		goto out;
	if (ff_qread(sp, FF_Q_DEFERRED, 0, scan_one, &r, NULL, e) < 0) {
		if (errno != ENOENT || e == NULL || e->status == FF_OK)
			goto out;
		ff_err_clear(e);	/* no deferred/ yet: nothing deferred */
	}
	if (ff_logscan(sp, existing_log, &r, e) < 0 || visit(&r, e) < 0)
		goto out;
	rc = 0;
out:
	for (size_t i = 0; i < r.dests.count; i++) {
		ff_map_free(r.dests.ent[i].value);
		free(r.dests.ent[i].value);
	}
	ff_map_free(&r.dests);
	ff_map_free(&r.only);
	ff_map_free(&r.scanned);
	ff_map_free(&r.logs);
	free(r.stamps);
	ff_qdest_free(&r.qd);
	return rc;
}
