#!/usr/bin/env bats
# Differential tests: the indexed file tables hash:, btree:, lmdb: and cdb:
# (lib/postfix/table_db.c, table_lmdb.c, table_cdb.c) against Postfix 3.7's own
# lookups, on files built by Postfix's own postmap.
#
# One source file (plain and upper-case keys, leading-dot, UTF-8, address
# and IP keys, duplicates, a continued line, a key without value; values OK,
# REJECT with text, inner spaces and tabs, quotes, "0", 1000 bytes) is
# built four ways: postmap (keys folded), postmap -N (key and value stored
# with a trailing NUL), postmap -n (without) and postmap -f (keys not
# folded). For every key in a list (found, not found, case variants, the
# empty key, parent domains) "table-query TYPE:FILE KEY" must answer what
# "postmap -q KEY TYPE:FILE" answers: the same value and exit 0 when found;
# exit 1 when not found; exit 2 (ours, with a message naming the table)
# where postmap exits 1 with "postmap: fatal:". postmap -q folds the key
# to lower case (ASCII, as smtputf8_enable is off in an empty main.cf)
# unless the table was built with -f; table-query gets -f to do the same.
#
# Then: missing files, garbage and empty files, a btree file read as hash:,
# and smtputf8_enable = yes (non-UTF-8 keys and values). Rebuilds, change
# detection and lookups racing postmap are in tests/unit/table_fixed_test.c.
# Needs postmap (Debian postfix, postfix-lmdb, postfix-cdb); skipped otherwise.
bats_require_minimum_version 1.5.0

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

FF_BUILD=${FF_BUILD:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build}
PATH="$FF_BUILD/tests/tools:$PATH:/usr/sbin"

setup() {
	command -v postmap >/dev/null || skip "needs Postfix's postmap"
	command -v table-query >/dev/null || skip "needs the test tools (make tools)"
	DIR=$(mktemp -d /tmp/fftable.XXXXXX)
	: >"$DIR/main.cf"
	long=$(printf 'x%.0s' $(seq 1 1000))
	# a tab inside a value, a continued line, a key without value
	cat >"$DIR/src" <<-EOF
	# comment line
	example.com		OK
	Example.NET		REJECT go away
	.sub.example.org	text with  two spaces
	UPPER.EXAMPLE		DUNNO
	mixed.Case.example	550 5.7.1 Mixed Case
	bücher.example		OK utf8 key
	MÜNCHEN.example		wert ü
	user@example.com	DISCARD
	192.0.2.1		REJECT ip
	[192.0.2.2]		OK bracket
	quote.example		"quoted value"
	zero.example		0
	tab.example		a	b
	long.example		$long
	dup.example		first
	DUP.example		second
	cont.example		first part
	  second part
	novalue.example
	EOF
	KEYS=(example.com Example.COM EXAMPLE.COM example.net Example.NET
		.sub.example.org sub.example.org x.sub.example.org .example.org
		upper.example UPPER.EXAMPLE mixed.case.example mixed.Case.example
		bücher.example BÜCHER.example münchen.example MÜNCHEN.example
		mÜnchen.example user@example.com USER@example.com 192.0.2.1
		192.0.2 '[192.0.2.2]' quote.example zero.example tab.example
		long.example dup.example DUP.example cont.example novalue.example
		example com example.com. '' ' ' nothere.invalid)
}

teardown() {
	[ -n "${DIR:-}" ] && rm -rf "$DIR"
}

# compare MAP PMFLAGS TQFLAGS [CONFDIR] - every key of KEYS, postmap -q
# against table-query; prints each difference, fails if there was one
compare() {
	local map=$1 pmflags=$2 tqflags=$3 conf=${4:-$DIR} key pm_out tq_out pm_rc tq_rc want
	local bad=0 n=0
	for key in "${KEYS[@]}"; do
		# shellcheck disable=SC2086
		pm_out=$(postmap $pmflags -c "$conf" -q "$key" "$map" 2>"$DIR/pm.err") && pm_rc=0 || pm_rc=$?
		# shellcheck disable=SC2086
		tq_out=$(table-query $tqflags -c "$conf" "$map" "$key" 2>"$DIR/tq.err") && tq_rc=0 || tq_rc=$?
		n=$((n + 1))
		if [ "$pm_rc" = 0 ]; then
			want=0
		elif grep -q 'postmap: fatal:' "$DIR/pm.err"; then
			want=2
		else
			want=1
		fi
		if [ "$tq_rc" != "$want" ] || [ "$tq_out" != "$pm_out" ]; then
			echo "key '$key': postmap exit $pm_rc '$pm_out' ($(cat "$DIR/pm.err"));" \
				"table-query exit $tq_rc '$tq_out' ($(cat "$DIR/tq.err"))"
			bad=$((bad + 1))
		elif [ "$want" = 2 ] && ! grep -qF "table-query: fatal: $map" "$DIR/tq.err"; then
			echo "key '$key': message does not name $map: $(cat "$DIR/tq.err")"
			bad=$((bad + 1))
		fi
	done
	echo "$map ($pmflags): $n keys, $bad differences"
	[ "$bad" = 0 ]
}

