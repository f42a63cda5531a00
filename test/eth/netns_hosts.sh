#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Two real Linux IP stacks behind mode=eth ports: on each fabric host,
# stock dpdk-testpmd io-forwards between net_tap and net_ipoib; the tap
# is moved into a network namespace, given the net_ipoib port's MAC (the
# host IS that port's IPoIB address, doc/eth-mode.md) and addressed.
# Checks: ping (IPv4), ping -6 (global addresses, nodad), a 1 MB TCP
# transfer over IPv6 with its sha256 equal at both ends, and UDP to an
# IPv4 group a socket of host2 joined (its leave snooped as well).
# IPv6 needs the PMD to join the far host's solicited-node group: nobody
# calls set_mc_addr_list, so only the snooped MLD reports of the hosts
# can make it (mcast_snoop_joins > 0, mcast_snoop_malformed = 0).
# Runs under test/with-fabric --hosts 2.
set -u
TESTPMD=${IPOIB_TESTPMD:-/usr/bin/dpdk-testpmd}
LIB=$(realpath "$1")
TOOL="$IPOIB_FABRIC_TOOL"
FD="$IPOIB_FABRIC_DIR"
WORK=$(mktemp -d "$FD/ns.XXXX")
ID=$(($$ % 100000))
PIDS=()
NSS=()

# start_testpmd HOST LCORES: testpmd reading commands from the fifo
# (its own bound, 200 s, is above the sum of the steps' bounds below and
# under meson's 240 s: a slow sanitized run is not cut short mid-test)
# $WORK/HOST.in, logging to $WORK/HOST.log; port 0 net_ipoib, port 1
# net_tap with the kernel interface t<ID><HOST number>
start_testpmd() {
	local host=$1 lcores=$2
	mkfifo "$WORK/$host.in"
	timeout 200 "$TOOL" run --dir "$FD" "$host" -- stdbuf -oL "$TESTPMD" \
		--no-huge -m 512 --no-pci --file-prefix "ns$ID$host" \
		--lcores "$lcores" -d "$LIB" --vdev net_ipoib0 \
		--vdev "net_tap0,iface=t$ID${host#host}" -- -i \
		--total-num-mbufs=16384 --forward-mode=io --nb-cores=1 \
		< "$WORK/$host.in" > "$WORK/$host.log" 2>&1 &
	PIDS+=($!)
	eval "exec {fd_$host}>\"$WORK/$host.in\""
}

# cmd HOST COMMAND...: send one command line to HOST's testpmd
cmd() {
	local fd="fd_$1"
	shift
	echo "$*" >&"${!fd}"
}

# wait_for HOST PATTERN SECONDS: wait until HOST's log matches
wait_for() {
	local i
	for ((i = 0; i < $3 * 4; i++)); do
		grep -q "$2" "$WORK/$1.log" && return 0
		sleep 0.25
	done
	echo "timeout waiting for '$2' on $1"
	return 1
}

# xstat HOST NAME: the last printed value of xstat NAME in HOST's log
xstat() {
	sed -n "s/^ *$2: *\([0-9]*\).*/\1/p" "$WORK/$1.log" | tail -1
}

