/*
 * qread-floor - the read floor of a deferred queue scan (make bench)
 *
 *	qread-floor QUEUE_DIR
 *
 * Walks QUEUE_DIR/deferred and its hashed subdirectories as
 * fflush-add --rebuild does and opens, reads to the end and closes every
 * file in them: the system calls any reader of every queue file must make,
 * with no parsing. Prints "FILES BYTES".
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long files;
static unsigned long long bytes;

static void
die(const char *what)
{
	fprintf(stderr, "qread-floor: %s: %s\n", what, strerror(errno));
	exit(71);
}

static void
walk(int dfd, const char *what)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	static char buf[16384];

	if (d == NULL)
		die(what);
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type == DT_DIR) {
			int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				die(de->d_name);
			walk(sub, de->d_name);
			continue;
		}
		int fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOATIME | O_CLOEXEC);
		if (fd < 0)
			die(de->d_name);
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			bytes += (unsigned long long)n;
		if (n < 0)
			die(de->d_name);
		close(fd);
		files++;
	}
	if (errno != 0)
		die(what);
	closedir(d);
}

int
main(int argc, char **argv)
{
	char path[PATH_MAX];
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: qread-floor queue_dir\n");
		return 64;
	}
	snprintf(path, sizeof(path), "%s/deferred", argv[1]);
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die(path);
	walk(fd, path);
	printf("%lu %llu\n", files, bytes);
	return 0;
}
