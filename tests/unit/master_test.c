/*
 * master_test.c - master(8)'s arguments and status records (lib/postfix/master.c),
 * and the one-connection loop of lib/server/server.c over a status channel
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <poll.h>

#include "postfix/master.h"
#include "server/server.h"
#include "unit.h"

static int
parse(struct ff_master *m, struct ff_err *e, char **argv)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	return ff_master_args(m, argc, argv, e);
}

static void
test_args(void)
{
	struct ff_master *m = ff_master_new();
	struct ff_err e = { .status = FF_OK };
	const char *const *ov;
	char **rest;
	size_t nov;
	int nrest;

	if (!CHECK(m != NULL))
		return;

	UNIT_CASE("Debian's flush line with fflushd as its command");
	setenv("GENERATION", "17", 1);
	char *a1[] = { "fflushd", "-z", "-n", "flush", "-t", "unix", "-u", "-c", NULL };
	CHECK_INT_EQ(parse(m, &e, a1), 0);
	CHECK_STR_EQ(ff_master_service(m), "flush");
	CHECK_STR_EQ(ff_master_transport(m), "unix");
	CHECK_INT_EQ((int)ff_master_flags(m), FF_MASTER_F_UNLIMITED | FF_MASTER_F_UNPRIVILEGED |
	    FF_MASTER_F_CHROOT);	/* not solitary, not one-shot */
	CHECK_INT_EQ((int)ff_master_generation(m), 017);	/* octal, as master writes it */
	CHECK_INT_EQ(ff_master_status_fd(m), FF_MASTER_STATUS_FD);
	CHECK_INT_EQ(ff_master_nlisten(m), 1);
	(void)ff_master_rest(m, &nrest);
	CHECK_INT_EQ(nrest, 0);

	UNIT_CASE("scache: -l, the command field's own arguments, -o, -i and -m");
	char *a2[] = { "/usr/lib/postfix/sbin/scache-ctl", "-l", "-t", "unix", "-v", "-o",
		"syslog_name=postfix/cache", "-i", "30", "-mmm", "-s", "2", "serve", "-a",
		"find=nobody", NULL };
	CHECK_INT_EQ(parse(m, &e, a2), 0);	/* parsed again: what m held is replaced */
	CHECK_STR_EQ(ff_master_service(m), "scache-ctl");	/* no -n: the program's name */
	CHECK_INT_EQ((int)ff_master_flags(m), FF_MASTER_F_SOLITARY);
	CHECK_INT_EQ(ff_master_verbose(m), 1);
	CHECK_INT_EQ(ff_master_nlisten(m), 2);
	ov = ff_master_overrides(m, &nov);
	if (CHECK_INT_EQ((int)nov, 3)) {
		CHECK_STR_EQ(ov[0], "syslog_name=postfix/cache");
		CHECK_STR_EQ(ov[1], "max_idle=30");
		CHECK_STR_EQ(ov[2], "max_use=mm");
	}
	rest = ff_master_rest(m, &nrest);
	if (CHECK_INT_EQ(nrest, 3)) {
		CHECK_STR_EQ(rest[0], "serve");
		CHECK_STR_EQ(rest[2], "find=nobody");
	}
	ff_master_free(m);

	UNIT_CASE("-S needs no transport and no status channel");
	char *a3[] = { "fflushd", "-S", "-u", NULL };
	if (!CHECK((m = ff_master_new()) != NULL))
		return;
	CHECK_INT_EQ(parse(m, &e, a3), 0);
	CHECK_INT_EQ((int)(ff_master_flags(m) & FF_MASTER_F_ONESHOT), FF_MASTER_F_ONESHOT);
	CHECK_INT_EQ(ff_master_status_fd(m), -1);

	static struct {
		char *argv[6];
		const char *why;
	} bad[] = {
		{ { "fflushd", "-n", "flush", NULL }, "no transport type" },
		{ { "fflushd", "-t", "fifo", NULL }, "unsupported transport type: fifo" },
		{ { "fflushd", "-t", "unix", "-x", NULL }, "invalid option: -x" },
		{ { "fflushd", "-t", "unix", "-o", "novalue", NULL }, "name=value expected" },
		{ { "fflushd", "-t", "unix", "-s", "0", NULL }, "invalid socket count" },
		{ { "fflushd", "-t", "unix", "-n", NULL }, "needs a value" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		UNIT_CASE("bad: %s", bad[i].why);
		ff_err_clear(&e);
		CHECK_INT_EQ(parse(m, &e, bad[i].argv), -1);
		CHECK(strstr(e.msg, bad[i].why) != NULL);
	}

	UNIT_CASE("bad generation");
	setenv("GENERATION", "18", 1);	/* 8 is not an octal digit */
	char *a4[] = { "fflushd", "-t", "unix", NULL };
	CHECK_INT_EQ(parse(m, &e, a4), -1);
	CHECK(strstr(e.msg, "bad generation") != NULL);
	ff_master_free(m);
	unsetenv("GENERATION");
}

