/*
 * attr0_test - the attribute list codec, the flush server's decisions
 * without a spool, and the client against the server
 *
 * Numbers: POSTFIX-FACTS 1.2 (E12). Scan semantics: 1.3. Server
 * decisions: 2.2-2.5 (the spool-changing cases are compared with the
 * real Postfix in tests/interop).
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdint.h>

#include "postfix/attr0.h"
#include "flush/flushclnt.h"
#include "flush/flushd.h"
#include "unit.h"

static void
test_number(void)
{
	static const struct {
		const char *in;
		int ok;
		unsigned value;
	} tab[] = {
		{ "0", 1, 0 },
		{ "3", 1, 3 },
		{ "+3", 1, 3 },
		{ " 3", 1, 3 },
		{ "\t\n3", 1, 3 },
		{ "007", 1, 7 },
		{ "-1", 1, 4294967295u },
		{ "4294967295", 1, 4294967295u },
		{ "4294967296", 1, 0 },
		{ "99999999999", 1, 1215752191u },
		{ "999999999999999999999999999", 1, 4294967295u },
		{ "3 ", 0, 0 },
		{ "0x10", 0, 0 },
		{ "", 0, 0 },
		{ "-", 0, 0 },
		{ " ", 0, 0 },
		{ "a", 0, 0 },
		{ "1a", 0, 0 },
		{ "++1", 0, 0 },
	};
	unsigned v;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		UNIT_CASE("\"%s\"", tab[i].in);
		v = 12345;
		CHECK_INT_EQ(ff_attr_number(tab[i].in, &v) == 0, tab[i].ok);
		if (tab[i].ok)
			CHECK_INT_EQ(v, tab[i].value);
	}
}

/* input - a descriptor that reads the given bytes, then end of input */
static int
input(const char *data, size_t len)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		abort();
	if (write(sv[1], data, len) != (ssize_t)len)
		abort();
	close(sv[1]);
	return sv[0];
}

static void
test_scan(void)
{
	static const char *const want[] = { "site", "queue_id" };
	static const struct {
		const char *name;
		const char *in;
		size_t len;
		int more, expect;
	} tab[] = {
		/* L(x): x and its implicit NUL, the list's end; N(x): x only */
#define L(x) x, sizeof(x)
#define N(x) x, sizeof(x) - 1
		{ "both", L("site\0a\0queue_id\0B\0"), 0, 2 },
		{ "trailing extra", L("site\0a\0queue_id\0B\0foo\0bar\0"), 0, 2 },
		{ "extra first", L("foo\0x\0site\0a\0queue_id\0B\0"), 0, 0 },
		{ "wrong order", L("queue_id\0B\0site\0a\0"), 0, 0 },
		{ "missing", L("site\0a\0"), 0, 1 },
		{ "duplicate", L("site\0a\0site\0b\0"), 0, 1 },
		{ "empty list", L(""), 0, 0 },
		{ "end of input", N(""), 0, 0 },
		{ "cut in a name", N("site\0a\0que"), 0, -1 },
		{ "cut in a value", N("site\0a"), 0, -1 },
		{ "no terminator", N("site\0a\0queue_id\0B\0"), 0, -1 },
		{ "more: no terminator needed", N("site\0a\0queue_id\0B\0"), 1, 2 },
		{ "extra name then end of input", N("site\0a\0queue_id\0B\0foo\0"), 0, 2 },
#undef L
#undef N
	};
	struct ff_ain in;
	struct ff_str v[2];
	int fd;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		UNIT_CASE("%s", tab[i].name);
		fd = input(tab[i].in, tab[i].len);
		ff_ain_init(&in, fd, 1000, 100, 1000);
		CHECK_INT_EQ(ff_attr_scan(&in, tab[i].more, want, 2, v), tab[i].expect);
		if (tab[i].expect >= 1)
			CHECK_STR_EQ(v[0].p, "a");
		if (tab[i].expect == 2)
			CHECK_STR_EQ(v[1].p, "B");
		ff_str_free(&v[0]);
		ff_str_free(&v[1]);
		ff_ain_free(&in);
		close(fd);
	}
}

