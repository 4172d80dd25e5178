#!/usr/bin/env bash
# tests/bench/run.sh - make bench: fastflush against Postfix 3.7 and against
# the raw system-call floor, measured in one run on the same machine.
#
# Workloads (ISSUE 2): a spool of 20,000 deferred files, 10,000 of them listed
# for one site; one fflush-add process; a batch add of 100,000 IDs; refresh
# (purge) of 10,000 logfiles. Times are medians of RUNS runs (default 5),
# each on a fresh copy of the spool. Postfix runs one-shot (flush -S -u) on a
# socketpair, as root; without root or Postfix its columns say "n/a".
#
# 6. The connection cache (scache-ctl serve) against Postfix's scache(8)
# and against a floor (scache-bench floor: the same system calls, no
# cache): save_endp + find_endp round trips per second with 1 and 4
# clients, and server memory per session at SC_SESSIONS (default 10,000)
# cached connections. BENCH_ONLY=scache runs only this part.
# 7. Hash flooding: fflush-send -n and fflush-list SITE on a logfile of
# HF_IDS (default 131,072) queue IDs chosen to collide under unseeded FNV-1a
# (genspool -F) against as many ordinary IDs, each with its queue file; the
# ratio colliding / ordinary must stay under 1.5 (it was ~50 with FNV-1a).
# BENCH_ONLY=hashflood runs only this part.
# BENCH_ONLY=bigmem: fflush-list and --compact memory on a 250 MiB logfile.
# 8. fflush-add --rebuild over RB_FILES (default 20,000) deferred queue
# files, copies of real Postfix-written queue files (tests/bench/qfiles:
# multi-recipient, partly delivered, SMTPUTF8, short and long queue IDs),
# under fresh queue IDs that match their inode numbers (Postfix's own
# postsuper renames them at postfix start), in the hashed deferred/; against
# the read floor (qread-floor: open, read and close of every file, the
# same walk; on one thread, and on one per CPU as the rebuild reads) and against the postqueue pipeline a rebuild replaces,
# postqueue -j | jq | fflush-add -, with Postfix's showq served by a
# Postfix master on that spool (a master.cf of showq and postlogd only).
# BENCH_ONLY=rebuild runs only this part.
# 5 (fflushd against Postfix's flush daemon, one-shot and under the same
# Postfix master) alone: BENCH_ONLY=flushd. Every table prints the load
# average it was measured under: figures from a loaded machine are noise.
set -euo pipefail

B=${FF_BUILD:?run me through make bench}
RUNS=${RUNS:-5}
export PATH="$B/bin:$B/tests/tools:$PATH"
PFLUSH=/usr/lib/postfix/sbin/flush

W=$(mktemp -d /tmp/ffbench.XXXXXX)
chmod 755 "$W"
# rb_stop (rebuild_bench) - stop its Postfix master, if one runs
rb_cfg=
rb_stop() {
	[ -n "$rb_cfg" ] || return 0
	postfix -c "$rb_cfg" stop >/dev/null 2>&1 || true
	rb_cfg=
}
trap 'rb_stop; rm -rf "$W"' EXIT
mkdir -p "$W/cfg"
: > "$W/cfg/main.cf"
export MAIL_CONFIG=$W/cfg

postfix_ok=0
if [ "$(id -u)" = 0 ] && [ -x "$PFLUSH" ] && id postfix >/dev/null 2>&1 &&
	command -v sockpair-run >/dev/null; then
	postfix_ok=1
fi
owner=$(id -un)
[ "$postfix_ok" = 1 ] && owner=postfix

ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# fresh SRC DST - DST becomes an exact copy of the template spool SRC
fresh() { rm -rf "$2"; cp -a "$1" "$2"; }

# shellcheck source=tests/wait.bash
. "$(dirname "$0")/../wait.bash"
# gone PID - the process has exited
gone() { ! kill -0 "$1" 2>/dev/null; }
# loadavg - the load average now: printed with every table (figures taken
# on a loaded machine are noise; quote those from a quiet one)
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
echo "fastflush benchmark: $(nproc) CPUs, $(uname -r), runs=$RUNS (medians), load average $(loadavg)"
echo

# median US... - the middle value
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# 6. The connection cache. Each server is started afresh for the round
# trips (scache-bench rt: SC_N save + find pairs per client, each client
# its own connection and endpoint label, 1 then 4 clients) and again for
# the memory test (scache-bench mem: SC_SESSIONS connections saved with
# smtp(8)-like labels, the server's VmRSS growth per session), taking turns
# in each of RUNS runs. Postfix's scache runs as its master would run it
# (-l -z -t unix -u: listening socket on fd 6, master status on fd 5, the
# flow pipe on 3 and 4) under the small fake master SC_MASTER_PL; it needs
# root (-u) and the postfix user. The TTL limit is an hour on both sides so
# that nothing expires while measuring.
SC_N=${SC_N:-5000}
SC_SESSIONS=${SC_SESSIONS:-10000}
PSCACHE=/usr/lib/postfix/sbin/scache
# SOCKET -- CMD ARGS: the fake master (Perl); CMD keeps its pid (exec)
# shellcheck disable=SC2016 # Perl code, not shell
SC_MASTER_PL='
use strict; use warnings;
use IO::Socket::UNIX; use Socket; use Fcntl; use POSIX qw(dup2 _exit);
my $path = shift @ARGV; shift @ARGV if @ARGV && $ARGV[0] eq "--";
unlink $path;
my $ls = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $path, Listen => 128)
	or die "listen $path: $!\n";
