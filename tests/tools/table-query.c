/*
 * table-query - look keys up in a table as fastflush does, answering as
 * "postmap -q" does: table-query [-c dir] [-o name=value] [-f] [-n N] [-v] TYPE:NAME KEY...
 *
 * Test helper, the counterpart of Postfix's postmap -q for the differential
 * tests of lib/table*.c. The table is opened once with the configuration of
 * -c DIR (main.cf there, if any; -o overrides) and each KEY is looked up in
 * turn, exactly as given unless -f folds it (ASCII lowercase, as postmap -q
 * does by default). With one KEY: the value and a newline on stdout and exit
 * 0 when found, exit 1 when not found, exit 2 with "table-query: fatal: ..."
 * on stderr when the lookup failed. With several: "KEY<TAB>VALUE" for each
 * found key, exit 0 if all lookups worked, else 2 at the first failure.
 * -n N repeats the lookups N times (for timing and leak checks). -v sends
 * warnings (a table file's bad lines, say) to stderr as postmap does.
 * "table-query -F TYPE:NAME" prints "fixed" or "pattern" for the table.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postfix/conf.h"
#include "util/msg.h"
#include "postfix/table.h"

int
main(int argc, char **argv)
{
	struct ff_conf *conf = ff_conf_new();
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e = { .status = FF_OK };
	const char *dir = NULL, *value;
	int opt, fold = 0, flags = 0, rc = 0, r;
	long repeat = 1;

	ff_msg_open("table-query", NULL);
	while ((opt = getopt(argc, argv, "c:o:fFn:v")) != -1) {
		switch (opt) {
		case 'c':
			dir = optarg;
			break;
		case 'o':
			if (ff_conf_override(conf, optarg, &e) < 0) {
				fprintf(stderr, "table-query: %s\n", e.msg);
				return 64;
			}
			break;
		case 'f':
			fold = 1;
			break;
		case 'F':
			flags = 1;
			break;
		case 'n':
			repeat = atol(optarg);
			break;
		case 'v':
			ff_msg_stderr(FF_MSG_STDERR_ALL);
			break;
		default:
			return 64;
		}
	}
	if (argc - optind < (flags ? 1 : 2) || repeat < 1) {
		fprintf(stderr, "usage: table-query [-c dir] [-o name=value] [-f] [-n N] [-v] TYPE:NAME KEY...\n"
		    "       table-query [-c dir] -F TYPE:NAME\n");
		return 64;
	}
	if (dir != NULL && ff_conf_load(conf, dir, &e) < 0) {
		fprintf(stderr, "table-query: fatal: %s\n", e.msg);
		return 2;
	}
	ff_table_ctx_init(&ctx, conf);
	if ((t = ff_table_open(argv[optind], &ctx, &e)) == NULL) {
		fprintf(stderr, "table-query: fatal: %s\n", e.msg);
		return 2;
	}
	if (flags) {
		printf("%s\n", ff_table_fixed(t) ? "fixed" : "pattern");
		ff_table_close(t);
		ff_conf_free(conf);
		return 0;
	}
	for (long n = 0; n < repeat && rc != 2; n++) {
		rc = 0;
		for (int i = optind + 1; i < argc && rc != 2; i++) {
			char *key = strdup(argv[i]);

			if (key == NULL)
				return 70;
			for (char *cp = key; fold && *cp; cp++)
				*cp = (char)tolower((unsigned char)*cp);
			r = ff_table_lookup(t, key, &value, &e);
			if (r < 0) {
				fprintf(stderr, "table-query: fatal: %s\n", e.msg);
				rc = 2;
			} else if (n + 1 < repeat) {
				;
			} else if (argc - optind == 2) {
				if (r > 0)
					printf("%s\n", value);
				else
					rc = 1;
			} else if (r > 0) {
				printf("%s\t%s\n", argv[i], value);
			}
			free(key);
		}
	}
	ff_table_close(t);
	ff_conf_free(conf);
	return rc;
}
