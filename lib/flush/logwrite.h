/*
 * logwrite.h - change a fast flush logfile so that no crash loses a line
 *
 * SYNOPSIS
 *	#define FF_KEEP_SUFFIX ".keep"
 *	int ff_log_append(int fd, off_t *size, const char *buf, size_t len,
 *	    const char *what, struct ff_err *e);
 *	int ff_log_replace(int dirfd, const char *name, int fd, const char *keep,
 *	    size_t len, const char *what, struct ff_err *e);
 *	int ff_log_recover(int dirfd, const char *name, int fd, unsigned long *ids,
 *	    const char *what, struct ff_err *e);
 *	size_t ff_log_record_base(const char *name, size_t len);
 *	int ff_log_line(char **buf, size_t *len, size_t *cap, const char *id,
 *	    size_t n);
 *
 * DESCRIPTION
 *	The rules every writer of a logfile follows (all under the log's
 *	exclusive flock(2)); the argument that they are enough is in
 *	logwrite.c.
 *
 *	ff_log_append() appends len bytes of complete lines at *size (the
 *	log's size, read under the lock; the log must not be open with
 *	O_APPEND) and advances *size. A log that ends without a newline (a
 *	crash elsewhere) first gets one. The last byte, a newline, is
 *	written first, then the rest in front of it, so the log ends with a
 *	newline at every instant. A failed write is cut back.
 *
 *	ff_log_replace() makes the log hold exactly the lines keep (len
 *	bytes, complete lines, at most a few more bytes than the log has).
 *	len 0 is a plain truncation. Otherwise the lines go first to the
 *	side record NAME.keep next to the log, synced with its directory,
 *	then into the log in place, which is synced before the record is
 *	removed. The caller must have recovered any earlier record first
 *	(ff_log_recover()); a record in the way is an error.
 *
 *	ff_log_recover() puts back what a crashed replace left: the
 *	complete queue-ID lines of NAME.keep are appended to the log, the
 *	log is synced, the record removed. 0 when there is none, 1 when it
 *	was replayed (ids: how many lines).
 *
 *	ff_log_record_base() gives the length of the log name that a
 *	record name belongs to ("example_com.keep" -> 11), or 0 when name
 *	is not a record's.
 *
 *	ff_log_line() appends the line id (n bytes) and its newline to the
 *	growing buffer *buf (*len bytes used of *cap; start with NULL, 0, 0;
 *	the caller frees it): how the lines a rewrite keeps are gathered.
 *	-1 when memory runs out (the buffer is unchanged).
 *
 * DIAGNOSTICS
 *	-1 with the error set (a system error). After a failure of
 *	ff_log_replace() the record may stay: the next recovery replays it.
 */
#ifndef FF_LOGWRITE_H
#define FF_LOGWRITE_H

#include <sys/types.h>

#include "util/api.h"
#include "util/status.h"

#define FF_KEEP_SUFFIX	".keep"

FF_API int ff_log_append(int, off_t *, const char *, size_t, const char *, struct ff_err *);
FF_API int ff_log_replace(int, const char *, int, const char *, size_t, const char *,
    struct ff_err *);
FF_API int ff_log_recover(int, const char *, int, unsigned long *, const char *, struct ff_err *);
FF_API size_t ff_log_record_base(const char *, size_t);
FF_API int ff_log_line(char **, size_t *, size_t *, const char *, size_t);

#endif
