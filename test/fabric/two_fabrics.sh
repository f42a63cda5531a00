#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Two fabrics side by side: A (2 hosts, GUIDs 0x0002c903...) and B (3 hosts,
# GUIDs 0x0002c904...). Each one's SA answers about its own ports only;
# stopping A ends A's processes only and B still answers.
. "$(dirname "$0")/lib.sh"

new_dir
A=$NEW_DIR
new_dir
B=$NEW_DIR
start_fabric "$A" --hosts 2 --no-hcasim
start_fabric "$B" --hosts 3 --no-hcasim --guid-base 0x0002c90400000000

# path_dgid DIR HOST DLID: the destination GID of the SA's PathRecord from
# HOST's port to DLID (LIDs are given in port order: host1=2, host2=3...).
path_dgid() {
	"$FABRIC" run --dir "$1" "$2" -- saquery --src-to-dst "2:$3" -p |
		awk '/dgid\.\.\./ { sub(/.*\.+/, ""); print; exit }'
}

ga=$(path_dgid "$A" host1 3)
gb=$(path_dgid "$B" host1 3)
[ "$ga" = fe80::2:c903:0:201 ] || fail "A: path to LID 3 has dgid '$ga'"
[ "$gb" = fe80::2:c904:0:201 ] || fail "B: path to LID 3 has dgid '$gb'"
pass "each SA answers with its own GUIDs ($ga, $gb)"

pir() {
	"$FABRIC" run --dir "$1" host1 -- saquery PIR "$2" | grep -c EndPortLid
}
[ "$(pir "$A" 4)" = 0 ] || fail "A's SA knows LID 4 (B's host3)"
[ "$(pir "$B" 4)" = 1 ] || fail "B's SA does not know LID 4"
pass "A's SA has no LID 4, B's has"

# host3 exists on B only: attaching to it on A fails.
eval "$("$FABRIC" env --dir "$A" host1)"
SIM_HOST=host3 ibstat >/dev/null 2>&1 && fail "host3 reachable on A"
unset LD_PRELOAD SIM_HOST IBSIM_SOCKNAME
"$FABRIC" run --dir "$B" host3 -- ibstat -p | grep -qx 0x0002c90400000301 ||
	fail "host3 not reachable on B"
pass "host3 only on B"

apids=$(fabric_pids "$A")
bpids=$(fabric_pids "$B")
"$FABRIC" stop --dir "$A" || fail "stop A"
for p in $apids; do
	pid_is_alive "$p" && fail "A's pid $p still running"
done
for p in $bpids; do
	pid_is_alive "$p" || fail "B's pid $p died when A stopped"
done
[ -z "$(procs_of_dir "$A")" ] || fail "processes of A left"
out=$("$FABRIC" status --dir "$B") || fail "B status after stopping A"
[ "$(echo "$out" | grep -Ec 'LID [1-9][0-9]* +Active')" = 3 ] ||
	fail "B lost active ports: $out"
pass "stopping A left B running and answering"
