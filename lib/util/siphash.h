/*
 * siphash.h - SipHash-2-4, the keyed hash of in-memory tables
 *
 * SYNOPSIS
 *	void ff_siphash_key(struct ff_siphash_key *k);
 *	uint64_t ff_siphash(const struct ff_siphash_key *k, const void *data, size_t len);
 *
 * DESCRIPTION
 *	ff_siphash_key() fills a 128-bit key from arc4random_buf(3). A
 *	table whose keys come from outside (queue IDs from a logfile,
 *	labels from a client) hashes them with ff_siphash() under its own
 *	random key, so that no one can choose inputs that collide.
 *
 *	ff_siphash() is SipHash-2-4 (Aumasson and Bernstein, "SipHash: a
 *	fast short-input PRF", 2012), written from the paper: two
 *	compression rounds per 8-byte little-endian word, four
 *	finalization rounds, 64-bit output.
 *
 *	On-disk formats keep their own hash functions (dbhash.c reads
 *	Berkeley DB's); this one is for tables in memory only.
 */
#ifndef FF_SIPHASH_H
#define FF_SIPHASH_H

#include "util/api.h"

#include <stddef.h>
#include <stdint.h>

struct ff_siphash_key {
	uint64_t k0, k1;
};

FF_API void ff_siphash_key(struct ff_siphash_key *);
FF_API uint64_t ff_siphash(const struct ff_siphash_key *, const void *, size_t);

#endif
