/*
 * json.h - JSON output for the commands' --json
 *
 * SYNOPSIS
 *	#include "util/json.h"
 *
 *	void ff_json_str(FILE *fp, const char *key, const char *s, size_t len);
 *
 * DESCRIPTION
 *	ff_json_str() writes "key":"escaped string" (key NULL: just the
 *	string) of len bytes: quote, backslash and control characters
 *	escaped, valid UTF-8 kept, any other byte as \u00XX.
 */
#ifndef FF_JSON_H
#define FF_JSON_H

#include "util/api.h"

#include <stddef.h>
#include <stdio.h>

FF_API void ff_json_str(FILE *, const char *, const char *, size_t);

#endif
