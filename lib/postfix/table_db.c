/*
 * table_db.c - hash:NAME and btree:NAME, the Berkeley DB file NAME.db, looked
 * up as Postfix 3.7's dict_db does (see table.h)
 *
 * The database is opened once, read-only, in a private in-memory Berkeley
 * DB environment whose home is NAME's directory, as Postfix opens it (so
 * that a DB_CONFIG file there counts, and one in the current directory does
 * not). The type must match the file's: a btree file opened as hash: fails
 * to open, as in Postfix.
 *
 * Locking follows Postfix's readers (DICT_FLAG_LOCK), which postmap's
 * writer relies on: postmap rewrites NAME.db in place (same inode,
 * truncated and refilled) while it holds an exclusive flock(2) on the file.
 * So the open takes a shared flock on the file while Berkeley DB reads it,
 * and each lookup holds a shared flock on the database's own descriptor.
 * Locks wait at most ipc_timeout (the context's timeout_ms); a lookup that
 * cannot get its lock fails.
 *
 * Unlike Postfix, a lookup that finds the file rewritten in place since
 * it was opened (under the lock: size, modification or change time
 * differ, and NAME.db is still that file) reopens the database before it
 * reads: the pages Berkeley DB cached belong to the old contents (Postfix's
 * daemons answer from them until they stop, soon after such a change). A
 * file removed or renamed over is read on, whole, as in Postfix.
 * ff_table_changed() reports either, for the owner to reopen the table as
 * Postfix restarts its daemons.
 *
 * A hash: file in the one layout Debian's postmap writes (see dbhash.h)
 * is read without Berkeley DB: a few pread(2) calls instead of building an
 * environment, which is most of what a one-shot command would spend on
 * the table. Berkeley DB opens it instead when the table's directory has a
 * DB_CONFIG file (whose settings only Berkeley DB knows how to apply), and
 * takes over, for the rest of the table's life, at the first thing the
 * reader does not understand: both paths give the same answers, and every
 * error message is Berkeley DB's.
 *
 * A lookup tries the key with its trailing NUL and then without
 * (ff_table_fixed_get(): postmap -N or -n); the value is what was stored,
 * up to its first NUL. Berkeley DB's own complaints (printed on stderr by
 * default) are kept and added to the open error they explain; a read error
 * fails the lookup (FF_FAIL) where Postfix's lookup is fatal.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <db.h>

#include "postfix/dbhash.h"
#include "util/sfile.h"
#include "postfix/table_int.h"

/* the library, loaded at the first open (dynlib.h) */
static struct {
	__typeof__(db_create) *db_create;
	__typeof__(db_env_create) *db_env_create;
	__typeof__(db_strerror) *db_strerror;
	__typeof__(db_version) *db_version;
} fn;

static const struct ff_dynsym syms[] = {
	FF_DYNSYM(fn, db_create),
	FF_DYNSYM(fn, db_env_create),
	FF_DYNSYM(fn, db_strerror),
	FF_DYNSYM(fn, db_version),
};

static struct ff_dynlib lib = FF_DYNLIB(FF_SONAME_DB, syms);

/* one open of the file */
struct dbh {
	DB_ENV *env;
	DB *db;
	struct ff_dbhash nat;	/* read without Berkeley DB, when native */
	int native;
	int fd;			/* the database's descriptor: the lookup lock */
	struct stat st;		/* the file as it was when opened */
};

struct dbt {
	struct dbh h;
	DBTYPE type;
	int no_native;		/* the native reader gave up: Berkeley DB only */
	int gave_up;		/* ... during this lookup */
	long timeout_ms;
	char *path;		/* NAME.db */
	char complaint[256];	/* Berkeley DB's last message */
};

/* complain - Berkeley DB's error messages: kept for the next error */
static void
complain(const DB_ENV *env, const char *prefix, const char *msg)
{
	struct dbt *d = env->app_private;

	strlcpy(d->complaint, msg, sizeof(d->complaint));
}

static void
handle_close(struct dbh *h)
{
	if (h->db != NULL)
		h->db->close(h->db, 0);
	if (h->env != NULL)
		h->env->close(h->env, 0);
	if (h->native) {
		ff_dbhash_close(&h->nat);
		close(h->fd);
	}
	memset(h, 0, sizeof(*h));
	h->fd = -1;
}

/* db_fail - "what PATH: reason", with Berkeley DB's explanation if any */
static int
db_fail(struct ff_table *t, struct ff_err *e, const char *what, int err)
{
	struct dbt *d = t->priv;
	int r;

	if (d->complaint[0] != 0)
		r = ff_table_fail(t, e, "%s %s: %s (%s)", what, d->path, fn.db_strerror(err),
		    d->complaint);
	else
		r = ff_table_fail(t, e, "%s %s: %s", what, d->path, fn.db_strerror(err));
	d->complaint[0] = 0;
	return r;
}

