/*
 * conf_test.c - main.cf parsing, -o overrides, $name expansion, time
 * values and lists (SPEC 4; POSTFIX-FACTS 5.1, 6.1)
 *
 * The main.cf syntax and expansion rows of test_get were also checked
 * with Postfix 3.7's "postconf -c DIR -xh NAME" (which folds white space
 * in its output), and the continuation rows with the raw values Postfix
 * prints in its "unused parameter: name=value" warnings: readllines()
 * deletes the newline between continued lines and nothing else.
 */
#include <sys/stat.h>

#include "unit.h"
#include "postfix/attr0.h"
#include "postfix/conf.h"

/* conf_dir - a fresh directory holding main.cf (none if text is NULL) */
static const char *
conf_dir(const char *text)
{
	static unsigned n;
	char name[32], file[PATH_MAX];
	const char *dir;

	snprintf(name, sizeof(name), "conf%u", n++);
	dir = unit_path(name);
	if (mkdir(dir, 0700) < 0) {
		perror(dir);
		exit(2);
	}
	if (text != NULL) {
		snprintf(file, sizeof(file), "%s/main.cf", dir);
		unit_write(file, text, strlen(text));
	}
	return dir;
}

/* load - a configuration from main.cf text and -o overrides, or NULL */
static struct ff_conf *
load(const char *text, const char *const *overrides, size_t n)
{
	struct ff_conf *c = ff_conf_new();
	struct ff_err e;

	if (!CHECK(c != NULL))
		return NULL;
	/* no main.cf: an empty one (only /etc/postfix may lack it) */
	if (!CHECK_INT_EQ(ff_conf_load(c, conf_dir(text ? text : ""), &e), 0)) {
		CHECK_STR_EQ(e.msg, "");
		ff_conf_free(c);
		return NULL;
	}
	for (size_t i = 0; i < n && overrides[i] != NULL; i++)
		if (!CHECK_INT_EQ(ff_conf_override(c, overrides[i], &e), 0))
			CHECK_STR_EQ(e.msg, "");
	return c;
}

#define MAX_O	3

