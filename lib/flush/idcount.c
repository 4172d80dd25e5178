/*
 * idcount.c - distinct queue IDs in bounded memory: sorted runs (see idcount.h)
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flush/idcount.h"
#include "postfix/qid.h"

int
ff_idcount_init(struct ff_idcount *c, size_t max_held)
{
	memset(c, 0, sizeof(*c));
	c->max_held = max_held ? max_held : FF_IDCOUNT_HELD;
	return ff_map_init(&c->held, 0);
}

static int
cmp_ids(const char *a, size_t alen, const char *b, size_t blen)
{
	int d = memcmp(a, b, alen < blen ? alen : blen);

	return d ? d : (alen > blen) - (alen < blen);
}

static const struct ff_map *sort_map;	/* qsort has no context argument */

static int
cmp_ent(const void *x, const void *y)
{
	const struct ff_map_ent *a = &sort_map->ent[*(const size_t *)x];
	const struct ff_map_ent *b = &sort_map->ent[*(const size_t *)y];

	return cmp_ids(a->key, a->len, b->key, b->len);
}

/* spill - the IDs held become one sorted run of the temporary file */
static int
spill(struct ff_idcount *c)
{
	size_t n = c->held.count, *order;
	off_t *ends;

	if (n == 0)
		return 0;
	if (c->tmp == NULL && (c->tmp = tmpfile()) == NULL)
		return -1;
	if ((ends = reallocarray(c->run_end, c->nruns + 1, sizeof(*ends))) == NULL)
		return -1;
	c->run_end = ends;
	if ((order = reallocarray(NULL, n, sizeof(*order))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	sort_map = &c->held;
	qsort(order, n, sizeof(*order), cmp_ent);
	for (size_t i = 0; i < n; i++) {
		const struct ff_map_ent *e = &c->held.ent[order[i]];
		unsigned char len = (unsigned char)e->len;
		uint64_t count = (uintptr_t)e->value;

		if (fwrite(&len, 1, 1, c->tmp) != 1 || fwrite(e->key, 1, e->len, c->tmp) != e->len ||
		    fwrite(&count, sizeof(count), 1, c->tmp) != 1)
			break;
	}
	free(order);
	if (fflush(c->tmp) != 0 || ferror(c->tmp))
		return -1;
	c->run_end[c->nruns++] = ftello(c->tmp);
	ff_map_free(&c->held);
	c->spilled = 1;
	return ff_map_init(&c->held, 0);
}

int
ff_idcount_add(struct ff_idcount *c, const char *id, size_t len)
{
	void **slot;

	if (len == 0 || len > FF_QID_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (ff_map_put(&c->held, id, len, &slot) < 0) {
		errno = ENOMEM;
		return -1;
	}
	*slot = (void *)((uintptr_t)*slot + 1);
	if (c->held.count >= c->max_held)
		return spill(c);
	return 0;
}

/* ------------------------------------------------------------ merging runs */

struct run {
	int fd;
	off_t off, end;		/* what is left of the run in the file */
	char buf[4096];
	size_t pos, len;
	char id[FF_QID_MAX + 1];	/* the current record */
	size_t idlen;
	uint64_t count;
};

static int
run_bytes(struct run *r, void *dst, size_t n)
{
	char *d = dst;

	while (n > 0) {
		if (r->pos == r->len) {
			size_t want = sizeof(r->buf);
			ssize_t got;

			if (r->off >= r->end)
				return (errno = EIO), -1;	/* a record cut short */
			if ((off_t)want > r->end - r->off)
				want = (size_t)(r->end - r->off);
			if ((got = pread(r->fd, r->buf, want, r->off)) <= 0)
				return got == 0 ? ((errno = EIO), -1) : -1;
			r->off += got;
			r->pos = 0;
			r->len = (size_t)got;
		}
		size_t k = r->len - r->pos < n ? r->len - r->pos : n;

		memcpy(d, r->buf + r->pos, k);
		r->pos += k;
		d += k;
		n -= k;
	}
	return 0;
}

/* run_next - the run's next record; 1, 0 at its end, -1 on error */
static int
run_next(struct run *r)
{
	unsigned char len;

	if (r->pos == r->len && r->off >= r->end)
		return 0;
	if (run_bytes(r, &len, 1) < 0 || len == 0 || run_bytes(r, r->id, len) < 0 ||
	    run_bytes(r, &r->count, sizeof(r->count)) < 0)
		return -1;
	r->idlen = len;
	r->id[len] = 0;
	return 1;
}

static int
run_less(const struct run *a, const struct run *b)
{
	return cmp_ids(a->id, a->idlen, b->id, b->idlen) < 0;
}

static void
heap_down(struct run **h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct run *t;

		if (l < n && run_less(h[l], h[m]))
			m = l;
		if (l + 1 < n && run_less(h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		t = h[i], h[i] = h[m], h[m] = t;
		i = m;
	}
}

/* merge - every distinct ID of the runs, counts added up, in byte order */
static int
merge(struct ff_idcount *c, ff_idcount_cb *cb, void *arg)
{
	struct run *runs = calloc(c->nruns, sizeof(*runs)), **h;
	char id[FF_QID_MAX + 1];
	size_t n = 0, idlen;
	unsigned long count;
	int r, rc = -1;

	h = calloc(c->nruns, sizeof(*h));
	if (runs == NULL || h == NULL)
		goto out;
	for (size_t i = 0; i < c->nruns; i++) {
		runs[i].fd = fileno(c->tmp);
		runs[i].off = i ? c->run_end[i - 1] : 0;
		runs[i].end = c->run_end[i];
		if ((r = run_next(&runs[i])) < 0)
			goto out;
		if (r == 1)
			h[n++] = &runs[i];
	}
	for (size_t i = n / 2; i-- > 0;)
		heap_down(h, n, i);
	while (n > 0) {
		idlen = h[0]->idlen;
		memcpy(id, h[0]->id, idlen + 1);
		count = 0;
		while (n > 0 && cmp_ids(h[0]->id, h[0]->idlen, id, idlen) == 0) {
			count += (unsigned long)h[0]->count;
			if ((r = run_next(h[0])) < 0)
				goto out;
			if (r == 0)
				h[0] = h[--n];
			heap_down(h, n, 0);
		}
		if (cb(arg, id, idlen, count) < 0)
			goto out;
	}
	rc = 0;
out:
	free(h);
	free(runs);
	return rc;
}

int
ff_idcount_walk(struct ff_idcount *c, ff_idcount_cb *cb, void *arg)
{
	if (!c->spilled) {
		for (size_t i = 0; i < c->held.count; i++)
			if (cb(arg, c->held.ent[i].key, c->held.ent[i].len,
			    (unsigned long)(uintptr_t)c->held.ent[i].value) < 0)
				return -1;
		return 0;
	}
	if (spill(c) < 0)
		return -1;
	return merge(c, cb, arg);
}

void
ff_idcount_free(struct ff_idcount *c)
{
	ff_map_free(&c->held);
	if (c->tmp != NULL)
		fclose(c->tmp);
	free(c->run_end);
	memset(c, 0, sizeof(*c));
}
