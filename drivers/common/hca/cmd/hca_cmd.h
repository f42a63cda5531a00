/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_CMD_H
#define HCA_CMD_H

/**
 * @file
 * ConnectX firmware commands: encoders of input mailboxes, decoders of
 * output mailboxes, status handling, and the transport that carries them.
 *
 * Encoders take a plain C struct and a zeroed-or-not buffer of at least
 * the command's input length; they clear the buffer, write the common
 * header (opcode, uid, op_mod) and the fields, and return the input
 * length, or a negative errno: -ENOSPC when the buffer is too small,
 * -ERANGE when a parameter does not fit its field (nothing is truncated
 * silently).
 *
 * Decoders take the output mailbox and its length; they check the length
 * (-EPROTO when shorter than the command's output) and then the status
 * (hca_cmd_status_errno()) before they read any field.
 *
 * The layouts are in hca_prm.h. Nothing here does I/O: a transport
 * (struct hca_cmd_transport_ops) sends the bytes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hca_prm.h"

/* ---------------------------------------------------------------------
 * Status handling
 */

/**
 * Name of a command status ("bad parameter"), "unknown status" for a
 * value the PRM does not define.
 */
const char *hca_cmd_status_name(uint8_t status);

/**
 * Map a command status to a negative errno (0 for OK). The table:
 *   OK 0x00 -> 0;  internal error 0x01 -> -EIO;  bad opcode 0x02 ->
 *   -EOPNOTSUPP;  bad parameter 0x03 -> -EINVAL;  bad system state 0x04
 *   -> -EIO;  bad resource 0x05 -> -ENOENT;  resource busy 0x06 ->
 *   -EBUSY;  limits exceeded 0x08 -> -ENOMEM;  bad resource state 0x09
 *   -> -EINVAL;  bad index 0x0a -> -ERANGE;  no resources 0x0f ->
 *   -ENOSPC;  bad QP state 0x10 -> -EINVAL;  bad packet 0x30 -> -EINVAL;
 *   bad size 0x40 -> -EINVAL;  bad input/output length 0x50/0x51 ->
 *   -EMSGSIZE;  any other status -> -EIO.
 */
int hca_cmd_status_errno(uint8_t status);

/** Name of an opcode ("CREATE_QP"), NULL when not one of hca_prm.h's. */
const char *hca_cmd_opcode_name(uint16_t opcode);

/**
 * The exact length of an encoded command's output mailbox, as the PRM
 * gives it (*_OUT_LEN of hca_prm.h). rdma-core's DevX passes the length
 * to the kernel and the firmware, which refuse a wrong one.
 *
 * @param in, in_len      the encoded input (QUERY_HCA_VPORT_GID and _PKEY
 *                        answer one entry or the whole table, by the
 *                        input's index; ACCESS_REG answers as much
 *                        register data as the input carries)
 * @param gid_table_len   entries of the port's GID table
 *                        (QUERY_HCA_CAP), for a query of all; 0: unknown
 * @param pkey_table_len  the same for the P_Key table
 * @return the length in bytes; 0 for an opcode not in hca_prm.h, an
 *         input too short to tell, or a whole table of unknown size
 */
size_t hca_cmd_out_len(const void *in, size_t in_len,
	uint32_t gid_table_len, uint32_t pkey_table_len);

/**
 * Format a failed command for a log message:
 * "CREATE_QP failed: bad parameter (0x3), syndrome 0x1a2b3c4d". An
 * unknown opcode is printed as "opcode 0x123".
 *
 * @return the length snprintf() would have written.
 */
int hca_cmd_format_error(char *buf, size_t size, uint16_t opcode,
	uint8_t status, uint32_t syndrome);

/**
 * Check an output mailbox: at least min_len bytes (and never less than
 * the 8-byte status and syndrome), then the status.
 *
 * @param status, syndrome  if not NULL, set from the header when it is
 *                          long enough.
 * @return 0, -EPROTO for a short output, or hca_cmd_status_errno().
 */
int hca_cmd_check_out(const void *out, size_t out_len, size_t min_len,
	uint8_t *status, uint32_t *syndrome);

