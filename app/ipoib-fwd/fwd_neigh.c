/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * ARP and IPv6 neighbour discovery of ipoib-fwd: the responder for the
 * ports' own addresses and the resolver of next hops.
 *
 * The neighbour table is an rte_hash with lock-free readers; only the
 * main lcore writes it (adds entries, stores MACs with one atomic 64-bit
 * write). Entries are never removed while the forwarder runs, so readers
 * need no reclamation. A packet whose next hop has no MAC yet is held on
 * the main lcore (at most --pending per next hop, then dropped and
 * counted); requests are repeated every resolve_ms, resolve_tries times,
 * then the held packets are dropped (unresolved) with an ICMP host
 * unreachable each (rate-limited).
 *
 * The module knows nothing of routing: it hands packets back to its user
 * through the callbacks given to fwd_neigh_init() (a held packet whose
 * next hop is resolved; a packet another lcore handed over).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_lcore.h>

#include "fwd.h"
#include "fwd_icmp.h"
#include "fwd_neigh.h"
#include "fwd_port.h"
#include "fwd_tx.h"

#define NEIGH_VALID (1ULL << 63)
#define RING_SIZE 1024
#define ND_NS 135
#define ND_NA 136
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2

/** What identifies a neighbour: port, family, address. */
struct neigh_key {
	uint16_t port;
	uint8_t family;
	uint8_t pad;
	uint8_t ip[16];
};

/** A neighbour. */
struct neigh {
	uint64_t mac;                /**< NEIGH_VALID | MAC, atomic */
	struct neigh_key key;
	struct rte_mbuf **pending;   /**< held packets (main lcore only) */
	unsigned int nb_pending;
	unsigned int tries;
	uint64_t next_try;
	bool resolving;
};

static struct fwd_neigh_ops ops;
static struct rte_hash *neigh_hash;
static struct neigh *neighs;
static unsigned int nb_neighs;
static uint32_t resolving[FWD_NEIGH_MAX];
static unsigned int nb_resolving;

/**
 * Create the neighbour table and the hand-over rings.
 *
 * @param cb  where packets go back to (copied; both callbacks required)
 * @return 0, or -1 (message printed)
 */
int
fwd_neigh_init(const struct fwd_neigh_ops *cb)
{
	struct rte_hash_parameters hp = {
		.name = "fwd_neigh",
		.entries = FWD_NEIGH_MAX,
		.key_len = sizeof(struct neigh_key),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	char name[32];
	unsigned int i;

	ops = *cb;
	neigh_hash = rte_hash_create(&hp);
	neighs = calloc(FWD_NEIGH_MAX, sizeof(*neighs));
	if (neigh_hash == NULL || neighs == NULL)
		goto fail;
	for (i = 0; i < fwd_nb_lcores; i++) {
		struct fwd_lcore *lc = &fwd_lcores[i];

		if (lc->is_main)
			continue;
		snprintf(name, sizeof(name), "fwd_to_main_%u", i);
		lc->to_main = rte_ring_create(name, RING_SIZE,
			(int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (lc->to_main == NULL)
			goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "%s: cannot create the neighbour table: %s\n",
		FWD_NAME, rte_strerror(rte_errno));
	return -1;
}

/** Build a neighbour key. */
static void
key_make(struct neigh_key *k, uint16_t port, int family, const uint8_t *ip)
{
	memset(k, 0, sizeof(*k));
	k->port = port;
	k->family = (uint8_t)family;
	memcpy(k->ip, ip, family == 4 ? 4 : 16);
}

/**
 * The MAC of a neighbour, from any lcore (lock-free).
 *
 * @return 0, or -ENOENT when it is not resolved
 */
int
fwd_neigh_lookup(uint16_t port, int family, const uint8_t *ip,
		 struct rte_ether_addr *mac)
{
	struct neigh_key k;
	void *data;
	uint64_t v;
	int i;

	key_make(&k, port, family, ip);
	if (rte_hash_lookup_data(neigh_hash, &k, &data) < 0)
		return -ENOENT;
	v = __atomic_load_n(&neighs[(uintptr_t)data].mac, __ATOMIC_ACQUIRE);
	if (!(v & NEIGH_VALID))
		return -ENOENT;
	for (i = RTE_ETHER_ADDR_LEN - 1; i >= 0; i--, v >>= 8)
		mac->addr_bytes[i] = (uint8_t)v;
	return 0;
}

/**
 * Find a neighbour (main lcore), adding it when asked.
 *
 * @return the entry, or NULL (not there, or the table is full)
 */
static struct neigh *
neigh_get(uint16_t port, int family, const uint8_t *ip, bool create)
{
	struct neigh_key k;
	struct neigh *n;
	void *data;

	key_make(&k, port, family, ip);
	if (rte_hash_lookup_data(neigh_hash, &k, &data) >= 0)
		return &neighs[(uintptr_t)data];
	if (!create || nb_neighs == FWD_NEIGH_MAX)
		return NULL;
	n = &neighs[nb_neighs];
	memset(n, 0, sizeof(*n));
	n->key = k;
	n->pending = calloc(fwd_cfg.pending, sizeof(*n->pending));
	if (n->pending == NULL)
		return NULL;
	if (rte_hash_add_key_data(neigh_hash, &k,
				  (void *)(uintptr_t)nb_neighs) != 0) {
		free(n->pending);
		return NULL;
	}
	nb_neighs++;
	return n;
}

/**
 * Allocate a frame from the forwarder's pool: an Ethernet header and
 * @p payload bytes after it.
 *
 * @param mp       set to the new packet
 * @param payload  bytes after the Ethernet header
 * @return the packet's Ethernet header, or NULL when no packet (of that
 *         size) could be had
 */
static struct rte_ether_hdr *
frame_alloc(struct rte_mbuf **mp, uint32_t payload)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fwd_pool);
	struct rte_ether_hdr *eh;

	*mp = m;
	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
		(uint16_t)(sizeof(*eh) + payload));
	if (eh == NULL) { /* the pool's buffers are too small */
		rte_pktmbuf_free(m);
		*mp = NULL;
	}
	return eh;
}

