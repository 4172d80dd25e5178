/*
 * qview.c - the deferred queue per destination (see qview.h)
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flush/inspect.h"
#include "util/msg.h"
#include "flush/qdest.h"
#include "postfix/qfile.h"
#include "postfix/qread.h"
#include "flush/qview.h"
#include "postfix/site.h"

#define AGE_TICK	300	/* qshape's first bucket: 5 minutes */

/*
 * A destination while the queue is read: the record handed out (first,
 * so a pointer to it is one to this) and what only collecting needs.
 */
struct dest {
	struct ff_qview_dest pub;
	size_t msgcap;
	int wanted;
	unsigned long serial;	/* the queue file it was last counted for */
	struct ff_map *ids;	/* deferred IDs for its log -> message number << 1 | in log */
};

#define DEST(p)	((struct dest *)(p))

struct scan {
	struct ff_qview *v;
	size_t cap;		/* of v->dest */
	struct ff_map names;	/* destination name -> struct dest * */
	struct ff_map domains;	/* domain as written -> struct dest * */
	struct ff_spool *sp;
	struct ff_qdest qd;
	struct ff_qfile *qf;
	unsigned flags;
	struct ff_map only;	/* the sites asked for (canonical, and as given) */
	unsigned long serial;	/* queue files read so far */
};

static int
nomem(struct ff_err *e)
{
	return ff_err_sys(e, ENOMEM, "deferred queue view");
}

int
ff_qview_age_bucket(long long age)
{
	long long m = age / AGE_TICK;
	int b = 0;

	if (m < 1)
		return 0;
	for (; m > 0 && b < FF_QVIEW_NAGES - 1; m >>= 1)
		b++;
	return b;
}

