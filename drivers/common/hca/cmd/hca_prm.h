/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_PRM_H
#define HCA_PRM_H

/**
 * @file
 * ConnectX firmware command layouts (the PRM): one bit-field helper and
 * the fields of the mailboxes a UD IPoIB port uses.
 *
 * A mailbox is a sequence of big-endian 32-bit words. The PRM names a
 * field by its bit offset from the start of its structure and its width;
 * bit 0 is the most significant bit of the first word (bit 31 of dword
 * 0), so a field at offset o with width w lives in dword o / 32, from bit
 * 31 - o % 32 down to bit 32 - o % 32 - w. Fields never cross a dword
 * boundary, except 64-bit fields, which start on one.
 *
 * Each field below is a pair "bit offset, width" (HCA_PRM_FIELD) relative
 * to its own structure; a structure nested in a mailbox (QP context in
 * CREATE_QP, address path in a QP context, ...) has a byte offset
 * (*_OFF) that the caller adds to the mailbox pointer. The offsets were
 * written from the PRM as published in rdma-core's mlx5 provider, DPDK's
 * drivers/common/mlx5 and Linux's mlx5 core, and are checked against
 * rdma-core's independent decoder by the prm_layout test.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

/** A field: bit offset from its structure's start, then width in bits. */
#define HCA_PRM_FIELD(bit, width) (bit), (width)

/**
 * Write a value into a field of a big-endian mailbox.
 *
 * @param mb     the structure holding the field (its first byte).
 * @param bit    the field's bit offset (PRM numbering, see above).
 * @param width  its width: 1..32 inside one dword, or 64 on a dword
 *               boundary.
 * @param value  the value. A value wider than the field is refused: the
 *               field is left as it was.
 * @return 0, -ERANGE when the value does not fit the width, -EINVAL for
 *         a field shape the PRM never uses (width 0, 33..63 or over 64,
 *         a 1..32-bit field crossing a dword, a 64-bit field off a dword
 *         boundary).
 */
static inline int
hca_prm_set(void *mb, unsigned int bit, unsigned int width, uint64_t value)
{
	uint8_t *dw = (uint8_t *)mb + (bit / 32) * 4;
	unsigned int shift = 32 - bit % 32 - width;
	uint32_t word, mask;

	if (width == 64) {
		if (bit % 32 != 0)
			return -EINVAL;
		hca_prm_set(dw, 0, 32, value >> 32);
		return hca_prm_set(dw + 4, 0, 32, value & 0xffffffffu);
	}
	if (width == 0 || width > 32 || bit % 32 + width > 32)
		return -EINVAL;
	mask = width == 32 ? 0xffffffffu : (1u << width) - 1;
	if (value > mask)
		return -ERANGE;
	word = (uint32_t)dw[0] << 24 | (uint32_t)dw[1] << 16 |
		(uint32_t)dw[2] << 8 | dw[3];
	word = (word & ~(mask << shift)) | ((uint32_t)value << shift);
	dw[0] = word >> 24;
	dw[1] = word >> 16;
	dw[2] = word >> 8;
	dw[3] = word;
	return 0;
}

/**
 * Read a field of a big-endian mailbox.
 *
 * @param mb     the structure holding the field.
 * @param bit    the field's bit offset.
 * @param width  its width (as for hca_prm_set()).
 * @return the value; 0 for a field shape the PRM never uses.
 */
static inline uint64_t
hca_prm_get(const void *mb, unsigned int bit, unsigned int width)
{
	const uint8_t *dw = (const uint8_t *)mb + (bit / 32) * 4;
	uint32_t word, mask;

	if (width == 64) {
		if (bit % 32 != 0)
			return 0;
		return hca_prm_get(dw, 0, 32) << 32 |
			hca_prm_get(dw + 4, 0, 32);
	}
	if (width == 0 || width > 32 || bit % 32 + width > 32)
		return 0;
	mask = width == 32 ? 0xffffffffu : (1u << width) - 1;
	word = (uint32_t)dw[0] << 24 | (uint32_t)dw[1] << 16 |
		(uint32_t)dw[2] << 8 | dw[3];
	return (word >> (32 - bit % 32 - width)) & mask;
}

/* ---------------------------------------------------------------------
 * Command header and opcodes
 */

/** Every input mailbox starts with these. */
#define HCA_IN_OPCODE           HCA_PRM_FIELD(0x00, 16)
#define HCA_IN_UID              HCA_PRM_FIELD(0x10, 16)
#define HCA_IN_OP_MOD           HCA_PRM_FIELD(0x30, 16)
/** Every output mailbox starts with these. */
#define HCA_OUT_STATUS          HCA_PRM_FIELD(0x00, 8)
#define HCA_OUT_SYNDROME        HCA_PRM_FIELD(0x20, 32)
/** Size of the output header (status, syndrome, 8 more bytes). */
#define HCA_OUT_HDR_LEN 16
/** Size of the input header (opcode, uid, op_mod). */
#define HCA_IN_HDR_LEN 8

