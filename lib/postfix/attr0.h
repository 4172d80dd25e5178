/*
 * attr0.h - Postfix's attribute lists, "0" encoding, with hard limits
 *
 * SYNOPSIS
 *	void ff_ain_init(struct ff_ain *in, int fd, long timeout_ms,
 *	    size_t max_string, size_t max_total);
 *	void ff_ain_free(struct ff_ain *in);
 *	int ff_ain_fill(struct ff_ain *in);
 *	int ff_ain_wait(struct ff_ain *in);
 *	int ff_ain_string(struct ff_ain *in, struct ff_str *s);
 *	int ff_attr_scan(struct ff_ain *in, int more, const char *const *names, size_t n,
 *	    struct ff_str *values);
 *	int ff_attr_number(const char *s, unsigned *value);
 *	void ff_str_free(struct ff_str *s);
 *
 *	void ff_aout_put(struct ff_aout *o, const char *name, const char *value);
 *	void ff_aout_num(struct ff_aout *o, const char *name, int value);
 *	void ff_aout_end(struct ff_aout *o);
 *	int ff_aout_write(struct ff_aout *o, int fd, long timeout_ms);
 *	void ff_aout_free(struct ff_aout *o);
 *
 * DESCRIPTION
 *	The flush and scache protocols send lists of NUL-terminated name
 *	and value strings ended by an empty name. Numbers travel as the
 *	decimal text of the value taken as unsigned 32-bit, so -1 is
 *	"4294967295".
 *
 *	struct ff_ain buffers input from a descriptor. Every read waits
 *	at most until the deadline set by ff_ain_init() (timeout_ms from
 *	then; negative: no deadline). A string longer than max_string or
 *	input beyond max_total in all is refused (in->over is set).
 *	ff_ain_fill() reads what is available: > 0 bytes added, 0 at end
 *	of input, -1 on time-out, error or limit.
 *
 *	With fd -1 the reader parses memory the caller put in buf, len
 *	and cap (len < cap) and sets eof when no more will come: where
 *	more input is needed a read fails with in->starved set, so an
 *	event loop can run the same scan again when more has arrived.
 *
 *	ff_ain_string() reads one string up to its NUL: 1 with a complete
 *	string, 0 when the input ended before its first byte, -1 when it
 *	ended inside the string (s then holds the part read, s->eof set)
 *	or on a time-out, error or limit. s->p points into the buffer and
 *	stays valid until the next read; values returned by
 *	ff_attr_scan() are copies (free with ff_str_free()).
 *
 *	ff_attr_scan() reads attributes as Postfix's strict scan does:
 *	the wanted names must come first and in order. It stops at the
 *	first name that is not the next wanted one (an extra attribute;
 *	its value stays unread) or at the list's end, and returns how many
 *	wanted values it got; after the last wanted one it reads one more
 *	name (the terminator or an extra name) unless more is set. 0 when
 *	the input is at its end before the first byte, -1 on broken input
 *	(end of input inside a string, time-out, limit).
 *
 *	ff_attr_number() parses a number as glibc's sscanf("%u%c") with
 *	exactly one conversion: leading white space and a sign allowed,
 *	digits required, nothing after them, wrapping modulo 2^32 (values
 *	beyond unsigned long saturate first). 0 if it is one, else -1.
 *
 *	Deadlines are clock.h's milliseconds.
 *
 *	struct ff_aout builds a list in memory (initialise to all zero);
 *	ff_aout_write() sends it in one write where possible and resets
 *	it. It returns 0, or -1 with errno (EPIPE when the peer has gone,
 *	without a SIGPIPE when fd is a socket; ETIMEDOUT).
 */
#ifndef FF_ATTR0_H
#define FF_ATTR0_H

#include <stddef.h>

#include "util/api.h"
#include "util/clock.h"

struct ff_str {
	char *p;
	size_t len;
	int eof;	/* ended by end of input, not by its NUL */
};

struct ff_ain {
	int fd;
	char *buf;
	size_t pos, len, cap;
	size_t total;		/* bytes taken from the descriptor */
	size_t max_string, max_total;
	long deadline;		/* CLOCK_MONOTONIC ms; < 0: none */
	int ready;		/* input is known to be waiting: read without polling */
	int eof, over, timedout, err;
	int starved;		/* fd < 0: needs input not yet in buf */
};

struct ff_aout {
	char *buf;
	size_t len, cap;
};

#define FF_ATTR_MAX_WANT	8

FF_API void ff_ain_init(struct ff_ain *, int, long, size_t, size_t);
FF_API void ff_ain_free(struct ff_ain *);
FF_API int ff_ain_fill(struct ff_ain *);
FF_API int ff_ain_wait(struct ff_ain *);
FF_API int ff_ain_string(struct ff_ain *, struct ff_str *);
FF_API int ff_attr_scan(struct ff_ain *, int, const char *const *, size_t, struct ff_str *);
FF_API void ff_str_free(struct ff_str *);
FF_API int ff_attr_number(const char *, unsigned *);

FF_API void ff_aout_put(struct ff_aout *, const char *, const char *);
FF_API void ff_aout_num(struct ff_aout *, const char *, int);
FF_API void ff_aout_end(struct ff_aout *);
FF_API int ff_aout_write(struct ff_aout *, int, long);
FF_API void ff_aout_free(struct ff_aout *);

#endif
