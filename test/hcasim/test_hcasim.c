/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Soft HCA tests through the device API (no PMD), each run under
 * test/with-fabric:
 *
 *   test_hcasim unicast | mcast | qkey | pkey | rss | capture |
 *               badwqe | kill | faults | truncate | gone | flush | mgid
 *
 * (the last seven are in test_hcasim_err.c).
 * The program re-executes itself through `ipoib-fabric run ... host1`
 * so it runs under the umad2sim preload (for the SA) with HCASIM_SOCKET
 * set; it then acts as several hosts by setting HCASIM_HOST per device.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "hcasim_tlib.h"
#include "hcasim_tests.h"
#include "hca_sa.h"

/** Ask the SA for the LID of a port GUID. */
static int
sa_lid_of(uint64_t port_guid, uint16_t *lid)
{
	struct hca_node_rec node;
	struct hca_sa *sa;
	int err = 0;

	sa = hca_sa_open(NULL, 0, NULL, &err);
	if (sa == NULL)
		return err;
	err = hca_sa_query_port_by_guid(sa, port_guid, &node, NULL);
	hca_sa_close(sa);
	*lid = node.lid;
	return err;
}

/** Two hosts exchange datagrams of every size 1..MTU. */
static int
test_unicast(void)
{
	struct t_host a, b;
	uint16_t sa_lid = 0;
	struct mlx5_wqe_av av;
	struct mlx5_cqe64 c;
	uint32_t len, mtu;
	uint8_t *dst;
	int ret = -1;

	if (t_host_open(&a, "host1") < 0 || t_host_open(&b, "host2") < 0 ||
	    t_qp_ready(a.qp, QKEY, 0) < 0 || t_qp_ready(b.qp, QKEY, 0) < 0)
		goto out;
	/* the LID the daemon reports is the one the SM gave (SA view) */
	if (sa_lid_of(a.attr.port.port_guid, &sa_lid) != 0 ||
	    sa_lid != a.attr.port.lid) {
		fprintf(stderr, "FAIL: host1 LID %u, SA says %u\n",
			a.attr.port.lid, sa_lid);
		goto out;
	}
	if (a.attr.port.lid == 0 || a.attr.port.state != HCA_PORT_ACTIVE) {
		fprintf(stderr, "FAIL: host1 port not active\n");
		goto out;
	}
	mtu = hca_mtu_to_bytes(a.attr.port.active_mtu);
	for (len = 1; len <= mtu; len++)
		if (t_unicast_one(&a, &b, len, len <= 200 && (len & 1), len) < 0)
			goto out;
	/* one over the MTU is a local length error */
	dst = t_recv_post(&b, b.qp);
	(void)dst;
	t_av(&av, &b, b.qp, QKEY);
	t_send(&a, a.qp, &av, t_send_area(&a), mtu + 1, false, true);
	if (t_poll(a.scq, WAIT_MS, &c) != 0 ||
	    hca_cqe_opcode(&c) != MLX5_CQE_REQ_ERR ||
	    ((struct mlx5_err_cqe *)&c)->syndrome !=
	    MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR) {
		fprintf(stderr, "FAIL: no length error over the MTU\n");
		goto out;
	}
	printf("unicast: %u sizes delivered and checked\n", mtu);
	ret = 0;
out:
	t_host_close(&a);
	t_host_close(&b);
	return ret;
}

/** Receive one multicast datagram on a QP and check it. */
static int
mcast_expect(struct t_host *h, struct hca_cq *cq, uint8_t *buf,
	     const struct t_host *from, const struct hca_qp *fqp,
	     const union hca_gid *mgid, const uint8_t *data, uint32_t len)
{
	struct mlx5_cqe64 c;

	T_CHECK(t_poll(cq, WAIT_MS, &c) == 0, "%s: no multicast", h->name);
	if (t_check_rx(&c, len, fqp->wire_qpn, from->attr.port.lid, true) < 0)
		return -1;
	T_CHECK(memcmp(buf + 24, mgid->raw, 16) == 0, "GRH DGID");
	T_CHECK(memcmp(buf + 8, from->attr.port.gid.raw, 16) == 0,
		"GRH SGID");
	T_CHECK(memcmp(buf + HCA_GRH_LEN, data, len) == 0, "mcast payload");
	return 0;
}