socketpair(my $st0, my $st1, AF_UNIX, SOCK_STREAM, 0) or die "socketpair: $!\n";
pipe(my $fr, my $fw) or die "pipe: $!\n";
my $pid = fork() // die "fork: $!\n";
if ($pid == 0) {	# the master side of the status socket, until the server exits
	close $ls; close $st1; close $fr; close $fw;
	1 while sysread($st0, my $buf, 4096);
	_exit(0);
}
close $st0;
my @fds = map { fcntl($_, F_DUPFD, 20) or die "dup: $!\n" } ($fr, $fw, $st1, $ls);
for my $i (0 .. 3) { dup2($fds[$i], 3 + $i) // die "dup2: $!\n"; POSIX::close($fds[$i]); }
exec @ARGV or _exit(127);
'
# sc_start WHO - start a fresh server (ours, pf or floor): sets sc_pid, sc_sock
sc_start() {
	local _
	case $1 in
	ours)
		sc_sock=$W/sc/q/private/scache
		rm -f "$sc_sock"
		scache-ctl -c "$W/cfg" -o queue_directory="$W/sc/q" -o connection_cache_ttl_limit=3600s \
			-o max_idle=120s serve -m $((SC_SESSIONS + 100)) 2>> "$W/sc.ours.log" &
		;;
	pf)
		sc_sock=$W/sc/pf.sock
		MAIL_CONFIG=$W/sc/pcfg perl -e "$SC_MASTER_PL" "$sc_sock" -- "$PSCACHE" -l -z -t unix -u \
			-o queue_directory="$W/sc/pq" -o connection_cache_ttl_limit=3600s \
			-o max_idle=120s 2>> "$W/sc.pf.log" &
		;;
	floor)
		sc_sock=$W/sc/floor.sock
		scache-bench floor -s "$sc_sock" 2>> "$W/sc.floor.log" &
		;;
	esac
	sc_pid=$!
	for _ in $(seq 1 100); do
		if [ -S "$sc_sock" ] && { [ "$1" != pf ] ||
			[ "$(readlink "/proc/$sc_pid/exe" 2>/dev/null)" = "$PSCACHE" ]; }; then
			return 0
		fi
		kill -0 "$sc_pid" 2>/dev/null || break
		sleep 0.05
	done
	sc_stop
	return 1
}
sc_stop() { kill "$sc_pid" 2>/dev/null || true; wait "$sc_pid" 2>/dev/null || true; }
# sc_med WHO TEST KEY - the median of KEY over the runs of TEST; 0 when none
sc_med() {
	local f v=()
	for f in "$W"/sc."$1"."$2".*; do
		[ -s "$f" ] && v+=("$(sed -n "s/.* $3=\([^ ]*\).*/\1/p; s/^$3=\([^ ]*\).*/\1/p" "$f")")
	done
	if [ "${#v[@]}" = 0 ]; then echo 0; else median "${v[@]}"; fi
}
scache_bench() {
	local run who need hard pf_sc=0 c
	mkdir -p "$W/sc/pq" "$W/sc/pcfg"
	: > "$W/sc/pcfg/main.cf"
	genspool -q "$W/sc/q" -n 0 >/dev/null
	mkdir -m 700 "$W/sc/q/private"
	chown -R "$owner" "$W/sc/q"
	# descriptors: the server and the memory client each hold SC_SESSIONS
	need=$((SC_SESSIONS + 512))
	hard=$(ulimit -Hn)
	if [ "$hard" != unlimited ] && [ "$hard" -lt "$need" ]; then
		ulimit -Hn "$need" 2>/dev/null || true		# root only
		hard=$(ulimit -Hn)
	fi
	if [ "$hard" != unlimited ] && [ "$hard" -lt "$need" ]; then
		SC_SESSIONS=$((hard - 512))
		echo "scache: descriptor limit $hard: measuring memory at $SC_SESSIONS sessions"
		need=$hard
	fi
	ulimit -Sn "$need"
	if [ "$(id -u)" = 0 ] && [ -x "$PSCACHE" ] && id postfix >/dev/null 2>&1 &&
		command -v perl >/dev/null; then
		pf_sc=1
	fi
	for run in $(seq 1 "$RUNS"); do
		for who in ours pf floor; do
			[ "$who" = pf ] && [ "$pf_sc" = 0 ] && continue
			if ! sc_start "$who"; then
				echo "scache: $who: the server did not start (log: $(tail -n 1 "$W/sc.$who.log" 2>/dev/null))" >&2
				[ "$who" = pf ] && { pf_sc=0; continue; }
				exit 1
			fi
			for c in 1 4; do
				if ! scache-bench rt -s "$sc_sock" -c "$c" -n "$SC_N" -p "$sc_pid" \
					> "$W/sc.$who.rt$c.$run"; then
					echo "scache: $who: round trips with $c clients failed" >&2
					rm -f "$W/sc.$who.rt$c.$run"
				fi
			done
			sc_stop
			[ "$who" = floor ] && continue
			sc_start "$who" || continue
			if ! scache-bench mem -s "$sc_sock" -p "$sc_pid" -n "$SC_SESSIONS" > "$W/sc.$who.mem.$run"; then
				echo "scache: $who: could not save $SC_SESSIONS sessions" >&2
				rm -f "$W/sc.$who.mem.$run"
			fi
			sc_stop
		done
	done
	[ "$pf_sc" = 1 ] || echo "scache: Postfix's scache cannot run here (needs root, $PSCACHE, the postfix user, perl): its column says n/a"
	# scol WHO TEST - "rps p50 p99" or n/a
	scol() {
		if [ "$(sc_med "$1" "$2" rps)" = 0 ]; then echo n/a; return; fi
		echo "$(sc_med "$1" "$2" rps) $(sc_med "$1" "$2" p50_us)us $(sc_med "$1" "$2" p99_us)us"
	}
	# sratio A B TEST KEY - A's KEY over B's, or nothing
	sratio() {
		local a b
		a=$(sc_med "$1" "$3" "$4") b=$(sc_med "$2" "$3" "$4")
		[ "$a" != 0 ] && [ "$b" != 0 ] && echo "$(ratio "$a" "$b")x"
		return 0
	}
	# cpu WHO TEST - server CPU us per round trip
	cpu() { local v; v=$(sc_med "$1" "$2" server_cpu_us); if [ "$v" = 0 ]; then echo n/a; else echo "${v}us"; fi; }
	# memcol WHO - "B/session (held, RSS after)" or n/a
	memcol() {
		if [ "$(sc_med "$1" mem sessions)" = 0 ]; then echo n/a; return; fi
		echo "$(sc_med "$1" mem bytes_per_session) B ($(sc_med "$1" mem held) held)"
	}
	echo
	echo "connection cache: save_endp + find_endp round trips/s with the descriptor dance, p50 and p99 latency (load average $(loadavg))"
	printf '%-22s %24s %24s %24s %9s %10s\n' "" "scache-ctl serve" "Postfix scache" "floor (no cache)" "vs floor" "vs Postfix"
	for c in 1 4; do
		printf '%-22s %24s %24s %24s %9s %10s\n' "$c client$([ "$c" = 1 ] || echo s)" \
			"$(scol ours "rt$c")" "$(scol pf "rt$c")" "$(scol floor "rt$c")" \
			"$(sratio ours floor "rt$c" rps)" "$(sratio ours pf "rt$c" rps)"
		printf '%-22s %24s %24s %24s %9s %10s\n' "  server CPU/round trip" \
			"$(cpu ours "rt$c")" "$(cpu pf "rt$c")" "$(cpu floor "rt$c")" \
			"$(sratio ours floor "rt$c" server_cpu_us)" "$(sratio ours pf "rt$c" server_cpu_us)"
	done
	printf '%-22s %24s %24s %24s %9s %10s\n' "memory, $SC_SESSIONS sessions" \
		"$(memcol ours)" "$(memcol pf)" "" "" "$(sratio pf ours mem bytes_per_session | sed 's/x$/x less/')"
	printf '%-22s %24s %24s\n' "  server RSS, 1 client" "$(sc_med ours mem rss_before_kb) kB" \
		"$([ "$pf_sc" = 1 ] && echo "$(sc_med pf mem rss_before_kb) kB" || echo n/a)"
	echo "target: round trips >= Postfix's; vs floor: our rate over the floor's (1.00x = at the floor)"
}
NADD=${NADD:-500}
NSEND=${NSEND:-100}
# flushd_bench - section 5 and its table
# field FILE KEY - one key=value of flush-bench's output
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$1"; }

