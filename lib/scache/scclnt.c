/*
 * scclnt.c - connection cache client: connecting (see scclnt.h)
 *
 * A connection to a server's socket, its greeting, and the on-demand
 * start when nothing answers (scstart.c). The requests on a connection
 * are sccall.c, which calls this file.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fmt.h"
#include "util/sfile.h"
#include "scache/scached_int.h"
#include "scache/scclnt_int.h"
#include "scache/scwire.h"

#define MAX_REPLY	(64 * 1024 * 1024)
#define START_WAIT_MS	5000

/* sc_broke - e for an exchange that broke (what: which) */
int
sc_broke(struct ff_scclnt *c, struct ff_err *e, const char *what)
{
	if (c->in.timedout)
		return ff_err_set(e, FF_TEMP, "%s: connection cache server timed out", what);
	if (c->in.eof)
		return ff_err_set(e, FF_TEMP, "%s: connection cache server hung up", what);
	if (c->in.over)
		return ff_err_set(e, FF_TEMP, "%s: reply too long", what);
	return ff_err_sys(e, c->in.err ? c->in.err : errno ? errno : EPROTO, "%s", what);
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
	return sc_broke(c, e, "greeting");
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
	if ((privfd = openat(ff_spool_fd(sp), "private", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return ff_err_sys(e, errno, "%s/private", ff_spool_path(sp));
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
			ff_err_sys(e, errno, "connect to %s/private/%s", ff_spool_path(sp), service);
			close(privfd);
			return -1;
		}
		if (!started) {
			if (sc_start(privfd, service, autostart, e) < 0) {
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
