/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Mailboxes of the command layer for an independent decoder
 * (prm_layout.py, with rdma-core's scapy definitions of the PRM).
 *
 *   prm_dump          builds each input mailbox with the encoders, for the
 *                     parameters below, and prints "NAME HEX" lines;
 *   prm_dump decode   reads "NAME HEX" output mailboxes from stdin and
 *                     prints what the decoders make of them, as
 *                     "NAME key=value ..." lines (values in hex);
 *   prm_dump outlen   builds the same inputs and prints "NAME LEN" lines:
 *                     the output length hca_cmd_out_len() gives each
 *                     (with a GID table of 8 entries and a P_Key table
 *                     of 128).
 *
 * The parameters are distinct non-trivial values; prm_layout.py holds
 * the same values as its expectations.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hca_cmd.h"

/* ---------------------------------------------------------------------
 * Inputs
 */

/** Whether to print output lengths rather than the inputs. */
static int outlen_mode;

/**
 * Print one mailbox as "NAME HEX", or in outlen mode "NAME LEN" (or the
 * encoder's error).
 */
static int
dump(const char *name, const uint8_t *mb, int len)
{
	int i;

	if (len < 0) {
		fprintf(stderr, "prm_dump: %s: encoder failed: %s\n", name,
			strerror(-len));
		return 1;
	}
	if (outlen_mode) {
		printf("%s %zu\n", name,
		       hca_cmd_out_len(mb, (size_t)len, 8, 128));
		return 0;
	}
	printf("%s ", name);
	for (i = 0; i < len; i++)
		printf("%02x", mb[i]);
	printf("\n");
	return 0;
}

/** Build and print every input mailbox. @return number of failures. */
static int
dump_inputs(void)
{
	static const uint8_t mgid[16] = { 0xff, 0x12, 0x40, 0x1b, 0x80, 0x01,
		0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	static const uint64_t pas[1] = { 0x123456789000ULL };
	const struct hca_cmd_query_cap qc = { .uid = 0x1, .current = true,
		.cap_type = HCA_CAP_TYPE_GENERAL };
	const struct hca_cmd_vport_query vq = { .uid = 0x2, .port_num = 2,
		.other_vport = true, .vport_number = 0x345, .index = 0x67 };
	const struct hca_cmd_mkey mk = { .uid = 0x3, .pdn = 0x123456,
		.start_addr = 0x7f0012345000ULL, .len = 0x300000,
		.umem_id = 0x89abcdef, .umem_offset = 0x5000,
		.log_page_size = 21, .mkey_7_0 = 0x5a, .local_write = true,
		.remote_read = false, .remote_write = true };
	const struct hca_cmd_eq eq = { .uid = 0x4, .log_eq_size = 7,
		.uar_page = 0x4321, .intr = 0x9, .log_page_size = 3,
		.event_bitmask = { 0x210, 0, 0, 0 }, .pas = pas, .npas = 1 };
	const struct hca_cmd_cq cq = { .uid = 0x5, .log_cq_size = 13,
		.cqe_sz = HCA_CQC_CQE_SZ_128, .uar_page = 0xabcde,
		.c_eqn = 0x77, .log_page_size = 2, .cq_umem_id = 0x1234567,
		.cq_umem_offset = 0x840, .dbr_umem_id = 0x7654321,
		.dbr_addr = 0x1c0 };
	const struct hca_cmd_qp qp = { .uid = 0x6, .st = HCA_QP_ST_UD,
		.pm_state = HCA_QP_PM_MIGRATED, .pdn = 0x10203,
		.uar_page = 0x405, .cqn_snd = 0x111, .cqn_rcv = 0x222,
		.log_sq_size = 9, .log_rq_size = 11, .log_rq_stride = 2,
		.log_page_size = 1, .cs_res = 0, .user_index = 0x33,
		.wq_umem_id = 0xa0b0c0d, .wq_umem_offset = 0x2000,
		.dbr_umem_id = 0x1f2f3f4f, .dbr_addr = 0x40 };
	const struct hca_cmd_qp_modify m = { .uid = 0x7, .qpn = 0xabc,
		.q_key = 0x80010000, .pkey_index = 0x1f, .port_num = 2,
		.sq_psn = 0x123456 };
	const struct hca_cmd_sq sq = { .uid = 0x13, .cqn = 0x1a2b3c,
		.tisn = 0x2b3c4d, .user_index = 0x3c4d5e,
		.wq = { .pdn = 0x4d5e6f, .uar_page = 0x5e6f70,
			.log_wq_stride = 6, .log_wq_sz = 10, .log_wq_pg_sz = 3,
			.wq_umem_id = 0x11223344, .wq_umem_offset = 0x1000,
			.dbr_umem_id = 0x55667788, .dbr_addr = 0x4c0 } };
	const struct hca_cmd_rq rq = { .uid = 0x14, .cqn = 0x6a7b8c,
		.user_index = 0x7b8c9d, .vsd = true,
		.wq = { .pdn = 0x8c9dae, .uar_page = 0x9daebf,
			.log_wq_stride = 4, .log_wq_sz = 12, .log_wq_pg_sz = 1,
			.wq_umem_id = 0x99aabbcc, .wq_umem_offset = 0x3000,
			.dbr_umem_id = 0xddeeff00, .dbr_addr = 0x7f8 } };
	const struct hca_cmd_tis tis = { .uid = 0x15, .prio = 5,
		.transport_domain = 0xa1b2c3, .underlay_qpn = 0xd4e5f6 };
	static const uint32_t rqns[3] = { 0x10203, 0x40506, 0x70809 };
	struct hca_cmd_tir tir = { .uid = 0x17, .transport_domain = 0x1d2e3f,
		.rqtn = 0x4f5e6d, .l3_prot_type = 1, .l4_prot_type = 1,
		.selected_fields = HCA_RX_HASH_SRC_IP | HCA_RX_HASH_DST_IP |
			HCA_RX_HASH_L4_SPORT | HCA_RX_HASH_L4_DPORT };
	const struct hca_cmd_flow_table ft = { .uid = 0x1a,
		.table_type = HCA_FT_TYPE_NIC_RX, .level = 3, .log_size = 4 };
	const struct hca_cmd_flow_group fg = { .uid = 0x1b,
		.table_type = HCA_FT_TYPE_NIC_RX, .table_id = 0x2c3d4e,
		.start_index = 2, .end_index = 9 };
	const struct hca_cmd_fte fte = { .uid = 0x1c,
		.table_type = HCA_FT_TYPE_NIC_RX, .table_id = 0x2c3d4e,
		.group_id = 0x5f6a7b, .flow_index = 7,
		.dest_type = HCA_FLOW_DEST_TIR, .dest_id = 0x8b9cad };
	static uint8_t in[1024];
	unsigned int i;
	int bad = 0;

	for (i = 0; i < HCA_TIRC_TOEPLITZ_KEY_LEN; i++)
		tir.toeplitz_key[i] = (uint8_t)(0x40 + i);

	bad += dump("QUERY_HCA_CAP", in,
		hca_cmd_query_hca_cap_in(in, sizeof(in), &qc));
	bad += dump("QUERY_HCA_VPORT_CONTEXT", in,
		hca_cmd_query_vport_ctx_in(in, sizeof(in), &vq));
	bad += dump("QUERY_HCA_VPORT_GID", in,
		hca_cmd_query_vport_gid_in(in, sizeof(in), &vq));
	bad += dump("QUERY_HCA_VPORT_PKEY", in,
		hca_cmd_query_vport_pkey_in(in, sizeof(in), &vq));
	bad += dump("ACCESS_REG_PMTU", in,
		hca_cmd_query_pmtu_in(in, sizeof(in), 0x8, 2));
	bad += dump("ALLOC_PD", in, hca_cmd_alloc_pd_in(in, sizeof(in), 0x9));
	bad += dump("DEALLOC_PD", in,
		hca_cmd_dealloc_pd_in(in, sizeof(in), 0xa, 0xfedcba));
	bad += dump("CREATE_MKEY", in,
		hca_cmd_create_mkey_in(in, sizeof(in), &mk));
	bad += dump("DESTROY_MKEY", in,
		hca_cmd_destroy_mkey_in(in, sizeof(in), 0xb, 0x654321));
	bad += dump("CREATE_EQ", in, hca_cmd_create_eq_in(in, sizeof(in), &eq));
	bad += dump("DESTROY_EQ", in, hca_cmd_destroy_eq_in(in, sizeof(in),
		0x13, 0x42));
	bad += dump("CREATE_CQ", in, hca_cmd_create_cq_in(in, sizeof(in), &cq));
	bad += dump("DESTROY_CQ", in,
		hca_cmd_destroy_cq_in(in, sizeof(in), 0xc, 0x42));
	bad += dump("CREATE_QP", in, hca_cmd_create_qp_in(in, sizeof(in), &qp));
	bad += dump("RST2INIT_QP", in,
		hca_cmd_rst2init_qp_in(in, sizeof(in), &m));
	bad += dump("INIT2RTR_QP", in,
		hca_cmd_init2rtr_qp_in(in, sizeof(in), &m));
	bad += dump("RTR2RTS_QP", in,
		hca_cmd_rtr2rts_qp_in(in, sizeof(in), &m));
	bad += dump("2ERR_QP", in, hca_cmd_qp_2err_in(in, sizeof(in), 0xd,
		0xdef));
	bad += dump("2RST_QP", in, hca_cmd_qp_2rst_in(in, sizeof(in), 0xe,
		0xdee));
	bad += dump("QUERY_QP", in, hca_cmd_query_qp_in(in, sizeof(in), 0xf,
		0xded));
	bad += dump("DESTROY_QP", in, hca_cmd_destroy_qp_in(in, sizeof(in),
		0x10, 0xdec));
	bad += dump("ATTACH_TO_MCG", in, hca_cmd_attach_mcg_in(in, sizeof(in),
		0x11, 0xcba, mgid));
	bad += dump("DETACH_FROM_MCG", in, hca_cmd_detach_mcg_in(in,
		sizeof(in), 0x12, 0xcbb, mgid));
	bad += dump("CREATE_SQ", in, hca_cmd_create_sq_in(in, sizeof(in), &sq));
	bad += dump("MODIFY_SQ", in, hca_cmd_modify_sq_in(in, sizeof(in),
		0x13, 0x123abc, HCA_WQ_STATE_RST, HCA_WQ_STATE_RDY));
	bad += dump("DESTROY_SQ", in, hca_cmd_destroy_sq_in(in, sizeof(in),
		0x13, 0x123abd));
	bad += dump("CREATE_RQ", in, hca_cmd_create_rq_in(in, sizeof(in), &rq));
	bad += dump("MODIFY_RQ", in, hca_cmd_modify_rq_in(in, sizeof(in),
		0x14, 0x456def, HCA_WQ_STATE_RDY, HCA_WQ_STATE_ERR));
	bad += dump("DESTROY_RQ", in, hca_cmd_destroy_rq_in(in, sizeof(in),
		0x14, 0x456df0));
	bad += dump("CREATE_TIS", in, hca_cmd_create_tis_in(in, sizeof(in),
		&tis));
	bad += dump("DESTROY_TIS", in, hca_cmd_destroy_tis_in(in, sizeof(in),
		0x15, 0x789a));
	bad += dump("CREATE_RQT", in, hca_cmd_rqt_in(in, sizeof(in), 0x16, 0,
		rqns, 3, 4));
	bad += dump("MODIFY_RQT", in, hca_cmd_rqt_in(in, sizeof(in), 0x16,
		0x6789ab, rqns, 2, 4));
	bad += dump("DESTROY_RQT", in, hca_cmd_destroy_rqt_in(in, sizeof(in),
		0x16, 0x6789ac));
	bad += dump("CREATE_TIR", in, hca_cmd_create_tir_in(in, sizeof(in),
		&tir));
	bad += dump("DESTROY_TIR", in, hca_cmd_destroy_tir_in(in, sizeof(in),
		0x17, 0x8b9cad));
	bad += dump("CREATE_FLOW_TABLE", in, hca_cmd_create_flow_table_in(in,
		sizeof(in), &ft));
	bad += dump("DESTROY_FLOW_TABLE", in, hca_cmd_destroy_flow_table_in(in,
		sizeof(in), 0x1a, HCA_FT_TYPE_NIC_RX, 0x2c3d4e));
	bad += dump("SET_FLOW_TABLE_ROOT", in, hca_cmd_set_flow_table_root_in(
		in, sizeof(in), 0x1a, HCA_FT_TYPE_NIC_RX, 0x2c3d4e, 0xd4e5f6,
		false));
	bad += dump("SET_FLOW_TABLE_ROOT_DISCONNECT", in,
		hca_cmd_set_flow_table_root_in(in, sizeof(in), 0x1a,
		HCA_FT_TYPE_NIC_RX, 0x2c3d4e, 0xd4e5f6, true));
	bad += dump("CREATE_FLOW_GROUP", in, hca_cmd_create_flow_group_in(in,
		sizeof(in), &fg));
	bad += dump("DESTROY_FLOW_GROUP", in, hca_cmd_destroy_flow_group_in(in,
		sizeof(in), 0x1b, HCA_FT_TYPE_NIC_RX, 0x2c3d4e, 0x5f6a7b));
	bad += dump("SET_FLOW_TABLE_ENTRY", in, hca_cmd_set_fte_in(in,
		sizeof(in), &fte));
	bad += dump("DELETE_FLOW_TABLE_ENTRY", in, hca_cmd_delete_fte_in(in,
		sizeof(in), 0x1c, HCA_FT_TYPE_NIC_RX, 0x2c3d4e, 7));
	return bad;
}

/* ---------------------------------------------------------------------
 * Outputs
 */

/** Parse hex into buf. @return the number of bytes, -1 on bad input. */
static int
unhex(const char *hex, uint8_t *buf, size_t size)
{
	size_t n = 0;
	unsigned int b;

	while (hex[0] != '\0' && hex[0] != '\n') {
		if (n == size || sscanf(hex, "%2x", &b) != 1)
			return -1;
		buf[n++] = b;
		hex += 2;
	}
	return (int)n;
}

/** Decode one output mailbox and print the result. @return 0 or 1. */
static int
decode_one(const char *name, const uint8_t *out, size_t len)
{
	struct hca_cmd_hca_cap cap;
	struct hca_cmd_vport_ctx vc;
	struct hca_cmd_qp_state qs;
	uint32_t num;
	uint8_t eqn;
	int rc;

	if (strcmp(name, "QUERY_HCA_CAP") == 0) {
		rc = hca_cmd_query_hca_cap_out(out, len, &cap);
		if (rc == 0)
			printf("%s port_type=%x num_ports=%x log_max_qp_sz=%x "
				"log_max_qp=%x log_max_cq_sz=%x log_max_cq=%x "
				"log_max_pd=%x gid_table_len=%x "
				"pkey_table_len=%x max_wqe_sz_sq=%x ud=%x "
				"ipoib_basic_offloads=%x "
				"ipoib_enhanced_offloads=%x max_qp_mcg=%x "
				"log_max_mcg=%x nic_flow_table=%x "
				"log_max_rq=%x log_max_sq=%x log_max_tir=%x "
				"log_max_tis=%x log_max_rqt=%x "
				"log_max_rqt_size=%x\n", name, cap.port_type,
				cap.num_ports, cap.log_max_qp_sz,
				cap.log_max_qp, cap.log_max_cq_sz,
				cap.log_max_cq, cap.log_max_pd,
				cap.gid_table_len, cap.pkey_table_len,
				cap.max_wqe_sz_sq, cap.ud,
				cap.ipoib_basic_offloads,
				cap.ipoib_enhanced_offloads, cap.max_qp_mcg,
				cap.log_max_mcg, cap.nic_flow_table,
				cap.log_max_rq, cap.log_max_sq,
				cap.log_max_tir, cap.log_max_tis,
				cap.log_max_rqt, cap.log_max_rqt_size);
	} else if (strcmp(name, "QUERY_HCA_VPORT_CONTEXT") == 0) {
		rc = hca_cmd_query_vport_ctx_out(out, len, &vc);
		if (rc == 0)
			printf("%s port_state=%x vport_state=%x "
				"port_physical_state=%x has_smi=%x "
				"grh_required=%x port_guid=%llx node_guid=%llx "
				"cap_mask1=%x lid=%x lmc=%x sm_lid=%x sm_sl=%x "
				"subnet_timeout=%x qkey_violations=%x "
				"pkey_violations=%x\n", name, vc.port_state,
				vc.vport_state, vc.port_physical_state,
				vc.has_smi, vc.grh_required,
				(unsigned long long)vc.port_guid,
				(unsigned long long)vc.node_guid, vc.cap_mask1,
				vc.lid, vc.lmc, vc.sm_lid, vc.sm_sl,
				vc.subnet_timeout, vc.qkey_violations,
				vc.pkey_violations);
	} else if (strcmp(name, "QUERY_QP") == 0) {
		rc = hca_cmd_query_qp_out(out, len, &qs);
		if (rc == 0)
			printf("%s state=%x st=%x q_key=%x pkey_index=%x "
				"port_num=%x cqn_snd=%x cqn_rcv=%x\n", name,
				qs.state, qs.st, qs.q_key, qs.pkey_index,
				qs.port_num, qs.cqn_snd, qs.cqn_rcv);
	} else if (strcmp(name, "CREATE_EQ") == 0) {
		rc = hca_cmd_create_eq_out(out, len, &eqn);
		if (rc == 0)
			printf("%s eqn=%x\n", name, eqn);
	} else if (strcmp(name, "CREATE_QP") == 0 ||
			strcmp(name, "CREATE_CQ") == 0 ||
			strcmp(name, "ALLOC_PD") == 0 ||
			strcmp(name, "CREATE_MKEY") == 0 ||
			strcmp(name, "CREATE_TIR") == 0) {
		rc = hca_cmd_obj_out(out, len, &num);
		if (rc == 0)
			printf("%s num=%x\n", name, num);
	} else {
		fprintf(stderr, "prm_dump: no decoder for %s\n", name);
		return 1;
	}
	if (rc != 0) {
		printf("%s error=%s\n", name, strerror(-rc));
		return 0;
	}
	return 0;
}

/** Decode "NAME HEX" lines from stdin. @return number of failures. */
static int
decode_outputs(void)
{
	static char line[65536];
	static uint8_t out[16384];
	int bad = 0;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		char *sp = strchr(line, ' ');
		int len;

		if (sp == NULL)
			continue;
		*sp = '\0';
		len = unhex(sp + 1, out, sizeof(out));
		if (len < 0) {
			fprintf(stderr, "prm_dump: %s: bad hex\n", line);
			bad++;
			continue;
		}
		bad += decode_one(line, out, len);
	}
	return bad;
}

/**
 * Dump the inputs, decode outputs with "decode", or print the inputs'
 * output lengths with "outlen".
 */
int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "decode") == 0)
		return decode_outputs() != 0;
	outlen_mode = argc > 1 && strcmp(argv[1], "outlen") == 0;
	return dump_inputs() != 0;
}
