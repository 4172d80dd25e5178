/*
 * qid.h - queue IDs and hashed queue paths
 *
 * SYNOPSIS
 *	int ff_qid_ok(const char *id, size_t len);
 *	size_t ff_qid_hash(const char *id, size_t len, int depth, char *dirs, size_t size);
 *
 * DESCRIPTION
 *	ff_qid_ok() accepts what Postfix's mail_queue_id_ok() accepts:
 *	1 to 255 ASCII letters, digits and underscores. The same test
 *	guards fast flush log names. Nothing that fails it is ever used
 *	in a path.
 *
 *	ff_qid_hash() writes the hash directory prefix of a queue file in
 *	a hashed queue ("9/" for 9FBF11234 at depth 1, "9/F/" at depth
 *	2) and returns its length. Short IDs hash on their own leading
 *	characters; long IDs (enable_long_queue_ids) hash on the hex form
 *	of the microseconds field, the four base-52 characters before the
 *	last 'z' (an undecodable field counts as 0). Levels beyond the
 *	key's length use '_', as Postfix does. The caller guarantees
 *	ff_qid_ok(id) and a buffer of at least 2 * depth + 1 bytes.
 */
#ifndef FF_QID_H
#define FF_QID_H

#include "util/api.h"

#include <stddef.h>

#define FF_QID_MAX	255	/* longest queue ID or log name */
#define FF_HASH_MAX_DEPTH 16

FF_API int ff_qid_ok(const char *, size_t);
FF_API size_t ff_qid_hash(const char *, size_t, int, char *, size_t);

#endif
