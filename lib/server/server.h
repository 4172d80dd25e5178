/*
 * server.h - the server skeleton: connections served one at a time, in one
 * process under Postfix's master(8) or in a pool of our own
 *
 * SYNOPSIS
 *	struct ff_server *ff_server_new(void);
 *	void ff_server_free(struct ff_server *s);
 *	int ff_server_add_listen(struct ff_server *s, int fd);
 *	void ff_server_set_master(struct ff_server *s, struct ff_master *chan);
 *	struct ff_master *ff_server_master(const struct ff_server *s);
 *	void ff_server_set_max_idle(struct ff_server *s, long ms);
 *	void ff_server_set_max_use(struct ff_server *s, long count);
 *	void ff_server_set_serve(struct ff_server *s, ff_server_serve_cb *serve, void *ctx);
 *	void ff_server_set_late_taken(struct ff_server *s, int late);
 *	int ff_server_loop(struct ff_server *s);
 *
 *	struct ff_pool *ff_pool_new(void);
 *	void ff_pool_free(struct ff_pool *p);
 *	void ff_pool_set_max_workers(struct ff_pool *p, int max);
 *	void ff_pool_set_reload(struct ff_pool *p, ff_pool_reload_cb *reload);
 *	int ff_server_pool(struct ff_server *s, const struct ff_pool *p);
 *
 * DESCRIPTION
 *	A struct ff_server (fields private, server_int.h) is the
 *	skeleton's settings. ff_server_new() returns one with none set
 *	(NULL: out of memory); ff_server_free() frees it (NULL: nothing).
 *	ff_server_add_listen() adds a listening socket (at most
 *	FF_MASTER_MAX_LISTEN; -1 after that); ff_server_set_master() the
 *	status channel (master(8)'s, or NULL, the default; the pool sets
 *	its own in each worker), which ff_server_master() returns;
 *	ff_server_set_max_idle() max_idle (a process that has had no
 *	connection for ms exits; 0, the default: never) and
 *	ff_server_set_max_use() max_use (connections served before the
 *	process exits; 0, the default: no limit). ff_server_set_serve()
 *	names serve(ctx, fd), called for each accepted connection (fd is
 *	blocking and close-on-exec; the skeleton closes it afterwards).
 *
 *	ff_server_loop() is one process's life, as Postfix's single
 *	servers have it: wait for a connection or the status channel; take
 *	the connection (FF_MASTER_TAKEN), serve it, report FF_MASTER_AVAIL.
 *	With ff_server_set_late_taken() the service reports FF_MASTER_TAKEN
 *	itself (ff_master_notify() on ff_server_master(s), when there is a
 *	status channel), as soon as it has answered what the client waits
 *	for first. Once it has
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
 *	whenever none is free, up to ff_pool_set_max_workers()'s max
 *	(default 1); a worker that has served max_use connections or
 *	died, whatever killed it, is replaced when needed. Only a start-up failure (a worker killed
 *	before its first status record, or one that failed) delays the
 *	next start by up to a second, so that a crash loop does not spin;
 *	queued clients are served once a worker is up. It returns 0 when
 *	the last worker has been idle for max_idle and no client waits on
 *	the listening sockets (the super-server starts it again at the
 *	next connection; one waiting already gets a new worker). SIGHUP:
 *	reload(ctx) (ff_pool_set_reload(); ctx is serve's) re-reads the
 *	configuration, current workers finish their connection and exit,
 *	new ones serve the next. SIGTERM and
 *	SIGINT: the workers are stopped (SIGTERM) and waited for; returns
 *	0. A worker notices its parent's death through the status channel.
 */
#ifndef FF_SERVER_H
#define FF_SERVER_H

#include "util/api.h"
#include "postfix/master.h"

enum { FF_SERVER_IDLE, FF_SERVER_USED, FF_SERVER_GONE, FF_SERVER_ERROR };

struct ff_server;
struct ff_pool;
typedef int ff_server_serve_cb(void *, int);
typedef int ff_pool_reload_cb(void *);

FF_API struct ff_server *ff_server_new(void);
FF_API void ff_server_free(struct ff_server *);
FF_API int ff_server_add_listen(struct ff_server *, int);
FF_API void ff_server_set_master(struct ff_server *, struct ff_master *);
FF_API struct ff_master *ff_server_master(const struct ff_server *);
FF_API void ff_server_set_max_idle(struct ff_server *, long);
FF_API void ff_server_set_max_use(struct ff_server *, long);
FF_API void ff_server_set_serve(struct ff_server *, ff_server_serve_cb *, void *);
FF_API void ff_server_set_late_taken(struct ff_server *, int);
FF_API int ff_server_loop(struct ff_server *);
FF_API struct ff_pool *ff_pool_new(void);
FF_API void ff_pool_free(struct ff_pool *);
FF_API void ff_pool_set_max_workers(struct ff_pool *, int);
FF_API void ff_pool_set_reload(struct ff_pool *, ff_pool_reload_cb *);
FF_API int ff_server_pool(struct ff_server *, const struct ff_pool *);

#endif
