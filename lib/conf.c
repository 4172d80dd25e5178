/*
 * conf.c - Postfix main.cf parameters (see conf.h)
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "msg.h"
#include "watch.h"

#define CONF_MAX_FILE	(4 << 20)	/* main.cf larger than this is refused */
#define EXPAND_DEPTH	64
#define EXPAND_WORK	10000		/* expansion steps per value */
#define EXPAND_MAX	(1 << 20)	/* longest expanded value */

struct param {
	char *name;
	char *file_value;	/* from main.cf, or NULL */
	char *override;		/* from -o, or NULL */
	char *expanded;		/* cache for ff_conf_get() */
};

struct ff_conf {
	char *dir;
	struct param *v;
	size_t n, cap;
	char myhostname[256];	/* computed defaults */
	char mydomain[256];
	int computing;		/* guards the two against each other */
	struct ff_watch files;	/* main.cf as it was read (ff_conf_changed) */
};

/*
 * Built-in defaults: Postfix 3.7's for the parameters we use, with the
 * unit a bare number takes. NULL values are computed (see default_of).
 */
static const struct {
	const char *name;
	const char *value;
	char unit;
} defaults[] = {
	{ "queue_directory", "/var/spool/postfix", 0 },
	{ "hash_queue_names", "deferred, defer", 0 },
	{ "hash_queue_depth", "1", 0 },
	{ "fast_flush_domains", "$relay_domains", 0 },
	{ "relay_domains", NULL, 0 },
	{ "mydestination", "$myhostname, localhost.$mydomain, localhost", 0 },
	{ "myhostname", NULL, 0 },
	{ "mydomain", NULL, 0 },
	{ "compatibility_level", "0", 0 },
	{ "parent_domain_matches_subdomains",
	  "debug_peer_list,fast_flush_domains,mynetworks,permit_mx_backup_networks,"
	  "qmqpd_authorized_clients,relay_domains,smtpd_access_maps", 0 },
	{ "fast_flush_refresh_time", "12h", 'h' },
	{ "fast_flush_purge_time", "7d", 'd' },
	{ "mail_owner", "postfix", 0 },
	{ "connection_cache_ttl_limit", "2s", 's' },
	{ "connection_cache_status_update_time", "600s", 's' },
	{ "connection_cache_protocol_timeout", "5s", 's' },
	{ "max_idle", "100s", 's' },
	{ "max_use", "100", 0 },
	{ "ipc_timeout", "3600s", 's' },
	{ "trigger_timeout", "10s", 's' },
	{ "syslog_facility", "mail", 0 },
	{ "syslog_name", "postfix", 0 },
	{ "queue_service_name", "qmgr", 0 },
	{ "flush_service_name", "flush", 0 },
	{ "connection_cache_service_name", "scache", 0 },
	{ "fastflush_lock_timeout", "60s", 's' },
	{ "command_directory", "/usr/sbin", 0 },
	{ "proxymap_service_name", "proxymap", 0 },
	{ "smtputf8_enable", NULL, 0 },
};

#define NDEFAULTS (sizeof(defaults) / sizeof(defaults[0]))

struct ff_conf *
ff_conf_new(void)
{
	return calloc(1, sizeof(struct ff_conf));
}

void
ff_conf_free(struct ff_conf *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].file_value);
		free(c->v[i].override);
		free(c->v[i].expanded);
	}
	free(c->v);
	free(c->dir);
	ff_watch_free(&c->files);
	free(c);
}

const char *
ff_conf_dir(const struct ff_conf *c)
{
	return c->dir ? c->dir : "/etc/postfix";
}

static struct param *
find(struct ff_conf *c, const char *name, size_t len)
{
	for (size_t i = 0; i < c->n; i++)
		if (strncmp(c->v[i].name, name, len) == 0 && c->v[i].name[len] == 0)
			return &c->v[i];
	return NULL;
}

static struct param *
find_or_add(struct ff_conf *c, const char *name)
{
	struct param *p = find(c, name, strlen(name));
	void *nv;

	if (p != NULL)
		return p;
	if (c->n == c->cap) {
		size_t ncap = c->cap ? 2 * c->cap : 32;
		if ((nv = reallocarray(c->v, ncap, sizeof(*c->v))) == NULL)
			return NULL;
		c->v = nv;
		c->cap = ncap;
	}
	p = &c->v[c->n];
	memset(p, 0, sizeof(*p));
	if ((p->name = strdup(name)) == NULL)
		return NULL;
	c->n++;
	return p;
}

