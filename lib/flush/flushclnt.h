/*
 * flushclnt.h - ask a fast flush server (Postfix's flush or fflushd)
 *
 * SYNOPSIS
 *	int ff_flush_call(int fd, const char *request, const char *site, const char *queue_id,
 *	    long timeout_ms, struct ff_err *e);
 *	int ff_flush_ask(const char *path, const char *request, const char *site,
 *	    const char *queue_id, long timeout_ms, struct ff_err *e);
 *
 * DESCRIPTION
 *	The client side of Postfix's flush protocol, lock-step as Postfix's
 *	own clients: read the greeting "protocol" = "queue_flush_protocol",
 *	send the request list in one write (request, then site and/or
 *	queue_id when not NULL), read "status".
 *
 *	ff_flush_call() runs one exchange on a connected descriptor (it
 *	does not close it; ff_unix_connect() in unixsock.h connects);
 *	ff_flush_ask() connects to the socket path (usually
 *	$queue_directory/public/flush) within timeout_ms, calls and closes.
 *
 * DIAGNOSTICS
 *	The server's status (FF_FLUSH_OK, _BAD, _DENY, _FAIL in
 *	flushproto.h; e says what it means), or -1 with
 *	the error set when the exchange broke (no server, wrong greeting,
 *	no reply: an unknown request gets none), which is also how
 *	Postfix's clients read a broken exchange.
 */
#ifndef FF_FLUSHCLNT_H
#define FF_FLUSHCLNT_H

#include "util/api.h"
#include "flush/flushproto.h"
#include "util/status.h"

FF_API int ff_flush_call(int, const char *, const char *, const char *, long, struct ff_err *);
FF_API int ff_flush_ask(const char *, const char *, const char *, const char *, long, struct ff_err *);

#endif
