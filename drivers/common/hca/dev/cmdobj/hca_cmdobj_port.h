/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_CMDOBJ_PORT_H
#define HCA_CMDOBJ_PORT_H

/**
 * @file
 * An open port of a backend whose objects are firmware commands (the
 * soft HCA, DevX on a kernel-driven or a VFIO-bound ConnectX), as the
 * object files see it (hca_cmdobj.c: PDs, MRs, CQs, UD QPs;
 * hca_cmdobj_rss.c: the RSS children of a QP): the port, the object
 * structs, command execution and queue memory. Everything here works
 * over any struct hca_cmd_transport; what differs between backends
 * (where queue memory comes from, how a memory region's bytes are
 * registered, PDs, the doorbell register) is the backend's hooks
 * (struct hca_cmdobj_hooks).
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hca_cmd.h"
#include "hca_dev_backend.h"

/** Kinds of tracked objects. */
enum hca_cmdobj_kind { HCA_CMDOBJ_PD, HCA_CMDOBJ_MR, HCA_CMDOBJ_CQ,
		       HCA_CMDOBJ_QP };

/** Links every object of a device, so closing frees them all. */
struct hca_cmdobj_link {
	struct hca_cmdobj_link *prev, *next;
	enum hca_cmdobj_kind kind;
};

/** Queue memory of this side, registered as one UMEM. */
struct cmdobj_ring {
	void *map;
	size_t len;
	uint32_t umem;
	void *cookie;           /**< the backend's (hca_cmdobj_hooks) */
};

struct hca_cmdobj_port;

/**
 * What a backend adds to the command-made objects. A NULL hook takes
 * the default named with it.
 */
struct hca_cmdobj_hooks {
	/** Whether commands can no longer reach the device (its loss
	 * already logged). Default: never. */
	bool (*lost)(struct hca_cmdobj_port *p);
	/** Allocate len bytes of zeroed queue memory, registered as a
	 * UMEM. Default: page-aligned process memory, umem_reg by
	 * address. @return 0 or a negative errno. */
	int (*ring_alloc)(struct hca_cmdobj_port *p, const char *name,
			  size_t len, struct cmdobj_ring *r);
	/** Free queue memory; with dereg, release its UMEM first.
	 * Default: umem_dereg, then free(). */
	void (*ring_free)(struct hca_cmdobj_port *p, struct cmdobj_ring *r,
			  bool dereg);
	/** Register a memory region's bytes as a UMEM (fd and off as
	 * hca_mr_reg() got them, fd -1 when none). Default: umem_reg by
	 * address. @return 0 or a negative errno (logged). */
	int (*umem_reg)(struct hca_cmdobj_port *p, void *addr, size_t len,
			int fd, off_t off, uint32_t *umem);
	/** Allocate a protection domain: its number in *pdn, the
	 * backend's handle in *handle. Default: ALLOC_PD. */
	int (*pd_alloc)(struct hca_cmdobj_port *p, uint32_t *pdn,
			void **handle);
	/** Free what pd_alloc made. Default: DEALLOC_PD. */
	int (*pd_free)(struct hca_cmdobj_port *p, uint32_t pdn,
		       void *handle);
};

/**
 * What the objects and queries need of an open port: the first member
 * of the backend's device. The backend fills everything above obj_lock
 * before hca_cmdobj_port_init().
 */
struct hca_cmdobj_port {
	struct hca_dev base;
	struct hca_cmd_transport cmd;       /**< firmware commands */
	const struct hca_cmdobj_hooks *hooks;
	const char *backend;                /**< name for hca_dev_query() */
	char ca_name[HCA_CA_NAME_LEN];
	uint32_t port_num;                  /**< 1-based */
	uint32_t rate;                      /**< Mb/s, 0 when unknown */
	uint32_t max_qp;                    /**< 0: from the capabilities */
	uint32_t uar_page;                  /**< CREATE_CQ/QP's uar_page */
	uint8_t c_eqn;                      /**< CREATE_CQ's c_eqn */
	volatile uint64_t *bf_reg;          /**< doorbell register for QPs,
					     *   NULL: the device watches
					     *   the doorbell records */
	/** The syndrome that says "already attached" (a QP and MGID), 0
	 * when the device has none. */
	uint32_t mcg_attached_syndrome;
	pthread_mutex_t obj_lock;           /**< guards objs and mkey_tag */
	struct hca_cmdobj_link objs;
	uint8_t mkey_tag;                   /**< next mkey variant byte */
	struct hca_cmd_hca_cap cap;         /**< QUERY_HCA_CAP at open */
};

