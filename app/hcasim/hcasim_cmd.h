/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCASIM_CMD_H
#define HCASIM_CMD_H

/**
 * @file
 * The soft HCA's firmware command executor: ConnectX commands (input and
 * output mailboxes in the PRM's layout, drivers/common/hca/cmd/hca_prm.h)
 * run on the daemon's own objects (hcasim_res.c), UMEMs (client memory
 * registered for the device), and the command log.
 *
 *  - hcasim_cmd.c: the messages (CMD, UMEM_REG, UMEM_DEREG), the opcode
 *    table, the log, UMEMs, device and port queries, PDs, memory keys;
 *  - hcasim_cmd_qp.c: CQs, QPs and their state machine, multicast;
 *  - hcasim_cmd_eq.c: event queues (the ring of port and error events);
 *  - hcasim_msg_cmd.c: the framing and field checks of the three
 *    messages (pure, fuzzed with the other message checks).
 *
 * Every check answers a PRM status with a syndrome of its own (the list
 * below, documented in doc/hcasim.md).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcasim.h"
#include "hca_prm.h"

/** Syndromes: one per check, "HS" then a number. */
enum hcasim_cmd_syndrome {
	HCASIM_SYN_INPUT_LEN = 0x48530001,   /**< input shorter than needed */
	HCASIM_SYN_OPCODE = 0x48530002,      /**< opcode not executed */
	HCASIM_SYN_OP_MOD = 0x48530003,      /**< op_mod not supported */
	HCASIM_SYN_PORT = 0x48530004,        /**< not the client's port */
	HCASIM_SYN_VPORT = 0x48530005,       /**< other_vport / vport number */
	HCASIM_SYN_GID_INDEX = 0x48530006,   /**< GID index outside table */
	HCASIM_SYN_PKEY_INDEX = 0x48530007,  /**< P_Key index outside table */
	HCASIM_SYN_REGISTER = 0x48530008,    /**< register not PMTU / write */
	HCASIM_SYN_PD_FULL = 0x48530009,     /**< no free PD */
	HCASIM_SYN_PD = 0x4853000a,          /**< PD not the client's */
	HCASIM_SYN_PD_BUSY = 0x4853000b,     /**< PD still used */
	HCASIM_SYN_UMEM = 0x4853000c,        /**< UMEM not the client's */
	HCASIM_SYN_UMEM_VALID = 0x4853000d,  /**< a umem_valid bit clear */
	HCASIM_SYN_UMEM_BOUNDS = 0x4853000e, /**< range past the UMEM */
	HCASIM_SYN_MKEY_MODE = 0x4853000f,   /**< access mode not MTT */
	HCASIM_SYN_MKEY_LEN = 0x48530010,    /**< length 0, length64, wraps */
	HCASIM_SYN_MKEY_FULL = 0x48530011,   /**< no mkey slot left */
	HCASIM_SYN_MKEY = 0x48530012,        /**< mkey not the client's */
	HCASIM_SYN_MR_LIMIT = 0x48530013,    /**< client or host MR limit */
	HCASIM_SYN_CQE_SZ = 0x48530014,      /**< CQE size other than 64 */
	HCASIM_SYN_CQ_SIZE = 0x48530015,     /**< log CQ size 0 or > cap */
	HCASIM_SYN_CQ = 0x48530016,          /**< CQ not the client's */
	HCASIM_SYN_CQ_BUSY = 0x48530017,     /**< CQ still used by QPs */
	HCASIM_SYN_CQ_LIMIT = 0x48530018,    /**< client or host CQ limit */
	HCASIM_SYN_DBR = 0x48530019,         /**< doorbell record misaligned */
	HCASIM_SYN_ST = 0x4853001a,          /**< service type not UD */
	HCASIM_SYN_RQ_STRIDE = 0x4853001b,   /**< receive stride not 16 */
	HCASIM_SYN_QP_SIZE = 0x4853001c,     /**< log SQ/RQ size > cap */
	HCASIM_SYN_QP = 0x4853001d,          /**< QP not the client's */
	HCASIM_SYN_QP_STATE = 0x4853001e,    /**< transition from this state */
	HCASIM_SYN_QP_LIMIT = 0x4853001f,    /**< client or host QP limit */
	HCASIM_SYN_RING_MEM = 0x48530020,    /**< queue memory limit */
	HCASIM_SYN_NO_MEM = 0x48530021,      /**< the daemon is out of room */
	HCASIM_SYN_MGID = 0x48530022,        /**< not a multicast GID */
	/* 0x48530023 retired: an MGID without an MLID (not reused) */
	HCASIM_SYN_MCG_ATTACHED = HCASIM_CMD_SYN_MCG_ATTACHED, /**< attached /
						  * not attached */
	HCASIM_SYN_MCG_LIMIT = 0x48530025,   /**< client limit or group full */
	HCASIM_SYN_UNSEALED = 0x48530026,    /**< ring UMEM can shrink */
	HCASIM_SYN_CS_RES = 0x48530027,      /**< scatter to CQE asked */
	/* 0x48530028 retired: an MGID at another MLID (not reused) */
	HCASIM_SYN_RING_ALIGN = 0x48530029,  /**< ring not 64-byte aligned */
	HCASIM_SYN_EQ_SIZE = 0x4853002a,     /**< log EQ size 0 or > cap */
	HCASIM_SYN_EQ_PAS = 0x4853002b,      /**< EQ pages not one range */
	HCASIM_SYN_EQ_LIMIT = 0x4853002c,    /**< the client has its EQ */
	HCASIM_SYN_EQ = 0x4853002d,          /**< EQ not the client's */
	HCASIM_SYN_WQ_TYPE = 0x4853002e,     /**< not a cyclic memory WQ of
					      *   64-byte (SQ) / 16-byte (RQ)
					      *   WQEs */
	HCASIM_SYN_WQ_SIZE = 0x4853002f,     /**< log WQ size 0 or > cap */
	HCASIM_SYN_WQ = 0x48530030,          /**< SQ/RQ not the client's */
	HCASIM_SYN_WQ_STATE = 0x48530031,    /**< current state wrong, or a
					      *   transition the PRM refuses,
					      *   or a modify bitmask */
	HCASIM_SYN_WQ_BUSY = 0x48530032,     /**< RQ still in an RQ table */
	HCASIM_SYN_TIS = 0x48530033,         /**< TIS not the client's, or a
					      *   TIS list other than one */
	HCASIM_SYN_UNDERLAY = 0x48530034,    /**< underlay QPN not a UD QP of
					      *   the client */
	HCASIM_SYN_TIS_BUSY = 0x48530035,    /**< TIS still used by SQs */
	HCASIM_SYN_RQT = 0x48530036,         /**< RQ table unknown, or its
					      *   list empty, too long, or
					      *   naming no RQ of the client */
	HCASIM_SYN_RQT_BUSY = 0x48530037,    /**< RQ table used by a TIR */
	HCASIM_SYN_TIR = 0x48530038,         /**< TIR unknown, or not
					      *   indirect Toeplitz on IP
					      *   addresses (and ports) */
	HCASIM_SYN_TIR_BUSY = 0x48530039,    /**< TIR used by a flow entry */
	HCASIM_SYN_FT = 0x4853003a,          /**< flow table unknown, not
					      *   NIC RX, or too large */
	HCASIM_SYN_FT_BUSY = 0x4853003b,     /**< table still has groups */
	HCASIM_SYN_FG = 0x4853003c,          /**< flow group unknown, range
					      *   outside the table or
					      *   overlapping, match criteria
					      *   set, or entries left */
	HCASIM_SYN_FTE = 0x4853003d,         /**< flow entry: index outside
					      *   its group or taken, action
					      *   other than forward to one
					      *   TIR, or no such entry */
	HCASIM_SYN_STEER_FULL = 0x4853003e,  /**< no room for another TIS,
					      *   RQ table, TIR or table */
	HCASIM_SYN_ROOT = 0x4853003f,        /**< root: not NIC RX, or an
					      *   op_mod over 1 */
};