/** A send to the broadcast group reaches every attached QP. */
static int
test_mcast(void)
{
	union hca_gid mgid = { .raw = { 0xff, 0x12, 0x40, 0x1b, 0xff, 0xff,
		0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff } };
	struct hca_mcmember_rec rec;
	struct t_host a, b;
	struct hca_qp *c2 = NULL;
	struct hca_cq *c2cq = NULL;
	struct mlx5_wqe_av av;
	struct mlx5_cqe64 c;
	uint8_t *ba, *bb, *bc, *data;
	struct hca_sa *sa;
	int err = 0, ret = -1;

	sa = hca_sa_open(NULL, 0, NULL, &err);
	if (sa == NULL) {
		fprintf(stderr, "FAIL: hca_sa_open: %d\n", err);
		return -1;
	}
	err = hca_sa_join_mcast(sa, &mgid, HCA_JOIN_FULL, NULL, &rec);
	hca_sa_close(sa);
	if (err != 0 || rec.mlid < 0xc000) {
		fprintf(stderr, "FAIL: broadcast join: %d\n", err);
		return -1;
	}
	if (t_host_open(&a, "host1") < 0 || t_host_open(&b, "host2") < 0 ||
	    hca_cq_create(b.dev, 256, &c2cq) != 0 ||
	    t_qp_create(&b, &c2, c2cq, NULL) < 0 ||
	    t_qp_ready(a.qp, rec.qkey, 0) < 0 ||
	    t_qp_ready(b.qp, rec.qkey, 0) < 0 || t_qp_ready(c2, rec.qkey, 0) < 0)
		goto out;
	if (hca_qp_attach_mcast(a.qp, &mgid, rec.mlid) != 0 ||
	    hca_qp_attach_mcast(b.qp, &mgid, rec.mlid) != 0 ||
	    hca_qp_attach_mcast(c2, &mgid, rec.mlid) != 0 ||
	    hca_qp_attach_mcast(c2, &mgid, rec.mlid) != -EEXIST) {
		fprintf(stderr, "FAIL: attach\n");
		goto out;
	}
	ba = t_recv_post(&a, a.qp);
	bb = t_recv_post(&b, b.qp);
	bc = t_recv_post(&b, c2);
	data = t_send_area(&a);
	memcpy(data, "\x08\x00\x00\x00multicast to everyone", 25);
	hca_av_fill(&av, 0xffffff, rec.qkey, rec.mlid, rec.sl, 0, &mgid,
		    rec.hop_limit, rec.tclass, rec.flow_label);
	t_send(&a, a.qp, &av, data, 25, false, false);
	if (mcast_expect(&a, a.rcq, ba, &a, a.qp, &mgid, data, 25) < 0 ||
	    mcast_expect(&b, b.rcq, bb, &a, a.qp, &mgid, data, 25) < 0 ||
	    mcast_expect(&b, c2cq, bc, &a, a.qp, &mgid, data, 25) < 0)
		goto out;
	/* detached: no more copies for c2 */
	if (hca_qp_detach_mcast(c2, &mgid, rec.mlid) != 0) {
		fprintf(stderr, "FAIL: detach\n");
		goto out;
	}
	t_recv_post(&b, b.qp);
	t_send(&a, a.qp, &av, data, 25, false, false);
	if (t_poll(b.rcq, WAIT_MS, &c) != 0 || t_poll(c2cq, 300, &c) == 0) {
		fprintf(stderr, "FAIL: delivery after detach\n");
		goto out;
	}
	printf("mcast: MLID %#x reached 3 QPs, then 1 after detach\n",
	       rec.mlid);
	ret = 0;
out:
	t_host_close(&a);
	t_host_close(&b);
	return ret;
}

/**
 * Send h1 -> h2 with a Q_Key and tell whether it arrived.
 *
 * @return 1 delivered, 0 not, -1 error
 */
