#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Memory DPDK adds and frees while a port runs is registered and
# deregistered (memory events): test/pmd/ipoib_mem_events.c. host1 sends
# from hugepages in dynamic memory mode (no -m: pages are added and
# freed as the heap needs; --socket-limit keeps it small; --huge-unlink:
# no files left behind), host2 receives (--no-huge) and checks every
# payload. IPOIB_MEM_EAL replaces host1's --huge-unlink (e.g. with
# --single-file-segments: one file per memseg list, regions at file
# offsets; DPDK refuses it with --huge-unlink, so the files are removed
# here). Hugepages missing: FAIL (not a skip). Runs under
# test/with-fabric --hosts 2.
set -u
APP=$1
: "${2:-}"
WORK=$(mktemp -d "$IPOIB_FABRIC_DIR/mem.XXXX")

HP=/sys/kernel/mm/hugepages/hugepages-2048kB
FREE=$(cat "$HP/free_hugepages" 2>/dev/null || echo 0)
if [ "$FREE" -lt 64 ] || ! grep -q " hugetlbfs " /proc/mounts; then
	echo "FAIL: $FREE free 2 MB hugepages (64 needed) or no hugetlbfs" \
		"mounted: run usertools/ipoib-setup as root"
	exit 1
fi

# run HOST ROLE LCORES EAL...: one side, bounded
run() {
	local host=$1 role=$2 lcores=$3
	shift 3
	timeout -k 5 120 "$IPOIB_FABRIC_TOOL" run --dir "$IPOIB_FABRIC_DIR" \
		"$host" -- "$APP" "$@" --no-pci --lcores "$lcores" \
		--file-prefix "mem$$$role" \
		--vdev net_ipoib0,mode=raw -- "$role" "$WORK"
}
run host2 recv '0@1' --no-huge -m 512 > "$WORK/recv.log" 2>&1 &
PR=$!
# shellcheck disable=SC2086 # options, split on purpose
run host1 send '0@0' --socket-limit 128 ${IPOIB_MEM_EAL:---huge-unlink} \
	> "$WORK/send.log" 2>&1 &
PS=$!
wait $PS; RS=$?
touch "$WORK/done.send" # a sender that failed early: recv stops too
wait $PR; RR=$?
echo "--- host1, send (rc $RS)"; cat "$WORK/send.log"
echo "--- host2, recv (rc $RR)"; cat "$WORK/recv.log"
rm -rf "/var/run/dpdk/mem$$send" "/var/run/dpdk/mem$$recv"
# hugepage files the sender may leave (not unlinked)
awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts | while read -r m; do
	rm -f "$m/mem$$send"map_*
done
[ $RS -eq 0 ] && [ $RR -eq 0 ]
