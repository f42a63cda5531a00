/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCASIM_WQE_H
#define HCASIM_WQE_H

/**
 * @file
 * Validation of the work requests a client posts (send WQEs, receive
 * data segments), in ConnectX formats (<infiniband/mlx5dv.h>): pure
 * functions over a private copy of the WQE's bytes, with the lkey/address
 * translation (the IOMMU check) as a callback. They read only the bytes
 * given and reach client memory only through the callback. The data path
 * (hcasim_dp.c) runs them on every WQE; the fuzz harness
 * test/fuzz/hcasim/fuzz_hcasim_wqe.c runs them on arbitrary bytes with a
 * model of registered regions.
 */

#include <stdbool.h>
#include <stdint.h>
#include <endian.h>
#include <string.h>
#include <sys/uio.h>

#include "hcasim.h"
#include "hcasim_wire.h"
#include "hca_dp.h"
#include "hca_dp_eth.h"

/** Bytes of the longest send WQE: HCASIM_MAX_DS units in whole blocks. */
#define HCASIM_WQE_MAX_BYTES ((HCASIM_MAX_DS * 16 + MLX5_SEND_WQE_BB - 1) / \
			      MLX5_SEND_WQE_BB * MLX5_SEND_WQE_BB)
/** 64-byte blocks of the longest send WQE. */
#define HCASIM_WQE_MAX_BLOCKS (HCASIM_WQE_MAX_BYTES / MLX5_SEND_WQE_BB)
/** 16-byte units of a send WQE without payload: control + datagram. */
#define HCASIM_WQE_MIN_DS 4
/** Most bytes one send may gather (the wire's largest payload). */
#define HCASIM_WQE_MAX_PAYLOAD HCASIM_WIRE_MAX_PAYLOAD

/** A UD send as its WQE asks for it. */
struct hcasim_send {
	/* control segment */
	uint32_t ds;                 /**< size in 16-byte units */
	uint32_t nblk;               /**< size in 64-byte blocks */
	bool signalled;              /**< a completion is wanted */
	/** an Ethernet segment follows the datagram segment (opcode LSO,
	 *  or SEND with opmod HCA_WQE_OPMOD_ETH: hcasim_offload.h) */
	bool eth;
	/* datagram segment (address vector) */
	uint32_t dqpn;
	uint32_t qkey;               /**< high bit set: use the QP's */
	uint16_t dlid;
	uint8_t path_bits;           /**< low bits of the source LID */
	uint8_t sl;
	bool grh;
	uint8_t tclass;
	uint8_t hop_limit;
	uint32_t flow_label;
	uint8_t dgid[16];
	/* payload */
	uint32_t len;                /**< bytes, sum of the iov lengths */
	int iovcnt;
	/** where the bytes are: inside the WQE copy (inline) or in
	 *  registered memory, as the translation returned it */
	struct iovec iov[HCASIM_MAX_DS];
};

/**
 * Translate a client's address range through an lkey.
 *
 * @param ctx   the caller's context
 * @param lkey  the key of the region the client names
 * @param addr  the client's address of the first byte
 * @param len   the range's length
 * @return where the range is in this process, or NULL when the client
 *         may not access all of it through that key
 */
typedef uint8_t *(*hcasim_xlate_t)(void *ctx, uint32_t lkey, uint64_t addr,
				   uint32_t len);

/**
 * Whether a client may access a range through a region, and where the
 * range is: the region must exist, belong to the client and PD, not be
 * poisoned, and hold the whole range.
 *
 * @param mr     the region the lkey names, or NULL
 * @param owner  the client acting
 * @param pdn    its QP's protection domain
 * @param addr   the client's address of the first byte
 * @param len    the range's length
 * @return the daemon's pointer to addr, or NULL when not allowed
 */
static inline uint8_t *
hcasim_mr_translate(const struct hcasim_mr *mr,
		    const struct hcasim_client *owner, uint32_t pdn,
		    uint64_t addr, uint32_t len)
{
	if (mr == NULL || mr->owner != owner || mr->pdn != pdn ||
	    __atomic_load_n(&mr->poisoned, __ATOMIC_RELAXED))
		return NULL;
	if (addr < mr->va || addr - mr->va > mr->len ||
	    len > mr->len - (addr - mr->va))
		return NULL;
	return mr->base + (addr - mr->va);
}

/**
 * The parsers are inlined into the data path (with the translation
 * callback, which the compiler then calls directly): out of line they
 * cost the daemon a fifth more instructions per datagram.
 */
#define HCASIM_WQE_FN static inline __attribute__((always_inline))

/** Offset of the payload segments: control (16) + datagram (48). */
#define HCASIM_WQE_PAYLOAD_OFF 64

