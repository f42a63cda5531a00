/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * IPv4/IPv6 addresses of ipoib-fwd: parse, format, match a prefix.
 * Pure functions on struct fwd_addr; they call no other module.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwd_addr.h"

/**
 * Parse an IPv4 or IPv6 address, with a prefix length when wanted.
 *
 * @param s           the text ("192.0.2.1/24", "2001:db8::1")
 * @param a           filled with the address
 * @param want_depth  true: "/LEN" is required; false: it is refused
 * @return 0, or -EINVAL when the text is not such an address
 */
int
fwd_parse_addr(const char *s, struct fwd_addr *a, bool want_depth)
{
	char buf[64], *slash, *end;
	long depth;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	memset(a, 0, sizeof(*a));
	slash = strchr(buf, '/');
	if ((slash != NULL) != want_depth)
		return -EINVAL;
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, a->ip) == 1) {
		a->family = 4;
		a->depth = 32;
	} else if (inet_pton(AF_INET6, buf, a->ip) == 1) {
		a->family = 6;
		a->depth = 128;
	} else {
		return -EINVAL;
	}
	if (slash == NULL)
		return 0;
	errno = 0;
	depth = strtol(slash + 1, &end, 10);
	if (errno != 0 || end == slash + 1 || *end != '\0' || depth < 0 ||
	    depth > a->depth)
		return -EINVAL;
	a->depth = (uint8_t)depth;
	return 0;
}

/**
 * Format an address (with its prefix length when shorter than a host's).
 *
 * @return buf
 */
const char *
fwd_addr_str(const struct fwd_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned int full = a->family == 4 ? 32 : 128;

	inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->ip, ip, sizeof(ip));
	if (a->depth == full)
		snprintf(buf, len, "%s", ip);
	else
		snprintf(buf, len, "%s/%u", ip, a->depth);
	return buf;
}

/**
 * Whether an address is inside a prefix (same family assumed).
 *
 * @param a   the prefix (its depth counts)
 * @param ip  the address, network order (IPv4: first 4 bytes)
 * @return true when the first a->depth bits match
 */
bool
fwd_prefix_contains(const struct fwd_addr *a, const uint8_t *ip)
{
	unsigned int full = a->depth / 8, rest = a->depth % 8;

	if (memcmp(a->ip, ip, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a->ip[full] ^ ip[full]) & (0xff << (8 - rest))) == 0;
}
