/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * ConnectX firmware commands of event queues and completion queues (see
 * hca_cmd.h).
 */

#include <errno.h>

#include "hca_cmd.h"

/* ---------------------------------------------------------------------
 * Event queues
 */

/** Encode CREATE_EQ: context, event bitmask, ring page addresses. */
int
hca_cmd_create_eq_in(void *in, size_t size, const struct hca_cmd_eq *eq)
{
	uint8_t *eqc = (uint8_t *)in + HCA_CREATE_EQ_IN_EQC_OFF;
	uint8_t *mask = (uint8_t *)in + HCA_CREATE_EQ_IN_EVENT_BITMASK_OFF;
	uint8_t *pas = (uint8_t *)in + HCA_CREATE_EQ_IN_PAS_OFF;
	size_t len = HCA_CREATE_EQ_IN_PAS_OFF + (size_t)eq->npas * 8;
	unsigned int i;
	int rc;

	if (eq->npas != 0 && eq->pas == NULL)
		return -EINVAL;
	rc = hca_cmd_in_start(in, size, len, HCA_CMD_CREATE_EQ, eq->uid, 0);
	if (rc != 0)
		return rc;
	rc |= hca_prm_set(eqc, HCA_EQC_LOG_EQ_SIZE, eq->log_eq_size);
	rc |= hca_prm_set(eqc, HCA_EQC_UAR_PAGE, eq->uar_page);
	rc |= hca_prm_set(eqc, HCA_EQC_INTR, eq->intr);
	rc |= hca_prm_set(eqc, HCA_EQC_LOG_PAGE_SIZE, eq->log_page_size);
	for (i = 0; i < 4; i++)
		hca_prm_set(mask + i * 8, 0, 64, eq->event_bitmask[i]);
	for (i = 0; i < eq->npas; i++)
		hca_prm_set(pas + i * 8, 0, 64, eq->pas[i]);
	return rc != 0 ? -ERANGE : (int)len;
}

/** Decode CREATE_EQ. */
int
hca_cmd_create_eq_out(const void *out, size_t len, uint8_t *eqn)
{
	int rc = hca_cmd_check_out(out, len, HCA_CMD_SHORT_LEN, NULL, NULL);

	if (rc != 0)
		return rc;
	*eqn = hca_prm_get(out, HCA_CREATE_EQ_OUT_EQN);
	return 0;
}

/** Encode DESTROY_EQ: the header and the EQ number. */
int
hca_cmd_destroy_eq_in(void *in, size_t size, uint16_t uid, uint8_t eqn)
{
	int rc = hca_cmd_in_start(in, size, HCA_CMD_SHORT_LEN,
				  HCA_CMD_DESTROY_EQ, uid, 0);

	if (rc < 0)
		return rc;
	hca_prm_set(in, HCA_DESTROY_EQ_IN_EQN, eqn);
	return HCA_CMD_SHORT_LEN;
}

/* ---------------------------------------------------------------------
 * Completion queues
 */

/** Encode CREATE_CQ with its ring and doorbell record in UMEMs. */
int
hca_cmd_create_cq_in(void *in, size_t size, const struct hca_cmd_cq *cq)
{
	uint8_t *cqc = (uint8_t *)in + HCA_CREATE_CQ_IN_CQC_OFF;
	int rc = hca_cmd_in_start(in, size, HCA_CREATE_CQ_IN_LEN,
		HCA_CMD_CREATE_CQ, cq->uid, 0);

	if (rc != 0)
		return rc;
	rc |= hca_prm_set(cqc, HCA_CQC_CQE_SZ, cq->cqe_sz);
	rc |= hca_prm_set(cqc, HCA_CQC_LOG_CQ_SIZE, cq->log_cq_size);
	rc |= hca_prm_set(cqc, HCA_CQC_UAR_PAGE, cq->uar_page);
	rc |= hca_prm_set(cqc, HCA_CQC_C_EQN, cq->c_eqn);
	rc |= hca_prm_set(cqc, HCA_CQC_LOG_PAGE_SIZE, cq->log_page_size);
	rc |= hca_prm_set(cqc, HCA_CQC_DBR_UMEM_VALID, 1);
	rc |= hca_prm_set(cqc, HCA_CQC_DBR_UMEM_ID, cq->dbr_umem_id);
	rc |= hca_prm_set(cqc, HCA_CQC_DBR_ADDR, cq->dbr_addr);
	rc |= hca_prm_set(in, HCA_CREATE_CQ_IN_UMEM_VALID, 1);
	rc |= hca_prm_set(in, HCA_CREATE_CQ_IN_UMEM_ID, cq->cq_umem_id);
	rc |= hca_prm_set(in, HCA_CREATE_CQ_IN_UMEM_OFFSET,
		cq->cq_umem_offset);
	return rc != 0 ? -ERANGE : HCA_CREATE_CQ_IN_LEN;
}

/** Decode CREATE_CQ. */
int
hca_cmd_create_cq_out(const void *out, size_t len, uint32_t *cqn)
{
	return hca_cmd_obj_out(out, len, cqn);
}

/** Encode DESTROY_CQ. */
int
hca_cmd_destroy_cq_in(void *in, size_t size, uint16_t uid, uint32_t cqn)
{
	return hca_cmd_obj_in(in, size, HCA_CMD_DESTROY_CQ, uid, cqn);
}