/* ---------------------------------------------------------------------
 * Transport
 */

/** Access rights of a registered memory region (umem_reg). */
#define HCA_CMD_ACCESS_LOCAL_WRITE  0x1
#define HCA_CMD_ACCESS_REMOTE_WRITE 0x2
#define HCA_CMD_ACCESS_REMOTE_READ  0x4

/** Size of an event queue entry (EQE). */
#define HCA_CMD_EQE_LEN 64

/**
 * How commands reach a device. One table per kind of device (the soft
 * HCA's socket, DevX on a kernel-driven ConnectX, DevX on a VFIO
 * function); ctx is the transport's own state.
 */
struct hca_cmd_transport_ops {
	/** Name, for log messages. */
	const char *name;
	/**
	 * Execute one command: send in_len bytes of input mailbox, receive
	 * up to out_len bytes of output mailbox.
	 * @return the number of output bytes received (the output's status
	 *         is the caller's business), or a negative errno when the
	 *         command could not be carried.
	 */
	int (*exec)(void *ctx, const void *in, size_t in_len, void *out,
		size_t out_len);
	/**
	 * Register len bytes of process memory at addr for device access
	 * (the firmware's UMEM object): the id goes into the umem fields of
	 * CREATE_QP, CREATE_CQ and CREATE_MKEY.
	 * @return 0 and *umem_id, or a negative errno.
	 */
	int (*umem_reg)(void *ctx, void *addr, size_t len, uint32_t access,
		uint32_t *umem_id);
	/** Release a registration. @return 0 or a negative errno. */
	int (*umem_dereg)(void *ctx, uint32_t umem_id);
	/**
	 * A file descriptor that becomes readable when events are pending.
	 * @return the fd, or a negative errno when the transport has none.
	 */
	int (*event_fd)(void *ctx);
	/**
	 * Read one pending event as an EQE (HCA_CMD_EQE_LEN bytes, PRM
	 * layout) into eqe.
	 * @return 1 with an event, 0 when none is pending, or a negative
	 *         errno.
	 */
	int (*event_read)(void *ctx, void *eqe, size_t len);
};

/** A transport and its state. */
struct hca_cmd_transport {
	const struct hca_cmd_transport_ops *ops;
	void *ctx;
};

/**
 * Execute one command through a transport and check its output: the
 * transport's error, a short output (-EPROTO) or a failed status (its
 * errno, hca_cmd_status_errno()) is logged through hca_log with the
 * command's name, status and syndrome.
 *
 * @param min_out  the output length the command must return (its
 *                 decoder's minimum).
 * @return 0, or a negative errno.
 */
int hca_cmd_exec(const struct hca_cmd_transport *t, const void *in,
	size_t in_len, void *out, size_t out_len, size_t min_out);

/* ---------------------------------------------------------------------
 * Device and port queries
 */

/** QUERY_HCA_CAP: which capabilities. */
struct hca_cmd_query_cap {
	uint16_t uid;
	uint8_t cap_type;       /**< HCA_CAP_TYPE_GENERAL */
	bool current;           /**< current values (else the maximum) */
};

