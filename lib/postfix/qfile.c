/*
 * qfile.c - read a Postfix queue file (see qfile.h)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postfix/qfile.h"
#include "util/sfile.h"

/* record types (Postfix's rec_type.h) */
#define R_SIZE	'C'
#define R_TIME	'T'
#define R_RCPT	'R'
#define R_DONE	'D'
#define R_DRCP	'/'
#define R_ATTR	'A'
#define R_MESG	'M'
#define R_XTRA	'X'
#define R_PTR	'p'
#define R_END	'E'

#define PTR_DATA_MAX	64	/* "%15ld" and some room */
#define TRACE_ATTR	"trace_flags="

void
ff_qfile_init(struct ff_qfile *q)
{
	memset(q, 0, sizeof(*q));
	q->fd = -1;
}

void
ff_qfile_free(struct ff_qfile *q)
{
	free(q->rcpt);
	free(q->rec);
	free(q->buf);
	ff_qfile_init(q);
}

void
ff_qfile_take(struct ff_qfile *to, struct ff_qfile *from)
{
	free(to->rcpt);
	to->arrival = from->arrival;
	to->size = from->size;
	to->trace_flags = from->trace_flags;
	to->nrcpt = from->nrcpt;
	to->ndone = from->ndone;
	to->rcpt = from->rcpt;
	to->rlen = from->rlen;
	to->rcap = from->rcap;
	from->rcpt = NULL;
	from->rlen = from->rcap = 0;
}

int
ff_qfile_open(int dirfd, const char *name, struct stat *st, const char *what,
    struct ff_err *e)
{
	int fd = ff_open_at(dirfd, name, O_RDONLY | O_NOATIME, 0, st, what, e);

	/* O_NOATIME is for the file's owner only */
	if (fd < 0 && errno == EPERM) {
		ff_err_clear(e);
		fd = ff_open_at(dirfd, name, O_RDONLY, 0, st, what, e);
	}
	if (fd < 0)
		return -1;
	if ((st->st_mode & S_IRWXU) != S_IRWXU) {
		close(fd);
		return ff_err_set(e, FF_BAD, "%s: mode %04o: not a complete queue file", what,
		    (unsigned)(st->st_mode & 07777));
	}
	return fd;
}

/* fill - make q->pos readable in the buffer; 0 at the end of the file */
static int
fill(struct ff_qfile *q, const char *what, struct ff_err *e)
{
	ssize_t n;

	if (q->pos >= q->boff && q->pos < q->boff + (off_t)q->blen)
		return 1;
	if (q->pos >= q->fsize)
		return 0;
	do
		n = pread(q->fd, q->buf, FF_QFILE_BUF, q->pos);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ff_err_sys(e, errno, "read %s", what);
	q->boff = q->pos;
	q->blen = (size_t)n;
	if (n == 0)
		q->fsize = q->pos;	/* shrank under us */
	return n > 0;
}

static int
bad(struct ff_err *e, const char *what, const char *why, off_t at)
{
	return ff_err_set(e, FF_BAD, "%s: not a complete queue file: %s at offset %lld", what,
	    why, (long long)at);
}

/* get_byte - the byte at q->pos, or -1 (end of file) or -2 (read error) */
static int
get_byte(struct ff_qfile *q, const char *what, struct ff_err *e)
{
	int r = fill(q, what, e);

	if (r <= 0)
		return r == 0 ? -1 : -2;
	return (unsigned char)q->buf[q->pos++ - q->boff];
}

/* keep - copy the next len bytes into q->rec, NUL-terminated */
static int
keep(struct ff_qfile *q, size_t len, const char *what, struct ff_err *e)
{
	size_t got = 0, n;
	char *nb;

	if (len + 1 > q->reccap) {
		size_t cap = q->reccap ? q->reccap : 256;

		while (cap < len + 1)
			cap *= 2;
		if ((nb = realloc(q->rec, cap)) == NULL)
			return ff_err_sys(e, ENOMEM, "%s", what);
		q->rec = nb;
		q->reccap = cap;
	}
	while (got < len) {
		int r = fill(q, what, e);

		if (r <= 0)
			return r < 0 ? -1 : bad(e, what, "record data past the end", q->pos);
		n = (size_t)(q->boff + (off_t)q->blen - q->pos);
		if (n > len - got)
			n = len - got;
		memcpy(q->rec + got, q->buf + (q->pos - q->boff), n);
		q->pos += (off_t)n;
		got += n;
	}
	q->rec[len] = 0;
	q->reclen = len;
	return 0;
}

/* add_rcpt - remember a recipient address, up to its first NUL */
static int
add_rcpt(struct ff_qfile *q, const char *what, struct ff_err *e)
{
	size_t len = strlen(q->rec);
	char *nb;

	if (q->rlen + len + 1 > q->rcap) {
		size_t cap = q->rcap ? q->rcap : 1024;

		while (cap < q->rlen + len + 1)
			cap *= 2;
		if ((nb = realloc(q->rcpt, cap)) == NULL)
			return ff_err_sys(e, ENOMEM, "%s", what);
		q->rcpt = nb;
		q->rcap = cap;
	}
	memcpy(q->rcpt + q->rlen, q->rec, len + 1);
	q->rlen += len + 1;
	q->nrcpt++;
	return 0;
}

/*
 * number - leading blanks, then decimal digits (what follows them is
 * ignored unless whole is set: then there must be nothing)
 */