static void
test_get(void)
{
	static const struct {
		const char *main_cf;	/* NULL: an empty main.cf */
		const char *o[MAX_O];	/* -o name=value */
		const char *name;
		const char *want;
	} t[] = {
		/* syntax */
		{ .main_cf = "# x = 1\nx = 2\n# x = 3\n", .name = "x", .want = "2" },
		{ .main_cf = "  # indented comment\nx = 2\n", .name = "x", .want = "2" },
		/* continuation: Postfix deletes the newline and nothing else */
		{ .main_cf = "x = a\n  b\n\tc\n", .name = "x", .want = "a  b\tc" },
		{ .main_cf = "x = a   \n  b  \n", .name = "x", .want = "a     b" },
		{ .main_cf = "x = a\n# comment\n  b\n", .name = "x", .want = "a  b" },
		{ .main_cf = "x = a\n\n  b\n", .name = "x", .want = "a  b" },
		{ .main_cf = "x = a,\n b,\n c\n", .name = "x", .want = "a, b, c" },
		{ .main_cf = "x = a\ny = b\n", .name = "x", .want = "a" },
		{ .main_cf = "x   =   v  v   \n", .name = "x", .want = "v  v" },
		{ .main_cf = "x=v", .name = "x", .want = "v" },
		{ .main_cf = "x =\n", .name = "x", .want = "" },
		{ .main_cf = "x = a = b\n", .name = "x", .want = "a = b" },
		{ .main_cf = "x = a # not a comment\n", .name = "x", .want = "a # not a comment" },
		{ .main_cf = "x = 1\nx = 2\n", .name = "x", .want = "2" },
		{ .main_cf = "x = last line without newline", .name = "x",
		  .want = "last line without newline" },
		{ .main_cf = "", .name = "x", .want = "" },
		{ .main_cf = "x = 1\n", .name = "nosuch", .want = "" },
		/* expansion */
		{ .main_cf = "a = 1\nb = $a/x\n", .name = "b", .want = "1/x" },
		{ .main_cf = "a = 1\nb = ${a}x\n", .name = "b", .want = "1x" },
		{ .main_cf = "a = 1\nb = $(a)x\n", .name = "b", .want = "1x" },
		{ .main_cf = "b = $a\na = later\n", .name = "b", .want = "later" },
		{ .main_cf = "c = <$b>\nb = [$a]\na = deep\n", .name = "c", .want = "<[deep]>" },
		{ .main_cf = "a = 1\nb = ${a?yes}\n", .name = "b", .want = "yes" },
		{ .main_cf = "a =\nb = ${a?yes}\n", .name = "b", .want = "" },
		{ .main_cf = "b = ${nosuch?yes}\n", .name = "b", .want = "" },
		{ .main_cf = "a = 1\nb = ${a:no}\n", .name = "b", .want = "" },
		{ .main_cf = "a =\nb = ${a:no}\n", .name = "b", .want = "no" },
		{ .main_cf = "b = ${nosuch:no}\n", .name = "b", .want = "no" },
		{ .main_cf = "a = 1\nb = ${a?{yes}:{no}}\n", .name = "b", .want = "yes" },
		{ .main_cf = "a =\nb = ${a?{yes}:{no}}\n", .name = "b", .want = "no" },
		{ .main_cf = "a = 1\nc = v\nb = ${a?$c}\n", .name = "b", .want = "v" },
		{ .main_cf = "a = 1\nb = ${a?{x, y}}\n", .name = "b", .want = "x, y" },
		{ .main_cf = "b = $$\n", .name = "b", .want = "$" },
		{ .main_cf = "b = cost $$5\n", .name = "b", .want = "cost $5" },
		{ .main_cf = "a = 1\nb = $$a\n", .name = "b", .want = "$a" },
		{ .main_cf = "b = x${nosuch}y\n", .name = "b", .want = "xy" },
		{ .main_cf = "b = $nosuch\n", .name = "b", .want = "" },
		{ .main_cf = "b = a$(nosuch)b\n", .name = "b", .want = "ab" },
		{ .main_cf = "b = $5x\n", .name = "b", .want = "" },
		{ .main_cf = "a = 1\nb = $a-$a_\n", .name = "b", .want = "1-" },
		{ .main_cf = "a = 1\nb = ${ a }\n", .name = "b", .want = "1" },
		/* a condition tests the value as written, not its expansion */
		{ .main_cf = "r = $nosuch\nb = ${r?yes}\n", .name = "b", .want = "yes" },
		{ .main_cf = "r = $nosuch\nb = ${r:no}\n", .name = "b", .want = "" },
		{ .main_cf = "b = ${a?$b}\na = x\n", .name = "b", .want = "" },
		{ .main_cf = "a =\nb = ${a?$b}\n", .name = "b", .want = "" },
		/* an unbraced operand is the rest, white space included */
		{ .main_cf = "a = 1\nb = <${a? yes}>\n", .name = "b", .want = "< yes>" },
		{ .main_cf = "a = 1\nb = <${a?{ yes }}>\n", .name = "b", .want = "< yes >" },
		{ .main_cf = "a = 1\nb = <${a ? {x} }>\n", .name = "b", .want = "<x>" },
		{ .main_cf = "a = 1\nb = ${a?x:y}\n", .name = "b", .want = "x:y" },
		{ .main_cf = "a =\nb = ${a?{x}:y z}\n", .name = "b", .want = "y z" },
		{ .main_cf = "a = 1\nb = <${a?x}{y}>\n", .name = "b", .want = "<x{y}>" },
		{ .main_cf = "b = ${:x}${?y}\n", .name = "b", .want = "x" },
		{ .main_cf = "a = 1\nb = ${a?$${x}}\n", .name = "b", .want = "${x}" },
		/* comparisons: numbers, strings, compatibility levels */
		{ .main_cf = "b = ${{1} == {01} ? {eq} : {ne}}\n", .name = "b", .want = "eq" },
		{ .main_cf = "b = ${{10} > {9}}\n", .name = "b", .want = "true" },
		{ .main_cf = "b = ${{10} > {9a}}\n", .name = "b", .want = "" },
		{ .main_cf = "b = ${{} < {1} ? {e}}\n", .name = "b", .want = "e" },
		{ .main_cf = "b = ${{a} != {b}:{same}}\n", .name = "b", .want = "" },
		{ .main_cf = "b = <${{1} < {2} ? y : n}>\n", .name = "b", .want = "< y : n>" },
		{ .main_cf = "b = ${{3.6} <level {10}}\n", .name = "b", .want = "true" },
		{ .main_cf = "b = ${{3.6} < {10}}\n", .name = "b", .want = "" },
		{ .main_cf = "b = ${{3.6.1} >level {3.6}}\n", .name = "b", .want = "true" },
		{ .main_cf = "b = ${{3} ==level {3.0.0}}\n", .name = "b", .want = "true" },
		{ .main_cf = "a = 1\nb = ${{$a} <= {1}?{le}:{gt}}\n", .name = "b", .want = "le" },
		/* -o overrides win over main.cf and take part in expansion */
		{ .main_cf = "queue_directory = /q1\n", .o = { "queue_directory=/q2" },
		  .name = "queue_directory", .want = "/q2" },
		{ .main_cf = NULL, .o = { "queue_directory=/q2" },
		  .name = "queue_directory", .want = "/q2" },
		{ .main_cf = "a = 1\n", .o = { "b=$a-x" }, .name = "b", .want = "1-x" },
		{ .main_cf = "a = 1\nb = $a\n", .o = { "a=2" }, .name = "b", .want = "2" },
		{ .main_cf = NULL, .o = { "x = spaced " }, .name = "x", .want = "spaced" },
		{ .main_cf = NULL, .o = { "x=" }, .name = "x", .want = "" },
		{ .main_cf = NULL, .o = { "x==y" }, .name = "x", .want = "=y" },
		{ .main_cf = NULL, .o = { "x=1", "x=2" }, .name = "x", .want = "2" },
		/* built-in defaults (POSTFIX-FACTS 4.2, 5.1, 6.1) */
		{ .main_cf = NULL, .name = "queue_directory", .want = "/var/spool/postfix" },
		{ .main_cf = NULL, .name = "fast_flush_refresh_time", .want = "12h" },
		{ .main_cf = NULL, .name = "fast_flush_purge_time", .want = "7d" },
		{ .main_cf = NULL, .name = "hash_queue_names", .want = "deferred, defer" },
		{ .main_cf = NULL, .name = "hash_queue_depth", .want = "1" },
		{ .main_cf = "x = 1\n", .name = "queue_directory", .want = "/var/spool/postfix" },
		{ .main_cf = "x = $queue_directory/x\n", .name = "x",
		  .want = "/var/spool/postfix/x" },
		{ .main_cf = NULL, .name = "mail_owner", .want = "postfix" },
		{ .main_cf = NULL, .name = "connection_cache_ttl_limit", .want = "2s" },
		{ .main_cf = NULL, .name = "ipc_timeout", .want = "3600s" },
		{ .main_cf = NULL, .name = "max_idle", .want = "100s" },
		/* relay_domains depends on compatibility_level */
		{ .main_cf = "mydestination = d.example\n", .name = "relay_domains",
		  .want = "d.example" },
		{ .main_cf = "mydestination = d.example\n", .name = "fast_flush_domains",
		  .want = "d.example" },
		{ .main_cf = "compatibility_level = 1\nmydestination = d.example\n",
		  .name = "fast_flush_domains", .want = "d.example" },
		{ .main_cf = "compatibility_level = 2\nmydestination = d.example\n",
		  .name = "relay_domains", .want = "" },
		{ .main_cf = "compatibility_level = 2\nmydestination = d.example\n",
		  .name = "fast_flush_domains", .want = "" },
		{ .main_cf = "compatibility_level = 3.6\nmydestination = d.example\n",
		  .name = "fast_flush_domains", .want = "" },
		{ .main_cf = "compatibility_level = 1.9\nmydestination = d.example\n",
		  .name = "fast_flush_domains", .want = "d.example" },
		{ .main_cf = "compatibility_level = $lvl\nlvl = 2\nmydestination = d.example\n",
		  .name = "fast_flush_domains", .want = "" },
		{ .main_cf = NULL, .name = "smtputf8_enable", .want = "no" },
		{ .main_cf = "compatibility_level = 1\n", .name = "smtputf8_enable", .want = "yes" },
		{ .main_cf = "mydestination = d.example\n", .o = { "compatibility_level=2" },
		  .name = "fast_flush_domains", .want = "" },
		{ .main_cf = "relay_domains = r.example\n", .name = "fast_flush_domains",
		  .want = "r.example" },
		{ .main_cf = "relay_domains = r.example\nfast_flush_domains = f.example\n",
		  .name = "fast_flush_domains", .want = "f.example" },
		{ .main_cf = "mydestination = d.example\n",
		  .o = { "fast_flush_domains=$relay_domains, x.example" },
		  .name = "fast_flush_domains", .want = "d.example, x.example" },
		{ .main_cf = "mydestination = $myhostname\nmyhostname = h.example\n",
		  .name = "fast_flush_domains", .want = "h.example" },
		/* defaults derive from the configured myhostname, as postconf says */
		{ .main_cf = "myhostname = mx.example.com\n", .name = "mydomain",
		  .want = "example.com" },
		{ .main_cf = "myhostname = mx.example.com\n", .name = "fast_flush_domains",
		  .want = "mx.example.com, localhost.example.com, localhost" },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		struct ff_conf *c;
		char q[100];

		UNIT_CASE("row %zu: %s, main.cf %s", i, t[i].name, t[i].main_cf ?
		    unit_quote(t[i].main_cf, strlen(t[i].main_cf), q, sizeof(q)) : "none");
		if ((c = load(t[i].main_cf, t[i].o, MAX_O)) == NULL)
			continue;
		/* a second get (cached) says the same */
		if (CHECK_STR_EQ(ff_conf_get(c, t[i].name), t[i].want))
			CHECK_STR_EQ(ff_conf_get(c, t[i].name), t[i].want);
		ff_conf_free(c);
	}
}

