# tests/crash.bash - kill a command at each of its system calls, and in the
# middle of each of its writes, and check after every kill that nothing
# acknowledged is lost (sourced by tests/crash.bats and
# tests/interop/crash.bats, after helpers.bash)
#
# A run is: the spool as crash_save left it; the command, killed at one
# point; an add by another writer that appends without reading, as
# Postfix's flush does (crash_add: a plain O_APPEND write under flock, or
# Postfix's own daemon in the interop tests); a clean pass (fflush-refresh
# --compact, which also puts back what a crashed rewrite left); then every
# expected queue ID must be in the logfile or in incoming/, and every line
# of the logfile must be a queue ID.

# under make check SAN=1: LeakSanitizer cannot run under ptrace (strace),
# and tear.so is preloaded ahead of the ASan runtime
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0"

# the calls a kill can come before (strace -e inject ... signal=KILL)
CRASH_CALLS=openat,pwrite64,pwritev,pwritev2,write,writev,ftruncate,fsync,fdatasync,unlinkat,unlink,rename,renameat,renameat2,flock,fcntl

crash_save() {
	rm -rf "$T/q.saved"
	cp -a "$Q" "$T/q.saved"
}

crash_restore() {
	rm -rf "$Q"
	cp -a "$T/q.saved" "$Q"
}

# crash_points CMD... - "CALL N" for every call of CRASH_CALLS CMD makes
crash_points() {
	crash_restore
	strace -f -qq -o "$T/trace" -e trace="$CRASH_CALLS" -- "$@" > /dev/null 2>&1 || true
	sed -n 's/^[0-9]* *\([a-z0-9_]*\)(.*/\1/p' "$T/trace" | sort | uniq -c |
		while read -r n call; do
			for ((i = 1; i <= n; i++)); do echo "$call $i"; done
		done
}

# tear_points CMD... - "N LENGTH" for each write to a file CMD makes
tear_points() {
	crash_restore
	rm -f "$T/tears"
	env LD_PRELOAD="$FF_BUILD/tests/tools/tear.so" FF_TEAR_COUNT="$T/tears" "$@" \
		> /dev/null 2>&1 || true
	cat "$T/tears" 2>/dev/null || true
}

# crash_add LOG ID - the other writer: append without reading, under the lock
crash_add() {
	# shellcheck disable=SC2016  # expanded by the inner sh
	flock "$Q/flush/$1" sh -c 'printf "%s\n" "$2" >> "$1"' sh "$Q/flush/$1" "$2"
}

# crash_check WHERE LOG ID... - the clean pass, then the invariant
crash_check() {
	local at=$1 log=$2 id bad
	shift 2
	if ! fflush-refresh --compact -q > "$T/clean.out" 2>&1; then
		echo "$at: clean pass failed: $(cat "$T/clean.out")"
		return 1
	fi
	for id in "$@"; do
		if ! grep -qx "$id" "$Q/flush/$log" 2>/dev/null && [ "$(where "$id")" != incoming ]; then
			echo "$at: $id lost; flush/$log: $(tr '\n\0' ' @' < "$Q/flush/$log" 2>/dev/null)"
			return 1
		fi
	done
	bad=$(tr '\0' '@' < "$Q/flush/$log" 2>/dev/null | grep -cvE '^[A-Za-z0-9]+$' || true)
	if [ "${bad:-0}" != 0 ]; then
		echo "$at: $bad lines of flush/$log are not queue IDs"
		return 1
	fi
	if ls "$Q"/flush/*.keep > /dev/null 2>&1; then
		echo "$at: a record is left after the clean pass"
		return 1
	fi
}

# crash_every LOG NEWID "IDS" CMD... - CMD killed at every point, each run
# followed by crash_add LOG NEWID and crash_check of IDS and NEWID; prints
# the number of runs, or the first failure
crash_every() {
	local log=$1 newid=$2 ids=$3 call n runs=0 keep
	shift 3
	# shellcheck disable=SC2086  # ids is a list
	while read -r call n; do
		crash_restore
		strace -f -qq -o /dev/null -e trace="$call" -e inject="$call":signal=KILL:when="$n" \
			-- "$@" > /dev/null 2>&1 || true
		crash_add "$log" "$newid"
		crash_check "killed at $call #$n" "$log" $ids "$newid" || return 1
		runs=$((runs + 1))
	done < <(crash_points "$@")
	# each write cut after its first byte, every CRASH_TEAR_STEP bytes
	# (default: only half-way), and before its last byte. A shim that
	# intercepts nothing (not preloaded, write not exported) would let this
	# loop pass by doing nothing: it must see the shell's own write first.
	rm -f "$T/tears"
	env LD_PRELOAD="$FF_BUILD/tests/tools/tear.so" FF_TEAR_COUNT="$T/tears" \
		sh -c 'printf x > "$1"' sh "$T/tear.probe"
	[ -s "$T/tears" ] || { echo "tear.so intercepts no write" >&2; return 1; }
	tear_points "$@" > "$T/tear.points"
	while read -r n len; do
		for keep in $(seq 1 "${CRASH_TEAR_STEP:-$(((len + 1) / 2))}" $((len - 1))) -1; do
			crash_restore
			env LD_PRELOAD="$FF_BUILD/tests/tools/tear.so" FF_TEAR_AT="$n" \
				FF_TEAR_KEEP="$keep" "$@" > /dev/null 2>&1 || true
			crash_add "$log" "$newid"
			# shellcheck disable=SC2086
			crash_check "write #$n cut after $keep of $len bytes" "$log" $ids "$newid" ||
				return 1
			runs=$((runs + 1))
		done
	done < "$T/tear.points"
	echo "$runs runs"
}
