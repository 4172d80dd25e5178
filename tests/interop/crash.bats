#!/usr/bin/env bats
# crash.bats (interop) - the shared spool: Postfix 3.7's own flush adds onto
# a spool where fastflush was killed at every system call and in the middle
# of every write, and purges race with adds across the two implementations,
# stalled deterministically (a process stopped by strace at a chosen call)

load ../helpers
# shellcheck source=tests/interop/pf.bash
. "$BATS_TEST_DIRNAME/pf.bash"
# shellcheck source=tests/crash.bash
. "$BATS_TEST_DIRNAME/../crash.bash"

setup() {
	command -v strace > /dev/null || skip "strace is not installed"
	no_valgrind "strace and an LD_PRELOAD shim around every command"
	pf_setup
	S=$(pf_spool a)
	T=$PF_BASE
	Q=$S/q
	printf 'queue_directory = %s\nfast_flush_domains = example.com\n' "$Q" > "$S/cfg/main.cf"
	pf_backdate "$S/cfg/main.cf"
	MAIL_CONFIG=$S/cfg
	unset PF_DOMAINS
	export T Q MAIL_CONFIG
}
teardown() {
	# a process a failed test left stopped would hold bats forever
	if [ -n "${STOPPED:-}" ]; then
		kill -KILL "$STOPPED" 2> /dev/null || true
		kill -CONT "$STOPPED" 2> /dev/null || true
	fi
	pf_teardown
}

# crash_add LOG ID - Postfix's flush adds (as its delivery agents ask it to)
crash_add() {
	local r
	r=$(pf_request "$S" add site example.com queue_id "$2")
	[ "$r" = 'protocol|queue_flush_protocol||status|0||' ] || echo "Postfix's add: $r" >&2
}

# stopped COMM - the pid of a process named COMM that strace has stopped
stopped() {
	local p st
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2> /dev/null)" = "$1" ] || continue
		st=$(cut -d ')' -f 2 "$p/stat" 2> /dev/null)
		case ${st:1:1} in
		T | t) echo "${p#/proc/}"; return 0 ;;
		esac
	done
	return 1
}

@test "crash (shared spool): compaction killed anywhere, then Postfix's own add: nothing lost" {
	local i id live=""
	{
		echo S0
		for ((i = 1000; i < 1024; i++)); do
			id=AB${i}CD
			pf_queued "$S" "$id" > /dev/null
			live="$live $id"
			echo "$id"
		done
	} > "$Q/flush/example_com"
	chown "$PF_OWNER:" "$Q/flush/example_com"
	pf_queued "$S" NEW1 > /dev/null
	crash_save
	CRASH_TEAR_STEP=9 run crash_every example_com NEW1 "$live" fflush-refresh --compact
	assert_success
	assert_output --regexp '^[0-9]+ runs$'
}

@test "crash (shared spool): a batch add killed anywhere, then Postfix's own add: nothing lost" {
	local i
	for i in 1 2 3; do pf_queued "$S" "OLD$i" > /dev/null; echo "OLD$i"; done > "$Q/flush/example_com"
	chown "$PF_OWNER:" "$Q/flush/example_com"
	for ((i = 0; i < 300; i++)); do
		pf_queued "$S" "B$i" > /dev/null
		echo "example.com B$i"
	done > "$T/batch"
	pf_queued "$S" NEW1 > /dev/null
	crash_save
	run crash_every example_com NEW1 "OLD1 OLD2 OLD3" sh -c 'fflush-add - < "$1"' sh "$T/batch"
	assert_success
	assert_output --regexp '^[0-9]+ runs$'
}

@test "purge race: Postfix's add stopped between its open and its lock; our purge keeps the log" {
	local pid
	: > "$Q/flush/example_com"
	chown "$PF_OWNER:" "$Q/flush/example_com"
	touch -d '-30 days' "$Q/flush/example_com"
	pf_queued "$S" ADD1 > /dev/null
	# Postfix's flush, stopped before its flock(2) of the log runs (the call
	# fails with EINTR, which Postfix retries after a second)
	printf '#!/bin/sh\nexec strace -qq -o /dev/null -e trace=flock -e inject=flock:error=EINTR:signal=STOP:when=1 %s "$@"\n' \
		"$PF_FLUSH" > "$T/stopflush"
	chmod 755 "$T/stopflush"
	PF_FLUSH=$T/stopflush pf_request "$S" add site example.com queue_id ADD1 > "$T/reply" &
	wait_for 20 stopped flush
	pid=$(stopped flush)
	STOPPED=$pid
	run fflush-refresh -v
	assert_success
	refute_output --partial "flush/example_com: purged"
	assert_file_exists "$Q/flush/example_com"
	kill -CONT "$pid"
	wait
	STOPPED=
	run cat "$T/reply"
	assert_output 'protocol|queue_flush_protocol||status|0||'
	run cat "$Q/flush/example_com"
	assert_output ADD1
	# and once nobody has it open, an old empty log is purged
	: > "$Q/flush/example_com"
	touch -d '-30 days' "$Q/flush/example_com"
	run fflush-refresh -v
	assert_output --partial "flush/example_com: purged"
}

@test "purge race: our add stopped before its write while Postfix's purge deletes the log; the ID lands in the new log" {
	local pid
	: > "$Q/flush/example_com"
	chown "$PF_OWNER:" "$Q/flush/example_com"
	touch -d '-30 days' "$Q/flush/example_com"
	# our add, stopped before its first write to the log runs (EINTR: retried)
	strace -qq -o /dev/null -e trace=pwrite64 -e inject=pwrite64:error=EINTR:signal=STOP:when=1 \
		fflush-add example.com ADD2 > "$T/add.out" 2>&1 &
	wait_for 20 stopped fflush-add
	pid=$(stopped fflush-add)
	STOPPED=$pid
	# Postfix's purge: stat, empty and old, unlink (no lock)
	run pf_request "$S" purge
	assert_output 'protocol|queue_flush_protocol||status|0||'
	assert_file_not_exists "$Q/flush/example_com"
	kill -CONT "$pid"
	wait
	STOPPED=
	run cat "$Q/flush/example_com"
	assert_output ADD2
}