/** Opcodes. */
#define HCA_CMD_QUERY_HCA_CAP           0x100
#define HCA_CMD_CREATE_MKEY             0x200
#define HCA_CMD_DESTROY_MKEY            0x202
#define HCA_CMD_CREATE_EQ               0x301
#define HCA_CMD_DESTROY_EQ              0x302
#define HCA_CMD_CREATE_CQ               0x400
#define HCA_CMD_DESTROY_CQ              0x401
#define HCA_CMD_QUERY_CQ                0x402
#define HCA_CMD_CREATE_QP               0x500
#define HCA_CMD_DESTROY_QP              0x501
#define HCA_CMD_RST2INIT_QP             0x502
#define HCA_CMD_INIT2RTR_QP             0x503
#define HCA_CMD_RTR2RTS_QP              0x504
#define HCA_CMD_2ERR_QP                 0x507
#define HCA_CMD_2RST_QP                 0x50a
#define HCA_CMD_QUERY_QP                0x50b
#define HCA_CMD_MAD_IFC                 0x50d
#define HCA_CMD_QUERY_HCA_VPORT_CONTEXT 0x762
#define HCA_CMD_QUERY_HCA_VPORT_GID     0x764
#define HCA_CMD_QUERY_HCA_VPORT_PKEY    0x765
#define HCA_CMD_ALLOC_PD                0x800
#define HCA_CMD_DEALLOC_PD              0x801
#define HCA_CMD_ALLOC_UAR               0x802
#define HCA_CMD_ACCESS_REG              0x805
#define HCA_CMD_ATTACH_TO_MCG           0x806
#define HCA_CMD_DETACH_FROM_MCG         0x807
#define HCA_CMD_CREATE_TIR              0x900
#define HCA_CMD_DESTROY_TIR             0x902
#define HCA_CMD_CREATE_SQ               0x904
#define HCA_CMD_MODIFY_SQ               0x905
#define HCA_CMD_DESTROY_SQ              0x906
#define HCA_CMD_CREATE_RQ               0x908
#define HCA_CMD_MODIFY_RQ               0x909
#define HCA_CMD_DESTROY_RQ              0x90a
#define HCA_CMD_CREATE_TIS              0x912
#define HCA_CMD_DESTROY_TIS             0x914
#define HCA_CMD_CREATE_RQT              0x916
#define HCA_CMD_MODIFY_RQT              0x917
#define HCA_CMD_DESTROY_RQT             0x918
#define HCA_CMD_SET_FLOW_TABLE_ROOT     0x92f
#define HCA_CMD_CREATE_FLOW_TABLE       0x930
#define HCA_CMD_DESTROY_FLOW_TABLE      0x931
#define HCA_CMD_CREATE_FLOW_GROUP       0x933
#define HCA_CMD_DESTROY_FLOW_GROUP      0x934
#define HCA_CMD_SET_FLOW_TABLE_ENTRY    0x936
#define HCA_CMD_DELETE_FLOW_TABLE_ENTRY 0x938

/** Command statuses (output header). */
#define HCA_STATUS_OK                   0x00
#define HCA_STATUS_INTERNAL_ERR         0x01
#define HCA_STATUS_BAD_OPCODE           0x02
#define HCA_STATUS_BAD_PARAM            0x03
#define HCA_STATUS_BAD_SYS_STATE        0x04
#define HCA_STATUS_BAD_RESOURCE         0x05
#define HCA_STATUS_RESOURCE_BUSY        0x06
#define HCA_STATUS_LIMITS_EXCEEDED      0x08
#define HCA_STATUS_BAD_RES_STATE        0x09
#define HCA_STATUS_BAD_INDEX            0x0a
#define HCA_STATUS_NO_RESOURCES         0x0f
#define HCA_STATUS_BAD_QP_STATE         0x10
#define HCA_STATUS_BAD_PACKET           0x30
#define HCA_STATUS_BAD_SIZE             0x40
#define HCA_STATUS_BAD_INPUT_LEN        0x50
#define HCA_STATUS_BAD_OUTPUT_LEN       0x51

/* ---------------------------------------------------------------------
 * Fields shared by many commands (after the header)
 */

/** An object number (qpn, cqn, pd, mkey index) in dword 2 of an input or
 * output mailbox. */
#define HCA_CMD_OBJ_NUM         HCA_PRM_FIELD(0x48, 24)
/** Length of the short commands (destroy, dealloc, 2ERR, 2RST, QUERY_QP
 * input; most outputs). */
#define HCA_CMD_SHORT_LEN 16

/* ---------------------------------------------------------------------
 * QUERY_HCA_CAP
 */

#define HCA_QUERY_HCA_CAP_IN_LEN 16
/** Output: header, then the capability structure (4096 bytes). */
#define HCA_QUERY_HCA_CAP_OUT_CAP_OFF 16
#define HCA_QUERY_HCA_CAP_OUT_LEN (16 + 4096)
/** op_mod: capability type << 1 | (1: current values, 0: maximum). */
#define HCA_CAP_TYPE_GENERAL 0x0
#define HCA_CAP_MODE_CURRENT 0x1

