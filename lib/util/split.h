/*
 * split.h - Postfix's list syntax: brace groups, "key = value", quoted keys
 *
 * SYNOPSIS
 *	char *ff_split_brace(char **cursor, const char *sep);
 *	const char *ff_unbrace(char **text);
 *	const char *ff_split_qnameval(char *buf, char **key, char **value);
 *	char *ff_trim(char *s);
 *	int ff_all_digits(const char *s);
 *	int ff_read_logical(FILE *fp, struct ff_lline *ll);
 *	void ff_lline_free(struct ff_lline *ll);
 *	const char *ff_list_next(const char **cursor, size_t *len);
 *	int ff_list_has(const char *list, const char *word);
 *
 * DESCRIPTION
 *	ff_split_brace() returns the next token of *cursor, in place:
 *	leading separators (any byte of sep) are skipped, and a separator
 *	inside a {...} group does not end the token (the braces stay in
 *	it). NULL at the end of the text.
 *
 *	ff_unbrace() takes text that starts with '{' and strips the
 *	braces and the white space just inside them, in place; *text then
 *	points at the inside. It returns NULL, or Postfix's message for a
 *	missing '}' or for text after the closing one (the inside is
 *	still set).
 *
 *	ff_split_qnameval() splits "key = value" in place, as Postfix's
 *	inline: table does: the key ends at white space or '=' outside
 *	double quotes (a backslash escapes the next byte; quotes and
 *	backslashes stay in the key), the value is trimmed. It returns
 *	NULL, or the reason the text is not "key = value".
 *
 *	ff_trim() strips leading and trailing white space in place.
 *	ff_all_digits() is 1 when s is one or more ASCII digits and nothing else.
 *
 *	ff_read_logical() reads the next logical line of a Postfix table
 *	source file (readllines()): blank lines and lines whose first
 *	non-blank is '#' are skipped, a line that starts with white space
 *	continues the previous one (the newline goes, the white space
 *	stays; comment lines in between do not end it), and text that
 *	starts with white space and continues nothing is skipped with a
 *	warning. ll->text holds the line (NUL-terminated, ll->len bytes),
 *	ll->first its first line number; ll->path names the file in
 *	warnings. Returns 1 with a line, 0 at the end, -1 on a read error
 *	(errno) or a logical line over FF_LLINE_MAX bytes (EFBIG).
 *	ff_lline_free() releases the buffer. Zero-initialise ll and set
 *	ll->path before the first call.
 *
 *	ff_list_next() walks a list of words separated by commas and white
 *	space (a parameter value such as hash_queue_names): the next word
 *	and its length, NULL after the last. ff_list_has() tells whether
 *	list holds word, ignoring case.
 */
#ifndef FF_SPLIT_H
#define FF_SPLIT_H

#include "util/api.h"

#include <stdio.h>

#define FF_LLINE_MAX	(1 << 20)

struct ff_lline {
	const char *path;
	char *text;
	size_t len, cap;
	int lineno;		/* physical lines read so far */
	int first;		/* first physical line of the logical one */
};

FF_API char *ff_split_brace(char **, const char *);
FF_API const char *ff_unbrace(char **);
FF_API const char *ff_split_qnameval(char *, char **, char **);
FF_API char *ff_trim(char *);
FF_API int ff_all_digits(const char *);
FF_API int ff_read_logical(FILE *, struct ff_lline *);
FF_API void ff_lline_free(struct ff_lline *);
FF_API const char *ff_list_next(const char **, size_t *);
FF_API int ff_list_has(const char *, const char *);

#endif
