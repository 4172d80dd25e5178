/*
 * rxcost.c - how large regcomp(3) would make a POSIX pattern (see rxcost.h)
 *
 * One pass over the pattern with a stack of open groups. A piece (an
 * atom, a bracket, a group, a repeated piece) costs its nodes n, the work
 * q of the epsilon closures regcomp computes inside it, and whether it
 * can match the empty string (z). Each level keeps its finished branches,
 * the current branch, the run of nullable pieces at the branch's end
 * (closures span a run: a run of R nodes costs R * R), and the branch as
 * it was before its last piece, so that a repetition can replace that
 * piece by its copies. All arithmetic saturates, so the walk costs
 * O(length) whatever the counts.
 */
#include <stdlib.h>

#include "util/rxcost.h"

/* what a piece of pattern costs: nodes, closure work, whether it can match "" */
struct cost {
	size_t n, q;
	int z;
};

struct level {
	size_t alt_n, alt_q;	/* finished branches */
	int alt_z, branches;
	struct cost seq;	/* this branch so far, run not yet counted in q */
	size_t run;		/* nodes of the nullable pieces at its end */
	struct cost last;	/* its last piece */
	struct cost prev_seq;	/* the branch before the last piece */
	size_t prev_run;
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

static void
level_init(struct level *l)
{
	*l = (struct level){ .seq = { 0, 0, 1 }, .prev_seq = { 0, 0, 1 } };
}

/* append - a piece at the end of the current branch */
static void
append(struct walk *w, struct cost c)
{
	struct level *l = &w->lv[w->depth];

	l->prev_seq = l->seq;
	l->prev_run = l->run;
	l->last = c;
	l->seq.n = add(l->seq.n, c.n, w->cap);
	l->seq.q = add(l->seq.q, c.q, w->cap);
	if (c.z) {
		l->run = add(l->run, c.n, w->cap);
	} else {
		l->seq.q = add(l->seq.q, mul(l->run, l->run, w->cap), w->cap);
		l->run = 0;
	}
	l->seq.z = l->seq.z && c.z;
}

static void
piece(struct walk *w, size_t n)
{
	append(w, (struct cost){ n, 0, 0 });
}

/*
 * repeat - the last piece becomes copies of itself (min: the fewest that
 * must match). Copies of a piece that can match "" make one long run of
 * epsilon moves, whose closures regcomp computes node by node: quadratic.
 */
static void
repeat(struct walk *w, size_t copies, size_t min)
{
	struct level *l = &w->lv[w->depth];
	struct cost c = l->last, r;
	size_t opt;

	if (copies == 0)
		copies = 1;
	r.n = add(mul(copies, add(c.n, 1, w->cap), w->cap), 1, w->cap);
	/* optional copies of anything are a run of epsilon moves too */
	opt = c.z ? mul(copies, c.n, w->cap) : min < copies ? copies - min : 0;
	r.q = add(mul(copies, c.q, w->cap), mul(opt, opt, w->cap), w->cap);
	r.z = c.z || min == 0;
	l->seq = l->prev_seq;
	l->run = l->prev_run;
	append(w, r);
}

/* end_branch - the branch's run is counted; the branch joins the level's */
static void
end_branch(struct walk *w)
{
	struct level *l = &w->lv[w->depth];

	l->alt_n = add(l->alt_n, l->seq.n, w->cap);
	l->alt_q = add(l->alt_q, add(l->seq.q, mul(l->run, l->run, w->cap), w->cap), w->cap);
	l->alt_z = l->alt_z || l->seq.z;
	l->branches++;
	l->seq = (struct cost){ 0, 0, 1 };
	l->run = 0;
}

/* level_cost - what a finished level costs as one piece */
static struct cost
level_cost(struct walk *w)
{
	struct level *l = &w->lv[w->depth];

	end_branch(w);
	return (struct cost){ add(l->alt_n, (size_t)l->branches, w->cap), l->alt_q, l->alt_z };
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
 * interval - after "{" (or "\{"): 1 with the copies "{n}", "{n,}" (n and
 * a star), "{n,m}" make and the fewest that must match, or 0 (w->p
 * unchanged) when it is not an interval
 */
static int
interval(struct walk *w, size_t *copies, size_t *min)
{
	const char *start = w->p;
	long long lo, hi;

	lo = number(w);
	hi = lo;
	if (*w->p == ',') {
		w->p++;
		hi = number(w);
		if (hi < 0)
			hi = (lo < 0 ? 0 : lo) + 1;
	}
	if (w->extended ? *w->p == '}' : (w->p[0] == '\\' && w->p[1] == '}')) {
		w->p += w->extended ? 1 : 2;
		if (lo < 0)
			lo = 0;
		if (hi < lo)
			hi = lo;
		*min = (size_t)lo;
		*copies = (size_t)hi;
		return 1;
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
	level_init(&w->lv[++w->depth]);
	return 1;
}

static void
close_group(struct walk *w)
{
	struct cost c;

	if (w->depth == 0) {
		piece(w, 1);		/* a lone ")" is an ordinary character */
		return;
	}
	c = level_cost(w);
	w->depth--;
	c.n = add(c.n, 1, w->cap);
	append(w, c);
}

/*
 * operator - an operator, written bare in ERE and after a backslash in
 * BRE (w->p is past it); 0 when nesting is too deep
 */
static int
operator(struct walk *w, char c)
{
	size_t n, min;

	switch (c) {
	case '(':
		return open_group(w);
	case ')':
		close_group(w);
		break;
	case '|':
		end_branch(w);
		break;
	case '?':
		repeat(w, 1, 0);
		break;
	case '+':
		repeat(w, 2, 1);
		break;
	case '{':
		if (interval(w, &n, &min))
			repeat(w, n, min);
		else
			piece(w, 1);
		break;
	default:
		piece(w, 1);
		break;
	}
	return 1;
}

/* step - one token of the pattern; 0 when nesting is too deep */
static int
step(struct walk *w)
{
	char c = *w->p++;

	if (c == '*') {
		repeat(w, 1, 0);
		return 1;
	}
	if (c == '[') {
		bracket(w);
		piece(w, 1);
		return 1;
	}
	if (c == '\\') {
		if (*w->p == '\0') {
			piece(w, 1);
			return 1;
		}
		c = *w->p++;
		if (w->extended) {
			piece(w, 1);	/* an escaped character */
			return 1;
		}
		return operator(w, c);
	}
	if (!w->extended) {
		piece(w, 1);		/* bare ( ) | ? + { are characters */
		return 1;
	}
	return operator(w, c);
}

size_t
ff_rx_cost(const char *re, int extended, size_t cap)
{
	struct walk *w = malloc(sizeof(*w));
	struct cost c;

	if (w == NULL)
		return cap;
	w->p = re;
	w->extended = extended;
	w->cap = cap * FF_RX_CLOSURE_WEIGHT;
	w->depth = 0;
	level_init(&w->lv[0]);
	while (*w->p != '\0')
		if (!step(w)) {
			free(w);
			return cap;
		}
	/* groups left open count as closed: regcomp refuses them anyway */
	while (w->depth > 0)
		close_group(w);
	c = level_cost(w);
	free(w);
	c.q /= FF_RX_CLOSURE_WEIGHT;
	return c.n >= cap || c.q >= cap - c.n ? cap : c.n + c.q;
}
