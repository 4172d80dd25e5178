/*
 * table_regexp.c - regexp:/file and regexp:{{rule}, ...}: POSIX regular
 * expressions, as Postfix 3.7's dict_regexp (see table.h)
 *
 * Each rule is "[!]/pattern/flags result", "[!]/p1/flags![!]/p2/flags
 * result" (p1 must match and p2 must not), "if [!]/pattern/flags" or
 * "endif" (table_rxfile_int.h reads them). Patterns are compiled with
 * regcomp(3) as REG_EXTENDED | REG_ICASE; the flags toggle: i REG_ICASE,
 * m REG_NEWLINE, x REG_EXTENDED. REG_NOSUB when the result has no $n. A
 * lookup returns the result of the first rule that matches the key (as
 * given: no case folding, bytes, the C locale's regex), with $n replaced by
 * subexpression n. A regexec(3) error is warned about and counts as no
 * match, whatever the rule's "!". Pattern table: t->fixed is 0.
 *
 * Unlike Postfix, a pattern that would cost regcomp more than
 * FF_RX_COST_MAX (nested or large repetitions, repeated pieces that can
 * match nothing; rxcost.h) is not compiled: it is warned about and skipped
 * like any other bad pattern, instead of regcomp allocating until memory
 * runs out.
 */
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "util/rxcost.h"
#include "postfix/table_rxfile_int.h"

struct regexp_table {
	struct ff_rx_file rx;		/* first: the table's priv */
	regmatch_t *pmatch;		/* room for the largest $n */
};

struct regexp_key {
	const char *key;
	regmatch_t *pmatch;
};

static const struct ff_rx_option regexp_options[] = {
	{ 'i', REG_ICASE },
	{ 'm', REG_NEWLINE },
	{ 'x', REG_EXTENDED },
	{ 0, 0 },
};

/* regexp_error - warn about a regcomp() or regexec() error */
static void
regexp_error(const struct ff_rx_file *f, int lineno, int err, const regex_t *expr)
{
	char buf[256];

	regerror(err, expr, buf, sizeof(buf));
	ff_rx_warn(f, lineno, "%s", buf);
}

static int
regexp_compile(struct ff_rx_file *f, int lineno, const char *re, uint32_t options, int nosub,
    void **pat, size_t *nsub)
{
	regex_t *expr = malloc(sizeof(*expr));
	int err;

	if (expr == NULL)
		return -1;
	if (ff_rx_cost(re, (options & REG_EXTENDED) != 0, FF_RX_COST_MAX) >= FF_RX_COST_MAX) {
		ff_rx_warn(f, lineno, "pattern too complex: its repetitions would cost regcomp "
		    "more than %d units (rxcost.h)", FF_RX_COST_MAX);
		free(expr);
		return 0;
	}
	if ((err = regcomp(expr, re, (int)options | (nosub ? REG_NOSUB : 0))) != 0) {
		regexp_error(f, lineno, err, expr);
		free(expr);
		return 0;
	}
	*pat = expr;
	*nsub = expr->re_nsub;
	return 1;
}

static void
regexp_free(void *pat)
{
	regfree(pat);
	free(pat);
}

static const struct ff_rx_syntax regexp_syntax = {
	.options = regexp_options,
	.defaults = REG_EXTENDED | REG_ICASE,
	.two_patterns = 1,
	.final_backslash_closes = 1,
	.unclosed = "skipping",
	.out_of_range = "out-of-range",
	.compile = regexp_compile,
};

/* regexp_exec - whether one pattern holds for the key, its "!" applied */
static int
regexp_exec(const struct ff_rx_file *f, int lineno, const regex_t *expr, int match,
    const char *key, size_t nmatch, regmatch_t *pmatch)
{
	int err = regexec(expr, key, nmatch, pmatch, 0);

	if (err == REG_NOMATCH)
		return !match;
	if (err == 0)
		return match;
	regexp_error(f, lineno, err, expr);
	return 0;
}

static int
regexp_test(struct ff_rx_file *f, const struct ff_rx_rule *r, void *arg)
{
	struct regexp_key *k = arg;

	if (r->op == FF_RX_IF)
		return regexp_exec(f, r->lineno, r->pat, r->match, k->key, 0, NULL);
	if (!regexp_exec(f, r->lineno, r->pat, r->match, k->key,
	    r->max_sub > 0 ? r->max_sub + 1 : 0, k->pmatch))
		return 0;
	return r->pat2 == NULL || regexp_exec(f, r->lineno, r->pat2, r->match2, k->key, 0, NULL);
}

static int
regexp_sub(void *arg, size_t n, const char **s, size_t *len)
{
	struct regexp_key *k = arg;
	const regmatch_t *m = &k->pmatch[n];

	if (m->rm_so < 0 || m->rm_so == m->rm_eo)
		return 0;
	*s = k->key + m->rm_so;
	*len = (size_t)(m->rm_eo - m->rm_so);
	return 1;
}

static void
regexp_close(struct ff_table *t)
{
	struct regexp_table *rt = t->priv;

	if (rt == NULL)
		return;
	ff_rx_free(&rt->rx);
	free(rt->pmatch);
	free(rt);
	t->priv = NULL;
}

static int
regexp_open(struct ff_table *t, const struct ff_table_ctx *ctx, struct ff_err *e)
{
	struct regexp_table *rt = calloc(1, sizeof(*rt));
	size_t max_sub = 0;

	if (rt == NULL)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	t->priv = rt;
	t->fixed = 0;
	rt->rx.t = t;
	rt->rx.kind = "regexp";
	rt->rx.free_pat = regexp_free;
	if (ff_rx_load(&rt->rx, ff_rx_parse_rule, &regexp_syntax, e) < 0)
		return -1;
	for (size_t i = 0; i < rt->rx.n; i++)
		if (rt->rx.rule[i].max_sub > max_sub)
			max_sub = rt->rx.rule[i].max_sub;
	if (max_sub > 0 && (rt->pmatch = calloc(max_sub + 1, sizeof(*rt->pmatch))) == NULL)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	return 0;
}

static int
regexp_lookup(struct ff_table *t, const char *key, const char **value, struct ff_err *e)
{
	struct regexp_table *rt = t->priv;
	struct regexp_key k = { key, rt->pmatch };
	const struct ff_rx_rule *r;

	if ((r = ff_rx_run(&rt->rx, regexp_test, &k)) == NULL)
		return 0;
	return ff_rx_result(&rt->rx, r, regexp_sub, &k, value, e);
}

const struct ff_table_type ff_table_type_regexp = {
	"regexp", regexp_open, regexp_lookup, regexp_close,
};
