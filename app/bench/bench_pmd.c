/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * bench-pmd: packets between two ethdev ports of one process, for the
 * benchmark harness (usertools/ipoib-bench).
 *
 *   bench-pmd <EAL args, two ports> -- fwd|ping|cost|tcp [-n PACKETS]
 *             [-s SIZE] [-b INFLIGHT] [-r] [-e] [-y] [-t SECONDS] [-l]
 *
 * fwd:  INFLIGHT packets per port circulate between the two ports (what
 *       is received on one is sent on the other, as testpmd io
 *       forwarding) until PACKETS have been received. The receive and
 *       transmit bursts are called through bench_rx_burst() and
 *       bench_tx_burst() only, so that callgrind can count their
 *       instructions (--toggle-collect=bench_*); bench_rx_idle() is the
 *       same receive call on idle ports, before any traffic, to measure
 *       the cost of an empty poll.
 * ping: one packet goes from port 0 to port 1 and back, PACKETS times;
 *       prints the round trip's percentiles.
 * cost: the bursts of fwd under callgrind, made deterministic: every
 *       counted burst carries exactly INFLIGHT packets (at most 32), made
 *       ready before it is received (bench_cost.c); PACKETS in all, a
 *       multiple of INFLIGHT.
 * tcp:  a TCP stream from port 0 to port 1 for SECONDS, in segments of
 *       SIZE payload bytes: sent so (checksums offloaded), or with -l
 *       as 64 KiB TSO sends the device segments (bench_tcp.c).
 *
 * -r: the ports are net_ipoib in mode=raw: frames start with the IPoIB
 * header and carry the destination's peer key (each port resolves the
 * other's address first). Otherwise frames are Ethernet, addressed to
 * the other port's MAC address; net_ipoib ports in mode=eth find it by
 * ARP (bench_arp.c), and forwarded frames get it written (a router's
 * destination MAC rewrite).
 *
 * fwd with one port (net_ipoib mode=eth, the other port in a second
 * process on another host): the initiator finds the other process by
 * ARP, sends INFLIGHT frames to it and sends every frame it receives
 * back to its source; the other, started with -e, only sends back what
 * it receives (and answers ARP), and ends 0.5 s after the traffic stops.
 * (The harness takes the cost figure of mode=eth so; two mode=eth ports
 * of one process, as raw, everywhere else.) -y: sched_yield() after
 * every empty poll, so that the two processes can share one CPU.
 *
 * fwd also reports the TSC cycles spent in the bursts per packet (native,
 * the rte_rdtsc() pair's own cost subtracted): hardware counters
 * (perf stat) are not available in this virtual machine.
 *
 * Prints one JSON object on stdout. Exit status 0 on success.
 */

#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "rte_pmd_ipoib.h"
#include "bench_arp.h"
#include "bench_pmd.h"

#define BENCH_DESC 1024
#define BENCH_MBUFS 16383
#define BENCH_MAX_SAMPLES 1000000

/** The first bytes of every frame sent from each port. */
static uint8_t bench_hdr[2][RTE_ETHER_HDR_LEN];
/** Length of bench_hdr in use. */
static uint32_t bench_hdr_len;
/** Transmit offloads to configure where offered (tcp mode only). */
static uint64_t bench_tx_offloads;
/** The peer key a port sends to (raw mode). */
static uint16_t bench_key[2];
/** Its tag (raw mode): forwarded packets carry the receiving port's. */
static uint64_t bench_tag[2];
uint16_t bench_nports = 2;
/** net_ipoib mode=eth: forwarded frames get the peer MAC of bench_hdr. */
static bool bench_eth_readdress;
struct rte_mempool *bench_pool;

/**
 * Receive a burst on an idle port (empty poll cost).
 *
 * @return packets received
 */
__rte_noinline uint16_t
bench_rx_idle(uint16_t port, struct rte_mbuf **pkts)
{
	return rte_eth_rx_burst(port, 0, pkts, BENCH_BURST);
}

/**
 * Receive a burst (the PMD's receive function, for callgrind).
 *
 * @return packets received
 */
__rte_noinline uint16_t
bench_rx_burst(uint16_t port, struct rte_mbuf **pkts)
{
	return rte_eth_rx_burst(port, 0, pkts, BENCH_BURST);
}

/**
 * Transmit a burst (the PMD's transmit function, for callgrind).
 *
 * @return packets consumed
 */
__rte_noinline uint16_t
bench_tx_burst(uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_tx_burst(port, 0, pkts, n);
}

/** Print a port's non-zero extended statistics on stderr (diagnosis). */
static void
bench_dump_xstats(uint16_t port)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *xs;
	int n = rte_eth_xstats_get(port, NULL, 0), i;

	if (n <= 0)
		return;
	names = calloc((size_t)n, sizeof(*names));
	xs = calloc((size_t)n, sizeof(*xs));
	if (names != NULL && xs != NULL &&
	    rte_eth_xstats_get_names(port, names, (unsigned int)n) == n &&
	    rte_eth_xstats_get(port, xs, (unsigned int)n) == n) {
		for (i = 0; i < n; i++)
			if (xs[i].value != 0)
				fprintf(stderr, "port %u %s: %" PRIu64 "\n",
					port, names[xs[i].id].name,
					xs[i].value);
	}
	free(names);
	free(xs);
}

