#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ipoib-fwd in l3 mode between two net_memif ports (no fabric needed):
# a source host on one side, a sink on the other (test/fwd/fwd_host).
# Checks: ARP and ND resolve on both sides, IPv4 and IPv6 UDP arrive with
# TTL/hop limit decremented and valid checksums, TTL 1 and unrouted
# destinations get ICMP errors back, a next hop that does not answer gets
# a host unreachable, malformed packets are dropped and counted, the
# router answers pings, and every mbuf is back at exit.
set -u
FWD=$(readlink -f "$1")
HOST=$(readlink -f "$2")
. "$(dirname "$0")/lib.sh"
fwd_tmpdir l3m

cat > "$T/fwd.conf" <<CONF
# two subnets, one per memif port
mode l3
addr 0 192.0.2.1/24
addr 0 2001:db8:1::1/64
addr 1 198.51.100.1/24
addr 1 2001:db8:2::1/64
route 203.0.113.0/24 via 198.51.100.9   # a gateway that never answers
CONF

EAL="--no-huge -m 256 --no-pci --log-level lib.eal:error -l 0"
# FWD_LCORES: the forwarder's lcores (default one, like the hosts)
fwd_start "$T/fwd.log" timeout 120 "$FWD" ${EAL% -l 0} \
	--lcores "${FWD_LCORES:-0}" --file-prefix "l3m$$f" \
	--vdev "net_memif0,role=server,socket=$T/a.sock" \
	--vdev "net_memif1,role=server,socket=$T/b.sock" -- \
	--config "$T/fwd.conf" --stats-json "$T/fwd.json" --duration 100 \
	--link-timeout 0
wait_file "$T/fwd.json" 30 $FWD_PID || fail "the forwarder did not start"

timeout 60 "$HOST" $EAL --file-prefix "l3m$$s" \
	--vdev "net_memif0,role=client,socket=$T/b.sock" -- sink \
	--ip 198.51.100.2 --gw 198.51.100.1 --ip6 2001:db8:2::2 \
	--gw6 2001:db8:2::1 --expect-src 192.0.2.2 \
	--expect-src6 2001:db8:1::2 --count 200 --timeout 40 \
	--ready "$T/sink.ready" --hold "$T/release" > "$T/sink.log" 2>&1 &
SINK=$!
PIDS="$PIDS $SINK"
wait_file "$T/sink.ready" 30 $SINK || fail "the sink did not start"

timeout 60 "$HOST" $EAL --file-prefix "l3m$$c" \
	--vdev "net_memif0,role=client,socket=$T/a.sock" -- source \
	--ip 192.0.2.2 --gw 192.0.2.1 --ip6 2001:db8:1::2 --gw6 2001:db8:1::1 \
	--dst 198.51.100.2 --dst6 2001:db8:2::2 --unrouted 198.18.0.1 \
	--unrouted6 2001:db8:99::1 --unresolved 203.0.113.5 --count 200 \
	--timeout 20 --hold "$T/release" > "$T/source.log" 2>&1 &
SOURCE=$!
PIDS="$PIDS $SOURCE"
# stop the forwarder before the memif clients disconnect (see fwd_host)
wait_line "$T/source.log" "fwd_host source: done" 90 $SOURCE
wait_line "$T/sink.log" "fwd_host sink: done" 60 $SINK
fwd_stop
touch "$T/release"
wait $SOURCE
RS=$?
wait $SINK
RK=$?
show "$T/source.log" "$T/sink.log" "$T/fwd.log"
[ $RS -eq 0 ] || fail "source failed ($RS)"
[ $RK -eq 0 ] || fail "sink failed ($RK)"
[ "$FWD_RC" -eq 0 ] || fail "forwarder exited with $FWD_RC"
json_check "$T/fwd.json" '
d["final"] is True
d["drops"]["malformed"] >= 7
d["drops"]["ttl_exceeded"] >= 2
d["drops"]["no_route"] >= 2
d["drops"]["unresolved"] >= 1
d["events"]["arp_nd_replies"] >= 2
d["events"]["arp_nd_requests"] >= 2
d["events"]["echo_replies"] >= 2
d["neighbours"] >= 4
d["ports"][1]["tx_packets"] >= 400
d["mbufs"]["available"] == d["mbufs"]["pool_size"]
' || fail "forwarder statistics"
pass
