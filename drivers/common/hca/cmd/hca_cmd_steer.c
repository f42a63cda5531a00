/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * ConnectX firmware commands of receive side scaling and flow steering
 * (see hca_cmd.h): the RQ table, the TIR that hashes over it, and the
 * receive flow table (table, group, entry, root) that leads an underlay
 * QP's datagrams to the TIR.
 */

#include <errno.h>
#include <string.h>

#include "hca_cmd.h"

/* ---------------------------------------------------------------------
 * RQ tables
 */

/** Encode CREATE_RQT (rqtn 0) or MODIFY_RQT (its RQ list). */
int
hca_cmd_rqt_in(void *in, size_t size, uint16_t uid, uint32_t rqtn,
	const uint32_t *rqns, unsigned int n, uint16_t max_size)
{
	uint8_t *rqtc = (uint8_t *)in + HCA_RQT_IN_CTX_OFF;
	uint8_t *list = rqtc + HCA_RQTC_RQ_NUM_OFF;
	size_t len = HCA_RQT_IN_LEN(n);
	unsigned int i;
	int rc;

	if (rqns == NULL || n == 0 || n > HCA_CMD_RQT_MAX || n > max_size)
		return -EINVAL;
	rc = hca_cmd_in_start(in, size, len, rqtn != 0 ? HCA_CMD_MODIFY_RQT :
		HCA_CMD_CREATE_RQT, uid, 0);
	if (rc != 0)
		return rc;
	if (rqtn != 0) {
		rc |= hca_prm_set(in, HCA_CMD_OBJ_NUM, rqtn);
		rc |= hca_prm_set(in, HCA_MODIFY_RQT_IN_BITMASK,
			HCA_MODIFY_RQT_BITMASK_RQN_LIST);
	}
	rc |= hca_prm_set(rqtc, HCA_RQTC_RQT_MAX_SIZE, max_size);
	rc |= hca_prm_set(rqtc, HCA_RQTC_RQT_ACTUAL_SIZE, n);
	for (i = 0; i < n; i++)
		rc |= hca_prm_set(list + 4 * i, HCA_RQT_ENTRY_RQN, rqns[i]);
	return rc != 0 ? -ERANGE : (int)len;
}

/** Encode DESTROY_RQT. */
int
hca_cmd_destroy_rqt_in(void *in, size_t size, uint16_t uid, uint32_t rqtn)
{
	return hca_cmd_obj_in(in, size, HCA_CMD_DESTROY_RQT, uid, rqtn);
}

/* ---------------------------------------------------------------------
 * TIR
 */

/** Encode CREATE_TIR: indirect over an RQ table, Toeplitz hash. */
int
hca_cmd_create_tir_in(void *in, size_t size, const struct hca_cmd_tir *tir)
{
	uint8_t *tirc = (uint8_t *)in + HCA_CREATE_TIR_IN_CTX_OFF;
	int rc = hca_cmd_in_start(in, size, HCA_CREATE_TIR_IN_LEN,
		HCA_CMD_CREATE_TIR, tir->uid, 0);

	if (rc != 0)
		return rc;
	rc |= hca_prm_set(tirc, HCA_TIRC_DISP_TYPE, HCA_TIRC_DISP_INDIRECT);
	rc |= hca_prm_set(tirc, HCA_TIRC_INDIRECT_TABLE, tir->rqtn);
	rc |= hca_prm_set(tirc, HCA_TIRC_RX_HASH_FN,
		HCA_TIRC_HASH_FN_TOEPLITZ);
	rc |= hca_prm_set(tirc, HCA_TIRC_TRANSPORT_DOMAIN,
		tir->transport_domain);
	rc |= hca_prm_set(tirc, HCA_TIRC_HASH_L3_PROT_TYPE,
		tir->l3_prot_type);
	rc |= hca_prm_set(tirc, HCA_TIRC_HASH_L4_PROT_TYPE,
		tir->l4_prot_type);
	rc |= hca_prm_set(tirc, HCA_TIRC_HASH_SELECTED_FIELDS,
		tir->selected_fields);
	memcpy(tirc + HCA_TIRC_TOEPLITZ_KEY_OFF, tir->toeplitz_key,
		HCA_TIRC_TOEPLITZ_KEY_LEN);
	return rc != 0 ? -ERANGE : HCA_CREATE_TIR_IN_LEN;
}

