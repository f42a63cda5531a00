#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Suite 'sa': the SA client against the real opensm on ibsim.

    test/with-fabric --hosts N -- sa_fabric_test.py SA_TOOL CHECK

Runs inside test/with-fabric (IPOIB_FABRIC_DIR, IPOIB_FABRIC_TOOL set).
CHECK is one of: port, path, mcast, nodes, errors, async. Every value the
SA client reports is compared with what the stock tools (ibstat,
smpquery, saquery, run as the same host) say about the same fabric.

With SA_TRANSPORT=inband in the environment sa_tool reaches the SA in
band (a UD QP on the soft HCA, which relays QP 1 to opensm): then every
client must report transport inband with MADs received on it, and the
soft HCA's QP 1 relay must have answered; with the default (umad) the
relay must have carried nothing.
Exit 0 when every comparison holds, 1 otherwise (each mismatch printed).
"""

import ipaddress
import json
import os
import signal
import subprocess
import sys
import time

FABRIC_DIR = os.environ.get('IPOIB_FABRIC_DIR', '')
FABRIC_TOOL = os.environ.get('IPOIB_FABRIC_TOOL', '')
TRANSPORT = os.environ.get('SA_TRANSPORT', '') or 'umad'
BCAST = 'ff12:401b:ffff::ffff:ffff'
CMD_TIMEOUT = 45
failures = []


def check(cond, what):
    """Record a failed comparison (and print it) when cond is false."""
    if cond:
        print('ok   ' + what)
    else:
        print('FAIL ' + what)
        failures.append(what)


def as_host(host, argv, stdin_text=None, timeout=CMD_TIMEOUT):
    """Run argv as host on the fabric; return its stdout (text).

    A run that hangs is killed and run once more: libumad2sim (ibsim's
    preload library, not ours) has been seen to block forever before
    the program's first line under a loaded sanitizer run; a second hang
    fails the test.
    """
    cmd = [FABRIC_TOOL, 'run', '--dir', FABRIC_DIR, host, '--'] + argv
    try:
        res = subprocess.run(cmd, input=stdin_text, capture_output=True,
                             text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        print('[%s %s] hung for %d s: killed, run again'
              % (host, argv[0], timeout))
        res = subprocess.run(cmd, input=stdin_text, capture_output=True,
                             text=True, timeout=timeout)
    if res.stderr.strip():
        print('[%s %s stderr] %s' % (host, argv[0], res.stderr.strip()))
    return res.stdout


def parse_kv(line):
    """Parse 'k=v k=v ...' (desc= takes the rest of the line) to a dict."""
    out = {}
    words = line.split(' ')
    for i, w in enumerate(words):
        if '=' not in w:
            continue
        k, v = w.split('=', 1)
        if k == 'desc':
            out[k] = ' '.join([v] + words[i + 1:])
            break
        out[k] = v
    return out


def parse_sa_output(text):
    """Split sa_tool output into results: [(result dict, [rec dicts])]."""
    results, recs = [], []
    for line in text.splitlines():
        if line.startswith('rec '):
            recs.append(parse_kv(line[4:]))
        elif line.startswith('rc='):
            results.append((parse_kv(line), recs))
            recs = []
    return results


def sa(sa_tool, host, *args, opts=()):
    """Run one sa_tool command as host; return (result, recs)."""
    out = as_host(host, [sa_tool] + list(opts) + list(args))
    res = parse_sa_output(out)
    if not res:
        print('no result from sa_tool %s: %r' % (' '.join(args), out))
        return {'rc': 'none', 'err': 'NONE'}, []
    check_transport(res[-1][0], args[0])
    return res[-1]


def check_transport(res, what):
    """A result line says the client's transport: the one asked for, and
    (when the SA answered) MADs received on it."""
    if 'tp' not in res:
        return  # the client did not open (checked by the caller)
    check(res['tp'] == TRANSPORT, '%s: transport %s (want %s)' %
          (what, res['tp'], TRANSPORT))
    if res.get('rc') == '0' and what != 'async':  # rc of the command
        check(num(res.get('tp_received', '0')) > 0,
              '%s: replies received on %s' % (what, res['tp']))


def gsi_status():
    """The soft HCA's QP 1 relay counters (status JSON "gsi"), or None."""
    sock = os.path.join(FABRIC_DIR, 'hcasim.sock')
    hcasim = os.path.join(os.environ.get('IPOIB_BUILD', ''),
                          'app/hcasim/hcasim')
    try:
        res = subprocess.run([hcasim, '--status', '--socket', sock],
                             capture_output=True, text=True,
                             timeout=CMD_TIMEOUT)
        return json.loads(res.stdout).get('gsi')
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def check_gsi():
    """In band, the soft HCA relayed and answered QP 1 requests; through
    umad it relayed none."""
    g = gsi_status()
    check(g is not None, 'soft HCA status has QP 1 relay counters')
    if g is None:
        return
    print('gsi: %s' % g)
    if TRANSPORT == 'inband':
        check(g['answered'] > 0, 'QP 1 relay answered (%d)' % g['answered'])
    else:
        check(g['relayed'] == 0, 'QP 1 relay carried nothing (%d)'
              % g['relayed'])