cleanup() {
	local h p n
	if [ ${#PIDS[@]} -gt 0 ]; then
		for h in host1 host2; do
			[ -p "$WORK/$h.in" ] && cmd "$h" quit 2>/dev/null
		done
		sleep 2
	fi
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for n in "${NSS[@]}"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
}
trap cleanup EXIT

# set_host N: namespace n<ID>-N with the tap of hostN, its MAC the
# net_ipoib port's, 10.77.0.N/24 and fd77::N/64
set_host() {
	local n=$1 ns="n$ID-$1" tap="t$ID$1" mac i
	mac=$(sed -n 's/^Port 0: \([0-9A-Fa-f:]*\).*/\1/p' \
		"$WORK/host$n.log" | head -1)
	for ((i = 0; i < 40; i++)); do
		ip link show "$tap" > /dev/null 2>&1 && break
		sleep 0.25
	done
	ip netns add "$ns" && NSS+=("$ns") &&
	ip link set "$tap" netns "$ns" &&
	ip -n "$ns" link set "$tap" address "$mac" &&
	ip -n "$ns" addr add "10.77.0.$n/24" dev "$tap" &&
	ip -n "$ns" addr add "fd77::$n/64" dev "$tap" nodad &&
	ip -n "$ns" link set lo up &&
	ip -n "$ns" link set "$tap" up || return 1
	echo "host$n: $tap in $ns, MAC $mac"
}

if [ "$(id -u)" -ne 0 ] || ! ip netns list > /dev/null 2>&1 ||
	[ ! -c /dev/net/tun ]; then
	echo "netns_hosts needs root, ip netns and /dev/net/tun"
	exit 1
fi
start_testpmd host1 '0@0,1@0'
start_testpmd host2 '0@1,1@1'
for h in host1 host2; do
	wait_for $h '^Port 1: ' 30 || exit 1
	cmd $h start
done
set_host 1 || exit 1
set_host 2 || exit 1
sleep 2 # the hosts' MLD reports, the joins they cause

FAIL=0
check() { # description, then the test
	local what=$1
	shift
	if "$@"; then
		echo "ok: $what ($(date +%T))"
	else
		echo "FAIL: $what ($(date +%T))"
		FAIL=1
	fi
}
NS1="n$ID-1"
NS2="n$ID-2"
# diag WHAT: what the namespaces and the testpmds show after a failure
diag() {
	local n
	echo "--- $(date +%T.%N | cut -c1-12) after: $1"
	for n in "$NS1" "$NS2"; do
		echo "$n neighbours:"
		ip -n "$n" neigh show
		ip -n "$n" -s link show
	done
	for h in host1 host2; do
		cmd $h show port stats all
	done
	sleep 1
	for h in host1 host2; do
		echo "$h:"
		tail -n 30 "$WORK/$h.log"
	done
}
# nsping NS ADDRESS: 3 ICMP echo replies within 10 s (ping(8) in python,
# raw sockets: no iputils needed)
# The Python tools enter only the host's network namespace (nsenter),
# not the mount namespace and sysfs remount of `ip netns exec`: they
# need sockets, not /sys.
nsping() {
	local rc
	timeout 15 nsenter --net="/run/netns/$1" /usr/bin/python3 - "$2" <<'PY'
import os, socket, struct, sys, time
print('ping %s: started' % sys.argv[1], file=sys.stderr, flush=True)
dst = sys.argv[1]
v6 = ':' in dst
if v6:
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
ident, got, seq = os.getpid() & 0xffff, set(), 0
def csum(b):
    b += b'\0' * (len(b) & 1)
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff)
    return ~(t + (t >> 16)) & 0xffff
end = time.time() + 10
while len(got) < 3 and time.time() < end:
    seq += 1
    msg = struct.pack('!BBHHH', 128 if v6 else 8, 0, 0, ident, seq) + \
        b'ipoib-netns' * 4
    if not v6:
        msg = msg[:2] + struct.pack('!H', csum(msg)) + msg[4:]
    try:
        s.sendto(msg, (dst, 0))
    except OSError as e:
        print('send:', e)
    s.settimeout(0.3)
    t = time.time() + 0.3
    while time.time() < t:
        try:
            b = s.recv(2048)
        except OSError:
            break
        if not v6:
            b = b[(b[0] & 15) * 4:]
        if len(b) >= 8 and b[0] == (129 if v6 else 0) and \
                struct.unpack('!H', b[4:6])[0] == ident:
            got.add(struct.unpack('!H', b[6:8])[0])
print('ping %s: %d replies to %d requests' % (dst, len(got), seq))
sys.exit(0 if len(got) >= 3 else 1)
PY
	rc=$?
	[ $rc -eq 0 ] || diag "ping $2 in $1 (rc $rc)"
	return $rc
}
check "ping 10.77.0.2" nsping "$NS1" 10.77.0.2
check "ping -6 fd77::2" nsping "$NS1" fd77::2
# 1 MB over TCP/IPv6, host1 -> host2, sha256 at both ends
head -c 1048576 /dev/urandom > "$WORK/data"
timeout 30 nsenter --net="/run/netns/$NS2" /usr/bin/python3 - "$WORK/recv.sha" <<'PY' &
import hashlib, socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('fd77::2', 5001))
s.listen(1)
s.settimeout(25)
c, _ = s.accept()
c.settimeout(20)
h, n = hashlib.sha256(), 0
while True:
    b = c.recv(65536)
    if not b:
        break
    h.update(b)
    n += len(b)
