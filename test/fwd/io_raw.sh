#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# io mode through ipoib-fwd between two hosts of a simulated fabric, over
# raw net_ipoib ports: host1 sends N packets to the forwarder on host3,
# which sends them on (io mode, --peer) to host2. The counts must add up
# end to end: sent = received + every drop counted on the way (the
# forwarder's drops and its port's missed/errors, the sender's transmit
# errors, the receiver's missed/errors, and what the soft HCA dropped
# for want of a posted receive buffer).
# Runs under test/with-fabric --hosts 3.
set -u
FWD=$(readlink -f "$1")
HOST=$(readlink -f "$2")
N=${FWD_IO_PACKETS:-20000}
# packets/s; a sanitized build sends slower (test/sanitizers/meson.build)
RATE=${FWD_IO_RATE:-50000}
. "$(dirname "$0")/lib.sh"
fwd_tmpdir io
cd "$T" || exit 1
RUN="$IPOIB_FABRIC_TOOL run --dir $IPOIB_FABRIC_DIR"
EAL="--no-huge -m 512 --no-pci --log-level lib.eal:error"

timeout 120 $RUN host2 -- "$HOST" $EAL --file-prefix "io$$r" -l 0 \
	--vdev net_ipoib0,mode=raw -- raw-recv --count "$N" --timeout 90 \
	--ready "$T/recv.ready" > "$T/recv.log" 2>&1 &
RECV=$!
PIDS="$PIDS $RECV"
wait_file "$T/recv.ready" 60 $RECV || { show "$T/recv.log"; fail "receiver not up"; }
DST=$(awk '{print $2}' "$T/recv.ready")
echo "receiver host2 at $DST"

fwd_start "$T/fwd.log" timeout 150 $RUN host3 -- "$FWD" $EAL \
	--file-prefix "io$$f" -l 0 --vdev net_ipoib0,mode=raw -- \
	--mode io --pairs 0:0 --peer "0,$DST" --stats-json "$T/fwd.json" \
	--duration 120
wait_file "$T/fwd.json" 60 $FWD_PID || { show "$T/fwd.log"; fail "forwarder not up"; }
GW=$(grep -o 'ipoib [0-9a-f]\{40\}' "$T/fwd.log" | awk '{print $2}')
[ -n "$GW" ] || { show "$T/fwd.log"; fail "no forwarder address"; }
echo "forwarder host3 at $GW"

timeout 120 $RUN host1 -- "$HOST" $EAL --file-prefix "io$$s" -l 0 \
	--vdev net_ipoib0,mode=raw -- raw-send --raw-dst "$GW" --count "$N" \
	--rate "$RATE" --timeout 30 > "$T/send.log" 2>&1
RS=$?
wait $RECV
RR=$?
fwd_stop
show "$T/send.log" "$T/recv.log" "$T/fwd.log"
[ $RS -eq 0 ] || fail "sender failed ($RS)"
[ $RR -eq 0 ] || fail "receiver failed ($RR)"
[ "$FWD_RC" -eq 0 ] || fail "forwarder exited with $FWD_RC"
val() { grep -o "$2=[0-9]*" "$1" | tail -1 | cut -d= -f2; }
SENT=$(val "$T/send.log" sent)
SERR=$(val "$T/send.log" oerrors)
RECVD=$(val "$T/recv.log" received)
RMISS=$(val "$T/recv.log" imissed)
RERR=$(val "$T/recv.log" ierrors)
FDROP=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
p=d["ports"][0]
print(d["drops_total"] + p["dev_imissed"] + p["dev_ierrors"] + p["dev_oerrors"])' "$T/fwd.json")
# What the soft HCA dropped for want of a posted receive buffer (a full
# receive ring: a ConnectX's out-of-buffer counter), at the forwarder
# (host3) and the receiver (host2); a missing counter fails the test.
HCADROP=$("$IPOIB_FABRIC_TOOL" status --dir "$IPOIB_FABRIC_DIR" --json |
	/usr/bin/python3 -c 'import json, sys
d = json.load(sys.stdin)
n = [p["counters"]["rcv_discards_no_buffer"] for p in d["hcasim"]["ports"]
     if p["host"] in ("host2", "host3")]
assert len(n) == 2, "no soft HCA counters for host2 and host3"
print(sum(n))') || fail "no soft HCA counters"
echo "sent $SENT = received $RECVD + sender errors $SERR + forwarder drops $FDROP + receiver missed $RMISS + errors $RERR + device out-of-buffer $HCADROP"
[ "$SENT" -eq "$N" ] || fail "the sender sent $SENT of $N"
[ "$SENT" -eq $((RECVD + SERR + FDROP + RMISS + RERR + HCADROP)) ] ||
	fail "the counts do not add up"
[ "$RECVD" -gt 0 ] || fail "nothing arrived"
json_check "$T/fwd.json" '
d["final"] is True
d["mbufs"]["available"] == d["mbufs"]["pool_size"]
d["ports"][0]["rx_packets"] >= 1
' || fail "forwarder statistics"
pass
