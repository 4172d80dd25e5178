/*
 * scache-ctl - the shared connection cache: run its server, save and find connections
 *
 * The subcommands are the table subcmds[] below; see scache-ctl(8).
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "fastflush.h"

static struct ff_cli cli;

enum { OPT_FD = 0x200, OPT_ENDP, OPT_DEST, OPT_ALL, OPT_REPLACE, OPT_TRUST, OPT_LIST };

/* what a subcommand takes besides the options that every one takes */
enum {
	T_FD = 1 << 0,		/* --fd N */
	T_DELETE = 1 << 1,	/* --endp, --dest, --all */
	T_SERVE = 1 << 2,	/* --replace, --allow, --trust-savers, --max-sessions */
	T_CMD = 1 << 3,		/* -- CMD [ARG...] after the operands */
	T_ALL = 1 << 4,		/* --all instead of the operands */
	T_CLIENT = 1 << 5,	/* usage: a client (-q, -n) */
	T_JSON = 1 << 6,	/* usage: --json shapes its output */
	T_OWN = 1 << 7,		/* a request only fastflush's server knows */
	T_SAMELINE = 1 << 8,	/* usage: on the line of the subcommand before it */
};

/* the options of T_FD, T_DELETE and T_SERVE, in the order they are checked */
static const struct {
	int bit;
	const char *syn;	/* usage, before the operands */
	const char *opts[5];
} optgroups[] = {
	{ T_SERVE, "[--replace] [-m N] [-a OPS=WHO]... [--trust-savers]",
	  { "--replace", "--allow", "--trust-savers", "--max-sessions" } },
	{ T_DELETE, "[--endp | --dest]", { "--endp", "--dest", "--all" } },
	{ T_FD, "[--fd N]", { "--fd" } },
};

struct opts {
	const char *timeout;
	int no_start, fd, kind, all, replace, trust_savers;
	long max_sessions;
	const char **allow;
	size_t nallow;
	char **cmd;		/* after "--" */
};

struct subcmd;
typedef int subcmd_fn(const struct subcmd *, const struct opts *, char **, int);
static subcmd_fn save_endp, find_endp, save_dest, find_dest, stats, list, delete, serve;

/*
 * subcmds - the subcommands: dispatch, their argument counts and options,
 * and the usage text all come from here (as does --list-commands, which
 * tests/docs.bats checks the completions against)
 */
static const struct subcmd {
	const char *name;
	subcmd_fn *fn;
	int min, max;		/* operands */
	int takes;		/* T_ */
	const char *args;	/* the operands, for usage, --help and "want ..." */
	const char *help;	/* --help; lines after the first are indented */
} subcmds[] = {
	{ "save-endp", save_endp, 3, 3, T_CLIENT | T_FD, "TTL ENDPOINT PROPS",
	  "cache descriptor N (--fd, default 0) for TTL\n"
	  "seconds (at most connection_cache_ttl_limit)" },
	{ "find-endp", find_endp, 1, 1, T_CLIENT | T_JSON | T_FD | T_CMD, "ENDPOINT",
	  "take the oldest connection saved for ENDPOINT: print\n"
	  "its properties, or run CMD with it on descriptor N\n"
	  "(--fd, default 3; also SCACHE_FD, SCACHE_ENDP_PROPS)" },
	{ "save-dest", save_dest, 4, 4, T_CLIENT, "TTL DEST DEST-PROPS ENDPOINT",
	  "bind DEST to ENDPOINT" },
	{ "find-dest", find_dest, 1, 1, T_CLIENT | T_JSON | T_FD | T_CMD, "DEST",
	  "a connection through DEST's bindings, oldest first\n"
	  "(prints destination and endpoint properties; with CMD\n"
	  "also SCACHE_DEST_PROPS)" },
	{ "stats", stats, 0, 0, T_CLIENT | T_JSON | T_OWN, "",
	  "counters; list: what is cached, with time left" },
	/* no help line of its own: stats' says what it does */
	{ "list", list, 0, 0, T_CLIENT | T_JSON | T_OWN | T_SAMELINE, "", NULL },
	{ "delete", delete, 1, 1, T_CLIENT | T_DELETE | T_ALL | T_OWN, "LABEL",
	  "drop connections and bindings saved under LABEL" },
	{ "serve", serve, 0, 0, T_SERVE, "",
	  "run the server in the foreground" },
};

#define NSUBCMDS	(sizeof(subcmds) / sizeof(subcmds[0]))
#define NGROUPS		(sizeof(optgroups) / sizeof(optgroups[0]))

