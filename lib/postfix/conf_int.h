/*
 * conf_int.h - the parameters' storage, shared by conf.c and conf_file.c
 *
 * SYNOPSIS
 *	int ff_conf_store(struct ff_conf *c, const char *name, const char *value,
 *	    int override);
 *
 * DESCRIPTION
 *	ff_conf_store() sets name's main.cf value (override 0) or its -o
 *	value (override 1), a copy, and forgets every cached expansion (any
 *	value may refer to the one that changed): 0, or -1 out of memory.
 *
 *	Not installed: conf.h is the parameters' interface.
 */
#ifndef FF_CONF_INT_H
#define FF_CONF_INT_H

#include "postfix/conf.h"
#include "util/watch.h"

struct param {
	char *name;
	char *file_value;	/* from main.cf, or NULL */
	char *override;		/* from -o, or NULL */
	char *expanded;		/* cache for ff_conf_str() */
};

struct ff_conf {
	char *dir;
	struct param *v;
	size_t n, cap;
	char myhostname[256];	/* computed defaults */
	char mydomain[256];
	int computing;		/* guards the two against each other */
	struct ff_watch files;	/* main.cf as it was read (ff_conf_changed) */
};

int ff_conf_store(struct ff_conf *, const char *, const char *, int);

#endif