# differential TYPE - build the source four ways, compare every key
differential() {
	local type=$1 map="$1:$DIR/src"
	run -0 postmap -c "$DIR" "$map"
	compare "$map" "" -f
	run -0 postmap -N -c "$DIR" "$map"
	compare "$map" "" -f
	run -0 postmap -n -c "$DIR" "$map"
	compare "$map" "" -f
	run -0 postmap -f -c "$DIR" "$map"
	compare "$map" -f ""
	run -0 postmap -N -f -c "$DIR" "$map"
	compare "$map" -f ""
	# the file really holds what postmap -N and -n mean (cdb: readable as is)
	if [ "$type" = cdb ]; then
		run -0 postmap -N -c "$DIR" "$map"
		tr '\0' @ <"$DIR/src.cdb" | grep -q 'example.com@OK@'
		run -0 postmap -n -c "$DIR" "$map"
		tr '\0' @ <"$DIR/src.cdb" | grep -q 'example.comOK'
		! tr '\0' @ <"$DIR/src.cdb" | grep -q 'example.com@'
	fi
}

@test "hash: lookups answer as postmap -q (postmap, -N, -n, -f builds)" {
	differential hash
}

@test "btree: lookups answer as postmap -q (postmap, -N, -n, -f builds)" {
	differential btree
}

@test "lmdb: lookups answer as postmap -q (postmap, -N, -n, -f builds)" {
	differential lmdb
}

@test "cdb: lookups answer as postmap -q (postmap, -N, -n, -f builds)" {
	differential cdb
}

# broken TYPE FILE WHAT... - postmap -q fails (exit 1, fatal; it sleeps a
# second first) and so do we (exit 2, naming the table and each WHAT)
broken() {
	local map="$1:$DIR/$2" what
	shift 2
	run -1 --separate-stderr postmap -c "$DIR" -q example.com "$map"
	assert_output ''
	[[ "$stderr" == *"postmap: fatal:"* ]]
	run -2 --separate-stderr table-query -c "$DIR" "$map" example.com
	assert_output ''
	for what in "$@"; do
		[[ "$stderr" == "table-query: fatal: $map: "*"$what"* ]]
	done
}

@test "a missing file: every type fails to open, as in Postfix" {
	for type in hash btree lmdb cdb; do
		broken "$type" nothere "open database $DIR/nothere." "No such file or directory"
	done
}

@test "garbage, short garbage and empty files fail, as in Postfix" {
	yes garbage | head -c 5000 >"$DIR/big.db"
	yes garbage | head -c 100 >"$DIR/small.db"
	: >"$DIR/empty.db"
	for f in big small empty; do
		cp "$DIR/$f.db" "$DIR/$f.lmdb"
		cp "$DIR/$f.db" "$DIR/$f.cdb"
		broken hash "$f" "open database $DIR/$f.db"
		broken btree "$f" "open database $DIR/$f.db"
		broken lmdb "$f" "open database $DIR/$f.lmdb"
	done
	# tinycdb maps any file of 2048 bytes or more; the lookup fails
	broken cdb big "error reading $DIR/big.cdb: Protocol error"
	broken cdb small "unable to init $DIR/small.cdb: Protocol error"
	broken cdb empty "unable to init $DIR/empty.cdb: Protocol error"
}

@test "a btree file read as hash: and a hash file read as btree: fail, as in Postfix" {
	run -0 postmap -c "$DIR" btree:"$DIR/src"
	broken hash src "open database $DIR/src.db"
	run -0 postmap -c "$DIR" hash:"$DIR/src"
	broken btree src "open database $DIR/src.db"
}

@test "smtputf8_enable = yes: UTF-8 keys, non-UTF-8 keys and values, as in Postfix" {
	mkdir "$DIR/u8"
	echo "smtputf8_enable = yes" >"$DIR/u8/main.cf"
	printf 'bad.example caf\xe9\n' >>"$DIR/src"
	# keys without upper-case non-ASCII letters: postmap folds those with
	# Unicode rules, table-query -f only ASCII
	KEYS=(example.com Example.COM bücher.example münchen.example bad.example $'\xff.example' $'b\xfccher.example'
		nothere.invalid)
	for type in hash btree lmdb cdb; do
		run -0 postmap -c "$DIR" "$type:$DIR/src"	# non-UTF-8 value kept
		compare "$type:$DIR/src" "" -f "$DIR/u8"
		run -0 postmap -c "$DIR/u8" "$type:$DIR/src"	# folded as UTF-8
		compare "$type:$DIR/src" "" -f "$DIR/u8"
	done
}