/** Room for any output mailbox the daemon sends. */
#define OUT_MAX 2048
/** Room for any input mailbox built here (CREATE_FLOW_GROUP's 1024). */
#define IN_MAX 1024
/** Doorbell records start on their own 64 bytes after the rings. */
#define DBR_ROOM 64

/** container_of for the types below. */
#define CMDOBJ_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/** A protection domain. */
struct cmdobj_pd {
	struct hca_pd base;
	struct hca_cmdobj_link link;
	uint32_t pdn;
	void *handle;       /**< the backend's (hooks->pd_alloc) */
};

/** A memory region: a UMEM and an mkey over it. */
struct cmdobj_mr {
	struct hca_mr_obj obj;
	struct hca_cmdobj_link link;
	uint32_t umem;
	uint32_t mkey_index;
};

struct cmdobj_rss;

/**
 * A QP (hca_qp.priv points here): a UD QP, or an RSS child, which is an
 * SQ and an RQ behind its parent's TIS and receive steering.
 */
struct cmdobj_qp {
	struct hca_obj_head head;
	struct hca_cmdobj_link link;
	struct hca_qp qp;
	struct cmdobj_ring ring;
	struct cmdobj_rss *rss;     /**< a parent: its TIS and steering; a
				  *   forger: its own TIS */
	struct cmdobj_qp *parent;   /**< a child: its parent, else NULL */
	bool forger;             /**< a child of another device's QP: sends
				  *   as it (the daemon allows that only
				  *   with --allow-forge), receives nothing */
	uint32_t sqn, rqn;       /**< a child: its SQ and RQ */
	uint8_t sq_state;        /**< a child: HCA_WQ_STATE_* as last set */
	uint8_t rq_state;
};

/** Smallest power of two >= n. */
uint32_t hca_cmdobj_pow2_at_least(uint32_t n);

/** log2 of a power of two. */
uint8_t hca_cmdobj_log2_of(uint32_t n);

/** Whether commands can no longer reach the device (hooks->lost). */
bool hca_cmdobj_lost(struct hca_cmdobj_port *p);

/**
 * Execute an encoded command (in_len: the encoder's result) whose output
 * must hold min_out bytes.
 *
 * @return 0 or a negative errno (logged by hca_cmd_exec()); -ECONNRESET
 *         unsent and unlogged once the device is lost
 */
int hca_cmdobj_exec(struct hca_cmdobj_port *p, const uint8_t *in,
		    int in_len, uint8_t *out, size_t min_out);

/**
 * Allocate queue memory of len bytes (page rounded, zeroed), registered
 * as a UMEM (hooks->ring_alloc).
 *
 * @return 0 or a negative errno
 */
int hca_cmdobj_ring_alloc(struct hca_cmdobj_port *p, const char *name,
			  size_t len, struct cmdobj_ring *r);

/** Free queue memory; with dereg, release its UMEM first. */
void hca_cmdobj_ring_free(struct hca_cmdobj_port *p, struct cmdobj_ring *r,
			  bool dereg);

/**
 * Register memory as a UMEM through the transport's umem_reg, by its
 * address (the default of hooks->umem_reg).
 *
 * @return 0 and *umem, or a negative errno (logged)
 */
int hca_cmdobj_umem_reg(struct hca_cmdobj_port *p, void *addr, size_t len,
			uint32_t *umem);

/** Release a UMEM (a failure is logged). @return 0 or a negative errno. */
int hca_cmdobj_umem_dereg(struct hca_cmdobj_port *p, uint32_t umem);

#endif /* HCA_CMDOBJ_PORT_H */
