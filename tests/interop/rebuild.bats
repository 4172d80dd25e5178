#!/usr/bin/env bats
# fflush-add --rebuild against Postfix itself: a private Postfix 3.7
# instance (e2e.bash) whose flush service is Postfix's own flush(8)
# (E2E_FLUSHD=postfix), so that every line in flush/ is an add made by
# Postfix's delivery agents and queue manager when they deferred mail. The
# logfiles Postfix wrote are the reference: after removing them,
# fflush-add --rebuild must write the same set of (logfile, queue ID) pairs
# from deferred/ alone, with Postfix's owner and mode, and Postfix's
# postqueue -s must deliver from them.
#
# The deferred mail: multi-recipient messages across fast_flush_domains
# and other domains; messages with one recipient delivered (transport_maps
# sends sink.example to a listening smtp-sink: its R record becomes D) and
# the others deferred; IDNA destinations (an xn-- domain, the same domain
# in UTF-8 and another UTF-8 one, submitted as SMTPUTF8 mail: Postfix's
# flush maps them to their A-label); a mixed-case domain; short queue IDs,
# then, after a restart with enable_long_queue_ids = yes, long ones, all
# in the hashed deferred queue. The tests are one scenario, in file order.
# At the end smtp-sink listens and postqueue -s flushes the rebuilt logs:
# ASCII mail is sent; SMTPUTF8 mail bounces (smtp-sink offers no
# SMTPUTF8), which still shows it left deferred/. postqueue -s takes no
# UTF-8 site and flush(8) checks the A-label it is given against
# fast_flush_domains, so the list names müller.example both ways.
#
# Needs root, the postfix package, socat and make all; skipped otherwise.
bats_require_minimum_version 1.5.0

load e2e

E2E_FLUSHD=postfix
FFADD=$FF_BUILD/bin/fflush-add

# e2e_config_hook - the destinations of the scenario (see above); a second
# smtp-sink port (state/okport) for sink.example
e2e_config_hook() {
	local okport
	okport=$(e2e_free_port "$E2E_SINK_PORT") || return 1
	[ "$okport" != "$E2E_PORT" ] || okport=$(e2e_free_port "$E2E_PORT") || return 1
	e2e_put okport "$okport"
	postconf -c "$E2E_CFG" -e \
		"fast_flush_domains = one.example, two.example, xn--bcher-kva.example, bücher.example, müller.example, xn--mller-kva.example" \
		"transport_maps = inline:{sink.example=smtp:[127.0.0.1]:$okport}" \
		"smtputf8_enable = yes"
}

# rb_missing - why this file cannot run: e2e_missing, or no fflush-add
rb_missing() {
	e2e_missing
	[ -x "$FFADD" ] || echo "no $FFADD: run make all"
}

setup_file() { e2e_setup_file rb_missing; }
setup() { e2e_setup; }
teardown_file() { e2e_teardown_file ok_sink_stop; }
teardown() { e2e_teardown; }

# ok_sink_start / ok_sink_stop - smtp-sink on the sink.example port
ok_sink_start() {
	local port
	port=$(e2e_get okport) || return 1
	smtp-sink -u nobody "127.0.0.1:$port" 10 < /dev/null >> "$E2E_BASE/oksink.log" 2>&1 3>&- &
	echo "$!" > "$E2E_BASE/oksink.pid"
	wait_for 10 e2e_listening "$port"
}
ok_sink_stop() {
	[ -n "${E2E_BASE:-}" ] && [ -s "$E2E_BASE/oksink.pid" ] || return 0
	pf_kill "$(cat "$E2E_BASE/oksink.pid")"
	rm -f "$E2E_BASE/oksink.pid"
}

# submit RCPT... - one message to all RCPTs (Postfix's sendmail detects
# UTF-8 in the envelope and submits such mail as SMTPUTF8)
submit() {
	printf 'Subject: fastflush rebuild test\nFrom: tester@ffe2e.test\n\nhello\n' |
		timeout 30 sendmail -C "$E2E_CFG" -f tester@ffe2e.test -i "$@" 3>&-
}

