/*
 * scclnt.c - connection cache client (see scclnt.h)
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fmt.h"
#include "postfix/fdpass.h"
#include "util/msg.h"
#include "util/sfile.h"
#include "scache/scache.h"
#include "scache/scached_int.h"
#include "scache/scclnt.h"
#include "scache/scwire.h"

#define MAX_REPLY	(64 * 1024 * 1024)
#define START_WAIT_MS	5000

struct ff_scclnt {
	int fd;
	long timeout_ms;
	struct ff_ain in;
	int started;		/* ff_scclnt_open() started the server */
};

static int
broke(struct ff_scclnt *c, struct ff_err *e, const char *what)
{
	if (c->in.timedout)
		return ff_err_set(e, FF_TEMP, "%s: connection cache server timed out", what);
	if (c->in.eof)
		return ff_err_set(e, FF_TEMP, "%s: connection cache server hung up", what);
	if (c->in.over)
		return ff_err_set(e, FF_TEMP, "%s: reply too long", what);
	return ff_err_sys(e, c->in.err ? c->in.err : errno ? errno : EPROTO, "%s", what);
}

/* fresh - a new deadline for the next exchange */
static void
fresh(struct ff_scclnt *c)
{
	c->in.deadline = c->timeout_ms < 0 ? -1 : ff_now_ms() + c->timeout_ms;
	c->in.total = 0;
	c->in.timedout = c->in.err = 0;
}

static int
greeting(struct ff_scclnt *c, struct ff_err *e)
{
	static const char *const names[] = { FF_SC_A_PROTOCOL };
	struct ff_str v[1];
	int r = ff_attr_scan(&c->in, 0, names, 1, v), ok;

	ok = r == 1 && strcmp(v[0].p, FF_SC_PROTOCOL) == 0;
	ff_str_free(&v[0]);
	if (ok)
		return 0;
	/* our server closes at once on a peer that may do nothing */
	if (c->in.eof && c->in.total == 0)
		return ff_err_set(e, FF_DENY, "the connection cache server closed the connection"
		    " without a greeting: permission denied (see --allow in scache-ctl(8))");
	if (r == 1 || r == 0)
		return ff_err_set(e, FF_SYSERR, "not a connection cache server (wrong greeting)");
	return broke(c, e, "greeting");
}

static void
hang_up(struct ff_scclnt *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	ff_ain_free(&c->in);
}

static int
dial(struct ff_scclnt *c, const char *path, long timeout_ms, struct ff_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	c->fd = -1;
	c->timeout_ms = timeout_ms;
	if (strlen(path) >= sizeof(sa.sun_path))
		return ff_err_set(e, FF_USAGE, "socket path too long: %s", path);
	strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return ff_err_sys(e, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	c->fd = fd;
	ff_ain_init(&c->in, fd, timeout_ms, FF_SCACHED_MAX_STRING, MAX_REPLY);
	if (greeting(c, e) < 0) {
		hang_up(c);
		return -1;
	}
	return 0;
}

/* client - a new connection, not connected yet */
static struct ff_scclnt *
client(struct ff_err *e)
{
	struct ff_scclnt *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		ff_err_sys(e, errno, "connection cache client");
		return NULL;
	}
	c->fd = -1;
	return c;
}

struct ff_scclnt *
ff_scclnt_connect(const char *path, long timeout_ms, struct ff_err *e)
{
	struct ff_scclnt *c;

	if ((c = client(e)) == NULL)
		return NULL;
	if (dial(c, path, timeout_ms, e) == 0)
		return c;
	if (c->fd < 0 && e->status == FF_OK)
		ff_err_sys(e, errno, "connect to %s", path);
	free(c);
	return NULL;
}

void
ff_scclnt_close(struct ff_scclnt *c)
{
	if (c == NULL)
		return;
	hang_up(c);
	free(c);
}

int
ff_scclnt_started(const struct ff_scclnt *c)
{
	return c->started;
}

