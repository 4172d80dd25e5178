/*
 * qid_test.c - ff_qid_ok() and ff_qid_hash() (POSTFIX-FACTS 4.1, 4.2)
 */
#include "unit.h"
#include "postfix/qid.h"

/* 256 letters: ID_MAX rows use the first 255, ID_OVER all 256 */
static char long_id[FF_QID_MAX + 2];

#define STRLEN	((size_t)-1)	/* "use strlen(id)" */

static void
test_qid_ok(void)
{
	static const struct {
		const char *name;
		const char *id;
		size_t len;
		int want;
	} t[] = {
		{ .name = "empty", .id = "", .len = STRLEN, .want = 0 },
		{ .name = "255 chars", .id = long_id, .len = FF_QID_MAX, .want = 1 },
		{ .name = "256 chars", .id = long_id, .len = FF_QID_MAX + 1, .want = 0 },
		{ .name = "short ID", .id = "9FBF11234", .len = STRLEN, .want = 1 },
		{ .name = "long ID", .id = "4SVLCh4dz5z4k3", .len = STRLEN, .want = 1 },
		{ .name = "underscore", .id = "ab_cd", .len = STRLEN, .want = 1 },
		{ .name = "only underscore", .id = "_", .len = STRLEN, .want = 1 },
		{ .name = "one digit", .id = "0", .len = STRLEN, .want = 1 },
		{ .name = "dot", .id = "AB.CD", .len = STRLEN, .want = 0 },
		{ .name = "dot-dot-slash", .id = "../x", .len = STRLEN, .want = 0 },
		{ .name = "slash", .id = "a/b", .len = STRLEN, .want = 0 },
		{ .name = "hyphen", .id = "a-b", .len = STRLEN, .want = 0 },
		{ .name = "space", .id = "a b", .len = STRLEN, .want = 0 },
		{ .name = "newline", .id = "ABC\n", .len = STRLEN, .want = 0 },
		{ .name = "carriage return", .id = "ABC\r", .len = STRLEN, .want = 0 },
		{ .name = "NUL inside", .id = "AB\0CD", .len = 5, .want = 0 },
		{ .name = "NUL at end", .id = "ABCD", .len = 5, .want = 0 },
		{ .name = "len stops before a dot", .id = "ABC.DEF", .len = 3, .want = 1 },
		{ .name = "UTF-8 letter", .id = "caf\xc3\xa9", .len = STRLEN, .want = 0 },
		{ .name = "Latin-1 letter", .id = "caf\xe9", .len = STRLEN, .want = 0 },
		{ .name = "byte 0xff", .id = "\xff", .len = STRLEN, .want = 0 },
		{ .name = "byte 0x80", .id = "A\x80", .len = STRLEN, .want = 0 },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		size_t len = t[i].len == STRLEN ? strlen(t[i].id) : t[i].len;
		UNIT_CASE("%s", t[i].name);
		CHECK_INT_EQ(ff_qid_ok(t[i].id, len), t[i].want);
	}
}

