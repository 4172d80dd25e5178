#!/usr/bin/env bats
# Postfix end to end, under Postfix's own master(8): the private Postfix 3.7
# instance of e2e.bash (E2E_FLUSHD=master) whose master.cf differs from
# Debian's in one word per line:
#	flush     unix  n  -  y  1000?  0  fflushd
#	scache    unix  -  -  y  -      1  scache-ctl
# master runs them from daemon_directory with its own arguments, listening
# socket and status channel. Postfix's smtp adds deferred mail through
# fflushd, postqueue -s and ETRN deliver it over connections our cache hands
# from one smtp process to the next (conn_use=2..), "postfix reload" is
# honoured at once, both servers log into maillog_file through postlog in
# Postfix's format, and "postfix stop" leaves none of our processes.
# The tests are one scenario and run in file order; each starts only if the
# one it needs passed.
#
# Needs root, the postfix package and make all; skipped otherwise.
bats_require_minimum_version 1.5.0

E2E_FLUSHD=master
load e2e
load e2e_scache

RCPTS=(m1@one.example m2@one.example m3@one.example)

# e2e_config_hook - e2e_scache.bash's cache settings, with the scache
# service left to master (scache-ctl is its command)
e2e_config_hook() {
	postconf -c "$E2E_CFG" -P smtp/unix/max_use=1 || return 1
	postconf -c "$E2E_CFG" -e \
		"smtp_connection_cache_destinations=127.0.0.1, localhost" \
		smtp_host_lookup=native \
		smtp_destination_concurrency_limit=1 \
		smtp_connection_cache_time_limit=20s \
		connection_cache_ttl_limit=20s
}

setup_file() { e2e_setup_file e2e_scache_missing; }
setup() { e2e_setup; }
teardown_file() { e2e_teardown_file; }
teardown() { e2e_teardown e2e_scache_dump; }

GREETING='protocol|queue_flush_protocol||'

# ours NAME - PIDs of our processes run from the instance's daemon_directory
ours() {
	local p exe
	for p in /proc/[0-9]*; do
		exe=$(readlink "$p/exe" 2>/dev/null) || continue
		[ "$exe" = "$E2E_BASE/libexec/$1" ] && echo "${p#/proc/}"
	done
	return 0
}

# none NAME - no process of ours by that name
none() { [ -z "$(ours "$1")" ]; }

@test "e2e master: master.cf's flush and scache lines differ from Debian's in the command only" {
	run grep -E '^(flush|scache)[[:space:]]' "$E2E_CFG/master.cf"
	assert_line --regexp '^flush unix n - y 1000\? 0 fflushd$'
	assert_line --regexp '^scache unix - - y - 1 scache-ctl$'
	[ "${#lines[@]}" = 2 ]
	e2e_done config
}

@test "e2e master: Postfix's smtp adds deferred mail through fflushd, run by master as mail_owner" {
	e2e_after config
	local r pid
	for r in "${RCPTS[@]}"; do
		e2e_submit "$r"
	done
	for r in "${RCPTS[@]}"; do
		e2e_wait_delivery "$r" deferred
		e2e_put "$r" "$(e2e_qid "$r")"
	done
	e2e_wait_idle
	[ "$(e2e_sorted_log one_example)" = "$(e2e_ids "${RCPTS[@]}")" ]
	# master's arguments: -z (process limit 0), -n, -t, -u, -c (chroot y)
	pid=$(ours fflushd | sed 1q)
	[ -n "$pid" ]
	[ "$(tr '\0' ' ' < "/proc/$pid/cmdline")" = "fflushd -z -n flush -t unix -u -c " ]
	[ "$(stat -c %U "/proc/$pid")" = postfix ]
	run ! e2e_logged 'flush service failure'
	e2e_done deferred
}

@test "e2e master: public/flush answers Postfix 3.7's bytes, master's wake-up W included" {
	e2e_after deferred
	run e2e_raw 'request\0send_site\0site\0not-listed.example\0\0'
	assert_output "${GREETING}status|4||"
	run e2e_raw 'W\0'
	assert_output "${GREETING}status|0||"
	run e2e_raw 'request\0send\0site\0one.example\0\0'
	assert_output "${GREETING}"
	[ "$(e2e_flushlog one_example | wc -l)" = 3 ]
}

@test "e2e master: postqueue -s delivers over connections reused from our cache (conn_use=2, 3)" {
	e2e_after deferred
	local r
	mkdir -m 755 "$E2E_BASE/sink"
	chown nobody "$E2E_BASE/sink"
	e2e_sink_start -d "$E2E_BASE/sink/msg."
	run postqueue -c "$E2E_CFG" -s one.example
	assert_success
	assert_output ''
	for r in "${RCPTS[@]}"; do
		e2e_wait_delivery "$r" sent
	done
	e2e_wait_idle
	[ "$(e2e_conn_uses | tr '\n' ' ')" = "1 2 3 " ]
	[ "$(e2e_smtp_pids | sort -u | wc -l)" = 3 ]
	[ ! -s "$E2E_Q/flush/one_example" ]
	# master's scache service is our server
	pid=$(ours scache-ctl)
	[ -n "$pid" ]
	[ "$(tr '\0' ' ' < "/proc/$pid/cmdline")" = "scache-ctl -l -n scache -t unix -u -c " ]
	[ "$(e2e_scache_stat domain_hits)" = 2 ]
	run grep -Ei 'scache|connection cach' "$E2E_LOG"
	refute_output --regexp 'postfix/smtp\[.*(warning|error|fatal|panic):'
	e2e_done delivered
}

