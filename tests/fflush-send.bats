#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# fflush-send: ETRN by site, single messages, dry run, outcomes, hostile spools

load helpers

setup() { mkspool; }
teardown() { rmspool; }

@test "send: --help, --version and usage errors" {
	run fflush-send --help
	assert_success
	assert_output --partial "usage: fflush-send"
	assert_output --partial "--dry-run"
	run fflush-send -V
	assert_success
	assert_output --partial "fastflush"
	run fflush-send
	assert_failure 64
	run fflush-send -i
	assert_failure 64
	run fflush-send --nope example.com
	assert_failure 64
}

@test "send: moves listed mail from deferred to incoming and truncates the log" {
	queued 9FBF11234 >/dev/null
	queued ABCDEF >/dev/null
	queued OTHER1 >/dev/null
	fflush-add example.com 9FBF11234 ABCDEF
	run fflush-send example.com
	assert_success
	assert_output "example.com: moved 2, already incoming 0, gone 0"
	[ "$(where 9FBF11234)" = incoming ]
	[ "$(where ABCDEF)" = incoming ]
	[ "$(where OTHER1)" = deferred ]
	[ "$(stat -c %s "$Q/flush/example_com")" = 0 ]
}

@test "send: moved files get whole-second times of now, mode and owner kept" {
	queued 9FBF11234 >/dev/null
	fflush-add example.com 9FBF11234
	fflush-send -q example.com
	f=$Q/incoming/9FBF11234
	near_now "$(mtime "$f")"
	near_now "$(atime "$f")"
	[ "$(mtime_ns "$f")" = 000000000 ]
	[ "$(mode "$f")" = 700 ]
	[ "$(owner "$f")" = "$(id -un):$(id -gn)" ]
}

@test "send: the log's own times are set to now (noatime workaround)" {
	queued A1 >/dev/null
	fflush-add example.com A1
	touch -a -d '-3 days' "$Q/flush/example_com"
	fflush-send -q example.com
	near_now "$(atime "$Q/flush/example_com")"
	near_now "$(mtime "$Q/flush/example_com")"
}

@test "send: already incoming is touched, gone is skipped, counts say so" {
	queued A1 >/dev/null
	queued B2 700 incoming >/dev/null
	fflush-add example.com A1 B2 C3
	run fflush-send example.com
	assert_success
	assert_output "example.com: moved 1, already incoming 1, gone 1"
	near_now "$(mtime "$Q/incoming/B2")"
}

@test "send: nothing waiting is exit 1 (no log, empty log, only gone IDs)" {
	run fflush-send example.com
	assert_failure 1
	assert_output "example.com: nothing waiting"
	: > "$Q/flush/example_org"
	run fflush-send example.org
	assert_failure 1
	fflush-add example.com GONE1 GONE2
	run fflush-send example.com
	assert_failure 1
	assert_output "example.com: moved 0, already incoming 0, gone 2 (nothing waiting)"
	[ "$(stat -c %s "$Q/flush/example_com")" = 0 ]
}

@test "send: several sites: success if any had mail, errors win" {
	queued A1 >/dev/null
	fflush-add example.com A1
	run fflush-send example.org example.com
	assert_success
	run fflush-send example.org example.com
	assert_failure 1
	run fflush-send example.org denied.test
	assert_failure 77
	run fflush-send example.org 'bad/site'
	assert_failure 65
}

@test "send: duplicates are moved once (the filter works, unlike Postfix 3.7.11)" {
	queued A1 >/dev/null
	queued B2 >/dev/null
	fflush-add example.com A1 A1 B2 A1
	run fflush-send --json example.com
	assert_success
	assert_output --partial '"moved":2,"incoming":0,"gone":0,"duplicates":2'
}

@test "send: bad lines in a log are skipped and counted; the log is emptied" {
	queued A1 >/dev/null
	printf 'A1\n../etc\n\nsome thing\n%s\n' "$(printf 'x%.0s' {1..300})" > "$Q/flush/example_com"
	run fflush-send --json example.com
	assert_success
	assert_output --partial '"moved":1'
	assert_output --partial '"bad":4'
	[ "$(stat -c %s "$Q/flush/example_com")" = 0 ]
}

