/*
 * expand.c - $name expansion in main.cf values (see expand.h)
 *
 * The grammar and the list of fatal mistakes follow Postfix 3.7's
 * util/mac_parse.c and util/mac_expand.c as used by dict_eval() with
 * recursion (global/mail_conf.c); the code is our own. Checked against
 * "postconf -c DIR -xh" and postmap(1) of Postfix 3.7.11.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postfix/expand.h"
#include "util/split.h"

#define WS		" \t\r\n"	/* white space around operands, as Postfix's */
#define OP_CHARS	"<>!=?+-*/~&|%"	/* an operator is the longest run of these */
#define SHOW		100		/* bytes of an expression quoted in a message */

struct outbuf {
	char *s;
	size_t len, cap;
};

struct seen {
	char *name;
	int followed;		/* its value was scanned too */
};

struct exp {
	ff_expand_lookup lookup;
	void *ctx;
	const char *param;	/* for messages */
	struct ff_err *e;
	int failed;
	int scan;		/* ff_expand_uses(): every branch, no output */
	int nomem;
	struct outbuf *out;
	unsigned long work;
	int depth;
	const char *active[FF_EXPAND_DEPTH + 2];	/* names being expanded */
	int nactive;
	struct seen *seen;	/* scan: the names referred to */
	size_t nseen, capseen;
};

static void expand_text(struct exp *, const char *, size_t);

/* fail - the first fault wins; later ones are consequences */
static void __attribute__((format(printf, 2, 3)))
fail(struct exp *x, const char *fmt, ...)
{
	char what[600];
	const char *cur = x->nactive > 0 ? x->active[x->nactive - 1] : x->param;
	va_list ap;

	if (x->failed)
		return;
	x->failed = 1;
	if (x->scan || x->e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (strcmp(cur, x->param) != 0)
		ff_err_set(x->e, FF_CONFIG, "parameter %s: %s (in the value of $%s)", x->param,
		    what, cur);
	else
		ff_err_set(x->e, FF_CONFIG, "parameter %s: %s", x->param, what);
}

static void
nomem(struct exp *x)
{
	if (!x->failed && !x->scan && x->e != NULL)
		ff_err_sys(x->e, ENOMEM, "parameter %s", x->param);
	x->failed = 1;
	x->nomem = 1;
}

/* show - an expression as written, bounded, for a message */
static const char *
show(char *buf, size_t size, const char *s, size_t n, char open)
{
	int len = (int)(n > SHOW ? SHOW : n);
	const char *more = n > SHOW ? "..." : "";

	if (open == 0)
		snprintf(buf, size, "$%.*s%s", len, s, more);
	else
		snprintf(buf, size, "$%c%.*s%s%c", open, len, s, more, open == '{' ? '}' : ')');
	return buf;
}

static int
is_name_char(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '_';
}

static int
is_alnum(int ch)
{
	return is_name_char(ch) && ch != '_';
}

static void
emit(struct exp *x, const char *s, size_t n)
{
	struct outbuf *o = x->out;
	char *ns;

	if (x->scan || x->failed || n == 0)
		return;
	if (o->len + n > FF_EXPAND_MAX) {
		fail(x, "the expansion is longer than %d bytes", FF_EXPAND_MAX);
		return;
	}
	if (o->len + n + 1 > o->cap) {
		size_t ncap = o->cap ? o->cap : 64;
		while (ncap < o->len + n + 1)
			ncap *= 2;
		if ((ns = realloc(o->s, ncap)) == NULL) {
			nomem(x);
			return;
		}
		o->s = ns;
		o->cap = ncap;
	}
	memcpy(o->s + o->len, s, n);
	o->len += n;
	o->s[o->len] = 0;
}

/* note - scan: remember a name; its entry, or NULL */
static struct seen *
note(struct exp *x, const char *name)
{
	struct seen *nv;

	for (size_t i = 0; i < x->nseen; i++)
		if (strcmp(x->seen[i].name, name) == 0)
			return &x->seen[i];
	if (x->nseen == x->capseen) {
		size_t ncap = x->capseen ? 2 * x->capseen : 16;
		if ((nv = reallocarray(x->seen, ncap, sizeof(*nv))) == NULL) {
			nomem(x);
			return NULL;
		}
		x->seen = nv;
		x->capseen = ncap;
	}
	if ((x->seen[x->nseen].name = strdup(name)) == NULL) {
		nomem(x);
		return NULL;
	}
	x->seen[x->nseen].followed = 0;
	return &x->seen[x->nseen++];
}

/*
 * braced - *cp is at '{': cut out the text up to the matching '}' (in
 * place), move *cp past it and the white space after it
 */
static char *
braced(struct exp *x, char **cp, const char *expr)
{
	char *p = *cp + 1, *payload = p;
	int level = 1;

	for (;; p++) {
		if (*p == 0) {
			fail(x, "unbalanced {} in \"%s\"", expr);
			return NULL;
		}
		if (*p == '{')
			level++;
		else if (*p == '}' && --level == 0)
			break;
	}
	*p++ = 0;
	*cp = p + strspn(p, WS);
	return payload;
}

/* operand - a {braced} operand, or else the rest of the expression as it is */
static char *
operand(struct exp *x, char **cp, const char *expr)
{
	size_t ws = strspn(*cp, WS);
	char *p;

	if ((*cp)[ws] == '{') {
		*cp += ws;
		return braced(x, cp, expr);
	}
	p = *cp;
	*cp += strlen(*cp);
	return p;
}

long
ff_compat_level(const char *text)
{
	static const long max[3] = { LONG_MAX >> 20, 1023, 1023 };
	static const int shift[3] = { 20, 10, 0 };
	const char *p = text;
	char *end;
	long v, level = 0;

	for (int i = 0; i < 3; i++) {
		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno == ERANGE || v < 0 || v > max[i])
			return -1;
		level |= v << shift[i];
		if (*end == 0)
			return level;
		if (*end != '.')
			return -1;
		p = end + 1;
	}
	return -1;	/* a fourth part */
}

