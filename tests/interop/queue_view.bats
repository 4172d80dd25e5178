#!/usr/bin/env bats
# fflush-list --queue against Postfix's own view of the same queue: a
# private Postfix 3.7 instance (see e2e.bash) defers mail for several
# destinations, then the per-destination counts of
#	fflush-list --queue --json
# (messages, recipients, bytes, oldest and newest arrival) must equal what
# postqueue -j reports, aggregated per recipient domain with jq. Runs on
# its own in about ten seconds:
#
#	bats tests/interop/queue_view.bats
#	E2E_FLUSHD=postfix bats tests/interop/queue_view.bats	# Postfix's flush
#
# Needs root, the postfix package, socat and jq; skipped otherwise.
bats_require_minimum_version 1.5.0

load e2e

# qv_missing - why this file cannot run: e2e_missing, or no jq
qv_missing() {
	e2e_missing
	command -v jq >/dev/null || echo "needs jq"
}

setup_file() { e2e_setup_file qv_missing; }
setup() { e2e_setup; }
teardown_file() { e2e_teardown_file; }
teardown() { e2e_teardown; }

# submit RCPT... - one message to all the RCPTs, with a body that grows
# with each call (so that the sizes differ)
submit() {
	local i
	SUBMITTED=$((${SUBMITTED:-0} + 1))
	{
		printf 'Subject: fastflush queue view %s\nFrom: tester@ffe2e.test\n\n' "$SUBMITTED"
		for i in $(seq 1 $((SUBMITTED * 7))); do printf 'line %s of the body\n' "$i"; done
	} | timeout 30 sendmail -C "$E2E_CFG" -f tester@ffe2e.test -i "$@" 3>&-
}

# ours - fflush-list's view, the keys postqueue can be compared on
ours() {
	"$FF_BUILD/bin/fflush-list" -c "$E2E_CFG" --queue --json |
		jq -S -s -c 'map({destination, messages, recipients, message_size,
			oldest_arrival_time, newest_arrival_time}) | sort_by(.destination)'
}

# theirs - postqueue -j's deferred messages, per recipient domain (lower
# case): distinct messages, recipients, the sizes of those messages, the
# oldest and newest arrival
theirs() {
	postqueue -c "$E2E_CFG" -j |
		jq -S -s -c 'map(select(.queue_name == "deferred")) |
			[.[] as $m | $m.recipients[] |
				{d: (.address | split("@") | .[-1] | ascii_downcase), m: $m}] |
			group_by(.d) | map({destination: .[0].d,
				messages: (map(.m.queue_id) | unique | length),
				recipients: length,
				message_size: (unique_by(.m.queue_id) | map(.m.message_size) | add),
				oldest_arrival_time: (map(.m.arrival_time) | min),
				newest_arrival_time: (map(.m.arrival_time) | max)}) |
			sort_by(.destination)'
}

@test "queue view: Postfix defers five messages for four destinations" {
	submit a1@one.example
	submit a2@one.example b1@two.example
	# a later arrival time for the rest: sendmail records the second it
	# started, so wait until the clock is past the one it returned in
	wait_next_second
	submit a3@one.example a4@ONE.example c1@three.example
	submit b2@Two.Example
	submit c2@three.example d1@four.example
	for r in a1@one.example a2@one.example b1@two.example a3@one.example a4@ONE.example \
		c1@three.example b2@Two.Example c2@three.example d1@four.example; do
		e2e_wait_delivery "$r" deferred
	done
	e2e_wait_idle
	[ "$(e2e_json_ids | wc -l)" -eq 5 ]
	e2e_done deferred
}

@test "queue view: fflush-list --queue --json counts what postqueue -j lists, per destination" {
	e2e_after deferred
	local mine pf
	mine=$(ours)
	pf=$(theirs)
	echo "fflush-list: $mine"
	echo "postqueue:   $pf"
	[ "$(jq length <<<"$pf")" -eq 4 ]
	[ "$mine" = "$pf" ]
	# one.example: 3 messages, 4 recipients (a4@ONE.example is the same destination)
	[ "$(jq -c '.[] | select(.destination == "one.example") | [.messages, .recipients]' <<<"$mine")" = "[3,4]" ]
}

@test "queue view: the logfiles Postfix wrote list every deferred message (no missing, no stale)" {
	e2e_after deferred
	run "$FF_BUILD/bin/fflush-list" -c "$E2E_CFG" --queue --json
	assert_success
	run jq -s -c 'map({destination, log, missing, stale}) | sort_by(.destination)' <<<"$output"
	assert_output '[{"destination":"four.example","log":null,"missing":null,"stale":null},{"destination":"one.example","log":"one_example","missing":0,"stale":0},{"destination":"three.example","log":null,"missing":null,"stale":null},{"destination":"two.example","log":"two_example","missing":0,"stale":0}]'
	# and the messages of one destination, as postqueue -j shapes them
	run "$FF_BUILD/bin/fflush-list" -c "$E2E_CFG" --queue --ids --json two.example
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	local id
	for id in $(jq -r .queue_id <<<"$output"); do
		[ "$(postqueue -c "$E2E_CFG" -j | jq -c --arg id "$id" 'select(.queue_id == $id) | [.arrival_time, .message_size]')" = \
			"$(jq -c --arg id "$id" 'select(.queue_id == $id) | [.arrival_time, .message_size]' <<<"$output")" ]
	done
}
