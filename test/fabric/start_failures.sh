#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Starts that cannot succeed fail with exit 1 and a message naming what
# did not come up, and leave no process running: a malformed net file, a
# net file ibsim rejects, a timeout too short to be met, a second start in
# a directory whose fabric runs.
. "$(dirname "$0")/lib.sh"

# expect_failed_start DIR PATTERN ARGS...: start must exit 1 with a
# message matching PATTERN and leave nothing running in DIR.
expect_failed_start() {
	local dir=$1 pattern=$2 out rc
	shift 2
	out=$("$FABRIC" start --dir "$dir" "$@" 2>&1)
	rc=$?
	echo "$out"
	[ "$rc" = 1 ] || fail "start $* exited $rc, expected 1"
	echo "$out" | grep -Eq "$pattern" ||
		fail "start $*: message does not match '$pattern'"
	[ -z "$(procs_of_dir "$dir")" ] ||
		fail "start $* left processes: $(procs_of_dir "$dir")"
	ls "$dir"/*.pid >/dev/null 2>&1 && fail "start $* left pid files"
	pass "start $* failed cleanly"
}

new_dir
D=$NEW_DIR
printf 'Switch 8 "s"\n[1] "h1"[1]\nthis is not a net file\n' >"$D/bad.net"
expect_failed_start "$D" 'bad.net:3: malformed line' --net "$D/bad.net"

printf 'Switch 8 "s"\n[1] "h1"[1]\n' >"$D/nohca.net"
expect_failed_start "$D" 'defines no HCA' --net "$D/nohca.net"

# Parses, but ibsim refuses the cabling (h1 is cabled to a missing node).
printf 'Switch 8 "s"\n[1] "h1"[1]\n\nHca 1 "h1"\n[1] "nowhere"[1]\n' \
	>"$D/miscabled.net"
expect_failed_start "$D" 'ibsim exited' --net "$D/miscabled.net" \
	--timeout 10

expect_failed_start "$D" 'did not (come up|become MASTER)|not ACTIVE' \
	--hosts 2 --timeout 0.05 --no-hcasim

new_dir
E=$NEW_DIR
start_fabric "$E" --hosts 1 --no-hcasim
pids=$(fabric_pids "$E")
out=$("$FABRIC" start --dir "$E" --hosts 1 --no-hcasim 2>&1)
[ $? = 1 ] || fail "second start in a running fabric's dir did not fail"
echo "$out" | grep -q 'already runs' || fail "second start: '$out'"
for p in $pids; do
	pid_is_alive "$p" || fail "second start killed pid $p"
done
pass "second start refused, first fabric untouched"
