/*
 * scstart.c - a connection cache server started on demand (see scclnt.h)
 *
 * What ff_scclnt_open() does when nothing answers: a server with the
 * caller's settings, in a daemon of its own session (forked twice, its
 * standard descriptors /dev/null, nothing else of the caller's open),
 * that exits after its max_idle without clients. Called by scclnt.c; it
 * calls the server (scached.h) only.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/msg.h"
#include "scache/scached_int.h"

/* sc_start - a server for private/service, as a daemon; 0 when one runs */
int
sc_start(int privfd, const char *service, const struct ff_scached *settings, struct ff_err *e)
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
