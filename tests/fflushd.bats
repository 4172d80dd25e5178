#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# fflushd: the one-shot server's options, both protocols, limits, time-outs,
# privilege drop and hostile input. Byte parity with Postfix's flush is in
# tests/interop/fflushd.bats, Postfix's own clients in tests/interop/e2e.bats.

load helpers

setup() { mkspool; }
teardown() { rmspool; }

GREET='protocol|queue_flush_protocol||'

# ask BYTES [fflushd options] - Postfix protocol: send printf-format BYTES
# on a socketpair ($SP: sockpair-run options); $output is the reply with
# NUL shown as "|"
ask() {
	local req=$1
	shift
	# shellcheck disable=SC2086
	run bash -c 'printf "$1" | sockpair-run -t 10 $SP -- fflushd "${@:2}" | tr "\0" "|"' _ "$req" "$@"
}

# text LINE [fflushd options] - the text protocol through a pipe
text() {
	local line=$1
	shift
	run bash -c 'printf "%s\n" "$1" | fflushd "${@:2}"' _ "$line" "$@"
}

@test "fflushd: --help, --version and usage errors" {
	run fflushd --help
	assert_success
	assert_output --partial "usage: fflushd"
	assert_output --partial "--allow"
	run fflushd -V
	assert_success
	assert_output --partial "fastflush"
	run fflushd extra
	assert_failure 64
	run fflushd --allow nope
	assert_failure 64
	assert_output --partial "bad --allow list"
	run fflushd -t soon
	assert_failure 64
	run fflushd --nope
	assert_failure 64
}

