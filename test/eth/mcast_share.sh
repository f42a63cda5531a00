#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The PMD beside the kernel's ib0 on one port: the SA keeps memberships
# per port GID, so the PMD must never leave a group the port belonged to
# before it joined. sa_tool, a second SA client of host1's port, plays
# ib0; the stock testpmd (mode=eth) is the PMD's application.
#  1. Alone: testpmd starts (the broadcast group), lists a multicast MAC
#     (its group joined); the SA lists the port in both; port stop; the
#     SA lists it in neither (the PMD leaves what it alone joined).
#  2. Beside ib0: the stand-in joins both groups; port start
#     (mcast_found_joined 2, link up); port stop: mcast_leaves_skipped 2
#     and the SA still lists the port in both groups, also after testpmd
#     has quit.
# Runs under test/with-fabric --hosts 1.
set -u
TESTPMD=${IPOIB_TESTPMD:-/usr/bin/dpdk-testpmd}
SA_TOOL=$(realpath "$1")
LIB=$(realpath "$2")
TOOL="$IPOIB_FABRIC_TOOL"
FD="$IPOIB_FABRIC_DIR"
WORK=$(mktemp -d "$FD/ms.XXXX")
BCAST=ff12:401b:ffff::ffff:ffff
GROUP_MAC=01:00:5e:01:02:03
GROUP=ff12:401b:ffff::1:203 # the IPoIB group of 239.1.2.3's MAC
PID=
FAIL=0

# sa CMD...: one sa_tool command as host1 (ib0's stand-in); prints its
# result line
sa() {
	timeout 30 "$TOOL" run --dir "$FD" host1 -- "$SA_TOOL" "$@" |
		grep '^rc='
}

# member MGID: 1 or 0 as the SA says for host1's port, "?" on error
member() {
	local out
	out=$(sa member "$1")
	case "$out" in
	rc=0*member=1*) echo 1 ;;
	rc=0*member=0*) echo 0 ;;
	*) echo "?" ;;
	esac
}

# wait_member MGID WANT SECONDS: wait until member MGID says WANT
wait_member() {
	local i
	for ((i = 0; i < $3 * 2; i++)); do
		[ "$(member "$1")" = "$2" ] && return 0
		sleep 0.5
	done
	return 1
}

check() { # description, then the test
	local what=$1
	shift
	if "$@"; then
		echo "ok: $what"
	else
		echo "FAIL: $what"
		FAIL=1
	fi
}

# cmd COMMAND...: send one command line to testpmd
cmd() {
	echo "$*" >&"$TP_FD"
}

# wait_count PATTERN N SECONDS: wait until N lines of the log match
wait_count() {
	local i
	for ((i = 0; i < $3 * 4; i++)); do
		[ "$(grep -c "$1" "$WORK/tp.log")" -ge "$2" ] && return 0
		sleep 0.25
	done
	echo "timeout waiting for $2 x '$1'"
	return 1
}

# xstat NAME: ask testpmd for its xstats, print NAME's value once the
# new listing is complete
xstat() {
	local last='^ *mcast_leaves:' # the last xstat of mode=eth
	local n=$(grep -c "$last" "$WORK/tp.log")

	cmd show port xstats 0
	wait_count "$last" $((n + 1)) 20 >&2
	sed -n "s/^ *$1: *\([0-9]*\).*/\1/p" "$WORK/tp.log" | tail -1
}

# link_up: ask testpmd for the port's info, 0 when the link is up
link_up() {
	local n=$(grep -c 'Link status: ' "$WORK/tp.log")

	cmd show port info 0
	wait_count 'Link status: ' $((n + 1)) 20 || return 1
	grep 'Link status: ' "$WORK/tp.log" | tail -1 | grep -q up
}

cleanup() {
	if [ -n "$PID" ]; then
		cmd quit 2>/dev/null
		sleep 2
		kill "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	echo "=== testpmd log (end)"
	grep -v '^ *[a-z_0-9]*: *0$' "$WORK/tp.log" | tail -60
}
trap cleanup EXIT

check "before the PMD the port is in no group" \
	test "$(member $BCAST)$(member $GROUP)" = 00
mkfifo "$WORK/tp.in"
timeout 110 "$TOOL" run --dir "$FD" host1 -- stdbuf -oL "$TESTPMD" \
	--no-huge -m 512 --no-pci --file-prefix "ms$$" --lcores '0@0,1@0' \
	-d "$LIB" --vdev net_ipoib0 -- -i --total-num-mbufs=4096 \
	< "$WORK/tp.in" > "$WORK/tp.log" 2>&1 &
PID=$!
exec {TP_FD}>"$WORK/tp.in"
wait_count '^Port 0: ' 1 60 || exit 1

echo "--- 1. alone on the port"
check "the port is up" link_up
cmd mcast_addr add 0 $GROUP_MAC
check "the SA lists the port in the broadcast group" \
	wait_member $BCAST 1 10
check "the SA lists the port in $GROUP (the listed MAC)" \
	wait_member $GROUP 1 10
v=$(xstat mcast_found_joined)
check "mcast_found_joined ${v:-none} = 0" test "${v:-1}" -eq 0
cmd port stop 0
wait_count 'Stopping ports' 1 20
check "after stop the SA no longer lists the port in the broadcast group" \
	wait_member $BCAST 0 10
check "after stop the SA no longer lists the port in $GROUP" \
	wait_member $GROUP 0 10
v=$(xstat mcast_leaves_skipped)
check "mcast_leaves_skipped ${v:-none} = 0" test "${v:-1}" -eq 0

echo "--- 2. beside ib0 (the stand-in joined first)"
r=$(sa join $BCAST 1)
check "the stand-in joins the broadcast group ($r)" \
	test "${r#rc=0 }" != "$r"
r=$(sa join $GROUP 1 $BCAST)
check "the stand-in joins $GROUP ($r)" test "${r#rc=0 }" != "$r"
cmd port start 0
ok=1
for ((i = 0; i < 40; i++)); do
	link_up && ok=0 && break
	sleep 0.5
done
check "the port is up again" test $ok -eq 0
v=$(xstat mcast_found_joined)
check "mcast_found_joined ${v:-none} = 2 (broadcast and $GROUP)" \
	test "${v:-0}" -eq 2
v=$(xstat mcast_member_query_failures)
check "mcast_member_query_failures ${v:-none} = 0" test "${v:-1}" -eq 0
cmd port stop 0
wait_count 'Stopping ports' 2 20
v=$(xstat mcast_leaves_skipped)
check "mcast_leaves_skipped ${v:-none} = 2" test "${v:-0}" -eq 2
check "after stop the SA still lists the port in the broadcast group" \
	test "$(member $BCAST)" = 1
check "after stop the SA still lists the port in $GROUP" \
	test "$(member $GROUP)" = 1
cmd quit
for ((i = 0; i < 40; i++)); do
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.25
done
wait "$PID" 2>/dev/null
PID=
check "after quit the SA still lists the port in the broadcast group" \
	test "$(member $BCAST)" = 1
check "after quit the SA still lists the port in $GROUP" \
	test "$(member $GROUP)" = 1
exit $FAIL
