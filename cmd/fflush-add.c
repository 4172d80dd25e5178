/*
 * fflush-add - append deferred queue IDs to a destination's fast flush logfile
 *
 *	fflush-add [-qv] [-c dir] [-o name=value] [--json] site queue_id...
 *	fflush-add [-qv] [-c dir] [-o name=value] [--json] -
 *	fflush-add [-nqv] [-c dir] [-o name=value] [--json] --rebuild [site...]
 *
 * See fflush-add(1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "fastflush.h"

#define BATCH_LINE_MAX	4096		/* longer batch lines are refused */
#define BATCH_COMMIT	1000000		/* IDs held in memory before writing */
#define OPT_REBUILD	0x200

static struct ff_cli cli;
static int dryrun;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: fflush-add [-qv] [-c dir] [-o name=value] [--json] site queue_id...\n"
	    "       fflush-add [-qv] [-c dir] [-o name=value] [--json] -\n"
	    "       fflush-add [-nqv] [-c dir] [-o name=value] [--json] --rebuild [site...]\n"
	    "\n"
	    "Append deferred queue IDs to the fast flush logfile of a destination.\n"
	    "With \"-\", read \"site queue_id\" lines from standard input.\n"
	    "With --rebuild, read the deferred queue files and make every logfile (or\n"
	    "those of the sites named) list exactly the mail deferred for it.\n"
	    "\n"
	    "      --rebuild        rebuild the logfiles from deferred/\n"
	    "  -n, --dry-run        with --rebuild: change nothing, report what would change\n"
	    "  -c, --config DIR     Postfix configuration directory (main.cf)\n"
	    "  -o NAME=VALUE        override a main.cf parameter (repeatable)\n"
	    "  -q, --quiet          report errors only\n"
	    "  -v, --verbose        more detail; log to stderr too\n"
	    "      --json           one JSON object per logfile written\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        version\n"
	    "\n"
	    "Exit: 0 added (rebuilt), 64 usage, 65 bad queue ID or site, 77 site not in\n"
	    "fast_flush_domains, 75 temporary failure, 71 system error, 78 configuration.\n");
}

/* report - one line (or JSON object) per logfile written */
static void
report(void *arg, const char *logname, const char *site, unsigned long n,
    enum ff_status st, const struct ff_err *e)
{
	if (st != FF_OK)
		ff_msg_error("%s: %s", site, e->msg);
	if (cli.json) {
		putchar('{');
		ff_json_str(stdout, "site", site, strlen(site));
		putchar(',');
		ff_json_str(stdout, "log", logname, strlen(logname));
		printf(",\"status\":\"%s\",\"added\":%lu", ff_status_name(st), st == FF_OK ? n : 0);
		if (st != FF_OK) {
			putchar(',');
			ff_json_str(stdout, "error", e->msg, strlen(e->msg));
		}
		puts("}");
	} else if (st == FF_OK && ff_verbose > 0 && !cli.quiet) {
		printf("%s: %lu queue ID%s added to flush/%s\n", site, n, n == 1 ? "" : "s",
		    logname);
	}
}

/* bad_line - a batch line we refuse; the rest of the batch goes on */
static enum ff_status
bad_line(unsigned long lineno, const struct ff_err *e, enum ff_status worst)
{
	ff_msg_error("standard input, line %lu: %s", lineno, e->msg);
	if (cli.json) {
		printf("{\"line\":%lu,\"status\":\"%s\",", lineno, ff_status_name(e->status));
		ff_json_str(stdout, "error", e->msg, strlen(e->msg));
		puts("}");
	}
	return ff_status_worse(worst, e->status);
}

/* parse_line - "site queue_id": two fields separated by blanks */
static int
parse_line(char *line, size_t len, char **site, char **id, size_t *idlen, struct ff_err *e)
{
	char *f[3];
	int n = 0;
	char *p = line, *end = line + len;

	if (memchr(line, 0, len) != NULL)
		return ff_err_set(e, FF_BAD, "line contains a NUL byte");
	while (p < end && n < 3) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p == end)
			break;
		f[n++] = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		*p++ = 0;
	}
	if (n != 2)
		return ff_err_set(e, FF_BAD, "expected \"site queue_id\"");
	*site = f[0];
	*id = f[1];
	*idlen = strlen(f[1]);
	return 0;
}

static enum ff_status
batch(void)
{
	struct ff_batch *b = ff_batch_new(cli.sp);
	enum ff_status worst = FF_OK;
	struct ff_err e;
	unsigned long lineno = 0;
	static char line[BATCH_LINE_MAX + 1];
	char *site = NULL, *id = NULL;
	size_t n, idlen = 0;
	int r;

	if (b == NULL) {
		ff_msg_error("out of memory");
		return FF_TEMP;
	}
	/* a line is read into that buffer or skipped: memory does not follow the input */
	while ((r = ff_line_read(stdin, line, sizeof(line), &n)) > 0) {
		lineno++;
		if (r == FF_LINE_LONG) {
			ff_err_set(&e, FF_BAD, "line longer than %d bytes", BATCH_LINE_MAX);
			worst = bad_line(lineno, &e, worst);
			continue;
		}
		if (n == 0 || line[strspn(line, " \t\r")] == '#' || line[strspn(line, " \t\r")] == 0)
			continue;
		ff_err_clear(&e);
		if (parse_line(line, (size_t)n, &site, &id, &idlen, &e) < 0 ||
		    ff_batch_add(b, site, id, idlen, &e) < 0)
			worst = bad_line(lineno, &e, worst);
		/* a denied site is remembered too: the bound counts it */
		if (ff_batch_pending(b) >= BATCH_COMMIT || ff_batch_sites(b) >= FF_BATCH_SITES_MAX)
			worst = ff_status_worse(worst, ff_batch_commit(b, report, NULL));
	}
	if (r < 0) {
		ff_msg_error("read standard input: %s", strerror(errno));
		worst = ff_status_worse(worst, FF_TEMP);
	}
	worst = ff_status_worse(worst, ff_batch_commit(b, report, NULL));
	ff_batch_free(b);
	return worst;
}