def parse_dumps(text):
    """Parse saquery 'X dump:' blocks of 'key.....value' lines to dicts."""
    dumps, cur = [], None
    for line in text.splitlines():
        if line.rstrip().endswith('dump:'):
            cur = {}
            dumps.append(cur)
        elif cur is not None and '..' in line:
            k, v = line.strip().split('..', 1)
            cur[k.strip()] = v.lstrip('.').strip()
    return dumps


def parse_colon(text):
    """Parse 'Key: value' / 'Key:.....value' lines (ibstat, smpquery)."""
    out = {}
    for line in text.splitlines():
        if ':' in line:
            k, v = line.split(':', 1)
            out.setdefault(k.strip(), v.lstrip('.').strip())
    return out


def gid(text):
    """A GID in any colon form, as an ipaddress object."""
    return ipaddress.IPv6Address(text)


def num(text):
    """An integer in decimal or 0x form."""
    return int(str(text), 0)


def hosts():
    """The fabric's host names, from the fabric tool's status."""
    n = int(os.environ.get('SA_TEST_HOSTS', '2'))
    return ['host%d' % i for i in range(1, n + 1)]


def ibstat(host):
    """ibstat of host's CA as a dict."""
    return parse_colon(as_host(host, ['ibstat']))


def port_gid_of(sa_tool, host):
    """The port GID of host, as our port query reports it."""
    res, _ = sa(sa_tool, host, 'port')
    return res.get('gid', '::')


MTU_BYTES = {256: 1, 512: 2, 1024: 3, 2048: 4, 4096: 5}
PHYS = {'Sleep': 1, 'Polling': 2, 'Disabled': 3, 'PortConfigurationTraining':
        4, 'LinkUp': 5, 'LinkErrorRecovery': 6}
STATES = {'Down': 1, 'Initializing': 2, 'Armed': 3, 'Active': 4}


