/*
 * unixsock.h - connect to a UNIX-domain stream socket, with a time limit
 *
 * SYNOPSIS
 *	#include "util/unixsock.h"
 *
 *	int ff_unix_connect(const char *path, long timeout_ms, struct ff_err *e);
 *
 * DESCRIPTION
 *	ff_unix_connect() connects to the stream socket path (a Postfix
 *	service such as public/flush or private/proxymap) within timeout_ms
 *	(< 0: no limit) and returns a non-blocking, close-on-exec
 *	descriptor, or -1 with e set: FF_CONFIG for a path too long for a
 *	socket address, FF_TEMP when nothing answers in time or at all.
 */
#ifndef FF_UNIXSOCK_H
#define FF_UNIXSOCK_H

#include "util/api.h"
#include "util/status.h"

FF_API int ff_unix_connect(const char *, long, struct ff_err *);

#endif
