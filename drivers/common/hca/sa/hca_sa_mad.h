/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_SA_MAD_H
#define HCA_SA_MAD_H

/**
 * @file
 * SA MADs on the wire: building requests and parsing replies.
 *
 * Pure functions over byte buffers, no I/O, so that the parser can be fed
 * anything (unit tests, fuzzers). Every parser takes the length of its
 * buffer and never reads past it; every failure is a negative errno:
 *   -EPROTO     truncated, malformed or mismatched MAD or record;
 *   -ENOENT     the SA said "no records" (or a table reply holds none);
 *   -EREMOTEIO  another SA error status;
 *   -EAGAIN     the SA is busy (the caller retries).
 *
 * Layout of an SA MAD (IBA 15.2.1): the common MAD header (24 bytes),
 * the RMPP header (12), the SA header (SM_Key 8, AttributeOffset 2,
 * reserved 2, ComponentMask 8), then the records. A GetTable reply holds
 * records of AttributeOffset * 8 bytes each; reassembled RMPP replies (the
 * kernel's ib_umad does that when the agent asks for RMPP) may be longer
 * than 256 bytes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hca_sa.h"

/** Size of one MAD. */
#define HCA_MAD_SIZE 256
/** Offset of the SA records in an SA MAD. */
#define HCA_SA_HDR_LEN 56
/** Room for records in one (unsegmented) SA MAD. */
#define HCA_SA_DATA_LEN (HCA_MAD_SIZE - HCA_SA_HDR_LEN)

/** Management classes and versions. */
#define HCA_MAD_BASE_VERSION 1
#define HCA_MGMT_CLASS_SA 0x03
#define HCA_SA_CLASS_VERSION 2
#define HCA_MGMT_CLASS_SMI_DR 0x81
#define HCA_SMI_CLASS_VERSION 1

/** Methods. */
#define HCA_METHOD_GET 0x01
#define HCA_METHOD_SET 0x02
#define HCA_METHOD_GET_RESP 0x81
#define HCA_METHOD_GET_TABLE 0x12
#define HCA_METHOD_GET_TABLE_RESP 0x92
#define HCA_METHOD_DELETE 0x15
#define HCA_METHOD_DELETE_RESP 0x95

/** Attributes. */
#define HCA_ATTR_PORT_INFO 0x0015
#define HCA_SA_ATTR_NODE_REC 0x0011
#define HCA_SA_ATTR_PORTINFO_REC 0x0012
#define HCA_SA_ATTR_SWITCHINFO_REC 0x0014
#define HCA_SA_ATTR_PKEY_TABLE_REC 0x0033
#define HCA_SA_ATTR_PATH_REC 0x0035
#define HCA_SA_ATTR_MCMEMBER_REC 0x0038

/** Lengths of the records on the wire (without padding to 8 bytes). */
#define HCA_SA_PATH_REC_LEN 64
#define HCA_SA_MCMEMBER_REC_LEN 52
#define HCA_SA_NODE_REC_LEN 108
#define HCA_SA_PORTINFO_REC_LEN 68
#define HCA_SA_PKEY_REC_LEN 72
#define HCA_SA_SWITCHINFO_REC_LEN 24

/** P_Keys in one PKeyTableRecord block. */
#define HCA_SA_PKEYS_PER_BLOCK 32

/** PathRecord component mask bits. */
#define HCA_PR_COMP_DGID (1ULL << 2)
#define HCA_PR_COMP_SGID (1ULL << 3)
#define HCA_PR_COMP_NUMB_PATH (1ULL << 12)
#define HCA_PR_COMP_PKEY (1ULL << 13)

/** MCMemberRecord component mask bits. */
#define HCA_MCR_COMP_MGID (1ULL << 0)
#define HCA_MCR_COMP_PORT_GID (1ULL << 1)
#define HCA_MCR_COMP_QKEY (1ULL << 2)
#define HCA_MCR_COMP_MLID (1ULL << 3)
#define HCA_MCR_COMP_MTU_SEL (1ULL << 4)
#define HCA_MCR_COMP_MTU (1ULL << 5)
#define HCA_MCR_COMP_TCLASS (1ULL << 6)
#define HCA_MCR_COMP_PKEY (1ULL << 7)
#define HCA_MCR_COMP_RATE_SEL (1ULL << 8)
#define HCA_MCR_COMP_RATE (1ULL << 9)
#define HCA_MCR_COMP_SL (1ULL << 12)
#define HCA_MCR_COMP_FLOW_LABEL (1ULL << 13)
#define HCA_MCR_COMP_JOIN_STATE (1ULL << 16)

