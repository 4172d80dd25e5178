# tests/interop/e2e.bash - a private Postfix 3.7 instance on loopback whose
# flush(8) service is a one-shot server behind socat (loaded by e2e*.bats,
# queue_view.bats and rebuild.bats)
#
# Layout, all under $E2E_BASE = mktemp -d /tmp/ffe2e.XXXXXX (mode 0755 so
# that the postfix user can traverse it):
#	cfg/main.cf, cfg/master.cf	the instance's configuration ($E2E_CFG)
#	q/				its queue_directory ($E2E_Q)
#	data/				its data_directory
#	maillog				its log (maillog_file; no syslog needed)
#	socat.log			socat's diagnostics, a hex dump (-x) of
#					every flush connection and the server's
#					stderr
#	sink.log			smtp-sink's output
#	state/				what one test hands the next (queue IDs)
#
# The instance: smtpd on 127.0.0.1:$E2E_PORT; all mail relays to
# [127.0.0.1]:$E2E_SINK_PORT where nothing listens until e2e_sink_start
# (so mail defers); fast_flush_domains = one.example, two.example; backoff
# and queue run delays of 10-20 minutes, so Postfix never retries on its own
# while the tests run: only flush requests move deferred mail. master.cf is
# Debian's master.cf.dist with every chroot column set to "n", the smtp inet
# service moved to the loopback port and the flush service commented out;
# instead socat listens on q/public/flush and runs one server per connection:
#	socat UNIX-LISTEN:q/public/flush,fork,mode=666 EXEC:"$E2E_SERVER"
# (EXEC gives the server one end of a socketpair as stdin and stdout).
#
# E2E_FLUSHD picks the server:
#	fflushd (default)	$FF_BUILD/bin/fflushd -c $E2E_CFG
#	master			no socat: the instance's own master(8) runs
#				fflushd and scache-ctl from master.cf's flush
#				and scache lines (the command field is the only
#				word changed; Debian's chroot "y" is kept), from
#				daemon_directory = $E2E_BASE/libexec, which
#				links Postfix's daemons and ours as
#				"make install-postfix" does
#	inetd			no socat: openbsd-inetd (its own process, with
#				$E2E_BASE/inetd.conf) listens on q/public/flush
#				and hands the listening socket to one fflushd
#				("wait", examples/fflushd.inetd): its listening
#				mode, a worker pool
#	postfix			env MAIL_CONFIG=$E2E_CFG /usr/lib/postfix/sbin/flush -S -u
#	anything else		a command (socat EXEC syntax: split at spaces, no
#				quoting); every "%c" in it becomes $E2E_CFG
# E2E_KEEP=1 keeps $E2E_BASE after the run (Postfix and socat are stopped).

# pf.bash: the bats libraries, tests/wait.bash (wait_for, wait_socket,
# gone), FF_BUILD, pf_kill, pf_alive, pf_backdate; not its PATH (ours names
# our commands by $FF_BUILD/bin)
E2E_PATH=$PATH
# shellcheck source=tests/interop/pf.bash
. "$BATS_TEST_DIRNAME/pf.bash"

PATH=$E2E_PATH:/usr/sbin:/sbin
export FF_BUILD PATH
E2E_FLUSHD=${E2E_FLUSHD:-fflushd}
E2E_PF_SBIN=${E2E_PF_SBIN:-/usr/lib/postfix/sbin}
# bound for every wait (seconds)
E2E_WAIT=${E2E_WAIT:-20}

# ------------------------------------------------------------ set-up

