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

#include "flush.h"
#include "inspect.h"
#include "logread.h"
#include "logscan.h"
#include "map.h"
#include "sfile.h"

/* read_log - count lines and distinct IDs of one open logfile */
static int
read_log(struct ff_spool *sp, int dirfd, const char *name, struct ff_map *ids,
    struct ff_loginfo *info, struct ff_err *e)
{
	char what[FF_QID_MAX + 16];
	struct ff_logread *rd;
	struct stat st;
	const char *id;
	size_t len;
	void **slot;
	int fd, ok, r;

	snprintf(what, sizeof(what), "flush/%s", name);
	fd = ff_open_at(dirfd, name, O_RDONLY | O_NOATIME, 0, &st, what, e);
	if (fd < 0 && errno == EPERM)
		fd = ff_open_at(dirfd, name, O_RDONLY, 0, &st, what, e);
	if (fd < 0)
		return -1;
	if (ff_lock(fd, LOCK_SH, sp->lock_timeout_ms, what, e) < 0) {
		close(fd);
		return -1;
	}
	if ((rd = malloc(sizeof(*rd))) == NULL) {
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
		if (ff_map_put(ids, id, len, &slot) < 0) {
			r = -2;
			break;
		}
		*slot = (void *)((uintptr_t)*slot + 1);
	}
	free(rd);
	close(fd);
	if (r == -2)
		return ff_err_sys(e, ENOMEM, "%s", what);
	if (r < 0)
		return ff_err_sys(e, errno, "read %s", what);
	info->unique = ids->count;
	for (size_t i = 0; i < ids->count; i++)
		if (ff_locate(sp, ids->ent[i].key, ids->ent[i].len) < 0)
			info->stale++;
	return 0;
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
	struct ff_map ids;
	int rc;

	if (x->brief) {
		strlcpy(info.name, name, sizeof(info.name));
		info.exists = 1;
		info.size = st->st_size;
		info.mtime = st->st_mtim;
		info.atime = st->st_atim;
		x->cb(x->arg, &info);
		return 0;
	}
	if (ff_map_init(&ids, 0) < 0)
		return ff_err_sys(e, ENOMEM, "list");
	rc = read_log(x->sp, dirfd, name, &ids, &info, e);
	ff_map_free(&ids);
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
	struct ff_map ids;
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
	if (ff_map_init(&ids, 0) < 0) {
		ff_dirref_release(&dir);
		return ff_err_sys(e, ENOMEM, "show");
	}
	rc = read_log(sp, dir.fd, logname, &ids, info, e);
	ff_dirref_release(&dir);
	if (rc < 0 && errno == ENOENT) {
		ff_err_clear(e);
		rc = 0;
	} else if (rc == 0 && cb != NULL) {
		for (size_t i = 0; i < ids.count; i++)
			cb(arg, ids.ent[i].key, (unsigned long)(uintptr_t)ids.ent[i].value,
			    ff_locate(sp, ids.ent[i].key, ids.ent[i].len));
	}
	ff_map_free(&ids);
	return rc;
}