/** Seconds since an arbitrary origin (TSC). */
double
bench_now(void)
{
	return (double)rte_get_tsc_cycles() / (double)rte_get_tsc_hz();
}

/**
 * Configure and start a port with one queue each way.
 *
 * @return 0 or a negative errno
 */
static int
bench_port_start(uint16_t port)
{
	struct rte_eth_conf conf;
	int ret;

	struct rte_eth_dev_info info;

	memset(&conf, 0, sizeof(conf));
	/* the offloads of the tcp mode, where offered */
	if (bench_tx_offloads != 0 && rte_eth_dev_info_get(port, &info) == 0)
		conf.txmode.offloads = info.tx_offload_capa & bench_tx_offloads;
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(port, 0, BENCH_DESC,
					     rte_eth_dev_socket_id(port), NULL,
					     bench_pool);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(port, 0, BENCH_DESC,
					     rte_eth_dev_socket_id(port), NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	return ret;
}

/**
 * Wait until a port's link is up.
 *
 * @return 0, or -ETIMEDOUT after the deadline
 */
static int
bench_link_wait(uint16_t port, double deadline)
{
	struct rte_eth_link link;

	do {
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			return 0;
		rte_delay_ms(10);
	} while (bench_now() < deadline);
	return -ETIMEDOUT;
}

/**
 * Raw mode: resolve the other port's address on a port and wait until
 * its path is known.
 *
 * @return 0 or a negative errno
 */
static int
bench_resolve(uint16_t port, uint16_t other, double deadline)
{
	struct rte_ipoib_addr addr;
	struct rte_ipoib_path path;
	int ret;

	ret = rte_pmd_ipoib_own_addr(other, &addr);
	if (ret == 0)
		ret = rte_pmd_ipoib_resolve_tag(port, &addr, &bench_tag[port]);
	bench_key[port] = rte_pmd_ipoib_tag_key(bench_tag[port]);
	while (ret == 0) {
		ret = rte_pmd_ipoib_peer_info(port, bench_key[port], NULL,
					      &path);
		if (ret == 0 && path.resolved)
			return 0;
		if (bench_now() > deadline)
			return -ETIMEDOUT;
		rte_delay_ms(10);
	}
	return ret;
}

/**
 * Make a frame to send from a port.
 *
 * @return the mbuf, or NULL when the pool is empty
 */
struct rte_mbuf *
bench_frame(uint16_t port, uint32_t size)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(bench_pool);
	uint8_t *d;

	if (m == NULL)
		return NULL;
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)size);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(d, 0, size);
	memcpy(d, bench_hdr[port], RTE_MIN(bench_hdr_len, size));
	return m;
}

/**
 * Readdress received packets for sending from port `to`. One port: back
 * to the source (its MAC as destination). Raw mode: the
 * tag of the destination in that port's cache replaces the tag of the
 * receiving port's cache. net_ipoib mode=eth: the destination MAC
 * becomes the peer MAC of the destination in that port's cache (as a
 * router rewrites it). Other PMDs: frames already name the port they
 * came from.
 */
