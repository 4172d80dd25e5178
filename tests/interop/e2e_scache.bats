#!/usr/bin/env bats
# Postfix end to end, connection cache: the private Postfix 3.7 instance of
# e2e.bash with OUR server, "scache-ctl serve", as its scache service (see
# e2e_scache.bash). Five messages for the sink defer while it is down; a
# flush then sends them one at a time, each by a new smtp process, and each
# takes the connection the one before it left in our cache (find_dest): the
# maillog shows conn_use=2..5, our server counts the hits (stats, and
# Postfix's statistics lines at exit), smtp-sink got every message, and the
# queue ends empty. A sixth message, for another next hop on the same
# server, takes it by its address (find_endp): conn_use=6.
# The tests are one scenario and run in file order; each starts only if
# the one it needs passed.
#
# Needs root, the postfix package, socat and make all; skipped otherwise.
bats_require_minimum_version 1.5.0

load e2e
load e2e_scache

RCPTS=(r1@cache.example r2@cache.example r3@cache.example r4@cache.example r5@cache.example)

setup_file() { e2e_setup_file e2e_scache_missing e2e_scache_start; }
setup() { e2e_setup; }
teardown_file() { e2e_teardown_file e2e_scache_stop; }
teardown() { e2e_teardown e2e_scache_dump; }

@test "e2e scache: Postfix's master runs no scache; ours serves private/scache as the spool owner" {
	# the scache service is commented out in master.cf
	run postconf -c "$E2E_CFG" -M
	assert_line --regexp '^smtp +unix '
	refute_line --regexp '^scache '
	run postconf -c "$E2E_CFG" -h smtp_connection_cache_destinations
	assert_output "127.0.0.1, localhost"
	# ours holds the lock and the socket, switched from root to postfix
	[ "$(stat -c '%F %a %U' "$E2E_Q/private/scache")" = "socket 666 postfix" ]
	[ "$(stat -c '%U %a' "$E2E_Q/private/scache.lock")" = "postfix 600" ]
	[ "$(ps -o user= -p "$(e2e_scache_pid)" | tr -d ' ')" = postfix ]
	[ "$(e2e_scache_stat pid)" = "$(e2e_scache_pid)" ]
	[ "$(e2e_scache_stat sessions)" = 0 ]
	e2e_done serving
}

@test "e2e scache: five messages for the sink defer while it is down" {
	e2e_after serving
	local r
	for r in "${RCPTS[@]}"; do
		e2e_submit "$r"
	done
	for r in "${RCPTS[@]}"; do
		e2e_wait_delivery "$r" deferred
	done
	e2e_wait_idle
	for r in "${RCPTS[@]}"; do
		[ "$(e2e_where "$(e2e_qid "$r")")" = deferred ]
	done
	# no connection was made, so none was cached
	[ "$(e2e_scache_stat sessions)" = 0 ]
	run ! e2e_logged 'status=sent '
	e2e_done deferred
}

@test "e2e scache: a flush delivers them over one connection, reused from our cache (conn_use=2..5)" {
	e2e_after deferred
	local r hits0 hits uses
	hits0=$(($(e2e_scache_stat domain_hits) + $(e2e_scache_stat address_hits)))
	mkdir -m 755 "$E2E_BASE/sink"
	chown nobody "$E2E_BASE/sink"
	e2e_sink_start -d "$E2E_BASE/sink/msg."
	run postqueue -c "$E2E_CFG" -f
	assert_success
	assert_output ''
	for r in "${RCPTS[@]}"; do
		e2e_wait_delivery "$r" sent
	done
	e2e_wait_idle
	# one delivery at a time: the first opened the connection, each of the
	# others took it from the cache, where the one before had left it
	uses=$(e2e_conn_uses | tr '\n' ' ')
	echo "conn_use: $uses"
	[ "$uses" = "1 2 3 4 5 " ]
	run e2e_count ', conn_use=[2-9][0-9]*,.* status=sent '
	assert_output 4
	# by five smtp processes (max_use=1): the connection went from each to
	# the next through our server
	[ "$(e2e_smtp_pids | sort -u | wc -l)" = 5 ]
	# ... and every reuse was a hit of our server's
	hits=$(($(e2e_scache_stat domain_hits) + $(e2e_scache_stat address_hits)))
	[ "$((hits - hits0))" = 4 ]
	# every message arrived, once; the queue is empty
	wait_for 5 e2e_sink_has 5
	[ "$(e2e_sink_count)" = 5 ]
	for r in "${RCPTS[@]}"; do
		[ "$(e2e_sink_got "$r")" = 1 ]
		[ "$(e2e_where "$(e2e_qid "$r")")" = gone ]
	done
	run e2e_json_ids
	assert_output ''
	# Postfix's smtp had no trouble with the cache service
	run grep -Ei 'scache|connection cach' "$E2E_LOG"
	refute_output --regexp '(warning|error|fatal|panic):'
	e2e_done delivered
}

