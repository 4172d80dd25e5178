/*
 * lmdbread.c - read an LMDB file without liblmdb (see lmdbread.h)
 *
 * The layout, as liblmdb 0.9 writes it on a 64-bit machine (numbers in the
 * writer's byte order, which must be ours):
 *   every page: its number (8 bytes) at 0, flags (16 bits) at 10, then
 *   the lower and upper bounds of its free space at 12 and 14 (for an
 *   overflow page: the number of pages, 32 bits, at 12), then from 16 the
 *   16-bit offsets of its nodes, in key order;
 *   pages 0 and 1 are meta pages (flag 0x08), each holding from 16: magic
 *   0xBEEFC0DE, data version 1, the map address and size, two database
 *   records of 48 bytes (the free list's, whose first word is the page
 *   size, then the main database's: flags at +4, depth at +6, root page
 *   at +40), the last page number and the transaction number; the meta
 *   page with the higher transaction number is the current one;
 *   a node, at its offset from the page's start: 32 bits that are the data
 *   size (leaf) or the low half of the child page's number (branch), a flags
 *   word (a branch's: the child page's high 16 bits), the key size, the key,
 *   then in a leaf the data, or with flag 0x01 the number of the first of
 *   the overflow pages holding it, from their byte 16 on;
 *   a branch page's first node has no key and leads to everything less
 *   than its second node's key.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/load.h"
#include "postfix/lmdbread.h"

#define HEAD		16
#define META_BYTES	(HEAD + 136)
#define MAGIC		0xBEEFC0DEu
#define DATA_VERSION	1u
#define P_BRANCH	0x01
#define P_LEAF		0x02
#define P_OVERFLOW	0x04
#define P_META		0x08
#define P_LEAF2		0x20
#define F_BIGDATA	0x01
#define NODE_HEAD	8
#define MAX_KEY		511
#define MAX_DEPTH	64
#define NO_PAGE		UINT64_MAX

static int
readat(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n;

	if (off > (uint64_t)INT64_MAX - len)
		return FF_LMDBREAD_OTHER;
	do
		n = pread(fd, buf, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : FF_LMDBREAD_OTHER;
}

/* meta - meta page i's header into m: 0, or FF_LMDBREAD_OTHER */
static int
meta(int fd, uint64_t off, unsigned char m[META_BYTES])
{
	if (readat(fd, m, META_BYTES, off) < 0 || (ff_load16(m + 10) & P_META) == 0 ||
	    ff_load32(m + HEAD) != MAGIC || ff_load32(m + HEAD + 4) != DATA_VERSION)
		return FF_LMDBREAD_OTHER;
	return 0;
}

int
ff_lmdbread_open(struct ff_lmdbread *r, int fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->root = NO_PAGE;
	if (ff_lmdbread_begin(r) < 0)
		return FF_LMDBREAD_OTHER;
	if ((r->page = malloc(r->psize)) == NULL)
		return FF_LMDBREAD_OTHER;
	return 0;
}

void
ff_lmdbread_close(struct ff_lmdbread *r)
{
	free(r->page);
	free(r->big);
	r->page = r->big = NULL;
	r->bigcap = 0;
}

int
ff_lmdbread_begin(struct ff_lmdbread *r)
{
	unsigned char m0[META_BYTES], m1[META_BYTES];
	const unsigned char *m;
	uint32_t psize;

	if (meta(r->fd, 0, m0) < 0)
		return FF_LMDBREAD_OTHER;
	psize = ff_load32(m0 + HEAD + 24);
	if (psize < 512 || psize > 65536 || (psize & (psize - 1)) != 0 ||
	    (r->psize != 0 && psize != r->psize) || meta(r->fd, psize, m1) < 0)
		return FF_LMDBREAD_OTHER;
	r->psize = psize;
	m = ff_load64(m0 + HEAD + 128) < ff_load64(m1 + HEAD + 128) ? m1 : m0;
	/* the main database: no flags (plain keys, no duplicates) */
	if (ff_load16(m + HEAD + 72 + 4) != 0 || ff_load16(m + HEAD + 72 + 6) > MAX_DEPTH)
		return FF_LMDBREAD_OTHER;
	r->root = ff_load64(m + HEAD + 72 + 40);
	return 0;
}

