/*
 * torture - random kill -9 during concurrent fast flush work (make torture)
 *
 *	torture -q QUEUE_DIR -B BINDIR [-t SECONDS] [-j JOBS] [-k KILL%] [-w WKILL%] [-p]
 *	    [-T TEAR_SO -x TEAR%]
 *	    [-n IDS] [-S SITES] [-r SEED] [-P POSTFIX_FLUSH] [-e STDERR_FILE] [-v]
 *
 * MAIL_CONFIG must name the configuration of QUEUE_DIR, whose main.cf has
 * fast_flush_domains = s0.example, ..., s<SITES-1>.example (tests/torture.sh
 * sets it all up). For SECONDS (default 120) it keeps JOBS (default 8)
 * children running, each one operation picked at random:
 *
 *	fflush-add SITE ID...		fflush-add - (batch "site id" lines)
 *	fflush-send SITE		fflush-send -i ID
 *	fflush-refresh			fflush-refresh --purge
 *	fflush-refresh --compact	fflush-list SITE
 *	fflushd, one-shot, text protocol on a pipe: add, send, send-file,
 *	    refresh, purge
 *	fflushd, one-shot, Postfix's protocol on a socketpair: add,
 *	    send_site, send_file, rfrsh, purge
 *	-P: Postfix's own flush(8) -S -u on a socketpair: add (the shared
 *	    spool: Postfix appends to the logs our commands rewrite)
 *
 * Each child runs in its own process group. KILL% of them (default 50) get a
 * SIGKILL (to the group) at a random instant between their start and
 * twice the mean run time of their kind; some get SIGSTOP and, a few
 * milliseconds later, SIGCONT. And when a logfile has just been written
 * (inotify IN_MODIFY on flush/), WKILL% of the time (default 10) a random
 * running job that may write gets a SIGKILL: the writer, if it is the one
 * picked, dies a few microseconds after its write, where a rewrite that
 * is not crash-safe is between its steps. -p pins the driver and the jobs
 * to one CPU and runs the jobs at nice 19, so that the driver, woken by
 * the write, preempts the writer at once: the kill then lands before the
 * writer's next system call (slower, but it finds the narrow windows).
 * -T: TEAR% of the jobs (but Postfix's and fflush-list) run with TEAR_SO
 * (build/tests/tools/tear.so) preloaded, which cuts one of their first
 * four writes to a file short and then kills them: what a SIGKILL
 * between two pages the kernel copies does, an instant random kills
 * almost never hit. Their kills count as kills, and as torn writes.
 * Between children the driver itself plays
 * the queue manager: it moves queue files that a send put in incoming/
 * back to deferred/ (a deferral), and backdates logfiles (so that refresh
 * refreshes them and purges the empty ones).
 *
 * The pool: IDS real queue IDs (default 2000), each with one queue file,
 * created in deferred/ at the start, and IDS/10 ghost IDs without any
 * queue file (stale IDs, so that compaction has something to drop).
 *
 * WHAT IS OWED. An add of (SITE, ID) is acknowledged when the command
 * exited 0 (fflush-add), or the reply said status 0 (fflushd text "0 ok",
 * Postfix protocol "status 0", from fflushd or Postfix's flush; a reply
 * received counts even if the process was killed after sending it). A
 * killed command's add is not acknowledged. An acknowledged add of a real
 * ID is owed until the driver requeues that ID: a requeue (incoming/ ->
 * deferred/) is done only while no add of that ID is running, and it
 * discharges every add of that ID acknowledged before it (a queue manager
 * that defers mail again logs it again; the old entries were delivered by
 * the send that moved the file). Ghost IDs are never owed.
 *
 * THE INVARIANT, checked after every child has gone and one clean pass
 * (fflush-refresh, no options: it replays any side record a crashed
 * rewrite left):
 *	1. every owed (SITE, ID) is listed in flush/SITE's log, or ID's
 *	   queue file is in incoming/;
 *	2. every line of every log is a queue ID: no torn line (what a cut
 *	   append leaves by design, the bytes it wrote before the cut and
 *	   then NULs up to the newline, is counted as a hole, not a
 *	   violation), and the log ends with a newline;
 *	3. no side record (NAME.keep) is left in flush/;
 *	4. every real ID's queue file exists exactly once, in deferred/ or
 *	   incoming/ (no queue file lost or duplicated).
 *
 * Prints kills, stops, operations by kind (started, ok, failed, killed),
 * acknowledged adds, requeues, and each violation; exits 1 on any
 * violation, 2 on a set-up error.
 */
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "postfix/qid.h"

#define MAX_JOBS	64
#define MAX_ADDS	1000	/* (site, id) pairs one child adds at most */
#define REPLY_MAX	512
#define MAX_SITES	16
#define GHOST_BASE	0x80000
#define REAL_BASE	0x10000

