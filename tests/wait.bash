# tests/wait.bash - wait for a condition, never for a fixed time (sourced by
# tests/helpers.bash, tests/interop/pf.bash, tests/interop/e2e.bash and
# tests/bench/run.sh). Every bound here is only reached when the test fails:
# a loaded machine makes the waits longer, never wrong.

# wait_for SECS COMMAND... - run COMMAND every 0.05 s until it succeeds
# (status 0) or SECS have passed (status 1)
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# wait_socket PATH [SECS] - wait (at most SECS, default 30) until PATH is
# a socket; else say so and fail
wait_socket() {
	wait_for "${2:-30}" test -S "$1" && return 0
	echo "wait_socket: no socket $1 after ${2:-30} s" >&2
	return 1
}

# gone PID... - none of the processes exists any more (zombies count as gone)
gone() {
	local p st
	for p in "$@"; do
		st=$(cut -d ')' -f 2 "/proc/$p/stat" 2>/dev/null) || continue
		[ "${st:1:1}" = Z ] || return 1
	done
	return 0
}

# wait_gone PID [SECS] - wait (at most SECS, default 30) until process PID
# is gone (gone: a zombie counts); else say so and fail
wait_gone() {
	wait_for "${2:-30}" gone "$1" && return 0
	echo "wait_gone: process $1 still there after ${2:-30} s" >&2
	return 1
}

# hold_lock FILE - an exclusive flock(2) on FILE, taken and held by a
# background process until release_lock; returns once the lock is held (the
# holder says so on a pipe), fails if it is not within 30 s. FILE must
# exist. The holder's pid is added to HELD_LOCKS.
hold_lock() {
	local fd line=
	exec {fd}< <(exec 9< "$1" 3>&- && flock -x 9 && echo held && exec sleep 3600 > /dev/null)
	HELD_LOCKS+=("$!")
	read -r -t 30 line <&"$fd"
	exec {fd}<&-
	[ "$line" = held ] && return 0
	echo "hold_lock: $1: no lock held after 30 s" >&2
	return 1
}

# release_lock - end every holder hold_lock started and return once they
# are gone (their locks go with them)
release_lock() {
	local p
	for p in ${HELD_LOCKS[@]+"${HELD_LOCKS[@]}"}; do kill "$p" 2> /dev/null || true; done
	for p in ${HELD_LOCKS[@]+"${HELD_LOCKS[@]}"}; do wait_gone "$p" || return 1; done
	HELD_LOCKS=()
}

# file_clock - the current second as file times and time(2) read it (the
# kernel's coarse clock, which may be a few milliseconds behind date +%s)
file_clock() {
	local probe
	probe=$(mktemp /tmp/ffclock.XXXXXX) || return 1
	stat -c %Y "$probe"
	rm -f "$probe"
}

# wait_next_second [EPOCH] - wait until the clock has passed second EPOCH
# (default: the current one) for file times and time(2) too, at most 30 s
wait_next_second() {
	local t=${1:-$(file_clock)}
	wait_for 30 _clock_past "$t" && return 0
	echo "wait_next_second: the clock did not pass $t" >&2
	return 1
}
_clock_past() { [ "$(file_clock)" -gt "$1" ]; }
