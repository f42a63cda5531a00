/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_FWD_PORT_H
#define IPOIB_FWD_PORT_H

/**
 * @file
 * Ports of ipoib-fwd (fwd_port.c): setup, links, groups, io-mode peers,
 * the ports' own addresses.
 */

#include <stdbool.h>
#include <stdint.h>

#include "fwd.h"

int fwd_ports_init(bool ethernet);
void fwd_ports_close(void);
void fwd_ports_poll_links(void);
void fwd_ports_join_nd_groups(void);
int fwd_ports_resolve_peers(void);
bool fwd_port_owns(uint16_t port, int family, const uint8_t *ip);
const struct fwd_addr *fwd_port_addr_for(uint16_t port, int family,
					 const uint8_t *ip);

#endif /* IPOIB_FWD_PORT_H */