enum kind {
	K_ADD, K_ADD_BATCH, K_SEND, K_SEND_ID, K_REFRESH, K_PURGE, K_COMPACT, K_LIST,
	K_T_ADD, K_T_SEND, K_T_SENDFILE, K_T_REFRESH, K_T_PURGE,
	K_A_ADD, K_A_SEND, K_A_SENDFILE, K_A_RFRSH, K_A_PURGE,
	K_PF_ADD, K_COUNT
};

static const struct {
	const char *name;
	int weight;
} kinds[K_COUNT] = {
	[K_ADD] = { "fflush-add", 30 },
	[K_ADD_BATCH] = { "fflush-add -", 10 },
	[K_SEND] = { "fflush-send SITE", 5 },
	[K_SEND_ID] = { "fflush-send -i", 4 },
	[K_REFRESH] = { "fflush-refresh", 3 },
	[K_PURGE] = { "fflush-refresh --purge", 2 },
	[K_COMPACT] = { "fflush-refresh --compact", 12 },
	[K_LIST] = { "fflush-list SITE", 2 },
	[K_T_ADD] = { "fflushd text add", 8 },
	[K_T_SEND] = { "fflushd text send", 2 },
	[K_T_SENDFILE] = { "fflushd text send-file", 2 },
	[K_T_REFRESH] = { "fflushd text refresh", 1 },
	[K_T_PURGE] = { "fflushd text purge", 1 },
	[K_A_ADD] = { "fflushd postfix add", 8 },
	[K_A_SEND] = { "fflushd postfix send_site", 2 },
	[K_A_SENDFILE] = { "fflushd postfix send_file", 2 },
	[K_A_RFRSH] = { "fflushd postfix rfrsh", 1 },
	[K_A_PURGE] = { "fflushd postfix purge", 1 },
	[K_PF_ADD] = { "postfix flush add", 10 },
};

enum mode { M_EXIT, M_TEXT, M_ATTR };

struct job {
	pid_t pid;			/* 0: free slot */
	enum kind kind;
	enum mode mode;
	int fd;				/* reply, or -1 */
	char reply[REPLY_MAX];
	size_t rlen;
	int nadds;
	int site[MAX_ADDS];
	long id[MAX_ADDS];		/* >= 0 real, < 0 ghost */
	long long start, kill_at, stop_at, cont_at;
	int stopped;
	int tear;			/* runs under tear.so */
};

struct stat_kind {
	unsigned long started, ok, failed, killed;
	double mean_ns;			/* of runs not killed */
};

static const char *qdir, *bindir, *errfile, *tearso;
static char *pfflush;
static int jobs = 8, nsites = 6, verbose, killpct = 50, wkillpct = 10, pinned, tearpct;
static long nids = 2000, nghosts;
static double seconds = 120;
static unsigned long long rng = 88172645463325252ULL;
static char (*ids)[24], (*ghosts)[24];
static unsigned char *owed;		/* nsites * nids */
static int *inflight;			/* adds of each real ID running */
static struct job job[MAX_JOBS];
static struct stat_kind st[K_COUNT];
static unsigned long kills, kills_sent, wkills_sent, tears_set, tears, stops, requeues, backdates, acked, acked_ghost;
static unsigned long violations, holes, biggest;
static int errfd = -1, nrunning;

