#!/usr/bin/env bats
# Differential tests: fastflush against the real Postfix 3.7 flush(8).
#
# Each test builds spool A, clones it exactly into B (both owned by postfix),
# gives each its own stand-in queue manager on public/qmgr, does the same
# operation with Postfix's flush on A (one-shot, "flush -S -u", as the master
# would run it) and with our command on B (as root: it switches to the spool
# owner), and then asserts identical spools (pf_snapshot: paths, types,
# modes, owners, sizes, logfile contents; plus every file's atime and mtime
# as "now" or the exact second it had: same), identical qmgr triggers and
# compatible statuses (compat).
#
# Where fastflush is deliberately different (SPEC.md section 6, last item:
# the duplicate filter, [ip] sites, one-letter logfiles), both behaviours are
# asserted explicitly. Needs root and the Debian postfix package; skipped
# otherwise. Helpers: pf.bash.
bats_require_minimum_version 1.5.0

load pf

setup() {
	pf_setup
}

teardown() {
	pf_teardown
}

# two - clone the prepared spool $A to $B (identical copy), then start a
# trigger listener on each
two() {
	B=$(pf_clone "$A" b)
	pf_listen "$A"
	pf_listen "$B"
}

# pf_run S REQUEST [NAME VALUE]... - ask Postfix's flush (pf_request); sets
# PF_OUT (the reply, NUL as "|") and PF_ST (its status); flush must exit 0
pf_run() {
	run pf_request "$@"
	# shellcheck disable=SC2034 # for the test's own messages
	PF_OUT=$output
	PF_ST=$(pf_status "$output")
	[ "$status" = 0 ] || {
		echo "Postfix flush exited $status; reply: $output" >&2
		return 1
	}
}

# ff_run S CMD ARGS... - our command (ff) under run; sets FF_OUT and FF_ST
ff_run() {
	run ff "$@"
	FF_OUT=$output
	FF_ST=$status
}

# same S1 S2 - identical snapshots and times (pf_same_times in pf.bash);
# call it before anything reads the logs (reading may move an atime)
same() { pf_same_times "$1" "$2"; }

# compat - Postfix's status $PF_ST and our exit status $FF_ST mean the same,
# strictly: 0 <-> 0 or 1 (nothing waiting); 4 (DENY) <-> 77, or 65 when we
# call the site invalid (Postfix denies a site whose IDNA conversion or host
# name check fails); 3 (BAD) <-> 65
compat() {
	case $PF_ST:$FF_ST in
	0:0 | 0:1 | 4:77 | 3:65) return 0 ;;
	4:65)
		case $FF_OUT in
		*"to ASCII"* | *"is not a valid host name"* | *"empty destination"*) return 0 ;;
		esac
		;;
	esac
	echo "incompatible: Postfix status '$PF_ST', our exit $FF_ST: $FF_OUT" >&2
	return 1
}

# ---------------------------------------------------------------- add

@test "add: a plain site gets its logfile, as Postfix writes it" {
	A=$(pf_spool a)
	pf_queued "$A" 9FBF11234 >/dev/null
	two
	pf_run "$A" add site example.com queue_id 9FBF11234
	[ "$PF_ST" = 0 ]
	ff_run "$B" fflush-add example.com 9FBF11234
	assert_success
	compat
	same "$A" "$B"
	run cat "$A/q/flush/example_com"
	assert_output 9FBF11234
	[ "$(stat -c '%a %U:%G' "$B/q/flush/example_com")" = "600 postfix:postfix" ]
	# add sends no trigger
	pf_same_triggers "$A" "$B" ''
}

@test "add: the site's case is folded (Example.COM -> example_com)" {
	A=$(pf_spool a)
	two
	pf_run "$A" add site Example.COM queue_id ABC123
	ff_run "$B" fflush-add Example.COM ABC123
	[ "$PF_ST" = 0 ]
	compat
	same "$A" "$B"
	assert_file_exists "$B/q/flush/example_com"
}

