/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Fuzz harness: the work requests a soft HCA client posts, through the
 * data path's own checks (app/hcasim/hcasim_wqe.h: hcasim_wqe_parse, made
 * of hcasim_wqe_ctrl_parse and hcasim_wqe_body_parse as the data path
 * calls them; hcasim_recv_wqe_parse, hcasim_mr_translate), with a
 * model of registered memory regions behind the translation callback.
 *
 * Input (layout in fuzz_hcasim_wqe.h, written by the seed generator):
 * a mode byte (send WQE or receive segment), up to HW_MAX_REGIONS region
 * descriptors (lkey, client address, length, and whether the region is
 * another client's, in another PD, or poisoned), the expected WQE index,
 * the bytes a receive needs, then the WQE. Each region is backed by its
 * own exactly sized allocation, so that AddressSanitizer reports any
 * access outside it.
 *
 * Checks:
 *  - the translation (the daemon's hcasim_mr_translate()) hands out a
 *    range exactly when the region is the client's, in its PD, not
 *    poisoned and holds the whole range, and the range it hands out lies
 *    inside the region's memory;
 *  - every byte an accepted send gathers lies in a region the client owns
 *    (or, inline, inside the WQE's own ds units), every byte is read, and
 *    the gather list is exactly the WQE's non-empty data segments, in
 *    order, their lengths summing to the payload length;
 *  - the control segment is refused exactly when the reference says so;
 *    the address vector's fields equal the bytes they come from;
 *  - results are 0 or the documented syndromes; a refused translation
 *    gives a protection error, a too long payload a length error;
 *  - an accepted receive buffer lies in the client's region, holds the
 *    bytes needed, and is written in full.
 */

#include <stdlib.h>
#include <string.h>

#include "hcasim_wqe.h"
#include "hcasim_offload.h"
#include "fuzz_hcasim_wqe.h"

#include "fuzz.h"

/** Bytes of the WQE fields the references read (mlx5dv.h layout). */
#define CTRL_LEN 16
#define AV_OFF 16

_Static_assert(sizeof(struct mlx5_wqe_ctrl_seg) == CTRL_LEN, "ctrl");
_Static_assert(sizeof(struct mlx5_wqe_av) == 48, "av");
_Static_assert(offsetof(struct mlx5_wqe_av, dqp_dct) == 8 &&
	       offsetof(struct mlx5_wqe_av, rlid) == 14 &&
	       offsetof(struct mlx5_wqe_av, tclass) == 26 &&
	       offsetof(struct mlx5_wqe_av, grh_gid_fl) == 28 &&
	       offsetof(struct mlx5_wqe_av, rgid) == 32, "av layout");

/** One translation the parser asked for. */
struct xlate_call {
	uint32_t lkey;
	uint64_t addr;
	uint32_t len;
	uint8_t *ret;
};

/** The modelled client: its regions and the translations asked. */
struct model {
	struct hcasim_client *me;        /**< the fuzzed client */
	struct hcasim_client *other;     /**< someone else */
	uint32_t pdn;
	unsigned int nmr;
	struct hcasim_mr mr[HW_MAX_REGIONS];
	unsigned int ncalls;
	struct xlate_call calls[HCASIM_MAX_DS + 1];
};

/** The first region with an lkey, as the daemon's table would find it. */
static const struct hcasim_mr *
model_lookup(const struct model *m, uint32_t lkey)
{
	unsigned int i;

	for (i = 0; i < m->nmr; i++)
		if (m->mr[i].lkey == lkey)
			return &m->mr[i];
	return NULL;
}

/**
 * Whether the client may access [addr, addr + len) through a region,
 * computed without the daemon's arithmetic (in 128 bits).
 */
static bool
ref_allowed(const struct model *m, const struct hcasim_mr *mr, uint64_t addr,
	    uint32_t len)
{
	unsigned __int128 end = (unsigned __int128)addr + len;

	return mr != NULL && mr->owner == m->me && mr->pdn == m->pdn &&
	       !mr->poisoned && addr >= mr->va &&
	       end <= (unsigned __int128)mr->va + mr->len;
}

/**
 * The translation callback: the daemon's check over the model's regions,
 * asserted against the reference, every call recorded.
 */
static uint8_t *
model_xlate(void *ctx, uint32_t lkey, uint64_t addr, uint32_t len)
{
	struct model *m = ctx;
	const struct hcasim_mr *mr = model_lookup(m, lkey);
	uint8_t *p = hcasim_mr_translate(mr, m->me, m->pdn, addr, len);

	FUZZ_CHECK((p != NULL) == ref_allowed(m, mr, addr, len));
	if (p != NULL) {
		FUZZ_CHECK(p == mr->base + (addr - mr->va));
		FUZZ_CHECK(fuzz_inside(p, len, mr->base, mr->len));
	}
	FUZZ_CHECK(m->ncalls < HCASIM_MAX_DS + 1);
	m->calls[m->ncalls++] = (struct xlate_call){ lkey, addr, len, p };
	return p;
}

/** The region of the client whose memory holds [p, p + n), or NULL. */
static const struct hcasim_mr *
owned_region_holding(const struct model *m, const uint8_t *p, size_t n)
{
	unsigned int i;

	for (i = 0; i < m->nmr; i++) {
		const struct hcasim_mr *mr = &m->mr[i];

		if (mr->owner == m->me && mr->pdn == m->pdn &&
		    !mr->poisoned && fuzz_inside(p, n, mr->base, mr->len))
			return mr;
	}
	return NULL;
}

/** Read every byte of a range (AddressSanitizer checks each). */
static uint32_t
touch(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += p[i];
	return sum;
}

/** Check the address vector's fields against the WQE's bytes. */
static void
check_av(const uint8_t *w, const struct hcasim_send *s)
{
	const uint8_t *av = w + AV_OFF;
	uint32_t gid_fl = fuzz_be32(av + 28);

	FUZZ_CHECK(s->qkey == fuzz_be32(av));
	FUZZ_CHECK(s->dqpn == (fuzz_be32(av + 8) & 0xffffff));
	FUZZ_CHECK(s->sl == (av[12] & 0xf));
	FUZZ_CHECK(s->path_bits == (av[13] & 0x7f));
	FUZZ_CHECK(s->dlid == fuzz_be16(av + 14));
	FUZZ_CHECK(s->tclass == av[26] && s->hop_limit == av[27]);
	FUZZ_CHECK(s->grh == ((gid_fl >> 30) & 1));
	FUZZ_CHECK(s->flow_label == (gid_fl & 0xfffff));
	FUZZ_CHECK(memcmp(s->dgid, av + 32, 16) == 0);
}

/**
 * Check an accepted inline payload: inside the WQE's ds units, right
 * after its length word.
 */
static void
check_inline(const uint8_t *w, uint32_t end, const struct hcasim_send *s)
{
	uint32_t ilen = fuzz_be32(w + 64) & 0x7fffffff;

	FUZZ_CHECK(ilen <= HCASIM_MAX_INLINE && 68 + ilen <= end);
	FUZZ_CHECK(s->len == ilen && s->iovcnt == (ilen != 0));
	if (ilen != 0) {
		FUZZ_CHECK(s->iov[0].iov_base == w + 68);
		FUZZ_CHECK(s->iov[0].iov_len == ilen);
		FUZZ_CHECK(fuzz_inside(s->iov[0].iov_base, ilen, w, end));
		touch(s->iov[0].iov_base, ilen);
	}
}

/**
 * Check an accepted gather list: one entry per non-empty data segment,
 * in order, each the translation of that segment, in an owned region.
 */
static void
check_gather(const struct model *m, const uint8_t *w, uint32_t end,
	     const struct hcasim_send *s)
{
	uint32_t off, total = 0;
	int k = 0;

	for (off = 64; off + 16 <= end; off += 16) {
		uint32_t len = fuzz_be32(w + off);
		uint64_t addr = fuzz_be64(w + off + 8);
		const struct hcasim_mr *mr;

		FUZZ_CHECK(!(len & 0x80000000u));
		if (len == 0)
			continue;
		FUZZ_CHECK(k < s->iovcnt);
		mr = model_lookup(m, fuzz_be32(w + off + 4));
		FUZZ_CHECK(ref_allowed(m, mr, addr, len));
		FUZZ_CHECK(s->iov[k].iov_len == len);
		FUZZ_CHECK(s->iov[k].iov_base == mr->base + (addr - mr->va));
		FUZZ_CHECK(owned_region_holding(m, s->iov[k].iov_base, len) !=
			   NULL);
		touch(s->iov[k].iov_base, len);
		total += len;
		k++;
	}
	FUZZ_CHECK(k == s->iovcnt);
	FUZZ_CHECK(total == s->len && total <= HCASIM_WQE_MAX_PAYLOAD);
}

/** Whether the reference accepts a control segment. */
static bool
ref_ctrl_ok(const uint8_t *w, uint32_t avail, uint16_t idx)
{
	uint32_t ds;

	if (avail < 64)
		return false;
	ds = w[7];
	return (w[3] == MLX5_OPCODE_SEND || w[3] == HCA_OPCODE_LSO) &&
	       fuzz_be16(w + 1) == idx &&
	       ds >= 4 && ds <= HCASIM_MAX_DS && (ds * 16 + 63) / 64 * 64 <=
	       avail;
}

/**
 * Run a send WQE with an Ethernet segment through the offload path
 * (hcasim_offload.h) as the data path does: parse and linearize, check
 * the headers, build every datagram; each must fit the MTU.
 */
static void
check_offload(const struct model *orig, const uint8_t *w,
	      const struct hcasim_send *c)
{
	struct model copy = *orig, *m = &copy; /* its own calls */
	static uint8_t lin[HCASIM_LSO_MAX], seg[HCASIM_WIRE_MAX_PAYLOAD];
	struct hcasim_send s = *c;
	struct hcasim_eth eth;
	uint32_t mtu = 256u << (w[15] & 3), len, i;
	int syn;

	m->ncalls = 0;
	syn = hcasim_offload_parse(w, model_xlate, m, lin, sizeof(lin), &s,
				   &eth);
	FUZZ_CHECK(syn == 0 || syn == MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR ||
		   syn == MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR ||
		   syn == MLX5_CQE_SYNDROME_LOCAL_PROT_ERR);
	if (syn != 0)
		return;
	FUZZ_CHECK(s.len <= sizeof(lin) && eth.ihs <= s.len);
	len = s.len;
	syn = hcasim_offload_prepare(lin, len, mtu, &eth);
	FUZZ_CHECK(syn == 0 || syn == MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR ||
		   syn == MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR);
	if (syn != 0)
		return;
	FUZZ_CHECK(eth.nseg >= 1 && eth.hdr_len <= len);
	for (i = 0; i < eth.nseg; i++)
		FUZZ_CHECK(hcasim_offload_segment(lin, len, &eth, i, seg) <=
			   mtu);
}

/** Run a send WQE through the parser and check its answer. */
static void
check_send(struct model *m, const uint8_t *w, uint32_t avail, uint16_t idx)
{
	struct hcasim_send s;
	uint32_t end;
	int syn;

	memset(&s, 0x5a, sizeof(s));
	syn = hcasim_wqe_parse(w, avail, idx, model_xlate, m, &s);
	if (s.ds != 0 && s.eth)
		check_offload(m, w, &s);
	FUZZ_CHECK(syn == 0 || syn == MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR ||
		   syn == MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR ||
		   syn == MLX5_CQE_SYNDROME_LOCAL_PROT_ERR);
	if (!ref_ctrl_ok(w, avail, idx)) {
		FUZZ_CHECK(syn == MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR);
		FUZZ_CHECK(s.ds == 0 && s.nblk == 0 && m->ncalls == 0);
		return;
	}
	FUZZ_CHECK(s.ds == w[7] && s.nblk == (s.ds * 16 + 63) / 64);
	FUZZ_CHECK(s.nblk * 64 <= avail);
	FUZZ_CHECK(s.signalled == ((w[11] & MLX5_WQE_CTRL_CQ_UPDATE) != 0));
	if (syn == MLX5_CQE_SYNDROME_LOCAL_PROT_ERR)
		FUZZ_CHECK(m->ncalls > 0 &&
			   m->calls[m->ncalls - 1].ret == NULL);
	if (syn != 0)
		return;
	check_av(w, &s);
	end = s.ds * 16;
	FUZZ_CHECK(s.iovcnt >= 0 && s.iovcnt <= HCASIM_MAX_DS);
	if (s.ds == 4)
		FUZZ_CHECK(s.len == 0 && s.iovcnt == 0);
	else if (w[64] & 0x80)
		check_inline(w, end, &s);
	else
		check_gather(m, w, end, &s);
}

/** Run a receive data segment through its check and check the answer. */
static void
check_recv(struct model *m, const uint8_t *w, uint32_t avail, uint32_t need)
{
	struct mlx5_wqe_data_seg seg;
	uint8_t *dst = NULL;
	uint32_t blen;
	int syn;

	if (avail < sizeof(seg))
		return;
	memcpy(&seg, w, sizeof(seg));
	blen = fuzz_be32(w);
	syn = hcasim_recv_wqe_parse(&seg, need, model_xlate, m, &dst);
	FUZZ_CHECK(syn == 0 || syn == MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR ||
		   syn == MLX5_CQE_SYNDROME_LOCAL_PROT_ERR);
	FUZZ_CHECK(m->ncalls == 1);
	FUZZ_CHECK((syn == MLX5_CQE_SYNDROME_LOCAL_PROT_ERR) ==
		   (m->calls[0].ret == NULL));
	if (syn != 0)
		return;
	FUZZ_CHECK(blen >= need && dst == m->calls[0].ret);
	FUZZ_CHECK(owned_region_holding(m, dst, blen) != NULL);
	memset(dst, 0xee, need); /* the daemon writes GRH + payload */
}

/**
 * Build the model's regions from their descriptors, each backed by an
 * allocation of exactly its length.
 *
 * @return the bytes of input consumed
 */
static size_t
model_build(struct model *m, const uint8_t *d, size_t n)
{
	size_t used = 1;
	unsigned int i, want;

	if (n < 1)
		return 0;
	want = d[0] % (HW_MAX_REGIONS + 1);
	for (i = 0; i < want && used + HW_REGION_LEN <= n; i++) {
		const uint8_t *r = d + used;
		struct hcasim_mr *mr = &m->mr[m->nmr++];

		mr->lkey = fuzz_be32(r);
		mr->va = fuzz_be64(r + 4);
		mr->len = (fuzz_be16(r + 12) & HW_REGION_LEN_MASK) + 1;
		mr->owner = (r[14] & HW_REGION_FOREIGN) ? m->other : m->me;
		mr->pdn = (r[14] & HW_REGION_OTHER_PD) ? m->pdn + 1 : m->pdn;
		mr->poisoned = (r[14] & HW_REGION_POISONED) != 0;
		mr->base = malloc(mr->len);
		FUZZ_CHECK(mr->base != NULL);
		memset(mr->base, r[15], mr->len);
		used += HW_REGION_LEN;
	}
	return used;
}

/** Free the model's region memory. */
static void
model_free(struct model *m)
{
	unsigned int i;

	for (i = 0; i < m->nmr; i++)
		free(m->mr[i].base);
}

/* See fuzz.h. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hcasim_client me, other;
	struct model m;
	uint8_t mode, *wqe;
	uint16_t idx;
	uint32_t need, avail;
	size_t used;

	if (size < 1 + 1 + HW_TAIL_LEN)
		return 0;
	memset(&m, 0, sizeof(m));
	m.me = &me;
	m.other = &other;
	m.pdn = 1;
	mode = data[0];
	used = 1 + model_build(&m, data + 1, size - 1 - HW_TAIL_LEN);
	idx = fuzz_be16(data + used);
	need = fuzz_be16(data + used + 2);
	used += HW_TAIL_LEN;
	avail = (uint32_t)(size - used);
	if (avail > HCASIM_WQE_MAX_BYTES)
		avail = HCASIM_WQE_MAX_BYTES;
	/* an exactly sized private copy, as the data path makes */
	wqe = malloc(avail != 0 ? avail : 1);
	FUZZ_CHECK(wqe != NULL);
	memcpy(wqe, data + used, avail);
	if (mode & HW_MODE_RECV)
		check_recv(&m, wqe, avail, need);
	else
		check_send(&m, wqe, (mode & HW_MODE_BLOCKS) ?
			   avail / 64 * 64 : avail, idx);
	free(wqe);
	model_free(&m);
	return 0;
}