/** General device capabilities. */
struct hca_cmd_hca_cap {
	uint8_t port_type;      /**< HCA_CAP_PORT_TYPE_IB or _ETH */
	uint8_t num_ports;
	uint16_t vhca_id;
	uint8_t log_max_qp_sz;  /**< log2 of the most WQEs in a queue */
	uint8_t log_max_qp;
	uint8_t log_max_cq_sz;
	uint8_t log_max_cq;
	uint8_t log_max_eq_sz;
	uint8_t log_max_eq;
	uint8_t log_max_mkey;
	uint8_t log_max_pd;
	uint8_t log_max_msg;
	uint8_t log_max_mcg;
	uint32_t max_qp_mcg;    /**< QPs per multicast group */
	uint8_t log_pg_sz;
	uint8_t uar_sz;
	uint8_t cqe_version;
	uint16_t max_wqe_sz_sq; /**< bytes in one send WQE */
	uint16_t max_wqe_sz_rq;
	/** Most bytes of inline data in one UD send WQE: max_wqe_sz_sq
	 * less the control (16) and datagram (48) segments and the inline
	 * segment's 4-byte header. */
	uint16_t max_inline_ud;
	uint32_t gid_table_len; /**< entries: 8 << gid_table_size */
	uint32_t pkey_table_len; /**< entries: 128 << pkey_table_size */
	bool ud;
	bool qkv;               /**< Q_Key violation counter */
	bool pkv;               /**< P_Key violation counter */
	bool ipoib_basic_offloads;    /**< checksum on UD */
	bool ipoib_enhanced_offloads; /**< checksum, LSO, RSS on UD */
	/* the objects of RSS on UD (an underlay QP's children): log2 of
	 * how many of each the device holds, 0 when it has none */
	uint8_t log_max_rq;
	uint8_t log_max_sq;
	uint8_t log_max_tir;
	uint8_t log_max_tis;
	uint8_t log_max_rqt;
	uint8_t log_max_rqt_size; /**< log2 of the most RQs in one RQT */
	bool nic_flow_table;    /**< NIC receive flow tables */
	/* from the Ethernet offload capabilities (hca_cmd_query_eth_cap_out()),
	 * read when ipoib_basic_offloads or ipoib_enhanced_offloads */
	bool csum_cap;          /**< IPv4, TCP, UDP checksums on send */
	uint8_t max_lso_cap;    /**< log2 of the largest LSO send; 0: none */
};

/** Input of QUERY_HCA_VPORT_CONTEXT, _GID and _PKEY. */
struct hca_cmd_vport_query {
	uint16_t uid;
	uint8_t port_num;       /**< 1-based */
	bool other_vport;
	uint16_t vport_number;
	uint16_t index;         /**< GID or P_Key index, HCA_VPORT_INDEX_ALL */
};

/** HCA vport context (an IB port as the firmware sees it). */
struct hca_cmd_vport_ctx {
	uint8_t port_state;     /**< IB PortState: 1 down .. 4 active */
	uint8_t vport_state;
	uint8_t port_physical_state;
	bool has_smi;
	bool grh_required;
	uint64_t system_image_guid;
	uint64_t port_guid;
	uint64_t node_guid;
	uint32_t cap_mask1;
	uint16_t lid;
	uint8_t lmc;
	uint8_t init_type_reply;
	uint8_t subnet_timeout;
	uint16_t sm_lid;
	uint8_t sm_sl;
	uint16_t qkey_violations;
	uint16_t pkey_violations;
};

/** Port MTU (PMTU register), as IB MTU codes (1: 256 .. 5: 4096). */
struct hca_cmd_port_mtu {
	uint16_t max_mtu;
	uint16_t admin_mtu;
	uint16_t oper_mtu;
};

/** Encode QUERY_HCA_CAP. @return the input length or a negative errno. */
int hca_cmd_query_hca_cap_in(void *in, size_t size,
	const struct hca_cmd_query_cap *q);
/** Decode QUERY_HCA_CAP's general capabilities. @return 0 or -errno. */
int hca_cmd_query_hca_cap_out(const void *out, size_t len,
	struct hca_cmd_hca_cap *cap);

/**
 * Decode QUERY_HCA_CAP's Ethernet offload capabilities into cap
 * (csum_cap, max_lso_cap). @return 0 or -errno.
 */
int hca_cmd_query_eth_cap_out(const void *out, size_t len,
	struct hca_cmd_hca_cap *cap);

/**
 * The send offloads of UD (IPoIB) the capabilities allow: checksums with
 * ipoib_basic_offloads or ipoib_enhanced_offloads and csum_cap; LSO
 * with ipoib_enhanced_offloads and max_lso_cap.
 *
 * @param csum  set to whether the device checksums sends
 * @return the largest LSO send in bytes, 0 when none
 */
uint32_t hca_cmd_hca_cap_tx_offloads(const struct hca_cmd_hca_cap *cap,
	bool *csum);

