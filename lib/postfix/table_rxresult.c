/*
 * table_rxresult.c - the result text of a regexp: or pcre: rule: checked
 * when the rule is made, its $n filled in at a match (see
 * table_rxfile_int.h)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "postfix/table_rxfile_int.h"

/*
 * A result text is read as Postfix's mac_parse() reads it: literal text,
 * where "$$" stands for "$", and references $name (ASCII letters, digits,
 * '_'), ${name} or $(name) (the same bracket may nest inside). A "$"
 * with no name after it, or an unclosed bracket, is an error, with
 * mac_parse()'s warning. rx_walk() hands each piece to fn(), which
 * returns RX_BAD or RX_NOMEM bits (or 0); literal text only as one piece
 * before a reference or at the end (not after an error).
 */
enum { RX_LITERAL, RX_REF };
#define RX_BAD		1
#define RX_NOMEM	2

typedef int rx_piece_fn(int, const char *, size_t, void *);

static int
rx_walk(const struct ff_rx_file *f, const char *text, rx_piece_fn *fn, void *ctx)
{
	char *lit = malloc(strlen(text) + 1);
	const char *p = text, *name, *end;
	size_t llen = 0, nlen;
	int status = 0, level;
	char open, close;

	if (lit == NULL)
		return RX_NOMEM;
	while (*p) {
		if (*p != '$') {
			lit[llen++] = *p++;
			continue;
		}
		if (p[1] == '$') {
			lit[llen++] = '$';
			p += 2;
			continue;
		}
		if (llen > 0) {
			status |= fn(RX_LITERAL, lit, llen, ctx);
			llen = 0;
		}
		p++;
		if (*p == '{' || *p == '(') {
			open = *p;
			close = open == '{' ? '}' : ')';
			name = ++p;
			for (level = 1, end = p; level > 0; end++) {
				if (*end == 0) {
					ff_rx_warn(f, 0, "truncated macro reference: \"%s\"", text);
					status |= RX_BAD;
					goto done;
				}
				if (*end == open)
					level++;
				if (*end == close)
					level--;
			}
			nlen = (size_t)(end - name) - 1;
			p = end;
		} else {
			for (name = p; ff_rx_isalnum((unsigned char)*p) || *p == '_'; p++)
				;
			nlen = (size_t)(p - name);
		}
		if (nlen == 0) {
			ff_rx_warn(f, 0, "empty macro name: \"%s\"", text);
			status |= RX_BAD;
			goto done;
		}
		status |= fn(RX_REF, name, nlen, ctx);
	}
	if (llen > 0 && (status & RX_BAD) == 0)
		status |= fn(RX_LITERAL, lit, llen, ctx);
done:
	free(lit);
	return status;
}

/*
 * rx_index - the number of an all-digit reference, as Postfix takes it
 * with atoi(): glibc's atoi() is (int) strtol(), so a number too large
 * wraps around (and "$4294967297" is "$1"); Postfix then keeps it in a
 * size_t.
 */
static size_t
rx_index(const char *name)
{
	return (size_t)(long)(int)strtol(name, NULL, 10);
}

struct rx_prescan {
	const struct ff_rx_file *f;
	const struct ff_rx_syntax *sx;
	int lineno;
	size_t max_sub;
	char *literal;		/* the whole result when it has no $n */
};

/* rx_prescan - check the references of a result text, find the largest */
static int
rx_prescan(int type, const char *s, size_t len, void *ctx)
{
	struct rx_prescan *ps = ctx;
	size_t n;

	if (type == RX_LITERAL) {
		if (ps->max_sub == 0 && (ps->literal = strndup(s, len)) == NULL)
			return RX_NOMEM;
		return 0;
	}
	free(ps->literal);
	ps->literal = NULL;
	for (size_t i = 0; i < len; i++) {
		if (!ff_rx_isdigit((unsigned char)s[i])) {
			ff_rx_warn(ps->f, ps->lineno, "non-numeric replacement index \"%.*s\"",
			    (int)len, s);
			return RX_BAD;
		}
	}
	if ((n = rx_index(s)) < 1) {
		ff_rx_warn(ps->f, ps->lineno, "%s replacement index \"%.*s\"", ps->sx->out_of_range,
		    (int)len, s);
		return RX_BAD;
	}
	if (n > ps->max_sub)
		ps->max_sub = n;
	return 0;
}

int
ff_rx_result_check(const struct ff_rx_file *f, const struct ff_rx_syntax *sx, int lineno,
    const char *text, size_t *max_sub, char **literal)
{
	struct rx_prescan ps = { f, sx, lineno, 0, NULL };
	int st = rx_walk(f, text, rx_prescan, &ps);

	*max_sub = 0;
	*literal = NULL;
	if (st != 0) {
		free(ps.literal);
		return st & RX_NOMEM ? -1 : 0;
	}
	*max_sub = ps.max_sub;
	*literal = ps.literal;
	return 1;
}

struct rx_expand {
	struct ff_rx_file *f;
	ff_rx_sub_fn *sub;
	void *arg;
};

static int
rx_append(struct ff_rx_file *f, const char *s, size_t len)
{
	char *nb;

	if (f->xlen + len + 1 > f->xcap) {
		size_t ncap = f->xcap ? f->xcap : 64;
		while (ncap < f->xlen + len + 1)
			ncap *= 2;
		if ((nb = realloc(f->xbuf, ncap)) == NULL)
			return -1;
		f->xbuf = nb;
		f->xcap = ncap;
	}
	memcpy(f->xbuf + f->xlen, s, len);
	f->xlen += len;
	return 0;
}

/* rx_expand - one piece of a result: literal text, or subexpression $n */
static int
rx_expand(int type, const char *s, size_t len, void *ctx)
{
	struct rx_expand *x = ctx;
	const char *sub;
	size_t slen;

	if (type == RX_REF) {
		/* checked by rx_prescan() when the rule was made */
		if (!x->sub(x->arg, rx_index(s), &sub, &slen))
			return 0;
		s = sub;
		len = slen;
	}
	return rx_append(x->f, s, len) < 0 ? RX_NOMEM : 0;
}

int
ff_rx_result(struct ff_rx_file *f, const struct ff_rx_rule *r, ff_rx_sub_fn *sub, void *arg,
    const char **value, struct ff_err *e)
{
	struct rx_expand x = { f, sub, arg };
	const char *text = r->result;
	size_t len = strlen(r->result);

	if (r->max_sub > 0) {
		f->xlen = 0;
		if (rx_walk(f, r->result, rx_expand, &x) != 0)
			return ff_err_sys(e, ENOMEM, "%s", f->t->spec);
		text = f->xbuf != NULL ? f->xbuf : "";
		len = f->xlen;
	}
	if ((*value = ff_table_value(f->t, text, len)) == NULL)
		return ff_err_sys(e, ENOMEM, "%s", f->t->spec);
	return 1;
}
