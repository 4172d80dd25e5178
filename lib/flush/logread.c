/*
 * logread.c - read a fast flush logfile line by line (see logread.h)
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "flush/logread.h"

void
ff_logread_init(struct ff_logread *r, int fd)
{
	r->fd = fd;
	r->pos = r->len = 0;
	r->eof = 0;
}

static int
fill(struct ff_logread *r)
{
	ssize_t n;

	do
		n = read(r->fd, r->buf, sizeof(r->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	r->pos = 0;
	r->len = (size_t)n;
	if (n == 0)
		r->eof = 1;
	return 0;
}

int
ff_logread_next(struct ff_logread *r, const char **id, size_t *len, int *ok)
{
	size_t have = 0, cap = sizeof(r->line) - 1;
	int overlong = 0, any = 0;

	for (;;) {
		if (r->pos == r->len) {
			if (!r->eof && fill(r) < 0)
				return -1;
			if (r->eof)
				break;	/* a last line without newline, or nothing */
		}
		const char *start = r->buf + r->pos;
		const char *nl = memchr(start, '\n', r->len - r->pos);
		size_t n = nl ? (size_t)(nl - start) : r->len - r->pos;

		any = 1;
		/* fast path: a whole line inside the chunk, nothing carried */
		if (nl != NULL && have == 0 && !overlong) {
			r->pos += n + 1;
			*id = start;
			*len = n > cap ? cap : n;	/* as promised: never longer */
			*ok = ff_qid_ok(start, n);
			return 1;
		}
		if (have + n > cap) {
			overlong = 1;
			if (have < cap) {
				memcpy(r->line + have, start, cap - have);
				have = cap;
			}
		} else {
			memcpy(r->line + have, start, n);
			have += n;
		}
		r->pos += n;
		if (nl != NULL) {
			r->pos++;
			break;
		}
	}
	if (!any)
		return 0;
	r->line[have] = 0;
	*id = r->line;
	*len = have;
	*ok = !overlong && ff_qid_ok(r->line, have);
	return 1;
}
