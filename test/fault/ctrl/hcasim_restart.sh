#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The soft HCA killed (SIGKILL) under traffic and started again
# (doc/reliability.md). host1 (a) and host2 (b) exchange unicast; host3
# (m) is a mode=eth port that joined a group through set_mc_addr_list.
#  - hcasim gone: both ports report the link down (rte_eth_link_get),
#    neither process crashes, every mbuf the PMD held is back in the
#    pool (the apps hold none between loops: in use = 0);
#  - hcasim back: every port recreates its queues by itself (no
#    port restart), report the link up, publish their new address (the
#    QPN may change) and traffic flows again;
#  - at the end every mbuf is back after stop/close.
# Usage: hcasim_restart.sh FAULT_PEER (under test/with-fabric --hosts 3)
set -u
APP=$1
. "$(dirname "$0")/lib.sh"

# link_is ROLE 0|1: whether the peer reports that link status
link_is() { [ "$(stat "$1" link)" = "$2" ]; }

phase 0
peer host1 a 0 --to b
peer host2 b 1 --to a
MODE=mode=eth peer host3 m 1 --mc-mac 01:00:5e:01:02:03
wait_for 60 stat_ge a rx_b_0 50 && wait_for 20 stat_ge b rx_a_0 50
check $? "traffic a <-> b before the fault"
wait_for 5 link_is a 1 && link_is b 1 && wait_for 10 link_is m 1
check $? "links up before"

hcasim_kill
check $? "hcasim killed"
phase 1
wait_for 10 link_is a 0 && wait_for 5 link_is b 0 && wait_for 5 link_is m 0
check $? "every port reports the link down (a $(stat a link), b $(stat b link), m $(stat m link))"
wait_for 10 stat_ge a dev_lost 1 && wait_for 5 stat_ge b dev_lost 1 &&
	wait_for 5 stat_ge m dev_lost 1
check $? "device loss counted (a $(stat a dev_lost), b $(stat b dev_lost), m $(stat m dev_lost))"
# once the queues are released no mbuf is in use (the apps hold none)
in_use_zero() {
	[ "$(stat a mbufs_in_use)" -eq 0 ] && [ "$(stat b mbufs_in_use)" -eq 0 ] &&
		[ "$(stat m mbufs_in_use)" -eq 0 ]
}
wait_for 10 in_use_zero
check $? "mbufs back while the device is gone (in use: a $(stat a mbufs_in_use), b $(stat b mbufs_in_use), m $(stat m mbufs_in_use))"
n=$(stat a rx_b_1); sleep 1
kill -0 "${PIDS[0]}" && kill -0 "${PIDS[1]}" && kill -0 "${PIDS[2]}" &&
	[ "$(stat a rx_b_1)" -eq "$n" ]
check $? "every process alive, nothing received without the device"

hcasim_start
check $? "hcasim started again"
phase 2
wait_for 15 link_is a 1 && wait_for 5 link_is b 1 && wait_for 5 link_is m 1
check $? "every link up again without a port restart"
wait_for 5 stat_ge a dev_recoveries 1 && stat_ge b dev_recoveries 1 &&
	stat_ge m dev_recoveries 1
check $? "queues recreated (a $(stat a dev_recoveries), b $(stat b dev_recoveries), m $(stat m dev_recoveries))"
wait_for 10 is_member m ff12:401b:ffff::1:203
check $? "m's set_mc_addr_list group membership survives"
wait_for 30 stat_ge b rx_a_2 100 && wait_for 10 stat_ge a rx_b_2 100
check $? "traffic again: a->b $(stat b rx_a_2), b->a $(stat a rx_b_2)"
finish
