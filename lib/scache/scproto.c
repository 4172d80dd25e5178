/*
 * scproto.c - the connection cache server's requests (see scached.h)
 *
 * Requests are parsed from the client's input buffer with a reader over
 * memory: when a request is not all there yet the scan runs again from its
 * start when more has come, so nothing happens until a request is whole.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postfix/fdpass.h"
#include "util/msg.h"
#include "scache/scached_int.h"
#include "scache/scwire.h"

#define MORE_INPUT	(-2)

static void
reader(const struct server *sv, const struct client *c, struct ff_ain *in)
{
	memset(in, 0, sizeof(*in));
	in->fd = -1;
	in->buf = c->buf + c->pos;
	in->len = c->len - c->pos;
	in->cap = c->cap - c->pos;
	in->max_string = sv->s->max_string;
	in->max_total = SIZE_MAX;
	in->deadline = -1;
	in->eof = c->eof;
}

/* scan - ff_attr_scan(); MORE_INPUT when the rest has not come yet */
static int
scan(const struct client *c, struct ff_ain *in, int more, const char *const *names, size_t n,
    struct ff_str *v)
{
	int r = ff_attr_scan(in, more, names, n, v);

	if (r >= 0)
		return r;
	for (size_t i = 0; i < n; i++)
		ff_str_free(&v[i]);
	if (in->starved)
		return MORE_INPUT;
	if (in->over)
		ff_msg_warn("%s: string longer than %zu bytes; disconnecting", c->who,
		    in->max_string);
	return -1;
}

static void
free_values(struct ff_str *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ff_str_free(&v[i]);
}

/* ttl_ms - Postfix's ttl: an int > 0 in seconds, clamped to the limit */
static int
ttl_ms(const struct server *sv, const char *s, long *ms)
{
	unsigned u;
	int t;

	if (ff_attr_number(s, &u) < 0 || (t = (int)u) <= 0)
		return -1;
	*ms = (long)t * 1000 > sv->s->ttl_limit_ms ? sv->s->ttl_limit_ms : (long)t * 1000;
	return 0;
}

static void
status(struct client *c, int st)
{
	ff_aout_num(&c->out, FF_SC_A_STATUS, st);
}

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

