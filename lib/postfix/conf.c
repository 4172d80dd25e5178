/*
 * conf.c - Postfix main.cf parameters (see conf.h)
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/fmt.h"
#include "postfix/conf.h"
#include "postfix/expand.h"
#include "util/msg.h"
#include "util/watch.h"

#define CONF_MAX_FILE	(4 << 20)	/* main.cf larger than this is refused */

struct param {
	char *name;
	char *file_value;	/* from main.cf, or NULL */
	char *override;		/* from -o, or NULL */
	char *expanded;		/* cache for ff_conf_str() */
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
 * The parameters fastflush reads, with Postfix 3.7's defaults and the
 * unit a bare number takes: ff_conf_check() checks them all and
 * ff_conf_unused() calls any other -o name unused, so a parameter that
 * some code reads belongs here (and only one that some code reads, or
 * that the default of one refers to). NULL values are computed (see
 * raw_value).
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
	/* Postfix's own defaults, which depend on compatibility_level */
	{ "relay_domains", "${{$compatibility_level} <level {2} ? {$mydestination} : {}}", 0 },
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
	{ "queue_service_name", "qmgr", 0 },
	{ "connection_cache_service_name", "scache", 0 },
	{ "fastflush_lock_timeout", "60s", 's' },
	{ "fastflush_idle_client_timeout", "5s", 's' },
	{ "command_directory", "/usr/sbin", 0 },
	{ "proxymap_service_name", "proxymap", 0 },
	/* logging as Postfix's programs do it */
	{ "syslog_name", "${multi_instance_name?{$multi_instance_name}:{postfix}}", 0 },
	{ "multi_instance_name", "", 0 },
	{ "maillog_file", "", 0 },
	{ "postlog_service_name", "postlog", 0 },
	/* the listening mode's pool cap */
	{ "default_process_limit", "100", 0 },
	{ "smtputf8_enable", "${{$compatibility_level} <level {1} ? {no} : {yes}}", 0 },
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

/* parse_assignment - split "name = value" in place */
static int
parse_assignment(char *line, char **name, char **value)
{
	char *eq = strchr(line, '=');

	if (eq == NULL)
		return -1;
	*eq = 0;
	*name = ff_trim(line);
	*value = ff_trim(eq + 1);
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

	if (*ff_trim(text) == 0)
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

	const char *from = "-c";	/* who named the directory */

	if (dir == NULL) {
		dir = getenv("MAIL_CONFIG");
		from = "MAIL_CONFIG";
	}
	if (dir == NULL) {
		dir = "/etc/postfix";
		from = NULL;
	}
	if (from != NULL && *dir == 0)
		return ff_err_set(e, FF_CONFIG, "%s: empty configuration directory name", from);
	free(c->dir);
	if ((c->dir = strdup(dir)) == NULL)
		return ff_err_sys(e, ENOMEM, "config");
	if (ff_fmt(path, sizeof(path), "%s/main.cf", dir) < 0)
		return ff_err_set(e, FF_CONFIG, "%s: configuration directory name too long", dir);
	if ((fp = fopen(path, "re")) == NULL) {
		/*
		 * Only the built-in directory may lack main.cf; a directory
		 * someone named without one is a mistake that must not mean
		 * the live spool. (Postfix's programs stop on any missing
		 * main.cf: "fatal: open DIR/main.cf: No such file or directory".)
		 */
		if (from == NULL && errno == ENOENT) {
			/* built-in defaults, until a main.cf appears */
			if (ff_watch_add(&c->files, path, -1) < 0)
				return ff_err_sys(e, ENOMEM, "config");
			return 0;
		}
		if (from != NULL && (errno == ENOENT || errno == ENOTDIR))
			return ff_err_set(e, FF_CONFIG, "open %s: %s", path, strerror(errno));
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
	return NULL;
}

/* lookup - ff_expand()'s view of the parameters */
static const char *
lookup(void *ctx, const char *name)
{
	return raw_value(ctx, name, strlen(name));
}

int
ff_conf_str(struct ff_conf *c, const char *name, const char **value, struct ff_err *e)
{
	const char *raw = raw_value(c, name, strlen(name));
	struct param *p;
	char *result;

	*value = "";
	if (raw == NULL)
		return 0;
	if (strchr(raw, '$') == NULL) {
		*value = raw;
		return 0;
	}
	if ((p = find(c, name, strlen(name))) != NULL && p->expanded != NULL) {
		*value = p->expanded;
		return 0;
	}
	if (ff_expand(name, raw, lookup, c, &result, e) < 0)
		return -1;
	/* expansion may have added parameters and moved the array */
	if ((p = find_or_add(c, name)) == NULL) {
		free(result);
		return ff_err_sys(e, ENOMEM, "parameter %s", name);
	}
	free(p->expanded);
	p->expanded = result;
	*value = result;
	return 0;
}

const char *
ff_conf_get(struct ff_conf *c, const char *name)
{
	struct ff_err e;
	const char *v;

	if (ff_conf_str(c, name, &v, &e) < 0) {
		ff_msg_warn("%s; using an empty value", e.msg);
		return "";
	}
	return v;
}

int
ff_conf_check(struct ff_conf *c, struct ff_err *e)
{
	const char *v;

	/* Postfix's programs all stop on a malformed level, used or not */
	if (ff_conf_str(c, "compatibility_level", &v, e) < 0)
		return -1;
	if (ff_compat_level(v) < 0)
		return ff_err_set(e, FF_CONFIG, "parameter compatibility_level: malformed"
		    " compatibility level syntax: \"%.100s\"", v);
	for (size_t i = 0; i < NDEFAULTS; i++) {
		long secs;

		if (ff_conf_str(c, defaults[i].name, &v, e) < 0)
			return -1;
		if (defaults[i].unit && ff_parse_time(v, defaults[i].unit, &secs) < 0)
			return ff_err_set(e, FF_CONFIG, "bad time value for %s: \"%.100s\"",
			    defaults[i].name, v);
	}
	return 0;
}

int
ff_conf_unused(struct ff_conf *c, const char *assign, const char **name, size_t *len)
{
	const char *roots[NDEFAULTS];
	const char *s = assign;
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strcspn(s, "=");
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	*name = s;
	*len = n;
	for (size_t i = 0; i < NDEFAULTS; i++)
		roots[i] = defaults[i].name;
	return !ff_expand_uses(roots, NDEFAULTS, s, n, lookup, c);
}

/*
 * ff_parse_time - "10", "10s", "5m", "12h", "7d", "1w"; unit for bare
 * numbers. The one place a time becomes a number: a number that does not
 * fit a long is an error, a longer time than FF_CONF_TIME_MAX seconds is
 * FF_CONF_TIME_MAX, so sums with it (now + time, mtime + time) and
 * ff_time_ms() cannot overflow.
 */
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
	*secs = v > FF_CONF_TIME_MAX / mul ? FF_CONF_TIME_MAX : v * mul;
	return 0;
}

int
ff_conf_time(struct ff_conf *c, const char *name, long *secs, struct ff_err *e)
{
	int d = default_index(name, strlen(name));
	int unit = d >= 0 && defaults[d].unit ? defaults[d].unit : 's';
	const char *v;

	if (ff_conf_str(c, name, &v, e) < 0)
		return -1;
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
	const char *v, *err = NULL;
	long long n;

	if (ff_conf_str(c, name, &v, e) < 0)
		return -1;
	n = strtonum(v, min, max, &err);
	if (err != NULL)
		return ff_err_set(e, FF_CONFIG, "bad numerical value for %s: \"%.100s\" (%s)",
		    name, v, err);
	*val = (long)n;
	return 0;
}

int
ff_conf_bool(struct ff_conf *c, const char *name, int *val, struct ff_err *e)
{
	const char *v;

	if (ff_conf_str(c, name, &v, e) < 0)
		return -1;
	if (strcasecmp(v, "yes") == 0)
		*val = 1;
	else if (strcasecmp(v, "no") == 0)
		*val = 0;
	else
		return ff_err_set(e, FF_CONFIG, "bad boolean value for %s: \"%.100s\"", name, v);
	return 0;
}

int
ff_conf_changed(const struct ff_conf *c)
{
	return ff_watch_changed(&c->files);
}
