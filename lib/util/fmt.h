/*
 * fmt.h - formatting into a fixed buffer, where a cut result is an error
 *
 * SYNOPSIS
 *	int ff_fmt(char *buf, size_t size, const char *fmt, ...);
 *
 * DESCRIPTION
 *	ff_fmt() is snprintf(3) for text that names something: a path, a
 *	socket address, a file name, a protocol field. It returns the
 *	length written, or -1 when the result did not fit (errno
 *	ENAMETOOLONG) or could not be formatted (errno from vsnprintf, or
 *	EINVAL). On failure buf holds "", never a cut name that could name
 *	something else. Every such snprintf goes through here, so that the
 *	check is made one way; the caller says what was too long.
 */
#ifndef FF_FMT_H
#define FF_FMT_H

#include "util/api.h"

#include <stddef.h>

FF_API int ff_fmt(char *, size_t, const char *, ...) __attribute__((format(printf, 3, 4)));

#endif
