/*
 * fflush-list - show what the fast flush logfiles hold
 *
 *	fflush-list [-qv] [-c dir] [-o name=value] [--json] [--brief | site...]
 *	fflush-list [-qv] [-c dir] [-o name=value] [--json] --queue [--ages] [site...]
 *	fflush-list [-qv] [-c dir] [-o name=value] [--json] --queue --ids site
 *
 * See fflush-list(1).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "fastflush.h"

static struct ff_cli cli;
enum { OPT_QUEUE = 0x200, OPT_AGES, OPT_IDS };

static int header_done, brief, qview, ages, ids;
static const char *cur_site;
static const char *cur_log;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: fflush-list [-qv] [-c dir] [-o name=value] [--json] [--brief | site...]\n"
	    "       fflush-list [-qv] [-c dir] [-o name=value] [--json] --queue [--ages] [site...]\n"
	    "       fflush-list [-qv] [-c dir] [-o name=value] [--json] --queue --ids site\n"
	    "\n"
	    "Without arguments, list every fast flush logfile: entries, distinct queue\n"
	    "IDs, stale IDs (queue file gone), size, last change and last read. With\n"
	    "destinations (or logfile names), list each queue ID in their logfiles and\n"
	    "the queue that holds it now. With --queue, the deferred queue per\n"
	    "destination: messages, recipients, bytes, oldest and newest, its logfile\n"
	    "and the deferred IDs it misses and the stale IDs it lists.\n"
	    "\n"
	    "  -b, --brief          names, sizes and times only; no logfile is read\n"
	    "      --queue          the deferred queue per destination (all, or the sites)\n"
	    "      --ages           with --queue: messages per qshape age bucket too\n"
	    "      --ids            with --queue and one site: each of its messages\n"
	    "  -c, --config DIR     Postfix configuration directory (main.cf)\n"
	    "  -o NAME=VALUE        override a main.cf parameter (repeatable)\n"
	    "  -q, --quiet          no header line\n"
	    "  -v, --verbose        log to stderr too\n"
	    "      --json           one JSON object per line\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        version\n"
	    "\n"
	    "Exit: 0 done, 1 a destination has no logfile (--queue: no deferred mail),\n"
	    "64 usage, 65 bad site,\n"
	    "75 temporary failure, 71 system error, 78 configuration.\n");
}

static void
list_one(void *arg, const struct ff_loginfo *li)
{
	char mt[32], at[32];

	if (cli.json) {
		putchar('{');
		ff_json_str(stdout, "log", li->name, strlen(li->name));
		if (li->counted)
			printf(",\"entries\":%lu,\"unique\":%lu,\"stale\":%lu,\"bad\":%lu",
			    li->entries, li->unique, li->stale, li->bad);
		printf(",\"size\":%lld,\"mtime\":%lld,\"atime\":%lld}\n", (long long)li->size,
		    (long long)li->mtime.tv_sec, (long long)li->atime.tv_sec);
		return;
	}
	ff_fmt_time(li->mtime.tv_sec, mt, sizeof(mt));
	ff_fmt_time(li->atime.tv_sec, at, sizeof(at));
	if (brief) {
		if (!header_done && !cli.quiet)
			printf("%-32s %10s  %-19s  %s\n", "LOGFILE", "SIZE", "MODIFIED", "LAST READ");
		header_done = 1;
		printf("%-32s %10lld  %-19s  %s\n", li->name, (long long)li->size, mt, at);
		return;
	}
	if (!header_done && !cli.quiet)
		printf("%-32s %8s %8s %6s %4s %10s  %-19s  %s\n", "LOGFILE", "ENTRIES",
		    "UNIQUE", "STALE", "BAD", "SIZE", "MODIFIED", "LAST READ");
	header_done = 1;
	printf("%-32s %8lu %8lu %6lu %4lu %10lld  %-19s  %s\n", li->name, li->entries,
	    li->unique, li->stale, li->bad, (long long)li->size, mt, at);
}

static void
show_one(void *arg, const char *id, unsigned long count, int queue)
{
	const char *where = queue == FF_LOCATE_UNKNOWN ? "unknown" : queue < 0 ? "gone" :
	    ff_queue_name(queue);

	if (cli.json) {
		putchar('{');
		ff_json_str(stdout, "site", cur_site, strlen(cur_site));
		putchar(',');
		ff_json_str(stdout, "log", cur_log, strlen(cur_log));
		putchar(',');
		ff_json_str(stdout, "queue_id", id, strlen(id));
		printf(",\"count\":%lu,\"queue\":\"%s\"}\n", count, where);
		return;
	}
	if (!header_done && !cli.quiet)
		printf("%-20s %6s  %s\n", "QUEUE_ID", "COUNT", "QUEUE");
	header_done = 1;
	printf("%-20s %6lu  %s\n", id, count, where);
}

/* logname_of - a destination, or already a logfile name */
static int
logname_of(const char *arg, char *logname, struct ff_err *e)
{
	if (ff_site_to_logname(arg, strlen(arg), logname, e) == 0)
		return 0;
	if (ff_qid_ok(arg, strlen(arg))) {
		strlcpy(logname, arg, FF_QID_MAX + 1);
		return 0;
	}
	return -1;
}

