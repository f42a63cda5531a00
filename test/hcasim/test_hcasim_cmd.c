/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA executes ConnectX firmware commands (HCASIM_MSG_CMD) as a
 * ConnectX would: a raw client builds every input mailbox with the HCA
 * layer's command encoders (drivers/common/hca/cmd) and reads every
 * output with its decoders.
 *  (a) the happy path: capabilities, vport context, GID, P_Key, PMTU, PD,
 *      UMEM, mkey, two CQs and two UD QPs with their rings in the UMEM,
 *      RST2INIT/INIT2RTR/RTR2RTS, QUERY_QP, a UD send from one QP to the
 *      other through the UMEM rings, attach/detach to the broadcast
 *      group, then everything destroyed;
 *  (b) each refusal with its exact PRM status, the objects unchanged;
 *  (d) the event queue: CREATE_EQ refused with its PRM status for a bad
 *      size, a foreign UMEM, too few or scattered pages, a ring past its
 *      UMEM, an unsealed UMEM and a second EQ; made over a UMEM, a fault
 *      injected into a QP writes its WQ catastrophic error entry into
 *      the ring with the owner bit of the first lap, the consumer
 *      counter after the ring; DESTROY_EQ lets go of the UMEM;
 *  (c) the --cmd-log file (HCASIM_CMD_LOG): one well-formed line per
 *      command sent, with its opcode and its output.
 * HCASIM_CMD_PLANT=1 plants a wrong expectation (the test must fail).
 * Run under test/with-fabric (re-executes itself as host1).
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "hcasim_tlib.h"
#include "hcasim_rawcmd.h"
#include "hca_cmd.h"
#include "hca_sa.h"

/** Commands sent, for the log check. */
#define MAX_SENT 1024
static uint16_t sent_op[MAX_SENT];
static uint8_t sent_status[MAX_SENT];
static unsigned int nsent;

/** PDs of a client, and its default CQ limit (doc/hcasim.md, Limits). */
#define CLIENT_PDS 64
#define CLIENT_CQS 256

/** The client's port (PORT_OPEN reply). */
static struct hcasim_port_attr port;

/** UMEM layout of the happy path (offsets in one 1 MiB memfd). */
#define U_LEN (1u << 20)
#define U_CQ0 0x00000       /* 256 CQEs */
#define U_CQ1 0x04000
#define U_QP0 0x10000       /* 256 receive WQEs, then 256 send blocks */
#define U_QP1 0x20000
#define U_DBR 0x30000       /* doorbell records, 64 bytes apart */
#define U_BUF 0x40000       /* data: the mkey covers from here */
#define U_BUF_LEN (U_LEN - U_BUF)

/** HELLO as host1 then PORT_OPEN; returns the socket or -1. */
static int
session(void)
{
	return rawcmd_session(NULL, "host1", &port, NULL);
}

/** Record a command executed, for the log check. */
static void
note_sent(const void *in, size_t in_len, const void *out, size_t out_len)
{
	if (nsent < MAX_SENT && in_len >= 2) {
		sent_op[nsent] = hca_prm_get(in, HCA_IN_OPCODE);
		sent_status[nsent++] = out_len >= 1 ?
			hca_prm_get(out, HCA_OUT_STATUS) : 0xff;
	}
}

/** Run a command that must end with a given PRM status. */
#define RUN(...) rawcmd_run(__VA_ARGS__)
/** Run a command that must succeed. */
#define OK(s, in, len, out, what) RUN(s, in, len, out, HCA_STATUS_OK, what)

/** What the happy path built. */
struct objs {
	int fd;
	uint8_t *mem;
	uint32_t umem;
	uint32_t pdn;
	uint32_t mkey;      /**< the key: index << 8 | 0x5a */
	uint32_t mkey_index;
	uint32_t cqn[2];
	uint32_t qpn[2];
	struct hca_cq cq[2];
	struct hca_qp qp[2];
};

/** CREATE_CQ i of the happy path, its ring initialised in the UMEM. */
static int
make_cq(int s, struct objs *o, int i, uint8_t *out)
{
	uint8_t in[512];
	struct hca_cmd_cq cq = {
		.log_cq_size = 8, .cq_umem_id = o->umem,
		.cq_umem_offset = i ? U_CQ1 : U_CQ0, .dbr_umem_id = o->umem,
		.dbr_addr = U_DBR + 64 * i,
	};
	unsigned int k;

	o->cq[i].cqes = (struct mlx5_cqe64 *)(o->mem + cq.cq_umem_offset);
	o->cq[i].cqe_cnt = 256;
	o->cq[i].dbrec = (volatile uint32_t *)(o->mem + cq.dbr_addr);
	for (k = 0; k < 256; k++)
		o->cq[i].cqes[k].op_own = MLX5_CQE_INVALID << 4;
	if (OK(s, in, hca_cmd_create_cq_in(in, sizeof(in), &cq), out,
	       "CREATE_CQ") < 0)
		return -1;
	T_CHECK(hca_cmd_create_cq_out(out, HCA_CMD_SHORT_LEN, &o->cqn[i]) ==
		0 && o->cqn[i] != 0, "CREATE_CQ output");
	o->cq[i].cqn = o->cqn[i];
	return 0;
}

/** CREATE_QP i (UD) of the happy path, sending and receiving on CQ i. */
static int
make_qp(int s, struct objs *o, int i, uint8_t *out)
{
	uint8_t in[512];
	struct hca_cmd_qp qp = {
		.st = HCA_QP_ST_UD, .pm_state = HCA_QP_PM_MIGRATED,
		.pdn = o->pdn, .cqn_snd = o->cqn[i], .cqn_rcv = o->cqn[i],
		.log_sq_size = 8, .log_rq_size = 8, .wq_umem_id = o->umem,
		.wq_umem_offset = i ? U_QP1 : U_QP0, .dbr_umem_id = o->umem,
		.dbr_addr = U_DBR + 128 + 64 * i,
	};
	struct hca_qp *q = &o->qp[i];

	if (OK(s, in, hca_cmd_create_qp_in(in, sizeof(in), &qp), out,
	       "CREATE_QP") < 0)
		return -1;
	T_CHECK(hca_cmd_create_qp_out(out, HCA_CMD_SHORT_LEN, &o->qpn[i]) ==
		0, "CREATE_QP output");
	memset(q, 0, sizeof(*q));
	q->qpn = q->wire_qpn = o->qpn[i];
	q->rq_buf = (struct mlx5_wqe_data_seg *)(o->mem + qp.wq_umem_offset);
	q->rq_wqe_cnt = 256;
	q->sq_buf = o->mem + qp.wq_umem_offset + 256 * 16;
	q->sq_wqe_cnt = 256;
	q->dbrec = (volatile uint32_t *)(o->mem + qp.dbr_addr);
	q->max_inline = port.max_inline;
	q->send_cq = q->recv_cq = &o->cq[i];
	return 0;
}

