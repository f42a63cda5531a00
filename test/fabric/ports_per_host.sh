#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# --ports-per-host 2: every host has two ACTIVE ports, each with its own
# LID and port GUID (node GUID + port number).
. "$(dirname "$0")/lib.sh"

new_dir
D=$NEW_DIR
start_fabric "$D" --hosts 3 --ports-per-host 2 --no-hcasim
"$FABRIC" status --dir "$D" --json >"$D/st.json" || fail "status"
n=$(json_get "$D/st.json" 'sum(1 for h in s["hosts"] for p in h["ports"] if p["state"] == "Active" and p["lid"] > 0)')
[ "$n" = 6 ] || fail "$n active ports, expected 6"
n=$(json_get "$D/st.json" 'len(set(p["lid"] for h in s["hosts"] for p in h["ports"]))')
[ "$n" = 6 ] || fail "$n distinct LIDs, expected 6"
ok=$(json_get "$D/st.json" 'all(int(p["guid"], 16) == int(h["node_guid"], 16) + p["port"] for h in s["hosts"] for p in h["ports"])')
[ "$ok" = True ] || fail "port GUIDs are not node GUID + port"
pass "3 hosts x 2 active ports"
