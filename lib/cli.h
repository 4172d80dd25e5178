/*
 * cli.h - what every fastflush command shares
 *
 * SYNOPSIS
 *	void ff_cli_init(struct ff_cli *cli, char **argv);
 *	int ff_cli_option(struct ff_cli *cli, int opt, const char *arg);
 *	int ff_cli_open(struct ff_cli *cli, struct ff_err *e);
 *	void ff_cli_close(struct ff_cli *cli);
 *	int ff_cli_fail(const struct ff_err *e);
 *	void ff_json_str(FILE *fp, const char *key, const char *s, size_t len);
 *	const char *ff_fmt_time(time_t t, char *buf, size_t size);
 *
 * DESCRIPTION
 *	ff_cli_init() does start-up hygiene (descriptors 0-2 open, umask
 *	077), opens syslog under the command's name, shortens argv[0] to
 *	that name (for getopt's messages) and sets defaults.
 *	ff_cli_option() handles the options every command takes (-c, -o,
 *	-v, -q, --json; FF_CLI_SHORT and FF_CLI_LONG list them) and returns
 *	1 when it consumed opt, -1 for a bad -o.
 *
 *	ff_cli_open() reads the configuration (-c, $MAIL_CONFIG,
 *	/etc/postfix; then -o), reopens syslog with syslog_facility, opens
 *	the spool and, when run as root, switches to the spool owner
 *	before anything is created or changed.
 *
 *	ff_cli_fail() reports an error and returns its exit status.
 *	ff_json_str() writes "key":"escaped string" (key NULL: just the
 *	string). ff_fmt_time() formats local time as YYYY-MM-DD HH:MM:SS.
 */
#ifndef FF_CLI_H
#define FF_CLI_H

#include <stdio.h>
#include <time.h>

#include "conf.h"
#include "spool.h"
#include "status.h"

#define FF_OPT_JSON	0x100
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
	struct ff_conf *conf;
	struct ff_spool *sp;
};

void ff_cli_init(struct ff_cli *, char **);
int ff_cli_option(struct ff_cli *, int, const char *);
int ff_cli_open(struct ff_cli *, struct ff_err *);
void ff_cli_close(struct ff_cli *);
int ff_cli_fail(const struct ff_err *);
void ff_cli_version(void);
void ff_json_str(FILE *, const char *, const char *, size_t);
const char *ff_fmt_time(time_t, char *, size_t);

#endif
