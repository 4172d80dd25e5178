# tests/interop/pf.bash - run the real Postfix 3.7 flush(8) and our commands
# on scratch spools, for the differential tests (sourced by tests/interop/*.bats)
#
# A "spool" S here is a directory $PF_BASE/NAME holding
#	S/q		the queue directory (Postfix layout, see pf_spool)
#	S/cfg/main.cf	its configuration (empty unless pf_conf adds lines)
#	S/triggers	what its stand-in queue manager received (pf_listen)
# Everything lives under $PF_BASE = mktemp -d /tmp/ffpf.XXXXXX, mode 0755
# so that the postfix user can traverse it (bats' temp dirs are 0700).
#
#	setup()    { pf_setup; }
#	teardown() { pf_teardown; }
#	@test "..." {
#		A=$(pf_spool a)
#		pf_queued "$A" 9FBF11234 >/dev/null	# deferred/9/9FBF11234
#		pf_log "$A" example_com 9FBF11234	# flush/example_com
#		B=$(pf_clone "$A" b)			# identical copy
#		pf_listen "$A"; pf_listen "$B"
#		run pf_request "$A" send_site site example.com
#		assert_output 'protocol|queue_flush_protocol||status|0||'
#		run ff "$B" fflush-send example.com	# our side
#		pf_same "$A" "$B"			# same files (pf_snapshot)
#		pf_same_triggers "$A" "$B" 'F\0
#	I\0'
#	}
#
# Postfix's flush runs one-shot as its master would start it, "flush -S -u"
# (serve the request on stdin/stdout, switch to mail_owner = postfix), under
# sockpair-run so that stdin and stdout are one connected UNIX socket, with
# MAIL_CONFIG=S/cfg -o queue_directory=S/q -o fast_flush_domains=$PF_DOMAINS.
# Our commands get the same: -c S/cfg -o queue_directory=S/q -o
# fast_flush_domains=$PF_DOMAINS (unset PF_DOMAINS to use main.cf's).
# Postfix logs to syslog; with no syslog daemon its diagnostics are lost.
#
# Times: pf_age sets times relative to $PF_NOW (fixed by pf_setup, whole
# seconds), so that spools aged one after the other get identical times.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load /usr/lib/bats/bats-file/load
# shellcheck source=tests/wait.bash
. "$BATS_TEST_DIRNAME/../wait.bash"

FF_BUILD=${FF_BUILD:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build}
PATH="$FF_BUILD/bin:$FF_BUILD/tests/tools:$PATH"
export PATH FF_BUILD

PF_FLUSH=${PF_FLUSH:-/usr/lib/postfix/sbin/flush}
PF_OWNER=${PF_OWNER:-postfix}
# the base-52 alphabet of long queue IDs (digits and consonants)
PF_B52=0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz

# ------------------------------------------------------------ set-up

# pf_need - skip the test unless the real Postfix can run here: root (flush
# -u switches users), the postfix user, the flush binary, our test tools
pf_need() {
	[ "$(id -u)" = 0 ] || skip "needs root (Postfix's flush -u switches to postfix)"
	id "$PF_OWNER" >/dev/null 2>&1 || skip "needs the $PF_OWNER user"
	[ -x "$PF_FLUSH" ] || skip "needs Postfix's $PF_FLUSH (Debian package postfix)"
	if ! command -v sockpair-run >/dev/null || ! command -v trigger-listen >/dev/null; then
		skip "needs the test tools (make tools)"
	fi
}

# pf_setup - $PF_BASE, $PF_NOW, default $PF_DOMAINS; skips (pf_need) when
# the real Postfix cannot run here
pf_setup() {
	pf_need
	PF_BASE=$(mktemp -d /tmp/ffpf.XXXXXX)
	chmod 755 "$PF_BASE"
	PF_NOW=$(date +%s)
	PF_T0=$PF_NOW # pf_times_list: "now" starts when the test starts
	PF_DOMAINS="example.com, example.org, x, [192.0.2.1]"
	export PF_BASE PF_NOW PF_DOMAINS
}

