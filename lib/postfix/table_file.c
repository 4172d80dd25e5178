/*
 * table_file.c - what the indexed file tables (hash:, btree:, lmdb:, cdb:)
 * share: finding, opening and watching NAME.suffix, and the warning about a
 * source file newer than its database (see table_int.h)
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/msg.h"
#include "postfix/table_int.h"

/* a source file changed this recently is being rebuilt right now: no warning */
#define SOURCE_GRACE	100

int
ff_table_file_open(struct ff_table *t, const char *suffix, char **path, int *fd,
    struct ff_err *e)
{
	int err;

	*fd = -1;
	if (asprintf(path, "%s%s", t->name, suffix) < 0) {
		*path = NULL;
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	}
	/* recorded before it is read, so that a change while it is read shows */
	if ((*fd = open(*path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		err = errno;
		if (ff_table_watch(t, *path, -1) < 0)
			return ff_err_sys(e, ENOMEM, "%s", t->spec);
		return ff_table_fail(t, e, "open database %s: %s", *path, strerror(err));
	}
	if (ff_table_watch(t, *path, *fd) < 0) {
		close(*fd);
		*fd = -1;
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	}
	return 0;
}

void
ff_table_file_age(const struct ff_table *t, const char *path, int fd)
{
	struct stat db, src;

	if (fstat(fd, &db) == 0 && stat(t->name, &src) == 0 && src.st_mtime > db.st_mtime &&
	    src.st_mtime < time(NULL) - SOURCE_GRACE)
		ff_msg_warn("database %s is older than source file %s", path, t->name);
}
