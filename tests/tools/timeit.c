/*
 * timeit - wall-clock time of a command, median of several runs
 *
 *	timeit [-n RUNS] [-p PREPARE] [-q] -- CMD ARGS...
 *
 * Runs PREPARE (a sh -c string, untimed) before each run, then CMD with
 * standard output to /dev/null (unless -v), and prints the median and
 * minimum wall time in microseconds: "median_us min_us". Fails if CMD
 * exits with a status other than 0 or 1 (1 is "nothing waiting").
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int
cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

static int
run(char **argv, int quiet)
{
	pid_t pid = fork();
	int st, fd;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (quiet && (fd = open("/dev/null", O_WRONLY)) >= 0)
			dup2(fd, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int
main(int argc, char **argv)
{
	char *prep = NULL;
	int opt, runs = 5, quiet = 1;
	long *us;
	struct timespec a, b;

	while ((opt = getopt(argc, argv, "n:p:v")) != -1) {
		if (opt == 'n')
			runs = atoi(optarg);
		else if (opt == 'p')
			prep = optarg;
		else if (opt == 'v')
			quiet = 0;
		else
			return 64;
	}
	if (optind >= argc || runs < 1 || (us = calloc((size_t)runs, sizeof(*us))) == NULL) {
		fprintf(stderr, "usage: timeit [-n runs] [-p prepare] [-v] -- cmd args...\n");
		return 64;
	}
	for (int i = 0; i < runs; i++) {
		char sh0[] = "sh", sh1[] = "-c";
		char *sh[] = { sh0, sh1, prep, NULL };
		int rc;

		if (prep != NULL && run(sh, 0) != 0) {
			fprintf(stderr, "timeit: prepare failed: %s\n", prep);
			return 70;
		}
		clock_gettime(CLOCK_MONOTONIC, &a);
		rc = run(argv + optind, quiet);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (rc != 0 && rc != 1) {
			fprintf(stderr, "timeit: %s exited %d\n", argv[optind], rc);
			return 70;
		}
		us[i] = (b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000;
	}
	qsort(us, (size_t)runs, sizeof(*us), cmp);
	printf("%ld %ld\n", us[runs / 2], us[0]);
	free(us);
	return 0;
}
