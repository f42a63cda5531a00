/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_SIM_PORT_H
#define HCA_SIM_PORT_H

/**
 * @file
 * An open port of the soft HCA backend as its object files see it
 * (hca_sim_obj.c: PDs, MRs, CQs, UD QPs, the event queue; hca_sim_rss.c:
 * the RSS children of a QP): the port, the object structs, command
 * execution and queue memory (sealed memfds registered as UMEMs).
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hca_dev_backend.h"
#include "hca_sim_transport.h"
#include "hcasim_proto.h"

/** Kinds of tracked objects. */
enum hca_sim_kind { HCA_SIM_PD, HCA_SIM_MR, HCA_SIM_CQ, HCA_SIM_QP };

/** Links every object of a device, so closing frees them all. */
struct hca_sim_link {
	struct hca_sim_link *prev, *next;
	enum hca_sim_kind kind;
};

/** The port's event queue: a ring of this side, registered as a UMEM. */
struct hca_sim_eq {
	void *map;                          /**< ring, then consumer counter */
	size_t len;
	uint32_t umem;
	uint8_t eqn;                        /**< 0: none */
	uint8_t log_size;
	uint32_t ci;                        /**< entries consumed */
};

/**
 * What the objects and queries need of an open port: the first member
 * of the backend's device.
 */
struct hca_sim_port {
	struct hca_dev base;
	struct hca_cmd_transport cmd;       /**< firmware commands */
	struct hca_sim_transport st;        /**< cmd's state */
	pthread_mutex_t obj_lock;           /**< guards objs and mkey_tag */
	struct hca_sim_link objs;
	uint8_t mkey_tag;                   /**< next mkey variant byte */
	struct hca_cmd_hca_cap cap;         /**< QUERY_HCA_CAP at open */
	/** PORT_OPEN's reply: the port number, and what no command
	 * carries (rate, RSS children, QP table) */
	struct hcasim_port_attr open;
	char ca_name[HCASIM_CA_LEN];
	struct hca_sim_eq eq;               /**< hca_sim_eq_create() */
};

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

#endif /* HCA_SIM_PORT_H */
