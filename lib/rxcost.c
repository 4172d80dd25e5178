/*
 * rxcost.c - how large regcomp(3) would make a POSIX pattern (see rxcost.h)
 *
 * One pass over the pattern with a stack of open groups. Each level keeps
 * the weight of what it holds so far (total) and of its last piece (last):
 * a repetition replaces the last piece by its copies, a closed group
 * becomes the last piece of the level around it, an alternation starts a
 * new branch whose weight adds to the total. All arithmetic saturates at
 * the cap, so the walk costs O(length) whatever the counts.
 */
#include <stdlib.h>

#include "rxcost.h"

struct level {
	size_t total;		/* nodes so far on this level */
	size_t last;		/* nodes of its last piece */
};

struct walk {
	const char *p;		/* next byte */
	int extended;		/* ERE, else BRE with GNU extensions */
	size_t cap;
	size_t depth;
	struct level lv[FF_RX_DEPTH_MAX + 1];
};

static size_t
add(size_t a, size_t b, size_t cap)
{
	return a >= cap || b >= cap - a ? cap : a + b;
}

static size_t
mul(size_t a, size_t b, size_t cap)
{
	if (a == 0 || b == 0)
		return 0;
	return a >= cap || b >= cap || a > cap / b ? cap : a * b;
}

/* piece - a new piece of weight w on the current level */
static void
piece(struct walk *w, size_t weight)
{
	struct level *l = &w->lv[w->depth];

	l->total = add(l->total, weight, w->cap);
	l->last = weight;
}

/* repeat - the last piece becomes copies of itself and a node per copy */
static void
repeat(struct walk *w, size_t copies)
{
	struct level *l = &w->lv[w->depth];
	size_t grown;

	if (copies == 0)
		copies = 1;
	grown = add(mul(copies, add(l->last, 1, w->cap), w->cap), 1, w->cap);
	l->total = l->total >= w->cap ? w->cap : add(l->total - l->last, grown, w->cap);
	l->last = grown;
}

/* number - digits at w->p, saturating at the cap; -1 when there are none */
static long long
number(struct walk *w)
{
	long long n = -1;

	while (*w->p >= '0' && *w->p <= '9') {
		n = (n < 0 ? 0 : n) * 10 + (*w->p++ - '0');
		if ((size_t)n > w->cap)
			n = (long long)w->cap;
	}
	return n;
}

/*
 * interval - after "{" (or "\{"): how many copies "{n}", "{n,}", "{n,m}"
 * make, or 0 (w->p unchanged) when it is not an interval
 */
static size_t
interval(struct walk *w)
{
	const char *start = w->p;
	long long lo, hi;

	lo = number(w);
	hi = lo;
	if (*w->p == ',') {
		w->p++;
		hi = number(w);
		if (hi < 0)
			hi = (lo < 0 ? 0 : lo) + 1;	/* {n,}: n copies and a star */
	}
	if (w->extended ? *w->p == '}' : (w->p[0] == '\\' && w->p[1] == '}')) {
		w->p += w->extended ? 1 : 2;
		if (hi < 0)
			hi = 0;
		return (size_t)(hi > lo ? hi : lo < 0 ? 0 : lo) + 1;
	}
	w->p = start;
	return 0;
}

/* bracket - skip a bracket expression; w->p is past the "[" */
static void
bracket(struct walk *w)
{
	if (*w->p == '^')
		w->p++;
	if (*w->p == ']')
		w->p++;
	while (*w->p != '\0' && *w->p != ']') {
		if (w->p[0] == '[' && (w->p[1] == ':' || w->p[1] == '.' || w->p[1] == '=')) {
			char end = w->p[1];

			for (w->p += 2; *w->p != '\0'; w->p++)
				if (w->p[0] == end && w->p[1] == ']') {
					w->p += 2;
					break;
				}
			continue;
		}
		w->p++;
	}
	if (*w->p == ']')
		w->p++;
}

/* open_group - returns 0 when nesting is too deep */
static int
open_group(struct walk *w)
{
	if (w->depth >= FF_RX_DEPTH_MAX)
		return 0;
	w->lv[++w->depth] = (struct level){ 0, 0 };
	return 1;
}

static void
close_group(struct walk *w)
{
	size_t inner;

	if (w->depth == 0) {
		piece(w, 1);		/* a lone ")" is an ordinary character */
		return;
	}
	inner = add(w->lv[w->depth--].total, 1, w->cap);
	piece(w, inner);
}

/* alternation - a new branch: its nodes add to the level's total */
static void
alternation(struct walk *w)
{
	struct level *l = &w->lv[w->depth];

	l->total = add(l->total, 1, w->cap);
	l->last = 0;
}

/* step_ere - one token of an extended pattern; 0 when too deep */
static int
step_ere(struct walk *w)
{
	size_t n;

	switch (*w->p++) {
	case '(':
		return open_group(w);
	case ')':
		close_group(w);
		break;
	case '|':
		alternation(w);
		break;
	case '*':
	case '?':
		repeat(w, 1);
		break;
	case '+':
		repeat(w, 2);
		break;
	case '{':
		if ((n = interval(w)) > 0)
			repeat(w, n);
		else
			piece(w, 1);
		break;
	case '[':
		bracket(w);
		piece(w, 1);
		break;
	case '\\':
		if (*w->p != '\0')
			w->p++;
		piece(w, 1);
		break;
	default:
		piece(w, 1);
		break;
	}
	return 1;
}

/* step_bre - one token of a basic pattern; 0 when too deep */
static int
step_bre(struct walk *w)
{
	size_t n;
	char c = *w->p++;

	if (c == '*') {
		repeat(w, 1);
		return 1;
	}
	if (c == '[') {
		bracket(w);
		piece(w, 1);
		return 1;
	}
	if (c != '\\' || *w->p == '\0') {
		piece(w, 1);
		return 1;
	}
	switch (*w->p++) {
	case '(':
		return open_group(w);
	case ')':
		close_group(w);
		break;
	case '|':
		alternation(w);
		break;
	case '?':
		repeat(w, 1);
		break;
	case '+':
		repeat(w, 2);
		break;
	case '{':
		if ((n = interval(w)) > 0)
			repeat(w, n);
		else
			piece(w, 1);
		break;
	default:
		piece(w, 1);
		break;
	}
	return 1;
}

size_t
ff_rx_cost(const char *re, int extended, size_t cap)
{
	struct walk *w = malloc(sizeof(*w));
	size_t cost;

	if (w == NULL)
		return cap;
	w->p = re;
	w->extended = extended;
	w->cap = cap;
	w->depth = 0;
	w->lv[0] = (struct level){ 0, 0 };
	while (*w->p != '\0' && w->lv[0].total < cap)
		if (!(extended ? step_ere(w) : step_bre(w))) {
			free(w);
			return cap;
		}
	/* groups left open count as closed: regcomp refuses them anyway */
	while (w->depth > 0)
		close_group(w);
	cost = w->lv[0].total;
	free(w);
	return cost;
}
