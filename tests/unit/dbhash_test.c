/*
 * dbhash_test.c - the Berkeley DB hash reader (dbhash.c) against Berkeley
 * DB itself
 *
 * Files are written with libdb (every page size, small and huge tables,
 * keys and values large enough to live on overflow pages) and every key,
 * plus keys that are not there, is looked up both ways: the answers must
 * be identical. Layouts the reader does not know (btree, duplicates,
 * checksums, garbage, truncation, a damaged page) must make it step aside
 * (FF_DBHASH_OTHER) or still answer exactly as Berkeley DB does, never
 * with a wrong value; through the table layer (hash:) such files, and a
 * table directory with a DB_CONFIG, are answered by Berkeley DB.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdint.h>

#include <db.h>

#include "unit.h"
#include "postfix/dbhash.h"
#include "postfix/table.h"

struct kv {
	unsigned char *k, *v;
	size_t klen, vlen;
};

static uint32_t seed = 12345;

/* quiet - Berkeley DB's own complaints about damaged files are expected here */
static void
quiet(const DB_ENV *env, const char *prefix, const char *msg)
{
}

/* new_db - a DB handle that keeps quiet */
static int
new_db(DB **db)
{
	if (db_create(db, NULL, 0) != 0)
		return -1;
	(*db)->set_errcall(*db, quiet);
	return 0;
}

static uint32_t
rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

/* fill - len random bytes, sometimes text, sometimes any byte */
static unsigned char *
fill(size_t len, int text)
{
	unsigned char *p = malloc(len + 1);

	if (p == NULL)
		abort();
	for (size_t i = 0; i < len; i++)
		p[i] = text ? (unsigned char)('a' + rnd() % 26) : (unsigned char)rnd();
	p[len] = 0;
	return p;
}

/* size_for - key and value sizes: mostly small, some past a page */
static size_t
size_for(uint32_t pagesize, int i)
{
	switch (i % 17) {
	case 3:
		return pagesize / 4 + 1 + rnd() % 8;	/* just big enough to overflow */
	case 11:
		return pagesize * 2 + rnd() % pagesize;	/* several overflow pages */
	default:
		return 1 + rnd() % 40;
	}
}

