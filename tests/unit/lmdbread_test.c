/*
 * lmdbread_test.c - the LMDB reader (lmdbread.c) against liblmdb itself
 *
 * Files are written with liblmdb (empty, one pair, trees three levels
 * deep, keys up to liblmdb's 511-byte limit, values on overflow pages,
 * files rewritten in place so that both meta pages are in use) and every
 * key, plus keys that are not there, is looked up both ways: the answers
 * must be identical. Layouts the reader does not know (flags on the main
 * database, sub-databases, garbage) make it step aside; damaged files never
 * crash it; through lmdb: such files are answered by liblmdb.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>

#include <lmdb.h>

#include "unit.h"
#include "postfix/lmdbread.h"
#include "postfix/table.h"

struct kv {
	unsigned char *k, *v;
	size_t klen, vlen;
};

static uint32_t seed = 4242;

static uint32_t
rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

static unsigned char *
fill(size_t len)
{
	unsigned char *p = malloc(len + 1);

	if (p == NULL)
		abort();
	for (size_t i = 0; i < len; i++)
		p[i] = i % 3 ? (unsigned char)('a' + rnd() % 26) : (unsigned char)rnd();
	p[len] = 0;
	return p;
}

static MDB_env *
env_at(const char *path, unsigned flags)
{
	MDB_env *env;

	if (mdb_env_create(&env) != 0 || mdb_env_set_mapsize(env, 256UL << 20) != 0 ||
	    mdb_env_set_maxdbs(env, 4) != 0 ||
	    mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK | flags, 0644) != 0)
		abort();
	return env;
}

/* put_all - one write transaction storing kv[0..n) in the database named name */
static void
put_all(const char *path, const struct kv *kv, size_t n, const char *name, unsigned dbflags)
{
	MDB_env *env = env_at(path, 0);
	MDB_txn *txn;
	MDB_dbi dbi;

	if (mdb_txn_begin(env, NULL, 0, &txn) != 0 ||
	    mdb_dbi_open(txn, name, MDB_CREATE | dbflags, &dbi) != 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		MDB_val k = { kv[i].klen, kv[i].k }, v = { kv[i].vlen, kv[i].v };

		if (mdb_put(txn, dbi, &k, &v, 0) != 0)
			abort();
	}
	if (mdb_txn_commit(txn) != 0)
		abort();
	mdb_env_close(env);
}

/* make_kv - n distinct pairs: small, long keys (to 511 bytes), values past a page */
static struct kv *
make_kv(size_t n)
{
	struct kv *kv = calloc(n + 1, sizeof(*kv));

	if (kv == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		kv[i].klen = i % 13 == 5 ? 400 + rnd() % 112 : 9 + rnd() % 30;
		kv[i].k = fill(kv[i].klen);
		snprintf((char *)kv[i].k, 9, "%08x", (unsigned)i);
		kv[i].vlen = i % 11 == 3 ? 4000 + rnd() % 20000 : rnd() % 60;
		kv[i].v = fill(kv[i].vlen);
	}
	return kv;
}

static void
free_kv(struct kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].k);
		free(kv[i].v);
	}
	free(kv);
}

