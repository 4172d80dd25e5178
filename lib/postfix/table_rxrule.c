/*
 * table_rxrule.c - the lines of a regexp: or pcre: file: "/pattern/flags
 * result", "if /pattern/flags", "endif", as Postfix 3.7 reads them (see
 * table_rxfile_int.h)
 */
#include <stdlib.h>
#include <string.h>

#include "postfix/table_rxfile_int.h"

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
	size_t nsub, max_sub;
	char *literal = NULL;
	int st, got;

	if (!rx_pattern(f, sx, lineno, &p, &p1))
		return 0;
	if (sx->two_patterns && *p == '!' && !rx_pattern(f, sx, lineno, &p, &p2))
		return 0;
	p = skip_space(p);
	if (*p == 0)
		ff_rx_warn(f, lineno, "no replacement text: using empty string");
	if ((st = ff_rx_result_check(f, sx, lineno, p, &max_sub, &literal)) < 0)
		goto nomem;
	if (st == 0) {
		ff_rx_warn(f, lineno, "bad replacement syntax: skipping this rule");
		goto skip;
	}
	if (max_sub > 0 && p1.match == 0) {
		ff_rx_warn(f, lineno, "$number found in negative match replacement text: "
		    "skipping this rule");
		goto skip;
	}
	if ((got = sx->compile(f, lineno, p1.re, p1.options, max_sub == 0, &r->pat, &nsub)) <= 0)
		goto fail;
	if (max_sub > nsub) {
		ff_rx_warn(f, lineno, "out of range replacement index \"%d\": skipping this rule",
		    (int)max_sub);
		goto skip;
	}
	if (p2.re != NULL && (got = sx->compile(f, lineno, p2.re, p2.options, 1, &r->pat2,
	    &nsub)) <= 0)
		goto fail;
	if (literal == NULL && (literal = strdup(p)) == NULL)
		goto nomem;
	r->op = FF_RX_MATCH;
	r->match = p1.match;
	r->match2 = p2.match;
	r->result = literal;
	r->max_sub = max_sub;
	return 1;
fail:
	if (got == 0)
		goto skip;
nomem:
	ff_rx_rule_free(f, r);
	free(literal);
	return -1;
skip:
	ff_rx_rule_free(f, r);
	free(literal);
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
	if (!ff_rx_isalnum((unsigned char)*p))
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
