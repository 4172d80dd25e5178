/*
 * site.c - destinations and their fast flush log names (see site.h)
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/msg.h"
#include "postfix/site.h"

#define LABEL_MAX	63

int
ff_valid_hostname(const char *name, size_t len)
{
	size_t label = 0;
	int numeric = 1;

	if (len == 0 || len > FF_QID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];
		int last = i + 1 == len;

		if (isalnum(ch) || ch == '_') {
			if (++label > LABEL_MAX)
				return 0;
			if (!isdigit(ch))
				numeric = 0;
		} else if (ch == '.') {
			if (label == 0 || last)
				return 0;
			label = 0;
		} else if (ch == '-') {
			numeric = 0;
			if (label == 0 || last || name[i + 1] == '.' || ++label > LABEL_MAX)
				return 0;
		} else {
			return 0;
		}
	}
	return !numeric;
}

int
ff_valid_literal(const char *site)
{
	char buf[64];
	unsigned char addr[16];
	size_t len = strlen(site);

	if (len < 3 || len - 2 >= sizeof(buf) || site[0] != '[' || site[len - 1] != ']')
		return 0;
	memcpy(buf, site + 1, len - 2);
	buf[len - 2] = 0;
	if (strncasecmp(buf, "ipv6:", 5) == 0)
		return inet_pton(AF_INET6, buf + 5, addr) == 1;
	return inet_pton(AF_INET, buf, addr) == 1;
}

/* mask - lowercase letters and digits, '_' for every other byte */
static void
mask(const char *in, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)in[i];
		out[i] = isalnum(ch) ? (char)tolower(ch) : '_';
	}
	out[len] = 0;
}

int
ff_site_canon(const char *site, size_t len, char *ascii, struct ff_err *e)
{
	char quoted[128], *a = NULL;
	size_t alen;
	int rc;

	if (len == 0)
		return ff_err_set(e, FF_BADSITE, "empty destination");
	if (len > FF_SITE_MAX)
		return ff_err_set(e, FF_BADSITE, "destination too long (%zu bytes): \"%s\"",
		    len, ff_msg_safe(site, len, quoted, 64));
	if (memchr(site, 0, len) != NULL || strlen(site) != len)
		return ff_err_set(e, FF_BADSITE, "destination contains a NUL byte");
	if (site[0] == '[') {
		if (!ff_valid_literal(site) || len > FF_QID_MAX)
			return ff_err_set(e, FF_BADSITE, "malformed address literal \"%s\"",
			    ff_msg_safe(site, len, quoted, sizeof(quoted)));
		for (size_t i = 0; i <= len; i++)
			ascii[i] = (char)tolower((unsigned char)site[i]);
		return 0;
	}
	rc = idn2_to_ascii_8z(site, &a, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK)
		return ff_err_set(e, FF_BADSITE, "cannot convert \"%s\" to ASCII: %s",
		    ff_msg_safe(site, len, quoted, sizeof(quoted)), idn2_strerror(rc));
	alen = strlen(a);
	if (!ff_valid_hostname(a, alen)) {
		idn2_free(a);
		return ff_err_set(e, FF_BADSITE, "\"%s\" is not a valid host name",
		    ff_msg_safe(site, len, quoted, sizeof(quoted)));
	}
	for (size_t i = 0; i <= alen; i++)
		ascii[i] = (char)tolower((unsigned char)a[i]);
	idn2_free(a);
	return 0;
}

int
ff_site_unicode(const char *ascii, char *out, size_t size)
{
	char *u = NULL;
	int rc = 0;

	if (strncmp(ascii, "xn--", 4) != 0 && strstr(ascii, ".xn--") == NULL)
		return 0;
	if (idn2_to_unicode_8z8z(ascii, &u, 0) != IDN2_OK || strcmp(u, ascii) == 0)
		rc = 0;
	else
		rc = strlcpy(out, u, size) < size;
	idn2_free(u);
	return rc;
}

int
ff_site_to_logname(const char *site, size_t len, char *name, struct ff_err *e)
{
	char ascii[FF_SITE_MAX + 1];

	if (ff_site_canon(site, len, ascii, e) < 0)
		return -1;
	ff_site_mask(ascii, name);
	return 0;
}

void
ff_site_mask(const char *ascii, char *name)
{
	size_t len = strlen(ascii);

	mask(ascii, len > FF_QID_MAX ? FF_QID_MAX : len, name);
}
