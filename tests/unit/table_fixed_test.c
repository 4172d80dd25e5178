/*
 * table_fixed_test.c - the indexed file tables hash:, btree:, lmdb: and cdb:
 * (table_db.c, table_lmdb.c, table_cdb.c)
 *
 * The first tests write their files with the libraries themselves, byte for
 * byte as postmap -N (key and value with a trailing NUL) or -n (without)
 * would, plus what postmap cannot write (a file mixing both, a NUL inside a
 * value), and check the key discipline of Postfix's dict_db, dict_lmdb and
 * dict_cdb: the variant with a NUL first, then without, sticking to the
 * first that was found; the value up to its first NUL. Then: missing,
 * garbage and wrong-type files, and files removed or renamed over while
 * open (read on, as in Postfix). The last tests rebuild tables with
 * Postfix's own postmap (skipped without it): ff_table_changed() after a
 * rebuild, what a table opened before the rebuild then finds, and lookups
 * racing a loop of rebuilds (no failure, no crash, always a whole value).
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <poll.h>

#include <cdb.h>
#include <db.h>
#include <lmdb.h>

#include "unit.h"
#include "postfix/table.h"

#define POSTMAP		"/usr/sbin/postmap"

struct pair {
	const char *k;
	size_t klen;
	const char *v;
	size_t vlen;
};

/* S(x): a string literal with its length, trailing NUL excluded; N(x) included */
#define S(x)	x, sizeof(x) - 1
#define N(x)	x, sizeof(x)

static const char *const types[] = { "hash", "btree", "lmdb", "cdb" };

static const char *
suffix(const char *type)
{
	return strcmp(type, "lmdb") == 0 ? ".lmdb" : strcmp(type, "cdb") == 0 ? ".cdb" : ".db";
}

/* write_table - NAME.suffix holding exactly the given pairs */
static void
write_table(const char *type, const char *name, const struct pair *p, size_t n)
{
	char path[PATH_MAX];
	int ok = 1;

	snprintf(path, sizeof(path), "%s%s", name, suffix(type));
	unlink(path);
	if (strcmp(type, "cdb") == 0) {
		struct cdb_make cm;
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

		ok = fd >= 0 && cdb_make_start(&cm, fd) == 0;
		for (size_t i = 0; ok && i < n; i++)
			ok = cdb_make_add(&cm, p[i].k, (unsigned)p[i].klen, p[i].v,
			    (unsigned)p[i].vlen) == 0;
		ok = ok && cdb_make_finish(&cm) == 0;
		if (fd >= 0)
			close(fd);
	} else if (strcmp(type, "lmdb") == 0) {
		MDB_env *env;
		MDB_txn *txn;
		MDB_dbi dbi;

		ok = mdb_env_create(&env) == 0 && mdb_env_set_mapsize(env, 1 << 20) == 0 &&
		    mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK, 0644) == 0 &&
		    mdb_txn_begin(env, NULL, 0, &txn) == 0 && mdb_dbi_open(txn, NULL, 0, &dbi) == 0;
		for (size_t i = 0; ok && i < n; i++) {
			MDB_val k = { p[i].klen, (void *)(uintptr_t)p[i].k };
			MDB_val v = { p[i].vlen, (void *)(uintptr_t)p[i].v };
			ok = mdb_put(txn, dbi, &k, &v, 0) == 0;
		}
		ok = ok && mdb_txn_commit(txn) == 0;
		mdb_env_close(env);
	} else {
		DB *db;

		ok = db_create(&db, NULL, 0) == 0 && db->open(db, NULL, path, NULL,
		    strcmp(type, "hash") == 0 ? DB_HASH : DB_BTREE, DB_CREATE, 0644) == 0;
		for (size_t i = 0; ok && i < n; i++) {
			DBT k = { .data = (void *)(uintptr_t)p[i].k, .size = (u_int32_t)p[i].klen };
			DBT v = { .data = (void *)(uintptr_t)p[i].v, .size = (u_int32_t)p[i].vlen };
			ok = db->put(db, NULL, &k, &v, 0) == 0;
		}
		ok = db->close(db, 0) == 0 && ok;
	}
	if (!ok) {
		fprintf(stderr, "write_table %s: failed\n", path);
		exit(2);
	}
}

