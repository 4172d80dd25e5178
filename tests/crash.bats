#!/usr/bin/env bats
# crash.bats - kill -9 at every system call of a run, and in the middle of
# every write, loses no acknowledged queue ID (lib/flush/logwrite.c; the method
# is in tests/crash.bash)

load helpers
# shellcheck source=tests/crash.bash
. "$BATS_TEST_DIRNAME/crash.bash"

setup() {
	command -v strace > /dev/null || skip "strace is not installed"
	no_valgrind "strace and an LD_PRELOAD shim around every command"
	mkspool
}
teardown() { rmspool; }

# live_log N - a log whose first line is an ID that is gone, then N live
# IDs of 8 to 11 characters, one of them twice: compaction moves every
# kept line up by less than its length, so a write cut inside a line
# breaks it in both its copies unless the rewrite is crash-safe; LIVE gets
# the live ones
PAD=zzz
live_log() {
	local i id
	LIVE=
	{
		echo S0
		for ((i = 1000; i < 1000 + $1; i++)); do
			id=AB$i${PAD:0:i % 4}CD
			queued "$id" > /dev/null
			LIVE="$LIVE $id"
			echo "$id"
		done
		echo "$id"
	} > "$Q/flush/example_com"
	queued NEW1 > /dev/null
}

@test "crash: compaction killed at every call and in every write keeps every live ID" {
	live_log 30
	crash_save
	CRASH_TEAR_STEP=7 run crash_every example_com NEW1 "$LIVE" fflush-refresh --compact
	assert_success
	assert_output --regexp '^[0-9]+ runs$'
}

@test "crash: a killed compaction leaves its record; any later send, compaction or refresh puts it back" {
	live_log 30
	# the kill after the record is written and before the log is cut
	strace -f -qq -o /dev/null -e trace=ftruncate -e inject=ftruncate:signal=KILL:when=1 \
		-- fflush-refresh --compact || true
	assert_file_exists "$Q/flush/example_com.keep"
	run fflush-list example_com
	assert_success
	run fflush-refresh -v
	assert_success
	assert_output --partial "flush/example_com: recovered"
	assert_file_not_exists "$Q/flush/example_com.keep"
	for id in $LIVE; do grep -qx "$id" "$Q/flush/example_com"; done
	# Postfix skips the record's name; so does fflush-list
	strace -f -qq -o /dev/null -e trace=ftruncate -e inject=ftruncate:signal=KILL:when=1 \
		-- fflush-refresh --compact || true
	assert_file_exists "$Q/flush/example_com.keep"
	run fflush-list
	assert_success
	refute_output --partial ".keep"
	run fflush-send example.com
	assert_success
	assert_file_not_exists "$Q/flush/example_com.keep"
	for id in $LIVE; do [ "$(where "$id")" = incoming ]; done
}

@test "crash: a send whose moves partly fail, killed anywhere, keeps every ID listed or moved" {
	local ids="" id
	conf "hash_queue_names = incoming, deferred" "hash_queue_depth = 1"
	for id in A1 A2 B1 B2 A3 B3; do
		queued "$id" 700 deferred > /dev/null
		ids="$ids $id"
		echo "$id"
	done > "$Q/flush/example_com"
	queued NEW1 700 deferred > /dev/null
	# incoming/A is a file: A* cannot move, B* can
	echo x > "$Q/incoming/A"
	crash_save
	run crash_every example_com NEW1 "$ids" fflush-send example.com
	assert_success
	assert_output --regexp '^[0-9]+ runs$'
}

@test "crash: a batch add killed anywhere leaves no piece of a line for the next add to join" {
	local i
	queued NEW1 > /dev/null
	for i in 1 2 3 4 5; do queued "OLD$i" > /dev/null; echo "OLD$i"; done > "$Q/flush/example_com"
	for ((i = 0; i < 400; i++)); do
		queued "B$i" > /dev/null
		echo "example.com B$i"
	done > "$T/batch"
	crash_save
	run crash_every example_com NEW1 "OLD1 OLD2 OLD3 OLD4 OLD5" sh -c 'fflush-add - < "$1"' sh "$T/batch"
	assert_success
	assert_output --regexp '^[0-9]+ runs$'
}

@test "crash: a send killed anywhere keeps every ID listed or moved" {
	local ids="" id
	for id in C1 C2 C3 C4 C5 C6 C7 C8; do
		queued "$id" > /dev/null
		ids="$ids $id"
		echo "$id"
	done > "$Q/flush/example_com"
	queued NEW1 > /dev/null
	crash_save
	run crash_every example_com NEW1 "$ids" fflush-send example.com
	assert_success
	assert_output --regexp '^[0-9]+ runs$'
}

@test "crash: a rebuild killed anywhere keeps every ID listed or deferred for the log" {
	local i id f ids=
	{
		echo GONE1
		for ((i = 1000; i < 1012; i++)); do
			id=AB$i${PAD:0:i % 4}CD
			f=$(queued "$id")
			mkqf "$f" "u$i@example.com" "v$i@example.net"
			ids="$ids $id"
			echo "$id"
		done
		echo "$id"
		# deferred, but for example.org only: the rebuild drops it
		f=$(queued OTHER1)
		mkqf "$f" "w@example.org"
		echo OTHER1
	} > "$Q/flush/example_com"
	# deferred for example.com and not listed: the rebuild adds it
	f=$(queued ADD1)
	mkqf "$f" "x@example.com"
	queued NEW1 > /dev/null
	crash_save
	CRASH_TEAR_STEP=9 run crash_every example_com NEW1 "$ids" fflush-add --rebuild example.com
	assert_success
	assert_output --regexp '^[0-9]+ runs$'
	# and one that is not killed does all of it
	crash_restore
	run fflush-add --rebuild example.com
	assert_success
	assert_output --partial "flush/example_com: 1 added, 3 dropped, 12 kept"
}

@test "crash: an append writes its final newline first (strace order)" {
	printf 'OLD1\n' > "$Q/flush/example_com"
	strace -qq -o "$T/trace" -e trace=pwrite64,pwritev,writev,write fflush-add example.com X1 X2
	run grep -E '^(pwrite64|pwritev)' "$T/trace"
	assert_line --index 0 --regexp '^pwrite64\([0-9]+, "\\n", 1, 10\) += 1$'
	assert_line --index 1 --regexp '^pwritev\([0-9]+, \[\{iov_base="X1\\nX2", iov_len=5\}\], 1, 5\) += 5$'
	run cat "$Q/flush/example_com"
	assert_output $'OLD1\nX1\nX2'
}

@test "crash: a rewrite syncs its record and directory before it touches the log, and the log before the record goes" {
	live_log 30
	strace -qq -o "$T/trace" -e trace=openat,pwrite64,pwritev,ftruncate,fsync,fdatasync,unlinkat \
		fflush-refresh --compact
	# the order of the calls that matter, from the record's creation on
	sed -n 's/^\([a-z0-9]*\)(\(.*\)/\1 \2/p' "$T/trace" |
		awk '/^openat .*example_com.keep/ { on = 1 } on { print $1 }' |
		uniq > "$T/order"
	run cat "$T/order"
	assert_output "openat
fdatasync
fsync
pwrite64
fdatasync
ftruncate
pwritev
fdatasync
unlinkat"
}
