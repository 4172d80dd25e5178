#!/usr/bin/env bats
# fflush-refresh: refresh by age, purge of old empty logs, --purge, --compact
bats_require_minimum_version 1.5.0

load helpers

setup() { mkspool; }
teardown() { rmspool; }

# log SITE ID... - a logfile with these IDs, each with a deferred queue file
log() {
	local site=$1
	shift
	for id in "$@"; do queued "$id" >/dev/null; done
	fflush-add "$site" "$@"
}

@test "refresh: --help, --version and usage errors" {
	run fflush-refresh --help
	assert_success
	assert_output --partial "--purge"
	assert_output --partial "--compact"
	run fflush-refresh --version
	assert_success
	run fflush-refresh extra
	assert_failure 64
	run fflush-refresh --bogus
	assert_failure 64
}

@test "refresh: an empty spool or missing flush/ is fine and silent" {
	run fflush-refresh
	assert_success
	assert_output ""
	rmdir "$Q/flush"
	run fflush-refresh
	assert_success
}

@test "refresh: a log not read for 13h is refreshed, 11h is kept" {
	log example.com OLD1
	log example.org NEW1
	touch -a -d '-13 hours' "$Q/flush/example_com"
	touch -a -d '-11 hours' "$Q/flush/example_org"
	run fflush-refresh
	assert_success
	assert_output ""
	[ "$(where OLD1)" = incoming ]
	[ "$(where NEW1)" = deferred ]
	[ "$(stat -c %s "$Q/flush/example_com")" = 0 ]
	near_now "$(atime "$Q/flush/example_com")"
}

@test "refresh: an empty log unchanged for 8 days is purged, 6 days kept" {
	: > "$Q/flush/example_com"
	: > "$Q/flush/example_org"
	touch -m -d '-8 days' "$Q/flush/example_com"
	touch -m -d '-6 days' "$Q/flush/example_org"
	run fflush-refresh -v
	assert_success
	assert_line "flush/example_com: purged"
	assert_file_not_exists "$Q/flush/example_com"
	assert_file_exists "$Q/flush/example_org"
}

@test "refresh: time limits come from main.cf with Postfix's units" {
	log example.com A1
	touch -a -d '-3 hours' "$Q/flush/example_com"
	run fflush-refresh -o fast_flush_refresh_time=2
	assert_success
	[ "$(where A1)" = incoming ]
	: > "$Q/flush/example_org"
	touch -m -d '-3 days' "$Q/flush/example_org"
	run fflush-refresh -o fast_flush_purge_time=4
	assert_file_exists "$Q/flush/example_org"
	run fflush-refresh -o fast_flush_purge_time=2d
	assert_file_not_exists "$Q/flush/example_org"
	run fflush-refresh -o fast_flush_purge_time=2x
	assert_failure 78
}

@test "refresh: --purge refreshes every non-empty log, whatever its age" {
	log example.com A1
	log example.org B2
	touch -a -d '-5 seconds' "$Q/flush/example_com" "$Q/flush/example_org"
	: > "$Q/flush/empty_test"
	run fflush-refresh --purge -v
	assert_success
	assert_line "flush/example_com: refreshed (1 moved, 0 already incoming, 0 gone)"
	assert_line "flush/example_org: refreshed (1 moved, 0 already incoming, 0 gone)"
	assert_output --partial "3 logfiles: 2 refreshed (2 moved, 0 already incoming, 0 gone), 0 purged"
	assert_file_exists "$Q/flush/empty_test"
}

# stuck_qmgr - a queue manager that never accepts: public/qmgr listens with
# its backlog full; prints the listener's pid once it is so
stuck_qmgr() {
	python3 - "$Q/public/qmgr" <<-'PY' &
	import os, socket, sys, time
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.bind(sys.argv[1])
	s.listen(0)
	fill = []
	while True:
	    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	    c.setblocking(False)
	    try:
	        c.connect(sys.argv[1])
	    except BlockingIOError:
	        break
	    fill.append(c)
	open(sys.argv[1] + ".full", "w").close()
	while True:
	    time.sleep(3600)
	PY
	LISTENER_PID=$!
	wait_for 10 test -e "$Q/public/qmgr.full"
}

