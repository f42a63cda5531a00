/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef FUZZ_HCASIM_WQE_H
#define FUZZ_HCASIM_WQE_H

/**
 * @file
 * The input layout of the hcasim_wqe harness, shared with the seed
 * generator:
 *
 *   mode (1)          HW_MODE_*
 *   nregions (1)      regions = this % (HW_MAX_REGIONS + 1)
 *   region (16) x n   lkey (be32), client address (be64), length - 1
 *                     (be16, & HW_REGION_LEN_MASK), flags (HW_REGION_*),
 *                     fill byte of its memory
 *   expect_idx (be16) the ring index the WQE must carry
 *   need (be16)       receive mode: bytes the datagram takes
 *   the WQE           send mode: the WQE (at most HCASIM_WQE_MAX_BYTES
 *                     are used); receive mode: a 16-byte data segment
 */

/** Mode bits. */
#define HW_MODE_RECV 0x01      /**< a receive segment, not a send WQE */
#define HW_MODE_BLOCKS 0x02    /**< pass whole 64-byte blocks only */

/** Regions the model holds at most. */
#define HW_MAX_REGIONS 4
/** Bytes of a region descriptor. */
#define HW_REGION_LEN 16
/** Mask of a region's length - 1 (regions of 1 .. 8192 bytes). */
#define HW_REGION_LEN_MASK 0x1fff
/** Region flags. */
#define HW_REGION_FOREIGN 0x01   /**< another client's */
#define HW_REGION_OTHER_PD 0x02  /**< in another PD */
#define HW_REGION_POISONED 0x04  /**< its fd was truncated */

/** Bytes between the regions and the WQE: expect_idx, need. */
#define HW_TAIL_LEN 4

#endif /* FUZZ_HCASIM_WQE_H */
