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
 *	struct ff_conf *ff_spool_conf(const struct ff_spool *sp);
 *	const char *ff_spool_path(const struct ff_spool *sp);
 *	int ff_spool_fd(const struct ff_spool *sp);
 *	uid_t ff_spool_owner(const struct ff_spool *sp, gid_t *gid);
 *	int ff_spool_hash_depth(const struct ff_spool *sp, int queue);
 *	long ff_spool_lock_timeout_ms(const struct ff_spool *sp);
 *
 * DESCRIPTION
 *	ff_spool_open() checks conf (ff_conf_check(): every parameter
 *	fastflush reads must expand), opens queue_directory as a
 *	directory descriptor, reads the parameters the spool needs
 *	(hash_queue_names, hash_queue_depth, fastflush_lock_timeout) and finds the spool owner: the owner of
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
 *	The spool is opaque; the accessors give what its users read:
 *	ff_spool_conf() the configuration it was opened with,
 *	ff_spool_path() queue_directory, ff_spool_fd() its descriptor
 *	(do not close it), ff_spool_owner() the owner found above (and
 *	its group in *gid unless gid is NULL), ff_spool_hash_depth() how
 *	many hash levels queue has (0: not in hash_queue_names),
 *	ff_spool_lock_timeout_ms() fastflush_lock_timeout, the longest
 *	wait for a lock on a spool file.
 *
 *	Which destinations the fast flush service serves is policy.h's;
 *	triggers are trigger.h's: both keep their state with the spool
 *	(spool_int.h) without the spool knowing it.
 */
#ifndef FF_SPOOL_H
#define FF_SPOOL_H

#include <sys/types.h>
#include <time.h>

#include "util/api.h"
#include "postfix/conf.h"
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

struct ff_spool;

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
FF_API struct ff_conf *ff_spool_conf(const struct ff_spool *);
FF_API const char *ff_spool_path(const struct ff_spool *);
FF_API int ff_spool_fd(const struct ff_spool *);
FF_API uid_t ff_spool_owner(const struct ff_spool *, gid_t *);
FF_API int ff_spool_hash_depth(const struct ff_spool *, int);
FF_API long ff_spool_lock_timeout_ms(const struct ff_spool *);

#endif
