/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_DP_H
#define HCA_DP_H

/**
 * @file
 * The HCA access layer's data path: inline helpers that post receive
 * buffers, build UD send WQEs, ring doorbells and poll CQEs in ConnectX
 * formats (rdma-core's <infiniband/mlx5dv.h>). No locks, no system calls,
 * no allocation: these run in a PMD's hot loop. One thread per QP/CQ.
 *
 * The formats, as the soft HCA implements them (and ConnectX does):
 *
 * - Address vector (struct mlx5_wqe_av, 48 bytes): key.qkey.qkey = Q_Key;
 *   dqp_dct = destination QPN | MLX5_EXTENDED_UD_AV; stat_rate_sl = static
 *   rate << 4 | SL; rlid = DLID; grh_gid_fl = (1 << 30 when a GRH is sent)
 *   | SGID index << 20 | flow label; tclass, hop_limit, rgid = the GRH's.
 * - Send WQE: control segment (opmod_idx_opcode = WQE index << 8 |
 *   MLX5_OPCODE_SEND; qpn_ds = QPN << 8 | size in 16-byte units; fm_ce_se
 *   has MLX5_WQE_CTRL_CQ_UPDATE when a completion is wanted), datagram
 *   segment, then either one inline segment (byte_count = length |
 *   MLX5_INLINE_SEG, data padded to 16 bytes) or data segments.
 * - Receive CQE (op_own opcode MLX5_CQE_RESP_SEND): byte_cnt = bytes
 *   written including the 40-byte GRH area; flags_rqpn = GRH present
 *   (bits 28-29) | SL << 24 | source QPN; slid; wqe_counter = receive WQE
 *   index; sop_drop_qpn = the local QPN. An RQ reached through a TIR
 *   (RSS) also gets rx_hash_result (bytes 12-15, big endian: the Toeplitz
 *   hash of the inner headers, 0 for non-IP) and rx_hash_type (byte 16:
 *   bits 3:2 the IP type hashed, 1 IPv4, 2 IPv6; bits 7:6 the L4 type,
 *   1 TCP, 2 UDP), both inside mlx5_cqe64's rsvd4[] (DPDK's mlx5_prm.h
 *   names them in struct mlx5_cqe); imm_inval_pkey is not the hash (on UD
 *   it carries the P_Key).
 * - Send CQE (MLX5_CQE_REQ): wqe_counter = index of the signalled WQE.
 * - Error CQE (MLX5_CQE_REQ_ERR / MLX5_CQE_RESP_ERR, struct mlx5_err_cqe):
 *   syndrome says why (MLX5_CQE_SYNDROME_LOCAL_PROT_ERR for a bad lkey or
 *   an address outside the region, _LOCAL_LENGTH_ERR, _WR_FLUSH_ERR, ...).
 * - Owner bit: a CQE at free-running index n is the software's when
 *   (op_own & 1) == ((n / cqe_cnt) & 1) and its opcode is not
 *   MLX5_CQE_INVALID; the device fills the ring with MLX5_CQE_INVALID
 *   first.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <endian.h>

#include <infiniband/mlx5dv.h>

#include "hca_dev.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A helper the data path wants inlined whatever the compiler thinks. */
#define HCA_DP_ALWAYS_INLINE inline __attribute__((always_inline))
/** Kept out of line (a rare case of a fast path); unused in some users. */
#define HCA_DP_OUT_OF_LINE __attribute__((noinline, unused))

/** Bytes of GRH area at the head of every UD receive buffer. */
#define HCA_GRH_LEN 40
/** grh_gid_fl bit that says the AV sends a GRH. */
#define HCA_AV_GRH (1u << 30)

