/*
 * map.h - string-keyed hash map with explicit membership
 *
 * SYNOPSIS
 *	int ff_map_init(struct ff_map *m, size_t max_entries);
 *	void ff_map_free(struct ff_map *m);
 *	int ff_map_put(struct ff_map *m, const char *key, size_t len, void ***slot);
 *	int ff_map_has(const struct ff_map *m, const char *key, size_t len);
 *	void **ff_map_get(const struct ff_map *m, const char *key, size_t len);
 *	uint64_t ff_map_hash(const struct ff_map *m, const char *key, size_t len);
 *
 * DESCRIPTION
 *	Keys are copied; each key has one void * value slot. ff_map_put()
 *	returns 1 when the key is new, 0 when it was already there, and
 *	-1 when the map holds max_entries keys already (0 = no limit) or
 *	memory ran out; *slot then points at the key's value. Membership
 *	never depends on the stored value (a NULL value is a member).
 *	m->ent[0 .. m->count-1] lists the entries in insertion order.
 *
 *	Keys are hashed with SipHash-2-4 under a random key of the map's
 *	own (ff_map_init() draws it), so that keys chosen to collide, e.g.
 *	queue IDs planted in a logfile, cannot be found in advance: the
 *	index stays open addressing with short probe runs. ff_map_hash()
 *	is that hash, where a key's probe run starts (hash & (index_size -
 *	1)).
 */
#ifndef FF_MAP_H
#define FF_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "util/api.h"
#include "util/siphash.h"

struct ff_map_ent {
	const char *key;
	size_t len;
	void *value;
};

struct ff_map {
	uint32_t *index;	/* open addressing: entry number + 1, 0 = empty */
	size_t index_size;	/* power of two */
	struct ff_map_ent *ent;	/* entries in insertion order */
	size_t count, cap, max;
	char **blocks;		/* key storage */
	size_t nblocks, block_used, block_size;
	struct ff_siphash_key key;	/* this map's own */
};

FF_API int ff_map_init(struct ff_map *, size_t);
FF_API void ff_map_free(struct ff_map *);
FF_API int ff_map_put(struct ff_map *, const char *, size_t, void ***);
FF_API int ff_map_has(const struct ff_map *, const char *, size_t);
FF_API void **ff_map_get(const struct ff_map *, const char *, size_t);
FF_API uint64_t ff_map_hash(const struct ff_map *, const char *, size_t);

#endif
