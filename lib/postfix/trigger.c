/*
 * trigger.c - wake up the queue manager (see trigger.h)
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "postfix/attr0.h"
#include "util/fmt.h"
#include "util/msg.h"
#include "util/sfile.h"
#include "postfix/spool.h"
#include "postfix/trigger.h"

static long
elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/*
 * twarn - the first failed trigger is a warning; the rest (a refresh of
 * thousands of logs without a queue manager) only debug lines, counted
 * and summed up when the spool is closed
 */
static void __attribute__((format(printf, 2, 3)))
twarn(struct ff_spool *sp, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (sp->trigger_failures++ == 0)
		ff_msg_warn("%s", buf);
	else
		ff_msg_debug("%s", buf);
}

/* socket_path - sun_path for public/<service>, via /proc when too long */
static int
socket_path(struct ff_spool *sp, int pubfd, const char *service, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (ff_fmt(sun->sun_path, sizeof(sun->sun_path), "%s/public/%s", sp->queue_dir,
	    service) >= 0)
		return 0;
	return ff_fmt(sun->sun_path, sizeof(sun->sun_path), "/proc/self/fd/%d/%s", pubfd,
	    service) < 0 ? -1 : 0;
}

static int
trigger_socket(struct ff_spool *sp, int pubfd, const char *service, const char *req, size_t len)
{
	struct sockaddr_un sun;
	struct timespec start;
	struct pollfd pfd;
	char buf[64];
	size_t off = 0, total;
	ssize_t n;
	int fd, rc = -1;

	if (len + 1 > sizeof(buf) || socket_path(sp, pubfd, service, &sun) < 0)
		return -1;
	memcpy(buf, req, len);
	buf[len] = 0;
	total = len + 1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		twarn(sp, "public/%s: socket: %s", service, strerror(errno));
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	/* a full listen queue says EAGAIN: retry until the time-out */
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			twarn(sp, "connect to public/%s: %s", service, strerror(errno));
			goto out;
		}
		if (sp->trigger_stalled || elapsed_ms(&start) >= sp->trigger_timeout_ms) {
			twarn(sp, "connect to public/%s: %s", service, sp->trigger_stalled ?
			    "not accepting (timed out before: not waiting again)" : "timed out");
			sp->trigger_stalled = 1;
			goto out;
		}
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	while (off < total) {
		if ((n = send(fd, buf + off, total - off, MSG_NOSIGNAL)) >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno != EAGAIN && errno != EINTR) {
			twarn(sp, "write to public/%s: %s", service, strerror(errno));
			goto out;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		long left = sp->trigger_stalled ? 0 : sp->trigger_timeout_ms - elapsed_ms(&start);
		if (left <= 0) {
			twarn(sp, "write to public/%s: timed out", service);
			sp->trigger_stalled = 1;
			goto out;
		}
		/* a wait over ff_poll_ms()'s bound comes back here to wait on */
		if (poll(&pfd, 1, ff_poll_ms(left)) < 0 && errno != EINTR) {
			twarn(sp, "write to public/%s: %s", service, strerror(errno));
			goto out;
		}
	}
	rc = 0;
	sp->trigger_stalled = 0;	/* the queue manager takes triggers again */
out:
	close(fd);
	return rc;
}

static int
trigger_fifo(struct ff_spool *sp, int pubfd, const char *service, const char *req, size_t len)
{
	struct stat st;
	int fd, rc = 0;

	fd = openat(pubfd, service, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENXIO)	/* nobody reads the FIFO: qmgr is not running */
			ff_msg_info("public/%s: no reader", service);
		else
			twarn(sp, "open public/%s: %s", service, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode) || st.st_nlink > 1) {
		twarn(sp, "public/%s: not a FIFO with one link; not writing", service);
		rc = -1;
	} else if (ff_write_all(fd, req, len) < 0) {
		twarn(sp, "write public/%s: %s", service, strerror(errno));
		rc = -1;
	}
	close(fd);
	return rc;
}

int
ff_trigger(struct ff_spool *sp, const char *service, const char *req, size_t len)
{
	struct stat st;
	int pubfd, rc;

	if (!ff_service_name_ok(service)) {
		ff_msg_warn("bad service name \"%.100s\"; not sending a trigger", service);
		return -1;
	}
	if (sp->pubfd < 0) {
		sp->pubfd = openat(sp->qfd, "public", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sp->pubfd < 0) {
			twarn(sp, "unable to look up public/%s: %s", service, strerror(errno));
			return -1;
		}
	}
	pubfd = sp->pubfd;
	if (fstatat(pubfd, service, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		twarn(sp, "unable to look up public/%s: %s", service, strerror(errno));
		rc = -1;
	} else if (S_ISSOCK(st.st_mode)) {
		rc = trigger_socket(sp, pubfd, service, req, len);
	} else if (S_ISFIFO(st.st_mode)) {
		rc = trigger_fifo(sp, pubfd, service, req, len);
	} else {
		twarn(sp, "public/%s is not a socket or a fifo", service);
		rc = -1;
	}
	if (rc == 0)
		ff_msg_debug("trigger public/%s: %.*s", service, (int)len, req);
	return rc;
}

int
ff_trigger_qmgr(struct ff_spool *sp, char request)
{
	return ff_trigger(sp, ff_conf_get(sp->conf, "queue_service_name"), &request, 1);
}
