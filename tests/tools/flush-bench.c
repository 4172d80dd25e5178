/*
 * flush-bench - requests per second and latency of a fast flush server
 *
 *	flush-bench -s SOCKET [-n COUNT] [-t TRACE] [-r QUEUE_DIR -l LOGNAME
 *	    -i IDFILE] REQUEST [SITE [QUEUE_ID]]
 *
 * Sends COUNT (default 100) requests, one after the other, each on its
 * own connection to the UNIX-domain SOCKET, as Postfix's clients do
 * (greeting, request, status), and times each from connect to close.
 * Every reply must be status 0.
 *
 * -r: before each request (not timed), put the spool back: every queue ID
 * listed in IDFILE is moved from QUEUE_DIR/incoming/ back to its hashed
 * place in deferred/ (depth 1) and QUEUE_DIR/flush/LOGNAME lists them
 * again, so that every send_site moves them all.
 *
 * -t: write each request's latency in microseconds, in the order sent, one
 * per line, to the file TRACE (to see where the slow ones fall).
 *
 * Output, one line: count, total seconds, requests/s, and the median,
 * 90th and 99th percentile latency in microseconds:
 *	count=100 seconds=0.512 rps=195.3 p50_us=4890 p90_us=6102 p99_us=9050
 * Exit status 0, or 1 when a request failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "postfix/attr0.h"
#include "flush/flushclnt.h"
#include "postfix/qid.h"

static char **ids;
static size_t nids;

static void
usage(void)
{
	fprintf(stderr, "usage: flush-bench -s socket [-n count] [-t trace] [-r queue_dir "
	    "-l logname -i idfile] request [site [queue_id]]\n");
	exit(2);
}

static void
load_ids(const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[300];

	if (fp == NULL) {
		perror(path);
		exit(2);
	}
	while (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = 0;
		if (!*line)
			continue;
		ids = reallocarray(ids, nids + 1, sizeof(*ids));
		if (ids == NULL || (ids[nids++] = strdup(line)) == NULL) {
			perror("memory");
			exit(2);
		}
	}
	fclose(fp);
}

/* reset - the listed mail back in deferred/, the log listing it again */
static void
reset(const char *qdir, const char *logname)
{
	char from[4096], to[4096], hash[16], *buf;
	size_t len = 0;
	int fd;

	for (size_t i = 0; i < nids; i++) {
		ff_qid_hash(ids[i], strlen(ids[i]), 1, hash, sizeof(hash));
		snprintf(from, sizeof(from), "%s/incoming/%s", qdir, ids[i]);
		snprintf(to, sizeof(to), "%s/deferred/%s%s", qdir, hash, ids[i]);
		if (rename(from, to) < 0 && errno != ENOENT) {
			perror(from);
			exit(2);
		}
	}
	snprintf(from, sizeof(from), "%s/flush/%s", qdir, logname);
	if ((buf = malloc(nids * 300 + 1)) == NULL)
		exit(2);
	for (size_t i = 0; i < nids; i++)
		len += (size_t)sprintf(buf + len, "%s\n", ids[i]);
	if ((fd = open(from, O_WRONLY | O_TRUNC)) < 0 || write(fd, buf, len) != (ssize_t)len) {
		perror(from);
		exit(2);
	}
	close(fd);
	free(buf);
}

static void
free_all(long *lat)
{
	for (size_t i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	free(lat);
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	const char *sock = NULL, *qdir = NULL, *logname = NULL, *idfile = NULL, *trace = NULL;
	struct timespec t0, t1;
	struct ff_err e;
	long n = 100, *lat, total = 0;
	int opt, st;

	while ((opt = getopt(argc, argv, "s:n:r:l:i:t:")) != -1) {
		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'n':
			n = atol(optarg);
			break;
		case 'r':
			qdir = optarg;
			break;
		case 'l':
			logname = optarg;
			break;
		case 'i':
			idfile = optarg;
			break;
		case 't':
			trace = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (!sock || argc < 1 || argc > 3 || n < 1 || (qdir && (!logname || !idfile)))
		usage();
	if (idfile)
		load_ids(idfile);
	if ((lat = calloc((size_t)n, sizeof(*lat))) == NULL)
		return 2;
	for (long i = 0; i < n; i++) {
		if (qdir)
			reset(qdir, logname);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		st = ff_flush_ask(sock, argv[0], argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL,
		    10000, &e);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (st != 0) {
			fprintf(stderr, "flush-bench: request %ld: status %d: %s\n", i, st, e.msg);
			free_all(lat);
			return 1;
		}
		lat[i] = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
		total += lat[i];
	}
	if (trace) {
		FILE *fp = fopen(trace, "w");

		for (long i = 0; fp && i < n; i++)
			fprintf(fp, "%ld\n", lat[i]);
		if (fp == NULL || fclose(fp) != 0) {
			perror(trace);
			free_all(lat);
			return 2;
		}
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_long);
	printf("count=%ld seconds=%.3f rps=%.1f p50_us=%ld p90_us=%ld p99_us=%ld\n", n,
	    total / 1e6, n / (total / 1e6), lat[n / 2], lat[n * 9 / 10], lat[n * 99 / 100]);
	free_all(lat);
	return 0;
}
