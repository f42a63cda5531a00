/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_DP_ETH_H
#define HCA_DP_ETH_H

/**
 * @file
 * UD send WQEs with an Ethernet segment (IPoIB stateless offloads):
 * control, datagram, then struct mlx5_wqe_eth_seg with the checksum
 * flags, the MSS and the inlined packet headers, then the data segments
 * of the rest. The opcode is MLX5_OPCODE_LSO when the device is to split
 * the payload into MSS-sized TCP segments; a checksum-only send is a
 * SEND whose opmod is HCA_WQE_OPMOD_ETH (the soft HCA's per-WQE stand-in
 * for a QP created in stateless offload mode, where every send carries
 * the segment). Kept apart from the plain send of hca_dp.h.
 */

#include "hca_dp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The LSO opcode of a ConnectX send WQE (0x0e, MLX5_OPCODE_TSO). */
#define HCA_OPCODE_LSO MLX5_OPCODE_TSO
/** opmod of a SEND that carries an Ethernet segment (see above). */
#define HCA_WQE_OPMOD_ETH 0x01
/** Most 16-byte units of one send WQE (the control's ds field). */
#define HCA_WQE_MAX_DS 63
/** Most header bytes inlined in the Ethernet segment. */
#define HCA_ETH_INLINE_MAX 256

/**
 * Size in 16-byte units of an Ethernet-segment send: control, datagram,
 * the segment with ihs header bytes (its first 2 inside it), n_sge data
 * segments.
 */
static inline uint32_t
hca_eth_wqe_ds(uint32_t ihs, uint32_t n_sge)
{
	return 1 + 3 + 1 + (ihs > 2 ? (ihs - 2 + 15) / 16 : 0) + n_sge;
}

/** Copy len bytes at byte off of the WQE that starts at block head. */
static inline void
hca_sq_write(struct hca_qp *qp, uint32_t head, uint32_t off,
	     const void *src, uint32_t len)
{
	const uint8_t *s = (const uint8_t *)src;

	while (len != 0) {
		uint32_t in_blk = off & (MLX5_SEND_WQE_BB - 1);
		uint32_t chunk = MLX5_SEND_WQE_BB - in_blk;

		if (chunk > len)
			chunk = len;
		memcpy((uint8_t *)hca_sq_block(qp, head + off /
					       MLX5_SEND_WQE_BB) + in_blk,
		       s, chunk);
		s += chunk;
		off += chunk;
		len -= chunk;
	}
}

/**
 * Build a UD send with an Ethernet segment at the ring's head.
 *
 * @param av        the destination
 * @param cs_flags  MLX5_ETH_WQE_L3_CSUM / MLX5_ETH_WQE_L4_CSUM
 * @param mss       payload bytes per TCP segment; 0: no segmentation
 * @param hdr       the headers to inline (IPoIB, IP, TCP or UDP)
 * @param ihs       their length (at most HCA_ETH_INLINE_MAX)
 * @param sge       the rest of the packet
 * @param n_sge     its entries (hca_eth_wqe_ds() at most HCA_WQE_MAX_DS)
 * @param signaled  ask for a completion
 * @return the WQE's first block index (its head)
 */
static inline uint16_t
hca_sq_post_ud_eth(struct hca_qp *qp, const struct mlx5_wqe_av *av,
		   uint8_t cs_flags, uint16_t mss, const void *hdr,
		   uint32_t ihs, const struct hca_sge *sge, uint32_t n_sge,
		   bool signaled)
{
	uint32_t head = qp->sq_head;
	uint32_t ds = hca_eth_wqe_ds(ihs, n_sge);
	uint32_t off = 64 + 16 + (ihs > 2 ? (ihs - 2 + 15) / 16 * 16 : 0);
	struct mlx5_wqe_ctrl_seg *ctrl = hca_sq_block(qp, head);
	struct mlx5_wqe_eth_seg eseg;
	uint32_t opc = mss != 0 ? HCA_OPCODE_LSO :
		(uint32_t)HCA_WQE_OPMOD_ETH << 24 | MLX5_OPCODE_SEND;
	uint32_t i;

	memcpy((uint8_t *)ctrl + 16, av, sizeof(*av));
	memset(&eseg, 0, 16);
	eseg.cs_flags = cs_flags;
	eseg.mss = htobe16(mss);
	eseg.inline_hdr_sz = htobe16((uint16_t)ihs);
	memcpy(eseg.inline_hdr_start, hdr, ihs < 2 ? ihs : 2);
	hca_sq_write(qp, head, 64, &eseg, 16);
	if (ihs > 2)
		hca_sq_write(qp, head, 80, (const uint8_t *)hdr + 2, ihs - 2);
	for (i = 0; i < n_sge; i++, off += 16) {
		struct mlx5_wqe_data_seg d;

		d.byte_count = htobe32(sge[i].len);
		d.lkey = htobe32(sge[i].lkey);
		d.addr = htobe64(sge[i].addr);
		hca_sq_write(qp, head, off, &d, sizeof(d));
	}
	ctrl->opmod_idx_opcode = htobe32(((head & 0xffff) << 8) | opc);
	ctrl->qpn_ds = htobe32((qp->qpn << 8) | ds);
	ctrl->signature = 0;
	ctrl->dci_stream_channel_id = 0;
	ctrl->fm_ce_se = signaled ? MLX5_WQE_CTRL_CQ_UPDATE : 0;
	ctrl->imm = 0;
	qp->sq_head = head + (ds * 16 + MLX5_SEND_WQE_BB - 1) /
		MLX5_SEND_WQE_BB;
	return (uint16_t)head;
}

#ifdef __cplusplus
}
#endif

#endif /* HCA_DP_ETH_H */
