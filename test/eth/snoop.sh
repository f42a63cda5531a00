#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# IGMP/MLD snooping of mode=eth through the ethdev API: eth_peer sends
# broken reports (counted in mcast_snoop_malformed, dropped), then IGMPv2,
# IGMPv3, MLDv1 and MLDv2 joins and leaves, and checks the full-member
# joins and leaves they cause at the SA (mcast_joins, mcast_leaves),
# with set_mc_addr_list listing the same group for a while (the group
# stays joined while either wants it). Runs under test/with-fabric.
set -u
APP=$1
LIB=$(realpath "$2")
FD="$IPOIB_FABRIC_DIR"
TOOL="$IPOIB_FABRIC_TOOL"
timeout 100 "$TOOL" run --dir "$FD" host1 -- "$APP" --no-huge -m 512 \
	--no-pci --file-prefix "sn$$" --lcores '0@0' -d "$LIB" \
	--vdev net_ipoib0 -- snoop
