/*
 * unixsock.c - connect to a UNIX-domain stream socket (see unixsock.h)
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/unixsock.h"

int
ff_unix_connect(const char *path, long timeout_ms, struct ff_err *e)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct pollfd pfd;
	int fd, err = 0;
	socklen_t len = sizeof(err);

	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >= sizeof(sun.sun_path))
		return ff_err_set(e, FF_CONFIG, "socket path too long: %s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return ff_err_sys(e, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno != EINPROGRESS && errno != EAGAIN) {
			ff_err_sys(e, errno, "connect to %s", path);
			e->status = FF_TEMP;
			close(fd);
			return -1;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, ff_poll_ms(timeout_ms)) <= 0 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
			ff_err_sys(e, err ? err : ETIMEDOUT, "connect to %s", path);
			e->status = FF_TEMP;
			close(fd);
			return -1;
		}
	}
	return fd;
}
