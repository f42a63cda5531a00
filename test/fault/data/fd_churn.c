/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Phase "churn" (and "soak"): peers come and go at ten times the PMD's
 * peer cache capacity while they send. Each round creates per_host new
 * UD QPs on host2 and on host3 (new QPNs: new peers), each sends a few
 * datagrams with GRH (payload = its QPN and a sequence) to the PMD; the
 * PMD echoes every packet that carries a source tag back by that tag
 * (the received mbuf, as a reflector would). Every echo must arrive at
 * the very QP named in its payload; a few tagged packets of the first
 * round are kept and sent after the churn: each must be refused as stale
 * (tx_stale_key). Counts add up on both directions.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd.h"

/** Datagrams per QP per round. */
#define FD_PER_QP 8
/** Tagged packets of the first round kept for the stale-tag check. */
#define FD_HELD 8

/** The phase's tallies. */
struct fd_churn {
	uint64_t sent;            /**< datagrams the hosts sent */
	uint64_t pmd_got;         /**< intact test packets the PMD got */
	uint64_t pmd_bad;         /**< damaged or unknown packets */
	uint64_t unkeyed;         /**< from a source not known yet */
	uint64_t echo_taken;      /**< echoes the PMD accepted */
	uint64_t echo_ok;         /**< echoes at the QP that sent them */
	uint64_t misdelivered;    /**< echoes at another QP */
	uint64_t echo_bad;        /**< damaged echoes */
	uint64_t peers;           /**< QPs (peers) created */
	struct rte_mbuf *held[FD_HELD];
	unsigned int nheld;
};

/** Device-API receive callback: an echo must come back to its sender. */
static void
fd_churn_echo(struct fd_host *h, unsigned int slot, const uint8_t *pkt,
	      uint32_t len, bool grh, void *arg)
{
	struct fd_churn *c = arg;
	uint32_t sender, seq;

	RTE_SET_USED(grh);
	if (len != 4 + FD_PAYLOAD ||
	    fd_payload_check(pkt + 4, len - 4, &sender, &seq) != 0) {
		c->echo_bad++;
		return;
	}
	if (sender != h->qp[slot]->wire_qpn) {
		c->misdelivered++;
		if (c->misdelivered <= 5)
			printf("MISDELIVERY: echo of QPN 0x%x (seq %u) "
			       "arrived at %s QPN 0x%x\n", sender, seq,
			       h->t.name, h->qp[slot]->wire_qpn);
		return;
	}
	c->echo_ok++;
}

/** Poll the PMD once: check, echo by tag (or keep, or free). */
static unsigned int
fd_churn_reflect(struct fd_churn *c, bool keep)
{
	struct rte_mbuf *pkts[32], *echo[32];
	uint16_t n, i, ne = 0;

	n = rte_eth_rx_burst(fd_port, 0, pkts, 32);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		uint32_t sender, seq;

		if (m->data_len != 4 + FD_PAYLOAD ||
		    fd_payload_check(p + 4, FD_PAYLOAD, &sender, &seq) != 0) {
			c->pmd_bad++;
			rte_pktmbuf_free(m);
			continue;
		}
		c->pmd_got++;
		if (rte_pmd_ipoib_get_tag(m) == 0) {
			c->unkeyed++;
			rte_pktmbuf_free(m);
		} else if (keep && c->nheld < FD_HELD) {
			c->held[c->nheld++] = m;
		} else {
			echo[ne++] = m;
		}
	}
	if (ne > 0)
		c->echo_taken += fd_pmd_send(echo, ne);
	else
		rte_eth_tx_burst(fd_port, 0, NULL, 0);
	return n;
}

/**
 * Poll PMD and hosts until 500 ms pass quietly (at most 10 s): the soft
 * HCA of a loaded machine can pause for a few hundred ms, and an echo
 * still on its way when the round's QPs go would be lost uncounted.
 */
static void
fd_churn_settle(struct fd_churn *c, struct fd_host *hs, unsigned int nh)
{
	uint64_t end = fd_deadline(10), quiet = fd_deadline(0.5);
	unsigned int i;

	while (!fd_expired(end) && !fd_expired(quiet)) {
		unsigned int got = fd_churn_reflect(c, false);

		for (i = 0; i < nh; i++)
			got += fd_host_poll(&hs[i], fd_churn_echo, c);
		if (got > 0)
			quiet = fd_deadline(0.5);
		else
			fd_sleep_ms(1);
	}
}