@test "e2e master: smtpd's ETRN: 250 for a fast flush domain, 459 for another" {
	e2e_after delivered
	run e2e_smtp 'EHLO client.test' 'ETRN one.example' 'ETRN not-listed.example'
	assert_success
	assert_line --regexp '^250 Queuing started'
	assert_line --regexp '^459 .*not-listed\.example'
}

@test "e2e master: postfix reload after a main.cf change is honoured at once, by fresh processes" {
	e2e_after delivered
	local old
	run e2e_raw 'request\0add\0site\0three.example\0queue_id\0ABCDEF123\0\0'
	assert_output "${GREETING}status|4||"
	old=$(ours fflushd; ours scache-ctl)
	[ -n "$old" ]
	postconf -c "$E2E_CFG" -e 'fast_flush_domains=one.example, two.example, three.example'
	run postfix -c "$E2E_CFG" reload
	assert_success
	run e2e_raw 'request\0add\0site\0three.example\0queue_id\0ABCDEF123\0\0'
	assert_output "${GREETING}status|0||"
	[ "$(e2e_flushlog three_example)" = ABCDEF123 ]
	# master closed the status channel: every process it had started exits
	wait_for 10 bash -c 'for p; do [ ! -e "/proc/$p" ] || exit 1; done' _ $old
	e2e_done reload
}

@test "e2e master: our lines reach maillog_file through postlog, in Postfix's format" {
	e2e_after reload
	# fflushd's denial of not-listed.example, as postfix/flush
	run e2e_logged '^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} mx postfix/flush\[[0-9]+\]: warning: local pid=[0-9]+ uid=0: postfix send_site site=not-listed\.example: denied'
	assert_success
	# the cache server's statistics at exit (the reload), as postfix/scache
	run grep -E 'postfix/scache\[[0-9]+\]: statistics: ' "$E2E_LOG"
	assert_line --regexp 'postfix/scache\[[0-9]+\]: statistics: start interval '
	assert_line --regexp 'postfix/scache\[[0-9]+\]: statistics: domain lookup hits=2 miss=[0-9]+ '
	assert_line --regexp 'postfix/scache\[[0-9]+\]: statistics: max simultaneous domains=1 addresses=1 connection=1$'
}

# served PID... - for each fflushd PID in the maillog, the adds of FEED0B123 it logged
served() {
	grep -oE 'postfix/flush\[[0-9]+\]: .*queue_id=FEED0B123: ok' "$E2E_LOG" |
		sed -E 's/^postfix\/flush\[([0-9]+)\].*/\1/' | sort | uniq -c
}

@test "e2e master: max_use 4, processes retiring from their 2nd request: every add answered, none serves more than 4, none piles up" {
	e2e_after reload
	local i n
	postconf -c "$E2E_CFG" -F 'flush/unix/command=fflushd -v -o max_use=4'
	run postfix -c "$E2E_CFG" reload
	assert_success
	for i in $(seq 1 40); do
		run e2e_raw 'request\0add\0site\0three.example\0queue_id\0FEED0B123\0\0'
		assert_output "${GREETING}status|0||"
	done
	[ "$(grep -c '^FEED0B123$' "$E2E_Q/flush/three_example")" = 40 ]
	# every add logged (postlog is asynchronous: wait for the 40th line)
	wait_for 10 bash -c '[ "$(grep -c "queue_id=FEED0B123: ok" "$1")" = 40 ]' _ "$E2E_LOG"
	# no process served more than max_use, and ten or more served them
	run served
	n=$(echo "$output" | wc -l)
	[ "$n" -ge 10 ]
	echo "$output" | awk '$1 > 4 { exit 1 }'
	# retiring processes never pile up: the last one and its successor at most
	[ "$(ours fflushd | wc -l)" -le 2 ]
	postconf -c "$E2E_CFG" -F 'flush/unix/command=fflushd'
	run postfix -c "$E2E_CFG" reload
	assert_success
}

@test "e2e master: postfix stop leaves no fastflush process" {
	e2e_after reload
	# start both services again, then stop the instance
	run e2e_raw 'W\0'
	assert_output "${GREETING}status|0||"
	e2e_scache_up
	[ -n "$(ours fflushd)" ] && [ -n "$(ours scache-ctl)" ]
	e2e_postfix_stop
	wait_for 10 none fflushd
	wait_for 10 none scache-ctl
}
