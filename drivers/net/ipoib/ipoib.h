/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_H
#define IPOIB_H

/**
 * @file
 * The state of a net_ipoib port (its private data), shared by every
 * layer of the driver: the devargs, the queues and their counters, the
 * device objects, the control plane's state. Types only; what the data
 * path runs inline is in ipoib_dp.h, and each module declares its
 * functions in its own header (doc/pmd.md has the map of the layers).
 */

#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdbool.h>

#include <ethdev_driver.h>
#include <rte_cycles.h>
#include <rte_ring.h>

#include "hca_dev.h"
#include "hca_dp.h"
#include "hca_mempool.h"
#include "hca_sa.h"
#include "ipoib_peer.h"

/** Queues per direction at most. */
#define IPOIB_MAX_QUEUES 16
/** RCU reader ids: rx queues first, then tx queues. */
#define IPOIB_RCU_TX_BASE IPOIB_MAX_QUEUES
#define IPOIB_RCU_READERS (2 * IPOIB_MAX_QUEUES)
/** Packets held per unresolved peer (as Linux). */
#define IPOIB_MAX_HELD 3
/** Default ring sizes. */
#define IPOIB_DEFAULT_DESC 512
#define IPOIB_MIN_DESC 64
#define IPOIB_MAX_DESC 8192
/** IB MTU assumed when the port reports none (bytes). */
#define IPOIB_IB_MTU_DEFAULT 2048
/** Send a completion request every this many WQEs. */
#define IPOIB_TX_SIGNAL_EVERY 32
/** Largest packet sent inline (copied into the WQE). */
#define IPOIB_TX_INLINE_MAX 128
/** Data segments per send at most (mbuf segments). */
#define IPOIB_TX_MAX_SEGS 4
/** Size of the learning, pending and ready rings. */
#define IPOIB_CTRL_RING_SIZE 1024
/** Burst of the data path. */
#define IPOIB_BURST 32
/** Send queue basic blocks per transmit descriptor asked for: what a
 *  UD WQE of one gather entry takes (64-byte blocks). */
#define IPOIB_TX_WQE_BLOCKS 2
/** Send queue of a receive-only queue pair (it never sends), blocks. */
#define IPOIB_RX_ONLY_SQ_BLOCKS 64
/** Memory regions a port's registration map holds at most. */
#define IPOIB_MR_RANGES_MAX 4096
/** P_Key bit of a full member; the low 15 bits are the partition. */
#define IPOIB_PKEY_FULL_MEMBER 0x8000
#define IPOIB_PKEY_PARTITION_MASK 0x7fff

/**
 * The Global Route Header in front of a received packet (the receive
 * buffer's first HCA_GRH_LEN bytes).
 */
struct ipoib_grh {
	rte_be32_t version_tclass_flow;
	rte_be16_t payload_len;
	uint8_t next_header;
	uint8_t hop_limit;
	uint8_t sgid[HCA_GID_LEN];  /**< the source port's GID */
	uint8_t dgid[HCA_GID_LEN];  /**< ours, or the group's MGID */
};
static_assert(sizeof(struct ipoib_grh) == HCA_GRH_LEN, "GRH layout");

/** What a port presents to applications. */
enum ipoib_mode {
	IPOIB_MODE_RAW = 0,   /**< the IPoIB header with peer keys */
	IPOIB_MODE_ETH = 1,   /**< Ethernet (doc/eth-mode.md) */
};

/** Parsed devargs (ipoib_devargs.c). */
struct ipoib_args {
	char ibdev[HCA_CA_NAME_LEN]; /**< ibdev=, or pci='s address */
	bool pci;             /**< ibdev holds pci= (the VFIO route) */
	int port;
	uint16_t pkey;
	enum ipoib_mode mode;
	uint32_t peers;
	bool grh_auto;        /**< grh=auto: no GRH inside the subnet */
	enum hca_sa_transport sa; /**< sa=: how the SA is reached */
	bool sa_given;        /**< sa= was given (else pci= means inband) */
};

/** Counters of a receive queue. */
struct ipoib_rxq_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t errors;          /**< error completions */
	uint64_t nombuf;          /**< refill failed */
	uint64_t malformed;
	uint64_t loopback;        /**< own multicast came back */
	uint64_t mcast;
	uint64_t unknown_src;     /**< source not in the cache yet */
	uint64_t no_grh;          /**< packets without GRH */
	uint64_t unknown_lid;     /**< no GRH and (SLID, QPN) not known yet */
	uint64_t peer_hits;
	uint64_t learn_dropped;   /**< learning ring full */
};

