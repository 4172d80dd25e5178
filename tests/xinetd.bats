#!/usr/bin/env bats
# xinetd: the shipped examples/fflushd.xinetd (only its paths and port
# changed) under a burst: 2,000 ETRN-style "send" requests from 50 clients
# at once, within seconds, all answered. "wait = yes" hands fflushd the
# listening socket and its worker pool serves every connection; a "cps"
# rate cap there would make xinetd refuse the service to everyone for a
# while, which any host that reaches the port could trigger.
#
# Needs root and xinetd (Debian package xinetd, which conflicts with
# openbsd-inetd: CI installs it in a step of its own); skipped otherwise.

load helpers

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (the recipe runs fflushd as root)"
	command -v xinetd >/dev/null || skip "needs xinetd (Debian package xinetd)"
	command -v socat >/dev/null || skip "needs socat"
	mkspool
	PORT=$((20000 + RANDOM % 30000))
	# the recipe as shipped, pointed at this spool, port and build
	sed -e "s|^\\([[:space:]]*port[[:space:]]*=\\).*|\\1 $PORT|" \
		-e "s|/usr/local/bin/fflushd|$FF_BUILD/bin/fflushd|" \
		-e "s|-c /etc/postfix|-c $C|" \
		"$BATS_TEST_DIRNAME/../examples/fflushd.xinetd" > "$T/fflushd.xinetd"
	printf 'defaults\n{\n\tlog_type = FILE %s\n}\n\n' "$T/xinetd.log" > "$T/xinetd.conf"
	cat "$T/fflushd.xinetd" >> "$T/xinetd.conf"
	xinetd -dontfork -f "$T/xinetd.conf" -pidfile "$T/xinetd.pid" > "$T/xinetd.out" 2>&1 &
	XPID=$!
	wait_for 10 port_open
}

teardown() {
	if [ -n "${XPID:-}" ]; then
		# the fflushd xinetd started, then xinetd
		for p in $(kids "$XPID"); do kill -TERM "$p" 2>/dev/null || true; done
		kill -TERM "$XPID" 2>/dev/null || true
		wait "$XPID" 2>/dev/null || true
	fi
	rmspool
}

port_open() {
	timeout 2 bash -c 'exec 9<>"/dev/tcp/127.0.0.1/$1"' _ "$PORT" 2>/dev/null
}

@test "xinetd: the shipped recipe binds 127.0.0.1, waits, and has no cps cap" {
	run grep -E '^[[:space:]]*(bind|wait|cps)[[:space:]]' "$BATS_TEST_DIRNAME/../examples/fflushd.xinetd"
	assert_line --regexp 'bind[[:space:]]+= 127\.0\.0\.1'
	assert_line --regexp 'wait[[:space:]]+= yes'
	refute_line --regexp 'cps'
}

@test "xinetd: 2,000 send requests from 50 clients at once are all answered" {
	slow_test
	queued 9FBF11234 >/dev/null
	fflush-add example.com 9FBF11234
	run bash -c 'seq 1 2000 | xargs -P 50 -I{} sh -c '"'"'printf "send example.com\n" |
		timeout 60 socat -t 30 - TCP:127.0.0.1:$1'"'"' _ "$1"' _ "$PORT"
	# the first one moved the message, the others found nothing waiting
	[ "$(printf '%s\n' "${lines[@]}" | grep -c '^0 ok log=example_com moved=1 ')" = 1 ]
	[ "$(printf '%s\n' "${lines[@]}" | grep -c '^1 nothing ')" = 1999 ]
	[ "$(where 9FBF11234)" = incoming ]
	# xinetd refused nothing and never stopped the service
	run cat "$T/xinetd.log"
	refute_output --regexp 'FAIL|Deactivating|exceeded'
}
