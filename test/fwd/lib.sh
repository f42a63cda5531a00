# SPDX-License-Identifier: BSD-3-Clause
# Helpers for the fwd suite's scripts (sourced). Every process started
# is stopped on exit, by pid.

PIDS=""
FWD_PID=""
FWD_RC=""
T=""

# fwd_tmpdir NAME: a private directory, removed on success.
fwd_tmpdir() {
	T=$(mktemp -d "/tmp/fwd-$1.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

cleanup() {
	local p
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	sleep 0.2
	for p in $PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	if [ -n "$T" ] && [ "${KEEP:-0}" != 1 ]; then
		rm -rf "$T"
	fi
}

fail() {
	echo "FAIL: $*"
	KEEP=1
	echo "(files kept in $T)"
	exit 1
}

pass() {
	echo "PASS"
	exit 0
}

# show FILE...: print files with a header
show() {
	local f
	for f in "$@"; do
		echo "--- $(basename "$f")"
		cat "$f" 2>/dev/null | tr -s ' ' | cut -c1-400
	done
}

# wait_file FILE SECONDS [PID]: until FILE is there (not when PID ended)
wait_file() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ -s "$1" ] && return 0
		if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
	return 1
}

# wait_line FILE PATTERN SECONDS [PID]: until FILE has a line with PATTERN
wait_line() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
	return 1
}

# fwd_start LOG CMD...: start the forwarder in the background
fwd_start() {
	local log=$1
	shift
	"$@" > "$log" 2>&1 &
	FWD_PID=$!
	PIDS="$PIDS $FWD_PID"
}

# fwd_stop: SIGINT, wait (30 s at most), FWD_RC = its exit status
fwd_stop() {
	local i
	kill -INT "$FWD_PID" 2>/dev/null
	for ((i = 0; i < 300; i++)); do
		kill -0 "$FWD_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$FWD_PID"
	FWD_RC=$?
}

# json_check FILE 'expr\nexpr...': every Python expression on d is true
json_check() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bad = 0
for e in sys.argv[2].strip().splitlines():
    e = e.strip()
    if not e:
        continue
    try:
        ok = eval(e, {"d": d})
    except Exception as x:
        ok = False
        e += " (%s)" % x
    if not ok:
        print("check failed:", e)
        bad += 1
print("drops:", d.get("drops"), "events:", d.get("events"))
sys.exit(1 if bad else 0)
PY
}
