/*
 * table_pcre.c - pcre:/file and pcre:{{rule}, ...}: Perl-compatible regular
 * expressions (PCRE2, 8-bit), as Postfix 3.7's dict_pcre (see table.h)
 *
 * Each rule is "[!]/pattern/flags result", "if [!]/pattern/flags" or
 * "endif" (table_rxfile_int.h reads them). Patterns are compiled with
 * PCRE2_CASELESS | PCRE2_DOTALL; the flags toggle: i CASELESS, m
 * MULTILINE, s DOTALL, x EXTENDED, A ANCHORED, E DOLLAR_ENDONLY, U
 * UNGREEDY; X (PCRE1's EXTRA) is warned about and ignored. A lookup
 * returns the result of the first rule that matches the key (as given:
 * no case folding), with $n replaced by subexpression n.
 *
 * As in Postfix 3.7, patterns and keys are bytes: no PCRE2_UTF, even when
 * the table checks UTF-8 (t->utf8; table.c does that), so "." is one byte
 * and "\w" ASCII. No JIT and no match context: PCRE2's built-in match,
 * depth and heap limits, as Postfix. A pcre2_match() error (a limit
 * reached) is warned about and counts as no match, whatever the rule's
 * "!". Pattern table: t->fixed is 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "postfix/table_rxfile_int.h"

/* the library, loaded at the first open (dynlib.h) */
static struct {
	__typeof__(pcre2_code_free) *pcre2_code_free;
	__typeof__(pcre2_compile) *pcre2_compile;
	__typeof__(pcre2_get_error_message) *pcre2_get_error_message;
	__typeof__(pcre2_get_ovector_count) *pcre2_get_ovector_count;
	__typeof__(pcre2_get_ovector_pointer) *pcre2_get_ovector_pointer;
	__typeof__(pcre2_match) *pcre2_match;
	__typeof__(pcre2_match_data_create) *pcre2_match_data_create;
	__typeof__(pcre2_match_data_free) *pcre2_match_data_free;
	__typeof__(pcre2_pattern_info) *pcre2_pattern_info;
} fn;

static const struct ff_dynsym syms[] = {
	FF_DYNSYM(fn, pcre2_code_free),
	FF_DYNSYM(fn, pcre2_compile),
	FF_DYNSYM(fn, pcre2_get_error_message),
	FF_DYNSYM(fn, pcre2_get_ovector_count),
	FF_DYNSYM(fn, pcre2_get_ovector_pointer),
	FF_DYNSYM(fn, pcre2_match),
	FF_DYNSYM(fn, pcre2_match_data_create),
	FF_DYNSYM(fn, pcre2_match_data_free),
	FF_DYNSYM(fn, pcre2_pattern_info),
};

static struct ff_dynlib lib = FF_DYNLIB(FF_SONAME_PCRE2, syms);

struct pcre_table {
	struct ff_rx_file rx;		/* first: the table's priv */
	pcre2_match_data *md;		/* room for any pattern's captures */
};

struct pcre_key {
	const char *key;
	size_t len;
	pcre2_match_data *md;
};

static const struct ff_rx_option pcre_options[] = {
	{ 'i', PCRE2_CASELESS },
	{ 'm', PCRE2_MULTILINE },
	{ 's', PCRE2_DOTALL },
	{ 'x', PCRE2_EXTENDED },
	{ 'A', PCRE2_ANCHORED },
	{ 'E', PCRE2_DOLLAR_ENDONLY },
	{ 'U', PCRE2_UNGREEDY },
	{ 'X', 0 },
	{ 0, 0 },
};

/* pcre_message - PCRE2's text for an error code */
static const char *
pcre_message(int err, char *buf, size_t size)
{
	if (fn.pcre2_get_error_message(err, (PCRE2_UCHAR *)buf, size) < 0)
		snprintf(buf, size, "unexpected pcre2 error code %d", err);
	return buf;
}

