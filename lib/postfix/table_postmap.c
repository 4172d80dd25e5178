/*
 * table_postmap.c - every table type without a built-in module, looked up
 * with Postfix's own "postmap -q" (see table.h)
 *
 * mysql:, pgsql:, ldap:, sqlite:, memcache:, socketmap:, tcp:, nis:,
 * environ:, unix:, randmap: and any other type ff_table_open() does not
 * know come here. Each lookup runs
 *
 *	POSTMAP -c CONFIG_DIR -f -q KEY -- TYPE:NAME
 *
 * (ctx->postmap, normally command_directory/postmap; ctx->config_dir)
 * directly, without a shell, with standard input from /dev/null. -f
 * keeps the key's case, as Postfix's match lists do (they fold the
 * name themselves and open tables without DICT_FLAG_FOLD_FIX); "--"
 * keeps a name that starts with '-' from being read as an option (a
 * key that does so is safe as -q's argument). The key "-" alone would
 * make postmap read keys from its standard input, so for it "-q -"
 * is run with "-" and a newline on standard input, and the "-<TAB>"
 * postmap prints before the value is dropped.
 *
 * The answer is read from postmap's exit status and output:
 *	exit 0		found: the value is standard output less its
 *			final newline
 *	exit 1		not found, when postmap wrote nothing to standard
 *			error but warnings ("postmap: warning: ...");
 *			postmap's "fatal:" (or any other) message there
 *			means the lookup failed (a table that cannot be
 *			opened, an unsupported type, a database error)
 *	anything else	the lookup failed: another exit status, a signal,
 *			no answer within ipc_timeout (ctx->timeout_ms;
 *			postmap is killed then), a value over 1 MiB (the
 *			same)
 * A failure names the table and quotes postmap's message; for a type
 * postmap does not support, Debian's package for it is named. Warnings
 * postmap printed are passed on (ff_msg_warn).
 *
 * ff_table_fixed(): as Postfix's module for the type sets
 * DICT_FLAG_FIXED (util/dict_*.c, global/dict_*.c of Postfix 3.7):
 * fixed for btree, cdb, dbm, environ, hash, inline, internal, ldap,
 * lmdb, memcache, mysql, netinfo, nis, nisplus, pgsql, sdbm, sqlite,
 * static, texthash and unix (the SQL, LDAP and memcache modules always
 * are in 3.7: their "partial key" test is disabled); a pattern table for
 * every other type (tcp, socketmap, randmap, regexp, pcre, cidr, fail,
 * and types this list does not know: looked up with the full name
 * only, the safe choice for a domain list).
 *
 * Opening checks only that postmap can be executed: when it cannot,
 * the table is broken with a message naming the table, its type, the
 * postmap looked for and the fix. Nothing is watched: postmap opens
 * the table afresh for every lookup, so ff_table_changed() stays 0.
 * One process per lookup is slow (a few milliseconds); a domain list
 * that must be fast uses a built-in type. The caller must not ignore
 * SIGCHLD: postmap's exit status would be lost and the lookup fail.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postfix/attr0.h"
#include "util/msg.h"
#include "postfix/table_int.h"

#define PM_MAX_VALUE	(1 << 20)	/* standard output kept */
#define PM_MAX_ERR	2048		/* standard error kept */
#define PM_SHOW		300		/* of postmap's message in ours */

struct pm {
	char *postmap;
	char *config_dir;
	char *type;			/* TYPE, for messages */
	long timeout_ms;
};

/* a growing capture of one output, up to max bytes (the rest is counted) */
struct capture {
	char *buf;
	size_t len, cap, max, dropped;
	int fd;				/* -1 at end of file */
};

static const char *const fixed_types[] = {
	"btree", "cdb", "dbm", "environ", "hash", "inline", "internal", "ldap", "lmdb",
	"memcache", "mysql", "netinfo", "nis", "nisplus", "pgsql", "sdbm", "sqlite",
	"static", "texthash", "unix",
};

/* Debian ships these types in packages of their own */
static const char *const packaged_types[] = {
	"cdb", "ldap", "lmdb", "mysql", "pcre", "pgsql", "sqlite",
};

static int
listed(const char *type, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(type, list[i]) == 0)
			return 1;
	return 0;
}

#define LISTED(type, list)	listed((type), (list), sizeof(list) / sizeof((list)[0]))

/* package_hint - "; Debian ships TYPE: tables in postfix-TYPE", or "" */
static const char *
package_hint(const char *type, char *buf, size_t size)
{
	if (!LISTED(type, packaged_types))
		return "";
	snprintf(buf, size, "; Debian ships %s: tables in the package postfix-%s", type, type);
	return buf;
}

