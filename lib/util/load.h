/*
 * load.h - read an integer of this machine's byte order at any address
 *
 * SYNOPSIS
 *	#include "util/load.h"
 *
 *	uint16_t ff_load16(const unsigned char *p);
 *	uint32_t ff_load32(const unsigned char *p);
 *	uint64_t ff_load64(const unsigned char *p);
 *
 * DESCRIPTION
 *	For the on-disk formats written in the host's byte order (Berkeley
 *	DB hash and LMDB files as postmap writes them): a memcpy, so that
 *	an unaligned field is no undefined behaviour; compilers make it one
 *	load.
 */
#ifndef FF_LOAD_H
#define FF_LOAD_H

#include <stdint.h>
#include <string.h>

static inline uint16_t
ff_load16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
ff_load32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t
ff_load64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

#endif
