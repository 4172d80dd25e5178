/*
 * clock.c - the monotonic clock in milliseconds (see clock.h)
 */
#include <limits.h>
#include <time.h>

#include "util/clock.h"

long
ff_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ff_poll_ms(long ms)
{
	return ms < 0 ? -1 : ms > INT_MAX ? INT_MAX : (int)ms;
}
