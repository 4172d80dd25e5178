/*
 * flushd.h - serve one fast flush request: Postfix's protocol or the text one
 *
 * SYNOPSIS
 *	void ff_flushd_defaults(struct ff_flushd *d);
 *	int ff_flushd_serve(struct ff_flushd *d, struct ff_spool *sp, int in, int out);
 *	unsigned ff_flushd_request_bit(const char *name);
 *
 * DESCRIPTION
 *	ff_flushd_serve() reads one request from in and answers on out,
 *	as Postfix 3.7's flush(8) does in its one-shot mode, byte for byte:
 *
 *	. the greeting "protocol" = "queue_flush_protocol" first;
 *	. when the first input to arrive is at most 2 bytes, the request
 *	  is one string ended by NUL or end of input (the master's "W");
 *	  otherwise an attribute list starting with "request";
 *	. add (site, queue_id), send_site (site), send_file (queue_id),
 *	  rfrsh and W (refresh), purge: the attributes are read strictly
 *	  (wanted ones first, in order; the scan stops at anything else),
 *	  the reply is "status" = 0, 3 (bad), 4 (denied) or 4294967295
 *	  (failed), and rfrsh, W and purge answer before the work;
 *	. an unreadable request gets status 3; an unknown one (send,
 *	  refresh, ...) gets no reply at all.
 *
 *	Where Postfix 3.7.11 is wrong the library is right (fastflush(7)).
 *	A spool error Postfix would die of (an unwritable logfile) is
 *	answered with status 4294967295 instead of a dropped connection.
 *
 *	A request whose first line has no NUL and starts with a text
 *	command (add SITE ID, send SITE, send-file ID, refresh, purge,
 *	help; any case) is the text protocol: one line in, one line out,
 *	"CODE WORD [key=value...]" where CODE is the exit status the
 *	matching command would have (0 ok, 1 nothing waiting, 64 usage,
 *	65 bad, 77 denied, 75 temporary, 71 system error, 78 config)
 *	and WORD its name. Text refresh and purge answer after the work,
 *	with counts.
 *
 *	On a UNIX-domain socket the greeting goes out at once, because
 *	Postfix's clients wait for it (unless a text line is already
 *	there); elsewhere (TCP, pipe, file) the first bytes decide, and
 *	text clients never see it. d->mode FF_FLUSHD_POSTFIX always greets
 *	and has no text protocol; FF_FLUSHD_TEXT has only the text one.
 *
 *	Limits: d->timeout_ms for the whole request (ipc_timeout),
 *	d->first_ms (when > 0 and shorter) for its first byte,
 *	(d->domain: the connection's socket family when the caller knows
 *	it, e.g. AF_UNIX; 0 to ask the socket),
 *	d->max_string for any name or value, d->max_request for all of it.
 *	Anything over a limit, or cut short, is answered as bad (3) and
 *	changes nothing. Requests missing from d->allow (bits from
 *	ff_flushd_request_bit(): "add", "send" (send_site), "send-file",
 *	"refresh" (rfrsh and W), "purge") are denied (4).
 *
 *	With sp NULL (the spool could not be opened; d->out.err says why)
 *	every known request is answered as failed. A long-lived server sets
 *	d->prepare instead: it is called once, after the greeting that goes
 *	out at once (if any) and before the request is read, and returns
 *	the spool, so that a configuration check overlaps the client's
 *	turn.
 *
 *	After the call d->proto, d->request, d->st (the outcome), d->wire
 *	(the status sent, or FF_FLUSHD_NOREPLY) and d->out (the logfile,
 *	counts and error; flushsvc.h) describe what happened, for the
 *	caller's log line. The work itself is ff_flush_request()'s; the
 *	text protocol's lines are parsed and written by flushtext.h.
 *	Returns 0, or -1 when the reply could not be written (d->out.err).
 */
#ifndef FF_FLUSHD_H
#define FF_FLUSHD_H

#include <stddef.h>

#include "util/api.h"
#include "flush/flushproto.h"
#include "flush/flushsvc.h"
#include "postfix/qid.h"
#include "postfix/spool.h"
#include "util/status.h"

enum { FF_FLUSHD_AUTO, FF_FLUSHD_POSTFIX, FF_FLUSHD_TEXT };
enum { FF_PROTO_NONE, FF_PROTO_POSTFIX, FF_PROTO_TEXT };

#define FF_FLUSHD_NOREPLY	0x7fffffff
#define FF_FLUSHD_MAX_STRING	(64 * 1024)
#define FF_FLUSHD_MAX_REQUEST	(256 * 1024)

struct ff_flushd {
	/* settings */
	int mode;
	long timeout_ms;
	long first_ms;		/* for the first byte; 0: timeout_ms */
	int domain;		/* the connection's socket family; 0: ask */
	/* called once, after an immediate greeting, before the request is
	   read: returns the spool to use (NULL: failed, d->out.err says why) */
	struct ff_spool *(*prepare)(void *, struct ff_flushd *);
	void *prepare_ctx;
	size_t max_string, max_request;
	unsigned allow;
	/* outcome */
	int proto;
	char request[32];		/* printable */
	char site[256];			/* printable, shortened */
	char queue_id[FF_QID_MAX + 1];
	enum ff_status st;
	int wire;
	struct ff_flush_outcome out;	/* the logfile, counts, totals, error */
};

FF_API void ff_flushd_defaults(struct ff_flushd *);
FF_API int ff_flushd_serve(struct ff_flushd *, struct ff_spool *, int, int);
FF_API unsigned ff_flushd_request_bit(const char *);

#endif