/** One round: new QPs on every host, traffic, echoes, QPs destroyed. */
static int
fd_churn_round(struct fd_churn *c, struct fd_host *hs, unsigned int nh,
	       unsigned int per_host, bool keep)
{
	struct mlx5_wqe_av av;
	unsigned int i, s, k;

	fd_av_to_pmd(&av, true);
	for (i = 0; i < nh; i++)
		for (s = 0; s < per_host; s++) {
			if (fd_host_qp_new(&hs[i], s) != 0)
				return -1;
			c->peers++;
		}
	for (k = 0; k < FD_PER_QP; k++) {
		for (s = 0; s < per_host; s++)
			for (i = 0; i < nh; i++) {
				if (fd_host_send(&hs[i], s, &av,
						 (uint32_t)c->sent) != 0)
					return -1;
				c->sent++;
			}
		for (i = 0; i < 4; i++) {
			fd_churn_reflect(c, keep);
			for (s = 0; s < nh; s++)
				fd_host_poll(&hs[s], fd_churn_echo, c);
			usleep(200);
		}
	}
	fd_churn_settle(c, hs, nh);
	for (i = 0; i < nh; i++)
		for (s = 0; s < per_host; s++)
			fd_host_qp_del(&hs[i], s);
	return 0;
}

/** VmRSS of this process in KiB (-1 if unknown). */
static long
fd_rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = atol(line + 6);
	fclose(f);
	return kb;
}

/** Print one soak sample (parsed by usertools/ipoib-soak). */
static void
fd_churn_sample(const struct fd_churn *c, double t)
{
	printf("sample t=%.1f rss_kb=%ld pool_in_use=%u peers=%" PRIu64
	       " sent=%" PRIu64 " echo_ok=%" PRIu64 " misdelivered=%" PRIu64
	       " cache_size=%" PRIu64 "\n", t, fd_rss_kb(),
	       fd_nb_mbuf - rte_mempool_avail_count(fd_pool), c->peers,
	       c->sent, c->echo_ok, c->misdelivered,
	       fd_xstat("peer_cache_size"));
}

/** Read the counters of host1..host3 into a[0..2]. */
static void
fd_churn_snap(struct fd_counters a[3])
{
	static const char *const names[3] = { "host1", "host2", "host3" };
	unsigned int i;

	for (i = 0; i < 3; i++)
		CHECK(fd_counters_read(names[i], &a[i]) == 0, "status %s",
		      names[i]);
}

/** The checks at the end of the phase (see the file comment). */
static void
fd_churn_check(const struct fd_churn *c, const struct fd_counters a[3],
	       const struct fd_counters b[3], uint64_t oerr,
	       uint64_t stale, uint64_t ierr)
{
	long long to_pmd_lost = fd_rx_drops(&a[0], &b[0]);
	long long echo_lost = fd_rx_drops(&a[1], &b[1]) +
		fd_rx_drops(&a[2], &b[2]);

	printf("churn: %" PRIu64 " peers (%" PRIu64 " evictions), sent %"
	       PRIu64 ", PMD got %" PRIu64 " intact (%" PRIu64 " bad, %"
	       PRIu64 " from unknown sources, rx errors %" PRIu64 "), hcasim"
	       " dropped %lld before the PMD\n", c->peers,
	       fd_xstat("peer_cache_evictions"), c->sent, c->pmd_got,
	       c->pmd_bad, c->unkeyed, ierr, to_pmd_lost);
	printf("echoes: taken %" PRIu64 ", back at their sender %" PRIu64
	       ", misdelivered %" PRIu64 ", damaged %" PRIu64 ", PMD tx "
	       "drops %" PRIu64 " (tx_stale_key %" PRIu64 "), hcasim dropped"
	       " %lld\n", c->echo_taken, c->echo_ok, c->misdelivered,
	       c->echo_bad, oerr, stale, echo_lost);
	CHECK(c->misdelivered == 0, "%" PRIu64 " echoes at the wrong peer",
	      c->misdelivered);
	CHECK(c->pmd_bad == 0 && c->echo_bad == 0, "damaged packets "
	      "delivered: %" PRIu64 " / %" PRIu64, c->pmd_bad, c->echo_bad);
	CHECK((long long)c->sent == (long long)(c->pmd_got + ierr) +
	      to_pmd_lost, "sent %" PRIu64 " != PMD got %" PRIu64
	      " + rx errors %" PRIu64 " + hcasim drops %lld", c->sent,
	      c->pmd_got, ierr, to_pmd_lost);
	CHECK((long long)(c->echo_taken + c->nheld) == (long long)(c->echo_ok
	      + oerr) + echo_lost, "echoes taken %" PRIu64 " + held %u != "
	      "back %" PRIu64 " + PMD drops %" PRIu64 " + hcasim drops %lld",
	      c->echo_taken, c->nheld, c->echo_ok, oerr, echo_lost);
	CHECK(c->echo_ok * 2 > c->sent, "too few echoes: %" PRIu64 " of %"
	      PRIu64, c->echo_ok, c->sent);
	/* a peer whose every packet came while it was being learned may
	 * never enter the cache: judge the churn by what entered it */
	CHECK(c->peers >= 10 * 32 &&
	      fd_xstat("peer_cache_evictions") + 32 >= 10 * 32,
	      "churn below 10x the cache: %" PRIu64 " peers, %" PRIu64
	      " evictions", c->peers, fd_xstat("peer_cache_evictions"));
}

