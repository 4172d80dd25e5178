/*
 * scsettings.c - the connection cache server's settings (see scached.h)
 *
 * The defaults, main.cf's times, the caps fitted to the descriptor
 * limit, and the access rules with what they grant a peer.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postfix/conf.h"
#include "util/msg.h"
#include "scache/scached_int.h"
#include "scache/scwire.h"

struct ff_scached *
ff_scached_new(void)
{
	struct ff_scached *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->ttl_limit_ms = 2000;
	s->stat_interval_ms = 600 * 1000;
	s->idle_ms = 100 * 1000;
	s->timeout_ms = 3600 * 1000;
	s->first_ms = 5000;
	s->max_buffered = FF_SCACHED_MAX_BUFFERED;
	s->max_sessions = 10000;
	s->max_bindings = 40000;
	s->max_clients = 1000;
	s->max_string = FF_SCACHED_MAX_STRING;
	s->owner = (uid_t)-1;
	s->lockfd = -1;
	s->one_client = -1;
	return s;
}

void
ff_scached_free(struct ff_scached *s)
{
	if (s == NULL)
		return;
	ff_scache_free(s->cache);
	free(s->rules);
	if (s->lockfd >= 0)
		close(s->lockfd);
	free(s);
}

void
ff_scached_set_owner(struct ff_scached *s, uid_t owner)
{
	s->owner = owner;
}

void
ff_scached_set_trust_savers(struct ff_scached *s, int trust)
{
	s->trust_savers = trust;
}

void
ff_scached_set_max_sessions(struct ff_scached *s, size_t n)
{
	s->max_sessions = n;
}

size_t
ff_scached_max_sessions(const struct ff_scached *s)
{
	return s->max_sessions;
}

void
ff_scached_set_max_bindings(struct ff_scached *s, size_t n)
{
	s->max_bindings = n;
}

void
ff_scached_set_timeout(struct ff_scached *s, long timeout_ms)
{
	s->timeout_ms = timeout_ms;
}

long
ff_scached_timeout(const struct ff_scached *s)
{
	return s->timeout_ms;
}

void
ff_scached_set_master(struct ff_scached *s, struct ff_master *chan)
{
	s->chan = chan;
}

void
ff_scached_set_reload(struct ff_scached *s, int (*reload)(struct ff_scached *))
{
	s->reload = reload;
}

/*
 * ff_scached_fit_nofile - every cached session and every client holds a
 * descriptor: raise the soft limit to the hard one, then shrink the caps
 * that still do not fit (32 spare for the listener, log, lock, handoff)
 */
void
ff_scached_fit_nofile(struct ff_scached *s)
{
	struct rlimit rl;
	size_t cur;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return;
	cur = (size_t)rl.rlim_cur;
	if (s->max_sessions + s->max_clients + 32 <= cur)
		return;
	if (s->max_clients > cur / 8)
		s->max_clients = cur / 8 > 4 ? cur / 8 : 4;
	s->max_sessions = cur > s->max_clients + 64 ? cur - s->max_clients - 32 : cur / 4;
	ff_msg_warn("descriptor limit %zu: caching at most %zu connections for at most %zu "
	    "clients", cur, s->max_sessions, s->max_clients);
}

int
ff_scached_conf(struct ff_scached *s, struct ff_conf *conf, struct ff_err *e)
{
	static const struct {
		const char *name;
		size_t off;
	} times[] = {
		{ "connection_cache_ttl_limit", offsetof(struct ff_scached, ttl_limit_ms) },
		{ "connection_cache_status_update_time",
		    offsetof(struct ff_scached, stat_interval_ms) },
		{ "max_idle", offsetof(struct ff_scached, idle_ms) },
		{ "ipc_timeout", offsetof(struct ff_scached, timeout_ms) },
		{ "fastflush_idle_client_timeout", offsetof(struct ff_scached, first_ms) },
	};

	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		if (ff_conf_time_ms(conf, times[i].name, (long *)((char *)s + times[i].off), e) < 0)
			return -1;
	return 0;
}

static const struct {
	const char *name;
	unsigned bit;
} op_names[] = {
	{ "save", FF_SCOP_SAVE }, { "find", FF_SCOP_FIND }, { FF_SC_R_STATS, FF_SCOP_STATS },
	{ FF_SC_R_LIST, FF_SCOP_LIST }, { FF_SC_R_DELETE, FF_SCOP_DELETE }, { FF_SC_R_HANDOFF, FF_SCOP_HANDOFF },
	{ FF_SC_K_ALL, FF_SCOP_ALL },
};