/** QUERY_QP into qs. */
static int
query_qp(int s, uint32_t qpn, struct hca_cmd_qp_state *qs)
{
	uint8_t in[64], out[HCASIM_BODY_MAX];
	int n = OK(s, in, hca_cmd_query_qp_in(in, sizeof(in), 0, qpn), out,
		   "QUERY_QP");

	T_CHECK(n >= 0 && hca_cmd_query_qp_out(out, (size_t)n, qs) == 0,
		"QUERY_QP output");
	return 0;
}

/** RST2INIT (Q_Key, P_Key index 0, the port), INIT2RTR, RTR2RTS. */
static int
qp_to_rts(int s, uint32_t qpn, uint32_t qkey, uint8_t *out)
{
	struct hca_cmd_qp_modify m = { .qpn = qpn, .q_key = qkey,
		.pkey_index = 0, .port_num = (uint8_t)port.port_num,
		.sq_psn = 0x123 };
	uint8_t in[512];

	if (OK(s, in, hca_cmd_rst2init_qp_in(in, sizeof(in), &m), out,
	       "RST2INIT_QP") < 0 ||
	    OK(s, in, hca_cmd_init2rtr_qp_in(in, sizeof(in), &m), out,
	       "INIT2RTR_QP") < 0 ||
	    OK(s, in, hca_cmd_rtr2rts_qp_in(in, sizeof(in), &m), out,
	       "RTR2RTS_QP") < 0)
		return -1;
	return 0;
}

/** Queries of the device and port, checked against PORT_OPEN's reply. */
static int
check_queries(int s)
{
	struct hca_cmd_query_cap q = { .cap_type = HCA_CAP_TYPE_GENERAL,
				       .current = true };
	struct hca_cmd_vport_query vq = { .port_num = (uint8_t)port.port_num };
	uint8_t in[64], out[HCASIM_BODY_MAX], gids[8][16];
	struct hca_cmd_hca_cap cap;
	struct hca_cmd_vport_ctx vc;
	struct hca_cmd_port_mtu mtu;
	uint16_t pkeys[128];
	unsigned int i;
	int n;

	n = OK(s, in, hca_cmd_query_hca_cap_in(in, sizeof(in), &q), out,
	       "QUERY_HCA_CAP");
	T_CHECK(n >= 0 && hca_cmd_query_hca_cap_out(out, (size_t)n, &cap) == 0,
		"QUERY_HCA_CAP output");
	T_CHECK(cap.port_type == HCA_CAP_PORT_TYPE_IB && cap.ud &&
		cap.num_ports == 1, "caps: IB, UD, one port");
	T_CHECK(cap.log_max_eq == 0 && cap.log_max_eq_sz == 12,
		"caps: one EQ of 4096 entries at most (log_max_eq %u, "
		"log_max_eq_sz %u)", cap.log_max_eq, cap.log_max_eq_sz);
	T_CHECK((1u << cap.log_max_qp_sz) == port.max_qp_wr &&
		(1u << cap.log_max_cq_sz) == port.max_cqe &&
		(1u << cap.log_max_qp) <= port.max_qp &&
		cap.max_inline_ud == port.max_inline &&
		cap.pkey_table_len >= port.pkey_count,
		"caps disagree with PORT_OPEN (qp_sz %u cq_sz %u inline %u)",
		cap.log_max_qp_sz, cap.log_max_cq_sz, cap.max_inline_ud);
	T_CHECK(cap.ipoib_enhanced_offloads &&
		hca_cmd_hca_cap_rss_queues(&cap) == port.max_rss_children,
		"caps: RSS on UD for %u children, PORT_OPEN says %u",
		hca_cmd_hca_cap_rss_queues(&cap), port.max_rss_children);
	n = OK(s, in, hca_cmd_query_vport_ctx_in(in, sizeof(in), &vq), out,
	       "QUERY_HCA_VPORT_CONTEXT");
	T_CHECK(n >= 0 && hca_cmd_query_vport_ctx_out(out, (size_t)n, &vc) ==
		0, "vport context output");
	T_CHECK(vc.lid == port.lid && vc.port_guid == port.port_guid &&
		vc.node_guid == port.node_guid && vc.sm_lid == port.sm_lid &&
		vc.sm_sl == port.sm_sl && vc.lmc == port.lmc &&
		vc.port_state == port.state && vc.has_smi,
		"vport context: LID %#x (port %#x) state %u", vc.lid, port.lid,
		vc.port_state);
	vq.index = 0;
	n = OK(s, in, hca_cmd_query_vport_gid_in(in, sizeof(in), &vq), out,
	       "QUERY_HCA_VPORT_GID");
	T_CHECK(n >= 0 && hca_cmd_query_vport_gid_out(out, (size_t)n, gids, 8)
		== 1 && memcmp(gids[0], port.gid, 16) == 0, "GID 0");
	n = OK(s, in, hca_cmd_query_vport_pkey_in(in, sizeof(in), &vq), out,
	       "QUERY_HCA_VPORT_PKEY");
	T_CHECK(n >= 0 && hca_cmd_query_vport_pkey_out(out, (size_t)n, pkeys,
		1) == 1 && pkeys[0] == port.pkeys[0], "P_Key 0");
	vq.index = HCA_VPORT_INDEX_ALL;
	n = OK(s, in, hca_cmd_query_vport_pkey_in(in, sizeof(in), &vq), out,
	       "QUERY_HCA_VPORT_PKEY all");
	T_CHECK(n >= 0 && hca_cmd_query_vport_pkey_out(out, (size_t)n, pkeys,
		128) == 128, "P_Key table");
	for (i = 0; i < port.pkey_count && i < 128; i++)
		T_CHECK(pkeys[i] == port.pkeys[i], "P_Key %u", i);
	n = OK(s, in, hca_cmd_query_pmtu_in(in, sizeof(in), 0,
					    (uint8_t)port.port_num), out,
	       "ACCESS_REG PMTU");
	T_CHECK(n >= 0 && hca_cmd_query_pmtu_out(out, (size_t)n, &mtu) == 0 &&
		mtu.oper_mtu == port.active_mtu && mtu.max_mtu == 5, "PMTU");
	return 0;
}

