/*
 * table_pattern_test.c - the regexp:, pcre: and cidr: tables
 * (lib/postfix/table_regexp.c, table_pcre.c, table_cidr.c, table_rxfile.c)
 *
 * The expected answers of test_lookup were checked against Postfix 3.7's
 * postmap -q on the same files; tests/interop/table_pattern.bats compares
 * with postmap directly, for many more files and keys. Here: what needs
 * no Postfix, and what stretches the code (many rules, deep nesting,
 * long results, rereading after a change) under valgrind and ASan.
 */
#include <sys/stat.h>

#include "unit.h"
#include "postfix/table.h"

static const struct {
	const char *name;
	const char *text;
} files[] = {
	{ "re", "# comment\n/^abc$/ plain\n/^Def$/i exact\n/^(x)(y)?z$/ a${1}b${2}c\n/^(w)$/ $1x$2c\n"
	    "/^m(o)ney$/ $$5 $(1)\n/^empty$/\nif /^zblk/\n!/c$/ blk-not-c\nendif\n"
	    "/^(a)|^(b)/ [$1][$2]\n/^cont/ one\n  two\n" },
	{ "two", "/^(b)/!/c/ b-not-c:$1\n/^[^@]+@(.*)$/ domain=$1\n" },
	{ "cidr", "192.0.2.0/31 slash31\n[203.0.113.8]/29 br\n2001:db8::/32 doc\n"
	    "if !10.0.0.0/8\n!fe80::/10 not-ll\nendif\n10.0.0.0/8 ten\n1.2.3.0/256 bad\n" },
	{ "bad", "/unclosed\n/(x/ paren\n/ok/ ok\nendif\nfoo\n/(q)/ $2\n" },
	{ "limit", "/^(\\w+\\s?)*$/ slow\n/!/ bang\n" },
	/* regcomp would take 2^40 nodes, then 90,000: both skipped (rxcost.h) */
	{ "complex", "/^i++++++++++++++++++++++++++++++++++++++++$/ plus\n"
	    "/(a{300}){300}/x nest\n/^(b{10}){2}$/ fine\n/a/ a\n" },
};

static void
setup(void)
{
	for (size_t i = 0; i < UNIT_COUNT(files); i++)
		unit_write(unit_path(files[i].name), files[i].text, strlen(files[i].text));
}

/* lookup - open TYPE:FILE (a file of the test directory, or inline {...}) and look key up */
static int
lookup(const char *type, const char *file, const char *key, int utf8, char *value, size_t size)
{
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e;
	char spec[PATH_MAX + 64];
	const char *v = NULL;
	int r;

	ff_table_ctx_init(&ctx, NULL);
	ctx.utf8 = utf8;
	snprintf(spec, sizeof(spec), "%s:%s", type, file[0] == '{' ? file : unit_path(file));
	if ((t = ff_table_open(spec, &ctx, &e)) == NULL)
		return -2;
	r = ff_table_lookup(t, key, &v, &e);
	snprintf(value, size, "%s", r > 0 ? v : r < 0 ? e.msg : "");
	ff_table_close(t);
	return r;
}

