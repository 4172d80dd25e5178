/*
 * domlist.c - fast_flush_domains: Postfix domain list matching (see domlist.h)
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domlist.h"
#include "map.h"
#include "msg.h"

#define SEPARATORS	", \t\r\n"
#define MAX_INCLUDE	8	/* /file nesting */
#define MAX_LINE	(1 << 20)

enum pat_kind { PAT_DOMAIN, PAT_TABLE, PAT_BROKEN };

struct pattern {
	enum pat_kind kind;
	int negate;
	int fixed;		/* table keys are fixed strings: try parents */
	int always;		/* static: every lookup finds */
	char *text;		/* domain, or the table's "type:name" */
	char *why;		/* PAT_BROKEN: reason lookups fail */
	struct ff_map keys;	/* PAT_TABLE: lowercased keys */
};

struct ff_domlist {
	char *param;
	int parent;
	struct pattern *p;
	size_t n, cap;
};

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* next_token - split on separators, keeping {...} groups whole */
static char *
next_token(char **cursor)
{
	char *s = *cursor, *start;
	int level = 0;

	s += strspn(s, SEPARATORS);
	if (*s == 0) {
		*cursor = s;
		return NULL;
	}
	for (start = s; *s; s++) {
		if (*s == '{')
			level++;
		else if (*s == '}' && level > 0)
			level--;
		else if (level == 0 && strchr(SEPARATORS, *s))
			break;
	}
	if (*s)
		*s++ = 0;
	*cursor = s;
	return start;
}

static struct pattern *
add_pattern(struct ff_domlist *l, enum pat_kind kind, int negate, const char *text)
{
	struct pattern *p, *np;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		if ((np = reallocarray(l->p, ncap, sizeof(*np))) == NULL)
			return NULL;
		l->p = np;
		l->cap = ncap;
	}
	p = &l->p[l->n];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->negate = negate;
	if ((p->text = strdup(text)) == NULL)
		return NULL;
	l->n++;
	return p;
}

/* broken - make lookups that reach this pattern fail, saying why */
static int
broken(struct pattern *p, const char *what, const char *why)
{
	char buf[768];

	snprintf(buf, sizeof(buf), "%s: %s", what, why);
	p->kind = PAT_BROKEN;
	return (p->why = strdup(buf)) == NULL ? -1 : 0;
}

