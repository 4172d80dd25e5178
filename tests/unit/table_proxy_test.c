/*
 * table_proxy_test.c - proxy:TYPE:NAME against a scripted proxymap
 *
 * A fake proxymap (a child process, one more per connection) listens on
 * TMP/private/proxymap and answers as the key or table says; it logs each
 * connection and request to TMP/log, so that the tests can see the flags
 * sent and how many connections were made. The real proxymap is
 * compared in tests/interop/table_proxy.bats.
 *
 * The fake answers the open request of any table with status 0 and the
 * flags of a fixed table (28), a table whose name starts with "regexp:"
 * with a pattern table's (32), "hash:/deny" with 4 (denied), "hash:/bad"
 * with 3. A lookup's answer depends on its key:
 *	nokey, retry, bad, deny, config, weird	status 1, 2, 3, 4, 5, 9
 *	garbage		a reply whose status is not a number
 *	close		the connection closes instead of a reply
 *	dropreused	the same, but only on a connection that has served
 *			a request before
 *	bye		the value "bye", then the connection closes
 *	hang		no reply (the connection stays open)
 *	long		a value of LONG_VALUE bytes "x"
 *	anything else	status 0 and the value "v:KEY"
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <signal.h>
#include <time.h>

#include "unit.h"
#include "postfix/attr0.h"
#include "postfix/table.h"

#define LONG_VALUE	100000

enum greeting { GREET_OK, GREET_WRONG, GREET_NONE };

static pid_t server = -1;

/* logf - append one line to TMP/log */
static void __attribute__((format(printf, 1, 2)))
logf_line(const char *fmt, ...)
{
	FILE *fp = fopen(unit_path("log"), "a");
	va_list ap;

	if (fp == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fputc('\n', fp);
	fclose(fp);
}

/* send_list - NAME VALUE ... NULL as one attribute list */
static void
send_list(int fd, ...)
{
	struct ff_aout o = { 0 };
	const char *name, *value;
	va_list ap;

	va_start(ap, fd);
	while ((name = va_arg(ap, const char *)) != NULL) {
		value = va_arg(ap, const char *);
		ff_aout_put(&o, name, value);
	}
	va_end(ap);
	ff_aout_end(&o);
	(void)ff_aout_write(&o, fd, 5000);
	ff_aout_free(&o);
}

/* read_request - one request list: its values by name; 0 at the end */
static int
read_request(FILE *fp, char *req, char *table, char *flags, char *key, size_t size)
{
	char *line = NULL, *name = NULL;
	size_t cap = 0, ncap = 0;
	int got = 0;

	req[0] = table[0] = flags[0] = key[0] = 0;
	for (;;) {
		if (getdelim(&name, &ncap, 0, fp) <= 0)
			break;
		if (name[0] == 0) {
			got = 1;
			break;
		}
		if (getdelim(&line, &cap, 0, fp) <= 0)
			break;
		if (strcmp(name, "request") == 0)
			strlcpy(req, line, size);
		else if (strcmp(name, "table") == 0)
			strlcpy(table, line, size);
		else if (strcmp(name, "flags") == 0)
			strlcpy(flags, line, size);
		else if (strcmp(name, "key") == 0)
			strlcpy(key, line, size);
	}
	free(line);
	free(name);
	return got;
}

/* serve_conn - one client connection of the fake proxymap */
static void
serve_conn(int fd, enum greeting greeting)
{
	FILE *fp = fdopen(dup(fd), "r");
	char req[256], table[256], flags[64], key[256];
	int served = 0;

	if (greeting == GREET_OK)
		send_list(fd, "protocol", "proxymap_protocol", NULL);
	else if (greeting == GREET_WRONG)
		send_list(fd, "protocol", "queue_flush_protocol", NULL);
	while (fp != NULL && read_request(fp, req, table, flags, key, sizeof(req))) {
		logf_line("%s %s %s%s%s", req, table, flags, key[0] ? " " : "", key);
		if (strcmp(req, "open") == 0) {
			const char *st = strcmp(table, "hash:/deny") == 0 ? "4" :
			    strcmp(table, "hash:/bad") == 0 ? "3" : "0";

			send_list(fd, "status", st, "flags",
			    strncmp(table, "regexp:", 7) == 0 ? "32" : "28", NULL);
		} else if (strcmp(key, "nokey") == 0) {
			send_list(fd, "status", "1", "value", "", NULL);
		} else if (strcmp(key, "retry") == 0) {
			send_list(fd, "status", "2", "value", "", NULL);
		} else if (strcmp(key, "bad") == 0) {
			send_list(fd, "status", "3", "value", "", NULL);
		} else if (strcmp(key, "deny") == 0) {
			send_list(fd, "status", "4", "value", "", NULL);
		} else if (strcmp(key, "config") == 0) {
			send_list(fd, "status", "5", "value", "", NULL);
		} else if (strcmp(key, "weird") == 0) {
			send_list(fd, "status", "9", "value", "", NULL);
		} else if (strcmp(key, "garbage") == 0) {
			send_list(fd, "status", "zero", "value", "", NULL);
		} else if (strcmp(key, "close") == 0 ||
		    (strcmp(key, "dropreused") == 0 && served > 0)) {
			break;
		} else if (strcmp(key, "bye") == 0) {
			send_list(fd, "status", "0", "value", "bye", NULL);
			break;
		} else if (strcmp(key, "hang") == 0) {
			continue;
		} else if (strcmp(key, "long") == 0) {
			char *v = malloc(LONG_VALUE + 1);

			memset(v, 'x', LONG_VALUE);
			v[LONG_VALUE] = 0;
			send_list(fd, "status", "0", "value", v, NULL);
			free(v);
		} else {
			char v[300];

			snprintf(v, sizeof(v), "v:%s", key);
			send_list(fd, "status", "0", "value", v, NULL);
		}
		served++;
	}
	if (fp != NULL)
		fclose(fp);
}

/* start_server - the fake proxymap on TMP/private/proxymap */
static void
start_server(enum greeting greeting)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd, c;

	mkdir(unit_path("private"), 0755);
	strlcpy(sun.sun_path, unit_path("private/proxymap"), sizeof(sun.sun_path));
	unlink(sun.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(lfd, 16) < 0) {
		perror("fake proxymap");
		exit(2);
	}
	unlink(unit_path("log"));
	fflush(NULL);
	if ((server = fork()) == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGCHLD, SIG_IGN);	/* no zombies */
		while ((c = accept(lfd, NULL, NULL)) >= 0) {
			logf_line("connect");
			if (fork() == 0) {
				close(lfd);
				serve_conn(c, greeting);
				_exit(0);
			}
			close(c);
		}
		_exit(0);
	}
	close(lfd);
}

