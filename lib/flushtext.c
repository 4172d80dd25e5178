/*
 * flushtext.c - the text protocol of fflushd: one line in, one line out
 *
 *	add SITE QUEUE_ID	->  0 ok log=example_com
 *	send SITE		->  0 ok log=example_com moved=3 incoming=0 gone=1
 *	send-file QUEUE_ID	->  0 ok result=moved
 *	refresh | purge		->  0 ok logs=9 refreshed=2 purged=1 kept=6 moved=5 errors=0
 *	help			->  0 ok commands=add,send,send-file,refresh,purge,help
 *
 * The code is the exit status of the matching command (status.h), the
 * word its name; failures add msg="..." (C-style escapes). Commands are
 * matched without regard to case; words are separated by blanks; a
 * trailing CR is ignored.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#define LIBBSD_OPENBSD_VIS 1
#include <vis.h>

#include "flushd_int.h"
#include "msg.h"

#define TEXT_MAX_WORDS	4
#define REPLY_MAX	2048

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

int
ff_flushd_text_reply(struct ff_flushd *d, int out, enum ff_status st, const char *details)
{
	char line[REPLY_MAX], msg[4 * sizeof(d->err.msg) + 1];
	struct ff_aout o;

	snprintf(line, sizeof(line), "%d %s", ff_status_exit(st), ff_status_name(st));
	if (details && *details)
		append(line, sizeof(line), " %s", details);
	if (st != FF_OK && st != FF_NOTHING && d->err.msg[0]) {
		strvisx(msg, d->err.msg, strnlen(d->err.msg, sizeof(d->err.msg)), VIS_CSTYLE | VIS_DQ | VIS_NL | VIS_TAB | VIS_OCTAL);
		append(line, sizeof(line), " msg=\"%s\"", msg);
	}
	/* room for the newline even when the line was cut */
	line[sizeof(line) - 2] = 0;
	strlcat(line, "\n", sizeof(line));
	d->wire = ff_status_exit(st);
	o.buf = line;
	o.len = strlen(line);
	o.cap = sizeof(line);
	return ff_flushd_send(d, out, &o);
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

static const struct {
	const char *name;
	unsigned bit;		/* 0: help */
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

/* details - the key=value part of a reply, fields one space apart */
static void
details(const struct ff_flushd *d, unsigned bit, enum ff_status st, char *buf, size_t size)
{
	const struct ff_counts *c = &d->c;

	buf[0] = 0;
	switch (bit) {
	case FF_REQ_ADD:
		if (st == FF_OK)
			field(buf, size, "log=%s", d->log);
		break;
	case FF_REQ_SEND:
		if (d->log[0])
			field(buf, size, "log=%s", d->log);
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
			    "errors=%lu", d->t.logs, d->t.refreshed, d->t.purged, d->t.kept,
			    d->t.c.moved, d->t.errors);
		break;
	}
}

int
ff_flushd_text(struct ff_flushd *d, struct ff_spool *sp, struct ff_ain *in, int out)
{
	char *line = in->buf + in->pos, *nl, *w[TEXT_MAX_WORDS + 1], extra[512];
	size_t len = in->len - in->pos, n, i;

	/* the line: up to the newline, or everything there is */
	if ((nl = memchr(line, '\n', len)) != NULL)
		len = (size_t)(nl - line);
	if (memchr(line, 0, len) || len > d->max_string) {
		ff_err_set(&d->err, FF_BAD, len > d->max_string ? "line too long" :
		    "NUL byte in a text request");
		d->st = FF_BAD;
		return ff_flushd_text_reply(d, out, FF_BAD, NULL);
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = 0;		/* the newline's place, or the spare byte after the input */
	n = split(line, w, TEXT_MAX_WORDS);
	if (n == 0) {
		ff_err_set(&d->err, FF_USAGE, "empty request; try: help");
		d->st = FF_USAGE;
		return ff_flushd_text_reply(d, out, FF_USAGE, NULL);
	}
	ff_flushd_note(d->request, sizeof(d->request), w[0], strlen(w[0]));
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcasecmp(w[0], commands[i].name) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		ff_err_set(&d->err, FF_USAGE, "unknown request; try: help");
		d->st = FF_USAGE;
		return ff_flushd_text_reply(d, out, FF_USAGE, NULL);
	}
	if (n - 1 != commands[i].args) {
		ff_err_set(&d->err, FF_USAGE, "usage: %s", commands[i].usage);
		d->st = FF_USAGE;
		return ff_flushd_text_reply(d, out, FF_USAGE, NULL);
	}
	if (commands[i].bit == 0) {
		d->st = FF_OK;
		extra[0] = 0;
		append(extra, sizeof(extra), "commands");
		for (size_t j = 0; j < sizeof(commands) / sizeof(commands[0]); j++)
			if (commands[j].bit == 0 || (d->allow & commands[j].bit))
				append(extra, sizeof(extra), "%c%s",
				    strchr(extra, '=') ? ',' : '=', commands[j].name);
		return ff_flushd_text_reply(d, out, FF_OK, extra);
	}
	if (commands[i].bit == FF_REQ_ADD || commands[i].bit == FF_REQ_SEND)
		ff_flushd_note(d->site, sizeof(d->site), w[1], strlen(w[1]));
	if (commands[i].bit == FF_REQ_ADD || commands[i].bit == FF_REQ_SEND_FILE) {
		const char *id = w[commands[i].bit == FF_REQ_ADD ? 2 : 1];

		if (!ff_qid_ok(id, strlen(id))) {
			ff_err_set(&d->err, FF_BAD, "bad queue ID");
			d->st = FF_BAD;
			return ff_flushd_text_reply(d, out, FF_BAD, NULL);
		}
		strlcpy(d->queue_id, id, sizeof(d->queue_id));
	}
	d->st = ff_flushd_do(d, sp, commands[i].bit, commands[i].bit == FF_REQ_SEND_FILE ? NULL : w[1],
	    commands[i].bit == FF_REQ_ADD ? w[2] : commands[i].bit == FF_REQ_SEND_FILE ? w[1] : NULL);
	details(d, commands[i].bit, d->st, extra, sizeof(extra));
	return ff_flushd_text_reply(d, out, d->st, extra);
}
