/*
 * table_cidr.c - cidr:/file and cidr:{{rule}, ...}: IPv4 and IPv6 network
 * patterns, as Postfix 3.7's dict_cidr (see table.h)
 *
 * Each rule is "[!]pattern result", "if [!]pattern" or "endif"
 * (table_rxfile_int.h reads the file and keeps the if/endif blocks). A
 * pattern is an address, "address/length", "[address]", "[address]/length"
 * or "[address/length]"; IPv6 when it holds a ':'. The address must have
 * no bits set past the length. A line that does not parse is warned about
 * ("cidr map NAME, line N: REASON: skipping this rule", Postfix's
 * reasons) and skipped.
 *
 * A lookup key is an address as inet_pton(3) reads it (IPv6 when it holds
 * a ':'); any other key, "[1.2.3.4]" or "1.2.3.4/32" say, is not found. It
 * returns the result of the first rule whose pattern, of the key's family,
 * holds ("!": does not hold; a pattern of the other family never holds,
 * negated or not, nor does an "if" of the other family). Pattern table:
 * t->fixed is 0.
 *
 * Like Postfix, the length is read with atoi() into a byte: "/256" is
 * "/0", "/288" is "/32".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "postfix/table_rxfile_int.h"
#include "util/split.h"

#define CIDR_BYTES	16
#define WHY_MAX		1024

struct cidr_pattern {
	int family;
	unsigned char bytes, bits, shift;
	unsigned char net[CIDR_BYTES], mask[CIDR_BYTES];
};

struct cidr_key {
	int family;
	unsigned char addr[CIDR_BYTES];
};

static int
cidr_family(const char *s)
{
	return strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
}

/* cidr_cut - end s at its first c and return what follows, or NULL */
static char *
cidr_cut(char *s, int c)
{
	char *at = strchr(s, c);

	if (at == NULL)
		return NULL;
	*at = 0;
	return at + 1;
}

/* cidr_mask - clear every bit of the len-byte address a past the first shift */
static void
cidr_mask(unsigned char *a, size_t len, unsigned shift)
{
	for (size_t i = 0; i < len; i++) {
		if (shift >= 8 * (i + 1))
			continue;
		a[i] &= shift > 8 * i ? (unsigned char)(0xff << (8 - (shift - 8 * i))) : 0;
	}
}

/* cidr_parse - one pattern, in place; 0, or -1 with why set */
static int
cidr_parse(char *pattern, struct cidr_pattern *ip, char *why, size_t whysz)
{
	char *search = pattern, *mask, *end, shown[INET6_ADDRSTRLEN];
	const char *err = NULL;

	if (*pattern == '[') {
		pattern++;
		if ((end = cidr_cut(pattern, ']')) == NULL) {
			snprintf(why, whysz, "missing ']' character after \"[%s\"", pattern);
			return -1;
		}
		if (*end != '/') {
			if (*end != 0) {
				snprintf(why, whysz, "garbage after \"[%s]\"", pattern);
				return -1;
			}
			end = pattern;
		}
		search = end;
	}
	mask = cidr_cut(search, '/');
	ip->family = cidr_family(pattern);
	ip->bits = ip->family == AF_INET6 ? 128 : 32;
	ip->bytes = ip->bits / 8;
	if (mask == NULL) {
		if (inet_pton(ip->family, pattern, ip->net) != 1) {
			snprintf(why, whysz, "bad address pattern: \"%s\"", pattern);
			return -1;
		}
		ip->shift = ip->bits;
		memset(ip->mask, 0xff, ip->bytes);
		return 0;
	}
	if (!ff_all_digits(mask))
		err = "bad mask value";
	else if ((ip->shift = (unsigned char)(int)strtol(mask, NULL, 10)) > ip->bits)
		err = "bad mask length";
	else if (inet_pton(ip->family, pattern, ip->net) != 1)
		err = "bad network value";
	if (err != NULL) {
		snprintf(why, whysz, "%s in \"%s/%s\"", err, pattern, mask);
		return -1;
	}
	memset(ip->mask, 0xff, ip->bytes);
	cidr_mask(ip->mask, ip->bytes, ip->shift);
	for (size_t i = 0; i < ip->bytes; i++) {
		if (ip->net[i] & ~ip->mask[i]) {
			cidr_mask(ip->net, ip->bytes, ip->shift);
			if (inet_ntop(ip->family, ip->net, shown, sizeof(shown)) == NULL)
				shown[0] = 0;
			snprintf(why, whysz, "non-null host address bits in \"%s/%s\", "
			    "perhaps you should use \"%s/%d\" instead", pattern, mask, shown, ip->shift);
			return -1;
		}
	}
	return 0;
}

