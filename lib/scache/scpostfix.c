/*
 * scpostfix.c - Postfix's four connection cache requests (see scached.h)
 *
 * save_endp, find_endp, save_dest and find_dest with the Linux
 * descriptor dance (a save's descriptor after the server's "dummy", a
 * found one between the client's two), the time-outs that end a dance,
 * and Postfix's statistics lines. The dispatch (scproto.c) calls the
 * requests; a client's socket (scclient.c) reports a descriptor passed
 * or received; the event loop (scached.c) the time-outs and statistics.
 * None of them touches the socket.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "postfix/fdpass.h"
#include "util/msg.h"
#include "scache/scached_int.h"
#include "scache/scwire.h"

static void
sample_sizes(struct server *sv, int dests, int sessions)
{
	struct ff_scache_size z;

	ff_scache_size(sv->cache, &z);
	if (dests && (int)z.dests > sv->iv.max_dests)
		sv->iv.max_dests = (int)z.dests;
	if ((int)z.endps > sv->iv.max_endps)
		sv->iv.max_endps = (int)z.endps;
	if (sessions && (int)z.sessions > sv->iv.max_sessions)
		sv->iv.max_sessions = (int)z.sessions;
}

static void
hand_out(struct server *sv, struct client *c, int fd)
{
	c->held = fd;
	c->state = C_WAIT_DUMMY1;
	sc_set_deadline(sv, c, sv->now + sv->s->timeout_ms);
}

/* ------------------------------------------------------------ Postfix's four */

int
sc_save_endp(struct server *sv, struct client *c, struct ff_ain *in)
{
	static const char *const names[] = { FF_SC_A_TTL, FF_SC_A_LABEL, FF_SC_A_PROPERTY };
	struct ff_str v[3];
	long ms;
	int r = sc_scan(c, in, 0, names, 3, v);

	if (r < 0)
		return r;
	if (r != 3 || sc_ttl_ms(sv, v[0].p, &ms) < 0) {
		ff_msg_warn("%s: save_endp: bad or missing request parameter", c->who);
		sc_status(c, FF_SCACHE_BAD);
	} else {
		/* Linux: the client sends its descriptor only after this */
		c->label = v[1].p;
		c->prop = v[2].p;
		v[1].p = v[2].p = NULL;
		c->ttl_ms = ms;
		ff_aout_put(&c->out, FF_SC_A_DUMMY, "");
		c->state = C_WAIT_FD;
		sc_set_deadline(sv, c, sv->now + sv->s->timeout_ms);
	}
	sc_free_values(v, 3);
	sc_reply(c);
	return 1;
}

static void
save_endp_done(struct server *sv, struct client *c, int fd, const char *why)
{
	int st = FF_SCACHE_FAIL;

	if (fd >= 0) {
		if (ff_scache_save_endp(sv->cache, sv->now, c->ttl_ms, c->label, c->prop, fd) == 0) {
			st = FF_SCACHE_OK;
			sample_sizes(sv, 0, 1);
		} else {
			ff_msg_warn("%s: save_endp: %s", c->who, strerror(errno));
			ff_fd_close(fd);
		}
	} else
		ff_msg_warn("%s: save_endp: unable to receive file descriptor: %s", c->who, why);
	free(c->label);
	free(c->prop);
	c->label = c->prop = NULL;
	c->state = C_READY;
	sc_set_deadline(sv, c, -1);
	sc_status(c, st);
	sc_reply(c);
}

/*
 * sc_fd_received - what scclient.c's receive in C_WAIT_FD gave: R
 * as ff_fd_recv() with its descriptor FD, or -1 with ERR
 */
void
sc_fd_received(struct server *sv, struct client *c, int r, int fd, int err)
{
	if (r < 0) {
		if (err != 0)
			ff_msg_warn("%s: save_endp: %s", c->who, strerror(err));
		c->eof = 1;
		c->state = C_READY;
		return;
	}
	save_endp_done(sv, c, r == 1 ? fd : -1, "no descriptor came with the data");
}

/* find_done - a find's reply: its status, the properties found (empty
 * on a miss), then the descriptor after the client's dummy; frees the
 * request's label V */
static int
find_done(struct server *sv, struct client *c, int st, int fd,
    const char *const *props, size_t nprops, struct ff_str *v)
{
	sc_status(c, st);
	for (size_t i = 0; i < nprops; i++)
		ff_aout_put(&c->out, FF_SC_A_PROPERTY, props[i]);
	sc_free_values(v, 1);
	sc_reply(c);
	if (fd >= 0)
		hand_out(sv, c, fd);
	return 1;
}

int
sc_find_endp(struct server *sv, struct client *c, struct ff_ain *in)
{
	static const char *const names[] = { FF_SC_A_LABEL };
	struct ff_str v[1];
	const char *prop = "";
	int fd = -1, st = FF_SCACHE_BAD, r = sc_scan(c, in, 0, names, 1, v);

	if (r < 0)
		return r;
	if (r != 1) {
		ff_msg_warn("%s: find_endp: bad or missing request parameter", c->who);
	} else if ((fd = ff_scache_find_endp(sv->cache, v[0].p, &prop)) < 0) {
		sv->iv.endp_miss++, sv->endp_miss++;
		st = FF_SCACHE_FAIL;
	} else {
		sv->iv.endp_hits++, sv->endp_hits++;
		st = FF_SCACHE_OK;
	}
	return find_done(sv, c, st, fd, (const char *const[]){ prop }, 1, v);
}

