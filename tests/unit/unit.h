/*
 * unit.h - a tiny framework for the table-driven fastflush unit tests
 *
 * SYNOPSIS
 *	#include "unit.h"
 *
 *	CHECK(cond);
 *	CHECK_INT_EQ(actual, expected);
 *	CHECK_STR_EQ(actual, expected);
 *	CHECK_MEM_EQ(actual, actual_len, expected, expected_len);
 *	UNIT_CASE(fmt, ...);
 *
 *	static const struct unit_test tests[] = { UNIT_TEST(test_x), ... };
 *	int main(void) { return unit_run(tests, UNIT_COUNT(tests)); }
 *
 *	const char *unit_tmpdir(void);
 *	const char *unit_path(const char *name);
 *	void unit_write(const char *path, const void *data, size_t len);
 *
 * DESCRIPTION
 *	Each CHECK* macro evaluates its arguments once, counts one check,
 *	and on failure prints "file:line: [case] what: expected X, got Y"
 *	to stderr and counts one failure; it evaluates to 1 when the check
 *	passed and 0 when it failed, so a test can stop early with
 *	"if (!CHECK(p != NULL)) return;". The actual value comes first,
 *	the expected value second.
 *
 *	UNIT_CASE() names the table row (or situation) being checked; the
 *	name is printed with every failure until the next UNIT_CASE() or
 *	the end of the test function.
 *
 *	unit_run() runs the test functions in order, prints one summary
 *	line ("NAME: N checks, F failed") and returns 0 when at least
 *	one check ran and none failed, 1 otherwise: the return value for
 *	main(). Library diagnostics (msg.h) are silenced. An alarm
 *	(UNIT_TIMEOUT seconds) ends a test that hangs, with SIGALRM.
 *
 *	Strings in reports are quoted C-style; non-printable bytes show
 *	as \xNN. CHECK_STR_EQ() and CHECK_MEM_EQ() accept NULL.
 *
 *	unit_tmpdir() creates, once, a private directory that unit_run()
 *	removes at the end. unit_path() joins a name to it (the result
 *	lives until eight more calls). unit_write() creates a file with
 *	the given contents, or fails the test program.
 */
#ifndef FF_UNIT_H
#define FF_UNIT_H

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/msg.h"

#define UNIT_TIMEOUT	300
#define UNIT_FN		static __attribute__((unused))

struct unit_test {
	const char *name;
	void (*fn)(void);
};

#define UNIT_TEST(fn)	{ #fn, fn }
#define UNIT_COUNT(a)	(sizeof(a) / sizeof((a)[0]))

static int unit_checks, unit_failures;
static char unit_case[256];
static const char *unit_test_name = "";
static char unit_dir[PATH_MAX];

#define UNIT_CASE	unit_set_case

