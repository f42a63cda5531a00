/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_FWD_H
#define IPOIB_FWD_H

/**
 * @file
 * ipoib-fwd: a packet forwarder and IPv4/IPv6 router for DPDK ports
 * (net_ipoib in mode=eth or mode=raw, net_memif, net_tap, NICs).
 *
 * Threads: every lcore forwards (it polls receive queue i of every port,
 * i = its index, and sends on transmit queue i). The main lcore also runs
 * the control work between bursts: ARP/ND (the neighbour table has a
 * single writer, the main lcore; the others read it lock-free and hand
 * over ARP/ND packets and packets waiting for resolution through one ring
 * each), the statistics line and the JSON file. Counters are per lcore,
 * written by their lcore only.
 *
 * This header holds the types every file shares and the shared state
 * (defined in fwd_state.c); each module declares its functions in its
 * own header (fwd_<module>.h). The files and who calls whom are in the
 * "Inside" section of the forwarder guide.
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#define FWD_MAX_PORTS 8
#define FWD_MAX_LCORES 16
#define FWD_MAX_ADDRS 8         /* addresses of each family per port */
#define FWD_MAX_ROUTES 1024
#define FWD_MAX_NEXTHOPS 256
#define FWD_MAX_BURST 64
#define FWD_NEIGH_MAX 4096
#define FWD_NAME "ipoib-fwd"
#define FWD_ICMP_DEST_UNREACH 3
#define FWD_ICMP_TIME_EXCEEDED 11

/** Why a packet was dropped (or an event counted). */
enum fwd_drop {
	FWD_DROP_MALFORMED,      /**< bad IP/ARP/ND header, length, checksum */
	FWD_DROP_TTL_EXCEEDED,   /**< TTL / hop limit ran out */
	FWD_DROP_NO_ROUTE,       /**< no route to the destination */
	FWD_DROP_UNRESOLVED,     /**< next hop did not answer ARP/ND */
	FWD_DROP_PENDING_FULL,   /**< too many packets waiting for a next hop */
	FWD_DROP_NEIGH_FULL,     /**< neighbour table full */
	FWD_DROP_UNSUPPORTED,    /**< EtherType or protocol not forwarded */
	FWD_DROP_NOT_FORWARDED,  /**< multicast, link-local, martian source */
	FWD_DROP_TX_FULL,        /**< transmit queue full */
	FWD_DROP_RING_FULL,      /**< hand-over ring to the main lcore full */
	FWD_DROP_NO_MBUF,        /**< no mbuf for a reply */
	FWD_DROP_LOCAL,          /**< to the router itself, not answered */
	FWD_DROP_LINK_DOWN,      /**< output port's link is down */
	FWD_DROP_MAX
};

/** Other events counted. */
enum fwd_event {
	FWD_EV_ICMP_SENT,        /**< ICMP/ICMPv6 errors sent */
	FWD_EV_ICMP_LIMITED,     /**< ICMP errors held back by the rate limit */
	FWD_EV_ARP_REPLIES,      /**< ARP replies / NAs for our addresses */
	FWD_EV_ARP_REQUESTS,     /**< ARP requests / NSs sent to resolve */
	FWD_EV_ECHO_REPLIES,     /**< echo replies sent for our addresses */
	FWD_EV_NEIGH_LEARNED,    /**< neighbours resolved */
	FWD_EV_MAX
};

/** Counters of one port on one lcore. */
struct fwd_port_counters {
	uint64_t rx_pkts, rx_bytes;
	uint64_t tx_pkts, tx_bytes;
};

/** Counters of one lcore; written by that lcore only. */
struct fwd_counters {
	struct fwd_port_counters port[FWD_MAX_PORTS];
	uint64_t drop[FWD_DROP_MAX];
	uint64_t event[FWD_EV_MAX];
} __rte_cache_aligned;

/** An IPv4 or IPv6 address of a port, with its prefix length. */
struct fwd_addr {
	uint8_t family;          /**< 4 or 6 */
	uint8_t depth;           /**< prefix length */
	uint8_t ip[16];          /**< network order; IPv4: first 4 bytes */
};

/** A route: a prefix to a port, directly or through a gateway. */
struct fwd_route {
	struct fwd_addr prefix;
	uint16_t port;           /**< UINT16_MAX: the port of the gateway */
	bool has_gateway;
	uint8_t gateway[16];
	unsigned int line;       /**< config line, 0 for the command line */
};

/** A next hop (the LPM tables hold indexes into this table). */
struct fwd_nexthop {
	uint16_t port;
	bool has_gateway;
	uint8_t gateway[16];
};

/** A port of the forwarder. */
struct fwd_port {
	uint16_t id;
	struct rte_ether_addr mac;
	bool is_ipoib;           /**< a net_ipoib port */
	bool raw;                /**< net_ipoib in mode=raw (no Ethernet) */
	uint16_t pair;           /**< io mode: where its packets go */
	bool has_peer;           /**< io mode: a destination is set */
	struct rte_ether_addr peer_mac;
	uint8_t peer_ipoib[20];  /**< raw ipoib: destination address */
	uint64_t peer_tag;       /**< raw ipoib: its tag (resolved at start) */
	struct fwd_addr addr4[FWD_MAX_ADDRS];
	unsigned int nb_addr4;
	struct fwd_addr addr6[FWD_MAX_ADDRS];
	unsigned int nb_addr6;
	char name[RTE_ETH_NAME_MAX_LEN];
};

struct fwd_engine;

/** The configuration (command line and config file). */
struct fwd_config {
	const struct fwd_engine *engine; /**< the forwarding mode */
	unsigned int burst;
	unsigned int nb_mbufs;
	unsigned int rxd, txd;
	unsigned int stats_period;   /**< seconds; 0 = no stats lines */
	unsigned int duration;       /**< seconds; 0 = until a signal */
	unsigned int icmp_rate;      /**< ICMP errors per second per lcore */
	unsigned int pending;        /**< packets held per unresolved hop */
	unsigned int resolve_ms;     /**< ARP/NS retry interval */
	unsigned int resolve_tries;
	unsigned int link_timeout;   /**< seconds to wait for link up */
	const char *stats_json;
	const char *config_file;
	struct fwd_port ports[FWD_MAX_PORTS];
	unsigned int nb_ports;
	struct fwd_route routes[FWD_MAX_ROUTES];
	unsigned int nb_routes;
	bool pairs_set;
};

/** One lcore's work. */
struct fwd_lcore {
	unsigned int index;          /**< queue index */
	unsigned int lcore_id;
	bool is_main;
	struct rte_ring *to_main;    /**< ARP/ND and unresolved packets */
	uint64_t icmp_tokens;        /**< ICMP rate limit (tokens x hz) */
	uint64_t icmp_last;
	struct fwd_counters cnt;
	struct rte_mbuf *tx_buf[FWD_MAX_PORTS][FWD_MAX_BURST];
	unsigned int tx_len[FWD_MAX_PORTS];
} __rte_cache_aligned;

/* the shared state: fwd_state.c */
extern struct fwd_config fwd_cfg;
extern struct fwd_lcore fwd_lcores[FWD_MAX_LCORES];
extern unsigned int fwd_nb_lcores;
extern struct rte_mempool *fwd_pool;
extern volatile bool fwd_quit;
extern volatile bool fwd_link_up[FWD_MAX_PORTS];

#endif /* IPOIB_FWD_H */
