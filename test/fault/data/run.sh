#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Run test/fault/data/fault_data on host1 of a fabric (under
# test/with-fabric):  run.sh APP VDEV-ARGS PHASE... [-- VDEV-ARGS PHASE...]
# Each group after "--" runs as a new process with its own devargs: the
# runner of test/pmd/devapi.sh, with longer phases and quieter logs.
DEVAPI_TIMEOUT=150 DEVAPI_PREFIX=fd DEVAPI_LOG=notice \
	exec "$(dirname "$0")/../../pmd/devapi.sh" "$@"