void
bench_readdress(uint16_t to, struct rte_mbuf **pkts, uint16_t n, bool raw)
{
	const struct rte_ether_hdr *h = (const void *)bench_hdr[to];
	uint16_t i;

	if (raw) {
		for (i = 0; i < n; i++)
			rte_pmd_ipoib_set_dst_tag(pkts[i], bench_tag[to]);
	} else if (bench_nports == 1) {
		for (i = 0; i < n; i++) {
			struct rte_ether_hdr *e = rte_pktmbuf_mtod(pkts[i],
				struct rte_ether_hdr *);

			rte_ether_addr_copy(&e->src_addr, &e->dst_addr);
		}
	} else if (bench_eth_readdress) {
		for (i = 0; i < n; i++)
			rte_ether_addr_copy(&h->dst_addr,
				&rte_pktmbuf_mtod(pkts[i],
					struct rte_ether_hdr *)->dst_addr);
	}
}

/**
 * Send one frame, retrying while the port is busy (until the deadline).
 *
 * @return 1 when sent, 0 at the deadline (the frame is still the
 *         caller's)
 */
static int
bench_send_one(uint16_t port, struct rte_mbuf *m, double deadline)
{
	uint32_t spins = 0;

	while (bench_tx_burst(port, &m, 1) != 1) {
		if ((++spins & 0xff) == 0 && bench_now() > deadline)
			return 0;
	}
	return 1;
}

/**
 * Send frames, freeing what the port does not take.
 *
 * @return how many were sent
 */
