#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Checksum and TCP segmentation offloads of mode=eth, end to end: stock
# dpdk-testpmd (icmpecho: it answers ARP) on host2; on host1 eth_peer
# sends a TCP stream in 64 KiB frames with TSO (MSS $MSS) and IPv4/TCP
# checksum offloads, one frame with checksum offloads only, a TCP stream
# over IPv6 in two TSO frames, and two TSO frames the PMD must drop and
# count (an MSS the MTU cannot hold; an l3_len its header disagrees with).
# The soft HCA segments and checksums; the wire is captured (hcasim ERF)
# and read by tcp_wire.py (shared with tso_testpmd.sh) for IPv4;
# tshark checks every datagram: within the MTU, TCP payload at most
# the MSS, IP and TCP checksums good, IP ids consecutive within a send,
# sequence numbers contiguous, PSH/FIN only on a send's last segment,
# and the payload reassembles to the stream eth_peer sent.
# Runs under test/with-fabric --capture.
set -u
. "$(dirname "$0")/testpmd_wait.sh"
TESTPMD=${IPOIB_TESTPMD:-/usr/bin/dpdk-testpmd}
APP=$1
LIB=$(realpath "$2")
CAP=$3
MSS=${IPOIB_TEST_MSS:-1400}
FD="$IPOIB_FABRIC_DIR"
TOOL="$IPOIB_FABRIC_TOOL"
WORK=$(mktemp -d "$FD/tso.XXXX")
# testpmd reads its commands from a fifo and logs line-buffered: it
# answers from when its log shows the start until eth_peer is done
mkfifo "$WORK/tp.in"
timeout 60 "$TOOL" run --dir "$FD" host2 -- stdbuf -oL "$TESTPMD" \
	--no-huge -m 512 --no-pci --file-prefix "ts2$$" --lcores '0@0,1@1' \
	-d "$LIB" --vdev net_ipoib0 -- -i \
	--total-num-mbufs=16384 --forward-mode=icmpecho \
	< "$WORK/tp.in" > "$WORK/tp.log" 2>&1 &
PT=$!
exec 3<> "$WORK/tp.in"
echo "set promisc all off" >&3
echo start >&3
# forwarding has started (at most 30 s)
wait_for_log "$WORK/tp.log" "icmpecho packet forwarding - ports=" $PT
timeout 60 "$TOOL" run --dir "$FD" host1 -- "$APP" --no-huge -m 512 \
	--no-pci --file-prefix "ts1$$" --lcores '0@1' -d "$LIB" \
	--vdev net_ipoib0 -- tso 10.9.0.1 10.9.0.2 "$MSS" "$WORK/stream.bin" \
	> "$WORK/tso.log" 2>&1
RS=$?
echo stop >&3
echo quit >&3
exec 3>&-
wait $PT
RT=$?
echo "--- eth_peer"; cat "$WORK/tso.log"
echo "--- testpmd"; tail -20 "$WORK/tp.log"
echo "eth_peer rc $RS, testpmd rc $RT"
[ $RS -eq 0 ] && [ $RT -eq 0 ] || exit 1
"$IPOIB_BUILD/app/hcasim/hcasim" --status --socket "$FD/hcasim.sock" \
	> "$WORK/status.json"
[ -n "$CAP" ] && [ -s "$CAP" ] || { echo "no capture"; exit 1; }
tshark -r "$CAP" -o tcp.check_checksum:TRUE \
	-o tcp.desegment_tcp_streams:FALSE -o tcp.relative_sequence_numbers:FALSE \
	-Y "tcp.port == 5002" -T fields -e ipv6.plen -e tcp.checksum.status \
	-e tcp.seq -e tcp.len -e tcp.flags -e tcp.payload 2>/dev/null \
	> "$WORK/tcp6.txt"
PYTHONPATH="$(dirname "$0")" /usr/bin/python3 - "$WORK/tcp.txt" \
	"$WORK/stream.bin" "$MSS" "$WORK/status.json" "$WORK/tcp6.txt" \
	"$WORK/stream.bin6" "$CAP" <<'PY' || exit 1
import json, sys
import tcp_wire
rows = tcp_wire.read_ipv4(sys.argv[7], 5001, sys.argv[1])
stream = open(sys.argv[2], 'rb').read()
mss = int(sys.argv[3])
st = json.load(open(sys.argv[4]))
mtu = tcp_wire.wire_mtu(sys.argv[4])
rows6_n = sum(1 for l in open(sys.argv[5]) if l.strip())
print('--- TCP on the wire: %d datagrams, over IPv6 %d' % (len(rows), rows6_n))
for r in rows[:3]:
    print('\t'.join(r)[:100])
sends = tcp_wire.check_ipv4(rows, stream, mss, mtu, 0x10000000,
                            (65480, 65580, 131060))
assert sends == 4, ('sends seen', sends)
# the IPv6 stream: two TSO sends
rows6 = [l.rstrip('\n').split('\t') for l in open(sys.argv[5]) if l.strip()]
stream6 = open(sys.argv[6], 'rb').read()
assert rows6, 'no TCP over IPv6 on the wire'
got6 = bytearray()
for plen, tcpck, seq, tlen, flags, payload in rows6:
    plen, seq, tlen, flags = int(plen), int(seq), int(tlen), int(flags, 16)
    assert plen + 40 + 4 <= mtu, ('IPv6 datagram over the MTU', plen, mtu)
    assert plen == 20 + tlen, ('IPv6 payload length', plen, tlen)
    assert tlen <= mss, ('IPv6 segment over the MSS', tlen, mss)
    assert tcpck == '1', ('bad TCP checksum (IPv6)', seq, tcpck)
    assert seq == 0x20000000 + len(got6), ('IPv6 sequence not contiguous',
                                           hex(seq))
    got6 += bytes.fromhex(payload.replace(':', ''))
    last = len(got6) in (65460, len(stream6))
    assert bool(flags & 0x08) == last, ('IPv6 PSH', hex(seq))
    assert bool(flags & 0x01) == (len(got6) == len(stream6)), ('IPv6 FIN',
                                                              hex(seq))
assert bytes(got6) == stream6, ('IPv6 payload differs', len(got6),
                                len(stream6))
lso = sum(p['counters'].get('xmit_lso_sends', 0) for p in st['ports'])
segs = sum(p['counters'].get('xmit_lso_segments', 0) for p in st['ports'])
bad = sum(p['counters'].get('xmit_errors_offload', 0) for p in st['ports'])
assert lso == 5 and bad == 0, ('soft HCA counters', lso, segs, bad)
print('wire TCP ok: %d datagrams, %d bytes over IPv4, %d datagrams, %d '
      'bytes over IPv6, %d LSO sends -> %d segments, MTU %d, MSS %d' %
      (len(rows), len(stream), len(rows6), len(got6), lso, segs, mtu, mss))
PY
