/*
 * split.c - Postfix's list syntax (see split.h)
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/msg.h"
#include "util/split.h"

char *
ff_split_brace(char **cursor, const char *sep)
{
	char *s = *cursor, *start;
	int level = 0;

	s += strspn(s, sep);
	if (*s == 0) {
		*cursor = s;
		return NULL;
	}
	for (start = s; *s; s++) {
		if (*s == '{')
			level++;
		else if (*s == '}' && level > 0)
			level--;
		else if (level == 0 && strchr(sep, *s))
			break;
	}
	if (*s)
		*s++ = 0;
	*cursor = s;
	return start;
}

char *
ff_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* balanced - length of the {...} group at s, braces included; 0 if unbalanced */
static size_t
balanced(const char *s)
{
	int level = 0;

	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '{')
			level++;
		else if (s[i] == '}' && --level == 0)
			return i + 1;
	}
	return 0;
}

const char *
ff_unbrace(char **text)
{
	char *s = *text;
	size_t len = balanced(s);
	const char *err = NULL;

	if (len == 0) {
		err = "missing '}'";
		s++;
	} else {
		if (s[len] != 0)
			err = "syntax error after '}'";
		s[len - 1] = 0;
		s++;
	}
	*text = ff_trim(s);
	return err;
}

const char *
ff_split_qnameval(char *buf, char **key, char **value)
{
	int quoted = 0;
	char *k = buf, *end, *v;

	while (isspace((unsigned char)*k))
		k++;
	if (*k == 0)
		return "no key found; expected format: key = value";
	for (end = k; *end; end++) {
		if (*end == '\\') {
			if (*++end == 0)
				break;
		} else if (isspace((unsigned char)*end) || *end == '=') {
			if (!quoted)
				break;
		} else if (*end == '"') {
			quoted = !quoted;
		}
	}
	if (quoted)
		return "unbalanced '\"'";
	for (v = end; isspace((unsigned char)*v); v++)
		;
	if (*v != '=')
		return "missing '=' after attribute name";
	*end = 0;
	*key = k;
	*value = ff_trim(v + 1);
	return NULL;
}

static int
put(struct ff_lline *ll, int ch)
{
	char *nb;

	if (ll->len + 2 > ll->cap) {
		size_t ncap = ll->cap ? ll->cap * 2 : 128;
		if (ll->len + 2 > FF_LLINE_MAX) {
			errno = EFBIG;
			return -1;
		}
		if ((nb = realloc(ll->text, ncap)) == NULL)
			return -1;
		ll->text = nb;
		ll->cap = ncap;
	}
	ll->text[ll->len++] = (char)ch;
	return 0;
}

int
ff_read_logical(FILE *fp, struct ff_lline *ll)
{
	size_t start, i;
	int ch, next;

	for (;;) {
		ll->len = 0;
		for (;;) {
			/* one physical line */
			start = ll->len;
			while ((ch = getc_unlocked(fp)) != EOF && ch != '\n')
				if (put(ll, ch) < 0)
					return -1;
			if (ch == EOF && ferror(fp))
				return -1;
			if (ch == '\n' || ll->len > start)
				ll->lineno++;
			for (i = start; i < ll->len && isspace((unsigned char)ll->text[i]); i++)
				;
			if (i == ll->len || ll->text[i] == '#')
				ll->len = start;	/* blank or comment */
			else if (start == 0)
				ll->first = ll->lineno;
			if (ch == EOF)
				break;
			if (ll->len > 0) {
				if ((next = getc_unlocked(fp)) != EOF)
					ungetc(next, fp);
				if (next != '#' && (next == EOF || !isspace(next)))
					break;
			}
		}
		if (ll->text != NULL)
			ll->text[ll->len] = 0;
		if (ll->len > 0 && isspace((unsigned char)ll->text[0])) {
			ff_msg_warn("%s: logical line must not start with whitespace: \"%.30s%s\"",
			    ll->path, ll->text, ll->len > 30 ? "..." : "");
			continue;
		}
		return ll->len > 0;
	}
}

void
ff_lline_free(struct ff_lline *ll)
{
	free(ll->text);
	ll->text = NULL;
	ll->len = ll->cap = 0;
}

int
ff_all_digits(const char *s)
{
	if (*s == 0)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* ff_list_next - next word of a comma/white-space separated list */
const char *
ff_list_next(const char **cursor, size_t *len)
{
	const char *s = *cursor, *start;

	while (*s && (*s == ',' || isspace((unsigned char)*s)))
		s++;
	if (*s == 0) {
		*cursor = s;
		return NULL;
	}
	start = s;
	while (*s && *s != ',' && !isspace((unsigned char)*s))
		s++;
	*len = (size_t)(s - start);
	*cursor = s;
	return start;
}

int
ff_list_has(const char *list, const char *word)
{
	size_t len, wlen = strlen(word);
	const char *w;

	while ((w = ff_list_next(&list, &len)) != NULL)
		if (len == wlen && strncasecmp(w, word, len) == 0)
			return 1;
	return 0;
}