/** TISes, RQ tables and TIRs a client can hold, of each kind
 * (QUERY_HCA_CAP's log_max_tis, log_max_rqt, log_max_tir). */
#define HCASIM_STEER_MAX 64
/** Most RQs in one RQ table (QUERY_HCA_CAP's log_max_rqt_size): the
 * daemon's limit of RSS children under one QP. */
#define HCASIM_RQT_MAX HCASIM_MAX_RSS_CHILDREN

/** Largest EQ: log2 of its entries (QUERY_HCA_CAP's log_max_eq_sz). */
#define HCASIM_EQ_LOG_MAX 12
/** Largest EQ page: log2 of its size over 4 KiB. */
#define HCASIM_EQ_LOG_MAX_PAGE 8

/** What a command handler works on. */
struct hcasim_cmd_ctx {
	struct hcasim *h;
	struct hcasim_client *c;
	const uint8_t *in;      /**< the input mailbox */
	size_t in_len;
	uint8_t *out;           /**< the output mailbox, zeroed */
	size_t out_len;         /**< set by the handler (HCA_OUT_HDR_LEN) */
	uint32_t syndrome;      /**< set with a failed status */
};

/** A client's memory registered for the device (UMEM_REG). */
struct hcasim_umem {
	uint32_t id;
	uint32_t refs;          /**< queues and mkeys over it */
	bool sealed;            /**< its fd cannot shrink (F_SEAL_SHRINK) */
	uint8_t *base;          /**< its first byte in the daemon */
	uint64_t len;
	void *map;
	size_t map_len;
};

