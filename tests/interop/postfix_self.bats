#!/usr/bin/env bats
# The harness on its own: only the real Postfix 3.7 flush(8) (Debian
# package), driven through pf.bash, sockpair-run and trigger-listen. Proves
# that the harness works and pins the facts the differential tests
# (postfix.bats) compare our commands against. Needs root and the postfix
# package; skipped otherwise.
bats_require_minimum_version 1.5.0

load pf

GREETING='protocol|queue_flush_protocol||'

setup() {
	pf_setup
	S=$(pf_spool s)
}

teardown() {
	pf_teardown
}

# ---------------------------------------------------------------- harness

@test "harness: pf_req encodes the 0 variant, pf_status reads replies" {
	cmp <(pf_req request add site example.com queue_id ABC) \
		<(printf 'request\0add\0site\0example.com\0queue_id\0ABC\0\0')
	[ "$(pf_req request send_site site example.com | pf_show)" = 'request|send_site|site|example.com||' ]
	[ "$(pf_req request rfrsh | wc -c)" = 15 ]
	[ "$(pf_status "${GREETING}status|0||")" = 0 ]
	[ "$(pf_status "${GREETING}status|4294967295||")" = 4294967295 ]
	[ -z "$(pf_status "$GREETING")" ]
}

@test "harness: pf_qpath hashes as lib/postfix/qid.c (qpath) for short and long IDs" {
	for id in 9FBF11234 4SVLCh4dz5z4k3 ABCDEFGHIJz123 0000000zzzzz1 B 5A0001 abz123456789z9; do
		for d in 1 2 3; do
			[ "$(pf_qpath deferred "$id" "$d")" = "$(qpath -d "$d" deferred "$id")" ] ||
				{ echo "$id depth $d: $(pf_qpath deferred "$id" "$d") vs $(qpath -d "$d" deferred "$id")"; false; }
		done
	done
	[ "$(pf_qpath deferred 9FBF11234)" = deferred/9/9FBF11234 ]
	[ "$(pf_qpath deferred 4SVLCh4dz5z4k3)" = deferred/9/4SVLCh4dz5z4k3 ]
	[ "$(pf_qpath deferred ABCDEFGHIJz123)" = deferred/0/ABCDEFGHIJz123 ]
	[ "$(pf_qpath deferred 9FBF11234 2)" = deferred/9/F/9FBF11234 ]
	[ "$(pf_qpath deferred B 2)" = deferred/B/_/B ]
	# zzzz = 52^4 - 1 = 0x6F90FF: six hex digits
	[ "$(pf_hashkey 000000zzzzz1)" = 6F90FF ]
	[ "$(pf_qpath incoming ABC 0)" = incoming/ABC ]
}

@test "harness: pf_spool layout, pf_queued and pf_log files" {
	run pf_snapshot "$S"
	assert_line -n 0 $'active\td\t0700\tpostfix:postfix\t-'
	refute_output --partial public
	refute_output --partial pid
	[ "$(stat -c '%a %U' "$S/q" "$S/q/public" "$S/q/pid")" = $'755 root\n755 postfix\n755 root' ]
	[ "$(pf_queued "$S" 9FBF11234)" = deferred/9/9FBF11234 ]
	[ "$(pf_queued "$S" ABC 600)" = deferred/A/ABC ]
	[ "$(pf_queued "$S" DEF 700 incoming)" = incoming/DEF ]
	[ "$(stat -c '%a %U:%G' "$S/q/deferred/9" "$S/q/deferred/9/9FBF11234" "$S/q/deferred/A/ABC")" = \
		$'700 postfix:postfix\n700 postfix:postfix\n600 postfix:postfix' ]
	# a retry time 2 hours ahead, whole seconds
	[ "$(pf_mtime "$S" deferred/9/9FBF11234)" = $((PF_NOW + 7200)) ]
	pf_whole_seconds "$S" deferred/9/9FBF11234
	pf_times_equal "$S" deferred/9/9FBF11234
	pf_log "$S" example_com A1 B2
	run pf_snapshot "$S"
	assert_output --partial $'flush/example_com\tf\t0600\tpostfix:postfix\t6\n\t| A1\n\t| B2\n'
	printf 'C3\x01\\' >> "$S/q/flush/example_com"
	run pf_snapshot "$S"
	assert_output --partial $'\t| B2\n\t| C3\\x01\\\\\\ no newline'
}

