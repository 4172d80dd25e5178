/*
 * line.c - bounded line reading (see line.h)
 */
#include <errno.h>
#include <string.h>

#include "util/line.h"

int
ff_line_read(FILE *fp, char *buf, size_t size, size_t *len)
{
	size_t n = 0;
	int c;

	*len = 0;
	buf[0] = 0;
	while ((c = getc_unlocked(fp)) != EOF && c != '\n') {
		if (n + 1 < size) {
			buf[n++] = (char)c;
			continue;
		}
		/* too long: the rest of the line goes, unread into memory */
		buf[n] = 0;
		*len = n;
		while ((c = getc_unlocked(fp)) != EOF && c != '\n')
			;
		if (c == EOF && ferror(fp))
			return -1;
		return FF_LINE_LONG;
	}
	buf[n] = 0;
	*len = n;
	if (c == EOF) {
		if (ferror(fp))
			return -1;
		if (n == 0)
			return 0;
	}
	return 1;
}
