/*
 * master.h - run as a Postfix daemon: master(8)'s arguments and status channel
 *
 * SYNOPSIS
 *	int ff_master_started(void);
 *	struct ff_master *ff_master_new(void);
 *	int ff_master_args(struct ff_master *m, int argc, char **argv, struct ff_err *e);
 *	void ff_master_set_status(struct ff_master *m, int fd, unsigned gen);
 *	int ff_master_notify(struct ff_master *m, int avail);
 *	void ff_master_free(struct ff_master *m);
 *
 *	const char *ff_master_service(const struct ff_master *m);
 *	const char *ff_master_transport(const struct ff_master *m);
 *	unsigned ff_master_generation(const struct ff_master *m);
 *	int ff_master_status_fd(const struct ff_master *m);
 *	int ff_master_nlisten(const struct ff_master *m);
 *	unsigned ff_master_flags(const struct ff_master *m);
 *	int ff_master_verbose(const struct ff_master *m);
 *	const char *const *ff_master_overrides(const struct ff_master *m, size_t *n);
 *	char **ff_master_rest(const struct ff_master *m, int *n);
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
 *	A struct ff_master is one process's view of master: what its
 *	arguments said and the status channel. ff_master_new() returns
 *	one with no channel (NULL: out of memory); ff_master_free() frees
 *	it (NULL: nothing).
 *
 *	ff_master_args() parses master's arguments into m, replacing what
 *	it held (option letters as Postfix's daemons take them: -c chroot,
 *	-d, -D, -i max_idle, -l, -m max_use, -n service, -o name=value,
 *	-r, -s count, -S one-shot, -t type, -u, -v, -V, -z) and reads
 *	GENERATION. Fails on an unknown option, a missing transport or a
 *	bad generation; what was parsed until then stays readable (the
 *	service, for the error's log line). Master's descriptors (3 to
 *	the last listening socket) become close-on-exec. The getters then
 *	return: ff_master_service() -n, else the program's name (NULL
 *	before any parse); ff_master_transport() -t (NULL: none);
 *	ff_master_generation() GENERATION; ff_master_status_fd()
 *	FF_MASTER_STATUS_FD, or -1 with -S (no channel);
 *	ff_master_nlisten() -s (default 1: the listening sockets from
 *	FF_MASTER_LISTEN_FD on); ff_master_flags() FF_MASTER_F_ONESHOT
 *	(-S: the client is on stdin and stdout), FF_MASTER_F_SOLITARY (-l),
 *	FF_MASTER_F_UNLIMITED (-z), FF_MASTER_F_CHROOT (-c) and
 *	FF_MASTER_F_UNPRIVILEGED (-u); ff_master_verbose() the number of
 *	-v; ff_master_overrides() the -o values and -i/-m as
 *	"max_idle=..."/"max_use=..." (*n of them; copies, valid until the
 *	next parse or ff_master_free()), for the configuration;
 *	ff_master_rest() the command field's own arguments, what follows
 *	master's (*n of them, in argv).
 *
 *	ff_master_set_status() makes m speak on the status channel fd as
 *	process generation gen, nothing sent yet: the pool of server.h
 *	gives each worker its own this way.
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

#define FF_MASTER_F_ONESHOT	0x01	/* -S */
#define FF_MASTER_F_SOLITARY	0x02	/* -l */
#define FF_MASTER_F_UNLIMITED	0x04	/* -z */
#define FF_MASTER_F_CHROOT	0x08	/* -c */
#define FF_MASTER_F_UNPRIVILEGED 0x10	/* -u */

struct ff_master;

FF_API int ff_master_started(void);
FF_API struct ff_master *ff_master_new(void);
FF_API int ff_master_args(struct ff_master *, int, char **, struct ff_err *);
FF_API void ff_master_set_status(struct ff_master *, int, unsigned);
FF_API int ff_master_notify(struct ff_master *, int);
FF_API void ff_master_free(struct ff_master *);
FF_API const char *ff_master_service(const struct ff_master *);
FF_API const char *ff_master_transport(const struct ff_master *);
FF_API unsigned ff_master_generation(const struct ff_master *);
FF_API int ff_master_status_fd(const struct ff_master *);
FF_API int ff_master_nlisten(const struct ff_master *);
FF_API unsigned ff_master_flags(const struct ff_master *);
FF_API int ff_master_verbose(const struct ff_master *);
FF_API const char *const *ff_master_overrides(const struct ff_master *, size_t *);
FF_API char **ff_master_rest(const struct ff_master *, int *);

#endif
