/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * ConnectX firmware commands: statuses, names, the common header and the
 * execution of a command through a transport (see hca_cmd.h).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hca_cmd.h"
#include "hca_log.h"

/* ---------------------------------------------------------------------
 * Statuses
 */

/** A command status: its name and the errno it maps to. */
struct hca_cmd_status_desc {
	uint8_t status;
	int err;
	const char *name;
};

/** The status table (documented at hca_cmd_status_errno()). */
static const struct hca_cmd_status_desc hca_cmd_statuses[] = {
	{ HCA_STATUS_OK, 0, "ok" },
	{ HCA_STATUS_INTERNAL_ERR, -EIO, "internal error" },
	{ HCA_STATUS_BAD_OPCODE, -EOPNOTSUPP, "bad opcode" },
	{ HCA_STATUS_BAD_PARAM, -EINVAL, "bad parameter" },
	{ HCA_STATUS_BAD_SYS_STATE, -EIO, "bad system state" },
	{ HCA_STATUS_BAD_RESOURCE, -ENOENT, "bad resource" },
	{ HCA_STATUS_RESOURCE_BUSY, -EBUSY, "resource busy" },
	{ HCA_STATUS_LIMITS_EXCEEDED, -EDQUOT, "limits exceeded" },
	{ HCA_STATUS_BAD_RES_STATE, -EINVAL, "bad resource state" },
	{ HCA_STATUS_BAD_INDEX, -ERANGE, "bad index" },
	{ HCA_STATUS_NO_RESOURCES, -ENOSPC, "no resources" },
	{ HCA_STATUS_BAD_QP_STATE, -EINVAL, "bad QP state" },
	{ HCA_STATUS_BAD_PACKET, -EINVAL, "bad packet" },
	{ HCA_STATUS_BAD_SIZE, -EINVAL, "bad size" },
	{ HCA_STATUS_BAD_INPUT_LEN, -EMSGSIZE, "bad input length" },
	{ HCA_STATUS_BAD_OUTPUT_LEN, -EMSGSIZE, "bad output length" },
};

#define HCA_CMD_NB_STATUSES \
	(sizeof(hca_cmd_statuses) / sizeof(hca_cmd_statuses[0]))

/** The table entry of a status, NULL when the PRM does not define it. */
static const struct hca_cmd_status_desc *
hca_cmd_status_lookup(uint8_t status)
{
	size_t i;

	for (i = 0; i < HCA_CMD_NB_STATUSES; i++)
		if (hca_cmd_statuses[i].status == status)
			return &hca_cmd_statuses[i];
	return NULL;
}

/** Name of a command status, "unknown status" when undefined. */
const char *
hca_cmd_status_name(uint8_t status)
{
	const struct hca_cmd_status_desc *d = hca_cmd_status_lookup(status);

	return d != NULL ? d->name : "unknown status";
}

/** Map a command status to a negative errno (0 for OK; -EIO unknown). */
int
hca_cmd_status_errno(uint8_t status)
{
	const struct hca_cmd_status_desc *d = hca_cmd_status_lookup(status);

	return d != NULL ? d->err : -EIO;
}

/* ---------------------------------------------------------------------
 * Opcode names and error messages
 */

/** An opcode and its PRM name. */
struct hca_cmd_opcode_desc {
	uint16_t opcode;
	const char *name;
	/** Bytes of its output mailbox as the PRM gives them; 0: they
	 * depend on the input (see hca_cmd_out_len()). */
	uint16_t out_len;
};

