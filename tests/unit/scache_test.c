/*
 * scache_test.c - the connection cache engine, server and client
 *
 * Sessions are pipes: the cache holds the read end; the test keeps the
 * write end and tells sessions apart by what it wrote into them.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>

#include "fastflush.h"
#include "unit.h"
#include "scache/scached_int.h"	/* white box: the settings run reads */

/* session - a pipe whose read end says name; returns the read end */
static int
session(const char *name)
{
	int p[2];

	if (pipe(p) < 0)
		return -1;
	if (write(p[1], name, strlen(name)) < 0)
		return -1;
	/* the writer stays open (a hung-up pipe would be dropped) */
	if (fcntl(p[1], F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	return p[0];
}

/* name_of - what a session found says; closes it */
static const char *
name_of(int fd)
{
	static char buf[32];
	ssize_t n;

	if (fd < 0)
		return "(miss)";
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

static void
test_fifo(void)
{
	struct ff_scache *c = ff_scache_new(0, 0);
	const char *prop;

	UNIT_CASE("A, B, C saved; found in that order; then a miss");
	CHECK_INT_EQ(ff_scache_save_endp(c, 0, 1000, "ep", "pA", session("A")), 0);
	CHECK_INT_EQ(ff_scache_save_endp(c, 0, 1000, "ep", "pB", session("B")), 0);
	CHECK_INT_EQ(ff_scache_save_endp(c, 0, 1000, "ep", "pC", session("C")), 0);
	CHECK_STR_EQ(name_of(ff_scache_find_endp(c, "ep", &prop)), "A");
	CHECK_STR_EQ(prop, "pA");
	CHECK_STR_EQ(name_of(ff_scache_find_endp(c, "ep", &prop)), "B");
	CHECK_STR_EQ(prop, "pB");
	CHECK_STR_EQ(name_of(ff_scache_find_endp(c, "ep", &prop)), "C");
	CHECK_STR_EQ(name_of(ff_scache_find_endp(c, "ep", &prop)), "(miss)");
	CHECK_STR_EQ(prop, "");
	struct ff_scache_size z;

	ff_scache_size(c, &z);
	CHECK_INT_EQ(z.endps, 0);
	CHECK_INT_EQ(z.sessions, 0);
	CHECK_INT_EQ(z.bytes, 0);
	ff_scache_free(c);
}

static void
test_dest(void)
{
	struct ff_scache *c = ff_scache_new(0, 0);
	struct ff_scache_size z;
	const char *dp, *ep;

	UNIT_CASE("bindings D1->E1, D1->E2: E1's session first, then E2's, then a miss");
	ff_scache_save_endp(c, 0, 1000, "E1", "e1", session("s1"));
	ff_scache_save_endp(c, 0, 1000, "E2", "e2", session("s2"));
	CHECK_INT_EQ(ff_scache_save_dest(c, 0, 1000, "D1", "d1", "E1"), 0);
	CHECK_INT_EQ(ff_scache_save_dest(c, 0, 1000, "D1", "d2", "E2"), 0);
	CHECK_STR_EQ(name_of(ff_scache_find_dest(c, "D1", &dp, &ep)), "s1");
	CHECK_STR_EQ(dp, "d1");
	CHECK_STR_EQ(ep, "e1");
	CHECK_STR_EQ(name_of(ff_scache_find_dest(c, "D1", &dp, &ep)), "s2");
	CHECK_STR_EQ(dp, "d2");
	CHECK_STR_EQ(ep, "e2");
	CHECK_STR_EQ(name_of(ff_scache_find_dest(c, "D1", &dp, &ep)), "(miss)");

	UNIT_CASE("bindings outlive their sessions");
	ff_scache_size(c, &z);
	CHECK_INT_EQ(z.bindings, 2);
	CHECK_INT_EQ(z.dests, 1);
	ff_scache_save_endp(c, 0, 1000, "E2", "e2", session("s3"));
	CHECK_STR_EQ(name_of(ff_scache_find_dest(c, "D1", &dp, &ep)), "s3");

	UNIT_CASE("same endpoint and property: refreshed, not added");
	CHECK_INT_EQ(ff_scache_save_dest(c, 500, 1000, "D1", "d1", "E1"), 0);
	ff_scache_size(c, &z);
	CHECK_INT_EQ(z.bindings, 2);
	UNIT_CASE("another property for the same endpoint: a second binding");
	CHECK_INT_EQ(ff_scache_save_dest(c, 500, 1000, "D1", "other", "E1"), 0);
	ff_scache_size(c, &z);
	CHECK_INT_EQ(z.bindings, 3);

	UNIT_CASE("the refreshed binding outlives the other at 1000 ms");
	CHECK_INT_EQ(ff_scache_expire(c, 1000), 1500);
	ff_scache_size(c, &z);
	CHECK_INT_EQ(z.bindings, 2);
	ff_scache_save_endp(c, 1000, 1000, "E1", "e1", session("s4"));
	CHECK_STR_EQ(name_of(ff_scache_find_dest(c, "D1", &dp, &ep)), "s4");
	CHECK_STR_EQ(dp, "d1");
	CHECK_INT_EQ(ff_scache_expire(c, 1500), -1);
	ff_scache_size(c, &z);
	CHECK_INT_EQ(z.bindings, 0);
	CHECK_INT_EQ(z.dests, 0);
	ff_scache_free(c);
}

static void
test_expiry(void)
{
	struct ff_scache *c = ff_scache_new(0, 0);
	const char *prop;
	int p[2];
	char b;

	UNIT_CASE("a session expires at save time + ttl, and its descriptor is closed");
	if (!CHECK(pipe(p) == 0))
		return;
	ff_scache_save_endp(c, 100, 2000, "ep", "x", p[1]);
	ff_scache_save_endp(c, 200, 2000, "ep", "y", session("later"));
	CHECK_INT_EQ(ff_scache_expire(c, 2099), 2100);
	CHECK_INT_EQ(ff_scache_expire(c, 2100), 2200);
	CHECK_INT_EQ(read(p[0], &b, 1), 0);	/* the writer is gone */
	close(p[0]);
	CHECK_STR_EQ(name_of(ff_scache_find_endp(c, "ep", &prop)), "later");
	CHECK_INT_EQ(ff_scache_stats(c)->expired, 1);
	ff_scache_free(c);
}

static void
test_cap(void)
{
	struct ff_scache *c = ff_scache_new(2, 1);
	struct ff_scache_size z;
	const char *prop, *dp, *ep;

	UNIT_CASE("full: the session closest to expiry makes room");
	ff_scache_save_endp(c, 0, 5000, "a", "", session("long"));
	ff_scache_save_endp(c, 0, 1000, "b", "", session("short"));
	ff_scache_save_endp(c, 0, 3000, "c", "", session("new"));
	ff_scache_size(c, &z);
	CHECK_INT_EQ(z.sessions, 2);
	CHECK_STR_EQ(name_of(ff_scache_find_endp(c, "b", &prop)), "(miss)");
	CHECK_STR_EQ(name_of(ff_scache_find_endp(c, "a", &prop)), "long");
	CHECK_INT_EQ(ff_scache_stats(c)->evicted, 1);

	UNIT_CASE("equal times: the oldest makes room");
	ff_scache_save_endp(c, 0, 3000, "d", "", session("d"));	/* c and d: full */
	ff_scache_save_endp(c, 0, 3000, "f", "", session("f"));
	CHECK_STR_EQ(name_of(ff_scache_find_endp(c, "c", &prop)), "(miss)");
	CHECK_STR_EQ(name_of(ff_scache_find_endp(c, "d", &prop)), "d");
	CHECK_STR_EQ(name_of(ff_scache_find_endp(c, "f", &prop)), "f");

	UNIT_CASE("bindings have their own cap");
	ff_scache_save_endp(c, 0, 3000, "e", "", session("e"));
	ff_scache_save_dest(c, 0, 3000, "D1", "", "nowhere");
	ff_scache_save_dest(c, 0, 3000, "D2", "", "e");
	ff_scache_size(c, &z);
	CHECK_INT_EQ(z.bindings, 1);
	CHECK_STR_EQ(name_of(ff_scache_find_dest(c, "D2", &dp, &ep)), "e");
	ff_scache_free(c);
}

static int watched;

static void
hook(void *ctx, int fd, int added)
{
	(void)ctx;
	(void)fd;
	watched += added ? 1 : -1;
}

static void
test_hangup(void)
{
	struct ff_scache *c = ff_scache_new(0, 0);
	const char *prop;
	int sp[2];

	ff_scache_watch(c, hook, NULL);
	UNIT_CASE("a session whose peer hung up is not handed out");
	if (!CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0))
		return;
	ff_scache_save_endp(c, 0, 1000, "ep", "", sp[0]);
	ff_scache_save_endp(c, 0, 1000, "ep", "", session("alive"));
	CHECK_INT_EQ(watched, 2);
	close(sp[1]);
	CHECK_STR_EQ(name_of(ff_scache_find_endp(c, "ep", &prop)), "alive");
	CHECK_INT_EQ(ff_scache_stats(c)->hungup, 1);
	CHECK_INT_EQ(watched, 0);

	UNIT_CASE("drop_fd removes exactly that session");
	int fd = session("x");

	ff_scache_save_endp(c, 0, 1000, "ep", "", fd);
	ff_scache_save_endp(c, 0, 1000, "ep", "", session("y"));
	CHECK_INT_EQ(ff_scache_drop_fd(c, fd), 1);
	CHECK_INT_EQ(ff_scache_drop_fd(c, fd), 0);
	CHECK_STR_EQ(name_of(ff_scache_find_endp(c, "ep", &prop)), "y");

	UNIT_CASE("delete");
	ff_scache_save_endp(c, 0, 1000, "ep", "", session("1"));
	ff_scache_save_endp(c, 0, 1000, "ep", "", session("2"));
	ff_scache_save_endp(c, 0, 1000, "other", "", session("3"));
	ff_scache_save_dest(c, 0, 1000, "ep", "", "other");
	CHECK_INT_EQ(ff_scache_delete(c, FF_SCACHE_ENDP, "ep"), 2);
	CHECK_INT_EQ(ff_scache_delete(c, FF_SCACHE_ALL, "ep"), 1);
	CHECK_INT_EQ(ff_scache_delete(c, FF_SCACHE_ALL, NULL), 1);
	CHECK_INT_EQ(watched, 0);
	ff_scache_free(c);
}

static void
test_many(void)
{
	struct ff_scache *c = ff_scache_new(0, 0);
	struct ff_scache_size z;
	char label[32];
	const char *prop;
	int ok = 1;

	UNIT_CASE("1000 labels, expiring in a shuffled order");
	for (int i = 0; i < 1000; i++) {
		snprintf(label, sizeof(label), "ep%d", i);
		ok &= ff_scache_save_endp(c, 0, 1 + (i * 7919) % 1000, label, label,
		    open("/dev/null", O_RDONLY)) == 0;
	}
	CHECK(ok);
	ff_scache_size(c, &z);
	CHECK_INT_EQ(z.endps, 1000);
	CHECK_INT_EQ(ff_scache_expire(c, 500), 501);
	ff_scache_size(c, &z);
	CHECK_INT_EQ(z.sessions, 500);
	snprintf(label, sizeof(label), "ep%d", 1);	/* ttl 7920 % 1000 = 920 */
	CHECK(ff_scache_find_endp(c, label, &prop) >= 0);
	CHECK_STR_EQ(prop, "ep1");
	CHECK_INT_EQ(ff_scache_expire(c, 1000), -1);
	ff_scache_size(c, &z);
	CHECK_INT_EQ(z.sessions, 0);
	ff_scache_free(c);
}

/* ------------------------------------------------------------ server + client */

static pid_t
start_server(const char *dir, struct ff_scached *s)
{
	struct ff_err e;
	int privfd = open(dir, O_RDONLY | O_DIRECTORY), lfd;
	pid_t pid;

	if ((lfd = ff_scached_bind(privfd, "scache", &s->lockfd, &e)) < 0) {
		fprintf(stderr, "bind: %s\n", e.msg);
		return -1;
	}
	if ((pid = fork()) == 0) {
		alarm(20);
		_exit(ff_scached_run(s, lfd, &e) < 0 ? 1 : 0);
	}
	close(lfd);
	close(s->lockfd);
	s->lockfd = -1;
	close(privfd);
	return pid;
}

static void
test_server(void)
{
	struct ff_scached *s;
	struct ff_scclnt *c;
	struct ff_err e;
	struct ff_alist l;
	char *p1, *p2;
	int fd, st, lockfd = -1, privfd;
	pid_t pid;

	if (!CHECK((s = ff_scached_new()) != NULL))
		return;
	s->idle_ms = 300;
	s->ttl_limit_ms = 10000;
	pid = start_server(unit_tmpdir(), s);
	ff_scached_free(s);
	if (!CHECK(pid > 0))
		return;

	UNIT_CASE("a second server on the same directory: the lock says no");
	privfd = open(unit_tmpdir(), O_RDONLY | O_DIRECTORY);
	CHECK_INT_EQ(ff_scached_bind(privfd, "scache", &lockfd, &e), -1);
	CHECK(strstr(e.msg, "another cache server is running") != NULL);

	UNIT_CASE("connect and greeting");
	if (!CHECK((c = ff_scclnt_connect(unit_path("scache"), 2000, &e)) != NULL))
		return;
	UNIT_CASE("save_endp, save_dest, find_dest");
	CHECK_INT_EQ(ff_scclnt_save_endp(c, 100, "ep", "eprop", (fd = session("S1")), &e), 0);
	close(fd);
	CHECK_INT_EQ(ff_scclnt_save_dest(c, 100, "dom", "dprop", "ep", &e), 0);
	CHECK_INT_EQ(ff_scclnt_find_dest(c, "dom", &p1, &p2, &fd, &e), 0);
	CHECK_STR_EQ(p1, "dprop");
	CHECK_STR_EQ(p2, "eprop");
	CHECK_STR_EQ(name_of(fd), "S1");
	free(p1);
	free(p2);
	UNIT_CASE("a miss");
	CHECK_INT_EQ(ff_scclnt_find_endp(c, "ep", &p1, &fd, &e), FF_SCACHE_FAIL);
	CHECK_STR_EQ(p1, "");
	free(p1);
	UNIT_CASE("ttl 0 is a bad request");
	CHECK_INT_EQ(ff_scclnt_save_dest(c, 0, "dom", "dprop", "ep", &e), FF_SCACHE_BAD);
	UNIT_CASE("list and stats");
	ff_scclnt_save_endp(c, 100, "ep2", "p", (fd = session("S2")), &e);
	close(fd);
	CHECK_INT_EQ(ff_scclnt_call(c, "list", NULL, 0, &l, &e), 0);
	CHECK_STR_EQ(ff_alist_get(&l, "count"), "2");
	ff_alist_free(&l);
	CHECK_INT_EQ(ff_scclnt_call(c, "stats", NULL, 0, &l, &e), 0);
	CHECK_STR_EQ(ff_alist_get(&l, "domain_hits"), "1");
	CHECK_STR_EQ(ff_alist_get(&l, "address_misses"), "1");
	CHECK_STR_EQ(ff_alist_get(&l, "sessions"), "1");
	ff_alist_free(&l);
	UNIT_CASE("delete");
	const char *nv[] = { "kind", "endp", "label", "ep2" };

	CHECK_INT_EQ(ff_scclnt_call(c, "delete", nv, 4, &l, &e), 0);
	CHECK_STR_EQ(ff_alist_get(&l, "count"), "1");
	ff_alist_free(&l);
	UNIT_CASE("an unknown request");
	CHECK_INT_EQ(ff_scclnt_call(c, "nonsense", NULL, 0, &l, &e), FF_SCACHE_BAD);
	ff_alist_free(&l);
	ff_scclnt_close(c);

	UNIT_CASE("the server exits after max_idle without clients");
	CHECK_INT_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	UNIT_CASE("and then a new one may start");
	lockfd = -1;
	CHECK((fd = ff_scached_bind(privfd, "scache", &lockfd, &e)) >= 0);
	close(fd);
	close(lockfd);
	close(privfd);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_fifo),
	UNIT_TEST(test_dest),
	UNIT_TEST(test_expiry),
	UNIT_TEST(test_cap),
	UNIT_TEST(test_hangup),
	UNIT_TEST(test_many),
	UNIT_TEST(test_server),
};

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	return unit_run(tests, UNIT_COUNT(tests));
}
