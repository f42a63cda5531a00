/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Unit test of the ConnectX command layer (drivers/common/hca/cmd): the
 * bit-field helper on its edge cases; every encoder with distinct values,
 * each field read back at its PRM offset; decoders on crafted outputs;
 * statuses, short outputs and the error message; hca_cmd_exec() through a
 * fake transport.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hca_cmd.h"

static int failures;

/** Record a failed expectation. */
#define EXPECT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, \
			#cond); \
		failures++; \
	} \
} while (0)

/** Expect a field of mailbox mb (bit offset, width) to hold v. */
#define EXPECT_FIELD(mb, field, v) do { \
	uint64_t got_ = hca_prm_get((mb), field); \
	if (got_ != (uint64_t)(v)) { \
		fprintf(stderr, "FAIL %s:%d: %s = 0x%llx, want 0x%llx\n", \
			__FILE__, __LINE__, #field, \
			(unsigned long long)got_, \
			(unsigned long long)(v)); \
		failures++; \
	} \
} while (0)

/** Mailbox buffers, larger than any command. */
static uint8_t in[1100], out[4200];

/* ---------------------------------------------------------------------
 * The bit-field helper
 */

/** Edge cases of hca_prm_set()/hca_prm_get(). */
static void
test_field_helper(void)
{
	uint8_t mb[16];

	memset(mb, 0, sizeof(mb));
	/* bit 0 is the MSB of the first byte, bit 31 the LSB of dword 0 */
	EXPECT(hca_prm_set(mb, 0, 1, 1) == 0);
	EXPECT(mb[0] == 0x80 && mb[3] == 0);
	EXPECT(hca_prm_set(mb, 31, 1, 1) == 0);
	EXPECT(mb[3] == 0x01);
	EXPECT(hca_prm_get(mb, 0, 1) == 1 && hca_prm_get(mb, 31, 1) == 1);
	EXPECT(hca_prm_get(mb, 1, 30) == 0);
	/* width 32, whole dword, big-endian */
	EXPECT(hca_prm_set(mb, 32, 32, 0xdeadbeef) == 0);
	EXPECT(mb[4] == 0xde && mb[5] == 0xad && mb[6] == 0xbe &&
		mb[7] == 0xef);
	EXPECT(hca_prm_get(mb, 32, 32) == 0xdeadbeef);
	/* neighbours untouched: a field that ends exactly on a dword */
	EXPECT(hca_prm_set(mb, 0x48, 24, 0xabcdef) == 0);
	EXPECT(mb[8] == 0 && mb[9] == 0xab && mb[11] == 0xef);
	EXPECT(hca_prm_get(mb, 32, 32) == 0xdeadbeef);
	/* 64-bit on a dword boundary */
	EXPECT(hca_prm_set(mb, 64, 64, 0x0123456789abcdefULL) == 0);
	EXPECT(mb[8] == 0x01 && mb[15] == 0xef);
	EXPECT(hca_prm_get(mb, 64, 64) == 0x0123456789abcdefULL);
	/* a value wider than the field is refused, the field kept */
	EXPECT(hca_prm_set(mb, 4, 4, 0x5) == 0);
	EXPECT(hca_prm_set(mb, 4, 4, 0x10) == -ERANGE);
	EXPECT(hca_prm_get(mb, 4, 4) == 0x5);
	EXPECT(hca_prm_set(mb, 0, 1, 2) == -ERANGE);
	EXPECT(hca_prm_set(mb, 32, 32, 0x100000000ULL) == -ERANGE);
	EXPECT(hca_prm_get(mb, 32, 32) == 0xdeadbeef);
	/* shapes the PRM never uses */
	EXPECT(hca_prm_set(mb, 28, 8, 1) == -EINVAL);  /* crosses a dword */
	EXPECT(hca_prm_set(mb, 0, 0, 0) == -EINVAL);
	EXPECT(hca_prm_set(mb, 0, 40, 0) == -EINVAL);
	EXPECT(hca_prm_set(mb, 16, 64, 0) == -EINVAL);  /* 64 off dword */
	EXPECT(hca_prm_get(mb, 28, 8) == 0);
}

/* ---------------------------------------------------------------------
 * Encoders
 */

/** Expect the common input header. */
static void
expect_header(const uint8_t *mb, uint16_t opcode, uint16_t uid,
	uint16_t op_mod)
{
	EXPECT_FIELD(mb, HCA_IN_OPCODE, opcode);
	EXPECT_FIELD(mb, HCA_IN_UID, uid);
	EXPECT_FIELD(mb, HCA_IN_OP_MOD, op_mod);
}

/** QUERY_HCA_CAP and the vport queries. */
static void
test_encode_queries(void)
{
	struct hca_cmd_query_cap qc = { .uid = 0x11, .current = true,
		.cap_type = HCA_CAP_TYPE_GENERAL };
	struct hca_cmd_vport_query vq = { .uid = 0x12, .port_num = 2,
		.other_vport = true, .vport_number = 0x345, .index = 0x67 };

	EXPECT(hca_cmd_query_hca_cap_in(in, sizeof(in), &qc) == 16);
	expect_header(in, 0x100, 0x11, 0x1);
	qc.current = false;
	qc.cap_type = 0x3;
	EXPECT(hca_cmd_query_hca_cap_in(in, sizeof(in), &qc) == 16);
	expect_header(in, 0x100, 0x11, 0x6);

	EXPECT(hca_cmd_query_vport_ctx_in(in, sizeof(in), &vq) == 16);
	expect_header(in, 0x762, 0x12, 0);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x40, 1), 1);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x4c, 4), 2);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x50, 16), 0x345);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x70, 16), 0);
	EXPECT(hca_cmd_query_vport_gid_in(in, sizeof(in), &vq) == 16);
	expect_header(in, 0x764, 0x12, 0);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x70, 16), 0x67);
	EXPECT(hca_cmd_query_vport_pkey_in(in, sizeof(in), &vq) == 16);
	expect_header(in, 0x765, 0x12, 0);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x4c, 4), 2);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x70, 16), 0x67);
	vq.port_num = 16;       /* 4-bit field */
	EXPECT(hca_cmd_query_vport_ctx_in(in, sizeof(in), &vq) == -ERANGE);

	EXPECT(hca_cmd_query_pmtu_in(in, sizeof(in), 0x13, 1) == 32);
	expect_header(in, 0x805, 0x13, 1);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x50, 16), 0x5003);
	EXPECT_FIELD(in + 16, HCA_PRM_FIELD(0x08, 8), 1);
}

