#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# start a 3-host fabric from a shell; status shows every host ACTIVE with a
# LID and the IPv4 broadcast group (MLID 0xc000, Q_Key 0x0b1b); stop ends
# every process of the fabric; a second stop is fine; status then fails.
. "$(dirname "$0")/lib.sh"

new_dir
D=$NEW_DIR
start_fabric "$D" --hosts 3 --no-hcasim
pass "start"

out=$("$FABRIC" status --dir "$D") || fail "status exit $?: $out"
echo "$out"
for h in host1 host2 host3; do
	echo "$out" | grep -A1 "^  $h " | grep -Eq 'LID [1-9][0-9]* +Active' ||
		fail "$h has no active port with a LID"
done
echo "$out" | grep -q '^SM: MASTER' || fail "SM not MASTER"
echo "$out" | grep -Eq 'MGID ff12:401b:ffff:0000:0000:0000:ffff:ffff +MLID 0xc000 +Q_Key 0x0b1b' ||
	fail "no broadcast group with MLID 0xc000 and Q_Key 0x0b1b"
pass "status text"

"$FABRIC" status --dir "$D" --json >"$D/st.json" || fail "status --json"
[ "$(json_get "$D/st.json" 'len(s["hosts"])')" = 3 ] || fail "json: 3 hosts"
lids=$(json_get "$D/st.json" 'sorted(p["lid"] for h in s["hosts"] for p in h["ports"] if p["state"] == "Active")')
[ "$(json_get "$D/st.json" 'len(set(p["lid"] for h in s["hosts"] for p in h["ports"] if p["lid"]))')" = 3 ] ||
	fail "json: 3 distinct LIDs, got $lids"
pass "status json: LIDs $lids"

pids=$(fabric_pids "$D")
[ "$(echo "$pids" | wc -w)" -ge 2 ] || fail "pid files: $pids"
for p in $pids; do
	pid_is_alive "$p" || fail "pid $p not running before stop"
done
"$FABRIC" stop --dir "$D" || fail "stop"
for p in $pids; do
	pid_is_alive "$p" && fail "pid $p still running after stop"
done
left=$(procs_of_dir "$D")
[ -z "$left" ] || fail "processes of the fabric left: $left"
ls "$D"/*.pid >/dev/null 2>&1 && fail "pid files left"
pass "stop ended pids $pids"

"$FABRIC" stop --dir "$D" || fail "second stop"
"$FABRIC" status --dir "$D" >/dev/null && fail "status of a stopped fabric succeeded"
pass "stop is idempotent, status of a stopped fabric fails"

# A client of a stopped simulator would hang: run refuses, quickly.
start=$(date +%s)
out=$("$FABRIC" run --dir "$D" host1 -- ibstat 2>&1)
[ $? = 1 ] && echo "$out" | grep -q 'not running' ||
	fail "run on a stopped fabric: '$out'"
[ $(($(date +%s) - start)) -lt 10 ] || fail "run on a stopped fabric was slow"
pass "run on a stopped fabric fails at once"
