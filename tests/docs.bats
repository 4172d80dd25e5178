#!/usr/bin/env bats
# tests/docs.bats - man pages, shell completions and examples agree with the
# commands: every command has a page and completions, every option of its
# --help is documented and completed, SYNOPSIS is usage(), EXIT STATUS lists
# the exit codes, the pages lint clean, and the bash completion really
# completes options and the destinations of a spool.
#
# FF_DOCS_TOP points the tests at another source tree (to check that they
# fail on a broken copy); FF_BUILD at the build directory.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
# shellcheck source=tests/wait.bash
. "$BATS_TEST_DIRNAME/wait.bash"

TOP=${FF_DOCS_TOP:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
FF_BUILD=${FF_BUILD:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)/build}
BASHCOMP=$TOP/completions/fastflush.bash
ZSHCOMP=$TOP/completions/_fastflush

# commands - every command built from cmd/
commands() {
	local c
	for c in "$TOP"/cmd/*.c; do
		c=${c##*/}
		echo "${c%.c}"
	done
}

# page CMD - its man page (section 1 or 8)
page() {
	local p
	for p in "$TOP/man/$1".[18]; do
		[ -f "$p" ] && { echo "$p"; return 0; }
	done
	return 1
}

# render PAGE - plain text, wide enough that no line is wrapped
render() {
	mandoc -Tascii -O width=300 "$1" | col -bx
}

# section PAGE NAME - the rendered text of one section
section() {
	render "$1" | awk -v want="$2" '
		/^[A-Z][A-Z0-9 .]*$/ { on = ($0 == want); next }
		on { print }'
}

# usage_lines CMD - the usage lines of CMD --help, without "usage: "
usage_lines() {
	"$FF_BUILD/bin/$1" --help | awk '/^$/ { exit } { sub(/^usage: */, ""); sub(/^ +/, ""); print }'
}

# comp CMD WORD... - what the bash completion offers when the command
# line is split into COMP_WORDS as given, the last being completed
comp() {
	bash -c '
		source "$1"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		cur=${COMP_WORDS[COMP_CWORD]}
		[[ $cur == [=:] ]] && cur=
		_fastflush "$1" "$cur" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$BASHCOMP" "$@"
}

# mkspool - a scratch spool with logfiles for five destinations
mkspool() {
	S=$BATS_TEST_TMPDIR/s
	Q=$S/q
	mkdir -p "$Q"/flush "$Q"/deferred "$Q"/incoming "$Q"/public "$S"/cfg "$S"/nospool
	printf 'queue_directory = %s\nfast_flush_domains = example.com, localhost, [192.0.2.1], b\303\274cher.example\n' \
		"$Q" > "$S"/cfg/main.cf
	export MAIL_CONFIG=$S/cfg
	"$FF_BUILD"/bin/fflush-add example.com 3F2A10001 3F2A10002
	"$FF_BUILD"/bin/fflush-add a-b.example.com 3F2A10003
	"$FF_BUILD"/bin/fflush-add localhost 5B7C20001
	"$FF_BUILD"/bin/fflush-add '[192.0.2.1]' 5B7C20002
	"$FF_BUILD"/bin/fflush-add "$(printf 'b\303\274cher.example')" 9D9E30001
	: > "$Q"/flush/idle_example_com
	# the completion must find the spool through -c or -o, not the environment
	printf 'queue_directory = %s/nonexistent\n' "$S" > "$S"/nospool/main.cf
	export MAIL_CONFIG=$S/nospool
}

@test "docs: every command has a man page, and every page lints clean" {
	local c p n=0
	for c in $(commands); do
		page "$c" >/dev/null || fail "$c: no man page man/$c.1 or man/$c.8"
	done
	for p in "$TOP"/man/*.[1-8]; do
		[ -f "$p" ] || continue
		n=$((n + 1))
		run mandoc -Tlint -W warning "$p"
		[ -z "$output" ] && [ "$status" -eq 0 ] || fail "mandoc -Tlint ${p##*/}: $output"
	done
	for p in fastflush.7 fastflush.conf.5; do
		[ -f "$TOP/man/$p" ] || fail "man/$p is missing"
	done
	[ "$n" -ge 6 ]
}