/* order - compare two expanded operands as Postfix does; -2 on error */
static int
order(struct exp *x, const char *a, const char *b, int level)
{
	long la = 0, lb = 0;
	char *end;

	if (level) {
		if ((la = ff_compat_level(a)) < 0 || (lb = ff_compat_level(b)) < 0) {
			fail(x, "malformed compatibility level syntax: \"%.*s\"", SHOW,
			    ff_compat_level(a) < 0 ? a : b);
			return -2;
		}
	} else if (ff_all_digits(a) && ff_all_digits(b)) {
		errno = 0;
		la = strtol(a, &end, 10);
		if (errno == 0)
			lb = strtol(b, &end, 10);
		if (errno != 0) {
			fail(x, "number out of range in a comparison: \"%.*s\" or \"%.*s\"",
			    SHOW, a, SHOW, b);
			return -2;
		}
	} else {
		int r = strcmp(a, b);
		return (r > 0) - (r < 0);
	}
	return (la > lb) - (la < lb);
}

/*
 * compare - ${{a} OP {b}...}: *cp is at the first '{'; *value becomes
 * "true" or "" (NULL when scanning), *cp moves past the right operand
 */
static int
compare(struct exp *x, char **cp, const char **value, const char *expr)
{
	static const struct {
		const char *op;
		int lt, eq, gt;
	} ops[] = {
		{ "==", 0, 1, 0 }, { "!=", 1, 0, 1 }, { "<", 1, 0, 0 },
		{ "<=", 1, 1, 0 }, { ">=", 0, 1, 1 }, { ">", 0, 0, 1 },
	};
	struct outbuf lo = { 0 }, ro = { 0 }, *saved = x->out;
	char *left, *right, *op, *suffix;
	size_t oplen, ws;
	int k = -1, level = 0, r;

	*value = NULL;
	if ((left = braced(x, cp, expr)) == NULL)
		return -1;
	op = *cp;
	oplen = strspn(op, OP_CHARS);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strlen(ops[i].op) == oplen && strncmp(ops[i].op, op, oplen) == 0)
			k = (int)i;
	if (k < 0) {
		fail(x, "\"==\", \"!=\", \"<\", \"<=\", \">=\" or \">\" expected after {%.*s} in"
		    " \"%s\"", SHOW, left, expr);
		return -1;
	}
	*cp += oplen;
	if (is_alnum((unsigned char)**cp)) {
		for (suffix = *cp; is_alnum((unsigned char)**cp); (*cp)++)
			;
		if (*cp - suffix != 5 || strncmp(suffix, "level", 5) != 0) {
			fail(x, "bad operator suffix \"%.*s\" in \"%s\"", (int)(*cp - suffix),
			    suffix, expr);
			return -1;
		}
		level = 1;
	}
	ws = strspn(*cp, WS);
	if ((*cp)[ws] != '{') {
		fail(x, "\"{expression}\" expected after \"%.*s\" in \"%s\"", (int)(*cp - op),
		    op, expr);
		return -1;
	}
	*cp += ws;
	if ((right = braced(x, cp, expr)) == NULL)
		return -1;
	x->out = &lo;
	expand_text(x, left, strlen(left));
	x->out = &ro;
	expand_text(x, right, strlen(right));
	x->out = saved;
	r = x->failed ? -2 : x->scan ? 0 : order(x, lo.s ? lo.s : "", ro.s ? ro.s : "", level);
	free(lo.s);
	free(ro.s);
	if (r == -2)
		return -1;
	if (!x->scan)
		*value = (r < 0 ? ops[k].lt : r == 0 ? ops[k].eq : ops[k].gt) ? "true" : "";
	return 0;
}