static struct ff_table *
open_table(const char *type, const char *name, struct ff_err *e)
{
	struct ff_table_ctx ctx;
	char spec[PATH_MAX + 16];

	ff_table_ctx_init(&ctx, NULL);
	snprintf(spec, sizeof(spec), "%s:%s", type, name);
	return ff_table_open(spec, &ctx, e);
}

/* lookup - 1 and the value, 0 and "(none)", -1 and "(error)" */
static int
lookup(struct ff_table *t, const char *key, const char **value)
{
	struct ff_err e = { .status = FF_OK };
	int r = ff_table_lookup(t, key, value, &e);

	if (r <= 0)
		*value = r == 0 ? "(none)" : "(error)";
	return r;
}

static void
test_pairs(void)
{
	static const struct pair with_nul[] = {
		{ N("a.example"), N("OK") },
		{ N("b.example"), N("REJECT text with  spaces") },
		{ N("emb"), N("ab\0cd") },
		{ N("empty"), N("") },
		{ N(".dot.example"), N("DUNNO") },
		{ N("b\xc3\xbc" "cher.example"), N("caf\xc3\xa9") },
	}, without[] = {
		{ S("a.example"), S("OK") },
		{ S("b.example"), S("REJECT text with  spaces") },
		{ S("emb"), S("ab\0cd") },
		{ S("empty"), S("") },
		{ S(".dot.example"), S("DUNNO") },
		{ S("b\xc3\xbc" "cher.example"), S("caf\xc3\xa9") },
	};
	static const struct {
		const char *key, *value;
		int r;
	} want[] = {
		{ "a.example", "OK", 1 },
		{ "b.example", "REJECT text with  spaces", 1 },
		{ "emb", "ab", 1 },
		{ "empty", "", 1 },
		{ ".dot.example", "DUNNO", 1 },
		{ "dot.example", "(none)", 0 },
		{ "b\xc3\xbc" "cher.example", "caf\xc3\xa9", 1 },
		{ "A.example", "(none)", 0 },	/* no folding here */
		{ "a.example.", "(none)", 0 },
		{ "a.exampl", "(none)", 0 },
		{ "zzz", "(none)", 0 },
	};
	const char *name = unit_path("pairs"), *v;

	for (size_t ti = 0; ti < UNIT_COUNT(types); ti++) {
		for (int nul = 0; nul < 2; nul++) {
			struct ff_err e = { .status = FF_OK };
			struct ff_table *t;

			write_table(types[ti], name, nul ? with_nul : without, UNIT_COUNT(without));
			t = open_table(types[ti], name, &e);
			UNIT_CASE("%s, %s", types[ti], nul ? "postmap -N" : "postmap -n");
			if (!CHECK(t != NULL) || !CHECK(!ff_table_broken(t))) {
				ff_table_close(t);
				continue;
			}
			CHECK_INT_EQ(ff_table_fixed(t), 1);
			CHECK_INT_EQ(ff_table_changed(t), 0);
			for (size_t i = 0; i < UNIT_COUNT(want); i++) {
				UNIT_CASE("%s, %s, key %s", types[ti], nul ? "-N" : "-n", want[i].key);
				CHECK_INT_EQ(lookup(t, want[i].key, &v), want[i].r);
				CHECK_STR_EQ(v, want[i].value);
			}
			ff_table_close(t);
		}
	}
}

