/*
 * qread-floor - the read floor of a deferred queue scan (make bench)
 *
 *	qread-floor [-j THREADS] QUEUE_DIR
 *
 * Walks QUEUE_DIR/deferred and its hashed subdirectories as
 * fflush-add --rebuild does and opens, reads to the end and closes every
 * file in them: the system calls any reader of every queue file must make,
 * with no parsing. Prints "FILES BYTES".
 *
 * With -j, each directory's names are gathered first, then read by
 * THREADS threads at once (each takes the next name): the floor of a
 * reader that uses every CPU, as fflush-add's does.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_ulong files;
static atomic_ullong bytes;
static unsigned nthreads = 1;

/* one directory's names, read by the threads */
static int batch_dfd;
static char **names;
static size_t nnames, cap;
static atomic_size_t next;

static void
die(const char *what)
{
	fprintf(stderr, "qread-floor: %s: %s\n", what, strerror(errno));
	exit(71);
}

static void
read_one(int dfd, const char *name, char *buf, size_t len)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOATIME | O_CLOEXEC);
	unsigned long long got = 0;
	ssize_t n;

	if (fd < 0)
		die(name);
	while ((n = read(fd, buf, len)) > 0)
		got += (unsigned long long)n;
	if (n < 0)
		die(name);
	close(fd);
	atomic_fetch_add(&bytes, got);
	atomic_fetch_add(&files, 1);
}

static void *
reader(void *arg)
{
	char *buf = malloc(16384);
	size_t i;

	(void)arg;
	if (buf == NULL)
		die("malloc");
	while ((i = atomic_fetch_add(&next, 1)) < nnames)
		read_one(batch_dfd, names[i], buf, 16384);
	free(buf);
	return NULL;
}

/* read_batch - the names gathered for dfd, on nthreads threads */
static void
read_batch(int dfd)
{
	pthread_t tid[64];
	unsigned n = nthreads > 64 ? 64 : nthreads;

	batch_dfd = dfd;
	atomic_store(&next, 0);
	for (unsigned i = 1; i < n; i++)
		if (pthread_create(&tid[i], NULL, reader, NULL) != 0)
			die("pthread_create");
	reader(NULL);
	for (unsigned i = 1; i < n; i++)
		pthread_join(tid[i], NULL);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	nnames = 0;
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
		if (nthreads == 1) {
			read_one(dfd, de->d_name, buf, sizeof(buf));
			continue;
		}
		if (nnames == cap) {
			cap = cap ? 2 * cap : 1024;
			if ((names = realloc(names, cap * sizeof(*names))) == NULL)
				die("realloc");
		}
		if ((names[nnames++] = strdup(de->d_name)) == NULL)
			die("strdup");
	}
	if (errno != 0)
		die(what);
	if (nnames > 0)
		read_batch(dfd);
	closedir(d);
}

int
main(int argc, char **argv)
{
	char path[PATH_MAX];
	int fd, opt;

	while ((opt = getopt(argc, argv, "j:")) != -1) {
		if (opt != 'j' || (nthreads = (unsigned)strtoul(optarg, NULL, 10)) == 0)
			goto usage;
	}
	if (argc - optind != 1)
		goto usage;
	snprintf(path, sizeof(path), "%s/deferred", argv[optind]);
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die(path);
	walk(fd, path);
	free(names);
	printf("%lu %llu\n", (unsigned long)files, (unsigned long long)bytes);
	return 0;
usage:
	fprintf(stderr, "usage: qread-floor [-j threads] queue_dir\n");
	return 64;
}
