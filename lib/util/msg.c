/*
 * msg.c - diagnostics to syslog and stderr (see msg.h)
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#define LIBBSD_OPENBSD_VIS 1
#include <vis.h>

#include "util/msg.h"

int ff_verbose;
const char *ff_progname = "fastflush";
static int stderr_mode = FF_MSG_STDERR_AUTO;
static int stderr_tty = -1;
static int syslog_open;
static int postfix_style;		/* info lines without "info: " */
static int postlog_fd = -1;		/* Postfix's postlog service, or -1 */
static char postlog_host[64];
static char tag[128];			/* syslog_name/service */

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
	openlog(tag[0] ? tag : ff_progname, LOG_PID | LOG_NDELAY, fac);
	syslog_open = 1;
	return known;
}

void
ff_msg_postfix(const char *syslog_name, const char *service)
{
	snprintf(tag, sizeof(tag), "%s/%s", syslog_name, service);
	postfix_style = 1;
	if (syslog_open) {
		closelog();
		syslog_open = 0;
	}
	openlog(tag, LOG_PID | LOG_NDELAY, LOG_MAIL);
	syslog_open = 1;
}

int
ff_msg_postlog(const char *path, const char *hostname)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (postlog_fd >= 0) {
		close(postlog_fd);
		postlog_fd = -1;
	}
	if (path == NULL)
		return 0;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	/* Postfix logs the host name up to its first dot */
	snprintf(postlog_host, sizeof(postlog_host), "%.*s", (int)strcspn(hostname, "."),
	    hostname);
	postlog_fd = fd;
	return 0;
}

/* postlog - one record as Postfix's programs send it to postlogd(8) */
static int
postlog(const char *level, const char *text)
{
	char line[2200];
	time_t now = time(NULL);
	struct tm tm;
	size_t n;
	int m;

	localtime_r(&now, &tm);
	n = strftime(line, sizeof(line), "%b %d %H:%M:%S ", &tm);
	m = snprintf(line + n, sizeof(line) - n, "%s %s[%ld]: %s%s%.2000s", postlog_host,
	    tag[0] ? tag : ff_progname, (long)getpid(), level ? level : "", level ? ": " : "",
	    text);
	if (m < 0)
		return -1;
	n += (size_t)m < sizeof(line) - n ? (size_t)m : sizeof(line) - n - 1;
	return send(postlog_fd, line, n, MSG_NOSIGNAL) < 0 ? -1 : 0;
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
	/* postlog when maillog_file is set; syslog when that fails */
	if (postlog_fd < 0 || postlog(postfix_style && prio == LOG_INFO ? NULL : level, buf) < 0) {
		if (syslog_open && postfix_style && prio == LOG_INFO)
			syslog(prio, "%s", buf);
		else if (syslog_open)
			syslog(prio, "%s: %s", level, buf);
	}
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
