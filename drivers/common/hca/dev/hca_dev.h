/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_DEV_H
#define HCA_DEV_H

/**
 * @file
 * The HCA access layer's device API: the control path.
 *
 * One small API that drivers program against, whatever serves the queues:
 * the soft HCA daemon (app/hcasim, the first backend) or real ConnectX
 * hardware through rdma-core's DevX. Objects created here expose ConnectX
 * queues (rdma-core's <infiniband/mlx5dv.h> formats) that the data path in
 * hca_dp.h drives directly, so the hot loop is the same for every backend.
 *
 * Backend choice: hca_dev_open() uses the soft HCA when the environment
 * names its socket (HCASIM_SOCKET, as `ipoib-fabric env` prints), and real
 * hardware otherwise: a ca_name that is a PCI address (DDDD:BB:DD.F) is a
 * function bound to vfio-pci (the VFIO route), any other an RDMA device
 * driven by mlx5_ib (the kernel route).
 *
 * This part of the layer does not depend on DPDK (the DPDK glue, such as
 * registering a mempool, lives in hca_mempool.h). Control calls are made
 * from one control thread per device; the data path needs no call here.
 * hca_dev_dispatch.c implements these calls by handing each to the
 * backend that made the object (hca_dev_backend.h).
 *
 * Errors are negative errno values.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#include "hca_sa.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mlx5_cqe64;
struct mlx5_wqe_data_seg;

/** An open port of a device (opaque). */
struct hca_dev;
/** A protection domain (opaque). */
struct hca_pd;

/** What a device port offers. */
struct hca_dev_attr {
	struct hca_port_info port;   /**< LID, GID, P_Keys, state, MTU */
	char backend[16];            /**< "hcasim", "devx" or "devx-vfio" */
	uint32_t max_qp_wr;          /**< largest send/receive ring (WQEs) */
	uint32_t max_cqe;            /**< largest CQ */
	uint32_t max_inline;         /**< largest inline send payload */
	uint32_t max_qp;             /**< QPs per device (children included) */
	/** Queues one QP can spread receives over: its RSS children, as
	 * QUERY_HCA_CAP allows them (hca_cmd_hca_cap_rss_queues()); 1
	 * when the device has no RSS on UD (the QP alone). */
	uint32_t max_rss_queues;
	/** Send offloads of UD (hca_cmd_hca_cap_tx_offloads()): IPv4
	 * header and TCP/UDP checksums, and the largest LSO send in bytes
	 * (0: no LSO). See hca_dp_eth.h for the WQE. */
	bool tx_csum;
	uint32_t max_lso;
};

/** A registered memory region. */
struct hca_mr {
	uint32_t lkey;
	uintptr_t addr;
	size_t len;
};

/**
 * A completion queue: a ring of 64-byte CQEs (struct mlx5_cqe64) written
 * by the device with the ConnectX owner-bit protocol, and a doorbell
 * record holding the consumer index.
 */
struct hca_cq {
	struct mlx5_cqe64 *cqes;     /**< the ring */
	uint32_t cqe_cnt;            /**< entries, a power of two */
	uint32_t cons_index;         /**< next CQE to read (free running) */
	volatile uint32_t *dbrec;    /**< [0]: consumer index, big endian */
	uint32_t cqn;
	void *priv;                  /**< backend state */
};

/** QP states, as ibv_qp_state. */
enum hca_qp_state {
	HCA_QPS_RESET = 0,
	HCA_QPS_INIT = 1,
	HCA_QPS_RTR = 2,
	HCA_QPS_RTS = 3,
	HCA_QPS_ERR = 6,
};

/**
 * An unreliable-datagram QP with ConnectX rings.
 *
 * Send queue: 64-byte basic blocks (MLX5_SEND_WQE_BB); a WQE is a control
 * segment, a datagram segment (struct mlx5_wqe_av), then inline data or
 * data segments, and may span several blocks, wrapping at the ring's end.
 * Receive queue: one struct mlx5_wqe_data_seg per WQE. The first 40 bytes
 * of every receive buffer are the GRH area (written only when the packet
 * has a GRH, as the CQE says); the packet itself starts 40 bytes in.
 * Doorbell record: dbrec[MLX5_RCV_DBR] and dbrec[MLX5_SND_DBR] hold the
 * receive and send producer counters (16 bits, big endian).
 */
