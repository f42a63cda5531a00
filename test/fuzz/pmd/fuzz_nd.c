/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Fuzz harness nd: the IPv6 neighbour discovery translation of mode=eth
 * in both directions, ipoib_nd_to_eth() (received) and ipoib_nd_to_ib()
 * (to send), on mbufs of the fake port.
 *
 * Input: byte 0: bit 0 direction (0 receive, 1 transmit), bit 1 round
 * trip, bits 2-3 tailroom (plenty, 0, 15, 16 bytes), bit 4 set the IPv6
 * payload length to the packet's, bit 5 keep the ICMPv6 checksum as it
 * is (else the harness makes it right, after the selectors below, so that
 * most inputs reach the translation); bytes 1-4: address selectors for the
 * first four link-layer address options of the right form
 * (fuzz_pmd_pick_addr on receive, fuzz_pmd_pick_mac on transmit; other
 * values keep the input's); then the IPv6 packet.
 *
 * Checks, against an option walker written here from RFC 4861 and RFC
 * 4391: the result (not ND, malformed, unknown address, no room, bad
 * checksum for a well-formed message whose checksum is wrong,
 * translated) and is_nd; a refused packet is left byte for byte as it
 * was; a translated one holds exactly the expected message (fixed part
 * and other options unchanged and in order, link-layer options in the
 * other form with the peers' MACs or addresses), the IPv6 payload
 * length and the packet length agree, the ICMPv6 checksum (computed
 * here) is right, the sender MAC is the one the options give; with
 * plenty of room the translation of the translation gives the original
 * message back (less what one form cannot carry: the reserved bytes and
 * connected-mode flag of IPoIB options, bytes past the payload).
 */

#include <string.h>

#include "fuzz.h"
#include "fuzz_pmd.h"

/** Largest ND message translated (as ipoib_nd.c). */
#define ND_MAX 4160
/** Largest input copied into an mbuf. */
#define ND_MAX_IN 2000
/** Offset of the IPv6 header in the mbuf on each side. */
#define OFF_RX RTE_IPOIB_HDR_LEN
#define OFF_TX RTE_ETHER_HDR_LEN

/** What the oracle expects. */
struct nd_expect {
	bool is_nd;
	enum ipoib_xlate r;
	uint8_t msg[ND_MAX + 64];   /**< the translated ICMPv6 message */
	uint32_t len;
	struct rte_ether_addr sender;
};

static uint8_t orig[RTE_PKTMBUF_HEADROOM + FUZZ_PMD_ROOM];
static struct nd_expect ex;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_pmd_port(true);
	return 0;
}

/** Where the options of ND message type t (133..137) start. */
static uint32_t
nd_fixed(uint8_t t)
{
	static const uint8_t at[] = { 8, 16, 24, 24, 40 };

	return at[t - 133];
}

/**
 * Rewrite one link-layer address option into the expected output.
 *
 * @return IPOIB_XLATE_OK or why not
 */
static enum ipoib_xlate
nd_expect_lla(const struct fuzz_port *fp, bool to_ib, const uint8_t *msg,
	      const uint8_t *opt, uint32_t olen, struct nd_expect *e)
{
	struct ipoib_hwaddr a;
	struct rte_ether_addr mac;

	if (!to_ib) {
		if (olen != 24)
			return IPOIB_XLATE_MALFORMED;
		memcpy(&a, opt + 4, sizeof(a));
		a.flags = 0;
		if (!fuzz_pmd_expect_mac(fp, &a, &mac))
			return IPOIB_XLATE_UNKNOWN;
		e->msg[e->len] = opt[0];
		e->msg[e->len + 1] = 1;
		memcpy(e->msg + e->len + 2, &mac, 6);
		e->len += 8;
		if (opt[0] == 1 || msg[0] == 136)
			e->sender = mac;
		return IPOIB_XLATE_OK;
	}
	if (olen != 8)
		return IPOIB_XLATE_MALFORMED;
	if (e->len + 24 > ND_MAX)
		return IPOIB_XLATE_NO_ROOM;
	if (!fuzz_pmd_expect_addr(fp, (const struct rte_ether_addr *)(opt + 2),
				  &a))
		return IPOIB_XLATE_UNKNOWN;
	e->msg[e->len] = opt[0];
	e->msg[e->len + 1] = 3;
	e->msg[e->len + 2] = 0;
	e->msg[e->len + 3] = 0;
	memcpy(e->msg + e->len + 4, &a, 20);
	e->len += 24;
	return IPOIB_XLATE_OK;
}

/**
 * The oracle: what translating the IPv6 packet ip (len bytes) must give.
 */
static void
nd_expect(const struct fuzz_port *fp, bool to_ib, const uint8_t *ip,
	  uint32_t len, struct nd_expect *e)
{
	const uint8_t *msg = ip + 40;
	uint32_t plen, pos;

	memset(&e->sender, 0, sizeof(e->sender));
	e->len = 0;
	e->is_nd = false;
	e->r = IPOIB_XLATE_OK;
	if (len < 41 || ip[6] != 58 || msg[0] < 133 || msg[0] > 137)
		return;
	e->is_nd = true;
	plen = fuzz_be16(ip + 4);
	e->r = IPOIB_XLATE_MALFORMED;
	if (plen > len - 40 || plen < nd_fixed(msg[0]) ||
	    (!to_ib && plen > ND_MAX))
		return;
	pos = nd_fixed(msg[0]);
	memcpy(e->msg, msg, pos);
	e->len = pos;
	while (pos < plen) {
		uint32_t olen;

		e->r = IPOIB_XLATE_MALFORMED;
		if (plen - pos < 2 || msg[pos + 1] == 0)
			return;
		olen = msg[pos + 1] * 8u;
		if (olen > plen - pos)
			return;
		if (msg[pos] == 1 || msg[pos] == 2) {
			e->r = nd_expect_lla(fp, to_ib, msg, msg + pos, olen,
					     e);
			if (e->r != IPOIB_XLATE_OK)
				return;
		} else {
			if (e->len + olen > ND_MAX) {
				e->r = IPOIB_XLATE_NO_ROOM;
				return;
			}
			memcpy(e->msg + e->len, msg + pos, olen);
			e->len += olen;
		}
		pos += olen;
	}
	e->r = IPOIB_XLATE_OK;
}

/** The ICMPv6 one's complement sum (pseudo-header included) at ip. */
static uint32_t
icmp_sum(const uint8_t *ip)
{
	uint32_t plen = fuzz_be16(ip + 4);
	const uint8_t ph[8] = { 0, 0, (uint8_t)(plen >> 8), (uint8_t)plen,
				0, 0, 0, 58 };
	uint32_t sum = fuzz_pmd_sum(0, ip + 8, 32);

	sum = fuzz_pmd_sum(sum, ph, sizeof(ph));
	return fuzz_pmd_sum(sum, ip + 40, plen);
}

/** Check the ICMPv6 checksum of the IPv6 packet at ip. */
static void
check_cksum(const uint8_t *ip)
{
	FUZZ_CHECK(icmp_sum(ip) == 0xffff);
}

/**
 * Give the ICMPv6 message of a packet of len bytes at ip a valid
 * checksum, when its payload length fits (as most inputs want: a wrong
 * one is refused before any translation).
 */
static void
fix_cksum(uint8_t *ip, uint32_t len)
{
	uint32_t sum;

	if (len < 44 || fuzz_be16(ip + 4) > len - 40)
		return;
	ip[42] = 0;
	ip[43] = 0;
	sum = ~icmp_sum(ip) & 0xffff;
	ip[42] = (uint8_t)(sum >> 8);
	ip[43] = (uint8_t)sum;
}

/**
 * Check a translated packet against the expectation: the bytes before
 * the IPv6 header and the IPv6 header but its payload length unchanged,
 * the message as expected but its checksum, which must be right.
 */
static void
check_translated(const struct rte_mbuf *m, uint32_t off,
		 const struct nd_expect *e)
{
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);

	FUZZ_CHECK(m->data_len == off + 40 + e->len && m->pkt_len ==
		   m->data_len);
	FUZZ_CHECK(memcmp(ip - off, orig, off) == 0);
	FUZZ_CHECK(memcmp(ip, orig + off, 4) == 0);
	FUZZ_CHECK(fuzz_be16(ip + 4) == e->len);
	FUZZ_CHECK(memcmp(ip + 6, orig + off + 6, 34) == 0);
	FUZZ_CHECK(memcmp(ip + 40, e->msg, 2) == 0);
	FUZZ_CHECK(memcmp(ip + 44, e->msg + 4, e->len - 4) == 0);
	check_cksum(ip);
}

