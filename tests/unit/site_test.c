/*
 * site_test.c - host names, address literals and site -> log name
 * (POSTFIX-FACTS 5.4, 5.5). The expected log names and refusals were
 * checked against Postfix 3.7's flush -S (add with fast_flush_domains =
 * static:all): a refused site is DENY there, except [ip] literals.
 */
#include "unit.h"
#include "postfix/site.h"

#define STRLEN	((size_t)-1)	/* "use strlen()" */

static char label63[64], label64[65];
static char label63_com[64 + 4], label64_com[65 + 4];
static char label64_site[65 + 12];
static char name255[256], name256[257];	/* total length 255 / 256 */
static char name253[254], name254[255];	/* IDNA's limit: 253 */
static char name253_log[254];		/* name253 with '.' -> '_' */
static char site2000[2001];

static void
setup(void)
{
	memset(label63, 'a', 63);
	memset(label64, 'a', 64);
	snprintf(label63_com, sizeof(label63_com), "%s.com", label63);
	snprintf(label64_com, sizeof(label64_com), "%s.com", label64);
	snprintf(label64_site, sizeof(label64_site), "%s.example.com", label64);
	/* 4 labels of 63: 4 * 63 + 3 = 255 */
	snprintf(name255, sizeof(name255), "%s.%s.%s.%s", label63, label63, label63, label63);
	/* "x." + 3 labels of 63 + 1 of 62: 2 + 3 * 64 + 62 = 256 */
	snprintf(name256, sizeof(name256), "x.%s.%s.%s.%.62s", label63, label63, label63,
	    label63);
	/* 3 labels of 63 + 1 of 61 (62): 3 * 64 + 61 = 253 (254) */
	snprintf(name253, sizeof(name253), "%s.%s.%s.%.61s", label63, label63, label63,
	    label63);
	snprintf(name254, sizeof(name254), "%s.%s.%s.%.62s", label63, label63, label63,
	    label63);
	for (size_t i = 0; i < sizeof(name253); i++)
		name253_log[i] = name253[i] == '.' ? '_' : name253[i];
	/* "a.a.a. ... a": 2000 bytes, every label fine */
	for (size_t i = 0; i < 2000; i++)
		site2000[i] = i % 2 ? '.' : 'a';
	site2000[1999] = 'a';
}

static void
test_valid_hostname(void)
{
	static const struct {
		const char *name;
		size_t len;
		int want;
	} t[] = {
		{ .name = "example.com", .want = 1 },
		{ .name = "a", .want = 1 },
		{ .name = "EXAMPLE.COM", .want = 1 },
		{ .name = "a-b.example.com", .want = 1 },
		{ .name = "a--b.example.com", .want = 1 },
		{ .name = "-a.example.com", .want = 0 },
		{ .name = "a-.example.com", .want = 0 },
		{ .name = "example.com-", .want = 0 },
		{ .name = "-", .want = 0 },
		{ .name = "a..b", .want = 0 },
		{ .name = ".example.com", .want = 0 },
		{ .name = "example.com.", .want = 0 },
		{ .name = ".", .want = 0 },
		{ .name = "", .want = 0 },
		{ .name = "a_b.example.com", .want = 1 },
		{ .name = "_dmarc.example.com", .want = 1 },
		{ .name = "_", .want = 1 },
		{ .name = "1.2.3.4", .want = 0 },
		{ .name = "123", .want = 0 },
		{ .name = "1.2.3.a", .want = 1 },
		{ .name = "123.example", .want = 1 },
		{ .name = "1-2.3", .want = 1 },
		{ .name = "0x1", .want = 1 },
		{ .name = label63, .want = 1 },
		{ .name = label64, .want = 0 },
		{ .name = label63_com, .want = 1 },
		{ .name = label64_com, .want = 0 },
		{ .name = name255, .want = 1 },
		{ .name = name256, .want = 0 },
		{ .name = "a b", .want = 0 },
		{ .name = "a/b", .want = 0 },
		{ .name = "a\tb", .want = 0 },
		{ .name = "[192.0.2.1]", .want = 0 },
		{ .name = "b\xc3\xbc" "cher.de", .want = 0 },
		{ .name = "b\xfc" "cher.de", .want = 0 },
		/* only len bytes count */
		{ .name = "example.com.", .len = 11, .want = 1 },
		{ .name = "example.com/x", .len = 11, .want = 1 },
		{ .name = "a\0b", .len = 3, .want = 0 },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		size_t len = t[i].len ? t[i].len : strlen(t[i].name);
		UNIT_CASE("\"%.70s\" (%zu bytes)", t[i].name, len);
		CHECK_INT_EQ(ff_valid_hostname(t[i].name, len), t[i].want);
	}
}

