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

/** Forwarding modes. */
enum fwd_mode {
	FWD_MODE_IO,       /**< port pairs, packets unchanged */
	FWD_MODE_MACSWAP,  /**< back out of the same port, MACs swapped */
	FWD_MODE_L2,       /**< learning bridge between Ethernet ports */
	FWD_MODE_L3,       /**< IPv4/IPv6 router */
};

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

/** The configuration (command line and config file). */
struct fwd_config {
	enum fwd_mode mode;
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

extern struct fwd_config fwd_cfg;
extern struct fwd_lcore fwd_lcores[FWD_MAX_LCORES];
extern unsigned int fwd_nb_lcores;
extern struct rte_mempool *fwd_pool;
extern volatile bool fwd_quit;
extern volatile bool fwd_link_up[FWD_MAX_PORTS];

/* fwd_args.c */
int fwd_parse_args(int argc, char **argv);
void fwd_usage(FILE *out);

/* fwd_args.c */
int fwd_set_mode(const char *s);
int fwd_set_pair(const char *a, const char *b);
int fwd_set_peer(const char *port, const char *dest);

/* fwd_config.c */
int fwd_config_load(const char *path);
int fwd_parse_addr(const char *s, struct fwd_addr *a, bool want_depth);
int fwd_parse_port_index(const char *s);
int fwd_parse_route(char **tok, unsigned int nb, unsigned int line,
		    char *err, size_t errlen);
int fwd_parse_port_addr(unsigned int port, const char *s, char *err,
			size_t errlen);
const char *fwd_addr_str(const struct fwd_addr *a, char *buf, size_t len);

/* fwd_port.c */
int fwd_ports_init(void);
void fwd_ports_close(void);
void fwd_ports_poll_links(void);
int fwd_ports_resolve_peers(void);

/* fwd_io.c */
void fwd_io_burst(struct fwd_lcore *lc, uint16_t port, struct rte_mbuf **m,
		  unsigned int n);
void fwd_l2_burst(struct fwd_lcore *lc, uint16_t port, struct rte_mbuf **m,
		  unsigned int n);
void fwd_tx_flush(struct fwd_lcore *lc, uint16_t port);
void fwd_tx_enqueue(struct fwd_lcore *lc, uint16_t port, struct rte_mbuf *m);
void fwd_drop(struct fwd_lcore *lc, struct rte_mbuf *m, enum fwd_drop why);

/* fwd_l3.c */
int fwd_l3_init(void);
void fwd_l3_free(void);
void fwd_l3_burst(struct fwd_lcore *lc, uint16_t port, struct rte_mbuf **m,
		  unsigned int n);
void fwd_l3_one(struct fwd_lcore *lc, struct rte_mbuf *m, uint16_t port);
int fwd_l3_route4(const uint8_t ip[4], struct fwd_nexthop **nh);
int fwd_l3_route6(const uint8_t ip[16], struct fwd_nexthop **nh);
int fwd_l3_send(struct fwd_lcore *lc, struct rte_mbuf *m, uint16_t port,
		int family, const uint8_t *hop);

/* fwd_neigh.c */
int fwd_neigh_init(void);
void fwd_neigh_free(void);
int fwd_neigh_lookup(uint16_t port, int family, const uint8_t *ip,
		     struct rte_ether_addr *mac);
void fwd_neigh_control(struct fwd_lcore *lc);
void fwd_neigh_punt(struct fwd_lcore *lc, struct rte_mbuf *m);
void fwd_neigh_hold(struct fwd_lcore *lc, struct rte_mbuf *m, uint16_t port,
		    int family, const uint8_t *hop);
bool fwd_port_owns(uint16_t port, int family, const uint8_t *ip);
const struct fwd_addr *fwd_port_addr_for(uint16_t port, int family,
					 const uint8_t *ip);
void fwd_neigh_drain(void);
unsigned int fwd_neigh_count(void);

/* fwd_icmp.c */
void fwd_icmp_error(struct fwd_lcore *lc, struct rte_mbuf *m, uint16_t port,
		    int family, uint8_t type, uint8_t code);
struct rte_mbuf *fwd_icmp_echo_reply(struct rte_mbuf *m, uint16_t port,
				     int family);

/* fwd_stats.c */
void fwd_stats_start(void);
void fwd_stats_tick(bool force);
void fwd_stats_summary(void);
int fwd_stats_write_json(const char *path, bool final);
void fwd_counters_sum(struct fwd_counters *out);
const char *fwd_drop_name(enum fwd_drop d);

#endif /* IPOIB_FWD_H */
