/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCASIM_PROTO_H
#define HCASIM_PROTO_H

/**
 * @file
 * The soft HCA's client protocol, shared by the daemon (app/hcasim) and
 * the HCA layer's client backend (hca_sim_client.c).
 *
 * Transport: a unix SOCK_SEQPACKET socket, one message per request and one
 * per reply, file descriptors passed with SCM_RIGHTS. Every message starts
 * with struct hcasim_msg_hdr; a reply repeats the request's type and
 * sequence number and carries a status (0 or a negative errno). The first
 * request on a connection is HELLO (version check), then PORT_OPEN binds
 * the connection to one emulated port; everything created afterwards
 * belongs to that connection and is destroyed when it closes.
 *
 * Shared memory handed back by the daemon (sealed memfds, mapped by the
 * client with MAP_SHARED):
 *  - CQ: cqe_cnt 64-byte CQEs at offset 0, the doorbell record (consumer
 *    index, big endian, 24 bits) at dbrec_off.
 *  - QP: the send ring (sq_wqe_cnt 64-byte blocks) at sq_off, the receive
 *    ring (rq_wqe_cnt 16-byte data segments) at rq_off, the doorbell
 *    record (receive counter at [0], send counter at [1]) at dbrec_off.
 *
 * Events (EQ_OPEN, once per connection, after PORT_OPEN): the reply
 * carries one end of a SOCK_SEQPACKET socket pair; the daemon writes one
 * 64-byte event queue entry (struct hcasim_eqe, ConnectX layout) per
 * datagram on the other end when the bound port changes. The client
 * waits on its end with poll() and reads it without blocking.
 *
 * All fields are in host byte order (both ends run on the same machine),
 * GIDs in network order.
 */

#include <stdint.h>

/** "HCS1": first word of every message. */
#define HCASIM_PROTO_MAGIC 0x48435331u
/** Protocol version; the daemon refuses others. */
#define HCASIM_PROTO_VERSION 1u
/** Largest message on the socket (requests and replies). */
#define HCASIM_MSG_MAX 2048
/** Longest host name (node description) carried. */
#define HCASIM_HOST_LEN 64
/** Longest CA name carried. */
#define HCASIM_CA_LEN 20
/** P_Key entries carried in a port description. */
#define HCASIM_MAX_PKEYS 128

/** Message types. */
enum hcasim_msg_type {
	HCASIM_MSG_HELLO = 1,
	HCASIM_MSG_PORT_OPEN = 2,
	HCASIM_MSG_PORT_QUERY = 3,
	HCASIM_MSG_PD_ALLOC = 4,
	HCASIM_MSG_PD_FREE = 5,
	HCASIM_MSG_MR_REG = 6,
	HCASIM_MSG_MR_DEREG = 7,
	HCASIM_MSG_CQ_CREATE = 8,
	HCASIM_MSG_CQ_DESTROY = 9,
	HCASIM_MSG_QP_CREATE = 10,
	HCASIM_MSG_QP_MODIFY = 11,
	HCASIM_MSG_QP_DESTROY = 12,
	HCASIM_MSG_MCAST_ATTACH = 13,
	HCASIM_MSG_MCAST_DETACH = 14,
	HCASIM_MSG_STATUS = 15,
	HCASIM_MSG_QP_FAULT = 16,
	HCASIM_MSG_EQ_OPEN = 17,
	HCASIM_MSG_TYPE_MAX
};

/**
 * Firmware command messages: a range of their own, outside
 * 1 .. HCASIM_MSG_TYPE_MAX - 1 (hcasim_cmd_msg_type() in the daemon).
 *  - CMD: the body is a ConnectX input mailbox (big-endian PRM layout,
 *    HCA_IN_HDR_LEN .. HCASIM_BODY_MAX bytes), the reply's body the
 *    output mailbox; the header status stays 0 when the command ran (its
 *    PRM status and syndrome are in the output).
 *  - UMEM_REG: struct hcasim_umem_reg_req with a memory fd (SCM_RIGHTS),
 *    reply struct hcasim_umem_msg; UMEM_DEREG: struct hcasim_umem_msg.
 */
enum hcasim_cmd_msg_type {
	HCASIM_MSG_CMD = 32,
	HCASIM_MSG_UMEM_REG = 33,
	HCASIM_MSG_UMEM_DEREG = 34,
};