static void
test_valid_literal(void)
{
	static const struct {
		const char *site;
		int want;
	} t[] = {
		{ .site = "[192.0.2.1]", .want = 1 },
		{ .site = "[0.0.0.0]", .want = 1 },
		{ .site = "[255.255.255.255]", .want = 1 },
		{ .site = "[ipv6:2001:db8::1]", .want = 1 },
		{ .site = "[IPv6:2001:db8::1]", .want = 1 },
		{ .site = "[IPV6:2001:DB8::1]", .want = 1 },
		{ .site = "[ipv6:::1]", .want = 1 },
		{ .site = "[ipv6:::ffff:192.0.2.1]", .want = 1 },
		{ .site = "[300.1.1.1]", .want = 0 },
		{ .site = "[192.0.2]", .want = 0 },
		{ .site = "[192.0.2.1.5]", .want = 0 },
		{ .site = "[2001:db8::1]", .want = 0 },	/* IPv6 needs the prefix */
		{ .site = "[ipv6:192.0.2.1]", .want = 0 },
		{ .site = "[ipv6:2001:db8::g]", .want = 0 },
		{ .site = "[ipv6:]", .want = 0 },
		{ .site = "192.0.2.1", .want = 0 },
		{ .site = "[192.0.2.1", .want = 0 },
		{ .site = "192.0.2.1]", .want = 0 },
		{ .site = "[192.0.2.1] ", .want = 0 },
		{ .site = "[ 192.0.2.1]", .want = 0 },
		{ .site = "[example.com]", .want = 0 },
		{ .site = "[]", .want = 0 },
		{ .site = "[", .want = 0 },
		{ .site = "", .want = 0 },
		{ .site = "[ipv6:2001:0db8:0000:0000:0000:0000:0000:0001:0002]", .want = 0 },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		UNIT_CASE("\"%s\"", t[i].site);
		CHECK_INT_EQ(ff_valid_literal(t[i].site), t[i].want);
	}
}

