#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A LID change by the SM under traffic (doc/reliability.md): opensm is
# restarted with LMC 1, which renumbers the ports to even LIDs (as
# test/hcasim/test_lid_change.sh does for the device API). host1 (a) and
# host2 (b) exchange unicast all along; afterwards each must have noticed
# (its own LID moved, or the SM came back) and refreshed its cached path
# to the other: traffic resumes to the new LID.
# Usage: lid_change.sh FAULT_PEER (under test/with-fabric --hosts 2)
set -u
APP=$1
. "$(dirname "$0")/lib.sh"

# base_lid HOST: the LID the SM gave a host's port now
base_lid() {
	"$TOOL" run --dir "$DIR" "$1" -- ibstat 2>/dev/null |
		awk '/Base lid:/ { print $3; exit }'
}

phase 0
peer host1 a 0 --to b
peer host2 b 1 --to a
wait_for 60 stat_ge a rx_b_0 50 && wait_for 20 stat_ge b rx_a_0 50
check $? "traffic a <-> b before the LID change"
la0=$(base_lid host1); lb0=$(base_lid host2)
echo "before: host1 LID $la0, host2 LID $lb0; a's path to b: LID" \
	"$(stat a lid_b), b's path to a: LID $(stat b lid_a)"
[ "$(stat a lid_b)" = "$lb0" ] && [ "$(stat b lid_a)" = "$la0" ]
check $? "cached paths carry the SM's LIDs"

sm_stop
phase 1
sm_start --lmc 1
check $? "opensm back with LMC 1"
la1=$(base_lid host1); lb1=$(base_lid host2)
echo "after: host1 LID $la1, host2 LID $lb1"
[ "$la1" != "$la0" ] || [ "$lb1" != "$lb0" ]
check $? "the SM moved a LID ($la0 -> $la1, $lb0 -> $lb1)"
phase 2
# paths follow within a heartbeat or a link poll, then traffic resumes
wait_for 30 stat_ge b rx_a_2 200 && wait_for 10 stat_ge a rx_b_2 200
check $? "traffic resumes: a->b $(stat b rx_a_2), b->a $(stat a rx_b_2)"
[ "$(stat a lid_b)" = "$lb1" ] && [ "$(stat b lid_a)" = "$la1" ]
check $? "cached paths follow: a->b LID $(stat a lid_b), b->a LID $(stat b lid_a)"
[ $(($(stat a own_lid_changes) + $(stat b own_lid_changes))) -ge 1 ]
check $? "a port noticed its own LID change (a $(stat a own_lid_changes), b $(stat b own_lid_changes))"
[ $(($(stat a peer_lid_changes) + $(stat b peer_lid_changes))) -ge 1 ]
check $? "a cached peer path was updated (a $(stat a peer_lid_changes), b $(stat b peer_lid_changes))"
n=$(stat b rx_a_2); sleep 1
[ "$(stat b rx_a_2)" -gt "$n" ]
check $? "still flowing"
finish