@test "add: IDNA site bücher.example.com -> xn__bcher_kva_example_com" {
	A=$(pf_spool a)
	two
	pf_run "$A" add site bücher.example.com queue_id ABC123
	ff_run "$B" fflush-add bücher.example.com ABC123
	[ "$PF_ST" = 0 ]
	compat
	same "$A" "$B"
	assert_file_exists "$A/q/flush/xn__bcher_kva_example_com"
}

@test "add: repeated adds append, one line each, duplicates kept" {
	A=$(pf_spool a)
	two
	for id in A1 B2 A1 C3; do
		pf_run "$A" add site example.com queue_id "$id"
		[ "$PF_ST" = 0 ]
		ff_run "$B" fflush-add example.com "$id"
		compat
	done
	same "$A" "$B"
	run cat "$B/q/flush/example_com"
	assert_output $'A1\nB2\nA1\nC3'
	# one fflush-add with several IDs writes the same
	C=$(pf_clone "$A" c)
	rm "$C/q/flush/example_com"
	ff "$C" fflush-add -q example.com A1 B2 A1 C3
	same "$A" "$C"
}

@test "add: a site not in fast_flush_domains is denied (4 <-> 77), nothing written" {
	A=$(pf_spool a)
	two
	pf_run "$A" add site other.test queue_id ABC123
	[ "$PF_ST" = 4 ]
	ff_run "$B" fflush-add other.test ABC123
	assert_failure 77
	compat
	same "$A" "$B"
	[ -z "$(ls "$A/q/flush")" ]
}

@test "add: a bad queue ID (../x) is refused (3 <-> 65), nothing written" {
	A=$(pf_spool a)
	two
	pf_run "$A" add site example.com queue_id ../x
	[ "$PF_ST" = 3 ]
	ff_run "$B" fflush-add example.com ../x
	assert_failure 65
	compat
	same "$A" "$B"
	[ -z "$(ls "$A/q/flush")" ]
}

@test "add: a site whose IDNA conversion fails is refused (4 <-> 65 invalid site)" {
	A=$(pf_spool a)
	two
	long=$(printf 'a%.0s' {1..64}).example.com	# a 64-octet label
	pf_run "$A" add site "$long" queue_id ABC123
	[ "$PF_ST" = 4 ]
	ff_run "$B" fflush-add "$long" ABC123
	assert_failure 65
	assert_output --partial "to ASCII"
	compat
	same "$A" "$B"
	[ -z "$(ls "$A/q/flush")" ]
}

@test "add: queue IDs of 255 characters are fine, 256 are refused" {
	A=$(pf_spool a)
	two
	id255=$(printf 'A%.0s' {1..255})
	pf_run "$A" add site example.com queue_id "$id255"
	[ "$PF_ST" = 0 ]
	ff_run "$B" fflush-add example.com "$id255"
	compat
	pf_run "$A" add site example.com queue_id "${id255}B"
	[ "$PF_ST" = 3 ]
	ff_run "$B" fflush-add example.com "${id255}B"
	compat
	same "$A" "$B"
}

@test "add: the one-letter site x gets the one-letter logfile flush/x" {
	A=$(pf_spool a)
	two
	pf_run "$A" add site x queue_id ABC123
	[ "$PF_ST" = 0 ]
	ff_run "$B" fflush-add x ABC123
	compat
	same "$A" "$B"
	assert_file_exists "$A/q/flush/x"
}

@test "add: [ip] literal sites: Postfix denies them even when listed, we serve them (deliberate)" {
	A=$(pf_spool a)
	two
	pf_run "$A" add site '[192.0.2.1]' queue_id ABC123
	# Postfix 3.7: IDNA conversion of the literal fails -> DENY, no log
	[ "$PF_ST" = 4 ]
	[ -z "$(ls "$A/q/flush")" ]
	# fastflush (SPEC 6): a listed literal is served
	ff_run "$B" fflush-add '[192.0.2.1]' ABC123
	assert_success
	run cat "$B/q/flush/_192_0_2_1_"
	assert_output ABC123
	# and both deny it when it is not listed
	# shellcheck disable=SC2034 # read by pf_request and ff (pf.bash)
	PF_DOMAINS=example.com
	pf_run "$A" add site '[192.0.2.1]' queue_id ABC123
	[ "$PF_ST" = 4 ]
	ff_run "$B" fflush-add '[192.0.2.1]' ABC123
	assert_failure 77
	compat
}

