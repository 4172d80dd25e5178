#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# fflush-add: every option, exit status and hostile input

load helpers

setup() { mkspool; }
teardown() { rmspool; }

@test "add: --help and -h print usage and exit 0" {
	run fflush-add --help
	assert_success
	assert_output --partial "usage: fflush-add"
	run fflush-add -h
	assert_success
	assert_output --partial "--json"
}

@test "add: -V and --version print the version" {
	run fflush-add -V
	assert_success
	assert_output --regexp '^fflush-add \(fastflush\) [0-9]+\.[0-9]+\.[0-9]+$'
	run fflush-add --version
	assert_success
}

@test "add: usage errors exit 64" {
	run fflush-add
	assert_failure 64
	run fflush-add example.com
	assert_failure 64
	run fflush-add --bogus example.com ABC
	assert_failure 64
	assert_line --index 0 "fflush-add: unrecognized option '--bogus'"
	run fflush-add - extra
	assert_failure 64
	run fflush-add -o novalue example.com ABC
	assert_failure 64
	assert_output --partial "name=value"
	assert_file_not_exists "$Q/flush/example_com"
}

@test "add: appends queue IDs, one per line, mode 0600" {
	run fflush-add example.com 9FBF11234 ABCDEF
	assert_success
	assert_output ""
	run fflush-add example.com 12345
	assert_success
	run cat "$Q/flush/example_com"
	assert_output $'9FBF11234\nABCDEF\n12345'
	[ "$(mode "$Q/flush/example_com")" = 600 ]
	[ "$(stat -c %s "$Q/flush/example_com")" = 23 ]
}

@test "add: -v says what was written; -q is silent" {
	run fflush-add -v example.com A1 B2
	assert_success
	assert_output --partial "example.com: 2 queue IDs added to flush/example_com"
	run fflush-add -q -v example.com C3
	assert_success
	assert_output ""
}

@test "add: --json reports site, logfile and count" {
	run fflush-add --json Example.COM A1 B2
	assert_success
	assert_output '{"site":"Example.COM","log":"example_com","status":"ok","added":2}'
}

@test "add: site case and IDNA map to Postfix's logfile names" {
	conf "fast_flush_domains = example.com, bücher.example.com"
	run fflush-add EXAMPLE.COM A1
	assert_success
	run fflush-add Sub.Example.COM A2
	assert_success
	run fflush-add bücher.example.com A3
	assert_success
	run fflush-add BÜCHER.example.com A4
	assert_success
	run cat "$Q/flush/example_com"
	assert_output A1
	run cat "$Q/flush/sub_example_com"
	assert_output A2
	run cat "$Q/flush/xn__bcher_kva_example_com"
	assert_output $'A3\nA4'
}

@test "add: missing flush/ is created with mode 0700" {
	rmdir "$Q/flush"
	run fflush-add example.com A1
	assert_success
	[ "$(mode "$Q/flush")" = 700 ]
	assert_file_exists "$Q/flush/example_com"
}

@test "add: a site not in fast_flush_domains is denied with 77" {
	run fflush-add other.net A1
	assert_failure 77
	assert_output --partial 'not configured for destination "other.net"'
	assert_file_not_exists "$Q/flush/other_net"
	run fflush-add --json other.net A1
	assert_failure 77
	assert_output --partial '"status":"denied"'
}

@test "add: an invalid queue ID refuses the whole call with 65" {
	for bad in ../x / 'AB.CD' '' 'a b' "$(printf 'x%.0s' {1..256})"; do
		run fflush-add example.com GOOD1 "$bad"
		assert_failure 65
		assert_output --partial "invalid queue ID"
	done
	assert_file_not_exists "$Q/flush/example_com"
	run fflush-add example.com "$(printf 'x%.0s' {1..255})"
	assert_success
}

@test "add: hostile sites never become paths outside flush/" {
	conf "fast_flush_domains = static:all"
	for bad in ../x / ../../etc/passwd '.' '..' 'a/b' "$(printf 'a\tb')" ''; do
		run fflush-add "$bad" A1
		assert_failure 65
	done
	run find "$T" -type f -newer "$C/main.cf" -not -path "$C/*"
	assert_output ""
	[ -z "$(ls -A "$Q/flush")" ]
}

