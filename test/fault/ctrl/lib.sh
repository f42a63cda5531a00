#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Helpers of the management-plane fault tests (sourced). They run under
# test/with-fabric (IPOIB_FABRIC_DIR, IPOIB_FABRIC_TOOL) and drive
# fault_peer processes through files in $WORK (see fault_peer.c).

DIR=${IPOIB_FABRIC_DIR:?not under with-fabric}
TOOL=${IPOIB_FABRIC_TOOL:?not under with-fabric}
WORK=$(mktemp -d "$DIR/fault.XXXX")
FAILS=0
PIDS=()

# fail MESSAGE: count a failed check
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
# ok MESSAGE: report a passed check
ok() { echo "ok: $*"; }
# check COND-EXIT-STATUS MESSAGE: ok or fail by the last command
check() { if [ "$1" -eq 0 ]; then ok "$2"; else fail "$2"; fi; }

# peer HOST ROLE LCORE [options]: start fault_peer in the background
peer() {
	local host=$1 role=$2 lcore=$3
	shift 3
	timeout -s INT 200 "$TOOL" run --dir "$DIR" "$host" -- \
		"$APP" --no-huge -m 512 --no-pci --lcores "0@$lcore" \
		--file-prefix "flt$$$role" --log-level pmd.net.ipoib:info \
		--vdev "net_ipoib0,${MODE:-mode=raw}" ${EXTRA_VDEV:-} \
		-- "$role" "$WORK" --seconds 180 "$@" \
		> "$WORK/log.$role" 2>&1 &
	PIDS+=($!)
}

# stat ROLE NAME: a value from the peer's stat file. A name the file does
# not have (renamed counter, file not written yet) prints "missing:NAME",
# which fails every numeric comparison, and returns 1; wait_for keeps
# waiting on it, a final check fails on it.
stat() {
	local v
	v=$(grep -m1 "^$2=" "$WORK/stat.$1" 2>/dev/null | cut -d= -f2)
	if [ -z "$v" ]; then
		echo "missing:$2"
		return 1
	fi
	echo "$v"
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds
wait_for() {
	local i=0 n=$(($1 * 5))
	shift
	while ! "$@"; do
		i=$((i + 1))
		[ $i -ge $n ] && return 1
		sleep 0.2
	done
	return 0
}

# stat_ge ROLE NAME MIN: whether the value reached MIN
stat_ge() {
	local v
	v=$(stat "$1" "$2") && [ "$v" -ge "$3" ]
}

# phase N: tell every peer the phase now
phase() { echo "$1" > "$WORK/phase.tmp"; mv "$WORK/phase.tmp" "$WORK/phase"; }

# finish: stop the peers, wait for them, print their logs; exit status
finish() {
	local p rc=0 r
	touch "$WORK/stop"
	for p in "${PIDS[@]}"; do
		wait "$p" || rc=1
	done
	for r in "$WORK"/log.*; do
		echo "--- ${r##*/}"; cat "$r"
	done
	for r in "$WORK"/stat.*; do
		[ "$(grep -c '^final=1' "$r")" -eq 1 ] ||
			fail "${r##*.} did not finish"
		[ "$(grep '^mbufs_leaked=' "$r" | cut -d= -f2)" = 0 ] ||
			fail "${r##*.} leaked mbufs"
	done
	[ $rc -eq 0 ] || fail "a peer failed"
	echo "$FAILS failure(s)"
	[ $FAILS -eq 0 ]
}

# sm_stop: stop opensm (SIGINT, bounded wait)
sm_stop() {
	local pid i=0
	pid=$(cat "$DIR/opensm.pid")
	kill -INT "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	rm -f "$DIR/opensm.pid"
}

# sm_start [opensm options]: start opensm again, wait for MASTER (30 s)
sm_start() {
	( eval "$("$TOOL" env --dir "$DIR" sw1 | grep -v HCASIM_SOCKET)"
	  cd "$DIR" && OSM_TMP_DIR=$DIR OSM_CACHE_DIR=$DIR exec opensm \
		-f "$DIR/opensm.log" -P "$DIR/partitions.conf" "$@" \
		>>"$DIR/opensm.out" 2>&1 ) &
	echo $! > "$DIR/opensm.pid"
	wait_for 30 sm_master
}

# sm_master: whether an SM answers SMInfo as MASTER
sm_master() {
	"$TOOL" run --dir "$DIR" host1 -- sminfo 2>/dev/null | grep -q MASTER
}

# gid_of ROLE: the port GID of a role, from its published address
gid_of() {
	/usr/bin/python3 -c 'import ipaddress, sys
print(ipaddress.IPv6Address(bytes.fromhex(sys.argv[1][8:40])))' \
		"$(cat "$WORK/addr.$1")"
}

# is_member ROLE MGID: whether the SA lists ROLE's port in group MGID
is_member() {
	local gid
	gid=$(gid_of "$1") || return 1
	"$TOOL" run --dir "$DIR" sw1 -- saquery --smkey 1 --mgid "$2" \
		--gid "$gid" MCMR 2>/dev/null |
		grep -q "PortGid\.*$gid\$"
}

# hcasim_kill: SIGKILL the soft HCA; its command line is kept for
# hcasim_start in $WORK/hcasim.argv
hcasim_kill() {
	local pid
	pid=$(cat "$DIR/hcasim.pid")
	tr '\0' '\n' < "/proc/$pid/cmdline" > "$WORK/hcasim.argv"
	kill -KILL "$pid"
	wait_for 5 eval '! kill -0 '"$pid"' 2>/dev/null'
}

# hcasim_start: start the soft HCA again as before; wait for its socket
hcasim_start() {
	local -a argv
	mapfile -t argv < "$WORK/hcasim.argv"
	rm -f "$DIR/hcasim.sock"
	( eval "$("$TOOL" env --dir "$DIR" sw1 | grep -v HCASIM_SOCKET)"
	  cd "$DIR" && exec "${argv[@]}" >>"$DIR/hcasim.log" 2>&1 ) &
	echo $! > "$DIR/hcasim.pid"
	wait_for 15 test -S "$DIR/hcasim.sock"
}