/** ALLOC_PD, DEALLOC_PD, CREATE_MKEY, DESTROY_MKEY. */
static void
test_encode_pd_mkey(void)
{
	struct hca_cmd_mkey mk = {
		.uid = 0x21, .pdn = 0x123456, .start_addr = 0x7f0012345000ULL,
		.len = 0x300000, .umem_id = 0x89abcdef, .umem_offset = 0x5000,
		.log_page_size = 21, .mkey_7_0 = 0x5a, .local_write = true,
		.remote_read = false, .remote_write = true,
	};
	const uint8_t *mkc = in + 16;

	EXPECT(hca_cmd_alloc_pd_in(in, sizeof(in), 0x22) == 16);
	expect_header(in, 0x800, 0x22, 0);
	EXPECT(hca_cmd_dealloc_pd_in(in, sizeof(in), 0x23, 0xfedcba) == 16);
	expect_header(in, 0x801, 0x23, 0);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x48, 24), 0xfedcba);
	EXPECT(hca_cmd_dealloc_pd_in(in, sizeof(in), 0, 0x1000000) ==
		-ERANGE);

	EXPECT(hca_cmd_create_mkey_in(in, sizeof(in), &mk) == 272);
	expect_header(in, 0x200, 0x21, 0);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x61, 1), 1);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x320, 32), 0x89abcdef);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x340, 64), 0x5000);
	/* 2 MiB pages: offset 0x5000 + 3 MiB spans 2 pages, 1 octword */
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x300, 32), 1);
	EXPECT_FIELD(mkc, HCA_PRM_FIELD(0x16, 2), 1);
	EXPECT_FIELD(mkc, HCA_PRM_FIELD(0x03, 3), 0);
	EXPECT_FIELD(mkc, HCA_PRM_FIELD(0x15, 1), 1);   /* lr */
	EXPECT_FIELD(mkc, HCA_PRM_FIELD(0x14, 1), 1);   /* lw */
	EXPECT_FIELD(mkc, HCA_PRM_FIELD(0x13, 1), 0);   /* rr */
	EXPECT_FIELD(mkc, HCA_PRM_FIELD(0x12, 1), 1);   /* rw */
	EXPECT_FIELD(mkc, HCA_PRM_FIELD(0x20, 24), 0xffffff);
	EXPECT_FIELD(mkc, HCA_PRM_FIELD(0x38, 8), 0x5a);
	EXPECT_FIELD(mkc, HCA_PRM_FIELD(0x68, 24), 0x123456);
	EXPECT_FIELD(mkc, HCA_PRM_FIELD(0x80, 64), 0x7f0012345000ULL);
	EXPECT_FIELD(mkc, HCA_PRM_FIELD(0xc0, 64), 0x300000);
	EXPECT_FIELD(mkc, HCA_PRM_FIELD(0x1a0, 32), 1);
	EXPECT_FIELD(mkc, HCA_PRM_FIELD(0x1db, 5), 9);
	mk.log_page_size = 11;
	EXPECT(hca_cmd_create_mkey_in(in, sizeof(in), &mk) == -ERANGE);
	mk.log_page_size = 12;
	mk.pdn = 0x1000000;
	EXPECT(hca_cmd_create_mkey_in(in, sizeof(in), &mk) == -ERANGE);
	EXPECT(hca_cmd_create_mkey_in(in, 271, &mk) == -ENOSPC);
	EXPECT(hca_cmd_destroy_mkey_in(in, sizeof(in), 0x24, 0x654321) == 16);
	expect_header(in, 0x202, 0x24, 0);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x48, 24), 0x654321);
}

/** CREATE_EQ, CREATE_CQ, DESTROY_CQ. */
static void
test_encode_eq_cq(void)
{
	static const uint64_t pas[2] = { 0x1000000000ULL, 0x2000003000ULL };
	struct hca_cmd_eq eq = { .uid = 0x31, .log_eq_size = 7,
		.uar_page = 0x4321, .intr = 0x9, .log_page_size = 3,
		.event_bitmask = { 1ULL << 9 | 1ULL << 4, 0, 0, 1ULL << 63 },
		.pas = pas, .npas = 2 };
	struct hca_cmd_cq cq = { .uid = 0x32, .log_cq_size = 13,
		.cqe_sz = HCA_CQC_CQE_SZ_128, .uar_page = 0xabcde,
		.c_eqn = 0x77, .log_page_size = 2, .cq_umem_id = 0x1234567,
		.cq_umem_offset = 0x840, .dbr_umem_id = 0x7654321,
		.dbr_addr = 0x1c0 };
	const uint8_t *eqc = in + 16, *cqc = in + 16;

	EXPECT(hca_cmd_create_eq_in(in, sizeof(in), &eq) == 272 + 16);
	expect_header(in, 0x301, 0x31, 0);
	EXPECT_FIELD(eqc, HCA_PRM_FIELD(0x63, 5), 7);
	EXPECT_FIELD(eqc, HCA_PRM_FIELD(0x68, 24), 0x4321);
	EXPECT_FIELD(eqc, HCA_PRM_FIELD(0xb8, 8), 0x9);
	EXPECT_FIELD(eqc, HCA_PRM_FIELD(0xc3, 5), 3);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x2c0, 64), 0x210);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x380, 64), 1ULL << 63);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x880, 64), 0x1000000000ULL);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x8c0, 64), 0x2000003000ULL);

	EXPECT(hca_cmd_create_cq_in(in, sizeof(in), &cq) == 272);
	expect_header(in, 0x400, 0x32, 0);
	EXPECT_FIELD(cqc, HCA_PRM_FIELD(0x08, 3), 1);
	EXPECT_FIELD(cqc, HCA_PRM_FIELD(0x06, 1), 1);
	EXPECT_FIELD(cqc, HCA_PRM_FIELD(0x20, 32), 0x7654321);
	EXPECT_FIELD(cqc, HCA_PRM_FIELD(0x63, 5), 13);
	EXPECT_FIELD(cqc, HCA_PRM_FIELD(0x68, 24), 0xabcde);
	EXPECT_FIELD(cqc, HCA_PRM_FIELD(0xb8, 8), 0x77);
	EXPECT_FIELD(cqc, HCA_PRM_FIELD(0xc3, 5), 2);
	EXPECT_FIELD(cqc, HCA_PRM_FIELD(0x1c0, 64), 0x1c0);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x280, 64), 0x840);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x2c0, 32), 0x1234567);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x2e0, 1), 1);
	cq.log_cq_size = 32;
	EXPECT(hca_cmd_create_cq_in(in, sizeof(in), &cq) == -ERANGE);
	EXPECT(hca_cmd_destroy_cq_in(in, sizeof(in), 0x33, 0x42) == 16);
	expect_header(in, 0x401, 0x33, 0);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x48, 24), 0x42);
}

