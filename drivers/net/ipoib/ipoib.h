/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_H
#define IPOIB_H

/**
 * @file
 * Private state of a net_ipoib port, shared by its files: the ethdev ops
 * (ipoib_ethdev.c), the data path (ipoib_rxtx.c), the control thread
 * (ipoib_ctrl.c), the public API (ipoib_api.c) and telemetry.
 */

#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdbool.h>

#include <ethdev_driver.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include "hca_dev.h"
#include "hca_dp.h"
#include "hca_mempool.h"
#include "hca_sa.h"
#include "ipoib_devargs.h"
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
#define IPOIB_MAX_DESC 8192
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
};

/**
 * Whether the PMD must not write into a packet: another holder shares
 * its first segment (reference count above 1), its data is another
 * mbuf's (indirect, a clone), or an external buffer others hold too.
 * One reference count read and one flag test per packet.
 *
 * @param m  the packet's first segment
 * @return true when the packet is shared
 */
static inline bool
ipoib_mbuf_is_shared(const struct rte_mbuf *m)
{
	if (rte_mbuf_refcnt_read(m) > 1)
		return true;
	if (likely(!(m->ol_flags &
		     (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL))))
		return false;
	return RTE_MBUF_CLONED(m) ||
		rte_mbuf_ext_refcnt_read(m->shinfo) > 1;
}

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
	struct rte_ring *ready;   /**< resolved packets handed back (q 0) */
	uint32_t dp_seq;          /**< odd while a burst is inside (recover) */
	bool qp_error;            /**< an error completion: wait for reset */
	struct ipoib_txq_stats st;
} __rte_cache_aligned;

/** A multicast group the application joined. */
struct ipoib_mcast {
	union hca_gid mgid;
	uint16_t mlid;
	uint16_t key;
	bool used;
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
	uint64_t path_refreshes;  /**< resolved paths asked again */
	uint64_t path_refresh_failures;
	uint64_t own_lid_changes; /**< the port's own LID changed */
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
	struct hca_sa *sa;
	uint16_t pkey_index;
	uint32_t qkey;
	uint16_t lid;
	uint32_t qpn;              /**< wire QPN: the parent QP's */
	union hca_gid gid;
	uint32_t mtu;              /**< IPoIB MTU (IB MTU - 4) */
	struct hca_mcmember_rec bcast;
	union hca_gid bcast_mgid;
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
};

/** A new source seen on receive, for the control thread. */
struct ipoib_learn {
	struct ipoib_hwaddr addr; /**< GID zero when by_lid */
	uint16_t slid;
	uint8_t sl;
	uint8_t by_lid;           /**< no GRH: only SLID and QPN known */
};

/**
 * Note from the data path that queue idx's QP reported an error
 * completion: it is in the error state and the control thread resets it
 * (ipoib_qp_reset.c). Called only on the error path.
 *
 * @param priv  the port
 * @param idx   the queue (its receive and send sides share the QP)
 */
static inline void
ipoib_qp_error_seen(struct ipoib_priv *priv, uint16_t idx)
{
	__atomic_fetch_or(&priv->qp_failed, UINT32_C(1) << idx,
			  __ATOMIC_RELEASE);
}

/* ------------------------------------------------ peer tags in mbufs */

/** Offset of the peer tag dynamic field (ipoib_rxtx.c), -1 before. */
extern int ipoib_tag_offset;
/** The dynamic flag that says the field holds a tag. */
extern uint64_t ipoib_tag_flag;

/** The tag of a packet, 0 when it has none. */
static inline uint64_t
ipoib_mbuf_tag(const struct rte_mbuf *m)
{
	if (!(m->ol_flags & ipoib_tag_flag) || ipoib_tag_flag == 0)
		return 0;
	return *RTE_MBUF_DYNFIELD(m, ipoib_tag_offset, const uint64_t *);
}

/** Dynamic flag of packets received for a group (0: not registered). */
extern uint64_t ipoib_rx_mcast_flag;

/**
 * Whether a received packet was sent to a multicast group (the inline
 * form of rte_pmd_ipoib_rx_is_multicast(), for the data path).
 *
 * @param m  a packet received by a port of this driver
 * @return true when its destination was a group
 */
static inline bool
ipoib_mbuf_is_multicast(const struct rte_mbuf *m)
{
	return ipoib_rx_mcast_flag != 0 &&
		(m->ol_flags & ipoib_rx_mcast_flag) != 0;
}

/** Give a packet a peer tag (its key must be in the header too). */
static inline void
ipoib_mbuf_set_tag(struct rte_mbuf *m, uint64_t tag)
{
	*RTE_MBUF_DYNFIELD(m, ipoib_tag_offset, uint64_t *) = tag;
	m->ol_flags |= ipoib_tag_flag;
}

/** Why a packet's destination was refused. */
enum ipoib_dest_error {
	IPOIB_DEST_OK = 0,
	IPOIB_DEST_NO_KEY,        /**< key 0 */
	IPOIB_DEST_STALE,         /**< tag or key of a peer gone */
	IPOIB_DEST_AMBIGUOUS,     /**< bare key whose value was reused */
};

/**
 * The destination peer of a packet to send (reader, lock free): by its
 * tag when it carries one for the header's key, else by the bare key
 * when that cannot mean another peer.
 *
 * @param key  the header's key (host order)
 * @param err  set to why the result is NULL
 */
