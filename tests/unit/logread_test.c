/*
 * logread_test.c - reading fast flush logfiles line by line
 *
 * Every line counts (Postfix counts bad lines too, POSTFIX-FACTS 4.5),
 * empty, overlong and NUL-containing lines come back with ok = 0, and
 * lines may straddle the FF_LOGREAD_CHUNK read boundary.
 */
#include <sys/wait.h>
#include <fcntl.h>

#include "unit.h"
#include "flush/logread.h"

#define CAP	(FF_QID_MAX + 1)	/* longest line returned whole */

struct want {
	const char *text;	/* the line as written; NULL: do not compare */
	size_t len;		/* its length */
	int ok;
};

static struct ff_logread reader;	/* 64 KiB: not on the stack */

/* line_matches - a line as expected (see check_lines) */
static int
line_matches(const char *id, size_t len, int ok, const struct want *w)
{
	if (ok != w->ok)
		return 0;
	if (w->text == NULL)
		return 1;
	if (w->len > CAP)
		return len > 0 && len <= CAP && memcmp(id, w->text, len) == 0;
	return len == w->len && memcmp(id, w->text, len) == 0;
}

/*
 * check_lines - read fd to its end and compare with want. A line longer
 * than CAP must come back cut to at most CAP bytes (a prefix), with ok = 0.
 * The first line that differs is shown in detail; the rest are counted.
 */
static void
check_lines(int fd, const struct want *w, size_t n)
{
	const char *id;
	size_t len, i, lines_that_differ = 0;
	char name[sizeof(unit_case)];
	int ok, rc;

	ff_logread_init(&reader, fd);
	for (i = 0; i < n; i++) {
		rc = ff_logread_next(&reader, &id, &len, &ok);
		if (!CHECK_INT_EQ(rc, 1)) {
			fprintf(stderr, "    (reading line %zu of %zu)\n", i + 1, n);
			return;
		}
		if (line_matches(id, len, ok, &w[i]) || lines_that_differ++ > 0)
			continue;
		snprintf(name, sizeof(name), "%s", unit_case);
		UNIT_CASE("%s, line %zu of %zu", name, i + 1, n);
		CHECK_INT_EQ(ok, w[i].ok);
		if (w[i].text != NULL && w[i].len > CAP) {
			if (!CHECK(len > 0 && len <= CAP))
				fprintf(stderr, "    (a %zu-byte line came back with %zu bytes)\n",
				    w[i].len, len);
			else
				CHECK_MEM_EQ(id, len, w[i].text, len);
		} else if (w[i].text != NULL) {
			CHECK_MEM_EQ(id, len, w[i].text, w[i].len);
		}
		UNIT_CASE("%s", name);
	}
	CHECK_INT_EQ(lines_that_differ, 0);
	/* then end of file, and it stays there */
	CHECK_INT_EQ(ff_logread_next(&reader, &id, &len, &ok), 0);
	CHECK_INT_EQ(ff_logread_next(&reader, &id, &len, &ok), 0);
}

static void
check_file(const char *data, size_t size, const struct want *w, size_t n)
{
	const char *path = unit_path("log");
	int fd;

	unit_write(path, data, size);
	if (!CHECK((fd = open(path, O_RDONLY)) >= 0))
		return;
	check_lines(fd, w, n);
	close(fd);
}

#define W(s, k)		{ .text = s, .len = sizeof(s) - 1, .ok = k }
#define MAXW		8