static void
stop_server(void)
{
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
	}
	server = -1;
	unlink(unit_path("private/proxymap"));
}

/* log_count - lines of TMP/log that start with prefix */
static int
log_count(const char *prefix)
{
	FILE *fp = fopen(unit_path("log"), "r");
	char line[512];
	int n = 0;

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			n++;
	fclose(fp);
	return n;
}

static void
ctx_for_test(struct ff_table_ctx *ctx, long timeout_ms)
{
	ff_table_ctx_init(ctx, NULL);
	strlcpy(ctx->queue_dir, unit_tmpdir(), sizeof(ctx->queue_dir));
	ctx->timeout_ms = timeout_ms;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void
test_lookups(void)
{
	static const struct {
		const char *key;
		int r;
		const char *value_or_msg;
	} cases[] = {
		{ "example.com", 1, "v:example.com" },
		{ "Mixed.Case", 1, "v:Mixed.Case" },
		{ "-", 1, "v:-" },
		{ "nokey", 0, NULL },
		{ "retry", -1, "proxy:hash:/t: proxymap: hash:/t: table lookup problem" },
		{ "config", -1, "proxy:hash:/t: proxymap: hash:/t: table configuration problem" },
		{ "bad", -1, "proxy:hash:/t: proxymap: lookup request for hash:/t: invalid request" },
		{ "deny", -1, "proxy:hash:/t: proxymap: hash:/t is not in proxy_read_maps"
		    " (list proxy:hash:/t there)" },
		{ "weird", -1, "unexpected status 9" },
		{ "garbage", -1, "malformed status \"zero\"" },
		{ "after.garbage", 1, "v:after.garbage" },
	};
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e;
	const char *v;
	int r;

	start_server(GREET_OK);
	ctx_for_test(&ctx, 5000);
	t = ff_table_open("proxy:hash:/t", &ctx, &e);
	if (!CHECK(t != NULL))
		return;
	CHECK_INT_EQ(ff_table_broken(t), 0);
	CHECK_INT_EQ(ff_table_fixed(t), 1);
	for (size_t i = 0; i < UNIT_COUNT(cases); i++) {
		UNIT_CASE("key %s", cases[i].key);
		v = NULL;
		e.msg[0] = 0;
		r = ff_table_lookup(t, cases[i].key, &v, &e);
		CHECK_INT_EQ(r, cases[i].r);
		if (r > 0)
			CHECK_STR_EQ(v, cases[i].value_or_msg);
		if (r < 0) {
			CHECK_INT_EQ(e.status, FF_FAIL);
			if (!CHECK(strstr(e.msg, cases[i].value_or_msg) != NULL))
				fprintf(stderr, "    message: %s\n", e.msg);
		}
	}
	UNIT_CASE("protocol");
	/* Postfix's flush sends flags 0 with open, 524352 with lookups */
	CHECK_INT_EQ(log_count("open hash:/t 0"), 1);
	CHECK_INT_EQ(log_count("lookup hash:/t 524352 example.com"), 1);
	CHECK_INT_EQ(log_count("lookup hash:/t 524352 "), (int)UNIT_COUNT(cases));
	CHECK_INT_EQ(log_count("connect"), 1);
	CHECK_INT_EQ(ff_table_changed(t), 0);
	ff_table_close(t);
	stop_server();
}

static void
test_reconnect(void)
{
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e;
	const char *v = NULL;

	start_server(GREET_OK);
	ctx_for_test(&ctx, 5000);
	t = ff_table_open("proxy:hash:/t", &ctx, &e);
	if (!CHECK(t != NULL))
		return;
	UNIT_CASE("many lookups, one connection");
	for (int i = 0; i < 50; i++)
		CHECK_INT_EQ(ff_table_lookup(t, "a.example", &v, &e), 1);
	CHECK_INT_EQ(log_count("connect"), 1);
	UNIT_CASE("the server closed the idle connection");
	CHECK_INT_EQ(ff_table_lookup(t, "bye", &v, &e), 1);
	CHECK_STR_EQ(v, "bye");
	CHECK_INT_EQ(ff_table_lookup(t, "b.example", &v, &e), 1);
	CHECK_STR_EQ(v, "v:b.example");
	CHECK_INT_EQ(log_count("connect"), 2);
	UNIT_CASE("closed just as the request came: sent again once");
	CHECK_INT_EQ(ff_table_lookup(t, "dropreused", &v, &e), 1);
	CHECK_STR_EQ(v, "v:dropreused");
	CHECK_INT_EQ(log_count("connect"), 3);
	CHECK_INT_EQ(log_count("lookup hash:/t 524352 dropreused"), 2);
	UNIT_CASE("closed again on the new connection: fails");
	CHECK_INT_EQ(ff_table_lookup(t, "close", &v, &e), -1);
	CHECK(strstr(e.msg, "connection closed before the reply") != NULL);
	CHECK_INT_EQ(log_count("lookup hash:/t 524352 close"), 2);
	UNIT_CASE("and then it works again");
	CHECK_INT_EQ(ff_table_lookup(t, "c.example", &v, &e), 1);
	CHECK_INT_EQ(log_count("open "), 1);
	ff_table_close(t);
	stop_server();
}

static void
test_open_later(void)
{
	struct ff_table_ctx ctx;
	struct ff_table *t, *rx;
	struct ff_err e = { .status = FF_OK };
	const char *v = NULL;

	ctx_for_test(&ctx, 5000);
	UNIT_CASE("no proxymap when opened");
	unlink(unit_path("private/proxymap"));
	t = ff_table_open("proxy:hash:/t", &ctx, &e);
	if (!CHECK(t != NULL))
		return;
	CHECK_INT_EQ(ff_table_broken(t), 0);
	CHECK_INT_EQ(ff_table_fixed(t), 0);
	CHECK_INT_EQ(ff_table_lookup(t, "a.example", &v, &e), -1);
	CHECK_INT_EQ(e.status, FF_FAIL);
	CHECK(strstr(e.msg, "proxy:hash:/t: proxymap service: connect to ") != NULL);
	CHECK(strstr(e.msg, "/private/proxymap: No such file or directory") != NULL);
	UNIT_CASE("proxymap started since");
	start_server(GREET_OK);
	CHECK_INT_EQ(ff_table_lookup(t, "a.example", &v, &e), 1);
	CHECK_STR_EQ(v, "v:a.example");
	CHECK_INT_EQ(ff_table_fixed(t), 1);
	CHECK_INT_EQ(log_count("open hash:/t 0"), 1);
	UNIT_CASE("a pattern table");
	rx = ff_table_open("proxy:regexp:/r", &ctx, &e);
	if (CHECK(rx != NULL)) {
		CHECK_INT_EQ(ff_table_fixed(rx), 0);
		CHECK_INT_EQ(ff_table_lookup(rx, "x", &v, &e), 1);
		ff_table_close(rx);
	}
	ff_table_close(t);
	UNIT_CASE("denied at open");
	t = ff_table_open("proxy:hash:/deny", &ctx, &e);
	if (CHECK(t != NULL)) {
		CHECK_INT_EQ(ff_table_broken(t), 0);
		CHECK_INT_EQ(ff_table_lookup(t, "a.example", &v, &e), -1);
		CHECK_STR_EQ(e.msg, "proxy:hash:/deny: proxymap: hash:/deny is not in"
		    " proxy_read_maps (list proxy:hash:/deny there)");
		CHECK_INT_EQ(log_count("open hash:/deny 0"), 2);	/* tried again */
		CHECK_INT_EQ(log_count("lookup hash:/deny"), 0);
		ff_table_close(t);
	}
	UNIT_CASE("bad request at open");
	t = ff_table_open("proxy:hash:/bad", &ctx, &e);
	if (CHECK(t != NULL)) {
		CHECK_INT_EQ(ff_table_lookup(t, "a.example", &v, &e), -1);
		CHECK(strstr(e.msg, "open request for hash:/bad: invalid request") != NULL);
		ff_table_close(t);
	}
	stop_server();
}

static void
test_broken_server(void)
{
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e;
	const char *v = NULL;
	long t0;

	UNIT_CASE("wrong greeting");
	start_server(GREET_WRONG);
	ctx_for_test(&ctx, 2000);
	t = ff_table_open("proxy:hash:/t", &ctx, &e);
	if (CHECK(t != NULL)) {
		CHECK_INT_EQ(ff_table_lookup(t, "a.example", &v, &e), -1);
		CHECK(strstr(e.msg, "protocol \"queue_flush_protocol\", not \"proxymap_protocol\"")
		    != NULL);
		ff_table_close(t);
	}
	stop_server();
	UNIT_CASE("no greeting: time-out");
	start_server(GREET_NONE);
	ctx_for_test(&ctx, 300);
	t0 = now_ms();
	t = ff_table_open("proxy:hash:/t", &ctx, &e);
	if (CHECK(t != NULL)) {
		CHECK_INT_EQ(ff_table_lookup(t, "a.example", &v, &e), -1);
		if (!CHECK(strstr(e.msg, "no greeting within 0.3s") != NULL))
			fprintf(stderr, "    message: %s\n", e.msg);
		ff_table_close(t);
	}
	/* one wait at open, one at the lookup */
	CHECK(now_ms() - t0 >= 600);
	CHECK(now_ms() - t0 < 3000);
	stop_server();
	UNIT_CASE("no reply: time-out");
	start_server(GREET_OK);
	t = ff_table_open("proxy:hash:/t", &ctx, &e);
	if (CHECK(t != NULL)) {
		t0 = now_ms();
		CHECK_INT_EQ(ff_table_lookup(t, "hang", &v, &e), -1);
		CHECK(strstr(e.msg, "no reply within 0.3s") != NULL);
		CHECK(now_ms() - t0 >= 300);
		CHECK_INT_EQ(ff_table_lookup(t, "long", &v, &e), 1);
		CHECK_INT_EQ(strlen(v), LONG_VALUE);
		ff_table_close(t);
	}
	stop_server();
}

static void
test_syntax(void)
{
	static const char *const bad[] = { "proxy:hash", "proxy:proxy:x", "proxy::x", "proxy:x:" };
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e;
	const char *v;

	ctx_for_test(&ctx, 1000);
	for (size_t i = 0; i < UNIT_COUNT(bad); i++) {
		UNIT_CASE("%s", bad[i]);
		t = ff_table_open(bad[i], &ctx, &e);
		if (!CHECK(t != NULL))
			continue;
		CHECK_INT_EQ(ff_table_broken(t), 1);
		CHECK(strstr(e.msg, "bad syntax; need \"proxy:type:name\"") != NULL);
		CHECK_INT_EQ(ff_table_lookup(t, "x", &v, &e), -1);
		ff_table_close(t);
	}
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_lookups),
	UNIT_TEST(test_reconnect),
	UNIT_TEST(test_open_later),
	UNIT_TEST(test_broken_server),
	UNIT_TEST(test_syntax),
};

int
main(void)
{
	return unit_run(tests, UNIT_COUNT(tests));
}
