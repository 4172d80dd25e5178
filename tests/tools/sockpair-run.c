/*
 * sockpair-run - run a one-shot server on a socketpair and capture its reply
 *
 *	sockpair-run [-t SECONDS] [-s SPLIT] [-w] -- CMD ARGS...
 *
 * Test helper for the differential tests against Postfix (tests/interop)
 * and for make bench. Creates a socketpair(AF_UNIX, SOCK_STREAM); CMD gets
 * one end as standard input AND standard output (standard error is
 * inherited), as inetd or Postfix's "flush -S" expect. Everything read from
 * our standard input (the request, NUL bytes allowed) is written to the
 * other end in one write; with -s N, the first N bytes, a 200 ms pause,
 * then the rest (to exercise Postfix's FIONREAD peek). The write side is
 * left open (Postfix flush peeks at what is readable and a shut-down side
 * changes nothing it would see, but an open one is what a real client
 * does); -w shuts it down after the request, for "client closed" cases.
 *
 * The reply is read until end of file, i.e. until CMD (and anything that
 * inherited its end) has closed it, which for Postfix's rfrsh and purge
 * means after the work is done; bounded by -t (default 10 s), after which
 * CMD is killed. The raw reply goes to standard output. Exit status: CMD's
 * exit status, 128+signal if it was killed, 124 after a time-out, 125 on a
 * setup error, 127 if CMD could not be executed.
 */
#include <sys/socket.h>
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

#define SPLIT_PAUSE_MS	200

static void
usage(void)
{
	fprintf(stderr, "usage: sockpair-run [-t SECONDS] [-s SPLIT] [-w] -- CMD ARGS...\n");
	exit(125);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* append - grow *buf to hold len more bytes at *used */
static int
append(char **buf, size_t *used, size_t *cap, const char *data, size_t len)
{
	if (*used + len > *cap) {
		size_t ncap = *cap ? *cap : 4096;
		char *nbuf;

		while (ncap < *used + len)
			ncap *= 2;
		if ((nbuf = realloc(*buf, ncap)) == NULL)
			return -1;
		*buf = nbuf;
		*cap = ncap;
	}
	memcpy(*buf + *used, data, len);
	*used += len;
	return 0;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char *req = NULL, *reply = NULL, chunk[65536];
	size_t req_len = 0, req_cap = 0, reply_len = 0, reply_cap = 0;
	size_t sent = 0, split = 0;
	long timeout_ms = 10000, deadline, resume_at = 0;
	int opt, sv[2], status, timed_out = 0, eof = 0, shut = 0, want_shut = 0;
	pid_t pid;
	ssize_t n;

	while ((opt = getopt(argc, argv, "+t:s:w")) != -1) {
		char *end;

		switch (opt) {
		case 't': {
			double secs = strtod(optarg, &end);

			if (*end != 0 || secs <= 0 || secs > 86400)
				usage();
			timeout_ms = (long)(secs * 1000);
			break;
		}
		case 's': {
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end != 0 || end == optarg)
				usage();
			split = v;
			break;
		}
		case 'w':
			want_shut = 1;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();

	/* the whole request first, so that it can go out in one write */
	while ((n = read(0, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("sockpair-run: read standard input");
			return 125;
		}
		if (append(&req, &req_len, &req_cap, chunk, (size_t)n) < 0) {
			perror("sockpair-run: malloc");
			return 125;
		}
	}
	if (split == 0 || split >= req_len)
		split = req_len;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("sockpair-run: socketpair");
		return 125;
	}
	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);
	if ((pid = fork()) < 0) {
		perror("sockpair-run: fork");
		return 125;
	}
	if (pid == 0) {
		/* dup2 clears close-on-exec on the copies */
		if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0)
			_exit(125);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "sockpair-run: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	if (fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK) < 0) {
		perror("sockpair-run: fcntl");
		kill(pid, SIGKILL);
		return 125;
	}

	deadline = now_ms() + timeout_ms;
	while (!eof) {
		struct pollfd pfd = { .fd = sv[0], .events = POLLIN };
		long now = now_ms(), wait_ms = deadline - now;
		size_t limit = sent < split ? split : req_len;
		int can_send = sent < limit && now >= resume_at;

		if (wait_ms <= 0) {
			timed_out = 1;
			break;
		}
		if (can_send)
			pfd.events |= POLLOUT;
		else if (sent < req_len && resume_at - now < wait_ms)
			wait_ms = resume_at - now;	/* the pause of -s */
		if (poll(&pfd, 1, (int)wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			perror("sockpair-run: poll");
			break;
		}
		if (can_send && (pfd.revents & (POLLOUT | POLLERR | POLLHUP))) {
			n = write(sv[0], req + sent, limit - sent);
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				/* the server went away: read what it said */
				sent = req_len;
			} else if (n > 0) {
				sent += (size_t)n;
				if (sent == split && split < req_len)
					resume_at = now_ms() + SPLIT_PAUSE_MS;
			}
		}
		if (want_shut && !shut && sent == req_len) {
			shutdown(sv[0], SHUT_WR);
			shut = 1;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(sv[0], chunk, sizeof(chunk));
			if (n > 0) {
				if (append(&reply, &reply_len, &reply_cap, chunk, (size_t)n) < 0) {
					perror("sockpair-run: malloc");
					break;
				}
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				eof = 1;
			}
		}
	}
	if (!eof) {
		if (timed_out)
			fprintf(stderr, "sockpair-run: %s: no end of reply after %ld ms; killed\n",
			    argv[optind], timeout_ms);
		kill(pid, SIGKILL);
	}
	close(sv[0]);
	if (reply_len > 0 && write_all(1, reply, reply_len) < 0) {
		perror("sockpair-run: write standard output");
		kill(pid, SIGKILL);
	}
	/* EOF on the socket does not mean the process is gone: wait for it */
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("sockpair-run: waitpid");
			return 125;
		}
	}
	free(req);
	free(reply);
	if (timed_out)
		return 124;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
