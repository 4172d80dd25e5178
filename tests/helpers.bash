# tests/helpers.bash - shared set-up for the command tests (sourced by bats files)
#
# Every test gets a fresh spool: $T (scratch root, mode 755 so that the
# postfix user can reach it), $Q (queue_directory), $C (config dir with
# main.cf). MAIL_CONFIG points at $C, so commands need no -c.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load /usr/lib/bats/bats-file/load
# shellcheck source=tests/wait.bash
. "$(dirname "${BASH_SOURCE[0]}")/wait.bash"

FF_BUILD=${FF_BUILD:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)/build}
PATH="$FF_BUILD/bin:$FF_BUILD/tests/tools:$PATH"
export PATH FF_BUILD

# make check VALGRIND=1: every command runs under valgrind (memcheck);
# any error or definite leak makes it exit 99 and the test fail
if [ -n "${FF_VALGRIND:-}" ]; then
	vgbin=$BATS_RUN_TMPDIR/vgbin
	if [ ! -d "$vgbin" ]; then
		mkdir -p "$vgbin"
		for c in "$FF_BUILD"/bin/*; do
			[ -x "$c" ] || continue
			printf '#!/bin/sh\nexec valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite %s "$@"\n' \
				"$c" > "$vgbin/${c##*/}"
			chmod 755 "$vgbin/${c##*/}"
		done
	fi
	PATH="$vgbin:$PATH"
fi

# slow_test - skip tests that run hundreds of processes when under valgrind
slow_test() {
	[ -z "${FF_VALGRIND:-}" ] || skip "hundreds of processes: too slow under valgrind"
}

# no_valgrind WHY - skip a test that cannot work under valgrind (timing
# in seconds, descriptors valgrind reserves, wrappers other users cannot run)
no_valgrind() {
	[ -z "${FF_VALGRIND:-}" ] || skip "under valgrind: $1"
}

# mkspool [main.cf lines...] - a fresh Postfix-layout spool owned by the caller
mkspool() {
	T=$(mktemp -d /tmp/fftest.XXXXXX)
	chmod 755 "$T"
	Q=$T/q
	C=$T/cfg
	mkdir -p "$Q"/flush "$Q"/deferred "$Q"/incoming "$Q"/active "$Q"/hold \
		"$Q"/public "$Q"/private "$C"
	chmod 700 "$Q"/private "$Q"/flush "$Q"/deferred "$Q"/incoming "$Q"/active "$Q"/hold
	{
		echo "queue_directory = $Q"
		echo "fast_flush_domains = example.com, example.org"
		for line in "$@"; do echo "$line"; done
	} > "$C"/main.cf
	MAIL_CONFIG=$C
	export T Q C MAIL_CONFIG
}

rmspool() {
	release_lock
	if [ -n "${LISTENER_PID:-}" ]; then
		kill "$LISTENER_PID" 2>/dev/null || true
		LISTENER_PID=
	fi
	[ -n "${T:-}" ] && [ -d "$T" ] && rm -rf "$T"
	T=
}

# conf LINE... - append main.cf lines
conf() {
	for line in "$@"; do echo "$line" >> "$C"/main.cf; done
}

# queued ID [mode [queue [depth]]] - make a queue file where Postfix keeps it,
# with a retry time in the future as deferred mail has
queued() {
	local id=$1 mode=${2:-700} queue=${3:-deferred} depth=${4:-1} rel
	case $queue in
	deferred) rel=$(qpath -d "$depth" deferred "$id") ;;
	*) rel=$(qpath -H "$queue" "$id") ;;
	esac
	mkdir -p "$(dirname "$Q/$rel")"
	printf 'queue file %s\n' "$id" > "$Q/$rel"
	chmod "$mode" "$Q/$rel"
	touch -d '+2 hours' "$Q/$rel"
	echo "$Q/$rel"
}

# where ID - the queue holding ID now, or "gone"
where() {
	local f
	f=$(find "$Q" -path "$Q/flush" -prune -o -name "$1" -print | head -n 1)
	if [ -z "$f" ]; then echo gone; return; fi
	f=${f#"$Q"/}
	echo "${f%%/*}"
}

# mode FILE - octal permission bits
mode() { stat -c %a "$1"; }
owner() { stat -c %U:%G "$1"; }
mtime() { stat -c %Y "$1"; }
atime() { stat -c %X "$1"; }
mtime_ns() { stat -c %y "$1" | sed 's/.*\.\([0-9]*\).*/\1/'; }

# near_now EPOCH [slack] - true when EPOCH is within slack seconds of now
near_now() {
	local now d
	now=$(date +%s)
	d=$(( now - $1 ))
	[ "${d#-}" -le "${2:-5}" ]
}

# listen_qmgr [-f] - record qmgr triggers in $T/triggers (one line per trigger)
listen_qmgr() {
	local fifo=
	[ "${1:-}" = -f ] && fifo=-f
	: > "$T"/triggers
	trigger-listen $fifo "$Q"/public/qmgr "$T"/triggers > "$T"/listener.pid
	LISTENER_PID=$(cat "$T"/listener.pid)
	export LISTENER_PID
}

# triggers N - what the qmgr listener logged, once it has N lines (at most
# 30 s): a trigger is logged when its sender has closed the connection,
# which may come after the command that sent it has returned
triggers() {
	wait_for 30 _triggers_logged "$1" || echo "triggers: fewer than $1 lines after 30 s" >&2
	cat "$T"/triggers
}
_triggers_logged() { [ "$(wc -l < "$T"/triggers)" -ge "$1" ]; }

# peak_kb CMD [ARG...] - run CMD (standard input passed on, its output
# discarded); print its peak resident memory in KiB (getrusage of the child)
peak_kb() {
	python3 -c '
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}

# sanitized - the programs under test are the ASan+UBSan build (make SAN=1)
sanitized() {
	case ${FF_BUILD:-} in *-san) return 0 ;; esac
	return 1
}

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

need_postfix_user() {
	need_root
	id postfix >/dev/null 2>&1 || skip "needs the postfix user"
}

# kids PID - the process IDs whose parent is PID (one per line)
kids() {
	local f st ppid
	for f in /proc/[0-9]*/stat; do
		st=$(cat "$f" 2>/dev/null) || continue
		st=${st##*) }	# after the command name: "STATE PPID ..."
		read -r _ ppid _ <<< "$st"
		[ "$ppid" = "$1" ] || continue
		f=${f#/proc/}
		echo "${f%/stat}"
	done
	return 0
}