/*
 * expansions Postfix's programs stop on ("fatal: ... macro processing
 * error") fail, naming the parameter, and never hang; the same values
 * are compared with postconf in tests/interop/conf.bats
 */
static void
test_expand_fails(void)
{
	static const struct {
		const char *main_cf;
		const char *name;
		const char *says;	/* the whole message */
	} t[] = {
		{ "a = $b\nb = $a\n", "a",
		  "parameter a: recursive expansion of $a (in the value of $b)" },
		{ "a = x$a\n", "a", "parameter a: recursive expansion of $a" },
		{ "a = ${a}${a}\n", "a", "parameter a: recursive expansion of $a" },
		{ "a = ${b?$a}\nb = 1\n", "a", "parameter a: recursive expansion of $a" },
		{ "a = $(b)\nb = ${c:$a}\nc =\n", "a",
		  "parameter a: recursive expansion of $a (in the value of $b)" },
		{ "a = ${{$a} == {x}}\n", "a", "parameter a: recursive expansion of $a" },
		{ "fast_flush_domains = $x, $relay_domains\nx = ok\nrelay_domains = $y\n"
		  "y = $relay_domains\n", "fast_flush_domains",
		  "parameter fast_flush_domains: recursive expansion of $relay_domains"
		  " (in the value of $y)" },
		{ "a = ${unbalanced\n", "a", "parameter a: missing \"}\" in \"${unbalanced\"" },
		{ "a = $(x\n", "a", "parameter a: missing \")\" in \"$(x\"" },
		{ "a = x$\n", "a", "parameter a: empty parameter name after \"$\" in \"x$\"" },
		{ "a = $ x\n", "a", "parameter a: empty parameter name after \"$\" in \"$ x\"" },
		{ "a = ${}\n", "a", "parameter a: empty parameter name in \"${}\"" },
		{ "a = $()\n", "a", "parameter a: empty parameter name in \"$()\"" },
		{ "a = ${b c}\n", "a", "parameter a: bad parameter name in \"${b c}\"" },
		{ "a = ${b-c}\n", "a", "parameter a: bad parameter name in \"${b-c}\"" },
		{ "a = ${b?{x}z}\n", "a", "parameter a: \":\" expected after {x} in \"${b?{x}z}\"" },
		{ "a = ${b:{x}z}\n", "a", "parameter a: unexpected text after {x} in \"${b:{x}z}\"" },
		{ "a = ${b?{x}\n", "a", "parameter a: missing \"}\" in \"${b?{x}\"" },
		{ "a = ${b?{x}:{y}\n", "a", "parameter a: missing \"}\" in \"${b?{x}:{y}\"" },
		{ "a = ${{x}\n", "a", "parameter a: missing \"}\" in \"${{x}\"" },
		{ "a = $(b?{x)\n", "a", "parameter a: unbalanced {} in \"$(b?{x)\"" },
		{ "a = ${{1} =~ {2}}\n", "a", "parameter a: \"==\", \"!=\", \"<\", \"<=\", \">=\""
		  " or \">\" expected after {1} in \"${{1} =~ {2}}\"" },
		{ "a = ${{1} ==x {2}}\n", "a",
		  "parameter a: bad operator suffix \"x\" in \"${{1} ==x {2}}\"" },
		{ "a = ${{1} == 2}\n", "a",
		  "parameter a: \"{expression}\" expected after \"==\" in \"${{1} == 2}\"" },
		{ "a = ${{1} < {2} y}\n", "a",
		  "parameter a: \"?\" or \":\" expected after the comparison in \"${{1} < {2} y}\"" },
		{ "a = ${{x} <level {1}}\n", "a",
		  "parameter a: malformed compatibility level syntax: \"x\"" },
		{ "a = ${{1} <level {3.6.1.2}}\n", "a",
		  "parameter a: malformed compatibility level syntax: \"3.6.1.2\"" },
		{ "a = ${{99999999999999999999} == {1}}\n", "a",
		  "parameter a: number out of range in a comparison: \"99999999999999999999\""
		  " or \"1\"" },
		/* a fault in a branch not taken is not looked at, as in Postfix */
		/* exponential growth: Postfix would run out of memory */
		{ "a = $b$b$b$b\nb = $c$c$c$c\nc = $d$d$d$d\nd = $e$e$e$e\ne = $f$f$f$f\n"
		  "f = $g$g$g$g\ng = $h$h$h$h\nh = $i$i$i$i\ni = $j$j$j$j\nj = x\n", "a",
		  "parameter a: the expansion takes more than 100000 steps"
		  " (in the value of $i)" },
		{ "a = $b$b$b$b$b$b$b$b\nb = $c$c$c$c$c$c$c$c\nc = $d$d$d$d$d$d$d$d\n"
		  "d = $e$e$e$e$e$e$e$e\ne = $f$f$f$f$f$f$f$f\n"
		  "f = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", "a",
		  "parameter a: the expansion is longer than 1048576 bytes (in the value of $f)" },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		struct ff_conf *c;
		struct ff_err e;
		const char *v = "unset";
		long secs;
		char q[100];

		UNIT_CASE("main.cf %s", unit_quote(t[i].main_cf, strlen(t[i].main_cf), q,
		    sizeof(q)));
		if ((c = load(t[i].main_cf, NULL, 0)) == NULL)
			continue;
		memset(&e, 0, sizeof(e));
		CHECK_INT_EQ(ff_conf_str(c, t[i].name, &v, &e), -1);
		CHECK_INT_EQ(e.status, FF_CONFIG);
		CHECK_STR_EQ(e.msg, t[i].says);
		CHECK_STR_EQ(v, "");
		/* the same through the typed accessors and the ones without an error path */
		memset(&e, 0, sizeof(e));
		CHECK_INT_EQ(ff_conf_time(c, t[i].name, &secs, &e), -1);
		CHECK_STR_EQ(e.msg, t[i].says);
		CHECK_STR_EQ(ff_conf_get(c, t[i].name), "");
		ff_conf_free(c);
	}
}