def check_port(sa_tool):
    """Port attributes agree with ibstat and smpquery of the same host."""
    for host in hosts()[:2]:
        res, _ = sa(sa_tool, host, 'port')
        check(res['rc'] == '0', '%s: port query succeeds' % host)
        if res['rc'] != '0':
            continue
        st = ibstat(host)
        check(STATES.get(st.get('State')) == num(res['state']),
              '%s: state %s = ibstat %s' % (host, res['state'],
                                            st.get('State')))
        check(PHYS.get(st.get('Physical state')) == num(res['phys_state']),
              '%s: physical state' % host)
        for ours, theirs in (('lid', 'Base lid'), ('sm_lid', 'SM lid'),
                             ('lmc', 'LMC'), ('rate', 'Rate'),
                             ('port_guid', 'Port GUID'),
                             ('node_guid', 'Node GUID'),
                             ('capmask', 'Capability mask')):
            check(num(res[ours]) == num(st.get(theirs, '-1')),
                  '%s: %s %s = ibstat %s %s' % (host, ours, res[ours],
                                                theirs, st.get(theirs)))
        lid = res['lid']
        pi = parse_colon(as_host(host, ['smpquery', 'portinfo', lid]))
        prefix = num(pi.get('GidPrefix', '-1'))
        ours = gid(res['gid'])
        check(int(ours) >> 64 == prefix,
              '%s: GID prefix = smpquery GidPrefix' % host)
        check(int(ours) & ((1 << 64) - 1) == num(res['port_guid']),
              '%s: GID interface ID = port GUID' % host)
        mtu = MTU_BYTES.get(int(pi.get('NeighborMTU', '0')), -1)
        check(num(res['active_mtu']) == mtu,
              '%s: active MTU %s = smpquery NeighborMTU %s' %
              (host, res['active_mtu'], pi.get('NeighborMTU')))
        check(num(res['sm_sl']) == num(pi.get('SMSL', '-1')),
              '%s: SM SL' % host)
        table = []
        for line in as_host(host, ['smpquery', 'pkeys', lid]).splitlines():
            if ':' in line and line.split(':')[0].strip().isdigit():
                table += [num(w) for w in line.split(':')[1].split()]
        ours = [num(p) for p in res['pkeys'].split(',') if p]
        check(any(p & 0x7fff for p in ours) and ours == table[:len(ours)],
              '%s: P_Keys %s = smpquery pkeys' % (host, ours[:4]))
        sapk, _ = sa(sa_tool, host, 'pkeys', lid, res['port'])
        sa_table = [num(p) for p in sapk.get('pkeys', '').split(',') if p]
        print('%s: smpquery P_Keys %s, SA P_Keys %s' % (host, table[:8],
                                                       sa_table[:8]))
        # the P_Keys in use (not 0, the empty entry) of both tables, in
        # order: an empty table on either side is a failure
        used = [p for p in table if p & 0x7fff]
        sa_used = [p for p in sa_table if p & 0x7fff]
        check(sapk.get('rc') == '0' and len(sa_used) > 0 and
              sa_used == used,
              '%s: SA PKeyTableRecords %s = smpquery pkeys %s' %
              (host, sa_used[:4], used[:4]))


def check_path(sa_tool):
    """A PathRecord host1 -> host2 agrees with saquery -p field by field."""
    sgid = port_gid_of(sa_tool, 'host1')
    dgid = port_gid_of(sa_tool, 'host2')
    for pkey in ('0', '0xffff'):
        res, _ = sa(sa_tool, 'host1', 'path', dgid, pkey)
        check(res['rc'] == '0', 'path query (pkey %s) succeeds' % pkey)
        if res['rc'] != '0':
            return
        out = as_host('host1', ['saquery', '-p', '--sgid-to-dgid',
                                '%s-%s' % (sgid, dgid)])
        dumps = parse_dumps(out)
        check(len(dumps) == 1, 'saquery -p gives one record')
        if not dumps:
            return
        d = dumps[0]
        hfr = num(d['hop_flow_raw'])
        npr = num(d['num_path_revers'])
        want = {
            'dgid': gid(d['dgid']), 'sgid': gid(d['sgid']),
            'dlid': num(d['dlid']), 'slid': num(d['slid']),
            'raw_traffic': hfr >> 31, 'flow_label': (hfr >> 8) & 0xfffff,
            'hop_limit': hfr & 0xff, 'tclass': num(d['tclass']),
            'reversible': npr >> 7, 'numb_path': npr & 0x7f,
            'pkey': num(d['pkey']), 'sl': num(d['sl']),
            'mtu_selector': num(d['mtu']) >> 6,
            'mtu': num(d['mtu']) & 0x3f,
            'rate_selector': num(d['rate']) >> 6,
            'rate': num(d['rate']) & 0x3f,
            'pkt_life_selector': num(d['pkt_life']) >> 6,
            'pkt_life': num(d['pkt_life']) & 0x3f,
            'preference': num(d['preference']),
        }
        for k, v in want.items():
            ours = gid(res[k]) if k.endswith('gid') else num(res[k])
            check(ours == v, 'path (pkey %s) %s: ours %s, saquery %s' %
                  (pkey, k, res[k], v))