static int
pcre_pattern_compile(struct ff_rx_file *f, int lineno, const char *re, uint32_t options, int nosub,
    void **pat, size_t *nsub)
{
	pcre2_code *code;
	PCRE2_SIZE off;
	uint32_t count;
	char buf[256];
	int err;

	code = fn.pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, options, &err, &off, NULL);
	if (code == NULL) {
		ff_rx_warn(f, lineno, "error in regex at offset %lu: %s", (unsigned long)off,
		    pcre_message(err, buf, sizeof(buf)));
		return 0;
	}
	if (fn.pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &count) != 0)
		count = 0;
	*pat = code;
	*nsub = count;
	return 1;
}

static void
pcre_pattern_free(void *pat)
{
	fn.pcre2_code_free(pat);
}

static const struct ff_rx_syntax pcre_syntax = {
	.options = pcre_options,
	.defaults = PCRE2_CASELESS | PCRE2_DOTALL,
	.two_patterns = 0,
	.final_backslash_closes = 0,
	.unclosed = "ignoring",
	.out_of_range = "out of range",
	.compile = pcre_pattern_compile,
};

static int
pcre_test(struct ff_rx_file *f, const struct ff_rx_rule *r, void *arg)
{
	struct pcre_key *k = arg;
	char buf[256];
	int rc;

	rc = fn.pcre2_match(r->pat, (PCRE2_SPTR)k->key, k->len, 0, 0, k->md, NULL);
	if (rc > 0)
		return r->match;
	if (rc == PCRE2_ERROR_NOMATCH)
		return !r->match;
	ff_rx_warn(f, r->lineno, "%s", pcre_message(rc, buf, sizeof(buf)));
	return 0;
}

static int
pcre_sub(void *arg, size_t n, const char **s, size_t *len)
{
	struct pcre_key *k = arg;
	const PCRE2_SIZE *ov = fn.pcre2_get_ovector_pointer(k->md);

	/* an unset group is PCRE2_UNSET at both ends */
	if (n >= fn.pcre2_get_ovector_count(k->md) || ov[2 * n] == PCRE2_UNSET ||
	    ov[2 * n + 1] <= ov[2 * n])
		return 0;
	*s = k->key + ov[2 * n];
	*len = ov[2 * n + 1] - ov[2 * n];
	return 1;
}

static void
pcre_close(struct ff_table *t)
{
	struct pcre_table *pt = t->priv;

	if (pt == NULL)
		return;
	ff_rx_free(&pt->rx);
	if (pt->md != NULL)
		fn.pcre2_match_data_free(pt->md);
	free(pt);
	t->priv = NULL;
}

static int
pcre_open(struct ff_table *t, const struct ff_table_ctx *ctx, struct ff_err *e)
{
	struct pcre_table *pt = calloc(1, sizeof(*pt));
	uint32_t count, most = 0;

	if (pt == NULL)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	t->priv = pt;
	t->fixed = 0;
	if (ff_table_need(t, &lib, e) < 0)
		return -1;
	pt->rx.t = t;
	pt->rx.kind = "pcre";
	pt->rx.free_pat = pcre_pattern_free;
	if (ff_rx_load(&pt->rx, ff_rx_parse_rule, &pcre_syntax, e) < 0)
		return -1;
	/* one match block large enough for every pattern: pcre2_match() never runs short */
	for (size_t i = 0; i < pt->rx.n; i++)
		if (pt->rx.rule[i].pat != NULL &&
		    fn.pcre2_pattern_info(pt->rx.rule[i].pat, PCRE2_INFO_CAPTURECOUNT, &count) == 0 &&
		    count > most)
			most = count;
	if ((pt->md = fn.pcre2_match_data_create(most + 1, NULL)) == NULL)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	return 0;
}

static int
pcre_lookup(struct ff_table *t, const char *key, const char **value, struct ff_err *e)
{
	struct pcre_table *pt = t->priv;
	struct pcre_key k = { key, strlen(key), pt->md };
	const struct ff_rx_rule *r;

	if ((r = ff_rx_run(&pt->rx, pcre_test, &k)) == NULL)
		return 0;
	return ff_rx_result(&pt->rx, r, pcre_sub, &k, value, e);
}

const struct ff_table_type ff_table_type_pcre = {
	"pcre", pcre_open, pcre_lookup, pcre_close,
};