/** Encode DESTROY_TIR. */
int
hca_cmd_destroy_tir_in(void *in, size_t size, uint16_t uid, uint32_t tirn)
{
	return hca_cmd_obj_in(in, size, HCA_CMD_DESTROY_TIR, uid, tirn);
}

/* ---------------------------------------------------------------------
 * Flow tables
 */

/**
 * Start a 64-byte flow steering input that names a table (destroy
 * table, set root, destroy group, delete entry).
 * @return 0 or -errno.
 */
static int
hca_cmd_ft_short_in(void *in, size_t size, uint16_t opcode, uint16_t uid,
	uint8_t table_type, uint32_t table_id)
{
	int rc = hca_cmd_in_start(in, size, HCA_FT_SHORT_IN_LEN, opcode, uid,
		0);

	if (rc != 0)
		return rc;
	rc |= hca_prm_set(in, HCA_FT_IN_TABLE_TYPE, table_type);
	rc |= hca_prm_set(in, HCA_FT_IN_TABLE_ID, table_id);
	return rc != 0 ? -ERANGE : 0;
}

/** Encode CREATE_FLOW_TABLE: type, level, size. */
int
hca_cmd_create_flow_table_in(void *in, size_t size,
	const struct hca_cmd_flow_table *ft)
{
	uint8_t *ftc = (uint8_t *)in + HCA_CREATE_FT_IN_CTX_OFF;
	int rc = hca_cmd_in_start(in, size, HCA_CREATE_FT_IN_LEN,
		HCA_CMD_CREATE_FLOW_TABLE, ft->uid, 0);

	if (rc != 0)
		return rc;
	rc |= hca_prm_set(in, HCA_FT_IN_TABLE_TYPE, ft->table_type);
	rc |= hca_prm_set(ftc, HCA_FTC_LEVEL, ft->level);
	rc |= hca_prm_set(ftc, HCA_FTC_LOG_SIZE, ft->log_size);
	return rc != 0 ? -ERANGE : HCA_CREATE_FT_IN_LEN;
}

/** Encode DESTROY_FLOW_TABLE. */
int
hca_cmd_destroy_flow_table_in(void *in, size_t size, uint16_t uid,
	uint8_t table_type, uint32_t table_id)
{
	int rc = hca_cmd_ft_short_in(in, size, HCA_CMD_DESTROY_FLOW_TABLE,
		uid, table_type, table_id);

	return rc != 0 ? rc : HCA_FT_SHORT_IN_LEN;
}

/** Encode SET_FLOW_TABLE_ROOT for an underlay QP (or its disconnect). */
int
hca_cmd_set_flow_table_root_in(void *in, size_t size, uint16_t uid,
	uint8_t table_type, uint32_t table_id, uint32_t underlay_qpn,
	bool disconnect)
{
	int rc = hca_cmd_ft_short_in(in, size, HCA_CMD_SET_FLOW_TABLE_ROOT,
		uid, table_type, disconnect ? 0 : table_id);

	if (rc != 0)
		return rc;
	if (disconnect)
		hca_prm_set(in, HCA_IN_OP_MOD, HCA_SET_FT_ROOT_DISCONNECT);
	if (hca_prm_set(in, HCA_SET_FT_ROOT_IN_UNDERLAY_QPN, underlay_qpn))
		return -ERANGE;
	return HCA_FT_SHORT_IN_LEN;
}

