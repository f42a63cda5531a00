/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * ConnectX firmware commands of the device and its ports: capabilities,
 * vport context, GIDs, P_Keys, port MTU, protection domains and memory
 * keys (see hca_cmd.h).
 */

#include <errno.h>
#include <string.h>

#include "hca_cmd.h"

/* ---------------------------------------------------------------------
 * QUERY_HCA_CAP
 */

/** Encode QUERY_HCA_CAP for one capability type, current or maximum. */
int
hca_cmd_query_hca_cap_in(void *in, size_t size,
	const struct hca_cmd_query_cap *q)
{
	uint16_t op_mod = (uint16_t)(q->cap_type << 1) |
		(q->current ? HCA_CAP_MODE_CURRENT : 0);
	int rc = hca_cmd_in_start(in, size, HCA_QUERY_HCA_CAP_IN_LEN,
		HCA_CMD_QUERY_HCA_CAP, q->uid, op_mod);

	return rc != 0 ? rc : HCA_QUERY_HCA_CAP_IN_LEN;
}

/** Decode the general device capabilities of QUERY_HCA_CAP. */
int
hca_cmd_query_hca_cap_out(const void *out, size_t len,
	struct hca_cmd_hca_cap *cap)
{
	const uint8_t *c = (const uint8_t *)out + HCA_QUERY_HCA_CAP_OUT_CAP_OFF;
	unsigned int gid_sz, pkey_sz;
	int rc;

	rc = hca_cmd_check_out(out, len,
		HCA_QUERY_HCA_CAP_OUT_CAP_OFF + HCA_CAP_GENERAL_LEN, NULL,
		NULL);
	if (rc != 0)
		return rc;
	memset(cap, 0, sizeof(*cap));
	cap->port_type = hca_prm_get(c, HCA_CAP_PORT_TYPE);
	cap->num_ports = hca_prm_get(c, HCA_CAP_NUM_PORTS);
	cap->vhca_id = hca_prm_get(c, HCA_CAP_VHCA_ID);
	cap->log_max_qp_sz = hca_prm_get(c, HCA_CAP_LOG_MAX_QP_SZ);
	cap->log_max_qp = hca_prm_get(c, HCA_CAP_LOG_MAX_QP);
	cap->log_max_cq_sz = hca_prm_get(c, HCA_CAP_LOG_MAX_CQ_SZ);
	cap->log_max_cq = hca_prm_get(c, HCA_CAP_LOG_MAX_CQ);
	cap->log_max_eq_sz = hca_prm_get(c, HCA_CAP_LOG_MAX_EQ_SZ);
	cap->log_max_eq = hca_prm_get(c, HCA_CAP_LOG_MAX_EQ);
	cap->log_max_mkey = hca_prm_get(c, HCA_CAP_LOG_MAX_MKEY);
	cap->log_max_pd = hca_prm_get(c, HCA_CAP_LOG_MAX_PD);
	cap->log_max_msg = hca_prm_get(c, HCA_CAP_LOG_MAX_MSG);
	cap->log_max_mcg = hca_prm_get(c, HCA_CAP_LOG_MAX_MCG);
	cap->max_qp_mcg = hca_prm_get(c, HCA_CAP_MAX_QP_MCG);
	cap->log_pg_sz = hca_prm_get(c, HCA_CAP_LOG_PG_SZ);
	cap->uar_sz = hca_prm_get(c, HCA_CAP_UAR_SZ);
	cap->cqe_version = hca_prm_get(c, HCA_CAP_CQE_VERSION);
	cap->max_wqe_sz_sq = hca_prm_get(c, HCA_CAP_MAX_WQE_SZ_SQ);
	cap->max_wqe_sz_rq = hca_prm_get(c, HCA_CAP_MAX_WQE_SZ_RQ);
	/* control 16 + datagram 48 + inline header 4 */
	cap->max_inline_ud = cap->max_wqe_sz_sq > 68 ?
		cap->max_wqe_sz_sq - 68 : 0;
	/* table sizes are log-encoded: 8 << n GIDs, 128 << n P_Keys */
	gid_sz = hca_prm_get(c, HCA_CAP_GID_TABLE_SIZE);
	pkey_sz = hca_prm_get(c, HCA_CAP_PKEY_TABLE_SIZE);
	cap->gid_table_len = gid_sz < 16 ? 8u << gid_sz : 0;
	cap->pkey_table_len = pkey_sz < 16 ? 128u << pkey_sz : 0;
	cap->ud = hca_prm_get(c, HCA_CAP_UD);
	cap->qkv = hca_prm_get(c, HCA_CAP_QKV);
	cap->pkv = hca_prm_get(c, HCA_CAP_PKV);
	cap->ipoib_basic_offloads =
		hca_prm_get(c, HCA_CAP_IPOIB_BASIC_OFFLOADS);
	cap->ipoib_enhanced_offloads =
		hca_prm_get(c, HCA_CAP_IPOIB_ENHANCED_OFFLOADS);
	cap->log_max_rq = hca_prm_get(c, HCA_CAP_LOG_MAX_RQ);
	cap->log_max_sq = hca_prm_get(c, HCA_CAP_LOG_MAX_SQ);
	cap->log_max_tir = hca_prm_get(c, HCA_CAP_LOG_MAX_TIR);
	cap->log_max_tis = hca_prm_get(c, HCA_CAP_LOG_MAX_TIS);
	cap->log_max_rqt = hca_prm_get(c, HCA_CAP_LOG_MAX_RQT);
	cap->log_max_rqt_size = hca_prm_get(c, HCA_CAP_LOG_MAX_RQT_SIZE);
	cap->nic_flow_table = hca_prm_get(c, HCA_CAP_NIC_FLOW_TABLE);
	return 0;
}

