/*
 * table_union_test.c - unionmap:{...} and pipemap:{...} over the tables
 * that need no file library (inline, static, texthash, fail)
 *
 * Rows marked "pf" were also run with Postfix 3.7.11's "postmap -f -q KEY
 * TABLE" (the same answer: value, not found, or a fatal error); the
 * differential tests with more table types are in
 * tests/interop/table_union.bats.
 */
#include <sys/stat.h>

#include "unit.h"
#include "postfix/table.h"

static void
ctx_for_test(struct ff_table_ctx *ctx)
{
	ff_table_ctx_init(ctx, NULL);
	strlcpy(ctx->postmap, "/nonexistent/postmap", sizeof(ctx->postmap));
}

static void
test_lookups(void)
{
	static const struct {
		const char *spec, *key;
		int r;
		const char *value;
	} cases[] = {
		/* pf: union joins in component order, duplicates kept */
		{ "unionmap:{inline:{a=1, b=2}, inline:{a=3, c=4}}", "a", 1, "1,3" },
		{ "unionmap:{inline:{a=1, b=2}, inline:{a=3, c=4}}", "b", 1, "2" },
		{ "unionmap:{inline:{a=1, b=2}, inline:{a=3, c=4}}", "c", 1, "4" },
		{ "unionmap:{inline:{a=1, b=2}, inline:{a=3, c=4}}", "d", 0, NULL },
		{ "unionmap:{inline:{a=1},inline:{a=1}}", "a", 1, "1,1" },
		{ "unionmap:{static:s, inline:{a=1}}", "a", 1, "s,1" },
		{ "unionmap:{ inline:{a=1} }", "a", 1, "1" },
		/* pf: a failing component fails the lookup, found or not */
		{ "unionmap:{inline:{a=1}, fail:x}", "a", -1, "fail:x: table lookup problem" },
		{ "unionmap:{fail:x, inline:{a=1}}", "zz", -1, "fail:x: table lookup problem" },
		/* pipe: each value is the next key */
		{ "pipemap:{inline:{a=b}, inline:{b=c}}", "a", 1, "c" },
		{ "pipemap:{inline:{a=b}, inline:{b=c}}", "b", 0, NULL },
		{ "pipemap:{inline:{a=b}, inline:{x=c}}", "a", 0, NULL },
		{ "pipemap:{inline:{a=b}}", "a", 1, "b" },
		{ "pipemap:{static:k, inline:{k=v}}", "anything", 1, "v" },
		/* pf: not found before the failing component: not found */
		{ "pipemap:{inline:{a=b}, fail:x}", "z", 0, NULL },
		{ "pipemap:{inline:{a=b}, fail:x}", "a", -1, "fail:x: table lookup problem" },
		/* nested */
		{ "pipemap:{unionmap:{inline:{a=x}, inline:{a=y}}, inline:{{x,y = z}}}", "a", 1, "z" },
		{ "pipemap:{unionmap:{inline:{a=x}, inline:{a=y}}, inline:{{x,y}=z}}", "a", -1,
		    "inline:{{x,y}=z}: syntax error after '}'; need \"inline:{name=value...}\"" },
		{ "unionmap:{pipemap:{inline:{a=b}, inline:{b=c}}, inline:{a=d}}", "a", 1, "c,d" },
	};
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e;
	const char *v;
	int r;

	ctx_for_test(&ctx);
	for (size_t i = 0; i < UNIT_COUNT(cases); i++) {
		UNIT_CASE("%s %s", cases[i].spec, cases[i].key);
		t = ff_table_open(cases[i].spec, &ctx, &e);
		if (!CHECK(t != NULL))
			continue;
		CHECK_INT_EQ(ff_table_broken(t), 0);
		v = NULL;
		r = ff_table_lookup(t, cases[i].key, &v, &e);
		CHECK_INT_EQ(r, cases[i].r);
		if (r > 0)
			CHECK_STR_EQ(v, cases[i].value);
		if (r < 0)
			CHECK_STR_EQ(e.msg, cases[i].value);
		ff_table_close(t);
	}
}

static void
test_syntax(void)
{
	static const char *const bad[] = {
		"unionmap:x", "unionmap:{}", "unionmap:{ }", "unionmap:{inline:{a=1}} x",
		"unionmap:{inline:{a=1}", "unionmap:{a}", "unionmap:{inline:{a=1}, b}",
		"pipemap:{inline:{a=1}, {b}}", "pipemap:{,}",
	};
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e;
	const char *v;
	char want[200];

	ctx_for_test(&ctx);
	for (size_t i = 0; i < UNIT_COUNT(bad); i++) {
		UNIT_CASE("%s", bad[i]);
		t = ff_table_open(bad[i], &ctx, &e);
		if (!CHECK(t != NULL))
			continue;
		CHECK_INT_EQ(ff_table_broken(t), 1);
		snprintf(want, sizeof(want), "%s: bad syntax; need \"%.*s:{type:name...}\"", bad[i],
		    (int)strcspn(bad[i], ":"), bad[i]);
		CHECK_STR_EQ(e.msg, want);
		CHECK_INT_EQ(ff_table_lookup(t, "a", &v, &e), -1);
		ff_table_close(t);
	}
}