static void
test_small(void)
{
	static const struct {
		const char *name;
		const char *data;
		size_t size;	/* 0: strlen(data) */
		struct want w[MAXW];
		size_t n;
	} t[] = {
		{ .name = "empty file", .data = "", .n = 0 },
		{ .name = "one line", .data = "ABC123\n", .w = { W("ABC123", 1) }, .n = 1 },
		{ .name = "normal lines", .data = "9FBF11234\n4SVLCh4dz5z4k3\nab_cd\n",
		  .w = { W("9FBF11234", 1), W("4SVLCh4dz5z4k3", 1), W("ab_cd", 1) }, .n = 3 },
		{ .name = "last line without newline", .data = "ABC\nDEF",
		  .w = { W("ABC", 1), W("DEF", 1) }, .n = 2 },
		{ .name = "only a newline", .data = "\n", .w = { W("", 0) }, .n = 1 },
		{ .name = "empty lines", .data = "\n\nABC\n\n",
		  .w = { W("", 0), W("", 0), W("ABC", 1), W("", 0) }, .n = 4 },
		{ .name = "bad IDs are lines too", .data = "../x\nAB.CD\nOK1\na b\n",
		  .w = { W("../x", 0), W("AB.CD", 0), W("OK1", 1), W("a b", 0) }, .n = 4 },
		{ .name = "CRLF", .data = "ABC\r\nDEF\n",
		  .w = { W("ABC\r", 0), W("DEF", 1) }, .n = 2 },
		{ .name = "NUL inside a line", .data = "AB\0CD\nEF\n", .size = 9,
		  .w = { { .text = NULL, .ok = 0 }, W("EF", 1) }, .n = 2 },
		{ .name = "NUL line without newline", .data = "EF\nAB\0CD", .size = 8,
		  .w = { W("EF", 1), { .text = NULL, .ok = 0 } }, .n = 2 },
		{ .name = "only a NUL", .data = "\0\n", .size = 2,
		  .w = { { .text = NULL, .ok = 0 } }, .n = 1 },
		{ .name = "8-bit bytes", .data = "caf\xc3\xa9\nOK\n",
		  .w = { W("caf\xc3\xa9", 0), W("OK", 1) }, .n = 2 },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		UNIT_CASE("%s", t[i].name);
		check_file(t[i].data, t[i].size ? t[i].size : strlen(t[i].data), t[i].w, t[i].n);
	}
}

/* a generated logfile: lines of given lengths, the last maybe without '\n' */
struct gen {
	const char *name;
	size_t lens[8];		/* line lengths; repeat[0] copies of lens[0] first */
	size_t nlens;
	size_t repeat;		/* copies of lens[0] before the rest */
	int no_final_newline;
};

/* check_lens - a logfile of generated lines of the given lengths */
static void
check_lens(const size_t *lens, size_t nlines, int no_final_newline)
{
	static const char alpha[] = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789_abcdefghijk";
	size_t size = 0, pos = 0;
	struct want *w = calloc(nlines ? nlines : 1, sizeof(*w));
	char *data = NULL;

	for (size_t i = 0; i < nlines; i++)
		size += lens[i] + 1;
	if (!CHECK(w != NULL && (data = malloc(size)) != NULL)) {
		free(w);
		return;
	}
	for (size_t i = 0; i < nlines; i++) {
		w[i].text = data + pos;
		w[i].len = lens[i];
		w[i].ok = lens[i] >= 1 && lens[i] <= FF_QID_MAX;
		for (size_t j = 0; j < lens[i]; j++)
			data[pos++] = alpha[(i * 7 + j) % (sizeof(alpha) - 1)];
		data[pos++] = '\n';
	}
	check_file(data, size - (no_final_newline ? 1 : 0), w, nlines);
	free(data);
	free(w);
}

static void
check_generated(const struct gen *g)
{
	size_t n = g->repeat + g->nlens - 1;
	size_t *lens = malloc(n * sizeof(*lens));

	if (!CHECK(lens != NULL))
		return;
	for (size_t i = 0; i < n; i++)
		lens[i] = i < g->repeat ? g->lens[0] : g->lens[i - g->repeat + 1];
	check_lens(lens, n, g->no_final_newline);
	free(lens);
}