/* a fault in a branch that is not taken is not an error, as in Postfix */
static void
test_expand_untaken(void)
{
	static const struct {
		const char *main_cf;
		const char *want;
	} t[] = {
		{ "b = 1\na = ${b:$loop}\nloop = $loop\n", "" },
		{ "b =\na = ${b?{$loop}:ok}\nloop = $loop\n", "ok" },
		{ "a = ${nosuch?${{x} <level {1}}}\n", "" },
		{ "b = 1\na = ${b?$x}\nx = ${b?$y}\ny = deep\n", "deep" },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		struct ff_conf *c;
		struct ff_err e;
		const char *v = NULL;
		char q[100];

		UNIT_CASE("main.cf %s", unit_quote(t[i].main_cf, strlen(t[i].main_cf), q,
		    sizeof(q)));
		if ((c = load(t[i].main_cf, NULL, 0)) == NULL)
			continue;
		if (CHECK_INT_EQ(ff_conf_str(c, "a", &v, &e), 0))
			CHECK_STR_EQ(v, t[i].want);
		ff_conf_free(c);
	}
}

/*
 * Postfix's nesting limit: 100 levels of references; p1 of a chain of
 * 101 parameters is the deepest that expands (checked with postconf)
 */
static void
test_expand_depth(void)
{
	static const int n[] = { 50, 101, 102, 150 };
	char *text = malloc(20000);
	struct ff_err e;

	if (!CHECK(text != NULL))
		return;
	for (size_t k = 0; k < UNIT_COUNT(n); k++) {
		struct ff_conf *c;
		const char *v = NULL;
		size_t len = 0;

		UNIT_CASE("a chain of %d parameters", n[k]);
		for (int i = 1; i < n[k]; i++)
			len += (size_t)snprintf(text + len, 20000 - len, "p%d = $p%d\n", i, i + 1);
		snprintf(text + len, 20000 - len, "p%d = end\n", n[k]);
		if ((c = load(text, NULL, 0)) == NULL)
			continue;
		memset(&e, 0, sizeof(e));
		if (n[k] <= 101) {
			if (CHECK_INT_EQ(ff_conf_str(c, "p1", &v, &e), 0))
				CHECK_STR_EQ(v, "end");
		} else {
			CHECK_INT_EQ(ff_conf_str(c, "p1", &v, &e), -1);
			CHECK(strstr(e.msg, "parameter p1: unreasonable nesting, more than 100"
			    " levels") != NULL);
		}
		ff_conf_free(c);
	}
	free(text);
}

