/*
 * timeval.c - Postfix's time values, the one checked, clamping conversion
 * (see conf.h: ff_parse_time(), ff_time_ms())
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "postfix/conf.h"

/*
 * ff_parse_time - "10", "10s", "5m", "12h", "7d", "1w"; unit for bare
 * numbers. The one place a time becomes a number: a number that does not
 * fit a long is an error, a longer time than FF_CONF_TIME_MAX seconds is
 * FF_CONF_TIME_MAX, so sums with it (now + time, mtime + time) and
 * ff_time_ms() cannot overflow.
 */
int
ff_parse_time(const char *s, int unit, long *secs)
{
	char *end;
	long v, mul;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || v < 0)
		return -1;
	switch (*end ? *end : unit) {
	case 's': mul = 1; break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	case 'w': mul = 7 * 86400; break;
	default: return -1;
	}
	if (*end && end[1] != 0)
		return -1;
	*secs = v > FF_CONF_TIME_MAX / mul ? FF_CONF_TIME_MAX : v * mul;
	return 0;
}

long
ff_time_ms(long secs)
{
	if (secs < 0)
		return 0;
	return secs > FF_CONF_TIME_MAX ? FF_CONF_TIME_MAX * 1000L : secs * 1000L;
}