@test "add, send_site: sites without a valid ASCII form: Postfix denies (4), we call them invalid (65)" {
	A=$(pf_spool a)
	two
	for site in 'a b.example.com' 'example.com.' '.example.com' 'a..example.com' \
		'-a.example.com' 'a-.example.com' 'ab--cd.example.com' 'xn--zz.example.com' \
		"$(printf '\377').example.com" 'a/b.example.com' 'ex%ample.com' ''; do
		pf_run "$A" add site "$site" queue_id ABC123
		[ "$PF_ST" = 4 ] || { echo "add '$site': Postfix $PF_ST" >&2; false; }
		ff_run "$B" fflush-add -- "$site" ABC123
		compat
		pf_run "$A" send_site site "$site"
		[ "$PF_ST" = 4 ] || { echo "send_site '$site': Postfix $PF_ST" >&2; false; }
		ff_run "$B" fflush-send -- "$site"
		compat
	done
	same "$A" "$B"
	[ -z "$(ls "$A/q/flush")" ]
	pf_same_triggers "$A" "$B" ''
}

@test "add: UTS #46 mappings (fullwidth, compatibility, case, final sigma) give Postfix's logfile names" {
	A=$(pf_spool a)
	two
	for site in 'BÜCHER.example.com' 'ｅｘａｍｐｌｅ.example.com' '℡.example.com' \
		'ⓐ.example.com' 'ς.example.com' 'faß.example.com' 'ſ.example.com' \
		'İ.example.com' 'αβγ.example.com' 'xn--bcher-kva.example.com' 'a_b.example.com'; do
		pf_run "$A" add site "$site" queue_id ABC123
		[ "$PF_ST" = 0 ] || { echo "add '$site': Postfix $PF_ST" >&2; false; }
		ff_run "$B" fflush-add "$site" ABC123
		[ "$FF_ST" = 0 ] || { echo "add '$site': ours $FF_ST: $FF_OUT" >&2; false; }
	done
	same "$A" "$B"
	assert_file_exists "$B/q/flush/tel_example_com"
	assert_file_exists "$B/q/flush/xn__fa_hia_example_com"
	assert_file_exists "$B/q/flush/xn__3xa_example_com"
}

@test "add: symbols, emoji, ZWJ and Arabic-Indic digits: Postfix (ICU UTS #46) accepts them" {
	skip "known difference: ICU UTS #46 as Postfix calls it maps these to punycode (♥ -> xn--g6h, ½ -> xn--12-c6t, a<ZWJ>b -> xn--ab-m1t, ١٢ -> xn--9hbc) and Postfix writes the logfile (status 0); libidn2 applies IDNA2008 (DISALLOWED symbols, CONTEXTJ, Bidi) and fflush-add exits 65 'cannot convert ... to ASCII'"
	A=$(pf_spool a)
	two
	for site in '♥.example.com' '⌘.example.com' '😀.example.com' '½.example.com' \
		$'a\u200db.example.com' '١٢.example.com'; do
		pf_run "$A" add site "$site" queue_id ABC123
		[ "$PF_ST" = 0 ]
		ff_run "$B" fflush-add "$site" ABC123
		compat
	done
	same "$A" "$B"
}

# ---------------------------------------------------------------- send_site

