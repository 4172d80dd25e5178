#!/usr/bin/env bats
# Byte parity of fflushd, our one-shot server, with Postfix 3.7's flush(8).
#
# For every request of the corpus below: spool A is built from one fixture
# (pf_spool, pf_queued, pf_log: deferred, incoming and 0600 queue files,
# logs old and new, empty, with duplicates, gone and bad IDs), cloned
# exactly to B, each with its own stand-in queue manager on public/qmgr
# (pf_listen). Postfix's flush runs one-shot on A ("flush -S -u", as in
# postfix.bats), the server under test on B (fflushd started as root, with
# the same configuration: -c S/cfg -o queue_directory=S/q -o
# fast_flush_domains=$PF_DOMAINS), both fed the same bytes through
# sockpair-run at the same time, both with -o ipc_timeout=1s. Then:
#   1. identical reply bytes,
#   2. identical spools afterwards (pf_same_times: paths, types, modes,
#      owners, sizes, logfile contents, and every file's atime and mtime),
#   3. identical triggers on public/qmgr,
# and, to prove the harness, Postfix's reply and triggers are what the
# table says (POSTFIX-FACTS.md sections 1 and 2).
#
# The server under test is $FFD_SUT:
#   fflushd         $FF_BUILD/bin/fflushd (the default; pf_fflushd_raw)
#   postfix         Postfix's flush -S again: Postfix against itself
#   postfix-daemon  Postfix's flush as its master runs it (pf_flush_daemon_raw)
# e.g. FFD_SUT=postfix bats tests/interop/fflushd.bats.
#
# Time-outs (flag T): an incomplete request from a client that keeps its
# side open. Postfix's flush -S bounds only the wait for the first byte by
# ipc_timeout (single_server.c sets the stream time-out in daemon mode
# only), so it waits forever and is killed by sockpair-run's -t; what it
# sent by then is the greeting only. Behind Postfix's master (daemon mode,
# checked in "daemon mode" below) the same request times out after
# ipc_timeout and the reply is the greeting only, no status: that is what
# Postfix's clients see, so the server under test must send exactly the
# greeting and end on its own within the time-out. Its spool and triggers
# must then be those of Postfix -S (nothing done) or of Postfix in daemon
# mode, run on a third spool for each T entry: they differ for a bare "W"
# (daemon mode takes the time-out for the end of the string and refreshes,
# still without a status).
#
# Deliberate differences (SPEC.md section 6, last item), asserted both ways
# instead of parity: [ip] literal sites listed in fast_flush_domains (flag
# "ip": Postfix 3.7 denies them, fflushd serves them), one-letter logfile
# names (refresh; own test below). The duplicate filter (Postfix 3.7.11's
# does nothing) leaves the same end state, so the corpus checks parity.
#
# Needs root, the Debian postfix package, perl and the test tools; skipped
# otherwise. Helpers: pf.bash.
bats_require_minimum_version 1.5.0

load pf

FFD_SUT=${FFD_SUT:-fflushd}
FFD_KILL=${FFD_KILL:-2.5}	# sockpair-run -t for Postfix -S in T rows (s)
FFD_TIMEOUT=1s			# ipc_timeout, both sides
GREETING='protocol|queue_flush_protocol||'

setup() {
	pf_setup
	command -v perl >/dev/null || skip "needs perl"
	case $FFD_SUT in
	fflushd)
		PF_FFLUSHD=${PF_FFLUSHD:-$FF_BUILD/bin/fflushd}
		[ -x "$PF_FFLUSHD" ] || skip "needs $PF_FFLUSHD (make all)"
		export PF_FFLUSHD
		;;
	postfix | postfix-daemon) ;;
	*) skip "FFD_SUT=$FFD_SUT: not fflushd, postfix or postfix-daemon" ;;
	esac
	TPL=$(template)
}

teardown() {
	pf_teardown
}

# sut_raw S [pf_flush_raw options] < REQUEST - the server under test
sut_raw() {
	case $FFD_SUT in
	postfix) pf_flush_raw "$@" ;;
	postfix-daemon) pf_flush_daemon_raw "$@" ;;
	*) pf_fflushd_raw "$@" ;;
	esac
}

# sut_is_fflushd - the server under test is not Postfix itself
sut_is_fflushd() {
	[ "$FFD_SUT" = fflushd ]
}

# ---------------------------------------------------------------- fixture

# fixture S - the spool every request starts from:
#   deferred: 9FBF11234 ABCDEF B2 C3 D4 E5 F6 OTHER1 4SVLCh4dz5z4k3 (0700)
#             A1 (0600: not ready)
#   incoming: INC1
#   flush/example_com   9FBF11234 ABCDEF A1 GONE1 ABCDEF INC1 4SVLCh4dz5z4k3
#                       (a duplicate, a gone ID, one already incoming;
#                       read 13 hours ago: rfrsh refreshes it)
#   flush/xn__bcher_kva_example_com  C3 (13 hours: rfrsh refreshes it)
#   flush/example_org   B2 and a bad line "bad.id" (11 hours: rfrsh skips)
#   flush/_192_0_2_1_   D4 (11 hours)
#   flush/sub_example_com  E5 (11 hours)
#   flush/sub2_example_org empty, changed a day ago
#   flush/old_example   empty, changed 8 days ago (rfrsh and purge delete it)
#   flush/new_example   empty, changed 6 days ago (kept)
#   flush/bad.name      BAD1 (not a logfile name: the scans skip it)
fixture() {
	local s=$1 id
	for id in 9FBF11234 ABCDEF B2 C3 D4 E5 F6 OTHER1 4SVLCh4dz5z4k3; do
		pf_queued "$s" "$id" >/dev/null
	done
	pf_queued "$s" A1 600 >/dev/null
	pf_queued "$s" INC1 700 incoming >/dev/null
	pf_log "$s" example_com 9FBF11234 ABCDEF A1 GONE1 ABCDEF INC1 4SVLCh4dz5z4k3
	pf_log "$s" xn__bcher_kva_example_com C3
	pf_log "$s" example_org B2 bad.id
	pf_log "$s" _192_0_2_1_ D4
	pf_log "$s" sub_example_com E5
	pf_log "$s" sub2_example_org
	pf_log "$s" old_example
	pf_log "$s" new_example
	pf_log "$s" bad.name BAD1
	pf_age "$s" flush/example_com -a '-13 hours'
	pf_age "$s" flush/xn__bcher_kva_example_com -a '-13 hours'
	pf_age "$s" flush/example_org -a '-11 hours'
	pf_age "$s" flush/_192_0_2_1_ -a '-11 hours'
	pf_age "$s" flush/sub_example_com -a '-11 hours'
	pf_age "$s" flush/sub2_example_org -b '-1 day'
	pf_age "$s" flush/old_example -b '-8 days'
	pf_age "$s" flush/new_example -b '-6 days'
	pf_age "$s" flush/bad.name -b '-13 hours'
}