# e2e_missing - why a real Postfix instance cannot run here (one line), or
# nothing: needs root, the postfix package (postfix, postqueue, sendmail,
# smtp-sink, the daemons, the postfix user) and socat. (Bats 1.8 cannot
# skip from setup_file: setup_file records this in E2E_SKIP, setup skips.)
e2e_missing() {
	local c
	[ "$(id -u)" = 0 ] || { echo "needs root (runs a Postfix instance)"; return; }
	for c in postfix postqueue sendmail smtp-sink postconf; do
		command -v "$c" >/dev/null ||
			{ echo "needs Postfix's $c (Debian package postfix)"; return; }
	done
	if [ ! -x "$E2E_PF_SBIN/master" ] || [ ! -x "$E2E_PF_SBIN/flush" ]; then
		echo "needs Postfix's daemons in $E2E_PF_SBIN (Debian package postfix)"
		return
	fi
	[ -r /usr/share/postfix/master.cf.dist ] ||
		{ echo "needs /usr/share/postfix/master.cf.dist (Debian package postfix)"; return; }
	id postfix >/dev/null 2>&1 || { echo "needs the postfix user"; return; }
	command -v socat >/dev/null || echo "needs socat"
}

# e2e_setup_file [MISSING [START]] - setup_file of a test file whose tests
# share one instance: the first line MISSING (default e2e_missing) prints is
# why it cannot run here, kept in E2E_SKIP for e2e_setup; nothing: e2e_start,
# then START if given (on its failure e2e_stop)
e2e_setup_file() {
	E2E_SKIP=$("${1:-e2e_missing}" | sed 1q)
	export E2E_SKIP
	[ -z "$E2E_SKIP" ] || return 0
	e2e_start || return 1
	[ -z "${2:-}" ] || "$2" || { e2e_stop; return 1; }
}

# e2e_setup - setup: skip the test when E2E_SKIP says why
e2e_setup() {
	[ -z "$E2E_SKIP" ] || skip "$E2E_SKIP"
}

# e2e_teardown_file [STOP] - teardown_file: STOP if given, then e2e_stop
e2e_teardown_file() {
	[ -z "${1:-}" ] || "$1"
	e2e_stop
}

# e2e_teardown [DUMP] - teardown: after a failed test, DUMP (default
# e2e_dump) shows what the instance did
e2e_teardown() {
	[ -n "${BATS_TEST_COMPLETED:-}" ] || "${1:-e2e_dump}"
}

# e2e_server - the command socat runs per connection (see E2E_FLUSHD)
e2e_server() {
	case $E2E_FLUSHD in
	fflushd) printf '%s -c %s\n' "$FF_BUILD/bin/fflushd" "$E2E_CFG" ;;
	postfix) printf 'env MAIL_CONFIG=%s %s/flush -S -u\n' "$E2E_CFG" "$E2E_PF_SBIN" ;;
	*) printf '%s\n' "${E2E_FLUSHD//%c/$E2E_CFG}" ;;
	esac
}

# e2e_free_port [NOT] - a random TCP port in 20000-59999 with no listener,
# not NOT
e2e_free_port() {
	local p _
	for _ in $(seq 1 50); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		[ "$p" != "${1:-}" ] || continue
		e2e_not_listening "$p" && { echo "$p"; return 0; }
	done
	echo "e2e_free_port: no free port found" >&2
	return 1
}

# e2e_start - make the instance, start Postfix and the socat listener.
# Sets and exports E2E_BASE E2E_CFG E2E_Q E2E_LOG E2E_PORT E2E_SINK_PORT.
# On failure stops whatever it started.
e2e_start() {
	E2E_BASE=$(mktemp -d /tmp/ffe2e.XXXXXX) || return 1
	chmod 755 "$E2E_BASE"
	E2E_CFG=$E2E_BASE/cfg
	E2E_Q=$E2E_BASE/q
	E2E_LOG=$E2E_BASE/maillog
	export E2E_BASE E2E_CFG E2E_Q E2E_LOG
	mkdir -m 755 "$E2E_CFG" "$E2E_Q" "$E2E_BASE/state"
	E2E_PORT=$(e2e_free_port) && E2E_SINK_PORT=$(e2e_free_port "$E2E_PORT") || return 1
	export E2E_PORT E2E_SINK_PORT
	if [ "$E2E_FLUSHD" != postfix ] && [ ! -x "$FF_BUILD/bin/fflushd" ]; then
		echo "no $FF_BUILD/bin/fflushd: run make all (or E2E_FLUSHD=postfix)" >&2
		return 1
	fi
	e2e_write_config || { e2e_stop; return 1; }
	_e2e_start || { e2e_stop; return 1; }
}

