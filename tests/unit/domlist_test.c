/*
 * domlist_test.c - fast_flush_domains matching (POSTFIX-FACTS 5.2, 5.3)
 *
 * "@D@" in a list or in a file's contents stands for the test's private
 * directory. Unless marked "fastflush", the expected results of
 * test_match were also checked against Postfix 3.7's flush -S doing an
 * add with the same fast_flush_domains (1 = status 0, 0 = DENY, -1 = FAIL).
 */
#include "unit.h"
#include "postfix/domlist.h"

#define PARAM	"fast_flush_domains"

/* subst - replace every "@D@" with the private directory */
static const char *
subst(const char *in, char *out, size_t size)
{
	const char *dir = unit_tmpdir(), *at;
	size_t o = 0, dlen = strlen(dir);

	while ((at = strstr(in, "@D@")) != NULL) {
		size_t n = (size_t)(at - in);
		if (o + n + dlen >= size)
			break;
		memcpy(out + o, in, n);
		memcpy(out + o + n, dir, dlen);
		o += n + dlen;
		in = at + 3;
	}
	snprintf(out + o, size - o, "%s", in);
	return out;
}

static void
setup(void)
{
	static const struct {
		const char *name;
		const char *text;
	} files[] = {
		{ "list1", "# a comment line\nexample.com\n\nother.org, third.net\n#skipped.com\n" },
		{ "list2", "!a.example.com\nexample.com\n" },
		{ "list3", "@D@/list1\n" },
		{ "list4", "first.com # rest of line ignored\nsecond.com\n" },
		{ "bang", "ok.net\n!\n" },
		{ "th", "# comment\nexample.net   OK\nnovalue.net\nthird.example\tvalue with spaces\n" },
		{ "crlf", "crlf.example\r\n" },
		{ "th2", "UPPER2.example OK\ncont.example\n   value\n" },
	};
	char text[PATH_MAX + 1024];

	for (size_t i = 0; i < UNIT_COUNT(files); i++) {
		subst(files[i].text, text, sizeof(text));
		unit_write(unit_path(files[i].name), text, strlen(text));
	}
}

static char long_site[FF_MATCH_MAX + 2];