@test "docs: every man page renders with man -l" {
	command -v man >/dev/null || skip "man is not installed"
	local p
	for p in "$TOP"/man/*.[1-8]; do
		run env MANWIDTH=80 man -l "$p"
		assert_success
		assert_output --partial NAME
		assert_output --partial "SEE ALSO"
	done
}

@test "docs: SYNOPSIS is usage(), in the command's page and in fastflush(7)" {
	local c p syn overview line
	overview=$(section "$TOP/man/fastflush.7" SYNOPSIS | sed 's/^ *//')
	for c in $(commands); do
		p=$(page "$c")
		syn=$(section "$p" SYNOPSIS | sed 's/^ *//; /^$/d')
		[ "$syn" = "$(usage_lines "$c")" ] ||
			fail "$c: SYNOPSIS differs from usage():
$syn
---
$(usage_lines "$c")"
		while IFS= read -r line; do
			grep -qxF -- "$line" <<<"$overview" || fail "fastflush(7) SYNOPSIS lacks: $line"
		done < <(usage_lines "$c")
	done
}

@test "docs: every option in --help is in the man page and in both completions" {
	local c p text opts opt
	source "$BASHCOMP"
	for c in $(commands); do
		p=$(page "$c")
		text=$(section "$p" OPTIONS; section "$p" DESCRIPTION)
		opts=" $(_fastflush_options "$c") "
		for opt in $("$FF_BUILD/bin/$c" --help | grep -oE -- '(^| )--?[A-Za-z][a-z-]*' | sort -u); do
			grep -qF -- "$opt" <<<"$text" || fail "$c: $opt is not in ${p##*/}"
			[[ $opts == *" $opt "* ]] || fail "$c: $opt is not completed by fastflush.bash"
			grep -qF -- "$opt" "$ZSHCOMP" || fail "$c: $opt is not in _fastflush"
		done
	done
}

@test "docs: every command appears in both completion files" {
	local c
	for c in $(commands); do
		grep -qE "^complete( [^ ]+)* $c( |\$)" "$BASHCOMP" || fail "$c: not in the complete line of fastflush.bash"
		grep -qE "^#compdef( [^ ]+)* $c( |\$)" "$ZSHCOMP" || fail "$c: not on the #compdef line of _fastflush"
		grep -qE "^[[:space:]]*\\(?$c\\)" "$ZSHCOMP" || fail "$c: no case in _fastflush"
	done
}

@test "docs: EXIT STATUS lists every exit code the command documents, and 70" {
	local c p codes code exits
	for c in $(commands); do
		p=$(page "$c")
		exits=$(section "$p" "EXIT STATUS")
		codes=$("$FF_BUILD/bin/$c" --help | sed -n '/^Exit:/,$p' | grep -oE '\b[0-9]+\b' | sort -u)
		[ -n "$codes" ] || fail "$c --help lists no exit codes"
		for code in $codes 70; do
			grep -qE "^ *$code( |\$)" <<<"$exits" || fail "$c: exit code $code is not in EXIT STATUS of ${p##*/}"
		done
	done
}