static void
test_lookup(void)
{
	static const struct {
		const char *type, *file, *key;
		int want;
		const char *value;
	} t[] = {
		{ "regexp", "re", "abc", 1, "plain" },
		{ "regexp", "re", "ABC", 1, "plain" },
		{ "regexp", "re", "DEF", 0, "" },
		{ "regexp", "re", "Def", 1, "exact" },
		{ "regexp", "re", "xz", 1, "axbc" },
		{ "regexp", "re", "xyz", 1, "axbyc" },
		{ "regexp", "re", "money", 1, "$5 o" },
		{ "regexp", "re", "empty", 1, "" },
		{ "regexp", "re", "w", 0, "" },
		{ "regexp", "re", "zblkc", 0, "" },
		{ "regexp", "re", "zblkd", 1, "blk-not-c" },
		{ "regexp", "re", "ba", 1, "[][b]" },
		{ "regexp", "re", "cont", 1, "one  two" },
		{ "pcre", "re", "ABC", 1, "plain" },
		{ "pcre", "re", "xz", 1, "axbc" },
		{ "pcre", "re", "ab", 1, "[a][]" },
		{ "pcre", "re", "zblkc", 0, "" },
		{ "regexp", "two", "b", 1, "b-not-c:b" },
		{ "regexp", "two", "bc", 0, "" },
		{ "regexp", "two", "user@example.com", 1, "domain=example.com" },
		/* pcre reads "!/c/ ..." as an unknown flag: the rule is skipped */
		{ "pcre", "two", "b", 0, "" },
		{ "pcre", "two", "u@x.y", 1, "domain=x.y" },
		{ "cidr", "cidr", "192.0.2.1", 1, "slash31" },
		{ "cidr", "cidr", "192.0.2.2", 0, "" },
		{ "cidr", "cidr", "203.0.113.15", 1, "br" },
		{ "cidr", "cidr", "203.0.113.16", 0, "" },
		{ "cidr", "cidr", "2001:DB8::1", 1, "doc" },
		/* an if of the other family skips its block, negated or not */
		{ "cidr", "cidr", "::1", 0, "" },
		{ "cidr", "cidr", "fe80::1", 0, "" },
		{ "cidr", "cidr", "10.1.2.3", 1, "ten" },
		{ "cidr", "cidr", "11.1.2.3", 0, "" },
		{ "cidr", "cidr", "[10.1.2.3]", 0, "" },
		{ "cidr", "cidr", "10.1.2.3/32", 0, "" },
		{ "cidr", "cidr", "", 0, "" },
		{ "regexp", "bad", "ok", 1, "ok" },
		{ "regexp", "bad", "q", 0, "" },
		{ "pcre", "bad", "x", 0, "" },
		{ "regexp", "complex", "iii", 0, "" },
		{ "regexp", "complex", "ab", 1, "a" },
		{ "regexp", "complex", "i", 0, "" },
		{ "regexp", "complex", "bbbbbbbbbbbbbbbbbbbb", 1, "fine" },
		/* a match limit error: no match */
		{ "pcre", "limit", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa aaaaaaaaaaaa!", 1, "bang" },
		{ "regexp", "{{/^k(.)/ v$1}, { /x/ y }, {#c}, {}}", "kq", 1, "vq" },
		{ "pcre", "{{if !/z/}, {/x/ y}, {endif}}", "xz", 0, "" },
		{ "cidr", "{{::/0 six}}", "::", 1, "six" },
		{ "regexp", "{}", "k", 0, "" },
	};
	char value[1024];

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		UNIT_CASE("%s:%s %s", t[i].type, t[i].file, t[i].key);
		CHECK_INT_EQ(lookup(t[i].type, t[i].file, t[i].key, 0, value, sizeof(value)),
		    t[i].want);
		CHECK_STR_EQ(value, t[i].value);
	}
}

static void
test_utf8(void)
{
	char value[1024];

	unit_write(unit_path("u8"), "/^uni(.)/ u$1\n/^(..)$/ two:$1\n", 30);
	UNIT_CASE("a cut UTF-8 character fails with smtputf8_enable");
	CHECK_INT_EQ(lookup("pcre", "u8", "uni\xc3\xa9", 1, value, sizeof(value)), -1);
	CHECK(strstr(value, "non-UTF-8 value") != NULL);
	UNIT_CASE("without it: the byte");
	CHECK_INT_EQ(lookup("pcre", "u8", "uni\xc3\xa9", 0, value, sizeof(value)), 1);
	CHECK_STR_EQ(value, "u\xc3");
	UNIT_CASE("bytes, not characters, with it");
	CHECK_INT_EQ(lookup("pcre", "u8", "\xc3\xa9", 1, value, sizeof(value)), 1);
	CHECK_STR_EQ(value, "two:\xc3\xa9");
	CHECK_INT_EQ(lookup("regexp", "u8", "\xc3\xa9", 1, value, sizeof(value)), 1);
	CHECK_STR_EQ(value, "two:\xc3\xa9");
}

static void
test_broken(void)
{
	static const struct {
		const char *spec;	/* "@" stands for the test directory */
		const char *why;
	} t[] = {
		{ "regexp:@/missing", "open " },
		{ "pcre:@/missing", "No such file or directory" },
		{ "cidr:@/missing", "No such file or directory" },
		{ "cidr:@", "Is a directory" },
		{ "regexp:{/k/ v}", "regexp map: no '{' at start of text in \"/k/\"" },
		{ "pcre:{{/k/ v}", "pcre map: missing '}' in \"{{/k/ v}\"" },
		{ "cidr:{{1.2.3.4 v}x}", "cidr map: syntax error after '}' in \"{1.2.3.4 v}x\"" },
	};
	struct ff_table_ctx ctx;
	struct ff_table *tb;
	struct ff_err e;
	char spec[PATH_MAX + 64];
	const char *at, *v;

	ff_table_ctx_init(&ctx, NULL);
	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		UNIT_CASE("%s", t[i].spec);
		at = strchr(t[i].spec, '@');
		snprintf(spec, sizeof(spec), "%.*s%s%s", at ? (int)(at - t[i].spec) :
		    (int)strlen(t[i].spec), t[i].spec, at ? unit_tmpdir() : "", at ? at + 1 : "");
		memset(&e, 0, sizeof(e));
		if (!CHECK((tb = ff_table_open(spec, &ctx, &e)) != NULL))
			continue;
		CHECK_INT_EQ(ff_table_broken(tb), 1);
		CHECK(strstr(e.msg, t[i].why) != NULL);
		CHECK_INT_EQ(ff_table_lookup(tb, "1.2.3.4", &v, &e), -1);
		CHECK(strstr(e.msg, t[i].why) != NULL);
		ff_table_close(tb);
	}
}

