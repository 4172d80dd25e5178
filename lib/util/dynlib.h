/*
 * dynlib.h - libraries loaded when first needed: the table libraries
 *
 * SYNOPSIS
 *	static struct { __typeof__(f) *f; ... } fn;
 *	static const struct ff_dynsym syms[] = { FF_DYNSYM(fn, f), ... };
 *	static struct ff_dynlib lib = FF_DYNLIB(FF_SONAME_X, syms);
 *
 *	int ff_dynlib_load(struct ff_dynlib *lib, struct ff_err *e);
 *
 * DESCRIPTION
 *	Most runs of a fastflush program load no table through these
 *	libraries (postmap's hash: and lmdb: files are read without them),
 *	yet mapping Berkeley DB, LMDB, tinycdb and PCRE2 at every exec cost
 *	a one-shot fflushd 1.2 ms of its 4.3 ms start (page faults and
 *	relocations), and a restart after max_use paid it again. So the modules that use them
 *	call them through a table of function pointers that
 *	ff_dynlib_load() fills from the library's SONAME on first use.
 *
 *	The SONAMEs are the ones the build linked against (the Makefile
 *	reads them from the libraries and passes FF_SONAME_DB, _LMDB,
 *	_CDB and _PCRE2); the defaults below are Debian 12's. libidn2
 *	stays linked: every site goes through it.
 *	FF_DYNSYM(fn, f) names the symbol as the header spells it after
 *	macro expansion (pcre2_compile is pcre2_compile_8).
 *
 *	ff_dynlib_load() returns 0 when every symbol of lib is there
 *	(loaded now or before), else -1 with e set (FF_CONFIG: the table
 *	type is not available on this host) and the same answer on
 *	every later call. Not thread-safe (nothing in fastflush is).
 */
#ifndef FF_DYNLIB_H
#define FF_DYNLIB_H

#include <stddef.h>

#include "util/api.h"
#include "util/status.h"

#ifndef FF_SONAME_DB
#define FF_SONAME_DB	"libdb-5.3.so"
#endif
#ifndef FF_SONAME_LMDB
#define FF_SONAME_LMDB	"liblmdb.so.0"
#endif
#ifndef FF_SONAME_CDB
#define FF_SONAME_CDB	"libcdb.so.1"
#endif
#ifndef FF_SONAME_PCRE2
#define FF_SONAME_PCRE2	"libpcre2-8.so.0"
#endif

struct ff_dynsym {
	const char *name;
	void **ptr;
};

struct ff_dynlib {
	const char *soname;
	const struct ff_dynsym *syms;
	size_t nsyms;
	int state;		/* 0 not tried, 1 loaded, -1 failed */
	char why[160];
};

#define FF_DYNSTR_(x)	#x
#define FF_DYNSTR(x)	FF_DYNSTR_(x)
#define FF_DYNSYM(tab, f)	{ FF_DYNSTR(f), (void **)&(tab).f }
#define FF_DYNLIB(soname, syms) \
	{ (soname), (syms), sizeof(syms) / sizeof((syms)[0]), 0, "" }

FF_API int ff_dynlib_load(struct ff_dynlib *, struct ff_err *);

#endif