/* a file with both variants: the first found decides, as in Postfix */
static void
test_sticky(void)
{
	static const struct pair mixed[] = {
		{ N("x"), N("X1") },
		{ S("y"), S("Y0") },
	};
	const char *name = unit_path("mixed"), *v;

	for (size_t ti = 0; ti < UNIT_COUNT(types); ti++) {
		struct ff_table *t;

		UNIT_CASE("%s", types[ti]);
		write_table(types[ti], name, mixed, UNIT_COUNT(mixed));
		if (!CHECK((t = open_table(types[ti], name, NULL)) != NULL))
			continue;
		CHECK_INT_EQ(lookup(t, "nothing", &v), 0);	/* decides nothing */
		CHECK_INT_EQ(lookup(t, "y", &v), 1);		/* without NUL from now on */
		CHECK_STR_EQ(v, "Y0");
		CHECK_INT_EQ(lookup(t, "x", &v), 0);
		CHECK_INT_EQ(lookup(t, "y", &v), 1);
		ff_table_close(t);
		if (!CHECK((t = open_table(types[ti], name, NULL)) != NULL))
			continue;
		CHECK_INT_EQ(lookup(t, "x", &v), 1);		/* with NUL from now on */
		CHECK_STR_EQ(v, "X1");
		CHECK_INT_EQ(lookup(t, "y", &v), 0);
		CHECK_INT_EQ(lookup(t, "x", &v), 1);
		ff_table_close(t);
	}
}

static int
contains(const char *s, const char *part)
{
	return s != NULL && strstr(s, part) != NULL;
}

static void
test_missing(void)
{
	static const struct pair one[] = { { S("k"), S("v") } };
	char path[PATH_MAX], spec[PATH_MAX + 16];
	const char *name = unit_path("missing"), *v;

	for (size_t ti = 0; ti < UNIT_COUNT(types); ti++) {
		struct ff_err e = { .status = FF_OK }, le = { .status = FF_OK };
		struct ff_table *t;

		UNIT_CASE("%s", types[ti]);
		snprintf(path, sizeof(path), "%s%s", name, suffix(types[ti]));
		snprintf(spec, sizeof(spec), "%s:%s", types[ti], name);
		unlink(path);
		if (!CHECK((t = open_table(types[ti], name, &e)) != NULL))
			continue;
		CHECK_INT_EQ(ff_table_broken(t), 1);
		CHECK_INT_EQ(e.status, FF_FAIL);
		CHECK(contains(e.msg, spec));
		CHECK(contains(e.msg, "open database"));
		CHECK(contains(e.msg, path));
		CHECK(contains(e.msg, "No such file or directory"));
		CHECK_INT_EQ(ff_table_lookup(t, "k", &v, &le), -1);
		CHECK_INT_EQ(le.status, FF_FAIL);
		CHECK(contains(le.msg, "open database"));
		CHECK_INT_EQ(ff_table_changed(t), 0);
		write_table(types[ti], name, one, 1);
		CHECK_INT_EQ(ff_table_changed(t), 1);		/* created: reopen */
		ff_table_close(t);
		if (CHECK((t = open_table(types[ti], name, NULL)) != NULL))
			CHECK_INT_EQ(lookup(t, "k", &v), 1);
		ff_table_close(t);
		unlink(path);
	}
}

static void
test_garbage(void)
{
	char junk[5000], path[PATH_MAX];
	const char *name = unit_path("junk"), *v;

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = "garbage\n"[i % 8];
	for (size_t ti = 0; ti < UNIT_COUNT(types); ti++) {
		for (int small = 0; small < 3; small++) {
			struct ff_err e = { .status = FF_OK }, le = { .status = FF_OK };
			struct ff_table *t;
			size_t len = small == 0 ? sizeof(junk) : small == 1 ? 100 : 0;

			UNIT_CASE("%s, %zu bytes", types[ti], len);
			snprintf(path, sizeof(path), "%s%s", name, suffix(types[ti]));
			unit_write(path, junk, len);
			if (!CHECK((t = open_table(types[ti], name, &e)) != NULL))
				continue;
			if (strcmp(types[ti], "cdb") == 0 && len >= 2048) {
				/* tinycdb maps any file of 2048 bytes or more */
				CHECK_INT_EQ(ff_table_broken(t), 0);
				CHECK_INT_EQ(ff_table_lookup(t, "k", &v, &le), -1);
				CHECK(contains(le.msg, "cdb:"));
				CHECK(contains(le.msg, "error reading"));
			} else {
				CHECK_INT_EQ(ff_table_broken(t), 1);
				CHECK(contains(e.msg, path));
				CHECK_INT_EQ(ff_table_lookup(t, "k", &v, &le), -1);
				CHECK_INT_EQ(le.status, FF_FAIL);
				CHECK(contains(le.msg, types[ti]));
			}
			ff_table_close(t);
		}
		unlink(path);
	}
}