@test "harness: pf_clone copies exactly, times included, and leaves the source as it was" {
	pf_queued "$S" A1 >/dev/null
	pf_log "$S" example_com A1
	pf_age "$S" flush/example_com -a '-13 hours'
	before=$(pf_times "$S" flush/example_com)
	C=$(pf_clone "$S" c)
	pf_same "$S" "$C"
	for rel in flush/example_com deferred/A/A1; do
		[ "$(pf_times "$S" "$rel")" = "$(pf_times "$C" "$rel")" ]
	done
	[ "$(pf_times "$S" flush/example_com)" = "$before" ]
	# snapshots read the logs but keep their atime
	pf_snapshot "$S" >/dev/null
	[ "$(pf_times "$S" flush/example_com)" = "$before" ]
	# a difference shows up as a diff
	echo B2 >> "$C/q/flush/example_com"
	run pf_same "$S" "$C"
	assert_failure
	assert_output --partial '+	| B2'
}

@test "harness: pf_age counts from PF_NOW, so two spools get equal times" {
	pf_log "$S" example_com A1
	C=$(pf_clone "$S" c)
	pf_age "$S" flush/example_com -a '-13 hours'
	# a later second for the other spool: still the same times
	wait_next_second "$PF_NOW"
	pf_age "$C" flush/example_com -a '-13 hours'
	[ "$(pf_atime "$S" flush/example_com)" = $((PF_NOW - 13 * 3600)) ]
	[ "$(pf_times "$S" flush/example_com)" = "$(pf_times "$C" flush/example_com)" ]
	pf_age "$S" flush/example_com -m '-8 days'
	[ "$(pf_mtime "$S" flush/example_com)" = $((PF_NOW - 8 * 86400)) ]
}

@test "harness: trigger-listen logs one escaped line per connection, in order" {
	command -v perl >/dev/null || skip "needs perl"
	pf_listen "$S"
	[ "$(stat -c '%F %a' "$S/q/public/qmgr")" = "socket 666" ]
	pid=$(cat "$S/listen.pid")
	pf_alive "$pid"
	for msg in 'F\0' 'I\0' 'a b\x01\xff\\\n'; do
		perl -MIO::Socket::UNIX -e '
			my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $ARGV[0]) or die "$!";
			print $s eval qq{"$ARGV[1]"}; close $s' "$S/q/public/qmgr" "${msg//\\0/\\x00}"
	done
	run pf_triggers "$S"
	# printable ASCII as is, the backslash too
	assert_output $'F\\0\nI\\0\na b\\x01\\xFF\\\\x0A'
	pf_unlisten "$S"
	! pf_alive "$pid"
	[ ! -e "$S/q/public/qmgr" ]
}

@test "harness: sockpair-run passes NULs both ways, times out, reports exit status" {
	run -0 bash -c 'printf "a\0b" | sockpair-run -- cat | od -An -c'
	assert_output --partial 'a  \0   b'
	run -3 sockpair-run -- sh -c 'exit 3' </dev/null
	run -124 sockpair-run -t 0.5 -- sleep 5 </dev/null
	assert_output --partial 'no end of reply'
	run -137 sockpair-run -- sh -c 'kill -9 $$' </dev/null
	# -s: the first write holds SPLIT bytes (one read sees only them)
	run -0 bash -c 'printf "abcdef" | sockpair-run -s 2 -w -- sh -c "dd bs=100 count=1 2>/dev/null; echo; cat" | od -An -c'
	assert_output --partial 'a   b  \n   c   d   e   f'
}

# ---------------------------------------------------------------- add

@test "add: writes ID\\n to flush/example_com, 0600 postfix, no trigger" {
	pf_listen "$S"
	run -0 pf_request "$S" add site example.com queue_id 9FBF11234
	assert_output "${GREETING}status|0||"
	run -0 pf_request "$S" add site example.com queue_id ABCDEF
	assert_output "${GREETING}status|0||"
	cmp "$S/q/flush/example_com" <(printf '9FBF11234\nABCDEF\n')
	[ "$(stat -c '%a %U:%G' "$S/q/flush/example_com")" = "600 postfix:postfix" ]
	[ -z "$(pf_triggers "$S")" ]
}

@test "add: Example.COM -> example_com, bücher.example.com -> xn__bcher_kva_example_com" {
	run -0 pf_request "$S" add site Example.COM queue_id A1
	assert_output "${GREETING}status|0||"
	run -0 pf_request "$S" add site bücher.example.com queue_id B2
	assert_output "${GREETING}status|0||"
	run -0 pf_request "$S" add site Sub.Example.COM queue_id C3
	run ls "$S/q/flush"
	assert_output $'example_com\nsub_example_com\nxn__bcher_kva_example_com'
	[ "$(cat "$S/q/flush/example_com")" = A1 ]
	[ "$(cat "$S/q/flush/xn__bcher_kva_example_com")" = B2 ]
}

