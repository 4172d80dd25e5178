#!/bin/sh
# tests/layers.sh - the library's layers, and modules that call each other
#
#	tests/layers.sh [BUILD_DIR]
#
# lib/ is in layers, bottom to top: util, postfix, then flush and scache
# side by side, then server (lib/*/README says what each holds). Three rules:
#
# 1. A file in lib/LAYER/ includes only headers of its own layer or of
#    one below it ("util/map.h" from postfix/ is fine, "flush/flush.h"
#    from scache/ or postfix/ is not). Read from the sources.
# 2. Modules never call each other in a loop: module A calls module B
#    when A.o uses a symbol B.o defines (read from BUILD_DIR/lib/*/*.o,
#    default build), and tsort(1) must find no loop in that graph, so
#    that each module can be read, tested and replaced with only those
#    below it in mind.
# 3. Commands (cmd/) include no internal header (*_int.h, not installed):
#    they use the library as any installed program would.
#
# Prints every violation and exits 1; exits 2 when nothing is built.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
rank() {
	case $1 in
	util) echo 1 ;; postfix) echo 2 ;; flush | scache) echo 3 ;; server) echo 4 ;;
	*) echo 0 ;;
	esac
}
bad=0
for f in lib/*/*.[ch]; do
	layer=${f#lib/}
	layer=${layer%%/*}
	mine=$(rank "$layer")
	[ "$mine" -gt 0 ] || { echo "layers: $f: $layer is not a known layer" >&2; bad=1; continue; }
	# an include names no spaces: word splitting is what is wanted
	# shellcheck disable=SC2013
	for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		case $h in
		*/*) l=${h%%/*} ;;
		*) echo "layers: $f includes \"$h\": name its layer (\"util/$h\", ...)" >&2
		   bad=1; continue ;;
		esac
		r=$(rank "$l")
		if [ "$r" -eq 0 ] || [ "$r" -gt "$mine" ] || { [ "$r" -eq "$mine" ] && [ "$l" != "$layer" ]; }; then
			echo "layers: $f ($layer) includes \"$h\" ($l): not its layer or one below" >&2
			bad=1
		fi
	done
done

# commands use the library as an installed program would: no _int.h
for f in cmd/*.c cmd/*/*.c; do
	[ -e "$f" ] || continue
	if grep -n '^#include ".*_int\.h"' "$f" >&2; then
		echo "layers: $f includes an internal header (not installed)" >&2
		bad=1
	fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ls "$build"/lib/*/*.o >/dev/null 2>&1 || { echo "layers: no objects in $build/lib (make first)" >&2; exit 2; }
for o in "$build"/lib/*/*.o; do
	m=$(basename "$o" .o)
	nm -g --defined-only "$o" | awk -v m="$m" 'NF == 3 && $2 ~ /[TDBRV]/ { print $3, m }'
done | sort > "$tmp/defs"
for o in "$build"/lib/*/*.o; do
	m=$(basename "$o" .o)
	nm -u "$o" | awk -v m="$m" '{ print $NF, m }'
done | sort > "$tmp/uses"
# "caller callee" pairs
join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 { print $2, $3 }' |
	sort -u > "$tmp/edges"
if ! tsort "$tmp/edges" > /dev/null 2> "$tmp/loops"; then
	echo "layers: modules that call each other in a loop (caller first):" >&2
	grep -v 'input contains a loop' "$tmp/loops" | sed 's/^tsort: /  /' >&2
	bad=1
fi
[ "$bad" -eq 0 ] || exit 1
echo "layers: $(find lib -mindepth 2 -name '*.[ch]' | wc -l) files in their layers; $(wc -l < "$tmp/edges") calls between modules, no loop"