class Session:
    """One sa_tool process as a host, fed commands on stdin."""

    def __init__(self, sa_tool, host):
        """Start sa_tool in script mode as host."""
        cmd = [FABRIC_TOOL, 'run', '--dir', FABRIC_DIR, host, '--',
               sa_tool, '-']
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def do(self, line):
        """Run one command; return (result, recs)."""
        self.proc.stdin.write(line + '\n')
        self.proc.stdin.flush()
        text = ''
        deadline = time.monotonic() + CMD_TIMEOUT
        while time.monotonic() < deadline:
            out = self.proc.stdout.readline()
            if not out:
                break
            text += out
            if out.startswith('rc='):
                break
        res = parse_sa_output(text)
        if res:
            check_transport(res[-1][0], line.split()[0])
        return res[-1] if res else ({'rc': 'none', 'err': 'NONE'}, [])

    def close(self):
        """End the session (bounded)."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except (subprocess.TimeoutExpired, BrokenPipeError):
            self.proc.kill()
            self.proc.wait()


def group_dumps(host):
    """saquery -g of the fabric: {MGID: dump}."""
    return {gid(d['MGID']): d
            for d in parse_dumps(as_host(host, ['saquery', '-g']))}


def members(host, mgid):
    """Port GIDs of a group's members (trusted saquery MCMR)."""
    out = as_host(host, ['saquery', '--smkey', '1', '--mgid', mgid, 'MCMR'])
    return {gid(d['PortGid']): num(d['JoinState'])
            for d in parse_dumps(out)
            if 'PortGid' in d and gid(d.get('MGID', '::')) == gid(mgid)}


def check_join_broadcast(s, me):
    """Join and leave the broadcast group, checked against saquery."""
    groups = group_dumps('host2')
    g = groups.get(gid(BCAST))
    check(g is not None, 'saquery -g shows the broadcast group')
    mcmr = parse_dumps(as_host('host2', ['saquery', 'MCMR']))
    qkeys = [num(d['qkey']) for d in mcmr
             if gid(d.get('MGID', '::')) == gid(BCAST) and 'qkey' in d]
    res, _ = s.do('join %s 1' % BCAST)
    check(res['rc'] == '0', 'full join of the broadcast group succeeds')
    if g is None or res['rc'] != '0':
        return
    check(num(res['mlid']) == num(g['Mlid']), 'join MLID %s = saquery %s'
          % (res['mlid'], g['Mlid']))
    check(len(qkeys) > 0 and num(res['qkey']) == qkeys[0],
          'join Q_Key %s = saquery MCMR %s' % (res['qkey'], qkeys))
    check((num(g['Mtu']) & 0x3f) == num(res['mtu']), 'join MTU')
    check(num(g['pkey']) == num(res['pkey']), 'join P_Key')
    check((num(g['Rate']) & 0x3f) == num(res['rate']), 'join rate')
    check(num(g['SL']) == num(res['sl']), 'join SL')
    check(members('host2', BCAST).get(me) == 1,
          'saquery MCMR lists host1 as a full member')
    q, _ = s.do('mcast %s' % BCAST)
    check(q['rc'] == '0' and num(q['mlid']) == num(g['Mlid']) and
          num(q['qkey']) == num(res['qkey']),
          'group query gives the same MLID and Q_Key')
    res, _ = s.do('leave %s 1' % BCAST)
    check(res['rc'] == '0', 'leave succeeds')
    check(me not in members('host2', BCAST),
          'after the leave saquery MCMR no longer lists host1')


