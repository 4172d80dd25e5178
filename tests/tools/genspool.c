/*
 * genspool - fill a Postfix-layout spool for tests and benchmarks
 *
 *	genspool -q QUEUE_DIR [-n DEFERRED] [-l LISTED] [-s LOGNAME] [-L LOGS] [-d DEPTH] [-F]
 *	    [-t TEMPLATE]...
 *
 * Creates DEFERRED queue files with Postfix-style short queue IDs (five hex
 * digits of microseconds, then the inode number in hex) at their hashed
 * place under deferred/, mode 0700, with a retry time one hour ahead.
 * -l: the first LISTED of them are listed in flush/LOGNAME (default
 * example_com). -L: instead, LOGS logfiles site<N>_test listing one queue
 * ID each (LOGS <= DEFERRED), with their atime a day back, as refresh
 * finds them. -F: the queue IDs are instead 12 hex digits chosen to collide
 * under unseeded FNV-1a (tests/tools/fnvflood.h), a hash-flooding input.
 * -t (repeatable, up to 64): the queue files are copies of these files,
 * taken in turn (real queue files written by Postfix), instead of a line
 * of text.
 * Prints the IDs it listed, one per line, to standard output.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "postfix/qid.h"
#include "fnvflood.h"

static void
die(const char *what)
{
	fprintf(stderr, "genspool: %s: %s\n", what, strerror(errno));
	exit(71);
}

static void
mkdirs(const char *path)
{
	char buf[PATH_MAX];

	strlcpy(buf, path, sizeof(buf));
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			die(buf);
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		die(buf);
}

static void
write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) < 0 ||
	    close(fd) < 0)
		die(path);
}

int
main(int argc, char **argv)
{
	const char *q = NULL, *logname = "example_com";
	long ndef = 0, nlisted = 0, nlogs = 0;
	int opt, depth = 1;
	char path[PATH_MAX], dirs[2 * FF_HASH_MAX_DEPTH + 1], id[32];
	char *listed = NULL;
	size_t llen = 0;
	struct timespec later[2];
	unsigned int seed = 42;
	char (*flood)[FNVFLOOD_LEN + 1] = NULL;
	int fnv = 0;
	struct { char *data; size_t len; } tpl[64];
	size_t ntpl = 0;

	while ((opt = getopt(argc, argv, "q:n:l:s:L:d:Ft:")) != -1) {
		switch (opt) {
		case 'q': q = optarg; break;
		case 'n': ndef = atol(optarg); break;
		case 'l': nlisted = atol(optarg); break;
		case 's': logname = optarg; break;
		case 'L': nlogs = atol(optarg); break;
		case 'd': depth = atoi(optarg); break;
		case 'F': fnv = 1; break;
		case 't': {
			FILE *fp;
			if (ntpl == sizeof(tpl) / sizeof(tpl[0]))
				return 64;
			if ((fp = fopen(optarg, "rb")) == NULL)
				die(optarg);
			tpl[ntpl].data = malloc(1 << 20);
			if (tpl[ntpl].data == NULL)
				die("memory");
			tpl[ntpl].len = fread(tpl[ntpl].data, 1, 1 << 20, fp);
			if (ferror(fp) || fclose(fp) != 0)
				die(optarg);
			ntpl++;
			break;
		}
		default: return 64;
		}
	}
	if (q == NULL || nlisted > ndef || nlogs > ndef || depth < 1 || depth > FF_HASH_MAX_DEPTH) {
		fprintf(stderr, "usage: genspool -q dir [-n deferred] [-l listed] [-s logname]"
		    " [-L logs] [-d depth] [-F] [-t template]...\n");
		return 64;
	}
	if (fnv && ndef > 0 && ((flood = calloc((size_t)ndef, sizeof(*flood))) == NULL ||
	    fnvflood(flood, (size_t)ndef) == 0))
		die("memory");
	static const char *const sub[] = { "flush", "deferred", "incoming", "active", "public" };
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", q, sub[i]);
		mkdirs(path);
	}
	clock_gettime(CLOCK_REALTIME, &later[0]);
	later[0].tv_sec += 3600;
	later[0].tv_nsec = 0;
	later[1] = later[0];
	for (long i = 0; i < ndef; i++) {
		size_t n = flood ? strlcpy(id, flood[i], sizeof(id)) :
		    (size_t)snprintf(id, sizeof(id), "%05X%lX",
		    (unsigned)(rand_r(&seed) % 1000000), 0x10000L + i);
		ff_qid_hash(id, n, depth, dirs, sizeof(dirs));
		snprintf(path, sizeof(path), "%s/deferred/%s", q, dirs);
		mkdirs(path);
		strlcat(path, id, sizeof(path));
		if (ntpl > 0)
			write_file(path, tpl[i % (long)ntpl].data, tpl[i % (long)ntpl].len, 0700);
		else
			write_file(path, "queue file\n", 11, 0700);
		if (utimensat(AT_FDCWD, path, later, 0) < 0)
			die(path);
		if (i < nlisted || i < nlogs) {
			char *nb = realloc(listed, llen + n + 2);
			if (nb == NULL)
				die("memory");
			listed = nb;
			memcpy(listed + llen, id, n);
			listed[llen + n] = '\n';
			llen += n + 1;
			if (i < nlogs) {
				struct timespec old[2] = { { time(NULL) - 86400, 0 }, { 0, UTIME_OMIT } };
				char name[64];
				snprintf(name, sizeof(name), "site%ld_test", i);
				snprintf(path, sizeof(path), "%s/flush/%s", q, name);
				write_file(path, listed + llen - n - 1, n + 1, 0600);
				if (utimensat(AT_FDCWD, path, old, 0) < 0)
					die(path);
			}
		}
	}
	if (nlisted > 0) {
		snprintf(path, sizeof(path), "%s/flush/%s", q, logname);
		write_file(path, listed, llen, 0600);
	}
	if (llen > 0 && fwrite(listed, 1, llen, stdout) != llen)
		die("stdout");
	free(listed);
	free(flood);
	for (size_t t = 0; t < ntpl; t++)
		free(tpl[t].data);
	return 0;
}