/** General device capabilities (first 256 bytes of the structure). */
#define HCA_CAP_VHCA_ID                 HCA_PRM_FIELD(0x030, 16)
#define HCA_CAP_LOG_MAX_QP_SZ           HCA_PRM_FIELD(0x088, 8)
#define HCA_CAP_LOG_MAX_QP              HCA_PRM_FIELD(0x09b, 5)
#define HCA_CAP_LOG_MAX_CQ_SZ           HCA_PRM_FIELD(0x0c8, 8)
#define HCA_CAP_LOG_MAX_CQ              HCA_PRM_FIELD(0x0db, 5)
#define HCA_CAP_LOG_MAX_EQ_SZ           HCA_PRM_FIELD(0x0e0, 8)
#define HCA_CAP_LOG_MAX_MKEY            HCA_PRM_FIELD(0x0ea, 6)
#define HCA_CAP_LOG_MAX_EQ              HCA_PRM_FIELD(0x0fc, 4)
#define HCA_CAP_GID_TABLE_SIZE          HCA_PRM_FIELD(0x170, 16)
#define HCA_CAP_PKEY_TABLE_SIZE         HCA_PRM_FIELD(0x190, 16)
#define HCA_CAP_NIC_FLOW_TABLE          HCA_PRM_FIELD(0x1a6, 1)
#define HCA_CAP_PORT_TYPE               HCA_PRM_FIELD(0x1b6, 2)
#define HCA_CAP_NUM_PORTS               HCA_PRM_FIELD(0x1b8, 8)
#define HCA_CAP_LOG_MAX_MSG             HCA_PRM_FIELD(0x1c3, 5)
#define HCA_CAP_CQE_VERSION             HCA_PRM_FIELD(0x1fc, 4)
#define HCA_CAP_IPOIB_ENHANCED_OFFLOADS HCA_PRM_FIELD(0x203, 1)
#define HCA_CAP_IPOIB_BASIC_OFFLOADS    HCA_PRM_FIELD(0x204, 1)
#define HCA_CAP_QKV                     HCA_PRM_FIELD(0x236, 1)
#define HCA_CAP_PKV                     HCA_PRM_FIELD(0x237, 1)
#define HCA_CAP_UD                      HCA_PRM_FIELD(0x23d, 1)
#define HCA_CAP_UAR_SZ                  HCA_PRM_FIELD(0x24a, 6)
#define HCA_CAP_LOG_PG_SZ               HCA_PRM_FIELD(0x258, 8)
#define HCA_CAP_MAX_WQE_SZ_SQ           HCA_PRM_FIELD(0x290, 16)
#define HCA_CAP_MAX_WQE_SZ_RQ           HCA_PRM_FIELD(0x2b0, 16)
#define HCA_CAP_MAX_QP_MCG              HCA_PRM_FIELD(0x2e7, 25)
#define HCA_CAP_LOG_MAX_MCG             HCA_PRM_FIELD(0x318, 8)
#define HCA_CAP_LOG_MAX_PD              HCA_PRM_FIELD(0x32b, 5)
#define HCA_CAP_LOG_MAX_RQ              HCA_PRM_FIELD(0x363, 5)
#define HCA_CAP_LOG_MAX_SQ              HCA_PRM_FIELD(0x36b, 5)
#define HCA_CAP_LOG_MAX_TIR             HCA_PRM_FIELD(0x373, 5)
#define HCA_CAP_LOG_MAX_TIS             HCA_PRM_FIELD(0x37b, 5)
#define HCA_CAP_LOG_MAX_RQT             HCA_PRM_FIELD(0x38b, 5)
#define HCA_CAP_LOG_MAX_RQT_SIZE        HCA_PRM_FIELD(0x393, 5)
/** Bytes of the general capabilities that the decoder reads. */
#define HCA_CAP_GENERAL_LEN 256
/** Capability type of the Ethernet (and IPoIB) offloads. */
#define HCA_CAP_TYPE_ETH_OFFLOADS 0x1
/** Ethernet offload capabilities: checksums, log2 of the largest LSO. */
#define HCA_CAP_ETH_CSUM_CAP            HCA_PRM_FIELD(0x000, 1)
#define HCA_CAP_ETH_MAX_LSO_CAP         HCA_PRM_FIELD(0x00b, 5)
/** Bytes of the Ethernet offload capabilities that the decoder reads. */
#define HCA_CAP_ETH_LEN 64
/** port_type values. */
#define HCA_CAP_PORT_TYPE_IB  0x0
#define HCA_CAP_PORT_TYPE_ETH 0x1

/* ---------------------------------------------------------------------
 * QUERY_HCA_VPORT_CONTEXT, _GID, _PKEY (inputs share the port fields)
 */

#define HCA_VPORT_IN_OTHER_VPORT        HCA_PRM_FIELD(0x40, 1)
#define HCA_VPORT_IN_PORT_NUM           HCA_PRM_FIELD(0x4c, 4)
#define HCA_VPORT_IN_VPORT_NUMBER       HCA_PRM_FIELD(0x50, 16)
/** gid_index (GID query) or pkey_index (P_Key query); 0xffff: all. */
#define HCA_VPORT_IN_INDEX              HCA_PRM_FIELD(0x70, 16)
#define HCA_VPORT_IN_LEN 16
#define HCA_VPORT_INDEX_ALL 0xffff

/** Output of QUERY_HCA_VPORT_CONTEXT: header, then the context. */
#define HCA_VPORT_CTX_OFF 16
#define HCA_VPORT_CTX_LEN 512
#define HCA_QUERY_HCA_VPORT_CONTEXT_OUT_LEN (16 + 512)
/** HCA vport context. */
#define HCA_VPORT_CTX_FIELD_SELECT      HCA_PRM_FIELD(0x000, 32)
#define HCA_VPORT_CTX_SM_VIRT_AWARE     HCA_PRM_FIELD(0x100, 1)
#define HCA_VPORT_CTX_HAS_SMI           HCA_PRM_FIELD(0x101, 1)
#define HCA_VPORT_CTX_HAS_RAW           HCA_PRM_FIELD(0x102, 1)
#define HCA_VPORT_CTX_GRH_REQUIRED      HCA_PRM_FIELD(0x103, 1)
#define HCA_VPORT_CTX_PORT_PHYS_STATE   HCA_PRM_FIELD(0x110, 4)
#define HCA_VPORT_CTX_VPORT_STATE_POLICY HCA_PRM_FIELD(0x114, 4)
#define HCA_VPORT_CTX_PORT_STATE        HCA_PRM_FIELD(0x118, 4)
#define HCA_VPORT_CTX_VPORT_STATE       HCA_PRM_FIELD(0x11c, 4)
#define HCA_VPORT_CTX_SYS_IMAGE_GUID    HCA_PRM_FIELD(0x140, 64)
#define HCA_VPORT_CTX_PORT_GUID         HCA_PRM_FIELD(0x180, 64)
#define HCA_VPORT_CTX_NODE_GUID         HCA_PRM_FIELD(0x1c0, 64)
#define HCA_VPORT_CTX_CAP_MASK1         HCA_PRM_FIELD(0x200, 32)
#define HCA_VPORT_CTX_CAP_MASK2         HCA_PRM_FIELD(0x240, 32)
#define HCA_VPORT_CTX_LID               HCA_PRM_FIELD(0x300, 16)
#define HCA_VPORT_CTX_INIT_TYPE_REPLY   HCA_PRM_FIELD(0x314, 4)
#define HCA_VPORT_CTX_LMC               HCA_PRM_FIELD(0x318, 3)
#define HCA_VPORT_CTX_SUBNET_TIMEOUT    HCA_PRM_FIELD(0x31b, 5)
#define HCA_VPORT_CTX_SM_LID            HCA_PRM_FIELD(0x320, 16)
#define HCA_VPORT_CTX_SM_SL             HCA_PRM_FIELD(0x330, 4)
#define HCA_VPORT_CTX_QKEY_VIOLATIONS   HCA_PRM_FIELD(0x340, 16)
#define HCA_VPORT_CTX_PKEY_VIOLATIONS   HCA_PRM_FIELD(0x350, 16)