/* capture_read - take what fd has; -1 on a read error */
static int
capture_read(struct capture *c)
{
	char chunk[4096];
	ssize_t n = read(c->fd, chunk, sizeof(chunk));
	size_t take;

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		close(c->fd);
		c->fd = -1;
		return 0;
	}
	take = (size_t)n;
	if (take > c->max - c->len)
		take = c->max - c->len;
	c->dropped += (size_t)n - take;
	if (c->len + take + 1 > c->cap) {
		size_t ncap = c->cap ? c->cap : 256;
		char *nb;

		while (ncap < c->len + take + 1)
			ncap *= 2;
		if ((nb = realloc(c->buf, ncap)) == NULL)
			return -1;
		c->buf = nb;
		c->cap = ncap;
	}
	memcpy(c->buf + c->len, chunk, take);
	c->len += take;
	c->buf[c->len] = 0;
	return 0;
}

/* child - postmap, with in (or /dev/null), out and err as fds 0, 1, 2 */
static void __attribute__((noreturn))
child(const struct pm *pm, char *const *argv, int in, int out, int err)
{
	sigset_t none;

	if (in < 0)
		in = open("/dev/null", O_RDONLY);
	if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	closefrom(3);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execv(pm->postmap, argv);
	dprintf(2, "cannot execute %s: %s\n", pm->postmap, strerror(errno));
	_exit(127);
}

/* close_pairs - the descriptors of three pipes that are open */
static void
close_pairs(int *a, int *b, int *c)
{
	int *pairs[] = { a, b, c };

	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 2; j++)
			if (pairs[i][j] >= 0)
				close(pairs[i][j]);
}

/*
 * run - run postmap on argv (stdin_text on its standard input, else
 * /dev/null) and collect its output and exit status; -1 with e set when
 * it could not be run or took too long
 */
static int
run(struct ff_table *t, const struct pm *pm, char *const *argv, const char *stdin_text,
    struct capture *out, struct capture *err, int *status, struct ff_err *e)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, pi[2] = { -1, -1 };
	long deadline = ff_now_ms() + pm->timeout_ms, left;
	const char *failed = NULL;
	int save;
	pid_t pid;

	/* the text goes in before postmap starts: no write to a pipe it has left */
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0 ||
	    (stdin_text != NULL && (pipe2(pi, O_CLOEXEC) < 0 ||
	    write(pi[1], stdin_text, strlen(stdin_text)) != (ssize_t)strlen(stdin_text)))) {
		save = errno;
		close_pairs(po, pe, pi);
		return ff_err_sys(e, save, "%s: pipe", t->spec);
	}
	if (pi[1] >= 0)
		close(pi[1]);
	pi[1] = -1;
	if ((pid = fork()) < 0) {
		save = errno;
		close_pairs(po, pe, pi);
		return ff_err_sys(e, save, "%s: fork", t->spec);
	}
	if (pid == 0)
		child(pm, argv, pi[0], po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	if (pi[0] >= 0)
		close(pi[0]);
	out->fd = po[0];
	err->fd = pe[0];
	while (out->fd >= 0 || err->fd >= 0) {
		struct pollfd pfd[2] = {
			{ .fd = out->fd, .events = POLLIN },
			{ .fd = err->fd, .events = POLLIN },
		};
		int r;

		if ((left = deadline - ff_now_ms()) <= 0) {
			failed = "did not answer in time";
			break;
		}
		if ((r = poll(pfd, 2, ff_poll_ms(left))) < 0 && errno != EINTR) {
			failed = "poll failed";
			break;
		}
		if (r > 0 && ((pfd[0].revents && capture_read(out) < 0) ||
		    (pfd[1].revents && capture_read(err) < 0))) {
			failed = "cannot read its output";
			break;
		}
		if (out->dropped > 0) {
			failed = "value too long";
			break;
		}
	}
	if (failed != NULL)
		kill(pid, SIGKILL);
	if (out->fd >= 0)
		close(out->fd);
	if (err->fd >= 0)
		close(err->fd);
	out->fd = err->fd = -1;
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return ff_err_sys(e, errno, "%s: wait for postmap", t->spec);
	if (failed != NULL && strcmp(failed, "did not answer in time") == 0)
		return ff_table_fail(t, e, "%s did not answer within %gs (killed)", pm->postmap,
		    (double)pm->timeout_ms / 1000);
	if (failed != NULL)
		return ff_table_fail(t, e, "%s: %s (killed)", pm->postmap, failed);
	return 0;
}

/*
 * complaint - the first line of postmap's standard error that is not a
 * warning or information (its reason to fail), or NULL; the warnings are
 * passed on
 */
