/*
 * table_postmap_test.c - types without a built-in module, through a
 * scripted stand-in for Postfix's postmap
 *
 * ctx->postmap is a shell script that records its arguments and standard
 * input and answers as postmap -q would for the key: found, not found,
 * not found with warnings, fatal, another exit status, a signal, no
 * answer, too much output. The real postmap is compared in
 * tests/interop/table_postmap.bats.
 */
#include <sys/stat.h>

#include <time.h>

#include "unit.h"
#include "postfix/table.h"

static const char script[] =
	"#!/bin/sh\n"
	"# args: -c DIR -f -q KEY -- TYPE:NAME\n"
	"printf '[%s]' \"$@\" > \"$2/args\"\n"
	"case $5 in\n"
	"found) echo 'value one' ;;\n"
	"empty) echo ;;\n"
	"nonl) printf 'no newline' ;;\n"
	"two) printf 'line1\\nline2\\n' ;;\n"
	"missing) exit 1 ;;\n"
	"warn) echo 'postmap: warning: odd but harmless' >&2; exit 1 ;;\n"
	"warnfound) echo 'postmap: warning: noted' >&2; echo val ;;\n"
	"fatal) echo 'postmap: warning: first' >&2\n"
	"	echo 'postmap: fatal: unsupported dictionary type: mysql' >&2; exit 1 ;;\n"
	"dberr) echo 'postmap: fatal: table mysql:/x.cf: query error: Connection refused' >&2\n"
	"	exit 1 ;;\n"
	"status3) echo 'something broke' >&2; exit 3 ;;\n"
	"signal) kill -9 $$ ;;\n"
	"hang) exec sleep 600 ;;\n"
	"big) exec head -c 2000000 /dev/zero ;;\n"
	"-) read k; [ \"$k\" = - ] && printf -- '-\\tdash value\\n' ;;\n"
	"-x) echo 'dash x' ;;\n"
	"*) exit 1 ;;\n"
	"esac\n";

static void
ctx_for_test(struct ff_table_ctx *ctx)
{
	ff_table_ctx_init(ctx, NULL);
	strlcpy(ctx->config_dir, unit_tmpdir(), sizeof(ctx->config_dir));
	strlcpy(ctx->postmap, unit_path("postmap"), sizeof(ctx->postmap));
	ctx->timeout_ms = 5000;
	unit_write(ctx->postmap, script, sizeof(script) - 1);
	chmod(ctx->postmap, 0755);
}

/* args - what the script was called with, as "[a][b]..." */
static const char *
args(void)
{
	static char buf[1024];
	FILE *fp = fopen(unit_path("args"), "r");
	size_t n = 0;

	if (fp != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
	}
	buf[n] = 0;
	return buf;
}

static void
test_answers(void)
{
	static const struct {
		const char *key;
		int r;
		const char *value_or_msg;
	} cases[] = {
		{ "found", 1, "value one" },
		{ "empty", 1, "" },
		{ "nonl", 1, "no newline" },
		{ "two", 1, "line1\nline2" },
		{ "missing", 0, NULL },
		{ "warn", 0, NULL },
		{ "warnfound", 1, "val" },
		{ "fatal", -1, "mysql:/etc/postfix/my.cf: postmap: fatal: unsupported dictionary"
		    " type: mysql; Debian ships mysql: tables in the package postfix-mysql" },
		{ "dberr", -1, "mysql:/etc/postfix/my.cf: postmap: fatal: table mysql:/x.cf:"
		    " query error: Connection refused" },
		{ "status3", -1, "/postmap exited with status 3: something broke" },
		{ "signal", -1, "/postmap killed by signal 9" },
		{ "big", -1, "/postmap: value too long (killed)" },
		{ "-", 1, "dash value" },
		{ "-x", 1, "dash x" },
	};
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e;
	const char *v;
	char want[600];
	int r;

	ctx_for_test(&ctx);
	t = ff_table_open("mysql:/etc/postfix/my.cf", &ctx, &e);
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
		if (strcmp(cases[i].key, "-") == 0)
			snprintf(want, sizeof(want), "[-c][%s][-f][-q][-][--][mysql:/etc/postfix/my.cf]",
			    unit_tmpdir());
		else
			snprintf(want, sizeof(want), "[-c][%s][-f][-q][%s][--][mysql:/etc/postfix/my.cf]",
			    unit_tmpdir(), cases[i].key);
		CHECK_STR_EQ(args(), want);
	}
	CHECK_INT_EQ(ff_table_changed(t), 0);
	ff_table_close(t);
}