/* ff_conf_check: every parameter fastflush reads, and compatibility_level */
static void
test_check(void)
{
	static const struct {
		const char *main_cf;
		const char *says;	/* NULL: no error */
	} t[] = {
		{ "", NULL },
		{ "unused = $unused\n", NULL },	/* nothing reads it */
		{ "fast_flush_domains = ${x\n",
		  "parameter fast_flush_domains: missing \"}\" in \"${x\"" },
		{ "relay_domains = $fast_flush_domains\n",
		  "parameter fast_flush_domains: recursive expansion of $fast_flush_domains"
		  " (in the value of $relay_domains)" },
		{ "mydestination = $myhostname\nmyhostname = $mydestination\n",
		  "parameter fast_flush_domains: recursive expansion of $mydestination"
		  " (in the value of $myhostname)" },
		{ "max_idle = $(x\n", "parameter max_idle: missing \")\" in \"$(x\"" },
		{ "connection_cache_service_name = $\n",
		  "parameter connection_cache_service_name: empty parameter name after \"$\""
		  " in \"$\"" },
		{ "compatibility_level = x\n",
		  "parameter compatibility_level: malformed compatibility level syntax: \"x\"" },
		{ "compatibility_level =\n",
		  "parameter compatibility_level: malformed compatibility level syntax: \"\"" },
		{ "compatibility_level = 3.6.1.2\n",
		  "parameter compatibility_level: malformed compatibility level syntax:"
		  " \"3.6.1.2\"" },
		{ "compatibility_level = 3.6.1\n", NULL },
		{ "compatibility_level = $l\nl = 2\n", NULL },
		/* relay_domains is set: its default's comparison is never made */
		{ "compatibility_level = 3.6\nrelay_domains =\n", NULL },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		struct ff_conf *c;
		struct ff_err e;
		char q[100];

		UNIT_CASE("main.cf %s", unit_quote(t[i].main_cf, strlen(t[i].main_cf), q,
		    sizeof(q)));
		if ((c = load(t[i].main_cf, NULL, 0)) == NULL)
			continue;
		memset(&e, 0, sizeof(e));
		if (t[i].says == NULL) {
			if (!CHECK_INT_EQ(ff_conf_check(c, &e), 0))
				CHECK_STR_EQ(e.msg, "");
		} else {
			CHECK_INT_EQ(ff_conf_check(c, &e), -1);
			CHECK_INT_EQ(e.status, FF_CONFIG);
			CHECK_STR_EQ(e.msg, t[i].says);
		}
		ff_conf_free(c);
	}
}

/* ff_conf_unused: the -o names that nothing reads */
static void
test_unused(void)
{
	static const struct {
		const char *main_cf;
		const char *o[MAX_O];	/* applied as -o before the question */
		const char *assign;	/* the -o asked about */
		int unused;
		const char *name;	/* as found in assign */
	} t[] = {
		{ "", { NULL }, "queue_directory=/q", 0, "queue_directory" },
		{ "", { NULL }, "fast_flush_domains=x", 0, "fast_flush_domains" },
		{ "", { NULL }, "max_use=5", 0, "max_use" },
		{ "", { NULL }, "mydomain=example.com", 0, "mydomain" },
		{ "", { NULL }, "typo_name=1", 1, "typo_name" },
		{ "", { NULL }, " spaced = 1", 1, "spaced" },
		{ "", { NULL }, "smtpd_banner=x", 1, "smtpd_banner" },
		{ "", { NULL }, "flush_service_name=x", 1, "flush_service_name" },
		{ "", { NULL }, "relay_domains=x", 0, "relay_domains" },
		/* referred to by a parameter fastflush reads, directly or not */
		{ "queue_directory = $spool\n", { NULL }, "spool=/q", 0, "spool" },
		{ "fast_flush_domains = $a\na = ${b}x\nb = $(c)\n", { NULL }, "c=1", 0, "c" },
		{ "fast_flush_domains = ${t?{$x}:{$y}}\n", { NULL }, "y=1", 0, "y" },
		{ "fast_flush_domains = ${t?{$x}:{$y}}\n", { NULL }, "t=1", 0, "t" },
		{ "fast_flush_domains = ${{$l} == {1}}\n", { NULL }, "l=1", 0, "l" },
		/* the text of a tested name's value is not followed */
		{ "fast_flush_domains = ${t?x}\nt = $u\n", { NULL }, "u=1", 1, "u" },
		/* the values in effect count, -o included */
		{ "", { "fast_flush_domains=$mine" }, "mine=x", 0, "mine" },
		{ "fast_flush_domains = $mine\n", { "fast_flush_domains=x" }, "mine=x", 1, "mine" },
		/* loops and broken values end, and hide nothing else */
		{ "fast_flush_domains = $a, $z\na = $b\nb = $a\n", { NULL }, "z=1", 0, "z" },
		{ "fast_flush_domains = ${a\nqueue_directory = $q\n", { NULL }, "q=/q", 0, "q" },
		/* a default that refers to a name counts (relay_domains: $mydestination) */
		{ "", { NULL }, "compatibility_level=2", 0, "compatibility_level" },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		struct ff_conf *c;
		const char *name = NULL;
		size_t len = 0;
		char q[100];

		UNIT_CASE("main.cf %s, -o %s", unit_quote(t[i].main_cf, strlen(t[i].main_cf), q,
		    sizeof(q)), t[i].assign);
		if ((c = load(t[i].main_cf, t[i].o, MAX_O)) == NULL)
			continue;
		CHECK_INT_EQ(ff_conf_unused(c, t[i].assign, &name, &len), t[i].unused);
		CHECK_MEM_EQ(name, len, t[i].name, strlen(t[i].name));
		ff_conf_free(c);
	}
}

static void
test_load_fails(void)
{
	static const struct {
		const char *main_cf;
		const char *says;	/* in the message */
	} t[] = {
		{ .main_cf = "bogus line\n", .says = "line 1" },
		{ .main_cf = "a = 1\nbogus\n", .says = "line 2" },
		{ .main_cf = "a = 1\n  b\nbad line\n", .says = "line 3" },
		{ .main_cf = "= value\n", .says = "line 1" },
		{ .main_cf = "x y = 1\n", .says = "line 1" },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		struct ff_conf *c = ff_conf_new();
		struct ff_err e;
		char q[100];

		UNIT_CASE("main.cf %s", unit_quote(t[i].main_cf, strlen(t[i].main_cf), q,
		    sizeof(q)));
		memset(&e, 0, sizeof(e));
		CHECK_INT_EQ(ff_conf_load(c, conf_dir(t[i].main_cf), &e), -1);
		CHECK_INT_EQ(e.status, FF_CONFIG);
		if (!CHECK(strstr(e.msg, t[i].says) != NULL))
			CHECK_STR_EQ(e.msg, t[i].says);
		ff_conf_free(c);
	}
}

