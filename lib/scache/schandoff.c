/*
 * schandoff.c - the connection cache server's socket, lock and handoff
 *
 * Handoff, predecessor to successor, on one connection after the
 * successor's request "handoff" got status 0: items one after the other,
 * each an attribute list "kind" = listener | endp | dest | end with its
 * attributes; a listener or endp item is followed by its descriptor, sent
 * as Postfix sends one (the successor's "dummy" first, then the data byte
 * with SCM_RIGHTS), so nothing travels in the same read as a descriptor.
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fmt.h"
#include "postfix/fdpass.h"
#include "util/msg.h"
#include "util/sfile.h"
#include "scache/scached_int.h"
#include "scache/scwire.h"

#define HANDOFF_TIMEOUT_MS	10000
#define LOCK_WAIT_MS		10000

static int
sock_path(int privfd, const char *service, struct sockaddr_un *sa, struct ff_err *e)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (ff_service_check("connection_cache_service_name", service, e) < 0)
		return -1;
	/* the directory as opened (no symbolic link swapped in since) */
	if (ff_fmt(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", privfd, service) < 0)
		return ff_err_set(e, FF_CONFIG, "connection_cache_service_name too long: %s", service);
	return 0;
}

/* lock - take privfd/service.lock; 0, or -1 with EWOULDBLOCK when held */
static int
lock(int privfd, const char *service, int wait_ms, int *lockfd, struct ff_err *e)
{
	char name[256], pid[32];
	long until = ff_now_ms() + wait_ms;
	int fd;

	if (ff_service_check("connection_cache_service_name", service, e) < 0)
		return -1;
	if (ff_fmt(name, sizeof(name), "%s.lock", service) < 0)
		return ff_err_set(e, FF_CONFIG, "connection_cache_service_name too long for "
		    "a lock file name: %.100s...", service);
	if ((fd = openat(privfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return ff_err_sys(e, errno, "open lock file %s", name);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK || ff_now_ms() >= until) {
			ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
			int err = errno;

			pid[n > 0 ? n : 0] = 0;
			pid[strcspn(pid, "\n")] = 0;
			close(fd);
			errno = err;
			if (err == EWOULDBLOCK)
				return ff_err_set(e, FF_TEMP, "another cache server is running%s%s%s",
				    pid[0] ? " (pid " : "", pid, pid[0] ? ")" : ""), errno = EBUSY, -1;
			return ff_err_sys(e, err, "lock %s", name);
		}
		usleep(10000);
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0)
		ff_msg_warn("write lock file %s: %s", name, strerror(errno));
	*lockfd = fd;
	return 0;
}

int
ff_scached_bind(int privfd, const char *service, int *lockfd, struct ff_err *e)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, lfd;

	if (sock_path(privfd, service, &sa, e) < 0 || lock(privfd, service, 0, lockfd, e) < 0)
		return -1;
	if (fstatat(privfd, service, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			ff_err_set(e, FF_SYSERR, "%s exists and is not a socket", service);
			goto fail;
		}
		/* a server that is not ours (Postfix's scache) may answer there */
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
			ff_err_sys(e, errno, "socket");
			goto fail;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN) {
			close(fd);
			ff_err_set(e, FF_TEMP, "another server answers on %s", service);
			errno = EADDRINUSE;
			goto fail;
		}
		close(fd);
		if (unlinkat(privfd, service, 0) < 0 && errno != ENOENT) {
			ff_err_sys(e, errno, "remove stale socket %s", service);
			goto fail;
		}
	}
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
		ff_err_sys(e, errno, "socket");
		goto fail;
	}
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    fchmodat(privfd, service, 0666, 0) < 0 || listen(lfd, SOMAXCONN) < 0) {
		ff_err_sys(e, errno, "listen on %s", service);
		close(lfd);
		goto fail;
	}
	return lfd;
fail:
	close(*lockfd);
	*lockfd = -1;
	return -1;
}

/* ------------------------------------------------------------ predecessor */

struct send_ctx {
	struct server *sv;
	struct client *c;
	struct ff_ain in;
	struct ff_aout o;
	int failed;
};

/* send_item - the list built in x->o, then fd (-1: none) after the dummy */
static void
send_item(struct send_ctx *x, int fd)
{
	static const char *const names[] = { FF_SC_A_DUMMY };
	struct ff_str v[1];
	struct pollfd p = { .fd = x->c->fd, .events = POLLOUT };

	if (x->failed)
		return;
	ff_aout_end(&x->o);
	if (ff_aout_write(&x->o, x->c->fd, HANDOFF_TIMEOUT_MS) < 0) {
		x->failed = 1;
		return;
	}
	if (fd < 0)
		return;
	if (ff_attr_scan(&x->in, 0, names, 1, v) != 1) {
		ff_str_free(&v[0]);
		x->failed = 1;
		return;
	}
	ff_str_free(&v[0]);
	while (ff_fd_send(x->c->fd, fd) < 0) {
		if (errno != EAGAIN || poll(&p, 1, HANDOFF_TIMEOUT_MS) <= 0) {
			x->failed = 1;
			return;
		}
	}
}

