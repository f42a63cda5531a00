#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# --partitions: opensm programs the listed ports' P_Key tables and creates
# a broadcast group per IPoIB partition (ff12:401b:8001::ffff:ffff, MLID
# 0xc001), visible in status to a member host.
. "$(dirname "$0")/lib.sh"

new_dir
D=$NEW_DIR
cat >"$D/parts.conf" <<PARTS
Default=0x7fff, ipoib : ALL=full;
blue=0x8001, ipoib : 0x0002c90300000101=full, 0x0002c90300000201=full;
PARTS
# opensm with partitions can take long to sweep on a loaded machine
start_fabric "$D" --hosts 3 --no-hcasim --partitions "$D/parts.conf" \
	--timeout 90
out=$("$FABRIC" status --dir "$D") || fail "status"
echo "$out"
echo "$out" | grep -Eq 'MGID ff12:401b:8001:0000:0000:0000:ffff:ffff +MLID 0xc001 +Q_Key 0x0b1b +P_Key 0x8001' ||
	fail "no broadcast group for partition 0x8001"
echo "$out" | grep -Eq 'MGID ff12:401b:ffff:0000:0000:0000:ffff:ffff +MLID 0xc000' ||
	fail "default broadcast group missing"
pass "two broadcast groups"
pkeys=$("$FABRIC" run --dir "$D" host1 -- smpquery pkeys 2) || fail smpquery
echo "$pkeys" | grep -q '0x8001' || fail "host1 has no P_Key 0x8001: $pkeys"
pkeys=$("$FABRIC" run --dir "$D" host1 -- smpquery pkeys 4) || fail smpquery
echo "$pkeys" | grep -q '0x8001' && fail "host3 has P_Key 0x8001: $pkeys"
pass "P_Key 0x8001 on host1, not on host3"

out=$("$FABRIC" start --dir "$D/x" --hosts 1 --partitions "$D/none" 2>&1)
[ $? = 1 ] && echo "$out" | grep -q 'not found' ||
	fail "missing partitions file: '$out'"
pass "missing partitions file refused"
