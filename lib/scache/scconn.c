/*
 * scconn.c - a client connection of the connection cache server: its
 * deadline and its reply, with the reply's status and numbers (see
 * scached_int.h). Below the event loop (scached.c), the dispatch
 * (scproto.c) and the requests (scpostfix.c, scadmin.c), which call it;
 * it calls none of them. Nothing here reads or writes the socket: a
 * reply is built and ended here and sent by scclient.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/msg.h"
#include "scache/scached_int.h"
#include "scache/scwire.h"

void
sc_set_deadline(struct server *sv, struct client *c, long when)
{
	if ((c->deadline >= 0) == (when >= 0)) {
		c->deadline = when;
		return;
	}
	if (when >= 0) {
		c->tnext = sv->timed;
		c->tprev = NULL;
		if (sv->timed)
			sv->timed->tprev = c;
		sv->timed = c;
	} else {
		if (c->tprev)
			c->tprev->tnext = c->tnext;
		else
			sv->timed = c->tnext;
		if (c->tnext)
			c->tnext->tprev = c->tprev;
	}
	c->deadline = when;
}

/*
 * sc_reply - end the reply list being built in c->out: scclient.c
 * sends it before the client's next request is taken. Like Postfix's
 * daemons, drop input that arrived before the reply.
 */
void
sc_reply(struct client *c)
{
	ff_aout_end(&c->out);
	if (c->out.cap == (size_t)-1) {	/* out of memory building it */
		ff_msg_warn("%s: reply: %s", c->who, strerror(ENOMEM));
		c->out.cap = 0;
		c->eof = 1;
	}
	c->pos = c->len = 0;
}

/* sc_status - the reply's status */
void
sc_status(struct client *c, int st)
{
	ff_aout_num(&c->out, FF_SC_A_STATUS, st);
}

void
sc_put_ulong(struct client *c, const char *name, unsigned long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lu", v);
	ff_aout_put(&c->out, name, num);
}
