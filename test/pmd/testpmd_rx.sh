#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The stock dpdk-testpmd loads the PMD with -d on host1 ("--vdev
# net_ipoib0,mode=raw", rxonly) and counts the broadcasts that
# test/pmd/ipoib_raw_peer sends from host2; host1's own testpmd must also
# come up with "--vdev net_ipoib0" alone (default mode) on a second run.
# Runs under test/with-fabric.
set -u
# the stock testpmd (a sanitized build wraps it: test/sanitizers)
TESTPMD=${IPOIB_TESTPMD:-/usr/bin/dpdk-testpmd}
APP=$1
LIB=$(realpath "$2")
WORK=$(mktemp -d "$IPOIB_FABRIC_DIR/tp.XXXX")
TOOL="$IPOIB_FABRIC_TOOL"
FD="$IPOIB_FABRIC_DIR"
testpmd() { # host vdev seconds
	(echo start; sleep "$3"; echo stop; echo "show port stats 0"; echo "show port xstats 0";
	 sleep 1; echo quit) |
	timeout 60 "$TOOL" run --dir "$FD" "$1" -- "$TESTPMD" \
		--no-huge -m 512 --no-pci --file-prefix "tp$$$1" --lcores '0@0,1@1' \
		-d "$LIB" --vdev "$2" -- -i --total-num-mbufs=16384 \
		--forward-mode=rxonly
}
testpmd host1 net_ipoib0,mode=raw 9 > "$WORK/tp.log" 2>&1 &
PT=$!
sleep 3
timeout 60 "$TOOL" run --dir "$FD" host2 -- "$APP" --no-huge -m 512 \
	--no-pci --file-prefix "tpb$$" --lcores '0@1' \
	--vdev net_ipoib0,mode=raw -- bcast 4 > "$WORK/b.log" 2>&1
RB=$?
wait $PT
RT=$?
cat "$WORK/b.log"; cat "$WORK/tp.log"
RX=$(sed -n 's/.*RX-packets: *\([0-9]*\).*/\1/p' "$WORK/tp.log" | head -1)
echo "testpmd rc $RT, received ${RX:-none}; sender rc $RB"
[ $RB -eq 0 ] && [ $RT -eq 0 ] && [ "${RX:-0}" -gt 0 ] || exit 1
# default devargs alone must come up too
testpmd host1 net_ipoib0 3 > "$WORK/tp2.log" 2>&1
RT2=$?
grep -q "Link status: up\|Port 0: link state change event\|started: LID" \
	"$WORK/tp2.log"
RL=$?
tail -5 "$WORK/tp2.log"
echo "default devargs: rc $RT2 link $RL"
[ $RT2 -eq 0 ] && grep -q "RX-packets" "$WORK/tp2.log"