# pooled NAME WORKLOAD KEY - p50_us or p99_us over every request of every
# run pooled ($W/trace.NAME.WORKLOAD.RUN, flush-bench -t), flush-bench's
# percentile rule; nothing when there are no traces
pooled() {
	local t=("$W/trace.$1.$2".*)
	[ -s "${t[0]}" ] || return 0
	sort -n "${t[@]}" | awk -v p="${3%_us}" '{ v[NR - 1] = $1 }
		END { if (NR > 0) print v[int(NR * (p == "p50" ? 50 : 99) / 100)] }'
}
# fields NAME WORKLOAD KEY - KEY of one server's result; the median over
# the runs when there are several ($W/NAME.WORKLOAD.RUN), and for the
# percentiles the pooled figure when the runs left traces
fields() {
	local f v=()
	case $3 in
	p50_us | p99_us)
		v=("$(pooled "$1" "$2" "$3")")
		[ -n "${v[0]}" ] && { echo "${v[0]}"; return; }
		v=() ;;
	esac
	if [ -s "$W/$1.$2" ]; then
		field "$W/$1.$2" "$3"
		return
	fi
	for f in "$W/$1.$2".*; do
		[ -s "$f" ] && v+=("$(field "$f" "$3")")
	done
	[ "${#v[@]}" -gt 0 ] && median "${v[@]}"
}
# col NAME WORKLOAD - "req/s p50 p99" of one server, or n/a
col() {
	local rps
	rps=$(fields "$1" "$2" rps)
	if [ -n "$rps" ]; then
		echo "$rps $(fields "$1" "$2" p50_us)us $(fields "$1" "$2" p99_us)us"
	else
		echo n/a
	fi
}
# vs A B WORKLOAD KEY - KEY of A over KEY of B
vs() {
	local a b
	a=$(fields "$1" "$3" "${4:-rps}") b=$(fields "$2" "$3" "${4:-rps}")
	[ -n "$a" ] && [ -n "$b" ] && echo "$(ratio "$a" "$b")x"
}
flushd_bench() {
	# 5. fflushd against Postfix's flush as a socket service: requests per
	# second and latency, one connection per request as Postfix's clients make
	# them, for add and for send_site of a site with 100 listed messages (the
	# spool is put back before each send, untimed). Both servers run one
	# process per connection under the same super-server
	# (systemd-socket-activate --inetd, else socat).
	genspool -q "$W/t5" -n 200 -l 100 > "$W/ids5"
	chown -R "$owner" "$W/t5"
	mkdir -p "$W/t5/public"
	# serve NAME CMD... - listen on $W/s5/public/flush with CMD per connection
	serve() {
		local name=$1
		shift
		rm -f "$W/s5/public/flush"
		if command -v systemd-socket-activate >/dev/null; then
			systemd-socket-activate --inetd -a -l "$W/s5/public/flush" "$@" \
				> "$W/$name.log" 2>&1 &
		else
			socat UNIX-LISTEN:"$W/s5/public/flush",fork EXEC:"$*" > "$W/$name.log" 2>&1 &
		fi
		server_pid=$!
		wait_for 5 test -S "$W/s5/public/flush"
		chmod 666 "$W/s5/public/flush"
	}
	unserve() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
	# rate NAME - run the two workloads against the server listening now
	rate() {
		flush-bench -s "$W/s5/public/flush" -n "$NADD" add example.com ABC123 > "$W/$1.add"
		flush-bench -s "$W/s5/public/flush" -n "$NSEND" -r "$W/s5" -l example_com \
			-i "$W/ids5" send_site example.com > "$W/$1.send"
	}
	# master_rate NAME COMMAND RUN [MAX_USE NADD NSEND] - a private Postfix
	# instance whose master runs COMMAND as its flush service (max_use
	# MAX_USE, else Postfix's default); the two workloads against it, into
	# $W/NAME.add.RUN and $W/NAME.send.RUN
	master_rate() {
		local name=$1 cmd=$2 run=$3 mu=${4:-} nadd=${5:-$NADD} nsend=${6:-$NSEND} P=$W/pfi mpid
		rm -rf "$P"
		mkdir -p "$P/cfg" "$P/q" "$P/data" "$P/log"
		chown postfix "$P/q" "$P/data" "$P/log"
		cat > "$P/cfg/main.cf" <<-EOF
		queue_directory = $P/q
		data_directory = $P/data
		daemon_directory = $W/libexec
		fast_flush_domains = example.com
		inet_interfaces = loopback-only
		compatibility_level = 3.6
		maillog_file = $P/log/maillog
		maillog_file_prefixes = $P/log
		EOF
		[ -z "$mu" ] || echo "max_use = $mu" >> "$P/cfg/main.cf"
		printf '%s\n' "flush unix n - n 1000? 0 $cmd" \
			'postlog unix-dgram n - n - 1 postlogd' > "$P/cfg/master.cf"
		timeout 60 postfix -c "$P/cfg" start >/dev/null 2>&1 || return 0
		# the spool after the start: postfix start renames queue files it
		# finds to match their inode numbers
		genspool -q "$P/q" -n 200 -l 100 > "$W/ids5p"
		chown -R postfix "$P/q/deferred" "$P/q/flush"
		wait_for 5 test -S "$P/q/public/flush"
		if ! flush-bench -s "$P/q/public/flush" -n "$nadd" -t "$W/trace.$name.add.$run" \
				add example.com ABC123 > "$W/$name.add.$run" ||
			! flush-bench -s "$P/q/public/flush" -n "$nsend" -t "$W/trace.$name.send.$run" \
				-r "$P/q" -l example_com -i "$W/ids5p" send_site example.com \
				> "$W/$name.send.$run"; then
			rm -f "$W/$name.add.$run" "$W/$name.send.$run" "$W/trace.$name.add.$run" \
				"$W/trace.$name.send.$run"
		fi
		mpid=$(sed 1q "$P/q/pid/master.pid" 2>/dev/null | tr -d ' ')
		timeout 30 postfix -c "$P/cfg" stop >/dev/null 2>&1 || true
		# the next instance reuses the directory: wait until this one is gone
		[ -z "$mpid" ] || wait_for 10 gone "$mpid"
	}

	srv_ok=0
	if command -v systemd-socket-activate >/dev/null || command -v socat >/dev/null; then
		srv_ok=1
		fresh "$W/t5" "$W/s5"
		serve ffd fflushd -o queue_directory="$W/s5" -o fast_flush_domains=example.com
		rate ffd
		unserve
		# fflushd given the listening socket (systemd Accept=no): its worker pool
		if command -v systemd-socket-activate >/dev/null; then
			fresh "$W/t5" "$W/s5"
			rm -f "$W/s5/public/flush"
			systemd-socket-activate -l "$W/s5/public/flush" fflushd -o queue_directory="$W/s5" \
				-o fast_flush_domains=example.com -o max_idle=2s > "$W/ffl.log" 2>&1 &
			server_pid=$!
			wait_for 5 test -S "$W/s5/public/flush"
			rate ffl
			unserve
			pkill -f "fflushd -o queue_directory=$W/s5" 2>/dev/null || true
		fi
		# Postfix's flush daemon and fflushd under the same Postfix master, the
		# way Postfix runs its daemons: private instances whose master.cf runs
		# only the flush line (command flush or fflushd; Postfix's defaults:
		# max_use 100, max_idle 100s) and postlogd, taking turns in each of RUNS
		# runs; the table shows the medians of req/s, p50 and p99
		if [ "$postfix_ok" = 1 ] && command -v postfix >/dev/null; then
			mkdir -p "$W/libexec"
			cp -p /usr/lib/postfix/sbin/* "$B/bin/fflushd" "$W/libexec/"
			for run in $(seq 1 "$RUNS"); do
				master_rate pfm flush "$run"
				master_rate ffm fflushd "$run"
				# what a restart costs: max_use 1, a new process per request
				master_rate pfr flush "$run" 1 100 50
				master_rate ffr fflushd "$run" 1 100 50
			done
		fi
		if [ "$postfix_ok" = 1 ]; then
			fresh "$W/t5" "$W/s5"
			serve pfd env MAIL_CONFIG="$W/cfg" "$PFLUSH" -S -u -o queue_directory="$W/s5" \
				-o fast_flush_domains=example.com
			rate pfd
			unserve
		fi
	fi
	if [ "$srv_ok" = 1 ]; then
		echo
		echo "fflushd vs Postfix's flush, one connection per request: req/s, p50 and p99 latency (load average $(loadavg))"
		printf '%-34s %24s %24s %8s\n' "one process per connection" "fflushd (inetd style)" "Postfix flush -S" "ratio"
		printf '%-34s %24s %24s %8s\n' "add (one queue ID)" "$(col ffd add)" "$(col pfd add)" "$(vs ffd pfd add)"
		printf '%-34s %24s %24s %8s\n' "send_site, 100 listed messages" "$(col ffd send)" "$(col pfd send)" "$(vs ffd pfd send)"
		printf '%-34s %24s %24s %8s\n' "long-lived, under Postfix's master" "fflushd (master.cf)" "Postfix flush (master)" "ratio"
		printf '%-34s %24s %24s %8s %s\n' "add (one queue ID)" "$(col ffm add)" "$(col pfm add)" "$(vs ffm pfm add)" \
			"(p50 $(vs pfm ffm add p50_us), p99 $(vs pfm ffm add p99_us) faster)"
		printf '%-34s %24s %24s %8s %s\n' "send_site, 100 listed messages" "$(col ffm send)" "$(col pfm send)" \
			"$(vs ffm pfm send)" "(p50 $(vs pfm ffm send p50_us), p99 $(vs pfm ffm send p99_us) faster)"
		printf '%-34s %24s %24s %8s\n' "under master, max_use 1 (restarts)" "fflushd (master.cf)" "Postfix flush (master)" "ratio"
		printf '%-34s %24s %24s %8s %s\n' "add (one queue ID)" "$(col ffr add)" "$(col pfr add)" "$(vs ffr pfr add)" \
			"(p50 $(vs pfr ffr add p50_us) faster)"
		printf '%-34s %24s %24s %8s %s\n' "send_site, 100 listed messages" "$(col ffr send)" "$(col pfr send)" \
			"$(vs ffr pfr send)" "(p50 $(vs pfr ffr send p50_us) faster)"
		printf '%-34s %24s\n' "long-lived, listening socket" "fflushd (Accept=no)"
		printf '%-34s %24s %24s %8s\n' "add (one queue ID)" "$(col ffl add)" "" "$(vs ffl pfm add)"
		printf '%-34s %24s %24s %8s\n' "send_site, 100 listed messages" "$(col ffl send)" "" "$(vs ffl pfm send)"
		echo "(under master: req/s the median of $RUNS runs, the two daemons taking turns; p50 and p99"
		echo " over all their requests pooled: with max_use 100, 1 request in 100 waits for"
		echo " master to start a new process, so p99 is mostly that restart; max_use 1 shows"
		echo " what one restart costs: master's fork and exec, the daemon's start, the request)"
	fi
}

hashflood_bench() {
	local n=${HF_IDS:-131072} kind cmd us
	local -A hf
	genspool -q "$W/hf_r" -n "$n" -l "$n" >/dev/null
	genspool -q "$W/hf_c" -n "$n" -l "$n" -F >/dev/null
	chown -R "$owner" "$W/hf_r" "$W/hf_c"
	for kind in r c; do
		for cmd in send list; do
			if [ "$cmd" = send ]; then
				set -- fflush-send -q -n
			else
				set -- fflush-list
			fi
			# -n and list change nothing: the same spool serves every run
			read -r us _ < <(timeit -n "$RUNS" -- "$@" -o queue_directory="$W/hf_$kind" \
				-o fast_flush_domains=example.com example.com)
			hf[$kind$cmd]=$us
		done
	done
	echo "hash flooding: $n queue IDs colliding under FNV-1a vs ordinary (load average $(loadavg))"
	printf '%-34s %12s %12s %8s\n' "command" "ordinary" "colliding" "ratio"
	printf '%-34s %9s ms %9s ms %8s\n' "fflush-send -n example.com" "$(ms "${hf[rsend]}")" \
		"$(ms "${hf[csend]}")" "$(ratio "${hf[csend]}" "${hf[rsend]}")"
	printf '%-34s %9s ms %9s ms %8s\n' "fflush-list example.com" "$(ms "${hf[rlist]}")" \
		"$(ms "${hf[clist]}")" "$(ratio "${hf[clist]}" "${hf[rlist]}")"
	echo "target: ratio < 1.5 (medians of $RUNS runs)"
	rm -rf "$W/hf_r" "$W/hf_c"
}

# peak_kb CMD... - CMD's peak resident memory in KiB (getrusage of the child)
peak_kb() {
	python3 -c '
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}

# bigmem_bench - memory of fflush-list and --compact on a logfile far
# larger than what they may hold: 10,000 queued IDs and 1,000,000 whose mail
# is gone, repeated to BIG_MB MiB (default 250)
bigmem_bench() {
	local mb=${BIG_MB:-250} log=$W/bm/flush/example_com list compact size
	command -v python3 >/dev/null || { echo "bigmem: needs python3"; return 0; }
	genspool -q "$W/bm" -n 10000 -l 10000 >/dev/null
	{
		cat "$log"
		awk 'BEGIN { for (i = 1; i <= 1000000; i++) printf "%010X\n", i * 2039 + 1048576 }'
	} > "$W/bm.ids"
	: > "$log"
	while [ "$(stat -c %s "$log")" -lt $((mb * 1024 * 1024)) ]; do
		cat "$W/bm.ids" >> "$log"
	done
	rm -f "$W/bm.ids"
	chown -R "$owner" "$W/bm"
	size=$(stat -c %s "$log")
	list=$(peak_kb fflush-list -o queue_directory="$W/bm" -o fast_flush_domains=example.com)
	compact=$(peak_kb fflush-refresh --compact -o queue_directory="$W/bm" \
		-o fast_flush_domains=example.com)
	echo "memory on a $((size / 1024 / 1024)) MiB logfile: 1,010,000 distinct IDs, 10,000 of them queued (load average $(loadavg))"
	printf '%-34s %12s %14s\n' "command" "peak RSS" "of the log"
	printf '%-34s %9s MiB %13s%%\n' "fflush-list" "$((list / 1024))" \
		"$(awk -v a="$list" -v b="$size" 'BEGIN { printf "%.1f", 100 * a * 1024 / b }')"
	printf '%-34s %9s MiB %13s%%\n' "fflush-refresh --compact" "$((compact / 1024))" \
		"$(awk -v a="$compact" -v b="$size" 'BEGIN { printf "%.1f", 100 * a * 1024 / b }')"
	echo "after compaction: $(wc -l < "$log") lines (the queued IDs, once each)"
	echo "bound: list holds 262,144 IDs (the rest in sorted runs on disk), compact the"
	echo "queued IDs and 65,536 gone ones; Postfix's flush has neither operation"
	rm -rf "$W/bm"
}

# rb_pairs QDIR - the (logfile, queue ID) pairs in QDIR/flush, sorted, unique
rb_pairs() {
	local f
	for f in "$1"/flush/*; do
		[ -f "$f" ] && sed "s|^|${f##*/} |" "$f"
	done | LC_ALL=C sort -u
}