@test "add: denied site -> status 4, bad queue ID -> status 3, nothing written" {
	run -0 pf_request "$S" add site other.test queue_id A1
	assert_output "${GREETING}status|4||"
	run -0 pf_request "$S" add site example.com queue_id AB.CD
	assert_output "${GREETING}status|3||"
	run -0 pf_request "$S" add site example.com queue_id ../x
	assert_output "${GREETING}status|3||"
	# a trailing dot does not match; a failing table gives FAIL, sent unsigned
	run -0 pf_request "$S" add site example.com. queue_id A1
	assert_output "${GREETING}status|4||"
	PF_DOMAINS=hash:/nonexistent/table
	run -0 pf_request "$S" add site example.com queue_id A1
	assert_output "${GREETING}status|4294967295||"
	[ -z "$(ls "$S/q/flush")" ]
}

# ---------------------------------------------------------------- send_site

@test "send_site: deferred/9/9FBF11234 -> incoming, log truncated, F then I on two connections" {
	pf_queued "$S" 9FBF11234 >/dev/null
	pf_queued "$S" OTHER1 >/dev/null
	pf_log "$S" example_com 9FBF11234
	pf_age "$S" flush/example_com -b '-3 days'
	pf_listen "$S"
	run -0 pf_request "$S" send_site site example.com
	assert_output "${GREETING}status|0||"
	assert_file_not_exists "$S/q/deferred/9/9FBF11234"
	assert_file_exists "$S/q/incoming/9FBF11234"
	assert_file_exists "$S/q/deferred/O/OTHER1"
	[ "$(stat -c '%a %U:%G %s' "$S/q/incoming/9FBF11234")" = "700 postfix:postfix 21" ]
	[ "$(stat -c '%s %a' "$S/q/flush/example_com")" = "0 600" ]
	run pf_triggers "$S"
	assert_output $'F\\0\nI\\0'
	# the moved file: times "now", whole seconds, atime = mtime
	pf_times_now "$S" incoming/9FBF11234
	pf_whole_seconds "$S" incoming/9FBF11234
	pf_times_equal "$S" incoming/9FBF11234
	# the log: atime and mtime "now" (noatime workaround)
	pf_times_now "$S" flush/example_com
	# the hash directory stays
	[ -d "$S/q/deferred/9" ]
}

@test "send_site: no logfile -> status 0, no trigger; empty logfile -> F only, times now" {
	pf_queued "$S" A1 >/dev/null
	pf_listen "$S"
	run -0 pf_request "$S" send_site site example.com
	assert_output "${GREETING}status|0||"
	[ -z "$(pf_triggers "$S")" ]
	assert_file_not_exists "$S/q/flush/example_com"
	pf_log "$S" example_com
	pf_age "$S" flush/example_com -b '-3 days'
	run -0 pf_request "$S" send_site site example.com
	assert_output "${GREETING}status|0||"
	run pf_triggers "$S"
	assert_output 'F\0'
	pf_times_now "$S" flush/example_com
	assert_file_exists "$S/q/deferred/A/A1"
}

@test "send_site: bad and gone IDs still count: log truncated, F and I" {
	pf_queued "$S" A1 600 >/dev/null
	pf_queued "$S" B2 700 incoming >/dev/null
	pf_log "$S" example_com A1 bad.id GONE1 B2
	pf_listen "$S"
	run -0 pf_request "$S" send_site site example.com
	assert_output "${GREETING}status|0||"
	# 0600 moved too and keeps its mode; already incoming: touched
	[ "$(stat -c %a "$S/q/incoming/A1")" = 600 ]
	pf_times_now "$S" incoming/B2
	pf_whole_seconds "$S" incoming/B2
	[ "$(stat -c %s "$S/q/flush/example_com")" = 0 ]
	run pf_triggers "$S"
	assert_output $'F\\0\nI\\0'
}

