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
decoders make of them, and compares the output length the command layer
gives each command (hca_cmd_out_len(), what DevX passes the kernel) with
the size of the scapy file's output class, or the PRM's where it has
none.

The definitions are loaded at run time from the installed package, never
copied. The scapy file has no class for most commands of the IPoIB
send and receive queues (CREATE_SQ, CREATE_RQ, their modifies, CREATE_TIS,
the RQ table, the flow table commands): those are decoded here from
PRM_FIELDS, bit offsets transcribed for this script from the PRM as
Linux's include/linux/mlx5/mlx5_ifc.h declares it (a second transcription,
made apart from hca_prm.h). CREATE_TIR is decoded by the scapy file's own
CreateTirIn, and every short destroy by QueryQpIn's shape. Two things are patched at import: every class's extract_padding
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

# prm_dump's Toeplitz key: bytes 0x40, 0x41, ... as the ten big-endian
# words CreateTirIn decodes.
TOEPLITZ_KEY_WORDS = [int.from_bytes(bytes(range(0x40 + 4 * i, 0x44 + 4 * i)),
                                     "big") for i in range(10)]

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


# Bit offsets and widths (PRM numbering: bit 0 is the most significant
# bit of byte 0) of the fields the scapy file has no class for, relative
# to the mailbox, from Linux's mlx5_ifc.h: the SQ and RQ contexts start at
# byte 32 of their create and modify inputs, their wq structure at byte
# 48 of the context; the TIS and RQ table contexts at byte 32; the flow
# table context at byte 24 of CREATE_FLOW_TABLE; the flow context at byte
# 64 of SET_FLOW_TABLE_ENTRY, its destination list at byte 768 of it.
CTX = 32 * 8
WQ = CTX + 48 * 8
FC = 64 * 8
PRM_FIELDS = {
    "opcode": (0x00, 16), "uid": (0x10, 16), "op_mod": (0x30, 16),
    "modify.state": (0x40, 4), "modify.num": (0x48, 24),
    "modify.bitmask": (0x80, 64),
    "sqc.flush_in_error_en": (CTX + 0x03, 1),
    "sqc.state": (CTX + 0x08, 4), "sqc.user_index": (CTX + 0x28, 24),
    "sqc.cqn": (CTX + 0x48, 24), "sqc.tis_lst_sz": (CTX + 0x100, 16),
    "sqc.tis_num_0": (CTX + 0x168, 24),
    "rqc.vsd": (CTX + 0x03, 1), "rqc.mem_rq_type": (CTX + 0x04, 4),
    "rqc.state": (CTX + 0x08, 4), "rqc.flush_in_error_en": (CTX + 0x0d, 1),
    "rqc.user_index": (CTX + 0x28, 24), "rqc.cqn": (CTX + 0x48, 24),
    "wq.wq_type": (WQ + 0x00, 4), "wq.pd": (WQ + 0x48, 24),
    "wq.uar_page": (WQ + 0x68, 24), "wq.dbr_addr": (WQ + 0x80, 64),
    "wq.log_wq_stride": (WQ + 0x10c, 4), "wq.log_wq_pg_sz": (WQ + 0x113, 5),
    "wq.log_wq_sz": (WQ + 0x11b, 5), "wq.dbr_umem_valid": (WQ + 0x120, 1),
    "wq.wq_umem_valid": (WQ + 0x121, 1), "wq.dbr_umem_id": (WQ + 0x140, 32),
    "wq.wq_umem_id": (WQ + 0x160, 32),
    "wq.wq_umem_offset": (WQ + 0x180, 64),
    "tisc.prio": (CTX + 0x0c, 4), "tisc.transport_domain": (CTX + 0x128, 24),
    "tisc.underlay_qpn": (CTX + 0x148, 24),
    "rqtc.rqt_max_size": (CTX + 0xb0, 16),
    "rqtc.rqt_actual_size": (CTX + 0xd0, 16),
    "rqtc.rq_num_0": (CTX + 0x780 + 0x08, 24),
    "rqtc.rq_num_1": (CTX + 0x7a0 + 0x08, 24),
    "rqtc.rq_num_2": (CTX + 0x7c0 + 0x08, 24),
    "ft.table_type": (0x80, 8), "ft.table_id": (0xa8, 24),
    "ftc.level": (0xc0 + 0x08, 8), "ftc.log_size": (0xc0 + 0x18, 8),
    "ftc.table_miss_action": (0xc0 + 0x04, 4),
    "root.underlay_qpn": (0xc8, 24),
    "fg.start_flow_index": (0xe0, 32), "fg.end_flow_index": (0x120, 32),
    "fg.match_criteria_enable": (0x1f8, 8),
    "destroy_fg.group_id": (0xc0, 32),
    "fte.flow_index": (0x100, 32),
    "fc.group_id": (FC + 0x20, 32), "fc.flow_tag": (FC + 0x48, 24),
    "fc.action": (FC + 0x70, 16), "fc.destination_list_size": (FC + 0x88, 24),
    "fc.dest.destination_type": (FC + 0x1800, 8),
    "fc.dest.destination_id": (FC + 0x1808, 24),
}


