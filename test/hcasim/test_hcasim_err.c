/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Soft HCA tests of errors and lifetimes (run by test_hcasim): bad WQEs,
 * killed clients, injected wire faults, truncated client memory, a dead
 * daemon, flushes. Helpers shared with test_hcasim.c come first.
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

#include "hcasim_rawcmd.h"
#include "hca_cmd.h"
#include "hcasim_tests.h"

/** Check a receive CQE against what was sent. */
int
t_check_rx(const struct mlx5_cqe64 *c, uint32_t len, uint32_t src_qpn,
	 uint16_t slid, bool grh)
{
	struct hca_rx_cqe rx;

	T_CHECK(hca_cqe_opcode(c) == MLX5_CQE_RESP_SEND, "rx opcode %u",
		hca_cqe_opcode(c));
	hca_cqe_decode_rx(c, &rx);
	T_CHECK(rx.byte_cnt == len + HCA_GRH_LEN, "byte_cnt %u want %u",
		rx.byte_cnt, len + HCA_GRH_LEN);
	T_CHECK(rx.src_qpn == src_qpn, "src qpn %#x want %#x", rx.src_qpn,
		src_qpn);
	T_CHECK(rx.slid == slid, "slid %u want %u", rx.slid, slid);
	T_CHECK(rx.grh == grh, "grh %d want %d", rx.grh, grh);
	return 0;
}

/** Send one datagram h1 -> h2 and check everything about it. */
int
t_unicast_one(struct t_host *a, struct t_host *b, uint32_t len, bool inl,
	    uint32_t seed)
{
	struct mlx5_wqe_av av;
	struct mlx5_cqe64 c;
	uint8_t *src = t_send_area(a), *dst;
	uint16_t idx;
	uint32_t i;

	for (i = 0; i < len; i++)
		src[i] = (uint8_t)(seed * 131 + i * 7);
	dst = t_recv_post(b, b->qp);
	t_av(&av, b, b->qp, QKEY);
	idx = t_send(a, a->qp, &av, src, len, inl, true);
	T_CHECK(t_poll(a->scq, WAIT_MS, &c) == 0, "no send CQE (len %u)", len);
	T_CHECK(hca_cqe_opcode(&c) == MLX5_CQE_REQ, "send opcode %u",
		hca_cqe_opcode(&c));
	T_CHECK(be16toh(c.wqe_counter) == idx, "send wqe_counter");
	T_CHECK(t_poll(b->rcq, WAIT_MS, &c) == 0, "no receive CQE (len %u)",
		len);
	if (t_check_rx(&c, len, a->qp->wire_qpn, a->attr.port.lid, false) < 0)
		return -1;
	T_CHECK(memcmp(dst + HCA_GRH_LEN, src, len) == 0,
		"payload differs (len %u)", len);
	T_CHECK(dst[HCA_GRH_LEN + len] == 0xee, "wrote past the payload");
	return 0;
}

