/*
 * spool.h - a Postfix-layout queue directory
 *
 * SYNOPSIS
 *	struct ff_spool *ff_spool_open(struct ff_conf *conf, struct ff_err *e);
 *	void ff_spool_close(struct ff_spool *sp);
 *	int ff_spool_drop_privileges(struct ff_spool *sp, struct ff_err *e);
 *	int ff_spool_dir(struct ff_spool *sp, int queue, const char *id, size_t len,
 *	    int create, struct ff_dirref *ref, struct ff_err *e);
 *	void ff_dirref_release(struct ff_dirref *ref);
 *	int ff_spool_qbase(struct ff_spool *sp, int queue, int create, struct ff_err *e);
 *	const char *ff_queue_name(int queue);
 *
 * DESCRIPTION
 *	ff_spool_open() checks conf (ff_conf_check(): every parameter
 *	fastflush reads must expand), opens queue_directory as a
 *	directory descriptor, reads the parameters the spool needs
 *	(hash_queue_names, hash_queue_depth, time limits, the lock and
 *	trigger time-outs) and finds the spool owner: the owner of
 *	flush/, else the mail_owner account, else the owner of the
 *	queue directory. Every later file operation is relative to
 *	descriptors, never to a path built from input.
 *
 *	ff_spool_drop_privileges() switches a root caller to the spool
 *	owner (groups, gid, uid, checked) so that every file created or
 *	changed stays the owner's; other callers are left alone.
 *
 *	ff_spool_dir() gives the directory that holds file id of queue
 *	(FF_Q_DEFERRED, ...), with its hash subdirectories when the queue
 *	is listed in hash_queue_names. Each level is opened with
 *	O_NOFOLLOW; with create, missing levels are made with mode 0700
 *	as Postfix does. Descriptors are cached; release the reference
 *	with ff_dirref_release() when done. ff_spool_qbase() gives the
 *	queue's top directory (cached; do not close it).
 *
 *	Which destinations the fast flush service serves is policy.h's
 *	(fast_flush_domains, kept here in sp->domains).
 */
#ifndef FF_SPOOL_H
#define FF_SPOOL_H

#include <sys/types.h>
#include <time.h>

#include "util/api.h"
#include "postfix/conf.h"
#include "postfix/domlist.h"
#include "util/map.h"
#include "util/status.h"

enum {
	FF_Q_DEFERRED,
	FF_Q_INCOMING,
	FF_Q_ACTIVE,
	FF_Q_HOLD,
	FF_Q_CORRUPT,
	FF_Q_MAILDROP,
	FF_Q_FLUSH,
	FF_Q_COUNT
};

#define FF_DIRCACHE_MAX	512	/* cached hash directory descriptors */

struct ff_spool {
	struct ff_conf *conf;
	const char *queue_dir;
	int qfd;			/* queue_directory */
	int qbase[FF_Q_COUNT];		/* queue directories, -1 until opened */
	int hashed[FF_Q_COUNT];		/* listed in hash_queue_names */
	int depth;			/* hash_queue_depth */
	struct ff_map dircache[FF_Q_COUNT];	/* "9/F/" -> fd + 1 */
	size_t ncached;
	uid_t uid;			/* spool owner */
	gid_t gid;
	long lock_timeout_ms;
	long trigger_timeout_ms;
	long refresh_time, purge_time;	/* seconds */
	struct ff_domlist *domains;	/* fast_flush_domains (policy.c), lazily */
	int pubfd;			/* public/, for triggers; -1 until used */
	unsigned long trigger_failures;	/* only the first is a warning */
	int trigger_stalled;		/* a trigger timed out: never wait again */
};

struct ff_dirref {
	int fd;
	int owned;	/* not cached: release closes it */
};

FF_API struct ff_spool *ff_spool_open(struct ff_conf *, struct ff_err *);
FF_API void ff_spool_close(struct ff_spool *);
FF_API int ff_spool_drop_privileges(struct ff_spool *, struct ff_err *);
FF_API int ff_spool_dir(struct ff_spool *, int, const char *, size_t, int, struct ff_dirref *,
    struct ff_err *);
FF_API void ff_dirref_release(struct ff_dirref *);
FF_API int ff_spool_qbase(struct ff_spool *, int, int, struct ff_err *);
FF_API const char *ff_queue_name(int);

#endif