static uint16_t
bench_send(uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = bench_tx_burst(port, pkts, n);
	uint16_t i;

	for (i = sent; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
	return sent;
}

/**
 * Raw mode: make each port learn the other from broadcasts, without the
 * subnet manager (two net_ipoib ports of one process get no answer to
 * their path queries under ibsim's umad2sim). Done when each port has
 * received a packet whose source key is known.
 *
 * @return 0, or -ETIMEDOUT at the deadline
 */
static int
bench_learn(double deadline)
{
	struct rte_mbuf *pkts[BENCH_BURST];
	struct rte_ipoib_hdr *h;
	bool known[2] = { false, false };
	uint16_t p, n, i, bkey;
	double next = 0;

	while (!known[0] || !known[1]) {
		if (bench_now() > deadline)
			return -ETIMEDOUT;
		for (p = 0; p < 2 && bench_now() > next; p++) {
			struct rte_mbuf *m = bench_frame(p, 64);

			if (m == NULL || rte_pmd_ipoib_broadcast_key(p,
								     &bkey)) {
				rte_pktmbuf_free(m);
				return -ENOMEM;
			}
			h = rte_pktmbuf_mtod(m, struct rte_ipoib_hdr *);
			h->proto = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
			h->key = rte_cpu_to_be_16(bkey);
			bench_send(p, &m, 1);
		}
		if (bench_now() > next)
			next = bench_now() + 0.05;
		for (p = 0; p < 2; p++) {
			/* not through bench_rx_*: callgrind must not count it */
			n = rte_eth_rx_burst(p, 0, pkts, BENCH_BURST);
			for (i = 0; i < n; i++) {
				if (rte_pmd_ipoib_get_key(pkts[i]) != 0)
					known[p] = true;
				rte_pktmbuf_free(pkts[i]);
			}
		}
	}
	return 0;
}

/** Whether a port is a net_ipoib port. */
static bool
bench_is_ipoib(uint16_t port)
{
	struct rte_eth_dev_info info;

	return rte_eth_dev_info_get(port, &info) == 0 &&
		strcmp(info.driver_name, "net_ipoib") == 0;
}

/**
 * One port (mode=eth), the other port in another process: the initiator
 * (host 198.18.0.1) finds the echo (198.18.0.2) by ARP; the echo learns
 * the initiator from its request and only ever sends frames back.
 *
 * @return 0 or a negative errno
 */
static int
bench_headers_solo(const struct bench_opts *o, double deadline)
{
	struct rte_ether_hdr *e = (void *)bench_hdr[0];
	struct rte_ether_addr peer;
	int ret;

	bench_hdr_len = RTE_ETHER_HDR_LEN;
	ret = rte_eth_macaddr_get(0, &e->src_addr);
	if (ret < 0 || o->echo)
		return ret;
	ret = bench_arp_resolve(bench_pool, 0, 1, 2, &peer,
				deadline - bench_now());
	if (ret < 0)
		return ret;
	rte_ether_addr_copy(&peer, &e->dst_addr);
	e->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	return 0;
}

/**
 * Build the header every frame sent from each port starts with.
 *
 * @return 0 or a negative errno
 */
static int
bench_headers(const struct bench_opts *o, double deadline)
{
	struct rte_ether_addr mac[2], peer[2];
	uint16_t p;
	int ret;

	if (o->raw) {
		ret = bench_learn(deadline);
		if (ret < 0)
			return ret;
		for (p = 0; p < 2; p++) {
			struct rte_ipoib_hdr *h = (void *)bench_hdr[p];

			ret = bench_resolve(p, 1 - p, deadline);
			if (ret < 0)
				return ret;
			h->proto = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
			h->key = rte_cpu_to_be_16(bench_key[p]);
		}
		bench_hdr_len = RTE_IPOIB_HDR_LEN;
		return 0;
	}
	if (bench_nports == 1)
		return bench_headers_solo(o, deadline);
	for (p = 0; p < 2; p++) {
		ret = rte_eth_macaddr_get(p, &mac[p]);
		if (ret < 0)
			return ret;
		peer[p] = mac[1 - p];
	}
	if (bench_is_ipoib(0)) {
		/* mode=eth: a port reaches the other by its peer MAC */
		bench_eth_readdress = true;
		ret = bench_arp_learn(bench_pool, peer, deadline - bench_now());
		if (ret < 0)
			return ret;
	}
	for (p = 0; p < 2; p++) {
		struct rte_ether_hdr *e = (void *)bench_hdr[p];

		rte_ether_addr_copy(&peer[p], &e->dst_addr);
		rte_ether_addr_copy(&mac[p], &e->src_addr);
		e->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	}
	bench_hdr_len = RTE_ETHER_HDR_LEN;
	return 0;
}

/**
 * mode=eth: wait until each initiating port's peer is reachable. A peer
 * learnt by ARP is resolved once the SA has answered its PathRecord; until
 * then the PMD holds 3 packets and drops the rest, which would take
 * packets out of a forwarding run. One frame is sent every 100 ms until
 * something arrives where it should (the other port, or, with one port,
 * back from the echo). The frames go through rte_eth_tx_burst() and
 * rte_eth_rx_burst() directly, outside what callgrind measures.
 *
 * @return 0, or -ETIMEDOUT at the deadline
 */
static int
bench_eth_warm(const struct bench_opts *o, double deadline)
{
	struct rte_mbuf *pkts[BENCH_BURST], *m;
	uint16_t p, to, n;
	double next;
	bool got;

	if (o->raw || o->echo || !bench_is_ipoib(0))
		return 0;
	for (p = 0; p < bench_nports; p++) {
		to = bench_nports == 1 ? 0 : 1 - p;
		got = false;
		while (!got) {
			if (bench_now() > deadline)
				return -ETIMEDOUT;
			m = bench_frame(p, 64);
			if (m != NULL && rte_eth_tx_burst(p, 0, &m, 1) != 1)
				rte_pktmbuf_free(m);
			next = bench_now() + 0.1;
			while (!got && bench_now() < next) {
				n = rte_eth_rx_burst(to, 0, pkts, BENCH_BURST);
				got = n != 0;
				rte_pktmbuf_free_bulk(pkts, n);
			}
		}
	}
	return 0;
}

/** Measure empty polls on both ports; how many were made. */
static uint64_t
bench_idle_polls(void)
{
	struct rte_mbuf *pkts[BENCH_BURST];
	uint64_t polls = 0;
	uint16_t n, i;
	int k;

	for (k = 0; k < BENCH_IDLE_POLLS; k++) {
		for (uint16_t p = 0; p < bench_nports; p++) {
			n = bench_rx_idle(p, pkts);
			for (i = 0; i < n; i++)
				rte_pktmbuf_free(pkts[i]);
			polls++;
		}
	}
	return polls;
}

/**
 * Put INFLIGHT frames into circulation from each port.
 *
 * @return 0 or -ENOMEM
 */
static int
bench_prime(const struct bench_opts *o)
{
	struct rte_mbuf *pkts[BENCH_BURST];
	uint16_t p;
	uint32_t left, k, i;

	for (p = 0; p < bench_nports && !o->echo; p++) {
		for (left = o->inflight; left > 0; left -= k) {
			k = RTE_MIN(left, (uint32_t)BENCH_BURST);
			for (i = 0; i < k; i++) {
				pkts[i] = bench_frame(p, o->size);
				if (pkts[i] == NULL)
					return -ENOMEM;
			}
			bench_send(p, pkts, (uint16_t)k);
		}
	}
	return 0;
}

/** TSC cycles spent in the bursts of a forwarding run (native). */
struct bench_tsc {
	uint64_t rx;             /**< receive bursts that returned packets */
	uint64_t rx_empty;       /**< receive bursts that returned none */
	uint64_t tx;             /**< transmit bursts */
	uint64_t overhead;       /**< cycles of one rte_rdtsc() pair */
};

/** The cycles two back-to-back rte_rdtsc() take (minimum of many). */
static uint64_t
bench_tsc_overhead(void)
{
	uint64_t best = UINT64_MAX, a, b;
	int i;

	for (i = 0; i < 1000; i++) {
		a = rte_rdtsc();
		b = rte_rdtsc();
		best = RTE_MIN(best, b - a);
	}
	return best;
}

/** Cycles between two TSC reads, less the reads' own cost. */
static inline uint64_t
bench_tsc_span(const struct bench_tsc *c, uint64_t t0, uint64_t t1)
{
	return t1 - t0 > c->overhead ? t1 - t0 - c->overhead : 0;
}

/**
 * One port: answer and drop the ARP frames of a burst (late requests of
 * the initiator), keeping the others in order.
 *
 * @return how many frames are left
 */
uint16_t
bench_solo_filter(const struct bench_opts *o, struct rte_mbuf **pkts,
		  uint16_t n)
{
	uint16_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (bench_arp_answer(bench_pool, 0, o->echo ? 2 : 1, pkts[i]))
			rte_pktmbuf_free(pkts[i]);
		else
			pkts[k++] = pkts[i];
	}
	return k;
}

