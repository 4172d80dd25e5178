/*
 * server.h - the server skeleton: connections served one at a time, in one
 * process under Postfix's master(8) or in a pool of our own
 *
 * SYNOPSIS
 *	int ff_server_loop(struct ff_server *s);
 *	int ff_server_pool(struct ff_server *s, const struct ff_pool *p);
 *
 * DESCRIPTION
 *	A struct ff_server names the listening sockets (s->lfd, s->nlisten),
 *	the status channel (s->chan: master(8)'s, the pool's, or NULL),
 *	s->idle_ms (max_idle: a process that has had no connection for so
 *	long exits; 0: never) and s->max_use (connections served before the
 *	process exits; 0: no limit), and s->serve(s->ctx, fd), called for
 *	each accepted connection (fd is blocking and close-on-exec; the
 *	skeleton closes it afterwards).
 *
 *	ff_server_loop() is one process's life, as Postfix's single
 *	servers have it: wait for a connection or the status channel; take
 *	the connection (FF_MASTER_TAKEN), serve it, report FF_MASTER_AVAIL.
 *	With s->late_taken the service reports FF_MASTER_TAKEN itself
 *	(ff_master_notify(s->chan, ...), when s->chan is set), as soon as
 *	it has answered what the client waits for first. Once it has
 *	served half of max_use (rounded down; max_use 0 or 1: never) the
 *	process is retiring: it no longer reports FF_MASTER_AVAIL but
 *	goes on taking connections until its max_use-th, after which it
 *	exits. master (or the pool) counts it busy and starts its
 *	successor when the next connection waits, while this process
 *	serves that one and the ones after: the successor's start-up
 *	overlaps the old process's last connections instead of delaying
 *	the first connection after it. A process reports itself busy
 *	early only after it has served, so a service never has more
 *	processes started than connections would start anyway, plus one
 *	successor per retiring process.
 *	Each listening socket is in an epoll set with EPOLLEXCLUSIVE, so
 *	a connection wakes one waiting process, not every process of the
 *	service. It returns FF_SERVER_IDLE (max_idle), FF_SERVER_USED
 *	(max_use), FF_SERVER_GONE (the status channel was closed or
 *	failed: "postfix reload", "postfix stop", the parent died) or
 *	FF_SERVER_ERROR (epoll failed; errno). A connection already taken
 *	is always served to the end.
 *
 *	ff_server_pool() is the listening front-end (systemd Accept=no,
 *	inetd and xinetd "wait"): a parent that runs ff_server_loop() in
 *	forked workers and speaks master(8)'s status protocol with them
 *	over a socket of its own. It starts one worker and adds one
 *	whenever none is free, up to p->max_workers; a worker that has
 *	served max_use connections or died, whatever killed it, is
 *	replaced when needed. Only a start-up failure (a worker killed
 *	before its first status record, or one that failed) delays the
 *	next start by up to a second, so that a crash loop does not spin;
 *	queued clients are served once a worker is up. It returns 0 when
 *	the last worker has been idle for max_idle and no client waits on
 *	the listening sockets (the super-server starts it again at the
 *	next connection; one waiting already gets a new worker). SIGHUP:
 *	p->reload(s->ctx) re-reads the configuration, current workers finish
 *	their connection and exit, new ones serve the next. SIGTERM and
 *	SIGINT: the workers are stopped (SIGTERM) and waited for; returns
 *	0. A worker notices its parent's death through the status channel.
 */
#ifndef FF_SERVER_H
#define FF_SERVER_H

#include "util/api.h"
#include "postfix/master.h"

enum { FF_SERVER_IDLE, FF_SERVER_USED, FF_SERVER_GONE, FF_SERVER_ERROR };

struct ff_server {
	int lfd[FF_MASTER_MAX_LISTEN];
	int nlisten;
	struct ff_master *chan;
	long idle_ms;
	long max_use;
	int (*serve)(void *, int);
	void *ctx;
	int late_taken;		/* serve reports FF_MASTER_TAKEN itself */
};

struct ff_pool {
	int max_workers;
	int (*reload)(void *);
};

FF_API int ff_server_loop(struct ff_server *);
FF_API int ff_server_pool(struct ff_server *, const struct ff_pool *);

#endif