/**
 * How many receive queues one QP can spread its datagrams over by RSS,
 * as the capabilities allow: its RSS children (each an SQ and an RQ,
 * behind a TIS, an RQ table, a TIR and a NIC receive flow table). 1
 * (the QP alone) unless the device has ipoib_enhanced_offloads and every
 * one of those objects; then the smaller of the RQ table's size and the
 * RQs and SQs the device holds.
 *
 * @param cap  capabilities decoded by hca_cmd_query_hca_cap_out().
 * @return 1 or more.
 */
uint32_t hca_cmd_hca_cap_rss_queues(const struct hca_cmd_hca_cap *cap);

/** Encode QUERY_HCA_VPORT_CONTEXT. @return input length or -errno. */
int hca_cmd_query_vport_ctx_in(void *in, size_t size,
	const struct hca_cmd_vport_query *q);
/** Decode QUERY_HCA_VPORT_CONTEXT. @return 0 or -errno. */
int hca_cmd_query_vport_ctx_out(const void *out, size_t len,
	struct hca_cmd_vport_ctx *ctx);

/** Encode QUERY_HCA_VPORT_GID. @return input length or -errno. */
int hca_cmd_query_vport_gid_in(void *in, size_t size,
	const struct hca_cmd_vport_query *q);
/**
 * Decode QUERY_HCA_VPORT_GID: up to max GIDs (16 bytes each, network
 * order) into gids.
 * @return the number of GIDs copied, or -errno (-EPROTO when the output
 *         is shorter than the GIDs it announces).
 */
int hca_cmd_query_vport_gid_out(const void *out, size_t len,
	uint8_t (*gids)[16], unsigned int max);

/** Encode QUERY_HCA_VPORT_PKEY. @return input length or -errno. */
int hca_cmd_query_vport_pkey_in(void *in, size_t size,
	const struct hca_cmd_vport_query *q);
/**
 * Decode QUERY_HCA_VPORT_PKEY: count entries (1 for one index, the
 * table length for HCA_VPORT_INDEX_ALL) into pkeys.
 * @return count, or -errno (-EPROTO when the output is too short).
 */
int hca_cmd_query_vport_pkey_out(const void *out, size_t len,
	uint16_t *pkeys, unsigned int count);

/** Encode ACCESS_REG reading the PMTU register of a port (1-based).
 * @return input length (header and register) or -errno. */
int hca_cmd_query_pmtu_in(void *in, size_t size, uint16_t uid,
	uint8_t port_num);
/** Decode the PMTU register. @return 0 or -errno. */
int hca_cmd_query_pmtu_out(const void *out, size_t len,
	struct hca_cmd_port_mtu *mtu);

/* ---------------------------------------------------------------------
 * Protection domains and memory keys
 */

/** Encode ALLOC_PD. @return input length or -errno. */
int hca_cmd_alloc_pd_in(void *in, size_t size, uint16_t uid);
/** Decode ALLOC_PD: the PD number. @return 0 or -errno. */
int hca_cmd_alloc_pd_out(const void *out, size_t len, uint32_t *pdn);
/** Encode DEALLOC_PD. @return input length or -errno. */
int hca_cmd_dealloc_pd_in(void *in, size_t size, uint16_t uid,
	uint32_t pdn);

/**
 * A memory key over a registered UMEM. Why this shape: a process that
 * reaches the device through DevX (kernel driver bound) or rdma-core's
 * VFIO provider cannot give the firmware the bus addresses of its pages,
 * which is what an MTT list in CREATE_MKEY holds; the kernel or the VFIO
 * provider does that when it registers a UMEM (transport op umem_reg).
 * CREATE_MKEY then refers to the UMEM (mkey_umem_valid, mkey_umem_id)
 * and sets start_addr to the process address, so that WQEs carry
 * virtual addresses of DPDK memory, as rdma-core and DPDK's mlx5 DevX
 * paths do. The rings themselves (QP, CQ, doorbell records) need no
 * mkey: CREATE_QP and CREATE_CQ name their UMEMs directly.
 */