@test "fflushd text: add, send, send-file; codes are the commands' exit codes" {
	queued 9FBF11234 >/dev/null
	queued ABCDEF >/dev/null
	listen_qmgr
	text "add example.com 9FBF11234"
	assert_success
	assert_output "0 ok log=example_com"
	text "ADD Example.COM ABCDEF"
	assert_output "0 ok log=example_com"
	[ "$(cat "$Q/flush/example_com")" = "9FBF11234
ABCDEF" ]
	text "send example.com"
	assert_output "0 ok log=example_com moved=2 incoming=0 gone=0"
	[ "$(where 9FBF11234)" = incoming ]
	[ "$(triggers 2)" = 'F\0
I\0' ]
	text "send example.com"
	assert_output "1 nothing log=example_com moved=0 incoming=0 gone=0"
	text "send example.org"
	assert_output "1 nothing log=example_org moved=0 incoming=0 gone=0"
	queued READY1 >/dev/null
	text "send-file READY1"
	assert_output "0 ok result=moved"
	[ "$(mode "$Q/incoming/READY1")" = 740 ]
	text "send-file NOSUCH"
	assert_output "1 nothing result=gone"
}

@test "fflushd text: refresh and purge answer with counts after the work" {
	queued OLD1 >/dev/null
	fflush-add example.com OLD1
	touch -a -d '-13 hours' "$Q/flush/example_com"
	: > "$Q/flush/example_org"
	touch -d '-8 days' "$Q/flush/example_org"
	text "refresh"
	assert_output "0 ok logs=2 refreshed=1 purged=1 kept=0 moved=1 errors=0"
	[ "$(where OLD1)" = incoming ]
	queued NEW1 >/dev/null
	fflush-add example.com NEW1
	touch -a -d '-1 minute' "$Q/flush/example_com"
	text "purge"
	assert_output "0 ok logs=1 refreshed=1 purged=0 kept=0 moved=1 errors=0"
	text "refresh"
	assert_output "1 nothing logs=1 refreshed=0 purged=0 kept=1 moved=0 errors=0"
}

@test "fflushd text: help, usage, unknown, denied, bad input; CRLF and blanks" {
	text "help"
	assert_output "0 ok commands=add,send,send-file,refresh,purge,help"
	text "send"
	assert_output '64 usage msg="usage: send SITE"'
	text "add example.com"
	assert_output '64 usage msg="usage: add SITE QUEUE_ID"'
	text "frobnicate now"
	assert_output '64 usage msg="unknown request; try: help"'
	text "add not-listed.example ID1"
	assert_output --regexp '^77 denied msg=".*not-listed.example.*"$'
	text "add example.com ../x"
	assert_output '65 bad msg="bad queue ID"'
	text "add ../x ID1"
	assert_output --regexp '^(65 bad|77 denied) '
	run bash -c 'printf "  send \t example.com \r\n" | fflushd'
	assert_output "1 nothing log=example_com moved=0 incoming=0 gone=0"
	run bash -c 'printf "send example.com" | fflushd'
	assert_output --partial "1 nothing"
	[ -z "$(ls "$Q/flush")" ] || [ "$(ls "$Q/flush")" = example_com ]
	[ ! -s "$Q/flush/example_com" ]
}

@test "fflushd text: fields one space apart, a failed send with a log name included" {
	ln -s /etc/passwd "$Q/flush/example_com"
	text "send example.com"
	assert_output '71 error log=example_com msg="flush/example_com: is a symbolic link; refusing to follow it"'
	rm "$Q/flush/example_com"
	text "add example.com 9FBF11234"
	assert_output "0 ok log=example_com"
	text "send example.com"
	assert_output "1 nothing log=example_com moved=0 incoming=0 gone=1"
	# no reply has two spaces in a row or ends in one
	for line in help "send" "send example.com" "send-file NOSUCH" refresh purge "add example.com ../x"; do
		text "$line"
		[[ "$output" != *"  "* && "$output" != *" " ]] || { echo "bad spacing: [$output]"; false; }
	done
}

@test "fflushd: Postfix protocol on a socket: greeting, then status" {
	queued 9FBF11234 >/dev/null
	ask 'request\0add\0site\0example.com\0queue_id\09FBF11234\0\0'
	assert_output "${GREET}status|0||"
	ask 'request\0send_site\0site\0example.com\0\0'
	assert_output "${GREET}status|0||"
	[ "$(where 9FBF11234)" = incoming ]
	ask 'request\0add\0site\0not-listed.example\0queue_id\0A1\0\0'
	assert_output "${GREET}status|4||"
	ask 'request\0add\0site\0example.com\0queue_id\0../x\0\0'
	assert_output "${GREET}status|3||"
	ask 'request\0send\0site\0example.com\0\0'
	assert_output "${GREET}"
	ask 'W\0'
	assert_output "${GREET}status|0||"
	SP=-w ask ''
	assert_output "${GREET}status|3||"
}

@test "fflushd: the same text line on a pipe and on a socket" {
	# on a UNIX socket the greeting goes first unless the line is already
	# there when fflushd starts (a race here); the answer is the same
	run bash -c 'printf "help\n" | sockpair-run -- fflushd | tr "\0" "|" | sed "s/^protocol|queue_flush_protocol||//"'
	assert_output "0 ok commands=add,send,send-file,refresh,purge,help"
}

@test "fflushd: --allow limits the requests served, in both protocols" {
	text "add example.com A1" --allow send,send-file
	assert_output '77 denied msg="request not allowed here"'
	text "help" -a send
	assert_output "0 ok commands=send,help"
	text "send example.com" -a send
	assert_output --partial "1 nothing"
	ask 'request\0add\0site\0example.com\0queue_id\0A1\0\0' -a send
	assert_output "${GREET}status|4||"
	ask 'request\0rfrsh\0\0' -a send
	assert_output "${GREET}status|4||"
	assert_file_not_exists "$Q/flush/example_com"
}

@test "fflushd: --postfix and --text force one protocol" {
	run bash -c 'printf "help\n" | sockpair-run -w -- fflushd --postfix | tr "\0" "|"'
	assert_output "${GREET}status|3||"
	run bash -c 'printf "request\0rfrsh\0\0" | fflushd --text'
	assert_output '65 bad msg="NUL byte in a text request"'
}

@test "fflushd: a time-out (-t, ipc_timeout): bad before the first byte, no status once begun; quickly" {
	SECONDS=0
	run bash -c 'sockpair-run -t 20 -- fflushd -t 1 < /dev/null | tr "\0" "|"'
	assert_output "${GREET}status|3||"
	[ "$SECONDS" -lt 8 ]
	SECONDS=0
	# cut off once begun: the greeting only, as from Postfix's daemon
	run bash -c 'printf "request\0add\0site" | sockpair-run -t 20 -- fflushd -o ipc_timeout=1s | tr "\0" "|"'
	assert_output "${GREET}"
	[ "$SECONDS" -lt 8 ]
	assert_file_not_exists "$Q/flush/example_com"
}

@test "fflushd: huge times are clamped to about 68 years, never wrapped: -t, lock and trigger time-outs" {
	# issue 12 #9: seconds to milliseconds overflowed; 30d wrapped poll(2)'s int
	queued 9FBF11234 >/dev/null
	listen_qmgr
	local big=(-t 9223372036854775807s -o fastflush_lock_timeout=9223372036854776s
		-o trigger_timeout=30d -o ipc_timeout=9999999999999999w)
	ask 'request\0add\0site\0example.com\0queue_id\09FBF11234\0\0' "${big[@]}"
	assert_output "${GREET}status|0||"
	ask 'request\0send_site\0site\0example.com\0\0' "${big[@]}"
	assert_output "${GREET}status|0||"
	[ "$(where 9FBF11234)" = incoming ]
	wait_for 10 grep -q 'I' "$T/triggers"
	# a number that is not a long is refused, not clamped
	run fflushd -t 9223372036854775808s
	assert_failure 64
	assert_output --partial "bad time-out"
}

@test "fflushd: requests over the limits are bad and change nothing" {
	# a 100 KiB site, a 1 MiB request, a 1 MB text line
	run bash -c '{ printf "request\0add\0site\0"; head -c 102400 /dev/zero | tr "\0" a; printf ".example.com\0queue_id\0A1\0\0"; } | sockpair-run -- fflushd | tr "\0" "|"'
	assert_output "${GREET}status|3||"
	run bash -c '{ printf "request\0send_site\0site\0"; head -c 1048576 /dev/zero | tr "\0" b; printf "\0\0"; } | sockpair-run -- fflushd | tr "\0" "|"'
	assert_output "${GREET}status|3||"
	run bash -c '{ printf "add "; head -c 1000000 /dev/zero | tr "\0" c; printf " A1\n"; } | fflushd'
	assert_output '65 bad msg="line too long"'
	[ -z "$(ls "$Q/flush")" ]
	# what Postfix's clients can send is served: 4 KiB values
	site=$(head -c 4000 /dev/zero | tr '\0' d)
	ask "request\\0add\\0site\\0$site\\0queue_id\\0A1\\0\\0"
	assert_output "${GREET}status|4||"
}

@test "fflushd: embedded NUL, bad UTF-8 and a symlinked logfile" {
	run bash -c 'printf "request\0add\0site\0exa\0mple.com\0queue_id\0A1\0\0" | sockpair-run -- fflushd | tr "\0" "|"'
	assert_output "${GREET}status|3||"
	ask 'request\0add\0site\0\377\376.example.com\0queue_id\0A1\0\0'
	assert_output "${GREET}status|4||"
	echo "keep" > "$T/target"
	ln -s "$T/target" "$Q/flush/example_com"
	ask 'request\0add\0site\0example.com\0queue_id\0A1\0\0'
	assert_output "${GREET}status|4294967295||"
	[ "$(cat "$T/target")" = keep ]
	text "add example.com A1"
	assert_output --regexp '^7[15] '
	[ "$(cat "$T/target")" = keep ]
}

@test "fflushd: standard output carries protocol bytes only, even with -v" {
	# stderr is the client's socket too (inetd): no diagnostics on it
	run bash -c 'printf "request\0add\0site\0nope.example\0queue_id\0A1\0\0" | sockpair-run -- sh -c "exec fflushd -v 2>&1" | tr "\0" "|"'
	assert_output "${GREET}status|4||"
	# stderr elsewhere: -v logs the outcome there, with the peer
	run --separate-stderr bash -c 'printf "send example.com\n" | fflushd -v'
	assert_output --partial "1 nothing"
	[[ "$stderr" == *"stdin: text send site=example.com: nothing"* ]]
}

@test "fflushd: a configuration error is answered, not a hang" {
	text "send example.com" -c "$T/nonexistent"
	assert_failure 78
	assert_output --regexp '^78 config msg=".*nonexistent.*"$'
	run bash -c 'printf "request\0send_site\0site\0example.com\0\0" | sockpair-run -- fflushd -c "$1" 2>/dev/null | tr "\0" "|"' _ "$T/nonexistent"
	assert_output "${GREET}status|4294967295||"
}

@test "fflushd: a -c directory without main.cf, a failing expansion, an unused -o: as every command" {
	mkdir "$T/nomaincf"
	text "send example.com" -c "$T/nomaincf"
	assert_failure 78
	assert_output "78 config msg=\"open $T/nomaincf/main.cf: No such file or directory\""
	ask 'request\0send_site\0site\0example.com\0\0' -c "$T/nomaincf"
	assert_line "${GREET}status|4294967295||"
	text "send example.com" -o fast_flush_domains='$relay_domains' -o relay_domains='$fast_flush_domains'
	assert_failure 78
	assert_output '78 config msg="parameter fast_flush_domains: recursive expansion of $fast_flush_domains (in the value of $relay_domains)"'
	# max_idle is read by fflushd itself: the check names it before anything else
	text "send example.com" -o max_idle='${idle'
	assert_failure 78
	assert_output '78 config msg="parameter max_idle: missing \"}\" in \"${idle\""'
	run --separate-stderr bash -c 'printf "send example.com\n" | fflushd -o fast_flush_domain=example.com'
	assert_success
	assert_output --partial "1 nothing"
	[ "$stderr" = 'fflushd: warning: -o fast_flush_domain=example.com: unused parameter (fastflush does not read "fast_flush_domain")' ]
}

@test "fflushd: run as root on a postfix-owned spool, files stay the spool owner's" {
	need_postfix_user
	chown -R postfix:postfix "$Q"
	text "add example.com A1"
	assert_output "0 ok log=example_com"
	[ "$(owner "$Q/flush/example_com")" = postfix:postfix ]
	ask 'request\0add\0site\0example.org\0queue_id\0A2\0\0'
	assert_output "${GREET}status|0||"
	[ "$(owner "$Q/flush/example_org")" = postfix:postfix ]
}

@test "fflushd: when the switch to the spool owner fails, every request is refused and nothing is touched" {
	need_postfix_user
	[ "$(id -u)" = 0 ] || skip "needs root"
	command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
	chown -R postfix:postfix "$Q"
	# the same for text and Postfix's protocol, one-shot
	run bash -c 'printf "add example.com A1\n" | setpriv --bounding-set=-setuid fflushd'
	assert_output --regexp '^71 '
	[ "$status" = 71 ]
	run bash -c 'printf "request\0add\0site\0example.org\0queue_id\0A2\0\0" |
		sockpair-run -t 10 -- setpriv --bounding-set=-setuid fflushd 2>/dev/null | tr "\0" "|"'
	# FLUSH_STAT_FAIL (-1), unsigned on the wire as Postfix writes it
	assert_output "${GREET}status|4294967295||"
	# the listening mode: the same answer from its workers
	if command -v systemd-socket-activate >/dev/null; then
		setpriv --bounding-set=-setuid systemd-socket-activate -E MAIL_CONFIG="$MAIL_CONFIG" \
			-l "$T/flush.sock" fflushd -o max_idle=2s > "$T/ssa.log" 2>&1 &
		LISTENER_PID=$!
		wait_for 10 test -S "$T/flush.sock"
		run bash -c 'printf "add example.com A3\n" | socat -t 30 - UNIX-CONNECT:"$1"' _ "$T/flush.sock"
		assert_output --regexp '^71 '
	fi
	# nothing was created, as root or otherwise
	run find "$Q/flush" -mindepth 1
	assert_output ""
}

@test "fflushd: concurrent servers lose no queue ID" {
	slow_test
	for p in $(seq 1 10); do
		(
			for i in $(seq 1 20); do
				printf 'request\0add\0site\0example.com\0queue_id\0P%sx%s\0\0' "$p" "$i" |
					sockpair-run -- fflushd | grep -qa 'status.0' || echo "fail P${p}x$i" >> "$T/fail"
			done
		) &
	done
	wait
	assert_file_not_exists "$T/fail"
	[ "$(sort -u "$Q/flush/example_com" | wc -l)" = 200 ]
}

@test "fflushd: given a listening socket (systemd Accept=no), workers serve many clients, then exit when idle" {
	command -v systemd-socket-activate >/dev/null || skip "needs systemd-socket-activate (package systemd)"
	queued 9FBF11234 >/dev/null
	systemd-socket-activate -E MAIL_CONFIG="$MAIL_CONFIG" -l "$T/flush.sock" fflushd -o max_idle=2s -o max_use=3 \
		> "$T/ssa.log" 2>&1 &
	local ssa=$!
	wait_socket "$T/flush.sock"
	# more requests than workers x max_use: used-up workers are replaced
	run flush-bench -s "$T/flush.sock" -n 40 add example.com 9FBF11234
	assert_success
	[ "$(grep -c 9FBF11234 "$Q/flush/example_com")" = 40 ]
	run flush-bench -s "$T/flush.sock" -n 1 send_site example.com
	assert_success
	[ "$(where 9FBF11234)" = incoming ]
	[ ! -s "$Q/flush/example_com" ]
	# idle for max_idle: the server is gone
	wait_gone "$ssa"
}

# say LINE - one text request to the listening fflushd on $T/flush.sock
say() {
	run bash -c 'printf "%s\n" "$1" | socat -t 30 - UNIX-CONNECT:"$2"' _ "$1" "$T/flush.sock"
}

@test "fflushd listening: follows \"postfix reload\": a changed table, then a changed main.cf, before the next request" {
	command -v systemd-socket-activate >/dev/null || skip "needs systemd-socket-activate (package systemd)"
	command -v socat >/dev/null || skip "needs socat"
	command -v postmap >/dev/null || skip "needs Postfix's postmap"
	queued 9FBF11234 >/dev/null
	printf 'a.example x\n' > "$T/relay"
	postmap -c "$C" "hash:$T/relay"
	{
		echo "queue_directory = $Q"
		echo "relay_domains = hash:$T/relay"
		echo "fast_flush_domains = \$relay_domains"
	} > "$C/main.cf"
	systemd-socket-activate -E MAIL_CONFIG="$MAIL_CONFIG" -l "$T/flush.sock" fflushd --text \
		-o max_idle=60s > "$T/ssa.out" 2> "$T/ssa.log" &
	SSA=$!
	wait_socket "$T/flush.sock"
	say "add a.example 9FBF11234"
	assert_output "0 ok log=a_example"
	say "add b.example 9FBF11234"
	assert_output --partial "77 denied"
	# the table changes: postmap rewrites relay.db in place
	printf 'a.example x\nb.example y\n' > "$T/relay"
	postmap -c "$C" "hash:$T/relay"
	say "add b.example 9FBF11234"
	assert_output "0 ok log=b_example"
	# main.cf changes: fast_flush_domains no longer takes relay_domains
	sed -i 's/^fast_flush_domains.*/fast_flush_domains = c.example/' "$C/main.cf"
	say "add b.example 9FBF11234"
	assert_output --partial "77 denied"
	say "add c.example 9FBF11234"
	assert_output "0 ok log=c_example"
	# a main.cf that cannot be used fails requests until it is fixed
	echo "ipc_timeout = soon" >> "$C/main.cf"
	say "add c.example 9FBF11234"
	assert_output --partial "78 "
	sed -i '/^ipc_timeout/d' "$C/main.cf"
	say "add c.example 9FBF11234"
	assert_output "0 ok log=c_example"
	kill "$SSA"
	wait "$SSA" || true
	# the reason for the failed request is on stderr (and in syslog)
	run cat "$T/ssa.log"
	assert_output --partial "ipc_timeout"
}

# listen OPTION... - fflushd's listening mode on $T/flush.sock (systemd
# Accept=no: the same process, LPID, holds the socket); returns once the
# socket is there
listen() {
	local preload=()
	# $T/nofork exists: fork() fails (tests/tools/failfork_shim.c)
	[ ! -e "$T/nofork" ] || preload=(-E LD_PRELOAD="$FF_BUILD/tests/tools/failfork.so"
		-E FF_FAILFORK="$T/nofork" -E ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0")
	systemd-socket-activate -E MAIL_CONFIG="$MAIL_CONFIG" "${preload[@]}" -l "$T/flush.sock" fflushd "$@" \
		> "$T/ssa.out" 2> "$T/ssa.log" &
	LPID=$!
	wait_for 10 test -S "$T/flush.sock"
}

# idle N - N clients that connect and send nothing (their PIDs in IDLE)
idle() {
	local i
	IDLE=()
	for i in $(seq 1 "$1"); do
		timeout 120 socat -u EXEC:'sleep 120' UNIX-CONNECT:"$T/flush.sock" &
		IDLE+=($!)
	done
}

# at_least N - fflushd's listening parent has N workers or more
at_least() { [ "$(kids "$LPID" | wc -l)" -ge "$1" ]; }

need_listen() {
	command -v systemd-socket-activate >/dev/null || skip "needs systemd-socket-activate (package systemd)"
	command -v socat >/dev/null || skip "needs socat"
}

@test "fflushd listening: a failed fork is logged and retried, not taken for a worker; it serves once fork works" {
	need_listen
	queued 9FBF11234 >/dev/null
	touch "$T/nofork"
	listen -v --text -o max_idle=60s
	# the first client starts fflushd (systemd-socket-activate waits for
	# it), then waits in the backlog while no worker can be started
	( printf 'add example.com 9FBF11234\n' | socat -t 30 - UNIX-CONNECT:"$T/flush.sock" > "$T/reply" ) &
	local client=$!
	wait_for 10 grep -q "cannot start a worker: fork: Resource temporarily unavailable; trying again every second" "$T/ssa.log"
	# said once, no worker runs, and the parent is still there to try again
	[ "$(grep -c 'cannot start a worker' "$T/ssa.log")" = 1 ]
	[ -z "$(kids "$LPID")" ]
	kill -0 "$LPID"
	rm "$T/nofork"
	wait "$client"
	[ "$(cat "$T/reply")" = "0 ok log=example_com" ]
	grep -q "worker started after [0-9]* failed forks" "$T/ssa.log"
	kill -TERM "$LPID"
	wait "$LPID" || true
}

@test "fflushd listening: SIGTERM to the parent stops every worker, busy ones included" {
	need_listen
	queued 9FBF11234 >/dev/null
	listen --text -o max_idle=60s
	idle 3
	# three workers hold the idle clients: the pool grew for the fourth
	wait_for 20 at_least 4
	say "add example.com 9FBF11234"
	assert_output "0 ok log=example_com"
	workers=$(kids "$LPID")
	kill -TERM "$LPID"
	wait "$LPID" || true
	wait_for 10 gone $workers
	kill "${IDLE[@]}" 2>/dev/null || true
}

@test "fflushd listening: SIGKILL to the parent leaves no orphan worker" {
	need_listen
	listen --text -o max_idle=60s
	say "add example.com 9FBF11234"
	assert_output "0 ok log=example_com"
	workers=$(kids "$LPID")
	[ -n "$workers" ]
	kill -KILL "$LPID"
	wait "$LPID" || true
	# the workers see their status channel close
	wait_for 10 gone $workers
}

@test "fflushd listening: SIGHUP reads main.cf again and replaces every worker" {
	need_listen
	listen --text -o max_idle=60s
	say "add example.com 9FBF11234"
	assert_output "0 ok log=example_com"
	old=$(kids "$LPID")
	[ -n "$old" ]
	conf fast_flush_domains=other.example
	kill -HUP "$LPID"
	wait_for 10 gone $old
	say "add example.com 9FBF11234"
	assert_output --partial "77 denied"
	say "add other.example 9FBF11234"
	assert_output "0 ok log=other_example"
	for p in $(kids "$LPID"); do
		[[ " $old " != *" $p "* ]]
	done
	kill -TERM "$LPID"
	wait "$LPID" || true
	run cat "$T/ssa.log"
	refute_output --partial "killed by signal"
}

@test "fflushd listening: 64 idle clients do not hold up a request; the pool grows for them" {
	need_listen
	slow_test
	listen --text -o max_idle=60s -o fastflush_idle_client_timeout=60s
	idle 64
	wait_for 60 at_least 65 || {
		echo "workers: $(kids "$LPID" | wc -l), idle clients alive: $(kids $$ | wc -l)"
		cat "$T/ssa.log"
		false
	}
	# served by the 65th worker, long before any idle client is cut off
	say "add example.com 9FBF11234"
	assert_success
	assert_output "0 ok log=example_com"
	kill "${IDLE[@]}" 2>/dev/null || true
	kill -TERM "$LPID"
	wait "$LPID" || true
}

@test "fflushd listening: at the pool's cap, idle clients are cut off after fastflush_idle_client_timeout" {
	need_listen
	listen --text -o max_idle=60s -o default_process_limit=4 -o fastflush_idle_client_timeout=1s
	idle 8
	wait_for 20 at_least 4
	# the request waits behind idle clients, each cut off after 1 s
	say "add example.com 9FBF11234"
	assert_success
	assert_output "0 ok log=example_com"
	[ "$(kids "$LPID" | wc -l)" -le 4 ]
	kill "${IDLE[@]}" 2>/dev/null || true
	kill -TERM "$LPID"
	wait "$LPID" || true
}

# usec - now, in microseconds
usec() { echo "${EPOCHREALTIME/./}"; }

# ask_listening LINE - one text request to the listening fflushd, bounded
# by timeout; $output is the reply
ask_listening() {
	run timeout 20 bash -c 'printf "%s\n" "$1" | socat -t 30 - UNIX-CONNECT:"$2"' _ "$1" "$T/flush.sock"
}

# client hold|ask SOCK FLAG [LINE OUT] - hold: connect, wait for Postfix's
# greeting (a worker has taken the connection), create FLAG, then stay until
# the server hangs up. ask: connect, create FLAG (the connection is queued
# or taken), send LINE, write the reply line to OUT
client() {
	timeout 60 python3 -c '
import socket, sys
mode, path, flag = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
if mode == "hold":
    got = b""
    while not got.endswith(b"\0\0"):
        b = s.recv(100)
        if not b:
            sys.exit(1)
        got += b
    open(flag, "w").close()
    while s.recv(100):
        pass
else:
    open(flag, "w").close()
    s.sendall(sys.argv[4].encode() + b"\n")
    f = s.makefile("rb")
    open(sys.argv[5], "wb").write(f.readline())
' "$@"
}

@test "fflushd listening: workers killed by a signal while idle are replaced at once, and the pool stays" {
	need_listen
	# -v: the warnings are on stderr too
	listen -v --text -o max_idle=60s
	ask_listening "add example.com 9FBF11234"
	assert_output "0 ok log=example_com"
	local i ws t0 waited=0
	for i in $(seq 1 20); do
		ws=$(kids "$LPID")
		[ -n "$ws" ]
		t0=$(usec)
		# shellcheck disable=SC2086
		kill -KILL $ws
		# shellcheck disable=SC2086
		wait_for 10 gone $ws
		ask_listening "add example.com 9FBF1123$((i % 10))"
		assert_output "0 ok log=example_com"
		waited=$((waited + $(usec) - t0))
		# the same parent answered: it did not exit
		kill -0 "$LPID"
	done
	# replaced at once, not after a one-second back-off per death (20 s)
	echo "20 deaths and requests took $((waited / 1000)) ms"
	[ "$waited" -lt 10000000 ]
	kill -TERM "$LPID"
	wait "$LPID" || true
	# (a worker killed before its first status counts as a start-up crash:
	# it is replaced a second later, which the bound above allows for)
	run grep -c "killed by signal 9" "$T/ssa.log"
	[ "$output" -ge 20 ]
}

@test "fflushd listening: a client queued behind a worker killed while busy is served at once" {
	need_listen
	command -v python3 >/dev/null || skip "needs python3"
	# one worker at a time: the request waits in the socket's queue
	listen -o max_idle=60s -o default_process_limit=1 -o fastflush_idle_client_timeout=60s
	local i w hold asker t0 waited=0
	for i in $(seq 1 10); do
		rm -f "$T/held" "$T/queued" "$T/reply"
		client hold "$T/flush.sock" "$T/held" &
		hold=$!
		wait_for 20 test -e "$T/held"
		client ask "$T/flush.sock" "$T/queued" "add example.com 9FBF1123$((i % 10))" "$T/reply" &
		asker=$!
		wait_for 20 test -e "$T/queued"
		w=$(kids "$LPID")
		[ "$(echo "$w" | wc -w)" = 1 ]
		t0=$(usec)
		kill -KILL "$w"
		# the held client sees the worker's end; the queued one is answered
		wait "$hold" || true
		wait "$asker"
		waited=$((waited + $(usec) - t0))
		[ "$(cat "$T/reply")" = "0 ok log=example_com" ]
		kill -0 "$LPID"
	done
	echo "10 deaths took $((waited / 1000)) ms"
	[ "$waited" -lt 5000000 ]
	kill -TERM "$LPID"
	wait "$LPID" || true
}
