# tests/interop/scache.bash - run Postfix 3.7's scache(8) and our
# "scache-ctl serve" side by side on scripted conversations (scache-talk),
# for tests/interop/scache.bats. Sourced after pf.bash (load pf): uses its
# pf_spool, pf_kill, pf_alive and $PF_BASE.
#
#	setup()    { sc_setup; }
#	teardown() { sc_teardown; }
#	@test "..." {
#		sc_script <<'EOF'		# the conversation (scache-talk)
#	save_endp 10 A pA
#	find_endp A
#	EOF
#		sc_both -o connection_cache_ttl_limit=60s
#		sc_same				# same replies, same statistics
#		sc_expect <<'EOF'		# and what they are (Postfix's bytes)
#	connect => protocol\0connection_cache_protocol\0\0
#	save_endp 10 A pA => dummy\0\0\0 #1 status\00\0\0
#	find_endp A => status\00\0property\0pA\0\0 fd=#1
#	EOF
#	}
#
# The servers under test ($SC_SUT):
#   compare  Postfix's scache in spool $SC_A, ours in $SC_B (the default)
#   postfix  Postfix's scache in both: proves the harness is deterministic
#   ours     ours only, in $SC_B ($SC_A empty): the expectations still hold
# Both servers of a run are started at the same time, each in its own
# spool (pf_spool), and each gets the same script on its own connection(s);
# both get -o max_idle=1s -o ipc_timeout=1s, then the -o given to sc_both.
#
# Postfix's scache runs as its master would run it ("scache -l -t unix -u"):
# a Perl stand-in master (SC_MASTER_PL) binds the listening socket
# S/q/private/scache (fd 6) and a master status socketpair (fd 5), as
# pf_flush_daemon_raw does for flush. scache is a multi_server: it keeps the
# listener, serves any number of clients and exits after max_idle without
# a client.
#
# Capturing Postfix's log (measured on Debian 12, Postfix 3.7.11): a daemon
# started this way logs only through syslog or postlogd; it never writes to
# its standard error, not even when that is a terminal (under "script
# -qfc": nothing but "fatal: do not run this command by hand" when its
# standard input is the terminal too). There is no syslog daemon here. So
# each Postfix spool also gets postlogd(8), started the same way on a
# unix-dgram socket S/q/public/postlog, and scache runs with -o
# maillog_file=S/maillog -o maillog_file_prefixes=$PF_BASE: its records go
# to postlogd, which appends them to S/maillog as
#   "Nov 23 03:50:45 HOST postfix/scache[PID]: warning: ..."
# (statistics lines are "info", which has no level word). Once scache has
# exited, a marker datagram sent to S/q/public/postlog and seen in S/maillog
# proves postlogd has written everything before it. Ours logs to its
# standard error ("scache-ctl: info: statistics: ...", S/serve.log).
#
# Idle exit: Postfix's event clock counts whole seconds (event_present is
# time()), so with max_idle=1s its idle timer fires anywhere from a few
# microseconds to 1 s after it was set; a scache started with no client can
# exit before the first client connects. So a "holder" connection is made
# before the server starts serving (Postfix: connected by the stand-in
# master to the bound socket before it starts scache, so scache accepts it
# in its first event loop turn; ours: right after its socket appears, well
# inside its exact 1 s), held while the script runs, and closed by
# sc_release; the server then exits within max_idle + 1 s and dumps its
# statistics. The holder sends nothing, so it changes no counter.

SC_SCACHE=${SC_SCACHE:-/usr/lib/postfix/sbin/scache}
SC_POSTLOGD=${SC_POSTLOGD:-/usr/lib/postfix/sbin/postlogd}
SC_SUT=${SC_SUT:-compare}
SC_TALK_TIMEOUT=${SC_TALK_TIMEOUT:-5}	# scache-talk -t: every wait
SC_EXIT_TIMEOUT=${SC_EXIT_TIMEOUT:-6}	# seconds for the idle exit

# The stand-in master, in Perl. Arguments: TYPE PATH HOLD -- CMD ARGS.
# TYPE stream: a listening UNIX stream socket at PATH (mode 0666); dgram: a
# bound UNIX datagram socket. HOLD 1: connect once to PATH before starting
# CMD, and close that connection on SIGUSR1. CMD gets the socket as fd 6 and
# one end of a socketpair as fd 5 (the master status socket: Postfix
# daemons exit when it closes, so it stays open until CMD exits; what CMD
# writes there is read and dropped). SIGTERM:
# CMD is killed. Exit status: CMD's (128+signal if killed); PATH removed.
# shellcheck disable=SC2016 # Perl code, not shell
SC_MASTER_PL='
use strict; use warnings;
use IO::Socket::UNIX; use Socket; use Fcntl; use POSIX qw(dup2 _exit);
$^F = 255;	# no close-on-exec: CMD inherits fds 5 and 6
my ($type, $path, $hold) = splice(@ARGV, 0, 3);
shift @ARGV if @ARGV && $ARGV[0] eq "--";
unlink $path;
my $ls = $type eq "dgram"
	? IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $path)
	: IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $path, Listen => 128);
