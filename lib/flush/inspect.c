/*
 * inspect.c - what the fast flush logfiles hold (see inspect.h)
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flush/flush.h"
#include "flush/inspect.h"
#include "flush/logwrite.h"
#include "flush/logread.h"
#include "flush/logscan.h"
#include "flush/idcount.h"
#include "util/sfile.h"

/* one distinct ID: unique and stale counted, and shown when asked */
struct walk_ctx {
	struct ff_spool *sp;
	struct ff_loginfo *info;
	ff_show_cb *cb;
	void *arg;
};

static int
one_id(void *arg, const char *id, size_t len, unsigned long count)
{
	struct walk_ctx *w = arg;
	int q = ff_locate(w->sp, id, len);

	w->info->unique++;
	if (q == -1)
		w->info->stale++;
	if (w->cb != NULL)
		w->cb(w->arg, id, count, q);
	return 0;
}

/*
 * read_log - count the lines of one logfile and its distinct IDs (in
 * bounded memory: see idcount.h), then call cb (when set) for each
 */
static int
read_log(struct ff_spool *sp, int dirfd, const char *name, ff_show_cb *cb, void *arg,
    struct ff_loginfo *info, struct ff_err *e)
{
	char what[FF_QID_MAX + 16];
	struct walk_ctx w = { .sp = sp, .info = info, .cb = cb, .arg = arg };
	struct ff_idcount ids;
	struct ff_logread *rd;
	struct stat st;
	const char *id;
	size_t len;
	int fd, ok, r;

	snprintf(what, sizeof(what), "flush/%s", name);
	fd = ff_open_at(dirfd, name, O_RDONLY | O_NOATIME, 0, &st, what, e);
	if (fd < 0 && errno == EPERM)
		fd = ff_open_at(dirfd, name, O_RDONLY, 0, &st, what, e);
	if (fd < 0)
		return -1;
	if (ff_lock(fd, LOCK_SH, ff_spool_lock_timeout_ms(sp), what, e) < 0) {
		close(fd);
		return -1;
	}
	if ((rd = malloc(sizeof(*rd))) == NULL || ff_idcount_init(&ids, 0) < 0) {
		free(rd);
		close(fd);
		return ff_err_sys(e, ENOMEM, "%s", what);
	}
	strlcpy(info->name, name, sizeof(info->name));
	info->exists = 1;
	info->counted = 1;
	info->size = st.st_size;
	info->mtime = st.st_mtim;
	info->atime = st.st_atim;
	ff_logread_init(rd, fd);
	while ((r = ff_logread_next(rd, &id, &len, &ok)) == 1) {
		info->entries++;
		if (!ok) {
			info->bad++;
			continue;
		}
		if (ff_idcount_add(&ids, id, len) < 0) {
			r = -2;
			break;
		}
	}
	free(rd);
	close(fd);
	if (r == -2 || (r == 0 && ff_idcount_walk(&ids, one_id, &w) < 0)) {
		ff_err_sys(e, errno, "%s: counting queue IDs", what);
		r = -1;
	} else if (r < 0)
		ff_err_sys(e, errno, "read %s", what);
	ff_idcount_free(&ids);
	return r < 0 ? -1 : 0;
}

struct list_ctx {
	struct ff_spool *sp;
	int brief;
	ff_list_cb *cb;
	void *arg;
};

static int
list_one(void *arg, int dirfd, const char *name, const struct stat *st, struct ff_err *e)
{
	struct list_ctx *x = arg;
	struct ff_loginfo info = { 0 };
	int rc;

	if (ff_log_record_base(name, strlen(name)) > 0)
		return 0;	/* a crashed rewrite's record: refresh replays it */
	if (x->brief) {
		strlcpy(info.name, name, sizeof(info.name));
		info.exists = 1;
		info.size = st->st_size;
		info.mtime = st->st_mtim;
		info.atime = st->st_atim;
		x->cb(x->arg, &info);
		return 0;
	}
	rc = read_log(x->sp, dirfd, name, NULL, NULL, &info, e);
	if (rc < 0)
		return errno == ENOENT ? 0 : -1;	/* purged while we looked */
	x->cb(x->arg, &info);
	return 0;
}

int
ff_list_logs(struct ff_spool *sp, int brief, ff_list_cb *cb, void *arg, struct ff_err *e)
{
	struct list_ctx x = { .sp = sp, .brief = brief, .cb = cb, .arg = arg };

	return ff_logscan(sp, list_one, &x, e);
}

int
ff_show_log(struct ff_spool *sp, const char *logname, ff_show_cb *cb, void *arg,
    struct ff_loginfo *info, struct ff_err *e)
{
	struct ff_dirref dir;
	size_t len = strlen(logname);
	int rc;

	memset(info, 0, sizeof(*info));
	if (!ff_qid_ok(logname, len))
		return ff_err_set(e, FF_BAD, "bad fast flush log name");
	if (ff_spool_dir(sp, FF_Q_FLUSH, logname, len, 0, &dir, e) < 0) {
		if (errno != ENOENT)
			return -1;
		ff_err_clear(e);
		return 0;
	}
	rc = read_log(sp, dir.fd, logname, cb, arg, info, e);
	ff_dirref_release(&dir);
	if (rc < 0 && errno == ENOENT) {
		ff_err_clear(e);
		rc = 0;
	}
	return rc;
}