/** Counters of a transmit queue. */
struct ipoib_txq_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t errors;          /**< error completions */
	uint64_t malformed;       /**< too short, key 0, too many segments */
	uint64_t stale_key;
	uint64_t untagged;        /**< bare key whose value is ambiguous */
	uint64_t unresolved_held;
	uint64_t unresolved_dropped;
	uint64_t no_lkey;         /**< memory not registered */
	uint64_t ring_full;
	uint64_t peer_hits;
	uint64_t peer_misses;
	uint64_t oversized;       /**< longer than the IB MTU: refused */
	uint64_t shared_copied;   /**< shared packets sent from a copy */
	uint64_t shared_copy_failed; /**< ... dropped: no copy */
	/* offloaded sends (ipoib_tx_offload.c) */
	uint64_t offload_csum;    /**< sent with checksums by the device */
	uint64_t offload_tso;     /**< sent as LSO */
	uint64_t offload_malformed; /**< headers or sizes unfit: dropped */
	uint64_t offload_unsupported; /**< flags the port does not offer */
};

struct ipoib_priv;
struct ipoib_eth;

/** A receive queue: a QP's receive ring and its CQ. */
struct ipoib_rxq {
	struct ipoib_priv *priv;
	uint16_t idx;
	uint16_t port_id;
	struct rte_mempool *mp;
	uint32_t nb_desc;
	struct hca_qp *qp;
	struct hca_cq *cq;
	struct rte_mbuf **elts;   /**< posted mbuf per receive WQE */
	uint32_t rq_tail;         /**< oldest posted WQE (free running) */
	uint32_t lkey_hint;
	uint32_t dp_seq;          /**< odd while a burst is inside (recover) */
	struct ipoib_rxq_stats st;
	/*
	 * The last source found by address (this queue's lcore only): its
	 * tag is checked against the slot's current tag before each use,
	 * so an evicted or reused peer's tag is never given out.
	 */
	struct ipoib_hwaddr last_src;
	uint64_t last_tag;        /**< 0: no memo */
	/* set by ipoib_rxq_fill() for the data path */
	uint64_t mbuf_rearm;      /**< rearm_data of a received mbuf */
	uint64_t ol_base;         /**< its ol_flags kept (pinned buffers) */
	uint32_t buf_room;        /**< bytes after the headroom */
} __rte_cache_aligned;

/** A transmit queue: a QP's send ring and its CQ. */
struct ipoib_txq {
	struct ipoib_priv *priv;
	uint16_t idx;
	uint32_t nb_desc;         /**< descriptors asked for (tx setup) */
	struct hca_qp *qp;
	struct hca_cq *cq;
	struct rte_mbuf **elts;   /**< mbuf per first basic block of a WQE */
	uint32_t *wqe_end;        /**< producer counter after each WQE */
	uint32_t sq_tail;         /**< oldest block not completed */
	uint32_t since_signal;
	uint32_t lkey_hint;
	uint32_t ring_size;       /**< entries of elts: the SQ's blocks */
	/**
	 * Producer counter after the last send whose mbuf elts holds (a
	 * gather list, not inline): completions behind it free nothing,
	 * so the tail jumps there without a walk.
	 */
	uint32_t gather_end;
	struct rte_ring *ready;   /**< resolved packets handed back (q 0) */
	uint32_t dp_seq;          /**< odd while a burst is inside (recover) */
	bool qp_error;            /**< an error completion: wait for reset */
	/**
	 * The raw view's last destination found by tag (see
	 * ipoib_peer_of_mbuf_memo()); cleared whenever the port's peer
	 * cache is made or freed.
	 */
	struct ipoib_peer_memo memo;
	struct ipoib_txq_stats st;
} __rte_cache_aligned;

/** A multicast group the application joined. */
struct ipoib_mcast {
	union hca_gid mgid;
	uint16_t mlid;
	uint16_t key;
	bool used;
	/**
	 * The port was a member before this port joined (the kernel's ib0
	 * on the same port, another process): never left at the SA.
	 */
	bool shared;
};

/**
 * Counters of the port's memory registration (ipoib_mem.c), written by
 * whichever thread allocates or frees DPDK memory (atomically).
 */
struct ipoib_mem_stats {
	uint64_t regions;         /**< gauge: regions registered now */
	uint64_t registered;      /**< regions registered by an ALLOC event */
	uint64_t deregistered;    /**< regions dropped by a FREE event */
	uint64_t failures;        /**< events not followed in full */
};

