#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""usertools/ipoib-hwcheck against fake machines (--root) and this one.

Fake sysfs trees: a kernel-bound ConnectX with an ACTIVE InfiniBand port
(umad present) and a DOWN port, an Ethernet port, and a function bound to
vfio-pci with and without an IOMMU; each must be judged as documented
(ready, or the exact missing items). On this machine: with no Mellanox
device the tool says so in one line and exits 1; with one it lists it.
"""

import os
import subprocess
import sys
import tempfile

TOOL = sys.argv[1]
failures = 0


def check(cond, what):
    """Count and print a failed check."""
    global failures
    if not cond:
        failures += 1
        print('FAIL: ' + what)
    else:
        print('ok: ' + what)


def put(root, path, text):
    """Write a file under root."""
    p = os.path.join(root, path.lstrip('/'))
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, 'w') as f:
        f.write(text + '\n')


def link(root, path, target):
    """A symlink under root."""
    p = os.path.join(root, path.lstrip('/'))
    os.makedirs(os.path.dirname(p), exist_ok=True)
    os.symlink(target, p)


def run(root, *extra):
    """Run the tool on root: (exit status, output lines)."""
    r = subprocess.run([TOOL, '--root', root] + list(extra),
                       capture_output=True, text=True, timeout=60)
    print(r.stdout, end='')
    return r.returncode, r.stdout.splitlines()


def kernel_port(root, dev, port, layer, state, lid, sm_lid, umad):
    """A port of an RDMA device of vendor 15b3."""
    base = '/sys/class/infiniband/%s' % dev
    put(root, base + '/device/vendor', '0x15b3')
    put(root, base + '/fw_ver', '16.35.1012')
    link(root, base + '/device/driver', '../../../bus/pci/drivers/mlx5_core')
    pb = '%s/ports/%d' % (base, port)
    put(root, pb + '/link_layer', layer)
    put(root, pb + '/state', state)
    put(root, pb + '/lid', lid)
    put(root, pb + '/sm_lid', sm_lid)
    if umad is not None:
        put(root, '/sys/class/infiniband_mad/%s/ibdev' % umad, dev)
        put(root, '/sys/class/infiniband_mad/%s/port' % umad, str(port))


def common(root, memlock, huge_free):
    """rdma-core, memlock and hugepages of a fake machine."""
    put(root, '/fake/libmlx5', '')
    put(root, '/fake/libmlx5-vfio', '')
    put(root, '/fake/memlock', str(memlock))
    put(root, '/proc/meminfo', 'HugePages_Total:     512\n'
        'HugePages_Free:      %d\nHugepagesize:       2048 kB' % huge_free)


with tempfile.TemporaryDirectory() as t:
    # 1: kernel route: one ready port, one down, one Ethernet
    r1 = os.path.join(t, 'm1')
    common(r1, -1, 512)
    kernel_port(r1, 'mlx5_0', 1, 'InfiniBand', '4: ACTIVE', '0x5', '0x1',
                'umad0')
    kernel_port(r1, 'mlx5_1', 1, 'InfiniBand', '1: DOWN', '0x0', '0x0',
                'umad1')
    kernel_port(r1, 'mlx5_2', 1, 'Ethernet', '4: ACTIVE', '0x0', '0x0',
                None)
    rc, out = run(r1)
    check(rc == 0, 'a ready port: exit 0 (%d)' % rc)
    p0 = [l for l in out if l.startswith('mlx5_0 port 1')]
    check(len(p0) == 1 and p0[0].endswith(
        'route 1 kernel (ibdev=mlx5_0,port=1): ready'),
        'mlx5_0 port 1 ready on the kernel route')
    p1 = [l for l in out if l.startswith('mlx5_1 port 1')]
    check(len(p1) == 1 and 'port state 1: DOWN' in p1[0] and
          'no subnet manager' in p1[0], 'mlx5_1: down, no SM')
    p2 = [l for l in out if l.startswith('mlx5_2 port 1')]
    check(len(p2) == 1 and 'link layer is Ethernet' in p2[0] and
          'no umad device' in p2[0], 'mlx5_2: Ethernet, no umad')

    # --run: a name that is no device, a build without the programs
    rc, out = run(r1, '--run', 'mlx5_0;rm')
    check(rc == 2 and 'not a device name or a PCI address' in out[-1],
          '--run refuses a name that is no device (%d)' % rc)
    rc, out = run(r1, '--run', 'mlx5_0', '--build', os.path.join(t, 'none'))
    check(rc == 2 and 'missing: build the tree first' in out[-1],
          '--run says the build lacks the programs (%d)' % rc)

    # 2: VFIO route without an IOMMU, low memlock, no free hugepages
    r2 = os.path.join(t, 'm2')
    common(r2, 64 << 10, 0)
    fn = '/sys/bus/pci/devices/0000:03:00.1'
    put(r2, fn + '/vendor', '0x15b3')
    put(r2, fn + '/device', '0x1018')
    link(r2, fn + '/driver', '../../../bus/pci/drivers/vfio-pci')
    rc, out = run(r2)
    check(rc == 1, 'nothing usable: exit 1 (%d)' % rc)
    v = [l for l in out if l.startswith('0000:03:00.1')]
    check(len(v) == 1 and 'route 2 VFIO (pci=0000:03:00.1)' in v[0] and
          'IOMMU off' in v[0] and 'memlock limit 64 KiB' in v[0] and
          'no free hugepages' in v[0], 'the VFIO function: what it lacks')

    # 3: the same function with an IOMMU group and enough of everything
    r3 = os.path.join(t, 'm3')
    common(r3, -1, 100)
    put(r3, fn + '/vendor', '0x15b3')
    put(r3, fn + '/device', '0x1018')
    link(r3, fn + '/driver', '../../../bus/pci/drivers/vfio-pci')
    link(r3, fn + '/iommu_group', '../../../kernel/iommu_groups/12')
    put(r3, '/sys/class/iommu/dmar0/x', '')
    rc, out = run(r3)
    v = [l for l in out if l.startswith('0000:03:00.1')]
    check(rc == 0 and len(v) == 1 and v[0].endswith(': ready'),
          'the VFIO function ready with an IOMMU')

    # 4: a Mellanox function bound to nothing usable, no RDMA device
    r4 = os.path.join(t, 'm4')
    common(r4, -1, 100)
    put(r4, fn + '/vendor', '0x15b3')
    rc, out = run(r4)
    check(rc == 1 and len(out) == 1 and 'no ConnectX port here' in out[0]
          and '0000:03:00.1 (unbound)' in out[0],
          'no usable device: one line naming the function found')

# this machine
mlx = [d for d in (os.listdir('/sys/class/infiniband')
                   if os.path.isdir('/sys/class/infiniband') else [])]
r = subprocess.run([TOOL], capture_output=True, text=True, timeout=60)
print(r.stdout, end='')
lines = r.stdout.splitlines()
if not mlx:
    check(r.returncode == 1 and len(lines) == 1 and
          lines[0].startswith('ipoib-hwcheck: no ConnectX port here'),
          'this machine (no RDMA device): one line, exit 1')
else:
    check(r.returncode in (0, 1) and len(lines) >= 3,
          'this machine: its devices listed')
print('%d failures' % failures)
sys.exit(1 if failures else 0)
