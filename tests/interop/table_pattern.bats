#!/usr/bin/env bats
# table_pattern.bats - regexp:, pcre: and cidr: tables (lib/postfix/table_regexp.c,
# table_pcre.c, table_cidr.c, table_rxfile.c) against Postfix 3.7's own:
# the same rule file, the same keys, "postmap -q - TYPE:FILE" (one open,
# one lookup per line of stdin) and "table-query -v TYPE:FILE KEY..." must
# find the same keys with the same values, and log the same warnings about
# the file ("TYPE map FILE, line N: ..."). Most tests also pin what both
# found, so that a test cannot pass with both finding nothing.

load pf

setup() {
	command -v postmap >/dev/null || skip "needs Postfix's postmap"
	command -v table-query >/dev/null || skip "needs the test tools (make tools)"
	T=$(mktemp -d /tmp/fftp.XXXXXX)
	: > "$T/main.cf"
	pf_backdate "$T/main.cf"
	postconf -c "$T" -m 2>/dev/null | grep -qx pcre || skip "needs postfix-pcre"
}

teardown() {
	if [ -n "${T:-}" ]; then rm -rf "$T"; fi
}

# pt_file NAME - write stdin to $T/NAME
pt_file() {
	cat > "$T/$1"
}

# pt_warnings PROG FILE - the warnings in FILE without "PROG: ", less
# postmap's own about empty results (postmap -q's, not the table's)
pt_warnings() {
	sed -n "s/^$1: warning: //p" "$2" | grep -v -e 'empty string result is not allowed' \
		-e 'should return NO RESULT in case of NOT FOUND' || true
}