@test "add: a 100 KB site argument is refused quickly, never stored" {
	big=$(head -c 100000 /dev/zero | tr '\0' a)
	run fflush-add "$big.example.com" A1
	assert_failure 65
	[ "${#output}" -lt 2000 ]
	conf "fast_flush_domains = static:all"
	run fflush-add "$big" A1
	assert_failure 65
	assert_output --partial "too long"
	[ "${#output}" -lt 2000 ]
	[ -z "$(ls -A "$Q/flush")" ]
}

@test "add: invalid UTF-8 in a site is refused with 65" {
	conf "fast_flush_domains = static:all"
	run fflush-add "$(printf 'b\xfc\xfcer.example.com')" A1
	assert_failure 65
	run fflush-add "$(printf '\xc0\xaf.example.com')" A1
	assert_failure 65
	[ -z "$(ls -A "$Q/flush")" ]
}

@test "add: a symlink planted at flush/<site> is not followed" {
	echo "precious" > "$T/target"
	ln -s "$T/target" "$Q/flush/example_com"
	run fflush-add example.com A1
	assert_failure 71
	assert_output --partial "symbolic link"
	run cat "$T/target"
	assert_output precious
}

@test "add: a hard link or FIFO planted at flush/<site> is refused, no hang" {
	echo "precious" > "$T/target"
	ln "$T/target" "$Q/flush/example_com"
	run fflush-add example.com A1
	assert_failure 71
	assert_output --partial "hard link"
	run cat "$T/target"
	assert_output precious
	mkfifo "$Q/flush/example_org"
	run timeout 5 fflush-add example.org A1
	assert_failure 71
	assert_output --partial "not a regular file"
}

@test "add: a torn last line is ended before appending" {
	printf 'ABC' > "$Q/flush/example_com"
	chmod 600 "$Q/flush/example_com"
	run fflush-add example.com DEF
	assert_success
	run cat "$Q/flush/example_com"
	assert_output $'ABC\nDEF'
}

@test "add: parent domains, .domain patterns and negation follow Postfix" {
	run fflush-add a.b.example.com A1
	assert_success
	assert_file_exists "$Q/flush/a_b_example_com"
	run fflush-add -o parent_domain_matches_subdomains= a.b.example.com A2
	assert_failure 77
	run fflush-add -o parent_domain_matches_subdomains= -o fast_flush_domains=.example.com \
		a.example.com A3
	assert_success
	run fflush-add -o fast_flush_domains=.example.com a.example.com A4
	assert_failure 77
	run fflush-add -o 'fast_flush_domains=!sub.example.com, example.com' x.sub.example.com A5
	assert_failure 77
	run fflush-add -o 'fast_flush_domains=!sub.example.com, example.com' other.example.com A6
	assert_success
	# a trailing dot never matches; it is not even a valid host name
	run fflush-add example.com. A7
	assert_failure 65
}

@test "add: fast_flush_domains from a file and tables" {
	printf '# sites\nexample.net\n!bad.example.info example.info\n' > "$T/domains"
	conf "fast_flush_domains = $T/domains, inline:{{a.test=1}, b.test=2}"
	run fflush-add x.example.net A1
	assert_success
	run fflush-add bad.example.info A2
	assert_failure 77
	run fflush-add ok.example.info A3
	assert_success
	run fflush-add sub.b.test A4
	assert_success
	printf 'c.test OK\n' > "$T/th"
	run fflush-add -o "fast_flush_domains=texthash:$T/th" c.test A5
	assert_success
}

