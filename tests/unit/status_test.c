/*
 * status_test.c - exit codes, wire status, status names and error values
 * (SPEC 5: sysexits(3) codes; POSTFIX-FACTS 2.4: flush status on the wire)
 */
#include <sysexits.h>

#include "unit.h"
#include "flush/flushproto.h"
#include "util/status.h"

static void
test_tables(void)
{
	static const struct {
		enum ff_status st;
		int exit;	/* sysexits(3), written out: the codes are a contract */
		int wire;	/* Postfix flush status */
		const char *name;
	} t[] = {
		{ .st = FF_OK, .exit = 0, .wire = 0, .name = "ok" },
		{ .st = FF_NOTHING, .exit = 1, .wire = 0, .name = "nothing" },
		{ .st = FF_USAGE, .exit = 64, .wire = 3, .name = "usage" },
		{ .st = FF_BAD, .exit = 65, .wire = 3, .name = "bad" },
		{ .st = FF_BADSITE, .exit = 65, .wire = 4, .name = "bad" },
		{ .st = FF_DENY, .exit = 77, .wire = 4, .name = "denied" },
		{ .st = FF_FAIL, .exit = 78, .wire = -1, .name = "failed" },
		{ .st = FF_CONFIG, .exit = 78, .wire = -1, .name = "config" },
		{ .st = FF_TEMP, .exit = 75, .wire = -1, .name = "tempfail" },
		{ .st = FF_SYSERR, .exit = 71, .wire = -1, .name = "error" },
		{ .st = FF_SOFTWARE, .exit = 70, .wire = -1, .name = "software" },
		/* out of range: an internal error */
		{ .st = (enum ff_status)99, .exit = 70, .wire = -1, .name = "software" },
		{ .st = (enum ff_status)-1, .exit = 70, .wire = -1, .name = "software" },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		UNIT_CASE("status %d (%s)", (int)t[i].st, t[i].name);
		CHECK_INT_EQ(ff_status_exit(t[i].st), t[i].exit);
		CHECK_INT_EQ(ff_flush_wire_status(t[i].st, 0), t[i].wire);
		CHECK_STR_EQ(ff_status_name(t[i].st), t[i].name);
	}
	/* the written-out codes are sysexits(3)'s */
	UNIT_CASE("sysexits.h");
	CHECK_INT_EQ(ff_status_exit(FF_USAGE), EX_USAGE);
	CHECK_INT_EQ(ff_status_exit(FF_BAD), EX_DATAERR);
	CHECK_INT_EQ(ff_status_exit(FF_DENY), EX_NOPERM);
	CHECK_INT_EQ(ff_status_exit(FF_CONFIG), EX_CONFIG);
	CHECK_INT_EQ(ff_status_exit(FF_TEMP), EX_TEMPFAIL);
	CHECK_INT_EQ(ff_status_exit(FF_SYSERR), EX_OSERR);
	CHECK_INT_EQ(ff_status_exit(FF_SOFTWARE), EX_SOFTWARE);
	CHECK_INT_EQ(ff_status_exit(FF_NOTHING), FF_EXIT_NOTHING);
}

/* the status that decides a command's exit when several items failed */
static void
test_worse(void)
{
	static const struct {
		enum ff_status a, b, want;
	} t[] = {
		{ FF_OK, FF_OK, FF_OK },
		{ FF_OK, FF_NOTHING, FF_NOTHING },
		{ FF_NOTHING, FF_OK, FF_NOTHING },
		{ FF_OK, FF_DENY, FF_DENY },
		{ FF_DENY, FF_BAD, FF_BAD },
		{ FF_BAD, FF_FAIL, FF_FAIL },
		{ FF_FAIL, FF_TEMP, FF_TEMP },
		{ FF_TEMP, FF_SYSERR, FF_SYSERR },
		{ FF_SYSERR, FF_SOFTWARE, FF_SOFTWARE },
		{ FF_SOFTWARE, FF_OK, FF_SOFTWARE },
		{ FF_TEMP, FF_NOTHING, FF_TEMP },
		{ FF_USAGE, FF_SOFTWARE, FF_USAGE },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		UNIT_CASE("%s vs %s", ff_status_name(t[i].a), ff_status_name(t[i].b));
		CHECK_INT_EQ(ff_status_worse(t[i].a, t[i].b), t[i].want);
	}
}

