/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * What keeps one client, or one host, from starving the others: the
 * per-client and per-host limits (below the daemon-wide ones) and the
 * host identities that clients are counted against. Control thread only.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hcasim.h"

/**
 * Fill limits with their defaults.
 *
 * @param l  the limits
 */
void
hcasim_limits_default(struct hcasim_limits *l)
{
	l->client_qp = HCASIM_DEF_CLIENT_QP;
	l->client_mr = HCASIM_DEF_CLIENT_MR;
	l->client_cq = HCASIM_DEF_CLIENT_CQ;
	l->client_mcast = HCASIM_DEF_CLIENT_MCAST;
	l->client_ring_mem = HCASIM_DEF_CLIENT_RING_MEM;
	l->host_clients = HCASIM_DEF_HOST_CLIENTS;
	l->host_qp = HCASIM_DEF_HOST_QP;
	l->host_mr = HCASIM_DEF_HOST_MR;
	l->host_ring_mem = HCASIM_DEF_HOST_RING_MEM;
}

/** Parse a number with an optional k/m/g (binary) suffix. */
static int
size_parse(const char *s, uint64_t *v)
{
	unsigned int shift = 0;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno != 0)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end != '\0' || *v > (UINT64_MAX >> shift))
		return -EINVAL;
	*v <<= shift;
	return 0;
}

/**
 * Set one limit from "NAME=VALUE". Each limit must be at least 1 and
 * below the daemon-wide limit it shares out.
 *
 * @param l     the limits
 * @param spec  e.g. "client-qp=64" or "host-ring-mem=512m"
 * @return 0 or -EINVAL (unknown name, bad or out-of-range value)
 */
int
hcasim_limit_parse(struct hcasim_limits *l, const char *spec)
{
	static const struct {
		const char *name;
		size_t off;
		bool wide;          /**< a uint64_t field */
		uint64_t below;     /**< must be < this (<= for the CQ table) */
	} names[] = {
		{ "client-qp", offsetof(struct hcasim_limits, client_qp),
		  false, HCASIM_QP_SLOTS },
		{ "client-mr", offsetof(struct hcasim_limits, client_mr),
		  false, HCASIM_MR_SLOTS },
		{ "client-cq", offsetof(struct hcasim_limits, client_cq),
		  false, HCASIM_CLIENT_MAX_CQ + 1 },
		{ "client-mcast", offsetof(struct hcasim_limits, client_mcast),
		  false, HCASIM_MAX_MCG_MEMBERS },
		{ "client-ring-mem",
		  offsetof(struct hcasim_limits, client_ring_mem),
		  true, HCASIM_MAX_RING_MEM },
		{ "host-clients", offsetof(struct hcasim_limits, host_clients),
		  false, HCASIM_MAX_CLIENTS },
		{ "host-qp", offsetof(struct hcasim_limits, host_qp),
		  false, HCASIM_QP_SLOTS },
		{ "host-mr", offsetof(struct hcasim_limits, host_mr),
		  false, HCASIM_MR_SLOTS },
		{ "host-ring-mem",
		  offsetof(struct hcasim_limits, host_ring_mem),
		  true, HCASIM_MAX_RING_MEM },
	};
	const char *eq = strchr(spec, '=');
	uint64_t v;
	size_t i;

	if (eq == NULL || size_parse(eq + 1, &v) < 0 || v == 0)
		return -EINVAL;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) != (size_t)(eq - spec) ||
		    strncmp(spec, names[i].name, (size_t)(eq - spec)) != 0)
			continue;
		if (v >= names[i].below)
			return -EINVAL;
		if (names[i].wide)
			*(uint64_t *)((char *)l + names[i].off) = v;
		else
			*(uint32_t *)((char *)l + names[i].off) = (uint32_t)v;
		return 0;
	}
	return -EINVAL;
}

/**
 * Build the host identities from the loaded ports: [0] for connections
 * without a known host, then one per distinct host name.
 *
 * @param h  the daemon (ports loaded)
 */
void
hcasim_idents_build(struct hcasim *h)
{
	unsigned int i;

	memset(h->idents, 0, sizeof(h->idents));
	h->nidents = 1;
	for (i = 0; i < h->nports; i++)
		if (hcasim_ident_find(h, h->ports[i].host) == 0)
			memcpy(h->idents[h->nidents++].host, h->ports[i].host,
			       HCASIM_HOST_LEN);
}

/**
 * The identity of a host name.
 *
 * @return its index, or 0 when the net file has no such host
 */
int
hcasim_ident_find(struct hcasim *h, const char *host)
{
	unsigned int i;

	if (host[0] == '\0')
		return 0;
	for (i = 1; i < h->nidents; i++)
		if (strcmp(h->idents[i].host, host) == 0)
			return (int)i;
	return 0;
}

/**
 * Count a client against an identity's share of the client table,
 * leaving the one it counted against before (it holds no resources yet).
 *
 * @param c    the client
 * @param idx  the identity
 * @return 0, or -EUSERS when the identity's share is used up (counted)
 */
int
hcasim_ident_take(struct hcasim *h, struct hcasim_client *c, int idx)
{
	struct hcasim_ident *id = &h->idents[idx];

	if (c->ident == id)
		return 0;
	if (id->clients >= h->cfg.limits.host_clients) {
		h->refused.host_clients++;
		return -EUSERS;
	}
	hcasim_ident_drop(c);
	id->clients++;
	c->ident = id;
	return 0;
}

/**
 * Stop counting a client against its identity.
 *
 * @param c  the client
 */
void
hcasim_ident_drop(struct hcasim_client *c)
{
	if (c->ident != NULL)
		c->ident->clients--;
	c->ident = NULL;
}

/**
 * Whether a client may have len more bytes of queue memory: its own
 * limit, its host's, then the daemon's. Refusals are counted.
 *
 * @param c      the client
 * @param len    bytes wanted
 * @param total  the queue memory of all clients now
 * @return 0, -EDQUOT (the client's or host's limit) or -ENOSPC (daemon)
 */
int
hcasim_ring_mem_admit(struct hcasim *h, struct hcasim_client *c,
		      size_t len, size_t total)
{
	if (c->ring_mem + len > h->cfg.limits.client_ring_mem) {
		h->refused.client_ring_mem++;
		return -EDQUOT;
	}
	if (c->ident != NULL &&
	    c->ident->ring_mem + len > h->cfg.limits.host_ring_mem) {
		h->refused.host_ring_mem++;
		return -EDQUOT;
	}
	if (total + len > HCASIM_MAX_RING_MEM)
		return -ENOSPC;
	return 0;
}
