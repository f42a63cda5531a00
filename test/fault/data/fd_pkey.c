/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Phase "pkey" (fabric with pkey.conf, the PMD on host1 with
 * pkey=0x8001 "blue"): host3 is blue too, host2 is only "red" (0x8002)
 * and the default partition. Blue reaches blue both ways, unicast and
 * the blue broadcast group (so the test can fail); red reaches the PMD
 * neither by unicast nor through the blue group it attached itself to,
 * the PMD's broadcasts do not reach red's intruding QP, and the PMD's
 * unicast to red is refused; every refusal is counted where it happens
 * (hcasim rcv_discards_pkey of the receiving port, or the PMD's SA
 * failure drops).
 */

#include <string.h>
#include <unistd.h>

#include "fd.h"

#define FD_PKEY_N 50

/** Poll the PMD and both hosts for ms; count PMD packets by sender. */
static void
fd_pkey_poll(unsigned int ms, struct fd_host *red, uint64_t *red_got,
	     struct fd_host *blue, uint64_t *blue_got, uint64_t *pmd_red,
	     uint64_t *pmd_blue)
{
	uint64_t end = fd_deadline(ms / 1000.0);

	while (!fd_expired(end)) {
		struct rte_mbuf *pkts[32];
		uint16_t n = rte_eth_rx_burst(fd_port, 0, pkts, 32), i;

		for (i = 0; i < n; i++) {
			uint32_t sender, seq;
			const uint8_t *p = rte_pktmbuf_mtod(pkts[i],
							    const uint8_t *);

			if (pkts[i]->data_len == 4 + FD_PAYLOAD &&
			    fd_payload_check(p + 4, FD_PAYLOAD, &sender,
					     &seq) == 0) {
				if (sender == red->qp[0]->wire_qpn)
					(*pmd_red)++;
				else if (sender == blue->qp[0]->wire_qpn)
					(*pmd_blue)++;
			}
			rte_pktmbuf_free(pkts[i]);
		}
		fd_host_poll(red, fd_count_intact, red_got);
		fd_host_poll(blue, fd_count_intact, blue_got);
		rte_eth_tx_burst(fd_port, 0, NULL, 0);
		usleep(500);
	}
}

/** Send FD_PKEY_N datagrams from a host's slot 0 with an AV. */
static void
fd_pkey_burst(struct fd_host *h, const struct mlx5_wqe_av *av)
{
	unsigned int i;

	for (i = 0; i < FD_PKEY_N; i++)
		CHECK(fd_host_send(h, 0, av, i) == 0, "send");
}

/** Send FD_PKEY_N datagrams from the PMD to a key. */
static void
fd_pkey_pmd_burst(uint16_t key, unsigned int n)
{
	uint32_t own_qpn = (uint32_t)fd_own.bytes[1] << 16 |
		(uint32_t)fd_own.bytes[2] << 8 | fd_own.bytes[3];
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = fd_pmd_pkt(key, own_qpn, i);

		if (m != NULL)
			fd_pmd_send(&m, 1);
		usleep(200);
	}
}