static void
usage(FILE *fp)
{
	char left[64];

	for (size_t i = 0; i < NSUBCMDS; i++) {
		const struct subcmd *sc = &subcmds[i];

		if (sc->takes & T_SAMELINE)
			continue;
		fprintf(fp, "%s scache-ctl %s%s %s", i == 0 ? "usage:" : "      ",
		    sc->takes & T_CLIENT ? "[-qv] [-c dir] [-o name=value] [-t time] [-n]" :
		    "[-v] [-c dir] [-o name=value] [-t time]",
		    sc->takes & T_JSON ? " [--json]" : "", sc->name);
		for (size_t j = i + 1; j < NSUBCMDS && (subcmds[j].takes & T_SAMELINE); j++)
			fprintf(fp, " | %s", subcmds[j].name);
		for (size_t g = 0; g < NGROUPS; g++)
			if (sc->takes & optgroups[g].bit)
				fprintf(fp, " %s", optgroups[g].syn);
		if (*sc->args)
			fprintf(fp, sc->takes & T_ALL ? " {%s | --all}" : " %s", sc->args);
		fputs(sc->takes & T_CMD ? " [-- CMD [ARG...]]\n" : "\n", fp);
	}
	fprintf(fp,
	    "\n"
	    "The shared connection cache of a Postfix spool, as Postfix's scache(8):\n"
	    "connections (open descriptors) saved under an endpoint label (an address)\n"
	    "with properties and a time to live, and destinations (a domain) bound to\n"
	    "endpoints. Postfix's smtp(8) uses the same server. The server is started\n"
	    "on demand when nothing answers on private/scache (unless -n). As the\n"
	    "command of master.cf's scache line (make install-postfix) scache-ctl is the\n"
	    "server, run by Postfix's master with master's arguments.\n"
	    "\n");
	for (size_t i = 0; i < NSUBCMDS; i++) {
		const struct subcmd *sc = &subcmds[i];

		if (sc->help == NULL)
			continue;
		snprintf(left, sizeof(left), "%s%s%s", sc->name, *sc->args ? " " : "", sc->args);
		fprintf(fp, "  %-19s  ", left);
		for (const char *h = sc->help; *h; h++)
			if (*h == '\n')
				fputs("\n                       ", fp);
			else
				fputc(*h, fp);
		fputc('\n', fp);
	}
	fprintf(fp,
	    "\n"
	    "  -c, --config DIR     Postfix configuration directory (main.cf)\n"
	    "  -o NAME=VALUE        override a main.cf parameter (repeatable)\n"
	    "  -t, --timeout TIME   time limit per exchange (connection_cache_protocol_timeout;\n"
	    "                       for serve: ipc_timeout)\n"
	    "  -n, --no-start       do not start a server when none answers\n"
	    "      --fd N           the descriptor to save, or to hand to CMD\n"
	    "      --endp, --dest   delete only connections, or only bindings\n"
	    "      --all            delete everything\n"
	    "      --trust-savers   serve: let -a grant save (the users named share Postfix's\n"
	    "                       labels: what they save, Postfix's smtp may use)\n"
	    "      --replace        serve: take over from the running server, connections\n"
	    "                       and listening socket included (for restarts, upgrades)\n"
	    "  -m, --max-sessions N serve: cache at most N connections (default 10000);\n"
	    "                       when full, the one closest to expiry is closed\n"
	    "  -a, --allow OPS=WHO  serve: let users (name, uid, @group) do OPS (save, find,\n"
	    "                       stats, list, delete, handoff, all); root and the spool\n"
	    "                       owner may do everything (repeatable)\n"
	    "  -q, --quiet          no header line (list), no \"deleted N\" (delete), no\n"
	    "                       \"nothing cached\" (find-*)\n"
	    "  -v, --verbose        log more\n"
	    "      --json           stats, list and find-* properties as JSON\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        version\n"
	    "\n"
	    "Exit: 0 done, 1 nothing found, 64 usage, 65 bad request, 69 no server (or\n"
	    "not a fastflush one), 75 temporary failure, 77 permission denied, 71 system\n"
	    "error, 78 configuration; with CMD its exit status, 126/127 if it cannot run.\n");
}

/* list_commands - --list-commands: each subcommand and the options only it (and its kind) takes */
static void
list_commands(void)
{
	for (size_t i = 0; i < NSUBCMDS; i++) {
		fputs(subcmds[i].name, stdout);
		for (size_t g = 0; g < NGROUPS; g++)
			for (size_t k = 0; (subcmds[i].takes & optgroups[g].bit) && optgroups[g].opts[k]; k++)
				printf(" %s", optgroups[g].opts[k]);
		putchar('\n');
	}
}

