/*
 * qview_test.c - the age buckets of fflush-list --queue --ages are
 * qshape's (bucket 1 is [0, 5) minutes, then each ends at twice the
 * last, the last one open), and ages print the way the table shows them
 */
#include "unit.h"
#include "flush/qview.h"

static void
test_buckets(void)
{
	static const struct {
		long long age;	/* seconds */
		int bucket;
	} t[] = {
		{ -60, 0 }, { 0, 0 }, { 299, 0 },	/* the future counts as new */
		{ 300, 1 }, { 599, 1 },
		{ 600, 2 }, { 1199, 2 },
		{ 1200, 3 }, { 2400, 4 }, { 4800, 5 }, { 9600, 6 }, { 19200, 7 },
		{ 38400, 8 }, { 76799, 8 },		/* 640 to 1280 minutes: "1280" */
		{ 76800, 9 }, { 10LL * 365 * 86400, 9 },	/* "1280+" */
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		UNIT_CASE("age %lld s", t[i].age);
		CHECK_INT_EQ(ff_qview_age_bucket(t[i].age), t[i].bucket);
	}
	CHECK_STR_EQ(ff_qview_age_label[0], "5");
	CHECK_STR_EQ(ff_qview_age_label[8], "1280");
	CHECK_STR_EQ(ff_qview_age_label[FF_QVIEW_NAGES - 1], "1280+");
}

static void
test_ages(void)
{
	static const struct {
		long long age;
		const char *text;
	} t[] = {
		{ -5, "0s" }, { 0, "0s" }, { 59, "59s" }, { 60, "1m" }, { 3599, "59m" },
		{ 3600, "1h00m" }, { 11520, "3h12m" }, { 86399, "23h59m" },
		{ 86400, "1d00h" }, { 183600, "2d03h" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		UNIT_CASE("age %lld s", t[i].age);
		CHECK_STR_EQ(ff_qview_fmt_age(t[i].age, buf, sizeof(buf)), t[i].text);
	}
}

int
main(void)
{
	static const struct unit_test tests[] = {
		UNIT_TEST(test_buckets),
		UNIT_TEST(test_ages),
	};

	return unit_run(tests, UNIT_COUNT(tests));
}
