/*
 * table_text.c - the tables that need no library: inline:{...}, texthash:
 * (postmap's input format read into memory), static: and fail:
 * (see table.h)
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/map.h"
#include "util/msg.h"
#include "util/split.h"
#include "postfix/table_int.h"
#include "util/utf8.h"

/* an in-memory table: key -> strdup'd value; a later key replaces */
static int
mem_put(struct ff_map *m, const char *key, const char *value)
{
	void **slot;
	char *copy = strdup(value);

	if (copy == NULL || ff_map_put(m, key, strlen(key), &slot) < 0) {
		free(copy);
		return -1;
	}
	free(*slot);
	*slot = copy;
	return 0;
}

static int
mem_new(struct ff_table *t, struct ff_err *e)
{
	if ((t->priv = malloc(sizeof(struct ff_map))) == NULL ||
	    ff_map_init(t->priv, 0) < 0) {
		free(t->priv);
		t->priv = NULL;
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	}
	t->fixed = 1;
	return 0;
}

static int
mem_lookup(struct ff_table *t, const char *key, const char **value, struct ff_err *e)
{
	void **slot = ff_map_get(t->priv, key, strlen(key));

	if (slot == NULL)
		return 0;
	*value = *slot;
	return 1;
}

static void
mem_close(struct ff_table *t)
{
	struct ff_map *m = t->priv;

	if (m == NULL)
		return;
	for (size_t i = 0; i < m->count; i++)
		free(m->ent[i].value);
	ff_map_free(m);
	free(m);
	t->priv = NULL;
}

/* inline:{key=value, {key = value}, ...}: no case folding, a later key wins */
static int
inline_open(struct ff_table *t, const struct ff_table_ctx *ctx, struct ff_err *e)
{
	char *copy, *cursor, *item, *key, *value;
	const char *err = NULL;
	int items = 0, rc = 0;
	size_t len = strlen(t->name);

	if (t->utf8 && !ff_utf8_valid(t->name, len))
		return ff_table_fail(t, e, "bad UTF-8 syntax; need \"inline:{name=value...}\"");
	if (len < 2 || t->name[0] != '{' || t->name[len - 1] != '}')
		return ff_table_fail(t, e, "bad syntax; need \"inline:{name=value...}\"");
	if ((copy = strndup(t->name + 1, len - 2)) == NULL || mem_new(t, e) < 0) {
		free(copy);
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	}
	cursor = copy;
	while ((item = ff_split_brace(&cursor, ", \t\r\n")) != NULL) {
		if (item[0] == '{' && (err = ff_unbrace(&item)) != NULL)
			break;
		if ((err = ff_split_qnameval(item, &key, &value)) != NULL)
			break;
		if (mem_put(t->priv, key, value) < 0) {
			rc = ff_err_sys(e, ENOMEM, "%s", t->spec);
			break;
		}
		items++;
	}
	free(copy);
	if (rc == 0 && (err != NULL || items == 0))
		rc = ff_table_fail(t, e, "%s; need \"inline:{name=value...}\"",
		    err ? err : "empty table");
	return rc;
}

/* texthash_line - "key whitespace value" as postmap reads it */
static void
texthash_line(struct ff_table *t, char *line, int lineno, int *rc, struct ff_err *e)
{
	char *key = line, *value;
	int quoted = 0;

	if (t->utf8 && !ff_utf8_valid(line, strlen(line))) {
		ff_msg_warn("%s, line %d: non-UTF-8 input -- ignoring this line", t->name, lineno);
		return;
	}
	for (value = line; *value; value++) {
		if (*value == '\\') {
			if (*++value == 0)
				break;
		} else if (isspace((unsigned char)*value)) {
			if (!quoted)
				break;
		} else if (*value == '"') {
			quoted = !quoted;
		}
	}
	if (quoted) {
		ff_msg_warn("%s, line %d: unbalanced '\"' -- ignoring this line", t->name, lineno);
		return;
	}
	if (*value)
		*value++ = 0;
	value = ff_trim(value);
	if (*key == 0 || *value == 0) {
		ff_msg_warn("%s, line %d: expected format: key whitespace value"
		    " -- ignoring this line", t->name, lineno);
		return;
	}
	if (mem_put(t->priv, key, value) < 0)
		*rc = ff_err_sys(e, ENOMEM, "%s", t->spec);
}

static int
texthash_open(struct ff_table *t, const struct ff_table_ctx *ctx, struct ff_err *e)
{
	struct ff_lline ll = { .path = t->name };
	FILE *fp;
	int r, rc = 0;

	if ((fp = fopen(t->name, "re")) == NULL) {
		ff_table_watch(t, t->name, -1);
		return ff_table_fail(t, e, "open database %s: %s", t->name, strerror(errno));
	}
	if (ff_table_watch(t, t->name, fileno(fp)) < 0 || mem_new(t, e) < 0) {
		fclose(fp);
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	}
	while (rc == 0 && (r = ff_read_logical(fp, &ll)) > 0)
		texthash_line(t, ll.text, ll.first, &rc, e);
	if (rc == 0 && r < 0)
		rc = ff_table_fail(t, e, "read %s: %s", t->name, strerror(errno));
	ff_lline_free(&ll);
	fclose(fp);
	return rc;
}

/* static:value, static:{value}: every key finds the value */
static int
static_open(struct ff_table *t, const struct ff_table_ctx *ctx, struct ff_err *e)
{
	char *copy = strdup(t->name), *value = copy;
	const char *err;

	if (copy == NULL)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	if (value[0] == '{' && (err = ff_unbrace(&value)) != NULL) {
		free(copy);
		return ff_table_fail(t, e, "bad static:name syntax: %s", err);
	}
	memmove(copy, value, strlen(value) + 1);
	t->priv = copy;
	t->fixed = 1;
	return 0;
}

static int
static_lookup(struct ff_table *t, const char *key, const char **value, struct ff_err *e)
{
	*value = t->priv;
	return 1;
}

static void
free_priv(struct ff_table *t)
{
	free(t->priv);
	t->priv = NULL;
}

/* fail:name: every lookup fails */
static int
fail_open(struct ff_table *t, const struct ff_table_ctx *ctx, struct ff_err *e)
{
	return 0;
}

static int
fail_lookup(struct ff_table *t, const char *key, const char **value, struct ff_err *e)
{
	return ff_table_fail(t, e, "table lookup problem");
}

const struct ff_table_type ff_table_type_inline = {
	"inline", inline_open, mem_lookup, mem_close,
};
const struct ff_table_type ff_table_type_texthash = {
	"texthash", texthash_open, mem_lookup, mem_close,
};
const struct ff_table_type ff_table_type_static = {
	"static", static_open, static_lookup, free_priv,
};
const struct ff_table_type ff_table_type_fail = {
	"fail", fail_open, fail_lookup, NULL,
};