/* join - words separated by ", ", the last two by last: "a, b and c" */
static void
join(char *buf, size_t size, const char *const *w, size_t n, const char *last)
{
	*buf = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strlcat(buf, i + 1 == n ? last : ", ", size);
		strlcat(buf, w[i], size);
	}
}

static int
fail(const struct ff_err *e, int code)
{
	fprintf(stderr, "scache-ctl: %s\n", e->msg);
	return code;
}

static int usage_error(const char *, ...) FF_PRINTF(1, 2);

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "scache-ctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	return EX_USAGE;
}

/* want_error - the wrong number of operands for sc */
static int
want_error(const struct subcmd *sc)
{
	if (sc->max == 0)
		return usage_error("%s takes no arguments", sc->name);
	return usage_error("%s: want %s%s", sc->name, sc->args, sc->takes & T_ALL ? ", or --all" : "");
}

/* options_error - options of group g given to sub, which does not take them */
static int
options_error(size_t g, const char *sub)
{
	const char *names[NSUBCMDS];
	char opts[128], subs[256];
	size_t n = 0, nopts = 0;

	for (size_t i = 0; i < NSUBCMDS; i++)
		if (subcmds[i].takes & optgroups[g].bit)
			names[n++] = subcmds[i].name;
	while (optgroups[g].opts[nopts])
		nopts++;
	join(opts, sizeof(opts), optgroups[g].opts, nopts, " and ");
	join(subs, sizeof(subs), names, n, " and ");
	return usage_error("%s %s for %s, not %s", opts, nopts == 1 ? "is" : "are", subs, sub);
}

/*
 * server_status - the exit code for a status the server sent to sc; for a
 * request only fastflush's server has (T_OWN: stats, list, delete) status
 * 1 means a server that does not know it and 2 a refusal
 */
static int
server_status(int st, const struct subcmd *sc)
{
	static const struct {
		const char *msg;
		int code;
	} bad[2][2] = {
		{ { "the server says: bad request", EX_DATAERR },
		  { "the server says: failed (see its log)", EX_TEMPFAIL } },
		{ { "the server does not know this request (not a fastflush server?)",
		    EX_UNAVAILABLE },
		  { "permission denied", EX_NOPERM } },
	};
	int i = st == FF_SCACHE_BAD ? 0 : 1, own = (sc->takes & T_OWN) != 0;

	if (st == FF_SCACHE_OK)
		return EX_OK;
	fprintf(stderr, "scache-ctl: %s: %s\n", sc->name, bad[own][i].msg);
	return bad[own][i].code;
}

static void
print_safe(const char *s)
{
	char buf[4 * 1024 + 16];

	fputs(ff_msg_safe(s, strlen(s), buf, sizeof(buf)), stdout);
}

/* ------------------------------------------------------------ client side */

static int
open_client(struct ff_scclnt **c, const struct opts *o)
{
	struct ff_err e = { .status = FF_OK };
	struct ff_scached *auto_settings;
	const char *service;
	long secs;

	if (ff_cli_open(&cli, &e) < 0 ||
	    ff_conf_str(cli.conf, "connection_cache_service_name", &service, &e) < 0)
		return fail(&e, ff_status_exit(e.status));
	if (o->timeout) {
		if (ff_parse_time(o->timeout, 's', &secs) < 0)
			return usage_error("bad time-out: %s", o->timeout);
	} else if (ff_conf_time(cli.conf, "connection_cache_protocol_timeout", &secs, &e) < 0)
		return fail(&e, ff_status_exit(e.status));
	if ((auto_settings = ff_scached_new()) == NULL) {
		ff_err_sys(&e, errno, "connection cache settings");
		return fail(&e, EX_OSERR);
	}
	if (ff_scached_conf(auto_settings, cli.conf, &e) < 0) {
		ff_scached_free(auto_settings);
		return fail(&e, ff_status_exit(e.status));
	}
	*c = ff_scclnt_open(cli.sp, service, o->no_start ? NULL : auto_settings,
	    ff_time_ms(secs), &e);
	ff_scached_free(auto_settings);
	if (*c == NULL)
		return fail(&e, e.status == FF_CONFIG || e.status == FF_DENY ?
		    ff_status_exit(e.status) : EX_UNAVAILABLE);
	if (ff_scclnt_started(*c) && ff_verbose > 0)
		fprintf(stderr, "scache-ctl: started a connection cache server\n");
	return EX_OK;
}