/**
 * Send an ARP request for an IPv4 next hop.
 *
 * @return 0, or -1 when no request could be made
 */
static int
arp_request(struct fwd_lcore *lc, uint16_t port, const uint8_t *ip)
{
	const struct fwd_addr *src = fwd_port_addr_for(port, 4, ip);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *arp;
	struct rte_mbuf *m;

	if (src == NULL)
		return -1;
	eh = frame_alloc(&m, sizeof(*arp));
	if (eh == NULL)
		return -1;
	memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
	eh->src_addr = fwd_cfg.ports[port].mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eh + 1);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = fwd_cfg.ports[port].mac;
	memcpy(&arp->arp_data.arp_sip, src->ip, 4);
	memset(&arp->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
	memcpy(&arp->arp_data.arp_tip, ip, 4);
	fwd_tx_enqueue(lc, port, m);
	return 0;
}

/**
 * Write an NS or NA (ICMPv6 header, target, one link-layer option with
 * the port's MAC) after an IPv6 header, and its checksum.
 */
static void
nd_fill(struct rte_ipv6_hdr *ip6, uint16_t port, uint8_t type,
	const uint8_t *target)
{
	uint8_t *ic = (uint8_t *)(ip6 + 1);

	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(32);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = 255;
	memset(ic, 0, 32);
	ic[0] = type;
	if (type == ND_NA)
		ic[4] = 0xe0;        /* router, solicited, override */
	memcpy(ic + 8, target, 16);
	ic[24] = type == ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA;
	ic[25] = 1;
	memcpy(ic + 26, &fwd_cfg.ports[port].mac, RTE_ETHER_ADDR_LEN);
	*(uint16_t *)(ic + 2) = rte_ipv6_udptcp_cksum(ip6, ic);
}

/**
 * Send a neighbour solicitation for an IPv6 next hop (to its
 * solicited-node group).
 *
 * @return 0, or -1 when none could be made
 */
