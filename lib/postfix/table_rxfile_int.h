/*
 * table_rxfile_int.h - what the rule-file tables regexp:, pcre: and cidr:
 * share (see table.h): their source, their rule list with if/endif blocks,
 * their warnings, and the "/pattern/flags result" lines of regexp: and pcre:
 *
 * SYNOPSIS
 *	int ff_rx_load(struct ff_rx_file *f, ff_rx_parse_fn *parse, const void *arg,
 *	    struct ff_err *e);
 *	const struct ff_rx_rule *ff_rx_run(struct ff_rx_file *f, ff_rx_test_fn *test,
 *	    void *arg);
 *	void ff_rx_free(struct ff_rx_file *f);
 *	void ff_rx_warn(const struct ff_rx_file *f, int lineno, const char *fmt, ...);
 *	int ff_rx_keyword(const char *p, const char *word);
 *	int ff_rx_isspace(int ch);
 *	int ff_rx_isalnum(int ch);
 *	int ff_rx_isdigit(int ch);
 *	void ff_rx_rule_free(const struct ff_rx_file *f, struct ff_rx_rule *r);
 *
 *	int ff_rx_parse_rule(struct ff_rx_file *f, char *line, int lineno, int nesting,
 *	    struct ff_rx_rule *r, const void *syntax);
 *	int ff_rx_result_check(const struct ff_rx_file *f, const struct ff_rx_syntax *sx,
 *	    int lineno, const char *text, size_t *max_sub, char **literal);
 *	int ff_rx_result(struct ff_rx_file *f, const struct ff_rx_rule *r, ff_rx_sub_fn *sub,
 *	    void *arg, const char **value, struct ff_err *e);
 *
 * DESCRIPTION
 *	A rule file is read as Postfix 3.7 reads the files of its regexp,
 *	pcre and cidr tables: TYPE:/path names a file, TYPE:{{rule}, {rule},
 *	...} gives the rules inline (each {rule} one line, as Postfix's
 *	dict_stream_open() makes them); logical lines as split.h's
 *	ff_read_logical(). The rules are kept in file order: match rules,
 *	"if" rules that open a block and "endif" rules that close one.
 *
 *	ff_rx_load() fills f, whose t, kind ("regexp", "pcre", "cidr": the
 *	word of the messages) and free_pat the caller set (the rest zero).
 *	It opens the source (ff_table_watch() first), hands each logical line
 *	to parse(f, line, lineno, nesting, r, arg): 1 made rule *r (r->op
 *	set), 0 skipped the line (it warned), -1 out of memory. It links each
 *	endif to its if ("endif" rules are only made with nesting > 0) and
 *	warns "IF has no matching ENDIF" for blocks left open, innermost
 *	first. It returns 0, or -1 with e set: no such file, a read error
 *	(Postfix ignores one in regexp and pcre files), a syntax error in an
 *	inline {...} name, out of memory. ff_rx_free() frees f's contents.
 *
 *	ff_rx_run() evaluates the rules for one key: test(f, r, arg) says
 *	whether match or if rule r holds (its negation applied); the first
 *	match rule that holds is returned; an if rule that does not hold
 *	skips to its endif, or ends the search (NULL) when it has none; NULL
 *	when nothing matched.
 *
 *	ff_rx_warn() logs "KIND map NAME, line N: TEXT" (no prefix with
 *	lineno 0) as a warning, with bytes that are not printable ASCII
 *	shown as '?' (UTF-8 characters kept when the table checks UTF-8),
 *	as Postfix prints its messages.
 *
 *	ff_rx_keyword() is 1 when p starts with word, in any case, followed
 *	by a byte that is not an ASCII letter or digit (the "if" and "endif"
 *	of rule files). ff_rx_isspace(), ff_rx_isalnum() and ff_rx_isdigit()
 *	are the ASCII classes, whatever the locale. ff_rx_rule_free() frees
 *	what rule r holds and zeroes it.
 *
 *	ff_rx_parse_rule() is the parse() of regexp: and pcre:, arg a struct
 *	ff_rx_syntax: "[!...]/pattern/flags result" (any delimiter; a
 *	backslash escapes the next byte; regexp: also "/p1/flags!/p2/flags
 *	result", p2 then must not match), "if [!]/pattern/flags", "endif". The
 *	flag letters toggle options from the type's defaults (a letter with
 *	bits 0 is obsolete: warned about, ignored). The result may refer to
 *	subexpressions as $n, ${n} or $(n) (n from 1 to the pattern's count)
 *	and says "$" as "$$", as Postfix's mac_parse() reads it. A line that
 *	does not make a rule is warned about and skipped, as Postfix does,
 *	with Postfix's wording; compile() (1 compiled, 0 bad pattern (it
 *	warned), -1 out of memory) compiles a pattern, with nosub when no
 *	subexpression will be asked for, and says how many it has.
 *
 *	ff_rx_result_check() reads the result text of a rule on line lineno
 *	(syntax sx, for the wording of its warnings) as ff_rx_parse_rule()
 *	needs it: 1 with the largest $n in *max_sub (0: no reference, and
 *	*literal is a copy of the text, else NULL), 0 when its syntax is bad
 *	(it warned), -1 out of memory. table_rxresult.c.
 *
 *	ff_rx_result() copies what match rule r returns into the table's
 *	value buffer (table_int.h): its result text, with each $n replaced
 *	by subexpression n of the match (sub(arg, n, &s, &len): 1 with the
 *	text, 0 when it did not take part or matched nothing, which then
 *	gives nothing). 1, or -1 with e set (out of memory).
 */
