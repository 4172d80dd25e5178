/*
 * flushd.c - serve one fast flush request (see flushd.h)
 *
 * The Postfix side follows flush(8)'s one-shot behaviour: greet, wait
 * for input, peek at how much arrived, then read either one string
 * (the master's "W") or an attribute list, and dispatch on the
 * request. The text protocol's lines are parsed and formatted by
 * flushtext.c; both protocols run their requests with run() here, which
 * leaves the work to flushsvc.c.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "postfix/attr0.h"
#include "flush/flushd_int.h"
#include "flush/flushtext.h"
#include "util/msg.h"

#define TEXT_REPLY_MAX	2048

/* ff_flushd_request_bit - a request as the allow list names it: text or wire */
unsigned
ff_flushd_request_bit(const char *name)
{
	char low[32];
	size_t len = strlen(name);
	unsigned bit;

	if ((bit = ff_flushtext_request(name)) != 0 || len >= sizeof(low))
		return bit;
	for (size_t i = 0; i <= len; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	/* the master's trigger is no name for a request */
	return strcmp(low, FF_FLUSH_R_WAKEUP) == 0 ? 0 : ff_flush_wire_request(low, len);
}

/* note - a printable, bounded copy of untrusted text */
static void
note(char *dst, size_t size, const char *s, size_t len)
{
	char buf[4 * 256 + 8];

	ff_msg_safe(s, len, buf, sizeof(buf));
	strlcpy(dst, buf, size);
}

/* run - one request, whichever protocol carried it */
static enum ff_status
run(struct ff_flushd *d, struct ff_spool *sp, unsigned req, const char *site, const char *id)
{
	if ((d->allow & req) == 0) {
		ff_err_set(&d->out.err, FF_DENY, "request not allowed here");
		return FF_DENY;
	}
	if (sp == NULL)
		return d->out.err.status != FF_OK ? d->out.err.status : FF_CONFIG;
	return ff_flush_request(sp, req, site, id, &d->out);
}

static int
is_unix_socket(int fd)
{
	int dom = 0;
	socklen_t len = sizeof(dom);

	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) == 0 && dom == AF_UNIX;
}

static int
readable_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

/* put_reply - write a reply (a list, or a text line); a vanished peer is no error */
static int
put_reply(struct ff_flushd *d, int out, struct ff_aout *o)
{
	if (ff_aout_write(o, out, d->timeout_ms) < 0) {
		/* the master's wake-up client leaves before the reply: expected */
		if (errno != EPIPE && errno != ECONNRESET)
			return ff_err_sys(&d->out.err, errno, "write reply");
		return 0;
	}
	return 0;
}

static int
greet(struct ff_flushd *d, int out, int *greeted)
{
	struct ff_aout o = { 0 };
	int r;

	if (*greeted)
		return 0;
	*greeted = 1;
	ff_aout_put(&o, FF_FLUSH_A_PROTOCOL, FF_FLUSH_PROTOCOL);
	ff_aout_end(&o);
	r = put_reply(d, out, &o);
	ff_aout_free(&o);
	return r;
}

static int
reply_status(struct ff_flushd *d, int out, int status)
{
	struct ff_aout o = { 0 };
	int r;

	d->wire = status;
	ff_aout_num(&o, FF_FLUSH_A_STATUS, status);
	ff_aout_end(&o);
	r = put_reply(d, out, &o);
	ff_aout_free(&o);
	return r;
}

/*
 * no_reply - a request cut off by the time-out once it had begun: Postfix's
 * stream is in error by then and its status never leaves, so the client
 * sees the greeting only
 */
static int
no_reply(struct ff_ain *in, struct ff_str *v)
{
	(void)in;
	if (v) {
		ff_str_free(&v[0]);
		ff_str_free(&v[1]);
	}
	return 0;
}

/*
 * dispatch - one Postfix request whose name has been read; the rest of
 * the same list is read here (req may point into the input buffer, so
 * it is not used once reading goes on)
 */
