/*
 * domlist.c - fast_flush_domains: Postfix domain list matching (see domlist.h)
 */
#include <ctype.h>
#include <errno.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postfix/domlist.h"
#include "util/msg.h"
#include "postfix/site.h"
#include "util/split.h"
#include "util/watch.h"

#define SEPARATORS	", \t\r\n"
#define MAX_INCLUDE	8	/* /file nesting */
#define MAX_LINE	(1 << 20)

enum pat_kind { PAT_DOMAIN, PAT_TABLE };

struct pattern {
	enum pat_kind kind;
	int negate;
	char *domain;		/* PAT_DOMAIN: canonical form */
	struct ff_table *table;	/* PAT_TABLE */
};

struct ff_domlist {
	char *param;
	int parent;
	struct ff_table_ctx ctx;
	struct pattern *p;
	size_t n, cap;
	struct ff_watch files;	/* /file/name includes */
};

static struct pattern *
add_pattern(struct ff_domlist *l, enum pat_kind kind, int negate)
{
	struct pattern *p, *np;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		if ((np = reallocarray(l->p, ncap, sizeof(*np))) == NULL)
			return NULL;
		l->p = np;
		l->cap = ncap;
	}
	p = &l->p[l->n++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->negate = negate;
	return p;
}

/*
 * canon_domain - a domain pattern in the form sites are compared in: ASCII
 * lowercased; a non-ASCII one converted with IDNA (after a leading dot).
 * One that does not convert is kept lowercased: no canonical site equals it.
 */
static char *
canon_domain(const char *item)
{
	const char *body = item[0] == '.' ? item + 1 : item;
	char *out, *a = NULL;
	size_t len = strlen(item);
	int ascii = 1;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)item[i] >= 0x80)
			ascii = 0;
	if (!ascii && *body != 0 &&
	    idn2_to_ascii_8z(body, &a, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) == IDN2_OK) {
		if (asprintf(&out, "%s%s", body == item ? "" : ".", a) < 0)
			out = NULL;
		idn2_free(a);
	} else {
		out = strdup(item);
	}
	if (out != NULL)
		for (char *cp = out; *cp; cp++)
			*cp = (char)tolower((unsigned char)*cp);
	return out;
}

static int parse(struct ff_domlist *, char *, int, int, struct ff_err *);

/* add_table - a table pattern; one that cannot be opened fails its lookups */
static int
add_table(struct ff_domlist *l, int negate, const char *spec, struct ff_table *t)
{
	struct pattern *p = add_pattern(l, PAT_TABLE, negate);
	struct ff_err oe;

	if (t == NULL)
		t = ff_table_open(spec, &l->ctx, &oe);
	if (p == NULL || t == NULL) {
		ff_table_close(t);
		if (p != NULL)
			l->n--;
		return -1;
	}
	p->table = t;
	return 0;
}

/* add_file - "/file/name": every line's patterns, with the same negation */
static int
add_file(struct ff_domlist *l, int negate, const char *path, int depth, struct ff_err *e)
{
	FILE *fp;
	char *line = NULL, why[600];
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	if (depth >= MAX_INCLUDE)
		return ff_err_set(e, FF_CONFIG, "%s: %s: files nested too deeply", l->param, path);
	if ((fp = fopen(path, "re")) == NULL) {
		snprintf(why, sizeof(why), "open file %s: %s", path, strerror(errno));
		if (ff_watch_add(&l->files, path, -1) < 0 ||
		    add_table(l, negate, path, ff_table_surrogate(path, why)) < 0)
			return ff_err_sys(e, ENOMEM, "%s", l->param);
		return 0;
	}
	if (ff_watch_add(&l->files, path, fileno(fp)) < 0) {
		fclose(fp);
		return ff_err_sys(e, ENOMEM, "%s", l->param);
	}
	while (rc == 0 && (n = getline(&line, &cap, fp)) >= 0) {
		if (n > MAX_LINE || memchr(line, 0, (size_t)n))
			rc = ff_err_set(e, FF_CONFIG, "%s: %s: bad line", l->param, path);
		else if (line[0] != '#')
			rc = parse(l, line, negate, depth + 1, e);
	}
	free(line);
	fclose(fp);
	return rc;
}

/* parse - add the patterns in text, starting with the given negation */
static int
parse(struct ff_domlist *l, char *text, int negate, int depth, struct ff_err *e)
{
	char *cursor = text, *item;
	struct pattern *p;
	int neg;

	while ((item = ff_split_brace(&cursor, SEPARATORS)) != NULL) {
		if (item[0] == '#') {
			ff_msg_warn("%s: comment at end of line is not supported: %.100s %.100s",
			    l->param, item, cursor);
			break;
		}
		for (neg = negate; *item == '!'; item++)
			neg = !neg;
		if (*item == 0)
			return ff_err_set(e, FF_CONFIG, "%s: no pattern after '!'", l->param);
		if (item[0] == '/') {
			if (add_file(l, neg, item, depth, e) < 0)
				return -1;
		} else if (item[0] != '[' && strchr(item, ':') != NULL) {
			if (add_table(l, neg, item, NULL) < 0)
				return ff_err_sys(e, ENOMEM, "%s", l->param);
		} else {
			if ((p = add_pattern(l, PAT_DOMAIN, neg)) == NULL ||
			    (p->domain = canon_domain(item)) == NULL)
				return ff_err_sys(e, ENOMEM, "%s", l->param);
		}
	}
	return 0;
}

