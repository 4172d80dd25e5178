#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# scache-ctl: the connection cache server and its command-line client.
# Protocol parity with Postfix's scache is in tests/interop/scache.bats,
# Postfix's smtp(8) using our server in tests/interop/e2e_scache.bats.

load helpers

setup() {
	mkspool
	SERVER_PID=
	HOLDERS=()
}

teardown() {
	for p in "${HOLDERS[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	# a server started on demand runs in its own session
	if [ -s "$Q/private/scache.lock" ]; then
		kill "$(cat "$Q/private/scache.lock")" 2>/dev/null || true
	fi
	rmspool
}

# as_nobody CMD [ARG...] - CMD as user nobody, group nogroup, no other groups
as_nobody() {
	setpriv --reuid nobody --regid nogroup --clear-groups "$@"
}

# serve [options] - a server in the background, logging to $T/serve.log
serve() {
	scache-ctl serve "$@" 2> "$T/serve.log" &
	SERVER_PID=$!
	wait_socket "$Q/private/scache" && return 0
	cat "$T/serve.log" >&2
	return 1
}

# replace - a successor by "serve --replace" (its log in $T/new.log) takes
# over from $SERVER_PID; returns once the old server has exited
replace() {
	local old=$SERVER_PID
	scache-ctl serve --replace 2> "$T/new.log" &
	SERVER_PID=$!
	wait "$old"
}

@test "scache-ctl: --help, --version and usage errors" {
	run scache-ctl --help
	assert_success
	assert_output --partial "usage: scache-ctl"
	assert_output --partial "find-endp"
	run scache-ctl -V
	assert_success
	run -64 scache-ctl
	assert_output --partial "which command"
	run -64 scache-ctl frobnicate
	assert_output --partial "unknown command"
	run -64 scache-ctl save-endp 10 ep
	run -64 scache-ctl save-endp 0 ep props
	assert_output --partial "bad TTL"
	run -64 scache-ctl save-endp --fd 99 10 ep props
	assert_output --partial "descriptor 99"
	run -64 scache-ctl find-endp
	run -64 scache-ctl find-endp a b
	run -64 scache-ctl list -- true
	run -64 scache-ctl find-endp ep --
	run -64 scache-ctl stats --replace
	run -64 scache-ctl list --all
	run -64 scache-ctl stats --fd 3
	run -64 scache-ctl delete
	run -64 scache-ctl serve --allow bogus
	run -64 scache-ctl serve --allow frob=root
	assert_output --partial "unknown operation"
	run -64 scache-ctl serve --allow find=no-such-user-here
	run -64 scache-ctl serve extra
}

@test "scache-ctl: usage errors and usage come from its table of subcommands (--list-commands)" {
	local names name
	names=$(scache-ctl --list-commands | cut -d' ' -f1)
	[ "$(wc -l <<<"$names")" -ge 8 ]
	run -64 scache-ctl
	assert_line "scache-ctl: which command? ($(paste -sd, <<<"$names" | sed 's/,/, /g'))"
	run -64 scache-ctl save-endp 10 ep
	assert_line "scache-ctl: save-endp: want TTL ENDPOINT PROPS"
	run -64 scache-ctl save-dest 10 d p
	assert_line "scache-ctl: save-dest: want TTL DEST DEST-PROPS ENDPOINT"
	run -64 scache-ctl find-dest
	assert_line "scache-ctl: find-dest: want DEST"
	run -64 scache-ctl delete --all x
	assert_line "scache-ctl: delete: want LABEL, or --all"
	run -64 scache-ctl delete ''
	assert_line "scache-ctl: delete: empty LABEL (use --all)"
	run -64 scache-ctl stats x
	assert_line "scache-ctl: stats takes no arguments"
	run -64 scache-ctl serve x
	assert_line "scache-ctl: serve takes no arguments"
	run -64 scache-ctl stats --replace
	assert_line "scache-ctl: --replace, --allow, --trust-savers and --max-sessions are for serve, not stats"
	run -64 scache-ctl list --all
	assert_line "scache-ctl: --endp, --dest and --all are for delete, not list"
	run -64 scache-ctl -a find=root delete --endp x
	assert_line "scache-ctl: --replace, --allow, --trust-savers and --max-sessions are for serve, not delete"
	run -64 scache-ctl save-dest --fd 3 10 d p e
	assert_line "scache-ctl: --fd is for save-endp, find-endp and find-dest, not save-dest"
	run -64 scache-ctl frob --fd 3
	assert_line "scache-ctl: --fd is for save-endp, find-endp and find-dest, not frob"
	run -64 scache-ctl list -- true
	assert_line "scache-ctl: list: no command to run with it"
	run -64 scache-ctl find-endp ep --
	assert_line "scache-ctl: -- needs a command after it"
	run -64 scache-ctl frob
	assert_line "scache-ctl: unknown command: frob"
	# every subcommand has a usage line; --list-commands is not in the usage
	run scache-ctl --help
	for name in $names; do
		assert_output --regexp "(^|
)(usage: | +)scache-ctl [^
]* $name( |
)"
	done
	refute_output --partial list-commands
	# standard output that cannot be written: said, exit 71
	run -71 bash -c 'scache-ctl --list-commands > /dev/full'
	assert_output "scache-ctl: error: write standard output: No space left on device"
}

