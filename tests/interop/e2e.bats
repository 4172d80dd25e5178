#!/usr/bin/env bats
# Postfix end to end: a private Postfix 3.7 instance on loopback (see
# e2e.bash) whose flush service is our one-shot server fflushd behind
# socat, so that Postfix's own programs are its clients: smtp and qmgr log
# deferred mail into it (add), postqueue -s / sendmail -qR and smtpd's ETRN
# ask it to deliver a site (send_site), postqueue -i a message (send_file).
# relay_domains is a hash: table and fast_flush_domains its default.
# The tests are one scenario and run in file order; each starts only if the
# one before it passed.
#
#	E2E_FLUSHD=postfix bats tests/interop/e2e.bats	# with Postfix's flush
#
# Needs root, the postfix package and socat; skipped otherwise.
bats_require_minimum_version 1.5.0

load e2e

# e2e_config_hook - the commonest backup-MX set-up: relay_domains in a
# hash: table built by Postfix's postmap, fast_flush_domains left at its
# default ($relay_domains), so that both the delivery agents' adds and the
# flush server's decisions go through the table
e2e_config_hook() {
	printf '%s\n' 'one.example OK' 'two.example OK' > "$E2E_CFG/relay_domains"
	postmap -c "$E2E_CFG" "hash:$E2E_CFG/relay_domains" || return 1
	postconf -c "$E2E_CFG" -e "relay_domains=hash:$E2E_CFG/relay_domains" || return 1
	postconf -c "$E2E_CFG" -X fast_flush_domains
}

setup_file() { e2e_setup_file; }
setup() { e2e_setup; }
teardown_file() { e2e_teardown_file; }
teardown() { e2e_teardown; }

GREETING='protocol|queue_flush_protocol||'

@test "e2e: mail that defers is logged into the flush server by Postfix's smtp and qmgr" {
	local r id
	for r in a1@one.example a2@one.example b1@two.example b2@two.example; do
		e2e_submit "$r"
	done
	for r in a1@one.example a2@one.example b1@two.example b2@two.example; do
		e2e_wait_delivery "$r" deferred
		id=$(e2e_qid "$r")
		[ -n "$id" ]
		e2e_put "$r" "$id"
	done
	e2e_wait_idle
	for r in a1@one.example a2@one.example b1@two.example b2@two.example; do
		[ "$(e2e_where "$(e2e_get "$r")")" = deferred ]
	done
	run e2e_json_ids
	assert_output "$(e2e_ids a1@one.example a2@one.example b1@two.example b2@two.example)"
	# every deferred recipient was added to its site's log, nothing else
	run e2e_sorted_log one_example
	assert_output "$(e2e_ids a1@one.example a2@one.example)"
	run e2e_sorted_log two_example
	assert_output "$(e2e_ids b1@two.example b2@two.example)"
	# as Postfix's add leaves them: owned by the spool owner, mode 0600
	[ "$(stat -c '%U %a' "$E2E_Q/flush/one_example")" = "postfix 600" ]
	[ "$(stat -c '%U %a' "$E2E_Q/flush/two_example")" = "postfix 600" ]
	run ! e2e_logged 'flush service failure'
	e2e_done deferred
}

@test "e2e: the logs belong to mail_owner's user and group, as with Postfix's flush -u" {
	e2e_after deferred
	# Postfix's master starts flush with -u: uid and gid of mail_owner.
	# (Debian's flush/ is postfix:root, so its group is no guide.)
	local want
	want="postfix:$(id -gn postfix) 600"
	[ "$(stat -c '%U:%G %a' "$E2E_Q/flush/one_example")" = "$want" ] ||
		{ echo "flush/one_example: $(stat -c '%U:%G %a' "$E2E_Q/flush/one_example"), want $want"; false; }
	[ "$(stat -c '%U:%G %a' "$E2E_Q/flush/two_example")" = "$want" ]
}

@test "e2e: public/flush answers Postfix 3.7's bytes through socat" {
	e2e_after deferred
	run e2e_raw 'request\0send_site\0site\0not-listed.example\0\0'
	assert_output "${GREETING}status|4||"
	run e2e_raw 'request\0add\0site\0not-listed.example\0queue_id\0ABCDEF123\0\0'
	assert_output "${GREETING}status|4||"
	run e2e_raw 'request\0send_file\0queue_id\0../x\0\0'
	assert_output "${GREETING}status|3||"
	# the 2.3 name of send_site: greeting, then no reply at all
	run e2e_raw 'request\0send\0site\0one.example\0\0'
	assert_output "${GREETING}"
	# nothing of the above moved mail or touched the logs
	[ "$(e2e_where "$(e2e_get a1@one.example)")" = deferred ]
	[ "$(e2e_flushlog one_example | wc -l)" = 2 ]
	e2e_done raw
}

