/*
 * fflushd - fast flush server: one request on stdin, a listening socket's
 * worker pool, or a daemon under Postfix's master(8)
 *
 *	fflushd [-v] [-c dir] [-o name=value] [-t time] [-a list] [--postfix | --text]
 *
 * For inetd, xinetd, systemd sockets, socat EXEC: and master.cf's flush
 * line. Speaks Postfix's flush protocol byte for byte and a text protocol.
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

/* listening mode: the cap on default_process_limit for the pool */
#define FFLUSHD_MAX_WORKERS	1000

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
	    "Given a listening socket (systemd Accept=no, inetd wait) it serves every\n"
	    "connection with a pool of workers; SIGHUP re-reads main.cf. As the command\n"
	    "of master.cf's flush line (make install-postfix) it takes the arguments of\n"
	    "Postfix's master instead of these.\n"
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

/* log_outcome - one line per request, with the peer (fd: asked only when needed) */
static void
log_outcome(const struct ff_flushd *d, int fd, const char *who)
{
	const char *request = ff_flushd_request(d), *site = ff_flushd_site(d);
	const char *queue_id = ff_flushd_queue_id(d), *msg = ff_flushd_outcome(d)->err.msg;
	enum ff_status st = ff_flushd_status(d);
	int text = ff_flushd_proto(d) == FF_PROTO_TEXT;
	char what[700], buf[256];
	int ok = st == FF_OK || st == FF_NOTHING;

	/* served requests are logged with -v only, as Postfix's flush does */
	if (ok && ff_verbose == 0)
		return;
	if (who == NULL) {
		peer(fd, buf, sizeof(buf));
		who = buf;
	}
	snprintf(what, sizeof(what), "%s%s%s%s%s", request[0] ? request : "(none)",
	    site[0] ? " site=" : "", site, queue_id[0] ? " queue_id=" : "", queue_id);
	if (ok)
		ff_msg_info("%s: %s %s: %s", who, text ? "text" : "postfix", what,
		    ff_status_name(st));
	else
		ff_msg_warn("%s: %s %s: %s%s%s", who, text ? "text" : "postfix", what,
		    ff_status_name(st), msg[0] ? ": " : "", msg);
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
		ff_flushd_set_error(d, &e);
		return NULL;
	}
	if (!timeout_fixed)
		ff_flushd_set_timeout(d, ms);
	return cli.sp;
}

/*
 * a long-lived mode's connections: the request settings, the handle each
 * connection is served with (a copy of them) and the skeleton
 */
struct service {
	struct ff_flushd *proto;
	struct ff_flushd *conn;
	struct ff_server *srv;
};

/*
 * prepare - after the greeting, while the client writes: tell master this
 * process is busy, follow configuration changes
 */
static struct ff_spool *
prepare(void *ctx, struct ff_flushd *d)
{
	struct service *sv = ctx;
	struct ff_master *chan = ff_server_master(sv->srv);

	if (chan)
		(void)ff_master_notify(chan, FF_MASTER_TAKEN);
	return request_conf(d);
}

/* serve_conn - one connection of a long-lived mode (the skeleton's callback) */
static int
serve_conn(void *ctx, int fd)
{
	struct service *sv = ctx;
	struct ff_flushd *d = sv->conn;
	char who[256];

	ff_flushd_copy(d, sv->proto);
	ff_flushd_set_prepare(d, prepare, sv);
	if (ff_flushd_serve(d, NULL, fd, fd) < 0) {
		peer(fd, who, sizeof(who));
		ff_msg_warn("%s: %s", who, ff_flushd_outcome(d)->err.msg);
	}
	log_outcome(d, fd, NULL);
	return 0;
}

/* pool_reload - SIGHUP to the listening mode: read main.cf again, now */
static int
pool_reload(void *ctx)
{
	struct ff_err e = { .status = FF_OK };

	ff_spool_close(cli.sp);
	cli.sp = NULL;
	if (ff_cli_reload(&cli, &e) < 0) {
		ff_msg_error("%s", e.msg);
		return -1;
	}
	return 0;
}

/*
 * long_lived - the server for the listening and master modes (sv->srv):
 * nlisten sockets from lfd on, max_idle, max_use,
 * fastflush_idle_client_timeout (a client that sends nothing cannot hold a
 * process for ipc_timeout) and the pool's cap
 */
