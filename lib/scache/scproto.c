/*
 * scproto.c - the connection cache server's request dispatch (see scached.h)
 *
 * A client's input, request after request: each request's name is read
 * (scparse.c), checked against what the peer may do and handed to its
 * handler (Postfix's four in scpostfix.c, ours in scadmin.c); between a
 * find's reply and its descriptor the client's "dummy" is what comes.
 * It reads and replies through the client's buffers only: scclient.c
 * does the socket's I/O.
 */
#include <string.h>

#include "util/msg.h"
#include "scache/scached_int.h"
#include "scache/scwire.h"

/*
 * each request with the right it needs, checked before the rest is read,
 * and the empty properties its refusal carries (the reply of a miss)
 */
static const struct {
	const char *name;
	unsigned op;
	size_t nprops;
	int (*fn)(struct server *, struct client *, struct ff_ain *);
} requests[] = {
	{ FF_SC_R_SAVE_ENDP, FF_SCOP_SAVE, 0, sc_save_endp },
	{ FF_SC_R_FIND_ENDP, FF_SCOP_FIND, 1, sc_find_endp },
	{ FF_SC_R_SAVE_DEST, FF_SCOP_SAVE, 0, sc_save_dest },
	{ FF_SC_R_FIND_DEST, FF_SCOP_FIND, 2, sc_find_dest },
	{ FF_SC_R_STATS, FF_SCOP_STATS, 0, sc_stats },
	{ FF_SC_R_LIST, FF_SCOP_LIST, 0, sc_list },
	{ FF_SC_R_DELETE, FF_SCOP_DELETE, 0, sc_delete },
	{ FF_SC_R_HANDOFF, FF_SCOP_HANDOFF, 0, sc_handoff },
};

static int
request(struct server *sv, struct client *c)
{
	static const char *const names[] = { FF_SC_A_REQUEST };
	struct ff_ain in;
	struct ff_str v[1];
	char safe[256];
	int r;

	if (c->pos == c->len)
		return c->eof ? -1 : 0;
	sc_reader(sv, c, &in);
	if ((r = sc_scan(c, &in, 1, names, 1, v)) < 0)
		return r;
	if (r == 0) {
		/* as Postfix: no reply; what follows is read as the next request */
		ff_msg_warn("%s: missing attribute request", c->who);
		c->pos += in.pos;
		return 1;
	}
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		if (strcmp(v[0].p, requests[i].name) != 0)
			continue;
		sc_free_values(v, 1);
		if (!(c->ops & requests[i].op)) {
			/*
			 * Refused on its name, before the rest arrives (a denied
			 * client cannot make the server hold a large request);
			 * the rest is never read: the connection ends after the
			 * reply
			 */
			sv->requests++;
			sv->denied++;
			ff_msg_warn("%s: %s: permission denied", c->who, requests[i].name);
			sc_status(c, FF_SCACHE_FAIL);
			for (size_t k = 0; k < requests[i].nprops; k++)
				ff_aout_put(&c->out, FF_SC_A_PROPERTY, "");
			sc_reply(c);
			c->eof = 1;
			c->pos = c->len = 0;
			return 1;
		}
		if ((r = requests[i].fn(sv, c, &in)) != SC_MORE_INPUT)
			sv->requests++;
		return r;
	}
	ff_msg_warn("%s: unrecognized request: \"%s\", ignored", c->who,
	    ff_msg_safe(v[0].p, v[0].len, safe, sizeof(safe)));
	sc_free_values(v, 1);
	sc_status(c, FF_SCACHE_BAD);
	sc_reply(c);
	return 1;
}

/*
 * sc_process - one step of the client's input: a request, or the
 * "dummy" of a find's descriptor exchange. scclient.c calls it only
 * when the previous reply is out and no descriptor waits to be passed.
 */
int
sc_process(struct server *sv, struct client *c)
{
	int r;

	if (c->state == C_WAIT_DUMMY1 || c->state == C_WAIT_DUMMY2)
		r = sc_dummy(sv, c);
	else
		r = request(sv, c);
	if (r == SC_MORE_INPUT)
		return c->eof ? -1 : 0;
	return r;
}
