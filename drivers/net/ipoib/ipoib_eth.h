/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_ETH_H
#define IPOIB_ETH_H

/**
 * @file
 * mode=eth: the Ethernet view of a net_ipoib port (doc/eth-mode.md).
 * Its state and the functions of the data path that work on it:
 * ipoib_eth.c the state and the MAC <-> address mapping,
 * ipoib_eth_rxtx.c the burst functions and the header rewrite,
 * ipoib_arp.c and ipoib_nd.c the ARP and neighbour discovery
 * translation, ipoib_snoop.c the IGMP/MLD snooping, ipoib_mac.c the MAC
 * scheme. The multicast thread (control plane) is ipoib_mcast.h's.
 */

#include <stdint.h>
#include <stdbool.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "ipoib.h"
#include "ipoib_mac.h"

/** Received packets held per queue while their sender is learned. */
#define IPOIB_ETH_RX_HELD 32
/** How long such a packet is held at most (ms). */
#define IPOIB_ETH_RX_HOLD_MS 200
/** Packets held for send-only joins at most (ring size). */
#define IPOIB_ETH_MC_HELD 64
/** Groups of set_mc_addr_list and send-only joins at most. */
#define IPOIB_ETH_MC_MAX 32
/** Snooped joins/leaves waiting for the multicast thread (ring size). */
#define IPOIB_ETH_SNOOP_RING 256
/** Join timeout (ms). */
#define IPOIB_ETH_JOIN_MS 2000

/** Receive counters of mode=eth (per queue). */
struct ipoib_eth_rx_stats {
	uint64_t unknown_src;     /**< sender not known, not ARP/ND: dropped */
	uint64_t no_mac;          /**< peer tag beyond the MAC space */
	uint64_t unknown_group;   /**< group MGID with no MAC */
	uint64_t arp;             /**< ARP translated */
	uint64_t arp_malformed;
	uint64_t nd;              /**< ND messages translated */
	uint64_t nd_malformed;
	uint64_t nd_bad_checksum; /**< ND with a wrong ICMPv6 checksum */
	uint64_t held;            /**< held while their sender is learned */
	uint64_t held_expired;    /**< ... dropped after the hold time */
	uint64_t held_full;       /**< ... dropped: hold area full */
};

/** Transmit counters of mode=eth (per queue). */
struct ipoib_eth_tx_stats {
	uint64_t malformed;       /**< shorter than an Ethernet header,
				   *  or ARP/ND in several segments */
	uint64_t unknown_mac;     /**< destination MAC stands for no peer */
	uint64_t arp;
	uint64_t arp_malformed;
	uint64_t arp_unknown_mac; /**< sender MAC stands for nobody */
	uint64_t nd;
	uint64_t nd_malformed;
	uint64_t nd_unknown_mac;
	uint64_t nd_no_room;      /**< no tailroom for the longer options */
	uint64_t nd_bad_checksum; /**< ND with a wrong ICMPv6 checksum */
	uint64_t mc_join_held;    /**< held for a send-only join */
	uint64_t mc_dropped;      /**< hold ring full, or the join failed */
	uint64_t ring_full;       /**< translated but the ring was full */
	uint64_t snoop_malformed; /**< broken IGMP/MLD reports: dropped */
	uint64_t snoop_dropped;   /**< requests lost: snoop ring full */
};

/** Per receive queue state. */
struct ipoib_eth_rxq {
	struct rte_mbuf *held[IPOIB_ETH_RX_HELD];
	uint64_t held_until[IPOIB_ETH_RX_HELD];
	uint16_t n_held;
	struct ipoib_eth_rx_stats st;
} __rte_cache_aligned;

/** Per transmit queue state. */
struct ipoib_eth_txq {
	struct ipoib_eth_tx_stats st;
} __rte_cache_aligned;

/** A packet waiting for a send-only join. */
struct ipoib_eth_mc_wait {
	struct rte_mbuf *m;
	union hca_gid mgid;
};

/** A join or leave snooped from an IGMP/MLD message. */
struct ipoib_eth_snoop_req {
	union hca_gid mgid;
	bool join;                /**< false: leave */
};

