/*
 * expand.h - $name expansion in main.cf values, as Postfix 3.7 does it
 *
 * SYNOPSIS
 *	typedef const char *(*ff_expand_lookup)(void *ctx, const char *name);
 *
 *	int ff_expand(const char *param, const char *text, ff_expand_lookup lookup,
 *	    void *ctx, char **result, struct ff_err *e);
 *	int ff_expand_uses(const char *const *roots, size_t nroots, const char *name,
 *	    size_t len, ff_expand_lookup lookup, void *ctx);
 *	long ff_compat_level(const char *text);
 *
 * DESCRIPTION
 *	ff_expand() expands the value text of the parameter param (the
 *	name is only for messages) into a new string *result (free() it).
 *	lookup(ctx, name) gives a parameter's value as written, before
 *	expansion, or NULL when the name is neither set nor known. The
 *	grammar is that of Postfix's mac_parse(3)/mac_expand(3) with
 *	recursion:
 *
 *	$$ is a '$'. $name, ${name}, $(name) is the value, itself
 *	expanded; a name that is not defined expands to nothing, which is
 *	not an error (Postfix reports it only as MAC_PARSE_UNDEF, which
 *	mail_conf_eval() ignores). ${name?text} is text when the value as
 *	written (not its expansion) is non-empty, ${name:text} when it is
 *	empty or undefined; ${name?{text1}:{text2}} chooses one of two. A
 *	braced operand may have white space around it; an unbraced one is
 *	the rest of the expression, white space included.
 *	${{a} OP {b}} compares two expanded operands, numerically when
 *	both are all digits, else as strings (OP: == != < <= >= >); with
 *	the suffix "level" (<level, ...) as Postfix compatibility levels
 *	(major[.minor[.patch]]). Its value is "true" or empty, and it may be
 *	followed by ?text, :text, or ?{text1}:{text2} as a name can.
 *
 *	Everything Postfix's programs stop on is an error here too (they
 *	warn, then "fatal: ... macro processing error"): a '$' without a
 *	name ("$", "$ ", "${}"), a missing closing bracket, a bad
 *	character in a name, text where ':' or the end of the expression
 *	must be, a bad operator or suffix, a malformed compatibility
 *	level, and nesting deeper than Postfix's limit of about 100 levels.
 *	A parameter that refers to itself, directly or through others, is
 *	reported as such, where Postfix reaches the nesting limit (or,
 *	through a comparison operand, never ends). Beyond Postfix,
 *	expansions that would take more than FF_EXPAND_WORK steps or give
 *	more than FF_EXPAND_MAX bytes fail, where Postfix would grow
 *	without bound.
 *
 *	ff_expand_uses() tells whether the values of roots depend on the
 *	parameter name (len bytes): 1 when name is one of the roots, or is
 *	referred to by their values, by the values of what those refer to,
 *	and so on (the names tested by ${name?...} and ${name:...} count,
 *	but the text of their values is not followed, since only its
 *	emptiness matters), in any branch of a condition; 0 otherwise.
 *
 *	ff_compat_level() converts a compatibility level to one number
 *	that orders levels as Postfix does, or returns -1 when the text is
 *	not major[.minor[.patch]] (Postfix's "malformed compatibility level
 *	syntax").
 *
 * DIAGNOSTICS
 *	ff_expand() returns -1 with FF_CONFIG and a message of the form
 *	"parameter NAME: what went wrong" (plus "(in the value of $other)"
 *	when the fault is in a value it refers to), or a system error when
 *	memory runs out.
 */
#ifndef FF_EXPAND_H
#define FF_EXPAND_H

#include <stddef.h>

#include "util/api.h"
#include "util/status.h"

#define FF_EXPAND_DEPTH	100		/* Postfix's nesting limit */
#define FF_EXPAND_WORK	100000		/* expressions per expansion */
#define FF_EXPAND_MAX	(1 << 20)	/* bytes in a result */

typedef const char *(*ff_expand_lookup)(void *, const char *);

FF_API int ff_expand(const char *, const char *, ff_expand_lookup, void *, char **, struct ff_err *);
FF_API int ff_expand_uses(const char *const *, size_t, const char *, size_t, ff_expand_lookup,
    void *);
FF_API long ff_compat_level(const char *);

#endif