def prm_bits(data, path):
    """Read a PRM_FIELDS field from a mailbox."""
    bit, width = PRM_FIELDS[path]
    if width == 64:
        return int.from_bytes(data[bit // 8:bit // 8 + 8], "big")
    word = int.from_bytes(data[bit // 32 * 4:bit // 32 * 4 + 4], "big")
    return (word >> (32 - bit % 32 - width)) & ((1 << width) - 1)


def prm(*pairs):
    """Expectations on PRM_FIELDS fields ("@prm.")."""
    return [("@prm." + name, value) for name, value in pairs]


def wq(**kw):
    """Expectations on the wq structure of an SQ or RQ context."""
    return prm(*[("wq." + k, v) for k, v in kw.items()])


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
        # the scapy file has no class for these: the header with
        # QueryQpIn's shape, every other field from PRM_FIELDS
        "CREATE_SQ": (m.QueryQpIn, hdr(0x904, 0x13) + prm(
            ("sqc.flush_in_error_en", 1), ("sqc.state", 0),
            ("sqc.user_index", 0x3c4d5e), ("sqc.cqn", 0x1a2b3c),
            ("sqc.tis_lst_sz", 1), ("sqc.tis_num_0", 0x2b3c4d)) + wq(
            wq_type=1, pd=0x4d5e6f, uar_page=0x5e6f70, dbr_addr=0x4c0,
            log_wq_stride=6, log_wq_pg_sz=3, log_wq_sz=10,
            dbr_umem_valid=1, wq_umem_valid=1, dbr_umem_id=0x55667788,
            wq_umem_id=0x11223344, wq_umem_offset=0x1000)),
        "MODIFY_SQ": (m.QueryQpIn, hdr(0x905, 0x13) + prm(
            ("modify.state", 0), ("modify.num", 0x123abc),
            ("modify.bitmask", 0), ("sqc.state", 1), ("sqc.cqn", 0))),
        "DESTROY_SQ": (m.QueryQpIn, hdr(0x906, 0x13) + [
            ("qpn", 0x123abd)]),
        "CREATE_RQ": (m.QueryQpIn, hdr(0x908, 0x14) + prm(
            ("rqc.vsd", 1), ("rqc.mem_rq_type", 0), ("rqc.state", 0),
            ("rqc.flush_in_error_en", 1), ("rqc.user_index", 0x7b8c9d),
            ("rqc.cqn", 0x6a7b8c)) + wq(
            wq_type=1, pd=0x8c9dae, uar_page=0x9daebf, dbr_addr=0x7f8,
            log_wq_stride=4, log_wq_pg_sz=1, log_wq_sz=12,
            dbr_umem_valid=1, wq_umem_valid=1, dbr_umem_id=0xddeeff00,
            wq_umem_id=0x99aabbcc, wq_umem_offset=0x3000)),
        "MODIFY_RQ": (m.QueryQpIn, hdr(0x909, 0x14) + prm(
            ("modify.state", 1), ("modify.num", 0x456def),
            ("modify.bitmask", 0), ("rqc.state", 3), ("rqc.cqn", 0))),
        "DESTROY_RQ": (m.QueryQpIn, hdr(0x90a, 0x14) + [
            ("qpn", 0x456df0)]),
        "CREATE_TIS": (m.QueryQpIn, hdr(0x912, 0x15) + prm(
            ("tisc.prio", 5), ("tisc.transport_domain", 0xa1b2c3),
            ("tisc.underlay_qpn", 0xd4e5f6))),
        "DESTROY_TIS": (m.QueryQpIn, hdr(0x914, 0x15) + [("qpn", 0x789a)]),
        "CREATE_RQT": (m.QueryQpIn, hdr(0x916, 0x16) + prm(
            ("rqtc.rqt_max_size", 4), ("rqtc.rqt_actual_size", 3),
            ("rqtc.rq_num_0", 0x10203), ("rqtc.rq_num_1", 0x40506),
            ("rqtc.rq_num_2", 0x70809))),
        "MODIFY_RQT": (m.QueryQpIn, hdr(0x917, 0x16) + [
            ("qpn", 0x6789ab)] + prm(
            ("modify.bitmask", 1), ("rqtc.rqt_max_size", 4),
            ("rqtc.rqt_actual_size", 2), ("rqtc.rq_num_0", 0x10203),
            ("rqtc.rq_num_1", 0x40506))),
        "DESTROY_RQT": (m.QueryQpIn, hdr(0x918, 0x16) + [
            ("qpn", 0x6789ac)]),
        # CREATE_TIR: the scapy file's own class
        "CREATE_TIR": (m.CreateTirIn, hdr(0x900, 0x17) + [
            ("tir_context.disp_type", 1),
            ("tir_context.indirect_table", 0x4f5e6d),
            ("tir_context.rx_hash_fn", 2),
            ("tir_context.transport_domain", 0x1d2e3f),
            ("tir_context.inline_rqn", 0),
            ("tir_context.rx_hash_symmetric", 0),
            ("tir_context.rx_hash_toeplitz_key", TOEPLITZ_KEY_WORDS),
            ("tir_context.rx_hash_field_selector_outer.l3_prot_type", 1),
            ("tir_context.rx_hash_field_selector_outer.l4_prot_type", 1),
            ("tir_context.rx_hash_field_selector_outer.selected_fields",
             0xf),
            ("tir_context.rx_hash_field_selector_inner.selected_fields",
             0)]),
        "DESTROY_TIR": (m.QueryQpIn, hdr(0x902, 0x17) + [
            ("qpn", 0x8b9cad)]),
        "CREATE_FLOW_TABLE": (m.QueryQpIn, hdr(0x930, 0x1a) + prm(
            ("ft.table_type", 0), ("ftc.level", 3), ("ftc.log_size", 4),
            ("ftc.table_miss_action", 0))),
        "DESTROY_FLOW_TABLE": (m.QueryQpIn, hdr(0x931, 0x1a) + prm(
            ("ft.table_type", 0), ("ft.table_id", 0x2c3d4e))),
        "SET_FLOW_TABLE_ROOT": (m.QueryQpIn, hdr(0x92f, 0x1a) + prm(
            ("ft.table_type", 0), ("ft.table_id", 0x2c3d4e),
            ("root.underlay_qpn", 0xd4e5f6))),
        "SET_FLOW_TABLE_ROOT_DISCONNECT": (m.QueryQpIn,
            hdr(0x92f, 0x1a, 1) + prm(
                ("ft.table_type", 0), ("ft.table_id", 0),
                ("root.underlay_qpn", 0xd4e5f6))),
        "CREATE_FLOW_GROUP": (m.QueryQpIn, hdr(0x933, 0x1b) + prm(
            ("ft.table_type", 0), ("ft.table_id", 0x2c3d4e),
            ("fg.start_flow_index", 2), ("fg.end_flow_index", 9),
            ("fg.match_criteria_enable", 0))),
        "DESTROY_FLOW_GROUP": (m.QueryQpIn, hdr(0x934, 0x1b) + prm(
            ("ft.table_type", 0), ("ft.table_id", 0x2c3d4e),
            ("destroy_fg.group_id", 0x5f6a7b))),
        "SET_FLOW_TABLE_ENTRY": (m.QueryQpIn, hdr(0x936, 0x1c) + prm(
            ("ft.table_type", 0), ("ft.table_id", 0x2c3d4e),
            ("fte.flow_index", 7), ("fc.group_id", 0x5f6a7b),
            ("fc.flow_tag", 0), ("fc.action", 0x4),
            ("fc.destination_list_size", 1),
            ("fc.dest.destination_type", 2),
            ("fc.dest.destination_id", 0x8b9cad))),
        "DELETE_FLOW_TABLE_ENTRY": (m.QueryQpIn, hdr(0x938, 0x1c) + prm(
            ("ft.table_type", 0), ("ft.table_id", 0x2c3d4e),
            ("fte.flow_index", 7))),
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
    "CREATE_SQ": 272, "MODIFY_SQ": 272, "DESTROY_SQ": 16,
    "CREATE_RQ": 272, "MODIFY_RQ": 272, "DESTROY_RQ": 16,
    "CREATE_TIS": 192, "DESTROY_TIS": 16,
    # RQ tables: 272 bytes of header and context, 4 per RQ in the list
    "CREATE_RQT": 272 + 3 * 4, "MODIFY_RQT": 272 + 2 * 4, "DESTROY_RQT": 16,
    "CREATE_TIR": 272, "DESTROY_TIR": 16,
    "CREATE_FLOW_TABLE": 80, "DESTROY_FLOW_TABLE": 64,
    "SET_FLOW_TABLE_ROOT": 64, "SET_FLOW_TABLE_ROOT_DISCONNECT": 64,
    "CREATE_FLOW_GROUP": 1024,
    "DESTROY_FLOW_GROUP": 64,
    # the flow context (768 bytes) after 64, then one destination
    "SET_FLOW_TABLE_ENTRY": 64 + 768 + 8, "DELETE_FLOW_TABLE_ENTRY": 64,
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
            elif path.startswith("@prm."):
                got = prm_bits(data, path[len("@prm."):])
                path = path[len("@prm."):]
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
                      log_max_mcg=21, nic_flow_table=1, log_max_rq=17,
                      log_max_sq=16, log_max_tir=10, log_max_tis=9,
                      log_max_rqt=8, log_max_rqt_size=7)
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
            "max_qp_mcg=1234567 log_max_mcg=15 nic_flow_table=1 "
            "log_max_rq=11 log_max_sq=10 log_max_tir=a log_max_tis=9 "
            "log_max_rqt=8 log_max_rqt_size=7"),
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
        "CREATE_TIR": (m.CreateTirOut(tirn=0xabc123), "num=abc123"),
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


def output_lengths(m):
    """The output length of each command prm_dump builds: the size of
    rdma-core's scapy class where it has one, else the PRM's as Linux's
    mlx5_ifc.h gives the *_out structure (header 16 bytes; most outputs
    are the header alone)."""
    n = {name: 16 for name in INPUT_LEN}
    n.update({
        # the capability union is 0x1000 bytes; the scapy class lists
        # only the general capabilities' 2048 of them
        "QUERY_HCA_CAP": 16 + 4096,
        "QUERY_HCA_VPORT_CONTEXT": len(m.QueryHcaVportContextOut()),
        # prm_dump asks one GID, one P_Key (index 0x67)
        "QUERY_HCA_VPORT_GID": len(m.QueryHcaVportGidOut()),
        "QUERY_HCA_VPORT_PKEY": 16 + 4,
        # header, then the 16-byte PMTU register
        "ACCESS_REG_PMTU": 16 + 16,
        "ALLOC_PD": len(m.AllocPdOut()),
        "CREATE_MKEY": len(m.CreateMkeyOut()),
        "CREATE_EQ": len(m.CreateEqOut()),
        "CREATE_CQ": len(m.CreateCqOut()),
        "CREATE_QP": len(m.CreateQpOut()),
        "RST2INIT_QP": len(m.ModifyQpOut()),
        "INIT2RTR_QP": len(m.ModifyQpOut()),
        "RTR2RTS_QP": len(m.ModifyQpOut()),
        "QUERY_QP": len(m.QueryQpOut()),
        "CREATE_TIR": len(m.CreateTirOut()),
    })
    return n


def check_out_lens(m, prm_dump):
    """Compare hca_cmd_out_len() of every input with the PRM's output
    length; return the list of mismatches."""
    res = subprocess.run([prm_dump, "outlen"], capture_output=True,
                         text=True)
    if res.returncode != 0:
        die("prm_dump outlen failed (%d): %s" % (res.returncode, res.stderr))
    got = dict((name, int(n)) for name, n in
               (line.split() for line in res.stdout.splitlines()))
    want = output_lengths(m)
    errors = []
    if set(got) != set(want):
        errors.append("output lengths for %s, expected %s" %
                      (sorted(got), sorted(want)))
    for name in sorted(set(got) & set(want)):
        if got[name] != want[name]:
            errors.append("%s: output length %d, the PRM's is %d" %
                          (name, got[name], want[name]))
    print("prm_layout: %d output lengths checked" % len(got))
    return errors


def main():
    """Run the checks; exit non-zero on any mismatch."""
    if len(sys.argv) != 2:
        die("usage: prm_layout.py PRM_DUMP")
    m = load_prm_structs()
    errors = check_inputs(m, sys.argv[1]) + check_outputs(m, sys.argv[1]) + \
        check_out_lens(m, sys.argv[1])
    for e in errors:
        print("prm_layout: FAIL: " + e, file=sys.stderr)
    if errors:
        sys.exit(1)
    print("prm_layout: all layouts agree with rdma-core's mlx5_prm_structs")


if __name__ == "__main__":
    main()
