/*
 * map.c - string-keyed hash map with explicit membership (see map.h)
 */
#include <stdlib.h>
#include <string.h>

#include "util/map.h"

#define BLOCK_SIZE	65536

uint64_t
ff_map_hash(const struct ff_map *m, const char *s, size_t len)
{
	return ff_siphash(&m->key, s, len);
}

int
ff_map_init(struct ff_map *m, size_t max)
{
	memset(m, 0, sizeof(*m));
	m->max = max;
	ff_siphash_key(&m->key);
	m->index_size = 64;
	if ((m->index = calloc(m->index_size, sizeof(*m->index))) == NULL)
		return -1;
	return 0;
}

void
ff_map_free(struct ff_map *m)
{
	for (size_t i = 0; i < m->nblocks; i++)
		free(m->blocks[i]);
	free(m->blocks);
	free(m->ent);
	free(m->index);
	memset(m, 0, sizeof(*m));
}

static const char *
copy_key(struct ff_map *m, const char *key, size_t len)
{
	char *p, **nb;
	size_t need = len + 1;

	if (m->nblocks == 0 || m->block_used + need > m->block_size) {
		size_t size = need > BLOCK_SIZE ? need : BLOCK_SIZE;
		if ((nb = reallocarray(m->blocks, m->nblocks + 1, sizeof(*nb))) == NULL)
			return NULL;
		m->blocks = nb;
		if ((nb[m->nblocks] = malloc(size)) == NULL)
			return NULL;
		m->nblocks++;
		m->block_used = 0;
		m->block_size = size;
	}
	p = m->blocks[m->nblocks - 1] + m->block_used;
	memcpy(p, key, len);
	p[len] = 0;
	m->block_used += need;
	return p;
}

/* lookup - index slot holding the key, or the empty slot where it goes */
static size_t
lookup(const struct ff_map *m, const char *key, size_t len, uint64_t h)
{
	size_t mask = m->index_size - 1, i = h & mask;

	for (;;) {
		uint32_t e = m->index[i];
		if (e == 0)
			return i;
		if (m->ent[e - 1].len == len && memcmp(m->ent[e - 1].key, key, len) == 0)
			return i;
		i = (i + 1) & mask;
	}
}

static int
grow(struct ff_map *m)
{
	size_t nsize = m->index_size * 2, mask = nsize - 1;
	uint32_t *ni = calloc(nsize, sizeof(*ni));

	if (ni == NULL)
		return -1;
	for (size_t e = 0; e < m->count; e++) {
		size_t i = ff_map_hash(m, m->ent[e].key, m->ent[e].len) & mask;
		while (ni[i] != 0)
			i = (i + 1) & mask;
		ni[i] = (uint32_t)(e + 1);
	}
	free(m->index);
	m->index = ni;
	m->index_size = nsize;
	return 0;
}

int
ff_map_put(struct ff_map *m, const char *key, size_t len, void ***slot)
{
	uint64_t h = ff_map_hash(m, key, len);
	size_t i = lookup(m, key, len, h);
	struct ff_map_ent *ne;

	if (m->index[i] != 0) {
		if (slot)
			*slot = &m->ent[m->index[i] - 1].value;
		return 0;
	}
	if ((m->max && m->count >= m->max) || m->count >= UINT32_MAX - 1)
		return -1;
	if ((m->count + 1) * 2 > m->index_size) {
		if (grow(m) == 0)
			i = lookup(m, key, len, h);
		else if (m->count + 2 >= m->index_size)
			return -1;
	}
	if (m->count == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 32;
		if ((ne = reallocarray(m->ent, ncap, sizeof(*ne))) == NULL)
			return -1;
		m->ent = ne;
		m->cap = ncap;
	}
	ne = &m->ent[m->count];
	if ((ne->key = copy_key(m, key, len)) == NULL)
		return -1;
	ne->len = len;
	ne->value = NULL;
	m->index[i] = (uint32_t)(++m->count);
	if (slot)
		*slot = &ne->value;
	return 1;
}

int
ff_map_has(const struct ff_map *m, const char *key, size_t len)
{
	if (m->index == NULL)
		return 0;
	return m->index[lookup(m, key, len, ff_map_hash(m, key, len))] != 0;
}

void **
ff_map_get(const struct ff_map *m, const char *key, size_t len)
{
	size_t i;

	if (m->index == NULL)
		return NULL;
	i = lookup(m, key, len, ff_map_hash(m, key, len));
	return m->index[i] ? &m->ent[m->index[i] - 1].value : NULL;
}
