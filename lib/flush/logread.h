/*
 * logread.h - read a fast flush logfile line by line
 *
 * SYNOPSIS
 *	void ff_logread_init(struct ff_logread *r, int fd);
 *	int ff_logread_next(struct ff_logread *r, const char **id, size_t *len, int *ok);
 *
 * DESCRIPTION
 *	Reads the queue IDs of a logfile from fd's current offset in
 *	large chunks. Each call returns one line (1), end of file (0) or
 *	a read error (-1, errno set). The line is returned without its
 *	newline; a last line without newline counts too. *ok tells
 *	whether the line is a valid queue ID (see qid.h); an overlong or
 *	NUL-containing line comes back with *ok = 0, cut to at most
 *	FF_QID_MAX + 1 bytes; memory never grows with line length.
 */
#ifndef FF_LOGREAD_H
#define FF_LOGREAD_H

#include <stddef.h>

#include "util/api.h"
#include "postfix/qid.h"

#define FF_LOGREAD_CHUNK 65536

struct ff_logread {
	int fd;
	size_t pos, len;
	int eof;
	char line[FF_QID_MAX + 2];
	char buf[FF_LOGREAD_CHUNK];
};

FF_API void ff_logread_init(struct ff_logread *, int);
FF_API int ff_logread_next(struct ff_logread *, const char **, size_t *, int *);

#endif
