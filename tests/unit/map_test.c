/*
 * map_test.c - the string-keyed map behind the duplicate filter
 *
 * Membership must not depend on the stored value: Postfix 3.7.11's
 * duplicate filter stored NULL and looked at the value, so every ID looked
 * new (POSTFIX-FACTS 7.2). Here a NULL value is a member.
 */
#include "unit.h"
#include "util/map.h"
#include "util/siphash.h"
#include "../tools/fnvflood.h"

/* a scripted sequence of operations on one map */
enum op { PUT, HAS, GET };

struct step {
	enum op op;
	const char *key;
	size_t len;		/* 0: strlen(key) */
	int want;		/* PUT: 1 new, 0 present, -1 full; HAS/GET: 1 found, 0 not */
};

static void
run_script(const char *name, size_t max, const struct step *s, size_t n)
{
	struct ff_map m;

	UNIT_CASE("%s: init", name);
	if (!CHECK_INT_EQ(ff_map_init(&m, max), 0))
		return;
	for (size_t i = 0; i < n; i++) {
		size_t len = s[i].len ? s[i].len : strlen(s[i].key);
		void **slot = NULL;

		UNIT_CASE("%s: step %zu (%s \"%.*s\")", name, i,
		    s[i].op == PUT ? "put" : s[i].op == HAS ? "has" : "get", (int)len, s[i].key);
		switch (s[i].op) {
		case PUT:
			CHECK_INT_EQ(ff_map_put(&m, s[i].key, len, &slot), s[i].want);
			if (s[i].want >= 0)
				CHECK(slot != NULL && slot == ff_map_get(&m, s[i].key, len));
			break;
		case HAS:
			CHECK_INT_EQ(ff_map_has(&m, s[i].key, len), s[i].want);
			break;
		case GET:
			CHECK_INT_EQ(ff_map_get(&m, s[i].key, len) != NULL, s[i].want);
			break;
		}
	}
	ff_map_free(&m);
}

static void
test_scripts(void)
{
	static const struct step basic[] = {
		{ .op = HAS, .key = "a", .want = 0 },
		{ .op = GET, .key = "a", .want = 0 },
		{ .op = PUT, .key = "a", .want = 1 },
		{ .op = HAS, .key = "a", .want = 1 },	/* value still NULL */
		{ .op = GET, .key = "a", .want = 1 },
		{ .op = PUT, .key = "a", .want = 0 },	/* a NULL value is a member */
		{ .op = PUT, .key = "A", .want = 1 },	/* case matters */
		{ .op = HAS, .key = "ab", .want = 0 },	/* prefixes are other keys */
		{ .op = PUT, .key = "ab", .want = 1 },
		{ .op = HAS, .key = "ab", .len = 1, .want = 1 },	/* "a" */
		{ .op = PUT, .key = "ab\0c", .len = 4, .want = 1 },	/* lengths, not NULs */
		{ .op = HAS, .key = "ab\0d", .len = 4, .want = 0 },
		{ .op = HAS, .key = "ab\0c", .len = 3, .want = 0 },
		{ .op = PUT, .key = "ab\0c", .len = 4, .want = 0 },
		{ .op = HAS, .key = "b", .want = 0 },
	};
	static const struct step empty_key[] = {
		{ .op = HAS, .key = "", .want = 0 },
		{ .op = PUT, .key = "x", .want = 1 },
		{ .op = HAS, .key = "", .want = 0 },
		{ .op = PUT, .key = "", .want = 1 },
		{ .op = HAS, .key = "", .want = 1 },
		{ .op = HAS, .key = "x", .want = 1 },
		{ .op = PUT, .key = "", .want = 0 },
	};
	static const struct step capped[] = {
		{ .op = PUT, .key = "one", .want = 1 },
		{ .op = PUT, .key = "two", .want = 1 },
		{ .op = PUT, .key = "three", .want = 1 },
		{ .op = PUT, .key = "four", .want = -1 },	/* full */
		{ .op = HAS, .key = "four", .want = 0 },
		{ .op = PUT, .key = "two", .want = 0 },		/* present keys still found */
		{ .op = PUT, .key = "one", .want = 0 },
		{ .op = HAS, .key = "three", .want = 1 },
		{ .op = PUT, .key = "five", .want = -1 },
	};
	static const struct step cap1[] = {
		{ .op = PUT, .key = "only", .want = 1 },
		{ .op = PUT, .key = "only", .want = 0 },
		{ .op = PUT, .key = "other", .want = -1 },
	};

	run_script("basic", 0, basic, UNIT_COUNT(basic));
	run_script("empty key", 0, empty_key, UNIT_COUNT(empty_key));
	run_script("max 3", 3, capped, UNIT_COUNT(capped));
	run_script("max 1", 1, cap1, UNIT_COUNT(cap1));
}

