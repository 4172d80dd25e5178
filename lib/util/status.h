/*
 * status.h - one status vocabulary for the library, the wire and the commands
 *
 * SYNOPSIS
 *	#include "util/status.h"
 *
 *	int ff_err_set(struct ff_err *e, enum ff_status st, const char *fmt, ...);
 *	int ff_err_sys(struct ff_err *e, int errnum, const char *fmt, ...);
 *	void ff_err_clear(struct ff_err *e);
 *	enum ff_status ff_errno_status(int errnum);
 *	int ff_status_exit(enum ff_status st);
 *	const char *ff_status_name(enum ff_status st);
 *	enum ff_status ff_status_worse(enum ff_status a, enum ff_status b);
 *
 * DESCRIPTION
 *	Library calls report failure by filling a struct ff_err (status,
 *	errno, message) and returning -1; they never exit. ff_err_set()
 *	formats a message; ff_err_sys() also appends strerror(errnum) and
 *	classifies errnum: errors worth retrying (EIO, ENOSPC, EAGAIN,
 *	EINTR, ENOMEM, ...) become FF_TEMP, anything else FF_SYSERR.
 *
 *	ff_status_exit() maps a status to the sysexits(3) code every
 *	command uses (Postfix's flush status is flushproto.h's
 *	ff_flush_wire_status()); ff_status_name() to a stable word used
 *	in JSON and in the text protocol. ff_status_worse() picks the
 *	status that decides a command's exit when several items failed.
 */
#ifndef FF_STATUS_H
#define FF_STATUS_H

#include "util/api.h"

#include <stdarg.h>

enum ff_status {
	FF_OK = 0,
	FF_NOTHING,	/* nothing waiting: no logfile, or nothing to move */
	FF_USAGE,	/* bad command-line usage */
	FF_BAD,		/* bad queue ID, log name or request */
	FF_BADSITE,	/* site has no valid ASCII form (Postfix says DENY) */
	FF_DENY,	/* site not in fast_flush_domains */
	FF_FAIL,	/* fast_flush_domains lookup failed */
	FF_CONFIG,	/* configuration error */
	FF_TEMP,	/* temporary: lock time-out, I/O error, no space */
	FF_SYSERR,	/* other system error: permission, unsafe file */
	FF_SOFTWARE,	/* internal error */
};

struct ff_err {
	enum ff_status status;
	int errnum;
	char msg[768];
};

#define FF_PRINTF(f, a) __attribute__((format(printf, f, a)))

FF_API int ff_err_set(struct ff_err *, enum ff_status, const char *, ...) FF_PRINTF(3, 4);
FF_API int ff_err_sys(struct ff_err *, int, const char *, ...) FF_PRINTF(3, 4);
FF_API void ff_err_clear(struct ff_err *);
FF_API enum ff_status ff_errno_status(int);
FF_API int ff_status_exit(enum ff_status);
FF_API const char *ff_status_name(enum ff_status);
FF_API enum ff_status ff_status_worse(enum ff_status, enum ff_status);

/* Exit status for "nothing waiting" (ETRN's 251 case). */
#define FF_EXIT_NOTHING 1

#endif