/** Output of QUERY_HCA_VPORT_GID: number of GIDs, then 16 bytes each. */
#define HCA_VPORT_GID_OUT_GIDS_NUM      HCA_PRM_FIELD(0x60, 16)
#define HCA_VPORT_GID_OUT_GID_OFF 16
/** Output of QUERY_HCA_VPORT_PKEY: 4 bytes per entry, P_Key in the
 * low half. */
#define HCA_VPORT_PKEY_OUT_PKEY_OFF 16
#define HCA_VPORT_PKEY_ENTRY_LEN 4
#define HCA_VPORT_PKEY_ENTRY_PKEY       HCA_PRM_FIELD(0x10, 16)
/** Output lengths of the GID and P_Key queries answering n entries. */
#define HCA_VPORT_GID_OUT_LEN(n) (HCA_VPORT_GID_OUT_GID_OFF + 16 * (n))
#define HCA_VPORT_PKEY_OUT_LEN(n) \
	(HCA_VPORT_PKEY_OUT_PKEY_OFF + HCA_VPORT_PKEY_ENTRY_LEN * (n))

/* ---------------------------------------------------------------------
 * ALLOC_PD / DEALLOC_PD: the pd is HCA_CMD_OBJ_NUM of the output / input.
 */

/* ---------------------------------------------------------------------
 * CREATE_MKEY / DESTROY_MKEY
 */

#define HCA_CREATE_MKEY_IN_PG_ACCESS    HCA_PRM_FIELD(0x060, 1)
#define HCA_CREATE_MKEY_IN_UMEM_VALID   HCA_PRM_FIELD(0x061, 1)
#define HCA_CREATE_MKEY_IN_MKC_OFF 16
#define HCA_CREATE_MKEY_IN_XLT_ACTUAL   HCA_PRM_FIELD(0x300, 32)
#define HCA_CREATE_MKEY_IN_UMEM_ID      HCA_PRM_FIELD(0x320, 32)
#define HCA_CREATE_MKEY_IN_UMEM_OFFSET  HCA_PRM_FIELD(0x340, 64)
#define HCA_CREATE_MKEY_IN_LEN 272
/** Memory key context. */
#define HCA_MKC_FREE                    HCA_PRM_FIELD(0x001, 1)
#define HCA_MKC_ACCESS_MODE_4_2         HCA_PRM_FIELD(0x003, 3)
#define HCA_MKC_UMR_EN                  HCA_PRM_FIELD(0x010, 1)
#define HCA_MKC_A                       HCA_PRM_FIELD(0x011, 1)
#define HCA_MKC_RW                      HCA_PRM_FIELD(0x012, 1)
#define HCA_MKC_RR                      HCA_PRM_FIELD(0x013, 1)
#define HCA_MKC_LW                      HCA_PRM_FIELD(0x014, 1)
#define HCA_MKC_LR                      HCA_PRM_FIELD(0x015, 1)
#define HCA_MKC_ACCESS_MODE_1_0         HCA_PRM_FIELD(0x016, 2)
#define HCA_MKC_QPN                     HCA_PRM_FIELD(0x020, 24)
#define HCA_MKC_MKEY_7_0                HCA_PRM_FIELD(0x038, 8)
#define HCA_MKC_LENGTH64                HCA_PRM_FIELD(0x060, 1)
#define HCA_MKC_PD                      HCA_PRM_FIELD(0x068, 24)
#define HCA_MKC_START_ADDR              HCA_PRM_FIELD(0x080, 64)
#define HCA_MKC_LEN                     HCA_PRM_FIELD(0x0c0, 64)
#define HCA_MKC_XLT_OCTWORD_SIZE        HCA_PRM_FIELD(0x1a0, 32)
#define HCA_MKC_LOG_PAGE_SIZE           HCA_PRM_FIELD(0x1db, 5)
/** access_mode: translation through MTT entries. */
#define HCA_MKC_ACCESS_MODE_MTT 0x1

/* ---------------------------------------------------------------------
 * CREATE_EQ / DESTROY_EQ
 */

#define HCA_CREATE_EQ_IN_EQC_OFF 16
#define HCA_CREATE_EQ_IN_EVENT_BITMASK_OFF 88
#define HCA_CREATE_EQ_IN_PAS_OFF 272
#define HCA_EQC_ST                      HCA_PRM_FIELD(0x014, 4)
#define HCA_EQC_LOG_EQ_SIZE             HCA_PRM_FIELD(0x063, 5)
#define HCA_EQC_UAR_PAGE                HCA_PRM_FIELD(0x068, 24)
#define HCA_EQC_INTR                    HCA_PRM_FIELD(0x0b8, 8)
#define HCA_EQC_LOG_PAGE_SIZE           HCA_PRM_FIELD(0x0c3, 5)
#define HCA_CREATE_EQ_OUT_EQN           HCA_PRM_FIELD(0x058, 8)
/** CREATE_EQ input without its page addresses. */
#define HCA_CREATE_EQ_IN_LEN 272
/** DESTROY_EQ input: the EQ number. */
#define HCA_DESTROY_EQ_IN_EQN           HCA_PRM_FIELD(0x058, 8)

/* ---------------------------------------------------------------------
 * CREATE_CQ / DESTROY_CQ
 */

