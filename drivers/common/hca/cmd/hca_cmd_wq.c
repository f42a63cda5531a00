/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * ConnectX firmware commands of send and receive queues and of the TIS
 * (see hca_cmd.h): CREATE_SQ, MODIFY_SQ, CREATE_RQ, MODIFY_RQ,
 * CREATE_TIS and their destroys.
 */

#include <errno.h>

#include "hca_cmd.h"

/* ---------------------------------------------------------------------
 * The wq structure
 */

/**
 * Write the wq structure of an SQ or RQ context: a cyclic ring and its
 * doorbell record, both in UMEMs.
 * @return 0 or -ERANGE.
 */
static int
hca_cmd_wq_set(uint8_t *wq, const struct hca_cmd_wq *w)
{
	int rc = 0;

	rc |= hca_prm_set(wq, HCA_WQ_TYPE, HCA_WQ_TYPE_CYCLIC);
	rc |= hca_prm_set(wq, HCA_WQ_PD, w->pdn);
	rc |= hca_prm_set(wq, HCA_WQ_UAR_PAGE, w->uar_page);
	rc |= hca_prm_set(wq, HCA_WQ_DBR_ADDR, w->dbr_addr);
	rc |= hca_prm_set(wq, HCA_WQ_LOG_WQ_STRIDE, w->log_wq_stride);
	rc |= hca_prm_set(wq, HCA_WQ_LOG_WQ_PG_SZ, w->log_wq_pg_sz);
	rc |= hca_prm_set(wq, HCA_WQ_LOG_WQ_SZ, w->log_wq_sz);
	rc |= hca_prm_set(wq, HCA_WQ_DBR_UMEM_VALID, 1);
	rc |= hca_prm_set(wq, HCA_WQ_WQ_UMEM_VALID, 1);
	rc |= hca_prm_set(wq, HCA_WQ_DBR_UMEM_ID, w->dbr_umem_id);
	rc |= hca_prm_set(wq, HCA_WQ_WQ_UMEM_ID, w->wq_umem_id);
	rc |= hca_prm_set(wq, HCA_WQ_WQ_UMEM_OFFSET, w->wq_umem_offset);
	return rc != 0 ? -ERANGE : 0;
}

/**
 * Encode MODIFY_SQ or MODIFY_RQ: the current state and the object in
 * the header part, the new state in the context, no other field.
 * @return the input length or -errno.
 */
static int
hca_cmd_modify_wq_in(void *in, size_t size, uint16_t opcode, uint16_t uid,
	uint32_t num, uint8_t cur, uint8_t next)
{
	uint8_t *ctx = (uint8_t *)in + HCA_WQ_IN_CTX_OFF;
	int rc = hca_cmd_in_start(in, size, HCA_MODIFY_WQ_IN_LEN, opcode, uid,
		0);

	if (rc != 0)
		return rc;
	rc |= hca_prm_set(in, HCA_MODIFY_WQ_IN_STATE, cur);
	rc |= hca_prm_set(in, HCA_CMD_OBJ_NUM, num);
	rc |= hca_prm_set(in, HCA_MODIFY_WQ_IN_BITMASK,
		HCA_MODIFY_WQ_BITMASK_NONE);
	/* the state field is at the same place in the SQ and RQ contexts */
	rc |= hca_prm_set(ctx, HCA_SQC_STATE, next);
	return rc != 0 ? -ERANGE : HCA_MODIFY_WQ_IN_LEN;
}

/* ---------------------------------------------------------------------
 * Send queues
 */

/** Encode CREATE_SQ: its CQ, its one TIS, its ring. */
int
hca_cmd_create_sq_in(void *in, size_t size, const struct hca_cmd_sq *sq)
{
	uint8_t *sqc = (uint8_t *)in + HCA_WQ_IN_CTX_OFF;
	int rc = hca_cmd_in_start(in, size, HCA_CREATE_WQ_IN_LEN,
		HCA_CMD_CREATE_SQ, sq->uid, 0);

	if (rc != 0)
		return rc;
	rc |= hca_prm_set(sqc, HCA_SQC_FLUSH_IN_ERROR_EN, 1);
	rc |= hca_prm_set(sqc, HCA_SQC_STATE, HCA_WQ_STATE_RST);
	rc |= hca_prm_set(sqc, HCA_SQC_USER_INDEX, sq->user_index);
	rc |= hca_prm_set(sqc, HCA_SQC_CQN, sq->cqn);
	rc |= hca_prm_set(sqc, HCA_SQC_TIS_LST_SZ, 1);
	rc |= hca_prm_set(sqc, HCA_SQC_TIS_NUM_0, sq->tisn);
	if (rc != 0)
		return -ERANGE;
	rc = hca_cmd_wq_set(sqc + HCA_SQC_WQ_OFF, &sq->wq);
	return rc != 0 ? rc : HCA_CREATE_WQ_IN_LEN;
}