/**
 * Syndrome (status BAD_PARAM) of ATTACH_TO_MCG when the QP is attached
 * to the group already, and of DETACH_FROM_MCG when it is not: the client
 * library reports -EEXIST and -EINVAL, as for the object messages.
 */
#define HCASIM_CMD_SYN_MCG_ATTACHED 0x48530024u
/**
 * Syndrome of ATTACH_TO_MCG for an MGID whose MLID the daemon cannot
 * find (no member holds it and its own SA query does not see the group,
 * as for a partition its port is not in).
 */
#define HCASIM_CMD_SYN_MCG_UNKNOWN 0x48530023u

/** Header of every message. */
struct hcasim_msg_hdr {
	uint32_t magic;      /**< HCASIM_PROTO_MAGIC */
	uint16_t type;       /**< enum hcasim_msg_type */
	uint16_t len;        /**< whole message, header included */
	uint32_t seq;        /**< chosen by the client, echoed */
	int32_t status;      /**< replies: 0 or a negative errno */
};

/** HELLO request. */
struct hcasim_hello_req {
	uint32_t version;    /**< HCASIM_PROTO_VERSION */
	uint32_t pid;
	char host[HCASIM_HOST_LEN]; /**< node description of the client host */
};

/** HELLO reply. */
struct hcasim_hello_rep {
	uint32_t version;
	uint32_t client_id;
};

/** PORT_OPEN request. */
struct hcasim_port_open_req {
	char ca_name[HCASIM_CA_LEN]; /**< "" for the first CA */
	uint32_t port;               /**< 1-based, 0 for the first */
};

/** A port as the daemon knows it (PORT_OPEN and PORT_QUERY replies). */
struct hcasim_port_attr {
	char ca_name[HCASIM_CA_LEN];
	uint32_t port_num;
	uint32_t state;              /**< enum hca_port_state */
	uint32_t phys_state;
	uint16_t lid;
	uint16_t sm_lid;
	uint8_t lmc;
	uint8_t sm_sl;
	uint8_t active_mtu;          /**< IB MTU code */
	uint8_t rate;
	uint8_t gid[16];
	uint64_t port_guid;
	uint64_t node_guid;
	uint32_t capability_mask;
	uint32_t pkey_count;
	uint16_t pkeys[HCASIM_MAX_PKEYS];
	uint32_t max_qp_wr;
	uint32_t max_cqe;
	uint32_t max_inline;
	uint32_t max_qp;
	uint32_t max_rss_children;
};

/** PD_ALLOC reply and PD_FREE request. */
struct hcasim_pd_msg {
	uint32_t pdn;
};

/** MR_REG request (the region's fd rides along). */
struct hcasim_mr_reg_req {
	uint32_t pdn;
	uint32_t pad;
	uint64_t va;         /**< address of the region in the client */
	uint64_t len;
	uint64_t fd_off;     /**< offset of va within the fd */
};

/** MR_REG reply and MR_DEREG request. */
struct hcasim_mr_msg {
	uint32_t lkey;
};

/** CQ_CREATE request. */
struct hcasim_cq_create_req {
	uint32_t min_cqe;
};

/** CQ_CREATE reply (the ring's fd rides along). */
struct hcasim_cq_create_rep {
	uint32_t cqn;
	uint32_t cqe_cnt;
	uint64_t map_len;
	uint64_t dbrec_off;
};

/** CQ_DESTROY request. */
struct hcasim_cq_msg {
	uint32_t cqn;
};

/** QP_CREATE request. */
struct hcasim_qp_create_req {
	uint32_t pdn;
	uint32_t send_cqn;
	uint32_t recv_cqn;
	uint32_t sq_wqe_cnt;
	uint32_t rq_wqe_cnt;
	uint32_t max_inline;
	uint32_t rss_parent_qpn; /**< 0: none */
};

/** QP_CREATE reply (the rings' fd rides along). */
struct hcasim_qp_create_rep {
	uint32_t qpn;
	uint32_t wire_qpn;
	uint32_t sq_wqe_cnt;
	uint32_t rq_wqe_cnt;
	uint32_t max_inline;
	uint32_t pad;
	uint64_t map_len;
	uint64_t sq_off;
	uint64_t rq_off;
	uint64_t dbrec_off;
};