/* See hca_cmd.h. */
int
hca_cmd_query_eth_cap_out(const void *out, size_t len,
	struct hca_cmd_hca_cap *cap)
{
	const uint8_t *c = (const uint8_t *)out + HCA_QUERY_HCA_CAP_OUT_CAP_OFF;
	int rc;

	rc = hca_cmd_check_out(out, len,
		HCA_QUERY_HCA_CAP_OUT_CAP_OFF + HCA_CAP_ETH_LEN, NULL, NULL);
	if (rc != 0)
		return rc;
	cap->csum_cap = hca_prm_get(c, HCA_CAP_ETH_CSUM_CAP);
	cap->max_lso_cap = hca_prm_get(c, HCA_CAP_ETH_MAX_LSO_CAP);
	return 0;
}

/* See hca_cmd.h. */
uint32_t
hca_cmd_hca_cap_tx_offloads(const struct hca_cmd_hca_cap *cap, bool *csum)
{
	*csum = (cap->ipoib_basic_offloads || cap->ipoib_enhanced_offloads) &&
		cap->csum_cap;
	if (!cap->ipoib_enhanced_offloads || cap->max_lso_cap == 0 ||
	    cap->max_lso_cap > 24)
		return 0;
	return 1u << cap->max_lso_cap;
}

/* See hca_cmd.h. */
uint32_t
hca_cmd_hca_cap_rss_queues(const struct hca_cmd_hca_cap *cap)
{
	unsigned int l;

	if (!cap->ipoib_enhanced_offloads || !cap->nic_flow_table ||
	    cap->log_max_rq == 0 || cap->log_max_sq == 0 ||
	    cap->log_max_tir == 0 || cap->log_max_tis == 0 ||
	    cap->log_max_rqt == 0 || cap->log_max_rqt_size == 0)
		return 1;
	l = cap->log_max_rqt_size;
	if (cap->log_max_rq < l)
		l = cap->log_max_rq;
	if (cap->log_max_sq < l)
		l = cap->log_max_sq;
	/* the fields are 5 bits wide: at most 1 << 31 */
	return 1u << l;
}

/* ---------------------------------------------------------------------
 * Vport queries
 */