static void
test_timeout(void)
{
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e;
	struct timespec a, b;
	const char *v;
	long ms;

	ctx_for_test(&ctx);
	ctx.timeout_ms = 300;
	t = ff_table_open("socketmap:unix:/nowhere:name", &ctx, &e);
	if (!CHECK(t != NULL))
		return;
	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK_INT_EQ(ff_table_lookup(t, "hang", &v, &e), -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	/*
	 * Not a speed test: at least the time-out, and far less than the
	 * fixture's 600 s, so the lookup was cut off rather than waited out
	 * (a loaded machine once took over 3 s to kill and reap it).
	 */
	CHECK(ms >= 300 && ms < 120000);
	CHECK(strstr(e.msg, "/postmap did not answer within 0.3s (killed)") != NULL);
	ff_table_close(t);
}

static void
test_flags(void)
{
	static const struct {
		const char *spec;
		int fixed;
	} cases[] = {
		{ "mysql:/x.cf", 1 }, { "pgsql:/x.cf", 1 }, { "ldap:/x.cf", 1 },
		{ "sqlite:/x.cf", 1 }, { "memcache:/x.cf", 1 }, { "environ:x", 1 },
		{ "nis:mail.aliases", 1 }, { "unix:passwd.byname", 1 },
		{ "socketmap:inet:127.0.0.1:9:x", 0 }, { "tcp:127.0.0.1:9", 0 },
		{ "randmap:{a,b}", 0 }, { "nosuchtype:x", 0 },
	};
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e;

	ctx_for_test(&ctx);
	for (size_t i = 0; i < UNIT_COUNT(cases); i++) {
		UNIT_CASE("%s", cases[i].spec);
		t = ff_table_open(cases[i].spec, &ctx, &e);
		if (!CHECK(t != NULL))
			continue;
		CHECK_INT_EQ(ff_table_broken(t), 0);
		CHECK_INT_EQ(ff_table_fixed(t), cases[i].fixed);
		ff_table_close(t);
	}
}

static void
test_no_postmap(void)
{
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e;
	const char *v;

	ctx_for_test(&ctx);
	UNIT_CASE("missing");
	strlcpy(ctx.postmap, "/nonexistent/postmap", sizeof(ctx.postmap));
	t = ff_table_open("pgsql:/etc/postfix/pg.cf", &ctx, &e);
	if (CHECK(t != NULL)) {
		CHECK_INT_EQ(ff_table_broken(t), 1);
		CHECK_INT_EQ(e.status, FF_FAIL);
		CHECK_STR_EQ(e.msg, "pgsql:/etc/postfix/pg.cf: fastflush has no built-in pgsql:"
		    " tables and cannot run Postfix's postmap (/nonexistent/postmap: No such file"
		    " or directory): install Postfix's postmap or set command_directory; Debian"
		    " ships pgsql: tables in the package postfix-pgsql");
		CHECK_INT_EQ(ff_table_lookup(t, "x", &v, &e), -1);
		CHECK(strstr(e.msg, "cannot run Postfix's postmap") != NULL);
		ff_table_close(t);
	}
	UNIT_CASE("not executable");
	unit_write(unit_path("notexec"), "", 0);
	strlcpy(ctx.postmap, unit_path("notexec"), sizeof(ctx.postmap));
	t = ff_table_open("environ:x", &ctx, &e);
	if (CHECK(t != NULL)) {
		CHECK_INT_EQ(ff_table_broken(t), 1);
		CHECK(strstr(e.msg, "environ:x: fastflush has no built-in environ: tables and"
		    " cannot run Postfix's postmap (") != NULL);
		CHECK(strstr(e.msg, "Permission denied): install Postfix's postmap or set"
		    " command_directory") != NULL);
		CHECK(strstr(e.msg, "Debian") == NULL);
		ff_table_close(t);
	}
	UNIT_CASE("command_directory not set");
	ctx.postmap[0] = 0;
	t = ff_table_open("ldap:/l.cf", &ctx, &e);
	if (CHECK(t != NULL)) {
		CHECK_INT_EQ(ff_table_broken(t), 1);
		CHECK(strstr(e.msg, "command_directory is not set; Debian ships ldap: tables in"
		    " the package postfix-ldap") != NULL);
		ff_table_close(t);
	}
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_answers),
	UNIT_TEST(test_timeout),
	UNIT_TEST(test_flags),
	UNIT_TEST(test_no_postmap),
};

int
main(void)
{
	return unit_run(tests, UNIT_COUNT(tests));
}