/**
 * Run the translation of one direction and check it against e.
 *
 * @return what the translation returned
 */
static enum ipoib_xlate
nd_run(struct fuzz_port *fp, struct rte_mbuf *m, bool to_ib, uint32_t off,
       const struct nd_expect *e)
{
	uint32_t len = m->data_len;
	uint32_t grow = off + 40 + e->len;
	uint32_t tailroom = rte_pktmbuf_tailroom(m);
	struct rte_ether_addr sender;
	enum ipoib_xlate r;
	bool is_nd = !e->is_nd;

	memset(&sender, 0, sizeof(sender));
	if (to_ib)
		r = ipoib_nd_to_ib(fp->eth, m, off, &is_nd);
	else
		r = ipoib_nd_to_eth(fp->eth, m, off, &sender, &is_nd);
	FUZZ_CHECK(is_nd == e->is_nd);
	if (e->r == IPOIB_XLATE_OK && e->is_nd &&
	    icmp_sum(orig + off) != 0xffff) {
		FUZZ_CHECK(r == IPOIB_XLATE_BAD_CKSUM);
	} else if (e->r == IPOIB_XLATE_OK && e->is_nd && grow > len &&
	    grow - len > tailroom) {
		FUZZ_CHECK(r == IPOIB_XLATE_NO_ROOM);
	} else {
		FUZZ_CHECK(r == e->r);
	}
	if (r != IPOIB_XLATE_OK || !e->is_nd) {
		FUZZ_CHECK(m->data_len == len && m->pkt_len == len);
		FUZZ_CHECK(memcmp(rte_pktmbuf_mtod(m, const uint8_t *),
				  orig, len) == 0);
		return r;
	}
	check_translated(m, off, e);
	if (!to_ib)
		FUZZ_CHECK(rte_is_same_ether_addr(&sender, &e->sender));
	return r;
}

