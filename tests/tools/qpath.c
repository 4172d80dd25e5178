/*
 * qpath - print where Postfix keeps a queue file: qpath [-d depth] [-H] queue id...
 *
 * Test helper: "qpath deferred 9FBF11234" prints "deferred/9/9FBF11234";
 * -H says the queue is not hashed (prints "incoming/ID").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postfix/qid.h"

int
main(int argc, char **argv)
{
	char dirs[2 * FF_HASH_MAX_DEPTH + 1];
	int opt, depth = 1, hashed = 1;

	while ((opt = getopt(argc, argv, "d:H")) != -1) {
		if (opt == 'd')
			depth = atoi(optarg);
		else if (opt == 'H')
			hashed = 0;
		else
			return 64;
	}
	if (argc - optind < 2 || depth < 1 || depth > FF_HASH_MAX_DEPTH) {
		fprintf(stderr, "usage: qpath [-d depth] [-H] queue id...\n");
		return 64;
	}
	for (int i = optind + 1; i < argc; i++) {
		size_t len = strlen(argv[i]);
		if (!ff_qid_ok(argv[i], len)) {
			fprintf(stderr, "qpath: bad queue id: %s\n", argv[i]);
			return 65;
		}
		dirs[0] = 0;
		if (hashed)
			ff_qid_hash(argv[i], len, depth, dirs, sizeof(dirs));
		printf("%s/%s%s\n", argv[optind], dirs, argv[i]);
	}
	return 0;
}