/** Encode CREATE_FLOW_GROUP: an index range, no match criteria. */
int
hca_cmd_create_flow_group_in(void *in, size_t size,
	const struct hca_cmd_flow_group *fg)
{
	int rc = hca_cmd_in_start(in, size, HCA_CREATE_FG_IN_LEN,
		HCA_CMD_CREATE_FLOW_GROUP, fg->uid, 0);

	if (rc != 0)
		return rc;
	if (fg->end_index < fg->start_index)
		return -EINVAL;
	rc |= hca_prm_set(in, HCA_FT_IN_TABLE_TYPE, fg->table_type);
	rc |= hca_prm_set(in, HCA_FT_IN_TABLE_ID, fg->table_id);
	rc |= hca_prm_set(in, HCA_CREATE_FG_IN_START_INDEX, fg->start_index);
	rc |= hca_prm_set(in, HCA_CREATE_FG_IN_END_INDEX, fg->end_index);
	rc |= hca_prm_set(in, HCA_CREATE_FG_IN_MATCH_CRITERIA_ENABLE, 0);
	return rc != 0 ? -ERANGE : HCA_CREATE_FG_IN_LEN;
}

/** Encode DESTROY_FLOW_GROUP. */
int
hca_cmd_destroy_flow_group_in(void *in, size_t size, uint16_t uid,
	uint8_t table_type, uint32_t table_id, uint32_t group_id)
{
	int rc = hca_cmd_ft_short_in(in, size, HCA_CMD_DESTROY_FLOW_GROUP,
		uid, table_type, table_id);

	if (rc != 0)
		return rc;
	hca_prm_set(in, HCA_DESTROY_FG_IN_GROUP_ID, group_id);
	return HCA_FT_SHORT_IN_LEN;
}

/** Encode SET_FLOW_TABLE_ENTRY: match all, forward to one destination. */
int
hca_cmd_set_fte_in(void *in, size_t size, const struct hca_cmd_fte *fte)
{
	uint8_t *fc = (uint8_t *)in + HCA_SET_FTE_IN_CTX_OFF;
	uint8_t *dest = fc + HCA_FLOW_CTX_DEST_OFF;
	int rc = hca_cmd_in_start(in, size, HCA_SET_FTE_IN_LEN,
		HCA_CMD_SET_FLOW_TABLE_ENTRY, fte->uid, 0);

	if (rc != 0)
		return rc;
	rc |= hca_prm_set(in, HCA_FT_IN_TABLE_TYPE, fte->table_type);
	rc |= hca_prm_set(in, HCA_FT_IN_TABLE_ID, fte->table_id);
	rc |= hca_prm_set(in, HCA_SET_FTE_IN_FLOW_INDEX, fte->flow_index);
	rc |= hca_prm_set(fc, HCA_FLOW_CTX_GROUP_ID, fte->group_id);
	rc |= hca_prm_set(fc, HCA_FLOW_CTX_ACTION, HCA_FLOW_ACTION_FWD_DEST);
	rc |= hca_prm_set(fc, HCA_FLOW_CTX_DEST_LIST_SIZE, 1);
	rc |= hca_prm_set(dest, HCA_DEST_TYPE, fte->dest_type);
	rc |= hca_prm_set(dest, HCA_DEST_ID, fte->dest_id);
	return rc != 0 ? -ERANGE : HCA_SET_FTE_IN_LEN;
}

/** Encode DELETE_FLOW_TABLE_ENTRY. */
int
hca_cmd_delete_fte_in(void *in, size_t size, uint16_t uid,
	uint8_t table_type, uint32_t table_id, uint32_t flow_index)
{
	int rc = hca_cmd_ft_short_in(in, size,
		HCA_CMD_DELETE_FLOW_TABLE_ENTRY, uid, table_type, table_id);

	if (rc != 0)
		return rc;
	hca_prm_set(in, HCA_DELETE_FTE_IN_FLOW_INDEX, flow_index);
	return HCA_FT_SHORT_IN_LEN;
}