/**
 * Translate a translated packet back and compare with the original
 * message: equal but for the checksum and, in IPoIB options, the bytes
 * the Ethernet form does not carry (reserved bytes, flags).
 */
static void
nd_round_trip(struct fuzz_port *fp, struct rte_mbuf *m, bool to_ib,
	      uint32_t off)
{
	const uint8_t *om = orig + off + 40;
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	uint32_t plen = fuzz_be16(orig + off + 4), pos;
	struct rte_ether_addr sender;
	bool is_nd;

	if (to_ib) {
		FUZZ_CHECK(ipoib_nd_to_eth(fp->eth, m, off, &sender, &is_nd) ==
			   IPOIB_XLATE_OK);
	} else {
		FUZZ_CHECK(ipoib_nd_to_ib(fp->eth, m, off, &is_nd) ==
			   IPOIB_XLATE_OK);
	}
	FUZZ_CHECK(is_nd && fuzz_be16(ip + 4) == plen);
	FUZZ_CHECK(m->data_len == off + 40 + plen);
	check_cksum(ip);
	FUZZ_CHECK(memcmp(ip + 40, om, 2) == 0);
	pos = nd_fixed(om[0]);
	FUZZ_CHECK(memcmp(ip + 44, om + 4, pos - 4) == 0);
	while (pos < plen) {
		uint32_t olen = om[pos + 1] * 8u;

		if ((om[pos] == 1 || om[pos] == 2) && !to_ib)
			FUZZ_CHECK(memcmp(ip + 40 + pos, om + pos, 2) == 0 &&
				   ip[40 + pos + 2] == 0 &&
				   ip[40 + pos + 3] == 0 &&
				   ip[40 + pos + 4] == 0 &&
				   memcmp(ip + 40 + pos + 5, om + pos + 5,
					  19) == 0);
		else
			FUZZ_CHECK(memcmp(ip + 40 + pos, om + pos, olen) == 0);
		pos += olen;
	}
}

