#!/usr/bin/env bash
# tests/bench/run.sh - make bench: fastflush against Postfix 3.7 and against
# the raw system-call floor, measured in one run on the same machine.
#
# Workloads (ISSUE 2): a spool of 20,000 deferred files, 10,000 of them listed
# for one site; one fflush-add process; a batch add of 100,000 IDs; refresh
# (purge) of 10,000 logfiles. Times are medians of RUNS runs (default 5),
# each on a fresh copy of the spool. Postfix runs one-shot (flush -S -u) on a
# socketpair, as root; without root or Postfix its columns say "n/a".
set -euo pipefail

B=${FF_BUILD:?run me through make bench}
RUNS=${RUNS:-5}
export PATH="$B/bin:$B/tests/tools:$PATH"
PFLUSH=/usr/lib/postfix/sbin/flush

W=$(mktemp -d /tmp/ffbench.XXXXXX)
chmod 755 "$W"
trap 'rm -rf "$W"' EXIT
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

echo "fastflush benchmark: $(nproc) CPUs, $(uname -r), runs=$RUNS (medians)"
echo

# median US... - the middle value
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

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

# 2. one fflush-add process (and one Postfix flush -S add request)
genspool -q "$W/t2" -n 0 >/dev/null
chown -R "$owner" "$W/t2"
N=200
read -r add_us _ < <(timeit -n 1 -p "rm -rf $W/s2 && cp -a $W/t2 $W/s2" -- sh -c "
	i=0; while [ \$i -lt $N ]; do
		fflush-add -o queue_directory=$W/s2 -o fast_flush_domains=example.com example.com A\$i
		i=\$((i + 1)); done")
read -r true_us _ < <(timeit -n 1 -- sh -c "
	i=0; while [ \$i -lt $N ]; do /bin/true; i=\$((i + 1)); done")
add_one=$(( (add_us - true_us) / N ))
add_pf=0
if [ "$postfix_ok" = 1 ]; then
	printf 'request\0add\0site\0example.com\0queue_id\0ABC123\0\0' > "$W/req2"
	read -r pfadd_us _ < <(timeit -n 1 -p "rm -rf $W/s2 && cp -a $W/t2 $W/s2" -- sh -c "
		i=0; while [ \$i -lt $N ]; do
			sockpair-run -- $PFLUSH -S -u -o queue_directory=$W/s2 \
				-o fast_flush_domains=example.com < $W/req2 >/dev/null
			i=\$((i + 1)); done")
	add_pf=$(( (pfadd_us - true_us) / N ))
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

# 5. fflushd against Postfix's flush as a socket service: requests per
# second and latency, one connection per request as Postfix's clients make
# them, for add and for send_site of a site with 100 listed messages (the
# spool is put back before each send, untimed). Both servers run one
# process per connection under the same super-server
# (systemd-socket-activate --inetd, else socat).
genspool -q "$W/t5" -n 200 -l 100 > "$W/ids5"
chown -R "$owner" "$W/t5"
mkdir -p "$W/t5/public"
NADD=${NADD:-500}
NSEND=${NSEND:-100}
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
	for _ in $(seq 1 50); do [ -S "$W/s5/public/flush" ] && break; sleep 0.1; done
	chmod 666 "$W/s5/public/flush"
}
unserve() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
# rate NAME - run the two workloads against the server listening now
rate() {
	flush-bench -s "$W/s5/public/flush" -n "$NADD" add example.com ABC123 > "$W/$1.add"
	flush-bench -s "$W/s5/public/flush" -n "$NSEND" -r "$W/s5" -l example_com \
		-i "$W/ids5" send_site example.com > "$W/$1.send"
}
srv_ok=0
if command -v systemd-socket-activate >/dev/null || command -v socat >/dev/null; then
	srv_ok=1
	fresh "$W/t5" "$W/s5"
	serve ffd fflushd -o queue_directory="$W/s5" -o fast_flush_domains=example.com
	rate ffd
	unserve
	# fflushd given the listening socket (systemd Accept=no): long-lived workers
	if command -v systemd-socket-activate >/dev/null; then
		fresh "$W/t5" "$W/s5"
		rm -f "$W/s5/public/flush"
		systemd-socket-activate -l "$W/s5/public/flush" fflushd -o queue_directory="$W/s5" \
			-o fast_flush_domains=example.com -o max_idle=2s > "$W/ffl.log" 2>&1 &
		server_pid=$!
		for _ in $(seq 1 50); do [ -S "$W/s5/public/flush" ] && break; sleep 0.1; done
		rate ffl
		unserve
		pkill -f "fflushd -o queue_directory=$W/s5" 2>/dev/null || true
	fi
	# Postfix's flush daemon under its own master (a private instance whose
	# master.cf runs only flush and postlogd), the way Postfix runs it
	if [ "$postfix_ok" = 1 ] && command -v postfix >/dev/null; then
		P=$W/pfi
		mkdir -p "$P/cfg" "$P/q" "$P/data" "$P/log"
		chown postfix "$P/q" "$P/data" "$P/log"
		cat > "$P/cfg/main.cf" <<-EOF
		queue_directory = $P/q
		data_directory = $P/data
		fast_flush_domains = example.com
		inet_interfaces = loopback-only
		compatibility_level = 3.6
		maillog_file = $P/log/maillog
		maillog_file_prefixes = $P/log
		EOF
		printf '%s\n' 'flush unix n - n 1000? 0 flush' \
			'postlog unix-dgram n - n - 1 postlogd' > "$P/cfg/master.cf"
		if timeout 60 postfix -c "$P/cfg" start >/dev/null 2>&1; then
			# the spool after the start: postfix start renames queue files it
			# finds to match their inode numbers
			genspool -q "$P/q" -n 200 -l 100 > "$W/ids5p"
			chown -R postfix "$P/q/deferred" "$P/q/flush"
			for _ in $(seq 1 50); do [ -S "$P/q/public/flush" ] && break; sleep 0.1; done
			if ! flush-bench -s "$P/q/public/flush" -n "$NADD" add example.com ABC123 > "$W/pfm.add" ||
				! flush-bench -s "$P/q/public/flush" -n "$NSEND" -r "$P/q" -l example_com \
					-i "$W/ids5p" send_site example.com > "$W/pfm.send"; then
				rm -f "$W/pfm.add" "$W/pfm.send"
			fi
			timeout 30 postfix -c "$P/cfg" stop >/dev/null 2>&1 || true
		fi
	fi
	if [ "$postfix_ok" = 1 ]; then
		fresh "$W/t5" "$W/s5"
		serve pfd env MAIL_CONFIG="$W/cfg" "$PFLUSH" -S -u -o queue_directory="$W/s5" \
			-o fast_flush_domains=example.com
		rate pfd
		unserve
	fi
fi
# field FILE KEY - one key=value of flush-bench's output
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$1"; }

na() { if [ "$1" = 0 ]; then echo "n/a"; else ms "$1"; fi; }
printf '%-44s %12s %12s %12s %10s %10s\n' "workload" "fastflush" "floor" "Postfix" "vs floor" "vs Postfix"
printf '%-44s %10s ms %10s ms %10s ms %10s %10s\n' "send 10,000 of 20,000 deferred (send_site)" \
	"$(ms "$ours")" "$(ms "$floor")" "$(na "$pf")" "$(ratio "$ours" "$floor")x" \
	"$(ratio "$pf" "$ours")x faster"
printf '%-44s %10s ms %12s %10s ms %10s %10s\n' "one add process (start to exit)" \
	"$(ms "$add_one")" "" "$(na "$add_pf")" "" "$(ratio "$add_pf" "$add_one")x faster"
printf '%-44s %10s ms %12s %12s %10s %10s\n' "batch add of 100,000 IDs (100 sites)" \
	"$(ms "$batch_us")" "" "" "" ""
printf '%-44s %10s ms %12s %10s ms %10s %10s\n' "refresh --purge of 10,000 logfiles" \
	"$(ms "$ref_us")" "" "$(na "$pfref")" "" "$(ratio "$pfref" "$ref_us")x faster"
# col NAME WORKLOAD - "req/s p50 p99" of one server, or n/a
col() {
	if [ -s "$W/$1.$2" ]; then
		echo "$(field "$W/$1.$2" rps) $(field "$W/$1.$2" p50_us)us $(field "$W/$1.$2" p99_us)us"
	else
		echo n/a
	fi
}
# vs A B WORKLOAD - requests/s of A over B
vs() { [ -s "$W/$1.$3" ] && [ -s "$W/$2.$3" ] && echo "$(ratio "$(field "$W/$1.$3" rps)" "$(field "$W/$2.$3" rps)")x"; }
if [ "$srv_ok" = 1 ]; then
	echo
	echo "fflushd vs Postfix's flush, one connection per request: req/s, p50 and p99 latency"
	printf '%-34s %24s %24s %8s\n' "one process per connection" "fflushd (inetd style)" "Postfix flush -S" "ratio"
	printf '%-34s %24s %24s %8s\n' "add (one queue ID)" "$(col ffd add)" "$(col pfd add)" "$(vs ffd pfd add)"
	printf '%-34s %24s %24s %8s\n' "send_site, 100 listed messages" "$(col ffd send)" "$(col pfd send)" "$(vs ffd pfd send)"
	printf '%-34s %24s %24s %8s\n' "long-lived server processes" "fflushd (Accept=no)" "Postfix daemon (master)" "ratio"
	printf '%-34s %24s %24s %8s\n' "add (one queue ID)" "$(col ffl add)" "$(col pfm add)" "$(vs ffl pfm add)"
	printf '%-34s %24s %24s %8s\n' "send_site, 100 listed messages" "$(col ffl send)" "$(col pfm send)" "$(vs ffl pfm send)"
fi
echo
echo "batch add rate: $batch_rate IDs/s"
echo "targets: send <= 1.2x floor and >= 1.5x faster than Postfix; one add < 1 ms;"
echo "         batch >= 200,000 IDs/s; purge faster than Postfix"