static void
test_match(void)
{
	static const struct {
		const char *list;
		int parent;
		const char *site;
		int want;	/* 1 match, 0 no match, -1 FF_FAIL */
	} t[] = {
		/* plain domains, parent style */
		{ .list = "example.com", .parent = 1, .site = "example.com", .want = 1 },
		{ .list = "example.com", .parent = 1, .site = "a.example.com", .want = 1 },
		{ .list = "example.com", .parent = 1, .site = "a.b.example.com", .want = 1 },
		{ .list = "example.com", .parent = 1, .site = "badexample.com", .want = 0 },
		{ .list = "example.com", .parent = 1, .site = "com", .want = 0 },
		{ .list = "example.com", .parent = 1, .site = "example.org", .want = 0 },
		{ .list = "example.com", .parent = 1, .site = "example.com.org", .want = 0 },
		/* plain domains, no parent style */
		{ .list = "example.com", .parent = 0, .site = "example.com", .want = 1 },
		{ .list = "example.com", .parent = 0, .site = "a.b.example.com", .want = 0 },
		{ .list = "example.com", .parent = 0, .site = "a.example.com", .want = 0 },
		/* ".domain": never with parent style, subdomains only without */
		{ .list = ".example.com", .parent = 1, .site = "a.example.com", .want = 0 },
		{ .list = ".example.com", .parent = 1, .site = "example.com", .want = 0 },
		{ .list = ".example.com", .parent = 0, .site = "a.example.com", .want = 1 },
		{ .list = ".example.com", .parent = 0, .site = "x.a.example.com", .want = 1 },
		{ .list = ".example.com", .parent = 0, .site = "example.com", .want = 0 },
		{ .list = ".example.com", .parent = 0, .site = "badexample.com", .want = 0 },
		/* negation: the first match decides */
		{ .list = "!sub.example.com, example.com", .parent = 1,
		  .site = "sub.example.com", .want = 0 },
		{ .list = "!sub.example.com, example.com", .parent = 1,
		  .site = "x.sub.example.com", .want = 0 },
		{ .list = "!sub.example.com, example.com", .parent = 1,
		  .site = "other.example.com", .want = 1 },
		{ .list = "!sub.example.com, example.com", .parent = 1,
		  .site = "example.com", .want = 1 },
		{ .list = "!example.com", .parent = 1, .site = "example.com", .want = 0 },
		{ .list = "!example.com", .parent = 1, .site = "other.com", .want = 0 },
		{ .list = "!!example.com", .parent = 1, .site = "example.com", .want = 1 },
		{ .list = "example.com, !example.com", .parent = 1, .site = "example.com",
		  .want = 1 },
		/* case folding */
		{ .list = "EXAMPLE.com", .parent = 1, .site = "ExAmple.COM", .want = 1 },
		{ .list = "example.com", .parent = 1, .site = "A.EXAMPLE.COM", .want = 1 },
		/* no trailing-dot stripping */
		{ .list = "example.com", .parent = 1, .site = "example.com.", .want = 0 },
		{ .list = "example.com.", .parent = 1, .site = "example.com", .want = 0 },
		/* braces are kept: a literal pattern that matches nothing */
		{ .list = "{example.com}", .parent = 1, .site = "example.com", .want = 0 },
		{ .list = "{example.com}", .parent = 0, .site = "example.com", .want = 0 },
		/* a '#' token ends the list; earlier tokens count */
		{ .list = "example.com # comment, other.com", .parent = 1,
		  .site = "example.com", .want = 1 },
		{ .list = "example.com # comment, other.com", .parent = 1,
		  .site = "other.com", .want = 0 },
		{ .list = "example.com #other.com", .parent = 1, .site = "other.com", .want = 0 },
		{ .list = "# all comment", .parent = 1, .site = "example.com", .want = 0 },
		/* separators */
		{ .list = "a.com,b.com\tc.com\n d.com", .parent = 1, .site = "d.com", .want = 1 },
		{ .list = "a.com,,,b.com", .parent = 1, .site = "b.com", .want = 1 },
		{ .list = "", .parent = 1, .site = "example.com", .want = 0 },
		{ .list = " , ,", .parent = 1, .site = "example.com", .want = 0 },
		/* /file includes */
		{ .list = "@D@/list1", .parent = 1, .site = "example.com", .want = 1 },
		{ .list = "@D@/list1", .parent = 1, .site = "third.net", .want = 1 },
		{ .list = "@D@/list1", .parent = 1, .site = "x.other.org", .want = 1 },
		{ .list = "@D@/list1", .parent = 1, .site = "skipped.com", .want = 0 },
		{ .list = "@D@/list1", .parent = 1, .site = "comment", .want = 0 },
		{ .list = "!@D@/list1", .parent = 1, .site = "example.com", .want = 0 },
		{ .list = "!@D@/list1, example.com", .parent = 1, .site = "example.com",
		  .want = 0 },
		{ .list = "!@D@/list1, x.org", .parent = 1, .site = "x.org", .want = 1 },
		{ .list = "@D@/list2", .parent = 1, .site = "a.example.com", .want = 0 },
		{ .list = "@D@/list2", .parent = 1, .site = "b.example.com", .want = 1 },
		{ .list = "!@D@/list2", .parent = 1, .site = "a.example.com", .want = 1 },
		{ .list = "!@D@/list2", .parent = 1, .site = "b.example.com", .want = 0 },
		{ .list = "@D@/list3", .parent = 1, .site = "third.net", .want = 1 },
		{ .list = "@D@/list4", .parent = 1, .site = "first.com", .want = 1 },
		{ .list = "@D@/list4", .parent = 1, .site = "second.com", .want = 1 },
		{ .list = "@D@/list4", .parent = 1, .site = "rest", .want = 0 },
		{ .list = "@D@/crlf", .parent = 1, .site = "crlf.example", .want = 1 },
		/* an unreadable file fails lookups that reach it */
		{ .list = "@D@/nonexistent", .parent = 1, .site = "example.com", .want = -1 },
		{ .list = "example.com, @D@/nonexistent", .parent = 1, .site = "example.com",
		  .want = 1 },
		{ .list = "example.com, @D@/nonexistent", .parent = 1, .site = "other.com",
		  .want = -1 },
		{ .list = "@D@/nonexistent, example.com", .parent = 1, .site = "example.com",
		  .want = -1 },
		{ .list = "!@D@/nonexistent", .parent = 1, .site = "example.com", .want = -1 },
		/* fail: */
		{ .list = "example.com, fail:x", .parent = 1, .site = "example.com", .want = 1 },
		{ .list = "example.com, fail:x", .parent = 1, .site = "a.example.com",
		  .want = 1 },
		{ .list = "example.com, fail:x", .parent = 1, .site = "other.com", .want = -1 },
		{ .list = "fail:x, example.com", .parent = 1, .site = "example.com", .want = -1 },
		/* inline: */
		{ .list = "inline:{a.com=1, {b.com = x y}}", .parent = 1, .site = "a.com",
		  .want = 1 },
		{ .list = "inline:{a.com=1, {b.com = x y}}", .parent = 1, .site = "b.com",
		  .want = 1 },
		{ .list = "inline:{a.com=1, {b.com = x y}}", .parent = 1, .site = "x.a.com",
		  .want = 1 },
		{ .list = "inline:{a.com=1, {b.com = x y}}", .parent = 1, .site = "A.COM",
		  .want = 1 },
		{ .list = "inline:{a.com=1, {b.com = x y}}", .parent = 1, .site = "c.com",
		  .want = 0 },
		{ .list = "inline:{a.com=1, {b.com = x y}}", .parent = 1, .site = "x",
		  .want = 0 },
		{ .list = "inline:{a.com=1, {b.com = x y}}", .parent = 1, .site = "y",
		  .want = 0 },
		{ .list = "inline:{a.com=1}", .parent = 0, .site = "x.a.com", .want = 0 },
		{ .list = "!inline:{a.com=1}, a.com", .parent = 1, .site = "a.com", .want = 0 },
		/* fixed tables: parent lookups b.example.org, example.org, org ... */
		{ .list = "inline:{example.org=1}", .parent = 1, .site = "b.example.org",
		  .want = 1 },
		{ .list = "inline:{org=1}", .parent = 1, .site = "a.b.example.org", .want = 1 },
		{ .list = "inline:{.example.org=1}", .parent = 1, .site = "b.example.org",
		  .want = 0 },
		/* ... or .example.org, .org without parent style */
		{ .list = "inline:{example.org=1}", .parent = 0, .site = "b.example.org",
		  .want = 0 },
		{ .list = "inline:{.example.org=1}", .parent = 0, .site = "b.example.org",
		  .want = 1 },
		{ .list = "inline:{.example.org=1}", .parent = 0, .site = "a.b.example.org",
		  .want = 1 },
		{ .list = "inline:{.example.org=1}", .parent = 0, .site = "example.org",
		  .want = 0 },
		{ .list = "inline:{.org=1}", .parent = 0, .site = "a.b.example.org", .want = 1 },
		{ .list = "inline:{org=1}", .parent = 0, .site = "a.b.example.org", .want = 0 },
		/* bad inline syntax: the list loads, lookups that reach it fail */
		{ .list = "inline:{a.com}", .parent = 1, .site = "a.com", .want = -1 },
		{ .list = "inline:a.com=1", .parent = 1, .site = "a.com", .want = -1 },
		{ .list = "inline:{ a.com = 1 }", .parent = 1, .site = "a.com", .want = -1 },
		{ .list = "a.com, inline:{a.com}", .parent = 1, .site = "a.com", .want = 1 },
		/* keys are stored as written; an empty name never matches */
		{ .list = "inline:{A.COM=1}", .parent = 1, .site = "a.com", .want = 0 },
		{ .list = "inline:{=1}, a.com", .parent = 1, .site = "a.com", .want = 1 },
		/* an inline table without entries is an error in Postfix 3.7.11 */
		{ .list = "inline:{}", .parent = 1, .site = "a.com", .want = -1 },
		{ .list = "inline:{ , }", .parent = 1, .site = "a.com", .want = -1 },
		{ .list = "texthash:@D@/th2", .parent = 1, .site = "upper2.example", .want = 0 },
		/* a texthash line starting with white space continues the previous */
		{ .list = "texthash:@D@/th2", .parent = 1, .site = "cont.example", .want = 1 },
		/* texthash: */
		{ .list = "texthash:@D@/th", .parent = 1, .site = "example.net", .want = 1 },
		{ .list = "texthash:@D@/th", .parent = 1, .site = "EXAMPLE.NET", .want = 1 },
		{ .list = "texthash:@D@/th", .parent = 1, .site = "sub.example.net", .want = 1 },
		{ .list = "texthash:@D@/th", .parent = 0, .site = "sub.example.net", .want = 0 },
		{ .list = "texthash:@D@/th", .parent = 1, .site = "third.example", .want = 1 },
		{ .list = "texthash:@D@/th", .parent = 1, .site = "novalue.net", .want = 0 },
		{ .list = "texthash:@D@/th", .parent = 1, .site = "ok", .want = 0 },
		{ .list = "texthash:@D@/th", .parent = 1, .site = "comment", .want = 0 },
		{ .list = "texthash:@D@/th", .parent = 1, .site = "#", .want = 0 },
		{ .list = "texthash:@D@/missing", .parent = 1, .site = "example.net",
		  .want = -1 },
		{ .list = "example.net, texthash:@D@/missing", .parent = 1,
		  .site = "example.net", .want = 1 },
		/* static: matches everything */
		{ .list = "static:x", .parent = 1, .site = "anything.example", .want = 1 },
		{ .list = "static:x", .parent = 0, .site = "a.b.c", .want = 1 },
		{ .list = "!static:x", .parent = 1, .site = "anything.example", .want = 0 },
		{ .list = "!a.com, static:x", .parent = 1, .site = "a.com", .want = 0 },
		{ .list = "!a.com, static:x", .parent = 1, .site = "b.com", .want = 1 },
		/* unsupported table types fail */
		{ .list = "hash:/etc/x", .parent = 1, .site = "a.com", .want = -1 },
		{ .list = "a.com, hash:/etc/x", .parent = 1, .site = "a.com", .want = 1 },
		{ .list = "a.com, hash:/etc/x", .parent = 1, .site = "b.com", .want = -1 },
		{ .list = "regexp:/etc/x", .parent = 1, .site = "a.com", .want = -1 },
		/* fastflush: address literals are domain patterns, not tables,
		 * and listed literals are served (Postfix 3.7 denies them) */
		{ .list = "[192.0.2.1]", .parent = 1, .site = "[192.0.2.1]", .want = 1 },
		{ .list = "[ipv6:2001:db8::1]", .parent = 1, .site = "[IPv6:2001:DB8::1]",
		  .want = 1 },
		{ .list = "[192.0.2.1]", .parent = 1, .site = "[192.0.2.10]", .want = 0 },
		/* sites longer than any host name never match (fastflush) */
		{ .list = "static:x", .parent = 1, .site = long_site, .want = 0 },
	};
	char list[PATH_MAX + 256];

	memset(long_site, 'a', sizeof(long_site) - 1);
	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		struct ff_domlist *l;
		struct ff_err e;
		int rc;

		UNIT_CASE("list \"%s\"%s, site \"%.40s\"", t[i].list,
		    t[i].parent ? " (parent style)" : "", t[i].site);
		memset(&e, 0, sizeof(e));
		l = ff_domlist_new(PARAM, subst(t[i].list, list, sizeof(list)), t[i].parent, NULL, &e);
		if (!CHECK(l != NULL)) {
			CHECK_STR_EQ(e.msg, "");
			continue;
		}
		rc = ff_domlist_match(l, t[i].site, &e);
		CHECK_INT_EQ(rc, t[i].want);
		if (rc == -1 && t[i].want == -1) {
			CHECK_INT_EQ(e.status, FF_FAIL);
			CHECK(strstr(e.msg, PARAM) != NULL);
		}
		/* a list answers the same way every time */
		CHECK_INT_EQ(ff_domlist_match(l, t[i].site, &e), rc);
		ff_domlist_free(l);
	}
}