/** Post a send with a raw data segment and expect an error completion. */
static int
expect_send_error(struct t_host *a, struct t_host *b, uint64_t addr,
		  uint32_t len, uint32_t lkey, uint8_t syndrome)
{
	struct hca_sge sge = { addr, len, lkey };
	struct mlx5_wqe_av av;
	struct mlx5_cqe64 c;
	uint8_t *dst;
	uint16_t idx;
	struct hca_qp *qp;

	if (t_qp_create(a, &qp, a->rcq, NULL) < 0 ||
	    t_qp_ready(qp, QKEY, 0) < 0)
		return -1;
	dst = t_recv_post(b, b->qp);
	t_av(&av, b, b->qp, QKEY);
	idx = hca_sq_post_ud(qp, &av, &sge, 1, NULL, 0, false);
	hca_sq_doorbell(qp, idx);
	T_CHECK(t_poll(a->scq, WAIT_MS, &c) == 0, "no error CQE");
	T_CHECK(hca_cqe_opcode(&c) == MLX5_CQE_REQ_ERR, "opcode %u",
		hca_cqe_opcode(&c));
	T_CHECK(((struct mlx5_err_cqe *)&c)->syndrome == syndrome,
		"syndrome %#x want %#x", ((struct mlx5_err_cqe *)&c)->syndrome,
		syndrome);
	T_CHECK(be16toh(c.wqe_counter) == idx, "error wqe_counter");
	T_CHECK(t_poll(b->rcq, 200, &c) != 0, "receiver got a completion");
	for (len = 0; len < T_BUF; len++)
		T_CHECK(dst[len] == 0xee, "receiver memory written at %u", len);
	/* the QP is in error: a good send is flushed, not sent */
	idx = t_send(a, qp, &av, t_send_area(a), 8, false, true);
	T_CHECK(t_poll(a->scq, WAIT_MS, &c) == 0 &&
		hca_cqe_opcode(&c) == MLX5_CQE_REQ_ERR &&
		((struct mlx5_err_cqe *)&c)->syndrome ==
		MLX5_CQE_SYNDROME_WR_FLUSH_ERR &&
		be16toh(c.wqe_counter) == idx, "no flush completion");
	T_CHECK(t_poll(b->rcq, 100, &c) != 0, "QP in error delivered");
	/* the one posted buffer was not used: take it back with the next */
	b->next_buf--;
	return hca_qp_destroy(qp) == 0 ? 0 : -1;
}

/** Bad lkeys and addresses outside the region get error CQEs. */
int
test_badwqe(void)
{
	struct t_host a, b, c;
	uint64_t base;
	int ret = -1;

	memset(&c, 0, sizeof(c));
	if (t_host_open(&a, "host1") < 0 || t_host_open(&b, "host2") < 0 ||
	    t_qp_ready(b.qp, QKEY, 0) < 0)
		goto out;
	base = (uintptr_t)a.mem;
	if (expect_send_error(&a, &b, base, 64, a.mr->lkey + 1,
			      MLX5_CQE_SYNDROME_LOCAL_PROT_ERR) < 0 ||
	    expect_send_error(&a, &b, base + a.memlen - 10, 100, a.mr->lkey,
			      MLX5_CQE_SYNDROME_LOCAL_PROT_ERR) < 0 ||
	    expect_send_error(&a, &b, base - 4096, 64, a.mr->lkey,
			      MLX5_CQE_SYNDROME_LOCAL_PROT_ERR) < 0 ||
	    expect_send_error(&a, &b, base, 64, b.mr->lkey,
			      MLX5_CQE_SYNDROME_LOCAL_PROT_ERR) < 0)
		goto out;
	/* another client's lkey on the same host: still refused */
	if (t_host_open(&c, "host1") < 0 ||
	    expect_send_error(&a, &b, base, 64, c.mr->lkey,
			      MLX5_CQE_SYNDROME_LOCAL_PROT_ERR) < 0)
		goto out;
	if (t_counter("host1", "xmit_errors_prot") < 5) {
		fprintf(stderr, "FAIL: protection errors not counted\n");
		goto out;
	}
	printf("badwqe: 5 protection errors, nothing written\n");
	ret = 0;
out:
	t_host_close(&a);
	t_host_close(&b);
	t_host_close(&c);
	return ret;
}

/** Child of test_kill: flood host2's QP until killed. */
static void
flood(uint32_t dqpn, uint16_t dlid)
{
	struct t_host a;
	struct mlx5_wqe_av av;
	struct mlx5_cqe64 c;
	unsigned int n = 0;

	if (t_host_open(&a, "host1") < 0 || t_qp_ready(a.qp, QKEY, 0) < 0)
		_exit(1);
	hca_av_fill(&av, dqpn, QKEY, dlid, 0, 0, NULL, 0, 0, 0);
	for (;;) {
		t_send(&a, a.qp, &av, t_send_area(&a), 512, false,
		       (++n % 64) == 0);
		if (n % 64 == 0)
			t_poll(a.scq, 1000, &c);
	}
}