/* test_big - many rules, deep if blocks, long results and keys */
static void
test_big(void)
{
	size_t cap = 1 << 20, len = 0, klen = 20000;
	char *text = malloc(cap), *key = malloc(klen + 1), value[4096], want[4096];
	const int depth = 40, rules = 300;
	int n;

	if (!CHECK(text != NULL && key != NULL))
		goto done;
	for (n = 0; n < depth; n++)
		len += (size_t)snprintf(text + len, cap - len, "if /^k/\n");
	for (n = 0; n < rules; n++)
		len += (size_t)snprintf(text + len, cap - len, "/^k%d$/ rule%d\n", n, n);
	len += (size_t)snprintf(text + len, cap - len, "/^k(.)(.)(.)(.)(.)(.)(.)(.)(.)(.)(.)(.)/ ");
	for (n = 0; n < 60; n++)
		len += (size_t)snprintf(text + len, cap - len, "$%d${%d}$(%d)-", n % 12 + 1,
		    (n + 1) % 12 + 1, (n + 2) % 12 + 1);
	len += (size_t)snprintf(text + len, cap - len, "\n");
	for (n = 0; n < depth; n++)
		len += (size_t)snprintf(text + len, cap - len, "endif\n");
	len += (size_t)snprintf(text + len, cap - len, "/^(x+)$/ long:$1\n");
	unit_write(unit_path("big"), text, len);

	for (int pcre = 0; pcre < 2; pcre++) {
		const char *type = pcre ? "pcre" : "regexp";

		UNIT_CASE("%s: rule %d of %d, %d blocks deep", type, rules - 1, rules, depth);
		snprintf(key, klen, "k%d", rules - 1);
		CHECK_INT_EQ(lookup(type, "big", key, 0, value, sizeof(value)), 1);
		snprintf(want, sizeof(want), "rule%d", rules - 1);
		CHECK_STR_EQ(value, want);
		UNIT_CASE("%s: 180 references", type);
		CHECK_INT_EQ(lookup(type, "big", "kabcdefghijklmn", 0, value, sizeof(value)), 1);
		len = 0;
		for (n = 0; n < 60; n++)
			len += (size_t)snprintf(want + len, sizeof(want) - len, "%c%c%c-",
			    'a' + n % 12, 'a' + (n + 1) % 12, 'a' + (n + 2) % 12);
		CHECK_STR_EQ(value, want);
		UNIT_CASE("%s: a long key and result", type);
		memset(key, 'x', klen);
		key[klen] = 0;
		CHECK_INT_EQ(lookup(type, "big", key, 0, value, sizeof(value)), 1);
		CHECK_INT_EQ((long long)strlen(value), (long long)sizeof(value) - 1);
		CHECK(strncmp(value, "long:xxx", 8) == 0);
	}
done:
	free(text);
	free(key);
}

static void
test_changed(void)
{
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e;
	char spec[PATH_MAX + 64];
	const char *v;
	const char *types[] = { "regexp", "pcre", "cidr" };

	ff_table_ctx_init(&ctx, NULL);
	for (size_t i = 0; i < UNIT_COUNT(types); i++) {
		UNIT_CASE("%s: rewritten", types[i]);
		unit_write(unit_path("chg"), "1.2.3.4 v\n", 10);
		snprintf(spec, sizeof(spec), "%s:%s", types[i], unit_path("chg"));
		if (!CHECK((t = ff_table_open(spec, &ctx, &e)) != NULL))
			continue;
		CHECK_INT_EQ(ff_table_fixed(t), 0);
		CHECK_INT_EQ(ff_table_changed(t), 0);
		unit_write(unit_path("chg"), "1.2.3.4 vv\n", 11);
		CHECK_INT_EQ(ff_table_changed(t), 1);
		ff_table_close(t);

		UNIT_CASE("%s: created", types[i]);
		unlink(unit_path("chg"));
		if (!CHECK((t = ff_table_open(spec, &ctx, &e)) != NULL))
			continue;
		CHECK_INT_EQ(ff_table_broken(t), 1);
		CHECK_INT_EQ(ff_table_lookup(t, "1.2.3.4", &v, &e), -1);
		CHECK_INT_EQ(ff_table_changed(t), 0);
		unit_write(unit_path("chg"), "1.2.3.4 v\n", 10);
		CHECK_INT_EQ(ff_table_changed(t), 1);
		ff_table_close(t);
	}
}

int
main(void)
{
	static const struct unit_test tests[] = {
		UNIT_TEST(test_lookup),
		UNIT_TEST(test_utf8),
		UNIT_TEST(test_broken),
		UNIT_TEST(test_big),
		UNIT_TEST(test_changed),
	};

	setup();
	return unit_run(tests, UNIT_COUNT(tests));
}
