/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_FWD_ICMP_H
#define IPOIB_FWD_ICMP_H

/**
 * @file
 * ICMP and ICMPv6 errors and echo replies of ipoib-fwd (fwd_icmp.c).
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include "fwd.h"

void fwd_icmp_error(struct fwd_lcore *lc, struct rte_mbuf *m, uint16_t port,
		    int family, uint8_t type, uint8_t code);
struct rte_mbuf *fwd_icmp_echo_reply(struct rte_mbuf *m, uint16_t port,
				     int family);

#endif /* IPOIB_FWD_ICMP_H */
