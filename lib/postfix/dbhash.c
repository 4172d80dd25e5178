/*
 * dbhash.c - read a Berkeley DB hash file without Berkeley DB (see dbhash.h)
 *
 * The layout, as Berkeley DB 5.3 writes it (all numbers in the writer's
 * byte order, which must be ours):
 *   page 0, the meta page: magic 0x061561 at 12, version at 16, page size
 *   at 20, encryption at 24, page type (8) at 25, meta flags at 26, last
 *   page number at 32, partitions at 36, hash flags at 48, then the linear
 *   hashing state: highest bucket at 72, high and low masks at 76 and 80,
 *   the hash of a fixed test string at 92, the 32 "spares" at 96;
 *   a bucket's first page: bucket + spares[ceil(log2(bucket + 1))];
 *   every page: its number at 8 (0 in a bucket page never written, which
 *   reads as empty), next page of the chain at 16, number of
 *   index entries at 20, overflow data length at 22, type at 25, the index
 *   (16-bit item offsets) from 26; a hash page (type 13) holds key and data
 *   items in pairs, each item ending where the previous one (in index
 *   order) begins, the first at the page's end; an item is a type byte
 *   followed by the bytes (1), or a reference to overflow pages (3: page
 *   number at 4, total length at 8), whose pages (type 7) carry their
 *   share of the bytes from 26 on.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/load.h"
#include "postfix/dbhash.h"

#define META_SIZE	512
#define HASH_MAGIC	0x061561u
#define HASH_VERSION	9u
#define PT_HASHMETA	8
#define PT_HASH		13
#define PT_OVERFLOW	7
#define PAGE_HEAD	26
#define ITEM_BYTES	1	/* type byte, then the bytes */
#define ITEM_OFFPAGE	3	/* type byte, 3 unused, page number, length */
#define OFFPAGE_SIZE	12
#define TEST_KEY	"%$sniglet^&"	/* hashed with its NUL */

/* fnv - Berkeley DB 5's default hash function (FNV-1, zero basis) */
static uint32_t
fnv(const void *key, size_t len)
{
	const unsigned char *k = key;
	uint32_t h = 0;

	for (size_t i = 0; i < len; i++)
		h = (h * 16777619u) ^ k[i];
	return h;
}

/* log2_up - the smallest i with 2^i >= n */
static uint32_t
log2_up(uint32_t n)
{
	uint32_t i = 0;

	while (i < 32 && ((uint64_t)1 << i) < n)
		i++;
	return i;
}

/* read_page - page pgno into buf, of type type: 0 or FF_DBHASH_OTHER */
static int
read_page(struct ff_dbhash *h, uint32_t pgno, unsigned char *buf, int type)
{
	ssize_t n;

	if (pgno == 0 || pgno > h->last_pgno)
		return FF_DBHASH_OTHER;
	do
		n = pread(h->fd, buf, h->pagesize, (off_t)pgno * h->pagesize);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)h->pagesize)
		return FF_DBHASH_OTHER;
	if (type == PT_HASH && ff_load32(buf + 8) == 0 && buf[25] == 0) {
		/* a bucket page never written: Berkeley DB reads it as empty */
		memset(buf, 0, PAGE_HEAD);
		return 0;
	}
	if (ff_load32(buf + 8) != pgno || buf[25] != type)
		return FF_DBHASH_OTHER;
	return 0;
}

int
ff_dbhash_open(struct ff_dbhash *h, int fd)
{
	unsigned char m[META_SIZE];
	struct stat st;
	uint32_t ps;
	ssize_t n;

	memset(h, 0, sizeof(*h));
	h->fd = fd;
	do
		n = pread(fd, m, sizeof(m), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(m) || ff_load32(m + 8) != 0 || ff_load32(m + 12) != HASH_MAGIC ||
	    ff_load32(m + 16) != HASH_VERSION || m[24] != 0 || m[25] != PT_HASHMETA || m[26] != 0 ||
	    ff_load32(m + 36) != 0 || ff_load32(m + 48) != 0 || ff_load32(m + 92) != fnv(TEST_KEY, sizeof(TEST_KEY)))
		return FF_DBHASH_OTHER;
	ps = ff_load32(m + 20);
	if (ps < 512 || ps > 65536 || (ps & (ps - 1)) != 0)
		return FF_DBHASH_OTHER;
	/* Berkeley DB refuses such a file at open */
	if (fstat(fd, &st) < 0 || st.st_size % ps != 0)
		return FF_DBHASH_OTHER;
	h->pagesize = ps;
	h->last_pgno = ff_load32(m + 32);
	/* every chain is bounded by the pages that are really there */
	if ((uint64_t)h->last_pgno >= (uint64_t)st.st_size / ps)
		return FF_DBHASH_OTHER;
	h->max_bucket = ff_load32(m + 72);
	h->high_mask = ff_load32(m + 76);
	h->low_mask = ff_load32(m + 80);
	for (int i = 0; i < 32; i++)
		h->spares[i] = ff_load32(m + 96 + 4 * i);
	if ((h->page = malloc(ps)) == NULL) {
		ff_dbhash_close(h);
		return FF_DBHASH_OTHER;
	}
	return 0;
}