static int
save_endp(struct server *sv, struct client *c, struct ff_ain *in)
{
	static const char *const names[] = { FF_SC_A_TTL, FF_SC_A_LABEL, FF_SC_A_PROPERTY };
	struct ff_str v[3];
	long ms;
	int r = scan(c, in, 0, names, 3, v);

	if (r < 0)
		return r;
	if (r != 3 || ttl_ms(sv, v[0].p, &ms) < 0) {
		ff_msg_warn("%s: save_endp: bad or missing request parameter", c->who);
		status(c, FF_SCACHE_BAD);
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
	free_values(v, 3);
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
	status(c, st);
	sc_reply(c);
}

void
sc_fd_arrived(struct server *sv, struct client *c)
{
	int fd, r = ff_fd_recv(c->fd, &fd);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r < 0) {
		if (errno != 0)
			ff_msg_warn("%s: save_endp: %s", c->who, strerror(errno));
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
	status(c, st);
	for (size_t i = 0; i < nprops; i++)
		ff_aout_put(&c->out, FF_SC_A_PROPERTY, props[i]);
	free_values(v, 1);
	sc_reply(c);
	if (fd >= 0)
		hand_out(sv, c, fd);
	return 1;
}

static int
find_endp(struct server *sv, struct client *c, struct ff_ain *in)
{
	static const char *const names[] = { FF_SC_A_LABEL };
	struct ff_str v[1];
	const char *prop = "";
	int fd = -1, st = FF_SCACHE_BAD, r = scan(c, in, 0, names, 1, v);

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

static int
save_dest(struct server *sv, struct client *c, struct ff_ain *in)
{
	static const char *const names[] = { FF_SC_A_TTL, FF_SC_A_LABEL, FF_SC_A_PROPERTY, FF_SC_A_LABEL };
	struct ff_str v[4];
	long ms;
	int r = scan(c, in, 0, names, 4, v);

	if (r < 0)
		return r;
	if (r != 4 || ttl_ms(sv, v[0].p, &ms) < 0) {
		ff_msg_warn("%s: save_dest: bad or missing request parameter", c->who);
		status(c, FF_SCACHE_BAD);
	} else if (ff_scache_save_dest(sv->cache, sv->now, ms, v[1].p, v[2].p, v[3].p) < 0) {
		ff_msg_warn("%s: save_dest: %s", c->who, strerror(errno));
		status(c, FF_SCACHE_FAIL);
	} else {
		status(c, FF_SCACHE_OK);
		sample_sizes(sv, 1, 0);
	}
	free_values(v, 4);
	sc_reply(c);
	return 1;
}

static int
find_dest(struct server *sv, struct client *c, struct ff_ain *in)
{
	static const char *const names[] = { FF_SC_A_LABEL };
	struct ff_str v[1];
	const char *dprop = "", *eprop = "";
	int fd = -1, st = FF_SCACHE_BAD, r = scan(c, in, 0, names, 1, v);

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

/* dummy - the client's "dummy" before (1) or after (2) a found descriptor */
static int
dummy(struct server *sv, struct client *c)
{
	static const char *const names[] = { FF_SC_A_DUMMY };
	struct ff_ain in;
	struct ff_str v[1];
	int r;

	if (c->pos == c->len)
		return c->eof ? -1 : 0;
	reader(sv, c, &in);
	if ((r = scan(c, &in, 0, names, 1, v)) == MORE_INPUT)
		return r;
	free_values(v, 1);
	c->pos += in.pos;
	if (r == 1 && c->state == C_WAIT_DUMMY1) {
		c->state = C_SEND_FD;
		sc_send_held(sv, c);
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

void
sc_send_held(struct server *sv, struct client *c)
{
	if (ff_fd_send(c->fd, c->held) == 0) {
		c->state = C_WAIT_DUMMY2;
		sc_set_deadline(sv, c, sv->now + sv->s->timeout_ms);
		return;
	}
	if (errno == EAGAIN)
		return;		/* when the socket has room */
	ff_msg_warn("%s: cannot send file descriptor: %s", c->who, strerror(errno));
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

/* ------------------------------------------------------------ our own */

static void
put_ulong(struct client *c, const char *name, unsigned long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lu", v);
	ff_aout_put(&c->out, name, num);
}

/* no_more - read the rest of a request without attributes of its own */
static int
no_more(const struct client *c, struct ff_ain *in)
{
	int r = scan(c, in, 0, NULL, 0, NULL);

	return r < 0 ? r : 0;
}

static int
stats(struct server *sv, struct client *c, struct ff_ain *in)
{
	const struct ff_scache_stats *cs = ff_scache_stats(sv->cache);
	struct ff_scache_size z;
	int r;

	if ((r = no_more(c, in)) < 0)
		return r;
	ff_scache_size(sv->cache, &z);
	status(c, FF_SCACHE_OK);
	put_ulong(c, "pid", (unsigned long)getpid());
	put_ulong(c, "uptime", (unsigned long)(time(NULL) - sv->started));
	put_ulong(c, "clients", sv->nclients);
	put_ulong(c, "domains", z.dests);
	put_ulong(c, "addresses", z.endps);
	put_ulong(c, "sessions", z.sessions);
	put_ulong(c, "bindings", z.bindings);
	put_ulong(c, "bytes", z.bytes);
	put_ulong(c, "max_sessions", sv->s->max_sessions);
	put_ulong(c, "max_bindings", sv->s->max_bindings);
	put_ulong(c, "domain_hits", sv->dest_hits);
	put_ulong(c, "domain_misses", sv->dest_miss);
	put_ulong(c, "address_hits", sv->endp_hits);
	put_ulong(c, "address_misses", sv->endp_miss);
	put_ulong(c, "expired", cs->expired);
	put_ulong(c, "evicted", cs->evicted);
	put_ulong(c, "hung_up", cs->hungup);
	put_ulong(c, "requests", sv->requests);
	put_ulong(c, "denied", sv->denied);
	put_ulong(c, "refused", sv->refused);
	sc_reply(c);
	return 1;
}

/* describe - what a cached descriptor is, for list */
static void
describe(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[INET6_ADDRSTRLEN];
	struct stat st;

	if (fstat(fd, &st) < 0) {
		snprintf(buf, size, "closed");
		return;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(buf, size, "%s", S_ISFIFO(st.st_mode) ? "pipe" : S_ISREG(st.st_mode) ?
		    "file" : S_ISCHR(st.st_mode) ? "device" : "other");
		return;
	}
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0) {
		snprintf(buf, size, "socket");
		return;
	}
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
		snprintf(buf, size, "tcp %s:%u", addr, ntohs(a->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof(addr));
		snprintf(buf, size, "tcp [%s]:%u", addr, ntohs(a->sin6_port));
	} else
		snprintf(buf, size, "%s", ss.ss_family == AF_UNIX ? "unix" : "socket");
}

struct list_ctx {
	struct client *c;
	long now;
	size_t count;
};

static void
list_item(void *ctx, const struct ff_scache_item *it)
{
	struct list_ctx *l = ctx;
	char peer[128];

	l->count++;
	if (l->c == NULL)
		return;
	ff_aout_put(&l->c->out, FF_SC_A_KIND, it->kind == FF_SCACHE_ENDP ? FF_SC_K_ENDP : FF_SC_K_DEST);
	ff_aout_put(&l->c->out, FF_SC_A_LABEL, it->label);
	ff_aout_put(&l->c->out, FF_SC_A_PROPERTY, it->prop);
	if (it->kind == FF_SCACHE_DEST)
		ff_aout_put(&l->c->out, FF_SC_A_ENDPOINT, it->endp);
	put_ulong(l->c, FF_SC_A_TTL, (unsigned long)(it->expires > l->now ? it->expires - l->now : 0));
	if (it->kind == FF_SCACHE_ENDP) {
		describe(it->fd, peer, sizeof(peer));
		ff_aout_put(&l->c->out, FF_SC_A_PEER, peer);
	}
}

static int
list(struct server *sv, struct client *c, struct ff_ain *in)
{
	struct list_ctx l = { .now = sv->now };
	int r;

	if ((r = no_more(c, in)) < 0)
		return r;
	ff_scache_walk(sv->cache, list_item, &l);
	status(c, FF_SCACHE_OK);
	put_ulong(c, FF_SC_A_COUNT, l.count);
	l.c = c;
	ff_scache_walk(sv->cache, list_item, &l);
	sc_reply(c);
	return 1;
}

static int
delete(struct server *sv, struct client *c, struct ff_ain *in)
{
	static const char *const names[] = { FF_SC_A_KIND, FF_SC_A_LABEL };
	struct ff_str v[2];
	int kind = 0, r = scan(c, in, 0, names, 2, v);

	if (r < 0)
		return r;
	if (r >= 1)
		kind = strcmp(v[0].p, FF_SC_K_ENDP) == 0 ? FF_SCACHE_ENDP : strcmp(v[0].p, FF_SC_K_DEST) == 0 ?
		    FF_SCACHE_DEST : strcmp(v[0].p, FF_SC_K_ALL) == 0 ? FF_SCACHE_ALL : 0;
	if (kind == 0) {
		ff_msg_warn("%s: delete: bad or missing request parameter", c->who);
		status(c, FF_SCACHE_BAD);
	} else {
		size_t n = ff_scache_delete(sv->cache, kind, r == 2 && v[1].len ? v[1].p : NULL);

		if (ff_verbose > 0 || n)
			ff_msg_info("%s: deleted %zu %s", c->who, n, n == 1 ? "entry" : "entries");
		status(c, FF_SCACHE_OK);
		put_ulong(c, FF_SC_A_COUNT, n);
	}
	free_values(v, 2);
	sc_reply(c);
	return 1;
}

static int
handoff(struct server *sv, struct client *c, struct ff_ain *in)
{
	int r;

	if ((r = no_more(c, in)) < 0)
		return r;
	status(c, FF_SCACHE_OK);
	sc_reply(c);
	ff_msg_info("%s: handing the cache to a successor", c->who);
	if (sc_handoff_send(sv, c) < 0) {
		ff_msg_warn("%s: handoff failed; serving on", c->who);
		return -1;
	}
	sv->stop = 2;
	return -1;
}

/* ------------------------------------------------------------ dispatch */

/*
 * each request with the right it needs, checked before the rest is read,
 * and the empty properties its refusal carries (the reply of a miss)
 */
static const struct {
	const char *name;
	unsigned op;
	size_t nprops;
	int (*fn)(struct server *, struct client *, struct ff_ain *);
} requests[] = {
	{ FF_SC_R_SAVE_ENDP, FF_SCOP_SAVE, 0, save_endp }, { FF_SC_R_FIND_ENDP, FF_SCOP_FIND, 1, find_endp },
	{ FF_SC_R_SAVE_DEST, FF_SCOP_SAVE, 0, save_dest }, { FF_SC_R_FIND_DEST, FF_SCOP_FIND, 2, find_dest },
	{ FF_SC_R_STATS, FF_SCOP_STATS, 0, stats }, { FF_SC_R_LIST, FF_SCOP_LIST, 0, list },
	{ FF_SC_R_DELETE, FF_SCOP_DELETE, 0, delete }, { FF_SC_R_HANDOFF, FF_SCOP_HANDOFF, 0, handoff },
};

static int
request(struct server *sv, struct client *c)
{
	static const char *const names[] = { FF_SC_A_REQUEST };
	struct ff_ain in;
	struct ff_str v[1];
	char safe[256];
	int r;

	if (c->pos == c->len)
		return c->eof ? -1 : 0;
	reader(sv, c, &in);
	if ((r = scan(c, &in, 1, names, 1, v)) < 0)
		return r;
	if (r == 0) {
		/* as Postfix: no reply; what follows is read as the next request */
		ff_msg_warn("%s: missing attribute request", c->who);
		c->pos += in.pos;
		return 1;
	}
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		if (strcmp(v[0].p, requests[i].name) != 0)
			continue;
		free_values(v, 1);
		if (!(c->ops & requests[i].op)) {
			/*
			 * Refused on its name, before the rest arrives (a denied
			 * client cannot make the server hold a large request);
			 * the rest is never read: the connection ends after the
			 * reply
			 */
			sv->requests++;
			sv->denied++;
			ff_msg_warn("%s: %s: permission denied", c->who, requests[i].name);
			status(c, FF_SCACHE_FAIL);
			for (size_t k = 0; k < requests[i].nprops; k++)
				ff_aout_put(&c->out, FF_SC_A_PROPERTY, "");
			sc_reply(c);
			c->eof = 1;
			c->pos = c->len = 0;
			return 1;
		}
		if ((r = requests[i].fn(sv, c, &in)) != MORE_INPUT)
			sv->requests++;
		return r;
	}
	ff_msg_warn("%s: unrecognized request: \"%s\", ignored", c->who,
	    ff_msg_safe(v[0].p, v[0].len, safe, sizeof(safe)));
	free_values(v, 1);
	status(c, FF_SCACHE_BAD);
	sc_reply(c);
	return 1;
}

int
sc_process(struct server *sv, struct client *c)
{
	int r;

	for (;;) {
		if (c->off < c->out.len)
			return c->eof ? -1 : 0;	/* the reply first */
		if (c->state == C_WAIT_FD || c->state == C_SEND_FD)
			return 0;
		if (c->state == C_WAIT_DUMMY1 || c->state == C_WAIT_DUMMY2)
			r = dummy(sv, c);
		else
			r = request(sv, c);
		if (r == MORE_INPUT)
			return c->eof ? -1 : 0;
		if (r <= 0)
			return r;
	}
}

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