static int
parse_ttl(const char *arg, int *ttl)
{
	long secs;

	if (ff_parse_time(arg, 's', &secs) < 0 || secs < 1 || secs > INT_MAX)
		return usage_error("bad TTL: %s (seconds, at least 1)", arg);
	*ttl = (int)secs;
	return EX_OK;
}

static int
save_endp(const struct subcmd *sc, const struct opts *o, char **av, int ac)
{
	struct ff_scclnt *c;
	struct ff_err e = { .status = FF_OK };
	int ttl = 0, fd = o->fd < 0 ? 0 : o->fd, r;

	if ((r = parse_ttl(av[0], &ttl)) != EX_OK)
		return r;
	if (fcntl(fd, F_GETFD) < 0) {
		fprintf(stderr, "scache-ctl: %s: descriptor %d: %s\n", sc->name, fd, strerror(errno));
		return EX_USAGE;
	}
	if ((r = open_client(&c, o)) != EX_OK)
		return r;
	r = ff_scclnt_save_endp(c, ttl, av[1], av[2], fd, &e);
	ff_scclnt_close(c);
	if (r < 0)
		return fail(&e, EX_TEMPFAIL);
	return server_status(r, sc);
}

static int
save_dest(const struct subcmd *sc, const struct opts *o, char **av, int ac)
{
	struct ff_scclnt *c;
	struct ff_err e = { .status = FF_OK };
	int ttl = 0, r;

	if ((r = parse_ttl(av[0], &ttl)) != EX_OK)
		return r;
	if ((r = open_client(&c, o)) != EX_OK)
		return r;
	r = ff_scclnt_save_dest(c, ttl, av[1], av[2], av[3], &e);
	ff_scclnt_close(c);
	if (r < 0)
		return fail(&e, EX_TEMPFAIL);
	return server_status(r, sc);
}

