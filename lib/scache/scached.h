/*
 * scached.h - the connection cache server: Postfix's scache protocol and more
 *
 * SYNOPSIS
 *	struct ff_scached *ff_scached_new(void);
 *	void ff_scached_free(struct ff_scached *s);
 *	void ff_scached_set_owner(struct ff_scached *s, uid_t owner);
 *	void ff_scached_set_trust_savers(struct ff_scached *s, int trust);
 *	void ff_scached_set_max_sessions(struct ff_scached *s, size_t n);
 *	size_t ff_scached_max_sessions(const struct ff_scached *s);
 *	void ff_scached_set_max_bindings(struct ff_scached *s, size_t n);
 *	void ff_scached_set_timeout(struct ff_scached *s, long timeout_ms);
 *	long ff_scached_timeout(const struct ff_scached *s);
 *	void ff_scached_set_master(struct ff_scached *s, struct ff_master *chan);
 *	void ff_scached_set_reload(struct ff_scached *s,
 *	    int (*reload)(struct ff_scached *));
 *	int ff_scached_conf(struct ff_scached *s, struct ff_conf *conf, struct ff_err *e);
 *	void ff_scached_fit_nofile(struct ff_scached *s);
 *	int ff_scached_allow(struct ff_scached *s, const char *spec, struct ff_err *e);
 *	int ff_scached_bind(int privfd, const char *service, int *lockfd, struct ff_err *e);
 *	int ff_scached_takeover(int privfd, const char *service, struct ff_scached *s,
 *	    int *lfd, struct ff_err *e);
 *	int ff_scached_listen(int privfd, const char *service, struct ff_scached *s,
 *	    int how, int *lfd, struct ff_err *e);
 *	int ff_scached_run(struct ff_scached *s, int lfd, struct ff_err *e);
 *	unsigned ff_scached_op_bit(const char *name);
 *
 * DESCRIPTION
 *	ff_scached_new() makes a server's settings with the defaults
 *	(Postfix's for the times; 10000 sessions, 40000 bindings, 1000
 *	clients; no owner, no rules); NULL when out of memory.
 *	ff_scached_free() frees them with what is cached and closes the
 *	lock s holds (NULL is fine). The setters set what their names say:
 *	s->owner (a uid), s->trust_savers, s->max_sessions,
 *	s->max_bindings, s->timeout_ms (ipc_timeout), s->chan (master(8)'s
 *	status channel) and s->reload; the getters read them.
 *
 *	ff_scached_conf() takes connection_cache_ttl_limit,
 *	connection_cache_status_update_time, max_idle and ipc_timeout
 *	from the configuration. ff_scached_fit_nofile() raises the soft
 *	descriptor limit to the hard one and, when the caps still need more
 *	descriptors than that, lowers s->max_clients and s->max_sessions
 *	(with a warning) so that a full cache cannot run out of them.
 *
 *	ff_scached_run() serves the cache on listening socket lfd until
 *	s->idle_ms passes with no client connected (0: never), SIGTERM,
 *	SIGINT or a successor takes over. SIGHUP calls s->reload(s), which
 *	reads the settings again (the cache stays), or exits when that is
 *	NULL. One process, one epoll loop,
 *	any number of clients, any number of requests per connection.
 *	Under Postfix's master(8) (s->chan set, lfd master's socket) it
 *	tells master it is available while it accepts clients and busy
 *	while max_clients are connected, and exits as Postfix's scache
 *	does when master closes the status channel (postfix reload, stop).
 *
 *	Postfix 3.7's scache(8) protocol, byte for byte (fastflush(7)):
 *	the greeting "protocol" = "connection_cache_protocol"; save_endp,
 *	find_endp, save_dest, find_dest with their reply shapes and the
 *	Linux descriptor dance (the server's "dummy" before a save's
 *	descriptor; the client's "dummy" before and after a found one);
 *	status 0 ok, 1 bad request, 2 failed or not found; ttl <= 0 is
 *	bad, a larger one is clamped to s->ttl_limit_ms; unread input is
 *	dropped when a reply goes out, as Postfix's daemons drop it.
 *	Postfix's statistics lines go to the log every
 *	s->stat_interval_ms and at exit.
 *
 *	Requests Postfix does not have (its scache says "unrecognized
 *	request" to them): "stats", "list", "delete" (kind endp, dest or
 *	all; label, empty for every one) and "handoff" (the successor's
 *	side is ff_scached_takeover()).
 *
 *	Beyond Postfix: s->max_sessions and s->max_bindings cap the cache
 *	(the entry closest to expiry makes room, see scache.h); cached
 *	connections whose peer hangs up are closed at once (epoll);
 *	s->max_clients caps connected clients; strings are at most
 *	s->max_string bytes (a client sending more is dropped); a client
 *	waiting for its descriptor never holds up the others (each wait
 *	ends after s->timeout_ms with status 2).
 *
 *	Peer credentials (SO_PEERCRED) decide what each client may do:
 *	root and s->owner (the spool owner, as whom Postfix's smtp runs)
 *	may do everything; ff_scached_allow() adds "OPS=WHO[,WHO...]"
 *	where OPS is a comma list of save, find, stats, list, delete,
 *	handoff or all, and WHO a user name, uid, @group or @gid (the
 *	client's primary or supplementary group). A request that is not
 *	allowed gets status 2 and a warning in the log.
 *
 *	ff_scached_bind() makes the socket privfd/service (mode 0666;
 *	Postfix's private/ directory keeps strangers out) after taking an
 *	exclusive lock on privfd/service.lock (the lock holder's pid is
 *	in it). It fails with EBUSY when another fastflush server holds
 *	the lock and with EADDRINUSE when something else (Postfix's own
 *	scache) answers on the socket. ff_scached_takeover() asks the
 *	running server for its listening socket and everything cached,
 *	loads it into s and waits for the old server to exit; *lfd is the
 *	inherited listening socket, *lockfd semantics as for bind.
 *
 *	ff_scached_listen() is how every start-up path outside master(8)
 *	gets the listening socket (scache-ctl serve, and a client's
 *	on-demand start): with FF_SCACHED_INHERIT a socket the
 *	super-server handed over (systemd Accept=no, xinetd wait=yes),
 *	taking the same lock as bind; with FF_SCACHED_REPLACE the running
 *	server's, by takeover (a failed takeover is logged and a new
 *	socket bound); else ff_scached_bind(). s->lockfd holds the lock;
 *	-1 and errno as for ff_scached_bind() on failure. Under master(8)
 *	the socket is master's (FF_MASTER_LISTEN_FD) and master keeps the
 *	server single. Then ff_scached_run() serves it in every case.
 */