_e2e_start() {
	local pid
	e2e_postfix_start || return 1
	[ "$E2E_FLUSHD" != master ] || return 0
	[ ! -e "$E2E_Q/public/flush" ] || {
		echo "$E2E_Q/public/flush exists although master.cf has no flush service" >&2
		return 1
	}
	if [ "$E2E_FLUSHD" = inetd ]; then
		e2e_inetd_start
		return
	fi
	socat -d -d -x -lu \
		UNIX-LISTEN:"$E2E_Q/public/flush",fork,mode=666 \
		EXEC:"$(e2e_server)" < /dev/null > "$E2E_BASE/socat.log" 2>&1 3>&- &
	pid=$!
	echo "$pid" > "$E2E_BASE/socat.pid"
	wait_socket "$E2E_Q/public/flush" 10 || {
		echo "socat did not listen on $E2E_Q/public/flush:" >&2
		cat "$E2E_BASE/socat.log" >&2
		return 1
	}
}

# e2e_inetd_start - openbsd-inetd on public/flush, "wait" (see E2E_FLUSHD)
e2e_inetd_start() {
	printf '%s stream unix wait root %s fflushd -c %s\n' \
		"$E2E_Q/public/flush" "$FF_BUILD/bin/fflushd" "$E2E_CFG" > "$E2E_BASE/inetd.conf"
	/usr/sbin/inetd -i "$E2E_BASE/inetd.conf" < /dev/null > "$E2E_BASE/socat.log" 2>&1 3>&- &
	echo "$!" > "$E2E_BASE/inetd.pid"
	wait_socket "$E2E_Q/public/flush" 10 || {
		echo "inetd did not listen on $E2E_Q/public/flush:" >&2
		cat "$E2E_BASE/socat.log" >&2
		return 1
	}
}

