/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * bench-pmd cost: the bursts callgrind counts, made the same on every
 * run. B packets (-b, at most BENCH_BURST) go out in one transmit burst;
 * the run then waits, outside the counted functions, until the
 * receiving queue holds all B (rte_eth_rx_queue_count(), or at once for
 * a PMD that delivers within its transmit call and has no count); one
 * receive burst then returns exactly B. The packets go back the other
 * way the same way, PACKETS / B times in all, after a few uncounted
 * batches that bring the queues to their steady state. Empty polls are
 * counted apart at the end, on drained queues (bench_rx_idle()), and
 * are not part of the per-packet figure.
 *
 * How many packets a burst returns thus never depends on timing: the
 * instructions counted per packet depend on the code only. A burst that
 * cannot be filled or sent whole ends the run with an error.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "bench_pmd.h"

/** Batches sent before the counted ones (uncounted warm-up). */
#define BENCH_COST_WARMUP 16
/** Pause between two looks at a receive queue (the HCA runs meanwhile). */
#define BENCH_COST_POLL_US 20

/** The state of a cost run. */
struct bench_cost_run {
	const struct bench_opts *o;
	uint16_t burst;          /**< B */
	double wait_max;         /**< longest wait for a full queue (s) */
	bool no_count;           /**< a port without rte_eth_rx_queue_count */
};

/**
 * Wait until a port's receive queue holds n packets, at most
 * BENCH_STALL_S. A port without a queue count (-ENOTSUP) is taken as
 * ready: its receive burst is checked instead.
 *
 * @return 0, or -ETIMEDOUT
 */
static int
bench_cost_wait(struct bench_cost_run *r, uint16_t port, uint16_t n)
{
	double t0 = bench_now(), t;
	int c;

	for (;;) {
		c = rte_eth_rx_queue_count(port, 0);
		if (c == -ENOTSUP) {
			r->no_count = true;
			return 0;
		}
		t = bench_now();
		if (c >= (int)n)
			break;
		if (t - t0 > BENCH_STALL_S) {
			fprintf(stderr, "bench-pmd: cost: port %u holds %d of "
				"the %u packets sent after %.0f s: cannot fill "
				"a burst\n", port, c < 0 ? 0 : c, n,
				BENCH_STALL_S);
			return -ETIMEDOUT;
		}
		rte_delay_us_sleep(BENCH_COST_POLL_US);
	}
	if (t - t0 > r->wait_max)
		r->wait_max = t - t0;
	return 0;
}

/**
 * One batch: send B packets from a port, wait until the receiving port
 * holds them all, receive them in one burst and readdress them for the
 * way back. Counted (bench_tx_burst, bench_rx_burst) or not (warm-up).
 *
 * @return 0, or -EIO when a burst was not whole
 */
static int
bench_cost_batch(struct bench_cost_run *r, uint16_t from, uint16_t to,
		 struct rte_mbuf **pkts, bool counted)
{
	uint16_t b = r->burst, n, back;

	n = counted ? bench_tx_burst(from, pkts, b) :
		rte_eth_tx_burst(from, 0, pkts, b);
	if (n != b) {
		fprintf(stderr, "bench-pmd: cost: port %u sent %u of a burst "
			"of %u\n", from, n, b);
		rte_pktmbuf_free_bulk(pkts + n, b - n);
		return -EIO;
	}
	if (bench_cost_wait(r, to, b) < 0)
		return -ETIMEDOUT;
	n = counted ? bench_rx_burst(to, pkts) :
		rte_eth_rx_burst(to, 0, pkts, BENCH_BURST);
	if (bench_nports == 1)
		n = bench_solo_filter(r->o, pkts, n);
	if (n != b) {
		fprintf(stderr, "bench-pmd: cost: port %u received %u of a "
			"burst of %u%s\n", to, n, b, r->no_count ?
			" (the PMD has no rx queue count: only PMDs that "
			"deliver within their tx burst can be measured)" : "");
		rte_pktmbuf_free_bulk(pkts, n);
		return -EIO;
	}
	back = bench_nports == 2 ? from : to;
	bench_readdress(back, pkts, n, r->o->raw);
	return 0;
}

/**
 * Poll every port without counting until nothing arrives (a memif
 * connection completes on its first poll; late frames of the set-up go).
 */
static void
bench_cost_settle(void)
{
	struct rte_mbuf *pkts[BENCH_BURST];
	uint16_t p, n;
	int k;

	for (k = 0; k < 100; k++) {
		for (p = 0; p < bench_nports; p++) {
			n = rte_eth_rx_burst(p, 0, pkts, BENCH_BURST);
			rte_pktmbuf_free_bulk(pkts, n);
		}
		rte_delay_us_sleep(100);
	}
}

/** Empty polls on every (drained) port, counted apart; how many. */
static uint64_t
bench_cost_idle(void)
{
	struct rte_mbuf *pkts[BENCH_BURST];
	uint64_t polls = 0;
	uint16_t p, n;
	int k;

	for (k = 0; k < BENCH_IDLE_POLLS; k++) {
		for (p = 0; p < bench_nports; p++) {
			n = bench_rx_idle(p, pkts);
			rte_pktmbuf_free_bulk(pkts, n);
			polls++;
		}
	}
	return polls;
}

/** The cost mode (see the file comment and bench_pmd.h). */
int
bench_cost(const struct bench_opts *o, double deadline)
{
	struct bench_cost_run r = { .o = o, .burst = (uint16_t)o->inflight };
	struct rte_mbuf *pkts[BENCH_BURST];
	uint64_t batches = o->packets / o->inflight, k, idle;
	uint16_t from = 0, to = bench_nports == 2 ? 1 : 0, i;
	double t0;
	int ret = 0;

	bench_cost_settle();
	for (i = 0; i < r.burst; i++) {
		pkts[i] = bench_frame(0, o->size);
		if (pkts[i] == NULL) {
			fprintf(stderr, "bench-pmd: mbuf pool empty\n");
			rte_pktmbuf_free_bulk(pkts, i);
			return 1;
		}
	}
	t0 = bench_now();
	for (k = 0; k < BENCH_COST_WARMUP + batches && ret == 0; k++) {
		if (bench_now() > deadline) {
			fprintf(stderr, "bench-pmd: cost: deadline after %"
				PRIu64 " batches\n", k);
			return 1;
		}
		ret = bench_cost_batch(&r, from, to, pkts,
				       k >= BENCH_COST_WARMUP);
		from = to;
		to = bench_nports == 2 ? 1 - from : from;
	}
	if (ret != 0)
		return 1;
	rte_pktmbuf_free_bulk(pkts, r.burst);
	idle = bench_cost_idle();
	printf("{\"mode\": \"cost\", \"size\": %u, \"burst\": %u, "
	       "\"packets\": %" PRIu64 ", \"rx_bursts\": %" PRIu64
	       ", \"tx_bursts\": %" PRIu64 ", \"idle_polls\": %" PRIu64
	       ", \"wait_max_ms\": %.3f, \"rx_queue_count\": %s"
	       ", \"seconds\": %.3f}\n", o->size, r.burst,
	       batches * r.burst, batches, batches, idle, r.wait_max * 1e3,
	       r.no_count ? "false" : "true", bench_now() - t0);
	return 0;
}
