#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The stock dpdk-testpmd loads the PMD with -d on host1 ("--vdev
# net_ipoib0,mode=raw", rxonly) and counts the broadcasts that
# test/pmd/ipoib_raw_peer sends from host2; host1's own testpmd must also
# come up with "--vdev net_ipoib0" alone (default mode) on a second run
# and receive them too: each run's RX-packets must equal what was sent.
# Runs under test/with-fabric.
set -u
# the stock testpmd (a sanitized build wraps it: test/sanitizers)
TESTPMD=${IPOIB_TESTPMD:-/usr/bin/dpdk-testpmd}
APP=$1
LIB=$(realpath "$2")
WORK=$(mktemp -d "$IPOIB_FABRIC_DIR/tp.XXXX")
TOOL="$IPOIB_FABRIC_TOOL"
FD="$IPOIB_FABRIC_DIR"
# wait_for FILE PATTERN SECONDS: until FILE has PATTERN (bounded)
wait_for() {
	local i
	for i in $(seq $(($3 * 10))); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "no \"$2\" in $1 after $3 s"
	return 1
}
# round VDEV NAME: testpmd (rxonly) on host1 with VDEV, driven through a
# fifo: forwarding starts once its port is started, then host2 (mode=raw)
# sends broadcasts for 4 s, then the counters and the link are read.
# Every broadcast sent must be counted (the simulated fabric does not lose
# packets at this rate) and the link must be up.
round() {
	local vdev=$1 log=$WORK/tp-$2.log blog=$WORK/b-$2.log pt rt rb rx sent
	mkfifo "$WORK/in-$2"
	timeout 90 "$TOOL" run --dir "$FD" host1 -- "$TESTPMD" \
		--no-huge -m 512 --no-pci --file-prefix "tp$$$2" \
		--lcores '0@0,1@1' -d "$LIB" --vdev "$vdev" -- -i \
		--total-num-mbufs=16384 --forward-mode=rxonly \
		< "$WORK/in-$2" > "$log" 2>&1 &
	pt=$!
	exec 3> "$WORK/in-$2"
	# the prompt comes after the port started (broadcast group joined)
	wait_for "$log" "testpmd> " 40 && echo start >&3
	rt=$?
	if [ $rt -eq 0 ]; then
		sleep 1
		timeout 60 "$TOOL" run --dir "$FD" host2 -- "$APP" --no-huge \
			-m 512 --no-pci --file-prefix "tpb$$" --lcores '0@1' \
			--vdev net_ipoib0,mode=raw -- bcast 4 > "$blog" 2>&1
		rb=$?
		sleep 1
	fi
	printf '%s\n' stop "show port stats 0" "show port xstats 0" \
		"show port info 0" >&3
	sleep 1
	echo quit >&3
	exec 3>&-
	wait $pt || rt=1
	cat "$blog" "$log" 2>/dev/null
	[ $rt -eq 0 ] || { echo "$vdev: testpmd failed"; return 1; }
	grep -q "Link status: up" "$log" ||
		{ echo "$vdev: link not up"; return 1; }
	rx=$(sed -n 's/.*RX-packets: *\([0-9]*\).*/\1/p' "$log" | head -1)
	sent=$(sed -n 's/^bcast: sent \([0-9]*\) broadcasts.*/\1/p' "$blog")
	echo "$vdev: received ${rx:-none} of ${sent:-none} sent; sender rc $rb"
	[ $rb -eq 0 ] && [ -n "$rx" ] && [ -n "$sent" ] &&
		[ "$sent" -gt 0 ] && [ "$rx" -eq "$sent" ]
}
round net_ipoib0,mode=raw raw || exit 1
# default devargs alone (mode=eth) must come up and receive too
round net_ipoib0 default || exit 1
echo "both rounds: every broadcast received, link up"
