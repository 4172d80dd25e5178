/*
 * attr0.c - Postfix's attribute lists, "0" encoding, with hard limits
 *
 * See attr0.h. The reader keeps everything it has read in one buffer
 * and hands out strings in place; the buffer only grows up to
 * max_total, so a hostile peer costs at most that much memory.
 */
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "postfix/attr0.h"

#define AIN_CHUNK	4096

void
ff_ain_init(struct ff_ain *in, int fd, long timeout_ms, size_t max_string, size_t max_total)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->max_string = max_string;
	in->max_total = max_total;
	in->deadline = timeout_ms < 0 ? -1 : ff_now_ms() + timeout_ms;
}

void
ff_ain_free(struct ff_ain *in)
{
	free(in->buf);
	in->buf = NULL;
	in->pos = in->len = in->cap = 0;
}

/* ff_ain_wait - wait until the descriptor is readable: 1, or -1 on time-out */
int
ff_ain_wait(struct ff_ain *in)
{
	struct pollfd pfd = { .fd = in->fd, .events = POLLIN };
	long left;
	int r;

	for (;;) {
		left = in->deadline < 0 ? -1 : in->deadline - ff_now_ms();
		if (in->deadline >= 0 && left < 0)
			left = 0;
		r = poll(&pfd, 1, ff_poll_ms(left));
		if (r > 0)
			return 1;
		if (r == 0 && (in->deadline < 0 || ff_now_ms() < in->deadline))
			continue;	/* a wait longer than INT_MAX ms */
		if (r == 0) {
			in->timedout = 1;
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR) {
			in->err = errno;
			return -1;
		}
	}
}

int
ff_ain_fill(struct ff_ain *in)
{
	size_t want;
	ssize_t n;
	char *nb;

	if (in->eof)
		return 0;
	if (in->over || in->timedout || in->err)
		return -1;
	if (in->fd < 0) {
		in->starved = 1;	/* a reader over memory: the rest has not come yet */
		return -1;
	}
	if (in->total >= in->max_total) {
		in->over = 1;
		return -1;
	}
	/* drop what has been consumed only when nobody can point into it */
	if (in->cap - in->len < AIN_CHUNK) {
		/* saturating: max_total may be SIZE_MAX (no limit) */
		size_t ncap = in->cap == 0 ? AIN_CHUNK :
		    in->cap > SIZE_MAX / 2 ? SIZE_MAX : in->cap * 2;
		size_t limit = in->max_total > SIZE_MAX - 2 ? SIZE_MAX : in->max_total + 2;

		if (ncap > limit)
			ncap = limit;
		if (ncap < in->len + 2)
			ncap = in->len + 2;
		if (ncap > in->cap) {
			if ((nb = realloc(in->buf, ncap)) == NULL) {
				in->err = errno;
				return -1;
			}
			in->buf = nb;
			in->cap = ncap;
		}
	}
	want = in->cap - in->len - 1;	/* a spare byte to terminate in place */
	if (want > in->max_total - in->total)
		want = in->max_total - in->total;
	if (want == 0) {
		in->over = 1;
		return -1;
	}
	for (;;) {
		if (!in->ready && ff_ain_wait(in) < 0)
			return -1;
		in->ready = 0;
		n = read(in->fd, in->buf + in->len, want);
		if (n > 0)
			break;
		if (n == 0) {
			in->eof = 1;
			return 0;
		}
		if (errno == EINTR || errno == EAGAIN)
			continue;
		if (errno == ECONNRESET) {
			in->eof = 1;
			return 0;
		}
		in->err = errno;
		return -1;
	}
	in->len += (size_t)n;
	in->total += (size_t)n;
	return (int)n;
}

int
ff_ain_string(struct ff_ain *in, struct ff_str *s)
{
	size_t scanned = in->pos;
	char *nul;
	int r;

	s->p = NULL;
	s->len = 0;
	s->eof = 0;
	for (;;) {
		nul = memchr(in->buf + scanned, 0, in->len - scanned);
		if (nul) {
			s->p = in->buf + in->pos;
			s->len = (size_t)(nul - s->p);
			in->pos = (size_t)(nul - in->buf) + 1;
			if (s->len > in->max_string) {
				in->over = 1;
				return -1;
			}
			return 1;
		}
		scanned = in->len;
		if (in->len - in->pos > in->max_string) {
			in->over = 1;
			return -1;
		}
		if ((r = ff_ain_fill(in)) > 0)
			continue;
		if (r < 0)
			return -1;
		/* end of input */
		if (in->len == in->pos)
			return 0;
		in->buf[in->len] = 0;	/* ff_ain_fill() leaves a spare byte */
		s->p = in->buf + in->pos;
		s->len = in->len - in->pos;
		s->eof = 1;
		in->pos = in->len;
		return -1;
	}
}

