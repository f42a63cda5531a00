#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Stock dpdk-testpmd in mode=eth (icmpecho) on host2; on host1 eth_peer
# sends an Ethernet ARP request and ICMP echo requests and checks the
# replies (MACs, id, seq, payload); then the tx drop paths of malformed
# ARP/ND by their xstats and oerrors, and xstats_reset zeroing them all. The wire is captured (hcasim ERF) and decoded
# by tshark: ARP with hardware type 32 and 20-byte addresses holding the
# real QPN and GID of the sender; check-erf reads the IPoIB reserved
# field (zero) from the captured bytes.
# Runs under test/with-fabric --capture. IPOIB_TEST_SA=inband gives the
# three ports sa=inband: testpmd's xstats must then say so (and show SA
# replies), and the soft HCA must have relayed QP 1 to opensm.
set -u
. "$(dirname "$0")/testpmd_wait.sh"
SA=${IPOIB_TEST_SA:-umad}
# the stock testpmd (a sanitized build wraps it: test/sanitizers)
TESTPMD=${IPOIB_TESTPMD:-/usr/bin/dpdk-testpmd}
APP=$1
LIB=$(realpath "$2")
FD="$IPOIB_FABRIC_DIR"
TOOL="$IPOIB_FABRIC_TOOL"
WORK=$(mktemp -d "$FD/ie.XXXX")
# testpmd reads its commands from a fifo and logs line-buffered: it
# forwards from when its log shows the start until host1's tools are done
mkfifo "$WORK/tp.in"
timeout 90 "$TOOL" run --dir "$FD" host2 -- stdbuf -oL "$TESTPMD" \
	--no-huge -m 512 --no-pci --file-prefix "ie2$$" --lcores '0@0,1@1' \
	-d "$LIB" --vdev "net_ipoib0,sa=$SA" --log-level pmd.net.ipoib:info -- -i \
	--total-num-mbufs=16384 --forward-mode=icmpecho \
	< "$WORK/tp.in" > "$WORK/tp.log" 2>&1 &
PT=$!
exec 3<> "$WORK/tp.in"
echo "set promisc all off" >&3
echo start >&3
# forwarding has started (at most 30 s)
wait_for_log "$WORK/tp.log" "icmpecho packet forwarding - ports=" $PT
timeout 60 "$TOOL" run --dir "$FD" host1 -- "$APP" --no-huge -m 512 \
	--no-pci --file-prefix "ie1$$" --lcores '0@1' -d "$LIB" \
	--vdev "net_ipoib0,sa=$SA" -- ping 10.9.0.1 10.9.0.2 > "$WORK/ping.log" 2>&1
RP=$?
timeout 60 "$TOOL" run --dir "$FD" host1 -- "$APP" --no-huge -m 512 \
	--no-pci --file-prefix "ie3$$" --lcores '0@1' -d "$LIB" \
	--vdev "net_ipoib0,sa=$SA" -- malformed > "$WORK/mal.log" 2>&1
RM=$?
echo stop >&3
echo "show port xstats 0" >&3
echo quit >&3
exec 3>&-
wait $PT
RT=$?
echo "--- ping"; cat "$WORK/ping.log"
echo "--- malformed"; cat "$WORK/mal.log"
echo "--- testpmd"; tail -60 "$WORK/tp.log"
echo "ping rc $RP, malformed rc $RM, testpmd rc $RT"
[ $RP -eq 0 ] && [ $RM -eq 0 ] && [ $RT -eq 0 ] || exit 1
grep -q "echo replies: 3 of 3" "$WORK/ping.log" || exit 1
# the SA transport (testpmd's xstats of its port), and the QP 1 relay
want=0; [ "$SA" = inband ] && want=1
grep -Eq "sa_transport_inband: +$want\$" "$WORK/tp.log" ||
	{ echo "FAIL: testpmd's port is not sa=$SA"; exit 1; }
grep -Eq "sa_mads_received: +[1-9]" "$WORK/tp.log" ||
	{ echo "FAIL: no SA reply counted"; exit 1; }
ANSWERED=$("$IPOIB_BUILD/app/hcasim/hcasim" --status \
	--socket "$FD/hcasim.sock" | python3 -c 'import json,sys; print(json.load(sys.stdin)["gsi"]["answered"])')
echo "QP 1 relay answered $ANSWERED (sa=$SA)"
if [ "$SA" = inband ]; then
	[ "${ANSWERED:-0}" -gt 0 ] || { echo "FAIL: QP 1 relay unused"; exit 1; }
else
	[ "${ANSWERED:-1}" -eq 0 ] || { echo "FAIL: QP 1 relay used"; exit 1; }
fi
# the wire
CAP=$3
[ -n "$CAP" ] && [ -s "$CAP" ] || { echo "no capture"; exit 1; }
tshark -r "$CAP" -Y arp -T fields -e arp.hw.type -e arp.hw.size \
	-e arp.opcode -e arp.src.hw -e arp.dst.hw -e infiniband.deth.srcqp \
	-e infiniband.grh.sgid 2>/dev/null > "$WORK/arp.txt"
echo "--- ARP on the wire"; cat "$WORK/arp.txt"
/usr/bin/python3 - "$WORK/arp.txt" <<'PY' || exit 1
import ipaddress, sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
assert rows, 'no ARP on the wire'
ops = set()
for t, size, op, sha, tha, srcqp, sgid in rows:
    assert t == '32' and size == '20', (t, size)
    b = bytes.fromhex(sha.replace(':', ''))
    assert len(b) == 20, sha
    qpn = int.from_bytes(b[1:4], 'big')
    assert qpn == int(srcqp, 16), ('QPN in ARP', hex(qpn), srcqp)
    gid = b[4:].hex()
    assert gid == ipaddress.IPv6Address(sgid).packed.hex(), (gid, sgid)
    ops.add(op)
assert {'1', '2'} <= ops, ops
print('wire ARP ok:', len(rows), 'packets')
PY
# reserved field zero on every IPoIB packet: read from the captured bytes
# by check-erf (tshark shows no IPoIB reserved field, which would read as
# zero), on the ARP exchange and the 3 echo requests and replies at least
CHECK_ERF=$4
/usr/bin/python3 "$CHECK_ERF" "$CAP" --min-count 8 --any-order \
	--expect ethertype=0x0806 --expect ethertype=0x0806 \
	--expect ethertype=0x0800 --expect ethertype=0x0800 \
	--expect ethertype=0x0800 --expect ethertype=0x0800 \
	--expect ethertype=0x0800 --expect ethertype=0x0800