@test "scache-ctl: no server and -n: exit 69, nothing started" {
	run -69 scache-ctl -n stats
	assert_output --partial "connect to"
	[ ! -e "$Q/private/scache" ]
}

# nofork [SKIP] CMD... - CMD with fork() failing while $T/nofork exists,
# except its first SKIP forks (counted into the children too)
nofork() {
	local skip=$1
	shift
	env LD_PRELOAD="$FF_BUILD/tests/tools/failfork.so" FF_FAILFORK="$T/nofork" \
		FF_FAILFORK_SKIP="$skip" ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" "$@"
}

@test "scache-ctl: a failed fork of the on-demand start is reported at once, not waited out" {
	touch "$T/nofork"
	# the client's own fork fails
	run -69 nofork 0 scache-ctl stats
	assert_output "scache-ctl: fork: Resource temporarily unavailable"
	# the starter's second fork (the server's) fails: the client is told
	# (was: taken for a started server, the client waited 5 s to connect)
	run -69 nofork 1 scache-ctl stats
	assert_output "scache-ctl: start connection cache server: fork: Resource temporarily unavailable"
	[ ! -e "$Q/private/scache" ]
	# forks work again: the next client starts the server
	rm "$T/nofork"
	run nofork 1 scache-ctl stats
	assert_success
	assert_line --regexp '^pid=[0-9]+$'
}

@test "scache-ctl: configuration mistakes: exit 78 naming them, an unused -o warned about" {
	mkdir "$T/nomaincf"
	run -78 scache-ctl -c "$T/nomaincf" -n stats
	assert_output "scache-ctl: open $T/nomaincf/main.cf: No such file or directory"
	run -78 scache-ctl -c "$T/nomaincf" serve
	assert_output "scache-ctl: error: open $T/nomaincf/main.cf: No such file or directory"
	run -78 scache-ctl -o connection_cache_ttl_limit='$ttl' -o ttl='$connection_cache_ttl_limit' -n stats
	assert_output 'scache-ctl: parameter connection_cache_ttl_limit: recursive expansion of $connection_cache_ttl_limit (in the value of $ttl)'
	run -78 scache-ctl -o connection_cache_service_name='${name' serve
	assert_output 'scache-ctl: error: parameter connection_cache_service_name: missing "}" in "${name"'
	[ ! -e "$Q/private/scache" ]
	run -69 --separate-stderr scache-ctl -o connection_cache_ttl=5s -n stats
	[ "${stderr_lines[0]}" = 'scache-ctl: warning: -o connection_cache_ttl=5s: unused parameter (fastflush does not read "connection_cache_ttl")' ]
}

@test "scache-ctl: the first client starts a server on demand; it serves many clients and exits when idle" {
	no_valgrind "clients start slower than max_idle = 2s"
	conf "max_idle = 2s" "connection_cache_ttl_limit = 60s"
	echo A > "$T/a"
	run scache-ctl save-endp --fd 5 30 ep propsA 5< "$T/a"
	assert_success
	[ -S "$Q/private/scache" ]
	local pid
	pid=$(cat "$Q/private/scache.lock")
	kill -0 "$pid"
	# two clients racing to start: still one server
	run scache-ctl stats
	assert_success
	assert_line "pid=$pid"
	assert_line "sessions=1"
	run scache-ctl find-endp ep -- sh -c 'echo "$SCACHE_ENDP_PROPS fd=$SCACHE_FD"; cat <&3'
	assert_success
	assert_output "propsA fd=3
A"
	# idle: gone after max_idle
	wait_gone "$pid"
}

@test "scache-ctl: clients racing to start the server on demand all succeed; one server serves them" {
	conf "max_idle = 60s" "connection_cache_ttl_limit = 60s"
	local pids=() i pid
	for i in 1 2 3 4 5 6 7 8; do
		echo "$i" > "$T/f$i"
		scache-ctl save-endp --fd 5 30 "ep$i" "p$i" 5< "$T/f$i" > "$T/o$i" 2>&1 &
		pids+=("$!")
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { cat "$T/o$((i + 1))"; false; }
	done
	pid=$(cat "$Q/private/scache.lock")
	run scache-ctl stats
	assert_success
	assert_line "pid=$pid"
	assert_line "sessions=8"
	kill "$pid"
	wait_for 10 gone "$pid"
}