/** A UD send from QP 0 to QP 1 through the UMEM rings and the mkey. */
static int
check_send(struct objs *o)
{
	uint8_t *rbuf = o->mem + U_BUF, *sbuf = o->mem + U_BUF + 8192;
	struct mlx5_wqe_av av;
	struct mlx5_cqe64 c;
	struct hca_sge sge = { (uintptr_t)sbuf, 64, o->mkey };
	uint16_t idx;

	memset(rbuf, 0xee, 8192);
	memcpy(sbuf, "\x08\x00\x00\x00 through the umem rings", 28);
	hca_rq_post(&o->qp[1], (uintptr_t)rbuf, 8192, o->mkey);
	hca_rq_doorbell(&o->qp[1]);
	hca_av_fill(&av, o->qpn[1], 0x1b, port.lid, 0, 0, NULL, 0, 0, 0);
	sge.len = 28;
	idx = hca_sq_post_ud(&o->qp[0], &av, &sge, 1, NULL, 28, true);
	hca_sq_doorbell(&o->qp[0], idx);
	T_CHECK(t_poll(&o->cq[0], 3000, &c) == 0, "no send completion");
	T_CHECK(hca_cqe_opcode(&c) == MLX5_CQE_REQ, "send CQE opcode %u",
		hca_cqe_opcode(&c));
	T_CHECK(t_poll(&o->cq[1], 3000, &c) == 0, "no receive completion");
	T_CHECK(hca_cqe_opcode(&c) == MLX5_CQE_RESP_SEND,
		"receive CQE opcode %u", hca_cqe_opcode(&c));
	T_CHECK(memcmp(rbuf + HCA_GRH_LEN, sbuf, 28) == 0,
		"payload not in the receive buffer");
	return 0;
}

/** The broadcast group: join it at the SA (opensm makes it). */
static const uint8_t bcast_mgid[16] = { 0xff, 0x12, 0x40, 0x1b, 0xff, 0xff,
	0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };

/** Join the broadcast group so that the SA knows it. */
static int
join_broadcast(void)
{
	union hca_gid mgid;
	struct hca_mcmember_rec rec;
	struct hca_sa *sa;
	int err = 0;

	memcpy(mgid.raw, bcast_mgid, 16);
	sa = hca_sa_open(NULL, 0, NULL, &err);
	T_CHECK(sa != NULL, "hca_sa_open: %d", err);
	err = hca_sa_join_mcast(sa, &mgid, HCA_JOIN_FULL, NULL, &rec);
	hca_sa_close(sa);
	T_CHECK(err == 0, "broadcast join: %d", err);
	return 0;
}

/** (a) the happy path, then (b) refusals on its objects. */
static int
check_happy_path(int s, struct objs *o)
{
	uint8_t in[512], out[HCASIM_BODY_MAX];
	struct hca_cmd_qp_state qs;
	struct hca_cmd_mkey mk;
	unsigned int i;

	if (check_queries(s) < 0)
		return -1;
	if (OK(s, in, hca_cmd_alloc_pd_in(in, sizeof(in), 0), out,
	       "ALLOC_PD") < 0)
		return -1;
	T_CHECK(hca_cmd_alloc_pd_out(out, 16, &o->pdn) == 0, "ALLOC_PD out");
	o->fd = rawcmd_mem_fd(U_LEN, true);
	T_CHECK(o->fd >= 0, "memfd");
	o->mem = mmap(NULL, U_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, o->fd,
		      0);
	T_CHECK(o->mem != MAP_FAILED, "mmap");
	o->umem = rawcmd_umem_reg(s, o->fd, U_LEN);
	T_CHECK(o->umem != 0, "UMEM_REG refused");
	memset(&mk, 0, sizeof(mk));
	mk.pdn = o->pdn;
	mk.start_addr = (uintptr_t)(o->mem + U_BUF);
	mk.len = U_BUF_LEN;
	mk.umem_id = o->umem;
	mk.umem_offset = U_BUF;
	mk.log_page_size = 12;
	mk.mkey_7_0 = 0x5a;
	mk.local_write = true;
	if (OK(s, in, hca_cmd_create_mkey_in(in, sizeof(in), &mk), out,
	       "CREATE_MKEY") < 0)
		return -1;
	T_CHECK(hca_cmd_create_mkey_out(out, 16, &o->mkey_index) == 0,
		"CREATE_MKEY out");
	o->mkey = o->mkey_index << 8 | 0x5a;
	for (i = 0; i < 2; i++)
		if (make_cq(s, o, (int)i, out) < 0 ||
		    make_qp(s, o, (int)i, out) < 0)
			return -1;
	if (query_qp(s, o->qpn[0], &qs) < 0)
		return -1;
	T_CHECK(qs.state == HCA_QP_STATE_RST && qs.st == HCA_QP_ST_UD &&
		qs.cqn_snd == o->cqn[0] && qs.cqn_rcv == o->cqn[0],
		"new QP: state %u st %u", qs.state, qs.st);
	for (i = 0; i < 2; i++)
		if (qp_to_rts(s, o->qpn[i], 0x1b, out) < 0)
			return -1;
	if (query_qp(s, o->qpn[0], &qs) < 0)
		return -1;
	T_CHECK(qs.state == HCA_QP_STATE_RTS && qs.q_key == 0x1b &&
		qs.pkey_index == 0 && qs.port_num == port.port_num,
		"QUERY_QP: state %u qkey %#x port %u", qs.state, qs.q_key,
		qs.port_num);
	if (check_send(o) < 0)
		return -1;
	if (join_broadcast() < 0 ||
	    OK(s, in, hca_cmd_attach_mcg_in(in, sizeof(in), 0, o->qpn[1],
					    bcast_mgid), out,
	       "ATTACH_TO_MCG") < 0 ||
	    RUN(s, in, hca_cmd_attach_mcg_in(in, sizeof(in), 0, o->qpn[1],
					     bcast_mgid), out,
		HCA_STATUS_BAD_PARAM, "ATTACH_TO_MCG twice") < 0 ||
	    OK(s, in, hca_cmd_detach_mcg_in(in, sizeof(in), 0, o->qpn[1],
					    bcast_mgid), out,
	       "DETACH_FROM_MCG") < 0 ||
	    RUN(s, in, hca_cmd_detach_mcg_in(in, sizeof(in), 0, o->qpn[1],
					     bcast_mgid), out,
		HCA_STATUS_BAD_PARAM, "DETACH_FROM_MCG twice") < 0)
		return -1;
	return 0;
}