/** NodeRecord / PortInfoRecord / PKeyTableRecord mask bits. */
#define HCA_NR_COMP_LID (1ULL << 0)
#define HCA_NR_COMP_PORT_GUID (1ULL << 8)
#define HCA_PIR_COMP_LID (1ULL << 0)
#define HCA_PIR_COMP_PORT_NUM (1ULL << 1)
#define HCA_PKR_COMP_LID (1ULL << 0)
#define HCA_PKR_COMP_BLOCK (1ULL << 1)
#define HCA_PKR_COMP_PORT_NUM (1ULL << 2)

/** The "exactly" selector for MTU and rate. */
#define HCA_SA_SELECTOR_EQ 2

/** SA status codes (the class-specific byte of the MAD status). */
#define HCA_SA_STATUS_NO_RECORDS 3
/** MAD status: busy. */
#define HCA_MAD_STATUS_BUSY 0x0001

/** A parsed SA reply: the header fields and where the records are. */
struct hca_sa_reply {
	uint64_t tid;
	uint8_t method;
	uint16_t attr;
	uint32_t attr_mod;
	uint16_t status;         /**< MAD status, host order */
	const uint8_t *records;  /**< first record (inside the buffer) */
	size_t records_len;      /**< bytes of records in the buffer */
	size_t rec_stride;       /**< record size incl. padding (bytes) */
	unsigned int n_records;  /**< whole records in records_len */
	bool maybe_truncated;    /**< a table that may not be complete */
};

/* ---- building requests ---- */

/**
 * Write an SA request MAD.
 *
 * @param mad        HCA_MAD_SIZE bytes, overwritten
 * @param tid        transaction ID
 * @param method     HCA_METHOD_GET, _SET, _GET_TABLE or _DELETE
 * @param attr       SA attribute
 * @param comp_mask  component mask (host order)
 * @param rec        the template record (wire format), may be NULL
 * @param rec_len    its length (at most HCA_SA_DATA_LEN)
 * @return 0, or -EINVAL when the record does not fit
 */
int hca_sa_mad_build(uint8_t *mad, uint64_t tid, uint8_t method,
		     uint16_t attr, uint64_t comp_mask, const uint8_t *rec,
		     size_t rec_len);

/** Set the SM_Key of an SA MAD (for queries that need a trusted one). */
void hca_sa_mad_set_sm_key(uint8_t *mad, uint64_t sm_key);

/**
 * Write a PathRecord query template.
 *
 * @param rec        HCA_SA_PATH_REC_LEN bytes, overwritten
 * @param sgid       our port GID
 * @param dgid       the destination
 * @param pkey       P_Key, 0 for any
 * @param comp_mask  set to the matching component mask
 */
void hca_sa_path_template(uint8_t *rec, const union hca_gid *sgid,
			  const union hca_gid *dgid, uint16_t pkey,
			  uint64_t *comp_mask);

/**
 * Write an MCMemberRecord template for a join, leave or query.
 *
 * @param rec         HCA_SA_MCMEMBER_REC_LEN bytes, overwritten
 * @param mgid        the group
 * @param port_gid    our port GID, NULL for a query by MGID only
 * @param join_state  JoinState bits (0 for a query)
 * @param create      parameters to create the group with, or NULL
 * @param comp_mask   set to the matching component mask
 */
void hca_sa_mcmember_template(uint8_t *rec, const union hca_gid *mgid,
			      const union hca_gid *port_gid,
			      uint8_t join_state,
			      const struct hca_mcmember_rec *create,
			      uint64_t *comp_mask);

/** Write a NodeRecord template that selects a LID (mask HCA_NR_COMP_LID). */
void hca_sa_node_template_by_lid(uint8_t *rec, uint16_t lid);

/** Write a NodeRecord template that selects a port GUID. */
void hca_sa_node_template_by_guid(uint8_t *rec, uint64_t port_guid);

/** Write a PortInfoRecord template for a LID and port number. */
void hca_sa_portinfo_template(uint8_t *rec, uint16_t lid, uint8_t port);