/**
 * One pass over both ports: receive a burst on each, send it out of the
 * other one. Counts packets, empty polls, drops and the bursts' cycles.
 */
static inline void
bench_fwd_pass(const struct bench_opts *o, struct bench_tsc *c,
	       uint64_t *received, uint64_t *empty, uint64_t *dropped)
{
	struct rte_mbuf *pkts[BENCH_BURST];
	uint64_t t0, t1, t2;
	uint16_t p, n, sent;

	for (p = 0; p < bench_nports; p++) {
		uint16_t to = bench_nports == 2 ? 1 - p : p;

		t0 = rte_rdtsc();
		n = bench_rx_burst(p, pkts);
		t1 = rte_rdtsc();
		if (n == 0) {
			c->rx_empty += bench_tsc_span(c, t0, t1);
			(*empty)++;
			if (o->yield)
				sched_yield();
			continue;
		}
		c->rx += bench_tsc_span(c, t0, t1);
		if (bench_nports == 1)
			n = bench_solo_filter(o, pkts, n);
		*received += n;
		bench_readdress(to, pkts, n, o->raw);
		t1 = rte_rdtsc();
		sent = bench_send(to, pkts, n);
		t2 = rte_rdtsc();
		c->tx += bench_tsc_span(c, t1, t2);
		*dropped += (uint64_t)(n - sent);
	}
}

/** Print the result of a forwarding run (one JSON object). */
static void
bench_fwd_print(const struct bench_opts *o, const struct bench_tsc *c,
		uint64_t received, uint64_t empty, uint64_t idle,
		uint64_t dropped, double secs)
{
	double pkts = received != 0 ? (double)received : 1;

	printf("{\"mode\": \"fwd\", \"size\": %u, \"packets\": %" PRIu64
	       ", \"empty_polls\": %" PRIu64 ", \"idle_polls\": %" PRIu64
	       ", \"dropped\": %" PRIu64 ", \"seconds\": %.6f, \"mpps\": %.4f"
	       ", \"tsc_hz\": %" PRIu64 ", \"tsc_rx_per_pkt\": %.1f"
	       ", \"tsc_tx_per_pkt\": %.1f, \"tsc_empty_poll\": %.1f}\n",
	       o->size, received, empty, idle, dropped, secs,
	       (double)received / secs / 1e6, rte_get_tsc_hz(),
	       (double)c->rx / pkts, (double)c->tx / pkts,
	       empty != 0 ? (double)c->rx_empty / (double)empty : 0.0);
}

/**
 * Forward between the two ports until o->packets were received.
 *
 * @return 0, or 1 when the deadline came first
 */
