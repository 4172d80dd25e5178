/*
 * line.h - read lines of text with a bound on their length
 *
 * SYNOPSIS
 *	int ff_line_read(FILE *fp, char *buf, size_t size, size_t *len);
 *
 * DESCRIPTION
 *	ff_line_read() reads the next line of fp into buf (size bytes,
 *	at least 2), without its newline, NUL-terminated, and its length
 *	into *len. A line that does not fit (more than size - 1 bytes
 *	before its newline) is read to its end and thrown away, so the
 *	memory a reader needs is size, whatever its input: the caller's
 *	buffer is all there is. A last line without a newline counts.
 *
 * DIAGNOSTICS
 *	1: a line; FF_LINE_LONG (2): a line too long, skipped (buf holds
 *	its start); 0: end of input; -1: a read error (errno).
 */
#ifndef FF_LINE_H
#define FF_LINE_H

#include "util/api.h"

#include <stddef.h>
#include <stdio.h>

#define FF_LINE_LONG	2

FF_API int ff_line_read(FILE *, char *, size_t, size_t *);

#endif
