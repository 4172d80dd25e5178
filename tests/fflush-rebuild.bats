#!/usr/bin/env bats
# fflush-add --rebuild: the logfiles made from the deferred queue files
# (lib/flush/rebuild.c, lib/postfix/qfile.c); against Postfix itself in
# tests/interop/rebuild.bats
bats_require_minimum_version 1.5.0

load helpers

setup() { mkspool; }
teardown() { rmspool; }

# qf ID RCPT... / qfo ID OPTIONS... -- RCPT...: a queue file for these recipients
qf() {
	local id=$1 f
	shift
	f=$(queued "$id")
	mkqf "$f" "$@"
	touch -d '+2 hours' "$f"
}
qfo() {
	local id=$1 f opts=()
	shift
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	f=$(queued "$id")
	mkqf "${opts[@]}" "$f" "$@"
	touch -d '+2 hours' "$f"
}

# lines LOG - the log's lines, sorted, on one line
lines() { sort "$Q/flush/$1" | tr '\n' ' '; }

@test "rebuild: usage: -n goes with --rebuild; --help names both" {
	run fflush-add --help
	assert_success
	assert_output --partial "--rebuild"
	assert_output --partial "--dry-run"
	run -64 fflush-add -n example.com A1
	run -64 fflush-add --rebuild --bogus
}

@test "rebuild: an empty spool, and one without deferred/ or flush/, is fine" {
	run fflush-add --rebuild
	assert_success
	assert_output --partial "0 deferred queue files read (0 skipped)"
	rmdir "$Q/deferred" "$Q/flush"
	run fflush-add --rebuild
	assert_success
	assert_output --partial "0 logfiles"
}

@test "rebuild: each undelivered recipient's domain picks the log, as fflush-add names it" {
	qf AAA1 a@example.com b@example.org c@other.test
	qf AAA2 d@EXAMPLE.COM e@Example.Com
	qfo AAA3 -d f@example.org -- g@example.com	# f delivered: not for example.org
	qfo AAA4 -a trace_flags=256 -- h@example.com	# an address probe: never logged
	qf AAA5 nodomain "i@" j@x@example.org
	run fflush-add --rebuild
	assert_success
	assert_line "flush/example_com: 3 added, 0 dropped, 0 kept"
	assert_line "flush/example_org: 2 added, 0 dropped, 0 kept"
	assert_output --partial "5 deferred queue files read (0 skipped), 9 recipients to do (6 for fast flush)"
	assert_equal "$(lines example_com)" "AAA1 AAA2 AAA3 "
	assert_equal "$(lines example_org)" "AAA1 AAA5 "
	assert_file_not_exists "$Q/flush/other_test"
	# the same names fflush-add gives; owner and mode as it makes them
	run fflush-add -v EXAMPLE.com AAA9
	assert_output --partial "flush/example_com"
	assert_equal "$(mode "$Q/flush/example_com")" 600
}

@test "rebuild: stale, repeated and bad lines go; mail in incoming/ stays; missing IDs come" {
	qf BBB1 a@example.com
	qf BBB2 b@example.com
	qf OTHER1 c@example.org			# deferred, but not for example.com
	queued INC1 700 incoming > /dev/null	# being delivered: not ours to judge
	printf '%s\n' BBB1 BBB1 GONE1 'bad line' OTHER1 INC1 > "$Q/flush/example_com"
	run fflush-add --rebuild example.com
	assert_success
	assert_line "flush/example_com: 1 added, 4 dropped, 2 kept"
	assert_equal "$(lines example_com)" "BBB1 BBB2 INC1 "
	# the site operand limited it to example.com
	assert_file_not_exists "$Q/flush/example_org"
	run fflush-add --rebuild
	assert_line "flush/example_org: 1 added, 0 dropped, 0 kept"
	refute_line --partial "flush/example_com:"
	# nothing left to do: -v shows every log, unchanged
	run fflush-add -v --rebuild
	assert_line "flush/example_com: 0 added, 0 dropped, 3 kept"
}

@test "rebuild: --dry-run changes no byte and no time, and says what would change" {
	qf CCC1 a@example.com
	printf '%s\n' GONE1 > "$Q/flush/example_com"
	touch -d '-3 hours' "$Q/flush/example_com"
	before=$(stat -c '%s %.9X %.9Y' "$Q/flush/example_com")
	run fflush-add --rebuild --dry-run
	assert_success
	assert_line "flush/example_com: would be 1 added, 1 dropped, 0 kept"
	assert_equal "$(stat -c '%s %.9X %.9Y' "$Q/flush/example_com")" "$before"
	assert_equal "$(cat "$Q/flush/example_com")" GONE1
	run fflush-add -n --rebuild --json
	assert_line '{"log":"example_com","status":"ok","added":1,"dropped":1,"kept":0,"dry_run":true}'
}

@test "rebuild: the log's access time (the refresh clock) is kept; queue files are not touched" {
	qf DDD1 a@example.com
	qf DDD2 b@example.com
	printf '%s\n' DDD1 GONE1 > "$Q/flush/example_com"
	touch -a -d '-13 hours' "$Q/flush/example_com"
	atime=$(atime "$Q/flush/example_com")
	f=$(find "$Q/deferred" -name DDD1)
	qtimes=$(stat -c '%.9X %.9Y %a' "$f")
	run fflush-add --rebuild
	assert_line "flush/example_com: 1 added, 1 dropped, 1 kept"
	assert_equal "$(atime "$Q/flush/example_com")" "$atime"
	assert_equal "$(stat -c '%.9X %.9Y %a' "$f")" "$qtimes"
	# so the cron refresh still sees a log not read for 13 hours
	run fflush-refresh -v
	assert_output --partial "flush/example_com: refreshed (2 moved"
}

