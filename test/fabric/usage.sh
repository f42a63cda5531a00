#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Bad command lines exit 2 with a usage message; an unknown host or a
# directory without a fabric exits 1 with a clear message.
. "$(dirname "$0")/lib.sh"

# expect RC PATTERN ARGS...: ipoib-fabric ARGS must exit RC and print
# something matching PATTERN.
expect() {
	local want=$1 pattern=$2 out rc
	shift 2
	out=$("$FABRIC" "$@" 2>&1)
	rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want: $out"
	echo "$out" | grep -Eqi -e "$pattern" ||
		fail "'$*': output does not match '$pattern': $out"
	pass "'$*' -> $rc"
}

new_dir
D=$NEW_DIR
expect 2 usage
expect 2 'usage|invalid choice' frobnicate
expect 2 'usage.*--dir|required.*--dir' start --hosts 2
expect 2 '--hosts' start --dir "$D"
expect 2 'must be 1' start --dir "$D" --hosts 0
expect 2 'not an integer' start --dir "$D" --hosts two
expect 2 'invalid choice' start --dir "$D" --hosts 2 --ports-per-host 3
expect 2 'not both' start --dir "$D" --hosts 2 --net /dev/null
expect 2 'not found' start --dir "$D" --net "$D/missing.net"
expect 2 'between 0 and 1' start --dir "$D" --hosts 2 --drop-rate 2
expect 2 'seconds|must be' start --dir "$D" --hosts 2 --timeout -1
expect 2 'do not fit' start --dir "$D" --hosts 200 --ports-per-host 2
expect 2 'usage|required' env --dir "$D"
expect 2 'usage|required' status
expect 2 'no command' run --dir "$D" host1 --
expect 1 'no fabric in' status --dir "$D"
expect 1 'no fabric in' env --dir "$D" host1
expect 0 'nothing to stop|stopped' stop --dir "$D/none"
[ -z "$(ls "$D")" ] || fail "bad command lines left files: $(ls "$D")"

start_fabric "$D" --hosts 2 --no-hcasim
expect 1 'unknown host "host7"' env --dir "$D" host7
expect 1 'unknown host' run --dir "$D" host7 -- true
