/*
 * scparse.c - reading a connection cache request's attributes (see
 * scached_int.h)
 *
 * Requests are parsed from the client's input buffer with a reader over
 * memory: when a request is not all there yet the scan runs again from its
 * start when more has come, so nothing happens until a request is whole.
 * Below the requests (scpostfix.c, scadmin.c) and their dispatch
 * (scproto.c), which call it; it calls none of them.
 */
#include <stdint.h>
#include <string.h>

#include "util/msg.h"
#include "scache/scached_int.h"

/* sc_reader - a reader over the client's unread input */
void
sc_reader(const struct server *sv, const struct client *c, struct ff_ain *in)
{
	memset(in, 0, sizeof(*in));
	in->fd = -1;
	in->buf = c->buf + c->pos;
	in->len = c->len - c->pos;
	in->cap = c->cap - c->pos;
	in->max_string = sv->s->max_string;
	in->max_total = SIZE_MAX;
	in->deadline = -1;
	in->eof = c->eof;
}

/* sc_scan - ff_attr_scan(); SC_MORE_INPUT when the rest has not come yet */
int
sc_scan(const struct client *c, struct ff_ain *in, int more, const char *const *names, size_t n,
    struct ff_str *v)
{
	int r = ff_attr_scan(in, more, names, n, v);

	if (r >= 0)
		return r;
	for (size_t i = 0; i < n; i++)
		ff_str_free(&v[i]);
	if (in->starved)
		return SC_MORE_INPUT;
	if (in->over)
		ff_msg_warn("%s: string longer than %zu bytes; disconnecting", c->who,
		    in->max_string);
	return -1;
}

void
sc_free_values(struct ff_str *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ff_str_free(&v[i]);
}

/* sc_ttl_ms - Postfix's ttl: an int > 0 in seconds, clamped to the limit */
int
sc_ttl_ms(const struct server *sv, const char *s, long *ms)
{
	unsigned u;
	int t;

	if (ff_attr_number(s, &u) < 0 || (t = (int)u) <= 0)
		return -1;
	*ms = (long)t * 1000 > sv->s->ttl_limit_ms ? sv->s->ttl_limit_ms : (long)t * 1000;
	return 0;
}

/* sc_no_more - read the rest of a request without attributes of its own */
int
sc_no_more(const struct client *c, struct ff_ain *in)
{
	int r = sc_scan(c, in, 0, NULL, 0, NULL);

	return r < 0 ? r : 0;
}