/** The opcodes of hca_prm.h, with their outputs' lengths. */
static const struct hca_cmd_opcode_desc hca_cmd_opcodes[] = {
	{ HCA_CMD_QUERY_HCA_CAP, "QUERY_HCA_CAP", HCA_QUERY_HCA_CAP_OUT_LEN },
	{ HCA_CMD_CREATE_MKEY, "CREATE_MKEY", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_DESTROY_MKEY, "DESTROY_MKEY", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_CREATE_EQ, "CREATE_EQ", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_DESTROY_EQ, "DESTROY_EQ", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_CREATE_CQ, "CREATE_CQ", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_DESTROY_CQ, "DESTROY_CQ", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_QUERY_CQ, "QUERY_CQ", HCA_QUERY_CQ_OUT_LEN },
	{ HCA_CMD_CREATE_QP, "CREATE_QP", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_DESTROY_QP, "DESTROY_QP", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_RST2INIT_QP, "RST2INIT_QP", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_INIT2RTR_QP, "INIT2RTR_QP", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_RTR2RTS_QP, "RTR2RTS_QP", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_2ERR_QP, "2ERR_QP", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_2RST_QP, "2RST_QP", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_QUERY_QP, "QUERY_QP", HCA_QUERY_QP_OUT_LEN },
	{ HCA_CMD_MAD_IFC, "MAD_IFC", HCA_MAD_IFC_OUT_LEN },
	{ HCA_CMD_QUERY_HCA_VPORT_CONTEXT, "QUERY_HCA_VPORT_CONTEXT",
	  HCA_QUERY_HCA_VPORT_CONTEXT_OUT_LEN },
	{ HCA_CMD_QUERY_HCA_VPORT_GID, "QUERY_HCA_VPORT_GID", 0 },
	{ HCA_CMD_QUERY_HCA_VPORT_PKEY, "QUERY_HCA_VPORT_PKEY", 0 },
	{ HCA_CMD_ALLOC_PD, "ALLOC_PD", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_DEALLOC_PD, "DEALLOC_PD", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_ALLOC_UAR, "ALLOC_UAR", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_ACCESS_REG, "ACCESS_REG", 0 },
	{ HCA_CMD_ATTACH_TO_MCG, "ATTACH_TO_MCG", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_DETACH_FROM_MCG, "DETACH_FROM_MCG", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_CREATE_TIR, "CREATE_TIR", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_DESTROY_TIR, "DESTROY_TIR", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_CREATE_SQ, "CREATE_SQ", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_MODIFY_SQ, "MODIFY_SQ", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_DESTROY_SQ, "DESTROY_SQ", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_CREATE_RQ, "CREATE_RQ", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_MODIFY_RQ, "MODIFY_RQ", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_DESTROY_RQ, "DESTROY_RQ", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_CREATE_TIS, "CREATE_TIS", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_DESTROY_TIS, "DESTROY_TIS", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_CREATE_RQT, "CREATE_RQT", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_MODIFY_RQT, "MODIFY_RQT", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_DESTROY_RQT, "DESTROY_RQT", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_SET_FLOW_TABLE_ROOT, "SET_FLOW_TABLE_ROOT",
	  HCA_CMD_SHORT_LEN },
	{ HCA_CMD_CREATE_FLOW_TABLE, "CREATE_FLOW_TABLE", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_DESTROY_FLOW_TABLE, "DESTROY_FLOW_TABLE", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_CREATE_FLOW_GROUP, "CREATE_FLOW_GROUP", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_DESTROY_FLOW_GROUP, "DESTROY_FLOW_GROUP", HCA_CMD_SHORT_LEN },
	{ HCA_CMD_SET_FLOW_TABLE_ENTRY, "SET_FLOW_TABLE_ENTRY",
	  HCA_CMD_SHORT_LEN },
	{ HCA_CMD_DELETE_FLOW_TABLE_ENTRY, "DELETE_FLOW_TABLE_ENTRY",
	  HCA_CMD_SHORT_LEN },
};

/** Name of an opcode, NULL when not one of hca_prm.h's. */
const char *
hca_cmd_opcode_name(uint16_t opcode)
{
	size_t i;

	for (i = 0; i < sizeof(hca_cmd_opcodes) / sizeof(hca_cmd_opcodes[0]);
			i++)
		if (hca_cmd_opcodes[i].opcode == opcode)
			return hca_cmd_opcodes[i].name;
	return NULL;
}

/* See hca_cmd.h. */
size_t
hca_cmd_out_len(const void *in, size_t in_len, uint32_t gid_table_len,
	uint32_t pkey_table_len)
{
	bool all;
	uint16_t opcode;
	size_t i;

	if (in == NULL || in_len < HCA_IN_HDR_LEN)
		return 0;
	opcode = hca_prm_get(in, HCA_IN_OPCODE);
	switch (opcode) {
	case HCA_CMD_QUERY_HCA_VPORT_GID:
	case HCA_CMD_QUERY_HCA_VPORT_PKEY:
		if (in_len < HCA_VPORT_IN_LEN)
			return 0;
		all = hca_prm_get(in, HCA_VPORT_IN_INDEX) ==
			HCA_VPORT_INDEX_ALL;
		if (opcode == HCA_CMD_QUERY_HCA_VPORT_GID)
			return !all ? HCA_VPORT_GID_OUT_LEN(1) :
				gid_table_len != 0 ?
				HCA_VPORT_GID_OUT_LEN(gid_table_len) : 0;
		return !all ? HCA_VPORT_PKEY_OUT_LEN(1) :
			pkey_table_len != 0 ?
			HCA_VPORT_PKEY_OUT_LEN(pkey_table_len) : 0;
	case HCA_CMD_ACCESS_REG:
		return in_len > HCA_ACCESS_REG_DATA_OFF ?
			HCA_ACCESS_REG_OUT_LEN(in_len -
					       HCA_ACCESS_REG_DATA_OFF) : 0;
	default:
		break;
	}
	for (i = 0; i < sizeof(hca_cmd_opcodes) / sizeof(hca_cmd_opcodes[0]);
			i++)
		if (hca_cmd_opcodes[i].opcode == opcode)
			return hca_cmd_opcodes[i].out_len;
	return 0;
}