@test "scache-ctl: sessions come back oldest first; properties printed; a miss exits 1" {
	conf "connection_cache_ttl_limit = 60s"
	serve
	for n in A B C; do
		echo "$n" > "$T/$n"
		scache-ctl save-endp --fd 5 30 smtp:192.0.2.1:25 "p$n" 5< "$T/$n"
	done
	run scache-ctl find-endp --fd 7 smtp:192.0.2.1:25 -- sh -c 'cat <&7'
	assert_output A
	run scache-ctl find-endp smtp:192.0.2.1:25
	assert_success
	assert_output pB
	run scache-ctl find-endp smtp:192.0.2.1:25 -- cat /dev/fd/3
	assert_output C
	run -1 scache-ctl find-endp smtp:192.0.2.1:25
	assert_output --partial "nothing cached"
	run -1 scache-ctl -q find-endp smtp:192.0.2.1:25
	assert_output ""
}

@test "scache-ctl: destinations bind to endpoints; find-dest tries bindings oldest first" {
	conf "connection_cache_ttl_limit = 60s"
	serve
	echo one > "$T/1"
	echo two > "$T/2"
	scache-ctl save-endp --fd 5 30 E1 e1 5< "$T/1"
	scache-ctl save-endp --fd 5 30 E2 e2 5< "$T/2"
	scache-ctl save-dest 30 example.com d1 E1
	scache-ctl save-dest 30 example.com d2 E2
	run scache-ctl find-dest example.com -- sh -c 'echo "$SCACHE_DEST_PROPS/$SCACHE_ENDP_PROPS"; cat <&3'
	assert_output "d1/e1
one"
	run scache-ctl --json find-dest example.com
	assert_output '{"dest_props":"d2","endp_props":"e2"}'
	run -1 scache-ctl find-dest example.com
	# the bindings are still there
	run scache-ctl -q list
	assert_line --regexp '^dest	example\.com	d1	E1	[0-9.]+$'
	assert_line --regexp '^dest	example\.com	d2	E2	[0-9.]+$'
}

@test "scache-ctl: list, list --json, stats --json and delete" {
	conf "connection_cache_ttl_limit = 60s"
	serve
	echo x > "$T/x"
	scache-ctl save-endp --fd 5 30 'ep one' 'a	b' 5< "$T/x"
	scache-ctl save-endp --fd 5 30 ep2 p 5< "$T/x"
	scache-ctl save-dest 20 dom dp ep2
	run scache-ctl list
	assert_line --index 0 "KIND	LABEL	PROPS	ENDPOINT-OR-PEER	TTL"
	assert_line --regexp '^endp	ep one	a\\tb	file	(2[0-9]|30)\.[0-9]{3}$'
	run scache-ctl --json list
	assert_line --regexp '^\{"kind":"endp","label":"ep one","props":"a\\tb","peer":"file","ttl_ms":[0-9]+\}$'
	assert_line --regexp '^\{"kind":"dest","label":"dom","props":"dp","endpoint":"ep2","ttl_ms":[0-9]+\}$'
	run scache-ctl --json stats
	assert_output --regexp '^\{"pid":[0-9]+,.*"sessions":2,"bindings":1,.*\}$'
	run scache-ctl delete --endp 'ep one'
	assert_output "deleted 1"
	run scache-ctl delete --dest ep2
	assert_output "deleted 0"
	run scache-ctl delete ep2
	assert_output "deleted 1"
	run scache-ctl delete --all
	assert_output "deleted 1"
	run scache-ctl -q list
	assert_output ""
}

@test "scache-ctl: TTLs are clamped to connection_cache_ttl_limit; expired connections are closed" {
	conf "connection_cache_ttl_limit = 1s"
	serve
	echo x > "$T/x"
	scache-ctl save-endp --fd 5 100 ep p 5< "$T/x"
	run scache-ctl -q list
	assert_output --regexp '	(0\.[0-9]{3}|1\.000)$'
	# expired after 1 s, not 100: gone well within 30 s
	wait_for 30 bash -c '[ -z "$(scache-ctl -q list)" ]'
	run -1 scache-ctl find-endp ep
	run scache-ctl -q list
	assert_output ""
}