/* values stay with their keys; the map copies keys */
static void
test_values(void)
{
	static int v1, v2;
	struct ff_map m;
	void **slot;
	char key[16];

	if (!CHECK_INT_EQ(ff_map_init(&m, 0), 0))
		return;
	UNIT_CASE("store values");
	strcpy(key, "Q1");
	CHECK_INT_EQ(ff_map_put(&m, key, 2, &slot), 1);
	CHECK(*slot == NULL);
	*slot = &v1;
	strcpy(key, "Q2");
	CHECK_INT_EQ(ff_map_put(&m, key, 2, &slot), 1);
	*slot = &v2;
	strcpy(key, "XX");	/* the caller's buffer changes: the map kept copies */

	UNIT_CASE("read them back");
	slot = ff_map_get(&m, "Q1", 2);
	CHECK(slot != NULL && *slot == &v1);
	slot = ff_map_get(&m, "Q2", 2);
	CHECK(slot != NULL && *slot == &v2);
	CHECK(ff_map_get(&m, "XX", 2) == NULL);

	UNIT_CASE("put of a present key returns its slot");
	CHECK_INT_EQ(ff_map_put(&m, "Q1", 2, &slot), 0);
	CHECK(*slot == &v1);
	CHECK_INT_EQ(ff_map_put(&m, "Q1", 2, NULL), 0);	/* slot is optional */

	UNIT_CASE("entries");
	CHECK_INT_EQ(m.count, 2);
	CHECK_MEM_EQ(m.ent[0].key, m.ent[0].len, "Q1", 2);
	CHECK(m.ent[0].value == &v1);
	CHECK_STR_EQ(m.ent[1].key, "Q2");	/* keys are NUL-terminated copies */
	ff_map_free(&m);

	UNIT_CASE("a freed map is empty");
	CHECK_INT_EQ(ff_map_has(&m, "Q1", 2), 0);
	CHECK(ff_map_get(&m, "Q1", 2) == NULL);
}

/* key_of - the i-th test key: queue-ID-like, distinct, varying length */
static size_t
key_of(size_t i, char *buf, size_t size)
{
	return (size_t)snprintf(buf, size, "%05zX%zx", i * 2654435761u % 1048573, i);
}

/* many keys: growth keeps every key, in insertion order */
static void
test_growth(void)
{
	static const size_t sizes[] = { 1, 63, 64, 65, 1000, 100000 };

	for (size_t s = 0; s < UNIT_COUNT(sizes); s++) {
		size_t n = sizes[s], bad_put = 0, bad_has = 0, bad_order = 0, bad_dup = 0;
		size_t bad_miss = 0;
		struct ff_map m;
		char key[64];

		UNIT_CASE("%zu keys", n);
		if (!CHECK_INT_EQ(ff_map_init(&m, 0), 0))
			continue;
		for (size_t i = 0; i < n; i++) {
			size_t len = key_of(i, key, sizeof(key));
			void **slot;
			if (ff_map_put(&m, key, len, &slot) != 1)
				bad_put++;
			else
				*slot = (void *)(i + 1);
		}
		CHECK_INT_EQ(m.count, n);
		for (size_t i = 0; i < n; i++) {
			size_t len = key_of(i, key, sizeof(key));
			void **slot = ff_map_get(&m, key, len);
			if (!ff_map_has(&m, key, len) || slot == NULL || *slot != (void *)(i + 1))
				bad_has++;
			if (i < m.count && (m.ent[i].len != len || memcmp(m.ent[i].key, key, len) != 0))
				bad_order++;
			if (ff_map_put(&m, key, len, NULL) != 0)
				bad_dup++;
			/* a key that was never put */
			key[0] = 'z';
			if (ff_map_has(&m, key, len))
				bad_miss++;
		}
		CHECK_INT_EQ(bad_put, 0);
		CHECK_INT_EQ(bad_has, 0);
		CHECK_INT_EQ(bad_order, 0);
		CHECK_INT_EQ(bad_dup, 0);
		CHECK_INT_EQ(bad_miss, 0);
		CHECK_INT_EQ(m.count, n);
		ff_map_free(&m);
	}
}

/* a cap in the middle of growth */
static void
test_cap_large(void)
{
	struct ff_map m;
	char key[64];
	size_t full = 0;

	UNIT_CASE("max 5000 of 6000 keys");
	if (!CHECK_INT_EQ(ff_map_init(&m, 5000), 0))
		return;
	for (size_t i = 0; i < 6000; i++) {
		size_t len = key_of(i, key, sizeof(key));
		int rc = ff_map_put(&m, key, len, NULL);
		if (!CHECK_INT_EQ(rc, i < 5000 ? 1 : -1))
			break;
		full += rc == -1;
	}
	CHECK_INT_EQ(full, 1000);
	CHECK_INT_EQ(m.count, 5000);
	key_of(4999, key, sizeof(key));
	CHECK_INT_EQ(ff_map_has(&m, key, strlen(key)), 1);
	key_of(5000, key, sizeof(key));
	CHECK_INT_EQ(ff_map_has(&m, key, strlen(key)), 0);
	ff_map_free(&m);
}

