/*
 * trigger-listen - a stand-in queue manager that logs the triggers it gets
 *
 *	trigger-listen [-f] PATH LOGFILE
 *
 * Test helper. Listens on a UNIX stream socket at PATH (mode 0666, so that
 * Postfix's flush running as "postfix" can connect), or with -f creates a
 * FIFO at PATH (mode 0622) and reads it. Runs in the background: the parent
 * prints the listener's pid on standard output and exits 0 once PATH is
 * ready, so both "trigger-listen P L > pidfile" and "pid=$(trigger-listen
 * P L)" work (the listener keeps no descriptor of its caller open).
 *
 * Socket: each connection's bytes, read until end of file, become ONE line
 * of LOGFILE, escaped (NUL as \0, printable ASCII as is, anything else
 * \xHH) and written at once. Lines are written in the order
 * the connections were accepted, even when a later one ends first (Postfix
 * keeps its trigger connections open until it exits, so several may end at
 * once). FIFO: one line per read() chunk. SIGTERM or SIGINT: write what is
 * pending, remove PATH and exit 0.
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
#include <unistd.h>

#define MAX_CONN	64
#define MAX_BYTES	4096	/* logged per connection; the rest is counted */

struct conn {
	int fd;			/* -1 once at end of file */
	size_t len;
	size_t dropped;
	unsigned char buf[MAX_BYTES];
};

static volatile sig_atomic_t stop;
static struct conn *conns[MAX_CONN];	/* in accept order */
static int nconn;
static int logfd = -1;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
log_bytes(const unsigned char *data, size_t len, size_t dropped)
{
	char *line = malloc(len * 4 + 64), *p = line;

	if (line == NULL)
		return;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = data[i];

		if (c == 0) {
			*p++ = '\\';
			*p++ = '0';
		} else if (c >= 0x20 && c < 0x7f) {
			*p++ = (char)c;
		} else {
			p += sprintf(p, "\\x%02X", c);
		}
	}
	if (dropped)
		p += sprintf(p, "...(+%zu bytes)", dropped);
	*p++ = '\n';
	/* one write per line on an O_APPEND descriptor: never interleaved */
	if (write(logfd, line, (size_t)(p - line)) < 0)
		(void)0;
	free(line);
}

/* flush_done - log finished connections from the oldest on, in order */
static void
flush_done(int all)
{
	int k = 0;

	while (k < nconn && (conns[k]->fd < 0 || all)) {
		if (conns[k]->fd >= 0)
			close(conns[k]->fd);
		log_bytes(conns[k]->buf, conns[k]->len, conns[k]->dropped);
		free(conns[k]);
		k++;
	}
	if (k > 0) {
		memmove(conns, conns + k, (size_t)(nconn - k) * sizeof(conns[0]));
		nconn -= k;
	}
}

static void
serve_socket(int lfd)
{
	struct pollfd pfd[MAX_CONN + 1];
	unsigned char tmp[4096];

	while (!stop) {
		int n = 0, ix[MAX_CONN];

		pfd[n].fd = nconn < MAX_CONN ? lfd : -1;
		pfd[n++].events = POLLIN;
		for (int i = 0; i < nconn; i++) {
			if (conns[i]->fd < 0)
				continue;
			ix[n - 1] = i;
			pfd[n].fd = conns[i]->fd;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* reads first, in accept order; then new connections */
		for (int j = 1; j < n; j++) {
			struct conn *c = conns[ix[j - 1]];
			ssize_t r;

			if (!(pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(c->fd, tmp, sizeof(tmp));
			if (r > 0) {
				size_t take = (size_t)r;

				if (take > MAX_BYTES - c->len)
					take = MAX_BYTES - c->len;
				memcpy(c->buf + c->len, tmp, take);
				c->len += take;
				c->dropped += (size_t)r - take;
			} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(c->fd);
				c->fd = -1;
			}
		}
		flush_done(0);
		if (pfd[0].revents & POLLIN) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			struct conn *c;

			if (cfd < 0)
				continue;
			if ((c = calloc(1, sizeof(*c))) == NULL) {
				close(cfd);
				continue;
			}
			c->fd = cfd;
			conns[nconn++] = c;
		}
	}
	flush_done(1);
}

static void
serve_fifo(int ffd)
{
	unsigned char buf[4096];
	ssize_t r;

	while (!stop) {
		if ((r = read(ffd, buf, sizeof(buf))) > 0)
			log_bytes(buf, (size_t)r, 0);
		else if (r < 0 && errno != EINTR)
			break;
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct sigaction sa;
	const char *path, *logfile;
	int fifo = 0, fd, ready[2], nul;
	char ok;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "-f") == 0) {
		fifo = 1;
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: trigger-listen [-f] PATH LOGFILE\n");
		return 64;
	}
	path = argv[1];
	logfile = argv[2];

	if ((logfd = open(logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
		fprintf(stderr, "trigger-listen: %s: %s\n", logfile, strerror(errno));
		return 1;
	}
	if (pipe2(ready, O_CLOEXEC) < 0) {
		perror("trigger-listen: pipe");
		return 1;
	}
	fflush(stdout);
	if ((pid = fork()) < 0) {
		perror("trigger-listen: fork");
		return 1;
	}
	if (pid > 0) {
		int st;

		close(ready[1]);
		if (read(ready[0], &ok, 1) != 1) {
			/* the child said why on standard error */
			waitpid(pid, &st, 0);
			return 1;
		}
		printf("%ld\n", (long)pid);
		return 0;
	}

	/* the listener */
	close(ready[0]);
	setsid();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);

	if (unlink(path) < 0 && errno != ENOENT) {
		fprintf(stderr, "trigger-listen: remove %s: %s\n", path, strerror(errno));
		_exit(1);
	}
	if (fifo) {
		if (mkfifo(path, 0622) < 0 || chmod(path, 0622) < 0) {
			fprintf(stderr, "trigger-listen: mkfifo %s: %s\n", path, strerror(errno));
			_exit(1);
		}
		/* read-write: no end of file when a writer closes */
		if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0) {
			fprintf(stderr, "trigger-listen: open %s: %s\n", path, strerror(errno));
			unlink(path);
			_exit(1);
		}
	} else {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(path) >= sizeof(sun.sun_path)) {
			fprintf(stderr, "trigger-listen: %s: path too long\n", path);
			_exit(1);
		}
		strcpy(sun.sun_path, path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0
		    || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0
		    || chmod(path, 0666) < 0
		    || listen(fd, 128) < 0) {
			fprintf(stderr, "trigger-listen: listen on %s: %s\n", path, strerror(errno));
			unlink(path);
			_exit(1);
		}
	}

	/* detach from the caller's descriptors before saying "ready" */
	if ((nul = open("/dev/null", O_RDWR)) >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		if (nul > 2)
			close(nul);
	}
	for (int i = 3; i < 1024; i++)
		if (i != fd && i != logfd && i != ready[1])
			close(i);
	ok = 1;
	if (write(ready[1], &ok, 1) != 1)
		_exit(1);
	close(ready[1]);

	if (fifo)
		serve_fifo(fd);
	else
		serve_socket(fd);
	unlink(path);
	_exit(0);
}