static int
dispatch(struct ff_flushd *d, struct ff_spool *sp, struct ff_ain *in, int out,
    const struct ff_str *req)
{
	static const char *const add_names[] = { FF_FLUSH_A_SITE, FF_FLUSH_A_QUEUE_ID };
	static const char *const site_names[] = { FF_FLUSH_A_SITE };
	static const char *const id_names[] = { FF_FLUSH_A_QUEUE_ID };
	struct ff_str v[2] = { { 0 } };
	unsigned bit = ff_flush_wire_request(req->p, req->len);
	int n = 0, r;

	note(d->request, sizeof(d->request), req->p, req->len);
	switch (bit) {
	case 0:
		/* unknown (send, refresh, ...): Postfix closes without a word */
		d->st = FF_BAD;
		ff_err_set(&d->out.err, FF_BAD, "unknown request");
		return 0;
	case FF_REQ_REFRESH:
	case FF_REQ_PURGE:
		if ((d->allow & bit) == 0) {
			d->st = run(d, sp, bit, NULL, NULL);
			return reply_status(d, out, ff_flush_wire_status(d->st, 0));
		}
		/* answered before the work, as Postfix does */
		r = reply_status(d, out, FF_FLUSH_OK);
		d->st = run(d, sp, bit, NULL, NULL);
		return r;
	case FF_REQ_ADD:
		n = ff_attr_scan(in, 0, add_names, 2, v) == 2 &&
		    ff_qid_ok(v[1].p, v[1].len) ? 2 : -1;
		break;
	case FF_REQ_SEND:
		n = ff_attr_scan(in, 0, site_names, 1, v) == 1 ? 1 : -1;
		break;
	case FF_REQ_SEND_FILE:
		n = ff_attr_scan(in, 0, id_names, 1, v) == 1 &&
		    ff_qid_ok(v[0].p, v[0].len) ? 1 : -1;
		break;
	}
	if (n < 0) {
		d->st = FF_BAD;
		ff_err_set(&d->out.err, FF_BAD, in->over ? "request over the size limits" :
		    in->timedout ? "time-out reading the request" : "malformed request or bad queue ID");
		if (in->timedout)
			return no_reply(in, v);
	} else {
		const char *site = bit == FF_REQ_SEND_FILE ? NULL : v[0].p;
		const char *id = bit == FF_REQ_ADD ? v[1].p : bit == FF_REQ_SEND_FILE ? v[0].p : NULL;

		if (site)
			note(d->site, sizeof(d->site), site, v[0].len);
		if (id)
			strlcpy(d->queue_id, id, sizeof(d->queue_id));
		d->st = run(d, sp, bit, site, id);
	}
	ff_str_free(&v[0]);
	ff_str_free(&v[1]);
	return reply_status(d, out, ff_flush_wire_status(d->st, d->out.c.failed));
}

/* text_reply - one text reply line for an outcome */
static int
text_reply(struct ff_flushd *d, int out, enum ff_status st, const char *details)
{
	char line[TEXT_REPLY_MAX];
	struct ff_aout o;

	ff_flushtext_reply(line, sizeof(line), st, details, &d->out.err);
	d->wire = ff_status_exit(st);
	o.buf = line;
	o.len = strlen(line);
	o.cap = sizeof(line);
	return put_reply(d, out, &o);
}

/* text - serve the text line waiting in the input */
static int
text(struct ff_flushd *d, struct ff_spool *sp, struct ff_ain *in, int out)
{
	char *line = in->buf + in->pos, *nl, details[FF_FLUSHTEXT_DETAILS];
	size_t len = in->len - in->pos;
	struct ff_flushtext_req r;

	/* the line: up to the newline, or everything there is (a spare byte follows) */
	if ((nl = memchr(line, '\n', len)) != NULL)
		len = (size_t)(nl - line);
	d->st = ff_flushtext_parse(line, len, d->max_string, d->allow, &r, &d->out.err);
	note(d->request, sizeof(d->request), r.name, strlen(r.name));
	if (r.site)
		note(d->site, sizeof(d->site), r.site, strlen(r.site));
	if (r.id)
		strlcpy(d->queue_id, r.id, sizeof(d->queue_id));
	if (r.req == 0)
		return text_reply(d, out, d->st, r.details);
	d->st = run(d, sp, r.req, r.site, r.id);
	ff_flushtext_details(r.req, d->st, &d->out, details, sizeof(details));
	return text_reply(d, out, d->st, details);
}

/*
 * classify - after the first input: read up to the first NUL or newline
 * and tell the text protocol from Postfix's. 1: text, 0: Postfix.
 * lenient (not a UNIX socket, where Postfix's clients cannot be): any
 * first line without NUL is text, so that a typo gets a text answer.
 */
static int
classify(struct ff_flushd *d, struct ff_ain *in, int lenient)
{
	const char *p, *nl, *nul;
	size_t avail;

	for (;;) {
		p = in->buf + in->pos;
		avail = in->len - in->pos;
		if (avail == 0)
			return d->mode == FF_FLUSHD_TEXT;
		if (d->mode != FF_FLUSHD_TEXT && !lenient && !isalpha((unsigned char)p[0]))
			return 0;
		nul = memchr(p, 0, avail);
		nl = memchr(p, '\n', avail);
		if (nul && (!nl || nul < nl))
			return d->mode == FF_FLUSHD_TEXT;
		if (nl || in->eof || avail > d->max_string)
			return d->mode == FF_FLUSHD_TEXT || (lenient && nl) ||
			    ff_flushtext_command(p, avail);
		if (ff_ain_fill(in) < 0)
			return d->mode == FF_FLUSHD_TEXT;
	}
}

