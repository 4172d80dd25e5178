/*
 * fnvflood.h - queue IDs that collide under unseeded 32-bit FNV-1a
 *
 *	size_t fnvflood(char (*ids)[FNVFLOOD_LEN + 1], size_t n);
 *
 * Fills ids with n distinct 12-character uppercase-hex queue IDs whose
 * FNV-1a hashes are all equal in their low FNVFLOOD_BITS bits, so that
 * every one of them starts its probe run at the same slot of a table of
 * up to 2^FNVFLOOD_BITS slots indexed by FNV-1a (what fastflush's
 * in-memory map did before it took a keyed hash). Returns n, or 0 when
 * memory ran out. Deterministic: the same n gives the same IDs.
 *
 * How: the low k bits of FNV-1a depend only on the low k bits of the
 * state and the input, and one step ((h ^ c) * P) inverts mod 2^k
 * (P is odd). So walk back from the target over every 4-character
 * suffix to the state that suffix needs, then run 8-character prefixes
 * forward and keep those that reach one of those states (a meet in the
 * middle: about one prefix in 16 does).
 *
 * Shared by tests/unit/map_test.c and tests/tools/genspool.c (-F).
 */
#ifndef FNVFLOOD_H
#define FNVFLOOD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FNVFLOOD_LEN	12
#define FNVFLOOD_BITS	20
#define FNVFLOOD_PRIME	16777619u
#define FNVFLOOD_BASIS	2166136261u

static inline uint32_t
fnvflood_fnv1a(const char *s, size_t len)
{
	uint32_t h = FNVFLOOD_BASIS;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * FNVFLOOD_PRIME;
	return h;
}

static inline size_t
fnvflood(char (*ids)[FNVFLOOD_LEN + 1], size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const uint32_t mask = (1u << FNVFLOOD_BITS) - 1;
	uint32_t inv = FNVFLOOD_PRIME, *need;
	size_t got = 0;

	/* Newton: inv * P == 1 mod 2^32 (each step doubles the good bits) */
	for (int i = 0; i < 5; i++)
		inv *= 2 - FNVFLOOD_PRIME * inv;
	if ((need = calloc((size_t)mask + 1, sizeof(*need))) == NULL)
		return 0;
	/* need[s] = 1 + the suffix that takes state s to 0 (mod 2^BITS) */
	for (uint32_t sfx = 0; sfx < 0x10000; sfx++) {
		uint32_t s = 0;

		for (int i = 0; i < 4; i++)	/* the last character first */
			s = ((s * inv) & mask) ^ (unsigned char)hex[(sfx >> (4 * i)) & 15];
		if (need[s] == 0)
			need[s] = sfx + 1;
	}
	for (uint32_t pfx = 0x10000000; got < n && pfx != 0; pfx++) {
		char *id = ids[got];
		uint32_t sfx;

		for (int i = 0; i < 8; i++)
			id[i] = hex[(pfx >> (28 - 4 * i)) & 15];
		if ((sfx = need[fnvflood_fnv1a(id, 8) & mask]) == 0)
			continue;
		sfx--;
		for (int i = 0; i < 4; i++)
			id[8 + i] = hex[(sfx >> (12 - 4 * i)) & 15];
		id[FNVFLOOD_LEN] = 0;
		got++;
	}
	free(need);
	return got == n ? n : 0;
}

#endif
