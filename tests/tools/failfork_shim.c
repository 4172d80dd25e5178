/*
 * failfork_shim.c - build/tests/tools/failfork.so, an LD_PRELOAD shim whose
 * fork() fails on demand, for the tests of what a failed fork does
 *
 *	LD_PRELOAD=.../failfork.so FF_FAILFORK=FILE [FF_FAILFORK_SKIP=N] CMD
 *
 * While FILE exists, fork() fails with EAGAIN (as at RLIMIT_NPROC), so a
 * test can make forks fail and work again while a server runs. With
 * FF_FAILFORK_SKIP=N the first N forks succeed anyway; the count is
 * process memory and so carries into the child: with N = 1 the parent's
 * fork succeeds and the child's next fork fails.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

pid_t
fork(void)
{
	static pid_t (*real)(void);
	static long done;
	const char *file = getenv("FF_FAILFORK"), *skip = getenv("FF_FAILFORK_SKIP");

	if (real == NULL && (*(void **)&real = dlsym(RTLD_NEXT, "fork")) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (file != NULL && access(file, F_OK) == 0 && done >= (skip ? atol(skip) : 0)) {
		errno = EAGAIN;
		return -1;
	}
	done++;
	return real();
}
