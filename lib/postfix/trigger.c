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
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "postfix/attr0.h"
#include "util/clock.h"
#include "util/fmt.h"
#include "util/msg.h"
#include "util/sfile.h"
#include "postfix/spool_int.h"
#include "postfix/trigger.h"

/*
 * The trigger's state, kept with the spool (spool_int.h): public/ once
 * opened, how many triggers failed, and whether one timed out.
 */
struct trig {
	const char *queue_dir;
	int pubfd;		/* -1 until used */
	long timeout_ms;	/* trigger_timeout */
	unsigned long failures;	/* only the first is a warning */
	int stalled;		/* a trigger timed out: never wait again */
};

static const char trig_key;

static void
trig_release(void *p)
{
	struct trig *t = p;

	if (t->pubfd >= 0)
		close(t->pubfd);
	if (t->failures > 1)
		ff_msg_warn("%lu more queue manager triggers failed the same way",
		    t->failures - 1);
	free(t);
}

/* trig_of - the spool's trigger state, made on first use */
static struct trig *
trig_of(struct ff_spool *sp)
{
	struct trig *t = ff_spool_state(sp, &trig_key);

	if (t != NULL)
		return t;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		ff_msg_warn("queue manager trigger: %s", strerror(ENOMEM));
		return NULL;
	}
	t->queue_dir = ff_spool_path(sp);
	t->pubfd = -1;
	/* ff_conf_check() has checked it: this cannot fail */
	if (ff_conf_time_ms(ff_spool_conf(sp), "trigger_timeout", &t->timeout_ms, NULL) < 0)
		t->timeout_ms = 0;
	if (ff_spool_keep(sp, &trig_key, t, trig_release) < 0) {
		ff_msg_warn("queue manager trigger: no room for its state");
		free(t);
		return NULL;
	}
	return t;
}

/*
 * twarn - the first failed trigger is a warning; the rest (a refresh of
 * thousands of logs without a queue manager) only debug lines, counted
 * and summed up when the spool is closed
 */
static void __attribute__((format(printf, 2, 3)))
twarn(struct trig *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (t->failures++ == 0)
		ff_msg_warn("%s", buf);
	else
		ff_msg_debug("%s", buf);
}

/* socket_path - sun_path for public/<service>, via /proc when too long */
static int
socket_path(struct trig *t, const char *service, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (ff_fmt(sun->sun_path, sizeof(sun->sun_path), "%s/public/%s", t->queue_dir,
	    service) >= 0)
		return 0;
	return ff_fmt(sun->sun_path, sizeof(sun->sun_path), "/proc/self/fd/%d/%s", t->pubfd,
	    service) < 0 ? -1 : 0;
}

static int
trigger_socket(struct trig *t, const char *service, const char *req, size_t len)
{
	struct sockaddr_un sun;
	long start;
	struct pollfd pfd;
	char buf[64];
	size_t off = 0, total;
	ssize_t n;
	int fd, rc = -1;

	if (len + 1 > sizeof(buf) || socket_path(t, service, &sun) < 0)
		return -1;
	memcpy(buf, req, len);
	buf[len] = 0;
	total = len + 1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		twarn(t, "public/%s: socket: %s", service, strerror(errno));
		return -1;
	}
	start = ff_now_ms();
	/* a full listen queue says EAGAIN: retry until the time-out */
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			twarn(t, "connect to public/%s: %s", service, strerror(errno));
			goto out;
		}
		if (t->stalled || (ff_now_ms() - start) >= t->timeout_ms) {
			twarn(t, "connect to public/%s: %s", service, t->stalled ?
			    "not accepting (timed out before: not waiting again)" : "timed out");
			t->stalled = 1;
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
			twarn(t, "write to public/%s: %s", service, strerror(errno));
			goto out;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		long left = t->stalled ? 0 : t->timeout_ms - (ff_now_ms() - start);
		if (left <= 0) {
			twarn(t, "write to public/%s: timed out", service);
			t->stalled = 1;
			goto out;
		}
		/* a wait over ff_poll_ms()'s bound comes back here to wait on */
		if (poll(&pfd, 1, ff_poll_ms(left)) < 0 && errno != EINTR) {
			twarn(t, "write to public/%s: %s", service, strerror(errno));
			goto out;
		}
	}
	rc = 0;
	t->stalled = 0;	/* the queue manager takes triggers again */
out:
	close(fd);
	return rc;
}

static int
trigger_fifo(struct trig *t, const char *service, const char *req, size_t len)
{
	struct stat st;
	int fd, rc = 0;

	fd = openat(t->pubfd, service, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENXIO)	/* nobody reads the FIFO: qmgr is not running */
			ff_msg_info("public/%s: no reader", service);
		else
			twarn(t, "open public/%s: %s", service, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode) || st.st_nlink > 1) {
		twarn(t, "public/%s: not a FIFO with one link; not writing", service);
		rc = -1;
	} else if (ff_write_all(fd, req, len) < 0) {
		twarn(t, "write public/%s: %s", service, strerror(errno));
		rc = -1;
	}
	close(fd);
	return rc;
}

int
ff_trigger(struct ff_spool *sp, const char *service, const char *req, size_t len)
{
	struct trig *t;
	struct stat st;
	int rc;

	if (!ff_service_name_ok(service)) {
		ff_msg_warn("bad service name \"%.100s\"; not sending a trigger", service);
		return -1;
	}
	if ((t = trig_of(sp)) == NULL)
		return -1;
	if (t->pubfd < 0) {
		t->pubfd = openat(ff_spool_fd(sp), "public", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (t->pubfd < 0) {
			twarn(t, "unable to look up public/%s: %s", service, strerror(errno));
			return -1;
		}
	}
	if (fstatat(t->pubfd, service, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		twarn(t, "unable to look up public/%s: %s", service, strerror(errno));
		rc = -1;
	} else if (S_ISSOCK(st.st_mode)) {
		rc = trigger_socket(t, service, req, len);
	} else if (S_ISFIFO(st.st_mode)) {
		rc = trigger_fifo(t, service, req, len);
	} else {
		twarn(t, "public/%s is not a socket or a fifo", service);
		rc = -1;
	}
	if (rc == 0)
		ff_msg_debug("trigger public/%s: %.*s", service, (int)len, req);
	return rc;
}

int
ff_trigger_qmgr(struct ff_spool *sp, char request)
{
	return ff_trigger(sp, ff_conf_get(ff_spool_conf(sp), "queue_service_name"), &request, 1);
}
