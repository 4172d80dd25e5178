/*
 * tabledrv.c - what every table driver uses: file watches, values, the
 * fixed-key variants, failure messages, loading its library (see
 * table_int.h). Below the drivers and the dispatcher; calls neither.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postfix/table_int.h"

int
ff_table_watch(struct ff_table *t, const char *path, int fd)
{
	return ff_watch_add(&t->files, path, fd);
}

const char *
ff_table_value(struct ff_table *t, const void *data, size_t len)
{
	char *nb;

	if (len + 1 > t->vcap) {
		size_t ncap = len + 1 < 64 ? 64 : len + 1;
		if ((nb = realloc(t->vbuf, ncap)) == NULL)
			return NULL;
		t->vbuf = nb;
		t->vcap = ncap;
	}
	memcpy(t->vbuf, data, len);
	t->vbuf[len] = 0;
	return t->vbuf;
}

int
ff_table_fixed_get(struct ff_table *t, const char *key, ff_table_get_fn *get, const char **value,
    struct ff_err *e)
{
	size_t klen = strlen(key);
	const void *data;
	size_t dlen;
	int r;

	if (t->try1null) {
		if ((r = get(t, key, klen + 1, &data, &dlen, e)) < 0)
			return -1;
		if (r > 0) {
			t->try0null = 0;
			goto found;
		}
	}
	if (t->try0null) {
		if ((r = get(t, key, klen, &data, &dlen, e)) < 0)
			return -1;
		if (r > 0) {
			t->try1null = 0;
			goto found;
		}
	}
	return 0;
found:
	if ((*value = ff_table_value(t, data, dlen)) == NULL)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	return 1;
}

int
ff_table_fail(struct ff_table *t, struct ff_err *e, const char *fmt, ...)
{
	char why[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return ff_err_set(e, FF_FAIL, "%s: %s", t->spec, why);
}

int
ff_table_need(struct ff_table *t, struct ff_dynlib *lib, struct ff_err *e)
{
	if (ff_dynlib_load(lib, e) < 0)
		return ff_table_fail(t, e, "%s", e->msg);
	return 0;
}
