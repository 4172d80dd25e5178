/*
 * conf.c - Postfix main.cf parameters: storage, defaults, expanded and
 * typed values (see conf.h; reading main.cf and -o is conf_file.c's)
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
#include "postfix/conf_int.h"
#include "postfix/expand.h"
#include "util/msg.h"
#include "util/watch.h"

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

int
ff_conf_store(struct ff_conf *c, const char *name, const char *value, int override)
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
	return ff_conf_store(c, name, value, 1);
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