static enum ff_status
show(const char *site)
{
	static char logname[FF_QID_MAX + 1];
	struct ff_loginfo info;
	struct ff_err e = { .status = FF_OK };

	if (logname_of(site, logname, &e) < 0 ||
	    ff_show_log(cli.sp, logname, NULL, NULL, &info, &e) < 0) {
		ff_msg_error("%s: %s", site, e.msg);
		return e.status;
	}
	cur_site = site;
	cur_log = logname;
	if (!info.exists) {
		if (cli.json) {
			putchar('{');
			ff_json_str(stdout, "site", site, strlen(site));
			putchar(',');
			ff_json_str(stdout, "log", logname, strlen(logname));
			puts(",\"status\":\"nothing\"}");
		} else if (!cli.quiet) {
			printf("%s: no logfile flush/%s (nothing waiting)\n", site, logname);
		}
		return FF_NOTHING;
	}
	if (!cli.json && !cli.quiet)
		printf("%s: flush/%s: %lu entries, %lu unique, %lu stale, %lu bad\n", site, logname,
		    info.entries, info.unique, info.stale, info.bad);
	header_done = 0;
	if (ff_show_log(cli.sp, logname, show_one, NULL, &info, &e) < 0) {
		ff_msg_error("%s: %s", site, e.msg);
		return e.status;
	}
	return FF_OK;
}

/* queue_view - the deferred queue per destination (qview.h, qviewout.h) */
static enum ff_status
queue_view(char **sites, int nsites)
{
	struct ff_qview v;
	struct ff_err e = { .status = FF_OK };
	enum ff_status st = FF_OK;
	unsigned how = (cli.json ? FF_QOUT_JSON : 0) | (ages ? FF_QOUT_AGES : 0) |
	    (ids ? FF_QOUT_IDS : 0) | (cli.quiet ? FF_QOUT_QUIET : 0);

	if (ff_qview_scan(&v, cli.sp, sites, (size_t)nsites, ids ? FF_QVIEW_IDS : 0, &e) < 0) {
		ff_msg_error("%s", e.msg);
		ff_qview_free(&v);
		return e.status;
	}
	ff_qview_print(stdout, &v, how);
	if (cli.json && v.skipped + v.unreadable > 0)
		ff_msg_warn_user("skipped: %lu queue files and %lu directories that could not be read",
		    v.skipped, v.unreadable);
	for (size_t i = 0; i < v.ndest; i++)
		if (v.dest[i]->messages == 0)
			st = FF_NOTHING;	/* a site asked for has no deferred mail */
	ff_qview_free(&v);
	return st;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		FF_CLI_LONG,
		{ "brief", no_argument, NULL, 'b' },
		{ "queue", no_argument, NULL, OPT_QUEUE },
		{ "ages", no_argument, NULL, OPT_AGES },
		{ "ids", no_argument, NULL, OPT_IDS },
		{ NULL, 0, NULL, 0 },
	};
	struct ff_err e = { .status = FF_OK };
	enum ff_status st = FF_OK;
	int opt;

	ff_cli_init(&cli, argv);
	while ((opt = ff_cli_getopt(&cli, argc, argv, "b", longopts, usage)) != -1) {
		switch (opt) {
		case FF_CLI_EXIT:
			return cli.exit;
		case 'b':
			brief = 1;
			break;
		case OPT_QUEUE:
			qview = 1;
			break;
		case OPT_AGES:
			ages = 1;
			break;
		case OPT_IDS:
			ids = 1;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if ((brief && (argc > 0 || qview)) || ((ages || ids) && !qview) ||
	    (ids && (argc != 1 || ages))) {
		usage(stderr);
		return EX_USAGE;
	}
	if (ff_cli_open(&cli, &e) < 0)
		return ff_cli_fail(&e);
	if (qview)
		return ff_cli_finish(&cli, queue_view(argv, argc));
	if (argc == 0) {
		if (ff_list_logs(cli.sp, brief, list_one, NULL, &e) < 0) {
			ff_msg_error("%s", e.msg);
			st = e.status;
		}
	}
	for (int i = 0; i < argc; i++)
		st = ff_status_worse(st, show(argv[i]));
	return ff_cli_finish(&cli, st);
}
