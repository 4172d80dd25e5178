/*
 * master.c - run as a Postfix daemon (see master.h)
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postfix/master.h"

struct ff_master {
	const char *service;	/* -n, else the program's name */
	const char *transport;	/* -t: unix, inet, fifo, pass, unix-dgram */
	unsigned gen;		/* GENERATION */
	int status_fd;		/* FF_MASTER_STATUS_FD, or -1 */
	int nlisten;		/* -s: sockets from FF_MASTER_LISTEN_FD on */
	int oneshot;		/* -S: the client is on stdin/stdout */
	int solitary, unlimited, chroot, unprivileged, verbose;
	const char **overrides;	/* -o, -i, -m as name=value */
	size_t noverrides;
	char **rest;		/* the command field's own arguments */
	int nrest;
	int avail;		/* last status sent; -1 none */
	int pid;		/* ours, for the status records */
};

int
ff_master_started(void)
{
	struct stat st;

	return getenv(FF_MASTER_GEN_ENV) != NULL && fstat(FF_MASTER_STATUS_FD, &st) == 0 &&
	    S_ISSOCK(st.st_mode);
}

struct ff_master *
ff_master_new(void)
{
	struct ff_master *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->status_fd = -1;
	m->avail = -1;
	m->nlisten = 1;
	return m;
}

/* release - the overrides' copies */
static void
release(struct ff_master *m)
{
	for (size_t i = 0; i < m->noverrides; i++)
		free((char *)(uintptr_t)m->overrides[i]);
	free(m->overrides);
	m->overrides = NULL;
	m->noverrides = 0;
}

/* add_override - a copy of NAME=VALUE (-i 100 is "max_idle=100") */
static int
add_override(struct ff_master *m, const char *name, const char *value)
{
	const char **n = reallocarray(m->overrides, m->noverrides + 1, sizeof(*n));
	char *nv;

	if (n == NULL)
		return -1;
	m->overrides = n;
	if ((name ? asprintf(&nv, "%s=%s", name, value) : asprintf(&nv, "%s", value)) < 0)
		return -1;
	m->overrides[m->noverrides++] = nv;
	return 0;
}

