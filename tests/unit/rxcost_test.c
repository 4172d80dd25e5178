/*
 * rxcost_test.c - the estimate of regcomp's size for a pattern (lib/util/rxcost.c)
 *
 * The estimate must stay above what glibc builds (its own growth is
 * checked by compiling the patterns that pass) and must stop the patterns
 * that would make regcomp take gigabytes or seconds (copies upon copies,
 * and copies of what can match nothing, whose closures are quadratic), in
 * both syntaxes, in time linear in the pattern.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util/rxcost.h"

/* plus_run - "i" and n repetitions of op ("+" or "\\+"), in a malloc'd string */
static char *
plus_run(const char *op, size_t n)
{
	size_t len = strlen(op);
	char *s = malloc(1 + n * len + 1);

	if (s == NULL)
		return NULL;
	s[0] = 'i';
	for (size_t i = 0; i < n; i++)
		memcpy(s + 1 + i * len, op, len);
	s[1 + n * len] = '\0';
	return s;
}

/* nested - n "(", "a", n ")", in a malloc'd string */
static char *
nested(size_t n)
{
	char *d = malloc(2 * n + 2);

	if (d != NULL) {
		memset(d, '(', n);
		d[n] = 'a';
		memset(d + n + 1, ')', n);
		d[2 * n + 1] = '\0';
	}
	return d;
}

static void
test_ordinary(void)
{
	static const struct {
		const char *re;
		int extended;
		size_t most;		/* the estimate is at most this */
	} t[] = {
		{ "", 1, 1 },
		{ "^abc$", 1, 10 },
		{ "^[^@]+@(.*)$", 1, 20 },
		{ "^(x)(y)?z$", 1, 20 },
		{ "[a-z0-9]{1,63}(\\.[a-z0-9]{1,63}){1,10}", 1, 5000 },
		{ "^.{1,253}$", 1, 5000 },
		{ "[]x]+[[:alpha:]]*[^]]?", 1, 20 },
		{ "\\(a\\)\\{2,3\\}b*", 0, 20 },
		{ "a{,4}|b{2,}", 1, 30 },
		{ "a{32767}", 1, 70000 },		/* counts saturate, not wrap */
		{ "(x*y*z*)+", 1, 200 },
		{ ".*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*", 1, 1000 },
		{ "^([a-z0-9-]*\\.){0,10}example\\.com$", 1, 1000 },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		size_t c = ff_rx_cost(t[i].re, t[i].extended, FF_RX_COST_MAX);

		UNIT_CASE("%s (%s): %zu", t[i].re, t[i].extended ? "ERE" : "BRE", c);
		CHECK(c <= t[i].most);
	}
	UNIT_CASE("a pattern that passes compiles");
	{
		regex_t r;

		CHECK_INT_EQ(ff_rx_cost("(a{100}){200}", 1, FF_RX_COST_MAX) < FF_RX_COST_MAX, 1);
		CHECK_INT_EQ(regcomp(&r, "(a{100}){200}", REG_EXTENDED), 0);
		regfree(&r);
	}
}

static void
test_refused(void)
{
	static const struct {
		const char *re;
		int extended;
	} t[] = {
		{ "(a{300}){300}", 1 },
		{ "((a{50}){50}){50}", 1 },
		{ "\\(a\\{300\\}\\)\\{300\\}", 0 },
		{ "(x+)+((y{9999})+)++", 1 },
		{ "a{99999999999999999999999}{99999999999}", 1 },
		/* nullable copies: closures quadratic (fuzz: 1.2 GB, 27 s) */
		{ "a+*++++++++++++", 1 },
		{ "(a*){1000}", 1 },
		{ "((a*){30}){30}", 1 },
		{ "(a{0,100}){0,100}", 1 },
		{ "\\(a*\\)\\{1000\\}", 0 },
	};
	char *s;

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		UNIT_CASE("%s (%s)", t[i].re, t[i].extended ? "ERE" : "BRE");
		CHECK(ff_rx_cost(t[i].re, t[i].extended, FF_RX_COST_MAX) >= FF_RX_COST_MAX);
	}
	UNIT_CASE("i and 40 '+' (the fuzz finding: 2 GB in regcomp)");
	if (CHECK((s = plus_run("+", 40)) != NULL))
		CHECK(ff_rx_cost(s, 1, FF_RX_COST_MAX) >= FF_RX_COST_MAX);
	free(s);
	UNIT_CASE("the same in a basic pattern: GNU \\+");
	if (CHECK((s = plus_run("\\+", 40)) != NULL))
		CHECK(ff_rx_cost(s, 0, FF_RX_COST_MAX) >= FF_RX_COST_MAX);
	free(s);
	UNIT_CASE("in a basic pattern '+' is an ordinary character");
	if (CHECK((s = plus_run("+", 40)) != NULL))
		CHECK(ff_rx_cost(s, 0, FF_RX_COST_MAX) < 100);
	free(s);
	UNIT_CASE("a million-deep nesting costs the cap, without recursion");
	if (CHECK((s = nested(1000000)) != NULL))
		CHECK_INT_EQ(ff_rx_cost(s, 1, FF_RX_COST_MAX), FF_RX_COST_MAX);
	free(s);
	UNIT_CASE("1,000 nested groups are fine");
	if (CHECK((s = nested(FF_RX_DEPTH_MAX)) != NULL))
		CHECK(ff_rx_cost(s, 1, FF_RX_COST_MAX) < FF_RX_COST_MAX);
	free(s);
}

int
main(void)
{
	static const struct unit_test tests[] = {
		UNIT_TEST(test_ordinary),
		UNIT_TEST(test_refused),
	};

	return unit_run(tests, UNIT_COUNT(tests));
}
