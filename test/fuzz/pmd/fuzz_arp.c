/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Fuzz harness arp: the ARP translation of mode=eth in both directions,
 * ipoib_arp_to_eth() (IPoIB ARP received -> Ethernet ARP) and
 * ipoib_arp_to_ib() (Ethernet ARP to send -> IPoIB ARP), on mbufs of the
 * fake port whose peer cache holds peers of every kind.
 *
 * Input: byte 0: bit 0 direction (0 receive, 1 transmit), bit 1 round
 * trip, bits 2-3 tailroom (plenty, 0, one byte short, exact); byte 1:
 * sender address selector, byte 2: target selector (fuzz_pmd_pick_addr
 * on receive, fuzz_pmd_pick_mac on transmit; other values keep the
 * input's bytes); then the ARP packet.
 *
 * Checks: the result is what an independent reading of the packet says
 * (malformed, unknown sender, no room, translated); a refused packet is
 * left byte for byte as it was; a translated one has the right length,
 * fixed fields and addresses (the MACs or 20-byte addresses of the
 * peers the input named, zero for a target that stands for nobody) and
 * the protocol addresses unchanged; and, with plenty of room, the
 * translation of the translation gives the original back (but for the
 * parts a translation cannot keep: the connected-mode flag, targets
 * that stand for nobody, bytes past the ARP packet).
 */

#include <string.h>

#include <rte_arp.h>

#include "fuzz.h"
#include "fuzz_pmd.h"

/** Lengths of the two ARP forms (IPv4). */
#define ARP_IB_LEN 56
#define ARP_ETH_LEN 28
/** Largest input copied into an mbuf. */
#define ARP_MAX_IN 1024

/** The packet before the call, to compare with. */
static uint8_t orig[RTE_PKTMBUF_HEADROOM + FUZZ_PMD_ROOM];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_pmd_port(true);
	return 0;
}

/** Whether the fixed part of an ARP packet is the expected form's. */
static bool
arp_fixed_ok(const uint8_t *p, uint16_t hrd, uint8_t hln)
{
	uint16_t op = fuzz_be16(p + 6);

	return fuzz_be16(p) == hrd && fuzz_be16(p + 2) == 0x0800 &&
		p[4] == hln && p[5] == 4 &&
		(op == RTE_ARP_OP_REQUEST || op == RTE_ARP_OP_REPLY);
}

/** Whether n bytes are zero. */
static bool
all_zero(const uint8_t *p, size_t n)
{
	while (n > 0)
		if (p[--n] != 0)
			return false;
	return true;
}

/** The MAC an IPoIB ARP's target address must become (zero: nobody). */
static void
expect_target_mac(const struct fuzz_port *fp, const uint8_t *tha,
		  struct rte_ether_addr *mac)
{
	struct ipoib_hwaddr a;

	memcpy(&a, tha, sizeof(a));
	a.flags = 0;
	if (all_zero(tha + 1, 19) || !fuzz_pmd_expect_mac(fp, &a, mac))
		memset(mac, 0, sizeof(*mac));
}

/** The address an Ethernet ARP's target MAC must become (zero: nobody). */
static void
expect_target_addr(const struct fuzz_port *fp,
		   const struct rte_ether_addr *mac, struct ipoib_hwaddr *a)
{
	if (rte_is_zero_ether_addr(mac) || rte_is_broadcast_ether_addr(mac) ||
	    !fuzz_pmd_expect_addr(fp, mac, a))
		memset(a, 0, sizeof(*a));
}

/** Check that a refused packet was left as it was. */
static void
check_unchanged(const struct rte_mbuf *m, uint32_t len)
{
	FUZZ_CHECK(m->data_len == len && m->pkt_len == len);
	FUZZ_CHECK(memcmp(rte_pktmbuf_mtod(m, const uint8_t *), orig,
			  len) == 0);
}

/**
 * Receive direction: translate, check against the oracle, and with
 * round set translate back and compare with the original.
 */
