/*
 * fflush-send - deliver the deferred mail of destinations (ETRN), or single messages
 *
 *	fflush-send [-nqv] [-c dir] [-o name=value] [--json] site...
 *	fflush-send [-nqv] [-c dir] [-o name=value] [--json] -i queue_id...
 *
 * See fflush-send(1).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "fastflush.h"

static struct ff_cli cli;
static int dryrun, by_id;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: fflush-send [-nqv] [-c dir] [-o name=value] [--json] site...\n"
	    "       fflush-send [-nqv] [-c dir] [-o name=value] [--json] -i queue_id...\n"
	    "\n"
	    "Deliver the deferred mail listed for each destination (ETRN): move it from\n"
	    "deferred/ to incoming/ and wake the queue manager. With -i, deliver single\n"
	    "messages by queue ID (postqueue -i).\n"
	    "\n"
	    "  -i, --queue-id       arguments are queue IDs, not destinations\n"
	    "  -n, --dry-run        change nothing; report what would be done\n"
	    "  -c, --config DIR     Postfix configuration directory (main.cf)\n"
	    "  -o NAME=VALUE        override a main.cf parameter (repeatable)\n"
	    "  -q, --quiet          report errors only\n"
	    "  -v, --verbose        list every queue ID; log to stderr too\n"
	    "      --json           one JSON object per destination or queue ID\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        version\n"
	    "\n"
	    "Exit: 0 mail sent, 1 nothing waiting, 64 usage, 65 bad queue ID or site,\n"
	    "77 site not in fast_flush_domains, 75 temporary failure, 71 system error,\n"
	    "78 configuration.\n");
}

/* show_id - -v: one line per queue ID with where it went */
static void
show_id(void *arg, const char *id, size_t len, enum ff_where w)
{
	if (ff_verbose > 0 && !cli.quiet && !cli.json && !by_id)
		printf("  %.*s %s%s\n", (int)len, id, dryrun && w == FF_W_MOVED ? "would be " : "",
		    w == FF_W_INCOMING ? "already incoming" : ff_where_name(w));
}

static void
json_counts(const struct ff_counts *c)
{
	printf(",\"moved\":%lu,\"incoming\":%lu,\"gone\":%lu,\"duplicates\":%lu,\"bad\":%lu"
	    ",\"failed\":%lu,\"dry_run\":%s", c->moved, c->incoming, c->gone, c->dups, c->bad,
	    c->failed, dryrun ? "true" : "false");
}

/* site_result - report one destination; returns its status */
static enum ff_status
site_result(const char *site, const char *logname, int rc, const struct ff_counts *c,
    const struct ff_err *e)
{
	enum ff_status st = rc < 0 ? e->status : ff_send_status(c);

	if (rc < 0)
		ff_msg_error("%s: %s", site, e->msg);
	if (cli.json) {
		putchar('{');
		ff_json_str(stdout, "site", site, strlen(site));
		if (logname[0]) {
			putchar(',');
			ff_json_str(stdout, "log", logname, strlen(logname));
		}
		printf(",\"status\":\"%s\"", ff_status_name(st));
		json_counts(c);
		if (rc < 0) {
			putchar(',');
			ff_json_str(stdout, "error", e->msg, strlen(e->msg));
		}
		puts("}");
	} else if (!cli.quiet && (rc == 0 || c->lines > 0)) {
		if (c->moved + c->incoming + c->gone == 0 && rc == 0)
			printf("%s: nothing waiting\n", site);
		else
			printf("%s: %s%lu, already incoming %lu, gone %lu%s\n", site,
			    dryrun ? "would move " : "moved ", c->moved, c->incoming, c->gone,
			    c->failed ? " (some moves failed; kept in the log)" :
			    st == FF_NOTHING ? " (nothing waiting)" : "");
	}
	return st;
}

static enum ff_status
file_result(const char *id, int rc, const struct ff_counts *c, const struct ff_err *e)
{
	const char *what = c->moved ? (dryrun ? "would be moved" : "moved") :
	    c->incoming ? "already incoming" : c->notready ? "not ready (mode is not 0700)" :
	    c->failed ? "failed" : "gone";
	enum ff_status st = rc < 0 ? e->status : ff_send_status(c);

	if (rc < 0)
		ff_msg_error("%s", e->msg);
	if (cli.json) {
		putchar('{');
		ff_json_str(stdout, "queue_id", id, strlen(id));
		printf(",\"status\":\"%s\",\"result\":\"%s\"", ff_status_name(st),
		    rc < 0 && c->moved + c->incoming + c->gone + c->notready + c->failed == 0 ?
		    ff_status_name(st) : c->moved ? "moved" : c->incoming ? "incoming" :
		    c->notready ? "notready" : c->failed ? "failed" : "gone");
		printf(",\"dry_run\":%s", dryrun ? "true" : "false");
		if (rc < 0) {
			putchar(',');
			ff_json_str(stdout, "error", e->msg, strlen(e->msg));
		}
		puts("}");
	} else if (!cli.quiet && rc == 0) {
		printf("%s: %s\n", id, what);
	}
	return st;
}

/* combine - errors win; otherwise anything sent makes the run a success */
static enum ff_status
combine(enum ff_status all, enum ff_status one, int first)
{
	if (first)
		return one;
	if (all == FF_NOTHING && one == FF_OK)
		return FF_OK;
	if (one == FF_NOTHING && all == FF_OK)
		return FF_OK;
	return ff_status_worse(all, one);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		FF_CLI_LONG,
		{ "dry-run", no_argument, NULL, 'n' },
		{ "queue-id", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	char logname[FF_QID_MAX + 1];
	struct ff_err e = { .status = FF_OK };
	struct ff_counts c;
	enum ff_status st = FF_OK;
	int opt, r;
	unsigned flags;

	ff_cli_init(&cli, argv);
	while ((opt = ff_cli_getopt(&cli, argc, argv, "in", longopts, usage)) != -1) {
		switch (opt) {
		case FF_CLI_EXIT:
			return cli.exit;
		case 'i':
			by_id = 1;
			break;
		case 'n':
			dryrun = 1;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EX_USAGE;
	}
	if (ff_cli_open(&cli, &e) < 0)
		return ff_cli_fail(&e);
	flags = dryrun ? FF_SEND_DRYRUN : 0;
	for (int i = 0; i < argc; i++) {
		memset(&c, 0, sizeof(c));
		ff_err_clear(&e);
		logname[0] = 0;
		if (by_id) {
			r = ff_send_file(cli.sp, argv[i], flags, &c, show_id, NULL, &e);
			st = combine(st, file_result(argv[i], r, &c, &e), i == 0);
		} else {
			r = ff_send_site(cli.sp, argv[i], flags, &c, show_id, NULL, logname, &e);
			st = combine(st, site_result(argv[i], logname, r, &c, &e), i == 0);
		}
	}
	return ff_cli_finish(&cli, st);
}
