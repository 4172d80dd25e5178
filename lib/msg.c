/*
 * msg.c - diagnostics to syslog and stderr (see msg.h)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>
#define LIBBSD_OPENBSD_VIS 1
#include <vis.h>

#include "msg.h"

int ff_verbose;
const char *ff_progname = "fastflush";
static int stderr_mode = FF_MSG_STDERR_AUTO;
static int stderr_tty = -1;
static int syslog_open;

static const struct {
	const char *name;
	int facility;
} facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

/* ff_msg_open - set the program name and open syslog; 0 if facility unknown */
int
ff_msg_open(const char *progname, const char *facility)
{
	int fac = LOG_MAIL, known = 0;
	const char *slash;

	if (progname != NULL) {
		slash = strrchr(progname, '/');
		ff_progname = slash ? slash + 1 : progname;
	}
	if (facility == NULL || *facility == 0)
		known = 1;
	else
		for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
			if (strcasecmp(facility, facilities[i].name) == 0) {
				fac = facilities[i].facility;
				known = 1;
			}
	if (syslog_open)
		closelog();
	openlog(ff_progname, LOG_PID | LOG_NDELAY, fac);
	syslog_open = 1;
	return known;
}

void
ff_msg_stderr(int mode)
{
	stderr_mode = mode;
}

/* want_stderr - user: a warning about the command line (ff_msg_warn_user) */
static int
want_stderr(int prio, int user)
{
	switch (stderr_mode) {
	case FF_MSG_STDERR_NONE:
		return 0;
	case FF_MSG_STDERR_ALL:
		return prio != LOG_DEBUG || ff_verbose > 1;
	case FF_MSG_STDERR_ERRORS:
		return prio == LOG_ERR;
	default:
		if (prio == LOG_ERR || user)
			return 1;
		if (prio == LOG_DEBUG)
			return ff_verbose > 1;
		if (stderr_tty < 0)
			stderr_tty = isatty(STDERR_FILENO);
		return stderr_tty || ff_verbose > 0;
	}
}

static void __attribute__((format(printf, 4, 0)))
vmsg(int prio, int user, const char *level, const char *fmt, va_list ap)
{
	int saved = errno;
	char buf[2048];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (syslog_open)
		syslog(prio, "%s: %s", level, buf);
	if (want_stderr(prio, user))
		fprintf(stderr, "%s: %s: %s\n", ff_progname, level, buf);
	errno = saved;
}

#define MSG_FN(fn, prio, user, level, cond)		\
	void fn(const char *fmt, ...)			\
	{						\
		va_list ap;				\
		if (!(cond))				\
			return;				\
		va_start(ap, fmt);			\
		vmsg(prio, user, level, fmt, ap);	\
		va_end(ap);				\
	}

MSG_FN(ff_msg_error, LOG_ERR, 0, "error", 1)
MSG_FN(ff_msg_warn, LOG_WARNING, 0, "warning", 1)
MSG_FN(ff_msg_warn_user, LOG_WARNING, 1, "warning", 1)
MSG_FN(ff_msg_info, LOG_INFO, 0, "info", 1)
MSG_FN(ff_msg_debug, LOG_DEBUG, 0, "debug", ff_verbose > 1)

/* ff_msg_safe - printable, bounded copy of untrusted text for a log line */
const char *
ff_msg_safe(const char *s, size_t len, char *buf, size_t bufsz)
{
	size_t max = (bufsz - 4) / 4;	/* strvisx may expand 4x */
	int cut = len > max;

	if (cut)
		len = max;
	strvisx(buf, s, len, VIS_CSTYLE | VIS_NL | VIS_TAB | VIS_OCTAL);
	if (cut)
		strlcat(buf, "...", bufsz);
	return buf;
}
