#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Unknown or malformed devargs fail the probe with a message that names
# the bad argument (no fabric needed: parsing comes first).
set -u
# the stock testpmd (a sanitized build wraps it: test/sanitizers)
TESTPMD=${IPOIB_TESTPMD:-/usr/bin/dpdk-testpmd}
LIB=$(realpath "$1")
fail=0
check() { # devargs expected-text
	out=$(timeout 30 "$TESTPMD" --no-huge -m 256 --no-pci \
		--file-prefix "da$$" -l 0-1 -d "$LIB" --vdev "net_ipoib0,$1" \
		-- --total-num-mbufs=2048 2>&1 </dev/null)
	if echo "$out" | grep -q "$2"; then
		echo "ok: '$1' -> $2"
	else
		echo "FAIL: '$1' did not say '$2'"; echo "$out" | tail -5
		fail=1
	fi
}
check 'bogus=1' 'unknown devarg "bogus"'
check 'mode=ethernet' 'bad value "ethernet" for devarg "mode"'
check 'port=0' 'bad value "0" for devarg "port"'
check 'pkey=0x12345' 'bad value "0x12345" for devarg "pkey"'
check 'pkey=0x8000' 'bad value "0x8000" for devarg "pkey"'
check 'peers=65536' 'bad value "65536" for devarg "peers"'
check 'peers=12x' 'bad value "12x" for devarg "peers"'
check 'grh=never' 'bad value "never" for devarg "grh"'
exit $fail