/* the published SipHash-2-4 vectors: key 00..0f, message 00..(len-1) */
static void
test_siphash_vectors(void)
{
	static const struct {
		size_t len;
		uint64_t want;
	} v[] = {
		{ 0, 0x726fdb47dd0e0e31ULL },	/* the paper's appendix, empty message */
		{ 15, 0xa129ca6149be45e5ULL },	/* the paper's worked example */
	};
	struct ff_siphash_key k;
	unsigned char key[16], msg[64];

	for (int i = 0; i < 16; i++)
		key[i] = (unsigned char)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (unsigned char)i;
	memcpy(&k.k0, key, 8);		/* little-endian, as the paper reads them */
	memcpy(&k.k1, key + 8, 8);
	for (size_t i = 0; i < UNIT_COUNT(v); i++) {
		UNIT_CASE("siphash-2-4 of %zu bytes", v[i].len);
		CHECK(ff_siphash(&k, msg, v[i].len) == v[i].want);
	}
}

/* each map draws its own key: the same keys hash differently in two maps */
static void
test_keyed(void)
{
	struct ff_map a, b;
	char key[32];
	size_t same = 0, order_same = 1;

	UNIT_CASE("two maps");
	if (!CHECK_INT_EQ(ff_map_init(&a, 0), 0) || !CHECK_INT_EQ(ff_map_init(&b, 0), 0))
		return;
	for (size_t i = 0; i < 1000; i++) {
		size_t len = key_of(i, key, sizeof(key));

		same += ff_map_hash(&a, key, len) == ff_map_hash(&b, key, len);
		CHECK_INT_EQ(ff_map_put(&a, key, len, NULL), 1);
		CHECK_INT_EQ(ff_map_put(&b, key, len, NULL), 1);
	}
	CHECK_INT_EQ(same, 0);
	/* the same keys, inserted in the same order, sit in other slots */
	CHECK(a.index_size == b.index_size);
	for (size_t i = 0; i < a.index_size && order_same; i++)
		order_same = a.index[i] == b.index[i];
	CHECK_INT_EQ(order_same, 0);
	ff_map_free(&a);
	ff_map_free(&b);
}

/* longest probe run: how far any entry sits from where its hash puts it */
static size_t
max_probe(const struct ff_map *m)
{
	size_t mask = m->index_size - 1, worst = 0;

	for (size_t i = 0; i < m->index_size; i++) {
		const struct ff_map_ent *e;
		size_t d;

		if (m->index[i] == 0)
			continue;
		e = &m->ent[m->index[i] - 1];
		d = (i - (size_t)(ff_map_hash(m, e->key, e->len) & mask)) & mask;
		if (d > worst)
			worst = d;
	}
	return worst;
}

/*
 * Hash flooding: 131,072 queue IDs that all share one FNV-1a slot (what
 * the map hashed with before) spread like any others under the keyed hash.
 */
#define FLOOD	131072

static void
test_flood(void)
{
	static char ids[FLOOD][FNVFLOOD_LEN + 1];
	struct ff_map m;
	size_t worst;

	UNIT_CASE("fnv-1a colliding queue IDs");
	if (!CHECK_INT_EQ(fnvflood(ids, FLOOD), FLOOD))
		return;
	for (size_t i = 1; i < FLOOD; i++)
		if (!CHECK((fnvflood_fnv1a(ids[i], FNVFLOOD_LEN) ^ fnvflood_fnv1a(ids[0],
		    FNVFLOOD_LEN)) % (1u << FNVFLOOD_BITS) == 0))
			return;
	if (!CHECK_INT_EQ(ff_map_init(&m, 0), 0))
		return;
	for (size_t i = 0; i < FLOOD; i++)
		if (!CHECK_INT_EQ(ff_map_put(&m, ids[i], FNVFLOOD_LEN, NULL), 1))
			break;
	CHECK(m.index_size <= (1u << FNVFLOOD_BITS));
	worst = max_probe(&m);
	UNIT_CASE("fnv-1a colliding queue IDs: longest probe run %zu", worst);
	CHECK(worst < 64);
	for (size_t i = 0; i < FLOOD; i += 997)
		CHECK_INT_EQ(ff_map_has(&m, ids[i], FNVFLOOD_LEN), 1);
	ff_map_free(&m);
}

int
main(void)
{
	static const struct unit_test tests[] = {
		UNIT_TEST(test_scripts),
		UNIT_TEST(test_values),
		UNIT_TEST(test_growth),
		UNIT_TEST(test_cap_large),
		UNIT_TEST(test_siphash_vectors),
		UNIT_TEST(test_keyed),
		UNIT_TEST(test_flood),
	};

	return unit_run(tests, UNIT_COUNT(tests));
}
