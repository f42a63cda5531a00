#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A LID change by the SM under traffic (doc/reliability.md): opensm is
# restarted with LMC 1, which renumbers the ports to even LIDs (as
# test/hcasim/test_lid_change.sh does for the device API): host2 moves
# from LID 3 to 4. host1 (a) sends unicast to host2 (b) all along; b
# sends nothing, so a cannot learn b's new LID from b's packets: a must
# refresh its cached path (hcasim raises a client re-register on every
# port when the SM is back), and b must notice its own LID change (a LID
# change event). Traffic resumes to the new LID.
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
peer host2 b 1
wait_for 60 stat_ge b rx_a_0 50
check $? "traffic a -> b before the LID change"
la0=$(base_lid host1); lb0=$(base_lid host2)
echo "before: host1 LID $la0, host2 LID $lb0; a's path to b: LID $(stat a lid_b)"
[ "$(stat a lid_b)" = "$lb0" ]
check $? "a's cached path carries the SM's LID"

sm_stop
phase 1
sm_start --lmc 1
check $? "opensm back with LMC 1"
la1=$(base_lid host1); lb1=$(base_lid host2)
echo "after: host1 LID $la1, host2 LID $lb1"
[ "$lb1" != "$lb0" ]
check $? "the SM moved host2's LID ($lb0 -> $lb1; host1 $la0 -> $la1)"
phase 2
# the ports follow the port events within a few seconds (hcasim's SA
# refresh is 1 s), before the 30 s heartbeat (due about 24 s into this
# phase: the two waits below stay under it); until hcasim has seen the
# new LIDs, a's packets may still reach b on the old LID, so traffic is
# counted only once both followed
wait_for 10 stat_ge b own_lid_changes 1
check $? "b noticed its own LID change ($(stat b own_lid_changes)) from a LID change event ($(stat b port_events_lid_change))"
[ "$(stat b port_events_lid_change)" -ge 1 ]
check $? "b got a LID change event ($(stat b port_events_lid_change))"
wait_for 10 eval '[ "$(stat a lid_b)" = "$lb1" ]'
check $? "a's cached path follows: LID $(stat a lid_b)"
[ "$(stat a port_events_client_reregister)" -ge 1 ]
check $? "a got a client re-register event ($(stat a port_events_client_reregister) of $(stat a port_events) events)"
[ "$(stat a peer_lid_changes)" -ge 1 ] && [ "$(stat a path_refreshes)" -ge 1 ]
check $? "a refreshed its path ($(stat a path_refreshes)) and moved the peer ($(stat a peer_lid_changes))"
n=$(stat b rx_a_2)
wait_for 15 stat_ge b rx_a_2 $((n + 200))
check $? "traffic resumes on the new LID: a->b $(stat b rx_a_2) (from $n)"
n=$(stat b rx_a_2); sleep 1
[ "$(stat b rx_a_2)" -gt "$n" ]
check $? "still flowing"
finish
