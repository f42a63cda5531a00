#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora of the PMD harnesses (pmd_rx_raw, pmd_rx_eth,
arp, nd, snoop) in the input formats their sources describe.

    test/fuzz/pmd/gen_pmd_corpus.py test/fuzz/corpus

The addresses are those of the fake port (fuzz_pmd_port.c): peer i of its
table has QPN 0x000102 + i and GID fe80::2:c903:0:1002 + i (i < 5); the
port itself is QPN 0x000101, GID ...1001, LID 1.
"""

import os
import struct
import sys


def gid(ident):
    """The GID fe80::2:c903:0:<ident>."""
    return bytes.fromhex('fe800000000000000002c90300000000')[:14] + \
        struct.pack('>H', ident)


def hwaddr(qpn, g, flags=0):
    """A 20-byte IPoIB address."""
    return bytes([flags]) + struct.pack('>I', qpn)[1:] + g


PEER0 = hwaddr(0x000102, gid(0x1002))
PEER1 = hwaddr(0x000103, gid(0x1003))
OWN = hwaddr(0x000101, gid(0x1001))
BCAST_MGID = bytes.fromhex('ff12401bffff000000000000ffffffff')


def ipv4(proto=17, payload=b'\0' * 8, dst=b'\x0a\0\0\x02'):
    """A small IPv4 packet."""
    return struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 1, 0,
                       64, proto, 0, b'\x0a\0\0\x01', dst) + payload


def ipv6(payload, nh=58, dst=b'\xfe\x80' + b'\0' * 13 + b'\x02'):
    """An IPv6 header and payload."""
    return struct.pack('>IHBB', 0x60000000, len(payload), nh, 255) + \
        b'\xfe\x80' + b'\0' * 13 + b'\x01' + dst + payload


def arp_ib(op, sha, tha, spa=b'\x0a\0\0\x01', tpa=b'\x0a\0\0\x02'):
    """An IPoIB ARP packet (RFC 4391)."""
    return struct.pack('>HHBBH', 32, 0x0800, 20, 4, op) + sha + spa + \
        tha + tpa


def arp_eth(op, sha, tha, spa=b'\x0a\0\0\x01', tpa=b'\x0a\0\0\x02'):
    """An Ethernet ARP packet."""
    return struct.pack('>HHBBH', 1, 0x0800, 6, 4, op) + sha + spa + tha + \
        tpa


def lla_ib(kind, addr):
    """An IPoIB link-layer address option."""
    return bytes([kind, 3, 0, 0]) + addr


def lla_eth(kind, mac):
    """An Ethernet link-layer address option."""
    return bytes([kind, 1]) + mac


TARGET = b'\xfe\x80' + b'\0' * 13 + b'\x02'
MTU_OPT = bytes([5, 1, 0, 0]) + struct.pack('>I', 2044)
PREFIX_OPT = bytes([3, 4, 64, 0xc0]) + b'\0' * 12 + \
    b'\x20\x01\x0d\xb8' + b'\0' * 12
REDIR_OPT = bytes([4, 6]) + b'\0' * 6 + ipv6(b'\0' * 0, nh=59)


def nd_msgs(lla, addr_a, addr_b):
    """RS, RA, NS, NA and redirect with link-layer options of one form."""
    return {
        'rs': bytes([133, 0, 0, 0]) + b'\0' * 4 + lla(1, addr_a),
        'ra': bytes([134, 0, 0, 0, 64, 0, 0, 0]) + b'\0' * 8 +
        lla(1, addr_a) + MTU_OPT + PREFIX_OPT,
        'ns': bytes([135, 0, 0, 0]) + b'\0' * 4 + TARGET + lla(1, addr_a),
        'na': bytes([136, 0, 0, 0, 0x60, 0, 0, 0]) + TARGET +
        lla(2, addr_a),
        'redirect': bytes([137, 0, 0, 0]) + b'\0' * 4 + TARGET + TARGET +
        lla(2, addr_b) + REDIR_OPT,
    }


def rx_rec(payload, src=0, grh=True, dgid_sel=8, opcode_sel=0, slid=0,
           src_qpn=0, byte_cnt=None, rss=0, sgid=None, slid_in=False):
    """One record of the receive harnesses (see fuzz_pmd_rx.c)."""
    h0 = src | (0x10 if grh else 0) | (0x20 if slid_in else 0) | \
        (0x40 if byte_cnt is not None else 0)
    head = bytes([h0, dgid_sel, opcode_sel, 0]) + \
        struct.pack('>H', byte_cnt or 0) + struct.pack('>I', src_qpn)[1:] + \
        struct.pack('>HI', slid, rss) + struct.pack('>H', len(payload))
    grh_area = bytearray(40)
    grh_area[0] = 0x60
    if sgid is not None:
        grh_area[8:24] = sgid
    return head + bytes(grh_area) + payload


def ipoib(proto, payload):
    """An IPoIB header (key 0) and payload."""
    return struct.pack('>HH', proto, 0) + payload


def rx_seeds():
    """Seeds of pmd_rx_raw and pmd_rx_eth."""
    v4 = ipoib(0x0800, ipv4())
    common = {
        'unicast-grh': b'\0' + rx_rec(v4, src=0),
        'unicast-nogrh-lid': b'\0' + rx_rec(v4, src=0, grh=False),
        'unknown-source': b'\0' + rx_rec(v4, src=15, src_qpn=0x222,
                                         sgid=gid(0x2222)),
        'unknown-lid': b'\0' + rx_rec(v4, src=15, grh=False,
                                      src_qpn=0x222, slid=9),
        'stale-source': b'\0' + rx_rec(v4, src=4),
        'resolving-source': b'\0' + rx_rec(v4, src=2),
        'lid-moved': b'\0' + rx_rec(v4, src=0, slid=77, slid_in=True),
        'mcast-bcast': b'\0' + rx_rec(v4, src=1, dgid_sel=5),
        'mcast-ipv4-group': b'\0' + rx_rec(v4, src=1, dgid_sel=6),
        'mcast-ipv6-group': b'\0' + rx_rec(ipoib(0x86dd, ipv6(b'\0' * 8,
                                                              nh=17)),
                                           src=1, dgid_sel=7),
        'mcast-not-joined': b'\0' + rx_rec(v4, src=1, dgid_sel=9),
        'loopback': b'\0' + rx_rec(v4, src=8),
        'group-as-source': b'\0' + rx_rec(v4, src=5),
        'error-cqe': b'\0' + rx_rec(v4, opcode_sel=14),
        'runt': b'\0' + rx_rec(b'\x08\x00', src=0),
        'runt-bytecnt': b'\0' + rx_rec(v4, src=0, byte_cnt=43),
        'oversize-bytecnt': b'\0' + rx_rec(v4, src=0, byte_cnt=2100),
        'rss-hash': b'\0' + rx_rec(v4, src=0, rss=0x12345678),
        'no-mbufs': b'\x01' + rx_rec(v4, src=0),
        # the queue's last-source memo set to record 0's source first
        'memo-hit': b'\x04' + rx_rec(v4, src=0),
        'memo-stale-tag': b'\x04' + rx_rec(v4, src=4),
    }
    raw = dict(common)
    raw['burst-4'] = b'\xc0' + rx_rec(v4, src=0) + \
        rx_rec(v4, src=1, grh=False) + rx_rec(v4, src=15, src_qpn=0x333,
                                              sgid=gid(0x3333)) + \
        rx_rec(v4, src=8)
    raw['burst-2-nogrh-first'] = b'\x40' + rx_rec(v4, src=15, src_qpn=0x44,
                                                  sgid=gid(0x44)) + \
        rx_rec(v4, src=15, grh=False, src_qpn=0x45, slid=11)
    raw['memo-other-source'] = b'\x44' + rx_rec(v4, src=0) + \
        rx_rec(v4, src=1)
    # a memo hit whose LID moved is reported before a later packet without
    # a GRH: reports come in any order
    raw['memo-lid-moved-then-nogrh'] = b'\x44' + rx_rec(
        v4, src=0, slid=77, slid_in=True) + \
        rx_rec(v4, src=15, grh=False, src_qpn=0x45, slid=11)
    eth = dict(common)
    eth['arp-request'] = b'\0' + rx_rec(
        ipoib(0x0806, arp_ib(1, PEER0, b'\0' * 20)), src=0, dgid_sel=5)
    eth['arp-reply'] = b'\0' + rx_rec(ipoib(0x0806, arp_ib(2, PEER0, OWN)),
                                      src=0)
    eth['arp-unknown-learn'] = b'\x02' + rx_rec(
        ipoib(0x0806, arp_ib(1, hwaddr(0x555, gid(0x5555)), b'\0' * 20)),
        src=15, src_qpn=0x555, sgid=gid(0x5555), dgid_sel=5)
    eth['arp-unknown-held'] = b'\0' + rx_rec(
        ipoib(0x0806, arp_ib(1, hwaddr(0x556, gid(0x5556)), b'\0' * 20)),
        src=15, src_qpn=0x556, sgid=gid(0x5556), dgid_sel=5)
    eth['arp-runt'] = b'\0' + rx_rec(
        ipoib(0x0806, arp_ib(1, PEER0, b'\0' * 20)[:40]), src=0)
    for name, msg in nd_msgs(lla_ib, PEER0, PEER1).items():
        eth['nd-' + name] = b'\0' + rx_rec(ipoib(0x86dd, ipv6(msg)), src=0,
                                           dgid_sel=7)
    eth['nd-unknown-learn'] = b'\x02' + rx_rec(
        ipoib(0x86dd, ipv6(nd_msgs(lla_ib, hwaddr(0x557, gid(0x5557)),
                                   PEER1)['ns'])),
        src=15, src_qpn=0x557, sgid=gid(0x5557), dgid_sel=7)
    return raw, eth


def arp_seeds():
    """Seeds of the arp harness: flags, selectors, ARP packet."""
    z20, z6 = b'\0' * 20, b'\0' * 6
    s = {
        'rx-request': b'\x02\xff\xff' + arp_ib(1, PEER0, z20),
        'rx-reply': b'\x02\xff\xff' + arp_ib(2, PEER0, OWN),
        'rx-reply-peer-target': b'\x02\x00\x01' + arp_ib(2, PEER0, PEER0),
        'rx-connected-flag': b'\x02\xff\xff' +
        arp_ib(1, b'\x80' + PEER0[1:], z20),
        'rx-stale-sender': b'\x02\x04\xff' + arp_ib(1, PEER0, z20),
        'rx-group-sender': b'\x02\x05\xff' + arp_ib(1, PEER0, z20),
        'rx-own-sender': b'\x02\x08\xff' + arp_ib(1, PEER0, z20),
        'rx-runt': b'\x02\xff\xff' + arp_ib(1, PEER0, z20)[:55],
        'rx-bad-hln': b'\x02\xff\xff' + arp_ib(1, PEER0, z20)[:4] + b'\x06' +
        arp_ib(1, PEER0, z20)[5:],
        'rx-padded': b'\x02\xff\xff' + arp_ib(1, PEER0, z20) + b'\0' * 8,
        'tx-request': b'\x03\x08\x09' + arp_eth(1, z6, z6),
        'tx-request-bcast-target': b'\x03\x08\x0a' + arp_eth(1, z6, z6),
        'tx-reply': b'\x03\x08\x00' + arp_eth(2, z6, z6),
        'tx-stale-sender': b'\x03\x04\x09' + arp_eth(1, z6, z6),
        'tx-group-sender': b'\x03\x05\x09' + arp_eth(1, z6, z6),
        'tx-foreign-sender': b'\x03\x0b\x09' + arp_eth(1, z6, z6),
        'tx-peer-sender': b'\x03\x01\x08' + arp_eth(2, z6, z6),
        'tx-no-room': b'\x05\x08\x09' + arp_eth(1, z6, z6),
        'tx-room-exact': b'\x0d\x08\x09' + arp_eth(1, z6, z6),
        'tx-room-short': b'\x09\x08\x09' + arp_eth(1, z6, z6),
        'tx-runt': b'\x03\x08\x09' + arp_eth(1, z6, z6)[:27],
        'tx-padded': b'\x03\x08\x09' + arp_eth(1, z6, z6) + b'\0' * 18,
    }
    return s


def nd_seeds():
    """Seeds of the nd harness: flags, four selectors, IPv6 packet."""
    s = {}
    for name, msg in nd_msgs(lla_ib, PEER0, PEER1).items():
        s['rx-' + name] = b'\x12\xff\xff\xff\xff' + ipv6(msg)
        s['rx-own-' + name] = b'\x12\x08\x08\xff\xff' + ipv6(msg)
    for name, msg in nd_msgs(lla_eth, b'\0' * 6, b'\0' * 6).items():
        s['tx-' + name] = b'\x13\x08\x00\xff\xff' + ipv6(msg)
        s['tx-no-room-' + name] = b'\x17\x08\x00\xff\xff' + ipv6(msg)
    ns_ib = nd_msgs(lla_ib, PEER0, PEER1)['ns']
    s['rx-stale'] = b'\x12\x04\xff\xff\xff' + ipv6(ns_ib)
    s['rx-bad-optlen'] = b'\x12\xff\xff\xff\xff' + \
        ipv6(ns_ib[:25] + b'\x01' + ns_ib[26:])
    s['rx-zero-optlen'] = b'\x12\xff\xff\xff\xff' + \
        ipv6(ns_ib[:25] + b'\x00' + ns_ib[26:])
    s['rx-runt'] = b'\x12\xff\xff\xff\xff' + ipv6(ns_ib[:6])
    s['rx-plen-too-big'] = b'\x02\xff\xff\xff\xff' + \
        ipv6(ns_ib)[:4] + b'\x01\x00' + ipv6(ns_ib)[6:]
    s['rx-not-nd'] = b'\x12\xff\xff\xff\xff' + ipv6(b'\x80\0\0\0\0\0\0\0')
    s['rx-udp'] = b'\x12\xff\xff\xff\xff' + ipv6(b'\0' * 8, nh=17)
    ns_eth = nd_msgs(lla_eth, b'\0' * 6, b'\0' * 6)['ns']
    s['tx-foreign'] = b'\x13\x0b\xff\xff\xff' + ipv6(ns_eth)
    s['tx-two-lla'] = b'\x13\x08\x00\xff\xff' + \
        ipv6(ns_eth + lla_eth(2, b'\0' * 6))
    return s


def snoop_seeds():
    """Seeds of the snoop harness: flags (bit 0 IPv6, 1 fix lengths, 2 fix
    checksums), then the IP packet; the harness fixes what the flags say."""
    def ipv4(igmp):
        return struct.pack('>BBHHHBBH4s4s', 0x46, 0, 24 + len(igmp), 0, 0,
                           1, 2, 0, b'\x0a\0\0\x01',
                           b'\xe0\0\0\x16') + b'\x94\x04\0\0' + igmp
    g4 = b'\xef\x01\x02\x03'
    g6 = b'\xff\x05' + b'\0' * 11 + b'\x01\0\x03'
    hbh = b'\x3a\x00\x05\x02\x00\x00\x01\x00'
    s = {
        'igmp-v2-report': b'\x06' + ipv4(b'\x16\0\0\0' + g4),
        'igmp-v1-report': b'\x06' + ipv4(b'\x12\0\0\0' + g4),
        'igmp-leave': b'\x06' + ipv4(b'\x17\0\0\0' + g4),
        'igmp-query': b'\x06' + ipv4(b'\x11\x64\0\0' + g4),
        'igmp-v3-two': b'\x06' + ipv4(b'\x22\0\0\0\0\0\0\x02' +
                                      b'\x04\0\0\0' + g4 +
                                      b'\x01\x01\0\x01' + g4 + g4 + b'\0' * 4),
        'igmp-v3-short': b'\x06' + ipv4(b'\x22\0\0\0\0\0\0\x03' +
                                        b'\x03\0\0\0' + g4),
        'igmp-bad-cksum': b'\x02' + ipv4(b'\x16\0\0\0' + g4),
        'mld-v1-report': b'\x07' + ipv6(hbh + b'\x83\0\0\0\0\0\0\0' + g6,
                                        nh=0),
        'mld-v1-done': b'\x07' + ipv6(hbh + b'\x84\0\0\0\0\0\0\0' + g6,
                                      nh=0),
        'mld-v2-two': b'\x07' + ipv6(hbh + b'\x8f\0\0\0\0\0\0\x02' +
                                     b'\x04\0\0\0' + g6 +
                                     b'\x03\0\0\0' + g6, nh=0),
        'mld-v2-no-hbh': b'\x07' + ipv6(b'\x8f\0\0\0\0\0\0\x01' +
                                        b'\x02\0\0\x01' + g6 + g6),
        'mld-plen-long': b'\x05' + ipv6(hbh + b'\x83' + b'\0' * 23)[:4] +
        b'\x01\0' + ipv6(hbh + b'\x83' + b'\0' * 23)[6:],
        'ipv6-udp': b'\x07' + ipv6(b'\0' * 8, nh=17),
    }
    return s


def write(root, name, seeds):
    """Write one corpus directory."""
    d = os.path.join(root, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    for seed_name, data in seeds.items():
        with open(os.path.join(d, seed_name), 'wb') as f:
            f.write(data)
    print(f'{name}: {len(seeds)} seeds')


def main():
    """Write every corpus under the directory given."""
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    raw, eth = rx_seeds()
    write(sys.argv[1], 'pmd_rx_raw', raw)
    write(sys.argv[1], 'pmd_rx_eth', eth)
    write(sys.argv[1], 'arp', arp_seeds())
    write(sys.argv[1], 'nd', nd_seeds())
    write(sys.argv[1], 'snoop', snoop_seeds())
    return 0


if __name__ == '__main__':
    sys.exit(main())