@test "rebuild: flat and hashed deferred/, whatever hash_queue_names says now" {
	mkqf "$Q/deferred/EEE1" a@example.com
	f=$(queued EEE2 700 deferred 2)
	mkqf "$f" b@example.com
	f=$(queued EEE3 700 deferred 1)
	mkqf "$f" c@example.com
	run fflush-add --rebuild
	assert_line "flush/example_com: 3 added, 0 dropped, 0 kept"
	conf hash_queue_depth=2
	printf '%s\n' EEE1 > "$Q/flush/example_com"
	run fflush-add --rebuild
	assert_line "flush/example_com: 2 added, 0 dropped, 1 kept"
}

@test "rebuild: IDNA: a Unicode or upper-case domain goes to its A-label's log" {
	conf "fast_flush_domains = example.com, bücher.example"
	qf FFF1 "a@bücher.example"
	qf FFF2 "b@BÜCHER.example"
	qf FFF3 "c@xn--bcher-kva.example"
	run fflush-add --rebuild
	assert_success
	assert_line "flush/xn__bcher_kva_example: 3 added, 0 dropped, 0 kept"
	run fflush-add -v "bücher.example" FFF9
	assert_output --partial "flush/xn__bcher_kva_example"
}

@test "rebuild: files that are not complete queue files are skipped with a warning" {
	qf GOOD1 a@example.com
	f=$(queued HALF1 600)			# still being written: mode 0600
	mkqf "$f" b@example.com
	chmod 600 "$f"
	f=$(queued TRUNC1)			# cut short: no end record
	mkqf "$f" c@example.com
	truncate -s -2 "$f"
	f=$(queued JUNK1)			# a length past the end
	printf 'R\377\377\001ab' > "$f"
	f=$(queued EMPTY1)
	: > "$f"
	d=$(dirname "$(find "$Q/deferred" -name GOOD1)")
	ln -s "$(find "$Q/deferred" -name GOOD1)" "$d/LINK1"	# a symlink: never followed
	mkfifo "$d/FIFO1"			# a FIFO: never waited on
	chmod 700 "$d/FIFO1"
	run timeout 20 fflush-add -v --rebuild
	assert_success
	assert_line "flush/example_com: 1 added, 0 dropped, 0 kept"
	assert_output --partial "1 deferred queue file read (6 skipped)"
	assert_output --regexp "HALF1: mode 0600: not a complete queue file"
	assert_output --regexp "TRUNC1: not a complete queue file: no end record"
	assert_output --regexp "JUNK1: not a complete queue file: record length past the end"
	assert_output --regexp "EMPTY1: not a complete queue file"
	assert_output --regexp "LINK1: is a symbolic link"
	assert_output --regexp "FIFO1: is not a regular file"
	assert_equal "$(lines example_com)" "GOOD1 "
}

@test "rebuild: --json, one object per log and a summary" {
	command -v jq > /dev/null || skip "jq is not installed"
	qf HHH1 a@example.com b@example.org
	run fflush-add --rebuild --json
	assert_success
	run jq -s -c 'map(select(.summary)) | .[0] | [.queue_files, .recipients, .eligible, .logs, .changed, .added]' <<< "$output"
	assert_output "[1,2,2,2,2,2]"
}

@test "rebuild: a root caller writes as the spool owner" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	id nobody > /dev/null || skip "no user nobody"
	chown -R nobody "$Q"
	qf III1 a@example.com
	chown -R nobody "$Q/deferred"
	run fflush-add --rebuild
	assert_success
	assert_equal "$(owner "$Q/flush/example_com" | cut -d: -f1)" nobody
}

# adders ROUNDS N - N writers, each deferring its own messages one by one
# (the odd ones get their queue file just before the add, as a delivery
# agent's deferral follows the queue file) and adding their IDs
adders() {
	local rounds=$1 n=$2 w i
	for ((w = 0; w < n; w++)); do
		(
			for ((i = 0; i < rounds; i++)); do
				((i % 2 == 0)) || qf "W${w}X$i" "u$i@example.com"
				fflush-add -q example.com "W${w}X$i" || echo "add W${w}X$i failed" >&2
			done
		) &
	done
}

@test "rebuild: adds and sends racing with rebuilds lose no queue ID" {
	slow_test
	local w i rounds=24 writers=8
	for ((w = 0; w < writers; w++)); do
		for ((i = 0; i < rounds; i += 2)); do qf "W${w}X$i" "u$i@example.com"; done
	done
	qf ORG1 o@example.org
	fflush-add example.org ORG1
	(
		for ((i = 0; i < 12; i++)); do
			fflush-add -q --rebuild || echo "rebuild $i failed" >&2
			fflush-send -q example.org > /dev/null || true
		done
	) 2> "$T/rebuild.err" &
	adders "$rounds" "$writers" 2> "$T/adders.err"
	wait
	assert_equal "$(cat "$T/adders.err" "$T/rebuild.err")" ""
	for ((w = 0; w < writers; w++)); do
		for ((i = 0; i < rounds; i++)); do
			grep -qx "W${w}X$i" "$Q/flush/example_com" || fail "W${w}X$i lost"
		done
	done
	# what is left over are repeats only
	n=$(wc -l < "$Q/flush/example_com")
	run fflush-add -v --rebuild example.com
	assert_line "flush/example_com: 0 added, $((n - rounds * writers)) dropped, $((rounds * writers)) kept"
}