/** Byte offset of rx_hash_result in a CQE (32 bits, big endian). */
#define HCA_CQE_RX_HASH_OFF 12
/** Byte offset of rx_hash_type in a CQE. */
#define HCA_CQE_RX_HASH_TYPE_OFF 16
/** rx_hash_type: the IP addresses hashed were IPv4 ones. */
#define HCA_CQE_RSS_IPV4 (1u << 2)
/** rx_hash_type: the IP addresses hashed were IPv6 ones. */
#define HCA_CQE_RSS_IPV6 (2u << 2)
/** rx_hash_type: TCP ports were hashed too. */
#define HCA_CQE_RSS_TCP (1u << 6)
/** rx_hash_type: UDP ports were hashed too. */
#define HCA_CQE_RSS_UDP (2u << 6)

/* both lie in mlx5_cqe64's reserved bytes 4-16 */
_Static_assert(offsetof(struct mlx5_cqe64, rsvd4) == 4 &&
	       sizeof(((struct mlx5_cqe64 *)0)->rsvd4) >= 13,
	       "rx_hash_result and rx_hash_type inside rsvd4");

/** One gather entry of a send. */
struct hca_sge {
	uint64_t addr;
	uint32_t len;
	uint32_t lkey;
};

/** What a receive completion says, decoded. */
struct hca_rx_cqe {
	uint32_t byte_cnt;           /**< including the 40-byte GRH area */
	uint32_t src_qpn;
	uint16_t slid;
	uint8_t sl;
	bool grh;
	uint16_t wqe_index;          /**< receive WQE counter */
	uint32_t rss_hash;
};

