#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# test/with-fabric: gives CMD a running fabric, passes its exit code, stops
# the fabric afterwards (dir removed on success, kept on failure), and
# stops it too when the fixture itself gets SIGTERM; two fixtures run in
# parallel.
. "$(dirname "$0")/lib.sh"

new_dir
T=$NEW_DIR
export TMPDIR=$T

# The command records its fabric dir and pids, then succeeds.
"$WITH_FABRIC" --hosts 2 --no-hcasim -- sh -c \
	'echo "$IPOIB_FABRIC_DIR" > "$0/dir1"; cat "$IPOIB_FABRIC_DIR"/*.pid > "$0/pids1";
	 "$IPOIB_FABRIC_TOOL" status --dir "$IPOIB_FABRIC_DIR" >/dev/null' "$T" ||
	fail "fixture with a succeeding command failed"
d=$(cat "$T/dir1")
[ -n "$d" ] && [ ! -e "$d" ] || fail "fabric dir $d not removed"
for p in $(cat "$T/pids1"); do
	pid_is_alive "$p" && fail "pid $p survived the fixture"
done
pass "success: exit 0, fabric stopped, dir removed"

"$WITH_FABRIC" --no-hcasim -- sh -c \
	'echo "$IPOIB_FABRIC_DIR" > "$0/dir2"; exit 3' "$T" 2>"$T/err2"
rc=$?
[ "$rc" = 3 ] || fail "fixture exit $rc, expected the command's 3"
d=$(cat "$T/dir2")
[ -d "$d" ] || fail "dir of a failed command not kept"
grep -q "logs kept in $d" "$T/err2" || fail "no 'logs kept' message"
[ -z "$(procs_of_dir "$d")" ] || fail "processes left after failed command"
pass "failure: exit code passed, fabric stopped, logs kept"

"$WITH_FABRIC" --no-hcasim -- sh -c \
	'echo "$IPOIB_FABRIC_DIR" > "$0/dir3"; exec sleep 60' "$T" &
fixture=$!
for _ in $(seq 100); do
	[ -s "$T/dir3" ] && break
	sleep 0.1
done
d=$(cat "$T/dir3") || fail "fixture did not start its command"
pids=$(fabric_pids "$d")
kill -TERM "$fixture"
wait "$fixture"
rc=$?
[ "$rc" = 143 ] || fail "fixture exit $rc after SIGTERM, expected 143"
for p in $pids; do
	pid_is_alive "$p" && fail "pid $p survived SIGTERM of the fixture"
done
[ -z "$(procs_of_dir "$d")" ] || fail "processes left after SIGTERM"
pass "SIGTERM: fabric stopped"

for i in 1 2 3; do
	"$WITH_FABRIC" --hosts "$i" --no-hcasim -- sh -c \
		'"$IPOIB_FABRIC_TOOL" status --dir "$IPOIB_FABRIC_DIR" --json > "$0"' \
		"$T/par$i.json" &
done
for i in 1 2 3; do
	wait -n || fail "a parallel fixture failed"
done
for i in 1 2 3; do
	[ "$(json_get "$T/par$i.json" 'sum(1 for h in s["hosts"] for p in h["ports"] if p["state"] == "Active")')" = "$i" ] ||
		fail "parallel fixture $i: wrong number of active ports"
done
pass "three fixtures in parallel, each with its own fabric"