static int
nd_solicit(struct fwd_lcore *lc, uint16_t port, const uint8_t *ip)
{
	const struct fwd_addr *src = fwd_port_addr_for(port, 6, ip);
	static const uint8_t snm[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0,
					 0, 0, 0, 1, 0xff };
	struct rte_ether_hdr *eh;
	struct rte_ipv6_hdr *ip6;
	struct rte_mbuf *m;

	if (src == NULL)
		return -1;
	eh = frame_alloc(&m, sizeof(*ip6) + 32);
	if (eh == NULL)
		return -1;
	eh->dst_addr.addr_bytes[0] = 0x33;
	eh->dst_addr.addr_bytes[1] = 0x33;
	eh->dst_addr.addr_bytes[2] = 0xff;
	memcpy(&eh->dst_addr.addr_bytes[3], ip + 13, 3);
	eh->src_addr = fwd_cfg.ports[port].mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip6 = (struct rte_ipv6_hdr *)(eh + 1);
	memcpy(ip6->src_addr, src->ip, 16);
	memcpy(ip6->dst_addr, snm, 13);
	memcpy(ip6->dst_addr + 13, ip + 13, 3);
	nd_fill(ip6, port, ND_NS, ip);
	fwd_tx_enqueue(lc, port, m);
	return 0;
}

/**
 * Ask for a neighbour's MAC (one more try).
 *
 * @return 0, or -1 when the port cannot ask (no address of the family)
 */
static int
neigh_solicit(struct fwd_lcore *lc, struct neigh *n)
{
	int ret = n->key.family == 4 ?
		arp_request(lc, n->key.port, n->key.ip) :
		nd_solicit(lc, n->key.port, n->key.ip);

	if (ret == 0)
		lc->cnt.event[FWD_EV_ARP_REQUESTS]++;
	n->tries++;
	n->next_try = rte_get_timer_cycles() +
		rte_get_timer_hz() * fwd_cfg.resolve_ms / 1000;
	return ret;
}

/**
 * Store a neighbour's MAC and hand what was held for it back to the
 * user (the resolved callback).
 */
static void
neigh_set_mac(struct fwd_lcore *lc, struct neigh *n,
	      const struct rte_ether_addr *mac)
{
	uint64_t v = 0;
	unsigned int i;

	if (!rte_is_unicast_ether_addr(mac) || rte_is_zero_ether_addr(mac))
		return;
	for (i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		v = v << 8 | mac->addr_bytes[i];
	if (!(n->mac & NEIGH_VALID))
		lc->cnt.event[FWD_EV_NEIGH_LEARNED]++;
	__atomic_store_n(&n->mac, v | NEIGH_VALID, __ATOMIC_RELEASE);
	n->resolving = false;
	for (i = 0; i < n->nb_pending; i++)
		ops.resolved(lc, n->pending[i], n->key.port, n->key.family,
			     n->key.ip);
	n->nb_pending = 0;
}

/**
 * Hold a packet until its next hop is resolved (main lcore).
 */
void
fwd_neigh_hold(struct fwd_lcore *lc, struct rte_mbuf *m, uint16_t port,
	       int family, const uint8_t *hop)
{
	struct neigh *n = neigh_get(port, family, hop, true);

	if (n == NULL) {
		fwd_drop(lc, m, FWD_DROP_NEIGH_FULL);
		return;
	}
	if (n->nb_pending >= fwd_cfg.pending) {
		fwd_drop(lc, m, FWD_DROP_PENDING_FULL);
		return;
	}
	n->pending[n->nb_pending++] = m;
	if (n->resolving)
		return;
	n->resolving = true;
	n->tries = 0;
	resolving[nb_resolving++] = (uint32_t)(n - neighs);
	neigh_solicit(lc, n);
}

/**
 * Give up on a neighbour: its held packets are dropped (unresolved),
 * each answered with a host unreachable.
 */
static void
neigh_fail(struct fwd_lcore *lc, struct neigh *n)
{
	unsigned int i;

	for (i = 0; i < n->nb_pending; i++) {
		struct rte_mbuf *m = n->pending[i];

		if (n->key.family == 4)
			fwd_icmp_error(lc, m, m->port, 4,
				       FWD_ICMP_DEST_UNREACH, 1);
		else
			fwd_icmp_error(lc, m, m->port, 6, 1, 3);
		fwd_drop(lc, m, FWD_DROP_UNRESOLVED);
	}
	n->nb_pending = 0;
	n->resolving = false;
}

/**
 * Retry or give up the resolutions that are due (main lcore).
 */
static void
neigh_timers(struct fwd_lcore *lc)
{
	uint64_t now = rte_get_timer_cycles();
	unsigned int i = 0;
	struct neigh *n;

	while (i < nb_resolving) {
		n = &neighs[resolving[i]];
		if (n->resolving && now >= n->next_try) {
			if (n->tries >= fwd_cfg.resolve_tries ||
			    neigh_solicit(lc, n) != 0)
				neigh_fail(lc, n);
		}
		if (!n->resolving) {
			resolving[i] = resolving[--nb_resolving];
			continue;
		}
		i++;
	}
}

/**
 * Handle an ARP packet (main lcore): learn the sender when it talks to
 * us or is being resolved, answer requests for our addresses.
 */
static void
arp_input(struct fwd_lcore *lc, struct rte_mbuf *m, uint16_t port)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eh + 1);
	struct rte_arp_ipv4 *d = &arp->arp_data;
	uint16_t op;
	uint32_t sip;
	bool for_us;
	struct neigh *n;

	if (m->data_len < sizeof(*eh) + sizeof(*arp) ||
	    arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4) {
		fwd_drop(lc, m, FWD_DROP_MALFORMED);
		return;
	}
	op = rte_be_to_cpu_16(arp->arp_opcode);
	if (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) {
		fwd_drop(lc, m, FWD_DROP_MALFORMED);
		return;
	}
	for_us = fwd_port_owns(port, 4, (uint8_t *)&d->arp_tip);
	if (d->arp_sip != 0) {
		n = neigh_get(port, 4, (uint8_t *)&d->arp_sip, for_us);
		if (n != NULL)
			neigh_set_mac(lc, n, &d->arp_sha);
	}
	if (op != RTE_ARP_OP_REQUEST || !for_us) {
		rte_pktmbuf_free(m);
		return;
	}
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	d->arp_tha = d->arp_sha;
	sip = d->arp_sip;
	d->arp_sip = d->arp_tip;
	d->arp_tip = sip;
	d->arp_sha = fwd_cfg.ports[port].mac;
	eh->dst_addr = eh->src_addr;
	eh->src_addr = fwd_cfg.ports[port].mac;
	lc->cnt.event[FWD_EV_ARP_REPLIES]++;
	fwd_tx_enqueue(lc, port, m);
}