/**
 * Run the phase: rounds rounds of per_host new QPs on host2 and host3,
 * or, when soak_seconds > 0, rounds until that time passed (printing a
 * sample line every second).
 */
void
fd_phase_churn(unsigned int rounds, unsigned int per_host,
	       double soak_seconds)
{
	static struct fd_host hs[2];
	static struct fd_churn c;
	struct fd_counters a[3], b[3];
	struct rte_eth_stats st;
	uint64_t oerr0, stale0, ierr0, start = fd_deadline(0);
	uint64_t end = fd_deadline(soak_seconds), next = 0;
	unsigned int r = 0;

	memset(&c, 0, sizeof(c));
	if (fd_host_open(&hs[0], "host2", 0xffff) != 0 ||
	    fd_host_open(&hs[1], "host3", 0xffff) != 0) {
		CHECK(false, "hosts");
		return;
	}
	fd_churn_snap(a);
	rte_eth_stats_get(fd_port, &st);
	oerr0 = st.oerrors;
	stale0 = fd_xstat("tx_stale_key");
	ierr0 = fd_xstat("rx_malformed") + fd_xstat("rx_error_completions");
	while (soak_seconds > 0 ? !fd_expired(end) : r < rounds) {
		if (fd_churn_round(&c, hs, 2, per_host, r == 0) != 0) {
			CHECK(false, "round %u: QP setup or send failed", r);
			break;
		}
		r++;
		if (soak_seconds > 0 && fd_expired(next)) {
			fd_churn_sample(&c, (double)(fd_deadline(0) - start) /
					rte_get_tsc_hz());
			next = fd_deadline(1);
		}
	}
	/* the first round's peers are long gone: their tags are stale */
	fd_pmd_send(c.held, c.nheld);
	fd_churn_settle(&c, hs, 2);
	fd_churn_snap(b);
	rte_eth_stats_get(fd_port, &st);
	printf("held tags of round 0 sent after %u rounds: tx_stale_key +%"
	       PRIu64 "\n", r, fd_xstat("tx_stale_key") - stale0);
	CHECK(c.nheld == FD_HELD && fd_xstat("tx_stale_key") - stale0 >=
	      c.nheld, "stale tags: %u held, tx_stale_key +%" PRIu64,
	      c.nheld, fd_xstat("tx_stale_key") - stale0);
	fd_churn_check(&c, a, b, st.oerrors - oerr0,
		       fd_xstat("tx_stale_key") - stale0,
		       fd_xstat("rx_malformed") +
		       fd_xstat("rx_error_completions") - ierr0);
	if (soak_seconds > 0)
		fd_churn_sample(&c, (double)(fd_deadline(0) - start) /
				rte_get_tsc_hz());
	fd_host_close(&hs[0]);
	fd_host_close(&hs[1]);
}