/** CREATE_QP, the state changes, QUERY_QP, DESTROY_QP, MCG. */
static void
test_encode_qp(void)
{
	struct hca_cmd_qp qp = { .uid = 0x41, .st = HCA_QP_ST_UD,
		.pm_state = HCA_QP_PM_MIGRATED, .pdn = 0x10203,
		.uar_page = 0x405,
		.cqn_snd = 0x111, .cqn_rcv = 0x222, .log_sq_size = 9,
		.log_rq_size = 11, .log_rq_stride = 2, .log_page_size = 1,
		.cs_res = 0, .user_index = 0x33, .wq_umem_id = 0xa0b0c0d,
		.wq_umem_offset = 0x2000, .dbr_umem_id = 0x1f2f3f4f,
		.dbr_addr = 0x40 };
	struct hca_cmd_qp_modify m = { .uid = 0x42, .qpn = 0xabc,
		.q_key = 0x80010000, .pkey_index = 0x1f, .port_num = 1,
		.sq_psn = 0x123456 };
	static const uint8_t mgid[16] = { 0xff, 0x12, 0x40, 0x1b, 0xff, 0xff,
		0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	const uint8_t *qpc = in + 24, *path = in + 24 + 24;

	EXPECT(hca_cmd_create_qp_in(in, sizeof(in), &qp) == 272);
	expect_header(in, 0x500, 0x41, 0);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0x08, 8), 2);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0x13, 2), 3);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0x28, 24), 0x10203);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0x49, 4), 11);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0x4d, 3), 2);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0x51, 4), 9);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0x68, 24), 0x405);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0x88, 24), 0x33);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0xa3, 5), 1);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0x3e8, 24), 0x111);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0x4e8, 24), 0x222);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0x500, 64), 0x40);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0x638, 8), 0);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0x683, 1), 1);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0x720, 32), 0x1f2f3f4f);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x800, 64), 0x2000);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x840, 32), 0xa0b0c0d);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x860, 1), 1);
	qp.log_rq_stride = 8;
	EXPECT(hca_cmd_create_qp_in(in, sizeof(in), &qp) == -ERANGE);

	EXPECT(hca_cmd_rst2init_qp_in(in, sizeof(in), &m) == 272);
	expect_header(in, 0x502, 0x42, 0);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x48, 24), 0xabc);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0x540, 32), 0x80010000);
	EXPECT_FIELD(path, HCA_PRM_FIELD(0x10, 16), 0x1f);
	EXPECT_FIELD(path, HCA_PRM_FIELD(0x128, 8), 1);
	EXPECT(hca_cmd_init2rtr_qp_in(in, sizeof(in), &m) == 272);
	expect_header(in, 0x503, 0x42, 0);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x48, 24), 0xabc);
	EXPECT(hca_cmd_rtr2rts_qp_in(in, sizeof(in), &m) == 272);
	expect_header(in, 0x504, 0x42, 0);
	EXPECT_FIELD(qpc, HCA_PRM_FIELD(0x3c8, 24), 0x123456);
	m.sq_psn = 0x1000000;
	EXPECT(hca_cmd_rtr2rts_qp_in(in, sizeof(in), &m) == -ERANGE);
	EXPECT(hca_cmd_qp_2err_in(in, sizeof(in), 0x43, 0xdef) == 16);
	expect_header(in, 0x507, 0x43, 0);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x48, 24), 0xdef);
	EXPECT(hca_cmd_qp_2rst_in(in, sizeof(in), 0x44, 0xdee) == 16);
	expect_header(in, 0x50a, 0x44, 0);
	EXPECT(hca_cmd_query_qp_in(in, sizeof(in), 0x45, 0xded) == 16);
	expect_header(in, 0x50b, 0x45, 0);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x48, 24), 0xded);
	EXPECT(hca_cmd_destroy_qp_in(in, sizeof(in), 0x46, 0xdec) == 16);
	expect_header(in, 0x501, 0x46, 0);
	EXPECT(hca_cmd_destroy_qp_in(in, 15, 0x46, 0xdec) == -ENOSPC);

	EXPECT(hca_cmd_attach_mcg_in(in, sizeof(in), 0x47, 0xcba, mgid) == 32);
	expect_header(in, 0x806, 0x47, 0);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x48, 24), 0xcba);
	EXPECT(memcmp(in + 16, mgid, 16) == 0);
	EXPECT(hca_cmd_detach_mcg_in(in, sizeof(in), 0x48, 0xcbb, mgid) == 32);
	expect_header(in, 0x807, 0x48, 0);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x48, 24), 0xcbb);
	EXPECT(memcmp(in + 16, mgid, 16) == 0);
}

/* ---------------------------------------------------------------------
 * Send and receive queues, TIS, RQ table, TIR, flow steering
 */