int
ff_master_args(struct ff_master *m, int argc, char **argv, struct ff_err *e)
{
	const char *gen, *slash;
	char *end;
	unsigned long g;
	int i;

	release(m);
	memset(m, 0, sizeof(*m));
	m->status_fd = -1;
	m->avail = -1;
	m->nlisten = 1;
	slash = strrchr(argv[0], '/');
	m->service = slash ? slash + 1 : argv[0];
	/* getopt would permute; master's options always come first */
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != 0; i++) {
		const char *opt = argv[i] + 1, *arg = NULL;

		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		for (; *opt; opt++) {
			if (strchr("imnorst", *opt) != NULL) {
				arg = opt[1] ? opt + 1 : (i + 1 < argc ? argv[++i] : NULL);
				if (arg == NULL)
					return ff_err_set(e, FF_USAGE, "option -%c needs a value", *opt);
			}
			switch (*opt) {
			case 'c':
				m->chroot = 1;
				break;
			case 'd':
			case 'D':
			case 'V':
				break;
			case 'v':
				m->verbose++;
				break;
			case 'l':
				m->solitary = 1;
				break;
			case 'z':
				m->unlimited = 1;
				break;
			case 'u':
				m->unprivileged = 1;
				break;
			case 'S':
				m->oneshot = 1;
				break;
			case 'i':
				if (add_override(m, "max_idle", arg) < 0)
					return ff_err_sys(e, ENOMEM, "arguments");
				break;
			case 'm':
				if (add_override(m, "max_use", arg) < 0)
					return ff_err_sys(e, ENOMEM, "arguments");
				break;
			case 'n':
				m->service = arg;
				break;
			case 'o':
				if (strchr(arg, '=') == NULL)
					return ff_err_set(e, FF_USAGE, "invalid \"-o %.100s\": name=value"
					    " expected", arg);
				if (add_override(m, NULL, arg) < 0)
					return ff_err_sys(e, ENOMEM, "arguments");
				break;
			case 'r':
				break;	/* retirement: ours follow max_use and max_idle */
			case 's':
				m->nlisten = (int)strtol(arg, &end, 10);
				if (*end != 0 || m->nlisten < 1 || m->nlisten > FF_MASTER_MAX_LISTEN)
					return ff_err_set(e, FF_USAGE, "invalid socket count: %.20s", arg);
				break;
			case 't':
				m->transport = arg;
				break;
			default:
				return ff_err_set(e, FF_USAGE, "invalid option: -%c", *opt);
			}
			if (arg != NULL)
				break;
		}
	}
	m->rest = argv + i;
	m->nrest = argc - i;
	if (!m->oneshot) {
		if (m->transport == NULL)
			return ff_err_set(e, FF_USAGE, "no transport type specified (-t)");
		if (strcmp(m->transport, "unix") != 0 && strcmp(m->transport, "inet") != 0 &&
		    strcmp(m->transport, "pass") != 0)
			return ff_err_set(e, FF_USAGE, "unsupported transport type: %.30s",
			    m->transport);
		m->status_fd = FF_MASTER_STATUS_FD;
		/* no program we start (postmap -q) inherits master's descriptors */
		for (int fd = 3; fd < FF_MASTER_LISTEN_FD + m->nlisten; fd++)
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	if ((gen = getenv(FF_MASTER_GEN_ENV)) != NULL) {
		errno = 0;
		g = strtoul(gen, &end, 8);
		if (*gen == 0 || *end != 0 || errno != 0 || g > 0xffffffffUL)
			return ff_err_set(e, FF_USAGE, "bad generation: %.30s", gen);
		m->gen = (unsigned)g;
	}
	return 0;
}

int
ff_master_notify(struct ff_master *m, int avail)
{
	struct {
		int pid;
		unsigned gen;
		int avail;
	} rec = { m->pid, m->gen, avail };
	ssize_t n;

	if (m->status_fd < 0 || m->avail == avail)
		return 0;
	if (rec.pid == 0)
		rec.pid = m->pid = (int)getpid();
	m->avail = avail;
	do
		n = send(m->status_fd, &rec, sizeof(rec), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(rec) ? 0 : -1;
}

void
ff_master_set_status(struct ff_master *m, int fd, unsigned gen)
{
	m->status_fd = fd;
	m->gen = gen;
	m->avail = -1;
	m->pid = 0;
}

void
ff_master_free(struct ff_master *m)
{
	if (m == NULL)
		return;
	release(m);
	free(m);
}

const char *
ff_master_service(const struct ff_master *m)
{
	return m->service;
}

const char *
ff_master_transport(const struct ff_master *m)
{
	return m->transport;
}

unsigned
ff_master_generation(const struct ff_master *m)
{
	return m->gen;
}

int
ff_master_status_fd(const struct ff_master *m)
{
	return m->status_fd;
}

int
ff_master_nlisten(const struct ff_master *m)
{
	return m->nlisten;
}

unsigned
ff_master_flags(const struct ff_master *m)
{
	return (m->oneshot ? FF_MASTER_F_ONESHOT : 0) | (m->solitary ? FF_MASTER_F_SOLITARY : 0) |
	    (m->unlimited ? FF_MASTER_F_UNLIMITED : 0) | (m->chroot ? FF_MASTER_F_CHROOT : 0) |
	    (m->unprivileged ? FF_MASTER_F_UNPRIVILEGED : 0);
}

int
ff_master_verbose(const struct ff_master *m)
{
	return m->verbose;
}

const char *const *
ff_master_overrides(const struct ff_master *m, size_t *n)
{
	*n = m->noverrides;
	return m->overrides;
}

char **
ff_master_rest(const struct ff_master *m, int *n)
{
	*n = m->nrest;
	return m->rest;
}