@test "send: -n changes nothing and says what would happen" {
	f=$(queued A1)
	queued B2 700 incoming >/dev/null
	fflush-add example.com A1 B2 C3
	touch -a -d '-1 day' "$Q/flush/example_com"
	before=$(stat -c '%s %X %Y' "$Q/flush/example_com" "$f")
	run fflush-send -n example.com
	assert_success
	assert_output "example.com: would move 1, already incoming 1, gone 1"
	[ "$(stat -c '%s %X %Y' "$Q/flush/example_com" "$f")" = "$before" ]
	[ "$(where A1)" = deferred ]
	run fflush-send --dry-run --json example.com
	assert_output --partial '"dry_run":true'
}

@test "send: -v lists every queue ID with its outcome" {
	queued A1 >/dev/null
	queued B2 700 incoming >/dev/null
	fflush-add example.com A1 B2 C3 A1
	run fflush-send -v example.com
	assert_success
	assert_line "  A1 moved"
	assert_line "  B2 already incoming"
	assert_line "  C3 gone"
	refute_line --partial duplicate
}

@test "send: -v prints each queue ID once, in logfile order" {
	# deferred/ is hashed: the moves go directory by directory (A, 9, F),
	# the listing still follows the logfile
	queued F1 >/dev/null
	queued A1 >/dev/null
	queued 9B2 >/dev/null
	printf '%s\n' F1 A1 F1 'bad/id' 9B2 A1 C3 F1 > "$Q/flush/example_com"
	run --separate-stderr fflush-send -v example.com
	assert_success
	assert_output "  F1 moved
  A1 moved
  bad/id bad
  9B2 moved
  C3 gone
example.com: moved 3, already incoming 0, gone 1"
}

@test "send: -q prints nothing; --json prints one object per site" {
	queued A1 >/dev/null
	fflush-add example.com A1
	run fflush-send -q example.com
	assert_success
	assert_output ""
	fflush-add example.com A1
	run --separate-stderr fflush-send --json example.com other.test
	assert_failure 77
	assert_line --index 0 '{"site":"example.com","log":"example_com","status":"ok","moved":0,"incoming":1,"gone":0,"duplicates":0,"bad":0,"failed":0,"dry_run":false}'
	assert_line --index 1 --partial '{"site":"other.test","log":"other_test","status":"denied"'
}

@test "send: denied 77, invalid site 65, lookup failure 78" {
	run fflush-send other.test
	assert_failure 77
	run fflush-send 'a b'
	assert_failure 65
	run fflush-send -o 'fast_flush_domains=/nonexistent' example.com
	assert_failure 78
}

@test "send -i: a complete (0700) message is moved with the unthrottle bit" {
	queued A1 >/dev/null
	run fflush-send -i A1
	assert_success
	assert_output "A1: moved"
	[ "$(mode "$Q/incoming/A1")" = 740 ]
	near_now "$(mtime "$Q/incoming/A1")"
}

@test "send -i: an incomplete (0600) message stays put: exit 1" {
	f=$(queued A1 600)
	run fflush-send -i A1
	assert_failure 1
	assert_output "A1: not ready (mode is not 0700)"
	[ "$(where A1)" = deferred ]
	[ "$(mode "$f")" = 600 ]
}

@test "send -i: already incoming is touched and unthrottled; gone is exit 1" {
	queued A1 700 incoming >/dev/null
	run fflush-send -i A1 GONE
	assert_success
	assert_line "A1: already incoming"
	assert_line "GONE: gone"
	[ "$(mode "$Q/incoming/A1")" = 740 ]
	run fflush-send -i GONE
	assert_failure 1
}

@test "send -i: invalid queue IDs exit 65; --json and -n" {
	run fflush-send -i ../x
	assert_failure 65
	run fflush-send -i --json GONE
	assert_failure 1
	assert_output '{"queue_id":"GONE","status":"nothing","result":"gone","dry_run":false}'
	queued A1 >/dev/null
	run fflush-send -n -v -i A1
	assert_success
	assert_output "A1: would be moved"
	[ "$(where A1)" = deferred ]
	[ "$(mode "$Q/deferred/A/A1")" = 700 ]
}

@test "send: hash_queue_depth 2 and hashed incoming" {
	queued 9FBF11234 700 deferred 2 >/dev/null
	[ -f "$Q/deferred/9/F/9FBF11234" ]
	fflush-add -o hash_queue_depth=2 example.com 9FBF11234
	run fflush-send -o hash_queue_depth=2 -o 'hash_queue_names=deferred,incoming' example.com
	assert_success
	[ -f "$Q/incoming/9/F/9FBF11234" ]
	[ "$(mode "$Q/incoming/9")" = 700 ]
}