/* lock - a shared (LOCK_SH) lock, or unlock (LOCK_UN) */
static int
lock(struct ff_table *t, int fd, int op, struct ff_err *e)
{
	struct dbt *d = t->priv;
	struct ff_err le;

	if (op == LOCK_UN) {
		flock(fd, LOCK_UN);
		return 0;
	}
	if (ff_lock(fd, op, d->timeout_ms, d->path, &le) < 0)
		return ff_table_fail(t, e, "%s", le.msg);
	return 0;
}

/* version_check - the Berkeley DB linked at run time is the one compiled against */
static int
version_check(struct ff_table *t, struct ff_err *e)
{
	int major, minor, patch;

	if (ff_table_need(t, &lib, e) < 0)
		return -1;
	fn.db_version(&major, &minor, &patch);
	if (major != DB_VERSION_MAJOR || minor != DB_VERSION_MINOR)
		return ff_table_fail(t, e, "incorrect version of Berkeley DB: compiled against "
		    "%d.%d.%d, run-time linked against %d.%d.%d", DB_VERSION_MAJOR,
		    DB_VERSION_MINOR, DB_VERSION_PATCH, major, minor, patch);
	return 0;
}

/* has_db_config - whether Berkeley DB would read home/DB_CONFIG */
static int
has_db_config(const char *home)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/DB_CONFIG", home) >= sizeof(path))
		return 1;
	return access(path, F_OK) == 0 || errno != ENOENT;
}

/*
 * handle_open - open the database file that lockfd (closed here) is open
 * on; h is returned with its descriptor holding a shared lock
 */
static int
handle_open(struct ff_table *t, int lockfd, struct dbh *h, struct ff_err *e)
{
	struct dbt *d = t->priv;
	const char *slash = strrchr(d->path, '/');
	char *home = NULL;
	int err;

	memset(h, 0, sizeof(*h));
	h->fd = -1;
	d->complaint[0] = 0;
	if (lock(t, lockfd, LOCK_SH, e) < 0)
		goto fail;
	if (slash == NULL)
		home = strdup(".");
	else
		home = strndup(d->path, slash == d->path ? 1 : (size_t)(slash - d->path));
	if (home == NULL) {
		ff_err_sys(e, ENOMEM, "%s", t->spec);
		goto fail;
	}
	if (d->type == DB_HASH && !d->no_native && !has_db_config(home) &&
	    ff_dbhash_open(&h->nat, lockfd) == 0) {
		h->native = 1;
		h->fd = lockfd;		/* keeps the lock */
		free(home);
		if (fstat(h->fd, &h->st) < 0) {
			ff_table_fail(t, e, "%s: %s", d->path, strerror(errno));
			handle_close(h);
			return -1;
		}
		return 0;
	}
	if (version_check(t, e) < 0)
		goto fail;
	if ((err = fn.db_env_create(&h->env, 0)) != 0) {
		db_fail(t, e, "create DB environment for", err);
		goto fail;
	}
	h->env->app_private = d;
	h->env->set_errcall(h->env, complain);
	if ((err = h->env->open(h->env, home, DB_INIT_MPOOL | DB_CREATE | DB_PRIVATE, 0)) != 0) {
		db_fail(t, e, "open DB environment for", err);
		goto fail;
	}
	if ((err = fn.db_create(&h->db, h->env, 0)) != 0) {
		db_fail(t, e, "create DB handle for", err);
		goto fail;
	}
	if ((err = h->db->open(h->db, NULL, slash ? slash + 1 : d->path, NULL, d->type,
	    DB_RDONLY, 0644)) != 0) {
		db_fail(t, e, "open database", err);
		goto fail;
	}
	if ((err = h->db->fd(h->db, &h->fd)) != 0) {
		db_fail(t, e, "get the descriptor of", err);
		goto fail;
	}
	if (fcntl(h->fd, F_SETFD, FD_CLOEXEC) < 0 || fstat(h->fd, &h->st) < 0) {
		ff_table_fail(t, e, "%s: %s", d->path, strerror(errno));
		goto fail;
	}
	/* compatible with lockfd's lock: never waits */
	if (lock(t, h->fd, LOCK_SH, e) < 0)
		goto fail;
	free(home);
	close(lockfd);
	return 0;
fail:
	handle_close(h);
	free(home);
	close(lockfd);
	return -1;
}