/** QP_MODIFY request. */
struct hcasim_qp_modify_req {
	uint32_t qpn;
	uint32_t state;      /**< enum hca_qp_state */
	uint32_t qkey;
	uint16_t pkey_index;
	uint16_t pad;
};

/** QP_DESTROY request. */
struct hcasim_qp_msg {
	uint32_t qpn;
};

/** MCAST_ATTACH / MCAST_DETACH request. */
struct hcasim_mcast_req {
	uint32_t qpn;
	uint16_t mlid;
	uint16_t pad;
	uint8_t mgid[16];
};

/** What QP_FAULT does to a QP. */
enum hcasim_qp_fault_kind {
	/** the QP enters the error state now (its WQEs are flushed) */
	HCASIM_QP_FAULT_NOW = 0,
	/** its next send WQE fails with a local protection error, as one
	 *  whose lkey the device refuses, and the QP enters the error state */
	HCASIM_QP_FAULT_NEXT_SEND = 1,
};

/**
 * QP_FAULT request (fault injection, for tests): any client that said
 * HELLO may send it, for any QP; no port needed.
 */
struct hcasim_qp_fault_req {
	uint32_t qpn;
	uint32_t kind;       /**< enum hcasim_qp_fault_kind */
};

/** STATUS reply: the JSON text is in a memfd that rides along. */
struct hcasim_status_rep {
	uint64_t json_len;
};

/** UMEM_REG request (the memory's fd rides along). */
struct hcasim_umem_reg_req {
	uint64_t len;        /**< bytes registered */
	uint64_t fd_off;     /**< where they start in the fd */
};

/** UMEM_REG reply and UMEM_DEREG request. */
struct hcasim_umem_msg {
	uint32_t umem_id;
	uint32_t pad;
};

/** EQ_OPEN reply: the event socket rides along. */
struct hcasim_eq_open_rep {
	uint32_t eqe_size;   /**< bytes per entry (64) */
	uint32_t nent;       /**< entries per owner-bit lap */
};

/*
 * Event queue entries, as a ConnectX writes them into an EQ (PRM
 * "Event Queue Entry"): 64 bytes, big-endian fields, the event type in
 * byte 1, its subtype in byte 3, 28 bytes of event data at byte 32, the
 * owner bit in bit 0 of the last byte. The owner bit of the n-th entry
 * written on a channel (from 0) is (n / nent) & 1, as the n-th entry of
 * a ring of nent entries that software initialised to owner 1.
 */
/** Entries per owner-bit lap of an event channel. */
#define HCASIM_EQ_NENT 64

/** One event queue entry. */
struct hcasim_eqe {
	uint8_t rsvd0;
	uint8_t event_type;      /**< HCASIM_EQE_TYPE_* */
	uint8_t rsvd1;
	uint8_t event_sub_type;  /**< HCASIM_EQE_PORT_* for port changes */
	uint8_t rsvd2[28];
	uint8_t data[28];        /**< event data (see below) */
	uint8_t rsvd3[2];
	uint8_t signature;
	uint8_t owner;           /**< bit 0: the owner bit */
};

_Static_assert(sizeof(struct hcasim_eqe) == 64, "an EQE is 64 bytes");

/** Event types (event_type). */
#define HCASIM_EQE_TYPE_CQ_ERROR 0x04
#define HCASIM_EQE_TYPE_WQ_CATAS_ERROR 0x05
#define HCASIM_EQE_TYPE_PORT_CHANGE 0x09

/** Port change subtypes (event_sub_type). */
#define HCASIM_EQE_PORT_DOWN 0x01
#define HCASIM_EQE_PORT_ACTIVE 0x04
#define HCASIM_EQE_PORT_INITIALIZED 0x05
#define HCASIM_EQE_PORT_LID_CHANGE 0x06
#define HCASIM_EQE_PORT_PKEY_CHANGE 0x07
#define HCASIM_EQE_PORT_GUID_CHANGE 0x08
#define HCASIM_EQE_PORT_CLIENT_REREG 0x09

/**
 * Port change data: the port number in the upper four bits of data
 * byte 8 (the PRM's port_state event: 8 reserved bytes, then the port).
 */
#define HCASIM_EQE_PORT_BYTE 8
#define HCASIM_EQE_PORT_SHIFT 4

/** Largest body of any message. */
#define HCASIM_BODY_MAX (HCASIM_MSG_MAX - sizeof(struct hcasim_msg_hdr))

#endif /* HCASIM_PROTO_H */
