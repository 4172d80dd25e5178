/*
 * flushtext.h - fflushd's text protocol: one line in, one line out
 *
 * SYNOPSIS
 *	#include "flush/flushtext.h"
 *
 *	int ff_flushtext_command(const char *p, size_t len);
 *	unsigned ff_flushtext_request(const char *name);
 *	enum ff_status ff_flushtext_parse(char *line, size_t len, size_t max,
 *	    unsigned allow, struct ff_flushtext_req *r, struct ff_err *e);
 *	void ff_flushtext_details(unsigned req, enum ff_status st,
 *	    const struct ff_flush_outcome *o, char *buf, size_t size);
 *	void ff_flushtext_reply(char *line, size_t size, enum ff_status st,
 *	    const char *details, const struct ff_err *e);
 *
 * DESCRIPTION
 *	The protocol, for scripts and people (fflushd(8)):
 *
 *	add SITE QUEUE_ID	->  0 ok log=example_com
 *	send SITE		->  0 ok log=example_com moved=3 incoming=0 gone=1
 *	send-file QUEUE_ID	->  0 ok result=moved
 *	refresh | purge		->  0 ok logs=9 refreshed=2 purged=1 kept=6 moved=5 errors=0
 *	help			->  0 ok commands=add,send,send-file,refresh,purge,help
 *
 *	A reply's code is the exit status of the matching command
 *	(status.h), its word the status's name; failures add msg="..."
 *	(C-style escapes). Commands are matched without regard to case;
 *	words are separated by blanks; a trailing CR is ignored.
 *
 *	This module parses and formats; the server reads, runs and writes.
 *	ff_flushtext_command() tells whether p (len bytes, up to the first
 *	blank or line end) starts with a command: a line meant for this
 *	protocol. ff_flushtext_request() is a command's request kind
 *	(FF_REQ_*), 0 for help or an unknown word.
 *
 *	ff_flushtext_parse() takes one line of len bytes (without its
 *	newline; line[len] must be writable) and splits it in place. A
 *	request to run gives FF_OK with r->req, r->site and r->id (pointing
 *	into the line; NULL when the request has none). Anything else gives
 *	r->req 0 and the reply's outcome: FF_OK for help (r->details lists
 *	the commands allowed), FF_USAGE (empty line, unknown command, wrong
 *	number of words: e says which), FF_BAD (a NUL byte, a line over
 *	max, a bad queue ID). r->name is the command word as given (or
 *	empty).
 *
 *	ff_flushtext_details() writes the key=value part of a reply for a
 *	request that ran; ff_flushtext_reply() the whole reply line, newline
 *	included, cut to fit size (at least 2).
 */
#ifndef FF_FLUSHTEXT_H
#define FF_FLUSHTEXT_H

#include <stddef.h>

#include "util/api.h"
#include "flush/flushproto.h"
#include "flush/flushsvc.h"
#include "util/status.h"

#define FF_FLUSHTEXT_DETAILS	512

struct ff_flushtext_req {
	unsigned req;		/* FF_REQ_*; 0: nothing to run */
	const char *name;	/* the command word */
	const char *site, *id;
	char details[FF_FLUSHTEXT_DETAILS];
};

FF_API int ff_flushtext_command(const char *, size_t);
FF_API unsigned ff_flushtext_request(const char *);
FF_API enum ff_status ff_flushtext_parse(char *, size_t, size_t, unsigned, struct ff_flushtext_req *,
    struct ff_err *);
FF_API void ff_flushtext_details(unsigned, enum ff_status, const struct ff_flush_outcome *, char *,
    size_t);
FF_API void ff_flushtext_reply(char *, size_t, enum ff_status, const char *, const struct ff_err *);

#endif
