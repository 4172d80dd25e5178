#!/usr/bin/env bats
# kill -9 at any instant loses no queue ID and no queue file

load helpers

setup() { mkspool "fast_flush_domains = static:all"; }
teardown() { rmspool; }

# killer CMD... - start CMD, kill -9 it after a random few milliseconds
killer() {
	"$@" >/dev/null 2>&1 &
	local pid=$!
	sleep "0.00$((RANDOM % 10))$((RANDOM % 10))"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

@test "kill -9 during sends: every listed message ends up in incoming" {
	slow_test
	ids=()
	for i in $(seq 1 400); do ids+=("K$i"); queued "K$i" >/dev/null; done
	fflush-add example.com "${ids[@]}"
	for n in $(seq 1 25); do killer fflush-send example.com; done
	fflush-send -q example.com || true
	[ "$(find "$Q/deferred" -type f | wc -l)" = 0 ]
	[ "$(find "$Q/incoming" -type f | wc -l)" = 400 ]
	[ "$(stat -c %s "$Q/flush/example_com")" = 0 ]
}

@test "kill -9 during adds: every add that succeeded is in the log" {
	slow_test
	for n in $(seq 1 150); do
		if [ $((n % 3)) = 0 ]; then
			killer fflush-add example.com "A$n"
		else
			fflush-add example.com "A$n" && echo "A$n" >> "$T/ok"
		fi
	done
	while read -r id; do
		grep -qx "$id" "$Q/flush/example_com" || { echo "lost $id"; false; }
	done < "$T/ok"
	# an add killed between its newline and its line leaves a line with
	# NULs (lib/flush/logwrite.c, rule 2), which no reader takes for an
	# ID; any other line is one whole queue ID: nothing torn or joined
	run sh -c "tr '\\000' '@' < '$Q/flush/example_com' | grep -vxE 'A[0-9]+' | grep -v @"
	assert_failure 1
	assert_output ''
}

@test "kill -9 during batch adds and compaction: kept IDs survive" {
	slow_test
	for i in $(seq 1 300); do queued "L$i" >/dev/null; done
	for i in $(seq 1 300); do echo "example.com L$i"; echo "example.com STALE$i"; done > "$T/batch"
	fflush-add - < "$T/batch"
	for n in $(seq 1 10); do
		killer fflush-add - < "$T/batch"
		killer fflush-refresh --compact
	done
	fflush-refresh -q --compact
	for i in $(seq 1 300); do
		grep -qx "L$i" "$Q/flush/example_com" || { echo "lost L$i"; false; }
	done
	! grep -q STALE "$Q/flush/example_com"
}

@test "kill -9 during refresh with purges: nothing lost" {
	slow_test
	for i in $(seq 1 200); do queued "R$i" >/dev/null; fflush-add "s$i.test" "R$i"; done
	for i in $(seq 1 50); do : > "$Q/flush/empty$i"; done
	touch -a -d '-1 day' "$Q"/flush/*
	touch -m -d '-30 days' "$Q"/flush/empty*
	for n in $(seq 1 10); do killer fflush-refresh; done
	# --purge sends every log read before this second: wait until the
	# clock has passed the newest read time a killed refresh left
	wait_next_second "$(stat -c %X "$Q"/flush/* | sort -n | tail -n 1)"
	fflush-refresh -q --purge
	[ "$(find "$Q/deferred" -type f | wc -l)" = 0 ]
	[ "$(find "$Q/incoming" -type f | wc -l)" = 200 ]
	[ -z "$(find "$Q/flush" -name 'empty*')" ]
}
