/*
 * msg.h - diagnostics to syslog and stderr
 *
 * SYNOPSIS
 *	void ff_msg_open(const char *progname, const char *facility);
 *	void ff_msg_stderr(int mode);
 *	extern int ff_verbose;
 *	void ff_msg_error(const char *fmt, ...);
 *	void ff_msg_warn(const char *fmt, ...);
 *	void ff_msg_warn_user(const char *fmt, ...);
 *	void ff_msg_info(const char *fmt, ...);
 *	void ff_msg_debug(const char *fmt, ...);
 *
 * DESCRIPTION
 *	Every message goes to syslog (facility from syslog_facility,
 *	default mail; ident = program name) and, depending on the stderr
 *	mode, to standard error as "prog: level: text".
 *
 *	FF_MSG_STDERR_AUTO (default): errors always; warnings and info
 *	when stderr is a terminal or ff_verbose > 0. FF_MSG_STDERR_ALL:
 *	everything. FF_MSG_STDERR_ERRORS: errors only (-q).
 *	FF_MSG_STDERR_NONE: nothing (a server whose stderr is its socket).
 *	ff_msg_warn_user() is a warning about the command line itself
 *	(an -o that nothing reads): like an error, it reaches stderr in
 *	FF_MSG_STDERR_AUTO mode whether or not that is a terminal.
 *	ff_msg_debug() logs only when ff_verbose > 1. Messages never
 *	change errno. Untrusted text is passed through ff_msg_safe() first.
 */
#ifndef FF_MSG_H
#define FF_MSG_H

#include <stddef.h>

#include "status.h"

enum {
	FF_MSG_STDERR_AUTO,
	FF_MSG_STDERR_ALL,
	FF_MSG_STDERR_ERRORS,
	FF_MSG_STDERR_NONE,
};

extern int ff_verbose;
extern const char *ff_progname;

int ff_msg_open(const char *progname, const char *facility);
void ff_msg_stderr(int mode);
void ff_msg_error(const char *, ...) FF_PRINTF(1, 2);
void ff_msg_warn(const char *, ...) FF_PRINTF(1, 2);
void ff_msg_warn_user(const char *, ...) FF_PRINTF(1, 2);
void ff_msg_info(const char *, ...) FF_PRINTF(1, 2);
void ff_msg_debug(const char *, ...) FF_PRINTF(1, 2);
const char *ff_msg_safe(const char *s, size_t len, char *buf, size_t bufsz);

#endif