@test "refresh: a queue manager that does not accept costs one trigger_timeout, not one per trigger" {
	conf "trigger_timeout = 4s"
	log example.com A1
	log example.org B2
	for i in 1 2 3 4 5 6 7 8; do
		queued "C${i}1" >/dev/null
		echo "C${i}1" > "$Q/flush/site$i"
	done
	touch -a -d '-5 seconds' "$Q"/flush/*
	stuck_qmgr
	# 10 logfiles, a trigger each: 40 s of waits without the rule, 4 s with it
	run timeout 30 fflush-refresh --purge -v
	assert_success
	assert_output --partial "10 logfiles: 10 refreshed (10 moved, 0 already incoming, 0 gone)"
	assert_line "fflush-refresh: warning: connect to public/qmgr: timed out"
	assert_line "fflush-refresh: warning: 9 more queue manager triggers failed the same way"
}

@test "refresh: a one-letter logfile does not break the scan" {
	conf "fast_flush_domains = x, example.com"
	log x A1
	log example.com B2
	touch -a -d '-1 day' "$Q/flush/x" "$Q/flush/example_com"
	run fflush-refresh
	assert_success
	[ "$(where A1)" = incoming ]
	[ "$(where B2)" = incoming ]
}

@test "refresh: odd entries in flush/ are skipped, symlinks not followed" {
	log example.com A1
	touch -a -d '-1 day' "$Q/flush/example_com"
	echo "B2" > "$T/outside"
	touch -a -d '-1 day' "$T/outside"
	ln -s "$T/outside" "$Q/flush/evil_link"
	printf 'B2\n' > "$Q/flush/bad.name"
	printf 'B2\n' > "$Q/flush/.hidden"
	mkdir "$Q/flush/subdir"
	queued B2 >/dev/null
	run fflush-refresh
	assert_success
	[ "$(where A1)" = incoming ]
	[ "$(where B2)" = deferred ]
	run cat "$T/outside"
	assert_output B2
}

@test "refresh: --compact drops duplicate and stale IDs, keeps order and the clock" {
	for id in A1 B2 C3; do queued "$id" >/dev/null; done
	fflush-add example.com A1 GONE1 B2 A1 C3 GONE2 B2
	printf 'bad line\n' >> "$Q/flush/example_com"
	touch -a -d '-2 hours' "$Q/flush/example_com"
	before=$(atime "$Q/flush/example_com")
	run fflush-refresh -v --compact
	assert_success
	assert_line "flush/example_com: compacted (5 lines dropped)"
	[ "$(atime "$Q/flush/example_com")" = "$before" ]
	run cat "$Q/flush/example_com"
	assert_output $'A1\nB2\nC3'
	[ "$(where A1)" = deferred ]
}

@test "refresh: -n changes nothing" {
	log example.com A1
	touch -a -d '-1 day' "$Q/flush/example_com"
	: > "$Q/flush/example_org"
	touch -m -d '-30 days' "$Q/flush/example_org"
	run fflush-refresh -n -v
	assert_success
	assert_line "flush/example_com: would be refreshed (1 moved, 0 already incoming, 0 gone)"
	assert_line "flush/example_org: would be purged"
	[ "$(where A1)" = deferred ]
	assert_file_exists "$Q/flush/example_org"
	[ "$(stat -c %s "$Q/flush/example_com")" != 0 ]
}

@test "refresh: --json prints one object per action and a summary" {
	log example.com A1
	touch -a -d '-1 day' "$Q/flush/example_com"
	: > "$Q/flush/example_org"
	touch -m -d '-30 days' "$Q/flush/example_org"
	run --separate-stderr fflush-refresh --json
	assert_success
	assert_line --index 0 '{"log":"example_com","action":"refreshed","dry_run":false,"moved":1,"incoming":0,"gone":0}'
	assert_line --index 1 '{"log":"example_org","action":"purged","dry_run":false}'
	assert_line --index 2 --partial '{"summary":true,"logs":2,"refreshed":1,"purged":1,'
}

@test "refresh: a failing log is reported, the others still done" {
	log example.com A1
	log example.org B2
	touch -a -d '-1 day' "$Q/flush/example_com" "$Q/flush/example_org"
	hold_lock "$Q/flush/example_com"
	run timeout 60 fflush-refresh -o fastflush_lock_timeout=1s
	assert_failure 75
	assert_output --partial "example_com"
	release_lock
	[ "$(where A1)" = deferred ]
	[ "$(where B2)" = incoming ]
}

@test "refresh: purge never loses an ID added concurrently" {
	slow_test
	for i in $(seq 1 100); do
		: > "$Q/flush/site${i}_test"
		touch -m -d '-30 days' "$Q/flush/site${i}_test"
	done
	conf "fast_flush_domains = static:all"
	(
		for i in $(seq 1 100); do fflush-add "site$i.test" "ID$i" || echo "add $i" >> "$T/fail"; done
	) &
	adder=$!
	for n in $(seq 1 10); do fflush-refresh -q || echo "refresh $n" >> "$T/fail"; done
	wait "$adder"
	assert_file_not_exists "$T/fail"
	for i in $(seq 1 100); do
		grep -qx "ID$i" "$Q/flush/site${i}_test" || { echo "lost ID$i"; false; }
	done
}

@test "refresh: --compact of a log of a million stale IDs holds a bounded set, not the log" {
	slow_test
	sanitized && skip "a memory figure: AddressSanitizer adds its own"
	awk 'BEGIN { for (i = 1; i <= 1000000; i++) printf "%010X\n", i * 2039 + 1048576 }' \
		> "$Q/flush/example_com"
	log example.org B2
	local kb
	kb=$(peak_kb fflush-refresh --compact)
	echo "peak RSS: $kb KiB"
	# every distinct ID held: about 32 MiB; bounded: about 14 MiB
	[ "$kb" -lt $((24 * 1024)) ]
	[ ! -s "$Q/flush/example_com" ]
	[ "$(cat "$Q/flush/example_org")" = B2 ]
}

@test "refresh --compact: an ID whose queue directory cannot be read is kept, not taken for gone" {
	[ "$(id -u)" != 0 ] || id nobody > /dev/null 2>&1 || skip "needs the nobody user"
	queued ABCDE12345 > /dev/null
	printf 'ABCDE12345\nGONE1\n' > "$Q/flush/example_com"
	chmod 000 "$Q/deferred/A"
	# as root the mode does not stop us: run as the owner of the spool,
	# nobody, who then cannot search deferred/A
	if [ "$(id -u)" = 0 ]; then
		chown -R nobody "$Q"
		run setpriv --reuid=nobody --regid=nogroup --clear-groups fflush-refresh --compact -v
	else
		run fflush-refresh --compact -v
	fi
	chmod 700 "$Q/deferred/A"
	assert_success
	assert_output --partial "flush/example_com: compacted (1 line dropped)"
	run cat "$Q/flush/example_com"
	assert_output ABCDE12345
}