/**
 * Find a link-layer address option in ND options.
 *
 * @return 0 (mac set), 1 when there is none, -1 when the options are bad
 */
static int
nd_option(const uint8_t *opt, uint32_t len, uint8_t type,
	  struct rte_ether_addr *mac)
{
	int found = 1;

	while (len > 0) {
		if (len < 8 || opt[1] == 0 || opt[1] * 8u > len)
			return -1;
		if (opt[0] == type && opt[1] == 1) {
			memcpy(mac, opt + 2, RTE_ETHER_ADDR_LEN);
			found = 0;
		}
		len -= opt[1] * 8u;
		opt += opt[1] * 8u;
	}
	return found;
}

/**
 * Answer a neighbour solicitation for one of our addresses, in place.
 */
static void
nd_advertise(struct fwd_lcore *lc, struct rte_mbuf *m, uint16_t port,
	     const uint8_t *target)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eh + 1);
	uint8_t tgt[16];
	uint32_t want = sizeof(*eh) + sizeof(*ip6) + 32;

	memcpy(tgt, target, 16);
	if (m->pkt_len > want)
		rte_pktmbuf_trim(m, m->pkt_len - want);
	else if (m->pkt_len < want &&
		 rte_pktmbuf_append(m, want - m->pkt_len) == NULL) {
		fwd_drop(lc, m, FWD_DROP_NO_MBUF);
		return;
	}
	eh->dst_addr = eh->src_addr;
	eh->src_addr = fwd_cfg.ports[port].mac;
	memcpy(ip6->dst_addr, ip6->src_addr, 16);
	memcpy(ip6->src_addr, tgt, 16);
	nd_fill(ip6, port, ND_NA, tgt);
	lc->cnt.event[FWD_EV_ARP_REPLIES]++;
	fwd_tx_enqueue(lc, port, m);
}

/**
 * Whether an ICMPv6 message's checksum (over the pseudo-header) is right.
 */