/* a NUL byte, and a main.cf that cannot be read */
static void
test_load_bad_file(void)
{
	struct ff_conf *c = ff_conf_new();
	struct ff_err e;
	const char *dir;
	char path[PATH_MAX];

	UNIT_CASE("NUL byte in main.cf");
	dir = conf_dir(NULL);
	snprintf(path, sizeof(path), "%s/main.cf", dir);
	unit_write(path, "a = 1\nb = x\0y\n", 14);
	CHECK_INT_EQ(ff_conf_load(c, dir, &e), -1);
	CHECK_INT_EQ(e.status, FF_CONFIG);

	UNIT_CASE("main.cf is a directory");
	dir = conf_dir(NULL);
	snprintf(path, sizeof(path), "%s/main.cf", dir);
	CHECK_INT_EQ(mkdir(path, 0700), 0);
	memset(&e, 0, sizeof(e));
	CHECK_INT_EQ(ff_conf_load(c, dir, &e), -1);
	CHECK(e.status == FF_SYSERR || e.status == FF_TEMP);
	CHECK(e.msg[0] != 0);
	ff_conf_free(c);
}

static void
test_override_fails(void)
{
	static const char *const t[] = { "noequals", "=x", " = x", "bad name=x", "" };
	struct ff_conf *c = ff_conf_new();

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		struct ff_err e;

		UNIT_CASE("-o \"%s\"", t[i]);
		memset(&e, 0, sizeof(e));
		CHECK_INT_EQ(ff_conf_override(c, t[i], &e), -1);
		CHECK_INT_EQ(e.status, FF_USAGE);
		CHECK(e.msg[0] != 0);
	}
	ff_conf_free(c);
}

static void
test_time(void)
{
	static const struct {
		const char *name;
		const char *value;	/* NULL: the default */
		long want;		/* -1: FF_CONFIG */
	} t[] = {
		{ "fast_flush_refresh_time", NULL, 12 * 3600 },
		{ "fast_flush_purge_time", NULL, 7 * 86400 },
		{ "ipc_timeout", NULL, 3600 },
		{ "max_idle", NULL, 100 },
		{ "connection_cache_ttl_limit", NULL, 2 },
		{ "connection_cache_status_update_time", NULL, 600 },
		/* a bare number takes the unit of the default's suffix */
		{ "fast_flush_refresh_time", "10", 36000 },
		{ "fast_flush_purge_time", "10", 864000 },
		{ "ipc_timeout", "10", 10 },
		{ "some_unknown_time", "10", 10 },
		{ "fast_flush_refresh_time", "0", 0 },
		{ "max_idle", "5m", 300 },
		{ "max_idle", "30s", 30 },
		{ "fast_flush_purge_time", "2d", 172800 },
		{ "fast_flush_refresh_time", "1w", 604800 },
		{ "fast_flush_purge_time", "3h", 10800 },
		{ "fast_flush_purge_time", "0s", 0 },
		/* bad */
		{ "max_idle", "5x", -1 },
		{ "max_idle", "-1", -1 },
		{ "max_idle", "1hh", -1 },
		{ "max_idle", "5M", -1 },
		{ "max_idle", "1.5h", -1 },
		{ "max_idle", "1 h", -1 },
		{ "max_idle", "h", -1 },
		{ "max_idle", "", -1 },
		{ "max_idle", "99999999999999999999", -1 },
		/* longer than FF_CONF_TIME_MAX (about 68 years): clamped */
		{ "fast_flush_purge_time", "9223372036854775807d", FF_CONF_TIME_MAX },
		{ "max_idle", "9223372036854775807", FF_CONF_TIME_MAX },
		{ "max_idle", "9223372036854775807s", FF_CONF_TIME_MAX },
		{ "fastflush_lock_timeout", "9223372036854776s", FF_CONF_TIME_MAX },
		{ "trigger_timeout", "30d", 30 * 86400 },
		{ "max_idle", "2147483647s", FF_CONF_TIME_MAX },
		{ "max_idle", "2147483648s", FF_CONF_TIME_MAX },
		{ "max_idle", "3550w", 3550L * 7 * 86400 },
		{ "max_idle", "3551w", FF_CONF_TIME_MAX },
		{ "max_idle", "24856d", FF_CONF_TIME_MAX },
		{ "max_idle", "9999999999999999w", FF_CONF_TIME_MAX },
		{ "max_idle", "-9223372036854775808", -1 },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		struct ff_conf *c = ff_conf_new();
		struct ff_err e;
		long secs = -42;

		UNIT_CASE("%s = %s", t[i].name, t[i].value ? t[i].value : "<default>");
		if (t[i].value != NULL)
			CHECK_INT_EQ(ff_conf_set(c, t[i].name, t[i].value), 0);
		memset(&e, 0, sizeof(e));
		if (t[i].want >= 0) {
			if (CHECK_INT_EQ(ff_conf_time(c, t[i].name, &secs, &e), 0))
				CHECK_INT_EQ(secs, t[i].want);
		} else {
			CHECK_INT_EQ(ff_conf_time(c, t[i].name, &secs, &e), -1);
			CHECK_INT_EQ(e.status, FF_CONFIG);
			CHECK(strstr(e.msg, t[i].name) != NULL);
		}
		ff_conf_free(c);
	}
}

