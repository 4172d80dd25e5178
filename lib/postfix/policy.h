/*
 * policy.h - fast_flush_domains: the destinations the fast flush service serves
 *
 * SYNOPSIS
 *	#include "postfix/policy.h"
 *
 *	int ff_spool_policy(struct ff_spool *sp, const char *site, char *logname,
 *	    struct ff_err *e);
 *	int ff_spool_policy_refresh(struct ff_spool *sp);
 *
 * DESCRIPTION
 *	ff_spool_policy() converts site to its log name (see site.h) and
 *	checks it against fast_flush_domains (built on first use, with
 *	parent-domain matching when parent_domain_matches_subdomains lists
 *	it). It returns 0, or -1 with FF_BADSITE (no valid ASCII form;
 *	reported before FF_DENY), FF_DENY, FF_FAIL (a table lookup failed;
 *	reported before anything else, as Postfix does) or FF_CONFIG.
 *	The decision is made on the site's canonical name (ff_site_canon()),
 *	the one that picks the logfile.
 *
 *	ff_spool_policy_refresh() drops fast_flush_domains when a table or
 *	file it was built from has changed, so that the next policy check
 *	reads it anew (1), else 0. A long-lived server calls it before
 *	each request.
 */
#ifndef FF_POLICY_H
#define FF_POLICY_H

#include "util/api.h"
#include "util/status.h"
#include "postfix/spool.h"

FF_API int ff_spool_policy(struct ff_spool *, const char *, char *, struct ff_err *);
FF_API int ff_spool_policy_refresh(struct ff_spool *);

#endif