open(sys.argv[1], 'w').write('%s %d\n' % (h.hexdigest(), n))
PY
SRV=$!
sleep 0.5
timeout 25 nsenter --net="/run/netns/$NS1" /usr/bin/python3 - "$WORK/data" <<'PY'
import socket, sys, time
data = open(sys.argv[1], 'rb').read()
for i in range(20):  # the server may still be starting
    try:
        s = socket.create_connection(('fd77::2', 5001), timeout=10)
        break
    except OSError:
        time.sleep(0.25)
else:
    sys.exit('no connection to [fd77::2]:5001')
s.settimeout(20)
s.sendall(data)
s.shutdown(socket.SHUT_WR)
s.recv(1)
PY
RC=$?
wait $SRV
RS=$?
SENT="$(sha256sum < "$WORK/data" | cut -d' ' -f1) 1048576"
GOT=$(cat "$WORK/recv.sha" 2>/dev/null)
echo "TCP/IPv6: client rc $RC, server rc $RS; sent $SENT; received ${GOT:-none}"
[ "$SENT" = "$GOT" ] || diag "TCP/IPv6"
check "1 MB over TCP/IPv6, sha256 equal" test "$SENT" = "$GOT"

# IPv4 multicast: a socket of host2 joins 239.1.2.3 (IGMPv3 report,
# snooped: full join), host1 sends to it (send-only join); closing the
# socket sends the leave (CHANGE_TO_INCLUDE {}), snooped too
timeout 15 nsenter --net="/run/netns/$NS2" /usr/bin/python3 - "$WORK/mc.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('239.1.2.3', 5002))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             socket.inet_aton('239.1.2.3') + socket.inet_aton('10.77.0.2'))
s.settimeout(10)
try:
    b, a = s.recvfrom(2048)
    open(sys.argv[1], 'w').write('%s %s\n' % (b.decode(), a[0]))
except OSError as e:
    print('multicast receive:', e)
s.close()
PY
MCR=$!
timeout 12 nsenter --net="/run/netns/$NS1" /usr/bin/python3 - "$MCR" <<'PY'
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
             socket.inet_aton('10.77.0.1'))
end = time.time() + 10
while time.time() < end:
    s.sendto(b'ipoib-mcast', ('239.1.2.3', 5002))
    time.sleep(0.2)
    try:
        os.kill(int(sys.argv[1]), 0)
    except OSError:
        break
PY
wait $MCR
GOT=$(cat "$WORK/mc.txt" 2>/dev/null)
echo "multicast 239.1.2.3 at host2: ${GOT:-nothing}"
check "UDP to 239.1.2.3 received by host2" test "$GOT" = \
	"ipoib-mcast 10.77.0.1"
sleep 1 # the leave's report, served

for h in host1 host2; do
	cmd $h stop
	cmd $h show port xstats 0
	wait_for $h 'mcast_snoop_dropped' 10
done
for h in host1 host2; do
	echo "=== $h"
	grep -E 'mcast|snoop|tx_nd|rx_nd|arp|unknown' "$WORK/$h.log" |
		grep -v ': *0$'
	j=$(xstat $h mcast_snoop_joins)
	check "$h mcast_snoop_joins ${j:-none} > 0" test "${j:-0}" -gt 0
	m=$(xstat $h mcast_snoop_malformed)
	check "$h mcast_snoop_malformed ${m:-none} = 0" test "${m:-1}" -eq 0
	m=$(xstat $h mcast_joins)
	check "$h mcast_joins ${m:-none} > 0" test "${m:-0}" -gt 0
done
l=$(xstat host2 mcast_snoop_leaves)
check "host2 mcast_snoop_leaves ${l:-none} > 0 (left 239.1.2.3)" \
	test "${l:-0}" -gt 0
# quit both, then their logs must hold no sanitizer report
for h in host1 host2; do
	cmd $h quit
done
for p in "${PIDS[@]}"; do
	wait "$p"
done
PIDS=()
SAN=$(grep -l 'AddressSanitizer\|LeakSanitizer\|runtime error' \
	"$WORK/host1.log" "$WORK/host2.log")
check "no sanitizer report ${SAN:+in $SAN}" test -z "$SAN"
[ $FAIL -eq 0 ] || tail -n 40 "$WORK/host1.log" "$WORK/host2.log"
exit $FAIL
