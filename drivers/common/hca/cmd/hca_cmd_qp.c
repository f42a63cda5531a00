/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * ConnectX firmware commands of UD queue pairs: create, the state
 * changes, query, destroy, multicast attach (see hca_cmd.h).
 */

#include <errno.h>
#include <string.h>

#include "hca_cmd.h"

/* ---------------------------------------------------------------------
 * Create and destroy
 */

/** Encode CREATE_QP of a UD QP with its rings and doorbell in UMEMs. */
int
hca_cmd_create_qp_in(void *in, size_t size, const struct hca_cmd_qp *qp)
{
	uint8_t *qpc = (uint8_t *)in + HCA_QP_QPC_OFF;
	int rc = hca_cmd_in_start(in, size, HCA_CREATE_QP_IN_LEN,
		HCA_CMD_CREATE_QP, qp->uid, 0);

	if (rc != 0)
		return rc;
	rc |= hca_prm_set(qpc, HCA_QPC_ST, qp->st);
	rc |= hca_prm_set(qpc, HCA_QPC_PM_STATE, qp->pm_state);
	rc |= hca_prm_set(qpc, HCA_QPC_PD, qp->pdn);
	rc |= hca_prm_set(qpc, HCA_QPC_UAR_PAGE, qp->uar_page);
	rc |= hca_prm_set(qpc, HCA_QPC_USER_INDEX, qp->user_index);
	rc |= hca_prm_set(qpc, HCA_QPC_LOG_PAGE_SIZE, qp->log_page_size);
	rc |= hca_prm_set(qpc, HCA_QPC_LOG_SQ_SIZE, qp->log_sq_size);
	rc |= hca_prm_set(qpc, HCA_QPC_LOG_RQ_SIZE, qp->log_rq_size);
	rc |= hca_prm_set(qpc, HCA_QPC_LOG_RQ_STRIDE, qp->log_rq_stride);
	rc |= hca_prm_set(qpc, HCA_QPC_CQN_SND, qp->cqn_snd);
	rc |= hca_prm_set(qpc, HCA_QPC_CQN_RCV, qp->cqn_rcv);
	rc |= hca_prm_set(qpc, HCA_QPC_CS_RES, qp->cs_res);
	rc |= hca_prm_set(qpc, HCA_QPC_DBR_UMEM_VALID, 1);
	rc |= hca_prm_set(qpc, HCA_QPC_DBR_UMEM_ID, qp->dbr_umem_id);
	rc |= hca_prm_set(qpc, HCA_QPC_DBR_ADDR, qp->dbr_addr);
	rc |= hca_prm_set(in, HCA_CREATE_QP_IN_WQ_UMEM_VALID, 1);
	rc |= hca_prm_set(in, HCA_CREATE_QP_IN_WQ_UMEM_ID, qp->wq_umem_id);
	rc |= hca_prm_set(in, HCA_CREATE_QP_IN_WQ_UMEM_OFFSET,
		qp->wq_umem_offset);
	return rc != 0 ? -ERANGE : HCA_CREATE_QP_IN_LEN;
}

/** Decode CREATE_QP. */
int
hca_cmd_create_qp_out(const void *out, size_t len, uint32_t *qpn)
{
	return hca_cmd_obj_out(out, len, qpn);
}

/** Encode DESTROY_QP. */
int
hca_cmd_destroy_qp_in(void *in, size_t size, uint16_t uid, uint32_t qpn)
{
	return hca_cmd_obj_in(in, size, HCA_CMD_DESTROY_QP, uid, qpn);
}

/* ---------------------------------------------------------------------
 * State changes
 */

/**
 * Start a RST2INIT, INIT2RTR or RTR2RTS input: header and qpn.
 * @return 0 or -errno.
 */
static int
hca_cmd_modify_qp_start(void *in, size_t size, uint16_t opcode,
	const struct hca_cmd_qp_modify *m)
{
	int rc = hca_cmd_in_start(in, size, HCA_MODIFY_QP_IN_LEN, opcode,
		m->uid, 0);

	if (rc != 0)
		return rc;
	return hca_prm_set(in, HCA_CMD_OBJ_NUM, m->qpn) != 0 ? -ERANGE : 0;
}

/** Encode RST2INIT_QP: Q_Key, P_Key index, port. */
int
hca_cmd_rst2init_qp_in(void *in, size_t size,
	const struct hca_cmd_qp_modify *m)
{
	uint8_t *qpc = (uint8_t *)in + HCA_QP_QPC_OFF;
	uint8_t *path = qpc + HCA_QPC_PRI_PATH_OFF;
	int rc = hca_cmd_modify_qp_start(in, size, HCA_CMD_RST2INIT_QP, m);

	if (rc != 0)
		return rc;
	rc |= hca_prm_set(qpc, HCA_QPC_Q_KEY, m->q_key);
	rc |= hca_prm_set(path, HCA_ADS_PKEY_INDEX, m->pkey_index);
	rc |= hca_prm_set(path, HCA_ADS_VHCA_PORT_NUM, m->port_num);
	return rc != 0 ? -ERANGE : HCA_MODIFY_QP_IN_LEN;
}