static inline struct ipoib_peer *
ipoib_peer_of_mbuf(const struct ipoib_peer_cache *pc,
		   const struct rte_mbuf *m, uint16_t key,
		   enum ipoib_dest_error *err)
{
	uint64_t tag = ipoib_mbuf_tag(m);
	struct ipoib_peer *p;
	bool ambiguous;

	*err = IPOIB_DEST_OK;
	if (unlikely(key == 0)) {
		*err = IPOIB_DEST_NO_KEY;
		return NULL;
	}
	if (tag != 0 && ipoib_tag_key(tag) == key &&
	    !ipoib_peer_tag_is_foreign(pc, tag)) {
		p = ipoib_peer_get_tagged(pc, tag);
		if (unlikely(p == NULL))
			*err = IPOIB_DEST_STALE;
		return p;
	}
	p = ipoib_peer_get_untagged(pc, key, &ambiguous);
	if (unlikely(p == NULL))
		*err = ambiguous ? IPOIB_DEST_AMBIGUOUS : IPOIB_DEST_STALE;
	return p;
}


/* ipoib_rxtx.c */
uint16_t ipoib_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t ipoib_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t n);
int ipoib_rxq_fill(struct ipoib_rxq *rxq);
void ipoib_rxq_drain(struct ipoib_rxq *rxq);
void ipoib_txq_drain(struct ipoib_txq *txq);
int ipoib_rx_dynflag_register(void);

/* ipoib_ctrl.c */
int ipoib_ctrl_start(struct ipoib_priv *priv);
void ipoib_ctrl_stop(struct ipoib_priv *priv);
int ipoib_join_broadcast(struct ipoib_priv *priv);
int ipoib_ctrl_resolve(struct ipoib_priv *priv,
		       const struct ipoib_hwaddr *addr, uint16_t *key);
int ipoib_ctrl_resolve_tag(struct ipoib_priv *priv,
			   const struct ipoib_hwaddr *addr, uint64_t *tag);
int ipoib_ctrl_mcast_join(struct ipoib_priv *priv, const union hca_gid *mgid,
			  uint16_t *key, unsigned int timeout_ms);
/**
 * What to do once a multicast join succeeded (called under priv->lock).
 *
 * @param priv  the port
 * @param rec   the member record from the SA (its MGID is the one asked)
 * @param key   where to put the group's peer key
 * @return 0 or a negative errno
 */
typedef int (*ipoib_joined_fn)(struct ipoib_priv *priv,
			       const struct hca_mcmember_rec *rec,
			       uint16_t *key);
int ipoib_ctrl_join_wait(struct ipoib_priv *priv, const union hca_gid *mgid,
			 uint8_t join_state, unsigned int timeout_ms,
			 ipoib_joined_fn joined, uint16_t *key);
int ipoib_ctrl_mcast_leave(struct ipoib_priv *priv,
			   const union hca_gid *mgid);
void ipoib_link_update_from(struct ipoib_priv *priv,
			    const struct hca_dev_attr *attr);

void ipoib_ctrl_retry_now(struct ipoib_priv *priv);

/* ipoib_watch.c */
void ipoib_watch_init(struct ipoib_priv *priv);
void ipoib_watch_round(struct ipoib_priv *priv);
void ipoib_watch_port(struct ipoib_priv *priv,
		      const struct hca_dev_attr *attr);
void ipoib_watch_resync(struct ipoib_priv *priv, const char *why);

/* ipoib_recover.c */
bool ipoib_recover_poll(struct ipoib_priv *priv);
void ipoib_recover_init(struct ipoib_priv *priv);
void ipoib_recover_qp_poll(struct ipoib_priv *priv);
uint16_t ipoib_rx_burst_pausable(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t ipoib_tx_burst_pausable(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t ipoib_eth_rx_burst_pausable(void *q, struct rte_mbuf **pkts,
				     uint16_t n);
uint16_t ipoib_eth_tx_burst_pausable(void *q, struct rte_mbuf **pkts,
				     uint16_t n);

/* ipoib_qp_reset.c */
int ipoib_qp_reset(struct ipoib_priv *priv, uint16_t idx);

/* ipoib_ethdev.c */
int ipoib_queues_create(struct ipoib_priv *priv);
int ipoib_queues_fill(struct ipoib_priv *priv);
void ipoib_queues_destroy(struct ipoib_priv *priv);
void ipoib_register_pools(struct ipoib_priv *priv);
struct ipoib_priv *ipoib_priv_of_port(uint16_t port_id);
int ipoib_dev_infos_get(struct rte_eth_dev *dev,
			struct rte_eth_dev_info *info);

/* ipoib_secondary.c: a port seen from a secondary process */
struct rte_vdev_device;
int ipoib_secondary_probe(struct rte_vdev_device *vdev);

/* ipoib_stats.c: the ethdev stats and xstats ops */
int ipoib_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *s);
int ipoib_stats_reset(struct rte_eth_dev *dev);
int ipoib_xstats_get_names(struct rte_eth_dev *dev,
			   struct rte_eth_xstat_name *names, unsigned int size);
int ipoib_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		     unsigned int size);

/* ipoib_telemetry.c */
void ipoib_telemetry_register(void);

#endif /* IPOIB_H */