/* follow - expand the value of name, which $name refers to */
static void
follow(struct exp *x, const char *name, const char *value)
{
	struct seen *s;

	if (x->scan) {
		if ((s = note(x, name)) != NULL && !s->followed) {
			s->followed = 1;
			expand_text(x, value, strlen(value));
		}
		return;
	}
	/*
	 * The expansion of a name depends on nothing but the values as
	 * written, so meeting it again inside itself means it never ends.
	 */
	for (int i = 0; i < x->nactive; i++)
		if (strcmp(x->active[i], name) == 0) {
			fail(x, "recursive expansion of $%s", name);
			return;
		}
	x->active[x->nactive++] = name;
	expand_text(x, value, strlen(value));
	x->nactive--;
}

/* expand_expr - the text of $name, ${...} or $(...) (open: '{', '(' or 0) */
static void
expand_expr(struct exp *x, const char *s, size_t n, char open)
{
	char expr[SHOW + 16], *copy, *cp, *name = NULL, *text;
	const char *value;
	char op = 0;
	size_t ws;

	show(expr, sizeof(expr), s, n, open);
	if (++x->work > FF_EXPAND_WORK) {
		fail(x, "the expansion takes more than %d steps", FF_EXPAND_WORK);
		return;
	}
	if (x->depth >= FF_EXPAND_DEPTH) {
		fail(x, "unreasonable nesting, more than %d levels, at \"%s\"", FF_EXPAND_DEPTH,
		    expr);
		return;
	}
	if ((copy = strndup(s, n)) == NULL) {
		nomem(x);
		return;
	}
	x->depth++;
	cp = copy;
	ws = strspn(cp, WS);
	if (cp[ws] == '{') {
		cp += ws;
		if (compare(x, &cp, &value, expr) < 0)
			goto done;
		if (*cp != 0 && *cp != '?' && *cp != ':') {
			fail(x, "\"?\" or \":\" expected after the comparison in \"%s\"", expr);
			goto done;
		}
		if (*cp != 0)
			op = *cp++;
	} else {
		name = cp += ws;
		for (;; cp++) {
			ws = strspn(cp, WS);
			if (cp[ws] == 0 || cp[ws] == '?' || cp[ws] == ':') {
				op = cp[ws];
				*cp = 0;
				cp += ws + (op != 0);
				break;
			}
			if (!is_name_char((unsigned char)*cp)) {
				fail(x, "bad parameter name in \"%s\"", expr);
				goto done;
			}
		}
		value = x->lookup(x->ctx, name);
		if (x->scan && note(x, name) == NULL)
			goto done;
	}
	/* a condition tests the value as written: it is not expanded */
	if (op == '?') {
		if ((text = operand(x, &cp, expr)) == NULL)
			goto done;
		if ((value != NULL && *value != 0) || x->scan)
			expand_text(x, text, strlen(text));
		if (*cp == 0)
			goto done;
		if (*cp != ':') {
			fail(x, "\":\" expected after {%.*s} in \"%s\"", SHOW, text, expr);
			goto done;
		}
		cp++;
		op = ':';
	}
	if (op == ':') {
		if ((text = operand(x, &cp, expr)) == NULL)
			goto done;
		if (value == NULL || *value == 0 || x->scan)
			expand_text(x, text, strlen(text));
		if (*cp != 0)
			fail(x, "unexpected text after {%.*s} in \"%s\"", SHOW, text, expr);
	} else if (value == NULL || *value == 0) {
		/* undefined or empty: nothing, and no error (as Postfix) */
	} else if (name == NULL) {
		emit(x, value, strlen(value));	/* a comparison's "true" */
	} else {
		follow(x, name, value);
	}
done:
	x->depth--;
	free(copy);
}

