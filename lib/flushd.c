/*
 * flushd.c - serve one fast flush request (see flushd.h)
 *
 * The Postfix side follows flush(8)'s one-shot behaviour: greet, wait
 * for input, peek at how much arrived, then read either one string
 * (the master's "W") or an attribute list, and dispatch on the
 * request. The text side lives in flushtext.c; both call
 * ff_flushd_do() for the work.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "attr0.h"
#include "flushd.h"
#include "flushd_int.h"
#include "logadd.h"
#include "msg.h"

#define GREETING_NAME	"protocol"
#define GREETING_VALUE	"queue_flush_protocol"

void
ff_flushd_defaults(struct ff_flushd *d)
{
	memset(d, 0, sizeof(*d));
	d->mode = FF_FLUSHD_AUTO;
	d->timeout_ms = 3600L * 1000;
	d->max_string = FF_FLUSHD_MAX_STRING;
	d->max_request = FF_FLUSHD_MAX_REQUEST;
	d->allow = FF_REQ_ALL;
	d->wire = FF_FLUSHD_NOREPLY;
	d->st = FF_OK;
}

static const struct {
	const char *name;
	unsigned bit;
} req_names[] = {
	{ "add", FF_REQ_ADD },
	{ "send", FF_REQ_SEND },
	{ "send_site", FF_REQ_SEND },
	{ "send-file", FF_REQ_SEND_FILE },
	{ "send_file", FF_REQ_SEND_FILE },
	{ "refresh", FF_REQ_REFRESH },
	{ "rfrsh", FF_REQ_REFRESH },
	{ "purge", FF_REQ_PURGE },
};

unsigned
ff_flushd_request_bit(const char *name)
{
	for (size_t i = 0; i < sizeof(req_names) / sizeof(req_names[0]); i++)
		if (strcasecmp(name, req_names[i].name) == 0)
			return req_names[i].bit;
	return 0;
}

void
ff_flushd_note(char *dst, size_t size, const char *s, size_t len)
{
	char buf[4 * 256 + 8];

	ff_msg_safe(s, len, buf, sizeof(buf));
	strlcpy(dst, buf, size);
}

/* ff_flushd_do - the work of one request, shared by both protocols */
enum ff_status
ff_flushd_do(struct ff_flushd *d, struct ff_spool *sp, unsigned req, const char *site,
    const char *id)
{
	char *ids[1];
	int r;

	if ((d->allow & req) == 0) {
		ff_err_set(&d->err, FF_DENY, "request not allowed here");
		return FF_DENY;
	}
	if (sp == NULL)
		return d->err.status != FF_OK ? d->err.status : FF_CONFIG;
	switch (req) {
	case FF_REQ_ADD:
		ids[0] = (char *)(uintptr_t)id;
		r = ff_add(sp, site, ids, 1, d->log, &d->err);
		return r < 0 ? d->err.status : FF_OK;
	case FF_REQ_SEND:
		r = ff_send_site(sp, site, 0, &d->c, NULL, NULL, d->log, &d->err);
		if (r < 0)
			return d->err.status;
		return d->c.moved + d->c.incoming > 0 ? FF_OK : FF_NOTHING;
	case FF_REQ_SEND_FILE:
		r = ff_send_file(sp, id, 0, &d->c, NULL, NULL, &d->err);
		if (r < 0)
			return d->err.status;
		return d->c.moved + d->c.incoming > 0 ? FF_OK : FF_NOTHING;
	case FF_REQ_REFRESH:
	case FF_REQ_PURGE:
		r = ff_refresh(sp, req == FF_REQ_PURGE ? FF_REFRESH_PURGE : 0, NULL, NULL, &d->t,
		    &d->err);
		if (r < 0)
			return d->err.status;
		if (d->t.errors)
			return d->t.worst;
		return d->t.refreshed + d->t.purged > 0 ? FF_OK : FF_NOTHING;
	}
	return ff_err_set(&d->err, FF_SOFTWARE, "unknown request"), FF_SOFTWARE;
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

/* ff_flushd_reply - write the "status" list (or nothing, or a text line) */
int
ff_flushd_send(struct ff_flushd *d, int out, struct ff_aout *o)
{
	if (ff_aout_write(o, out, d->timeout_ms) < 0) {
		/* the master's wake-up client leaves before the reply: expected */
		if (errno != EPIPE && errno != ECONNRESET)
			return ff_err_sys(&d->err, errno, "write reply");
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
	ff_aout_put(&o, GREETING_NAME, GREETING_VALUE);
	ff_aout_end(&o);
	r = ff_flushd_send(d, out, &o);
	ff_aout_free(&o);
	return r;
}

static int
reply_status(struct ff_flushd *d, int out, int status)
{
	struct ff_aout o = { 0 };
	int r;

	d->wire = status;
	ff_aout_num(&o, "status", status);
	ff_aout_end(&o);
	r = ff_flushd_send(d, out, &o);
	ff_aout_free(&o);
	return r;
}

/* wire_status - what Postfix's flush would have answered for this outcome */
static int
wire_status(const struct ff_flushd *d, unsigned req, enum ff_status st)
{
	switch (st) {
	case FF_OK:
	case FF_NOTHING:
		return 0;
	case FF_BAD:
		return 3;
	case FF_DENY:
	case FF_BADSITE:
		return 4;
	default:
		break;
	}
	/* Postfix only warns when single moves fail; the request succeeded */
	if ((req == FF_REQ_SEND || req == FF_REQ_SEND_FILE) && d->c.failed > 0)
		return 0;
	return -1;
}

/* request_kind - which request a name is; 0 for an unknown one */
static unsigned
request_kind(const struct ff_str *s)
{
	static const struct {
		const char *name;
		unsigned bit;
	} tab[] = {
		{ "add", FF_REQ_ADD },
		{ "send_site", FF_REQ_SEND },
		{ "send_file", FF_REQ_SEND_FILE },
		{ "rfrsh", FF_REQ_REFRESH },
		{ "W", FF_REQ_REFRESH },	/* the master's wake-up */
		{ "purge", FF_REQ_PURGE },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (s->len == strlen(tab[i].name) && memcmp(s->p, tab[i].name, s->len) == 0)
			return tab[i].bit;
	return 0;
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
	static const char *const add_names[] = { "site", "queue_id" };
	static const char *const site_names[] = { "site" };
	static const char *const id_names[] = { "queue_id" };
	struct ff_str v[2] = { { 0 } };
	unsigned bit = request_kind(req);
	int n = 0, r;

	ff_flushd_note(d->request, sizeof(d->request), req->p, req->len);
	switch (bit) {
	case 0:
		/* unknown (send, refresh, ...): Postfix closes without a word */
		d->st = FF_BAD;
		ff_err_set(&d->err, FF_BAD, "unknown request");
		return 0;
	case FF_REQ_REFRESH:
	case FF_REQ_PURGE:
		if ((d->allow & bit) == 0) {
			d->st = FF_DENY;
			ff_err_set(&d->err, FF_DENY, "request not allowed here");
			return reply_status(d, out, 4);
		}
		/* answered before the work, as Postfix does */
		r = reply_status(d, out, 0);
		d->st = ff_flushd_do(d, sp, bit, NULL, NULL);
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
		ff_err_set(&d->err, FF_BAD, in->over ? "request over the size limits" :
		    in->timedout ? "time-out reading the request" : "malformed request or bad queue ID");
		if (in->timedout)
			return no_reply(in, v);
	} else {
		const char *site = bit == FF_REQ_SEND_FILE ? NULL : v[0].p;
		const char *id = bit == FF_REQ_ADD ? v[1].p : bit == FF_REQ_SEND_FILE ? v[0].p : NULL;

		if (site)
			ff_flushd_note(d->site, sizeof(d->site), site, v[0].len);
		if (id)
			strlcpy(d->queue_id, id, sizeof(d->queue_id));
		d->st = ff_flushd_do(d, sp, bit, site, id);
	}
	ff_str_free(&v[0]);
	ff_str_free(&v[1]);
	return reply_status(d, out, wire_status(d, bit, d->st));
}

/* first_word_text - is this the start of a text protocol line? */
static int
text_line(const char *p, size_t len)
{
	static const char *const words[] = {
		"add", "send", "send-file", "refresh", "purge", "help",
	};
	size_t w = 0;

	while (w < len && p[w] != ' ' && p[w] != '\t' && p[w] != '\r' && p[w] != '\n')
		w++;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == w && strncasecmp(p, words[i], w) == 0)
			return 1;
	return 0;
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
			return d->mode == FF_FLUSHD_TEXT || (lenient && nl) || text_line(p, avail);
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
	static const char *const req_name[] = { "request" };
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
		ff_err_set(&d->err, FF_BAD, ain.timedout ? "time-out waiting for a request" :
		    "cannot read the request: %s", ain.err ? strerror(ain.err) : "limit");
		d->st = FF_BAD;
		if (d->mode == FF_FLUSHD_TEXT) {
			d->proto = FF_PROTO_TEXT;
			r = ff_flushd_text_reply(d, out, FF_BAD, NULL);
		} else {
			d->proto = FF_PROTO_POSTFIX;
			if ((r = greet(d, out, &greeted)) == 0)
				r = reply_status(d, out, 3);
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
			ff_err_set(&d->err, FF_BAD, ain.timedout ? "time-out reading the request" :
			    "end of input while reading the request");
			if (!ain.timedout)
				r = reply_status(d, out, 3);
		}
		goto done;
	}

	if (d->mode != FF_FLUSHD_POSTFIX && classify(d, &ain, !unix_socket)) {
		d->proto = FF_PROTO_TEXT;
		r = ff_flushd_text(d, sp, &ain, out);
		goto done;
	}

	d->proto = FF_PROTO_POSTFIX;
	if ((r = greet(d, out, &greeted)) < 0)
		goto done;
	n = ff_attr_scan(&ain, 1, req_name, 1, &req);
	if (n != 1) {
		d->st = FF_BAD;
		ff_err_set(&d->err, FF_BAD, ain.over ? "request over the size limits" :
		    ain.timedout ? "time-out reading the request" : "malformed request");
		if (!ain.timedout)
			r = reply_status(d, out, 3);
	} else {
		r = dispatch(d, sp, &ain, out, &req);
		ff_str_free(&req);
	}
done:
	ff_ain_free(&ain);
	return r;
}
