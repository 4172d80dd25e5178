#!/bin/sh
# tests/run-unit.sh BINARY... - run the C unit test binaries
#
# Runs each binary, prints one line per binary ("PASS name: summary" or
# "FAIL name (...)" followed by its output), and exits 1 if any failed.
# With VALGRIND=1 every binary runs under valgrind; a memory error or a
# definite leak then fails it (valgrind exits 99).
set -u

if [ $# -eq 0 ]; then
	echo "usage: $0 BINARY..." >&2
	exit 64
fi

out=$(mktemp "${TMPDIR:-/tmp}/run-unit.XXXXXX") || exit 70
trap 'rm -f "$out"' EXIT
trap 'exit 130' INT TERM

failed=0
total=0
for bin in "$@"; do
	name=${bin##*/}
	total=$((total + 1))
	if [ "${VALGRIND:-0}" = 1 ]; then
		valgrind --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite -q "$bin" >"$out" 2>&1
	else
		"$bin" >"$out" 2>&1
	fi
	rc=$?
	if [ "$rc" -eq 0 ]; then
		summary=$(tail -n 1 "$out")
		echo "PASS $name: ${summary#*: }"
		continue
	fi
	failed=$((failed + 1))
	case $rc in
	99) why="valgrind found errors" ;;
	1) why="checks failed" ;;
	*) if [ "$rc" -gt 128 ]; then why="killed by signal $((rc - 128))"; else why="exit $rc"; fi ;;
	esac
	echo "FAIL $name ($why)"
	sed 's/^/    /' "$out"
done

if [ "$failed" -ne 0 ]; then
	echo "unit tests: $failed of $total binaries failed"
	exit 1
fi
echo "unit tests: all $total binaries passed"
exit 0
