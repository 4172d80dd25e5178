/*
 * table_cdb.c - cdb:NAME, the constant database NAME.cdb (tinycdb), looked
 * up as Postfix 3.7's dict_cdb does (see table.h)
 *
 * The file is opened once, at open, and tinycdb maps it into memory. A
 * lookup tries the key with its trailing NUL and then without
 * (ff_table_fixed_get(): postmap -N or -n), and the value is what was
 * stored, up to its first NUL. cdb files are never changed in place:
 * postmap writes NAME.cdb.tmp and renames it over NAME.cdb, so the mapped
 * file stays whole and consistent after a rebuild, and takes no lock (nor
 * does Postfix); the rebuild shows as ff_table_changed() (a new inode), and
 * the owner reopens the table to see the new contents.
 *
 * A file that cannot be opened, or is too short to be a cdb file (tinycdb:
 * EPROTO), makes the table broken. A lookup that runs into a bad offset in
 * a damaged file fails (FF_FAIL) where Postfix's lookup is fatal.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cdb.h>

#include "postfix/table_int.h"

/* the library, loaded at the first open (dynlib.h) */
static struct {
	__typeof__(cdb_init) *cdb_init;
	__typeof__(cdb_free) *cdb_free;
	__typeof__(cdb_find) *cdb_find;
	__typeof__(cdb_get) *cdb_get;
} fn;

static const struct ff_dynsym syms[] = {
	FF_DYNSYM(fn, cdb_init),
	FF_DYNSYM(fn, cdb_free),
	FF_DYNSYM(fn, cdb_find),
	FF_DYNSYM(fn, cdb_get),
};

static struct ff_dynlib lib = FF_DYNLIB(FF_SONAME_CDB, syms);

struct cdbt {
	struct cdb cdb;
	char *path;
	int fd;
};

static void
cdbt_close(struct ff_table *t)
{
	struct cdbt *c = t->priv;

	if (c == NULL)
		return;
	if (c->fd >= 0) {
		fn.cdb_free(&c->cdb);
		close(c->fd);
	}
	free(c->path);
	free(c);
	t->priv = NULL;
}

static int
cdbt_open(struct ff_table *t, const struct ff_table_ctx *ctx, struct ff_err *e)
{
	struct cdbt *c = calloc(1, sizeof(*c));
	int fd;

	if (c == NULL)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	c->fd = -1;
	t->priv = c;
	if (ff_table_need(t, &lib, e) < 0)
		return -1;
	if (ff_table_file_open(t, ".cdb", &c->path, &fd, e) < 0)
		return -1;
	if (fn.cdb_init(&c->cdb, fd) != 0) {
		int err = errno;

		close(fd);
		return ff_table_fail(t, e, "unable to init %s: %s", c->path, strerror(err));
	}
	c->fd = fd;
	ff_table_file_age(t, c->path, fd);
	t->fixed = 1;
	return 0;
}

/* cdbt_get - one exact byte string; the value points into the mapped file */
static int
cdbt_get(struct ff_table *t, const void *key, size_t klen, const void **data, size_t *dlen,
    struct ff_err *e)
{
	struct cdbt *c = t->priv;
	int r;

	if (klen > 0xffffffffu)
		return 0;
	if ((r = fn.cdb_find(&c->cdb, key, (unsigned)klen)) == 0)
		return 0;
	if (r > 0 && (*data = fn.cdb_get(&c->cdb, cdb_datalen(&c->cdb), cdb_datapos(&c->cdb))) != NULL) {
		*dlen = cdb_datalen(&c->cdb);
		return 1;
	}
	return ff_table_fail(t, e, "error reading %s: %s", c->path, strerror(errno));
}

static int
cdbt_lookup(struct ff_table *t, const char *key, const char **value, struct ff_err *e)
{
	return ff_table_fixed_get(t, key, cdbt_get, value, e);
}

const struct ff_table_type ff_table_type_cdb = {
	"cdb", cdbt_open, cdbt_lookup, cdbt_close,
};
