/*
 * flushproto.h - the fast flush protocols: request kinds, Postfix's wire
 * names and status codes (server, client and commands share them)
 *
 * SYNOPSIS
 *	#include "flush/flushproto.h"
 *
 *	unsigned ff_flush_wire_request(const char *name, size_t len);
 *	int ff_flush_wire_status(enum ff_status st, unsigned long failed);
 *	enum ff_status ff_flush_status_of(int wire);
 *
 * DESCRIPTION
 *	A request is one of the FF_REQ_* kinds whichever protocol carried it.
 *	Postfix's flush protocol (flush(8), POSTFIX-FACTS 2) is an attribute
 *	list: the server greets with FF_FLUSH_A_PROTOCOL = FF_FLUSH_PROTOCOL,
 *	the client sends FF_FLUSH_A_REQUEST and the request's FF_FLUSH_A_SITE
 *	and/or FF_FLUSH_A_QUEUE_ID, the server answers FF_FLUSH_A_STATUS with
 *	one of the FF_FLUSH_OK ... FF_FLUSH_FAIL codes.
 *
 *	ff_flush_wire_request() is the kind of a request name as it comes
 *	on the wire (the master's trigger FF_FLUSH_R_WAKEUP is a refresh),
 *	0 for a name Postfix's flush does not serve. ff_flush_wire_status()
 *	is the one rule for the status a request's outcome is answered
 *	with: what Postfix 3.7's flush answers (OK and nothing waiting:
 *	0; bad or malformed: 3; denied or a site with no ASCII form: 4;
 *	anything else -1, except that a send whose single moves failed
 *	(failed > 0) succeeded, as Postfix only warns about those). ff_flush_status_of() is how a
 *	client reads a status (0 ok, 3 bad, 4 denied, else a temporary
 *	failure).
 *
 *	The text protocol's commands are in flushtext.h.
 */
#ifndef FF_FLUSHPROTO_H
#define FF_FLUSHPROTO_H

#include <stddef.h>

#include "util/api.h"
#include "util/status.h"

/* request kinds, both protocols */
#define FF_REQ_ADD		(1u << 0)
#define FF_REQ_SEND		(1u << 1)
#define FF_REQ_SEND_FILE	(1u << 2)
#define FF_REQ_REFRESH		(1u << 3)
#define FF_REQ_PURGE		(1u << 4)
#define FF_REQ_ALL		0x1fu

/* Postfix's flush protocol: attribute names */
#define FF_FLUSH_A_PROTOCOL	"protocol"
#define FF_FLUSH_A_REQUEST	"request"
#define FF_FLUSH_A_SITE		"site"
#define FF_FLUSH_A_QUEUE_ID	"queue_id"
#define FF_FLUSH_A_STATUS	"status"
#define FF_FLUSH_PROTOCOL	"queue_flush_protocol"	/* the greeting's value */

/* its request names */
#define FF_FLUSH_R_ADD		"add"
#define FF_FLUSH_R_SEND_SITE	"send_site"
#define FF_FLUSH_R_SEND_FILE	"send_file"
#define FF_FLUSH_R_REFRESH	"rfrsh"
#define FF_FLUSH_R_PURGE	"purge"
#define FF_FLUSH_R_WAKEUP	"W"	/* the master's trigger: a refresh */

/* its status codes */
#define FF_FLUSH_OK	0
#define FF_FLUSH_BAD	3
#define FF_FLUSH_DENY	4
#define FF_FLUSH_FAIL	(-1)

FF_API unsigned ff_flush_wire_request(const char *, size_t);
FF_API int ff_flush_wire_status(enum ff_status, unsigned long);
FF_API enum ff_status ff_flush_status_of(int);

#endif