static void
arp_rx(struct fuzz_port *fp, struct rte_mbuf *m, uint32_t off, bool round)
{
	const uint8_t *o = orig + off;
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	uint32_t len = m->data_len;
	struct rte_ether_addr sender, smac, tmac;
	struct ipoib_hwaddr sha;
	enum ipoib_xlate r;

	memset(&sender, 0xa5, sizeof(sender));
	r = ipoib_arp_to_eth(fp->eth, m, off, &sender);
	if (len < off + ARP_IB_LEN || !arp_fixed_ok(o, 32, 20)) {
		FUZZ_CHECK(r == IPOIB_XLATE_MALFORMED);
		check_unchanged(m, len);
		return;
	}
	memcpy(&sha, o + 8, sizeof(sha));
	sha.flags = 0;
	if (!fuzz_pmd_expect_mac(fp, &sha, &smac)) {
		FUZZ_CHECK(r == IPOIB_XLATE_UNKNOWN);
		check_unchanged(m, len);
		return;
	}
	FUZZ_CHECK(r == IPOIB_XLATE_OK);
	expect_target_mac(fp, o + 32, &tmac);
	FUZZ_CHECK(m->data_len == off + ARP_ETH_LEN && m->pkt_len == off +
		   ARP_ETH_LEN);
	FUZZ_CHECK(memcmp(p - off, orig, off) == 0);
	FUZZ_CHECK(fuzz_be16(p) == 1 && memcmp(p + 2, o + 2, 2) == 0);
	FUZZ_CHECK(p[4] == 6 && p[5] == 4 && memcmp(p + 6, o + 6, 2) == 0);
	FUZZ_CHECK(memcmp(p + 8, &smac, 6) == 0);
	FUZZ_CHECK(rte_is_same_ether_addr(&sender, &smac));
	FUZZ_CHECK(memcmp(p + 14, o + 28, 4) == 0);
	FUZZ_CHECK(memcmp(p + 18, &tmac, 6) == 0);
	FUZZ_CHECK(memcmp(p + 24, o + 52, 4) == 0);
	if (!round)
		return;
	FUZZ_CHECK(ipoib_arp_to_ib(fp->eth, m, off) == IPOIB_XLATE_OK);
	FUZZ_CHECK(m->data_len == off + ARP_IB_LEN);
	FUZZ_CHECK(memcmp(p, o, 8) == 0);
	FUZZ_CHECK(p[8] == 0 && memcmp(p + 9, o + 9, 19) == 0);
	FUZZ_CHECK(memcmp(p + 28, o + 28, 4) == 0);
	if (rte_is_zero_ether_addr(&tmac))
		FUZZ_CHECK(all_zero(p + 32, 20));
	else
		FUZZ_CHECK(p[32] == 0 && memcmp(p + 33, o + 33, 19) == 0);
	FUZZ_CHECK(memcmp(p + 52, o + 52, 4) == 0);
}

/**
 * Transmit direction: translate, check against the oracle, and with
 * round set translate back and compare with the original.
 */
