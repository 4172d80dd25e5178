/*
 * table.c - Postfix lookup tables: type registry, surrogate tables, change
 * detection and the key and value rules every type shares (see table.h).
 * The helpers the drivers use are in tabledrv.c, below the drivers; a
 * composite table opens its parts through t->calls, which this file sets,
 * so no driver calls back up into the dispatcher.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fmt.h"
#include "util/msg.h"
#include "postfix/table_int.h"
#include "util/utf8.h"

#define KEY_SHOW	100	/* bytes of a key quoted in a message */

/* the built-in types; anything else goes to Postfix's postmap */
static const struct ff_table_type *const types[] = {
	&ff_table_type_inline,
	&ff_table_type_texthash,
	&ff_table_type_static,
	&ff_table_type_fail,
	&ff_table_type_hash, &ff_table_type_btree, &ff_table_type_lmdb, &ff_table_type_cdb,
	&ff_table_type_regexp, &ff_table_type_pcre, &ff_table_type_cidr,
	&ff_table_type_proxy,
	&ff_table_type_unionmap,
	&ff_table_type_pipemap,
};

#define NTYPES	(sizeof(types) / sizeof(types[0]))

const char *
ff_table_types(void)
{
	static char list[256];

	if (list[0] == 0) {
		for (size_t i = 0; i < NTYPES; i++) {
			if (i > 0)
				strlcat(list, " ", sizeof(list));
			strlcat(list, types[i]->name, sizeof(list));
		}
	}
	return list;
}

void
ff_table_ctx_init(struct ff_table_ctx *ctx, struct ff_conf *conf)
{
	struct ff_err e;
	long ms;
	int utf8 = 0;

	memset(ctx, 0, sizeof(*ctx));
	if (conf == NULL) {
		strlcpy(ctx->config_dir, "/etc/postfix", sizeof(ctx->config_dir));
		strlcpy(ctx->queue_dir, "/var/spool/postfix", sizeof(ctx->queue_dir));
		strlcpy(ctx->postmap, "/usr/sbin/postmap", sizeof(ctx->postmap));
		strlcpy(ctx->proxymap_service, "proxymap", sizeof(ctx->proxymap_service));
		ctx->timeout_ms = 3600 * 1000L;
		return;
	}
	strlcpy(ctx->config_dir, ff_conf_dir(conf), sizeof(ctx->config_dir));
	strlcpy(ctx->queue_dir, ff_conf_get(conf, "queue_directory"), sizeof(ctx->queue_dir));
	if (*ff_conf_get(conf, "command_directory") != 0 &&
	    ff_fmt(ctx->postmap, sizeof(ctx->postmap), "%s/postmap",
	    ff_conf_get(conf, "command_directory")) < 0)
		ff_msg_warn("command_directory too long: postmap cannot be run");
	strlcpy(ctx->proxymap_service, ff_conf_get(conf, "proxymap_service_name"),
	    sizeof(ctx->proxymap_service));
	if (ff_conf_time_ms(conf, "ipc_timeout", &ms, &e) < 0) {
		ff_msg_warn("%s; using 3600s for table lookups", e.msg);
		ms = 3600 * 1000L;
	}
	ctx->timeout_ms = ms;
	if (ff_conf_bool(conf, "smtputf8_enable", &utf8, &e) < 0)
		ff_msg_warn("%s; treating it as \"no\"", e.msg);
	ctx->utf8 = utf8;
}

/* the surrogate: what a table that could not be opened becomes */
static int
broken_lookup(struct ff_table *t, const char *key, const char **value, struct ff_err *e)
{
	return ff_err_set(e, FF_FAIL, "%s", t->why);
}

static const struct ff_table_type broken_type = { "broken", NULL, broken_lookup, NULL };