# pf_teardown - end the lock holders (hold_lock), stop the listeners of
# every spool, remove $PF_BASE
pf_teardown() {
	local pidf
	release_lock
	[ -n "${PF_BASE:-}" ] && [ -d "$PF_BASE" ] || return 0
	for pidf in "$PF_BASE"/*/listen.pid; do
		[ -s "$pidf" ] && pf_kill "$(cat "$pidf")"
		rm -f "$pidf"
	done
	rm -rf "$PF_BASE"
	PF_BASE=
}

# pf_kill PID - SIGTERM, wait up to 2 s, then SIGKILL (not our child: poll;
# an exited listener may stay a zombie until init reaps it, which counts as
# gone)
pf_kill() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	wait_for 2 gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
}

# pf_alive PID - PID exists and is not a zombie
pf_alive() { ! gone "$1"; }

# pf_spool NAME - make spool $PF_BASE/NAME and print its path. The queue
# directory S/q is laid out as Debian's /var/spool/postfix: itself root
# 0755; active bounce corrupt defer deferred flush hold incoming maildrop
# private saved trace postfix-owned 0700 (no hash subdirectories yet);
# public postfix 0755; pid root 0755. S/cfg/main.cf is empty.
pf_spool() {
	local s=$PF_BASE/$1 d
	mkdir "$s" "$s/q" "$s/cfg"
	chmod 755 "$s" "$s/q" "$s/cfg"
	for d in active bounce corrupt defer deferred flush hold incoming maildrop \
		private saved trace; do
		mkdir -m 700 "$s/q/$d"
		chown "$PF_OWNER:" "$s/q/$d"
	done
	mkdir -m 755 "$s/q/public" "$s/q/pid"
	chown "$PF_OWNER:" "$s/q/public"
	: > "$s/cfg/main.cf"
	pf_backdate "$s/cfg/main.cf"
	printf '%s\n' "$s"
}

# pf_backdate FILE - mtime one hour back. Postfix re-reads a main.cf whose
# mtime is this very second, in 300 ms steps (2 s lost per run otherwise).
pf_backdate() {
	touch -d "@$(($(date +%s) - 3600))" "$1"
}

# pf_conf S LINE... - append lines to S's main.cf
pf_conf() {
	local s=$1 line
	shift
	for line in "$@"; do printf '%s\n' "$line"; done >> "$s/cfg/main.cf"
	pf_backdate "$s/cfg/main.cf"
}

# pf_hashkey ID - the string Postfix hashes ID's directories from: for a
# long ID (last "z" at index 10 or later) the 4 characters before that "z"
# decoded in base 52, printed %05X (0 if any is not in the alphabet); else
# the ID itself (POSTFIX-FACTS 4.2). Independent of lib/postfix/qid.c on purpose.
pf_hashkey() {
	local id=$1 pre field c rest v=0 i
	if [[ $id == *z* ]]; then
		pre=${id%z*}
		if [ "${#pre}" -ge 10 ]; then
			field=${pre: -4}
			for ((i = 0; i < 4; i++)); do
				c=${field:i:1}
				rest=${PF_B52%%"$c"*}
				if [ "$rest" = "$PF_B52" ]; then
					v=0
					break
				fi
				v=$((v * 52 + ${#rest}))
			done
			printf '%05X\n' "$v"
			return
		fi
	fi
	printf '%s\n' "$id"
}

# pf_qpath QUEUE ID [DEPTH] - where Postfix keeps ID in QUEUE, relative to
# the queue directory: DEPTH (default 1) levels of one hash-key character
# each ("_" past its end); DEPTH 0: not hashed.
#   pf_qpath deferred 9FBF11234 -> deferred/9/9FBF11234
#   pf_qpath deferred 4SVLCh4dz5z4k3 -> deferred/9/4SVLCh4dz5z4k3
pf_qpath() {
	local queue=$1 id=$2 depth=${3:-1} key dirs='' n c
	key=$(pf_hashkey "$id")
	for ((n = 0; n < depth; n++)); do
		c=${key:n:1}
		dirs+=${c:-_}/
	done
	printf '%s/%s%s\n' "$queue" "$dirs" "$id"
}

# pf_queued S ID [MODE [QUEUE [DEPTH]]] - make a queue file for ID and print
# its path relative to S/q. MODE default 700 (complete; 600 = not ready),
# QUEUE default deferred, DEPTH default 1 for deferred and defer, else 0.
# Content "queue file ID\n", owner postfix, atime = mtime = $PF_NOW + 2
# hours (a deferred file carries its retry time; whole seconds). Missing
# hash directories are made 0700 postfix.
pf_queued() {
	local s=$1 id=$2 mode=${3:-700} queue=${4:-deferred} depth=${5:-} rel dir part
	if [ -z "$depth" ]; then
		case $queue in deferred | defer) depth=1 ;; *) depth=0 ;; esac
	fi
	rel=$(pf_qpath "$queue" "$id" "$depth")
	dir=${rel%/*}
	while [ ! -d "$s/q/$dir" ]; do
		part=$dir	# the outermost missing level
		while [ ! -d "$s/q/${part%/*}" ]; do part=${part%/*}; done
		mkdir -m 700 "$s/q/$part"
		chown "$PF_OWNER:" "$s/q/$part"
	done
	printf 'queue file %s\n' "$id" > "$s/q/$rel"
	chown "$PF_OWNER:" "$s/q/$rel"
	chmod "$mode" "$s/q/$rel"
	touch -d "@$((PF_NOW + 7200))" "$s/q/$rel"
	printf '%s\n' "$rel"
}

# pf_log S NAME [ID...] - flush/NAME listing the IDs ("ID\n" each; none: an
# empty log), mode 0600, owner postfix, as Postfix's add leaves it; appends
# if it exists
pf_log() {
	local s=$1 name=$2 id
	shift 2
	for id in "$@"; do printf '%s\n' "$id"; done >> "$s/q/flush/$name"
	chown "$PF_OWNER:" "$s/q/flush/$name"
	chmod 600 "$s/q/flush/$name"
}

# pf_clone S NAME - copy spool S exactly (cp -a: owners, modes, atime and
# mtime to the nanosecond; not its listener) to $PF_BASE/NAME, print the
# path. cp reads S's files, which (relatime) may move their atime; S's file
# times are put back from the copy, so both start identical.
pf_clone() {
	local src=$1 dst=$PF_BASE/$2 f
	cp -a "$src" "$dst"
	rm -f "$dst/triggers" "$dst/listen.pid"
	while IFS= read -r -d '' f; do
		touch -h -r "$dst/q/$f" "$src/q/$f"
	done < <(cd "$dst/q" && find . -type f -print0)
	printf '%s\n' "$dst"
}

# ------------------------------------------------------------ running

# pf_req NAME VALUE [NAME VALUE]... - an attribute list in Postfix's "0"
# encoding on stdout: each name and value NUL-terminated, then one NUL
#   pf_req request send_site site example.com
#   -> request\0send_site\0site\0example.com\0\0
pf_req() {
	while [ $# -gt 0 ]; do
		printf '%s\0' "$1"
		shift
	done
	printf '\0'
}

# pf_show - filter: NUL bytes shown as "|"
pf_show() {
	tr '\0' '|'
}

# pf_flush_raw S [-t SECS] [-s SPLIT] [-w] [-o NAME=VALUE]... < REQUEST -
# Postfix's flush, one-shot, on spool S: the request bytes from stdin go out
# in one write (sockpair-run), the raw reply bytes come out on stdout, once
# flush has exited (rfrsh and purge answer first, but return after the
# work). -t time-out (default 10 s, then flush is killed and the status is
# 124); -s split the request after SPLIT bytes with a 200 ms pause; -w
# half-close after the request (for requests that must end with EOF: a bare
# "W", an empty request); -o passed to flush after ours. Exit status:
# flush's (0 also for status 3 or 4 replies; a fatal error is 1).
pf_flush_raw() {
	local s=$1 sp=() pfo=()
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		-t | -s) sp+=("$1" "$2"); shift 2 ;;
		-w) sp+=(-w); shift ;;
		-o) pfo+=(-o "$2"); shift 2 ;;
		*) echo "pf_flush_raw: unknown option $1" >&2; return 64 ;;
		esac
	done
	[ -n "${PF_DOMAINS+set}" ] && pfo=(-o "fast_flush_domains=$PF_DOMAINS" "${pfo[@]}")
	MAIL_CONFIG=$s/cfg sockpair-run "${sp[@]}" -- "$PF_FLUSH" -S -u \
		-o queue_directory="$s/q" "${pfo[@]}"
}

# pf_flush S FORMAT [pf_flush_raw options] - send printf FORMAT's bytes
# (e.g. 'W\0', 'request\0rfrsh\0\0') and print the reply with NULs as "|"
# (no newline after it). Exit status: flush's.
pf_flush() {
	local s=$1 fmt=$2
	shift 2
	# shellcheck disable=SC2059
	printf "$fmt" | pf_flush_raw "$s" "$@" | pf_show
	return "${PIPESTATUS[1]}"
}

# pf_request S REQUEST [NAME VALUE]... - send the list request=REQUEST,
# NAME=VALUE... and print the reply with NULs as "|", e.g.
#   pf_request "$A" add site example.com queue_id ABC
#   -> protocol|queue_flush_protocol||status|0||
# Exit status: flush's (see pf_flush_raw).
pf_request() {
	local s=$1
	shift
	pf_req request "$@" | pf_flush_raw "$s" | pf_show
	return "${PIPESTATUS[1]}"
}

# pf_status REPLY - the status number in a reply printed by pf_request or
# pf_flush ("0", "3", "4", "4294967295"); nothing if it has no status
pf_status() {
	local r=${1#protocol|queue_flush_protocol||}
	[[ $r =~ ^status\|([^|]*)\|\| ]] && printf '%s\n' "${BASH_REMATCH[1]}"
	return 0
}

# ff S COMMAND [ARGS...] - run our COMMAND on spool S:
# COMMAND -c S/cfg -o queue_directory=S/q [-o fast_flush_domains=$PF_DOMAINS] ARGS
ff() {
	local s=$1 cmd=$2 o=()
	shift 2
	[ -n "${PF_DOMAINS+set}" ] && o=(-o "fast_flush_domains=$PF_DOMAINS")
	"$cmd" -c "$s/cfg" -o queue_directory="$s/q" "${o[@]}" "$@"
}

# pf_compat PF_STATUS FF_EXIT [FF_OUTPUT] - succeed if our exit status
# says what Postfix's status says (lib/util/status.c): 0 <-> 0 or 1 (nothing
# waiting); 3 <-> 65 or 64; 4 <-> 77 (denied) or 65 (site without an ASCII
# form); 4294967295 <-> 78, 75, 71 or 70; no status <-> 64 or 65
pf_compat() {
	local pf=$1 ours=$2 ok
	case $pf in
	0) ok="0 1" ;;
	3) ok="65 64" ;;
	4) ok="77 65" ;;
	4294967295) ok="78 75 71 70" ;;
	'') ok="64 65" ;;
	*) ok= ;;
	esac
	case " $ok " in
	*" $ours "*) return 0 ;;
	esac
	echo "Postfix status '$pf' but our exit status $ours (expected one of: $ok)" >&2
	[ -n "${3:-}" ] && echo "our output: $3" >&2
	return 1
}

# ------------------------------------------------------------ triggers

# pf_listen S [-f] - a stand-in queue manager on S/q/public/qmgr (a socket;
# -f a FIFO) logging to S/triggers: one line per connection (FIFO: per
# read()), NUL as \0, other non-printable bytes \xHH. Stopped by
# pf_unlisten or pf_teardown.
pf_listen() {
	local s=$1
	: > "$s/triggers"
	trigger-listen ${2:+"$2"} "$s/q/public/qmgr" "$s/triggers" > "$s/listen.pid"
}

# pf_unlisten S - stop S's listener (it removes public/qmgr)
pf_unlisten() {
	[ -s "$1/listen.pid" ] || return 0
	pf_kill "$(cat "$1/listen.pid")"
	rm -f "$1/listen.pid"
}

# pf_triggers S - what S's listener logged, once it is quiet (no change for
# 100 ms; at most 3 s): e.g. two lines "F\0" and "I\0"
pf_triggers() {
	local log=$1/triggers a b i
	b=$(cat "$log")
	for i in $(seq 1 30); do
		sleep 0.1
		a=$b
		b=$(cat "$log")
		[ "$a" = "$b" ] && break
	done
	printf '%s' "$b"
	[ -z "$b" ] || printf '\n'
}

# pf_triggers_logged S N - S's listener has logged N lines or more
pf_triggers_logged() {
	[ "$(wc -l < "$1/triggers")" -ge "$2" ]
}

# pf_same_triggers S1 S2 EXPECTED - both listeners logged exactly EXPECTED
# (lines separated by newlines, e.g. 'F\0<newline>I\0'; '' for none): once
# each has logged as many lines as EXPECTED has (at most 30 s: a slow
# listener is waited for), and then is quiet (pf_triggers: nothing more)
pf_same_triggers() {
	local t1 t2 n=0
	[ -z "$3" ] || n=$(printf '%s\n' "$3" | wc -l)
	wait_for 30 pf_triggers_logged "$1" "$n" || true
	wait_for 30 pf_triggers_logged "$2" "$n" || true
	t1=$(pf_triggers "$1")
	t2=$(pf_triggers "$2")
	[ "$t1" = "$3" ] && [ "$t2" = "$3" ] && return 0
	printf 'triggers expected:\n%s\n%s:\n%s\n%s:\n%s\n' "$3" "$1" "$t1" "$2" "$t2" >&2
	return 1
}

# ------------------------------------------------------------ comparing

# pf_snapshot S - canonical text of S's queue directory for diffing, sorted
# by path; public/ and pid/ left out. One line per entry:
#   PATH<TAB>TYPE<TAB>MODE<TAB>OWNER:GROUP<TAB>SIZE
# TYPE as find -printf %y (d f l s p), MODE 4 octal digits, SIZE "-" for
# directories. Files under flush/ are followed by one line per content line,
#   <TAB>| LINE
# (bytes other than printable ASCII as \xHH, "\" as "\\"; a last line
# without newline ends in "\ no newline"). No times: see pf_times_now etc.
# Reading the logs would move their atime (relatime): it is put back.
pf_snapshot() {
	local q=$1/q path type mode owner size
	(cd "$q" && LC_ALL=C find . -mindepth 1 \( -path ./public -o -path ./pid \) -prune \
		-o -printf '%P\t%y\t%m\t%u:%g\t%s\n' | LC_ALL=C sort) |
	while IFS=$'\t' read -r path type mode owner size; do
		[ "$type" = d ] && size=-
		printf '%s\t%s\t%04o\t%s\t%s\n' "$path" "$type" "$((8#$mode))" "$owner" "$size"
		if [ "$type" = f ] && [[ $path == flush/* ]]; then
			pf_escape_file "$q/$path"
		fi
	done
}

# pf_escape_file FILE - FILE's lines as "<TAB>| LINE" (see pf_snapshot),
# leaving its atime as it was
pf_escape_file() {
	local f=$1 at
	at=$(stat -c %.9X "$f")
	LC_ALL=C od -An -v -tx1 "$f" | LC_ALL=C awk '
		BEGIN { for (i = 32; i < 127; i++) ch[sprintf("%02x", i)] = sprintf("%c", i)
			ch["5c"] = "\\\\"; line = ""; open = 0 }
		{ for (i = 1; i <= NF; i++) {
			if ($i == "0a") { print "\t| " line; line = ""; open = 0 }
			else { line = line (($i in ch) ? ch[$i] : "\\x" toupper($i)); open = 1 }
		} }
		END { if (open) print "\t| " line "\\ no newline" }'
	touch -a -d "@$at" "$f"
}

# pf_same S1 S2 - succeed if both spools have the same snapshot; else print
# the diff (S1 "-", S2 "+") and fail
pf_same() {
	diff -u --label "$1" --label "$2" <(pf_snapshot "$1") <(pf_snapshot "$2")
}

# ------------------------------------------------------------ times
# REL is a path relative to S/q, e.g. flush/example_com, incoming/ABC.

# pf_age S REL -a|-m|-b WHEN - set REL's atime (-a), mtime (-m) or both
# (-b) to WHEN, a relative time ('-13 hours', '-8 days', '+2 hours')
# counted from $PF_NOW, whole seconds: two spools aged alike get equal times
pf_age() {
	local s=$1 rel=$2 which=$3 when=$4 t flag=
	t=$(date -u -d "$(date -u -d "@$PF_NOW" '+%Y-%m-%d %H:%M:%S') UTC $when" +%s) || return 1
	case $which in -a) flag=-a ;; -m) flag=-m ;; -b) flag= ;; *) return 64 ;; esac
	touch $flag -d "@$t" "$s/q/$rel"
}

# pf_atime S REL / pf_mtime S REL - whole seconds since the epoch
pf_atime() { stat -c %X "$1/q/$2"; }
pf_mtime() { stat -c %Y "$1/q/$2"; }

# pf_times S REL - "ATIME MTIME" with nanoseconds ("1763845000.123456789 ...")
pf_times() { stat -c '%.9X %.9Y' "$1/q/$2"; }

# pf_near_now EPOCH [SLACK] - EPOCH within SLACK (default 5) s of now
pf_near_now() {
	local d=$(($(date +%s) - $1))
	[ "${d#-}" -le "${2:-5}" ]
}

# pf_times_now S REL [SLACK] - atime and mtime both within SLACK (default 5)
# seconds of now
pf_times_now() {
	local at mt
	at=$(pf_atime "$1" "$2") && mt=$(pf_mtime "$1" "$2") || return 1
	pf_near_now "$at" "${3:-5}" && pf_near_now "$mt" "${3:-5}" && return 0
	echo "$1/q/$2: atime $at, mtime $mt; now $(date +%s)" >&2
	return 1
}

# pf_times_equal S REL - atime and mtime equal to the nanosecond
pf_times_equal() {
	local at mt
	read -r at mt < <(pf_times "$1" "$2")
	[ "$at" = "$mt" ] || { echo "$1/q/$2: atime $at != mtime $mt" >&2; return 1; }
}

# pf_whole_seconds S REL - atime and mtime without nanoseconds (utime(2)
# with a time_t, as Postfix sets queue files; utimes(NULL) on logs is not)
pf_whole_seconds() {
	local at mt
	read -r at mt < <(pf_times "$1" "$2")
	[ "${at#*.}" = 000000000 ] && [ "${mt#*.}" = 000000000 ] && return 0
	echo "$1/q/$2: times $at $mt are not whole seconds" >&2
	return 1
}

# ------------------------------------------------------------ servers
# For fflushd.bats: our one-shot server and Postfix's flush in daemon mode,
# both with pf_flush_raw's interface (request on stdin, raw reply on stdout).

# pf_escape - filter: bytes as text for messages, unambiguously: NUL as
# "|" (as pf_show), "|" itself as "\x7C", "\" as "\\", other printable
# ASCII as is, anything else "\xHH"
pf_escape() {
	LC_ALL=C od -An -v -tx1 | LC_ALL=C awk '
		BEGIN { for (i = 32; i < 127; i++) ch[sprintf("%02x", i)] = sprintf("%c", i)
			ch["5c"] = "\\\\"; ch["00"] = "|"; delete ch["7c"] }
		{ for (i = 1; i <= NF; i++) printf "%s", (($i in ch) ? ch[$i] : "\\x" toupper($i)) }'
}

# pf_fflushd_raw S [-t SECS] [-s SPLIT] [-w] [-o NAME=VALUE]... < REQUEST -
# our fflushd ($PF_FFLUSHD, default fflushd from $FF_BUILD/bin) on spool S,
# exactly as pf_flush_raw runs Postfix's flush: under sockpair-run (stdin
# and stdout one connected UNIX socket), started as root, with -c S/cfg -o
# queue_directory=S/q [-o fast_flush_domains=$PF_DOMAINS], then the -o
# given here. Exit status: fflushd's (124 after sockpair-run's time-out).
pf_fflushd_raw() {
	local s=$1 sp=() o=()
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		-t | -s) sp+=("$1" "$2"); shift 2 ;;
		-w) sp+=(-w); shift ;;
		-o) o+=(-o "$2"); shift 2 ;;
		*) echo "pf_fflushd_raw: unknown option $1" >&2; return 64 ;;
		esac
	done
	[ -n "${PF_DOMAINS+set}" ] && o=(-o "fast_flush_domains=$PF_DOMAINS" "${o[@]}")
	sockpair-run "${sp[@]}" -- "${PF_FFLUSHD:-fflushd}" -c "$s/cfg" \
		-o queue_directory="$s/q" "${o[@]}"
}

# The client and pretend master of pf_flush_daemon_raw, in Perl (no new
# compiled tool needed). Arguments: TIMEOUT SPLIT SHUT SOCKDIR -- CMD ARGS.
# fd 6 of CMD is a listening UNIX socket SOCKDIR/flush, fd 5 its "master
# status" socket (held open until the end); the request from stdin goes to
# a connection to SOCKDIR/flush as sockpair-run sends it (one write, or
# SPLIT bytes, 200 ms, the rest; SHUT 1 = shutdown(SHUT_WR) after it); the
# reply is read until EOF or TIMEOUT seconds (CMD killed, exit 124).
# shellcheck disable=SC2016 # Perl code, not shell
PF_DAEMON_PL='
use strict; use warnings;
use IO::Socket::UNIX; use Socket; use Fcntl; use POSIX qw(dup2 _exit);
use Time::HiRes qw(time sleep);
$^F = 255;	# no close-on-exec: CMD inherits fds 5 and 6
my ($timeout, $split, $shut, $dir) = splice(@ARGV, 0, 4);
shift @ARGV if @ARGV && $ARGV[0] eq "--";
binmode STDIN; binmode STDOUT;
my $req = do { local $/; <STDIN> }; $req = "" unless defined $req;
my $path = "$dir/flush";
my $ls = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $path, Listen => 5)
	or die "pf_flush_daemon_raw: listen $path: $!\n";
socketpair(my $st0, my $st1, AF_UNIX, SOCK_STREAM, 0) or die "socketpair: $!\n";
my $pid = fork() // die "fork: $!\n";
if ($pid == 0) {
	# out of the way first: either may be fd 5 or 6 already
	my $st = fcntl($st1, F_DUPFD, 20) or _exit(125);
	my $l = fcntl($ls, F_DUPFD, 20) or _exit(125);
	dup2($st, 5) // _exit(125);
	dup2($l, 6) // _exit(125);
	POSIX::close($st); POSIX::close($l);
	exec @ARGV or _exit(127);
}
close $st1; close $ls;
$SIG{PIPE} = "IGNORE";
my $c = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $path)
	or die "pf_flush_daemon_raw: connect $path: $!\n";
my $deadline = time + $timeout; my ($reply, $timed_out) = ("", 0);
$split = length($req) if !$split || $split >= length($req);
syswrite($c, substr($req, 0, $split)) if $split > 0;
if ($split < length($req)) { sleep 0.2; syswrite($c, substr($req, $split)); }
shutdown($c, 1) if $shut;
while (1) {
	my $left = $deadline - time;
	if ($left <= 0) { $timed_out = 1; last }
	my $rin = ""; vec($rin, fileno($c), 1) = 1;
	next if select(my $rout = $rin, undef, undef, $left) <= 0;
	my $n = sysread($c, my $buf, 65536);
	last if !$n;
	$reply .= $buf;
}
print $reply;
close $c; close $st0;
if ($timed_out) {
	print STDERR "pf_flush_daemon_raw: no end of reply after ${timeout} s; killed\n";
	kill "KILL", $pid;
}
waitpid($pid, 0); my $st = $?;
unlink $path;
exit 124 if $timed_out;
exit($st & 127 ? 128 + ($st & 127) : $st >> 8);
'

# pf_flush_daemon_raw S [-t SECS] [-s SPLIT] [-w] [-o NAME=VALUE]... <
# REQUEST - Postfix's flush as its master runs it ("daemon mode", not -S):
# listening on a UNIX socket, "flush -l -z -t unix -u -o max_use=1", so that
# ipc_timeout bounds every read as it does behind Postfix's master (in -S
# mode it bounds only the wait for the first byte: an incomplete request
# then blocks flush -S forever). Same interface and configuration as
# pf_flush_raw (MAIL_CONFIG=S/cfg, -o queue_directory, fast_flush_domains,
# then -o given here); the client connects once and sends the request as
# sockpair-run would. Exit status: flush's, 124 after the time-out (-t,
# default 10).
pf_flush_daemon_raw() {
	local s=$1 t=10 split=0 shut=0 pfo=() dir rc
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		-t) t=$2; shift 2 ;;
		-s) split=$2; shift 2 ;;
		-w) shut=1; shift ;;
		-o) pfo+=(-o "$2"); shift 2 ;;
		*) echo "pf_flush_daemon_raw: unknown option $1" >&2; return 64 ;;
		esac
	done
	[ -n "${PF_DOMAINS+set}" ] && pfo=(-o "fast_flush_domains=$PF_DOMAINS" "${pfo[@]}")
	dir=$(mktemp -d "${PF_BASE:-/tmp}/sock.XXXXXX") || return 125
	chmod 755 "$dir"
	MAIL_CONFIG=$s/cfg perl -e "$PF_DAEMON_PL" "$t" "$split" "$shut" "$dir" -- \
		"$PF_FLUSH" -l -z -t unix -u -o queue_directory="$s/q" -o max_use=1 "${pfo[@]}"
	rc=$?
	rm -rf "$dir"
	return "$rc"
}

# The client of pf_reply_phases (Perl). Arguments: TIMEOUT STATUSFILE
# RELEASED -- CMD ARGS.
# shellcheck disable=SC2016 # Perl code, not shell
PF_PHASES_PL='
use strict; use warnings;
use Socket; use POSIX qw(dup2 _exit); use Time::HiRes qw(time);
my ($timeout, $statusfile, $released) = splice(@ARGV, 0, 3);
shift @ARGV if @ARGV && $ARGV[0] eq "--";
binmode STDIN;
my $req = do { local $/; <STDIN> }; $req = "" unless defined $req;
socketpair(my $a, my $b, AF_UNIX, SOCK_STREAM, 0) or die "socketpair: $!\n";
my $t0 = time;
my $pid = fork() // die "fork: $!\n";
if ($pid == 0) {
	close $a;
	dup2(fileno($b), 0); dup2(fileno($b), 1);
	exec @ARGV or _exit(127);
}
close $b;
$SIG{PIPE} = "IGNORE";
syswrite($a, $req) if length $req;
sub phase { -e $released ? "released" : "held" }
my ($reply, $p_status, $p_eof) = ("", "never", "never");
while (1) {
	my $left = $t0 + $timeout - time;
	last if $left <= 0;
	my $rin = ""; vec($rin, fileno($a), 1) = 1;
	next if select(my $rout = $rin, undef, undef, $left) <= 0;
	my $n = sysread($a, my $buf, 65536);
	if (!$n) { $p_eof = phase(); last }
	$reply .= $buf;
	if ($p_status eq "never" && $reply =~ /\0\0status\0[^\0]*\0\0\z/) {
		$p_status = phase();
		if ($statusfile ne "-") { open(my $f, ">", $statusfile) or die "$statusfile: $!\n"; close $f }
	}
}
kill "KILL", $pid if $p_eof eq "never";
waitpid($pid, 0);
print "$p_status $p_eof\n";
'

# pf_reply_phases [-t SECS] [-s STATUSFILE] -r RELEASED -- CMD ARGS... <
# REQUEST - run the one-shot server CMD on a socketpair (as sockpair-run:
# one write, side left open) and print "STATUS EOF": when the reply held
# its status list (greeting, then "status N") and when it ended (CMD
# closed the socket), each "held" (the file RELEASED did not exist yet),
# "released" (it did) or "never" (not within -t SECS, default 10, after
# which CMD is killed). -s: create STATUSFILE once the status is there.
# To see that rfrsh, purge and W answer before the work and send_site and
# add after it, with no clock: hold the logfile's lock (hold_lock), wait
# for the STATUSFILEs of those that answer first, create RELEASED, then
# release the lock (release_lock).
pf_reply_phases() {
	local t=10 sf=- rel=
	while [ $# -gt 0 ]; do
		case $1 in
		-t) t=$2; shift 2 ;;
		-s) sf=$2; shift 2 ;;
		-r) rel=$2; shift 2 ;;
		--) shift; break ;;
		*) echo "pf_reply_phases: unknown option $1" >&2; return 64 ;;
		esac
	done
	[ -n "$rel" ] || { echo "pf_reply_phases: no -r RELEASED" >&2; return 64; }
	perl -e "$PF_PHASES_PL" "$t" "$sf" "$rel" -- "$@"
}

# pf_times_list S - every file's atime and mtime under S/q (but public/,
# pid/), one "REL atime A mtime M" line each, sorted: A and M are "now" if
# they fall between $PF_T0 (set it before the commands under test run;
# pf_setup sets it to the test's start) and now, else the exact second (past and future times
# come from pf_age and pf_queued, hours away, equal in cloned spools). A
# window that starts at a recorded instant holds on a loaded machine, where
# "within 5 s" did not
pf_times_list() {
	local now lo rel at mt
	now=$(date +%s)
	lo=${PF_T0:-$((now - 5))}
	(cd "$1/q" && find . \( -path ./public -o -path ./pid \) -prune -o -type f -printf '%P %A@ %T@\n') |
		LC_ALL=C sort | while read -r rel at mt; do
			at=${at%.*} mt=${mt%.*}
			[ "$at" -ge "$lo" ] && [ "$at" -le $((now + 1)) ] && at=now
			[ "$mt" -ge "$lo" ] && [ "$mt" -le $((now + 1)) ] && mt=now
			echo "$rel atime $at mtime $mt"
		done
}

# pf_same_times S1 S2 - pf_same, then the same pf_times_list; else print
# the diff (S1 "-", S2 "+") and fail. Call it before anything else reads
# the logs (reading may move an atime)
pf_same_times() {
	pf_same "$1" "$2" || return 1
	diff -u --label "$1 times" --label "$2 times" <(pf_times_list "$1") <(pf_times_list "$2")
}

# pf_trigger_bytes S - S's triggers (pf_triggers, waiting for quiet) as one
# word: the trigger letters in order with "\0" and line breaks removed,
# e.g. "FI" for the two connections "F\0" and "I\0"; "-" for none
pf_trigger_bytes() {
	local t
	t=$(pf_triggers "$1")
	t=${t//\\0/}
	t=${t//$'\n'/}
	printf '%s\n' "${t:--}"
}