# template - build the fixture once in spool "tpl", print its path; each
# entry clones it (pf_clone keeps every time to the nanosecond)
template() {
	local t
	t=$(pf_spool tpl)
	fixture "$t"
	printf '%s\n' "$t"
}

# ---------------------------------------------------------------- corpus
#
# One entry a line: NAME PF TRIG FLAGS REQUEST
#   NAME     GROUP.what; the @test's below run one group each
#   PF       Postfix's reply: a status (0, 3, 4, F = 4294967295) after the
#            greeting, or "-" for the greeting only
#   TRIG     Postfix's triggers on public/qmgr, letters in order ("FI": F\0
#            then I\0 on two connections), "-" for none; for several logs
#            (rfrsh, purge) their number of I's
#   FLAGS    "-" or comma-separated: w (half-close after the request:
#            sockpair-run -w), s1, s2, s3, s20 (split after that many bytes,
#            200 ms pause: -s N), T (time-out row, see the head of this
#            file), ip (deliberate difference: [ip] literal)
#   REQUEST  the rest of the line: "|" is a NUL byte; printf %b escapes
#            (\n, \xHH, \\); @NAME@ placeholders (see expand)
# shellcheck disable=SC2016
CORPUS='
add.plain              0  -   -        request|add|site|example.com|queue_id|NEW1||
add.new-log            0  -   -        request|add|site|new.example.com|queue_id|NEW1||
add.existing-log-dup   0  -   -        request|add|site|example.com|queue_id|ABCDEF||
add.upper              0  -   -        request|add|site|EXAMPLE.COM|queue_id|NEW2||
add.mixed-case-parent  0  -   -        request|add|site|Sub.Example.COM|queue_id|NEW2||
add.idna               0  -   -        request|add|site|bücher.example.com|queue_id|NEW3||
add.idna-upper         0  -   -        request|add|site|BÜCHER.EXAMPLE.COM|queue_id|NEW3||
add.punycode           0  -   -        request|add|site|xn--bcher-kva.example.com|queue_id|NEW3||
add.one-letter-site    0  -   -        request|add|site|x|queue_id|NEW4||
add.long-id            0  -   -        request|add|site|example.org|queue_id|4SVLCh4dz5z4k4||
add.id-255             0  -   -        request|add|site|example.com|queue_id|@ID255@||
add.id-256             3  -   -        request|add|site|example.com|queue_id|@ID256@||
add.id-300             3  -   -        request|add|site|example.com|queue_id|@ID300@||
add.id-empty           3  -   -        request|add|site|example.com|queue_id|||
add.id-dotdot          3  -   -        request|add|site|example.com|queue_id|../x||
add.id-dot             3  -   -        request|add|site|example.com|queue_id|AB.CD||
add.id-newline         3  -   -        request|add|site|example.com|queue_id|AB\nCD||
add.denied             4  -   -        request|add|site|other.test|queue_id|NEW5||
add.trailing-dot       4  -   -        request|add|site|example.com.|queue_id|NEW5||
add.dot-pattern-site   4  -   -        request|add|site|.example.com|queue_id|NEW5||
add.site-empty         4  -   -        request|add|site||queue_id|NEW5||
add.site-slash         4  -   -        request|add|site|a/../b.example.com|queue_id|NEW5||
add.site-bad-utf8      4  -   -        request|add|site|\xff.example.com|queue_id|NEW5||
add.site-cut-utf8      4  -   -        request|add|site|b\xc3.example.com|queue_id|NEW5||
add.site-overlong-utf8 4  -   -        request|add|site|\xc0\xae.example.com|queue_id|NEW5||
add.site-label-64      4  -   -        request|add|site|@LABEL64@.example.com|queue_id|NEW5||
add.site-4000          4  -   -        request|add|site|@SITE4000@|queue_id|NEW5||
add.site-newline       4  -   -        request|add|site|example.com\n|queue_id|NEW5||
add.ip-listed          4  -   ip       request|add|site|[192.0.2.1]|queue_id|NEW6||
add.ip-unlisted        4  -   -        request|add|site|[192.0.2.2]|queue_id|NEW6||
add.ipv6-unlisted      4  -   -        request|add|site|[ipv6:2001:db8::1]|queue_id|NEW6||
add.order              3  -   -        request|add|queue_id|NEW7|site|example.com||
add.missing-id         3  -   -        request|add|site|example.com||
add.missing-both       3  -   -        request|add||
add.extra-after        0  -   -        request|add|site|example.com|queue_id|NEW7|foo|bar||
add.extra-100-after    0  -   -        request|add|site|example.com|queue_id|NEW7|@EXTRA100@||
add.extra-before       3  -   -        request|add|foo|bar|site|example.com|queue_id|NEW7||
add.extra-between      3  -   -        request|add|site|example.com|foo|bar|queue_id|NEW7||
add.dup-site           3  -   -        request|add|site|example.com|site|example.org|queue_id|NEW7||
add.dup-id-after       0  -   -        request|add|site|example.com|queue_id|NEW7|queue_id|NEW8||
add.dup-request        3  -   -        request|add|request|add|site|example.com|queue_id|NEW7||
add.unknown-name       3  -   -        request|add|sight|example.com|queue_id|NEW7||
add.upper-name         3  -   -        request|add|SITE|example.com|queue_id|NEW7||
add.pad-60k            0  -   -        request|add|site|example.com|queue_id|NEW9|pad|@PAD60K@||
add.pad-60k-before     3  -   -        request|add|pad|@PAD60K@|site|example.com|queue_id|NEW9||
add.pad-100k-after     0  -   -        request|add|site|example.com|queue_id|NEW9|pad|@PAD100K@||
add.pad-1m-after       0  -   -        request|add|site|example.com|queue_id|NEW9|pad|@PAD1M@||
add.extra-1000-after   0  -   -        request|add|site|example.com|queue_id|NEW9|@EXTRA1000@||
add.extra-after-cut-eof 0 -   w        request|add|site|example.com|queue_id|NEW9|foo|ba
add.extra-after-open   0  -   -        request|add|site|example.com|queue_id|NEW9|foo|
add.pipelined          0  -   -        request|add|site|example.com|queue_id|NEWA||request|add|site|example.com|queue_id|NEWB||
add.split-1            -  -   s1       request|add|site|example.com|queue_id|NEWC||
add.split-2            -  -   s2       request|add|site|example.com|queue_id|NEWC||
add.split-3            0  -   s3       request|add|site|example.com|queue_id|NEWC||
add.split-20           0  -   s20      request|add|site|example.com|queue_id|NEWC||
add.no-terminator-eof  3  -   w        request|add|site|example.com|queue_id|NEWD|
add.cut-eof            3  -   w        request|add|site|exa
add.cut-name-eof       3  -   w        request|add|site|example.com|queue_
add.no-terminator      -  -   T        request|add|site|example.com|queue_id|NEWD|
add.cut                -  -   T        request|add|site|exa
send_site.plain        0  FI  -        request|send_site|site|example.com||
send_site.upper        0  FI  -        request|send_site|site|Example.COM||
send_site.idna         0  FI  -        request|send_site|site|bücher.example.com||
send_site.punycode     0  FI  -        request|send_site|site|XN--BCHER-KVA.example.com||
send_site.parent       0  FI  -        request|send_site|site|sub.example.com||
send_site.bad-line     0  FI  -        request|send_site|site|example.org||
send_site.empty-log    0  F   -        request|send_site|site|sub2.example.org||
send_site.no-log       0  -   -        request|send_site|site|x||
send_site.no-log-sub   0  -   -        request|send_site|site|a.b.example.org||
send_site.denied       4  -   -        request|send_site|site|other.test||
send_site.denied-sub   4  -   -        request|send_site|site|example.com.other.test||
send_site.ip-listed    4  -   ip       request|send_site|site|[192.0.2.1]||
send_site.bad-utf8     4  -   -        request|send_site|site|\xfe\xff||
send_site.site-4000    4  -   -        request|send_site|site|@SITE4000@||
send_site.missing      3  -   -        request|send_site||
send_site.queue-id     3  -   -        request|send_site|queue_id|ABCDEF||
send_site.unknown-name 3  -   -        request|send_site|domain|example.com||
send_site.extra-after  0  FI  -        request|send_site|site|example.com|foo|bar||
send_site.extra-before 3  -   -        request|send_site|foo|bar|site|example.com||
send_site.dup-site     0  FI  -        request|send_site|site|example.com|site|example.org||
send_site.split-3      0  FI  s3       request|send_site|site|example.com||
send_site.cut-eof      3  -   w        request|send_site|site|example.com|
send_site.cut          -  -   T        request|send_site|site|example.com|
send_file.ready        0  I   -        request|send_file|queue_id|9FBF11234||
send_file.not-ready    0  -   -        request|send_file|queue_id|A1||
send_file.incoming     0  I   -        request|send_file|queue_id|INC1||
send_file.long-id      0  I   -        request|send_file|queue_id|4SVLCh4dz5z4k3||
send_file.gone         0  -   -        request|send_file|queue_id|GONE9||
send_file.id-dotdot    3  -   -        request|send_file|queue_id|../x||
send_file.id-300       3  -   -        request|send_file|queue_id|@ID300@||
send_file.id-empty     3  -   -        request|send_file|queue_id|||
send_file.site         3  -   -        request|send_file|site|example.com||
send_file.missing      3  -   -        request|send_file||
send_file.extra-after  0  I   -        request|send_file|queue_id|F6|foo|bar||
send_file.dup-id       0  I   -        request|send_file|queue_id|F6|queue_id|B2||
send_file.extra-before 3  -   -        request|send_file|foo|bar|queue_id|F6||
refresh.rfrsh          0  II  -        request|rfrsh||
refresh.rfrsh-extra    0  II  -        request|rfrsh|foo|bar||
refresh.rfrsh-trailing 0  II  -        request|rfrsh||garbage
refresh.rfrsh-split-1  -  -   s1       request|rfrsh||
refresh.rfrsh-split-2  -  -   s2       request|rfrsh||
refresh.rfrsh-split-3  0  II  s3       request|rfrsh||
refresh.rfrsh-cut-eof  0  II  w        request|rfrsh|
refresh.rfrsh-no-terminator 0 II -     request|rfrsh|
refresh.rfrsh-cut-extra-eof 0 II w     request|rfrsh|fo
refresh.purge-no-terminator 0 IIIII -  request|purge|
refresh.purge          0  IIIII -      request|purge||
refresh.purge-extra    0  IIIII -      request|purge|site|example.com||
refresh.W-attribute    0  II  -        request|W||
refresh.W-NUL          0  II  -        W|
refresh.W-NUL-split-1  0  II  s1       W|
refresh.W-eof          0  II  w        W
refresh.W-open         -  -   T        W
wire.WW-eof            -  -   w        WW
wire.WW-open           -  -   T        WW
wire.X-NUL             -  -   -        X|
wire.w-NUL             -  -   -        w|
wire.W-NUL-NUL         3  -   -        W||
wire.NUL               -  -   -        |
wire.NUL-NUL           -  -   -        ||
wire.one-byte-eof      -  -   w        r
wire.two-bytes-eof     -  -   w        re
wire.empty-eof         3  -   w        
wire.empty-open        3  -   -        
wire.refresh           -  -   -        request|refresh||
wire.RFRSH             -  -   -        request|RFRSH||
wire.send              -  -   -        request|send|site|example.com||
wire.foo               -  -   -        request|foo||
wire.status            -  -   -        request|status||
wire.empty-request     -  -   -        request|||
wire.not-request-first 3  -   -        site|example.com|request|send_site||
wire.Request-case      3  -   -        Request|rfrsh||
wire.plain-add-eof     3  -   w        request=add\nsite=example.com\nqueue_id=NEWE\n\n
wire.plain-rfrsh-eof   3  -   w        request=rfrsh\n\n
wire.plain-add-open    -  -   T        request=add\nsite=example.com\nqueue_id=NEWE\n\n
wire.base64-add-eof    3  -   w        cmVxdWVzdA==:YWRk\nc2l0ZQ==:ZXhhbXBsZS5jb20=\n\n
wire.group-open        3  -   -        {|request|add|}||
wire.high-bytes        3  -   -        \xff\xfe\xfd|\x01||
'

