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

# qf ID [mkqf option...] -- RCPT... - a deferred queue file written by
# tests/tools/mkqf where Postfix keeps it (hashed, depth $QF_DEPTH, default
# 1; 0: at the top of deferred/); prints its path
qf() {
	local id=$1 rel
	local -a opts=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	rel=deferred/$id
	[ "${QF_DEPTH:-1}" = 0 ] || rel=$(qpath -d "${QF_DEPTH:-1}" deferred "$id")
	mkdir -p "$(dirname "$Q/$rel")"
	mkqf "${opts[@]}" "$Q/$rel" "$@" >&2 || return 1
	echo "$Q/$rel"
}

# qsize FILE - the message size of a queue file (the C record's first field)
qsize() {
	dd if="$1" bs=1 skip=2 count=15 2>/dev/null | tr -d ' '
}

@test "list --queue: messages, recipients and bytes per destination; delivered recipients not counted" {
	local now a b
	now=$(date +%s)
	a=$(qf A1B2C3 -t $((now - 3600)) -b 2000 -- u1@example.com U2@Example.COM u3@example.org)
	b=$(qf B2C3D4 -t $((now - 120)) -d done@example.org -d done2@example.org -- u4@example.com)
	qf C3D4E5 -d gone@example.com -d gone@example.org -- >/dev/null
	run fflush-list --queue
	assert_success
	assert_line --index 0 --regexp '^DESTINATION +MESSAGES +RECIPIENTS +BYTES +OLDEST +NEWEST +LOGFILE +MISSING +STALE$'
	assert_line --index 1 --regexp "^example\.com +2 +3 +$(($(qsize "$a") + $(qsize "$b"))) +1h00m +2m +example_com \(no file\) +2 +0$"
	assert_line --index 2 --regexp "^example\.org +1 +1 +$(qsize "$a") +1h00m +1h00m +example_org \(no file\) +1 +0$"
	[ "${#lines[@]}" -eq 3 ]
	# the same through the library's JSON: one object per destination
	run fflush-list --queue --json
	assert_success
	assert_line --index 0 "{\"queue_name\":\"deferred\",\"destination\":\"example.com\",\"log\":\"example_com\",\"messages\":2,\"recipients\":3,\"message_size\":$(($(qsize "$a") + $(qsize "$b"))),\"oldest_arrival_time\":$((now - 3600)),\"newest_arrival_time\":$((now - 120)),\"missing\":2,\"stale\":0}"
}

@test "list --queue: a destination not in fast_flush_domains is shown, lower-cased, without log columns" {
	qf A1B2C3 -- a@Other.NET b@other.net c@example.com >/dev/null
	qf B2C3D4 -- local-user >/dev/null
	run fflush-list --queue
	assert_success
	assert_line --regexp '^other\.net +1 +2 +[0-9]+ +[0-9smhd]+ +[0-9smhd]+ +no fast flush +- +-$'
	assert_line --regexp '^\(no domain\) +1 +1 .* no fast flush +- +-$'
	assert_line --regexp '^example\.com +1 +1 .* example_com \(no file\) +1 +0$'
	run fflush-list --queue --json other.net
	assert_success
	assert_output --regexp '^\{"queue_name":"deferred","destination":"other.net","log":null,"messages":1,"recipients":2,.*"missing":null,"stale":null\}$'
}

