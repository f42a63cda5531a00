/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Phases "oversize" and "qperror": one bad send must not stop a port.
 *
 * oversize: the PMD sends host2 (device API) good datagrams mixed with
 * frames longer than the IB MTU (IB MTU + 1 up to 9000 bytes, in one
 * mbuf or chained behind a short first segment). Every good one must
 * arrive, every long one must be refused and counted in tx_oversized and
 * oerrors, and no QP may fail (qp_recoveries stays 0); a frame of exactly
 * the IB MTU still goes out (to the broadcast group, back to the PMD).
 *
 * oversize_eth (a port in mode=eth): the same with Ethernet frames to the
 * broadcast MAC (host2's QP attached to the broadcast group): frames
 * longer than the MTU + 14 (up to 9000) refused and counted, the good ones
 * all arrive, a frame of exactly MTU + 14 goes out.
 *
 * qperror: the soft HCA forces the PMD's QP into the error state
 * (`hcasim --fail-qp QPN,send`: its next send fails as one with a bad
 * lkey; `hcasim --fail-qp QPN`: the error state at once) while the PMD
 * sends to host2. The soft HCA raises the QP's error event each time
 * (local WQ access error, then WQ catastrophic error) and the port must
 * see both (events_qp_error grows by 2), reset the QP (qp_recoveries
 * grows) and send and receive again, and every packet it took is
 * accounted for: delivered to host2 or counted in tx_error_completions.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "fd.h"

/** Data room of the big pool: one mbuf holds a 9000-byte frame. */
#define FD_BIG_ROOM 9216
/** Mbufs of the big pool. */
#define FD_BIG_MBUFS 63
/** The longest frame sent. */
#define FD_MAX_FRAME 9000

/** What host2 received of the PMD's stream. */
struct fd_mtu_tally {
	uint32_t sender;           /**< the PMD's QPN */
	uint32_t n;                /**< room in seen */
	uint8_t *seen;
	uint64_t valid;            /**< intact, right sender, first time */
	uint64_t bad;              /**< anything else */
};

/** host2's receive callback: judge one packet into the tally. */
static void
fd_mtu_rx(struct fd_host *h, unsigned int slot, const uint8_t *pkt,
	  uint32_t len, bool grh, void *arg)
{
	struct fd_mtu_tally *t = arg;
	uint32_t sender, seq;

	RTE_SET_USED(h);
	RTE_SET_USED(slot);
	RTE_SET_USED(grh);
	if (len != 4 + FD_PAYLOAD || pkt[0] != (FD_PROTO >> 8) ||
	    pkt[1] != (FD_PROTO & 0xff) ||
	    fd_payload_check(pkt + 4, len - 4, &sender, &seq) != 0 ||
	    sender != t->sender || seq >= t->n || t->seen[seq]) {
		t->bad++;
		return;
	}
	t->seen[seq] = 1;
	t->valid++;
}

/** The port's oerrors now. */
static uint64_t
fd_mtu_oerrors(void)
{
	struct rte_eth_stats st;

	memset(&st, 0, sizeof(st));
	rte_eth_stats_get(fd_port, &st);
	return st.oerrors;
}

/** The PMD's QPN, from its address. */
static uint32_t
fd_mtu_own_qpn(void)
{
	return (uint32_t)fd_own.bytes[1] << 16 |
		(uint32_t)fd_own.bytes[2] << 8 | fd_own.bytes[3];
}

/**
 * A frame of len bytes (IPoIB header included) to key: from mp in one
 * mbuf when seg is 0, else a chain whose first segment holds seg bytes
 * and the others up to their room.
 *
 * @return the frame, or NULL (a failure)
 */
static struct rte_mbuf *
fd_mtu_frame(struct rte_mempool *mp, uint16_t key, uint32_t len,
	     uint32_t seg)
{
	struct rte_mbuf *head = NULL;
	uint32_t left = len;

	while (left > 0) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint32_t k = left;
		uint8_t *d = NULL;

		if (m != NULL) {
			k = RTE_MIN(k, (uint32_t)rte_pktmbuf_tailroom(m));
			if (head == NULL && seg != 0)
				k = RTE_MIN(k, seg);
			d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)k);
		}
		if (d == NULL || (head != NULL && rte_pktmbuf_chain(head, m))) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			CHECK(false, "cannot build a %u-byte frame", len);
			return NULL;
		}
		memset(d, 0x5a, k);
		if (head == NULL) {
			struct rte_ipoib_hdr *h = (void *)d;

			head = m;
			h->proto = rte_cpu_to_be_16(FD_PROTO);
			h->key = rte_cpu_to_be_16(key);
		}
		left -= k;
	}
	return head;
}

