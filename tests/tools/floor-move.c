/*
 * floor-move - the system-call floor for a fast flush send
 *
 *	floor-move QUEUE_DIR HASH_DEPTH < ids
 *
 * For each queue ID on standard input: utime(deferred/<hash>/ID, now) and
 * rename() it to incoming/ID, with plain paths relative to QUEUE_DIR (the
 * process first changes into it, so that each call looks up only the
 * components below the queue directory) and nothing else: the least work
 * any implementation of send_site must do. make bench compares fflush-send
 * and Postfix's flush against it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "postfix/qid.h"

int
main(int argc, char **argv)
{
	char line[512], dirs[2 * FF_HASH_MAX_DEPTH + 1], from[PATH_MAX], to[PATH_MAX];
	struct utimbuf tb;
	unsigned long moved = 0;
	int depth;

	if (argc != 3 || (depth = atoi(argv[2])) < 1 || depth > FF_HASH_MAX_DEPTH) {
		fprintf(stderr, "usage: floor-move queue_dir depth < ids\n");
		return 64;
	}
	if (chdir(argv[1]) < 0) {
		perror(argv[1]);
		return 66;
	}
	tb.actime = tb.modtime = time(NULL);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		size_t len = strcspn(line, "\n");
		line[len] = 0;
		ff_qid_hash(line, len, depth, dirs, sizeof(dirs));
		snprintf(from, sizeof(from), "deferred/%s%s", dirs, line);
		snprintf(to, sizeof(to), "incoming/%s", line);
		if (utime(from, &tb) == 0 && rename(from, to) == 0)
			moved++;
	}
	printf("%lu\n", moved);
	return 0;
}
