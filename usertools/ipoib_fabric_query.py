# SPDX-License-Identifier: BSD-3-Clause
"""ipoib_fabric_query: what ipoib-fabric asks a running fabric.

Runs the infiniband-diags tools (iblinkinfo, ibnetdiscover, sminfo,
saquery) as a node of the simulated fabric through the umad2sim preload,
parses their output, asks the soft HCA for its counters, and gathers all of
it into the status that "ipoib-fabric status" prints. Used by
usertools/ipoib-fabric; see doc/fabric.md.
"""

import ipaddress
import json
import os
import re
import subprocess

QUERY_TIMEOUT = 10.0


def sim_env(cfg, node, base=None):
    """Return the environment that attaches a libibumad program to node."""
    env = dict(os.environ if base is None else base)
    env['LD_PRELOAD'] = cfg['umad2sim']
    env['SIM_HOST'] = node
    env['IBSIM_SOCKNAME'] = cfg['sockname']
    env['IPOIB_FABRIC_DIR'] = cfg['dir']
    if cfg.get('hcasim'):
        env['HCASIM_SOCKET'] = os.path.join(cfg['dir'], 'hcasim.sock')
    return env


def sim_query(cfg, node, argv, timeout=QUERY_TIMEOUT):
    """Run diagnostic argv as node; return its stdout, or None on failure.

    Runs in the fabric directory, where umad2sim makes its sys-PID trees.
    """
    try:
        res = subprocess.run(argv, env=sim_env(cfg, node), cwd=cfg['dir'],
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if res.returncode != 0:
        return None
    return res.stdout.decode(errors='replace')


def ibsim_is_listening(sockname):
    """Tell whether an ibsim with sockname has its control socket up."""
    pattern = re.compile(r'\s@%s:ctl@*$' % re.escape(sockname))
    try:
        with open('/proc/net/unix') as f:
            return any(pattern.search(line) for line in f)
    except OSError:
        return False


LINK_RE = re.compile(r'^(0x[0-9a-fA-F]+)\s+"\s*(.*?)"\s+(\d+)\s+(\d+)\[.*?\]'
                     r'\s+==\((.*?)\)==>')
STATES = ('Down', 'Init', 'Armed', 'Active')


def query_ports(cfg):
    """Read every HCA port of the fabric with SMPs (iblinkinfo).

    Returns {(host, port): {'guid', 'lid', 'state'}} or None when the
    simulator does not answer.
    """
    out = sim_query(cfg, cfg['sm_node'], ['iblinkinfo', '-l', '--cas-only'])
    if out is None:
        return None
    ports = {}
    for line in out.splitlines():
        m = LINK_RE.match(line)
        if not m:
            continue
        state = 'Down'
        for word in re.split(r'[\s/]+', m.group(5)):
            if word in STATES:
                state = word
        ports[(m.group(2), int(m.group(4)))] = {
            'guid': '0x%016x' % int(m.group(1), 16),
            'lid': int(m.group(3)), 'state': state}
    return ports


def query_node_guids(cfg):
    """Return {host: node GUID} from ibnetdiscover (SMPs), or {}."""
    out = sim_query(cfg, cfg['sm_node'], ['ibnetdiscover'])
    guids = {}
    last = None
    for line in (out or '').splitlines():
        m = re.match(r'^caguid=(0x[0-9a-fA-F]+)', line)
        if m:
            last = int(m.group(1), 16)
            continue
        m = re.match(r'^Ca\s+\d+\s+"[^"]*"\s*#\s*"([^"]*)"', line)
        if m and last is not None:
            guids[m.group(1)] = '0x%016x' % last
            last = None
    return guids


def query_sm(cfg, host):
    """Ask sminfo as host; return {'lid', 'guid', 'state'} or None."""
    out = sim_query(cfg, host, ['sminfo'], timeout=5.0)
    if not out:
        return None
    m = re.search(r'sm lid (\d+) sm guid (0x[0-9a-fA-F]+).*?(SMINFO_\w+)',
                  out)
    if not m:
        return None
    return {'lid': int(m.group(1)), 'guid': '0x%016x' % int(m.group(2), 16),
            'state': m.group(3).replace('SMINFO_', '')}


def parse_sa_dump(out):
    """Split saquery dump text into a list of {field: value} records."""
    records = []
    rec = None
    for line in out.splitlines():
        if line.rstrip().endswith('dump:'):
            rec = {}
            records.append(rec)
            continue
        m = re.match(r'^\s*([A-Za-z_]+)\.{2,}(.*)$', line)
        if m and rec is not None:
            rec.setdefault(m.group(1), m.group(2).strip())
    return records


def query_groups(cfg, host):
    """Read the multicast groups and their members from the SA as host.

    Returns a list of {'mgid', 'mlid', 'qkey', 'pkey', 'mtu', 'members'}.
    Note: umad2sim has no RMPP, so the SA answers with at most one MAD
    (about three MCMemberRecords) per query.
    """
    out = sim_query(cfg, host, ['saquery', '-g'])
    groups = {}
    for rec in parse_sa_dump(out or ''):
        if 'MGID' not in rec:
            continue
        groups[rec['MGID']] = {'mgid': rec['MGID'],
                               'mlid': rec.get('Mlid', '').lower(),
                               'pkey': rec.get('pkey', '').lower(),
                               'mtu': rec.get('Mtu', '').lower(),
                               'qkey': None, 'members': []}
    out = sim_query(cfg, host, ['saquery', 'MCMR'])
    for rec in parse_sa_dump(out or ''):
        group = groups.setdefault(rec.get('MGID'), {
            'mgid': rec.get('MGID'), 'mlid': rec.get('mlid', ''),
            'pkey': rec.get('pkey', ''), 'mtu': rec.get('mtu', ''),
            'qkey': None, 'members': []})
        group['qkey'] = normalize_hex(rec.get('qkey'), 4)
        gid = rec.get('PortGid', '::')
        if gid != '::':
            group['members'].append({'port_gid': gid,
                                     'join_state': rec.get('JoinState')})
    for group in groups.values():
        group['mgid'] = expand_gid(group['mgid'])
        for member in group['members']:
            member['port_gid'] = expand_gid(member['port_gid'])
        group['mlid'] = normalize_hex(group['mlid'], 4)
        group['pkey'] = normalize_hex(group['pkey'], 4)
    return list(groups.values())


def expand_gid(text):
    """Return a GID in full form (ff12:401b:ffff:0000:...), or as is."""
    try:
        return ipaddress.IPv6Address(text).exploded
    except (TypeError, ValueError):
        return text


def normalize_hex(text, width):
    """Return hex text as 0x%0<width>x, or the text unchanged if not hex."""
    try:
        return '0x%0*x' % (width, int(text, 16))
    except (TypeError, ValueError):
        return text


def query_hcasim(cfg):
    """Ask the soft HCA for its status; return (data, error message)."""
    if not cfg.get('hcasim'):
        return None, 'soft HCA: not started (--no-hcasim or not built)'
    sock = os.path.join(cfg['dir'], 'hcasim.sock')
    try:
        res = subprocess.run([cfg['hcasim'], '--status', '--socket', sock],
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=QUERY_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return None, 'soft HCA: not running / not answering'
    if res.returncode != 0:
        return None, 'soft HCA: not running / not answering'
    text = res.stdout.decode(errors='replace')
    try:
        return json.loads(text), None
    except ValueError:
        return {'raw': text}, None


def stopped_status(cfg, daemon_states):
    """Return the status of a fabric whose simulator is not running.

    daemon_states(fabric_dir) returns the state of its daemons.
    """
    return {'dir': cfg['dir'], 'sockname': cfg['sockname'],
            'net': cfg['net'], 'sm_node': cfg['sm_node'],
            'processes': daemon_states(cfg['dir']), 'sm': None,
            'hosts': [{'name': h['name'], 'node_guid': None,
                       'ports': [{'port': p, 'guid': None, 'lid': 0,
                                  'state': 'Unknown'} for p in h['ports']]}
                      for h in cfg['hosts']],
            'groups': [], 'hcasim': None,
            'hcasim_error': 'soft HCA: not running / not answering'}


def collect_status(cfg, daemon_states):
    """Gather the whole status of the fabric described by cfg.

    daemon_states(fabric_dir) returns {prog: {'pid', 'running'}} for
    the daemons of the fabric. A umad2sim client waits forever for a
    simulator that is gone, so nothing is queried when ibsim does not
    listen.
    """
    if not ibsim_is_listening(cfg['sockname']):
        return stopped_status(cfg, daemon_states)
    ports = query_ports(cfg) or {}
    node_guids = query_node_guids(cfg)
    host = cfg['hosts'][0]['name']
    hosts = []
    for h in cfg['hosts']:
        hosts.append({'name': h['name'],
                      'node_guid': node_guids.get(h['name']),
                      'ports': [dict(port=p, **ports.get(
                          (h['name'], p),
                          {'guid': None, 'lid': 0, 'state': 'Unknown'}))
                          for p in h['ports']]})
    hca, hca_error = query_hcasim(cfg)
    return {'dir': cfg['dir'], 'sockname': cfg['sockname'],
            'net': cfg['net'], 'sm_node': cfg['sm_node'],
            'processes': daemon_states(cfg['dir']),
            'sm': query_sm(cfg, host), 'hosts': hosts,
            'groups': query_groups(cfg, host),
            'hcasim': hca, 'hcasim_error': hca_error}