/* forget cached expansions: any value may refer to the one that changed */
static void
flush_cache(struct ff_conf *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].expanded);
		c->v[i].expanded = NULL;
	}
}

static int
store(struct ff_conf *c, const char *name, const char *value, int override)
{
	struct param *p;
	char *copy;

	if ((p = find_or_add(c, name)) == NULL || (copy = strdup(value)) == NULL)
		return -1;
	if (override) {
		free(p->override);
		p->override = copy;
	} else {
		free(p->file_value);
		p->file_value = copy;
	}
	flush_cache(c);
	return 0;
}

int
ff_conf_set(struct ff_conf *c, const char *name, const char *value)
{
	return store(c, name, value, 1);
}

static int
valid_name(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = 0;
	return s;
}

/* parse_assignment - split "name = value" in place */
static int
parse_assignment(char *line, char **name, char **value)
{
	char *eq = strchr(line, '=');

	if (eq == NULL)
		return -1;
	*eq = 0;
	*name = trim(line);
	*value = trim(eq + 1);
	return valid_name(*name, strlen(*name)) ? 0 : -1;
}

int
ff_conf_override(struct ff_conf *c, const char *assign, struct ff_err *e)
{
	char *copy, *name, *value;
	int rc;

	if ((copy = strdup(assign)) == NULL)
		return ff_err_sys(e, errno, "-o %s", assign);
	if (parse_assignment(copy, &name, &value) < 0) {
		free(copy);
		return ff_err_set(e, FF_USAGE, "-o %s: expected name=value", assign);
	}
	rc = store(c, name, value, 1);
	free(copy);
	return rc < 0 ? ff_err_sys(e, ENOMEM, "-o") : 0;
}

/* flush_logical - store one logical main.cf line */
static int
flush_logical(struct ff_conf *c, char *text, const char *path, int lineno, struct ff_err *e)
{
	char *name, *value;

	if (*trim(text) == 0)
		return 0;
	if (parse_assignment(text, &name, &value) < 0)
		return ff_err_set(e, FF_CONFIG, "%s, line %d: expected \"name = value\"",
		    path, lineno);
	if (store(c, name, value, 0) < 0)
		return ff_err_sys(e, ENOMEM, "%s", path);
	return 0;
}

int
ff_conf_load(struct ff_conf *c, const char *dir, struct ff_err *e)
{
	char path[PATH_MAX];
	char *line = NULL, *logical = NULL, *cp;
	size_t cap = 0, llen = 0, total = 0;
	ssize_t n;
	int lineno = 0, start = 0, rc = 0;
	FILE *fp;

	int chosen = 1;	/* named by -c or MAIL_CONFIG: must exist */
	struct stat st;

	if (dir == NULL || *dir == 0)
		dir = getenv("MAIL_CONFIG");
	if (dir == NULL || *dir == 0) {
		dir = "/etc/postfix";
		chosen = 0;
	}
	if (chosen && stat(dir, &st) < 0)
		return ff_err_set(e, FF_CONFIG, "configuration directory %s: %s", dir,
		    errno == ENOENT ? "no such directory" : strerror(errno));
	if (chosen && !S_ISDIR(st.st_mode))
		return ff_err_set(e, FF_CONFIG, "configuration directory %s: not a directory", dir);
	free(c->dir);
	if ((c->dir = strdup(dir)) == NULL)
		return ff_err_sys(e, ENOMEM, "config");
	if (snprintf(path, sizeof(path), "%s/main.cf", dir) >= (int)sizeof(path))
		return ff_err_set(e, FF_CONFIG, "%s: configuration directory name too long", dir);
	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT) {
			/* built-in defaults, until a main.cf appears */
			if (ff_watch_add(&c->files, path, -1) < 0)
				return ff_err_sys(e, ENOMEM, "config");
			return 0;
		}
		return ff_err_sys(e, errno, "open %s", path);
	}
	if (ff_watch_add(&c->files, path, fileno(fp)) < 0) {
		fclose(fp);
		return ff_err_sys(e, ENOMEM, "config");
	}
	while ((n = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		total += (size_t)n;
		if (total > CONF_MAX_FILE) {
			rc = ff_err_set(e, FF_CONFIG, "%s: file too large", path);
			break;
		}
		if (memchr(line, 0, (size_t)n) != NULL) {
			rc = ff_err_set(e, FF_CONFIG, "%s, line %d: NUL byte", path, lineno);
			break;
		}
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = 0;
		for (cp = line; isspace((unsigned char)*cp); cp++)
			;
		if (*cp == '#' || *cp == 0)
			continue;	/* comments and blank lines */
		if (!isspace((unsigned char)line[0]) || logical == NULL) {
			/* a new logical line */
			if (logical != NULL &&
			    (rc = flush_logical(c, logical, path, start, e)) < 0)
				break;
			llen = 0;
			start = lineno;
		}
		if ((cp = realloc(logical, llen + (size_t)n + 2)) == NULL) {
			rc = ff_err_sys(e, ENOMEM, "%s", path);
			break;
		}
		logical = cp;
		/* as Postfix: only the newline goes; leading blanks stay */
		memcpy(logical + llen, line, (size_t)n);
		llen += (size_t)n;
		logical[llen] = 0;
	}
	if (rc == 0 && ferror(fp))
		rc = ff_err_sys(e, errno, "read %s", path);
	if (rc == 0 && logical != NULL)
		rc = flush_logical(c, logical, path, start, e);
	fclose(fp);
	free(line);
	free(logical);
	return rc;
}

