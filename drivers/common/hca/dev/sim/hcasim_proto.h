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
 * PDs, memory keys, CQs, QPs, their state changes and multicast
 * attachments, and the RSS queues (SQs, RQs and their steering), are
 * made by firmware commands (CMD, below), over memory the client
 * allocates and registers (UMEM_REG).
 *
 * Events, as on a ConnectX: the client makes its event queue with the
 * firmware command CREATE_EQ (the ring in a UMEM of its own, see
 * doc/hcasim.md), and the daemon writes 64-byte event queue entries
 * (struct hcasim_eqe) into that ring with the owner bit. The interrupt
 * line is INTR_OPEN (once per connection, after PORT_OPEN): the reply
 * carries one end of a SOCK_SEQPACKET socket pair on which the daemon
 * writes one small message (struct hcasim_intr_msg) when it has written
 * entries; the client waits on its end with poll(), drains it without
 * blocking and then reads the ring. The line carries no entries.
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

/**
 * Message types. Retired, their numbers never reused (a message of one
 * is an unknown type): 3 PORT_QUERY, 4 PD_ALLOC, 5 PD_FREE, 6 MR_REG,
 * 7 MR_DEREG, 8 CQ_CREATE, 9 CQ_DESTROY, 10 QP_CREATE, 11 QP_MODIFY,
 * 12 QP_DESTROY, 13 MCAST_ATTACH, 14 MCAST_DETACH (firmware commands do
 * their work).
 */
enum hcasim_msg_type {
	HCASIM_MSG_HELLO = 1,
	HCASIM_MSG_PORT_OPEN = 2,
	HCASIM_MSG_STATUS = 15,
	HCASIM_MSG_QP_FAULT = 16,
	HCASIM_MSG_INTR_OPEN = 17,
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
/*
 * 0x48530023 is retired (ATTACH_TO_MCG for an MGID whose MLID the daemon
 * could not find): the daemon attaches by MGID alone. Not reused.
 */

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

/** A port as the daemon knows it (PORT_OPEN reply). */
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
	/** The daemon's limit of RSS children under one QP (0 with
	 * --no-ipoib-enhanced); informative: clients take the count from
	 * QUERY_HCA_CAP. */
	uint32_t max_rss_children;
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

/** INTR_OPEN reply: the interrupt line's socket rides along. */
struct hcasim_intr_open_rep {
	uint32_t msg_size;   /**< bytes per interrupt message */
	uint32_t pad;
};

/** One interrupt: the EQ that has new entries. */
struct hcasim_intr_msg {
	uint32_t eqn;
};

/*
 * Event queue entries, as a ConnectX writes them into an EQ (PRM
 * "Event Queue Entry"): 64 bytes, big-endian fields, the event type in
 * byte 1, its subtype in byte 3, 28 bytes of event data at byte 32, the
 * owner bit in bit 0 of the last byte. Software initialises every
 * entry's owner bit to 1; the n-th entry the device writes (from 0)
 * carries (n >> log_eq_size) & 1.
 *
 * The soft HCA has no UAR: the EQ's consumer counter, which a driver
 * writes to the UAR's EQ doorbell on a ConnectX, is a doorbell record
 * instead, 4 bytes big endian (24 bits) right after the ring in the same
 * UMEM (HCASIM_EQ_DBR_ROOM bytes kept for it). The daemon reads it
 * before writing: a full ring loses the entry, and the next one written
 * is a client re-register (check everything).
 */
/** Room kept after an EQ ring for its consumer counter. */
#define HCASIM_EQ_DBR_ROOM 64
/**
 * An I/O address of the soft HCA (CREATE_EQ's page addresses): a UMEM
 * id in the upper 32 bits, an offset in that UMEM in the lower 32.
 */
#define HCASIM_EQ_PA(umem_id, off) ((uint64_t)(umem_id) << 32 | (off))

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
#define HCASIM_EQE_TYPE_WQ_ACCESS_ERROR 0x11

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

/**
 * WQ error data (WQ catastrophic, local WQ access): the kind of queue
 * in data byte 20 (0: a QP), its number (24 bits, big endian) in data
 * bytes 24..27.
 */
#define HCASIM_EQE_WQ_TYPE_BYTE 20
#define HCASIM_EQE_WQ_NUM_BYTE 24
/** CQ error data: the CQN (24 bits, big endian) in data bytes 0..3, the
 * syndrome in byte 11 (1: CQ overrun). */
#define HCASIM_EQE_CQ_NUM_BYTE 0
#define HCASIM_EQE_CQ_SYNDROME_BYTE 11
#define HCASIM_EQE_CQ_SYNDROME_OVERRUN 0x01

/** Largest body of any message. */
#define HCASIM_BODY_MAX (HCASIM_MSG_MAX - sizeof(struct hcasim_msg_hdr))

#endif /* HCASIM_PROTO_H */
