#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the pcap files testpmd's net_pcap port reads in tso_testpmd.sh.

    tso_pcap.py empty FILE              no packets (net_pcap opens it at probe)
    tso_pcap.py arp FILE OWN_MAC        an ARP request for 10.9.0.2
    tso_pcap.py tcp FILE OWN_MAC STREAM four 64 KiB TCP/IPv4 frames to
                                        10.9.0.2:5001, checksums zero; the
                                        TCP payload is also written to STREAM
"""

import random
import struct
import sys

SRC_IP = bytes([10, 9, 0, 1])
DST_IP = bytes([10, 9, 0, 2])
SEQ0 = 0x10000000
PAYLOAD = 65480
FRAMES = 4


def mac(text):
    """The 6 bytes of a MAC written aa:bb:cc:dd:ee:ff."""
    return bytes.fromhex(text.replace(':', ''))


def write(path, frames):
    """Write frames (bytes) as an Ethernet pcap at path."""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack('<IIII', i, 0, len(fr), len(fr)))
            f.write(fr)


def arp(own):
    """An Ethernet ARP request from own for 10.9.0.2, broadcast."""
    return (b'\xff' * 6 + own + b'\x08\x06' +
            struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + own + SRC_IP +
            b'\x00' * 6 + DST_IP)


def tcp(own, stream):
    """The TCP frames carrying stream, PAYLOAD bytes each."""
    frames = []
    for k in range(FRAMES):
        data = stream[k * PAYLOAD:(k + 1) * PAYLOAD]
        flags = 0x18 | (0x01 if k == FRAMES - 1 else 0)
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40 + len(data), k << 12,
                         0x4000, 64, 6, 0, SRC_IP, DST_IP)
        th = struct.pack('!HHIIBBHHH', 40000, 5001, SEQ0 + k * PAYLOAD, 0,
                         5 << 4, flags, 65535, 0, 0)
        frames.append(b'\x02\x00\x00\x00\x00\x00' + own + b'\x08\x00' +
                      ip + th + data)
    return frames


def main():
    """Write the file the command line asks for."""
    what, path = sys.argv[1], sys.argv[2]
    if what == 'empty':
        write(path, [])
    elif what == 'arp':
        write(path, [arp(mac(sys.argv[3]))])
    elif what == 'tcp':
        rnd = random.Random(7)
        stream = bytes(rnd.getrandbits(8) for _ in range(PAYLOAD * FRAMES))
        open(sys.argv[4], 'wb').write(stream)
        write(path, tcp(mac(sys.argv[3]), stream))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