/* a btree file is no hash file and the other way round */
static void
test_wrong_type(void)
{
	static const struct pair one[] = { { S("k"), S("v") } };
	const char *name = unit_path("typed");
	struct ff_table *t;

	write_table("btree", name, one, 1);
	UNIT_CASE("btree file as hash:");
	if (CHECK((t = open_table("hash", name, NULL)) != NULL))
		CHECK_INT_EQ(ff_table_broken(t), 1);
	ff_table_close(t);
	write_table("hash", name, one, 1);
	UNIT_CASE("hash file as btree:");
	if (CHECK((t = open_table("btree", name, NULL)) != NULL))
		CHECK_INT_EQ(ff_table_broken(t), 1);
	ff_table_close(t);
}

/* a file removed or renamed over: the open table reads the old one on */
static void
test_replaced(void)
{
	static const struct pair before[] = { { S("k"), S("old") } }, after[] = { { S("k"), S("new") } };
	const char *name = unit_path("replaced"), *other = unit_path("other"), *v;
	char path[PATH_MAX], opath[PATH_MAX];

	for (size_t ti = 0; ti < UNIT_COUNT(types); ti++) {
		struct ff_table *t;

		snprintf(path, sizeof(path), "%s%s", name, suffix(types[ti]));
		snprintf(opath, sizeof(opath), "%s%s", other, suffix(types[ti]));
		for (int removed = 0; removed < 2; removed++) {
			UNIT_CASE("%s, %s", types[ti], removed ? "removed" : "renamed over");
			write_table(types[ti], name, before, 1);
			if (!CHECK((t = open_table(types[ti], name, NULL)) != NULL))
				continue;
			CHECK_INT_EQ(lookup(t, "k", &v), 1);
			if (removed) {
				CHECK(unlink(path) == 0);
			} else {
				write_table(types[ti], other, after, 1);
				CHECK(rename(opath, path) == 0);
			}
			CHECK_INT_EQ(ff_table_changed(t), 1);
			CHECK_INT_EQ(lookup(t, "k", &v), 1);
			CHECK_STR_EQ(v, "old");
			ff_table_close(t);
		}
	}
}

/* postmap_build - write the source NAME with one line, build TYPE:NAME */
static int
postmap_build(const char *type, const char *name, const char *line)
{
	char cmd[3 * PATH_MAX];
	FILE *fp = fopen(name, "w");

	if (fp == NULL || fprintf(fp, "%s\n", line) < 0 || fclose(fp) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "%s -c %s %s:%s", POSTMAP, unit_tmpdir(), type, name);
	return system(cmd) == 0 ? 0 : -1;
}

static int
have_postmap(void)
{
	static int have = -1;

	if (have < 0) {
		have = access(POSTMAP, X_OK) == 0;
		if (have)
			unit_write(unit_path("main.cf"), "", 0);
		else
			fprintf(stderr, "table_fixed_test: no %s, postmap tests skipped\n", POSTMAP);
	}
	return have;
}

static void
test_rebuild(void)
{
	const char *name = unit_path("rebuilt"), *v;

	if (!have_postmap())
		return;
	for (size_t ti = 0; ti < UNIT_COUNT(types); ti++) {
		struct ff_table *t, *t2;
		int cdb = strcmp(types[ti], "cdb") == 0;

		UNIT_CASE("%s", types[ti]);
		if (!CHECK(postmap_build(types[ti], name, "key.example old value") == 0))
			continue;
		if (!CHECK((t = open_table(types[ti], name, NULL)) != NULL))
			continue;
		CHECK_INT_EQ(lookup(t, "key.example", &v), 1);
		CHECK_STR_EQ(v, "old value");
		CHECK_INT_EQ(ff_table_changed(t), 0);
		CHECK(postmap_build(types[ti], name, "key.example new value") == 0);
		CHECK_INT_EQ(ff_table_changed(t), 1);
		/*
		 * Rewritten in place (hash, btree: reopened; lmdb: the next
		 * transaction) or replaced (cdb: the old file stays mapped).
		 */
		CHECK_INT_EQ(lookup(t, "key.example", &v), 1);
		CHECK_STR_EQ(v, cdb ? "old value" : "new value");
		CHECK_INT_EQ(ff_table_changed(t), 1);
		if (CHECK((t2 = open_table(types[ti], name, NULL)) != NULL)) {
			CHECK_INT_EQ(ff_table_changed(t2), 0);
			CHECK_INT_EQ(lookup(t2, "key.example", &v), 1);
			CHECK_STR_EQ(v, "new value");
		}
		ff_table_close(t2);
		ff_table_close(t);
	}
}