/** Put the selected addresses into the first link-layer options. */
static void
nd_pick(const struct fuzz_port *fp, uint8_t *ip, uint32_t len, bool to_ib,
	const uint8_t *sel)
{
	uint8_t *msg = ip + 40;
	uint32_t plen, pos, n = 0;
	struct ipoib_hwaddr a;
	struct rte_ether_addr mac;

	if (len < 41 || msg[0] < 133 || msg[0] > 137)
		return;
	plen = RTE_MIN((uint32_t)fuzz_be16(ip + 4), len - 40);
	for (pos = nd_fixed(msg[0]); pos + 2 <= plen && msg[pos + 1] != 0 &&
	     n < 4; pos += msg[pos + 1] * 8u) {
		uint32_t olen = msg[pos + 1] * 8u;

		if (pos + olen > plen || (msg[pos] != 1 && msg[pos] != 2))
			continue;
		if (to_ib && olen == 8 && fuzz_pmd_pick_mac(fp, sel[n], &mac))
			memcpy(msg + pos + 2, &mac, 6);
		if (!to_ib && olen == 24 && fuzz_pmd_pick_addr(fp, sel[n], &a))
			memcpy(msg + pos + 5, a.qpn, 19); /* flags kept */
		n++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t tailroom_short[] = { 0, 0, 15, 16 };
	struct fuzz_port *fp = fuzz_pmd_port(true);
	uint8_t pkt[ND_MAX_IN + OFF_TX];
	struct rte_mbuf *m;
	uint32_t off, len, head;
	bool to_ib, round;
	uint8_t flags;

	if (size < 5 || size - 5 > ND_MAX_IN)
		return 0;
	flags = data[0];
	to_ib = flags & 1;
	round = flags & 2;
	off = to_ib ? OFF_TX : OFF_RX;
	len = off + (uint32_t)(size - 5);
	memset(pkt, 0, off);
	pkt[to_ib ? 12 : 0] = 0x86;
	pkt[to_ib ? 13 : 1] = 0xdd;
	memcpy(pkt + off, data + 5, size - 5);
	if ((flags & 0x10) && len >= off + 40) {
		pkt[off + 4] = (uint8_t)((len - off - 40) >> 8);
		pkt[off + 5] = (uint8_t)(len - off - 40);
	}
	nd_pick(fp, pkt + off, len - off, to_ib, data + 1);
	if (!(flags & 0x20)) /* 0x20: keep the checksum as it came */
		fix_cksum(pkt + off, len - off);
	head = RTE_PKTMBUF_HEADROOM;
	if ((flags >> 2) & 3) {
		head = RTE_PKTMBUF_HEADROOM + FUZZ_PMD_ROOM - len -
			tailroom_short[(flags >> 2) & 3];
		round = false;
	}
	m = fuzz_pmd_mbuf(fp, (uint16_t)head, pkt, len);
	FUZZ_CHECK(m != NULL);
	memcpy(orig, pkt, len);
	nd_expect(fp, to_ib, pkt + off, len - off, &ex);
	/* back only what was translated (not a refused bad checksum) */
	if (nd_run(fp, m, to_ib, off, &ex) == IPOIB_XLATE_OK && round &&
	    ex.is_nd)
		nd_round_trip(fp, m, to_ib, off);
	rte_pktmbuf_free(m);
	FUZZ_CHECK(rte_mempool_avail_count(fp->mp) ==
		   FUZZ_PMD_MBUFS - FUZZ_PMD_DESC);
	return 0;
}