struct hca_qp {
	uint32_t qpn;                /**< this QP's own number (an RSS
				      *   child's: its send queue's) */
	uint32_t wire_qpn;           /**< the QPN peers see: the parent's for
				      *   an RSS child, else qpn */
	uint8_t *sq_buf;
	uint32_t sq_wqe_cnt;         /**< basic blocks, a power of two */
	uint32_t sq_head;            /**< producer counter (free running) */
	struct mlx5_wqe_data_seg *rq_buf;
	uint32_t rq_wqe_cnt;         /**< a power of two */
	uint32_t rq_head;            /**< producer counter (free running) */
	volatile uint32_t *dbrec;
	volatile uint64_t *bf_reg;   /**< doorbell register, NULL when the
				      *   device watches the record alone */
	uint32_t max_inline;
	struct hca_cq *send_cq;
	struct hca_cq *recv_cq;
	void *priv;                  /**< backend state */
};

/** How to create a UD QP. */
struct hca_qp_init_attr {
	struct hca_cq *send_cq;
	struct hca_cq *recv_cq;
	uint32_t sq_wqe_cnt;         /**< at least this many basic blocks */
	uint32_t rq_wqe_cnt;         /**< at least this many receive WQEs */
	uint32_t max_inline;         /**< inline payload wanted (0 = none) */
	/**
	 * RSS: when set, the new QP is a child of this parent, made as
	 * ConnectX IPoIB makes its queues: a send queue through the parent's
	 * TIS and a receive queue in the RQ table of the parent's TIR,
	 * which the parent's root flow table forwards to. Children send
	 * with the parent's QPN as source; what arrives for the parent's
	 * QPN (unicast or multicast) is spread over the children by a
	 * Toeplitz hash of the inner IPv4/IPv6 addresses and TCP/UDP ports
	 * (non-IP traffic goes to the first child) and the parent itself
	 * receives nothing while it has children. The parent keeps the
	 * address: attach it, not a child, to multicast groups; destroy
	 * the children first.
	 */
	struct hca_qp *rss_parent;
};

/**
 * Open a port of a device.
 *
 * @param ca_name  CA name, a PCI address (VFIO route), or NULL for the
 *                 first
 * @param port     port number (1-based), or 0 for the first
 * @param dev      set to the device on success
 * @return 0, or a negative errno (-ENODEV: no such device or port, logged
 *         with the route; -ECONNREFUSED: the soft HCA is not running)
 */
int hca_dev_open(const char *ca_name, int port, struct hca_dev **dev);

/** Whether a device name is a PCI address, DDDD:BB:DD.F (hex digits). */
bool hca_dev_name_is_pci(const char *name);

/** Close a device, destroying everything created on it. */
void hca_dev_close(struct hca_dev *dev);

/** Read the port's current attributes (state, LID, ... as now). */
int hca_dev_query(struct hca_dev *dev, struct hca_dev_attr *attr);

/**
 * Whether the device is still there (the soft HCA's socket is alive; a
 * ConnectX through DevX has not reported a fatal error to the event
 * poll); cheap enough for a link-state poll.
 */
int hca_dev_alive(struct hca_dev *dev);

/**
 * Asynchronous events of a port, decoded from the device's event queue
 * entries (PORT_CHANGE subtypes, QP and CQ errors; verbs' IBV_EVENT_* of
 * the same names).
 */
