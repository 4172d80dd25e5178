/*
 * scclient.c - the socket of one client of the connection cache server:
 * what it sends is read in (kept until a whole request is there), the
 * dispatch (scproto.c) takes its requests one at a time, and what they
 * leave is done here: the reply written, a found descriptor passed, a
 * saved one received, the cache handed over. The event loop (scached.c)
 * calls these when the client's socket is ready; the requests never
 * touch the socket.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "postfix/fdpass.h"
#include "util/msg.h"
#include "scache/scached_int.h"

#define IN_CHUNK	4096

/* sc_read_input - take what the client sent; -1: drop it now */
int
sc_read_input(struct server *sv, struct client *c)
{
	size_t limit = 4 * sv->s->max_string + 64;
	ssize_t n;

	if (c->pos > 0 && c->pos == c->len)
		c->pos = c->len = 0;
	if (c->cap - c->len < IN_CHUNK + 1) {
		size_t ncap = c->cap ? c->cap * 2 : IN_CHUNK * 2;
		char *nb;

		if (c->pos > 0) {	/* the consumed part goes first */
			memmove(c->buf, c->buf + c->pos, c->len - c->pos);
			c->len -= c->pos;
			c->pos = 0;
		}
		if (c->cap - c->len < IN_CHUNK + 1) {
			if (c->len > limit) {
				ff_msg_warn("%s: request longer than %zu bytes; disconnecting", c->who,
				    limit);
				return -1;
			}
			/* every client has its first 8 KiB: small requests always fit */
			if (c->cap > 0 && sv->buffered - c->cap + ncap > sv->s->max_buffered) {
				ff_msg_warn("%s: the requests of all clients hold %zu bytes, the limit"
				    " is %zu; disconnecting", c->who, sv->buffered, sv->s->max_buffered);
				return -1;
			}
			if ((nb = realloc(c->buf, ncap)) == NULL)
				return -1;
			sv->buffered += ncap - c->cap;
			c->buf = nb;
			c->cap = ncap;
		}
	}
	/* plain data: a descriptor sent out of turn is closed, as read(2) would */
	n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
	if (n > 0) {
		c->len += (size_t)n;
		if (c->silent) {	/* it spoke: ipc_timeout from now on */
			c->silent = 0;
			sc_set_deadline(sv, c, -1);
		}
		return 0;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		c->eof = 1;
	return 0;
}

/* sc_flush - write what is pending of the reply; -1: the client is gone */
int
sc_flush(struct client *c)
{
	ssize_t n;

	while (c->off < c->out.len) {
		n = send(c->fd, c->out.buf + c->off, c->out.len - c->off, MSG_NOSIGNAL);
		if (n > 0) {
			c->off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		return -1;
	}
	c->off = c->out.len = 0;
	return 0;
}

/* send_held - pass the descriptor a find hands out, when the socket has room */
static void
send_held(struct server *sv, struct client *c)
{
	if (ff_fd_send(c->fd, c->held) == 0)
		sc_fd_sent(sv, c, 0);
	else if (errno != EAGAIN)
		sc_fd_sent(sv, c, errno);
}

/* sc_recv_fd - take the descriptor a save_endp sends after the "dummy" */
void
sc_recv_fd(struct server *sv, struct client *c)
{
	int fd = -1, r = ff_fd_recv(c->fd, &fd);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	sc_fd_received(sv, c, r, fd, r < 0 ? errno : 0);
}

/* handoff - the handoff's reply is written: send the cache; -1 either way */
static int
handoff(struct server *sv, struct client *c)
{
	ff_msg_info("%s: handing the cache to a successor", c->who);
	if (sc_handoff_send(sv, c) < 0) {
		ff_msg_warn("%s: handoff failed; serving on", c->who);
		return -1;
	}
	sv->stop = 2;
	return -1;
}

/*
 * sc_serve - the client's socket around its requests: write the reply,
 * pass a found descriptor, hand the cache over, and let the dispatch
 * take the next request once the reply is out; -1: drop the client
 */
int
sc_serve(struct server *sv, struct client *c)
{
	int r;

	for (;;) {
		if (sc_flush(c) < 0)
			return -1;
		if (c->state == C_HANDOFF)
			return handoff(sv, c);
		if (c->off < c->out.len)
			return c->eof ? -1 : 0;	/* the reply first */
		if (c->state == C_SEND_FD) {
			send_held(sv, c);
			if (c->state == C_SEND_FD)
				return 0;	/* when the socket has room */
			continue;
		}
		if (c->state == C_WAIT_FD)
			return 0;
		if ((r = sc_process(sv, c)) <= 0)
			return r;
	}
}
