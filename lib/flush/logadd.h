/*
 * logadd.h - append queue IDs to fast flush logfiles
 *
 * SYNOPSIS
 *	int ff_add(struct ff_spool *sp, const char *site, char *const *ids, size_t n,
 *	    char *logname, struct ff_err *e);
 *	int ff_add_log(struct ff_spool *sp, const char *logname, const char *buf, size_t len,
 *	    struct ff_err *e);
 *	int ff_log_open_locked(struct ff_spool *sp, int dirfd, const char *logname,
 *	    int create, int *noatime, struct stat *st, const char *what,
 *	    struct ff_err *e);
 *
 *	struct ff_batch *ff_batch_new(struct ff_spool *sp);
 *	int ff_batch_add(struct ff_batch *b, const char *site, const char *id, size_t idlen,
 *	    struct ff_err *e);
 *	enum ff_status ff_batch_commit(struct ff_batch *b, ff_batch_cb *cb, void *arg);
 *	size_t ff_batch_pending(const struct ff_batch *b);
 *	size_t ff_batch_sites(const struct ff_batch *b);
 *	void ff_batch_free(struct ff_batch *b);
 *
 * DESCRIPTION
 *	ff_add() checks the site (fast_flush_domains, log name) and every
 *	queue ID, then appends the IDs, one per line, to the site's log
 *	with ff_add_log(); logname receives the log name. One bad ID
 *	refuses the whole call: nothing is written.
 *
 *	ff_add_log() appends buf (complete "ID\n" lines) to flush/<logname>
 *	under an exclusive lock in a single write: the file is created
 *	with mode 0600 (and flush/ with 0700) when missing, opened
 *	symlink-safely, re-opened if a concurrent purge unlinked it while
 *	we waited for the lock, a torn last line (crash, full disk) is
 *	ended first, and a failed write is cut back so that the log never
 *	ends in half an ID.
 *
 *	ff_log_open_locked() is how every writer opens a log in directory
 *	dirfd: read-write, created with mode 0600 when create is set,
 *	symlink-safely, exclusively locked, and opened again if a purge
 *	unlinked it while we waited (nlink 0). *noatime is O_NOATIME or 0
 *	on input and becomes 0 when the log is not ours to open so (the
 *	caller then puts the atime back itself); st is the locked log's.
 *
 *	The batch calls serve bulk imports and delivery agents: sites are
 *	checked once each, IDs are grouped by logfile in memory and
 *	ff_batch_commit() writes each logfile once (one lock, one write).
 *	ff_batch_add() refuses a bad ID or site (FF_BAD, FF_BADSITE,
 *	FF_DENY, FF_FAIL) without affecting the rest of the batch.
 *	ff_batch_commit() calls cb(arg, logname, site, count, status, err)
 *	for every logfile and returns the worst status.
 *
 *	Memory: ff_batch_pending() is the number of IDs held,
 *	ff_batch_sites() the number of distinct sites remembered (about
 *	1 KiB each, a denial's message included). A caller commits when
 *	either reaches its bound; a commit with FF_BATCH_SITES_MAX sites
 *	or more also forgets the sites and logfiles, so a batch holds at
 *	most FF_BATCH_SITES_MAX of them (about 10 MiB), whatever the input.
 */
#ifndef FF_LOGADD_H
#define FF_LOGADD_H

#include <sys/stat.h>

#include <stddef.h>

#include "util/api.h"
#include "postfix/spool.h"
#include "util/status.h"

struct ff_batch;

#define FF_BATCH_SITES_MAX	10000

typedef void ff_batch_cb(void *, const char *, const char *, unsigned long, enum ff_status,
    const struct ff_err *);

FF_API int ff_add(struct ff_spool *, const char *, char *const *, size_t, char *, struct ff_err *);
FF_API int ff_add_log(struct ff_spool *, const char *, const char *, size_t, struct ff_err *);
FF_API int ff_log_open_locked(struct ff_spool *, int, const char *, int, int *, struct stat *,
    const char *, struct ff_err *);

FF_API struct ff_batch *ff_batch_new(struct ff_spool *);
FF_API int ff_batch_add(struct ff_batch *, const char *, const char *, size_t, struct ff_err *);
FF_API enum ff_status ff_batch_commit(struct ff_batch *, ff_batch_cb *, void *);
FF_API size_t ff_batch_pending(const struct ff_batch *);
FF_API size_t ff_batch_sites(const struct ff_batch *);
FF_API void ff_batch_free(struct ff_batch *);

#endif
