/*
 * fflushd - one-shot fast flush server: one request on stdin, the reply on stdout
 *
 *	fflushd [-v] [-c dir] [-o name=value] [-t time] [-a list] [--postfix | --text]
 *
 * For inetd (nowait), xinetd, systemd Accept=yes sockets and socat EXEC:.
 * Speaks Postfix's flush protocol byte for byte and a text protocol.
 * See fflushd(8).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "fastflush.h"

/* listening mode: processes taking turns at accepting connections */
#define FFLUSHD_WORKERS	8

static struct ff_cli cli;
static int timeout_fixed;	/* -t: ipc_timeout is not read */

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: fflushd [-v] [-c dir] [-o name=value] [-t time] [-a list] [--postfix | --text]\n"
	    "\n"
	    "Serve one fast flush request read from standard input and write the reply\n"
	    "to standard output (inetd, xinetd, systemd Accept=yes, socat EXEC:). Speaks\n"
	    "Postfix's flush protocol, for postqueue, sendmail, smtpd's ETRN and the\n"
	    "delivery agents, and a text protocol, one line each way: add SITE ID,\n"
	    "send SITE, send-file ID, refresh, purge, help.\n"
	    "\n"
	    "  -c, --config DIR     Postfix configuration directory (main.cf)\n"
	    "  -o NAME=VALUE        override a main.cf parameter (repeatable)\n"
	    "  -t, --timeout TIME   time limit for reading the request (ipc_timeout)\n"
	    "  -a, --allow LIST     requests served, e.g. send,send-file (default: all)\n"
	    "      --postfix        Postfix's protocol only (greet at once)\n"
	    "      --text           the text protocol only\n"
	    "  -v, --verbose        log more (to syslog; to stderr unless it is the client)\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        version\n"
	    "\n"
	    "Exit: 0 request served (its outcome is in the reply), 64 usage,\n"
	    "78 configuration, 71 reply not written.\n");
}

/* same_file - are two descriptors the same open socket or file? */
static int
same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	    sa.st_ino == sb.st_ino;
}

/* peer - who is asking on fd, for the log */
static void
peer(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[INET6_ADDRSTRLEN];
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	const char *env;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &in->sin_addr, addr, sizeof(addr));
			snprintf(buf, size, "%s:%u", addr, ntohs(in->sin_port));
			return;
		}
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr));
			snprintf(buf, size, "[%s]:%u", addr, ntohs(in6->sin6_port));
			return;
		}
		if (ss.ss_family == AF_UNIX &&
		    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == 0) {
			snprintf(buf, size, "local pid=%ld uid=%ld", (long)cr.pid, (long)cr.uid);
			return;
		}
	}
	if ((env = getenv("REMOTE_ADDR")) != NULL || (env = getenv("TCPREMOTEIP")) != NULL) {
		char safe[4 * 64 + 8];

		snprintf(buf, size, "%s", ff_msg_safe(env, strnlen(env, 64), safe, sizeof(safe)));
		return;
	}
	snprintf(buf, size, "stdin");
}

static unsigned
parse_allow(const char *list)
{
	const char *cursor = list, *w;
	unsigned bits = 0, b;
	size_t len;
	char word[32];

	while ((w = ff_list_next(&cursor, &len)) != NULL) {
		if (len >= sizeof(word))
			return 0;
		memcpy(word, w, len);
		word[len] = 0;
		if ((b = ff_flushd_request_bit(word)) == 0)
			return 0;
		bits |= b;
	}
	return bits;
}

/* log_outcome - one line per request, with the peer */
static void
log_outcome(const struct ff_flushd *d, const char *who)
{
	char what[700];

	snprintf(what, sizeof(what), "%s%s%s%s%s", d->request[0] ? d->request : "(none)",
	    d->site[0] ? " site=" : "", d->site, d->queue_id[0] ? " queue_id=" : "",
	    d->queue_id);
	if (d->st == FF_OK || d->st == FF_NOTHING) {
		/* served requests are logged with -v only, as Postfix's flush does */
		if (ff_verbose > 0)
			ff_msg_info("%s: %s %s: %s", who, d->proto == FF_PROTO_TEXT ? "text" : "postfix",
			    what, ff_status_name(d->st));
	} else {
		ff_msg_warn("%s: %s %s: %s%s%s", who, d->proto == FF_PROTO_TEXT ? "text" :
		    "postfix", what, ff_status_name(d->st), d->err.msg[0] ? ": " : "", d->err.msg);
	}
}

/*
 * request_conf - follow "postfix reload" before a request of the listening
 * mode: main.cf read again when it changed (its ipc_timeout too, unless -t
 * set it), fast_flush_domains when one of its tables changed. A
 * configuration that cannot be read fails the request with the reason.
 */
static struct ff_spool *
request_conf(struct ff_flushd *d)
{
	struct ff_err e = { .status = FF_OK };
	long ms;

	if (ff_cli_reload(&cli, &e) < 0 ||
	    (!timeout_fixed && ff_conf_time_ms(cli.conf, "ipc_timeout", &ms, &e) < 0)) {
		ff_msg_error("%s", e.msg);
		d->err = e;
		return NULL;
	}
	if (!timeout_fixed)
		d->timeout_ms = ms;
	return cli.sp;
}

/*
 * worker - serve connections from lfd one after the other, in this
 * process (configuration, spool and privileges are set up already; the
 * spool's cached directories and fast_flush_domains are reused). Returns
 * WORKER_IDLE after max_idle without a connection, WORKER_USED after
 * max_use requests (the parent starts a fresh worker).
 */
