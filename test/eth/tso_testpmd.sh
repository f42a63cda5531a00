#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TSO and checksum offloads of mode=eth driven by stock dpdk-testpmd's
# csum forwarding engine, as a DPDK user would: on host1 testpmd forwards
# from a net_pcap port (rx_pcap: four 64 KiB TCP/IPv4 frames, checksums
# zero, read into multi-segment mbufs) to the net_ipoib port with
# `csum set ip hw`, `csum set tcp hw` and `tso set $MSS`; testpmd
# icmpecho on host2 answers ARP. The peer's MAC is learnt first: io
# forwarding sends an ARP request from the pcap port, testpmd's verbose
# dump shows the reply's source MAC, which becomes the csum engine's
# `set eth-peer` (--no-flush-rx: the pcap is read by forwarding, not
# flushed at start). The soft HCA segments and checksums; tshark checks the
# captured wire (tcp_wire.py, shared with tso.sh). IPOIB_TEST_NO_TSO=1
# leaves `tso set` out: the frames then exceed the MTU, the PMD drops
# and counts them (tx_oversized) and the test fails.
# Runs under test/with-fabric --capture.
set -u
. "$(dirname "$0")/testpmd_wait.sh"
TESTPMD=${IPOIB_TESTPMD:-/usr/bin/dpdk-testpmd}
LIB=$(realpath "$1")
CAP=$2
MSS=${IPOIB_TEST_MSS:-1400}
FD="$IPOIB_FABRIC_DIR"
TOOL="$IPOIB_FABRIC_TOOL"
HERE=$(dirname "$0")
WORK=$(mktemp -d "$FD/tsotp.XXXX")
PCAPGEN="$HERE/tso_pcap.py"
LOG="$WORK/tp1.log"

# wait (at most $2 tenths of a second) until the log matches $1
wait_log() {
	local i
	for ((i = 0; i < $2; i++)); do
		grep -Eq "$1" "$LOG" && return 0
		sleep 0.1
	done
	return 1
}

# the last TX-packets that "show port stats" printed
tx_packets() {
	sed -En 's/^ *TX-packets: +([0-9]+) +TX-errors.*/\1/p' "$LOG" | tail -1
}

# host2's testpmd reads its commands from a fifo (fd 4) and logs
# line-buffered: it answers from when its log shows the start until
# host1 is done
mkfifo "$WORK/cmd2"
timeout 90 "$TOOL" run --dir "$FD" host2 -- stdbuf -oL "$TESTPMD" \
	--no-huge -m 512 --no-pci --file-prefix "tt2$$" --lcores '0@0,1@1' \
	-d "$LIB" --vdev net_ipoib0 -- -i \
	--total-num-mbufs=16384 --forward-mode=icmpecho \
	< "$WORK/cmd2" > "$WORK/tp2.log" 2>&1 &
PT2=$!
exec 4<> "$WORK/cmd2"
echo "set promisc all off" >&4
echo start >&4
# host2 forwards (at most 30 s)
wait_for_log "$WORK/tp2.log" "icmpecho packet forwarding - ports=" $PT2
/usr/bin/python3 "$PCAPGEN" empty "$WORK/in.pcap" || exit 1
mkfifo "$WORK/cmd"
# line-buffered: the script reads the log while testpmd runs
timeout 80 "$TOOL" run --dir "$FD" host1 -- stdbuf -oL "$TESTPMD" \
	--no-huge -m 1024 --no-pci --file-prefix "tt1$$" --lcores '0@1,1@0' \
	-d "$LIB" \
	--vdev "net_pcap0,rx_pcap=$WORK/in.pcap,tx_pcap=$WORK/out.pcap" \
	--vdev net_ipoib0 -- -i --total-num-mbufs=16384 --no-flush-rx \
	--forward-mode=io < "$WORK/cmd" > "$LOG" 2>&1 &
PT1=$!
exec 3> "$WORK/cmd"
fail() {
	echo "FAIL: $*"
	echo stop >&3
	echo "show port xstats all" >&3
	sleep 1
	echo quit >&3
	exec 3>&-
	wait $PT1
	echo "--- testpmd host1"
	grep -Ev '^ *[a-z_0-9]+: +0$' "$LOG" | tail -150
	echo quit >&4
	exec 4>&-
	wait $PT2
	exit 1
}
# both ports configured (the commands wait in the fifo for the prompt)
for ((i = 0; i < 300; i++)); do
	[ "$(grep -Ec "^Port [0-9]+: [0-9A-F]{2}:[0-9A-F:]{14}$" "$LOG")" -ge 2 ] &&
		break
	sleep 0.1