/** A client killed mid-traffic leaves the daemon serving the others. */
int
test_kill(void)
{
	struct t_host b, a2;
	struct mlx5_cqe64 c;
	unsigned int got = 0, i;
	pid_t pid;
	int st, ret = -1;

	memset(&a2, 0, sizeof(a2));
	if (t_host_open(&b, "host2") < 0 || t_qp_ready(b.qp, QKEY, 0) < 0)
		goto out;
	for (i = 0; i < T_NRECV; i++)
		t_recv_post(&b, b.qp);
	pid = fork();
	if (pid == 0)
		flood(b.qp->qpn, b.attr.port.lid);
	for (i = 0; i < 500 && got < 50; i++) {
		if (t_poll(b.rcq, 20, &c) == 0) {
			got++;
			t_recv_post(&b, b.qp);
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	if (got < 50) {
		fprintf(stderr, "FAIL: flood did not arrive (%u)\n", got);
		goto out;
	}
	/* the daemon still serves: a new client talks to the old one */
	if (!hca_dev_alive(b.dev) || t_host_open(&a2, "host1") < 0 ||
	    t_qp_ready(a2.qp, QKEY, 0) < 0) {
		fprintf(stderr, "FAIL: daemon gone after the kill\n");
		goto out;
	}
	while (t_poll(b.rcq, 100, &c) == 0)
		;
	/* start the receive queue afresh so the next buffer is the next */
	if (hca_qp_modify(b.qp, HCA_QPS_RESET, 0, 0) != 0 ||
	    t_qp_ready(b.qp, QKEY, 0) < 0)
		goto out;
	if (t_unicast_one(&a2, &b, 100, false, 9) < 0)
		goto out;
	printf("kill: %u datagrams before SIGKILL, daemon still serving\n",
	       got);
	ret = 0;
out:
	t_host_close(&a2);
	t_host_close(&b);
	return ret;
}

/**
 * With drops and corruption injected (--drop-rate/--corrupt-rate), what
 * arrives is intact and everything else is counted at the receiver.
 */
int
test_faults(void)
{
	const unsigned int n = 400;
	struct mlx5_wqe_av av;
	struct mlx5_cqe64 c;
	struct t_host a, b;
	long long drops, icrc, vcrc, d0, i0, v0;
	unsigned int i, got = 0;
	uint8_t *src, *dst = NULL;
	int ret = -1;

	if (t_host_open(&a, "host1") < 0 || t_host_open(&b, "host2") < 0 ||
	    t_qp_ready(a.qp, QKEY, 0) < 0 || t_qp_ready(b.qp, QKEY, 0) < 0)
		goto out;
	d0 = t_counter("host2", "rcv_discards_wire");
	i0 = t_counter("host2", "rcv_errors_icrc");
	v0 = t_counter("host2", "rcv_errors_vcrc");
	t_av(&av, &b, b.qp, QKEY);
	src = t_send_area(&a);
	for (i = 0; i < 1000; i++)
		src[i] = (uint8_t)(i * 13 + 1);
	for (i = 0; i < n; i++) {
		/* one receive posted at a time: a lost datagram leaves it */
		if (dst == NULL)
			dst = t_recv_post(&b, b.qp);
		t_send(&a, a.qp, &av, src, 1000, false, false);
		if (t_poll(b.rcq, 30, &c) != 0)
			continue;
		got++;
		if (hca_cqe_opcode(&c) != MLX5_CQE_RESP_SEND ||
		    memcmp(dst + HCA_GRH_LEN, src, 1000) != 0) {
			fprintf(stderr, "FAIL: damaged delivery %u\n", i);
			goto out;
		}
		dst = NULL;
	}
	drops = t_counter("host2", "rcv_discards_wire") - d0;
	icrc = t_counter("host2", "rcv_errors_icrc") - i0;
	vcrc = t_counter("host2", "rcv_errors_vcrc") - v0;
	printf("faults: %u delivered, %lld dropped, %lld bad ICRC, "
	       "%lld bad VCRC\n", got, drops, icrc, vcrc);
	if (got == 0 || drops <= 0 || icrc + vcrc <= 0 ||
	    got + drops + icrc + vcrc != n) {
		fprintf(stderr, "FAIL: counts do not add up to %u\n", n);
		goto out;
	}
	ret = 0;
out:
	t_host_close(&a);
	t_host_close(&b);
	return ret;
}

/** Register a fresh 1 MiB memfd on a host; return its fd and mapping. */
static int
extra_region(struct t_host *h, int *fd, uint8_t **mem, struct hca_mr **mr)
{
	*fd = memfd_create("t_extra", MFD_CLOEXEC);
	T_CHECK(*fd >= 0 && ftruncate(*fd, 1 << 20) == 0, "memfd");
	*mem = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	T_CHECK(*mem != MAP_FAILED, "mmap");
	memset(*mem, 0x5a, 1 << 20);
	T_CHECK(hca_mr_reg(h->pd, *mem, 1 << 20, *fd, 0, mr) == 0, "reg");
	return 0;
}

/**
 * A client truncates the file behind a registered region: the daemon
 * survives (SIGBUS contained), the region is poisoned and accesses
 * through it fail with protection errors, at the sender and the receiver.
 */
int
test_truncate(void)
{
	struct t_host a, b, a2;
	struct hca_mr *smr, *rmr;
	uint8_t *smem, *rmem;
	int sfd, rfd, ret = -1;
	struct hca_sge sge;
	struct mlx5_wqe_av av;
	struct mlx5_cqe64 c;
	uint16_t idx;

	memset(&a2, 0, sizeof(a2));
	if (t_host_open(&a, "host1") < 0 || t_host_open(&b, "host2") < 0 ||
	    t_qp_ready(a.qp, QKEY, 0) < 0 || t_qp_ready(b.qp, QKEY, 0) < 0 ||
	    extra_region(&a, &sfd, &smem, &smr) < 0 ||
	    extra_region(&b, &rfd, &rmem, &rmr) < 0)
		goto out;
	/* sender's memory vanishes */
	if (ftruncate(sfd, 0) != 0)
		goto out;
	t_recv_post(&b, b.qp);
	t_av(&av, &b, b.qp, QKEY);
	sge = (struct hca_sge){ (uintptr_t)smem + 4096, 64, smr->lkey };
	idx = hca_sq_post_ud(a.qp, &av, &sge, 1, NULL, 0, true);
	hca_sq_doorbell(a.qp, idx);
	if (t_poll(a.scq, WAIT_MS, &c) != 0 ||
	    hca_cqe_opcode(&c) != MLX5_CQE_REQ_ERR ||
	    ((struct mlx5_err_cqe *)&c)->syndrome !=
	    MLX5_CQE_SYNDROME_LOCAL_PROT_ERR) {
		fprintf(stderr, "FAIL: truncated send region not refused\n");
		goto out;
	}
	/* receiver's memory vanishes: its next receive fails */
	if (hca_qp_modify(b.qp, HCA_QPS_RESET, 0, 0) != 0 ||
	    t_qp_ready(b.qp, QKEY, 0) < 0 || ftruncate(rfd, 0) != 0)
		goto out;
	hca_rq_post(b.qp, (uintptr_t)rmem, 4096, rmr->lkey);
	hca_rq_doorbell(b.qp);
	if (hca_qp_modify(a.qp, HCA_QPS_RESET, 0, 0) != 0 ||
	    t_qp_ready(a.qp, QKEY, 0) < 0)
		goto out;
	t_send(&a, a.qp, &av, t_send_area(&a), 64, false, true);
	if (t_poll(b.rcq, WAIT_MS, &c) != 0 ||
	    hca_cqe_opcode(&c) != MLX5_CQE_RESP_ERR ||
	    ((struct mlx5_err_cqe *)&c)->syndrome !=
	    MLX5_CQE_SYNDROME_LOCAL_PROT_ERR) {
		fprintf(stderr, "FAIL: truncated receive region not refused\n");
		goto out;
	}
	/* and everybody else is still served */
	t_host_close(&b);
	if (t_host_open(&a2, "host1") < 0 || t_host_open(&b, "host2") < 0 ||
	    t_qp_ready(a2.qp, QKEY, 0) < 0 || t_qp_ready(b.qp, QKEY, 0) < 0 ||
	    t_unicast_one(&a2, &b, 1000, false, 5) < 0)
		goto out;
	printf("truncate: both sides refused, daemon still serving\n");
	ret = 0;
out:
	t_host_close(&a);
	t_host_close(&b);
	t_host_close(&a2);
	return ret;
}

/**
 * The daemon dies (SIGKILL): hca_dev_alive() says so, calls fail with an
 * error instead of hanging, and closing still works.
 */
int
test_gone(void)
{
	const char *dir = getenv("IPOIB_FABRIC_DIR");
	struct t_host a;
	char path[4096];
	FILE *f;
	int pid = 0, i, ret = -1;

	if (dir == NULL || t_host_open(&a, "host1") < 0 ||
	    t_qp_ready(a.qp, QKEY, 0) < 0)
		goto out;
	if (!hca_dev_alive(a.dev)) {
		fprintf(stderr, "FAIL: not alive while running\n");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/hcasim.pid", dir);
	f = fopen(path, "r");
	if (f == NULL || fscanf(f, "%d", &pid) != 1 || pid <= 1) {
		fprintf(stderr, "FAIL: no daemon pid in %s\n", path);
		if (f != NULL)
			fclose(f);
		goto out;
	}
	fclose(f);
	kill(pid, SIGKILL);
	for (i = 0; i < 100 && hca_dev_alive(a.dev); i++)
		usleep(20000);
	if (hca_dev_alive(a.dev)) {
		fprintf(stderr, "FAIL: still alive after the daemon died\n");
		goto out;
	}
	if (hca_qp_modify(a.qp, HCA_QPS_RESET, 0, 0) == 0) {
		fprintf(stderr, "FAIL: a call succeeded without a daemon\n");
		goto out;
	}
	printf("gone: dead daemon noticed, calls fail cleanly\n");
	ret = 0;
out:
	t_host_close(&a);
	return ret;
}

/**
 * Moving a QP to ERR flushes its posted receives (WR_FLUSH_ERR, in
 * order); RESET then RTS makes it usable again.
 */
int
test_flush(void)
{
	struct mlx5_cqe64 c;
	struct t_host a, b;
	unsigned int i;
	int ret = -1;

	if (t_host_open(&a, "host1") < 0 || t_host_open(&b, "host2") < 0 ||
	    t_qp_ready(a.qp, QKEY, 0) < 0 || t_qp_ready(b.qp, QKEY, 0) < 0)
		goto out;
	for (i = 0; i < 5; i++)
		t_recv_post(&b, b.qp);
	if (hca_qp_modify(b.qp, HCA_QPS_ERR, 0, 0) != 0)
		goto out;
	for (i = 0; i < 5; i++) {
		if (t_poll(b.rcq, WAIT_MS, &c) != 0 ||
		    hca_cqe_opcode(&c) != MLX5_CQE_RESP_ERR ||
		    ((struct mlx5_err_cqe *)&c)->syndrome !=
		    MLX5_CQE_SYNDROME_WR_FLUSH_ERR ||
		    be16toh(c.wqe_counter) != i) {
			fprintf(stderr, "FAIL: flush completion %u\n", i);
			goto out;
		}
	}
	if (t_poll(b.rcq, 100, &c) == 0) {
		fprintf(stderr, "FAIL: more flush completions than WQEs\n");
		goto out;
	}
	if (hca_qp_modify(b.qp, HCA_QPS_RESET, 0, 0) != 0 ||
	    t_qp_ready(b.qp, QKEY, 0) < 0 ||
	    t_unicast_one(&a, &b, 300, false, 1) < 0)
		goto out;
	printf("flush: 5 receives flushed in order, QP reusable\n");
	ret = 0;
out:
	t_host_close(&a);
	t_host_close(&b);
	return ret;
}

/**
 * Send one datagram from a's QP to the multicast address (rec's MLID,
 * dgid) and wait for its send completion.
 *
 * @return 0, or -1 when the send did not complete
 */
static int
mcast_send(struct t_host *a, const struct hca_mcmember_rec *rec,
	   const union hca_gid *dgid)
{
	struct mlx5_wqe_av av;
	struct mlx5_cqe64 c;
	uint8_t *data = t_send_area(a);

	memcpy(data, "\x08\x00\x00\x00by DGID", 11);
	hca_av_fill(&av, 0xffffff, rec->qkey, rec->mlid, rec->sl, 0, dgid,
		    rec->hop_limit, rec->tclass, rec->flow_label);
	t_send(a, a->qp, &av, data, 11, false, true);
	return t_poll(a->scq, WAIT_MS, &c) == 0 &&
	       hca_cqe_opcode(&c) == MLX5_CQE_REQ ? 0 : -1;
}

/**
 * Multicast is matched by the GRH's DGID, as on a ConnectX, not by the
 * MLID: with the broadcast group joined through the SA, a QP of host2
 * attached to another MGID (one no SA knows) receives nothing sent to
 * the broadcast group's MLID and MGID, while host1's QP attached to the
 * broadcast MGID (the sender's own, which gets its copy) does; a datagram
 * to the same MLID with the other MGID as DGID reaches the other MGID's
 * QP only. Attachments name no MLID: the library's MLID argument (a
 * wrong one here) changes nothing.
 */
int
test_mgid(void)
{
	union hca_gid mgid = { .raw = { 0xff, 0x12, 0x40, 0x1b, 0xff, 0xff,
		0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff } };
	union hca_gid other = { .raw = { 0xff, 0x12, 0x40, 0x1b, 0xff, 0xff,
		0, 0, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef } };
	struct hca_mcmember_rec rec;
	struct mlx5_cqe64 c;
	struct t_host a, b;
	struct hca_sa *sa;
	int err = 0, ret = -1, in_a, in_b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.memfd = b.memfd = -1;
	sa = hca_sa_open(NULL, 0, NULL, &err);
	T_CHECK(sa != NULL, "hca_sa_open: %d", err);
	err = hca_sa_join_mcast(sa, &mgid, HCA_JOIN_FULL, NULL, &rec);
	hca_sa_close(sa);
	T_CHECK(err == 0 && rec.mlid >= 0xc000, "broadcast join: %d", err);
	if (t_host_open(&a, "host1") < 0 || t_host_open(&b, "host2") < 0 ||
	    t_qp_ready(a.qp, rec.qkey, 0) < 0 ||
	    t_qp_ready(b.qp, rec.qkey, 0) < 0)
		goto out;
	err = hca_qp_attach_mcast(a.qp, &mgid, (uint16_t)(rec.mlid + 1));
	if (err == 0)
		err = hca_qp_attach_mcast(b.qp, &other, rec.mlid);
	if (err != 0) {
		fprintf(stderr, "FAIL: attach by MGID (any MLID): %d\n", err);
		goto out;
	}
	t_recv_post(&a, a.qp);
	t_recv_post(&b, b.qp);
	if (mcast_send(&a, &rec, &mgid) < 0)
		goto out;
	in_a = t_poll(a.rcq, WAIT_MS, &c) == 0;
	in_b = t_poll(b.rcq, 300, &c) == 0;
	if (!in_a || in_b) {
		fprintf(stderr, "FAIL: broadcast MGID at its MLID: host1 "
			"%d (want 1), host2's other MGID %d (want 0)\n", in_a,
			in_b);
		goto out;
	}
	/* same MLID, the other MGID: host2's QP only */
	t_recv_post(&a, a.qp);
	if (mcast_send(&a, &rec, &other) < 0)
		goto out;
	in_b = t_poll(b.rcq, WAIT_MS, &c) == 0;
	in_a = t_poll(a.rcq, 300, &c) == 0;
	if (!in_b || in_a) {
		fprintf(stderr, "FAIL: other MGID at the broadcast MLID: "
			"host2 %d (want 1), host1 %d (want 0)\n", in_b, in_a);
		goto out;
	}
	printf("mgid: delivery by DGID: the broadcast MGID reached its "
	       "member only, another MGID at the same MLID only its own; "
	       "attach names no MLID\n");
	ret = 0;
out:
	t_host_close(&a);
	t_host_close(&b);
	return ret;
}

/**
 * Wait (5 s at most) for an event of a type about obj_num on a device.
 *
 * @return 1 seen, 0 not
 */
static int
event_seen(struct hca_dev *dev, enum hca_event_type type, uint32_t obj_num)
{
	int fd = hca_dev_event_fd(dev), i;
	struct hca_event ev;

	for (i = 0; fd >= 0 && i < 50; i++) {
		struct pollfd pfd = { fd, POLLIN, 0 };

		poll(&pfd, 1, 100);
		while (hca_dev_event_poll(dev, &ev) == 1) {
			printf("cqerr: event %d about 0x%x\n", ev.type,
			       ev.obj_num);
			if (ev.type == type && ev.obj_num == obj_num)
				return 1;
		}
	}
	return 0;
}

/**
 * A CQ overrun raises the CQ error event, as on a ConnectX: a QP whose
 * 2-entry send CQ holds two unread completions has its next send fail
 * (a fault injected by QP_FAULT, as a bad lkey): the error completion
 * finds the CQ full, so the owner gets the CQ error event (its CQN) and
 * the local WQ access error event (the QPN), and the port counts the
 * overrun.
 */
int
test_cqerr(void)
{
	struct hca_qp_init_attr qa;
	struct hcasim_qp_fault_req fr;
	struct mlx5_wqe_av av;
	struct hca_cq *small = NULL;
	struct hca_qp *q = NULL;
	struct t_host a, b;
	long long over0;
	int s = -1, ret = -1, i;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.memfd = b.memfd = -1;
	if (t_host_open(&a, "host1") < 0 || t_host_open(&b, "host2") < 0 ||
	    t_qp_ready(b.qp, QKEY, 0) < 0 ||
	    hca_cq_create(a.dev, 2, &small) != 0 || small->cqe_cnt != 2)
		goto out;
	memset(&qa, 0, sizeof(qa));
	qa.send_cq = small;
	qa.recv_cq = a.rcq;
	qa.sq_wqe_cnt = 64;
	qa.rq_wqe_cnt = 64;
	qa.max_inline = 256;
	if (hca_qp_create_ud(a.pd, &qa, &q) != 0 ||
	    t_qp_ready(q, QKEY, 0) < 0)
		goto out;
	t_av(&av, &b, b.qp, QKEY);
	for (i = 0; i < 2; i++) {
		t_recv_post(&b, b.qp);
		t_send(&a, q, &av, t_send_area(&a), 64, false, true);
	}
	usleep(200000); /* both completions written, none read */
	over0 = t_counter("host1", "cq_overruns");
	s = rawcmd_session(NULL, "host1", NULL, NULL);
	memset(&fr, 0, sizeof(fr));
	fr.qpn = q->qpn;
	fr.kind = HCASIM_QP_FAULT_NEXT_SEND;
	if (s < 0 || raw_call(s, HCASIM_MSG_QP_FAULT, &fr, sizeof(fr), -1,
			      NULL, 0) != 0) {
		fprintf(stderr, "FAIL: QP_FAULT\n");
		goto out;
	}
	t_send(&a, q, &av, t_send_area(&a), 64, false, true);
	if (!event_seen(a.dev, HCA_EVENT_CQ_ERR, small->cqn)) {
		fprintf(stderr, "FAIL: no CQ error event for CQ 0x%x\n",
			small->cqn);
		goto out;
	}
	if (!event_seen(a.dev, HCA_EVENT_QP_ACCESS_ERR, q->qpn)) {
		fprintf(stderr, "FAIL: no WQ access error event for QP 0x%x\n",
			q->qpn);
		goto out;
	}
	if (over0 < 0 || t_counter("host1", "cq_overruns") != over0 + 1) {
		fprintf(stderr, "FAIL: cq_overruns %lld -> %lld\n", over0,
			t_counter("host1", "cq_overruns"));
		goto out;
	}
	printf("cqerr: CQ 0x%x overran: CQ error and WQ access error "
	       "events, 1 overrun counted\n", small->cqn);
	ret = 0;
out:
	if (s >= 0)
		close(s);
	t_host_close(&a);
	t_host_close(&b);
	return ret;
}
