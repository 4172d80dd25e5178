/*
 * fmt_test.c - ff_fmt(): a result that does not fit is an error, and
 * leaves no cut name behind
 */
#include <errno.h>

#include "unit.h"
#include "util/fmt.h"

static void
test_fmt(void)
{
	char buf[12];

	UNIT_CASE("fits");
	CHECK_INT_EQ(ff_fmt(buf, sizeof(buf), "%s/%s", "q", "public"), 8);
	CHECK_STR_EQ(buf, "q/public");
	UNIT_CASE("fits exactly (11 bytes and the NUL)");
	CHECK_INT_EQ(ff_fmt(buf, sizeof(buf), "%s.lock", "scache"), 11);
	CHECK_STR_EQ(buf, "scache.lock");
	UNIT_CASE("one byte too many");
	errno = 0;
	CHECK_INT_EQ(ff_fmt(buf, sizeof(buf), "%s.lock", "scache1"), -1);
	CHECK_INT_EQ(errno, ENAMETOOLONG);
	CHECK_STR_EQ(buf, "");		/* not "scache1.loc" */
	UNIT_CASE("no room at all");
	CHECK_INT_EQ(ff_fmt(buf, 0, "%s", "x"), -1);
	CHECK_INT_EQ(errno, ENAMETOOLONG);
	UNIT_CASE("empty result");
	CHECK_INT_EQ(ff_fmt(buf, 1, "%s", ""), 0);
	CHECK_STR_EQ(buf, "");
}

int
main(void)
{
	static const struct unit_test tests[] = {
		UNIT_TEST(test_fmt),
	};

	return unit_run(tests, UNIT_COUNT(tests));
}