@test "send_site: deferred mail moves to incoming, log truncated, F then I" {
	A=$(pf_spool a)
	pf_queued "$A" 9FBF11234 >/dev/null
	pf_queued "$A" ABCDEF >/dev/null
	pf_queued "$A" OTHER1 >/dev/null	# not listed: stays
	pf_log "$A" example_com 9FBF11234 ABCDEF
	two
	pf_age "$A" flush/example_com -a '-3 days'
	pf_age "$B" flush/example_com -a '-3 days'
	pf_run "$A" send_site site example.com
	[ "$PF_ST" = 0 ]
	ff_run "$B" fflush-send example.com
	assert_success
	compat
	same "$A" "$B"
	pf_same_triggers "$A" "$B" 'F\0
I\0'
	for S in "$A" "$B"; do
		[ "$(stat -c %s "$S/q/flush/example_com")" = 0 ]
		pf_times_now "$S" flush/example_com
		for id in 9FBF11234 ABCDEF; do
			[ "$(stat -c '%a %U' "$S/q/incoming/$id")" = "700 postfix" ]
			pf_times_now "$S" "incoming/$id"
			pf_whole_seconds "$S" "incoming/$id"
		done
		# not listed: still deferred with its future retry time
		[ "$(pf_mtime "$S" deferred/O/OTHER1)" -gt "$(($(date +%s) + 3600))" ]
	done
}

@test "send_site: a mixture of deferred, already incoming and gone IDs" {
	A=$(pf_spool a)
	pf_queued "$A" A1 >/dev/null
	pf_queued "$A" B2 700 incoming >/dev/null
	pf_queued "$A" D4 >/dev/null
	pf_log "$A" example_com A1 B2 C3 D4
	two
	pf_run "$A" send_site site example.com
	ff_run "$B" fflush-send example.com
	assert_success
	assert_output "example.com: moved 2, already incoming 1, gone 1"
	compat
	same "$A" "$B"
	pf_same_triggers "$A" "$B" 'F\0
I\0'
	for S in "$A" "$B"; do
		# already incoming: only touched
		pf_times_now "$S" incoming/B2
		pf_whole_seconds "$S" incoming/B2
	done
}

@test "send_site: no logfile: nothing happens, no trigger (0 <-> 1 nothing waiting)" {
	A=$(pf_spool a)
	pf_queued "$A" A1 >/dev/null
	two
	pf_run "$A" send_site site example.com
	[ "$PF_ST" = 0 ]
	ff_run "$B" fflush-send example.com
	assert_failure 1
	compat
	same "$A" "$B"
	pf_same_triggers "$A" "$B" ''
}

@test "send_site: a log with only gone IDs is truncated and I is still sent" {
	A=$(pf_spool a)
	pf_log "$A" example_com GONE1 GONE2
	two
	pf_run "$A" send_site site example.com
	[ "$PF_ST" = 0 ]
	ff_run "$B" fflush-send example.com
	assert_failure 1
	compat
	same "$A" "$B"
	[ "$(stat -c %s "$B/q/flush/example_com")" = 0 ]
	pf_same_triggers "$A" "$B" 'F\0
I\0'
}

@test "send_site: an empty log: F only, times set to now" {
	A=$(pf_spool a)
	pf_log "$A" example_com
	two
	pf_age "$A" flush/example_com -m '-3 days'
	pf_age "$B" flush/example_com -m '-3 days'
	pf_run "$A" send_site site example.com
	[ "$PF_ST" = 0 ]
	ff_run "$B" fflush-send example.com
	compat
	same "$A" "$B"
	pf_same_triggers "$A" "$B" 'F\0'
	pf_times_now "$A" flush/example_com
	pf_times_now "$B" flush/example_com
}

@test "send_site: 0600 queue files are moved too and keep their mode" {
	A=$(pf_spool a)
	pf_queued "$A" A1 600 >/dev/null
	pf_queued "$A" B2 700 >/dev/null
	pf_log "$A" example_com A1 B2
	two
	pf_run "$A" send_site site example.com
	ff_run "$B" fflush-send example.com
	compat
	same "$A" "$B"
	[ "$(stat -c %a "$B/q/incoming/A1")" = 600 ]
	[ "$(stat -c %a "$B/q/incoming/B2")" = 700 ]
	pf_same_triggers "$A" "$B" 'F\0
I\0'
}

@test "send_site: denied site (4 <-> 77) and bad site, nothing touched" {
	A=$(pf_spool a)
	pf_queued "$A" A1 >/dev/null
	pf_log "$A" other_test A1
	two
	pf_run "$A" send_site site other.test
	[ "$PF_ST" = 4 ]
	ff_run "$B" fflush-send other.test
	assert_failure 77
	compat
	same "$A" "$B"
	pf_same_triggers "$A" "$B" ''
}

