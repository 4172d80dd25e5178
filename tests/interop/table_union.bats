#!/usr/bin/env bats
# unionmap:{...} and pipemap:{...} (lib/postfix/table_union.c) against Postfix
# 3.7's postmap -q on the same components: file tables (hash:, texthash:,
# regexp:, cidr:), in-line ones, nesting, syntax errors, and the
# fixed/pattern flag taken from the first component. Components that
# cannot be opened are compared with what Postfix's daemons do (postmap
# -q through proxymap, tb_same -p): postmap itself gives up at once.

load table_cmp

setup() {
	tb_setup
	printf 'a.example ha\nb.example hb\nboth.example hboth\nx1 hx\n' > "$TB/h"
	"$TB_POSTMAP" -c "$TB/cfg" "hash:$TB/h"
	printf 'b.example tb\nboth.example tboth\nc.example tc\nha hop\n' > "$TB/th"
	printf '/^(.*)\\.rx\\.example$/ R:$1\n/^both\\./ rboth\n/^ho(.)$/ final-$1\n' > "$TB/rx"
	printf '192.0.2.0/24 net\n198.51.100.7 host\n' > "$TB/cidr"
	U="unionmap:{hash:$TB/h, texthash:$TB/th, regexp:$TB/rx}"
	P="pipemap:{hash:$TB/h, texthash:$TB/th, regexp:$TB/rx}"
	KEYS="a.example b.example both.example c.example x1 q.rx.example both.rx.example
		nothing.example A.example - ha hb"
}

teardown() {
	tb_teardown
}

@test "unionmap: every component's value, comma-joined in order" {
	# shellcheck disable=SC2086
	tb_same "$U" $KEYS
	echo "$TB_ANSWERS"
	[ "$TB_ANSWERS" = "found=8 notfound=4 failed=0" ]
	run tb_ours "$U" both.example
	assert_output hboth,tboth,rboth
	# shellcheck disable=SC2086
	tb_same "unionmap:{inline:{a.example=i1, {b.example = i 2}}, hash:$TB/h, static:S}" $KEYS
}

@test "pipemap: each value is the next component's key" {
	# shellcheck disable=SC2086
	tb_same "$P" $KEYS
	echo "$TB_ANSWERS"
	[ "$TB_ANSWERS" = "found=1 notfound=11 failed=0" ]
	run tb_ours "$P" a.example
	assert_output final-p
	# shellcheck disable=SC2086
	tb_same "pipemap:{texthash:$TB/th, hash:$TB/h}" $KEYS ha
	# shellcheck disable=SC2086
	tb_same "pipemap:{static:x1, hash:$TB/h, inline:{hx=end}}" $KEYS
	[ "$TB_ANSWERS" = "found=12 notfound=0 failed=0" ]
}

@test "nesting, and cidr: in a union" {
	tb_same "unionmap:{$P, pipemap:{inline:{a.example=ha}, texthash:$TB/th}, cidr:$TB/cidr}" \
		a.example b.example 192.0.2.9 198.51.100.7 198.51.100.8 -
	[ "$TB_ANSWERS" = "found=3 notfound=3 failed=0" ]
	tb_same "pipemap:{$U, inline:{{hb,tb = two}}}" a.example b.example c.example
	[ "$TB_ANSWERS" = "found=1 notfound=2 failed=0" ]
}

@test "a component that cannot be opened: unionmap fails, pipemap only when it gets there" {
	local u="unionmap:{hash:$TB/h, texthash:$TB/missing}" p1="pipemap:{hash:$TB/h, texthash:$TB/missing}"
	local p2="pipemap:{texthash:$TB/th, inline:{hop=x}, texthash:$TB/missing}"
	tb_proxymap "proxy:$u" "proxy:$p1" "proxy:$p2" "proxy:unionmap:{hash:$TB/h, fail:x}"
	tb_same -p "$u" a.example nothing.example
	[ "$TB_ANSWERS" = "found=0 notfound=0 failed=2" ]
	run tb_ours "$u" a.example
	[ "$status" = 2 ]
	assert_output ''
	grep -F "table-query: fatal: texthash:$TB/missing: " "$TB/ours.err"
	tb_same -p "$p1" nothing.example a.example
	[ "$TB_ANSWERS" = "found=0 notfound=1 failed=1" ]
	tb_same -p "$p2" ha b.example nothing.example
	[ "$TB_ANSWERS" = "found=0 notfound=2 failed=1" ]
	tb_same -p "unionmap:{hash:$TB/h, fail:x}" a.example
	[ "$TB_ANSWERS" = "found=0 notfound=0 failed=1" ]
	# postmap run directly dies at once, whatever the key
	tb_postmap "$p1" nothing.example || [ "$?" = 2 ]
	grep -F "postmap: fatal: open database $TB/missing: No such file or directory" "$TB/pm.err"
}

@test "syntax errors: the whole table fails, as Postfix's" {
	local t
	for t in unionmap:x 'unionmap:{}' 'unionmap:{ , }' "unionmap:{hash:$TB/h} x" \
		"unionmap:{hash:$TB/h" "unionmap:{hash:$TB/h, nocolon}" "pipemap:{{hash:$TB/h}}"; do
		tb_same "$t" a.example
		[ "$TB_ANSWERS" = "found=0 notfound=0 failed=1" ]
	done
	run tb_ours "unionmap:{hash:$TB/h, nocolon}" a.example
	assert_equal "$(cat "$TB/ours.err")" "table-query: fatal: unionmap:{hash:$TB/h, nocolon}:\
 bad syntax; need \"unionmap:{type:name...}\""
}

@test "fixed or pattern: the first component's" {
	tb_fixed "$U" fixed
	tb_fixed "$P" fixed
	tb_fixed "unionmap:{regexp:$TB/rx, hash:$TB/h}" pattern
	tb_fixed "pipemap:{cidr:$TB/cidr, static:x}" pattern
	tb_fixed "unionmap:{texthash:$TB/missing, static:x}" pattern
	tb_fixed "unionmap:{unionmap:{static:x, fail:y}}" fixed
}