struct hca_cmd_mkey {
	uint16_t uid;
	uint32_t pdn;
	uint64_t start_addr;    /**< process address of the region */
	uint64_t len;
	uint32_t umem_id;
	uint64_t umem_offset;   /**< start_addr's offset in the UMEM */
	uint8_t log_page_size;  /**< page shift of the UMEM's entries */
	uint8_t mkey_7_0;       /**< the key's variant byte */
	bool local_write;
	bool remote_read;
	bool remote_write;
};

/** Encode CREATE_MKEY. @return input length or -errno. */
int hca_cmd_create_mkey_in(void *in, size_t size,
	const struct hca_cmd_mkey *mk);
/** Decode CREATE_MKEY: the mkey index; the key is index << 8 | the
 * variant byte. @return 0 or -errno. */
int hca_cmd_create_mkey_out(const void *out, size_t len,
	uint32_t *mkey_index);
/** Encode DESTROY_MKEY. @return input length or -errno. */
int hca_cmd_destroy_mkey_in(void *in, size_t size, uint16_t uid,
	uint32_t mkey_index);

/* ---------------------------------------------------------------------
 * Event queues and completion queues
 */

/** A minimal event queue, its ring given by page addresses. */
struct hca_cmd_eq {
	uint16_t uid;
	uint8_t log_eq_size;
	uint32_t uar_page;
	uint8_t intr;           /**< interrupt vector */
	uint8_t log_page_size;  /**< ring page shift minus 12 */
	uint64_t event_bitmask[4]; /**< bit n: event type n */
	const uint64_t *pas;    /**< page addresses of the ring */
	unsigned int npas;
};

/** Encode CREATE_EQ. @return input length (with pas) or -errno. */
int hca_cmd_create_eq_in(void *in, size_t size, const struct hca_cmd_eq *eq);
/** Decode CREATE_EQ: the EQ number. @return 0 or -errno. */
int hca_cmd_create_eq_out(const void *out, size_t len, uint8_t *eqn);
/** Encode DESTROY_EQ. @return HCA_CMD_SHORT_LEN or -errno. */
int hca_cmd_destroy_eq_in(void *in, size_t size, uint16_t uid, uint8_t eqn);

/** A completion queue whose ring and doorbell record are UMEMs. */
struct hca_cmd_cq {
	uint16_t uid;
	uint8_t log_cq_size;
	uint8_t cqe_sz;         /**< HCA_CQC_CQE_SZ_64 or _128 */
	uint32_t uar_page;
	uint8_t c_eqn;          /**< EQ that completion events go to */
	uint8_t log_page_size;  /**< ring page shift minus 12 */
	uint32_t cq_umem_id;
	uint64_t cq_umem_offset;
	uint32_t dbr_umem_id;
	uint64_t dbr_addr;      /**< doorbell record's offset in its UMEM */
};

/** Encode CREATE_CQ. @return input length or -errno. */
int hca_cmd_create_cq_in(void *in, size_t size, const struct hca_cmd_cq *cq);
/** Decode CREATE_CQ: the CQ number. @return 0 or -errno. */
int hca_cmd_create_cq_out(const void *out, size_t len, uint32_t *cqn);
/** Encode DESTROY_CQ. @return input length or -errno. */
int hca_cmd_destroy_cq_in(void *in, size_t size, uint16_t uid,
	uint32_t cqn);

/* ---------------------------------------------------------------------
 * UD queue pairs
 */

/** A UD QP whose rings and doorbell record are UMEMs. */
struct hca_cmd_qp {
	uint16_t uid;
	uint8_t st;             /**< HCA_QP_ST_UD (or _QP1) */
	uint8_t pm_state;       /**< HCA_QP_PM_MIGRATED */
	uint32_t pdn;
	uint32_t uar_page;
	uint32_t cqn_snd;
	uint32_t cqn_rcv;
	uint8_t log_sq_size;    /**< log2 of send WQEBBs (64 bytes) */
	uint8_t log_rq_size;    /**< log2 of receive WQEs */
	uint8_t log_rq_stride;  /**< receive WQE: 16 << log_rq_stride bytes */
	uint8_t log_page_size;  /**< ring page shift minus 12 */
	uint8_t cs_res;         /**< scatter to CQE on receive; 0 off */
	uint32_t user_index;
	uint32_t wq_umem_id;
	uint64_t wq_umem_offset;
	uint32_t dbr_umem_id;
	uint64_t dbr_addr;      /**< doorbell record's offset in its UMEM */
};