static int
is_set(struct ff_conf *c, const char *name)
{
	struct param *p = find(c, name, strlen(name));

	return p != NULL && (p->override != NULL || p->file_value != NULL);
}

/*
 * hostname_default - as Postfix: the system's host name; without a dot,
 * qualified with mydomain when that is configured, else ".localdomain"
 */
static const char *
hostname_default(struct ff_conf *c)
{
	char host[256];

	if (gethostname(host, sizeof(host) - 1) < 0 || host[0] == 0)
		strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = 0;
	if (strchr(host, '.') != NULL) {
		strlcpy(c->myhostname, host, sizeof(c->myhostname));
	} else {
		const char *dom = "localdomain";
		if (!c->computing && is_set(c, "mydomain")) {
			c->computing = 1;
			dom = ff_conf_get(c, "mydomain");
			c->computing = 0;
		}
		strlcpy(c->myhostname, host, sizeof(c->myhostname));
		strlcat(c->myhostname, ".", sizeof(c->myhostname));
		strlcat(c->myhostname, dom, sizeof(c->myhostname));
	}
	return c->myhostname;
}

/* domain_default - myhostname (as configured) without its first label */
static const char *
domain_default(struct ff_conf *c)
{
	const char *host = "", *dot;

	if (!c->computing) {
		c->computing = 1;
		host = ff_conf_get(c, "myhostname");
		c->computing = 0;
	}
	dot = strchr(host, '.');
	strlcpy(c->mydomain, dot && dot[1] ? dot + 1 : "localdomain", sizeof(c->mydomain));
	return c->mydomain;
}

static int
default_index(const char *name, size_t len)
{
	for (size_t i = 0; i < NDEFAULTS; i++)
		if (strncmp(defaults[i].name, name, len) == 0 && defaults[i].name[len] == 0)
			return (int)i;
	return -1;
}

/* raw_value - the unexpanded value: -o, else main.cf, else default */
static const char *
raw_value(struct ff_conf *c, const char *name, size_t len)
{
	struct param *p = find(c, name, len);
	int d;

	if (p != NULL && p->override != NULL)
		return p->override;
	if (p != NULL && p->file_value != NULL)
		return p->file_value;
	if ((d = default_index(name, len)) < 0)
		return NULL;
	if (defaults[d].value != NULL)
		return defaults[d].value;
	if (strcmp(defaults[d].name, "myhostname") == 0)
		return hostname_default(c);
	if (strcmp(defaults[d].name, "mydomain") == 0)
		return domain_default(c);
	if (strcmp(defaults[d].name, "relay_domains") == 0) {
		/* Postfix: $mydestination below compatibility level 2, else empty */
		const char *lvl = raw_value(c, "compatibility_level", 19);
		return lvl != NULL && atoi(lvl) >= 2 ? "" : "$mydestination";
	}
	if (strcmp(defaults[d].name, "smtputf8_enable") == 0) {
		/* Postfix: no below compatibility level 1, else yes */
		const char *lvl = raw_value(c, "compatibility_level", 19);
		return lvl != NULL && atoi(lvl) >= 1 ? "yes" : "no";
	}
	return NULL;
}

/* growable output buffer for expansion */
struct obuf {
	char *s;
	size_t len, cap;
	int failed;
	unsigned long *work;	/* shared by nested expansions: bounds the total */
};

