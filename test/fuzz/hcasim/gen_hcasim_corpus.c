/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Seed generator of the hcasim_msg and hcasim_wqe harnesses:
 *
 *   fuzz-gen-hcasim-corpus DIR     (DIR = test/fuzz/corpus)
 *
 * writes DIR/hcasim_msg/ (a valid request of every type the daemon
 * serves, the firmware command mailboxes the HCA layer's client sends,
 * built by its encoders, and refusals of framing and fields) and
 * DIR/hcasim_wqe/ (UD send WQEs as hca_dp.h builds them: no payload,
 * 1, 2, 3, 16 and 59 data segments, inline payloads of 0, 60 and 512
 * bytes, a GRH, out-of-region and foreign segments, too long payloads,
 * bad control segments; receive segments), in the layouts the harnesses
 * read (fuzz_hcasim_wqe.h).
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <infiniband/mlx5dv.h>

#include "hcasim_proto.h"
#include "hca_cmd.h"
#include "hca_dev.h"
#include "fuzz_hcasim_wqe.h"
#include "hca_dp_eth.h"

/** Client address of the first modelled region. */
#define VA0 0x7f0000001000ull
/** lkey of the first modelled region. */
#define LKEY0 0x4001u

/** Output directory of the current harness. */
static char out_dir[4096];

/** Write one seed file; exit on failure. */
static void
seed_write(const char *name, const void *buf, size_t len)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "gen: cannot write %s\n", path);
		exit(1);
	}
}

/** Make DIR/sub and make it the output directory. */
static void
dir_enter(const char *dir, const char *sub)
{
	snprintf(out_dir, sizeof(out_dir), "%s/%s", dir, sub);
	if (mkdir(out_dir, 0755) < 0 && errno != EEXIST) {
		perror(out_dir);
		exit(1);
	}
}

/****************************************************************************
 * hcasim_msg: flags byte, then the datagram
 ****************************************************************************/

/**
 * Write a request seed: flags (bit 0: an fd rides along), header, body.
 *
 * @param hdr_len  the length the header claims (0: the real one)
 */
static void
msg_seed(const char *name, uint8_t flags, uint16_t type, const void *body,
	 size_t blen, uint16_t hdr_len)
{
	uint8_t buf[1 + HCASIM_MSG_MAX];
	struct hcasim_msg_hdr hdr = {
		.magic = HCASIM_PROTO_MAGIC,
		.type = type,
		.len = hdr_len ? hdr_len : (uint16_t)(sizeof(hdr) + blen),
		.seq = 7,
	};

	buf[0] = flags;
	memcpy(buf + 1, &hdr, sizeof(hdr));
	memcpy(buf + 1 + sizeof(hdr), body, blen);
	seed_write(name, buf, 1 + sizeof(hdr) + blen);
}

/** Write a CMD seed: an input mailbox as an encoder returned it. */
static void
cmd_seed(const char *name, const uint8_t *in, int len)
{
	if (len < 0) {
		fprintf(stderr, "gen: encoder of %s: %d\n", name, len);
		exit(1);
	}
	msg_seed(name, 0, HCASIM_MSG_CMD, in, (size_t)len, 0);
}

/** The broadcast group's MGID (P_Key 0xffff). */
static const uint8_t bcast_mgid[16] = { 0xff, 0x12, 0x40, 0x1b, 0xff, 0xff,
	0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };

/**
 * Firmware command mailboxes of the objects, as the HCA layer's client
 * library sends them (PD, UMEM-backed mkey, CQ, UD QP, state changes,
 * multicast), then ones the daemon refuses.
 */
