/*
 * rxcost.h - how large regcomp(3) would make a POSIX pattern, before it does
 *
 * SYNOPSIS
 *	#define FF_RX_COST_MAX 65536
 *	#define FF_RX_DEPTH_MAX 1000
 *	#define FF_RX_CLOSURE_WEIGHT 16
 *	size_t ff_rx_cost(const char *re, int extended, size_t cap);
 *
 * DESCRIPTION
 *	glibc's regcomp() copies the operand of a repetition: X+ becomes
 *	X X*, X{n,m} m copies of X, X{n,} n copies and a star. Nested
 *	repetitions multiply, so "i" followed by 40 '+' asks for 2^40 parse
 *	nodes and regcomp() allocates until the machine has no memory left;
 *	every node costs it about 220 bytes (a{32767}: 8 MB). Copies of a
 *	piece that can match the empty string cost more: regcomp computes,
 *	for each node, the set of nodes it reaches without input, so a run
 *	of R such nodes costs R * R (a+*++++++++++++: 1.2 GB, 27 s;
 *	(a*){1000}: 83 MB).
 *
 *	ff_rx_cost() reads the pattern as regcomp() parses it (extended
 *	syntax, or basic with GNU's \+ \? \| when extended is 0) and returns
 *	an estimate of the nodes it builds plus the closure work (a unit is
 *	about 20 bytes) divided by FF_RX_CLOSURE_WEIGHT, so that a unit of
 *	cost is a few hundred bytes either way, at most cap. It returns
 *	cap as well for groups nested deeper than FF_RX_DEPTH_MAX (regcomp
 *	parses them by recursion). It does not decide whether the pattern
 *	is valid: regcomp() does.
 *
 *	A table refuses a pattern whose cost reaches FF_RX_COST_MAX (at most
 *	about 20 MB of regcomp() memory; real patterns of mail tables cost
 *	tens to hundreds: [a-z0-9]{1,63}(\.[a-z0-9]{1,63}){1,10} costs
 *	about 4,000).
 */
#ifndef FF_RXCOST_H
#define FF_RXCOST_H

#include "util/api.h"

#include <stddef.h>

#define FF_RX_COST_MAX	65536
#define FF_RX_DEPTH_MAX	1000
#define FF_RX_CLOSURE_WEIGHT	16

FF_API size_t ff_rx_cost(const char *re, int extended, size_t cap);

#endif