/* compare - every key of kv and an absent variant of each: answers as liblmdb's */
static void
compare(const char *path, const struct kv *kv, size_t n)
{
	struct ff_lmdbread r;
	MDB_env *env = env_at(path, MDB_RDONLY);
	MDB_txn *txn;
	MDB_dbi dbi;
	int fd;

	if (!CHECK((fd = open(path, O_RDONLY)) >= 0))
		return;
	if (!CHECK_INT_EQ(ff_lmdbread_open(&r, fd), 0) || !CHECK_INT_EQ(ff_lmdbread_begin(&r), 0) ||
	    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0 ||
	    mdb_dbi_open(txn, NULL, 0, &dbi) != 0) {
		close(fd);
		mdb_env_close(env);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		for (int miss = 0; miss < 3; miss++) {
			unsigned char kbuf[512];
			size_t klen = kv[i].klen;
			const void *data = NULL;
			size_t dlen = 0;
			MDB_val k = { klen, kbuf }, v;
			int got, want;

			memcpy(kbuf, kv[i].k, klen);
			if (miss == 1)
				kbuf[klen - 1] ^= 0x21;	/* a neighbour */
			else if (miss == 2)
				k.mv_size = --klen;	/* a prefix */
			if (klen == 0)
				continue;
			got = ff_lmdbread_get(&r, kbuf, klen, &data, &dlen);
			want = mdb_get(txn, dbi, &k, &v);
			want = want == 0 ? 1 : want == MDB_NOTFOUND ? 0 : -1;
			UNIT_CASE("%s key %zu variant %d", path, i, miss);
			if (CHECK_INT_EQ(got, want) && got == 1)
				CHECK_MEM_EQ(data, dlen, v.mv_data, v.mv_size);
		}
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
	ff_lmdbread_close(&r);
	close(fd);
}

static void
test_sizes(void)
{
	static const size_t counts[] = { 0, 1, 40, 3000, 30000 };
	const char *path = unit_path("t.lmdb");

	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		struct kv *kv = make_kv(counts[c]);

		unlink(path);
		put_all(path, kv, counts[c], NULL, 0);
		UNIT_CASE("%zu pairs", counts[c]);
		compare(path, kv, counts[c]);
		/* rewritten in place: the other meta page is now the current one */
		put_all(path, kv, counts[c] / 2, NULL, 0);
		compare(path, kv, counts[c]);
		free_kv(kv, counts[c]);
	}
}

/* keys liblmdb refuses (empty, past 511 bytes): the reader steps aside */
static void
test_refused_keys(void)
{
	const char *path = unit_path("r.lmdb");
	struct kv *kv = make_kv(10);
	struct ff_lmdbread r;
	char big[600];
	const void *d;
	size_t dl;
	int fd;

	unlink(path);
	put_all(path, kv, 10, NULL, 0);
	fd = open(path, O_RDONLY);
	if (CHECK_INT_EQ(ff_lmdbread_open(&r, fd), 0)) {
		memset(big, 'x', sizeof(big));
		CHECK_INT_EQ(ff_lmdbread_begin(&r), 0);
		CHECK_INT_EQ(ff_lmdbread_get(&r, "", 0, &d, &dl), FF_LMDBREAD_OTHER);
		CHECK_INT_EQ(ff_lmdbread_get(&r, big, 512, &d, &dl), FF_LMDBREAD_OTHER);
		CHECK_INT_EQ(ff_lmdbread_get(&r, big, 511, &d, &dl), 0);
		ff_lmdbread_close(&r);
	}
	close(fd);
	free_kv(kv, 10);
}

/* other layouts: flags on the main database, garbage, an empty file */
static void
test_other_layouts(void)
{
	const char *path = unit_path("o.lmdb");
	struct kv *kv = make_kv(50);
	struct ff_lmdbread r;
	const void *d;
	size_t dl;
	int fd;
	struct kv small[2] = {
		{ (unsigned char *)"a.example", (unsigned char *)"OK", 10, 3 },
		{ (unsigned char *)"b.example", (unsigned char *)"OK", 10, 3 },
	};

	unlink(path);
	put_all(path, small, 2, NULL, MDB_DUPSORT);
	fd = open(path, O_RDONLY);
	UNIT_CASE("duplicates on the main database");
	CHECK_INT_EQ(ff_lmdbread_open(&r, fd), FF_LMDBREAD_OTHER);
	ff_lmdbread_close(&r);
	close(fd);

	unlink(path);
	put_all(path, kv, 50, "sub", 0);	/* a sub-database record in the main one */
	fd = open(path, O_RDONLY);
	UNIT_CASE("a sub-database");
	if (CHECK_INT_EQ(ff_lmdbread_open(&r, fd), 0)) {
		CHECK_INT_EQ(ff_lmdbread_begin(&r), 0);
		CHECK_INT_EQ(ff_lmdbread_get(&r, "sub", 3, &d, &dl), FF_LMDBREAD_OTHER);
		ff_lmdbread_close(&r);
	}
	close(fd);

	unit_write(path, "not an lmdb file at all, not at all", 35);
	fd = open(path, O_RDONLY);
	UNIT_CASE("garbage");
	CHECK_INT_EQ(ff_lmdbread_open(&r, fd), FF_LMDBREAD_OTHER);
	ff_lmdbread_close(&r);
	close(fd);
	free_kv(kv, 50);
}

