/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_FWD_NEIGH_H
#define IPOIB_FWD_NEIGH_H

/**
 * @file
 * ARP and IPv6 neighbour discovery of ipoib-fwd (fwd_neigh.c).
 */

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "fwd.h"

/**
 * Where the neighbour module hands packets back (main lcore only).
 */
struct fwd_neigh_ops {
	/**
	 * A held packet whose next hop (port, family, hop address) now
	 * has a MAC: send it (or hold it again).
	 */
	void (*resolved)(struct fwd_lcore *lc, struct rte_mbuf *m,
			 uint16_t port, int family, const uint8_t *hop);
	/**
	 * A packet another lcore handed over (fwd_neigh_punt): ARP/ND, or
	 * one waiting for its next hop; it arrived on port m->port.
	 */
	void (*input)(struct fwd_lcore *lc, struct rte_mbuf *m);
};

int fwd_neigh_init(const struct fwd_neigh_ops *cb);
void fwd_neigh_free(void);
int fwd_neigh_lookup(uint16_t port, int family, const uint8_t *ip,
		     struct rte_ether_addr *mac);
void fwd_neigh_control(struct fwd_lcore *lc);
void fwd_neigh_punt(struct fwd_lcore *lc, struct rte_mbuf *m);
void fwd_neigh_hold(struct fwd_lcore *lc, struct rte_mbuf *m, uint16_t port,
		    int family, const uint8_t *hop);
void fwd_neigh_drain(void);
unsigned int fwd_neigh_count(void);

#endif /* IPOIB_FWD_NEIGH_H */
