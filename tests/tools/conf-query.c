/*
 * conf-query - print main.cf parameters as fastflush expands them:
 * conf-query [-c dir] [-o name=value] NAME...
 *
 * Test helper, the counterpart of Postfix's "postconf -c DIR -xh NAME" for
 * the differential tests of lib/postfix/expand.c. The configuration is read as the
 * commands read it (-c DIR, else MAIL_CONFIG, else /etc/postfix; then each
 * -o) and each NAME's expanded value is printed on a line of its own. Exit
 * 0; 78 with "conf-query: fatal: ..." on stderr when main.cf cannot be
 * read or an expansion fails (postconf says "fatal: macro processing
 * error" and exits 1); 64 for bad usage.
 */
#include <stdio.h>
#include <unistd.h>

#include "postfix/conf.h"
#include "util/msg.h"

int
main(int argc, char **argv)
{
	struct ff_conf *conf = ff_conf_new();
	struct ff_err e = { .status = FF_OK };
	const char *dir = NULL, *value;
	int opt, rc = 0;

	ff_msg_open("conf-query", NULL);
	ff_msg_stderr(FF_MSG_STDERR_NONE);
	while ((opt = getopt(argc, argv, "c:o:")) != -1) {
		switch (opt) {
		case 'c':
			dir = optarg;
			break;
		case 'o':
			if (ff_conf_override(conf, optarg, &e) < 0) {
				fprintf(stderr, "conf-query: %s\n", e.msg);
				return 64;
			}
			break;
		default:
			return 64;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: conf-query [-c dir] [-o name=value] NAME...\n");
		return 64;
	}
	if (ff_conf_load(conf, dir, &e) < 0) {
		fprintf(stderr, "conf-query: fatal: %s\n", e.msg);
		ff_conf_free(conf);
		return 78;
	}
	for (int i = optind; i < argc && rc == 0; i++) {
		if (ff_conf_str(conf, argv[i], &value, &e) < 0) {
			fprintf(stderr, "conf-query: fatal: %s\n", e.msg);
			rc = 78;
		} else {
			printf("%s\n", value);
		}
	}
	ff_conf_free(conf);
	return rc;
}
