# tests/interop/table_cmp.bash - compare our table lookups (table-query) with
# Postfix 3.7's "postmap -q", for tests/interop/table_*.bats
#
#	load table_cmp
#	setup()    { tb_setup; }
#	teardown() { tb_teardown; }
#	@test "..." {
#		printf 'a.example 1\n' > "$TB/t"; postmap -c "$TB/cfg" "hash:$TB/t"
#		tb_same "hash:$TB/t" a.example b.example -	# same answers
#		tb_fixed "hash:$TB/t" fixed			# table-query -F
#	}
#
# Everything lives under $TB = mktemp -d /tmp/fftb.XXXXXX (mode 0755, so
# that Postfix daemons that switch users can traverse it): TB/cfg/main.cf
# (empty unless tb_conf adds lines; backdated, see pf_backdate) is the
# configuration of both sides. Servers started with tb_serve are stopped
# by tb_teardown.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
# shellcheck source=tests/wait.bash
. "$BATS_TEST_DIRNAME/../wait.bash"

FF_BUILD=${FF_BUILD:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build}
PATH="$FF_BUILD/tests/tools:$PATH"
export PATH FF_BUILD

TB_POSTMAP=${TB_POSTMAP:-/usr/sbin/postmap}
TB_PROXYMAP=${TB_PROXYMAP:-/usr/lib/postfix/sbin/proxymap}

# tb_need - skip unless Postfix's postmap and our test tools are here
tb_need() {
	[ -x "$TB_POSTMAP" ] || skip "needs Postfix's $TB_POSTMAP (Debian package postfix)"
	command -v table-query >/dev/null && command -v unix-serve >/dev/null ||
		skip "needs the test tools (make tools)"
}

tb_setup() {
	tb_need
	TB=$(mktemp -d /tmp/fftb.XXXXXX)
	chmod 755 "$TB"
	mkdir -m 755 "$TB/cfg"
	: > "$TB/cfg/main.cf"
	tb_backdate
	export TB
}

# tb_teardown - stop the servers of tb_serve, remove $TB
tb_teardown() {
	local f
	[ -n "${TB:-}" ] && [ -d "$TB" ] || return 0
	for f in "$TB"/*.pid; do
		[ -s "$f" ] || continue
		f=${f##*/}
		tb_stop "${f%.pid}"
	done
	rm -rf "$TB"
	TB=
}

# tb_backdate - main.cf's mtime one hour back (Postfix re-reads a main.cf
# changed this very second, in 300 ms steps)
tb_backdate() {
	touch -d "@$(($(date +%s) - 3600))" "$TB/cfg/main.cf"
}

# tb_conf LINE... - append lines to main.cf
tb_conf() {
	printf '%s\n' "$@" >> "$TB/cfg/main.cf"
	tb_backdate
}

# tb_serve NAME [-m] PATH -- CMD ARGS... - unix-serve on PATH (see
# tests/tools/unix-serve.c), ready when this returns; its pid in
# TB/NAME.pid, its standard error appended to TB/NAME.err
tb_serve() {
	local name=$1 pid
	shift
	pid=$(unix-serve "$@" 2>> "$TB/$name.err") || return 1
	echo "$pid" > "$TB/$name.pid"
}

# tb_stop NAME - stop the server of tb_serve NAME, wait (at most 5 s) until
# it has gone: it is not our child, so its exit can only be polled
tb_stop() {
	local pid
	pid=$(cat "$TB/$1.pid") || return 1
	kill -TERM "$pid" 2>/dev/null || return 0
	# not our child: an exited one may be a zombie until init reaps it
	wait_for 5 gone "$pid"
	rm -f "$TB/$1.pid"
}

