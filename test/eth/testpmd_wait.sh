# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the eth tests that drive a testpmd peer through a fifo.

# wait_for_log LOG PATTERN PID: wait until LOG holds PATTERN (a fixed
# grep pattern), at most 30 s, or until process PID is gone; 0 when the
# pattern was found, 1 otherwise.
wait_for_log() {
	local i
	for ((i = 0; i < 300; i++)); do
		grep -q "$2" "$1" && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
