/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Phase "faults" (run on a fabric started with --drop-rate and
 * --corrupt-rate): host2 (device API) sends N unicast (no GRH) and N
 * broadcast datagrams to the PMD, the PMD sends N unicast and N
 * broadcast datagrams to host2. Every payload is checked: nothing
 * damaged reaches either application, no sequence arrives twice, and
 * for each direction sent = delivered + the drops hcasim and the PMD
 * counted.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd.h"

/** What one receiver saw of a stream of 2N sequence numbers. */
struct fd_tally {
	uint32_t expect_sender;    /**< the sending QPN */
	uint32_t n;                /**< sequences 0 .. n - 1 */
	uint8_t *seen;
	uint64_t valid;            /**< intact, right sender, first time */
	uint64_t bad;              /**< damaged, wrong sender or repeated */
	uint64_t other;            /**< not a test packet */
};

/** Judge one received IPoIB packet (header + payload) into a tally. */
static void
fd_tally_packet(struct fd_tally *t, const uint8_t *pkt, uint32_t len)
{
	uint32_t sender, seq;

	if (len < 4 || pkt[0] != (FD_PROTO >> 8) ||
	    pkt[1] != (FD_PROTO & 0xff)) {
		t->other++;
		return;
	}
	if (len != 4 + FD_PAYLOAD ||
	    fd_payload_check(pkt + 4, len - 4, &sender, &seq) != 0 ||
	    sender != t->expect_sender || seq >= t->n || t->seen[seq]) {
		t->bad++;
		return;
	}
	t->seen[seq] = 1;
	t->valid++;
}

/** Device-API receive callback: tally what host2 got. */
static void
fd_host_tally(struct fd_host *h, unsigned int slot, const uint8_t *pkt,
	      uint32_t len, bool grh, void *arg)
{
	RTE_SET_USED(h);
	RTE_SET_USED(slot);
	RTE_SET_USED(grh);
	fd_tally_packet(arg, pkt, len);
}

/** Poll the PMD once, tallying and freeing; how many packets. */
static unsigned int
fd_pmd_drain(struct fd_tally *t)
{
	struct rte_mbuf *pkts[32];
	uint16_t n, i;

	n = rte_eth_rx_burst(fd_port, 0, pkts, 32);
	for (i = 0; i < n; i++) {
		if (t != NULL)
			fd_tally_packet(t, rte_pktmbuf_mtod(pkts[i],
							    uint8_t *),
					pkts[i]->data_len);
		rte_pktmbuf_free(pkts[i]);
	}
	return n;
}

/**
 * Poll the PMD and host2 until neither received anything for 300 ms
 * (at most 10 s).
 */
static void
fd_settle(struct fd_tally *pmd, struct fd_host *h2, struct fd_tally *ht)
{
	uint64_t end = fd_deadline(10), quiet = fd_deadline(0.3);

	while (!fd_expired(end) && !fd_expired(quiet)) {
		unsigned int got = fd_pmd_drain(pmd);

		got += fd_host_poll(h2, fd_host_tally, ht);
		if (got > 0)
			quiet = fd_deadline(0.3);
		else
			fd_sleep_ms(1);
		rte_eth_tx_burst(fd_port, 0, NULL, 0);
	}
}

/** Read host1's and host2's counters (a failed read is a failure). */
static void
fd_snap(struct fd_counters *h1, struct fd_counters *h2)
{
	CHECK(fd_counters_read("host1", h1) == 0, "hcasim status host1");
	CHECK(fd_counters_read("host2", h2) == 0, "hcasim status host2");
}

/** Losses on the wire (drops, caught damage) of a port from a to b. */
static long long
fd_wire_losses(const struct fd_counters *a, const struct fd_counters *b)
{
	return fd_delta(a, b, FD_WIRE_DROP) + fd_delta(a, b, FD_ICRC) +
		fd_delta(a, b, FD_VCRC) + fd_delta(a, b, FD_RCV_ERRORS);
}

/** Check the number of wire faults is what a 1% rate makes of sent. */
static void
fd_check_rate(const char *what, long long count, unsigned int sent)
{
	printf("  wire %s: %lld of at least %u carried\n", what, count, sent);
	CHECK(count >= (long long)sent / 500 && count <= (long long)sent / 30,
	      "%s %lld not about 1%% of %u", what, count, sent);
}

