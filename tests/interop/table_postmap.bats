#!/usr/bin/env bats
# Table types without a built-in module (lib/postfix/table_postmap.c): our
# table-query, which runs Postfix's postmap for them, against postmap -q
# run directly, for types Debian's postfix package has and that work
# offline: environ:, unix:, randmap: and socketmap: (a scripted socketmap
# server on a UNIX socket, started with unix-serve).

load table_cmp

# The socketmap server (Perl, one process per connection, on stdin and
# stdout): netstring requests "NAME KEY"; KEY "ok-VALUE" is found with
# VALUE, "echo" finds "NAME:KEY", "temp" and "perm" get TEMP and PERM
# replies (lookup errors for Postfix), "hang" gets no reply, anything
# else NOTFOUND.
# shellcheck disable=SC2016 # Perl code, not shell
TB_SOCKMAP_PL='
$| = 1;
for (;;) {
	my ($len, $c, $data) = ("", "", "");
	for (;;) {
		sysread(STDIN, $c, 1) or exit 0;
		last if $c eq ":";
		$len .= $c;
	}
	while (length($data) < $len + 1) {
		sysread(STDIN, my $b, $len + 1 - length($data)) or exit 0;
		$data .= $b;
	}
	chop $data;
	my ($name, $key) = split / /, $data, 2;
	my $r = "NOTFOUND ";
	if ($key =~ /^ok-(.*)/) { $r = "OK $1" }
	elsif ($key eq "echo") { $r = "OK $name:$key" }
	elsif ($key eq "temp") { $r = "TEMP try again later" }
	elsif ($key eq "perm") { $r = "PERM no such map" }
	elsif ($key eq "hang") { sleep 120; exit 0 }
	print length($r), ":", $r, ",";
}
'

setup() {
	tb_setup
}

teardown() {
	tb_teardown
}

@test "environ: (fixed): values, not found, case kept, keys \"-\" and \"-x\"" {
	export FFTB_VAR=hello FFTB_SPACE='two words' FFTB_EMPTY=
	tb_same environ:x HOME FFTB_VAR FFTB_SPACE FFTB_EMPTY home fftb_var FFTB_NONE - -x
	echo "$TB_ANSWERS"
	[ "$TB_ANSWERS" = "found=4 notfound=5 failed=0" ]
	tb_fixed environ:x fixed
}

@test "unix: (fixed): the passwd and group databases" {
	tb_same unix:passwd.byname root nobody ROOT nosuchuser.fftb -
	tb_same unix:group.byname root nogroup nosuchgroup.fftb
	tb_fixed unix:passwd.byname fixed
}

@test "randmap: (pattern): every key finds a value, \"-\" and \"-q\" too" {
	tb_same 'randmap:{only}' a.example - -q -- ''
	[ "$TB_ANSWERS" = "found=5 notfound=0 failed=0" ]
	run tb_ours 'randmap:{one, two}' x
	assert_success
	[[ $output == one || $output == two ]]
	tb_fixed 'randmap:{one, two}' pattern
}

@test "socketmap: (pattern): found, not found, and the server's errors" {
	tb_serve sockmap "$TB/sm" -- perl -e "$TB_SOCKMAP_PL"
	tb_same "socketmap:unix:$TB/sm:mymap" ok-v1 'ok-with space' echo nothing temp perm -
	echo "$TB_ANSWERS"
	[ "$TB_ANSWERS" = "found=3 notfound=2 failed=2" ]
	run tb_ours "socketmap:unix:$TB/sm:mymap" temp
	[ "$status" = 2 ]
	[[ $(cat "$TB/ours.err") == "table-query: fatal: socketmap:unix:$TB/sm:mymap: postmap:\
 fatal: table socketmap:unix:$TB/sm:mymap: query error"* ]]
	tb_fixed "socketmap:unix:$TB/sm:mymap" pattern
}

@test "socketmap: a server that does not answer: postmap is killed after ipc_timeout" {
	tb_serve sockmap "$TB/sm" -- perl -e "$TB_SOCKMAP_PL"
	SECONDS=0
	run tb_ours "socketmap:unix:$TB/sm:mymap" hang -o ipc_timeout=1s
	[ "$status" = 2 ]
	assert_equal "$(cat "$TB/ours.err")" \
		"table-query: fatal: socketmap:unix:$TB/sm:mymap: /usr/sbin/postmap did not answer within 1s (killed)"
	[ "$SECONDS" -le 4 ]
}

@test "a type Postfix does not have here fails as postmap's does, naming Debian's package" {
	postconf -c "$TB/cfg" -m | grep -qx mysql && skip "postfix-mysql is installed"
	tb_same mysql:/etc/postfix/mysql-domains.cf example.com
	[ "$TB_ANSWERS" = "found=0 notfound=0 failed=1" ]
	run tb_ours mysql:/etc/postfix/mysql-domains.cf example.com
	[ "$status" = 2 ]
	assert_equal "$(cat "$TB/ours.err")" "table-query: fatal: mysql:/etc/postfix/mysql-domains.cf:\
 postmap: fatal: unsupported dictionary type: mysql; Debian ships mysql: tables in the package\
 postfix-mysql"
	tb_fixed mysql:/etc/postfix/mysql-domains.cf fixed
	tb_same nosuchtype:x example.com
	[ "$TB_ANSWERS" = "found=0 notfound=0 failed=1" ]
	tb_fixed nosuchtype:x pattern
}

@test "postmap missing: a clear error naming the table, the type and the fix" {
	run table-query -c "$TB/cfg" -o command_directory=/nonexistent environ:x HOME
	[ "$status" = 2 ]
	assert_output "table-query: fatal: environ:x: fastflush has no built-in environ: tables\
 and cannot run Postfix's postmap (/nonexistent/postmap: No such file or directory): install\
 Postfix's postmap or set command_directory"
	run table-query -c "$TB/cfg" -o command_directory=/nonexistent pgsql:/etc/x.cf a
	[ "$status" = 2 ]
	assert_output --partial "; Debian ships pgsql: tables in the package postfix-pgsql"
}
