/*
 * utf8.h - UTF-8 validity, as Postfix's valid_utf8_string() judges it
 *
 * SYNOPSIS
 *	size_t ff_utf8_len(const unsigned char *s, size_t left);
 *	int ff_utf8_valid(const char *s, size_t len);
 *
 * DESCRIPTION
 *	ff_utf8_len() returns the length (2 to 4) of the well-formed
 *	multi-byte sequence at s, or 0: an ASCII byte, a stray
 *	continuation byte, an overlong form, a surrogate (U+D800 to
 *	U+DFFF) or a code point above U+10FFFF.
 *
 *	ff_utf8_valid() is 1 when all len bytes are ASCII or well-formed
 *	UTF-8, else 0.
 */
#ifndef FF_UTF8_H
#define FF_UTF8_H

#include "util/api.h"

#include <stddef.h>

FF_API size_t ff_utf8_len(const unsigned char *, size_t);
FF_API int ff_utf8_valid(const char *, size_t);

#endif
