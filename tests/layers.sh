#!/bin/sh
# tests/layers.sh - the library's modules call each other without a cycle
#
#	tests/layers.sh [BUILD_DIR]
#
# Reads the call graph off the built objects (BUILD_DIR/lib/*.o, default
# build): module A calls module B when A.o uses a symbol B.o defines. The
# graph must be a partial order (tsort(1) finds no loop), so that each
# module can be read, tested and replaced with only the ones below it in
# mind. Prints every loop found and exits 1.
#
# Known and left for later (issue 15): the table dispatcher (table.c)
# names every driver and the drivers use its helpers, and composite tables
# (unionmap, pipemap) open tables through it; modules named table* are
# checked among themselves only once that is split.
set -eu
dir=${1:-build}/lib
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ls "$dir"/*.o >/dev/null 2>&1 || { echo "layers: no objects in $dir (make first)" >&2; exit 2; }
for o in "$dir"/*.o; do
	m=$(basename "$o" .o)
	nm -g --defined-only "$o" | awk -v m="$m" 'NF == 3 && $2 ~ /[TDBRV]/ { print $3, m }'
done | sort > "$tmp/defs"
for o in "$dir"/*.o; do
	m=$(basename "$o" .o)
	nm -u "$o" | awk -v m="$m" '{ print $NF, m }'
done | sort > "$tmp/uses"
# "caller callee" pairs, the table family left out (see above)
join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 && !($2 ~ /^table/ && $3 ~ /^table/) { print $2, $3 }' |
	sort -u > "$tmp/edges"
if ! tsort "$tmp/edges" > /dev/null 2> "$tmp/loops"; then
	echo "layers: modules that call each other in a loop (caller first):" >&2
	grep -v 'input contains a loop' "$tmp/loops" | sed 's/^tsort: /  /' >&2
	exit 1
fi
echo "layers: $(wc -l < "$tmp/edges") calls between $(cut -d' ' -f1,2 "$tmp/edges" | tr ' ' '\n' | sort -u | wc -l) modules, no loop"