@test "send_site: long queue IDs are found where pf_qpath puts them (depth 1 and 2)" {
	for id in 4SVLCh4dz5z4k3 ABCDEFGHIJz123 000000zzzzz1; do pf_queued "$S" "$id" >/dev/null; done
	pf_log "$S" example_com 4SVLCh4dz5z4k3 ABCDEFGHIJz123 000000zzzzz1
	run -0 pf_request "$S" send_site site example.com
	for id in 4SVLCh4dz5z4k3 ABCDEFGHIJz123 000000zzzzz1; do
		assert_file_exists "$S/q/incoming/$id"
	done
	C=$(pf_spool c)
	pf_conf "$C" 'hash_queue_depth = 2' 'hash_queue_names = deferred, incoming'
	for id in 9FBF11234 4SVLCh4dz5z4k3 B; do pf_queued "$C" "$id" 700 deferred 2 >/dev/null; done
	pf_log "$C" example_com 9FBF11234 4SVLCh4dz5z4k3 B
	run -0 pf_request "$C" send_site site example.com
	assert_output "${GREETING}status|0||"
	for id in 9FBF11234 4SVLCh4dz5z4k3 B; do
		assert_file_exists "$C/q/$(pf_qpath incoming "$id" 2)"
	done
	# missing hash directories of incoming/ are made 0700 (owner postfix)
	[ "$(stat -c '%a %U' "$C/q/incoming/9" "$C/q/incoming/9/F")" = $'700 postfix\n700 postfix' ]
}

@test "send_site: public/qmgr as a FIFO gets F and I without NUL" {
	pf_queued "$S" A1 >/dev/null
	pf_log "$S" example_com A1
	pf_listen "$S" -f
	[ "$(stat -c '%F %a' "$S/q/public/qmgr")" = "fifo 622" ]
	run -0 pf_request "$S" send_site site example.com
	assert_output "${GREETING}status|0||"
	# one line per read(): whether F and I come in one read varies
	[ "$(pf_triggers "$S" | tr -d '\n')" = FI ]
	assert_file_exists "$S/q/incoming/A1"
}

@test "send_site: no public/qmgr at all: status 0 all the same" {
	pf_queued "$S" A1 >/dev/null
	pf_log "$S" example_com A1
	run -0 pf_request "$S" send_site site example.com
	assert_output "${GREETING}status|0||"
	assert_file_exists "$S/q/incoming/A1"
}

# ---------------------------------------------------------------- send_file

@test "send_file: a 0700 file moves to incoming with mode 0740 and one I" {
	pf_queued "$S" 9FBF11234 >/dev/null
	pf_listen "$S"
	run -0 pf_request "$S" send_file queue_id 9FBF11234
	assert_output "${GREETING}status|0||"
	[ "$(stat -c '%a %U:%G' "$S/q/incoming/9FBF11234")" = "740 postfix:postfix" ]
	assert_file_not_exists "$S/q/deferred/9/9FBF11234"
	run pf_triggers "$S"
	assert_output 'I\0'
	pf_times_now "$S" incoming/9FBF11234
	pf_whole_seconds "$S" incoming/9FBF11234
}

@test "send_file: a 0600 file is not moved, no trigger, status 0 (but its times are set)" {
	pf_queued "$S" 9FBF11234 600 >/dev/null
	pf_listen "$S"
	run -0 pf_request "$S" send_file queue_id 9FBF11234
	assert_output "${GREETING}status|0||"
	[ "$(stat -c %a "$S/q/deferred/9/9FBF11234")" = 600 ]
	assert_file_not_exists "$S/q/incoming/9FBF11234"
	[ -z "$(pf_triggers "$S")" ]
	pf_times_now "$S" deferred/9/9FBF11234
}

@test "send_file: already incoming -> 0740 and I; gone -> 0 and nothing; bad ID -> 3" {
	pf_queued "$S" A1 700 incoming >/dev/null
	pf_listen "$S"
	run -0 pf_request "$S" send_file queue_id A1
	assert_output "${GREETING}status|0||"
	[ "$(stat -c %a "$S/q/incoming/A1")" = 740 ]
	run -0 pf_request "$S" send_file queue_id GONE1
	assert_output "${GREETING}status|0||"
	run -0 pf_request "$S" send_file queue_id ../x
	assert_output "${GREETING}status|3||"
	run pf_triggers "$S"
	assert_output 'I\0'
}

# ---------------------------------------------------------------- refresh, purge