/** SQ, RQ, their state changes, TIS; fields at their PRM offsets. */
static void
test_encode_wq(void)
{
	const struct hca_cmd_sq sq = { .uid = 1, .cqn = 0x123456,
		.tisn = 0x654321, .user_index = 7,
		.wq = { .pdn = 0x42, .uar_page = 3, .log_wq_stride = 6,
			.log_wq_sz = 9, .log_wq_pg_sz = 2, .wq_umem_id = 0x11,
			.wq_umem_offset = 0x2000, .dbr_umem_id = 0x22,
			.dbr_addr = 0x1f8 } };
	struct hca_cmd_rq rq = { .uid = 2, .cqn = 0xabcdef,
		.wq = { .pdn = 0x43, .log_wq_stride = 4, .log_wq_sz = 10,
			.wq_umem_id = 0x33, .dbr_umem_id = 0x44,
			.dbr_addr = 0x200 } };
	const struct hca_cmd_tis tis = { .uid = 3, .transport_domain = 0x99,
		.underlay_qpn = 0xfedcba };
	uint8_t *ctx = in + 32, *wq = in + 32 + 48;

	EXPECT(hca_cmd_create_sq_in(in, sizeof(in), &sq) == 272);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x00, 16), 0x904);
	EXPECT_FIELD(ctx, HCA_PRM_FIELD(0x08, 4), 0);
	EXPECT_FIELD(ctx, HCA_PRM_FIELD(0x48, 24), 0x123456);
	EXPECT_FIELD(ctx, HCA_PRM_FIELD(0x100, 16), 1);
	EXPECT_FIELD(ctx, HCA_PRM_FIELD(0x168, 24), 0x654321);
	EXPECT_FIELD(wq, HCA_PRM_FIELD(0x00, 4), 1);
	EXPECT_FIELD(wq, HCA_PRM_FIELD(0x48, 24), 0x42);
	EXPECT_FIELD(wq, HCA_PRM_FIELD(0x80, 64), 0x1f8);
	EXPECT_FIELD(wq, HCA_PRM_FIELD(0x10c, 4), 6);
	EXPECT_FIELD(wq, HCA_PRM_FIELD(0x11b, 5), 9);
	EXPECT_FIELD(wq, HCA_PRM_FIELD(0x120, 2), 3);
	EXPECT_FIELD(wq, HCA_PRM_FIELD(0x140, 32), 0x22);
	EXPECT_FIELD(wq, HCA_PRM_FIELD(0x160, 32), 0x11);
	EXPECT_FIELD(wq, HCA_PRM_FIELD(0x180, 64), 0x2000);
	EXPECT(hca_cmd_create_sq_in(in, 271, &sq) == -ENOSPC);

	EXPECT(hca_cmd_create_rq_in(in, sizeof(in), &rq) == 272);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x00, 16), 0x908);
	EXPECT_FIELD(ctx, HCA_PRM_FIELD(0x48, 24), 0xabcdef);
	EXPECT_FIELD(wq, HCA_PRM_FIELD(0x10c, 4), 4);
	EXPECT_FIELD(wq, HCA_PRM_FIELD(0x11b, 5), 10);
	rq.wq.log_wq_sz = 32;
	EXPECT(hca_cmd_create_rq_in(in, sizeof(in), &rq) == -ERANGE);

	EXPECT(hca_cmd_modify_rq_in(in, sizeof(in), 2, 0x1234,
		HCA_WQ_STATE_RST, HCA_WQ_STATE_RDY) == 272);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x00, 16), 0x909);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x40, 4), HCA_WQ_STATE_RST);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x48, 24), 0x1234);
	EXPECT_FIELD(ctx, HCA_PRM_FIELD(0x08, 4), HCA_WQ_STATE_RDY);
	EXPECT(hca_cmd_modify_sq_in(in, sizeof(in), 2, 0x1000000,
		HCA_WQ_STATE_RST, HCA_WQ_STATE_RDY) == -ERANGE);
	EXPECT(hca_cmd_destroy_sq_in(in, sizeof(in), 1, 0x77) == 16);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x00, 16), 0x906);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x48, 24), 0x77);
	EXPECT(hca_cmd_destroy_rq_in(in, sizeof(in), 1, 0x78) == 16);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x00, 16), 0x90a);

	EXPECT(hca_cmd_create_tis_in(in, sizeof(in), &tis) == 192);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x00, 16), 0x912);
	EXPECT_FIELD(ctx, HCA_PRM_FIELD(0x128, 24), 0x99);
	EXPECT_FIELD(ctx, HCA_PRM_FIELD(0x148, 24), 0xfedcba);
	EXPECT(hca_cmd_destroy_tis_in(in, sizeof(in), 3, 0x5) == 16);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x00, 16), 0x914);
}