/** (b) refusals that need objects of another client. */
static int
check_foreign(int s, struct objs *o)
{
	uint8_t in[512], out[HCASIM_BODY_MAX];
	struct hca_cmd_cq cq = { .log_cq_size = 4, .cq_umem_id = o->umem,
		.cq_umem_offset = 0x8000, .dbr_umem_id = o->umem,
		.dbr_addr = U_DBR + 512 };
	struct hca_cmd_qp qp = { .st = HCA_QP_ST_UD, .pdn = o->pdn,
		.cqn_snd = o->cqn[0], .cqn_rcv = o->cqn[0], .log_sq_size = 4,
		.log_rq_size = 4, .wq_umem_id = o->umem,
		.wq_umem_offset = 0x9000, .dbr_umem_id = o->umem,
		.dbr_addr = U_DBR + 576 };
	uint32_t their_pd = 0, their_cq = 0, their_umem;
	int t = session(), tfd = rawcmd_mem_fd(1 << 16, true), ret = -1;
	struct hca_cmd_cq tcq;

	T_CHECK(t >= 0 && tfd >= 0, "second client");
	/* the other client: PDs 1 and 2, a UMEM, CQs up to 3 */
	their_umem = rawcmd_umem_reg(t, tfd, 1 << 16);
	tcq = (struct hca_cmd_cq){ .log_cq_size = 2, .cq_umem_id = their_umem,
		.dbr_umem_id = their_umem, .dbr_addr = 0x8000 };
	if (their_umem == 0 ||
	    OK(t, in, hca_cmd_alloc_pd_in(in, sizeof(in), 0), out, "PD") < 0 ||
	    OK(t, in, hca_cmd_alloc_pd_in(in, sizeof(in), 0), out, "PD") < 0 ||
	    hca_cmd_alloc_pd_out(out, 16, &their_pd) != 0)
		goto out;
	for (int i = 0; i < 3; i++) {
		tcq.cq_umem_offset = 0x1000 * (uint64_t)i;
		tcq.dbr_addr = 0x8000 + 8 * (uint64_t)i;
		if (OK(t, in, hca_cmd_create_cq_in(in, sizeof(in), &tcq), out,
		       "their CQ") < 0 ||
		    hca_cmd_create_cq_out(out, 16, &their_cq) != 0)
			goto out;
	}
	if (their_pd <= o->pdn || their_cq <= o->cqn[1]) {
		fprintf(stderr, "FAIL: numbers PD %u CQ %u\n", their_pd,
			their_cq);
		goto out;
	}
	/* their PD, CQ and UMEM are not ours */
	qp.pdn = their_pd;
	if (RUN(s, in, hca_cmd_create_qp_in(in, sizeof(in), &qp), out,
		HCA_STATUS_BAD_RESOURCE, "CREATE_QP on their PD") < 0)
		goto out;
	qp.pdn = o->pdn;
	qp.cqn_rcv = their_cq;
	if (RUN(s, in, hca_cmd_create_qp_in(in, sizeof(in), &qp), out,
		HCA_STATUS_BAD_RESOURCE, "CREATE_QP on their CQ") < 0 ||
	    RUN(s, in, hca_cmd_destroy_cq_in(in, sizeof(in), 0, their_cq), out,
		HCA_STATUS_BAD_RESOURCE, "DESTROY_CQ of theirs") < 0 ||
	    RUN(s, in, hca_cmd_dealloc_pd_in(in, sizeof(in), 0, their_pd), out,
		HCA_STATUS_BAD_RESOURCE, "DEALLOC_PD of theirs") < 0)
		goto out;
	cq.cq_umem_id = their_umem;
	if (RUN(s, in, hca_cmd_create_cq_in(in, sizeof(in), &cq), out,
		HCA_STATUS_BAD_RESOURCE, "CREATE_CQ on their UMEM") < 0)
		goto out;
	/* theirs still stand: their CQ is destroyed by them */
	if (OK(t, in, hca_cmd_destroy_cq_in(in, sizeof(in), 0, their_cq), out,
	       "their DESTROY_CQ") < 0 ||
	    OK(t, in, hca_cmd_dealloc_pd_in(in, sizeof(in), 0, their_pd), out,
	       "their DEALLOC_PD") < 0)
		goto out;
	ret = 0;
out:
	close(t); /* the daemon frees the rest */
	close(tfd);
	return ret;
}