/* seconds to milliseconds to a poll(2) wait: clamped, never wrapped (issue 12 #9) */
static void
test_time_ms(void)
{
	struct ff_conf *c = ff_conf_new();
	struct ff_err e = { 0 };
	long ms = -42, secs = -42;

	UNIT_CASE("ff_time_ms");
	CHECK_INT_EQ(ff_time_ms(0), 0);
	CHECK_INT_EQ(ff_time_ms(30), 30000);
	CHECK_INT_EQ(ff_time_ms(-1), 0);
	CHECK_INT_EQ(ff_time_ms(LONG_MIN), 0);
	CHECK_INT_EQ(ff_time_ms(FF_CONF_TIME_MAX), FF_CONF_TIME_MAX * 1000L);
	CHECK_INT_EQ(ff_time_ms(FF_CONF_TIME_MAX + 1), FF_CONF_TIME_MAX * 1000L);
	CHECK_INT_EQ(ff_time_ms(LONG_MAX), FF_CONF_TIME_MAX * 1000L);

	UNIT_CASE("ff_parse_time (command-line -t)");
	CHECK_INT_EQ(ff_parse_time("9223372036854775807s", 's', &secs), 0);
	CHECK_INT_EQ(secs, FF_CONF_TIME_MAX);
	CHECK_INT_EQ(ff_parse_time("9223372036854775807w", 's', &secs), 0);
	CHECK_INT_EQ(secs, FF_CONF_TIME_MAX);
	CHECK_INT_EQ(ff_parse_time("9223372036854775808", 's', &secs), -1);
	CHECK_INT_EQ(ff_parse_time("-1", 's', &secs), -1);

	UNIT_CASE("ff_conf_time_ms");
	CHECK_INT_EQ(ff_conf_set(c, "fastflush_lock_timeout", "9223372036854776s"), 0);
	CHECK_INT_EQ(ff_conf_time_ms(c, "fastflush_lock_timeout", &ms, &e), 0);
	CHECK_INT_EQ(ms, FF_CONF_TIME_MAX * 1000L);
	CHECK_INT_EQ(ff_conf_set(c, "trigger_timeout", "30d"), 0);
	CHECK_INT_EQ(ff_conf_time_ms(c, "trigger_timeout", &ms, &e), 0);
	CHECK_INT_EQ(ms, 30L * 86400 * 1000);

	UNIT_CASE("ff_poll_ms");
	CHECK_INT_EQ(ff_poll_ms(ms), INT_MAX);	/* 30d: was a negative int */
	CHECK_INT_EQ(ff_poll_ms(0), 0);
	CHECK_INT_EQ(ff_poll_ms(1500), 1500);
	CHECK_INT_EQ(ff_poll_ms(INT_MAX), INT_MAX);
	CHECK_INT_EQ(ff_poll_ms((long)INT_MAX + 1), INT_MAX);
	CHECK_INT_EQ(ff_poll_ms(4294967296L + 500), INT_MAX);	/* was 500 */
	CHECK_INT_EQ(ff_poll_ms(LONG_MAX), INT_MAX);
	CHECK_INT_EQ(ff_poll_ms(-1), -1);
	CHECK_INT_EQ(ff_poll_ms(LONG_MIN), -1);
	ff_conf_free(c);
}

static void
test_long_bool(void)
{
	static const struct {
		const char *value;
		long want;	/* -1: FF_CONFIG */
	} longs[] = {
		{ "1", 1 }, { "16", 16 }, { "0", -1 }, { "17", -1 }, { "x", -1 }, { "", -1 },
		{ "2x", -1 },
	};
	static const struct {
		const char *value;
		int want;	/* -1: FF_CONFIG */
	} bools[] = {
		{ "yes", 1 }, { "YES", 1 }, { "no", 0 }, { "No", 0 }, { "maybe", -1 },
		{ "", -1 }, { "1", -1 },
	};

	for (size_t i = 0; i < UNIT_COUNT(longs); i++) {
		struct ff_conf *c = ff_conf_new();
		struct ff_err e;
		long v = -42;

		UNIT_CASE("hash_queue_depth = \"%s\" (1..16)", longs[i].value);
		ff_conf_set(c, "hash_queue_depth", longs[i].value);
		if (longs[i].want >= 0) {
			CHECK_INT_EQ(ff_conf_long(c, "hash_queue_depth", 1, 16, &v, &e), 0);
			CHECK_INT_EQ(v, longs[i].want);
		} else {
			CHECK_INT_EQ(ff_conf_long(c, "hash_queue_depth", 1, 16, &v, &e), -1);
			CHECK_INT_EQ(e.status, FF_CONFIG);
		}
		ff_conf_free(c);
	}
	for (size_t i = 0; i < UNIT_COUNT(bools); i++) {
		struct ff_conf *c = ff_conf_new();
		struct ff_err e;
		int v = -42;

		UNIT_CASE("flag = \"%s\"", bools[i].value);
		ff_conf_set(c, "flag", bools[i].value);
		if (bools[i].want >= 0) {
			CHECK_INT_EQ(ff_conf_bool(c, "flag", &v, &e), 0);
			CHECK_INT_EQ(v, bools[i].want);
		} else {
			CHECK_INT_EQ(ff_conf_bool(c, "flag", &v, &e), -1);
			CHECK_INT_EQ(e.status, FF_CONFIG);
		}
		ff_conf_free(c);
	}
}

/* ff_conf_set() and -o invalidate cached expansions */
static void
test_cache(void)
{
	static const char *const o[] = { "a=3" };
	struct ff_conf *c = load("a = 1\nb = <$a>\n", NULL, 0);
	struct ff_err e;

	if (c == NULL)
		return;
	UNIT_CASE("before");
	CHECK_STR_EQ(ff_conf_get(c, "b"), "<1>");
	UNIT_CASE("after ff_conf_set");
	CHECK_INT_EQ(ff_conf_set(c, "a", "2"), 0);
	CHECK_STR_EQ(ff_conf_get(c, "b"), "<2>");
	UNIT_CASE("after ff_conf_override");
	CHECK_INT_EQ(ff_conf_override(c, o[0], &e), 0);
	CHECK_STR_EQ(ff_conf_get(c, "b"), "<3>");
	ff_conf_free(c);
}