/** Counters of the control thread. */
struct ipoib_ctrl_stats {
	uint64_t path_queries;
	uint64_t path_failures;   /**< SA failures */
	uint64_t sa_dropped;      /**< held packets dropped on SA failure */
	uint64_t learned;
	uint64_t released;        /**< held packets sent once resolved */
	uint64_t stale_pending;   /**< held packets whose key went stale */
	uint64_t lid_queries;     /**< NodeRecord queries for unknown LIDs */
	uint64_t lid_failures;    /**< ... that failed */
	uint64_t lid_learned;     /**< peers learned from (SLID, QPN) */
	uint64_t lid_changes;     /**< peers whose LID changed */
	uint64_t lid_mismatch;    /**< known peers seen from another LID */
	uint64_t path_confirms;   /**< PathRecords asked for such sources */
	uint64_t lid_refuted;     /**< ... whose LID the SA did not confirm */
	/* the subnet manager watch (ipoib_watch.c) */
	uint64_t heartbeats;      /**< broadcast re-joins sent */
	uint64_t heartbeat_failures;
	uint64_t sm_lost;         /**< SM outages seen */
	uint64_t sm_recoveries;   /**< SM answers again after an outage */
	uint64_t resyncs;         /**< rejoin + path refresh rounds */
	uint64_t rejoins;         /**< groups joined again */
	uint64_t rejoin_failures;
	/* groups the port belonged to before joining (ipoib_group.c) */
	uint64_t mcast_found_joined; /**< joins of groups the SA already
				      *   listed the port in */
	uint64_t mcast_leaves_skipped; /**< leaves not sent to the SA for
					*   such groups */
	uint64_t mcast_member_query_failures; /**< membership queries that
					       *   failed (group then taken
					       *   as shared) */
	uint64_t path_refreshes;  /**< resolved paths asked again */
	uint64_t path_refresh_failures;
	uint64_t own_lid_changes; /**< the port's own LID changed */
	/* port events of the device (ipoib_watch.c) */
	uint64_t events;          /**< every event read */
	uint64_t ev_port_active;
	uint64_t ev_port_down;
	uint64_t ev_lid_change;
	uint64_t ev_pkey_change;
	uint64_t ev_client_rereg; /**< client re-register (the SM is back) */
	uint64_t ev_other;        /**< GID change and undecoded entries */
	uint64_t partition_lost;  /**< the P_Key left the port's table */
	uint64_t partition_regained; /**< ... and came back */
	uint64_t ev_qp_error;     /**< QP errors (catastrophic, access) */
	uint64_t ev_cq_error;     /**< CQ errors (overrun) */
	uint64_t qp_failed_by_event; /**< queues a QP/CQ error event marked
				  *   failed before the data path saw it */
	/* the soft HCA connection (ipoib_recover.c) */
	uint64_t dev_lost;        /**< device connection lost */
	uint64_t dev_recoveries;  /**< queues recreated on a new connection */
	uint64_t dev_recover_failures;
	/* queue pairs in the error state (ipoib_qp_reset.c) */
	uint64_t qp_recoveries;   /**< QPs reset and back in service */
	uint64_t qp_recover_failures;
	uint64_t rx_flushed;      /**< receive buffers flushed */
};

/** State of the subnet manager watch (ipoib_watch.c). */
struct ipoib_watch {
	uint64_t hb_tsc;          /**< next heartbeat */
	uint64_t hb_sent_tsc;     /**< when the heartbeat in flight left */
	bool hb_busy;             /**< a heartbeat is in flight */
	bool sm_lost;             /**< the last heartbeat failed */
	bool events;              /**< the device raises port events */
	bool port_down;           /**< a port down event came last */
	bool pkey_lost;           /**< the port's P_Key left its table */
	uint16_t sm_lid;          /**< the SM LID last seen */
	bool rejoin_pending;
	bool rejoin_busy;
	bool rejoin_bcast;        /**< the broadcast group first */
	unsigned int rejoin_next; /**< index in priv->mcast */
	bool refresh_pending;
	uint32_t refresh_next;    /**< slot of the peer cache */
	uint32_t refresh_inflight;
};

/** An unknown (SLID, QPN) the control thread is asking the SA about. */
struct ipoib_lid_query {
	uint16_t lid;
	uint8_t sl;
	uint8_t busy;             /**< a query is in flight */
	uint32_t qpn;
	uint64_t retry_tsc;       /**< no new query before (after failure) */
};

/** Unknown (SLID, QPN) pairs tracked at once. */
#define IPOIB_LID_QUERIES 64