static void die(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
static void violation(const char *, ...) __attribute__((format(printf, 1, 2)));

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("torture: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(errno));
	exit(2);
}

static void
violation(const char *fmt, ...)
{
	va_list ap;

	if (++violations > 50) {
		if (violations == 51)
			puts("VIOLATION: ... (only the first 50 are listed)");
		return;
	}
	va_start(ap, fmt);
	fputs("VIOLATION: ", stdout);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static unsigned long long
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static long
rndn(long n)
{
	return (long)(rnd() % (unsigned long long)n);
}

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
site_name(int s, char *buf, size_t size)
{
	snprintf(buf, size, "s%d.example", s);
}

static void
deferred_path(long i, char *buf, size_t size)
{
	char dirs[2 * FF_HASH_MAX_DEPTH + 1];

	ff_qid_hash(ids[i], strlen(ids[i]), 1, dirs, sizeof(dirs));
	snprintf(buf, size, "%s/deferred/%s%s", qdir, dirs, ids[i]);
}

static void
incoming_path(long i, char *buf, size_t size)
{
	snprintf(buf, size, "%s/incoming/%s", qdir, ids[i]);
}

/* future - atime and mtime an hour ahead, as a deferred file's retry time */
static int
future(const char *path)
{
	struct timespec t[2];

	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec += 3600;
	t[0].tv_nsec = 0;
	t[1] = t[0];
	return utimensat(AT_FDCWD, path, t, 0);
}

/* idgen - an ID of 6 to 11 hex digits: 1 to 6 random ones, then the
 * five of n. Lengths differ, so that a rewrite cut short leaves a piece of
 * a line where a whole line was (equal lengths would hide it). */
static void
idgen(char *buf, size_t size, unsigned r, long n)
{
	int w = 1 + (int)(r % 6);

	snprintf(buf, size, "%0*X%05X", w, (r >> 3) & ((1U << (4 * w)) - 1), (unsigned)n & 0xFFFFF);
}

static void
make_pool(void)
{
	char path[PATH_MAX], dirs[8];
	unsigned seed = (unsigned)rnd();
	struct stat sb;

	nghosts = nids / 10 + 1;
	if ((ids = calloc((size_t)nids, sizeof(*ids))) == NULL ||
	    (ghosts = calloc((size_t)nghosts, sizeof(*ghosts))) == NULL ||
	    (owed = calloc((size_t)(nids * nsites), 1)) == NULL ||
	    (inflight = calloc((size_t)nids, sizeof(*inflight))) == NULL)
		die("memory");
	for (long i = 0; i < nids; i++) {
		int fd;

		idgen(ids[i], sizeof(ids[i]), (unsigned)rand_r(&seed), REAL_BASE + i);
		ff_qid_hash(ids[i], strlen(ids[i]), 1, dirs, sizeof(dirs));
		snprintf(path, sizeof(path), "%s/deferred/%s", qdir, dirs);
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			die("%s", path);
		deferred_path(i, path, sizeof(path));
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0700)) < 0 ||
		    write(fd, "queue file\n", 11) != 11 || close(fd) < 0 || future(path) < 0)
			die("%s", path);
	}
	/* the spool's owner (Postfix's daemons and our commands run as it) */
	snprintf(path, sizeof(path), "%s/deferred", qdir);
	if (stat(path, &sb) < 0)
		die("%s", path);
	if (sb.st_uid != getuid()) {
		for (long i = 0; i < nids; i++) {
			deferred_path(i, path, sizeof(path));
			if (lchown(path, sb.st_uid, sb.st_gid) < 0)
				die("%s", path);
			*strrchr(path, '/') = 0;
			if (lchown(path, sb.st_uid, sb.st_gid) < 0)
				die("%s", path);
		}
	}
	for (long i = 0; i < nghosts; i++)
		idgen(ghosts[i], sizeof(ghosts[i]), (unsigned)rand_r(&seed), GHOST_BASE + i);
}

/* id_index - the real ID's index, -2 for a ghost, -1 for none of ours */
static long
id_index(const char *s, size_t len)
{
	char hex[6];
	long v;

	if (len < 6 || len > 11)
		return -1;
	memcpy(hex, s + len - 5, 5);
	hex[5] = 0;
	v = strtol(hex, NULL, 16);
	if (v >= REAL_BASE && v < REAL_BASE + nids && strlen(ids[v - REAL_BASE]) == len &&
	    memcmp(ids[v - REAL_BASE], s, len) == 0)
		return v - REAL_BASE;
	if (v >= GHOST_BASE && v < GHOST_BASE + nghosts && strlen(ghosts[v - GHOST_BASE]) == len &&
	    memcmp(ghosts[v - GHOST_BASE], s, len) == 0)
		return -2;
	return -1;
}

static enum kind
pick_kind(void)
{
	int total = 0, r;

	for (int k = 0; k < K_COUNT; k++)
		if (k != K_PF_ADD || pfflush)
			total += kinds[k].weight;
	r = (int)rndn(total);
	for (int k = 0; k < K_COUNT; k++) {
		if (k == K_PF_ADD && !pfflush)
			continue;
		if (r < kinds[k].weight)
			return (enum kind)k;
		r -= kinds[k].weight;
	}
	return K_ADD;
}

/* pick_add - one (site, id) to add for j: mostly real IDs, some ghosts */
static void
pick_add(struct job *j, int site)
{
	j->site[j->nadds] = site;
	if (rndn(8) == 0)
		j->id[j->nadds] = -1 - rndn(nghosts);
	else
		j->id[j->nadds] = rndn(nids);
	j->nadds++;
}

static char *
add_id(const struct job *j, int n)
{
	return j->id[n] >= 0 ? ids[j->id[n]] : ghosts[-1 - j->id[n]];
}

/* attr - append NAME\0VALUE\0 to buf */
static size_t
attr(char *buf, size_t len, const char *name, const char *value)
{
	size_t a = strlen(name) + 1, b = strlen(value) + 1;

	memcpy(buf + len, name, a);
	memcpy(buf + len + a, value, b);
	return len + a + b;
}