# rebuild_bench - 8.: the read floor, fflush-add --rebuild into an empty
# flush/ and the postqueue -j | jq | fflush-add - pipeline, taking turns in
# each of RUNS runs (medians); the rebuild and the pipeline must write the
# same pairs
rebuild_bench() {
	local n=${RB_FILES:-20000} q=$W/rb cfg=$W/rbcfg f r us
	local fl=() flj=() rb=() pl=() tpl=() cpus
	cpus=$(nproc)
	local dir
	dir=$(cd "$(dirname "$0")" && pwd)/qfiles
	for f in "$dir"/*.qf; do tpl+=(-t "$f"); done
	genspool -q "$q" -n "$n" "${tpl[@]}" >/dev/null
	mkdir -p "$cfg" "$W/rbdata"
	cat > "$cfg/main.cf" <<-EOF
	compatibility_level = 3.6
	queue_directory = $q
	data_directory = $W/rbdata
	mail_owner = postfix
	setgid_group = postdrop
	maillog_file = $W/rbdata/maillog
	maillog_file_prefixes = $W/rbdata
	inet_interfaces = loopback-only
	fast_flush_domains = one.example two.example three.example four.example xn--bcher-kva.example bücher.example müller.example
	EOF
	chown -R "$owner" "$q" "$W/rbdata"
	# shellcheck disable=SC2016 # jq's variables
	local jqprog='select(.queue_name == "deferred") | .queue_id as $id
		| .recipients[] | "\(.address | sub(".*@"; "")) \($id)"'
	local pipeline="postqueue -c $cfg -j | jq -r '$jqprog' | fflush-add -q -c $cfg -"
	if [ "$postfix_ok" = 1 ] && command -v postqueue >/dev/null && command -v jq >/dev/null; then
		printf '%s\n' 'showq unix n - n - - showq' 'postlog unix-dgram n - n - 1 postlogd' \
			> "$cfg/master.cf"
		rb_cfg=$cfg
		postfix -c "$cfg" start > "$W/rbdata/start.log" 2>&1 ||
			{ echo "bench: postfix start failed:" >&2; cat "$W/rbdata/start.log" >&2; exit 1; }
		[ "$(postqueue -c "$cfg" -j | wc -l)" = "$n" ] ||
			{ echo "bench: postqueue -j does not list $n messages" >&2; exit 1; }
	else
		pipeline=
	fi
	for _ in $(seq 1 "$RUNS"); do
		read -r us _ < <(timeit -n 1 -p "sync" -- qread-floor "$q")
		fl+=("$us")
		read -r us _ < <(timeit -n 1 -p "sync" -- qread-floor -j "$cpus" "$q")
		flj+=("$us")
		read -r us _ < <(timeit -n 1 -p "rm -f $q/flush/* && sync" -- \
			fflush-add -q -c "$cfg" --rebuild)
		rb+=("$us")
		if [ -n "$pipeline" ]; then
			read -r us _ < <(timeit -n 1 -p "rm -f $q/flush/* && sync" -- sh -c "$pipeline")
			pl+=("$us")
		fi
	done
	r=$(qread-floor "$q")
	[ "${r%% *}" = "$n" ] || { echo "bench: qread-floor read $r, not $n files" >&2; exit 1; }
	rm -f "$q"/flush/*
	fflush-add -q -c "$cfg" --rebuild
	rb_pairs "$q" > "$W/rb.pairs"
	r=$(wc -l < "$W/rb.pairs")
	[ "$r" -gt "$n" ] || { echo "bench: the rebuild wrote $r pairs" >&2; exit 1; }
	if [ -n "$pipeline" ]; then
		rm -f "$q"/flush/*
		sh -c "$pipeline"
		rb_pairs "$q" | cmp -s - "$W/rb.pairs" ||
			{ echo "bench: the rebuild and the postqueue pipeline disagree" >&2; exit 1; }
	fi
	rb_stop
	local floor floorj ours pipe=0
	floor=$(median "${fl[@]}")
	floorj=$(median "${flj[@]}")
	ours=$(median "${rb[@]}")
	[ -n "$pipeline" ] && pipe=$(median "${pl[@]}")
	echo "rebuild: $n deferred queue files (copies of Postfix's), $r (logfile, queue ID) pairs (load average $(loadavg))"
	printf '%-52s %10s\n' "command" "time"
	printf '%-52s %7s ms\n' "read floor (qread-floor: open+read+close)" "$(ms "$floor")"
	printf '%-52s %7s ms\n' "read floor on $cpus threads (qread-floor -j $cpus)" "$(ms "$floorj")"
	printf '%-52s %7s ms\n' "fflush-add --rebuild, empty flush/" "$(ms "$ours")"
	printf '%-52s %7s ms\n' "postqueue -j | jq | fflush-add - (Postfix's showq)" \
		"$(if [ "$pipe" = 0 ]; then echo n/a; else ms "$pipe"; fi)"
	echo "rebuild / floor: $(ratio "$ours" "$floor")x (target <= 1.5), / floor on $cpus threads: $(ratio "$ours" "$floorj")x; pipeline / rebuild: $(ratio "$pipe" "$ours")x (target >= 10; the floor on $cpus threads allows $(ratio "$pipe" "$floorj")x here); medians of $RUNS runs"
	rm -rf "$q" "$cfg" "$W/rbdata" "$W/rb.pairs"
}

case ${BENCH_ONLY:-} in
rebuild) rebuild_bench; exit 0 ;;
bigmem) bigmem_bench; exit 0 ;;
hashflood) hashflood_bench; exit 0 ;;
scache) scache_bench; exit 0 ;;
flushd) flushd_bench; exit 0 ;;
esac

# once PREP CMD... - time one run of CMD after an untimed PREP (sh string)
once() {
	local prep=$1 us
	shift
	read -r us _ < <(timeit -n 1 -p "$prep && sync" -- "$@")
	echo "$us"
}

# 1. send of 10,000 listed messages out of 20,000 deferred. The contenders
# take turns, each on a fresh copy, so that background writeback and cache
# state hit them alike.
genspool -q "$W/t1" -n 20000 -l 10000 > "$W/ids1"
chown -R "$owner" "$W/t1"
printf 'request\0send_site\0site\0example.com\0\0' > "$W/req1"
prep1="rm -rf $W/s && cp -a $W/t1 $W/s"
f=() o=() p=()
for _ in $(seq 1 "$RUNS"); do
	f+=("$(once "$prep1" sh -c "floor-move $W/s 1 < $W/s/flush/example_com")")
	o+=("$(once "$prep1" fflush-send -q -o queue_directory="$W/s" \
		-o fast_flush_domains=example.com example.com)")
	if [ "$postfix_ok" = 1 ]; then
		p+=("$(once "$prep1" sh -c "sockpair-run -- $PFLUSH -S -u -o queue_directory=$W/s \
			-o fast_flush_domains=example.com < $W/req1")")
	fi
done
floor=$(median "${f[@]}")
ours=$(median "${o[@]}")
pf=0
[ "$postfix_ok" = 1 ] && pf=$(median "${p[@]}")
check=$(fresh "$W/t1" "$W/s"; fflush-send -q -o queue_directory="$W/s" \
	-o fast_flush_domains=example.com example.com; find "$W/s/incoming" -type f | wc -l)
[ "$check" = 10000 ] || { echo "bench: fflush-send moved $check, not 10000" >&2; exit 1; }
if [ "$postfix_ok" = 1 ]; then
	check=$(fresh "$W/t1" "$W/s"; sockpair-run -- "$PFLUSH" -S -u -o queue_directory="$W/s" \
		-o fast_flush_domains=example.com < "$W/req1" >/dev/null; \
		find "$W/s/incoming" -type f | wc -l)
	[ "$check" = 10000 ] || { echo "bench: Postfix moved $check, not 10000" >&2; exit 1; }
fi

# 2. one fflush-add process (and one Postfix flush -S add request), start
# to exit, raw: N processes in a sh loop, per process. The floor is the
# same loop of /bin/true (a process that does nothing); the three loops take
# turns in each of RUNS runs (medians), so that load hits them alike.
genspool -q "$W/t2" -n 0 >/dev/null
chown -R "$owner" "$W/t2"
N=200
printf 'request\0add\0site\0example.com\0queue_id\0ABC123\0\0' > "$W/req2"
t_runs=() a_runs=() p_runs=()
for _ in $(seq 1 "$RUNS"); do
	read -r us _ < <(timeit -n 1 -- sh -c "
		i=0; while [ \$i -lt $N ]; do /bin/true; i=\$((i + 1)); done")
	t_runs+=("$us")
	read -r us _ < <(timeit -n 1 -p "rm -rf $W/s2 && cp -a $W/t2 $W/s2" -- sh -c "
		i=0; while [ \$i -lt $N ]; do
			fflush-add -o queue_directory=$W/s2 -o fast_flush_domains=example.com example.com A\$i
			i=\$((i + 1)); done")
	a_runs+=("$us")
	if [ "$postfix_ok" = 1 ]; then
		read -r us _ < <(timeit -n 1 -p "rm -rf $W/s2 && cp -a $W/t2 $W/s2" -- sh -c "
			i=0; while [ \$i -lt $N ]; do
				sockpair-run -- $PFLUSH -S -u -o queue_directory=$W/s2 \
					-o fast_flush_domains=example.com < $W/req2 >/dev/null
				i=\$((i + 1)); done")
		p_runs+=("$us")
	fi
done
true_one=$(( $(median "${t_runs[@]}") / N ))
add_one=$(( $(median "${a_runs[@]}") / N ))
add_pf=0
[ "$postfix_ok" = 1 ] && add_pf=$(( $(median "${p_runs[@]}") / N ))

# 2b. the same add with fast_flush_domains a 10,000-entry table made by
# Postfix's postmap (hash: and lmdb:), the site the last key: what a native
# lookup adds to a command. The plain list and the two tables take turns in
# each of RUNS runs (medians), so that load from elsewhere hits them alike;
# Postfix's flush -S with the same tables next to them; and the lookup
# alone (table-query: one process, LOOKUPS lookups)
LOOKUPS=100000
declare -A tadd tpf tlook
# adds SPEC - time N fflush-add processes with fast_flush_domains=SPEC (us)
adds() {
	local us
	read -r us _ < <(timeit -n 1 -p "rm -rf $W/s2 && cp -a $W/t2 $W/s2" -- sh -c "
		i=0; while [ \$i -lt $N ]; do
			fflush-add -o queue_directory=$W/s2 -o fast_flush_domains=$1 site9999.example.com A\$i
			i=\$((i + 1)); done")
	check=$(wc -l < "$W/s2/flush/site9999_example_com")
	[ "$check" = "$N" ] || { echo "bench: $1: fflush-add wrote $check lines" >&2; exit 1; }
	echo $(( us / N ))
}
if command -v postmap >/dev/null; then
	awk 'BEGIN { for (i = 0; i < 10000; i++) printf "site%d.example.com OK\n", i }' > "$W/dom"
	types=()
	for type in hash lmdb; do
		postmap -c "$W/cfg" "$type:$W/dom" 2>/dev/null && types+=("$type")
	done
	declare -A runs
	for _ in $(seq 1 "$RUNS"); do
		runs[plain]+=" $(adds example.com)"
		for type in "${types[@]}"; do
			runs[$type]+=" $(adds "$type:$W/dom")"
		done
	done
	# shellcheck disable=SC2086 # word lists
	tadd[plain]=$(median ${runs[plain]})
	for type in "${types[@]}"; do
		dom="$type:$W/dom"
		# shellcheck disable=SC2086
		tadd[$type]=$(median ${runs[$type]})
		read -r us _ < <(timeit -n "$RUNS" -- sh -c "table-query -c $W/cfg -n $LOOKUPS $dom site9999.example.com >/dev/null")
		tlook[$type]=$us
		tpf[$type]=0
		if [ "$postfix_ok" = 1 ]; then
			printf 'request\0add\0site\0site9999.example.com\0queue_id\0ABC123\0\0' > "$W/req2t"
			read -r us _ < <(timeit -n 1 -p "rm -rf $W/s2 && cp -a $W/t2 $W/s2" -- sh -c "
				i=0; while [ \$i -lt $N ]; do
					sockpair-run -- $PFLUSH -S -u -o queue_directory=$W/s2 \
						-o fast_flush_domains=$dom < $W/req2t >/dev/null
					i=\$((i + 1)); done")
			check=$(wc -l < "$W/s2/flush/site9999_example_com")
			[ "$check" = "$N" ] || { echo "bench: $type: Postfix added $check lines" >&2; exit 1; }
			tpf[$type]=$(( us / N ))
		fi
	done
fi

# 3. batch add of 100,000 IDs for 100 sites
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "site%d.example.com %05X%X\n", i % 100, i % 1000000, 65536 + i }' > "$W/batch"
read -r batch_us _ < <(timeit -n "$RUNS" -p "rm -rf $W/s3 && cp -a $W/t2 $W/s3" -- \
	sh -c "fflush-add -o queue_directory=$W/s3 -o fast_flush_domains=example.com - < $W/batch")
check=$(fresh "$W/t2" "$W/s3"; fflush-add -o queue_directory="$W/s3" -o fast_flush_domains=example.com - < "$W/batch"; cat "$W"/s3/flush/* | wc -l)
[ "$check" = 100000 ] || { echo "bench: batch add wrote $check lines" >&2; exit 1; }
batch_rate=$(awk -v us="$batch_us" 'BEGIN { printf "%d", 100000 / (us / 1e6) }')

# 4. refresh (purge) of 10,000 logfiles, one deferred message each
genspool -q "$W/t4" -n 10000 -L 10000 >/dev/null
chown -R "$owner" "$W/t4"
keep_atime="find $W/s4/flush -type f -exec touch -a -d '-1 day' {} +"
read -r ref_us _ < <(timeit -n "$RUNS" -p "rm -rf $W/s4 && cp -a $W/t4 $W/s4 && $keep_atime" -- \
	fflush-refresh -q --purge -o queue_directory="$W/s4")
check=$(fresh "$W/t4" "$W/s4"; eval "$keep_atime"; fflush-refresh -q --purge -o queue_directory="$W/s4"; find "$W/s4/incoming" -type f | wc -l)
[ "$check" = 10000 ] || { echo "bench: refresh moved $check, not 10000" >&2; exit 1; }
pfref=0
if [ "$postfix_ok" = 1 ]; then
	printf 'request\0purge\0\0' > "$W/req4"
	read -r pfref _ < <(timeit -n "$RUNS" -p "rm -rf $W/s4 && cp -a $W/t4 $W/s4 && $keep_atime" -- \
		sh -c "sockpair-run -- $PFLUSH -S -u -o queue_directory=$W/s4 < $W/req4")
	check=$(fresh "$W/t4" "$W/s4"; eval "$keep_atime"; sockpair-run -- "$PFLUSH" -S -u \
		-o queue_directory="$W/s4" < "$W/req4" >/dev/null; find "$W/s4/incoming" -type f | wc -l)
	[ "$check" = 10000 ] || { echo "bench: Postfix purge moved $check, not 10000" >&2; exit 1; }
fi

na() { if [ "$1" = 0 ]; then echo "n/a"; else ms "$1"; fi; }
echo "spool operations (load average $(loadavg))"
printf '%-44s %12s %12s %12s %10s %10s\n' "workload" "fastflush" "floor" "Postfix" "vs floor" "vs Postfix"
printf '%-44s %10s ms %10s ms %10s ms %10s %10s\n' "send 10,000 of 20,000 deferred (send_site)" \
	"$(ms "$ours")" "$(ms "$floor")" "$(na "$pf")" "$(ratio "$ours" "$floor")x" \
	"$(ratio "$pf" "$ours")x faster"
printf '%-44s %10s ms %10s ms %10s ms %10s %10s\n' "one add process (start to exit, raw)" \
	"$(ms "$add_one")" "$(ms "$true_one")" "$(na "$add_pf")" "$(ratio "$add_one" "$true_one")x" \
	"$(ratio "$add_pf" "$add_one")x faster"
for type in hash lmdb; do
	[ -n "${tadd[$type]:-}" ] || continue
	printf '%-44s %10s ms %12s %10s ms %10s %10s\n' "one add, 10,000-entry $type: domains" \
		"$(ms "${tadd[$type]}")" "" "$(na "${tpf[$type]}")" "" "$(ratio "${tpf[$type]}" "${tadd[$type]}")x faster"
	printf '%-44s %10s us  (lookup alone: %s us in-process; target: < 100 us)\n' "  over a plain list (same runs)" \
		"$(( tadd[$type] - tadd[plain] ))" \
		"$(awk -v us="${tlook[$type]}" -v n="$LOOKUPS" 'BEGIN { printf "%.2f", us / n }')"
done
printf '%-44s %10s ms %12s %12s %10s %10s\n' "batch add of 100,000 IDs (100 sites)" \
	"$(ms "$batch_us")" "" "" "" ""
printf '%-44s %10s ms %12s %10s ms %10s %10s\n' "refresh --purge of 10,000 logfiles" \
	"$(ms "$ref_us")" "" "$(na "$pfref")" "" "$(ratio "$pfref" "$ref_us")x faster"
echo
echo "batch add rate: $batch_rate IDs/s"
echo "targets: send <= 1.2x floor and >= 1.5x faster than Postfix; one add < 1 ms over /bin/true;"
echo "         batch >= 200,000 IDs/s; purge faster than Postfix"
flushd_bench
scache_bench
echo
hashflood_bench
echo
bigmem_bench
echo
rebuild_bench