static void
msg_seeds_objects(void)
{
	struct hca_cmd_mkey mk = { .pdn = 1, .start_addr = VA0,
		.len = 1 << 20, .umem_id = 1, .log_page_size = 12,
		.mkey_7_0 = 0x5a, .local_write = true };
	struct hca_cmd_cq cq = { .log_cq_size = 12, .cq_umem_id = 2,
		.dbr_umem_id = 2, .dbr_addr = 4096 * 64 };
	struct hca_cmd_qp qp = { .st = HCA_QP_ST_UD,
		.pm_state = HCA_QP_PM_MIGRATED, .pdn = 1, .cqn_snd = 1,
		.cqn_rcv = 2, .log_sq_size = 8, .log_rq_size = 12,
		.wq_umem_id = 3, .dbr_umem_id = 3, .dbr_addr = 0x14000 };
	struct hca_cmd_qp_modify m = { .qpn = 0x4004, .q_key = 0x0b1b,
		.pkey_index = 0, .port_num = 1 };
	uint8_t in[HCASIM_BODY_MAX];

	cmd_seed("cmd-alloc-pd", in, hca_cmd_alloc_pd_in(in, sizeof(in), 0));
	cmd_seed("cmd-dealloc-pd", in,
		 hca_cmd_dealloc_pd_in(in, sizeof(in), 0, 1));
	cmd_seed("cmd-create-mkey", in,
		 hca_cmd_create_mkey_in(in, sizeof(in), &mk));
	cmd_seed("cmd-destroy-mkey", in,
		 hca_cmd_destroy_mkey_in(in, sizeof(in), 0, 0x140));
	cmd_seed("cmd-create-cq", in, hca_cmd_create_cq_in(in, sizeof(in),
							   &cq));
	cmd_seed("cmd-destroy-cq", in,
		 hca_cmd_destroy_cq_in(in, sizeof(in), 0, 1));
	cmd_seed("cmd-create-qp", in, hca_cmd_create_qp_in(in, sizeof(in),
							   &qp));
	cmd_seed("cmd-rst2init-qp", in,
		 hca_cmd_rst2init_qp_in(in, sizeof(in), &m));
	cmd_seed("cmd-init2rtr-qp", in,
		 hca_cmd_init2rtr_qp_in(in, sizeof(in), &m));
	cmd_seed("cmd-rtr2rts-qp", in,
		 hca_cmd_rtr2rts_qp_in(in, sizeof(in), &m));
	cmd_seed("cmd-2err-qp", in, hca_cmd_qp_2err_in(in, sizeof(in), 0,
							0x4004));
	cmd_seed("cmd-2rst-qp", in, hca_cmd_qp_2rst_in(in, sizeof(in), 0,
							0x4004));
	cmd_seed("cmd-query-qp", in, hca_cmd_query_qp_in(in, sizeof(in), 0,
							  0x4004));
	cmd_seed("cmd-destroy-qp", in,
		 hca_cmd_destroy_qp_in(in, sizeof(in), 0, 0x4004));
	cmd_seed("cmd-attach-mcg", in, hca_cmd_attach_mcg_in(in, sizeof(in),
		 0, 0x4004, bcast_mgid));
	cmd_seed("cmd-detach-mcg", in, hca_cmd_detach_mcg_in(in, sizeof(in),
		 0, 0x4004, bcast_mgid));
	/* refused by the executor: the fields of the old object messages'
	 * refusals (wrapping range, CQ size, P_Key index, not multicast) */
	mk.start_addr = ~0ull - 10;
	cmd_seed("cmd-create-mkey-wraps", in,
		 hca_cmd_create_mkey_in(in, sizeof(in), &mk));
	cq.log_cq_size = 0;
	cmd_seed("cmd-create-cq-log-0", in,
		 hca_cmd_create_cq_in(in, sizeof(in), &cq));
	qp.st = 0; /* RC */
	cmd_seed("cmd-create-qp-rc", in,
		 hca_cmd_create_qp_in(in, sizeof(in), &qp));
	m.pkey_index = 200;
	cmd_seed("cmd-rst2init-pkey-index", in,
		 hca_cmd_rst2init_qp_in(in, sizeof(in), &m));
	cmd_seed("cmd-attach-unicast-gid", in,
		 hca_cmd_attach_mcg_in(in, sizeof(in), 0, 0x4004,
				       (const uint8_t[16]){ 0xfe, 0x80 }));
}