/* first_input - wait for input, note how much arrived at once, read it */
static int
first_input(struct ff_ain *in, long first_ms, size_t *count)
{
	long deadline = in->deadline, now = ff_now_ms();
	int avail = 0, r;

	/* a client that sends nothing is cut off sooner than one that stalls */
	if (first_ms > 0 && (deadline < 0 || now + first_ms < deadline))
		in->deadline = now + first_ms;
	r = ff_ain_wait(in);
	in->deadline = deadline;
	if (r < 0)
		return -1;
	if (ioctl(in->fd, FIONREAD, &avail) < 0)
		avail = 3;	/* cannot tell: not the master's short trigger */
	*count = avail < 0 ? 0 : (size_t)avail;
	in->ready = 1;	/* readable: data, or the end of input */
	return ff_ain_fill(in) < 0 ? -1 : 0;
}

int
ff_flushd_serve(struct ff_flushd *d, struct ff_spool *sp, int in, int out)
{
	static const char *const req_name[] = { FF_FLUSH_A_REQUEST };
	struct ff_ain ain;
	struct ff_str req = { 0 };
	size_t count = 0;
	int greeted = 0, r = 0, n;
	int unix_socket = d->domain ? d->domain == AF_UNIX : is_unix_socket(in);

	d->wire = FF_FLUSHD_NOREPLY;
	d->proto = FF_PROTO_NONE;
	ff_ain_init(&ain, in, d->timeout_ms, d->max_string, d->max_request);

	/* Postfix's clients wait for the greeting; text lines may be there already */
	if (d->mode == FF_FLUSHD_POSTFIX ||
	    (d->mode == FF_FLUSHD_AUTO && unix_socket && !readable_now(in)))
		if ((r = greet(d, out, &greeted)) < 0)
			goto done;
	/* the caller's checks run while the client writes its request */
	if (d->prepare) {
		sp = d->prepare(d->prepare_ctx, d);
		/* ipc_timeout may have changed with the configuration */
		ain.deadline = d->timeout_ms < 0 ? -1 : ff_now_ms() + d->timeout_ms;
	}

	if (first_input(&ain, d->first_ms, &count) < 0) {
		ff_err_set(&d->out.err, FF_BAD, ain.timedout ? "time-out waiting for a request" :
		    "cannot read the request: %s", ain.err ? strerror(ain.err) : "limit");
		d->st = FF_BAD;
		if (d->mode == FF_FLUSHD_TEXT) {
			d->proto = FF_PROTO_TEXT;
			r = text_reply(d, out, FF_BAD, NULL);
		} else {
			d->proto = FF_PROTO_POSTFIX;
			if ((r = greet(d, out, &greeted)) == 0)
				r = reply_status(d, out, FF_FLUSH_BAD);
		}
		goto done;
	}

	/* the master's wake-up: at most 2 bytes, one string up to NUL or EOF */
	if (d->mode != FF_FLUSHD_TEXT && count <= 2) {
		d->proto = FF_PROTO_POSTFIX;
		if ((r = greet(d, out, &greeted)) < 0)
			goto done;
		n = ff_ain_string(&ain, &req);
		if (n == 1 || (n < 0 && req.eof && req.len > 0)) {
			r = dispatch(d, sp, &ain, out, &req);
		} else {
			d->st = FF_BAD;
			ff_err_set(&d->out.err, FF_BAD, ain.timedout ? "time-out reading the request" :
			    "end of input while reading the request");
			if (!ain.timedout)
				r = reply_status(d, out, FF_FLUSH_BAD);
		}
		goto done;
	}

	if (d->mode != FF_FLUSHD_POSTFIX && classify(d, &ain, !unix_socket)) {
		d->proto = FF_PROTO_TEXT;
		r = text(d, sp, &ain, out);
		goto done;
	}

	d->proto = FF_PROTO_POSTFIX;
	if ((r = greet(d, out, &greeted)) < 0)
		goto done;
	n = ff_attr_scan(&ain, 1, req_name, 1, &req);
	if (n != 1) {
		d->st = FF_BAD;
		ff_err_set(&d->out.err, FF_BAD, ain.over ? "request over the size limits" :
		    ain.timedout ? "time-out reading the request" : "malformed request");
		if (!ain.timedout)
			r = reply_status(d, out, FF_FLUSH_BAD);
	} else {
		r = dispatch(d, sp, &ain, out, &req);
		ff_str_free(&req);
	}
done:
	ff_ain_free(&ain);
	return r;
}