/** What an object made by a command holds (UMEM references). */
struct hcasim_cmd_hold {
	uint8_t kind;           /**< HCASIM_HOLD_* */
	uint32_t num;           /**< CQN, QPN, mkey index or EQN */
	uint32_t lkey;          /**< mkey: the key */
	void *obj;              /**< the hcasim_cq, _qp, _mr or _eq */
	struct hcasim_umem *umem[2];
};

#define HCASIM_HOLD_CQ 1
#define HCASIM_HOLD_QP 2
#define HCASIM_HOLD_MKEY 3
#define HCASIM_HOLD_EQ 4

/** UMEMs a client can hold. */
#define HCASIM_CMD_MAX_UMEM 1024

struct hcasim_steer;

/** A client's firmware-command state. */
struct hcasim_cmd_client {
	struct hcasim_steer *steer; /**< TIS, RQ tables, TIRs, flow tables
				     *   (hcasim_cmd_steer.c), on first use */
	struct hcasim_umem *umems[HCASIM_CMD_MAX_UMEM];
	struct hcasim_cmd_hold *holds;
	uint32_t nholds;
	uint32_t holds_room;
};

/* hcasim_msg_cmd.c: checks of the three messages (pure) */

/**
 * Whether a message type is one of the firmware command messages.
 *
 * @param type  the header's type
 * @return true for CMD, UMEM_REG and UMEM_DEREG
 */
bool hcasim_cmd_msg_type(uint16_t type);

/**
 * Body size of a firmware command message.
 *
 * @param type   CMD, UMEM_REG or UMEM_DEREG
 * @param reply  false: the request's; true: the reply's
 * @return the size; for CMD (variable) HCASIM_BODY_MAX, the most it can
 *         be; 0 for another type
 */
size_t hcasim_cmd_msg_body_size(uint16_t type, bool reply);

/**
 * Check the framing of a firmware command message (its header's magic
 * and length already checked).
 *
 * @param type    its type (hcasim_cmd_msg_type())
 * @param blen    its body's length
 * @param has_fd  whether an fd rode along
 * @return 0 when well formed: CMD has HCA_IN_HDR_LEN .. HCASIM_BODY_MAX
 *         bytes and no fd, UMEM_REG and UMEM_DEREG exactly their
 *         structure (an fd only with UMEM_REG); -EBADMSG otherwise
 */
