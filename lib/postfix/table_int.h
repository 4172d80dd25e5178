/*
 * table_int.h - what a lookup table backend implements (see table.h)
 *
 * SYNOPSIS
 *	extern const struct ff_table_type ff_table_type_TYPE;
 *
 *	int ff_table_watch(struct ff_table *t, const char *path, int fd);
 *	const char *ff_table_value(struct ff_table *t, const void *data, size_t len);
 *	int ff_table_fixed_get(struct ff_table *t, const char *key, ff_table_get_fn *get,
 *	    const char **value, struct ff_err *e);
 *	int ff_table_fail(struct ff_table *t, struct ff_err *e, const char *fmt, ...);
 *	int ff_table_need(struct ff_table *t, struct ff_dynlib *lib, struct ff_err *e);
 *
 *	int ff_table_file_open(struct ff_table *t, const char *suffix, char **path,
 *	    int *fd, struct ff_err *e);
 *	void ff_table_file_age(const struct ff_table *t, const char *path, int fd);
 *
 * DESCRIPTION
 *	A backend is a struct ff_table_type: its type name and three
 *	calls. open() reads t->name (the text after "type:"), sets
 *	t->fixed when keys are fixed strings, keeps its state in t->priv,
 *	and returns 0, or -1 with e set (the table then becomes broken:
 *	every lookup fails with e's message). lookup() returns 1 found
 *	(*value set), 0 not found, -1 with e set. close() frees t->priv;
 *	it is also called after a failed open().
 *
 *	ff_table_watch() records a file the table is read from (watch.h),
 *	so that ff_table_changed() notices when it changes: with fd >= 0
 *	the open file, else path (a missing file is recorded as missing,
 *	so that creating it counts as a change). Call it for every file
 *	the table reads or tries to read, before reading it.
 *
 *	ff_table_value() copies a value into the table's result buffer
 *	(NUL-terminated; valid until the next call).
 *
 *	ff_table_fixed_get() is the key discipline of Postfix's fixed-key
 *	file tables: try the key with its trailing NUL, then without it,
 *	as t->try1null and t->try0null allow; once one variant was found,
 *	only that one is tried from then on. get() looks up one exact
 *	byte string: 1 found (*data, *len), 0 not found, -1 error.
 *
 *	ff_table_fail() sets e to FF_FAIL with "TYPE:NAME: " and the
 *	formatted reason, and returns -1. ff_table_need() loads the
 *	library a backend calls (dynlib.h) and fails the table the same
 *	way when it cannot be loaded. These five are tabledrv.c's.
 *
 *	A composite table (unionmap:, pipemap:) opens, looks up and closes
 *	its parts with t->calls, which ff_table_open() sets to itself,
 *	ff_table_lookup() and ff_table_close(): the drivers are below the
 *	dispatcher and never call it by name.
 *
 *	ff_table_file_open() (table_file.c) opens an indexed file table's
 *	file, t->name followed by suffix (".db", ".lmdb", ".cdb"), for
 *	reading, close-on-exec, and watches it: *path (malloc'd, the
 *	caller frees it, also after an error) and *fd (-1 after an
 *	error). A file that cannot be opened fails as Postfix's
 *	surrogate does: "TYPE:NAME: open database PATH: REASON".
 *
 *	ff_table_file_age() warns, as Postfix's indexed tables do on
 *	open, when the source file t->name is newer than the database
 *	open on fd, unless it changed in the last 100 seconds (a rebuild
 *	under way).
 */
#ifndef FF_TABLE_INT_H
#define FF_TABLE_INT_H

#include <stddef.h>

#include "util/dynlib.h"
#include "postfix/table.h"
#include "util/watch.h"

struct ff_table;

struct ff_table_type {
	const char *name;
	int (*open)(struct ff_table *, const struct ff_table_ctx *, struct ff_err *);
	int (*lookup)(struct ff_table *, const char *, const char **, struct ff_err *);
	void (*close)(struct ff_table *);
};

/* the dispatcher's calls, for a composite table's parts (table.c sets them) */
struct ff_table_calls {
	struct ff_table *(*open)(const char *, const struct ff_table_ctx *, struct ff_err *);
	int (*lookup)(struct ff_table *, const char *, const char **, struct ff_err *);
	void (*close)(struct ff_table *);
};

struct ff_table {
	const struct ff_table_type *type;
	const struct ff_table_calls *calls;
	char *spec;			/* "type:name" */
	const char *name;		/* the part after "type:" */
	int fixed;			/* DICT_FLAG_FIXED */
	int utf8;			/* smtputf8_enable: check keys and values */
	int try0null, try1null;		/* fixed-key files: key variants to try */
	char *why;			/* broken: why every lookup fails */
	struct ff_watch files;		/* what it was read from */
	char *vbuf;			/* ff_table_value() */
	size_t vcap;
	void *priv;			/* the backend's */
};

typedef int ff_table_get_fn(struct ff_table *, const void *, size_t, const void **, size_t *,
    struct ff_err *);

int ff_table_watch(struct ff_table *, const char *, int);
const char *ff_table_value(struct ff_table *, const void *, size_t);
int ff_table_fixed_get(struct ff_table *, const char *, ff_table_get_fn *, const char **,
    struct ff_err *);
int ff_table_fail(struct ff_table *, struct ff_err *, const char *, ...) FF_PRINTF(3, 4);
int ff_table_need(struct ff_table *, struct ff_dynlib *, struct ff_err *);
int ff_table_file_open(struct ff_table *, const char *, char **, int *, struct ff_err *);
void ff_table_file_age(const struct ff_table *, const char *, int);

extern const struct ff_table_type ff_table_type_inline, ff_table_type_texthash,
    ff_table_type_static, ff_table_type_fail;
extern const struct ff_table_type ff_table_type_hash, ff_table_type_btree, ff_table_type_lmdb,
    ff_table_type_cdb;
extern const struct ff_table_type ff_table_type_regexp, ff_table_type_pcre, ff_table_type_cidr;
extern const struct ff_table_type ff_table_type_proxy, ff_table_type_unionmap,
    ff_table_type_pipemap, ff_table_type_postmap;

#endif
