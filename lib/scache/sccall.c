/*
 * sccall.c - connection cache client: the requests (see scclnt.h)
 *
 * Each exchange lock-step on a connection scclnt.c made: the request
 * list in one write, the whole reply list read, and the descriptor
 * dance of save_endp and the finds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postfix/fdpass.h"
#include "scache/scache.h"
#include "scache/scclnt_int.h"
#include "scache/scwire.h"

/* fresh - a new deadline for the next exchange */
static void
fresh(struct ff_scclnt *c)
{
	c->in.deadline = c->timeout_ms < 0 ? -1 : ff_now_ms() + c->timeout_ms;
	c->in.total = 0;
	c->in.timedout = c->in.err = 0;
}

/* send_list - the request in one write */
static int
send_list(struct ff_scclnt *c, struct ff_aout *o, struct ff_err *e)
{
	ff_aout_end(o);
	fresh(c);
	if (ff_aout_write(o, c->fd, c->timeout_ms) < 0) {
		ff_err_sys(e, errno, "send request");
		ff_aout_free(o);
		return -1;
	}
	ff_aout_free(o);
	return 0;
}

/* read_alist - a whole reply list */
static int
read_alist(struct ff_scclnt *c, struct ff_alist *l, struct ff_err *e)
{
	struct ff_str s;
	size_t cap = 0;

	memset(l, 0, sizeof(*l));
	for (;;) {
		if (ff_ain_string(&c->in, &s) <= 0)
			goto broken;
		if (s.len == 0 && l->n % 2 == 0)
			return 0;
		if (l->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct ff_str *nv = reallocarray(l->v, ncap, sizeof(*nv));

			if (nv == NULL)
				goto broken;
			l->v = nv;
			cap = ncap;
		}
		if ((l->v[l->n].p = strndup(s.p, s.len)) == NULL)
			goto broken;
		l->v[l->n].len = s.len;
		l->v[l->n++].eof = 0;
	}
broken:
	ff_alist_free(l);
	return sc_broke(c, e, "reply");
}

const char *
ff_alist_get(const struct ff_alist *l, const char *name)
{
	for (size_t i = 0; i + 1 < l->n; i += 2)
		if (strcmp(l->v[i].p, name) == 0)
			return l->v[i + 1].p;
	return NULL;
}

