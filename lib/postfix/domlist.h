/*
 * domlist.h - fast_flush_domains: Postfix domain list matching
 *
 * SYNOPSIS
 *	struct ff_domlist *ff_domlist_new(const char *param, const char *value,
 *	    int parent_style, const struct ff_table_ctx *ctx, struct ff_err *e);
 *	int ff_domlist_match(struct ff_domlist *l, const char *site, struct ff_err *e);
 *	int ff_domlist_match_canon(struct ff_domlist *l, const char *ascii,
 *	    struct ff_err *e);
 *	int ff_domlist_stale(const struct ff_domlist *l);
 *	void ff_domlist_free(struct ff_domlist *l);
 *
 * DESCRIPTION
 *	ff_domlist_new() parses a domain list as Postfix's match_list
 *	does: patterns separated by commas and/or white space, "{...}"
 *	kept whole (braces included), each leading '!' toggling negation,
 *	"/file/name" replaced by the patterns in that file (lines that
 *	start with '#' skipped; a '!' before the name negates every
 *	pattern in it), "type:name" a lookup table of any type (table.h,
 *	opened with ctx; NULL: built-in defaults), anything else a domain.
 *	A token that starts with '#' ends the list with a warning. A table
 *	that cannot be opened, or an unreadable /file, makes every lookup
 *	that reaches that pattern fail, as Postfix's placeholder table
 *	does, with the reason in the error message.
 *
 *	Domains are kept in canonical form (IDNA A-labels, lowercase; see
 *	ff_site_canon()), so that every spelling of a name matches alike.
 *
 *	ff_domlist_match_canon() decides for a canonical name (from
 *	ff_site_canon()): the patterns are tried in order and the first
 *	that matches decides (1, or 0 when negated). A domain pattern
 *	matches the name itself and, with parent_style
 *	(parent_domain_matches_subdomains names the parameter), its
 *	subdomains; without parent style, ".domain" matches subdomains
 *	only. A table is looked up with the name in its A-label form and,
 *	when that has "xn--" labels, in its U-label (UTF-8) form; a
 *	fixed-key table (ff_table_fixed()) also with the parent domains of
 *	each: "b.c", "c" with parent style, ".b.c", ".c" without.
 *
 *	ff_domlist_match() takes a site as given: it decides on its
 *	canonical name, or, for a site that has none (it can never be
 *	flushed), on the site with ASCII case folded, as Postfix does.
 *
 *	ff_domlist_stale() is 1 when a /file or a table file the list was
 *	built from has changed since (watch.h): the owner builds it anew.
 *
 * DIAGNOSTICS
 *	ff_domlist_new() returns NULL with FF_CONFIG for "!" without a
 *	pattern, or a system error. The match functions return -1 with
 *	FF_FAIL when a table lookup fails before a match is found.
 */
#ifndef FF_DOMLIST_H
#define FF_DOMLIST_H

#define FF_MATCH_MAX	1024	/* longer sites never match */

#include "util/api.h"
#include "util/status.h"
#include "postfix/table.h"

struct ff_domlist;

FF_API struct ff_domlist *ff_domlist_new(const char *, const char *, int, const struct ff_table_ctx *,
    struct ff_err *);
FF_API int ff_domlist_match(struct ff_domlist *, const char *, struct ff_err *);
FF_API int ff_domlist_match_canon(struct ff_domlist *, const char *, struct ff_err *);
FF_API int ff_domlist_stale(const struct ff_domlist *);
FF_API void ff_domlist_free(struct ff_domlist *);

#endif