enum hca_event_type {
	HCA_EVENT_PORT_ACTIVE = 1,   /**< the port became active */
	HCA_EVENT_PORT_DOWN,         /**< the port left the active state */
	HCA_EVENT_LID_CHANGE,        /**< the SM gave the port another LID */
	HCA_EVENT_PKEY_CHANGE,       /**< the SM changed the P_Key table */
	HCA_EVENT_GID_CHANGE,        /**< the port's GID table changed */
	HCA_EVENT_CLIENT_REREGISTER, /**< the SM asks for every registration
				      *   again (it restarted or is new) */
	HCA_EVENT_OTHER,             /**< an entry this layer does not decode */
	HCA_EVENT_QP_FATAL,          /**< a QP entered the error state by a
				      *   fault (WQ catastrophic error) */
	HCA_EVENT_QP_ACCESS_ERR,     /**< a QP entered the error state by a
				      *   local access violation */
	HCA_EVENT_CQ_ERR,            /**< a CQ overran (completions lost) */
};

/** One decoded event. */
struct hca_event {
	enum hca_event_type type;
	uint8_t port_num;            /**< the port it is about */
	uint8_t eqe_type;            /**< the entry's event_type */
	uint8_t eqe_sub_type;        /**< and event_sub_type */
	uint32_t obj_num;            /**< QP errors: the QPN; CQ error: the
				      *   CQN */
};

/**
 * The file descriptor that becomes readable when the device has events
 * (wait on it with poll/epoll; read events with hca_dev_event_poll()).
 * It is an interrupt, not a queue: once it is readable, take events
 * until hca_dev_event_poll() returns 0.
 *
 * @return the fd (owned by the device), or -ENOTSUP when the device has
 *         no event channel (then the caller polls hca_dev_query())
 */
int hca_dev_event_fd(struct hca_dev *dev);

/**
 * Take the next event of the device, without blocking.
 *
 * @param ev  filled when one is returned
 * @return 1 (an event), 0 (none now), -ENOTSUP (no event channel), or
 *         another negative errno (the channel broke: the device is gone)
 */
int hca_dev_event_poll(struct hca_dev *dev, struct hca_event *ev);

/** Allocate a protection domain; NULL on failure (*err set if given). */
struct hca_pd *hca_pd_alloc(struct hca_dev *dev, int *err);
/** Free a protection domain (its MRs and QPs must be gone). */
int hca_pd_free(struct hca_pd *pd);

/**
 * Register memory for DMA.
 *
 * @param addr    virtual address of the region in this process
 * @param len     its length
 * @param fd      a file descriptor that maps the region (the soft HCA maps
 *                it in its own process), or -1 when the backend needs none
 * @param fd_off  offset of addr within fd
 * @param mr      set to the region on success
 */
int hca_mr_reg(struct hca_pd *pd, void *addr, size_t len, int fd,
	       off_t fd_off, struct hca_mr **mr);
/** Deregister a region; no DMA to it happens after this returns. */
int hca_mr_dereg(struct hca_mr *mr);

/** Create a CQ of at least min_cqe entries. */
int hca_cq_create(struct hca_dev *dev, uint32_t min_cqe, struct hca_cq **cq);
/** Destroy a CQ (its QPs must be gone). */
int hca_cq_destroy(struct hca_cq *cq);

/** Create a UD QP in the RESET state. */
int hca_qp_create_ud(struct hca_pd *pd, const struct hca_qp_init_attr *attr,
		     struct hca_qp **qp);

/**
 * Move a QP to a state.
 *
 * @param qkey        the QP's Q_Key (used from INIT on)
 * @param pkey_index  index of its P_Key in the port's table
 */
int hca_qp_modify(struct hca_qp *qp, enum hca_qp_state state, uint32_t qkey,
		  uint16_t pkey_index);

/** Attach a QP to a multicast group (MGID and the MLID the SM gave). */
int hca_qp_attach_mcast(struct hca_qp *qp, const union hca_gid *mgid,
			uint16_t mlid);
/** Detach a QP from a multicast group. */
int hca_qp_detach_mcast(struct hca_qp *qp, const union hca_gid *mgid,
			uint16_t mlid);

/** Destroy a QP: its queues stop, its completions are gone. */
int hca_qp_destroy(struct hca_qp *qp);

#ifdef __cplusplus
}
#endif

#endif /* HCA_DEV_H */
