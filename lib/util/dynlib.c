/*
 * dynlib.c - libraries loaded when first needed (see dynlib.h)
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "util/dynlib.h"

int
ff_dynlib_load(struct ff_dynlib *lib, struct ff_err *e)
{
	void *h;

	if (lib->state == 0) {
		lib->state = -1;
		if ((h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
			const char *why = dlerror();

			strlcpy(lib->why, why ? why : lib->soname, sizeof(lib->why));
		} else {
			size_t i;

			for (i = 0; i < lib->nsyms; i++) {
				/* POSIX's way to store dlsym()'s result in a function pointer */
				if ((*lib->syms[i].ptr = dlsym(h, lib->syms[i].name)) == NULL) {
					snprintf(lib->why, sizeof(lib->why), "%s: no symbol %s",
					    lib->soname, lib->syms[i].name);
					break;
				}
			}
			if (i == lib->nsyms)
				lib->state = 1;
			else
				dlclose(h);
		}
	}
	if (lib->state > 0)
		return 0;
	return ff_err_set(e, FF_CONFIG, "cannot load %s", lib->why);
}