static void
test_chunk_boundaries(void)
{
	/* 655 lines of 99 characters + newline fill 65500 bytes */
	static const struct gen t[] = {
		{ .name = "newline is the last byte of a chunk", .repeat = 655,
		  .lens = { 99, 35, 5 }, .nlens = 3 },
		{ .name = "newline is the first byte of a chunk", .repeat = 655,
		  .lens = { 99, 36, 5 }, .nlens = 3 },
		{ .name = "line starts a chunk", .repeat = 655,
		  .lens = { 99, 35, 7, 5 }, .nlens = 4 },
		{ .name = "line spans the boundary", .repeat = 655,
		  .lens = { 99, 100, 5 }, .nlens = 3 },
		{ .name = "255-char line spans the boundary", .repeat = 654,
		  .lens = { 99, 255, 5 }, .nlens = 3 },
		{ .name = "256-char line spans the boundary", .repeat = 654,
		  .lens = { 99, 256, 5 }, .nlens = 3 },
		{ .name = "300-char line spans the boundary", .repeat = 654,
		  .lens = { 99, 300, 5 }, .nlens = 3 },
		{ .name = "335-char line ends exactly at the boundary", .repeat = 652,
		  .lens = { 99, 335, 5 }, .nlens = 3 },
		{ .name = "empty line at the boundary", .repeat = 655,
		  .lens = { 99, 35, 0, 5 }, .nlens = 4 },
		{ .name = "file ends at the boundary without newline", .repeat = 655,
		  .lens = { 99, 36 }, .nlens = 2, .no_final_newline = 1 },
		{ .name = "file ends just after the boundary without newline", .repeat = 655,
		  .lens = { 99, 37 }, .nlens = 2, .no_final_newline = 1 },
		{ .name = "three chunks of 254-char lines", .repeat = 800,
		  .lens = { 254, 1 }, .nlens = 2 },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		UNIT_CASE("%s", t[i].name);
		check_generated(&t[i]);
	}
}

/* lines of assorted lengths (0 to 300) over several chunks */
static void
test_assorted(void)
{
	static size_t lens[3000];
	uint32_t x = 12345;

	for (size_t i = 0; i < UNIT_COUNT(lens); i++) {
		x = x * 1103515245u + 12345u;
		lens[i] = (x >> 16) % 301;
	}
	UNIT_CASE("3000 lines");
	check_lens(lens, UNIT_COUNT(lens), 0);
	UNIT_CASE("3000 lines, no final newline");
	check_lens(lens, UNIT_COUNT(lens), 1);
}

static void
test_long_lines(void)
{
	static const struct gen t[] = {
		{ .name = "255 chars", .repeat = 1, .lens = { 255, 3 }, .nlens = 2 },
		{ .name = "256 chars", .repeat = 1, .lens = { 256, 3 }, .nlens = 2 },
		{ .name = "257 chars", .repeat = 1, .lens = { 257, 3 }, .nlens = 2 },
		{ .name = "300 chars then a good line", .repeat = 1, .lens = { 300, 9 },
		  .nlens = 2 },
		{ .name = "two 300-char lines", .repeat = 2, .lens = { 300, 9 }, .nlens = 2 },
		{ .name = "1 MB line without newline", .repeat = 1, .lens = { 1 << 20 },
		  .nlens = 1, .no_final_newline = 1 },
		{ .name = "1 MB line then a good line", .repeat = 1, .lens = { 1 << 20, 9 },
		  .nlens = 2 },
		{ .name = "good line, 1 MB line, good line", .repeat = 1,
		  .lens = { 9, 1 << 20, 12 }, .nlens = 3 },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		UNIT_CASE("%s", t[i].name);
		check_generated(&t[i]);
	}
}

/* feed - a child writes the pieces into a pipe, pausing between them */
static pid_t
feed(int fd, const char *const *pieces, size_t n, const char *big, size_t bigsize)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	for (size_t i = 0; i < n; i++) {
		if (write(fd, pieces[i], strlen(pieces[i])) < 0)
			_exit(1);
		usleep(2000);
	}
	for (size_t off = 0; off < bigsize;) {
		ssize_t k = write(fd, big + off, bigsize - off);
		if (k < 0)
			_exit(1);
		off += (size_t)k;
	}
	_exit(0);
}

