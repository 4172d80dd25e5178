/*
 * pool.c - the server skeleton's pool of workers, and its settings (see
 * server.h)
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/msg.h"
#include "server/server_int.h"

struct worker {
	pid_t pid;
	unsigned gen;
	int avail;
	int current;		/* of this configuration (else finishing) */
	int ready;		/* has sent its first status: started up */
};

struct pool {
	struct ff_server *s;
	const struct ff_pool *p;
	int chan[2];		/* [0] ours, [1] the workers' end */
	struct ff_master *m;	/* a worker's end of it */
	unsigned gen;
	struct worker *w;
	size_t nw, cap;
	int total, avail;	/* current workers, and of those free */
	long last_crash;	/* when a worker last failed to start up */
	long fork_failed;	/* forks failed in a row */
};

static volatile sig_atomic_t got_chld, got_hup, got_term;

static void
on_signal(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = sig;
}

static int
new_channel(struct pool *pl)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pl->chan) < 0)
		return -1;
	return 0;
}

/*
 * spawn - one more worker; -1 when none started (the caller tries again a
 * second later). A failed fork is said once per run of failures, and
 * when forks work again; it is never counted as a worker.
 */
static int
spawn(struct pool *pl)
{
	struct worker *w;
	pid_t pid;

	if (pl->nw == pl->cap) {
		size_t cap = pl->cap ? 2 * pl->cap : 16;

		if ((w = reallocarray(pl->w, cap, sizeof(*w))) == NULL) {
			ff_msg_warn("cannot start a worker: %s", strerror(errno));
			return -1;
		}
		pl->w = w;
		pl->cap = cap;
	}
	pl->gen++;
	if ((pid = fork()) < 0) {
		if (pl->fork_failed++ == 0)
			ff_msg_warn("cannot start a worker: fork: %s; trying again every second",
			    strerror(errno));
		return -1;
	}
	if (pid > 0 && pl->fork_failed > 0) {
		ff_msg_info("worker started after %ld failed forks", pl->fork_failed);
		pl->fork_failed = 0;
	}
	if (pid == 0) {
		struct sigaction dfl = { .sa_handler = SIG_DFL };
		sigset_t none;

		close(pl->chan[0]);
		sigaction(SIGCHLD, &dfl, NULL);
		sigaction(SIGHUP, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
		sigaction(SIGINT, &dfl, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		ff_master_set_status(pl->m, pl->chan[1], pl->gen);
		pl->s->chan = pl->m;
		_exit(ff_server_loop(pl->s));
	}
	w = &pl->w[pl->nw++];
	w->pid = pid;
	w->gen = pl->gen;
	w->avail = 1;		/* until it says otherwise, as master counts */
	w->current = 1;
	w->ready = 0;
	pl->total++;
	pl->avail++;
	return 0;
}

static struct worker *
find(struct pool *pl, pid_t pid)
{
	for (size_t i = 0; i < pl->nw; i++)
		if (pl->w[i].pid == pid)
			return &pl->w[i];
	return NULL;
}

static void
forget(struct pool *pl, struct worker *w)
{
	if (w->current) {
		pl->total--;
		if (w->avail)
			pl->avail--;
	}
	*w = pl->w[--pl->nw];
}

/* read_status - the workers' updates; 12-byte records, one per packet */
static void
read_status(struct pool *pl)
{
	struct {
		int pid;
		unsigned gen;
		int avail;
	} rec;
	struct worker *w;
	ssize_t n;

	while ((n = recv(pl->chan[0], &rec, sizeof(rec), MSG_DONTWAIT)) == (ssize_t)sizeof(rec)) {
		if ((w = find(pl, rec.pid)) == NULL || w->gen != rec.gen || !w->current)
			continue;
		w->ready = 1;
		if (rec.avail == w->avail || (rec.avail != 0 && rec.avail != 1))
			continue;
		w->avail = rec.avail;
		pl->avail += rec.avail ? 1 : -1;
	}
}

/* queued - does a client wait on one of the listening sockets? */
static int
queued(const struct ff_server *s)
{
	struct pollfd pfd[FF_MASTER_MAX_LISTEN];

	for (int i = 0; i < s->nlisten; i++) {
		pfd[i].fd = s->lfd[i];
		pfd[i].events = POLLIN;
	}
	return poll(pfd, (nfds_t)s->nlisten, 0) > 0;
}

/*
 * reap - collect exited workers; 1 when the pool should end: the last
 * current worker left idle and no client waits (else one is started for
 * it). A current worker killed before its first status, or one that
 * failed, counts as a start-up failure: the next start waits (see
 * ff_server_pool); one killed once running is replaced at once, like any
 * other.
 */
static int
reap(struct pool *pl)
{
	struct worker *w;
	int st, idle = 0, starting;
	pid_t pid;

	/* status records first: a worker that reported before it died had started */
	read_status(pl);
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if ((w = find(pl, pid)) == NULL)
			continue;
		starting = w->current && !w->ready;
		if (WIFSIGNALED(st)) {
			ff_msg_warn("worker %ld killed by signal %d%s", (long)pid, WTERMSIG(st),
			    starting ? " while starting" : "");
			if (starting)
				pl->last_crash = ff_now_ms();
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == FF_SERVER_IDLE && w->current) {
			idle = 1;
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == FF_SERVER_ERROR) {
			ff_msg_warn("worker %ld failed", (long)pid);
			pl->last_crash = ff_now_ms();
		}
		forget(pl, w);
	}
	return idle && pl->total == 0 && !queued(pl->s);
}

/* retire - the current workers finish what they do and exit */
static int
retire(struct pool *pl)
{
	close(pl->chan[0]);
	close(pl->chan[1]);
	for (size_t i = 0; i < pl->nw; i++)
		pl->w[i].current = 0;
	pl->total = pl->avail = 0;
	return new_channel(pl);
}

int
ff_server_pool(struct ff_server *s, const struct ff_pool *p)
{
	struct pool pl = { .s = s, .p = p };
	struct sigaction sa = { .sa_handler = on_signal }, old[4];
	static const int sigs[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT };
	sigset_t block, orig, wait_mask;
	struct pollfd pfd;
	long wait;
	int rc = 0, fl;

	for (int i = 0; i < s->nlisten; i++)
		if ((fl = fcntl(s->lfd[i], F_GETFL)) < 0 ||
		    fcntl(s->lfd[i], F_SETFL, fl | O_NONBLOCK) < 0)
			return -1;
	if ((pl.m = ff_master_new()) == NULL)
		return -1;
	if (new_channel(&pl) < 0) {
		ff_master_free(pl.m);
		return -1;
	}
	sigemptyset(&block);
	for (size_t i = 0; i < 4; i++) {
		sigaddset(&block, sigs[i]);
		sigaction(sigs[i], &sa, &old[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &orig);
	wait_mask = orig;
	for (size_t i = 0; i < 4; i++)
		sigdelset(&wait_mask, sigs[i]);
	got_chld = got_hup = got_term = 0;

	spawn(&pl);
	for (;;) {
		if (got_term) {
			ff_msg_info("%s: stopping the workers", strsignal(got_term));
			break;
		}
		if (got_hup) {
			got_hup = 0;
			if (p->reload)
				p->reload(s->ctx);
			if (retire(&pl) < 0) {
				rc = -1;
				break;
			}
		}
		if (got_chld) {
			got_chld = 0;
			if (reap(&pl))
				break;	/* idle: the super-server restarts us */
		}
		wait = -1;
		if (pl.avail == 0 && pl.total < p->max_workers) {
			/* a worker that failed to start up is not replaced in a tight loop */
			long since = ff_now_ms() - pl.last_crash;

			if (pl.last_crash != 0 && since < 1000)
				wait = 1000 - since;
			else if (spawn(&pl) < 0)
				wait = 1000;
		}
		pfd.fd = pl.chan[0];
		pfd.events = POLLIN;
		if (ppoll(&pfd, 1, wait < 0 ? NULL :
		    &(struct timespec){ wait / 1000, (wait % 1000) * 1000000 }, &wait_mask) > 0)
			read_status(&pl);
	}
	/* stop: workers see the channel close, and are told to go now */
	close(pl.chan[0]);
	close(pl.chan[1]);
	for (size_t i = 0; i < pl.nw; i++)
		kill(pl.w[i].pid, got_term ? SIGTERM : 0);
	while (pl.nw > 0) {
		pid_t pid = waitpid(-1, NULL, 0);
		struct worker *w;

		if (pid < 0 && errno != EINTR)
			break;
		if (pid > 0 && (w = find(&pl, pid)) != NULL)
			*w = pl.w[--pl.nw];
	}
	free(pl.w);
	ff_master_free(pl.m);
	for (size_t i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	return rc;
}

/* ------------------------------------------------------------ the settings */

struct ff_pool *
ff_pool_new(void)
{
	struct ff_pool *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->max_workers = 1;
	return p;
}

void
ff_pool_free(struct ff_pool *p)
{
	free(p);
}

void
ff_pool_set_max_workers(struct ff_pool *p, int max)
{
	p->max_workers = max;
}

void
ff_pool_set_reload(struct ff_pool *p, ff_pool_reload_cb *reload)
{
	p->reload = reload;
}