/* start - a server for private/service, as a daemon; 0 when one runs */
static int
start(int privfd, const char *service, const struct ff_scached *settings, struct ff_err *e)
{
	struct ff_scached s = *settings;
	struct {
		int err;	/* the child's errno: EBUSY, another server won the race */
		char msg[sizeof(e->msg)];
	} why;
	int p[2], st, lfd;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return ff_err_sys(e, errno, "pipe");
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return ff_err_sys(e, errno, "fork");
	}
	if (pid == 0) {
		struct ff_err ce = { .status = FF_OK };
		int null = open("/dev/null", O_RDWR);

		close(p[0]);
		setsid();
		signal(SIGHUP, SIG_IGN);
		if ((pid = fork()) != 0) {
			/* a failed fork is said, not taken for a server that will answer */
			if (pid < 0) {
				why.err = errno;
				snprintf(why.msg, sizeof(why.msg), "fork: %s", strerror(why.err));
				if (write(p[1], &why, sizeof(why)) < 0)
					_exit(1);
			}
			_exit(0);
		}
		if (null >= 0) {
			dup2(null, 0), dup2(null, 1), dup2(null, 2);
			if (null > 2)
				close(null);
		}
		ff_msg_stderr(FF_MSG_STDERR_NONE);
		s.rules = NULL;		/* the caller's copy; the default rules apply */
		s.nrules = 0;
		s.cache = NULL;
		s.lockfd = -1;
		if (ff_scached_listen(privfd, service, &s, 0, &lfd, &ce) < 0) {
			why.err = errno;
			strlcpy(why.msg, ce.msg, sizeof(why.msg));
			if (write(p[1], &why, sizeof(why)) < 0)
				_exit(1);
			_exit(1);
		}
		/* nothing of the caller's stays open in the server */
		if (dup2(lfd, 3) < 0 || dup2(s.lockfd, 4) < 0)
			_exit(1);
		closefrom(5);
		s.lockfd = 4;
		ff_scached_fit_nofile(&s);
		ff_msg_info("started on demand");
		n = ff_scached_run(&s, 3, &ce);
		_exit(n < 0 ? 1 : 0);
	}
	close(p[1]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	n = read(p[0], &why, sizeof(why));
	close(p[0]);
	if (n == (ssize_t)sizeof(why)) {
		/* another client's server won the lock: it will answer */
		if (why.err == EBUSY)
			return 0;
		why.msg[sizeof(why.msg) - 1] = 0;
		return ff_err_set(e, FF_TEMP, "start connection cache server: %s", why.msg);
	}
	if (n != 0)
		return ff_err_set(e, FF_TEMP, "start connection cache server: it failed to start");
	return 0;
}

/* open_at - ff_scclnt_open() on connection c; -1 when it failed */
static int
open_at(struct ff_scclnt *c, struct ff_spool *sp, const char *service,
    const struct ff_scached *autostart, long timeout_ms, struct ff_err *e)
{
	char path[108];
	long until;
	int privfd, started = 0;

	if (ff_service_check("connection_cache_service_name", service, e) < 0)
		return -1;
	if ((privfd = openat(sp->qfd, "private", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return ff_err_sys(e, errno, "%s/private", sp->queue_dir);
	if (ff_fmt(path, sizeof(path), "/proc/self/fd/%d/%s", privfd, service) < 0) {
		close(privfd);
		return ff_err_set(e, FF_CONFIG, "connection_cache_service_name too long");
	}
	until = ff_now_ms() + START_WAIT_MS;
	for (;;) {
		if (dial(c, path, timeout_ms, e) == 0)
			break;
		if (c->fd >= 0 || e->status != FF_OK) {
			close(privfd);
			return -1;	/* it answered, but wrongly */
		}
		if ((errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN) ||
		    autostart == NULL || ff_now_ms() >= until) {
			ff_err_sys(e, errno, "connect to %s/private/%s", sp->queue_dir, service);
			close(privfd);
			return -1;
		}
		if (!started) {
			if (start(privfd, service, autostart, e) < 0) {
				close(privfd);
				return -1;
			}
			started = 1;
			continue;
		}
		usleep(20000);
	}
	close(privfd);
	c->started = started;
	return 0;
}

struct ff_scclnt *
ff_scclnt_open(struct ff_spool *sp, const char *service, const struct ff_scached *autostart,
    long timeout_ms, struct ff_err *e)
{
	struct ff_scclnt *c;

	if ((c = client(e)) == NULL)
		return NULL;
	if (open_at(c, sp, service, autostart, timeout_ms, e) == 0)
		return c;
	free(c);
	return NULL;
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
	return broke(c, e, "reply");
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

int
ff_scclnt_save_endp(struct ff_scclnt *c, int ttl, const char *endp, const char *prop, int fd,
    struct ff_err *e)
{
	struct ff_aout o = { 0 };
	struct ff_alist l;
	int r;

	ff_aout_put(&o, FF_SC_A_REQUEST, FF_SC_R_SAVE_ENDP);
	ff_aout_num(&o, FF_SC_A_TTL, ttl);
	ff_aout_put(&o, FF_SC_A_LABEL, endp);
	ff_aout_put(&o, FF_SC_A_PROPERTY, prop);
	if (send_list(c, &o, e) < 0 || read_alist(c, &l, e) < 0)
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
		return broke(c, e, "find: receive descriptor");
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
	struct ff_aout o = { 0 };
	struct ff_alist l;
	int r;

	ff_aout_put(&o, FF_SC_A_REQUEST, FF_SC_R_SAVE_DEST);
	ff_aout_num(&o, FF_SC_A_TTL, ttl);
	ff_aout_put(&o, FF_SC_A_LABEL, dest);
	ff_aout_put(&o, FF_SC_A_PROPERTY, dprop);
	ff_aout_put(&o, FF_SC_A_LABEL, endp);
	if (send_list(c, &o, e) < 0 || read_alist(c, &l, e) < 0)
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
