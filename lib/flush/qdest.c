/*
 * qdest.c - the logfile a deferred recipient goes to (see qdest.h)
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "flush/qdest.h"
#include "postfix/policy.h"
#include "postfix/qid.h"

int
ff_qdest_init(struct ff_qdest *d, struct ff_spool *sp)
{
	d->sp = sp;
	if (ff_map_init(&d->domains, FF_QDEST_CACHE) < 0)
		return -1;
	if (ff_map_init(&d->names, FF_QDEST_CACHE) < 0) {
		ff_map_free(&d->domains);
		return -1;
	}
	return 0;
}

void
ff_qdest_free(struct ff_qdest *d)
{
	ff_map_free(&d->domains);
	ff_map_free(&d->names);
}

/* forget - the cache is full: start again (lognames handed out die too) */
static int
forget(struct ff_qdest *d)
{
	ff_qdest_free(d);
	return ff_qdest_init(d, d->sp);
}

int
ff_qdest_log(struct ff_qdest *d, const char *addr, const char **logname, struct ff_err *e)
{
	char name[FF_QID_MAX + 1];
	const char *dom = strrchr(addr, '@');
	size_t dlen;
	void **slot;
	int r;

	*logname = NULL;
	if (dom == NULL || *++dom == 0)
		return 0;
	dlen = strlen(dom);
	if ((slot = ff_map_get(&d->domains, dom, dlen)) != NULL) {
		*logname = *slot;
		return *logname != NULL;
	}
	if (ff_spool_policy(d->sp, dom, name, e) < 0) {
		if (e != NULL && e->status != FF_DENY && e->status != FF_BADSITE &&
		    e->status != FF_BAD)
			return -1;
		ff_err_clear(e);
		name[0] = 0;
	}
	if (d->domains.count >= FF_QDEST_CACHE || d->names.count >= FF_QDEST_CACHE) {
		if (forget(d) < 0)
			return ff_err_sys(e, ENOMEM, "domain cache");
	}
	if (name[0] != 0) {
		size_t nlen = strlen(name);

		/* a name's value is its own interned copy */
		if ((r = ff_map_put(&d->names, name, nlen, &slot)) < 0)
			return ff_err_sys(e, ENOMEM, "domain cache");
		if (r == 1)
			*slot = (void *)(uintptr_t)d->names.ent[d->names.count - 1].key;
		*logname = *slot;
	}
	if (ff_map_put(&d->domains, dom, dlen, &slot) < 0)
		return ff_err_sys(e, ENOMEM, "domain cache");
	*slot = (void *)(uintptr_t)*logname;
	return *logname != NULL;
}
