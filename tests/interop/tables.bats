#!/usr/bin/env bats
# Differential tests: fast_flush_domains with every lookup table type Debian
# ships, fastflush's fflushd against Postfix 3.7's flush -S on the same
# main.cf and cloned spools.
#
# For each table type one table is built from the same entries (with
# Postfix's own postmap where the type needs it), fast_flush_domains is
# "!secret.example.com, TYPE:NAME" (an excluded subdomain before the table),
# and every site of SITES is added on spool A by Postfix's flush and on its
# clone B by our fflushd (Postfix's protocol, one-shot, as Postfix's master
# would run it). The replies must be byte for byte the same and so must the
# spools (logfiles and their contents) at the end. The values are OK,
# REJECT and free text: a domain list takes any value as a match.
#
# Deliberate differences (fastflush(7)) are kept out of SITES and asserted
# on their own: address literals (Postfix denies them even when listed)
# and the canonical name of the decision (U+FF53, U+017F).
bats_require_minimum_version 1.5.0

load pf

setup() {
	pf_setup
	unset PF_DOMAINS	# main.cf's fast_flush_domains, on both sides
	A=$(pf_spool a)
	ENTRIES=$'example.com OK\nUpper.EXAMPLE.net REJECT\n.parent.example any text at all\nbücher.example OK\nxn--mnchen-3ya.example relay\n'
	printf '%s' "$ENTRIES" > "$A/cfg/relay"
}

teardown() {
	pf_teardown
}

# ff_request S REQUEST [NAME VALUE]... - as pf_request, to our fflushd
ff_request() {
	local s=$1
	shift
	pf_req request "$@" | pf_fflushd_raw "$s" | pf_show
}

# the sites asked for: exact, upper case, subdomain (parent lookup for fixed
# tables), a leading-dot key's subdomain and the name itself, a UTF-8 key
# and its subdomain, the excluded subdomain in two spellings and its own
# subdomain, sites no table has
SITES=(example.com EXAMPLE.COM sub.example.com a.b.example.com upper.example.net
	UPPER.Example.NET a.parent.example parent.example bücher.example
	sub.bücher.example secret.example.com SECRET.example.com x.secret.example.com
	nothere.test bücher.test example.comx xexample.com)

# table TYPE - build $A/cfg's table of TYPE from $ENTRIES (or its own
# rules for pattern types) and print its "type:name"
table() {
	local c=$A/cfg
	case $1 in
	texthash) echo "texthash:$c/relay" ;;
	inline) echo "inline:{example.com=OK, upper.example.net=REJECT, {.parent.example = any text at all}, bücher.example=OK, xn--mnchen-3ya.example=relay}" ;;
	hash | btree | lmdb | cdb)
		postmap -c "$c" "$1:$c/relay" >&2 || return 1
		echo "$1:$c/relay" ;;
	hash-N | hash-n)
		postmap "-${1#hash-}" -c "$c" "hash:$c/relay" >&2 || return 1
		echo "hash:$c/relay" ;;
	regexp | pcre)
		printf '%s\n' '/^example\.com$/ OK' '/^upper\.example\.net$/ REJECT' \
			'/\.parent\.example$/ any text' '/^b(ü|xn--bcher-kva)\.example$/ OK' \
			'if /^sub\./' '/example\.com$/ $0 matched' 'endif' > "$c/relay.$1"
		echo "$1:$c/relay.$1" ;;
	unionmap)
		postmap -c "$c" "hash:$c/relay" >&2 || return 1
		echo "unionmap:{inline:{nothing.example=x}, hash:$c/relay}" ;;
	pipemap)
		echo "pipemap:{texthash:$c/relay, inline:{OK=ok, relay=ok}}" ;;
	static) echo "static:anything" ;;
	*) echo "table: unknown type $1" >&2; return 1 ;;
	esac
}

# both SPEC - set fast_flush_domains to "!secret.example.com, SPEC" in A's
# main.cf, clone A to B, and ask both flush servers to add every site of
# SITES; replies and spools must be the same
both() {
	local spec=$1 site pfr ffr n=0
	pf_conf "$A" "fast_flush_domains = !secret.example.com, $spec"
	B=$(pf_clone "$A" b)
	for site in "${SITES[@]}"; do
		n=$((n + 1))
		pfr=$(pf_req request add site "$site" queue_id "Q$n" | pf_flush_raw "$A" | pf_show)
		ffr=$(ff_request "$B" add site "$site" queue_id "Q$n")
		if [ "$pfr" != "$ffr" ]; then
			echo "$spec: site $site: Postfix replied '$pfr', fflushd '$ffr'" >&2
			return 1
		fi
		printf '%s\t%s\n' "$site" "$(pf_status "$pfr")"
	done
	pf_same "$A" "$B"
}

