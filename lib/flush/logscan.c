/*
 * logscan.c - walk the fast flush logfiles of a spool (see logscan.h)
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flush/logscan.h"
#include "flush/logwrite.h"
#include "util/msg.h"
#include "postfix/qid.h"

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* read_names - the valid names in a directory, sorted */
static int
read_names(int dirfd, char ***out, size_t *n, struct ff_err *e)
{
	DIR *d;
	struct dirent *de;
	char **v = NULL, **nv;
	size_t cap = 0, len;
	int fd = dup(dirfd);

	*n = 0;
	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return ff_err_sys(e, errno, "read directory flush");
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (!ff_qid_ok(de->d_name, len) && ff_log_record_base(de->d_name, len) == 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto nomem;
			v = nv;
		}
		if ((v[*n] = strdup(de->d_name)) == NULL)
			goto nomem;
		(*n)++;
	}
	if (errno != 0) {
		int saved = errno;
		closedir(d);
		for (size_t i = 0; i < *n; i++)
			free(v[i]);
		free(v);
		return ff_err_sys(e, saved, "read directory flush");
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), name_cmp);
	*out = v;
	return 0;
nomem:
	closedir(d);
	for (size_t i = 0; i < *n; i++)
		free(v[i]);
	free(v);
	return ff_err_sys(e, ENOMEM, "read directory flush");
}

static int
scan_dir(struct ff_spool *sp, int dirfd, int level, ff_logscan_cb *cb, void *arg,
    struct ff_err *e)
{
	char **names = NULL;
	size_t n;
	struct stat st;
	int rc = 0, sub;

	if (read_names(dirfd, &names, &n, e) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)	/* vanished: a concurrent purge */
				ff_msg_warn("flush/%s: %s", names[i], strerror(errno));
			continue;
		}
		if (S_ISDIR(st.st_mode) && names[i][1] == 0 && level < ff_spool_hash_depth(sp, FF_Q_FLUSH)) {
			sub = openat(dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				ff_msg_warn("flush/%s: %s", names[i], strerror(errno));
				continue;
			}
			rc = scan_dir(sp, sub, level + 1, cb, arg, e);
			close(sub);
		} else if (!S_ISREG(st.st_mode)) {
			ff_msg_warn("flush/%s: not a regular file; skipped", names[i]);
		} else {
			rc = cb(arg, dirfd, names[i], &st, e);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int
ff_logscan(struct ff_spool *sp, ff_logscan_cb *cb, void *arg, struct ff_err *e)
{
	int fd = ff_spool_qbase(sp, FF_Q_FLUSH, 0, e);

	if (fd < 0) {
		if (errno != ENOENT)
			return -1;
		if (e != NULL)
			ff_err_clear(e);	/* no flush/ yet: nothing to scan */
		return 0;
	}
	return scan_dir(sp, fd, 0, cb, arg, e);
}