#define HCA_CREATE_CQ_IN_CQC_OFF 16
#define HCA_CREATE_CQ_IN_UMEM_OFFSET    HCA_PRM_FIELD(0x280, 64)
#define HCA_CREATE_CQ_IN_UMEM_ID        HCA_PRM_FIELD(0x2c0, 32)
#define HCA_CREATE_CQ_IN_UMEM_VALID     HCA_PRM_FIELD(0x2e0, 1)
#define HCA_CREATE_CQ_IN_LEN 272
/** CQ context. */
#define HCA_CQC_STATUS                  HCA_PRM_FIELD(0x000, 4)
#define HCA_CQC_DBR_UMEM_VALID          HCA_PRM_FIELD(0x006, 1)
#define HCA_CQC_CQE_SZ                  HCA_PRM_FIELD(0x008, 3)
#define HCA_CQC_CC                      HCA_PRM_FIELD(0x00b, 1)
#define HCA_CQC_OI                      HCA_PRM_FIELD(0x00e, 1)
#define HCA_CQC_ST                      HCA_PRM_FIELD(0x014, 4)
#define HCA_CQC_DBR_UMEM_ID             HCA_PRM_FIELD(0x020, 32)
#define HCA_CQC_PAGE_OFFSET             HCA_PRM_FIELD(0x054, 6)
#define HCA_CQC_LOG_CQ_SIZE             HCA_PRM_FIELD(0x063, 5)
#define HCA_CQC_UAR_PAGE                HCA_PRM_FIELD(0x068, 24)
#define HCA_CQC_CQ_PERIOD               HCA_PRM_FIELD(0x084, 12)
#define HCA_CQC_CQ_MAX_COUNT            HCA_PRM_FIELD(0x090, 16)
#define HCA_CQC_C_EQN                   HCA_PRM_FIELD(0x0b8, 8)
#define HCA_CQC_LOG_PAGE_SIZE           HCA_PRM_FIELD(0x0c3, 5)
#define HCA_CQC_DBR_ADDR                HCA_PRM_FIELD(0x1c0, 64)
/** cqe_sz values. */
#define HCA_CQC_CQE_SZ_64  0x0
#define HCA_CQC_CQE_SZ_128 0x1
/** QUERY_CQ output: header, CQ context (64 bytes), 192 reserved bytes
 * (the page list after them is not asked for). */
#define HCA_QUERY_CQ_OUT_LEN 272

/* ---------------------------------------------------------------------
 * QPs: CREATE_QP, the modify commands, QUERY_QP
 */

/** CREATE_QP input: header, opt_param_mask, QP context, WQ umem. The QP
 * context is at the same offset in the modify inputs and in QUERY_QP's
 * output. */
#define HCA_QP_IN_OPT_PARAM_MASK        HCA_PRM_FIELD(0x080, 32)
#define HCA_QP_QPC_OFF 24
#define HCA_CREATE_QP_IN_WQ_UMEM_OFFSET HCA_PRM_FIELD(0x800, 64)
#define HCA_CREATE_QP_IN_WQ_UMEM_ID     HCA_PRM_FIELD(0x840, 32)
#define HCA_CREATE_QP_IN_WQ_UMEM_VALID  HCA_PRM_FIELD(0x860, 1)
#define HCA_CREATE_QP_IN_LEN 272
/** RST2INIT, INIT2RTR, RTR2RTS inputs: qpn (HCA_CMD_OBJ_NUM),
 * opt_param_mask, QP context, 16 reserved bytes. */
#define HCA_MODIFY_QP_IN_LEN 272
/** QUERY_QP output: header, opt_param_mask, QP context. */
#define HCA_QUERY_QP_OUT_LEN 272
/** Size of the QP context. */
#define HCA_QPC_LEN 232

/** QP context. */
#define HCA_QPC_STATE                   HCA_PRM_FIELD(0x000, 4)
#define HCA_QPC_ST                      HCA_PRM_FIELD(0x008, 8)
#define HCA_QPC_PM_STATE                HCA_PRM_FIELD(0x013, 2)
#define HCA_QPC_PD                      HCA_PRM_FIELD(0x028, 24)
#define HCA_QPC_MTU                     HCA_PRM_FIELD(0x040, 3)
#define HCA_QPC_LOG_MSG_MAX             HCA_PRM_FIELD(0x043, 5)
#define HCA_QPC_LOG_RQ_SIZE             HCA_PRM_FIELD(0x049, 4)
#define HCA_QPC_LOG_RQ_STRIDE           HCA_PRM_FIELD(0x04d, 3)
#define HCA_QPC_NO_SQ                   HCA_PRM_FIELD(0x050, 1)
#define HCA_QPC_LOG_SQ_SIZE             HCA_PRM_FIELD(0x051, 4)
#define HCA_QPC_RLKY                    HCA_PRM_FIELD(0x05b, 1)
#define HCA_QPC_UAR_PAGE                HCA_PRM_FIELD(0x068, 24)
#define HCA_QPC_USER_INDEX              HCA_PRM_FIELD(0x088, 24)
#define HCA_QPC_LOG_PAGE_SIZE           HCA_PRM_FIELD(0x0a3, 5)
#define HCA_QPC_REMOTE_QPN              HCA_PRM_FIELD(0x0a8, 24)
#define HCA_QPC_PRI_PATH_OFF 24
#define HCA_QPC_NEXT_SEND_PSN           HCA_PRM_FIELD(0x3c8, 24)
#define HCA_QPC_CQN_SND                 HCA_PRM_FIELD(0x3e8, 24)
#define HCA_QPC_CQN_RCV                 HCA_PRM_FIELD(0x4e8, 24)
#define HCA_QPC_DBR_ADDR                HCA_PRM_FIELD(0x500, 64)
#define HCA_QPC_Q_KEY                   HCA_PRM_FIELD(0x540, 32)
#define HCA_QPC_RQ_TYPE                 HCA_PRM_FIELD(0x565, 3)
#define HCA_QPC_CS_REQ                  HCA_PRM_FIELD(0x630, 8)
#define HCA_QPC_CS_RES                  HCA_PRM_FIELD(0x638, 8)
#define HCA_QPC_DBR_UMEM_VALID          HCA_PRM_FIELD(0x683, 1)
#define HCA_QPC_DBR_UMEM_ID             HCA_PRM_FIELD(0x720, 32)

