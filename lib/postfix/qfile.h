/*
 * qfile.h - read a Postfix queue file: arrival, size, recipients not yet done
 *
 * SYNOPSIS
 *	#include "postfix/qfile.h"
 *
 *	void ff_qfile_init(struct ff_qfile *q);
 *	void ff_qfile_free(struct ff_qfile *q);
 *	int ff_qfile_open(int dirfd, const char *name, struct stat *st,
 *	    const char *what, struct ff_err *e);
 *	int ff_qfile_read(struct ff_qfile *q, int fd, const struct stat *st,
 *	    const char *what, struct ff_err *e);
 *	const char *ff_qfile_rcpt(const struct ff_qfile *q, size_t *pos);
 *	int ff_qfile_load(struct ff_qfile *q, int dirfd, const char *id,
 *	    const char *queue, struct stat *st, struct ff_err *e);
 *	void ff_qfile_take(struct ff_qfile *to, struct ff_qfile *from);
 *
 * DESCRIPTION
 *	A queue file is a sequence of records: a type byte, the data length
 *	in 7-bit groups (low group first, the high bit set on every byte but
 *	the last), then the data. The envelope (sender, recipients, arrival
 *	time) comes first, then the message content between an M and an X
 *	record, then the extracted recipients, then the E record that ends a
 *	complete file. A p record holds the offset of the next record to
 *	read (0: none); Postfix uses them to append recipients. Delivery
 *	marks a recipient done by rewriting its R type byte to D in place.
 *
 *	ff_qfile_open() opens a queue file read-only without following a
 *	symlink, without waiting on a FIFO, and without touching its access
 *	time where the caller may say so (O_NOATIME); it refuses what Postfix's
 *	queue manager would not take: anything but a regular file, a file
 *	whose owner permission bits are not rwx (still being written, or
 *	marked corrupt).
 *
 *	ff_qfile_read() reads such a file from the start and fills q:
 *	arrival (the T record's seconds, else the file's mtime), size (the
 *	message size as postqueue reports it: the first field of the C
 *	record, else the file size), trace_flags (the trace_flags attribute),
 *	the number of recipients to do (R) and done (D, and / for canceled
 *	ones), and the R addresses, each up to its first NUL. The message
 *	content is skipped with one jump when the C record is sane, and
 *	record by record otherwise; no content record is copied.
 *
 *	Nothing in the file is trusted: a length past the end of the file,
 *	an envelope record over FF_QREC_MAX bytes, a length of more than 28
 *	bits, a pointer out of the file or more than FF_QREC_JUMPS jumps
 *	backwards, or a file without its E record makes the result FF_BAD
 *	("not a complete queue file: ..."); q is then unusable. The file
 *	and its times are not changed. Memory: the recipients' addresses,
 *	one record and one read buffer.
 *
 *	ff_qfile_rcpt() walks the recipients: start with *pos = 0; NULL
 *	after the last.
 *
 *	ff_qfile_load() is open, read and close of the queue file id in
 *	directory dirfd of queue ("deferred"; for messages): 1 when q holds
 *	it, 0 when it is gone (delivered or moved since its directory was
 *	read), -1 when it cannot be read or is no complete queue file (e
 *	says which file and why; st is the file's when it was opened).
 *
 *	ff_qfile_take() moves what a read found (arrival, size, trace_flags,
 *	the counts and the recipients) from one reader to another, freeing
 *	what "to" held; "from" keeps its buffers for the next file and no
 *	recipients. A reader that only holds results this way never reads.
 */
#ifndef FF_QFILE_H
#define FF_QFILE_H

#include <sys/stat.h>
#include <sys/types.h>

#include "util/api.h"
#include "util/status.h"

#define FF_QREC_MAX	(1024 * 1024)	/* longest envelope record kept */
#define FF_QREC_JUMPS	10000		/* backward p-record jumps (Postfix's limit) */
#define FF_QFILE_BUF	16384
#define FF_QFILE_WHAT	300		/* "queue/ID" in messages */

/* trace_flags bits (Postfix's deliver_request.h): address probes */
#define FF_QTRACE_MTA_VRFY	(1u << 8)
#define FF_QTRACE_USR_VRFY	(1u << 9)

struct ff_qfile {
	long long arrival;	/* seconds */
	long long size;		/* message size, bytes */
	unsigned trace_flags;
	size_t nrcpt, ndone;
	char *rcpt;		/* NUL-terminated addresses, one after the other */
	size_t rlen, rcap;
	/* reader state */
	int fd;
	off_t fsize, pos, boff;
	size_t blen;
	char *rec;
	size_t reclen, reccap;
	char *buf;		/* FF_QFILE_BUF bytes, from the first read on */
};

FF_API void ff_qfile_init(struct ff_qfile *);
FF_API void ff_qfile_free(struct ff_qfile *);
FF_API int ff_qfile_open(int, const char *, struct stat *, const char *, struct ff_err *);
FF_API int ff_qfile_read(struct ff_qfile *, int, const struct stat *, const char *, struct ff_err *);
FF_API const char *ff_qfile_rcpt(const struct ff_qfile *, size_t *);
FF_API int ff_qfile_load(struct ff_qfile *, int, const char *, const char *, struct stat *,
    struct ff_err *);
FF_API void ff_qfile_take(struct ff_qfile *, struct ff_qfile *);

#endif
