#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The soft HCA follows the addresses the SM gives: restart opensm with
# LMC 1 (it must renumber the ports to even, 2-LID ranges), then check
# that hcasim reports the new LIDs and LMC and routes every LID of each
# range, and that a client holding host2's port open meanwhile gets a LID
# change event (decoded by the device API). Runs inside test/with-fabric
# (IPOIB_FABRIC_DIR, _TOOL set).
#
# Usage: test_lid_change.sh TEST_HCASIM

set -u
prog=$(readlink -f "$1")
dir=${IPOIB_FABRIC_DIR:?not under with-fabric}
tool=${IPOIB_FABRIC_TOOL:?not under with-fabric}
cd "$dir" || exit 1

before=$("$tool" run --dir "$dir" host1 -- "$prog" lids) || {
	echo "FAIL: cannot read LIDs"; exit 1; }
echo "before: $before"

# a client of host2 waits for the LID change event (30 s at most)
"$tool" run --dir "$dir" host1 -- "$prog" events >events.out 2>&1 &
evpid=$!
i=0
while ! grep -q ready events.out 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done

# stop the SM (SIGINT, bounded wait), start it again with LMC 1
pid=$(cat opensm.pid)
kill -INT "$pid" 2>/dev/null
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
eval "$("$tool" env --dir "$dir" sw1 | grep -v HCASIM_SOCKET)"
OSM_TMP_DIR=$dir OSM_CACHE_DIR=$dir opensm -f "$dir/opensm.log" \
	-P "$dir/partitions.conf" --lmc 1 >>"$dir/opensm.out" 2>&1 &
echo $! >opensm.pid
unset LD_PRELOAD SIM_HOST

"$tool" run --dir "$dir" host1 -- "$prog" lmc "$before"
rc=$?
wait "$evpid"
evrc=$?
cat events.out
[ $evrc -eq 0 ] || { echo "FAIL: no LID change event"; rc=1; }
exit $rc