static void
test_limits(void)
{
	static const char *const want[] = { "site" };
	char big[300];
	struct ff_ain in;
	struct ff_str v = { 0 };
	int fd;

	UNIT_CASE("string over max_string");
	memset(big, 'x', sizeof(big));
	memcpy(big, "site\0", 5);
	fd = input(big, sizeof(big));
	ff_ain_init(&in, fd, 1000, 100, 100000);
	CHECK_INT_EQ(ff_attr_scan(&in, 0, want, 1, &v), -1);
	CHECK_INT_EQ(in.over, 1);
	ff_ain_free(&in);
	close(fd);

	UNIT_CASE("input over max_total");
	fd = input(big, sizeof(big));
	ff_ain_init(&in, fd, 1000, 1000, 50);
	CHECK_INT_EQ(ff_attr_scan(&in, 0, want, 1, &v), -1);
	CHECK_INT_EQ(in.over, 1);
	CHECK(in.total <= 50);
	ff_ain_free(&in);
	close(fd);

	UNIT_CASE("no limit (max_total SIZE_MAX) reads in chunks, not bytes");
	{
		static char data[64 * 1024];
		size_t calls = 0, got = 0;
		int r;

		fd = input(data, sizeof(data));
		ff_ain_init(&in, fd, 1000, 1000, SIZE_MAX);
		while ((r = ff_ain_fill(&in)) > 0) {
			calls++;
			got += (size_t)r;
		}
		CHECK_INT_EQ(r, 0);
		CHECK_INT_EQ(got, sizeof(data));
		CHECK(calls <= 32);	/* was one read(2) per byte */
		CHECK(in.cap >= sizeof(data));
		ff_ain_free(&in);
		close(fd);
	}

	UNIT_CASE("time-out");
	{
		int sv[2];

		socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
		write(sv[1], "site\0", 5);
		ff_ain_init(&in, sv[0], 50, 1000, 1000);
		CHECK_INT_EQ(ff_attr_scan(&in, 0, want, 1, &v), -1);
		CHECK_INT_EQ(in.timedout, 1);
		ff_ain_free(&in);
		close(sv[0]);
		close(sv[1]);
	}
}

static void
test_output(void)
{
	struct ff_aout o = { 0 };
	int sv[2];
	char buf[64];

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	ff_aout_num(&o, "status", -1);
	ff_aout_end(&o);
	CHECK_INT_EQ(ff_aout_write(&o, sv[0], 1000), 0);
	CHECK_MEM_EQ(buf, (size_t)read(sv[1], buf, sizeof(buf)), "status\0004294967295\0", 19);
	ff_aout_free(&o);
	close(sv[0]);
	close(sv[1]);
}

/* serve - fflushd's reply to in, with no spool (every known request fails) */
static size_t
serve(const char *in, size_t len, int mode, char *out, size_t size)
{
	struct ff_flushd *d;
	struct ff_err e;
	int sv[2];
	ssize_t n;
	size_t got = 0;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if (len && write(sv[1], in, len) != (ssize_t)len)
		abort();
	shutdown(sv[1], SHUT_WR);
	if ((d = ff_flushd_new()) == NULL)
		abort();
	ff_flushd_set_mode(d, mode);
	ff_flushd_set_timeout(d, 1000);
	ff_err_set(&e, FF_CONFIG, "no spool in this test");
	ff_flushd_set_error(d, &e);
	ff_flushd_serve(d, NULL, sv[0], sv[0]);
	ff_flushd_free(d);
	close(sv[0]);
	while ((n = read(sv[1], out + got, size - got)) > 0)
		got += (size_t)n;
	close(sv[1]);
	return got;
}

#define GREET "protocol\0queue_flush_protocol\0\0"
#define GREET_LEN 31

