#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Two net_ipoib ports in one process (on the same CA port), each with its
# SA client: under libumad2sim the replies for one client used to reach
# the other (no path answers) and the process crashed at stop inside a
# umad2sim thread. Now the clients of a CA port share one umad port and
# hand each other's replies over (drivers/common/hca/sa/hca_sa_share.c).
# host1 (a) has two ports and sends through the second to host2 (b);
# the SM is restarted once so that both ports' SA traffic crosses.
# Usage: two_ports.sh FAULT_PEER (under test/with-fabric --hosts 2)
set -u
APP=$1
. "$(dirname "$0")/lib.sh"

phase 0
EXTRA_VDEV="--vdev net_ipoib1,mode=raw" peer host1 a 0 --to b --port 1
peer host2 b 1 --to a
wait_for 60 stat_ge a rx_b_0 50 && wait_for 20 stat_ge b rx_a_0 50
check $? "a's second port resolved b and traffic flows (a->b $(stat b rx_a_0), b->a $(stat a rx_b_0))"
# idle on the SA: the SM watch follows port events, its heartbeat is a
# slow safety net (not one SA request a second per port)
h0=$(stat a sm_heartbeats); sleep 5; h1=$(stat a sm_heartbeats)
[ $((h1 - h0)) -le 1 ]
check $? "at most one SA heartbeat in 5 s on the second port ($h0 -> $h1)"
[ "$(stat a sa_failures)" -eq 0 ] && [ "$(stat a sm_heartbeat_failures)" -eq 0 ]
check $? "no SA failure (paths $(stat a sa_failures), heartbeats $(stat a sm_heartbeat_failures))"
sm_stop
phase 1
sleep 5 # longer than hcasim's SA refresh: it sees the SM gone
sm_start
check $? "opensm back"
wait_for 30 stat_ge a sm_recoveries 1
check $? "the second port saw the SM come back (recoveries $(stat a sm_recoveries), client re-register events $(stat a port_events_client_reregister), heartbeats $(stat a sm_heartbeats))"
[ "$(stat a port_events_client_reregister)" -ge 1 ]
check $? "from a client re-register event ($(stat a port_events_client_reregister))"
wait_for 20 stat_ge b rx_a_1 50
check $? "still flowing (a->b $(stat b rx_a_1))"
finish
