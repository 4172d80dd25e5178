/*
 * dynlib_test.c - libraries loaded when first needed: a library or symbol
 * that is missing is a clear configuration error, every time; one that is
 * there gives the very functions the linker would have
 */
#include <cdb.h>
#include <string.h>

#include "unit.h"
#include "util/dynlib.h"

static struct {
	__typeof__(cdb_init) *cdb_init;
	__typeof__(cdb_find) *cdb_find;
} fn;

static void
test_loads(void)
{
	static const struct ff_dynsym syms[] = {
		FF_DYNSYM(fn, cdb_init),
		FF_DYNSYM(fn, cdb_find),
	};
	struct ff_dynlib lib = FF_DYNLIB(FF_SONAME_CDB, syms);
	struct ff_err e = { .status = FF_OK };

	UNIT_CASE("%s", FF_SONAME_CDB);
	CHECK_INT_EQ(ff_dynlib_load(&lib, &e), 0);
	/* this test links libcdb: the same function either way */
	CHECK(fn.cdb_init == cdb_init);
	CHECK(fn.cdb_find == cdb_find);
	CHECK_INT_EQ(ff_dynlib_load(&lib, &e), 0);
}

static void
test_missing_library(void)
{
	static void *p;
	static const struct ff_dynsym syms[] = { { "nothing", &p } };
	struct ff_dynlib lib = FF_DYNLIB("libfastflush-absent.so.9", syms);
	struct ff_err e = { .status = FF_OK };

	for (int i = 0; i < 2; i++) {
		UNIT_CASE("absent library, call %d", i + 1);
		CHECK_INT_EQ(ff_dynlib_load(&lib, &e), -1);
		CHECK_INT_EQ(e.status, FF_CONFIG);
		CHECK(strstr(e.msg, "cannot load libfastflush-absent.so.9") != NULL);
		CHECK(p == NULL);
	}
}

static void
test_missing_symbol(void)
{
	static void *a, *b;
	static const struct ff_dynsym syms[] = { { "cdb_init", &a }, { "cdb_no_such_fn", &b } };
	struct ff_dynlib lib = FF_DYNLIB(FF_SONAME_CDB, syms);
	struct ff_err e = { .status = FF_OK };

	for (int i = 0; i < 2; i++) {
		UNIT_CASE("absent symbol, call %d", i + 1);
		CHECK_INT_EQ(ff_dynlib_load(&lib, &e), -1);
		CHECK_INT_EQ(e.status, FF_CONFIG);
		CHECK(strstr(e.msg, "no symbol cdb_no_such_fn") != NULL);
	}
}

int
main(void)
{
	static const struct unit_test tests[] = {
		UNIT_TEST(test_loads),
		UNIT_TEST(test_missing_library),
		UNIT_TEST(test_missing_symbol),
	};

	return unit_run(tests, UNIT_COUNT(tests));
}
