/*
 * site.h - destinations and their fast flush log names
 *
 * SYNOPSIS
 *	int ff_valid_hostname(const char *name, size_t len);
 *	int ff_valid_literal(const char *site);
 *	int ff_site_to_logname(const char *site, size_t len, char name[FF_QID_MAX + 1],
 *	    struct ff_err *e);
 *
 * DESCRIPTION
 *	ff_valid_hostname() is Postfix's valid_hostname(): at most 255
 *	characters, labels of 1 to 63 letters, digits, '_' or '-' (no
 *	leading or trailing '-'), no empty label, not all-numeric.
 *
 *	ff_valid_literal() accepts an address literal: "[192.0.2.1]" or
 *	"[ipv6:2001:db8::1]" (IPv6 prefix in any case).
 *
 *	ff_site_to_logname() maps a site to its log file name: the site
 *	is converted to ASCII with IDNA (UTS #46 non-transitional, via
 *	libidn2, which also folds case); the result must be a valid host
 *	name; then ASCII letters and digits are lowercased and every
 *	other byte becomes '_'. Address literals skip IDNA and map
 *	directly ("[192.0.2.1]" -> "_192_0_2_1_"), which Postfix 3.7
 *	cannot do. The result always passes ff_qid_ok().
 *
 * DIAGNOSTICS
 *	-1 with FF_BADSITE: not UTF-8, too long, IDNA failure, or an
 *	invalid ASCII form. The message quotes the site safely.
 */
#ifndef FF_SITE_H
#define FF_SITE_H

#include <stddef.h>

#include "qid.h"
#include "status.h"

#define FF_SITE_MAX	1024	/* longest site we try to convert */

int ff_valid_hostname(const char *, size_t);
int ff_valid_literal(const char *);
int ff_site_to_logname(const char *, size_t, char *, struct ff_err *);

#endif