# deferred_ids - the queue IDs in deferred/, sorted
deferred_ids() {
	(cd "$E2E_Q/deferred" && find . -type f -printf '%f\n') | LC_ALL=C sort
}

# settled N - N messages in deferred/ and nothing moving: every delivery
# agent has returned its status, and with it its flush adds (flush_add()
# waits for the flush server's reply before defer_append() returns)
settled() {
	[ "$(deferred_ids | wc -l)" = "$1" ] && e2e_idle
}

# pairs - the (logfile, queue ID) pairs in flush/: "NAME ID" lines,
# sorted, unique
pairs() {
	local f
	for f in "$E2E_Q"/flush/*; do
		[ -f "$f" ] || continue
		sed "s|^|${f##*/} |" "$f"
	done | LC_ALL=C sort -u
}

# summary KEY - the KEY of the summary line of the JSON in $output
summary() {
	printf '%s\n' "$output" | sed -n '/"summary":true/s/.*"'"$1"'":\([^,}]*\).*/\1/p'
}

# dups - how many lines of flush/ repeat a line of the same file
dups() {
	local f n=0
	for f in "$E2E_Q"/flush/*; do
		[ -f "$f" ] || continue
		n=$((n + $(wc -l < "$f") - $(LC_ALL=C sort -u "$f" | wc -l)))
	done
	echo "$n"
}

@test "rebuild: Postfix defers mail for eligible, ineligible, IDNA and partly delivered destinations; its flush(8) logs it" {
	ok_sink_start
	# short queue IDs
	submit a@one.example b@two.example c@three.example d@one.example
	submit e@two.example f@three.example
	submit ok1@sink.example g@one.example h@xn--bcher-kva.example
	submit i@müller.example j@one.example k@bücher.example
	submit l@three.example
	wait_for "$E2E_WAIT" settled 5
	# long queue IDs in the same spool
	e2e_postconf enable_long_queue_ids=yes
	submit m@one.example n@müller.example o@xn--bcher-kva.example ok2@sink.example
	submit p@Two.Example q@four.example
	submit ok3@sink.example r@bücher.example s@three.example
	wait_for "$E2E_WAIT" settled 8
	# every recipient but the sink.example ones deferred, those delivered
	[ "$(e2e_count ' status=deferred ')" = 19 ]
	[ "$(e2e_count 'to=<ok[123]@sink\.example>,.* status=sent ')" = 3 ]
	run e2e_count 'flush service failure|(warning|error|fatal|panic):'
	assert_output 0
	# both kinds of queue ID, in the hashed queue
	[ "$(deferred_ids | grep -Ecx '[0-9A-F]+')" = 5 ]
	[ "$(deferred_ids | grep -Ex '[0-9A-Za-z]{12,}' | grep -c '[a-z]')" = 3 ]
	[ -z "$(find "$E2E_Q/deferred" -maxdepth 1 -type f)" ]
	# Postfix's logs: IDNA folded to the A-label, ineligible domains none
	[ -s "$E2E_Q/flush/xn__bcher_kva_example" ]
	[ -s "$E2E_Q/flush/xn__mller_kva_example" ]
	[ -s "$E2E_Q/flush/two_example" ]
	[ ! -e "$E2E_Q/flush/three_example" ]
	[ ! -e "$E2E_Q/flush/four_example" ]
	[ ! -e "$E2E_Q/flush/sink_example" ]
	pairs > "$E2E_BASE/state/postfix.pairs"
	[ "$(wc -l < "$E2E_BASE/state/postfix.pairs")" = 13 ]
	e2e_done deferred
}

@test "rebuild: --dry-run on Postfix's own logfiles adds nothing and drops only repeated lines" {
	e2e_after deferred
	local before
	before=$(cd "$E2E_Q/flush" && stat -c '%n %s %Y %X' -- *)
	run "$FFADD" -c "$E2E_CFG" --rebuild --dry-run --json
	assert_success
	[ "$(summary added)" = 0 ]
	# Postfix appends one line per deferred recipient: a message with two
	# recipients in one.example is listed twice; nothing else goes
	[ "$(summary dropped)" = "$(dups)" ]
	[ "$(summary dropped)" -gt 0 ]
	[ "$(summary queue_files)" = 8 ]
	[ "$(summary recipients)" = 19 ]
	[ "$(summary errors)" = 0 ]
	[ "$(summary dry_run)" = true ]
	[ "$(cd "$E2E_Q/flush" && stat -c '%n %s %Y %X' -- *)" = "$before" ]
}

@test "rebuild: from an empty flush/, the same (logfile, queue ID) pairs as Postfix's flush(8) wrote" {
	e2e_after deferred
	rm -f "$E2E_Q"/flush/*
	run "$FFADD" -c "$E2E_CFG" --rebuild
	assert_success
	assert_output --partial 'flush/one_example: '
	run pairs
	assert_output "$(cat "$E2E_BASE/state/postfix.pairs")"
	# as Postfix's flush creates them
	run bash -c 'cd "$1/flush" && stat -c "%U:%G %a" -- * | sort -u' _ "$E2E_Q"
	assert_output "postfix:postfix 600"
	# once each, and nothing changes on a second run
	[ "$(dups)" = 0 ]
	run "$FFADD" -c "$E2E_CFG" --rebuild --dry-run --json
	assert_success
	[ "$(summary added)" = 0 ]
	[ "$(summary dropped)" = 0 ]
	[ "$(summary changed)" = 0 ]
	e2e_done rebuilt
}

@test "rebuild: a stale queue ID planted in a logfile is dropped, the others kept" {
	e2e_after rebuilt
	local n
	n=$(wc -l < "$E2E_Q/flush/two_example")
	echo 3F1C2A0B11 >> "$E2E_Q/flush/two_example"
	run "$FFADD" -c "$E2E_CFG" --rebuild two.example
	assert_success
	assert_line "flush/two_example: 0 added, 1 dropped, $n kept"
	assert_line "1 logfile: 1 changed; queue IDs 0 added, 1 dropped, $n kept; 0 failed"
	run pairs
	assert_output "$(cat "$E2E_BASE/state/postfix.pairs")"
	e2e_done stale
}

@test "rebuild: Postfix's postqueue -s delivers from the rebuilt logfiles" {
	e2e_after stale
	local site r left
	left=$(e2e_qid l@three.example)
	[ -n "$left" ]
	e2e_sink_start
	for site in one.example two.example xn--bcher-kva.example xn--mller-kva.example; do
		run postqueue -c "$E2E_CFG" -s "$site"
		assert_success
	done
	# every message was listed in some rebuilt log but the one to
	# three.example alone: all the others went (their three.example and
	# four.example recipients with them, over the same relayhost).
	# (postqueue -s takes no UTF-8 site: müller.example as its A-label)
	wait_for "$E2E_WAIT" settled 1
	run deferred_ids
	assert_output "$left"
	for r in a@one.example b@two.example c@three.example d@one.example e@two.example \
		f@three.example g@one.example h@xn--bcher-kva.example p@Two.Example q@four.example; do
		e2e_wait_delivery "$r" sent
	done
	# smtp-sink offers no SMTPUTF8: Postfix's smtp bounces the UTF-8 mail
	# once the flush has put it back in the queue
	for r in i@müller.example j@one.example k@bücher.example m@one.example \
		n@müller.example o@xn--bcher-kva.example r@bücher.example s@three.example; do
		e2e_wait_delivery "$r" bounced
	done
	[ "$(e2e_count ' status=bounced \(SMTPUTF8 is required')" = 8 ]
	run e2e_count 'flush service failure'
	assert_output 0
}
