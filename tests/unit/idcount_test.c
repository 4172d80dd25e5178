/*
 * idcount_test - distinct IDs and their counts, held or merged from runs
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flush/idcount.h"
#include "unit.h"

/* the walk written out as "ID=COUNT ID=COUNT ..." */
struct seen {
	char out[4096];
	size_t len;
	int stop_after;		/* > 0: the callback fails at that ID */
	int calls;
};

static int
record(void *arg, const char *id, size_t len, unsigned long count)
{
	struct seen *s = arg;
	int n = snprintf(s->out + s->len, sizeof(s->out) - s->len, "%s%.*s=%lu",
	    s->len ? " " : "", (int)len, id, count);

	if (n > 0 && (size_t)n < sizeof(s->out) - s->len)
		s->len += (size_t)n;
	return ++s->calls == s->stop_after ? -1 : 0;
}

static void
feed(struct ff_idcount *c, const char *list)
{
	char *copy = strdup(list), *save = NULL;

	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		CHECK_INT_EQ(ff_idcount_add(c, w, strlen(w)), 0);
	free(copy);
}

static const char input[] = "C3 A1 C3 B2 A1 DD4 C3 E5 B2 F6 A1 G7";

static void
test_held(void)
{
	struct ff_idcount c;
	struct seen s = { .len = 0 };

	UNIT_CASE("everything held: first appearance order, no file");
	CHECK_INT_EQ(ff_idcount_init(&c, 100), 0);
	feed(&c, input);
	CHECK_INT_EQ(ff_idcount_walk(&c, record, &s), 0);
	CHECK_STR_EQ(s.out, "C3=3 A1=3 B2=2 DD4=1 E5=1 F6=1 G7=1");
	CHECK_INT_EQ(c.spilled, 0);
	CHECK(c.tmp == NULL);
	ff_idcount_free(&c);
}

static void
test_runs(void)
{
	static const size_t held[] = { 1, 2, 3, 5 };

	for (size_t k = 0; k < sizeof(held) / sizeof(held[0]); k++) {
		struct ff_idcount c;
		struct seen s = { .len = 0 };

		UNIT_CASE("at most %zu held: runs merged, counts added, byte order", held[k]);
		CHECK_INT_EQ(ff_idcount_init(&c, held[k]), 0);
		feed(&c, input);
		CHECK_INT_EQ(c.spilled, 1);
		CHECK(c.held.count <= held[k]);
		CHECK_INT_EQ(ff_idcount_walk(&c, record, &s), 0);
		CHECK_STR_EQ(s.out, "A1=3 B2=2 C3=3 DD4=1 E5=1 F6=1 G7=1");
		ff_idcount_free(&c);
	}
}

static void
test_errors(void)
{
	struct ff_idcount c;
	struct seen s = { .stop_after = 2 };
	char big[300];

	UNIT_CASE("a callback that fails stops the walk; bad lengths refused");
	CHECK_INT_EQ(ff_idcount_init(&c, 2), 0);
	feed(&c, input);
	CHECK_INT_EQ(ff_idcount_walk(&c, record, &s), -1);
	CHECK_INT_EQ(s.calls, 2);
	memset(big, 'A', sizeof(big));
	CHECK_INT_EQ(ff_idcount_add(&c, big, sizeof(big)), -1);
	CHECK_INT_EQ(ff_idcount_add(&c, big, 0), -1);
	ff_idcount_free(&c);
}

/* many IDs through many runs: the sums and the distinct count hold */
static int
total(void *arg, const char *id, size_t len, unsigned long count)
{
	unsigned long *t = arg;

	(void)id;
	(void)len;
	t[0]++;
	t[1] += count;
	return 0;
}

static void
test_many(void)
{
	struct ff_idcount c;
	unsigned long t[2] = { 0, 0 };
	char id[16];

	UNIT_CASE("100,000 adds of 30,000 IDs, 100 held: never more in memory");
	CHECK_INT_EQ(ff_idcount_init(&c, 100), 0);
	size_t most = 0;
	for (unsigned i = 0; i < 100000; i++) {
		int n = snprintf(id, sizeof(id), "%08X", (i * 7919u) % 30000u);

		if (ff_idcount_add(&c, id, (size_t)n) < 0)
			break;
		if (c.held.count > most)
			most = c.held.count;
	}
	CHECK(most < 100);
	CHECK(c.nruns >= 300);
	CHECK_INT_EQ(ff_idcount_walk(&c, total, t), 0);
	CHECK_INT_EQ((long)t[0], 30000);
	CHECK_INT_EQ((long)t[1], 100000);
	ff_idcount_free(&c);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_held),
	UNIT_TEST(test_runs),
	UNIT_TEST(test_errors),
	UNIT_TEST(test_many),
};

int
main(void)
{
	return unit_run(tests, UNIT_COUNT(tests));
}