/** Address path (primary at HCA_QPC_PRI_PATH_OFF in the QP context). */
#define HCA_ADS_FL                      HCA_PRM_FIELD(0x000, 1)
#define HCA_ADS_PKEY_INDEX              HCA_PRM_FIELD(0x010, 16)
#define HCA_ADS_GRH                     HCA_PRM_FIELD(0x028, 1)
#define HCA_ADS_MLID                    HCA_PRM_FIELD(0x029, 7)
#define HCA_ADS_RLID                    HCA_PRM_FIELD(0x030, 16)
#define HCA_ADS_STAT_RATE               HCA_PRM_FIELD(0x054, 4)
#define HCA_ADS_HOP_LIMIT               HCA_PRM_FIELD(0x058, 8)
#define HCA_ADS_SL                      HCA_PRM_FIELD(0x124, 4)
#define HCA_ADS_VHCA_PORT_NUM           HCA_PRM_FIELD(0x128, 8)

/** QP service types (st). */
#define HCA_QP_ST_RC  0x0
#define HCA_QP_ST_UC  0x1
#define HCA_QP_ST_UD  0x2
#define HCA_QP_ST_QP1 0x8
/** pm_state: migrated (no alternate path). */
#define HCA_QP_PM_MIGRATED 0x3
/** QP states (state). */
#define HCA_QP_STATE_RST  0x0
#define HCA_QP_STATE_INIT 0x1
#define HCA_QP_STATE_RTR  0x2
#define HCA_QP_STATE_RTS  0x3
#define HCA_QP_STATE_SQER 0x4
#define HCA_QP_STATE_SQD  0x5
#define HCA_QP_STATE_ERR  0x6

/* ---------------------------------------------------------------------
 * ATTACH_TO_MCG / DETACH_FROM_MCG: qpn (HCA_CMD_OBJ_NUM), then the GID.
 */

#define HCA_MCG_IN_GID_OFF 16
#define HCA_MCG_IN_LEN 32

/* ---------------------------------------------------------------------
 * MAD_IFC: output header, then the 256-byte response MAD.
 */

#define HCA_MAD_IFC_OUT_LEN (16 + 256)

/* ---------------------------------------------------------------------
 * ACCESS_REG, and the port MTU register (PMTU)
 */

#define HCA_ACCESS_REG_IN_REGISTER_ID   HCA_PRM_FIELD(0x050, 16)
#define HCA_ACCESS_REG_IN_ARGUMENT      HCA_PRM_FIELD(0x060, 32)
#define HCA_ACCESS_REG_DATA_OFF 16
/** ACCESS_REG output: header, then reg_len bytes of register data (as
 * many as the input carries). */
#define HCA_ACCESS_REG_OUT_LEN(reg_len) (HCA_ACCESS_REG_DATA_OFF + (reg_len))
/** op_mod of ACCESS_REG. */
#define HCA_ACCESS_REG_WRITE 0x0
#define HCA_ACCESS_REG_READ  0x1
/** PMTU register: id and fields. */
#define HCA_REG_PMTU 0x5003
#define HCA_REG_PMTU_LEN 16
#define HCA_PMTU_LOCAL_PORT             HCA_PRM_FIELD(0x08, 8)
#define HCA_PMTU_MAX_MTU                HCA_PRM_FIELD(0x20, 16)
#define HCA_PMTU_ADMIN_MTU              HCA_PRM_FIELD(0x40, 16)
#define HCA_PMTU_OPER_MTU               HCA_PRM_FIELD(0x60, 16)

/* ---------------------------------------------------------------------
 * Work queues: CREATE_SQ, MODIFY_SQ, CREATE_RQ, MODIFY_RQ (the destroys
 * and the outputs carry the sqn / rqn as HCA_CMD_OBJ_NUM)
 */

/** Create inputs: header, then the SQ or RQ context at byte 32. */
#define HCA_WQ_IN_CTX_OFF 32
#define HCA_CREATE_WQ_IN_LEN 272
/** Modify inputs: the current state, the object number, the bitmask,
 * then the context (whose state field is the new state). */
#define HCA_MODIFY_WQ_IN_STATE          HCA_PRM_FIELD(0x040, 4)
#define HCA_MODIFY_WQ_IN_BITMASK        HCA_PRM_FIELD(0x080, 64)
#define HCA_MODIFY_WQ_IN_LEN 272

/** SQ context. */
#define HCA_SQC_FLUSH_IN_ERROR_EN       HCA_PRM_FIELD(0x003, 1)
#define HCA_SQC_MIN_WQE_INLINE_MODE     HCA_PRM_FIELD(0x005, 3)
#define HCA_SQC_STATE                   HCA_PRM_FIELD(0x008, 4)
#define HCA_SQC_USER_INDEX              HCA_PRM_FIELD(0x028, 24)
#define HCA_SQC_CQN                     HCA_PRM_FIELD(0x048, 24)
#define HCA_SQC_TIS_LST_SZ              HCA_PRM_FIELD(0x100, 16)
#define HCA_SQC_TIS_NUM_0               HCA_PRM_FIELD(0x168, 24)
/** The wq structure, at this byte of the SQ and RQ contexts. */
#define HCA_SQC_WQ_OFF 48
/** RQ context. */
#define HCA_RQC_VSD                     HCA_PRM_FIELD(0x003, 1)
#define HCA_RQC_MEM_RQ_TYPE             HCA_PRM_FIELD(0x004, 4)
#define HCA_RQC_STATE                   HCA_PRM_FIELD(0x008, 4)
#define HCA_RQC_FLUSH_IN_ERROR_EN       HCA_PRM_FIELD(0x00d, 1)
#define HCA_RQC_USER_INDEX              HCA_PRM_FIELD(0x028, 24)
#define HCA_RQC_CQN                     HCA_PRM_FIELD(0x048, 24)
#define HCA_RQC_WQ_OFF 48

