/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_FWD_ADDR_H
#define IPOIB_FWD_ADDR_H

/**
 * @file
 * IPv4/IPv6 addresses of ipoib-fwd (fwd_addr.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwd.h"

int fwd_parse_addr(const char *s, struct fwd_addr *a, bool want_depth);
const char *fwd_addr_str(const struct fwd_addr *a, char *buf, size_t len);
bool fwd_prefix_contains(const struct fwd_addr *a, const uint8_t *ip);

#endif /* IPOIB_FWD_ADDR_H */