/** Encode CREATE_QP. @return input length or -errno. */
int hca_cmd_create_qp_in(void *in, size_t size, const struct hca_cmd_qp *qp);
/** Decode CREATE_QP: the QP number. @return 0 or -errno. */
int hca_cmd_create_qp_out(const void *out, size_t len, uint32_t *qpn);
/** Encode DESTROY_QP. @return input length or -errno. */
int hca_cmd_destroy_qp_in(void *in, size_t size, uint16_t uid,
	uint32_t qpn);

/** Parameters of the UD state changes. */
struct hca_cmd_qp_modify {
	uint16_t uid;
	uint32_t qpn;
	uint32_t q_key;         /**< RST2INIT */
	uint16_t pkey_index;    /**< RST2INIT */
	uint8_t port_num;       /**< RST2INIT: vhca_port_num, 1-based */
	uint32_t sq_psn;        /**< RTR2RTS: next_send_psn */
};

/** Encode RST2INIT_QP (Q_Key, P_Key index, port). @return length/-errno. */
int hca_cmd_rst2init_qp_in(void *in, size_t size,
	const struct hca_cmd_qp_modify *m);
/** Encode INIT2RTR_QP (nothing to set for UD). @return length/-errno. */
int hca_cmd_init2rtr_qp_in(void *in, size_t size,
	const struct hca_cmd_qp_modify *m);
/** Encode RTR2RTS_QP (send PSN). @return length/-errno. */
int hca_cmd_rtr2rts_qp_in(void *in, size_t size,
	const struct hca_cmd_qp_modify *m);
/** Encode 2ERR_QP. @return input length or -errno. */
int hca_cmd_qp_2err_in(void *in, size_t size, uint16_t uid, uint32_t qpn);
/** Encode 2RST_QP. @return input length or -errno. */
int hca_cmd_qp_2rst_in(void *in, size_t size, uint16_t uid, uint32_t qpn);
/** Check the output of a state change (status only). @return 0/-errno. */
int hca_cmd_modify_qp_out(const void *out, size_t len);

/** What QUERY_QP reports. */
struct hca_cmd_qp_state {
	uint8_t state;          /**< HCA_QP_STATE_* */
	uint8_t st;
	uint32_t q_key;
	uint16_t pkey_index;
	uint8_t port_num;
	uint32_t cqn_snd;
	uint32_t cqn_rcv;
};

/** Encode QUERY_QP. @return input length or -errno. */
int hca_cmd_query_qp_in(void *in, size_t size, uint16_t uid, uint32_t qpn);
/** Decode QUERY_QP. @return 0 or -errno. */
int hca_cmd_query_qp_out(const void *out, size_t len,
	struct hca_cmd_qp_state *qs);

/** Encode ATTACH_TO_MCG (qpn, multicast GID in network order).
 * @return input length or -errno. */
int hca_cmd_attach_mcg_in(void *in, size_t size, uint16_t uid,
	uint32_t qpn, const uint8_t mgid[16]);
/** Encode DETACH_FROM_MCG. @return input length or -errno. */
int hca_cmd_detach_mcg_in(void *in, size_t size, uint16_t uid,
	uint32_t qpn, const uint8_t mgid[16]);

/* ---------------------------------------------------------------------
 * Work queues and transport objects (hca_cmd_wq.c): the send and receive
 * queues of an IPoIB port beyond its UD QP, as ConnectX IPoIB makes them
 */

/** The PRM's wq structure: a cyclic ring and its doorbell record, both
 * in UMEMs. */