/** Firmware command messages: valid ones, then refused ones. */
static void
msg_seeds_cmd(void)
{
	/* QUERY_HCA_CAP (opcode 0x100, op_mod 1), big endian */
	uint8_t cap[16] = { 0x01, 0x00, 0, 0, 0, 0, 0, 0x01 };
	uint8_t big[HCASIM_BODY_MAX + 1] = { 0x05, 0x00 };
	struct hcasim_umem_reg_req reg = { 1 << 20, 0 };
	struct hcasim_umem_msg um = { 1, 0 };

	msg_seed("cmd-query-hca-cap", 0, HCASIM_MSG_CMD, cap, sizeof(cap), 0);
	msg_seed("umem-reg", 1, HCASIM_MSG_UMEM_REG, &reg, sizeof(reg), 0);
	msg_seed("umem-dereg", 0, HCASIM_MSG_UMEM_DEREG, &um, sizeof(um), 0);
	msg_seed("cmd-short", 0, HCASIM_MSG_CMD, cap, 4, 0);
	msg_seed("cmd-with-fd", 1, HCASIM_MSG_CMD, cap, sizeof(cap), 0);
	msg_seed("cmd-too-long", 0, HCASIM_MSG_CMD, big, sizeof(big), 0);
	reg.len = 0;
	msg_seed("umem-reg-empty", 1, HCASIM_MSG_UMEM_REG, &reg, sizeof(reg),
		 0);
	reg.len = 4096;
	reg.fd_off = ~0ull - 10;
	msg_seed("umem-reg-wraps", 1, HCASIM_MSG_UMEM_REG, &reg, sizeof(reg),
		 0);
	msg_seeds_objects();
}

/** Valid requests of every object message type the daemon serves. */
static void
msg_seeds_valid(void)
{
	struct hcasim_hello_req hello = { HCASIM_PROTO_VERSION, 1234,
					  "host1" };
	struct hcasim_port_open_req po = { "ibsim0", 1 };
	struct hcasim_qp_fault_req qf = { 0x4004, HCASIM_QP_FAULT_NEXT_SEND };

	msg_seed("hello", 0, HCASIM_MSG_HELLO, &hello, sizeof(hello), 0);
	msg_seed("port-open", 0, HCASIM_MSG_PORT_OPEN, &po, sizeof(po), 0);
	msg_seed("status", 0, HCASIM_MSG_STATUS, NULL, 0, 0);
	msg_seed("qp-fault", 0, HCASIM_MSG_QP_FAULT, &qf, sizeof(qf), 0);
	msg_seed("intr-open", 0, HCASIM_MSG_INTR_OPEN, NULL, 0, 0);
	msg_seeds_cmd();
}

/** Requests the daemon refuses (framing, then fields). */
static void
msg_seeds_refused(void)
{
	struct hcasim_hello_req hello = { 2, 1, "host1" };
	struct hcasim_port_open_req po = { "mlx5_0", 1 };
	struct hcasim_qp_fault_req qf = { 0x4004, 7 };
	uint8_t junk[8] = { 'n', 'o', 't', ' ', 'h', 'c', 's', '1' };

	memset(hello.host, 'x', sizeof(hello.host));
	msg_seed("hello-unterminated", 0, HCASIM_MSG_HELLO, &hello,
		 sizeof(hello), 0);
	hello.host[0] = '\0';
	msg_seed("hello-version-2", 0, HCASIM_MSG_HELLO, &hello,
		 sizeof(hello), 0);
	msg_seed("port-open-mlx5", 0, HCASIM_MSG_PORT_OPEN, &po, sizeof(po),
		 0);
	msg_seed("qp-fault-bad-kind", 0, HCASIM_MSG_QP_FAULT, &qf, sizeof(qf),
		 0);
	msg_seed("qp-fault-with-fd", 1, HCASIM_MSG_QP_FAULT, &qf, sizeof(qf),
		 0);
	msg_seed("qp-fault-long-header", 0, HCASIM_MSG_QP_FAULT, &qf,
		 sizeof(qf), 40);
	/* 4 was PD_ALLOC: a retired number is an unknown type */
	msg_seed("retired-4", 0, 4, NULL, 0, 0);
	msg_seed("type-max", 0, HCASIM_MSG_TYPE_MAX, &qf, sizeof(qf), 0);
	seed_write("not-a-message", junk, sizeof(junk));
}

/****************************************************************************
 * hcasim_wqe: mode, regions, index, need, WQE
 ****************************************************************************/

/** A seed being built. */
struct wseed {
	uint8_t b[64 + HCASIM_MSG_MAX * 2];
	size_t n;
};

