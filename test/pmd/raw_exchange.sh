#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Two raw-mode processes on two hosts of one fabric exchange traffic
# (test/pmd/ipoib_raw_peer.c); host1 also proves the drop paths.
# Runs under test/with-fabric (IPOIB_FABRIC_DIR, IPOIB_FABRIC_TOOL).
# IPOIB_TEST_SA=inband gives both ports sa=inband (the SA in band, QP 1
# relayed by the soft HCA): the apps check the port's SA xstats, and the
# soft HCA's QP 1 relay must have answered (with umad: carried nothing).
set -u
APP=$1
LIB=$2
WORK=$(mktemp -d "$IPOIB_FABRIC_DIR/raw.XXXX")
# the app links the PMD (for rte_pmd_ipoib.h): no -d needed
SA=${IPOIB_TEST_SA:-umad}
export IPOIB_TEST_SA=$SA
EAL="--no-huge -m 512 --no-pci --vdev net_ipoib0,mode=raw,sa=$SA"
: "$LIB"
run() { # host role lcores extra
	timeout 120 "$IPOIB_FABRIC_TOOL" run --dir "$IPOIB_FABRIC_DIR" "$1" -- \
		"$APP" $EAL --file-prefix "raw$$$2" --lcores "$3" -- \
		"$2" "$WORK" ${4:-}
}
run host1 a '0@0' drops > "$WORK/a.log" 2>&1 &
PA=$!
run host2 b '0@1' > "$WORK/b.log" 2>&1 &
PB=$!
wait $PA; RA=$?
wait $PB; RB=$?
echo "--- host1 (rc $RA)"; cat "$WORK/a.log"
echo "--- host2 (rc $RB)"; cat "$WORK/b.log"
# the soft HCA's QP 1 relay: used in band only
GSI=$("$IPOIB_BUILD/app/hcasim/hcasim" --status \
	--socket "$IPOIB_FABRIC_DIR/hcasim.sock" | python3 -c '
import json, sys
g = json.load(sys.stdin)["gsi"]
print(g["answered"], g["relayed"])')
echo "--- QP 1 relay (answered, relayed): $GSI (sa=$SA)"
read -r ANSWERED RELAYED <<< "$GSI"
if [ "$SA" = inband ]; then
	[ "${ANSWERED:-0}" -gt 0 ] || { echo "FAIL: QP 1 relay unused"; exit 1; }
else
	[ "${RELAYED:-1}" -eq 0 ] || { echo "FAIL: QP 1 relay used"; exit 1; }
fi
[ $RA -eq 0 ] && [ $RB -eq 0 ]