/** Encode one of the three vport queries. @return length or -errno. */
static int
hca_cmd_vport_in(void *in, size_t size, uint16_t opcode,
	const struct hca_cmd_vport_query *q, bool indexed)
{
	int rc = hca_cmd_in_start(in, size, HCA_VPORT_IN_LEN, opcode, q->uid,
		0);

	if (rc != 0)
		return rc;
	rc |= hca_prm_set(in, HCA_VPORT_IN_OTHER_VPORT, q->other_vport);
	rc |= hca_prm_set(in, HCA_VPORT_IN_PORT_NUM, q->port_num);
	rc |= hca_prm_set(in, HCA_VPORT_IN_VPORT_NUMBER, q->vport_number);
	if (indexed)
		rc |= hca_prm_set(in, HCA_VPORT_IN_INDEX, q->index);
	return rc != 0 ? -ERANGE : HCA_VPORT_IN_LEN;
}

/** Encode QUERY_HCA_VPORT_CONTEXT. */
int
hca_cmd_query_vport_ctx_in(void *in, size_t size,
	const struct hca_cmd_vport_query *q)
{
	return hca_cmd_vport_in(in, size, HCA_CMD_QUERY_HCA_VPORT_CONTEXT, q,
		false);
}

/** Decode QUERY_HCA_VPORT_CONTEXT. */
int
hca_cmd_query_vport_ctx_out(const void *out, size_t len,
	struct hca_cmd_vport_ctx *ctx)
{
	const uint8_t *v = (const uint8_t *)out + HCA_VPORT_CTX_OFF;
	int rc = hca_cmd_check_out(out, len,
		HCA_QUERY_HCA_VPORT_CONTEXT_OUT_LEN, NULL, NULL);

	if (rc != 0)
		return rc;
	memset(ctx, 0, sizeof(*ctx));
	ctx->port_state = hca_prm_get(v, HCA_VPORT_CTX_PORT_STATE);
	ctx->vport_state = hca_prm_get(v, HCA_VPORT_CTX_VPORT_STATE);
	ctx->port_physical_state = hca_prm_get(v,
		HCA_VPORT_CTX_PORT_PHYS_STATE);
	ctx->has_smi = hca_prm_get(v, HCA_VPORT_CTX_HAS_SMI);
	ctx->grh_required = hca_prm_get(v, HCA_VPORT_CTX_GRH_REQUIRED);
	ctx->system_image_guid = hca_prm_get(v, HCA_VPORT_CTX_SYS_IMAGE_GUID);
	ctx->port_guid = hca_prm_get(v, HCA_VPORT_CTX_PORT_GUID);
	ctx->node_guid = hca_prm_get(v, HCA_VPORT_CTX_NODE_GUID);
	ctx->cap_mask1 = hca_prm_get(v, HCA_VPORT_CTX_CAP_MASK1);
	ctx->lid = hca_prm_get(v, HCA_VPORT_CTX_LID);
	ctx->lmc = hca_prm_get(v, HCA_VPORT_CTX_LMC);
	ctx->init_type_reply = hca_prm_get(v, HCA_VPORT_CTX_INIT_TYPE_REPLY);
	ctx->subnet_timeout = hca_prm_get(v, HCA_VPORT_CTX_SUBNET_TIMEOUT);
	ctx->sm_lid = hca_prm_get(v, HCA_VPORT_CTX_SM_LID);
	ctx->sm_sl = hca_prm_get(v, HCA_VPORT_CTX_SM_SL);
	ctx->qkey_violations = hca_prm_get(v, HCA_VPORT_CTX_QKEY_VIOLATIONS);
	ctx->pkey_violations = hca_prm_get(v, HCA_VPORT_CTX_PKEY_VIOLATIONS);
	return 0;
}

/** Encode QUERY_HCA_VPORT_GID. */
int
hca_cmd_query_vport_gid_in(void *in, size_t size,
	const struct hca_cmd_vport_query *q)
{
	return hca_cmd_vport_in(in, size, HCA_CMD_QUERY_HCA_VPORT_GID, q,
		true);
}