static void
make_broken(struct ff_table *t, const char *why)
{
	if (t->type->close != NULL)
		t->type->close(t);
	t->priv = NULL;
	t->type = &broken_type;
	t->fixed = 0;		/* Postfix's surrogate is a pattern table */
	free(t->why);
	t->why = strdup(why);
}

/* what a composite table (unionmap:, pipemap:) uses to open its parts */
static const struct ff_table_calls calls = {
	.open = ff_table_open,
	.lookup = ff_table_lookup,
	.close = ff_table_close,
};

struct ff_table *
ff_table_open(const char *spec, const struct ff_table_ctx *ctx, struct ff_err *e)
{
	const char *colon = strchr(spec, ':');
	struct ff_table *t = calloc(1, sizeof(*t));
	struct ff_err oe = { .status = FF_OK };
	size_t tlen;

	if (t == NULL || (t->spec = strdup(spec)) == NULL) {
		free(t);
		ff_err_sys(e, ENOMEM, "%s", spec);
		return NULL;
	}
	t->type = &broken_type;
	t->calls = &calls;
	t->utf8 = ctx->utf8;
	t->try0null = t->try1null = 1;
	if (colon == NULL || colon == spec || colon[1] == 0) {
		ff_err_set(&oe, FF_CONFIG, "%s: expected \"type:name\"", spec);
		goto broken;
	}
	tlen = (size_t)(colon - spec);
	t->name = t->spec + tlen + 1;
	for (size_t i = 0; i < NTYPES; i++)
		if (strlen(types[i]->name) == tlen && strncmp(types[i]->name, spec, tlen) == 0)
			t->type = types[i];
	if (t->type == &broken_type)
		t->type = &ff_table_type_postmap;
	if (t->type->open(t, ctx, &oe) == 0)
		return t;
broken:
	make_broken(t, oe.msg);
	if (t->why == NULL) {
		ff_table_close(t);
		ff_err_sys(e, ENOMEM, "%s", spec);
		return NULL;
	}
	if (e != NULL)
		*e = oe;
	return t;
}

struct ff_table *
ff_table_surrogate(const char *spec, const char *why)
{
	struct ff_table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->type = &broken_type;
	t->spec = strdup(spec);
	t->why = strdup(why);
	if (t->spec == NULL || t->why == NULL) {
		ff_table_close(t);
		return NULL;
	}
	t->name = t->spec;
	return t;
}

int
ff_table_lookup(struct ff_table *t, const char *key, const char **value, struct ff_err *e)
{
	char shown[4 * KEY_SHOW + 8];
	const char *v = NULL;
	int r;

	if (t->utf8 && !ff_utf8_valid(key, strlen(key))) {
		ff_msg_warn("%s: non-UTF-8 key \"%s\": malformed UTF-8 or invalid codepoint",
		    t->spec, ff_msg_safe(key, strnlen(key, KEY_SHOW), shown, sizeof(shown)));
		return 0;
	}
	if ((r = t->type->lookup(t, key, &v, e)) <= 0)
		return r;
	if (t->utf8 && !ff_utf8_valid(v, strlen(v)))
		return ff_table_fail(t, e, "key \"%s\": non-UTF-8 value",
		    ff_msg_safe(key, strnlen(key, KEY_SHOW), shown, sizeof(shown)));
	if (value != NULL)
		*value = v;
	return 1;
}

int
ff_table_fixed(const struct ff_table *t)
{
	return t->fixed;
}

int
ff_table_broken(const struct ff_table *t)
{
	return t->type == &broken_type;
}

const char *
ff_table_spec(const struct ff_table *t)
{
	return t->spec;
}

void
ff_table_close(struct ff_table *t)
{
	if (t == NULL)
		return;
	if (t->type->close != NULL)
		t->type->close(t);
	ff_watch_free(&t->files);
	free(t->vbuf);
	free(t->why);
	free(t->spec);
	free(t);
}

int
ff_table_changed(const struct ff_table *t)
{
	return ff_watch_changed(&t->files);
}
