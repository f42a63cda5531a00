#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Stock dpdk-testpmd on both sides (-d <PMD>, --vdev net_ipoib0,mode=raw):
# host2 runs "io" forwarding on its single port, which echoes every packet
# to its sender (rx puts the SOURCE key in header bytes 2-3, tx reads them
# as the DESTINATION key, and the received mbuf keeps its source tag).
# host1 runs "io" too and injects with "start tx_first": with
# --eth-peer=0,08:00:00:01:00:00 the burst's frames begin with EtherType
# 0x0800 and key 0x0001, the broadcast key (the broadcast group is the
# first peer of the cache every start creates: slot 1, and with the
# default capacity keys are bare slot numbers). host3 runs rxonly.
# Asserts: host3 receives the broadcast burst; host2 receives frames
# starting 08:00:KK:KK with KK != 0 and host1's MAC intact in the payload;
# then the echo circulates unicast host1 <-> host2 (tx_peer_hits and
# rx_peer_hits far beyond the injected bursts on both), with no
# tx_stale_key / tx_untagged drop. Runs under test/with-fabric --hosts 3.
set -u
# the stock testpmd (a sanitized build wraps it: test/sanitizers)
TESTPMD=${IPOIB_TESTPMD:-/usr/bin/dpdk-testpmd}
LIB=$(realpath "$1")
TOOL="$IPOIB_FABRIC_TOOL"
FD="$IPOIB_FABRIC_DIR"
WORK=$(mktemp -d "$FD/pp.XXXX")
BCAST_PEER=08:00:00:01:00:00
PIDS=()

# start_testpmd HOST LCORES MODE [EXTRA testpmd args]: testpmd reading
# commands from the fifo $WORK/HOST.in, logging to $WORK/HOST.log (line
# buffered, so the log can be followed while it runs)
start_testpmd() {
	local host=$1 lcores=$2 mode=$3
	shift 3
	mkfifo "$WORK/$host.in"
	timeout 100 "$TOOL" run --dir "$FD" "$host" -- stdbuf -oL "$TESTPMD" \
		--no-huge -m 512 --no-pci --file-prefix "pp$$$host" \
		--lcores "$lcores" -d "$LIB" --vdev net_ipoib0,mode=raw -- -i \
		--total-num-mbufs=16384 --forward-mode="$mode" "$@" \
		< "$WORK/$host.in" > "$WORK/$host.log" 2>&1 &
	PIDS+=($!)
	eval "exec {fd_$host}>\"$WORK/$host.in\""
}

# cmd HOST COMMAND...: send one command line to HOST's testpmd
cmd() {
	local fd="fd_$1"
	shift
	echo "$*" >&"${!fd}"
}

# wait_for HOST PATTERN SECONDS: wait until HOST's log matches
wait_for() {
	local i
	for ((i = 0; i < $3 * 4; i++)); do
		grep -q "$2" "$WORK/$1.log" && return 0
		sleep 0.25
	done
	echo "timeout waiting for '$2' on $1"
	return 1
}

# wait_count HOST PATTERN N SECONDS: wait until N lines of HOST's log match
wait_count() {
	local i
	for ((i = 0; i < $4 * 4; i++)); do
		[ "$(grep -c "$2" "$WORK/$1.log")" -ge "$3" ] && return 0
		sleep 0.25
	done
	echo "timeout waiting for $3 x '$2' on $1"
	return 1
}

# xstat HOST NAME: the last printed value of xstat NAME in HOST's log
xstat() {
	sed -n "s/^ *$2: *\([0-9]*\).*/\1/p" "$WORK/$1.log" | tail -1
}

cleanup() {
	local h p
	for h in host1 host2 host3; do
		[ -p "$WORK/$h.in" ] && cmd "$h" quit 2>/dev/null
	done
	sleep 2
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}
trap cleanup EXIT

start_testpmd host2 '0@0,1@1' io
start_testpmd host3 '0@0,1@0' rxonly
start_testpmd host1 '0@1,1@0' io --eth-peer=0,$BCAST_PEER
for h in host1 host2 host3; do
	wait_for $h '^Port 0: ' 60 || exit 1
	cmd $h show port info 0
	wait_for $h 'Link status: up' 30 || exit 1
done
H1MAC=$(sed -n 's/^Port 0: \([0-9A-Fa-f:]*\).*/\1/p' "$WORK/host1.log" |
	head -1)
echo "host1 MAC $H1MAC"
cmd host2 set verbose 1
cmd host2 start
cmd host3 start
sleep 1
# round 1: host2 and host3 learn host1 from the broadcast's GRH (the
# first packets of an unknown source carry key 0 and are not echoed);
# round 2: host2 echoes to host1, host1 learns host2; round 3 on: the
# echo circulates. Rounds go on until host1 forwards beyond its bursts.
for round in 1 2 3 4 5 6; do
	cmd host1 start tx_first
	sleep 2
	[ $round -eq 2 ] && cmd host2 set verbose 0
	cmd host1 stop
	wait_count host1 "^Done\." $round 10
	FWD=$(sed -n 's/.*TX-packets: *\([0-9]*\).*/\1/p' \
		"$WORK/host1.log" | tail -1)
	echo "round $round: host1 forward TX ${FWD:-?}"
	[ "${FWD:-0}" -gt 1000 ] && break
done
cmd host3 stop
cmd host1 start
sleep 3
cmd host1 stop
cmd host2 stop
sleep 2
for h in host1 host2 host3; do
	cmd $h show port stats 0
	cmd $h show port xstats 0
done
for h in host1 host2 host3; do
	wait_count $h 'peer_cache_size' 1 20
done
for h in host1 host2 host3; do
	echo "=== $h"
	grep -v '^  *src=\|^  *ol_flags\|^  *- \|^port 0/queue' "$WORK/$h.log" |
		tail -120
done

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
# host2's verbose dump shows the received header as the "dst" address
KEYED=$(grep -o 'src=[0-9A-F:]* - dst=08:00:[0-9A-F:]*' "$WORK/host2.log" |
	grep -v 'dst=08:00:00:00' | head -1)
echo "host2 first keyed frame: ${KEYED:-none}"
check "host2 got EtherType 0x0800 with a non-zero source key" \
	test -n "$KEYED"
check "host1's MAC (payload) intact at host2" \
	test "${KEYED#src=}" != "$KEYED" -a \
	"$(echo "${KEYED#src=}" | cut -d' ' -f1)" = "${H1MAC^^}"
for h in host1 host2; do
	for x in tx_peer_hits rx_peer_hits; do
		v=$(xstat $h $x)
		check "$h $x ${v:-none} > 1000" test "${v:-0}" -gt 1000
	done
	for x in tx_stale_key tx_untagged; do
		v=$(xstat $h $x)
		check "$h $x ${v:-none} = 0" test "${v:-1}" -eq 0
	done
done
v=$(xstat host3 rx_multicast_packets)
check "host3 received the broadcast (${v:-none})" test "${v:-0}" -ge 32
exit $FAIL