static int
long_lived(struct service *sv, int lfd, int nlisten, long *max_workers)
{
	struct ff_server *s;
	struct ff_err e = { .status = FF_OK };
	long first = 5000, idle_ms = 100 * 1000L, max_use = 100;
	socklen_t len;
	int domain;

	*max_workers = 100;
	if (cli.conf && (ff_conf_time_ms(cli.conf, "max_idle", &idle_ms, &e) < 0 ||
	    ff_conf_long(cli.conf, "max_use", 0, 1000000000, &max_use, &e) < 0 ||
	    ff_conf_time_ms(cli.conf, "fastflush_idle_client_timeout", &first, &e) < 0 ||
	    ff_conf_long(cli.conf, "default_process_limit", 1, 1000000000, max_workers,
	    &e) < 0)) {
		ff_msg_error("%s", e.msg);
		return ff_status_exit(e.status);
	}
	if (*max_workers > FFLUSHD_MAX_WORKERS)
		*max_workers = FFLUSHD_MAX_WORKERS;
	ff_flushd_set_first_timeout(sv->proto, first);
	/* every connection has the listening socket's family */
	len = sizeof(domain);
	if (nlisten != 1 || getsockopt(lfd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		domain = 0;
	ff_flushd_set_domain(sv->proto, domain);
	if ((sv->conn = ff_flushd_new()) == NULL || (sv->srv = s = ff_server_new()) == NULL) {
		ff_msg_error("out of memory");
		return EX_OSERR;
	}
	for (int i = 0; i < nlisten; i++)
		if (ff_server_add_listen(s, lfd + i) < 0) {
			ff_msg_error("listening sockets: %s", strerror(errno));
			return EX_OSERR;
		}
	ff_server_set_max_idle(s, idle_ms);
	ff_server_set_max_use(s, max_use);
	ff_server_set_serve(s, serve_conn, sv);
	ff_server_set_late_taken(s, 1);
	return 0;
}

/*
 * open_conf - configuration and timeout; when it fails, every request
 * fails (returns the configuration's status, for the one-shot exit code)
 */
static enum ff_status
open_conf(struct ff_flushd *d, const char *timeout, long secs)
{
	struct ff_err e = { .status = FF_OK };
	long ms = 0;

	if (ff_cli_open(&cli, &e) < 0) {
		/* answer anyway: every request then fails, and the log says why */
		ff_msg_error("%s", e.msg);
		ff_flushd_set_error(d, &e);
	} else if (!timeout && ff_conf_time_ms(cli.conf, "ipc_timeout", &ms, &e) < 0) {
		ff_msg_error("%s", e.msg);
		ff_flushd_set_error(d, &e);
		ff_cli_close(&cli);
	}
	if (timeout)
		ms = ff_time_ms(secs);
	if (timeout || cli.sp)
		ff_flushd_set_timeout(d, ms);
	return e.status;
}

/* serve_stdin - the one-shot mode: one request on stdin, the reply on stdout */
static int
serve_stdin(struct ff_flushd *d, enum ff_status conf_status)
{
	char who[256];
	int r;

	peer(0, who, sizeof(who));
	r = ff_flushd_serve(d, cli.sp, 0, 1);
	log_outcome(d, 0, who);
	if (r < 0)
		ff_msg_error("%s: %s", who, ff_flushd_outcome(d)->err.msg);
	ff_cli_close(&cli);
	if (r < 0)
		return EX_OSERR;
	return conf_status != FF_OK ? ff_status_exit(conf_status) : EX_OK;
}

/*
 * master_main - started by Postfix's master(8) from a master.cf line such
 * as "flush unix n - n 1000? 0 fflushd": master's arguments, its listening
 * socket and status channel (see master.h)
 */
static int
master_main(int argc, char **argv)
{
	struct ff_master *m;
	struct service sv = { .proto = NULL };
	struct ff_flushd *d;
	struct ff_err e = { .status = FF_OK };
	enum ff_status cst;
	const char *service;
	char **rest;
	long max_workers;
	int r, nrest;

	ff_cli_init(&cli, argv);
	d = ff_flushd_new();
	m = ff_master_new();
	ff_msg_stderr(FF_MSG_STDERR_NONE);
	if (d == NULL || m == NULL) {
		ff_msg_error("out of memory");
		r = EX_OSERR;
		goto out;
	}
	r = ff_master_args(m, argc, argv, &e);
	rest = ff_master_rest(m, &nrest);
	if (r < 0 || (nrest > 0 &&
	    ff_err_set(&e, FF_USAGE, "unexpected argument: %.100s", rest[0]))) {
		service = ff_master_service(m);
		ff_msg_postfix("postfix", service ? service : "fflushd");
		ff_msg_error("%s", e.msg);
		r = EX_USAGE;
		goto out;
	}
	if (ff_cli_master(&cli, m) < 0) {
		r = EX_OSERR;
		goto out;
	}
	cst = open_conf(d, NULL, 0);
	if (ff_master_flags(m) & FF_MASTER_F_ONESHOT) {
		r = serve_stdin(d, cst);
		goto out;
	}
	sv.proto = d;
	if ((r = long_lived(&sv, FF_MASTER_LISTEN_FD, ff_master_nlisten(m), &max_workers)) != 0)
		goto out;
	ff_server_set_master(sv.srv, m);
	if ((ff_master_flags(m) & FF_MASTER_F_CHROOT) && ff_verbose > 0)
		ff_msg_info("chroot (-c) not applied: every spool file is opened relative to "
		    "the queue directory, symlink-safe, as the spool owner");
	r = ff_server_loop(sv.srv);
	if (r == FF_SERVER_ERROR)
		ff_msg_error("event loop: %s", strerror(errno));
	ff_cli_close(&cli);
	r = r == FF_SERVER_ERROR ? EX_OSERR : EX_OK;
out:
	ff_server_free(sv.srv);
	ff_flushd_free(sv.conn);
	ff_flushd_free(d);
	ff_master_free(m);
	return r;
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
	struct ff_flushd *d;
	const char *timeout = NULL;
	enum ff_status cst;
	unsigned allow = 0;
	long secs = 0;
	int opt, lfd, r, mode = FF_FLUSHD_AUTO;

	if (ff_master_started())
		return master_main(argc, argv);
	ff_cli_init(&cli, argv);
	while ((opt = ff_cli_getopt(&cli, argc, argv, "t:a:", longopts, usage)) != -1) {
		switch (opt) {
		case FF_CLI_EXIT:
			return cli.exit;
		case 't':
			timeout = optarg;
			break;
		case 'a':
			if ((allow = parse_allow(optarg)) == 0) {
				fprintf(stderr, "fflushd: bad --allow list: %s (add, send, send-file, "
				    "refresh, purge)\n", optarg);
				return EX_USAGE;
			}
			break;
		case 'P':
			mode = FF_FLUSHD_POSTFIX;
			break;
		case 'T':
			mode = FF_FLUSHD_TEXT;
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
	if ((d = ff_flushd_new()) == NULL) {
		ff_msg_error("out of memory");
		return EX_OSERR;
	}
	ff_flushd_set_mode(d, mode);
	if (allow != 0)
		ff_flushd_set_allow(d, allow);
	/* the client's stream carries protocol bytes only */
	if (same_file(2, 0) || same_file(2, 1))
		ff_msg_stderr(FF_MSG_STDERR_NONE);
	signal(SIGPIPE, SIG_IGN);
	lfd = ff_listen_inherited();
	cst = open_conf(d, timeout, secs);
	if (lfd >= 0) {
		struct service sv = { .proto = d };
		struct ff_pool *p = NULL;
		long max_workers;

		if ((r = long_lived(&sv, lfd, 1, &max_workers)) == 0 &&
		    (p = ff_pool_new()) == NULL) {
			ff_msg_error("out of memory");
			r = EX_OSERR;
		}
		if (r == 0) {
			ff_pool_set_reload(p, pool_reload);
			ff_pool_set_max_workers(p, (int)max_workers);
			r = ff_server_pool(sv.srv, p);
			if (r < 0)
				ff_msg_error("listening mode: %s", strerror(errno));
			ff_cli_close(&cli);
			r = r < 0 ? EX_OSERR : EX_OK;
		}
		ff_pool_free(p);
		ff_server_free(sv.srv);
		ff_flushd_free(sv.conn);
		ff_flushd_free(d);
		return r;
	}
	r = serve_stdin(d, cst);
	ff_flushd_free(d);
	return r;
}