/** A group this port joined for mode=eth. */
struct ipoib_eth_group {
	union hca_gid mgid;
	uint8_t join_state;       /**< HCA_JOIN_FULL or _SENDONLY_FULL */
	bool listed;              /**< in the set_mc_addr_list list */
	bool joined;
	uint16_t key;             /**< send-only: its static peer key */
	bool shared;              /**< send-only: the port was a member
				   *   before: not left at the SA */
	uint64_t retry_tsc;       /**< no new attempt before (failures) */
	bool snooped;             /**< asked for by IGMP/MLD reports */
	uint8_t snoop_fails;      /**< failed snooped joins in a row */
};

/** Counters of the multicast thread. */
struct ipoib_eth_mc_stats {
	uint64_t joins;
	uint64_t join_failures;
	uint64_t sendonly_joins;
	uint64_t released;        /**< held packets sent after a join */
	uint64_t dropped;         /**< held packets dropped: join failed */
	uint64_t leaves;          /**< full-member groups left */
	uint64_t snoop_joins;     /**< snooped join requests served */
	uint64_t snoop_leaves;    /**< snooped leave requests served */
};

/** The mode=eth state of a port. */
struct ipoib_eth {
	struct ipoib_priv *priv;
	struct rte_ether_addr own_mac;
	struct ipoib_eth_rxq rxq[IPOIB_MAX_QUEUES];
	struct ipoib_eth_txq txq[IPOIB_MAX_QUEUES];
	/* multicast (ipoib_mcast.c) */
	pthread_mutex_t mc_lock;  /**< the group table (control paths) */
	struct ipoib_eth_group groups[IPOIB_ETH_MC_MAX];
	struct rte_ring *mc_wait; /**< tx -> mc thread */
	struct rte_ring *mc_snoop; /**< tx -> mc thread: snooped requests */
	pthread_t mc_tid;
	bool mc_running;
	int mc_stop;              /**< atomic */
	struct ipoib_eth_mc_stats mst;
};

/** Result of a translation step. */
enum ipoib_xlate {
	IPOIB_XLATE_OK = 0,
	IPOIB_XLATE_MALFORMED,    /**< drop and count */
	IPOIB_XLATE_UNKNOWN,      /**< an address stands for nobody known */
	IPOIB_XLATE_NO_ROOM,      /**< the packet cannot grow */
	IPOIB_XLATE_BAD_CKSUM,    /**< an ND message's checksum is wrong */
};

/* ipoib_eth.c */
struct ipoib_eth *ipoib_eth_create(struct ipoib_priv *priv);
void ipoib_eth_free(struct ipoib_eth *eth);
void ipoib_eth_stop(struct ipoib_eth *eth);
struct ipoib_eth *ipoib_eth_of_priv(const struct ipoib_priv *priv);
int ipoib_eth_mac_of_addr(const struct ipoib_eth *eth,
			  const struct ipoib_hwaddr *addr,
			  struct rte_ether_addr *mac);
int ipoib_eth_addr_of_mac(const struct ipoib_eth *eth,
			  const struct rte_ether_addr *mac,
			  struct ipoib_hwaddr *addr);

/* ipoib_arp.c */
enum ipoib_xlate ipoib_arp_to_eth(const struct ipoib_eth *eth,
				  struct rte_mbuf *m, uint32_t off,
				  struct rte_ether_addr *sender);
enum ipoib_xlate ipoib_arp_to_ib(const struct ipoib_eth *eth,
				 struct rte_mbuf *m, uint32_t off);

/* ipoib_nd.c */
enum ipoib_xlate ipoib_nd_to_eth(const struct ipoib_eth *eth,
				 struct rte_mbuf *m, uint32_t off,
				 struct rte_ether_addr *sender, bool *is_nd);
enum ipoib_xlate ipoib_nd_to_ib(const struct ipoib_eth *eth,
				struct rte_mbuf *m, uint32_t off, bool *is_nd);

/* ipoib_snoop.c */
bool ipoib_snoop_tx(struct ipoib_eth *eth, struct ipoib_eth_txq *q,
		    const struct rte_mbuf *m);

#endif /* IPOIB_ETH_H */