/**
 * First step of hcasim_wqe_parse(): check a send WQE's control segment
 * (opcode SEND or LSO; LSO, or SEND with opmod HCA_WQE_OPMOD_ETH, sets
 * out->eth: an Ethernet segment follows; the expected index, a size of
 * HCASIM_WQE_MIN_DS ..
 * HCASIM_MAX_DS units in at most avail_bytes). It reads the first 16
 * bytes only, so the data path runs it on the first block before it
 * copies the others (out->nblk of them in all).
 *
 * @param wqe          the WQE's first 64 bytes at least
 * @param avail_bytes  bytes posted from the WQE's start on
 * @param expect_idx   the index the WQE must carry (the ring position)
 * @param out          its ds, nblk and signalled are set (ds and nblk
 *                     to 0 when the segment is refused)
 * @return true when the control segment is good
 */
HCASIM_WQE_FN bool
hcasim_wqe_ctrl_parse(const uint8_t *wqe, uint32_t avail_bytes,
		      uint16_t expect_idx, struct hcasim_send *out)
{
	struct mlx5_wqe_ctrl_seg ctrl;
	uint32_t opc, ds, nblk;

	out->ds = 0;
	out->nblk = 0;
	if (avail_bytes < MLX5_SEND_WQE_BB)
		return false;
	memcpy(&ctrl, wqe, sizeof(ctrl));
	opc = be32toh(ctrl.opmod_idx_opcode);
	ds = be32toh(ctrl.qpn_ds) & 0xff;
	nblk = (ds * 16 + MLX5_SEND_WQE_BB - 1) / MLX5_SEND_WQE_BB;
	out->eth = (opc & 0xff) == HCA_OPCODE_LSO ||
		   opc >> 24 == HCA_WQE_OPMOD_ETH;
	if (__builtin_expect(((opc & 0xff) != MLX5_OPCODE_SEND &&
			      (opc & 0xff) != HCA_OPCODE_LSO) ||
			     ((opc >> 8) & 0xffff) != expect_idx ||
			     ds < HCASIM_WQE_MIN_DS || ds > HCASIM_MAX_DS ||
			     nblk > avail_bytes / MLX5_SEND_WQE_BB, 0))
		return false;
	out->ds = ds;
	out->nblk = nblk;
	out->signalled = (ctrl.fm_ce_se & MLX5_WQE_CTRL_CQ_UPDATE) != 0;
	return true;
}

/** Read the address vector (the datagram segment) of a WQE into out. */
HCASIM_WQE_FN void
hcasim_wqe_av_parse(const uint8_t *wqe, struct hcasim_send *out)
{
	struct mlx5_wqe_av av;
	uint32_t gid_fl;

	memcpy(&av, wqe + sizeof(struct mlx5_wqe_ctrl_seg), sizeof(av));
	gid_fl = be32toh(av.grh_gid_fl);
	out->qkey = be32toh(av.key.qkey.qkey);
	out->dqpn = be32toh(av.dqp_dct) & 0xffffff;
	out->sl = av.stat_rate_sl & 0xf;
	out->dlid = be16toh(av.rlid);
	out->grh = (gid_fl & HCA_AV_GRH) != 0;
	out->flow_label = gid_fl & 0xfffff;
	out->tclass = av.tclass;
	out->hop_limit = av.hop_limit;
	memcpy(out->dgid, av.rgid, 16);
	out->path_bits = av.fl_mlid & 0x7f; /* masked by the LMC later */
}

/**
 * Take an inline payload: its length word at HCASIM_WQE_PAYLOAD_OFF,
 * its bytes after it, all inside the WQE's ds units.
 *
 * @param end  the WQE's size in bytes
 * @return 0 or MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR
 */
HCASIM_WQE_FN int
hcasim_wqe_inline_parse(const uint8_t *wqe, uint32_t end, uint32_t bc,
			struct hcasim_send *out)
{
	uint32_t ilen = bc & ~MLX5_INLINE_SEG;

	if (ilen > HCASIM_MAX_INLINE ||
	    HCASIM_WQE_PAYLOAD_OFF + 4 + ilen > end)
		return MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR;
	out->iov[0].iov_base =
		(void *)(uintptr_t)(wqe + HCASIM_WQE_PAYLOAD_OFF + 4);
	out->iov[0].iov_len = ilen;
	out->iovcnt = ilen != 0;
	out->len = ilen;
	return 0;
}

/**
 * Take a gather list: every data segment up to the WQE's end, each
 * translated, the total bounded.
 *
 * @param end  the WQE's size in bytes
 * @return 0 or a syndrome
 */
HCASIM_WQE_FN int
hcasim_wqe_gather_parse(const uint8_t *wqe, uint32_t end,
			hcasim_xlate_t xlate, void *ctx,
			struct hcasim_send *out)
{
	uint32_t off;