static int
deliver_with(struct t_host *a, struct hca_qp *aqp, struct t_host *b,
	     uint32_t qkey)
{
	struct mlx5_wqe_av av;
	struct mlx5_cqe64 c;

	t_recv_post(b, b->qp);
	t_av(&av, b, b->qp, qkey);
	t_send(a, aqp, &av, t_send_area(a), 64, false, true);
	T_CHECK(t_poll(a->scq, WAIT_MS, &c) == 0 &&
		hca_cqe_opcode(&c) == MLX5_CQE_REQ, "send did not complete");
	return t_poll(b->rcq, 300, &c) == 0;
}

/** A wrong Q_Key is dropped and counted; the controlled Q_Key rule. */
static int
test_qkey(void)
{
	struct t_host a, b;
	struct mlx5_wqe_av av;
	struct mlx5_cqe64 c;
	long long before, after, nobuf;
	int ret = -1;

	if (t_host_open(&a, "host1") < 0 || t_host_open(&b, "host2") < 0 ||
	    t_qp_ready(a.qp, 0x1111, 0) < 0 || t_qp_ready(b.qp, 0x1111, 0) < 0)
		goto out;
	before = t_counter("host2", "rcv_discards_qkey");
	if (deliver_with(&a, a.qp, &b, 0x2222) != 0) {
		fprintf(stderr, "FAIL: wrong Q_Key delivered\n");
		goto out;
	}
	after = t_counter("host2", "rcv_discards_qkey");
	if (before < 0 || after != before + 1) {
		fprintf(stderr, "FAIL: qkey counter %lld -> %lld\n", before,
			after);
		goto out;
	}
	/* high bit set: the sender QP's own Q_Key (0x1111) is used */
	if (deliver_with(&a, a.qp, &b, 0x80000000u) != 1 ||
	    deliver_with(&a, a.qp, &b, 0x1111) != 1) {
		fprintf(stderr, "FAIL: right Q_Key not delivered\n");
		goto out;
	}
	/* no receive WQE posted: dropped and counted, as UD does */
	nobuf = t_counter("host2", "rcv_discards_no_buffer");
	if (hca_qp_modify(b.qp, HCA_QPS_RESET, 0, 0) != 0 ||
	    t_qp_ready(b.qp, 0x1111, 0) < 0)
		goto out;
	t_av(&av, &b, b.qp, 0x1111);
	t_send(&a, a.qp, &av, t_send_area(&a), 64, false, false);
	if (t_poll(b.rcq, 300, &c) == 0 ||
	    t_counter("host2", "rcv_discards_no_buffer") != nobuf + 1) {
		fprintf(stderr, "FAIL: no-buffer drop not counted\n");
		goto out;
	}
	printf("qkey: dropped and counted (%lld -> %lld)\n", before, after);
	ret = 0;
out:
	t_host_close(&a);
	t_host_close(&b);
	return ret;
}

/**
 * P_Key enforcement; the fabric runs with partition 0x8001 where every
 * port is a limited member (0x0001).
 */
