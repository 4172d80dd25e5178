/*
 * table_rxfile.c - rule files of the regexp:, pcre: and cidr: tables: their
 * source, rule list, if/endif blocks and warnings, as Postfix 3.7 reads
 * them (see table_rxfile_int.h; the lines of regexp: and pcre: are
 * table_rxrule.c's, their results table_rxresult.c's)
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

int
ff_rx_isalnum(int ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

int
ff_rx_isdigit(int ch)
{
	return ch >= '0' && ch <= '9';
}

int
ff_rx_keyword(const char *p, const char *word)
{
	size_t len = strlen(word);

	return strncasecmp(p, word, len) == 0 && !ff_rx_isalnum((unsigned char)p[len]);
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

void
ff_rx_rule_free(const struct ff_rx_file *f, struct ff_rx_rule *r)
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
	ff_rx_rule_free(f, &r);
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
		ff_rx_rule_free(f, &f->rule[i]);
	free(f->rule);
	free(f->xbuf);
	f->rule = NULL;
	f->xbuf = NULL;
	f->n = f->cap = f->xlen = f->xcap = 0;
}
