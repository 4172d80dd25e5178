#!/usr/bin/env bash
# examples/demo.sh - fast flush on a throw-away spool under the build tree.
# Run by "make demo": builds a Postfix-layout spool with deferred mail for
# two destinations (real Postfix queue files), then adds, lists, rebuilds the
# logfiles from the queue files, shows the queue per destination, sends and
# refreshes with the tools,
# and last caches an open connection with scache-ctl and takes it back.
set -euo pipefail

B=${FF_BUILD:?run me through make demo}
D=$B/demo
export PATH="$B/bin:$B/tests/tools:$PATH"
export MAIL_CONFIG=$D/cfg
Q=$D/q

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@" || echo "(exit $?)"; }

rm -rf "$D"
mkdir -p "$Q"/{flush,deferred,incoming,active,public,private} "$MAIL_CONFIG"
chmod 700 "$Q"/{flush,deferred,incoming,active,private}
cat > "$MAIL_CONFIG/main.cf" <<CF
queue_directory = $Q
fast_flush_domains = example.com, bücher.example
# the demo's connection cache: keep connections a minute, exit when idle
connection_cache_ttl_limit = 60s
max_idle = 10s
CF

# deferred mail: 3 messages for example.com, 2 for bücher.example, 1 other;
# real Postfix queue files (mkqf writes the records cleanup(8) writes)
mkmsg() {
	local rel id=$1
	shift
	rel=$(qpath deferred "$id")
	mkdir -p "$(dirname "$Q/$rel")"
	mkqf -t "$(($(date +%s) - 3600))" "$Q/$rel" "$@"
	touch -d '+1 hour' "$Q/$rel"	# deferred mail waits for its retry time
}
mkmsg 3F2A10001 alice@example.com bob@example.com
mkmsg 3F2A10002 carol@example.com
mkmsg 3F2A10003 dave@example.com erin@other.test
mkmsg 5B7C20001 frank@bücher.example
mkmsg 5B7C20002 grace@BÜCHER.example
mkmsg 9D9E30001 heidi@other.test

echo "Demo spool: $Q (configuration: $MAIL_CONFIG/main.cf)"
listener=
if command -v trigger-listen >/dev/null; then
	: > "$D/triggers"
	listener=$(trigger-listen "$Q/public/qmgr" "$D/triggers")
	trap 'kill $listener 2>/dev/null || true' EXIT
	echo "A stand-in queue manager listens on public/qmgr and logs triggers to $D/triggers"
fi

say "find $Q/deferred -type f"
(cd "$Q" && find deferred -type f | sort)

run fflush-add -v example.com 3F2A10001 3F2A10002
say "printf 'example.com 3F2A10003\\nbücher.example 5B7C20001\\nbücher.example 5B7C20002\\n' | fflush-add -v -"
printf 'example.com 3F2A10003\nbücher.example 5B7C20001\nbücher.example 5B7C20002\n' | fflush-add -v -
run fflush-add other.test 9D9E30001
run fflush-list
run fflush-list bücher.example
say "rm $Q/flush/*    # logfiles lost: rebuild them from the deferred queue files"
rm -f "$Q"/flush/*
run fflush-add --rebuild --dry-run
run fflush-add --rebuild
run fflush-list --queue
run fflush-send -n example.com
run fflush-send -v example.com
run fflush-send example.com
run fflush-list --json
say "touch -a -d '-13 hours' $Q/flush/xn__bcher_kva_example    # last read 13 hours ago"
touch -a -d '-13 hours' "$Q/flush/xn__bcher_kva_example"
run fflush-refresh -v
say "find $Q/incoming $Q/deferred -type f"
(cd "$Q" && find incoming deferred -type f | sort)
if [ -n "$listener" ]; then
	sleep 0.2
	say "cat $D/triggers    # what the queue manager was told"
	cat "$D/triggers"
fi

# the connection cache: a live descriptor (here a pipe from a stand-in mail
# server that has sent its greeting; Postfix's smtp leaves TCP connections)
# saved by one process and taken back by another; the first client starts
# the cache server
exec 7< <(echo '220 mx.example.com ESMTP'; exec sleep 60)
mx=$!
echo "$mx" > "$D/mx.pid"	# for tests/docs.bats: it waits for this one to end
stop_cache() {
	if [ -s "$Q/private/scache.lock" ]; then
		kill "$(cat "$Q/private/scache.lock")" 2>/dev/null || true
	fi
	kill "$mx" 2>/dev/null || true
}
trap 'stop_cache; [ -z "$listener" ] || kill "$listener" 2>/dev/null || true' EXIT
say "scache-ctl save-endp --fd 7 60 smtp:192.0.2.25:25 greeting=ESMTP    # fd 7: the pipe"
scache-ctl save-endp --fd 7 60 smtp:192.0.2.25:25 greeting=ESMTP
exec 7<&-
run scache-ctl save-dest 60 example.com 'via=mx' smtp:192.0.2.25:25
run scache-ctl list
# shellcheck disable=SC2016 # the command's own variables
say 'scache-ctl find-dest example.com -- sh -c '"'"'echo "$SCACHE_DEST_PROPS / $SCACHE_ENDP_PROPS"; head -n 1 <&3'"'"
# shellcheck disable=SC2016
scache-ctl find-dest example.com -- sh -c 'echo "$SCACHE_DEST_PROPS / $SCACHE_ENDP_PROPS"; head -n 1 <&3'
run scache-ctl find-endp smtp:192.0.2.25:25
run scache-ctl stats
echo
echo "Done. Everything above happened under $D; remove it with: rm -rf $D"