die "sc master: bind $path: $!\n" unless $ls;
chmod 0666, $path;
my $holder;
if ($hold) {
	$holder = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $path)
		or die "sc master: connect $path: $!\n";
}
socketpair(my $st0, my $st1, AF_UNIX, SOCK_STREAM, 0) or die "socketpair: $!\n";
my $pid = fork() // die "fork: $!\n";
if ($pid == 0) {
	POSIX::close(fileno($holder)) if $holder;
	my $st = fcntl($st1, F_DUPFD, 20) or _exit(125);
	my $l = fcntl($ls, F_DUPFD, 20) or _exit(125);
	dup2($st, 5) // _exit(125);
	dup2($l, 6) // _exit(125);
	POSIX::close($st); POSIX::close($l);
	exec @ARGV or _exit(127);
}
close $st1; close $ls;
$SIG{USR1} = sub { close $holder if $holder; $holder = undef };
$SIG{TERM} = sub { kill "KILL", $pid };
# read what the daemon reports (a multi_server reports each connection
# taken and done, 12 bytes each: left unread, they fill the socket buffer
# and block the daemon after about a hundred connections)
my ($st, $rin) = (0, "");
vec($rin, fileno($st0), 1) = 1;
while (1) {
	my $r = waitpid($pid, POSIX::WNOHANG());
	if ($r == $pid) { $st = $?; last }
	next if select(my $rout = $rin, undef, undef, 0.05) <= 0;
	sysread($st0, my $junk, 4096) or vec($rin, fileno($st0), 1) = 0;
}
unlink $path;
exit($st & 127 ? 128 + ($st & 127) : $st >> 8);
'

# ------------------------------------------------------------ set-up

# sc_need - skip unless both servers can run here
sc_need() {
	[ "$(id -u)" = 0 ] || skip "needs root (scache -u switches to postfix; spools owned by postfix)"
	id "$PF_OWNER" >/dev/null 2>&1 || skip "needs the $PF_OWNER user"
	[ -x "$SC_SCACHE" ] || skip "needs Postfix's $SC_SCACHE (Debian package postfix)"
	[ -x "$SC_POSTLOGD" ] || skip "needs Postfix's $SC_POSTLOGD (Debian package postfix)"
	command -v perl >/dev/null || skip "needs perl"
	command -v scache-talk >/dev/null || skip "needs the test tools (make tools)"
	case $SC_SUT in
	compare | ours)
		[ -x "$FF_BUILD/bin/scache-ctl" ] || skip "needs $FF_BUILD/bin/scache-ctl (make all)" ;;
	postfix) ;;
	*) skip "SC_SUT=$SC_SUT: not compare, postfix or ours" ;;
	esac
}

sc_setup() {
	sc_need
	PF_BASE=$(mktemp -d /tmp/ffsc.XXXXXX)
	chmod 755 "$PF_BASE"
	SC_SCRIPT=$PF_BASE/script
	SC_A='' SC_B=''
	export PF_BASE
}