/** The phase (see the file comment). */
void
fd_phase_pkey(void)
{
	static struct fd_host red, blue;
	struct fd_counters r0, r1, b0, b1, p0, p1;
	uint64_t red_got = 0, blue_got = 0, pmd_red = 0, pmd_blue = 0;
	uint64_t sa0, held0;
	struct rte_ipoib_path path;
	struct rte_ipoib_addr ga, a;
	struct mlx5_wqe_av av;
	union hca_gid mgid;
	uint16_t bkey = 0, key = 0;

	if (fd_host_open(&red, "host2", 0x8002) != 0 ||
	    fd_host_open(&blue, "host3", 0x8001) != 0 ||
	    fd_host_qp_new(&red, 0) != 0 || fd_host_qp_new(&blue, 0) != 0) {
		CHECK(false, "hosts");
		return;
	}
	CHECK(rte_pmd_ipoib_broadcast_key(fd_port, &bkey) == 0 &&
	      rte_pmd_ipoib_peer_info(fd_port, bkey, &ga, &path) == 0,
	      "blue broadcast group");
	memcpy(mgid.raw, &ga.bytes[4], 16);
	printf("blue group MLID 0x%x, MGID P_Key bytes %02x%02x\n", path.lid,
	       mgid.raw[4], mgid.raw[5]);
	CHECK(mgid.raw[4] == 0x80 && mgid.raw[5] == 0x01, "not the blue MGID");
	CHECK(hca_qp_attach_mcast(blue.qp[0], &mgid, path.lid) == 0 &&
	      hca_qp_attach_mcast(red.qp[0], &mgid, path.lid) == 0, "attach");

	/* unicast and the blue group, host2 (red) and host3 (blue) -> PMD */
	CHECK(fd_counters_read("host1", &p0) == 0, "status");
	fd_av_to_pmd(&av, true);
	fd_pkey_burst(&blue, &av);
	fd_pkey_burst(&red, &av);
	hca_av_fill(&av, 0xffffff, FD_QKEY, path.lid, 0, 0, &mgid, 64, 0, 0);
	fd_pkey_burst(&blue, &av);
	fd_pkey_burst(&red, &av);
	fd_pkey_poll(1000, &red, &red_got, &blue, &blue_got, &pmd_red,
		     &pmd_blue);
	CHECK(fd_counters_read("host1", &p1) == 0, "status");
	printf("to the PMD: from blue %" PRIu64 " of %d, from red %" PRIu64
	       " of %d; host1 rcv_discards_pkey +%lld\n", pmd_blue,
	       2 * FD_PKEY_N, pmd_red, 2 * FD_PKEY_N,
	       fd_delta(&p0, &p1, FD_PKEY_DROP));
	CHECK(pmd_blue == 2 * FD_PKEY_N, "blue reached the PMD %" PRIu64
	      " times", pmd_blue);
	CHECK(pmd_red == 0, "red reached the PMD %" PRIu64 " times", pmd_red);
	CHECK(fd_delta(&p0, &p1, FD_PKEY_DROP) == 2 * FD_PKEY_N,
	      "host1 P_Key drops %lld", fd_delta(&p0, &p1, FD_PKEY_DROP));

	/* the PMD's broadcast: blue gets it, red's intruding QP does not */
	red_got = blue_got = 0;
	CHECK(fd_counters_read("host2", &r0) == 0, "status");
	fd_pkey_pmd_burst(bkey, FD_PKEY_N);
	fd_pkey_poll(1000, &red, &red_got, &blue, &blue_got, &pmd_red,
		     &pmd_blue);
	CHECK(fd_counters_read("host2", &r1) == 0, "status");
	printf("PMD broadcast: blue got %" PRIu64 ", red got %" PRIu64
	       ", host2 rcv_discards_pkey +%lld\n", blue_got, red_got,
	       fd_delta(&r0, &r1, FD_PKEY_DROP));
	CHECK(blue_got == FD_PKEY_N && red_got == 0, "broadcast isolation");
	CHECK(fd_delta(&r0, &r1, FD_PKEY_DROP) == FD_PKEY_N,
	      "host2 P_Key drops %lld", fd_delta(&r0, &r1, FD_PKEY_DROP));

	/* PMD unicast: to blue delivered, to red refused and counted */
	red_got = blue_got = 0;
	fd_host_addr(&blue, 0, &a);
	CHECK(rte_pmd_ipoib_resolve(fd_port, &a, &key) == 0, "resolve blue");
	CHECK(fd_counters_read("host3", &b0) == 0, "status");
	fd_pkey_pmd_burst(key, 3); /* held until the path is known */
	fd_pkey_poll(1500, &red, &red_got, &blue, &blue_got, &pmd_red,
		     &pmd_blue);
	fd_pkey_pmd_burst(key, FD_PKEY_N - 3);
	fd_pkey_poll(500, &red, &red_got, &blue, &blue_got, &pmd_red,
		     &pmd_blue);
	CHECK(fd_counters_read("host3", &b1) == 0, "status");
	CHECK(blue_got == FD_PKEY_N, "PMD -> blue: %" PRIu64 " of %d",
	      blue_got, FD_PKEY_N);
	fd_host_addr(&red, 0, &a);
	CHECK(rte_pmd_ipoib_resolve(fd_port, &a, &key) == 0, "resolve red");
	CHECK(fd_counters_read("host2", &r0) == 0, "status");
	sa0 = fd_xstat("tx_sa_failure_dropped");
	held0 = fd_xstat("tx_unresolved_dropped");
	fd_pkey_pmd_burst(key, 3);
	fd_pkey_poll(3000, &red, &red_got, &blue, &blue_got, &pmd_red,
		     &pmd_blue);
	CHECK(fd_counters_read("host2", &r1) == 0, "status");
	printf("PMD unicast: blue got %" PRIu64 " of %d; red got %" PRIu64
	       " of 3 (SA failure drops +%" PRIu64 ", unresolved drops +%"
	       PRIu64 ", host2 rcv_discards_pkey +%lld, sa_failures %" PRIu64
	       ")\n", blue_got, FD_PKEY_N, red_got,
	       fd_xstat("tx_sa_failure_dropped") - sa0,
	       fd_xstat("tx_unresolved_dropped") - held0,
	       fd_delta(&r0, &r1, FD_PKEY_DROP), fd_xstat("sa_failures"));
	CHECK(red_got == 0, "PMD unicast reached red");
	CHECK(fd_xstat("tx_sa_failure_dropped") - sa0 +
	      (uint64_t)fd_delta(&r0, &r1, FD_PKEY_DROP) == 3,
	      "the 3 refused packets are not all counted");
	CHECK(fd_delta(&b0, &b1, FD_PKEY_DROP) == 0, "blue P_Key drops");
	fd_host_close(&red);
	fd_host_close(&blue);
}
