/*
 * flushd.h - serve one fast flush request: Postfix's protocol or the text one
 *
 * SYNOPSIS
 *	struct ff_flushd *ff_flushd_new(void);
 *	void ff_flushd_copy(struct ff_flushd *dst, const struct ff_flushd *src);
 *	void ff_flushd_free(struct ff_flushd *d);
 *
 *	void ff_flushd_set_mode(struct ff_flushd *d, int mode);
 *	void ff_flushd_set_allow(struct ff_flushd *d, unsigned allow);
 *	void ff_flushd_set_timeout(struct ff_flushd *d, long ms);
 *	void ff_flushd_set_first_timeout(struct ff_flushd *d, long ms);
 *	void ff_flushd_set_domain(struct ff_flushd *d, int domain);
 *	void ff_flushd_set_limits(struct ff_flushd *d, size_t max_string, size_t max_request);
 *	void ff_flushd_set_prepare(struct ff_flushd *d, ff_flushd_prepare_cb *fn, void *ctx);
 *	void ff_flushd_set_error(struct ff_flushd *d, const struct ff_err *e);
 *
 *	int ff_flushd_serve(struct ff_flushd *d, struct ff_spool *sp, int in, int out);
 *	unsigned ff_flushd_request_bit(const char *name);
 *
 *	int ff_flushd_proto(const struct ff_flushd *d);
 *	const char *ff_flushd_request(const struct ff_flushd *d);
 *	const char *ff_flushd_site(const struct ff_flushd *d);
 *	const char *ff_flushd_queue_id(const struct ff_flushd *d);
 *	enum ff_status ff_flushd_status(const struct ff_flushd *d);
 *	int ff_flushd_wire(const struct ff_flushd *d);
 *	const struct ff_flush_outcome *ff_flushd_outcome(const struct ff_flushd *d);
 *
 * DESCRIPTION
 *	A struct ff_flushd holds a server's settings and the outcome of
 *	the last request it served; its fields are private (flushd_int.h).
 *	ff_flushd_new() returns one with the defaults (mode FF_FLUSHD_AUTO,
 *	an hour's time-out, FF_FLUSHD_MAX_STRING and FF_FLUSHD_MAX_REQUEST,
 *	every request allowed, no prepare call), or NULL when out of memory;
 *	ff_flushd_free() frees it (NULL: nothing). ff_flushd_copy() makes
 *	dst what src is, settings and outcome, e.g. to serve each connection
 *	of a long-lived server from the same start (nothing is shared).
 *
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
 *	text clients never see it. ff_flushd_set_mode() FF_FLUSHD_POSTFIX
 *	always greets and has no text protocol; FF_FLUSHD_TEXT has only
 *	the text one.
 *
 *	Limits: ff_flushd_set_timeout() for the whole request (ipc_timeout;
 *	ms < 0: none), ff_flushd_set_first_timeout() (when > 0 and shorter)
 *	for its first byte, (ff_flushd_set_domain(): the connection's
 *	socket family when the caller knows it, e.g. AF_UNIX; 0 to ask the
 *	socket), ff_flushd_set_limits(): max_string for any name or value,
 *	max_request for all of it. Anything over a limit, or cut short, is
 *	answered as bad (3) and changes nothing. Requests missing from
 *	ff_flushd_set_allow()'s bits (from ff_flushd_request_bit(): "add",
 *	"send" (send_site), "send-file", "refresh" (rfrsh and W), "purge")
 *	are denied (4).
 *
 *	With sp NULL (the spool could not be opened; the error given to
 *	ff_flushd_set_error() says why) every known request is answered as
 *	failed. A long-lived server sets a prepare call instead
 *	(ff_flushd_set_prepare()): fn(ctx, d) is called once, after the
 *	greeting that goes out at once (if any) and before the request is
 *	read, and returns the spool (NULL: failed, with
 *	ff_flushd_set_error() called), so that a configuration check
 *	overlaps the client's turn. A time-out it sets applies to the
 *	request about to be read.
 *
 *	After the call ff_flushd_proto() (FF_PROTO_*), ff_flushd_request(),
 *	ff_flushd_site() and ff_flushd_queue_id() (printable, "" when none),
 *	ff_flushd_status() (the outcome), ff_flushd_wire() (the status sent,
 *	or FF_FLUSHD_NOREPLY) and ff_flushd_outcome() (the logfile, counts
 *	and error; flushsvc.h) describe what happened, for the caller's log
 *	line. They are not cleared between requests: serve each from a
 *	fresh or copied handle. The work itself is ff_flush_request()'s; the
 *	text protocol's lines are parsed and written by flushtext.h.
 *	Returns 0, or -1 when the reply could not be written (the outcome's
 *	error says why).
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

struct ff_flushd;
typedef struct ff_spool *ff_flushd_prepare_cb(void *, struct ff_flushd *);

FF_API struct ff_flushd *ff_flushd_new(void);
FF_API void ff_flushd_copy(struct ff_flushd *, const struct ff_flushd *);
FF_API void ff_flushd_free(struct ff_flushd *);
FF_API void ff_flushd_set_mode(struct ff_flushd *, int);
FF_API void ff_flushd_set_allow(struct ff_flushd *, unsigned);
FF_API void ff_flushd_set_timeout(struct ff_flushd *, long);
FF_API void ff_flushd_set_first_timeout(struct ff_flushd *, long);
FF_API void ff_flushd_set_domain(struct ff_flushd *, int);
FF_API void ff_flushd_set_limits(struct ff_flushd *, size_t, size_t);
FF_API void ff_flushd_set_prepare(struct ff_flushd *, ff_flushd_prepare_cb *, void *);
FF_API void ff_flushd_set_error(struct ff_flushd *, const struct ff_err *);
FF_API int ff_flushd_serve(struct ff_flushd *, struct ff_spool *, int, int);
FF_API unsigned ff_flushd_request_bit(const char *);
FF_API int ff_flushd_proto(const struct ff_flushd *);
FF_API const char *ff_flushd_request(const struct ff_flushd *);
FF_API const char *ff_flushd_site(const struct ff_flushd *);
FF_API const char *ff_flushd_queue_id(const struct ff_flushd *);
FF_API enum ff_status ff_flushd_status(const struct ff_flushd *);
FF_API int ff_flushd_wire(const struct ff_flushd *);
FF_API const struct ff_flush_outcome *ff_flushd_outcome(const struct ff_flushd *);

#endif
