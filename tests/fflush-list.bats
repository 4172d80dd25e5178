#!/usr/bin/env bats
# fflush-list: the table of logfiles and the per-destination view
bats_require_minimum_version 1.5.0

load helpers

setup() { mkspool; }
teardown() { rmspool; }

@test "list: --help, --version and usage errors" {
	run fflush-list --help
	assert_success
	assert_output --partial "usage: fflush-list"
	run fflush-list -V
	assert_success
	run fflush-list --bogus
	assert_failure 64
}

@test "list: an empty spool lists nothing" {
	run fflush-list
	assert_success
	assert_output ""
	run fflush-list --json
	assert_success
	assert_output ""
}

@test "list: one row per logfile with entries, unique, stale, bad and size" {
	queued A1 >/dev/null
	queued B2 700 incoming >/dev/null
	fflush-add example.com A1 A1 B2 GONE1
	printf 'bad line\n' >> "$Q/flush/example_com"
	: > "$Q/flush/example_org"
	run fflush-list
	assert_success
	assert_line --index 0 --regexp '^LOGFILE +ENTRIES +UNIQUE +STALE +BAD +SIZE +MODIFIED +LAST READ$'
	assert_line --index 1 --regexp '^example_com +5 +3 +1 +1 +24 +[0-9-]+ [0-9:]+ +[0-9-]+ [0-9:]+$'
	assert_line --index 2 --regexp '^example_org +0 +0 +0 +0 +0 '
	run fflush-list -q
	assert_line --index 0 --regexp '^example_com '
}

@test "list: --json gives one object per logfile with epoch times" {
	fflush-add example.com A1 B2
	touch -a -d '@1700000000' "$Q/flush/example_com"
	touch -m -d '@1700000100' "$Q/flush/example_com"
	run fflush-list --json
	assert_success
	assert_output '{"log":"example_com","entries":2,"unique":2,"stale":2,"bad":0,"size":6,"mtime":1700000100,"atime":1700000000}'
}

@test "list: looking does not reset the refresh clock (atime)" {
	fflush-add example.com A1
	touch -a -d '-5 hours' "$Q/flush/example_com"
	before=$(atime "$Q/flush/example_com")
	fflush-list >/dev/null
	fflush-list example.com >/dev/null
	[ "$(atime "$Q/flush/example_com")" = "$before" ]
}

@test "list SITE: each queue ID, how often listed, and its queue now" {
	queued A1 >/dev/null
	queued B2 700 incoming >/dev/null
	queued C3 700 active >/dev/null
	queued D4 700 hold >/dev/null
	fflush-add example.com A1 B2 A1 C3 D4 GONE1
	run fflush-list example.com
	assert_success
	assert_line --index 0 "example.com: flush/example_com: 6 entries, 5 unique, 1 stale, 0 bad"
	assert_line --index 1 --regexp '^QUEUE_ID +COUNT +QUEUE$'
	assert_line --index 2 --regexp '^A1 +2 +deferred$'
	assert_line --index 3 --regexp '^B2 +1 +incoming$'
	assert_line --index 4 --regexp '^C3 +1 +active$'
	assert_line --index 5 --regexp '^D4 +1 +hold$'
	assert_line --index 6 --regexp '^GONE1 +1 +gone$'
}

@test "list SITE --json, a logfile name as argument, and IDNA" {
	conf "fast_flush_domains = bücher.example.com"
	fflush-add bücher.example.com A1
	run fflush-list --json BÜCHER.example.com
	assert_success
	assert_output '{"site":"BÜCHER.example.com","log":"xn__bcher_kva_example_com","queue_id":"A1","count":1,"queue":"gone"}'
	run fflush-list -q xn__bcher_kva_example_com
	assert_success
	assert_output --regexp '^A1 +1 +gone$'
}

@test "list SITE: no logfile is exit 1; a bad site is 65" {
	run fflush-list example.org
	assert_failure 1
	assert_output "example.org: no logfile flush/example_org (nothing waiting)"
	run fflush-list --json example.org
	assert_failure 1
	assert_output '{"site":"example.org","log":"example_org","status":"nothing"}'
	run fflush-list 'a/b'
	assert_failure 65
}

@test "list: a symlink in flush/ is skipped with a warning, not followed" {
	fflush-add example.com A1
	echo "X1" > "$T/outside"
	ln -s "$T/outside" "$Q/flush/evil"
	run --separate-stderr fflush-list -v
	assert_success
	refute_output --partial evil
	[[ "$stderr" == *"flush/evil: not a regular file"* ]]
}

@test "list --brief: names, sizes and times without reading any logfile" {
	fflush-add example.com A1 B2
	: > "$Q/flush/example_org"
	chmod 000 "$Q/flush/example_com"
	run fflush-list --brief
	assert_success
	assert_line --index 0 --regexp '^LOGFILE +SIZE +MODIFIED +LAST READ$'
	assert_line --index 1 --regexp '^example_com +6 +[0-9-]+ [0-9:]+ +[0-9-]+ [0-9:]+$'
	assert_line --index 2 --regexp '^example_org +0 '
	run fflush-list -b --json
	assert_line --index 0 --regexp '^\{"log":"example_com","size":6,"mtime":[0-9]+,"atime":[0-9]+\}$'
	run fflush-list --brief example.com
	assert_failure 64
}

@test "list: a log of a million distinct IDs is counted in bounded memory, exactly" {
	slow_test
	sanitized && skip "a memory figure: AddressSanitizer adds its own"
	# 2,000,000 lines, 1,000,000 distinct IDs, none queued
	awk 'BEGIN { for (i = 1; i <= 2000000; i++) printf "%010X\n", (i % 1000000) * 2039 + 1048576 }' \
		> "$Q/flush/example_com"
	run fflush-list
	assert_line --regexp '^example_com +2000000 +1000000 +1000000 +0 '
	local kb
	kb=$(peak_kb fflush-list)
	echo "peak RSS: $kb KiB"
	# every distinct ID held: about 45 MiB; 262,144 held, the rest in runs: about 19 MiB
	[ "$kb" -lt $((32 * 1024)) ]
}
