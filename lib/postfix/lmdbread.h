/*
 * lmdbread.h - read an LMDB file (what postmap writes for lmdb:) without
 * liblmdb
 *
 * SYNOPSIS
 *	#include "postfix/lmdbread.h"
 *
 *	int ff_lmdbread_open(struct ff_lmdbread *r, int fd);
 *	int ff_lmdbread_begin(struct ff_lmdbread *r);
 *	int ff_lmdbread_get(struct ff_lmdbread *r, const void *key, size_t klen,
 *	    const void **data, size_t *dlen);
 *	void ff_lmdbread_close(struct ff_lmdbread *r);
 *
 * liblmdb maps the whole file (16 MB and more) and a lookup then faults in
 * the pages it walks, plus the library's own code: in a one-shot command,
 * several times what the lookup costs. This reader walks the same B+tree
 * with pread(2): the two meta pages, then one page per level.
 *
 * It understands one layout: LMDB data version 1 (liblmdb 0.9) in this
 * machine's byte order and word size, a main database without flags and
 * without sub-databases, keys compared as liblmdb's default does (bytes,
 * then length). Anything else, or anything inconsistent met while reading
 * (a page of the wrong number or type, an offset outside its page, a
 * short read, a tree deeper than liblmdb allows, a key liblmdb would refuse:
 * empty or longer than 511 bytes), makes a call return FF_LMDBREAD_OTHER:
 * the caller then asks liblmdb, which answers or words the error.
 *
 * ff_lmdbread_open() checks the file's meta pages through fd (the caller's,
 * not closed here); ff_lmdbread_begin() picks the newer meta page, as a
 * liblmdb read transaction does, and must be called, under the caller's
 * lock, before the gets of each lookup. ff_lmdbread_get() returns 1 with
 * the stored value (valid until the next call on r), 0 when the key is not
 * there, or FF_LMDBREAD_OTHER. ff_lmdbread_close() frees the buffers.
 */
#ifndef FF_LMDBREAD_H
#define FF_LMDBREAD_H

#include "util/api.h"

#include <stddef.h>
#include <stdint.h>

#define FF_LMDBREAD_OTHER	(-1)

struct ff_lmdbread {
	int fd;
	uint32_t psize;
	uint64_t root;		/* of the main database, this lookup */
	unsigned char *page;
	unsigned char *big;	/* a value on overflow pages */
	size_t bigcap;
};

FF_API int ff_lmdbread_open(struct ff_lmdbread *, int);
FF_API int ff_lmdbread_begin(struct ff_lmdbread *);
FF_API int ff_lmdbread_get(struct ff_lmdbread *, const void *, size_t, const void **, size_t *);
FF_API void ff_lmdbread_close(struct ff_lmdbread *);

#endif
