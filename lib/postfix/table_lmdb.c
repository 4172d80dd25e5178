/*
 * table_lmdb.c - lmdb:NAME, the LMDB file NAME.lmdb, looked up as Postfix
 * 3.7's dict_lmdb (with its slmdb layer) does (see table.h)
 *
 * The environment is opened once, read-only, as a single file
 * (MDB_NOSUBDIR) and without LMDB's lock file (MDB_NOLOCK), as Postfix
 * opens it: Postfix's LMDB readers and writers coordinate with fcntl(2)
 * record locks on the database file instead. postmap rewrites NAME.lmdb in
 * place, in one write transaction; before it reuses pages it takes an
 * exclusive lock for a moment (so that no reader is inside a read
 * transaction) and then keeps a shared one. So each lookup, like Postfix's,
 * holds a shared fcntl lock on the file while its read transaction lasts;
 * it sees the last committed contents, before or after a rebuild, never a
 * mix. The open holds the same lock while it reads the database's root.
 * A lock is waited for as Postfix waits (a writer holds it exclusively
 * only for a moment).
 *
 * The memory map is at least 16 MB (Postfix's lmdb_map_size default) or
 * the file's size and some room; when a writer has grown the database
 * past it, a transaction fails with MDB_MAP_RESIZED, and the map is
 * enlarged to the database's new size and the transaction begun again.
 *
 * A file in the layout liblmdb 0.9 writes for postmap is read without
 * liblmdb (see lmdbread.h): the same shared lock, then a few pread(2)
 * calls instead of mapping the file and faulting its pages and liblmdb's
 * code in, which is most of what a one-shot command would spend on the
 * table. liblmdb takes over, for the rest of the table's life, at the first
 * thing the reader does not understand; its answers are the same, and
 * every error message is liblmdb's.
 *
 * A lookup tries the key with its trailing NUL and then without
 * (ff_table_fixed_get(): postmap -N or -n) in one read transaction; the
 * value is what was stored, up to its first NUL. LMDB errors fail the
 * lookup (FF_FAIL) where Postfix's lookup is fatal. ff_table_changed()
 * reports a rebuild (the file's size and times change), though the table
 * would see the new contents anyway.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "postfix/lmdbread.h"
#include "postfix/table_int.h"

/* the library, loaded at the first open (dynlib.h) */
static struct {
	__typeof__(mdb_dbi_open) *mdb_dbi_open;
	__typeof__(mdb_env_close) *mdb_env_close;
	__typeof__(mdb_env_create) *mdb_env_create;
	__typeof__(mdb_env_get_fd) *mdb_env_get_fd;
	__typeof__(mdb_env_open) *mdb_env_open;
	__typeof__(mdb_env_set_mapsize) *mdb_env_set_mapsize;
	__typeof__(mdb_get) *mdb_get;
	__typeof__(mdb_strerror) *mdb_strerror;
	__typeof__(mdb_txn_abort) *mdb_txn_abort;
	__typeof__(mdb_txn_begin) *mdb_txn_begin;
} fn;

static const struct ff_dynsym syms[] = {
	FF_DYNSYM(fn, mdb_dbi_open),
	FF_DYNSYM(fn, mdb_env_close),
	FF_DYNSYM(fn, mdb_env_create),
	FF_DYNSYM(fn, mdb_env_get_fd),
	FF_DYNSYM(fn, mdb_env_open),
	FF_DYNSYM(fn, mdb_env_set_mapsize),
	FF_DYNSYM(fn, mdb_get),
	FF_DYNSYM(fn, mdb_strerror),
	FF_DYNSYM(fn, mdb_txn_abort),
	FF_DYNSYM(fn, mdb_txn_begin),
};

static struct ff_dynlib lib = FF_DYNLIB(FF_SONAME_LMDB, syms);