/* run - hand fd to cmd on descriptor n and become cmd */
static int
run(int fd, int n, char **cmd, const char *dprop, const char *eprop)
{
	char num[16];

	if (fd != n) {
		if (dup2(fd, n) < 0) {
			fprintf(stderr, "scache-ctl: descriptor %d: %s\n", n, strerror(errno));
			return EX_OSERR;
		}
		close(fd);
	} else if (fcntl(fd, F_SETFD, 0) < 0) {
		return EX_OSERR;
	}
	snprintf(num, sizeof(num), "%d", n);
	setenv("SCACHE_FD", num, 1);
	setenv("SCACHE_ENDP_PROPS", eprop, 1);
	if (dprop)
		setenv("SCACHE_DEST_PROPS", dprop, 1);
	fflush(stdout);
	execvp(cmd[0], cmd);
	fprintf(stderr, "scache-ctl: %s: %s\n", cmd[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

static int
find(const struct subcmd *sc, const struct opts *o, char **av, int dest)
{
	struct ff_scclnt *c;
	struct ff_err e = { .status = FF_OK };
	char *dprop = NULL, *eprop = NULL;
	int fd, r, n = o->fd < 0 ? 3 : o->fd;

	if ((r = open_client(&c, o)) != EX_OK)
		return r;
	r = dest ? ff_scclnt_find_dest(c, av[0], &dprop, &eprop, &fd, &e) :
	    ff_scclnt_find_endp(c, av[0], &eprop, &fd, &e);
	ff_scclnt_close(c);
	ff_cli_close(&cli);
	if (r < 0)
		return fail(&e, EX_TEMPFAIL);
	if (r == FF_SCACHE_FAIL) {
		if (!cli.quiet)
			fprintf(stderr, "scache-ctl: %s: nothing cached\n", av[0]);
		r = FF_EXIT_NOTHING;
	} else if (r != FF_SCACHE_OK) {
		r = server_status(r, sc);
	} else if (o->cmd) {
		r = run(fd, n, o->cmd, dprop, eprop);
	} else {
		if (cli.json) {
			putchar('{');
			if (dest) {
				ff_json_str(stdout, "dest_props", dprop, strlen(dprop));
				putchar(',');
			}
			ff_json_str(stdout, "endp_props", eprop, strlen(eprop));
			puts("}");
		} else {
			if (dest) {
				print_safe(dprop);
				putchar('\n');
			}
			print_safe(eprop);
			putchar('\n');
		}
		close(fd);
		r = EX_OK;
	}
	free(dprop);
	free(eprop);
	return r;
}

static int
find_endp(const struct subcmd *sc, const struct opts *o, char **av, int ac)
{
	return find(sc, o, av, 0);
}

static int
find_dest(const struct subcmd *sc, const struct opts *o, char **av, int ac)
{
	return find(sc, o, av, 1);
}

/*
 * stats_counter_ok - what the stats reply may hold: a counter named with
 * 1 to 64 of [a-z0-9_] whose value is a decimal number of 1 to 20 digits.
 * Anything else (a fake server's escape sequences or JSON) is not
 * printed, so nothing a server says reaches the terminal or the JSON
 * unchecked.
 */
static int
stats_counter_ok(const char *n, const char *v)
{
	size_t nl = strlen(n), vl = strlen(v);

	return nl > 0 && nl <= 64 && strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_") == nl &&
	    vl > 0 && vl <= 20 && strspn(v, "0123456789") == vl;
}

static int
stats(const struct subcmd *sc, const struct opts *o, char **av, int ac)
{
	struct ff_scclnt *c;
	struct ff_err e = { .status = FF_OK };
	struct ff_alist l;
	size_t dropped = 0, printed = 0;
	int r;

	if ((r = open_client(&c, o)) != EX_OK)
		return r;
	r = ff_scclnt_stats(c, &l, &e);
	ff_scclnt_close(c);
	if (r < 0)
		return fail(&e, EX_TEMPFAIL);
	if (r == FF_SCACHE_OK) {
		if (cli.json)
			putchar('{');
		for (size_t i = 2; i + 1 < l.n; i += 2) {
			if (!stats_counter_ok(l.v[i].p, l.v[i + 1].p))
				dropped++;
			else if (cli.json)
				printf("%s\"%s\":%s", printed++ ? "," : "", l.v[i].p, l.v[i + 1].p);
			else
				printf("%s=%s\n", l.v[i].p, l.v[i + 1].p);
		}
		if (cli.json)
			puts("}");
	}
	ff_alist_free(&l);
	if (dropped > 0) {
		fprintf(stderr, "scache-ctl: %s: %zu item%s of the server's reply not a "
		    "counter (a name of a-z, 0-9, _ and a decimal number); not shown\n", sc->name,
		    dropped, dropped == 1 ? "" : "s");
		return EX_PROTOCOL;
	}
	return server_status(r, sc);
}

static void
list_row(const struct ff_alist *l, size_t from, size_t to)
{
	const char *kind = NULL, *label = "", *prop = "", *endp = "", *ttl = "0", *peer = "";

	for (size_t i = from; i + 1 < to; i += 2) {
		const char *n = l->v[i].p, *v = l->v[i + 1].p;

		if (strcmp(n, FF_SC_A_KIND) == 0)
			kind = v;
		else if (strcmp(n, FF_SC_A_LABEL) == 0)
			label = v;
		else if (strcmp(n, FF_SC_A_PROPERTY) == 0)
			prop = v;
		else if (strcmp(n, FF_SC_A_ENDPOINT) == 0)
			endp = v;
		else if (strcmp(n, FF_SC_A_TTL) == 0)
			ttl = v;
		else if (strcmp(n, FF_SC_A_PEER) == 0)
			peer = v;
	}
	if (kind == NULL)
		return;
	if (cli.json) {
		printf("{\"kind\":\"%s\",", strcmp(kind, FF_SC_K_DEST) == 0 ? "dest" : "endp");
		ff_json_str(stdout, "label", label, strlen(label));
		putchar(',');
		ff_json_str(stdout, "props", prop, strlen(prop));
		putchar(',');
		if (strcmp(kind, FF_SC_K_DEST) == 0)
			ff_json_str(stdout, "endpoint", endp, strlen(endp));
		else
			ff_json_str(stdout, "peer", peer, strlen(peer));
		printf(",\"ttl_ms\":%ld}\n", atol(ttl));
		return;
	}
	printf("%s\t", kind);
	print_safe(label);
	putchar('\t');
	print_safe(prop);
	putchar('\t');
	print_safe(strcmp(kind, FF_SC_K_DEST) == 0 ? endp : peer);
	printf("\t%.3f\n", atol(ttl) / 1000.0);
}

static int
list(const struct subcmd *sc, const struct opts *o, char **av, int ac)
{
	struct ff_scclnt *c;
	struct ff_err e = { .status = FF_OK };
	struct ff_alist l;
	size_t row = 0;
	int r;

	if ((r = open_client(&c, o)) != EX_OK)
		return r;
	r = ff_scclnt_list(c, &l, &e);
	ff_scclnt_close(c);
	if (r < 0)
		return fail(&e, EX_TEMPFAIL);
	if (r == FF_SCACHE_OK) {
		if (!cli.json && !cli.quiet)
			printf("KIND\tLABEL\tPROPS\tENDPOINT-OR-PEER\tTTL\n");
		/* rows start at each "kind" */
		for (size_t i = 2; i + 1 < l.n; i += 2) {
			if (strcmp(l.v[i].p, FF_SC_A_KIND) != 0)
				continue;
			if (row)
				list_row(&l, row, i);
			row = i;
		}
		if (row)
			list_row(&l, row, l.n);
	}
	ff_alist_free(&l);
	return server_status(r, sc);
}

static int
delete(const struct subcmd *sc, const struct opts *o, char **av, int ac)
{
	struct ff_scclnt *c;
	struct ff_err e = { .status = FF_OK };
	unsigned long count;
	int r;

	if (!o->all && av[0][0] == 0)
		return usage_error("%s: empty LABEL (use --all)", sc->name);
	if ((r = open_client(&c, o)) != EX_OK)
		return r;
	r = ff_scclnt_delete(c, o->kind, o->all ? NULL : av[0], &count, &e);
	ff_scclnt_close(c);
	if (r < 0)
		return fail(&e, EX_TEMPFAIL);
	if (r == FF_SCACHE_OK && !cli.quiet)
		printf("deleted %lu\n", count);
	return server_status(r, sc);
}

/* ------------------------------------------------------------ serve */

/* serve_setup - the server's settings and configuration; -1 when done, else an exit code */
static int
serve_setup(const struct opts *o, struct ff_scached *sp, const char **service)
{
	struct ff_err e = { .status = FF_OK };
	long secs;

	ff_scached_set_trust_savers(sp, o->trust_savers);
	for (size_t i = 0; i < o->nallow; i++)
		if (ff_scached_allow(sp, o->allow[i], &e) < 0)
			return usage_error("%s", e.msg);
	if (o->max_sessions > 0)
		ff_scached_set_max_sessions(sp, (size_t)o->max_sessions);
	ff_scached_set_max_bindings(sp, 4 * ff_scached_max_sessions(sp));
	ff_scached_fit_nofile(sp);
	if (ff_cli_open(&cli, &e) < 0 || ff_scached_conf(sp, cli.conf, &e) < 0 ||
	    ff_conf_str(cli.conf, "connection_cache_service_name", service, &e) < 0 ||
	    ff_service_check("connection_cache_service_name", *service, &e) < 0) {
		ff_msg_error("%s", e.msg);
		return ff_status_exit(e.status);
	}
	if (o->timeout) {
		if (ff_parse_time(o->timeout, 's', &secs) < 0)
			return usage_error("bad time-out: %s", o->timeout);
		ff_scached_set_timeout(sp, ff_time_ms(secs));
	}
	ff_scached_set_owner(sp, ff_spool_owner(cli.sp, NULL));
	return -1;
}

/* reload - SIGHUP: main.cf again, for the server's settings (-t stays) */
static const char *fixed_timeout;

static int
reload(struct ff_scached *sp)
{
	struct ff_err e = { .status = FF_OK };
	long ipc = ff_scached_timeout(sp);

	ff_spool_close(cli.sp);
	cli.sp = NULL;
	if (ff_cli_reload(&cli, &e) < 0 || ff_scached_conf(sp, cli.conf, &e) < 0) {
		ff_msg_error("SIGHUP: %s; the old settings stay", e.msg);
		return -1;
	}
	if (fixed_timeout)
		ff_scached_set_timeout(sp, ipc);
	return 0;
}

static int
serve_with(const struct opts *o, struct ff_scached *sp)
{
	struct ff_err e = { .status = FF_OK };
	struct stat st;
	const char *service;
	int lfd, privfd, r;

	/* stderr is the log, unless it is a socket (a journal that syslog reaches too) */
	if (fstat(2, &st) == 0 && !S_ISSOCK(st.st_mode))
		ff_msg_stderr(FF_MSG_STDERR_ALL);
	else
		ff_msg_stderr(FF_MSG_STDERR_NONE);
	if ((r = serve_setup(o, sp, &service)) >= 0)
		return r;
	ff_scached_set_reload(sp, reload);
	fixed_timeout = o->timeout;
	if ((privfd = openat(ff_spool_fd(cli.sp), "private", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		ff_msg_error("%s/private: %s", ff_spool_path(cli.sp), strerror(errno));
		return EX_OSERR;
	}
	if (ff_scached_listen(privfd, service, sp, FF_SCACHED_INHERIT |
	    (o->replace ? FF_SCACHED_REPLACE : 0), &lfd, &e) < 0) {
		int busy = errno == EBUSY || errno == EADDRINUSE;

		ff_msg_error("%s/private/%s: %s", ff_spool_path(cli.sp), service, e.msg);
		close(privfd);
		return busy ? EX_TEMPFAIL : e.status == FF_CONFIG ? EX_CONFIG : EX_OSERR;
	}
	close(privfd);
	if (ff_verbose > 0)
		ff_msg_info("serving %s/private/%s", ff_spool_path(cli.sp), service);
	r = ff_scached_run(sp, lfd, &e);
	if (r < 0)
		ff_msg_error("%s", e.msg);
	close(lfd);
	return r < 0 ? EX_OSERR : EX_OK;
}

static int
serve(const struct subcmd *sc, const struct opts *o, char **av, int ac)
{
	struct ff_scached *s;
	int r;

	if ((s = ff_scached_new()) == NULL) {
		ff_msg_error("connection cache settings: %s", strerror(errno));
		return EX_OSERR;
	}
	r = serve_with(o, s);
	ff_scached_free(s);
	ff_cli_close(&cli);
	return r;
}

/*
 * master_serve - started by Postfix's master(8) from a master.cf line such
 * as "scache unix - - n - 1 scache-ctl": master's arguments, its listening
 * socket and status channel (see master.h). The command field may add
 * "serve" and serve's own options (-a OPS=WHO, -m N).
 */
static int
master_serve(int argc, char **argv)
{
	struct ff_master *m;
	struct ff_scached *s = NULL;
	struct ff_err e = { .status = FF_OK };
	struct opts o = { .fd = -1 };
	const char *service;
	const char *errstr = NULL;
	char **rest;
	unsigned flags;
	int r = EX_USAGE, i, nrest;

	ff_cli_init(&cli, argv);
	ff_msg_stderr(FF_MSG_STDERR_NONE);
	if ((m = ff_master_new()) == NULL || ff_master_args(m, argc, argv, &e) < 0)
		goto usage;
	ff_msg_postfix("postfix", ff_master_service(m));
	rest = ff_master_rest(m, &nrest);
	for (i = 0; i < nrest; i++) {
		const char *a = rest[i];

		if (i == 0 && strcmp(a, "serve") == 0)
			continue;
		if ((strcmp(a, "-a") == 0 || strcmp(a, "-m") == 0) && i + 1 < nrest) {
			const char **na;

			if (a[1] == 'm') {
				o.max_sessions = (long)strtonum(rest[++i], 1, 10000000, &errstr);
				if (errstr) {
					ff_err_set(&e, FF_USAGE, "bad -m: %.30s", rest[i]);
					goto usage;
				}
				continue;
			}
			if ((na = reallocarray(o.allow, o.nallow + 1, sizeof(*na))) == NULL)
				goto usage;
			o.allow = na;
			o.allow[o.nallow++] = rest[++i];
			continue;
		}
		ff_err_set(&e, FF_USAGE, "unexpected argument: %.100s (serve, -a OPS=WHO, -m N)", a);
		goto usage;
	}
	flags = ff_master_flags(m);
	if ((flags & FF_MASTER_F_ONESHOT) || !(flags & FF_MASTER_F_SOLITARY)) {
		/* one cache for all clients: master must run exactly one process */
		ff_err_set(&e, FF_USAGE, "service %s requires a process limit of 1%s",
		    ff_master_service(m), (flags & FF_MASTER_F_ONESHOT) ? " and no -S" : "");
		goto usage;
	}
	if (ff_cli_master(&cli, m) < 0)
		goto usage;
	if ((s = ff_scached_new()) == NULL)
		goto usage;
	if ((r = serve_setup(&o, s, &service)) >= 0)
		goto out;
	ff_scached_set_master(s, m);
	r = ff_scached_run(s, FF_MASTER_LISTEN_FD, &e) < 0 ? EX_OSERR : EX_OK;
	if (r != EX_OK)
		ff_msg_error("%s", e.msg);
	goto out;
usage:
	ff_msg_postfix("postfix", m && ff_master_service(m) ? ff_master_service(m) : "scache");
	ff_msg_error("%s", e.msg[0] ? e.msg : "out of memory");
out:
	ff_scached_free(s);
	ff_cli_close(&cli);
	ff_master_free(m);
	free(o.allow);
	return r;
}

/* ------------------------------------------------------------ main */

static int
parse_fd(const char *arg, int *fd)
{
	const char *errstr = NULL;

	*fd = (int)strtonum(arg, 0, 1000000, &errstr);
	return errstr ? -1 : 0;
}

static const struct subcmd *
lookup(const char *name)
{
	for (size_t i = 0; i < NSUBCMDS; i++)
		if (strcmp(subcmds[i].name, name) == 0)
			return &subcmds[i];
	return NULL;
}

/* dispatch - check sub's operands and options against its entry, and run it */
static int
dispatch(const char *sub, struct opts *o, char **av, int ac)
{
	const struct subcmd *sc = lookup(sub);
	int takes = sc ? sc->takes : 0, all = (takes & T_ALL) && o->all;
	int given = (o->fd >= 0 ? T_FD : 0) | (o->kind || o->all ? T_DELETE : 0) |
	    (o->replace || o->nallow || o->max_sessions || o->trust_savers ? T_SERVE : 0);

	if (o->cmd && (o->cmd[0] == NULL || !(takes & T_CMD)))
		return o->cmd[0] ? usage_error("%s: no command to run with it", sub) :
		    usage_error("-- needs a command after it");
	for (size_t g = 0; g < NGROUPS; g++)
		if ((given & optgroups[g].bit) && !(takes & optgroups[g].bit))
			return options_error(g, sub);
	if (sc == NULL)
		return usage_error("unknown command: %s", sub);
	if (all ? ac != 0 : ac < sc->min || ac > sc->max)
		return want_error(sc);
	if (o->kind == 0)
		o->kind = FF_SCACHE_ALL;
	return sc->fn(sc, o, av, ac);
}

/* no_command - none given: say which there are */
static int
no_command(void)
{
	const char *names[NSUBCMDS];
	char buf[256];

	for (size_t i = 0; i < NSUBCMDS; i++)
		names[i] = subcmds[i].name;
	join(buf, sizeof(buf), names, NSUBCMDS, ", ");
	return usage_error("which command? (%s)", buf);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		FF_CLI_LONG,
		{ "timeout", required_argument, NULL, 't' },
		{ "no-start", no_argument, NULL, 'n' },
		{ "fd", required_argument, NULL, OPT_FD },
		{ "endp", no_argument, NULL, OPT_ENDP },
		{ "dest", no_argument, NULL, OPT_DEST },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "replace", no_argument, NULL, OPT_REPLACE },
		{ "trust-savers", no_argument, NULL, OPT_TRUST },
		{ "max-sessions", required_argument, NULL, 'm' },
		{ "allow", required_argument, NULL, 'a' },
		{ "list-commands", no_argument, NULL, OPT_LIST },	/* not in usage: for tests */
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .fd = -1 };
	const char *errstr = NULL;
	int opt, end = argc, r;

	if (ff_master_started())
		return master_serve(argc, argv);
	ff_cli_init(&cli, argv);
	signal(SIGPIPE, SIG_IGN);
	/* "--" starts find's command: options are only looked for before it */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			end = i;
			o.cmd = argv + i + 1;
			break;
		}
	while ((opt = ff_cli_getopt(&cli, end, argv, "t:nm:a:", longopts, usage)) != -1) {
		switch (opt) {
		case FF_CLI_EXIT:
			free(o.allow);
			return cli.exit;
		case 't':
			o.timeout = optarg;
			break;
		case 'n':
			o.no_start = 1;
			break;
		case OPT_FD:
			if (parse_fd(optarg, &o.fd) < 0) {
				r = usage_error("bad --fd: %s", optarg);
				goto out;
			}
			break;
		case OPT_ENDP:
			o.kind |= FF_SCACHE_ENDP;
			break;
		case OPT_DEST:
			o.kind |= FF_SCACHE_DEST;
			break;
		case OPT_ALL:
			o.all = 1;
			break;
		case OPT_REPLACE:
			o.replace = 1;
			break;
		case OPT_TRUST:
			o.trust_savers = 1;
			break;
		case 'm':
			o.max_sessions = (long)strtonum(optarg, 1, 10000000, &errstr);
			if (errstr) {
				r = usage_error("bad --max-sessions: %s", optarg);
				goto out;
			}
			break;
		case 'a': {
			const char **na = reallocarray(o.allow, o.nallow + 1, sizeof(*na));

			if (na == NULL) {
				r = EX_OSERR;
				goto out;
			}
			o.allow = na;
			o.allow[o.nallow++] = optarg;
			break;
		}
		case OPT_LIST:
			list_commands();
			r = EX_OK;
			goto out;
		}
	}
	if (optind >= end)
		r = no_command();
	else
		r = dispatch(argv[optind], &o, argv + optind + 1, end - optind - 1);
out:
	free(o.allow);
	return ff_cli_finish_code(&cli, r);
}