/** Write a PKeyTableRecord template for a LID, port and block. */
void hca_sa_pkey_template(uint8_t *rec, uint16_t lid, uint8_t port,
			  uint16_t block);

/**
 * Write a directed-route SMP Get(PortInfo) for the local port
 * (hop count 0).
 *
 * @param mad   HCA_MAD_SIZE bytes, overwritten
 * @param tid   transaction ID
 * @param port  port number (attribute modifier)
 */
void hca_smp_portinfo_build(uint8_t *mad, uint64_t tid, uint8_t port);

/* ---- parsing replies ---- */

/**
 * Parse an SA reply MAD: check the version, class and response method,
 * and locate the records. Error statuses are left in reply->status for
 * hca_sa_reply_check().
 *
 * @param buf    the MAD (possibly a reassembled RMPP reply)
 * @param len    its length in bytes
 * @param reply  filled on success
 * @return 0, or -EPROTO
 */
int hca_sa_mad_parse(const uint8_t *buf, size_t len,
		     struct hca_sa_reply *reply);

/**
 * Check that a parsed reply answers a request, and its status.
 *
 * @param reply      the parsed reply
 * @param tid        the request's TID (only the low 32 bits are compared:
 *                   the kernel rewrites the high ones)
 * @param method     the request's method
 * @param attr       the request's attribute
 * @return 0 (success, records may follow), -EPROTO (mismatch), -ENOENT,
 *         -EAGAIN (busy) or -EREMOTEIO
 */
int hca_sa_reply_check(const struct hca_sa_reply *reply, uint64_t tid,
		       uint8_t method, uint16_t attr);

/** The response method that answers a request method, 0 if none. */
uint8_t hca_sa_response_method(uint8_t method);

/**
 * A record of a reply, bounds-checked.
 *
 * @param reply  the parsed reply
 * @param idx    record index
 * @param need   bytes the caller will read from it
 * @return the record, or NULL when it (or need bytes of it) is not there
 */
const uint8_t *hca_sa_reply_record(const struct hca_sa_reply *reply,
				   unsigned int idx, size_t need);

/** Decode a PathRecord of len bytes; 0 or -EPROTO. */
int hca_sa_path_decode(const uint8_t *rec, size_t len,
		       struct hca_path_rec *path);

/** Decode an MCMemberRecord of len bytes; 0 or -EPROTO. */
int hca_sa_mcmember_decode(const uint8_t *rec, size_t len,
			   struct hca_mcmember_rec *mcm);

/** Decode a NodeRecord of len bytes; 0 or -EPROTO. */
int hca_sa_node_decode(const uint8_t *rec, size_t len,
		       struct hca_node_rec *node);

/** Decode a PortInfoRecord of len bytes; 0 or -EPROTO. */
int hca_sa_portinfo_decode(const uint8_t *rec, size_t len,
			   struct hca_portinfo_rec *pi);

/**
 * Decode a PKeyTableRecord block.
 *
 * @param rec    the record
 * @param len    its length
 * @param block  set to the block number
 * @param pkeys  HCA_SA_PKEYS_PER_BLOCK entries, filled
 * @return 0 or -EPROTO
 */
int hca_sa_pkey_decode(const uint8_t *rec, size_t len, uint16_t *block,
		       uint16_t *pkeys);

/** Decode a SwitchInfoRecord's LinearFDBTop; 0 or -EPROTO. */
int hca_sa_switchinfo_top(const uint8_t *rec, size_t len, uint16_t *top);

/**
 * Parse a directed-route SMP GetResp(PortInfo) and read the active MTU.
 *
 * @param buf  the MAD
 * @param len  its length
 * @param tid  the request's TID (low 32 bits compared)
 * @param mtu  set to the NeighborMTU code on success
 * @return 0, -EPROTO (malformed or mismatched) or -EREMOTEIO (status)
 */
int hca_smp_portinfo_parse(const uint8_t *buf, size_t len, uint64_t tid,
			   uint8_t *mtu);

/**
 * Read the TID of a MAD that may be malformed otherwise.
 *
 * @return 0, or -EPROTO when the buffer is too short to hold one
 */
int hca_mad_peek_tid(const uint8_t *buf, size_t len, uint64_t *tid);

/** Map a MAD status to a negative errno (0 for success). */
int hca_sa_status_to_errno(uint16_t status);

#endif /* HCA_SA_MAD_H */