/* make_db - a hash database at path with n random distinct pairs */
static struct kv *
make_db(const char *path, uint32_t pagesize, size_t n, uint32_t flags)
{
	struct kv *kv = calloc(n + 1, sizeof(*kv));
	DB *db;

	unlink(path);
	if (kv == NULL || new_db(&db) != 0)
		abort();
	if (pagesize != 0)
		db->set_pagesize(db, pagesize);
	if (flags != 0)
		db->set_flags(db, flags);
	if (db->open(db, NULL, path, NULL, DB_HASH, DB_CREATE | DB_TRUNCATE, 0644) != 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		DBT k, v;

		kv[i].klen = size_for(pagesize ? pagesize : 4096, (int)i) + 8;
		kv[i].k = fill(kv[i].klen, i % 5 != 0);
		snprintf((char *)kv[i].k, 9, "%08x", (unsigned)i);	/* distinct */
		kv[i].vlen = size_for(pagesize ? pagesize : 4096, (int)(i * 7 + 1));
		kv[i].v = fill(kv[i].vlen, i % 3 != 0);
		memset(&k, 0, sizeof(k));
		memset(&v, 0, sizeof(v));
		k.data = kv[i].k;
		k.size = (u_int32_t)kv[i].klen;
		v.data = kv[i].v;
		v.size = (u_int32_t)kv[i].vlen;
		if (db->put(db, NULL, &k, &v, 0) != 0)
			abort();
	}
	db->close(db, 0);
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

/* libdb_get - Berkeley DB's answer: 1 and the value, 0, or -1 */
static int
libdb_get(DB *db, const void *key, size_t klen, DBT *v)
{
	DBT k;
	int r;

	memset(&k, 0, sizeof(k));
	memset(v, 0, sizeof(*v));
	k.data = (void *)(uintptr_t)key;
	k.size = (u_int32_t)klen;
	r = db->get(db, NULL, &k, v, 0);
	return r == 0 ? 1 : r == DB_NOTFOUND ? 0 : -1;
}

/*
 * compare - every key of kv, a variant of each that is not there, and the
 * empty key: the reader answers as Berkeley DB does. With strict, it must
 * answer every one; otherwise (a damaged file) it may step aside, and
 * where Berkeley DB fails it may answer from the pages that are intact.
 */
static void
compare(const char *path, const struct kv *kv, size_t n, int strict)
{
	struct ff_dbhash h;
	DB *db = NULL;
	int fd, opened, libdb_ok;

	if (!CHECK((fd = open(path, O_RDONLY)) >= 0))
		return;
	opened = ff_dbhash_open(&h, fd);
	if (strict && !CHECK_INT_EQ(opened, 0)) {
		close(fd);
		return;
	}
	libdb_ok = new_db(&db) == 0 &&
	    db->open(db, NULL, path, NULL, DB_HASH, DB_RDONLY, 0) == 0;
	if (strict)
		CHECK(libdb_ok);
	for (size_t i = 0; opened == 0 && i <= n; i++) {
		for (int miss = 0; miss < 2; miss++) {
			unsigned char kbuf[64];
			const void *key = kbuf, *data = NULL;
			size_t klen = 0, dlen = 0;
			DBT v;
			int r, want;

			if (i == n && miss)
				continue;
			if (i < n) {
				key = kv[i].k;
				klen = kv[i].klen;
			}
			if (miss) {	/* same bucket chance, different bytes */
				klen = klen < sizeof(kbuf) ? klen : sizeof(kbuf);
				memcpy(kbuf, kv[i].k, klen);
				kbuf[klen - 1] ^= 0x5a;
				key = kbuf;
			}
			r = ff_dbhash_get(&h, key, klen, &data, &dlen);
			if (!strict && r == FF_DBHASH_OTHER)
				continue;
			want = libdb_ok ? libdb_get(db, key, klen, &v) : -1;
			if (!strict && want < 0)
				continue;
			UNIT_CASE("%s key %zu%s", path, i, miss ? " (absent)" : "");
			if (!strict && r == 1 && want == 0 && i < n && !miss) {
				/*
				 * Berkeley DB searches a page by bisection, which a
				 * damaged key order can lead past a pair that is there;
				 * the reader scans the page: the pair must be intact
				 */
				CHECK_MEM_EQ(data, dlen, (const char *)kv[i].v, kv[i].vlen);
				continue;
			}
			if (!CHECK_INT_EQ(r, want))
				continue;
			if (r == 1)
				CHECK_MEM_EQ(data, dlen, v.data, v.size);
		}
	}
	if (opened == 0)
		ff_dbhash_close(&h);
	if (db != NULL)
		db->close(db, 0);
	close(fd);
}

static void
test_every_page_size(void)
{
	static const uint32_t sizes[] = { 512, 1024, 4096, 8192, 65536, 0 };
	static const size_t counts[] = { 0, 1, 60, 2500 };
	const char *path = unit_path("t.db");

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
			struct kv *kv = make_db(path, sizes[s], counts[c], 0);

			UNIT_CASE("page size %u, %zu pairs", sizes[s], counts[c]);
			compare(path, kv, counts[c], 1);
			free_kv(kv, counts[c]);
		}
	}
}

/* layouts the reader leaves to Berkeley DB: it refuses at open */
static void
test_other_layouts(void)
{
	const char *path = unit_path("o.db");
	struct ff_dbhash h;
	struct kv *kv;
	DB *db;
	int fd;

	kv = make_db(path, 4096, 30, DB_CHKSUM);
	fd = open(path, O_RDONLY);
	UNIT_CASE("checksummed pages");
	CHECK_INT_EQ(ff_dbhash_open(&h, fd), FF_DBHASH_OTHER);
	close(fd);
	free_kv(kv, 30);

	kv = make_db(path, 4096, 30, DB_DUP);
	fd = open(path, O_RDONLY);
	UNIT_CASE("duplicates allowed");
	CHECK_INT_EQ(ff_dbhash_open(&h, fd), FF_DBHASH_OTHER);
	close(fd);
	free_kv(kv, 30);

	unlink(path);
	if (new_db(&db) != 0 ||
	    db->open(db, NULL, path, NULL, DB_BTREE, DB_CREATE, 0644) != 0)
		abort();
	db->close(db, 0);
	fd = open(path, O_RDONLY);
	UNIT_CASE("a btree file");
	CHECK_INT_EQ(ff_dbhash_open(&h, fd), FF_DBHASH_OTHER);
	close(fd);

	unit_write(path, "", 0);
	fd = open(path, O_RDONLY);
	UNIT_CASE("an empty file");
	CHECK_INT_EQ(ff_dbhash_open(&h, fd), FF_DBHASH_OTHER);
	close(fd);
}

