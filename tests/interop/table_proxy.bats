#!/usr/bin/env bats
# proxy:TYPE:NAME (lib/postfix/table_proxy.c) against Postfix 3.7's proxymap(8):
# the same proxymap, started as its master would start it (tb_proxymap
# in table.bash: "proxymap -l -t unix" on TB/q/private/proxymap), answers
# "postmap -c TB/cfg -f -q KEY proxy:TYPE:NAME" (Postfix's own client) and
# "table-query -c TB/cfg proxy:TYPE:NAME KEY" (ours).

load table_cmp

setup() {
	tb_setup
	[ "$(id -u)" = 0 ] || skip "needs root (Postfix's proxymap)"
	mkdir -m 755 "$TB/q" "$TB/q/private"
	# 200 keys k0.example .. k199.example; postmap folds keys when it builds
	for i in $(seq 0 199); do
		printf 'k%d.example value-%d\n' "$i" "$i"
	done > "$TB/src"
	printf 'Mixed.Case.example mixed\nspace.example two words\n' >> "$TB/src"
	cp "$TB/src" "$TB/h"
	"$TB_POSTMAP" -c "$TB/cfg" "hash:$TB/h"
	cp "$TB/src" "$TB/th"
	printf '/^(.*)\\.pattern\\.example$/ P:$1\n/^x/ X\n' > "$TB/rx"
	PX_READ="proxy:hash:$TB/h proxy:texthash:$TB/th proxy:regexp:$TB/rx proxy:hash:$TB/missing"
	if postconf -c "$TB/cfg" -m | grep -qx lmdb; then
		cp "$TB/src" "$TB/l"
		"$TB_POSTMAP" -c "$TB/cfg" "lmdb:$TB/l"
		PX_READ+=" proxy:lmdb:$TB/l"
	fi
	tb_conf "queue_directory = $TB/q"
}

teardown() {
	tb_teardown
}

# px_start [SERVICE] - Postfix's proxymap on TB/q/private/SERVICE
# (default proxymap) serving $PX_READ
px_start() {
	TB_PROXYMAP_SERVICE=${1:-proxymap} tb_proxymap "$PX_READ"
}

# px_keys - 40 keys of the table, 40 that are not, in mixed order
px_keys() {
	local i
	for i in $(seq 0 5 199); do
		printf 'k%d.example\nk%d.example.not\n' "$i" "$i"
	done
}

@test "proxy:hash: found and not found, as Postfix's client gets them" {
	px_start
	# shellcheck disable=SC2046
	tb_same "proxy:hash:$TB/h" $(px_keys) mixed.case.example Mixed.Case.example \
		space.example K1.example k1 example -
	echo "$TB_ANSWERS"
	[ "$TB_ANSWERS" = "found=42 notfound=45 failed=0" ]
	tb_fixed "proxy:hash:$TB/h" fixed
}

@test "proxy: many keys over one connection: the same lines as postmap -q -" {
	px_start
	px_keys > "$TB/keys"
	printf 'k7.example\n-\nspace.example\n' >> "$TB/keys"
	"$TB_POSTMAP" -c "$TB/cfg" -f -q - "proxy:hash:$TB/h" < "$TB/keys" > "$TB/pm.out"
	mapfile -t keys < "$TB/keys"
	run table-query -c "$TB/cfg" -- "proxy:hash:$TB/h" "${keys[@]}"
	assert_success
	assert_output "$(cat "$TB/pm.out")"
	[ "$(wc -l < "$TB/pm.out")" = 42 ]
}

@test "proxy:texthash: and proxy:regexp: (a pattern table)" {
	px_start
	# shellcheck disable=SC2046
	tb_same "proxy:texthash:$TB/th" $(px_keys) Mixed.Case.example mixed.case.example
	tb_same "proxy:regexp:$TB/rx" a.pattern.example a.b.pattern.example pattern.example \
		xyz Xyz -
	echo "$TB_ANSWERS"
	[ "$TB_ANSWERS" = "found=4 notfound=2 failed=0" ]
	tb_fixed "proxy:texthash:$TB/th" fixed
	tb_fixed "proxy:regexp:$TB/rx" pattern
}

