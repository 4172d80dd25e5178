/*
 * unix-serve - run a server command behind a listening UNIX stream socket
 *
 *	unix-serve [-m] PATH -- CMD [ARG...]
 *
 * Test helper for the table tests (tests/interop/table_*.bats). Binds a
 * UNIX stream socket at PATH (a stale one is removed first; mode 0666)
 * and listens, then goes to the background: the parent prints the
 * server's pid on standard output and exits 0 once PATH accepts
 * connections, so that "pid=$(unix-serve ...)" returns when the server
 * is ready (the server keeps no descriptor of its caller's but standard
 * error).
 *
 * Default: every connection is accepted and runs CMD with the connection
 * as its standard input and output (inetd's "nowait"), e.g. a fake
 * server written in Perl or a command that never answers.
 *
 * -m: CMD is a Postfix daemon started as its master(8) starts it (e.g.
 * "proxymap -l -t unix"): CMD runs once, with the listening socket as
 * descriptor 6 and one end of a socketpair as descriptor 5 (the master
 * status channel: held open, what CMD writes there is read and
 * dropped), standard input and output /dev/null. The server exits when
 * CMD does, with CMD's exit status.
 *
 * SIGTERM or SIGINT: the command(s) get SIGTERM (SIGKILL after 2 s),
 * PATH is removed, exit 0. Exit status 125 on a set-up error.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_KIDS	256

static volatile sig_atomic_t stop;
static pid_t kids[MAX_KIDS];
static int nkids;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: unix-serve [-m] PATH -- CMD [ARG...]\n");
	exit(125);
}

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "unix-serve: %s: %s\n", what, strerror(errno));
	exit(125);
}

/* spawn - CMD with in/out as fds 0 and 1 (and, with -m, 5 and 6) */
static pid_t
spawn(char **cmd, int in, int out, int status_fd, int listen_fd)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (status_fd >= 0) {
		/* out of the way first: either may already be 5 or 6 */
		int st = fcntl(status_fd, F_DUPFD, 20), l = fcntl(listen_fd, F_DUPFD, 20);

		if (st < 0 || l < 0 || dup2(st, 5) < 0 || dup2(l, 6) < 0)
			_exit(125);
		close(st);
		close(l);
	}
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0)
		_exit(125);
	closefrom(status_fd >= 0 ? 7 : 3);
	execvp(cmd[0], cmd);
	fprintf(stderr, "unix-serve: %s: %s\n", cmd[0], strerror(errno));
	_exit(127);
}

/* reap - collect finished commands; the exit status of the last */
static int
reap(int flags, int *status)
{
	int st, found = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &st, flags)) > 0) {
		for (int i = 0; i < nkids; i++)
			if (kids[i] == pid) {
				kids[i] = kids[--nkids];
				break;
			}
		*status = st;
		found = 1;
		if (flags == 0)
			break;
	}
	return found;
}

/* finish - stop every command still running */
static void
finish(void)
{
	int st;

	for (int i = 0; i < nkids; i++)
		kill(kids[i], SIGTERM);
	for (int n = 0; n < 200 && nkids > 0; n++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (!reap(WNOHANG, &st))
			nanosleep(&ts, NULL);
	}
	for (int i = 0; i < nkids; i++)
		kill(kids[i], SIGKILL);
	while (nkids > 0 && reap(0, &st))
		;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sigaction sa = { .sa_handler = on_signal };
	int opt, master = 0, lfd, null, sp[2], st = 0;
	const char *path;
	char **cmd;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+m")) != -1) {
		if (opt != 'm')
			usage();
		master = 1;
	}
	if (optind >= argc)
		usage();
	path = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc)
		usage();
	cmd = argv + optind;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "unix-serve: %s: path too long\n", path);
		return 125;
	}
	unlink(path);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		die("socket");
	if (bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die(path);
	if (chmod(path, 0666) < 0 || listen(lfd, 128) < 0)
		die(path);
	fflush(stdout);
	if ((pid = fork()) < 0)
		die("fork");
	if (pid > 0) {
		printf("%ld\n", (long)pid);
		return 0;
	}
	/* nothing of the caller's stays open but standard error (bats waits for fd 3) */
	if (lfd != 3 && (dup2(lfd, 3) < 0 || close(lfd) < 0))
		die("dup2");
	lfd = 3;
	closefrom(4);
	if ((null = open("/dev/null", O_RDWR)) < 0)
		die("/dev/null");
	dup2(null, 0);
	dup2(null, 1);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (master) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0)
			die("socketpair");
		if ((kids[0] = spawn(cmd, null, null, sp[1], lfd)) < 0)
			die("fork");
		nkids = 1;
		close(sp[1]);
		close(lfd);
		while (!stop && nkids > 0) {
			struct pollfd pfd = { .fd = sp[0], .events = POLLIN };
			char junk[4096];

			/* the status channel stays open; after its end, poll only waits */
			if (poll(&pfd, 1, 100) > 0 && read(sp[0], junk, sizeof(junk)) <= 0)
				sp[0] = -1;
			reap(WNOHANG, &st);
		}
		finish();
		unlink(path);
		if (stop)
			return 0;
		return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	while (!stop) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		int c;

		reap(WNOHANG, &st);
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		if (nkids < MAX_KIDS && (pid = spawn(cmd, c, c, -1, -1)) > 0)
			kids[nkids++] = pid;
		close(c);
	}
	close(lfd);
	finish();
	unlink(path);
	return 0;
}
