#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# opensm stopped under traffic, then restarted (doc/reliability.md):
#  host1 (a) <-> host2 (b) unicast all along; host1 starts sending to
#  host3 (c, receive only) while the SM is away; host4 (m, mode=eth)
#  joined a group through set_mc_addr_list.
#  - SM away: a and b keep delivering to each other; the new path to c
#    fails cleanly (SA failure counted, held packets dropped and
#    counted), is retried, and the process keeps running;
#  - SM back (a new opensm: no memberships; hcasim raises a client
#    re-register event on every port): every port is a member of the
#    broadcast group again and m of its group, without a restart; c gets
#    a's packets.
#  - an SM restart hcasim does not see happen (hcasim stopped with
#    SIGSTOP meanwhile, so none of its SA refreshes falls in the outage
#    and every LID stays the same): its membership probe finds that the
#    SM forgot a port's group and raises a client re-register on every
#    port again; every port rejoins.
# Usage: sm_restart.sh FAULT_PEER (under test/with-fabric --hosts 4)
set -u
APP=$1
. "$(dirname "$0")/lib.sh"

BCAST=ff12:401b:ffff::ffff:ffff
GROUP=ff12:401b:ffff::1:203

phase 0
peer host1 a 0 --to b --to-from-phase c:1
peer host2 b 1 --to a
peer host3 c 0
MODE=mode=eth peer host4 m 1 --mc-mac 01:00:5e:01:02:03

wait_for 60 stat_ge a rx_b_0 50 && wait_for 20 stat_ge b rx_a_0 50
check $? "traffic a <-> b before the fault"
wait_for 20 test -s "$WORK/addr.m"
for r in a b c m; do
	wait_for 10 is_member $r $BCAST
	check $? "$r is a member of the broadcast group before"
done
wait_for 10 is_member m $GROUP
check $? "m is a member of its set_mc_addr_list group before"

sm_stop
phase 1
sleep 6
a1=$(stat b rx_a_1); b1=$(stat a rx_b_1)
echo "SM away: a->b $a1, b->a $b1, a->c $(stat c rx_a_1)"
[ "$a1" -ge 20 ] && [ "$b1" -ge 20 ]
check $? "resolved peers keep forwarding without an SM (a->b $a1, b->a $b1)"
[ "$(stat c rx_a_1)" -eq 0 ]
check $? "nothing reaches the unresolved peer c without an SM"
[ "$(stat a sa_failures)" -ge 1 ] && [ "$(stat a tx_sa_failure_dropped)" -ge 1 ]
check $? "path failure counted ($(stat a sa_failures)), held packets dropped ($(stat a tx_sa_failure_dropped))"
d=$(stat a tx_unresolved_dropped)
[ "$d" -ge 1 ]
check $? "packets beyond the held ones dropped ($d)"
h=$(stat a sm_heartbeats)
[ "$h" -le 1 ]
check $? "no SA heartbeat every second: a sent $h in the run so far"

sm_start
check $? "opensm back"
phase 2
wait_for 45 stat_ge c rx_a_2 20
check $? "new resolution after the SM came back: c got $(stat c rx_a_2)"
# one query failed (sa_failures above), another one brought c's path
[ "$(stat a path_queries)" -ge 2 ]
check $? "the path to c was retried ($(stat a path_queries) queries)"
for r in a b c m; do
	wait_for 20 is_member $r $BCAST
	check $? "$r rejoined the broadcast group"
done
wait_for 20 is_member m $GROUP
check $? "m rejoined its set_mc_addr_list group"
for r in a b c m; do
	wait_for 10 stat_ge $r port_events_client_reregister 1
	check $? "$r got a client re-register event ($(stat $r port_events_client_reregister))"
done
wait_for 10 stat_ge m sm_recoveries 1
check $? "m counted the SM recovery ($(stat m sm_recoveries)), rejoins $(stat m mcast_rejoins)"
wait_for 10 stat_ge m mcast_rejoins 2
check $? "m rejoined the broadcast group and its own ($(stat m mcast_rejoins))"
a0=$(stat b rx_a_2)
sleep 1
[ "$(stat b rx_a_2)" -gt "$a0" ] && [ "$(stat a rx_b_2)" -ge 20 ]
check $? "a <-> b still flowing after the SM came back"

hpid=$(cat "$DIR/hcasim.pid")
kill -STOP "$hpid"
sm_stop
sm_start
ok_sm=$?
kill -CONT "$hpid"
check $ok_sm "opensm restarted while hcasim was stopped"
phase 3
for r in a b c m; do
	wait_for 20 stat_ge $r port_events_client_reregister 2
	check $? "$r got a second client re-register event ($(stat $r port_events_client_reregister))"
done
# (if SIGSTOP caught hcasim inside an SA query, which is rare, that
# query times out and the outage path raises the re-register instead)
echo "hcasim: $(grep -c 'forgot a membership' "$DIR/hcasim.log") probe" \
	"and $(grep -c 'SA answers again' "$DIR/hcasim.log") outage re-registers so far"
for r in a b c m; do
	wait_for 20 is_member $r $BCAST
	check $? "$r rejoined the broadcast group after the unseen restart"
done
wait_for 20 is_member m $GROUP
check $? "m rejoined its set_mc_addr_list group after the unseen restart"
wait_for 20 stat_ge b rx_a_3 20 && wait_for 10 stat_ge a rx_b_3 20
check $? "a <-> b flowing after the unseen restart (a->b $(stat b rx_a_3), b->a $(stat a rx_b_3))"
finish
