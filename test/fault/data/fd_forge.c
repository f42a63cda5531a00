/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Phase "forge" (3 hosts, the soft HCA started with --allow-forge): the
 * PMD (host1) and a victim QP on host2 talk; a forger on host3 then
 * sends to the PMD from its own LID with the victim's QPN and port GID
 * in the GRH, as a hostile host whose QPN collides with the victim's and
 * whose GID table holds the victim's GID would. The PMD must not move the
 * victim to the forger's LID on the packets' word: the SA refutes it
 * (lid_refuted), the PMD's traffic to the victim still reaches the
 * victim, and none of it reaches host3 (its port receives nothing, not
 * even a discard for a QPN it does not have).
 */

#include <string.h>
#include <unistd.h>

#include "fd.h"

#define FD_FORGE_N 50

/** Poll the PMD (counting packets that claim to be from qpn) and v. */
static void
fd_forge_poll(unsigned int ms, struct fd_host *v, uint64_t *v_got,
	      uint32_t qpn, uint64_t *pmd_got)
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
					     &seq) == 0 && sender == qpn)
				(*pmd_got)++;
			rte_pktmbuf_free(pkts[i]);
		}
		fd_host_poll(v, fd_count_intact, v_got);
		rte_eth_tx_burst(fd_port, 0, NULL, 0);
		usleep(500);
	}
}

/** Send n datagrams from the PMD to a key. */
static void
fd_forge_pmd_burst(uint16_t key, unsigned int n)
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

/** The LID the PMD's path to a key says (0 when it has none). */
static uint16_t
fd_forge_path_lid(uint16_t key)
{
	struct rte_ipoib_path path;
	struct rte_ipoib_addr a;

	if (rte_pmd_ipoib_peer_info(fd_port, key, &a, &path) != 0 ||
	    !path.resolved)
		return 0;
	return path.lid;
}

