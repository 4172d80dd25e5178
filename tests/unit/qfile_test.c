/*
 * qfile_test.c - reading Postfix queue files: what a delivery needs, and
 * nothing from a file that does not hold together
 *
 * Files are built record by record here (type, 7-bit-group length, data),
 * as cleanup(8) writes them; the hostile ones break one rule each. The
 * threaded reader (qread) must report a directory tree the same way on
 * one thread and on several: every file once, in the directory's order.
 */
#include <sys/stat.h>
#include <fcntl.h>

#include "unit.h"
#include "postfix/conf.h"
#include "postfix/qfile.h"
#include "postfix/qid.h"
#include "postfix/qread.h"

struct qbuf {
	char b[1 << 16];
	size_t len;
};

static struct ff_qfile q;	/* has a 16 KiB buffer: not on the stack */
static struct qbuf qb;

/* rec_len - a record with an explicit length field value */
static void
rec_len(struct qbuf *f, int type, const void *data, size_t dlen, size_t len)
{
	f->b[f->len++] = (char)type;
	do {
		unsigned char c = len & 0177;

		len >>= 7;
		if (len)
			c |= 0200;
		f->b[f->len++] = (char)c;
	} while (len);
	memcpy(f->b + f->len, data, dlen);
	f->len += dlen;
}

static void
rec(struct qbuf *f, int type, const char *data)
{
	rec_len(f, type, data, strlen(data), strlen(data));
}

/* ptr_rec - a p record: "%15ld" offset */
static size_t
ptr_rec(struct qbuf *f, long off)
{
	char v[32];
	size_t at = f->len;

	snprintf(v, sizeof(v), "%15ld", off);
	rec(f, 'p', v);
	return at;
}

/* envelope - C (content size csize), T, S, then O+R a@one, D b@two, R c@three */
static void
envelope(struct qbuf *f, long csize)
{
	char c[128];

	f->len = 0;
	snprintf(c, sizeof(c), "%15ld %15ld %15ld %15ld %15ld %15ld", csize, 0L, 3L, 0L,
	    csize, 0L);
	rec(f, 'C', c);
	rec(f, 'T', "1700000000 123");
	rec(f, 'A', "rewrite_context=local");
	rec(f, 'S', "sender@example.net");
	rec(f, 'O', "a@one.example");
	rec(f, 'R', "a@one.example");
	rec(f, 'D', "b@two.example");
	rec(f, 'R', "c@Three.Example");
}

/* content - M, the lines, X: returns the content size (after M, up to X) */
static long
content(struct qbuf *f)
{
	size_t start;

	rec(f, 'M', "");
	start = f->len;
	rec(f, 'N', "Subject: test");
	rec(f, 'N', "");
	rec(f, 'N', "R looks like a recipient but is content");
	return (long)(f->len - start);
}

/* good - a complete file: envelope, content, X, E */
static void
good(struct qbuf *f)
{
	long csize;

	envelope(f, 0);
	csize = content(f);
	envelope(f, csize);
	content(f);
	rec(f, 'X', "");
	rec(f, 'E', "");
}

/* read_buf - ff_qfile_read of these bytes; 0, or -1 with e set */
static int
read_buf(const struct qbuf *f, struct ff_err *e)
{
	struct stat st;
	int fd, r;

	unit_write(unit_path("qf"), f->b, f->len);
	if ((fd = open(unit_path("qf"), O_RDONLY)) < 0 || fstat(fd, &st) < 0)
		return -2;
	ff_err_clear(e);
	r = ff_qfile_read(&q, fd, &st, "qf", e);
	close(fd);
	return r;
}

static void
test_good(void)
{
	struct ff_err e;
	size_t pos = 0;

	UNIT_CASE("complete file");
	good(&qb);
	if (!CHECK_INT_EQ(read_buf(&qb, &e), 0))
		return;
	CHECK_INT_EQ((long)q.arrival, 1700000000);
	CHECK_INT_EQ((long)q.nrcpt, 2);
	CHECK_INT_EQ((long)q.ndone, 1);
	CHECK_STR_EQ(ff_qfile_rcpt(&q, &pos), "a@one.example");
	CHECK_STR_EQ(ff_qfile_rcpt(&q, &pos), "c@Three.Example");
	CHECK(ff_qfile_rcpt(&q, &pos) == NULL);
	CHECK(q.size > 0);
}

