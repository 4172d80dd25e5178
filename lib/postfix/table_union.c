/*
 * table_union.c - unionmap:{TYPE:NAME, ...} and pipemap:{TYPE:NAME, ...},
 * tables made of other tables (see table.h)
 *
 * As Postfix 3.7's util/dict_union.c and util/dict_pipe.c:
 *
 * Syntax: the name is one {...} group and nothing after it; inside,
 * the components are separated by commas and white space, a {...}
 * group staying whole (so "inline:{a=1, b=2}" is one component; a
 * component in braces of its own keeps them, as Postfix keeps them, and
 * then names no type Postfix or we know). There must be at least one
 * component and each must contain ':'; otherwise the whole table is
 * broken ("bad syntax ..."). Each component is opened with
 * ff_table_open(), unionmap: and pipemap: included; a component that
 * cannot be opened is a broken table of its own and fails the lookups
 * that reach it, as Postfix's surrogate component does.
 *
 * unionmap: looks the key up in every component in order. The values
 * found are joined with ',' (a comma goes before a value only when
 * text has been collected, so an empty value adds nothing); the key is
 * found when the joined text is not empty. A component that fails ends
 * the lookup at once with its error, whatever was found before.
 *
 * pipemap: looks the key up in the first component, that value in the
 * second, and so on; the last value is the result (an empty one
 * included). A component that does not find its key or fails ends the
 * lookup: not found, or failed.
 *
 * ff_table_fixed(): the first component's, as Postfix takes the
 * composite's DICT_FLAG_FIXED and DICT_FLAG_PATTERN from the first
 * table. It is taken again after every lookup, for a first component
 * (proxy:) that learns its flags late.
 *
 * ff_table_changed(): the files of all components count, recursively:
 * their records are copied into the composite's own when it is opened.
 *
 * Nesting is limited to MAX_DEPTH levels of unionmap: and pipemap: (a
 * deeper table is broken); Postfix has no limit but its stack.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/split.h"
#include "postfix/table_int.h"

#define MAX_DEPTH	32

struct composite {
	struct ff_table **parts;
	size_t n;
	char *buf;			/* the joined or piped value */
	size_t len, cap;
};

static _Thread_local int depth;	/* of composites being opened */

/* put - set (append 0) or append (1) bytes to the value buffer */
static int
put(struct composite *c, int append, const char *s, size_t len)
{
	size_t at = append ? c->len : 0;
	char *nb;

	if (at + len + 1 > c->cap) {
		size_t ncap = c->cap ? c->cap : 64;

		while (ncap < at + len + 1)
			ncap *= 2;
		if ((nb = realloc(c->buf, ncap)) == NULL)
			return -1;
		c->buf = nb;
		c->cap = ncap;
	}
	memcpy(c->buf + at, s, len);
	c->len = at + len;
	c->buf[c->len] = 0;
	return 0;
}

static void
composite_close(struct ff_table *t)
{
	struct composite *c = t->priv;

	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		t->calls->close(c->parts[i]);
	free(c->parts);
	free(c->buf);
	free(c);
	t->priv = NULL;
}

/* bad_syntax - the message for a name that is not {type:name ...} */
static int
bad_syntax(struct ff_table *t, struct ff_err *e)
{
	size_t tlen = (size_t)(t->name - 1 - t->spec);

	return ff_table_fail(t, e, "bad syntax; need \"%.*s:{type:name...}\"", (int)tlen,
	    t->spec);
}

/* open_parts - split {part, ...} and open each part */
static int
open_parts(struct ff_table *t, const struct ff_table_ctx *ctx, char *text, struct ff_err *e)
{
	struct composite *c = t->priv;
	struct ff_err pe;
	char *cursor, *part, **names = NULL, **nn;
	size_t len = strlen(text), n = 0;
	int rc = 0;

	/* one {...} group, ending with the name: Postfix's balpar() test */
	if (len < 2 || text[0] != '{' || ff_unbrace(&text) != NULL)
		return bad_syntax(t, e);
	/* every part names a type before anything is opened */
	for (cursor = text; (part = ff_split_brace(&cursor, ", \t\r\n")) != NULL; n++) {
		if ((nn = reallocarray(names, n + 1, sizeof(*nn))) == NULL) {
			free(names);
			return ff_err_sys(e, ENOMEM, "%s", t->spec);
		}
		names = nn;
		names[n] = part;
		if (strchr(part, ':') == NULL)
			rc = -1;
	}
	if (n == 0 || rc < 0) {
		free(names);
		return bad_syntax(t, e);
	}
	if ((c->parts = calloc(n, sizeof(*c->parts))) == NULL) {
		free(names);
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	}
	while (rc == 0 && c->n < n) {
		struct ff_table *p = t->calls->open(names[c->n], ctx, &pe);

		if (p != NULL)
			c->parts[c->n++] = p;
		if (p == NULL || ff_watch_merge(&t->files, &p->files) < 0)
			rc = ff_err_sys(e, ENOMEM, "%s", t->spec);
	}
	free(names);
	if (rc == 0)
		t->fixed = c->parts[0]->fixed;
	return rc;
}

static int
composite_open(struct ff_table *t, const struct ff_table_ctx *ctx, struct ff_err *e)
{
	char *copy;
	int r;

	if ((t->priv = calloc(1, sizeof(struct composite))) == NULL)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	if (depth >= MAX_DEPTH)
		return ff_table_fail(t, e, "tables nested more than %d deep", MAX_DEPTH);
	if ((copy = strdup(t->name)) == NULL)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	depth++;
	r = open_parts(t, ctx, copy, e);
	depth--;
	free(copy);
	return r;
}

static int
union_lookup(struct ff_table *t, const char *key, const char **value, struct ff_err *e)
{
	struct composite *c = t->priv;
	const char *v;
	int r;

	c->len = 0;
	for (size_t i = 0; i < c->n; i++) {
		if ((r = t->calls->lookup(c->parts[i], key, &v, e)) < 0)
			return -1;
		if (r > 0 && ((c->len > 0 && put(c, 1, ",", 1) < 0) || put(c, 1, v, strlen(v)) < 0))
			return ff_err_sys(e, ENOMEM, "%s", t->spec);
	}
	t->fixed = c->parts[0]->fixed;
	if (c->len == 0)
		return 0;
	*value = c->buf;
	return 1;
}

static int
pipe_lookup(struct ff_table *t, const char *key, const char **value, struct ff_err *e)
{
	struct composite *c = t->priv;
	const char *v;
	int r;

	if (put(c, 0, key, strlen(key)) < 0)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	for (size_t i = 0; i < c->n; i++) {
		r = t->calls->lookup(c->parts[i], c->buf, &v, e);
		if (i == 0)
			t->fixed = c->parts[0]->fixed;
		if (r <= 0)
			return r;
		if (put(c, 0, v, strlen(v)) < 0)
			return ff_err_sys(e, ENOMEM, "%s", t->spec);
	}
	*value = c->buf;
	return 1;
}

const struct ff_table_type ff_table_type_unionmap = {
	"unionmap", composite_open, union_lookup, composite_close,
};
const struct ff_table_type ff_table_type_pipemap = {
	"pipemap", composite_open, pipe_lookup, composite_close,
};