/** The phase (see the file comment). */
void
fd_phase_forge(void)
{
	static struct fd_host v, f;
	struct fd_counters f0, f1;
	uint64_t v_got = 0, pmd_got = 0, changes0, refuted0, mismatch0;
	uint64_t confirms0;
	uint16_t v_lid, f_lid, key = 0;
	struct rte_ipoib_addr a;
	struct mlx5_wqe_av av;
	uint32_t vqpn;
	uint64_t end;
	unsigned int i;

	if (fd_host_open(&v, "host2", 0xffff) != 0 ||
	    fd_host_open(&f, "host3", 0xffff) != 0 ||
	    fd_host_qp_new(&v, 0) != 0) {
		CHECK(false, "hosts");
		return;
	}
	vqpn = v.qp[0]->wire_qpn;
	v_lid = v.t.attr.port.lid;
	f_lid = f.t.attr.port.lid;
	/* host3's QP sends as the victim's (hcasim --allow-forge) */
	if (t_qp_create(&f.t, &f.qp[0], f.t.rcq, v.qp[0]) != 0 ||
	    t_qp_ready(f.qp[0], FD_QKEY, f.pkey_index) != 0) {
		CHECK(false, "forger QP (is hcasim started with "
		      "--allow-forge?)");
		return;
	}
	f.nqp = 1;
	printf("victim QPN 0x%06x LID %u, forger LID %u sends as QPN "
	       "0x%06x\n", vqpn, v_lid, f_lid, f.qp[0]->wire_qpn);
	CHECK(f.qp[0]->wire_qpn == vqpn && v_lid != f_lid, "forger setup");

	/* victim -> PMD: the PMD learns the victim (the SA gives its path) */
	fd_av_to_pmd(&av, true);
	for (i = 0; i < FD_FORGE_N; i++)
		CHECK(fd_host_send(&v, 0, &av, i) == 0, "send");
	fd_forge_poll(500, &v, &v_got, vqpn, &pmd_got);
	CHECK(pmd_got == FD_FORGE_N, "victim -> PMD: %" PRIu64 " of %d",
	      pmd_got, FD_FORGE_N);
	fd_host_addr(&v, 0, &a);
	CHECK(rte_pmd_ipoib_resolve(fd_port, &a, &key) == 0, "victim's key");
	end = fd_deadline(3);
	while (fd_forge_path_lid(key) == 0 && !fd_expired(end))
		fd_forge_poll(50, &v, &v_got, vqpn, &pmd_got);
	CHECK(fd_forge_path_lid(key) == v_lid, "path to the victim: LID %u",
	      fd_forge_path_lid(key));

	/* PMD -> victim, before the forger */
	v_got = 0;
	fd_forge_pmd_burst(key, FD_FORGE_N);
	fd_forge_poll(500, &v, &v_got, vqpn, &pmd_got);
	CHECK(v_got == FD_FORGE_N, "PMD -> victim before: %" PRIu64 " of %d",
	      v_got, FD_FORGE_N);

	/* the forger: the victim's QPN and GID from host3's LID */
	changes0 = fd_xstat("peer_lid_changes");
	refuted0 = fd_xstat("lid_refuted");
	mismatch0 = fd_xstat("lid_mismatch");
	confirms0 = fd_xstat("path_confirms");
	CHECK(fd_counters_read("host3", &f0) == 0, "status");
	pmd_got = 0;
	for (i = 0; i < FD_FORGE_N; i++)
		CHECK(fd_host_send(&f, 0, &av, 1000 + i) == 0, "forged send");
	fd_forge_poll(1000, &v, &v_got, vqpn, &pmd_got);
	printf("forged packets the PMD received: %" PRIu64 "; path to the "
	       "victim: LID %u\n", pmd_got, fd_forge_path_lid(key));

	/* PMD -> victim after the forger: all to the victim, none to F */
	v_got = 0;
	fd_forge_pmd_burst(key, FD_FORGE_N);
	fd_forge_poll(1000, &v, &v_got, vqpn, &pmd_got);
	CHECK(fd_counters_read("host3", &f1) == 0, "status");
	printf("PMD -> victim after: %" PRIu64 " of %d; host3 rcv_packets "
	       "+%lld, rcv_discards_no_qp +%lld; lid_mismatch +%" PRIu64
	       ", path_confirms +%" PRIu64 ", lid_refuted +%" PRIu64
	       ", peer_lid_changes +%" PRIu64 "\n", v_got, FD_FORGE_N,
	       fd_delta(&f0, &f1, FD_RCV_PACKETS),
	       fd_delta(&f0, &f1, FD_NO_QP),
	       fd_xstat("lid_mismatch") - mismatch0,
	       fd_xstat("path_confirms") - confirms0,
	       fd_xstat("lid_refuted") - refuted0,
	       fd_xstat("peer_lid_changes") - changes0);
	CHECK(pmd_got == FD_FORGE_N, "the forged packets did not arrive "
	      "(%" PRIu64 "): the test proves nothing", pmd_got);
	CHECK(v_got == FD_FORGE_N, "PMD -> victim after the forger: %" PRIu64
	      " of %d", v_got, FD_FORGE_N);
	CHECK(fd_delta(&f0, &f1, FD_RCV_PACKETS) == 0 &&
	      fd_delta(&f0, &f1, FD_NO_QP) == 0,
	      "the victim's traffic reached the forger's port");
	CHECK(fd_forge_path_lid(key) == v_lid, "path to the victim: LID %u",
	      fd_forge_path_lid(key));
	CHECK(fd_xstat("lid_mismatch") > mismatch0 &&
	      fd_xstat("path_confirms") > confirms0 &&
	      fd_xstat("lid_refuted") > refuted0, "confirmation not counted");
	CHECK(fd_xstat("peer_lid_changes") == changes0, "the LID moved");
	fd_host_close(&f);
	fd_host_close(&v);
}
