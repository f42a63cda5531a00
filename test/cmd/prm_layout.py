#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check the command layer's mailbox layouts with an independent decoder.

prm_dump (test/cmd/prm_dump.c) builds each input mailbox with the
encoders of drivers/common/hca/cmd and prints "NAME HEX" lines. This
script decodes them with rdma-core's scapy definitions of the PRM
(tests/mlx5_prm_structs.py, written by the HCA vendor; Debian ships it in
python3-pyverbs, compressed, under the rdma-core documentation) and
compares every decoded field with what prm_dump meant. It then builds
output mailboxes with the same definitions and checks what prm_dump's
decoders make of them.

The definitions are loaded at run time from the installed package, never
copied. Two things are patched at import: every class's extract_padding
returns (b"", rest), otherwise a nested structure swallows every byte
after it. Missing scapy or a missing file is a failure, not a skip.

Usage: prm_layout.py PRM_DUMP
"""

import gzip
import importlib.util
import os
import subprocess
import sys
import tempfile

PRM_STRUCTS = "/usr/share/doc/rdma-core/tests/mlx5_prm_structs.py.gz"

# Bytes of the QP context (the PRM's, as rdma-core's C header and the
# scapy SwQpc both give it), and its offset in CREATE_QP, the modify
# inputs and QUERY_QP's output.
QPC_OFF = 24
QPC_LEN = 232
# Offset of the primary address path in the QP context.
ADS_OFF = 24

MGID = bytes([0xff, 0x12, 0x40, 0x1b, 0x80, 0x01, 0, 0, 0, 0, 0, 0,
              0xff, 0xff, 0xff, 0xff])


def die(msg):
    """Fail the test with a message."""
    print("prm_layout: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def load_prm_structs():
    """Import rdma-core's mlx5_prm_structs from the installed package."""
    try:
        import scapy  # noqa: F401  (checked here for a clear message)
    except ImportError:
        die("python3-scapy is not installed (needed to load rdma-core's "
            "PRM definitions): apt-get install python3-scapy")
    if not os.path.exists(PRM_STRUCTS):
        die(PRM_STRUCTS + " not found: apt-get install python3-pyverbs")
    tmp = tempfile.mkdtemp(prefix="prm_layout.")
    path = os.path.join(tmp, "mlx5_prm_structs.py")
    with gzip.open(PRM_STRUCTS, "rb") as src, open(path, "wb") as dst:
        dst.write(src.read())
    spec = importlib.util.spec_from_file_location("mlx5_prm_structs", path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception as e:  # its import raises SkipTest without scapy
        die("cannot load %s: %s: %s" % (PRM_STRUCTS, type(e).__name__, e))
    finally:
        os.unlink(path)
        os.rmdir(tmp)
    from scapy.packet import Packet
    for obj in vars(mod).values():
        if isinstance(obj, type) and issubclass(obj, Packet) and \
                obj is not Packet:
            obj.extract_padding = lambda self, s: (b"", s)
    return mod


def field(pkt, path):
    """The value of a dotted field path in a decoded packet."""
    for name in path.split("."):
        pkt = getattr(pkt, name)
    return pkt


def hdr(opcode, uid, op_mod=0):
    """Expectations of the common input header."""
    return [("opcode", opcode), ("uid", uid), ("op_mod", op_mod)]


def qpc(*pairs):
    """Expectations on the QP context decoded on its own (SwQpc)."""
    return [("@qpc." + name, value) for name, value in pairs]


def expectations(m):
    """NAME -> (class, [(field path, value prm_dump meant)])."""
    return {
        "QUERY_HCA_CAP": (m.QueryHcaCapIn, hdr(0x100, 0x1, 0x1) + [
            ("other_function", 0), ("function_id", 0)]),
        "QUERY_HCA_VPORT_CONTEXT": (m.QueryHcaVportContextIn,
            hdr(0x762, 0x2) + [("other_vport", 1), ("port_num", 2),
                               ("vport_number", 0x345)]),
        "QUERY_HCA_VPORT_GID": (m.QueryHcaVportGidIn, hdr(0x764, 0x2) + [
            ("other_vport", 1), ("port_num", 2), ("vport_number", 0x345),
            ("gid_index", 0x67)]),
        # the P_Key query has the GID query's layout (pkey_index where
        # gid_index is); the scapy file has no class of its own for it
        "QUERY_HCA_VPORT_PKEY": (m.QueryHcaVportGidIn, hdr(0x765, 0x2) + [
            ("other_vport", 1), ("port_num", 2), ("vport_number", 0x345),
            ("gid_index", 0x67)]),
        # ACCESS_REG header (the PMTU register itself has no scapy class)
        "ACCESS_REG_PMTU": (m.AccessPaosRegisterIn, hdr(0x805, 0x8, 1) + [
            ("register_id", 0x5003), ("argument", 0),
            ("data.local_port", 2)]),
        "ALLOC_PD": (m.AllocPdIn, hdr(0x800, 0x9)),
        # header + object number: QueryQpIn's shape (qpn at 0x48)
        "DEALLOC_PD": (m.QueryQpIn, hdr(0x801, 0xa) + [("qpn", 0xfedcba)]),
        "CREATE_MKEY": (m.CreateMkeyIn, hdr(0x200, 0x3) + [
            ("mkey_umem_valid", 1), ("pg_access", 0),
            ("mkey_umem_id", 0x89abcdef), ("mkey_umem_offset", 0x5000),
            ("translations_octword_actual_size", 1),
            ("sw_mkc.access_mode_1_0", 1), ("sw_mkc.access_mode_4_2", 0),
            ("sw_mkc.lr", 1), ("sw_mkc.lw", 1), ("sw_mkc.rr", 0),
            ("sw_mkc.rw", 1), ("sw_mkc.a", 0), ("sw_mkc.qpn", 0xffffff),
            ("sw_mkc.mkey_7_0", 0x5a), ("sw_mkc.pd", 0x123456),
            ("sw_mkc.start_addr", 0x7f0012345000),
            ("sw_mkc.len", 0x300000),
            ("sw_mkc.translations_octword_size", 1),
            ("sw_mkc.log_entity_size", 9)]),
        "DESTROY_MKEY": (m.QueryQpIn, hdr(0x202, 0xb) + [
            ("qpn", 0x654321)]),
        "CREATE_EQ": (m.CreateEqIn, hdr(0x301, 0x4) + [
            ("sw_eqc.log_eq_size", 7), ("sw_eqc.uar_page", 0x4321),
            ("sw_eqc.intr", 0x9), ("sw_eqc.log_page_size", 3),
            ("event_bitmask_63_0", 0x210), ("event_bitmask_127_640", 0),
            ("e_mtt_pointer", 0),
            # the page address right after the 272 bytes (no scapy field)
            ("@bytes.272.280", bytes.fromhex("0000123456789000"))]),
        # header + EQ number: the scapy file has no DestroyEqIn; the PRM's
        # eq_number (8 bits at 0x58) is the low byte of QueryQpIn's qpn
        "DESTROY_EQ": (m.QueryQpIn, hdr(0x302, 0x13) + [("qpn", 0x42)]),
        "CREATE_CQ": (m.CreateCqIn, hdr(0x400, 0x5) + [
            ("sw_cqc.log_cq_size", 13), ("sw_cqc.cqe_sz", 1),
            ("sw_cqc.uar_page", 0xabcde), ("sw_cqc.c_eqn", 0x77),
            ("sw_cqc.log_page_size", 2), ("sw_cqc.dbr_umem_valid", 1),
            ("sw_cqc.dbr_umem_id", 0x7654321),
            ("sw_cqc.db_record_addr_63_32", 0),
            ("sw_cqc.db_record_addr_31_3", 0x1c0 >> 3),
            ("sw_cqc.cqe_compression_en", 0), ("sw_cqc.oi", 0),
            ("cq_umem_valid", 1), ("cq_umem_id", 0x1234567),
            ("e_mtt_pointer_or_cq_umem_offset", 0x840)]),
        "DESTROY_CQ": (m.QueryQpIn, hdr(0x401, 0xc) + [("qpn", 0x42)]),
        "CREATE_QP": (m.CreateQpIn, hdr(0x500, 0x6) + [
            ("input_qpn", 0), ("opt_param_mask", 0),
            ("wq_umem_valid", 1), ("wq_umem_id", 0xa0b0c0d),
            ("e_mtt_pointer_or_wq_umem_offset", 0x2000)] + qpc(
            ("state", 0), ("st", 0x2), ("pm_state", 3), ("pd", 0x10203),
            ("uar_page", 0x405), ("cqn_snd", 0x111), ("cqn_rcv", 0x222),
            ("log_sq_size", 9), ("log_rq_size", 11), ("log_rq_stride", 2),
            ("no_sq", 0), ("log_page_size", 1), ("user_index", 0x33),
            ("cs_res", 0), ("cs_req", 0), ("dbr_umem_valid", 1),
            ("dbr_umem_id", 0x1f2f3f4f), ("dbr_addr", 0x40),
            ("q_key", 0), ("rq_type", 0))),
        "RST2INIT_QP": (m.ModifyQpIn, hdr(0x502, 0x7) + [
            ("qpn", 0xabc), ("opt_param_mask", 0)] + qpc(
            ("q_key", 0x80010000),
            ("primary_address_path.pkey_index", 0x1f),
            ("primary_address_path.vhca_port_num", 2),
            ("primary_address_path.sl", 0), ("st", 0), ("pd", 0))),
        "INIT2RTR_QP": (m.ModifyQpIn, hdr(0x503, 0x7) + [
            ("qpn", 0xabc)] + qpc(("q_key", 0), ("mtu", 0))),
        "RTR2RTS_QP": (m.ModifyQpIn, hdr(0x504, 0x7) + [
            ("qpn", 0xabc)] + qpc(("next_send_psn", 0x123456))),
        "2ERR_QP": (m.QueryQpIn, hdr(0x507, 0xd) + [("qpn", 0xdef)]),
        "2RST_QP": (m.QueryQpIn, hdr(0x50a, 0xe) + [("qpn", 0xdee)]),
        "QUERY_QP": (m.QueryQpIn, hdr(0x50b, 0xf) + [("qpn", 0xded)]),
        "DESTROY_QP": (m.QueryQpIn, hdr(0x501, 0x10) + [("qpn", 0xdec)]),
        # the scapy file has no MCG class: header + qpn with QueryQpIn's
        # shape, and the GID read from bytes 16..31 ("@bytes")
        "ATTACH_TO_MCG": (m.QueryQpIn, hdr(0x806, 0x11) + [
            ("qpn", 0xcba), ("@bytes.16.32", MGID)]),
        "DETACH_FROM_MCG": (m.QueryQpIn, hdr(0x807, 0x12) + [
            ("qpn", 0xcbb), ("@bytes.16.32", MGID)]),
    }


# Input lengths the PRM gives (bytes), checked against prm_dump's output.
INPUT_LEN = {
    "QUERY_HCA_CAP": 16, "QUERY_HCA_VPORT_CONTEXT": 16,
    "QUERY_HCA_VPORT_GID": 16, "QUERY_HCA_VPORT_PKEY": 16,
    "ACCESS_REG_PMTU": 32, "ALLOC_PD": 16, "DEALLOC_PD": 16,
    "CREATE_MKEY": 272, "DESTROY_MKEY": 16, "CREATE_EQ": 272 + 8,
    "DESTROY_EQ": 16,
    "CREATE_CQ": 272, "DESTROY_CQ": 16, "CREATE_QP": 272,
    "RST2INIT_QP": 272, "INIT2RTR_QP": 272, "RTR2RTS_QP": 272,
    "2ERR_QP": 16, "2RST_QP": 16, "QUERY_QP": 16, "DESTROY_QP": 16,
    "ATTACH_TO_MCG": 32, "DETACH_FROM_MCG": 32,
}


def check_inputs(m, prm_dump):
    """Decode prm_dump's inputs; return the list of mismatches."""
    res = subprocess.run([prm_dump], capture_output=True, text=True)
    if res.returncode != 0:
        die("prm_dump failed (%d): %s" % (res.returncode, res.stderr))
    dumped = {}
    for line in res.stdout.splitlines():
        name, hexdata = line.split()
        dumped[name] = bytes.fromhex(hexdata)
    expect = expectations(m)
    errors = []
    if set(dumped) != set(expect):
        errors.append("commands dumped %s, expected %s" %
                      (sorted(dumped), sorted(expect)))
    if len(m.SwQpc()) != QPC_LEN:
        errors.append("SwQpc is %d bytes, expected %d" %
                      (len(m.SwQpc()), QPC_LEN))
    for name, (cls, fields) in sorted(expect.items()):
        data = dumped.get(name)
        if data is None:
            continue
        if len(data) != INPUT_LEN[name]:
            errors.append("%s: input is %d bytes, the PRM's is %d" %
                          (name, len(data), INPUT_LEN[name]))
        pkt = cls(data)
        ctx = m.SwQpc(data[QPC_OFF:QPC_OFF + QPC_LEN])
        checked = 0
        for path, want in fields:
            if path.startswith("@bytes."):
                lo, hi = (int(x) for x in path.split(".")[1:])
                got = data[lo:hi]
            elif path.startswith("@qpc."):
                got = field(ctx, path[len("@qpc."):])
                path = "qpc." + path[len("@qpc."):]
            else:
                got = field(pkt, path)
            checked += 1
            if got != want:
                fmt = (lambda v: v.hex() if isinstance(v, bytes) else
                       hex(v) if isinstance(v, int) else repr(v))
                errors.append("%s: field %s decodes as %s, prm_dump meant "
                              "%s" % (name, path, fmt(got), fmt(want)))
        print("prm_layout: %-24s %3d bytes, %2d fields checked with %s" %
              (name, len(data), checked, cls.__name__))
    return errors


def reserved_zero(pkt):
    """Set every reserved string field of pkt (and nested ones) to zeros,
    so that nothing serializes from a None default."""
    from scapy.fields import StrFixedLenField
    for f in pkt.fields_desc:
        if isinstance(f, StrFixedLenField) and \
                pkt.getfieldval(f.name) is None:
            pkt.setfieldval(f.name, b"\0" * f.length_from(pkt))
        val = pkt.getfieldval(f.name)
        if hasattr(val, "fields_desc"):
            reserved_zero(val)
    return pkt


def outputs(m):
    """Output mailboxes built with scapy: NAME -> (packet, expected
    decoder result as prm_dump prints it)."""
    cap = m.CmdHcaCap(port_type=0, num_ports=2, log_max_qp_sz=15,
                      log_max_qp=18, log_max_cq_sz=22, log_max_cq=24,
                      log_max_pd=23, gid_table_size=4, pkey_table_size=1,
                      max_wqe_sz_sq=1024, ud=1, ipoib_basic_offloads=1,
                      ipoib_enhanced_offloads=0, max_qp_mcg=0x1234567,
                      log_max_mcg=21)
    vctx = m.HcaVportContext(port_state=4, vport_state=3,
                             port_physical_state=5, has_smi=1,
                             grh_required=0, port_guid=0x0002c90300a1b2c3,
                             node_guid=0x0002c90300a1b2c0,
                             cap_mask1=0x0251086a, lid=0x1234, lmc=2,
                             sm_lid=0x1, sm_sl=0xe, subnet_timeout=18,
                             qkey_violation_counter=0x21,
                             pkey_violation_counter=0x77)
    ads = m.SwAds(pkey_index=3, vhca_port_num=2, sl=5)
    qctx = m.SwQpc(state=3, st=2, q_key=0x11223344,
                   primary_address_path=ads, cqn_snd=0x111, cqn_rcv=0x222)
    return {
        "QUERY_HCA_CAP": (m.QueryCmdHcaCapOut(capability=cap),
            "port_type=0 num_ports=2 log_max_qp_sz=f log_max_qp=12 "
            "log_max_cq_sz=16 log_max_cq=18 log_max_pd=17 "
            "gid_table_len=80 pkey_table_len=100 max_wqe_sz_sq=400 ud=1 "
            "ipoib_basic_offloads=1 ipoib_enhanced_offloads=0 "
            "max_qp_mcg=1234567 log_max_mcg=15"),
        "QUERY_HCA_VPORT_CONTEXT": (
            m.QueryHcaVportContextOut(hca_vport_context=vctx),
            "port_state=4 vport_state=3 port_physical_state=5 has_smi=1 "
            "grh_required=0 port_guid=2c90300a1b2c3 "
            "node_guid=2c90300a1b2c0 cap_mask1=251086a lid=1234 lmc=2 "
            "sm_lid=1 sm_sl=e subnet_timeout=12 qkey_violations=21 "
            "pkey_violations=77"),
        "QUERY_QP": (m.QueryQpOut(sw_qpc=qctx),
            "state=3 st=2 q_key=11223344 pkey_index=3 port_num=2 "
            "cqn_snd=111 cqn_rcv=222"),
        "CREATE_QP": (m.CreateQpOut(qpn=0xabcdef), "num=abcdef"),
        "CREATE_CQ": (m.CreateCqOut(cqn=0x123), "num=123"),
        "CREATE_EQ": (m.CreateEqOut(eqn=0x5a), "eqn=5a"),
        "ALLOC_PD": (m.AllocPdOut(pd=0x456), "num=456"),
        "CREATE_MKEY": (m.CreateMkeyOut(mkey_index=0x789), "num=789"),
    }


def check_outputs(m, prm_dump):
    """Feed scapy-built outputs to prm_dump's decoders; return mismatches."""
    outs = outputs(m)
    lines = "".join("%s %s\n" % (name, bytes(reserved_zero(pkt)).hex())
                    for name, (pkt, _) in outs.items())
    res = subprocess.run([prm_dump, "decode"], input=lines,
                         capture_output=True, text=True)
    if res.returncode != 0:
        die("prm_dump decode failed (%d): %s" % (res.returncode, res.stderr))
    got = {}
    for line in res.stdout.splitlines():
        name, _, rest = line.partition(" ")
        got[name] = dict(kv.split("=", 1) for kv in rest.split())
    errors = []
    for name, (_, want) in outs.items():
        have = got.get(name, {})
        for kv in want.split():
            key, value = kv.split("=", 1)
            if have.get(key) != value:
                errors.append("%s output: decoder gives %s=%s, scapy built "
                              "%s" % (name, key, have.get(key), value))
        print("prm_layout: %-24s output decoded, %d fields checked" %
              (name, len(want.split())))
    return errors


def main():
    """Run both checks; exit non-zero on any mismatch."""
    if len(sys.argv) != 2:
        die("usage: prm_layout.py PRM_DUMP")
    m = load_prm_structs()
    errors = check_inputs(m, sys.argv[1]) + check_outputs(m, sys.argv[1])
    for e in errors:
        print("prm_layout: FAIL: " + e, file=sys.stderr)
    if errors:
        sys.exit(1)
    print("prm_layout: all layouts agree with rdma-core's mlx5_prm_structs")


if __name__ == "__main__":
    main()
