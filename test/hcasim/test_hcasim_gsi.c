/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * QP 1 of the SM's port (hcasim_gsi.c): an SA MAD sent from a UD QP to
 * (SM LID, QPN 1) is answered into that QP from (SM LID, QPN 1) with its
 * TID; datagrams to QPN 1 that are not one MAD to the SM's LID are
 * counted and dropped, as is a join for another port; a flood is cut at
 * the per-port rate, counted.
 */

#include <endian.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hca_dp.h"
#include "hca_sa_mad.h"
#include "hcasim_tests.h"

/** The GSI's QPN and Q_Key, the relay's rate per port and second. */
#define GSI_QPN 1
#define GSI_QKEY 0x80010000u
#define GSI_RATE 100
/** Requests of the flood (over two seconds' worth of the rate). */
#define FLOOD 300

/** A relay counter from `hcasim --status` ("gsi"), -1 if unreadable. */
static long long
gsi_counter(const char *name)
{
	return t_status_value("\"gsi\":{", name);
}

/**
 * Send one Get(NodeRecord) by LID to (dlid, QPN 1) from buffer slot i of
 * the host's send area.
 */
static void
gsi_send(struct t_host *h, uint16_t dlid, uint16_t lid, uint32_t tid,
	 uint32_t len, unsigned int slot)
{
	uint8_t *mad = t_send_area(h) + (size_t)slot * HCA_MAD_SIZE;
	uint8_t rec[2];
	struct mlx5_wqe_av av;

	rec[0] = (uint8_t)(lid >> 8);
	rec[1] = (uint8_t)lid;
	hca_sa_mad_build(mad, tid, HCA_METHOD_GET, HCA_SA_ATTR_NODE_REC, 1,
			 rec, sizeof(rec));
	hca_av_fill(&av, GSI_QPN, GSI_QKEY, dlid, 0, 0, NULL, 0, 0, 0);
	t_send(h, h->qp, &av, mad, len, false, false);
}

/**
 * One request, one answer: from (SM LID, QPN 1), one MAD, no GRH, the
 * request's TID, GetResp with status 0.
 *
 * @return 0 or -1
 */
static int
gsi_one(struct t_host *a, uint16_t peer_lid)
{
	uint16_t sm = a->attr.port.sm_lid;
	struct hca_rx_cqe rx;
	struct mlx5_cqe64 c;
	uint8_t *buf = t_recv_post(a, a->qp);
	uint32_t tid;

	gsi_send(a, sm, peer_lid, 0x5a5a1234, HCA_MAD_SIZE, 0);
	T_CHECK(t_poll(a->rcq, WAIT_MS, &c) == 0, "no answer from QP 1");
	hca_cqe_decode_rx(&c, &rx);
	T_CHECK(hca_cqe_opcode(&c) == MLX5_CQE_RESP_SEND, "opcode %#x",
		hca_cqe_opcode(&c));
	T_CHECK(rx.src_qpn == GSI_QPN && rx.slid == sm && !rx.grh &&
		rx.byte_cnt == HCA_GRH_LEN + HCA_MAD_SIZE,
		"answer from QPN %#x LID %u grh %d, %u bytes", rx.src_qpn,
		rx.slid, rx.grh, rx.byte_cnt);
	memcpy(&tid, buf + HCA_GRH_LEN + 12, 4);
	T_CHECK(be32toh(tid) == 0x5a5a1234 &&
		buf[HCA_GRH_LEN + 3] == HCA_METHOD_GET_RESP &&
		buf[HCA_GRH_LEN + 4] == 0 && buf[HCA_GRH_LEN + 5] == 0,
		"reply TID %#x method %#x status %02x%02x", be32toh(tid),
		buf[HCA_GRH_LEN + 3], buf[HCA_GRH_LEN + 4],
		buf[HCA_GRH_LEN + 5]);
	printf("gsi: NodeRecord of LID %u answered from (LID %u, QPN 1)\n",
	       peer_lid, sm);
	return 0;
}

/**
 * Send a full-member Set(MCMemberRecord) of the broadcast group for the
 * port whose GID is gid, from slot 3 of the host's send area.
 */
