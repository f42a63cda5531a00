/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_SIM_OBJ_PRIV_H
#define HCA_SIM_OBJ_PRIV_H

/**
 * @file
 * What the soft HCA backend's object files share (hca_sim_obj.c: PDs,
 * MRs, CQs, UD QPs; hca_sim_rss.c: the RSS children of a QP): the object
 * structs, command execution, queue memory.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hca_sim_obj.h"

/** Room for any output mailbox the daemon sends. */
#define OUT_MAX HCASIM_BODY_MAX
/** Room for any input mailbox built here (CREATE_FLOW_GROUP's 1024). */
#define IN_MAX 1024
/** Doorbell records start on their own 64 bytes after the rings. */
#define DBR_ROOM 64

/** container_of for the types below. */
#define SIM_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/** A protection domain. */
struct sim_pd {
	struct hca_pd base;
	struct hca_sim_link link;
	uint32_t pdn;
};

/** A memory region: a UMEM and an mkey over it. */
struct sim_mr {
	struct hca_mr_obj obj;
	struct hca_sim_link link;
	uint32_t umem;
	uint32_t mkey_index;
};

/** Queue memory of this side, registered as one UMEM. */
struct sim_ring {
	void *map;
	size_t len;
	uint32_t umem;
};

struct sim_rss;

/**
 * A QP (hca_qp.priv points here): a UD QP, or an RSS child, which is an
 * SQ and an RQ behind its parent's TIS and receive steering.
 */
struct sim_qp {
	struct hca_obj_head head;
	struct hca_sim_link link;
	struct hca_qp qp;
	struct sim_ring ring;
	struct sim_rss *rss;     /**< a parent: its TIS and steering; a
				  *   forger: its own TIS */
	struct sim_qp *parent;   /**< a child: its parent, else NULL */
	bool forger;             /**< a child of another device's QP: sends
				  *   as it (the daemon allows that only
				  *   with --allow-forge), receives nothing */
	uint32_t sqn, rqn;       /**< a child: its SQ and RQ */
	uint8_t sq_state;        /**< a child: HCA_WQ_STATE_* as last set */
	uint8_t rq_state;
};

/** Smallest power of two >= n. */
uint32_t hca_sim_pow2_at_least(uint32_t n);

/** log2 of a power of two. */
uint8_t hca_sim_log2_of(uint32_t n);

/**
 * Execute an encoded command (in_len: the encoder's result) whose output
 * must hold min_out bytes.
 *
 * @return 0 or a negative errno (logged by hca_cmd_exec()); -ECONNRESET
 *         unsent and unlogged once the connection is lost
 */
int hca_sim_exec(struct hca_sim_port *p, const uint8_t *in, int in_len,
		 uint8_t *out, size_t min_out);

/**
 * Allocate queue memory: a memfd of len bytes (page rounded), sealed
 * against shrinking, mapped, registered as a UMEM.
 *
 * @return 0 or a negative errno
 */
int hca_sim_ring_alloc(struct hca_sim_port *p, const char *name, size_t len,
		       struct sim_ring *r);

/** Free queue memory; with dereg, release its UMEM first. */
void hca_sim_ring_free(struct hca_sim_port *p, struct sim_ring *r,
		       bool dereg);

/* hca_sim_rss.c */

/**
 * Make an RSS child of attr->rss_parent: an SQ (through the parent's
 * TIS, made with the first child) and an RQ (added to the RQ table of
 * the parent's TIR, which its root flow table forwards to; all made with
 * the first child). From then on the parent itself receives nothing. A
 * parent of another device (connection) makes a forger: an SQ through a
 * TIS of its own naming that QP, an RQ that nothing steers to.
 *
 * @param q  the child, its ring not yet allocated
 * @return 0 or a negative errno
 */
int hca_sim_rss_child_create(struct hca_sim_port *p, struct sim_qp *q,
			     uint32_t pdn,
			     const struct hca_qp_init_attr *attr);

/**
 * Move a child's SQ and RQ to follow a QP state: RESET both to RST; RTR
 * the RQ to RDY; RTS the SQ to RDY; ERR both to ERR; INIT nothing.
 *
 * @return 0 or a negative errno
 */
int hca_sim_rss_child_modify(struct hca_sim_port *p, struct sim_qp *q,
			     enum hca_qp_state state);

/**
 * Destroy a child: out of its parent's RQ table (the steering goes with
 * the last child), then its RQ and SQ, then its ring.
 *
 * @return 0, or a negative errno (-ECONNRESET: the daemon is gone, the
 *         ring is freed without its UMEM)
 */
int hca_sim_rss_child_destroy(struct hca_sim_port *p, struct sim_qp *q);

/**
 * Release a parent's TIS (its children are gone).
 *
 * @return 0, -EBUSY while it has children, or a negative errno
 */
int hca_sim_rss_parent_release(struct hca_sim_port *p, struct sim_qp *q);

#endif /* HCA_SIM_OBJ_PRIV_H */