@test "proxy:lmdb: found and not found" {
	[[ $PX_READ == *lmdb* ]] || skip "needs postfix-lmdb"
	px_start
	# shellcheck disable=SC2046
	tb_same "proxy:lmdb:$TB/l" $(px_keys) space.example Space.example
	tb_fixed "proxy:lmdb:$TB/l" fixed
}

@test "proxy: a table proxymap cannot open fails, for Postfix and for us" {
	px_start
	tb_same "proxy:hash:$TB/missing" a.example k1.example
	[ "$TB_ANSWERS" = "found=0 notfound=0 failed=2" ]
	run tb_ours "proxy:hash:$TB/missing" a.example
	[ "$status" = 2 ]
	grep -F "table-query: fatal: proxy:hash:$TB/missing: proxymap: hash:$TB/missing: table" \
		"$TB/ours.err"
}

@test "proxy: a table not in proxy_read_maps is denied, for Postfix and for us" {
	px_start
	tb_same "proxy:btree:$TB/h" a.example
	[ "$TB_ANSWERS" = "found=0 notfound=0 failed=1" ]
	grep -F "proxymap service is not configured for table \"btree:$TB/h\"" "$TB/pm.err"
	run tb_ours "proxy:btree:$TB/h" a.example
	[ "$status" = 2 ]
	assert_equal "$(cat "$TB/ours.err")" "table-query: fatal: proxy:btree:$TB/h: proxymap:\
 btree:$TB/h is not in proxy_read_maps (list proxy:btree:$TB/h there)"
}

@test "proxy: proxymap_service_name is the socket's name" {
	px_start other
	tb_conf "proxymap_service_name = other"
	tb_same "proxy:hash:$TB/h" k1.example k1.not
	[ "$TB_ANSWERS" = "found=1 notfound=1 failed=0" ]
}

@test "proxy: no proxymap socket: a clear error at once (Postfix's client retries for ever)" {
	run table-query -c "$TB/cfg" "proxy:hash:$TB/h" k1.example
	[ "$status" = 2 ]
	assert_output "table-query: fatal: proxy:hash:$TB/h: proxymap service: connect to\
 $TB/q/private/proxymap: No such file or directory"
	# once stopped, the socket is gone again
	px_start
	run table-query -c "$TB/cfg" "proxy:hash:$TB/h" k1.example
	assert_success
	assert_output value-1
	tb_stop proxymap
	run table-query -c "$TB/cfg" "proxy:hash:$TB/h" k1.example
	[ "$status" = 2 ]
	assert_output --partial "No such file or directory"
}

@test "proxy: a server that never answers: the lookup fails after ipc_timeout" {
	tb_serve silent "$TB/q/private/proxymap" -- sleep 60
	SECONDS=0
	run table-query -c "$TB/cfg" -o ipc_timeout=1s "proxy:hash:$TB/h" k1.example
	[ "$status" = 2 ]
	assert_output "table-query: fatal: proxy:hash:$TB/h: proxymap service\
 $TB/q/private/proxymap: no greeting within 1s"
	# one wait when the table is opened, one for the lookup
	[ "$SECONDS" -ge 2 ] && [ "$SECONDS" -le 5 ]
}

@test "proxy: a server that speaks another protocol" {
	tb_serve flushlike "$TB/q/private/proxymap" -- \
		sh -c "printf 'protocol\\0queue_flush_protocol\\0\\0'; cat > /dev/null"
	run table-query -c "$TB/cfg" "proxy:hash:$TB/h" k1.example
	[ "$status" = 2 ]
	assert_output "table-query: fatal: proxy:hash:$TB/h: proxymap service\
 $TB/q/private/proxymap: protocol \"queue_flush_protocol\", not \"proxymap_protocol\""
}