void
ff_dbhash_close(struct ff_dbhash *h)
{
	free(h->page);
	free(h->ov);
	free(h->big);
	h->page = h->ov = h->big = NULL;
	h->bigcap = 0;
}

/* overflow - the item of len bytes from page pgno on, into h->big */
static int
overflow(struct ff_dbhash *h, uint32_t pgno, uint32_t len)
{
	size_t have = 0;

	if (len == 0 || (uint64_t)len > (uint64_t)h->last_pgno * h->pagesize)
		return FF_DBHASH_OTHER;
	if (h->ov == NULL && (h->ov = malloc(h->pagesize)) == NULL)
		return FF_DBHASH_OTHER;
	if (len > h->bigcap) {
		unsigned char *b = realloc(h->big, len);

		if (b == NULL)
			return FF_DBHASH_OTHER;
		h->big = b;
		h->bigcap = len;
	}
	for (uint32_t pages = 0; have < len; pages++) {
		uint16_t part;

		if (pages > h->last_pgno || read_page(h, pgno, h->ov, PT_OVERFLOW) < 0)
			return FF_DBHASH_OTHER;
		part = ff_load16(h->ov + 22);
		if (part > h->pagesize - PAGE_HEAD || part > len - have)
			return FF_DBHASH_OTHER;
		memcpy(h->big + have, h->ov + PAGE_HEAD, part);
		have += part;
		pgno = ff_load32(h->ov + 16);
		if (part == 0 && have < len)
			return FF_DBHASH_OTHER;
	}
	return 0;
}

/*
 * item - index entry i of the page in h->page: its bytes, or for an
 * overflow item its page and length (*bytes NULL); FF_DBHASH_OTHER for an
 * entry outside the page or of another type
 */
static int
item(struct ff_dbhash *h, unsigned i, const unsigned char **bytes, size_t *len,
    uint32_t *ovpg)
{
	const unsigned char *pg = h->page;
	unsigned n = ff_load16(pg + 20);
	size_t lo = PAGE_HEAD + 2 * (size_t)n;
	size_t at = ff_load16(pg + PAGE_HEAD + 2 * i);
	size_t end = i == 0 ? h->pagesize : ff_load16(pg + PAGE_HEAD + 2 * (i - 1));

	if (at < lo || at >= end || end > h->pagesize)
		return FF_DBHASH_OTHER;
	if (pg[at] == ITEM_BYTES) {
		*bytes = pg + at + 1;
		*len = end - at - 1;
		return 0;
	}
	if (pg[at] == ITEM_OFFPAGE && end - at >= OFFPAGE_SIZE) {
		*bytes = NULL;
		*ovpg = ff_load32(pg + at + 4);
		*len = ff_load32(pg + at + 8);
		return 0;
	}
	return FF_DBHASH_OTHER;
}

int
ff_dbhash_get(struct ff_dbhash *h, const void *key, size_t klen, const void **data,
    size_t *dlen)
{
	uint32_t bucket, pgno, ovpg = 0;
	const unsigned char *b;
	size_t len;

	if (h->page == NULL || klen > 0xffffffffu)
		return FF_DBHASH_OTHER;
	bucket = fnv(key, klen) & h->high_mask;
	if (bucket > h->max_bucket)
		bucket &= h->low_mask;
	if (bucket >= 0x80000000u)	/* spares[] covers 2^31 buckets */
		return FF_DBHASH_OTHER;
	pgno = bucket + h->spares[log2_up(bucket + 1)];
	for (uint32_t pages = 0; pgno != 0; pages++) {
		unsigned n;

		if (pages > h->last_pgno || read_page(h, pgno, h->page, PT_HASH) < 0)
			return FF_DBHASH_OTHER;
		if ((n = ff_load16(h->page + 20)) % 2 != 0 ||
		    PAGE_HEAD + 2 * (size_t)n > h->pagesize)
			return FF_DBHASH_OTHER;
		for (unsigned i = 0; i < n; i += 2) {
			if (item(h, i, &b, &len, &ovpg) < 0)
				return FF_DBHASH_OTHER;
			if (len != klen)
				continue;
			if (b == NULL) {
				if (overflow(h, ovpg, (uint32_t)len) < 0)
					return FF_DBHASH_OTHER;
				b = h->big;
			}
			if (memcmp(b, key, klen) != 0)
				continue;
			if (item(h, i + 1, &b, &len, &ovpg) < 0)
				return FF_DBHASH_OTHER;
			if (b == NULL) {
				if (overflow(h, ovpg, (uint32_t)len) < 0)
					return FF_DBHASH_OTHER;
				b = h->big;
			}
			*data = b;
			*dlen = len;
			return 1;
		}
		pgno = ff_load32(h->page + 16);
	}
	return 0;
}