/* rebuilt - one logfile of a rebuild */
static void
rebuilt(void *arg, const char *logname, unsigned long added, unsigned long dropped,
    unsigned long kept, const struct ff_err *e)
{
	if (e != NULL)
		ff_msg_error("%s", e->msg);
	if (cli.json) {
		putchar('{');
		ff_json_str(stdout, "log", logname, strlen(logname));
		printf(",\"status\":\"%s\",\"added\":%lu,\"dropped\":%lu,\"kept\":%lu,"
		    "\"dry_run\":%s", ff_status_name(e != NULL ? e->status : FF_OK), added,
		    dropped, kept, dryrun ? "true" : "false");
		if (e != NULL) {
			putchar(',');
			ff_json_str(stdout, "error", e->msg, strlen(e->msg));
		}
		puts("}");
	} else if (e == NULL && !cli.quiet && (added > 0 || dropped > 0 || ff_verbose > 0)) {
		printf("flush/%s: %s%lu added, %lu dropped, %lu kept\n", logname,
		    dryrun ? "would be " : "", added, dropped, kept);
	}
}

static int
rebuild(char **sites, int nsites)
{
	struct ff_rebuild_totals t;
	struct ff_err e = { .status = FF_OK };
	unsigned flags = dryrun ? FF_SEND_DRYRUN : 0;

	if (ff_cli_open(&cli, &e) < 0)
		return ff_cli_fail(&e);
	if (ff_rebuild(cli.sp, sites, (size_t)nsites, flags, rebuilt, NULL, &t, &e) < 0) {
		ff_cli_close(&cli);
		return ff_cli_fail(&e);
	}
	if (cli.json) {
		printf("{\"summary\":true,\"queue_files\":%lu,\"skipped\":%lu,\"probes\":%lu,"
		    "\"recipients\":%lu,\"eligible\":%lu,\"logs\":%lu,\"changed\":%lu,"
		    "\"added\":%lu,\"dropped\":%lu,\"kept\":%lu,\"errors\":%lu,\"dry_run\":%s}\n",
		    t.files, t.skipped, t.probes, t.recipients, t.eligible, t.logs, t.changed,
		    t.added, t.dropped, t.kept, t.errors, dryrun ? "true" : "false");
	} else if (!cli.quiet) {
		printf("%lu deferred queue file%s read (%lu skipped), %lu recipient%s to do"
		    " (%lu for fast flush)\n", t.files, t.files == 1 ? "" : "s", t.skipped,
		    t.recipients, t.recipients == 1 ? "" : "s", t.eligible);
		printf("%lu logfile%s: %lu %schanged; queue IDs %lu added, %lu dropped,"
		    " %lu kept; %lu failed\n", t.logs, t.logs == 1 ? "" : "s", t.changed,
		    dryrun ? "would be " : "", t.added, t.dropped, t.kept, t.errors);
	}
	return ff_cli_finish(&cli, t.worst);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		FF_CLI_LONG,
		{ "dry-run", no_argument, NULL, 'n' },
		{ "rebuild", no_argument, NULL, OPT_REBUILD },
		{ NULL, 0, NULL, 0 },
	};
	char logname[FF_QID_MAX + 1];
	struct ff_err e = { .status = FF_OK };
	enum ff_status st = FF_OK;
	int opt, rebuild_mode = 0;

	ff_cli_init(&cli, argv);
	while ((opt = ff_cli_getopt(&cli, argc, argv, "n", longopts, usage)) != -1) {
		switch (opt) {
		case FF_CLI_EXIT:
			return cli.exit;
		case 'n':
			dryrun = 1;
			break;
		case OPT_REBUILD:
			rebuild_mode = 1;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (rebuild_mode)
		return rebuild(argv, argc);
	if (dryrun) {
		ff_msg_warn_user("-n (--dry-run) goes with --rebuild");
		usage(stderr);
		return EX_USAGE;
	}
	if (argc < 1 || (argc < 2 && strcmp(argv[0], "-") != 0) ||
	    (strcmp(argv[0], "-") == 0 && argc != 1)) {
		usage(stderr);
		return EX_USAGE;
	}
	if (ff_cli_open(&cli, &e) < 0)
		return ff_cli_fail(&e);
	if (strcmp(argv[0], "-") == 0) {
		st = batch();
	} else if (ff_add(cli.sp, argv[0], argv + 1, (size_t)argc - 1, logname, &e) < 0) {
		st = e.status;
		ff_msg_error("%s", e.msg);
		if (cli.json) {
			putchar('{');
			ff_json_str(stdout, "site", argv[0], strlen(argv[0]));
			printf(",\"status\":\"%s\",\"added\":0,", ff_status_name(st));
			ff_json_str(stdout, "error", e.msg, strlen(e.msg));
			puts("}");
		}
	} else {
		report(NULL, logname, argv[0], (unsigned long)argc - 1, FF_OK, &e);
	}
	return ff_cli_finish(&cli, st);
}
