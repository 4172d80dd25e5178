/*
 * api.h - what the shared library exports
 *
 * SYNOPSIS
 *	#include "util/api.h"
 *
 *	FF_API int ff_example(void);
 *
 * DESCRIPTION
 *	The library is built with -fvisibility=hidden: only declarations
 *	marked FF_API in the installed headers are exported from
 *	libfastflush.so, each documented in its header's SYNOPSIS (tests/api.py
 *	checks both). Everything else, the server internals
 *	included, can change without breaking a program linked against it.
 */
#ifndef FF_API_H
#define FF_API_H

#define FF_API	__attribute__((visibility("default")))

#endif