/** Poll the PMD (freeing what it got) and host2 once; packets seen. */
static unsigned int
fd_mtu_poll(struct fd_host *h2, struct fd_mtu_tally *t)
{
	struct rte_mbuf *pkts[32];
	uint16_t n = rte_eth_rx_burst(fd_port, 0, pkts, 32);

	rte_pktmbuf_free_bulk(pkts, n);
	rte_eth_tx_burst(fd_port, 0, NULL, 0); /* reap */
	return n + fd_host_poll(h2, fd_mtu_rx, t);
}

/** Poll until 300 ms pass without a packet (at most 10 s). */
static void
fd_mtu_settle(struct fd_host *h2, struct fd_mtu_tally *t)
{
	uint64_t end = fd_deadline(10), quiet = fd_deadline(0.3);

	while (!fd_expired(end) && !fd_expired(quiet)) {
		if (fd_mtu_poll(h2, t) > 0)
			quiet = fd_deadline(0.3);
		else
			fd_sleep_ms(1);
	}
}

/**
 * Open host2 with one QP and resolve it to a key, proving the path
 * with a first packet (sequence 0 of the tally).
 *
 * @return the key, or 0 (a failure)
 */
static uint16_t
fd_mtu_host2(struct fd_host *h2, struct fd_mtu_tally *t)
{
	struct rte_ipoib_addr addr;
	uint64_t end = fd_deadline(10);
	uint16_t key = 0;

	if (fd_host_open(h2, "host2", 0xffff) != 0 ||
	    fd_host_qp_new(h2, 0) != 0) {
		CHECK(false, "host2 setup");
		return 0;
	}
	fd_host_addr(h2, 0, &addr);
	if (rte_pmd_ipoib_resolve(fd_port, &addr, &key) != 0 || key == 0) {
		CHECK(false, "resolve host2");
		return 0;
	}
	while (!fd_expired(end) && t->valid == 0) {
		struct rte_mbuf *m = fd_pmd_pkt(key, t->sender, 0);
		uint64_t wait = fd_deadline(3);

		if (m != NULL)
			fd_pmd_send(&m, 1);
		while (!fd_expired(wait) && t->valid == 0)
			if (fd_mtu_poll(h2, t) == 0)
				fd_sleep_ms(1);
	}
	fd_mtu_settle(h2, t);
	CHECK(t->valid == 1, "no packet reached host2");
	return key;
}

/**
 * Restart the port, so that it registers the mempools there are (the
 * big pool, created after the first start), and read its address again.
 *
 * @param to_free  a pool to free while the port is stopped, or NULL
 * @return 0 or -1
 */
static int
fd_mtu_restart(struct rte_mempool *to_free)
{
	if (rte_eth_dev_stop(fd_port) != 0)
		return -1;
	rte_mempool_free(to_free);
	if (rte_eth_dev_start(fd_port) != 0)
		return -1;
	return rte_pmd_ipoib_own_addr(fd_port, &fd_own);
}

/**
 * A good Ethernet frame to the broadcast MAC carrying a test payload.
 *
 * @return the frame, or NULL
 */
