#!/usr/bin/env bats
# Differential tests: main.cf reading and $name expansion, fastflush against
# Postfix 3.7.
#
# Each value is written as smtpd_banner (a parameter postconf knows) into a
# scratch main.cf beside a few helper parameters, and expanded by Postfix's
# "postconf -c DIR -xh smtpd_banner" (mac_expand(3) with recursion, as every
# Postfix program expands parameters) and by our build/tests/tools/conf-query.
# Both must give the same text, or both must refuse it (postconf: "fatal:
# macro processing error", exit 1; fastflush: exit 78, the parameter named).
# postconf joins words with single spaces, so our output is folded the same
# way before the comparison. The helper parameters are not Postfix's, so
# postconf's knowledge of Postfix's defaults plays no part. Start-up checks
# (missing main.cf, compatibility_level) are compared with postmap(1), which
# reads main.cf as Postfix's daemons do. Needs the Debian postfix package
# (postconf, postmap); no Postfix instance is started.
bats_require_minimum_version 1.5.0

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

FF_BUILD=${FF_BUILD:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build}
PATH="$FF_BUILD/bin:$FF_BUILD/tests/tools:$PATH"

setup() {
	command -v postconf >/dev/null && command -v postmap >/dev/null ||
		skip "needs Postfix (postconf, postmap)"
	[ -x "$FF_BUILD/tests/tools/conf-query" ] || skip "run make tools first"
	D=$(mktemp -d /tmp/ffconf.XXXXXX)
	: > "$D/master.cf"
	unset MAIL_CONFIG
}

teardown() {
	[ -n "${D:-}" ] && rm -rf "$D"
}

HELPERS='a = 1
empty =
ref = $nosuch
nest = <$a>
loop1 = $loop2
loop2 = $loop1'

# compare VALUE... - expand each value both ways; print every disagreement
compare() {
	local v pf ff pst fst bad=0
	for v in "$@"; do
		printf '%s\nsmtpd_banner = %s\n' "$HELPERS" "$v" > "$D/main.cf"
		pf=$(postconf -c "$D" -xh smtpd_banner 2>/dev/null) && pst=0 || pst=$?
		ff=$(conf-query -c "$D" smtpd_banner 2>"$D/err") && fst=0 || fst=$?
		ff=$(printf '%s\n' "$ff" | awk '{ $1 = $1; print }')
		if [ "$pst" = 0 ] && [ "$fst" = 0 ] && [ "$pf" = "$ff" ]; then
			continue
		fi
		if [ "$pst" = 1 ] && [ "$fst" = 78 ] &&
			grep -q '^conf-query: fatal: parameter smtpd_banner: ' "$D/err"; then
			continue
		fi
		echo "smtpd_banner = $v: postconf $pst \"$pf\", conf-query $fst \"$ff\" $(cat "$D/err")"
		bad=1
	done
	return "$bad"
}

@test "conf: \$name, \${name}, \$(name), \$\$ and undefined names expand as Postfix's" {
	run compare '$a' '${a}' '$(a)' '<$nosuch>' 'x${nosuch}y' 'a$(nosuch)b' '$ref' \
		'$$' 'cost $$5' '$$a' '$5x' '<$nest>' '[$nest$nest]' '${ a }' '$(a)$(a)' \
		'${a}${nosuch}${empty}' '$empty.' 'trailing $a' 'a$a$a' '$a_' '$a-b' '${a}_'
	assert_success
	assert_output ''
}

@test "conf: \${name?text} and \${name:text} test the value as written, not its expansion" {
	run compare '${a?yes}' '${empty?yes}' '${nosuch?yes}' '${ref?yes}' \
		'${a:no}' '${empty:no}' '${nosuch:no}' '${ref:no}' \
		'<${a? yes}>' '<${a?{ yes }}>' '${a ? {x}}' '${a?x:y}' '${empty?x:y}' \
		'$(a?x)' '<${a?x}{y}>' '${a:}' '${:x}' '${?x}' '${a?$nest}' '${empty:$nest}' \
		'${a?{$a$a}}' '${a?{x}:{y}}' '${empty?{x}:{y}}' '${empty?{x} : {y} }' \
		'${a?{x}:y z}' '${empty?{x}:y z}' '${a?{a, b}}' '${a?{{x}}}' '${a?{x}:{{y}}}' \
		'${nosuch:{$a}}' '${a?${empty:inner}}' '${a?$${x}}'
	assert_success
	assert_output ''
}