/** (b) refusals on the client's own objects, state unchanged after. */
static int
check_refusals(int s, struct objs *o)
{
	const bool plant = getenv("HCASIM_CMD_PLANT") != NULL;
	uint8_t in[512], out[HCASIM_BODY_MAX];
	struct hca_cmd_vport_query vq = { .port_num = (uint8_t)port.port_num,
					  .index = 200 };
	struct hca_cmd_cq cq = { .log_cq_size = 17, .cq_umem_id = o->umem,
		.cq_umem_offset = 0x8000, .dbr_umem_id = o->umem,
		.dbr_addr = U_DBR + 512 };
	struct hca_cmd_qp qp = { .st = HCA_QP_ST_QP1, .pdn = o->pdn,
		.cqn_snd = o->cqn[0], .cqn_rcv = o->cqn[0], .log_sq_size = 4,
		.log_rq_size = 4, .wq_umem_id = o->umem,
		.wq_umem_offset = 0x9000, .dbr_umem_id = o->umem,
		.dbr_addr = U_DBR + 576 };
	struct hca_cmd_qp_modify m = { .qpn = o->qpn[0], .q_key = 7,
		.pkey_index = 200, .port_num = (uint8_t)port.port_num };
	struct hca_cmd_qp_state qs;
	int len;

	/* an opcode it does not execute (CREATE_EQ: no EQs here) */
	hca_prm_set(in, HCA_IN_OPCODE, 0x999);
	memset(in, 0, 16);
	hca_prm_set(in, HCA_IN_OPCODE, 0x999);
	if (RUN(s, in, 16, out, plant ? HCA_STATUS_BAD_PARAM :
		HCA_STATUS_BAD_OPCODE, "unknown opcode") < 0)
		return -1;
	/* a service type other than UD */
	if (RUN(s, in, hca_cmd_create_qp_in(in, sizeof(in), &qp), out,
		HCA_STATUS_BAD_PARAM, "CREATE_QP st QP1") < 0)
		return -1;
	qp.st = 0x0; /* RC */
	if (RUN(s, in, hca_cmd_create_qp_in(in, sizeof(in), &qp), out,
		HCA_STATUS_BAD_PARAM, "CREATE_QP st RC") < 0)
		return -1;
	/* input shorter than CREATE_QP's */
	qp.st = HCA_QP_ST_UD;
	len = hca_cmd_create_qp_in(in, sizeof(in), &qp);
	if (RUN(s, in, len - 100, out, HCA_STATUS_BAD_INPUT_LEN,
		"CREATE_QP short") < 0)
		return -1;
	/* a CQ larger than the caps said */
	if (RUN(s, in, hca_cmd_create_cq_in(in, sizeof(in), &cq), out,
		HCA_STATUS_BAD_SIZE, "CREATE_CQ log size 17") < 0)
		return -1;
	/* a ring off its alignment, a doorbell record off its own */
	cq.log_cq_size = 4;
	cq.cq_umem_offset = 0x8020;
	if (RUN(s, in, hca_cmd_create_cq_in(in, sizeof(in), &cq), out,
		HCA_STATUS_BAD_PARAM, "CREATE_CQ ring misaligned") < 0)
		return -1;
	cq.cq_umem_offset = 0x8000;
	cq.dbr_addr = U_DBR + 514;
	if (RUN(s, in, hca_cmd_create_cq_in(in, sizeof(in), &cq), out,
		HCA_STATUS_BAD_PARAM, "CREATE_CQ doorbell misaligned") < 0)
		return -1;
	/* a ring past the UMEM's end */
	cq.dbr_addr = U_DBR + 512;
	cq.cq_umem_offset = U_LEN - 512;
	if (RUN(s, in, hca_cmd_create_cq_in(in, sizeof(in), &cq), out,
		HCA_STATUS_BAD_PARAM, "CREATE_CQ past the UMEM") < 0)
		return -1;
	/* P_Key indices outside the table */
	if (RUN(s, in, hca_cmd_query_vport_pkey_in(in, sizeof(in), &vq), out,
		HCA_STATUS_BAD_INDEX, "QUERY_HCA_VPORT_PKEY 200") < 0)
		return -1;
	/* the state machine: QP 0 is in RTS */
	if (RUN(s, in, hca_cmd_rst2init_qp_in(in, sizeof(in), &m), out,
		HCA_STATUS_BAD_QP_STATE, "RST2INIT from RTS") < 0 ||
	    RUN(s, in, hca_cmd_init2rtr_qp_in(in, sizeof(in), &m), out,
		HCA_STATUS_BAD_QP_STATE, "INIT2RTR from RTS") < 0 ||
	    query_qp(s, o->qpn[0], &qs) < 0)
		return -1;
	T_CHECK(qs.state == HCA_QP_STATE_RTS && qs.q_key == 0x1b,
		"refused changes changed QP: state %u qkey %#x", qs.state,
		qs.q_key);
	if (OK(s, in, hca_cmd_qp_2err_in(in, sizeof(in), 0, o->qpn[0]), out,
	       "2ERR_QP") < 0 ||
	    RUN(s, in, hca_cmd_rtr2rts_qp_in(in, sizeof(in), &m), out,
		HCA_STATUS_BAD_QP_STATE, "RTR2RTS from ERR") < 0 ||
	    OK(s, in, hca_cmd_qp_2rst_in(in, sizeof(in), 0, o->qpn[0]), out,
	       "2RST_QP") < 0 ||
	    RUN(s, in, hca_cmd_rst2init_qp_in(in, sizeof(in), &m), out,
		HCA_STATUS_BAD_INDEX, "RST2INIT P_Key index 200") < 0 ||
	    query_qp(s, o->qpn[0], &qs) < 0)
		return -1;
	T_CHECK(qs.state == HCA_QP_STATE_RST && qs.q_key == 0x1b,
		"after a refused RST2INIT: state %u qkey %#x", qs.state,
		qs.q_key);
	/* busy objects stay */
	if (RUN(s, in, hca_cmd_destroy_cq_in(in, sizeof(in), 0, o->cqn[0]),
		out, HCA_STATUS_RESOURCE_BUSY, "DESTROY_CQ in use") < 0 ||
	    RUN(s, in, hca_cmd_dealloc_pd_in(in, sizeof(in), 0, o->pdn), out,
		HCA_STATUS_RESOURCE_BUSY, "DEALLOC_PD in use") < 0)
		return -1;
	T_CHECK(rawcmd_umem_dereg(s, o->umem) == -EBUSY,
		"UMEM in use deregistered");
	return 0;
}

/** (b) per-client limits: PDs (no resources), CQs (limits exceeded). */
static int
check_limits(void)
{
	uint8_t in[512], out[HCASIM_BODY_MAX];
	struct hca_cmd_cq cq = { .log_cq_size = 1 };
	int t = session(), fd = rawcmd_mem_fd(1 << 20, true), i, ret = -1;
	uint32_t id;

	T_CHECK(t >= 0 && fd >= 0, "third client");
	id = rawcmd_umem_reg(t, fd, 1 << 20);
	cq.cq_umem_id = cq.dbr_umem_id = id;
	for (i = 0; i < CLIENT_PDS; i++)
		if (OK(t, in, hca_cmd_alloc_pd_in(in, sizeof(in), 0), out,
		       "ALLOC_PD") < 0)
			goto out;
	if (RUN(t, in, hca_cmd_alloc_pd_in(in, sizeof(in), 0), out,
		HCA_STATUS_NO_RESOURCES, "ALLOC_PD past the table") < 0)
		goto out;
	for (i = 0; ; i++) {
		uint8_t st;
		size_t olen;

		cq.cq_umem_offset = 128 * (uint64_t)i;
		cq.dbr_addr = 0x80000 + 8 * (uint64_t)i;
		if (rawcmd_exec(t, in, (size_t)hca_cmd_create_cq_in(in,
				sizeof(in), &cq), out, &olen) != 0)
			goto out;
		st = hca_prm_get(out, HCA_OUT_STATUS);
		if (st == HCA_STATUS_OK && i < 1000)
			continue;
		if (st != HCA_STATUS_LIMITS_EXCEEDED ||
		    i != CLIENT_CQS) {
			fprintf(stderr, "FAIL: CQ %d: status 0x%x\n", i, st);
			goto out;
		}
		break;
	}
	ret = 0;
out:
	close(t);
	close(fd);
	return ret;
}

