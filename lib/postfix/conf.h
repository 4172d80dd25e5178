/*
 * conf.h - Postfix main.cf parameters
 *
 * SYNOPSIS
 *	struct ff_conf *ff_conf_new(void);
 *	void ff_conf_free(struct ff_conf *c);
 *	int ff_conf_load(struct ff_conf *c, const char *dir, struct ff_err *e);
 *	int ff_conf_override(struct ff_conf *c, const char *assign, struct ff_err *e);
 *	int ff_conf_set(struct ff_conf *c, const char *name, const char *value);
 *	int ff_conf_check(struct ff_conf *c, struct ff_err *e);
 *	int ff_conf_unused(struct ff_conf *c, const char *assign, const char **name,
 *	    size_t *len);
 *	int ff_conf_str(struct ff_conf *c, const char *name, const char **value,
 *	    struct ff_err *e);
 *	const char *ff_conf_get(struct ff_conf *c, const char *name);
 *	const char *ff_conf_dir(const struct ff_conf *c);
 *	int ff_conf_changed(const struct ff_conf *c);
 *	int ff_conf_time(struct ff_conf *c, const char *name, long *secs, struct ff_err *e);
 *	int ff_conf_time_ms(struct ff_conf *c, const char *name, long *ms, struct ff_err *e);
 *	long ff_time_ms(long secs);
 *	int ff_parse_time(const char *s, int unit, long *secs);
 *	int ff_conf_long(struct ff_conf *c, const char *name, long min, long max, long *val, struct ff_err *e);
 *	int ff_conf_bool(struct ff_conf *c, const char *name, int *val, struct ff_err *e);
 *
 * DESCRIPTION
 *	ff_conf_load() reads main.cf from dir, else $MAIL_CONFIG, else
 *	/etc/postfix. A directory named by dir or MAIL_CONFIG must hold a
 *	main.cf (a typo must not silently mean the live spool); only in
 *	/etc/postfix may it be missing, and then the built-in defaults
 *	(Postfix 3.7's) apply. Syntax as Postfix: "name = value",
 *	lines that start with white space continue the previous line,
 *	lines whose first non-blank is '#' are comments. Parameters that
 *	fastflush does not use are kept (for $name expansion) and
 *	otherwise ignored.
 *
 *	ff_conf_override() takes "name=value" (the -o option) and wins
 *	over main.cf.
 *
 *	ff_conf_str() gives a parameter's value with $name references
 *	expanded as Postfix does (see expand.h); a name that is neither
 *	set nor known is empty. The string stays valid until the next
 *	ff_conf_set()/ff_conf_override(). ff_conf_get() is the same for
 *	callers without an error path: a failed expansion is logged as a
 *	warning and gives "", so such callers run after ff_conf_check().
 *
 *	ff_conf_check() expands every parameter fastflush reads (one
 *	table in conf.c), checks the syntax of each time among them and
 *	checks compatibility_level, as Postfix's programs do at start-up:
 *	after it, the expansion of those and ff_conf_time() on them cannot
 *	fail. ff_cli_open() and ff_spool_open() call it.
 *
 *	ff_conf_unused() takes the argument of a -o ("name=value") and
 *	returns 1 when no fastflush code reads that name: it is not in
 *	the table, and no parameter in the table refers to it as $name,
 *	directly or through other parameters, with the values in effect
 *	(see ff_expand_uses()). *name and *len give the name within
 *	assign.
 *
 *	ff_conf_changed() is 1 when main.cf is no longer what
 *	ff_conf_load() read (rewritten, replaced, created or removed): a
 *	long-lived server then loads the configuration again, as Postfix's
 *	daemons are restarted by "postfix reload".
 *
 *	ff_conf_time() converts a time value with Postfix's suffixes
 *	(s, m, h, d, w); a bare number takes the unit of the parameter's
 *	default (fast_flush_refresh_time: hours, fast_flush_purge_time:
 *	days, everything else seconds). ff_conf_time_ms() gives it in
 *	milliseconds. Every time is clamped to FF_CONF_TIME_MAX seconds
 *	(about 68 years: any longer time means "never" anyway); only a
 *	number that does not fit a long is an error. ff_parse_time() is
 *	the parser of both, for a time that came from elsewhere (an
 *	option), and ff_time_ms() the conversion to milliseconds (negative
 *	is 0). Waits on descriptors take the result through ff_poll_ms()
 *	(attr0.h).
 *
 *	A value that is a list is walked with util/split.h's ff_list_next().
 *
 * DIAGNOSTICS
 *	Functions that take a struct ff_err return -1 and set FF_CONFIG
 *	(bad syntax or value, a failed expansion, a directory named by
 *	-c or MAIL_CONFIG without main.cf: "open DIR/main.cf: No such
 *	file or directory") or a system error (unreadable main.cf).
 */
#ifndef FF_CONF_H
#define FF_CONF_H

#include <stddef.h>

#include "util/api.h"
#include "util/split.h"
#include "util/status.h"

#define FF_CONF_TIME_MAX	2147483647L	/* seconds; longer times are clamped */

struct ff_conf;

FF_API struct ff_conf *ff_conf_new(void);
FF_API void ff_conf_free(struct ff_conf *);
FF_API int ff_conf_load(struct ff_conf *, const char *, struct ff_err *);
FF_API int ff_conf_override(struct ff_conf *, const char *, struct ff_err *);
FF_API int ff_conf_set(struct ff_conf *, const char *, const char *);
FF_API int ff_conf_check(struct ff_conf *, struct ff_err *);
FF_API int ff_conf_unused(struct ff_conf *, const char *, const char **, size_t *);
FF_API int ff_conf_str(struct ff_conf *, const char *, const char **, struct ff_err *);
FF_API const char *ff_conf_get(struct ff_conf *, const char *);
FF_API const char *ff_conf_dir(const struct ff_conf *);
FF_API int ff_conf_changed(const struct ff_conf *);
FF_API int ff_conf_time(struct ff_conf *, const char *, long *, struct ff_err *);
FF_API int ff_conf_time_ms(struct ff_conf *, const char *, long *, struct ff_err *);
FF_API long ff_time_ms(long);
FF_API int ff_conf_long(struct ff_conf *, const char *, long, long, long *, struct ff_err *);
FF_API int ff_conf_bool(struct ff_conf *, const char *, int *, struct ff_err *);
FF_API int ff_parse_time(const char *, int, long *);

#endif