int hcasim_cmd_msg_frame(uint16_t type, size_t blen, bool has_fd);

/**
 * Check the fields of a firmware command message's body.
 *
 * @return 0, or -EINVAL: a UMEM_REG of 0 bytes or more than 1 TiB, or
 *         whose fd range wraps
 */
int hcasim_cmd_req_check(uint16_t type, const void *body);

/* hcasim_cmd.c */

/**
 * Open the command log (one line per command executed).
 *
 * @param path  the file, truncated
 * @return 0 or a negative errno
 */
int hcasim_cmd_log_open(const char *path);

/** Close the command log. */
void hcasim_cmd_log_close(void);

/**
 * Serve one firmware command message of a client (session order and
 * framing already checked).
 *
 * @param type   CMD, UMEM_REG or UMEM_DEREG
 * @param body   its body
 * @param blen   its length
 * @param fd     the fd it carried, or -1 (not consumed)
 * @param out    the reply body, HCASIM_BODY_MAX bytes, zeroed
 * @param olen   set to the reply body's length
 * @return the header status: 0 (for CMD whatever the command's status),
 *         or a negative errno (UMEM_REG/UMEM_DEREG refused)
 */
int hcasim_cmd_msg(struct hcasim *h, struct hcasim_client *c, uint16_t type,
		   const void *body, size_t blen, int fd, void *out,
		   size_t *olen);

/**
 * Free a client's UMEMs and command state, after hcasim_client_release()
 * took its objects away from the data path.
 */
void hcasim_cmd_client_release(struct hcasim_client *c);

/** The client's command state, made on first use (NULL: no memory). */
struct hcasim_cmd_client *hcasim_cmd_state(struct hcasim_client *c);

/** The client's UMEM of an id, or NULL. */
struct hcasim_umem *hcasim_cmd_umem(struct hcasim_client *c, uint32_t id);

/**
 * Record what an object made by a command holds (the UMEM references
 * are taken here).
 *
 * @return 0 or -ENOMEM
 */
int hcasim_cmd_hold_add(struct hcasim_client *c, uint8_t kind, uint32_t num,
			uint32_t lkey, void *obj, struct hcasim_umem *u0,
			struct hcasim_umem *u1);

/** Find an object's record, or NULL. */
struct hcasim_cmd_hold *hcasim_cmd_hold_find(struct hcasim_client *c,
					     uint8_t kind, uint32_t num);

/** Drop an object's record and its UMEM references (if it has one). */
void hcasim_cmd_hold_drop(struct hcasim_client *c, uint8_t kind,
			  uint32_t num);

/**
 * Fail a command: set its status and syndrome.
 *
 * @return the status
 */
int hcasim_cmd_fail(struct hcasim_cmd_ctx *x, uint8_t status,
		    uint32_t syndrome);

/**
 * Whether a port number of a command names the client's port (0 or its
 * number).
 */
bool hcasim_cmd_port_ok(const struct hcasim_cmd_ctx *x, unsigned int port);

/** Whether pdn is one of the client's live PDs. */
static inline bool
hcasim_cmd_pd_ours(const struct hcasim_client *c, uint64_t pdn)
{
	return pdn >= 1 && pdn <= HCASIM_CLIENT_MAX_PD && c->pds[pdn - 1];
}

/* hcasim_cmd_qp.c: helpers shared with hcasim_cmd_wq.c */

/**
 * Check the memory of a new queue: its ring in one of the client's UMEMs
 * (its own, sealed against shrinking, holding [off, off + len), off
 * aligned to RING_ALIGN) and its doorbell record likewise (DBR_LEN bytes
 * at dbr, aligned); and the client's command state.
 *
 * @param ring  set to the ring's UMEM
 * @param dbu   set to the doorbell record's UMEM
 * @return 0 or a failed status (x's syndrome set)
 */
