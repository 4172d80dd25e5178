/*
 * flushclnt.c - ask a fast flush server (see flushclnt.h)
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "postfix/attr0.h"
#include "flush/flushclnt.h"
#include "util/unixsock.h"

/* replies are tiny; a server that sends more is broken */
#define CLNT_MAX_STRING	1024
#define CLNT_MAX_TOTAL	4096

int
ff_flush_call(int fd, const char *request, const char *site, const char *queue_id,
    long timeout_ms, struct ff_err *e)
{
	static const char *const greeting[] = { FF_FLUSH_A_PROTOCOL };
	static const char *const status[] = { FF_FLUSH_A_STATUS };
	struct ff_ain in;
	struct ff_aout out = { 0 };
	struct ff_str v = { 0 };
	unsigned num;
	int r = -1;

	ff_ain_init(&in, fd, timeout_ms, CLNT_MAX_STRING, CLNT_MAX_TOTAL);
	if (ff_attr_scan(&in, 0, greeting, 1, &v) != 1 ||
	    strcmp(v.p, FF_FLUSH_PROTOCOL) != 0) {
		ff_err_set(e, FF_TEMP, "no flush protocol greeting from the server%s%s",
		    v.p ? ": protocol " : "", v.p ? v.p : "");
		goto out;
	}
	ff_str_free(&v);
	ff_aout_put(&out, FF_FLUSH_A_REQUEST, request);
	if (site)
		ff_aout_put(&out, FF_FLUSH_A_SITE, site);
	if (queue_id)
		ff_aout_put(&out, FF_FLUSH_A_QUEUE_ID, queue_id);
	ff_aout_end(&out);
	if (ff_aout_write(&out, fd, timeout_ms) < 0) {
		ff_err_sys(e, errno, "write request");
		goto out;
	}
	if (ff_attr_scan(&in, 0, status, 1, &v) != 1) {
		ff_err_set(e, FF_TEMP, "no status from the server (%s)", in.timedout ?
		    "time-out" : "request not understood, or the server failed");
		goto out;
	}
	if (ff_attr_number(v.p, &num) < 0) {
		ff_err_set(e, FF_TEMP, "malformed status from the server");
		goto out;
	}
	r = (int)num;
	switch (ff_flush_status_of(r)) {
	case FF_OK:
		break;
	case FF_BAD:
		ff_err_set(e, FF_BAD, "the server calls the request invalid");
		break;
	case FF_DENY:
		ff_err_set(e, FF_DENY, "flush service is not configured for this destination");
		break;
	default:
		ff_err_set(e, FF_TEMP, "the flush service failed (status %d)", r);
		break;
	}
out:
	ff_str_free(&v);
	ff_aout_free(&out);
	ff_ain_free(&in);
	return r;
}

int
ff_flush_ask(const char *path, const char *request, const char *site, const char *queue_id,
    long timeout_ms, struct ff_err *e)
{
	int fd, r;

	if ((fd = ff_unix_connect(path, timeout_ms, e)) < 0)
		return -1;
	r = ff_flush_call(fd, request, site, queue_id, timeout_ms, e);
	close(fd);
	return r;
}
