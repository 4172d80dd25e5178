/*
 * conf_file.c - main.cf and -o name=value into the parameters (see conf.h:
 * ff_conf_load(), ff_conf_override())
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fmt.h"
#include "util/split.h"
#include "util/watch.h"
#include "postfix/conf_int.h"

#define CONF_MAX_FILE	(4 << 20)	/* main.cf larger than this is refused */

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
	rc = ff_conf_store(c, name, value, 1);
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
	if (ff_conf_store(c, name, value, 0) < 0)
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
