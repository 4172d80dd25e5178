# tests/wait.bash - wait for a condition, never for a fixed time (sourced by
# tests/helpers.bash, tests/interop/e2e.bash and tests/bench/run.sh)

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