static char *
skip_negation(char *p, int *match)
{
	for (*match = 1;; p++) {
		if (*p == '!')
			*match = !*match;
		else if (!ff_rx_isspace((unsigned char)*p))
			return p;
	}
}

static void
rtrim(char *s)
{
	char *end = s + strlen(s);

	while (end > s && ff_rx_isspace((unsigned char)end[-1]))
		*--end = 0;
}

/* cidr_rule - one line: 1 rule made, 0 skipped (warned), -1 out of memory */
static int
cidr_rule(struct ff_rx_file *f, char *p, int lineno, int nesting, struct ff_rx_rule *r,
    const void *arg)
{
	struct cidr_pattern ip;
	char why[WHY_MAX], *pattern, *value = NULL;

	memset(&ip, 0, sizeof(ip));
	if (ff_rx_keyword(p, "IF")) {
		p = skip_negation(p + 2, &r->match);
		if (*p == 0) {
			snprintf(why, sizeof(why), "no address pattern");
			goto skip;
		}
		rtrim(p);
		if (cidr_parse(p, &ip, why, sizeof(why)) < 0)
			goto skip;
		r->op = FF_RX_IF;
	} else if (ff_rx_keyword(p, "ENDIF")) {
		for (p += 5; ff_rx_isspace((unsigned char)*p); p++)
			;
		if (*p != 0) {
			snprintf(why, sizeof(why), "garbage after ENDIF");
			goto skip;
		}
		if (nesting == 0) {
			snprintf(why, sizeof(why), "ENDIF without IF");
			goto skip;
		}
		r->op = FF_RX_ENDIF;
		return 1;
	} else {
		pattern = p = skip_negation(p, &r->match);
		while (*p && !ff_rx_isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = 0;
		while (ff_rx_isspace((unsigned char)*p))
			p++;
		value = p;
		rtrim(value);
		if (*pattern == 0) {
			snprintf(why, sizeof(why), "no address pattern");
			goto skip;
		}
		if (cidr_parse(pattern, &ip, why, sizeof(why)) < 0)
			goto skip;
		if (*value == 0) {
			snprintf(why, sizeof(why), "no lookup result");
			goto skip;
		}
		r->op = FF_RX_MATCH;
		if ((r->result = strdup(value)) == NULL)
			return -1;
	}
	if ((r->pat = malloc(sizeof(ip))) == NULL) {
		free(r->result);
		r->result = NULL;
		return -1;
	}
	memcpy(r->pat, &ip, sizeof(ip));
	return 1;
skip:
	ff_rx_warn(f, lineno, "%s: skipping this rule", why);
	return 0;
}

/* cidr_test - whether the rule's pattern holds for the key, its "!" applied */
static int
cidr_test(struct ff_rx_file *f, const struct ff_rx_rule *r, void *arg)
{
	const struct cidr_key *k = arg;
	const struct cidr_pattern *ip = r->pat;

	if (ip->family != k->family)
		return 0;
	for (size_t i = 0; i < ip->bytes; i++)
		if ((k->addr[i] & ip->mask[i]) != ip->net[i])
			return !r->match;
	return r->match;
}

static void
cidr_close(struct ff_table *t)
{
	struct ff_rx_file *rx = t->priv;

	if (rx == NULL)
		return;
	ff_rx_free(rx);
	free(rx);
	t->priv = NULL;
}

static int
cidr_open(struct ff_table *t, const struct ff_table_ctx *ctx, struct ff_err *e)
{
	struct ff_rx_file *rx = calloc(1, sizeof(*rx));

	if (rx == NULL)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	t->priv = rx;
	t->fixed = 0;
	rx->t = t;
	rx->kind = "cidr";
	rx->free_pat = free;
	return ff_rx_load(rx, cidr_rule, NULL, e);
}

static int
cidr_lookup(struct ff_table *t, const char *key, const char **value, struct ff_err *e)
{
	struct ff_rx_file *rx = t->priv;
	struct cidr_key k;
	const struct ff_rx_rule *r;

	k.family = cidr_family(key);
	if (inet_pton(k.family, key, k.addr) != 1)
		return 0;
	if ((r = ff_rx_run(rx, cidr_test, &k)) == NULL)
		return 0;
	if ((*value = ff_table_value(t, r->result, strlen(r->result))) == NULL)
		return ff_err_sys(e, ENOMEM, "%s", t->spec);
	return 1;
}

const struct ff_table_type ff_table_type_cidr = {
	"cidr", cidr_open, cidr_lookup, cidr_close,
};