def check_sendonly_create(s, me):
    """A send-only join to a new group creates it (template: broadcast)."""
    new = 'ff12:401b:ffff::e0:0:1'
    check(gid(new) not in group_dumps('host2'), 'new group absent at first')
    res, _ = s.do('join %s 8 %s' % (new, BCAST))
    check(res['rc'] == '0', 'send-only full-member join creates (%s)' %
          res.get('err'))
    if res['rc'] != '0':
        return
    g = group_dumps('host2').get(gid(new))
    check(g is not None and num(g['Mlid']) == num(res['mlid']),
          'saquery -g shows the new group with MLID %s' % res['mlid'])
    check(members('host2', new).get(me) == 8,
          'saquery MCMR lists host1 as send-only full member')
    res, _ = s.do('leave %s 8' % new)
    check(res['rc'] == '0', 'leave of the new group succeeds')
    res, _ = s.do('join ff12:401b:ffff::e0:0:2 4 %s' % BCAST)
    check(res['rc'] != '0' and res['err'] in ('EREMOTEIO', 'ENOENT'),
          'send-only non-member cannot create a group (%s, status %s)' %
          (res['err'], res.get('status')))
    res, _ = s.do('join ff12:401b:ffff::e0:0:3 1')
    check(res['err'] == 'EREMOTEIO',
          'join of an unknown group without a template fails (%s)' %
          res['err'])


def check_mcast(sa_tool):
    """Multicast join, query, leave and send-only create."""
    me = gid(port_gid_of(sa_tool, 'host1'))
    s = Session(sa_tool, 'host1')
    try:
        check_join_broadcast(s, me)
        check_sendonly_create(s, me)
    finally:
        s.close()


def check_nodes(sa_tool):
    """NodeRecords and PortInfoRecords list every host with its LID."""
    res, nodes = sa(sa_tool, 'host1', 'nodes')
    check(res['rc'] == '0', 'NodeRecord query succeeds')
    pres, pis = sa(sa_tool, 'host1', 'portinfos')
    check(pres['rc'] == '0', 'PortInfoRecord query succeeds')
    for host in hosts():
        st = ibstat(host)
        lid, guid = num(st['Base lid']), num(st['Port GUID'])
        match = [n for n in nodes if num(n['lid']) == lid]
        check(len(match) == 1 and num(match[0]['port_guid']) == guid and
              num(match[0]['node_guid']) == num(st['Node GUID']) and
              match[0]['desc'] == host and match[0]['node_type'] == '1',
              '%s: NodeRecord LID %d, port GUID %#x, desc' %
              (host, lid, guid))
        pmatch = [p for p in pis if num(p['lid']) == lid]
        check(len(pmatch) >= 1 and num(pmatch[0]['base_lid']) == lid and
              num(pmatch[0]['state']) == 4 and
              num(pmatch[0]['sm_lid']) == num(st['SM lid']),
              '%s: PortInfoRecord LID %d, active, SM LID' % (host, lid))
        bres, brecs = sa(sa_tool, 'host1', 'byguid', hex(guid))
        check(bres['rc'] == '0' and len(brecs) == 2 and
              num(brecs[0]['lid']) == lid and num(brecs[1]['lid']) == lid,
              '%s: port by GUID gives LID %d' % (host, lid))
    bres, _ = sa(sa_tool, 'host1', 'byguid', '0x0badc0ffee')
    check(bres['err'] == 'ENOENT', 'unknown port GUID gives ENOENT')