/* page - page pgno into r->page, checked: its flags, or FF_LMDBREAD_OTHER */
static int
page(struct ff_lmdbread *r, uint64_t pgno)
{
	unsigned char *p = r->page;
	unsigned lower, upper;

	if (pgno < 2 || pgno > UINT64_MAX / r->psize ||
	    readat(r->fd, p, r->psize, pgno * r->psize) < 0 || ff_load64(p) != pgno)
		return FF_LMDBREAD_OTHER;
	lower = ff_load16(p + 12);
	upper = ff_load16(p + 14);
	if (lower < HEAD || lower > upper || upper > r->psize || (lower - HEAD) % 2 != 0)
		return FF_LMDBREAD_OTHER;
	return ff_load16(p + 10);
}

/* node - node i of r->page with its key: its offset, or FF_LMDBREAD_OTHER */
static int
node(const struct ff_lmdbread *r, unsigned i, const unsigned char **key, size_t *klen)
{
	const unsigned char *p = r->page;
	unsigned at = ff_load16(p + HEAD + 2 * i);

	if (at < ff_load16(p + 14) || at > r->psize - NODE_HEAD ||
	    ff_load16(p + at + 6) > r->psize - NODE_HEAD - at)
		return FF_LMDBREAD_OTHER;
	*key = p + at + NODE_HEAD;
	*klen = ff_load16(p + at + 6);
	return (int)at;
}

static int
cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	int d = memcmp(a, b, alen < blen ? alen : blen);

	return d != 0 ? d : alen < blen ? -1 : alen > blen;
}

/* overflow - a value of len bytes on the overflow pages from pgno, into r->big */
static int
overflow(struct ff_lmdbread *r, uint64_t pgno, size_t len)
{
	unsigned char head[HEAD];

	if (pgno < 2 || pgno > UINT64_MAX / r->psize ||
	    readat(r->fd, head, HEAD, pgno * r->psize) < 0 || ff_load64(head) != pgno ||
	    (ff_load16(head + 10) & P_OVERFLOW) == 0 ||
	    (uint64_t)len + HEAD > (uint64_t)ff_load32(head + 12) * r->psize)
		return FF_LMDBREAD_OTHER;
	if (len > r->bigcap) {
		unsigned char *b = realloc(r->big, len);

		if (b == NULL)
			return FF_LMDBREAD_OTHER;
		r->big = b;
		r->bigcap = len;
	}
	return readat(r->fd, r->big, len, pgno * r->psize + HEAD);
}

int
ff_lmdbread_get(struct ff_lmdbread *r, const void *key, size_t klen, const void **data,
    size_t *dlen)
{
	uint64_t pgno = r->root;
	const unsigned char *k;
	size_t kl;
	int flags, at;

	if (r->page == NULL || klen == 0 || klen > MAX_KEY)
		return FF_LMDBREAD_OTHER;
	if (pgno == NO_PAGE)
		return 0;	/* an empty database */
	for (int depth = 0; depth < MAX_DEPTH; depth++) {
		unsigned n, child = 0;
		const unsigned char *nd;

		if ((flags = page(r, pgno)) < 0)
			return FF_LMDBREAD_OTHER;
		n = (ff_load16(r->page + 12) - HEAD) / 2;
		if ((flags & (P_BRANCH | P_LEAF | P_LEAF2)) == P_LEAF) {
			for (unsigned i = 0; i < n; i++) {
				uint32_t size;

				if ((at = node(r, i, &k, &kl)) < 0)
					return FF_LMDBREAD_OTHER;
				if (cmp(k, kl, key, klen) != 0)
					continue;
				nd = r->page + at;
				size = ff_load32(nd);
				if (ff_load16(nd + 4) == F_BIGDATA) {
					if (kl + 8 > r->psize - NODE_HEAD - (unsigned)at ||
					    overflow(r, ff_load64(k + kl), size) < 0)
						return FF_LMDBREAD_OTHER;
					*data = r->big;
				} else if (ff_load16(nd + 4) == 0 &&
				    size <= r->psize - NODE_HEAD - (unsigned)at - kl) {
					*data = k + kl;
				} else {
					return FF_LMDBREAD_OTHER;
				}
				*dlen = size;
				return 1;
			}
			return 0;
		}
		if ((flags & (P_BRANCH | P_LEAF | P_LEAF2)) != P_BRANCH || n == 0)
			return FF_LMDBREAD_OTHER;
		for (unsigned i = 1; i < n; i++) {
			if (node(r, i, &k, &kl) < 0)
				return FF_LMDBREAD_OTHER;
			if (cmp(k, kl, key, klen) > 0)
				break;
			child = i;
		}
		if ((at = node(r, child, &k, &kl)) < 0)
			return FF_LMDBREAD_OTHER;
		nd = r->page + at;
		pgno = (uint64_t)ff_load32(nd) | (uint64_t)ff_load16(nd + 4) << 32;
	}
	return FF_LMDBREAD_OTHER;
}