/** RQ table, TIR, flow table, group, entry, root. */
static void
test_encode_steer(void)
{
	static const uint32_t rqns[HCA_CMD_RQT_MAX + 1] = { 0x11, 0x22, 0x33 };
	struct hca_cmd_tir tir = { .uid = 4, .transport_domain = 0x98,
		.rqtn = 0x76, .selected_fields = HCA_RX_HASH_SRC_IP |
		HCA_RX_HASH_DST_IP };
	const struct hca_cmd_flow_table ft = { .table_type =
		HCA_FT_TYPE_NIC_RX, .level = 1, .log_size = 2 };
	struct hca_cmd_flow_group fg = { .table_id = 0x55, .start_index = 0,
		.end_index = 3 };
	const struct hca_cmd_fte fte = { .table_id = 0x55, .group_id = 0x66,
		.flow_index = 1, .dest_type = HCA_FLOW_DEST_TIR,
		.dest_id = 0x77 };
	uint8_t *ctx = in + 32;

	EXPECT(hca_cmd_rqt_in(in, sizeof(in), 5, 0, rqns, 3, 4) == 284);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x00, 16), 0x916);
	EXPECT_FIELD(ctx, HCA_PRM_FIELD(0xb0, 16), 4);
	EXPECT_FIELD(ctx, HCA_PRM_FIELD(0xd0, 16), 3);
	EXPECT_FIELD(ctx + 240, HCA_PRM_FIELD(0x08, 24), 0x11);
	EXPECT_FIELD(ctx + 248, HCA_PRM_FIELD(0x08, 24), 0x33);
	EXPECT(hca_cmd_rqt_in(in, sizeof(in), 5, 0x9, rqns, 2, 4) == 280);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x00, 16), 0x917);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x48, 24), 0x9);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x80, 64), 1);
	EXPECT(hca_cmd_rqt_in(in, sizeof(in), 5, 0, rqns, 0, 4) == -EINVAL);
	EXPECT(hca_cmd_rqt_in(in, sizeof(in), 5, 0, rqns, 5, 4) == -EINVAL);
	EXPECT(hca_cmd_rqt_in(in, sizeof(in), 5, 0, rqns,
		HCA_CMD_RQT_MAX + 1, 0xffff) == -EINVAL);
	EXPECT(hca_cmd_rqt_in(in, 283, 5, 0, rqns, 3, 4) == -ENOSPC);

	tir.toeplitz_key[0] = 0x6d;
	tir.toeplitz_key[39] = 0xfa;
	EXPECT(hca_cmd_create_tir_in(in, sizeof(in), &tir) == 272);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x00, 16), 0x900);
	EXPECT_FIELD(ctx, HCA_PRM_FIELD(0x20, 4), HCA_TIRC_DISP_INDIRECT);
	EXPECT_FIELD(ctx, HCA_PRM_FIELD(0x108, 24), 0x76);
	EXPECT_FIELD(ctx, HCA_PRM_FIELD(0x120, 4), HCA_TIRC_HASH_FN_TOEPLITZ);
	EXPECT_FIELD(ctx, HCA_PRM_FIELD(0x128, 24), 0x98);
	EXPECT(ctx[40] == 0x6d && ctx[79] == 0xfa);
	EXPECT_FIELD(ctx, HCA_PRM_FIELD(0x282, 30), 3);
	tir.l3_prot_type = 2;
	EXPECT(hca_cmd_create_tir_in(in, sizeof(in), &tir) == -ERANGE);

	EXPECT(hca_cmd_create_flow_table_in(in, sizeof(in), &ft) == 80);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x00, 16), 0x930);
	EXPECT_FIELD(in + 24, HCA_PRM_FIELD(0x08, 8), 1);
	EXPECT_FIELD(in + 24, HCA_PRM_FIELD(0x18, 8), 2);
	EXPECT(hca_cmd_set_flow_table_root_in(in, sizeof(in), 0,
		HCA_FT_TYPE_NIC_RX, 0x55, 0x123, false) == 64);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x00, 16), 0x92f);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x30, 16), 0);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0xa8, 24), 0x55);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0xc8, 24), 0x123);
	EXPECT(hca_cmd_set_flow_table_root_in(in, sizeof(in), 0,
		HCA_FT_TYPE_NIC_RX, 0x55, 0x123, true) == 64);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x30, 16), 1);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0xa8, 24), 0);
	EXPECT(hca_cmd_create_flow_group_in(in, sizeof(in), &fg) == 1024);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x00, 16), 0x933);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x120, 32), 3);
	fg.end_index = 0;
	fg.start_index = 1;
	EXPECT(hca_cmd_create_flow_group_in(in, sizeof(in), &fg) == -EINVAL);
	EXPECT(hca_cmd_set_fte_in(in, sizeof(in), &fte) == 840);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x00, 16), 0x936);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x100, 32), 1);
	EXPECT_FIELD(in + 64, HCA_PRM_FIELD(0x20, 32), 0x66);
	EXPECT_FIELD(in + 64, HCA_PRM_FIELD(0x70, 16),
		HCA_FLOW_ACTION_FWD_DEST);
	EXPECT_FIELD(in + 64, HCA_PRM_FIELD(0x88, 24), 1);
	EXPECT_FIELD(in + 64 + 768, HCA_PRM_FIELD(0x00, 8), HCA_FLOW_DEST_TIR);
	EXPECT_FIELD(in + 64 + 768, HCA_PRM_FIELD(0x08, 24), 0x77);
	EXPECT(hca_cmd_set_fte_in(in, 839, &fte) == -ENOSPC);
	EXPECT(hca_cmd_delete_fte_in(in, sizeof(in), 0, HCA_FT_TYPE_NIC_RX,
		0x55, 1) == 64);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x00, 16), 0x938);
	EXPECT(hca_cmd_destroy_flow_group_in(in, sizeof(in), 0,
		HCA_FT_TYPE_NIC_RX, 0x55, 0x66) == 64);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0xc0, 32), 0x66);
	EXPECT(hca_cmd_destroy_flow_table_in(in, sizeof(in), 0,
		HCA_FT_TYPE_NIC_RX, 0x55) == 64);
	EXPECT_FIELD(in, HCA_PRM_FIELD(0x00, 16), 0x931);
	EXPECT(strcmp(hca_cmd_opcode_name(0x92f), "SET_FLOW_TABLE_ROOT") == 0);
}

/* ---------------------------------------------------------------------
 * Decoders and statuses
 */

/**
 * The send offloads the capabilities allow (hca_cmd_query_eth_cap_out(),
 * hca_cmd_hca_cap_tx_offloads()).
 */
static void
test_tx_offloads(void)
{
	uint8_t out[HCA_QUERY_HCA_CAP_OUT_CAP_OFF + HCA_CAP_ETH_LEN];
	struct hca_cmd_hca_cap cap;
	bool csum = true;

	memset(out, 0, sizeof(out));
	memset(&cap, 0, sizeof(cap));
	EXPECT(hca_prm_set(out + HCA_QUERY_HCA_CAP_OUT_CAP_OFF,
			   HCA_CAP_ETH_CSUM_CAP, 1) == 0);
	EXPECT(hca_prm_set(out + HCA_QUERY_HCA_CAP_OUT_CAP_OFF,
			   HCA_CAP_ETH_MAX_LSO_CAP, 17) == 0);
	/* csum_cap: the first bit; max_lso_cap: bits 11..15 */
	EXPECT(out[HCA_QUERY_HCA_CAP_OUT_CAP_OFF] == 0x80);
	EXPECT(out[HCA_QUERY_HCA_CAP_OUT_CAP_OFF + 1] == 0x11);
	EXPECT(hca_cmd_query_eth_cap_out(out, sizeof(out), &cap) == 0);
	EXPECT(cap.csum_cap && cap.max_lso_cap == 17);
	EXPECT(hca_cmd_query_eth_cap_out(out, sizeof(out) - 1, &cap) < 0);
	/* neither offload flag: nothing */
	EXPECT(hca_cmd_hca_cap_tx_offloads(&cap, &csum) == 0 && !csum);
	/* basic: checksums only */
	cap.ipoib_basic_offloads = true;
	EXPECT(hca_cmd_hca_cap_tx_offloads(&cap, &csum) == 0 && csum);
	/* enhanced: LSO too, up to 1 << max_lso_cap */
	cap.ipoib_enhanced_offloads = true;
	EXPECT(hca_cmd_hca_cap_tx_offloads(&cap, &csum) == 1u << 17 && csum);
	cap.max_lso_cap = 0;
	EXPECT(hca_cmd_hca_cap_tx_offloads(&cap, &csum) == 0 && csum);
	cap.csum_cap = false;
	EXPECT(hca_cmd_hca_cap_tx_offloads(&cap, &csum) == 0 && !csum);
}