/** Store a big-endian value of some bytes. */
static void
put_be(uint8_t *p, uint64_t v, unsigned int bytes)
{
	while (bytes-- > 0) {
		p[bytes] = (uint8_t)v;
		v >>= 8;
	}
}

/**
 * Start a seed: mode, the four standard regions (0: 4 KiB of ours, 1:
 * 8 KiB of ours, 2: another client's, 3: ours in another PD), the index.
 */
static void
wseed_start(struct wseed *s, uint8_t mode, uint16_t idx, uint16_t need)
{
	static const uint8_t flags[4] = { 0, 0, HW_REGION_FOREIGN,
					  HW_REGION_OTHER_PD };
	static const uint16_t lens[4] = { 4096, 8192, 4096, 4096 };
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->b[0] = mode;
	s->b[1] = 4;
	s->n = 2;
	for (i = 0; i < 4; i++) {
		uint8_t *r = s->b + s->n;

		put_be(r, LKEY0 + i, 4);
		put_be(r + 4, VA0 + i * 0x10000ull, 8);
		put_be(r + 12, lens[i] - 1, 2);
		r[14] = flags[i];
		r[15] = (uint8_t)(0x11 * (i + 1));
		s->n += HW_REGION_LEN;
	}
	put_be(s->b + s->n, idx, 2);
	put_be(s->b + s->n + 2, need, 2);
	s->n += HW_TAIL_LEN;
}

/**
 * Append a send WQE's control and datagram segments (as hca_dp.h builds
 * them: SEND, the index, ds units, a completion when signalled, Q_Key,
 * QPN, DLID, optionally a GRH).
 *
 * @return the WQE's start in the seed
 */
static uint8_t *
wqe_head(struct wseed *s, uint16_t idx, uint8_t ds, bool signalled,
	 bool grh)
{
	uint8_t *w = s->b + s->n;
	uint8_t *av = w + 16;

	put_be(w, (uint32_t)idx << 8 | MLX5_OPCODE_SEND, 4);
	put_be(w + 4, 0x4004u << 8 | ds, 4);
	w[11] = signalled ? MLX5_WQE_CTRL_CQ_UPDATE : 0;
	put_be(av, 0x80010000u, 4);            /* Q_Key */
	put_be(av + 8, 0x80000000u | 0x4008, 4); /* QPN, extended AV */
	av[12] = 0;                            /* rate, SL */
	put_be(av + 14, grh ? 0xc000 : 3, 2);  /* DLID */
	if (grh) {
		static const uint8_t mgid[16] = { 0xff, 0x12, 0x40, 0x1b,
			0xff, 0xff, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };

		put_be(av + 28, 1u << 30 | 0x12345, 4);
		av[26] = 0;
		av[27] = 64;
		memcpy(av + 32, mgid, 16);
	}
	s->n += 64;
	return w;
}

/** Append a data segment (length, lkey, address). */
static void
wqe_data(struct wseed *s, uint32_t len, uint32_t lkey, uint64_t addr)
{
	put_be(s->b + s->n, len, 4);
	put_be(s->b + s->n + 4, lkey, 4);
	put_be(s->b + s->n + 8, addr, 8);
	s->n += 16;
}

/** Append an inline segment of len bytes, padded to 16. */
static void
wqe_inline(struct wseed *s, uint32_t len)
{
	uint32_t i;

	put_be(s->b + s->n, len | 0x80000000u, 4);
	for (i = 0; i < len; i++)
		s->b[s->n + 4 + i] = (uint8_t)(0x45 + i);
	s->n += (4 + len + 15) / 16 * 16;
}

/** Pad the WQE that starts at w to whole 64-byte blocks and write it. */
static void
wseed_finish(struct wseed *s, const uint8_t *w, const char *name)
{
	size_t len = (size_t)(s->b + s->n - w);

	s->n += (64 - len % 64) % 64;
	seed_write(name, s->b, s->n);
}