	for (off = HCASIM_WQE_PAYLOAD_OFF; off + 16 <= end; off += 16) {
		struct mlx5_wqe_data_seg d;
		uint32_t len;
		uint8_t *src;

		memcpy(&d, wqe + off, sizeof(d));
		len = be32toh(d.byte_count);
		if (len & MLX5_INLINE_SEG)
			return MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
		if (len == 0) /* a ConnectX reads 0 as 2 GiB */
			return MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR;
		src = xlate(ctx, be32toh(d.lkey), be64toh(d.addr), len);
		if (src == NULL)
			return MLX5_CQE_SYNDROME_LOCAL_PROT_ERR;
		if (len > HCASIM_WQE_MAX_PAYLOAD ||
		    out->len + len > HCASIM_WQE_MAX_PAYLOAD)
			return MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR;
		out->iov[out->iovcnt].iov_base = src;
		out->iov[out->iovcnt].iov_len = len;
		out->iovcnt++;
		out->len += len;
	}
	return 0;
}

/**
 * Second step of hcasim_wqe_parse(): the address vector and the payload
 * of a WQE whose control segment hcasim_wqe_ctrl_parse() accepted.
 *
 * @param wqe    a private copy of the WQE's out->nblk blocks (inline
 *               payloads point into it)
 * @param xlate  the lkey/address translation
 * @param ctx    its context
 * @param out    the send, its control fields set; the rest is filled
 * @return 0 or a syndrome, as hcasim_wqe_parse()
 */
HCASIM_WQE_FN int
hcasim_wqe_body_parse(const uint8_t *wqe, hcasim_xlate_t xlate, void *ctx,
		      struct hcasim_send *out)
{
	uint32_t end, bc;

	out->len = 0;
	out->iovcnt = 0;
	hcasim_wqe_av_parse(wqe, out);
	if (out->ds == HCASIM_WQE_MIN_DS)
		return 0;
	end = out->ds * 16;
	memcpy(&bc, wqe + HCASIM_WQE_PAYLOAD_OFF, 4);
	bc = be32toh(bc);
	if (bc & MLX5_INLINE_SEG)
		return hcasim_wqe_inline_parse(wqe, end, bc, out);
	return hcasim_wqe_gather_parse(wqe, end, xlate, ctx, out);
}

/**
 * Parse and check a UD send WQE: the control segment (opcode SEND, the
 * expected index, a size of HCASIM_WQE_MIN_DS .. HCASIM_MAX_DS units
 * that the bytes given hold), the address vector, then the payload: one
 * inline segment (at most HCASIM_MAX_INLINE bytes, inside the WQE) or
 * data segments, each translated through xlate, together at most
 * HCASIM_WQE_MAX_PAYLOAD bytes. Zero-length data segments are skipped.
 *
 * @param wqe          a private copy of the WQE (inline payloads point
 *                     into it)
 * @param avail_bytes  the bytes of it that were posted and copied (a
 *                     multiple of 64 when taken from a ring)
 * @param expect_idx   the index the WQE must carry (the ring position)
 * @param xlate        the lkey/address translation
 * @param ctx          its context
 * @param out          filled with the send (ds and nblk are 0 when the
 *                     control segment is refused; the rest is only
 *                     meaningful on success)
 * @return 0, or the error completion's syndrome:
 *         MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR (bad control segment, an
 *         inline flag on a data segment),
 *         MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR (inline segment too long
 *         or past the WQE, payload too long),
 *         MLX5_CQE_SYNDROME_LOCAL_PROT_ERR (translation refused)
 */
HCASIM_WQE_FN int
hcasim_wqe_parse(const uint8_t *wqe, uint32_t avail_bytes,
		 uint16_t expect_idx, hcasim_xlate_t xlate, void *ctx,
		 struct hcasim_send *out)
{
	out->len = 0;
	out->iovcnt = 0;
	if (!hcasim_wqe_ctrl_parse(wqe, avail_bytes, expect_idx, out))
		return MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
	return hcasim_wqe_body_parse(wqe, xlate, ctx, out);
}


/**
 * Check a receive WQE (one data segment) for a datagram: the buffer must
 * be translatable through xlate and hold need bytes.
 *
 * @param seg    a private copy of the 16-byte data segment
 * @param need   bytes the datagram takes (GRH area + payload)
 * @param xlate  the lkey/address translation
 * @param ctx    its context
 * @param dst    set to the buffer on success
 * @return 0, MLX5_CQE_SYNDROME_LOCAL_PROT_ERR (translation refused) or
 *         MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR (buffer shorter than need)
 */
HCASIM_WQE_FN int
hcasim_recv_wqe_parse(const struct mlx5_wqe_data_seg *seg, uint32_t need,
		      hcasim_xlate_t xlate, void *ctx, uint8_t **dst)
{
	uint32_t blen = be32toh(seg->byte_count);
	uint8_t *buf = xlate(ctx, be32toh(seg->lkey), be64toh(seg->addr),
			     blen);

	if (buf == NULL)
		return MLX5_CQE_SYNDROME_LOCAL_PROT_ERR;
	if (blen < need)
		return MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR;
	*dst = buf;
	return 0;
}

#endif /* HCASIM_WQE_H */
