/*
 * flushd_int.h - what flushd.c and flushtext.c share (not installed API)
 *
 *	ff_flushd_do() does the work of one request (FF_REQ_*) for either
 *	protocol and returns its outcome; ff_flushd_note() keeps a
 *	printable, bounded copy of untrusted text; ff_flushd_send() writes
 *	a reply (a vanished peer is not an error); ff_flushd_text() serves
 *	the text line waiting in the input; ff_flushd_text_reply() writes
 *	one text reply line for an outcome.
 */
#ifndef FF_FLUSHD_INT_H
#define FF_FLUSHD_INT_H

#include "attr0.h"
#include "flushd.h"

enum ff_status ff_flushd_do(struct ff_flushd *, struct ff_spool *, unsigned, const char *,
    const char *);
void ff_flushd_note(char *, size_t, const char *, size_t);
int ff_flushd_send(struct ff_flushd *, int, struct ff_aout *);
int ff_flushd_text(struct ff_flushd *, struct ff_spool *, struct ff_ain *, int);
int ff_flushd_text_reply(struct ff_flushd *, int, enum ff_status, const char *);

#endif