/*
 * damaged - compare() on a damaged file in a child process: Berkeley DB,
 * once it has panicked on a damaged page, leaks what it allocated (its
 * own, not the reader's), so the child ends with _exit() and reports its
 * failed checks in its exit status
 */
static void
damaged(const char *path, const struct kv *kv, size_t n)
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		int before = unit_failures;

		compare(path, kv, n, 0);
		fflush(stderr);
		_exit(unit_failures != before);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
}

/* damage - flip or cut the file; the reader never gives a wrong value */
static void
test_damage(void)
{
	const char *path = unit_path("d.db");
	struct kv *kv = make_db(path, 1024, 400, 0);
	struct stat st;
	char *orig;
	int fd;

	if (stat(path, &st) < 0 || (orig = malloc((size_t)st.st_size)) == NULL)
		abort();
	fd = open(path, O_RDONLY);
	if (read(fd, orig, (size_t)st.st_size) != st.st_size)
		abort();
	close(fd);
	for (int round = 0; round < 300; round++) {
		char *copy = malloc((size_t)st.st_size);
		size_t len = (size_t)st.st_size;

		memcpy(copy, orig, len);
		if (round % 6 == 0)
			len = 1024 + rnd() % (len - 1024);	/* cut anywhere */
		else if (round % 3 == 0)
			len = 1024 * (1 + rnd() % (len / 1024 - 1));	/* whole pages cut */
		else
			for (int i = 0; i < 1 + round % 4; i++)	/* bytes past the meta page */
				copy[1024 + rnd() % (len - 1024)] = (char)rnd();
		unit_write(path, copy, len);
		UNIT_CASE("damage round %d", round);
		damaged(path, kv, 400);
		free(copy);
	}
	free(orig);
	free_kv(kv, 400);
}

/* text_db - NAME.db with "kN.example\0" -> "vN\0" for N < n (postmap -N) */
static void
text_db(const char *path, size_t n, uint32_t flags)
{
	DB *db;

	unlink(path);
	if (new_db(&db) != 0)
		abort();
	db->set_pagesize(db, 512);
	if (flags != 0)
		db->set_flags(db, flags);
	if (db->open(db, NULL, path, NULL, DB_HASH, DB_CREATE, 0644) != 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		char kb[32], vb[32];
		DBT k, v;

		memset(&k, 0, sizeof(k));
		memset(&v, 0, sizeof(v));
		k.data = kb;
		k.size = (u_int32_t)snprintf(kb, sizeof(kb), "k%zu.example", i) + 1;
		v.data = vb;
		v.size = (u_int32_t)snprintf(vb, sizeof(vb), "v%zu", i) + 1;
		if (db->put(db, NULL, &k, &v, 0) != 0)
			abort();
	}
	db->close(db, 0);
}

/* table_matches - hash:NAME answers each key as Berkeley DB alone does */
static void
table_matches(const char *name, const char *path, size_t n)
{
	struct ff_table_ctx ctx = { .timeout_ms = 10000 };
	char spec[PATH_MAX + 8];
	struct ff_table *t;
	struct ff_err e;
	DB *db;
	int libdb_ok;

	snprintf(spec, sizeof(spec), "hash:%s", name);
	libdb_ok = new_db(&db) == 0 &&
	    db->open(db, NULL, path, NULL, DB_HASH, DB_RDONLY, 0) == 0;
	if ((t = ff_table_open(spec, &ctx, &e)) == NULL) {
		CHECK(!libdb_ok);	/* only where Berkeley DB cannot open it either */
		db->close(db, 0);
		return;
	}
	for (size_t i = 0; i < n + 2; i++) {
		char kb[32];
		const char *val = NULL;
		DBT v;
		int want, r;

		snprintf(kb, sizeof(kb), "k%zu.example", i);
		want = libdb_ok ? libdb_get(db, kb, strlen(kb) + 1, &v) : -1;
		if (want == 0 && libdb_ok)
			want = libdb_get(db, kb, strlen(kb), &v);
		r = ff_table_lookup(t, kb, &val, &e);
		UNIT_CASE("%s: %s", spec, kb);
		if (CHECK_INT_EQ(r, want) && r == 1)
			CHECK_STR_EQ(val, (const char *)v.data);
	}
	ff_table_close(t);
	db->close(db, 0);
}