/* where main.cf comes from: the argument, else $MAIL_CONFIG */
static void
test_dir(void)
{
	struct ff_conf *c = ff_conf_new();
	struct ff_err e;
	const char *env_dir = conf_dir("x = from env\n");
	const char *arg_dir = conf_dir("x = from arg\n");
	const char *dir;
	char saved[PATH_MAX], want[PATH_MAX + 64];
	const char *old = getenv("MAIL_CONFIG");

	snprintf(saved, sizeof(saved), "%s", old ? old : "");
	UNIT_CASE("not loaded");
	CHECK_STR_EQ(ff_conf_dir(c), "/etc/postfix");

	UNIT_CASE("MAIL_CONFIG");
	setenv("MAIL_CONFIG", env_dir, 1);
	CHECK_INT_EQ(ff_conf_load(c, NULL, &e), 0);
	CHECK_STR_EQ(ff_conf_get(c, "x"), "from env");
	CHECK_STR_EQ(ff_conf_dir(c), env_dir);
	ff_conf_free(c);

	UNIT_CASE("argument beats MAIL_CONFIG");
	c = ff_conf_new();
	CHECK_INT_EQ(ff_conf_load(c, arg_dir, &e), 0);
	CHECK_STR_EQ(ff_conf_get(c, "x"), "from arg");
	CHECK_STR_EQ(ff_conf_dir(c), arg_dir);
	ff_conf_free(c);

	UNIT_CASE("a named directory without main.cf: an error, not the defaults");
	c = ff_conf_new();
	dir = conf_dir(NULL);
	memset(&e, 0, sizeof(e));
	CHECK_INT_EQ(ff_conf_load(c, dir, &e), -1);
	CHECK_INT_EQ(e.status, FF_CONFIG);
	snprintf(want, sizeof(want), "open %s/main.cf: No such file or directory", dir);
	CHECK_STR_EQ(e.msg, want);
	ff_conf_free(c);

	UNIT_CASE("MAIL_CONFIG without main.cf");
	c = ff_conf_new();
	setenv("MAIL_CONFIG", dir, 1);
	memset(&e, 0, sizeof(e));
	CHECK_INT_EQ(ff_conf_load(c, NULL, &e), -1);
	CHECK_INT_EQ(e.status, FF_CONFIG);
	CHECK_STR_EQ(e.msg, want);
	ff_conf_free(c);

	UNIT_CASE("a directory that does not exist");
	c = ff_conf_new();
	memset(&e, 0, sizeof(e));
	CHECK_INT_EQ(ff_conf_load(c, "/nonexistent/fastflush", &e), -1);
	CHECK_INT_EQ(e.status, FF_CONFIG);
	CHECK_STR_EQ(e.msg, "open /nonexistent/fastflush/main.cf: No such file or directory");
	ff_conf_free(c);

	UNIT_CASE("a file, not a directory");
	c = ff_conf_new();
	snprintf(want, sizeof(want), "%s/main.cf", arg_dir);
	memset(&e, 0, sizeof(e));
	CHECK_INT_EQ(ff_conf_load(c, want, &e), -1);
	CHECK_INT_EQ(e.status, FF_CONFIG);
	CHECK(strstr(e.msg, "main.cf/main.cf: Not a directory") != NULL);
	ff_conf_free(c);

	UNIT_CASE("empty names");
	c = ff_conf_new();
	memset(&e, 0, sizeof(e));
	CHECK_INT_EQ(ff_conf_load(c, "", &e), -1);
	CHECK_INT_EQ(e.status, FF_CONFIG);
	CHECK_STR_EQ(e.msg, "-c: empty configuration directory name");
	setenv("MAIL_CONFIG", "", 1);
	memset(&e, 0, sizeof(e));
	CHECK_INT_EQ(ff_conf_load(c, NULL, &e), -1);
	CHECK_INT_EQ(e.status, FF_CONFIG);
	CHECK_STR_EQ(e.msg, "MAIL_CONFIG: empty configuration directory name");
	ff_conf_free(c);

	if (old != NULL)
		setenv("MAIL_CONFIG", saved, 1);
	else
		unsetenv("MAIL_CONFIG");
}

static void
test_list_next(void)
{
	static const struct {
		const char *list;
		const char *want[4];	/* NULL-terminated */
	} t[] = {
		{ .list = "deferred, defer", .want = { "deferred", "defer" } },
		{ .list = ",, a ,b\t c,,\n", .want = { "a", "b", "c" } },
		{ .list = "one", .want = { "one" } },
		{ .list = "", .want = { NULL } },
		{ .list = " ,\t, ", .want = { NULL } },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		const char *cursor = t[i].list, *w;
		size_t len, n = 0;

		UNIT_CASE("\"%s\"", t[i].list);
		while ((w = ff_list_next(&cursor, &len)) != NULL && n < 4) {
			if (CHECK(t[i].want[n] != NULL))
				CHECK_MEM_EQ(w, len, t[i].want[n], strlen(t[i].want[n]));
			n++;
		}
		CHECK(n == 4 || t[i].want[n] == NULL);
		/* the end is sticky */
		CHECK(ff_list_next(&cursor, &len) == NULL);
	}
}

static void
test_list_has(void)
{
	static const struct {
		const char *list, *word;
		int want;
	} t[] = {
		{ "deferred, defer", "deferred", 1 },
		{ "deferred, defer", "defer", 1 },
		{ "deferred, defer", "DEFER", 1 },
		{ "deferred, defer", "def", 0 },
		{ "deferred, defer", "deferredx", 0 },
		{ "deferred, defer", "incoming", 0 },
		{ "deferred,incoming", "incoming", 1 },
		{ "a b\tc", "c", 1 },
		{ "", "x", 0 },
		{ "a, b", "", 0 },
		{ "a, b", "a, b", 0 },
	};

	for (size_t i = 0; i < UNIT_COUNT(t); i++) {
		UNIT_CASE("\"%s\" has \"%s\"", t[i].list, t[i].word);
		CHECK_INT_EQ(ff_list_has(t[i].list, t[i].word), t[i].want);
	}
}

int
main(void)
{
	static const struct unit_test tests[] = {
		UNIT_TEST(test_get),
		UNIT_TEST(test_expand_fails),
		UNIT_TEST(test_expand_untaken),
		UNIT_TEST(test_expand_depth),
		UNIT_TEST(test_check),
		UNIT_TEST(test_unused),
		UNIT_TEST(test_load_fails),
		UNIT_TEST(test_load_bad_file),
		UNIT_TEST(test_override_fails),
		UNIT_TEST(test_time),
		UNIT_TEST(test_time_ms),
		UNIT_TEST(test_long_bool),
		UNIT_TEST(test_cache),
		UNIT_TEST(test_dir),
		UNIT_TEST(test_list_next),
		UNIT_TEST(test_list_has),
	};

	return unit_run(tests, UNIT_COUNT(tests));
}