@test "send_site: case and IDNA map to the same logfile as add" {
	A=$(pf_spool a)
	pf_queued "$A" A1 >/dev/null
	pf_queued "$A" B2 >/dev/null
	pf_log "$A" example_com A1
	pf_log "$A" xn__bcher_kva_example_com B2
	two
	pf_run "$A" send_site site EXAMPLE.Com
	ff_run "$B" fflush-send EXAMPLE.Com
	compat
	pf_run "$A" send_site site bücher.example.com
	ff_run "$B" fflush-send bücher.example.com
	assert_success
	compat
	same "$A" "$B"
	assert_file_exists "$A/q/incoming/A1"
	assert_file_exists "$A/q/incoming/B2"
	pf_same_triggers "$A" "$B" 'F\0
I\0
F\0
I\0'
}

@test "send_site: duplicates: Postfix 3.7.11 handles them again, we once; same end state (deliberate)" {
	A=$(pf_spool a)
	pf_queued "$A" A1 >/dev/null
	pf_queued "$A" B2 >/dev/null
	pf_log "$A" example_com A1 A1 B2 A1
	two
	pf_run "$A" send_site site example.com
	ff_run "$B" fflush-send --json example.com
	assert_success
	# ours: the filter works (Postfix's is a no-op: the 2nd and 3rd A1 are
	# found in incoming and touched again); the result on disk is the same
	assert_output --partial '"moved":2,"incoming":0,"gone":0,"duplicates":2'
	compat
	same "$A" "$B"
	pf_same_triggers "$A" "$B" 'F\0
I\0'
}

@test "send_site: public/qmgr as a FIFO gets F and I without NUL" {
	A=$(pf_spool a)
	pf_queued "$A" A1 >/dev/null
	pf_log "$A" example_com A1
	B=$(pf_clone "$A" b)
	pf_listen "$A" -f
	pf_listen "$B" -f
	pf_run "$A" send_site site example.com
	ff_run "$B" fflush-send example.com
	assert_success
	compat
	same "$A" "$B"
	# one line per read(): how the bytes are split between reads may vary
	[ "$(pf_triggers "$A" | tr -d '\n')" = FI ]
	[ "$(pf_triggers "$B" | tr -d '\n')" = FI ]
}

# ---------------------------------------------------------------- send_file

@test "send_file: a 0700 message moves with mode 0740 and one I" {
	A=$(pf_spool a)
	pf_queued "$A" 9FBF11234 >/dev/null
	two
	pf_run "$A" send_file queue_id 9FBF11234
	[ "$PF_ST" = 0 ]
	ff_run "$B" fflush-send -i 9FBF11234
	assert_success
	compat
	same "$A" "$B"
	[ "$(stat -c '%a %U' "$B/q/incoming/9FBF11234")" = "740 postfix" ]
	pf_same_triggers "$A" "$B" 'I\0'
	for S in "$A" "$B"; do
		pf_times_now "$S" incoming/9FBF11234
		pf_whole_seconds "$S" incoming/9FBF11234
	done
}

@test "send_file: a 0600 message is not moved and no trigger is sent (0 <-> 1)" {
	A=$(pf_spool a)
	pf_queued "$A" 9FBF11234 600 >/dev/null
	two
	pf_run "$A" send_file queue_id 9FBF11234
	[ "$PF_ST" = 0 ]
	ff_run "$B" fflush-send -i 9FBF11234
	assert_failure 1
	compat
	same "$A" "$B"
	[ "$(stat -c %a "$B/q/deferred/9/9FBF11234")" = 600 ]
	pf_same_triggers "$A" "$B" ''
}

@test "send_file: already in incoming: chmod 0740 and I" {
	A=$(pf_spool a)
	pf_queued "$A" 9FBF11234 700 incoming >/dev/null
	two
	pf_run "$A" send_file queue_id 9FBF11234
	[ "$PF_ST" = 0 ]
	ff_run "$B" fflush-send -i 9FBF11234
	assert_success
	compat
	same "$A" "$B"
	[ "$(stat -c %a "$A/q/incoming/9FBF11234")" = 740 ]
	pf_same_triggers "$A" "$B" 'I\0'
	pf_times_now "$A" incoming/9FBF11234
	pf_times_now "$B" incoming/9FBF11234
}

