# tests/interop/e2e_scache.bash - the private Postfix instance of e2e.bash
# with OUR connection cache server as its scache service (sourced by
# e2e_scache.bats, after e2e.bash)
#
# On top of e2e.bash's instance (smtpd on 127.0.0.1:$E2E_PORT, everything
# relayed to smtp-sink on [127.0.0.1]:$E2E_SINK_PORT, no retries of its own,
# the flush service served by socat + fflushd), e2e_config_hook changes:
#   master.cf	the scache service is commented out: Postfix's master
#		neither listens on private/scache nor runs its own scache(8).
#		The smtp unix service gets -o max_use=1: each smtp process
#		makes one delivery and exits, so a connection reused was
#		handed from one process to another, through our server only.
#   main.cf	smtp_connection_cache_destinations = 127.0.0.1, localhost:
#		Postfix's smtp caches every connection to the relayhost and
#		to [localhost]:$E2E_SINK_PORT, backlog or not. (It matches
#		the bare host of the next hop, without the [] and the port;
#		see smtp_connect.c, smtp_cache_policy.)
#		transport_maps: mail for alias.example goes to
#		smtp:[localhost]:$E2E_SINK_PORT, another next hop (another
#		destination label) for the same server (the same endpoint
#		label): its delivery misses find_dest and hits find_endp.
#		smtp_host_lookup = native: localhost from /etc/hosts.
#		smtp_destination_concurrency_limit = 1: one delivery at a
#		time to the sink, so each delivery after the first finds the
#		connection the one before it saved: the reuse is certain.
#		smtp_connection_cache_time_limit and
#		connection_cache_ttl_limit = 20s (the defaults are 2s): a
#		saved connection outlives the gaps between deliveries and
#		stays long enough for the test to list it.
#
# e2e_scache_start then starts "scache-ctl serve" (after "postfix start",
# which creates private/; before any mail is submitted: Postfix's smtp never
# starts a cache server, it disables caching when none answers):
#	scache-ctl -c $E2E_CFG -o max_idle=0 serve 2> $E2E_BASE/scache.log
# as root. Started as root, it switches to the spool owner (the owner of
# q/flush, i.e. postfix) before it creates private/scache.lock and the
# socket private/scache (mode 0666). Its peer-credential check lets root,
# the spool owner and its own user do everything; Postfix's smtp runs as
# mail_owner = postfix, the spool owner, so no --allow is needed (and the
# test proves it: any denied request would disable Postfix's caching).
# Its log is its standard error (a file, not a socket): "scache-ctl: info:
# statistics: ..." on SIGTERM.
#
# The sink runs with -d $E2E_BASE/sink/msg.: one file per message received.

# e2e_config_hook - called by e2e_write_config (see above)
e2e_config_hook() {
	postconf -c "$E2E_CFG" -M# scache/unix || return 1
	postconf -c "$E2E_CFG" -P smtp/unix/max_use=1 || return 1
	postconf -c "$E2E_CFG" -e \
		"smtp_connection_cache_destinations=127.0.0.1, localhost" \
		"transport_maps=inline:{alias.example=smtp:[localhost]:$E2E_SINK_PORT}" \
		smtp_host_lookup=native \
		smtp_destination_concurrency_limit=1 \
		smtp_connection_cache_time_limit=20s \
		connection_cache_ttl_limit=20s
}

# e2e_scache_missing - e2e_missing, and our server
e2e_scache_missing() {
	local why
	why=$(e2e_missing)
	if [ -n "$why" ]; then
		echo "$why"
	elif [ ! -x "$FF_BUILD/bin/scache-ctl" ]; then
		echo "needs $FF_BUILD/bin/scache-ctl (make all)"
	fi
}

# e2e_scache_ctl ARG... - our client on the instance's spool (never starts a
# server of its own: -n), bounded
e2e_scache_ctl() {
	timeout 10 "$FF_BUILD/bin/scache-ctl" -c "$E2E_CFG" -n "$@" 3>&-
}

