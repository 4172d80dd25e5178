/*
 * clock.h - the monotonic clock in milliseconds, and waits for poll(2)
 *
 * SYNOPSIS
 *	#include "util/clock.h"
 *
 *	long ff_now_ms(void);
 *	int ff_poll_ms(long ms);
 *
 * DESCRIPTION
 *	ff_now_ms() is CLOCK_MONOTONIC in milliseconds. ff_poll_ms() is
 *	the one conversion of a wait in milliseconds (a long, as from
 *	ff_time_ms() or a deadline minus now) to the int that poll(2) and
 *	epoll_wait(2) take: negative stays -1 (no limit), more than
 *	INT_MAX (24.8 days) is INT_MAX, so a caller with a longer wait
 *	must loop until its deadline.
 */
#ifndef FF_CLOCK_H
#define FF_CLOCK_H

#include "util/api.h"

FF_API long ff_now_ms(void);
FF_API int ff_poll_ms(long);

#endif