@test "add: the table libraries are loaded only when a table needs one" {
	# start-up cost: no program links libdb, liblmdb, tinycdb or PCRE2
	if command -v ldd >/dev/null; then
		for p in fflush-add fflush-send fflush-refresh fflush-list fflushd scache-ctl; do
			run ldd "$(command -v "$p")"
			assert_success
			refute_output --regexp 'libdb|liblmdb|libcdb|libpcre2'
		done
	fi
	command -v postmap >/dev/null || skip "needs Postfix's postmap"
	printf 'c.test OK\n' > "$T/c"
	postmap -c "$C" "cdb:$T/c"
	printf '/^p[0-9]\\.test$/ OK\n' > "$T/p.pcre"
	printf 'h.test OK\n' > "$T/h"
	postmap -c "$C" "btree:$T/h"
	run fflush-add -o "fast_flush_domains=cdb:$T/c" c.test A1
	assert_success
	run fflush-add -o "fast_flush_domains=pcre:$T/p.pcre" p7.test A2
	assert_success
	run fflush-add -o "fast_flush_domains=pcre:$T/p.pcre" px.test A3
	assert_failure 77
	# btree: is always Berkeley DB's
	run fflush-add -o "fast_flush_domains=btree:$T/h" h.test A4
	assert_success
	run fflush-add -o "fast_flush_domains=btree:$T/h" x.test A5
	assert_failure 77
}

@test "add: lookup failures and bad lists are configuration errors (78)" {
	run fflush-add -o 'fast_flush_domains=example.com, /nonexistent/file' other.com A1
	assert_failure 78
	assert_output --partial "/nonexistent/file"
	run fflush-add -o 'fast_flush_domains=example.com, fail:x' example.com A1
	assert_success
	run fflush-add -o "fast_flush_domains=hash:$T/nonexistent" example.com A1
	assert_failure 78
	assert_output --partial "hash:$T/nonexistent"
	run fflush-add -o 'fast_flush_domains=nosuchtype:/etc/postfix/relay' example.com A1
	assert_failure 78
	assert_output --partial "nosuchtype:/etc/postfix/relay"
	run fflush-add -o 'fast_flush_domains=!' example.com A1
	assert_failure 78
	run fflush-add -o hash_queue_depth=zero example.com A1
	assert_failure 78
	run fflush-add -o queue_directory=relative/path example.com A1
	assert_failure 78
	run fflush-add -o queue_directory=/nonexistent/spool example.com A1
	assert_failure 78
	assert_output --partial "does not exist"
	run fflush-add -o fastflush_lock_timeout=5x example.com A1
	assert_failure 78
	# every time parameter is checked at start, as compatibility_level is
	run fflush-add -o max_idle=5x example.com A1
	assert_failure 78
	assert_output --partial 'bad time value for max_idle: "5x"'
	run fflush-add -o fast_flush_purge_time=soon example.com A1
	assert_failure 78
	assert_output --partial 'bad time value for fast_flush_purge_time'
}

@test "add: -c, MAIL_CONFIG and -o choose the configuration" {
	mkdir "$T/other"
	printf 'queue_directory = %s\nfast_flush_domains = other.test\n' "$Q" > "$T/other/main.cf"
	run fflush-add -c "$T/other" other.test A1
	assert_success
	run env MAIL_CONFIG="$T/other" fflush-add other.test A2
	assert_success
	run fflush-add other.test A3
	assert_failure 77
	run fflush-add -c "$T/empty" -o queue_directory="$Q" -o fast_flush_domains=x.test x.test A4
	assert_failure 78
	assert_output "fflush-add: error: open $T/empty/main.cf: No such file or directory"
	mkdir "$T/empty"
	run fflush-add -c "$T/empty" -o queue_directory="$Q" -o fast_flush_domains=x.test x.test A4
	assert_failure 78
	assert_output "fflush-add: error: open $T/empty/main.cf: No such file or directory"
	: > "$T/empty/main.cf"
	run fflush-add -c "$T/empty" -o queue_directory="$Q" -o fast_flush_domains=x.test x.test A4
	assert_success
	run env MAIL_CONFIG=/nonexistent fflush-add x.test A5
	assert_failure 78
	run cat "$Q/flush/other_test"
	assert_output $'A1\nA2'
}