struct ff_domlist *
ff_domlist_new(const char *param, const char *value, int parent_style,
    const struct ff_table_ctx *ctx, struct ff_err *e)
{
	struct ff_domlist *l = calloc(1, sizeof(*l));
	char *copy = strdup(value);

	if (l == NULL || copy == NULL || (l->param = strdup(param)) == NULL) {
		free(copy);
		ff_domlist_free(l);
		ff_err_sys(e, ENOMEM, "%s", param);
		return NULL;
	}
	l->parent = parent_style;
	if (ctx != NULL)
		l->ctx = *ctx;
	else
		ff_table_ctx_init(&l->ctx, NULL);
	if (parse(l, copy, 0, 0, e) < 0) {
		free(copy);
		ff_domlist_free(l);
		return NULL;
	}
	free(copy);
	return l;
}

void
ff_domlist_free(struct ff_domlist *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->p[i].domain);
		ff_table_close(l->p[i].table);
	}
	free(l->p);
	free(l->param);
	ff_watch_free(&l->files);
	free(l);
}

int
ff_domlist_stale(const struct ff_domlist *l)
{
	if (ff_watch_changed(&l->files))
		return 1;
	for (size_t i = 0; i < l->n; i++)
		if (l->p[i].table != NULL && ff_table_changed(l->p[i].table))
			return 1;
	return 0;
}

static int
match_domain(const struct ff_domlist *l, const char *pat, const char *site, size_t slen)
{
	size_t plen = strlen(pat);
	const char *pd;

	if (slen == plen && memcmp(site, pat, plen) == 0)
		return 1;
	if (slen <= plen)
		return 0;
	pd = site + slen - plen;
	if (l->parent)
		return pd[-1] == '.' && memcmp(pd, pat, plen) == 0;
	return pat[0] == '.' && memcmp(pd, pat, plen) == 0;
}

/* match_table - the name, then (fixed-key tables) its parent domains */
static int
match_table(const struct ff_domlist *l, struct ff_table *t, const char *name, struct ff_err *e)
{
	const char *entry = name, *next;
	int r;

	for (;;) {
		if ((r = ff_table_lookup(t, entry, NULL, e)) != 0)
			return r;
		if (!ff_table_fixed(t) || (next = strchr(entry + 1, '.')) == NULL)
			return 0;
		entry = l->parent ? next + 1 : next;
		if (*entry == 0)
			return 0;
	}
}

/* match_forms - the first pattern that one of the forms matches decides */
static int
match_forms(struct ff_domlist *l, const char *const *forms, size_t nforms, struct ff_err *e)
{
	char quoted[128];
	struct ff_err te;
	size_t len = strlen(forms[0]);
	int hit;

	for (size_t i = 0; i < l->n; i++) {
		const struct pattern *p = &l->p[i];

		hit = 0;
		if (p->kind == PAT_DOMAIN) {
			hit = match_domain(l, p->domain, forms[0], len);
		} else {
			for (size_t f = 0; f < nforms && !hit; f++)
				if ((hit = match_table(l, p->table, forms[f], &te)) < 0)
					return ff_err_set(e, FF_FAIL, "%s: %s (while looking up \"%s\")",
					    l->param, te.msg,
					    ff_msg_safe(forms[f], strlen(forms[f]), quoted,
						sizeof(quoted)));
		}
		if (hit)
			return !p->negate;
	}
	return 0;
}

int
ff_domlist_match_canon(struct ff_domlist *l, const char *ascii, struct ff_err *e)
{
	char unicode[4 * FF_MATCH_MAX + 1];
	const char *forms[2] = { ascii, unicode };

	if (strlen(ascii) > FF_MATCH_MAX)
		return 0;	/* longer than any host name: cannot match */
	return match_forms(l, forms, ff_site_unicode(ascii, unicode, sizeof(unicode)) ? 2 : 1, e);
}

int
ff_domlist_match(struct ff_domlist *l, const char *site, struct ff_err *e)
{
	char folded[FF_SITE_MAX + 1];
	const char *forms[1] = { folded };
	size_t len = strlen(site);

	if (len > FF_MATCH_MAX)
		return 0;
	if (ff_site_canon(site, len, folded, NULL) == 0)
		return ff_domlist_match_canon(l, folded, e);
	for (size_t i = 0; i <= len; i++)
		folded[i] = (char)tolower((unsigned char)site[i]);
	return match_forms(l, forms, 1, e);
}