@test "conf: comparisons \${{a} OP {b}...} as Postfix's, with the <level suffix" {
	run compare '${{1} == {01} ? {eq} : {ne}}' '${{a} < {b} ? {lt}}' \
		'${{3.6} <level {10} ? {lt} : {ge}}' '${{$a} == {1}}' \
		'${{$empty} == {} ? {e} : {f}}' '${{} < {1} ? {e}}' '${ {a} == {a} }' \
		'<${{1} < {2} ? y : n}>' '${{10} > {9}}' '${{10} > {9a}}' '${{2} <= {2}}' \
		'${{2} >= {3}}' '${{x} != {y}}' '${{3} ==level {3.0}}' '${{3.6.1} >level {3.6}}' \
		'${{1}<{2}?{y}:{n}}' '${{a} == {b}}' '${{2} <level {10}}' '${{2} < {10}}' \
		'${{b} < {10}}' '${{0} ==level {0.0.0}}' '${{$nest} == {<1>}:{no}}'
	assert_success
	assert_output ''
}

@test "conf: every expansion Postfix stops on stops us too, naming the parameter" {
	run compare '$' '<$>' '$ x' 'a$' '${}' '$()' '${a' '$(a' 'x${a?{b}' \
		'${a?{x}z}' '${a:{x}junk}' '${a b}' '${a-b}' '${{a}' '${a?{x}:{y}z}' \
		'${{x} <level {1} ? {lt} : {ge}}' '${{a} =~ {b}}' '${{a}==b}' '${{a} ==x {b}}' \
		'${{1} < {2} y}' '${{1} < {2}' '${{1} == 2}' '${{1} ==}' \
		'${{99999999999999999999} == {1}}' '${{3.6.1.1} <level {1}}' \
		'$loop1' 'x$smtpd_banner' '${a?$loop1}' '${empty:{$loop2}}' '$(a:b'
	assert_success
	assert_output ''
}

@test "conf: a long chain of references works, a runaway one fails, both ways" {
	local chain i
	# up to 100 levels: fine for both; more: over Postfix's nesting limit
	for n in 50 99 100 101 102 150; do
		chain=
		for ((i = 1; i < n; i++)); do chain+="p$i = \$p$((i + 1))"$'\n'; done
		chain+="p$n = end"
		HELPERS=$chain run compare '$p1'
		assert_success
		assert_output ''
	done
	printf '%s\nsmtpd_banner = $p1\n' "$chain" > "$D/main.cf"
	run conf-query -c "$D" smtpd_banner
	assert_failure 78
	assert_output --partial "unreasonable nesting"
}

@test "conf: a directory without main.cf stops both, with the same message" {
	mkdir "$D/empty"
	run postmap -c "$D/empty" -q x 'inline:{x=y}'
	assert_failure 1
	assert_output "postmap: fatal: open $D/empty/main.cf: No such file or directory"
	run conf-query -c "$D/empty" queue_directory
	assert_failure 78
	assert_output "conf-query: fatal: open $D/empty/main.cf: No such file or directory"
	run env MAIL_CONFIG="$D/empty" conf-query queue_directory
	assert_failure 78
	assert_output "conf-query: fatal: open $D/empty/main.cf: No such file or directory"
	: > "$D/empty/main.cf"
	run postmap -c "$D/empty" -q x 'inline:{x=y}'
	assert_success
	run conf-query -c "$D/empty" queue_directory
	assert_success
	assert_output /var/spool/postfix
}

@test "conf: compatibility_level is checked as Postfix's programs check it" {
	local lvl pst fst
	mkdir -p "$D/q"
	for lvl in 0 1 2 3.6 3.6.1 '$two' ' 2' x '' 3.6.1.2 -1 3.1024 1.x 2. .2; do
		printf 'compatibility_level = %s\ntwo = 2\nqueue_directory = %s/q\n' "$lvl" "$D" \
			> "$D/main.cf"
		postmap -c "$D" -q x 'inline:{x=y}' >/dev/null 2>&1 && pst=0 || pst=$?
		fflush-list -c "$D" >/dev/null 2>"$D/err" && fst=0 || fst=$?
		case $pst/$fst in
		0/0) ;;
		1/78) grep -q 'malformed compatibility level syntax' "$D/err" ||
			fail "compatibility_level = '$lvl': $(cat "$D/err")" ;;
		*) fail "compatibility_level = '$lvl': postmap $pst, fflush-list $fst: $(cat "$D/err")" ;;
		esac
	done
}