@test "send_file: a gone message (0 <-> 1) and a bad queue ID (3 <-> 65)" {
	A=$(pf_spool a)
	two
	pf_run "$A" send_file queue_id GONE1
	[ "$PF_ST" = 0 ]
	ff_run "$B" fflush-send -i GONE1
	assert_failure 1
	compat
	pf_run "$A" send_file queue_id ../x
	[ "$PF_ST" = 3 ]
	ff_run "$B" fflush-send -i ../x
	assert_failure 65
	compat
	same "$A" "$B"
	pf_same_triggers "$A" "$B" ''
}

# ---------------------------------------------------------------- hashing

@test "hashing: hash_queue_depth=2, hash_queue_names=deferred,incoming (send_site)" {
	A=$(pf_spool a)
	pf_conf "$A" 'hash_queue_depth = 2' 'hash_queue_names = deferred, incoming'
	rel=$(pf_queued "$A" 9FBF11234 700 deferred 2)
	[ "$rel" = deferred/9/F/9FBF11234 ]
	pf_queued "$A" 5A0001 700 deferred 2 >/dev/null
	pf_log "$A" example_com 9FBF11234 5A0001
	two
	pf_run "$A" send_site site example.com
	ff_run "$B" fflush-send example.com
	assert_success
	compat
	same "$A" "$B"
	assert_file_exists "$A/q/incoming/9/F/9FBF11234"
	assert_file_exists "$A/q/incoming/5/A/5A0001"
	[ "$(stat -c '%a %U' "$B/q/incoming/9" "$B/q/incoming/9/F")" = $'700 postfix\n700 postfix' ]
	pf_same_triggers "$A" "$B" 'F\0
I\0'
}

@test "hashing: hash_queue_depth=2, hashed incoming (send_file)" {
	A=$(pf_spool a)
	pf_conf "$A" 'hash_queue_depth = 2' 'hash_queue_names = deferred, incoming'
	pf_queued "$A" 9FBF11234 700 deferred 2 >/dev/null
	two
	pf_run "$A" send_file queue_id 9FBF11234
	ff_run "$B" fflush-send -i 9FBF11234
	assert_success
	compat
	same "$A" "$B"
	[ "$(stat -c %a "$A/q/incoming/9/F/9FBF11234")" = 740 ]
	pf_same_triggers "$A" "$B" 'I\0'
}

@test "hashing: long queue IDs hash on their microseconds field" {
	A=$(pf_spool a)
	[ "$(pf_queued "$A" 4SVLCh4dz5z4k3)" = deferred/9/4SVLCh4dz5z4k3 ]
	[ "$(pf_queued "$A" ABCDEFGHIJz123)" = deferred/0/ABCDEFGHIJz123 ]
	pf_queued "$A" 4SVLCh4dz5z4k4 >/dev/null
	# our library's hashing (qpath) agrees with pf.bash's own computation
	for id in 4SVLCh4dz5z4k3 ABCDEFGHIJz123 9FBF11234 4SVLCh4dz5z4k4 B; do
		for d in 1 2 3; do
			[ "$(qpath -d "$d" deferred "$id")" = "$(pf_qpath deferred "$id" "$d")" ]
		done
	done
	two
	for id in 4SVLCh4dz5z4k3 ABCDEFGHIJz123; do
		pf_run "$A" add site example.com queue_id "$id"
		ff_run "$B" fflush-add example.com "$id"
		compat
	done
	same "$A" "$B"
	pf_run "$A" send_site site example.com
	ff_run "$B" fflush-send example.com
	assert_success
	assert_output "example.com: moved 2, already incoming 0, gone 0"
	compat
	pf_run "$A" send_file queue_id 4SVLCh4dz5z4k4
	ff_run "$B" fflush-send -i 4SVLCh4dz5z4k4
	assert_success
	compat
	same "$A" "$B"
	assert_file_exists "$A/q/incoming/4SVLCh4dz5z4k3"
	assert_file_exists "$A/q/incoming/4SVLCh4dz5z4k4"
	pf_same_triggers "$A" "$B" 'F\0
I\0
I\0'
}

