/*
 * scache.c - the connection cache engine (see scache.h)
 *
 * Two hash tables of label heads, each with a list of entries in save
 * order; a min-heap per kind on (expiry, save sequence) for timers and
 * eviction; a descriptor-indexed array to find a session by its fd.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "postfix/fdpass.h"
#include "scache/scache.h"
#include "util/siphash.h"

struct head;

struct entry {
	struct entry *next, *prev;	/* the head's list, oldest first */
	struct head *head;
	long expires;
	unsigned long seq;
	size_t hidx;			/* position in its heap */
	int fd;				/* sessions; -1 for bindings */
	char *prop;
	char *endp;			/* bindings: the endpoint label */
	char data[];
};

struct head {
	struct head *hnext;		/* hash chain */
	uint64_t hash;
	struct entry *first, *last;
	size_t len;
	char label[];
};

struct table {
	struct head **b;
	size_t nb, count;
};

struct heap {
	struct entry **e;
	size_t n, cap;
};

struct ff_scache {
	struct table dest, endp;
	struct heap sess, bind;
	size_t max_sess, max_bind, bytes;
	unsigned long seq;
	struct ff_siphash_key key;	/* the tables' hash key, random */
	struct entry **byfd;		/* sessions by descriptor */
	size_t nbyfd;
	void (*hook)(void *, int, int);
	void *hctx;
	char *dprop, *eprop;		/* what the last find returned */
	size_t dcap, ecap;
	struct ff_scache_stats st;
};

/* ---------------------------------------------------------------- hashing */

static uint64_t
hash(const struct ff_scache *c, const char *s, size_t len)
{
	return ff_siphash(&c->key, s, len);
}

static struct head **
slot(struct table *t, uint64_t h, const char *label, size_t len)
{
	struct head **p = &t->b[h & (t->nb - 1)];

	for (; *p; p = &(*p)->hnext)
		if ((*p)->hash == h && (*p)->len == len && memcmp((*p)->label, label, len) == 0)
			break;
	return p;
}

static int
grow_table(struct table *t)
{
	size_t nb = t->nb ? t->nb * 2 : 64;
	struct head **b = calloc(nb, sizeof(*b)), *h, *next;

	if (b == NULL)
		return -1;
	for (size_t i = 0; i < t->nb; i++)
		for (h = t->b[i]; h; h = next) {
			next = h->hnext;
			h->hnext = b[h->hash & (nb - 1)];
			b[h->hash & (nb - 1)] = h;
		}
	free(t->b);
	t->b = b;
	t->nb = nb;
	return 0;
}

static struct head *
lookup(struct ff_scache *c, struct table *t, const char *label)
{
	size_t len = strlen(label);

	if (t->nb == 0)
		return NULL;
	return *slot(t, hash(c, label, len), label, len);
}

static struct head *
lookup_add(struct ff_scache *c, struct table *t, const char *label)
{
	size_t len = strlen(label);
	uint64_t h = hash(c, label, len);
	struct head **p, *hd;

	if (t->count >= t->nb && grow_table(t) < 0)
		return NULL;
	if (*(p = slot(t, h, label, len)))
		return *p;
	if ((hd = malloc(sizeof(*hd) + len + 1)) == NULL)
		return NULL;
	hd->hnext = NULL;
	hd->hash = h;
	hd->first = hd->last = NULL;
	hd->len = len;
	memcpy(hd->label, label, len + 1);
	*p = hd;
	t->count++;
	c->bytes += sizeof(*hd) + len + 1;
	return hd;
}

static void
unlink_head(struct ff_scache *c, struct table *t, struct head *hd)
{
	struct head **p = slot(t, hd->hash, hd->label, hd->len);

	*p = hd->hnext;
	t->count--;
	c->bytes -= sizeof(*hd) + hd->len + 1;
	free(hd);
}

/* ------------------------------------------------------------------ heaps */

static int
before(const struct entry *a, const struct entry *b)
{
	return a->expires < b->expires || (a->expires == b->expires && a->seq < b->seq);
}