static void
spawn(int slot)
{
	struct job *j = &job[slot];
	char *argv[32], prog[PATH_MAX], site[64], input[MAX_ADDS * 32], opt_q[PATH_MAX];
	size_t ilen = 0;
	int argc = 0, sv[2] = { -1, -1 }, in[2] = { -1, -1 }, out[2] = { -1, -1 }, s;
	pid_t pid;

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	j->kind = pick_kind();
	j->mode = M_EXIT;
	s = (int)rndn(nsites);
	site_name(s, site, sizeof(site));
#define ARG(x) (argv[argc++] = (char *)(x))
#define PROG(name) (snprintf(prog, sizeof(prog), "%s/%s", bindir, name), ARG(prog))
	switch (j->kind) {
	case K_ADD:
		PROG("fflush-add");
		ARG("-q");
		ARG(site);
		for (long n = 1 + rndn(8); n > 0; n--) {
			pick_add(j, s);
			ARG(add_id(j, j->nadds - 1));
		}
		break;
	case K_ADD_BATCH:
		PROG("fflush-add");
		ARG("-q");
		ARG("-");
		/* mostly one site, so that logs grow past a page: a rewrite
		 * of more than a page can be cut by a kill between pages */
		for (long n = 1 + (rndn(4) ? rndn(16) : rndn(MAX_ADDS)); n > 0; n--) {
			char sn[64];
			int t = rndn(5) ? s : (int)rndn(nsites);

			pick_add(j, t);
			site_name(t, sn, sizeof(sn));
			ilen += (size_t)snprintf(input + ilen, sizeof(input) - ilen, "%s %s\n", sn,
			    add_id(j, j->nadds - 1));
		}
		break;
	case K_SEND:
		PROG("fflush-send");
		ARG("-q");
		ARG(site);
		break;
	case K_SEND_ID:
		PROG("fflush-send");
		ARG("-q");
		ARG("-i");
		ARG(ids[rndn(nids)]);
		break;
	case K_REFRESH:
	case K_PURGE:
	case K_COMPACT:
		PROG("fflush-refresh");
		ARG("-q");
		if (j->kind == K_PURGE)
			ARG("--purge");
		if (j->kind == K_COMPACT)
			ARG("--compact");
		break;
	case K_LIST:
		PROG("fflush-list");
		ARG(site);
		break;
	case K_T_ADD:
		pick_add(j, s);
		ilen = (size_t)snprintf(input, sizeof(input), "add %s %s\n", site, add_id(j, 0));
		break;
	case K_T_SEND:
		ilen = (size_t)snprintf(input, sizeof(input), "send %s\n", site);
		break;
	case K_T_SENDFILE:
		ilen = (size_t)snprintf(input, sizeof(input), "send-file %s\n", ids[rndn(nids)]);
		break;
	case K_T_REFRESH:
		ilen = (size_t)snprintf(input, sizeof(input), "refresh\n");
		break;
	case K_T_PURGE:
		ilen = (size_t)snprintf(input, sizeof(input), "purge\n");
		break;
	case K_A_ADD:
	case K_PF_ADD:
		pick_add(j, s);
		ilen = attr(input, 0, "request", "add");
		ilen = attr(input, ilen, "site", site);
		ilen = attr(input, ilen, "queue_id", add_id(j, 0));
		input[ilen++] = 0;
		break;
	case K_A_SEND:
		ilen = attr(input, 0, "request", "send_site");
		ilen = attr(input, ilen, "site", site);
		input[ilen++] = 0;
		break;
	case K_A_SENDFILE:
		ilen = attr(input, 0, "request", "send_file");
		ilen = attr(input, ilen, "queue_id", ids[rndn(nids)]);
		input[ilen++] = 0;
		break;
	case K_A_RFRSH:
		ilen = attr(input, 0, "request", "rfrsh");
		input[ilen++] = 0;
		break;
	case K_A_PURGE:
		ilen = attr(input, 0, "request", "purge");
		input[ilen++] = 0;
		break;
	case K_COUNT:
		break;
	}
	if (j->kind >= K_T_ADD && j->kind <= K_T_PURGE) {
		j->mode = M_TEXT;
		PROG("fflushd");
		ARG("--text");
	} else if (j->kind >= K_A_ADD && j->kind <= K_A_PURGE) {
		j->mode = M_ATTR;
		PROG("fflushd");
		ARG("--postfix");
	} else if (j->kind == K_PF_ADD) {
		j->mode = M_ATTR;
		snprintf(opt_q, sizeof(opt_q), "queue_directory=%s", qdir);
		ARG(pfflush);
		ARG("-S");
		ARG("-u");
		ARG("-o");
		ARG(opt_q);
	}
	argv[argc] = NULL;
#undef ARG
#undef PROG

	if (j->mode == M_ATTR) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			die("socketpair");
		if (write(sv[0], input, ilen) != (ssize_t)ilen)
			die("write request");
	} else {
		if (ilen > 0) {
			if (pipe2(in, O_CLOEXEC) < 0)
				die("pipe");
			if (write(in[1], input, ilen) != (ssize_t)ilen)
				die("write request");
			close(in[1]);
		}
		if (j->mode == M_TEXT && pipe2(out, O_CLOEXEC) < 0)
			die("pipe");
	}
	if (tearso && j->kind != K_PF_ADD && j->kind != K_LIST && rndn(100) < tearpct) {
		j->tear = 1;
		j->kill_at = 0;
		tears_set++;
	}
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		setpgid(0, 0);
		if (pinned)
			setpriority(PRIO_PROCESS, 0, 19);
		signal(SIGPIPE, SIG_DFL);
		if (j->mode == M_ATTR) {
			dup2(sv[1], 0);
			dup2(sv[1], 1);
		} else {
			dup2(in[0] >= 0 ? in[0] : null, 0);
			dup2(out[1] >= 0 ? out[1] : null, 1);
		}
		dup2(errfd >= 0 ? errfd : null, 2);
		if (j->tear) {
			/* a write cut short: its Nth write to a file keeps K bytes,
			 * then the process kills itself (tests/tools/tear_shim.c) */
			char at[16], keep[16];

			snprintf(at, sizeof(at), "%ld", 1 + rndn(4));
			snprintf(keep, sizeof(keep), "%ld", rndn(2) ? 1 + rndn(64) : -1 - rndn(64));
			setenv("LD_PRELOAD", tearso, 1);
			setenv("FF_TEAR_AT", at, 1);
			if (rndn(3))
				setenv("FF_TEAR_KEEP", keep, 1);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	setpgid(pid, pid);
	if (j->mode == M_ATTR) {
		close(sv[1]);
		j->fd = sv[0];
	} else {
		if (in[0] >= 0)
			close(in[0]);
		if (out[1] >= 0) {
			close(out[1]);
			j->fd = out[0];
		}
	}
	if (j->fd >= 0)
		fcntl(j->fd, F_SETFL, O_NONBLOCK);
	j->pid = pid;
	j->start = now_ns();
	{
		double mean = st[j->kind].mean_ns > 0 ? st[j->kind].mean_ns : 3e6;

		if (!j->tear && rndn(100) < killpct)
			j->kill_at = j->start + (long long)(rnd() % (unsigned long long)(2 * mean + 1));
		if (rndn(100) < 4)
			j->stop_at = j->start + (long long)(rnd() % (unsigned long long)(mean + 1));
	}
	for (int n = 0; n < j->nadds; n++)
		if (j->id[n] >= 0)
			inflight[j->id[n]]++;
	st[j->kind].started++;
	nrunning++;
}

