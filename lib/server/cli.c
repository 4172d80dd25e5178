/*
 * cli.c - what every fastflush command shares (see cli.h)
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "postfix/policy.h"
#include "util/fmt.h"
#include "server/cli.h"
#include "util/msg.h"
#include "util/sfile.h"

void
ff_cli_init(struct ff_cli *cli, char **argv)
{
	int fd;

	/* a closed 0, 1 or 2 would make our first open take its place */
	while ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0 && fd <= 2)
		fcntl(fd, F_SETFD, 0);
	if (fd > 2)
		close(fd);
	umask(077);
	memset(cli, 0, sizeof(*cli));
	ff_msg_open(argv[0], NULL);
	argv[0] = (char *)(uintptr_t)ff_progname;	/* getopt's messages say "fflush-add: " */
}

static int
add_override(struct ff_cli *cli, const char *arg)
{
	const char **nv = reallocarray(cli->overrides, cli->noverrides + 1, sizeof(*nv));

	if (nv == NULL)
		return -1;
	cli->overrides = nv;
	cli->overrides[cli->noverrides++] = arg;
	return 0;
}

int
ff_cli_master(struct ff_cli *cli, const struct ff_master *m)
{
	size_t n;
	const char *const *overrides = ff_master_overrides(m, &n);

	ff_verbose += ff_master_verbose(m);
	cli->service = ff_master_service(m);
	ff_msg_postfix("postfix", cli->service);
	for (size_t i = 0; i < n; i++)
		if (add_override(cli, overrides[i]) < 0)
			return -1;
	return 0;
}

static int
common_option(struct ff_cli *cli, int opt, const char *arg)
{
	switch (opt) {
	case 'c':
		cli->config_dir = arg;
		return 1;
	case 'o':
		if (strchr(arg, '=') == NULL)
			return -1;
		return add_override(cli, arg) < 0 ? -1 : 1;
	case 'q':
		cli->quiet = 1;
		ff_msg_stderr(FF_MSG_STDERR_ERRORS);
		return 1;
	case 'v':
		ff_verbose++;
		if (!cli->quiet)
			ff_msg_stderr(FF_MSG_STDERR_ALL);
		return 1;
	case FF_OPT_JSON:
		cli->json = 1;
		return 1;
	}
	return 0;
}

int
ff_cli_getopt(struct ff_cli *cli, int argc, char **argv, const char *shortopts,
    const struct option *longopts, void (*usage)(FILE *))
{
	char all[64];
	int opt, r;

	snprintf(all, sizeof(all), "%shV%s", FF_CLI_SHORT, shortopts);
	while ((opt = getopt_long(argc, argv, all, longopts, NULL)) != -1) {
		if ((r = common_option(cli, opt, optarg)) == 1)
			continue;
		switch (opt) {
		case 'h':
			usage(stdout);
			cli->exit = EX_OK;
			return FF_CLI_EXIT;
		case 'V':
			ff_cli_version();
			cli->exit = EX_OK;
			return FF_CLI_EXIT;
		case '?':
		case ':':
			usage(stderr);
			cli->exit = EX_USAGE;
			return FF_CLI_EXIT;
		default:
			if (r < 0) {
				fprintf(stderr, "%s: -o needs name=value\n", ff_progname);
				usage(stderr);
				cli->exit = EX_USAGE;
				return FF_CLI_EXIT;
			}
			return opt;
		}
	}
	return -1;
}

int
ff_cli_finish(struct ff_cli *cli, enum ff_status st)
{
	return ff_cli_finish_code(cli, ff_status_exit(st));
}

int
ff_cli_finish_code(struct ff_cli *cli, int code)
{
	ff_cli_close(cli);
	if (fflush(stdout) != 0 && code == EX_OK) {
		ff_msg_error("write standard output: %s", strerror(errno));
		code = ff_status_exit(FF_SYSERR);
	}
	return code;
}

/*
 * log_to_postlog - with maillog_file set, Postfix's programs log through
 * its postlog service: so do we (syslog when postlog cannot be reached)
 */
