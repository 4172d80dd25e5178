/*
 * scache-bench - round trips and memory of a connection cache server
 *
 *	scache-bench rt -s SOCKET [-c CLIENTS] [-n COUNT] [-t TTL] [-p PID]
 *	scache-bench mem -s SOCKET -p PID [-n SESSIONS] [-t TTL] [-f FILE] [-l LEN]
 *	scache-bench floor -s SOCKET
 *
 * rt: CLIENTS (default 1) processes each connect once to the scache(8)
 * style server on the UNIX-domain SOCKET and do COUNT (default 10000)
 * round trips, as Postfix's smtp(8) would between deliveries: save_endp of
 * a real descriptor (one end of a socketpair the client keeps, whose peer
 * it also keeps open) under the client's own endpoint label, then
 * find_endp of that label, the whole Linux descriptor dance of both (see
 * scclnt.h); the descriptor found is closed. Each save + find pair is
 * timed. 200 untimed pairs per client come first. Output, one line:
 *	clients=4 count=40000 seconds=1.234 rps=32414.0 p50_us=110 p90_us=150 p99_us=400
 * (rps: save + find pairs per second over all clients, from the moment
 * all clients are connected until the last is done). With -p, the
 * server's process PID, the line ends with the server's CPU time (user +
 * system, /proc/PID/stat, 10 ms ticks) per pair in microseconds:
 * server_cpu_us=21.3.
 *
 * mem: one client saves SESSIONS (default 10000) connections, each a
 * distinct descriptor (a socketpair per session; the peer end stays open
 * here so that no server sees a hang-up), with labels and properties
 * shaped like Postfix 3.7 smtp(8)'s (an endpoint label per address, four
 * connections per address, the passivated session as the property), and
 * reports the growth of the server's VmRSS (/proc/PID/status) and of its
 * open descriptors (/proc/PID/fd) from just after the client connected
 * (so the server is up and holds its client) to after the last save:
 *	sessions=10000 held=10000 rss_before_kb=1234 rss_after_kb=4567 bytes_per_session=341
 * TTL (default 3600) must be within the server's connection_cache_ttl_limit
 * or sessions expire during the run. With -f, every session is a new
 * descriptor of FILE (opened once for reading) instead of a socketpair:
 * no peer to keep, so the sessions stay cached after the tool exits (a
 * handoff test). With -l, each property is padded with "x" to LEN
 * bytes (at most 2000; Postfix's TLS sessions make long properties).
 * The descriptor limit is raised to
 * the hard limit (and the hard limit too when allowed); with too few
 * descriptors the run stops with exit 2.
 *
 * floor: the system-call floor of rt. A server that answers the same
 * protocol with the same system calls as a real one (accept, one epoll
 * loop, read of the request, write of the reply, recvmsg of the saved
 * descriptor, sendmsg of the found one, close) but caches nothing: each
 * client's last saved descriptor and property sit in the client's slot.
 * Serves until SIGTERM or SIGINT.
 *
 * Exit status 0, 1 when a request failed, 2 on usage or setup errors.
 */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <poll.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "postfix/fdpass.h"
#include "scache/scclnt.h"

#define WARMUP		200
#define TIMEOUT_MS	10000

static void
usage(void)
{
	fprintf(stderr, "usage: scache-bench rt -s socket [-c clients] [-n count] [-t ttl] [-p pid]\n"
	    "       scache-bench mem -s socket -p pid [-n sessions] [-t ttl] [-f file] [-l len]\n"
	    "       scache-bench floor -s socket\n");
	exit(2);
}

static void
die(const char *what)
{
	perror(what);
	exit(2);
}

static long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* nofile - the descriptor limit raised as far as it goes; the soft limit */
static unsigned long
nofile(unsigned long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit");
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
		struct rlimit up = { .rlim_cur = want, .rlim_max = want };

		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			return want;
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	return rl.rlim_cur == RLIM_INFINITY ? want : (unsigned long)rl.rlim_cur;
}

/* ---------------------------------------------------------------- rt */