static void
drain(struct job *j)
{
	ssize_t n;

	if (j->fd < 0)
		return;
	for (;;) {
		char scratch[512];

		if (j->rlen < sizeof(j->reply))
			n = read(j->fd, j->reply + j->rlen, sizeof(j->reply) - j->rlen);
		else
			n = read(j->fd, scratch, sizeof(scratch));
		if (n > 0) {
			if (j->rlen < sizeof(j->reply))
				j->rlen += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			close(j->fd);
			j->fd = -1;
		}
		return;
	}
}

/* attr_status - the status of a Postfix-protocol reply: 0..., or -1 for none */
static long
attr_status(const struct job *j)
{
	static const char key[] = "\0\0status";	/* after the greeting's end */
	const char *p = memmem(j->reply, j->rlen, key, sizeof(key) - 1);
	const char *end = j->reply + j->rlen, *v;

	if (p == NULL)
		return -1;
	v = p + sizeof(key);		/* past "status\0" */
	if (v >= end || memchr(v, 0, (size_t)(end - v)) == NULL)
		return -1;
	return strtol(v, NULL, 10);
}

static void
finish(struct job *j, int status)
{
	int killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
	int ok, ack;
	long long ran = now_ns() - j->start;

	drain(j);
	if (j->fd >= 0) {
		/* a forked helper may still hold the other end: do not wait for it */
		close(j->fd);
		j->fd = -1;
	}
	if (j->stopped || j->cont_at)
		kill(-j->pid, SIGCONT);
	switch (j->mode) {
	case M_TEXT:
		ok = j->rlen >= 2 && (j->reply[0] == '0' || j->reply[0] == '1') && j->reply[1] == ' ';
		ack = j->rlen >= 4 && memcmp(j->reply, "0 ok", 4) == 0;
		break;
	case M_ATTR:
		ok = attr_status(j) == 0;
		ack = ok;
		break;
	default:
		/* exit 1: a send found nothing waiting, a list no logfile */
		ok = WIFEXITED(status) && (WEXITSTATUS(status) == 0 ||
		    ((j->kind == K_SEND || j->kind == K_SEND_ID || j->kind == K_LIST) &&
		    WEXITSTATUS(status) == 1));
		ack = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		break;
	}
	if (killed)
		kills++;
	if (killed && j->tear)
		tears++;
	if (killed && !ok)
		st[j->kind].killed++;
	else if (ok)
		st[j->kind].ok++;
	else {
		st[j->kind].failed++;
		if (verbose)
			fprintf(stderr, "torture: %s failed (status %#x, reply %.*s)\n",
			    kinds[j->kind].name, status, (int)j->rlen, j->reply);
	}
	if (!killed) {
		double *m = &st[j->kind].mean_ns;

		*m = *m > 0 ? 0.9 * *m + 0.1 * (double)ran : (double)ran;
	}
	for (int n = 0; n < j->nadds; n++) {
		if (j->id[n] >= 0) {
			inflight[j->id[n]]--;
			if (ack) {
				owed[(size_t)j->site[n] * (size_t)nids + (size_t)j->id[n]] = 1;
				acked++;
			}
		} else if (ack) {
			acked_ghost++;
		}
	}
	j->pid = 0;
	nrunning--;
}