/** The RSS queues the capabilities allow (hca_cmd_hca_cap_rss_queues()). */
static void
test_rss_queues(void)
{
	struct hca_cmd_hca_cap full = {
		.ipoib_enhanced_offloads = true, .nic_flow_table = true,
		.log_max_rq = 17, .log_max_sq = 16, .log_max_tir = 10,
		.log_max_tis = 9, .log_max_rqt = 8, .log_max_rqt_size = 7,
	};
	struct hca_cmd_hca_cap cap;

	/* the RQ table's size bounds it, then the RQs and the SQs */
	EXPECT(hca_cmd_hca_cap_rss_queues(&full) == 128);
	cap = full;
	cap.log_max_rq = 3;
	EXPECT(hca_cmd_hca_cap_rss_queues(&cap) == 8);
	cap = full;
	cap.log_max_sq = 2;
	EXPECT(hca_cmd_hca_cap_rss_queues(&cap) == 4);
	cap = full;
	cap.log_max_rqt_size = 31;
	cap.log_max_rq = 31;
	cap.log_max_sq = 31;
	EXPECT(hca_cmd_hca_cap_rss_queues(&cap) == 1u << 31);
	/* without ipoib_enhanced_offloads or any one object: the QP alone */
	cap = full;
	cap.ipoib_enhanced_offloads = false;
	cap.ipoib_basic_offloads = true;
	EXPECT(hca_cmd_hca_cap_rss_queues(&cap) == 1);
	cap = full;
	cap.nic_flow_table = false;
	EXPECT(hca_cmd_hca_cap_rss_queues(&cap) == 1);
	cap = full;
	cap.log_max_rq = 0;
	EXPECT(hca_cmd_hca_cap_rss_queues(&cap) == 1);
	cap = full;
	cap.log_max_sq = 0;
	EXPECT(hca_cmd_hca_cap_rss_queues(&cap) == 1);
	cap = full;
	cap.log_max_tir = 0;
	EXPECT(hca_cmd_hca_cap_rss_queues(&cap) == 1);
	cap = full;
	cap.log_max_tis = 0;
	EXPECT(hca_cmd_hca_cap_rss_queues(&cap) == 1);
	cap = full;
	cap.log_max_rqt = 0;
	EXPECT(hca_cmd_hca_cap_rss_queues(&cap) == 1);
	cap = full;
	cap.log_max_rqt_size = 0;
	EXPECT(hca_cmd_hca_cap_rss_queues(&cap) == 1);
	memset(&cap, 0, sizeof(cap));
	EXPECT(hca_cmd_hca_cap_rss_queues(&cap) == 1);
}