/**
 * An mkey over a UMEM whose fd can shrink: rings there are refused; once
 * the client truncates it, a send from it fails with a local protection
 * error (the daemon contains the fault) and the daemon still serves.
 */
static int
check_truncate(int s, struct objs *o)
{
	uint8_t in[512], out[HCASIM_BODY_MAX];
	int fd = rawcmd_mem_fd(1 << 16, false);
	struct hca_cmd_cq cq = { .log_cq_size = 2, .dbr_addr = 0x8000 };
	struct hca_cmd_mkey mk = { .pdn = o->pdn, .len = 1 << 16,
		.log_page_size = 12 };
	struct mlx5_wqe_av av;
	struct mlx5_cqe64 c;
	struct hca_sge sge;
	uint32_t id, index;
	uint8_t *mem;
	uint16_t idx;

	T_CHECK(fd >= 0, "memfd");
	mem = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	id = rawcmd_umem_reg(s, fd, 1 << 16);
	T_CHECK(mem != MAP_FAILED && id != 0, "unsealed UMEM_REG");
	cq.cq_umem_id = cq.dbr_umem_id = id;
	mk.umem_id = id;
	mk.start_addr = (uintptr_t)mem;
	if (RUN(s, in, hca_cmd_create_cq_in(in, sizeof(in), &cq), out,
		HCA_STATUS_BAD_PARAM, "CREATE_CQ on an unsealed UMEM") < 0 ||
	    OK(s, in, hca_cmd_create_mkey_in(in, sizeof(in), &mk), out,
	       "CREATE_MKEY unsealed") < 0 ||
	    hca_cmd_create_mkey_out(out, 16, &index) != 0)
		return -1;
	/* a receiver on QP 0 (reset by check_refusals) */
	if (qp_to_rts(s, o->qpn[0], 0x1b, out) < 0)
		return -1;
	hca_rq_post(&o->qp[0], (uintptr_t)o->mem + U_BUF, 8192, o->mkey);
	hca_rq_doorbell(&o->qp[0]);
	T_CHECK(ftruncate(fd, 0) == 0, "ftruncate");
	hca_av_fill(&av, o->qpn[0], 0x1b, port.lid, 0, 0, NULL, 0, 0, 0);
	sge = (struct hca_sge){ (uintptr_t)mem + 4096, 64, index << 8 };
	idx = hca_sq_post_ud(&o->qp[1], &av, &sge, 1, NULL, 0, true);
	hca_sq_doorbell(&o->qp[1], idx);
	T_CHECK(t_poll(&o->cq[1], 3000, &c) == 0, "no completion");
	T_CHECK(hca_cqe_opcode(&c) == MLX5_CQE_REQ_ERR &&
		((struct mlx5_err_cqe *)&c)->syndrome ==
		MLX5_CQE_SYNDROME_LOCAL_PROT_ERR,
		"send from a truncated UMEM not refused: opcode %u "
		"syndrome %#x", hca_cqe_opcode(&c),
		((struct mlx5_err_cqe *)&c)->syndrome);
	if (OK(s, in, hca_cmd_destroy_mkey_in(in, sizeof(in), 0, index), out,
	       "DESTROY_MKEY truncated") < 0)
		return -1;
	T_CHECK(rawcmd_umem_dereg(s, id) == 0, "UMEM_DEREG truncated");
	munmap(mem, 1 << 16);
	close(fd);
	return 0;
}

/** Encode CREATE_EQ of 2^log entries over npas pages from pa on. */
static int
eq_in(uint8_t *in, size_t size, uint8_t log, uint64_t pa, unsigned int npas,
      uint64_t step)
{
	struct hca_cmd_eq eq = { .log_eq_size = log, .event_bitmask = {
		UINT64_C(1) << HCASIM_EQE_TYPE_PORT_CHANGE |
		UINT64_C(1) << HCASIM_EQE_TYPE_WQ_CATAS_ERROR, 0, 0, 0 } };
	uint64_t pas[16];
	unsigned int i;

	for (i = 0; i < npas && i < 16; i++)
		pas[i] = pa + i * step;
	eq.pas = pas;
	eq.npas = npas;
	return hca_cmd_create_eq_in(in, size, &eq);
}

/**
 * (d) The event queue (see the file comment). QP 0 is in RTS (left so by
 * check_truncate()); it ends in the error state.
 */
