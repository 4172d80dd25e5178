/*
 * server_int.h - the server skeleton's settings (not installed; see server.h)
 *
 * DESCRIPTION
 *	struct ff_server and struct ff_pool, shared by server.c (one
 *	process's loop) and pool.c (the pool of workers).
 */
#ifndef FF_SERVER_INT_H
#define FF_SERVER_INT_H

#include "postfix/master.h"
#include "server/server.h"

struct ff_server {
	int lfd[FF_MASTER_MAX_LISTEN];
	int nlisten;
	struct ff_master *chan;
	long idle_ms;
	long max_use;
	ff_server_serve_cb *serve;
	void *ctx;
	int late_taken;		/* serve reports FF_MASTER_TAKEN itself */
};

struct ff_pool {
	int max_workers;
	ff_pool_reload_cb *reload;
};

#endif