#define WORKER_IDLE	0
#define WORKER_USED	3

static int
worker(int lfd, const struct ff_flushd *proto, long idle_ms, long max_use)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	struct ff_flushd d;
	struct ff_spool *sp;
	char who[256];
	long used = 0;
	int cfd, r;

	while (used < max_use) {
		r = poll(&pfd, 1, idle_ms > INT_MAX ? INT_MAX : (int)idle_ms);
		if (r == 0)
			return WORKER_IDLE;
		if (r < 0)
			continue;
		/* another worker may have taken it: the socket is non-blocking */
		if ((cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
			if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
				ff_msg_warn("accept: %s", strerror(errno));
			continue;
		}
		used++;
		d = *proto;
		sp = request_conf(&d);
		peer(cfd, who, sizeof(who));
		if (ff_flushd_serve(&d, sp, cfd, cfd) < 0)
			ff_msg_warn("%s: %s", who, d.err.msg);
		log_outcome(&d, who);
		close(cfd);
	}
	return WORKER_USED;
}

/*
 * serve_many - the listening mode: FFLUSHD_WORKERS processes take turns
 * accepting, a worker that has served max_use requests is replaced, and
 * when every worker has been idle for max_idle the server exits (the
 * super-server starts it again on the next connection)
 */
static int
serve_many(int lfd, const struct ff_flushd *proto, long idle_ms, long max_use)
{
	int live = 0, st, fl;
	pid_t pid;

	if ((fl = fcntl(lfd, F_GETFL)) < 0 || fcntl(lfd, F_SETFL, fl | O_NONBLOCK) < 0)
		return ff_msg_error("listening socket: %s", strerror(errno)), EX_OSERR;
	for (int i = 0; i < FFLUSHD_WORKERS; i++) {
		if ((pid = fork()) == 0)
			_exit(worker(lfd, proto, idle_ms, max_use));
		if (pid > 0)
			live++;
	}
	while (live > 0) {
		if ((pid = waitpid(-1, &st, 0)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (WIFEXITED(st) && WEXITSTATUS(st) == WORKER_USED) {
			if (fork() == 0)
				_exit(worker(lfd, proto, idle_ms, max_use));
			continue;
		}
		if (!WIFEXITED(st))
			ff_msg_warn("worker %ld died (signal %d)", (long)pid, WTERMSIG(st));
		live--;
	}
	return live == 0 ? EX_OK : EX_OSERR;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		FF_CLI_LONG,
		{ "timeout", required_argument, NULL, 't' },
		{ "allow", required_argument, NULL, 'a' },
		{ "postfix", no_argument, NULL, 'P' },
		{ "text", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct ff_flushd d;
	struct ff_err e = { .status = FF_OK };
	const char *timeout = NULL;
	char who[256];
	long secs = 0, ms = 0;
	int opt, r, lfd;

	ff_cli_init(&cli, argv);
	ff_flushd_defaults(&d);
	while ((opt = ff_cli_getopt(&cli, argc, argv, "t:a:", longopts, usage)) != -1) {
		switch (opt) {
		case FF_CLI_EXIT:
			return cli.exit;
		case 't':
			timeout = optarg;
			break;
		case 'a':
			if ((d.allow = parse_allow(optarg)) == 0) {
				fprintf(stderr, "fflushd: bad --allow list: %s (add, send, send-file, "
				    "refresh, purge)\n", optarg);
				return EX_USAGE;
			}
			break;
		case 'P':
			d.mode = FF_FLUSHD_POSTFIX;
			break;
		case 'T':
			d.mode = FF_FLUSHD_TEXT;
			break;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (timeout && ff_parse_time(timeout, 's', &secs) < 0) {
		fprintf(stderr, "fflushd: bad time-out: %s\n", timeout);
		return EX_USAGE;
	}
	timeout_fixed = timeout != NULL;
	/* the client's stream carries protocol bytes only */
	if (same_file(2, 0) || same_file(2, 1))
		ff_msg_stderr(FF_MSG_STDERR_NONE);
	signal(SIGPIPE, SIG_IGN);
	lfd = ff_listen_inherited();
	peer(0, who, sizeof(who));

	if (ff_cli_open(&cli, &e) < 0) {
		/* answer anyway: every request then fails, and the log says why */
		ff_msg_error("%s", e.msg);
		d.err = e;
	} else if (!timeout && ff_conf_time_ms(cli.conf, "ipc_timeout", &ms, &e) < 0) {
		ff_msg_error("%s", e.msg);
		d.err = e;
		ff_cli_close(&cli);
	}
	if (timeout)
		ms = ff_time_ms(secs);
	if (timeout || cli.sp)
		d.timeout_ms = ms;
	if (lfd >= 0) {
		long idle = 100 * 1000L, max_use = 100;

		if (cli.conf && (ff_conf_time_ms(cli.conf, "max_idle", &idle, &e) < 0 ||
		    ff_conf_long(cli.conf, "max_use", 1, 1000000, &max_use, &e) < 0)) {
			ff_msg_error("%s", e.msg);
			return ff_status_exit(e.status);
		}
		r = serve_many(lfd, &d, idle, max_use);
		ff_cli_close(&cli);
		return r;
	}
	r = ff_flushd_serve(&d, cli.sp, 0, 1);
	log_outcome(&d, who);
	if (r < 0)
		ff_msg_error("%s: %s", who, d.err.msg);
	ff_cli_close(&cli);
	if (r < 0)
		return EX_OSERR;
	return e.status != FF_OK ? ff_status_exit(e.status) : EX_OK;
}