@test "add: a -c or MAIL_CONFIG directory without main.cf is exit 78, never the defaults" {
	mkdir "$T/nomaincf"
	# each way of naming it; -c wins over a good MAIL_CONFIG
	run fflush-add -c "$T/nomaincf" example.com A1
	assert_failure 78
	assert_output "fflush-add: error: open $T/nomaincf/main.cf: No such file or directory"
	run fflush-add --config="$T/nomaincf" example.com A1
	assert_failure 78
	assert_output "fflush-add: error: open $T/nomaincf/main.cf: No such file or directory"
	run env MAIL_CONFIG="$T/nomaincf" fflush-add example.com A1
	assert_failure 78
	assert_output "fflush-add: error: open $T/nomaincf/main.cf: No such file or directory"
	# -o cannot stand in for the file, not even -o queue_directory
	run fflush-add -c "$T/nomaincf" -o queue_directory="$Q" example.com A1
	assert_failure 78
	assert_output "fflush-add: error: open $T/nomaincf/main.cf: No such file or directory"
	# a typo, a file, an empty name
	run fflush-add -c "$T/nosuchdir" example.com A1
	assert_failure 78
	assert_output "fflush-add: error: open $T/nosuchdir/main.cf: No such file or directory"
	run fflush-add -c "$C/main.cf" example.com A1
	assert_failure 78
	assert_output "fflush-add: error: open $C/main.cf/main.cf: Not a directory"
	run fflush-add -c "" example.com A1
	assert_failure 78
	assert_output "fflush-add: error: -c: empty configuration directory name"
	run env MAIL_CONFIG= fflush-add example.com A1
	assert_failure 78
	assert_output "fflush-add: error: MAIL_CONFIG: empty configuration directory name"
	# nothing was written anywhere
	[ ! -e "$Q/flush/example_com" ]
	# the same rule for every command (one place: ff_cli_open)
	for cmd in "fflush-send example.com" "fflush-list" "fflush-refresh" "scache-ctl -n stats"; do
		run $cmd -c "$T/nomaincf"
		assert_failure 78
		assert_output --regexp "^${cmd%% *}: (error: )?open $T/nomaincf/main.cf: No such file or directory\$"
	done
}

@test "add: a parameter whose \$name expansion fails is exit 78, naming it" {
	# a loop, direct or through Postfix's default chain
	conf 'fast_flush_domains = $my_sites' 'my_sites = example.com, $more' 'more = $my_sites'
	run fflush-add example.com A1
	assert_failure 78
	assert_output "fflush-add: error: parameter fast_flush_domains: recursive expansion of \$my_sites (in the value of \$more)"
	run fflush-add -o fast_flush_domains='$relay_domains' -o relay_domains='$mydestination' \
		-o mydestination='$relay_domains' example.com A1
	assert_failure 78
	assert_output "fflush-add: error: parameter fast_flush_domains: recursive expansion of \$relay_domains (in the value of \$mydestination)"
	# syntax Postfix's programs stop on
	run fflush-add -o fast_flush_domains='${my_sites' example.com A1
	assert_failure 78
	assert_output 'fflush-add: error: parameter fast_flush_domains: missing "}" in "${my_sites"'
	run fflush-add -o fast_flush_domains='example.com, $' example.com A1
	assert_failure 78
	assert_output 'fflush-add: error: parameter fast_flush_domains: empty parameter name after "$" in "example.com, $"'
	run fflush-add -o fast_flush_domains='${my-sites}' example.com A1
	assert_failure 78
	assert_output 'fflush-add: error: parameter fast_flush_domains: bad parameter name in "${my-sites}"'
	run fflush-add -o fast_flush_domains='${my_sites?{example.com}x}' example.com A1
	assert_failure 78
	assert_output 'fflush-add: error: parameter fast_flush_domains: ":" expected after {example.com} in "${my_sites?{example.com}x}"'
	run fflush-add -o compatibility_level=3.x example.com A1
	assert_failure 78
	assert_output 'fflush-add: error: parameter compatibility_level: malformed compatibility level syntax: "3.x"'
	# any parameter fastflush reads, not only the ones this command needs
	run fflush-add -o fast_flush_domains=example.com -o max_idle='$(x' example.com A1
	assert_failure 78
	assert_output 'fflush-add: error: parameter max_idle: missing ")" in "$(x"'
	[ ! -e "$Q/flush/example_com" ]
	# an undefined name is empty, not an error (as in Postfix): the site is denied
	run fflush-add -o fast_flush_domains='$undefined_name' example.com A1
	assert_failure 77
	assert_output --partial 'not configured for destination "example.com"'
	# and a broken parameter nothing reads is not looked at
	run fflush-add -o fast_flush_domains=example.com -o unread='${' example.com A1
	assert_success
}