@test "send: long queue IDs hash on their microseconds field" {
	queued 4SVLCh4dz5z4k3 >/dev/null
	queued ABCDEFGHIJz123 >/dev/null
	[ -f "$Q/deferred/9/4SVLCh4dz5z4k3" ]
	[ -f "$Q/deferred/0/ABCDEFGHIJz123" ]
	fflush-add example.com 4SVLCh4dz5z4k3 ABCDEFGHIJz123
	run fflush-send example.com
	assert_success
	assert_output "example.com: moved 2, already incoming 0, gone 0"
}

@test "send: a symlink planted as the log is refused, its target untouched" {
	printf 'A1\n' > "$T/target"
	ln -s "$T/target" "$Q/flush/example_com"
	run fflush-send example.com
	assert_failure 71
	assert_output --partial "symbolic link"
	run cat "$T/target"
	assert_output A1
}

@test "send: a symlink planted as a queue file is moved, never followed" {
	echo data > "$T/outside"
	touch -d '2000-01-01' "$T/outside"
	mkdir -p "$Q/deferred/A"
	ln -s "$T/outside" "$Q/deferred/A/A1"
	fflush-add example.com A1
	run fflush-send example.com
	assert_success
	[ -L "$Q/incoming/A1" ]
	[ "$(stat -c %Y "$T/outside")" = "$(date -d 2000-01-01 +%s)" ]
}

@test "send: a symlinked hash directory is not followed; the ID is kept" {
	mkdir "$T/elsewhere"
	echo data > "$T/elsewhere/A1"
	chmod 700 "$T/elsewhere/A1"
	ln -s "$T/elsewhere" "$Q/deferred/A"
	fflush-add example.com A1
	run fflush-send example.com
	assert_failure 71
	[ -f "$T/elsewhere/A1" ]
	run cat "$Q/flush/example_com"
	assert_output A1
}

@test "send: IDs whose move fails stay in the log; nothing is lost" {
	queued A1 >/dev/null
	queued B2 >/dev/null
	fflush-add example.com A1 B2
	rmdir "$Q/incoming"
	echo "not a directory" > "$Q/incoming"
	run fflush-send example.com
	assert_failure 71
	assert_output --partial "incoming"
	run cat "$Q/flush/example_com"
	assert_output $'A1\nB2'
	rm "$Q/incoming"
	mkdir -m 700 "$Q/incoming"
	run fflush-send example.com
	assert_success
	assert_output "example.com: moved 2, already incoming 0, gone 0"
}

@test "send: a missing or silent public/qmgr never fails or hangs the send" {
	queued A1 >/dev/null
	fflush-add example.com A1
	mkfifo "$Q/public/qmgr"
	run timeout 10 fflush-send -v example.com
	assert_success
	assert_output --partial "no reader"
}

@test "send: lock time-out is 75 and leaves everything as it was" {
	queued A1 >/dev/null
	fflush-add example.com A1
	hold_lock "$Q/flush/example_com"
	run timeout 60 fflush-send -o fastflush_lock_timeout=1 example.com
	assert_failure 75
	release_lock
	[ "$(where A1)" = deferred ]
	run cat "$Q/flush/example_com"
	assert_output A1
}

@test "send: as root on a postfix-owned spool, everything stays postfix's" {
	need_postfix_user
	queued A1 >/dev/null
	fflush-add example.com A1
	chown -R postfix:postfix "$Q"
	run fflush-send example.com
	assert_success
	[ "$(owner "$Q/incoming/A1")" = postfix:postfix ]
	[ "$(owner "$Q/flush/example_com")" = postfix:postfix ]
}

@test "send: concurrent adds and sends lose no queue ID" {
	slow_test
	for i in $(seq 1 300); do queued "ID$i" >/dev/null; done
	(
		for i in $(seq 1 300); do fflush-add example.com "ID$i" || echo "add $i" >> "$T/fail"; done
	) &
	adder=$!
	for n in $(seq 1 20); do
		rc=0
		fflush-send -q example.com || rc=$?
		[ "$rc" = 0 ] || [ "$rc" = 1 ] || echo "send rc $rc" >> "$T/fail"
	done
	wait "$adder"
	fflush-send -q example.com || true
	assert_file_not_exists "$T/fail"
	[ "$(find "$Q/incoming" -type f | wc -l)" = 300 ]
	[ "$(find "$Q/deferred" -type f | wc -l)" = 0 ]
}
