/*
 * scached.c - the connection cache server's event loop (see scached.h)
 *
 * One epoll set holds the listening socket, the clients and every cached
 * connection (watched for a hang-up only). Clients are non-blocking; a
 * client's input is kept until a whole request is there (scproto.c).
 * A client's reads and writes are scclient.c's, called from here.
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postfix/fdpass.h"
#include "postfix/master.h"
#include "util/msg.h"
#include "scache/scached_int.h"
#include "scache/scwire.h"

#define T_LISTEN	1ULL
#define T_CLIENT	2ULL
#define T_SESSION	3ULL
#define T_STATUS	4ULL
#define TAG(t, fd)	((t) << 32 | (uint32_t)(fd))

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

/* ------------------------------------------------------------ clients */

static void
listen_events(struct server *sv, int on)
{
	if (sv->lfd < 0)
		return;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG(T_LISTEN, sv->lfd) };

	if (on == sv->accepting)
		return;
	epoll_ctl(sv->ep, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, sv->lfd, &ev);
	sv->accepting = on;
	/* master may start another process only while we cannot take clients */
	if (sv->chan && sv->stop == 0 &&
	    ff_master_notify(sv->chan, on ? FF_MASTER_AVAIL : FF_MASTER_TAKEN) < 0)
		sv->stop = 1;
}