/* expand_text - literal text with $ references (n bytes, not terminated) */
static void
expand_text(struct exp *x, const char *s, size_t n)
{
	size_t i = 0, start, end;

	while (i < n && !x->failed) {
		if (s[i] != '$') {
			for (start = i; i < n && s[i] != '$'; i++)
				;
			emit(x, s + start, i - start);
		} else if (i + 1 < n && s[i + 1] == '$') {
			emit(x, "$", 1);
			i += 2;
		} else if (i + 1 < n && (s[i + 1] == '{' || s[i + 1] == '(')) {
			char open = s[i + 1], close = open == '{' ? '}' : ')';
			int level = 1;

			for (start = end = i + 2; end < n; end++) {
				if (s[end] == open)
					level++;
				else if (s[end] == close && --level == 0)
					break;
			}
			if (end >= n) {
				fail(x, "missing \"%c\" in \"%.*s%s\"", close,
				    (int)(n - i > SHOW ? SHOW : n - i), s + i, n - i > SHOW ? "..." : "");
				return;
			}
			if (end == start) {
				fail(x, "empty parameter name in \"$%c%c\"", open, close);
				return;
			}
			expand_expr(x, s + start, end - start, open);
			i = end + 1;
		} else {
			for (start = ++i; i < n && is_name_char((unsigned char)s[i]); i++)
				;
			if (i == start) {
				fail(x, "empty parameter name after \"$\" in \"%.*s%s\"",
				    (int)(n > SHOW ? SHOW : n), s, n > SHOW ? "..." : "");
				return;
			}
			expand_expr(x, s + start, i - start, 0);
		}
	}
}

int
ff_expand(const char *param, const char *text, ff_expand_lookup lookup, void *ctx,
    char **result, struct ff_err *e)
{
	struct outbuf out = { 0 };
	struct exp x = { .lookup = lookup, .ctx = ctx, .param = param, .e = e, .out = &out };

	x.active[x.nactive++] = param;
	expand_text(&x, text, strlen(text));
	if (!x.failed && out.s == NULL && (out.s = strdup("")) == NULL)
		nomem(&x);
	if (x.failed) {
		free(out.s);
		return -1;
	}
	*result = out.s;
	return 0;
}

int
ff_expand_uses(const char *const *roots, size_t nroots, const char *name, size_t len,
    ff_expand_lookup lookup, void *ctx)
{
	struct exp x = { .lookup = lookup, .ctx = ctx, .param = "", .scan = 1 };
	int found = 0;

	for (size_t i = 0; i < nroots; i++)
		if (strlen(roots[i]) == len && strncmp(roots[i], name, len) == 0)
			return 1;
	for (size_t i = 0; i < nroots && !x.nomem; i++) {
		const char *value = lookup(ctx, roots[i]);

		x.failed = 0;	/* a broken value hides only its own references */
		x.depth = 0;
		if (value != NULL)
			follow(&x, roots[i], value);
		else
			(void)note(&x, roots[i]);
	}
	for (size_t i = 0; i < x.nseen; i++) {
		if (strlen(x.seen[i].name) == len && strncmp(x.seen[i].name, name, len) == 0)
			found = 1;
		free(x.seen[i].name);
	}
	free(x.seen);
	return found || x.nomem;	/* out of memory: no false alarm */
}