@test "e2e scache: the last connection waits in our cache, bound to the relayhost" {
	e2e_after delivered
	run e2e_scache_ctl -q list
	assert_success
	printf '# %s\n' "${lines[@]}" >&3
	# one connection to the sink (endp), one binding to it (dest)
	assert_line --regexp "^endp	[^	]+	[^	]*	tcp 127\.0\.0\.1:$E2E_SINK_PORT	[0-9.]+\$"
	assert_line --regexp '^dest	[^	]+	[^	]*	[^	]+	[0-9.]+$'
	[ "${#lines[@]}" = 2 ]
	[ "$(e2e_scache_stat sessions)" = 1 ]
	[ "$(e2e_scache_stat bindings)" = 1 ]
	[ "$(e2e_scache_stat denied)" = 0 ]
	e2e_done listed
}

@test "e2e scache: another next hop to the same server misses find_dest and takes the connection by find_endp" {
	e2e_after listed
	local ah0
	ah0=$(e2e_scache_stat address_hits)
	# alias.example goes to [localhost]:$E2E_SINK_PORT: another destination
	# label, the same endpoint label (127.0.0.1 and the port)
	e2e_submit a1@alias.example
	e2e_wait_delivery a1@alias.example sent
	e2e_wait_idle
	run e2e_logged ": to=<a1@alias\.example>, relay=[^ ]*\[127\.0\.0\.1\]:$E2E_SINK_PORT, conn_use=6, "
	assert_success
	[ "$(e2e_scache_stat address_hits)" = $((ah0 + 1)) ]
	wait_for 5 e2e_sink_has 6
	[ "$(e2e_sink_got a1@alias.example)" = 1 ]
	[ "$(e2e_smtp_pids | sort -u | wc -l)" = 6 ]
	# the connection is back, bound to both next hops
	run e2e_scache_ctl -q list
	assert_success
	printf '# %s\n' "${lines[@]}" >&3
	[ "${#lines[@]}" = 3 ]
	assert_line --regexp "^dest	smtp.n\[localhost\]:$E2E_SINK_PORT.n	"
	[ "$(e2e_scache_stat sessions)" = 1 ]
	[ "$(e2e_scache_stat bindings)" = 2 ]
	run e2e_json_ids
	assert_output ''
	e2e_done endpoint
}

@test "e2e scache: on SIGTERM our server logs Postfix's statistics lines, hits included" {
	e2e_after endpoint
	local dh dm ah am
	dh=$(e2e_scache_stat domain_hits) dm=$(e2e_scache_stat domain_misses)
	ah=$(e2e_scache_stat address_hits) am=$(e2e_scache_stat address_misses)
	e2e_scache_stop
	run e2e_scache_stats
	printf '# %s\n' "${lines[@]}" >&3
	[[ ${lines[0]} =~ ^statistics:\ start\ interval\ [A-Z][a-z][a-z]\ [\ 0-9][0-9]\ [0-2][0-9]:[0-5][0-9]:[0-6][0-9]$ ]]
	# one interval (600 s) covers the whole run: the counters of stats
	assert_line "statistics: domain lookup hits=$dh miss=$dm success=$((100 * dh / (dh + dm)))%"
	assert_line "statistics: address lookup hits=$ah miss=$am success=$((100 * ah / (ah + am)))%"
	[ "$dh" -ge 4 ] && [ "$ah" -ge 1 ]
	# never more than the one connection at a time, bound to two next hops
	assert_line 'statistics: max simultaneous domains=2 addresses=1 connection=1'
	[ "${#lines[@]}" = 4 ]
	run grep -E '(warning|error|fatal|panic):' "$E2E_BASE/scache.log"
	refute_output
}