/* the record master reads: {pid, generation, status}, only on a change */
static void
test_notify(void)
{
	struct ff_master *m = ff_master_new();
	int sv[2], rec[3];

	if (!CHECK(m != NULL && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0))
		return;
	ff_master_set_status(m, sv[1], 0123);
	CHECK_INT_EQ(ff_master_notify(m, FF_MASTER_TAKEN), 0);
	CHECK_INT_EQ(ff_master_notify(m, FF_MASTER_TAKEN), 0);	/* no change: nothing */
	CHECK_INT_EQ(ff_master_notify(m, FF_MASTER_AVAIL), 0);
	CHECK_INT_EQ((int)recv(sv[0], rec, sizeof(rec), 0), 12);
	CHECK_INT_EQ(rec[0], (int)getpid());
	CHECK_INT_EQ(rec[1], 0123);
	CHECK_INT_EQ(rec[2], FF_MASTER_TAKEN);
	CHECK_INT_EQ((int)recv(sv[0], rec, sizeof(rec), 0), 12);
	CHECK_INT_EQ(rec[2], FF_MASTER_AVAIL);
	CHECK_INT_EQ((int)recv(sv[0], rec, sizeof(rec), MSG_DONTWAIT), -1);
	/* master gone: the caller learns it */
	close(sv[0]);
	CHECK_INT_EQ(ff_master_notify(m, FF_MASTER_TAKEN), -1);
	close(sv[1]);
	ff_master_free(m);
}

static int served;

static int
serve_one(void *ctx, int fd)
{
	(void)ctx;
	served++;
	return (int)write(fd, "x", 1);
}

/* connect - one client of path; returns its descriptor */
static int
client(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ff_server_loop: taken / available around each connection, max_use, exit on EOF */
static void
test_loop(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ff_master *m = ff_master_new();
	struct ff_server *s = ff_server_new();
	int sv[2], lfd, rec[3];
	char b;

	if (!CHECK(m != NULL && s != NULL))
		return;
	ff_server_set_master(s, m);
	ff_server_set_serve(s, serve_one, NULL);

	strlcpy(sun.sun_path, unit_path("sock"), sizeof(sun.sun_path));
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (!CHECK(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0 && listen(lfd, 8) == 0 &&
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && ff_server_add_listen(s, lfd) == 0))
		return;

	/*
	 * AVAIL at the start, then TAKEN and AVAIL around each connection
	 * for the first half of max_use; then the process is retiring: it
	 * stays TAKEN (master starts its successor at the next connection)
	 * and serves on until used up
	 */
	static const struct {
		long max_use;
		int nwant;
	} cases[] = { { 4, 4 }, { 2, 2 }, { 1, 2 } };
	for (size_t k = 0; k < 3; k++) {
		int want[] = { FF_MASTER_AVAIL, FF_MASTER_TAKEN, FF_MASTER_AVAIL, FF_MASTER_TAKEN };
		int c[4], nc = (int)cases[k].max_use, before = served;

		UNIT_CASE("max_use %ld: %d connections, then FF_SERVER_USED", cases[k].max_use, nc);
		ff_master_set_status(m, sv[1], 7);	/* nothing sent yet */
		for (int i = 0; i < nc; i++)
			c[i] = client(sun.sun_path);
		ff_server_set_max_use(s, cases[k].max_use);
		CHECK_INT_EQ(ff_server_loop(s), FF_SERVER_USED);
		CHECK_INT_EQ(served - before, nc);
		for (int i = 0; i < nc; i++) {
			CHECK_INT_EQ((int)read(c[i], &b, 1), 1);
			close(c[i]);
		}
		for (int i = 0; i < cases[k].nwant; i++) {
			if (!CHECK_INT_EQ((int)recv(sv[0], rec, sizeof(rec), MSG_DONTWAIT), 12))
				break;
			CHECK_INT_EQ(rec[1], 7);
			CHECK_INT_EQ(rec[2], want[i]);
		}
		CHECK_INT_EQ((int)recv(sv[0], rec, sizeof(rec), MSG_DONTWAIT), -1);
	}

	UNIT_CASE("max_idle: FF_SERVER_IDLE without a connection");
	ff_server_set_max_use(s, 0);
	ff_server_set_max_idle(s, 50);
	CHECK_INT_EQ(ff_server_loop(s), FF_SERVER_IDLE);

	UNIT_CASE("the status channel closes: FF_SERVER_GONE");
	ff_server_set_max_idle(s, 0);
	close(sv[0]);
	CHECK_INT_EQ(ff_server_loop(s), FF_SERVER_GONE);
	CHECK_INT_EQ(served, 7);
	close(sv[1]);
	close(lfd);
	ff_server_free(s);
	ff_master_free(m);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_args),
	UNIT_TEST(test_notify),
	UNIT_TEST(test_loop),
};

int
main(void)
{
	return unit_run(tests, UNIT_COUNT(tests));
}