/** Encode INIT2RTR_QP (a UD QP has nothing to set). */
int
hca_cmd_init2rtr_qp_in(void *in, size_t size,
	const struct hca_cmd_qp_modify *m)
{
	int rc = hca_cmd_modify_qp_start(in, size, HCA_CMD_INIT2RTR_QP, m);

	return rc != 0 ? rc : HCA_MODIFY_QP_IN_LEN;
}

/** Encode RTR2RTS_QP: the first send PSN. */
int
hca_cmd_rtr2rts_qp_in(void *in, size_t size,
	const struct hca_cmd_qp_modify *m)
{
	uint8_t *qpc = (uint8_t *)in + HCA_QP_QPC_OFF;
	int rc = hca_cmd_modify_qp_start(in, size, HCA_CMD_RTR2RTS_QP, m);

	if (rc != 0)
		return rc;
	if (hca_prm_set(qpc, HCA_QPC_NEXT_SEND_PSN, m->sq_psn) != 0)
		return -ERANGE;
	return HCA_MODIFY_QP_IN_LEN;
}

/** Encode 2ERR_QP. */
int
hca_cmd_qp_2err_in(void *in, size_t size, uint16_t uid, uint32_t qpn)
{
	return hca_cmd_obj_in(in, size, HCA_CMD_2ERR_QP, uid, qpn);
}

/** Encode 2RST_QP. */
int
hca_cmd_qp_2rst_in(void *in, size_t size, uint16_t uid, uint32_t qpn)
{
	return hca_cmd_obj_in(in, size, HCA_CMD_2RST_QP, uid, qpn);
}

/** Check the output of any QP state change. */
int
hca_cmd_modify_qp_out(const void *out, size_t len)
{
	return hca_cmd_check_out(out, len, HCA_CMD_SHORT_LEN, NULL, NULL);
}

/* ---------------------------------------------------------------------
 * Query
 */

/** Encode QUERY_QP. */
int
hca_cmd_query_qp_in(void *in, size_t size, uint16_t uid, uint32_t qpn)
{
	return hca_cmd_obj_in(in, size, HCA_CMD_QUERY_QP, uid, qpn);
}

/** Decode QUERY_QP: state and the UD fields of the context. */
int
hca_cmd_query_qp_out(const void *out, size_t len,
	struct hca_cmd_qp_state *qs)
{
	const uint8_t *qpc = (const uint8_t *)out + HCA_QP_QPC_OFF;
	const uint8_t *path = qpc + HCA_QPC_PRI_PATH_OFF;
	int rc = hca_cmd_check_out(out, len, HCA_QP_QPC_OFF + HCA_QPC_LEN,
		NULL, NULL);

	if (rc != 0)
		return rc;
	qs->state = hca_prm_get(qpc, HCA_QPC_STATE);
	qs->st = hca_prm_get(qpc, HCA_QPC_ST);
	qs->q_key = hca_prm_get(qpc, HCA_QPC_Q_KEY);
	qs->cqn_snd = hca_prm_get(qpc, HCA_QPC_CQN_SND);
	qs->cqn_rcv = hca_prm_get(qpc, HCA_QPC_CQN_RCV);
	qs->pkey_index = hca_prm_get(path, HCA_ADS_PKEY_INDEX);
	qs->port_num = hca_prm_get(path, HCA_ADS_VHCA_PORT_NUM);
	return 0;
}

/* ---------------------------------------------------------------------
 * Multicast
 */

/** Encode ATTACH_TO_MCG or DETACH_FROM_MCG. @return length or -errno. */
static int
hca_cmd_mcg_in(void *in, size_t size, uint16_t opcode, uint16_t uid,
	uint32_t qpn, const uint8_t mgid[16])
{
	int rc = hca_cmd_in_start(in, size, HCA_MCG_IN_LEN, opcode, uid, 0);

	if (rc != 0)
		return rc;
	if (hca_prm_set(in, HCA_CMD_OBJ_NUM, qpn) != 0)
		return -ERANGE;
	memcpy((uint8_t *)in + HCA_MCG_IN_GID_OFF, mgid, 16);
	return HCA_MCG_IN_LEN;
}

/** Encode ATTACH_TO_MCG. */
int
hca_cmd_attach_mcg_in(void *in, size_t size, uint16_t uid, uint32_t qpn,
	const uint8_t mgid[16])
{
	return hca_cmd_mcg_in(in, size, HCA_CMD_ATTACH_TO_MCG, uid, qpn, mgid);
}

/** Encode DETACH_FROM_MCG. */
int
hca_cmd_detach_mcg_in(void *in, size_t size, uint16_t uid, uint32_t qpn,
	const uint8_t mgid[16])
{
	return hca_cmd_mcg_in(in, size, HCA_CMD_DETACH_FROM_MCG, uid, qpn,
		mgid);
}
