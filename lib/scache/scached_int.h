/*
 * scached_int.h - what the connection cache server's files share (not installed)
 */
#ifndef FF_SCACHED_INT_H
#define FF_SCACHED_INT_H

#include <sys/types.h>
#include <time.h>

#include "postfix/attr0.h"
#include "scache/scache.h"
#include "scache/scached.h"

struct ff_scached {
	long ttl_limit_ms;	/* connection_cache_ttl_limit */
	long stat_interval_ms;	/* connection_cache_status_update_time */
	long idle_ms;		/* max_idle */
	long timeout_ms;	/* ipc_timeout */
	long first_ms;		/* fastflush_idle_client_timeout */
	size_t max_buffered;	/* input held for all clients together */
	size_t max_sessions, max_bindings, max_clients, max_string;
	uid_t owner;
	struct ff_scached_rule *rules;
	size_t nrules;
	int trust_savers;	/* rules may grant FF_SCOP_SAVE */
	struct ff_scache *cache;	/* created by run or takeover */
	int lockfd;
	int one_client;		/* tests: serve this connection (lfd -1), then return */
	struct ff_master *chan;	/* master(8)'s status channel, or NULL */
	int (*reload)(struct ff_scached *);	/* SIGHUP; NULL: SIGHUP exits */
};

enum {
	C_READY,	/* reading requests */
	C_WAIT_FD,	/* save_endp: "dummy" sent, the descriptor should come */
	C_WAIT_DUMMY1,	/* find: reply sent, the client's first "dummy" should come */
	C_SEND_FD,	/* find: the descriptor waits for room in the socket */
	C_WAIT_DUMMY2,	/* find: descriptor sent, the client's second "dummy" */
	C_HANDOFF,	/* handoff: the cache goes to the client once the reply is out */
};

struct client {
	int fd;
	int state;
	char *buf;		/* input; always len < cap (a spare byte) */
	size_t pos, len, cap;
	int eof;
	unsigned events;	/* what epoll waits for on fd */
	struct ff_aout out;	/* reply not written yet, from off */
	size_t off;
	long deadline;		/* -1: none */
	struct client *tnext, *tprev;	/* on the list of clients with a deadline */
	int held;		/* the descriptor being handed out */
	char *label, *prop;	/* save_endp waiting for its descriptor */
	long ttl_ms;
	unsigned ops;		/* what the peer may do */
	int silent;		/* nothing received yet: first_ms applies */
	char who[48];
};

struct counters {
	int dest_hits, dest_miss, endp_hits, endp_miss;
	int max_dests, max_endps, max_sessions;
};

struct server {
	struct ff_scached *s;
	struct ff_scache *cache;
	int ep, lfd;
	struct ff_master *chan;	/* master(8)'s status channel, or NULL */
	int accepting;
	struct client **cl;	/* by descriptor */
	size_t ncl;
	size_t nclients;
	struct client *timed;	/* clients with a deadline */
	long idle_since, next_stat, now;
	time_t interval_start;
	struct counters iv;	/* Postfix's counters, reset at every dump */
	unsigned long dest_hits, dest_miss, endp_hits, endp_miss, requests, denied;
	unsigned long refused;	/* peers allowed nothing, closed at accept */
	size_t buffered;	/* input buffers of all clients */
	time_t started;
	int stop;		/* 1: exit; 2: handed off */
};

/*
 * The layers within the server, each calling only those below it:
 * scached.c (the event loop: accept, timers, drop) calls scsettings.c
 * (the settings and what a peer may do), scclient.c (a client's socket:
 * read, write, pass descriptors, hand the cache over), scpostfix.c
 * (Postfix's time-outs and statistics) and schandoff.c (the takeover);
 * scclient.c calls scproto.c (the dispatch of requests) and schandoff.c
 * (the handoff); scproto.c calls scpostfix.c (Postfix's four requests)
 * and scadmin.c (our own); the requests and the dispatch read with
 * scparse.c; all of them call scconn.c (a client's reply and deadline).
 * Only scclient.c
 * touches a client's socket: the requests build a reply and set the
 * client's state (a descriptor to send or to receive, a handoff), and
 * scclient.c does the sending and receiving, then tells the request what
 * came of it (sc_fd_received, sc_fd_sent).
 */

/* scsettings.c */
unsigned sc_peer_ops(const struct ff_scached *, int, char *, size_t);

/* scconn.c */
void sc_reply(struct client *);
void sc_set_deadline(struct server *, struct client *, long);
void sc_status(struct client *, int);
void sc_put_ulong(struct client *, const char *, unsigned long);

/* scclient.c: sc_read_input, sc_flush and sc_serve return -1 to drop the client */
int sc_read_input(struct server *, struct client *);
int sc_flush(struct client *);
void sc_recv_fd(struct server *, struct client *);
int sc_serve(struct server *, struct client *);

/* scparse.c */
#define SC_MORE_INPUT	(-2)	/* the request is not all there yet */
void sc_reader(const struct server *, const struct client *, struct ff_ain *);
int sc_scan(const struct client *, struct ff_ain *, int, const char *const *, size_t,
    struct ff_str *);
void sc_free_values(struct ff_str *, size_t);
int sc_ttl_ms(const struct server *, const char *, long *);
int sc_no_more(const struct client *, struct ff_ain *);

/* scproto.c: 1 a step done, 0 wait for input, -1 drop the client */
int sc_process(struct server *, struct client *);

/* scpostfix.c: requests return 1 done, 0 or -1 as sc_process(), or SC_MORE_INPUT */
int sc_save_endp(struct server *, struct client *, struct ff_ain *);
int sc_find_endp(struct server *, struct client *, struct ff_ain *);
int sc_save_dest(struct server *, struct client *, struct ff_ain *);
int sc_find_dest(struct server *, struct client *, struct ff_ain *);
int sc_dummy(struct server *, struct client *);
void sc_fd_received(struct server *, struct client *, int, int, int);
int sc_timed_out(struct server *, struct client *);
void sc_fd_sent(struct server *, struct client *, int);
void sc_stats_dump(struct server *);

/* scadmin.c */
int sc_stats(struct server *, struct client *, struct ff_ain *);
int sc_list(struct server *, struct client *, struct ff_ain *);
int sc_delete(struct server *, struct client *, struct ff_ain *);
int sc_handoff(struct server *, struct client *, struct ff_ain *);

/* schandoff.c */
int sc_handoff_send(struct server *, struct client *);

/* scstart.c: the client's on-demand start (scclnt.c) */
int sc_start(int, const char *, const struct ff_scached *, struct ff_err *);

#endif
