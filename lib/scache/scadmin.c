/*
 * scadmin.c - the connection cache requests Postfix does not have (see
 * scached.h): stats, list, delete and handoff (whose sending side,
 * run by scclient.c once the reply is out, is schandoff.c). Called by
 * the dispatch (scproto.c).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/msg.h"
#include "scache/scached_int.h"
#include "scache/scwire.h"

int
sc_stats(struct server *sv, struct client *c, struct ff_ain *in)
{
	const struct ff_scache_stats *cs = ff_scache_stats(sv->cache);
	struct ff_scache_size z;
	int r;

	if ((r = sc_no_more(c, in)) < 0)
		return r;
	ff_scache_size(sv->cache, &z);
	sc_status(c, FF_SCACHE_OK);
	sc_put_ulong(c, "pid", (unsigned long)getpid());
	sc_put_ulong(c, "uptime", (unsigned long)(time(NULL) - sv->started));
	sc_put_ulong(c, "clients", sv->nclients);
	sc_put_ulong(c, "domains", z.dests);
	sc_put_ulong(c, "addresses", z.endps);
	sc_put_ulong(c, "sessions", z.sessions);
	sc_put_ulong(c, "bindings", z.bindings);
	sc_put_ulong(c, "bytes", z.bytes);
	sc_put_ulong(c, "max_sessions", sv->s->max_sessions);
	sc_put_ulong(c, "max_bindings", sv->s->max_bindings);
	sc_put_ulong(c, "domain_hits", sv->dest_hits);
	sc_put_ulong(c, "domain_misses", sv->dest_miss);
	sc_put_ulong(c, "address_hits", sv->endp_hits);
	sc_put_ulong(c, "address_misses", sv->endp_miss);
	sc_put_ulong(c, "expired", cs->expired);
	sc_put_ulong(c, "evicted", cs->evicted);
	sc_put_ulong(c, "hung_up", cs->hungup);
	sc_put_ulong(c, "requests", sv->requests);
	sc_put_ulong(c, "denied", sv->denied);
	sc_put_ulong(c, "refused", sv->refused);
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
	sc_put_ulong(l->c, FF_SC_A_TTL, (unsigned long)(it->expires > l->now ? it->expires - l->now : 0));
	if (it->kind == FF_SCACHE_ENDP) {
		describe(it->fd, peer, sizeof(peer));
		ff_aout_put(&l->c->out, FF_SC_A_PEER, peer);
	}
}

int
sc_list(struct server *sv, struct client *c, struct ff_ain *in)
{
	struct list_ctx l = { .now = sv->now };
	int r;

	if ((r = sc_no_more(c, in)) < 0)
		return r;
	ff_scache_walk(sv->cache, list_item, &l);
	sc_status(c, FF_SCACHE_OK);
	sc_put_ulong(c, FF_SC_A_COUNT, l.count);
	l.c = c;
	ff_scache_walk(sv->cache, list_item, &l);
	sc_reply(c);
	return 1;
}

int
sc_delete(struct server *sv, struct client *c, struct ff_ain *in)
{
	static const char *const names[] = { FF_SC_A_KIND, FF_SC_A_LABEL };
	struct ff_str v[2];
	int kind = 0, r = sc_scan(c, in, 0, names, 2, v);

	if (r < 0)
		return r;
	if (r >= 1)
		kind = strcmp(v[0].p, FF_SC_K_ENDP) == 0 ? FF_SCACHE_ENDP : strcmp(v[0].p, FF_SC_K_DEST) == 0 ?
		    FF_SCACHE_DEST : strcmp(v[0].p, FF_SC_K_ALL) == 0 ? FF_SCACHE_ALL : 0;
	if (kind == 0) {
		ff_msg_warn("%s: delete: bad or missing request parameter", c->who);
		sc_status(c, FF_SCACHE_BAD);
	} else {
		size_t n = ff_scache_delete(sv->cache, kind, r == 2 && v[1].len ? v[1].p : NULL);

		if (ff_verbose > 0 || n)
			ff_msg_info("%s: deleted %zu %s", c->who, n, n == 1 ? "entry" : "entries");
		sc_status(c, FF_SCACHE_OK);
		sc_put_ulong(c, FF_SC_A_COUNT, n);
	}
	sc_free_values(v, 2);
	sc_reply(c);
	return 1;
}

int
sc_handoff(struct server *sv, struct client *c, struct ff_ain *in)
{
	int r;

	if ((r = sc_no_more(c, in)) < 0)
		return r;
	sc_status(c, FF_SCACHE_OK);
	sc_reply(c);
	c->state = C_HANDOFF;	/* scclient.c hands the cache over */
	return 1;
}
