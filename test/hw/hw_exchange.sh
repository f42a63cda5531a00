#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The PMD's exchanges on a real ConnectX port (suite hw, and
# ipoib-hwcheck --run): two processes open the same port with their own
# QPs and exchange through the HCA.
#   hw_exchange.sh raw DEVARGS IPOIB_RAW_PEER
#       raw mode: unicast and broadcast both ways (test/pmd/ipoib_raw_peer)
#   hw_exchange.sh eth DEVARGS ETH_PEER
#       mode=eth: a neighbour solicitation answered, then UDP over IPv6
#       (test/eth/eth_peer nd6 against eth_peer responder, which answers
#       for 40 s and exits)
# DEVARGS: what selects the port (ibdev=mlx5_0,port=1 or pci=0000:03:00.1).
# The soft HCA must not be selected: HCASIM_SOCKET is cleared.
set -u
KIND=$1
DEV=$2
APP=$3
unset HCASIM_SOCKET
WORK=$(mktemp -d /tmp/ipoib-hw.XXXX)
trap 'rm -rf "$WORK"' EXIT
# --huge-unlink: no hugepage file outlives a process (one that fails to
# probe included)
EAL="-m 512 --huge-unlink --no-pci --log-level pmd.net.ipoib:info"
case $KIND in
raw)
	timeout 120 "$APP" $EAL --file-prefix "hwa$$" \
		--vdev "net_ipoib0,mode=raw,$DEV" -- a "$WORK" \
		> "$WORK/a.log" 2>&1 &
	PA=$!
	timeout 120 "$APP" $EAL --file-prefix "hwb$$" \
		--vdev "net_ipoib0,mode=raw,$DEV" -- b "$WORK" \
		> "$WORK/b.log" 2>&1 &
	PB=$!
	;;
eth)
	timeout 120 "$APP" $EAL --file-prefix "hwb$$" \
		--vdev "net_ipoib0,mode=eth,$DEV" -- responder fd79::2 40 \
		> "$WORK/b.log" 2>&1 &
	PB=$!
	sleep 5
	timeout 100 "$APP" $EAL --file-prefix "hwa$$" \
		--vdev "net_ipoib0,mode=eth,$DEV" -- nd6 fd79::1 fd79::2 \
		> "$WORK/a.log" 2>&1 &
	PA=$!
	;;
*)
	echo "hw_exchange.sh: raw or eth, not '$KIND'"
	exit 2
	;;
esac
wait $PA; RA=$?
wait $PB; RB=$?
echo "--- a (rc $RA)"; cat "$WORK/a.log"
echo "--- b (rc $RB)"; cat "$WORK/b.log"
[ $RA -eq 0 ] && [ $RB -eq 0 ]