static void
test_qid_hash(void)
{
	static const struct {
		const char *name;
		const char *id;
		int depth;
		const char *want;
	} t[] = {
		/* POSTFIX-FACTS 4.2, verified against the daemon */
		{ .name = "short", .id = "9FBF11234", .depth = 1, .want = "9/" },
		{ .name = "long", .id = "4SVLCh4dz5z4k3", .depth = 1, .want = "9/" },
		{ .name = "long, undecodable usec", .id = "ABCDEFGHIJz123", .depth = 1,
		  .want = "0/" },
		{ .name = "short, depth 2", .id = "9FBF11234", .depth = 2, .want = "9/F/" },
		/* more */
		{ .name = "long, depth 2", .id = "4SVLCh4dz5z4k3", .depth = 2, .want = "9/F/" },
		{ .name = "long, depth 5", .id = "4SVLCh4dz5z4k3", .depth = 5,
		  .want = "9/F/B/F/1/" },
		{ .name = "long, undecodable, depth 3", .id = "ABCDEFGHIJz123", .depth = 3,
		  .want = "0/0/0/" },
		{ .name = "depth 0", .id = "9FBF11234", .depth = 0, .want = "" },
		{ .name = "short key shorter than depth", .id = "AB", .depth = 3,
		  .want = "A/B/_/" },
		{ .name = "one-char ID, depth 2", .id = "x", .depth = 2, .want = "x/_/" },
		{ .name = "lowercase short ID kept as is", .id = "ab12", .depth = 2,
		  .want = "a/b/" },
		/* "zzzz" = 7311615 = 0x6F90FF: six hex digits */
		{ .name = "usec value above 0xFFFFF", .id = "000000zzzzz1", .depth = 6,
		  .want = "6/F/9/0/F/F/" },
		{ .name = "six-digit key shorter than depth", .id = "000000zzzzz1", .depth = 7,
		  .want = "6/F/9/0/F/F/_/" },
		/* "1000" = 140608 = 0x22540: zero-padded to five digits */
		{ .name = "usec value padded", .id = "BBBBBB1000z1", .depth = 5,
		  .want = "2/2/5/4/0/" },
		{ .name = "usec 0000 -> 00000", .id = "BBBBBB0000z1", .depth = 2, .want = "0/0/" },
		/* "JKLM" = 2296651 = 0x230B4B */
		{ .name = "z at index 10: long", .id = "BCDFGHJKLMz1", .depth = 2,
		  .want = "2/3/" },
		{ .name = "z at index 9: short", .id = "BCDFGHJKLz12", .depth = 2,
		  .want = "B/C/" },
		{ .name = "z at index 3: short", .id = "9FBz1234567", .depth = 1, .want = "9/" },
		{ .name = "last z decides, early z ignored", .id = "zBCDFG1000z1", .depth = 2,
		  .want = "2/2/" },
		{ .name = "vowel in usec field", .id = "BCDFGH10A0z1", .depth = 1, .want = "0/" },
		{ .name = "underscore in usec field", .id = "BCDFGH10_0z1", .depth = 1,
		  .want = "0/" },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		char dirs[2 * FF_HASH_MAX_DEPTH + 8];
		size_t n;

		UNIT_CASE("%s: %s depth %d", t[i].name, t[i].id, t[i].depth);
		memset(dirs, '#', sizeof(dirs));
		n = ff_qid_hash(t[i].id, strlen(t[i].id), t[i].depth, dirs, sizeof(dirs));
		CHECK_STR_EQ(dirs, t[i].want);
		CHECK_INT_EQ(n, strlen(t[i].want));
	}
}

/* the documented buffer size, 2 * depth + 1, is enough and is not overrun */
static void
test_qid_hash_exact_buffer(void)
{
	static const struct {
		const char *id;
		int depth;
		const char *want;
	} t[] = {
		{ .id = "9FBF11234", .depth = 1, .want = "9/" },
		{ .id = "9FBF11234", .depth = 2, .want = "9/F/" },
		{ .id = "4SVLCh4dz5z4k3", .depth = 4, .want = "9/F/B/F/" },
		{ .id = "AB", .depth = FF_HASH_MAX_DEPTH,
		  .want = "A/B/_/_/_/_/_/_/_/_/_/_/_/_/_/_/" },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		char buf[2 * FF_HASH_MAX_DEPTH + 1 + 4];
		size_t size = 2 * (size_t)t[i].depth + 1;

		UNIT_CASE("%s depth %d, buffer %zu", t[i].id, t[i].depth, size);
		memset(buf, '#', sizeof(buf));
		CHECK_INT_EQ(ff_qid_hash(t[i].id, strlen(t[i].id), t[i].depth, buf, size),
		    2 * t[i].depth);
		CHECK_STR_EQ(buf, t[i].want);
		CHECK_MEM_EQ(buf + size, 4, "####", 4);
	}
}

/* only len bytes of the ID are used: a hash of a prefix */
static void
test_qid_hash_len(void)
{
	char dirs[16];

	UNIT_CASE("long ID cut to its short prefix");
	/* "4SVLCh4dz" has its last z at index 8: a short key, "4/S/" */
	ff_qid_hash("4SVLCh4dz5z4k3", 9, 2, dirs, sizeof(dirs));
	CHECK_STR_EQ(dirs, "4/S/");
	UNIT_CASE("short ID cut to one char");
	ff_qid_hash("9FBF11234", 1, 2, dirs, sizeof(dirs));
	CHECK_STR_EQ(dirs, "9/_/");
}

int
main(void)
{
	static const struct unit_test tests[] = {
		UNIT_TEST(test_qid_ok),
		UNIT_TEST(test_qid_hash),
		UNIT_TEST(test_qid_hash_exact_buffer),
		UNIT_TEST(test_qid_hash_len),
	};

	memset(long_id, 'A', FF_QID_MAX + 1);
	return unit_run(tests, UNIT_COUNT(tests));
}