/** Encode MODIFY_SQ. */
int
hca_cmd_modify_sq_in(void *in, size_t size, uint16_t uid, uint32_t sqn,
	uint8_t cur, uint8_t next)
{
	return hca_cmd_modify_wq_in(in, size, HCA_CMD_MODIFY_SQ, uid, sqn,
		cur, next);
}

/** Encode DESTROY_SQ. */
int
hca_cmd_destroy_sq_in(void *in, size_t size, uint16_t uid, uint32_t sqn)
{
	return hca_cmd_obj_in(in, size, HCA_CMD_DESTROY_SQ, uid, sqn);
}

/* ---------------------------------------------------------------------
 * Receive queues
 */

/** Encode CREATE_RQ: its CQ, its ring (a memory RQ). */
int
hca_cmd_create_rq_in(void *in, size_t size, const struct hca_cmd_rq *rq)
{
	uint8_t *rqc = (uint8_t *)in + HCA_WQ_IN_CTX_OFF;
	int rc = hca_cmd_in_start(in, size, HCA_CREATE_WQ_IN_LEN,
		HCA_CMD_CREATE_RQ, rq->uid, 0);

	if (rc != 0)
		return rc;
	rc |= hca_prm_set(rqc, HCA_RQC_VSD, rq->vsd);
	rc |= hca_prm_set(rqc, HCA_RQC_MEM_RQ_TYPE, 0);
	rc |= hca_prm_set(rqc, HCA_RQC_STATE, HCA_WQ_STATE_RST);
	rc |= hca_prm_set(rqc, HCA_RQC_FLUSH_IN_ERROR_EN, 1);
	rc |= hca_prm_set(rqc, HCA_RQC_USER_INDEX, rq->user_index);
	rc |= hca_prm_set(rqc, HCA_RQC_CQN, rq->cqn);
	if (rc != 0)
		return -ERANGE;
	rc = hca_cmd_wq_set(rqc + HCA_RQC_WQ_OFF, &rq->wq);
	return rc != 0 ? rc : HCA_CREATE_WQ_IN_LEN;
}

/** Encode MODIFY_RQ. */
int
hca_cmd_modify_rq_in(void *in, size_t size, uint16_t uid, uint32_t rqn,
	uint8_t cur, uint8_t next)
{
	return hca_cmd_modify_wq_in(in, size, HCA_CMD_MODIFY_RQ, uid, rqn,
		cur, next);
}

/** Encode DESTROY_RQ. */
int
hca_cmd_destroy_rq_in(void *in, size_t size, uint16_t uid, uint32_t rqn)
{
	return hca_cmd_obj_in(in, size, HCA_CMD_DESTROY_RQ, uid, rqn);
}

/* ---------------------------------------------------------------------
 * TIS
 */

/** Encode CREATE_TIS: priority, transport domain, underlay QP. */
int
hca_cmd_create_tis_in(void *in, size_t size, const struct hca_cmd_tis *tis)
{
	uint8_t *tisc = (uint8_t *)in + HCA_CREATE_TIS_IN_CTX_OFF;
	int rc = hca_cmd_in_start(in, size, HCA_CREATE_TIS_IN_LEN,
		HCA_CMD_CREATE_TIS, tis->uid, 0);

	if (rc != 0)
		return rc;
	rc |= hca_prm_set(tisc, HCA_TISC_PRIO, tis->prio);
	rc |= hca_prm_set(tisc, HCA_TISC_TRANSPORT_DOMAIN,
		tis->transport_domain);
	rc |= hca_prm_set(tisc, HCA_TISC_UNDERLAY_QPN, tis->underlay_qpn);
	return rc != 0 ? -ERANGE : HCA_CREATE_TIS_IN_LEN;
}

/** Encode DESTROY_TIS. */
int
hca_cmd_destroy_tis_in(void *in, size_t size, uint16_t uid, uint32_t tisn)
{
	return hca_cmd_obj_in(in, size, HCA_CMD_DESTROY_TIS, uid, tisn);
}