@test "list --queue: missing and stale IDs against the logfile" {
	queued GONE2 700 incoming >/dev/null
	qf A1B2C3 -- a@example.com >/dev/null
	qf B2C3D4 -- b@example.com >/dev/null
	qf C3D4E5 -- c@example.com >/dev/null
	qf D4E5F6 -- d@example.org >/dev/null
	# listed: A1B2C3 (twice), the org message (deferred, but not for this log),
	# an ID in incoming/ (not stale), two that are gone (stale)
	fflush-add example.com A1B2C3 A1B2C3 D4E5F6 GONE2 STALE1 STALE2
	run fflush-list -q --queue
	assert_success
	assert_line --index 0 --regexp '^example\.com +3 +3 .* example_com +2 +2$'
	assert_line --index 1 --regexp '^example\.org +1 +1 .* example_org \(no file\) +1 +0$'
	run fflush-list --queue --ids example.com
	assert_success
	assert_line --index 0 "example.com: flush/example_com: 3 messages, 3 recipients, 2 missing, 2 stale"
	assert_line --index 1 --regexp '^QUEUE_ID +AGE +SIZE +LOGGED +RECIPIENTS$'
	assert_line --regexp '^A1B2C3 +[0-9smhd]+ +[0-9]+ +yes +a@example\.com$'
	assert_line --regexp '^B2C3D4 +[0-9smhd]+ +[0-9]+ +no +b@example\.com$'
	# a rebuild makes the log list exactly the deferred mail
	fflush-add -q --rebuild
	run fflush-list -q --queue example.com
	assert_output --regexp '^example\.com +3 +3 .* example_com +0 +0$'
}

@test "list --queue --ages: messages per qshape age bucket" {
	local now
	now=$(date +%s)
	# 0 min, 7 min, 30 min, 3 h, 2 days: buckets 5, 10, 40, 320, 1280+
	qf A00001 -t "$now" -- a@example.com >/dev/null
	qf A00002 -t $((now - 420)) -- a@example.com b@example.com >/dev/null
	qf A00003 -t $((now - 1800)) -- a@example.com >/dev/null
	qf A00004 -t $((now - 10800)) -- a@example.com >/dev/null
	qf A00005 -t $((now - 172800)) -- a@example.com >/dev/null
	run fflush-list --queue --ages
	assert_success
	assert_line --index 0 --regexp ' STALE +5 +10 +20 +40 +80 +160 +320 +640 +1280 +1280\+$'
	assert_line --index 1 --regexp '^example\.com +5 +6 +[0-9]+ +2d00h +[0-9]+s .* +1 +1 +0 +1 +0 +0 +1 +0 +0 +1$'
	run fflush-list --queue --ages --json
	assert_success
	[ "$(jq -c .ages <<<"$output")" = '{"5":1,"10":1,"20":0,"40":1,"80":0,"160":0,"320":1,"640":0,"1280":0,"1280+":1}' ]
	run fflush-list --ages
	assert_failure 64
}

@test "list --queue --json: parses with jq, keys as postqueue -j; --ids lists the messages" {
	command -v jq >/dev/null || skip "jq is not installed"
	local now a
	now=$(date +%s)
	a=$(qf A1B2C3 -t $((now - 60)) -b 500 -- x@example.com y@example.org z@example.com)
	qf B2C3D4 -t $((now - 30)) -- w@example.org >/dev/null
	fflush-add example.com A1B2C3
	run fflush-list --queue --json
	assert_success
	run jq -s -c 'map({destination, messages, recipients, log, missing, stale, q: .queue_name})' <<<"$output"
	assert_success
	assert_output '[{"destination":"example.org","messages":2,"recipients":2,"log":"example_org","missing":2,"stale":0,"q":"deferred"},{"destination":"example.com","messages":1,"recipients":2,"log":"example_com","missing":0,"stale":0,"q":"deferred"}]'
	run fflush-list --queue --json --ids example.com
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	run jq -c . <<<"$output"
	assert_output "{\"queue_name\":\"deferred\",\"queue_id\":\"A1B2C3\",\"arrival_time\":$((now - 60)),\"message_size\":$(qsize "$a"),\"logged\":true,\"recipients\":[{\"address\":\"x@example.com\"},{\"address\":\"z@example.com\"}]}"
	# --ids wants exactly one site
	run fflush-list --queue --ids
	assert_failure 64
	run fflush-list --queue --ids example.com example.org
	assert_failure 64
}

