/*
 * site.h - destinations and their fast flush log names
 *
 * SYNOPSIS
 *	int ff_valid_hostname(const char *name, size_t len);
 *	int ff_valid_literal(const char *site);
 *	int ff_site_canon(const char *site, size_t len, char ascii[FF_SITE_MAX + 1],
 *	    struct ff_err *e);
 *	int ff_site_unicode(const char *ascii, char *out, size_t size);
 *	void ff_site_mask(const char *ascii, char name[FF_QID_MAX + 1]);
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
 *	ff_site_canon() gives the canonical name of a site, the one name
 *	that both picks its logfile and decides fast_flush_domains: the
 *	site converted to ASCII with IDNA (UTS #46 non-transitional, via
 *	libidn2, which also maps compatibility forms and folds case), then
 *	lowercased; it must be a valid host name. An address literal is
 *	only lowercased.
 *
 *	ff_site_unicode() gives the U-label (UTF-8) form of a canonical
 *	name that has A-labels ("xn--..."): 1 with the form in out, 0 when
 *	the name has none (or it does not fit).
 *
 *	ff_site_mask() maps a canonical name to its log file name: ASCII
 *	letters and digits lowercased, every other byte '_'
 *	("[192.0.2.1]" -> "_192_0_2_1_", which Postfix 3.7 cannot do).
 *	ff_site_to_logname() is ff_site_canon() and ff_site_mask(). The
 *	result always passes ff_qid_ok().
 *
 * DIAGNOSTICS
 *	-1 with FF_BADSITE: not UTF-8, too long, IDNA failure, or an
 *	invalid ASCII form. The message quotes the site safely.
 */
#ifndef FF_SITE_H
#define FF_SITE_H

#include <stddef.h>

#include "util/api.h"
#include "postfix/qid.h"
#include "util/status.h"

#define FF_SITE_MAX	1024	/* longest site we try to convert */

FF_API int ff_valid_hostname(const char *, size_t);
FF_API int ff_valid_literal(const char *);
FF_API int ff_site_canon(const char *, size_t, char *, struct ff_err *);
FF_API int ff_site_unicode(const char *, char *, size_t);
FF_API void ff_site_mask(const char *, char *);
FF_API int ff_site_to_logname(const char *, size_t, char *, struct ff_err *);

#endif