static void
put_ttl(struct ff_aout *o, long left)
{
	char num[24];

	snprintf(num, sizeof(num), "%ld", left > 0 ? left : 1);
	ff_aout_put(o, FF_SC_A_TTL, num);
}

static void
send_session(void *ctx, const struct ff_scache_item *it)
{
	struct send_ctx *x = ctx;

	if (it->kind != FF_SCACHE_ENDP)
		return;
	ff_aout_put(&x->o, FF_SC_A_KIND, FF_SC_K_ENDP);
	ff_aout_put(&x->o, FF_SC_A_LABEL, it->label);
	ff_aout_put(&x->o, FF_SC_A_PROPERTY, it->prop);
	put_ttl(&x->o, it->expires - x->sv->now);
	send_item(x, it->fd);
}

static void
send_binding(void *ctx, const struct ff_scache_item *it)
{
	struct send_ctx *x = ctx;

	if (it->kind != FF_SCACHE_DEST)
		return;
	ff_aout_put(&x->o, FF_SC_A_KIND, FF_SC_K_DEST);
	ff_aout_put(&x->o, FF_SC_A_LABEL, it->label);
	ff_aout_put(&x->o, FF_SC_A_PROPERTY, it->prop);
	ff_aout_put(&x->o, FF_SC_A_ENDPOINT, it->endp);
	put_ttl(&x->o, it->expires - x->sv->now);
	send_item(x, -1);
}

int
sc_handoff_send(struct server *sv, struct client *c)
{
	struct send_ctx x = { .sv = sv, .c = c };

	if (c->off < c->out.len)
		return -1;
	ff_ain_init(&x.in, c->fd, HANDOFF_TIMEOUT_MS, 64, 1 << 20);
	ff_aout_put(&x.o, FF_SC_A_KIND, FF_SC_K_LISTENER);
	send_item(&x, sv->lfd);
	ff_scache_walk(sv->cache, send_session, &x);
	ff_scache_walk(sv->cache, send_binding, &x);
	ff_aout_put(&x.o, FF_SC_A_KIND, FF_SC_K_END);
	send_item(&x, -1);
	ff_ain_free(&x.in);
	ff_aout_free(&x.o);
	return x.failed ? -1 : 0;
}

/* ------------------------------------------------------------ successor */

static int
read_list(struct ff_ain *in, struct ff_str *v, size_t max, size_t *n)
{
	struct ff_str s;
	int r;

	for (*n = 0;;) {
		if ((r = ff_ain_string(in, &s)) <= 0)
			return -1;
		if (s.len == 0)
			return 0;
		if (*n + 2 > max)
			return -1;
		if ((v[*n].p = strndup(s.p, s.len)) == NULL)
			return -1;
		v[*n].len = s.len;
		(*n)++;
		if (ff_ain_string(in, &s) <= 0 || (v[*n].p = strndup(s.p, s.len)) == NULL)
			return -1;
		v[*n].len = s.len;
		(*n)++;
	}
}

static const char *
get(const struct ff_str *v, size_t n, const char *name)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		if (strcmp(v[i].p, name) == 0)
			return v[i + 1].p;
	return NULL;
}