static bool
icmp6_cksum_ok(const struct rte_ipv6_hdr *ip6, const void *ic, uint32_t len)
{
	uint32_t sum = rte_ipv6_phdr_cksum(ip6, 0);

	sum += rte_raw_cksum(ic, len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/**
 * Handle an IPv6 neighbour discovery packet (main lcore): checked
 * (hop limit 255, checksum, lengths, options), NS for our addresses
 * answered, NA and NS sources learned.
 */
static void
nd_input(struct fwd_lcore *lc, struct rte_mbuf *m, uint16_t port)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eh + 1);
	static const uint8_t unspec[16];
	uint8_t *ic = (uint8_t *)(ip6 + 1);
	uint32_t plen = rte_be_to_cpu_16(ip6->payload_len);
	struct rte_ether_addr mac = eh->src_addr;
	struct neigh *n;
	int opt;

	if (ic[0] != ND_NS && ic[0] != ND_NA) {
		fwd_drop(lc, m, FWD_DROP_LOCAL);
		return;
	}
	if (m->data_len < sizeof(*eh) + sizeof(*ip6) + plen || plen < 24 ||
	    ip6->hop_limits != 255 || ic[1] != 0 || ic[8] == 0xff ||
	    !icmp6_cksum_ok(ip6, ic, plen)) {
		fwd_drop(lc, m, FWD_DROP_MALFORMED);
		return;
	}
	opt = nd_option(ic + 24, plen - 24,
			ic[0] == ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA, &mac);
	if (opt < 0) {
		fwd_drop(lc, m, FWD_DROP_MALFORMED);
		return;
	}
	if (ic[0] == ND_NA) {
		n = neigh_get(port, 6, ic + 8, false);
		if (n != NULL)
			neigh_set_mac(lc, n, &mac);
		rte_pktmbuf_free(m);
		return;
	}
	if (memcmp(ip6->src_addr, unspec, 16) == 0 ||
	    !fwd_port_owns(port, 6, ic + 8)) {
		rte_pktmbuf_free(m);
		return;
	}
	n = neigh_get(port, 6, ip6->src_addr, opt == 0);
	if (n != NULL && opt == 0)
		neigh_set_mac(lc, n, &mac);
	nd_advertise(lc, m, port, ic + 8);
}

/**
 * Take an ARP/ND packet, or one waiting for its next hop: handled now on
 * the main lcore, handed over to it from the others.
 */
void
fwd_neigh_punt(struct fwd_lcore *lc, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	if (!lc->is_main) {
		if (rte_ring_sp_enqueue(lc->to_main, m) != 0)
			fwd_drop(lc, m, FWD_DROP_RING_FULL);
		return;
	}
	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		arp_input(lc, m, m->port);
	else
		nd_input(lc, m, m->port);
}

/**
 * The main lcore's control work: packets handed over by the other
 * lcores (back to the user's input callback), and resolution timers.
 */
void
fwd_neigh_control(struct fwd_lcore *lc)
{
	struct rte_mbuf *m[32];
	unsigned int i, j, n;

	for (i = 0; i < fwd_nb_lcores; i++) {
		if (fwd_lcores[i].to_main == NULL)
			continue;
		n = rte_ring_sc_dequeue_burst(fwd_lcores[i].to_main,
					      (void **)m, 32, NULL);
		for (j = 0; j < n; j++)
			ops.input(lc, m[j]);
	}
	if (nb_resolving > 0)
		neigh_timers(lc);
}

/** Free every held or handed-over packet (at shutdown). */
void
fwd_neigh_drain(void)
{
	struct rte_mbuf *m;
	unsigned int i, j;

	for (i = 0; i < fwd_nb_lcores; i++)
		while (fwd_lcores[i].to_main != NULL &&
		       rte_ring_sc_dequeue(fwd_lcores[i].to_main,
					   (void **)&m) == 0)
			rte_pktmbuf_free(m);
	for (i = 0; i < nb_neighs; i++) {
		for (j = 0; j < neighs[i].nb_pending; j++)
			rte_pktmbuf_free(neighs[i].pending[j]);
		neighs[i].nb_pending = 0;
	}
}

/** How many neighbours are resolved. */
unsigned int
fwd_neigh_count(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < nb_neighs; i++)
		n += (neighs[i].mac & NEIGH_VALID) != 0;
	return n;
}

/** Free the neighbour table and the rings. */
void
fwd_neigh_free(void)
{
	unsigned int i;

	for (i = 0; neighs != NULL && i < nb_neighs; i++)
		free(neighs[i].pending);
	free(neighs);
	neighs = NULL;
	rte_hash_free(neigh_hash);
	for (i = 0; i < fwd_nb_lcores; i++)
		rte_ring_free(fwd_lcores[i].to_main);
}