static void
test_err_sys(void)
{
	static const struct {
		int errnum;
		enum ff_status want;
	} t[] = {
		{ EIO, FF_TEMP },
		{ ENOSPC, FF_TEMP },
		{ EDQUOT, FF_TEMP },
		{ EAGAIN, FF_TEMP },
		{ EINTR, FF_TEMP },
		{ ENOMEM, FF_TEMP },
		{ EMFILE, FF_TEMP },
		{ ENFILE, FF_TEMP },
		{ EACCES, FF_SYSERR },
		{ EPERM, FF_SYSERR },
		{ ENOENT, FF_SYSERR },
		{ ENOTDIR, FF_SYSERR },
		{ ELOOP, FF_SYSERR },
		{ EROFS, FF_SYSERR },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		struct ff_err e;
		char want[sizeof(e.msg)];

		UNIT_CASE("%s", strerror(t[i].errnum));
		memset(&e, 0, sizeof(e));
		errno = 0;
		CHECK_INT_EQ(ff_err_sys(&e, t[i].errnum, "open %s", "/x/y"), -1);
		CHECK_INT_EQ(e.status, t[i].want);
		CHECK_INT_EQ(ff_errno_status(t[i].errnum), t[i].want);
		CHECK_INT_EQ(e.errnum, t[i].errnum);
		CHECK_INT_EQ(errno, t[i].errnum);	/* errno is set for the caller */
		snprintf(want, sizeof(want), "open /x/y: %s", strerror(t[i].errnum));
		CHECK_STR_EQ(e.msg, want);
	}
}

static void
test_err_set(void)
{
	struct ff_err e;
	char big[2000];

	UNIT_CASE("ff_err_set");
	memset(&e, 0, sizeof(e));
	e.errnum = 5;
	CHECK_INT_EQ(ff_err_set(&e, FF_DENY, "%s: %d", "site", 42), -1);
	CHECK_INT_EQ(e.status, FF_DENY);
	CHECK_INT_EQ(e.errnum, 0);
	CHECK_STR_EQ(e.msg, "site: 42");

	UNIT_CASE("a long message is cut, NUL-terminated");
	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	CHECK_INT_EQ(ff_err_set(&e, FF_BAD, "%s", big), -1);
	CHECK_INT_EQ(strlen(e.msg), sizeof(e.msg) - 1);
	CHECK_INT_EQ(ff_err_sys(&e, EIO, "%s", big), -1);
	CHECK_INT_EQ(strlen(e.msg), sizeof(e.msg) - 1);
	CHECK_INT_EQ(e.status, FF_TEMP);

	UNIT_CASE("no error value");
	CHECK_INT_EQ(ff_err_set(NULL, FF_BAD, "x"), -1);
	CHECK_INT_EQ(ff_err_sys(NULL, EACCES, "x"), -1);
	CHECK_INT_EQ(errno, EACCES);

	UNIT_CASE("ff_err_clear");
	ff_err_sys(&e, EACCES, "x");
	ff_err_clear(&e);
	CHECK_INT_EQ(e.status, FF_OK);
	CHECK_INT_EQ(e.errnum, 0);
	CHECK_STR_EQ(e.msg, "");
}

int
main(void)
{
	static const struct unit_test tests[] = {
		UNIT_TEST(test_tables),
		UNIT_TEST(test_worse),
		UNIT_TEST(test_err_sys),
		UNIT_TEST(test_err_set),
	};

	return unit_run(tests, UNIT_COUNT(tests));
}