def stop_opensm():
    """Stop the fabric's opensm by its pid file; True when it is gone."""
    with open(os.path.join(FABRIC_DIR, 'opensm.pid')) as f:
        pid = int(f.read().split()[0])
    for sig in (signal.SIGINT, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                with open('/proc/%d/stat' % pid) as f:
                    if f.read().split(')')[-1].split()[0] == 'Z':
                        return True
            except FileNotFoundError:
                return True
            time.sleep(0.1)
    return False


def check_errors(sa_tool):
    """Unknown GID: quick ENOENT. SM stopped: ETIMEDOUT in the budget."""
    res, _ = sa(sa_tool, 'host1', 'path', 'fe80::dead:beef:1')
    check(res['err'] in ('ENOENT', 'EREMOTEIO'),
          'path to an unknown GID fails clearly (%s, status %s)' %
          (res['err'], res.get('status')))
    check(num(res.get('ms', '99999')) < 1000,
          'the SA answered it at once (%s ms)' % res.get('ms'))
    res, _ = sa(sa_tool, 'host1', 'mcast', 'ff12:401b:ffff::bad:1')
    check(res['err'] == 'ENOENT', 'query of an unknown group: ENOENT')
    check(stop_opensm(), 'opensm stopped')
    timeout, retries = 300, 2
    budget = timeout * (retries + 1)
    dgid = port_gid_of(sa_tool, 'host2')
    t0 = time.monotonic()
    res, _ = sa(sa_tool, 'host1', 'path', dgid,
                opts=('--timeout', str(timeout), '--retries', str(retries)))
    wall = (time.monotonic() - t0) * 1000
    ms = num(res.get('ms', '-1'))
    check(res['err'] == 'ETIMEDOUT', 'path with no SM: ETIMEDOUT (%s)' %
          res['err'])
    check(budget * 0.9 <= ms <= budget + 500,
          'it took %d ms for a budget of %d ms' % (ms, budget))
    check(wall < budget + 10000, 'the whole run took %d ms' % wall)
    res, recs = sa(sa_tool, 'host1', 'async', dgid, dgid, dgid,
                   opts=('--timeout', str(timeout), '--retries', '1'))
    done = [r for r in recs if 'index' in r]
    check(len(done) == 3 and all(r['err'] == 'ETIMEDOUT' and
                                 r['callbacks'] == '1' for r in done),
          'async queries with no SM all end in ETIMEDOUT, one callback each')
    check(res.get('pending') == '0' and num(res.get('ms', '99999')) <=
          2 * timeout + 500, 'nothing left pending (%s ms)' % res.get('ms'))


def check_async(sa_tool):
    """Concurrent async path queries complete through hca_sa_poll()."""
    gids = [port_gid_of(sa_tool, h) for h in hosts()]
    targets = gids + ['fe80::dead:beef:2'] + gids
    res, recs = sa(sa_tool, 'host1', 'async', *targets)
    done = [r for r in recs if 'index' in r]
    check(res['rc'] == '0' and len(done) == len(targets),
          '%d async queries started and reported' % len(targets))
    check(res.get('pending') == '0', 'nothing left pending')
    for r in done:
        i = int(r['index'])
        check(r['callbacks'] == '1', 'query %d: exactly one callback' % i)
        if targets[i].startswith('fe80::dead'):
            check(r['err'] in ('ENOENT', 'EREMOTEIO'),
                  'query %d (unknown GID): %s' % (i, r['err']))
            continue
        sync, _ = sa(sa_tool, 'host1', 'path', targets[i])
        check(r['err'] == 'OK' and gid(r['dgid']) == gid(targets[i]) and
              r['dlid'] == sync.get('dlid') and r['sl'] == sync.get('sl')
              and r['mtu'] == sync.get('mtu'),
              'query %d: async record = sync record (DLID %s)' %
              (i, r.get('dlid')))


CHECKS = {'port': check_port, 'path': check_path, 'mcast': check_mcast,
          'nodes': check_nodes, 'errors': check_errors,
          'async': check_async}


def main():
    """Run one check; exit 1 on any failure."""
    if len(sys.argv) != 3 or sys.argv[2] not in CHECKS:
        print('usage: sa_fabric_test.py SA_TOOL {%s}' % '|'.join(CHECKS))
        return 2
    if not FABRIC_DIR or not FABRIC_TOOL:
        print('run me under test/with-fabric')
        return 2
    CHECKS[sys.argv[2]](os.path.abspath(sys.argv[1]))
    if sys.argv[2] != 'errors':  # opensm was killed there
        check_gsi()
    print('%d failure(s)' % len(failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
