/*
 * fmt.c - formatting into a fixed buffer, where a cut result is an error
 * (see fmt.h)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "util/fmt.h"

int
ff_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (size == 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	errno = 0;
	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		buf[0] = 0;
		errno = n < 0 ? (errno ? errno : EINVAL) : ENAMETOOLONG;
		return -1;
	}
	return n;
}
