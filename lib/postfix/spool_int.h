/*
 * spool_int.h - state that other library modules keep with a spool
 *
 * SYNOPSIS
 *	void *ff_spool_state(struct ff_spool *sp, const void *key);
 *	int ff_spool_keep(struct ff_spool *sp, const void *key, void *state,
 *	    void (*release)(void *));
 *	void ff_spool_forget(struct ff_spool *sp, const void *key);
 *
 * DESCRIPTION
 *	A module whose work on a spool needs memory between calls (the
 *	trigger's public/ descriptor and failure count, the compiled
 *	fast_flush_domains) keeps it here instead of in struct ff_spool,
 *	so the spool holds only what the spool itself needs and knows
 *	none of its users. key is the address of something the module
 *	owns (one per kind of state).
 *
 *	ff_spool_state() gives the state kept under key, or NULL.
 *	ff_spool_keep() keeps state under key (replacing none: the key
 *	must be new) and returns 0, or -1 when all FF_SPOOL_STATES
 *	places are taken (a library bug, not an input).
 *	ff_spool_forget() releases the state kept under key, if any, so
 *	the next use makes it anew. ff_spool_close()
 *	calls release(state) for each, newest first, before it closes
 *	the spool's descriptors.
 *
 *	Not installed: the library's own modules use it.
 */
#ifndef FF_SPOOL_INT_H
#define FF_SPOOL_INT_H

#include "postfix/spool.h"

#define FF_SPOOL_STATES	4

void *ff_spool_state(struct ff_spool *, const void *);
int ff_spool_keep(struct ff_spool *, const void *, void *, void (*)(void *));
void ff_spool_forget(struct ff_spool *, const void *);

#endif
