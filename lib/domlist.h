/*
 * domlist.h - fast_flush_domains: Postfix domain list matching
 *
 * SYNOPSIS
 *	struct ff_domlist *ff_domlist_new(const char *param, const char *value,
 *	    int parent_style, struct ff_err *e);
 *	int ff_domlist_match(struct ff_domlist *l, const char *site, struct ff_err *e);
 *	void ff_domlist_free(struct ff_domlist *l);
 *
 * DESCRIPTION
 *	ff_domlist_new() parses a domain list as Postfix's match_list
 *	does: patterns separated by commas and/or white space, "{...}"
 *	kept whole (braces included), each leading '!' toggling negation,
 *	"/file/name" replaced by the patterns in that file (lines that
 *	start with '#' skipped; a '!' before the name negates every
 *	pattern in it), "type:name" a lookup table, anything else a
 *	domain. A token that starts with '#' ends the list with a warning.
 *
 *	Tables: inline:{key=value, ...}, texthash:/path (postmap input
 *	format: "key whitespace value"), static:value (matches every
 *	site) and fail:name (always fails). Any other type, an unreadable
 *	/file or texthash file, or bad inline syntax, makes every lookup
 *	that reaches that pattern fail, as Postfix's placeholder table
 *	does, with the reason in the error message.
 *
 *	ff_domlist_match() folds the site's ASCII case and tries the
 *	patterns in order; the first that matches decides (1, or 0 when
 *	negated). A domain pattern matches the site itself and, with
 *	parent_style (parent_domain_matches_subdomains names the
 *	parameter), its subdomains; without parent style, ".domain"
 *	matches subdomains only. A table is looked up with the site, then
 *	(inline, texthash, static) with its parent domains: "b.c", "c"
 *	with parent style, ".b.c", ".c" without.
 *
 * DIAGNOSTICS
 *	ff_domlist_new() returns NULL with FF_CONFIG for "!" without a
 *	pattern, or a system error. ff_domlist_match() returns -1 with
 *	FF_FAIL when a table lookup fails before a match is found.
 */
#ifndef FF_DOMLIST_H
#define FF_DOMLIST_H

#define FF_MATCH_MAX	1024	/* longer sites never match */

#include "status.h"

struct ff_domlist;

struct ff_domlist *ff_domlist_new(const char *, const char *, int, struct ff_err *);
int ff_domlist_match(struct ff_domlist *, const char *, struct ff_err *);
void ff_domlist_free(struct ff_domlist *);

#endif
