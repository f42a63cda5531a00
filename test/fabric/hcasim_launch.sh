#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# How ipoib-fabric drives the soft HCA, with a stand-in binary at
# $IPOIB_BUILD/app/hcasim/hcasim: started after the SM with the host
# preload env and the start options, HCASIM_SOCKET exported, its status
# JSON shown by status, stopped by stop; a soft HCA that dies or hangs at
# start makes start fail and leaves nothing running; --no-hcasim skips it.
. "$(dirname "$0")/lib.sh"

new_dir
T=$NEW_DIR
export IPOIB_BUILD=$T/build
mkdir -p "$IPOIB_BUILD/app/hcasim"
cp "$(dirname "$0")/fake-hcasim" "$IPOIB_BUILD/app/hcasim/hcasim"
chmod +x "$IPOIB_BUILD/app/hcasim/hcasim"
unset IPOIB_NO_HCASIM

new_dir
D=$NEW_DIR
start_fabric "$D" --hosts 2 --drop-rate 0.25 --capture "$D/wire.erf"
[ -S "$D/hcasim.sock" ] || fail "no hcasim.sock"
args=$(cat "$D/hcasim.sock.args") || fail "soft HCA did not record its args"
echo "$args"
for want in '"--net", "'"$D"'/net"' '"--drop-rate", "0.25"' \
	'"--capture", "'"$D"'/wire.erf"' '"SIM_HOST": "sw1"' \
	'"--host-sockets", "'"$D"'/hcasim.hosts"' \
	'"IBSIM_SOCKNAME": "ipf-'; do
	echo "$args" | grep -qF -- "$want" || fail "soft HCA args lack $want"
done
pass "soft HCA started with the fabric's net file, options and env"

"$FABRIC" env --dir "$D" host1 | grep -qx "export HCASIM_SOCKET=$D/hcasim.sock" ||
	fail "env lacks HCASIM_SOCKET"
out=$("$FABRIC" status --dir "$D") || fail "status"
echo "$out" | grep -q '"fake": true' || fail "status lacks soft HCA JSON"
pid=$(cat "$D/hcasim.pid") || fail "no hcasim.pid"
pid_is_alive "$pid" || fail "soft HCA not running"
pass "env and status show the soft HCA"

"$FABRIC" stop --dir "$D" || fail "stop"
pid_is_alive "$pid" && fail "soft HCA pid $pid survived stop"
[ -z "$(procs_of_dir "$D")" ] || fail "processes left after stop"
pass "stop ended the soft HCA"

new_dir
E=$NEW_DIR
out=$(FAKE_HCASIM_MODE=crash "$FABRIC" start --dir "$E" --hosts 1 2>&1)
[ $? = 1 ] || fail "start with a crashing soft HCA did not fail"
echo "$out" | grep -q 'hcasim exited with status 3' || fail "message: $out"
[ -z "$(procs_of_dir "$E")" ] || fail "processes left after failed start"
pass "a soft HCA that dies fails start cleanly"

new_dir
H=$NEW_DIR
out=$(FAKE_HCASIM_MODE=hang "$FABRIC" start --dir "$H" --hosts 1 \
	--timeout 5 2>&1)
[ $? = 1 ] || fail "start with a hanging soft HCA did not fail"
echo "$out" | grep -q 'hcasim did not create .*hcasim.sock' ||
	fail "message: $out"
[ -z "$(procs_of_dir "$H")" ] ||
	fail "processes left after a hung start: $(procs_of_dir "$H")"
pass "a soft HCA that hangs at start (no socket, deaf to SIGTERM)" \
	"fails start cleanly"

start_fabric "$E" --hosts 1 --no-hcasim
[ -e "$E/hcasim.pid" ] && fail "--no-hcasim started the soft HCA"
"$FABRIC" env --dir "$E" host1 | grep -q HCASIM_SOCKET &&
	fail "env exports HCASIM_SOCKET without a soft HCA"
"$FABRIC" status --dir "$E" | grep -q 'soft HCA: not' ||
	fail "status does not say the soft HCA is absent"
pass "--no-hcasim"