@test "add: an -o name that nothing reads is warned about on stderr; the exit status stays" {
	run --separate-stderr fflush-add -o typo_domains=example.net example.com A1
	assert_success
	assert_output ''
	[ "$stderr" = 'fflush-add: warning: -o typo_domains=example.net: unused parameter (fastflush does not read "typo_domains")' ]
	# each one, in order; the exit status is the command's own
	run --separate-stderr fflush-add -o a=1 -o fast_flush_domains=example.org -o smtpd_banner=x example.com A2
	assert_failure 77
	[ "${stderr_lines[0]}" = 'fflush-add: warning: -o a=1: unused parameter (fastflush does not read "a")' ]
	[ "${stderr_lines[1]}" = 'fflush-add: warning: -o smtpd_banner=x: unused parameter (fastflush does not read "smtpd_banner")' ]
	[[ "${stderr_lines[2]}" == *'not configured for destination "example.com"'* ]]
	# a name that a parameter fastflush reads refers to, directly or not, is used
	conf 'fast_flush_domains = $my_sites' 'my_sites = ${extra?{$extra}:{example.com}}'
	run --separate-stderr fflush-add -o extra=example.org -o queue_directory="$Q" example.org A3
	assert_success
	[ -z "$stderr" ]
	# -q keeps it quiet; syslog still has it
	run --separate-stderr fflush-add -q -o typo=1 example.com A4
	assert_success
	[ -z "$stderr" ]
}