# ---------------------------------------------------------------- refresh

# ages SPOOL - the refresh fixture's times (set right before the run: reading
# a logfile may update its atime)
refresh_ages() {
	pf_age "$1" flush/example_com -a '-13 hours'
	pf_age "$1" flush/example_org -a '-11 hours'
	pf_age "$1" flush/old_example -m '-8 days'
	pf_age "$1" flush/new_example -m '-6 days'
}

@test "refresh: rfrsh vs fflush-refresh: 13h refreshed (I only), 11h kept, 8-day empty log deleted, 6-day kept" {
	A=$(pf_spool a)
	pf_queued "$A" OLD1 >/dev/null
	pf_queued "$A" NEW1 >/dev/null
	pf_log "$A" example_com OLD1 GONE1
	pf_log "$A" example_org NEW1
	pf_log "$A" old_example
	pf_log "$A" new_example
	two
	refresh_ages "$A"
	refresh_ages "$B"
	org_atime=$(pf_atime "$A" flush/example_org)
	pf_run "$A" rfrsh
	[ "$PF_ST" = 0 ]
	ff_run "$B" fflush-refresh
	assert_success
	compat
	same "$A" "$B"
	assert_file_exists "$A/q/incoming/OLD1"
	assert_file_exists "$A/q/deferred/N/NEW1"
	assert_file_not_exists "$A/q/flush/old_example"
	assert_file_exists "$A/q/flush/new_example"
	pf_same_triggers "$A" "$B" 'I\0'
	for S in "$A" "$B"; do
		pf_times_now "$S" flush/example_com
		pf_times_now "$S" incoming/OLD1
		pf_whole_seconds "$S" incoming/OLD1
		# refresh does not chmod
		[ "$(stat -c %a "$S/q/incoming/OLD1")" = 700 ]
	done
	# the skipped log was not read by either
	[ "$(pf_atime "$A" flush/example_org)" = "$org_atime" ]
	[ "$(pf_atime "$B" flush/example_org)" = "$org_atime" ]
}

@test "refresh: the master's wake-up W (short path) does what rfrsh does" {
	A=$(pf_spool a)
	pf_queued "$A" OLD1 >/dev/null
	pf_log "$A" example_com OLD1
	two
	pf_age "$A" flush/example_com -a '-13 hours'
	pf_age "$B" flush/example_com -a '-13 hours'
	run pf_flush "$A" 'W\0'
	assert_success
	[ "$(pf_status "$output")" = 0 ]
	ff_run "$B" fflush-refresh
	assert_success
	same "$A" "$B"
	pf_same_triggers "$A" "$B" 'I\0'
}

@test "purge: purge vs fflush-refresh --purge: every non-empty log, empty 8-day log deleted" {
	A=$(pf_spool a)
	pf_queued "$A" A1 >/dev/null
	pf_queued "$A" B2 >/dev/null
	pf_log "$A" example_com A1
	pf_log "$A" example_org B2
	pf_log "$A" old_example
	pf_log "$A" new_example
	two
	for S in "$A" "$B"; do
		pf_age "$S" flush/example_com -a '-5 seconds'
		pf_age "$S" flush/example_org -a '-3 seconds'
		pf_age "$S" flush/old_example -m '-8 days'
		pf_age "$S" flush/new_example -m '-6 days'
	done
	pf_run "$A" purge
	[ "$PF_ST" = 0 ]
	ff_run "$B" fflush-refresh --purge
	assert_success
	compat
	same "$A" "$B"
	assert_file_exists "$A/q/incoming/A1"
	assert_file_exists "$A/q/incoming/B2"
	assert_file_not_exists "$A/q/flush/old_example"
	# one I per refreshed log (the order of logs does not show: all are I)
	pf_same_triggers "$A" "$B" 'I\0
I\0'
}