static char *
trimmed(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* load_inline - inline:{key=value, {key = value}, ...} */
static int
load_inline(struct pattern *p, const char *spec)
{
	size_t len = strlen(spec);
	char *copy, *cursor, *item, *eq, *key;
	int rc = 0, items = 0;

	if (len < 2 || spec[0] != '{' || spec[len - 1] != '}')
		return broken(p, p->text, "expected inline:{name=value, ...}");
	if ((copy = strndup(spec + 1, len - 2)) == NULL)
		return -1;
	cursor = copy;
	while (rc == 0 && (item = next_token(&cursor)) != NULL) {
		size_t ilen = strlen(item);

		items++;
		if (item[0] == '{') {
			if (item[ilen - 1] != '}') {
				rc = broken(p, p->text, "unbalanced braces");
				break;
			}
			item[ilen - 1] = 0;
			item++;
		}
		if ((eq = strchr(item, '=')) == NULL) {
			rc = broken(p, p->text, "expected name=value");
			break;
		}
		*eq = 0;
		key = trimmed(item);
		if (*key == 0)
			continue;	/* Postfix quietly never matches it */
		/* keys are stored as written: Postfix 3.7 folds only the lookup */
		if (ff_map_put(&p->keys, key, strlen(key), NULL) < 0)
			rc = -1;
	}
	free(copy);
	if (rc == 0 && items == 0)	/* Postfix: "empty table" */
		rc = broken(p, p->text, "empty table; need inline:{name=value...}");
	return rc;
}

/* texthash_entry - one logical "key whitespace value" line */
static int
texthash_entry(struct pattern *p, char *line, const char *path, int lineno)
{
	char *key = trimmed(line), *value;

	if (*key == 0)
		return 0;
	value = key + strcspn(key, " \t\r\n");
	if (*value)
		*value++ = 0;
	value = trimmed(value);
	if (*value == 0) {
		ff_msg_warn("%s, line %d: expected format: key whitespace value"
		    " -- ignoring this line", path, lineno);
		return 0;
	}
	/* keys are stored as written: Postfix 3.7 folds only the lookup */
	return ff_map_put(&p->keys, key, strlen(key), NULL) < 0 ? -1 : 0;
}

/*
 * load_texthash - postmap(1) input: "key whitespace value", '#' comment
 * lines, lines that start with white space continue the previous one
 */
static int
load_texthash(struct pattern *p, const char *path)
{
	FILE *fp;
	char *line = NULL, *logical = NULL, *nb, *cp;
	size_t cap = 0, llen = 0;
	ssize_t n;
	int lineno = 0, start = 0, rc = 0;

	if ((fp = fopen(path, "re")) == NULL)
		return broken(p, p->text, strerror(errno));
	while ((n = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		if (n > MAX_LINE || memchr(line, 0, (size_t)n)) {
			rc = broken(p, p->text, "bad line in table file");
			break;
		}
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = 0;
		for (cp = line; isspace((unsigned char)*cp); cp++)
			;
		if (*cp == '#' || *cp == 0)
			continue;
		if (!isspace((unsigned char)line[0]) && logical != NULL) {
			if ((rc = texthash_entry(p, logical, path, start)) < 0)
				break;
			llen = 0;
		}
		if (llen == 0)
			start = lineno;
		if (llen + (size_t)n + 1 > MAX_LINE || (nb = realloc(logical, llen + (size_t)n + 1)) == NULL) {
			rc = -1;
			break;
		}
		logical = nb;
		memcpy(logical + llen, line, (size_t)n + 1);
		llen += (size_t)n;
	}
	if (rc == 0 && logical != NULL && llen > 0)
		rc = texthash_entry(p, logical, path, start);
	free(line);
	free(logical);
	fclose(fp);
	return rc;
}

/* add_table - "type:name" pattern */
static int
add_table(struct ff_domlist *l, int negate, const char *item)
{
	struct pattern *p = add_pattern(l, PAT_TABLE, negate, item);
	const char *colon = strchr(item, ':'), *name = colon + 1;
	size_t tlen = (size_t)(colon - item);

	if (p == NULL || ff_map_init(&p->keys, 0) < 0)
		return -1;
	p->fixed = 1;
	if (tlen == 6 && strncmp(item, "inline", 6) == 0)
		return load_inline(p, name);
	if (tlen == 8 && strncmp(item, "texthash", 8) == 0)
		return load_texthash(p, name);
	if (tlen == 6 && strncmp(item, "static", 6) == 0) {
		p->always = 1;
		return 0;
	}
	if (tlen == 4 && strncmp(item, "fail", 4) == 0)
		return broken(p, item, "table lookup problem");
	return broken(p, item, "table type not supported by fastflush"
	    " (use inline:, texthash:, static: or a /file/name)");
}

static int parse(struct ff_domlist *, char *, int, int, struct ff_err *);

/* add_file - "/file/name": every line's patterns, with the same negation */
static int
add_file(struct ff_domlist *l, int negate, const char *path, int depth, struct ff_err *e)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	if (depth >= MAX_INCLUDE)
		return ff_err_set(e, FF_CONFIG, "%s: %s: files nested too deeply", l->param, path);
	if ((fp = fopen(path, "re")) == NULL) {
		struct pattern *p = add_pattern(l, PAT_BROKEN, negate, path);
		if (p == NULL || broken(p, path, strerror(errno)) < 0)
			return ff_err_sys(e, ENOMEM, "%s", l->param);
		return 0;
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
	int neg;

	while ((item = next_token(&cursor)) != NULL) {
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
			if (add_table(l, neg, item) < 0)
				return ff_err_sys(e, ENOMEM, "%s", l->param);
		} else {
			struct pattern *p = add_pattern(l, PAT_DOMAIN, neg, item);
			if (p == NULL)
				return ff_err_sys(e, ENOMEM, "%s", l->param);
			lower(p->text);
		}
	}
	return 0;
}

struct ff_domlist *
ff_domlist_new(const char *param, const char *value, int parent_style, struct ff_err *e)
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
		free(l->p[i].text);
		free(l->p[i].why);
		ff_map_free(&l->p[i].keys);
	}
	free(l->p);
	free(l->param);
	free(l);
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

static int
match_table(const struct ff_domlist *l, const struct pattern *p, const char *site)
{
	const char *entry = site, *next;

	for (;;) {
		if (p->always || ff_map_has(&p->keys, entry, strlen(entry)))
			return 1;
		if (!p->fixed || (next = strchr(entry + 1, '.')) == NULL)
			return 0;
		entry = l->parent ? next + 1 : next;
	}
}

int
ff_domlist_match(struct ff_domlist *l, const char *site, struct ff_err *e)
{
	char folded[FF_MATCH_MAX + 1], quoted[128];
	size_t len = strlen(site);

	if (len > FF_MATCH_MAX)
		return 0;	/* longer than any host name: cannot match */
	for (size_t i = 0; i <= len; i++)
		folded[i] = (char)tolower((unsigned char)site[i]);
	for (size_t i = 0; i < l->n; i++) {
		const struct pattern *p = &l->p[i];
		int hit = 0;

		switch (p->kind) {
		case PAT_DOMAIN:
			hit = match_domain(l, p->text, folded, len);
			break;
		case PAT_TABLE:
			hit = match_table(l, p, folded);
			break;
		case PAT_BROKEN:
			return ff_err_set(e, FF_FAIL, "%s: %s (while looking up \"%s\")",
			    l->param, p->why, ff_msg_safe(site, len, quoted, sizeof(quoted)));
		}
		if (hit)
			return !p->negate;
	}
	return 0;
}