@test "scache-ctl: closing an expired connection with SO_LINGER and a stalled peer does not block the server" {
	conf "connection_cache_ttl_limit = 1s"
	serve
	# a TCP connection whose peer never reads: unsent data, zero window,
	# SO_LINGER 60 s; cached for 1 s, then this process lets go of it
	python3 - "$T/saved" <<-'PY' &
	import os, socket, struct, subprocess, sys, time
	srv = socket.socket()
	srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
	srv.bind(("127.0.0.1", 0))
	srv.listen(1)
	c = socket.socket()
	c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
	c.connect(srv.getsockname())
	peer, _ = srv.accept()
	c.setblocking(False)
	try:
	    while True:
	        c.send(b"x" * 4096)
	except BlockingIOError:
	    pass
	c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 60))
	subprocess.run(["scache-ctl", "save-endp", "--fd", str(c.fileno()), "1", "ep", "p"],
	               pass_fds=[c.fileno()], check=True)
	c.close()
	open(sys.argv[1], "w").close()
	time.sleep(3600)
	PY
	LISTENER_PID=$!
	wait_for 10 test -e "$T/saved"
	# it expires after 1 s; the server closes it and goes on answering
	wait_for 20 bash -c '[ -z "$(timeout 5 scache-ctl -q list)" ]'
	run timeout 5 scache-ctl stats
	assert_success
}

@test "scache-ctl: a cached connection whose peer hangs up is dropped at once" {
	command -v socat >/dev/null || skip "needs socat"
	conf "connection_cache_ttl_limit = 60s"
	serve
	# a peer that stays up until told to go
	socat UNIX-LISTEN:"$T/peer.sock" SYSTEM:'read x' &
	local peer=$!
	wait_socket "$T/peer.sock"
	socat UNIX-CONNECT:"$T/peer.sock" EXEC:'scache-ctl save-endp --fd 0 30 ep p',nofork
	run scache-ctl -q list
	assert_line --regexp '^endp	ep	p	unix	'
	kill "$peer"
	wait "$peer" 2>/dev/null || true
	# dropped when the hang-up is seen, long before its 30 s TTL
	wait_for 20 bash -c '[ -z "$(scache-ctl -q list)" ]'
	run scache-ctl -q list
	assert_output ""
	run scache-ctl stats
	assert_line "hung_up=1"
}

@test "scache-ctl: the session cap closes the connection closest to expiry" {
	conf "connection_cache_ttl_limit = 60s"
	serve --max-sessions 2
	echo x > "$T/x"
	scache-ctl save-endp --fd 5 50 long p 5< "$T/x"
	scache-ctl save-endp --fd 5 10 short p 5< "$T/x"
	scache-ctl save-endp --fd 5 30 new p 5< "$T/x"
	run scache-ctl -q list
	assert_line --regexp '^endp	long	'
	assert_line --regexp '^endp	new	'
	refute_line --regexp '^endp	short	'
	run scache-ctl stats
	assert_line "evicted=1"
	assert_line "max_sessions=2"
}

@test "scache-ctl: a low descriptor limit caps sessions and clients, for serve and on demand" {
	no_valgrind "it reserves descriptors below the limit"
	conf "max_idle = 2s"
	# serve: the warning in its log, the caps in its stats
	(ulimit -n 200 && exec scache-ctl serve) 2> "$T/serve.log" &
	SERVER_PID=$!
	wait_socket "$Q/private/scache"
	run scache-ctl stats
	assert_success
	assert_line "max_sessions=143"
	run cat "$T/serve.log"
	assert_output --partial "descriptor limit 200: caching at most 143 connections for at most 25 clients"
	kill "$SERVER_PID"
	wait "$SERVER_PID" || true
	SERVER_PID=
	# on demand: the server started by a client with the same limit
	run sh -c 'ulimit -n 200 && exec scache-ctl stats'
	assert_success
	assert_line "max_sessions=143"
}

@test "scache-ctl: one server per spool; it logs Postfix's statistics lines at exit" {
	no_valgrind "clients start slower than max_idle = 1s"
	conf "max_idle = 1s"
	serve
	run -75 scache-ctl serve
	assert_output --partial "another cache server is running (pid $SERVER_PID)"
	echo x > "$T/x"
	scache-ctl save-endp --fd 5 1 ep p 5< "$T/x"
	scache-ctl find-endp ep
	scache-ctl -q find-endp ep || true
	scache-ctl -q find-dest nowhere || true
	wait "$SERVER_PID"
	SERVER_PID=
	run cat "$T/serve.log"
	assert_line --regexp '^scache-ctl: info: statistics: start interval [A-Z][a-z]{2} [ 0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$'
	assert_line "scache-ctl: info: statistics: domain lookup hits=0 miss=1 success=0%"
	assert_line "scache-ctl: info: statistics: address lookup hits=1 miss=1 success=50%"
	assert_line "scache-ctl: info: statistics: max simultaneous domains=0 addresses=1 connection=1"
}

# misses_logged N - the "address lookup" statistics lines in $T/serve.log
# count N misses or more in all
misses_logged() {
	[ "$(sed -n 's/.*statistics: address lookup hits=[0-9]* miss=\([0-9]*\) .*/\1/p' "$T/serve.log" |
		awk '{ n += $1 } END { print n + 0 }')" -ge "$1" ]
}

