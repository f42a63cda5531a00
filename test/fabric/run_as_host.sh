#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Inside test/with-fabric (3 hosts): "run HOST -- ibstat" sees HOST's own
# port GUID and LID, the ones status reports; "env" lines do the same in
# a shell; run passes the command's exit code through.
. "$(dirname "$0")/lib.sh"

if [ -z "${IPOIB_FABRIC_DIR:-}" ]; then
	exec "$WITH_FABRIC" --hosts 3 --no-hcasim -- "$0" "$@"
fi
D=$IPOIB_FABRIC_DIR
[ "$IPOIB_FABRIC_TOOL" -ef "$FABRIC" ] || fail "IPOIB_FABRIC_TOOL=$IPOIB_FABRIC_TOOL"

"$FABRIC" status --dir "$D" --json >"$D/st.json" || fail "status"
for i in 1 2 3; do
	want_guid=$(json_get "$D/st.json" "s['hosts'][$((i - 1))]['ports'][0]['guid']")
	want_lid=$(json_get "$D/st.json" "s['hosts'][$((i - 1))]['ports'][0]['lid']")
	got=$("$FABRIC" run --dir "$D" "host$i" -- ibstat ibsim0 1) ||
		fail "run host$i ibstat"
	echo "$got" | grep -q "Port GUID: $want_guid" ||
		fail "host$i: ibstat does not show $want_guid: $got"
	echo "$got" | grep -q "Base lid: $want_lid\$" ||
		fail "host$i: ibstat does not show LID $want_lid"
	pass "host$i is $want_guid LID $want_lid"
done

# The SM node reached through the SA from host2: its PathRecord source is
# host2's port.
sgid=$("$FABRIC" run --dir "$D" host2 -- saquery --src-to-dst 3:2 -p |
	awk '/sgid\.\.\./ { sub(/.*\.+/, ""); print; exit }')
[ "$sgid" = fe80::2:c903:0:201 ] || fail "host2 path sgid '$sgid'"
pass "SA PathRecord from host2 has sgid $sgid"

(
	eval "$("$FABRIC" env --dir "$D" host3)" || exit 1
	[ "$SIM_HOST" = host3 ] && [ "$IPOIB_FABRIC_DIR" = "$D" ] || exit 1
	ibstat -p | grep -qx 0x0002c90300000301
) || fail "env lines do not make a shell host3"
pass "env lines make a shell act as host3"

"$FABRIC" run --dir "$D" host1 -- sh -c 'exit 42'
[ $? = 42 ] || fail "run did not pass exit code 42 through"
"$FABRIC" run --dir "$D" host1 -- /nonexistent/program 2>/dev/null
[ $? = 1 ] || fail "run of a missing program did not fail with 1"
pass "run passes exit codes through"
