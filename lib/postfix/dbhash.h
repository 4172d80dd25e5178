/*
 * dbhash.h - read a Berkeley DB hash file (what postmap writes for hash:)
 * without Berkeley DB
 *
 * SYNOPSIS
 *	#include "postfix/dbhash.h"
 *
 *	int ff_dbhash_open(struct ff_dbhash *h, int fd);
 *	int ff_dbhash_get(struct ff_dbhash *h, const void *key, size_t klen,
 *	    const void **data, size_t *dlen);
 *	void ff_dbhash_close(struct ff_dbhash *h);
 *
 * Opening a database through Berkeley DB 5.3 builds a whole environment
 * (memory pool, lock, log, transaction and replication subsystems) and
 * runs code spread over the library's 1.4 MB of text: in a one-shot
 * command that costs far more than the lookup it is for (see README,
 * "Performance"). This reader answers the common case, a hash database as
 * Debian's postmap writes it, with a few pread(2) calls: the meta page,
 * then the key's bucket page chain, then any overflow pages of the item.
 *
 * It understands exactly one layout: hash version 9 in this machine's byte
 * order, no checksums, no encryption, no partitions, no duplicates, no
 * sub-databases, Berkeley DB 5's default hash function (checked against the
 * file's own test value, as Berkeley DB checks it). Anything else, and
 * anything inconsistent met while reading (a page of the wrong type or
 * number, an index outside its page, a short read, a chain longer than the
 * file) makes a call return FF_DBHASH_OTHER: the caller then asks Berkeley
 * DB itself, which answers or reports the problem in its own words. So the
 * reader never decides that a file is broken, and never guesses.
 *
 * ff_dbhash_open() reads the meta page through fd (the caller's, not
 * closed here; the caller holds whatever lock it needs) and returns 0 or
 * FF_DBHASH_OTHER. ff_dbhash_get() returns 1 with the stored value (valid
 * until the next call on h), 0 when the key is not there, or
 * FF_DBHASH_OTHER. ff_dbhash_close() frees the buffers.
 */
#ifndef FF_DBHASH_H
#define FF_DBHASH_H

#include "util/api.h"

#include <stddef.h>
#include <stdint.h>

#define FF_DBHASH_OTHER	(-1)

struct ff_dbhash {
	int fd;
	uint32_t pagesize;
	uint32_t last_pgno;
	uint32_t max_bucket;
	uint32_t high_mask;
	uint32_t low_mask;
	uint32_t spares[32];
	unsigned char *page;	/* the bucket page being read */
	unsigned char *ov;	/* an overflow page being read, once needed */
	unsigned char *big;	/* an overflow item, assembled */
	size_t bigcap;
};

FF_API int ff_dbhash_open(struct ff_dbhash *, int);
FF_API int ff_dbhash_get(struct ff_dbhash *, const void *, size_t, const void **, size_t *);
FF_API void ff_dbhash_close(struct ff_dbhash *);

#endif