unsigned
ff_scached_op_bit(const char *name)
{
	for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (strcmp(name, op_names[i].name) == 0)
			return op_names[i].bit;
	return 0;
}

/* who_id - a user or @group, by name or number */
static int
who_id(const char *w, struct ff_scached_rule *r)
{
	const char *errstr = NULL;
	long long n;

	r->group = w[0] == '@';
	if (r->group)
		w++;
	if (*w == 0)
		return -1;
	n = strtonum(w, 0, UINT32_MAX - 1, &errstr);
	if (errstr == NULL) {
		r->id = (unsigned)n;
		return 0;
	}
	if (r->group) {
		struct group *g = getgrnam(w);

		if (g == NULL)
			return -1;
		r->id = g->gr_gid;
	} else {
		struct passwd *p = getpwnam(w);

		if (p == NULL)
			return -1;
		r->id = p->pw_uid;
	}
	return 0;
}

int
ff_scached_allow(struct ff_scached *s, const char *spec, struct ff_err *e)
{
	const char *eq = strchr(spec, '='), *cursor, *w;
	char word[256];
	unsigned ops = 0, b;
	size_t len;

	if (eq == NULL)
		return ff_err_set(e, FF_USAGE, "bad allow rule %s: want OPS=WHO[,WHO...]", spec);
	cursor = spec;
	while ((w = ff_list_next(&cursor, &len)) != NULL && w < eq) {
		if (w + len > eq)
			len = (size_t)(eq - w);
		if (len >= sizeof(word))
			return ff_err_set(e, FF_USAGE, "bad operation in allow rule %s", spec);
		memcpy(word, w, len);
		word[len] = 0;
		if ((b = ff_scached_op_bit(word)) == 0)
			return ff_err_set(e, FF_USAGE, "unknown operation \"%s\" in allow rule %s "
			    "(save, find, stats, list, delete, handoff, all)", word, spec);
		ops |= b;
		if (w + len >= eq)
			break;
	}
	if (ops == 0)
		return ff_err_set(e, FF_USAGE, "no operation in allow rule %s", spec);
	/*
	 * One label namespace for all: a connection saved under Postfix's
	 * label (smtp:192.0.2.1:25) is what Postfix's smtp finds and writes
	 * its mail to. Granting save is trusting the user that much.
	 */
	if ((ops & FF_SCOP_SAVE) && !s->trust_savers)
		return ff_err_set(e, FF_USAGE, "allow rule %s grants save: what the users it names"
		    " save under Postfix's labels, Postfix's smtp would use for its mail; add"
		    " --trust-savers if they are trusted that much", spec);
	cursor = eq + 1;
	if (*cursor == 0)
		return ff_err_set(e, FF_USAGE, "nobody named in allow rule %s", spec);
	while ((w = ff_list_next(&cursor, &len)) != NULL) {
		struct ff_scached_rule r = { .ops = ops }, *nr;

		if (len >= sizeof(word))
			return ff_err_set(e, FF_USAGE, "bad name in allow rule %s", spec);
		memcpy(word, w, len);
		word[len] = 0;
		if (who_id(word, &r) < 0)
			return ff_err_set(e, FF_USAGE, "unknown user or group \"%s\" in allow rule %s",
			    word, spec);
		if ((nr = reallocarray(s->rules, s->nrules + 1, sizeof(*nr))) == NULL)
			return ff_err_sys(e, errno, "allow rule");
		s->rules = nr;
		s->rules[s->nrules++] = r;
	}
	return 0;
}

/* sc_peer_ops - what the client on fd may do, from its credentials */
unsigned
sc_peer_ops(const struct ff_scached *s, int fd, char *who, size_t size)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	gid_t groups[64];
	socklen_t glen = sizeof(groups);
	size_t ngroups = 0;
	unsigned ops = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
		snprintf(who, size, "unknown peer");
		return 0;
	}
	snprintf(who, size, "pid=%ld uid=%ld", (long)cr.pid, (long)cr.uid);
	if (cr.uid == 0 || cr.uid == s->owner || cr.uid == geteuid())
		return FF_SCOP_ALL;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0)
		ngroups = glen / sizeof(gid_t);
	for (size_t i = 0; i < s->nrules; i++) {
		const struct ff_scached_rule *r = &s->rules[i];

		if (!r->group && r->id == cr.uid)
			ops |= r->ops;
		if (r->group && r->id == cr.gid)
			ops |= r->ops;
		for (size_t g = 0; r->group && g < ngroups; g++)
			if (groups[g] == r->id)
				ops |= r->ops;
	}
	return ops;
}
