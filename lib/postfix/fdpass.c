/*
 * fdpass.c - descriptor passing (SCM_RIGHTS) and inherited listening sockets
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postfix/fdpass.h"

/* one descriptor's control data, and the one-byte message that carries it */
struct onefd {
	char byte;
	struct iovec iov;
	struct msghdr m;
	union {			/* last: clang calls its size variable */
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
};

static void
onefd_init(struct onefd *o)
{
	memset(o, 0, sizeof(*o));
	o->iov.iov_base = &o->byte;
	o->iov.iov_len = 1;
	o->m.msg_iov = &o->iov;
	o->m.msg_iovlen = 1;
	o->m.msg_control = o->ctl.space;
	o->m.msg_controllen = sizeof(o->ctl.space);
}

int
ff_fd_send(int sock, int fd)
{
	struct onefd o;
	struct cmsghdr *c;
	ssize_t n;

	onefd_init(&o);
	c = CMSG_FIRSTHDR(&o.m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		n = sendmsg(sock, &o.m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

/* close_rights - close every descriptor carried by the control data */
static void
close_rights(struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			ff_fd_close(fd);
		}
	}
}

int
ff_fd_recv(int sock, int *fd)
{
	struct onefd o;
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	onefd_init(&o);
	do
		n = recvmsg(sock, &o.m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0) {
		errno = 0;
		return -1;
	}
	c = CMSG_FIRSTHDR(&o.m);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)) && CMSG_NXTHDR(&o.m, c) == NULL) {
		memcpy(fd, CMSG_DATA(c), sizeof(int));
		return 1;
	}
	if (c)
		close_rights(&o.m);
	return 0;
}

int
ff_listen_inherited(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	int on = 0;
	socklen_t len = sizeof(on);

	if (fds && pid && strcmp(fds, "1") == 0 && atol(pid) == (long)getpid() &&
	    getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on)
		return 3;
	len = sizeof(on);
	if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on)
		return 0;
	return -1;
}

void
ff_fd_close(int fd)
{
	struct linger l;
	socklen_t len = sizeof(l);
	int saved = errno;

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len) == 0 && l.l_onoff) {
		l.l_onoff = 0;
		l.l_linger = 0;
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	close(fd);
	errno = saved;
}