void
ff_str_free(struct ff_str *s)
{
	free(s->p);
	s->p = NULL;
	s->len = 0;
}

/* copy - a value that survives later reads */
static int
copy(struct ff_ain *in, struct ff_str *dst, const struct ff_str *src)
{
	if ((dst->p = malloc(src->len + 1)) == NULL) {
		in->err = errno;
		return -1;
	}
	memcpy(dst->p, src->p, src->len);
	dst->p[src->len] = 0;
	dst->len = src->len;
	dst->eof = 0;
	return 0;
}

int
ff_attr_scan(struct ff_ain *in, int more, const char *const *names, size_t n,
    struct ff_str *values)
{
	struct ff_str name, value;
	size_t got = 0;
	int r;

	for (size_t i = 0; i < n; i++)
		values[i].p = NULL, values[i].len = 0;
	/* at the end of input before the first byte: nothing converted */
	if (in->pos == in->len && (r = ff_ain_fill(in)) <= 0)
		return r == 0 ? 0 : -1;
	for (;;) {
		if (got == n && more)
			return (int)got;
		if ((r = ff_ain_string(in, &name)) <= 0)
			return -1;
		if (name.len == 0)
			return (int)got;	/* the list's end (wanted ones missing?) */
		if (got == n || strlen(names[got]) != name.len ||
		    memcmp(names[got], name.p, name.len) != 0)
			return (int)got;	/* an extra attribute: strict stops here */
		if (ff_ain_string(in, &value) <= 0)
			return -1;
		if (copy(in, &values[got], &value) < 0)
			return -1;
		got++;
	}
}

int
ff_attr_number(const char *s, unsigned *value)
{
	unsigned long v = 0;
	int neg = 0, over = 0;
	const char *p = s;

	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (ULONG_MAX - d) / 10)
			over = 1;
		else
			v = v * 10 + d;
	}
	if (*p != 0)
		return -1;
	if (over)
		v = ULONG_MAX;
	else if (neg)
		v = -v;
	*value = (unsigned)v;
	return 0;
}

/* ---------------------------------------------------------------- output */

static void
aout_add(struct ff_aout *o, const char *s, size_t len)
{
	char *nb;
	size_t ncap;

	if (o->cap == (size_t)-1)
		return;		/* an earlier allocation failed */
	if (o->len + len + 1 > o->cap) {
		ncap = o->cap ? o->cap : 64;
		while (ncap < o->len + len + 1)
			ncap *= 2;
		if ((nb = realloc(o->buf, ncap)) == NULL) {
			free(o->buf);
			o->buf = NULL;
			o->len = 0;
			o->cap = (size_t)-1;
			return;
		}
		o->buf = nb;
		o->cap = ncap;
	}
	memcpy(o->buf + o->len, s, len);
	o->len += len;
	o->buf[o->len++] = 0;
}

void
ff_aout_put(struct ff_aout *o, const char *name, const char *value)
{
	aout_add(o, name, strlen(name));
	aout_add(o, value, strlen(value));
}

void
ff_aout_num(struct ff_aout *o, const char *name, int value)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", (unsigned)value);
	ff_aout_put(o, name, num);
}

void
ff_aout_end(struct ff_aout *o)
{
	aout_add(o, "", 0);
}

int
ff_aout_write(struct ff_aout *o, int fd, long timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	long deadline = timeout_ms < 0 ? -1 : ff_now_ms() + timeout_ms;
	size_t off = 0;
	ssize_t n;
	long left;
	int r;

	if (o->cap == (size_t)-1) {
		o->cap = 0;
		errno = ENOMEM;
		return -1;
	}
	while (off < o->len) {
		/* a socket whose peer has gone must not raise SIGPIPE */
		n = send(fd, o->buf + off, o->len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, o->buf + off, o->len - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -1;
		left = deadline < 0 ? -1 : deadline - ff_now_ms();
		if (deadline >= 0 && left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&pfd, 1, ff_poll_ms(left));
		if (r < 0 && errno != EINTR)
			return -1;
	}
	o->len = 0;
	return 0;
}

void
ff_aout_free(struct ff_aout *o)
{
	if (o->cap != (size_t)-1)
		free(o->buf);
	o->buf = NULL;
	o->len = o->cap = 0;
}