/** Decoders on crafted outputs. */
static void
test_decoders(void)
{
	struct hca_cmd_hca_cap cap;
	struct hca_cmd_vport_ctx vc;
	struct hca_cmd_qp_state qs;
	struct hca_cmd_port_mtu mtu;
	uint8_t gids[2][16];
	uint16_t pkeys[2];
	uint8_t *c = out + 16;
	uint32_t num;
	uint8_t eqn;

	memset(out, 0, sizeof(out));
	hca_prm_set(c, HCA_PRM_FIELD(0x1b6, 2), 0);
	hca_prm_set(c, HCA_PRM_FIELD(0x1b8, 8), 2);
	hca_prm_set(c, HCA_PRM_FIELD(0x088, 8), 15);
	hca_prm_set(c, HCA_PRM_FIELD(0x09b, 5), 18);
	hca_prm_set(c, HCA_PRM_FIELD(0x0c8, 8), 22);
	hca_prm_set(c, HCA_PRM_FIELD(0x0db, 5), 24);
	hca_prm_set(c, HCA_PRM_FIELD(0x170, 16), 4);
	hca_prm_set(c, HCA_PRM_FIELD(0x190, 16), 1);
	hca_prm_set(c, HCA_PRM_FIELD(0x290, 16), 1024);
	hca_prm_set(c, HCA_PRM_FIELD(0x203, 1), 1);
	hca_prm_set(c, HCA_PRM_FIELD(0x23d, 1), 1);
	hca_prm_set(c, HCA_PRM_FIELD(0x2e7, 25), 0x1234567);
	/* RSS on UD: nic_flow_table, log_max_rq, _sq, _tir, _tis, _rqt,
	 * _rqt_size (with every bit around them set: none may leak in) */
	hca_prm_set(c, HCA_PRM_FIELD(0x1a5, 1), 1);
	hca_prm_set(c, HCA_PRM_FIELD(0x1a6, 1), 1);
	hca_prm_set(c, HCA_PRM_FIELD(0x1a7, 1), 1);
	hca_prm_set(c, HCA_PRM_FIELD(0x360, 32), 0xe0e0e0e0 | 17 << 24 |
		16 << 16 | 10 << 8 | 9);
	hca_prm_set(c, HCA_PRM_FIELD(0x380, 32), 0xffe0e0ff);
	hca_prm_set(c, HCA_PRM_FIELD(0x38b, 5), 8);
	hca_prm_set(c, HCA_PRM_FIELD(0x393, 5), 7);
	EXPECT(hca_cmd_query_hca_cap_out(out, HCA_QUERY_HCA_CAP_OUT_LEN,
		&cap) == 0);
	EXPECT(cap.nic_flow_table);
	EXPECT(cap.log_max_rq == 17 && cap.log_max_sq == 16);
	EXPECT(cap.log_max_tir == 10 && cap.log_max_tis == 9);
	EXPECT(cap.log_max_rqt == 8 && cap.log_max_rqt_size == 7);
	EXPECT(cap.port_type == HCA_CAP_PORT_TYPE_IB && cap.num_ports == 2);
	EXPECT(cap.log_max_qp_sz == 15 && cap.log_max_qp == 18);
	EXPECT(cap.log_max_cq_sz == 22 && cap.log_max_cq == 24);
	EXPECT(cap.gid_table_len == 128 && cap.pkey_table_len == 256);
	EXPECT(cap.max_wqe_sz_sq == 1024 && cap.max_inline_ud == 956);
	EXPECT(cap.ipoib_enhanced_offloads && !cap.ipoib_basic_offloads);
	EXPECT(cap.ud && cap.max_qp_mcg == 0x1234567);
	EXPECT(hca_cmd_query_hca_cap_out(out, 16 + 255, &cap) == -EPROTO);

	memset(out, 0, sizeof(out));
	c = out + 16;
	hca_prm_set(c, HCA_PRM_FIELD(0x118, 4), 4);
	hca_prm_set(c, HCA_PRM_FIELD(0x11c, 4), 3);
	hca_prm_set(c, HCA_PRM_FIELD(0x180, 64), 0x0002c90300a1b2c3ULL);
	hca_prm_set(c, HCA_PRM_FIELD(0x300, 16), 0x1234);
	hca_prm_set(c, HCA_PRM_FIELD(0x318, 3), 2);
	hca_prm_set(c, HCA_PRM_FIELD(0x320, 16), 0x0001);
	hca_prm_set(c, HCA_PRM_FIELD(0x330, 4), 0xe);
	hca_prm_set(c, HCA_PRM_FIELD(0x350, 16), 0x77);
	EXPECT(hca_cmd_query_vport_ctx_out(out, 528, &vc) == 0);
	EXPECT(vc.port_state == 4 && vc.vport_state == 3);
	EXPECT(vc.port_guid == 0x0002c90300a1b2c3ULL);
	EXPECT(vc.lid == 0x1234 && vc.lmc == 2 && vc.sm_lid == 1 &&
		vc.sm_sl == 0xe && vc.pkey_violations == 0x77);
	EXPECT(hca_cmd_query_vport_ctx_out(out, 527, &vc) == -EPROTO);

	memset(out, 0, sizeof(out));
	hca_prm_set(out, HCA_PRM_FIELD(0x60, 16), 2);
	memset(out + 16, 0xfe, 16);
	memset(out + 32, 0x80, 16);
	EXPECT(hca_cmd_query_vport_gid_out(out, 48, gids, 2) == 2);
	EXPECT(gids[0][0] == 0xfe && gids[1][15] == 0x80);
	EXPECT(hca_cmd_query_vport_gid_out(out, 48, gids, 1) == 1);
	EXPECT(hca_cmd_query_vport_gid_out(out, 47, gids, 2) == -EPROTO);

	memset(out, 0, sizeof(out));
	hca_prm_set(out + 16, HCA_PRM_FIELD(0x10, 16), 0xffff);
	hca_prm_set(out + 20, HCA_PRM_FIELD(0x10, 16), 0x8001);
	EXPECT(hca_cmd_query_vport_pkey_out(out, 24, pkeys, 2) == 2);
	EXPECT(pkeys[0] == 0xffff && pkeys[1] == 0x8001);
	EXPECT(hca_cmd_query_vport_pkey_out(out, 23, pkeys, 2) == -EPROTO);

	memset(out, 0, sizeof(out));
	hca_prm_set(out + 16, HCA_PRM_FIELD(0x20, 16), 5);
	hca_prm_set(out + 16, HCA_PRM_FIELD(0x60, 16), 4);
	EXPECT(hca_cmd_query_pmtu_out(out, 32, &mtu) == 0);
	EXPECT(mtu.max_mtu == 5 && mtu.oper_mtu == 4 && mtu.admin_mtu == 0);

	memset(out, 0, sizeof(out));
	hca_prm_set(out, HCA_PRM_FIELD(0x48, 24), 0xabcdef);
	EXPECT(hca_cmd_alloc_pd_out(out, 16, &num) == 0 && num == 0xabcdef);
	EXPECT(hca_cmd_create_cq_out(out, 16, &num) == 0 && num == 0xabcdef);
	EXPECT(hca_cmd_create_qp_out(out, 16, &num) == 0 && num == 0xabcdef);
	EXPECT(hca_cmd_create_mkey_out(out, 16, &num) == 0 &&
		num == 0xabcdef);
	EXPECT(hca_cmd_create_qp_out(out, 15, &num) == -EPROTO);
	memset(out, 0, 16);
	hca_prm_set(out, HCA_PRM_FIELD(0x58, 8), 0x21);
	EXPECT(hca_cmd_create_eq_out(out, 16, &eqn) == 0 && eqn == 0x21);
	EXPECT(hca_cmd_modify_qp_out(out, 16) == 0);

	memset(out, 0, sizeof(out));
	hca_prm_set(out + 24, HCA_PRM_FIELD(0x0, 4), HCA_QP_STATE_RTS);
	hca_prm_set(out + 24, HCA_PRM_FIELD(0x8, 8), HCA_QP_ST_UD);
	hca_prm_set(out + 24, HCA_PRM_FIELD(0x540, 32), 0x11223344);
	hca_prm_set(out + 48, HCA_PRM_FIELD(0x10, 16), 3);
	hca_prm_set(out + 48, HCA_PRM_FIELD(0x128, 8), 2);
	EXPECT(hca_cmd_query_qp_out(out, 272, &qs) == 0);
	EXPECT(qs.state == HCA_QP_STATE_RTS && qs.st == HCA_QP_ST_UD &&
		qs.q_key == 0x11223344 && qs.pkey_index == 3 &&
		qs.port_num == 2);
	EXPECT(hca_cmd_query_qp_out(out, 255, &qs) == -EPROTO);
}