/** Send WQEs with a gather list of n segments of ours. */
static void
wqe_seeds_gather(void)
{
	static const unsigned int counts[] = { 1, 2, 3, 16, 59 };
	struct wseed s;
	unsigned int c, i;
	char name[64];

	for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		unsigned int n = counts[c];
		uint8_t *w;

		wseed_start(&s, HW_MODE_BLOCKS, 5, 0);
		w = wqe_head(&s, 5, (uint8_t)(4 + n), c == 0, false);
		for (i = 0; i < n; i++)
			wqe_data(&s, n > 16 ? (i % 3 ? 16 : 0) : 64,
				 LKEY0 + (i & 1),
				 VA0 + (i & 1) * 0x10000ull + i * 64);
		snprintf(name, sizeof(name), "send-%u-seg", n);
		wseed_finish(&s, w, name);
	}
	wseed_start(&s, HW_MODE_BLOCKS, 0, 0);
	wseed_finish(&s, wqe_head(&s, 0, 4, true, true), "send-no-payload-grh");
}

/** Send WQEs with inline payloads. */
static void
wqe_seeds_inline(void)
{
	static const unsigned int lens[] = { 0, 60, 512, 513 };
	struct wseed s;
	unsigned int i;
	char name[64];

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint32_t ds = 4 + (4 + lens[i] + 15) / 16;
		uint8_t *w;

		if (ds > 63)
			ds = 63;
		wseed_start(&s, HW_MODE_BLOCKS, 0x1234, 0);
		w = wqe_head(&s, 0x1234, (uint8_t)ds, true, i == 1);
		wqe_inline(&s, lens[i]);
		snprintf(name, sizeof(name), "send-inline-%u", lens[i]);
		wseed_finish(&s, w, name);
	}
}

/** Send WQEs that the data path refuses. */
static void
wqe_seeds_refused(void)
{
	struct wseed s;
	uint8_t *w;

	wseed_start(&s, HW_MODE_BLOCKS, 1, 0);
	w = wqe_head(&s, 1, 5, true, false);
	wqe_data(&s, 64, LKEY0, VA0 + 4096 - 32); /* past the end */
	wseed_finish(&s, w, "send-past-region");
	wseed_start(&s, HW_MODE_BLOCKS, 1, 0);
	w = wqe_head(&s, 1, 6, true, false);
	wqe_data(&s, 64, LKEY0, VA0);
	wqe_data(&s, 64, LKEY0 + 2, VA0 + 0x20000); /* another client's */
	wseed_finish(&s, w, "send-foreign-region");
	wseed_start(&s, HW_MODE_BLOCKS, 1, 0);
	w = wqe_head(&s, 1, 5, true, false);
	wqe_data(&s, 64, LKEY0 + 3, VA0 + 0x30000); /* another PD */
	wseed_finish(&s, w, "send-other-pd");
	wseed_start(&s, HW_MODE_BLOCKS, 1, 0);
	w = wqe_head(&s, 1, 6, true, false);
	wqe_data(&s, 4000, LKEY0 + 1, VA0 + 0x10000);
	wqe_data(&s, 4000, LKEY0 + 1, VA0 + 0x10000 + 4000); /* > 4096 */
	wseed_finish(&s, w, "send-too-long");
	wseed_start(&s, HW_MODE_BLOCKS, 2, 0);
	w = wqe_head(&s, 1, 5, true, false); /* index 1, ring expects 2 */
	wqe_data(&s, 64, LKEY0, VA0);
	wseed_finish(&s, w, "send-wrong-index");
	wseed_start(&s, HW_MODE_BLOCKS, 1, 0);
	w = wqe_head(&s, 1, 64, true, false); /* ds over HCASIM_MAX_DS */
	wseed_finish(&s, w, "send-ds-64");
	wseed_start(&s, 0, 1, 0);
	wqe_head(&s, 1, 9, true, false); /* 3 blocks, 1 posted */
	seed_write("send-truncated", s.b, s.n);
}

/**
 * Append an Ethernet segment (hca_dp_eth.h) with IPoIB + IPv4 + TCP (or
 * UDP) headers inlined, for a payload of plen bytes.
 */