static void
oput(struct obuf *o, const char *s, size_t n)
{
	char *ns;

	if (o->failed)
		return;
	if (o->len + n > EXPAND_MAX) {
		o->failed = 1;
		return;
	}
	if (o->len + n + 1 > o->cap) {
		size_t ncap = o->cap ? o->cap : 64;
		while (ncap < o->len + n + 1)
			ncap *= 2;
		if ((ns = realloc(o->s, ncap)) == NULL) {
			o->failed = 1;
			return;
		}
		o->s = ns;
		o->cap = ncap;
	}
	memcpy(o->s + o->len, s, n);
	o->len += n;
	o->s[o->len] = 0;
}

static void expand(struct ff_conf *, const char *, size_t, struct obuf *, int);

/* expand_name - append the expanded value of one parameter */
static void
expand_name(struct ff_conf *c, const char *name, size_t len, struct obuf *o, int depth)
{
	const char *v = raw_value(c, name, len);

	if (v != NULL)
		expand(c, v, strlen(v), o, depth + 1);
}

static int
is_name_char(int ch)
{
	return isalnum(ch) || ch == '_';
}

/* match_close - index of the bracket closing s[0] within n bytes, or n */
static size_t
match_close(const char *s, size_t n)
{
	char open = s[0], close = open == '(' ? ')' : '}';
	int level = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == open)
			level++;
		else if (s[i] == close && --level == 0)
			return i;
	}
	return n;
}

/* strip_braces - "{text}" becomes "text" */
static void
strip_braces(const char **s, size_t *n)
{
	const char *p = *s;
	size_t len = *n;

	while (len > 0 && isspace((unsigned char)*p))
		p++, len--;
	while (len > 0 && isspace((unsigned char)p[len - 1]))
		len--;
	if (len >= 2 && p[0] == '{' && p[len - 1] == '}') {
		*s = p + 1;
		*n = len - 2;
	}
}

/* expand_braced - ${name}, ${name?text}, ${name:text}, ${name?{a}:{b}} */
static void
expand_braced(struct ff_conf *c, const char *s, size_t n, struct obuf *o, int depth)
{
	size_t nlen = 0, alen, blen;
	const char *a, *b = NULL;
	struct obuf val = { .work = o->work };
	int nonempty;

	while (nlen < n && is_name_char((unsigned char)s[nlen]))
		nlen++;
	if (nlen == n) {
		expand_name(c, s, nlen, o, depth);
		return;
	}
	if (s[nlen] != '?' && s[nlen] != ':') {
		ff_msg_warn("bad parameter expression: $(%.*s)", (int)(n > 100 ? 100 : n), s);
		return;
	}
	expand_name(c, s, nlen, &val, depth);
	nonempty = val.len > 0;
	if (val.failed)
		o->failed = 1;
	free(val.s);
	a = s + nlen + 1;
	alen = n - nlen - 1;
	if (s[nlen] == '?' && alen > 0 && a[0] == '{') {
		/* ${name?{a}:{b}} */
		size_t end = match_close(a, alen);
		if (end < alen) {
			const char *rest = a + end + 1;
			size_t rlen = alen - end - 1;
			while (rlen > 0 && isspace((unsigned char)*rest))
				rest++, rlen--;
			if (rlen > 0 && rest[0] == ':') {
				b = rest + 1;
				blen = rlen - 1;
				strip_braces(&b, &blen);
			}
			alen = end + 1;
		}
	}
	strip_braces(&a, &alen);
	if (s[nlen] == '?') {
		if (nonempty)
			expand(c, a, alen, o, depth + 1);
		else if (b != NULL)
			expand(c, b, blen, o, depth + 1);
	} else if (!nonempty) {
		expand(c, a, alen, o, depth + 1);
	}
}

static void
expand(struct ff_conf *c, const char *s, size_t n, struct obuf *o, int depth)
{
	size_t i = 0, start, len;

	if (o->failed)
		return;
	if (depth > EXPAND_DEPTH || ++*o->work > EXPAND_WORK) {
		ff_msg_warn("parameter expansion loop or blow-up: %.*s", (int)(n > 100 ? 100 : n), s);
		o->failed = 1;
		return;
	}
	while (i < n) {
		if (s[i] != '$') {
			start = i;
			while (i < n && s[i] != '$')
				i++;
			oput(o, s + start, i - start);
			continue;
		}
		i++;
		if (i >= n) {
			oput(o, "$", 1);
			break;
		}
		if (s[i] == '$') {
			oput(o, "$", 1);
			i++;
		} else if (s[i] == '{' || s[i] == '(') {
			len = match_close(s + i, n - i);
			if (len == n - i) {
				ff_msg_warn("unbalanced bracket in parameter value: %.*s",
				    (int)(n > 100 ? 100 : n), s);
				return;
			}
			expand_braced(c, s + i + 1, len - 1, o, depth);
			i += len + 1;
		} else {
			start = i;
			while (i < n && is_name_char((unsigned char)s[i]))
				i++;
			if (i == start)
				oput(o, "$", 1);
			else
				expand_name(c, s + start, i - start, o, depth);
		}
	}
}