/** Where a port is in losing and getting back its device. */
enum ipoib_rec_state {
	IPOIB_REC_IDLE = 0,       /**< device usable */
	IPOIB_REC_PAUSING,        /**< lost: waiting for the data path */
	IPOIB_REC_DOWN,           /**< objects freed: reopening */
	IPOIB_REC_QP_PAUSING,     /**< a QP failed: waiting for the data path */
};

/** State of the device recovery (ipoib_recover.c). */
struct ipoib_recover {
	enum ipoib_rec_state state;
	uint32_t rx_seq[IPOIB_MAX_QUEUES]; /**< dp_seq when the pause began */
	uint32_t tx_seq[IPOIB_MAX_QUEUES];
	uint64_t deadline;        /**< warn when not paused by then */
	uint64_t next_try;        /**< next reopen */
};

/** State of a port. */
struct ipoib_priv {
	struct rte_eth_dev *dev;
	char name[RTE_ETH_NAME_MAX_LEN];
	struct ipoib_args args;
	struct ipoib_eth *eth;     /**< mode=eth state (shared), or NULL */

	/* device objects, valid between start and stop */
	struct hca_dev *hca;
	struct hca_dev_attr attr;
	struct hca_pd *pd;
	struct hca_mr_map *mrs;
	struct ipoib_mem_stats mst; /**< memory registration counters */
	bool mem_cb;               /**< the memory event callback is set */
	struct hca_sa *sa;
	struct hca_sa_stats sa_stats; /**< the SA client's counters, added
				       *   up by the control thread (xstats,
				       *   reset with them) */
	struct hca_sa_stats sa_seen;  /**< the client's, as last read */
	uint16_t pkey_index;
	uint32_t qkey;
	uint16_t lid;
	uint32_t qpn;              /**< wire QPN: the parent QP's */
	/** The QP that has the port's address (its QPN, multicast
	 * attachments): queue 0's own QP with one queue; with more, an
	 * underlay QP whose RSS children are all the queues. */
	struct hca_qp *uqp;
	struct hca_cq *ucq;        /**< the underlay QP's CQ, or NULL */
	union hca_gid gid;
	uint32_t mtu;              /**< IPoIB MTU (IB MTU - 4) */
	struct hca_mcmember_rec bcast;
	union hca_gid bcast_mgid;
	bool bcast_shared;         /**< the port was in it before: not left */
	uint16_t bcast_key;
	struct ipoib_mcast mcast[32];

	struct ipoib_peer_cache *peers;
	struct ipoib_rxq rxq[IPOIB_MAX_QUEUES];
	struct ipoib_txq txq[IPOIB_MAX_QUEUES];
	uint16_t nb_rxq;
	uint16_t nb_txq;
	bool started;

	/* control thread */
	pthread_mutex_t lock;      /**< serializes writers and the SA */
	pthread_t ctrl_tid;
	bool ctrl_running;
	int ctrl_stop;             /**< atomic */
	struct rte_ring *learn;    /**< rx -> ctrl: new sources */
	struct rte_ring *pending;  /**< tx -> ctrl: unresolved packets */
	struct ipoib_peer_ctrl *pctrl; /**< per slot: held packets, retry */
	struct ipoib_ctrl_stats cst;
	uint64_t link_poll_tsc;
	uint64_t retry_scan_tsc;
	struct ipoib_lid_query lidq[IPOIB_LID_QUERIES];
	struct ipoib_watch watch;
	struct ipoib_recover rec;
	int dp_paused;             /**< atomic: bursts return 0 at once */
	uint32_t qp_failed;        /**< atomic: bit per queue whose QP is in
				    *   the error state (reset by control) */
	/** control: when each queue's QP was last reset (TSC), so that
	 * the device's event about the error a reset already handled does
	 * not reset it again */
	uint64_t qp_reset_tsc[IPOIB_MAX_QUEUES];
};

/**
 * Milliseconds in TSC cycles (control paths).
 *
 * @param ms  a duration
 * @return the same duration in TSC cycles
 */
static inline uint64_t
ipoib_ms_to_tsc(uint64_t ms)
{
	return ms * rte_get_tsc_hz() / 1000;
}

/** A new source seen on receive, for the control thread. */
struct ipoib_learn {
	struct ipoib_hwaddr addr; /**< GID zero when by_lid */
	uint16_t slid;
	uint8_t sl;
	uint8_t by_lid;           /**< no GRH: only SLID and QPN known */
};

#endif /* IPOIB_H */