@test "scache-ctl: statistics every connection_cache_status_update_time, counters reset" {
	conf "connection_cache_status_update_time = 1s"
	serve
	scache-ctl -q find-endp nothing || true
	# the interval's statistics: one miss
	wait_for 30 misses_logged 1
	scache-ctl -q find-endp nothing || true
	scache-ctl -q find-endp nothing || true
	# two more: in one later interval (miss=2), or, when an interval
	# ends between them, in two (miss=1 twice)
	wait_for 30 misses_logged 3
	run grep -o 'statistics: address lookup .*' "$T/serve.log"
	assert_line --index 0 "statistics: address lookup hits=0 miss=1 success=0%"
	[ "${#lines[@]}" -ge 2 ] && [ "${#lines[@]}" -le 3 ]
	local l re='^statistics: address lookup hits=0 miss=[12] success=0%$'
	for l in "${lines[@]}"; do [[ $l =~ $re ]] || fail "unexpected: $l"; done
	# the counters were reset: no miss is counted twice
	run -1 misses_logged 4
}

@test "scache-ctl: serve --replace hands connections and the socket to the successor" {
	conf "connection_cache_ttl_limit = 60s"
	serve
	echo first > "$T/1"
	echo second > "$T/2"
	scache-ctl save-endp --fd 5 30 ep p1 5< "$T/1"
	scache-ctl save-endp --fd 5 30 ep p2 5< "$T/2"
	scache-ctl save-dest 30 dom dp ep
	replace
	run cat "$T/new.log"
	assert_output --partial "took over 2 connections and 1 bindings"
	run scache-ctl stats
	assert_line "pid=$SERVER_PID"
	run scache-ctl find-dest dom -- cat /dev/fd/3
	assert_output first
	run scache-ctl find-endp ep -- cat /dev/fd/3
	assert_output second
	[ "$(cat "$Q/private/scache.lock")" = "$SERVER_PID" ]
}

@test "scache-ctl: serve --replace hands over 10,000 sessions (the default cap) within its deadline" {
	# issue 12 #5: the handoff reader had no size limit (SIZE_MAX), which
	# wrapped to one byte per read(2): 10,000 sessions with 600-byte
	# properties (Postfix's TLS sessions make them long) missed the 10 s deadline
	slow_test
	conf "connection_cache_ttl_limit = 3600s"
	serve
	echo x > "$T/x"
	run scache-bench mem -s "$Q/private/scache" -p "$SERVER_PID" -n 10000 -t 3600 -f "$T/x" -l 600
	assert_success
	run scache-ctl stats
	assert_line "sessions=10000"
	replace
	run cat "$T/new.log"
	assert_output --partial "took over 10000 connections and 0 bindings"
	run scache-ctl stats
	assert_line "pid=$SERVER_PID"
	assert_line "sessions=10000"
}

@test "scache-ctl: huge time-outs are clamped to about 68 years, never wrapped" {
	# issue 12 #9: seconds to milliseconds overflowed
	serve -t 9223372036854775807s -o connection_cache_ttl_limit=9999999999999999w \
		-o max_idle=9223372036854776s -o connection_cache_status_update_time=30d
	echo x > "$T/x"
	run timeout 20 scache-ctl -t 9223372036854775807s save-endp --fd 5 30 ep p 5< "$T/x"
	assert_success
	run timeout 20 scache-ctl -o connection_cache_protocol_timeout=9999999999999999w -q list
	assert_line --regexp '^endp	ep	p	file	'
	run scache-ctl -t 9223372036854775808s stats
	assert_failure 64
	assert_output --partial "bad time-out"
}

@test "scache-ctl: serve --replace with nothing running starts afresh" {
	serve --replace
	run scache-ctl stats
	assert_success
	run cat "$T/serve.log"
	assert_output --partial "no takeover"
}

@test "scache-ctl: peer credentials: only root and the spool owner by default; --allow per operation" {
	no_valgrind "its wrappers are in a directory only root can enter"
	need_root
	id nobody >/dev/null 2>&1 || skip "needs user nobody"
	chmod 755 "$Q/private"
	conf "connection_cache_ttl_limit = 60s"
	serve --allow stats,list=nobody
	echo x > "$T/x"
	chmod 644 "$T/x"
	scache-ctl save-endp --fd 5 30 ep p 5< "$T/x"
	# a copy nobody can reach: the checkout may be in a directory only root enters
	local ctl=$T/scache-ctl
	cp "$(command -v scache-ctl)" "$ctl"
	chmod 755 "$ctl"
	# nobody may look, not take or save
	run as_nobody "$ctl" -n stats
	assert_success
	assert_line "sessions=1"
	run -1 as_nobody "$ctl" -n find-endp ep
	run -75 as_nobody bash -c '"$1" -n save-endp --fd 5 30 ep p 5< "$2"' _ "$ctl" "$T/x"
	run -77 as_nobody "$ctl" -n delete --all
	run grep -c 'permission denied' "$T/serve.log"
	assert_output 3
	run scache-ctl stats
	assert_line "sessions=1"
	assert_line "denied=3"
}

