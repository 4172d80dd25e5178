/*
 * policy.c - fast_flush_domains (see policy.h)
 */
#include <string.h>

#include "util/msg.h"
#include "util/split.h"
#include "postfix/domlist.h"
#include "postfix/policy.h"
#include "postfix/site.h"
#include "postfix/table.h"

int
ff_spool_policy(struct ff_spool *sp, const char *site, char *logname, struct ff_err *e)
{
	char ascii[FF_SITE_MAX + 1], quoted[300];
	struct ff_err bad;
	int match;

	if (sp->domains == NULL) {
		struct ff_table_ctx ctx;
		const char *parents, *domains;

		if (ff_conf_str(sp->conf, "parent_domain_matches_subdomains", &parents, e) < 0 ||
		    ff_conf_str(sp->conf, "fast_flush_domains", &domains, e) < 0)
			return -1;
		ff_table_ctx_init(&ctx, sp->conf);
		sp->domains = ff_domlist_new("fast_flush_domains", domains,
		    ff_list_has(parents, "fast_flush_domains"), &ctx, e);
		if (sp->domains == NULL)
			return -1;
	}
	/*
	 * Convert first, so that a site that can never be valid is reported
	 * as such (BADSITE) rather than as "not configured"; a failing table
	 * lookup still wins, so Postfix's wire status (4 or -1) is unchanged.
	 * The decision is made on the canonical name that also picks the
	 * logfile, so no other spelling of a name escapes a "!" pattern.
	 */
	if (ff_site_canon(site, strlen(site), ascii, &bad) < 0) {
		if (ff_domlist_match(sp->domains, site, e) < 0)
			return -1;
		if (e != NULL)
			*e = bad;
		return -1;
	}
	ff_site_mask(ascii, logname);
	if ((match = ff_domlist_match_canon(sp->domains, ascii, e)) < 0)
		return -1;
	if (match == 0)
		return ff_err_set(e, FF_DENY, "fast flush service is not configured for"
		    " destination \"%s\" (fast_flush_domains)",
		    ff_msg_safe(site, strlen(site), quoted, sizeof(quoted)));
	return 0;
}

int
ff_spool_policy_refresh(struct ff_spool *sp)
{
	if (sp->domains == NULL || !ff_domlist_stale(sp->domains))
		return 0;
	ff_domlist_free(sp->domains);
	sp->domains = NULL;
	return 1;
}