const char *
ff_conf_get(struct ff_conf *c, const char *name)
{
	struct param *p;
	const char *raw = raw_value(c, name, strlen(name));
	unsigned long work = 0;
	struct obuf o = { .work = &work };

	if (raw == NULL)
		return "";
	if (strchr(raw, '$') == NULL)
		return raw;
	if ((p = find_or_add(c, name)) == NULL)
		return "";
	if (p->expanded != NULL)
		return p->expanded;
	expand(c, raw, strlen(raw), &o, 0);
	if (o.failed) {
		free(o.s);
		return "";
	}
	/* expansion may have added parameters and moved the array */
	if ((p = find(c, name, strlen(name))) == NULL) {
		free(o.s);
		return "";
	}
	free(p->expanded);
	p->expanded = o.s ? o.s : strdup("");
	return p->expanded ? p->expanded : "";
}

/* ff_parse_time - "10", "10s", "5m", "12h", "7d", "1w"; unit for bare numbers */
int
ff_parse_time(const char *s, int unit, long *secs)
{
	char *end;
	long v, mul;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || v < 0)
		return -1;
	switch (*end ? *end : unit) {
	case 's': mul = 1; break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	case 'w': mul = 7 * 86400; break;
	default: return -1;
	}
	if (*end && end[1] != 0)
		return -1;
	if (v > LONG_MAX / mul)
		return -1;
	*secs = v * mul;
	return 0;
}

int
ff_conf_time(struct ff_conf *c, const char *name, long *secs, struct ff_err *e)
{
	int d = default_index(name, strlen(name));
	int unit = d >= 0 && defaults[d].unit ? defaults[d].unit : 's';
	const char *v = ff_conf_get(c, name);

	if (ff_parse_time(v, unit, secs) < 0)
		return ff_err_set(e, FF_CONFIG, "bad time value for %s: \"%.100s\"", name, v);
	return 0;
}

int
ff_conf_time_ms(struct ff_conf *c, const char *name, long *ms, struct ff_err *e)
{
	long secs;

	if (ff_conf_time(c, name, &secs, e) < 0)
		return -1;
	*ms = ff_time_ms(secs);
	return 0;
}

long
ff_time_ms(long secs)
{
	if (secs < 0)
		return 0;
	return secs > FF_CONF_TIME_MAX ? FF_CONF_TIME_MAX * 1000L : secs * 1000L;
}

int
ff_conf_long(struct ff_conf *c, const char *name, long min, long max, long *val,
    struct ff_err *e)
{
	const char *v = ff_conf_get(c, name);
	const char *err = NULL;
	long long n = strtonum(v, min, max, &err);

	if (err != NULL)
		return ff_err_set(e, FF_CONFIG, "bad numerical value for %s: \"%.100s\" (%s)",
		    name, v, err);
	*val = (long)n;
	return 0;
}

int
ff_conf_bool(struct ff_conf *c, const char *name, int *val, struct ff_err *e)
{
	const char *v = ff_conf_get(c, name);

	if (strcasecmp(v, "yes") == 0)
		*val = 1;
	else if (strcasecmp(v, "no") == 0)
		*val = 0;
	else
		return ff_err_set(e, FF_CONFIG, "bad boolean value for %s: \"%.100s\"", name, v);
	return 0;
}

/* ff_list_next - next word of a comma/white-space separated list */
const char *
ff_list_next(const char **cursor, size_t *len)
{
	const char *s = *cursor, *start;

	while (*s && (*s == ',' || isspace((unsigned char)*s)))
		s++;
	if (*s == 0) {
		*cursor = s;
		return NULL;
	}
	start = s;
	while (*s && *s != ',' && !isspace((unsigned char)*s))
		s++;
	*len = (size_t)(s - start);
	*cursor = s;
	return start;
}

int
ff_list_has(const char *list, const char *word)
{
	size_t len, wlen = strlen(word);
	const char *w;

	while ((w = ff_list_next(&list, &len)) != NULL)
		if (len == wlen && strncasecmp(w, word, len) == 0)
			return 1;
	return 0;
}

int
ff_conf_changed(const struct ff_conf *c)
{
	return ff_watch_changed(&c->files);
}