#ifndef FF_TABLE_RXFILE_INT_H
#define FF_TABLE_RXFILE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "postfix/table_int.h"

enum ff_rx_op {
	FF_RX_MATCH = 1,
	FF_RX_IF,
	FF_RX_ENDIF,
};

#define FF_RX_NO_ENDIF	((size_t)-1)

struct ff_rx_rule {
	enum ff_rx_op op;
	int lineno;
	int match, match2;	/* 1: pattern must match, 0: must not */
	void *pat, *pat2;	/* the type's patterns (pat2: regexp's /p1/!/p2/) */
	char *result;		/* match rules: what they return */
	size_t max_sub;		/* largest $n in result; 0: result is literal */
	size_t endif;		/* if rules: index of their endif, or FF_RX_NO_ENDIF */
};

struct ff_rx_file {
	struct ff_table *t;
	const char *kind;		/* "regexp", "pcre", "cidr" */
	void (*free_pat)(void *);
	struct ff_rx_rule *rule;
	size_t n, cap;
	char *xbuf;			/* $n expansion */
	size_t xlen, xcap;
};

typedef int ff_rx_parse_fn(struct ff_rx_file *, char *, int, int, struct ff_rx_rule *,
    const void *);
typedef int ff_rx_test_fn(struct ff_rx_file *, const struct ff_rx_rule *, void *);
typedef int ff_rx_sub_fn(void *, size_t, const char **, size_t *);

struct ff_rx_option {
	char letter;
	uint32_t bits;			/* toggled; 0: obsolete */
};

struct ff_rx_syntax {
	const struct ff_rx_option *options;	/* ends with letter 0 */
	uint32_t defaults;
	int two_patterns;		/* regexp: /p1/!/p2/; '!' ends the flags */
	int final_backslash_closes;	/* regexp: a '\' at the end closes the pattern */
	const char *unclosed;		/* "skipping" or "ignoring" this rule */
	const char *out_of_range;	/* "out-of-range" or "out of range" ($0) */
	int (*compile)(struct ff_rx_file *, int, const char *, uint32_t, int, void **, size_t *);
};

int ff_rx_load(struct ff_rx_file *, ff_rx_parse_fn *, const void *, struct ff_err *);
const struct ff_rx_rule *ff_rx_run(struct ff_rx_file *, ff_rx_test_fn *, void *);
void ff_rx_free(struct ff_rx_file *);
void ff_rx_warn(const struct ff_rx_file *, int, const char *, ...) FF_PRINTF(3, 4);
int ff_rx_keyword(const char *, const char *);
int ff_rx_isspace(int);
int ff_rx_isalnum(int);
int ff_rx_isdigit(int);
void ff_rx_rule_free(const struct ff_rx_file *, struct ff_rx_rule *);
int ff_rx_result_check(const struct ff_rx_file *, const struct ff_rx_syntax *, int, const char *,
    size_t *, char **);

ff_rx_parse_fn ff_rx_parse_rule;
int ff_rx_result(struct ff_rx_file *, const struct ff_rx_rule *, ff_rx_sub_fn *, void *,
    const char **, struct ff_err *);

#endif