# e2e_inetd_stop - stop inetd, then the fflushd it started (SIGTERM: its
# workers stop with it)
e2e_inetd_stop() {
	local pid f ppid st
	[ -s "$E2E_BASE/inetd.pid" ] || return 0
	pid=$(cat "$E2E_BASE/inetd.pid")
	rm -f "$E2E_BASE/inetd.pid"
	for f in /proc/[0-9]*/stat; do
		st=$(cat "$f" 2>/dev/null) || continue
		read -r _ ppid _ <<< "${st##*) }"
		[ "$ppid" = "$pid" ] || continue
		f=${f#/proc/}
		pf_kill "${f%/stat}"
	done
	pf_kill "$pid"
}

# e2e_write_config - main.cf and master.cf of the instance
e2e_write_config() {
	cat > "$E2E_CFG/main.cf" <<-EOF
	# fastflush end-to-end test instance (tests/interop/e2e.bash)
	compatibility_level = 3.6
	queue_directory = $E2E_Q
	data_directory = $E2E_BASE/data
	mail_owner = postfix
	setgid_group = postdrop
	maillog_file = $E2E_LOG
	maillog_file_prefixes = $E2E_BASE
	myhostname = mx.ffe2e.test
	mydomain = ffe2e.test
	myorigin = \$myhostname
	mydestination =
	relay_domains =
	local_recipient_maps =
	alias_maps =
	alias_database =
	inet_interfaces = loopback-only
	inet_protocols = ipv4
	mynetworks = 127.0.0.0/8
	relayhost = [127.0.0.1]:$E2E_SINK_PORT
	fast_flush_domains = one.example, two.example
	smtpd_etrn_restrictions =
	smtp_connection_cache_on_demand = no
	smtp_connect_timeout = 5s
	delay_warning_time = 0
	# no retries of its own while the tests run: only flush moves mail
	queue_run_delay = 600s
	minimal_backoff_time = 600s
	maximal_backoff_time = 1200s
	biff = no
	EOF
	if [ "$E2E_FLUSHD" = master ]; then
		e2e_daemon_dir || return 1
		echo "daemon_directory = $E2E_BASE/libexec" >> "$E2E_CFG/main.cf"
	fi
	# a main.cf modified this very second is re-read by Postfix programs
	# in 300 ms steps (see pf_backdate in pf.bash)
	pf_backdate "$E2E_CFG/main.cf"
	awk -v port="$E2E_PORT" -v mode="$E2E_FLUSHD" '
		/^[^#[:space:]]/ && NF >= 8 {
			if ($1 == "smtp" && $2 == "inet") $1 = "127.0.0.1:" port
			if (mode == "master" && $1 == "flush") { $8 = "fflushd"; print; next }
			if (mode == "master" && $1 == "scache") { $8 = "scache-ctl"; print; next }
			$5 = "n"		# no chroot
			if ($1 == "flush") { print "#" $0 "   # e2e: socat serves public/flush"; next }
		}
		{ print }' /usr/share/postfix/master.cf.dist > "$E2E_CFG/master.cf"
	# a test file's own changes, if it defines e2e_config_hook (see
	# e2e_scache.bash); Postfix is not running yet
	if declare -F e2e_config_hook > /dev/null; then
		e2e_config_hook || return 1
		pf_backdate "$E2E_CFG/main.cf"
	fi
}

# e2e_daemon_dir - $E2E_BASE/libexec: copies of Postfix's daemons and ours
# (postfix-script warns about symbolic links that leave the directory)
e2e_daemon_dir() {
	mkdir -m 755 "$E2E_BASE/libexec" &&
		cp -p "$E2E_PF_SBIN"/* "$FF_BUILD/bin/fflushd" "$FF_BUILD/bin/scache-ctl" \
			"$E2E_BASE/libexec/"
}

# e2e_stop - stop smtp-sink, Postfix and socat; remove $E2E_BASE unless
# E2E_KEEP is set. Safe to call twice and after a partial start.
e2e_stop() {
	[ -n "${E2E_BASE:-}" ] && [ -d "$E2E_BASE" ] || return 0
	e2e_sink_stop
	e2e_postfix_stop
	e2e_inetd_stop
	if [ -s "$E2E_BASE/socat.pid" ]; then
		pf_kill "$(cat "$E2E_BASE/socat.pid")"
		rm -f "$E2E_BASE/socat.pid"
	fi
	if [ -n "${E2E_KEEP:-}" ]; then
		echo "# kept $E2E_BASE" >&3
	else
		rm -rf "$E2E_BASE"
	fi
	E2E_BASE=
}

# e2e_postfix_start - postfix start: creates the missing queue directories
# (post-install create-missing) and returns once the master is up (master
# -w)
e2e_postfix_start() {
	timeout 60 postfix -c "$E2E_CFG" start > "$E2E_BASE/start.log" 2>&1 3>&- && return 0
	echo "postfix start failed:" >&2
	cat "$E2E_BASE/start.log" "$E2E_LOG" >&2 2>/dev/null
	return 1
}

# e2e_postfix_stop - postfix stop, and wait (at most 10 s more, then
# SIGKILL) until the master is gone
e2e_postfix_stop() {
	local pid
	pid=$(sed 1q "$E2E_Q/pid/master.pid" 2>/dev/null | tr -d ' ')
	if [ -z "$pid" ] || ! pf_alive "$pid"; then return 0; fi
	timeout 30 postfix -c "$E2E_CFG" stop > /dev/null 2>&1 3>&- || true
	wait_for 10 gone "$pid" || kill -KILL "$pid" 2>/dev/null
	return 0
}

# e2e_postconf NAME=VALUE... - change main.cf and restart Postfix (the
# queue and the socat listener stay)
e2e_postconf() {
	postconf -c "$E2E_CFG" -e "$@" || return 1
	pf_backdate "$E2E_CFG/main.cf"
	e2e_postfix_stop && e2e_postfix_start
}

# e2e_dump - the end of the maillog and of socat's log, for failing tests
e2e_dump() {
	[ -n "${E2E_BASE:-}" ] && [ -d "$E2E_BASE" ] || return 0
	echo "---- server: $(e2e_server)"
	echo "---- $E2E_LOG (last 40 lines)"
	tail -n 40 "$E2E_LOG" 2>/dev/null
	echo "---- $E2E_BASE/socat.log (last 60 lines)"
	tail -n 60 "$E2E_BASE/socat.log" 2>/dev/null
	echo "---- queue"
	(cd "$E2E_Q" && find incoming active deferred hold flush -type f -printf '%p %m %u:%g %s\n' 2>/dev/null)
}

# ------------------------------------------------------------ the far end

# e2e_sink_start [OPTION...] - smtp-sink on [127.0.0.1]:$E2E_SINK_PORT
# (accepts all mail), with smtp-sink's OPTIONs (such as -d DIR/)
e2e_sink_start() {
	smtp-sink -u nobody "$@" "127.0.0.1:$E2E_SINK_PORT" 10 \
		< /dev/null >> "$E2E_BASE/sink.log" 2>&1 3>&- &
	echo "$!" > "$E2E_BASE/sink.pid"
	wait_for 10 e2e_listening "$E2E_SINK_PORT" || {
		echo "smtp-sink did not listen on port $E2E_SINK_PORT:" >&2
		cat "$E2E_BASE/sink.log" >&2
		return 1
	}
}

# e2e_sink_stop - stop smtp-sink (if running); nothing listens afterwards
e2e_sink_stop() {
	[ -s "$E2E_BASE/sink.pid" ] || return 0
	pf_kill "$(cat "$E2E_BASE/sink.pid")"
	rm -f "$E2E_BASE/sink.pid"
	wait_for 5 e2e_not_listening "$E2E_SINK_PORT"
}

# e2e_listening PORT / e2e_not_listening PORT - something / nothing listens
# on TCP PORT
e2e_listening() {
	# shellcheck disable=SC2016 # $1 of the inner shell
	timeout 2 bash -c 'exec 9<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}
e2e_not_listening() { ! e2e_listening "$1"; }

# ------------------------------------------------------------ mail

# e2e_submit RCPT - submit one message to RCPT with Postfix's sendmail
e2e_submit() {
	printf 'Subject: fastflush e2e test to %s\nFrom: tester@ffe2e.test\nTo: %s\n\nhello %s\n' \
		"$1" "$1" "$1" |
		timeout 30 sendmail -C "$E2E_CFG" -f tester@ffe2e.test -i "$1" 3>&-
}

# e2e_logged REGEX - the maillog has a line matching the extended REGEX
e2e_logged() {
	grep -Eq -- "$1" "$E2E_LOG" 2>/dev/null
}

# e2e_count REGEX - how many maillog lines match the extended REGEX
e2e_count() {
	grep -Ec -- "$1" "$E2E_LOG" 2>/dev/null || true
}

# e2e_re STRING - STRING with the ERE metacharacters escaped
e2e_re() {
	printf '%s\n' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'
}

# e2e_delivery RCPT STATUS - the maillog has a delivery line
# "QID: to=<RCPT>, ... status=STATUS"
e2e_delivery() {
	e2e_logged ": to=<$(e2e_re "$1")>,.* status=$2 "
}

# e2e_wait_delivery RCPT STATUS - wait (up to $E2E_WAIT s) for e2e_delivery
e2e_wait_delivery() {
	wait_for "$E2E_WAIT" e2e_delivery "$1" "$2" && return 0
	echo "no status=$2 line for <$1> in $E2E_LOG after ${E2E_WAIT}s" >&2
	return 1
}

# e2e_qid RCPT - the queue ID of the (first) message logged for RCPT
e2e_qid() {
	sed -En "s/.*: ([0-9A-Za-z]+): to=<$(e2e_re "$1")>,.*/\\1/p" "$E2E_LOG" | sed 1q
}

# e2e_where QID - the queue holding QID (incoming, active, deferred, hold,
# ...) or "gone"
e2e_where() {
	local f
	f=$(cd "$E2E_Q" && find incoming active deferred hold corrupt maildrop \
		-type f -name "$1" 2>/dev/null | sed 1q)
	if [ -n "$f" ]; then printf '%s\n' "${f%%/*}"; else echo gone; fi
}

# e2e_idle - no message in incoming, active or maildrop (the queue manager
# has finished with everything it was given)
e2e_idle() {
	[ -z "$(cd "$E2E_Q" && find incoming active maildrop -type f 2>/dev/null)" ]
}

# e2e_wait_idle - wait (up to $E2E_WAIT s) for e2e_idle
e2e_wait_idle() {
	wait_for "$E2E_WAIT" e2e_idle && return 0
	echo "queue not idle after ${E2E_WAIT}s:" >&2
	(cd "$E2E_Q" && find incoming active maildrop -type f) >&2
	return 1
}

# e2e_flushlog NAME - the content of flush/NAME (nothing if it is missing)
e2e_flushlog() {
	cat "$E2E_Q/flush/$1" 2>/dev/null || true
}

# e2e_ids NAME... - the values e2e_put stored under the NAMEs, sorted
e2e_ids() {
	local n
	for n in "$@"; do e2e_get "$n" || return 1; done | LC_ALL=C sort
}

# e2e_sorted_log NAME - the lines of flush/NAME, sorted
e2e_sorted_log() {
	e2e_flushlog "$1" | LC_ALL=C sort
}

# e2e_json_ids - the queue IDs postqueue -j lists (one JSON object per
# message and line), one per line, sorted
e2e_json_ids() {
	local out
	out=$(postqueue -c "$E2E_CFG" -j) || return 1
	printf '%s\n' "$out" | sed -En 's/.*"queue_id": *"([0-9A-Za-z]+)".*/\1/p' | LC_ALL=C sort
}

# e2e_put NAME VALUE / e2e_get NAME - hand a value to later tests
e2e_put() { printf '%s\n' "$2" > "$E2E_BASE/state/$1"; }
e2e_get() {
	[ -s "$E2E_BASE/state/$1" ] || { echo "e2e_get: no $1 (did an earlier test fail?)" >&2; return 1; }
	cat "$E2E_BASE/state/$1"
}

# e2e_after STEP - skip this test unless the test that recorded STEP
# (e2e_done STEP) passed: the tests form one scenario, in file order
e2e_after() {
	[ -e "$E2E_BASE/state/done.$1" ] || skip "an earlier step ($1) failed"
}
e2e_done() { : > "$E2E_BASE/state/done.$1"; }

# ------------------------------------------------------------ SMTP, raw flush

# e2e_smtp COMMAND... - one SMTP session with the instance's smtpd: read
# the greeting, send each COMMAND and read its (multi-line) reply, then
# QUIT. Prints every reply line without CR. Fails on a time-out.
e2e_smtp() {
	local fd cmd
	exec {fd}<>"/dev/tcp/127.0.0.1/$E2E_PORT" || return 1
	_e2e_smtp_reply "$fd" || { exec {fd}>&-; return 1; }
	for cmd in "$@" QUIT; do
		printf '%s\r\n' "$cmd" >&"$fd"
		_e2e_smtp_reply "$fd" || { exec {fd}>&-; return 1; }
	done
	exec {fd}>&-
}

_e2e_smtp_reply() {
	local line
	while IFS= read -r -t 10 line <&"$1"; do
		line=${line%$'\r'}
		printf '%s\n' "$line"
		[ "${line:3:1}" = - ] || return 0
	done
	echo "e2e_smtp: no complete reply (time-out or EOF)" >&2
	return 1
}

# e2e_raw FORMAT - send printf FORMAT's bytes to public/flush as one write
# (a client as Postfix's) and print everything the server answers, NULs as
# "|" (no newline)
e2e_raw() {
	# shellcheck disable=SC2059
	printf "$1" | timeout 10 socat -t 5 - UNIX-CONNECT:"$E2E_Q/public/flush" | tr '\0' '|'
	return "${PIPESTATUS[1]}"
}
