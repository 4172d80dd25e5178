/*
 * master.h - run as a Postfix daemon: master(8)'s arguments and status channel
 *
 * SYNOPSIS
 *	int ff_master_started(void);
 *	int ff_master_args(struct ff_master *m, int argc, char **argv, struct ff_err *e);
 *	int ff_master_notify(struct ff_master *m, int avail);
 *	void ff_master_free(struct ff_master *m);
 *
 * DESCRIPTION
 *	Postfix's master(8) starts the command of a master.cf line as
 *	daemon_directory/COMMAND with its own arguments (see master.cf(5)):
 *
 *	    COMMAND [-l] [-z] [-n SERVICE] -t TYPE [-d] [-v] [-u] [-c]
 *		[-o stress=...] [-s N] [the command field's own arguments]
 *
 *	and descriptors: FF_MASTER_STATUS_FD (a socket shared by every
 *	process of the service; master reads status updates from it and
 *	closes its end on "postfix reload" and "postfix stop") and the
 *	listening sockets from FF_MASTER_LISTEN_FD on. The environment
 *	holds GENERATION, this process's number in octal.
 *
 *	ff_master_started() is 1 when this process looks started by
 *	master: GENERATION is set and the status descriptor is an open
 *	socket. (Nothing else hands a program both.)
 *
 *	ff_master_args() parses master's arguments into m (m->rest: what
 *	follows them; option letters as Postfix's daemons take them:
 *	-c chroot, -d, -D, -i max_idle, -l, -m max_use, -n service,
 *	-o name=value, -r, -s count, -S one-shot, -t type, -u, -v, -V,
 *	-z) and reads GENERATION. m->overrides lists the -o values and
 *	-i/-m as "max_idle=..."/"max_use=..." (copies, valid until
 *	ff_master_free()), for the configuration. Fails on an unknown
 *	option, a missing transport or a bad generation. Master's
 *	descriptors (3 to the last listening socket) become close-on-exec.
 *
 *	ff_master_notify() tells master whether this process can take a
 *	connection (FF_MASTER_AVAIL) or is busy (FF_MASTER_TAKEN): one
 *	12-byte record {pid, generation, status}, written only when the
 *	status changes. Returns -1 when master is gone (the caller exits).
 *	The pool front-end of server.h speaks the same protocol to its
 *	workers, so a worker cannot tell the two parents apart.
 */
#ifndef FF_MASTER_H
#define FF_MASTER_H

#include <stddef.h>

#include "util/api.h"
#include "util/status.h"

#define FF_MASTER_STATUS_FD	5
#define FF_MASTER_LISTEN_FD	6
#define FF_MASTER_GEN_ENV	"GENERATION"
#define FF_MASTER_TAKEN		0
#define FF_MASTER_AVAIL		1
#define FF_MASTER_MAX_LISTEN	16

struct ff_master {
	const char *service;	/* -n, else the program's name */
	const char *transport;	/* -t: unix, inet, fifo, pass, unix-dgram */
	unsigned gen;		/* GENERATION */
	int status_fd;		/* FF_MASTER_STATUS_FD, or -1 */
	int nlisten;		/* -s: sockets from FF_MASTER_LISTEN_FD on */
	int oneshot;		/* -S: the client is on stdin/stdout */
	int solitary, unlimited, chroot, unprivileged, verbose;
	const char **overrides;	/* -o, -i, -m as name=value */
	size_t noverrides;
	char **rest;		/* the command field's own arguments */
	int nrest;
	int avail;		/* last status sent; -1 none */
	int pid;		/* ours, for the status records */
};

FF_API int ff_master_started(void);
FF_API int ff_master_args(struct ff_master *, int, char **, struct ff_err *);
FF_API int ff_master_notify(struct ff_master *, int);
FF_API void ff_master_free(struct ff_master *);

#endif
