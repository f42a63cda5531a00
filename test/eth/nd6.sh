#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# IPv6 in mode=eth: eth_peer on host2 answers neighbour solicitations and
# echoes UDP; eth_peer on host1 solicits (NS to the solicited-node group,
# a send-only join), checks the advertisement's target link-layer address
# (translated to a MAC) and exchanges UDP over IPv6 with that MAC. The
# capture must show ND link-layer options of length 3 on the wire.
# Runs under test/with-fabric --capture.
set -u
APP=$1
LIB=$(realpath "$2")
CAP=$3
FD="$IPOIB_FABRIC_DIR"
TOOL="$IPOIB_FABRIC_TOOL"
WORK=$(mktemp -d "$FD/nd.XXXX")
timeout 90 "$TOOL" run --dir "$FD" host2 -- "$APP" --no-huge -m 512 \
	--no-pci --file-prefix "nd2$$" --lcores '0@0' -d "$LIB" \
	--vdev net_ipoib0 -- responder fe80::2 60 "$WORK/stop" \
	> "$WORK/resp.log" 2>&1 &
PR=$!
# the responder's port is up once it prints its MAC (at most 30 s)
for ((i = 0; i < 300; i++)); do
	grep -q "^own MAC" "$WORK/resp.log" && break
	kill -0 $PR 2>/dev/null || break
	sleep 0.1
done
timeout 60 "$TOOL" run --dir "$FD" host1 -- "$APP" --no-huge -m 512 \
	--no-pci --file-prefix "nd1$$" --lcores '0@1' -d "$LIB" \
	--vdev net_ipoib0 -- nd6 fe80::1 fe80::2 > "$WORK/nd.log" 2>&1
RN=$?
touch "$WORK/stop"
wait $PR
RR=$?
echo "--- nd6"; cat "$WORK/nd.log"
echo "--- responder"; cat "$WORK/resp.log"
echo "nd6 rc $RN, responder rc $RR"
[ $RN -eq 0 ] && [ $RR -eq 0 ] || exit 1
grep -q "udp6 replies: 3 of 3" "$WORK/nd.log" || exit 1
tshark -r "$CAP" -Y "icmpv6.type == 135 || icmpv6.type == 136" -T fields \
	-e icmpv6.type -e icmpv6.opt.type -e icmpv6.opt.length \
	2>/dev/null > "$WORK/nd.txt"
echo "--- ND on the wire"; cat "$WORK/nd.txt"
grep -q "^135" "$WORK/nd.txt" && grep -q "^136" "$WORK/nd.txt" || exit 1
# every link-layer option on the wire is 3 units (24 bytes) long
! awk -F'\t' '{ if ($3 != "3") print "bad option length", $0 }' \
	"$WORK/nd.txt" | grep -q bad
