#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Run test/pmd/ipoib_queue_caps on host1 of a fabric (under
# test/with-fabric): the port must offer QUEUES rx and tx queues, as the
# soft HCA's capabilities decide (1 when it runs with
# --no-ipoib-enhanced), and refuse one more.
#   queue_caps.sh APP PMD QUEUES
# With QUEUES 1 the PMD must also say why at probe (its NOTICE).
set -u
APP=$1
LIB=$2
WANT=$3
OUT=$(mktemp "$IPOIB_FABRIC_DIR/qcaps.XXXX")
timeout 60 "$IPOIB_FABRIC_TOOL" run --dir "$IPOIB_FABRIC_DIR" host1 -- \
	"$APP" --no-huge -m 512 --no-pci --file-prefix "qcaps$$" \
	--lcores '0@(0,1)' --log-level 'pmd.net.ipoib:info' -d "$LIB" \
	--vdev 'net_ipoib0,mode=raw' -- "$WANT" > "$OUT" 2>&1
rc=$?
cat "$OUT"
WHY='one rx and one tx queue only: the device has no RSS on UD'
if [ "$WANT" -eq 1 ]; then
	grep -q "$WHY" "$OUT" || { echo "FAIL: no reason given at probe"; rc=1; }
else
	grep -q "$WHY" "$OUT" && { echo "FAIL: RSS said missing"; rc=1; }
	grep -q "up to $WANT rx and tx queues" "$OUT" ||
		{ echo "FAIL: no queue count at probe"; rc=1; }
fi
exit $rc
