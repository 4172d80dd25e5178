/*
 * policy.c - fast_flush_domains (see policy.h)
 */
#include <string.h>

#include "util/msg.h"
#include "util/split.h"
#include "postfix/domlist.h"
#include "postfix/policy.h"
#include "postfix/site.h"
#include "postfix/spool_int.h"
#include "postfix/table.h"

static const char domains_key;

static void
domains_release(void *p)
{
	ff_domlist_free(p);
}

/* domains - fast_flush_domains, compiled on first use and kept with the spool */
static struct ff_domlist *
domains(struct ff_spool *sp, struct ff_err *e)
{
	struct ff_conf *conf = ff_spool_conf(sp);
	struct ff_domlist *d = ff_spool_state(sp, &domains_key);
	struct ff_table_ctx ctx;
	const char *parents, *list;

	if (d != NULL)
		return d;
	if (ff_conf_str(conf, "parent_domain_matches_subdomains", &parents, e) < 0 ||
	    ff_conf_str(conf, "fast_flush_domains", &list, e) < 0)
		return NULL;
	ff_table_ctx_init(&ctx, conf);
	d = ff_domlist_new("fast_flush_domains", list, ff_list_has(parents, "fast_flush_domains"),
	    &ctx, e);
	if (d != NULL && ff_spool_keep(sp, &domains_key, d, domains_release) < 0) {
		ff_domlist_free(d);
		ff_err_set(e, FF_SOFTWARE, "fast_flush_domains: no room to keep it");
		return NULL;
	}
	return d;
}

int
ff_spool_policy(struct ff_spool *sp, const char *site, char *logname, struct ff_err *e)
{
	char ascii[FF_SITE_MAX + 1], quoted[300];
	struct ff_domlist *dl;
	struct ff_err bad;
	int match;

	if ((dl = domains(sp, e)) == NULL)
		return -1;
	/*
	 * Convert first, so that a site that can never be valid is reported
	 * as such (BADSITE) rather than as "not configured"; a failing table
	 * lookup still wins, so Postfix's wire status (4 or -1) is unchanged.
	 * The decision is made on the canonical name that also picks the
	 * logfile, so no other spelling of a name escapes a "!" pattern.
	 */
	if (ff_site_canon(site, strlen(site), ascii, &bad) < 0) {
		if (ff_domlist_match(dl, site, e) < 0)
			return -1;
		if (e != NULL)
			*e = bad;
		return -1;
	}
	ff_site_mask(ascii, logname);
	if ((match = ff_domlist_match_canon(dl, ascii, e)) < 0)
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
	struct ff_domlist *d = ff_spool_state(sp, &domains_key);

	if (d == NULL || !ff_domlist_stale(d))
		return 0;
	ff_spool_forget(sp, &domains_key);
	return 1;
}
