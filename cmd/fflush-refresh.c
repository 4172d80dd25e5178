/*
 * fflush-refresh - refresh and purge fast flush logfiles (run from cron)
 *
 *	fflush-refresh [-nqv] [-c dir] [-o name=value] [--json] [--purge] [--compact]
 *
 * See fflush-refresh(8).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "fastflush.h"

#define OPT_PURGE	0x200
#define OPT_COMPACT	0x201

static struct ff_cli cli;
static int dryrun, talk;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: fflush-refresh [-nqv] [-c dir] [-o name=value] [--json] [--purge] [--compact]\n"
	    "\n"
	    "Deliver the mail of fast flush logfiles not read for fast_flush_refresh_time\n"
	    "(12h) and delete empty logfiles unchanged for fast_flush_purge_time (7d).\n"
	    "Meant for cron; silent unless something fails, -v is given or standard\n"
	    "output is a terminal.\n"
	    "\n"
	    "      --purge          refresh every non-empty logfile, whatever its age\n"
	    "      --compact        also drop duplicate and stale queue IDs from the rest\n"
	    "  -n, --dry-run        change nothing; report what would be done\n"
	    "  -c, --config DIR     Postfix configuration directory (main.cf)\n"
	    "  -o NAME=VALUE        override a main.cf parameter (repeatable)\n"
	    "  -q, --quiet          report errors only\n"
	    "  -v, --verbose        report every logfile; log to stderr too\n"
	    "      --json           one JSON object per logfile acted on, then a summary\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        version\n"
	    "\n"
	    "Exit: 0 done, 64 usage, 75 temporary failure, 71 system error,\n"
	    "78 configuration.\n");
}

static void
one(void *arg, const char *logname, enum ff_refresh_action a, const struct ff_counts *c,
    unsigned long dropped, const struct ff_err *e)
{
	const char *verb = ff_refresh_action_name(a);

	if (a == FF_R_KEPT && ff_verbose < 2)
		return;
	if (cli.json) {
		putchar('{');
		ff_json_str(stdout, "log", logname, strlen(logname));
		printf(",\"action\":\"%s\",\"dry_run\":%s", verb, dryrun ? "true" : "false");
		if (c != NULL)
			printf(",\"moved\":%lu,\"incoming\":%lu,\"gone\":%lu", c->moved,
			    c->incoming, c->gone);
		if (a == FF_R_COMPACTED)
			printf(",\"dropped\":%lu", dropped);
		if (a == FF_R_RECOVERED)
			printf(",\"put_back\":%lu", dropped);
		if (a == FF_R_FAILED) {
			putchar(',');
			ff_json_str(stdout, "error", e->msg, strlen(e->msg));
		}
		puts("}");
		return;
	}
	if (!talk || a == FF_R_FAILED)
		return;
	printf("flush/%s: %s%s", logname, dryrun ? "would be " : "", verb);
	if (a == FF_R_REFRESHED && c != NULL)
		printf(" (%lu moved, %lu already incoming, %lu gone)", c->moved, c->incoming,
		    c->gone);
	if (a == FF_R_COMPACTED)
		printf(" (%lu line%s dropped)", dropped, dropped == 1 ? "" : "s");
	if (a == FF_R_RECOVERED)
		printf(" (%lu queue ID%s of an interrupted rewrite put back)", dropped,
		    dropped == 1 ? "" : "s");
	putchar('\n');
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		FF_CLI_LONG,
		{ "dry-run", no_argument, NULL, 'n' },
		{ "purge", no_argument, NULL, OPT_PURGE },
		{ "compact", no_argument, NULL, OPT_COMPACT },
		{ NULL, 0, NULL, 0 },
	};
	struct ff_err e = { .status = FF_OK };
	struct ff_refresh_totals t;
	unsigned flags = 0;
	int opt;

	ff_cli_init(&cli, argv);
	while ((opt = ff_cli_getopt(&cli, argc, argv, "n", longopts, usage)) != -1) {
		switch (opt) {
		case FF_CLI_EXIT:
			return cli.exit;
		case 'n':
			dryrun = 1;
			flags |= FF_SEND_DRYRUN;
			break;
		case OPT_PURGE:
			flags |= FF_REFRESH_PURGE;
			break;
		case OPT_COMPACT:
			flags |= FF_REFRESH_COMPACT;
			break;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	talk = !cli.quiet && (ff_verbose > 0 || isatty(STDOUT_FILENO));
	if (ff_cli_open(&cli, &e) < 0)
		return ff_cli_fail(&e);
	if (ff_refresh(cli.sp, flags, one, NULL, &t, &e) < 0) {
		ff_cli_close(&cli);
		return ff_cli_fail(&e);
	}
	if (cli.json) {
		printf("{\"summary\":true,\"logs\":%lu,\"refreshed\":%lu,\"purged\":%lu,"
		    "\"compacted\":%lu,\"kept\":%lu,\"errors\":%lu,\"moved\":%lu,"
		    "\"incoming\":%lu,\"gone\":%lu,\"dropped\":%lu,\"recovered\":%lu,"
		    "\"dry_run\":%s}\n",
		    t.logs, t.refreshed, t.purged, t.compacted, t.kept, t.errors, t.c.moved,
		    t.c.incoming, t.c.gone, t.dropped, t.recovered, dryrun ? "true" : "false");
	} else if (talk) {
		printf("%lu logfile%s: %lu refreshed (%lu moved, %lu already incoming, %lu gone),"
		    " %lu purged, %lu compacted, %lu kept, %lu failed%s\n",
		    t.logs, t.logs == 1 ? "" : "s", t.refreshed, t.c.moved, t.c.incoming, t.c.gone,
		    t.purged, t.compacted, t.kept, t.errors, dryrun ? " (dry run)" : "");
		if (t.recovered > 0)
			printf("%lu logfile%s got back the lines of an interrupted rewrite\n",
			    t.recovered, t.recovered == 1 ? "" : "s");
	}
	return ff_cli_finish(&cli, t.worst);
}