/* lists that cannot be used at all */
static void
test_new_fails(void)
{
	static const char *const t[] = {
		"!",
		"example.com, !",
		"!!",
		"! example.com",
		"@D@/bang",
	};
	char list[PATH_MAX + 64];

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		struct ff_domlist *l;
		struct ff_err e;

		UNIT_CASE("list \"%s\"", t[i]);
		memset(&e, 0, sizeof(e));
		l = ff_domlist_new(PARAM, subst(t[i], list, sizeof(list)), 1, NULL, &e);
		CHECK(l == NULL);
		CHECK_INT_EQ(e.status, FF_CONFIG);
		CHECK(strstr(e.msg, "!") != NULL);
		ff_domlist_free(l);
	}
}

/* what a failed lookup says */
static void
test_fail_messages(void)
{
	static const struct {
		const char *list;
		const char *says[2];	/* substrings of the message */
	} t[] = {
		{ .list = "nosuchtype:/etc/x", .says = { "nosuchtype:/etc/x", "postmap" } },
		{ .list = "fail:x", .says = { "fail:x", PARAM } },
		{ .list = "@D@/nonexistent", .says = { "/nonexistent", "No such file" } },
		{ .list = "texthash:@D@/missing", .says = { "texthash:", "No such file" } },
		{ .list = "inline:{a.com}", .says = { "inline:{a.com}", "missing '='" } },
		{ .list = "inline:{}", .says = { "inline:{}", "empty table" } },
		{ .list = "inline:{a=b", .says = { "inline:{a=b", "need \"inline:" } },
		{ .list = "static:{a", .says = { "static:{a", "missing '}'" } },
	};
	char list[PATH_MAX + 64];

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		struct ff_domlist *l;
		struct ff_err e;

		UNIT_CASE("list \"%s\"", t[i].list);
		memset(&e, 0, sizeof(e));
		l = ff_domlist_new(PARAM, subst(t[i].list, list, sizeof(list)), 1, NULL, &e);
		if (!CHECK(l != NULL))
			continue;
		CHECK_INT_EQ(ff_domlist_match(l, "Site.Example", &e), -1);
		CHECK_INT_EQ(e.status, FF_FAIL);
		for (size_t j = 0; j < 2; j++)
			if (!CHECK(strstr(e.msg, t[i].says[j]) != NULL))
				CHECK_STR_EQ(e.msg, t[i].says[j]);
		ff_domlist_free(l);
	}
}

/* one list, many sites, and a list that outlives the string it came from */
static void
test_reuse(void)
{
	static const struct {
		const char *site;
		int want;
	} t[] = {
		{ "example.com", 1 }, { "a.example.com", 1 }, { "sub.example.com", 0 },
		{ "x.sub.example.com", 0 }, { "b.com", 1 }, { "other.org", 0 },
	};
	char value[] = "!sub.example.com example.com inline:{b.com=1}";
	struct ff_err e;
	struct ff_domlist *l = ff_domlist_new(PARAM, value, 1, NULL, &e);

	if (!CHECK(l != NULL))
		return;
	memset(value, 'x', sizeof(value) - 1);
	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		UNIT_CASE("%s", t[i].site);
		CHECK_INT_EQ(ff_domlist_match(l, t[i].site, &e), t[i].want);
	}
	ff_domlist_free(l);
	ff_domlist_free(NULL);
}

int
main(void)
{
	static const struct unit_test tests[] = {
		UNIT_TEST(test_match),
		UNIT_TEST(test_new_fails),
		UNIT_TEST(test_fail_messages),
		UNIT_TEST(test_reuse),
	};

	setup();
	return unit_run(tests, UNIT_COUNT(tests));
}
