#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Run test/pmd/ipoib_devapi on host1 of a fabric (under test/with-fabric):
#   devapi.sh APP VDEV-ARGS PHASE... [-- VDEV-ARGS PHASE...]
# Each group after "--" runs as a new process with its own devargs.
# Environment: DEVAPI_TIMEOUT (s per process, 60), DEVAPI_PREFIX (EAL file
# prefix, dev), DEVAPI_LOG (the PMD's log level, info).
set -u
APP=$1
shift
rc=0
run=0
while [ $# -gt 0 ]; do
	ARGS=$1
	shift
	PHASES=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do PHASES+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	run=$((run + 1))
	echo "=== net_ipoib0,$ARGS: ${PHASES[*]}"
	timeout "${DEVAPI_TIMEOUT:-60}" \
		"$IPOIB_FABRIC_TOOL" run --dir "$IPOIB_FABRIC_DIR" host1 -- \
		"$APP" --no-huge -m 512 --no-pci \
		--file-prefix "${DEVAPI_PREFIX:-dev}$$_$run" --lcores '0@(0,1)' \
		--log-level "pmd.net.ipoib:${DEVAPI_LOG:-info}" \
		--vdev "net_ipoib0,$ARGS" -- "${PHASES[@]}" || rc=1
done
exit $rc
