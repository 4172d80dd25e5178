/*
 * table_rxfile.c - rule files of the regexp:, pcre: and cidr: tables: source,
 * if/endif blocks, warnings, "/pattern/flags result" lines and their $n
 * results, as Postfix 3.7 reads them (see table_rxfile_int.h)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/msg.h"
#include "util/split.h"
#include "postfix/table_rxfile_int.h"

#define WARN_MAX	2048	/* bytes of one warning */

int
ff_rx_isspace(int ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

static int
rx_isalnum(int ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int
rx_isdigit(int ch)
{
	return ch >= '0' && ch <= '9';
}

int
ff_rx_keyword(const char *p, const char *word)
{
	size_t len = strlen(word);

	return strncasecmp(p, word, len) == 0 && !rx_isalnum((unsigned char)p[len]);
}

/* printable - what Postfix does to every message: '?' for what is not printable */
static void
printable(char *s, int utf8)
{
	for (unsigned char *cp = (unsigned char *)s; *cp; cp++) {
		if (*cp >= 0x20 && *cp < 0x7f)
			continue;
		if (utf8 && *cp >= 194 && *cp <= 254 && cp[1] >= 128 && cp[1] < 192) {
			while (cp[1] >= 128 && cp[1] < 192)
				cp++;
			continue;
		}
		*cp = '?';
	}
}

void
ff_rx_warn(const struct ff_rx_file *f, int lineno, const char *fmt, ...)
{
	char buf[WARN_MAX];
	size_t off = 0;
	int n;
	va_list ap;

	if (lineno > 0 && (n = snprintf(buf, sizeof(buf), "%s map %s, line %d: ", f->kind,
	    f->t->name, lineno)) > 0)
		off = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	va_start(ap, fmt);
	vsnprintf(buf + off, sizeof(buf) - off, fmt, ap);
	va_end(ap);
	printable(buf, f->t->utf8);
	ff_msg_warn("%s", buf);
}

/* ------------------------------------------------------------ the source */

/*
 * rx_inline - TYPE:{{rule}, {rule}, ...} as the text of a file, one rule a
 * line, as Postfix's dict_stream_open() makes it: 0, -1 out of memory, -2
 * a syntax error (why says which, in Postfix's words)
 */
static int
rx_inline(const char *name, char **text, size_t *len, char *why, size_t whysz)
{
	char *copy = strdup(name), *out = malloc(strlen(name) + 1);
	char *cursor = copy, *tok, *orig = NULL;
	const char *err;
	int rc = -1;

	*len = 0;
	if (copy == NULL || out == NULL)
		goto done;
	if ((err = ff_unbrace(&cursor)) != NULL) {
		snprintf(why, whysz, "%s in \"%s\"", err, name);
		rc = -2;
		goto done;
	}
	/* each rule is shorter than its {...}, so out cannot overflow */
	while ((tok = ff_split_brace(&cursor, ", \t\r\n")) != NULL) {
		if (*tok != '{') {
			snprintf(why, whysz, "no '{' at start of text in \"%s\"", tok);
			rc = -2;
			goto done;
		}
		if ((orig = strdup(tok)) == NULL)
			goto done;
		if ((err = ff_unbrace(&tok)) != NULL) {
			snprintf(why, whysz, "%s in \"%s\"", err, orig);
			rc = -2;
			goto done;
		}
		free(orig);
		orig = NULL;
		*len += (size_t)sprintf(out + *len, "%s\n", tok);
	}
	*text = out;
	out = NULL;
	rc = 0;
done:
	free(orig);
	free(copy);
	free(out);
	return rc;
}

/* rx_open - the rules' source as a stream (*fp NULL: no rules at all) */
static int
rx_open(struct ff_rx_file *f, FILE **fp, char **text, struct ff_err *e)
{
	struct ff_table *t = f->t;
	char why[FF_TABLE_PATH_MAX];
	size_t len;

	*fp = NULL;
	*text = NULL;
	if (t->name[0] == '{') {
		switch (rx_inline(t->name, text, &len, why, sizeof(why))) {
		case -1:
			return ff_err_sys(e, ENOMEM, "%s", t->spec);
		case -2:
			return ff_table_fail(t, e, "%s map: %s", f->kind, why);
		}
		if (len > 0 && (*fp = fmemopen(*text, len, "r")) == NULL)
			return ff_err_sys(e, errno, "%s: fmemopen", t->spec);
		return 0;
	}
	if ((*fp = fopen(t->name, "re")) == NULL) {
		int saved = errno;

		if (ff_table_watch(t, t->name, -1) < 0)
			return ff_err_sys(e, ENOMEM, "%s", t->spec);
		return ff_table_fail(t, e, "open %s: %s", t->name, strerror(saved));
	}
	if (ff_table_watch(t, t->name, fileno(*fp)) < 0)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	return 0;
}

/* rx_add - append rule *r to f */
static int
rx_add(struct ff_rx_file *f, const struct ff_rx_rule *r)
{
	struct ff_rx_rule *nr;

	if (f->n == f->cap) {
		size_t ncap = f->cap ? 2 * f->cap : 16;
		if ((nr = reallocarray(f->rule, ncap, sizeof(*nr))) == NULL)
			return -1;
		f->rule = nr;
		f->cap = ncap;
	}
	f->rule[f->n++] = *r;
	return 0;
}

static void
rx_rule_free(const struct ff_rx_file *f, struct ff_rx_rule *r)
{
	if (r->pat != NULL && f->free_pat != NULL)
		f->free_pat(r->pat);
	if (r->pat2 != NULL && f->free_pat != NULL)
		f->free_pat(r->pat2);
	free(r->result);
	memset(r, 0, sizeof(*r));
}

int
ff_rx_load(struct ff_rx_file *f, ff_rx_parse_fn *parse, const void *arg, struct ff_err *e)
{
	struct ff_lline ll = { .path = f->t->name };
	struct ff_rx_rule r;
	size_t *stack = NULL, depth = 0, scap = 0, *ns;
	FILE *fp;
	char *text;
	int got = 0, rc = 0;

	if (rx_open(f, &fp, &text, e) < 0) {
		if (fp != NULL)
			fclose(fp);
		free(text);
		return -1;
	}
	while (fp != NULL && (got = ff_read_logical(fp, &ll)) > 0) {
		memset(&r, 0, sizeof(r));
		r.endif = FF_RX_NO_ENDIF;
		r.lineno = ll.first;
		if ((got = parse(f, ll.text, ll.first, (int)depth, &r, arg)) < 0)
			goto nomem;
		if (got == 0)
			continue;
		if (r.op == FF_RX_IF) {
			if (depth == scap) {
				scap = scap ? 2 * scap : 8;
				if ((ns = reallocarray(stack, scap, sizeof(*ns))) == NULL)
					goto nomem_rule;
				stack = ns;
			}
			stack[depth++] = f->n;
		} else if (r.op == FF_RX_ENDIF) {
			/* parse() made no endif at depth 0 */
			f->rule[stack[--depth]].endif = f->n;
		}
		if (rx_add(f, &r) < 0)
			goto nomem_rule;
	}
	if (fp != NULL && got < 0)
		rc = ff_table_fail(f->t, e, "read %s: %s", f->t->name, strerror(errno));
	while (rc == 0 && depth > 0)
		ff_rx_warn(f, f->rule[stack[--depth]].lineno, "IF has no matching ENDIF");
	goto done;
nomem_rule:
	rx_rule_free(f, &r);
nomem:
	rc = ff_err_sys(e, ENOMEM, "%s", f->t->spec);
done:
	ff_lline_free(&ll);
	if (fp != NULL)
		fclose(fp);
	free(text);
	free(stack);
	return rc;
}

const struct ff_rx_rule *
ff_rx_run(struct ff_rx_file *f, ff_rx_test_fn *test, void *arg)
{
	const struct ff_rx_rule *r;

	for (size_t i = 0; i < f->n; i++) {
		r = &f->rule[i];
		switch (r->op) {
		case FF_RX_MATCH:
			if (test(f, r, arg))
				return r;
			break;
		case FF_RX_IF:
			if (test(f, r, arg))
				break;
			if (r->endif == FF_RX_NO_ENDIF)
				return NULL;
			i = r->endif;
			break;
		case FF_RX_ENDIF:
			break;
		}
	}
	return NULL;
}

void
ff_rx_free(struct ff_rx_file *f)
{
	for (size_t i = 0; i < f->n; i++)
		rx_rule_free(f, &f->rule[i]);
	free(f->rule);
	free(f->xbuf);
	f->rule = NULL;
	f->xbuf = NULL;
	f->n = f->cap = f->xlen = f->xcap = 0;
}

/* ------------------------------------------------------------ result text */

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
			for (name = p; rx_isalnum((unsigned char)*p) || *p == '_'; p++)
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
		if (!rx_isdigit((unsigned char)s[i])) {
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

/* ------------------------------------------------------------ rule lines */

struct rx_pattern {
	char *re;
	uint32_t options;
	int match;
};

/*
 * rx_pattern - "[!...]/pattern/flags" at *bufp: the pattern is cut out in
 * place (not unescaped: the library sees the backslashes); 1, or 0 when
 * the rule is to be skipped (warned)
 */
static int
rx_pattern(const struct ff_rx_file *f, const struct ff_rx_syntax *sx, int lineno, char **bufp,
    struct rx_pattern *pat)
{
	const struct ff_rx_option *o;
	char *p = *bufp, delim;

	pat->match = 1;
	for (;; p++) {
		if (*p == '!')
			pat->match = !pat->match;
		else if (!ff_rx_isspace((unsigned char)*p))
			break;
	}
	if (*p == 0) {
		ff_rx_warn(f, lineno, "no regexp: skipping this rule");
		return 0;
	}
	delim = *p++;
	pat->re = p;
	for (; *p; p++) {
		if (*p == '\\') {
			if (p[1] == 0) {
				if (!sx->final_backslash_closes)
					p++;
				break;
			}
			p++;
		} else if (*p == delim) {
			break;
		}
	}
	if (*p == 0) {
		ff_rx_warn(f, lineno, "no closing regexp delimiter \"%c\": %s this rule", delim,
		    sx->unclosed);
		return 0;
	}
	*p++ = 0;
	pat->options = sx->defaults;
	for (; *p && !ff_rx_isspace((unsigned char)*p) && !(sx->two_patterns && *p == '!'); p++) {
		for (o = sx->options; o->letter != 0 && o->letter != *p; o++)
			;
		if (o->letter == 0) {
			ff_rx_warn(f, lineno, "unknown regexp option \"%c\": skipping this rule", *p);
			return 0;
		}
		if (o->bits == 0)
			ff_rx_warn(f, lineno, "ignoring obsolete regexp option \"%c\"", *p);
		pat->options ^= o->bits;
	}
	*bufp = p;
	return 1;
}

static char *
skip_space(char *p)
{
	while (ff_rx_isspace((unsigned char)*p))
		p++;
	return p;
}

/* rx_match_rule - "/pattern/flags result" (regexp: "/p1/flags!/p2/flags result") */
static int
rx_match_rule(struct ff_rx_file *f, const struct ff_rx_syntax *sx, char *p, int lineno,
    struct ff_rx_rule *r)
{
	struct rx_pattern p1, p2 = { NULL, 0, 1 };
	struct rx_prescan ps = { f, sx, lineno, 0, NULL };
	size_t nsub;
	int st, got;

	if (!rx_pattern(f, sx, lineno, &p, &p1))
		return 0;
	if (sx->two_patterns && *p == '!' && !rx_pattern(f, sx, lineno, &p, &p2))
		return 0;
	p = skip_space(p);
	if (*p == 0)
		ff_rx_warn(f, lineno, "no replacement text: using empty string");
	if ((st = rx_walk(f, p, rx_prescan, &ps)) & RX_NOMEM)
		goto nomem;
	if (st & RX_BAD) {
		ff_rx_warn(f, lineno, "bad replacement syntax: skipping this rule");
		goto skip;
	}
	if (ps.max_sub > 0 && p1.match == 0) {
		ff_rx_warn(f, lineno, "$number found in negative match replacement text: "
		    "skipping this rule");
		goto skip;
	}
	if ((got = sx->compile(f, lineno, p1.re, p1.options, ps.max_sub == 0, &r->pat, &nsub)) <= 0)
		goto fail;
	if (ps.max_sub > nsub) {
		ff_rx_warn(f, lineno, "out of range replacement index \"%d\": skipping this rule",
		    (int)ps.max_sub);
		goto skip;
	}
	if (p2.re != NULL && (got = sx->compile(f, lineno, p2.re, p2.options, 1, &r->pat2,
	    &nsub)) <= 0)
		goto fail;
	if (ps.literal == NULL && (ps.literal = strdup(p)) == NULL)
		goto nomem;
	r->op = FF_RX_MATCH;
	r->match = p1.match;
	r->match2 = p2.match;
	r->result = ps.literal;
	r->max_sub = ps.max_sub;
	return 1;
fail:
	if (got == 0)
		goto skip;
nomem:
	rx_rule_free(f, r);
	free(ps.literal);
	return -1;
skip:
	rx_rule_free(f, r);
	free(ps.literal);
	return 0;
}

int
ff_rx_parse_rule(struct ff_rx_file *f, char *line, int lineno, int nesting, struct ff_rx_rule *r,
    const void *arg)
{
	const struct ff_rx_syntax *sx = arg;
	struct rx_pattern pat;
	char *p = line, *end = line + strlen(line);
	size_t nsub;
	int got;

	while (end > p && ff_rx_isspace((unsigned char)end[-1]))
		*--end = 0;
	if (*p == 0)
		return 0;
	if (!rx_isalnum((unsigned char)*p))
		return rx_match_rule(f, sx, p, lineno, r);
	if (ff_rx_keyword(p, "IF")) {
		p = skip_space(p + 2);
		if (!rx_pattern(f, sx, lineno, &p, &pat))
			return 0;
		if (*(p = skip_space(p)) != 0) {
			ff_rx_warn(f, lineno, "ignoring extra text after IF statement: \"%s\"", p);
			ff_rx_warn(f, lineno, "do not prepend whitespace to statements between IF"
			    " and ENDIF");
		}
		if ((got = sx->compile(f, lineno, pat.re, pat.options, 0, &r->pat, &nsub)) <= 0)
			return got;
		r->op = FF_RX_IF;
		r->match = pat.match;
		return 1;
	}
	if (ff_rx_keyword(p, "ENDIF")) {
		if (nesting == 0) {
			ff_rx_warn(f, lineno, "ignoring ENDIF without matching IF");
			return 0;
		}
		if (*skip_space(p + 5) != 0)
			ff_rx_warn(f, lineno, "ignoring extra text after ENDIF");
		r->op = FF_RX_ENDIF;
		return 1;
	}
	ff_rx_warn(f, lineno, "ignoring unrecognized request");
	return 0;
}
