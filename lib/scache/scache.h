/*
 * scache.h - the connection cache: destinations, endpoints, sessions, timers
 *
 * SYNOPSIS
 *	struct ff_scache *ff_scache_new(size_t max_sessions, size_t max_bindings);
 *	void ff_scache_free(struct ff_scache *c);
 *	void ff_scache_watch(struct ff_scache *c, void (*hook)(void *, int, int), void *ctx);
 *
 *	int ff_scache_save_endp(struct ff_scache *c, long now, long ttl,
 *	    const char *endp, const char *prop, int fd);
 *	int ff_scache_find_endp(struct ff_scache *c, const char *endp,
 *	    const char **prop);
 *	int ff_scache_save_dest(struct ff_scache *c, long now, long ttl,
 *	    const char *dest, const char *dprop, const char *endp);
 *	int ff_scache_find_dest(struct ff_scache *c, const char *dest,
 *	    const char **dprop, const char **eprop);
 *	long ff_scache_expire(struct ff_scache *c, long now);
 *	int ff_scache_drop_fd(struct ff_scache *c, int fd);
 *	size_t ff_scache_delete(struct ff_scache *c, int kind, const char *label);
 *	void ff_scache_size(const struct ff_scache *c, struct ff_scache_size *s);
 *	const struct ff_scache_stats *ff_scache_stats(const struct ff_scache *c);
 *	void ff_scache_walk(const struct ff_scache *c, void (*fn)(void *,
 *	    const struct ff_scache_item *), void *ctx);
 *
 * DESCRIPTION
 *	A cache of open connections, as Postfix's multi-connection cache
 *	(scache_multi) keeps them:
 *
 *	. an endpoint label (e.g. an address and port) names a list of
 *	  sessions, each an endpoint property string and a descriptor;
 *	  save_endp appends, find_endp takes the oldest (FIFO);
 *	. a destination label (e.g. a domain) names a list of bindings,
 *	  each a destination property and an endpoint label. save_dest
 *	  of an existing (property, endpoint) pair only restarts its
 *	  timer; find_dest tries the bindings oldest first and takes the
 *	  first session found through them. Lookups never remove
 *	  bindings: only their own timer does.
 *
 *	Every session and binding has its own expiry time (now + ttl, in
 *	milliseconds of the caller's monotonic clock). ff_scache_expire()
 *	removes what is due at now, closing expired descriptors, and
 *	returns the next expiry time (-1: none).
 *
 *	Beyond Postfix: at most max_sessions sessions and max_bindings
 *	bindings (0: no limit). When full, a new entry evicts the one of
 *	its kind closest to expiry (with equal times: the oldest), so the
 *	cache keeps what it can hand out longest. find_endp and find_dest
 *	skip and drop sessions whose peer has hung up (poll), and
 *	ff_scache_drop_fd() removes the session that holds fd (the caller
 *	saw it hang up). The watch hook is called with (ctx, fd, 1) when a
 *	descriptor enters the cache and (ctx, fd, 0) just before it leaves
 *	(found, expired, evicted, dropped), e.g. to watch it with epoll.
 *
 *	save_* return 0, or -1 when memory ran out (errno; the caller
 *	keeps its descriptor). find_* return the descriptor, now the
 *	caller's, or -1 on a miss; *prop (*dprop, *eprop) then point at
 *	copies valid until the next call. ff_scache_delete() removes the
 *	sessions of endpoint label (FF_SCACHE_ENDP), the bindings of
 *	destination label (FF_SCACHE_DEST), or with label NULL everything
 *	of that kind (FF_SCACHE_ALL: both), and returns how many.
 *
 *	The statistics counters in c->st are kept by the caller except
 *	evicted, hungup and expired, which the cache counts.
 */
#ifndef FF_SCACHE_H
#define FF_SCACHE_H

#include "util/api.h"

#include <stddef.h>

enum { FF_SCACHE_ENDP = 1, FF_SCACHE_DEST = 2, FF_SCACHE_ALL = 3 };

struct ff_scache_size {
	size_t dests;		/* destination labels */
	size_t endps;		/* endpoint labels */
	size_t sessions;
	size_t bindings;
	size_t bytes;		/* label and property storage */
};

struct ff_scache_item {
	int kind;		/* FF_SCACHE_ENDP: a session; FF_SCACHE_DEST: a binding */
	const char *label;	/* endpoint or destination label */
	const char *prop;
	const char *endp;	/* a binding's endpoint label */
	int fd;			/* a session's descriptor */
	long expires;
};

struct ff_scache_stats {
	unsigned long evicted, hungup, expired;
};

struct ff_scache;

FF_API struct ff_scache *ff_scache_new(size_t, size_t);
FF_API void ff_scache_free(struct ff_scache *);
FF_API void ff_scache_watch(struct ff_scache *, void (*)(void *, int, int), void *);
FF_API int ff_scache_save_endp(struct ff_scache *, long, long, const char *, const char *, int);
FF_API int ff_scache_find_endp(struct ff_scache *, const char *, const char **);
FF_API int ff_scache_save_dest(struct ff_scache *, long, long, const char *, const char *,
    const char *);
FF_API int ff_scache_find_dest(struct ff_scache *, const char *, const char **, const char **);
FF_API long ff_scache_expire(struct ff_scache *, long);
FF_API int ff_scache_drop_fd(struct ff_scache *, int);
FF_API size_t ff_scache_delete(struct ff_scache *, int, const char *);
FF_API void ff_scache_size(const struct ff_scache *, struct ff_scache_size *);
FF_API void ff_scache_walk(const struct ff_scache *, void (*)(void *, const struct ff_scache_item *),
    void *);
FF_API const struct ff_scache_stats *ff_scache_stats(const struct ff_scache *);

#endif