static int
bench_fwd(const struct bench_opts *o, double deadline)
{
	uint64_t received = 0, empty = 0, idle, dropped = 0, seen = 0;
	struct bench_tsc c = { 0 };
	double t0, t1, last, stall;

	idle = bench_idle_polls();
	c.overhead = bench_tsc_overhead();
	if (bench_prime(o) < 0) {
		fprintf(stderr, "bench-pmd: mbuf pool empty\n");
		return 1;
	}
	t0 = bench_now();
	last = t0;
	while (received < o->packets) {
		/* the echo ends 0.5 s after the initiator stopped sending */
		stall = o->echo ? (received != 0 ? 0.5 : 1e9) : BENCH_STALL_S;
		bench_fwd_pass(o, &c, &received, &empty, &dropped);
		if ((empty & 0xfff) == 0 && empty != 0) {
			double t = bench_now();

			if (received != seen) {
				seen = received;
				last = t;
			}
			if (t > deadline || t - last > stall)
				break;
		}
	}
	t1 = bench_now();
	bench_fwd_print(o, &c, received, empty, idle, dropped, t1 - t0);
	if (o->echo)
		return received != 0 ? 0 : 1;
	return received >= o->packets ? 0 : 1;
}

/**
 * Wait for one packet on a port.
 *
 * @return the packet, or NULL at the deadline
 */
static struct rte_mbuf *
bench_wait_one(uint16_t port, double deadline)
{
	struct rte_mbuf *pkts[BENCH_BURST];
	uint32_t spins = 0;
	uint16_t n, i;

	for (;;) {
		n = bench_rx_burst(port, pkts);
		if (n != 0) {
			for (i = 1; i < n; i++)
				rte_pktmbuf_free(pkts[i]);
			return pkts[0];
		}
		if ((++spins & 0xfff) == 0 && bench_now() > deadline)
			return NULL;
	}
}

/** Compare two uint64_t for qsort. */
static int
bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/**
 * One packet bounced between port 0 and port 1, o->packets round trips
 * (after 100 unmeasured ones).
 *
 * @return 0, or 1 on a lost packet or the deadline
 */
static int
bench_ping(const struct bench_opts *o, double deadline)
{
	uint64_t n = RTE_MIN(o->packets, (uint64_t)BENCH_MAX_SAMPLES), i;
	uint64_t *rtt = calloc(n + 100, sizeof(*rtt));
	double ns = 1e9 / (double)rte_get_tsc_hz();
	struct rte_mbuf *m;
	int ret = 1;

	if (rtt == NULL)
		return 1;
	bench_idle_polls(); /* memif: a first poll completes the connection */
	m = bench_frame(0, o->size);
	for (i = 0; m != NULL && i < n + 100; i++) {
		uint64_t t0 = rte_rdtsc();

		if (!bench_send_one(0, m, deadline))
			break;
		m = bench_wait_one(1, deadline);
		if (m == NULL)
			break;
		bench_readdress(1, &m, 1, o->raw);
		if (!bench_send_one(1, m, deadline))
			break;
		m = bench_wait_one(0, deadline);
		if (m == NULL)
			break;
		bench_readdress(0, &m, 1, o->raw);
		rtt[i] = rte_rdtsc() - t0;
	}
	if (i == n + 100) {
		qsort(rtt + 100, n, sizeof(*rtt), bench_cmp_u64);
		printf("{\"mode\": \"ping\", \"size\": %u, \"samples\": %"
		       PRIu64 ", \"p50_us\": %.3f, \"p99_us\": %.3f, "
		       "\"min_us\": %.3f}\n", o->size, n,
		       (double)rtt[100 + n / 2] * ns / 1e3,
		       (double)rtt[100 + n * 99 / 100] * ns / 1e3,
		       (double)rtt[100] * ns / 1e3);
		ret = 0;
	} else {
		fprintf(stderr, "bench-pmd: packet lost after %" PRIu64
			" round trips\n", i);
	}
	rte_pktmbuf_free(m);
	free(rtt);
	return ret;
}

/**
 * Parse the application's options (after EAL's).
 *
 * @return 0, or -EINVAL with a message
 */
