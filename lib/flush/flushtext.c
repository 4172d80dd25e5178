/*
 * flushtext.c - parse and format fflushd's text protocol (see flushtext.h)
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#define LIBBSD_OPENBSD_VIS 1
#include <vis.h>

#include "flush/flushtext.h"
#include "postfix/qid.h"

#define TEXT_MAX_WORDS	4

static const struct {
	const char *name;
	unsigned req;		/* 0: help */
	size_t args;
	const char *usage;
} commands[] = {
	{ "add", FF_REQ_ADD, 2, "add SITE QUEUE_ID" },
	{ "send", FF_REQ_SEND, 1, "send SITE" },
	{ "send-file", FF_REQ_SEND_FILE, 1, "send-file QUEUE_ID" },
	{ "refresh", FF_REQ_REFRESH, 0, "refresh" },
	{ "purge", FF_REQ_PURGE, 0, "purge" },
	{ "help", 0, 0, "help" },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void append(char *, size_t, const char *, ...) FF_PRINTF(3, 4);

static void
append(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len >= size - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* command - the table row of a word of len bytes; NCOMMANDS if none */
static size_t
command(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strlen(commands[i].name) == len && strncasecmp(p, commands[i].name, len) == 0)
			break;
	return i;
}

int
ff_flushtext_command(const char *p, size_t len)
{
	size_t w = 0;

	while (w < len && p[w] != ' ' && p[w] != '\t' && p[w] != '\r' && p[w] != '\n')
		w++;
	return command(p, w) < NCOMMANDS;
}

unsigned
ff_flushtext_request(const char *name)
{
	size_t i = command(name, strlen(name));

	return i < NCOMMANDS ? commands[i].req : 0;
}

/* split - the line's words, in place; returns how many (more than max: max + 1) */
static size_t
split(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == 0)
			return n;
		if (n == max)
			return max + 1;
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = 0;
	}
}

enum ff_status
ff_flushtext_parse(char *line, size_t len, size_t max, unsigned allow,
    struct ff_flushtext_req *r, struct ff_err *e)
{
	char *w[TEXT_MAX_WORDS + 1];
	size_t n, i;

	memset(r, 0, sizeof(*r));
	r->name = "";
	if (memchr(line, 0, len) || len > max)
		return ff_err_set(e, FF_BAD, len > max ? "line too long" :
		    "NUL byte in a text request"), FF_BAD;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = 0;
	if ((n = split(line, w, TEXT_MAX_WORDS)) == 0)
		return ff_err_set(e, FF_USAGE, "empty request; try: help"), FF_USAGE;
	r->name = w[0];
	if ((i = command(w[0], strlen(w[0]))) == NCOMMANDS)
		return ff_err_set(e, FF_USAGE, "unknown request; try: help"), FF_USAGE;
	if (n - 1 != commands[i].args)
		return ff_err_set(e, FF_USAGE, "usage: %s", commands[i].usage), FF_USAGE;
	if (commands[i].req == 0) {
		append(r->details, sizeof(r->details), "commands");
		for (size_t j = 0; j < NCOMMANDS; j++)
			if (commands[j].req == 0 || (allow & commands[j].req))
				append(r->details, sizeof(r->details), "%c%s",
				    strchr(r->details, '=') ? ',' : '=', commands[j].name);
		return FF_OK;
	}
	if (commands[i].req == FF_REQ_ADD || commands[i].req == FF_REQ_SEND)
		r->site = w[1];
	if (commands[i].req == FF_REQ_ADD || commands[i].req == FF_REQ_SEND_FILE) {
		const char *id = w[commands[i].req == FF_REQ_ADD ? 2 : 1];

		if (!ff_qid_ok(id, strlen(id)))
			return ff_err_set(e, FF_BAD, "bad queue ID"), FF_BAD;
		r->id = id;
	}
	r->req = commands[i].req;
	return FF_OK;
}

/* field - one key=value more, one space from the one before */
static void field(char *, size_t, const char *, ...) FF_PRINTF(3, 4);

static void
field(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len > 0)
		append(buf, size, " ");
	len = strlen(buf);
	if (len >= size - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

void
ff_flushtext_details(unsigned req, enum ff_status st, const struct ff_flush_outcome *o,
    char *buf, size_t size)
{
	const struct ff_counts *c = &o->c;

	buf[0] = 0;
	switch (req) {
	case FF_REQ_ADD:
		if (st == FF_OK)
			field(buf, size, "log=%s", o->log);
		break;
	case FF_REQ_SEND:
		if (o->log[0])
			field(buf, size, "log=%s", o->log);
		if (st == FF_OK || st == FF_NOTHING || c->lines > 0)
			field(buf, size, "moved=%lu incoming=%lu gone=%lu", c->moved, c->incoming,
			    c->gone);
		break;
	case FF_REQ_SEND_FILE:
		if (st == FF_OK || st == FF_NOTHING)
			field(buf, size, "result=%s", c->moved ? "moved" : c->incoming ?
			    "incoming" : c->notready ? "notready" : "gone");
		break;
	case FF_REQ_REFRESH:
	case FF_REQ_PURGE:
		if (st != FF_CONFIG && st != FF_DENY)
			field(buf, size, "logs=%lu refreshed=%lu purged=%lu kept=%lu moved=%lu "
			    "errors=%lu", o->t.logs, o->t.refreshed, o->t.purged, o->t.kept,
			    o->t.c.moved, o->t.errors);
		break;
	}
}

void
ff_flushtext_reply(char *line, size_t size, enum ff_status st, const char *details,
    const struct ff_err *e)
{
	char msg[4 * sizeof(e->msg) + 1];

	snprintf(line, size, "%d %s", ff_status_exit(st), ff_status_name(st));
	if (details && *details)
		append(line, size, " %s", details);
	if (st != FF_OK && st != FF_NOTHING && e->msg[0]) {
		strvisx(msg, e->msg, strnlen(e->msg, sizeof(e->msg)),
		    VIS_CSTYLE | VIS_DQ | VIS_NL | VIS_TAB | VIS_OCTAL);
		append(line, size, " msg=\"%s\"", msg);
	}
	/* room for the newline even when the line was cut */
	line[size - 2] = 0;
	strlcat(line, "\n", size);
}
