#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The wire's ERF capture decodes in tshark: write three packets through
# hcasim_wire_carry() (test_wire_capture), then check them with check-erf
# (independent CRCs + tshark fields + inner IPv4/UDP). A capture with one
# flipped payload byte must be refused, so the checker can fail.
#
# Usage: test_wire_tshark.sh TEST_WIRE_CAPTURE CHECK_ERF

set -u
capture_tool=$1
check_erf=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/test_wire_tshark.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT INT TERM

command -v tshark >/dev/null 2>&1 || { echo "SKIP: no tshark"; exit 77; }

"$capture_tool" "$dir/wire.erf" || { echo "FAIL: capture"; exit 1; }

"$check_erf" "$dir/wire.erf" --verbose --count 3 \
	--expect dlid=2,slid=1,grh=0,sl=0,pkey=0xffff,destqp=0x48,srcqp=0x49,qkey=0x0b1b,psn=1,payload=68656c6c6f2c2077697265 \
	--expect dlid=0xc001,slid=3,grh=1,sl=1,dgid=ff12:401b:ffff::ffff:ffff,sgid=fe80::2:c903:0:1,destqp=0xffffff,srcqp=0x4a,qkey=0x80010000,payload_len=28,payload_prefix=5a5a5a5a \
	--expect dlid=4,slid=1,grh=0,destqp=0x48,srcqp=0x49,qkey=0x0b1b,ethertype=0x0800,ip_src=10.0.0.1,ip_dst=10.0.0.2,udp_sport=1234,udp_dport=5678,udp_payload=69706f696221 \
	|| exit 1

# tshark -V must show the layers by name.
out=$(tshark -r "$dir/wire.erf" -V 2>/dev/null) || { echo "FAIL: tshark -V"; exit 1; }
for want in "Unreliable Datagram (UD) - SEND only" "Source Queue Pair: 0x00000049" \
	"Queue Key: 0x0000000080010000" "Global Route Header" \
	"Ethertype: IPv4 (0x0800)" "User Datagram Protocol, Src Port: 1234, Dst Port: 5678"; do
	case $out in
	*"$want"*) ;;
	*) echo "FAIL: tshark -V lacks '$want'"; exit 1 ;;
	esac
done
case $out in
*Malformed*|*malformed*) echo "FAIL: tshark says malformed"; exit 1 ;;
esac

# A damaged copy (one payload byte of the first packet: 16 + 28 + 1) must
# fail the CRC check, and a wrong expectation must fail too.
cp "$dir/wire.erf" "$dir/bad.erf"
printf 'X' | dd of="$dir/bad.erf" bs=1 seek=45 conv=notrunc 2>/dev/null
if "$check_erf" "$dir/bad.erf" --no-tshark >"$dir/bad.out"; then
	echo "FAIL: damaged capture accepted"; exit 1
fi
grep -q "VCRC" "$dir/bad.out" || { echo "FAIL: no VCRC error:"; cat "$dir/bad.out"; exit 1; }
if "$check_erf" "$dir/wire.erf" --expect srcqp=0x4a >/dev/null; then
	echo "FAIL: wrong expectation accepted"; exit 1
fi
echo "test_wire_tshark: OK"