static void
heap_set(struct heap *h, size_t i, struct entry *e)
{
	h->e[i] = e;
	e->hidx = i;
}

static void
heap_up(struct heap *h, size_t i)
{
	struct entry *e = h->e[i];

	while (i > 0 && before(e, h->e[(i - 1) / 2])) {
		heap_set(h, i, h->e[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(h, i, e);
}

static void
heap_down(struct heap *h, size_t i)
{
	struct entry *e = h->e[i];
	size_t k;

	while ((k = 2 * i + 1) < h->n) {
		if (k + 1 < h->n && before(h->e[k + 1], h->e[k]))
			k++;
		if (!before(h->e[k], e))
			break;
		heap_set(h, i, h->e[k]);
		i = k;
	}
	heap_set(h, i, e);
}

static int
heap_push(struct heap *h, struct entry *e)
{
	if (h->n == h->cap) {
		size_t ncap = h->cap ? h->cap * 2 : 64;
		struct entry **ne = reallocarray(h->e, ncap, sizeof(*ne));

		if (ne == NULL)
			return -1;
		h->e = ne;
		h->cap = ncap;
	}
	h->e[h->n] = e;
	e->hidx = h->n++;
	heap_up(h, e->hidx);
	return 0;
}

static void
heap_remove(struct heap *h, struct entry *e)
{
	size_t i = e->hidx;

	if (--h->n == i)
		return;
	heap_set(h, i, h->e[h->n]);
	heap_down(h, i);
	heap_up(h, h->e[i]->hidx);
}

/* ---------------------------------------------------------------- entries */

struct ff_scache *
ff_scache_new(size_t max_sessions, size_t max_bindings)
{
	struct ff_scache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->max_sess = max_sessions;
	c->max_bind = max_bindings;
	ff_siphash_key(&c->key);
	return c;
}

void
ff_scache_watch(struct ff_scache *c, void (*hook)(void *, int, int), void *ctx)
{
	c->hook = hook;
	c->hctx = ctx;
}

static size_t
entry_size(const struct entry *e)
{
	return sizeof(*e) + strlen(e->prop) + 1 + (e->endp ? strlen(e->endp) + 1 : 0);
}

/* take - remove entry e from its list, heap and table (the caller owns it) */
static void
take(struct ff_scache *c, struct entry *e)
{
	struct head *hd = e->head;
	int session = e->fd >= 0;

	if (e->prev)
		e->prev->next = e->next;
	else
		hd->first = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		hd->last = e->prev;
	heap_remove(session ? &c->sess : &c->bind, e);
	c->bytes -= entry_size(e);
	if (session) {
		c->byfd[e->fd] = NULL;
		if (c->hook)
			c->hook(c->hctx, e->fd, 0);
	}
	if (hd->first == NULL)
		unlink_head(c, session ? &c->endp : &c->dest, hd);
}

/* discard - remove entry e and close its descriptor */
static void
discard(struct ff_scache *c, struct entry *e)
{
	int fd = e->fd;

	take(c, e);
	ff_fd_close(fd);
	free(e);
}

static struct entry *
new_entry(const char *prop, const char *endp)
{
	size_t plen = strlen(prop), elen = endp ? strlen(endp) + 1 : 0;
	struct entry *e = malloc(sizeof(*e) + plen + 1 + elen);

	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->prop = e->data;
	memcpy(e->prop, prop, plen + 1);
	if (endp) {
		e->endp = e->data + plen + 1;
		memcpy(e->endp, endp, elen);
	}
	return e;
}

static int
enter(struct ff_scache *c, struct table *t, struct heap *h, const char *label,
    struct entry *e)
{
	struct head *hd;

	if ((hd = lookup_add(c, t, label)) == NULL || heap_push(h, e) < 0) {
		if (hd && hd->first == NULL)
			unlink_head(c, t, hd);
		free(e);
		errno = ENOMEM;
		return -1;
	}
	e->head = hd;
	e->prev = hd->last;
	e->next = NULL;
	if (hd->last)
		hd->last->next = e;
	else
		hd->first = e;
	hd->last = e;
	c->bytes += entry_size(e);
	return 0;
}

int
ff_scache_save_endp(struct ff_scache *c, long now, long ttl, const char *endp,
    const char *prop, int fd)
{
	struct entry *e;

	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if ((size_t)fd >= c->nbyfd) {
		size_t n = c->nbyfd ? c->nbyfd : 256;
		struct entry **nb;

		while (n <= (size_t)fd)
			n *= 2;
		if ((nb = reallocarray(c->byfd, n, sizeof(*nb))) == NULL)
			return -1;
		memset(nb + c->nbyfd, 0, (n - c->nbyfd) * sizeof(*nb));
		c->byfd = nb;
		c->nbyfd = n;
	}
	if (c->byfd[fd])		/* the caller reused a cached number: impossible */
		discard(c, c->byfd[fd]);
	if ((e = new_entry(prop, NULL)) == NULL)
		return -1;
	e->fd = fd;
	e->expires = now + ttl;
	e->seq = ++c->seq;
	if (c->max_sess && c->sess.n >= c->max_sess) {
		c->st.evicted++;
		discard(c, c->sess.e[0]);
	}
	if (enter(c, &c->endp, &c->sess, endp, e) < 0)
		return -1;
	c->byfd[fd] = e;
	if (c->hook)
		c->hook(c->hctx, fd, 1);
	return 0;
}

/* gone - has the peer of a cached connection hung up? */
static int
gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

static int
keep(char **buf, size_t *cap, const char *s)
{
	size_t len = strlen(s) + 1;

	if (len > *cap) {
		char *nb = realloc(*buf, len);

		if (nb == NULL)
			return -1;
		*buf = nb;
		*cap = len;
	}
	memcpy(*buf, s, len);
	return 0;
}

static int
find_endp(struct ff_scache *c, const char *endp)
{
	struct head *hd;
	struct entry *e;
	int fd;

	while ((hd = lookup(c, &c->endp, endp)) != NULL) {
		e = hd->first;
		if (gone(e->fd)) {
			c->st.hungup++;
			discard(c, e);
			continue;
		}
		if (keep(&c->eprop, &c->ecap, e->prop) < 0)
			return -1;
		fd = e->fd;
		take(c, e);
		free(e);
		return fd;
	}
	return -1;
}

int
ff_scache_find_endp(struct ff_scache *c, const char *endp, const char **prop)
{
	int fd = find_endp(c, endp);

	*prop = fd >= 0 ? c->eprop : "";
	return fd;
}

int
ff_scache_save_dest(struct ff_scache *c, long now, long ttl, const char *dest,
    const char *dprop, const char *endp)
{
	struct head *hd = lookup(c, &c->dest, dest);
	struct entry *e;

	for (e = hd ? hd->first : NULL; e; e = e->next) {
		if (strcmp(e->endp, endp) == 0 && strcmp(e->prop, dprop) == 0) {
			/* refreshed: a new timer, the same place in the list */
			e->expires = now + ttl;
			e->seq = ++c->seq;
			heap_down(&c->bind, e->hidx);
			heap_up(&c->bind, e->hidx);
			return 0;
		}
	}
	if ((e = new_entry(dprop, endp)) == NULL)
		return -1;
	e->fd = -1;
	e->expires = now + ttl;
	e->seq = ++c->seq;
	if (c->max_bind && c->bind.n >= c->max_bind) {
		c->st.evicted++;
		discard(c, c->bind.e[0]);
	}
	return enter(c, &c->dest, &c->bind, dest, e);
}

int
ff_scache_find_dest(struct ff_scache *c, const char *dest, const char **dprop,
    const char **eprop)
{
	struct head *hd = lookup(c, &c->dest, dest);
	int fd;

	*dprop = *eprop = "";
	for (struct entry *e = hd ? hd->first : NULL; e; e = e->next) {
		if ((fd = find_endp(c, e->endp)) < 0)
			continue;
		if (keep(&c->dprop, &c->dcap, e->prop) < 0) {
			ff_fd_close(fd);
			return -1;
		}
		*dprop = c->dprop;
		*eprop = c->eprop;
		return fd;
	}
	return -1;
}

long
ff_scache_expire(struct ff_scache *c, long now)
{
	struct heap *hs = &c->sess, *hb = &c->bind;

	while (hs->n && hs->e[0]->expires <= now) {
		c->st.expired++;
		discard(c, hs->e[0]);
	}
	while (hb->n && hb->e[0]->expires <= now) {
		c->st.expired++;
		discard(c, hb->e[0]);
	}
	if (hs->n && hb->n)
		return hs->e[0]->expires < hb->e[0]->expires ? hs->e[0]->expires :
		    hb->e[0]->expires;
	return hs->n ? hs->e[0]->expires : hb->n ? hb->e[0]->expires : -1;
}

int
ff_scache_drop_fd(struct ff_scache *c, int fd)
{
	if (fd < 0 || (size_t)fd >= c->nbyfd || c->byfd[fd] == NULL)
		return 0;
	c->st.hungup++;
	discard(c, c->byfd[fd]);
	return 1;
}

static size_t
delete_head(struct ff_scache *c, struct head *hd)
{
	size_t n = 0;

	/* discarding the last entry frees the head */
	for (struct entry *e = hd->first, *next; e; e = next, n++) {
		next = e->next;
		discard(c, e);
	}
	return n;
}

static size_t
delete_all(struct ff_scache *c, struct table *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nb; i++)
		while (t->b[i])
			n += delete_head(c, t->b[i]);
	return n;
}

size_t
ff_scache_delete(struct ff_scache *c, int kind, const char *label)
{
	struct head *hd;
	size_t n = 0;

	if (kind & FF_SCACHE_ENDP) {
		if (label == NULL)
			n += delete_all(c, &c->endp);
		else if ((hd = lookup(c, &c->endp, label)) != NULL)
			n += delete_head(c, hd);
	}
	if (kind & FF_SCACHE_DEST) {
		if (label == NULL)
			n += delete_all(c, &c->dest);
		else if ((hd = lookup(c, &c->dest, label)) != NULL)
			n += delete_head(c, hd);
	}
	return n;
}

void
ff_scache_size(const struct ff_scache *c, struct ff_scache_size *s)
{
	s->dests = c->dest.count;
	s->endps = c->endp.count;
	s->sessions = c->sess.n;
	s->bindings = c->bind.n;
	s->bytes = c->bytes;
}

static void
walk_table(const struct table *t, int kind, void (*fn)(void *, const struct ff_scache_item *),
    void *ctx)
{
	struct ff_scache_item it = { .kind = kind };

	for (size_t i = 0; i < t->nb; i++)
		for (const struct head *hd = t->b[i]; hd; hd = hd->hnext)
			for (const struct entry *e = hd->first; e; e = e->next) {
				it.label = hd->label;
				it.prop = e->prop;
				it.endp = e->endp;
				it.fd = e->fd;
				it.expires = e->expires;
				fn(ctx, &it);
			}
}

void
ff_scache_walk(const struct ff_scache *c, void (*fn)(void *, const struct ff_scache_item *),
    void *ctx)
{
	walk_table(&c->dest, FF_SCACHE_DEST, fn, ctx);
	walk_table(&c->endp, FF_SCACHE_ENDP, fn, ctx);
}

const struct ff_scache_stats *
ff_scache_stats(const struct ff_scache *c)
{
	return &c->st;
}

void
ff_scache_free(struct ff_scache *c)
{
	if (c == NULL)
		return;
	ff_scache_delete(c, FF_SCACHE_ALL, NULL);
	free(c->dest.b);
	free(c->endp.b);
	free(c->sess.e);
	free(c->bind.e);
	free(c->byfd);
	free(c->dprop);
	free(c->eprop);
	free(c);
}