struct hca_cmd_wq {
	uint32_t pdn;
	uint32_t uar_page;
	uint8_t log_wq_stride;  /**< log2 of a WQE's bytes (SQ 6, RQ 4) */
	uint8_t log_wq_sz;      /**< log2 of the WQEs in the ring */
	uint8_t log_wq_pg_sz;   /**< ring page shift minus 12 */
	uint32_t wq_umem_id;
	uint64_t wq_umem_offset;
	uint32_t dbr_umem_id;
	uint64_t dbr_addr;      /**< doorbell record's offset in its UMEM */
};

/** A send queue whose datagrams leave through a TIS. */
struct hca_cmd_sq {
	uint16_t uid;
	uint32_t cqn;
	uint32_t tisn;
	uint32_t user_index;
	struct hca_cmd_wq wq;
};

/** A receive queue. */
struct hca_cmd_rq {
	uint16_t uid;
	uint32_t cqn;
	uint32_t user_index;
	bool vsd;               /**< VLAN stripping disabled */
	struct hca_cmd_wq wq;
};

/** A transport interface send: here, the UD QP whose number and
 * address its SQs send with (underlay_qpn). */
struct hca_cmd_tis {
	uint16_t uid;
	uint8_t prio;
	uint32_t transport_domain;
	uint32_t underlay_qpn;
};

/** Encode CREATE_SQ (in RST). @return input length or -errno. */
int hca_cmd_create_sq_in(void *in, size_t size, const struct hca_cmd_sq *sq);
/** Encode MODIFY_SQ: from state cur to state next (HCA_WQ_STATE_*).
 * @return input length or -errno. */
int hca_cmd_modify_sq_in(void *in, size_t size, uint16_t uid, uint32_t sqn,
	uint8_t cur, uint8_t next);
/** Encode DESTROY_SQ. @return input length or -errno. */
int hca_cmd_destroy_sq_in(void *in, size_t size, uint16_t uid,
	uint32_t sqn);
/** Encode CREATE_RQ (in RST). @return input length or -errno. */
int hca_cmd_create_rq_in(void *in, size_t size, const struct hca_cmd_rq *rq);
/** Encode MODIFY_RQ: from state cur to state next (HCA_WQ_STATE_*).
 * @return input length or -errno. */
int hca_cmd_modify_rq_in(void *in, size_t size, uint16_t uid, uint32_t rqn,
	uint8_t cur, uint8_t next);
/** Encode DESTROY_RQ. @return input length or -errno. */
int hca_cmd_destroy_rq_in(void *in, size_t size, uint16_t uid,
	uint32_t rqn);
/** Encode CREATE_TIS. @return input length or -errno. */
int hca_cmd_create_tis_in(void *in, size_t size,
	const struct hca_cmd_tis *tis);
/** Encode DESTROY_TIS. @return input length or -errno. */
int hca_cmd_destroy_tis_in(void *in, size_t size, uint16_t uid,
	uint32_t tisn);

/* ---------------------------------------------------------------------
 * Receive side scaling and flow steering (hca_cmd_steer.c)
 */

/** Most RQs in one RQ table that the encoders write. */
#define HCA_CMD_RQT_MAX 64

/** A TIR that spreads datagrams over an RQ table by a Toeplitz hash. */
struct hca_cmd_tir {
	uint16_t uid;
	uint32_t transport_domain;
	uint32_t rqtn;
	uint8_t toeplitz_key[HCA_TIRC_TOEPLITZ_KEY_LEN];
	uint8_t l3_prot_type;   /**< 0 IPv4, 1 IPv6 */
	uint8_t l4_prot_type;   /**< 0 TCP, 1 UDP */
	uint32_t selected_fields; /**< HCA_RX_HASH_* */
};

/** A flow table. */
struct hca_cmd_flow_table {
	uint16_t uid;
	uint8_t table_type;     /**< HCA_FT_TYPE_NIC_RX */
	uint8_t level;
	uint8_t log_size;       /**< log2 of its entries */
};

/** A flow group: a range of a table's entries; no match criteria (its
 * entries match every packet). */
struct hca_cmd_flow_group {
	uint16_t uid;
	uint8_t table_type;
	uint32_t table_id;
	uint32_t start_index;
	uint32_t end_index;
};

/** A flow table entry that matches every packet and forwards it to one
 * destination. */
