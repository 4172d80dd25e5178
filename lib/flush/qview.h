/*
 * qview.h - the deferred queue per destination, against the fast flush logfiles
 *
 * SYNOPSIS
 *	#include "flush/qview.h"
 *
 *	int ff_qview_scan(struct ff_qview *v, struct ff_spool *sp,
 *	    char *const *sites, size_t nsites, unsigned flags, struct ff_err *e);
 *	void ff_qview_free(struct ff_qview *v);
 *	int ff_qview_age_bucket(long long age);
 *	const char *ff_qview_fmt_age(long long age, char *buf, size_t size);
 *	extern const char *const ff_qview_age_label[FF_QVIEW_NAGES];
 *
 * DESCRIPTION
 *	ff_qview_scan() reads every queue file in deferred/ (qfile.h,
 *	qscan.h) and sorts its recipients not yet delivered by destination:
 *	the part of the address after its last "@" in the canonical form
 *	that picks the fast flush logfile (ff_site_canon(); a domain without
 *	one is only lowercased, ASCII letters only; an address without a
 *	domain has the destination ""). For each destination it fills a
 *	struct ff_qview_dest: messages (each counted once however many of
 *	its recipients go there), recipients, bytes (the sum of those
 *	messages' sizes, as postqueue reports them), the oldest and newest
 *	arrival (seconds since the epoch), the messages per age bucket (as
 *	qshape(1) buckets them: under 5 minutes, under 10, 20, ... 1280,
 *	and older), and the logfile that Postfix's delivery agents log the
 *	destination's deferrals into (qdest.h; "" when fast_flush_domains
 *	does not list it). For such a logfile, read under its shared lock
 *	and without moving its access time (inspect.h): missing, the
 *	deferred messages it does not list (address probes excepted:
 *	Postfix never logs them), and stale, the distinct IDs it lists whose
 *	queue file is in no queue any more; log_exists says whether there
 *	is a logfile at all.
 *
 *	v->dest[0 .. v->ndest - 1] are the destinations, sorted by messages
 *	(most first), then by name. With nsites > 0 only the destinations
 *	named are there: a site matches a destination by its canonical name
 *	or by the destination's logfile name; a site that matches none is
 *	there too, with no messages (its logfile and stale count filled in).
 *
 *	With FF_QVIEW_IDS, each destination also lists its messages in
 *	msgs[0 .. nmsgs - 1] (oldest first, then by queue ID): queue ID,
 *	arrival, size, the recipients that go there (rcpt: NUL-terminated
 *	addresses one after the other, nrcpt of them), and logged: 1 when
 *	the logfile lists the ID, 0 when not, -1 when there is no logfile
 *	to ask. Memory: the messages and addresses of the destinations kept
 *	(use it with sites).
 *
 *	v->files counts the queue files read, v->skipped those that could
 *	not be read or are not complete queue files (each skipped with a
 *	warning: a hostile or truncated file, one still being written, a
 *	symlink), v->unreadable the hash subdirectories that could not be
 *	read. v->now is the time ages are measured from.
 *
 *	ff_qview_age_bucket() maps an age in seconds to its bucket (0 ..
 *	FF_QVIEW_NAGES - 1); ff_qview_age_label[] names the buckets as
 *	qshape's header does ("5" ... "1280", "1280+").
 *	ff_qview_fmt_age() writes an age the way an admin reads it: "45s",
 *	"12m", "3h12m", "2d3h" (negative ages count as 0).
 *
 *	Memory: one entry per destination and one queue ID per deferred
 *	message and eligible destination (as fflush-add --rebuild).
 *
 * DIAGNOSTICS
 *	ff_qview_scan() returns -1 with e set when deferred/ cannot be read
 *	(one that does not exist yet is an empty queue), a
 *	fast_flush_domains table fails, memory runs out, or a logfile cannot
 *	be read; 0 otherwise. v must be freed with ff_qview_free() either
 *	way.
 */
#ifndef FF_QVIEW_H
#define FF_QVIEW_H

#include <stddef.h>

#include "util/api.h"
#include "util/map.h"
#include "postfix/qid.h"
#include "postfix/spool.h"
#include "util/status.h"

#define FF_QVIEW_NAGES	10
#define FF_QVIEW_IDS	0x1	/* keep each destination's messages */

FF_API extern const char *const ff_qview_age_label[FF_QVIEW_NAGES];

struct ff_qview_msg {
	char id[FF_QID_MAX + 1];
	long long arrival, size;
	char *rcpt;		/* addresses, each NUL-terminated */
	size_t rlen, nrcpt;
	int logged;		/* 1, 0, or -1: no logfile */
};

struct ff_qview_dest {
	char *name;
	char log[FF_QID_MAX + 1];	/* "": no fast flush */
	int log_exists;
	unsigned long messages, recipients;
	long long bytes, oldest, newest;
	unsigned long missing, stale;
	unsigned long ages[FF_QVIEW_NAGES];
	struct ff_qview_msg *msgs;
	size_t nmsgs;
};

struct ff_qview {
	struct ff_qview_dest **dest;
	size_t ndest;
	unsigned long files, skipped, unreadable;
	long long now;
};

FF_API int ff_qview_scan(struct ff_qview *, struct ff_spool *, char *const *, size_t, unsigned,
    struct ff_err *);
FF_API void ff_qview_free(struct ff_qview *);
FF_API int ff_qview_age_bucket(long long);
FF_API const char *ff_qview_fmt_age(long long, char *, size_t);

#endif