static int
log_to_postlog(struct ff_conf *conf, struct ff_err *e)
{
	const char *file, *qdir, *service, *host;
	char path[PATH_MAX];

	if (ff_conf_str(conf, "maillog_file", &file, e) < 0)
		return -1;
	if (*file == 0) {
		ff_msg_postlog(NULL, NULL);
		return 0;
	}
	if (ff_conf_str(conf, "queue_directory", &qdir, e) < 0 ||
	    ff_conf_str(conf, "postlog_service_name", &service, e) < 0 ||
	    ff_conf_str(conf, "myhostname", &host, e) < 0)
		return -1;
	if (ff_service_check("postlog_service_name", service, e) < 0)
		return -1;
	if (ff_fmt(path, sizeof(path), "%s/public/%s", qdir, service) < 0 ||
	    ff_msg_postlog(path, host) < 0)
		ff_msg_warn("maillog_file is set but %.200s/public/%.100s cannot be reached (%s): "
		    "logging to syslog", qdir, service, strerror(errno));
	return 0;
}

int
ff_cli_open(struct ff_cli *cli, struct ff_err *e)
{
	const char *facility, *name;
	size_t len;

	if ((cli->conf = ff_conf_new()) == NULL)
		return ff_err_sys(e, ENOMEM, "configuration");
	if (ff_conf_load(cli->conf, cli->config_dir, e) < 0)
		return -1;
	for (size_t i = 0; i < cli->noverrides; i++)
		if (ff_conf_override(cli->conf, cli->overrides[i], e) < 0)
			return -1;
	/* every parameter we read expands, or we stop here: never a silent "" */
	if (ff_conf_check(cli->conf, e) < 0)
		return -1;
	for (size_t i = 0; i < cli->noverrides; i++)
		if (ff_conf_unused(cli->conf, cli->overrides[i], &name, &len))
			ff_msg_warn_user("-o %s: unused parameter (fastflush does not read"
			    " \"%.*s\")", cli->overrides[i], (int)len, name);
	if (ff_conf_str(cli->conf, "syslog_facility", &facility, e) < 0)
		return -1;
	if (cli->service != NULL) {
		/* a daemon under master logs as syslog_name/service */
		if (ff_conf_str(cli->conf, "syslog_name", &name, e) < 0)
			return -1;
		ff_msg_postfix(name, cli->service);
	}
	if (!ff_msg_open(NULL, facility))
		ff_msg_warn("unknown syslog_facility \"%.100s\"; using mail", facility);
	if (log_to_postlog(cli->conf, e) < 0)
		return -1;
	if ((cli->sp = ff_spool_open(cli->conf, e)) == NULL)
		return -1;
	/* a caller that could not become the spool owner gets no spool at all */
	if (ff_spool_drop_privileges(cli->sp, e) < 0) {
		ff_spool_close(cli->sp);
		cli->sp = NULL;
		return -1;
	}
	return 0;
}

int
ff_cli_reload(struct ff_cli *cli, struct ff_err *e)
{
	struct ff_cli fresh = *cli;
	int rc;

	if (cli->sp != NULL && !ff_conf_changed(cli->conf)) {
		if (ff_spool_policy_refresh(cli->sp))
			ff_msg_info("fast_flush_domains: a table or file changed; read again");
		return 0;
	}
	/* main.cf changed, or the last try failed: start again from it */
	fresh.conf = NULL;
	fresh.sp = NULL;
	rc = ff_cli_open(&fresh, e);
	ff_spool_close(cli->sp);
	ff_conf_free(cli->conf);
	cli->conf = fresh.conf;
	cli->sp = rc == 0 ? fresh.sp : NULL;
	if (rc < 0)
		ff_spool_close(fresh.sp);
	else
		ff_msg_info("%s/main.cf changed: configuration read again", ff_conf_dir(cli->conf));
	return rc;
}

void
ff_cli_close(struct ff_cli *cli)
{
	ff_spool_close(cli->sp);
	ff_conf_free(cli->conf);
	free(cli->overrides);
	cli->sp = NULL;
	cli->conf = NULL;
	cli->overrides = NULL;
}

int
ff_cli_fail(const struct ff_err *e)
{
	ff_msg_error("%s", e->msg[0] ? e->msg : ff_status_name(e->status));
	return ff_status_exit(e->status);
}

void
ff_cli_version(void)
{
	printf("%s (fastflush) %s\n", ff_progname, FF_VERSION);
}

const char *
ff_fmt_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t);
	return buf;
}