# sc_teardown - stop every server, holder and postlogd still running,
# remove $PF_BASE
sc_teardown() {
	local f
	[ -n "${PF_BASE:-}" ] && [ -d "$PF_BASE" ] || return 0
	for f in "$PF_BASE"/*/*.pid; do
		[ -s "$f" ] && pf_kill "$(cat "$f")"
	done
	pf_teardown
}

# sc_script - the script for the next run, from stdin
sc_script() {
	cat > "$SC_SCRIPT"
}

# sc_kind S - "postfix" or "ours": which server runs in spool S
sc_kind() {
	cat "$1/kind"
}

# ------------------------------------------------------------ one server

# sc_postlogd S - Postfix's postlogd for spool S (once), appending S's
# Postfix log records to S/maillog
sc_postlogd() {
	local s=$1
	[ -s "$s/postlogd.pid" ] && return 0
	: > "$s/maillog"
	MAIL_CONFIG=$s/cfg perl -e "$SC_MASTER_PL" dgram "$s/q/public/postlog" 0 -- \
		"$SC_POSTLOGD" -l -t unix-dgram -o queue_directory="$s/q" \
		-o maillog_file="$s/maillog" -o maillog_file_prefixes="$PF_BASE" \
		</dev/null 2>> "$s/master.err" &
	echo $! > "$s/postlogd.pid"
	sc_wait_path "$s/q/public/postlog"
}

# sc_wait_path PATH - wait up to 5 s for PATH to exist
sc_wait_path() {
	wait_for 5 test -e "$1" && return 0
	echo "no $1 after 5 s" >&2
	return 1
}

# sc_start S KIND [-o NAME=VALUE]... - start KIND (postfix or ours) in spool
# S with -o max_idle=1s -o ipc_timeout=1s and the -o given, connect its
# holder; S/server.pid is the process to wait for
sc_start() {
	local s=$1 kind=$2 o=(-o max_idle=1s -o ipc_timeout=1s)
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in
		-o) o+=(-o "$2"); shift 2 ;;
		*) echo "sc_start: unknown option $1" >&2; return 64 ;;
		esac
	done
	echo "$kind" > "$s/kind"
	rm -f "$s/exit"
	if [ "$kind" = postfix ]; then
		sc_postlogd "$s" || return 1
		MAIL_CONFIG=$s/cfg perl -e "$SC_MASTER_PL" stream "$s/q/private/scache" 1 -- \
			"$SC_SCACHE" -l -t unix -u -o queue_directory="$s/q" \
			-o maillog_file="$s/maillog" -o maillog_file_prefixes="$PF_BASE" "${o[@]}" \
			</dev/null 2>> "$s/master.err" &
		echo $! > "$s/server.pid"
		sc_wait_path "$s/q/private/scache"
	else
		"$FF_BUILD/bin/scache-ctl" -c "$s/cfg" -o queue_directory="$s/q" "${o[@]}" serve \
			</dev/null 2> "$s/serve.log" &
		echo $! > "$s/server.pid"
		sc_wait_path "$s/q/private/scache" || return 1
		scache-talk -t 3600 "$s/q/private/scache" <<< 'sleep 3600000' > /dev/null &
		echo $! > "$s/holder.pid"
	fi
}

# sc_talk S [SCRIPT [OUT]] - run SCRIPT (default $SC_SCRIPT) on S's
# server, output to OUT (default S/out)
sc_talk() {
	local s=$1
	scache-talk -t "$SC_TALK_TIMEOUT" "$s/q/private/scache" < "${2:-$SC_SCRIPT}" > "${3:-$s/out}"
}

# sc_release S - close the holder connection: the server may go idle
sc_release() {
	local s=$1
	if [ "$(sc_kind "$s")" = postfix ]; then
		kill -USR1 "$(cat "$s/server.pid")"
	else
		pf_kill "$(cat "$s/holder.pid")"
		rm -f "$s/holder.pid"
	fi
}

# sc_wait S - wait for S's server to exit (at most $SC_EXIT_TIMEOUT s,
# then it is killed and this fails); its exit status in S/exit, its log
# lines (see sc_log) in S/log
sc_wait() {
	local s=$1 pid
	pid=$(cat "$s/server.pid")
	if ! wait_for "$SC_EXIT_TIMEOUT" gone "$pid"; then
		echo "$(sc_kind "$s") server in $s still running ${SC_EXIT_TIMEOUT} s after its last client; killed" >&2
		pf_kill "$pid"
		return 1
	fi
	wait "$pid" 2>/dev/null
	echo $? > "$s/exit"
	rm -f "$s/server.pid"
	sc_log "$s" > "$s/log"
}

# sc_log S - the server's log lines so far, each without its prefix:
# Postfix's "DATE HOST postfix/scache[PID]: " and our "scache-ctl: " and
# "info: " (so that Postfix's info lines, which have no level word, and
# ours look alike): "statistics: ...", "warning: ..."
sc_log() {
	local s=$1 marker
	if [ "$(sc_kind "$s")" = postfix ]; then
		marker="sc-marker-$RANDOM$RANDOM"
		perl -MSocket -e 'socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die;
			send($s, "<22>$ARGV[1]", 0, pack_sockaddr_un($ARGV[0])) or die "postlog: $!\n"' \
			"$s/q/public/postlog" "$marker" || return 1
		wait_for 10 grep -q "$marker" "$s/maillog" ||
			{ echo "postlogd did not write $s/maillog" >&2; return 1; }
		sed -n 's/^.* postfix\/scache\[[0-9]*\]: //p' "$s/maillog"
	else
		sed -n 's/^scache-ctl: //; s/^info: //p; /^warning: /p; /^error: /p' "$s/serve.log"
	fi
}

# sc_stats S - the statistics lines of S's log
sc_stats() {
	grep '^statistics: ' "$1/log" || true
}

# sc_run S KIND [-o ...] - start, talk, release, wait (see above)
sc_run() {
	local s=$1 kind=$2 rc=0
	shift 2
	sc_start "$s" "$kind" "$@" || return 1
	sc_talk "$s" || rc=1
	sc_release "$s"
	sc_wait "$s" || rc=1
	return "$rc"
}

# ------------------------------------------------------------ both

# sc_both [-o NAME=VALUE]... - run the script on both servers of $SC_SUT
# at the same time, in fresh spools $SC_A (Postfix) and $SC_B (the server
# under test; Postfix again for SC_SUT=postfix); SC_A is empty for
# SC_SUT=ours. Fails if a server did not start or exit.
sc_both() {
	local pa='' pb rc=0
	sc_new
	if [ -n "$SC_A" ]; then
		sc_run "$SC_A" postfix "$@" &
		pa=$!
	fi
	sc_run "$SC_B" "$(sc_kind "$SC_B")" "$@" &
	pb=$!
	if [ -n "$pa" ]; then wait "$pa" || rc=1; fi
	wait "$pb" || rc=1
	return "$rc"
}

# sc_new - fresh spools $SC_A and $SC_B for $SC_SUT (see sc_both), their
# kinds set, nothing started
sc_new() {
	local n
	n=$(find "$PF_BASE" -mindepth 1 -maxdepth 1 -type d | wc -l)
	SC_A=''
	SC_B=$(pf_spool "b$n")
	if [ "$SC_SUT" != ours ]; then
		SC_A=$(pf_spool "a$n")
		echo postfix > "$SC_A/kind"
	fi
	if [ "$SC_SUT" = postfix ]; then
		echo postfix > "$SC_B/kind"
	else
		echo ours > "$SC_B/kind"
	fi
}

# sc_spools - the spools of the last sc_both
sc_spools() {
	[ -z "$SC_A" ] || echo "$SC_A"
	echo "$SC_B"
}

# sc_same_output - the two outputs are identical (else the diff, and fail)
sc_same_output() {
	[ -n "$SC_A" ] || return 0
	diff -u --label "$(sc_kind "$SC_A") ($SC_A)" --label "$(sc_kind "$SC_B") ($SC_B)" \
		"$SC_A/out" "$SC_B/out"
}

# sc_stats_ok S - the start interval line, when there is one, is first and
# has ctime's format without the weekday ("Nov 23 03:50:45")
sc_stats_ok() {
	local first
	first=$(sc_stats "$1" | head -n 1)
	[ -z "$first" ] && return 0
	[[ $first =~ ^statistics:\ start\ interval\ [A-Z][a-z][a-z]\ [\ 0-9][0-9]\ [0-2][0-9]:[0-5][0-9]:[0-6][0-9]$ ]] && return 0
	echo "$1: first statistics line is not a start interval line: $first" >&2
	return 1
}

# sc_same_stats - both servers logged the same statistics lines (the start
# interval line by its format only) and exited 0
sc_same_stats() {
	local s
	for s in $(sc_spools); do
		sc_stats_ok "$s" || return 1
		[ "$(cat "$s/exit")" = 0 ] || { echo "$(sc_kind "$s") server in $s exited $(cat "$s/exit")" >&2; return 1; }
	done
	[ -n "$SC_A" ] || return 0
	diff -u --label "statistics $(sc_kind "$SC_A")" --label "statistics $(sc_kind "$SC_B")" \
		<(sc_stats "$SC_A" | tail -n +2) <(sc_stats "$SC_B" | tail -n +2)
}

# sc_same - sc_same_output and sc_same_stats
sc_same() {
	sc_same_output && sc_same_stats
}

# sc_expect - every run's output is exactly stdin (Postfix's bytes, as
# measured; checks the harness and documents the protocol)
sc_expect() {
	local want s
	want=$(cat)
	for s in $(sc_spools); do
		diff -u --label expected --label "$(sc_kind "$s") ($s)" <(printf '%s\n' "$want") "$s/out" || return 1
	done
}

# sc_expect_stats - every run's statistics lines but the first are stdin
sc_expect_stats() {
	local want s
	want=$(cat)
	for s in $(sc_spools); do
		diff -u --label expected --label "statistics $(sc_kind "$s") ($s)" \
			<(printf '%s\n' "$want") <(sc_stats "$s" | tail -n +2) || return 1
	done
}

# sc_postfix_log - Postfix's log lines of the last run (for warnings)
sc_postfix_log() {
	local s
	for s in $(sc_spools); do
		if [ "$(sc_kind "$s")" = postfix ]; then
			cat "$s/log"
			return 0
		fi
	done
}