struct hca_cmd_fte {
	uint16_t uid;
	uint8_t table_type;
	uint32_t table_id;
	uint32_t group_id;
	uint32_t flow_index;
	uint8_t dest_type;      /**< HCA_FLOW_DEST_TIR */
	uint32_t dest_id;
};

/**
 * Encode CREATE_RQT or MODIFY_RQT (rqtn != 0: its list replaced) with
 * n RQ numbers (1 .. HCA_CMD_RQT_MAX), max_size the table's room.
 * @return input length or -errno.
 */
int hca_cmd_rqt_in(void *in, size_t size, uint16_t uid, uint32_t rqtn,
	const uint32_t *rqns, unsigned int n, uint16_t max_size);
/** Encode DESTROY_RQT. @return input length or -errno. */
int hca_cmd_destroy_rqt_in(void *in, size_t size, uint16_t uid,
	uint32_t rqtn);
/** Encode CREATE_TIR (indirect, Toeplitz). @return length or -errno. */
int hca_cmd_create_tir_in(void *in, size_t size,
	const struct hca_cmd_tir *tir);
/** Encode DESTROY_TIR. @return input length or -errno. */
int hca_cmd_destroy_tir_in(void *in, size_t size, uint16_t uid,
	uint32_t tirn);
/** Encode CREATE_FLOW_TABLE. @return input length or -errno. */
int hca_cmd_create_flow_table_in(void *in, size_t size,
	const struct hca_cmd_flow_table *ft);
/** Encode DESTROY_FLOW_TABLE. @return input length or -errno. */
int hca_cmd_destroy_flow_table_in(void *in, size_t size, uint16_t uid,
	uint8_t table_type, uint32_t table_id);
/** Encode CREATE_FLOW_GROUP. @return input length or -errno. */
int hca_cmd_create_flow_group_in(void *in, size_t size,
	const struct hca_cmd_flow_group *fg);
/** Encode DESTROY_FLOW_GROUP. @return input length or -errno. */
int hca_cmd_destroy_flow_group_in(void *in, size_t size, uint16_t uid,
	uint8_t table_type, uint32_t table_id, uint32_t group_id);
/** Encode SET_FLOW_TABLE_ENTRY. @return input length or -errno. */
int hca_cmd_set_fte_in(void *in, size_t size, const struct hca_cmd_fte *fte);
/** Encode DELETE_FLOW_TABLE_ENTRY. @return input length or -errno. */
int hca_cmd_delete_fte_in(void *in, size_t size, uint16_t uid,
	uint8_t table_type, uint32_t table_id, uint32_t flow_index);
/**
 * Encode SET_FLOW_TABLE_ROOT: the receive root table of the UD QP
 * underlay_qpn (datagrams to that QP go through the table); with
 * disconnect (op_mod 1, no table), the QP loses its root table.
 * @return input length or -errno.
 */
int hca_cmd_set_flow_table_root_in(void *in, size_t size, uint16_t uid,
	uint8_t table_type, uint32_t table_id, uint32_t underlay_qpn,
	bool disconnect);

/* ---------------------------------------------------------------------
 * Shared by the encoders (hca_cmd.c)
 */

/**
 * Start an input mailbox: check room for len bytes, clear them, write
 * opcode, uid and op_mod.
 * @return 0, or -ENOSPC when size < len.
 */
int hca_cmd_in_start(void *in, size_t size, size_t len, uint16_t opcode,
	uint16_t uid, uint16_t op_mod);

/**
 * Encode a 16-byte command that names one object (destroy, dealloc,
 * 2ERR, 2RST, QUERY_QP): header and object number.
 * @return HCA_CMD_SHORT_LEN, -ENOSPC or -ERANGE.
 */
int hca_cmd_obj_in(void *in, size_t size, uint16_t opcode, uint16_t uid,
	uint32_t obj);

/**
 * Decode the object number that a create or alloc command returns, after
 * checking the output's length and status.
 * @return 0 or -errno.
 */
int hca_cmd_obj_out(const void *out, size_t len, uint32_t *obj);

#endif /* HCA_CMD_H */
