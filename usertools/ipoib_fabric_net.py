# SPDX-License-Identifier: BSD-3-Clause
"""ipoib_fabric_net: the ibsim net files of ipoib-fabric.

Writes the net file of a generated fabric (one switch, N hosts) and parses
a user's net file into its nodes and cabled ports. Used by
usertools/ipoib-fabric; see doc/fabric.md.
"""

import re

SWITCH_NAME = 'sw1'
SWITCH_MIN_PORTS = 36
SWITCH_MAX_PORTS = 254


class NetFileError(Exception):
    """A net file that cannot be read or used (reported, exit code 1)."""


def guid_of_host(base, index):
    """Return the node GUID of host number index (1-based) under base."""
    return base + (index << 8)


def write_net_file(path, hosts, ports, guid_base):
    """Write an ibsim net file: switch sw1 cabled to host1..host<hosts>.

    Host i port p is cabled to switch port (i - 1) * ports + p.  The switch
    comes first in the file, so it is ibsim's default node; opensm is
    attached to it.
    """
    needed = hosts * ports
    sw_ports = max(SWITCH_MIN_PORTS, needed)
    out = ['# ipoib-fabric: %d host(s), %d port(s) each, one switch'
           % (hosts, ports),
           '# "%s" (runs the SM).' % SWITCH_NAME,
           'switchguid=0x%016x' % (guid_base + 0xff0000),
           'Switch %d "%s"' % (sw_ports, SWITCH_NAME)]
    for i in range(1, hosts + 1):
        for p in range(1, ports + 1):
            out.append('[%d] "host%d"[%d]' % ((i - 1) * ports + p, i, p))
    out.append('')
    for i in range(1, hosts + 1):
        out.append('caguid=0x%016x' % guid_of_host(guid_base, i))
        out.append('Hca %d "host%d"' % (ports, i))
        for p in range(1, ports + 1):
            out.append('[%d] "%s"[%d]' % (p, SWITCH_NAME,
                                          (i - 1) * ports + p))
        out.append('')
    with open(path, 'w') as f:
        f.write('\n'.join(out))


NODE_RE = re.compile(r'^(Switch|Hca|Ca)\s+(\d+)\s+"([^"]+)"')
PORT_RE = re.compile(r'^\[(\d+)\](?:\([0-9a-fA-F]+\))?\s*"([^"]+)"\s*\[(\d+)\]')
ATTR_RE = re.compile(r'^(vendid|devid|sysimgguid|switchguid|caguid|'
                     r'nodeguid)\s*=', re.I)


def parse_net_file(path):
    """Parse an ibsim net file.

    Returns (nodes, first) where nodes maps a node name to
    {'type': 'switch'|'hca', 'ports': N, 'cabled': [port, ...]} in file
    order and first is the name of the first node (ibsim's default node,
    where the SM runs). Raises NetFileError naming the line at fault.
    """
    try:
        with open(path, errors='replace') as f:
            lines = f.readlines()
    except OSError as e:
        raise NetFileError('cannot read net file %s: %s' % (path, e.strerror))
    nodes = {}
    current = None
    for num, raw in enumerate(lines, 1):
        line = raw.split('#', 1)[0].strip()
        if not line or ATTR_RE.match(line) or line.startswith('do '):
            if not line:
                current = None
            continue
        where = '%s:%d' % (path, num)
        m = NODE_RE.match(line)
        if m:
            kind, nports, name = m.group(1), int(m.group(2)), m.group(3)
            if name in nodes:
                raise NetFileError('%s: node "%s" defined twice'
                                  % (where, name))
            if not 1 <= nports <= 255:
                raise NetFileError('%s: bad port count %d' % (where, nports))
            nodes[name] = {'type': 'switch' if kind == 'Switch' else 'hca',
                           'ports': nports, 'cabled': []}
            current = name
            continue
        m = PORT_RE.match(line)
        if m and current is not None:
            port = int(m.group(1))
            if not 1 <= port <= nodes[current]['ports']:
                raise NetFileError('%s: port %d out of range for "%s"'
                                  % (where, port, current))
            nodes[current]['cabled'].append(port)
            continue
        if line.startswith('include'):
            raise NetFileError('%s: "include" is not supported here'
                              % where)
        raise NetFileError('%s: malformed line: %s' % (where, raw.strip()))
    if not nodes:
        raise NetFileError('net file %s defines no node' % path)
    if not any(n['type'] == 'hca' for n in nodes.values()):
        raise NetFileError('net file %s defines no HCA ("Hca N \\"name\\"")'
                          % path)
    return nodes, next(iter(nodes))
