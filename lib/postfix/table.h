/*
 * table.h - Postfix lookup tables ("type:name"), one interface for every type
 *
 * SYNOPSIS
 *	void ff_table_ctx_init(struct ff_table_ctx *ctx, struct ff_conf *conf);
 *	struct ff_table *ff_table_open(const char *spec, const struct ff_table_ctx *ctx,
 *	    struct ff_err *e);
 *	struct ff_table *ff_table_surrogate(const char *spec, const char *why);
 *	int ff_table_lookup(struct ff_table *t, const char *key, const char **value,
 *	    struct ff_err *e);
 *	int ff_table_fixed(const struct ff_table *t);
 *	int ff_table_broken(const struct ff_table *t);
 *	int ff_table_changed(const struct ff_table *t);
 *	const char *ff_table_spec(const struct ff_table *t);
 *	void ff_table_close(struct ff_table *t);
 *	const char *ff_table_types(void);
 *
 * DESCRIPTION
 *	A table is opened from its Postfix name, "type:name", as Postfix's
 *	dict_open() does. Built in, each in its own module: inline:,
 *	texthash:, static:, fail: (table_text.c), hash: and btree:
 *	(Berkeley DB), lmdb:, cdb:, regexp:, pcre:, cidr:, unionmap:{...}
 *	and pipemap:{...}; proxy:TYPE:NAME asks Postfix's proxymap service
 *	in the spool; every other type is looked up with Postfix's own
 *	"postmap -q" (ctx->postmap), one process per lookup.
 *
 *	ff_table_ctx_init() (conf NULL: built-in defaults) takes what the backends need from the
 *	configuration: the configuration directory (postmap -c), the
 *	queue directory (private/proxymap), command_directory's postmap,
 *	proxymap_service_name, ipc_timeout (bounds a proxymap or postmap
 *	lookup) and smtputf8_enable. The context is only read during
 *	ff_table_open(); tables keep copies of what they need.
 *
 *	ff_table_open() never fails for a reason that lies in the table:
 *	like Postfix's surrogate table, a table that cannot be opened
 *	(missing file, syntax error, unknown type without postmap) is
 *	returned "broken": ff_table_broken() is 1, every lookup fails with
 *	the reason, and e says why. NULL only when memory runs out.
 *
 *	ff_table_surrogate() makes such a broken table directly (Postfix's
 *	placeholder for an unreadable /file/name in a list).
 *
 *	ff_table_lookup() looks up key exactly as given (callers fold case
 *	first, as Postfix's match lists do): 1 found (*value points at the
 *	result, valid until the next lookup or close), 0 not found, -1 the
 *	lookup failed (e says why; Postfix's DICT_ERR_RETRY or _CONFIG).
 *	Fixed-key file tables try the key with and then without a
 *	trailing NUL, and then stick to the variant that was found, as
 *	Postfix does with what postmap -N or -n wrote. With
 *	smtputf8_enable, a key that is not UTF-8 is not found and a
 *	value that is not UTF-8 fails the lookup, as Postfix's UTF-8 layer
 *	does.
 *
 *	ff_table_fixed() is 1 for fixed-string tables (Postfix's
 *	DICT_FLAG_FIXED: hash, btree, lmdb, cdb, texthash, inline, static,
 *	SQL and LDAP types, ...), whose parent domains a domain list also
 *	looks up, and 0 for pattern tables (regexp, pcre, cidr, socketmap,
 *	tcp, fail, broken tables), looked up with the full name only.
 *
 *	ff_table_changed() is 1 when a file the table was read from (or
 *	tried to read) differs from what was read: created, removed,
 *	replaced, rewritten (device, inode, size, modification or change
 *	time). The owner reopens the table then, as Postfix's daemons
 *	restart when a table changes.
 *
 *	ff_table_types() lists the built-in types, for messages and docs.
 *
 * DIAGNOSTICS
 *	FF_FAIL for a lookup that failed or a broken table; FF_CONFIG from
 *	ff_table_open() for a syntax error in the name itself.
 */
#ifndef FF_TABLE_H
#define FF_TABLE_H

#include "util/api.h"
#include "postfix/conf.h"
#include "util/status.h"

#define FF_TABLE_PATH_MAX	4096

struct ff_table_ctx {
	char config_dir[FF_TABLE_PATH_MAX];
	char queue_dir[FF_TABLE_PATH_MAX];
	char postmap[FF_TABLE_PATH_MAX];	/* "" when not configured */
	char proxymap_service[256];
	long timeout_ms;
	int utf8;
};

struct ff_table;

FF_API void ff_table_ctx_init(struct ff_table_ctx *, struct ff_conf *);
FF_API struct ff_table *ff_table_open(const char *, const struct ff_table_ctx *, struct ff_err *);
FF_API struct ff_table *ff_table_surrogate(const char *, const char *);
FF_API int ff_table_lookup(struct ff_table *, const char *, const char **, struct ff_err *);
FF_API int ff_table_fixed(const struct ff_table *);
FF_API int ff_table_broken(const struct ff_table *);
FF_API int ff_table_changed(const struct ff_table *);
FF_API const char *ff_table_spec(const struct ff_table *);
FF_API void ff_table_close(struct ff_table *);
FF_API const char *ff_table_types(void);

#endif