static void
reap(void)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < jobs; i++) {
			if (job[i].pid == pid) {
				finish(&job[i], status);
				break;
			}
		}
	}
}

/* requeue - a queue manager deferring mail again: incoming/ -> deferred/ */
static void
requeue(void)
{
	char from[PATH_MAX], to[PATH_MAX];
	long i = rndn(nids);

	if (inflight[i] > 0)
		return;
	incoming_path(i, from, sizeof(from));
	deferred_path(i, to, sizeof(to));
	if (rename(from, to) < 0) {
		if (errno != ENOENT)
			die("rename %s", from);
		return;
	}
	future(to);
	for (int s = 0; s < nsites; s++)
		owed[(size_t)s * (size_t)nids + (size_t)i] = 0;
	requeues++;
}

/* backdate - a logfile's times a week and a day back: refresh refreshes it
 * and, when empty, purges it */
static void
backdate(void)
{
	char path[PATH_MAX];
	struct timespec t[2];

	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= 8 * 86400;
	t[1] = t[0];
	snprintf(path, sizeof(path), "%s/flush/s%ld_example", qdir, rndn(nsites));
	if (utimensat(AT_FDCWD, path, t, 0) == 0)
		backdates++;
}

/* write_kill - a logfile was just written: kill a random running job that
 * writes, most likely between that write and its next system call */
static void
write_kill(int ifd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int cand[MAX_JOBS], n = 0;

	while (read(ifd, buf, sizeof(buf)) > 0)
		;
	if (rndn(100) >= wkillpct)
		return;
	for (int i = 0; i < jobs; i++)
		if (job[i].pid != 0 && job[i].kind != K_LIST)
			cand[n++] = i;
	if (n == 0)
		return;
	n = cand[rndn(n)];
	kill(-job[n].pid, SIGKILL);
	job[n].kill_at = 0;
	wkills_sent++;
}

static void
event_loop(int sfd, int ifd)
{
	long long end = now_ns() + (long long)(seconds * 1e9), next_chore = 0;
	int stopping = 0;

	while (!stopping || nrunning > 0) {
		struct pollfd pfd[MAX_JOBS + 2];
		int np = 0, slot_of[MAX_JOBS + 2];
		long long now = now_ns(), wake = now + 2000000;
		struct timespec ts;

		if (!stopping && now >= end) {
			stopping = 1;
			for (int i = 0; i < jobs; i++) {
				if (job[i].pid == 0)
					continue;
				job[i].kill_at = job[i].stop_at = 0;
				if (job[i].stopped || job[i].cont_at) {
					kill(-job[i].pid, SIGCONT);
					job[i].stopped = 0;
					job[i].cont_at = 0;
				}
			}
		}
		for (int i = 0; !stopping && i < jobs; i++)
			if (job[i].pid == 0)
				spawn(i);
		now = now_ns();
		for (int i = 0; i < jobs; i++) {
			struct job *j = &job[i];

			if (j->pid == 0)
				continue;
			if (j->kill_at && now >= j->kill_at) {
				kill(-j->pid, SIGKILL);
				kills_sent++;
				j->kill_at = 0;
			}
			if (j->stop_at && now >= j->stop_at) {
				kill(-j->pid, SIGSTOP);
				stops++;
				j->stopped = 1;
				j->stop_at = 0;
				j->cont_at = now + rndn(10000000);
			}
			if (j->cont_at && now >= j->cont_at) {
				kill(-j->pid, SIGCONT);
				j->stopped = 0;
				j->cont_at = 0;
			}
			if (j->kill_at && j->kill_at < wake)
				wake = j->kill_at;
			if (j->stop_at && j->stop_at < wake)
				wake = j->stop_at;
			if (j->cont_at && j->cont_at < wake)
				wake = j->cont_at;
			if (j->fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = j->fd, .events = POLLIN };
				slot_of[np++] = i;
			}
		}
		if (!stopping && now >= next_chore) {
			requeue();
			if (rndn(20) == 0)
				backdate();
			next_chore = now + 1000000;
		}
		if (!stopping && next_chore < wake)
			wake = next_chore;
		pfd[np] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		slot_of[np++] = -1;
		if (!stopping) {
			pfd[np] = (struct pollfd){ .fd = ifd, .events = POLLIN };
			slot_of[np++] = -2;
		}
		now = now_ns();
		ts.tv_sec = wake > now ? (wake - now) / 1000000000LL : 0;
		ts.tv_nsec = wake > now ? (wake - now) % 1000000000LL : 0;
		if (ppoll(pfd, (nfds_t)np, &ts, NULL) < 0 && errno != EINTR)
			die("ppoll");
		for (int k = 0; k < np; k++) {
			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (slot_of[k] == -2) {
				write_kill(ifd);
			} else if (slot_of[k] < 0) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
					;
			} else {
				drain(&job[slot_of[k]]);
			}
		}
		reap();
	}
	/* orphans a one-shot server left behind (we are their subreaper) */
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