/* msg_printable - a diagnostic must not carry raw control or 8-bit bytes */
static int
msg_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static void
test_site_to_logname(void)
{
	static const struct {
		const char *site;
		size_t len;
		const char *want;	/* NULL: fails with FF_BADSITE */
	} t[] = {
		/* POSTFIX-FACTS 5.4 */
		{ .site = "EXAMPLE.COM", .want = "example_com" },
		{ .site = "Sub.Example.COM", .want = "sub_example_com" },
		{ .site = "a-b.example.com", .want = "a_b_example_com" },
		{ .site = "b\xc3\xbc" "cher.example.com", .want = "xn__bcher_kva_example_com" },
		/* measured against Postfix 3.7 on this machine */
		{ .site = "a_b.example.com", .want = "a_b_example_com" },
		{ .site = "\xc3\x84\xc3\x96\xc3\x9c.de", .want = "xn__4ca0bs_de" },	/* ÄÖÜ.de */
		{ .site = "fa\xc3\x9f.de", .want = "xn__fa_hia_de" },		/* faß.de */
		{ .site = "stra\xc3\x9f" "e.de", .want = "xn__strae_oqa_de" },	/* straße.de */
		{ .site = "\xe6\x97\xa5\xe6\x9c\xac.jp", .want = "xn__wgv71a_jp" },	/* 日本.jp */
		{ .site = "\xe2\x85\xab.com", .want = "xii_com" },			/* Ⅻ.com */
		{ .site = "\xe2\x93\x90\xe2\x93\x91\xe2\x93\x92.com", .want = "abc_com" }, /* ⓐⓑⓒ */
		{ .site = "x", .want = "x" },
		{ .site = "EXAMPLE.\xc3\x87OM", .want = "example_xn__om_3ia" },	/* EXAMPLE.ÇOM */
		{ .site = "bu\xcc\x88" "cher.example.com",	/* u + combining diaeresis */
		  .want = "xn__bcher_kva_example_com" },
		{ .site = "B\xc3\x9c" "CHER.example.com", .want = "xn__bcher_kva_example_com" },
		{ .site = "\xef\xbc\xa1.com", .want = "a_com" },		/* fullwidth A */
		{ .site = "a\xe3\x80\x82" "b.com", .want = "a_b_com" },	/* ideographic stop */
		/* more that must hold */
		{ .site = "example.com", .want = "example_com" },
		{ .site = "xn--bcher-kva.example.com", .want = "xn__bcher_kva_example_com" },
		{ .site = "XN--BCHER-KVA.example.com", .want = "xn__bcher_kva_example_com" },
		{ .site = "mail01.example.com", .want = "mail01_example_com" },
		{ .site = "a--b.example.com", .want = "a__b_example_com" },
		{ .site = "_dmarc.example.com", .want = "_dmarc_example_com" },
		{ .site = "1-2.3", .want = "1_2_3" },
		{ .site = "_", .want = "_" },
		/* Postfix (ICU) and libidn2 both stop at 253 characters */
		{ .site = name253, .want = name253_log },
		{ .site = name254, .want = NULL },
		{ .site = name255, .want = NULL },
		/* address literals: deliberately better than Postfix 3.7 (5.5) */
		{ .site = "[192.0.2.1]", .want = "_192_0_2_1_" },
		{ .site = "[IPv6:2001:DB8::1]", .want = "_ipv6_2001_db8__1_" },
		{ .site = "[300.1.1.1]", .want = NULL },
		{ .site = "[192.0.2.1", .want = NULL },
		{ .site = "[]", .want = NULL },
		/* failures */
		{ .site = "ab--cd.example.com", .want = NULL },
		{ .site = "xn--abc.example.com", .want = NULL },
		{ .site = "example.com.", .want = NULL },
		{ .site = "-a.example.com", .want = NULL },
		{ .site = "a-.example.com", .want = NULL },
		{ .site = "a..b", .want = NULL },
		{ .site = ".example.com", .want = NULL },
		{ .site = "1.2.3.4", .want = NULL },
		{ .site = "a/b", .want = NULL },
		{ .site = "../../etc/passwd", .want = NULL },
		{ .site = "a b", .want = NULL },
		{ .site = "a\tb.com", .want = NULL },
		{ .site = "a\x01" "b.com", .want = NULL },
		{ .site = "a\nb.com", .want = NULL },
		{ .site = label64_site, .want = NULL },
		{ .site = name256, .want = NULL },
		{ .site = "\xff.example.com", .want = NULL },
		{ .site = "b\xfc" "cher.de", .want = NULL },			/* Latin-1 */
		{ .site = "abc\xc3", .want = NULL },				/* cut sequence */
		{ .site = "\xc0\xaf.com", .want = NULL },			/* overlong '/' */
		{ .site = "\xed\xa0\x80.com", .want = NULL },			/* surrogate */
		{ .site = site2000, .want = NULL },
		{ .site = "", .want = NULL },
		{ .site = "a\0b.com", .len = 7, .want = NULL },
		{ .site = "example.com\0", .len = 12, .want = NULL },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		size_t len = t[i].len ? t[i].len : strlen(t[i].site);
		char name[FF_QID_MAX + 1];
		struct ff_err e;
		int rc;

		UNIT_CASE("\"%.70s\" (%zu bytes)", t[i].site, len);
		memset(&e, 0, sizeof(e));
		memset(name, '#', sizeof(name));
		rc = ff_site_to_logname(t[i].site, len, name, &e);
		if (t[i].want != NULL) {
			if (CHECK_INT_EQ(rc, 0)) {
				CHECK_STR_EQ(name, t[i].want);
				CHECK(ff_qid_ok(name, strlen(name)));
			} else {
				CHECK_STR_EQ(e.msg, "");
			}
		} else {
			CHECK_INT_EQ(rc, -1);
			CHECK_INT_EQ(e.status, FF_BADSITE);
			CHECK(e.msg[0] != 0);
			CHECK(msg_printable(e.msg));
		}
	}
}

int
main(void)
{
	static const struct unit_test tests[] = {
		UNIT_TEST(test_valid_hostname),
		UNIT_TEST(test_valid_literal),
		UNIT_TEST(test_site_to_logname),
	};

	setup();
	return unit_run(tests, UNIT_COUNT(tests));
}