/* a C record that lies about the content size: the content is walked */
static void
test_size_lies(void)
{
	struct ff_err e;

	UNIT_CASE("content size wrong");
	envelope(&qb, 3);
	content(&qb);
	rec(&qb, 'X', "");
	rec(&qb, 'R', "x@extracted.example");
	rec(&qb, 'E', "");
	if (!CHECK_INT_EQ(read_buf(&qb, &e), 0))
		return;
	CHECK_INT_EQ((long)q.nrcpt, 3);	/* a, c and the extracted x; no content line */
	CHECK_INT_EQ((long)q.size, 3);	/* what postqueue reports, as showq does */

	UNIT_CASE("malformed C record: the file size");
	qb.len = 0;
	rec(&qb, 'C', "12x");
	rec(&qb, 'R', "a@one.example");
	rec(&qb, 'E', "");
	if (!CHECK_INT_EQ(read_buf(&qb, &e), 0))
		return;
	CHECK_INT_EQ((long)q.size, (long)qb.len);
}

/* p records: 0 is a placeholder; others jump (recipients appended later) */
static void
test_pointers(void)
{
	struct ff_err e;
	char v[32];
	size_t p1, p2, pos = 0;

	UNIT_CASE("appended recipients behind a pointer");
	qb.len = 0;
	rec(&qb, 'T', "1700000001 0");
	rec(&qb, 'R', "first@one.example");
	ptr_rec(&qb, 0);		/* placeholder, read through */
	p1 = ptr_rec(&qb, 0);		/* rewritten below to jump to the appendix */
	rec(&qb, 'R', "skipped@never.example");
	p2 = qb.len;			/* back here from the appendix */
	rec(&qb, 'E', "");
	{
		size_t app = qb.len;

		rec(&qb, 'R', "appended@two.example");
		ptr_rec(&qb, (long)p2);
		snprintf(v, sizeof(v), "%15ld", (long)app);
		memcpy(qb.b + p1 + 2, v, 15);
	}
	if (!CHECK_INT_EQ(read_buf(&qb, &e), 0))
		return;
	CHECK_INT_EQ((long)q.nrcpt, 2);
	CHECK_STR_EQ(ff_qfile_rcpt(&q, &pos), "first@one.example");
	CHECK_STR_EQ(ff_qfile_rcpt(&q, &pos), "appended@two.example");
}

struct bad_case {
	const char *name;
	void (*make)(struct qbuf *);
	const char *why;
};

static void
no_end(struct qbuf *f)
{
	good(f);
	f->len -= 2;	/* the E record */
}

static void
truncated_data(struct qbuf *f)
{
	good(f);
	f->len = 20;	/* inside the C record */
}

static void
length_past_end(struct qbuf *f)
{
	f->len = 0;
	rec_len(f, 'R', "a@b", 3, 1000);
}

static void
length_too_long(struct qbuf *f)
{
	f->len = 0;
	f->b[f->len++] = 'R';
	for (int i = 0; i < 5; i++)
		f->b[f->len++] = (char)0377;
	f->b[f->len++] = 1;
}

/* an envelope record whose length runs past the end */
static void
huge_envelope_record(struct qbuf *f)
{
	f->len = 0;
	rec(f, 'S', "");
	rec_len(f, 'R', "a@b", 3, FF_QREC_MAX + 10);
}

static void
pointer_past_end(struct qbuf *f)
{
	f->len = 0;
	ptr_rec(f, 99999);
	rec(f, 'E', "");
}

/* a pointer to itself */
static void
pointer_loop(struct qbuf *f)
{
	f->len = 0;
	rec(f, 'R', "a@one.example");
	ptr_rec(f, (long)f->len);
	rec(f, 'E', "");
}

static void
pointer_garbage(struct qbuf *f)
{
	f->len = 0;
	rec(f, 'p', "12ab");
	rec(f, 'E', "");
}

static void
empty_file(struct qbuf *f)
{
	f->len = 0;
}

static const struct bad_case bad_cases[] = {
	{ "no end record", no_end, "no end record" },
	{ "truncated", truncated_data, "past the end" },
	{ "length past the end", length_past_end, "record length past the end" },
	{ "length of more than 28 bits", length_too_long, "record length too long" },
	{ "envelope record over the limit", huge_envelope_record, "past the end" },
	{ "pointer past the end", pointer_past_end, "pointer past the end" },
	{ "pointer loop", pointer_loop, "pointer loop" },
	{ "malformed pointer", pointer_garbage, "malformed pointer record" },
	{ "empty file", empty_file, "no end record" },
};