static int
bench_parse(int argc, char **argv, struct bench_opts *o)
{
	int c;

	o->packets = 100000;
	o->size = 64;
	o->inflight = 64;
	o->seconds = 60;
	while ((c = getopt(argc, argv, "n:s:b:ert:yl")) != -1) {
		switch (c) {
		case 'n': o->packets = strtoull(optarg, NULL, 0); break;
		case 's': o->size = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'b': o->inflight = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'r': o->raw = true; break;
		case 'e': o->echo = true; break;
		case 'y': o->yield = true; break;
		case 't': o->seconds = strtod(optarg, NULL); break;
		case 'l': o->lso = true; break;
		default: return -EINVAL;
		}
	}
	if (optind != argc - 1 || o->packets == 0 || o->size < 20 ||
	    o->size > 2044 || o->inflight == 0 || o->inflight > 4096 ||
	    !(o->seconds > 0)) {
		fprintf(stderr, "usage: bench-pmd <EAL> -- fwd|ping|cost|tcp "
			"[-n N] [-s 20..2044] [-b 1..4096] [-r] [-e] [-y] "
			"[-t SECONDS] [-l]\n");
		return -EINVAL;
	}
	o->mode = argv[optind];
	if (strcmp(o->mode, "fwd") != 0 && strcmp(o->mode, "ping") != 0 &&
	    strcmp(o->mode, "cost") != 0 && strcmp(o->mode, "tcp") != 0) {
		fprintf(stderr, "bench-pmd: unknown mode \"%s\"\n", o->mode);
		return -EINVAL;
	}
	if (strcmp(o->mode, "cost") == 0 &&
	    (o->inflight > BENCH_BURST || o->packets % o->inflight != 0)) {
		fprintf(stderr, "bench-pmd: cost: -b 1..%u and -n a multiple "
			"of it\n", BENCH_BURST);
		return -EINVAL;
	}
	return 0;
}

/** Entry point: see the file comment. */
int
main(int argc, char **argv)
{
	struct bench_opts o;
	double deadline;
	uint16_t p;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "bench-pmd: EAL init failed\n");
		return 2;
	}
	memset(&o, 0, sizeof(o));
	if (bench_parse(argc - ret, argv + ret, &o) < 0)
		return 2;
	bench_nports = rte_eth_dev_count_avail();
	if (bench_nports != 2 && (bench_nports != 1 || o.raw ||
				  strcmp(o.mode, "ping") == 0)) {
		fprintf(stderr, "bench-pmd: need 2 ports (1 for fwd or cost "
			"in mode=eth), have %u\n", bench_nports);
		return 2;
	}
	bench_pool = rte_pktmbuf_pool_create("bench", BENCH_MBUFS, 256, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE,
					     rte_socket_id());
	if (bench_pool == NULL) {
		fprintf(stderr, "bench-pmd: no mbuf pool\n");
		return 1;
	}
	deadline = bench_now() + o.seconds;
	if (strcmp(o.mode, "tcp") == 0) {
		bench_tx_offloads = BENCH_TCP_OFFLOADS |
			RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		deadline += 10; /* the addressing comes first */
	}
	for (p = 0; p < bench_nports; p++) {
		ret = bench_port_start(p);
		if (ret < 0) {
			fprintf(stderr, "bench-pmd: port %u: %s\n", p,
				strerror(-ret));
			return 1;
		}
	}
	for (p = 0; p < bench_nports; p++) {
		if (bench_link_wait(p, deadline) < 0) {
			fprintf(stderr, "bench-pmd: port %u link down\n", p);
			return 1;
		}
	}
	ret = bench_headers(&o, deadline);
	if (ret == 0)
		ret = bench_eth_warm(&o, deadline);
	if (ret < 0) {
		fprintf(stderr, "bench-pmd: addressing: %s\n", strerror(-ret));
		for (p = 0; p < bench_nports; p++)
			bench_dump_xstats(p);
		return 1;
	}
	if (strcmp(o.mode, "fwd") == 0)
		ret = bench_fwd(&o, deadline);
	else if (strcmp(o.mode, "cost") == 0)
		ret = bench_cost(&o, deadline);
	else if (strcmp(o.mode, "tcp") == 0)
		ret = bench_tcp(&o, deadline);
	else
		ret = bench_ping(&o, deadline);
	fflush(stdout);
	for (p = 0; p < bench_nports && ret != 0; p++)
		bench_dump_xstats(p);
	for (p = 0; p < bench_nports; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_eal_cleanup();
	return ret;
}