int hcasim_cmd_rings(struct hcasim_cmd_ctx *x, uint64_t ring_id, uint64_t off,
		     uint64_t len, uint64_t dbr_id, uint64_t dbr,
		     struct hcasim_umem **ring, struct hcasim_umem **dbu);

/**
 * Map a negative errno of hcasim_res.c's create functions to a status.
 *
 * @param limit  the syndrome of the object's own limit
 */
int hcasim_cmd_create_fail(struct hcasim_cmd_ctx *x, int err, uint32_t limit);

/** The client's CQ of a number, or NULL. */
struct hcasim_cq *hcasim_cmd_cq_ours(struct hcasim_client *c, uint64_t cqn);

/* hcasim_cmd_qp.c: handlers (PRM status returned, 0 OK) */
int hcasim_cmd_create_cq(struct hcasim_cmd_ctx *x);
int hcasim_cmd_destroy_cq(struct hcasim_cmd_ctx *x);
int hcasim_cmd_create_qp(struct hcasim_cmd_ctx *x);
int hcasim_cmd_destroy_qp(struct hcasim_cmd_ctx *x);
int hcasim_cmd_modify_qp(struct hcasim_cmd_ctx *x);
int hcasim_cmd_query_qp(struct hcasim_cmd_ctx *x);
int hcasim_cmd_mcg(struct hcasim_cmd_ctx *x);

/* hcasim_cmd_eq.c: handlers (PRM status returned, 0 OK) */
int hcasim_cmd_create_eq(struct hcasim_cmd_ctx *x);
int hcasim_cmd_destroy_eq(struct hcasim_cmd_ctx *x);
/* hcasim_cmd_wq.c: send and receive queues (PRM status returned) */
int hcasim_cmd_create_sq(struct hcasim_cmd_ctx *x);
int hcasim_cmd_create_rq(struct hcasim_cmd_ctx *x);
int hcasim_cmd_modify_wq(struct hcasim_cmd_ctx *x);
int hcasim_cmd_destroy_wq(struct hcasim_cmd_ctx *x);

/* hcasim_cmd_steer.c: TIS, RQ tables, TIRs, flow tables */
int hcasim_cmd_create_tis(struct hcasim_cmd_ctx *x);
int hcasim_cmd_destroy_tis(struct hcasim_cmd_ctx *x);
int hcasim_cmd_rqt(struct hcasim_cmd_ctx *x);
int hcasim_cmd_destroy_rqt(struct hcasim_cmd_ctx *x);
int hcasim_cmd_create_tir(struct hcasim_cmd_ctx *x);
int hcasim_cmd_destroy_tir(struct hcasim_cmd_ctx *x);
int hcasim_cmd_create_ft(struct hcasim_cmd_ctx *x);
int hcasim_cmd_destroy_ft(struct hcasim_cmd_ctx *x);
int hcasim_cmd_set_ft_root(struct hcasim_cmd_ctx *x);
int hcasim_cmd_create_fg(struct hcasim_cmd_ctx *x);
int hcasim_cmd_destroy_fg(struct hcasim_cmd_ctx *x);
int hcasim_cmd_set_fte(struct hcasim_cmd_ctx *x);
int hcasim_cmd_delete_fte(struct hcasim_cmd_ctx *x);

/**
 * The underlay QP a TIS of the client names (for CREATE_SQ), or 0 when
 * the client has no such TIS.
 */
uint32_t hcasim_steer_tis_underlay(struct hcasim_client *c, uint32_t tisn);

/** Count an SQ on its TIS (refs +1 or -1). */
void hcasim_steer_tis_ref(struct hcasim_client *c, uint32_t tisn, int d);

/** Free a client's steering state (its QPs are gone already). */
void hcasim_steer_release(struct hcasim_client *c);

#endif /* HCASIM_CMD_H */