@test "rfrsh: a log read 13 h ago is refreshed (I only), 11 h ago skipped; status 0" {
	pf_queued "$S" OLD1 >/dev/null
	pf_queued "$S" NEW1 >/dev/null
	pf_log "$S" example_com OLD1
	pf_log "$S" example_org NEW1
	pf_age "$S" flush/example_com -a '-13 hours'
	pf_age "$S" flush/example_org -a '-11 hours'
	org=$(pf_times "$S" flush/example_org)
	pf_listen "$S"
	run -0 pf_request "$S" rfrsh
	assert_output "${GREETING}status|0||"
	assert_file_exists "$S/q/incoming/OLD1"
	assert_file_exists "$S/q/deferred/N/NEW1"
	[ "$(stat -c %a "$S/q/incoming/OLD1")" = 700 ]
	[ "$(stat -c %s "$S/q/flush/example_com")" = 0 ]
	[ "$(pf_times "$S" flush/example_org)" = "$org" ]
	pf_times_now "$S" flush/example_com
	pf_whole_seconds "$S" incoming/OLD1
	run pf_triggers "$S"
	assert_output 'I\0'
}

@test "purge: an empty log unchanged for 8 days is removed, 6 days kept; non-empty logs all sent" {
	pf_queued "$S" A1 >/dev/null
	pf_log "$S" example_com A1
	pf_log "$S" old_example
	pf_log "$S" new_example
	pf_age "$S" flush/example_com -a '-5 seconds'
	pf_age "$S" flush/old_example -m '-8 days'
	pf_age "$S" flush/new_example -m '-6 days'
	pf_listen "$S"
	run -0 pf_request "$S" purge
	assert_output "${GREETING}status|0||"
	assert_file_not_exists "$S/q/flush/old_example"
	assert_file_exists "$S/q/flush/new_example"
	assert_file_exists "$S/q/incoming/A1"
	run pf_triggers "$S"
	assert_output 'I\0'
}

@test "rfrsh: the same purge rule for empty logs; W (short path) refreshes as rfrsh" {
	pf_queued "$S" A1 >/dev/null
	pf_log "$S" example_com A1
	pf_log "$S" old_example
	pf_age "$S" flush/example_com -a '-13 hours'
	pf_age "$S" flush/old_example -m '-8 days'
	run -0 pf_flush "$S" 'W\0'
	assert_output "${GREETING}status|0||"
	assert_file_exists "$S/q/incoming/A1"
	assert_file_not_exists "$S/q/flush/old_example"
}

# ---------------------------------------------------------------- malformed

@test "unknown requests (refresh, send, foo) get the greeting only" {
	for r in refresh send foo; do
		run -0 pf_request "$S" "$r"
		assert_output "$GREETING"
	done
	run -0 pf_request "$S" refresh site example.com
	assert_output "$GREETING"
}

@test "malformed lists -> 3: first attribute not request, missing or misordered attributes" {
	run -0 pf_flush "$S" 'site\0example.com\0\0'
	assert_output "${GREETING}status|3||"
	run -0 pf_request "$S" add site example.com
	assert_output "${GREETING}status|3||"
	run -0 pf_request "$S" add queue_id A1 site example.com
	assert_output "${GREETING}status|3||"
	# an extra attribute after the wanted ones is accepted
	run -0 pf_request "$S" add site example.com queue_id A1 foo bar
	assert_output "${GREETING}status|0||"
	# the client closes without a request: 3
	run -0 pf_flush "$S" '' -w
	assert_output "${GREETING}status|3||"
}

@test "short path: W then EOF works; a first write of 2 bytes breaks a request, 3 bytes do not" {
	run -0 pf_flush "$S" 'W' -w
	assert_output "${GREETING}status|0||"
	run -0 pf_flush "$S" 'X\0'
	assert_output "$GREETING"
	run -0 pf_flush "$S" 'request\0add\0site\0example.com\0queue_id\0A1\0\0' -s 2
	assert_output "$GREETING"
	run -0 pf_flush "$S" 'request\0add\0site\0example.com\0queue_id\0A2\0\0' -s 3
	assert_output "${GREETING}status|0||"
	[ "$(cat "$S/q/flush/example_com")" = A2 ]
}

@test "determinism: two clones, the same requests, the same spools" {
	for id in A1 B2 C3; do pf_queued "$S" "$id" >/dev/null; done
	pf_log "$S" example_com A1 B2 GONE
	pf_log "$S" example_org C3
	pf_age "$S" flush/example_org -a '-13 hours'
	C=$(pf_clone "$S" c)
	for T in "$S" "$C"; do
		pf_listen "$T"
		pf_request "$T" add site example.com queue_id C3 >/dev/null
		pf_request "$T" send_site site example.com >/dev/null
		pf_request "$T" rfrsh >/dev/null
	done
	pf_same "$S" "$C"
	pf_same_triggers "$S" "$C" 'F\0
I\0
I\0'
}