# tb_proxymap READ_MAPS... - Postfix's proxymap serving the tables
# READ_MAPS (each "proxy:TYPE:NAME") on TB/q/private/proxymap, started
# as its master would start it, "proxymap -V -l -t unix" (unix-serve -m;
# as root; its messages in TB/proxymap.err), until the test ends; main.cf
# gets queue_directory = TB/q and proxy_read_maps first. Skips the test
# when this cannot run here.
tb_proxymap() {
	[ "$(id -u)" = 0 ] || skip "needs root (Postfix's proxymap)"
	[ -x "$TB_PROXYMAP" ] || skip "needs Postfix's $TB_PROXYMAP (Debian package postfix)"
	mkdir -p -m 755 "$TB/q/private"
	grep -q '^queue_directory = ' "$TB/cfg/main.cf" || tb_conf "queue_directory = $TB/q"
	tb_conf "proxy_read_maps = $*"
	MAIL_CONFIG=$TB/cfg tb_serve proxymap -m "$TB/q/private/${TB_PROXYMAP_SERVICE:-proxymap}" \
		-- "$TB_PROXYMAP" -V -l -t unix -o queue_directory="$TB/q" -o max_idle=3600s \
		-o max_use=1000000
}

# tb_postmap TABLE KEY - Postfix's answer: "KEY" is looked up as is (-f);
# for the key "-", postmap reads it from its standard input (-q -) and its
# "-<TAB>" is taken off. Prints the value; exit 0 found, 1 not found, 2
# failed ("postmap: fatal:" on its standard error, kept in TB/pm.err)
tb_postmap() {
	local table=$1 key=$2 out rc
	rc=0
	if [ "$key" = - ]; then
		out=$(printf -- '-\n' | timeout 60 "$TB_POSTMAP" -c "$TB/cfg" -f -q - "$table" \
			2> "$TB/pm.err") || rc=$?
		out=${out#-$'\t'}
	else
		out=$(timeout 60 "$TB_POSTMAP" -c "$TB/cfg" -f -q "$key" "$table" < /dev/null \
			2> "$TB/pm.err") || rc=$?
	fi
	[ "$rc" = 1 ] && grep -q '^postmap: fatal: ' "$TB/pm.err" && rc=2
	printf '%s' "$out"
	return "$rc"
}

# tb_ours TABLE KEY [-o NAME=VALUE]... - our answer, as tb_postmap's
# (table-query -c TB/cfg; its standard error in TB/ours.err)
tb_ours() {
	local table=$1 key=$2 out rc=0
	shift 2
	out=$(table-query -c "$TB/cfg" "$@" -- "$table" "$key" 2> "$TB/ours.err") || rc=$?
	printf '%s' "$out"
	return "$rc"
}

# tb_same [-p] TABLE KEY... - for every KEY, postmap and we give the
# same answer: found with the same value, not found, or failed; else
# print each difference and fail. TB_ANSWERS counts found/notfound/failed.
# -p: Postfix's answer is that of its daemons, through proxymap
# (postmap -q KEY proxy:TABLE; tb_proxymap must serve proxy:TABLE):
# postmap itself exits at once when a table cannot be opened, where a
# daemon gets a stand-in table whose lookups fail, as our broken tables.
tb_same() {
	local table key pm ours pmrc ourrc bad=0 via=''
	local found=0 notfound=0 failed=0
	[ "$1" = -p ] && { via=proxy:; shift; }
	table=$1
	shift
	for key in "$@"; do
		pmrc=0 ourrc=0
		pm=$(tb_postmap "$via$table" "$key") || pmrc=$?
		ours=$(tb_ours "$table" "$key") || ourrc=$?
		if [ "$pmrc" != "$ourrc" ] || [ "$pm" != "$ours" ]; then
			printf '%s, key "%s": postmap exit %s "%s" (%s); ours exit %s "%s" (%s)\n' \
				"$table" "$key" "$pmrc" "$pm" "$(cat "$TB/pm.err")" \
				"$ourrc" "$ours" "$(cat "$TB/ours.err")" >&2
			bad=1
		fi
		case $pmrc in 0) found=$((found + 1)) ;; 1) notfound=$((notfound + 1)) ;; *) failed=$((failed + 1)) ;; esac
	done
	TB_ANSWERS="found=$found notfound=$notfound failed=$failed"
	return "$bad"
}

# tb_fixed TABLE fixed|pattern [-o NAME=VALUE]... - what table-query -F says
tb_fixed() {
	local table=$1 want=$2 got
	shift 2
	got=$(table-query -c "$TB/cfg" "$@" -F -- "$table") || return 1
	[ "$got" = "$want" ] && return 0
	echo "$table: $got, expected $want" >&2
	return 1
}
