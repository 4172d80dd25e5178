/*
 * status.c - error values and the status tables (see status.h)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "util/status.h"

static const struct {
	const char *name;
	int exit;
	int rank;	/* higher wins in ff_status_worse() */
} status_tab[] = {
	[FF_OK] = { "ok", EX_OK, 0 },
	[FF_NOTHING] = { "nothing", FF_EXIT_NOTHING, 1 },
	[FF_USAGE] = { "usage", EX_USAGE, 9 },
	[FF_BAD] = { "bad", EX_DATAERR, 3 },
	[FF_BADSITE] = { "bad", EX_DATAERR, 3 },
	[FF_DENY] = { "denied", EX_NOPERM, 2 },
	[FF_FAIL] = { "failed", EX_CONFIG, 5 },
	[FF_CONFIG] = { "config", EX_CONFIG, 5 },
	[FF_TEMP] = { "tempfail", EX_TEMPFAIL, 6 },
	[FF_SYSERR] = { "error", EX_OSERR, 7 },
	[FF_SOFTWARE] = { "software", EX_SOFTWARE, 8 },
};

static int
valid(enum ff_status st)
{
	return (unsigned)st < sizeof(status_tab) / sizeof(status_tab[0]);
}

/* ff_err_vset - format a message into an error value */
static void __attribute__((format(printf, 4, 0)))
ff_err_vset(struct ff_err *e, enum ff_status st, int errnum, const char *fmt, va_list ap)
{
	if (e == NULL)
		return;
	e->status = st;
	e->errnum = errnum;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

/* ff_err_set - fail with a status and a message */
int
ff_err_set(struct ff_err *e, enum ff_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ff_err_vset(e, st, 0, fmt, ap);
	va_end(ap);
	return -1;
}

/* ff_errno_status - temporary or not: what a retry could fix */
enum ff_status
ff_errno_status(int errnum)
{
	switch (errnum) {
	case EIO:
	case ENOSPC:
	case EDQUOT:
	case EAGAIN:
	case EINTR:
	case ENOMEM:
	case ENFILE:
	case EMFILE:
	case ETIMEDOUT:
	case EBUSY:
	case ESTALE:
		return FF_TEMP;
	default:
		return FF_SYSERR;
	}
}

/* ff_err_sys - fail with a system error; the message gets ": strerror" */
int
ff_err_sys(struct ff_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	ff_err_vset(e, ff_errno_status(errnum), errnum, fmt, ap);
	va_end(ap);
	if (e != NULL) {
		len = strlen(e->msg);
		snprintf(e->msg + len, sizeof(e->msg) - len, ": %s", strerror(errnum));
	}
	errno = errnum;
	return -1;
}

void
ff_err_clear(struct ff_err *e)
{
	e->status = FF_OK;
	e->errnum = 0;
	e->msg[0] = 0;
}

int
ff_status_exit(enum ff_status st)
{
	return valid(st) ? status_tab[st].exit : EX_SOFTWARE;
}

const char *
ff_status_name(enum ff_status st)
{
	return valid(st) ? status_tab[st].name : "software";
}

/* ff_status_worse - the status that should decide the exit code */
enum ff_status
ff_status_worse(enum ff_status a, enum ff_status b)
{
	int ra = valid(a) ? status_tab[a].rank : 99;
	int rb = valid(b) ? status_tab[b].rank : 99;

	return rb > ra ? b : a;
}