static int
test_pkey(void)
{
	struct t_host a, b;
	struct hca_qp *lim = NULL;
	long long before, after;
	int ia, ib, ret = -1;

	if (t_host_open(&a, "host1") < 0 || t_host_open(&b, "host2") < 0)
		goto out;
	ia = t_pkey_index(&a, 0x0001);
	ib = t_pkey_index(&b, 0x0001);
	if (ia < 0 || ib < 0 || t_pkey_index(&b, 0xffff) < 0) {
		fprintf(stderr, "FAIL: P_Key tables lack 0x0001/0xffff\n");
		goto out;
	}
	if (t_qp_create(&a, &lim, a.rcq, NULL) < 0 ||
	    t_qp_ready(lim, QKEY, (uint16_t)ia) < 0 ||
	    t_qp_ready(a.qp, QKEY, (uint16_t)t_pkey_index(&a, 0xffff)) < 0 ||
	    t_qp_ready(b.qp, QKEY, (uint16_t)t_pkey_index(&b, 0xffff)) < 0)
		goto out;
	before = t_counter("host2", "rcv_discards_pkey");
	/* 0x0001 (limited) -> 0xffff: another partition */
	if (deliver_with(&a, lim, &b, QKEY) != 0)
		goto bad;
	/* limited -> limited: members may not talk */
	if (hca_qp_modify(b.qp, HCA_QPS_RESET, 0, 0) != 0 ||
	    t_qp_ready(b.qp, QKEY, (uint16_t)ib) < 0 ||
	    deliver_with(&a, lim, &b, QKEY) != 0)
		goto bad;
	/* full 0xffff <-> full 0xffff works */
	if (hca_qp_modify(b.qp, HCA_QPS_RESET, 0, 0) != 0 ||
	    t_qp_ready(b.qp, QKEY, (uint16_t)t_pkey_index(&b, 0xffff)) < 0 ||
	    deliver_with(&a, a.qp, &b, QKEY) != 1)
		goto bad;
	after = t_counter("host2", "rcv_discards_pkey");
	if (before < 0 || after != before + 2) {
		fprintf(stderr, "FAIL: pkey counter %lld -> %lld\n", before,
			after);
		goto out;
	}
	printf("pkey: 2 dropped and counted, full members delivered\n");
	ret = 0;
	goto out;
bad:
	fprintf(stderr, "FAIL: P_Key rule not enforced\n");
out:
	t_host_close(&a);
	t_host_close(&b);
	return ret;
}