# pt_same [-c DIR] MAP KEY... - postmap and table-query (config DIR, default
# $T) find the same keys, with the same values ($T/ff.out: "KEY<TAB>VALUE"
# lines), and warn alike; neither fails
pt_same() {
	local dir=$T map rc
	[ "$1" = -c ] && { dir=$2; shift 2; }
	map=$1
	shift
	printf '%s\n' "$@" > "$T/keys"
	postmap -c "$dir" -q - "$map" < "$T/keys" > "$T/pf.out" 2> "$T/pf.err" || true
	if grep -q 'fatal:' "$T/pf.err"; then
		echo "postmap failed:" >&2
		cat "$T/pf.err" >&2
		return 1
	fi
	rc=0
	table-query -v -c "$dir" "$map" "$@" > "$T/ff.out" 2> "$T/ff.err" || rc=$?
	# one key: the value alone, exit 1 when not found
	if [ $# = 1 ] && [ "$rc" = 0 ]; then
		printf '%s\t%s\n' "$1" "$(cat "$T/ff.out")" > "$T/ff.out"
	elif [ $# = 1 ] && [ "$rc" = 1 ]; then
		rc=0
	fi
	if [ "$rc" != 0 ]; then
		echo "table-query exit $rc:" >&2
		cat "$T/ff.err" >&2
		return 1
	fi
	diff -u --label "postmap $map" --label "table-query $map" "$T/pf.out" "$T/ff.out" || return 1
	diff -u --label "postmap warnings" --label "table-query warnings" \
		<(pt_warnings postmap "$T/pf.err") <(pt_warnings table-query "$T/ff.err")
}

# pt_both FILE KEY... - pt_same for regexp:FILE and for pcre:FILE, which
# must also find the same; $T/ff.out is pcre's
pt_both() {
	local file=$1
	shift
	pt_same "regexp:$T/$file" "$@" || return 1
	cp "$T/ff.out" "$T/regexp.out"
	pt_same "pcre:$T/$file" "$@" || return 1
	diff -u --label regexp --label pcre "$T/regexp.out" "$T/ff.out"
}

# pt_found EXPECTED - $T/ff.out is EXPECTED ("KEY<TAB>VALUE" lines)
pt_found() {
	assert_equal "$(cat "$T/ff.out")" "$1"
}

# pt_broken MAP KEY - both fail the lookup: postmap exits 1 with a fatal
# error, table-query exits 2 with one
pt_broken() {
	run postmap -c "$T" -q "$2" "$1"
	assert_failure 1
	assert_output --partial 'postmap: fatal:'
	run table-query -c "$T" "$1" "$2"
	assert_failure 2
	assert_output --partial 'table-query: fatal:'
}

@test "regexp, pcre: case-insensitive by default, the i flag makes a pattern case-sensitive" {
	pt_file t <<'EOF'
/^abc$/ plain
/^Def$/i exact
/^GHI$/ upper
/^jkl$/ii twice
EOF
	pt_both t abc ABC aBc def Def DEF ghi GHI jkl JKL xyz
	pt_found $'abc\tplain\nABC\tplain\naBc\tplain\nDef\texact\nghi\tupper\nGHI\tupper\njkl\ttwice\nJKL\ttwice'
}

@test "regexp, pcre: \$n, \${n}, \$(n) and \$\$ in results; unmatched and empty groups give nothing" {
	pt_file t <<'EOF'
/^(x)(y)?z$/ a${1}b${2}c
/^user-([a-z]+)@(.*)$/ $2 $1 $$ $(1)$$$1
/^(a)|^(b)/ [$1][$2]
/^(e)()$/ <$1$2>
/^money$/ $$5 and $$$$
/^lit-(.)/ ${1}-$1_x
/^lit-(.)/ ${1}-${1}_x
/^(1)(2)(3)(4)(5)(6)(7)(8)(9)(10)/ $10 ${10} $1
/^(q)/ ${01} $001
EOF
	pt_both t xz xyz user-bob@example.com ab ba e money lit-x 12345678910 q nope
	pt_found $'xz\taxbc\nxyz\taxbyc\nuser-bob@example.com\texample.com bob $ bob$bob\nab\t[a][]
ba\t[][b]\ne\t<e>\nmoney\t$5 and $$\nlit-x\tx-x_x\n12345678910\t10 10 1\nq\tq q'
}

@test "regexp, pcre: \$n beyond the pattern's groups, \$0, non-numeric and bad references: the rule is skipped" {
	pt_file t <<'EOF'
/^a/ $1
/^(b)/ $2
/^(c)/ $0
/^(d)/ $x
/^(e)/ ${1
/^(f)/ x$
/^(g)/ $ g
/^(h)/ ${}
/^(i)/ $1b$2c
/^(j)/ $4294967297
/^(k)/ $99999999999999
/^(l)/ $2147483648
/./ fallback
EOF
	pt_both t a b c d e f g h i j k l
	pt_found $'a\tfallback\nb\tfallback\nc\tfallback\nd\tfallback\ne\tfallback\nf\tfallback
g\tfallback\nh\tfallback\ni\tfallback\nj\tj\nk\tfallback\nl\tfallback'
}

@test "regexp, pcre: negation, \$n refused in a negated rule, double negation" {
	pt_file t <<'EOF'
!/^(x)/ not-x $1
!/^a/ not-a
!!/^b/ is-b
! /c/ spaced
EOF
	pt_both t a b ab xb c x
	pt_found $'a\tspaced\nb\tnot-a\nab\tspaced\nxb\tnot-a\nc\tnot-a\nx\tnot-a'
}

@test "regexp, pcre: the first matching rule wins; comments, blank lines, continuation lines" {
	pt_file t <<'EOF'
# a comment

/^first/ one
/^first/ two
/^cont/ start
  continued
	# a comment line inside does not end it
   end
 /^first/ this too continues it
/^x/ x
   # indented comment
/^y/ y  
EOF
	pt_both t first firstly cont x y 'y  '
	pt_found $'first\tone\nfirstly\tone\ncont\tstart  continued   end /^first/ this too continues it
x\tx\ny\ty\ny  \ty'
	# white space at the start continues nothing: skipped with a warning
	printf '  /^a/ lost\n/^b/ b\n' > "$T/ws"
	pt_both ws a b
	pt_found $'b\tb'
	grep -q 'logical line must not start with whitespace' "$T/ff.err"
}

@test "regexp, pcre: if/endif blocks, nested, negated; endif without if; if without endif" {
	pt_file t <<'EOF'
endif
if /^a/
/b$/ a-b
if !/c/
/d$/ a-notc-d
endif
/./ a-any
endif
IF /^z/
/zz/ zz
ENDIF
/x/ x
if /^q/
/^qq$/ qq
EOF
	pt_both t ab ad acd a abcd zz z x qx qq q
	pt_found $'ab\ta-b\nad\ta-notc-d\nacd\ta-any\na\ta-any\nabcd\ta-any\nzz\tzz\nx\tx\nqx\tx\nqq\tqq'
}

@test "regexp, pcre: keys with dots, @ and UTF-8 (bytes, no case folding of non-ASCII)" {
	pt_file t <<'EOF'
/^(.*)\.example\.com$/ sub:$1
/^example\.com$/ apex
/^[^@]+@example\.org$/ local
/^É$/ capE
/^(..)$/ two:$1
/^.$/ one
/(ü)/ uml:$1
EOF
	pt_both t example.com a.example.com a.b.example.com exampleXcom user@example.org \
		'É' 'é' 'ü' 'abü' 'x' 'xy' ''
	pt_found $'example.com\tapex\na.example.com\tsub:a\na.b.example.com\tsub:a.b
user@example.org\tlocal\nÉ\tcapE\né\ttwo:é\nü\ttwo:ü\nabü\tuml:ü\nx\tone\nxy\ttwo:xy'
	# with smtputf8_enable: the same matches (no UTF-8 mode in 3.7)
	mkdir "$T/u"
	echo 'smtputf8_enable = yes' > "$T/u/main.cf"
	pf_backdate "$T/u/main.cf"
	pt_same -c "$T/u" "pcre:$T/t" 'É' 'é' 'ü' 'abü' 'xy'
	pt_found $'É\tcapE\né\ttwo:é\nü\ttwo:ü\nabü\tuml:ü\nxy\ttwo:xy'
	pt_same -c "$T/u" "regexp:$T/t" 'É' 'é' 'ü' 'abü' 'xy'
	pt_found $'É\tcapE\né\ttwo:é\nü\ttwo:ü\nabü\tuml:ü\nxy\ttwo:xy'
}

@test "regexp, pcre: a result cut inside a UTF-8 character fails the lookup with smtputf8_enable" {
	pt_file t <<'EOF'
/^uni(.)/ u$1
EOF
	mkdir "$T/u"
	echo 'smtputf8_enable = yes' > "$T/u/main.cf"
	pf_backdate "$T/u/main.cf"
	for type in regexp pcre; do
		run postmap -c "$T/u" -q 'unié' "$type:$T/t"
		assert_failure 1
		assert_output --partial 'non-UTF-8 value'
		run table-query -c "$T/u" "$type:$T/t" 'unié'
		assert_failure 2
		assert_output --partial 'non-UTF-8 value'
		# without it: the byte
		run table-query -c "$T" "$type:$T/t" 'unié'
		assert_success
		assert_output $'u\xc3'
	done
}

@test "regexp, pcre: delimiters other than /, escaped delimiters, a final backslash" {
	pt_file t <<'EOF'
|^a/b$| slash
#^c#d$# not a rule: a comment
"^e f$" spaced
/^g\/h$/ escaped
,^j\,k$, comma
/^l\\/ backslash
!x^ix y
EOF
	pt_both t a/b 'e f' g/h j,k 'l\' i z
	pt_found $'a/b\tslash\ne f\tspaced\ng/h\tescaped\nj,k\tcomma\nl\\\tbackslash\nz\ty'
	# regexp takes a final backslash for the closing delimiter, pcre does not
	pt_file bs <<'EOF'
/abc\
/./ any
EOF
	pt_same "regexp:$T/bs" abc x
	pt_found $'abc\t\nx\tany'
	pt_same "pcre:$T/bs" abc x
	pt_found $'abc\tany\nx\tany'
}

@test "regexp: flags m and x, /p1/!/p2/ pairs" {
	pt_file t <<'EOF'
/^a+$/x ere-off
/^(b)/!/c/ b-not-c:$1
/^d/!!/e/ d-and-e
/^f/ !/g/ result starts with !
/^h/i!/i/i h-not-i
/^(j)/!/k/! broken
/^l/m multiline
EOF
	pt_same "regexp:$T/t" a+ aa b bc d de f fg h hi hI H l
	pt_found $'a+\tere-off\nb\tb-not-c:b\nde\td-and-e\nf\t!/g/ result starts with !
fg\t!/g/ result starts with !\nh\th-not-i\nhI\th-not-i\nl\tmultiline'
}

@test "pcre: flags m s x A E U, the obsolete X, unknown flags; no second pattern" {
	pt_file t <<'EOF'
/^a b$/x extended
/^a.b$/s dotall-off
/b/A anchored
/^c$/E dollar-endonly
/^(d+?)/U ungreedy:$1
/^(e+)/ greedy:$1
/^f/X obsolete
/^g/q unknown
/^h/!/i/ not-a-pair
/^z/ z
EOF
	pt_same "pcre:$T/t" 'a b' ab axb bb ab2 c dddd eee f g h z
	pt_found $'a b\tdotall-off\nab\textended\naxb\tdotall-off\nbb\tanchored\nc\tdollar-endonly\ndddd\tungreedy:dddd
eee\tgreedy:eee\nf\tobsolete\nz\tz'
}

@test "regexp, pcre: bad lines are warned about and skipped alike" {
	pt_file t <<'EOF'
/unclosed result
/(bad/ paren
/[z-a]/ range
/ok/
if /nothing
if /x/ extra text
/x/ x
endif junk
foo bar
ifx /y/ y
endiff
!
/a*/ a-or-empty
EOF
	pt_both t ok x y a ''
	pt_found $'ok\t\nx\tx\ny\ta-or-empty\na\ta-or-empty\n\ta-or-empty'
}

@test "regexp, pcre: a tab in echoed text shows as '?', as Postfix prints it" {
	printf 'if /x/ extra\ttext\n/x/ x\nendif\n' > "$T/t"
	pt_both t x
	pt_found $'x\tx'
	grep -q 'extra?text' "$T/ff.err"
}

@test "pcre: a match limit error is warned about and is no match, negated or not" {
	pt_file t <<'EOF'
/^(\w+\s?)*$/ slow
!/^(\w+\s?)*$/ negated
/!/ fallback
EOF
	pt_same "pcre:$T/t" 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa aaaaaaaaaaaa!'
	pt_found $'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa aaaaaaaaaaaa!\tfallback'
	grep -q 'line 1: match limit exceeded' "$T/ff.err"
	grep -q 'line 2: match limit exceeded' "$T/ff.err"
}

@test "cidr: IPv4 addresses and prefixes at their boundaries" {
	pt_file t <<'EOF'
192.0.2.1 exact
192.0.2.0/31 slash31
192.0.2.4/30 slash30
198.51.100.0/24 slash24
10.0.0.0/8 ten
[203.0.113.5] bracketed
[203.0.113.8]/29 bracket-then-len
[203.0.113.16/28] len-inside
0.0.0.0/0 everything
EOF
	pt_same "cidr:$T/t" 192.0.2.1 192.0.2.0 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.7 192.0.2.8 \
		198.51.100.0 198.51.100.255 198.51.101.0 10.255.255.255 11.0.0.0 9.255.255.255 \
		203.0.113.5 203.0.113.8 203.0.113.15 203.0.113.16 203.0.113.31 203.0.113.32
	pt_found $'192.0.2.1\texact\n192.0.2.0\tslash31\n192.0.2.2\teverything\n192.0.2.3\teverything
192.0.2.4\tslash30\n192.0.2.7\tslash30\n192.0.2.8\teverything\n198.51.100.0\tslash24
198.51.100.255\tslash24\n198.51.101.0\teverything\n10.255.255.255\tten\n11.0.0.0\teverything
9.255.255.255\teverything\n203.0.113.5\tbracketed\n203.0.113.8\tbracket-then-len
203.0.113.15\tbracket-then-len\n203.0.113.16\tlen-inside\n203.0.113.31\tlen-inside
203.0.113.32\teverything'
}

@test "cidr: keys that are not plain addresses are not found" {
	pt_file t <<'EOF'
0.0.0.0/0 v4
::/0 v6
EOF
	pt_same "cidr:$T/t" '[192.0.2.1]' '[::1]' 192.0.2.1/32 ' 192.0.2.1' '192.0.2.1 ' 192.0.2 \
		010.0.0.1 1.2.3.256 example.com '' fe80::1%eth0 ::ffff:192.0.2.1 ::1 192.0.2.1
	pt_found $'::ffff:192.0.2.1\tv6\n::1\tv6\n192.0.2.1\tv4'
}

@test "cidr: IPv6 addresses and prefixes, case, IPv4-mapped" {
	pt_file t <<'EOF'
2001:db8::1 exact
2001:DB8:0:1::/64 slash64
2001:db8::/32 doc
::ffff:0:0/96 mapped
fe80::/10 link-local
::1/128 loopback
EOF
	pt_same "cidr:$T/t" 2001:db8::1 2001:0db8:0000:0000:0000:0000:0000:0001 2001:db8:0:1::5 \
		2001:db8:0:2::5 2001:DB9::1 ::ffff:10.0.0.1 febf::1 fec0::1 ::1 ::2 10.0.0.1
	pt_found $'2001:db8::1\texact\n2001:0db8:0000:0000:0000:0000:0000:0001\texact
2001:db8:0:1::5\tslash64\n2001:db8:0:2::5\tdoc\n::ffff:10.0.0.1\tmapped\nfebf::1\tlink-local
::1\tloopback'
}

@test "cidr: negation, if/endif blocks, and patterns of the other family" {
	pt_file t <<'EOF'
if !192.168.0.0/16
11.0.0.0/8 eleven
endif
if 192.168.0.0/16
if ! 192.168.1.0/24
!10.0.0.0/8 private-but-not-1
endif
endif
!fe80::/10 v6-not-link-local
if 2001:db8::/32
0.0.0.0/0 never
endif
192.168.1.1 one
IF 127.0.0.0/8
127.0.0.1 lo
EOF
	pt_same "cidr:$T/t" 10.1.1.1 11.1.1.1 192.168.2.2 192.168.1.1 fe80::1 2001:db8::1 127.0.0.1 127.0.0.2
	pt_found $'11.1.1.1\televen\n192.168.2.2\tprivate-but-not-1\n192.168.1.1\tone
2001:db8::1\tv6-not-link-local\n127.0.0.1\tlo'
}

@test "cidr: bad lines are warned about and skipped alike" {
	pt_file t <<'EOF'
1.2.3.0/256 slash256-is-slash0
0.0.0.0/256 all-by-slash256
1.2.3.4/ empty-mask
1.2.3.5/33 too-long
1.2.3.5/3x bad-mask
1.2.3.7/24 host-bits
2001:db8::1/32 host-bits-v6
1.2.3/24 bad-net
[1.2.3.9 no-bracket
[1.2.3.10]x garbage
1.2.3.11
01.2.3.4 leading-zero
if 9.9.9.9 trailing
if
endif x
endif
!
1.2.3.4/4294967328 wraps-to-32
EOF
	pt_same "cidr:$T/t" 1.2.3.4 1.2.3.5 9.9.9.9 2001:db8::1
	pt_found $'1.2.3.4\tall-by-slash256\n1.2.3.5\tall-by-slash256\n9.9.9.9\tall-by-slash256'
}

@test "inline {...} names: regexp, pcre, cidr; syntax errors break the table" {
	pt_same "regexp:{{/^k/ v}, { /x/ y }, {#comment}, {}}" k kk x z
	pt_found $'k\tv\nkk\tv\nx\ty'
	pt_same "pcre:{{/(k)/ v\$1}, {if /x/}, {/y/ y}}" k xy y
	pt_found $'k\tvk\nxy\ty'
	pt_same "cidr:{{10.0.0.0/8 ten}, {!0.0.0.0/0 v6}}" 10.1.1.1 ::1 11.1.1.1
	# a negated pattern never matches a key of the other family
	pt_found $'10.1.1.1\tten'
	pt_same "regexp:{}" k
	pt_found ''
	pt_broken 'regexp:{/k/ v}' k
	pt_broken 'pcre:{{/k/ v}, {/x/ y}' k
	pt_broken 'cidr:{{1.2.3.4 v}}x' 1.2.3.4
	pt_broken 'cidr:{{1.2.3.4 v}x}' 1.2.3.4
}

@test "a missing file breaks the table; a directory too (deliberately, where Postfix reads nothing)" {
	for type in regexp pcre cidr; do
		pt_broken "$type:$T/missing" 1.2.3.4
	done
	mkdir "$T/dir"
	pt_broken "cidr:$T/dir" 1.2.3.4
	# Postfix's regexp and pcre tables ignore the read error: empty tables
	for type in regexp pcre; do
		run postmap -c "$T" -q k "$type:$T/dir"
		assert_failure 1
		refute_output --partial fatal
		run table-query -c "$T" "$type:$T/dir" k
		assert_failure 2
		assert_output --partial 'Is a directory'
	done
}

@test "regexp, pcre, cidr are pattern tables; an empty file finds nothing" {
	: > "$T/empty"
	for type in regexp pcre cidr; do
		run table-query -c "$T" -F "$type:$T/empty"
		assert_success
		assert_output pattern
		pt_same "$type:$T/empty" 1.2.3.4 k
		pt_found ''
	done
}