@test "e2e: postqueue -s one.example delivers one.example's mail and nothing else" {
	e2e_after deferred
	local a1 a2 b1 b2
	a1=$(e2e_get a1@one.example) a2=$(e2e_get a2@one.example)
	b1=$(e2e_get b1@two.example) b2=$(e2e_get b2@two.example)
	e2e_sink_start
	run postqueue -c "$E2E_CFG" -s one.example
	assert_success
	assert_output ''
	e2e_wait_delivery a1@one.example sent
	e2e_wait_delivery a2@one.example sent
	e2e_wait_idle
	[ "$(e2e_where "$a1")" = gone ]
	[ "$(e2e_where "$a2")" = gone ]
	[ "$(e2e_where "$b1")" = deferred ]
	[ "$(e2e_where "$b2")" = deferred ]
	run ! e2e_logged 'to=<b[12]@two\.example>,.* status=sent '
	# one.example's log was emptied, two.example's untouched
	[ -f "$E2E_Q/flush/one_example" ] && [ ! -s "$E2E_Q/flush/one_example" ]
	[ "$(e2e_flushlog two_example | wc -l)" = 2 ]
	e2e_done send_site
}

@test "e2e: postqueue -i QUEUEID delivers exactly that message" {
	e2e_after send_site
	local b1 b2
	b1=$(e2e_get b1@two.example) b2=$(e2e_get b2@two.example)
	run postqueue -c "$E2E_CFG" -i "$b1"
	assert_success
	assert_output ''
	e2e_wait_delivery b1@two.example sent
	e2e_wait_idle
	[ "$(e2e_where "$b1")" = gone ]
	[ "$(e2e_where "$b2")" = deferred ]
	run ! e2e_logged 'to=<b2@two\.example>,.* status=sent '
	e2e_done send_file
}

@test "e2e: smtpd's ETRN: 250 for a fast flush domain (and its mail goes out), 459 for another" {
	e2e_after send_file
	local a3 b2
	b2=$(e2e_get b2@two.example)
	# from here on long queue IDs (hashed by their microseconds field, not
	# their first character): Postfix restarts, socat and the queue stay
	e2e_postconf enable_long_queue_ids=yes
	# a new message for one.example that defers again
	e2e_sink_stop
	e2e_submit a3@one.example
	e2e_wait_delivery a3@one.example deferred
	a3=$(e2e_qid a3@one.example)
	[[ $a3 =~ ^[0-9A-Za-z]{10,}z[0-9A-Za-y]+$ ]] || { echo "not a long queue ID: $a3"; false; }
	e2e_wait_idle
	[ "$(e2e_where "$a3")" = deferred ]
	[ "$(e2e_flushlog one_example)" = "$a3" ]
	e2e_sink_start
	# the site as the client typed it: the server folds the case
	run e2e_smtp 'EHLO client.ffe2e.test' 'ETRN One.EXAMPLE' 'ETRN not-listed.example'
	assert_success
	assert_line --regexp '^250[ -].*ETRN'
	assert_line --regexp '^250 .*Queuing started$'
	assert_line --regexp '^459 .*<not-listed\.example>: service unavailable$'
	e2e_wait_delivery a3@one.example sent
	e2e_wait_idle
	[ "$(e2e_where "$a3")" = gone ]
	[ "$(e2e_where "$b2")" = deferred ]
	[ ! -s "$E2E_Q/flush/one_example" ]
	e2e_done etrn
}

@test "e2e: sendmail -qRtwo.example delivers the rest; queue and logs end empty" {
	e2e_after etrn
	local b2
	b2=$(e2e_get b2@two.example)
	run sendmail -C "$E2E_CFG" -qRtwo.example
	assert_success
	assert_output ''
	e2e_wait_delivery b2@two.example sent
	e2e_wait_idle
	[ "$(e2e_where "$b2")" = gone ]
	run e2e_json_ids
	assert_output ''
	[ ! -s "$E2E_Q/flush/one_example" ] && [ ! -s "$E2E_Q/flush/two_example" ]
	# every message was delivered exactly once
	[ "$(e2e_count ': to=<[ab][123]@(one|two)\.example>,.* status=sent ')" = 5 ]
	# no client ever had trouble with the flush service (the server's own
	# lines, which name the clients it denied, reach the maillog too)
	run bash -c 'grep -Ei "(warning|error|fatal|panic):.*(flush|public/flush)" "$1" |
		grep -Ev " (postfix/flush|fflushd)\["' _ "$E2E_LOG"
	assert_failure
	refute_output
}

@test "e2e: proxy:hash: tables are asked of the instance's running proxymap" {
	local ff=$FF_BUILD/bin/fflush-send dom="proxy:hash:$E2E_CFG/relay_domains"
	# proxymap serves the tables listed with proxy: in proxy_read_maps
	e2e_postconf "proxy_read_maps=$dom"
	# listed (nothing waiting: exit 1), not listed (77)
	run "$ff" -n -c "$E2E_CFG" -o "fast_flush_domains=$dom" one.example
	assert_failure 1
	assert_output --partial "nothing"
	run "$ff" -n -c "$E2E_CFG" -o "fast_flush_domains=$dom" not-listed.example
	assert_failure 77
	# a table that proxy_read_maps does not name: refused by proxymap
	printf 'one.example OK\n' > "$E2E_CFG/other"
	postmap -c "$E2E_CFG" "hash:$E2E_CFG/other"
	run "$ff" -n -c "$E2E_CFG" -o "fast_flush_domains=proxy:hash:$E2E_CFG/other" one.example
	assert_failure 78
	assert_output --partial "proxy_read_maps"
	# no proxymap service by that name: a clear failure at once, no retry loop
	run timeout 30 "$ff" -n -c "$E2E_CFG" -o proxymap_service_name=nosuchmap \
		-o "fast_flush_domains=$dom" one.example
	assert_failure 78
	assert_output --partial "nosuchmap"
}
