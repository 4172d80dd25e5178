/*
 * flushdset.c - the one-request server's handle: its settings and the
 * outcome of its last request (see flushd.h)
 */
#include <stdlib.h>
#include <string.h>

#include "flush/flushd_int.h"

struct ff_flushd *
ff_flushd_new(void)
{
	struct ff_flushd *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->mode = FF_FLUSHD_AUTO;
	d->timeout_ms = 3600L * 1000;
	d->max_string = FF_FLUSHD_MAX_STRING;
	d->max_request = FF_FLUSHD_MAX_REQUEST;
	d->allow = FF_REQ_ALL;
	d->wire = FF_FLUSHD_NOREPLY;
	d->st = FF_OK;
	return d;
}

void
ff_flushd_copy(struct ff_flushd *dst, const struct ff_flushd *src)
{
	*dst = *src;
}

void
ff_flushd_free(struct ff_flushd *d)
{
	free(d);
}

void
ff_flushd_set_mode(struct ff_flushd *d, int mode)
{
	d->mode = mode;
}

void
ff_flushd_set_allow(struct ff_flushd *d, unsigned allow)
{
	d->allow = allow;
}

void
ff_flushd_set_timeout(struct ff_flushd *d, long ms)
{
	d->timeout_ms = ms;
}

void
ff_flushd_set_first_timeout(struct ff_flushd *d, long ms)
{
	d->first_ms = ms;
}

void
ff_flushd_set_domain(struct ff_flushd *d, int domain)
{
	d->domain = domain;
}

void
ff_flushd_set_limits(struct ff_flushd *d, size_t max_string, size_t max_request)
{
	d->max_string = max_string;
	d->max_request = max_request;
}

void
ff_flushd_set_prepare(struct ff_flushd *d, ff_flushd_prepare_cb *fn, void *ctx)
{
	d->prepare = fn;
	d->prepare_ctx = ctx;
}

void
ff_flushd_set_error(struct ff_flushd *d, const struct ff_err *e)
{
	d->out.err = *e;
}

int
ff_flushd_proto(const struct ff_flushd *d)
{
	return d->proto;
}

const char *
ff_flushd_request(const struct ff_flushd *d)
{
	return d->request;
}

const char *
ff_flushd_site(const struct ff_flushd *d)
{
	return d->site;
}

const char *
ff_flushd_queue_id(const struct ff_flushd *d)
{
	return d->queue_id;
}

enum ff_status
ff_flushd_status(const struct ff_flushd *d)
{
	return d->st;
}

int
ff_flushd_wire(const struct ff_flushd *d)
{
	return d->wire;
}

const struct ff_flush_outcome *
ff_flushd_outcome(const struct ff_flushd *d)
{
	return &d->out;
}
