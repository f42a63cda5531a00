/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCASIM_TESTS_H
#define HCASIM_TESTS_H

/**
 * @file
 * The soft HCA tests shared between test_hcasim.c (delivery, addressing,
 * RSS, capture) and test_hcasim_err.c (errors, faults, lifetimes).
 */

#include <stdbool.h>
#include <stdint.h>

#include "hcasim_tlib.h"

#define QKEY 0x0b1b
#define WAIT_MS 3000

int t_check_rx(const struct mlx5_cqe64 *c, uint32_t len, uint32_t src_qpn,
	       uint16_t slid, bool grh);
int t_unicast_one(struct t_host *a, struct t_host *b, uint32_t len,
		  bool inl, uint32_t seed);

int test_badwqe(void);
int test_kill(void);
int test_faults(void);
int test_truncate(void);
int test_gone(void);
int test_flush(void);
int test_mgid(void);
int test_cqerr(void);
int test_gsi(void);

#endif /* HCASIM_TESTS_H */