/* cpu_ticks - user + system time of process pid in clock ticks; -1 if unknown */
static long
cpu_ticks(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	size_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = 0;
	/* after the command name in parentheses: state, then fields 4..13, then utime stime */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

/* one_client - COUNT timed pairs on one connection; latencies in lat (ns) */
static int
one_client(const char *sock, int id, long count, int ttl, int ready, int go, long *lat)
{
	struct ff_scclnt *c;
	struct ff_err e = { .status = FF_OK };
	char label[128], prop[256], *p;
	int sp[2], fd, r;
	char byte = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		die("socketpair");
	/* an endpoint label and property the way smtp(8) makes them */
	snprintf(label, sizeof(label), "smtp\n192.0.2.%d\n25\nmay\n", id + 1);
	snprintf(prop, sizeof(prop), "0\nexample%d.com\nmx%d.example%d.com\n192.0.2.%d\n25\n"
	    "6400\n%ld", id, id, id, id + 1, (long)time(NULL) + 300);
	if ((c = ff_scclnt_connect(sock, TIMEOUT_MS, &e)) == NULL) {
		fprintf(stderr, "scache-bench: client %d: %s\n", id, e.msg);
		return 1;
	}
	for (long i = -WARMUP; i < count; i++) {
		long t0;

		/* warm: say so, and wait until every client is */
		if (i == 0 && (write(ready, &byte, 1) != 1 || read(go, &byte, 1) != 1))
			die("start");
		t0 = now_ns();
		r = ff_scclnt_save_endp(c, ttl, label, prop, sp[0], &e);
		if (r != FF_SCACHE_OK) {
			fprintf(stderr, "scache-bench: client %d: save_endp: %s\n", id,
			    r < 0 ? e.msg : "status not 0");
			return 1;
		}
		r = ff_scclnt_find_endp(c, label, &p, &fd, &e);
		if (r != FF_SCACHE_OK) {
			fprintf(stderr, "scache-bench: client %d: find_endp: %s\n", id,
			    r < 0 ? e.msg : "status not 0 (the session was lost)");
			return 1;
		}
		close(fd);
		free(p);
		if (i >= 0)
			lat[i] = now_ns() - t0;
	}
	ff_scclnt_close(c);
	close(sp[0]);
	close(sp[1]);
	return 0;
}

static int
rt(const char *sock, int clients, long count, int ttl, long pid)
{
	size_t total = (size_t)clients * (size_t)count;
	long *lat, t0, t1, c0 = -1, c1 = -1;
	int go[2], ready[2], bad = 0, st;
	pid_t *pids;
	char byte = 0;

	lat = mmap(NULL, total * sizeof(long), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (lat == MAP_FAILED)
		die("mmap");
	if ((pids = calloc((size_t)clients, sizeof(*pids))) == NULL)
		die("calloc");
	if (pipe(go) < 0 || pipe(ready) < 0)
		die("pipe");
	for (int k = 0; k < clients; k++) {
		if ((pids[k] = fork()) < 0)
			die("fork");
		if (pids[k] == 0) {
			close(go[1]);
			close(ready[0]);
			_exit(one_client(sock, k, count, ttl, ready[1], go[0],
			    lat + (size_t)k * (size_t)count) ? 1 : 0);
		}
	}
	close(go[0]);
	close(ready[1]);
	/* start together once all are connected and warm; a client that died says so */
	for (int got = 0; got < clients;) {
		struct pollfd pf = { .fd = ready[0], .events = POLLIN };

		if (poll(&pf, 1, 100) > 0) {
			if (read(ready[0], &byte, 1) != 1)
				bad = 1;
			got++;
		}
		for (int k = 0; k < clients && !bad; k++)
			if (waitpid(pids[k], &st, WNOHANG) == pids[k]) {
				pids[k] = 0;
				bad = 1;
			}
		if (bad) {
			for (int k = 0; k < clients; k++)
				if (pids[k] > 0) {
					kill(pids[k], SIGKILL);
					waitpid(pids[k], &st, 0);
				}
			return 1;
		}
	}
	if (pid > 0)
		c0 = cpu_ticks(pid);
	t0 = now_ns();
	for (int k = 0; k < clients; k++)
		if (write(go[1], &byte, 1) != 1)
			die("write");
	close(go[1]);
	for (int k = 0; k < clients; k++) {
		while (waitpid(pids[k], &st, 0) < 0)
			if (errno != EINTR)
				die("waitpid");
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad = 1;
	}
	t1 = now_ns();
	if (pid > 0)
		c1 = cpu_ticks(pid);
	close(ready[0]);
	free(pids);
	if (bad)
		return 1;
	qsort(lat, total, sizeof(long), cmp_long);
	printf("clients=%d count=%zu seconds=%.3f rps=%.1f p50_us=%ld p90_us=%ld p99_us=%ld",
	    clients, total, (double)(t1 - t0) / 1e9, (double)total / ((double)(t1 - t0) / 1e9),
	    lat[total / 2] / 1000, lat[total * 9 / 10] / 1000, lat[total * 99 / 100] / 1000);
	if (c0 >= 0 && c1 >= 0)
		printf(" server_cpu_us=%.1f", (double)(c1 - c0) * 1e6 /
		    (double)sysconf(_SC_CLK_TCK) / (double)total);
	printf("\n");
	munmap(lat, total * sizeof(long));
	return 0;
}

/* --------------------------------------------------------------- mem */

static long
rss_kb(long pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((fp = fopen(path, "r")) == NULL)
		die(path);
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

static long
nfds(long pid)
{
	char path[64];
	struct dirent *d;
	long n = 0;
	DIR *dp;

	snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	if ((dp = opendir(path)) == NULL)
		die(path);
	while ((d = readdir(dp)) != NULL)
		if (d->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

static int
mem(const char *sock, long pid, long n, int ttl, const char *file, size_t plen)
{
	struct ff_scclnt *c;
	struct ff_err e = { .status = FF_OK };
	long rss0, rss1, fd0, fd1, base = (long)time(NULL);
	unsigned long lim = nofile((unsigned long)n + 100);
	char label[128], prop[2048];
	int *peer, sp[2], r, ffd = -1;

	if ((unsigned long)n + 64 > lim) {
		fprintf(stderr, "scache-bench: descriptor limit %lu is too low for %ld sessions\n",
		    lim, n);
		return 2;
	}
	if ((peer = calloc((size_t)n, sizeof(*peer))) == NULL)
		die("calloc");
	if (file && (ffd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		die(file);
	/* connected and greeted: the server is up and has its client */
	if ((c = ff_scclnt_connect(sock, TIMEOUT_MS, &e)) == NULL) {
		fprintf(stderr, "scache-bench: %s\n", e.msg);
		return 1;
	}
	rss0 = rss_kb(pid);
	fd0 = nfds(pid);
	for (long i = 0; i < n; i++) {
		long a = i / 4;		/* four connections per address */

		if (ffd >= 0) {
			if ((sp[0] = dup(ffd)) < 0)
				die("dup");
			sp[1] = -1;
		} else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
			die("socketpair");
		snprintf(label, sizeof(label), "smtp\n10.%ld.%ld.%ld\n25\nmay\n",
		    a >> 16 & 255, a >> 8 & 255, a & 255);
		snprintf(prop, sizeof(prop), "%ld\nexample%ld.com\nmx%ld.example%ld.com\n"
		    "10.%ld.%ld.%ld\n25\n6400\n%ld", i % 4, a / 2, a % 2, a / 2,
		    a >> 16 & 255, a >> 8 & 255, a & 255, base + 300);
		for (size_t k = strlen(prop); k < plen && k + 1 < sizeof(prop); k++)
			prop[k] = 'x', prop[k + 1] = 0;
		r = ff_scclnt_save_endp(c, ttl, label, prop, sp[0], &e);
		close(sp[0]);
		peer[i] = sp[1];
		if (r != FF_SCACHE_OK) {
			fprintf(stderr, "scache-bench: save_endp %ld: %s\n", i,
			    r < 0 ? e.msg : "status not 0");
			return 1;
		}
	}
	rss1 = rss_kb(pid);
	fd1 = nfds(pid);
	ff_scclnt_close(c);
	for (long i = 0; i < n; i++)
		if (peer[i] >= 0)
			close(peer[i]);
	free(peer);
	if (ffd >= 0)
		close(ffd);
	printf("sessions=%ld held=%ld rss_before_kb=%ld rss_after_kb=%ld bytes_per_session=%ld\n",
	    n, fd1 - fd0, rss0, rss1, (rss1 - rss0) * 1024 / n);
	return 0;
}

/* ------------------------------------------------------------- floor */

enum { REQ, SAVE_FD, FIND_DUMMY, AFTER_DUMMY };

struct fclient {
	int fd, state, held;
	size_t len;
	char buf[4096];
	char prop[1024];
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	stop = sig;
}

/* list_end - the length of the complete attribute list at p, or 0 */
static size_t
list_end(const char *p, size_t len, const char **request, const char **property)
{
	size_t i = 0;

	*request = *property = NULL;
	for (;;) {
		const char *name = p + i, *nul = memchr(name, 0, len - i), *v, *vnul;

		if (nul == NULL)
			return 0;
		if (nul == name)
			return i + 1;
		v = nul + 1;
		if ((size_t)(v - p) >= len || (vnul = memchr(v, 0, len - (size_t)(v - p))) == NULL)
			return 0;
		if (strcmp(name, "request") == 0)
			*request = v;
		else if (strcmp(name, "property") == 0)
			*property = v;
		i = (size_t)(vnul - p) + 1;
		if (i >= len)
			return 0;
	}
}

static int
put(int fd, const char *s, size_t len)
{
	return write(fd, s, len) == (ssize_t)len ? 0 : -1;
}

/* a literal list, its implicit NUL the list's end */
#define PUT(fd, lit) put(fd, lit, sizeof(lit))

static void
fclose_client(int ep, struct fclient *cl)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	if (cl->held >= 0)
		close(cl->held);
	free(cl);
}

/* fserve - what arrived on cl; -1 to drop it */
static int
fserve(struct fclient *cl)
{
	const char *req, *prop;
	char reply[1100];
	size_t n, plen;
	ssize_t got;

	if (cl->state == SAVE_FD) {
		int fd;

		if (ff_fd_recv(cl->fd, &fd) != 1)
			return -1;
		if (cl->held >= 0)
			close(cl->held);
		cl->held = fd;
		cl->state = REQ;
		return PUT(cl->fd, "status\0" "0\0");
	}
	got = read(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - cl->len);
	if (got <= 0)
		return got < 0 && errno == EAGAIN ? 0 : -1;
	cl->len += (size_t)got;
	while (cl->len > 0) {
		if (cl->state == FIND_DUMMY || cl->state == AFTER_DUMMY) {
			if (cl->len < 8)
				return 0;
			if (memcmp(cl->buf, "dummy\0\0\0", 8) != 0)
				return -1;
			memmove(cl->buf, cl->buf + 8, cl->len - 8);
			cl->len -= 8;
			if (cl->state == FIND_DUMMY) {
				if (ff_fd_send(cl->fd, cl->held) < 0)
					return -1;
				close(cl->held);
				cl->held = -1;
				cl->state = AFTER_DUMMY;
			} else {
				cl->state = REQ;
			}
			continue;
		}
		if ((n = list_end(cl->buf, cl->len, &req, &prop)) == 0)
			return cl->len == sizeof(cl->buf) ? -1 : 0;
		if (req && strcmp(req, "save_endp") == 0 && prop &&
		    (plen = strlen(prop)) < sizeof(cl->prop)) {
			memcpy(cl->prop, prop, plen + 1);
			cl->len = 0;	/* the reply drops unread input, as Postfix's does */
			cl->state = SAVE_FD;
			return PUT(cl->fd, "dummy\0\0");
		}
		cl->len -= n;
		memmove(cl->buf, cl->buf + n, cl->len);
		if (req && strcmp(req, "find_endp") == 0 && cl->held >= 0) {
			static const char head[] = "status\0" "0\0property";
			size_t h = sizeof(head);

			plen = strlen(cl->prop);
			memcpy(reply, head, h);
			memcpy(reply + h, cl->prop, plen + 1);
			reply[h + plen + 1] = 0;
			cl->state = FIND_DUMMY;
			if (put(cl->fd, reply, h + plen + 2) < 0)
				return -1;
			continue;
		}
		if (req && strcmp(req, "find_endp") == 0) {
			if (PUT(cl->fd, "status\0" "2\0property\0\0") < 0)
				return -1;
			continue;
		}
		if (PUT(cl->fd, "status\0" "1\0") < 0)
			return -1;
	}
	return 0;
}

static int
floor_serve(const char *sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev, evs[64];
	struct sigaction act = { .sa_handler = on_signal };
	int lfd, ep;

	if (strlen(sock) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "scache-bench: socket path too long\n");
		return 2;
	}
	strcpy(sa.sun_path, sock);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);
	nofile(1024);
	unlink(sock);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 128) < 0)
		die(sock);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1");
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		die("epoll_ctl");
	while (!stop) {
		int n = epoll_wait(ep, evs, 64, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			struct fclient *cl = evs[i].data.ptr;

			if (cl == NULL) {
				int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

				if (fd < 0)
					continue;
				if ((cl = calloc(1, sizeof(*cl))) == NULL)
					die("calloc");
				cl->fd = fd;
				cl->held = -1;
				ev.events = EPOLLIN;
				ev.data.ptr = cl;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ||
				    PUT(fd, "protocol\0connection_cache_protocol\0") < 0) {
					close(fd);
					free(cl);
				}
				continue;
			}
			if (fserve(cl) < 0)
				fclose_client(ep, cl);
		}
	}
	close(lfd);
	unlink(sock);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *sock = NULL, *mode, *file = NULL;
	long count = -1, pid = 0, plen = 0;
	int clients = 1, ttl = 3600, ch;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((ch = getopt(argc, argv, "s:c:n:p:t:f:l:")) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'c':
			clients = atoi(optarg);
			break;
		case 'n':
			count = atol(optarg);
			break;
		case 'p':
			pid = atol(optarg);
			break;
		case 't':
			ttl = atoi(optarg);
			break;
		case 'f':
			file = optarg;
			break;
		case 'l':
			plen = atol(optarg);
			break;
		default:
			usage();
		}
	}
	if (sock == NULL || optind != argc || clients < 1 || clients > 256 || ttl < 1 || plen < 0 || plen > 2000)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(mode, "rt") == 0)
		return rt(sock, clients, count < 0 ? 10000 : count > 0 ? count : 1, ttl, pid);
	if (strcmp(mode, "mem") == 0) {
		if (pid <= 0)
			usage();
		return mem(sock, pid, count < 0 ? 10000 : count > 0 ? count : 1, ttl, file, (size_t)plen);
	}
	if (strcmp(mode, "floor") == 0)
		return floor_serve(sock);
	usage();
	return 2;
}
