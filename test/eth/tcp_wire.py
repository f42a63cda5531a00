# SPDX-License-Identifier: BSD-3-Clause
"""TCP over IPv4 on a captured IPoIB wire, as tshark decodes it.

Shared by the TSO tests (tso.sh, tso_testpmd.sh): read_ipv4() runs tshark
on a capture with the IP and TCP checksum checks on; check_ipv4() checks
every datagram of one TCP stream: within the MTU, payload at most the MSS,
IP and TCP checksums good, IP ids consecutive within a send, sequence
numbers contiguous, PSH only on a send's last segment, FIN only on the
stream's last; the payload must reassemble to the stream sent.
"""

import json
import subprocess

FIELDS = ['ip.len', 'ip.id', 'ip.checksum.status', 'tcp.checksum.status',
          'tcp.seq', 'tcp.len', 'tcp.flags', 'tcp.payload']


def read_ipv4(cap, port, out):
    """Decode the TCP datagrams to or from port in cap; rows, also to out."""
    cmd = ['tshark', '-r', cap, '-o', 'tcp.check_checksum:TRUE',
           '-o', 'ip.check_checksum:TRUE',
           '-o', 'tcp.desegment_tcp_streams:FALSE',
           '-o', 'tcp.relative_sequence_numbers:FALSE',
           '-Y', 'ip && tcp.port == %d' % port, '-T', 'fields']
    for f in FIELDS:
        cmd += ['-e', f]
    text = subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, check=False,
                          universal_newlines=True).stdout
    with open(out, 'w') as f:
        f.write(text)
    return [l.split('\t') for l in text.splitlines() if l.strip()]


def wire_mtu(status):
    """The smallest port MTU in a hcasim --status JSON file (2048 if none)."""
    st = json.load(open(status))
    mtus = [128 << p['mtu'] for p in st['ports'] if p.get('mtu')]
    return min(mtus) if mtus else 2048


def check_ipv4(rows, stream, mss, mtu, seq0, send_ends):
    """Check rows (read_ipv4) against stream; send_ends are the payload
    offsets where a send ends. Returns the number of sends seen (a send
    starts with an IP id whose low 12 bits are zero)."""
    assert rows, 'no TCP on the wire'
    got = bytearray()
    sends = 0
    prev_id = None
    for ip_len, ip_id, ipck, tcpck, seq, tlen, flags, payload in rows:
        ip_len, ip_id, seq, tlen = (int(ip_len), int(ip_id, 16), int(seq),
                                    int(tlen))
        flags = int(flags, 16)
        assert ip_len + 4 <= mtu, ('datagram over the MTU', ip_len, mtu)
        assert tlen <= mss, ('segment over the MSS', tlen, mss)
        assert ipck == '1', ('bad IP checksum', ip_id, ipck)
        assert tcpck == '1', ('bad TCP checksum', seq, tcpck)
        assert seq == seq0 + len(got), ('sequence not contiguous',
                                        hex(seq), hex(seq0 + len(got)))
        if prev_id is not None and ip_id != prev_id + 1:
            assert ip_id & 0xfff == 0, ('IP id not consecutive', prev_id,
                                        ip_id)
        if ip_id & 0xfff == 0:
            sends += 1
        prev_id = ip_id
        got += bytes.fromhex(payload.replace(':', ''))
        last = len(got) in send_ends or len(got) == len(stream)
        assert bool(flags & 0x08) == last, ('PSH on a middle segment'
                                            if not last else 'no PSH',
                                            hex(seq))
        assert bool(flags & 0x01) == (len(got) == len(stream)), ('FIN',
                                                                 hex(seq))
    assert bytes(got) == stream, ('payload differs', len(got), len(stream))
    return sends