/* damage - bytes flipped, pages cut: never a crash, never past a buffer */
static void
test_damage(void)
{
	const char *path = unit_path("d.lmdb");
	struct kv *kv = make_kv(2000);
	struct stat st;
	char *orig;
	int fd;

	unlink(path);
	put_all(path, kv, 2000, NULL, 0);
	if (stat(path, &st) < 0 || (orig = malloc((size_t)st.st_size)) == NULL)
		abort();
	fd = open(path, O_RDONLY);
	if (read(fd, orig, (size_t)st.st_size) != st.st_size)
		abort();
	close(fd);
	for (int round = 0; round < 200; round++) {
		char *copy = malloc((size_t)st.st_size);
		size_t len = (size_t)st.st_size;
		struct ff_lmdbread r;

		memcpy(copy, orig, len);
		if (round % 4 == 0)
			len = 8192 + rnd() % (len - 8192);
		else
			for (int i = 0; i < 1 + round % 5; i++)
				copy[rnd() % len] = (char)rnd();
		unit_write(path, copy, len);
		fd = open(path, O_RDONLY);
		UNIT_CASE("damage round %d", round);
		if (ff_lmdbread_open(&r, fd) == 0 && ff_lmdbread_begin(&r) == 0) {
			for (size_t i = 0; i < 2000; i += 7) {
				const void *d;
				size_t dl;
				int got = ff_lmdbread_get(&r, kv[i].k, kv[i].klen, &d, &dl);

				CHECK(got >= FF_LMDBREAD_OTHER && got <= 1);
			}
		}
		ff_lmdbread_close(&r);
		close(fd);
		free(copy);
	}
	CHECK(1);
	free(orig);
	free_kv(kv, 2000);
}

/* lib_lookup - liblmdb's own answer for key with, then without, its NUL */
static int
lib_lookup(const char *path, const char *key)
{
	MDB_env *env = env_at(path, MDB_RDONLY);
	MDB_txn *txn;
	MDB_dbi dbi;
	int r = -1;

	if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0) {
		if (mdb_dbi_open(txn, NULL, 0, &dbi) == 0) {
			for (size_t nul = 2; nul-- > 0 && r <= 0;) {
				MDB_val k = { strlen(key) + nul, (void *)(uintptr_t)key }, v;
				int err = mdb_get(txn, dbi, &k, &v);

				r = err == 0 ? 1 : err == MDB_NOTFOUND ? 0 : -1;
			}
		}
		mdb_txn_abort(txn);
	}
	mdb_env_close(env);
	return r;
}

/* through lmdb: - a sub-database key and a damaged page: liblmdb answers */
static void
test_table_falls_back(void)
{
	const char *name = unit_path("f");
	struct ff_table_ctx ctx = { .timeout_ms = 10000 };
	char path[PATH_MAX], spec[PATH_MAX + 8];
	struct kv kv[3] = {
		{ (unsigned char *)"a.example", (unsigned char *)"OK", 9, 3 },	/* postmap -n */
		{ (unsigned char *)"b.example", (unsigned char *)"REJECT", 9, 7 },
	};
	struct ff_table *t;
	struct ff_err e;
	const char *val;

	snprintf(path, sizeof(path), "%s.lmdb", name);
	snprintf(spec, sizeof(spec), "lmdb:%s", name);
	unlink(path);
	put_all(path, kv, 2, NULL, 0);
	put_all(path, kv, 0, "sub", 0);
	if (!CHECK((t = ff_table_open(spec, &ctx, &e)) != NULL))
		return;
	UNIT_CASE("the reader gives up on a sub-database key, liblmdb answers");
	CHECK_INT_EQ(ff_table_lookup(t, "sub", &val, &e), lib_lookup(path, "sub"));
	if (CHECK_INT_EQ(ff_table_lookup(t, "a.example", &val, &e), 1))
		CHECK_STR_EQ(val, "OK");
	if (CHECK_INT_EQ(ff_table_lookup(t, "b.example", &val, &e), 1))
		CHECK_STR_EQ(val, "REJECT");
	CHECK_INT_EQ(ff_table_lookup(t, "c.example", &val, &e), 0);
	ff_table_close(t);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_sizes),
	UNIT_TEST(test_refused_keys),
	UNIT_TEST(test_other_layouts),
	UNIT_TEST(test_damage),
	UNIT_TEST(test_table_falls_back),
};

int
main(void)
{
	return unit_run(tests, UNIT_COUNT(tests));
}