/** Release barrier before a doorbell: WQE writes become visible first. */
static inline void
hca_dp_wmb(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/**
 * Store fence before a write to a doorbell register (write-combined
 * device memory): the doorbell record and the WQE reach memory before
 * the register write leaves the CPU. A compiler or release barrier is
 * not enough there (sfence on x86, as rte_wmb()).
 */
static inline void
hca_dp_io_wmb(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("sfence" : : : "memory");
#elif defined(__aarch64__)
	__asm__ volatile("dsb st" : : : "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/** Acquire barrier after reading a CQE's owner byte. */
static inline void
hca_dp_rmb(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

/**
 * Fill an address vector for UD sends.
 *
 * @param av        the vector (48 bytes, copied into each WQE)
 * @param dqpn      destination QPN (0xFFFFFF for multicast)
 * @param qkey      destination Q_Key
 * @param dlid      destination LID or MLID
 * @param sl        service level
 * @param rate      static rate code (0 = port rate)
 * @param dgid      destination GID when a GRH is sent, else NULL
 * @param hop_limit, tclass, flow_label  GRH fields (ignored without dgid)
 */
static inline void
hca_av_fill(struct mlx5_wqe_av *av, uint32_t dqpn, uint32_t qkey,
	    uint16_t dlid, uint8_t sl, uint8_t rate, const union hca_gid *dgid,
	    uint8_t hop_limit, uint8_t tclass, uint32_t flow_label)
{
	memset(av, 0, sizeof(*av));
	av->key.qkey.qkey = htobe32(qkey);
	av->dqp_dct = htobe32((dqpn & 0xffffff) | MLX5_EXTENDED_UD_AV);
	av->stat_rate_sl = (uint8_t)((rate << 4) | (sl & 0xf));
	av->rlid = htobe16(dlid);
	if (dgid != NULL) {
		av->grh_gid_fl = htobe32(HCA_AV_GRH | (flow_label & 0xfffff));
		av->hop_limit = hop_limit;
		av->tclass = tclass;
		memcpy(av->rgid, dgid->raw, sizeof(av->rgid));
	}
}

/**
 * Post one receive buffer (not visible to the device until
 * hca_rq_doorbell()). The caller keeps at most rq_wqe_cnt posted.
 */
static inline void
hca_rq_post(struct hca_qp *qp, uint64_t addr, uint32_t len, uint32_t lkey)
{
	struct mlx5_wqe_data_seg *seg =
		&qp->rq_buf[qp->rq_head & (qp->rq_wqe_cnt - 1)];

	seg->byte_count = htobe32(len);
	seg->lkey = htobe32(lkey);
	seg->addr = htobe64(addr);
	qp->rq_head++;
}

/** Make every receive buffer posted so far visible to the device. */
static inline void
hca_rq_doorbell(struct hca_qp *qp)
{
	hca_dp_wmb();
	qp->dbrec[MLX5_RCV_DBR] = htobe32(qp->rq_head & 0xffff);
}

/** Pointer to send basic block number idx (wrapping). */
static inline void *
hca_sq_block(struct hca_qp *qp, uint32_t idx)
{
	return qp->sq_buf +
		((size_t)(idx & (qp->sq_wqe_cnt - 1)) << MLX5_SEND_WQE_SHIFT);
}

/** Basic blocks a UD WQE takes with n data segments (or inline bytes). */
static inline uint32_t
hca_ud_wqe_blocks(uint32_t n_sge, uint32_t inline_len)
{
	uint32_t units = 1 + 3; /* control + datagram, in 16-byte units */

	if (inline_len != 0)
		units += (4 + inline_len + 15) / 16;
	else
		units += n_sge;
	return (units * 16 + MLX5_SEND_WQE_BB - 1) / MLX5_SEND_WQE_BB;
}

/** Copy 16 bytes (unaligned loads and stores). */
#define HCA_SQ_COPY16(d, s) memcpy((d), (s), 16)

/**
 * Copy len bytes into a send queue in 16-byte moves, without a loop up
 * to 128 bytes: the moves from the end overlap those from the start
 * instead of a byte tail, and nothing is read past the source's end.
 * The common sizes (32 to 64 bytes: a small packet) take two tests.
 *
 * @param dst  where the bytes go (contiguous for len bytes)
 * @param src  the bytes
 * @param len  how many
 */
static HCA_DP_ALWAYS_INLINE void
hca_sq_copy(uint8_t *dst, const uint8_t *src, uint32_t len)
{
	uint32_t i;

	if (__builtin_expect(len >= 32, 1)) {
		if (len <= 64) {
			HCA_SQ_COPY16(dst, src);
			HCA_SQ_COPY16(dst + 16, src + 16);
			HCA_SQ_COPY16(dst + len - 32, src + len - 32);
			HCA_SQ_COPY16(dst + len - 16, src + len - 16);
			return;
		}
		for (i = 0; i + 64 < len; i += 64) {
			HCA_SQ_COPY16(dst + i, src + i);
			HCA_SQ_COPY16(dst + i + 16, src + i + 16);
			HCA_SQ_COPY16(dst + i + 32, src + i + 32);
			HCA_SQ_COPY16(dst + i + 48, src + i + 48);
		}
		HCA_SQ_COPY16(dst + len - 64, src + len - 64);
		HCA_SQ_COPY16(dst + len - 48, src + len - 48);
		HCA_SQ_COPY16(dst + len - 32, src + len - 32);
		HCA_SQ_COPY16(dst + len - 16, src + len - 16);
		return;
	}
	if (len >= 16) {
		HCA_SQ_COPY16(dst, src);
		HCA_SQ_COPY16(dst + len - 16, src + len - 16);
		return;
	}
	if (len >= 4) {
		uint32_t w = len >= 8 ? 8 : 4;

		memcpy(dst, src, w);
		memcpy(dst + len - w, src + len - w, w);
		return;
	}
	for (i = 0; i < len; i++)
		dst[i] = src[i];
}

/** hca_sq_copy() out of line, for the sizes a fast path does not expect. */
static HCA_DP_OUT_OF_LINE void
hca_sq_copy_any(uint8_t *dst, const uint8_t *src, uint32_t len)
{
	hca_sq_copy(dst, src, len);
}

/**
 * Write the control and datagram segments (the first basic block) of a
 * UD send WQE: the control segment in two 8-byte stores, the address
 * vector in 16-byte ones.
 *
 * @param blk       the WQE's first block
 * @param qp        its QP (QPN)
 * @param head      the WQE's index (producer counter)
 * @param ds        its size in 16-byte units
 * @param av        the destination's address vector
 * @param signaled  ask for a send completion
 */
static HCA_DP_ALWAYS_INLINE void
hca_sq_write_head(uint8_t *blk, const struct hca_qp *qp, uint32_t head,
		  uint32_t ds, const struct mlx5_wqe_av *av, bool signaled)
{
	struct mlx5_wqe_ctrl_seg ctrl = {
		.opmod_idx_opcode = htobe32(((head & 0xffff) << 8) |
					    MLX5_OPCODE_SEND),
		.qpn_ds = htobe32((qp->qpn << 8) | ds),
		.fm_ce_se = signaled ? MLX5_WQE_CTRL_CQ_UPDATE : 0,
	};

	memcpy(blk, &ctrl, sizeof(ctrl));
	memcpy(blk + 16, av, sizeof(*av));
}

/**
 * Build one UD send WQE whose payload goes inline, at the producer
 * counter, and advance it. The payload lands in one copy unless the WQE
 * wraps around the ring's end.
 *
 * @param av        the destination's address vector
 * @param data      the payload
 * @param len       its length (at most qp->max_inline bytes)
 * @param signaled  ask for a send completion
 * @return the WQE's index (for matching its completion)
 */
static HCA_DP_ALWAYS_INLINE uint16_t
hca_sq_post_ud_inline(struct hca_qp *qp, const struct mlx5_wqe_av *av,
		      const void *data, uint32_t len, bool signaled)
{
	uint32_t head = qp->sq_head;
	uint32_t cnt = qp->sq_wqe_cnt;
	uint32_t idx = head & (cnt - 1);
	uint32_t ds = 4 + (4 + len + 15) / 16; /* 16-byte units */
	uint32_t nblocks = (ds + 3) / 4;
	uint8_t *blk = qp->sq_buf + ((size_t)idx << MLX5_SEND_WQE_SHIFT);
	uint32_t bc = htobe32(len | MLX5_INLINE_SEG);

	hca_sq_write_head(blk, qp, head, ds, av, signaled);
	if (__builtin_expect(idx + nblocks <= cnt, 1)) {
		memcpy(blk + 64, &bc, 4);
		hca_sq_copy(blk + 68, data, len);
	} else {
		/* the WQE wraps: the blocks after the end are the ring's
		 * first ones */
		uint32_t off = 68, done = 0;

		memcpy(hca_sq_block(qp, head + 1), &bc, 4);
		while (done < len) {
			uint32_t in_blk = off & (MLX5_SEND_WQE_BB - 1);
			uint32_t chunk = MLX5_SEND_WQE_BB - in_blk;
			uint8_t *dst = (uint8_t *)hca_sq_block(qp,
				head + off / MLX5_SEND_WQE_BB) + in_blk;

			if (chunk > len - done)
				chunk = len - done;
			memcpy(dst, (const uint8_t *)data + done, chunk);
			done += chunk;
			off += chunk;
		}
	}
	qp->sq_head = head + nblocks;
	return (uint16_t)head;
}

/**
 * A send queue as a burst of posts sees it, kept in the caller's locals:
 * the producer counter and what every WQE needs, and how far WQEs may
 * go without a test of their own (up to the first block not free, or
 * the ring's end: a WQE that would wrap takes hca_sq_post_ud_inline()).
 * Load it with hca_sq_cursor_load(), store the counter back with
 * hca_sq_cursor_store() before any other post or the doorbell.
 */
struct hca_sq_cursor {
	uint8_t *buf;             /**< the ring */
	uint32_t mask;            /**< sq_wqe_cnt - 1 */
	uint32_t head;            /**< producer counter */
	uint32_t stop;            /**< blocks before it are free, no wrap */
	uint32_t qpn_be;          /**< htobe32(QPN << 8): qpn_ds but ds */
};

/**
 * Load a cursor from the QP.
 *
 * @param tail  the oldest block the device may still own (producer
 *              counter of the oldest WQE not completed)
 */
static HCA_DP_ALWAYS_INLINE void
hca_sq_cursor_load(const struct hca_qp *qp, uint32_t tail,
		   struct hca_sq_cursor *c)
{
	uint32_t cnt = qp->sq_wqe_cnt;
	uint32_t room_end = tail + cnt;
	uint32_t pass_end = (qp->sq_head | (cnt - 1)) + 1;

	c->buf = qp->sq_buf;
	c->mask = cnt - 1;
	c->head = qp->sq_head;
	c->stop = (int32_t)(room_end - pass_end) < 0 ? room_end : pass_end;
	c->qpn_be = htobe32(qp->qpn << 8);
}

/** Store a cursor's producer counter back into its QP. */
static HCA_DP_ALWAYS_INLINE void
hca_sq_cursor_store(struct hca_qp *qp, const struct hca_sq_cursor *c)
{
	qp->sq_head = c->head;
}

/* the cursor's WQE copies the address vector in three 16-byte moves */
_Static_assert(sizeof(struct mlx5_wqe_av) == 48, "a 48-byte address vector");

/** Basic blocks of a UD WQE with len bytes inline (64 B + 4 + len). */
static HCA_DP_ALWAYS_INLINE uint32_t
hca_ud_inline_blocks(uint32_t len)
{
	return (64 + 4 + len + MLX5_SEND_WQE_BB - 1) / MLX5_SEND_WQE_BB;
}

/**
 * Whether a WQE of nblocks fits at the cursor: free, and not wrapping.
 */
static HCA_DP_ALWAYS_INLINE bool
hca_sq_cursor_fits(const struct hca_sq_cursor *c, uint32_t nblocks)
{
	return c->stop - c->head >= nblocks;
}

/**
 * Build one UD send WQE whose payload goes inline, unsignalled, at the
 * cursor and advance it; the same WQE as hca_sq_post_ud_inline(), in
 * fewer steps: the control segment from the cursor's prebuilt QPN word
 * in two 8-byte stores, the address vector in three 16-byte moves, the
 * payload in 16-byte moves. The caller checked hca_sq_cursor_fits().
 *
 * @param av       the destination's address vector
 * @param data     the payload
 * @param len      its length (at most the QP's max_inline)
 * @param nblocks  hca_ud_inline_blocks(len)
 * @return the WQE's index (producer counter)
 */
static HCA_DP_ALWAYS_INLINE uint32_t
hca_sq_cursor_put_ud_inline(struct hca_sq_cursor *c,
			    const struct mlx5_wqe_av *av, const void *data,
			    uint32_t len, uint32_t nblocks)
{
	uint32_t head = c->head;
	uint8_t *blk = c->buf + ((size_t)(head & c->mask) <<
				 MLX5_SEND_WQE_SHIFT);
	uint32_t ds = (64 + 4 + len + 15) / 16; /* 16-byte units */
	uint32_t ctrl[4] = {
		htobe32(((head & 0xffff) << 8) | MLX5_OPCODE_SEND),
		c->qpn_be | htobe32(ds),
		0, /* signature, fm_ce_se: no completion asked */
		0,
	};
	uint32_t bc = htobe32(len | MLX5_INLINE_SEG);

	memcpy(blk, ctrl, sizeof(ctrl));
	HCA_SQ_COPY16(blk + 16, (const uint8_t *)av);
	HCA_SQ_COPY16(blk + 32, (const uint8_t *)av + 16);
	HCA_SQ_COPY16(blk + 48, (const uint8_t *)av + 32);
	memcpy(blk + 64, &bc, sizeof(bc));
	if (__builtin_expect(len >= 32 && len <= 64, 1)) {
		/* a small packet: four moves, the last two from its end */
		const uint8_t *s_end = (const uint8_t *)data + len;
		uint8_t *d_end = blk + 68 + len;

		HCA_SQ_COPY16(blk + 68, data);
		HCA_SQ_COPY16(blk + 84, (const uint8_t *)data + 16);
		HCA_SQ_COPY16(d_end - 32, s_end - 32);
		HCA_SQ_COPY16(d_end - 16, s_end - 16);
	} else {
		hca_sq_copy_any(blk + 68, data, len);
	}
	c->head = head + nblocks;
	return head;
}

/**
 * Ask for a completion of a WQE built already (not yet rung).
 *
 * @param head  the WQE's index
 */
static HCA_DP_ALWAYS_INLINE void
hca_sq_signal(struct hca_qp *qp, uint32_t head)
{
	struct mlx5_wqe_ctrl_seg *ctrl = hca_sq_block(qp, head);

	ctrl->fm_ce_se |= MLX5_WQE_CTRL_CQ_UPDATE;
}

/**
 * Build one UD send WQE with a gather list at the producer counter and
 * advance it.
 *
 * @param av        the destination's address vector
 * @param sge       the gather list
 * @param n_sge     its length
 * @param signaled  ask for a send completion
 * @return the WQE's index (for matching its completion)
 */
static inline uint16_t
hca_sq_post_ud_gather(struct hca_qp *qp, const struct mlx5_wqe_av *av,
		      const struct hca_sge *sge, uint32_t n_sge, bool signaled)
{
	uint32_t head = qp->sq_head;
	uint8_t *blk = hca_sq_block(qp, head);
	uint32_t i;

	hca_sq_write_head(blk, qp, head, 4 + n_sge, av, signaled);
	for (i = 0; i < n_sge; i++) {
		uint32_t off = 64 + i * 16;
		struct mlx5_wqe_data_seg *d = (void *)((uint8_t *)
			hca_sq_block(qp, head + off / MLX5_SEND_WQE_BB) +
			(off & (MLX5_SEND_WQE_BB - 1)));

		d->byte_count = htobe32(sge[i].len);
		d->lkey = htobe32(sge[i].lkey);
		d->addr = htobe64(sge[i].addr);
	}
	qp->sq_head = head + hca_ud_wqe_blocks(n_sge, 0);
	return (uint16_t)head;
}

/**
 * Build one UD send WQE at the producer counter and advance it.
 *
 * @param av        the destination's address vector
 * @param sge       gather list (ignored when inline_data is set)
 * @param n_sge     its length
 * @param inline_data  payload to copy into the WQE, or NULL
 * @param inline_len   its length (at most qp->max_inline)
 * @param signaled  ask for a send completion
 * @return the WQE's index (for matching its completion)
 */
static inline uint16_t
hca_sq_post_ud(struct hca_qp *qp, const struct mlx5_wqe_av *av,
	       const struct hca_sge *sge, uint32_t n_sge,
	       const void *inline_data, uint32_t inline_len, bool signaled)
{
	if (inline_data != NULL)
		return hca_sq_post_ud_inline(qp, av, inline_data, inline_len,
					     signaled);
	return hca_sq_post_ud_gather(qp, av, sge, n_sge, signaled);
}

/**
 * Make every send WQE built so far visible to the device: the doorbell
 * record, then the doorbell register when the device has one.
 */
static inline void
hca_sq_doorbell(struct hca_qp *qp, uint32_t last_wqe_head)
{
	hca_dp_wmb();
	qp->dbrec[MLX5_SND_DBR] = htobe32(qp->sq_head & 0xffff);
	if (qp->bf_reg != NULL) {
		hca_dp_io_wmb();
		*qp->bf_reg = *(const uint64_t *)hca_sq_block(qp,
							      last_wqe_head);
	}
}

/**
 * Whether a CQE's owner byte gives it to the software at free-running
 * consumer index ci (owner bit as the pass over the ring, opcode not
 * MLX5_CQE_INVALID).
 *
 * @param op_own   the CQE's op_own byte
 * @param ci       the consumer index the CQE is read at
 * @param cqe_cnt  entries of the ring (a power of two)
 */
static inline bool
hca_cqe_is_sw_owned(uint8_t op_own, uint32_t ci, uint32_t cqe_cnt)
{
	return (op_own >> 4) != MLX5_CQE_INVALID &&
		(op_own & MLX5_CQE_OWNER_MASK) == !!(ci & cqe_cnt);
}

/**
 * Whether a CQE's owner byte says, in one compare: the software's at
 * consumer index ci, a receive completion (MLX5_CQE_RESP_SEND), not
 * compressed (format bits 0). The solicited-event bit does not matter.
 */
static inline bool
hca_cqe_is_rx_ok(uint8_t op_own, uint32_t ci, uint32_t cqe_cnt)
{
	return (op_own & 0xfd) ==
		((MLX5_CQE_RESP_SEND << 4) | !!(ci & cqe_cnt));
}

/**
 * The next completion if the software owns it, else NULL. Does not
 * consume it: call hca_cq_consume() after reading.
 */
static inline struct mlx5_cqe64 *
hca_cq_peek(struct hca_cq *cq)
{
	uint32_t ci = cq->cons_index;
	struct mlx5_cqe64 *cqe = &cq->cqes[ci & (cq->cqe_cnt - 1)];
	uint8_t op_own = __atomic_load_n(&cqe->op_own, __ATOMIC_ACQUIRE);

	if (!hca_cqe_is_sw_owned(op_own, ci, cq->cqe_cnt))
		return NULL;
	hca_dp_rmb();
	return cqe;
}

/**
 * Whether the next completion is the software's: one load of its owner
 * byte, nothing consumed. No barrier: read the CQE after an acquire load
 * of its owner byte (hca_cq_peek()).
 */
static inline bool
hca_cq_ready(const struct hca_cq *cq)
{
	uint32_t ci = cq->cons_index;

	return hca_cqe_is_sw_owned(
		__atomic_load_n(&cq->cqes[ci & (cq->cqe_cnt - 1)].op_own,
				__ATOMIC_RELAXED), ci, cq->cqe_cnt);
}

/** Consume the completion returned by hca_cq_peek(). */
static inline void
hca_cq_consume(struct hca_cq *cq)
{
	cq->cons_index++;
}

/** Tell the device how far the CQ was read (once per burst). */
static inline void
hca_cq_doorbell(struct hca_cq *cq)
{
	hca_dp_wmb();
	cq->dbrec[0] = htobe32(cq->cons_index & 0xffffff);
}

/** Opcode of a CQE (MLX5_CQE_*). */
static inline uint8_t
hca_cqe_opcode(const struct mlx5_cqe64 *cqe)
{
	return cqe->op_own >> 4;
}

/**
 * The RSS hash of a receive completion (rx_hash_result): the Toeplitz
 * hash the TIR computed, 0 when none (no TIR, or a non-IP packet).
 */
static inline uint32_t
hca_cqe_rx_hash(const struct mlx5_cqe64 *cqe)
{
	uint32_t h;

	memcpy(&h, (const uint8_t *)cqe + HCA_CQE_RX_HASH_OFF, sizeof(h));
	return be32toh(h);
}

/**
 * Write the RSS hash of a receive completion where the device does
 * (rx_hash_result, rx_hash_type): for a device model and tests.
 *
 * @param hash  the Toeplitz hash
 * @param type  HCA_CQE_RSS_IPV4/_IPV6 | HCA_CQE_RSS_TCP/_UDP, or 0
 */
static inline void
hca_cqe_set_rx_hash(struct mlx5_cqe64 *cqe, uint32_t hash, uint8_t type)
{
	uint32_t h = htobe32(hash);

	memcpy((uint8_t *)cqe + HCA_CQE_RX_HASH_OFF, &h, sizeof(h));
	((uint8_t *)cqe)[HCA_CQE_RX_HASH_TYPE_OFF] = type;
}

/** Decode a receive completion. */
static inline void
hca_cqe_decode_rx(const struct mlx5_cqe64 *cqe, struct hca_rx_cqe *rx)
{
	uint32_t fq = be32toh(cqe->flags_rqpn);

	rx->byte_cnt = be32toh(cqe->byte_cnt);
	rx->src_qpn = fq & 0xffffff;
	rx->sl = (fq >> 24) & 0xf;
	rx->grh = ((fq >> 28) & 3) != 0;
	rx->slid = be16toh(cqe->slid);
	rx->wqe_index = be16toh(cqe->wqe_counter);
	rx->rss_hash = hca_cqe_rx_hash(cqe);
}

#ifdef __cplusplus
}
#endif

#endif /* HCA_DP_H */