@test "scache-ctl: granting save needs --trust-savers (users share Postfix's labels)" {
	need_root
	id nobody >/dev/null 2>&1 || skip "needs user nobody"
	run -64 scache-ctl serve --allow find,save=nobody
	assert_output --partial "grants save"
	assert_output --partial "--trust-savers"
	run -64 scache-ctl serve -a all=nobody
	assert_output --partial "--trust-savers"
	run -64 scache-ctl --trust-savers stats
	assert_output --partial "for serve"
	[ ! -e "$Q/private/scache" ]
	# explicitly trusted: nobody saves, and Postfix's smtp would find it
	chmod 755 "$Q/private"
	serve --trust-savers --allow save=nobody
	echo x > "$T/x"
	chmod 644 "$T/x"
	local ctl=$T/scache-ctl
	cp "$(command -v scache-ctl)" "$ctl"
	chmod 755 "$ctl"
	run as_nobody bash -c '"$1" -n save-endp --fd 5 30 smtp:192.0.2.1:25 p 5< "$2"' _ "$ctl" "$T/x"
	assert_success
	run scache-ctl -n find-endp smtp:192.0.2.1:25 -- cat /dev/fd/3
	assert_output x
}

# hold_clients [-n] N FILE [BYTES] - N connections to the cache server
# (-n: as user nobody) that each send about BYTES of an unfinished
# save_dest request (none when 0); FILE appears once all are made, then they are
# kept open until the test ends. Connections the server closes are fine.
hold_clients() {
	local as=()
	if [ "$1" = -n ]; then
		as=(setpriv --reuid nobody --regid nogroup --clear-groups)
		shift
	fi
	cat > "$T/hold.py" <<-'PY'
	import resource, socket, sys, time
	path, n, done, nbytes = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
	soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
	resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
	held = []
	# three values of a third each (a value may have 1 MiB), the last unended
	third = nbytes // 3
	req = (b"request\0save_dest\0ttl\0" + b"100\0label\0" + b"x" * third +
	       b"\0property\0" + b"y" * third + b"\0label\0" + b"z" * third)
	for i in range(n):
	    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	    s.settimeout(30)
	    s.connect(path)
	    held.append(s)
	    if nbytes:
	        try:
	            s.sendall(req)
	        except OSError:
	            pass
	open(done, "w").close()
	while True:
	    time.sleep(3600)
	PY
	chmod 644 "$T/hold.py"
	"${as[@]}" /usr/bin/python3 "$T/hold.py" "$Q/private/scache" "$1" "$2" "${3:-0}" &
	HOLDERS+=($!)
	wait_for 120 test -e "$2"
}

@test "scache-ctl: peers allowed nothing are refused at accept and cannot lock others out" {
	need_root
	id nobody >/dev/null 2>&1 || skip "needs user nobody"
	chmod 755 "$Q/private"
	chmod 777 "$T"
	serve
	# 1,050 connections from nobody: more than the 1,000 clients served at once
	hold_clients -n 1050 "$T/held"
	# root is still served at once, and nobody is told why it was refused
	run timeout 10 scache-ctl -n stats
	assert_success
	assert_line --regexp '^refused=1[0-9]{3}$'
	local ctl=$T/scache-ctl
	cp "$(command -v scache-ctl)" "$ctl"
	chmod 755 "$ctl"
	run -77 as_nobody "$ctl" -n stats
	assert_output --partial "permission denied"
	# the log has a line for the 1st, 2nd, 4th, ... refusal, not one each
	run grep -c 'no operation allowed: connection refused' "$T/serve.log"
	[ "$output" -ge 2 ] && [ "$output" -le 12 ]
}

@test "scache-ctl: a client that sends nothing is cut off after fastflush_idle_client_timeout" {
	conf "fastflush_idle_client_timeout = 1s"
	serve
	# connect, read the greeting, send nothing: the server hangs up
	run timeout 20 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
while s.recv(4096):
    pass
print("cut off")' "$Q/private/scache"
	assert_output "cut off"
	run grep -c 'sent nothing for 1000 ms; disconnecting' "$T/serve.log"
	assert_output 1
	run scache-ctl -n stats
	assert_success
}

