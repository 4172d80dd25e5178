/*
 * cli.h - what every fastflush command shares
 *
 * SYNOPSIS
 *	void ff_cli_init(struct ff_cli *cli, char **argv);
 *	int ff_cli_getopt(struct ff_cli *cli, int argc, char **argv, const char *shortopts,
 *	    const struct option *longopts, void (*usage)(FILE *));
 *	int ff_cli_finish(struct ff_cli *cli, enum ff_status st);
 *	int ff_cli_finish_code(struct ff_cli *cli, int code);
 *	int ff_cli_master(struct ff_cli *cli, const struct ff_master *m);
 *	int ff_cli_open(struct ff_cli *cli, struct ff_err *e);
 *	int ff_cli_reload(struct ff_cli *cli, struct ff_err *e);
 *	void ff_cli_close(struct ff_cli *cli);
 *	int ff_cli_fail(const struct ff_err *e);
 *	void ff_cli_version(void);
 *	const char *ff_fmt_time(time_t t, char *buf, size_t size);
 *
 * DESCRIPTION
 *	ff_cli_init() does start-up hygiene (descriptors 0-2 open, umask
 *	077), opens syslog under the command's name, shortens argv[0] to
 *	that name (for getopt's messages) and sets defaults.
 *	ff_cli_getopt() is getopt_long() that handles what every command
 *	takes itself (-c, -o, -v, -q, --json, -h, -V; longopts must start
 *	with FF_CLI_LONG): it returns the next command-specific option, -1
 *	at the end, or FF_CLI_EXIT when the command must exit now with
 *	cli->exit (after --help, --version or a usage error, which prints
 *	usage to stderr).
 *
 *	ff_cli_finish() closes everything, checks that standard output was
 *	written and returns the exit status for st. ff_cli_finish_code() is
 *	the same for a command that works with exit codes rather than
 *	statuses (scache-ctl: 69, 76, 126, 127 have no status): code, or
 *	EX_OSERR when code is EX_OK and standard output could not be written.
 *
 *	ff_cli_open() reads the configuration (-c, $MAIL_CONFIG,
 *	/etc/postfix; then -o) and checks it (ff_conf_check(): a -c or
 *	MAIL_CONFIG directory without main.cf, or a parameter whose $name
 *	expansion fails, is FF_CONFIG), warns about each -o whose name
 *	nothing reads (ff_conf_unused(); on stderr unless -q), reopens
 *	syslog with syslog_facility, opens the spool and, when run as
 *	root, switches to the spool owner before anything is created or
 *	changed.
 *
 *	ff_cli_master() is for a daemon started by Postfix's master:
 *	master's -o, -i, -m become overrides, -v verbosity, and the log tag
 *	is syslog_name/service (ff_cli_open() reads syslog_name). -1 when
 *	memory runs out.
 *
 *	ff_cli_reload() is for long-lived servers, before each request:
 *	when main.cf changed (or the last open failed) it opens the
 *	configuration and the spool again as ff_cli_open() does (cli->sp
 *	is NULL and -1 is returned when that fails: requests must then
 *	fail, never be served with the old configuration); otherwise it
 *	drops fast_flush_domains if one of its tables or files changed,
 *	so that the next decision reads them again.
 *
 *	ff_cli_fail() reports an error and returns its exit status.
 *	ff_fmt_time() formats local time as YYYY-MM-DD HH:MM:SS.
 */
#ifndef FF_CLI_H
#define FF_CLI_H

#include <stdio.h>
#include <time.h>

#include "util/api.h"
#include "postfix/conf.h"
#include "postfix/master.h"
#include "postfix/spool.h"
#include "util/json.h"
#include "util/status.h"

#include <getopt.h>

#define FF_OPT_JSON	0x100
#define FF_CLI_EXIT	0x7ffe
#define FF_CLI_SHORT	"c:o:qv"
#define FF_CLI_LONG						\
	{ "config", required_argument, NULL, 'c' },		\
	{ "quiet", no_argument, NULL, 'q' },			\
	{ "verbose", no_argument, NULL, 'v' },			\
	{ "json", no_argument, NULL, FF_OPT_JSON },		\
	{ "help", no_argument, NULL, 'h' },			\
	{ "version", no_argument, NULL, 'V' }

struct ff_cli {
	const char *config_dir;
	const char **overrides;
	size_t noverrides;
	int quiet, json;
	int exit;		/* with FF_CLI_EXIT */
	struct ff_conf *conf;
	struct ff_spool *sp;
	const char *service;	/* under master: the log tag's service name */
};

FF_API void ff_cli_init(struct ff_cli *, char **);
FF_API int ff_cli_getopt(struct ff_cli *, int, char **, const char *, const struct option *,
    void (*)(FILE *));
FF_API int ff_cli_finish(struct ff_cli *, enum ff_status);
FF_API int ff_cli_finish_code(struct ff_cli *, int);
FF_API int ff_cli_master(struct ff_cli *, const struct ff_master *);
FF_API int ff_cli_open(struct ff_cli *, struct ff_err *);
FF_API int ff_cli_reload(struct ff_cli *, struct ff_err *);
FF_API void ff_cli_close(struct ff_cli *);
FF_API int ff_cli_fail(const struct ff_err *);
FF_API void ff_cli_version(void);
FF_API const char *ff_fmt_time(time_t, char *, size_t);

#endif
