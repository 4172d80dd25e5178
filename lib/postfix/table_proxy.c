/*
 * table_proxy.c - proxy:TYPE:NAME, looked up by Postfix's proxymap service
 * (see table.h)
 *
 * The table is asked of proxymap(8) on the UNIX-domain socket
 * QUEUE_DIRECTORY/private/PROXYMAP_SERVICE_NAME, in Postfix's attribute
 * protocol ("0" encoding, attr0.h), lock-step, as Postfix 3.7's own
 * client (global/dict_proxy.c) does:
 *
 *	server, on connect:	protocol=proxymap_protocol
 *	client:			request=open table=TYPE:NAME flags=F
 *	server:			status=S flags=DICT_FLAGS
 *	client:			request=lookup table=TYPE:NAME flags=F key=KEY
 *	server:			status=S value=VALUE
 *
 * The client sends nothing in answer to the greeting; one connection
 * carries any number of requests. TYPE:NAME is the text after "proxy:"
 * as written (a leading "proxy:" more is the server's to strip). The
 * flags are what Postfix's flush sends for a table of fast_flush_domains
 * (match lists open tables with DICT_FLAG_LOCK | DICT_FLAG_UTF8_REQUEST,
 * none of which is an "instance" flag): 0 with open, 524352 with every
 * lookup (seen with strace on Debian's Postfix 3.7.11). The flags of the
 * open reply are the server's table's: its DICT_FLAG_FIXED bit decides
 * ff_table_fixed(), so that a proxied hash: table is fixed and a proxied
 * regexp: table a pattern table, as Postfix's client takes them.
 *
 * Statuses: 0 found (the value), 1 not found, 2 "try again" (the table
 * failed), 3 bad request, 4 denied (TYPE:NAME is not listed in
 * proxy_read_maps as proxy:TYPE:NAME), 5 configuration error. Not found
 * is 0; 2, 3, 5, any other status and every transport error fail the
 * lookup (FF_FAIL, the message names the table); 4 fails it with the
 * name to add to proxy_read_maps.
 *
 * Connection: the open request is tried when the table is opened, so
 * that ff_table_fixed() is known at once; when it cannot be made then
 * (no proxymap, denied), the table is not broken: every lookup tries the
 * open request again first, and until one succeeded the table counts as
 * a pattern table (a domain list asks ff_table_fixed() only after a
 * lookup worked, so it always sees the server's answer). The connection
 * stays open for the next lookup. proxymap may close it meanwhile (it
 * exits after ipc_timeout without a request, on "postfix reload", when
 * a table changed): a connection found closed (readable while idle) is
 * replaced before the request, and a request whose reply did not start
 * on a reused connection is sent once more on a new one.
 *
 * Deliberate differences from Postfix's client: Postfix retries for
 * ever, once a second, while proxymap cannot be reached or answers
 * nonsense, and exits on a denied or bad request; here the lookup fails
 * with the reason, and every wait (connect, write, reply) ends after
 * ipc_timeout (ctx->timeout_ms). Each table has its own connection (Postfix
 * shares one per process), and it is not closed after ipc_idle.
 * Nothing is watched: the table has no local file, so ff_table_changed()
 * stays 0 (proxymap itself restarts when its tables change).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postfix/attr0.h"
#include "util/unixsock.h"
#include "postfix/table_int.h"

/* Postfix's dict flags as the protocol carries them (util/dict.h) */
#define DICT_FLAG_FIXED		(1 << 4)
#define DICT_FLAG_LOCK		(1 << 6)
#define DICT_FLAG_UTF8_REQUEST	(1 << 19)

/* what Postfix's flush sends for a fast_flush_domains table */
#define OPEN_FLAGS	0
#define LOOKUP_FLAGS	(DICT_FLAG_LOCK | DICT_FLAG_UTF8_REQUEST)

/* reply statuses (global/dict_proxy.h) */
enum { PX_OK, PX_NOKEY, PX_RETRY, PX_BAD, PX_DENY, PX_CONFIG };

/* a value is at most this long; a reply is one value and a little more */
#define PX_MAX_STRING	(1 << 20)
#define PX_MAX_REPLY	(PX_MAX_STRING + 1024)

#define PX_PROTOCOL	"proxymap_protocol"

struct proxy {
	char path[FF_TABLE_PATH_MAX + 300];	/* the service's socket */
	long timeout_ms;
	int fd;				/* -1: not connected */
	int opened;			/* the open request succeeded */
	struct ff_ain in;		/* the connection's input */
};

/* one exchange: an open or a lookup request */
struct call {
	const char *request;
	int flags;
	const char *key;		/* lookup: the key */
	const char *const *names;	/* the reply's attributes */
	size_t n;
	struct ff_str values[2];
};