/** Decode QUERY_HCA_VPORT_GID into at most max GIDs. */
int
hca_cmd_query_vport_gid_out(const void *out, size_t len,
	uint8_t (*gids)[16], unsigned int max)
{
	unsigned int n, i;
	int rc = hca_cmd_check_out(out, len, HCA_VPORT_GID_OUT_GID_OFF, NULL,
		NULL);

	if (rc != 0)
		return rc;
	n = hca_prm_get(out, HCA_VPORT_GID_OUT_GIDS_NUM);
	if (len < HCA_VPORT_GID_OUT_GID_OFF + (size_t)n * 16)
		return -EPROTO;
	if (n > max)
		n = max;
	for (i = 0; i < n; i++)
		memcpy(gids[i], (const uint8_t *)out +
			HCA_VPORT_GID_OUT_GID_OFF + i * 16, 16);
	return (int)n;
}

/** Encode QUERY_HCA_VPORT_PKEY. */
int
hca_cmd_query_vport_pkey_in(void *in, size_t size,
	const struct hca_cmd_vport_query *q)
{
	return hca_cmd_vport_in(in, size, HCA_CMD_QUERY_HCA_VPORT_PKEY, q,
		true);
}

/** Decode QUERY_HCA_VPORT_PKEY: count entries into pkeys. */
int
hca_cmd_query_vport_pkey_out(const void *out, size_t len,
	uint16_t *pkeys, unsigned int count)
{
	const uint8_t *p = (const uint8_t *)out + HCA_VPORT_PKEY_OUT_PKEY_OFF;
	unsigned int i;
	int rc = hca_cmd_check_out(out, len, HCA_VPORT_PKEY_OUT_PKEY_OFF +
		(size_t)count * HCA_VPORT_PKEY_ENTRY_LEN, NULL, NULL);

	if (rc != 0)
		return rc;
	for (i = 0; i < count; i++)
		pkeys[i] = hca_prm_get(p + i * HCA_VPORT_PKEY_ENTRY_LEN,
			HCA_VPORT_PKEY_ENTRY_PKEY);
	return (int)count;
}

/* ---------------------------------------------------------------------
 * Port MTU (ACCESS_REG, PMTU)
 */

/** Encode ACCESS_REG reading PMTU of a port. */
int
hca_cmd_query_pmtu_in(void *in, size_t size, uint16_t uid, uint8_t port_num)
{
	const size_t len = HCA_ACCESS_REG_DATA_OFF + HCA_REG_PMTU_LEN;
	uint8_t *reg = (uint8_t *)in + HCA_ACCESS_REG_DATA_OFF;
	int rc = hca_cmd_in_start(in, size, len, HCA_CMD_ACCESS_REG, uid,
		HCA_ACCESS_REG_READ);

	if (rc != 0)
		return rc;
	hca_prm_set(in, HCA_ACCESS_REG_IN_REGISTER_ID, HCA_REG_PMTU);
	hca_prm_set(reg, HCA_PMTU_LOCAL_PORT, port_num);
	return (int)len;
}

/** Decode the PMTU register of an ACCESS_REG output. */
int
hca_cmd_query_pmtu_out(const void *out, size_t len,
	struct hca_cmd_port_mtu *mtu)
{
	const uint8_t *reg = (const uint8_t *)out + HCA_ACCESS_REG_DATA_OFF;
	int rc = hca_cmd_check_out(out, len,
		HCA_ACCESS_REG_DATA_OFF + HCA_REG_PMTU_LEN, NULL, NULL);

	if (rc != 0)
		return rc;
	mtu->max_mtu = hca_prm_get(reg, HCA_PMTU_MAX_MTU);
	mtu->admin_mtu = hca_prm_get(reg, HCA_PMTU_ADMIN_MTU);
	mtu->oper_mtu = hca_prm_get(reg, HCA_PMTU_OPER_MTU);
	return 0;
}

/* ---------------------------------------------------------------------
 * Protection domains
 */

/** Encode ALLOC_PD. */
int
hca_cmd_alloc_pd_in(void *in, size_t size, uint16_t uid)
{
	int rc = hca_cmd_in_start(in, size, HCA_CMD_SHORT_LEN,
		HCA_CMD_ALLOC_PD, uid, 0);

	return rc != 0 ? rc : HCA_CMD_SHORT_LEN;
}