static void
wqe_eth(struct wseed *s, uint8_t cs_flags, uint16_t mss, bool udp,
	uint32_t plen)
{
	uint8_t h[44], *e = s->b + s->n;
	uint32_t ihs = udp ? 32 : 44;

	memset(h, 0, sizeof(h));
	put_be(h, 0x0800, 2);                 /* IPoIB: IPv4 */
	h[4] = 0x45;
	put_be(h + 6, 20 + (udp ? 8 : 20) + plen, 2);
	put_be(h + 8, 0x1234, 2);
	h[12] = 64;
	h[13] = udp ? 17 : 6;
	put_be(h + 16, 0x0a000001, 4);
	put_be(h + 20, 0x0a000002, 4);
	put_be(h + 24, 40000, 2);
	put_be(h + 26, 5001, 2);
	if (udp) {
		put_be(h + 28, 8 + plen, 2);
	} else {
		put_be(h + 28, 0x10000000, 4);
		h[36] = 5 << 4;
		h[37] = 0x19;                  /* ACK, PSH, FIN */
	}
	e[4] = cs_flags;
	put_be(e + 6, mss, 2);
	put_be(e + 12, ihs, 2);
	memcpy(e + 14, h, 2);
	memcpy(e + 16, h + 2, ihs - 2);
	s->n += 16 + (ihs - 2 + 15) / 16 * 16;
}

/**
 * Send WQEs with an Ethernet segment (offloads): LSO of a TCP payload
 * from two regions, checksums of UDP, and a segment whose headers run
 * past the WQE. The control's last byte picks the harness's MTU.
 */
static void
wqe_seeds_offload(void)
{
	struct wseed s;
	uint8_t *w;

	wseed_start(&s, HW_MODE_BLOCKS, 7, 0);
	w = wqe_head(&s, 7, 4 + 1 + 3 + 2, true, false);
	put_be(w, 7u << 8 | HCA_OPCODE_LSO, 4);
	w[15] = 3;                             /* MTU 2048 */
	wqe_eth(&s, MLX5_ETH_WQE_L3_CSUM | MLX5_ETH_WQE_L4_CSUM, 536, false,
		0);
	wqe_data(&s, 3000, LKEY0 + 1, VA0 + 0x10000);
	wqe_data(&s, 1000, LKEY0, VA0 + 100);
	wseed_finish(&s, w, "send-lso-tcp");
	wseed_start(&s, HW_MODE_BLOCKS, 8, 0);
	w = wqe_head(&s, 8, 4 + 1 + 2 + 1, true, false);
	put_be(w, (uint32_t)HCA_WQE_OPMOD_ETH << 24 | 8u << 8 |
	       MLX5_OPCODE_SEND, 4);
	w[15] = 2;                             /* MTU 1024 */
	wqe_eth(&s, MLX5_ETH_WQE_L3_CSUM | MLX5_ETH_WQE_L4_CSUM, 0, true,
		500);
	wqe_data(&s, 500, LKEY0, VA0);
	wseed_finish(&s, w, "send-csum-udp");
	wseed_start(&s, HW_MODE_BLOCKS, 9, 0);
	w = wqe_head(&s, 9, 4 + 1 + 1, true, false); /* headers need 3 */
	put_be(w, 9u << 8 | HCA_OPCODE_LSO, 4);
	wqe_eth(&s, MLX5_ETH_WQE_L4_CSUM, 536, false, 0);
	wseed_finish(&s, w, "send-lso-headers-past-wqe");
}

/** Receive segments: good, short, another client's. */
static void
wqe_seeds_recv(void)
{
	struct wseed s;

	wseed_start(&s, HW_MODE_RECV, 0, 40 + 1500);
	wqe_data(&s, 2048, LKEY0, VA0 + 2048);
	seed_write("recv-2048", s.b, s.n);
	wseed_start(&s, HW_MODE_RECV, 0, 40 + 1500);
	wqe_data(&s, 1024, LKEY0, VA0);
	seed_write("recv-short", s.b, s.n);
	wseed_start(&s, HW_MODE_RECV, 0, 40 + 64);
	wqe_data(&s, 2048, LKEY0 + 2, VA0 + 0x20000);
	seed_write("recv-foreign", s.b, s.n);
}

/** Write the seeds of both harnesses under argv[1]. */
int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	dir_enter(argv[1], "hcasim_msg");
	msg_seeds_valid();
	msg_seeds_refused();
	dir_enter(argv[1], "hcasim_wqe");
	wqe_seeds_gather();
	wqe_seeds_inline();
	wqe_seeds_refused();
	wqe_seeds_offload();
	wqe_seeds_recv();
	return 0;
}