/** host2 -> PMD: N unicast without GRH, N to the broadcast group. */
static void
fd_to_pmd(struct fd_host *h2, unsigned int n, uint16_t mlid,
	  const union hca_gid *mgid)
{
	struct fd_tally t = { .expect_sender = h2->qp[0]->wire_qpn,
			      .n = 2 * n, .seen = calloc(2 * n, 1) };
	struct fd_counters a1, a2, b1, b2;
	struct mlx5_wqe_av uc, mc;
	uint64_t ierr = fd_xstat("rx_malformed") +
		fd_xstat("rx_error_completions");
	long long arrived, lost;
	unsigned int seq;

	fd_av_to_pmd(&uc, false);
	hca_av_fill(&mc, 0xffffff, FD_QKEY, mlid, 0, 0, mgid, 64, 0, 0);
	fd_snap(&a1, &a2);
	for (seq = 0; seq < 2 * n; seq++) {
		if (fd_host_send(h2, 0, seq < n ? &uc : &mc, seq) != 0) {
			CHECK(false, "host2 send ring stuck at %u", seq);
			break;
		}
		if (seq % 32 == 31)
			while (fd_pmd_drain(&t) > 0)
				;
	}
	fd_settle(&t, h2, NULL);
	fd_snap(&b1, &b2);
	arrived = fd_delta(&a1, &b1, FD_RCV_PACKETS);
	lost = fd_rx_drops(&a1, &b1);
	ierr = fd_xstat("rx_malformed") + fd_xstat("rx_error_completions") -
		ierr;
	printf("host2 -> PMD: sent %u, hcasim delivered %lld, dropped %lld "
	       "(wire %lld, icrc %lld, vcrc %lld, other %lld, no buffer "
	       "%lld), PMD app got %" PRIu64 " intact, %" PRIu64
	       " bad, PMD rx errors %" PRIu64 "\n", 2 * n, arrived, lost,
	       fd_delta(&a1, &b1, FD_WIRE_DROP), fd_delta(&a1, &b1, FD_ICRC),
	       fd_delta(&a1, &b1, FD_VCRC), fd_delta(&a1, &b1, FD_RCV_ERRORS),
	       fd_delta(&a1, &b1, FD_NO_BUFFER), t.valid, t.bad, ierr);
	CHECK(fd_delta(&a2, &b2, FD_XMIT_PACKETS) == 2 * n,
	      "host2 xmit_packets %lld", fd_delta(&a2, &b2, FD_XMIT_PACKETS));
	CHECK(t.bad == 0 && t.other == 0, "damaged packets delivered: %"
	      PRIu64 " bad, %" PRIu64 " other", t.bad, t.other);
	CHECK(arrived + lost == 2 * n, "sent %u != delivered %lld + "
	      "dropped %lld", 2 * n, arrived, lost);
	CHECK((long long)(t.valid + ierr) == arrived, "hcasim delivered %lld,"
	      " app got %" PRIu64 " + PMD rx errors %" PRIu64, arrived,
	      t.valid, ierr);
	fd_check_rate("drops+damage to PMD", fd_wire_losses(&a1, &b1), 2 * n);
	free(t.seen);
}

/** Wait until a PMD packet to key reaches host2 (path resolution). */
static int
fd_probe(struct fd_host *h2, uint16_t key)
{
	struct fd_tally t = { .expect_sender = 0, .n = 1,
			      .seen = calloc(1, 1) };
	uint64_t end = fd_deadline(10);
	int ret = -1;

	while (!fd_expired(end) && ret != 0) {
		struct rte_mbuf *m = fd_pmd_pkt(key, 0, 0);

		if (m != NULL)
			fd_pmd_send(&m, 1);
		fd_settle(NULL, h2, &t);
		if (t.valid + t.bad > 0)
			ret = 0;
	}
	free(t.seen);
	return ret;
}

