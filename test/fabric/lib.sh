# SPDX-License-Identifier: BSD-3-Clause
# Helpers for the 'fabric' suite: sourced by every test script there.
# Each test starts its fabrics in private directories (new_dir) and the
# EXIT trap stops them all, also when the test fails or is killed.

set -u
SRC=${IPOIB_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
FABRIC=$SRC/usertools/ipoib-fabric
WITH_FABRIC=$SRC/test/with-fabric
TEST_DIRS=()
NEW_DIR=

# fail MESSAGE: report a failed check and end the test.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# pass MESSAGE: report a passed check.
pass() {
	echo "ok: $*"
}

# new_dir: make a private fabric directory in NEW_DIR, stopped at exit.
new_dir() {
	NEW_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ipoib-fabric-test.XXXXXX") ||
		fail "mktemp"
	TEST_DIRS+=("$NEW_DIR")
}

# cleanup: stop every fabric of this test; keep the dirs of a failed test.
cleanup() {
	local rc=$? d
	for d in "${TEST_DIRS[@]}"; do
		"$FABRIC" stop --dir "$d" >/dev/null 2>&1
		if [ "$rc" -eq 0 ]; then
			rm -rf "$d"
		else
			echo "fabric dir kept: $d" >&2
		fi
	done
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# pid_is_alive PID: true when PID runs (a zombie is dead).
pid_is_alive() {
	local state
	state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# procs_of_dir DIR: print the pids of live processes naming DIR in argv.
procs_of_dir() {
	local p cmd
	for p in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
		case "$cmd" in
		*"$1/"*|*"$1 "*)
			pid_is_alive "${p#/proc/}" && echo "${p#/proc/}" ;;
		esac
	done
}

# fabric_pids DIR: print the pids recorded in DIR's pid files.
fabric_pids() {
	cat "$1"/*.pid 2>/dev/null
}

# start_fabric DIR ARGS...: start a fabric or fail the test.
start_fabric() {
	local dir=$1
	shift
	"$FABRIC" start --dir "$dir" "$@" || fail "start --dir $dir $*"
}

# json_get FILE EXPR: evaluate a Python expression on the JSON in FILE
# (bound to s) and print the result.
json_get() {
	/usr/bin/python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