static void
arp_tx(struct fuzz_port *fp, struct rte_mbuf *m, uint32_t off, bool round)
{
	const uint8_t *o = orig + off;
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	uint32_t len = m->data_len;
	uint16_t tailroom = rte_pktmbuf_tailroom(m);
	struct rte_ether_addr smac, tmac, back;
	struct ipoib_hwaddr sha, tha;
	enum ipoib_xlate r;

	r = ipoib_arp_to_ib(fp->eth, m, off);
	if (len < off + ARP_ETH_LEN || !arp_fixed_ok(o, 1, 6)) {
		FUZZ_CHECK(r == IPOIB_XLATE_MALFORMED);
		check_unchanged(m, len);
		return;
	}
	memcpy(&smac, o + 8, 6);
	memcpy(&tmac, o + 18, 6);
	if (!fuzz_pmd_expect_addr(fp, &smac, &sha)) {
		FUZZ_CHECK(r == IPOIB_XLATE_UNKNOWN);
		check_unchanged(m, len);
		return;
	}
	if (off + ARP_IB_LEN > len + tailroom) {
		FUZZ_CHECK(r == IPOIB_XLATE_NO_ROOM);
		check_unchanged(m, len);
		return;
	}
	FUZZ_CHECK(r == IPOIB_XLATE_OK);
	expect_target_addr(fp, &tmac, &tha);
	FUZZ_CHECK(m->data_len == off + ARP_IB_LEN && m->pkt_len == off +
		   ARP_IB_LEN);
	FUZZ_CHECK(memcmp(p - off, orig, off) == 0);
	FUZZ_CHECK(fuzz_be16(p) == 32 && memcmp(p + 2, o + 2, 2) == 0);
	FUZZ_CHECK(p[4] == 20 && p[5] == 4 && memcmp(p + 6, o + 6, 2) == 0);
	FUZZ_CHECK(memcmp(p + 8, &sha, 20) == 0);
	FUZZ_CHECK(memcmp(p + 28, o + 14, 4) == 0);
	FUZZ_CHECK(memcmp(p + 32, &tha, 20) == 0);
	FUZZ_CHECK(memcmp(p + 52, o + 24, 4) == 0);
	if (!round)
		return;
	FUZZ_CHECK(ipoib_arp_to_eth(fp->eth, m, off, &back) ==
		   IPOIB_XLATE_OK);
	FUZZ_CHECK(m->data_len == off + ARP_ETH_LEN);
	FUZZ_CHECK(rte_is_same_ether_addr(&back, &smac));
	FUZZ_CHECK(memcmp(p, o, 18) == 0);
	if (all_zero((const uint8_t *)&tha, 20))
		FUZZ_CHECK(all_zero(p + 18, 6));
	else
		FUZZ_CHECK(memcmp(p + 18, o + 18, 6) == 0);
	FUZZ_CHECK(memcmp(p + 24, o + 24, 4) == 0);
}

/** Put the selected addresses into the packet (where it has room). */
static void
arp_pick(const struct fuzz_port *fp, uint8_t *pkt, uint32_t len, bool tx,
	 uint8_t ssel, uint8_t tsel)
{
	struct ipoib_hwaddr a;
	struct rte_ether_addr mac;

	if (tx) {
		if (len >= 14 && fuzz_pmd_pick_mac(fp, ssel, &mac))
			memcpy(pkt + 8, &mac, 6);
		if (len >= 24 && fuzz_pmd_pick_mac(fp, tsel, &mac))
			memcpy(pkt + 18, &mac, 6);
		return;
	}
	/* the flags byte (connected mode) stays the input's */
	if (len >= 28 && fuzz_pmd_pick_addr(fp, ssel, &a))
		memcpy(pkt + 9, a.qpn, 19);
	if (len >= 52 && fuzz_pmd_pick_addr(fp, tsel, &a))
		memcpy(pkt + 33, a.qpn, 19);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t tailroom_short[] = { 0, 0, 27, 28 };
	struct fuzz_port *fp = fuzz_pmd_port(true);
	uint8_t pkt[ARP_MAX_IN + RTE_ETHER_HDR_LEN];
	struct rte_mbuf *m;
	bool tx, round;
	uint32_t off, len, head;
	uint8_t flags;

	if (size < 3 || size - 3 > ARP_MAX_IN)
		return 0;
	flags = data[0];
	tx = flags & 1;
	round = flags & 2;
	off = tx ? RTE_ETHER_HDR_LEN : RTE_IPOIB_HDR_LEN;
	len = off + (uint32_t)(size - 3);
	memset(pkt, 0, off);
	pkt[tx ? 12 : 0] = 0x08;
	pkt[tx ? 13 : 1] = 0x06;
	memcpy(pkt + off, data + 3, size - 3);
	arp_pick(fp, pkt + off, len - off, tx, data[1], data[2]);
	head = RTE_PKTMBUF_HEADROOM;
	if ((flags >> 2) & 3) {
		head = RTE_PKTMBUF_HEADROOM + FUZZ_PMD_ROOM - len -
			tailroom_short[(flags >> 2) & 3];
		round = false;
	}
	m = fuzz_pmd_mbuf(fp, (uint16_t)head, pkt, len);
	FUZZ_CHECK(m != NULL);
	memcpy(orig, pkt, len);
	if (tx)
		arp_tx(fp, m, off, round);
	else
		arp_rx(fp, m, off, round);
	rte_pktmbuf_free(m);
	FUZZ_CHECK(rte_mempool_avail_count(fp->mp) ==
		   FUZZ_PMD_MBUFS - FUZZ_PMD_DESC);
	return 0;
}