/* drop - close the connection (the next request makes a new one) */
static void
drop(struct proxy *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	ff_ain_free(&p->in);
}

/* broken_reply - the message for input that ended the exchange */
static int
broken_reply(struct ff_table *t, struct proxy *p, const char *what, struct ff_err *e)
{
	if (p->in.timedout)
		return ff_table_fail(t, e, "proxymap service %s: no %s within %gs", p->path, what,
		    (double)p->timeout_ms / 1000);
	if (p->in.over)
		return ff_table_fail(t, e, "proxymap service %s: %s too long", p->path, what);
	if (p->in.err)
		return ff_table_fail(t, e, "proxymap service %s: read %s: %s", p->path, what,
		    strerror(p->in.err));
	if (p->in.eof && p->in.total == 0)
		return ff_table_fail(t, e, "proxymap service %s: connection closed before the %s",
		    p->path, what);
	return ff_table_fail(t, e, "proxymap service %s: malformed %s", p->path, what);
}

/* greet - connect and read the server's greeting */
static int
greet(struct ff_table *t, struct proxy *p, struct ff_err *e)
{
	static const char *const protocol[] = { "protocol" };
	struct ff_err ce = { .status = FF_OK };
	struct ff_str v = { 0 };
	int r;

	if ((p->fd = ff_unix_connect(p->path, p->timeout_ms, &ce)) < 0)
		return ff_table_fail(t, e, "proxymap service: %s", ce.msg);
	ff_ain_init(&p->in, p->fd, p->timeout_ms, PX_MAX_STRING, PX_MAX_REPLY);
	r = ff_attr_scan(&p->in, 0, protocol, 1, &v);
	if (r == 1 && strcmp(v.p, PX_PROTOCOL) == 0) {
		ff_str_free(&v);
		return 0;
	}
	if (r == 1)
		ff_table_fail(t, e, "proxymap service %s: protocol \"%.100s\", not \"%s\"",
		    p->path, v.p, PX_PROTOCOL);
	else
		broken_reply(t, p, "greeting", e);
	ff_str_free(&v);
	drop(p);
	return -1;
}

/*
 * exchange - send c's request and read its reply on the open connection:
 * 1 with the reply, 0 when the connection turned out closed before any
 * of the reply came (worth another try on a new one), -1 otherwise
 */
static int
exchange(struct ff_table *t, struct proxy *p, struct call *c, struct ff_err *e)
{
	struct ff_aout out = { 0 };
	int r;

	/* a new exchange: what was read before is consumed, the clock restarts */
	p->in.pos = p->in.len = p->in.total = 0;
	p->in.deadline = ff_now_ms() + p->timeout_ms;
	ff_aout_put(&out, "request", c->request);
	ff_aout_put(&out, "table", t->name);
	ff_aout_num(&out, "flags", c->flags);
	if (c->key != NULL)
		ff_aout_put(&out, "key", c->key);
	ff_aout_end(&out);
	r = ff_aout_write(&out, p->fd, p->timeout_ms);
	ff_aout_free(&out);
	if (r < 0) {
		if (errno == EPIPE || errno == ECONNRESET)
			return 0;
		if (errno == ETIMEDOUT)
			return ff_table_fail(t, e, "proxymap service %s: cannot send within %gs",
			    p->path, (double)p->timeout_ms / 1000);
		return ff_table_fail(t, e, "proxymap service %s: send: %s", p->path,
		    strerror(errno));
	}
	r = ff_attr_scan(&p->in, 0, c->names, c->n, c->values);
	if ((size_t)r == c->n) {
		/* lock-step: anything more is not an answer to us */
		if (p->in.pos != p->in.len)
			drop(p);
		return 1;
	}
	for (size_t i = 0; i < c->n; i++)
		ff_str_free(&c->values[i]);
	if (r == 0 && p->in.eof && p->in.total == 0)
		return 0;
	return broken_reply(t, p, "reply", e);
}

/* idle_closed - the server has closed (or written to) an idle connection */
static int
idle_closed(struct proxy *p)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	return poll(&pfd, 1, 0) != 0;
}

/* call - one exchange, on a new connection if the old one has gone */
static int
call(struct ff_table *t, struct proxy *p, struct call *c, struct ff_err *e)
{
	int fresh, r;

	for (int attempt = 0;; attempt++) {
		fresh = 0;
		if (p->fd >= 0 && idle_closed(p))
			drop(p);
		if (p->fd < 0) {
			if (greet(t, p, e) < 0)
				return -1;
			fresh = 1;
		}
		if ((r = exchange(t, p, c, e)) > 0)
			return 0;
		drop(p);
		if (r < 0)
			return -1;
		if (fresh || attempt > 0)
			return ff_table_fail(t, e, "proxymap service %s: connection closed"
			    " before the reply", p->path);
	}
}