#define MAP_MIN		(16UL * 1024 * 1024)	/* Postfix's lmdb_map_size */
#define MAP_ROOM	10240			/* beyond the file's size */
#define RESIZE_TRIES	4			/* map grown, txn begun again */

struct lmdbt {
	MDB_env *env;
	MDB_dbi dbi;
	MDB_txn *txn;		/* the lookup's read transaction */
	int fd;			/* the environment's or the reader's: the lock */
	char *path;		/* NAME.lmdb */
	struct ff_lmdbread nat;	/* read without liblmdb, when native */
	int native;
	int gave_up;		/* the reader met what it does not know */
};

/* record_lock - a shared fcntl lock on the whole file (F_RDLCK), or F_UNLCK */
static int
record_lock(int fd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

	while (fcntl(fd, F_SETLKW, &fl) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int
lmdb_fail(struct ff_table *t, struct ff_err *e, const char *what, int err)
{
	struct lmdbt *l = t->priv;

	return ff_table_fail(t, e, "%s %s: %s", what, l->path, fn.mdb_strerror(err));
}

/* begin - a read transaction, taking in a map that a writer grew */
static int
begin(struct ff_table *t, struct ff_err *e)
{
	struct lmdbt *l = t->priv;
	int err;

	for (int n = 0;; n++) {
		if ((err = fn.mdb_txn_begin(l->env, NULL, MDB_RDONLY, &l->txn)) == 0)
			return 0;
		l->txn = NULL;
		if (err != MDB_MAP_RESIZED || n == RESIZE_TRIES ||
		    (err = fn.mdb_env_set_mapsize(l->env, 0)) != 0)
			return lmdb_fail(t, e, "error reading", err);
	}
}

static void
end(struct lmdbt *l)
{
	if (l->txn != NULL)
		fn.mdb_txn_abort(l->txn);
	l->txn = NULL;
}

static void
lmdbt_close(struct ff_table *t)
{
	struct lmdbt *l = t->priv;

	if (l == NULL)
		return;
	end(l);
	if (l->env != NULL)
		fn.mdb_env_close(l->env);
	if (l->native) {
		ff_lmdbread_close(&l->nat);
		close(l->fd);
	}
	free(l->path);
	free(l);
	t->priv = NULL;
}

/*
 * env_open - liblmdb's environment on the file, and the main database;
 * on failure nothing stays open
 */
static int
env_open(struct ff_table *t, struct ff_err *e)
{
	struct lmdbt *l = t->priv;
	struct stat st;
	size_t mapsize = MAP_MIN;
	int err, rc = 0;

	if (ff_table_need(t, &lib, e) < 0)
		return -1;
	if (stat(l->path, &st) == 0 && (uintmax_t)st.st_size + MAP_ROOM > mapsize)
		mapsize = (size_t)st.st_size + MAP_ROOM;
	if ((err = fn.mdb_env_create(&l->env)) != 0) {
		l->env = NULL;
		return lmdb_fail(t, e, "open database", err);
	}
	if ((err = fn.mdb_env_set_mapsize(l->env, mapsize)) != 0 ||
	    (err = fn.mdb_env_open(l->env, l->path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY,
	    0644)) != 0 || (err = fn.mdb_env_get_fd(l->env, &l->fd)) != 0)
		rc = lmdb_fail(t, e, "open database", err);
	else if (fcntl(l->fd, F_SETFD, FD_CLOEXEC) < 0 || record_lock(l->fd, F_RDLCK) < 0)
		rc = ff_table_fail(t, e, "lock %s: %s", l->path, strerror(errno));
	else {
		if ((rc = begin(t, e)) == 0) {
			if ((err = fn.mdb_dbi_open(l->txn, NULL, 0, &l->dbi)) != 0)
				rc = lmdb_fail(t, e, "open database", err);
			end(l);
		}
		record_lock(l->fd, F_UNLCK);
	}
	if (rc < 0) {
		fn.mdb_env_close(l->env);
		l->env = NULL;
		l->fd = -1;
	}
	return rc;
}

static int
lmdbt_open(struct ff_table *t, const struct ff_table_ctx *ctx, struct ff_err *e)
{
	struct lmdbt *l = calloc(1, sizeof(*l));
	int fd;

	if (l == NULL)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	l->fd = -1;
	t->priv = l;
	if (ff_table_file_open(t, ".lmdb", &l->path, &fd, e) < 0)
		return -1;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && record_lock(fd, F_RDLCK) == 0) {
		l->native = ff_lmdbread_open(&l->nat, fd) == 0;
		record_lock(fd, F_UNLCK);
	}
	if (l->native) {
		l->fd = fd;
	} else {
		ff_lmdbread_close(&l->nat);
		/*
		 * Only the environment's descriptor stays open: closing another
		 * one on the same file would drop this process's fcntl locks on it.
		 */
		close(fd);
		if (env_open(t, e) < 0)
			return -1;
	}
	ff_table_file_age(t, l->path, l->fd);
	t->fixed = 1;
	return 0;
}

/* lmdbt_get - one exact byte string, in the lookup's transaction */
static int
lmdbt_get(struct ff_table *t, const void *key, size_t klen, const void **data, size_t *dlen,
    struct ff_err *e)
{
	struct lmdbt *l = t->priv;
	MDB_val k = { .mv_size = klen, .mv_data = (void *)(uintptr_t)key }, v;
	int err;

	if ((err = fn.mdb_get(l->txn, l->dbi, &k, &v)) == MDB_NOTFOUND)
		return 0;
	if (err != 0)
		return lmdb_fail(t, e, "error reading", err);
	*data = v.mv_data;
	*dlen = v.mv_size;
	return 1;
}

/* native_get - one exact byte string, read without liblmdb */
static int
native_get(struct ff_table *t, const void *key, size_t klen, const void **data,
    size_t *dlen, struct ff_err *e)
{
	struct lmdbt *l = t->priv;
	int r;

	if ((r = ff_lmdbread_get(&l->nat, key, klen, data, dlen)) >= 0)
		return r;
	l->gave_up = 1;
	return -1;
}

/*
 * native_lookup - the lookup without liblmdb: 0 or 1, -1 on a lock error,
 * -2 when the reader gave up (it is then closed, for liblmdb to take over)
 */
static int
native_lookup(struct ff_table *t, const char *key, const char **value, struct ff_err *e)
{
	struct lmdbt *l = t->priv;
	int r;

	if (record_lock(l->fd, F_RDLCK) < 0)
		return ff_table_fail(t, e, "lock %s: %s", l->path, strerror(errno));
	l->gave_up = ff_lmdbread_begin(&l->nat) < 0;
	r = l->gave_up ? -1 : ff_table_fixed_get(t, key, native_get, value, e);
	record_lock(l->fd, F_UNLCK);
	if (r >= 0 || !l->gave_up)
		return r;
	ff_lmdbread_close(&l->nat);
	close(l->fd);
	l->fd = -1;
	l->native = 0;
	return -2;
}

static int
lmdbt_lookup(struct ff_table *t, const char *key, const char **value, struct ff_err *e)
{
	struct lmdbt *l = t->priv;
	int r;

	if (l->native && (r = native_lookup(t, key, value, e)) != -2)
		return r;
	if (l->env == NULL && env_open(t, e) < 0)
		return -1;
	if (record_lock(l->fd, F_RDLCK) < 0)
		return ff_table_fail(t, e, "lock %s: %s", l->path, strerror(errno));
	if ((r = begin(t, e)) == 0) {
		/* the value is copied before the transaction ends */
		r = ff_table_fixed_get(t, key, lmdbt_get, value, e);
		end(l);
	}
	record_lock(l->fd, F_UNLCK);
	return r;
}

const struct ff_table_type ff_table_type_lmdb = {
	"lmdb", lmdbt_open, lmdbt_lookup, lmdbt_close,
};