static void
client_events(struct server *sv, struct client *c)
{
	struct epoll_event ev = { .data.u64 = TAG(T_CLIENT, c->fd) };

	ev.events = c->off < c->out.len || c->state == C_SEND_FD ? EPOLLOUT : EPOLLIN;
	if (ev.events == c->events)
		return;		/* most requests: reading before and after */
	if (epoll_ctl(sv->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = ev.events;
}

static void
drop_client(struct server *sv, struct client *c)
{
	sc_set_deadline(sv, c, -1);
	epoll_ctl(sv->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	ff_fd_close(c->held);
	sv->cl[c->fd] = NULL;
	sv->buffered -= c->cap;
	free(c->buf);
	free(c->label);
	free(c->prop);
	ff_aout_free(&c->out);
	free(c);
	if (--sv->nclients == 0)
		sv->idle_since = sv->now;
	if (sv->nclients < sv->s->max_clients && sv->stop == 0)
		listen_events(sv, 1);
}

/* add_client - a new connection: greet it; -1 when it could not be taken */
static int
add_client(struct server *sv, int fd)
{
	struct client *c;
	struct epoll_event ev;
	char who[sizeof(c->who)];
	unsigned ops = sc_peer_ops(sv->s, fd, who, sizeof(who));

	/*
	 * A peer that may do nothing is not let in: idle, it would hold one
	 * of max_clients. Its warnings are logged for the 1st, 2nd, 4th, 8th,
	 * ... refusal, so that a flood of them cannot flood the log.
	 */
	if (ops == 0) {
		sv->refused++;
		if (ff_verbose > 0 || (sv->refused & (sv->refused - 1)) == 0)
			ff_msg_warn("%s: no operation allowed: connection refused (%lu so far)", who,
			    sv->refused);
		return -1;
	}
	if ((size_t)fd >= sv->ncl) {
		size_t n = sv->ncl ? sv->ncl : 256;
		struct client **ncl;

		while (n <= (size_t)fd)
			n *= 2;
		if ((ncl = reallocarray(sv->cl, n, sizeof(*ncl))) == NULL)
			return -1;
		memset(ncl + sv->ncl, 0, (n - sv->ncl) * sizeof(*ncl));
		sv->cl = ncl;
		sv->ncl = n;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->fd = fd;
	c->held = -1;
	c->deadline = -1;
	c->ops = ops;
	memcpy(c->who, who, sizeof(c->who));
	ev.events = c->events = EPOLLIN;
	ev.data.u64 = TAG(T_CLIENT, fd);
	if (epoll_ctl(sv->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		ff_msg_warn("epoll: %s", strerror(errno));
		free(c);
		return -1;
	}
	sv->cl[fd] = c;
	sv->nclients++;
	if (ff_verbose > 0)
		ff_msg_info("connect from %s", c->who);
	ff_aout_put(&c->out, FF_SC_A_PROTOCOL, FF_SC_PROTOCOL);
	sc_reply(c);
	if (c->eof || sc_flush(c) < 0) {
		drop_client(sv, c);
		return 0;
	}
	/* a client that sends nothing leaves after first_ms */
	if (sv->s->first_ms > 0) {
		c->silent = 1;
		sc_set_deadline(sv, c, sv->now + sv->s->first_ms);
	}
	client_events(sv, c);
	return 0;
}

static void
accept_clients(struct server *sv)
{
	int fd;

	while (sv->nclients < sv->s->max_clients) {
		fd = accept4(sv->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				ff_msg_warn("accept: %s: not accepting until a client leaves",
				    strerror(errno));
				if (sv->nclients > 0)
					listen_events(sv, 0);
			} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				ff_msg_warn("accept: %s", strerror(errno));
			return;
		}
		if (add_client(sv, fd) < 0)
			close(fd);
	}
	listen_events(sv, 0);
}

static void
client_ready(struct server *sv, struct client *c, uint32_t events)
{
	/* EPOLLOUT: sc_serve writes what is pending and passes the descriptor */
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && c->off >= c->out.len) {
		if (c->state == C_WAIT_FD)
			sc_recv_fd(sv, c);
		else if (sc_read_input(sv, c) < 0)
			c->eof = 1, c->pos = c->len = 0;
	}
	if (sc_serve(sv, c) < 0 || sv->stop == 2) {
		drop_client(sv, c);
		return;
	}
	/* a partial request or a reply that does not drain must not wait forever */
	if (c->state == C_READY) {
		if (c->len > c->pos || c->off < c->out.len) {
			if (c->deadline < 0)
				sc_set_deadline(sv, c, sv->now + sv->s->timeout_ms);
		} else if (!c->silent)
			sc_set_deadline(sv, c, -1);
	}
	client_events(sv, c);
}

/* ------------------------------------------------------------ sessions */

static void
watch(void *ctx, int fd, int added)
{
	struct server *sv = ctx;
	struct epoll_event ev = { .events = EPOLLRDHUP, .data.u64 = TAG(T_SESSION, fd) };

	/* regular files cannot be watched; they never hang up either */
	epoll_ctl(sv->ep, added ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, &ev);
}

static void
watch_item(void *ctx, const struct ff_scache_item *it)
{
	if (it->kind == FF_SCACHE_ENDP)
		watch(ctx, it->fd, 1);
}

/* ------------------------------------------------------------ the loop */

static long
earliest(long a, long b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

static void
run_timers(struct server *sv, long *next)
{
	long t = ff_scache_expire(sv->cache, sv->now);

	for (struct client *c = sv->timed, *n; c; c = n) {
		n = c->tnext;
		if (c->deadline <= sv->now) {
			sc_set_deadline(sv, c, -1);
			if (sc_timed_out(sv, c) < 0 || sc_serve(sv, c) < 0)
				drop_client(sv, c);
			else
				client_events(sv, c);
			continue;
		}
		t = earliest(t, c->deadline);
	}
	if (sv->s->stat_interval_ms > 0) {
		if (sv->now >= sv->next_stat) {
			sc_stats_dump(sv);
			sv->next_stat = sv->now + sv->s->stat_interval_ms;
		}
		t = earliest(t, sv->next_stat);
	}
	if (sv->nclients == 0 && sv->s->idle_ms > 0) {
		if (sv->now - sv->idle_since >= sv->s->idle_ms)
			sv->stop = 1;
		t = earliest(t, sv->idle_since + sv->s->idle_ms);
	}
	*next = t;
}

int
ff_scached_run(struct ff_scached *s, int lfd, struct ff_err *e)
{
	struct server sv = { .s = s, .lfd = lfd, .chan = s->chan };
	struct epoll_event evs[64];
	struct sigaction sa = { .sa_handler = on_signal }, old[3];
	sigset_t block, orig, wait_mask;
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	long next;
	int n, fl;

	if (s->cache == NULL && (s->cache = ff_scache_new(s->max_sessions, s->max_bindings)) == NULL)
		return ff_err_sys(e, errno, "connection cache");
	sv.cache = s->cache;
	if (lfd >= 0 && ((fl = fcntl(lfd, F_GETFL)) < 0 ||
	    fcntl(lfd, F_SETFL, fl | O_NONBLOCK) < 0))
		return ff_err_sys(e, errno, "listening socket");
	if ((sv.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return ff_err_sys(e, errno, "epoll");
	ff_scache_watch(s->cache, watch, &sv);
	/* descriptors handed over by a predecessor are watched from now on */
	ff_scache_walk(s->cache, watch_item, &sv);
	if (sv.chan) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG(T_STATUS, 0) };

		if (epoll_ctl(sv.ep, EPOLL_CTL_ADD, ff_master_status_fd(sv.chan), &ev) < 0) {
			close(sv.ep);
			return ff_err_sys(e, errno, "master status channel");
		}
	}
	listen_events(&sv, 1);
	if (s->one_client >= 0) {
		if ((fl = fcntl(s->one_client, F_GETFL)) < 0 ||
		    fcntl(s->one_client, F_SETFL, fl | O_NONBLOCK) < 0 ||
		    add_client(&sv, s->one_client) < 0) {
			close(sv.ep);
			return ff_err_sys(e, errno, "client");
		}
	}

	sigemptyset(&block);
	for (size_t i = 0; i < 3; i++) {
		sigaddset(&block, sigs[i]);
		sigaction(sigs[i], &sa, &old[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &orig);
	wait_mask = orig;
	for (size_t i = 0; i < 3; i++)
		sigdelset(&wait_mask, sigs[i]);
	got_signal = 0;

	sv.now = ff_now_ms();
	sv.idle_since = sv.now;
	sv.started = sv.interval_start = time(NULL);
	sv.next_stat = sv.now + s->stat_interval_ms;
	while (!sv.stop) {
		sv.now = ff_now_ms();
		run_timers(&sv, &next);
		if (sv.stop || (s->one_client >= 0 && sv.nclients == 0))
			break;
		n = epoll_pwait(sv.ep, evs, 64, next < 0 ? -1 :
		    ff_poll_ms(next > sv.now ? next - sv.now : 0), &wait_mask);
		if (got_signal == SIGHUP && s->reload) {
			/* settings from main.cf again; what is cached stays */
			got_signal = 0;
			if (s->reload(s) == 0)
				ff_msg_info("SIGHUP: configuration read again");
			sv.next_stat = ff_now_ms() + s->stat_interval_ms;
			continue;
		}
		if (got_signal) {
			ff_msg_info("%s: exiting", strsignal(got_signal));
			sv.stop = 1;
			break;
		}
		sv.now = ff_now_ms();
		for (int i = 0; i < n && sv.stop != 2; i++) {
			uint64_t type = evs[i].data.u64 >> 32;
			int fd = (int)(uint32_t)evs[i].data.u64;

			if (type == T_STATUS) {
				/* postfix reload or stop: exit as Postfix's scache does */
				if (ff_verbose > 0)
					ff_msg_info("master disconnect -- exiting");
				sv.stop = 1;
			} else if (type == T_LISTEN)
				accept_clients(&sv);
			else if (type == T_SESSION)
				ff_scache_drop_fd(sv.cache, fd);
			else if ((size_t)fd < sv.ncl && sv.cl[fd])
				client_ready(&sv, sv.cl[fd], evs[i].events);
		}
	}
	sc_stats_dump(&sv);
	for (size_t i = 0; i < sv.ncl; i++)
		if (sv.cl[i])
			drop_client(&sv, sv.cl[i]);
	free(sv.cl);
	ff_scache_watch(s->cache, NULL, NULL);
	close(sv.ep);
	for (size_t i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	return 0;
}