static void
test_server(void)
{
	static const struct {
		const char *name, *in;
		size_t len;
		int mode;
		const char *out;
		size_t outlen;
	} tab[] = {
#define L(x) x, sizeof(x)
#define N(x) x, sizeof(x) - 1
		{ "empty: bad", "", 0, FF_FLUSHD_AUTO, GREET "status\0" "3\0", GREET_LEN + 10 },
		{ "W: answered first", N("W"), FF_FLUSHD_AUTO, GREET "status\0" "0\0", GREET_LEN + 10 },
		{ "W NUL", L("W"), FF_FLUSHD_AUTO, GREET "status\0" "0\0", GREET_LEN + 10 },
		{ "WW: unknown", N("WW"), FF_FLUSHD_AUTO, GREET, GREET_LEN },
		{ "W NUL NUL: attribute path", L("W\0"), FF_FLUSHD_AUTO, GREET "status\0" "3\0",
		    GREET_LEN + 10 },
		{ "refresh is not rfrsh", L("request\0refresh\0"), FF_FLUSHD_AUTO, GREET, GREET_LEN },
		{ "rfrsh", L("request\0rfrsh\0"), FF_FLUSHD_AUTO, GREET "status\0" "0\0",
		    GREET_LEN + 10 },
		{ "add without a spool fails", L("request\0add\0site\0a.example\0queue_id\0ABC\0"),
		    FF_FLUSHD_AUTO, GREET "status\0" "4294967295\0", GREET_LEN + 19 },
		{ "add with a bad ID is bad first", L("request\0add\0site\0a\0queue_id\0../x\0"),
		    FF_FLUSHD_AUTO, GREET "status\0" "3\0", GREET_LEN + 10 },
		{ "first attribute not request", L("site\0a\0"), FF_FLUSHD_AUTO,
		    GREET "status\0" "3\0", GREET_LEN + 10 },
		{ "text help", N("help\n"), FF_FLUSHD_AUTO,
		    "0 ok commands=add,send,send-file,refresh,purge,help\n", 52 },
		{ "text in any case, CRLF", N("SEND example.com\r\n"), FF_FLUSHD_AUTO,
		    "78 config msg=\"no spool in this test\"\n", 38 },
		{ "text usage", N("send\n"), FF_FLUSHD_AUTO, "64 usage msg=\"usage: send SITE\"\n", 32 },
		{ "text: bad ID", N("send-file ../x\n"), FF_FLUSHD_AUTO,
		    "65 bad msg=\"bad queue ID\"\n", 26 },
		{ "--text: NUL", N("add\0x"), FF_FLUSHD_TEXT,
		    "65 bad msg=\"NUL byte in a text request\"\n", 40 },
		{ "--postfix: a text line is Postfix's problem", N("help\n"), FF_FLUSHD_POSTFIX,
		    GREET "status\0" "3\0", GREET_LEN + 10 },
#undef L
#undef N
	};
	char out[512];
	size_t n;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		UNIT_CASE("%s", tab[i].name);
		n = serve(tab[i].in, tab[i].len, tab[i].mode, out, sizeof(out));
		CHECK_MEM_EQ(out, n, tab[i].out, tab[i].outlen);
	}
}

/* the client against the server, on a real UNIX-domain socket */
static void
test_client(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ff_err e;
	struct ff_flushd *d;
	pid_t pid;
	int lfd, cfd, st;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", unit_path("flush.sock"));
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (!CHECK(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0 && listen(lfd, 4) == 0))
		return;
	if ((pid = fork()) == 0) {
		for (int i = 0; i < 3; i++) {
			cfd = accept(lfd, NULL, NULL);
			if ((d = ff_flushd_new()) == NULL)
				_exit(1);
			ff_flushd_set_timeout(d, 2000);
			ff_err_set(&e, FF_CONFIG, "no spool");
			ff_flushd_set_error(d, &e);
			ff_flushd_serve(d, NULL, cfd, cfd);
			ff_flushd_free(d);
			close(cfd);
		}
		_exit(0);
	}
	close(lfd);
	UNIT_CASE("rfrsh");
	CHECK_INT_EQ(ff_flush_ask(sun.sun_path, "rfrsh", NULL, NULL, 2000, &e), 0);
	UNIT_CASE("send_site without a spool");
	CHECK_INT_EQ(ff_flush_ask(sun.sun_path, "send_site", "example.com", NULL, 2000, &e), -1);
	CHECK_INT_EQ(e.status, FF_TEMP);
	UNIT_CASE("unknown request: no status");
	CHECK_INT_EQ(ff_flush_ask(sun.sun_path, "send", "example.com", NULL, 2000, &e), -1);
	CHECK(strstr(e.msg, "no status") != NULL);
	waitpid(pid, &st, 0);
	UNIT_CASE("nobody listening");
	CHECK_INT_EQ(ff_flush_ask(sun.sun_path, "rfrsh", NULL, NULL, 500, &e), -1);
	CHECK_INT_EQ(e.status, FF_TEMP);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_number),
	UNIT_TEST(test_scan),
	UNIT_TEST(test_limits),
	UNIT_TEST(test_output),
	UNIT_TEST(test_server),
	UNIT_TEST(test_client),
};

int
main(void)
{
	return unit_run(tests, UNIT_COUNT(tests));
}
