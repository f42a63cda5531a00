/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * What the modes of bench-pmd share: the options, the ports and frames
 * of a run, and the burst calls that callgrind counts (bench_pmd.c).
 */

#ifndef BENCH_PMD_H
#define BENCH_PMD_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#define BENCH_BURST 32
#define BENCH_IDLE_POLLS 1000
#define BENCH_STALL_S 5.0        /**< give up after this long without rx */

/** Options of a run. */
struct bench_opts {
	const char *mode;        /**< "fwd", "ping", "cost" or "tcp" */
	uint64_t packets;
	uint32_t size;
	uint32_t inflight;       /**< per port (fwd); the burst (cost) */
	bool raw;                /**< net_ipoib mode=raw ports */
	bool echo;               /**< one port: only send back (-e) */
	bool yield;              /**< give up the CPU after an empty poll */
	double seconds;          /**< give up after this long */
	bool lso;                /**< tcp: TSO sends of 64 KiB (-l) */
};

/** Transmit offloads a port is configured with when it offers them. */
#define BENCH_TCP_OFFLOADS (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | \
			    RTE_ETH_TX_OFFLOAD_TCP_CKSUM | \
			    RTE_ETH_TX_OFFLOAD_TCP_TSO)

/** Ports in this process: 2, or 1 when the other is another process's. */
extern uint16_t bench_nports;
/** The mbufs of the run. */
extern struct rte_mempool *bench_pool;

/**
 * Receive a burst of up to BENCH_BURST on an idle port (empty poll
 * cost; callgrind counts it apart).
 *
 * @return packets received
 */
uint16_t bench_rx_idle(uint16_t port, struct rte_mbuf **pkts);

/**
 * Receive a burst of up to BENCH_BURST (counted by callgrind).
 *
 * @return packets received
 */
uint16_t bench_rx_burst(uint16_t port, struct rte_mbuf **pkts);

/**
 * Transmit a burst (counted by callgrind).
 *
 * @return packets consumed
 */
uint16_t bench_tx_burst(uint16_t port, struct rte_mbuf **pkts, uint16_t n);

/** Seconds since an arbitrary origin (TSC). */
double bench_now(void);

/**
 * Make a frame to send from a port.
 *
 * @return the mbuf, or NULL when the pool is empty
 */
struct rte_mbuf *bench_frame(uint16_t port, uint32_t size);

/**
 * Readdress received packets for sending from port `to` (see
 * bench_pmd.c).
 */
void bench_readdress(uint16_t to, struct rte_mbuf **pkts, uint16_t n,
		     bool raw);

/**
 * One port: answer and drop the ARP frames of a burst, keeping the
 * others in order.
 *
 * @return how many frames are left
 */
uint16_t bench_solo_filter(const struct bench_opts *o, struct rte_mbuf **pkts,
			   uint16_t n);

/**
 * cost: bursts of exactly o->inflight packets, each made ready before
 * it is received (bench_cost.c).
 *
 * @return 0, or 1 when a burst could not be filled or sent whole
 */
int bench_cost(const struct bench_opts *o, double deadline);

/**
 * tcp: a TCP stream from port 0 to port 1, with or without TSO
 * (bench_tcp.c).
 *
 * @return 0, or 1 when nothing arrived or the ports lack the offloads
 */
int bench_tcp(const struct bench_opts *o, double deadline);

#endif /* BENCH_PMD_H */
