#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A shared library exports exactly the symbols its version map names:
# nm -D --defined-only lists them, each under the map's version node, and
# nothing else (the nodes themselves aside).
# Usage: exports.sh LIBRARY VERSION_MAP
set -u
lib=$1
map=$2
[ -r "$lib" ] || { echo "FAIL: no library $lib"; exit 1; }
[ -r "$map" ] || { echo "FAIL: no version map $map"; exit 1; }
# NODE: the version nodes the map defines
nodes=$(sed -n 's/^\([A-Z][A-Z0-9_]*\) *{.*/\1/p' "$map" | sort)
# name@@NODE for every symbol the map lists under a global: section
want=$(awk '/^[A-Z][A-Z0-9_]* *{/ { node = $1; global = 0; next }
	/global:/ { global = 1; next }
	/local:/ { global = 0; next }
	global && /^[ \t]*[A-Za-z_][A-Za-z0-9_]*;/ {
		gsub(/[ \t;]/, ""); print $0 "@@" node }' "$map" | sort)
[ -n "$want" ] || { echo "FAIL: $map lists no global symbol"; exit 1; }
dyn=$(nm -D --defined-only "$lib") || { echo "FAIL: nm $lib"; exit 1; }
have=$(echo "$dyn" | awk '$2 != "A" { print $3 }' | sort)
have_nodes=$(echo "$dyn" | awk '$2 == "A" { print $3 }' | sort)
fail=0
if [ "$have" != "$want" ]; then
	echo "FAIL: $lib exports other symbols than $map lists:"
	diff <(echo "$want") <(echo "$have") | sed -n 's/^[<>]/  &/p'
	fail=1
fi
if [ "$have_nodes" != "$nodes" ]; then
	echo "FAIL: version nodes: want [$nodes], have [$have_nodes]"
	fail=1
fi
[ $fail = 0 ] && echo "PASS: $(echo "$want" | wc -l) symbols, as $map lists"
exit $fail