/** Statuses: names, errnos, decoders refusing a failed output. */
static void
test_statuses(void)
{
	static const struct { uint8_t st; int err; const char *name; } t[] = {
		{ 0x00, 0, "ok" },
		{ 0x01, -EIO, "internal error" },
		{ 0x02, -EOPNOTSUPP, "bad opcode" },
		{ 0x03, -EINVAL, "bad parameter" },
		{ 0x04, -EIO, "bad system state" },
		{ 0x05, -ENOENT, "bad resource" },
		{ 0x06, -EBUSY, "resource busy" },
		{ 0x08, -EDQUOT, "limits exceeded" },
		{ 0x09, -EINVAL, "bad resource state" },
		{ 0x0a, -ERANGE, "bad index" },
		{ 0x0f, -ENOSPC, "no resources" },
		{ 0x10, -EINVAL, "bad QP state" },
		{ 0x30, -EINVAL, "bad packet" },
		{ 0x40, -EINVAL, "bad size" },
		{ 0x50, -EMSGSIZE, "bad input length" },
		{ 0x51, -EMSGSIZE, "bad output length" },
		{ 0x07, -EIO, "unknown status" },
		{ 0xff, -EIO, "unknown status" },
	};
	struct hca_cmd_vport_ctx vc;
	uint32_t num, syn;
	char msg[128];
	uint8_t st;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		EXPECT(hca_cmd_status_errno(t[i].st) == t[i].err);
		EXPECT(strcmp(hca_cmd_status_name(t[i].st), t[i].name) == 0);
	}
	memset(out, 0, sizeof(out));
	hca_prm_set(out, HCA_OUT_STATUS, HCA_STATUS_BAD_PARAM);
	hca_prm_set(out, HCA_OUT_SYNDROME, 0x1a2b3c4d);
	EXPECT(hca_cmd_create_qp_out(out, 16, &num) == -EINVAL);
	EXPECT(hca_cmd_query_vport_ctx_out(out, 528, &vc) == -EINVAL);
	EXPECT(hca_cmd_check_out(out, 16, 16, &st, &syn) == -EINVAL);
	EXPECT(st == 3 && syn == 0x1a2b3c4d);
	/* the status is read even when the output is short */
	EXPECT(hca_cmd_check_out(out, 8, 16, &st, &syn) == -EPROTO);
	EXPECT(st == 3);
	EXPECT(hca_cmd_check_out(out, 7, 0, NULL, NULL) == -EPROTO);
	hca_prm_set(out, HCA_OUT_STATUS, HCA_STATUS_RESOURCE_BUSY);
	EXPECT(hca_cmd_alloc_pd_out(out, 16, &num) == -EBUSY);

	hca_cmd_format_error(msg, sizeof(msg), HCA_CMD_CREATE_QP, 0x3,
		0x1a2b3c4d);
	EXPECT(strcmp(msg, "CREATE_QP failed: bad parameter (0x3), "
		"syndrome 0x1a2b3c4d") == 0);
	hca_cmd_format_error(msg, sizeof(msg), 0x123, 0x51, 0);
	EXPECT(strcmp(msg, "opcode 0x123 failed: bad output length (0x51), "
		"syndrome 0x00000000") == 0);
	EXPECT(strcmp(hca_cmd_opcode_name(0x806), "ATTACH_TO_MCG") == 0);
	EXPECT(hca_cmd_opcode_name(0x999) == NULL);
}

/* ---------------------------------------------------------------------
 * hca_cmd_exec() through a fake transport
 */

/** What the fake transport answers. */
struct fake_ctx {
	uint8_t status;
	int out_len;            /**< bytes it returns, or a -errno */
	uint16_t last_opcode;
};

/** Fake exec: record the opcode, answer with the configured output. */
static int
fake_exec(void *ctx, const void *cmd_in, size_t in_len, void *cmd_out,
	size_t out_len)
{
	struct fake_ctx *f = ctx;

	if (in_len < 8)
		return -EINVAL;
	f->last_opcode = hca_prm_get(cmd_in, HCA_IN_OPCODE);
	if (f->out_len < 0)
		return f->out_len;
	memset(cmd_out, 0, out_len);
	hca_prm_set(cmd_out, HCA_OUT_STATUS, f->status);
	hca_prm_set(cmd_out, HCA_OUT_SYNDROME, 0xcafe);
	hca_prm_set(cmd_out, HCA_CMD_OBJ_NUM, 0x77);
	return f->out_len;
}

static const struct hca_cmd_transport_ops fake_ops = {
	.name = "fake",
	.exec = fake_exec,
};

/** The exec path: OK, failed status, short output, transport error. */
static void
test_exec(void)
{
	struct fake_ctx f = { .status = 0, .out_len = 16 };
	struct hca_cmd_transport t = { .ops = &fake_ops, .ctx = &f };
	uint32_t pdn = 0;
	int len = hca_cmd_alloc_pd_in(in, sizeof(in), 0);

	EXPECT(hca_cmd_exec(&t, in, len, out, 16, 16) == 0);
	EXPECT(f.last_opcode == HCA_CMD_ALLOC_PD);
	EXPECT(hca_cmd_alloc_pd_out(out, 16, &pdn) == 0 && pdn == 0x77);
	f.status = HCA_STATUS_NO_RESOURCES;
	EXPECT(hca_cmd_exec(&t, in, len, out, 16, 16) == -ENOSPC);
	f.status = 0;
	f.out_len = 12;
	EXPECT(hca_cmd_exec(&t, in, len, out, 16, 16) == -EPROTO);
	f.out_len = -ECONNRESET;
	EXPECT(hca_cmd_exec(&t, in, len, out, 16, 16) == -ECONNRESET);
	EXPECT(hca_cmd_exec(&t, in, 4, out, 16, 16) == -EINVAL);
}

/** Run every check; exit status 1 on any failure. */
int
main(void)
{
	test_field_helper();
	test_encode_queries();
	test_encode_pd_mkey();
	test_encode_eq_cq();
	test_encode_qp();
	test_encode_wq();
	test_encode_steer();
	test_decoders();
	test_rss_queues();
	test_tx_offloads();
	test_statuses();
	test_exec();
	if (failures != 0) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	printf("cmd_unit: all checks passed\n");
	return 0;
}
