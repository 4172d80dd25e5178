/*
 * server.c - the server skeleton: one process's loop, and its settings (see
 * server.h); the pool is pool.c
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/msg.h"
#include "server/server_int.h"
#include "postfix/attr0.h"

#define TAG_STATUS	(-1)

int
ff_server_loop(struct ff_server *s)
{
	struct epoll_event ev, evs[FF_MASTER_MAX_LISTEN + 1];
	long used = 0, idle_start = ff_now_ms(), left;
	/* from this many uses on the process is retiring (see server.h) */
	long retire_at = s->max_use > 1 ? s->max_use - s->max_use / 2 : LONG_MAX;
	int ep, n, fd, rc = FF_SERVER_ERROR;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return FF_SERVER_ERROR;
	for (int i = 0; i < s->nlisten; i++) {
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, s->lfd[i], &ev) < 0)
			goto out;
	}
	if (s->chan && ff_master_status_fd(s->chan) >= 0) {
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)TAG_STATUS;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, ff_master_status_fd(s->chan), &ev) < 0)
			goto out;
		if (ff_master_notify(s->chan, FF_MASTER_AVAIL) < 0) {
			rc = FF_SERVER_GONE;
			goto out;
		}
	}
	for (;;) {
		if (s->max_use > 0 && used >= s->max_use) {
			rc = FF_SERVER_USED;
			break;
		}
		left = -1;
		if (s->idle_ms > 0) {
			left = idle_start + s->idle_ms - ff_now_ms();
			if (left <= 0) {
				rc = FF_SERVER_IDLE;
				break;
			}
		}
		n = epoll_wait(ep, evs, s->nlisten + 1, ff_poll_ms(left));
		if (n < 0 && errno != EINTR)
			goto out;
		fd = -1;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == (uint32_t)TAG_STATUS) {
				if (ff_verbose > 0)
					ff_msg_info("master disconnect -- exiting");
				rc = FF_SERVER_GONE;
				goto out;
			}
			if (fd < 0)
				fd = s->lfd[evs[i].data.u32];
		}
		if (fd < 0)
			continue;
		/* another process may have taken it: the socket is non-blocking */
		if ((fd = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				ff_msg_warn("accept: %s", strerror(errno));
			continue;
		}
		if (s->chan && !s->late_taken)
			(void)ff_master_notify(s->chan, FF_MASTER_TAKEN);
		used++;
		s->serve(s->ctx, fd);
		close(fd);
		if (s->max_use > 0 && used >= s->max_use) {
			rc = FF_SERVER_USED;
			break;
		}
		idle_start = ff_now_ms();
		/*
		 * Retiring: stay "busy" for master while still taking
		 * connections, so that the next one makes master start our
		 * successor while we serve it and the ones after; the successor
		 * has started by the time we are used up.
		 */
		if (used >= retire_at)
			continue;
		if (s->chan && ff_master_notify(s->chan, FF_MASTER_AVAIL) < 0) {
			rc = FF_SERVER_GONE;
			break;
		}
	}
out:
	close(ep);
	return rc;
}

/* ------------------------------------------------------------ the handle */

struct ff_server *
ff_server_new(void)
{
	return calloc(1, sizeof(struct ff_server));
}

void
ff_server_free(struct ff_server *s)
{
	free(s);
}

int
ff_server_add_listen(struct ff_server *s, int fd)
{
	if (s->nlisten >= FF_MASTER_MAX_LISTEN) {
		errno = EMFILE;
		return -1;
	}
	s->lfd[s->nlisten++] = fd;
	return 0;
}

void
ff_server_set_master(struct ff_server *s, struct ff_master *chan)
{
	s->chan = chan;
}

struct ff_master *
ff_server_master(const struct ff_server *s)
{
	return s->chan;
}

void
ff_server_set_max_idle(struct ff_server *s, long ms)
{
	s->idle_ms = ms;
}

void
ff_server_set_max_use(struct ff_server *s, long count)
{
	s->max_use = count;
}

void
ff_server_set_serve(struct ff_server *s, ff_server_serve_cb *serve, void *ctx)
{
	s->serve = serve;
	s->ctx = ctx;
}

void
ff_server_set_late_taken(struct ff_server *s, int late)
{
	s->late_taken = late;
}