/* take_items - load what the predecessor sends; returns the listener */
static int
take_items(int fd, struct ff_ain *inp, struct ff_scached *s, struct ff_err *e)
{
	static const char dummy[] = "dummy\0\0";
	struct ff_ain in = *inp;
	struct ff_str v[16];
	size_t n = 0, sessions = 0, bindings = 0;
	const char *kind, *ttl;
	int lfd = -1, got, ok = 0;
	long now = ff_now_ms();

	in.max_string = s->max_string;
	in.max_total = SIZE_MAX;
	in.deadline = ff_now_ms() + HANDOFF_TIMEOUT_MS;
	for (;;) {
		for (size_t i = 0; i < n; i++)
			ff_str_free(&v[i]);
		if (read_list(&in, v, 16, &n) < 0 || (kind = get(v, n, FF_SC_A_KIND)) == NULL)
			break;
		if (strcmp(kind, FF_SC_K_END) == 0) {
			ok = 1;
			break;
		}
		got = -1;
		if (strcmp(kind, FF_SC_K_LISTENER) == 0 || strcmp(kind, FF_SC_K_ENDP) == 0) {
			if (in.pos != in.len || write(fd, dummy, sizeof(dummy)) != sizeof(dummy) ||
			    ff_ain_wait(&in) < 0 || ff_fd_recv(fd, &got) != 1)
				break;
		}
		ttl = get(v, n, FF_SC_A_TTL);
		if (strcmp(kind, FF_SC_K_LISTENER) == 0) {
			if (lfd >= 0)
				close(lfd);
			lfd = got;
		} else if (strcmp(kind, FF_SC_K_ENDP) == 0 && ttl && get(v, n, FF_SC_A_LABEL) &&
		    get(v, n, FF_SC_A_PROPERTY)) {
			if (ff_scache_save_endp(s->cache, now, atol(ttl), get(v, n, FF_SC_A_LABEL),
			    get(v, n, FF_SC_A_PROPERTY), got) < 0)
				ff_fd_close(got);
			else
				sessions++;
		} else if (strcmp(kind, FF_SC_K_DEST) == 0 && ttl && get(v, n, FF_SC_A_LABEL) &&
		    get(v, n, FF_SC_A_PROPERTY) && get(v, n, FF_SC_A_ENDPOINT)) {
			if (ff_scache_save_dest(s->cache, now, atol(ttl), get(v, n, FF_SC_A_LABEL),
			    get(v, n, FF_SC_A_PROPERTY), get(v, n, FF_SC_A_ENDPOINT)) == 0)
				bindings++;
		} else if (got >= 0)
			ff_fd_close(got);
	}
	for (size_t i = 0; i < n; i++)
		ff_str_free(&v[i]);
	ff_ain_free(&in);
	if (!ok || lfd < 0) {
		if (lfd >= 0)
			close(lfd);
		return ff_err_set(e, FF_TEMP, "handoff from the running server broke off");
	}
	ff_msg_info("took over %zu connections and %zu bindings", sessions, bindings);
	return lfd;
}

int
ff_scached_takeover(int privfd, const char *service, struct ff_scached *s, int *lfd,
    struct ff_err *e)
{
	static const char req[] = "request\0handoff\0";
	static const char *const greet[] = { FF_SC_A_PROTOCOL }, *const st[] = { FF_SC_A_STATUS };
	struct sockaddr_un sa;
	struct ff_ain in;
	struct ff_str v[1];
	unsigned u = 1;
	int fd, r;

	*lfd = -1;
	if (sock_path(privfd, service, &sa, e) < 0)
		return -1;
	if (s->cache == NULL && (s->cache = ff_scache_new(s->max_sessions, s->max_bindings)) == NULL)
		return ff_err_sys(e, errno, "connection cache");
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return ff_err_sys(e, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ff_err_sys(e, errno, "connect to the running server on %s", service);
		close(fd);
		return -1;
	}
	ff_ain_init(&in, fd, HANDOFF_TIMEOUT_MS, 256, 4096);
	r = ff_attr_scan(&in, 0, greet, 1, v);
	ff_str_free(&v[0]);
	if (r == 1 && write(fd, req, sizeof(req)) == sizeof(req) &&
	    (r = ff_attr_scan(&in, 0, st, 1, v)) == 1)
		ff_attr_number(v[0].p, &u);
	ff_str_free(&v[0]);
	if (u != 0) {
		ff_ain_free(&in);
		close(fd);
		return ff_err_set(e, FF_TEMP, "the running server on %s refused the handoff%s",
		    service, u == 1 ? " (not a fastflush server?)" : " (permission denied?)");
	}
	r = take_items(fd, &in, s, e);
	close(fd);
	if (r < 0)
		return -1;
	*lfd = r;
	/* the predecessor exits when it has sent everything */
	if (lock(privfd, service, LOCK_WAIT_MS, &s->lockfd, e) < 0) {
		close(r);
		*lfd = -1;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ start-up */

int
ff_scached_listen(int privfd, const char *service, struct ff_scached *s, int how, int *lfd,
    struct ff_err *e)
{
	struct ff_err te = { .status = FF_OK };

	if ((how & FF_SCACHED_INHERIT) && (*lfd = ff_listen_inherited()) >= 0) {
		/* the super-server's socket; the lock still keeps the server single */
		if (lock(privfd, service, 0, &s->lockfd, e) < 0) {
			*lfd = -1;
			return -1;
		}
		return 0;
	}
	if (how & FF_SCACHED_REPLACE) {
		if (ff_scached_takeover(privfd, service, s, lfd, &te) == 0) {
			ff_msg_info("took over from the running server");
			return 0;
		}
		ff_msg_warn("no takeover (%s); starting afresh", te.msg);
	}
	if ((*lfd = ff_scached_bind(privfd, service, &s->lockfd, e)) < 0)
		return -1;
	return 0;
}