static int
run_wait(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return status;
}

/* check_log - invariant 2 for one log; marks the real IDs it lists */
static void
check_log(int s, unsigned char *listed)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0, cap = 0, lineno = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/flush/s%d_example", qdir, s);
	if ((fd = open(path, O_RDONLY)) < 0) {
		if (errno != ENOENT)
			die("%s", path);
		return;
	}
	for (;;) {
		if (len == cap && (buf = realloc(buf, cap = cap ? 2 * cap : 65536)) == NULL)
			die("memory");
		if ((n = read(fd, buf + len, cap - len)) < 0)
			die("%s", path);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > biggest)
		biggest = len;
	if (len > 0 && buf[len - 1] != '\n')
		violation("flush/s%d_example does not end with a newline (%zu bytes)", s, len);
	for (size_t i = 0; i < len;) {
		char *nl = memchr(buf + i, '\n', len - i);
		size_t l = (nl ? (size_t)(nl - buf) : len) - i, k;
		int nul = l > 0 && buf[i + l - 1] == 0, good = l > 0, seen0 = 0;

		lineno++;
		for (k = 0; k < l; k++) {
			char c = buf[i + k];

			/* a hole: what the cut wrote, then NULs only, to the newline */
			if (c == 0)
				seen0 = 1;
			else if (seen0)
				nul = 0;
			if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
			    (c >= 'a' && c <= 'z') || c == '_'))
				good = 0;
		}
		if (nul) {
			holes++;
		} else if (!good) {
			violation("flush/s%d_example line %zu is not a queue ID: \"%.*s\"", s, lineno,
			    (int)(l > 40 ? 40 : l), buf + i);
		} else {
			long x = id_index(buf + i, l);

			if (x >= 0)
				listed[x] = 1;
			else if (x == -1)
				violation("flush/s%d_example line %zu: \"%.*s\" is no ID we added", s,
				    lineno, (int)l, buf + i);
		}
		i += l + 1;
	}
	free(buf);
}

static void
check(void)
{
	char path[PATH_MAX], *clean[] = { NULL, "-q", NULL };
	unsigned char *listed = calloc((size_t)nids, 1), *incoming = calloc((size_t)nids, 1);
	int status;
	DIR *d;
	struct dirent *de;

	if (listed == NULL || incoming == NULL)
		die("memory");
	snprintf(path, sizeof(path), "%s/fflush-refresh", bindir);
	clean[0] = path;
	status = run_wait(clean);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		violation("the clean pass (fflush-refresh) failed: status %#x", status);
	/* 3: no side record left */
	snprintf(path, sizeof(path), "%s/flush", qdir);
	if ((d = opendir(path)) == NULL)
		die("%s", path);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l > 5 && strcmp(de->d_name + l - 5, ".keep") == 0)
			violation("side record flush/%s left after the clean pass", de->d_name);
	}
	closedir(d);
	/* 4: every queue file once */
	for (long i = 0; i < nids; i++) {
		struct stat sb;
		int in_d, in_i;

		deferred_path(i, path, sizeof(path));
		in_d = stat(path, &sb) == 0;
		incoming_path(i, path, sizeof(path));
		in_i = stat(path, &sb) == 0;
		incoming[i] = (unsigned char)in_i;
		if (in_d + in_i != 1)
			violation("queue file %s: %s", ids[i], in_d ? "in deferred/ and incoming/" :
			    "lost (neither in deferred/ nor incoming/)");
	}
	/* 2 and 1 */
	for (int s = 0; s < nsites; s++) {
		memset(listed, 0, (size_t)nids);
		check_log(s, listed);
		for (long i = 0; i < nids; i++)
			if (owed[(size_t)s * (size_t)nids + (size_t)i] && !listed[i] && !incoming[i])
				violation("acknowledged add lost: s%d.example %s (not in "
				    "flush/s%d_example, queue file not in incoming/)", s, ids[i], s);
	}
	free(listed);
	free(incoming);
}