@test "list --queue: files at the top and in hashed deferred directories of any depth" {
	QF_DEPTH=0 qf A1B2C3 -- a@example.com >/dev/null
	QF_DEPTH=1 qf B2C3D4 -- b@example.com >/dev/null
	QF_DEPTH=2 qf C3D4E5 -- c@example.com >/dev/null
	[ -f "$Q/deferred/A1B2C3" ] && [ -f "$Q/deferred/C/3/C3D4E5" ]
	run fflush-list -q --queue
	assert_success
	assert_output --regexp '^example\.com +3 +3 '
}

@test "list --queue: a hostile or incomplete queue file is skipped with a warning and counted" {
	local f
	qf A1B2C3 -- a@example.com >/dev/null
	f=$(qf B2C3D4 -- b@example.com)
	# a record length that runs past the end of the file
	printf 'R\377\377\377\177x' > "$f"
	chmod 700 "$f"
	# still being written (mode 0600 -- b@example.com), and a symlink out of the spool
	f=$(qf C3D4E5 -- c@example.com)
	chmod 600 "$f"
	ln -s /etc/passwd "$Q/deferred/D/D4E5F6" 2>/dev/null || { mkdir -p "$Q/deferred/D"; ln -s /etc/passwd "$Q/deferred/D/D4E5F6"; }
	run --separate-stderr fflush-list -v --queue
	assert_success
	assert_line --index 1 --regexp '^example\.com +1 +1 '
	assert_line --index 2 "skipped: 3 queue files and 0 directories that could not be read"
	[[ "$stderr" == *"deferred/B2C3D4"*"skipped"* ]]
	[[ "$stderr" == *"deferred/C3D4E5: mode 0600"* ]]
	run --separate-stderr fflush-list --queue --json
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	[[ "$stderr" == *"skipped: 3 queue files"* ]]
	# a recipient's domain puts no terminal escape on the screen
	qf E5F6A7 -- "x@evil$(printf '\033')[2J.example" >/dev/null
	run fflush-list -q --queue
	assert_line --regexp '^evil\\033\[2j\.example +1 +1 .* no fast flush'
	refute_output --partial "$(printf '\033')"
}

@test "list --queue SITE: only those destinations; one with nothing deferred is exit 1" {
	qf A1B2C3 -- a@example.com b@example.org >/dev/null
	qf B2C3D4 -- c@Bücher.example.com >/dev/null
	run fflush-list -q --queue EXAMPLE.org
	assert_success
	assert_output --regexp '^example\.org +1 +1 '
	# a logfile name picks its destination too; IDNA names are canonical
	# (and subdomains of example.com are in fast_flush_domains)
	run fflush-list -q --queue example_com xn--bcher-kva.example.com
	assert_success
	assert_line --index 0 --regexp '^example\.com +1 +1 '
	assert_line --index 1 --regexp '^xn--bcher-kva\.example\.com +1 +1 .* xn__bcher_kva_example_com \(no file\) +1 +0$'
	[ "${#lines[@]}" -eq 2 ]
	run fflush-list -q --queue example.net
	assert_failure 1
	assert_output --regexp '^example\.net +0 +0 +0 +- +- +no fast flush +- +-$'
	conf "fast_flush_domains = example.com, example.org, example.net"
	fflush-add example.net STALE1
	run fflush-list --json --queue example.net
	assert_failure 1
	assert_output '{"queue_name":"deferred","destination":"example.net","log":"example_net","messages":0,"recipients":0,"message_size":0,"oldest_arrival_time":null,"newest_arrival_time":null,"missing":0,"stale":1}'
	run fflush-list --queue --brief
	assert_failure 64
}

@test "list --queue: an empty or missing deferred queue lists nothing" {
	run fflush-list --queue
	assert_success
	assert_output ""
	rmdir "$Q/deferred"
	run fflush-list --queue --json
	assert_success
	assert_output ""
}