# e2e_scache_start - start our server on the running instance's
# private/scache and wait (up to 10 s) until it answers
e2e_scache_start() {
	[ -e "$E2E_Q/private/scache" ] && {
		echo "$E2E_Q/private/scache exists although master.cf has no scache service" >&2
		return 1
	}
	"$FF_BUILD/bin/scache-ctl" -c "$E2E_CFG" -o max_idle=0 serve \
		< /dev/null > /dev/null 2> "$E2E_BASE/scache.log" 3>&- &
	echo "$!" > "$E2E_BASE/scache.pid"
	wait_for 10 e2e_scache_up && return 0
	echo "scache-ctl serve does not answer on $E2E_Q/private/scache:" >&2
	cat "$E2E_BASE/scache.log" >&2
	return 1
}

# e2e_scache_up - our server answers a stats request
e2e_scache_up() {
	e2e_scache_ctl stats > /dev/null 2>&1
}

# e2e_scache_stop - SIGTERM our server (it logs its statistics and exits),
# wait for it (SIGKILL after 2 s). Safe to call twice.
e2e_scache_stop() {
	[ -n "${E2E_BASE:-}" ] && [ -s "$E2E_BASE/scache.pid" ] || return 0
	pf_kill "$(cat "$E2E_BASE/scache.pid")"
	rm -f "$E2E_BASE/scache.pid"
}

# e2e_scache_pid - our server's process ID
e2e_scache_pid() {
	cat "$E2E_BASE/scache.pid"
}

# e2e_scache_stat NAME - one counter of "scache-ctl stats" (NAME=VALUE lines)
e2e_scache_stat() {
	e2e_scache_ctl stats | sed -n "s/^$1=//p"
}

# e2e_scache_stats - the statistics lines our server has logged so far,
# without "scache-ctl: info: "
e2e_scache_stats() {
	sed -n 's/^scache-ctl: info: \(statistics: \)/\1/p' "$E2E_BASE/scache.log"
}

# e2e_conn_uses - the conn_use=N values of the maillog's delivery lines to
# the sink, in log order ("1" for a line without conn_use: a new connection)
e2e_conn_uses() {
	grep -E ': to=<[^>]*>, relay=[^ ]*\[127\.0\.0\.1\]:'"$E2E_SINK_PORT"',.* status=sent ' "$E2E_LOG" |
		sed -E 's/.*, conn_use=([0-9]+),.*/\1/; t; s/.*/1/'
}

# e2e_smtp_pids - the process IDs of the smtp processes that logged a
# delivery to the sink, one per delivery, in log order
e2e_smtp_pids() {
	grep -E 'postfix/smtp\[[0-9]+\]: .*, status=sent ' "$E2E_LOG" |
		sed -E 's/.*postfix\/smtp\[([0-9]+)\]: .*/\1/'
}

# e2e_sink_count - how many messages smtp-sink has received
e2e_sink_count() {
	find "$E2E_BASE/sink" -type f -name 'msg.*' 2>/dev/null | wc -l
}

# e2e_sink_has N - smtp-sink has received N messages or more
e2e_sink_has() {
	[ "$(e2e_sink_count)" -ge "$1" ]
}

# e2e_sink_got RCPT - how many of the messages smtp-sink received are to RCPT
e2e_sink_got() {
	grep -lx "To: $1" "$E2E_BASE"/sink/msg.* 2>/dev/null | wc -l
}

# e2e_scache_dump - e2e_dump, our server's log and what it holds
e2e_scache_dump() {
	e2e_dump
	[ -n "${E2E_BASE:-}" ] && [ -d "$E2E_BASE" ] || return 0
	echo "---- $E2E_BASE/scache.log (last 40 lines)"
	tail -n 40 "$E2E_BASE/scache.log" 2>/dev/null
	echo "---- scache-ctl stats; list"
	e2e_scache_ctl stats 2>&1
	e2e_scache_ctl list 2>&1
}