static void
usage(void)
{
	fprintf(stderr, "usage: torture -q queue_dir -B bindir [-t seconds] [-j jobs] [-k kill_percent] [-w write_kill_percent] [-p] [-T tear.so -x tear_percent] [-n ids]"
	    " [-S sites] [-r seed] [-P postfix_flush] [-e stderr_file] [-v]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	int opt, sfd = -1, ifd;
	char path[PATH_MAX];
	unsigned long seed = (unsigned long)time(NULL), owed_end = 0, ops = 0;
	sigset_t mask;

	while ((opt = getopt(argc, argv, "q:B:t:j:k:w:pT:x:n:S:r:P:e:v")) != -1) {
		switch (opt) {
		case 'q': qdir = optarg; break;
		case 'B': bindir = optarg; break;
		case 't': seconds = atof(optarg); break;
		case 'j': jobs = atoi(optarg); break;
		case 'k': killpct = atoi(optarg); break;
		case 'w': wkillpct = atoi(optarg); break;
		case 'p': pinned = 1; break;
		case 'T': tearso = optarg; break;
		case 'x': tearpct = atoi(optarg); break;
		case 'n': nids = atol(optarg); break;
		case 'S': nsites = atoi(optarg); break;
		case 'r': seed = strtoul(optarg, NULL, 0); break;
		case 'P': pfflush = optarg; break;
		case 'e': errfile = optarg; break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	}
	if (!qdir || !bindir || jobs < 1 || jobs > MAX_JOBS || nids < 1 || nids > 0x6FFFF ||
	    nsites < 1 || nsites > MAX_SITES || seconds < 0 || killpct < 0 || killpct > 100 ||
	    wkillpct < 0 || wkillpct > 100 || tearpct < 0 || tearpct > 100)
		usage();
	rng ^= seed * 0x9E3779B97F4A7C15ULL;
	if (rng == 0)
		rng = 1;
	if (errfile && (errfd = open(errfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
		die("%s", errfile);
	make_pool();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		die("prctl");
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		die("signalfd");
	printf("torture: %.0f s, %d jobs, %ld queue IDs (+%ld stale), %d sites, seed %lu%s\n",
	    seconds, jobs, nids, nids / 10 + 1, nsites, seed,
	    pfflush ? ", with Postfix's flush" : "");
	fflush(stdout);
	snprintf(path, sizeof(path), "%s/flush", qdir);
	if ((ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0 ||
	    inotify_add_watch(ifd, path, IN_MODIFY) < 0)
		die("inotify %s", path);
	if (pinned) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
		if (sched_setaffinity(0, sizeof(one), &one) < 0)
			die("sched_setaffinity");
	}
	event_loop(sfd, ifd);
	close(ifd);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	check();
	for (size_t i = 0; i < (size_t)(nids * nsites); i++)
		owed_end += owed[i];
	for (int k = 0; k < K_COUNT; k++)
		ops += st[k].started;
	printf("kills: %lu (SIGKILL sent: %lu at random instants, %lu right after a log write;"
	    " the rest hit exited processes)\n", kills, kills_sent, wkills_sent);
	printf("stops: %lu (SIGSTOP, then SIGCONT)\n", stops);
	if (tearso)
		printf("torn writes: %lu (of %lu jobs run under tear.so)\n", tears, tears_set);
	printf("operations: %lu\n", ops);
	printf("  %-28s %8s %8s %8s %8s %8s\n", "kind", "started", "ok", "failed", "killed",
	    "mean_ms");
	for (int k = 0; k < K_COUNT; k++) {
		if (k == K_PF_ADD && !pfflush)
			continue;
		printf("  %-28s %8lu %8lu %8lu %8lu %8.2f\n", kinds[k].name, st[k].started, st[k].ok,
		    st[k].failed, st[k].killed, st[k].mean_ns / 1e6);
	}
	printf("acknowledged adds: %lu (+%lu of stale IDs); owed at the end: %lu\n", acked,
	    acked_ghost, owed_end);
	printf("requeues (incoming/ -> deferred/): %lu; logfiles backdated: %lu\n", requeues,
	    backdates);
	printf("holes (lines a cut append left: its bytes, then NULs): %lu; "
	    "largest log at the end: %lu bytes\n",
	    holes, biggest);
	printf("violations: %lu\n", violations);
	return violations ? 1 : 0;
}
