/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Write a small ERF capture through hcasim_wire_carry(), for the tshark
 * decode test (test/hcasim/check-erf reads it back with tshark).
 *
 * Usage: test_wire_capture FILE
 *
 * The packets (and what check-erf is told to expect, see meson.build):
 *  1. unicast, no GRH: DLID 2, SLID 1, SL 0, P_Key 0xffff, dest QP 0x48,
 *     src QP 0x49, Q_Key 0x0b1b, PSN 1, payload "hello, wire" (11 bytes,
 *     one pad byte);
 *  2. multicast with a GRH: DLID 0xc001, SLID 3, SL 1, dest QP 0xffffff,
 *     src QP 0x4a, Q_Key 0x80010000, IPoIB ARP-sized payload of 0x5a
 *     bytes (28 bytes), hop limit 2, TClass 0, flow label 0x12345, MGID
 *     ff12:401b:ffff::ffff:ffff, SGID fe80::2:c903:0:1;
 *  3. unicast IPoIB: DLID 4, SLID 1, dest QP 0x48, src QP 0x49, Q_Key
 *     0x0b1b, payload = IPoIB header (EtherType 0x0800, reserved 0) +
 *     IPv4 10.0.0.1 -> 10.0.0.2 + UDP 1234 -> 5678 + "ipoib!" (3 bytes
 *     of pad: 4 + 20 + 8 + 6 = 38 bytes).
 * It also checks that every packet was delivered and captured.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcasim_wire.h"

/**
 * Carry one packet and fail loudly unless it arrives intact.
 *
 * @param w
 *   The wire.
 * @param m
 *   Header fields.
 * @param data
 *   Payload.
 * @param len
 *   Payload length.
 * @return
 *   0 on success, 1 on failure.
 */
static int
send_one(struct hcasim_wire *w, const struct hcasim_pkt_meta *m,
	 const void *data, size_t len)
{
	uint8_t out[HCASIM_WIRE_MAX_PAYLOAD];
	struct iovec iov = { .iov_base = (void *)(uintptr_t)data,
			     .iov_len = len };
	size_t got = 0;
	int rc;

	rc = hcasim_wire_carry(w, m, &iov, 1, out, sizeof(out), &got);
	if (rc != HCASIM_WIRE_OK || got != len || memcmp(out, data, len)) {
		fprintf(stderr, "FAIL: carry: %s, %zu bytes of %zu\n",
			hcasim_wire_result_name(rc), got, len);
		return 1;
	}
	return 0;
}

/**
 * Compute the IPv4 header checksum.
 *
 * @param h
 *   The 20-byte header, checksum field zero.
 * @return
 *   The checksum, host order.
 */
static uint16_t
ipv4_checksum(const uint8_t *h)
{
	uint32_t sum = 0;
	int i;

	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/**
 * Make the IPoIB payload of packet 3.
 *
 * @param p
 *   At least 38 bytes.
 * @return
 *   Its length.
 */
static size_t
make_ipoib_udp(uint8_t *p)
{
	static const uint8_t ipoib_ip_udp[] = {
		0x08, 0x00, 0x00, 0x00,                 /* IPoIB: IPv4 */
		0x45, 0x00, 0x00, 0x22, 0x00, 0x01, 0x00, 0x00,
		0x40, 0x11, 0x00, 0x00,                 /* TTL 64, UDP */
		10, 0, 0, 1, 10, 0, 0, 2,
		0x04, 0xd2, 0x16, 0x2e, 0x00, 0x0e, 0x00, 0x00, /* UDP */
		'i', 'p', 'o', 'i', 'b', '!',
	};
	uint16_t csum;

	memcpy(p, ipoib_ip_udp, sizeof(ipoib_ip_udp));
	csum = ipv4_checksum(p + 4);
	p[14] = csum >> 8;
	p[15] = csum & 0xff;
	return sizeof(ipoib_ip_udp);
}

/**
 * Fill the header fields of packet 2 (multicast with a GRH).
 *
 * @param m
 *   Filled.
 */
static void
make_mcast_meta(struct hcasim_pkt_meta *m)
{
	static const uint8_t mgid[16] = { 0xff, 0x12, 0x40, 0x1b, 0xff, 0xff,
		0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t sgid[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0,
		0, 0x02, 0xc9, 0x03, 0, 0, 0, 0x01 };

	memset(m, 0, sizeof(*m));
	m->dlid = 0xc001;
	m->slid = 3;
	m->sl = 1;
	m->grh = true;
	memcpy(m->dgid.raw, mgid, 16);
	memcpy(m->sgid.raw, sgid, 16);
	m->hop_limit = 2;
	m->flow_label = 0x12345;
	m->pkey = 0xffff;
	m->dest_qp = 0xffffff;
	m->src_qp = 0x4a;
	m->qkey = 0x80010000;
	m->psn = 2;
}

/**
 * Write the capture.
 *
 * @param argc
 *   2.
 * @param argv
 *   Program name and capture file.
 * @return
 *   0 on success.
 */
int
main(int argc, char **argv)
{
	struct hcasim_wire_config cfg = { 0 };
	struct hcasim_wire_counters c;
	struct hcasim_pkt_meta m = { 0 };
	uint8_t arp[28], ipoib[64];
	struct hcasim_wire *w;
	int err = 0, fails = 0;
	size_t len;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	cfg.capture_path = argv[1];
	w = hcasim_wire_create(&cfg, &err);
	if (w == NULL || !hcasim_wire_enabled(w)) {
		fprintf(stderr, "FAIL: wire create: %d\n", err);
		return 1;
	}
	m.dlid = 2;
	m.slid = 1;
	m.pkey = 0xffff;
	m.dest_qp = 0x48;
	m.src_qp = 0x49;
	m.qkey = 0x0b1b;
	m.psn = 1;
	fails += send_one(w, &m, "hello, wire", 11);

	make_mcast_meta(&m);
	memset(arp, 0x5a, sizeof(arp));
	fails += send_one(w, &m, arp, sizeof(arp));

	memset(&m, 0, sizeof(m));
	m.dlid = 4;
	m.slid = 1;
	m.pkey = 0xffff;
	m.dest_qp = 0x48;
	m.src_qp = 0x49;
	m.qkey = 0x0b1b;
	m.psn = 3;
	len = make_ipoib_udp(ipoib);
	fails += send_one(w, &m, ipoib, len);

	hcasim_wire_counters(w, &c);
	hcasim_wire_destroy(w);
	if (c.captured != 3 || c.capture_errors != 0 || c.delivered != 3) {
		fprintf(stderr, "FAIL: captured %llu, errors %llu, "
			"delivered %llu\n", (unsigned long long)c.captured,
			(unsigned long long)c.capture_errors,
			(unsigned long long)c.delivered);
		fails++;
	}
	return fails ? 1 : 0;
}
