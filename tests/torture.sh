#!/usr/bin/env bash
# tests/torture.sh - make torture: random kill -9 during concurrent work
# on one spool, bounded in time, then the invariant (run by `make torture`,
# not by `make check`)
#
#	TORTURE_SECONDS=120 TORTURE_JOBS=8 TORTURE_KILL=50 TORTURE_WKILL=10 \
#	TORTURE_PIN=0|1 TORTURE_TEAR=5 TORTURE_IDS=2000 TORTURE_SEED=N \
#	TORTURE_POSTFIX=auto|0|1 FF_BUILD=build tests/torture.sh
#
# The work and the rule are tests/tools/torture.c's; this script makes a
# fresh spool (the layout of tests/helpers.bash's mkspool), runs it, and
# removes the spool unless a violation was found (then it is kept, with the
# commands' standard error in torture.err, for a post-mortem).
#
# What is checked: every queue ID whose add was acknowledged (command exit
# status 0, or a reply with status 0 from fflushd or Postfix's flush) and
# not since requeued by the driver (incoming/ -> deferred/, done only while
# no add of that ID runs) is, after a clean pass (fflush-refresh), listed
# in its destination's logfile or has its queue file in incoming/; no line
# of any logfile is anything but a queue ID (lines of NUL bytes, what a cut
# append leaves by design, are counted as holes); no NAME.keep side record
# is left; every queue file exists exactly once.
#
# TORTURE_KILL: percent of jobs killed at a random instant; TORTURE_WKILL:
# percent of log writes followed by a kill; TORTURE_PIN=1: one CPU, jobs at
# nice 19, so that a kill after a write lands before the writer's next
# system call; TORTURE_TEAR: percent of jobs whose write is cut short by
# tests/tools/tear.so, which then kills them (see tests/tools/torture.c).
#
# TORTURE_BIN: the programs under test (default $FF_BUILD/bin), e.g. an
# older build's, to see what the test finds there.
#
# TORTURE_POSTFIX=auto (default): Postfix's own flush(8) adds to the same
# spool too when it can run here (root, the postfix user, its binary).
set -u

FF_BUILD=${FF_BUILD:-$(cd "$(dirname "$0")/.." && pwd)/build}
SECS=${TORTURE_SECONDS:-120}
JOBS=${TORTURE_JOBS:-8}
KILL=${TORTURE_KILL:-50}
WKILL=${TORTURE_WKILL:-10}
PIN=${TORTURE_PIN:-0}
TEAR=${TORTURE_TEAR:-5}
IDS=${TORTURE_IDS:-2000}
SEED=${TORTURE_SEED:-$(date +%s)}
PF=${TORTURE_POSTFIX:-auto}
PF_FLUSH=${PF_FLUSH:-/usr/lib/postfix/sbin/flush}
SITES=6
BIN=${TORTURE_BIN:-$FF_BUILD/bin}

pf_ok() {
	[ "$(id -u)" = 0 ] && id postfix > /dev/null 2>&1 && [ -x "$PF_FLUSH" ]
}
case $PF in
auto) if pf_ok; then PF=1; else PF=0; fi ;;
1) pf_ok || { echo "torture: Postfix's flush cannot run here (root, postfix user, $PF_FLUSH)" >&2; exit 2; } ;;
*) PF=0 ;;
esac

T=$(mktemp -d /tmp/fftorture.XXXXXX) || exit 2
chmod 755 "$T"
Q=$T/q
C=$T/cfg
mkdir -p "$Q"/flush "$Q"/deferred "$Q"/incoming "$Q"/active "$Q"/hold "$Q"/public \
	"$Q"/private "$C"
chmod 700 "$Q"/private "$Q"/flush "$Q"/deferred "$Q"/incoming "$Q"/active "$Q"/hold
domains=
for ((i = 0; i < SITES; i++)); do domains+="${domains:+, }s$i.example"; done
{
	echo "queue_directory = $Q"
	echo "fast_flush_domains = $domains"
} > "$C"/main.cf
# Postfix re-reads a main.cf changed this very second, in 300 ms steps
touch -d '-1 hour' "$C"/main.cf
pfopt=()
[ "$PIN" = 1 ] && pfopt=(-p)
if [ "$TEAR" != 0 ] && [ -f "$FF_BUILD"/tests/tools/tear.so ]; then
	pfopt+=(-T "$FF_BUILD"/tests/tools/tear.so -x "$TEAR")
fi
if [ "$PF" = 1 ]; then
	# Postfix's flush runs as postfix (flush -u): the spool is postfix's,
	# and our commands create logs with flush/'s owner
	chown -R postfix: "$Q"
	pfopt+=(-P "$PF_FLUSH")
fi
export MAIL_CONFIG=$C

"$FF_BUILD"/tests/tools/torture -q "$Q" -B "$BIN" -t "$SECS" -j "$JOBS" -k "$KILL" -w "$WKILL" -n "$IDS" \
	-S "$SITES" -r "$SEED" -e "$T"/torture.err "${pfopt[@]}"
rc=$?
if [ "$rc" = 0 ]; then
	rm -rf "$T"
else
	echo "torture: spool kept in $T (standard error of the commands: $T/torture.err);" \
		"same run: TORTURE_SEED=$SEED" >&2
fi
exit "$rc"