/** Build an IPoIB + IPv4 + UDP datagram of one flow. */
static uint32_t
udp_packet(uint8_t *p, uint16_t sport, uint16_t etype)
{
	memset(p, 0, 4 + 20 + 8 + 8);
	p[0] = (uint8_t)(etype >> 8);
	p[1] = (uint8_t)etype;
	p[4] = 0x45;
	p[4 + 3] = 36;
	p[4 + 8] = 64;
	p[4 + 9] = 17;
	memcpy(p + 4 + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	p[24] = (uint8_t)(sport >> 8);
	p[25] = (uint8_t)sport;
	p[26] = 0x12;
	p[27] = 0x34;
	return 4 + 20 + 8 + 8;
}

/**
 * RSS, as ConnectX IPoIB steers: once a QP has children (SQs and RQs
 * behind its TIS and root flow table), everything for its QPN goes to the
 * children's RQs, spread by the hash, none to the QP itself; non-IP
 * hashes to 0 and goes to the first child; a child sends with the
 * parent's QPN as its source.
 */
static int
test_rss(void)
{
	struct t_host a, b;
	struct hca_qp *kids[3] = { NULL };
	struct hca_cq *kcq[3] = { NULL };
	unsigned int hits[4] = { 0 }, i, k, used = 0;
	struct mlx5_wqe_av av;
	struct mlx5_cqe64 c;
	int ret = -1;

	if (t_host_open(&a, "host1") < 0 || t_host_open(&b, "host2") < 0)
		goto out;
	for (k = 0; k < 3; k++)
		if (hca_cq_create(b.dev, 256, &kcq[k]) != 0 ||
		    t_qp_create(&b, &kids[k], kcq[k], b.qp) < 0 ||
		    kids[k]->wire_qpn != b.qp->qpn)
			goto out;
	if (t_qp_ready(a.qp, QKEY, 0) < 0 || t_qp_ready(b.qp, QKEY, 0) < 0)
		goto out;
	for (k = 0; k < 3; k++)
		if (t_qp_ready(kids[k], QKEY, 0) < 0)
			goto out;
	t_av(&av, &b, b.qp, QKEY);
	for (i = 0; i < 32; i++) {
		uint8_t *p = t_send_area(&a) + i * 64;
		uint32_t len = udp_packet(p, (uint16_t)(1000 + i), 0x0800);

		t_recv_post(&b, b.qp);
		for (k = 0; k < 3; k++)
			t_recv_post(&b, kids[k]);
		t_send(&a, a.qp, &av, p, len, false, false);
		for (k = 0; k < 4; k++) {
			struct hca_cq *cq = k == 0 ? b.rcq : kcq[k - 1];

			if (t_poll(cq, k == 3 ? 300 : 50, &c) == 0) {
				hits[k]++;
				break;
			}
		}
		/* where a ConnectX writes it: rx_hash_result and
		 * rx_hash_type, not imm_inval_pkey */
		if (k == 4 || hca_cqe_rx_hash(&c) == 0 ||
		    c.imm_inval_pkey != 0 ||
		    ((const uint8_t *)&c)[HCA_CQE_RX_HASH_TYPE_OFF] !=
		    (HCA_CQE_RSS_IPV4 | HCA_CQE_RSS_UDP)) {
			fprintf(stderr, "FAIL: flow %u lost or unhashed\n", i);
			goto out;
		}
	}
	for (k = 1; k < 4; k++)
		used += hits[k] != 0;
	printf("rss: flows per QP %u (parent) %u %u %u\n", hits[0], hits[1],
	       hits[2], hits[3]);
	if (hits[0] != 0 || used < 2) {
		fprintf(stderr, "FAIL: RSS did not spread over the children "
			"only\n");
		goto out;
	}
	/* non-IP (ARP) goes to the first child with hash 0 */
	for (k = 0; k < 3; k++)
		while (t_poll(kcq[k], 10, &c) == 0)
			;
	t_send(&a, a.qp, &av, t_send_area(&a),
	       udp_packet(t_send_area(&a), 7, 0x0806), false, false);
	if (t_poll(kcq[0], WAIT_MS, &c) != 0 || hca_cqe_rx_hash(&c) != 0 ||
	    t_poll(b.rcq, 100, &c) == 0) {
		fprintf(stderr, "FAIL: non-IP not at the first child\n");
		goto out;
	}
	/* a child sends with the parent's QPN as its source */
	t_recv_post(&a, a.qp);
	t_av(&av, &a, a.qp, QKEY);
	t_send(&b, kids[1], &av, t_send_area(&b), 32, false, false);
	if (t_poll(a.rcq, WAIT_MS, &c) != 0 ||
	    t_check_rx(&c, 32, b.qp->qpn, b.attr.port.lid, false) < 0) {
		fprintf(stderr, "FAIL: child's source QPN\n");
		goto out;
	}
	ret = 0;
out:
	t_host_close(&a);
	t_host_close(&b);
	return ret;
}

/** Hex of bytes into out (2 * n + 1 bytes). */
static void
to_hex(const uint8_t *b, uint32_t n, char *out)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/**
 * The fabric writes an ERF capture (HCASIM_CAPTURE): two datagrams sent
 * here must decode (independent CRC check and tshark fields, through
 * check-erf at HCASIM_CHECK_ERF) with their DLID, SLID, QPs, Q_Key and
 * payload.
 */
static int
test_capture(void)
{
	const char *cap = getenv("HCASIM_CAPTURE");
	const char *chk = getenv("HCASIM_CHECK_ERF");
	static const char msg[] = "hello, hcasim";
	char cmd[4096], hex[64];
	struct t_host a, b;
	int ret = -1, st;

	if (cap == NULL || chk == NULL) {
		fprintf(stderr, "FAIL: HCASIM_CAPTURE/HCASIM_CHECK_ERF unset\n");
		return -1;
	}
	if (t_host_open(&a, "host1") < 0 || t_host_open(&b, "host2") < 0 ||
	    t_qp_ready(a.qp, QKEY, 0) < 0 || t_qp_ready(b.qp, QKEY, 0) < 0)
		goto out;
	memcpy(t_send_area(&a), msg, sizeof(msg) - 1);
	if (t_unicast_one(&a, &b, 40, false, 3) < 0)
		goto out;
	memcpy(t_send_area(&a), msg, sizeof(msg) - 1);
	{
		struct mlx5_wqe_av av;
		struct mlx5_cqe64 c;
		uint8_t *dst = t_recv_post(&b, b.qp);

		t_av(&av, &b, b.qp, QKEY);
		t_send(&a, a.qp, &av, t_send_area(&a), sizeof(msg) - 1, true,
		       false);
		if (t_poll(b.rcq, WAIT_MS, &c) != 0 ||
		    memcmp(dst + HCA_GRH_LEN, msg, sizeof(msg) - 1) != 0) {
			fprintf(stderr, "FAIL: inline datagram\n");
			goto out;
		}
	}
	/* a wrong Q_Key is refused by the QP, yet it was on the wire */
	{
		struct mlx5_wqe_av av;
		struct mlx5_cqe64 c;

		t_av(&av, &b, b.qp, 0x999);
		t_send(&a, a.qp, &av, t_send_area(&a), 20, false, true);
		if (t_poll(a.scq, WAIT_MS, &c) != 0) {
			fprintf(stderr, "FAIL: third send\n");
			goto out;
		}
	}
	to_hex((const uint8_t *)msg, sizeof(msg) - 1, hex);
	snprintf(cmd, sizeof(cmd), "%s %s --count 3 "
		 "--expect dlid=%u,slid=%u,grh=0,pkey=0xffff,destqp=%#x,"
		 "srcqp=%#x,qkey=%#x,payload_len=40 "
		 "--expect dlid=%u,slid=%u,destqp=%#x,srcqp=%#x,qkey=%#x,"
		 "payload=%s "
		 "--expect dlid=%u,destqp=%#x,qkey=0x999,payload_len=20",
		 chk, cap,
		 b.attr.port.lid, a.attr.port.lid, b.qp->qpn, a.qp->qpn, QKEY,
		 b.attr.port.lid, a.attr.port.lid, b.qp->qpn, a.qp->qpn, QKEY,
		 hex, b.attr.port.lid, b.qp->qpn);
	st = system(cmd);
	if (st != 0) {
		fprintf(stderr, "FAIL: %s\n", cmd);
		goto out;
	}
	printf("capture: 3 packets decoded as sent\n");
	ret = 0;
out:
	t_host_close(&a);
	t_host_close(&b);
	return ret;
}

/**
 * Hosts with two ports (the fabric runs with --ports-per-host 2): each
 * port has its own LID; datagrams between the two ports of one host and
 * to another host's second port arrive with the right SLID.
 */
static int
test_ports2(void)
{
	struct t_host a1, a2, b2;
	int ret = -1;

	memset(&a2, 0, sizeof(a2));
	memset(&b2, 0, sizeof(b2));
	if (t_host_open_port(&a1, "host1", 1) < 0 ||
	    t_host_open_port(&a2, "host1", 2) < 0 ||
	    t_host_open_port(&b2, "host2", 2) < 0)
		goto out;
	if (a1.attr.port.port_num != 1 || a2.attr.port.port_num != 2 ||
	    a1.attr.port.lid == a2.attr.port.lid ||
	    a1.attr.port.port_guid == a2.attr.port.port_guid ||
	    a2.attr.port.lid == 0 || b2.attr.port.lid == 0) {
		fprintf(stderr, "FAIL: ports not distinct (LIDs %u %u %u)\n",
			a1.attr.port.lid, a2.attr.port.lid, b2.attr.port.lid);
		goto out;
	}
	if (t_qp_ready(a1.qp, QKEY, 0) < 0 || t_qp_ready(a2.qp, QKEY, 0) < 0 ||
	    t_qp_ready(b2.qp, QKEY, 0) < 0 ||
	    t_unicast_one(&a1, &a2, 500, false, 1) < 0 ||
	    t_unicast_one(&a2, &b2, 700, false, 2) < 0 ||
	    t_unicast_one(&b2, &a1, 200, true, 3) < 0)
		goto out;
	printf("ports2: LIDs %u/%u and %u, all pairs delivered\n",
	       a1.attr.port.lid, a2.attr.port.lid, b2.attr.port.lid);
	ret = 0;
out:
	t_host_close(&a1);
	t_host_close(&a2);
	t_host_close(&b2);
	return ret;
}

/** Print host1's and host2's LIDs (for test_lid_change.sh). */
static int
test_lids(void)
{
	struct t_host a, b;
	int ret = -1;

	if (t_host_open(&a, "host1") == 0 && t_host_open(&b, "host2") == 0) {
		printf("%u,%u\n", a.attr.port.lid, b.attr.port.lid);
		ret = 0;
	}
	t_host_close(&a);
	t_host_close(&b);
	return ret;
}

/**
 * After the SM restarted with LMC 1: wait (30 s at most) until both
 * hosts report LMC 1 with even LIDs, at least one of them new, then send
 * to both LIDs of each range.
 *
 * @param before  "lid1,lid2" as test_lids() printed them
 */
static int
test_lmc(const char *before)
{
	unsigned int old1 = 0, old2 = 0, i, k;
	struct t_host a, b;
	struct mlx5_wqe_av av;
	int ret = -1;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (before == NULL || sscanf(before, "%u,%u", &old1, &old2) != 2)
		T_FAIL("bad LIDs argument");
	for (i = 0; i < 300; i++) {
		if (t_host_open(&a, "host1") < 0 || t_host_open(&b, "host2") < 0)
			goto out;
		if (a.attr.port.lmc == 1 && b.attr.port.lmc == 1 &&
		    a.attr.port.lid != 0 && b.attr.port.lid != 0 &&
		    a.attr.port.state == HCA_PORT_ACTIVE &&
		    b.attr.port.state == HCA_PORT_ACTIVE)
			break;
		t_host_close(&a);
		t_host_close(&b);
		usleep(100000);
	}
	if (i == 300 || (a.attr.port.lid & 1) || (b.attr.port.lid & 1) ||
	    (a.attr.port.lid == old1 && b.attr.port.lid == old2)) {
		fprintf(stderr, "FAIL: LIDs %u,%u LMC %u,%u (before %u,%u)\n",
			a.attr.port.lid, b.attr.port.lid, a.attr.port.lmc,
			b.attr.port.lmc, old1, old2);
		goto out;
	}
	if (t_qp_ready(a.qp, QKEY, 0) < 0 || t_qp_ready(b.qp, QKEY, 0) < 0)
		goto out;
	for (k = 0; k < 2; k++) {
		struct mlx5_cqe64 c;
		uint8_t *dst = t_recv_post(&b, b.qp);

		/* DLID base + k: the second LID of the range reaches it too */
		hca_av_fill(&av, b.qp->qpn, QKEY, b.attr.port.lid + k, 0, 0,
			    NULL, 0, 0, 0);
		memcpy(t_send_area(&a), "lmc", 3);
		t_send(&a, a.qp, &av, t_send_area(&a), 3, false, false);
		if (t_poll(b.rcq, WAIT_MS, &c) != 0 ||
		    memcmp(dst + HCA_GRH_LEN, "lmc", 3) != 0 ||
		    t_check_rx(&c, 3, a.qp->qpn, a.attr.port.lid, false) < 0) {
			fprintf(stderr, "FAIL: DLID %u\n", b.attr.port.lid + k);
			goto out;
		}
	}
	if (t_unicast_one(&b, &a, 100, false, 4) < 0)
		goto out;
	printf("lmc: LIDs %u,%u -> %u,%u with LMC 1, both LIDs routed\n",
	       old1, old2, a.attr.port.lid, b.attr.port.lid);
	ret = 0;
out:
	t_host_close(&a);
	t_host_close(&b);
	return ret;
}

/**
 * Port events through the device API, while the SM renumbers the ports
 * (test_lid_change.sh starts this before it restarts opensm): wait (30 s
 * at most) on host2's event fd for a LID change and check the decoded
 * entry: type PORT_CHANGE (0x09), subtype LID change (0x06), the port's
 * own number; the port's LID is then another one.
 */
static int
test_events(void)
{
	struct hca_dev_attr now;
	struct hca_event ev;
	struct t_host b;
	time_t deadline;
	bool lid_event = false;
	int fd, ret = -1;

	memset(&b, 0, sizeof(b));
	if (t_host_open(&b, "host2") < 0)
		goto out;
	fd = hca_dev_event_fd(b.dev);
	if (fd < 0) {
		fprintf(stderr, "FAIL: no event channel (%d)\n", fd);
		goto out;
	}
	printf("events: ready, LID %u\n", b.attr.port.lid);
	fflush(stdout);
	deadline = time(NULL) + 30;
	while (!lid_event && time(NULL) < deadline) {
		struct pollfd pfd = { fd, POLLIN, 0 };

		if (poll(&pfd, 1, 1000) != 1)
			continue;
		while (hca_dev_event_poll(b.dev, &ev) == 1) {
			printf("events: event %d, entry type 0x%02x subtype "
			       "0x%02x, port %u\n", ev.type, ev.eqe_type,
			       ev.eqe_sub_type, ev.port_num);
			if (ev.type != HCA_EVENT_LID_CHANGE)
				continue;
			if (ev.eqe_type != 0x09 || ev.eqe_sub_type != 0x06 ||
			    ev.port_num != b.attr.port.port_num) {
				fprintf(stderr, "FAIL: LID change entry "
					"misdecoded\n");
				goto out;
			}
			lid_event = true;
		}
	}
	if (!lid_event) {
		fprintf(stderr, "FAIL: no LID change event within 30 s\n");
		goto out;
	}
	if (hca_dev_query(b.dev, &now) < 0 ||
	    now.port.lid == b.attr.port.lid) {
		fprintf(stderr, "FAIL: LID %u after the event (was %u)\n",
			now.port.lid, b.attr.port.lid);
		goto out;
	}
	printf("events: LID change event, LID %u -> %u\n", b.attr.port.lid,
	       now.port.lid);
	ret = 0;
out:
	t_host_close(&b);
	return ret;
}

/** Re-run this program as host1 of the fixture's fabric when needed. */
static void
enter_fabric(char **argv)
{
	const char *dir = getenv("IPOIB_FABRIC_DIR");
	const char *tool = getenv("IPOIB_FABRIC_TOOL");
	char *args[64];
	int i, n = 0;

	if (getenv("HCASIM_SOCKET") != NULL || getenv("SIM_HOST") != NULL ||
	    dir == NULL || tool == NULL)
		return;
	static char self[4096];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (len <= 0)
		return;
	self[len] = '\0';
	/* umad2sim leaves a sys-PID directory in the cwd: use the fabric's */
	if (chdir(dir) != 0)
		return;
	args[n++] = (char *)tool;
	args[n++] = (char *)"run";
	args[n++] = (char *)"--dir";
	args[n++] = (char *)dir;
	args[n++] = (char *)"host1";
	args[n++] = (char *)"--";
	args[n++] = self;
	for (i = 1; argv[i] != NULL && n < 63; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	execvp(tool, args);
	perror("exec ipoib-fabric");
	exit(1);
}

/** Entry point: run the named test. */
int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} tests[] = {
		{ "unicast", test_unicast }, { "mcast", test_mcast },
		{ "qkey", test_qkey }, { "pkey", test_pkey },
		{ "badwqe", test_badwqe }, { "kill", test_kill },
		{ "rss", test_rss }, { "capture", test_capture },
		{ "ports2", test_ports2 }, { "lids", test_lids },
		{ "faults", test_faults }, { "truncate", test_truncate },
		{ "gone", test_gone }, { "flush", test_flush },
		{ "mgid", test_mgid }, { "events", test_events },
		{ "cqerr", test_cqerr },
		{ "gsi", test_gsi },
	};
	unsigned int i;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s TEST [ARG]\n", argv[0]);
		return 2;
	}
	enter_fabric(argv);
	if (getenv("HCASIM_SOCKET") == NULL) {
		fprintf(stderr, "FAIL: no fabric (HCASIM_SOCKET unset)\n");
		return 1;
	}
	if (strcmp(argv[1], "lmc") == 0)
		return test_lmc(argv[2]) == 0 ? 0 : 1;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (strcmp(argv[1], tests[i].name) == 0)
			return tests[i].fn() == 0 ? 0 : 1;
	fprintf(stderr, "unknown test %s\n", argv[1]);
	return 2;
}