static const char *
complaint(struct ff_table *t, char *text)
{
	const char *first = NULL;
	char *line, *next, shown[4 * PM_SHOW + 8];

	for (line = text; line != NULL && *line != 0; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = 0;
		if (strncmp(line, "postmap: warning: ", 18) == 0 ||
		    strncmp(line, "postmap: info: ", 15) == 0)
			ff_msg_warn("%s: %s", t->spec, ff_msg_safe(line, strnlen(line, PM_SHOW),
			    shown, sizeof(shown)));
		else if (first == NULL && *line != 0)
			first = line;
	}
	return first;
}

static int
postmap_lookup(struct ff_table *t, const char *key, const char **value, struct ff_err *e)
{
	struct pm *pm = t->priv;
	struct capture out = { .max = PM_MAX_VALUE, .fd = -1 }, err = { .max = PM_MAX_ERR, .fd = -1 };
	char *kcopy = strdup(key), *argv[] = {
		"postmap", "-c", pm->config_dir, "-f", "-q", kcopy, "--", t->spec, NULL,
	};
	char shown[4 * PM_SHOW + 8], hint[100];
	const char *why, *v;
	int dash = strcmp(key, "-") == 0, status, r = -1;
	size_t vlen;

	if (kcopy == NULL) {
		ff_err_sys(e, ENOMEM, "%s", t->spec);
		goto out;
	}
	if (run(t, pm, argv, dash ? "-\n" : NULL, &out, &err, &status, e) < 0)
		goto out;
	why = err.buf != NULL ? complaint(t, err.buf) : NULL;
	if (why != NULL)
		why = ff_msg_safe(why, strnlen(why, PM_SHOW), shown, sizeof(shown));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && out.len > 0) {
		v = out.buf;
		vlen = out.len;
		if (v[vlen - 1] == '\n')
			vlen--;
		if (dash) {
			/* "-q -" prints "KEY<TAB>VALUE" */
			if (vlen < 2 || v[0] != '-' || v[1] != '\t') {
				ff_table_fail(t, e, "postmap: unexpected output for the key \"-\"");
				goto out;
			}
			v += 2, vlen -= 2;
		}
		if ((*value = ff_table_value(t, v, vlen)) == NULL)
			ff_err_sys(e, ENOMEM, "%s", t->spec);
		else
			r = 1;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 1 && why == NULL) {
		r = 0;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) <= 1) {
		ff_table_fail(t, e, "%s%s", why ? why : "postmap: no output",
		    why && strstr(why, "unsupported dictionary type") ?
		    package_hint(pm->type, hint, sizeof(hint)) : "");
	} else if (WIFEXITED(status)) {
		ff_table_fail(t, e, "%s exited with status %d%s%s", pm->postmap,
		    WEXITSTATUS(status), why ? ": " : "", why ? why : "");
	} else {
		ff_table_fail(t, e, "%s killed by signal %d%s%s", pm->postmap,
		    WTERMSIG(status), why ? ": " : "", why ? why : "");
	}
out:
	free(kcopy);
	free(out.buf);
	free(err.buf);
	return r;
}

static void
postmap_close(struct ff_table *t)
{
	struct pm *pm = t->priv;

	if (pm == NULL)
		return;
	free(pm->postmap);
	free(pm->config_dir);
	free(pm->type);
	free(pm);
	t->priv = NULL;
}

static int
postmap_open(struct ff_table *t, const struct ff_table_ctx *ctx, struct ff_err *e)
{
	struct pm *pm;
	char hint[100];
	size_t tlen = (size_t)(t->name - 1 - t->spec);

	if ((pm = calloc(1, sizeof(*pm))) == NULL)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	t->priv = pm;
	if ((pm->type = strndup(t->spec, tlen)) == NULL ||
	    (pm->postmap = strdup(ctx->postmap)) == NULL ||
	    (pm->config_dir = strdup(ctx->config_dir)) == NULL)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	pm->timeout_ms = ctx->timeout_ms;
	t->fixed = LISTED(pm->type, fixed_types);
	if (pm->postmap[0] == 0)
		return ff_table_fail(t, e, "fastflush has no built-in %s: tables and asks"
		    " Postfix's postmap, but command_directory is not set%s", pm->type,
		    package_hint(pm->type, hint, sizeof(hint)));
	if (access(pm->postmap, X_OK) < 0)
		return ff_table_fail(t, e, "fastflush has no built-in %s: tables and cannot run"
		    " Postfix's postmap (%s: %s): install Postfix's postmap or set"
		    " command_directory%s", pm->type, pm->postmap, strerror(errno),
		    package_hint(pm->type, hint, sizeof(hint)));
	return 0;
}

const struct ff_table_type ff_table_type_postmap = {
	"postmap", postmap_open, postmap_lookup, postmap_close,
};