int
sc_save_dest(struct server *sv, struct client *c, struct ff_ain *in)
{
	static const char *const names[] = { FF_SC_A_TTL, FF_SC_A_LABEL, FF_SC_A_PROPERTY, FF_SC_A_LABEL };
	struct ff_str v[4];
	long ms;
	int r = sc_scan(c, in, 0, names, 4, v);

	if (r < 0)
		return r;
	if (r != 4 || sc_ttl_ms(sv, v[0].p, &ms) < 0) {
		ff_msg_warn("%s: save_dest: bad or missing request parameter", c->who);
		sc_status(c, FF_SCACHE_BAD);
	} else if (ff_scache_save_dest(sv->cache, sv->now, ms, v[1].p, v[2].p, v[3].p) < 0) {
		ff_msg_warn("%s: save_dest: %s", c->who, strerror(errno));
		sc_status(c, FF_SCACHE_FAIL);
	} else {
		sc_status(c, FF_SCACHE_OK);
		sample_sizes(sv, 1, 0);
	}
	sc_free_values(v, 4);
	sc_reply(c);
	return 1;
}

int
sc_find_dest(struct server *sv, struct client *c, struct ff_ain *in)
{
	static const char *const names[] = { FF_SC_A_LABEL };
	struct ff_str v[1];
	const char *dprop = "", *eprop = "";
	int fd = -1, st = FF_SCACHE_BAD, r = sc_scan(c, in, 0, names, 1, v);

	if (r < 0)
		return r;
	if (r != 1) {
		ff_msg_warn("%s: find_dest: bad or missing request parameter", c->who);
	} else if ((fd = ff_scache_find_dest(sv->cache, v[0].p, &dprop, &eprop)) < 0) {
		sv->iv.dest_miss++, sv->dest_miss++;
		st = FF_SCACHE_FAIL;
	} else {
		sv->iv.dest_hits++, sv->dest_hits++;
		st = FF_SCACHE_OK;
	}
	return find_done(sv, c, st, fd, (const char *const[]){ dprop, eprop }, 2, v);
}

/* sc_dummy - the client's "dummy" before (1) or after (2) a found descriptor */
int
sc_dummy(struct server *sv, struct client *c)
{
	static const char *const names[] = { FF_SC_A_DUMMY };
	struct ff_ain in;
	struct ff_str v[1];
	int r;

	if (c->pos == c->len)
		return c->eof ? -1 : 0;
	sc_reader(sv, c, &in);
	if ((r = sc_scan(c, &in, 0, names, 1, v)) == SC_MORE_INPUT)
		return r;
	sc_free_values(v, 1);
	c->pos += in.pos;
	if (r == 1 && c->state == C_WAIT_DUMMY1) {
		c->state = C_SEND_FD;	/* scclient.c sends it */
		return 1;
	}
	if (r != 1)
		ff_msg_warn("%s: cannot send file descriptor: the client's dummy was missing",
		    c->who);
	ff_fd_close(c->held);
	c->held = -1;
	c->state = C_READY;
	sc_set_deadline(sv, c, -1);
	return r < 0 ? -1 : 1;
}

/* sc_fd_sent - the held descriptor went out (ERR 0) or could not (ERR) */
void
sc_fd_sent(struct server *sv, struct client *c, int err)
{
	if (err == 0) {
		c->state = C_WAIT_DUMMY2;
		sc_set_deadline(sv, c, sv->now + sv->s->timeout_ms);
		return;
	}
	ff_msg_warn("%s: cannot send file descriptor: %s", c->who, strerror(err));
	ff_fd_close(c->held);
	c->held = -1;
	c->state = C_READY;
	c->eof = 1;
}

int
sc_timed_out(struct server *sv, struct client *c)
{
	if (c->state == C_WAIT_FD) {
		save_endp_done(sv, c, -1, strerror(ETIMEDOUT));
		return c->eof ? -1 : 0;
	}
	if (c->silent)
		ff_msg_warn("%s: sent nothing for %ld ms; disconnecting", c->who, sv->s->first_ms);
	else
		ff_msg_warn("%s: timed out %s", c->who, c->state == C_READY ?
		    "in the middle of a request" : "waiting for the descriptor exchange");
	return -1;
}

/* ------------------------------------------------------------ Postfix's statistics */

void
sc_stats_dump(struct server *sv)
{
	struct counters *k = &sv->iv;
	char when[32];

	if (k->dest_hits || k->dest_miss || k->endp_hits || k->endp_miss || k->max_dests ||
	    k->max_endps || k->max_sessions) {
		ctime_r(&sv->interval_start, when);
		ff_msg_info("statistics: start interval %.15s", when + 4);
	}
	if (k->dest_hits || k->dest_miss)
		ff_msg_info("statistics: domain lookup hits=%d miss=%d success=%d%%", k->dest_hits,
		    k->dest_miss, k->dest_hits * 100 / (k->dest_hits + k->dest_miss));
	if (k->endp_hits || k->endp_miss)
		ff_msg_info("statistics: address lookup hits=%d miss=%d success=%d%%", k->endp_hits,
		    k->endp_miss, k->endp_hits * 100 / (k->endp_hits + k->endp_miss));
	if (k->max_dests || k->max_endps || k->max_sessions)
		ff_msg_info("statistics: max simultaneous domains=%d addresses=%d connection=%d",
		    k->max_dests, k->max_endps, k->max_sessions);
	memset(k, 0, sizeof(*k));
	sv->interval_start = time(NULL);
}