static int
check_eq(int s, struct objs *o)
{
	uint8_t in[512], out[HCASIM_BODY_MAX];
	struct hcasim_qp_fault_req fr = { o->qpn[0], HCASIM_QP_FAULT_NOW };
	int fd = rawcmd_mem_fd(1 << 16, true), ufd = rawcmd_mem_fd(1 << 16, false);
	const struct hcasim_eqe *ring;
	uint32_t id, uid, qpn;
	uint8_t eqn, *mem;
	unsigned int i;

	T_CHECK(fd >= 0 && ufd >= 0, "memfd");
	mem = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	id = rawcmd_umem_reg(s, fd, 1 << 16);
	uid = rawcmd_umem_reg(s, ufd, 1 << 16);
	T_CHECK(mem != MAP_FAILED && id != 0 && uid != 0, "EQ UMEMs");
	ring = (const struct hcasim_eqe *)mem;
	for (i = 0; i < 64; i++)
		mem[i * 64 + 63] = 1;     /* owner bit: software's */
	if (RUN(s, in, eq_in(in, sizeof(in), 0, HCASIM_EQ_PA(id, 0), 1, 0),
		out, HCA_STATUS_BAD_SIZE, "CREATE_EQ log size 0") < 0 ||
	    RUN(s, in, eq_in(in, sizeof(in), 13, HCASIM_EQ_PA(id, 0), 1, 0),
		out, HCA_STATUS_BAD_SIZE, "CREATE_EQ log size 13") < 0 ||
	    RUN(s, in, eq_in(in, sizeof(in), 6, HCASIM_EQ_PA(id + 1000, 0),
			     1, 0), out, HCA_STATUS_BAD_RESOURCE,
		"CREATE_EQ on no UMEM of ours") < 0 ||
	    RUN(s, in, eq_in(in, sizeof(in), 7, HCASIM_EQ_PA(id, 0), 1, 0),
		out, HCA_STATUS_BAD_INPUT_LEN,
		"CREATE_EQ one page of two") < 0 ||
	    RUN(s, in, eq_in(in, sizeof(in), 7, HCASIM_EQ_PA(id, 0), 2, 8192),
		out, HCA_STATUS_BAD_PARAM, "CREATE_EQ pages apart") < 0 ||
	    RUN(s, in, eq_in(in, sizeof(in), 6, HCASIM_EQ_PA(id, 64), 1, 0),
		out, HCA_STATUS_BAD_PARAM, "CREATE_EQ off a page") < 0 ||
	    RUN(s, in, eq_in(in, sizeof(in), 10, HCASIM_EQ_PA(id, 0), 16,
			     4096), out, HCA_STATUS_BAD_PARAM,
		"CREATE_EQ past the UMEM (no room for the counter)") < 0 ||
	    RUN(s, in, eq_in(in, sizeof(in), 6, HCASIM_EQ_PA(uid, 0), 1, 0),
		out, HCA_STATUS_BAD_PARAM, "CREATE_EQ on an unsealed UMEM") < 0)
		return -1;
	T_CHECK(hca_prm_get(out, HCA_OUT_SYNDROME) == 0x48530026,
		"unsealed: syndrome %#x",
		(unsigned int)hca_prm_get(out, HCA_OUT_SYNDROME));
	if (OK(s, in, eq_in(in, sizeof(in), 6, HCASIM_EQ_PA(id, 0), 1, 0),
	       out, "CREATE_EQ") < 0 ||
	    hca_cmd_create_eq_out(out, HCA_CMD_SHORT_LEN, &eqn) != 0 ||
	    RUN(s, in, eq_in(in, sizeof(in), 6, HCASIM_EQ_PA(id, 8192), 1, 0),
		out, HCA_STATUS_LIMITS_EXCEEDED, "CREATE_EQ a second") < 0)
		return -1;
	T_CHECK(eqn != 0, "EQ number 0");
	T_CHECK(rawcmd_umem_dereg(s, id) == -EBUSY, "the EQ's UMEM deregistered");
	T_CHECK(raw_call(s, HCASIM_MSG_QP_FAULT, &fr, sizeof(fr), -1, NULL,
			 0) == 0, "QP_FAULT");
	for (i = 0; i < 300 && (__atomic_load_n(&ring[0].owner,
						 __ATOMIC_ACQUIRE) & 1); i++)
		usleep(10000);
	qpn = (uint32_t)ring[0].data[25] << 16 |
	      (uint32_t)ring[0].data[26] << 8 | ring[0].data[27];
	T_CHECK((ring[0].owner & 1) == 0 &&
		ring[0].event_type == HCASIM_EQE_TYPE_WQ_CATAS_ERROR &&
		qpn == o->qpn[0] && (ring[1].owner & 1) == 1,
		"no WQ catastrophic error entry for QP %#x (owner %u type "
		"%#x qpn %#x)", o->qpn[0], ring[0].owner & 1,
		ring[0].event_type, qpn);
	if (RUN(s, in, hca_cmd_destroy_eq_in(in, sizeof(in), 0,
					     (uint8_t)(eqn + 1)), out,
		HCA_STATUS_BAD_RESOURCE, "DESTROY_EQ of no EQ") < 0 ||
	    OK(s, in, hca_cmd_destroy_eq_in(in, sizeof(in), 0, eqn), out,
	       "DESTROY_EQ") < 0)
		return -1;
	T_CHECK(rawcmd_umem_dereg(s, id) == 0 && rawcmd_umem_dereg(s, uid) == 0,
		"UMEM_DEREG after DESTROY_EQ");
	munmap(mem, 1 << 16);
	close(fd);
	close(ufd);
	return 0;
}

/**
 * A QP's UMEM is busy (UMEM_DEREG -EBUSY) while the QP lives and free
 * once DESTROY_QP has run.
 */
static int
check_mixed(void)
{
	uint8_t in[HCA_CMD_SHORT_LEN], out[HCASIM_BODY_MAX];
	struct rawcmd_arena cqa, qpa;
	uint32_t pdn = 0, cqn = 0, qpn = 0;
	int s = session(), ret = -1;

	T_CHECK(s >= 0, "session");
	if (rawcmd_arena_init(&cqa, s, 4096) < 0) {
		close(s);
		T_FAIL("UMEM of the CQ");
	}
	if (rawcmd_arena_init(&qpa, s, 4096) < 0 ||
	    rawcmd_pd(s, &pdn, NULL) != HCA_STATUS_OK ||
	    rawcmd_cq(&cqa, 2, &cqn, NULL) != HCA_STATUS_OK ||
	    rawcmd_qp(&qpa, pdn, cqn, &qpn, NULL) != HCA_STATUS_OK) {
		fprintf(stderr, "FAIL: objects of the mixed check\n");
		goto out;
	}
	if (rawcmd_umem_dereg(s, qpa.umem) != -EBUSY ||
	    OK(s, in, hca_cmd_destroy_qp_in(in, sizeof(in), 0, qpn), out,
	       "DESTROY_QP") < 0 ||
	    rawcmd_umem_dereg(s, qpa.umem) != 0) {
		fprintf(stderr, "FAIL: UMEM of a QP, before and after "
			"DESTROY_QP\n");
		goto out;
	}
	ret = 0;
out:
	close(s);
	rawcmd_arena_fini(&cqa);
	rawcmd_arena_fini(&qpa);
	return ret;
}

/**
 * Transport errors: a CMD before PORT_OPEN is refused in the header
 * (-EPROTO); one shorter than the mailbox header, one with an fd, and a
 * UMEM_DEREG of the wrong size are malformed (the client is dropped).
 */