@test "refresh: a one-letter logfile kills Postfix's scan, ours refreshes it (deliberate)" {
	A=$(pf_spool a)
	pf_queued "$A" A1 >/dev/null
	pf_log "$A" x A1
	two
	pf_age "$A" flush/x -a '-13 hours'
	pf_age "$B" flush/x -a '-13 hours'
	# Postfix answers 0 first, then dies in the scan: "scan_dir_push: open
	# directory flush/x: Not a directory"; flush/x is left as it was
	run pf_request "$A" rfrsh
	[ "$(pf_status "$output")" = 0 ]
	[ "$status" != 0 ]
	assert_file_exists "$A/q/deferred/A/A1"
	run cat "$A/q/flush/x"
	assert_output A1
	pf_same_triggers "$A" "$A" ''
	# fastflush (SPEC 6): the one-letter log is refreshed like any other
	ff_run "$B" fflush-refresh
	assert_success
	assert_file_exists "$B/q/incoming/A1"
	[ "$(stat -c %s "$B/q/flush/x")" = 0 ]
	pf_same_triggers "$B" "$B" 'I\0'
}

# ---------------------------------------------------------------- interchange

@test "interchange: a log written by Postfix's add is sent by fflush-send and vice versa" {
	A=$(pf_spool a)
	for id in A1 B2 C3; do pf_queued "$A" "$id" >/dev/null; done
	pf_queued "$A" D4 700 incoming >/dev/null
	B=$(pf_clone "$A" b)
	C=$(pf_clone "$A" c)
	pf_listen "$A"
	pf_listen "$B"
	pf_listen "$C"
	# A: Postfix adds and sends; B: Postfix adds, we send; C: we add, Postfix sends
	for id in A1 B2 D4 GONE1 A1; do
		pf_run "$A" add site example.com queue_id "$id"
		pf_run "$B" add site example.com queue_id "$id"
	done
	ff "$C" fflush-add example.com A1 B2 D4 GONE1 A1
	same "$A" "$B"
	same "$A" "$C"
	pf_run "$A" send_site site example.com
	ff_run "$B" fflush-send example.com
	assert_success
	compat
	pf_run "$C" send_site site example.com
	[ "$PF_ST" = 0 ]
	same "$A" "$B"
	same "$A" "$C"
	assert_file_exists "$C/q/incoming/B2"
	pf_same_triggers "$A" "$B" 'F\0
I\0'
	pf_same_triggers "$A" "$C" 'F\0
I\0'
	# and the logs, emptied by one, are appended to by the other
	pf_run "$B" add site example.com queue_id C3
	ff "$C" fflush-add example.com C3
	same "$B" "$C"
}

# ---------------------------------------------------------------- harness

# split_add S N ID - an add request written as N bytes, a pause, the rest
split_add() {
	pf_req request add site example.com queue_id "$3" | pf_flush_raw "$1" -s "$2" | pf_show
}

@test "harness: sockpair-run reproduces Postfix's wire facts (split writes, EOF, unknown requests)" {
	A=$(pf_spool a)
	# one write: served
	run pf_request "$A" add site example.com queue_id S0
	assert_output 'protocol|queue_flush_protocol||status|0||'
	# POSTFIX-FACTS 2.5: a first chunk of 2 bytes is read as a short request
	# ("request", unknown: no status); 3 bytes or more is fine
	run split_add "$A" 2 S2
	assert_output 'protocol|queue_flush_protocol||'
	run split_add "$A" 3 S3
	assert_output 'protocol|queue_flush_protocol||status|0||'
	run cat "$A/q/flush/example_com"
	assert_output $'S0\nS3'
	# "W" then EOF (-w) is the wake-up; an empty connection closed is BAD
	run pf_flush "$A" 'W' -w
	assert_output 'protocol|queue_flush_protocol||status|0||'
	run pf_flush "$A" '' -w
	assert_output 'protocol|queue_flush_protocol||status|3||'
	# "refresh" is not a request (it is spelled rfrsh): greeting only
	run pf_request "$A" refresh
	assert_success
	assert_output 'protocol|queue_flush_protocol||'
	# no request and no EOF: the time-out kills flush (124)
	run pf_flush "$A" '' -t 1
	assert_failure 124
}