@test "add: every parameter the code reads is in the one table of read parameters" {
	local top n name
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	n=0
	# literal names given to the ff_conf_* accessors anywhere in lib/ and cmd/
	for name in $(grep -ohE 'ff_conf_(get|str|time|time_ms|long|bool)\([^,]+, *"[a-z0-9_]+"' \
		"$top"/lib/*/*.c "$top"/cmd/*.c | sed -E 's/.*"([a-z0-9_]+)"$/\1/' | sort -u); do
		n=$((n + 1))
		run --separate-stderr fflush-list -o "$name=0" --brief
		[[ "$stderr" != *"unused parameter"* ]] || fail "$name: $stderr"
	done
	[ "$n" -ge 15 ]
}

@test "add: \$name expansion and continuation lines in main.cf" {
	cat > "$C/main.cf" <<-EOF
	# comment
	spool = $Q
	queue_directory = \$spool
	my_sites = one.test,
	    two.test
	fast_flush_domains = \${my_sites}, \${undefined?never.test}, \${undefined:three.test}
	EOF
	run fflush-add two.test A1
	assert_success
	run fflush-add three.test A2
	assert_success
	run fflush-add never.test A3
	assert_failure 77
}

@test "add: an address literal listed in fast_flush_domains is served" {
	conf "fast_flush_domains = [192.0.2.1], [ipv6:2001:db8::1]"
	run fflush-add '[192.0.2.1]' A1
	assert_success
	assert_file_exists "$Q/flush/_192_0_2_1_"
	run fflush-add '[IPv6:2001:db8::1]' A2
	assert_success
	assert_file_exists "$Q/flush/_ipv6_2001_db8__1_"
	run fflush-add '[192.0.2.2]' A3
	assert_failure 77
}

@test "add: a one-letter site gets a one-letter logfile" {
	conf "fast_flush_domains = x"
	run fflush-add x A1
	assert_success
	assert_file_exists "$Q/flush/x"
}

@test "add: lock time-out is a temporary failure (75)" {
	fflush-add example.com A1
	hold_lock "$Q/flush/example_com"
	# held until released: without the 1 s time-out this would never end
	run timeout 60 fflush-add -o fastflush_lock_timeout=1s example.com A2
	assert_failure 75
	assert_output --partial "timed out"
	release_lock
	run cat "$Q/flush/example_com"
	assert_output A1
}

@test "add: run as root on a postfix-owned spool, files stay the spool owner's" {
	need_postfix_user
	chown -R postfix:postfix "$Q"
	rm -rf "$Q/flush"
	mkdir -m 700 "$Q/flush"
	chown postfix:postfix "$Q/flush"
	run fflush-add example.com A1
	assert_success
	[ "$(owner "$Q/flush/example_com")" = postfix:postfix ]
	rmdir "$Q/hold"
	printf 'example.org A2\n' | fflush-add -
	[ "$(owner "$Q/flush/example_org")" = postfix:postfix ]
}

@test "add: flush/ owned postfix:root (as on Debian): files get postfix's own group, never root's" {
	need_postfix_user
	chown -R postfix:root "$Q"
	run fflush-add example.com A1
	assert_success
	[ "$(owner "$Q/flush/example_com")" = "postfix:$(id -gn postfix)" ]
	[ "$(id -gn postfix)" != root ]
}

@test "add: many concurrent adders lose no queue ID" {
	slow_test
	for p in $(seq 1 20); do
		(
			for i in $(seq 1 25); do
				fflush-add example.com "P${p}x$i" || echo "fail P${p}x$i" >> "$T/fail"
			done
		) &
	done
	wait
	assert_file_not_exists "$T/fail"
	[ "$(wc -l < "$Q/flush/example_com")" = 500 ]
	[ "$(sort -u "$Q/flush/example_com" | wc -l)" = 500 ]
	for p in 1 7 20; do grep -qx "P${p}x25" "$Q/flush/example_com"; done
}

@test "add: --json stays valid JSON for sites that are not UTF-8" {
	conf "fast_flush_domains = static:all"
	run --separate-stderr fflush-add --json "$(printf 'b\xfcer.example.com')" A1
	assert_failure 65
	assert_output --partial '"site":"b\u00fcer.example.com","status":"bad"'
}

@test "add: appending does not move the logfile's atime (refresh goes by it), even after a torn line" {
	fflush-add example.com A1
	printf 'TORN' >> "$Q/flush/example_com"
	touch -a -d '-13 hours' "$Q/flush/example_com"
	before=$(atime "$Q/flush/example_com")
	fflush-add example.com A2
	[ "$(atime "$Q/flush/example_com")" = "$before" ]
	[ "$(cat "$Q/flush/example_com")" = "A1
TORN
A2" ]
}

@test "fflush-add -: memory stays bounded: a 256 MiB line, 1,000,000 denied sites" {
	slow_test
	# one line of 256 MiB (64,000 times the 4 KiB line limit), then a good one
	queued 9FBF11234 >/dev/null
	run bash -c '{ head -c 268435456 /dev/zero | tr "\0" x; printf "\nexample.com 9FBF11234\n"; } |
		fflush-add - 2>&1 >/dev/null | head -3'
	assert_output --partial "line 1: line longer than 4096 bytes"
	[ "$(cat "$Q/flush/example_com")" = 9FBF11234 ]
	local kb
	kb=$({ head -c 268435456 /dev/zero | tr "\0" x; echo; } | peak_kb fflush-add -)
	echo "peak RSS, 256 MiB line: $kb KiB"
	sanitized || [ "$kb" -lt $((32 * 1024)) ]
	# 1,000,000 distinct sites (100 times the bound), none eligible: each is
	# remembered only until the batch holds FF_BATCH_SITES_MAX (10,000)
	kb=$(seq 1 1000000 | sed 's/.*/site&.invalid 9FBF11234/' | peak_kb fflush-add -)
	echo "peak RSS, 1,000,000 denied sites: $kb KiB"
	sanitized || [ "$kb" -lt $((48 * 1024)) ]
}