static int
number(const char *s, long long *out, int whole)
{
	long long v = 0;

	s += strspn(s, " \t");
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (LLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (whole && *s != 0)
		return -1;
	*out = v;
	return 0;
}

/* size_record - the first field of a C record, as showq takes it */
static void
size_record(struct ff_qfile *q, int *size_ok)
{
	long long v;

	if (*size_ok)
		return;
	/* showq: only digits and spaces, then the first number */
	if (q->rec[strspn(q->rec, "0123456789 ")] == 0 && number(q->rec, &v, 0) == 0) {
		q->size = v;
		*size_ok = 1;
	}
}

int
ff_qfile_read(struct ff_qfile *q, int fd, const struct stat *st, const char *what,
    struct ff_err *e)
{
	off_t start = 0, last_jump = 0, walked = 0;
	unsigned long backward = 0;
	int type, b, size_ok = 0, time_ok = 0;
	long long v;
	size_t len;

	if (q->buf == NULL && (q->buf = malloc(FF_QFILE_BUF)) == NULL)
		return ff_err_sys(e, ENOMEM, "read %s", what);
	q->fd = fd;
	q->fsize = st->st_size;
	q->pos = 0;
	q->boff = 0;
	q->blen = 0;
	q->arrival = (long long)st->st_mtime;
	q->size = (long long)st->st_size;
	q->trace_flags = 0;
	q->nrcpt = q->ndone = 0;
	q->rlen = 0;
	for (;; walked += q->pos > start ? q->pos - start : 1) {
		/* a well-formed file is walked once; pointers cannot make it more than twice */
		if (walked > 2 * q->fsize + 4096)
			return bad(e, what, "pointer loop", q->pos);
		start = q->pos;
		if ((type = get_byte(q, what, e)) < 0)
			return type == -2 ? -1 : bad(e, what, "no end record", start);
		len = 0;
		for (unsigned shift = 0;; shift += 7) {
			if (shift + 7 >= 32)
				return bad(e, what, "record length too long", start);
			if ((b = get_byte(q, what, e)) < 0)
				return b == -2 ? -1 : bad(e, what, "record length past the end", start);
			len |= (size_t)(b & 0177) << shift;
			if ((b & 0200) == 0)
				break;
		}
		if ((off_t)len > q->fsize - q->pos)
			return bad(e, what, "record length past the end", start);
		switch (type) {
		case R_END:
			return 0;
		case R_RCPT:
		case R_TIME:
		case R_SIZE:
		case R_ATTR:
		case R_PTR:
			if (len > (type == R_PTR ? PTR_DATA_MAX : FF_QREC_MAX))
				return bad(e, what, "record too long", start);
			if (keep(q, len, what, e) < 0)
				return -1;
			break;
		default:
			q->pos += (off_t)len;	/* not read: content, sender, ... */
			if (type == R_DONE || type == R_DRCP)
				q->ndone++;
			if (type == R_MESG && size_ok && q->size <= q->fsize - q->pos) {
				/* jump over the content when the X record is where C says */
				off_t save = q->pos;

				q->pos += (off_t)q->size;
				if (get_byte(q, what, e) != R_XTRA)
					q->pos = save;
				else
					q->pos--;
			}
			continue;
		}
		switch (type) {
		case R_RCPT:
			if (add_rcpt(q, what, e) < 0)
				return -1;
			break;
		case R_TIME:
			/* the first one counts (showq) */
			if (!time_ok && number(q->rec, &v, 0) == 0) {
				q->arrival = v;
				time_ok = 1;
			}
			break;
		case R_SIZE:
			size_record(q, &size_ok);
			break;
		case R_ATTR:
			if (strncmp(q->rec, TRACE_ATTR, sizeof(TRACE_ATTR) - 1) == 0 &&
			    number(q->rec + sizeof(TRACE_ATTR) - 1, &v, 1) == 0 && v <= UINT_MAX)
				q->trace_flags = (unsigned)v;
			break;
		case R_PTR:
			/* blanks, then digits to the end (as Postfix's rec_goto) */
			if (number(q->rec, &v, 1) < 0)
				return bad(e, what, "malformed pointer record", start);
			if (v == 0)
				break;	/* a place held for later */
			if (v >= q->fsize)
				return bad(e, what, "pointer past the end", start);
			if ((off_t)v <= last_jump && ++backward > FF_QREC_JUMPS)
				return bad(e, what, "too many backward pointers", start);
			last_jump = (off_t)v;
			q->pos = (off_t)v;
			break;
		}
	}
}

const char *
ff_qfile_rcpt(const struct ff_qfile *q, size_t *pos)
{
	const char *r;

	if (*pos >= q->rlen)
		return NULL;
	r = q->rcpt + *pos;
	*pos += strlen(r) + 1;
	return r;
}

int
ff_qfile_load(struct ff_qfile *q, int dirfd, const char *id, const char *queue,
    struct stat *st, struct ff_err *e)
{
	char what[FF_QFILE_WHAT];
	int fd, rc;

	snprintf(what, sizeof(what), "%s/%s", queue, id);
	if ((fd = ff_qfile_open(dirfd, id, st, what, e)) < 0)
		return e != NULL && e->errnum == ENOENT ? 0 : -1;
	rc = ff_qfile_read(q, fd, st, what, e);
	close(fd);
	return rc < 0 ? -1 : 1;
}