/* canon - a site's destination name: canonical, else lowercased (malloc) */
static char *
canon(const char *site, size_t len)
{
	char ascii[FF_SITE_MAX + 1];
	struct ff_err ce = { .status = FF_OK };
	char *name;

	if (len > 0 && ff_site_canon(site, len, ascii, &ce) == 0)
		return strdup(ascii);
	if ((name = strndup(site, len)) != NULL)
		for (char *p = name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	return name;
}

/* dest_get - the entry of a destination, made on first use */
static struct dest *
dest_get(struct scan *s, const char *name, const char *log, struct ff_err *e)
{
	struct ff_qview *v = s->v;
	struct ff_qview_dest **nd;
	struct dest *d;
	void **slot;
	int r;

	if ((r = ff_map_put(&s->names, name, strlen(name), &slot)) < 0) {
		nomem(e);
		return NULL;
	}
	if (r == 0)
		return *slot;
	if (v->ndest == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;

		if ((nd = reallocarray(v->dest, cap, sizeof(*nd))) == NULL) {
			nomem(e);
			return NULL;
		}
		v->dest = nd;
		s->cap = cap;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL || (d->pub.name = strdup(name)) == NULL) {
		free(d);
		nomem(e);
		return NULL;
	}
	strlcpy(d->pub.log, log, sizeof(d->pub.log));
	d->wanted = s->only.count == 0 || ff_map_has(&s->only, name, strlen(name)) ||
	    (log[0] != 0 && ff_map_has(&s->only, log, strlen(log)));
	if (d->wanted && log[0] != 0) {
		if ((d->ids = calloc(1, sizeof(*d->ids))) == NULL || ff_map_init(d->ids, 0) < 0) {
			free(d->ids);
			free(d->pub.name);
			free(d);
			nomem(e);
			return NULL;
		}
	}
	*slot = d;
	v->dest[v->ndest++] = &d->pub;
	return d;
}

/* dest_of - the destination of a recipient, remembered per domain as written */
static struct dest *
dest_of(struct scan *s, const char *addr, struct ff_err *e)
{
	const char *at = strrchr(addr, '@'), *dom = at != NULL ? at + 1 : "";
	const char *logname;
	struct dest *d;
	size_t dlen = strlen(dom);
	void **slot;
	char *name;
	int r;

	if ((slot = ff_map_get(&s->domains, dom, dlen)) != NULL)
		return *slot;
	if ((r = ff_qdest_log(&s->qd, addr, &logname, e)) < 0)
		return NULL;
	if ((name = canon(dom, dlen)) == NULL) {
		nomem(e);
		return NULL;
	}
	d = dest_get(s, name, r == 1 ? logname : "", e);
	free(name);
	if (d == NULL)
		return NULL;
	if (ff_map_put(&s->domains, dom, dlen, &slot) < 0) {
		nomem(e);
		return NULL;
	}
	*slot = d;
	return d;
}

/* add_msg - a message of a destination kept for FF_QVIEW_IDS */
static int
add_msg(struct dest *dp, const char *id, const struct ff_qfile *qf, struct ff_err *e)
{
	struct ff_qview_dest *d = &dp->pub;
	struct ff_qview_msg *nm;

	if (d->nmsgs == dp->msgcap) {
		size_t cap = dp->msgcap ? dp->msgcap * 2 : 16;

		if ((nm = reallocarray(d->msgs, cap, sizeof(*nm))) == NULL)
			return nomem(e);
		d->msgs = nm;
		dp->msgcap = cap;
	}
	nm = &d->msgs[d->nmsgs++];
	memset(nm, 0, sizeof(*nm));
	strlcpy(nm->id, id, sizeof(nm->id));
	nm->arrival = qf->arrival;
	nm->size = qf->size;
	nm->logged = d->log[0] != 0 ? 0 : -1;
	return 0;
}

/* add_rcpt - an address of the message last kept */
static int
add_rcpt(struct ff_qview_msg *m, const char *addr, struct ff_err *e)
{
	size_t len = strlen(addr) + 1;
	char *nr;

	if ((nr = realloc(m->rcpt, m->rlen + len)) == NULL)
		return nomem(e);
	memcpy(nr + m->rlen, addr, len);
	m->rcpt = nr;
	m->rlen += len;
	m->nrcpt++;
	return 0;
}

/* count - one recipient of the queue file just read */
static int
count(struct scan *s, const char *id, size_t len, const char *addr, int probe, struct ff_err *e)
{
	struct ff_qfile *qf = s->qf;
	struct ff_qview_dest *d;
	struct dest *dp;
	void **slot;

	if ((dp = dest_of(s, addr, e)) == NULL)
		return -1;
	d = &dp->pub;
	d->recipients++;
	if (dp->serial != s->serial) {
		dp->serial = s->serial;
		if (d->messages == 0 || qf->arrival < d->oldest)
			d->oldest = qf->arrival;
		if (d->messages == 0 || qf->arrival > d->newest)
			d->newest = qf->arrival;
		d->messages++;
		d->bytes += qf->size;
		d->ages[ff_qview_age_bucket(s->v->now - qf->arrival)]++;
		if (dp->wanted && (s->flags & FF_QVIEW_IDS) && add_msg(dp, id, qf, e) < 0)
			return -1;
		if (dp->ids != NULL && !probe) {
			if (ff_map_put(dp->ids, id, len, &slot) < 0)
				return nomem(e);
			*slot = (void *)(uintptr_t)(d->nmsgs << 1);
		}
	}
	if (dp->wanted && (s->flags & FF_QVIEW_IDS))
		return add_rcpt(&d->msgs[d->nmsgs - 1], addr, e);
	return 0;
}

/* scan_one - a deferred queue file */
static int
scan_one(void *arg, const char *id, size_t len, int rc, struct ff_qfile *qf,
    const struct stat *st, const struct ff_err *qe, struct ff_err *e)
{
	struct scan *s = arg;
	const char *rcpt;
	size_t pos = 0;
	int probe;

	(void)st;
	/* gone: delivered or moved since the directory was read */
	if (rc <= 0) {
		if (rc < 0) {
			ff_msg_warn("%s; skipped", qe->msg);
			s->v->skipped++;
		}
		return 0;
	}
	s->v->files++;
	s->serial++;
	s->qf = qf;
	probe = (qf->trace_flags & (FF_QTRACE_MTA_VRFY | FF_QTRACE_USR_VRFY)) != 0;
	while ((rcpt = ff_qfile_rcpt(qf, &pos)) != NULL)
		if (count(s, id, len, rcpt, probe, e) < 0)
			return -1;
	return 0;
}

/* requested - the sites asked for that no deferred mail goes to */
static int
requested(struct scan *s, char *const *sites, size_t nsites, struct ff_err *e)
{
	struct ff_qview *v = s->v;
	const char *logname;
	char *name, *addr;
	size_t n = v->ndest;
	int found, r;

	for (size_t i = 0; i < nsites; i++) {
		if ((name = canon(sites[i], strlen(sites[i]))) == NULL)
			return nomem(e);
		found = 0;
		for (size_t j = 0; j < n && !found; j++)
			found = DEST(v->dest[j])->wanted && (strcmp(v->dest[j]->name, name) == 0 ||
			    strcmp(v->dest[j]->log, sites[i]) == 0);
		r = 0;
		if (!found && asprintf(&addr, "@%s", sites[i]) >= 0) {
			r = ff_qdest_log(&s->qd, addr, &logname, e);
			free(addr);
			if (r >= 0 && dest_get(s, name, r == 1 ? logname : "", e) == NULL)
				r = -1;
		}
		free(name);
		if (r < 0)
			return -1;
	}
	return 0;
}

struct logcheck {
	struct dest *d;
	unsigned long found;
};

static void
log_id(void *arg, const char *id, unsigned long n, int queue)
{
	struct logcheck *c = arg;
	void **slot = ff_map_get(c->d->ids, id, strlen(id));

	if (slot != NULL) {
		*slot = (void *)((uintptr_t)*slot | 1);
		c->found++;
	} else if (queue == -1) {
		c->d->pub.stale++;
	}
}

/* check_log - what the destination's logfile lists, against the queue */
static int
check_log(struct ff_spool *sp, struct dest *dp, struct ff_err *e)
{
	struct ff_qview_dest *d = &dp->pub;
	struct logcheck c = { .d = dp };
	struct ff_loginfo info;

	if (ff_show_log(sp, d->log, log_id, &c, &info, e) < 0)
		return -1;
	d->log_exists = info.exists;
	d->missing = dp->ids->count - c.found;
	for (size_t i = 0; i < dp->ids->count; i++) {
		uintptr_t val = (uintptr_t)dp->ids->ent[i].value;

		if ((val >> 1) > 0 && (val >> 1) <= d->nmsgs)
			d->msgs[(val >> 1) - 1].logged = (int)(val & 1);
	}
	return 0;
}

static int
dest_cmp(const void *a, const void *b)
{
	const struct ff_qview_dest *x = *(const struct ff_qview_dest *const *)a;
	const struct ff_qview_dest *y = *(const struct ff_qview_dest *const *)b;

	if (x->messages != y->messages)
		return x->messages > y->messages ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int
msg_cmp(const void *a, const void *b)
{
	const struct ff_qview_msg *x = a, *y = b;

	if (x->arrival != y->arrival)
		return x->arrival < y->arrival ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* dest_free - a destination and everything it holds */
static void
dest_free(struct ff_qview_dest *d)
{
	struct dest *dp = DEST(d);

	for (size_t j = 0; j < d->nmsgs; j++)
		free(d->msgs[j].rcpt);
	free(d->msgs);
	if (dp->ids != NULL) {
		ff_map_free(dp->ids);
		free(dp->ids);
	}
	free(d->name);
	free(dp);
}

/* keep_wanted - drop the destinations not asked for; sort the rest */
static void
keep_wanted(struct ff_qview *v)
{
	size_t n = 0;

	for (size_t i = 0; i < v->ndest; i++) {
		if (DEST(v->dest[i])->wanted)
			v->dest[n++] = v->dest[i];
		else
			dest_free(v->dest[i]);
	}
	v->ndest = n;
	if (v->ndest > 1)
		qsort(v->dest, v->ndest, sizeof(*v->dest), dest_cmp);
}

int
ff_qview_scan(struct ff_qview *v, struct ff_spool *sp, char *const *sites, size_t nsites,
    unsigned flags, struct ff_err *e)
{
	struct scan s = { .v = v, .sp = sp, .flags = flags };
	char *name;
	int rc = -1;

	memset(v, 0, sizeof(*v));
	v->now = (long long)time(NULL);
	if (ff_map_init(&s.names, 0) < 0 || ff_map_init(&s.domains, 0) < 0 ||
	    ff_map_init(&s.only, 0) < 0 || ff_qdest_init(&s.qd, sp) < 0) {
		ff_map_free(&s.names);
		ff_map_free(&s.domains);
		ff_map_free(&s.only);
		return nomem(e);
	}
	for (size_t i = 0; i < nsites; i++) {
		if ((name = canon(sites[i], strlen(sites[i]))) == NULL ||
		    ff_map_put(&s.only, name, strlen(name), NULL) < 0 ||
		    ff_map_put(&s.only, sites[i], strlen(sites[i]), NULL) < 0) {
			free(name);
			nomem(e);
			goto out;
		}
		free(name);
	}
	if (ff_qread(sp, FF_Q_DEFERRED, 0, scan_one, &s, &v->unreadable, e) < 0) {
		if (errno != ENOENT || e == NULL || e->status == FF_OK)
			goto out;
		ff_err_clear(e);	/* no deferred/ yet: nothing deferred */
	}
	if (requested(&s, sites, nsites, e) < 0)
		goto out;
	keep_wanted(v);
	for (size_t i = 0; i < v->ndest; i++) {
		struct ff_qview_dest *d = v->dest[i];

		/* the ID sets number the messages in the order they were read */
		if (d->log[0] != 0 && check_log(sp, DEST(d), e) < 0)
			goto out;
		if (d->nmsgs > 1)
			qsort(d->msgs, d->nmsgs, sizeof(*d->msgs), msg_cmp);
	}
	rc = 0;
out:
	ff_qdest_free(&s.qd);
	ff_map_free(&s.names);
	ff_map_free(&s.domains);
	ff_map_free(&s.only);
	return rc;
}

void
ff_qview_free(struct ff_qview *v)
{
	for (size_t i = 0; i < v->ndest; i++)
		dest_free(v->dest[i]);
	free(v->dest);
	memset(v, 0, sizeof(*v));
}