/** Decode ALLOC_PD. */
int
hca_cmd_alloc_pd_out(const void *out, size_t len, uint32_t *pdn)
{
	return hca_cmd_obj_out(out, len, pdn);
}

/** Encode DEALLOC_PD. */
int
hca_cmd_dealloc_pd_in(void *in, size_t size, uint16_t uid, uint32_t pdn)
{
	return hca_cmd_obj_in(in, size, HCA_CMD_DEALLOC_PD, uid, pdn);
}

/* ---------------------------------------------------------------------
 * Memory keys
 */

/** Encode CREATE_MKEY over a UMEM (see struct hca_cmd_mkey). */
int
hca_cmd_create_mkey_in(void *in, size_t size, const struct hca_cmd_mkey *mk)
{
	uint8_t *mkc = (uint8_t *)in + HCA_CREATE_MKEY_IN_MKC_OFF;
	uint64_t page, pages, octwords;
	int rc;

	if (mk->log_page_size < 12 || mk->log_page_size > 63)
		return -ERANGE;
	rc = hca_cmd_in_start(in, size, HCA_CREATE_MKEY_IN_LEN,
		HCA_CMD_CREATE_MKEY, mk->uid, 0);
	if (rc != 0)
		return rc;
	/* one 8-byte translation entry per page, counted in 16-byte units */
	page = UINT64_C(1) << mk->log_page_size;
	pages = ((mk->umem_offset & (page - 1)) + mk->len + page - 1) /
		page;
	octwords = (pages + 1) / 2;
	if (octwords > UINT32_MAX)
		return -ERANGE;
	rc |= hca_prm_set(in, HCA_CREATE_MKEY_IN_UMEM_VALID, 1);
	rc |= hca_prm_set(in, HCA_CREATE_MKEY_IN_UMEM_ID, mk->umem_id);
	rc |= hca_prm_set(in, HCA_CREATE_MKEY_IN_UMEM_OFFSET, mk->umem_offset);
	rc |= hca_prm_set(in, HCA_CREATE_MKEY_IN_XLT_ACTUAL, octwords);
	rc |= hca_prm_set(mkc, HCA_MKC_ACCESS_MODE_1_0,
		HCA_MKC_ACCESS_MODE_MTT & 0x3);
	rc |= hca_prm_set(mkc, HCA_MKC_ACCESS_MODE_4_2,
		HCA_MKC_ACCESS_MODE_MTT >> 2);
	rc |= hca_prm_set(mkc, HCA_MKC_LR, 1);
	rc |= hca_prm_set(mkc, HCA_MKC_LW, mk->local_write);
	rc |= hca_prm_set(mkc, HCA_MKC_RR, mk->remote_read);
	rc |= hca_prm_set(mkc, HCA_MKC_RW, mk->remote_write);
	rc |= hca_prm_set(mkc, HCA_MKC_QPN, 0xffffff);
	rc |= hca_prm_set(mkc, HCA_MKC_MKEY_7_0, mk->mkey_7_0);
	rc |= hca_prm_set(mkc, HCA_MKC_PD, mk->pdn);
	rc |= hca_prm_set(mkc, HCA_MKC_START_ADDR, mk->start_addr);
	rc |= hca_prm_set(mkc, HCA_MKC_LEN, mk->len);
	rc |= hca_prm_set(mkc, HCA_MKC_XLT_OCTWORD_SIZE, octwords);
	rc |= hca_prm_set(mkc, HCA_MKC_LOG_PAGE_SIZE, mk->log_page_size - 12);
	return rc != 0 ? -ERANGE : HCA_CREATE_MKEY_IN_LEN;
}

/** Decode CREATE_MKEY. */
int
hca_cmd_create_mkey_out(const void *out, size_t len, uint32_t *mkey_index)
{
	return hca_cmd_obj_out(out, len, mkey_index);
}

/** Encode DESTROY_MKEY. */
int
hca_cmd_destroy_mkey_in(void *in, size_t size, uint16_t uid,
	uint32_t mkey_index)
{
	return hca_cmd_obj_in(in, size, HCA_CMD_DESTROY_MKEY, uid, mkey_index);
}
