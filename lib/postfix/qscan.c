/*
 * qscan.c - walk the queue files of one queue directory (see qscan.h)
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util/msg.h"
#include "postfix/qid.h"
#include "postfix/qscan.h"

struct walk {
	struct ff_spool *sp;
	const char *qname;
	ff_qscan_cb *cb;
	void *arg;
	unsigned long *unreadable;
	char path[2 * FF_HASH_MAX_DEPTH + 1];	/* "9/F/" below the queue directory */
};

/* hash_dir - a one-character name (a hash level) of a directory */
static int
hash_dir(int dirfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_name[0] == 0 || de->d_name[1] != 0 || de->d_name[0] == '.')
		return 0;
	if (de->d_type == DT_DIR)
		return 1;
	if (de->d_type != DT_UNKNOWN)
		return 0;
	return fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static int
walk_dir(struct walk *w, int fd, size_t depth, struct ff_err *e)
{
	struct dirent *de;
	DIR *d;
	size_t len;
	int sub, rc = 0;

	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (hash_dir(dirfd(d), de)) {
			if (depth >= FF_HASH_MAX_DEPTH)
				continue;
			w->path[2 * depth] = de->d_name[0];
			w->path[2 * depth + 1] = '/';
			w->path[2 * depth + 2] = 0;
			sub = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0 || walk_dir(w, sub, depth + 1, e) < 0) {
				if (e != NULL && e->status != FF_OK) {
					rc = -1;	/* the callback stopped the walk */
					break;
				}
				ff_msg_warn("%s/%s/%s: %s; skipped", ff_spool_path(w->sp), w->qname,
				    w->path, strerror(errno));
				if (w->unreadable != NULL)
					(*w->unreadable)++;
			}
			w->path[2 * depth] = 0;
			continue;
		}
		if (!ff_qid_ok(de->d_name, len))
			continue;
		if ((rc = w->cb(w->arg, dirfd(d), de->d_name, len, e)) < 0)
			break;
	}
	if (rc == 0 && errno != 0) {
		int saved = errno;

		closedir(d);
		errno = saved;
		return -1;
	}
	/* the descriptor is about to go: the callback finishes with it */
	if (rc == 0)
		rc = w->cb(w->arg, dirfd(d), NULL, 0, e);
	closedir(d);
	return rc;
}

int
ff_qscan(struct ff_spool *sp, int q, ff_qscan_cb *cb, void *arg, unsigned long *unreadable,
    struct ff_err *e)
{
	struct walk w = { .sp = sp, .qname = ff_queue_name(q), .cb = cb, .arg = arg,
		.unreadable = unreadable };
	int base, fd;

	ff_err_clear(e);
	if ((base = ff_spool_qbase(sp, q, 0, e)) < 0)
		return -1;
	if ((fd = openat(base, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return ff_err_sys(e, errno, "open %s/%s", ff_spool_path(sp), w.qname);
	if (walk_dir(&w, fd, 0, e) < 0) {
		if (e == NULL || e->status == FF_OK)
			return ff_err_sys(e, errno, "read %s/%s", ff_spool_path(sp), w.qname);
		return -1;
	}
	return 0;
}
