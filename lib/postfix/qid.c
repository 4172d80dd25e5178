/*
 * qid.c - queue IDs and hashed queue paths (see qid.h)
 */
#include <stdio.h>
#include <string.h>

#include "postfix/qid.h"

/* characters Postfix uses for base-52 numbers in long queue IDs */
static const char b52[] = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";

#define LONG_TIME_PAD	6	/* seconds field, at least this long */
#define LONG_USEC_PAD	4	/* microseconds field, exactly this long */

static inline int
qid_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '_';
}

int
ff_qid_ok(const char *id, size_t len)
{
	if (len == 0 || len > FF_QID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!qid_char((unsigned char)id[i]))
			return 0;
	return 1;
}

/* b52_value - decode four base-52 digits, 0 if any is not a digit */
static unsigned long
b52_value(const char *s)
{
	unsigned long v = 0;
	const char *p;

	for (int i = 0; i < LONG_USEC_PAD; i++) {
		if (s[i] == 0 || (p = strchr(b52, s[i])) == NULL)
			return 0;
		v = v * 52 + (unsigned long)(p - b52);
	}
	return v;
}

size_t
ff_qid_hash(const char *id, size_t len, int depth, char *dirs, size_t size)
{
	char key[16];
	const char *k = id;
	size_t klen = len, out = 0;
	const char *z = NULL;

	for (size_t i = 0; i < len; i++)
		if (id[i] == 'z')
			z = id + i;
	if (z != NULL && (size_t)(z - id) >= LONG_TIME_PAD + LONG_USEC_PAD) {
		snprintf(key, sizeof(key), "%05lX", b52_value(z - LONG_USEC_PAD));
		k = key;
		klen = strlen(key);
	}
	for (int n = 0; n < depth && out + 2 < size; n++) {
		dirs[out++] = (size_t)n < klen ? k[n] : '_';
		dirs[out++] = '/';
	}
	dirs[out] = 0;
	return out;
}