/** Work queue (wq) structure. */
#define HCA_WQ_TYPE                     HCA_PRM_FIELD(0x000, 4)
#define HCA_WQ_PD                       HCA_PRM_FIELD(0x048, 24)
#define HCA_WQ_UAR_PAGE                 HCA_PRM_FIELD(0x068, 24)
#define HCA_WQ_DBR_ADDR                 HCA_PRM_FIELD(0x080, 64)
#define HCA_WQ_LOG_WQ_STRIDE            HCA_PRM_FIELD(0x10c, 4)
#define HCA_WQ_LOG_WQ_PG_SZ             HCA_PRM_FIELD(0x113, 5)
#define HCA_WQ_LOG_WQ_SZ                HCA_PRM_FIELD(0x11b, 5)
#define HCA_WQ_DBR_UMEM_VALID           HCA_PRM_FIELD(0x120, 1)
#define HCA_WQ_WQ_UMEM_VALID            HCA_PRM_FIELD(0x121, 1)
#define HCA_WQ_DBR_UMEM_ID              HCA_PRM_FIELD(0x140, 32)
#define HCA_WQ_WQ_UMEM_ID               HCA_PRM_FIELD(0x160, 32)
#define HCA_WQ_WQ_UMEM_OFFSET           HCA_PRM_FIELD(0x180, 64)
/** wq_type: a cyclic ring. */
#define HCA_WQ_TYPE_CYCLIC 0x1
/** SQ and RQ states. */
#define HCA_WQ_STATE_RST 0x0
#define HCA_WQ_STATE_RDY 0x1
#define HCA_WQ_STATE_ERR 0x3
/** modify_bitmask: nothing but the state changes. */
#define HCA_MODIFY_WQ_BITMASK_NONE 0x0

/* ---------------------------------------------------------------------
 * CREATE_TIS: header, the TIS context at byte 32
 */

#define HCA_CREATE_TIS_IN_CTX_OFF 32
#define HCA_CREATE_TIS_IN_LEN 192
#define HCA_TISC_PRIO                   HCA_PRM_FIELD(0x00c, 4)
#define HCA_TISC_TRANSPORT_DOMAIN       HCA_PRM_FIELD(0x128, 24)
#define HCA_TISC_UNDERLAY_QPN           HCA_PRM_FIELD(0x148, 24)

/* ---------------------------------------------------------------------
 * CREATE_RQT / MODIFY_RQT: the RQ table context at byte 32, its list of
 * RQ numbers (one dword each) at byte 240 of the context
 */

#define HCA_RQT_IN_CTX_OFF 32
#define HCA_MODIFY_RQT_IN_BITMASK       HCA_PRM_FIELD(0x080, 64)
#define HCA_RQTC_LIST_Q_TYPE            HCA_PRM_FIELD(0x0a5, 3)
#define HCA_RQTC_RQT_MAX_SIZE           HCA_PRM_FIELD(0x0b0, 16)
#define HCA_RQTC_RQT_ACTUAL_SIZE        HCA_PRM_FIELD(0x0d0, 16)
#define HCA_RQTC_RQ_NUM_OFF 240
#define HCA_RQT_ENTRY_RQN               HCA_PRM_FIELD(0x008, 24)
/** Input length with n entries in the list. */
#define HCA_RQT_IN_LEN(n) (HCA_RQT_IN_CTX_OFF + HCA_RQTC_RQ_NUM_OFF + \
	4 * (n))
/** modify_bitmask of MODIFY_RQT: the RQ list. */
#define HCA_MODIFY_RQT_BITMASK_RQN_LIST 0x1

/* ---------------------------------------------------------------------
 * CREATE_TIR: header, the TIR context at byte 32
 */

#define HCA_CREATE_TIR_IN_CTX_OFF 32
#define HCA_CREATE_TIR_IN_LEN 272
#define HCA_TIRC_DISP_TYPE              HCA_PRM_FIELD(0x020, 4)
#define HCA_TIRC_INLINE_RQN             HCA_PRM_FIELD(0x0e8, 24)
#define HCA_TIRC_RX_HASH_SYMMETRIC      HCA_PRM_FIELD(0x100, 1)
#define HCA_TIRC_INDIRECT_TABLE         HCA_PRM_FIELD(0x108, 24)
#define HCA_TIRC_RX_HASH_FN             HCA_PRM_FIELD(0x120, 4)
#define HCA_TIRC_SELF_LB_BLOCK          HCA_PRM_FIELD(0x126, 2)
#define HCA_TIRC_TRANSPORT_DOMAIN       HCA_PRM_FIELD(0x128, 24)
/** The 40-byte Toeplitz key, at this byte of the context. */
#define HCA_TIRC_TOEPLITZ_KEY_OFF 40
#define HCA_TIRC_TOEPLITZ_KEY_LEN 40
/** The outer field selector (rx_hash_field_select). */
#define HCA_TIRC_HASH_L3_PROT_TYPE      HCA_PRM_FIELD(0x280, 1)
#define HCA_TIRC_HASH_L4_PROT_TYPE      HCA_PRM_FIELD(0x281, 1)
#define HCA_TIRC_HASH_SELECTED_FIELDS   HCA_PRM_FIELD(0x282, 30)
/** disp_type and rx_hash_fn values. */
#define HCA_TIRC_DISP_DIRECT   0x0
#define HCA_TIRC_DISP_INDIRECT 0x1
#define HCA_TIRC_HASH_FN_NONE     0x0
#define HCA_TIRC_HASH_FN_TOEPLITZ 0x2
/** selected_fields bits. */
#define HCA_RX_HASH_SRC_IP   0x1
#define HCA_RX_HASH_DST_IP   0x2
#define HCA_RX_HASH_L4_SPORT 0x4
#define HCA_RX_HASH_L4_DPORT 0x8

/* ---------------------------------------------------------------------
 * Flow steering: CREATE_FLOW_TABLE, CREATE_FLOW_GROUP,
 * SET_FLOW_TABLE_ENTRY, SET_FLOW_TABLE_ROOT and their destroys (all
 * name the table by type and id at the same place)
 */

