/*
 * msg.h - diagnostics to syslog and stderr
 *
 * SYNOPSIS
 *	int ff_msg_open(const char *progname, const char *facility);
 *	void ff_msg_stderr(int mode);
 *	void ff_msg_postfix(const char *syslog_name, const char *service);
 *	int ff_msg_postlog(const char *path, const char *hostname);
 *	extern int ff_verbose;
 *	extern const char *ff_progname;
 *	void ff_msg_error(const char *fmt, ...);
 *	void ff_msg_warn(const char *fmt, ...);
 *	void ff_msg_warn_user(const char *fmt, ...);
 *	void ff_msg_info(const char *fmt, ...);
 *	void ff_msg_debug(const char *fmt, ...);
 *	const char *ff_msg_safe(const char *s, size_t len, char *buf, size_t bufsz);
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
 *
 *	ff_msg_postfix() makes the log look like a Postfix daemon's: the
 *	tag is syslog_name/service ("postfix/flush") and info lines carry
 *	no "info:" (the daemons under master(8) use it).
 *
 *	ff_msg_postlog() sends every message to Postfix's postlog service
 *	instead of syslog, as Postfix's programs do when maillog_file is
 *	set: path is $queue_directory/public/$postlog_service_name, a
 *	datagram socket; each message is one datagram "Mmm dd hh:mm:ss
 *	HOST TAG[PID]: [level: ]text" (HOST: hostname up to its first dot;
 *	text cut at 2000 bytes), which postlogd(8) writes to maillog_file.
 *	A message that cannot be sent goes to syslog. path NULL: back to
 *	syslog. Returns -1 (errno) when the socket cannot be connected.
 */
#ifndef FF_MSG_H
#define FF_MSG_H

#include <stddef.h>

#include "util/api.h"
#include "util/status.h"

enum {
	FF_MSG_STDERR_AUTO,
	FF_MSG_STDERR_ALL,
	FF_MSG_STDERR_ERRORS,
	FF_MSG_STDERR_NONE,
};

FF_API extern int ff_verbose;
FF_API extern const char *ff_progname;

FF_API int ff_msg_open(const char *progname, const char *facility);
FF_API void ff_msg_stderr(int mode);
FF_API void ff_msg_postfix(const char *, const char *);
FF_API int ff_msg_postlog(const char *, const char *);
FF_API void ff_msg_error(const char *, ...) FF_PRINTF(1, 2);
FF_API void ff_msg_warn(const char *, ...) FF_PRINTF(1, 2);
FF_API void ff_msg_warn_user(const char *, ...) FF_PRINTF(1, 2);
FF_API void ff_msg_info(const char *, ...) FF_PRINTF(1, 2);
FF_API void ff_msg_debug(const char *, ...) FF_PRINTF(1, 2);
FF_API const char *ff_msg_safe(const char *s, size_t len, char *buf, size_t bufsz);

#endif
