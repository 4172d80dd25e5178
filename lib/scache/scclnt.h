/*
 * scclnt.h - the client side of the connection cache protocol
 *
 * SYNOPSIS
 *	struct ff_scclnt *ff_scclnt_connect(const char *path, long timeout_ms,
 *	    struct ff_err *e);
 *	struct ff_scclnt *ff_scclnt_open(struct ff_spool *sp, const char *service,
 *	    const struct ff_scached *autostart, long timeout_ms, struct ff_err *e);
 *	int ff_scclnt_started(const struct ff_scclnt *c);
 *	void ff_scclnt_close(struct ff_scclnt *c);
 *
 *	int ff_scclnt_save_endp(struct ff_scclnt *c, int ttl, const char *endp,
 *	    const char *prop, int fd, struct ff_err *e);
 *	int ff_scclnt_find_endp(struct ff_scclnt *c, const char *endp, char **prop,
 *	    int *fd, struct ff_err *e);
 *	int ff_scclnt_save_dest(struct ff_scclnt *c, int ttl, const char *dest,
 *	    const char *dprop, const char *endp, struct ff_err *e);
 *	int ff_scclnt_find_dest(struct ff_scclnt *c, const char *dest, char **dprop,
 *	    char **eprop, int *fd, struct ff_err *e);
 *	int ff_scclnt_stats(struct ff_scclnt *c, struct ff_alist *reply, struct ff_err *e);
 *	int ff_scclnt_list(struct ff_scclnt *c, struct ff_alist *reply, struct ff_err *e);
 *	int ff_scclnt_delete(struct ff_scclnt *c, int kind, const char *label,
 *	    unsigned long *count, struct ff_err *e);
 *	int ff_scclnt_call(struct ff_scclnt *c, const char *request,
 *	    const char *const *nv, size_t n, struct ff_alist *reply, struct ff_err *e);
 *	const char *ff_alist_get(const struct ff_alist *l, const char *name);
 *	void ff_alist_free(struct ff_alist *l);
 *
 * DESCRIPTION
 *	Lock-step, as Postfix's smtp(8) talks to scache(8): one request
 *	list in one write, the whole reply read, the Linux descriptor
 *	dance for saves and finds (fdpass.h). Every exchange is bounded by
 *	timeout_ms (connection_cache_protocol_timeout).
 *
 *	ff_scclnt_connect() connects to the socket at path and reads the
 *	greeting "protocol" = "connection_cache_protocol"; it returns the
 *	connection, or NULL with e set. ff_scclnt_close() hangs up and
 *	frees it (NULL is fine).
 *	ff_scclnt_open() connects to the spool's private/service; when
 *	nothing answers there and autostart is not NULL it starts a server
 *	with those settings first (a daemon in its own session that exits
 *	after its max_idle without clients), as systemd or xinetd would
 *	on demand. Two clients starting one at the same time are fine:
 *	the server's lock lets one run. ff_scclnt_started() says whether
 *	ff_scclnt_open() started the server of connection c.
 *
 *	The calls return the server's status (FF_SCACHE_OK, _BAD, _FAIL:
 *	scwire.h) or -1 with e set when the exchange broke.
 *	save_endp always leaves fd to the caller (Postfix's client closes
 *	its copy). find_* return in *fd (status 0) a descriptor that is
 *	now the caller's and in *prop etc. malloc'd copies (free them).
 *	ff_scclnt_call() sends any request with n/2 name-value pairs from
 *	nv and reads the whole reply list into reply (for stats, list,
 *	delete); ff_alist_get() finds the first value named name.
 *	ff_scclnt_stats() and ff_scclnt_list() are such calls; their
 *	replies are documented in scached.h (stats: counters by name; list:
 *	per entry kind, label, property, endpoint or peer, ttl in ms).
 *	ff_scclnt_delete() removes the entries of label (NULL: all) of
 *	kind (FF_SCACHE_ENDP, FF_SCACHE_DEST, FF_SCACHE_ALL) and sets
 *	*count. Servers that are not fastflush's answer these with 1.
 */
#ifndef FF_SCCLNT_H
#define FF_SCCLNT_H

#include <stddef.h>

#include "util/api.h"
#include "postfix/attr0.h"
#include "scache/scached.h"
#include "scache/scwire.h"
#include "postfix/spool.h"
#include "util/status.h"

struct ff_scclnt;

struct ff_alist {
	struct ff_str *v;	/* name, value, name, value, ... */
	size_t n;
};

FF_API struct ff_scclnt *ff_scclnt_connect(const char *, long, struct ff_err *);
FF_API struct ff_scclnt *ff_scclnt_open(struct ff_spool *, const char *, const struct ff_scached *,
    long, struct ff_err *);
FF_API int ff_scclnt_started(const struct ff_scclnt *);
FF_API void ff_scclnt_close(struct ff_scclnt *);
FF_API int ff_scclnt_save_endp(struct ff_scclnt *, int, const char *, const char *, int,
    struct ff_err *);
FF_API int ff_scclnt_find_endp(struct ff_scclnt *, const char *, char **, int *, struct ff_err *);
FF_API int ff_scclnt_save_dest(struct ff_scclnt *, int, const char *, const char *, const char *,
    struct ff_err *);
FF_API int ff_scclnt_find_dest(struct ff_scclnt *, const char *, char **, char **, int *,
    struct ff_err *);
FF_API int ff_scclnt_call(struct ff_scclnt *, const char *, const char *const *, size_t,
    struct ff_alist *, struct ff_err *);
FF_API int ff_scclnt_stats(struct ff_scclnt *, struct ff_alist *, struct ff_err *);
FF_API int ff_scclnt_list(struct ff_scclnt *, struct ff_alist *, struct ff_err *);
FF_API int ff_scclnt_delete(struct ff_scclnt *, int, const char *, unsigned long *, struct ff_err *);
FF_API const char *ff_alist_get(const struct ff_alist *, const char *);
FF_API void ff_alist_free(struct ff_alist *);

#endif