@test "docs: references to fastflush pages point at pages that exist" {
	local ref name sec
	for ref in $(grep -ho '^\.Xr \(fflush-[a-z]*\|fastflush[a-z.]*\) [1-8]' "$TOP"/man/*.[1-8] \
			"$TOP"/completions/* "$TOP"/examples/* 2>/dev/null | sed 's/^\.Xr //; s/ /:/' | sort -u); do
		name=${ref%:*}
		sec=${ref#*:}
		[ -f "$TOP/man/$name.$sec" ] || fail "reference to $name($sec), which does not exist"
	done
	for ref in $(grep -ho 'man:[a-z.-]*([1-8])' "$TOP"/examples/* | sort -u); do
		name=${ref#man:}
		sec=${name#*(}
		sec=${sec%)}
		name=${name%(*}
		[ -f "$TOP/man/$name.$sec" ] || fail "examples: $ref does not exist"
	done
}

@test "completion: scache-ctl's subcommands and their options are its table's (--list-commands), in both files" {
	local table subs own sub opts o offered arm zsubs
	# one line per subcommand: its name, then the options only it takes
	table=$("$FF_BUILD/bin/scache-ctl" --list-commands)
	subs=$(cut -d' ' -f1 <<<"$table" | LC_ALL=C sort)
	own=$(cut -s -d' ' -f2- <<<"$table" | tr ' ' '\n' | LC_ALL=C sort -u)
	[ "$(wc -l <<<"$subs")" -ge 8 ] && [ -n "$own" ] || fail "scache-ctl --list-commands: $table"
	# bash: the subcommands offered, and each one's options (none of another's)
	[ "$(comp scache-ctl "" | LC_ALL=C sort)" = "$subs" ] ||
		fail "fastflush.bash offers other subcommands than scache-ctl's: $(comp scache-ctl "" | tr '\n' ' ')"
	source "$BASHCOMP"
	while read -r sub opts; do
		offered=" $(_fastflush_options scache-ctl "$sub") "
		for o in $own; do
			if [[ " $opts " == *" $o "* ]]; then
				[[ $offered == *" $o "* ]] || fail "fastflush.bash: scache-ctl $sub: $o is not offered"
			else
				[[ $offered != *" $o "* ]] || fail "fastflush.bash: scache-ctl $sub: $o is offered, but $sub does not take it"
			fi
		done
	done <<<"$table"
	# zsh: the subcommands described, and a case arm in _fastflush_scache for
	# each with its options (none of another's)
	zsubs=$(sed -n "/'1:subcommand:((/,/))'/p" "$ZSHCOMP" | grep -oE '[a-z][a-z-]*\\:' | tr -d '\\:' | LC_ALL=C sort)
	[ "$zsubs" = "$subs" ] || fail "_fastflush describes other subcommands than scache-ctl's: $(echo $zsubs)"
	while read -r sub opts; do
		arm=$(awk -v want="$sub" '
			/^_fastflush_scache\(\)/ { in_fn = 1 }
			in_fn && /^}/ { exit }
			in_fn && match($0, /^[ \t]*\([a-z|-]+\)$/) {
				n = split(substr($0, index($0, "(") + 1, length($0) - index($0, "(") - 1), w, "|")
				for (i = 1; i <= n; i++) if (w[i] == want) on = 1
			}
			on { print; if (/;;/) exit }' "$ZSHCOMP")
		[ -n "$arm" ] || fail "_fastflush: no case arm for scache-ctl $sub"
		for o in $own; do
			if [[ " $opts " == *" $o "* ]]; then
				grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" <<<"$arm" || fail "_fastflush: scache-ctl $sub: $o is not offered"
			else
				! grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" <<<"$arm" ||
					fail "_fastflush: scache-ctl $sub: $o is offered, but $sub does not take it"
			fi
		done
	done <<<"$table"
}

@test "completion: options of each command" {
	run comp fflush-send --dr
	assert_success
	assert_output -- --dry-run
	run comp fflush-refresh --c
	assert_output "$(printf '%s\n' --config --compact)"
	run comp fflush-list --dr
	assert_output ""
	run comp fflush-send -o que
	assert_output $'queue_directory=\nqueue_service_name='
}

@test "completion: fflush-send offers the destinations of the spool named by -c" {
	mkspool
	PATH=$FF_BUILD/bin:$PATH run comp fflush-send -c "$S/cfg" ""
	assert_success
	# example_com, a_b_example_com, localhost, _192_0_2_1_ come back as
	# destinations; the IDNA name cannot and the empty logfile has nothing
	assert_output "$(printf '%s\n' '\[192.0.2.1\]' a.b.example.com example.com localhost)"
	PATH=$FF_BUILD/bin:$PATH run comp fflush-send -qc "$S/cfg" -n ex
	assert_output example.com
	PATH=$FF_BUILD/bin:$PATH run comp fflush-send --config = "$S/cfg" ""
	assert_output --partial localhost
	# with -i the operands are queue IDs
	PATH=$FF_BUILD/bin:$PATH run comp fflush-send -c "$S/cfg" -i ""
	assert_output ""
	# without -c the spool is not found: nothing to offer, no noise
	PATH=$FF_BUILD/bin:$PATH run comp fflush-send ""
	assert_output ""
}

@test "completion: fflush-list offers the logfile names; -o queue_directory= is honoured" {
	mkspool
	PATH=$FF_BUILD/bin:$PATH run comp fflush-list -o queue_directory = "$Q" ""
	assert_success
	assert_output "$(printf '%s\n' _192_0_2_1_ a_b_example_com example_com idle_example_com localhost xn__bcher_kva_example)"
	# every name offered is accepted by fflush-list
	local name
	for name in $output; do
		run "$FF_BUILD"/bin/fflush-list -c "$S/cfg" "$name"
		assert_success
	done
	# and every destination offered to fflush-send reaches its logfile
	PATH=$FF_BUILD/bin:$PATH run comp fflush-send -c "$S/cfg" ""
	for name in $output; do
		name=$(printf '%s' "$name" | tr -d '\\')
		run "$FF_BUILD"/bin/fflush-send -n --json -c "$S/cfg" "$name"
		[ "$status" -le 1 ] || fail "fflush-send $name: exit $status: $output"
		assert_output --regexp '"log":"(_192_0_2_1_|a_b_example_com|example_com|localhost)"'
	done
	# a binary typed with its path finds fflush-list beside it
	PATH=/usr/bin:/bin run comp "$FF_BUILD/bin/fflush-list" -c "$S/cfg" "loc"
	assert_output localhost
}

@test "completion: zsh derives the same destinations and logfile names as bash" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	mkspool
	local bash_sites bash_logs
	# zsh: source the functions (with no $service, _fastflush completes
	# nothing) and call them with the words of a command line
	PATH=$FF_BUILD/bin:$PATH run zsh -f -c '
		source "$1"
		words=(fflush-send -qc "$2" -n "")
		CURRENT=5
		_fastflush_sites | LC_ALL=C sort
		print -r -- --
		words=(fflush-list -o "queue_directory=$3" "")
		CURRENT=4
		_fastflush_logs | sed "s/ .*//" | LC_ALL=C sort' _ "$ZSHCOMP" "$S/cfg" "$Q"
	assert_success
	bash_sites=$(PATH=$FF_BUILD/bin:$PATH comp fflush-send -qc "$S/cfg" -n "" | tr -d '\\' | LC_ALL=C sort)
	bash_logs=$(PATH=$FF_BUILD/bin:$PATH comp fflush-list -o queue_directory = "$Q" "" | LC_ALL=C sort)
	assert_output "$bash_sites
--
$bash_logs"
	assert_line example.com
	assert_line '[192.0.2.1]'
	assert_line xn__bcher_kva_example
}

@test "completion: directories for -c and -o queue_directory=" {
	mkspool
	run comp fflush-send -c "$S/c"
	assert_output "$S/cfg"
	run comp fflush-list -o queue_directory = "$S/q"
	assert_output "$S/q"
	run comp fflush-refresh --config = "$S/n"
	assert_output "$S/nospool"
}

@test "completion: table types and their files for -o fast_flush_domains= and relay_domains=" {
	mkspool
	run comp fflush-add -o fast_flush_domains = lm
	assert_output "lmdb:"
	run comp fflush-send -o relay_domains = p
	assert_output $'pcre:\npipemap:\nproxy:\npgsql:'
	run comp fflush-add -o fast_flush_domains = hash : "$S/c"
	assert_output "$S/cfg"
}

@test "completion: shellcheck and zsh accept the completion files" {
	if command -v shellcheck >/dev/null; then
		run shellcheck -s bash "$BASHCOMP"
		assert_success
	fi
	if command -v zsh >/dev/null; then
		run zsh -n "$ZSHCOMP"
		assert_success
	fi
	command -v shellcheck >/dev/null || skip "shellcheck is not installed"
}

@test "examples: files listed in examples/README.md exist; units and cron lines are sane" {
	local f
	for f in fflush-refresh.cron fflush-refresh.service fflush-refresh.timer demo.sh \
		fflushd.socket fflushd.service fflushd-etrn.socket fflushd-etrn.service \
		fflushd.inetd fflushd.xinetd scache.socket scache.service scache.xinetd \
		master.cf scache.init scache.runit/; do
		[ -e "$TOP/examples/$f" ] || fail "examples/$f is missing"
		grep -qF "\`$f\`" "$TOP/examples/README.md" || fail "examples/README.md does not list $f"
	done
	grep -qE '^[0-9*/,-]+( +[0-9*/,-]+){4} +root +/[^ ]*/fflush-refresh -q$' "$TOP/examples/fflush-refresh.cron"
	for f in ProtectSystem=strict ReadWritePaths=/var/spool/postfix NoNewPrivileges=yes PrivateTmp=yes Type=oneshot; do
		grep -qxF "$f" "$TOP/examples/fflush-refresh.service" || fail "fflush-refresh.service lacks $f"
	done
	grep -qx 'OnCalendar=hourly' "$TOP/examples/fflush-refresh.timer"
	# fflushd: the listening socket to one server and its pool (a burst of
	# connections cannot trip an activation or rate limit)
	for f in fflushd.socket fflushd-etrn.socket; do
		grep -qx 'Accept=no' "$TOP/examples/$f" || fail "$f: not Accept=no"
	done
	grep -qx 'ListenStream=127.0.0.1:1985' "$TOP/examples/fflushd-etrn.socket"
	grep -qx 'ListenStream=/var/spool/postfix/public/flush' "$TOP/examples/fflushd.socket"
	for f in fflushd.service fflushd-etrn.service; do
		grep -qx 'StandardInput=null' "$TOP/examples/$f" || fail "$f: stdin is not /dev/null"
		grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$TOP/examples/$f" || fail "$f: no reload"
	done
	grep -qE '^/var/spool/postfix/public/flush stream unix wait root /[^ ]*/fflushd fflushd' "$TOP/examples/fflushd.inetd"
	grep -qE '^127\.0\.0\.1:1985 stream tcp wait root /[^ ]*/fflushd fflushd .*-a send' "$TOP/examples/fflushd.inetd"
	run grep -E 'nowait' "$TOP/examples/fflushd.inetd"
	refute_output --regexp '^[^#]'
	for f in 'wait		= yes' 'bind		= 127.0.0.1'; do
		grep -qF "$f" "$TOP/examples/fflushd.xinetd" || fail "fflushd.xinetd lacks $f"
	done
	# master.cf: Debian's lines with our commands, nothing else
	grep -qE '^flush +unix +n +- +y +1000\? +0 +fflushd$' "$TOP/examples/master.cf"
	grep -qE '^scache +unix +- +- +y +- +1 +scache-ctl$' "$TOP/examples/master.cf"
	[ -x "$TOP/examples/scache.runit/run" ] && [ -x "$TOP/examples/scache.init" ]
	# the cache: one server for every client, the listening socket as fd 3
	grep -qx 'Accept=no' "$TOP/examples/scache.socket"
	grep -qx 'ListenStream=/var/spool/postfix/private/scache' "$TOP/examples/scache.socket"
	grep -qE '^ExecStart=/[^ ]*/scache-ctl .*serve$' "$TOP/examples/scache.service"
	grep -qE '^LimitNOFILE=[0-9]+$' "$TOP/examples/scache.service"
	grep -qF 'wait		= yes' "$TOP/examples/scache.xinetd"
	if command -v systemd-analyze >/dev/null; then
		# unknown settings and syntax errors; man: links cannot resolve before install
		run systemd-analyze verify --man=no "$TOP/examples/fflush-refresh.service" "$TOP/examples/fflush-refresh.timer"
		refute_output --partial "Unknown"
		refute_output --partial "rror"
		run systemd-analyze verify --man=no "$TOP/examples/fflushd.socket" "$TOP/examples/fflushd-etrn.socket"
		refute_output --partial "Unknown"
		refute_output --partial "rror"
		run systemd-analyze verify --man=no "$TOP/examples/scache.socket" "$TOP/examples/scache.service"
		refute_output --partial "Unknown"
		refute_output --partial "rror"
	fi
}

@test "demo: make demo's script runs to the end: sends, refreshes, and a cached connection comes back" {
	[ -x "$FF_BUILD/bin/scache-ctl" ] || skip "needs $FF_BUILD/bin (make all)"
	run env FF_BUILD="$FF_BUILD" "$TOP/examples/demo.sh"
	assert_success
	assert_output --partial "example.com: moved 3, already incoming 0, gone 0"
	assert_output --partial "1 refreshed (2 moved, 0 already incoming, 0 gone)"
	assert_line "via=mx / greeting=ESMTP"
	assert_line "220 mx.example.com ESMTP"
	assert_line "domain_hits=1"
	assert_output --partial "Done. Everything above happened under"
	# nothing left running: the cache server and the stand-in mail server
	local pid
	pid=$(sed -n 's/^pid=//p' <<<"$output")
	[ -n "$pid" ]
	wait_gone "$pid" || fail "the demo's cache server $pid still runs"
	# the stand-in mail server was sent SIGTERM: wait for it to be gone
	# (on a loaded machine it may still be exiting when the demo ends);
	# by its pid, so another demo running elsewhere does not count
	local mx
	mx=$(cat "$FF_BUILD/demo/mx.pid")
	[ -n "$mx" ]
	wait_gone "$mx" || fail "the demo's stand-in mail server $mx still runs"
	rm -rf "$FF_BUILD/demo"
}
