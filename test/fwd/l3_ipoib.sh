#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ipoib-fwd in l3 mode as a gateway on host3 of a simulated fabric: its
# IPoIB port (net_ipoib0, mode=eth) carries two subnets (a router on a
# stick between host1 and host2), its net_memif port an Ethernet subnet.
# host1 (source) sends over IPoIB to host2 (IPoIB, another subnet) and to
# the Ethernet sink, IPv4 and IPv6; the sinks check every packet
# (addresses, TTL/hop limit 63, IP and UDP checksums, payload). ARP/ND
# resolve on both sides; TTL 1 -> time exceeded; unrouted -> unreachable;
# malformed packets are dropped and counted.
# Runs under test/with-fabric --hosts 3. A third argument gives the
# forwarder's --lcores (several: RSS queues, one per lcore).
set -u
FWD=$(readlink -f "$1")
HOST=$(readlink -f "$2")
FWD_LCORES=${3:-${FWD_LCORES:-0}}   # the forwarder's lcores
N=${FWD_L3_PACKETS:-100}
. "$(dirname "$0")/lib.sh"
fwd_tmpdir l3i
chmod 755 "$T"
cd "$T" || exit 1
RUN="$IPOIB_FABRIC_TOOL run --dir $IPOIB_FABRIC_DIR"
EAL="--no-huge -m 512 --no-pci --log-level lib.eal:error -l 0"

cat > "$T/fwd.conf" <<CONF
mode l3
# port 0: IPoIB, two subnets (host1 and host2)
addr 0 192.0.2.1/24
addr 0 2001:db8:1::1/64
addr 0 198.51.100.1/24
addr 0 2001:db8:2::1/64
# port 1: Ethernet (memif)
addr 1 203.0.113.1/24
addr 1 2001:db8:3::1/64
CONF

fwd_start "$T/fwd.log" timeout 200 $RUN host3 -- "$FWD" ${EAL% -l 0} \
	--lcores "$FWD_LCORES" --file-prefix "l3i$$f" --vdev net_ipoib0 \
	--vdev "net_memif0,role=server,socket=$T/m.sock" -- \
	--config "$T/fwd.conf" --stats-json "$T/fwd.json" --duration 180 \
	--link-timeout 0
wait_file "$T/fwd.json" 60 $FWD_PID || { show "$T/fwd.log"; fail "forwarder"; }

SINKOPT="--expect-src 192.0.2.2 --expect-src6 2001:db8:1::2 --count $N
	--timeout 90 --hold $T/release"
timeout 150 $RUN host2 -- "$HOST" $EAL --file-prefix "l3i$$b" \
	--vdev net_ipoib0 -- sink --ip 198.51.100.2 --gw 198.51.100.1 \
	--ip6 2001:db8:2::2 --gw6 2001:db8:2::1 $SINKOPT \
	--ready "$T/ib.ready" > "$T/sink-ib.log" 2>&1 &
SIB=$!
timeout 150 "$HOST" $EAL --file-prefix "l3i$$e" \
	--vdev "net_memif0,role=client,socket=$T/m.sock" -- sink \
	--ip 203.0.113.2 --gw 203.0.113.1 --ip6 2001:db8:3::2 \
	--gw6 2001:db8:3::1 $SINKOPT --ready "$T/eth.ready" \
	> "$T/sink-eth.log" 2>&1 &
SETH=$!
PIDS="$PIDS $SIB $SETH"
wait_file "$T/ib.ready" 60 $SIB || { show "$T/sink-ib.log"; fail "sink"; }
wait_file "$T/eth.ready" 60 $SETH || { show "$T/sink-eth.log"; fail "sink"; }

timeout 150 $RUN host1 -- "$HOST" $EAL --file-prefix "l3i$$a" \
	--vdev net_ipoib0 -- source --ip 192.0.2.2 --gw 192.0.2.1 \
	--ip6 2001:db8:1::2 --gw6 2001:db8:1::1 \
	--dst 198.51.100.2 --dst 203.0.113.2 \
	--dst6 2001:db8:2::2 --dst6 2001:db8:3::2 \
	--unrouted 198.18.0.1 --unrouted6 2001:db8:99::1 \
	--count "$N" --timeout 30 --hold "$T/release" > "$T/source.log" 2>&1 &
SRC=$!
PIDS="$PIDS $SRC"
wait_line "$T/source.log" "fwd_host source: done" 150 $SRC
wait_line "$T/sink-ib.log" "fwd_host sink: done" 100 $SIB
wait_line "$T/sink-eth.log" "fwd_host sink: done" 100 $SETH
fwd_stop
touch "$T/release"
wait $SRC; RS=$?
wait $SIB; RB=$?
wait $SETH; RE=$?
show "$T/source.log" "$T/sink-ib.log" "$T/sink-eth.log" "$T/fwd.log"
[ $RS -eq 0 ] || fail "source failed ($RS)"
[ $RB -eq 0 ] || fail "IPoIB sink failed ($RB)"
[ $RE -eq 0 ] || fail "Ethernet sink failed ($RE)"
[ "$FWD_RC" -eq 0 ] || fail "forwarder exited with $FWD_RC"
json_check "$T/fwd.json" "
d['final'] is True
d['ports'][0]['kind'] == 'ipoib-eth'
d['drops']['malformed'] >= 6
d['drops']['ttl_exceeded'] >= 2
d['drops']['no_route'] >= 2
d['neighbours'] >= 4
d['ports'][0]['tx_packets'] >= 2 * $N
d['ports'][1]['tx_packets'] >= 2 * $N
d['mbufs']['available'] == d['mbufs']['pool_size']
" || fail "forwarder statistics"
if [ "$FWD_LCORES" != 0 ]; then
	# RSS spread the flows: every lcore forwarded, ARP/ND and packets
	# waiting for a next hop went through the hand-over rings
	json_check "$T/fwd.json" "
len(d['lcore_rx_packets']) >= 2
min(d['lcore_rx_packets']) > 0
" || fail "RSS across lcores"
fi
pass