done
[ $i -lt 300 ] || fail "host1 testpmd has no prompt"
# the ports as they come: net_pcap's MAC spells "pcap"
PP=$(sed -En 's/^Port ([0-9]+): 02:70:63:61:70:.*/\1/p' "$LOG" | head -1)
read -r IP OWN < <(sed -En 's/^Port ([0-9]+): ([0-9A-Fa-f:]{17})$/\1 \2/p' \
	"$LOG" | grep -v "^$PP " | head -1)
[ -n "$PP" ] && [ -n "${IP:-}" ] || fail "ports not found"
echo "pcap port $PP, net_ipoib port $IP (MAC $OWN)"
# the offloads first: the ipoib port is not stopped after the peer is learnt
echo "port stop $IP" >&3
echo "csum set ip hw $IP" >&3
echo "csum set tcp hw $IP" >&3
[ "${IPOIB_TEST_NO_TSO:-0}" = 1 ] || echo "tso set $MSS $IP" >&3
echo "port start $IP" >&3
echo "show port $IP tx_offload configuration" >&3
# learn the peer: an ARP request for 10.9.0.2 by io forwarding
/usr/bin/python3 "$PCAPGEN" arp "$WORK/in.pcap" "$OWN" || fail "pcap"
# (a port start reads the pcap again: one request a try, as eth_peer
# repeats its own until answered)
echo "set verbose 1" >&3
for ((try = 0; try < 10; try++)); do
	echo "port stop $PP" >&3
	echo "port start $PP" >&3
	echo "start" >&3
	wait_log "src=02:.* - dst=$OWN .*type=0x0806" 10 && break
	echo "stop" >&3
done
[ $try -lt 10 ] || fail "no ARP reply"
echo "stop" >&3
PEER=$(grep -E "src=02:.* - dst=$OWN .*type=0x0806" "$LOG" | head -1 |
	sed -E 's/.*src=([0-9A-Fa-f:]{17}).*/\1/')
[ -n "$PEER" ] || fail "no peer MAC in the ARP reply"
echo "peer MAC $PEER"
# the stream through the csum engine
/usr/bin/python3 "$PCAPGEN" tcp "$WORK/in.pcap" "$OWN" "$WORK/stream.bin" ||
	fail "pcap"
echo "set verbose 0" >&3
echo "port stop $PP" >&3
echo "port start $PP" >&3
echo "set eth-peer $IP $PEER" >&3
echo "set fwd csum" >&3
# the ipoib port's TX-packets before and while forwarding: until it has
# taken the 4 frames (at most 10 s)
echo "show port stats $IP" >&3
wait_log "TX-packets: +[0-9]+ +TX-errors" 50 || fail "no port stats"
TX0=$(tx_packets)
echo "start" >&3
for ((i = 0; i < 50; i++)); do
	echo "show port stats $IP" >&3
	sleep 0.2
	[ "$(tx_packets)" -ge $((TX0 + 4)) ] && break
done
echo "stop" >&3
echo "show port xstats $IP" >&3
sleep 1
echo quit >&3
exec 3>&-
wait $PT1
RT1=$?
echo stop >&4
echo quit >&4
exec 4>&-
wait $PT2
RT2=$?
echo "--- testpmd host1"; grep -Ev '^ *[a-z_0-9]+: +0$' "$LOG" | tail -80
echo "testpmd rc host1 $RT1, host2 $RT2"
[ $RT1 -eq 0 ] && [ $RT2 -eq 0 ] || exit 1
grep -Eq "^tx_offload_tso: +4$" "$LOG" ||
	{ echo "FAIL: the PMD did not post 4 TSO sends"; exit 1; }
"$IPOIB_BUILD/app/hcasim/hcasim" --status --socket "$FD/hcasim.sock" \
	> "$WORK/status.json"
[ -n "$CAP" ] && [ -s "$CAP" ] || { echo "no capture"; exit 1; }
PYTHONPATH="$HERE" /usr/bin/python3 - "$CAP" "$WORK/tcp.txt" \
	"$WORK/stream.bin" "$MSS" "$WORK/status.json" <<'PY' || exit 1
import sys
import tcp_wire
rows = tcp_wire.read_ipv4(sys.argv[1], 5001, sys.argv[2])
stream = open(sys.argv[3], 'rb').read()
mss = int(sys.argv[4])
mtu = tcp_wire.wire_mtu(sys.argv[5])
print('--- TCP on the wire: %d datagrams' % len(rows))
sends = tcp_wire.check_ipv4(rows, stream, mss, mtu, 0x10000000,
                            [65480 * k for k in range(1, 5)])
assert sends == 4, ('sends seen', sends)
print('wire TCP ok: %d datagrams, %d bytes, %d sends by testpmd csum, '
      'MTU %d, MSS %d' % (len(rows), len(stream), sends, mtu, mss))
PY
