#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ipoib-fwd refuses bad arguments and bad config files with a clear
# message (the file's line number and the reason) and exit status 2/1,
# even without ports; --help (EAL's and its own) shows its options; it
# runs cleanly (every mbuf back) for a bounded --duration.
set -u
FWD=$(readlink -f "$1")
. "$(dirname "$0")/lib.sh"
fwd_tmpdir args
EAL="--no-huge -m 256 --no-pci --log-level lib.eal:error -l 0"
N=0

# expect RC PATTERN ARGS...: run the forwarder on two net_null ports
expect() {
	local rc=$1 pat=$2 got
	shift 2
	N=$((N + 1))
	timeout 60 "$FWD" ${EAL_USE:-$EAL} --file-prefix "args$$" --vdev net_null0 \
		--vdev net_null1 -- "$@" > "$T/out" 2>&1
	got=$?
	if [ $got -ne "$rc" ] || ! grep -q -- "$pat" "$T/out"; then
		cat "$T/out"
		fail "case $N ($*): want exit $rc and \"$pat\", got $got"
	fi
	echo "ok $N: $* -> $rc: $(grep -m1 -- "$pat" "$T/out")"
}

conf() { printf '%s\n' "$@" > "$T/c.conf"; }

expect 2 'unknown mode "bogus" (io, macswap, l2, l3)' --mode bogus
expect 2 'is not a number in 1..64' --burst 0
expect 2 'is not a number' --burst 12x
expect 2 'bad address "300.1.1.1/24"' --addr 0,300.1.1.1/24
expect 2 'want PORT,ADDR/LEN' --addr 7,192.0.2.1/24
expect 2 'route needs "via GW" or "port N"' --route 192.0.2.0/24
expect 2 'want A:B' --pairs 0:5
expect 2 'want PORT,MAC' --peer 0,zz
expect 2 'unexpected argument "extra"' extra
conf "mode l3" "addr 0 192.0.2.1/24" "" "# fine so far" "route 10.0.0.0/8 via"
expect 2 'c.conf:5: "via" needs a value' --config "$T/c.conf"
conf "mode l3" "colour blue"
expect 2 'c.conf:2: unknown statement "colour"' --config "$T/c.conf"
conf "mode bogus"
expect 2 'c.conf:1: unknown mode "bogus" (io, macswap, l2, l3)' \
	--config "$T/c.conf"
conf "addr 0 192.0.2.1/33"
expect 2 'c.conf:1: bad address "192.0.2.1/33"' --config "$T/c.conf"
conf "route 2001:db8::/32 via 192.0.2.9"
expect 2 'c.conf:1: bad gateway "192.0.2.9" (an IPv6 address)' \
	--config "$T/c.conf"
expect 2 'cannot open config file' --config "$T/missing.conf"
conf "mode l3" "route 203.0.113.0/24 via 198.51.100.9"
expect 1 'c.conf:2: gateway 198.51.100.9 of 203.0.113.0/24 is on no port' \
	--config "$T/c.conf" --link-timeout 0
expect 0 'all 16383 mbufs back in the pool' --mode io --duration 1
expect 0 'summary after' --mode l2 --duration 1 --stats-json "$T/s.json"
json_check "$T/s.json" '
d["final"] is True
d["ports"][0]["rx_packets"] > 0
d["mbufs"]["available"] == d["mbufs"]["pool_size"]
' || fail "json"
# two lcores (a queue pair each), io and l3, clean shutdown
EAL_USE="--no-huge -m 256 --no-pci --log-level lib.eal:error --lcores 0@(0-1),1@(0-1)"
EAL_USE=$EAL_USE expect 0 'summary after .* (mode io, 2 lcore(s))' --mode io \
	--duration 1
EAL_USE=$EAL_USE expect 0 'all 16383 mbufs back' --mode l3 \
	--addr 0,192.0.2.1/24 --duration 1
# a device whose driver refuses it
timeout 60 "$FWD" $EAL --file-prefix "args$$" --vdev net_null0 \
	--vdev net_ipoib0,port=0 -- --duration 1 > "$T/out" 2>&1
[ $? -eq 2 ] && grep -q "device net_ipoib0 did not come up" "$T/out" ||
	fail "refused device: $(cat "$T/out")"
echo "ok: refused device"
# --config=FILE form, and --help
conf "mode io"
expect 0 'mode io' --config="$T/c.conf" --duration 1
expect 0 'usage: ipoib-fwd' --help
# no ports at all
timeout 60 "$FWD" $EAL --file-prefix "args$$" -- --mode io > "$T/out" 2>&1
[ $? -eq 2 ] && grep -q "no ports" "$T/out" || fail "no ports: $(cat "$T/out")"
echo "ok: no ports"
# without ports, the arguments are still read first: --help is the usage,
# a bad value is named (not "no ports")
noports() {
	local rc=$1 pat=$2 got
	shift 2
	timeout 60 "$FWD" "$@" > "$T/out" 2>&1
	got=$?
	if [ $got -ne "$rc" ] || ! grep -q -- "$pat" "$T/out" ||
	   grep -q "no ports" "$T/out"; then
		cat "$T/out"
		fail "no ports, $*: want exit $rc and \"$pat\", got $got"
	fi
	echo "ok: no ports, $* -> $rc: $(grep -m1 -- "$pat" "$T/out")"
}
noports 0 'usage: ipoib-fwd' $EAL --file-prefix "args$$" -- --help
noports 2 'unknown mode "nonsense"' $EAL --file-prefix "args$$" -- \
	--mode nonsense
noports 2 'is not a number in 1..64' $EAL --file-prefix "args$$" -- \
	--burst 0
# EAL's --help goes on with the application's options, on stdout
timeout 60 "$FWD" --help > "$T/out" 2> "$T/err"
[ $? -eq 0 ] && grep -q -- '--log-level' "$T/out" &&
	grep -q -- '--mode io|macswap|l2|l3' "$T/out" ||
	fail "EAL --help: $(cat "$T/out" "$T/err")"
echo "ok: EAL --help shows the application's options"
pass