/** Format "NAME failed: status name (0xN), syndrome 0xS" into buf. */
int
hca_cmd_format_error(char *buf, size_t size, uint16_t opcode,
	uint8_t status, uint32_t syndrome)
{
	const char *name = hca_cmd_opcode_name(opcode);
	char unknown[sizeof("opcode 0xffff")];

	if (name == NULL) {
		snprintf(unknown, sizeof(unknown), "opcode 0x%x", opcode);
		name = unknown;
	}
	return snprintf(buf, size, "%s failed: %s (0x%x), syndrome 0x%08x",
		name, hca_cmd_status_name(status), status, syndrome);
}

/* ---------------------------------------------------------------------
 * Mailboxes
 */

/** Clear len bytes of an input mailbox and write its header. */
int
hca_cmd_in_start(void *in, size_t size, size_t len, uint16_t opcode,
	uint16_t uid, uint16_t op_mod)
{
	if (in == NULL || size < len)
		return -ENOSPC;
	memset(in, 0, len);
	hca_prm_set(in, HCA_IN_OPCODE, opcode);
	hca_prm_set(in, HCA_IN_UID, uid);
	hca_prm_set(in, HCA_IN_OP_MOD, op_mod);
	return 0;
}

/** Check an output mailbox's length, then its status. */
int
hca_cmd_check_out(const void *out, size_t out_len, size_t min_len,
	uint8_t *status, uint32_t *syndrome)
{
	uint8_t st;

	if (out == NULL || out_len < 8)
		return -EPROTO;
	st = hca_prm_get(out, HCA_OUT_STATUS);
	if (status != NULL)
		*status = st;
	if (syndrome != NULL)
		*syndrome = hca_prm_get(out, HCA_OUT_SYNDROME);
	if (out_len < min_len)
		return -EPROTO;
	return hca_cmd_status_errno(st);
}

/* ---------------------------------------------------------------------
 * Short commands: header and one object number
 */

/**
 * Encode a 16-byte command that carries one object number (destroy,
 * dealloc, 2ERR, 2RST, QUERY_QP).
 * @return HCA_CMD_SHORT_LEN or -errno.
 */
int
hca_cmd_obj_in(void *in, size_t size, uint16_t opcode, uint16_t uid,
	uint32_t obj)
{
	int rc = hca_cmd_in_start(in, size, HCA_CMD_SHORT_LEN, opcode, uid, 0);

	if (rc != 0)
		return rc;
	if (hca_prm_set(in, HCA_CMD_OBJ_NUM, obj) != 0)
		return -ERANGE;
	return HCA_CMD_SHORT_LEN;
}

/**
 * Decode the object number that a create/alloc command returns.
 * @return 0 or -errno.
 */
int
hca_cmd_obj_out(const void *out, size_t len, uint32_t *obj)
{
	int rc = hca_cmd_check_out(out, len, HCA_CMD_SHORT_LEN, NULL, NULL);

	if (rc != 0)
		return rc;
	*obj = hca_prm_get(out, HCA_CMD_OBJ_NUM);
	return 0;
}

/* ---------------------------------------------------------------------
 * Execution
 */

/** Execute a command through a transport; log and map any failure. */
int
hca_cmd_exec(const struct hca_cmd_transport *t, const void *in,
	size_t in_len, void *out, size_t out_len, size_t min_out)
{
	uint16_t opcode;
	const char *name;
	uint32_t syndrome = 0;
	uint8_t status = 0;
	char msg[128];
	int n, rc;

	if (t == NULL || t->ops == NULL || t->ops->exec == NULL ||
			in == NULL || in_len < HCA_IN_HDR_LEN)
		return -EINVAL;
	opcode = hca_prm_get(in, HCA_IN_OPCODE);
	name = hca_cmd_opcode_name(opcode);
	n = t->ops->exec(t->ctx, in, in_len, out, out_len);
	if (n < 0) {
		HCA_LOG(ERR, "%s (0x%x): %s transport: %s",
			name != NULL ? name : "command", opcode,
			t->ops->name != NULL ? t->ops->name : "the",
			strerror(-n));
		return n;
	}
	rc = hca_cmd_check_out(out, (size_t)n < out_len ? (size_t)n : out_len,
		min_out, &status, &syndrome);
	if (rc == -EPROTO) {
		HCA_LOG(ERR, "%s (0x%x): short output, %d of %zu bytes",
			name != NULL ? name : "command", opcode, n, min_out);
	} else if (rc != 0) {
		hca_cmd_format_error(msg, sizeof(msg), opcode, status,
			syndrome);
		HCA_LOG(ERR, "%s", msg);
	}
	return rc;
}