/** PMD -> host2: N unicast, N broadcast (host2 attached to the group). */
static void
fd_from_pmd(struct fd_host *h2, unsigned int n, uint16_t bkey,
	    uint16_t mlid, const union hca_gid *mgid)
{
	uint32_t own_qpn = (uint32_t)fd_own.bytes[1] << 16 |
		(uint32_t)fd_own.bytes[2] << 8 | fd_own.bytes[3];
	struct fd_tally t = { .expect_sender = own_qpn, .n = 2 * n,
			      .seen = calloc(2 * n, 1) };
	struct fd_counters a1, a2, b1, b2;
	struct rte_ipoib_addr addr;
	uint64_t oerr0, oerr;
	unsigned int seq, taken = 0;
	long long arrived, lost;
	uint16_t key = 0;
	struct rte_eth_stats st;

	fd_host_addr(h2, 0, &addr);
	CHECK(rte_pmd_ipoib_resolve(fd_port, &addr, &key) == 0 && key != 0,
	      "resolve host2");
	CHECK(fd_probe(h2, key) == 0, "no probe reached host2");
	CHECK(hca_qp_attach_mcast(h2->qp[0], mgid, mlid) == 0, "attach");
	rte_eth_stats_get(fd_port, &st);
	oerr0 = st.oerrors;
	fd_snap(&a1, &a2);
	for (seq = 0; seq < 2 * n; seq += 16) {
		struct rte_mbuf *pkts[16];
		unsigned int i, quiet = 0;

		for (i = 0; i < 16 && seq + i < 2 * n; i++)
			pkts[i] = fd_pmd_pkt(seq + i < n ? key : bkey,
					     own_qpn, seq + i);
		taken += fd_pmd_send(pkts, i);
		/* pace by the receiver: until 1 ms without a packet */
		while (quiet < 10) {
			fd_pmd_drain(NULL);
			if (fd_host_poll(h2, fd_host_tally, &t) > 0)
				quiet = 0;
			else
				quiet++;
			usleep(100);
		}
	}
	fd_settle(NULL, h2, &t);
	fd_snap(&b1, &b2);
	rte_eth_stats_get(fd_port, &st);
	oerr = st.oerrors - oerr0;
	arrived = fd_delta(&a2, &b2, FD_RCV_PACKETS);
	lost = fd_rx_drops(&a2, &b2);
	printf("PMD -> host2: sent %u (PMD oerrors %" PRIu64 "), hcasim sent"
	       " %lld, delivered %lld, dropped %lld (wire %lld, icrc %lld, "
	       "vcrc %lld, other %lld, no buffer %lld), host2 app got %"
	       PRIu64 " intact, %" PRIu64 " bad\n", taken, oerr,
	       fd_delta(&a1, &b1, FD_XMIT_PACKETS), arrived, lost,
	       fd_delta(&a2, &b2, FD_WIRE_DROP), fd_delta(&a2, &b2, FD_ICRC),
	       fd_delta(&a2, &b2, FD_VCRC), fd_delta(&a2, &b2, FD_RCV_ERRORS),
	       fd_delta(&a2, &b2, FD_NO_BUFFER), t.valid, t.bad);
	CHECK(taken == 2 * n && oerr == 0, "PMD took %u of %u, oerrors %"
	      PRIu64, taken, 2 * n, oerr);
	CHECK(fd_delta(&a1, &b1, FD_XMIT_PACKETS) == taken,
	      "hcasim host1 xmit_packets %lld != %u",
	      fd_delta(&a1, &b1, FD_XMIT_PACKETS), taken);
	CHECK(t.bad == 0 && t.other == 0 && h2->rx_errors == 0,
	      "damaged packets delivered: %" PRIu64 " bad, %" PRIu64
	      " other, %" PRIu64 " error CQEs", t.bad, t.other,
	      h2->rx_errors);
	CHECK(arrived + lost == taken, "sent %u != delivered %lld + dropped "
	      "%lld", taken, arrived, lost);
	CHECK((long long)t.valid == arrived, "hcasim delivered %lld, host2 "
	      "got %" PRIu64, arrived, t.valid);
	fd_check_rate("drops+damage to host2", fd_wire_losses(&a2, &b2),
		      2 * n);
	hca_qp_detach_mcast(h2->qp[0], mgid, mlid);
	free(t.seen);
}

/**
 * Run the phase with n datagrams per direction and kind (see the file
 * comment); the fabric's fault rates must be 1%.
 */
void
fd_phase_faults(unsigned int n)
{
	struct fd_counters s1, s2, e1, e2;
	struct rte_ipoib_path path;
	struct rte_ipoib_addr baddr;
	union hca_gid mgid;
	struct fd_host h2;
	uint16_t bkey = 0;

	if (fd_host_open(&h2, "host2", 0xffff) != 0 ||
	    fd_host_qp_new(&h2, 0) != 0) {
		CHECK(false, "host2 setup");
		return;
	}
	CHECK(rte_pmd_ipoib_broadcast_key(fd_port, &bkey) == 0 &&
	      rte_pmd_ipoib_peer_info(fd_port, bkey, &baddr, &path) == 0,
	      "broadcast group");
	memcpy(mgid.raw, &baddr.bytes[4], 16);
	fd_snap(&s1, &s2);
	fd_to_pmd(&h2, n, path.lid, &mgid);
	fd_from_pmd(&h2, n, bkey, path.lid, &mgid);
	fd_snap(&e1, &e2);
	printf("wire: dropped %lld, corrupted %lld\n",
	       e1.wire_dropped - s1.wire_dropped,
	       e1.wire_corrupted - s1.wire_corrupted);
	CHECK(e1.wire_dropped - s1.wire_dropped ==
	      fd_delta(&s1, &e1, FD_WIRE_DROP) +
	      fd_delta(&s2, &e2, FD_WIRE_DROP),
	      "wire drops != the ports' rcv_discards_wire");
	CHECK(e1.wire_corrupted - s1.wire_corrupted ==
	      fd_delta(&s1, &e1, FD_ICRC) + fd_delta(&s1, &e1, FD_VCRC) +
	      fd_delta(&s1, &e1, FD_RCV_ERRORS) + fd_delta(&s2, &e2, FD_ICRC) +
	      fd_delta(&s2, &e2, FD_VCRC) + fd_delta(&s2, &e2, FD_RCV_ERRORS),
	      "wire corruptions != the ports' caught errors");
	fd_check_rate("dropped", e1.wire_dropped - s1.wire_dropped, 4 * n);
	fd_check_rate("corrupted", e1.wire_corrupted - s1.wire_corrupted,
		      4 * n);
	fd_host_close(&h2);
}