static void
test_hostile(void)
{
	struct ff_err e;

	for (size_t i = 0; i < UNIT_COUNT(bad_cases); i++) {
		UNIT_CASE("%s", bad_cases[i].name);
		bad_cases[i].make(&qb);
		CHECK_INT_EQ(read_buf(&qb, &e), -1);
		CHECK_INT_EQ(e.status, FF_BAD);
		CHECK(strstr(e.msg, "not a complete queue file") != NULL);
		if (!CHECK(strstr(e.msg, bad_cases[i].why) != NULL))
			fprintf(stderr, "  message: %s\n", e.msg);
	}
}

/* a record over FF_QREC_MAX that is really there is refused, not read */
static void
test_huge_record(void)
{
	static struct qbuf big;
	struct ff_err e;
	int fd;
	struct stat st;
	size_t len = FF_QREC_MAX + 1;
	char *data = malloc(len);

	UNIT_CASE("a recipient of FF_QREC_MAX + 1 bytes");
	if (!CHECK(data != NULL))
		return;
	memset(data, 'a', len);
	big.len = 0;
	fd = open(unit_path("big"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (!CHECK(fd >= 0)) {
		free(data);
		return;
	}
	rec_len(&big, 'R', "", 0, len);
	CHECK(write(fd, big.b, big.len) == (ssize_t)big.len);
	CHECK(write(fd, data, len) == (ssize_t)len);
	big.len = 0;
	rec(&big, 'E', "");
	CHECK(write(fd, big.b, big.len) == (ssize_t)big.len);
	CHECK(fstat(fd, &st) == 0);
	CHECK_INT_EQ(ff_qfile_read(&q, fd, &st, "big", &e), -1);
	CHECK(strstr(e.msg, "record too long") != NULL);
	close(fd);
	free(data);
}

/* ff_qfile_open: what the queue manager would not take is refused */
static void
test_open(void)
{
	struct ff_err e;
	struct stat st;
	int dfd = open(unit_tmpdir(), O_RDONLY | O_DIRECTORY), fd;

	good(&qb);
	unit_write(unit_path("ok"), qb.b, qb.len);
	unit_write(unit_path("half"), qb.b, qb.len);
	CHECK(chmod(unit_path("ok"), 0700) == 0);
	CHECK(chmod(unit_path("half"), 0600) == 0);
	CHECK(symlink("ok", unit_path("link")) == 0);
	CHECK(mkfifo(unit_path("fifo"), 0700) == 0);

	UNIT_CASE("mode 0700");
	fd = ff_qfile_open(dfd, "ok", &st, "ok", &e);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	UNIT_CASE("mode 0600: being written");
	CHECK_INT_EQ(ff_qfile_open(dfd, "half", &st, "half", &e), -1);
	CHECK_INT_EQ(e.status, FF_BAD);
	UNIT_CASE("symlink");
	CHECK_INT_EQ(ff_qfile_open(dfd, "link", &st, "link", &e), -1);
	CHECK(strstr(e.msg, "symbolic link") != NULL);
	UNIT_CASE("FIFO: refused without blocking");
	CHECK_INT_EQ(ff_qfile_open(dfd, "fifo", &st, "fifo", &e), -1);
	CHECK(strstr(e.msg, "not a regular file") != NULL);
	close(dfd);
}

/* one_rcpt - a complete file for "u@ID.example" */
static void
one_rcpt(struct qbuf *f, const char *id)
{
	char r[FF_QID_MAX + 16];

	snprintf(r, sizeof(r), "u@%s.example", id);
	f->len = 0;
	rec(f, 'T', "1700000000 0");
	rec(f, 'S', "s@example.net");
	rec(f, 'R', r);
	rec(f, 'M', "");
	rec(f, 'N', "x");
	rec(f, 'X', "");
	rec(f, 'E', "");
}

/* put_files - n queue files "<prefix><number>" in dir; every 97th mode 0600 */
static size_t
put_files(const char *dir, const char *prefix, size_t n)
{
	char id[64], path[PATH_MAX];
	size_t bad = 0;

	mkdir(dir, 0700);
	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%s%05zX", prefix, i);
		snprintf(path, sizeof(path), "%s/%s", dir, id);
		one_rcpt(&qb, id);
		unit_write(path, qb.b, qb.len);
		if (chmod(path, i % 97 == 50 ? 0600 : 0700) < 0)
			return 0;
		bad += i % 97 == 50;
	}
	return bad;
}

struct seen {
	char *log;	/* "ID rc\n" per result, in order */
	size_t len, cap, n, ok, bad, wrong, stop;
};

static int
seen_one(void *arg, const char *id, size_t len, int rc, struct ff_qfile *qf,
    const struct stat *st, const struct ff_err *qe, struct ff_err *e)
{
	struct seen *s = arg;
	char want[FF_QID_MAX + 16], line[FF_QID_MAX + 16];
	size_t pos = 0;
	const char *r;
	int n;

	(void)st;
	n = snprintf(line, sizeof(line), "%.*s %d\n", (int)len, id, rc);
	if (s->len + (size_t)n + 1 > s->cap) {
		s->cap = (s->cap + (size_t)n + 1) * 2;
		if ((s->log = realloc(s->log, s->cap)) == NULL)
			abort();
	}
	memcpy(s->log + s->len, line, (size_t)n + 1);
	s->len += (size_t)n;
	s->n++;
	if (rc > 0) {
		s->ok++;
		snprintf(want, sizeof(want), "u@%.*s.example", (int)len, id);
		r = ff_qfile_rcpt(qf, &pos);
		s->wrong += r == NULL || strcmp(r, want) != 0 || qf->nrcpt != 1 ||
		    ff_qfile_rcpt(qf, &pos) != NULL;
	} else if (rc < 0) {
		s->bad += qe->status == FF_BAD;
	}
	if (s->stop && s->n == s->stop)
		return ff_err_set(e, FF_TEMP, "enough");
	return 0;
}

static void
test_qread(void)
{
	static const unsigned threads[] = { 1, 2, 4, 0 };
	char dir[PATH_MAX], sub[PATH_MAX + 32];
	struct seen first = { 0 };
	struct ff_conf *c;
	struct ff_spool *sp;
	struct ff_err e;
	size_t bad;

	/* a batch and a half at the top, a batch in A, a small one in A/7, 5 in B */
	snprintf(dir, sizeof(dir), "%s", unit_path("spool"));
	mkdir(dir, 0700);
	snprintf(sub, sizeof(sub), "%s/deferred", dir);
	bad = put_files(sub, "1", FF_QREAD_BATCH + FF_QREAD_BATCH / 2);
	snprintf(sub, sizeof(sub), "%s/deferred/A", dir);
	bad += put_files(sub, "A", 100);
	snprintf(sub, sizeof(sub), "%s/deferred/A/7", dir);
	bad += put_files(sub, "7", 40);
	snprintf(sub, sizeof(sub), "%s/deferred/B", dir);
	bad += put_files(sub, "B", 5);
	if (!CHECK((c = ff_conf_new()) != NULL))
		return;
	ff_conf_set(c, "queue_directory", dir);
	ff_conf_set(c, "hash_queue_depth", "2");
	if (!CHECK((sp = ff_spool_open(c, &e)) != NULL)) {
		ff_conf_free(c);
		return;
	}
	for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		struct seen s = { 0 };

		UNIT_CASE("%u threads", threads[t]);
		CHECK_INT_EQ(ff_qread(sp, FF_Q_DEFERRED, threads[t], seen_one, &s, NULL, &e), 0);
		CHECK_INT_EQ(s.n, FF_QREAD_BATCH + FF_QREAD_BATCH / 2 + 100 + 40 + 5);
		CHECK_INT_EQ(s.bad, bad);
		CHECK_INT_EQ(s.ok, s.n - bad);
		CHECK_INT_EQ(s.wrong, 0);
		/* the same results in the same order, whatever the threads */
		if (t == 0)
			first = s;
		else {
			CHECK_MEM_EQ(s.log, s.len, first.log, first.len);
			free(s.log);
		}
	}
	UNIT_CASE("a callback stops the walk mid-batch");
	{
		struct seen s = { .stop = 700 };

		CHECK_INT_EQ(ff_qread(sp, FF_Q_DEFERRED, 4, seen_one, &s, NULL, &e), -1);
		CHECK_INT_EQ(s.n, 700);
		CHECK_STR_EQ(e.msg, "enough");
		free(s.log);
	}
	UNIT_CASE("no such queue directory");
	{
		struct seen s = { 0 };

		CHECK_INT_EQ(ff_qread(sp, FF_Q_INCOMING, 4, seen_one, &s, NULL, &e), -1);
		CHECK_INT_EQ(s.n, 0);
	}
	free(first.log);
	ff_spool_close(sp);
	ff_conf_free(c);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_good),
	UNIT_TEST(test_size_lies),
	UNIT_TEST(test_pointers),
	UNIT_TEST(test_hostile),
	UNIT_TEST(test_huge_record),
	UNIT_TEST(test_open),
	UNIT_TEST(test_qread),
};

int
main(void)
{
	int r;

	ff_qfile_init(&q);
	r = unit_run(tests, UNIT_COUNT(tests));
	ff_qfile_free(&q);
	return r;
}