static void
gsi_send_join(struct t_host *h, const union hca_gid *gid)
{
	static const uint8_t bcast[16] = {
		0xff, 0x12, 0x40, 0x1b, 0xff, 0xff, 0, 0,
		0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
	};
	uint8_t *mad = t_send_area(h) + 3 * HCA_MAD_SIZE;
	uint8_t rec[HCA_SA_MCMEMBER_REC_LEN] = { 0 };
	struct mlx5_wqe_av av;

	memcpy(rec, bcast, 16);
	memcpy(rec + 16, gid->raw, 16);
	rec[39] = 1; /* JoinState: full member (low nibble of byte 39) */
	hca_sa_mad_build(mad, 77, HCA_METHOD_SET, HCA_SA_ATTR_MCMEMBER_REC,
			 (1u << 0) | (1u << 1) | (1u << 16), rec, sizeof(rec));
	hca_av_fill(&av, GSI_QPN, GSI_QKEY, h->attr.port.sm_lid, 0, 0, NULL,
		    0, 0, 0);
	t_send(h, h->qp, &av, mad, HCA_MAD_SIZE, false, false);
}

/** Sleep ms milliseconds. */
static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/**
 * QP 1: an answer, the refusals (another LID, not one MAD), and a flood
 * cut at the rate.
 *
 * @return 0 or -1
 */
int
test_gsi(void)
{
	struct t_host a, b;
	long long bad0, rate0, relayed0, bad, rate, relayed, forged0, forged;
	int pk, ret = -1;
	unsigned int i;

	if (t_host_open(&a, "host1") < 0 || t_host_open(&b, "host2") < 0)
		goto out;
	pk = t_pkey_index(&a, 0xffff);
	if (t_qp_ready(a.qp, GSI_QKEY, pk < 0 ? 0 : (uint16_t)pk) < 0)
		goto out;
	if (gsi_one(&a, b.attr.port.lid) < 0)
		goto out;
	bad0 = gsi_counter("dropped_bad");
	/* QPN 1 of another LID, and a datagram shorter than a MAD */
	gsi_send(&a, b.attr.port.lid, b.attr.port.lid, 2, HCA_MAD_SIZE, 1);
	gsi_send(&a, a.attr.port.sm_lid, b.attr.port.lid, 3, 100, 2);
	sleep_ms(300);
	bad = gsi_counter("dropped_bad");
	if (bad0 < 0 || bad != bad0 + 2) {
		fprintf(stderr, "FAIL: dropped_bad %lld -> %lld\n", bad0, bad);
		goto out;
	}
	/* a join for another port (host2's PortGID) from host1: refused */
	forged0 = gsi_counter("dropped_forged");
	gsi_send_join(&a, &b.attr.port.gid);
	sleep_ms(300);
	forged = gsi_counter("dropped_forged");
	if (forged0 < 0 || forged != forged0 + 1) {
		fprintf(stderr, "FAIL: dropped_forged %lld -> %lld\n", forged0,
			forged);
		goto out;
	}
	/* a flood: cut at the rate, the rest counted */
	sleep_ms(1000); /* a fresh second of the rate */
	rate0 = gsi_counter("dropped_rate");
	relayed0 = gsi_counter("relayed");
	for (i = 0; i < FLOOD; i++)
		gsi_send(&a, a.attr.port.sm_lid, b.attr.port.lid, 100 + i,
			 HCA_MAD_SIZE, i % 64);
	sleep_ms(1500);
	rate = gsi_counter("dropped_rate");
	relayed = gsi_counter("relayed");
	printf("gsi: flood of %d: %lld relayed, %lld over the rate, "
	       "%lld refused before\n", FLOOD, relayed - relayed0,
	       rate - rate0, bad);
	if (rate0 < 0 || rate - rate0 < FLOOD - 2 * GSI_RATE ||
	    relayed - relayed0 > 2 * GSI_RATE) {
		fprintf(stderr, "FAIL: flood not cut at the rate\n");
		goto out;
	}
	ret = 0;
out:
	t_host_close(&a);
	t_host_close(&b);
	return ret;
}
