#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# DPDK's own tools look at a running net_ipoib port from a secondary
# process. host1: the stock dpdk-testpmd as primary, on hugepages (a
# secondary cannot attach to --no-huge memory), "--vdev net_ipoib0"
# (mode=eth), io forwarding: every broadcast that test/pmd/ipoib_raw_peer
# sends from host2 (EtherType 0x88b5, payload "ipoib-test from bcast")
# is sent back out to the broadcast MAC. Then, with the same
# --file-prefix:
#  - dpdk-dumpcap -i net_ipoib0 -w FILE -c N writes a pcapng that
#    capinfos/tshark read: N packets, some inbound and some outbound,
#    each an Ethernet frame to ff:ff:ff:ff:ff:ff of EtherType 0x88b5
#    with the sender's payload;
#  - dpdk-proc-info -- --xstats shows the port's xstats, with
#    rx_good_packets and rx_multicast_packets non-zero.
# The stock tools load the PMD with LD_PRELOAD (dpdk-dumpcap takes no
# EAL options). Hugepages missing: FAIL (not a skip). Runs under
# test/with-fabric --hosts 2.
set -u
TESTPMD=${IPOIB_TESTPMD:-/usr/bin/dpdk-testpmd}
APP=$1
LIB=$(realpath "$2")
TOOL="$IPOIB_FABRIC_TOOL"
FD="$IPOIB_FABRIC_DIR"
WORK=$(mktemp -d "$FD/st.XXXX")
PREFIX="st$$"
NPKT=20
PIDS=()
PAYLOAD="ipoib-test from bcast"

# What the stock secondaries preload: the mempool drivers the primary
# links (Debian's testpmd links librte_mempool_dpaa, so its mempool ops
# are numbered from it, and a dumpcap without it numbers them otherwise:
# the primary then fails every copy into dumpcap's pool), then the PMD.
# A sanitized build's PMD needs the ASan runtime first (test/sanitizers),
# and LeakSanitizer would report the stock tools' own exit-time
# allocations, which are not ours.
PRELOAD="$(ldd /usr/bin/dpdk-testpmd |
	awk '/librte_mempool_/ { printf "%s ", $3 }')$LIB"
# Under ASan, the secondaries' address space (shadow, allocator, libraries
# placed otherwise) may hold what the primary's memory occupies at its
# default place: put the primary's memory where ASan leaves room.
BASE_VA=()
if [ -n "${IPOIB_ASAN_RUNTIME:-}" ]; then
	PRELOAD="$IPOIB_ASAN_RUNTIME $PRELOAD"
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
	BASE_VA=(--base-virtaddr 0x200000000000)
fi
echo "secondaries preload: $PRELOAD"

FAIL=0
check() { # description, then the test
	local what=$1
	shift
	if "$@"; then
		echo "ok: $what"
	else
		echo "FAIL: $what"
		FAIL=1
	fi
}