#define REBUILDS	12

/* rebuild - the child: wait for the go, then rebuild TYPE:NAME again and again */
static void
rebuild(const char *type, const char *name, int go)
{
	char line[64], byte;

	if (read(go, &byte, 1) != 1)
		_exit(1);
	for (int i = 1; i <= REBUILDS; i++) {
		snprintf(line, sizeof(line), "key.example value-%d\nother%d.example x", i % 2, i);
		if (postmap_build(type, name, line) < 0)
			_exit(1);
	}
	_exit(0);
}

/*
 * Lookups while a child rebuilds the table again and again. The child is
 * forked before the table is opened, so that it shares no descriptor (and
 * no flock) with it. The lookups are paced by a 1 ms poll for the child's
 * end: flock(2) and fcntl(2) grant shared locks while an exclusive one
 * waits, so readers that lock back to back would starve postmap.
 */
static void
test_concurrent(void)
{
	const char *name = unit_path("racing"), *v;

	if (!have_postmap())
		return;
	for (size_t ti = 0; ti < UNIT_COUNT(types); ti++) {
		struct ff_table *t;
		long lookups = 0, bad = 0, reopened = 0;
		int go[2], done[2], status = -1, finished = 0;
		pid_t pid;

		UNIT_CASE("%s", types[ti]);
		if (!CHECK(postmap_build(types[ti], name, "key.example value-0") == 0) ||
		    !CHECK(pipe(go) == 0))
			continue;
		if (!CHECK(pipe(done) == 0))
			break;
		fflush(NULL);
		if ((pid = fork()) == 0) {
			close(go[1]);
			close(done[0]);
			rebuild(types[ti], name, go[0]);
		}
		close(go[0]);
		close(done[1]);
		if (!CHECK(pid > 0) || !CHECK((t = open_table(types[ti], name, NULL)) != NULL)) {
			close(go[1]);
			close(done[0]);
			if (pid > 0)
				waitpid(pid, &status, 0);
			continue;
		}
		CHECK(write(go[1], "", 1) == 1);
		while (!finished) {
			struct pollfd pfd = { .fd = done[0], .events = POLLIN };
			char byte;

			if (lookup(t, "key.example", &v) != 1 ||
			    (strcmp(v, "value-0") != 0 && strcmp(v, "value-1") != 0)) {
				if (bad++ == 0)
					CHECK_STR_EQ(v, "value-0 or value-1");
			}
			/* the owner's part: reopen after a change, mid-rebuild too */
			if (++lookups % 8 == 0 && ff_table_changed(t)) {
				ff_table_close(t);
				reopened++;
				if (!CHECK((t = open_table(types[ti], name, NULL)) != NULL))
					break;
				CHECK(!ff_table_broken(t));
			}
			if (poll(&pfd, 1, 1) > 0)
				finished = read(done[0], &byte, 1) <= 0;
		}
		close(go[1]);
		close(done[0]);
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		CHECK_INT_EQ(bad, 0);
		CHECK(reopened > 0);
		CHECK(lookups > REBUILDS);
		ff_table_close(t);
	}
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_pairs),
	UNIT_TEST(test_sticky),
	UNIT_TEST(test_missing),
	UNIT_TEST(test_garbage),
	UNIT_TEST(test_wrong_type),
	UNIT_TEST(test_replaced),
	UNIT_TEST(test_rebuild),
	UNIT_TEST(test_concurrent),
};

int
main(void)
{
	return unit_run(tests, UNIT_COUNT(tests));
}