/* status_fail - the message for a status that fails the request */
static int
status_fail(struct ff_table *t, struct proxy *p, const char *request, unsigned st,
    struct ff_err *e)
{
	switch (st) {
	case PX_RETRY:
		return ff_table_fail(t, e, "proxymap: %s: table lookup problem", t->name);
	case PX_CONFIG:
		return ff_table_fail(t, e, "proxymap: %s: table configuration problem", t->name);
	case PX_BAD:
		return ff_table_fail(t, e, "proxymap: %s request for %s: invalid request",
		    request, t->name);
	case PX_DENY:
		return ff_table_fail(t, e, "proxymap: %s is not in proxy_read_maps"
		    " (list proxy:%s there)", t->name, t->name);
	default:
		return ff_table_fail(t, e, "proxymap service %s: unexpected status %u",
		    p->path, st);
	}
}

/* reply_status - the status of a reply, or -1 with e set */
static int
reply_status(struct ff_table *t, struct proxy *p, const struct call *c, unsigned *st,
    struct ff_err *e)
{
	if (ff_attr_number(c->values[0].p, st) < 0)
		return ff_table_fail(t, e, "proxymap service %s: malformed status \"%.30s\"",
		    p->path, c->values[0].p);
	return 0;
}

/* ensure_open - the open request, once it has succeeded */
static int
ensure_open(struct ff_table *t, struct proxy *p, struct ff_err *e)
{
	static const char *const names[] = { "status", "flags" };
	struct call c = { "open", OPEN_FLAGS, NULL, names, 2, { { 0 } } };
	unsigned st, flags;
	int rc = -1;

	if (p->opened)
		return 0;
	if (call(t, p, &c, e) < 0)
		return -1;
	if (reply_status(t, p, &c, &st, e) < 0)
		goto out;
	if (st != PX_OK) {
		status_fail(t, p, "open", st, e);
		goto out;
	}
	if (ff_attr_number(c.values[1].p, &flags) < 0) {
		ff_table_fail(t, e, "proxymap service %s: malformed flags \"%.30s\"",
		    p->path, c.values[1].p);
		goto out;
	}
	t->fixed = (flags & DICT_FLAG_FIXED) != 0;
	p->opened = 1;
	rc = 0;
out:
	ff_str_free(&c.values[0]);
	ff_str_free(&c.values[1]);
	return rc;
}

static int
proxy_lookup(struct ff_table *t, const char *key, const char **value, struct ff_err *e)
{
	static const char *const names[] = { "status", "value" };
	struct proxy *p = t->priv;
	struct call c = { "lookup", LOOKUP_FLAGS, key, names, 2, { { 0 } } };
	unsigned st;
	int r = -1;

	if (ensure_open(t, p, e) < 0 || call(t, p, &c, e) < 0)
		return -1;
	if (reply_status(t, p, &c, &st, e) < 0)
		goto out;
	if (st == PX_OK) {
		if ((*value = ff_table_value(t, c.values[1].p, c.values[1].len)) == NULL)
			r = ff_err_sys(e, ENOMEM, "%s", t->spec);
		else
			r = 1;
	} else if (st == PX_NOKEY) {
		r = 0;
	} else {
		status_fail(t, p, "lookup", st, e);
	}
out:
	ff_str_free(&c.values[0]);
	ff_str_free(&c.values[1]);
	return r;
}

static int
proxy_open(struct ff_table *t, const struct ff_table_ctx *ctx, struct ff_err *e)
{
	const char *inner = t->name, *colon;
	struct proxy *p;
	struct ff_err oe = { .status = FF_OK };

	/* proxymap strips any number of "proxy:" and wants "type:name" then */
	while (strncmp(inner, "proxy:", 6) == 0)
		inner += 6;
	if ((colon = strchr(inner, ':')) == NULL || colon == inner || colon[1] == 0)
		return ff_table_fail(t, e, "bad syntax; need \"proxy:type:name\"");
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	t->priv = p;
	p->fd = -1;
	p->timeout_ms = ctx->timeout_ms;
	if ((size_t)snprintf(p->path, sizeof(p->path), "%s/private/%s", ctx->queue_dir,
	    ctx->proxymap_service) >= sizeof(p->path))
		return ff_table_fail(t, e, "proxymap socket path too long");
	/* not fatal here: lookups try again and report it */
	(void)ensure_open(t, p, &oe);
	return 0;
}

static void
proxy_close(struct ff_table *t)
{
	struct proxy *p = t->priv;

	if (p == NULL)
		return;
	drop(p);
	free(p);
	t->priv = NULL;
}

const struct ff_table_type ff_table_type_proxy = {
	"proxy", proxy_open, proxy_lookup, proxy_close,
};