static void
dbt_close(struct ff_table *t)
{
	struct dbt *d = t->priv;

	if (d == NULL)
		return;
	handle_close(&d->h);
	free(d->path);
	free(d);
	t->priv = NULL;
}

static int
dbt_open(struct ff_table *t, const struct ff_table_ctx *ctx, DBTYPE type, struct ff_err *e)
{
	struct dbt *d = calloc(1, sizeof(*d));
	int lockfd;

	if (d == NULL)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	d->h.fd = -1;
	d->type = type;
	d->timeout_ms = ctx->timeout_ms;
	t->priv = d;
	if (ff_table_file_open(t, ".db", &d->path, &lockfd, e) < 0 ||
	    handle_open(t, lockfd, &d->h, e) < 0)
		return -1;
	lock(t, d->h.fd, LOCK_UN, e);
	ff_table_file_age(t, d->path, d->h.fd);
	t->fixed = 1;
	return 0;
}

static int
hash_open(struct ff_table *t, const struct ff_table_ctx *ctx, struct ff_err *e)
{
	return dbt_open(t, ctx, DB_HASH, e);
}

static int
btree_open(struct ff_table *t, const struct ff_table_ctx *ctx, struct ff_err *e)
{
	return dbt_open(t, ctx, DB_BTREE, e);
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* reopen - the database anew from fd (closed here); the lock moves to it */
static int
reopen(struct ff_table *t, int fd, struct ff_err *e)
{
	struct dbt *d = t->priv;
	struct dbh nh;

	if (handle_open(t, fd, &nh, e) < 0)
		return -1;
	handle_close(&d->h);	/* and its lock */
	d->h = nh;
	return 0;
}

/*
 * fresh - with the lookup lock held: reopen the database when the file was
 * rewritten in place since it was opened; the lock then moves to the new
 * descriptor. A file removed or renamed over keeps its old contents whole:
 * it is read on, as Postfix does, until the owner reopens the table.
 */
static int
fresh(struct ff_table *t, struct ff_err *e)
{
	struct dbt *d = t->priv;
	struct stat st, now;
	int fd;

	if (fstat(d->h.fd, &st) < 0 || same_file(&st, &d->h.st) || st.st_nlink == 0)
		return 0;
	if ((fd = open(d->path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return 0;
	if (fstat(fd, &now) < 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
		close(fd);
		return 0;
	}
	return reopen(t, fd, e);
}

/*
 * give_up - the native reader met something it does not know: Berkeley DB
 * reads the file from now on (with the lookup lock held)
 */
static int
give_up(struct ff_table *t, struct ff_err *e)
{
	struct dbt *d = t->priv;
	int fd;

	d->gave_up = 0;
	d->no_native = 1;
	if ((fd = open(d->path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return ff_table_fail(t, e, "%s: %s", d->path, strerror(errno));
	return reopen(t, fd, e);
}

/* dbt_get - one exact byte string; the value is the reader's until the next call */
static int
dbt_get(struct ff_table *t, const void *key, size_t klen, const void **data, size_t *dlen,
    struct ff_err *e)
{
	struct dbt *d = t->priv;
	DBT k, v;
	int r;

	if (klen > 0xffffffffu)
		return 0;
	if (d->h.native) {
		if ((r = ff_dbhash_get(&d->h.nat, key, klen, data, dlen)) >= 0)
			return r;
		d->gave_up = 1;
		return -1;
	}
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)(uintptr_t)key;	/* Berkeley DB does not write it */
	k.size = (u_int32_t)klen;
	if ((r = d->h.db->get(d->h.db, NULL, &k, &v, 0)) == DB_NOTFOUND)
		return 0;
	if (r != 0)
		return db_fail(t, e, "error reading", r);
	*data = v.data;
	*dlen = v.size;
	return 1;
}

static int
dbt_lookup(struct ff_table *t, const char *key, const char **value, struct ff_err *e)
{
	struct dbt *d = t->priv;
	int r;

	if (lock(t, d->h.fd, LOCK_SH, e) < 0)
		return -1;
	if ((r = fresh(t, e)) == 0)
		r = ff_table_fixed_get(t, key, dbt_get, value, e);
	if (r < 0 && d->gave_up && (r = give_up(t, e)) == 0)
		r = ff_table_fixed_get(t, key, dbt_get, value, e);
	lock(t, d->h.fd, LOCK_UN, e);
	return r;
}

const struct ff_table_type ff_table_type_hash = {
	"hash", hash_open, dbt_lookup, dbt_close,
};
const struct ff_table_type ff_table_type_btree = {
	"btree", btree_open, dbt_lookup, dbt_close,
};