void
ff_alist_free(struct ff_alist *l)
{
	for (size_t i = 0; i < l->n; i++)
		ff_str_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* status_of - the reply's leading status; -1 (e set) when there is none */
static int
status_of(const struct ff_alist *l, struct ff_err *e)
{
	unsigned u;

	if (l->n < 2 || strcmp(l->v[0].p, FF_SC_A_STATUS) != 0 || ff_attr_number(l->v[1].p, &u) < 0)
		return ff_err_set(e, FF_SYSERR, "malformed reply from the connection cache server");
	return (int)u;
}

static int
send_dummy(struct ff_scclnt *c, struct ff_err *e)
{
	struct ff_aout o = { 0 };

	ff_aout_put(&o, FF_SC_A_DUMMY, "");
	return send_list(c, &o, e);
}

/*
 * save - a save request: ttl, label, property and, for save_dest, the
 * endpoint label; its first reply list in l
 */
static int
save(struct ff_scclnt *c, const char *request, int ttl, const char *label, const char *prop,
    const char *endp, struct ff_alist *l, struct ff_err *e)
{
	struct ff_aout o = { 0 };

	ff_aout_put(&o, FF_SC_A_REQUEST, request);
	ff_aout_num(&o, FF_SC_A_TTL, ttl);
	ff_aout_put(&o, FF_SC_A_LABEL, label);
	ff_aout_put(&o, FF_SC_A_PROPERTY, prop);
	if (endp)
		ff_aout_put(&o, FF_SC_A_LABEL, endp);
	if (send_list(c, &o, e) < 0 || read_alist(c, l, e) < 0)
		return -1;
	return 0;
}

int
ff_scclnt_save_endp(struct ff_scclnt *c, int ttl, const char *endp, const char *prop, int fd,
    struct ff_err *e)
{
	struct ff_alist l;
	int r;

	if (save(c, FF_SC_R_SAVE_ENDP, ttl, endp, prop, NULL, &l, e) < 0)
		return -1;
	/* the server's dummy; a status instead when it refused the request */
	if (l.n == 2 && strcmp(l.v[0].p, FF_SC_A_DUMMY) == 0) {
		ff_alist_free(&l);
		if (ff_fd_send(c->fd, fd) < 0)
			return ff_err_sys(e, errno, "save_endp: send descriptor");
		fresh(c);
		if (read_alist(c, &l, e) < 0)
			return -1;
	}
	r = status_of(&l, e);
	ff_alist_free(&l);
	return r;
}

/* take_fd - the found descriptor: dummy, descriptor, dummy */
static int
take_fd(struct ff_scclnt *c, int *fd, struct ff_err *e)
{
	int r;

	if (c->in.pos != c->in.len)
		return ff_err_set(e, FF_SYSERR, "find: the server sent more than its reply");
	if (send_dummy(c, e) < 0)
		return -1;
	if (ff_ain_wait(&c->in) < 0)
		return sc_broke(c, e, "find: receive descriptor");
	if ((r = ff_fd_recv(c->fd, fd)) != 1) {
		if (r == 0)
			return ff_err_set(e, FF_SYSERR, "find: no descriptor came");
		return ff_err_sys(e, errno ? errno : EPIPE, "find: receive descriptor");
	}
	if (send_dummy(c, e) < 0) {
		close(*fd);
		*fd = -1;
		return -1;
	}
	return 0;
}

static int
find(struct ff_scclnt *c, const char *request, const char *label, char **p1, char **p2,
    int *fd, struct ff_err *e)
{
	struct ff_aout o = { 0 };
	struct ff_alist l;
	int r;

	*fd = -1;
	*p1 = NULL;
	if (p2)
		*p2 = NULL;
	ff_aout_put(&o, FF_SC_A_REQUEST, request);
	ff_aout_put(&o, FF_SC_A_LABEL, label);
	if (send_list(c, &o, e) < 0 || read_alist(c, &l, e) < 0)
		return -1;
	if ((r = status_of(&l, e)) < 0 || l.n != (p2 ? 6u : 4u)) {
		ff_alist_free(&l);
		return r < 0 ? -1 : ff_err_set(e, FF_SYSERR, "%s: malformed reply", request);
	}
	*p1 = l.v[3].p, l.v[3].p = NULL;
	if (p2)
		*p2 = l.v[5].p, l.v[5].p = NULL;
	ff_alist_free(&l);
	if (r == FF_SCACHE_OK && take_fd(c, fd, e) < 0) {
		free(*p1), *p1 = NULL;
		if (p2)
			free(*p2), *p2 = NULL;
		return -1;
	}
	return r;
}

int
ff_scclnt_find_endp(struct ff_scclnt *c, const char *endp, char **prop, int *fd,
    struct ff_err *e)
{
	return find(c, FF_SC_R_FIND_ENDP, endp, prop, NULL, fd, e);
}

int
ff_scclnt_find_dest(struct ff_scclnt *c, const char *dest, char **dprop, char **eprop, int *fd,
    struct ff_err *e)
{
	return find(c, FF_SC_R_FIND_DEST, dest, dprop, eprop, fd, e);
}

int
ff_scclnt_save_dest(struct ff_scclnt *c, int ttl, const char *dest, const char *dprop,
    const char *endp, struct ff_err *e)
{
	struct ff_alist l;
	int r;

	if (save(c, FF_SC_R_SAVE_DEST, ttl, dest, dprop, endp, &l, e) < 0)
		return -1;
	r = status_of(&l, e);
	ff_alist_free(&l);
	return r;
}

int
ff_scclnt_call(struct ff_scclnt *c, const char *request, const char *const *nv, size_t n,
    struct ff_alist *reply, struct ff_err *e)
{
	struct ff_aout o = { 0 };
	int r;

	ff_aout_put(&o, FF_SC_A_REQUEST, request);
	for (size_t i = 0; i + 1 < n; i += 2)
		ff_aout_put(&o, nv[i], nv[i + 1]);
	if (send_list(c, &o, e) < 0 || read_alist(c, reply, e) < 0)
		return -1;
	if ((r = status_of(reply, e)) < 0)
		ff_alist_free(reply);
	return r;
}

int
ff_scclnt_stats(struct ff_scclnt *c, struct ff_alist *reply, struct ff_err *e)
{
	return ff_scclnt_call(c, FF_SC_R_STATS, NULL, 0, reply, e);
}

int
ff_scclnt_list(struct ff_scclnt *c, struct ff_alist *reply, struct ff_err *e)
{
	return ff_scclnt_call(c, FF_SC_R_LIST, NULL, 0, reply, e);
}

int
ff_scclnt_delete(struct ff_scclnt *c, int kind, const char *label, unsigned long *count,
    struct ff_err *e)
{
	const char *nv[4] = { FF_SC_A_KIND, kind == FF_SCACHE_ENDP ? FF_SC_K_ENDP : kind == FF_SCACHE_DEST ?
	    FF_SC_K_DEST : FF_SC_K_ALL, FF_SC_A_LABEL, label ? label : "" };
	struct ff_alist l;
	const char *n;
	int r;

	*count = 0;
	if ((r = ff_scclnt_call(c, FF_SC_R_DELETE, nv, 4, &l, e)) < 0)
		return r;
	if ((n = ff_alist_get(&l, FF_SC_A_COUNT)) != NULL)
		*count = strtoul(n, NULL, 10);
	ff_alist_free(&l);
	return r;
}