static int
check_framing(void)
{
	struct hcasim_hello_req hello = { HCASIM_PROTO_VERSION, 1, "host1" };
	uint8_t in[16] = { 0x01, 0x00 }, out[HCASIM_BODY_MAX];
	int s, fd = rawcmd_mem_fd(4096, true);
	size_t olen;

	T_CHECK(fd >= 0, "memfd");
	s = raw_connect();
	T_CHECK(s >= 0 && raw_call(s, HCASIM_MSG_HELLO, &hello, sizeof(hello),
				   -1, NULL, 0) == 0, "HELLO");
	T_CHECK(rawcmd_exec(s, in, sizeof(in), out, &olen) == -EPROTO,
		"CMD before PORT_OPEN not refused");
	close(s);
	s = session();
	T_CHECK(s >= 0 && raw_call(s, HCASIM_MSG_CMD, in, 4, -1, NULL, 0) == 1,
		"4-byte CMD not dropped");
	close(s);
	s = session();
	T_CHECK(s >= 0 && raw_call(s, HCASIM_MSG_CMD, in, sizeof(in), fd,
				   NULL, 0) == 1, "CMD with an fd not dropped");
	close(s);
	s = session();
	T_CHECK(s >= 0 && raw_call(s, HCASIM_MSG_UMEM_DEREG, in, 4, -1, NULL,
				   0) == 1, "short UMEM_DEREG not dropped");
	close(s);
	s = session();
	T_CHECK(s >= 0 && rawcmd_umem_reg(s, -1, 4096) == 0 &&
		rawcmd_umem_dereg(s, 12345) == -EINVAL,
		"UMEM without fd / unknown");
	close(s);
	close(fd);
	return check_mixed();
}

/** Destroy everything of the happy path. */
static int
destroy_all(int s, struct objs *o)
{
	uint8_t in[64], out[HCASIM_BODY_MAX];
	int i;

	for (i = 0; i < 2; i++)
		if (OK(s, in, hca_cmd_destroy_qp_in(in, sizeof(in), 0,
						    o->qpn[i]), out,
		       "DESTROY_QP") < 0 ||
		    OK(s, in, hca_cmd_destroy_cq_in(in, sizeof(in), 0,
						    o->cqn[i]), out,
		       "DESTROY_CQ") < 0)
			return -1;
	if (RUN(s, in, hca_cmd_query_qp_in(in, sizeof(in), 0, o->qpn[0]), out,
		HCA_STATUS_BAD_RESOURCE, "QUERY_QP destroyed") < 0 ||
	    OK(s, in, hca_cmd_destroy_mkey_in(in, sizeof(in), 0,
					      o->mkey_index), out,
	       "DESTROY_MKEY") < 0 ||
	    OK(s, in, hca_cmd_dealloc_pd_in(in, sizeof(in), 0, o->pdn), out,
	       "DEALLOC_PD") < 0)
		return -1;
	T_CHECK(rawcmd_umem_dereg(s, o->umem) == 0, "UMEM_DEREG");
	T_CHECK(rawcmd_umem_dereg(s, o->umem) == -EINVAL, "UMEM_DEREG twice");
	return 0;
}

/** Whether s is n lowercase hex digits (n even when n < 0: any even). */
static bool
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/** (c) the command log: one well-formed line per command sent. */
static int
check_log(const char *path)
{
	char line[16384];
	unsigned int n = 0;
	FILE *f = fopen(path, "r");

	T_CHECK(f != NULL, "no command log %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *sp1 = strchr(line, ' '), *sp2, *nl;
		unsigned int op, st;

		sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
		nl = strchr(line, '\n');
		if (n >= nsent || sp1 != line + 4 || sp2 == NULL ||
		    nl == NULL || !is_hex(line, 4) ||
		    !is_hex(sp1 + 1, (size_t)(sp2 - sp1 - 1)) ||
		    (sp2 - sp1 - 1) % 2 != 0 || (nl - sp2 - 1) % 2 != 0 ||
		    nl - sp2 - 1 < 2 * HCA_OUT_HDR_LEN ||
		    !is_hex(sp2 + 1, (size_t)(nl - sp2 - 1))) {
			fclose(f);
			T_FAIL("log line %u malformed: %.80s", n + 1, line);
		}
		sscanf(line, "%4x", &op);
		sscanf(sp2 + 1, "%2x", &st);
		if (op != sent_op[n] || st != sent_status[n]) {
			fclose(f);
			T_FAIL("log line %u: opcode %04x status %02x, sent "
			       "%04x, got %02x", n + 1, op, st, sent_op[n],
			       sent_status[n]);
		}
		n++;
	}
	fclose(f);
	T_CHECK(n == nsent, "log has %u lines, %u commands sent", n, nsent);
	return 0;
}

/** Entry point: re-executes itself as host1 under the fabric. */
int
main(void)
{
	const char *dir = getenv("IPOIB_FABRIC_DIR");
	const char *tool = getenv("IPOIB_FABRIC_TOOL");
	const char *log = getenv("HCASIM_CMD_LOG");
	struct objs o;
	int s;

	if (getenv("HCASIM_SOCKET") == NULL && getenv("SIM_HOST") == NULL &&
	    dir != NULL && tool != NULL) {
		static char self[4096];
		ssize_t len = readlink("/proc/self/exe", self,
				       sizeof(self) - 1);

		/* umad2sim leaves a sys-PID directory in the cwd */
		if (len <= 0 || chdir(dir) != 0)
			return 1;
		self[len] = '\0';
		execlp(tool, tool, "run", "--dir", dir, "host1", "--", self,
		       (char *)NULL);
		perror("exec");
		return 1;
	}
	if (getenv("HCASIM_SOCKET") == NULL || log == NULL) {
		fprintf(stderr, "FAIL: no fabric or no HCASIM_CMD_LOG\n");
		return 1;
	}
	t_act_as("host1");
	rawcmd_observe(note_sent);
	memset(&o, 0, sizeof(o));
	s = session();
	if (s < 0) {
		fprintf(stderr, "FAIL: session\n");
		return 1;
	}
	if (check_happy_path(s, &o) < 0 || check_foreign(s, &o) < 0 ||
	    check_refusals(s, &o) < 0 || check_limits() < 0 ||
	    check_truncate(s, &o) < 0 || check_eq(s, &o) < 0 ||
	    check_framing() < 0 ||
	    destroy_all(s, &o) < 0 || check_log(log) < 0)
		return 1;
	printf("cmd: %u commands executed as firmware would, all logged\n",
	       nsent);
	return 0;
}