cleanup() {
	local p i
	[ -n "${TP_FD:-}" ] && echo quit >&"$TP_FD" 2>/dev/null
	# the primary removes its hugepage files when it quits cleanly
	for ((i = 0; i < 40 && ${#PIDS[@]} > 0; i++)); do
		kill -0 "${PIDS[0]}" 2>/dev/null || break
		sleep 0.25
	done
	for p in ${PIDS[@]+"${PIDS[@]}"}; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	# a primary that did not exit cleanly leaves its hugepage files
	# (and the pages with them) behind
	awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts | while read -r m; do
		rm -f "$m/${PREFIX}map_"*
	done
	rm -rf "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT

# wait_for FILE PATTERN SECONDS: wait until FILE matches PATTERN
wait_for() {
	local i
	for ((i = 0; i < $3 * 4; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.25
	done
	echo "timeout waiting for '$2' in $1"
	return 1
}

HP=/sys/kernel/mm/hugepages/hugepages-2048kB
FREE=$(cat "$HP/free_hugepages" 2>/dev/null || echo 0)
if [ "$FREE" -lt 128 ] || ! grep -q " hugetlbfs " /proc/mounts; then
	echo "FAIL: $FREE free 2 MB hugepages (128 needed) or no hugetlbfs" \
		"mounted: run usertools/ipoib-setup as root"
	exit 1
fi

# the primary: testpmd on hugepages, commands from a fifo
mkfifo "$WORK/tp.in"
timeout -k 5 90 "$TOOL" run --dir "$FD" host1 -- stdbuf -oL "$TESTPMD" \
	-m 128 "${BASE_VA[@]}" --no-pci --file-prefix "$PREFIX" \
	--lcores '0@0,1@1' \
	-d "$LIB" --vdev net_ipoib0 -- -i --total-num-mbufs=8192 \
	--forward-mode=io < "$WORK/tp.in" > "$WORK/tp.log" 2>&1 &
PIDS+=($!)
exec {TP_FD}>"$WORK/tp.in"
wait_for "$WORK/tp.log" '^Port 0: ' 60 || exit 1
echo "show port info 0" >&"$TP_FD"
wait_for "$WORK/tp.log" 'Link status: up' 30 || exit 1
echo start >&"$TP_FD"

# the sender: broadcasts from host2 every 20 ms
timeout -k 5 60 "$TOOL" run --dir "$FD" host2 -- "$APP" --no-huge -m 512 \
	--no-pci --file-prefix "stb$$" --lcores '0@1' \
	--vdev net_ipoib0,mode=raw -- bcast 12 > "$WORK/b.log" 2>&1 &
PIDS+=($!)
sleep 2

# dumpcap: a secondary of the primary above
timeout -k 5 30 env LD_PRELOAD="$PRELOAD" /usr/bin/dpdk-dumpcap \
	--file-prefix "$PREFIX" -i net_ipoib0 -w "$WORK/cap.pcapng" \
	-c $NPKT > "$WORK/dumpcap.log" 2>&1
RD=$?
cat "$WORK/dumpcap.log"
check "dpdk-dumpcap exit status $RD" test $RD -eq 0

# proc-info: the port's xstats from another secondary
timeout -k 5 30 env LD_PRELOAD="$PRELOAD" /usr/bin/dpdk-proc-info \
	--file-prefix "$PREFIX" --log-level lib.eal:error -- --xstats \
	> "$WORK/procinfo.log" 2>&1
RP=$?
cat "$WORK/procinfo.log"
check "dpdk-proc-info exit status $RP" test $RP -eq 0
# rx_eth_no_mac: a mode=eth counter (its state is found from the
# private data, also in a secondary); present, whatever its value
v=$(sed -n 's/^ *rx_eth_no_mac: *\([0-9]*\).*/\1/p' "$WORK/procinfo.log")
check "proc-info shows the mode=eth xstats (rx_eth_no_mac ${v:-missing})" \
	test -n "$v"
for x in rx_good_packets tx_good_packets rx_multicast_packets; do
	v=$(sed -n "s/^ *$x: *\([0-9]*\).*/\1/p" "$WORK/procinfo.log" |
		head -1)
	check "proc-info $x ${v:-missing} > 0" test "${v:-0}" -gt 0
done

echo stop >&"$TP_FD"
echo "show port xstats 0" >&"$TP_FD"
wait "${PIDS[1]}"
RB=$?
grep -v '^bad packet' "$WORK/b.log"
check "sender exit status $RB" test $RB -eq 0

# the capture, read by Wireshark's tools
capinfos "$WORK/cap.pcapng" 2>&1
N=$(capinfos -M -c "$WORK/cap.pcapng" 2>/dev/null |
	sed -n 's/^Number of packets: *\([0-9]*\).*/\1/p')
check "capture holds $NPKT packets (${N:-none})" test "${N:-0}" -eq $NPKT
tshark -r "$WORK/cap.pcapng" -T fields -e frame.packet_flags_direction \
	-e eth.dst -e eth.type -e data.data > "$WORK/cap.txt" \
	2> "$WORK/tshark.err" || cat "$WORK/tshark.err"
head -4 "$WORK/cap.txt"
HEX=$(printf '%s' "$PAYLOAD" | od -An -tx1 | tr -d ' \n')
T=$'\t'
FRAME="${T}ff:ff:ff:ff:ff:ff${T}0x88b5${T}$HEX"
# direction flags: 1 inbound, 2 outbound
IN=$(grep -c "^0x0*1$FRAME" "$WORK/cap.txt")
OUT=$(grep -c "^0x0*2$FRAME" "$WORK/cap.txt")
check "inbound frames with the sender's payload: $IN" test "$IN" -gt 0
check "outbound frames with the sender's payload: $OUT" test "$OUT" -gt 0
check "every frame is one of them ($IN + $OUT = $NPKT)" \
	test $((IN + OUT)) -eq $NPKT
exit $FAIL