#define HCA_FT_IN_TABLE_TYPE            HCA_PRM_FIELD(0x080, 8)
#define HCA_FT_IN_TABLE_ID              HCA_PRM_FIELD(0x0a8, 24)
/** table_type: the NIC's receive tables. */
#define HCA_FT_TYPE_NIC_RX 0x0
/** CREATE_FLOW_TABLE: the flow table context at byte 24; the table id
 * in the output is HCA_CMD_OBJ_NUM. */
#define HCA_CREATE_FT_IN_CTX_OFF 24
#define HCA_CREATE_FT_IN_LEN 80
#define HCA_FTC_TABLE_MISS_ACTION       HCA_PRM_FIELD(0x004, 4)
#define HCA_FTC_LEVEL                   HCA_PRM_FIELD(0x008, 8)
#define HCA_FTC_LOG_SIZE                HCA_PRM_FIELD(0x018, 8)
/** DESTROY_FLOW_TABLE, SET_FLOW_TABLE_ROOT, DESTROY_FLOW_GROUP,
 * DELETE_FLOW_TABLE_ENTRY: 64 bytes. */
#define HCA_FT_SHORT_IN_LEN 64
#define HCA_SET_FT_ROOT_IN_UNDERLAY_QPN HCA_PRM_FIELD(0x0c8, 24)
/** op_mod of SET_FLOW_TABLE_ROOT: 0 connect the table, 1 disconnect. */
#define HCA_SET_FT_ROOT_DISCONNECT 0x1
#define HCA_DESTROY_FG_IN_GROUP_ID      HCA_PRM_FIELD(0x0c0, 32)
#define HCA_DELETE_FTE_IN_FLOW_INDEX    HCA_PRM_FIELD(0x100, 32)
/** CREATE_FLOW_GROUP: the index range, the match criteria (all zero:
 * the group matches every packet). The group id in the output is
 * HCA_CMD_OBJ_NUM. */
#define HCA_CREATE_FG_IN_START_INDEX    HCA_PRM_FIELD(0x0e0, 32)
#define HCA_CREATE_FG_IN_END_INDEX      HCA_PRM_FIELD(0x120, 32)
#define HCA_CREATE_FG_IN_MATCH_CRITERIA_ENABLE HCA_PRM_FIELD(0x1f8, 8)
#define HCA_CREATE_FG_IN_LEN 1024
/** SET_FLOW_TABLE_ENTRY: the flow index, the flow context at byte 64
 * (its match value all zero), one destination after the context. */
#define HCA_SET_FTE_IN_FLOW_INDEX       HCA_PRM_FIELD(0x100, 32)
#define HCA_SET_FTE_IN_CTX_OFF 64
#define HCA_FLOW_CTX_GROUP_ID           HCA_PRM_FIELD(0x020, 32)
#define HCA_FLOW_CTX_FLOW_TAG           HCA_PRM_FIELD(0x048, 24)
#define HCA_FLOW_CTX_ACTION             HCA_PRM_FIELD(0x070, 16)
#define HCA_FLOW_CTX_DEST_LIST_SIZE     HCA_PRM_FIELD(0x088, 24)
#define HCA_FLOW_CTX_DEST_OFF 768
#define HCA_DEST_TYPE                   HCA_PRM_FIELD(0x000, 8)
#define HCA_DEST_ID                     HCA_PRM_FIELD(0x008, 24)
#define HCA_DEST_LEN 8
#define HCA_SET_FTE_IN_LEN \
	(HCA_SET_FTE_IN_CTX_OFF + HCA_FLOW_CTX_DEST_OFF + HCA_DEST_LEN)
/** action: forward to the destination list. */
#define HCA_FLOW_ACTION_FWD_DEST 0x4
/** destination_type: a TIR. */
#define HCA_FLOW_DEST_TIR 0x2

/* ---------------------------------------------------------------------
 * Event queue entries (64 bytes: event_type at byte 1, event_sub_type at
 * byte 3, the event data from byte 32, the owner bit in byte 63)
 */

#define HCA_EQE_TYPE_OFF 1
#define HCA_EQE_SUB_TYPE_OFF 3
#define HCA_EQE_DATA_OFF 32
#define HCA_EQE_OWNER_OFF 63
/** event_type values. */
#define HCA_EQE_TYPE_CQ_ERROR 0x04
#define HCA_EQE_TYPE_WQ_CATAS_ERROR 0x05
#define HCA_EQE_TYPE_PORT_CHANGE 0x09
#define HCA_EQE_TYPE_WQ_INVAL_REQ_ERROR 0x10
#define HCA_EQE_TYPE_WQ_ACCESS_ERROR 0x11
/** PORT_CHANGE sub types. */
#define HCA_EQE_PORT_DOWN 0x01
#define HCA_EQE_PORT_ACTIVE 0x04
#define HCA_EQE_PORT_INITIALIZED 0x05
#define HCA_EQE_PORT_LID_CHANGE 0x06
#define HCA_EQE_PORT_PKEY_CHANGE 0x07
#define HCA_EQE_PORT_GUID_CHANGE 0x08
#define HCA_EQE_PORT_CLIENT_REREG 0x09
/** PORT_CHANGE data: the port number in the high nibble of data byte 8. */
#define HCA_EQE_PORT_BYTE 8
#define HCA_EQE_PORT_SHIFT 4
/** QP error data (0x05, 0x10, 0x11): the kind of queue in data byte 20,
 * its number (24 bits, big endian) in data bytes 24..27. */
#define HCA_EQE_WQ_TYPE_BYTE 20
#define HCA_EQE_WQ_NUM_BYTE 24
/** Kinds of queue of a QP error. */
#define HCA_EQE_WQ_TYPE_QP 0x0
#define HCA_EQE_WQ_TYPE_RQ 0x1
#define HCA_EQE_WQ_TYPE_SQ 0x2
/** CQ error data: the CQN (24 bits, big endian) in data bytes 0..3. */
#define HCA_EQE_CQ_NUM_BYTE 0

#endif /* HCA_PRM_H */