@test "scache-ctl: a request denied by its name is refused before the rest is read; all clients' input is bounded" {
	need_root
	id nobody >/dev/null 2>&1 || skip "needs user nobody"
	chmod 755 "$Q/private"
	chmod 777 "$T"
	serve --allow stats=nobody
	# 40 unfinished 3 MiB save_dest requests from a user who may not save:
	# each is refused on its name, its connection closed
	hold_clients -n 40 "$T/held.nobody" 3145728
	run grep -c 'save_dest: permission denied' "$T/serve.log"
	assert_output 40
	# 40 more from root, who may save: 120 MiB in all, more than the 64 MiB
	# held for all clients together; the clients over it are cut off
	hold_clients 40 "$T/held.root" 3145728
	run grep -c 'the requests of all clients hold' "$T/serve.log"
	[ "$output" -ge 1 ]
	# the server's peak memory stayed near that bound
	local hwm
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
	echo "peak RSS ${hwm} kB"
	# (AddressSanitizer keeps freed memory in quarantine: no figure there)
	sanitized || [ "$hwm" -lt $((100 * 1024)) ]
	run timeout 10 scache-ctl -n stats
	assert_success
}

@test "scache-ctl: a listening socket from systemd (Accept=no) or xinetd (wait = yes, on stdin)" {
	conf "max_idle = 1s" "connection_cache_ttl_limit = 60s"
	if command -v systemd-socket-activate >/dev/null; then
		systemd-socket-activate -E MAIL_CONFIG="$MAIL_CONFIG" -l "$T/sc.sock" scache-ctl serve \
			2> "$T/ssa.log" &
		local ssa=$!
		wait_socket "$T/sc.sock"
		ln -s "$T/sc.sock" "$Q/private/scache"
		echo x > "$T/x"
		run scache-ctl -n save-endp --fd 5 30 ep p 5< "$T/x"
		assert_success
		run scache-ctl -n find-endp ep -- cat /dev/fd/3
		assert_output x
		wait "$ssa"
		rm "$Q/private/scache"
	fi
	# xinetd style: the listening socket as standard input
	perl -MIO::Socket::UNIX -e '
		my $l = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0], Listen => 5) or die $!;
		open(STDIN, "<&", $l) or die $!; exec @ARGV[1..$#ARGV]' \
		"$Q/private/scache" scache-ctl serve 2> "$T/inetd.log" &
	SERVER_PID=$!
	wait_socket "$Q/private/scache"
	run scache-ctl -n stats
	assert_success
	assert_line "pid=$SERVER_PID"
	wait "$SERVER_PID"
	SERVER_PID=
}

@test "scache-ctl: a 300-byte service name with an inherited socket is refused, no lock file under a cut name" {
	conf "max_idle = 1s"
	local long
	long=$(printf 'a%.0s' $(seq 1 300))
	# an inherited listening socket (xinetd style): no socket path is
	# built, only the lock file name "$long.lock" (was cut to 255 bytes)
	run -78 timeout 20 perl -MIO::Socket::UNIX -e '
		my $l = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0], Listen => 5) or die $!;
		open(STDIN, "<&", $l) or die $!; exec @ARGV[1..$#ARGV]' \
		"$T/sc.sock" scache-ctl -o connection_cache_service_name="$long" serve
	assert_output --partial "bad connection_cache_service_name"
	[ -z "$(find "$Q/private" -name 'aaaa*')" ]
}

@test "scache-ctl: a service name that is not a plain name is refused on every path; nothing outside private/" {
	# issue 12 #11: an inherited socket took ../evil and made $Q/evil.lock
	local bad
	echo x > "$T/x"
	for bad in ../evil .. . '' evil/x .evil -evil 'e vil' "$(printf 'e\033vil')" \
		"$(printf 'x%.0s' $(seq 1 65))"; do
		run -78 scache-ctl -n -o connection_cache_service_name="$bad" stats
		assert_output --partial "bad connection_cache_service_name"
		run -78 scache-ctl -o connection_cache_service_name="$bad" save-endp --fd 5 30 ep p 5< "$T/x"
		assert_output --partial "bad connection_cache_service_name"
		run -78 scache-ctl -o connection_cache_service_name="$bad" serve
		assert_output --partial "bad connection_cache_service_name"
		run -78 scache-ctl -o connection_cache_service_name="$bad" serve --replace
		assert_output --partial "bad connection_cache_service_name"
	done
	if command -v systemd-socket-activate >/dev/null; then
		systemd-socket-activate -E MAIL_CONFIG="$MAIL_CONFIG" -l "$T/sc.sock" \
			scache-ctl -o connection_cache_service_name=../evil serve 2> "$T/ssa.log" &
		local ssa=$! rc=0
		wait_for 10 test -S "$T/sc.sock"
		# the first connection starts the server
		python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' \
			"$T/sc.sock"
		wait "$ssa" || rc=$?
		[ "$rc" = 78 ]
		run cat "$T/ssa.log"
		assert_output --partial "bad connection_cache_service_name"
		rm -f "$T/sc.sock"
	fi
	run find "$T" -name '*evil*'
	assert_output ""
	run ls "$Q/private"
	assert_output ""
	# a plain name with '.', '-' and '_' is fine
	scache-ctl -o connection_cache_service_name=my-scache_2.x serve 2> "$T/serve.log" &
	SERVER_PID=$!
	wait_for 10 test -S "$Q/private/my-scache_2.x"
	run scache-ctl -n -o connection_cache_service_name=my-scache_2.x stats
	assert_success
}

