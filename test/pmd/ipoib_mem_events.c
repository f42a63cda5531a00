/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Memory added and freed while a net_ipoib port runs, one process per
 * host.
 *
 *   ipoib_mem_events <EAL args, --vdev net_ipoib0,mode=raw> -- send DIR
 *   ipoib_mem_events <EAL args, --vdev net_ipoib0,mode=raw> -- recv DIR
 *
 * "send" (hugepages in dynamic memory mode, a small --socket-limit)
 * starts its port, THEN creates a mempool big enough that DPDK must add
 * memory (the port's mr_registered_by_event grows: the ALLOC event was
 * followed), and sends unicast packets of it to "recv" until "recv"
 * received enough of them intact. It frees that pool once every mbuf is
 * back (mr_deregistered_by_event grows: the FREE event was followed),
 * creates it again (DPDK adds memory again, often at the same address,
 * new hugepage files) and sends again: the payloads must be those of the
 * new pool (a stale registration would DMA the old pages' content or
 * nothing). "recv" (no hugepages) checks every payload: phase, sequence
 * and a pattern of both. The hosts meet through files in DIR: addr.recv
 * (recv's address), got1.recv, got2.recv (enough of a phase arrived),
 * done.send. Exit status 0 when every check passed.
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "rte_pmd_ipoib.h"

#define TEST_PROTO 0x88b5       /* local experimental EtherType */
#define NB_MBUF 1023            /* the receive pool */
#define BIG_MBUF 4095           /* the pool made later: about 17 MB */
#define BIG_ROOM (4096 + RTE_PKTMBUF_HEADROOM)
#define PAYLOAD 1200            /* bytes after the IPoIB header */
#define WANT 50                 /* packets of a phase recv must get */
#define MAGIC "ipoib-memev"

static unsigned int failures;
static const char *dir;
static uint16_t port;

#include "../ipoib_test.h"

/** The payload's header: what the pattern after it is made of. */
struct memev_hdr {
	char magic[12];
	uint32_t phase;
	uint32_t seq;
};

/** Byte i of the pattern of (phase, seq). */
static inline uint8_t
pattern(uint32_t phase, uint32_t seq, unsigned int i)
{
	return (uint8_t)(phase * 131 + seq * 7 + i * 3);
}

/** Path DIR/<name>. */
static void
path_of(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/** Whether DIR/<name> exists. */
static bool
flag_exists(const char *name)
{
	char p[512];

	path_of(p, sizeof(p), name);
	return access(p, F_OK) == 0;
}

/** Create DIR/<name>. */
static void
flag_set(const char *name)
{
	char p[512];
	FILE *f;

	path_of(p, sizeof(p), name);
	f = fopen(p, "w");
	if (f != NULL)
		fclose(f);
}

/** An xstat by name (absent: a failure, UINT64_MAX). */
static uint64_t
xstat(const char *name)
{
	return ipoib_test_xstat(port, name);
}

/** Milliseconds from now, in TSC cycles. */
static uint64_t
tsc_in(unsigned int ms)
{
	return rte_get_tsc_cycles() + rte_get_tsc_hz() * ms / 1000;
}

/** Configure and start the port with a receive pool of its own. */
static struct rte_mempool *
port_start(void)
{
	struct rte_eth_conf conf;
	struct rte_mempool *mp;

	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_count_avail() < 1)
		return NULL;
	port = 0;
	mp = rte_pktmbuf_pool_create("memev_rx", NB_MBUF, 0, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (mp == NULL || rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(port, 0, 256, 0, NULL, mp) < 0 ||
	    rte_eth_tx_queue_setup(port, 0, 256, 0, NULL) < 0 ||
	    rte_eth_dev_start(port) < 0)
		return NULL;
	return mp;
}

/** Drop whatever arrives (the sender receives nothing it checks). */
static void
drain_rx(void)
{
	struct rte_mbuf *pkts[32];
	uint16_t n = rte_eth_rx_burst(port, 0, pkts, 32);

	rte_pktmbuf_free_bulk(pkts, n);
}

/** Write an address as hex to DIR/<name>. */
static void
addr_write(const char *name, const struct rte_ipoib_addr *a)
{
	char p[512], tmp[520];
	FILE *f;
	int i;

	path_of(p, sizeof(p), name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	for (i = 0; i < RTE_IPOIB_ADDR_LEN; i++)
		fprintf(f, "%02x", a->bytes[i]);
	fprintf(f, "\n");
	fclose(f);
	rename(tmp, p);
}

/** Read an address from DIR/<name>; 0 when found. */
static int
addr_read(const char *name, struct rte_ipoib_addr *a)
{
	char p[512];
	unsigned int b;
	FILE *f;
	int i;

	path_of(p, sizeof(p), name);
	f = fopen(p, "r");
	if (f == NULL)
		return -1;
	for (i = 0; i < RTE_IPOIB_ADDR_LEN; i++) {
		if (fscanf(f, "%2x", &b) != 1) {
			fclose(f);
			return -1;
		}
		a->bytes[i] = (uint8_t)b;
	}
	fclose(f);
	return 0;
}

/** A packet of (phase, seq) to key, from mp. */
static struct rte_mbuf *
make_pkt(struct rte_mempool *mp, uint16_t key, uint32_t phase, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ipoib_hdr *h;
	struct memev_hdr *mh;
	uint8_t *p;
	unsigned int i;

	if (m == NULL)
		return NULL;
	h = (struct rte_ipoib_hdr *)rte_pktmbuf_append(m,
		sizeof(*h) + PAYLOAD);
	h->proto = rte_cpu_to_be_16(TEST_PROTO);
	h->key = rte_cpu_to_be_16(key);
	mh = (struct memev_hdr *)(h + 1);
	memset(mh->magic, 0, sizeof(mh->magic));
	memcpy(mh->magic, MAGIC, strlen(MAGIC));
	mh->phase = phase;
	mh->seq = seq;
	p = (uint8_t *)(mh + 1);
	for (i = 0; i < PAYLOAD - sizeof(*mh); i++)
		p[i] = pattern(phase, seq, i);
	return m;
}

/**
 * Send packets of a phase from mp until recv says it got enough
 * (DIR/<flag>) or 30 s passed.
 *
 * @return whether recv got them
 */
static bool
send_phase(struct rte_mempool *mp, uint16_t key, uint32_t phase,
	   const char *flag)
{
	uint64_t deadline = tsc_in(30000);
	uint32_t seq = 0;

	while (!flag_exists(flag) && rte_get_tsc_cycles() < deadline) {
		struct rte_mbuf *m = make_pkt(mp, key, phase, seq++);

		if (m != NULL && rte_eth_tx_burst(port, 0, &m, 1) == 0)
			rte_pktmbuf_free(m);
		drain_rx();
		usleep(2000);
	}
	printf("send: phase %u, %u packets sent, tx_unregistered_memory %"
	       PRIu64 "\n", phase, seq, xstat("tx_unregistered_memory"));
	return flag_exists(flag);
}

/**
 * Wait until every mbuf of mp is back (sends completed), 10 s at most.
 *
 * @return whether they are
 */
static bool
wait_back(struct rte_mempool *mp, unsigned int n)
{
	uint64_t deadline = tsc_in(10000);

	while (rte_mempool_avail_count(mp) != n &&
	       rte_get_tsc_cycles() < deadline) {
		rte_eth_tx_burst(port, 0, NULL, 0); /* reaps completions */
		drain_rx();
		usleep(1000);
	}
	return rte_mempool_avail_count(mp) == n;
}

/** Print the memory registration counters. */
static void
show_mr(const char *when)
{
	printf("send: %s: mr_regions %" PRIu64 ", registered by event %"
	       PRIu64 ", deregistered by event %" PRIu64 ", failures %"
	       PRIu64 "\n", when, xstat("mr_regions"),
	       xstat("mr_registered_by_event"),
	       xstat("mr_deregistered_by_event"),
	       xstat("mr_event_failures"));
}

/** The big pool: made after start, so its memory is added then. */
static struct rte_mempool *
big_pool(void)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create("memev_big",
		BIG_MBUF, 0, 0, BIG_ROOM, 0);

	CHECK(mp != NULL, "big pool created: %s", rte_strerror(rte_errno));
	if (mp != NULL) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

		if (m != NULL) {
			printf("send: big pool's first mbuf at %p\n",
			       m->buf_addr);
			rte_pktmbuf_free(m);
		}
	}
	return mp;
}

/** The sending side (hugepages, dynamic memory). */
static int
run_send(void)
{
	struct rte_ipoib_addr peer;
	struct rte_mempool *rx, *mp;
	uint64_t reg0, reg1, dereg0;
	uint64_t deadline = tsc_in(40000);
	uint16_t key = 0;

	rx = port_start();
	if (rx == NULL) {
		printf("FAIL: port start\n");
		return 1;
	}
	while (addr_read("addr.recv", &peer) != 0 &&
	       rte_get_tsc_cycles() < deadline)
		usleep(10000);
	CHECK(rte_pmd_ipoib_resolve(port, &peer, &key) == 0 && key != 0,
	      "resolve the receiver");
	show_mr("started");
	CHECK(xstat("mr_regions") > 0, "memory registered at start");
	reg0 = xstat("mr_registered_by_event");
	dereg0 = xstat("mr_deregistered_by_event");

	/* phase 1: a pool made after start, on memory added after start */
	mp = big_pool();
	show_mr("big pool created");
	reg1 = xstat("mr_registered_by_event");
	CHECK(reg1 > reg0, "ALLOC event followed: registered by event %"
	      PRIu64 " -> %" PRIu64, reg0, reg1);
	if (mp != NULL) {
		CHECK(send_phase(mp, key, 1, "got1.recv"),
		      "phase 1 received intact");
		CHECK(wait_back(mp, BIG_MBUF), "phase 1 mbufs back: %u of %u",
		      rte_mempool_avail_count(mp), BIG_MBUF);
		rte_mempool_free(mp);
	}
	show_mr("big pool freed");
	CHECK(xstat("mr_deregistered_by_event") > dereg0,
	      "FREE event followed");

	/* phase 2: the same again, the memory allocated afresh */
	mp = big_pool();
	show_mr("big pool created again");
	CHECK(xstat("mr_registered_by_event") > reg1,
	      "second ALLOC event followed");
	if (mp != NULL) {
		CHECK(send_phase(mp, key, 2, "got2.recv"),
		      "phase 2 received intact");
		CHECK(wait_back(mp, BIG_MBUF), "phase 2 mbufs back");
	}
	CHECK(xstat("tx_unregistered_memory") == 0,
	      "no packet dropped for unregistered memory (%" PRIu64 ")",
	      xstat("tx_unregistered_memory"));
	CHECK(xstat("mr_event_failures") == 0, "every event followed");
	flag_set("done.send");
	CHECK(rte_eth_dev_stop(port) == 0, "stop");
	CHECK(rte_eth_dev_close(port) == 0, "close");
	CHECK(rte_mempool_avail_count(rx) == NB_MBUF, "receive mbufs back");
	rte_mempool_free(mp);
	rte_mempool_free(rx);
	rte_eal_cleanup();
	printf("send: %s, %u failures\n", failures ? "FAIL" : "PASS",
	       failures);
	return failures ? 1 : 0;
}

/**
 * Check one received packet.
 *
 * @return its phase (1 or 2), 0 for another packet, -1 when corrupt
 */
static int
check_pkt(const struct rte_mbuf *m)
{
	const struct rte_ipoib_hdr *h =
		rte_pktmbuf_mtod(m, const struct rte_ipoib_hdr *);
	const struct memev_hdr *mh = (const struct memev_hdr *)(h + 1);
	const uint8_t *p = (const uint8_t *)(mh + 1);
	unsigned int i;

	if (rte_be_to_cpu_16(h->proto) != TEST_PROTO)
		return 0;
	if (m->nb_segs != 1 || m->pkt_len != sizeof(*h) + PAYLOAD ||
	    memcmp(mh->magic, MAGIC, strlen(MAGIC)) != 0 ||
	    (mh->phase != 1 && mh->phase != 2))
		return -1;
	for (i = 0; i < PAYLOAD - sizeof(*mh); i++)
		if (p[i] != pattern(mh->phase, mh->seq, i))
			return -1;
	return (int)mh->phase;
}

/** The receiving side: count intact packets per phase. */
static int
run_recv(void)
{
	struct rte_ipoib_addr own;
	struct rte_mempool *rx;
	unsigned int got[3] = { 0 }, bad = 0;
	uint64_t deadline = tsc_in(100000);

	rx = port_start();
	if (rx == NULL) {
		printf("FAIL: port start\n");
		return 1;
	}
	CHECK(rte_pmd_ipoib_own_addr(port, &own) == 0, "own address");
	addr_write("addr.recv", &own);
	while (!flag_exists("done.send") && rte_get_tsc_cycles() < deadline) {
		struct rte_mbuf *pkts[32];
		uint16_t n = rte_eth_rx_burst(port, 0, pkts, 32), i;

		for (i = 0; i < n; i++) {
			int ph = check_pkt(pkts[i]);

			if (ph > 0)
				got[ph]++;
			else if (ph < 0 && bad++ < 5)
				printf("recv: corrupt packet, %u bytes\n",
				       pkts[i]->pkt_len);
			rte_pktmbuf_free(pkts[i]);
		}
		if (got[1] >= WANT && !flag_exists("got1.recv"))
			flag_set("got1.recv");
		if (got[2] >= WANT && !flag_exists("got2.recv"))
			flag_set("got2.recv");
		rte_eth_tx_burst(port, 0, NULL, 0);
		usleep(500);
	}
	printf("recv: phase 1 %u, phase 2 %u intact, %u corrupt\n", got[1],
	       got[2], bad);
	CHECK(flag_exists("done.send"), "the sender finished");
	CHECK(got[1] >= WANT && got[2] >= WANT, "both phases received");
	CHECK(bad == 0, "no corrupt packet");
	CHECK(rte_eth_dev_stop(port) == 0, "stop");
	CHECK(rte_eth_dev_close(port) == 0, "close");
	rte_mempool_free(rx);
	rte_eal_cleanup();
	printf("recv: %s, %u failures\n", failures ? "FAIL" : "PASS",
	       failures);
	return failures ? 1 : 0;
}

/** Run one side; exit 0 when every check passed. */
int
main(int argc, char **argv)
{
	int n = rte_eal_init(argc, argv);

	if (n < 0) {
		printf("FAIL: EAL init\n");
		return 1;
	}
	argc -= n;
	argv += n;
	if (argc < 3) {
		printf("usage: ... -- send|recv DIR\n");
		return 2;
	}
	dir = argv[2];
	if (strcmp(argv[1], "send") == 0)
		return run_send();
	return run_recv();
}
