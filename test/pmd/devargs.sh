#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Unknown or malformed devargs fail the probe with a message that names
# the bad argument and what is accepted (the keys, or the key's syntax and
# meaning), and no port is created (no fabric needed: parsing comes first,
# so a refused devarg never reaches the device, which good devargs do).
# The driver's registered parameter string lists every devarg's syntax.
# Without the soft HCA, ibdev= and pci= name real hardware by its route:
# a device that does not exist fails the probe with a line that names it
# and the route (kernel route for ibdev=, VFIO route for pci=).
set -u
unset HCASIM_SOCKET
# the stock testpmd (a sanitized build wraps it: test/sanitizers)
TESTPMD=${IPOIB_TESTPMD:-/usr/bin/dpdk-testpmd}
LIB=$(realpath "$1")
fail=0
run() { # devargs: testpmd's output (its exit status is 0 either way)
	timeout 30 "$TESTPMD" --no-huge -m 256 --no-pci \
		--file-prefix "da$$" -l 0-1 -d "$LIB" --vdev "net_ipoib0,$1" \
		-- --total-num-mbufs=2048 2>&1 </dev/null
}
# check DEVARGS TEXT: the message names the bad argument, the probe failed
# and no port was created, before the device was opened
check() {
	out=$(run "$1")
	if ! echo "$out" | grep -qF -- "$2"; then
		echo "FAIL: '$1' did not say '$2'"; echo "$out" | tail -5
		fail=1
	elif ! echo "$out" | grep -q "failed to initialize net_ipoib0" ||
	     ! echo "$out" | grep -q "No probed ethernet devices"; then
		echo "FAIL: '$1': the port was not refused"
		echo "$out" | tail -5
		fail=1
	elif echo "$out" | grep -q "cannot open"; then
		echo "FAIL: '$1': the device was opened despite the bad devarg"
		echo "$out" | tail -5
		fail=1
	else
		echo "ok: '$1', no port: $(echo "$out" | grep -F -m1 -- "$2")"
	fi
}
# control: good devargs get past parsing to the device (absent here)
out=$(run 'mode=raw,pkey=0x7fff,grh=auto,sa=inband')
if echo "$out" | grep -q "cannot open" &&
   ! echo "$out" | grep -q "devarg"; then
	echo "ok: good devargs reach the device"
else
	echo "FAIL: good devargs did not reach the device"
	echo "$out" | tail -5
	fail=1
fi
# the parameter string the driver registers, one literal in the .so
params='ibdev=<CA name> pci=<DDDD:BB:DD.F> port=<1..254>'
params="$params pkey=<0x0001..0xffff> mode=<raw|eth>"
params="$params peers=<1..65535> grh=<always|auto> sa=<umad|inband>"
if strings "$LIB" | grep -qxF -- "$params"; then
	echo "ok: parameter string '$params'"
else
	echo "FAIL: no parameter string '$params' in $LIB"
	strings "$LIB" | grep -F 'ibdev=' | head -3
	fail=1
fi
check 'bogus=1' \
	'unknown devarg "bogus" (accepted: ibdev, pci, port, pkey, mode, peers'
check 'mode=ethernet' \
	'bad value "ethernet" for devarg "mode": expected mode=<raw|eth>, what'
check 'port=0' 'bad value "0" for devarg "port": expected port=<1..254>, the'
check 'pkey=0x12345' \
	'bad value "0x12345" for devarg "pkey": expected pkey=<0x0001..0xffff>, '
check 'pkey=0x8000' \
	'bad value "0x8000" for devarg "pkey": expected pkey=<0x0001..0xffff>, '
check 'peers=65536' \
	'bad value "65536" for devarg "peers": expected peers=<1..65535>, the'
check 'peers=12x' \
	'bad value "12x" for devarg "peers": expected peers=<1..65535>, the'
check 'grh=never' \
	'bad value "never" for devarg "grh": expected grh=<always|auto>, a GRH'
check 'sa=kernel' \
	'bad value "kernel" for devarg "sa": expected sa=<umad|inband>, how'
long=abcdefghijklmnopqrst # 20 characters: one too many
check "ibdev=$long" \
	"bad value \"$long\" for devarg \"ibdev\": expected ibdev=<CA name>, "
check 'pci=99:00.0' \
	'bad value "99:00.0" for devarg "pci": expected pci=<DDDD:BB:DD.F>, '
check 'ibdev=mlx5_0,pci=0000:99:00.0' \
	'bad value "0000:99:00.0" for devarg "pci": expected pci=<DDDD:BB:DD.F>'
check 'pci=0000:99:00.0,ibdev=mlx5_0' \
	'bad value "mlx5_0" for devarg "ibdev": expected ibdev=<CA name>, '
check 'ibdev=0000:99:00.0' \
	'bad value "0000:99:00.0" for devarg "ibdev": expected ibdev=<CA name>'
check 'pci=0000:99:00.0,sa=umad' \
	'sa=umad with pci=: a function bound to vfio-pci has no umad device'
# route DEVARGS TEXT: a device that does not exist, by its route: the line
# naming it and the route, and the probe failed
route() {
	out=$(run "$1")
	if ! echo "$out" | grep -qF -- "$2"; then
		echo "FAIL: '$1' did not say '$2'"; echo "$out" | tail -5
		fail=1
	elif ! echo "$out" | grep -q "failed to initialize net_ipoib0" ||
	     ! echo "$out" | grep -q "No probed ethernet devices"; then
		echo "FAIL: '$1': the port was not refused"
		echo "$out" | tail -5
		fail=1
	else
		echo "ok: '$1', no port: $(echo "$out" | grep -F -m1 -- "$2")"
	fi
}
route 'ibdev=mlx5_9' 'mlx5_9: no such RDMA device (kernel route, ibdev=)'
route 'pci=0000:99:00.0' \
	'0000:99:00.0: no ConnectX function bound to vfio-pci (VFIO route, pci=)'
exit $fail