#define CHECK(cond) \
	unit_check(!!(cond), __FILE__, __LINE__, #cond)
#define CHECK_INT_EQ(act, exp) \
	unit_int_eq((long long)(act), (long long)(exp), __FILE__, __LINE__, #act)
#define CHECK_STR_EQ(act, exp) \
	unit_mem_eq((act), -1, (exp), -1, __FILE__, __LINE__, #act)
#define CHECK_MEM_EQ(act, alen, exp, elen) \
	unit_mem_eq((act), (long long)(alen), (exp), (long long)(elen), \
	    __FILE__, __LINE__, #act)

/* unit_set_case - name what the next checks are about */
UNIT_FN void __attribute__((format(printf, 1, 2)))
unit_set_case(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(unit_case, sizeof(unit_case), fmt, ap);
	va_end(ap);
}

/* unit_fail - report one failed check */
UNIT_FN void __attribute__((format(printf, 3, 4)))
unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	unit_failures++;
	fprintf(stderr, "%s:%d: %s%s%s%s", file, line, unit_test_name,
	    unit_case[0] ? " [" : "", unit_case, unit_case[0] ? "]: " : ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

UNIT_FN int
unit_check(int ok, const char *file, int line, const char *what)
{
	unit_checks++;
	if (!ok)
		unit_fail(file, line, "CHECK(%s) failed", what);
	return ok;
}

UNIT_FN int
unit_int_eq(long long act, long long exp, const char *file, int line, const char *what)
{
	unit_checks++;
	if (act != exp)
		unit_fail(file, line, "%s: expected %lld, got %lld", what, exp, act);
	return act == exp;
}

/* unit_quote - printable, bounded form of a byte string for a report */
UNIT_FN const char *
unit_quote(const char *s, size_t len, char *buf, size_t size)
{
	size_t o = 0, i;

	if (s == NULL)
		return "NULL";
	buf[o++] = '"';
	for (i = 0; i < len && o + 8 < size; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			o += (size_t)snprintf(buf + o, size - o, "\\%c", ch);
		else if (ch == '\n' || ch == '\t' || ch == '\r')
			o += (size_t)snprintf(buf + o, size - o, "\\%c",
			    ch == '\n' ? 'n' : ch == '\t' ? 't' : 'r');
		else if (isprint(ch))
			buf[o++] = (char)ch;
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
	}
	buf[o++] = '"';
	buf[o] = 0;
	if (i < len)
		snprintf(buf + o, size - o, "...(%zu bytes)", len);
	return buf;
}

/* unit_mem_eq - byte strings; a length of -1 means "up to the NUL" */
UNIT_FN int
unit_mem_eq(const char *act, long long alen, const char *exp, long long elen,
    const char *file, int line, const char *what)
{
	char qa[200], qe[200];
	size_t al, el;
	int ok;

	unit_checks++;
	al = act == NULL ? 0 : alen < 0 ? strlen(act) : (size_t)alen;
	el = exp == NULL ? 0 : elen < 0 ? strlen(exp) : (size_t)elen;
	if (act == NULL || exp == NULL)
		ok = act == exp;
	else
		ok = al == el && memcmp(act, exp, al) == 0;
	if (!ok)
		unit_fail(file, line, "%s: expected %s, got %s", what,
		    unit_quote(exp, el, qe, sizeof(qe)), unit_quote(act, al, qa, sizeof(qa)));
	return ok;
}

UNIT_FN const char *
unit_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (unit_dir[0] == 0) {
		snprintf(unit_dir, sizeof(unit_dir), "%s/fastflush-unit.XXXXXX",
		    base && *base ? base : "/tmp");
		if (mkdtemp(unit_dir) == NULL) {
			perror(unit_dir);
			exit(2);
		}
	}
	return unit_dir;
}

UNIT_FN const char *
unit_path(const char *name)
{
	static char ring[8][PATH_MAX];
	static unsigned next;
	char *p = ring[next++ % 8];

	if (snprintf(p, PATH_MAX, "%s/%s", unit_tmpdir(), name) >= PATH_MAX) {
		fprintf(stderr, "unit_path: %s: name too long\n", name);
		exit(2);
	}
	return p;
}

UNIT_FN void
unit_write(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
}

UNIT_FN int
unit_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

UNIT_FN int
unit_run(const struct unit_test *tests, size_t n)
{
	const char *file = __BASE_FILE__, *slash = strrchr(file, '/');

	ff_msg_stderr(FF_MSG_STDERR_NONE);	/* expected warnings stay quiet */
	alarm(UNIT_TIMEOUT);
	for (size_t i = 0; i < n; i++) {
		unit_test_name = tests[i].name;
		unit_case[0] = 0;
		tests[i].fn();
	}
	if (unit_dir[0] != 0 && nftw(unit_dir, unit_rm, 16, FTW_DEPTH | FTW_PHYS) < 0)
		fprintf(stderr, "warning: cannot remove %s: %s\n", unit_dir, strerror(errno));
	if (unit_checks == 0)
		unit_fail(file, 0, "no checks ran");
	printf("%s: %d checks, %d failed\n", slash ? slash + 1 : file,
	    unit_checks, unit_failures);
	return unit_failures != 0;
}

#endif