#ifndef FF_SCACHED_H
#define FF_SCACHED_H

#include <stddef.h>
#include <sys/types.h>

#include "util/api.h"
#include "postfix/conf.h"
#include "util/status.h"

#define FF_SCOP_SAVE	(1u << 0)
#define FF_SCOP_FIND	(1u << 1)
#define FF_SCOP_STATS	(1u << 2)
#define FF_SCOP_LIST	(1u << 3)
#define FF_SCOP_DELETE	(1u << 4)
#define FF_SCOP_HANDOFF	(1u << 5)
#define FF_SCOP_ALL	0x3fu

#define FF_SCACHED_MAX_STRING	(1024 * 1024 + 64)
#define FF_SCACHED_MAX_BUFFERED	(64 * 1024 * 1024)

struct ff_scached_rule {
	unsigned ops;
	int group;		/* id is a gid */
	unsigned id;
};

struct ff_master;
struct ff_scached;

#define FF_SCACHED_INHERIT	(1 << 0)
#define FF_SCACHED_REPLACE	(1 << 1)

FF_API struct ff_scached *ff_scached_new(void);
FF_API void ff_scached_free(struct ff_scached *);
FF_API void ff_scached_set_owner(struct ff_scached *, uid_t);
FF_API void ff_scached_set_trust_savers(struct ff_scached *, int);
FF_API void ff_scached_set_max_sessions(struct ff_scached *, size_t);
FF_API size_t ff_scached_max_sessions(const struct ff_scached *);
FF_API void ff_scached_set_max_bindings(struct ff_scached *, size_t);
FF_API void ff_scached_set_timeout(struct ff_scached *, long);
FF_API long ff_scached_timeout(const struct ff_scached *);
FF_API void ff_scached_set_master(struct ff_scached *, struct ff_master *);
FF_API void ff_scached_set_reload(struct ff_scached *, int (*)(struct ff_scached *));
FF_API int ff_scached_conf(struct ff_scached *, struct ff_conf *, struct ff_err *);
FF_API void ff_scached_fit_nofile(struct ff_scached *);
FF_API int ff_scached_allow(struct ff_scached *, const char *, struct ff_err *);
FF_API int ff_scached_bind(int, const char *, int *, struct ff_err *);
FF_API int ff_scached_takeover(int, const char *, struct ff_scached *, int *, struct ff_err *);
FF_API int ff_scached_listen(int, const char *, struct ff_scached *, int, int *, struct ff_err *);
FF_API int ff_scached_run(struct ff_scached *, int, struct ff_err *);
FF_API unsigned ff_scached_op_bit(const char *);

#endif