static void
check_pipe(const char *const *pieces, size_t n, const char *big, size_t bigsize,
    const struct want *w, size_t nw)
{
	int p[2], status;
	pid_t pid;

	if (!CHECK_INT_EQ(pipe(p), 0))
		return;
	pid = feed(p[1], pieces, n, big, bigsize);
	close(p[1]);
	if (!CHECK(pid > 0)) {
		close(p[0]);
		return;
	}
	check_lines(p[0], w, nw);
	close(p[0]);
	CHECK_INT_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* a pipe returns short reads: lines are put together across them */
static void
test_pipe(void)
{
	static const char *const pieces[] = { "AB", "C\nDE", "F\n", "\n", "G", "HI\nJK", "L" };
	static const struct want w[] = {
		W("ABC", 1), W("DEF", 1), W("", 0), W("GHI", 1), W("JKL", 1),
	};
	static const char *const lead[] = { "FIRST\n", "SEC" };
	static char long_start[CAP + 1];
	size_t bigsize = (1 << 20) + 6;
	char *big = malloc(bigsize);
	struct want wb[4] = { W("FIRST", 1), { .len = 0, .ok = 0 }, W("LAST", 1) };

	UNIT_CASE("pieces");
	check_pipe(pieces, UNIT_COUNT(pieces), NULL, 0, w, UNIT_COUNT(w));

	UNIT_CASE("1 MB line through a pipe");
	if (!CHECK(big != NULL))
		return;
	memset(big, 'X', bigsize);
	memcpy(big + bigsize - 6, "\nLAST\n", 6);
	/* the long line is "SEC" + 1 MB of X: only its start is compared */
	memset(long_start, 'X', CAP);
	memcpy(long_start, "SEC", 3);
	wb[1].text = long_start;
	wb[1].len = (1 << 20) + 3;
	check_pipe(lead, UNIT_COUNT(lead), big, bigsize - 1, wb, 3);
	free(big);
}

/* reading starts at the descriptor's offset; read errors are -1 */
static void
test_offset_and_errors(void)
{
	static const struct want w[] = { W("DEF", 1), W("GHI", 1) };
	const char *path = unit_path("offset");
	const char *id;
	size_t len;
	int fd, ok;

	UNIT_CASE("offset");
	unit_write(path, "ABC\nDEF\nGHI\n", 12);
	if (CHECK((fd = open(path, O_RDONLY)) >= 0)) {
		CHECK_INT_EQ(lseek(fd, 4, SEEK_SET), 4);
		check_lines(fd, w, UNIT_COUNT(w));
		close(fd);
	}

	UNIT_CASE("a directory");
	if (CHECK((fd = open(unit_tmpdir(), O_RDONLY)) >= 0)) {
		ff_logread_init(&reader, fd);
		errno = 0;
		CHECK_INT_EQ(ff_logread_next(&reader, &id, &len, &ok), -1);
		CHECK_INT_EQ(errno, EISDIR);
		close(fd);
	}

	UNIT_CASE("a closed descriptor");
	ff_logread_init(&reader, -1);
	errno = 0;
	CHECK_INT_EQ(ff_logread_next(&reader, &id, &len, &ok), -1);
	CHECK_INT_EQ(errno, EBADF);
}

int
main(void)
{
	static const struct unit_test tests[] = {
		UNIT_TEST(test_small),
		UNIT_TEST(test_chunk_boundaries),
		UNIT_TEST(test_assorted),
		UNIT_TEST(test_long_lines),
		UNIT_TEST(test_pipe),
		UNIT_TEST(test_offset_and_errors),
	};

	return unit_run(tests, UNIT_COUNT(tests));
}