# expand REQUEST - the placeholders: @ID255@ @ID256@ @ID300@ (queue IDs of
# that many "A"), @LABEL64@ (a 64-octet label), @SITE4000@ (a 4000-byte
# site), @PAD60K@ (61,000 bytes of "x": with it the request is about 60
# KiB), @PAD100K@ (100 KiB), @PAD1M@ (1 MiB), @EXTRA100@ and @EXTRA1000@
# (that many attributes e1|v1|e2|v2|...).
# Postfix reads no further than the first attribute it did not ask for
# (attr_scan's STRICT, POSTFIX-FACTS 1.3): what follows it, however big,
# is never read; to answer as Postfix does, fflushd must not read it
# either, so such requests are parity entries here, not limit tests.
expand() {
	local r=$1 a255 i extra=''
	if [[ $r == *@* ]]; then
		a255=$(printf 'A%.0s' {1..255})
		r=${r//@ID255@/$a255}
		r=${r//@ID256@/${a255}A}
		r=${r//@ID300@/${a255}$(printf 'A%.0s' {1..45})}
		r=${r//@LABEL64@/$(printf 'a%.0s' {1..64})}
		r=${r//@SITE4000@/$(printf 'a%.0s' {1..3988}).example.com}
		r=${r//@PAD60K@/$(head -c 61000 /dev/zero | tr '\0' x)}
		r=${r//@PAD100K@/$(head -c 102400 /dev/zero | tr '\0' x)}
		r=${r//@PAD1M@/$(head -c 1048576 /dev/zero | tr '\0' x)}
		if [[ $r == *@EXTRA100@* ]]; then
			for i in $(seq 1 100); do extra+="e$i|v$i|"; done
			r=${r//@EXTRA100@|/$extra}
		fi
		if [[ $r == *@EXTRA1000@* ]]; then
			for i in $(seq 1 1000); do extra+="e$i|v$i|"; done
			r=${r//@EXTRA1000@|/$extra}
		fi
	fi
	printf '%s' "$r"
}

# request_bytes REQUEST - the bytes of a corpus request on stdout
request_bytes() {
	local r
	r=$(expand "$1")
	printf '%b' "$r" | tr '|' '\0'
}

# reply_of PF - the reply the PF column stands for, as pf_escape shows it
reply_of() {
	case $1 in
	-) printf '%s' "$GREETING" ;;
	F) printf '%sstatus|4294967295||' "$GREETING" ;;
	*) printf '%sstatus|%s||' "$GREETING" "$1" ;;
	esac
}

# esc CMD ARGS... - run CMD, its output through pf_escape (for run: shell
# variables cannot hold NUL bytes); exit status CMD's
esc() {
	"$@" | pf_escape
	return "${PIPESTATUS[0]}"
}

# trig_of TRIG - a TRIG column as pf_trigger_bytes prints it
trig_of() {
	printf '%s\n' "$1"
}

# fail_entry NAME MESSAGE... - record a failure of entry NAME (entry
# number $ENTRY) in $PF_BASE/fail.$ENTRY
fail_entry() {
	local name=$1
	shift
	{
		printf '=== %s (FFD_SUT=%s)\n' "$name" "$FFD_SUT"
		printf '%s\n' "$@"
	} >> "$PF_BASE/fail.$ENTRY"
}

# ip_expected NAME C - apply to spool C (a clone of the fixture) what
# fflushd does for the deliberate [ip] entry NAME: serve the literal like
# any listed site (flush/_192_0_2_1_); print the expected reply status and
# triggers ("STATUS TRIG")
ip_expected() {
	case $1 in
	add.ip-listed)
		printf 'NEW6\n' >> "$2/q/flush/_192_0_2_1_"
		echo "0 -"
		;;
	send_site.ip-listed)
		mv "$2/q/deferred/D/D4" "$2/q/incoming/D4"
		touch "$2/q/incoming/D4"
		: > "$2/q/flush/_192_0_2_1_"
		touch "$2/q/flush/_192_0_2_1_"
		echo "0 FI"
		;;
	*) echo "ip_expected: no rule for $1" >&2; return 1 ;;
	esac
}

# clone_entry N LINE - clone the template for entry N: spools aN, bN (and
# cN for an ip or T entry). Not in parallel: reading the template's files
# (cp) moves their atimes (relatime) until pf_clone puts them back.
clone_entry() {
	pf_clone "$TPL" "a$1" > /dev/null
	pf_clone "$TPL" "b$1" > /dev/null
	[[ $2 != *" ip "* && $2 != *" T "* ]] || pf_clone "$TPL" "c$1" > /dev/null
}

# run_entry N LINE - run one corpus entry (see the head of this file) on
# the spools of clone_entry; failures go to $PF_BASE/fail.N, never stop
# the loop.
#   A  Postfix's flush -S (the reference)
#   B  the server under test
#   C  ip entries: the fixture, then what fflushd is expected to do to it
#      (ip_expected); T entries: Postfix's flush in daemon mode, the
#      second reference (see the head of this file)
run_entry() {
	local n=$1 line=$2 name pf trig flags req f flag opts=() topt sto
	local A B C pa pb pc qa qb qc pfst sutst dst ra rb rc ta tb tc want
	local msg=() ip_status ip_trig is_t='' is_ip=''
	ENTRY=$n
	# times set from here on compare as "now" (pf_times_list)
	local PF_T0
	PF_T0=$(date +%s)
	read -r name pf trig flags req <<< "$line"
	A=$PF_BASE/a$n
	B=$PF_BASE/b$n
	C=$PF_BASE/c$n
	request_bytes "$req" > "$PF_BASE/req$n"
	topt=10
	IFS=, read -r -a f <<< "$flags"
	for flag in "${f[@]}"; do
		case $flag in
		-) ;;
		w) opts+=(-w) ;;
		s[0-9]*) opts+=(-s "${flag#s}") ;;
		T) topt=$FFD_KILL is_t=1 ;;
		ip) [ "$FFD_SUT" = fflushd ] && is_ip=1 ;;
		*) fail_entry "$name" "bad flag $flag"; return 0 ;;
		esac
	done
	pf_listen "$A"
	pf_listen "$B"
	[ -z "$is_t" ] || pf_listen "$C"

	# all at once: a T entry costs one time-out, not two
	pf_flush_raw "$A" -t "$topt" "${opts[@]}" -o ipc_timeout=$FFD_TIMEOUT \
		< "$PF_BASE/req$n" > "$PF_BASE/reply-a$n" 2> "$PF_BASE/err-a$n" 3>&- &
	pa=$!
	sto=10
	[ "$FFD_SUT" = postfix ] && sto=$topt
	sut_raw "$B" -t "$sto" "${opts[@]}" -o ipc_timeout=$FFD_TIMEOUT \
		< "$PF_BASE/req$n" > "$PF_BASE/reply-b$n" 2> "$PF_BASE/err-b$n" 3>&- &
	pb=$!
	if [ -n "$is_t" ]; then
		pf_flush_daemon_raw "$C" -t 10 "${opts[@]}" -o ipc_timeout=$FFD_TIMEOUT \
			< "$PF_BASE/req$n" > "$PF_BASE/reply-c$n" 2> "$PF_BASE/err-c$n" 3>&- &
		pc=$!
	fi
	pfst=0
	wait "$pa" || pfst=$?
	sutst=0
	wait "$pb" || sutst=$?
	dst=0
	[ -z "$is_t" ] || wait "$pc" || dst=$?
	ra=$(pf_escape < "$PF_BASE/reply-a$n")
	rb=$(pf_escape < "$PF_BASE/reply-b$n")
	[ -z "$is_t" ] || rc=$(pf_escape < "$PF_BASE/reply-c$n")

	# the triggers (pf_triggers waits for 100 ms of quiet) while the
	# spools are compared
	pf_trigger_bytes "$A" > "$PF_BASE/trig-a$n" &
	qa=$!
	pf_trigger_bytes "$B" > "$PF_BASE/trig-b$n" &
	qb=$!
	if [ -n "$is_t" ]; then
		pf_trigger_bytes "$C" > "$PF_BASE/trig-c$n" &
		qc=$!
	fi
	if [ -n "$is_ip" ]; then
		pf_same_times "$C" "$A" > "$PF_BASE/diffca$n" 2>&1 || true
		read -r ip_status ip_trig < <(ip_expected "$name" "$C")
		pf_same_times "$C" "$B" > "$PF_BASE/diffcb$n" 2>&1 || true
	else
		pf_same_times "$A" "$B" > "$PF_BASE/diff$n" 2>&1 || true
		[ -z "$is_t" ] || pf_same_times "$C" "$B" > "$PF_BASE/diffcb$n" 2>&1 || true
	fi
	wait "$qa" "$qb" || true
	ta=$(cat "$PF_BASE/trig-a$n")
	tb=$(cat "$PF_BASE/trig-b$n")
	if [ -n "$is_t" ]; then
		wait "$qc" || true
		tc=$(cat "$PF_BASE/trig-c$n")
	fi

	# the harness: Postfix did what the table (POSTFIX-FACTS) says
	want=$(reply_of "$pf")
	[ "$ra" = "$want" ] || msg+=("harness: Postfix's reply $ra, table says $want")
	[ "$ta" = "$(trig_of "$trig")" ] || msg+=("harness: Postfix's triggers $ta, table says $trig")
	if [ -n "$is_t" ]; then
		[ "$pfst" = 124 ] || msg+=("harness: Postfix -S ended ($pfst) on an incomplete request")
		[ "$dst" = 0 ] || msg+=("harness: Postfix in daemon mode exited $dst: $(head -c 300 "$PF_BASE/err-c$n")")
		[ "$rc" = "$ra" ] || msg+=("harness: Postfix's replies differ: -S $ra, daemon mode $rc")
		if [ "$FFD_SUT" != postfix ] && [ "$sutst" = 124 ]; then
			msg+=("$FFD_SUT did not end by itself within 10 s with ipc_timeout=$FFD_TIMEOUT (killed)")
		fi
	else
		[ "$pfst" = 0 ] || msg+=("harness: Postfix's flush exited $pfst: $(head -c 300 "$PF_BASE/err-a$n")")
		[ "$sutst" != 124 ] || msg+=("$FFD_SUT timed out (killed after 10 s)")
	fi

	if [ -n "$is_ip" ]; then
		# deliberate: Postfix denies (table), its spool is untouched;
		# fflushd serves the listed literal
		[ ! -s "$PF_BASE/diffca$n" ] ||
			msg+=("harness: Postfix changed the spool on a denied [ip] site:" "$(cat "$PF_BASE/diffca$n")")
		want=$(reply_of "$ip_status")
		[ "$rb" = "$want" ] || msg+=("deliberate [ip]: fflushd's reply $rb, expected $want (Postfix: $ra)")
		[ "$tb" = "$ip_trig" ] || msg+=("deliberate [ip]: fflushd's triggers $tb, expected $ip_trig")
		[ ! -s "$PF_BASE/diffcb$n" ] ||
			msg+=("deliberate [ip]: fflushd's spool is not the expected one (- expected, + fflushd):" "$(cat "$PF_BASE/diffcb$n")")
	else
		# parity
		if [ "$FFD_SUT" = postfix-daemon ] && [ "$name" = wire.empty-eof ]; then
			# Postfix's daemon-mode quirk (see "daemon mode" below)
			ra="${GREETING}3||"
		fi
		[ "$ra" = "$rb" ] || msg+=("reply differs:" "  Postfix:  $ra" "  $FFD_SUT: $rb")
		if [ -n "$is_t" ] && [ "$tb" = "$tc" ] && [ ! -s "$PF_BASE/diffcb$n" ]; then
			# the end state of Postfix behind its master: fine too
			# (a bare "W" and then a time-out: Postfix -S waits
			# forever, daemon mode takes the time-out for the end of
			# the request and refreshes; both send no status)
			:
		else
			[ "$ta" = "$tb" ] || msg+=("triggers differ: Postfix $ta, $FFD_SUT $tb")
			[ ! -s "$PF_BASE/diff$n" ] ||
				msg+=("spool differs (- Postfix, + $FFD_SUT):" "$(cat "$PF_BASE/diff$n")")
			if [ -n "$is_t" ] && { [ "$ta" != "$tb" ] || [ -s "$PF_BASE/diff$n" ]; }; then
				msg+=("and from Postfix in daemon mode: triggers $tc;" "$(cat "$PF_BASE/diffcb$n")")
			fi
		fi
	fi
	if [ "${#msg[@]}" -gt 0 ]; then
		fail_entry "$name" "request: $(pf_escape < "$PF_BASE/req$n" | head -c 300)" \
			"flags: $flags; exit: Postfix $pfst, $FFD_SUT $sutst" "${msg[@]}" \
			"$FFD_SUT stderr: $(head -c 500 "$PF_BASE/err-b$n")"
	fi
	pf_unlisten "$A"
	pf_unlisten "$B"
	pf_unlisten "$C"
	rm -rf "$A" "$B" "$C" "$PF_BASE"/*-[abc]"$n" "$PF_BASE"/diff*"$n" "$PF_BASE/req$n"
	return 0
}

# corpus GROUP - run the corpus entries whose name starts with GROUP.,
# $FFD_JOBS (default 4) at a time (each has its own spools and listeners);
# fail with every failing entry's report, in corpus order
corpus() {
	local line n=0 running=0 i
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		[[ $line == "$1".* ]] || continue
		n=$((n + 1))
		if [ "$running" -ge "${FFD_JOBS:-4}" ]; then
			wait -n || true
			running=$((running - 1))
		fi
		clone_entry "$n" "$line"
		run_entry "$n" "$line" < /dev/null 3>&- &
		running=$((running + 1))
	done <<< "$CORPUS"
	wait || true
	[ "$n" -gt 0 ] || { echo "no corpus entries in group $1" >&2; return 1; }
	echo "$n entries in group $1 (FFD_SUT=$FFD_SUT)"
	for ((i = 1; i <= n; i++)); do
		[ -s "$PF_BASE/fail.$i" ] && cat "$PF_BASE/fail.$i" >&2
	done
	! compgen -G "$PF_BASE/fail.*" > /dev/null
}

# ---------------------------------------------------------------- the corpus

@test "corpus: at least 60 entries, every name unique, every line well-formed" {
	local names
	names=$(awk 'NF { print $1 }' <<< "$CORPUS")
	[ "$(wc -l <<< "$names")" -ge 60 ]
	[ -z "$(sort <<< "$names" | uniq -d)" ]
	while read -r name pf trig flags req; do
		[ -n "$name" ] || continue
		[[ $name =~ ^(add|send_site|send_file|refresh|wire)\. ]] || { echo "bad name $name"; false; }
		[[ $pf =~ ^(-|0|3|4|F)$ ]] || { echo "$name: bad PF $pf"; false; }
		[[ $trig =~ ^(-|[FI]+)$ ]] || { echo "$name: bad TRIG $trig"; false; }
		[[ $flags =~ ^(-|((w|T|ip|s[0-9]+),?)+)$ ]] || { echo "$name: bad FLAGS $flags"; false; }
	done <<< "$CORPUS"
	# the placeholders expand to the sizes they promise
	[ "$(request_bytes 'request|add|site|example.com|queue_id|@ID300@||' | wc -c)" = $((38 + 300 + 2)) ]
	[ "$(request_bytes '@SITE4000@' | wc -c)" = 4000 ]
	n=$(request_bytes 'request|add|site|example.com|queue_id|NEW9|pad|@PAD60K@||' | wc -c)
	[ "$n" -gt 60000 ] && [ "$n" -lt 61440 ]
	# shellcheck disable=SC1003 # a backslash, not a quote
	[ "$(request_bytes 'a|\xff\n\\' | od -An -tx1 | tr -d ' \n')" = 6100ff0a5c ]
}

# corpus_run GROUP - corpus GROUP in a plain bash, with this file's
# functions and settings: bats' debug trap, inherited by every function
# and subshell of a test, doubles the cost of the hundreds of small
# commands each entry runs
# shellcheck disable=SC2153 # PF_FLUSH etc. come from pf.bash
corpus_run() {
	bash -c "$(declare -f)
		$(declare -p CORPUS TPL GREETING FFD_SUT FFD_KILL FFD_TIMEOUT \
			PF_FLUSH PF_OWNER PF_B52 PF_DAEMON_PL PF_PHASES_PL)
		$(declare -p PF_FFLUSHD FFD_JOBS 2>/dev/null)
		set -u
		corpus $(printf '%q' "$1")"
}

@test "corpus: add" {
	corpus_run add
}

@test "corpus: send_site" {
	corpus_run send_site
}

@test "corpus: send_file" {
	corpus_run send_file
}

@test "corpus: rfrsh, purge and the wake-up W" {
	corpus_run refresh
}

@test "corpus: the wire: short path, unknown and malformed requests, other encodings" {
	corpus_run wire
}

# ---------------------------------------------------------------- beyond the corpus

@test "daemon mode: Postfix behind its master answers an incomplete request with the greeting only, after ipc_timeout" {
	# the reference for the corpus' T rows: flush -S never times out there
	A=$(pf_spool a)
	run -0 --separate-stderr esc pf_flush_daemon_raw "$A" -t 5 -o ipc_timeout=1s < <(printf 'request\0add\0site\0exa')
	[ "$output" = "$GREETING" ]
	run -124 --separate-stderr esc pf_flush_raw "$A" -t 2 -o ipc_timeout=1s < <(printf 'request\0add\0site\0exa')
	[ "$output" = "$GREETING" ]
	# no byte at all within ipc_timeout: status 3 in both modes
	run -0 --separate-stderr esc pf_flush_daemon_raw "$A" -t 5 -o ipc_timeout=1s < /dev/null
	[ "$output" = "${GREETING}status|3||" ]
	run -0 --separate-stderr esc pf_flush_raw "$A" -t 5 -o ipc_timeout=1s < /dev/null
	[ "$output" = "${GREETING}status|3||" ]
	# a complete request: the same as -S
	run -0 --separate-stderr esc pf_flush_daemon_raw "$A" < <(pf_req request add site example.com queue_id ABC)
	[ "$output" = "${GREETING}status|0||" ]
	# Postfix's daemon-mode quirk (not copied; fflushd follows -S, status
	# 3): an empty connection half-closed by the client gets "3\0\0"
	# without the name "status" after the greeting
	run -0 --separate-stderr esc pf_flush_daemon_raw "$A" -w < /dev/null
	[ "$output" = "${GREETING}3||" ]
	run -0 --separate-stderr esc pf_flush_raw "$A" -w < /dev/null
	[ "$output" = "${GREETING}status|3||" ]
}

@test "timing: rfrsh, purge and W answer before the work, send_site and add after it" {
	local A B S req rq st pids
	A=$(pf_spool a)
	fixture "$A"
	for req in rfrsh purge W send_site add; do
		for S in a b; do
			rm -rf "${PF_BASE:?}/$S.$req"
			pf_clone "$A" "$S.$req" >/dev/null
		done
	done
	# hold example_com's lock until the early answers are in: every
	# request below needs it for its work
	pids=()
	rm -f "$PF_BASE/released"
	for req in rfrsh purge W send_site add; do
		case $req in
		W) rq='W\0' ;;
		send_site) rq='request\0send_site\0site\0example.com\0\0' ;;
		add) rq='request\0add\0site\0example.com\0queue_id\0NEW1\0\0' ;;
		*) rq="request\\0$req\\0\\0" ;;
		esac
		for S in a b; do
			hold_lock "$PF_BASE/$S.$req/q/flush/example_com"
		done
		# shellcheck disable=SC2059
		printf "$rq" | MAIL_CONFIG=$PF_BASE/a.$req/cfg pf_reply_phases -t 60 \
			-s "$PF_BASE/status.a.$req" -r "$PF_BASE/released" -- "$PF_FLUSH" -S -u \
			-o queue_directory="$PF_BASE/a.$req/q" -o "fast_flush_domains=$PF_DOMAINS" \
			> "$PF_BASE/phases.a.$req" 3>&- &
		pids+=($!)
		if [ "$FFD_SUT" = fflushd ]; then
			# shellcheck disable=SC2059
			printf "$rq" | pf_reply_phases -t 60 -s "$PF_BASE/status.b.$req" \
				-r "$PF_BASE/released" -- "$PF_FFLUSHD" -c "$PF_BASE/b.$req/cfg" \
				-o queue_directory="$PF_BASE/b.$req/q" -o "fast_flush_domains=$PF_DOMAINS" \
				> "$PF_BASE/phases.b.$req" 3>&- &
			pids+=($!)
		fi
	done
	# rfrsh, purge and W answer while the locks are held
	for req in rfrsh purge W; do
		for S in a b; do
			[ "$S" = a ] || [ "$FFD_SUT" = fflushd ] || continue
			wait_for 30 test -e "$PF_BASE/status.$S.$req" ||
				echo "$S $req: no status within 30 s while the lock was held"
		done
	done
	: > "$PF_BASE/released"
	release_lock
	for p in "${pids[@]}"; do wait "$p"; done
	for req in rfrsh purge W send_site add; do
		for S in a b; do
			[ -s "$PF_BASE/phases.$S.$req" ] || continue
			read -r st eof < "$PF_BASE/phases.$S.$req"
			echo "$S $req: status $st, end $eof (the lock)"
			case $req in
			rfrsh | purge | W)
				[ "$st" = held ] && [ "$eof" = released ] ||
					{ echo "$S $req: expected the status while the lock was held, the end after it"; false; }
				;;
			*)
				[ "$st" = released ] && [ "$eof" = released ] ||
					{ echo "$S $req: expected the status after the lock"; false; }
				;;
			esac
		done
	done
}

@test "deliberate: a one-letter logfile: Postfix's rfrsh answers 0 and dies in the scan, fflushd refreshes it" {
	sut_is_fflushd || skip "about fflushd (FFD_SUT=$FFD_SUT)"
	A=$(pf_spool a)
	pf_queued "$A" A1 >/dev/null
	pf_queued "$A" B2 >/dev/null
	pf_log "$A" x A1
	pf_log "$A" example_com B2
	pf_age "$A" flush/x -a '-13 hours'
	pf_age "$A" flush/example_com -a '-13 hours'
	B=$(pf_clone "$A" b)
	pf_listen "$A"
	pf_listen "$B"
	run --separate-stderr esc pf_flush_raw "$A" -o ipc_timeout=1s < <(pf_req request rfrsh)
	# "fatal: scan_dir_push: open directory flush/x: Not a directory"
	assert_failure
	[ "$output" = "${GREETING}status|0||" ]
	assert_file_exists "$A/q/deferred/A/A1"
	run cat "$A/q/flush/x"
	assert_output A1
	run --separate-stderr esc pf_fflushd_raw "$B" -o ipc_timeout=1s < <(pf_req request rfrsh)
	assert_success
	[ "$output" = "${GREETING}status|0||" ]
	assert_file_exists "$B/q/incoming/A1"
	assert_file_exists "$B/q/incoming/B2"
	[ "$(stat -c %s "$B/q/flush/x")" = 0 ]
	[ "$(stat -c %s "$B/q/flush/example_com")" = 0 ]
	[ "$(pf_trigger_bytes "$B")" = II ]
}

# over_limits_request KIND - requests that take fflushd past its limits
# (fflushd(8): 64 KiB a name or value, 256 KiB a request) in a part that
# Postfix reads too (see expand: what follows an unwanted attribute is
# never read, by either):
#   site100k   add, site a 100 KiB string (Postfix: IDNA fails, status 4)
#   site1m     send_site, site a 1 MiB string (Postfix: status 4)
#   qid100k    send_file, queue_id a 100 KiB string (Postfix: status 3)
#   request300k  a 300 KiB request value (Postfix: unknown request,
#              greeting only)
#   name100k   add, then a 100 KiB attribute name (Postfix: "unexpected
#              attribute", status 3)
over_limits_request() {
	case $1 in
	site100k)
		printf 'request\0add\0site\0'
		head -c 102400 /dev/zero | tr '\0' a
		printf '\0queue_id\0NEWX\0\0'
		;;
	site1m)
		printf 'request\0send_site\0site\0'
		head -c 1048576 /dev/zero | tr '\0' a
		printf '\0\0'
		;;
	qid100k)
		printf 'request\0send_file\0queue_id\0'
		head -c 102400 /dev/zero | tr '\0' A
		printf '\0\0'
		;;
	request300k)
		printf 'request\0'
		head -c 307200 /dev/zero | tr '\0' r
		printf '\0\0'
		;;
	name100k)
		printf 'request\0add\0'
		head -c 102400 /dev/zero | tr '\0' n
		printf '\0v\0site\0example.com\0queue_id\0NEWX\0\0'
		;;
	esac
}

# pf_expect_of KIND - Postfix 3.7.11's reply to over_limits_request KIND
pf_expect_of() {
	case $1 in
	site100k | site1m) printf '%sstatus|4||' "$GREETING" ;;
	qid100k | name100k) printf '%sstatus|3||' "$GREETING" ;;
	request300k) printf '%s' "$GREETING" ;;
	esac
}

@test "limits: past fflushd's limits the answer is status 3 and the spool is untouched" {
	sut_is_fflushd || skip "about fflushd (FFD_SUT=$FFD_SUT)"
	# Postfix's 0 encoding has no length limit (POSTFIX-FACTS 1.4): its
	# answers (pf_expect_of) come from the content, checked on spool P.
	# fflushd answers 3 ("bad") to all: status 3 where Postfix says 4, or
	# sends no status at all (request300k), is the limit at work.
	local bad=0 t
	A=$(pf_spool a)
	fixture "$A"
	for kind in site100k site1m qid100k request300k name100k; do
		B=$(pf_clone "$A" "b.$kind")
		P=$(pf_clone "$A" "p.$kind")
		pf_listen "$B"
		over_limits_request "$kind" > "$PF_BASE/req.$kind"
		run --separate-stderr esc pf_flush_raw "$P" -o ipc_timeout=1s < "$PF_BASE/req.$kind"
		echo "Postfix, $kind ($(wc -c < "$PF_BASE/req.$kind") bytes): exit $status: $output"
		[ "$output" = "$(pf_expect_of "$kind")" ]
		pf_same_times "$A" "$P"
		run --separate-stderr esc pf_fflushd_raw "$B" -o ipc_timeout=1s < "$PF_BASE/req.$kind"
		echo "fflushd, $kind: exit $status: ${output:0:200}"
		if [ "$status" = 124 ]; then
			echo "MISMATCH fflushd, $kind: hung (killed after 10 s)"
			bad=1
		fi
		if [ "$output" != "${GREETING}status|3||" ]; then
			echo "MISMATCH fflushd, $kind: expected ${GREETING}status|3||"
			bad=1
		fi
		if ! pf_same_times "$A" "$B"; then
			echo "MISMATCH fflushd, $kind: the spool changed (- before, + after)"
			bad=1
		fi
		t=$(pf_trigger_bytes "$B")
		if [ "$t" != - ]; then
			echo "MISMATCH fflushd, $kind: triggers $t"
			bad=1
		fi
		pf_unlisten "$B"
	done
	[ "$bad" = 0 ]
}
