/*
 * qdest.h - the fast flush logfile a deferred recipient goes to
 *
 * SYNOPSIS
 *	#include "flush/qdest.h"
 *
 *	int ff_qdest_init(struct ff_qdest *d, struct ff_spool *sp);
 *	int ff_qdest_log(struct ff_qdest *d, const char *addr,
 *	    const char **logname, struct ff_err *e);
 *	void ff_qdest_free(struct ff_qdest *d);
 *
 * DESCRIPTION
 *	When a delivery agent defers a recipient, Postfix asks its flush
 *	service to add the queue ID for the part of the address after its
 *	last "@" (nothing for an address without one, or with nothing after
 *	it); the service takes it only when fast_flush_domains lists the
 *	site. ff_qdest_log() makes that same decision, with the same site
 *	rules as fflush-add (lower case, IDNA, the name that picks the
 *	logfile; ff_spool_policy()), and remembers it per domain, so a
 *	queue with many messages for few domains costs one lookup each.
 *
 *	1: *logname is the logfile's name (valid until ff_qdest_free());
 *	0: no logfile (no domain, not eligible, not a valid site); -1: the
 *	decision could not be made (a fast_flush_domains table failed): e
 *	says why. Memory: at most FF_QDEST_CACHE domains are remembered;
 *	then the memory is cleared and filled again.
 */
#ifndef FF_QDEST_H
#define FF_QDEST_H

#include "util/api.h"
#include "util/map.h"
#include "postfix/spool.h"
#include "util/status.h"

#define FF_QDEST_CACHE	65536

struct ff_qdest {
	struct ff_spool *sp;
	struct ff_map domains;	/* domain -> interned logname, or NULL: none */
	struct ff_map names;	/* the lognames */
};

FF_API int ff_qdest_init(struct ff_qdest *, struct ff_spool *);
FF_API int ff_qdest_log(struct ff_qdest *, const char *, const char **, struct ff_err *);
FF_API void ff_qdest_free(struct ff_qdest *);

#endif