static struct rte_mbuf *
fd_mtu_eth_pkt(uint32_t sender, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fd_pool);
	struct rte_ether_hdr *eh;

	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) +
							FD_PAYLOAD);
	memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
	rte_eth_macaddr_get(fd_port, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(FD_PROTO);
	fd_payload_fill((uint8_t *)(eh + 1), FD_PAYLOAD, sender, seq);
	return m;
}

/**
 * A broadcast Ethernet frame of len bytes, shaped as fd_mtu_frame().
 *
 * @return the frame, or NULL (a failure)
 */
static struct rte_mbuf *
fd_mtu_eth_frame(struct rte_mempool *mp, uint32_t len, uint32_t seg)
{
	struct rte_mbuf *m = fd_mtu_frame(mp, 0, len, seg);
	struct rte_ether_hdr *eh;

	if (m == NULL)
		return NULL;
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
	rte_eth_macaddr_get(fd_port, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(FD_PROTO);
	return m;
}

/** Run the "oversize_eth" phase (see the file comment). */
void
fd_phase_oversize_eth(void)
{
	struct rte_ipoib_addr baddr;
	struct rte_ipoib_path path;
	struct rte_mempool *big;
	struct fd_mtu_tally t;
	struct fd_host h2;
	union hca_gid mgid;
	uint64_t over0, oerr0, rec0, loop0, over, oerr, loops;
	unsigned int good = 0, long_sent = 0, round, i;
	uint16_t mtu = 0, bkey = 0;
	uint64_t end;

	big = rte_pktmbuf_pool_create("fd_big", FD_BIG_MBUFS, 0, 0,
				      FD_BIG_ROOM + RTE_PKTMBUF_HEADROOM, 0);
	if (big == NULL || fd_mtu_restart(NULL) != 0 ||
	    rte_eth_dev_get_mtu(fd_port, &mtu) != 0 ||
	    rte_pmd_ipoib_broadcast_key(fd_port, &bkey) != 0 ||
	    rte_pmd_ipoib_peer_info(fd_port, bkey, &baddr, &path) != 0) {
		CHECK(false, "big pool, restart, MTU, broadcast group");
		rte_mempool_free(big);
		return;
	}
	memcpy(mgid.raw, &baddr.bytes[4], 16);
	printf("MTU %u: Ethernet frames of %u..%u bytes are too long\n", mtu,
	       mtu + 15u, FD_MAX_FRAME);
	memset(&t, 0, sizeof(t));
	t.sender = fd_mtu_own_qpn();
	t.n = 1024;
	t.seen = calloc(t.n, 1);
	if (fd_host_open(&h2, "host2", 0xffff) != 0 ||
	    fd_host_qp_new(&h2, 0) != 0 ||
	    hca_qp_attach_mcast(h2.qp[0], &mgid, path.lid) != 0) {
		CHECK(false, "host2 setup");
		free(t.seen);
		fd_mtu_restart(big);
		return;
	}
	over0 = fd_xstat("tx_oversized");
	rec0 = fd_xstat("qp_recoveries");
	oerr0 = fd_mtu_oerrors();
	for (round = 0; round < 40; round++) {
		uint32_t len = round == 39 ? FD_MAX_FRAME :
			mtu + 14u + 1 + round * 200;
		struct rte_mbuf *pkts[5];
		unsigned int n = 0, taken;

		len = RTE_MIN(len, (uint32_t)FD_MAX_FRAME);
		pkts[n++] = fd_mtu_eth_pkt(t.sender, good);
		pkts[n++] = fd_mtu_eth_frame(big, len, 0);
		pkts[n++] = fd_mtu_eth_pkt(t.sender, good + 1);
		pkts[n++] = fd_mtu_eth_frame(fd_pool,
					     RTE_MIN(len, 64u + 3 * 2048), 64);
		pkts[n++] = fd_mtu_eth_pkt(t.sender, good + 2);
		for (i = 0; i < n; i++)
			if (pkts[i] == NULL)
				break;
		if (i < n) {
			CHECK(false, "no mbufs for round %u", round);
			for (i = 0; i < n; i++)
				rte_pktmbuf_free(pkts[i]);
			break;
		}
		taken = fd_pmd_send(pkts, n);
		CHECK(taken == n, "round %u: the PMD took %u of %u", round,
		      taken, n);
		good += 3;
		long_sent += 2;
		fd_mtu_poll(&h2, &t);
	}
	fd_mtu_settle(&h2, &t);
	/* exactly MTU + 14 still goes out: host2 (512-byte buffers) leaves
	 * the group first, the frame comes back to the port */
	hca_qp_detach_mcast(h2.qp[0], &mgid, path.lid);
	loop0 = fd_xstat("rx_own_multicast_loopback");
	{
		struct rte_mbuf *m = fd_mtu_eth_frame(fd_pool, mtu + 14u, 1000);

		CHECK(m != NULL && fd_pmd_send(&m, 1) == 1,
		      "MTU + 14 frame not taken");
	}
	end = fd_deadline(5);
	while (!fd_expired(end) &&
	       fd_xstat("rx_own_multicast_loopback") == loop0)
		if (fd_mtu_poll(&h2, &t) == 0)
			fd_sleep_ms(1);
	over = fd_xstat("tx_oversized") - over0;
	oerr = fd_mtu_oerrors() - oerr0;
	loops = fd_xstat("rx_own_multicast_loopback") - loop0;
	printf("eth: good sent %u, host2 got %" PRIu64 " intact (%" PRIu64
	       " bad); too long sent %u, tx_oversized %" PRIu64
	       ", oerrors %" PRIu64 ", qp_recoveries %" PRIu64
	       ", MTU + 14 frames looped back %" PRIu64 "\n", good, t.valid,
	       t.bad, long_sent, over, oerr,
	       fd_xstat("qp_recoveries") - rec0, loops);
	CHECK(t.valid == good && t.bad == 0, "host2 got %" PRIu64 " of %u "
	      "good frames (%" PRIu64 " bad)", t.valid, good, t.bad);
	CHECK(over == long_sent, "tx_oversized %" PRIu64 " != %u sent",
	      over, long_sent);
	CHECK(oerr == long_sent, "oerrors %" PRIu64 " != %u too long",
	      oerr, long_sent);
	CHECK(fd_xstat("qp_recoveries") == rec0, "a QP failed");
	CHECK(loops == 1, "the MTU + 14 frame did not come back (%" PRIu64
	      ")", loops);
	fd_host_close(&h2);
	free(t.seen);
	CHECK(rte_mempool_avail_count(big) == FD_BIG_MBUFS,
	      "big pool: %u of %u mbufs back", rte_mempool_avail_count(big),
	      FD_BIG_MBUFS);
	if (fd_mtu_restart(big) != 0)
		CHECK(false, "restart without the big pool");
}

/** Run the "oversize" phase (see the file comment). */
void
fd_phase_oversize(void)
{
	static const uint32_t extra[] = { 1, 2, 3, 4, 5, 60, 1000, 2045 };
	struct rte_mempool *big;
	struct fd_mtu_tally t;
	struct fd_counters a1, b1;
	struct fd_host h2;
	uint64_t over0, oerr0, rec0, loop0, over, oerr, loops;
	unsigned int good = 0, long_sent = 0, round, i;
	uint16_t mtu = 0, key, bkey = 0;
	uint32_t ib_mtu;

	big = rte_pktmbuf_pool_create("fd_big", FD_BIG_MBUFS, 0, 0,
				      FD_BIG_ROOM + RTE_PKTMBUF_HEADROOM, 0);
	if (big == NULL || fd_mtu_restart(NULL) != 0 ||
	    rte_eth_dev_get_mtu(fd_port, &mtu) != 0 ||
	    rte_pmd_ipoib_broadcast_key(fd_port, &bkey) != 0) {
		CHECK(false, "big pool, restart, MTU");
		rte_mempool_free(big);
		return;
	}
	ib_mtu = mtu + 4u;
	printf("MTU %u: IB MTU %u, frames of %u..%u bytes are too long\n",
	       mtu, ib_mtu, ib_mtu + 1, FD_MAX_FRAME);
	memset(&t, 0, sizeof(t));
	t.sender = fd_mtu_own_qpn();
	t.n = 1024;
	t.seen = calloc(t.n, 1);
	key = fd_mtu_host2(&h2, &t);
	good = 1;
	over0 = fd_xstat("tx_oversized");
	rec0 = fd_xstat("qp_recoveries");
	loop0 = fd_xstat("rx_own_multicast_loopback");
	oerr0 = fd_mtu_oerrors();
	CHECK(fd_counters_read("host1", &a1) == 0, "hcasim status");
	for (round = 0; key != 0 && round < 40; round++) {
		/* good, too long, good, too long (chained), good */
		uint32_t len = round == 39 ? FD_MAX_FRAME :
			ib_mtu + extra[round % RTE_DIM(extra)] +
			(round / RTE_DIM(extra)) * 1000;
		struct rte_mbuf *pkts[5];
		unsigned int n = 0, taken;

		len = RTE_MIN(len, (uint32_t)FD_MAX_FRAME);
		pkts[n++] = fd_pmd_pkt(key, t.sender, good);
		pkts[n++] = fd_mtu_frame(big, key, len, 0);
		pkts[n++] = fd_pmd_pkt(key, t.sender, good + 1);
		/* at most 4 segments: 64 bytes, then 3 x 2048 */
		pkts[n++] = fd_mtu_frame(fd_pool, key,
					 RTE_MIN(len, 64u + 3 * 2048), 64);
		pkts[n++] = fd_pmd_pkt(key, t.sender, good + 2);
		for (i = 0; i < n; i++)
			if (pkts[i] == NULL)
				break;
		if (i < n) {
			CHECK(false, "no mbufs for round %u", round);
			for (i = 0; i < n; i++)
				rte_pktmbuf_free(pkts[i]);
			break;
		}
		taken = fd_pmd_send(pkts, n);
		CHECK(taken == n, "round %u: the PMD took %u of %u", round,
		      taken, n);
		good += 3;
		long_sent += 2;
		fd_mtu_poll(&h2, &t);
	}
	/* exactly the IB MTU still goes out: to the group, back to us */
	if (key != 0) {
		struct rte_mbuf *m = fd_mtu_frame(fd_pool, bkey, ib_mtu, 1000);

		CHECK(m != NULL && fd_pmd_send(&m, 1) == 1,
		      "IB MTU frame not taken");
	}
	fd_mtu_settle(&h2, &t);
	CHECK(fd_counters_read("host1", &b1) == 0, "hcasim status");
	over = fd_xstat("tx_oversized") - over0;
	oerr = fd_mtu_oerrors() - oerr0;
	loops = fd_xstat("rx_own_multicast_loopback") - loop0;
	printf("good sent %u, host2 got %" PRIu64 " intact (%" PRIu64
	       " bad); too long sent %u, tx_oversized %" PRIu64
	       ", oerrors %" PRIu64 ", qp_recoveries %" PRIu64
	       ", IB MTU frames looped back %" PRIu64
	       ", hcasim host1 xmit %lld\n", good, t.valid, t.bad, long_sent,
	       over, oerr, fd_xstat("qp_recoveries") - rec0, loops,
	       fd_delta(&a1, &b1, FD_XMIT_PACKETS));
	CHECK(t.valid == good && t.bad == 0, "host2 got %" PRIu64 " of %u "
	      "good packets (%" PRIu64 " bad)", t.valid, good, t.bad);
	CHECK(over == long_sent, "tx_oversized %" PRIu64 " != %u sent",
	      over, long_sent);
	CHECK(oerr == long_sent, "oerrors %" PRIu64 " != %u too long",
	      oerr, long_sent);
	CHECK(fd_xstat("qp_recoveries") == rec0, "a QP failed");
	CHECK(loops == 1, "the IB MTU frame did not come back (%" PRIu64 ")",
	      loops);
	/* the good ones after the probe and the IB MTU frame, nothing else */
	CHECK(fd_delta(&a1, &b1, FD_XMIT_PACKETS) == good,
	      "hcasim sent %lld for host1, not the %u good + 1",
	      fd_delta(&a1, &b1, FD_XMIT_PACKETS), good - 1);
	fd_host_close(&h2);
	free(t.seen);
	CHECK(rte_mempool_avail_count(big) == FD_BIG_MBUFS,
	      "big pool: %u of %u mbufs back", rte_mempool_avail_count(big),
	      FD_BIG_MBUFS);
	/* the port forgets the pool when it stops */
	if (fd_mtu_restart(big) != 0)
		CHECK(false, "restart without the big pool");
}

/**
 * Force the PMD's QP into the error state through the soft HCA.
 *
 * @param on_send  fail its next send (else: the error state at once)
 * @return 0 or -1
 */
static int
fd_mtu_inject(bool on_send)
{
	const char *build = getenv("IPOIB_BUILD");
	const char *sock = getenv("HCASIM_SOCKET");
	char cmd[1024];

	if (build == NULL || sock == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "timeout 20 %s/app/hcasim/hcasim --fail-qp 0x%06x%s "
		 "--socket %s", build, fd_mtu_own_qpn(), on_send ? ",send" : "",
		 sock);
	return system(cmd) == 0 ? 0 : -1;
}

/**
 * Send good packets to host2 until qp_recoveries reaches want and then
 * a batch of 32 more all arrived (at most 15 s).
 *
 * @param seq    next sequence number (advanced)
 * @param taken  packets the PMD took (advanced)
 * @return whether traffic resumed
 */
static bool
fd_mtu_until_resumed(struct fd_host *h2, struct fd_mtu_tally *t,
		     uint16_t key, uint64_t want, unsigned int *seq,
		     unsigned int *taken)
{
	uint64_t start = rte_get_timer_cycles(), end = fd_deadline(15);

	while (!fd_expired(end) && fd_xstat("qp_recoveries") < want) {
		struct rte_mbuf *pkts[8];
		unsigned int i;

		uint16_t k;

		for (i = 0; i < 8 && *seq < t->n; i++) {
			pkts[i] = fd_pmd_pkt(key, t->sender, (*seq)++);
			if (pkts[i] == NULL)
				break;
		}
		/* what the paused port does not take is freed: those
		 * numbers are never sent */
		k = rte_eth_tx_burst(fd_port, 0, pkts, (uint16_t)i);
		rte_pktmbuf_free_bulk(pkts + k, i - k);
		*taken += k;
		fd_mtu_poll(h2, t);
		fd_sleep_ms(2);
	}
	if (fd_xstat("qp_recoveries") < want)
		return false;
	printf("QP reset %.1f ms after the injection returned\n",
	       (double)(rte_get_timer_cycles() - start) * 1000 /
	       rte_get_timer_hz());
	while (!fd_expired(end)) {
		uint64_t before = t->valid;
		struct rte_mbuf *pkts[32];
		unsigned int i;

		for (i = 0; i < 32 && *seq < t->n; i++) {
			pkts[i] = fd_pmd_pkt(key, t->sender, (*seq)++);
			if (pkts[i] == NULL)
				break;
		}
		*taken += fd_pmd_send(pkts, i);
		fd_mtu_settle(h2, t);
		if (i == 32 && t->valid - before == 32)
			return true;
	}
	return false;
}

/** Run the "qperror" phase (see the file comment). */
void
fd_phase_qperror(void)
{
	struct fd_mtu_tally t, back;
	struct mlx5_wqe_av av;
	struct fd_host h2;
	uint64_t rec0, err0, errs, ev0;
	unsigned int seq = 1, taken = 1, kind, i;
	uint16_t key;

	memset(&t, 0, sizeof(t));
	t.sender = fd_mtu_own_qpn();
	t.n = 65536;
	t.seen = calloc(t.n, 1);
	key = fd_mtu_host2(&h2, &t);
	rec0 = fd_xstat("qp_recoveries");
	err0 = fd_xstat("tx_error_completions");
	ev0 = fd_xstat("events_qp_error");
	for (kind = 0; key != 0 && kind < 2; kind++) {
		bool on_send = kind == 0;

		printf("forcing the PMD's QP 0x%06x into error (%s)\n",
		       t.sender, on_send ? "its next send fails" : "now");
		if (fd_mtu_inject(on_send) != 0) {
			CHECK(false, "hcasim --fail-qp failed");
			break;
		}
		CHECK(fd_mtu_until_resumed(&h2, &t, key, rec0 + kind + 1, &seq,
					   &taken),
		      "traffic did not resume after the QP error (%s): "
		      "qp_recoveries %" PRIu64, on_send ? "send" : "now",
		      fd_xstat("qp_recoveries") - rec0);
	}
	fd_mtu_settle(&h2, &t);
	errs = fd_xstat("tx_error_completions") - err0;
	printf("PMD took %u, host2 got %" PRIu64 " intact (%" PRIu64
	       " bad), tx_error_completions %" PRIu64 ", qp_recoveries %"
	       PRIu64 ", rx_flushed %" PRIu64 ", events_qp_error %" PRIu64
	       " (queues failed by an event %" PRIu64 ")\n", taken, t.valid,
	       t.bad, errs, fd_xstat("qp_recoveries") - rec0,
	       fd_xstat("rx_flushed"), fd_xstat("events_qp_error") - ev0,
	       fd_xstat("qp_failed_by_event"));
	CHECK(fd_xstat("events_qp_error") - ev0 == 2,
	      "events_qp_error grew by %" PRIu64 ", not 2",
	      fd_xstat("events_qp_error") - ev0);
	CHECK(fd_xstat("qp_recoveries") - rec0 == 2,
	      "qp_recoveries grew by %" PRIu64 ", not 2",
	      fd_xstat("qp_recoveries") - rec0);
	CHECK(t.bad == 0, "host2 got %" PRIu64 " bad packets", t.bad);
	CHECK(t.valid + errs == taken, "taken %u != delivered %" PRIu64
	      " + send errors %" PRIu64, taken, t.valid, errs);
	CHECK(errs >= 1, "the failed send was not counted");
	/* the port receives again, at the same QPN */
	memset(&back, 0, sizeof(back));
	back.sender = h2.qp[0]->wire_qpn;
	back.n = 64;
	back.seen = calloc(back.n, 1);
	fd_av_to_pmd(&av, false);
	for (i = 0; key != 0 && i < 16; i++)
		CHECK(fd_host_send(&h2, 0, &av, i) == 0, "host2 send %u", i);
	{
		uint64_t end = fd_deadline(10);
		struct rte_mbuf *pkts[32];

		while (!fd_expired(end) && back.valid < 16) {
			uint16_t n = rte_eth_rx_burst(fd_port, 0, pkts, 32);

			for (i = 0; i < n; i++) {
				fd_mtu_rx(NULL, 0, rte_pktmbuf_mtod(pkts[i],
					  const uint8_t *), pkts[i]->data_len,
					  false, &back);
				rte_pktmbuf_free(pkts[i]);
			}
			fd_host_poll(&h2, fd_mtu_rx, &t);
			if (n == 0)
				fd_sleep_ms(1);
		}
	}
	printf("host2 -> PMD after the resets: %" PRIu64 " of 16 intact\n",
	       back.valid);
	CHECK(back.valid == 16 && back.bad == 0, "the PMD got %" PRIu64
	      " of 16 from host2 (%" PRIu64 " bad)", back.valid, back.bad);
	fd_host_close(&h2);
	free(back.seen);
	free(t.seen);
}
