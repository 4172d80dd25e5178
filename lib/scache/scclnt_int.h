/*
 * scclnt_int.h - what the connection cache client's files share (not installed)
 */
#ifndef FF_SCCLNT_INT_H
#define FF_SCCLNT_INT_H

#include "postfix/attr0.h"
#include "scache/scclnt.h"

struct ff_scclnt {
	int fd;
	long timeout_ms;
	struct ff_ain in;
	int started;		/* ff_scclnt_open() started the server */
};

/* scclnt.c (sccall.c calls it) */
int sc_broke(struct ff_scclnt *, struct ff_err *, const char *);

#endif