# check TYPE - both() for TYPE's table; some sites must have been added and
# some denied, none failed, so that a table that silently matched nothing
# (or everything) on both sides cannot pass
check() {
	local spec got
	spec=$(table "$1")
	got=$(both "$spec") || { echo "$got" >&2; return 1; }
	echo "$got"
	if ! grep -q $'\t0$' <<<"$got" || ! grep -q $'\t4$' <<<"$got" ||
		grep -qv $'\t[04]$' <<<"$got"; then
		echo "$1: expected some sites added (0), some denied (4), none failed" >&2
		return 1
	fi
}

@test "tables: texthash" { check texthash; }
@test "tables: inline" { check inline; }
@test "tables: hash (postmap default)" { check hash; }
@test "tables: hash built with postmap -N (keys with NUL)" { check hash-N; }
@test "tables: hash built with postmap -n (keys without NUL)" { check hash-n; }
@test "tables: btree" { check btree; }
@test "tables: lmdb" { check lmdb; }
@test "tables: cdb" { check cdb; }
@test "tables: unionmap" { check unionmap; }
@test "tables: regexp (full name only, if/endif)" { check regexp; }
@test "tables: pcre (full name only, if/endif)" { check pcre; }
@test "tables: pipemap" { check pipemap; }

@test "tables: cidr: no site can match (an address is not a host name, a literal is no address key), on both sides" {
	printf '%s\n' '192.0.2.0/24 OK' '!198.51.100.0/24 x' '2001:db8::/32 OK' > "$A/cfg/relay.cidr"
	SITES=(192.0.2.1 '[192.0.2.1]' 198.51.100.7 example.com)
	run both "cidr:$A/cfg/relay.cidr"
	assert_success
	assert_output $'192.0.2.1\t4\n[192.0.2.1]\t4\n198.51.100.7\t4\nexample.com\t4'
	# while the table itself answers for the address
	run table-query -c "$A/cfg" "cidr:$A/cfg/relay.cidr" 192.0.2.1
	assert_output OK
}

@test "tables: a table file that does not exist: every add fails the same way (status 4294967295)" {
	SITES=(example.com nothere.test)
	run both "hash:$A/cfg/missing"
	assert_success
	assert_output $'example.com\t4294967295\nnothere.test\t4294967295'
}

@test "tables: an unknown table type fails every lookup on both sides" {
	SITES=(example.com)
	run both "nosuchtype:$A/cfg/relay"
	assert_success
	assert_output $'example.com\t4294967295'
}

@test "tables: the static table matches every site, the exclusion first" {
	SITES=(example.com nothere.test secret.example.com)
	run both "static:anything"
	assert_success
	assert_output $'example.com\t0\nnothere.test\t0\nsecret.example.com\t4'
}

@test "tables: a UTF-8 key matches its xn-- form and upper-case UTF-8, an xn-- key matches UTF-8 (one canonical name; Postfix denies: deliberate)" {
	for type in texthash hash; do
		spec=$(table $type)
		pf_conf "$A" "fast_flush_domains = $spec"
		rm -rf "$PF_BASE/b"
		B=$(pf_clone "$A" b)
		for site in xn--bcher-kva.example BÜCHER.example münchen.example; do
			run pf_request "$A" add site "$site" queue_id ABC123
			assert_output 'protocol|queue_flush_protocol||status|4||'
			run ff_request "$B" add site "$site" queue_id ABC123
			assert_output 'protocol|queue_flush_protocol||status|0||'
		done
		run cat "$B/q/flush/xn__bcher_kva_example"
		assert_output $'ABC123\nABC123'
		run cat "$B/q/flush/xn__mnchen_3ya_example"
		assert_output ABC123
	done
}

@test "tables: address literal listed in a table: Postfix denies it, fastflush serves it (deliberate)" {
	printf '[192.0.2.1] OK\n' > "$A/cfg/lit"
	postmap -c "$A/cfg" "hash:$A/cfg/lit"
	pf_conf "$A" "fast_flush_domains = hash:$A/cfg/lit"
	B=$(pf_clone "$A" b)
	run pf_request "$A" add site '[192.0.2.1]' queue_id ABC123
	assert_output 'protocol|queue_flush_protocol||status|4||'
	run ff_request "$B" add site '[192.0.2.1]' queue_id ABC123
	assert_output 'protocol|queue_flush_protocol||status|0||'
	run cat "$B/q/flush/_192_0_2_1_"
	assert_output ABC123
}

@test "tables: the decision is made on the canonical name: U+FF53 and U+017F spellings of an excluded site are denied (Postfix lets them through: deliberate)" {
	pf_conf "$A" "fast_flush_domains = !secret.example.com, example.com"
	B=$(pf_clone "$A" b)
	for site in 'ｓecret.example.com' 'ſecret.example.com'; do
		run pf_request "$A" add site "$site" queue_id ABC123
		assert_output 'protocol|queue_flush_protocol||status|0||'
		run ff_request "$B" add site "$site" queue_id ABC123
		assert_output 'protocol|queue_flush_protocol||status|4||'
	done
	# Postfix logged them under the canonical name it does not decide on
	assert_file_exists "$A/q/flush/secret_example_com"
	assert_file_not_exists "$B/q/flush/secret_example_com"
}