static void
test_flags(void)
{
	static const struct {
		const char *spec;
		int fixed;
	} cases[] = {
		{ "unionmap:{inline:{a=1}, fail:x}", 1 },
		{ "unionmap:{fail:x, inline:{a=1}}", 0 },
		{ "pipemap:{static:x, fail:y}", 1 },
		{ "pipemap:{texthash:/nonexistent/file, static:x}", 0 },	/* broken first */
		{ "unionmap:{pipemap:{fail:x, static:y}, static:z}", 0 },
	};
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e;

	ctx_for_test(&ctx);
	for (size_t i = 0; i < UNIT_COUNT(cases); i++) {
		UNIT_CASE("%s", cases[i].spec);
		t = ff_table_open(cases[i].spec, &ctx, &e);
		if (!CHECK(t != NULL))
			continue;
		CHECK_INT_EQ(ff_table_fixed(t), cases[i].fixed);
		ff_table_close(t);
	}
}

static void
test_changed(void)
{
	char spec[3 * PATH_MAX];
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e;
	const char *v;

	ctx_for_test(&ctx);
	unit_write(unit_path("th1"), "a.example one\n", 14);
	unlink(unit_path("th2"));
	snprintf(spec, sizeof(spec), "unionmap:{static:s, pipemap:{texthash:%s, static:x},"
	    " texthash:%s}", unit_path("th1"), unit_path("th2"));
	t = ff_table_open(spec, &ctx, &e);
	if (!CHECK(t != NULL))
		return;
	UNIT_CASE("a missing component file fails every lookup");
	CHECK_INT_EQ(ff_table_broken(t), 0);
	CHECK_INT_EQ(ff_table_lookup(t, "a.example", &v, &e), -1);
	CHECK(strstr(e.msg, "th2: open database ") != NULL);
	CHECK_INT_EQ(ff_table_changed(t), 0);
	UNIT_CASE("creating it is a change");
	unit_write(unit_path("th2"), "b.example two\n", 14);
	CHECK_INT_EQ(ff_table_changed(t), 1);
	ff_table_close(t);
	UNIT_CASE("reopened");
	t = ff_table_open(spec, &ctx, &e);
	if (!CHECK(t != NULL))
		return;
	CHECK_INT_EQ(ff_table_lookup(t, "a.example", &v, &e), 1);
	CHECK_STR_EQ(v, "s,x");
	CHECK_INT_EQ(ff_table_lookup(t, "b.example", &v, &e), 1);
	CHECK_STR_EQ(v, "s,two");
	CHECK_INT_EQ(ff_table_changed(t), 0);
	UNIT_CASE("a nested component's file rewritten");
	unit_write(unit_path("th1"), "a.example uno\n", 14);
	CHECK_INT_EQ(ff_table_changed(t), 1);
	ff_table_close(t);
}

static void
test_depth(void)
{
	char spec[4096];
	size_t o = 0;
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e;
	const char *v;
	int levels;

	ctx_for_test(&ctx);
	for (levels = 40; levels >= 30; levels -= 10) {
		UNIT_CASE("%d levels", levels);
		o = 0;
		for (int i = 0; i < levels; i++)
			o += (size_t)snprintf(spec + o, sizeof(spec) - o, "unionmap:{");
		o += (size_t)snprintf(spec + o, sizeof(spec) - o, "static:deep");
		for (int i = 0; i < levels; i++)
			o += (size_t)snprintf(spec + o, sizeof(spec) - o, "}");
		t = ff_table_open(spec, &ctx, &e);
		if (!CHECK(t != NULL))
			continue;
		if (levels > 32) {
			CHECK_INT_EQ(ff_table_lookup(t, "k", &v, &e), -1);
			CHECK(strstr(e.msg, "tables nested more than 32 deep") != NULL);
		} else {
			CHECK_INT_EQ(ff_table_lookup(t, "k", &v, &e), 1);
			CHECK_STR_EQ(v, "deep");
		}
		ff_table_close(t);
	}
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_lookups),
	UNIT_TEST(test_syntax),
	UNIT_TEST(test_flags),
	UNIT_TEST(test_changed),
	UNIT_TEST(test_depth),
};

int
main(void)
{
	return unit_run(tests, UNIT_COUNT(tests));
}