@test "scache-ctl: stats shows only counters: a fake server's escape sequences and JSON are not printed" {
	# issue 12 #12: stats printed names and values as the server sent them
	cat > "$T/fake.py" <<'EOF'
import sys
out = sys.stdout.buffer
out.write(b"protocol\0connection_cache_protocol\0\0")
out.flush()
req = b""
while not req.endswith(b"\0\0"):
    c = sys.stdin.buffer.read(1)
    if not c:
        break
    req += c
out.write(b"status\x000\x00pid\x00123\x00sessions\x00\x1b[31m7\x00"
          b"uptime\x001,\"evil\":\"x\x00a\",\"evil\":\"\x001\x00\x1b]0;pwned\x07\x002\x00"
          b"bindings\x003\x00\x00")
out.flush()
EOF
	SERVER_PID=$(unix-serve "$Q/private/scache" -- python3 "$T/fake.py")
	run --separate-stderr scache-ctl -n stats
	assert_failure 76
	assert_output "pid=123
bindings=3"
	[[ "$stderr" == *"4 items of the server's reply not a counter"* ]]
	[[ "$output$stderr" != *$'\e'* ]]
	run --separate-stderr scache-ctl -n --json stats
	assert_failure 76
	assert_output '{"pid":123,"bindings":3}'
	run python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert "evil" not in d, d' "$output"
	assert_success
}

# far_port PID - set port to the TCP port PID listens on (fails while none)
far_port() {
	port=$(ss -ltnp 2>/dev/null | awk -v p="pid=$1," 'index($0, p) { sub(/.*:/, "", $4); print $4; exit }')
	[ -n "$port" ]
}

@test "scache-ctl: a real TCP connection saved by one process, continued by another" {
	command -v socat >/dev/null || skip "needs socat"
	conf "connection_cache_ttl_limit = 60s"
	serve
	# the far end: a line-numbering echo server
	socat TCP-LISTEN:0,bind=127.0.0.1,reuseaddr,fork SYSTEM:'while read l; do echo "got $l"; done' \
		2>/dev/null &
	local far=$!
	local port=
	command -v ss >/dev/null || skip "needs ss (package iproute2) to find socat's port"
	wait_for 30 far_port "$far" || fail "socat ($far) did not listen"
	bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1; echo hello >&3; read -r l <&3; echo "$l";
		scache-ctl save-endp --fd 3 30 "tcp:127.0.0.1:$1" conversation' _ "$port" > "$T/first"
	run cat "$T/first"
	assert_output "got hello"
	run scache-ctl -q list
	assert_line --regexp "^endp	tcp:127\\.0\\.0\\.1:$port	conversation	tcp 127\\.0\\.0\\.1:$port	"
	run scache-ctl find-endp "tcp:127.0.0.1:$port" -- bash -c 'echo again >&3; read -r l <&3; echo "$l"'
	assert_success
	assert_output "got again"
	kill "$far" 2>/dev/null || true
}

@test "scache-ctl: SIGHUP reads main.cf again and keeps what is cached; SIGTERM ends the server" {
	conf "connection_cache_ttl_limit = 1h"
	serve
	echo x > "$T/x"
	scache-ctl save-endp --fd 5 3000 ep1 p 5< "$T/x"
	# a lower limit, read on SIGHUP: the next save is clamped to it
	sed -i 's/^connection_cache_ttl_limit.*/connection_cache_ttl_limit = 5s/' "$C/main.cf"
	kill -HUP "$SERVER_PID"
	wait_for 10 grep -q "SIGHUP: configuration read again" "$T/serve.log"
	kill -0 "$SERVER_PID"
	scache-ctl save-endp --fd 5 3000 ep2 p 5< "$T/x"
	run scache-ctl -q list
	# ep1 kept its hour, ep2 has at most 5 s
	assert_line --regexp '^endp	ep1	p	.*	(29[0-9]{2}|300[0-9])\.[0-9]{3}$'
	assert_line --regexp '^endp	ep2	p	.*	[0-5]\.[0-9]{3}$'
	# a main.cf that cannot be used: the old settings stay, the server too
	echo "connection_cache_ttl_limit = soon" >> "$C/main.cf"
	kill -HUP "$SERVER_PID"
	wait_for 10 grep -q "SIGHUP: .*the old settings stay" "$T/serve.log"
	# (the client reads main.cf too: it is told the value)
	run scache-ctl -o connection_cache_ttl_limit=1h -q list
	assert_line --regexp '^endp	ep1	'
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID"
	SERVER_PID=
}