/* damaged_table - table_matches() in a child, for the reason damaged() gives */
static void
damaged_table(const char *name, const char *path, size_t n)
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		int before = unit_failures;

		table_matches(name, path, n);
		fflush(stderr);
		_exit(unit_failures != before);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
}

/*
 * through hash: - a checksummed file, a DB_CONFIG file, a damaged page
 * met in the middle of a lookup: Berkeley DB answers, as it would alone
 */
static void
test_table_falls_back(void)
{
	const char *name = unit_path("f");
	char path[PATH_MAX], dbconfig[PATH_MAX];
	struct stat st;
	char *orig;
	int fd;

	snprintf(path, sizeof(path), "%s.db", name);
	snprintf(dbconfig, sizeof(dbconfig), "%s/DB_CONFIG", unit_tmpdir());

	text_db(path, 300, 0);
	table_matches(name, path, 300);
	text_db(path, 300, DB_CHKSUM);
	table_matches(name, path, 300);
	unit_write(dbconfig, "set_cachesize 0 65536 1\n", 24);
	text_db(path, 300, 0);
	table_matches(name, path, 300);
	unlink(dbconfig);

	if (stat(path, &st) < 0 || (orig = malloc((size_t)st.st_size)) == NULL)
		abort();
	fd = open(path, O_RDONLY);
	if (read(fd, orig, (size_t)st.st_size) != st.st_size)
		abort();
	close(fd);
	for (off_t pg = 1; pg < st.st_size / 512; pg += 3) {
		orig[pg * 512 + 25] ^= 0x40;	/* the page's type */
		unit_write(path, orig, (size_t)st.st_size);
		orig[pg * 512 + 25] ^= 0x40;
		damaged_table(name, path, 300);
	}
	free(orig);
}

/* what Debian's postmap writes is read natively, and answers as Berkeley DB does */
static void
test_postmap_output(void)
{
	const char *src = unit_path("pm");
	char cmd[PATH_MAX * 2 + 64], path[PATH_MAX], line[64];
	size_t n = 3000;
	struct kv *kv = calloc(n, sizeof(*kv));
	FILE *fp;

	if (access("/usr/sbin/postmap", X_OK) != 0) {
		UNIT_CASE("postmap not installed: skipped");
		CHECK(1);
		free(kv);
		return;
	}
	if (kv == NULL || (fp = fopen(src, "w")) == NULL)
		abort();
	unit_write(unit_path("main.cf"), "", 0);
	for (size_t i = 0; i < n; i++) {
		int len = snprintf(line, sizeof(line), "site%zu.example.com", i);

		kv[i].k = (unsigned char *)strdup(line);
		kv[i].klen = (size_t)len + 1;	/* postmap -N, Debian's default */
		kv[i].v = (unsigned char *)strdup(i % 2 ? "OK" : "REJECT");
		kv[i].vlen = strlen((char *)kv[i].v) + 1;
		fprintf(fp, "%s %s\n", line, (char *)kv[i].v);
	}
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "/usr/sbin/postmap -c %s hash:%s", unit_tmpdir(), src);
	UNIT_CASE("%s", cmd);
	if (CHECK_INT_EQ(system(cmd), 0)) {
		snprintf(path, sizeof(path), "%s.db", src);
		compare(path, kv, n, 1);
	}
	free_kv(kv, n);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_postmap_output),
	UNIT_TEST(test_every_page_size),
	UNIT_TEST(test_other_layouts),
	UNIT_TEST(test_damage),
	UNIT_TEST(test_table_falls_back),
};

int
main(void)
{
	return unit_run(tests, UNIT_COUNT(tests));
}
