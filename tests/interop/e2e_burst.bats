#!/usr/bin/env bats
# Postfix end to end, a burst: Postfix's smtp-source sends 200 messages of
# 10 recipients each (2,000 recipients, 20 sessions at once) into the
# private instance of e2e.bash while the relayhost is down, so every
# recipient defers and Postfix's smtp and qmgr send 2,000 flush adds within
# seconds. Whatever runs the flush service, every deferred queue ID must
# end up in its logfile, once per recipient, and no delivery agent may log
# "flush service failure". One test per way of running fflushd: under
# Postfix's master (E2E_FLUSHD=master), and under openbsd-inetd "wait"
# (E2E_FLUSHD=inetd, examples/fflushd.inetd); each starts and stops its own
# instance. xinetd cannot listen on public/flush (UNIX sockets), see
# examples/fflushd.xinetd.
#
# Needs root, the postfix package (smtp-source) and make all; the inetd
# test needs openbsd-inetd. Skipped otherwise.
bats_require_minimum_version 1.5.0

load e2e

MESSAGES=200
RCPTS_EACH=10

setup() {
	E2E_SKIP=$(e2e_missing)
	[ -z "$E2E_SKIP" ] || skip "$E2E_SKIP"
	command -v smtp-source >/dev/null || skip "needs Postfix's smtp-source"
}

teardown() {
	e2e_teardown
	e2e_stop
}

# deferred_ids - the queue IDs in deferred/, sorted
deferred_ids() {
	(cd "$E2E_Q/deferred" && find . -type f -printf '%f\n') | LC_ALL=C sort
}

# all_deferred - every message of the burst is in deferred/ and nothing
# else is moving
all_deferred() {
	[ "$(deferred_ids | wc -l)" = "$MESSAGES" ] && e2e_idle
}

# burst MODE - start the instance with E2E_FLUSHD=MODE, send the burst,
# check the logfile
burst() {
	E2E_FLUSHD=$1
	e2e_start
	run timeout 120 smtp-source -s 20 -m "$MESSAGES" -r "$RCPTS_EACH" -N \
		-f tester@ffe2e.test -t rcpt@one.example "127.0.0.1:$E2E_PORT"
	assert_success
	wait_for 120 all_deferred
	# 2,000 deferrals, each logged into the flush service
	[ "$(e2e_count 'to=<[0-9]*rcpt@one\.example>,.* status=deferred ')" = $((MESSAGES * RCPTS_EACH)) ]
	run e2e_count 'flush service failure'
	assert_output 0
	# the logfile: every deferred queue ID, once per recipient
	[ "$(e2e_flushlog one_example | wc -l)" = $((MESSAGES * RCPTS_EACH)) ]
	[ "$(e2e_flushlog one_example | LC_ALL=C sort -u)" = "$(deferred_ids)" ]
	# and ETRN sends them all
	e2e_sink_start
	run postqueue -c "$E2E_CFG" -s one.example
	assert_success
	wait_for 120 bash -c '[ -z "$(find "$1/deferred" -type f)" ]' _ "$E2E_Q"
	e2e_wait_idle
	[ "$(e2e_count 'to=<[0-9]*rcpt@one\.example>,.* status=sent ')" = $((MESSAGES * RCPTS_EACH)) ]
}

@test "e2e burst: 2,000 deferred recipients at once, fflushd under Postfix's master: every queue ID logged" {
	burst master
	# master started as many processes as the burst needed, and they said
	# nothing about trouble
	run grep -E 'postfix/flush\[[0-9]+\]: (error|fatal|panic):' "$E2E_LOG"
	refute_output
}

@test "e2e burst: 2,000 deferred recipients at once, fflushd under openbsd-inetd \"wait\": every queue ID logged" {
	[ -x /usr/sbin/inetd ] && /usr/sbin/inetd -h 2>&1 | grep -q -- '-R rate' ||
		skip "needs openbsd-inetd"
	burst inetd
	# inetd started fflushd once; its pool served the burst
	run grep -Ec 'fflushd\[[0-9]+\]: (error|fatal|panic):' "$E2E_LOG"
	assert_output 0
}
